//! One syncing tab at a time: the Web Locks API, called through JS
//! reflection (web-sys marks it unstable).

use std::future::Future;

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::{JsFuture, future_to_promise};

const LOCK: &str = "zhijian-sync";

/// Runs `work` while holding the sync lock, if no other tab holds it.
/// Returns false when another tab is syncing (it will broadcast the result).
/// Without Web Locks (old browsers) the work simply runs.
pub async fn run_exclusive<F>(work: F) -> bool
where
    F: Future<Output = ()> + 'static,
{
    let locks = web_sys::window()
        .map(|w| w.navigator())
        .and_then(|n| Reflect::get(&n, &JsValue::from_str("locks")).ok())
        .filter(|l| !l.is_undefined() && !l.is_null());
    let Some(locks) = locks else {
        work.await;
        return true;
    };
    let request = Reflect::get(&locks, &JsValue::from_str("request"))
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok());
    let Some(request) = request else {
        work.await;
        return true;
    };
    let opts = Object::new();
    let _ = Reflect::set(&opts, &JsValue::from_str("ifAvailable"), &JsValue::TRUE);
    let callback = wasm_bindgen::closure::Closure::once_into_js(move |lock: JsValue| -> Promise {
        if lock.is_null() {
            return Promise::resolve(&JsValue::FALSE);
        }
        // The lock is held until this promise settles.
        future_to_promise(async move {
            work.await;
            Ok(JsValue::TRUE)
        })
    });
    let Ok(promise) = request.call3(&locks, &JsValue::from_str(LOCK), &opts, &callback) else {
        return false;
    };
    match promise.dyn_into::<Promise>() {
        Ok(p) => JsFuture::from(p)
            .await
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(false),
        Err(_) => false,
    }
}

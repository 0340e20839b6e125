//! The installable offline shell: the service worker that `xtask` generates at
//! build time (`sw.js`), its updates, and persistent storage.
//!
//! Update model: a new deploy ships a new `sw.js`; the browser installs it in
//! the background and it *waits*. The app then offers a reload; only when the
//! user accepts does the new worker take over and the page reload, so nobody
//! loses a half-filled form to a deploy.

use std::cell::Cell;
use std::rc::Rc;

use gloo_events::EventListener;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{ServiceWorkerContainer, ServiceWorkerRegistration};

/// The build id stamped into index.html by the build (`<meta name="zj-build">`).
pub fn build_id() -> String {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector("meta[name=zj-build]").ok().flatten())
        .and_then(|m| m.get_attribute("content"))
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "dev".into())
}

#[derive(Clone, Copy)]
pub struct ShellUpdate {
    /// A new version is installed and waiting for the user's go-ahead.
    pub ready: ReadSignal<bool>,
    /// Every page of this version is cached: the app opens whole offline.
    pub offline_ready: ReadSignal<bool>,
}

fn container() -> Option<ServiceWorkerContainer> {
    let nav = web_sys::window()?.navigator();
    // Absent on insecure origins and in some embedded browsers.
    js_sys::Reflect::has(&nav, &JsValue::from_str("serviceWorker"))
        .ok()
        .filter(|has| *has)?;
    Some(nav.service_worker())
}

impl ShellUpdate {
    /// Registers `/sw.js` and watches for a waiting update.
    pub fn provide() -> Self {
        let (ready, set_ready) = signal(false);
        let (offline_ready, set_offline_ready) = signal(false);
        let me = Self {
            ready,
            offline_ready,
        };
        provide_context(me);
        let Some(container) = container() else {
            return me;
        };
        let reload_requested = Rc::new(Cell::new(false));
        RELOAD_REQUESTED.with(|r| r.replace(Some(reload_requested.clone())));
        EventListener::new(&container, "controllerchange", move |_| {
            if reload_requested.get()
                && let Some(w) = web_sys::window()
            {
                let _ = w.location().reload();
            }
        })
        .forget();
        spawn_local(async move {
            let Ok(reg) = JsFuture::from(container.register("/sw.js")).await else {
                // No sw.js (e.g. `trunk serve` in development): online-only.
                return;
            };
            let Ok(reg) = reg.dyn_into::<ServiceWorkerRegistration>() else {
                return;
            };
            watch(&container, &reg, set_ready);
            precache_lazy(&container, set_offline_ready).await;
        });
        me
    }

    /// Lets the waiting worker take over; the page reloads when it has.
    pub fn apply(&self) {
        let Some(container) = container() else { return };
        RELOAD_REQUESTED.with(|r| {
            if let Some(flag) = r.borrow().as_ref() {
                flag.set(true);
            }
        });
        spawn_local(async move {
            let Ok(reg) = JsFuture::from(container.get_registration()).await else {
                return;
            };
            let Ok(reg) = reg.dyn_into::<ServiceWorkerRegistration>() else {
                return;
            };
            if let Some(waiting) = reg.waiting() {
                let _ = waiting.post_message(&JsValue::from_str("skip-waiting"));
            }
        });
    }
}

/// Once a worker is active and the app has had time to settle, asks it to
/// cache the pages' chunks (the landing page needed none of them), and
/// marks `<html data-offline-ready>` when it reports they are all there.
async fn precache_lazy(container: &ServiceWorkerContainer, done: WriteSignal<bool>) {
    let build = build_id();
    EventListener::new(container, "message", move |ev| {
        let Some(ev) = ev.dyn_ref::<web_sys::MessageEvent>() else {
            return;
        };
        let data = ev.data();
        let field = |k: &str| {
            js_sys::Reflect::get(&data, &JsValue::from_str(k))
                .ok()
                .and_then(|v| v.as_string())
        };
        if field("type").as_deref() == Some("precached") && field("build") == Some(build.clone()) {
            done.set(true);
            if let Some(html) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.document_element())
            {
                let _ = html.set_attribute("data-offline-ready", "");
            }
        }
    })
    .forget();
    let Ok(ready) = container.ready() else { return };
    let Ok(reg) = JsFuture::from(ready).await else {
        return;
    };
    gloo_timers::future::TimeoutFuture::new(1_500).await;
    if let Some(active) = reg
        .dyn_into::<ServiceWorkerRegistration>()
        .ok()
        .and_then(|r| r.active())
    {
        let _ = active.post_message(&JsValue::from_str("precache-lazy"));
    }
}

thread_local! {
    static RELOAD_REQUESTED: std::cell::RefCell<Option<Rc<Cell<bool>>>> = const { std::cell::RefCell::new(None) };
}

fn watch(
    container: &ServiceWorkerContainer,
    reg: &ServiceWorkerRegistration,
    set_ready: WriteSignal<bool>,
) {
    // A worker that waits while another controls the page is an update; on the
    // very first visit nothing controls the page and there is nothing to offer.
    let check = {
        let container = container.clone();
        let reg = reg.clone();
        move || {
            if reg.waiting().is_some() && container.controller().is_some() {
                set_ready.set(true);
            }
        }
    };
    check();
    let reg2 = reg.clone();
    let check2 = check.clone();
    EventListener::new(reg, "updatefound", move |_| {
        if let Some(installing) = reg2.installing() {
            let check = check2.clone();
            EventListener::new(&installing, "statechange", move |_| check()).forget();
        }
    })
    .forget();
    // Long-lived tabs (kiosks) learn of deploys when they come back online or into view.
    if let Some(w) = web_sys::window() {
        for event in ["online", "visibilitychange"] {
            let reg = reg.clone();
            EventListener::new(&w, event, move |_| {
                let _ = reg.update();
            })
            .forget();
        }
    }
}

/// Asks the browser to keep this origin's data (IndexedDB) under storage
/// pressure. `Some(true)` when granted, `None` when the browser cannot say.
pub async fn persist_storage() -> Option<bool> {
    let storage = web_sys::window()?.navigator().storage();
    let persisted = JsFuture::from(storage.persisted().ok()?).await.ok()?;
    if persisted.as_bool() == Some(true) {
        return Some(true);
    }
    JsFuture::from(storage.persist().ok()?)
        .await
        .ok()?
        .as_bool()
}

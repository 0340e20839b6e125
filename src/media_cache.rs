//! Lesson media kept on this device ("下载到本机"): the one place that
//! talks to the Cache API. The files live in the `zhijian-media` cache,
//! which the service worker answers `/media/…` from (public/sw.js) and which
//! no app update clears; the lessons' text is already here through sync.
//! Called by name (`crate::js`): only the study page uses these APIs.

use wasm_bindgen::JsValue;

use crate::js::{call, call_async, get, global};

/// Must match public/sw.js.
const CACHE: &str = "zhijian-media";

async fn open() -> Result<JsValue, JsValue> {
    let caches = get(&global(), "caches")?;
    call_async(&caches, "open", &[&CACHE.into()]).await
}

/// The cached response for `url`, if any.
async fn cached(cache: &JsValue, url: &str) -> Option<JsValue> {
    let hit = call_async(cache, "match", &[&url.into()]).await.ok()?;
    (!hit.is_undefined()).then_some(hit)
}

/// How many of `urls` are on this device, and the bytes they take.
pub async fn on_device(urls: &[String]) -> (usize, f64) {
    let Ok(cache) = open().await else {
        return (0, 0.0);
    };
    let (mut n, mut bytes) = (0, 0.0);
    for u in urls {
        if let Some(resp) = cached(&cache, u).await {
            n += 1;
            bytes += size_of(&resp).await;
        }
    }
    (n, bytes)
}

fn text(e: JsValue) -> String {
    e.as_string().unwrap_or_else(|| format!("{e:?}"))
}

/// Fetches every one of `urls` not yet here into the cache, calling
/// `progress(files done, bytes so far)` after each. Stops at the first
/// failure (offline, server error): what was fetched stays, a retry goes on.
pub async fn download(urls: &[String], mut progress: impl FnMut(usize, f64)) -> Result<(), String> {
    let cache = open().await.map_err(text)?;
    let mut bytes = 0.0;
    for (i, u) in urls.iter().enumerate() {
        let resp = match cached(&cache, u).await {
            Some(hit) => hit,
            None => {
                let resp = call_async(&global(), "fetch", &[&u.into()])
                    .await
                    .map_err(text)?;
                if get(&resp, "ok").ok().and_then(|v| v.as_bool()) != Some(true) {
                    return Err(format!("cannot fetch {u}"));
                }
                let copy = call(&resp, "clone", &[]).map_err(text)?;
                call_async(&cache, "put", &[&u.into(), &copy])
                    .await
                    .map_err(text)?;
                resp
            }
        };
        bytes += size_of(&resp).await;
        progress(i + 1, bytes);
    }
    Ok(())
}

/// A response's size: its `Content-Length`, else its body read (a clone).
async fn size_of(resp: &JsValue) -> f64 {
    let length = get(resp, "headers")
        .and_then(|h| call(&h, "get", &[&"content-length".into()]))
        .ok()
        .and_then(|v| v.as_string())
        .and_then(|v| v.parse().ok());
    if let Some(n) = length {
        return n;
    }
    let Ok(copy) = call(resp, "clone", &[]) else {
        return 0.0;
    };
    call_async(&copy, "arrayBuffer", &[])
        .await
        .and_then(|b| get(&b, "byteLength"))
        .ok()
        .and_then(|v| v.as_f64())
        .unwrap_or(0.0)
}

/// Frees `urls` ("从本机移除"). Another course using one of them fetches it
/// again when downloaded.
pub async fn remove(urls: &[String]) {
    let Ok(cache) = open().await else { return };
    for u in urls {
        let _ = call_async(&cache, "delete", &[&u.into()]).await;
    }
}

/// What this origin stores in all and may store (bytes), if the browser says.
pub async fn estimate() -> Option<(f64, f64)> {
    let navigator = get(&global(), "navigator").ok()?;
    let storage = get(&navigator, "storage").ok()?;
    let e = call_async(&storage, "estimate", &[]).await.ok()?;
    Some((
        get(&e, "usage").ok()?.as_f64()?,
        get(&e, "quota").ok()?.as_f64()?,
    ))
}

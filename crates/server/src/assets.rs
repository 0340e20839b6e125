//! Serving the built app: precompressed files, cache headers, SPA fallback.

use std::path::PathBuf;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

/// Hashed files never change, so they are cached for a year: Trunk's
/// `name-<hash>.ext` (the hash a u64 in hex without leading zeros, so 10 to 16
/// digits in practice) and everything under the app's `/pkg-<16 hex>/` (the
/// wasm modules, named by the hash of the whole directory, xtask/src/wasm.rs).
/// Everything else, above all `index.html` and the service worker, is
/// revalidated on every load so a deploy shows up.
pub fn cache_control(path: &str) -> &'static str {
    if is_hashed(path) {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    }
}

fn is_hashed(path: &str) -> bool {
    if let Some(dir) = path.strip_prefix("/pkg-").and_then(|p| p.split('/').next())
        && dir.len() == 16
        && dir.bytes().all(|b| b.is_ascii_hexdigit())
        && path.len() > "/pkg-".len() + 17
    {
        return true;
    }
    let name = path.rsplit('/').next().unwrap_or_default();
    let stem = name.split('.').next().unwrap_or_default();
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-').is_some_and(|(_, h)| {
        (10..=16).contains(&h.len()) && h.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

/// A request for a file (its last segment has an extension) that does not
/// exist is a 404, not the app: a missing script must not be answered with HTML.
fn looks_like_file(path: &str) -> bool {
    path.rsplit('/').next().is_some_and(|seg| seg.contains('.'))
}

async fn headers(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let mut resp = next.run(req).await;
    if resp.status() == StatusCode::OK || resp.status() == StatusCode::NOT_MODIFIED {
        let value = if looks_like_file(&path) {
            cache_control(&path)
        } else {
            "no-cache"
        };
        resp.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    }
    if path.ends_with(".webmanifest") {
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/manifest+json"),
        );
    }
    resp
}

/// Client-side routes (`/activities`, `/me`, ...) get the app's index.html;
/// missing files stay 404.
async fn spa_fallback(State(index): State<ServeFile>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let mut fallback = Request::new(Body::empty());
    *fallback.headers_mut() = req.headers().clone();
    let resp = next.run(req).await;
    if resp.status() != StatusCode::NOT_FOUND || looks_like_file(&path) {
        return resp;
    }
    match index.oneshot(fallback).await {
        Ok(r) => r.into_response(),
        Err(never) => match never {},
    }
}

pub fn router(dist: PathBuf) -> Router {
    let index = ServeFile::new(dist.join("index.html"))
        .precompressed_br()
        .precompressed_gzip();
    let files = ServeDir::new(&dist).precompressed_br().precompressed_gzip();
    Router::new()
        .fallback_service(files)
        .layer(middleware::from_fn_with_state(index, spa_fallback))
        .layer(middleware::from_fn(headers))
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_names() {
        assert!(is_hashed("/zhijian-3f2a9c0d1e4b5a6f_bg.wasm"));
        assert!(is_hashed("/zhijian-3f2a9c0d1e4b5a6f.js"));
        assert!(is_hashed("/style-0123456789abcdef.css"));
        assert!(
            is_hashed("/main-46756589615d502.css"),
            "leading zero dropped"
        );
        assert!(!is_hashed("/index.html"));
        assert!(!is_hashed("/sw.js"));
        assert!(!is_hashed("/icons/icon-192.png"));
        assert!(!is_hashed("/zhijian-3f2a9c0d.js"));
        assert!(is_hashed("/pkg-0123456789abcdef/zhijian_bg.wasm"));
        assert!(is_hashed("/pkg-0123456789abcdef/split_credits_chunk.wasm"));
        assert!(!is_hashed("/pkg-0123456789abcdef/"));
        assert!(!is_hashed("/pkg-0123456789/zhijian.js"), "short hash");
        assert!(!is_hashed("/pkg-0123456789abcdeg/zhijian.js"), "not hex");
    }
}

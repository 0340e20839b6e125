//! Security headers on every response (app, assets, API, errors).
//!
//! The CSP allows exactly what the app uses: its own scripts and the wasm
//! they compile (`'wasm-unsafe-eval'`, not `'unsafe-eval'`), its own styles
//! (Leptos sets `style:` through the CSSOM, which a CSP does not govern),
//! images from itself and `data:`/`blob:` (QR codes), requests to itself.
//! No inline script anywhere: an injected one cannot run and read the token.

use axum::http::{HeaderName, HeaderValue};
use axum::response::Response;

pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; \
     script-src 'self' 'wasm-unsafe-eval'; \
     style-src 'self'; \
     img-src 'self' data: blob:; \
     media-src 'self' blob:; \
     font-src 'self'; \
     connect-src 'self'; \
     worker-src 'self'; \
     manifest-src 'self'; \
     object-src 'none'; \
     base-uri 'none'; \
     form-action 'self'; \
     frame-ancestors 'none'";

/// Nothing the app does not use: the camera for this origin only (a kiosk
/// reads member codes with it), nothing else.
pub const PERMISSIONS_POLICY: &str = "camera=(self), microphone=(), geolocation=(), payment=(), usb=(), \
     serial=(), bluetooth=(), display-capture=(), interest-cohort=()";

pub const HEADERS: [(&str, &str); 6] = [
    ("content-security-policy", CONTENT_SECURITY_POLICY),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("permissions-policy", PERMISSIONS_POLICY),
    ("x-frame-options", "DENY"),
    ("cross-origin-opener-policy", "same-origin"),
];

/// For `axum::middleware::map_response`: sets every header above,
/// overriding whatever a handler set, except a sandboxing CSP (uploaded
/// media), which is stricter than the app's.
pub async fn add(mut res: Response) -> Response {
    let headers = res.headers_mut();
    let sandboxed = headers
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("sandbox"));
    for (name, value) in HEADERS {
        if sandboxed && name == "content-security-policy" {
            continue;
        }
        headers.insert(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }
    res
}

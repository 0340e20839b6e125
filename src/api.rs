//! The app's one door to HTTP: the shared typed client, pointed at this origin.

pub use zhijian_client::{ApiError, Client};

/// A client for the server that served this page.
pub fn client() -> Client {
    let origin = web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default();
    Client::new(origin)
}

/// A pull's answer as the browser parsed it: the sync engine decodes it
/// (`sync::docs::decode_page`) and the store keeps its records as they came
/// (`Store::acknowledge`).
#[cfg(target_arch = "wasm32")]
pub async fn pull(
    client: &Client,
    req: &zhijian_domain::sync::PullRequest,
) -> Result<wasm_bindgen::JsValue, ApiError> {
    client.pull_value(req).await
}

/// The app runs in the browser only; natively it is compiled for lints, and
/// there is no browser to parse an answer.
#[cfg(not(target_arch = "wasm32"))]
pub async fn pull(
    _client: &Client,
    _req: &zhijian_domain::sync::PullRequest,
) -> Result<wasm_bindgen::JsValue, ApiError> {
    Err(ApiError::Network("pulls need a browser".into()))
}

//! The app's one door to HTTP: the shared typed client, pointed at this origin.

pub use zhijian_client::{ApiError, Client};

/// A client for the server that served this page.
pub fn client() -> Client {
    let origin = web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default();
    Client::new(origin)
}

/// A pull, and its answer as the browser parsed it: the store keeps the
/// pulled records as they came (`Store::acknowledge`).
pub async fn pull(
    client: &Client,
    req: &zhijian_domain::sync::PullRequest,
) -> Result<(zhijian_domain::sync::PullResponse, wasm_bindgen::JsValue), ApiError> {
    #[cfg(target_arch = "wasm32")]
    {
        client.pull_with_value(req).await
    }
    // The app runs in the browser only; natively it is compiled for lints,
    // and this answer has no parsed form for the store to keep.
    #[cfg(not(target_arch = "wasm32"))]
    {
        Ok((client.pull(req).await?, wasm_bindgen::JsValue::UNDEFINED))
    }
}

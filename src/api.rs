//! The app's one door to HTTP: the shared typed client, pointed at this origin.

pub use zhijian_client::{ApiError, Client};

/// A client for the server that served this page.
pub fn client() -> Client {
    let origin = web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default();
    Client::new(origin)
}

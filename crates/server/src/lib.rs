//! The thin backend of zhijian: serves the built app and the JSON API over one
//! database (SQLite by default, PostgreSQL via `DATABASE_URL`).

pub mod assets;
pub mod auth;
pub mod db;
pub mod demo;
pub mod error;
pub mod expiry;
pub mod records;
pub mod routes;

use std::net::SocketAddr;
use std::path::PathBuf;

use axum::Router;
use tokio::net::TcpListener;

pub use db::Db;

/// Everything a request handler may need. Cheap to clone; holds no state of
/// its own beyond the database, so several processes can share one database.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
}

#[derive(Clone, Debug)]
pub struct ServeOptions {
    pub addr: SocketAddr,
    /// The app built by Trunk; `None` serves the API only.
    pub dist: Option<PathBuf>,
}

/// The whole HTTP surface: `/api/*` and, when a dist folder is given, the app.
pub fn router(state: AppState, dist: Option<PathBuf>) -> Router {
    let api = routes::api(state);
    let app = match dist {
        Some(dist) => api.merge(assets::router(dist)),
        None => api,
    };
    // One span per request: method, path, status, latency. Bodies and headers
    // are not logged, so tokens and personal data stay out of the logs.
    app.layer(tower_http::trace::TraceLayer::new_for_http())
}

/// Binds, prints the URL on stdout (tools wait for that line) and serves until
/// `shutdown` completes.
pub async fn serve(
    state: AppState,
    opts: ServeOptions,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let listener = TcpListener::bind(opts.addr).await?;
    let local = listener.local_addr()?;
    println!("zhijian listening on http://{local}/");
    tracing::info!(%local, database = state.db.backend().as_str(), "listening");
    let app = router(state, opts.dist);
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

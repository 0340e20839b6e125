//! The JSON API under `/api`.

mod auth;
pub(crate) mod cards;
mod client_log;
pub(crate) mod codes;
mod health;
mod media;
pub(crate) mod orgs;
mod sync;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;

use crate::AppState;
use crate::error::ApiError;

/// Largest JSON body accepted. Sync batches (bounded in count) fit well inside.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

pub fn api(state: AppState) -> Router {
    // The largest file a lesson may carry, checked again by kind.
    let media_limit = usize::try_from(
        state
            .media
            .limits
            .max_audio_bytes
            .max(state.media.limits.max_image_bytes),
    )
    .unwrap_or(usize::MAX);
    let files = Router::new()
        .route("/media/{name}", get(media::serve))
        .with_state(state.clone());
    let api = Router::new()
        .route("/health", get(health::health))
        .route("/orgs", get(orgs::directory))
        .route("/client-log", post(client_log::record))
        .route("/auth/login", post(auth::login))
        .route("/auth/logout", post(auth::logout))
        .route("/auth/logout-all", post(auth::logout_everywhere))
        .route("/auth/password", post(auth::change_password))
        .route("/auth/me", get(auth::me))
        .route("/cards/pin", post(cards::set_pin))
        .route("/cards/unlock", post(cards::unlock))
        .route("/codes/short-secret", post(codes::set_secret))
        .route("/codes/short", post(codes::check))
        .route("/sync/push", post(sync::push))
        .route("/sync/pull", post(sync::pull))
        .route(
            "/media",
            post(media::upload).layer(DefaultBodyLimit::max(media_limit)),
        )
        .fallback(|| async { ApiError::NotFound })
        .with_state(state);
    Router::new()
        .nest("/api", api)
        .merge(files)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(CompressionLayer::new())
        .layer(CatchPanicLayer::custom(|_| {
            tracing::error!("handler panicked");
            axum::response::IntoResponse::into_response(ApiError::Internal)
        }))
}

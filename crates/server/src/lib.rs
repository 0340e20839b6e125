//! The thin backend of zhijian: serves the built app and the JSON API over one
//! database (SQLite by default, PostgreSQL via `DATABASE_URL`).

pub mod assets;
pub mod auth;
pub mod client_addr;
pub mod db;
pub mod demo;
pub mod error;
pub mod expiry;
pub mod hash_gate;
pub mod headers;
pub mod import;
pub mod limits;
pub mod listener;
pub mod media;
pub mod records;
pub mod routes;
pub mod signature;
pub mod throttle;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::extract::ConnectInfo;
use axum::http::Request;
use tokio::net::TcpListener;
use tower::ServiceBuilder;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

pub use db::Db;
pub use limits::Limits;

/// Per-address rate limits kept in this process's memory (`governor`).
pub type AddressLimiter = governor::DefaultKeyedRateLimiter<IpAddr>;

/// Everything a request handler may need. Cheap to clone. What must hold
/// across several processes (sessions, sign-in throttling) lives in the
/// database; in memory only per-process capacity (hash slots) and the
/// client-log rate limit.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub limits: Arc<Limits>,
    pub hashes: hash_gate::HashGate,
    pub client_logs: Arc<AddressLimiter>,
    /// Lesson pictures and audio under the data directory.
    pub media: Arc<media::MediaStore>,
    /// Push batches read ahead where they can (`routes/sync/ahead.rs`);
    /// tests turn it off to compare.
    pub push_reads_ahead: bool,
    /// How push batches ran (for tests and the bench).
    pub push_stats: Arc<PushStats>,
}

/// Push batches run read ahead, and those run one by one.
#[derive(Debug, Default)]
pub struct PushStats {
    pub read_ahead: std::sync::atomic::AtomicU64,
    pub one_by_one: std::sync::atomic::AtomicU64,
}

impl AppState {
    /// `media_dir`: where uploaded lesson media are kept (`<data dir>/media`).
    pub fn new(db: Db, limits: Limits, media_dir: PathBuf) -> Self {
        let per_minute = std::num::NonZeroU32::new(limits.client_log_per_minute)
            .unwrap_or(std::num::NonZeroU32::MIN);
        Self {
            db,
            hashes: hash_gate::HashGate::new(&limits),
            client_logs: Arc::new(governor::RateLimiter::keyed(governor::Quota::per_minute(
                per_minute,
            ))),
            media: Arc::new(media::MediaStore::new(
                media_dir,
                media::MediaLimits {
                    quota_bytes: limits.media_quota_mb.saturating_mul(1024 * 1024),
                    ..media::MediaLimits::default()
                },
            )),
            limits: Arc::new(limits),
            push_reads_ahead: true,
            push_stats: Arc::default(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct ServeOptions {
    pub addr: SocketAddr,
    /// The app built by Trunk; `None` serves the API only.
    pub dist: Option<PathBuf>,
}

/// The whole HTTP surface: `/api/*` and, when a dist folder is given, the app.
pub fn router(state: AppState, dist: Option<PathBuf>) -> Router {
    let limits = state.limits.clone();
    let api = routes::api(state);
    let app = match dist {
        Some(dist) => api.merge(assets::router(dist)),
        None => api,
    };
    // Outermost first: the access log sees every answer, shed ones too; the
    // headers go on every response; beyond `max_requests` at once, 503.
    app.layer(
        ServiceBuilder::new()
            .layer(
                TraceLayer::new_for_http()
                    .make_span_with(request_span)
                    .on_response(DefaultOnResponse::new().level(Level::INFO)),
            )
            .layer(axum::middleware::map_response(headers::add))
            .layer(axum::error_handling::HandleErrorLayer::new(overloaded))
            .load_shed()
            .layer(tower::limit::GlobalConcurrencyLimitLayer::new(
                limits.max_requests.max(1),
            ))
            .layer(tower_http::timeout::TimeoutLayer::with_status_code(
                axum::http::StatusCode::REQUEST_TIMEOUT,
                limits.request_timeout(),
            )),
    )
}

/// One span per request: method, path (no query), client address. Bodies and
/// headers are not logged, so tokens and personal data stay out of the logs.
fn request_span<B>(req: &Request<B>) -> tracing::Span {
    let addr = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(a)| a.ip());
    tracing::info_span!(
        "request",
        method = %req.method(),
        path = %req.uri().path(),
        addr = ?addr,
    )
}

async fn overloaded(_: tower::BoxError) -> error::ApiError {
    error::ApiError::Busy { retry_after: 1 }
}

/// Drops what nobody can use any more: ended sessions, forgotten sign-in
/// failures. Every process runs it; the deletes are idempotent.
pub async fn purge(state: &AppState) -> Result<(), error::ApiError> {
    let now = auth::now_secs();
    let idle_since = now.saturating_sub(state.limits.session_idle_secs());
    let sessions = sqlx::query(
        "DELETE FROM sessions WHERE expires_at <= $1 OR COALESCE(last_seen_at, created_at) < $2",
    )
    .bind(now)
    .bind(idle_since)
    .execute(state.db.pool())
    .await?
    .rows_affected();
    let keys = throttle::purge(&state.db, throttle::now_ms()).await?;
    let grants = records::purge_grants(state.db.pool(), now).await?;
    state.client_logs.retain_recent();
    if sessions + keys + grants > 0 {
        tracing::info!(
            sessions,
            throttle_keys = keys,
            kiosk_grants = grants,
            "purged"
        );
    }
    Ok(())
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
    serve_on(listener, state, opts.dist, shutdown).await
}

/// Serves on a bound listener (tests and benches bind port 0), with the
/// hourly purge running beside it.
pub async fn serve_on(
    listener: TcpListener,
    state: AppState,
    dist: Option<PathBuf>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = state.limits.clone();
    let purger = {
        let state = state.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(std::time::Duration::from_secs(3600));
            loop {
                every.tick().await;
                if let Err(e) = purge(&state).await {
                    tracing::warn!(error = %e, "purge failed");
                }
            }
        })
    };
    let app = router(state, dist);
    let served = listener::serve(listener, app, &limits, shutdown).await;
    purger.abort();
    served
}

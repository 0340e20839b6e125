use axum::extract::State;
use zhijian_domain::api::Health;

use crate::AppState;
use crate::error::{ApiError, ApiJson};

/// Liveness plus a database round trip, so a load balancer drops a process
/// that lost its database.
pub async fn health(State(state): State<AppState>) -> Result<ApiJson<Health>, ApiError> {
    sqlx::query("SELECT 1").execute(state.db.pool()).await?;
    Ok(ApiJson(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        database: state.db.backend().as_str().into(),
    }))
}

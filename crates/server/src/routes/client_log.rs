use axum::extract::State;
use axum::http::StatusCode;
use zhijian_domain::api::{ClientLog, LogLevel};

use crate::AppState;
use crate::client_addr::ClientAddr;
use crate::error::{ApiError, ApiJson};

/// Records a browser-side failure in the server log. The message is the
/// app's own panic or error text; it is logged as data, never interpreted.
/// Anyone may report (a crash can precede sign-in), so it is rate limited per
/// address.
pub async fn record(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    ApiJson(log): ApiJson<ClientLog>,
) -> Result<StatusCode, ApiError> {
    if state.client_logs.check_key(&addr).is_err() {
        return Err(ApiError::Throttled { retry_after: 60 });
    }
    log.validate()
        .map_err(|e| ApiError::Invalid(e.to_string()))?;
    match log.level {
        LogLevel::Error => {
            tracing::error!(target: "client", %addr, build = %log.build, message = %log.message)
        }
        LogLevel::Warn => {
            tracing::warn!(target: "client", %addr, build = %log.build, message = %log.message)
        }
    }
    Ok(StatusCode::NO_CONTENT)
}

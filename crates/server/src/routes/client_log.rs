use axum::http::StatusCode;
use zhijian_domain::api::{ClientLog, LogLevel};

use crate::error::{ApiError, ApiJson};

/// Records a browser-side failure in the server log. The message is the
/// app's own panic or error text; it is logged as data, never interpreted.
pub async fn record(ApiJson(log): ApiJson<ClientLog>) -> Result<StatusCode, ApiError> {
    log.validate()
        .map_err(|e| ApiError::Invalid(e.to_string()))?;
    match log.level {
        LogLevel::Error => {
            tracing::error!(target: "client", build = %log.build, message = %log.message)
        }
        LogLevel::Warn => {
            tracing::warn!(target: "client", build = %log.build, message = %log.message)
        }
    }
    Ok(StatusCode::NO_CONTENT)
}

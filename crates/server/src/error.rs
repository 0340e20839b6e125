//! API errors: every failure leaves as JSON `{code, message}` with a fitting status.

use axum::Json;
use axum::extract::FromRequest;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use zhijian_domain::api::ErrorBody;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Invalid(String),
    #[error("no such API route")]
    NotFound,
    #[error("请先登录")]
    Unauthorized,
    #[error("{0}")]
    Forbidden(String),
    #[error("手机号或密码不正确")]
    BadCredentials,
    #[error("{0}")]
    Conflict(String),
    /// A push whose first unseen mutation is not the next seq.
    #[error("expected seq {expected}")]
    SeqGap { expected: u64 },
    /// A push that reuses a processed seq for another mutation (its id
    /// differs): the client's numbering is behind the server's.
    #[error("seq already used; continue at {expected}")]
    SeqReused { expected: u64 },
    #[error("request body too large")]
    PayloadTooLarge,
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// Too many wrong attempts: retry after the delay (429).
    #[error("尝试次数过多，请 {retry_after} 秒后再试")]
    Throttled { retry_after: u64 },
    /// Out of capacity for now (hash slots, database connections): 503.
    #[error("服务器繁忙，请稍后再试")]
    Busy { retry_after: u64 },
    #[error("database error")]
    Db(#[from] sqlx::Error),
    #[error("internal error")]
    Internal,
}

impl ApiError {
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            ApiError::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
            ApiError::NotFound => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            ApiError::BadCredentials => (StatusCode::UNAUTHORIZED, "bad_credentials"),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            ApiError::SeqGap { .. } => (StatusCode::CONFLICT, "seq_gap"),
            ApiError::SeqReused { .. } => (StatusCode::CONFLICT, "seq_reused"),
            ApiError::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            ApiError::UnsupportedMediaType(_) => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
            }
            ApiError::Throttled { .. } => (StatusCode::TOO_MANY_REQUESTS, "throttled"),
            ApiError::Busy { .. } => (StatusCode::SERVICE_UNAVAILABLE, "busy"),
            ApiError::Db(_) | ApiError::Internal => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

/// Database errors that mean "too busy now", not "broken": the pool had no
/// free connection in time, PostgreSQL cancelled a statement at
/// `statement_timeout` (57014) or a lock wait at `lock_timeout` (55P03),
/// SQLite stayed locked past `busy_timeout`.
fn is_overload(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::PoolTimedOut => true,
        sqlx::Error::Database(d) => {
            matches!(d.code().as_deref(), Some("57014" | "55P03" | "5" | "517"))
                || d.message().contains("database is locked")
        }
        _ => false,
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let this = match self {
            ApiError::Db(e) if is_overload(&e) => {
                tracing::warn!(error = %e, "database overloaded");
                ApiError::Busy { retry_after: 2 }
            }
            other => other,
        };
        let (status, code) = this.status_and_code();
        if let ApiError::Db(e) = &this {
            // Details stay in the log; clients only learn that it failed.
            tracing::error!(error = %e, "database error");
        }
        let expected_seq = match &this {
            ApiError::SeqGap { expected } | ApiError::SeqReused { expected } => Some(*expected),
            _ => None,
        };
        let retry_after = match &this {
            ApiError::Throttled { retry_after } | ApiError::Busy { retry_after } => {
                Some(*retry_after)
            }
            _ => None,
        };
        let body = ErrorBody {
            code: code.into(),
            message: this.to_string(),
            expected_seq,
            retry_after,
        };
        let mut res = (status, Json(body)).into_response();
        if let Some(secs) = retry_after {
            res.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, secs.into());
        }
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overload_is_503_with_retry_after_and_throttling_429() {
        let res = ApiError::Db(sqlx::Error::PoolTimedOut).into_response();
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(res.headers()[axum::http::header::RETRY_AFTER], "2");
        let res = ApiError::Throttled { retry_after: 31 }.into_response();
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(res.headers()[axum::http::header::RETRY_AFTER], "31");
        let res = ApiError::Db(sqlx::Error::RowNotFound).into_response();
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(res.headers().get(axum::http::header::RETRY_AFTER).is_none());
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        match r.status() {
            StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
            StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::UnsupportedMediaType(r.body_text()),
            // Well-formed JSON of the wrong shape (missing or unknown fields).
            StatusCode::UNPROCESSABLE_ENTITY => ApiError::Invalid(r.body_text()),
            _ => ApiError::BadRequest(r.body_text()),
        }
    }
}

/// `Json` whose rejections are JSON errors too.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

impl<T: serde::Serialize> IntoResponse for ApiJson<T> {
    fn into_response(self) -> Response {
        Json(self.0).into_response()
    }
}

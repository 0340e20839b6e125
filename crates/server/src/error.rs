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
    /// The database cannot take writes now (restarting, unreachable, its
    /// disk full or read-only): 503, nothing of the request written.
    #[error("服务器暂时无法保存数据，正在恢复，请稍后再试")]
    Unavailable { retry_after: u64 },
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
            ApiError::Unavailable { .. } => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            ApiError::Db(_) | ApiError::Internal => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

/// What a database error means for the client.
#[derive(Debug, PartialEq, Eq)]
enum Trouble {
    /// Too busy now: the pool had no free connection in time, PostgreSQL
    /// cancelled a statement at `statement_timeout` (57014) or a lock wait at
    /// `lock_timeout` (55P03), chose this transaction as a deadlock's victim
    /// (40P01) or a serialization failure (40001), ran out of lock table or
    /// connection slots (53200, 53300); SQLite stayed locked past
    /// `busy_timeout` (5, 517).
    Busy,
    /// Cannot write now: the connection was lost or refused (a restart, the
    /// server shutting down: 57P01–57P03, class 08), PostgreSQL is out of
    /// disk (53100); SQLite's file is read-only (8), its disk full (13),
    /// unreadable or unwritable (10, 14), with their extended codes.
    Unavailable,
}

fn trouble(e: &sqlx::Error) -> Option<Trouble> {
    match e {
        sqlx::Error::PoolTimedOut => Some(Trouble::Busy),
        sqlx::Error::Io(_) | sqlx::Error::PoolClosed | sqlx::Error::WorkerCrashed => {
            Some(Trouble::Unavailable)
        }
        sqlx::Error::Database(d) => {
            if d.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
                let code = d.code().and_then(|c| c.parse::<i32>().ok()).unwrap_or(0);
                return match code & 0xff {
                    5 | 6 => Some(Trouble::Busy),
                    8 | 10 | 13 | 14 => Some(Trouble::Unavailable),
                    _ => None,
                };
            }
            match d.code().as_deref() {
                Some("57014" | "55P03" | "40P01" | "40001" | "53200" | "53300") => {
                    Some(Trouble::Busy)
                }
                Some("57P01" | "57P02" | "57P03" | "53100") => Some(Trouble::Unavailable),
                Some(c) if c.starts_with("08") => Some(Trouble::Unavailable),
                _ => None,
            }
        }
        _ => None,
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let this = match self {
            ApiError::Db(e) => match trouble(&e) {
                Some(Trouble::Busy) => {
                    tracing::warn!(error = %e, "database overloaded");
                    ApiError::Busy { retry_after: 2 }
                }
                Some(Trouble::Unavailable) => {
                    tracing::error!(error = %e, "database unavailable");
                    ApiError::Unavailable { retry_after: 5 }
                }
                None => ApiError::Db(e),
            },
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
            ApiError::Throttled { retry_after }
            | ApiError::Busy { retry_after }
            | ApiError::Unavailable { retry_after } => Some(*retry_after),
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

    /// SQLite's own errors, as a read-only file and a full disk give them
    /// (the disk-full case end to end is in tests/db_faults.rs).
    #[tokio::test]
    async fn a_read_only_or_full_sqlite_file_is_unavailable_not_broken() {
        use sqlx::Connection;
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("x.db");
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let mut rw = sqlx::SqliteConnection::connect(&url).await.expect("open");
        sqlx::query("CREATE TABLE t (x TEXT)")
            .execute(&mut rw)
            .await
            .expect("create");
        let mut ro =
            sqlx::SqliteConnection::connect(&format!("sqlite://{}?mode=ro", path.display()))
                .await
                .expect("open read-only");
        let e = sqlx::query("INSERT INTO t VALUES ('a')")
            .execute(&mut ro)
            .await
            .expect_err("read-only");
        assert_eq!(trouble(&e), Some(Trouble::Unavailable), "{e}");
        sqlx::query("PRAGMA max_page_count = 2")
            .execute(&mut rw)
            .await
            .expect("limit");
        let e = sqlx::query("INSERT INTO t VALUES (zeroblob(100000))")
            .execute(&mut rw)
            .await
            .expect_err("full");
        assert_eq!(trouble(&e), Some(Trouble::Unavailable), "{e}");
        let res = ApiError::Db(e).into_response();
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(res.headers()[axum::http::header::RETRY_AFTER], "5");
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

//! The typed HTTP client of the zhijian API.
//!
//! One place for HTTP: the app uses it in the browser (reqwest compiles to
//! `fetch` on wasm), the server's integration tests and `cargo xtask bench`
//! use it natively.

use serde::Serialize;
use serde::de::DeserializeOwned;
use zhijian_domain::api::{ClientLog, ErrorBody, Health, OrgDirectory};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The server could not be reached: offline, DNS, refused, reset.
    #[error("network unreachable: {0}")]
    Network(String),
    /// The server answered with an error status and a JSON error body.
    #[error("{status} {}: {}", body.code, body.message)]
    Status { status: u16, body: ErrorBody },
    /// The server answered, but not with what this build understands.
    #[error("unexpected response: {0}")]
    Decode(String),
}

impl ApiError {
    /// True when retrying later may succeed (network or server trouble).
    pub fn is_transient(&self) -> bool {
        match self {
            ApiError::Network(_) => true,
            ApiError::Status { status, .. } => *status >= 500 || *status == 429,
            ApiError::Decode(_) => false,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Client {
    base: String,
    http: reqwest::Client,
}

impl Client {
    /// `base` is the server origin, e.g. `http://127.0.0.1:8080`.
    pub fn new(base: impl Into<String>) -> Self {
        let base = base.into().trim_end_matches('/').to_owned();
        Self {
            base,
            http: reqwest::Client::new(),
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    pub async fn health(&self) -> Result<Health, ApiError> {
        self.get("/api/health").await
    }

    pub async fn org_directory(&self) -> Result<OrgDirectory, ApiError> {
        self.get("/api/orgs").await
    }

    pub async fn client_log(&self, log: &ClientLog) -> Result<(), ApiError> {
        self.post_no_content("/api/client-log", log).await
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ApiError> {
        let resp = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .map_err(network)?;
        decode(resp).await
    }

    async fn post_no_content<B: Serialize>(&self, path: &str, body: &B) -> Result<(), ApiError> {
        let resp = self
            .http
            .post(format!("{}{path}", self.base))
            .json(body)
            .send()
            .await
            .map_err(network)?;
        check(resp).await.map(drop)
    }
}

fn network(e: reqwest::Error) -> ApiError {
    ApiError::Network(e.to_string())
}

async fn check(resp: reqwest::Response) -> Result<reqwest::Response, ApiError> {
    let status = resp.status();
    if status.is_success() {
        return Ok(resp);
    }
    let text = resp.text().await.map_err(network)?;
    let body = serde_json::from_str::<ErrorBody>(&text).unwrap_or_else(|_| ErrorBody {
        code: "http_error".into(),
        message: text.chars().take(200).collect(),
    });
    Err(ApiError::Status {
        status: status.as_u16(),
        body,
    })
}

async fn decode<T: DeserializeOwned>(resp: reqwest::Response) -> Result<T, ApiError> {
    let resp = check(resp).await?;
    let bytes = resp.bytes().await.map_err(network)?;
    serde_json::from_slice(&bytes).map_err(|e| ApiError::Decode(e.to_string()))
}

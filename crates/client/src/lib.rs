//! The typed HTTP client of the zhijian API.
//!
//! One place for HTTP: the app uses it in the browser, the server's
//! integration tests and `cargo xtask bench` use it natively. Only the
//! transport differs (`transport.rs`): the browser's `fetch` in wasm, reqwest
//! natively; requests, responses and errors are the same types on both.

pub mod clock;
mod transport;

use serde::Serialize;
use serde::de::DeserializeOwned;
use zhijian_domain::Account;
use zhijian_domain::api::{
    CardPinAnswer, CardPinSet, CardUnlock, CardUnlockAnswer, ClientLog, ErrorBody, Health,
    LoginRequest, LoginResponse, OrgDirectory, PasswordChange, ShortCodeAnswer, ShortCodeCheck,
    ShortSecretAnswer, ShortSecretSet, StoredMedia,
};
use zhijian_domain::sync::{PullRequest, PullResponse, PushRequest, PushResponse};

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

/// A file to upload: the browser's `File` or `Blob` as it is (no copy into
/// the wasm), or bytes natively.
#[cfg(target_arch = "wasm32")]
pub type UploadBody = wasm_bindgen::JsValue;
#[cfg(not(target_arch = "wasm32"))]
pub type UploadBody = Vec<u8>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Method {
    Get,
    Post,
}

impl Method {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Client {
    base: String,
    token: Option<String>,
    transport: transport::Transport,
}

impl Client {
    /// `base` is the server origin, e.g. `http://127.0.0.1:8080`.
    pub fn new(base: impl Into<String>) -> Self {
        let base = base.into().trim_end_matches('/').to_owned();
        Self {
            base,
            token: None,
            transport: transport::Transport::new(),
        }
    }

    /// The same client (and token) for another server.
    pub fn with_base(&self, base: &str) -> Self {
        Self {
            base: base.trim_end_matches('/').to_owned(),
            ..self.clone()
        }
    }

    /// The same client, sending `Authorization: Bearer <token>`.
    /// The bearer token this client sends, if signed in.
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    pub fn with_token(&self, token: impl Into<String>) -> Self {
        Self {
            token: Some(token.into()),
            ..self.clone()
        }
    }

    pub async fn login(&self, login: &str, password: &str) -> Result<LoginResponse, ApiError> {
        let req = LoginRequest {
            login: login.into(),
            password: password.into(),
        };
        self.post("/api/auth/login", &req).await
    }

    /// Signs out every session of this account, this one included.
    pub async fn logout_everywhere(&self) -> Result<(), ApiError> {
        self.send::<(), ()>(Method::Post, "/api/auth/logout-all", None)
            .await
            .map(drop)
    }

    /// Changes the password; every other session of the account ends.
    pub async fn change_password(&self, change: &PasswordChange) -> Result<(), ApiError> {
        self.send::<PasswordChange, ()>(Method::Post, "/api/auth/password", Some(change))
            .await
            .map(drop)
    }

    /// Sets a member's card PIN (her organiser, with her at the desk).
    pub async fn set_card_pin(&self, req: &CardPinSet) -> Result<CardPinAnswer, ApiError> {
        self.post("/api/cards/pin", req).await
    }

    /// A kiosk asks whether the PIN typed with a card is right.
    pub async fn unlock_card(&self, req: &CardUnlock) -> Result<CardUnlockAnswer, ApiError> {
        self.post("/api/cards/unlock", req).await
    }

    /// A member's phone gives the server its short-code secret.
    pub async fn set_short_secret(
        &self,
        req: &ShortSecretSet,
    ) -> Result<ShortSecretAnswer, ApiError> {
        self.post("/api/codes/short-secret", req).await
    }

    /// A kiosk asks whose short code was typed.
    pub async fn check_short_code(
        &self,
        req: &ShortCodeCheck,
    ) -> Result<ShortCodeAnswer, ApiError> {
        self.post("/api/codes/short", req).await
    }

    pub async fn logout(&self) -> Result<(), ApiError> {
        self.send::<(), ()>(Method::Post, "/api/auth/logout", None)
            .await
            .map(drop)
    }

    pub async fn me(&self) -> Result<Account, ApiError> {
        self.get("/api/auth/me").await
    }

    pub async fn push(&self, req: &PushRequest) -> Result<PushResponse, ApiError> {
        self.post("/api/sync/push", req).await
    }

    pub async fn pull(&self, req: &PullRequest) -> Result<PullResponse, ApiError> {
        self.post("/api/sync/pull", req).await
    }

    /// A pull's answer as the JS value the browser parsed, for the app to
    /// decode itself: its records go into IndexedDB as they came, and the
    /// app decodes some kinds of document only in a lazy chunk (no decoder
    /// for every record type in its first load).
    #[cfg(target_arch = "wasm32")]
    pub async fn pull_value(&self, req: &PullRequest) -> Result<wasm_bindgen::JsValue, ApiError> {
        let url = format!("{}/api/sync/pull", self.base);
        self.transport
            .send_value(Method::Post, &url, self.token.as_deref(), Some(req))
            .await?
            .ok_or_else(|| ApiError::Decode("empty response".into()))
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

    /// Uploads a lesson's picture or audio for a course of `org`.
    pub async fn upload_media(&self, org: &str, body: UploadBody) -> Result<StoredMedia, ApiError> {
        let url = format!("{}/api/media?org={org}", self.base);
        self.transport
            .upload(&url, self.token.as_deref(), body)
            .await?
            .ok_or_else(|| ApiError::Decode("empty response".into()))
    }

    pub async fn client_log(&self, log: &ClientLog) -> Result<(), ApiError> {
        self.send::<_, ()>(Method::Post, "/api/client-log", Some(log))
            .await
            .map(drop)
    }

    async fn send<B: Payload, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<Option<T>, ApiError> {
        let url = format!("{}{path}", self.base);
        self.transport
            .send(method, &url, self.token.as_deref(), body)
            .await
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ApiError> {
        self.send::<(), T>(Method::Get, path, None)
            .await?
            .ok_or_else(|| ApiError::Decode("empty response".into()))
    }

    async fn post<B: Payload, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ApiError> {
        self.send::<B, T>(Method::Post, path, Some(body))
            .await?
            .ok_or_else(|| ApiError::Decode("empty response".into()))
    }
}

/// The error for a non-success status, from the body if it is ours.
pub(crate) fn status_error(
    status: u16,
    body: Option<ErrorBody>,
    raw: impl FnOnce() -> String,
) -> ApiError {
    let body = body.unwrap_or_else(|| ErrorBody {
        code: "http_error".into(),
        message: raw().chars().take(200).collect(),
        expected_seq: None,
        retry_after: None,
    });
    ApiError::Status { status, body }
}

/// Keeps the trait bounds of both transports in one place.
pub(crate) trait Payload: Serialize {}
impl<T: Serialize + ?Sized> Payload for T {}

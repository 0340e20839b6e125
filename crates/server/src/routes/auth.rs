use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::http::header::AUTHORIZATION;
use sqlx::Row;
use zhijian_domain::Account;
use zhijian_domain::api::{LoginRequest, LoginResponse};

use crate::AppState;
use crate::auth::{
    Auth, SESSION_SECONDS, load_auth, new_token, now_secs, token_hash, verify_password,
};
use crate::error::{ApiError, ApiJson};

/// A real hash to verify against when the login is unknown, so that a wrong
/// login and a wrong password take the same time.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| crate::auth::hash_password("zhijian-dummy").unwrap_or_default())
}

pub async fn login(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<ApiJson<LoginResponse>, ApiError> {
    if req.login.len() > 64 || req.password.len() > 256 {
        return Err(ApiError::BadCredentials);
    }
    let row = sqlx::query("SELECT id, password_hash FROM accounts WHERE login = $1")
        .bind(req.login.trim())
        .fetch_optional(state.db.pool())
        .await?;
    let (id, hash) = match &row {
        Some(r) => (
            Some(r.try_get::<String, _>("id")?),
            r.try_get::<String, _>("password_hash")?,
        ),
        None => (None, dummy_hash().to_owned()),
    };
    let password = req.password.clone();
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .map_err(|_| ApiError::Internal)?;
    let Some(account_id) = id.filter(|_| ok) else {
        tracing::info!("sign-in refused");
        return Err(ApiError::BadCredentials);
    };
    let token = new_token()?;
    let now = now_secs();
    let expires_at = now + SESSION_SECONDS;
    sqlx::query("INSERT INTO sessions (token_hash, account_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(token_hash(&token))
        .bind(&account_id)
        .bind(now)
        .bind(expires_at)
        .execute(state.db.pool())
        .await?;
    let auth = load_auth(&state, &account_id).await?;
    tracing::info!(account = %account_id, "signed in");
    Ok(ApiJson(LoginResponse {
        token,
        expires_at,
        account: auth.account,
    }))
}

pub async fn logout(
    State(state): State<AppState>,
    _auth: Auth,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let token = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or(ApiError::Unauthorized)?;
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash(token.trim()))
        .execute(state.db.pool())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn me(auth: Auth) -> ApiJson<Account> {
    ApiJson(auth.account)
}

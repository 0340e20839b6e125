use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::StatusCode;
use sqlx::Row;
use zhijian_domain::Account;
use zhijian_domain::api::{LoginRequest, LoginResponse, PasswordChange};

use crate::auth::{
    Auth, bearer, hash_password, load_auth, open_session, token_hash, verify_password,
};
use crate::client_addr::ClientAddr;
use crate::error::{ApiError, ApiJson};
use crate::{AppState, throttle};

/// A real hash to verify against when the login is unknown, so that a wrong
/// login and a wrong password take the same time.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| crate::auth::hash_password("zhijian-dummy").unwrap_or_default())
}

/// Signs in: throttled per login and per address before any hash is
/// computed, then one bounded Argon2 verification.
pub async fn login(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<ApiJson<LoginResponse>, ApiError> {
    if req.login.len() > 64 || req.password.len() > 256 {
        return Err(ApiError::BadCredentials);
    }
    let login = req.login.trim().to_owned();
    let login_key = throttle::login_key(&login);
    let addr_key = throttle::address_key(addr);
    let keys = [login_key.as_str(), addr_key.as_str()];
    let mut conn = state.db.pool().acquire().await?;
    if let Err(e) = throttle::check(&mut conn, &keys, throttle::now_ms()).await {
        tracing::info!(%login, %addr, "sign-in throttled");
        return Err(e);
    }
    let row = sqlx::query("SELECT id, password_hash FROM accounts WHERE login = $1")
        .bind(&login)
        .fetch_optional(&mut *conn)
        .await?;
    // No connection is held while waiting for a hash slot.
    drop(conn);
    let (id, hash) = match &row {
        Some(r) => (
            Some(r.try_get::<String, _>("id")?),
            Some(r.try_get::<String, _>("password_hash")?),
        ),
        None => (None, None),
    };
    let password = req.password;
    // The dummy is made (once) on a hashing thread too, never on the runtime.
    let ok = state
        .hashes
        .run(move || match &hash {
            Some(hash) => verify_password(&password, hash),
            None => verify_password(&password, dummy_hash()),
        })
        .await
        .inspect_err(|_| tracing::warn!(%login, %addr, "sign-in refused: no hash slot"))?;
    let Some(account_id) = id.filter(|_| ok) else {
        let now = throttle::now_ms();
        let conn = &mut *state.db.pool().acquire().await?;
        let failures =
            throttle::record_failure(conn, &login_key, state.limits.login_backoff(), now).await?;
        let from_addr =
            throttle::record_failure(conn, &addr_key, state.limits.address_backoff(), now).await?;
        tracing::info!(%login, %addr, failures, from_addr, "sign-in refused");
        return Err(ApiError::BadCredentials);
    };
    throttle::clear(&mut *state.db.pool().acquire().await?, &login_key).await?;
    let (token, expires_at) = open_session(state.db.pool(), &account_id).await?;
    let auth = load_auth(&state, &account_id).await?;
    tracing::info!(account = %account_id, %login, %addr, "signed in");
    Ok(ApiJson(LoginResponse {
        token,
        expires_at,
        account: auth.account,
    }))
}

/// Ends every session of the account (a lost phone, a shared device).
pub async fn logout_everywhere(
    State(state): State<AppState>,
    auth: Auth,
    ClientAddr(addr): ClientAddr,
) -> Result<StatusCode, ApiError> {
    let ended = sqlx::query("DELETE FROM sessions WHERE account_id = $1")
        .bind(&auth.account.id)
        .execute(state.db.pool())
        .await?
        .rows_affected();
    tracing::info!(account = %auth.account.id, %addr, ended, "signed out everywhere");
    Ok(StatusCode::NO_CONTENT)
}

/// A new password: the current one is checked (throttled like a sign-in),
/// and every other session of the account ends.
pub async fn change_password(
    State(state): State<AppState>,
    auth: Auth,
    ClientAddr(addr): ClientAddr,
    headers: HeaderMap,
    ApiJson(change): ApiJson<PasswordChange>,
) -> Result<StatusCode, ApiError> {
    if change.current_password.len() > 256 {
        return Err(ApiError::BadCredentials);
    }
    change
        .validate()
        .map_err(|p| ApiError::Invalid(p.to_string()))?;
    let key = throttle::login_key(&auth.account.login);
    throttle::check(
        &mut *state.db.pool().acquire().await?,
        &[key.as_str()],
        throttle::now_ms(),
    )
    .await?;
    let hash: String = sqlx::query("SELECT password_hash FROM accounts WHERE id = $1")
        .bind(&auth.account.id)
        .fetch_one(state.db.pool())
        .await?
        .try_get("password_hash")?;
    let PasswordChange {
        current_password,
        new_password,
    } = change;
    let new_hash = state
        .hashes
        .run(move || {
            verify_password(&current_password, &hash).then(|| hash_password(&new_password))
        })
        .await?;
    let Some(new_hash) = new_hash else {
        throttle::record_failure(
            &mut *state.db.pool().acquire().await?,
            &key,
            state.limits.login_backoff(),
            throttle::now_ms(),
        )
        .await?;
        tracing::info!(account = %auth.account.id, %addr, "password change refused");
        return Err(ApiError::BadCredentials);
    };
    let keep = bearer(&headers)
        .map(token_hash)
        .ok_or(ApiError::Unauthorized)?;
    let mut tx = state.db.pool().begin().await?;
    sqlx::query("UPDATE accounts SET password_hash = $1 WHERE id = $2")
        .bind(new_hash?)
        .bind(&auth.account.id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM sessions WHERE account_id = $1 AND token_hash <> $2")
        .bind(&auth.account.id)
        .bind(keep)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    tracing::info!(account = %auth.account.id, %addr, "password changed");
    Ok(StatusCode::NO_CONTENT)
}

pub async fn logout(
    State(state): State<AppState>,
    _auth: Auth,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let token = bearer(&headers).ok_or(ApiError::Unauthorized)?;
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash(token))
        .execute(state.db.pool())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn me(auth: Auth) -> ApiJson<Account> {
    ApiJson(auth.account)
}

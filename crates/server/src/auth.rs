//! Accounts and sessions: argon2 password hashes, random bearer tokens stored
//! only as SHA-256 hashes, and the extractor that turns a token into an actor.

use argon2::{Argon2, PasswordHash, PasswordHasher};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use password_hash::SaltString;
use password_hash::rand_core::OsRng;
use sha2::{Digest, Sha256};
use sqlx::Row;
use zhijian_domain::{Account, Actor, Role, RoleKind, ScopedRole};

use crate::AppState;
use crate::error::ApiError;
use crate::routes::orgs::parse_enum;

/// Sessions last 30 days; the app signs in again after that, keeping its outbox.
pub const SESSION_SECONDS: i64 = 30 * 24 * 3600;

/// How stale a session's `last_seen_at` may get before a request updates it.
const TOUCH_EVERY_SECS: i64 = 300;

/// The bearer token of a request, if any.
pub fn bearer(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
}

pub fn hash_password(password: &str) -> Result<String, ApiError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|_| ApiError::Internal)
}

thread_local! {
    /// Argon2's working memory (19 MiB at the default cost), kept per thread
    /// and reused: allocating it per hash left each thread's malloc arena
    /// holding tens of MiB after a burst.
    static BLOCKS: std::cell::RefCell<Vec<argon2::Block>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Checks `password` against a PHC-format Argon2 hash, in constant time.
pub fn verify_password(password: &str, hash: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return false;
    };
    let (Ok(params), Ok(algorithm)) = (
        argon2::Params::try_from(&parsed),
        argon2::Algorithm::try_from(parsed.algorithm),
    ) else {
        return false;
    };
    let version = match parsed.version.map(argon2::Version::try_from) {
        Some(Ok(v)) => v,
        Some(Err(_)) => return false,
        None => argon2::Version::default(),
    };
    let mut salt_buf = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_buf) else {
        return false;
    };
    let blocks = params.block_count();
    let argon = Argon2::new(algorithm, version, params);
    let mut out = vec![0u8; expected.len()];
    let hashed = BLOCKS.with_borrow_mut(|memory| {
        memory.resize(blocks, argon2::Block::default());
        argon
            .hash_password_into_with_memory(password.as_bytes(), salt, &mut out, &mut memory[..])
            .is_ok()
    });
    // `Output`'s equality is constant-time.
    hashed && password_hash::Output::new(&out).is_ok_and(|o| o == expected)
}

/// A fresh token: 32 random bytes, hex. Only its hash is stored.
/// Opens a session for the account: its token (given out once, stored
/// only as a hash) and when it expires.
pub async fn open_session(
    pool: &sqlx::AnyPool,
    account_id: &str,
) -> Result<(String, i64), ApiError> {
    let token = new_token()?;
    let now = now_secs();
    let expires_at = now + SESSION_SECONDS;
    sqlx::query(
        "INSERT INTO sessions (token_hash, account_id, created_at, expires_at, last_seen_at) \
         VALUES ($1, $2, $3, $4, $3)",
    )
    .bind(token_hash(&token))
    .bind(account_id)
    .bind(now)
    .bind(expires_at)
    .execute(pool)
    .await?;
    Ok((token, expires_at))
}

pub fn new_token() -> Result<String, ApiError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|_| ApiError::Internal)?;
    Ok(hex(&bytes))
}

pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn now_secs() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// The signed-in account behind a request, with its scopes resolved.
pub struct Auth {
    pub account: Account,
    pub actor: Actor,
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let hash = token_hash(bearer(&parts.headers).ok_or(ApiError::Unauthorized)?);
        let row = sqlx::query(
            "SELECT account_id, expires_at, COALESCE(last_seen_at, created_at) AS last_seen \
             FROM sessions WHERE token_hash = $1",
        )
        .bind(&hash)
        .fetch_optional(state.db.pool())
        .await?
        .ok_or(ApiError::Unauthorized)?;
        let now = now_secs();
        let expires: i64 = row.try_get("expires_at")?;
        let last_seen: i64 = row.try_get("last_seen")?;
        if expires <= now || now - last_seen > state.limits.session_idle_secs() {
            return Err(ApiError::Unauthorized);
        }
        // Coarse: one write per session per few minutes, not per request.
        if now - last_seen > TOUCH_EVERY_SECS {
            sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
                .bind(now)
                .bind(&hash)
                .execute(state.db.pool())
                .await?;
        }
        let account_id: String = row.try_get("account_id")?;
        load_auth(state, &account_id).await
    }
}

pub async fn load_auth(state: &AppState, account_id: &str) -> Result<Auth, ApiError> {
    auth_of(state.db.pool(), account_id).await
}

/// An account and the actor it acts as, with its roles' org paths now.
pub async fn auth_of(pool: &sqlx::AnyPool, account_id: &str) -> Result<Auth, ApiError> {
    let a = sqlx::query(
        "SELECT a.id, a.login, a.display_name, a.member_id, o.path AS member_org_path \
         FROM accounts a LEFT JOIN members m ON m.id = a.member_id LEFT JOIN orgs o ON o.id = m.org_id \
         WHERE a.id = $1",
    )
    .bind(account_id)
    .fetch_optional(pool)
    .await?
    .ok_or(ApiError::Unauthorized)?;
    let rows = sqlx::query(
        "SELECT r.kind, r.org_id, o.path FROM account_roles r LEFT JOIN orgs o ON o.id = r.org_id \
         WHERE r.account_id = $1 ORDER BY r.kind, r.org_id",
    )
    .bind(account_id)
    .fetch_all(pool)
    .await?;
    let mut roles = Vec::new();
    let mut scoped = Vec::new();
    for r in rows {
        let kind: RoleKind = parse_enum(&r.try_get::<String, _>("kind")?)?;
        let org_id: Option<String> = r.try_get("org_id")?;
        let path: Option<String> = r.try_get("path")?;
        roles.push(Role { kind, org_id });
        scoped.push(ScopedRole {
            kind,
            org_path: path,
        });
    }
    let account = Account {
        id: a.try_get("id")?,
        login: a.try_get("login")?,
        display_name: a.try_get("display_name")?,
        member_id: a.try_get("member_id")?,
        roles,
    };
    let actor = Actor {
        account_id: account.id.clone(),
        member_id: account.member_id.clone(),
        member_org_path: a.try_get("member_org_path")?,
        roles: scoped,
    };
    Ok(Auth { account, actor })
}

/// Creates an account (CLI and demo data).
pub async fn create_account(
    db: &crate::Db,
    id: &str,
    login: &str,
    password: &str,
    display_name: &str,
    member_id: Option<&str>,
    roles: &[(RoleKind, Option<&str>)],
) -> Result<(), ApiError> {
    let hash = hash_password(password)?;
    create_account_hashed(db, id, login, &hash, display_name, member_id, roles).await
}

/// As `create_account`, with the password's hash made already (the load
/// tool's thousand accounts share one).
pub async fn create_account_hashed(
    db: &crate::Db,
    id: &str,
    login: &str,
    hash: &str,
    display_name: &str,
    member_id: Option<&str>,
    roles: &[(RoleKind, Option<&str>)],
) -> Result<(), ApiError> {
    let mut tx = db.pool().begin().await?;
    sqlx::query(
        "INSERT INTO accounts (id, login, password_hash, display_name, member_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(login)
    .bind(hash)
    .bind(display_name)
    .bind(member_id)
    .bind(now_secs())
    .execute(&mut *tx)
    .await?;
    for (kind, org) in roles {
        let kind = serde_json::to_value(kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .ok_or(ApiError::Internal)?;
        sqlx::query("INSERT INTO account_roles (account_id, kind, org_id) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(kind)
            .bind(*org)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_and_tokens() {
        let h = hash_password("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("wrong", &h));
        assert!(!verify_password("x", "not a hash"));
        // Hashes made with other costs (older accounts) verify too.
        let cheap = Argon2::new(
            argon2::Algorithm::Argon2id,
            argon2::Version::V0x13,
            argon2::Params::new(1024, 1, 1, None).unwrap(),
        )
        .hash_password(b"old one", &SaltString::generate(&mut OsRng))
        .unwrap()
        .to_string();
        assert!(verify_password("old one", &cheap));
        assert!(!verify_password("old two", &cheap));
        let a = new_token().unwrap();
        let b = new_token().unwrap();
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_eq!(token_hash(&a), token_hash(&a));
        assert_ne!(token_hash(&a), a);
    }
}

//! 我的党员码's short form (`zhijian_domain::short_code`):
//! `POST /api/codes/short-secret` (a member's phone gives the server the
//! secret its short codes are made with) and `POST /api/codes/short` (a
//! kiosk, online, asks whose typed code it is and gets a grant for the
//! visit). Online only by design: the secret never reaches a kiosk, so no
//! kiosk can make a member's code.

use axum::extract::State;
use sqlx::Row;
use zhijian_domain::Rejection;
use zhijian_domain::api::{ShortCodeAnswer, ShortCodeCheck, ShortSecretAnswer, ShortSecretSet};
use zhijian_domain::kiosk_grant::Via;
use zhijian_domain::member_code::MemberKey;
use zhijian_domain::mutation::Touches;
use zhijian_domain::refusal::Why;
use zhijian_domain::short_code::{
    ShortCode, ShortProof, ShortSecret, encode_secret, identify, may_register,
};

use super::cards::{kiosk_visit, refused};
use crate::AppState;
use crate::auth::{Auth, now_secs};
use crate::error::{ApiError, ApiJson};
use crate::limits::Backoff;
use crate::{records, throttle};

/// Four wrong codes at one kiosk are free (a slip, a code that turned while
/// it was typed); the fifth makes the kiosk wait a minute, doubling up to
/// half an hour. With six digits per window and a few windows taken, a
/// guess stays hopeless.
pub const SHORT_BACKOFF: Backoff = Backoff {
    free: 5,
    first_ms: 60_000,
    max_ms: 30 * 60_000,
};

/// More secrets than one tag has among a city's members (220,000 members
/// over 10,000 tags: about 22 each); a mutation's view holds 128 records.
const MAX_CANDIDATES: i64 = 60;

/// A P-256 point in base64url is 87 characters, a secret 27.
const MAX_FIELD_BYTES: usize = 128;

/// Keeps (or replaces) the member's short-code secret.
pub async fn set_secret(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<ShortSecretSet>,
) -> Result<ApiJson<ShortSecretAnswer>, ApiError> {
    if req.public_key.len() > MAX_FIELD_BYTES || req.secret.len() > MAX_FIELD_BYTES {
        return Err(ApiError::BadRequest(
            "a public key or secret is far shorter".into(),
        ));
    }
    let (member_id, secret) = match may_register(&auth.actor, &req.public_key, &req.secret) {
        Ok(ok) => ok,
        Err(r) => {
            let (message, reason) = refused(&r);
            return Ok(ApiJson(ShortSecretAnswer::Refused { message, reason }));
        }
    };
    sqlx::query(
        "INSERT INTO short_code_secrets (member_id, tag, public_key, secret, at) \
         VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (member_id) DO UPDATE SET tag = excluded.tag, \
         public_key = excluded.public_key, secret = excluded.secret, at = excluded.at",
    )
    .bind(&member_id)
    .bind(ShortCode::tag_of(&secret))
    .bind(&req.public_key)
    .bind(encode_secret(&secret))
    .bind(now_secs())
    .execute(state.db.pool())
    .await?;
    tracing::info!(account = %auth.account.id, member = %member_id, "short-code secret set");
    Ok(ApiJson(ShortSecretAnswer::Saved))
}

/// Whose short code a kiosk's member typed: the secrets with its tag are
/// tried (throttled per kiosk before any is read), and a right one grants
/// the visit, once per code.
pub async fn check(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<ShortCodeCheck>,
) -> Result<ApiJson<ShortCodeAnswer>, ApiError> {
    kiosk_visit(&auth, &req.session, "short codes")?;
    let typed = ShortCode::parse(&req.code)
        .ok_or_else(|| ApiError::BadRequest("a short code is ten digits".into()))?;
    let now = now_secs();
    let key = throttle::short_code_key(&auth.account.id);
    let mut conn = state.db.pool().acquire().await?;
    if let Err(e) = throttle::check(&mut conn, &[key.as_str()], throttle::now_ms()).await {
        tracing::info!(kiosk = %auth.account.id, "short codes throttled");
        return Err(e);
    }
    let candidates = sqlx::query(
        "SELECT member_id, public_key, secret FROM short_code_secrets WHERE tag = $1 \
         ORDER BY at DESC LIMIT $2",
    )
    .bind(&typed.tag)
    .bind(MAX_CANDIDATES)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| {
        let secret: String = r.try_get("secret")?;
        Ok(ShortSecret {
            member_id: r.try_get("member_id")?,
            public_key: r.try_get("public_key")?,
            secret: zhijian_domain::short_code::decode_secret(&secret).ok_or(ApiError::Internal)?,
        })
    })
    .collect::<Result<Vec<_>, ApiError>>()?;
    let members: Vec<&str> = candidates.iter().map(|c| c.member_id.as_str()).collect();
    let touches = Touches::default()
        .members(&members)
        .docs(members.iter().map(|m| MemberKey::id_for(m)));
    let view = records::load(&mut conn, &touches).await?;
    let found = match identify(&auth.actor, &typed, &candidates, &view, now) {
        Ok(found) => found,
        Err(r) => {
            let (message, reason) = refused(&r);
            return Ok(ApiJson(ShortCodeAnswer::Refused { message, reason }));
        }
    };
    let Some((member_id, window)) = found else {
        let failures =
            throttle::record_failure(&mut conn, &key, SHORT_BACKOFF, throttle::now_ms()).await?;
        tracing::info!(kiosk = %auth.account.id, failures, "wrong short code");
        return Ok(ApiJson(ShortCodeAnswer::WrongCode {
            tries_left: SHORT_BACKOFF.tries_left(failures),
        }));
    };
    throttle::clear(&mut conn, &key).await?;
    let via = Via::ShortCode { window };
    let granted = records::grant_visit(
        &mut conn,
        &member_id,
        via,
        &auth.account.id,
        &req.session,
        now,
    )
    .await?;
    let Some((grant, expires_at)) = granted else {
        let (message, reason) = refused(&Rejection::Conflict(Why::MemberCodeReplayed));
        return Ok(ApiJson(ShortCodeAnswer::Refused { message, reason }));
    };
    tracing::info!(kiosk = %auth.account.id, member = %member_id, "short code right");
    Ok(ApiJson(ShortCodeAnswer::Identified {
        proof_code: ShortProof {
            member_id: member_id.clone(),
            window,
        }
        .text(),
        member_id,
        grant,
        expires_at,
    }))
}

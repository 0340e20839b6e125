//! A printed 党员卡's PIN: `POST /api/cards/pin` (her organiser sets it, with
//! her at the desk) and `POST /api/cards/unlock` (a kiosk, online, asks
//! whether the PIN she typed is right and gets a grant for the visit).
//! Online only by design: the PIN never enters a device's queue, and its
//! hash never leaves the server (docs/architecture.md "Kiosk").

use axum::extract::State;
use sqlx::Row;
use zhijian_domain::api::{CardPinAnswer, CardPinSet, CardUnlock, CardUnlockAnswer};
use zhijian_domain::kiosk_grant::Via;
use zhijian_domain::member_card::{CardCode, MemberCard, may_set_pin};
use zhijian_domain::member_code::{MemberProof, check_proof};
use zhijian_domain::mutation::Touches;
use zhijian_domain::refusal::Field;
use zhijian_domain::{Rejection, RoleKind, validate};

use crate::AppState;
use crate::auth::{Auth, hash_password, now_secs, verify_password};
use crate::error::{ApiError, ApiJson};
use crate::limits::Backoff;
use crate::{records, throttle};

/// Four wrong PINs for one member are free (a slip of the finger, an old
/// PIN); the fifth locks her card's PIN for a minute, doubling up to half an
/// hour, whichever kiosk asks: a million PINs stay out of reach.
pub const PIN_BACKOFF: Backoff = Backoff {
    free: 5,
    first_ms: 60_000,
    max_ms: 30 * 60_000,
};

/// A PIN is six digits; anything much longer is not worth hashing.
const MAX_PIN_BYTES: usize = 16;

pub(crate) fn refused(r: &Rejection) -> (String, Option<zhijian_domain::refusal::Reason>) {
    (r.to_string(), Some(r.reason()))
}

/// Only a station's kiosk asks the server to check what a member typed
/// there (`what`), for a visit whose session is a well-formed id.
pub(crate) fn kiosk_visit(auth: &Auth, session: &str, what: &str) -> Result<(), ApiError> {
    if !auth.actor.roles.iter().any(|r| r.kind == RoleKind::Kiosk) {
        return Err(ApiError::Forbidden(format!(
            "only a station's kiosk checks {what}"
        )));
    }
    checked_id(Field::Session, session)
}

pub(crate) fn checked_id(field: Field, id: &str) -> Result<(), ApiError> {
    validate::id(field, id).map_err(|e| ApiError::BadRequest(e.to_string()))
}

/// Sets (or replaces) the member's card PIN.
pub async fn set_pin(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<CardPinSet>,
) -> Result<ApiJson<CardPinAnswer>, ApiError> {
    checked_id(Field::Id, &req.member_id)?;
    if req.pin.len() > MAX_PIN_BYTES {
        return Err(ApiError::BadRequest("a PIN is six digits".into()));
    }
    let view = {
        let mut conn = state.db.pool().acquire().await?;
        records::load(&mut conn, &Touches::default().members([&req.member_id])).await?
    };
    let member = match may_set_pin(&auth.actor, &view, &req.member_id, &req.pin) {
        Ok(m) => m,
        Err(r) => {
            let (message, reason) = refused(&r);
            return Ok(ApiJson(CardPinAnswer::Refused { message, reason }));
        }
    };
    let pin = req.pin;
    let hash = state.hashes.run(move || hash_password(&pin)).await??;
    sqlx::query(
        "INSERT INTO card_pins (member_id, pin_hash, set_by, set_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (member_id) DO UPDATE SET pin_hash = excluded.pin_hash, \
         set_by = excluded.set_by, set_at = excluded.set_at",
    )
    .bind(&member.id)
    .bind(hash)
    .bind(&auth.account.id)
    .bind(now_secs())
    .execute(state.db.pool())
    .await?;
    // A new PIN starts with a clean count.
    throttle::clear(
        &mut *state.db.pool().acquire().await?,
        &throttle::pin_key(&member.id),
    )
    .await?;
    tracing::info!(account = %auth.account.id, member = %member.id, "card PIN set");
    Ok(ApiJson(CardPinAnswer::Set))
}

/// Checks the PIN typed with a card at a kiosk. The card is checked first
/// as a check-in on it would be (hers, current, at this station), then the
/// PIN, throttled per member before any hash is computed.
pub async fn unlock(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<CardUnlock>,
) -> Result<ApiJson<CardUnlockAnswer>, ApiError> {
    kiosk_visit(&auth, &req.session, "card PINs")?;
    let card = CardCode::parse(&req.code)
        .ok_or_else(|| ApiError::BadRequest("not a member card's code".into()))?;
    if req.pin.len() > MAX_PIN_BYTES {
        return Err(ApiError::BadRequest("a PIN is six digits".into()));
    }
    let now = now_secs();
    let key = throttle::pin_key(&card.member_id);
    let mut conn = state.db.pool().acquire().await?;
    let touches = Touches::default()
        .members([&card.member_id])
        .docs([MemberCard::id_for(&card.member_id)]);
    let view = records::load(&mut conn, &touches).await?;
    let proof = MemberProof {
        code: req.code.clone(),
        session: req.session.clone(),
        grant: None,
    };
    if let Err(r) = check_proof(&auth.actor, &card.member_id, Some(&proof), now, &view, now) {
        let (message, reason) = refused(&r);
        return Ok(ApiJson(CardUnlockAnswer::Refused { message, reason }));
    }
    if let Err(e) = throttle::check(&mut conn, &[key.as_str()], throttle::now_ms()).await {
        tracing::info!(kiosk = %auth.account.id, member = %card.member_id, "card PIN throttled");
        return Err(e);
    }
    let hash: Option<String> = sqlx::query("SELECT pin_hash FROM card_pins WHERE member_id = $1")
        .bind(&card.member_id)
        .fetch_optional(&mut *conn)
        .await?
        .map(|r| r.try_get("pin_hash"))
        .transpose()?;
    // No connection is held while waiting for a hash slot.
    drop(conn);
    let Some(hash) = hash else {
        return Ok(ApiJson(CardUnlockAnswer::NoPin));
    };
    let pin = req.pin;
    let right = state
        .hashes
        .run(move || verify_password(&pin, &hash))
        .await?;
    let mut conn = state.db.pool().acquire().await?;
    if !right {
        let failures =
            throttle::record_failure(&mut conn, &key, PIN_BACKOFF, throttle::now_ms()).await?;
        tracing::info!(kiosk = %auth.account.id, member = %card.member_id, failures, "wrong card PIN");
        return Ok(ApiJson(CardUnlockAnswer::WrongPin {
            tries_left: PIN_BACKOFF.tries_left(failures),
        }));
    }
    throttle::clear(&mut conn, &key).await?;
    let via = Via::Card {
        number: card.number,
    };
    let granted = records::grant_visit(
        &mut conn,
        &card.member_id,
        via,
        &auth.account.id,
        &req.session,
        now,
    )
    .await?;
    let Some((grant, expires_at)) = granted else {
        // Only short codes are granted once; a card's insert cannot clash.
        return Err(ApiError::Internal);
    };
    tracing::info!(kiosk = %auth.account.id, member = %card.member_id, "card PIN right");
    Ok(ApiJson(CardUnlockAnswer::Unlocked { grant, expires_at }))
}

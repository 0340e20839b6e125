//! A printed 党员卡's PIN, online only: set at her secretary's desk (the
//! member page), checked at a station's kiosk. The PIN goes straight to
//! the server and nowhere else: never into the queue or storage.
//!
//! Each call and the reading of its answer are used by one page only, so
//! each lands in that page's chunk (an answer type shared by both pages
//! would put its decoder in everyone's first load).

use leptos::prelude::GetUntracked;
use zhijian_domain::api::{CardPinAnswer, CardPinSet, CardUnlock, CardUnlockAnswer};

use crate::api::{self, ApiError};
use crate::sync::Sync;

/// Why the server gave no answer to judge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PinError {
    Offline,
    /// This device's session has ended; sign in again.
    SessionEnded,
    /// Too many wrong PINs for her card: seconds to wait.
    Throttled(u64),
    Other(String),
}

impl From<ApiError> for PinError {
    fn from(e: ApiError) -> Self {
        match e {
            ApiError::Network(_) => PinError::Offline,
            ApiError::Status { status: 401, .. } => PinError::SessionEnded,
            ApiError::Status { status: 429, body } => {
                PinError::Throttled(body.retry_after.unwrap_or(60))
            }
            other => PinError::Other(other.to_string()),
        }
    }
}

/// The signed-in account's client (the kiosk's other online checks use it too).
pub(crate) fn client(sync: Sync) -> Result<api::Client, PinError> {
    let token = sync
        .session
        .get_untracked()
        .map(|s| s.token)
        .ok_or(PinError::SessionEnded)?;
    Ok(api::client().with_token(token))
}

/// Sets the member's card PIN.
pub async fn set(sync: Sync, member_id: String, pin: String) -> Result<CardPinAnswer, PinError> {
    let req = CardPinSet { member_id, pin };
    Ok(client(sync)?.set_card_pin(&req).await?)
}

/// Asks whether the PIN typed with this card is right, for the visit
/// `session`; a right one answers a grant for that visit.
pub async fn unlock(
    sync: Sync,
    code: String,
    pin: String,
    session: String,
) -> Result<CardUnlockAnswer, PinError> {
    let req = CardUnlock { code, pin, session };
    Ok(client(sync)?.unlock_card(&req).await?)
}

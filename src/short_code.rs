//! 我的党员码's short form (`zhijian_domain::short_code`), online only on
//! the kiosk's side: the phone's secret (made here, kept in IndexedDB, given
//! to the server once it is online) and the kiosk's question of whose typed
//! code it is. Each function is used by one page, so each lands in that
//! page's chunk.

use zhijian_domain::api::{ShortCodeAnswer, ShortCodeCheck, ShortSecretAnswer, ShortSecretSet};
use zhijian_domain::short_code::{SECRET_BYTES, decode_secret, encode_secret};

use crate::card_pin::{PinError, client};
use crate::store::{ShortSecretKept, Store};
use crate::sync::{Sync, random_bytes};

/// This phone's secret for `member_id` and its key pair's `public_key`: the
/// kept one, or a new one saved (a new key or member makes a new secret).
/// `None` where the browser cannot make or keep one.
pub async fn secret(member_id: &str, public_key: &str) -> Option<ShortSecretKept> {
    let store = Store::open().await.ok()?;
    let kept = match store.short_secret().await {
        Ok(Some(k))
            if k.member_id == member_id
                && k.public_key == public_key
                && decode_secret(&k.secret).is_some() =>
        {
            Some(k)
        }
        Ok(_) => {
            let mut bytes = [0u8; SECRET_BYTES];
            if random_bytes(&mut bytes) {
                let k = ShortSecretKept {
                    member_id: member_id.to_owned(),
                    public_key: public_key.to_owned(),
                    secret: encode_secret(&bytes),
                    registered: false,
                };
                store.save_short_secret(&k).await.ok().map(|()| k)
            } else {
                None
            }
        }
        Err(_) => None,
    };
    store.close();
    kept
}

/// Gives the server this phone's secret; returns it marked registered once
/// the server has it (kept so).
pub async fn register(sync: Sync, kept: ShortSecretKept) -> Result<ShortSecretKept, PinError> {
    let req = ShortSecretSet {
        public_key: kept.public_key.clone(),
        secret: kept.secret.clone(),
    };
    match client(sync)?.set_short_secret(&req).await? {
        ShortSecretAnswer::Saved => {
            let done = ShortSecretKept {
                registered: true,
                ..kept
            };
            if let Ok(store) = Store::open().await {
                let _ = store.save_short_secret(&done).await;
                store.close();
            }
            Ok(done)
        }
        ShortSecretAnswer::Refused { message, .. } => Err(PinError::Other(message)),
    }
}

/// Asks whose short code was typed at this kiosk, for the visit `session`.
pub async fn check(sync: Sync, code: String, session: String) -> Result<ShortCodeAnswer, PinError> {
    let req = ShortCodeCheck { code, session };
    Ok(client(sync)?.check_short_code(&req).await?)
}

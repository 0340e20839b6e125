//! What the server grants a kiosk's visit after a check only it can make,
//! online: a printed card's PIN (`member_card`) or a 党员码's short form
//! typed by hand (`short_code`). The server keeps the grant (never synced)
//! and gives the kiosk a random token; the visit's mutations carry it in
//! their [`MemberProof`](crate::member_code::MemberProof), and the server
//! loads the grant with each of them ([`WithGrants`]) to judge it again.

use sha2::{Digest, Sha256};

use crate::Member;
use crate::kernel::View;

/// How long a grant lets the kiosk act for her: the visit, with room for a
/// slow network.
pub const GRANT_SECS: i64 = 10 * 60;

/// What the member showed the kiosk when the server granted the visit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Via {
    /// Her printed card (its number), with the right PIN.
    Card { number: u32 },
    /// Her phone's short code for this 30-second window.
    ShortCode { window: i64 },
}

impl Via {
    /// The database's form: a kind and a number.
    pub fn kind(&self) -> &'static str {
        match self {
            Via::Card { .. } => "card",
            Via::ShortCode { .. } => "short",
        }
    }

    pub fn number(&self) -> i64 {
        match self {
            Via::Card { number } => i64::from(*number),
            Via::ShortCode { window } => *window,
        }
    }

    pub fn from_row(kind: &str, number: i64) -> Option<Self> {
        match kind {
            "card" => u32::try_from(number)
                .ok()
                .map(|number| Via::Card { number }),
            "short" => Some(Via::ShortCode { window: number }),
            _ => None,
        }
    }
}

/// What the server recorded when it granted a kiosk's visit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KioskGrant {
    /// SHA-256 (hex) of the grant's token; the token rides in the proof.
    pub digest: String,
    pub member_id: String,
    pub via: Via,
    /// The kiosk's account and its visit.
    pub kiosk: String,
    pub session: String,
    pub expires_at: i64,
}

impl KioskGrant {
    /// A token's digest: what the server keeps and looks it up by.
    pub fn digest_of(token: &str) -> String {
        Sha256::digest(token.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// Whether it lets `kiosk`'s visit `session` act for `member_id`, shown
    /// `via`, at `at`.
    pub fn allows(&self, kiosk: &str, member_id: &str, via: Via, session: &str, at: i64) -> bool {
        self.kiosk == kiosk
            && self.member_id == member_id
            && self.via == via
            && self.session == session
            && at <= self.expires_at
    }
}

/// A view with the grants the server loaded for a mutation (a wrapper, so
/// that no device's records carry the field).
pub struct WithGrants<'a, V>(pub &'a V, pub &'a [KioskGrant]);

impl<V: View> View for WithGrants<'_, V> {
    crate::kernel::forward_view!();
    fn member(&self, id: &str) -> Option<Member> {
        self.0.member(id)
    }
    fn kiosk_grant(&self, digest: &str) -> Option<KioskGrant> {
        self.1.iter().find(|g| g.digest == digest).cloned()
    }
}

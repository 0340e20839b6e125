//! Check-in codes (签到码): the organiser's device shows a 6-digit code that
//! changes every 30 s, derived from a per-activity secret and the time window
//! (HOTP over the window, as TOTP does). A member's phone records the code
//! offline; the server checks it on push against the window of the check-in.

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// An attendance record (签到), and the check-out when hours count.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckIn {
    pub id: String,
    pub activity_id: String,
    /// The activity's org (for scopes).
    pub org_id: String,
    pub member_id: String,
    /// Seconds since the epoch, on the recording device.
    pub at: i64,
    #[serde(default)]
    pub checked_out_at: Option<i64>,
    /// Checked in by the organiser by hand, with this note.
    #[serde(default)]
    pub by_hand: Option<String>,
    /// The account that recorded it.
    pub recorded_by: String,
}

impl CheckIn {
    pub const MAX_NOTE_CHARS: usize = 200;

    /// Minutes present, once checked out.
    pub fn minutes(&self) -> Option<i64> {
        self.checked_out_at.map(|out| (out - self.at).max(0) / 60)
    }
}

/// A fresh per-activity secret from 16 random bytes, as hex.
pub fn secret_hex(bytes: &[u8; 16]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The secret's bytes, if it is 32 hex digits.
pub fn secret_bytes(hex: &str) -> Option<Vec<u8>> {
    if hex.len() != 32 {
        return None;
    }
    (0..16)
        .map(|i| u8::from_str_radix(hex.get(i * 2..i * 2 + 2)?, 16).ok())
        .collect()
}

pub const WINDOW_SECONDS: i64 = 30;

/// The time window of a moment (seconds since the epoch).
pub fn window(unix_seconds: i64) -> i64 {
    unix_seconds.div_euclid(WINDOW_SECONDS)
}

/// The 6-digit code of `activity_id` in `window`.
pub fn code(secret: &[u8], activity_id: &str, window: i64) -> String {
    // Hmac accepts keys of any length, so this cannot fail.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(activity_id.as_bytes());
    mac.update(&window.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    // Dynamic truncation (RFC 4226), over SHA-256.
    let offset = usize::from(digest[digest.len() - 1] & 0x0f);
    let bin = u32::from_be_bytes([
        digest[offset] & 0x7f,
        digest[offset + 1],
        digest[offset + 2],
        digest[offset + 3],
    ]);
    format!("{:06}", bin % 1_000_000)
}

/// Whether `entered` was shown for `activity_id` at `at` (seconds): the
/// current window or the one before it (a code read just before it changed).
pub fn verify(secret: &[u8], activity_id: &str, entered: &str, at: i64) -> bool {
    let w = window(at);
    entered.len() == 6
        && [w, w - 1]
            .iter()
            .any(|w| code(secret, activity_id, *w) == entered)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"per-activity secret";

    #[test]
    fn codes_are_six_digits_and_change_each_window() {
        let a = code(SECRET, "act-1", 1000);
        let b = code(SECRET, "act-1", 1001);
        assert_eq!(a.len(), 6);
        assert!(a.bytes().all(|c| c.is_ascii_digit()));
        assert_ne!(a, b);
        assert_eq!(a, code(SECRET, "act-1", 1000), "deterministic");
    }

    #[test]
    fn current_and_previous_window_accepted_older_rejected() {
        let t = 1_795_000_000;
        let now = code(SECRET, "act-1", window(t));
        let prev = code(SECRET, "act-1", window(t) - 1);
        let old = code(SECRET, "act-1", window(t) - 2);
        assert!(verify(SECRET, "act-1", &now, t));
        assert!(verify(SECRET, "act-1", &prev, t));
        assert!(!verify(SECRET, "act-1", &old, t) || old == now || old == prev);
        assert!(!verify(SECRET, "act-1", "12345", t));
    }

    #[test]
    fn another_activity_or_secret_does_not_verify() {
        let t = 1_795_000_000;
        let c = code(SECRET, "act-1", window(t));
        let other = code(SECRET, "act-2", window(t));
        assert!(!verify(SECRET, "act-2", &c, t) || c == other);
        assert!(
            !verify(b"another secret", "act-1", &c, t)
                || c == code(b"another secret", "act-1", window(t))
        );
    }
}

//! Wire types of the HTTP API, shared by the server, the app and the tests.

use serde::{Deserialize, Serialize};

use crate::{Alliance, Month, Org};

/// `POST /api/media?org=…`'s answer: where a lesson's picture or audio is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredMedia {
    /// `/media/<sha256>`, for the lesson's Markdown.
    pub url: String,
    pub mime: String,
    pub bytes: u64,
}

/// `GET /api/health`
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    pub status: String,
    pub version: String,
    /// `sqlite` or `postgres`.
    pub database: String,
}

/// `GET /api/orgs`: the public org directory (no personal data).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgDirectory {
    pub orgs: Vec<Org>,
    /// Member count per org id, for orgs that have members.
    pub member_counts: Vec<(String, u32)>,
    pub alliances: Vec<Alliance>,
    /// The server's current month, so the app need not trust the device clock.
    pub month: Month,
}

impl OrgDirectory {
    pub fn member_count(&self, org_id: &str) -> u32 {
        self.member_counts
            .iter()
            .find(|(id, _)| id == org_id)
            .map_or(0, |(_, n)| *n)
    }
}

/// The body of every error response.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Stable machine-readable code, e.g. `not_found`, `payload_too_large`.
    pub code: String,
    pub message: String,
    /// With `seq_gap` or `seq_reused` (409 on push): the seq the server
    /// expects next.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_seq: Option<u64>,
    /// With `throttled` (429) and `busy` (503): seconds until a retry can
    /// succeed (also in the `Retry-After` header).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    Error,
    Warn,
}

/// `POST /api/auth/login`
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// A phone number, or a device name for kiosks.
    pub login: String,
    pub password: String,
}

/// `POST /api/auth/password`: the signed-in account's new password. Every
/// other session of the account is signed out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

/// Shortest and longest password the server accepts (characters).
pub const PASSWORD_CHARS: std::ops::RangeInclusive<usize> = 8..=128;

/// What is wrong with a new password; the app renders it through its
/// locale files, the server sends the Chinese text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PasswordProblem {
    #[error("新密码至少 8 个字符")]
    TooShort,
    #[error("新密码不能超过 128 个字符")]
    TooLong,
    #[error("新密码不能含控制字符")]
    Control,
    #[error("新密码不能与当前密码相同")]
    Same,
}

impl PasswordChange {
    /// The new password's rule, on the device and on the server alike; the
    /// current one is checked by the server.
    pub fn validate(&self) -> Result<(), PasswordProblem> {
        let n = self.new_password.chars().count();
        if n < *PASSWORD_CHARS.start() {
            return Err(PasswordProblem::TooShort);
        }
        if n > *PASSWORD_CHARS.end() {
            return Err(PasswordProblem::TooLong);
        }
        if self.new_password.chars().any(char::is_control) {
            return Err(PasswordProblem::Control);
        }
        if self.new_password == self.current_password {
            return Err(PasswordProblem::Same);
        }
        Ok(())
    }
}

/// `POST /api/cards/pin`: her organiser sets a member's card PIN, with her
/// at the desk typing it (online only: the PIN never enters a device's queue).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardPinSet {
    pub member_id: String,
    pub pin: String,
}

/// `POST /api/cards/unlock`: a kiosk asks the server to check the PIN a
/// member typed with her printed card, for its visit `session`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardUnlock {
    /// The card's code, as scanned.
    pub code: String,
    pub pin: String,
    pub session: String,
}

/// What `/api/cards/pin` answers (besides errors of the request itself:
/// 401, 503). Externally tagged, like [`CardUnlockAnswer`]: the app reads
/// each in its own page's chunk, without a self-describing decoder.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CardPinAnswer {
    /// The PIN is set.
    Set,
    /// Refused by the domain's rules: who sets it, the PIN chosen.
    Refused {
        message: String,
        reason: Option<crate::refusal::Reason>,
    },
}

/// What `/api/cards/unlock` answers (besides errors of the request itself:
/// 401, 403 for a non-kiosk, 429 after too many wrong PINs, 503).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CardUnlockAnswer {
    /// The PIN is right: the visit's mutations carry `grant` in their proof
    /// until `expires_at` (server time).
    Unlocked { grant: String, expires_at: i64 },
    /// Wrong PIN; this many more before the card waits.
    WrongPin { tries_left: u32 },
    /// She has no PIN yet (her secretary sets one).
    NoPin,
    /// Refused by the domain's rules: the card, the station.
    Refused {
        message: String,
        reason: Option<crate::refusal::Reason>,
    },
}

/// `POST /api/codes/short-secret`: a member's phone gives the server the
/// secret its short codes are made with (`short_code`), with its public key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShortSecretSet {
    pub public_key: String,
    /// base64url, `short_code::SECRET_BYTES` bytes.
    pub secret: String,
}

/// What `/api/codes/short-secret` answers (besides 401, 503).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShortSecretAnswer {
    Saved,
    Refused {
        message: String,
        reason: Option<crate::refusal::Reason>,
    },
}

/// `POST /api/codes/short`: a kiosk asks whose short code was typed, for its
/// visit `session`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShortCodeCheck {
    pub code: String,
    pub session: String,
}

/// What `/api/codes/short` answers (besides 400 for what is not ten digits,
/// 401, 403 for a non-kiosk, 429 after too many wrong codes, 503).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShortCodeAnswer {
    /// Hers: the visit's mutations carry `proof_code` and `grant` in their
    /// proof until `expires_at` (server time).
    Identified {
        member_id: String,
        proof_code: String,
        grant: String,
        expires_at: i64,
    },
    /// Nobody's (mistyped, or too old); this many more before the kiosk
    /// waits.
    WrongCode { tries_left: u32 },
    /// Refused by the domain's rules: the station, a code already used.
    Refused {
        message: String,
        reason: Option<crate::refusal::Reason>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginResponse {
    pub token: String,
    /// Seconds since the epoch.
    pub expires_at: i64,
    pub account: crate::Account,
}

/// `POST /api/client-log`: a panic or error seen in a user's browser, so that
/// failures on phones in the field reach the operators' logs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientLog {
    pub level: LogLevel,
    pub message: String,
    /// The app build that reported it.
    pub build: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientLogError {
    #[error("message must not be empty")]
    EmptyMessage,
    #[error("message longer than {max} characters")]
    MessageTooLong { max: usize },
    #[error("build must be 1 to {max} characters of [0-9A-Za-z._-]")]
    BadBuild { max: usize },
}

impl ClientLog {
    pub const MAX_MESSAGE_CHARS: usize = 4000;
    pub const MAX_BUILD_CHARS: usize = 64;

    pub fn validate(&self) -> Result<(), ClientLogError> {
        if self.message.trim().is_empty() {
            return Err(ClientLogError::EmptyMessage);
        }
        if self.message.chars().count() > Self::MAX_MESSAGE_CHARS {
            return Err(ClientLogError::MessageTooLong {
                max: Self::MAX_MESSAGE_CHARS,
            });
        }
        let build_ok = !self.build.is_empty()
            && self.build.len() <= Self::MAX_BUILD_CHARS
            && self
                .build
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if !build_ok {
            return Err(ClientLogError::BadBuild {
                max: Self::MAX_BUILD_CHARS,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(message: &str, build: &str) -> ClientLog {
        ClientLog {
            level: LogLevel::Error,
            message: message.into(),
            build: build.into(),
        }
    }

    #[test]
    fn client_log_validation() {
        assert_eq!(log("panicked at src/app.rs", "a1b2c3").validate(), Ok(()));
        assert_eq!(
            log("  ", "a1").validate(),
            Err(ClientLogError::EmptyMessage)
        );
        let long = "错".repeat(ClientLog::MAX_MESSAGE_CHARS + 1);
        assert!(matches!(
            log(&long, "a1").validate(),
            Err(ClientLogError::MessageTooLong { .. })
        ));
        assert!(matches!(
            log("x", "").validate(),
            Err(ClientLogError::BadBuild { .. })
        ));
        assert!(matches!(
            log("x", "a b").validate(),
            Err(ClientLogError::BadBuild { .. })
        ));
    }

    #[test]
    fn client_log_rejects_unknown_fields() {
        let r = serde_json::from_str::<ClientLog>(
            r#"{"level":"error","message":"m","build":"b","token":"x"}"#,
        );
        assert!(r.is_err());
    }
}

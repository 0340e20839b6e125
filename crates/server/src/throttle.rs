//! Throttling of guesses (passwords, check-in codes), kept in the database
//! so that every server process on it shares the counts and a restart
//! forgets nothing. Each call takes a connection: the push path counts
//! inside its own transaction.
//!
//! A key is `login:<login>`, `addr:<address>`, `code:<account>:<record>` or
//! `pin:<member>` (a card's PIN) or `short:<kiosk>` (typed short codes). Failures in a row lock the
//! key for a growing time (`limits::Backoff`); an hour without failures
//! forgets them; a right password clears its login's key (not the address's:
//! one's own account must not reset the count for guesses at others').

use std::net::IpAddr;

use sqlx::{AnyConnection, Row};

use crate::Db;
use crate::error::ApiError;
use crate::limits::Backoff;

/// Failures older than this no longer count.
pub const FORGET_AFTER_MS: i64 = 3600 * 1000;

pub fn login_key(login: &str) -> String {
    format!("login:{}", login.trim().to_lowercase())
}

/// IPv6 clients are counted per /64: one host usually holds a whole one.
pub fn address_key(addr: IpAddr) -> String {
    match addr {
        IpAddr::V4(v4) => format!("addr:{v4}"),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => format!("addr:{v4}"),
            None => {
                let s = v6.segments();
                format!("addr:{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// Wrong check-in or check-out codes by one account for one record.
pub fn code_key(account_id: &str, record_id: &str) -> String {
    format!("code:{account_id}:{record_id}")
}

/// Wrong PINs typed with one member's card, at any kiosk.
pub fn pin_key(member_id: &str) -> String {
    format!("pin:{member_id}")
}

/// Wrong short codes (`short_code`) typed at one kiosk.
pub fn short_code_key(kiosk_account: &str) -> String {
    format!("short:{kiosk_account}")
}

pub fn now_ms() -> i64 {
    let now = time::OffsetDateTime::now_utc();
    i64::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

/// Refuses with 429 while any of `keys` is locked.
pub async fn check(conn: &mut AnyConnection, keys: &[&str], now_ms: i64) -> Result<(), ApiError> {
    let mut until = 0i64;
    for key in keys {
        let row = sqlx::query("SELECT locked_until FROM signin_failures WHERE key = $1")
            .bind(*key)
            .fetch_optional(&mut *conn)
            .await?;
        if let Some(row) = row {
            until = until.max(row.try_get::<i64, _>("locked_until")?);
        }
    }
    if until > now_ms {
        let secs = (until - now_ms + 999) / 1000;
        return Err(ApiError::Throttled {
            retry_after: u64::try_from(secs).unwrap_or(1).max(1),
        });
    }
    Ok(())
}

/// Counts one failure for `key` and locks it as `backoff` says. Returns the
/// failures in a row.
pub async fn record_failure(
    conn: &mut AnyConnection,
    key: &str,
    backoff: Backoff,
    now_ms: i64,
) -> Result<u32, ApiError> {
    let row = sqlx::query(
        "INSERT INTO signin_failures (key, failures, last_at, locked_until) VALUES ($1, 1, $2, 0) \
         ON CONFLICT (key) DO UPDATE SET \
           failures = CASE WHEN signin_failures.last_at < $3 THEN 1 ELSE signin_failures.failures + 1 END, \
           last_at = $2 \
         RETURNING failures",
    )
    .bind(key)
    .bind(now_ms)
    .bind(now_ms - FORGET_AFTER_MS)
    .fetch_one(&mut *conn)
    .await?;
    let failures = u32::try_from(row.try_get::<i64, _>("failures")?).unwrap_or(u32::MAX);
    let lock = i64::try_from(backoff.lock_ms(failures)).unwrap_or(i64::MAX);
    if lock > 0 {
        sqlx::query(
            "UPDATE signin_failures SET locked_until = $2 WHERE key = $1 AND locked_until < $2",
        )
        .bind(key)
        .bind(now_ms.saturating_add(lock))
        .execute(&mut *conn)
        .await?;
    }
    Ok(failures)
}

pub async fn clear(conn: &mut AnyConnection, key: &str) -> Result<(), ApiError> {
    sqlx::query("DELETE FROM signin_failures WHERE key = $1")
        .bind(key)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Drops keys with nothing left to remember.
pub async fn purge(db: &Db, now_ms: i64) -> Result<u64, ApiError> {
    let done = sqlx::query("DELETE FROM signin_failures WHERE last_at < $1 AND locked_until < $2")
        .bind(now_ms - FORGET_AFTER_MS)
        .bind(now_ms)
        .execute(db.pool())
        .await?;
    Ok(done.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys() {
        assert_eq!(login_key(" 13800000001 "), "login:13800000001");
        assert_eq!(login_key("Kiosk-A"), "login:kiosk-a");
        assert_eq!(
            address_key("203.0.113.7".parse().unwrap()),
            "addr:203.0.113.7"
        );
        assert_eq!(
            address_key("2001:db8:1:2:3:4:5:6".parse().unwrap()),
            address_key("2001:db8:1:2:ffff::1".parse().unwrap())
        );
        assert_ne!(
            address_key("2001:db8:1:2::1".parse().unwrap()),
            address_key("2001:db8:1:3::1".parse().unwrap())
        );
        assert_eq!(
            address_key("::ffff:203.0.113.7".parse().unwrap()),
            "addr:203.0.113.7"
        );
    }
}

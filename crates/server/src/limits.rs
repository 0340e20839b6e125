//! Every limit the server puts on what a client may send or cost it, in one
//! place, each configurable (docs/operations.md lists them with defaults).

use std::time::Duration;

/// The server's limits. `Limits::default()` is what `zhijian-server serve`
/// uses unless told otherwise by the `ZJ_…` variables below.
#[derive(Clone, Debug, PartialEq, Eq, clap::Args)]
pub struct Limits {
    /// Seconds a client has to send a request's headers before the
    /// connection is closed (slow clients).
    #[arg(long, env = "ZJ_HEADER_TIMEOUT_SECS", default_value_t = Self::DEFAULT.header_timeout_secs)]
    pub header_timeout_secs: u64,
    /// Seconds a whole request (body included) may take before a 408.
    #[arg(long, env = "ZJ_REQUEST_TIMEOUT_SECS", default_value_t = Self::DEFAULT.request_timeout_secs)]
    pub request_timeout_secs: u64,
    /// Requests handled at once; beyond it, 503 at once.
    #[arg(long, env = "ZJ_MAX_REQUESTS", default_value_t = Self::DEFAULT.max_requests)]
    pub max_requests: usize,
    /// Password hashes computed at once (each takes ~19 MiB and a core for
    /// tens of milliseconds); 0 means one per CPU core.
    #[arg(long, env = "ZJ_MAX_HASHES", default_value_t = Self::DEFAULT.max_hashes)]
    pub max_hashes: usize,
    /// Sign-ins waiting for a hash slot; beyond it, 503 at once.
    #[arg(long, env = "ZJ_HASH_QUEUE", default_value_t = Self::DEFAULT.hash_queue)]
    pub hash_queue: usize,
    /// Milliseconds a sign-in waits for a hash slot before a 503.
    #[arg(long, env = "ZJ_HASH_WAIT_MS", default_value_t = Self::DEFAULT.hash_wait_ms)]
    pub hash_wait_ms: u64,
    /// Wrong passwords for one login before sign-in is delayed.
    #[arg(long, env = "ZJ_SIGNIN_FREE_PER_LOGIN", default_value_t = Self::DEFAULT.signin_free_per_login)]
    pub signin_free_per_login: u32,
    /// Wrong passwords from one address (IPv6: one /64) before sign-in from
    /// it is delayed. Higher than per login: a station's members share one.
    #[arg(long, env = "ZJ_SIGNIN_FREE_PER_ADDRESS", default_value_t = Self::DEFAULT.signin_free_per_address)]
    pub signin_free_per_address: u32,
    /// The first delay in milliseconds; it doubles with every further wrong
    /// password, up to `signin_max_delay_secs`.
    #[arg(long, env = "ZJ_SIGNIN_DELAY_MS", default_value_t = Self::DEFAULT.signin_delay_ms)]
    pub signin_delay_ms: u64,
    #[arg(long, env = "ZJ_SIGNIN_MAX_DELAY_SECS", default_value_t = Self::DEFAULT.signin_max_delay_secs)]
    pub signin_max_delay_secs: u64,
    /// `/api/client-log` reports accepted per address and minute.
    #[arg(long, env = "ZJ_CLIENT_LOG_PER_MINUTE", default_value_t = Self::DEFAULT.client_log_per_minute)]
    pub client_log_per_minute: u32,
    /// Days a session may go unused before it ends (it also ends 30 days
    /// after sign-in).
    #[arg(long, env = "ZJ_SESSION_IDLE_DAYS", default_value_t = Self::DEFAULT.session_idle_days)]
    pub session_idle_days: u64,
    /// Take the client's address from the last `X-Forwarded-For` entry
    /// (only behind a reverse proxy that sets it).
    #[arg(long, env = "ZJ_TRUST_FORWARDED_FOR", default_value_t = Self::DEFAULT.trust_forwarded_for)]
    pub trust_forwarded_for: bool,
    /// Megabytes of lesson media (pictures, audio) one committee may store.
    #[arg(long, env = "ZJ_MEDIA_QUOTA_MB", default_value_t = Self::DEFAULT.media_quota_mb)]
    pub media_quota_mb: u64,
}

impl Limits {
    pub const DEFAULT: Limits = Limits {
        header_timeout_secs: 10,
        request_timeout_secs: 30,
        max_requests: 512,
        max_hashes: 0,
        hash_queue: 64,
        hash_wait_ms: 3_000,
        signin_free_per_login: 5,
        signin_free_per_address: 30,
        signin_delay_ms: 30_000,
        signin_max_delay_secs: 15 * 60,
        client_log_per_minute: 30,
        session_idle_days: 14,
        trust_forwarded_for: false,
        media_quota_mb: 500,
    };

    pub fn header_timeout(&self) -> Duration {
        Duration::from_secs(self.header_timeout_secs.max(1))
    }

    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs.max(1))
    }

    pub fn hash_slots(&self) -> usize {
        match self.max_hashes {
            0 => std::thread::available_parallelism().map_or(2, usize::from),
            n => n,
        }
    }

    pub fn hash_wait(&self) -> Duration {
        Duration::from_millis(self.hash_wait_ms)
    }

    pub fn session_idle_secs(&self) -> i64 {
        i64::try_from(self.session_idle_days.saturating_mul(24 * 3600)).unwrap_or(i64::MAX)
    }

    /// The delay schedule for wrong passwords per login.
    pub fn login_backoff(&self) -> Backoff {
        Backoff {
            free: self.signin_free_per_login,
            first_ms: self.signin_delay_ms,
            max_ms: self.signin_max_delay_secs.saturating_mul(1000),
        }
    }

    /// The delay schedule for wrong passwords per address.
    pub fn address_backoff(&self) -> Backoff {
        Backoff {
            free: self.signin_free_per_address,
            ..self.login_backoff()
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Growing delays: `free` failures cost nothing, then each one locks the key
/// for `first_ms`, doubling, capped at `max_ms`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    pub free: u32,
    pub first_ms: u64,
    pub max_ms: u64,
}

impl Backoff {
    /// How many more failures are free after `failures` in a row (what a
    /// wrong PIN or code tells the person typing it).
    pub fn tries_left(&self, failures: u32) -> u32 {
        self.free.saturating_sub(failures)
    }

    /// How long the key is locked after its `failures`-th failure in a row.
    pub fn lock_ms(&self, failures: u32) -> u64 {
        if failures < self.free.max(1) {
            return 0;
        }
        let doublings = (failures - self.free.max(1)).min(32);
        self.first_ms
            .saturating_mul(1u64 << doublings)
            .min(self.max_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_start_after_the_free_failures_and_double_up_to_the_cap() {
        let b = Backoff {
            free: 3,
            first_ms: 1_000,
            max_ms: 10_000,
        };
        let delays: Vec<u64> = (0..9).map(|n| b.lock_ms(n)).collect();
        assert_eq!(
            delays,
            [0, 0, 0, 1_000, 2_000, 4_000, 8_000, 10_000, 10_000]
        );
        assert_eq!(b.lock_ms(u32::MAX), 10_000);
    }

    #[test]
    fn address_schedule_is_more_lenient_than_login_schedule() {
        let l = Limits::default();
        assert_eq!(l.login_backoff().lock_ms(5), 30_000);
        assert_eq!(l.address_backoff().lock_ms(5), 0);
        assert_eq!(l.address_backoff().lock_ms(30), 30_000);
        assert_eq!(l.login_backoff().lock_ms(100), 15 * 60 * 1000);
        assert!(l.hash_slots() >= 1);
    }
}

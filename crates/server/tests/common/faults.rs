//! Shared by the fault tests: credit awards pushed in batches through
//! whatever goes wrong, and the checks that each was applied exactly once.

use std::time::Duration;

use zhijian_client::{ApiError, Client};
use zhijian_domain::Op;
use zhijian_domain::credit_ops::Award;
use zhijian_domain::doc::Doc;
use zhijian_domain::sync::{Mutation, Outcome, PushRequest, SCHEMA_VERSION};

use super::docs;

pub const BATCH: u64 = 25;

/// A small, seeded generator for fault times (printed, to replay a run).
pub struct Lcg(pub u64);

impl Lcg {
    pub fn seeded() -> Self {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(7);
        eprintln!("fault times seeded with {seed}");
        Lcg(seed)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

pub fn award(seq: u64) -> Mutation {
    Mutation {
        seq,
        id: format!("m{seq}"),
        op: Op::AwardCredits(Award {
            id: format!("fault-award-{seq}"),
            member_id: "m-03".into(),
            amount: 1,
            reason: "驿站值班".into(),
        }),
    }
}

/// Pushes `total` awards, from where the server says it got to, through
/// whichever server process is up; every failure must pass `expected`
/// (a refusal would be a bug). Returns the last seq and how many pushes
/// failed on the way.
pub async fn push_awards(
    token_client: Client,
    base: tokio::sync::watch::Receiver<String>,
    total: u64,
    expected: fn(&ApiError) -> bool,
) -> (u64, usize) {
    push_awards_flagged(
        token_client,
        base,
        total,
        BATCH,
        expected,
        Default::default(),
    )
    .await
}

/// As `push_awards`, in batches of `batch`, with `in_flight` set while a
/// push waits for its answer (so a fault can be timed to land inside one).
pub async fn push_awards_flagged(
    token_client: Client,
    base: tokio::sync::watch::Receiver<String>,
    total: u64,
    batch: u64,
    expected: fn(&ApiError) -> bool,
    in_flight: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> (u64, usize) {
    use std::sync::atomic::Ordering;
    let mut next = 1;
    let mut failures = 0;
    while next <= total {
        let c = token_client.with_base(&base.borrow().clone());
        let req = PushRequest {
            schema_version: SCHEMA_VERSION,
            client_id: "fault-device".into(),
            mutations: (next..(next + batch).min(total + 1)).map(award).collect(),
            resume: false,
        };
        in_flight.store(true, Ordering::SeqCst);
        let answer = c.push(&req).await;
        in_flight.store(false, Ordering::SeqCst);
        match answer {
            Ok(r) => {
                for x in &r.results {
                    assert!(matches!(x.outcome, Outcome::Ok), "{x:?}");
                }
                next = r.last_seq + 1;
            }
            Err(e) => {
                assert!(expected(&e), "an unexpected failure: {e:?}");
                failures += 1;
                // Each fault costs a few failed tries; more is a server
                // that stays broken.
                assert!(failures < 200, "the server keeps failing: {e:?}");
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
    (next - 1, failures)
}

/// m-03's balance as her secretary sees it.
pub async fn balance(c: &Client) -> i64 {
    docs(c, "fault-checker")
        .await
        .values()
        .find_map(|d| match d {
            Doc::Wallet(w) if w.member_id == "m-03" => Some(w.balance),
            _ => None,
        })
        .unwrap_or(0)
}

/// Every one of `total` awards is there once, and the balance moved by
/// exactly that much.
pub async fn assert_exactly_once(c: &Client, before: i64, total: u64, label: &str) {
    let seen = docs(c, "fault-checker").await;
    let awards = seen
        .keys()
        .filter(|id| id.starts_with("fault-award-"))
        .count();
    assert_eq!(awards as u64, total, "{label}: an award lost or doubled");
    assert_eq!(
        balance(c).await,
        before + total as i64,
        "{label}: the balance"
    );
}

//! Issue #14, fault tests: the real server binary is killed (SIGKILL) at
//! random points while a device pushes credit awards in batches, and
//! restarted on the same database. Every award must be applied exactly
//! once: a doubled one shows as a refusal (the award's id is taken) and in
//! the balance, a lost one in the count. The server pauses after each
//! commit (a debug-build knob) so that some kills land between a commit and
//! its answer, the case where only the seq check prevents a second apply.

mod common;

use std::time::Duration;

use common::{docs, login, spawn_binary_with};
use zhijian_client::{ApiError, Client};
use zhijian_domain::Op;
use zhijian_domain::credit_ops::Award;
use zhijian_domain::doc::Doc;
use zhijian_domain::sync::{Mutation, Outcome, PushRequest, SCHEMA_VERSION};

const AWARDS: u64 = 1_000;
const BATCH: u64 = 25;
const KILLS: usize = 4;

/// A small, seeded generator for the kill times (printed, to replay a run).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

fn award(seq: u64) -> Mutation {
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

/// Pushes every award, from where the server says it got to, through
/// whichever server process is up; returns how many pushes failed on the way.
async fn push_all(
    token_client: Client,
    base: tokio::sync::watch::Receiver<String>,
) -> (u64, usize) {
    let mut next = 1;
    let mut failures = 0;
    while next <= AWARDS {
        let c = token_client.with_base(&base.borrow().clone());
        let req = PushRequest {
            schema_version: SCHEMA_VERSION,
            client_id: "fault-device".into(),
            mutations: (next..(next + BATCH).min(AWARDS + 1)).map(award).collect(),
            resume: false,
        };
        match c.push(&req).await {
            Ok(r) => {
                for x in &r.results {
                    assert!(matches!(x.outcome, Outcome::Ok), "{x:?}");
                }
                next = r.last_seq + 1;
            }
            // Killed mid-request (refused, reset, an answer cut short), or
            // not up yet: the device tries again. A refusal would be a bug.
            Err(e @ ApiError::Status { status, .. }) if status < 500 => panic!("{e:?}"),
            Err(e) => {
                failures += 1;
                // Each restart costs a few failed tries; more is a server
                // that stays broken.
                assert!(failures < 200, "the server keeps failing: {e:?}");
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
    (next - 1, failures)
}

/// m-03's balance as her secretary sees it.
async fn balance(c: &Client) -> i64 {
    docs(c, "fault-checker")
        .await
        .values()
        .find_map(|d| match d {
            Doc::Wallet(w) if w.member_id == "m-03" => Some(w.balance),
            _ => None,
        })
        .unwrap_or(0)
}

#[tokio::test]
async fn a_server_killed_mid_push_applies_every_mutation_exactly_once() {
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(7);
    eprintln!("kill times seeded with {seed}");
    let mut rng = Lcg(seed);
    for (backend, url, _dir) in common::database_urls().await {
        let spawn = || spawn_binary_with(&url, &[("ZJ_TEST_PAUSE_AFTER_COMMIT_MS", "100")]);
        let mut server = spawn().await;
        let secretary = login(&Client::new(server.base.clone()), "13900000002", "demo1234").await;
        let before = balance(&secretary).await;
        let (set_base, base) = tokio::sync::watch::channel(server.base.clone());
        let pusher = tokio::spawn(push_all(secretary.clone(), base));
        let mut kills = 0;
        while kills < KILLS {
            tokio::time::sleep(Duration::from_millis(20 + rng.below(200))).await;
            if pusher.is_finished() {
                break;
            }
            server.kill().await;
            kills += 1;
            server = spawn().await;
            let _ = set_base.send(server.base.clone());
        }
        let (last, failures) = pusher.await.expect("pusher");
        assert_eq!(last, AWARDS, "{backend}");
        // Every kill came while the device was pushing, or this proves less.
        assert_eq!(kills, KILLS, "{backend}: the pushes ended before the kills");
        assert!(
            failures >= KILLS,
            "{backend}: {failures} pushes interrupted"
        );

        let now = secretary.with_base(&server.base);
        let seen = docs(&now, "fault-checker").await;
        let awards = seen
            .keys()
            .filter(|id| id.starts_with("fault-award-"))
            .count();
        assert_eq!(awards as u64, AWARDS, "{backend}: an award lost or doubled");
        assert_eq!(
            balance(&now).await,
            before + AWARDS as i64,
            "{backend}: the balance"
        );
        eprintln!("{backend}: {KILLS} kills, {failures} pushes retried");
    }
}

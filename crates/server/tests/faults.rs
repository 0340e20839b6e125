//! Issue #14, fault tests: the real server binary is killed (SIGKILL) at
//! random points while a device pushes credit awards in batches, and
//! restarted on the same database. Every award must be applied exactly
//! once: a doubled one shows as a refusal (the award's id is taken) and in
//! the balance, a lost one in the count. The server pauses after each
//! commit (a debug-build knob) so that some kills land between a commit and
//! its answer, the case where only the seq check prevents a second apply.

mod common;

use std::time::Duration;

use common::faults::{Lcg, assert_exactly_once, balance, push_awards};
use common::{login, spawn_binary_with};
use zhijian_client::{ApiError, Client};

const AWARDS: u64 = 1_000;
const KILLS: usize = 4;

/// Killed mid-request (refused, reset, an answer cut short), or not up
/// yet: the device tries again. Only a refusal (a status below 500) is a bug.
fn cut_off(e: &ApiError) -> bool {
    !matches!(e, ApiError::Status { status, .. } if *status < 500)
}

#[tokio::test]
async fn a_server_killed_mid_push_applies_every_mutation_exactly_once() {
    let mut rng = Lcg::seeded();
    for (backend, url, _dir) in common::database_urls().await {
        let spawn = || spawn_binary_with(&url, &[("ZJ_TEST_PAUSE_AFTER_COMMIT_MS", "100")]);
        let mut server = spawn().await;
        let secretary = login(&Client::new(server.base.clone()), "13900000002", "demo1234").await;
        let before = balance(&secretary).await;
        let (set_base, base) = tokio::sync::watch::channel(server.base.clone());
        let pusher = tokio::spawn(push_awards(secretary.clone(), base, AWARDS, cut_off));
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
        assert_exactly_once(&now, before, AWARDS, backend).await;
        eprintln!("{backend}: {KILLS} kills, {failures} pushes retried");
    }
}

//! Writers on PostgreSQL (docs/sync.md "Writers"). Its own test binary:
//! the test holds a writer's transaction open, which holds back every
//! pull on the cluster (up to a second) for any test running beside it.

mod common;

use common::{login, pull_all};
use zhijian_domain::mutation::NewMember;
use zhijian_domain::sync::{Change, Mutation, Outcome, PushRequest, SCHEMA_VERSION};
use zhijian_domain::{ManagementMode, MemberStatus, Op};

fn members(changes: &[Change]) -> std::collections::BTreeSet<String> {
    changes
        .iter()
        .filter_map(|c| match c {
            Change::Member { member, .. } => Some(member.id.clone()),
            _ => None,
        })
        .collect()
}

/// A writer still running (its transaction open, its version taken, its
/// keys locked) holds back what pulls see, not what other writers do: a
/// push beside it commits at once, and pulls deliver neither until it ends,
/// then both. With one counter row for versions the push would wait.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_writer_holds_back_pulls_not_writers() {
    use zhijian_domain::mutation::{Touches, Write};
    use zhijian_server::records;
    let Some(admin_url) = common::env_or_skip("ZJ_TEST_POSTGRES_URL", "the running-writer test")
    else {
        return;
    };
    let url = common::fresh_postgres_database(&admin_url).await;
    let s = common::start("postgres", &url, None, true).await;
    let admin = login(&s.client, "admin", "zhijian-admin").await;
    let (_, first) = pull_all(&admin, "dev-held", 0, 0).await;
    let member = |id: &str| zhijian_domain::Member {
        id: id.into(),
        org_id: "fuli".into(),
        name: format!("党员{id}"),
        status: MemberStatus::Full,
        mode: ManagementMode::Mobile,
        phone: None,
        workplace: None,
    };

    let mut slow = s.db.pool().begin().await.expect("begin");
    let version = records::next_version(&mut slow).await.expect("version");
    let touches = Touches::default().members(["slow-1"]);
    records::lock(&mut slow, [&touches]).await.expect("lock");
    let before = records::load(&mut slow, &touches).await.expect("load");
    records::write(
        &mut slow,
        &[Write::Member(member("slow-1"))],
        &before,
        version,
    )
    .await
    .expect("write");

    let fast = PushRequest {
        schema_version: SCHEMA_VERSION,
        client_id: "dev-fast".into(),
        resume: false,
        mutations: vec![Mutation {
            seq: 1,
            id: "m1".into(),
            op: Op::AddMember(NewMember {
                id: "fast-1".into(),
                org_id: "fuli".into(),
                name: "党员fast-1".into(),
                status: MemberStatus::Full,
                mode: ManagementMode::Mobile,
                phone: None,
                workplace: None,
            }),
        }],
    };
    let r = tokio::time::timeout(std::time::Duration::from_secs(3), admin.push(&fast))
        .await
        .expect("the push waited for the other writer")
        .expect("push");
    assert!(matches!(r.results[0].outcome, Outcome::Ok));

    let (held, during) = pull_all(&admin, "dev-held", first.cursor, first.epoch).await;
    let seen = members(&held);
    assert!(
        !seen.contains("fast-1") && !seen.contains("slow-1"),
        "nothing above the running writer is delivered: {seen:?}"
    );
    assert!(during.cursor < version, "the cursor stays below it");

    slow.commit().await.expect("commit");
    let (after, _) = pull_all(&admin, "dev-held", during.cursor, during.epoch).await;
    let seen = members(&after);
    assert!(
        seen.contains("fast-1") && seen.contains("slow-1"),
        "both once it ends: {seen:?}"
    );
}

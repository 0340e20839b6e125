//! Accounts, scopes and the sync protocol over real databases (SQLite and
//! PostgreSQL): idempotent pushes, gaps, rejections, concurrent writers and
//! pullers, and servers that share nothing but the database.

mod common;

use common::{login, pull_all};
use zhijian_server::Limits;

use std::collections::BTreeMap;

use zhijian_client::{ApiError, Client};
use zhijian_domain::mutation::NewMember;
use zhijian_domain::sync::{Change, Mutation, Outcome, PullRequest, PushRequest, SCHEMA_VERSION};
use zhijian_domain::{ManagementMode, MemberPatch, MemberStatus, Op, ProfilePatch};

fn push_req(client_id: &str, muts: Vec<Mutation>) -> PushRequest {
    PushRequest {
        schema_version: SCHEMA_VERSION,
        client_id: client_id.into(),
        mutations: muts,
        resume: false,
    }
}

fn profile(seq: u64, phone: &str) -> Mutation {
    Mutation {
        seq,
        id: format!("m{seq}"),
        op: Op::UpdateProfile(ProfilePatch {
            phone: Some(Some(phone.into())),
            workplace: None,
        }),
    }
}

fn members(changes: &[Change]) -> BTreeMap<String, zhijian_domain::Member> {
    let mut out = BTreeMap::new();
    for c in changes {
        match c {
            Change::Member { member, .. } => {
                out.insert(member.id.clone(), member.clone());
            }
            Change::MemberGone { id, .. } => {
                out.remove(id);
            }
            Change::Org { .. } | Change::Doc { .. } => {}
        }
    }
    out
}

fn status(e: ApiError) -> (u16, String) {
    match e {
        ApiError::Status { status, body } => (status, body.code),
        other => panic!("expected an HTTP error, got {other:?}"),
    }
}

#[tokio::test]
async fn sign_in_sign_out_and_bad_tokens() {
    for s in common::servers().await {
        let (code, kind) = status(s.client.login("13900000001", "wrong").await.unwrap_err());
        assert_eq!(
            (code, kind.as_str()),
            (401, "bad_credentials"),
            "{}",
            s.backend
        );
        let (code, _) = status(s.client.login("nobody", "demo1234").await.unwrap_err());
        assert_eq!(code, 401);

        let me = login(&s.client, "13900000001", "demo1234").await;
        let account = me.me().await.expect("me");
        assert_eq!(account.display_name, "马晓燕");
        assert_eq!(account.member_id.as_deref(), Some("m-01"));

        let forged = s.client.with_token("0".repeat(64));
        assert_eq!(status(forged.me().await.unwrap_err()).0, 401);
        assert_eq!(status(s.client.me().await.unwrap_err()).0, 401, "no token");

        // An expired session is refused.
        let expired = login(&s.client, "13900000001", "demo1234").await;
        sqlx::query("UPDATE sessions SET expires_at = 0")
            .execute(s.db.pool())
            .await
            .expect("expire");
        assert_eq!(status(expired.me().await.unwrap_err()).0, 401);

        let again = login(&s.client, "13900000001", "demo1234").await;
        again.logout().await.expect("logout");
        assert_eq!(
            status(again.me().await.unwrap_err()).0,
            401,
            "{}: signed out",
            s.backend
        );

        // Tokens are stored hashed: the table never holds the token itself.
        let raw = s
            .client
            .login("13900000001", "demo1234")
            .await
            .expect("login")
            .token;
        let n: i64 = sqlx::Row::get(
            &sqlx::query("SELECT COUNT(*) AS n FROM sessions WHERE token_hash = $1")
                .bind(&raw)
                .fetch_one(s.db.pool())
                .await
                .expect("count"),
            "n",
        );
        assert_eq!(n, 0);
    }
}

#[tokio::test]
async fn pulls_are_scoped_and_private_fields_hidden() {
    for s in common::servers().await {
        let member = login(&s.client, "13900000001", "demo1234").await;
        let (changes, last) = pull_all(&member, "dev-member-1", 0, 0).await;
        let seen = members(&changes);
        assert_eq!(
            seen["m-01"].phone.as_deref(),
            Some("13900000001"),
            "{}: own phone",
            s.backend
        );
        assert!(seen.contains_key("m-02"), "branch members are visible");
        assert_eq!(
            seen["m-02"].phone, None,
            "{}: but not their phones",
            s.backend
        );
        assert!(
            !seen.contains_key("m-05"),
            "{}: another org's member",
            s.backend
        );
        assert!(
            changes
                .iter()
                .any(|c| matches!(c, Change::Org { org, .. } if org.id == "wanda")),
            "the org tree is public"
        );
        assert!(!last.has_more);

        let secretary = login(&s.client, "13900000002", "demo1234").await;
        let seen = members(&pull_all(&secretary, "dev-sec-1", 0, 0).await.0);
        assert_eq!(
            seen["m-01"].phone.as_deref(),
            Some("13900000001"),
            "secretaries see phones of their members"
        );
        assert!(seen.contains_key("m-04"), "and the branch's group");
        assert!(!seen.contains_key("m-05"));

        let committee = login(&s.client, "13900000100", "demo1234").await;
        let seen = members(&pull_all(&committee, "dev-com-1", 0, 0).await.0);
        assert_eq!(
            seen.len(),
            12,
            "{}: the committee sees its whole subtree",
            s.backend
        );

        // Staff reads of other members' full records are audited; a member's
        // pull of their own record and the branch's public data is not.
        let pool = s.db.pool().clone();
        let audit = |account: &'static str| {
            let pool = pool.clone();
            async move {
                sqlx::query("SELECT member_ids FROM audit_reads WHERE account_id = $1")
                    .bind(account)
                    .fetch_all(&pool)
                    .await
                    .expect("audit")
                    .iter()
                    .map(|r| sqlx::Row::get::<String, _>(r, "member_ids"))
                    .collect::<Vec<_>>()
                    .join(",")
            }
        };
        let sec_reads = audit("acc-secretary").await;
        assert!(
            sec_reads.split(',').any(|id| id == "m-01"),
            "{}: {sec_reads}",
            s.backend
        );
        assert!(
            !sec_reads.split(',').any(|id| id == "m-02"),
            "own record is not audited"
        );
        assert!(audit("acc-committee").await.split(',').count() >= 12);
        assert_eq!(audit("acc-member").await, "", "{}", s.backend);
    }
}

#[tokio::test]
async fn push_is_idempotent_and_gaps_are_refused() {
    for s in common::servers().await {
        let me = login(&s.client, "13900000001", "demo1234").await;
        let batch = push_req(
            "dev-a",
            vec![profile(1, "13911112222"), profile(2, "13911113333")],
        );
        let first = me.push(&batch).await.expect("push");
        assert_eq!(first.last_seq, 2);
        assert_eq!(first.results.len(), 2);
        // The response was "lost": the same batch again changes nothing.
        let again = me.push(&batch).await.expect("replay");
        assert_eq!(again.last_seq, 2);
        assert!(
            again.results.is_empty(),
            "{}: replay applied nothing",
            s.backend
        );
        let n: i64 = sqlx::Row::get(
            &sqlx::query("SELECT COUNT(*) AS n FROM mutation_results WHERE client_id = 'dev-a'")
                .fetch_one(s.db.pool())
                .await
                .expect("count"),
            "n",
        );
        assert_eq!(n, 2);

        // seq 4 before 3: 409 with the expected seq, nothing applied.
        let (code, kind) = status(
            me.push(&push_req("dev-a", vec![profile(4, "13900009999")]))
                .await
                .unwrap_err(),
        );
        assert_eq!((code, kind.as_str()), (409, "seq_gap"));
        let gap = me
            .push(&push_req("dev-a", vec![profile(4, "13900009999")]))
            .await
            .unwrap_err();
        match gap {
            ApiError::Status { body, .. } => assert_eq!(body.expected_seq, Some(3)),
            other => panic!("{other:?}"),
        }
        let ok = me
            .push(&push_req(
                "dev-a",
                vec![profile(3, "13944445555"), profile(4, "13955556666")],
            ))
            .await
            .expect("resend");
        assert_eq!(ok.last_seq, 4);
        let seen = members(&pull_all(&me, "dev-a", 0, 0).await.0);
        assert_eq!(
            seen["m-01"].phone.as_deref(),
            Some("13955556666"),
            "{}",
            s.backend
        );
    }
}

#[tokio::test]
async fn forbidden_and_invalid_mutations_are_rejected_with_reasons() {
    for s in common::servers().await {
        let me = login(&s.client, "13900000001", "demo1234").await;
        let other = Mutation {
            seq: 1,
            id: "m1".into(),
            op: Op::UpdateMember {
                member_id: "m-05".into(),
                patch: MemberPatch {
                    name: Some("改名".into()),
                    ..Default::default()
                },
            },
        };
        let long_phone = Mutation {
            seq: 2,
            id: "m2".into(),
            op: Op::UpdateProfile(ProfilePatch {
                phone: Some(Some("1".repeat(500))),
                workplace: None,
            }),
        };
        let add = Mutation {
            seq: 3,
            id: "m3".into(),
            op: Op::AddMember(NewMember {
                id: "x-1".into(),
                org_id: "no-such-org".into(),
                name: "张三".into(),
                status: MemberStatus::Full,
                mode: ManagementMode::Employed,
                phone: None,
                workplace: None,
            }),
        };
        let r = me
            .push(&push_req("dev-b", vec![other, long_phone, add]))
            .await
            .expect("push");
        assert_eq!(
            r.last_seq, 3,
            "rejections advance the seq, so nothing retries forever"
        );
        let codes: Vec<String> = r
            .results
            .iter()
            .map(|x| match &x.outcome {
                Outcome::Rejected { code, message, .. } => {
                    assert!(!message.is_empty());
                    code.clone()
                }
                Outcome::Ok => "ok".into(),
            })
            .collect();
        assert_eq!(
            codes,
            ["forbidden", "invalid", "not_found"],
            "{}",
            s.backend
        );
        // Nothing was written: m-05 keeps its name, m-01 its phone, no x-1.
        let committee = login(&s.client, "13900000100", "demo1234").await;
        let seen = members(&pull_all(&committee, "dev-c", 0, 0).await.0);
        assert_eq!(seen["m-05"].name, "王丽娟");
        assert_eq!(seen["m-01"].phone.as_deref(), Some("13900000001"));
        assert!(!seen.contains_key("x-1"));
        // Results come back on pull too, for a client whose push response was lost.
        let (_, last) = pull_all(&me, "dev-b", 0, 0).await;
        assert_eq!(last.results.len(), 3);
    }
}

/// A database error in the middle of a batch (here a trigger refusing one
/// phone number) leaves nothing of that mutation, version included, keeps
/// the ones before it, and the device's resend finishes the batch. Run one
/// by one, the third of four fails; read ahead, only the batch's last value
/// of a row reaches the database, so the fourth's fails as the batch's
/// writes are stored, and the batch is run again one by one.
#[tokio::test]
async fn a_database_error_mid_batch_keeps_what_came_before_and_nothing_of_itself() {
    for (backend, url, dir) in common::database_urls().await {
        let s = common::start_state(backend, &url, dir, true, Limits::default(), None, |s| {
            s.push_reads_ahead = false
        })
        .await;
        database_error_at(&s, 3).await;
    }
    for s in common::servers().await {
        database_error_at(&s, 4).await;
    }
}

/// Four phone numbers pushed in one batch, the `at`-th refused by the database.
async fn database_error_at(s: &common::TestServer, at: u64) {
    let phones = ["13911112222", "13911113333", "13900000666", "13955556666"];
    let failing = phones[at as usize - 1];
    let (fail, unfail) = match s.backend {
        "sqlite" => (
            vec![
                "CREATE TRIGGER zj_fail BEFORE UPDATE ON members WHEN NEW.phone = '{failing}' \
             BEGIN SELECT RAISE(ABORT, 'disk trouble'); END",
            ],
            "DROP TRIGGER zj_fail",
        ),
        _ => (
            vec![
                "CREATE FUNCTION zj_fail() RETURNS trigger AS $$ BEGIN \
             IF NEW.phone = '{failing}' THEN RAISE EXCEPTION 'disk trouble'; END IF; \
             RETURN NEW; END $$ LANGUAGE plpgsql",
                "CREATE TRIGGER zj_fail BEFORE UPDATE ON members FOR EACH ROW EXECUTE FUNCTION zj_fail()",
            ],
            "DROP TRIGGER zj_fail ON members",
        ),
    };
    for sql in fail {
        let sql = sql.replace("{failing}", failing);
        sqlx::query(&sql)
            .execute(s.db.pool())
            .await
            .expect("trigger");
    }
    let count = |sql: &'static str| {
        let pool = s.db.pool().clone();
        async move {
            let n: i64 = sqlx::Row::get(&sqlx::query(sql).fetch_one(&pool).await.expect(sql), 0);
            n
        }
    };
    let me = login(&s.client, "13900000001", "demo1234").await;
    let batch = push_req(
        "dev-a",
        (1..=4)
            .map(|i| profile(i, phones[i as usize - 1]))
            .collect(),
    );
    let err = me.push(&batch).await.unwrap_err();
    assert!(status(err).0 >= 500, "{}", s.backend);
    assert_eq!(
        count("SELECT last_seq FROM sync_clients WHERE client_id = 'dev-a'").await,
        at as i64 - 1,
        "{}: the ones before it are committed",
        s.backend
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM mutation_results WHERE client_id = 'dev-a'").await,
        at as i64 - 1,
        "{}",
        s.backend
    );
    let seen = members(&pull_all(&me, "dev-a", 0, 0).await.0);
    assert_eq!(seen["m-01"].phone.as_deref(), Some(phones[at as usize - 2]));

    sqlx::query(unfail)
        .execute(s.db.pool())
        .await
        .expect("drop trigger");
    let ok = me.push(&batch).await.expect("resend");
    assert_eq!(ok.last_seq, 4);
    assert_eq!(
        ok.results.iter().map(|r| r.seq).collect::<Vec<_>>(),
        (at..=4).collect::<Vec<_>>(),
        "{}: replays skipped",
        s.backend
    );
    let seen = members(&pull_all(&me, "dev-a", 0, 0).await.0);
    assert_eq!(seen["m-01"].phone.as_deref(), Some("13955556666"));
}

#[tokio::test]
async fn malformed_batches_are_refused_whole() {
    for s in common::servers().await {
        let token = s
            .client
            .login("13900000001", "demo1234")
            .await
            .expect("login")
            .token;
        let post = |body: serde_json::Value| {
            let (base, token) = (s.base.clone(), token.clone());
            async move {
                let resp = reqwest::Client::new()
                    .post(format!("{base}/api/sync/push"))
                    .bearer_auth(token)
                    .json(&body)
                    .send()
                    .await
                    .expect("send");
                (
                    resp.status().as_u16(),
                    resp.json::<serde_json::Value>().await.unwrap_or_default(),
                )
            }
        };
        let unknown = serde_json::json!({"schema_version": SCHEMA_VERSION, "client_id": "dev-m", "mutations": [{"seq": 1, "op": {"member.delete@1": {}}}]});
        let (code, body) = post(unknown).await;
        assert_eq!(code, 422, "{}: unknown mutation name: {body}", s.backend);

        let wrong_schema =
            serde_json::json!({"schema_version": 999, "client_id": "dev-m", "mutations": []});
        let (code, body) = post(wrong_schema).await;
        assert_eq!(code, 400);
        assert!(
            body["message"]
                .as_str()
                .unwrap_or_default()
                .contains("schema_version"),
            "{body}"
        );

        let many: Vec<serde_json::Value> = (1..=101)
            .map(|i| serde_json::json!({"seq": i, "op": {"profile.update@1": {}}}))
            .collect();
        let (code, _) = post(serde_json::json!({"schema_version": SCHEMA_VERSION, "client_id": "dev-m", "mutations": many})).await;
        assert_eq!(code, 413);

        let bad_client = serde_json::json!({"schema_version": SCHEMA_VERSION, "client_id": "../../etc", "mutations": []});
        assert_eq!(post(bad_client).await.0, 400);

        let unordered = serde_json::json!({"schema_version": SCHEMA_VERSION, "client_id": "dev-m", "mutations": [
            {"seq": 2, "op": {"profile.update@1": {}}}, {"seq": 1, "op": {"profile.update@1": {}}}]});
        assert_eq!(post(unordered).await.0, 400);

        // None of it reached the database.
        let n: i64 = sqlx::Row::get(
            &sqlx::query("SELECT COUNT(*) AS n FROM mutation_results")
                .fetch_one(s.db.pool())
                .await
                .expect("count"),
            "n",
        );
        assert_eq!(n, 0, "{}", s.backend);
    }
}

#[tokio::test]
async fn another_accounts_client_id_is_refused() {
    for s in common::servers().await {
        let a = login(&s.client, "13900000001", "demo1234").await;
        let b = login(&s.client, "13900000002", "demo1234").await;
        a.push(&push_req("dev-shared", vec![profile(1, "13912340000")]))
            .await
            .expect("a claims it");
        let (code, _) = status(
            b.push(&push_req("dev-shared", vec![profile(2, "13912340001")]))
                .await
                .unwrap_err(),
        );
        assert_eq!(code, 403, "{}", s.backend);
        let (code, _) = status(
            b.pull(&PullRequest {
                schema_version: SCHEMA_VERSION,
                client_id: "dev-shared".into(),
                cursor: 0,
                epoch: 0,
                results_after: 0,
            })
            .await
            .unwrap_err(),
        );
        assert_eq!(code, 403);
    }
}

/// `writers` devices add members (batches of 5) through the given servers
/// in turn, while as many pullers pull incrementally, each from one of
/// them; every puller must end with every row, none skipped by commits
/// landing out of order.
async fn writers_and_pullers_skip_nothing(via: &[Client], writers: usize, label: &str) {
    const BATCHES: u64 = 3;
    const PER_BATCH: u64 = 5;
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let before = members(&pull_all(&via[0], "count-before", 0, 0).await.0).len();
    let mut pullers = Vec::new();
    for p in 0..writers {
        let c = via[p % via.len()].clone();
        let done = done.clone();
        pullers.push(tokio::spawn(async move {
            let id = format!("puller-{p}");
            let (mut cursor, mut epoch) = (0, 0);
            let mut seen = BTreeMap::new();
            loop {
                let finished = done.load(std::sync::atomic::Ordering::SeqCst);
                loop {
                    let r = c
                        .pull(&PullRequest {
                            schema_version: SCHEMA_VERSION,
                            client_id: id.clone(),
                            cursor,
                            epoch,
                            results_after: 0,
                        })
                        .await
                        .expect("pull");
                    seen.extend(members(&r.changes));
                    cursor = r.cursor;
                    epoch = r.epoch;
                    if !r.has_more {
                        break;
                    }
                }
                if finished {
                    return seen;
                }
                tokio::time::sleep(std::time::Duration::from_millis(3)).await;
            }
        }));
    }
    let mut tasks = Vec::new();
    for w in 0..writers {
        let c = via[w % via.len()].clone();
        tasks.push(tokio::spawn(async move {
            for b in 0..BATCHES {
                let batch = (1..=PER_BATCH)
                    .map(|i| {
                        let seq = b * PER_BATCH + i;
                        Mutation {
                            seq,
                            id: format!("m{seq}"),
                            op: Op::AddMember(NewMember {
                                id: format!("w{w}-{seq}"),
                                org_id: "fuli".into(),
                                name: format!("党员{w}-{seq}"),
                                status: MemberStatus::Full,
                                mode: ManagementMode::Mobile,
                                phone: None,
                                workplace: None,
                            }),
                        }
                    })
                    .collect();
                let r = c
                    .push(&push_req(&format!("writer-{w}"), batch))
                    .await
                    .expect("push");
                assert!(
                    r.results.iter().all(|r| matches!(r.outcome, Outcome::Ok)),
                    "{:?}",
                    r.results
                );
            }
        }));
    }
    for t in tasks {
        t.await.expect("writer");
    }
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let expected = before + writers * (BATCHES * PER_BATCH) as usize;
    for p in pullers {
        let seen = p.await.expect("puller");
        assert_eq!(seen.len(), expected, "{label}: a puller missed rows");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_and_pullers_skip_nothing() {
    for s in common::servers().await {
        let admin = login(&s.client, "admin", "zhijian-admin").await;
        writers_and_pullers_skip_nothing(&[admin], 8, s.backend).await;
    }
}

/// Two server processes on one PostgreSQL, 8 writers on each, pullers on
/// both: no row skipped, none doubled (docs/sync.md "Writers").
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_with_eight_writers_each_skip_nothing() {
    let Some(admin_url) =
        common::env_or_skip("ZJ_TEST_POSTGRES_URL", "the two-process writers test")
    else {
        return;
    };
    let url = common::fresh_postgres_database(&admin_url).await;
    let a = common::spawn_binary(&url).await;
    let b = common::spawn_binary(&url).await;
    let ca = login(&Client::new(a.base.clone()), "admin", "zhijian-admin").await;
    let cb = ca.with_base(&b.base);
    writers_and_pullers_skip_nothing(&[ca, cb], 16, "two processes").await;
}

/// A database from before transaction-id versions: a device's cursor from
/// the old counter still gets every later write; and after a restore into
/// a cluster whose transaction ids are lower than the stored versions, the
/// server raises the base on start so nothing new lands below a cursor.
#[tokio::test]
async fn versions_stay_above_old_cursors_across_the_upgrade_and_a_restore() {
    use sqlx::migrate::Migrator;
    let Some(admin_url) = common::env_or_skip("ZJ_TEST_POSTGRES_URL", "the version upgrade test")
    else {
        return;
    };
    let url = common::fresh_postgres_database(&admin_url).await;
    sqlx::any::install_default_drivers();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/postgres");
    let mut old = Migrator::new(dir).await.expect("migrations");
    old.migrations = old
        .migrations
        .iter()
        .filter(|m| m.version < 8)
        .cloned()
        .collect::<Vec<_>>()
        .into();
    let pool = sqlx::AnyPool::connect(&url).await.expect("connect");
    old.run(&pool).await.expect("old schema");
    // Far above this cluster's transaction ids: a device synced to here.
    let cursor: u64 = 50_000_000_000;
    sqlx::query("UPDATE sync_state SET version = $1 WHERE id = 1")
        .bind(cursor as i64)
        .execute(&pool)
        .await
        .expect("counter");
    pool.close().await;

    let s = common::start("postgres", &url, None, true).await;
    let admin = login(&s.client, "admin", "zhijian-admin").await;
    let (changes, r) = pull_all(&admin, "dev-old", cursor, 1).await;
    assert!(!r.reset, "an old cursor is not from the future");
    assert!(
        members(&changes).contains_key("m-01"),
        "what was written after the upgrade reaches the old cursor"
    );

    // The restore: stored versions (and cursors) far above base + ids.
    let high: i64 = 90_000_000_000;
    sqlx::query("UPDATE members SET version = $1 WHERE id = 'm-01'")
        .bind(high)
        .execute(s.db.pool())
        .await
        .expect("restore");
    sqlx::query("UPDATE sync_state SET version_base = 0 WHERE id = 1")
        .execute(s.db.pool())
        .await
        .expect("restore");
    zhijian_server::Db::connect(&url)
        .await
        .expect("restart")
        .close()
        .await;
    let r = admin
        .push(&push_req("dev-new", vec![profile_of(1, "m-02")]))
        .await
        .expect("push");
    assert!(
        matches!(r.results[0].outcome, Outcome::Ok),
        "{:?}",
        r.results
    );
    let (changes, r) = pull_all(&admin, "dev-old", high as u64, 1).await;
    assert!(
        !r.reset,
        "a cursor at the highest stored version is not from the future"
    );
    assert_eq!(
        members(&changes)
            .get("m-02")
            .and_then(|m| m.workplace.as_deref()),
        Some("恢复之后"),
        "a write after the restore lands above every stored version"
    );
    let (fresh, _) = pull_all(&admin, "dev-fresh", 0, 0).await;
    assert!(
        members(&fresh).contains_key("m-01"),
        "a first sync gets the rows at the highest stored versions"
    );
}

fn profile_of(seq: u64, member_id: &str) -> Mutation {
    Mutation {
        seq,
        id: format!("m{seq}"),
        op: Op::UpdateMember {
            member_id: member_id.into(),
            patch: MemberPatch {
                workplace: Some(Some("恢复之后".into())),
                ..Default::default()
            },
        },
    }
}

/// Two real server processes on one PostgreSQL; a client alternates between
/// them and ends with the same state as a fresh pull from either.
#[tokio::test]
async fn two_server_processes_share_only_the_database() {
    let Some(admin_url) = common::env_or_skip("ZJ_TEST_POSTGRES_URL", "the two-process test")
    else {
        return;
    };
    let url = common::fresh_postgres_database(&admin_url).await;
    let a = common::spawn_binary(&url).await;
    let b = common::spawn_binary(&url).await;
    let ca = login(&Client::new(a.base.clone()), "13900000002", "demo1234").await;
    let cb = ca.with_base(&b.base);
    for i in 1..=20u64 {
        let via = if i % 2 == 0 { &ca } else { &cb };
        let m = Mutation {
            seq: i,
            id: format!("m{i}"),
            op: Op::UpdateMember {
                member_id: "m-03".into(),
                patch: MemberPatch {
                    workplace: Some(Some(format!("单位{i}"))),
                    ..Default::default()
                },
            },
        };
        let r = via.push(&push_req("dev-two", vec![m])).await.expect("push");
        assert_eq!(r.last_seq, i);
    }
    let from_a = members(&pull_all(&ca, "dev-two", 0, 0).await.0);
    let from_b = members(&pull_all(&cb, "dev-two", 0, 0).await.0);
    assert_eq!(from_a, from_b);
    assert_eq!(from_a["m-03"].workplace.as_deref(), Some("单位20"));
}

/// Issue #11 item 8: numbering that went back on either side.
#[tokio::test]
async fn numbering_that_went_back_resumes_without_losing_or_doubling() {
    for s in common::servers().await {
        let me = login(&s.client, "13900000001", "demo1234").await;
        let phone = |changes: &[Change]| members(changes).get("m-01").and_then(|m| m.phone.clone());

        // The server is restored from a backup taken after seq 1: it forgets
        // seqs 2 and 3, which the device has already dropped as processed.
        let first = me
            .push(&push_req(
                "dev-r",
                vec![
                    profile(1, "13900000011"),
                    profile(2, "13900000012"),
                    profile(3, "13900000013"),
                ],
            ))
            .await
            .expect("push");
        assert_eq!(first.last_seq, 3);
        sqlx::query("UPDATE sync_clients SET last_seq = 1 WHERE client_id = 'dev-r'")
            .execute(s.db.pool())
            .await
            .expect("restore");
        sqlx::query("DELETE FROM mutation_results WHERE client_id = 'dev-r' AND seq > 1")
            .execute(s.db.pool())
            .await
            .expect("restore");
        // The device's next change is seq 4: a gap for this server…
        let next = push_req("dev-r", vec![profile(4, "13900000014")]);
        let gap = me.push(&next).await.unwrap_err();
        match gap {
            ApiError::Status { status, body } => {
                assert_eq!(
                    (status, body.code.as_str()),
                    (409, "seq_gap"),
                    "{}",
                    s.backend
                );
                assert_eq!(body.expected_seq, Some(2));
            }
            other => panic!("{other:?}"),
        }
        // …which it resumes past: applied once, then a replay changes nothing.
        let resumed = PushRequest {
            resume: true,
            ..next.clone()
        };
        let r = me.push(&resumed).await.expect("resume");
        assert_eq!((r.last_seq, r.results.len()), (4, 1), "{}", s.backend);
        let again = me.push(&resumed).await.expect("replay");
        assert!(again.results.is_empty(), "{}: nothing doubled", s.backend);
        let (changes, _) = pull_all(&me, "dev-r", 0, 0).await;
        assert_eq!(phone(&changes).as_deref(), Some("13900000014"));
        // Resuming never moves a server's numbering back.
        let stale = PushRequest {
            resume: true,
            ..push_req("dev-r", vec![profile(3, "13900000099")])
        };
        assert_eq!(me.push(&stale).await.expect("stale").last_seq, 4);

        // The device's storage is restored instead: it reuses seq 2 for a
        // change the server has not seen. A replay of the real seq 2 is
        // recognised by its id and skipped; the new one must move on.
        let dev = "dev-s";
        me.push(&push_req(
            dev,
            vec![profile(1, "13900000021"), profile(2, "13900000022")],
        ))
        .await
        .expect("push");
        let replay = me
            .push(&push_req(dev, vec![profile(2, "13900000022")]))
            .await
            .expect("replay of the same mutation");
        assert!(replay.results.is_empty());
        let reused = Mutation {
            id: "restored-2".into(),
            ..profile(2, "13900000023")
        };
        match me
            .push(&push_req(dev, vec![reused.clone()]))
            .await
            .unwrap_err()
        {
            ApiError::Status { status, body } => {
                assert_eq!(
                    (status, body.code.as_str()),
                    (409, "seq_reused"),
                    "{}",
                    s.backend
                );
                assert_eq!(body.expected_seq, Some(3));
            }
            other => panic!("{other:?}"),
        }
        // Renumbered as the client does (id kept): applied.
        let moved = Mutation { seq: 3, ..reused };
        let r = me
            .push(&push_req(dev, vec![moved]))
            .await
            .expect("renumbered");
        assert_eq!((r.last_seq, r.results.len()), (3, 1));
        let (changes, _) = pull_all(&me, dev, 0, 0).await;
        assert_eq!(phone(&changes).as_deref(), Some("13900000023"));

        // Ids are checked before anything is read.
        let bad = Mutation {
            id: "Not An Id".into(),
            ..profile(4, "13900000024")
        };
        assert_eq!(
            status(me.push(&push_req(dev, vec![bad])).await.unwrap_err()).0,
            400
        );
    }
}

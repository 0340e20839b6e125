//! Test harness: a real server on a loopback port over a real database,
//! once per backend (SQLite always; PostgreSQL when ZJ_TEST_POSTGRES_URL is set).

#![allow(dead_code)]

use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::Executor;
use std::collections::BTreeMap;
use tokio::net::TcpListener;
use zhijian_client::Client;

use zhijian_domain::doc::Doc;
use zhijian_domain::sync::{
    Change, Mutation, Outcome, PullRequest, PullResponse, PushRequest, PushResponse, SCHEMA_VERSION,
};
use zhijian_domain::{Op, RoleKind};
use zhijian_server::{AppState, Db, Limits};

pub struct TestServer {
    pub client: Client,
    pub base: String,
    pub db: Db,
    pub backend: &'static str,
    /// Where this server keeps uploaded media.
    pub media_dir: std::path::PathBuf,
    pub state: AppState,
    _dir: Option<tempfile::TempDir>,
    _media: tempfile::TempDir,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// The database URLs to run a test against. With ZJ_REQUIRE_POSTGRES=1 (as
/// `cargo xtask test` sets) a missing PostgreSQL is a failure, not a skip.
pub async fn database_urls() -> Vec<(&'static str, String, Option<tempfile::TempDir>)> {
    let dir = tempfile::tempdir().expect("tempdir");
    let sqlite = Db::sqlite_url(dir.path()).expect("sqlite url");
    let mut urls = vec![("sqlite", sqlite, Some(dir))];
    match std::env::var("ZJ_TEST_POSTGRES_URL") {
        Ok(admin) => urls.push(("postgres", fresh_postgres_database(&admin).await, None)),
        Err(_) if std::env::var("ZJ_REQUIRE_POSTGRES").as_deref() == Ok("1") => {
            panic!("ZJ_REQUIRE_POSTGRES=1 but ZJ_TEST_POSTGRES_URL is not set")
        }
        Err(_) => eprintln!("note: ZJ_TEST_POSTGRES_URL not set; PostgreSQL not tested here"),
    }
    urls
}

/// A database at `url` with `backend`'s migrations below `version` run:
/// the schema an earlier release left.
pub async fn schema_before(backend: &str, url: &str, version: i64) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(backend);
    let mut old = sqlx::migrate::Migrator::new(dir).await.expect("migrations");
    old.migrations = old
        .migrations
        .iter()
        .filter(|m| m.version < version)
        .cloned()
        .collect::<Vec<_>>()
        .into();
    let pool = sqlx::AnyPool::connect(url).await.expect("connect");
    old.run(&pool).await.expect("old schema");
    pool
}

/// An environment variable a test needs, or None: the test then skips,
/// unless ZJ_REQUIRE_POSTGRES=1 (as `cargo xtask test` sets) makes it fail.
pub fn env_or_skip(var: &str, what: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => Some(v),
        _ => {
            assert_ne!(
                std::env::var("ZJ_REQUIRE_POSTGRES").as_deref(),
                Ok("1"),
                "{var} must be set under `cargo xtask test`"
            );
            eprintln!("note: {var} not set; skipping {what}");
            None
        }
    }
}

pub async fn fresh_postgres_database(admin_url: &str) -> String {
    sqlx::any::install_default_drivers();
    let name = format!(
        "zj_test_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0)
    );
    let admin = sqlx::AnyPool::connect(admin_url)
        .await
        .expect("connect to PostgreSQL");
    admin
        .execute(format!("CREATE DATABASE {name}").as_str())
        .await
        .expect("create database");
    admin.close().await;
    let (base, _) = admin_url.rsplit_once('/').expect("URL with a database");
    format!("{base}/{name}")
}

pub async fn start(
    backend: &'static str,
    url: &str,
    dir: Option<tempfile::TempDir>,
    demo: bool,
) -> TestServer {
    start_with(backend, url, dir, demo, Limits::default(), None).await
}

/// A server with its own limits and, optionally, an app folder to serve.
pub async fn start_with(
    backend: &'static str,
    url: &str,
    dir: Option<tempfile::TempDir>,
    demo: bool,
    limits: Limits,
    dist: Option<std::path::PathBuf>,
) -> TestServer {
    start_state(backend, url, dir, demo, limits, dist, |_| {}).await
}

/// `start_with`, the server's state first changed by `configure`.
pub async fn start_state(
    backend: &'static str,
    url: &str,
    dir: Option<tempfile::TempDir>,
    demo: bool,
    limits: Limits,
    dist: Option<std::path::PathBuf>,
    configure: impl FnOnce(&mut AppState),
) -> TestServer {
    let db = Db::connect(url).await.expect("connect and migrate");
    if demo {
        zhijian_server::demo::seed_if_empty(&db)
            .await
            .expect("seed");
    }
    let media = tempfile::tempdir().expect("media dir");
    let media_dir = media.path().join("media");
    let mut state = AppState::new(db.clone(), limits, media_dir.clone());
    configure(&mut state);
    let served = state.clone();
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let task = tokio::spawn(async move {
        zhijian_server::serve_on(listener, served, dist, std::future::pending())
            .await
            .expect("serve");
    });
    TestServer {
        client: Client::new(base.clone()),
        base,
        db,
        backend,
        media_dir,
        state,
        _dir: dir,
        _media: media,
        task,
    }
}

/// One server per backend, with the demo data.
pub async fn servers() -> Vec<TestServer> {
    let mut out = Vec::new();
    for (backend, url, dir) in database_urls().await {
        out.push(start(backend, &url, dir, true).await);
    }
    out
}

pub use process::Process as Spawned;

/// Starts the real `zhijian-server` binary on a free port over `url`.
pub async fn spawn_binary(url: &str) -> Spawned {
    spawn_binary_with(url, &[]).await
}

/// `spawn_binary` with more environment.
pub async fn spawn_binary_with(url: &str, env: &[(&str, &str)]) -> Spawned {
    Spawned::start(env!("CARGO_BIN_EXE_zhijian-server"), url, env)
        .await
        .expect("spawn server")
}

/// Signs in and returns a client carrying the token.
pub async fn login(c: &Client, login: &str, password: &str) -> Client {
    let r = c.login(login, password).await.expect("sign in");
    c.with_token(r.token)
}

/// Pulls every page from `cursor`, returning the changes and the final response.
pub async fn pull_all(
    c: &Client,
    client_id: &str,
    mut cursor: u64,
    mut epoch: u64,
) -> (Vec<Change>, PullResponse) {
    let mut all = Vec::new();
    loop {
        let r = c
            .pull(&PullRequest {
                schema_version: SCHEMA_VERSION,
                client_id: client_id.into(),
                cursor,
                epoch,
                results_after: 0,
            })
            .await
            .expect("pull");
        all.extend(r.changes.iter().cloned());
        cursor = r.cursor;
        epoch = r.epoch;
        if !r.has_more {
            return (all, r);
        }
    }
}

/// Pushes `ops` as (seq, op) from `client_id`.
pub async fn push(c: &Client, client_id: &str, ops: Vec<(u64, Op)>) -> PushResponse {
    c.push(&PushRequest {
        schema_version: SCHEMA_VERSION,
        client_id: client_id.into(),
        mutations: ops
            .into_iter()
            .map(|(seq, op)| Mutation {
                seq,
                id: format!("m{seq}"),
                op,
            })
            .collect(),
        resume: false,
    })
    .await
    .expect("push")
}

/// The refusal of mutation `seq`, if it was refused.
pub fn rejection(r: &PushResponse, seq: u64) -> Option<String> {
    r.results
        .iter()
        .find(|x| x.seq == seq)
        .and_then(|x| match &x.outcome {
            Outcome::Ok => None,
            Outcome::Rejected { message, .. } => Some(message.clone()),
        })
}

/// Every document the account sees, by id.
pub async fn docs(c: &Client, client_id: &str) -> BTreeMap<String, Doc> {
    let (changes, _) = pull_all(c, client_id, 0, 0).await;
    changes
        .into_iter()
        .filter_map(|ch| match ch {
            Change::Doc { doc, .. } => Some((doc.id().to_owned(), doc)),
            _ => None,
        })
        .collect()
}

/// Signs in a fresh account with `roles` (and a member record, if given).
pub async fn account(
    s: &TestServer,
    login_name: &str,
    member: Option<&str>,
    roles: &[(RoleKind, Option<&str>)],
) -> Client {
    zhijian_server::auth::create_account(
        &s.db,
        &format!("acc-{login_name}"),
        login_name,
        "pass-1234",
        login_name,
        member,
        roles,
    )
    .await
    .expect("account");
    login(&s.client, login_name, "pass-1234").await
}

/// A member's phone in tests: a P-256 key from `seed`, as WebCrypto makes.
pub mod faults;
pub mod process;

pub mod phone {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use p256::ecdsa::signature::Signer;
    use p256::ecdsa::{Signature, SigningKey};
    use zhijian_domain::member_code::{MemberCode, MemberProof};

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_slice(&[seed; 32]).expect("a valid scalar")
    }

    /// The public key the phone registers.
    pub fn public_key(seed: u8) -> String {
        URL_SAFE_NO_PAD.encode(key(seed).verifying_key().to_encoded_point(false).as_bytes())
    }

    /// The code the phone shows at `at`.
    pub fn code(seed: u8, member_id: &str, at: i64) -> String {
        let window = MemberCode::window_at(at);
        let sig: Signature = key(seed).sign(MemberCode::message(member_id, window).as_bytes());
        MemberCode::text(member_id, window, &sig.to_bytes())
    }

    pub fn proof(seed: u8, member_id: &str, at: i64, session: &str) -> MemberProof {
        MemberProof {
            code: code(seed, member_id, at),
            session: session.into(),
            grant: None,
        }
    }
}

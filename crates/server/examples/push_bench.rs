//! Server throughput, run by `cargo xtask bench`: numbers, never assertions.
//!
//! For each database (SQLite in a temp dir; PostgreSQL when a URL is given),
//! a round to warm up and `ROUNDS` rounds, each refreshing statistics
//! (ANALYZE) first, of:
//! - push: N member.add mutations through HTTP in batches of 100, one client;
//!   baseline: the same rows inserted directly, one transaction each.
//! - ledger: N credit.award mutations (an entry and a wallet each) through
//!   HTTP in batches of 100: to 8 members (500 each: every batch rewrites
//!   the same wallet rows), and to the round's N new members (one each: a
//!   new wallet each). A batch of each of the three kinds in turn, each
//!   kind's time summed: ratios between kinds within a round.
//! - pull, once: an initial sync of every member row through HTTP, 500 per
//!   page.
//! - devices (with ZJ_BENCH_SERVER_BIN, the release server binary): 8
//!   devices pushing member.add at once in batches of 100, against 1 and 2
//!   server processes on one PostgreSQL (and 1 on SQLite), with the CPU each
//!   part used: the bench, the servers and PostgreSQL share this machine.

use std::time::Instant;

use sqlx::Executor;
use tokio::net::TcpListener;
use zhijian_client::Client;
use zhijian_domain::credit_ops::Award;
use zhijian_domain::mutation::NewMember;
use zhijian_domain::sync::{Mutation, PullRequest, PushRequest, SCHEMA_VERSION};
use zhijian_domain::{ManagementMode, MemberStatus, Op};
use zhijian_server::{AppState, Db};

const N: u64 = 4000;

/// Rounds of each measurement: the figures are medians over them, each
/// ratio taken within a round (a second's work; this machine's speed drifts
/// by half between seconds).
const ROUNDS: u64 = 5;

/// The `seq`th member.add of round `round`.
fn add(round: u64, seq: u64) -> Mutation {
    Mutation {
        seq,
        id: format!("m{seq}"),
        op: Op::AddMember(NewMember {
            id: format!("b{round}-{seq}"),
            org_id: "fuli".into(),
            name: format!("党员{seq}"),
            status: MemberStatus::Full,
            mode: ManagementMode::Mobile,
            phone: None,
            workplace: None,
        }),
    }
}

/// A credit award to one of 8 demo members: every batch rewrites the same
/// wallets.
fn award(round: u64, seq: u64) -> Mutation {
    Mutation {
        seq,
        id: format!("m{seq}"),
        op: Op::AwardCredits(Award {
            id: format!("bench-award-{round}-{seq}"),
            member_id: format!("m-0{}", 1 + seq % 8),
            amount: 1 + (seq % 20) as i64,
            reason: "压测：志愿服务补录".into(),
        }),
    }
}

/// A credit award to one of the members the round added (the batch of
/// member.add just before), a different member each: a station awarding its
/// volunteers (a new wallet each).
fn award_spread(round: u64, seq: u64) -> Mutation {
    let mut m = award(round, seq);
    if let Op::AwardCredits(a) = &mut m.op {
        a.id = format!("bench-spread-{round}-{seq}");
        a.member_id = format!("b{round}-{seq}");
    }
    m
}

/// The `seq`th mutation of a kind in a round.
type Make = fn(u64, u64) -> Mutation;

/// The three kinds of push measured, each by its own client.
const KINDS: [(&str, Make); 3] = [
    ("bench", add),
    ("bench-ledger", award),
    ("bench-ledger-spread", award_spread),
];

/// Pushes `N` mutations of each of `KINDS` in batches of 100, one batch of
/// each in turn (so that each kind meets the machine as the others do: its
/// speed drifts by half within seconds); mutations a second of each.
async fn push_round(c: &Client, round: u64) -> Result<[f64; 3], Box<dyn std::error::Error>> {
    let mut secs = [0.0; 3];
    let mut seq = 1;
    while seq <= N {
        let end = (seq + 100).min(N + 1);
        for ((client_id, make), s) in KINDS.iter().zip(&mut secs) {
            let t = Instant::now();
            c.push(&PushRequest {
                schema_version: SCHEMA_VERSION,
                client_id: format!("{client_id}-{round}"),
                mutations: (seq..end).map(|i| make(round, i)).collect(),
                resume: false,
            })
            .await?;
            *s += t.elapsed().as_secs_f64();
        }
        seq = end;
    }
    Ok(secs.map(|s| N as f64 / s))
}

/// `N` members inserted directly, one transaction each: mutations a second.
async fn raw_inserts(db: &Db, round: u64) -> Result<f64, Box<dyn std::error::Error>> {
    let t = Instant::now();
    for i in 0..N {
        let mut tx = db.pool().begin().await?;
        tx.execute(
            sqlx::query("INSERT INTO members (id, org_id, name, status, mode, version) VALUES ($1, 'fuli', $2, 'full', 'mobile', 1)")
                .bind(format!("raw{round}-{i}"))
                .bind(format!("党员{i}")),
        )
        .await?;
        tx.commit().await?;
    }
    Ok(N as f64 / t.elapsed().as_secs_f64())
}

async fn analyze(db: &Db) -> Result<(), Box<dyn std::error::Error>> {
    if db.backend() == zhijian_server::db::Backend::Postgres {
        db.pool().execute("ANALYZE").await?;
    }
    Ok(())
}

/// One round's rates, mutations a second.
struct Round {
    push: f64,
    raw: f64,
    ledger: f64,
    spread: f64,
}

/// "median (min–max)" of `f` over the rounds, with `digits` decimals.
fn median_range(rounds: &[Round], f: impl Fn(&Round) -> f64, digits: usize) -> String {
    let mut s: Vec<f64> = rounds.iter().map(f).collect();
    s.sort_by(f64::total_cmp);
    let (lo, mid, hi) = (s[0], s[s.len() / 2], s[s.len() - 1]);
    format!("{mid:.digits$} ({lo:.digits$}–{hi:.digits$})")
}

async fn bench(label: &str, url: &str) -> Result<(), Box<dyn std::error::Error>> {
    let db = Db::connect(url).await?;
    zhijian_server::demo::seed_if_empty(&db).await?;
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let media = std::env::temp_dir().join("zhijian-bench-media");
    let state = AppState::new(db.clone(), zhijian_server::Limits::default(), media);
    tokio::spawn(zhijian_server::serve_on(
        listener,
        state,
        None,
        std::future::pending(),
    ));
    let client = Client::new(base);
    let token = client.login("admin", "zhijian-admin").await?.token;
    let admin = client.with_token(token);

    let mut rounds = Vec::new();
    // Round 0 warms up (the server's prepared statements, the tables past
    // the demo's few rows) and is not counted.
    for round in 0..=ROUNDS {
        // The statistics autovacuum keeps on a database this size (here it
        // grows by thousands of rows a second, faster than autovacuum
        // looks): PostgreSQL replans the server's prepared statements with
        // them. Without, a lookup of 100 members by id read the whole table.
        analyze(&db).await?;
        let [push, ledger, spread] = push_round(&admin, round).await?;
        let raw = raw_inserts(&db, round).await?;
        if round == 0 {
            pull(label, &admin).await?;
            continue;
        }
        rounds.push(Round {
            push,
            raw,
            ledger,
            spread,
        });
    }
    let m = |f: fn(&Round) -> f64, digits| median_range(&rounds, f, digits);
    println!("{label:<9} {ROUNDS} rounds of {N} mutations in batches of 100; median (min–max)");
    println!(
        "{label:<9} push member.add: {}/s  (raw one-row inserts {}/s; push to raw in the round: {}×)",
        m(|r| r.push, 0),
        m(|r| r.raw, 0),
        m(|r| r.push / r.raw, 2)
    );
    println!(
        "{label:<9} ledger, awards to 8 members: {}/s  (to member.add in the round: {}×)",
        m(|r| r.ledger, 0),
        m(|r| r.ledger / r.push, 2)
    );
    println!(
        "{label:<9} ledger, awards to {N} members: {}/s  (to member.add in the round: {}×)",
        m(|r| r.spread, 0),
        m(|r| r.spread / r.push, 2)
    );
    db.close().await;
    Ok(())
}

/// An initial sync of every member row through HTTP, 500 per page.
async fn pull(label: &str, admin: &Client) -> Result<(), Box<dyn std::error::Error>> {
    let t = Instant::now();
    let (mut cursor, mut epoch, mut rows) = (0, 0, 0usize);
    loop {
        let r = admin
            .pull(&PullRequest {
                schema_version: SCHEMA_VERSION,
                client_id: "bench-pull".into(),
                cursor,
                epoch,
                results_after: 0,
            })
            .await?;
        rows += r.changes.len();
        cursor = r.cursor;
        epoch = r.epoch;
        if !r.has_more {
            break;
        }
    }
    let pull_s = t.elapsed().as_secs_f64();
    println!(
        "{label:<9} pull  {rows} rows (initial sync): {:>8.0} rows/s, {:.2} s",
        rows as f64 / pull_s,
        pull_s
    );
    Ok(())
}

const DEVICES: u64 = 8;
const PER_DEVICE: u64 = 1000;

/// A real server process (the release binary), killed on drop.
#[path = "../tests/common/process.rs"]
mod process;

/// CPU seconds used so far by the processes whose command name is `comm`
/// (or by `pid`), from /proc (clock ticks of 1/100 s).
fn cpu_seconds(filter: impl Fn(u32, &str) -> bool) -> f64 {
    let mut ticks = 0u64;
    if let Ok(dir) = std::fs::read_dir("/proc") {
        for e in dir.flatten() {
            let Some(pid) = e.file_name().to_str().and_then(|p| p.parse::<u32>().ok()) else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                continue;
            };
            let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
                continue;
            };
            if !filter(pid, &stat[open + 1..close]) {
                continue;
            }
            let rest: Vec<&str> = stat[close + 2..].split(' ').collect();
            // Fields 14 and 15 of stat (utime, stime) are 11 and 12 after the name.
            let field = |i: usize| rest.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
            ticks += field(11) + field(12);
        }
    }
    ticks as f64 / 100.0
}

/// `DEVICES` devices pushing member.add at once, in batches of 100, each
/// through one of `bases` in turn; mutations per second and CPU cores used.
async fn devices(
    label: &str,
    url: &str,
    bin: &str,
    processes: usize,
    run: u32,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut servers = Vec::new();
    for _ in 0..processes {
        servers.push(process::Process::start(bin, url, &[]).await?);
    }
    let pids: Vec<u32> = servers.iter().filter_map(|s| s.child.id()).collect();
    let admin = {
        let c = Client::new(servers[0].base.clone());
        let token = c.login("admin", "zhijian-admin").await?.token;
        c.with_token(token)
    };
    let me = std::process::id();
    let cpu = |pids: &[u32]| {
        (
            cpu_seconds(|pid, _| pids.contains(&pid)),
            cpu_seconds(|_, comm| comm == "postgres"),
            cpu_seconds(|pid, _| pid == me),
        )
    };
    let (s0, p0, b0) = cpu(&pids);
    let t = Instant::now();
    let mut tasks = Vec::new();
    for d in 0..DEVICES {
        let c = admin.with_base(&servers[d as usize % processes].base);
        tasks.push(tokio::spawn(async move {
            let mut seq = 1;
            while seq <= PER_DEVICE {
                let batch: Vec<Mutation> = (seq..(seq + 100).min(PER_DEVICE + 1))
                    .map(|i| {
                        let mut m = add(0, i);
                        if let Op::AddMember(n) = &mut m.op {
                            n.id = format!("r{run}-d{d}-{i}");
                        }
                        m
                    })
                    .collect();
                seq += batch.len() as u64;
                c.push(&PushRequest {
                    schema_version: SCHEMA_VERSION,
                    client_id: format!("r{run}-device-{d}"),
                    mutations: batch,
                    resume: false,
                })
                .await?;
            }
            Ok::<(), zhijian_client::ApiError>(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    let secs = t.elapsed().as_secs_f64();
    let (s1, p1, b1) = cpu(&pids);
    let rate = (DEVICES * PER_DEVICE) as f64 / secs;
    println!(
        "{label:<9} {DEVICES} devices, {processes} server process{}: {rate:>8.0}/s  \
         (CPU cores used: servers {:.2}, PostgreSQL {:.2}, bench {:.2}; of {} on this machine)",
        if processes == 1 { "" } else { "es" },
        (s1 - s0) / secs,
        (p1 - p0) / secs,
        (b1 - b0) / secs,
        std::thread::available_parallelism().map_or(0, |n| n.get()),
    );
    Ok(())
}

/// A new database on the cluster of `admin_url`, for one measurement.
async fn fresh_database(admin_url: &str, name: &str) -> Result<String, Box<dyn std::error::Error>> {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(admin_url).await?;
    pool.execute(format!("DROP DATABASE IF EXISTS {name}").as_str())
        .await?;
    pool.execute(format!("CREATE DATABASE {name}").as_str())
        .await?;
    pool.close().await;
    let (prefix, _) = admin_url
        .rsplit_once('/')
        .ok_or("database URL without a name")?;
    Ok(format!("{prefix}/{name}"))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    bench("sqlite", &Db::sqlite_url(dir.path())?).await?;
    let pg = std::env::args().nth(1);
    if let Some(url) = &pg {
        bench("postgres", url).await?;
    }
    let Ok(bin) = std::env::var("ZJ_BENCH_SERVER_BIN") else {
        println!("(ZJ_BENCH_SERVER_BIN not set: no measurement with several devices)");
        return Ok(());
    };
    let lite = tempfile::tempdir()?;
    devices("sqlite", &Db::sqlite_url(lite.path())?, &bin, 1, 0).await?;
    if let Some(url) = &pg {
        for processes in [1, 2] {
            let db = fresh_database(url, &format!("zj_bench_devices_{processes}")).await?;
            devices("postgres", &db, &bin, processes, 0).await?;
        }
    }
    Ok(())
}

//! Server throughput, run by `cargo xtask bench`: numbers, never assertions.
//!
//! For each database (SQLite in a temp dir; PostgreSQL when a URL is given):
//! - push: N member.add mutations through HTTP in batches of 100, one client;
//!   baseline: the same rows inserted directly, one transaction each.
//! - pull: an initial sync of every member row through HTTP, 500 per page.
//! - ledger: N credit.award mutations (entry + wallet in one transaction)
//!   through HTTP in batches of 100, against the push of member.add.

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

fn add(seq: u64) -> Mutation {
    Mutation {
        seq,
        id: format!("m{seq}"),
        op: Op::AddMember(NewMember {
            id: format!("b-{seq}"),
            org_id: "fuli".into(),
            name: format!("党员{seq}"),
            status: MemberStatus::Full,
            mode: ManagementMode::Mobile,
            phone: None,
            workplace: None,
        }),
    }
}

fn award(seq: u64) -> Mutation {
    Mutation {
        seq,
        id: format!("m{seq}"),
        op: Op::AwardCredits(Award {
            id: format!("bench-award-{seq}"),
            member_id: format!("m-0{}", 1 + seq % 8),
            amount: 1 + (seq % 20) as i64,
            reason: "压测：志愿服务补录".into(),
        }),
    }
}

/// Pushes `n` mutations made by `make` in batches of 100; seconds taken.
async fn push_all(
    c: &Client,
    client_id: &str,
    make: fn(u64) -> Mutation,
) -> Result<f64, Box<dyn std::error::Error>> {
    let t = Instant::now();
    let mut seq = 1;
    while seq <= N {
        let batch: Vec<Mutation> = (seq..(seq + 100).min(N + 1)).map(make).collect();
        seq += batch.len() as u64;
        c.push(&PushRequest {
            schema_version: SCHEMA_VERSION,
            client_id: client_id.into(),
            mutations: batch,
            resume: false,
        })
        .await?;
    }
    Ok(t.elapsed().as_secs_f64())
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

    let push_s = push_all(&admin, "bench", add).await?;

    let t = Instant::now();
    for i in 0..N {
        let mut tx = db.pool().begin().await?;
        tx.execute(
            sqlx::query("INSERT INTO members (id, org_id, name, status, mode, version) VALUES ($1, 'fuli', $2, 'full', 'mobile', 1)")
                .bind(format!("raw-{i}"))
                .bind(format!("党员{i}")),
        )
        .await?;
        tx.commit().await?;
    }
    let raw_s = t.elapsed().as_secs_f64();

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

    let push_rate = N as f64 / push_s;
    let raw_rate = N as f64 / raw_s;
    println!(
        "{label:<9} push  {N} mutations: {push_rate:>8.0}/s  (raw insert baseline {raw_rate:>8.0}/s, ratio {:.2})",
        push_rate / raw_rate
    );
    println!(
        "{label:<9} pull  {rows} rows (initial sync): {:>8.0} rows/s, {:.2} s",
        rows as f64 / pull_s,
        pull_s
    );
    let ledger_s = push_all(&admin, "bench-ledger", award).await?;
    let ledger_rate = N as f64 / ledger_s;
    println!(
        "{label:<9} ledger {N} credit awards: {ledger_rate:>8.0}/s  (ratio to member.add push {:.2})",
        ledger_rate / push_rate
    );
    db.close().await;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    bench("sqlite", &Db::sqlite_url(dir.path())?).await?;
    if let Some(url) = std::env::args().nth(1) {
        bench("postgres", &url).await?;
    }
    Ok(())
}

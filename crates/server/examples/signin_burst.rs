//! Memory under a burst of wrong sign-ins, run by `cargo xtask bench`:
//! numbers, never assertions. The server runs in this process on SQLite with
//! the default limits; 200 parallel sign-ins with wrong passwords for
//! different logins (so per-login throttling does not hide the hashing).
//! Peak and resident memory come from /proc/self/status (Linux).

use std::time::{Duration, Instant};

use tokio::net::TcpListener;
use zhijian_client::{ApiError, Client};
use zhijian_server::{AppState, Db, Limits};

const BURST: usize = 200;

/// (VmHWM, VmRSS) in MiB.
fn memory() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(f64::NAN, |kb| kb / 1024.0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

/// Resets the peak (VmHWM) to the current resident size.
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let db = Db::connect(&Db::sqlite_url(dir.path())?).await?;
    zhijian_server::demo::seed_if_empty(&db).await?;
    let limits = Limits {
        // Per-address throttling would turn most of the burst into 429s
        // before any hash: measure the hashing itself.
        signin_free_per_address: 10_000,
        ..Limits::default()
    };
    let slots = limits.hash_slots();
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let client = Client::new(format!("http://{}", listener.local_addr()?));
    tokio::spawn(zhijian_server::serve_on(
        listener,
        AppState::new(db, limits, std::env::temp_dir().join("zhijian-burst-media")),
        None,
        std::future::pending(),
    ));
    client.health().await?;
    let (_, baseline) = memory();
    reset_peak();

    let t = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..BURST {
        let c = client.clone();
        tasks.push(tokio::spawn(async move {
            match c.login(&format!("1370000{i:04}"), "wrong password").await {
                Ok(_) => 200,
                Err(ApiError::Status { status, .. }) => status,
                Err(_) => 0,
            }
        }));
    }
    let mut health_worst = Duration::ZERO;
    while !tasks.iter().all(|t| t.is_finished()) {
        let h = Instant::now();
        client.health().await?;
        health_worst = health_worst.max(h.elapsed());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut by_status = std::collections::BTreeMap::new();
    for task in tasks {
        *by_status.entry(task.await?).or_insert(0) += 1;
    }
    let took = t.elapsed();
    let (peak, during) = memory();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (_, after) = memory();
    println!("sign-in burst: {BURST} parallel wrong passwords, {slots} hash slots, SQLite");
    println!(
        "  answers        {by_status:?} in {:.1} s",
        took.as_secs_f64()
    );
    println!(
        "  /api/health    slowest {:.0} ms during the burst",
        health_worst.as_secs_f64() * 1000.0
    );
    println!(
        "  memory (MiB)   before {baseline:.0}   peak {peak:.0} (target ≤ 1024)   at the end {during:.0}   2 s later {after:.0}"
    );
    Ok(())
}

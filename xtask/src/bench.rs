//! `cargo xtask bench`: numbers, never assertions.

use std::path::Path;

use crate::build;
use crate::pg::Postgres;
use crate::tools;
use crate::util::{Result, cargo, run, step};

/// The first-load budget from the foundation issue.
const FIRST_LOAD_BUDGET_BR: u64 = 200 * 1024;

struct Sizes {
    raw: u64,
    gzip: u64,
    brotli: u64,
}

fn sizes(path: &Path) -> Result<Sizes> {
    let bytes = std::fs::read(path)?;
    Ok(Sizes {
        raw: bytes.len() as u64,
        gzip: build::gzip(&bytes)?.len() as u64,
        brotli: build::brotli(&bytes)?.len() as u64,
    })
}

fn kb(n: u64) -> String {
    format!("{:.1} KB", n as f64 / 1024.0)
}

pub fn bench() -> Result {
    tools::ensure_for_test()?;
    bundle()?;

    step("IndexedDB in headless Chromium (tests/idb_bench.rs)");
    run(cargo()
        .args([
            "test",
            "--release",
            "-p",
            "zhijian",
            "--target",
            tools::WASM_TARGET,
            "--test",
            "idb_bench",
            "--",
            "--include-ignored",
            "--nocapture",
        ])
        .env("CHROMEDRIVER", "/usr/bin/chromedriver")
        .env("WASM_BINDGEN_TEST_TIMEOUT", "300"))?;

    step("server push and pull throughput (SQLite, PostgreSQL)");
    let pg = Postgres::start()?;
    run(cargo()
        .args([
            "run",
            "--release",
            "-q",
            "-p",
            "zhijian-server",
            "--example",
            "push_bench",
            "--",
        ])
        .arg(pg.url()))?;
    drop(pg);
    Ok(())
}

fn bundle() -> Result {
    let dist = build::app_release()?;
    step("bundle (dist/)");
    let mut first_load = Sizes {
        raw: 0,
        gzip: 0,
        brotli: 0,
    };
    println!(
        "{:<40} {:>10} {:>10} {:>10}",
        "file", "raw", "gzip", "brotli"
    );
    let mut entries: Vec<_> = std::fs::read_dir(&dist)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .filter(|p| !matches!(p.extension().and_then(|e| e.to_str()), Some("br" | "gz")))
        .collect();
    entries.sort();
    for path in entries {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        let s = sizes(&path)?;
        println!(
            "{name:<40} {:>10} {:>10} {:>10}",
            kb(s.raw),
            kb(s.gzip),
            kb(s.brotli)
        );
        // The first load is the page and what it pulls in before it is usable.
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or_default();
        if matches!(ext, "html" | "js" | "wasm" | "css" | "webmanifest") && name != "sw.js" {
            first_load.raw += s.raw;
            first_load.gzip += s.gzip;
            first_load.brotli += s.brotli;
        }
    }
    println!(
        "{:<40} {:>10} {:>10} {:>10}",
        "first load (html+js+wasm+css+manifest)",
        kb(first_load.raw),
        kb(first_load.gzip),
        kb(first_load.brotli)
    );
    println!(
        "first load brotli vs budget {}: {:.2}x of budget",
        kb(FIRST_LOAD_BUDGET_BR),
        first_load.brotli as f64 / FIRST_LOAD_BUDGET_BR as f64
    );
    Ok(())
}

//! `cargo xtask bench`: numbers, never assertions.

use std::process::Command;

use crate::build;
use crate::pg::Postgres;
use crate::tools;
use crate::util::{Result, cargo, root, run, step};

fn kb(n: u64) -> String {
    format!("{:.1} KB", n as f64 / 1024.0)
}

pub fn bench() -> Result {
    tools::ensure_for_test()?;
    bundle()?;

    browser_benches()?;

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
    // The measurement with 8 devices runs 1 and 2 real server processes.
    run(cargo().args([
        "build",
        "--release",
        "-q",
        "-p",
        "zhijian-server",
        "--bin",
        "zhijian-server",
    ]))?;
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
        .arg(pg.url())
        .env(
            "ZJ_BENCH_SERVER_BIN",
            root().join("target/release/zhijian-server"),
        ))?;
    drop(pg);

    step("memory during a burst of 200 parallel wrong sign-ins");
    run(cargo().args([
        "run",
        "--release",
        "-q",
        "-p",
        "zhijian-server",
        "--example",
        "signin_burst",
    ]))?;
    Ok(())
}

/// The app's own measurements in headless Chromium (e2e/bench/*.spec.ts),
/// against the release app `bundle` built: a downloaded lesson opened
/// offline and what the demo course takes on a device; the station's kiosk
/// over 500 members.
fn browser_benches() -> Result {
    step("a downloaded lesson offline, the kiosk over 500 members (e2e/bench)");
    let lesson_path = root().join("target/xtask/lesson.json");
    let kiosk_path = root().join("target/xtask/kiosk.json");
    let _ = std::fs::remove_file(&lesson_path);
    let _ = std::fs::remove_file(&kiosk_path);
    let _ = Command::new(tools::node_bin().join("playwright"))
        .args(["test", "--config", "e2e/bench.config.ts", "--reporter=line"])
        .current_dir(root())
        .env("PATH", tools::path_with_node_bin())
        .env("ZJ_SERVER_BIN", root().join("target/debug/zhijian-server"))
        .env("ZJ_DIST", root().join("dist"))
        .env("ZJ_LESSON_REPORT", &lesson_path)
        .env("ZJ_KIOSK_REPORT", &kiosk_path)
        .status()?;
    let read = |p: &std::path::Path| -> Result<serde_json::Value> {
        Ok(serde_json::from_str(&std::fs::read_to_string(p)?)?)
    };
    let n = |v: &serde_json::Value| v.as_u64().unwrap_or(0);
    let report = read(&lesson_path)?;
    println!(
        "\nlesson with its picture, server stopped ({} runs each):\n  deep link, page loaded afresh: p50 {} ms, p95 {} ms\n  tap from the 学习 list:        p50 {} ms, p95 {} ms",
        n(&report["runs"]),
        n(&report["coldMs"]["p50"]),
        n(&report["coldMs"]["p95"]),
        n(&report["tapMs"]["p50"]),
        n(&report["tapMs"]["p95"]),
    );
    println!(
        "demo course on the device: text {} (IndexedDB, as JSON), media {} (cache)",
        kb(n(&report["textBytes"])),
        kb(n(&report["mediaBytes"]))
    );
    let k = read(&kiosk_path)?;
    let memory = |at: &str| {
        format!(
            "JS heap {}, wasm memory {}",
            kb(n(&k[at]["jsHeap"])),
            kb(n(&k[at]["wasm"]))
        )
    };
    println!(
        "\nkiosk, server stopped, {} members in turn: identify → her screen → 完成 p50 {} ms, p95 {} ms\n  after 10: {}\n  after {}: {}\n  after {}: {}",
        n(&k["cycles"]),
        n(&k["cycleMs"]["p50"]),
        n(&k["cycleMs"]["p95"]),
        memory("after10"),
        n(&k["cycles"]) / 2,
        memory("half"),
        n(&k["cycles"]),
        memory("atEnd"),
    );
    Ok(())
}

fn bundle() -> Result {
    let dist = build::app_release()?;
    step("first load of / in headless Chromium (e2e/tests/budget.spec.ts)");
    run(cargo().args(["build", "--quiet", "-p", "zhijian-server"]))?;
    let report_path = root().join("target/xtask/first-load.json");
    let _ = std::fs::remove_file(&report_path);
    // The spec also asserts the budget; the bench reports whatever it measured.
    let _ = Command::new(tools::node_bin().join("playwright"))
        .args([
            "test",
            "--config",
            "e2e/playwright.config.ts",
            "budget",
            "--reporter=line",
        ])
        .current_dir(root())
        .env("PATH", tools::path_with_node_bin())
        .env("ZJ_SERVER_BIN", root().join("target/debug/zhijian-server"))
        .env("ZJ_DIST", &dist)
        .env("ZJ_FIRST_LOAD_REPORT", &report_path)
        .status()?;
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&report_path)?)?;
    let n = |v: &serde_json::Value| v.as_u64().unwrap_or(0);
    for (title, key) in [
        ("signed out", "signedOut"),
        ("signed in (member)", "signedIn"),
    ] {
        println!(
            "\nfirst load of /, {title}: {} brotli",
            kb(n(&report[key]["total"]))
        );
        for f in report[key]["files"].as_array().into_iter().flatten() {
            println!(
                "  {:<52} {:>10}",
                f["path"].as_str().unwrap_or(""),
                kb(n(&f["bytes"]))
            );
        }
    }
    let worst = n(&report["signedIn"]["total"]).max(n(&report["signedOut"]["total"]));
    println!(
        "budget {}; first load / budget: {:.2}x",
        kb(n(&report["budget"])),
        worst as f64 / n(&report["budget"]).max(1) as f64
    );
    let chunks = report["chunks"].as_array().cloned().unwrap_or_default();
    let (pages, shared): (Vec<_>, Vec<_>) = chunks
        .iter()
        .partition(|c| c["chunk"].as_str().is_some_and(|s| s.starts_with("split_")));
    println!(
        "\nlazy chunks (brotli; budget {} each):",
        kb(n(&report["chunkBudget"]))
    );
    for c in &pages {
        println!(
            "  {:<52} {:>10}",
            c["chunk"].as_str().unwrap_or(""),
            kb(n(&c["bytes"]))
        );
    }
    let shared_total: u64 = shared.iter().map(|c| n(&c["bytes"])).sum();
    let shared_max = shared.iter().map(|c| n(&c["bytes"])).max().unwrap_or(0);
    println!(
        "  {} shared chunks (code two or more pages use): {} in all, largest {}",
        shared.len(),
        kb(shared_total),
        kb(shared_max)
    );
    Ok(())
}

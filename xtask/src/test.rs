//! `cargo xtask test`: every layer in order, stopping at the first failure,
//! and one closing line `N passed, N failed` over all of them.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::build;
use crate::pg::Postgres;
use crate::tools;
use crate::util::{self, Result, cargo, root, run, step};

#[derive(Default)]
struct Tally {
    passed: u64,
    failed: u64,
    layers: Vec<(String, u64, u64)>,
}

impl Tally {
    fn add(&mut self, layer: &str, passed: u64, failed: u64) {
        self.passed += passed;
        self.failed += failed;
        self.layers.push((layer.into(), passed, failed));
    }

    fn print(&self) {
        println!("\n==> summary");
        for (layer, p, f) in &self.layers {
            println!("  {layer:<32} {p:>5} passed {f:>3} failed");
        }
        println!("{} passed, {} failed", self.passed, self.failed);
    }
}

/// Runs a test command, echoing its output and adding up libtest's
/// `test result: … N passed; M failed` lines. Returns (passed, failed, success).
fn run_counting(cmd: &mut Command) -> Result<(u64, u64, bool)> {
    println!("$ {:?}", cmd);
    let mut child = cmd.stdout(Stdio::piped()).spawn()?;
    let (mut passed, mut failed) = (0, 0);
    if let Some(out) = child.stdout.take() {
        for line in BufReader::new(out).lines() {
            let line = line?;
            println!("{line}");
            if let Some((p, f)) = parse_libtest(&line) {
                passed += p;
                failed += f;
            }
        }
    }
    let ok = child.wait()?.success();
    Ok((passed, failed, ok))
}

fn parse_libtest(line: &str) -> Option<(u64, u64)> {
    let rest = line.trim().strip_prefix("test result: ")?;
    let num = |key: &str| -> Option<u64> {
        rest.split(';')
            .find_map(|part| {
                part.trim()
                    .strip_suffix(key)
                    .map(|n| n.trim().rsplit(' ').next().unwrap_or("").parse().ok())
            })
            .flatten()
    };
    Some((num(" passed")?, num(" failed")?))
}

pub fn test(args: &[String]) -> Result {
    let skip_e2e = args.iter().any(|a| a == "--skip-e2e");
    let mut tally = Tally::default();
    let result = layers(&mut tally, skip_e2e);
    tally.print();
    if result.is_ok() && tally.failed > 0 {
        return Err(format!("{} tests failed", tally.failed).into());
    }
    result
}

fn layers(tally: &mut Tally, skip_e2e: bool) -> Result {
    tools::ensure_for_test()?;

    step("cargo fmt --check");
    run(cargo().args(["fmt", "--all", "--check"]))?;

    step("clippy (native workspace and the wasm app)");
    run(cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    run(cargo().args([
        "clippy",
        "-p",
        "zhijian",
        "--all-targets",
        "--target",
        tools::WASM_TARGET,
        "--",
        "-D",
        "warnings",
    ]))?;
    // The switch that builds one module (ZJ_SPLIT=0) must keep compiling.
    run(cargo().args([
        "clippy",
        "-p",
        "zhijian",
        "--target",
        tools::WASM_TARGET,
        "--features",
        "eager",
        "--",
        "-D",
        "warnings",
    ]))?;

    step("native tests (SQLite and PostgreSQL)");
    let pg = Postgres::start()?;
    let (p, f, ok) = run_counting(
        cargo()
            .args(["test", "--workspace", "--exclude", "zhijian"])
            .env("ZJ_TEST_POSTGRES_URL", pg.url())
            .env("ZJ_TEST_POSTGRES_RESTART", pg.restart_command())
            .env("ZJ_REQUIRE_POSTGRES", "1")
            // The disk-full test mounts a small tmpfs: required where that works.
            .env(
                "ZJ_REQUIRE_DISK_FAULTS",
                if can_mount_tmpfs() { "1" } else { "0" },
            ),
    )?;
    drop(pg);
    tally.add("native (unit, property, server)", p, f);
    if !ok {
        return Err("native tests failed".into());
    }

    // Patched dependencies are their own workspaces: their unit tests
    // (upstream's and the patch's) run here, in their own target dir.
    step("patched dependencies (vendor/)");
    let (p, f, ok) = run_counting(cargo().args([
        "test",
        "--manifest-path",
        "vendor/reactive_graph/Cargo.toml",
        "--features",
        "effects",
        "--lib",
        "--target-dir",
        "target/vendor",
    ]))?;
    tally.add("patched dependencies", p, f);
    if !ok {
        return Err("tests of the patched dependencies failed".into());
    }

    step("wasm tests in headless Chromium");
    let (p, f, ok) = run_counting(
        cargo()
            // One module: the split's loader (`__wasm_split.js`) exists only
            // in the built app, and the test runner cannot resolve its imports.
            .args([
                "test",
                "-p",
                "zhijian",
                "--target",
                tools::WASM_TARGET,
                "--features",
                "eager",
            ])
            .env("CHROMEDRIVER", "/usr/bin/chromedriver")
            .env("WASM_BINDGEN_TEST_TIMEOUT", "120"),
    )?;
    tally.add("wasm (browser)", p, f);
    if !ok {
        return Err("wasm tests failed".into());
    }

    if skip_e2e {
        println!("(end-to-end tests skipped by --skip-e2e)");
        return Ok(());
    }
    step("end-to-end tests (Playwright, Chromium, release build, real server)");
    let dist = build::app_release()?;
    run(cargo().args(["build", "--quiet", "-p", "zhijian-server"]))?;
    let report = root().join("target/xtask/e2e-report.json");
    let _ = std::fs::remove_file(&report);
    let status = Command::new(tools::node_bin().join("playwright"))
        .args(["test", "--config", "e2e/playwright.config.ts"])
        .current_dir(root())
        .env("PATH", tools::path_with_node_bin())
        .env("ZJ_SERVER_BIN", root().join("target/debug/zhijian-server"))
        .env("ZJ_DIST", &dist)
        .env("PLAYWRIGHT_JSON_OUTPUT_NAME", &report)
        .status()?;
    let (p, f) = parse_playwright(&std::fs::read_to_string(&report).unwrap_or_default());
    tally.add("end-to-end (Playwright)", p, f);
    if !status.success() {
        return Err("end-to-end tests failed".into());
    }
    Ok(())
}

/// Playwright's JSON report: `stats.expected` passed; unexpected and flaky count as failed.
fn parse_playwright(json: &str) -> (u64, u64) {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(json) else {
        return (0, 0);
    };
    let n = |k: &str| v["stats"][k].as_u64().unwrap_or(0);
    (n("expected"), n("unexpected") + n("flaky"))
}

/// Whether this machine lets the tests mount a tmpfs (root, and the
/// capability to mount); says so when it does not, since the disk-full
/// test then skips.
fn can_mount_tmpfs() -> bool {
    let dir = root().join("target/xtask/tmpfs-probe");
    let _ = std::fs::create_dir_all(&dir);
    let mounted = util::is_root()
        && Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=1m", "tmpfs"])
            .arg(&dir)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
    if mounted {
        let _ = Command::new("umount").arg(&dir).status();
    } else {
        println!("note: cannot mount a tmpfs here; the SQLite disk-full test will skip");
    }
    mounted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_libtest_lines() {
        assert_eq!(
            parse_libtest(
                "test result: ok. 14 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.03s"
            ),
            Some((14, 0))
        );
        assert_eq!(
            parse_libtest("test result: FAILED. 3 passed; 2 failed; 0 ignored"),
            Some((3, 2))
        );
        assert_eq!(parse_libtest("running 3 tests"), None);
    }

    #[test]
    fn parses_playwright_stats() {
        assert_eq!(
            parse_playwright(r#"{"stats":{"expected":5,"unexpected":1,"flaky":1,"skipped":2}}"#),
            (5, 2)
        );
        assert_eq!(parse_playwright("not json"), (0, 0));
    }
}

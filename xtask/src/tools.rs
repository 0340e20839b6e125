//! Installing the toolchain pieces, each only when missing or at the wrong version.

use std::path::PathBuf;
use std::process::Command;

use sha2::{Digest, Sha256};

use crate::util::{self, Result, cargo, output, root, run, step};

pub const TRUNK_VERSION: &str = "0.21.14";
pub const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// Debian packages the browser and database tests need.
pub const APT_TEST_PACKAGES: &[&str] = &[
    "chromium",
    "chromium-driver",
    "fonts-noto-cjk",
    "postgresql",
];

/// The wasm-bindgen version in Cargo.lock; the CLI must match it exactly.
pub fn wasm_bindgen_version() -> Result<String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wasm-bindgen\""
            && let Some(v) = lines.next().and_then(|l| l.strip_prefix("version = \""))
        {
            return Ok(v.trim_end_matches('"').to_owned());
        }
    }
    Err("wasm-bindgen not found in Cargo.lock".into())
}

pub fn ensure_wasm_target() -> Result {
    let installed = output(Command::new("rustup").args(["target", "list", "--installed"]));
    if installed.is_some_and(|s| s.lines().any(|l| l.trim() == WASM_TARGET)) {
        return Ok(());
    }
    step(&format!("installing the {WASM_TARGET} target"));
    run(Command::new("rustup").args(["target", "add", WASM_TARGET]))
}

/// `cargo install` unless `bin --version` already reports `version`.
fn ensure_cargo_tool(bin: &str, krate: &str, version: &str) -> Result {
    let current = output(Command::new(bin).arg("--version")).unwrap_or_default();
    if current.split_whitespace().any(|w| w == version) {
        return Ok(());
    }
    step(&format!(
        "installing {krate} {version} (found: {})",
        if current.is_empty() { "none" } else { &current }
    ));
    // --locked reproduces the tool's own tested dependency set; it has failed
    // here once when a locked version was missing from the registry, so fall back.
    let locked = run(cargo().args(["install", krate, "--version", version, "--locked"]));
    if locked.is_err() {
        run(cargo().args(["install", krate, "--version", version]))?;
    }
    Ok(())
}

pub fn ensure_npm() -> Result {
    if output(Command::new("npm").arg("--version")).is_some() {
        return Ok(());
    }
    ensure_apt(&["nodejs", "npm"])
}

/// `npm ci` from the committed lockfile when node_modules does not match it.
pub fn ensure_node_packages() -> Result {
    ensure_npm()?;
    let lock = std::fs::read(root().join("package-lock.json"))?;
    let want = format!("{:x}", Sha256::digest(&lock));
    let stamp = root().join("node_modules/.zhijian-lock.sha256");
    if std::fs::read_to_string(&stamp).is_ok_and(|have| have.trim() == want) {
        return Ok(());
    }
    step("installing node packages (npm ci)");
    run(Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(root())
        .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1"))?;
    std::fs::write(stamp, want)?;
    Ok(())
}

pub fn node_bin() -> PathBuf {
    root().join("node_modules/.bin")
}

/// PATH with the project's node tools (wasm-opt, playwright) first.
pub fn path_with_node_bin() -> std::ffi::OsString {
    let mut paths = vec![node_bin()];
    if let Some(p) = std::env::var_os("PATH") {
        paths.extend(std::env::split_paths(&p));
    }
    std::env::join_paths(paths).unwrap_or_default()
}

fn apt_installed(pkg: &str) -> bool {
    output(Command::new("dpkg-query").args(["-W", "-f=${Status}", pkg]))
        .is_some_and(|s| s.contains("install ok installed"))
}

pub fn ensure_apt(packages: &[&str]) -> Result {
    let missing: Vec<&str> = packages
        .iter()
        .copied()
        .filter(|p| !apt_installed(p))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    step(&format!(
        "installing Debian packages: {}",
        missing.join(" ")
    ));
    let sudo = !util::is_root();
    let apt = |args: &[&str]| {
        let mut c = if sudo {
            Command::new("sudo")
        } else {
            Command::new("apt-get")
        };
        if sudo {
            c.arg("apt-get");
        }
        c.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        c
    };
    run(&mut apt(&["update", "-q"]))?;
    // Without recommends: with them, ~100 extra packages and a failure half-way were seen.
    let mut install = apt(&["install", "-y", "-q", "--no-install-recommends"]);
    install.args(&missing);
    run(&mut install)
}

/// What building the app needs.
pub fn ensure_for_build() -> Result {
    ensure_wasm_target()?;
    ensure_cargo_tool("trunk", "trunk", TRUNK_VERSION)?;
    ensure_cargo_tool("wasm-bindgen", "wasm-bindgen-cli", &wasm_bindgen_version()?)?;
    ensure_node_packages()
}

/// What every test layer needs.
pub fn ensure_for_test() -> Result {
    ensure_for_build()?;
    ensure_apt(APT_TEST_PACKAGES)
}

//! `cargo xtask run`: the app and the server on an embedded SQLite with demo data.

use std::os::unix::process::CommandExt;

use crate::build;
use crate::util::{Result, cargo, root, run as run_cmd, step};

pub fn run(server_args: &[String]) -> Result {
    // `cargo xtask run -- --addr …` arrives with the `--`; the server must not see it.
    let server_args = match server_args.split_first() {
        Some((first, rest)) if first == "--" => rest,
        _ => server_args,
    };
    let dist = build::app_release()?;
    step("building the server (release)");
    run_cmd(cargo().args(["build", "--release", "--quiet", "-p", "zhijian-server"]))?;
    let bin = root().join("target/release/zhijian-server");
    let data =
        std::env::var("ZJ_DATA_DIR").unwrap_or_else(|_| root().join("data").display().to_string());
    step("starting the server (Ctrl-C stops it)");
    // exec: the server becomes this process, so Ctrl-C reaches it directly and
    // it shuts down cleanly, with nothing left behind.
    let err = std::process::Command::new(bin)
        .args(["--data-dir", &data, "serve", "--demo", "--dist"])
        .arg(&dist)
        .args(server_args)
        .exec();
    Err(format!("cannot start the server: {err}").into())
}

//! `cargo xtask load [--devices N] [--seconds S]` (not part of CI): the
//! release server under a simulated district, against 1 and 2 server
//! processes on PostgreSQL and 1 on SQLite. The driver
//! (`crates/server/examples/load.rs`) prints throughput, latency per
//! endpoint and errors, and fails unless every device converged.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use crate::pg::Postgres;
use crate::util::{Result, cargo, root, run, step};

/// A release server process, killed on drop.
struct Server {
    base: String,
    child: Child,
}

impl Server {
    fn start(bin: &Path, url: &str, data: &Path) -> Result<Self> {
        let mut child = Command::new(bin)
            .arg("--data-dir")
            .arg(data)
            .args([
                "--database-url",
                url,
                "serve",
                "--demo",
                "--addr",
                "127.0.0.1:0",
            ])
            .env("ZJ_LOG", "warn")
            .stdout(Stdio::piped())
            .spawn()?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let base = loop {
            let line = lines.next().ok_or("the server exited before listening")??;
            if let Some(rest) = line.strip_prefix("zhijian listening on ") {
                break rest.trim_end_matches('/').to_owned();
            }
        };
        std::thread::spawn(move || for _ in lines.by_ref() {});
        Ok(Self { base, child })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn load(args: &[String]) -> Result {
    step("building the server and the load driver (release)");
    run(cargo().args([
        "build",
        "--release",
        "-p",
        "zhijian-server",
        "--bin",
        "zhijian-server",
        "--example",
        "load",
    ]))?;
    let bin = root().join("target/release/zhijian-server");
    let driver = root().join("target/release/examples/load");
    let pg = Postgres::start()?;
    let scratch = tempfile_dir("zj-load")?;
    let runs: [(&str, bool, usize); 3] = [
        ("PostgreSQL, 1 server process", true, 1),
        ("PostgreSQL, 2 server processes", true, 2),
        ("SQLite, 1 server process", false, 1),
    ];
    let mut failed = Vec::new();
    for (n, (label, postgres, processes)) in runs.into_iter().enumerate() {
        step(label);
        let url = if postgres {
            pg.create_database(&format!("zj_load_{n}"))?
        } else {
            format!(
                "sqlite://{}?mode=rwc",
                scratch.join(format!("load-{n}.db")).display()
            )
        };
        let mut servers = Vec::new();
        for p in 0..processes {
            let data = scratch.join(format!("data-{n}-{p}"));
            std::fs::create_dir_all(&data)?;
            servers.push(Server::start(&bin, &url, &data)?);
        }
        let mut cmd = Command::new(&driver);
        cmd.args(["--database-url", &url, "--label", label]);
        for s in &servers {
            cmd.args(["--base", &s.base]);
        }
        cmd.args(args);
        if run(&mut cmd).is_err() {
            failed.push(label);
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("load runs with errors: {}", failed.join(", ")).into())
    }
}

fn tempfile_dir(prefix: &str) -> Result<std::path::PathBuf> {
    let dir = root().join(format!("target/xtask/{prefix}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

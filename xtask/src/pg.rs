//! A throwaway PostgreSQL cluster for the tests, on a free loopback port.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::{self, Result, output, root, run};

pub struct Postgres {
    dir: PathBuf,
    bin: PathBuf,
    port: u16,
}

fn bin_dir() -> Result<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| p.join("initdb").exists())
        .collect();
    found.sort();
    found
        .pop()
        .ok_or_else(|| "no PostgreSQL under /usr/lib/postgresql".into())
}

/// As root, PostgreSQL's tools must run as the `postgres` user.
fn as_owner(bin: &Path, tool: &str) -> Command {
    if util::is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(bin.join(tool));
        c
    } else {
        Command::new(bin.join(tool))
    }
}

impl Postgres {
    pub fn start() -> Result<Self> {
        let bin = bin_dir()?;
        let port = util::free_port()?;
        let dir = root().join(format!("target/xtask/pg-{port}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        if util::is_root() {
            run(Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(&dir))?;
        }
        let data = dir.join("data");
        run(as_owner(&bin, "initdb")
            .arg("-D")
            .arg(&data)
            .args(["-A", "trust", "-U", "zhijian", "-E", "UTF8", "--no-locale"])
            .stdout(std::process::Stdio::null()))?;
        let opts = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200",
            dir.display()
        );
        run(as_owner(&bin, "pg_ctl")
            .arg("-D")
            .arg(&data)
            .args(["-o", &opts, "-l"])
            .arg(dir.join("log"))
            .args(["-w", "start"]))?;
        Ok(Self { dir, bin, port })
    }

    /// A shell command that restarts the cluster (the fault tests run it).
    pub fn restart_command(&self) -> String {
        let pg_ctl = format!(
            "{} -D {} -m fast -w restart",
            self.bin.join("pg_ctl").display(),
            self.dir.join("data").display()
        );
        if util::is_root() {
            format!("runuser -u postgres -- {pg_ctl} >/dev/null")
        } else {
            format!("{pg_ctl} >/dev/null")
        }
    }

    /// A new database on this cluster; its URL.
    pub fn create_database(&self, name: &str) -> Result<String> {
        run(as_owner(&self.bin, "createdb")
            .arg("-h")
            .arg(&self.dir)
            .args(["-p", &self.port.to_string(), "-U", "zhijian", name]))?;
        Ok(format!("postgres://zhijian@127.0.0.1:{}/{name}", self.port))
    }

    pub fn url(&self) -> String {
        format!("postgres://zhijian@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = output(
            as_owner(&self.bin, "pg_ctl")
                .arg("-D")
                .arg(self.dir.join("data"))
                .args(["-m", "fast", "-w", "stop"]),
        );
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

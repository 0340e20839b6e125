//! A real `zhijian-server` process on a free port, with the demo, over a
//! database: started by the integration tests (`common::spawn_binary`) and
//! by the push bench (through `#[path]`), so its start-up line is read in
//! one place. Each uses part of it.
#![allow(dead_code)]

use tokio::io::AsyncBufReadExt;

/// Killed on drop (a SIGKILL, nothing flushed); its data directory goes
/// with it.
pub struct Process {
    pub base: String,
    pub child: tokio::process::Child,
    _dir: tempfile::TempDir,
}

impl Process {
    /// Starts `bin` over `url` with `env` added, and waits for the line
    /// that says where it listens.
    pub async fn start(bin: &str, url: &str, env: &[(&str, &str)]) -> std::io::Result<Process> {
        let dir = tempfile::tempdir()?;
        let mut child = tokio::process::Command::new(bin)
            .arg("--data-dir")
            .arg(dir.path())
            .args([
                "--database-url",
                url,
                "serve",
                "--demo",
                "--addr",
                "127.0.0.1:0",
            ])
            .env("ZJ_LOG", "warn")
            .envs(env.iter().copied())
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| std::io::Error::other("no stdout"))?;
        let mut lines = tokio::io::BufReader::new(stdout).lines();
        let base = loop {
            let line = lines.next_line().await?.ok_or_else(|| {
                std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "the server exited before listening",
                )
            })?;
            if let Some(rest) = line.strip_prefix("zhijian listening on ") {
                break rest.trim_end_matches('/').to_owned();
            }
        };
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(Process {
            base,
            child,
            _dir: dir,
        })
    }

    /// SIGKILL, as a crash or a pulled plug would: nothing is flushed.
    pub async fn kill(mut self) {
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
    }
}

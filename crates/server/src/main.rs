//! `zhijian-server`: the command line of the backend.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;
use zhijian_server::{AppState, Db, ServeOptions, demo};

#[derive(Parser)]
#[command(
    name = "zhijian-server",
    version,
    about = "指尖党建 server: the API and the app"
)]
struct Cli {
    /// Where the SQLite database lives when DATABASE_URL is not set.
    #[arg(long, env = "ZJ_DATA_DIR", default_value = "data", global = true)]
    data_dir: PathBuf,
    /// postgres://… to use PostgreSQL; sqlite://… for another SQLite file.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    database_url: Option<String>,
    /// Log as JSON lines (for log collectors) instead of text.
    #[arg(long, env = "ZJ_LOG_JSON", global = true)]
    log_json: bool,
    #[command(flatten)]
    db: zhijian_server::db::DbOptions,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API and the built app.
    Serve {
        #[arg(long, env = "ZJ_ADDR", default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        /// The app built by Trunk (`dist/`); omit to serve the API only.
        #[arg(long, env = "ZJ_DIST")]
        dist: Option<PathBuf>,
        /// Seed the demo data into an empty database.
        #[arg(long, env = "ZJ_DEMO")]
        demo: bool,
        #[command(flatten)]
        limits: zhijian_server::Limits,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Create an administrator account. The password is read from
    /// ZJ_ADMIN_PASSWORD or asked for on the terminal.
    CreateAdmin {
        #[arg(long)]
        login: String,
        #[arg(long, default_value = "管理员")]
        name: String,
    },
    /// Expire the unspent volunteer credits of `year` where a committee's
    /// rules say so (run once after New Year; running it again changes
    /// nothing).
    ExpireCredits {
        #[arg(long)]
        year: u16,
    },
    /// Import a folder of Markdown lessons as a course of an org (again:
    /// updates it). See docs/operations.md for the format.
    ImportCourse {
        dir: PathBuf,
        /// The org that offers the course.
        #[arg(long)]
        org: String,
        /// Publish it at once (otherwise a draft its organisers can review).
        #[arg(long)]
        publish: bool,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter = EnvFilter::try_from_env("ZJ_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let fmt = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if cli.log_json {
        fmt.json().init();
    } else {
        fmt.init();
    }
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "exiting");
            eprintln!("zhijian-server: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    let url = match cli.database_url {
        Some(url) => url,
        None => Db::sqlite_url(&cli.data_dir)?,
    };
    let db = Db::connect_with(&url, cli.db).await?;
    match cli.command {
        Command::Migrate => {
            tracing::info!(database = db.backend().as_str(), "migrations applied");
        }
        Command::CreateAdmin { login, name } => {
            let password = match std::env::var("ZJ_ADMIN_PASSWORD") {
                Ok(p) => p,
                Err(_) => rpassword::prompt_password("password: ")?,
            };
            if password.chars().count() < 8 {
                return Err("the password needs at least 8 characters".into());
            }
            let id = format!(
                "acc-{}",
                zhijian_server::auth::new_token()?
                    .get(..16)
                    .unwrap_or_default()
            );
            zhijian_server::auth::create_account(
                &db,
                &id,
                &login,
                &password,
                &name,
                None,
                &[(zhijian_domain::RoleKind::Admin, None)],
            )
            .await?;
            println!("created admin {login}");
        }
        Command::ExpireCredits { year } => {
            let now = zhijian_server::auth::now_secs();
            let run = zhijian_server::expiry::expire_year(&db, year, now).await?;
            println!(
                "expired the {year} credits of {} members; {} kept theirs",
                run.expired, run.kept
            );
        }
        Command::ImportCourse { dir, org, publish } => {
            let now = zhijian_server::auth::now_secs();
            let done = zhijian_server::import::import_course(&db, &dir, &org, publish, now).await?;
            println!(
                "imported {} lessons as course {}{}",
                done.lessons,
                done.course_id,
                if publish { " (published)" } else { " (draft)" }
            );
        }
        Command::Serve {
            addr,
            dist,
            demo,
            limits,
        } => {
            if demo {
                if demo::seed_if_empty(&db).await? {
                    tracing::info!("demo data seeded");
                }
                println!("demo accounts (login / password):");
                for a in demo::ACCOUNTS {
                    println!("  {:<14} {:<14} {} {}", a.login, a.password, a.name, a.what);
                }
            }
            let state = AppState::new(db.clone(), limits, cli.data_dir.join("media"));
            zhijian_server::serve(state, ServeOptions { addr, dist }, shutdown_signal()).await?;
            tracing::info!("shut down");
        }
    }
    db.close().await;
    Ok(())
}

/// Ctrl-C or SIGTERM: stop accepting, finish requests in flight, close the pool.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

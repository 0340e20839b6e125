//! The database: one `sqlx::Any` pool over SQLite or PostgreSQL, migrated on start.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Executor};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("unsupported database URL (use sqlite:// or postgres://)")]
    UnsupportedUrl,
    #[error("cannot create the data directory {0}: {1}")]
    DataDir(String, std::io::Error),
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// Time limits on the database (milliseconds); PostgreSQL enforces the
/// statement and lock ones, SQLite has its `busy_timeout` of 5 s.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::Args)]
pub struct DbOptions {
    /// A statement running longer is cancelled (PostgreSQL).
    #[arg(long, env = "ZJ_DB_STATEMENT_TIMEOUT_MS", default_value_t = Self::DEFAULT.statement_timeout_ms, global = true)]
    pub statement_timeout_ms: u64,
    /// A lock wait longer than this fails (PostgreSQL).
    #[arg(long, env = "ZJ_DB_LOCK_TIMEOUT_MS", default_value_t = Self::DEFAULT.lock_timeout_ms, global = true)]
    pub lock_timeout_ms: u64,
    /// A request waiting longer for a free connection gets 503.
    #[arg(long, env = "ZJ_DB_ACQUIRE_TIMEOUT_MS", default_value_t = Self::DEFAULT.acquire_timeout_ms, global = true)]
    pub acquire_timeout_ms: u64,
}

impl DbOptions {
    pub const DEFAULT: DbOptions = DbOptions {
        statement_timeout_ms: 15_000,
        lock_timeout_ms: 5_000,
        acquire_timeout_ms: 5_000,
    };
}

impl Default for DbOptions {
    fn default() -> Self {
        Self::DEFAULT
    }
}

#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
}

impl Db {
    /// The default database: an SQLite file in `data_dir`, created if missing.
    pub fn sqlite_url(data_dir: &Path) -> Result<String, DbError> {
        std::fs::create_dir_all(data_dir)
            .map_err(|e| DbError::DataDir(data_dir.display().to_string(), e))?;
        Ok(format!(
            "sqlite://{}?mode=rwc",
            data_dir.join("zhijian.db").display()
        ))
    }

    /// Connects with the default options and brings the schema up to date.
    pub async fn connect(url: &str) -> Result<Self, DbError> {
        Self::connect_with(url, DbOptions::default()).await
    }

    /// Connects and brings the schema up to date.
    pub async fn connect_with(url: &str, options: DbOptions) -> Result<Self, DbError> {
        install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(DbError::UnsupportedUrl);
        };
        let mut opts = AnyPoolOptions::new()
            .acquire_timeout(Duration::from_millis(options.acquire_timeout_ms));
        if backend == Backend::Sqlite {
            // One writer at a time is SQLite's nature; WAL lets readers go on
            // meanwhile and busy_timeout makes writers queue instead of failing.
            opts = opts.max_connections(8).after_connect(|conn, _meta| {
                Box::pin(async move {
                    conn.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;")
                        .await?;
                    Ok(())
                })
            });
        } else {
            // No statement or lock wait may hold a connection (and the write
            // lock) for long; the client gets 503 and retries.
            let set = format!(
                "SET statement_timeout = {}; SET lock_timeout = {};",
                options.statement_timeout_ms, options.lock_timeout_ms
            );
            opts = opts.max_connections(16).after_connect(move |conn, _meta| {
                let set = set.clone();
                Box::pin(async move {
                    conn.execute(set.as_str()).await?;
                    Ok(())
                })
            });
        }
        let pool = opts.connect(url).await?;
        let db = Self { pool, backend };
        db.migrate().await?;
        Ok(db)
    }

    async fn migrate(&self) -> Result<(), DbError> {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&self.pool).await?,
            Backend::Postgres => {
                POSTGRES_MIGRATIONS.run(&self.pool).await?;
                self.align_version_base().await?;
            }
        }
        Ok(())
    }

    /// Versions on PostgreSQL are `version_base` plus a transaction id
    /// (docs/sync.md). Restored into another cluster, transaction ids start
    /// lower than the versions already given: raise the base so every new
    /// version is above every stored one and above the old counter's last
    /// (which devices may hold as cursors). A no-op otherwise: every
    /// committed row is below the base plus this transaction's id.
    async fn align_version_base(&self) -> Result<(), DbError> {
        self.pool
            .execute(
                "UPDATE sync_state SET version_base = GREATEST(version_base, version, \
                 (SELECT COALESCE(MAX(v), 0) FROM (SELECT MAX(version) AS v FROM orgs \
                  UNION ALL SELECT MAX(version) FROM members UNION ALL SELECT MAX(version) FROM docs) AS t) \
                 - pg_current_xact_id()::text::bigint + 1) WHERE id = 1",
            )
            .await?;
        Ok(())
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

impl FromStr for Backend {
    type Err = DbError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "sqlite" => Ok(Backend::Sqlite),
            "postgres" => Ok(Backend::Postgres),
            _ => Err(DbError::UnsupportedUrl),
        }
    }
}

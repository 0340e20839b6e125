//! The app's one door to IndexedDB.
//!
//! Schema changes go through `migrations`, one step per version, so a device
//! that skipped releases upgrades step by step and keeps its data.

mod migrations;

use indexed_db_futures::database::Database;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use serde::{Deserialize, Serialize};
use zhijian_domain::api::OrgDirectory;

pub use migrations::{DB_VERSION, stores};

pub const DB_NAME: &str = "zhijian";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the local database: {0}")]
    Open(String),
    #[error("local database error: {0}")]
    Op(String),
}

impl From<indexed_db_futures::error::OpenDbError> for StoreError {
    fn from(e: indexed_db_futures::error::OpenDbError) -> Self {
        StoreError::Open(e.to_string())
    }
}

impl From<indexed_db_futures::error::Error> for StoreError {
    fn from(e: indexed_db_futures::error::Error) -> Self {
        StoreError::Op(e.to_string())
    }
}

/// The org directory as last fetched, with when (ms since the epoch).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CachedDirectory {
    pub saved_at: f64,
    pub directory: OrgDirectory,
}

const DIRECTORY_KEY: &str = "org_directory";

pub struct Store {
    db: Database,
}

impl Store {
    /// Opens the default database, upgrading it if needed.
    pub async fn open() -> Result<Self, StoreError> {
        Self::open_named(DB_NAME).await
    }

    /// Opens a database by name (tests use their own).
    pub async fn open_named(name: &str) -> Result<Self, StoreError> {
        let db = migrations::open(name, DB_VERSION).await?;
        Ok(Self { db })
    }

    pub async fn save_directory(&self, cached: &CachedDirectory) -> Result<(), StoreError> {
        let tx = self
            .db
            .transaction(stores::SNAPSHOTS)
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        tx.object_store(stores::SNAPSHOTS)?
            .put(cached)
            .with_key(DIRECTORY_KEY)
            .with_key_type::<String>()
            .serde()?
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn directory(&self) -> Result<Option<CachedDirectory>, StoreError> {
        let tx = self.db.transaction(stores::SNAPSHOTS).build()?;
        let found = tx
            .object_store(stores::SNAPSHOTS)?
            .get(DIRECTORY_KEY)
            .serde()?
            .await?;
        Ok(found)
    }

    pub fn close(self) {
        self.db.close();
    }
}

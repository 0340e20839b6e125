//! IndexedDB schema versions. Each `vN` takes a database at version N-1 to N
//! and must keep every record the user has; never edit a released step, add one.

use indexed_db_futures::database::{Database, VersionChangeEvent};
use indexed_db_futures::prelude::*;

use super::StoreError;

type Step = fn(&Database) -> indexed_db_futures::Result<()>;

/// Step i takes the database from version i to i+1.
const STEPS: &[Step] = &[v1];

pub const DB_VERSION: u32 = STEPS.len() as u32;

/// Object store names, one constant each so a typo cannot create a new store.
pub mod stores {
    /// Whole-value snapshots under fixed keys (e.g. the org directory).
    pub const SNAPSHOTS: &str = "snapshots";
    /// Device settings and identity (out-of-line string keys).
    pub const META: &str = "meta";
}

pub(super) async fn open(name: &str, version: u32) -> Result<Database, StoreError> {
    let db = Database::open(name)
        .with_version(version)
        .with_on_upgrade_needed(move |event: VersionChangeEvent, db: Database| {
            // Versions are small integers stored as f64 by the browser.
            let old = event.old_version() as usize;
            let new = event.new_version().map_or(version as usize, |v| v as usize);
            for step in STEPS.iter().take(new).skip(old) {
                step(&db)?;
            }
            Ok(())
        })
        .await?;
    Ok(db)
}

/// v1: snapshots and meta.
fn v1(db: &Database) -> indexed_db_futures::Result<()> {
    db.create_object_store(stores::SNAPSHOTS).build()?;
    db.create_object_store(stores::META).build()?;
    Ok(())
}

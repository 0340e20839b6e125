//! IndexedDB schema versions. Each `vN` takes a database at version N-1 to N
//! and must keep every record the user has; never edit a released step, add one.

use indexed_db_futures::database::{Database, VersionChangeEvent};
use indexed_db_futures::prelude::*;

use super::StoreError;

type Step = fn(&Database) -> indexed_db_futures::Result<()>;

/// Step i takes the database from version i to i+1.
const STEPS: &[Step] = &[v1, v2, v3];

pub const DB_VERSION: u32 = STEPS.len() as u32;

/// Object store names, one constant each so a typo cannot create a new store.
pub mod stores {
    /// Whole-value snapshots under fixed keys (e.g. the org directory).
    pub const SNAPSHOTS: &str = "snapshots";
    /// Device settings and identity (out-of-line string keys).
    pub const META: &str = "meta";
    /// The server's orgs as last pulled (key path `id`).
    pub const ORGS: &str = "orgs";
    /// The server's members as last pulled (key path `id`).
    pub const MEMBERS: &str = "members";
    /// Mutations not yet processed by the server (key path `seq`).
    pub const OUTBOX: &str = "outbox";
    /// Mutations the server refused, until the user dismisses them (key path `seq`).
    pub const REJECTED: &str = "rejected";
    /// Menus, activities, sign-ups and check-ins as last pulled (the domain's
    /// `Doc`, keyed by its id out of line: ids are unique across kinds).
    pub const DOCS: &str = "docs";
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

/// v2: the sync engine's base records, outbox and rejections. Nothing from v1
/// is touched: the cached directory stays for signed-out use.
fn v2(db: &Database) -> indexed_db_futures::Result<()> {
    use indexed_db_futures::KeyPath;
    db.create_object_store(stores::ORGS)
        .with_key_path(KeyPath::One("id"))
        .build()?;
    db.create_object_store(stores::MEMBERS)
        .with_key_path(KeyPath::One("id"))
        .build()?;
    db.create_object_store(stores::OUTBOX)
        .with_key_path(KeyPath::One("seq"))
        .build()?;
    db.create_object_store(stores::REJECTED)
        .with_key_path(KeyPath::One("seq"))
        .build()?;
    Ok(())
}

/// v3: documents (menus, activities, sign-ups, check-ins). Nothing from v2
/// is touched; a device upgrading keeps its outbox and pulls documents on its
/// next sync (the server sends them from cursor 0 after a reset, or with new
/// versions as they change).
fn v3(db: &Database) -> indexed_db_futures::Result<()> {
    db.create_object_store(stores::DOCS).build()?;
    Ok(())
}

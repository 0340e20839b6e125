//! The app's one door to IndexedDB.
//!
//! Schema changes go through `migrations`, one step per version, so a device
//! that skipped releases upgrades step by step and keeps its data.

mod migrations;

use indexed_db_futures::KeyRange;
use indexed_db_futures::database::Database;
use indexed_db_futures::object_store::ObjectStore;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsValue};
use zhijian_domain::api::OrgDirectory;
use zhijian_domain::replica::Records;
use zhijian_domain::sync::{Mutation, MutationResult, Outcome, PullResponse};
use zhijian_domain::{Account, Member, Org};

pub use migrations::{DB_VERSION, stores};

pub const DB_NAME: &str = "zhijian";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the local database: {0}")]
    Open(String),
    #[error("local database error: {0}")]
    Op(String),
    #[error("{0} changes are not synced yet")]
    Pending(u32),
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
const SESSION_KEY: &str = "session";
/// Every store an account's sync state lives in; transactions that must see
/// or change it atomically span all of them.
const SYNC_STORES: [&str; 6] = [
    stores::META,
    stores::ORGS,
    stores::MEMBERS,
    stores::OUTBOX,
    stores::REJECTED,
    stores::DOCS,
];
const SYNC_KEY: &str = "sync";
/// This phone's 党员码 key pair (`Store::member_key`).
const MEMBER_KEY: &str = "member_key";
/// This phone's short-code secret (`Store::short_secret`).
const SHORT_SECRET_KEY: &str = "short_secret";

/// The secret this phone makes its 党员码's short form with
/// (`zhijian_domain::short_code`), for one member and key pair, and whether
/// the server has it yet.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShortSecretKept {
    pub member_id: String,
    pub public_key: String,
    /// base64url.
    pub secret: String,
    pub registered: bool,
}

/// The signed-in account on this device. The token is the only secret kept.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub token: String,
    pub expires_at: i64,
    pub account: Account,
    /// This device's sync identity for this account (made at sign-in).
    pub client_id: String,
}

/// Where the base records stand against the server.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncMeta {
    pub cursor: u64,
    pub epoch: u64,
    pub last_seq: u64,
    /// ms since the epoch of the last complete sync.
    pub synced_at: Option<f64>,
}

/// Everything a replica is rebuilt from. The outbox and the refusals are
/// left as IndexedDB returned them: reading mutations is the write path's
/// work (`sync::write`, its own wasm chunk), and most starts have none.
pub struct Persisted {
    /// The orgs and members; the documents are in `docs`.
    pub base: Records,
    /// Documents as stored (the server's JSON of a `Doc`): the sync engine
    /// decodes them (`sync::docs`, some kinds only in their own chunk).
    pub docs: Vec<JsValue>,
    /// `Mutation`s, by seq.
    pub outbox: Vec<JsValue>,
    /// `RejectedMutation`s.
    pub rejected: Vec<JsValue>,
    pub meta: SyncMeta,
}

pub struct Store {
    db: Database,
}

/// The sync bookkeeping (cursor, epoch, last seq), read inside a transaction
/// that also writes the records it describes.
async fn read_sync_meta(meta: &ObjectStore<'_>) -> Result<SyncMeta, StoreError> {
    Ok(meta.get(SYNC_KEY).serde()?.await?.unwrap_or_default())
}

async fn write_sync_meta(meta: &ObjectStore<'_>, m: &SyncMeta) -> Result<(), StoreError> {
    meta.put(m)
        .with_key(SYNC_KEY)
        .with_key_type::<String>()
        .serde()?
        .await?;
    Ok(())
}

impl Store {
    /// Opens the default database, upgrading it if needed.
    pub async fn open() -> Result<Self, StoreError> {
        Self::open_named(DB_NAME).await
    }

    /// Opens a database by name (tests use their own).
    pub async fn open_named(name: &str) -> Result<Self, StoreError> {
        Self::open_at_version(name, DB_VERSION).await
    }

    /// Opens (and upgrades up to) an older schema version: upgrade tests
    /// start from what a previous release left on a device.
    pub async fn open_at_version(name: &str, version: u32) -> Result<Self, StoreError> {
        let db = migrations::open(name, version).await?;
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

    async fn get_meta<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, StoreError> {
        let tx = self.db.transaction(stores::META).build()?;
        Ok(tx.object_store(stores::META)?.get(key).serde()?.await?)
    }

    pub async fn session(&self) -> Result<Option<Session>, StoreError> {
        self.get_meta(SESSION_KEY).await
    }

    async fn put_meta<T: Serialize>(&self, key: &str, value: &T) -> Result<(), StoreError> {
        let tx = self
            .db
            .transaction(stores::META)
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        tx.object_store(stores::META)?
            .put(value)
            .with_key(key.to_owned())
            .with_key_type::<String>()
            .serde()?
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn save_session(&self, session: &Session) -> Result<(), StoreError> {
        self.put_meta(SESSION_KEY, session).await
    }

    /// This phone's key pair for 我的党员码: a WebCrypto `CryptoKeyPair`
    /// whose private key cannot be exported, stored as the browser's
    /// structured clone (IndexedDB keeps such keys as they are).
    pub async fn member_key(&self) -> Result<Option<JsValue>, StoreError> {
        let tx = self.db.transaction(stores::META).build()?;
        let v: Option<JsValue> = tx
            .object_store(stores::META)?
            .get(MEMBER_KEY)
            .primitive()?
            .await?;
        Ok(v)
    }

    pub async fn save_member_key(&self, pair: &JsValue) -> Result<(), StoreError> {
        let tx = self
            .db
            .transaction(stores::META)
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        tx.object_store(stores::META)?
            .put(pair)
            .with_key(MEMBER_KEY)
            .with_key_type::<String>()
            .primitive()?
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn short_secret(&self) -> Result<Option<ShortSecretKept>, StoreError> {
        self.get_meta(SHORT_SECRET_KEY).await
    }

    pub async fn save_short_secret(&self, kept: &ShortSecretKept) -> Result<(), StoreError> {
        self.put_meta(SHORT_SECRET_KEY, kept).await
    }

    /// Signs out: forgets the token and the account's records. Refused while
    /// the outbox holds changes, which would otherwise be lost.
    pub async fn sign_out(&self) -> Result<(), StoreError> {
        let tx = self
            .db
            .transaction(SYNC_STORES)
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        let meta = tx.object_store(stores::META)?;
        let last_seq = read_sync_meta(&meta).await?.last_seq;
        // Processed ones waiting for their result do not count.
        let pending = tx
            .object_store(stores::OUTBOX)?
            .count()
            .with_query::<f64, _>(KeyRange::LowerBound(last_seq as f64, true))
            .await?;
        if pending > 0 {
            return Err(StoreError::Pending(pending));
        }
        meta.delete(SESSION_KEY).primitive()?.await?;
        meta.delete(SYNC_KEY).primitive()?.await?;
        // The next account on this phone makes its own key.
        meta.delete(MEMBER_KEY).primitive()?.await?;
        meta.delete(SHORT_SECRET_KEY).primitive()?.await?;
        for s in [
            stores::ORGS,
            stores::MEMBERS,
            stores::REJECTED,
            stores::DOCS,
            stores::OUTBOX,
        ] {
            tx.object_store(s)?.clear()?.await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn load(&self) -> Result<Persisted, StoreError> {
        let tx = self.db.transaction(SYNC_STORES).build()?;
        let mut base = Records::default();
        for o in tx
            .object_store(stores::ORGS)?
            .get_all::<Org>()
            .serde()?
            .await?
        {
            let o = o?;
            base.orgs.insert(o.id.clone(), o);
        }
        for m in tx
            .object_store(stores::MEMBERS)?
            .get_all::<Member>()
            .serde()?
            .await?
        {
            let m = m?;
            base.members.insert(m.id.clone(), m);
        }
        let docs = tx
            .object_store(stores::DOCS)?
            .get_all::<JsValue>()
            .primitive()?
            .await?
            .collect::<Result<Vec<_>, _>>()?;
        let outbox = tx
            .object_store(stores::OUTBOX)?
            .get_all::<JsValue>()
            .primitive()?
            .await?
            .collect::<Result<Vec<_>, _>>()?;
        let rejected = tx
            .object_store(stores::REJECTED)?
            .get_all::<JsValue>()
            .primitive()?
            .await?
            .collect::<Result<Vec<_>, _>>()?;
        let meta: Option<SyncMeta> = tx
            .object_store(stores::META)?
            .get(SYNC_KEY)
            .serde()?
            .await?;
        Ok(Persisted {
            base,
            docs,
            outbox,
            rejected,
            meta: meta.unwrap_or_default(),
        })
    }

    /// The optimistic write: the view is derived from the outbox, so this one
    /// put is the whole local write (see `zhijian_domain::replica`).
    /// Refused when `m.seq` is already behind what is processed: the caller's
    /// copy of the numbering is stale (another tab renumbered the queue), and
    /// it reloads and tries again.
    pub async fn append_outbox(&self, m: &Mutation) -> Result<(), StoreError> {
        let tx = self
            .db
            .transaction([stores::OUTBOX, stores::META])
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        let meta = read_sync_meta(&tx.object_store(stores::META)?).await?;
        if m.seq <= meta.last_seq {
            return Err(StoreError::Op(format!(
                "seq {} is already processed",
                m.seq
            )));
        }
        tx.object_store(stores::OUTBOX)?.add(m).serde()?.await?;
        tx.commit().await?;
        Ok(())
    }

    /// Renumbers the queued mutations to start at `first`, keeping their
    /// order and ids, and marks everything before it processed: the server
    /// has used this device's seqs up to `first - 1` (the device's numbering
    /// went back). One transaction: a crash leaves the old numbering or the
    /// new one.
    pub async fn renumber(&self, first: u64) -> Result<(), StoreError> {
        let tx = self
            .db
            .transaction([stores::OUTBOX, stores::META])
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        let outbox = tx.object_store(stores::OUTBOX)?;
        let meta_store = tx.object_store(stores::META)?;
        let mut meta = read_sync_meta(&meta_store).await?;
        let mut queued: Vec<(f64, JsValue)> = Vec::new();
        for v in outbox.get_all::<JsValue>().primitive()?.await? {
            let v = v?;
            let seq = js_sys::Reflect::get(&v, &JsValue::from_str("seq"))
                .ok()
                .and_then(|s| s.as_f64())
                .ok_or_else(|| StoreError::Op("a queued change without a seq".into()))?;
            // Processed ones awaiting their result are not renumbered: the
            // server's record of those seqs is gone with its numbering.
            if seq > meta.last_seq as f64 {
                queued.push((seq, v));
            }
        }
        queued.sort_by(|a, b| a.0.total_cmp(&b.0));
        outbox.clear()?.await?;
        for (i, (_, v)) in queued.iter().enumerate() {
            js_sys::Reflect::set(
                v,
                &JsValue::from_str("seq"),
                &JsValue::from_f64((first + i as u64) as f64),
            )
            .map_err(|_| StoreError::Op("cannot renumber a queued change".into()))?;
            drop(outbox.put(v).primitive()?);
        }
        meta.last_seq = first.saturating_sub(1);
        write_sync_meta(&meta_store, &meta).await?;
        tx.commit().await?;
        Ok(())
    }

    /// After a push or a pull: drop processed mutations, keep rejections,
    /// and (for a pull) apply the page to the base; one transaction.
    pub async fn acknowledge(
        &self,
        last_seq: u64,
        results: &[MutationResult],
        pull: Option<(&PullResponse, &JsValue)>,
        synced_at: Option<f64>,
    ) -> Result<(), StoreError> {
        let is_pull = pull.is_some();
        let tx = self
            .db
            .transaction(SYNC_STORES)
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        let meta_store = tx.object_store(stores::META)?;
        let mut meta = read_sync_meta(&meta_store).await?;
        if let Some((p, raw)) = pull {
            let (orgs, members, docs) = (
                tx.object_store(stores::ORGS)?,
                tx.object_store(stores::MEMBERS)?,
                tx.object_store(stores::DOCS)?,
            );
            if p.reset {
                orgs.clear()?.await?;
                members.clear()?.await?;
                docs.clear()?.await?;
            }
            // Requests go out when built; the commit below waits for all of
            // them and fails (rolling everything back) if any did. Awaiting
            // each one would cost an event-loop turn per row.
            // Records are stored as the server sent them (the browser's
            // parse of the answer), not re-encoded: the same values, and no
            // serializer for every record type in the first load.
            let changes = crate::sync::docs::member(raw, "changes")
                .filter(js_sys::Array::is_array)
                .ok_or_else(|| StoreError::Op("a pull without changes".into()))?;
            let shape = || StoreError::Op("a pulled change in an unknown shape".into());
            let get =
                |v: &JsValue, field: &str| crate::sync::docs::member(v, field).ok_or_else(shape);
            for c in changes.unchecked_ref::<js_sys::Array>().iter() {
                let (tag, inner) = crate::sync::docs::tagged(&c).ok_or_else(shape)?;
                match tag.as_str() {
                    "org" => drop(orgs.put(get(&inner, "org")?).primitive()?),
                    "member" => drop(members.put(get(&inner, "member")?).primitive()?),
                    "member_gone" => {
                        let id = get(&inner, "id")?.as_string().ok_or_else(shape)?;
                        drop(members.delete(id).primitive()?)
                    }
                    "doc" => {
                        let doc = get(&inner, "doc")?;
                        let (_, body) = crate::sync::docs::tagged(&doc).ok_or_else(shape)?;
                        let id = get(&body, "id")?.as_string().ok_or_else(shape)?;
                        drop(
                            docs.put(doc)
                                .with_key(id)
                                .with_key_type::<String>()
                                .primitive()?,
                        )
                    }
                    _ => return Err(shape()),
                }
            }
            meta.cursor = p.cursor;
            meta.epoch = p.epoch;
        }
        if last_seq > meta.last_seq {
            meta.last_seq = last_seq;
        }
        if synced_at.is_some() {
            meta.synced_at = synced_at;
        }
        // A rejection keeps the refused mutation, so the page it belongs to
        // can show why (the server sends only the reason). The outbox entry
        // is copied as stored: nothing here needs to read a mutation.
        let outbox = tx.object_store(stores::OUTBOX)?;
        let rejected = tx.object_store(stores::REJECTED)?;
        for r in results
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::Rejected { .. }))
        {
            // Pulls repeat results already seen after a push: keep the first
            // copy, which has the mutation (the outbox entry is gone by now).
            let known: Option<JsValue> = rejected.get(r.seq as f64).primitive()?.await?;
            if known.is_some() {
                continue;
            }
            let entry: Option<JsValue> = outbox.get(r.seq as f64).primitive()?.await?;
            let record =
                serde_wasm_bindgen::to_value(r).map_err(|e| StoreError::Op(e.to_string()))?;
            if let Some(op) =
                entry.and_then(|m| js_sys::Reflect::get(&m, &JsValue::from_str("op")).ok())
            {
                js_sys::Reflect::set(&record, &JsValue::from_str("op"), &op)
                    .map_err(|_| StoreError::Op("cannot keep the refused mutation".into()))?;
            }
            drop(rejected.put(&record).primitive()?);
        }
        // Keys are seqs; everything up to last_seq is processed. A push's
        // answer drops those it reports; one processed by an earlier push
        // whose answer was lost is reported by the next pull, and stays
        // until then so that a refusal keeps its mutation.
        if is_pull && meta.last_seq > 0 {
            drop(
                outbox
                    .delete::<f64, _>(KeyRange::UpperBound(meta.last_seq as f64, false))
                    .primitive()?,
            );
        } else {
            for r in results.iter().filter(|r| r.seq <= meta.last_seq) {
                drop(outbox.delete(r.seq as f64).primitive()?);
            }
        }
        write_sync_meta(&meta_store, &meta).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn dismiss_rejection(&self, seq: u64) -> Result<(), StoreError> {
        let tx = self
            .db
            .transaction(stores::REJECTED)
            .with_mode(TransactionMode::Readwrite)
            .build()?;
        tx.object_store(stores::REJECTED)?
            .delete(seq as f64)
            .primitive()?
            .await?;
        tx.commit().await?;
        Ok(())
    }
}

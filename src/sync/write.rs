//! The write path, in its own wasm chunk: the mutations' rules
//! (`zhijian_domain::mutation::apply`), reading queued mutations and refusals
//! back from IndexedDB, and pushing them. Validating and applying every kind
//! of change is most of the domain, and a start with nothing queued needs
//! none of it; the read path (pull, base records, pages' views) stays in the
//! first load. The chunk is fetched when a change is made or found queued.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;

use leptos::prelude::*;
use wasm_bindgen::JsValue;
use zhijian_client::{ApiError, Client};
use zhijian_domain::replica::ApplyFn;
use zhijian_domain::sync::{
    MAX_PUSH_MUTATIONS, Mutation, PushRequest, RejectedMutation, SCHEMA_VERSION,
};

use super::{Sync, SyncFailure};
use crate::lazy::SplitLoaderError;
use crate::store::Store;

type PushAll<'a> = Pin<Box<dyn Future<Output = Result<(), SyncFailure>> + 'a>>;

/// What the chunk hands over.
#[derive(Clone, Copy)]
pub struct WritePath {
    pub apply: ApplyFn,
    pub decode_outbox: fn(Vec<JsValue>) -> Result<Vec<Mutation>, String>,
    pub decode_rejected: fn(Vec<JsValue>) -> Result<Vec<RejectedMutation>, String>,
    /// Pushes everything queued, acknowledging each batch.
    pub push_all: for<'a> fn(Sync, Client, String, &'a Store) -> PushAll<'a>,
}

thread_local! {
    static LOADED: Cell<Option<WritePath>> = const { Cell::new(None) };
}

/// The write path, if its chunk is already here.
pub fn loaded() -> Option<WritePath> {
    LOADED.get()
}

/// The write path, fetching its chunk on first use (from the service
/// worker's cache once it has it), and the documents' decoder with it: the
/// rules judge changes against every document. A failure is not
/// remembered: the next call tries again.
pub async fn load(sync: Sync) -> Result<WritePath, SplitLoaderError> {
    let w = match loaded() {
        Some(w) => w,
        None => write_path().await?,
    };
    super::docs::ensure(sync).await?;
    LOADED.set(Some(w));
    Ok(w)
}

fn path() -> WritePath {
    WritePath {
        apply: zhijian_domain::mutation::apply,
        decode_outbox: decode,
        decode_rejected: decode,
        push_all: |sync, client, client_id, store| {
            Box::pin(push_all(sync, client, client_id, store))
        },
    }
}

async fn push_all(
    sync: Sync,
    client: Client,
    client_id: String,
    store: &Store,
) -> Result<(), SyncFailure> {
    // Set after the server said its record of this device is behind.
    let mut resume = false;
    let mut renumbered = false;
    // Batches are bounded by count; a few large changes (courses) can still
    // pass the server's body limit: then half as many, down to one.
    let mut limit = MAX_PUSH_MUTATIONS;
    loop {
        let batch = sync
            .replica
            .with_untracked(|r| r.as_ref().map(|r| r.pending(limit).to_vec()));
        let Some(batch) = batch.filter(|b| !b.is_empty()) else {
            return Ok(());
        };
        let first = batch[0].seq;
        let req = PushRequest {
            schema_version: SCHEMA_VERSION,
            client_id: client_id.clone(),
            mutations: batch,
            resume,
        };
        let resp = match client.push(&req).await {
            Ok(resp) => resp,
            Err(ApiError::Status { status: 413, .. }) if limit > 1 => {
                limit /= 2;
                continue;
            }
            Err(ApiError::Status { status: 409, body }) => {
                let expected = body.expected_seq.ok_or(SyncFailure::Server)?;
                if (body.code == "seq_reused" || expected > first) && !renumbered {
                    // This device's numbering went back (its storage was
                    // restored): the server has used these seqs for other
                    // mutations. Queue ours after them, ids unchanged.
                    leptos::logging::warn!("renumbering queued changes from {first} to {expected}");
                    store
                        .renumber(expected)
                        .await
                        .map_err(|_| SyncFailure::Storage)?;
                    sync.replica.update(|r| {
                        if let Some(r) = r {
                            r.renumber(expected);
                        }
                    });
                    renumbered = true;
                    continue;
                }
                if expected < first && !resume {
                    // The server's record of this device is behind (restored
                    // from a backup): ask it to continue from our numbering.
                    leptos::logging::warn!(
                        "the server expects seq {expected}, resuming at {first}"
                    );
                    resume = true;
                    continue;
                }
                return Err(SyncFailure::Server);
            }
            Err(e) => return Err(Sync::failure(&e)),
        };
        resume = false;
        limit = (limit * 2).min(MAX_PUSH_MUTATIONS);
        store
            .acknowledge(resp.last_seq, &resp.results, None, None)
            .await
            .map_err(|_| SyncFailure::Storage)?;
        let queued = || {
            sync.replica
                .with_untracked(|r| r.as_ref().map_or(0, |r| r.outbox.len()))
        };
        let before = queued();
        sync.replica.update(|r| {
            if let Some(r) = r {
                r.apply_push(&resp);
            }
        });
        if queued() >= before {
            // The server processed nothing new: do not spin.
            return Ok(());
        }
    }
}

fn decode<T: serde::de::DeserializeOwned>(raw: Vec<JsValue>) -> Result<Vec<T>, String> {
    raw.into_iter()
        .map(|v| serde_wasm_bindgen::from_value(v).map_err(|e| e.to_string()))
        .collect()
}

#[cfg(not(feature = "eager"))]
#[leptos::wasm_split::wasm_split(write, fallible, wasm_split_path = ::leptos::wasm_split)]
fn write_path() -> Result<WritePath, SplitLoaderError> {
    Ok(path())
}

#[cfg(feature = "eager")]
async fn write_path() -> Result<WritePath, SplitLoaderError> {
    Ok(path())
}

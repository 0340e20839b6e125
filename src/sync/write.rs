//! The write path, in its own wasm chunk: the mutations' rules
//! (`zhijian_domain::mutation::apply`), reading queued mutations and refusals
//! back from IndexedDB, and pushing them. Validating and applying every kind
//! of change is most of the domain, and a start with nothing queued needs
//! none of it; the read path (pull, base records, pages' views) stays in the
//! first load. The chunk is fetched when a change is made or found queued.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;

use wasm_bindgen::JsValue;
use zhijian_client::{ApiError, Client};
use zhijian_domain::replica::ApplyFn;
use zhijian_domain::sync::{Mutation, PushRequest, PushResponse, RejectedMutation};

use crate::lazy::SplitLoaderError;

type PushFuture = Pin<Box<dyn Future<Output = Result<PushResponse, ApiError>>>>;

/// What the chunk hands over.
#[derive(Clone, Copy)]
pub struct WritePath {
    pub apply: ApplyFn,
    pub decode_outbox: fn(Vec<JsValue>) -> Result<Vec<Mutation>, String>,
    pub decode_rejected: fn(Vec<JsValue>) -> Result<Vec<RejectedMutation>, String>,
    pub push: fn(Client, PushRequest) -> PushFuture,
}

thread_local! {
    static LOADED: Cell<Option<WritePath>> = const { Cell::new(None) };
}

/// The write path, if its chunk is already here.
pub fn loaded() -> Option<WritePath> {
    LOADED.get()
}

/// The write path, fetching its chunk on first use (from the service
/// worker's cache once it has it). A failure is not remembered: the next
/// call tries again.
pub async fn load() -> Result<WritePath, SplitLoaderError> {
    if let Some(w) = loaded() {
        return Ok(w);
    }
    let w = write_path().await?;
    LOADED.set(Some(w));
    Ok(w)
}

fn path() -> WritePath {
    WritePath {
        apply: zhijian_domain::mutation::apply,
        decode_outbox: decode,
        decode_rejected: decode,
        push: |client, req| Box::pin(async move { client.push(&req).await }),
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

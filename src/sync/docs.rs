//! Decoding documents, in two steps that keep the first load small
//! (docs/architecture.md, "Cold documents").
//!
//! serde's decoder for a kind of document costs the main module about
//! 1.5 KB brotli, and every kind added costs every phone's first visit. The
//! landing page shows only menus, activities, sign-ups, check-ins and
//! wallets (the "hot" kinds): the main module decodes those. The others
//! (credits history, holds, rewards, wishes, meetings, rules…) are kept as
//! the browser parsed them until the `docs` chunk is here; every other page
//! and the write path wait for it ([`ensure`]), and once it is loaded every
//! document is decoded as it arrives. IndexedDB keeps every document as the
//! server sent it either way, so nothing depends on which step decoded it.

use std::cell::{Cell, RefCell};

use leptos::prelude::Update;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, JsValue};
use zhijian_domain::doc::Doc;
use zhijian_domain::sync::{Change, MutationResult, PullResponse};
use zhijian_domain::{Member, Org};

use super::Sync;
use crate::lazy::SplitLoaderError;

type DecodeFn = fn(JsValue) -> Result<Doc, String>;

thread_local! {
    /// The `docs` chunk's decoder, once it is loaded.
    static FULL: Cell<Option<DecodeFn>> = const { Cell::new(None) };
    /// The replica's documents not decoded yet, oldest first.
    static COLD: RefCell<Vec<JsValue>> = const { RefCell::new(Vec::new()) };
}

/// A document, or one kept as it came until the chunk decodes it.
// Moved once from decoding into a list: boxing would cost an allocation each.
#[allow(clippy::large_enum_variant)]
pub enum Decoded {
    Doc(Doc),
    Cold(JsValue),
}

fn de<T: DeserializeOwned>(v: JsValue) -> Result<T, String> {
    serde_wasm_bindgen::from_value(v).map_err(|e| e.to_string())
}

/// The one key of an externally tagged value (`{"menu": {...}}`) and what it holds.
pub fn tagged(v: &JsValue) -> Option<(String, JsValue)> {
    let keys = js_sys::Object::keys(v.dyn_ref::<js_sys::Object>()?);
    if keys.length() != 1 {
        return None;
    }
    let tag = keys.get(0).as_string()?;
    let inner = js_sys::Reflect::get(v, &JsValue::from_str(&tag)).ok()?;
    Some((tag, inner))
}

/// Decodes a stored or pulled document: at once if its kind is hot or the
/// chunk is here, else kept raw. The tags are `Doc`'s variants in
/// snake_case (serde's external tagging; tests/browser.rs checks each).
pub fn decode(raw: JsValue) -> Result<Decoded, String> {
    match FULL.get() {
        Some(full) => full(raw).map(Decoded::Doc),
        None => decode_hot(raw),
    }
}

/// What the main module decodes by itself: the hot kinds, by their tags.
pub fn decode_hot(raw: JsValue) -> Result<Decoded, String> {
    let (tag, inner) = tagged(&raw).ok_or("a document in an unknown shape")?;
    let doc = match tag.as_str() {
        "menu" => Doc::Menu(de(inner)?),
        "activity" => Doc::Activity(de(inner)?),
        "signup" => Doc::Signup(de(inner)?),
        "check_in" => Doc::CheckIn(de(inner)?),
        "wallet" => Doc::Wallet(de(inner)?),
        _ => return Ok(Decoded::Cold(raw)),
    };
    Ok(Decoded::Doc(doc))
}

/// Decodes stored documents: the decoded ones, and the ones left for the chunk.
pub fn decode_all(raw: Vec<JsValue>) -> Result<(Vec<Doc>, Vec<JsValue>), String> {
    let (mut docs, mut cold) = (Vec::new(), Vec::new());
    for v in raw {
        match decode(v)? {
            Decoded::Doc(d) => docs.push(d),
            Decoded::Cold(v) => cold.push(v),
        }
    }
    Ok((docs, cold))
}

/// The replica was rebuilt from storage: these are its undecoded documents.
pub fn replace_cold(cold: Vec<JsValue>) {
    COLD.set(cold);
}

/// A pulled page's documents left for the chunk: kept with the others, or
/// decoded now if the chunk arrived while the page was being stored.
pub fn admit(cold: Vec<JsValue>) -> Vec<Doc> {
    let Some(full) = FULL.get() else {
        COLD.with_borrow_mut(|c| c.extend(cold));
        return Vec::new();
    };
    decode_logged(full, cold)
}

fn decode_logged(full: DecodeFn, raw: Vec<JsValue>) -> Vec<Doc> {
    raw.into_iter()
        .filter_map(|v| {
            full(v)
                .inspect_err(|e| leptos::logging::error!("a stored document does not decode: {e}"))
                .ok()
        })
        .collect()
}

/// Whether every document of the replica is decoded (the chunk is here).
pub fn complete() -> bool {
    FULL.get().is_some()
}

/// Loads the `docs` chunk once and decodes what waits into `sync`'s
/// replica. Pages other than the landing page and the write path call it
/// before they read the replica. A failure is not remembered.
pub async fn ensure(sync: Sync) -> Result<(), SplitLoaderError> {
    if complete() {
        return Ok(());
    }
    let docs = load_decoder().await?;
    sync.replica.update(|r| {
        if let Some(r) = r {
            r.add_docs(docs);
        }
    });
    Ok(())
}

/// Loads the chunk's decoder and decodes the documents that wait for it.
/// No await after the load: what waits is decoded for the replica it
/// belongs to, and later arrivals are decoded as they come.
pub async fn load_decoder() -> Result<Vec<Doc>, SplitLoaderError> {
    let full = decoder().await?;
    FULL.set(Some(full));
    Ok(decode_logged(full, COLD.take()))
}

/// A pulled page: its changes decoded (cold documents aside).
pub struct Page {
    pub resp: PullResponse,
    pub cold: Vec<JsValue>,
}

#[derive(Deserialize)]
struct Head {
    cursor: u64,
    has_more: bool,
    #[serde(default)]
    reset: bool,
    #[serde(default)]
    epoch: u64,
    last_seq: u64,
    results: Vec<MutationResult>,
}

#[derive(Deserialize)]
struct OrgChange {
    version: u64,
    org: Org,
}

#[derive(Deserialize)]
struct MemberChange {
    version: u64,
    member: Member,
}

#[derive(Deserialize)]
struct GoneChange {
    version: u64,
    id: String,
}

/// `v[name]`, when it is there: reading the browser's parse of an answer
/// (here and in the store, which keeps the records as they came).
pub fn member(v: &JsValue, name: &str) -> Option<JsValue> {
    js_sys::Reflect::get(v, &JsValue::from_str(name))
        .ok()
        .filter(|f| !f.is_undefined())
}

fn field(v: &JsValue, name: &str) -> Result<JsValue, String> {
    member(v, name).ok_or_else(|| format!("a pull without {name}"))
}

/// Decodes a pull's answer as the browser parsed it (`PullResponse` on the
/// wire), leaving cold documents raw. Nothing here decodes `Doc` whole, so
/// the main module has no decoder for the cold kinds.
pub fn decode_page(raw: &JsValue) -> Result<Page, String> {
    let head: Head = de(raw.clone())?;
    let changes = field(raw, "changes")?;
    let changes: &js_sys::Array = changes.dyn_ref().ok_or("a pull's changes are not a list")?;
    let mut page = Page {
        resp: PullResponse {
            changes: Vec::with_capacity(changes.length() as usize),
            cursor: head.cursor,
            has_more: head.has_more,
            reset: head.reset,
            epoch: head.epoch,
            last_seq: head.last_seq,
            results: head.results,
        },
        cold: Vec::new(),
    };
    for c in changes.iter() {
        let (tag, inner) = tagged(&c).ok_or("a pulled change in an unknown shape")?;
        let change = match tag.as_str() {
            "org" => {
                let OrgChange { version, org } = de(inner)?;
                Change::Org { version, org }
            }
            "member" => {
                let MemberChange { version, member } = de(inner)?;
                Change::Member { version, member }
            }
            "member_gone" => {
                let GoneChange { version, id } = de(inner)?;
                Change::MemberGone { version, id }
            }
            "doc" => {
                let version = field(&inner, "version")?
                    .as_f64()
                    .ok_or("a document's version is not a number")?
                    as u64;
                match decode(field(&inner, "doc")?)? {
                    Decoded::Doc(doc) => Change::Doc { version, doc },
                    Decoded::Cold(v) => {
                        page.cold.push(v);
                        continue;
                    }
                }
            }
            other => return Err(format!("a pulled change of an unknown kind: {other}")),
        };
        page.resp.changes.push(change);
    }
    Ok(page)
}

fn full(raw: JsValue) -> Result<Doc, String> {
    de(raw)
}

#[cfg(not(feature = "eager"))]
#[leptos::wasm_split::wasm_split(docs, fallible, wasm_split_path = ::leptos::wasm_split)]
fn decoder() -> Result<DecodeFn, SplitLoaderError> {
    Ok(full)
}

#[cfg(feature = "eager")]
async fn decoder() -> Result<DecodeFn, SplitLoaderError> {
    Ok(full)
}

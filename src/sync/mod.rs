//! The sync engine: the replica in memory, its persistence in IndexedDB, and
//! the push/pull cycle with the server (docs/sync.md).
//!
//! Every local change goes through `Sync::mutate`, which validates it with the
//! same `apply` the server uses, appends it to the outbox (one IndexedDB
//! transaction) and schedules a sync. One tab syncs at a time (Web Locks);
//! the others reload from IndexedDB when it broadcasts.

pub mod docs;
mod lock;
mod write;

use std::cell::Cell;

use gloo_events::EventListener;
use gloo_timers::callback::Timeout;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsValue;
use zhijian_domain::refusal::Why;
use zhijian_domain::replica::{Replica, actor_for};
use zhijian_domain::sync::{Outcome, PullRequest, SCHEMA_VERSION};
use zhijian_domain::{Op, Rejection};

use crate::api::{self, ApiError};
use crate::store::{Session, Store, StoreError};

const CHANNEL: &str = "zhijian-sync";

#[derive(Clone, Debug, Default, PartialEq)]
pub struct SyncStatus {
    pub syncing: bool,
    /// The last attempt failed for this reason (cleared by a success).
    pub error: Option<SyncFailure>,
    /// ms since the epoch of the last complete sync.
    pub synced_at: Option<f64>,
}

/// What the server made of a change a screen waited for
/// ([`Sync::mutate_and_wait`]).
pub enum Verdict {
    /// Accepted, and what it wrote is pulled.
    Done,
    /// Refused: the server's message, and its reason for other languages.
    Refused {
        message: String,
        reason: Option<zhijian_domain::refusal::Reason>,
    },
    /// No answer in time (offline, or slow): the change stays queued.
    NoAnswer,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyncFailure {
    Offline,
    SessionExpired,
    Server,
    Storage,
}

#[derive(Clone, Debug, thiserror::Error)]
pub enum SignInError {
    #[error("手机号或密码不正确")]
    BadCredentials,
    #[error("需要联网才能登录")]
    Offline,
    /// Too many wrong passwords for this login or from this network.
    #[error("尝试次数过多，请 {retry_after} 秒后再试")]
    Throttled { retry_after: u64 },
    #[error("服务器繁忙，请稍后再试")]
    Busy,
    /// Another account's changes are still unsynced on this device.
    #[error("本机还有 {0} 的未同步修改，请先用该账号登录并同步")]
    OtherAccountPending(String),
    #[error("登录失败：{0}")]
    Other(String),
}

#[derive(Debug, thiserror::Error)]
pub enum SignOutError {
    #[error("还有 {0} 条修改未同步，联网同步后才能退出")]
    Pending(usize),
    #[error("需要联网")]
    Offline,
    #[error("{0}")]
    Storage(String),
}

#[derive(Clone, Copy)]
pub struct Sync {
    pub session: RwSignal<Option<Session>>,
    pub replica: RwSignal<Option<Replica>>,
    pub status: RwSignal<SyncStatus>,
    /// The session was refused by the server: sign in again (outbox kept).
    pub needs_login: RwSignal<bool>,
    /// Set once IndexedDB has been read, so pages can tell "empty" from "loading".
    pub loaded: RwSignal<bool>,
}

thread_local! {
    static FAILURES: Cell<u32> = const { Cell::new(0) };
    /// Bumped by every sign-out: a reload that began before it must not put
    /// the signed-out session back (it read IndexedDB before it was cleared).
    static SIGN_OUTS: Cell<u32> = const { Cell::new(0) };
    static PENDING_TIMER: Cell<Option<i32>> = const { Cell::new(None) };
    static AGAIN: Cell<bool> = const { Cell::new(false) };
}

fn new_client_id() -> String {
    random_hex()
}

/// 32 random hex digits: client ids, record ids, check-in secrets.
pub fn random_hex() -> String {
    let mut bytes = [0u8; 16];
    if !random_bytes(&mut bytes) {
        for b in bytes.iter_mut() {
            *b = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Fills `bytes` from the browser's cryptographic generator; false where
/// there is none (secrets must then not be made).
pub fn random_bytes(bytes: &mut [u8]) -> bool {
    web_sys::window()
        .and_then(|w| w.crypto().ok())
        .is_some_and(|c| c.get_random_values_with_u8_array(bytes).is_ok())
}

const SIGNED_IN_KEY: &str = "zhijian.signed_in";

/// Whether this device was signed in when last seen, known before IndexedDB
/// is read: a visitor's landing page shows at once instead of waiting on it.
pub fn signed_in_hint() -> bool {
    crate::locale::storage()
        .and_then(|s| s.get_item(SIGNED_IN_KEY).ok().flatten())
        .is_some()
}

fn remember_signed_in(yes: bool) {
    if let Some(s) = crate::locale::storage() {
        // Only a hint: private mode may refuse, and then the page waits.
        let _ = if yes {
            s.set_item(SIGNED_IN_KEY, "1")
        } else {
            s.remove_item(SIGNED_IN_KEY)
        };
    }
}

fn broadcast() {
    if let Ok(ch) = web_sys::BroadcastChannel::new(CHANNEL) {
        let _ = ch.post_message(&JsValue::from_str("changed"));
        ch.close();
    }
}

impl Sync {
    pub fn provide() -> Self {
        let me = Self {
            session: RwSignal::new(None),
            replica: RwSignal::new(None),
            status: RwSignal::new(SyncStatus::default()),
            needs_login: RwSignal::new(false),
            loaded: RwSignal::new(false),
        };
        provide_context(me);
        if let Ok(ch) = web_sys::BroadcastChannel::new(CHANNEL) {
            // Another tab synced or changed something: read it back.
            EventListener::new(&ch, "message", move |_| spawn_local(me.reload())).forget();
            std::mem::forget(ch);
        }
        if let Some(w) = web_sys::window() {
            EventListener::new(&w, "online", move |_| me.sync_soon(0)).forget();
            if let Some(doc) = w.document() {
                let d = doc.clone();
                EventListener::new(&doc, "visibilitychange", move |_| {
                    if d.visibility_state() == web_sys::VisibilityState::Visible {
                        me.sync_soon(0);
                    }
                })
                .forget();
            }
        }
        spawn_local(async move {
            me.reload().await;
            me.loaded.set(true);
            me.sync_soon(0);
        });
        me
    }

    pub fn get() -> Self {
        expect_context()
    }

    /// The alliances of a freshly fetched directory (for joint menus).
    /// Pages re-render only if they changed.
    pub fn set_alliances(self, list: Vec<zhijian_domain::Alliance>) {
        self.replica
            .maybe_update(|r| r.as_mut().is_some_and(|r| r.set_alliances(list)));
    }

    pub fn pending(&self) -> usize {
        self.replica
            .with(|r| r.as_ref().map_or(0, |r| r.outbox.len()))
    }

    /// Rebuilds the replica from IndexedDB.
    async fn reload(self) {
        let generation = SIGN_OUTS.with(Cell::get);
        let store = match Store::open().await {
            Ok(s) => s,
            Err(e) => return self.storage_failed(&e),
        };
        let session = store.session().await.ok().flatten();
        let Some(session) = session else {
            remember_signed_in(false);
            self.session.set(None);
            self.replica.set(None);
            store.close();
            return;
        };
        // Alliances come with the public directory, cached beside the records.
        let alliances = store
            .directory()
            .await
            .ok()
            .flatten()
            .map(|d| d.directory.alliances)
            .unwrap_or_default();
        let mut p = match store.load().await {
            Ok(p) => p,
            Err(e) => {
                store.close();
                return self.storage_failed(&e);
            }
        };
        store.close();
        // Queued changes and refusals are read by the write path (its own
        // chunk); a start with none never fetches it.
        let queued = !(p.outbox.is_empty() && p.rejected.is_empty());
        let write = match (write::loaded(), queued) {
            (Some(w), _) => Some(w),
            (None, true) => match write::load(self).await {
                Ok(w) => Some(w),
                Err(_) => {
                    // Cannot happen once the app has run here (the chunk was
                    // needed to queue anything, and is cached): keep the
                    // queue in IndexedDB untouched and say so.
                    leptos::logging::error!("the write path could not be loaded");
                    self.status.update(|s| s.error = Some(SyncFailure::Storage));
                    return;
                }
            },
            (None, false) => None,
        };
        let (outbox, rejected) = match write {
            Some(w) => match ((w.decode_outbox)(p.outbox), (w.decode_rejected)(p.rejected)) {
                (Ok(o), Ok(r)) => (o, r),
                (Err(e), _) | (_, Err(e)) => {
                    return self.storage_failed(&StoreError::Op(e));
                }
            },
            None => (Vec::new(), Vec::new()),
        };
        // After the last await: the documents left undecoded belong to
        // the replica set below (`docs::ensure` decodes them into it).
        let cold = match docs::decode_all(p.docs) {
            Ok((decoded, cold)) => {
                decoded.into_iter().for_each(|d| p.base.put_doc(d));
                cold
            }
            Err(e) => return self.storage_failed(&StoreError::Op(e)),
        };
        p.base.alliances = alliances;
        let actor = actor_for(&session.account, &p.base);
        let mut r = Replica::without_rules(
            actor,
            p.base,
            outbox,
            p.meta.cursor,
            p.meta.last_seq,
            rejected,
        );
        r.epoch = p.meta.epoch;
        if let Some(w) = write {
            r.set_apply(w.apply);
        }
        r.set_now(crate::when::now_secs());
        if SIGN_OUTS.with(Cell::get) != generation {
            return;
        }
        // Accepted changes not yet pulled live only in memory: keep
        // showing them (IndexedDB has neither them nor their records).
        self.replica.update_untracked(|old| {
            if let Some(old) = old
                && old.actor.account_id == r.actor.account_id
            {
                r.carry_acked(old);
            }
        });
        self.status.update(|s| s.synced_at = p.meta.synced_at);
        docs::replace_cold(cold);
        self.replica.set(Some(r));
        remember_signed_in(true);
        self.session.set(Some(session));
    }

    fn storage_failed(&self, e: &StoreError) {
        leptos::logging::error!("{e}");
        self.status.update(|s| s.error = Some(SyncFailure::Storage));
    }

    /// Signs in (needs the network). The same account signing in again keeps
    /// its device identity and outbox; another account starts fresh.
    pub async fn sign_in(self, login: &str, password: &str) -> Result<(), SignInError> {
        let resp = api::client()
            .login(login, password)
            .await
            .map_err(|e| match e {
                ApiError::Status { status: 401, .. } => SignInError::BadCredentials,
                ApiError::Status { status: 429, body } => SignInError::Throttled {
                    retry_after: body.retry_after.unwrap_or(60),
                },
                ApiError::Status { status: 503, .. } => SignInError::Busy,
                ApiError::Network(_) => SignInError::Offline,
                other => SignInError::Other(other.to_string()),
            })?;
        let store = Store::open()
            .await
            .map_err(|e| SignInError::Other(e.to_string()))?;
        let previous = store.session().await.ok().flatten();
        let client_id = match previous {
            Some(p) if p.account.id == resp.account.id => p.client_id,
            Some(p) => {
                // Never drop another account's unsynced work to let this one in.
                store.sign_out().await.map_err(|e| match e {
                    StoreError::Pending(_) => {
                        SignInError::OtherAccountPending(p.account.display_name.clone())
                    }
                    other => SignInError::Other(other.to_string()),
                })?;
                new_client_id()
            }
            None => new_client_id(),
        };
        let session = Session {
            token: resp.token,
            expires_at: resp.expires_at,
            account: resp.account,
            client_id,
        };
        store
            .save_session(&session)
            .await
            .map_err(|e| SignInError::Other(e.to_string()))?;
        store.close();
        // Signing in is online by nature: fetch the write path now, so that
        // the first change works even if the network drops right after (the
        // chunk then also sits in the HTTP cache for other tabs).
        if write::load(self).await.is_err() {
            leptos::logging::warn!("the write path could not be fetched at sign-in");
        }
        self.needs_login.set(false);
        self.reload().await;
        broadcast();
        self.sync_soon(0);
        Ok(())
    }

    /// Signs out after a last sync. Refused while changes are unsynced.
    pub async fn sign_out(self) -> Result<(), SignOutError> {
        self.sign_out_with(false).await
    }

    /// 退出所有设备: ends every session of the account on the server (a lost
    /// phone, a shared computer), then signs this device out. Online only;
    /// refused while changes wait, as a plain sign-out is.
    pub async fn sign_out_everywhere(self) -> Result<(), SignOutError> {
        self.sign_out_with(true).await
    }

    async fn sign_out_with(self, everywhere: bool) -> Result<(), SignOutError> {
        self.sync_now().await;
        let pending = self.pending();
        if pending > 0 {
            return Err(SignOutError::Pending(pending));
        }
        let token = self.session.get_untracked().map(|s| s.token);
        if everywhere {
            let t = token.clone().ok_or(SignOutError::Offline)?;
            match api::client().with_token(t).logout_everywhere().await {
                // 401: this session had ended already; the others went with it.
                Ok(()) | Err(ApiError::Status { status: 401, .. }) => {}
                Err(ApiError::Network(_)) => return Err(SignOutError::Offline),
                Err(e) => return Err(SignOutError::Storage(e.to_string())),
            }
        }
        let store = Store::open()
            .await
            .map_err(|e| SignOutError::Storage(e.to_string()))?;
        store
            .sign_out()
            .await
            .map_err(|e| SignOutError::Storage(e.to_string()))?;
        store.close();
        SIGN_OUTS.with(|g| g.set(g.get().wrapping_add(1)));
        if let Some(t) = token.filter(|_| !everywhere) {
            // Best effort: the session also expires on its own.
            let _ = api::client().with_token(t).logout().await;
        }
        remember_signed_in(false);
        docs::replace_cold(Vec::new());
        self.session.set(None);
        self.replica.set(None);
        self.status.set(SyncStatus::default());
        broadcast();
        Ok(())
    }

    /// Validates and queues a change; shows at once, syncs soon. Returns
    /// the id it was queued with.
    pub async fn mutate(self, mut op: Op) -> Result<String, Rejection> {
        let write = write::load(self)
            .await
            .map_err(|_| Rejection::Conflict(Why::PageIncomplete))?;
        for attempt in 0..2 {
            // Checked on the replica in place and queued only once stored:
            // no copy of the replica (nor of its mutations) is ever made.
            let now = crate::when::now_secs();
            let m = self
                .replica
                .try_update_untracked(|r| {
                    let r = r.as_mut().ok_or(Rejection::Forbidden(Why::LoginRequired))?;
                    if !r.has_rules() {
                        r.set_apply(write.apply);
                    }
                    r.prepare(op, now, random_hex())
                })
                .ok_or(Rejection::Forbidden(Why::LoginRequired))??;
            let saved = match Store::open().await {
                Ok(store) => {
                    let r = store.append_outbox(&m).await;
                    store.close();
                    r
                }
                Err(e) => Err(e),
            };
            match saved {
                Ok(()) => {
                    let id = m.id.clone();
                    self.replica.update(|r| {
                        if let Some(r) = r {
                            r.queue(m, now);
                        }
                    });
                    broadcast();
                    self.sync_soon(300);
                    return Ok(id);
                }
                // Another tab took this seq: read its outbox and try again.
                Err(e) if attempt == 0 => {
                    leptos::logging::warn!("outbox append failed, retrying: {e}");
                    self.reload().await;
                    op = m.op;
                }
                Err(e) => {
                    self.storage_failed(&e);
                    return Err(Rejection::Conflict(Why::LocalSaveFailed));
                }
            }
        }
        Err(Rejection::Conflict(Why::LocalSaveFailed))
    }

    /// Queues `op`, then syncs until the server has judged it and its
    /// writes are pulled, for at most about `wait_ms`: for a screen that
    /// cannot judge a change itself and must not go on before the server
    /// has (a kiosk placing a hold on a member's credits). A refusal is
    /// shown by that screen and not kept (a kiosk keeps nothing of her).
    /// Without an answer the change stays queued.
    pub async fn mutate_and_wait(self, op: Op, wait_ms: u32) -> Result<Verdict, Rejection> {
        let id = self.mutate(op.clone()).await?;
        let deadline = js_sys::Date::now() + f64::from(wait_ms);
        let mut tried = false;
        loop {
            // Syncs run on their own: a stalled request cannot hold the
            // screen past the deadline.
            let (syncing, offline) = self
                .status
                .with_untracked(|s| (s.syncing, s.error == Some(SyncFailure::Offline)));
            if !syncing {
                if tried && offline {
                    return Ok(Verdict::NoAnswer);
                }
                spawn_local(self.sync_now());
                tried = true;
            }
            gloo_timers::future::TimeoutFuture::new(250).await;
            let found = self.replica.with_untracked(|r| {
                r.as_ref()?
                    .verdict(&id, &op)
                    .map(|v| v.map_err(|x| (x.seq, x.outcome.clone())))
            });
            match found {
                Some(Ok(())) | Some(Err((_, Outcome::Ok))) => return Ok(Verdict::Done),
                Some(Err((
                    seq,
                    Outcome::Rejected {
                        message, reason, ..
                    },
                ))) => {
                    self.dismiss(seq).await;
                    return Ok(Verdict::Refused { message, reason });
                }
                None if js_sys::Date::now() >= deadline => return Ok(Verdict::NoAnswer),
                None => {}
            }
        }
    }

    pub async fn dismiss(self, seq: u64) {
        if let Ok(store) = Store::open().await {
            let _ = store.dismiss_rejection(seq).await;
            store.close();
        }
        self.replica.update(|r| {
            if let Some(r) = r {
                r.dismiss(seq);
            }
        });
        broadcast();
    }

    /// Schedules a sync after `ms` (debounced: a burst of edits syncs once).
    pub fn sync_soon(self, ms: u32) {
        PENDING_TIMER.with(|t| {
            if let Some(id) = t.take()
                && let Some(w) = web_sys::window()
            {
                w.clear_timeout_with_handle(id);
            }
        });
        let timeout = Timeout::new(ms, move || {
            PENDING_TIMER.with(|t| t.set(None));
            spawn_local(self.sync_now());
        });
        // Keep the handle's id so a later call can cancel it; forget the guard.
        let id = timeout.forget();
        PENDING_TIMER.with(|t| t.set(id.as_f64().map(|v| v as i32)));
    }

    /// Pushes the outbox and pulls until up to date, if this tab gets the lock.
    pub async fn sync_now(self) {
        if self.session.get_untracked().is_none() || self.needs_login.get_untracked() {
            return;
        }
        if self.status.get_untracked().syncing {
            AGAIN.with(|a| a.set(true));
            return;
        }
        self.status.update(|s| s.syncing = true);
        // Another tab holding the lock is syncing the same IndexedDB and will
        // broadcast; nothing to do here then.
        lock::run_exclusive(async move {
            let _ = self.cycle().await;
        })
        .await;
        self.status.update(|s| s.syncing = false);
        if AGAIN.with(|a| a.replace(false)) {
            self.sync_soon(0);
        }
    }

    async fn cycle(self) -> Result<(), SyncFailure> {
        let result = self.push_and_pull().await;
        match result {
            Ok(()) => {
                FAILURES.with(|f| f.set(0));
                self.status.update(|s| {
                    s.error = None;
                    s.synced_at = Some(js_sys::Date::now());
                });
            }
            Err(failure) => {
                self.status.update(|s| s.error = Some(failure));
                if failure == SyncFailure::SessionExpired {
                    self.needs_login.set(true);
                } else {
                    // Exponential backoff with jitter, capped at a minute.
                    let n = FAILURES.with(|f| {
                        f.set(f.get().saturating_add(1));
                        f.get()
                    });
                    let base = 1000.0 * 2f64.powi(n.min(6) as i32);
                    let delay = base.min(60_000.0) * (0.5 + js_sys::Math::random() / 2.0);
                    self.sync_soon(delay as u32);
                }
            }
        }
        broadcast();
        result
    }

    pub(crate) fn failure(e: &ApiError) -> SyncFailure {
        match e {
            ApiError::Network(_) => SyncFailure::Offline,
            ApiError::Status { status: 401, .. } => SyncFailure::SessionExpired,
            _ => SyncFailure::Server,
        }
    }

    async fn push_and_pull(self) -> Result<(), SyncFailure> {
        let session = self
            .session
            .get_untracked()
            .ok_or(SyncFailure::SessionExpired)?;
        let client = api::client().with_token(session.token.clone());
        // Another tab may have synced since this one last read IndexedDB.
        self.reload().await;
        let store = Store::open().await.map_err(|_| SyncFailure::Storage)?;
        let results_after = self
            .replica
            .with_untracked(|r| r.as_ref().map_or(0, |r| r.last_seq));

        // Pushing lives in the write path's chunk, which anything queued
        // has already brought (reload read it).
        if self
            .replica
            .with_untracked(|r| r.as_ref().is_some_and(|r| !r.outbox.is_empty()))
        {
            let write = write::load(self).await.map_err(|_| SyncFailure::Storage)?;
            (write.push_all)(self, client.clone(), session.client_id.clone(), &store).await?;
        }

        loop {
            let (cursor, epoch) = self
                .replica
                .with_untracked(|r| r.as_ref().map_or((0, 0), |r| (r.cursor, r.epoch)));
            let req = PullRequest {
                schema_version: SCHEMA_VERSION,
                client_id: session.client_id.clone(),
                cursor,
                epoch,
                results_after,
            };
            let raw = api::pull(&client, &req)
                .await
                .map_err(|e| Self::failure(&e))?;
            let docs::Page { resp, cold } = docs::decode_page(&raw).map_err(|e| {
                leptos::logging::error!("a pull this version cannot read: {e}");
                SyncFailure::Server
            })?;
            let done = !resp.has_more;
            let now = done.then(js_sys::Date::now);
            store
                .acknowledge(resp.last_seq, &resp.results, Some((&resp, &raw)), now)
                .await
                .map_err(|_| SyncFailure::Storage)?;
            self.replica.update(|r| {
                if let Some(r) = r {
                    if resp.reset {
                        docs::replace_cold(Vec::new());
                    }
                    r.apply_pull(&resp);
                    r.add_docs(docs::admit(cold));
                    let actor = actor_for(&session.account, &r.base);
                    r.set_actor(actor);
                }
            });
            if done {
                break;
            }
        }
        store.close();
        Ok(())
    }
}

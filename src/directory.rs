//! The org directory on this device: shown at once from IndexedDB, refreshed
//! from the server by the org tree page and, for a signed-in device, when the
//! copy is older than a few hours (the sync engine needs its alliances).

use std::future::Future;
use std::pin::Pin;

use leptos::prelude::*;
use leptos::task::spawn_local;
use zhijian_domain::api::OrgDirectory;

use crate::api::{self, ApiError};
use crate::lazy::SplitLoaderError;
use crate::store::{CachedDirectory, Store};

/// Why the latest refresh failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoadError {
    Network,
    Server(u16),
    Data,
}

impl From<&ApiError> for LoadError {
    fn from(e: &ApiError) -> Self {
        match e {
            ApiError::Network(_) => LoadError::Network,
            ApiError::Status { status, .. } => LoadError::Server(*status),
            ApiError::Decode(_) => LoadError::Data,
        }
    }
}

#[derive(Clone, Copy)]
pub struct DirectoryState {
    pub data: ReadSignal<Option<OrgDirectory>>,
    /// When `data` came from the server (ms since the epoch).
    pub saved_at: ReadSignal<Option<f64>>,
    pub error: ReadSignal<Option<LoadError>>,
    /// The copy in IndexedDB is being read.
    reading: RwSignal<bool>,
    /// A refresh from the server is under way.
    fetching: RwSignal<bool>,
    set_data: WriteSignal<Option<OrgDirectory>>,
    set_saved_at: WriteSignal<Option<f64>>,
    set_error: WriteSignal<Option<LoadError>>,
}

impl DirectoryState {
    pub fn provide() -> Self {
        let (data, set_data) = signal(None);
        let (saved_at, set_saved_at) = signal(None);
        let (error, set_error) = signal(None);
        let me = Self {
            data,
            saved_at,
            error,
            reading: RwSignal::new(true),
            fetching: RwSignal::new(false),
            set_data,
            set_saved_at,
            set_error,
        };
        provide_context(me);
        me.load_cached();
        me
    }

    pub fn get() -> Self {
        expect_context()
    }

    /// Whether the saved copy is still being read or a refresh is under way.
    pub fn loading(self) -> bool {
        self.reading.get() || self.fetching.get()
    }

    /// Whether the saved copy (if any) has been read.
    pub fn read(self) -> bool {
        !self.reading.get()
    }

    fn load_cached(self) {
        spawn_local(async move {
            match Store::open().await {
                Ok(store) => {
                    if let Ok(Some(cached)) = store.directory().await {
                        // A fresher copy from the server may already be here.
                        if self.data.get_untracked().is_none() {
                            self.set_data.set(Some(cached.directory));
                            self.set_saved_at.set(Some(cached.saved_at));
                        }
                    }
                    store.close();
                }
                Err(e) => leptos::logging::warn!("{e}"),
            }
            self.reading.set(false);
        });
    }

    /// Fetches from the server; on success shows and saves it, on failure keeps
    /// what is shown and records why. The fetching lives in its own chunk: only
    /// the org tree page and a signed-in device's daily refresh need it.
    pub fn refresh(self) {
        self.fetching.set(true);
        spawn_local(async move {
            match refresher().await {
                Ok(run) => run(self).await,
                Err(_) => self.set_error.set(Some(LoadError::Network)),
            }
            self.fetching.set(false);
        });
    }

    /// [`refresh`](Self::refresh) unless the copy shown is recent: alliances
    /// and the tree change rarely, and a start should not wait on them.
    pub fn refresh_if_stale(self) {
        let fresh = self
            .saved_at
            .get_untracked()
            .is_some_and(|at| js_sys::Date::now() - at < STALE_AFTER_MS);
        if !fresh {
            self.refresh();
        }
    }
}

/// How old a cached directory may be before a signed-in start refreshes it.
const STALE_AFTER_MS: f64 = 6.0 * 3600.0 * 1000.0;

type RefreshFuture = Pin<Box<dyn Future<Output = ()>>>;

fn run(state: DirectoryState) -> RefreshFuture {
    Box::pin(async move {
        match api::client().org_directory().await {
            Ok(directory) => {
                let cached = CachedDirectory {
                    saved_at: js_sys::Date::now(),
                    directory,
                };
                state.set_data.set(Some(cached.directory.clone()));
                state.set_saved_at.set(Some(cached.saved_at));
                state.set_error.set(None);
                match Store::open().await {
                    Ok(store) => {
                        if let Err(e) = store.save_directory(&cached).await {
                            leptos::logging::warn!("{e}");
                        }
                        store.close();
                    }
                    Err(e) => leptos::logging::warn!("{e}"),
                }
            }
            Err(e) => state.set_error.set(Some(LoadError::from(&e))),
        }
    })
}

#[cfg(not(feature = "eager"))]
#[leptos::wasm_split::wasm_split(directory, fallible, wasm_split_path = ::leptos::wasm_split)]
fn refresher() -> Result<fn(DirectoryState) -> RefreshFuture, SplitLoaderError> {
    Ok(run)
}

#[cfg(feature = "eager")]
async fn refresher() -> Result<fn(DirectoryState) -> RefreshFuture, SplitLoaderError> {
    Ok(run)
}

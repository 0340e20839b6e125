//! The org directory on this device: shown at once from IndexedDB, refreshed
//! from the server whenever it can be. (The sync engine replaces this read path.)

use leptos::prelude::*;
use leptos::task::spawn_local;
use zhijian_domain::api::OrgDirectory;

use crate::api::{self, ApiError};
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
    pub loading: ReadSignal<bool>,
    pub error: ReadSignal<Option<LoadError>>,
    set_data: WriteSignal<Option<OrgDirectory>>,
    set_saved_at: WriteSignal<Option<f64>>,
    set_loading: WriteSignal<bool>,
    set_error: WriteSignal<Option<LoadError>>,
}

impl DirectoryState {
    pub fn provide() -> Self {
        let (data, set_data) = signal(None);
        let (saved_at, set_saved_at) = signal(None);
        let (loading, set_loading) = signal(true);
        let (error, set_error) = signal(None);
        let me = Self {
            data,
            saved_at,
            loading,
            error,
            set_data,
            set_saved_at,
            set_loading,
            set_error,
        };
        provide_context(me);
        me.load_cached();
        me
    }

    pub fn get() -> Self {
        expect_context()
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
        });
    }

    /// Fetches from the server; on success shows and saves it, on failure keeps
    /// what is shown and records why.
    pub fn refresh(self) {
        self.set_loading.set(true);
        spawn_local(async move {
            match api::client().org_directory().await {
                Ok(directory) => {
                    let cached = CachedDirectory {
                        saved_at: js_sys::Date::now(),
                        directory,
                    };
                    self.set_data.set(Some(cached.directory.clone()));
                    self.set_saved_at.set(Some(cached.saved_at));
                    self.set_error.set(None);
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
                Err(e) => self.set_error.set(Some(LoadError::from(&e))),
            }
            self.set_loading.set(false);
        });
    }
}

//! Pages that live in their own wasm chunk (docs/architecture.md, "Code splitting").
//!
//! `lazy_page!(Route, chunk, Page)` declares a router view `Route` whose page
//! component is compiled into the chunk `chunk`: the first visit to the route
//! fetches that chunk (from the service worker's cache once it has it), later
//! visits call straight into it. Every page except the landing page, sign-in
//! and "not found" is declared this way, so a phone downloads only what it
//! opens. A chunk that cannot be fetched (offline before it was cached, a
//! server that no longer has an old build) shows [`ChunkFailed`] with a retry,
//! never a blank screen.
//!
//! With the `eager` feature (`ZJ_SPLIT=0`) the same routes compile into the
//! main module and nothing is fetched lazily: the switch for a build that does
//! not split.

use std::future::Future;
use std::pin::Pin;

use leptos::prelude::*;
use leptos::task::spawn_local_scoped;

use crate::i18n::*;
use crate::net::Connectivity;
use crate::shell::ShellUpdate;
use crate::sync::{Sync, docs};

pub use leptos::wasm_split::SplitLoaderError;

/// Declares `$route`, a route view showing the component `$page` (a
/// component without props, in scope where the macro is invoked), compiled
/// into the wasm chunk `$chunk`. Several routes may name the same chunk.
#[macro_export]
macro_rules! lazy_page {
    ($route:ident, $chunk:ident, $page:ident) => {
        #[allow(non_upper_case_globals)]
        pub const $route: $crate::lazy::LazyPage = $crate::lazy::LazyPage($chunk::boxed);

        mod $chunk {
            use super::$page;
            #[cfg(not(feature = "eager"))]
            use ::leptos::wasm_split::wasm_split;
            use $crate::lazy::{PageResult, SplitLoaderError};

            pub fn boxed() -> $crate::lazy::PageFuture {
                ::std::boxed::Box::pin(load())
            }

            #[cfg(not(feature = "eager"))]
            #[wasm_split($chunk, fallible, wasm_split_path = ::leptos::wasm_split)]
            pub fn load() -> PageResult {
                Ok(::leptos::prelude::IntoAny::into_any($page()))
            }

            #[cfg(feature = "eager")]
            pub async fn load() -> PageResult {
                Ok(::leptos::prelude::IntoAny::into_any($page()))
            }

            // Keeps the import used in both configurations.
            const _: Option<SplitLoaderError> = None;
        }
    };
}

/// What a page's loader gives: the page, or why its chunk did not load.
pub type PageResult = Result<AnyView, SplitLoaderError>;

/// A page's chunk being fetched (boxed: one `show` for every page, not one copy each).
pub type PageFuture = Pin<Box<dyn Future<Output = PageResult>>>;

/// A route's view whose page lives in a chunk. One type for every lazy page
/// (Leptos's `Lazy<T>` is one type per page): the router's matching code is
/// generic over each route's view type, and one type keeps one copy of it in
/// the first load instead of one per page.
#[derive(Clone, Copy)]
pub struct LazyPage(pub fn() -> PageFuture);

impl leptos_router::ChooseView for LazyPage {
    async fn choose(self) -> AnyView {
        show(self.0).await
    }

    async fn preload(&self) {}
}

/// The page, or what to do when its chunk (or the lazy pages' strings,
/// fetched beside it the first time) could not be fetched.
pub async fn show(load: fn() -> PageFuture) -> AnyView {
    match fetch_all(load).await {
        Some(page) => page,
        None => view! { <ChunkFailed load=load /> }.into_any(),
    }
}

/// A page needs its chunk, the lazy pages' strings and every document
/// decoded (`sync::docs`); fetched side by side.
async fn fetch_all(load: fn() -> PageFuture) -> Option<AnyView> {
    let strings = load_page_strings(locale_now());
    let sync = use_context::<Sync>();
    let docs = async move {
        match sync {
            Some(sync) => docs::ensure(sync).await.is_ok(),
            None => true,
        }
    };
    match futures::future::join3(load(), strings, docs).await {
        (Ok(page), true, true) => Some(page),
        _ => None,
    }
}

fn locale_now() -> Locale {
    use_context::<I18n>().map_or(Locale::zh, I18n::get_locale_untracked)
}

/// "This page could not be loaded": retry in place (the loader does not cache
/// failures), or reload when a new version has replaced this one on the server.
#[component]
fn ChunkFailed(load: fn() -> PageFuture) -> impl IntoView {
    let i18n = use_i18n();
    let online = Connectivity::get().online;
    let update = expect_context::<ShellUpdate>();
    // The loaded page, handed over once to the view below.
    let page = RwSignal::new_local(None::<AnyView>);
    let loaded = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let retry = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        // Scoped: the page's signals and effects belong to this component's owner.
        spawn_local_scoped(async move {
            if let Some(v) = fetch_all(load).await {
                page.set(Some(v));
                loaded.set(true);
            }
            busy.set(false);
        });
    };
    let reload = move |_| {
        if update.ready.get_untracked() {
            update.apply();
        } else if let Some(w) = web_sys::window() {
            let _ = w.location().reload();
        }
    };
    view! {
        <Show when=move || !loaded.get()>
            <section class="page chunk-failed" role="alert" data-testid="chunk-failed">
                <h2 class="page-title">{t!(i18n, chunk_failed_title)}</h2>
                <p class="notice">
                    {move || if online.get() {
                        t_string!(i18n, chunk_failed_online)
                    } else {
                        t_string!(i18n, chunk_failed_offline)
                    }}
                </p>
                <div class="actions">
                    <button type="button" class="btn btn-primary" on:click=retry disabled=move || busy.get()>
                        {move || if busy.get() { t_string!(i18n, chunk_retrying) } else { t_string!(i18n, retry) }}
                    </button>
                    <button type="button" class="btn" on:click=reload>
                        {move || if update.ready.get() { t_string!(i18n, update_reload) } else { t_string!(i18n, chunk_reload) }}
                    </button>
                </div>
            </section>
        </Show>
        {move || {
            page.track();
            page.try_update_untracked(Option::take).flatten()
        }}
    }
}

//! The root: contexts, the router and the layout around every page.

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use crate::components::{StatusBar, TabBar, UpdateBanner};
use crate::directory::DirectoryState;
use crate::i18n::*;
use crate::net::Connectivity;
use crate::pages::{
    Activities, ActivityPage, BoardPage, Credits, Home, Login, Me, MemberPage, Members,
    MenuEditPage, MerchantPage, NotFound, Rewards, StationPage, SyncStatusPage, Wishes,
};
use crate::shell::ShellUpdate;
use crate::sync::Sync;

#[component]
pub fn App() -> impl IntoView {
    // A sub-context takes an initial locale: ours is the saved choice or
    // Chinese, not the browser's language list (an English phone in Yinchuan
    // still gets Chinese until its user switches).
    view! {
        <I18nSubContextProvider initial_locale=Signal::stored(crate::locale::saved())>
            <Shell />
        </I18nSubContextProvider>
    }
}

#[component]
fn Shell() -> impl IntoView {
    let i18n = use_i18n();
    Effect::new(move |_| crate::locale::set_document_lang(i18n.get_locale()));

    let connectivity = Connectivity::provide();
    ShellUpdate::provide();
    let directory = DirectoryState::provide();
    Sync::provide();
    // Refresh on start and whenever the network comes back.
    Effect::new(move |_| {
        if connectivity.online.get() {
            directory.refresh();
        }
    });
    // Joint menus need the alliances, which come with the directory.
    let sync = Sync::get();
    Effect::new(move |_| {
        if let Some(d) = directory.data.get() {
            sync.set_alliances(d.alliances);
        }
    });

    view! {
        <Router>
            <a class="skip-link" href="#main">{t!(i18n, skip_to_content)}</a>
            <div class="layout">
                <header class="topbar">
                    <h1 class="brand">{t!(i18n, app_name)}</h1>
                    <StatusBar />
                </header>
                <UpdateBanner />
                <main id="main" class="content" tabindex="-1">
                    <Routes fallback=NotFound>
                        <Route path=path!("/") view=Home />
                        <Route path=path!("/activities") view=Activities />
                        <Route path=path!("/activities/:id") view=ActivityPage />
                        <Route path=path!("/menus/new/:org/:month") view=MenuEditPage />
                        <Route path=path!("/menus/:id") view=MenuEditPage />
                        <Route path=path!("/menus/:id/board") view=BoardPage />
                        <Route path=path!("/credits") view=Credits />
                        <Route path=path!("/rewards") view=Rewards />
                        <Route path=path!("/wishes") view=Wishes />
                        <Route path=path!("/merchant") view=MerchantPage />
                        <Route path=path!("/station") view=StationPage />
                        <Route path=path!("/me") view=Me />
                        <Route path=path!("/login") view=Login />
                        <Route path=path!("/members") view=Members />
                        <Route path=path!("/members/:id") view=MemberPage />
                        <Route path=path!("/sync") view=SyncStatusPage />
                    </Routes>
                </main>
                <TabBar />
            </div>
        </Router>
    }
}

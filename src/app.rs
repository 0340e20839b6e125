//! The root: contexts, the router and the layout around every page.

use leptos::prelude::*;
use leptos_router::components::{FlatRoutes, Route, Router};
use leptos_router::{Lazy, path};

use crate::components::{StatusBar, TabBar, UpdateBanner};
use crate::directory::DirectoryState;
use crate::i18n::*;
use crate::net::Connectivity;
use crate::pages::{
    ActivitiesRoute, ActivityRoute, BoardRoute, CreditsRoute, Home, LoginRoute, MeRoute,
    MemberRoute, MembersRoute, MenuEditRoute, MerchantRoute, NotFound, OrgsRoute, RewardsRoute,
    StationRoute, SyncStatusRoute, WishesRoute,
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
                    <FlatRoutes fallback=NotFound>
                        <Route path=path!("/") view=Home />
                        <Route path=path!("/activities") view={Lazy::<ActivitiesRoute>::new()} />
                        <Route path=path!("/activities/:id") view={Lazy::<ActivityRoute>::new()} />
                        <Route path=path!("/menus/new/:org/:month") view={Lazy::<MenuEditRoute>::new()} />
                        <Route path=path!("/menus/:id") view={Lazy::<MenuEditRoute>::new()} />
                        <Route path=path!("/menus/:id/board") view={Lazy::<BoardRoute>::new()} />
                        <Route path=path!("/credits") view={Lazy::<CreditsRoute>::new()} />
                        <Route path=path!("/rewards") view={Lazy::<RewardsRoute>::new()} />
                        <Route path=path!("/wishes") view={Lazy::<WishesRoute>::new()} />
                        <Route path=path!("/merchant") view={Lazy::<MerchantRoute>::new()} />
                        <Route path=path!("/station") view={Lazy::<StationRoute>::new()} />
                        <Route path=path!("/me") view={Lazy::<MeRoute>::new()} />
                        <Route path=path!("/login") view={Lazy::<LoginRoute>::new()} />
                        <Route path=path!("/orgs") view={Lazy::<OrgsRoute>::new()} />
                        <Route path=path!("/members") view={Lazy::<MembersRoute>::new()} />
                        <Route path=path!("/members/:id") view={Lazy::<MemberRoute>::new()} />
                        <Route path=path!("/sync") view={Lazy::<SyncStatusRoute>::new()} />
                    </FlatRoutes>
                </main>
                <TabBar />
            </div>
        </Router>
    }
}

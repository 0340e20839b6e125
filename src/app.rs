//! The root: contexts, the router and the layout around every page.

use leptos::prelude::*;
use leptos_router::components::{FlatRoutes, Route, Router};
use leptos_router::path;

use crate::components::{StatusBar, TabBar, UpdateBanner};
use crate::directory::DirectoryState;
use crate::i18n::*;
use crate::net::Connectivity;
use crate::pages::{
    ActivitiesRoute, ActivityRoute, BoardRoute, CourseEditRoute, CreditsRoute, Home, LessonRoute,
    LoginRoute, MeRoute, MeetingRoute, MeetingsRoute, MemberRoute, MembersRoute, MenuEditRoute,
    MerchantRoute, NotFound, OrgsRoute, PresentRoute, ReflectionsRoute, RewardsRoute, StationRoute,
    StudyRoute, SyncStatusRoute, WishesRoute,
};
use crate::shell::ShellUpdate;
use crate::sync::Sync;

#[component]
pub fn App() -> impl IntoView {
    // The saved choice or Chinese, not the browser's language list (an
    // English phone in Yinchuan still gets Chinese until its user switches).
    I18n::provide(crate::locale::saved());
    view! { <Shell /> }
}

#[component]
fn Shell() -> impl IntoView {
    let i18n = use_i18n();
    Effect::new(move |_| crate::locale::set_document_lang(i18n.get_locale()));

    let connectivity = Connectivity::provide();
    ShellUpdate::provide();
    let directory = DirectoryState::provide();
    Sync::provide();
    // Joint menus need the alliances, which come with the directory: a
    // signed-in device refreshes a copy older than a few hours once it is
    // online (once per online spell: a failing server is not asked again).
    let sync = Sync::get();
    Effect::new(move |tried: Option<bool>| {
        let ready =
            connectivity.online.get() && sync.session.with(Option::is_some) && directory.read();
        if ready && tried != Some(true) {
            directory.refresh_if_stale();
        }
        ready
    });
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
                        <Route path=path!("/activities") view=ActivitiesRoute />
                        <Route path=path!("/activities/:id") view=ActivityRoute />
                        <Route path=path!("/menus/new/:org/:month") view=MenuEditRoute />
                        <Route path=path!("/menus/:id") view=MenuEditRoute />
                        <Route path=path!("/menus/:id/board") view=BoardRoute />
                        <Route path=path!("/credits") view=CreditsRoute />
                        <Route path=path!("/rewards") view=RewardsRoute />
                        <Route path=path!("/wishes") view=WishesRoute />
                        <Route path=path!("/merchant") view=MerchantRoute />
                        <Route path=path!("/station") view=StationRoute />
                        <Route path=path!("/meetings") view=MeetingsRoute />
                        <Route path=path!("/meetings/new/:org") view=MeetingRoute />
                        <Route path=path!("/meetings/:id") view=MeetingRoute />
                        <Route path=path!("/study") view=StudyRoute />
                        <Route path=path!("/present/:id") view=PresentRoute />
                        <Route path=path!("/study/new") view=CourseEditRoute />
                        <Route path=path!("/study/reflections") view=ReflectionsRoute />
                        <Route path=path!("/study/:course/edit") view=CourseEditRoute />
                        <Route path=path!("/study/:course/:lesson") view=LessonRoute />
                        <Route path=path!("/me") view=MeRoute />
                        <Route path=path!("/login") view=LoginRoute />
                        <Route path=path!("/orgs") view=OrgsRoute />
                        <Route path=path!("/members") view=MembersRoute />
                        <Route path=path!("/members/:id") view=MemberRoute />
                        <Route path=path!("/sync") view=SyncStatusRoute />
                    </FlatRoutes>
                </main>
                <TabBar />
            </div>
        </Router>
    }
}

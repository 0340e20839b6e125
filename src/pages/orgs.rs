use leptos::prelude::*;
use zhijian_domain::api::OrgDirectory;

use crate::components::OrgTreeView;
use crate::directory::{DirectoryState, LoadError};
use crate::i18n::*;

/// 组织架构: the district's org tree and this month's alliance chairs
/// (public; cached on the device, so it opens offline after one visit).
#[component]
pub fn OrgsPage() -> impl IntoView {
    let i18n = use_i18n();
    let dir = DirectoryState::get();
    let online = crate::net::Connectivity::get().online;
    // Fresh on every visit while online; the saved copy meanwhile.
    Effect::new(move |_| {
        if online.get() {
            dir.refresh();
        }
    });
    view! {
        <section class="page">
            <h2 class="page-title">{t!(i18n, home_title)}</h2>
            {move || match (dir.data.get(), dir.loading(), dir.error.get()) {
                (Some(d), _, _) => loaded(d).into_any(),
                (None, true, _) => view! { <p class="loading" aria-busy="true">{t!(i18n, loading)}</p> }.into_any(),
                (None, false, Some(LoadError::Network)) => view! {
                    <p class="notice">{t!(i18n, home_offline_empty)}</p>
                    <RetryButton />
                }.into_any(),
                (None, false, Some(e)) => view! {
                    <p class="notice notice-error" role="alert">
                        {move || t_string!(i18n, home_error, reason = error_text(i18n.get_locale(), e)).to_string()}
                    </p>
                    <RetryButton />
                }.into_any(),
                (None, false, None) => view! { <p class="notice">{t!(i18n, home_empty)}</p> }.into_any(),
            }}
        </section>
    }
}

fn loaded(d: OrgDirectory) -> impl IntoView {
    let i18n = use_i18n();
    let month = d.month;
    let chairs: Vec<(String, String)> = d
        .alliances
        .iter()
        .filter_map(|a| {
            let chair = a.rotation.chair_for(month)?;
            let name = d.orgs.iter().find(|o| o.id == chair)?.name.clone();
            Some((a.name.clone(), name))
        })
        .collect();
    let empty = d.orgs.is_empty();
    view! {
        <p class="month">{t!(i18n, home_month, year = month.year(), month = month.month())}</p>
        {chairs.into_iter().map(|(alliance, org)| view! {
            <p class="chair">{t!(i18n, home_chair, alliance = alliance.clone(), org = org.clone())}</p>
        }).collect_view()}
        {if empty {
            view! { <p class="notice">{t!(i18n, home_empty)}</p> }.into_any()
        } else {
            view! { <OrgTreeView directory=d /> }.into_any()
        }}
    }
}

fn error_text(locale: Locale, e: LoadError) -> String {
    match e {
        LoadError::Network => td_string!(locale, error_network).to_string(),
        LoadError::Server(status) => td_string!(locale, error_server, status = status).to_string(),
        LoadError::Data => td_string!(locale, error_data).to_string(),
    }
}

#[component]
fn RetryButton() -> impl IntoView {
    let i18n = use_i18n();
    let dir = DirectoryState::get();
    view! {
        <button type="button" class="btn" on:click=move |_| dir.refresh()>{t!(i18n, retry)}</button>
    }
}

crate::lazy_page!(OrgsRoute, orgs_chunk, OrgsPage);

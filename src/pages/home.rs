use leptos::prelude::*;
use zhijian_domain::api::OrgDirectory;

use leptos_router::components::A;

use crate::components::OrgTreeView;
use crate::directory::{DirectoryState, LoadError};
use crate::i18n::*;
use crate::pages::{ProgressLine, my_progress, visible_menus};
use crate::sync::Sync;
use crate::when;
use zhijian_domain::menu;

/// 首页: this month and the org tree.
#[component]
pub fn Home() -> impl IntoView {
    let i18n = use_i18n();
    let dir = DirectoryState::get();
    view! {
        <ThisMonth />
        <section class="page">
            <h2 class="page-title">{t!(i18n, home_title)}</h2>
            {move || match (dir.data.get(), dir.loading.get(), dir.error.get()) {
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

pub fn error_text(locale: Locale, e: LoadError) -> String {
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

/// This month's theme and the member's progress on it (signed in only).
#[component]
fn ThisMonth() -> impl IntoView {
    let i18n = use_i18n();
    let sync = Sync::get();
    let menus = Memo::new(move |_| {
        let month = when::this_month();
        sync.replica.with(|r| {
            let r = r.as_ref()?;
            Some(
                visible_menus(r, month)
                    .into_iter()
                    .filter_map(|m| {
                        let manages = r
                            .view()
                            .orgs
                            .get(&m.org_id)
                            .is_some_and(|o| r.actor.manages(o));
                        if !m.published && !manages {
                            return None;
                        }
                        // Organisers see how their members are doing.
                        let summary = manages.then(|| {
                            let rows = menu::board(r.view(), &m);
                            (rows.iter().filter(|(_, c)| c.is_done()).count(), rows.len())
                        });
                        let p = my_progress(r, &m);
                        Some((m, p, summary))
                    })
                    .collect::<Vec<_>>(),
            )
        })
    });
    move || {
        let list = menus.get()?;
        Some(view! {
            <section class="page this-month" data-testid="this-month">
                <h2 class="page-title">{t!(i18n, home_this_month)}</h2>
                {if list.is_empty() {
                    view! { <p class="notice">{t!(i18n, activities_empty)}</p> }.into_any()
                } else {
                    list.into_iter().map(|(m, p, summary)| {
                        let board = format!("/menus/{}/board", m.id);
                        let edit = format!("/menus/{}", m.id);
                        let draft = !m.published;
                        view! {
                            <A href="/activities" attr:class="card theme-card">
                                <span class="menu-theme">{m.theme_title.clone()}</span>
                                {p.map(|c| view! { <ProgressLine c=c /> })}
                            </A>
                            {summary.map(|(done, total)| if draft {
                                view! { <A href=edit attr:class="btn" attr:data-testid="home-draft">{t!(i18n, home_draft)}</A> }.into_any()
                            } else {
                                view! { <A href=board attr:class="btn" attr:data-testid="home-board">{t!(i18n, board_summary, done = done, total = total)}</A> }.into_any()
                            })}
                        }
                    }).collect_view().into_any()
                }}
            </section>
        })
    }
}

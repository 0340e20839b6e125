use leptos::prelude::*;
use leptos_router::components::A;
use zhijian_domain::Month;
use zhijian_domain::activity::Activity;
use zhijian_domain::menu::{self, MonthlyMenu};

use crate::attendance::{my_checkin, my_signup, pending_for};
use crate::components::{EmptyState, ProgressLine, my_progress, visible_menus};
use crate::i18n::*;
use crate::labels;
use crate::sync::Sync;
use crate::when;

/// 活动: the month's menus (自选+必选) with their activities and my part.
#[component]
pub fn Activities() -> impl IntoView {
    let i18n = use_i18n();
    let sync = Sync::get();
    let month = RwSignal::new(when::this_month());
    let shift = move |n: i64| month.update(|m| *m = m.plus_months(n).unwrap_or(*m));
    let menus = Memo::new(move |_| {
        let m = month.get();
        sync.replica
            .with(|r| r.as_ref().map(|r| visible_menus(r, m)).unwrap_or_default())
    });
    view! {
        <section class="page">
            <h2 class="page-title">{t!(i18n, activities_title)}</h2>
            <div class="month-nav">
                <button type="button" class="btn" on:click=move |_| shift(-1)
                    aria-label=move || t_string!(i18n, month_prev)>"‹"</button>
                <p class="month" aria-live="polite">{move || {
                    let m = month.get();
                    t_string!(i18n, home_month, year = m.year(), month = m.month()).to_string()
                }}</p>
                <button type="button" class="btn" on:click=move |_| shift(1)
                    aria-label=move || t_string!(i18n, month_next)>"›"</button>
            </div>
            <Show when=move || sync.session.with(Option::is_some) fallback=move || view! {
                <p class="notice">{t!(i18n, activities_sign_in)}</p>
                <A href="/login" attr:class="btn btn-primary">{t!(i18n, tab_login)}</A>
            }>
                <PlanActions month=month />
                {move || {
                    let list = menus.get();
                    if list.is_empty() {
                        view! {
                            <EmptyState
                                title=view! { {t!(i18n, activities_empty)} }.into_any()
                                hint=view! { {t!(i18n, activities_empty_hint)} }.into_any()
                            />
                        }.into_any()
                    } else {
                        list.into_iter().map(|m| view! { <MenuCard menu=m /> }).collect_view().into_any()
                    }
                }}
            </Show>
        </section>
    }
}

/// For secretaries: start the month's menu for each org they manage that
/// has none (blank or copied from last month).
#[component]
fn PlanActions(month: RwSignal<Month>) -> impl IntoView {
    let i18n = use_i18n();
    let sync = Sync::get();
    // (org id, label, link query for a joint menu, last month's menu to copy)
    let missing = Memo::new(move |_| {
        let m = month.get();
        sync.replica.with(|r| {
            let Some(r) = r.as_ref() else { return vec![] };
            let view = r.view();
            let last = m.plus_months(-1).ok();
            let has = |org: &str, alliance: Option<&str>, month: Option<Month>| {
                view.menus()
                    .values()
                    .find(|x| {
                        x.org_id == org
                            && Some(x.month) == month
                            && x.alliance_id.as_deref() == alliance
                    })
                    .map(|x| x.id.clone())
            };
            let mut out: Vec<(String, String, Option<String>, Option<String>)> = r
                .actor
                .managed_scopes()
                .iter()
                .filter_map(|p| view.orgs.values().find(|o| &o.path == p))
                .filter(|o| has(&o.id, None, Some(m)).is_none())
                .map(|o| (o.id.clone(), o.name.clone(), None, has(&o.id, None, last)))
                .collect();
            // The month's rotating chair hosts the alliance's joint menu.
            for a in view.alliances.iter() {
                let Some(chair) = a.rotation.chair_for(m).and_then(|c| view.orgs.get(c)) else {
                    continue;
                };
                let hosted = view
                    .menus()
                    .values()
                    .any(|x| x.month == m && x.alliance_id.as_deref() == Some(a.id.as_str()));
                if r.actor.manages(chair) && !hosted {
                    let copy = view
                        .menus()
                        .values()
                        .find(|x| {
                            Some(x.month) == last && x.alliance_id.as_deref() == Some(a.id.as_str())
                        })
                        .map(|x| x.id.clone());
                    out.push((chair.id.clone(), a.name.clone(), Some(a.id.clone()), copy));
                }
            }
            out
        })
    });
    view! {
        {move || missing.get().into_iter().map(|(org, name, alliance, copy)| {
            let m = month.get().to_string();
            let joint = alliance.is_some();
            let blank = match &alliance {
                Some(a) => format!("/menus/new/{org}/{m}?alliance={a}"),
                None => format!("/menus/new/{org}/{m}"),
            };
            let sep = if joint { '&' } else { '?' };
            let copied = copy.map(|c| format!("{blank}{sep}copy={c}"));
            view! {
                <section class="card plan-card">
                    <p>{if joint {
                        t_string!(i18n, plan_missing_joint, alliance = name.clone()).to_string()
                    } else {
                        t_string!(i18n, plan_missing, org = name.clone()).to_string()
                    }}</p>
                    <div class="actions">
                        {copied.map(|href| view! { <A href=href attr:class="btn btn-primary">{t!(i18n, plan_copy_last)}</A> })}
                        <A href=blank attr:class="btn">{t!(i18n, plan_new)}</A>
                    </div>
                </section>
            }
        }).collect_view()}
    }
}

#[component]
fn MenuCard(menu: MonthlyMenu) -> impl IntoView {
    let i18n = use_i18n();
    let sync = Sync::get();
    let id = menu.id.clone();
    let data = Memo::new(move |_| {
        sync.replica.with(|r| {
            let r = r.as_ref()?;
            let m = r.view().menus().get(&id)?.clone();
            let manages = r
                .view()
                .orgs
                .get(&m.org_id)
                .is_some_and(|o| r.actor.manages(o));
            let mut org = r
                .view()
                .orgs
                .get(&m.org_id)
                .map(|o| o.name.clone())
                .unwrap_or_default();
            if let Some(a) = m
                .alliance_id
                .as_ref()
                .and_then(|a| r.view().find_alliance(a))
            {
                org = format!("{} · {org}", a.name);
            }
            let acts = r.view().activities_of_sorted(&m.id);
            let progress = my_progress(r, &m);
            let attended = r
                .actor
                .member_id
                .as_deref()
                .map(|me| menu::attended(r.view(), &m, me))
                .unwrap_or_default();
            Some((m, manages, org, acts, progress, attended))
        })
    });
    move || {
        let (m, manages, org, acts, progress, attended) = data.get()?;
        let items = m.items.clone();
        Some(view! {
            <article class="card menu-card" data-testid="menu-card">
                <p class="menu-org">{org}
                    {(!m.published).then(|| view! { <span class="tag tag-draft">{t!(i18n, menu_draft)}</span> })}
                </p>
                <h3 class="menu-theme">{m.theme_title.clone()}</h3>
                {m.theme_description.clone().map(|d| view! { <p class="menu-desc">{d}</p> })}
                {progress.map(|c| view! { <ProgressLine c=c /> })}
                <ul class="menu-items">
                    {items.into_iter().map(|item| {
                        let done = attended.contains(&item.id);
                        let mine: Vec<Activity> = acts.iter().filter(|a| a.item_id == item.id).cloned().collect();
                        view! {
                            <li class="menu-item" class:done=done>
                                <p class="item-title">
                                    <span class=if item.mandatory { "tag tag-must" } else { "tag tag-pick" }>
                                        {if item.mandatory { t_string!(i18n, item_mandatory) } else { t_string!(i18n, item_optional) }}
                                    </span>
                                    {item.title.clone()}
                                    {done.then(|| view! { <span class="done-mark">{t!(i18n, item_done)}</span> })}
                                </p>
                                <ul class="activity-list">
                                    {mine.into_iter().map(|a| view! { <ActivityRow activity=a /> }).collect_view()}
                                </ul>
                            </li>
                        }
                    }).collect_view()}
                </ul>
                {manages.then(|| {
                    let edit = format!("/menus/{}", m.id);
                    let board = format!("/menus/{}/board", m.id);
                    view! {
                        <div class="actions">
                            <A href=edit attr:class="btn">{t!(i18n, menu_edit)}</A>
                            <A href=board attr:class="btn">{t!(i18n, menu_board)}</A>
                        </div>
                    }
                })}
            </article>
        })
    }
}

#[component]
fn ActivityRow(activity: Activity) -> impl IntoView {
    let i18n = use_i18n();
    let sync = Sync::get();
    let a = activity.clone();
    let mine = Memo::new(move |_| {
        sync.replica.with(|r| {
            r.as_ref().map(|r| {
                (
                    my_signup(r, &a.id),
                    my_checkin(r, &a.id),
                    pending_for(r, &a),
                )
            })
        })
    });
    let href = format!("/activities/{}", activity.id);
    let a = activity;
    let (cancelled, taken, starts_at, mode) = (a.cancelled, a.taken, a.starts_at, a.mode);
    let seats = a.limited();
    view! {
        <li class="activity-row" class:cancelled=cancelled>
            <A href=href attr:class="activity-link">
                <span class="activity-title">{a.title.clone()}</span>
                <span class="activity-meta">
                    {move || labels::when(i18n.get_locale(), starts_at)} " · " {a.place.clone()} " · "
                    {move || labels::service_mode(i18n.get_locale(), mode)}
                    {seats.map(|c| view! { " · " {t!(i18n, seats_taken, taken = taken, capacity = c)} })}
                </span>
                <span class="activity-state">
                    {cancelled.then(|| view! { <span class="tag tag-cancelled">{t!(i18n, activity_cancelled)}</span> })}
                    {move || mine.get().map(|(s, c, pending)| view! {
                        {c.map(|_| view! { <span class="tag tag-ok">{t!(i18n, checked_in)}</span> })}
                        {s.filter(|s| s.status.is_active()).map(|s| view! {
                            <span class="tag">{move || labels::signup_status(i18n.get_locale(), &s)}</span>
                        })}
                        {pending.then(|| view! { <span class="tag tag-pending">{t!(i18n, pending_sync)}</span> })}
                    })}
                </span>
            </A>
        </li>
    }
}

crate::lazy_page!(ActivitiesRoute, activities_chunk, Activities);

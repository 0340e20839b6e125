use leptos::prelude::*;
use zhijian_domain::{agenda, menu};

use crate::components::{ProgressLine, my_progress, visible_menus};
use crate::i18n::*;
use crate::sync::Sync;
use crate::{labels, wallet, when};

/// 首页: what *I* do next. Signed in: a check-in under way, this month's
/// theme and my progress (organisers: their to-dos), my next activity, my
/// credits. Signed out: what the app is and the way in. It is in the first
/// load, so it stays small; the org tree has its own page (/orgs). Links are
/// plain `<a>` (the router takes their clicks): `A` is generic code per use.
#[component]
pub fn Home() -> impl IntoView {
    let i18n = use_i18n();
    let sync = Sync::get();
    let signed_in = move || sync.session.with(Option::is_some);
    // A visitor (as far as this device remembers) sees the welcome at once;
    // a member's home waits for their data.
    let member_device = crate::sync::signed_in_hint();
    move || {
        if !sync.loaded.get() && member_device {
            return view! { <p class="loading" aria-busy="true">{t!(i18n, loading)}</p> }
                .into_any();
        }
        if !signed_in() {
            return view! { <Welcome /> }.into_any();
        }
        view! {
            <UnderWay />
            <ThisMonth />
            <NextActivity />
            <MyCredits />
            <nav class="page home-links" aria-label=move || t_string!(i18n, home_more)>
                <a href="/orgs" class="btn">{t!(i18n, home_title)}</a>
                <a href="/meetings" class="btn">{t!(i18n, meetings_link)}</a>
            </nav>
        }
        .into_any()
    }
}

#[component]
fn Welcome() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="page welcome" data-testid="welcome">
            <h2 class="page-title">{t!(i18n, welcome_title)}</h2>
            <p>{t!(i18n, welcome_text)}</p>
            <div class="actions">
                <a href="/login" class="btn btn-primary">{t!(i18n, tab_login)}</a>
                <a href="/orgs" class="btn">{t!(i18n, home_title)}</a>
            </div>
        </section>
    }
}

/// The member's agenda, recomputed when the replica changes and every 30 s.
fn use_agenda() -> Memo<Option<agenda::Agenda>> {
    let sync = Sync::get();
    let now = RwSignal::new(when::now_secs());
    let tick = set_interval_with_handle(
        move || now.set(when::now_secs()),
        std::time::Duration::from_secs(30),
    );
    on_cleanup(move || {
        if let Ok(t) = tick {
            t.clear();
        }
    });
    Memo::new(move |_| {
        let now = now.get();
        sync.replica.with(|r| {
            let r = r.as_ref()?;
            Some(agenda::agenda(r.view(), r.actor.member_id.as_deref()?, now))
        })
    })
}

/// An activity under way: check in (or out) from here.
#[component]
fn UnderWay() -> impl IntoView {
    let i18n = use_i18n();
    let agenda = use_agenda();
    move || {
        let list = agenda.get()?.under_way;
        (!list.is_empty()).then(|| {
            view! {
                <section class="page under-way" data-testid="under-way">
                    <h2 class="page-title">{t!(i18n, home_under_way)}</h2>
                    {list.into_iter().map(|u| {
                        let href = format!("/activities/{}", u.activity.id);
                        let open_checkout = u.activity.counts_hours
                            && u.checkin.as_ref().is_some_and(|c| c.checked_out_at.is_none());
                        let (action, todo) = match &u.checkin {
                            None => (t_string!(i18n, home_check_in), true),
                            Some(_) if open_checkout => (t_string!(i18n, home_check_out), true),
                            Some(_) => (t_string!(i18n, checked_in), false),
                        };
                        view! {
                            <a href=href class="card under-way-card">
                                <span class="activity-title">{u.activity.title.clone()}</span>
                                <span class="activity-meta">{u.activity.place.clone()}</span>
                                <span class="btn" class:btn-primary=todo>{action}</span>
                            </a>
                        }
                    }).collect_view()}
                </section>
            }
        })
    }
}

/// My next signed-up activity.
#[component]
fn NextActivity() -> impl IntoView {
    let i18n = use_i18n();
    let agenda = use_agenda();
    move || {
        let (a, s) = agenda.get()?.next?;
        let href = format!("/activities/{}", a.id);
        let starts_at = a.starts_at;
        Some(view! {
            <section class="page next-activity" data-testid="next-activity">
                <h2 class="page-title">{t!(i18n, home_next)}</h2>
                <a href=href class="card">
                    <span class="activity-title">{a.title.clone()}</span>
                    <span class="activity-meta">
                        {move || labels::when(i18n.get_locale(), starts_at)} " · " {a.place.clone()}
                    </span>
                    <span class="tag">{move || labels::signup_status(i18n.get_locale(), &s)}</span>
                </a>
            </section>
        })
    }
}

/// My credits, for members.
#[component]
fn MyCredits() -> impl IntoView {
    let i18n = use_i18n();
    let sync = Sync::get();
    let balance = Memo::new(move |_| {
        sync.replica.with(|r| {
            let r = r.as_ref()?;
            Some(wallet::balance(r, r.actor.member_id.as_deref()?))
        })
    });
    move || {
        let n = balance.get()?;
        Some(view! {
            <section class="page my-credits">
                <a href="/credits" class="card" data-testid="home-credits">
                    <span class="activity-title">{t!(i18n, tab_credits)}</span>
                    <span class="credits-number">{t!(i18n, credits_balance, n = n)}</span>
                </a>
            </section>
        })
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
                        let summary = manages.then(|| menu::board_counts(r.view(), &m));
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
                            <a href="/activities" class="card theme-card">
                                <span class="menu-theme">{m.theme_title.clone()}</span>
                                {p.map(|c| view! { <ProgressLine c=c /> })}
                            </a>
                            {summary.map(|(done, total)| if draft {
                                view! { <a href=edit class="btn" data-testid="home-draft">{t!(i18n, home_draft)}</a> }.into_any()
                            } else {
                                view! { <a href=board class="btn" data-testid="home-board">{t!(i18n, board_summary, done = done, total = total)}</a> }.into_any()
                            })}
                        }
                    }).collect_view().into_any()
                }}
            </section>
        })
    }
}

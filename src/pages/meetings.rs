use std::collections::BTreeSet;

use leptos::prelude::*;
use zhijian_domain::meeting::{self, Meeting, MeetingKind, MeetingRules, Per, Quarter, Status};
use zhijian_domain::replica::{Records, Replica};
use zhijian_domain::{Org, OrgKind, View};

use crate::components::{EmptyState, Message, Outcome, download_csv, orgs_where, submit};
use crate::i18n::*;
use crate::labels;
use crate::sync::Sync;
use crate::when;

/// The members who checked in to an activity.
pub fn checked_in_to(view: &Records, activity_id: &str) -> BTreeSet<String> {
    view.checkins_of(activity_id)
        .into_iter()
        .map(|c| c.member_id)
        .collect()
}

/// The members of a meeting's linked activity who checked in.
pub fn checked_in(view: &Records, m: &Meeting) -> BTreeSet<String> {
    m.activity_id
        .as_deref()
        .map(|a| checked_in_to(view, a))
        .unwrap_or_default()
}

/// The committee's rules nearest above `org`, or the defaults.
fn rules_for(view: &Records, org: &Org) -> MeetingRules {
    org.path
        .split('/')
        .filter(|s| !s.is_empty())
        .rev()
        .find_map(|id| view.meeting_rules().get(&MeetingRules::id_for(id)).cloned())
        .unwrap_or_else(|| MeetingRules::defaults(&org.id))
}

/// The org's own meetings and its groups' 党小组会.
fn meetings_of<'a>(view: &'a Records, org: &'a Org) -> impl Iterator<Item = &'a Meeting> {
    view.meetings().values().filter(move |m| {
        m.org_id == org.id
            || (m.kind == meeting::MeetingKind::Group
                && view.orgs.get(&m.org_id).is_some_and(|o| org.contains(o)))
    })
}

/// 组织生活: for a secretary, the quarter's board (each kind held against the
/// committee's rules, attendance) and the meetings; for a member, their
/// org's meetings and their own attendance. Nobody else's.
#[component]
pub fn MeetingsPage() -> impl IntoView {
    let i18n = use_i18n();
    let sync = Sync::get();
    let quarter = RwSignal::new(Quarter::of(when::this_month()));
    let chosen = RwSignal::new(String::new());
    let managed = Memo::new(move |_| {
        sync.replica.with(|r| {
            r.as_ref()
                .map(|r| {
                    orgs_where(r, |a, o| {
                        a.manages(o) && matches!(o.kind, OrgKind::Branch | OrgKind::Group)
                    })
                })
                .unwrap_or_default()
        })
    });
    let has_data = Memo::new(move |_| sync.replica.with(Option::is_some));
    view! {
        <section class="page">
            <h2 class="page-title">{t!(i18n, meetings_title)}</h2>
            {move || if !has_data.get() {
                view! { <p class="notice">{t!(i18n, meetings_sign_in)}</p> }.into_any()
            } else if managed.with(Vec::is_empty) {
                view! { <MyMeetings /> }.into_any()
            } else {
                view! {
                    <Board quarter=quarter chosen=chosen managed=managed />
                    <RulesEditor />
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn Board(
    quarter: RwSignal<Quarter>,
    chosen: RwSignal<String>,
    managed: Memo<Vec<(String, String)>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let sync = Sync::get();
    let org_id = move || {
        Some(chosen.get())
            .filter(|o| !o.is_empty())
            .or_else(|| managed.with(|v| v.first().map(|(id, _)| id.clone())))
            .unwrap_or_default()
    };
    let data = Memo::new(move |_| {
        let q = quarter.get();
        let id = org_id();
        sync.replica.with(|r| {
            let r: &Replica = r.as_ref()?;
            let view = r.view();
            let org = view.orgs.get(&id)?;
            let rules = rules_for(view, org);
            let rows = meeting::board(q, meetings_of(view, org), &rules, |m| checked_in(view, m));
            let mut list: Vec<(Meeting, meeting::Attendance)> = meetings_of(view, org)
                .filter(|m| m.quarter() == q)
                .map(|m| (m.clone(), m.attendance(&checked_in(view, m))))
                .collect();
            list.sort_by_key(|(m, _)| std::cmp::Reverse(m.at));
            let csv = meeting::board_csv(q, &rows);
            Some((org.name.clone(), rows, list, csv))
        })
    });
    view! {
        {move || (managed.with(Vec::len) > 1).then(|| view! {
            <label class="field-row">
                <span>{t!(i18n, reward_org)}</span>
                <select on:change=move |ev| chosen.set(event_target_value(&ev))>
                    {managed.get().into_iter().map(|(id, name)| view! { <option value=id>{name}</option> }).collect_view()}
                </select>
            </label>
        })}
        <div class="month-nav">
            <button type="button" class="btn" on:click=move |_| quarter.update(|q| *q = q.prev())>{t!(i18n, meetings_prev)}</button>
            <span class="month-label" data-testid="quarter">{move || quarter_label(i18n.get_locale(), quarter.get())}</span>
            <button type="button" class="btn" on:click=move |_| quarter.update(|q| *q = q.next())>{t!(i18n, meetings_next)}</button>
        </div>
        <a class="btn btn-primary" href=move || format!("/meetings/new/{}", org_id())>{t!(i18n, meetings_record)}</a>
        {move || data.get().map(|(name, rows, list, csv)| {
            let file = format!("{}-{}.csv", quarter.get_untracked(), name);
            view! {
                <h3>{t!(i18n, meetings_board)}</h3>
                <div class="table-wrap">
                    <table class="board" data-testid="meetings-board">
                        <thead><tr>
                            <th scope="col">{t!(i18n, meetings_kind)}</th>
                            <th scope="col">{t!(i18n, meetings_required)}</th>
                            <th scope="col">{t!(i18n, meetings_held)}</th>
                            <th scope="col">{t!(i18n, meetings_rate)}</th>
                        </tr></thead>
                        <tbody>
                            {rows.into_iter().map(|row| {
                                let short = row.is_short();
                                let locale = i18n.get_locale_untracked();
                                let required = match row.requirement.per {
                                    Per::Month => td_string!(locale, meetings_per_month, n = row.requirement.count).to_string(),
                                    Per::Quarter => td_string!(locale, meetings_per_quarter, n = row.requirement.count).to_string(),
                                };
                                let held: Vec<String> = row.periods.iter().map(|(month, held, required)| match month {
                                    Some(m) => td_string!(locale, meetings_held_month, month = m.month(), held = *held, required = *required).to_string(),
                                    None => format!("{held}/{required}"),
                                }).collect();
                                let rate = row.attendance.rate().map(|p| format!("{p}%")).unwrap_or_else(|| "—".into());
                                view! {
                                    <tr class:row-done=!short data-kind=meeting_kind_key(row.kind)>
                                        <th scope="row">{meeting_kind(locale, row.kind)}</th>
                                        <td>{required}</td>
                                        <td>
                                            {held.join(" · ")}" "
                                            <span class=if short { "badge badge-warn" } else { "badge" }>
                                                {if short { t_string!(i18n, meetings_short) } else { t_string!(i18n, meetings_met) }}
                                            </span>
                                        </td>
                                        <td>{rate}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
                <button type="button" class="btn" on:click=move |_| download_csv(&file, &csv)>{t!(i18n, board_export)}</button>
                <h3>{t!(i18n, meetings_list)}</h3>
                {if list.is_empty() {
                    view! { <EmptyState title=t!(i18n, meetings_none).into_any() hint=t!(i18n, meetings_none_hint).into_any() /> }.into_any()
                } else {
                    view! {
                        <ul class="list" data-testid="meetings-list">
                            {list.into_iter().map(|(m, a)| view! {
                                <li>
                                    <a href=format!("/meetings/{}", m.id) class="card">
                                        <span class="badge">{meeting_kind(i18n.get_locale_untracked(), m.kind)}</span>
                                        " "<strong>{m.topic.clone()}</strong>
                                        <span class="muted">{labels::when(i18n.get_locale_untracked(), m.at)}</span>
                                        <span>{t!(i18n, meetings_attendance, due = a.due, present = a.present, leave = a.leave, absent = a.absent)}</span>
                                    </a>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            }
        })}
    }
}

/// A member's own view: their org's meetings and whether they attended.
#[component]
fn MyMeetings() -> impl IntoView {
    let i18n = use_i18n();
    let sync = Sync::get();
    let list = Memo::new(move |_| {
        sync.replica.with(|r| {
            let r = r.as_ref()?;
            let me = r.actor.member_id.clone()?;
            let view = r.view();
            let mut v: Vec<(Meeting, Option<meeting::Status>)> = view
                .meetings()
                .values()
                .map(|m| (m.clone(), m.status_of(&me, &checked_in(view, m))))
                .collect();
            v.sort_by_key(|(m, _)| std::cmp::Reverse(m.at));
            Some(v)
        })
    });
    move || {
        match list.get() {
        None => view! { <p class="notice">{t!(i18n, meetings_no_member)}</p> }.into_any(),
        Some(v) if v.is_empty() => view! {
            <EmptyState title=t!(i18n, meetings_none).into_any() hint=t!(i18n, meetings_none_member_hint).into_any() />
        }
        .into_any(),
        Some(v) => view! {
            <ul class="list" data-testid="my-meetings">
                {v.into_iter().map(|(m, status)| view! {
                    <li>
                        <a href=format!("/meetings/{}", m.id) class="card">
                            <span class="badge">{meeting_kind(i18n.get_locale_untracked(), m.kind)}</span>
                            " "<strong>{m.topic.clone()}</strong>
                            <span class="muted">{labels::when(i18n.get_locale_untracked(), m.at)}</span>
                            <span>{meeting_status(i18n.get_locale_untracked(), status.as_ref())}</span>
                        </a>
                    </li>
                }).collect_view()}
            </ul>
        }
        .into_any(),
    }
    }
}

// Labels of the meeting pages (their strings come with the pages).
pub fn meeting_kind(locale: Locale, k: MeetingKind) -> &'static str {
    match k {
        MeetingKind::General => td_string!(locale, meeting_general),
        MeetingKind::Committee => td_string!(locale, meeting_committee),
        MeetingKind::Group => td_string!(locale, meeting_group),
        MeetingKind::Lesson => td_string!(locale, meeting_lesson),
    }
}

/// A stable name for tests and styles.
pub fn meeting_kind_key(k: MeetingKind) -> &'static str {
    match k {
        MeetingKind::General => "general",
        MeetingKind::Committee => "committee",
        MeetingKind::Group => "group",
        MeetingKind::Lesson => "lesson",
    }
}

/// "2026年第4季度" / "Q4 2026".
pub fn quarter_label(locale: Locale, q: Quarter) -> String {
    td_string!(locale, meetings_quarter, year = q.year(), q = q.number()).to_string()
}

/// Whether the reader attended (None: they were not due).
pub fn meeting_status(locale: Locale, s: Option<&Status>) -> String {
    match s {
        None => td_string!(locale, meeting_not_due).to_string(),
        Some(Status::Present) => td_string!(locale, meeting_present).to_string(),
        Some(Status::Leave(why)) => {
            td_string!(locale, meeting_on_leave_because, reason = why.clone()).to_string()
        }
        Some(Status::Absent) => td_string!(locale, meeting_absent).to_string(),
    }
}

/// Committee staff set how many meetings of each kind the orgs below them
/// must hold (the board above follows at once).
#[component]
fn RulesEditor() -> impl IntoView {
    let i18n = use_i18n();
    let sync = Sync::get();
    // The top committee the actor works for: its rules hold below it
    // wherever a lower committee has set none.
    let committee = Memo::new(move |_| {
        sync.replica.with(|r| {
            let r = r.as_ref()?;
            r.view()
                .orgs
                .values()
                .filter(|o| o.kind == OrgKind::Committee && r.actor.shapes_tree_at(o))
                .min_by_key(|o| (o.path.len(), o.id.clone()))
                .map(|o| (o.id.clone(), o.name.clone()))
        })
    });
    move || {
        let (org_id, name) = committee.get()?;
        let current = sync.replica.with_untracked(|r| {
            r.as_ref().and_then(|r| {
                r.view()
                    .meeting_rules()
                    .get(&MeetingRules::id_for(&org_id))
                    .cloned()
            })
        });
        let rules = current.unwrap_or_else(|| MeetingRules::defaults(&org_id));
        let lines: Vec<(MeetingKind, RwSignal<String>, RwSignal<bool>)> = MeetingKind::ALL
            .iter()
            .map(|k| {
                let r = rules.requirement(*k);
                (
                    *k,
                    RwSignal::new(r.count.to_string()),
                    RwSignal::new(r.per == Per::Month),
                )
            })
            .collect();
        let message = Outcome::new();
        let form_lines = lines.clone();
        let org = org_id.clone();
        let save = move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let req = |k: MeetingKind| {
                let (_, count, monthly) = form_lines.iter().find(|l| l.0 == k).cloned()?;
                Some(meeting::Requirement {
                    count: count.get_untracked().trim().parse().unwrap_or(0),
                    per: if monthly.get_untracked() {
                        Per::Month
                    } else {
                        Per::Quarter
                    },
                })
            };
            let (Some(general), Some(committee), Some(group), Some(lesson)) = (
                req(MeetingKind::General),
                req(MeetingKind::Committee),
                req(MeetingKind::Group),
                req(MeetingKind::Lesson),
            ) else {
                return;
            };
            let op = zhijian_domain::Op::SetMeetingRules(MeetingRules {
                id: MeetingRules::id_for(&org),
                org_id: org.clone(),
                general,
                committee,
                group,
                lesson,
            });
            submit(op, message, t_string!(i18n, saved).to_string());
        };
        Some(view! {
            <form class="form" on:submit=save data-testid="meeting-rules">
                <h3>{t!(i18n, meeting_rules_title, org = name)}</h3>
                {lines.into_iter().map(|(k, count, monthly)| view! {
                    <div class="field-row" data-kind=meeting_kind_key(k)>
                        <label>
                            <span>{move || meeting_kind(i18n.get_locale(), k)}</span>
                            <input type="number" min="1" max="10" name="count"
                                prop:value=move || count.get() on:input=move |ev| count.set(event_target_value(&ev)) />
                        </label>
                        <label>
                            <span>{t!(i18n, meeting_rules_per)}</span>
                            <select name="per" on:change=move |ev| monthly.set(event_target_value(&ev) == "month")>
                                <option value="month" selected=move || monthly.get()>{t!(i18n, meeting_rules_month)}</option>
                                <option value="quarter" selected=move || !monthly.get()>{t!(i18n, meeting_rules_quarter)}</option>
                            </select>
                        </label>
                    </div>
                }).collect_view()}
                <button type="submit" class="btn" disabled=move || message.pending()>{t!(i18n, meeting_rules_save)}</button>
                <Message message=message />
            </form>
        })
    }
}

crate::lazy_page!(MeetingsRoute, meetings_chunk, MeetingsPage);

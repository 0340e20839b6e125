use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};
use zhijian_domain::Op;
use zhijian_domain::meeting::{Absence, Meeting, MeetingKind, Status};

use super::meetings::{checked_in, checked_in_to, meeting_kind, meeting_status};
use crate::components::{Message, Outcome, TextField, submit_then};
use crate::i18n::*;
use crate::labels;
use crate::sync::{Sync, random_hex};
use crate::when;

/// How a due member is marked on the form.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mark {
    Present,
    Leave,
    Absent,
    NotDue,
}

const MARKS: [Mark; 4] = [Mark::Present, Mark::Leave, Mark::Absent, Mark::NotDue];

/// One member's line on the form.
#[derive(Clone)]
struct Line {
    id: String,
    name: String,
    mark: RwSignal<Mark>,
    reason: RwSignal<String>,
}

/// A meeting record: the secretary records or corrects it (`/meetings/new/:org`,
/// `/meetings/:id`); a member reads it, with their own attendance only.
#[component]
pub fn MeetingPage() -> impl IntoView {
    let i18n = use_i18n();
    let sync = Sync::get();
    let params = use_params_map();
    // The record (or a new one for the org) and whether the reader manages it.
    let found = Memo::new(move |_| {
        let (id, org) = params.with(|p| (p.get("id"), p.get("org")));
        sync.replica.with(|r| {
            let r = r.as_ref()?;
            let view = r.view();
            let existing = id
                .as_deref()
                .and_then(|id| view.meetings().get(id).cloned());
            let org_id = existing.as_ref().map(|m| m.org_id.clone()).or(org)?;
            let org = view.orgs.get(&org_id)?;
            Some((existing, org.clone(), r.actor.manages(org)))
        })
    });
    view! {
        <section class="page">
            {move || match found.get() {
                None => view! {
                    <h2 class="page-title">{t!(i18n, meetings_title)}</h2>
                    <p class="notice">{t!(i18n, meeting_not_found)}</p>
                    <a href="/meetings" class="btn">{t!(i18n, meetings_back)}</a>
                }.into_any(),
                Some((existing, org, true)) => view! { <MeetingForm existing=existing org_id=org.id /> }.into_any(),
                Some((Some(m), _, false)) => view! { <MeetingRead m=m /> }.into_any(),
                Some((None, _, false)) => view! { <p class="notice">{t!(i18n, meeting_not_found)}</p> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn MeetingRead(m: Meeting) -> impl IntoView {
    let i18n = use_i18n();
    let sync = Sync::get();
    let mine = Memo::new({
        let m = m.clone();
        move |_| {
            sync.replica.with(|r| {
                let r = r.as_ref()?;
                let me = r.actor.member_id.clone()?;
                m.status_of(&me, &checked_in(r.view(), &m))
            })
        }
    });
    let locale = move || i18n.get_locale();
    view! {
        <h2 class="page-title">{m.topic.clone()}</h2>
        <p>
            <span class="badge">{move || meeting_kind(locale(), m.kind)}</span>" "
            {move || labels::when(locale(), m.at)}" · "{m.place.clone()}
        </p>
        <p>{t!(i18n, meeting_host)}"："{m.host.clone()}" · "{t!(i18n, meeting_recorder)}"："{m.recorder.clone()}</p>
        <p class="notice" data-testid="my-attendance">{move || meeting_status(locale(), mine.get().as_ref())}</p>
        {(!m.minutes.is_empty()).then(|| view! {
            <h3>{t!(i18n, meeting_minutes)}</h3>
            <p class="prose">{m.minutes.clone()}</p>
        })}
        {(!m.decisions.is_empty()).then(|| view! {
            <h3>{t!(i18n, meeting_decisions)}</h3>
            <p class="prose">{m.decisions.clone()}</p>
        })}
        <a href="/meetings" class="btn">{t!(i18n, meetings_back)}</a>
    }
}

#[component]
fn MeetingForm(existing: Option<Meeting>, org_id: String) -> impl IntoView {
    let i18n = use_i18n();
    let sync = Sync::get();
    let navigate = use_navigate();
    let e = existing.clone();
    let kind = RwSignal::new(
        e.as_ref()
            .and_then(|m| MeetingKind::ALL.iter().position(|k| *k == m.kind))
            .unwrap_or(1),
    );
    let at = RwSignal::new(when::to_input(
        e.as_ref().map_or_else(when::now_secs, |m| m.at),
    ));
    let text =
        |f: fn(&Meeting) -> &String| RwSignal::new(e.as_ref().map(f).cloned().unwrap_or_default());
    let topic = text(|m| &m.topic);
    let place = text(|m| &m.place);
    let host = text(|m| &m.host);
    let recorder = text(|m| &m.recorder);
    let minutes = text(|m| &m.minutes);
    let decisions = text(|m| &m.decisions);
    // Everyone due before, and the org's members now (new ones present by
    // default: the secretary marks the exceptions).
    let lines: Vec<Line> = sync.replica.with_untracked(|r| {
        let Some(r) = r.as_ref() else { return vec![] };
        let view = r.view();
        let Some(org) = view.orgs.get(&org_id) else {
            return vec![];
        };
        let checked = e.as_ref().map(|m| checked_in(view, m)).unwrap_or_default();
        let mut ids: Vec<String> = e.as_ref().map(|m| m.due.clone()).unwrap_or_default();
        for m in view.members.values() {
            if view.orgs.get(&m.org_id).is_some_and(|o| org.contains(o)) && !ids.contains(&m.id) {
                ids.push(m.id.clone());
            }
        }
        let mut lines: Vec<Line> = ids
            .into_iter()
            .map(|id| {
                let (mark, reason) = match e.as_ref() {
                    None => (Mark::Present, String::new()),
                    Some(m) => match m.status_of(&id, &checked) {
                        None => (Mark::NotDue, String::new()),
                        Some(Status::Present) => (Mark::Present, String::new()),
                        Some(Status::Leave(why)) => (Mark::Leave, why),
                        Some(Status::Absent) => (Mark::Absent, String::new()),
                    },
                };
                Line {
                    name: view
                        .members
                        .get(&id)
                        .map(|m| m.name.clone())
                        .unwrap_or_else(|| id.clone()),
                    id,
                    mark: RwSignal::new(mark),
                    reason: RwSignal::new(reason),
                }
            })
            .collect();
        lines.sort_by(|a, b| a.name.cmp(&b.name));
        lines
    });
    let message = Outcome::new();
    let id = e.as_ref().map(|m| m.id.clone());
    // The org's activities a meeting may have been held as (its check-ins
    // then count as present), the latest first.
    let activity = RwSignal::new(
        e.as_ref()
            .and_then(|m| m.activity_id.clone())
            .unwrap_or_default(),
    );
    let activities: Vec<(String, String, i64)> = sync.replica.with_untracked(|r| {
        let Some(r) = r.as_ref() else { return vec![] };
        let mut v: Vec<(String, String, i64)> = r
            .view()
            .activities()
            .values()
            .filter(|a| a.org_id == org_id && !a.cancelled)
            .map(|a| (a.id.clone(), a.title.clone(), a.starts_at))
            .collect();
        v.sort_by_key(|a| std::cmp::Reverse(a.2));
        v.truncate(30);
        v
    });
    // Who checked in to the linked activity.
    let checked_now = move || {
        let id = activity.get();
        sync.replica.with(|r| {
            r.as_ref()
                .filter(|_| !id.is_empty())
                .map(|r| checked_in_to(r.view(), &id))
                .unwrap_or_default()
        })
    };
    let relink_lines = lines.clone();
    // Linking an activity marks who checked in present and the rest absent;
    // the secretary then corrects leave by hand.
    let relink = move |id: String| {
        activity.set(id);
        let checked = checked_now();
        if checked.is_empty() {
            return;
        }
        for l in &relink_lines {
            if l.mark.get_untracked() != Mark::NotDue {
                l.mark.set(if checked.contains(&l.id) {
                    Mark::Present
                } else {
                    Mark::Absent
                });
            }
        }
    };
    let form_lines = lines.clone();
    let org = org_id.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(at) = when::from_input(&at.get_untracked()) else {
            message.set(Some((
                false,
                t_string!(i18n, activity_bad_time).to_string(),
            )));
            return;
        };
        let mut due = Vec::new();
        let mut present = Vec::new();
        let mut absent = Vec::new();
        for l in &form_lines {
            match l.mark.get_untracked() {
                Mark::NotDue => continue,
                Mark::Present => present.push(l.id.clone()),
                Mark::Leave => absent.push(Absence {
                    member_id: l.id.clone(),
                    leave: Some(l.reason.get_untracked().trim().to_owned()),
                }),
                Mark::Absent => absent.push(Absence {
                    member_id: l.id.clone(),
                    leave: None,
                }),
            }
            due.push(l.id.clone());
        }
        let op = Op::SaveMeeting(Meeting {
            id: id.clone().unwrap_or_else(|| format!("mt-{}", random_hex())),
            org_id: org.clone(),
            kind: MeetingKind::ALL[kind.get_untracked().min(MeetingKind::ALL.len() - 1)],
            at,
            place: place.get_untracked().trim().to_owned(),
            host: host.get_untracked().trim().to_owned(),
            recorder: recorder.get_untracked().trim().to_owned(),
            topic: topic.get_untracked().trim().to_owned(),
            activity_id: Some(activity.get_untracked()).filter(|a| !a.is_empty()),
            due,
            present,
            absent,
            minutes: minutes.get_untracked().trim().to_owned(),
            decisions: decisions.get_untracked().trim().to_owned(),
            recorded_by: String::new(),
        });
        let navigate = navigate.clone();
        submit_then(op, message, t_string!(i18n, saved).to_string(), move || {
            navigate("/meetings", Default::default());
        });
    };
    let title = if existing.is_some() {
        t!(i18n, meeting_edit).into_any()
    } else {
        t!(i18n, meetings_record).into_any()
    };
    view! {
        <h2 class="page-title">{title}</h2>
        <form class="form" on:submit=submit data-testid="meeting-form">
            <label class="field-row">
                <span>{t!(i18n, meetings_kind)}</span>
                <select name="kind" on:change=move |ev| kind.set(event_target_value(&ev).parse().unwrap_or(1))>
                    {MeetingKind::ALL.iter().enumerate().map(|(i, k)| {
                        let k = *k;
                        view! { <option value=i.to_string() selected=move || kind.get() == i>{move || meeting_kind(i18n.get_locale(), k)}</option> }
                    }).collect_view()}
                </select>
            </label>
            <label class="field-row">
                <span>{t!(i18n, activity_time)}</span>
                <input type="datetime-local" name="at" required=true
                    prop:value=move || at.get() on:input=move |ev| at.set(event_target_value(&ev)) />
            </label>
            <TextField name="topic" value=topic max=60 required=true>{t!(i18n, meeting_topic)}</TextField>
            <label class="field-row">
                <span>{t!(i18n, meeting_activity)}</span>
                <select name="activity" on:change=move |ev| relink(event_target_value(&ev))>
                    <option value="" selected=move || activity.get().is_empty()>{t!(i18n, meeting_activity_none)}</option>
                    {activities.into_iter().map(|(id, title, at)| {
                        let (value, id2) = (id.clone(), id);
                        view! {
                            <option value=value selected=move || activity.get() == id2>
                                {title}" · "{move || labels::when(i18n.get_locale(), at)}
                            </option>
                        }
                    }).collect_view()}
                </select>
            </label>
            <TextField name="place" value=place max=60 required=true>{t!(i18n, activity_place)}</TextField>
            <TextField name="host" value=host max=20 required=true>{t!(i18n, meeting_host)}</TextField>
            <TextField name="recorder" value=recorder max=20 required=true>{t!(i18n, meeting_recorder)}</TextField>
            <fieldset class="attendance" data-testid="attendance">
                <legend>{t!(i18n, meeting_attendance)}</legend>
                {lines.into_iter().map(|l| {
                    let Line { id, name, mark, reason } = l;
                    let field = format!("mark-{id}");
                    view! {
                        <div class="attendance-row" data-member=id.clone()>
                            <label class="field-row">
                                <span>{name.clone()}</span>
                                {
                                    let id = id.clone();
                                    move || checked_now().contains(&id).then(|| view! {
                                        <span class="badge">{t!(i18n, meeting_checked_in)}</span>
                                    })
                                }
                                <select name=field on:change=move |ev| {
                                    let i: usize = event_target_value(&ev).parse().unwrap_or(0);
                                    mark.set(MARKS[i.min(MARKS.len() - 1)]);
                                }>
                                    {MARKS.iter().enumerate().map(|(i, m)| {
                                        let m = *m;
                                        view! { <option value=i.to_string() selected=move || mark.get() == m>{move || mark_label(i18n.get_locale(), m)}</option> }
                                    }).collect_view()}
                                </select>
                            </label>
                            {move || {
                                let name = name.clone();
                                (mark.get() == Mark::Leave).then(move || view! {
                                    <TextField name="leave-reason" value=reason max=60 required=true>
                                        {t!(i18n, meeting_leave_reason, name = name.clone())}
                                    </TextField>
                                })
                            }}
                        </div>
                    }
                }).collect_view()}
            </fieldset>
            <label class="field-row">
                <span>{t!(i18n, meeting_minutes)}</span>
                <textarea name="minutes" rows="6" maxlength="10000"
                    prop:value=move || minutes.get() on:input=move |ev| minutes.set(event_target_value(&ev))></textarea>
            </label>
            <label class="field-row">
                <span>{t!(i18n, meeting_decisions)}</span>
                <textarea name="decisions" rows="3" maxlength="2000"
                    prop:value=move || decisions.get() on:input=move |ev| decisions.set(event_target_value(&ev))></textarea>
            </label>
            <button type="submit" class="btn btn-primary" disabled=move || message.pending()>{t!(i18n, meeting_save)}</button>
            <Message message=message />
        </form>
        <a href="/meetings" class="btn">{t!(i18n, meetings_back)}</a>
    }
}

fn mark_label(locale: Locale, m: Mark) -> &'static str {
    match m {
        Mark::Present => td_string!(locale, meeting_mark_present),
        Mark::Leave => td_string!(locale, meeting_mark_leave),
        Mark::Absent => td_string!(locale, meeting_mark_absent),
        Mark::NotDue => td_string!(locale, meeting_mark_not_due),
    }
}

crate::lazy_page!(MeetingRoute, meeting_chunk, MeetingPage);

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_params_map, use_query_map};
use zhijian_domain::Op;
use zhijian_domain::activity::{Activity, ServiceMode, SignupStatus};
use zhijian_domain::menu_ops::{HandCheckIn, NewCheckIn, NewSignup};

use crate::attendance::{my_checkin, my_signup, organises, pending_for, rejections_for};
use crate::components::{ActivityForm, CodeDisplay, Message, Outcome, submit};
use crate::i18n::*;
use crate::labels;
use crate::sync::{Sync, random_hex};
use crate::when;

/// One activity: details, my sign-up and check-in; for its organiser the
/// changing check-in code, the sign-ups and check-in by hand.
#[component]
pub fn ActivityPage() -> impl IntoView {
    let i18n = use_i18n();
    let sync = Sync::get();
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let activity = Memo::new(move |_| {
        let id = id();
        sync.replica
            .with(|r| r.as_ref()?.view().activities().get(&id).cloned())
    });
    let role = Memo::new(move |_| {
        let id = id();
        sync.replica.with(|r| {
            let r = r.as_ref()?;
            let a = r.view().activities().get(&id)?;
            Some((organises(r, a), r.actor.member_id.is_some()))
        })
    });
    // The parts below are rebuilt only when what they are built from changes,
    // not when a sync moves the seat counters, so forms keep what is typed.
    let stable = Memo::new(move |_| {
        activity.get().map(|a| Activity {
            taken: 0,
            arrivals: 0,
            ..a
        })
    });
    let pending = Memo::new(move |_| {
        activity.with(|a| {
            a.as_ref().is_some_and(|a| {
                sync.replica
                    .with(|r| r.as_ref().is_some_and(|r| pending_for(r, a)))
            })
        })
    });
    let message = Outcome::new();
    let query = use_query_map();
    let code = RwSignal::new(query.with_untracked(|q| q.get("code").unwrap_or_default()));
    view! {
        <section class="page">
            {move || match (role.get(), stable.get()) {
                (Some((organiser, is_member)), Some(a)) => view! {
                    <h2 class="page-title">{a.title.clone()}</h2>
                    {move || activity.get().map(|a| view! { <Facts a=a /> })}
                    {move || pending.get().then(|| view! { <p class="notice" data-testid="activity-pending">{t!(i18n, activity_pending)}</p> })}
                    {is_member.then(|| view! { <MemberPart a=a.clone() pending=pending message=message code=code /> })}
                    {organiser.then(|| view! {
                        <p class="actions">
                            <a class="btn" href=format!("/present/{}", a.id) data-testid="present-link">{t!(i18n, present_open)}</a>
                        </p>
                        <OrganiserPart a=a.clone() message=message />
                    })}
                    {organiser.then(|| view! {
                        <details class="card">
                            <summary>{t!(i18n, activity_edit)}</summary>
                            <ActivityForm menu_id=a.menu_id.clone() existing=Some(a.clone()) message=message />
                        </details>
                    })}
                    <Message message=message />
                }.into_any(),
                _ => view! {
                    <h2 class="page-title">{t!(i18n, activity_title)}</h2>
                    <p class="notice">{t!(i18n, activity_not_found)}</p>
                }.into_any(),
            }}
        </section>
    }
}

#[component]
fn Facts(a: Activity) -> impl IntoView {
    let i18n = use_i18n();
    let sync = Sync::get();
    let (start, end) = (a.starts_at, a.ends_at());
    // The host: the org, and for a joint menu the alliance it chairs.
    let host = sync.replica.with_untracked(|r| {
        let r = r.as_ref()?;
        let view = r.view();
        let org = view.orgs.get(&a.org_id)?.name.clone();
        let alliance = view
            .menus()
            .get(&a.menu_id)
            .and_then(|m| m.alliance_id.as_ref())
            .and_then(|id| view.find_alliance(id))
            .map(|al| al.name.clone());
        Some((org, alliance))
    });
    view! {
        {a.cancelled.then(|| view! { <p class="notice notice-error" role="alert">{t!(i18n, activity_cancelled)}</p> })}
        <dl class="facts">
            {host.map(|(org, alliance)| view! {
                <dt>{t!(i18n, activity_host)}</dt>
                <dd>{match alliance {
                    Some(al) => t_string!(i18n, activity_host_joint, org = org.clone(), alliance = al).to_string(),
                    None => org,
                }}</dd>
            })}
            <dt>{t!(i18n, activity_time)}</dt>
            <dd>{move || labels::when(i18n.get_locale(), start)} " – " {move || labels::when(i18n.get_locale(), end)}</dd>
            <dt>{t!(i18n, activity_place)}</dt><dd>{a.place.clone()}</dd>
            <dt>{t!(i18n, activity_mode)}</dt><dd>{move || labels::service_mode(i18n.get_locale(), a.mode)}</dd>
            {a.limited().map(|c| view! {
                <dt>{t!(i18n, activity_seats)}</dt>
                <dd data-testid="seats">{t!(i18n, seats_taken, taken = a.taken, capacity = c)}</dd>
            })}
            {a.needs_approval.then(|| view! { <dt>{t!(i18n, activity_approval)}</dt><dd>{t!(i18n, activity_approval_yes)}</dd> })}
            {a.counts_hours.then(|| view! { <dt>{t!(i18n, activity_hours)}</dt><dd>{t!(i18n, activity_hours_yes)}</dd> })}
        </dl>
        {a.description.clone().map(|d| view! { <p class="activity-desc">{d}</p> })}
        {a.lesson.clone().map(|l| {
            let title = sync.replica.with_untracked(|r| {
                let c = r.as_ref()?.view().courses().get(&l.course_id)?.clone();
                Some(format!("{} · {}", c.title, c.lesson(&l.lesson_id)?.title))
            });
            view! {
                <p class="activity-lesson" data-testid="activity-lesson">
                    {t!(i18n, activity_lesson)} "："
                    {match title {
                        Some(t) => view! { <a href=format!("/study/{}/{}", l.course_id, l.lesson_id)>{t}</a> }.into_any(),
                        None => view! { <span class="hint">{t!(i18n, activity_lesson_missing)}</span> }.into_any(),
                    }}
                </p>
            }
        })}
    }
}

#[component]
fn MemberPart(
    a: Activity,
    pending: Memo<bool>,
    message: Outcome,
    code: RwSignal<String>,
) -> impl IntoView {
    let i18n = use_i18n();
    let sync = Sync::get();
    let refusing = a.clone();
    let refused = Memo::new(move |_| {
        sync.replica.with(|r| {
            r.as_ref()
                .map(|r| rejections_for(r, &refusing, i18n.get_locale()))
                .unwrap_or_default()
        })
    });
    let aid = a.id.clone();
    let state = Memo::new(move |_| {
        sync.replica.with(|r| {
            r.as_ref()
                .map(|r| (my_signup(r, &aid), my_checkin(r, &aid)))
                .unwrap_or_default()
        })
    });
    // A group leader picks the members of the org(s) the activity is for.
    let aid = a.id.clone();
    let group_pick = RwSignal::new(Vec::<String>::new());
    let candidates = Memo::new(move |_| {
        sync.replica.with(|r| {
            let Some(r) = r.as_ref() else { return vec![] };
            let view = r.view();
            let Some(org) = view
                .activities()
                .get(&aid)
                .and_then(|a| view.orgs.get(&a.org_id))
            else {
                return vec![];
            };
            let mut v: Vec<(String, String)> = view
                .members
                .values()
                .filter(|m| view.orgs.get(&m.org_id).is_some_and(|o| org.contains(o)))
                .map(|m| (m.id.clone(), m.name.clone()))
                .collect();
            zhijian_domain::order::sort_by(&mut v, |x, y| x.1.cmp(&y.1));
            v
        })
    });
    if let Some(me) = sync
        .replica
        .with_untracked(|r| r.as_ref().and_then(|r| r.actor.member_id.clone()))
    {
        group_pick.set(vec![me]);
    }
    let group = a.mode == ServiceMode::Group;
    let (a1, a2, a3) = (a.clone(), a.clone(), a.clone());
    let sign_up = move |_| {
        let members = if group {
            group_pick.get_untracked()
        } else {
            vec![]
        };
        let op = Op::SignUp(NewSignup {
            id: random_hex(),
            activity_id: a1.id.clone(),
            members,
        });
        submit(op, message, t_string!(i18n, signup_queued).to_string());
    };
    let cancel = move |signup_id: String| {
        submit(
            Op::CancelSignup { signup_id },
            message,
            t_string!(i18n, signup_cancel_queued).to_string(),
        );
    };
    let check_in = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let op = Op::CheckIn(NewCheckIn {
            id: random_hex(),
            activity_id: a2.id.clone(),
            code: code.get_untracked().trim().to_owned(),
            at: when::now_secs(),
        });
        submit(op, message, t_string!(i18n, checkin_queued).to_string());
    };
    let check_out = move |checkin_id: String| {
        let op = Op::CheckOut {
            checkin_id,
            at: when::now_secs(),
            code: Some(code.get_untracked().trim().to_owned()),
        };
        submit(op, message, t_string!(i18n, checkout_queued).to_string());
    };
    view! {
        <section class="card" data-testid="my-part">
            <h3>{t!(i18n, activity_mine)}</h3>
            {move || refused.get().into_iter().map(|(seq, reason)| view! {
                <p class="notice notice-error" role="alert" data-testid="my-rejection">
                    {t!(i18n, activity_refused, reason = reason.clone())}
                    " "
                    <button type="button" class="btn btn-small" on:click=move |_| spawn_local(sync.dismiss(seq))>
                        {t!(i18n, sync_dismiss)}
                    </button>
                </p>
            }).collect_view()}
            {move || {
                let (signup, checkin) = state.get();
                let active = signup.clone().filter(|s| s.status.is_active());
                // Until the server has decided, say so rather than guess.
                let status = signup.clone().map(|s| view! {
                    <p class="my-status" data-testid="my-signup">{move || if pending.get() {
                        t_string!(i18n, signup_pending).to_string()
                    } else {
                        labels::signup_status(i18n.get_locale(), &s)
                    }}</p>
                });
                let signup_ui = match active {
                    Some(s) if checkin.is_none() => {
                        let sid = s.id.clone();
                        view! {
                            <button type="button" class="btn" disabled=move || message.pending() on:click=move |_| cancel(sid.clone())>{t!(i18n, signup_cancel)}</button>
                        }.into_any()
                    }
                    Some(_) => ().into_any(),
                    None if checkin.is_some() || a3.cancelled => ().into_any(),
                    None => view! {
                        {group.then(|| view! {
                            <fieldset class="field">
                                <legend>{t!(i18n, group_members)}</legend>
                                {move || candidates.get().into_iter().map(|(id, name)| {
                                    let (id1, id2) = (id.clone(), id.clone());
                                    view! {
                                        <label class="check-row">
                                            <input type="checkbox"
                                                prop:checked=move || group_pick.with(|p| p.contains(&id1))
                                                on:change=move |ev| {
                                                    let on = event_target_checked(&ev);
                                                    group_pick.update(|p| {
                                                        p.retain(|x| *x != id2);
                                                        if on { p.push(id2.clone()); }
                                                    });
                                                } />
                                            {name}
                                        </label>
                                    }
                                }).collect_view()}
                            </fieldset>
                        })}
                        <button type="button" class="btn btn-primary" disabled=move || message.pending() on:click=sign_up.clone()>{t!(i18n, signup_do)}</button>
                    }.into_any(),
                };
                let needs_seat = a3.needs_signup()
                    && !signup.as_ref().is_some_and(|s| s.status == SignupStatus::Confirmed);
                let checkin_ui = match checkin {
                    Some(c) => {
                        let cid = c.id.clone();
                        let can_out = a3.counts_hours && c.checked_out_at.is_none();
                        view! {
                            <p class="my-status" data-testid="my-checkin">
                                {move || t_string!(i18n, checked_in_at, time = labels::when(i18n.get_locale(), c.at)).to_string()}
                            </p>
                            {c.checked_out_at.map(|t| view! {
                                <p class="my-status">{move || t_string!(i18n, checked_out_at, time = labels::when(i18n.get_locale(), t)).to_string()}</p>
                            })}
                            {can_out.then(|| view! {
                                <form class="form inline-form" on:submit=move |ev| { ev.prevent_default(); check_out(cid.clone()) }>
                                    <CodeInput code=code />
                                    <button type="submit" class="btn" disabled=move || message.pending()>{t!(i18n, checkout_do)}</button>
                                </form>
                            })}
                        }.into_any()
                    }
                    None if a3.cancelled => ().into_any(),
                    None if needs_seat => view! { <p class="hint">{t!(i18n, checkin_needs_seat)}</p> }.into_any(),
                    None => view! {
                        <form class="form inline-form" on:submit=check_in.clone() data-testid="checkin-form">
                            <CodeInput code=code />
                            <button type="submit" class="btn btn-primary" disabled=move || message.pending()>{t!(i18n, checkin_do)}</button>
                        </form>
                    }.into_any(),
                };
                view! { {status} {signup_ui} {checkin_ui} }
            }}
        </section>
    }
}

#[component]
fn CodeInput(code: RwSignal<String>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <label class="field-row">
            <span>{t!(i18n, checkin_code)}</span>
            <input type="text" name="code" inputmode="numeric" pattern="[0-9]{6}" maxlength="6"
                autocomplete="one-time-code" required=true class="code-input"
                prop:value=move || code.get() on:input=move |ev| code.set(event_target_value(&ev)) />
        </label>
    }
}

#[component]
fn OrganiserPart(a: Activity, message: Outcome) -> impl IntoView {
    let i18n = use_i18n();
    let sync = Sync::get();
    let aid = a.id.clone();
    let people = Memo::new(move |_| {
        sync.replica.with(|r| {
            let Some(r) = r.as_ref() else {
                return (vec![], vec![], vec![]);
            };
            let view = r.view();
            let name = |id: &str| {
                view.members
                    .get(id)
                    .map_or(id.to_owned(), |m| m.name.clone())
            };
            let mut signups: Vec<_> = view
                .signups_of_sorted(&aid)
                .into_iter()
                .map(|s| {
                    let names: Vec<String> = s.members.iter().map(|m| name(m)).collect();
                    (s, names.join("、"))
                })
                .collect();
            signups.retain(|(s, _)| s.status != SignupStatus::Cancelled);
            let checkins: Vec<(String, i64, Option<String>)> = view
                .checkins()
                .values()
                .filter(|c| c.activity_id == aid)
                .map(|c| (name(&c.member_id), c.at, c.by_hand.clone()))
                .collect();
            let org = view
                .activities()
                .get(&aid)
                .and_then(|a| view.orgs.get(&a.org_id));
            let mut members: Vec<(String, String)> = view
                .members
                .values()
                .filter(|m| {
                    org.is_some_and(|o| view.orgs.get(&m.org_id).is_some_and(|x| o.contains(x)))
                })
                .map(|m| (m.id.clone(), m.name.clone()))
                .collect();
            zhijian_domain::order::sort_by(&mut members, |x, y| x.1.cmp(&y.1));
            (signups, checkins, members)
        })
    });
    let hand_member = RwSignal::new(String::new());
    let hand_note = RwSignal::new(String::new());
    let aid = a.id.clone();
    let by_hand = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let op = Op::CheckInByHand(HandCheckIn {
            id: random_hex(),
            activity_id: aid.clone(),
            member_id: hand_member.get_untracked(),
            note: hand_note.get_untracked(),
            at: when::now_secs(),
        });
        submit(op, message, t_string!(i18n, checkin_queued).to_string());
    };
    let decide = move |signup_id: String, approve: bool| {
        submit(
            Op::DecideSignup { signup_id, approve },
            message,
            t_string!(i18n, saved).to_string(),
        );
    };
    let aid = a.id.clone();
    let cancel_activity = move |_| {
        let ok = web_sys::window()
            .and_then(|w| {
                w.confirm_with_message(t_string!(i18n, activity_cancel_confirm))
                    .ok()
            })
            .unwrap_or(false);
        if ok {
            submit(
                Op::CancelActivity {
                    activity_id: aid.clone(),
                },
                message,
                t_string!(i18n, saved).to_string(),
            );
        }
    };
    view! {
        <section class="card" data-testid="organiser-part">
            <h3>{t!(i18n, organiser_title)}</h3>
            {(!a.cancelled).then(|| view! { <CodeDisplay a=a.clone() /> })}
            <h4>{t!(i18n, organiser_signups)}</h4>
            {move || {
                let (signups, _, _) = people.get();
                if signups.is_empty() {
                    return view! { <p class="hint">{t!(i18n, organiser_no_signups)}</p> }.into_any();
                }
                view! {
                    <ul class="plain-list" data-testid="signup-list">
                        {signups.into_iter().map(|(s, names)| {
                            let requested = s.status == SignupStatus::Requested;
                            let (id1, id2) = (s.id.clone(), s.id.clone());
                            view! {
                                <li>
                                    <span>{names}</span> " · "
                                    <span>{move || labels::signup_status(i18n.get_locale(), &s)}</span>
                                    {requested.then(|| view! {
                                        <button type="button" class="btn btn-small" disabled=move || message.pending() on:click=move |_| decide(id1.clone(), true)>{t!(i18n, approve)}</button>
                                        <button type="button" class="btn btn-small" disabled=move || message.pending() on:click=move |_| decide(id2.clone(), false)>{t!(i18n, decline)}</button>
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            <h4>{t!(i18n, organiser_checkins)}</h4>
            {move || {
                let (_, checkins, _) = people.get();
                if checkins.is_empty() {
                    return view! { <p class="hint">{t!(i18n, organiser_no_checkins)}</p> }.into_any();
                }
                view! {
                    <ul class="plain-list" data-testid="checkin-list">
                        {checkins.into_iter().map(|(name, at, note)| view! {
                            <li>{name} " · " {move || labels::when(i18n.get_locale(), at)}
                                {note.map(|n| view! { " · " {t!(i18n, by_hand_note, note = n.clone())} })}
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            {(!a.cancelled).then(|| view! {
                <form class="form" on:submit=by_hand>
                    <h4>{t!(i18n, by_hand_title)}</h4>
                    <label class="field-row">
                        <span>{t!(i18n, by_hand_member)}</span>
                        <select name="member" required=true on:change=move |ev| hand_member.set(event_target_value(&ev))>
                            <option value="">{t!(i18n, choose)}</option>
                            {move || people.get().2.into_iter().map(|(id, name)| view! { <option value=id>{name}</option> }).collect_view()}
                        </select>
                    </label>
                    <label class="field-row">
                        <span>{t!(i18n, by_hand_reason)}</span>
                        <input type="text" name="note" maxlength="200" required=true
                            prop:value=move || hand_note.get() on:input=move |ev| hand_note.set(event_target_value(&ev)) />
                    </label>
                    <button type="submit" class="btn" disabled=move || message.pending()>{t!(i18n, by_hand_do)}</button>
                </form>
                <button type="button" class="btn btn-danger" disabled=move || message.pending() on:click=cancel_activity.clone()>{t!(i18n, activity_cancel)}</button>
            })}
        </section>
    }
}

crate::lazy_page!(ActivityRoute, activity_chunk, ActivityPage);

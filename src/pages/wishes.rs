use leptos::prelude::*;
use leptos_router::components::A;
use zhijian_domain::Op;
use zhijian_domain::credit_ops::{NewPledge, NewWish};
use zhijian_domain::credits::{Pledge, Wish, WishStatus};

use crate::components::{
    EmptyState, Message, OrgSelect, Outcome, TextField, orgs_where, picked_org, submit,
};
use crate::i18n::*;
use crate::sync::{Sync, random_hex};

/// 微心愿 and "我愿意": residents' small wishes posted by the branch or the
/// station (claimed by one member, fulfilled, confirmed, earning credits),
/// and what members of the org offer to do.
#[component]
pub fn Wishes() -> impl IntoView {
    let i18n = use_i18n();
    let sync = Sync::get();
    // (wish, may I confirm it, pending sync)
    let wishes = Memo::new(move |_| {
        sync.replica.with(|r| {
            let r = r.as_ref()?;
            let view = r.view();
            let mut v: Vec<(Wish, bool, bool)> = view
                .wishes()
                .values()
                .map(|w| {
                    let confirms = view.orgs.get(&w.org_id).is_some_and(|o| r.actor.manages(o))
                        || w.posted_by == r.actor.account_id;
                    let pending = r.outbox.iter().any(|m| match &m.op {
                        Op::ClaimWish { wish_id }
                        | Op::FulfilWish { wish_id, .. }
                        | Op::ConfirmWish { wish_id } => *wish_id == w.id,
                        Op::PostWish(n) => n.id == w.id,
                        _ => false,
                    });
                    (w.clone(), confirms, pending)
                })
                .collect();
            zhijian_domain::order::sort_by(&mut v, |a, b| {
                (a.0.status == WishStatus::Confirmed, -a.0.at)
                    .cmp(&(b.0.status == WishStatus::Confirmed, -b.0.at))
            });
            Some(v)
        })
    });
    let shape = Memo::new(move |_| wishes.with(|v| v.as_ref().map(|v| !v.is_empty())));
    let me = Memo::new(move |_| {
        sync.replica
            .with(|r| r.as_ref().and_then(|r| r.actor.member_id.clone()))
    });
    let posts_to = Memo::new(move |_| {
        sync.replica.with(|r| {
            r.as_ref().map_or_else(Vec::new, |r| {
                orgs_where(r, |a, o| a.manages(o) || a.stationed_at(o))
            })
        })
    });
    let message = Outcome::new();
    view! {
        <section class="page">
            <h2 class="page-title">{t!(i18n, wishes_title)}</h2>
            <p><A href="/credits">{t!(i18n, back_to_credits)}</A></p>
            <Message message=message />
            // The list is keyed by each wish's state, so a sync that does not
            // change a wish keeps its card (and what is typed in it).
            {move || match shape.get() {
                None => view! { <p class="notice">{t!(i18n, credits_sign_in)}</p> }.into_any(),
                Some(false) => view! {
                    <EmptyState
                        title=view! { {t!(i18n, wishes_empty)} }.into_any()
                        hint=view! { {t!(i18n, wishes_empty_hint)} }.into_any()
                    />
                }.into_any(),
                Some(true) => view! {
                    <ul class="plain-list cards" data-testid="wishes">
                        <For
                            each=move || wishes.get().unwrap_or_default()
                            key=|(w, confirms, pending)| format!("{}:{:?}:{confirms}:{pending}", w.id, w.status)
                            let((w, confirms, pending))
                        >
                            <WishCard w=w confirms=confirms pending=pending me=me message=message />
                        </For>
                    </ul>
                }.into_any(),
            }}
            <Show when=move || !posts_to.get().is_empty()>
                <WishForm orgs=posts_to />
            </Show>
            <Pledges />
        </section>
    }
}

#[component]
fn WishCard(
    w: Wish,
    confirms: bool,
    pending: bool,
    me: Memo<Option<String>>,
    message: Outcome,
) -> impl IntoView {
    let i18n = use_i18n();
    let id = w.id.clone();
    let mine = move || {
        me.get()
            .is_some_and(|m| w.claimed_by.as_deref() == Some(m.as_str()))
    };
    let note = RwSignal::new(String::new());
    let act = move |op: Op, ok: &'static str| submit(op, message, ok.to_owned());
    let (id1, id2, id3) = (id.clone(), id.clone(), id.clone());
    let claimer = w.claimer_name.clone().unwrap_or_default();
    let status = w.status;
    view! {
        <li class="card" data-testid="wish">
            <strong>{w.title.clone()}</strong>
            <p class="muted">{t!(i18n, wish_for, who = w.requester.clone(), n = w.credits)}</p>
            <p>
                {move || match status {
                    WishStatus::Open => t_string!(i18n, wish_open).to_string(),
                    WishStatus::Claimed => t_string!(i18n, wish_claimed, who = claimer.clone()).to_string(),
                    WishStatus::Fulfilled => t_string!(i18n, wish_fulfilled, who = claimer.clone()).to_string(),
                    WishStatus::Confirmed => t_string!(i18n, wish_confirmed, who = claimer.clone()).to_string(),
                }}
                {pending.then(|| view! { " · " <span class="tag tag-pending">{t!(i18n, pending_tag)}</span> })}
            </p>
            {(status == WishStatus::Open && me.get_untracked().is_some()).then(|| view! {
                <button type="button" class="btn btn-primary" disabled=move || message.pending() on:click=move |_| act(
                    Op::ClaimWish { wish_id: id1.clone() },
                    t_string!(i18n, wish_claim_done),
                )>{t!(i18n, wish_claim)}</button>
            })}
            <Show when=move || status == WishStatus::Claimed && mine()>
                <TextField name="wish-note" max=100 value=note>{t!(i18n, wish_note)}</TextField>
                <button type="button" class="btn btn-primary" disabled=move || message.pending() on:click={
                    let id = id2.clone();
                    move |_| act(
                        Op::FulfilWish { wish_id: id.clone(), note: note.get_untracked() },
                        t_string!(i18n, wish_fulfil_done),
                    )
                }>{t!(i18n, wish_fulfil)}</button>
            </Show>
            {(status == WishStatus::Fulfilled && confirms).then(|| view! {
                <button type="button" class="btn btn-primary" disabled=move || message.pending() on:click=move |_| act(
                    Op::ConfirmWish { wish_id: id3.clone() },
                    t_string!(i18n, wish_confirm_done),
                )>{t!(i18n, wish_confirm)}</button>
            })}
        </li>
    }
}

#[component]
fn WishForm(orgs: Memo<Vec<(String, String)>>) -> impl IntoView {
    let i18n = use_i18n();
    let org = RwSignal::new(String::new());
    let title = RwSignal::new(String::new());
    let requester = RwSignal::new(String::new());
    let credits = RwSignal::new(String::new());
    let message = Outcome::new();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let org_id = picked_org(org, orgs);
        let Ok(n) = credits.get_untracked().trim().parse::<i64>() else {
            message.set(Some((false, t_string!(i18n, wish_bad_credits).to_string())));
            return;
        };
        let op = Op::PostWish(NewWish {
            id: random_hex(),
            org_id,
            title: title.get_untracked(),
            requester: requester.get_untracked(),
            credits: n,
        });
        submit(op, message, t_string!(i18n, wish_posted).to_string());
    };
    view! {
        <details class="field">
            <summary>{t!(i18n, wish_post)}</summary>
            <form class="form" on:submit=save>
                <OrgSelect orgs=orgs value=org />
                <TextField name="wish-title" max=60 value=title>{t!(i18n, wish_title_field)}</TextField>
                <TextField name="wish-requester" max=20 value=requester>{t!(i18n, wish_requester)}</TextField>
                <TextField name="wish-credits" kind="number" max=3 value=credits>{t!(i18n, wish_credits)}</TextField>
                <p class="muted">{t!(i18n, wish_privacy)}</p>
                <button type="submit" class="btn" disabled=move || message.pending()>{t!(i18n, wish_post)}</button>
                <Message message=message />
            </form>
        </details>
    }
}

/// "我愿意": what members of my org offer; mine is editable.
#[component]
fn Pledges() -> impl IntoView {
    let i18n = use_i18n();
    let sync = Sync::get();
    let list = Memo::new(move |_| {
        sync.replica.with(|r| {
            let r = r.as_ref()?;
            let mut v: Vec<Pledge> = r
                .view()
                .pledges()
                .values()
                .filter(|p| !p.withdrawn)
                .cloned()
                .collect();
            zhijian_domain::order::sort_by_key(&mut v, |x| std::cmp::Reverse(x.at));
            Some((v, r.actor.member_id.clone()))
        })
    });
    let text = RwSignal::new(String::new());
    let message = Outcome::new();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let op = Op::SavePledge(NewPledge {
            id: random_hex(),
            text: text.get_untracked(),
            withdrawn: false,
        });
        submit(op, message, t_string!(i18n, pledge_saved).to_string());
        text.set(String::new());
    };
    view! {
        <h3>{t!(i18n, pledges_title)}</h3>
        <p class="muted">{t!(i18n, pledges_hint)}</p>
        {move || list.get().map(|(v, me)| view! {
            <ul class="plain-list" data-testid="pledges">
                {v.into_iter().map(|p| {
                    let mine = me.as_deref() == Some(p.member_id.as_str());
                    let withdraw = {
                        let p = p.clone();
                        move |_| submit(
                            Op::SavePledge(NewPledge { id: p.id.clone(), text: p.text.clone(), withdrawn: true }),
                            message,
                            t_string!(i18n, pledge_withdrawn).to_string(),
                        )
                    };
                    view! {
                        <li>
                            <strong>{p.member_name.clone()}</strong> "：" {p.text.clone()}
                            {mine.then(|| view! {
                                " " <button type="button" class="btn btn-small" disabled=move || message.pending() on:click=withdraw>{t!(i18n, pledge_withdraw)}</button>
                            })}
                        </li>
                    }
                }).collect_view()}
            </ul>
        })}
        // Outside the list, so a sync does not rebuild it mid-typing.
        <Show when=move || list.with(|l| l.as_ref().is_some_and(|(_, me)| me.is_some()))>
            <form class="form" on:submit=save>
                <TextField name="pledge" max=100 value=text>{t!(i18n, pledge_field)}</TextField>
                <button type="submit" class="btn" disabled=move || message.pending()>{t!(i18n, pledge_save)}</button>
                <Message message=message />
            </form>
        </Show>
    }
}

crate::lazy_page!(WishesRoute, wishes_chunk, Wishes);

use leptos::prelude::*;
use leptos_router::components::A;
use zhijian_domain::credit_ops::Redeem;
use zhijian_domain::credits::Reward;
use zhijian_domain::{Actor, Op};

use crate::components::{
    EmptyState, Message, OrgSelect, Outcome, TextField, orgs_where, picked_org, submit,
};
use crate::i18n::*;
use crate::sync::{Sync, random_hex};
use crate::wallet;
use crate::when;

/// 积分兑换: the rewards meant for the member's orgs, with cost and what is
/// left; redeeming works offline (paid when the server accepts it, handed
/// over on the one-time code). Organisers add rewards here.
#[component]
pub fn Rewards() -> impl IntoView {
    let i18n = use_i18n();
    let sync = Sync::get();
    let list = Memo::new(move |_| {
        sync.replica.with(|r| {
            let r = r.as_ref()?;
            let mut v: Vec<Reward> = r
                .view()
                .rewards()
                .values()
                .filter(|x| x.active)
                .cloned()
                .collect();
            zhijian_domain::order::sort_by(&mut v, |a, b| {
                a.cost.cmp(&b.cost).then_with(|| a.title.cmp(&b.title))
            });
            Some(v)
        })
    });
    let available = Memo::new(move |_| {
        sync.replica.with(|r| {
            let r = r.as_ref()?;
            let me = r.actor.member_id.as_deref()?;
            Some(wallet::available(r, me, when::now_secs()))
        })
    });
    // The orgs this account may add rewards to.
    let managed = Memo::new(move |_| {
        sync.replica.with(|r| {
            r.as_ref()
                .map_or_else(Vec::new, |r| orgs_where(r, Actor::manages))
        })
    });
    let message = Outcome::new();
    view! {
        <section class="page">
            <h2 class="page-title">{t!(i18n, rewards_title)}</h2>
            <p><A href="/credits">{t!(i18n, back_to_credits)}</A></p>
            {move || available.get().map(|n| view! {
                <p class="balance" data-testid="available-to-spend">{t!(i18n, rewards_available, n = n)}</p>
            })}
            <Message message=message />
            {move || match list.get() {
                None => view! { <p class="notice">{t!(i18n, credits_sign_in)}</p> }.into_any(),
                Some(v) if v.is_empty() => view! {
                    <EmptyState
                        title=view! { {t!(i18n, rewards_empty)} }.into_any()
                        hint=view! { {t!(i18n, rewards_empty_hint)} }.into_any()
                    />
                }.into_any(),
                Some(v) => view! {
                    <ul class="plain-list cards" data-testid="rewards">
                        {v.into_iter().map(|x| view! { <RewardCard x=x available=available message=message /> }).collect_view()}
                    </ul>
                }.into_any(),
            }}
            <Show when=move || !managed.get().is_empty()>
                <RewardForm orgs=managed />
            </Show>
        </section>
    }
}

#[component]
fn RewardCard(x: Reward, available: Memo<Option<i64>>, message: Outcome) -> impl IntoView {
    let i18n = use_i18n();
    let sync = Sync::get();
    let (id, cost, left) = (x.id.clone(), x.cost, x.left());
    let where_ = x.merchant_name.clone().or(x.description.clone());
    let redeem = move |_| {
        let Some(me) = sync
            .replica
            .with_untracked(|r| r.as_ref().and_then(|r| r.actor.member_id.clone()))
        else {
            return;
        };
        let op = Op::Redeem(Redeem {
            id: random_hex(),
            reward_id: id.clone(),
            member_id: me,
            code: Some(wallet::new_code()),
            at: when::now_secs(),
            hold_id: None,
            proof: None,
        });
        submit(op, message, t_string!(i18n, redeem_queued).to_string());
    };
    let short = move || available.get().is_some_and(|n| n < cost);
    view! {
        <li class="card" data-testid="reward">
            <strong>{x.title.clone()}</strong>
            <p class="muted">{where_}</p>
            <p>{t!(i18n, reward_cost, n = cost)} " · " {t!(i18n, reward_left, n = left)}</p>
            {move || if left == 0 {
                view! { <p class="muted">{t!(i18n, reward_out)}</p> }.into_any()
            } else if available.get().is_none() {
                ().into_any()
            } else {
                view! {
                    <button type="button" class="btn btn-primary" disabled=move || short() || message.pending() on:click=redeem.clone()>
                        {t!(i18n, reward_redeem)}
                    </button>
                    <Show when=short>
                        <p class="muted">{t!(i18n, reward_short)}</p>
                    </Show>
                }.into_any()
            }}
        </li>
    }
}

/// Adds a reward to an org the secretary manages (station goods, or a
/// merchant's discount handed over by the merchant's account).
#[component]
fn RewardForm(orgs: Memo<Vec<(String, String)>>) -> impl IntoView {
    let i18n = use_i18n();
    let org = RwSignal::new(String::new());
    let title = RwSignal::new(String::new());
    let cost = RwSignal::new(String::new());
    let stock = RwSignal::new(String::new());
    let merchant = RwSignal::new(String::new());
    let merchant_name = RwSignal::new(String::new());
    let message = Outcome::new();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let org_id = picked_org(org, orgs);
        let (Ok(c), Ok(s)) = (
            cost.get_untracked().trim().parse::<i64>(),
            stock.get_untracked().trim().parse::<u32>(),
        ) else {
            message.set(Some((
                false,
                t_string!(i18n, reward_bad_numbers).to_string(),
            )));
            return;
        };
        let opt = |v: String| Some(v.trim().to_owned()).filter(|v| !v.is_empty());
        let op = Op::SaveReward(Reward {
            id: random_hex(),
            org_id,
            title: title.get_untracked().trim().to_owned(),
            description: None,
            cost: c,
            stock: s,
            redeemed: 0,
            merchant: opt(merchant.get_untracked()),
            merchant_name: opt(merchant_name.get_untracked()),
            active: true,
        });
        submit(op, message, t_string!(i18n, reward_saved).to_string());
    };
    view! {
        <details class="field">
            <summary>{t!(i18n, reward_add)}</summary>
            <form class="form" on:submit=save>
                <OrgSelect orgs=orgs value=org />
                <TextField name="reward-title" max=40 value=title>{t!(i18n, reward_title)}</TextField>
                <TextField name="reward-cost" kind="number" max=6 value=cost>{t!(i18n, reward_cost_field)}</TextField>
                <TextField name="reward-stock" kind="number" max=6 value=stock>{t!(i18n, reward_stock)}</TextField>
                <TextField name="reward-merchant" value=merchant>{t!(i18n, reward_merchant)}</TextField>
                <TextField name="reward-merchant-name" max=40 value=merchant_name>{t!(i18n, reward_merchant_name)}</TextField>
                <button type="submit" class="btn" disabled=move || message.pending()>{t!(i18n, reward_save)}</button>
                <Message message=message />
            </form>
        </details>
    }
}

crate::lazy_page!(RewardsRoute, rewards_chunk, Rewards);

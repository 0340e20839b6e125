use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use zhijian_domain::Op;
use zhijian_domain::OrgKind;
use zhijian_domain::credit_ops::PlaceHold;
use zhijian_domain::credits::CreditRules;
use zhijian_domain::credits::{Redemption, RedemptionStatus};
use zhijian_domain::ledger::{self, Hold, LedgerEntry};

use crate::components::{
    EmptyState, Message, OrgSelect, Outcome, TextField, orgs_where, picked_org, submit,
};
use crate::i18n::*;
use crate::labels;
use crate::sync::{Sync, random_hex};
use crate::wallet::{self, KINDS, Kind};
use crate::when;

/// What the page shows, rebuilt when the replica changes.
#[derive(Clone, PartialEq)]
struct Data {
    balance: i64,
    available: i64,
    pending: usize,
    checkouts: usize,
    entries: Vec<LedgerEntry>,
    redemptions: Vec<(Redemption, bool)>,
    holds: Vec<Hold>,
    pending_ids: Vec<String>,
    rejections: Vec<(u64, String, String)>,
}

/// 积分: the member's volunteer credits: balance, what waits for sync,
/// refusals with reasons, redemption codes, holds for station devices, and
/// the history with where each entry came from. Works offline.
#[component]
pub fn Credits() -> impl IntoView {
    let i18n = use_i18n();
    let sync = Sync::get();
    let data = Memo::new(move |_| {
        sync.replica.with(|r| {
            let r = r.as_ref()?;
            let me = r.actor.member_id.clone()?;
            let now = when::now_secs();
            let pending_ids = wallet::pending_ids(r);
            let view = r.view();
            let mut redemptions: Vec<(Redemption, bool)> = view
                .redemptions()
                .values()
                .filter(|x| x.member_id == me)
                .map(|x| (x.clone(), pending_ids.contains(&x.id)))
                .collect();
            zhijian_domain::order::sort_by_key(&mut redemptions, |x| std::cmp::Reverse(x.0.at));
            let holds = view
                .holds()
                .values()
                .filter(|h| h.member_id == me && h.remaining(now) > 0)
                .cloned()
                .collect();
            Some(Data {
                balance: wallet::balance(r, &me),
                available: wallet::available(r, &me, now),
                pending: wallet::pending_count(r),
                checkouts: wallet::waiting_checkouts(r),
                entries: wallet::entries_of(r, &me),
                redemptions,
                holds,
                pending_ids,
                rejections: wallet::rejections(r, i18n.get_locale()),
            })
        })
    });
    let has_data = Memo::new(move |_| data.with(Option::is_some));
    let roles = Memo::new(move |_| {
        sync.session.with(|s| {
            s.as_ref().map(|s| {
                let has = |k| s.account.roles.iter().any(|r| r.kind == k);
                (
                    has(zhijian_domain::RoleKind::Merchant),
                    has(zhijian_domain::RoleKind::Kiosk),
                )
            })
        })
    });
    view! {
        <section class="page">
            <h2 class="page-title">{t!(i18n, credits_title)}</h2>
            {move || roles.get().map(|(merchant, kiosk)| view! {
                <Show when=move || merchant>
                    <A href="/merchant" attr:class="btn btn-primary">{t!(i18n, merchant_link)}</A>
                </Show>
                <Show when=move || kiosk>
                    <A href="/station" attr:class="btn btn-primary">{t!(i18n, station_link)}</A>
                </Show>
            })}
            // Built once per sign-in state, not on every change of the data,
            // so the forms below keep what is typed and their messages.
            {move || match has_data.get() {
                // Signed in without a member record (merchant, station,
                // committee staff): no credits of one's own.
                false if roles.get().is_some() => ().into_any(),
                false => view! {
                    <p class="notice">{t!(i18n, credits_sign_in)}</p>
                    <A href="/login" attr:class="btn btn-primary">{t!(i18n, tab_login)}</A>
                }.into_any(),
                true => view! { <Mine data=data /> }.into_any(),
            }}
            <Rules />
        </section>
    }
}

#[component]
fn Mine(data: Memo<Option<Data>>) -> impl IntoView {
    let i18n = use_i18n();
    let sync = Sync::get();
    let d = move || data.get();
    let filter = RwSignal::new(String::new());
    view! {
        <div class="balance-card">
            <p class="balance" data-testid="balance">{move || d().map(|d| t_string!(i18n, credits_balance, n = d.balance).to_string())}</p>
            {move || d().filter(|d| d.available != d.balance).map(|d| view! {
                <p class="muted" data-testid="available">{t!(i18n, credits_available, n = d.available)}</p>
            })}
            {move || d().filter(|d| d.pending > 0).map(|d| view! {
                <p class="notice" data-testid="credits-pending">{t!(i18n, credits_pending, n = d.pending)}</p>
            })}
            {move || d().filter(|d| d.checkouts > 0).map(|d| view! {
                <p class="notice" data-testid="credits-waiting">{t!(i18n, credits_waiting, n = d.checkouts)}</p>
            })}
            <p class="actions">
                <A href="/rewards" attr:class="btn btn-primary">{t!(i18n, rewards_link)}</A>
                <A href="/wishes" attr:class="btn">{t!(i18n, wishes_link)}</A>
            </p>
        </div>
        {move || d().map(|d| d.rejections.into_iter().map(|(seq, what, why)| view! {
            <p class="notice notice-error" role="alert" data-testid="credit-rejection">
                {t!(i18n, credits_refused, what = what.clone(), reason = why.clone())}
                " "
                <button type="button" class="btn btn-small" on:click=move |_| spawn_local(sync.dismiss(seq))>
                    {t!(i18n, sync_dismiss)}
                </button>
            </p>
        }).collect_view())}
        {move || d().filter(|d| !d.redemptions.is_empty()).map(|d| view! {
            <h3>{t!(i18n, redemptions_title)}</h3>
            <ul class="plain-list redemptions" data-testid="redemptions">
                {d.redemptions.into_iter().map(|(x, pending)| view! { <RedemptionRow x=x pending=pending /> }).collect_view()}
            </ul>
        })}
        <Holds data=data />
        <h3>{t!(i18n, credits_history)}</h3>
        <label class="field-row">
            <span>{t!(i18n, credits_filter)}</span>
            <select on:change=move |ev| filter.set(event_target_value(&ev)) prop:value=move || filter.get()>
                <option value="">{t!(i18n, filter_all)}</option>
                {KINDS.iter().enumerate().map(|(i, k)| view! {
                    <option value=i.to_string()>{move || kind_label(i18n.get_locale(), *k)}</option>
                }).collect_view()}
            </select>
        </label>
        {move || {
            let Some(d) = d() else { return ().into_any() };
            let pick = filter.get().parse::<usize>().ok().and_then(|i| KINDS.get(i).copied());
            let rows: Vec<LedgerEntry> = d
                .entries
                .into_iter()
                .filter(|e| pick.is_none_or(|k| wallet::kind_of(e) == k))
                .collect();
            if rows.is_empty() {
                return view! {
                    <EmptyState
                        title=view! { {t!(i18n, credits_empty)} }.into_any()
                        hint=view! { {t!(i18n, credits_empty_hint)} }.into_any()
                    />
                }.into_any();
            }
            view! {
                <ul class="plain-list ledger" data-testid="ledger">
                    {rows.into_iter().map(|e| {
                        let sign = if e.amount > 0 { "+" } else { "" };
                        let amount = format!("{sign}{}", e.amount);
                        let pending = d.pending_ids.contains(&e.id);
                        let k = wallet::kind_of(&e);
                        view! {
                            <li>
                                <span class="ledger-amount" class:minus=e.amount < 0>{amount}</span>
                                " · " {move || kind_label(i18n.get_locale(), k)}
                                " · " {e.reason.clone().unwrap_or_default()}
                                " · " {move || labels::when(i18n.get_locale(), e.at)}
                                {pending.then(|| view! { " · " <span class="tag tag-pending">{t!(i18n, pending_tag)}</span> })}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }.into_any()
        }}
    }
}

/// Committee staff set the hourly rate and year-end expiry for their subtree.
#[component]
fn Rules() -> impl IntoView {
    let i18n = use_i18n();
    let sync = Sync::get();
    let committees = Memo::new(move |_| {
        sync.replica.with(|r| {
            r.as_ref().map_or_else(Vec::new, |r| {
                orgs_where(r, |a, o| {
                    o.kind == OrgKind::Committee && a.shapes_tree_at(o)
                })
            })
        })
    });
    let org = RwSignal::new(String::new());
    let rate = RwSignal::new(String::new());
    let expire = RwSignal::new(false);
    let message = Outcome::new();
    // Show the chosen committee's rules (the first one until one is picked).
    Effect::new(move |_| {
        org.track();
        committees.track();
        let id = picked_org(org, committees);
        let rules = sync.replica.with(|r| {
            r.as_ref()
                .and_then(|r| r.view().rules().get(&CreditRules::id_for(&id)).cloned())
        });
        rate.set(
            rules
                .as_ref()
                .map_or(ledger::DEFAULT_RATE_PER_HOUR, |r| r.rate_per_hour)
                .to_string(),
        );
        expire.set(rules.is_some_and(|r| r.expire_at_year_end));
    });
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let org_id = picked_org(org, committees);
        let Ok(n) = rate.get_untracked().trim().parse::<i64>() else {
            message.set(Some((false, t_string!(i18n, rules_bad_rate).to_string())));
            return;
        };
        let op = Op::SetCreditRules(CreditRules {
            id: CreditRules::id_for(&org_id),
            org_id,
            rate_per_hour: n,
            expire_at_year_end: expire.get_untracked(),
        });
        submit(op, message, t_string!(i18n, rules_saved).to_string());
    };
    view! {
        <Show when=move || !committees.get().is_empty()>
            <form class="form field" on:submit=save data-testid="credit-rules">
                <h3>{t!(i18n, rules_title)}</h3>
                <OrgSelect orgs=committees value=org />
                <TextField name="rate" kind="number" max=3 value=rate>{t!(i18n, rules_rate)}</TextField>
                <label class="check-row">
                    <input type="checkbox" prop:checked=move || expire.get() on:change=move |ev| expire.set(event_target_checked(&ev)) />
                    <span>{t!(i18n, rules_expire)}</span>
                </label>
                <button type="submit" class="btn" disabled=move || message.pending()>{t!(i18n, rules_save)}</button>
                <Message message=message />
            </form>
        </Show>
    }
}

fn kind_label(locale: Locale, k: Kind) -> &'static str {
    match k {
        Kind::Service => td_string!(locale, credit_kind_service),
        Kind::Wish => td_string!(locale, credit_kind_wish),
        Kind::Redemption => td_string!(locale, credit_kind_redemption),
        Kind::Manual => td_string!(locale, credit_kind_manual),
    }
}

/// One of my redemptions: waiting for sync, the code to show, or handed over.
#[component]
fn RedemptionRow(x: Redemption, pending: bool) -> impl IntoView {
    let i18n = use_i18n();
    let at = x.at;
    let state = match (pending, x.status, x.code.clone()) {
        (true, ..) => {
            view! { <span class="tag tag-pending">{t!(i18n, pending_tag)}</span> }.into_any()
        }
        (false, RedemptionStatus::Issued, Some(code)) => view! {
            <span>{t!(i18n, redemption_show_code)}</span>
            <strong class="code" data-testid="redemption-code">{code}</strong>
        }
        .into_any(),
        (false, RedemptionStatus::Issued, None) => {
            view! { <span>{t!(i18n, redemption_issued)}</span> }.into_any()
        }
        (false, RedemptionStatus::Confirmed, _) => {
            view! { <span class="tag tag-ok">{t!(i18n, redemption_confirmed)}</span> }.into_any()
        }
    };
    view! {
        <li data-testid="redemption">
            <strong>{x.reward_title.clone()}</strong>
            " · −" {x.cost}
            " · " {move || labels::when(i18n.get_locale(), at)}
            <div>{state}</div>
        </li>
    }
}

/// Credits reserved for a station device, so it can hand over goods
/// offline: place one (online, on the member's own phone), see and
/// release those still active.
#[component]
fn Holds(data: Memo<Option<Data>>) -> impl IntoView {
    let i18n = use_i18n();
    let device = RwSignal::new(String::new());
    let amount = RwSignal::new(String::new());
    let message = Outcome::new();
    let place = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(n) = amount.get_untracked().trim().parse::<i64>() else {
            message.set(Some((false, t_string!(i18n, hold_bad_amount).to_string())));
            return;
        };
        let op = Op::PlaceHold(PlaceHold {
            id: random_hex(),
            device_id: device.get_untracked().trim().to_owned(),
            amount: n,
            // Long enough for a visit to the station, short enough to come
            // back the same day.
            expires_at: when::now_secs() + 4 * 3600,
        });
        submit(op, message, t_string!(i18n, hold_placed).to_string());
    };
    view! {
        <details class="field">
            <summary>{t!(i18n, hold_title)}</summary>
            <p class="muted">{t!(i18n, hold_hint)}</p>
            {move || data.get().map(|d| d.holds.into_iter().map(|h| {
                let id = h.id.clone();
                let release = move |_| submit(
                    Op::ReleaseHold { hold_id: id.clone() },
                    message,
                    t_string!(i18n, hold_released).to_string(),
                );
                view! {
                    <p data-testid="hold">
                        {t!(i18n, hold_row, device = h.device_id.clone(), n = h.amount - h.used)}
                        " "
                        <button type="button" class="btn btn-small" disabled=move || message.pending() on:click=release>{t!(i18n, hold_release)}</button>
                    </p>
                }
            }).collect_view())}
            <form class="form" on:submit=place>
                <TextField name="device" value=device>{t!(i18n, hold_device)}</TextField>
                <TextField name="hold-amount" kind="number" max=6 value=amount>{t!(i18n, hold_amount)}</TextField>
                <button type="submit" class="btn" disabled=move || message.pending()>{t!(i18n, hold_place)}</button>
                <Message message=message />
            </form>
        </details>
    }
}

crate::lazy_page!(CreditsRoute, credits_chunk, Credits);

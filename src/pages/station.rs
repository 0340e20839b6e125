use leptos::prelude::*;
use zhijian_domain::Op;
use zhijian_domain::credit_ops::Redeem;
use zhijian_domain::credits::Reward;
use zhijian_domain::ledger::Hold;

use crate::components::{EmptyState, Message, Outcome, submit};
use crate::i18n::*;
use crate::sync::{Sync, random_hex};
use crate::when;

/// 驿站兑换 on a station's kiosk: the credits members reserved for this
/// device (on their own phones, while online) and the station's goods. A
/// hand-over draws only on the member's hold, so it works offline and two
/// devices never spend the same credits.
#[component]
pub fn StationPage() -> impl IntoView {
    let i18n = use_i18n();
    let sync = Sync::get();
    let device = Memo::new(move |_| {
        sync.replica
            .with(|r| r.as_ref().map(|r| r.actor.account_id.clone()))
    });
    let state = Memo::new(move |_| {
        sync.replica.with(|r| {
            let r = r.as_ref()?;
            let now = when::now_secs();
            let view = r.view();
            let holds: Vec<Hold> = view
                .holds()
                .values()
                .filter(|h| h.device_id == r.actor.account_id && h.usable_at(now))
                .filter(|h| h.remaining(now) > 0)
                .cloned()
                .collect();
            let goods: Vec<Reward> = view
                .rewards()
                .values()
                .filter(|x| x.active && x.merchant.is_none() && x.left() > 0)
                .cloned()
                .collect();
            Some((holds, goods))
        })
    });
    let picked = RwSignal::new(None::<String>);
    let message = Outcome::new();
    view! {
        <section class="page kiosk">
            <h2 class="page-title">{t!(i18n, station_title)}</h2>
            <p class="muted">{move || device.get().map(|d| t_string!(i18n, station_device, id = d).to_string())}</p>
            <Message message=message />
            {move || match state.get() {
                None => view! { <p class="notice">{t!(i18n, credits_sign_in)}</p> }.into_any(),
                Some((holds, _)) if holds.is_empty() => view! {
                    <EmptyState
                        title=view! { {t!(i18n, station_empty)} }.into_any()
                        hint=view! { {t!(i18n, station_empty_hint)} }.into_any()
                    />
                }.into_any(),
                Some((holds, goods)) => view! {
                    <ul class="plain-list cards" data-testid="station-holds">
                        {holds.into_iter().map(|h| {
                            let hid = h.id.clone();
                            let left = h.amount - h.used;
                            let sel = hid.clone();
                            view! {
                                <li class="card">
                                    <button type="button" class="btn btn-large" class:selected=move || picked.get().as_deref() == Some(sel.as_str())
                                        on:click=move |_| picked.set(Some(hid.clone()))>
                                        {t!(i18n, station_hold, who = h.member_name.clone(), n = left)}
                                    </button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                    <Show when=move || picked.get().is_some()>
                        <ul class="plain-list cards">
                            {goods.clone().into_iter().map(|x| {
                                let (rid, cost) = (x.id.clone(), x.cost);
                                let hand_over = move |_| {
                                    let Some(hold_id) = picked.get_untracked() else { return };
                                    let member = state.with_untracked(|s| s.as_ref().and_then(|(hs, _)| {
                                        hs.iter().find(|h| h.id == hold_id).map(|h| h.member_id.clone())
                                    }));
                                    let Some(member_id) = member else { return };
                                    let op = Op::Redeem(Redeem {
                                        id: random_hex(),
                                        reward_id: rid.clone(),
                                        member_id,
                                        code: None,
                                        at: when::now_secs(),
                                        hold_id: Some(hold_id),
                                    });
                                    submit(op, message, t_string!(i18n, station_done).to_string());
                                };
                                view! {
                                    <li class="card">
                                        <button type="button" class="btn btn-primary btn-large" disabled=move || message.pending() on:click=hand_over>
                                            {x.title.clone()} " · " {t!(i18n, reward_cost, n = cost)}
                                        </button>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    </Show>
                }.into_any(),
            }}
        </section>
    }
}

crate::lazy_page!(StationRoute, station_chunk, StationPage);

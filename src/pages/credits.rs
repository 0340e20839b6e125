use leptos::prelude::*;
use leptos_router::components::A;
use zhijian_domain::Op;
use zhijian_domain::ledger::{self, LedgerEntry};

use crate::components::EmptyState;
use crate::i18n::*;
use crate::labels;
use crate::sync::Sync;

/// 积分: the member's volunteer credits: balance, what waits for sync, and
/// the history with where each entry came from. Works offline.
#[component]
pub fn Credits() -> impl IntoView {
    let i18n = use_i18n();
    let sync = Sync::get();
    let data = Memo::new(move |_| {
        sync.replica.with(|r| {
            let r = r.as_ref()?;
            let me = r.actor.member_id.clone()?;
            let mut mine: Vec<LedgerEntry> = r
                .view()
                .entries
                .values()
                .filter(|e| e.member_id == me)
                .cloned()
                .collect();
            mine.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| b.id.cmp(&a.id)));
            // Check-outs not yet synced: their credits come after the server
            // has verified them.
            let waiting = r
                .outbox
                .iter()
                .filter(|m| matches!(m.op, Op::CheckOut { .. }))
                .count();
            Some((ledger::balance(&mine), waiting, mine))
        })
    });
    view! {
        <section class="page">
            <h2 class="page-title">{t!(i18n, credits_title)}</h2>
            {move || match data.get() {
                None => view! {
                    <p class="notice">{t!(i18n, credits_sign_in)}</p>
                    <A href="/login" attr:class="btn btn-primary">{t!(i18n, tab_login)}</A>
                }.into_any(),
                Some((balance, waiting, entries)) => view! {
                    <p class="balance" data-testid="balance">{t!(i18n, credits_balance, n = balance)}</p>
                    {(waiting > 0).then(|| view! {
                        <p class="notice" data-testid="credits-waiting">{t!(i18n, credits_waiting, n = waiting)}</p>
                    })}
                    {if entries.is_empty() {
                        view! {
                            <EmptyState
                                title=view! { {t!(i18n, credits_empty)} }.into_any()
                                hint=view! { {t!(i18n, credits_empty_hint)} }.into_any()
                            />
                        }.into_any()
                    } else {
                        view! {
                            <ul class="plain-list ledger" data-testid="ledger">
                                {entries.into_iter().map(|e| {
                                    let sign = if e.amount > 0 { "+" } else { "" };
                                    let amount = format!("{sign}{}", e.amount);
                                    view! {
                                        <li>
                                            <span class="ledger-amount" class:minus=e.amount < 0>{amount}</span>
                                            " · " {e.reason.clone().unwrap_or_default()}
                                            " · " {move || labels::when(i18n.get_locale(), e.at)}
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                }.into_any(),
            }}
        </section>
    }
}

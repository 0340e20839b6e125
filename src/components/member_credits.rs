use leptos::prelude::*;
use zhijian_domain::Op;
use zhijian_domain::credit_ops::{Award, Reverse};
use zhijian_domain::ledger::{EntryKind, LedgerEntry, Wallet};

use crate::components::{Message, Outcome, TextField, submit};
use crate::i18n::*;
use crate::labels;
use crate::sync::{Sync, random_hex};
use crate::wallet;

/// A secretary's view of a member's credits: balance, history, a manual
/// award or deduction (with a reason, recorded with who made it), and
/// corrections by reversal.
#[component]
pub fn MemberCredits(member_id: Signal<String>) -> impl IntoView {
    let i18n = use_i18n();
    let sync = Sync::get();
    let data = Memo::new(move |_| {
        let id = member_id.get();
        sync.replica.with(|r| {
            let r = r.as_ref()?;
            let reversed = r
                .view()
                .wallets()
                .get(&Wallet::id_for(&id))
                .map(|w| w.reversed.clone())
                .unwrap_or_default();
            Some((
                wallet::balance(r, &id),
                wallet::entries_of(r, &id),
                reversed,
            ))
        })
    });
    let amount = RwSignal::new(String::new());
    let reason = RwSignal::new(String::new());
    let message = Outcome::new();
    let award = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(n) = amount.get_untracked().trim().parse::<i64>() else {
            message.set(Some((false, t_string!(i18n, award_bad_amount).to_string())));
            return;
        };
        let op = Op::AwardCredits(Award {
            id: random_hex(),
            member_id: member_id.get_untracked(),
            amount: n,
            reason: reason.get_untracked(),
        });
        submit(op, message, t_string!(i18n, award_done).to_string());
    };
    let reverse = move |e: &LedgerEntry| {
        let op = Op::ReverseEntry(Reverse {
            id: random_hex(),
            entry_id: e.id.clone(),
            reason: t_string!(i18n, reverse_reason).to_string(),
        });
        submit(op, message, t_string!(i18n, reverse_done).to_string());
    };
    view! {
        <section class="field" data-testid="member-credits">
            <h3>{t!(i18n, credits_title)}</h3>
            {move || data.get().map(|(balance, entries, reversed)| view! {
                <p class="balance">{t!(i18n, credits_balance, n = balance)}</p>
                <ul class="plain-list ledger">
                    {entries.into_iter().map(|e| {
                        let can_reverse = e.kind != EntryKind::Reversal && !reversed.contains(&e.id);
                        let sign = if e.amount > 0 { "+" } else { "" };
                        let line = format!("{sign}{} · {}", e.amount, e.reason.clone().unwrap_or_default());
                        let at = e.at;
                        view! {
                            <li>
                                {line} " · " {move || labels::when(i18n.get_locale(), at)}
                                {can_reverse.then(|| view! {
                                    " " <button type="button" class="btn btn-small" disabled=move || message.pending() on:click=move |_| reverse(&e)>{t!(i18n, reverse_button)}</button>
                                })}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            })}
            <form class="form" on:submit=award>
                <TextField name="award-amount" kind="number" max=7 value=amount>{t!(i18n, award_amount)}</TextField>
                <TextField name="award-reason" max=100 value=reason>{t!(i18n, award_reason)}</TextField>
                <button type="submit" class="btn" disabled=move || message.pending()>{t!(i18n, award_submit)}</button>
                <Message message=message />
            </form>
        </section>
    }
}

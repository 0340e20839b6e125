//! 党员卡 on a member's page, for those who manage her org: print a card for
//! a member without a smartphone, replace it, or revoke it. The card's
//! secret exists only on this screen and on paper: the app syncs its digest.

use leptos::prelude::*;
use zhijian_domain::member_card::{CardCode, NewMemberCard, SECRET_BYTES, card_of, next_number};
use zhijian_domain::{Member, Op};

use crate::components::{Message, Outcome, qr_svg, submit, submit_then};
use crate::i18n::*;
use crate::sync::{Sync, random_hex};

#[component]
pub fn MemberCardPanel(member: Member) -> impl IntoView {
    let i18n = use_i18n();
    let sync = Sync::get();
    let member_id = member.id.clone();
    let card = Memo::new(move |_| {
        sync.replica
            .with(|r| r.as_ref().and_then(|r| card_of(r.view(), &member_id)))
    });
    // The card just issued, to print now (gone with the page).
    let printed: RwSignal<Option<CardCode>> = RwSignal::new(None);
    let message = Outcome::new();
    let issue = {
        let member_id = member.id.clone();
        move |_| {
            let Some(secret) = secret() else { return };
            let code = CardCode {
                member_id: member_id.clone(),
                number: sync.replica.with_untracked(|r| {
                    r.as_ref().map_or(1, |r| next_number(r.view(), &member_id))
                }),
                secret,
            };
            let op = Op::IssueMemberCard(NewMemberCard {
                member_id: code.member_id.clone(),
                number: code.number,
                digest: code.digest(),
            });
            let ok = t_string!(i18n, card_issued).to_string();
            submit_then(op, message, ok, move || printed.set(Some(code)));
        }
    };
    let revoke = {
        let member_id = member.id.clone();
        move |_| {
            let Some(c) = card.get_untracked() else {
                return;
            };
            printed.set(None);
            let op = Op::RevokeMemberCard {
                member_id: member_id.clone(),
                number: c.number,
            };
            submit(op, message, t_string!(i18n, card_revoked).to_string());
        }
    };
    let name = member.name.clone();
    view! {
        <link rel="stylesheet" href="/card.css" />
        <section class="card-panel" data-testid="member-card" aria-labelledby="card-title">
            <h3 id="card-title">{t!(i18n, card_title)}</h3>
            <p class="hint">{move || match card.get() {
                None => t_string!(i18n, card_none).to_string(),
                Some(c) if c.revoked => t_string!(i18n, card_state_revoked, number = c.number).to_string(),
                Some(c) => {
                    let day = crate::when::to_input(c.at);
                    let day = day.get(..10).unwrap_or(&day).to_owned();
                    t_string!(i18n, card_state, number = c.number, day = day).to_string()
                }
            }}</p>
            <div class="actions">
                <button type="button" class="btn" on:click=issue disabled=move || message.pending()>
                    {move || if card.get().is_some_and(|c| !c.revoked) {
                        t_string!(i18n, card_reissue)
                    } else {
                        t_string!(i18n, card_issue)
                    }}
                </button>
                <Show when=move || card.get().is_some_and(|c| !c.revoked)>
                    <button type="button" class="btn" on:click=revoke.clone() disabled=move || message.pending()>
                        {t!(i18n, card_revoke)}
                    </button>
                </Show>
            </div>
            <Message message=message />
            {move || printed.get().map(|code| {
                let text = code.text();
                view! {
                    <p class="notice">{t!(i18n, card_print_now)}</p>
                    <div class="card-print" data-testid="card-print" data-code=text.clone()>
                        <div class="qr" inner_html=qr_svg(&text) role="img" aria-label=move || t_string!(i18n, card_qr)></div>
                        <p class="card-name">{name.clone()}</p>
                        <p>{t!(i18n, card_number, number = code.number)}</p>
                        <p class="hint">{t!(i18n, card_holder_hint)}</p>
                    </div>
                    <button type="button" class="btn btn-primary" on:click=|_| print()>{t!(i18n, card_print)}</button>
                }
            })}
        </section>
    }
}

/// A new card's secret: 16 random bytes from the browser's CSPRNG.
fn secret() -> Option<Vec<u8>> {
    let hex = random_hex();
    let bytes: Option<Vec<u8>> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect();
    bytes.filter(|b| b.len() == SECRET_BYTES)
}

fn print() {
    let _ = crate::js::call(&crate::js::global(), "print", &[]);
}

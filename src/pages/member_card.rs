//! 党员卡 on a member's page, for those who manage her org: print a card for
//! a member without a smartphone, replace it, or revoke it. The card's
//! secret exists only on this screen and on paper: the app syncs its digest.

use leptos::prelude::*;
use zhijian_domain::api::CardPinAnswer;
use zhijian_domain::member_card::{CardCode, NewMemberCard, SECRET_BYTES, card_of, next_number};
use zhijian_domain::{Member, Op};

use crate::card_pin::{self, PinError};
use crate::components::{Message, Outcome, qr_svg, submit, submit_then};
use crate::i18n::*;
use crate::labels;
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
    let pin_member = member.id.clone();
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
            <Show when=move || card.get().is_some_and(|c| !c.revoked)>
                <CardPin member_id=pin_member.clone() />
            </Show>
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

/// 卡密码: the member types six digits twice at her secretary's desk; the
/// server keeps its hash. With it, her card does more than check in at a
/// kiosk that is online.
#[component]
fn CardPin(member_id: String) -> impl IntoView {
    let i18n = use_i18n();
    let sync = Sync::get();
    let pin = RwSignal::new(String::new());
    let again = RwSignal::new(String::new());
    let message = Outcome::new();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if message.pending() {
            return;
        }
        let (p, a) = (pin.get_untracked(), again.get_untracked());
        if p != a {
            message.set(Some((
                false,
                t_string!(i18n, card_pin_mismatch).to_string(),
            )));
            return;
        }
        message.set_pending(true);
        message.set(None);
        let member_id = member_id.clone();
        leptos::task::spawn_local(async move {
            let locale = i18n.get_locale_untracked();
            match card_pin::set(sync, member_id, p).await {
                Ok(CardPinAnswer::Set) => {
                    pin.set(String::new());
                    again.set(String::new());
                    message.set(Some((true, td_string!(locale, card_pin_done).to_string())));
                }
                Ok(CardPinAnswer::Refused { message: m, reason }) => message.refused(m, reason),
                Err(e) => message.set(Some((false, pin_error(locale, &e)))),
            }
            message.set_pending(false);
        });
    };
    view! {
        <form class="form card-pin" data-testid="card-pin" on:submit=save>
            <h4>{t!(i18n, card_pin_title)}</h4>
            <p class="hint">{t!(i18n, card_pin_hint)}</p>
            <label for="card-pin-1">{t!(i18n, card_pin_label)}</label>
            <input id="card-pin-1" type="password" inputmode="numeric" autocomplete="off" maxlength="6"
                required=true data-testid="card-pin-1" prop:value=move || pin.get()
                on:input=move |ev| pin.set(event_target_value(&ev)) />
            <label for="card-pin-2">{t!(i18n, card_pin_again)}</label>
            <input id="card-pin-2" type="password" inputmode="numeric" autocomplete="off" maxlength="6"
                required=true data-testid="card-pin-2" prop:value=move || again.get()
                on:input=move |ev| again.set(event_target_value(&ev)) />
            <button type="submit" class="btn" disabled=move || message.pending()>{t!(i18n, card_pin_set)}</button>
            <Message message=message />
        </form>
    }
}

fn pin_error(locale: Locale, e: &PinError) -> String {
    match e {
        PinError::Offline => td_string!(locale, card_pin_offline).to_string(),
        PinError::SessionEnded => td_string!(locale, security_session_ended).to_string(),
        PinError::Throttled(secs) => labels::try_again_in(locale, *secs),
        PinError::Other(detail) => {
            td_string!(locale, security_failed, detail = detail.clone()).to_string()
        }
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

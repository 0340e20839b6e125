use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::i18n::*;
use crate::sync::Sync;

/// 同步状态: what waits to sync and what the server refused, with reasons.
#[component]
pub fn SyncStatusPage() -> impl IntoView {
    let i18n = use_i18n();
    let sync = Sync::get();
    let pending = move || {
        sync.replica.with(|r| {
            r.as_ref()
                .map(|r| {
                    r.outbox
                        .iter()
                        .map(|m| (m.seq, m.op.name()))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    };
    let rejected = move || {
        sync.replica.with(|r| {
            r.as_ref()
                .map(|r| {
                    r.rejected
                        .iter()
                        .map(|x| {
                            let msg = refused(i18n.get_locale(), &x.outcome);
                            (x.seq, x.name.clone(), msg)
                        })
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    };
    view! {
        <section class="page">
            <h2 class="page-title">{t!(i18n, sync_title)}</h2>
            <p>{move || match sync.status.get().synced_at {
                Some(ms) => t_string!(i18n, sync_last, time = crate::components::format_time(ms, js_sys::Date::now())).to_string(),
                None => t_string!(i18n, sync_never).to_string(),
            }}</p>
            <button type="button" class="btn" on:click=move |_| spawn_local(sync.sync_now())>{t!(i18n, sync_now)}</button>
            <h3>{t!(i18n, sync_pending_list)}</h3>
            <ul class="list" data-testid="pending-list">
                {move || {
                    let items = pending();
                    if items.is_empty() {
                        view! { <li class="muted">{t!(i18n, sync_none_pending)}</li> }.into_any()
                    } else {
                        items.into_iter().map(|(seq, name)| view! {
                            <li>{move || op_label(i18n.get_locale(), name)}" #"{seq}</li>
                        }).collect_view().into_any()
                    }
                }}
            </ul>
            <h3>{t!(i18n, sync_rejected_list)}</h3>
            <ul class="list" data-testid="rejected-list">
                {move || {
                    let items = rejected();
                    if items.is_empty() {
                        view! { <li class="muted">{t!(i18n, sync_none_rejected)}</li> }.into_any()
                    } else {
                        items.into_iter().map(|(seq, name, msg)| view! {
                            <li class="rejected">
                                <strong>{move || op_label(i18n.get_locale(), &name)}</strong>
                                <span class="reason">{msg}</span>
                                <button type="button" class="btn" on:click=move |_| spawn_local(sync.dismiss(seq))>
                                    {t!(i18n, sync_dismiss)}
                                </button>
                            </li>
                        }).collect_view().into_any()
                    }
                }}
            </ul>
        </section>
    }
}

crate::lazy_page!(SyncStatusRoute, sync_status_chunk, SyncStatusPage);

/// A mutation's wire name as the user knows the action. Here, not in
/// `labels`: only this page names mutations, so their strings load with it.
fn op_label(locale: Locale, name: &str) -> &'static str {
    match name.split('@').next().unwrap_or_default() {
        "profile.update" => td_string!(locale, op_profile),
        "member.update" => td_string!(locale, op_member_update),
        "member.add" => td_string!(locale, op_member_add),
        "menu.save" | "menu.publish" => td_string!(locale, op_menu),
        "activity.save" | "activity.cancel" => td_string!(locale, op_activity),
        "signup.create" => td_string!(locale, op_signup),
        "signup.cancel" => td_string!(locale, op_signup_cancel),
        "signup.decide" => td_string!(locale, op_signup_decide),
        "checkin.code" | "checkin.hand" | "checkin.kiosk" => td_string!(locale, op_checkin),
        "checkin.out" => td_string!(locale, op_checkout),
        "credit.award" | "credit.reverse" => td_string!(locale, op_credit_adjust),
        "reward.save" => td_string!(locale, op_reward),
        "reward.redeem" => td_string!(locale, op_redeem),
        "redemption.confirm" => td_string!(locale, op_redemption_confirm),
        "hold.place" | "hold.release" => td_string!(locale, op_hold),
        "pledge.save" => td_string!(locale, op_pledge),
        "wish.post" | "wish.claim" | "wish.fulfil" | "wish.confirm" => td_string!(locale, op_wish),
        "credit.rules" | "credit.expire" => td_string!(locale, op_credit_adjust),
        "meeting.save" | "meeting.rules" => td_string!(locale, op_meeting),
        "course.save" => td_string!(locale, op_course),
        "reflection.write" => td_string!(locale, op_reflection),
        "member_key.register" => td_string!(locale, op_member_key),
        "kiosk.act" => td_string!(locale, op_kiosk_act),
        "member_card.issue" => td_string!(locale, op_issue_member_card),
        "member_card.revoke" => td_string!(locale, op_revoke_member_card),
        _ => td_string!(locale, op_org),
    }
}

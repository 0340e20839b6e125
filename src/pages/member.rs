use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use zhijian_domain::{Member, MemberPatch, Op};

use super::member_card::MemberCardPanel;
use crate::components::{MemberCredits, Message, Outcome, TextField, submit};
use crate::i18n::*;
use crate::labels::{self, MODES, STATUSES};
use crate::sync::Sync;

/// A member's page; editable by those who manage the member's org.
#[component]
pub fn MemberPage() -> impl IntoView {
    let i18n = use_i18n();
    let sync = Sync::get();
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let member = Memo::new(move |_| {
        let id = id();
        sync.replica
            .with(|r| r.as_ref().and_then(|r| r.view().members.get(&id).cloned()))
    });
    let can_edit = Memo::new(move |_| {
        let Some(m) = member.get() else { return false };
        sync.replica.with(|r| {
            r.as_ref().is_some_and(|r| {
                r.view()
                    .orgs
                    .get(&m.org_id)
                    .is_some_and(|o| r.actor.manages(o))
            })
        })
    });
    view! {
        <section class="page">
            <h2 class="page-title">{t!(i18n, member_title)}</h2>
            {move || match member.get() {
                None => view! { <p class="notice">{t!(i18n, member_not_found)}</p> }.into_any(),
                Some(m) if can_edit.get() => view! { <MemberForm member=m /> }.into_any(),
                Some(m) => view! {
                    <dl class="facts" data-testid="member-facts">
                        <dt>{t!(i18n, me_name)}</dt><dd>{m.name.clone()}</dd>
                        <dt>{t!(i18n, me_status)}</dt><dd>{move || labels::status(i18n.get_locale(), m.status)}</dd>
                        <dt>{t!(i18n, me_mode)}</dt><dd>{move || labels::mode(i18n.get_locale(), m.mode)}</dd>
                        <dt>{t!(i18n, me_workplace)}</dt><dd>{m.workplace.clone().unwrap_or_else(|| t_string!(i18n, not_set).to_string())}</dd>
                    </dl>
                }.into_any(),
            }}
            <Show when=move || can_edit.get()>
                <MemberCredits member_id=Signal::derive(id) />
                {move || member.get().map(|m| view! { <MemberCardPanel member=m /> })}
            </Show>
        </section>
    }
}

#[component]
fn MemberForm(member: Member) -> impl IntoView {
    let i18n = use_i18n();
    let name = RwSignal::new(member.name.clone());
    let status = RwSignal::new(
        STATUSES
            .iter()
            .position(|s| *s == member.status)
            .unwrap_or(0),
    );
    let mode = RwSignal::new(MODES.iter().position(|m| *m == member.mode).unwrap_or(0));
    let phone = RwSignal::new(member.phone.clone().unwrap_or_default());
    let workplace = RwSignal::new(member.workplace.clone().unwrap_or_default());
    let message = Outcome::new();
    let original = member.clone();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let opt = |v: String| {
            let v = v.trim().to_owned();
            (!v.is_empty()).then_some(v)
        };
        let m = &original;
        let new_name = name.get_untracked().trim().to_owned();
        let new_status = STATUSES[status.get_untracked().min(STATUSES.len() - 1)];
        let new_mode = MODES[mode.get_untracked().min(MODES.len() - 1)];
        let (p, w) = (opt(phone.get_untracked()), opt(workplace.get_untracked()));
        let patch = MemberPatch {
            name: (new_name != m.name).then_some(new_name),
            status: (new_status != m.status).then_some(new_status),
            mode: (new_mode != m.mode).then_some(new_mode),
            phone: (p != m.phone).then_some(p),
            workplace: (w != m.workplace).then_some(w),
        };
        if patch.is_empty() {
            return;
        }
        let op = Op::UpdateMember {
            member_id: m.id.clone(),
            patch,
        };
        submit(op, message, t_string!(i18n, member_edit_saved).to_string());
    };
    view! {
        <form class="form" on:submit=save data-testid="member-form">
            <TextField name="name" max=32 required=true value=name>{t!(i18n, me_name)}</TextField>
            <label class="field-row">
                <span>{t!(i18n, me_status)}</span>
                <select name="status" on:change=move |ev| status.set(event_target_value(&ev).parse().unwrap_or(0))>
                    {STATUSES.iter().enumerate().map(|(i, s)| {
                        let s = *s;
                        view! { <option value=i.to_string() selected=move || status.get() == i>{move || labels::status(i18n.get_locale(), s)}</option> }
                    }).collect_view()}
                </select>
            </label>
            <label class="field-row">
                <span>{t!(i18n, me_mode)}</span>
                <select name="mode" on:change=move |ev| mode.set(event_target_value(&ev).parse().unwrap_or(0))>
                    {MODES.iter().enumerate().map(|(i, m)| {
                        let m = *m;
                        view! { <option value=i.to_string() selected=move || mode.get() == i>{move || labels::mode(i18n.get_locale(), m)}</option> }
                    }).collect_view()}
                </select>
            </label>
            <TextField name="phone" kind="tel" max=11 value=phone>{t!(i18n, me_phone)}</TextField>
            <TextField name="workplace" value=workplace>{t!(i18n, me_workplace)}</TextField>
            <button type="submit" class="btn btn-primary" disabled=move || message.pending()>{t!(i18n, me_save)}</button>
            <Message message=message />
        </form>
    }
}

crate::lazy_page!(MemberRoute, member_chunk, MemberPage);

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use zhijian_domain::{Member, ProfilePatch, RoleKind};

use super::member_code::MemberCodePanel;
use crate::components::{AccountSecurity, Message, Outcome, TextField, submit};
use crate::i18n::*;
use crate::sync::Sync;
use crate::{labels, shell};

/// 我的: own profile (editable offline), language, storage, version.
#[component]
pub fn Me() -> impl IntoView {
    let i18n = use_i18n();
    let sync = Sync::get();
    let choose = move |l: Locale| i18n.set_locale(l);
    let (persisted, set_persisted) = signal(None::<Option<bool>>);
    spawn_local(async move { set_persisted.set(Some(shell::persist_storage().await)) });
    let build = shell::build_id();
    let signed_in = move || sync.session.with(Option::is_some);
    let show_code = RwSignal::new(false);
    view! {
        <section class="page">
            <h2 class="page-title">{t!(i18n, me_title)}</h2>
            <Show
                when=signed_in
                fallback=move || view! {
                    <section class="field">
                        <p>{t!(i18n, me_sign_in)}</p>
                        <A href="/login" attr:class="btn btn-primary">{t!(i18n, tab_login)}</A>
                    </section>
                }
            >
                // At a station's kiosk: shown on a tap, not a page of its own
                // (a route costs every first load a little).
                <Show when=move || sync.session.with(|s| s.as_ref().is_some_and(|s| s.account.member_id.is_some()))>
                    <Show when=move || show_code.get() fallback=move || view! {
                        <button type="button" class="btn btn-primary" data-testid="member-code-open"
                            on:click=move |_| show_code.set(true)>{t!(i18n, member_code_title)}</button>
                    }>
                        <MemberCodePanel />
                    </Show>
                </Show>
                <Profile />
                <AccountSecurity />
            </Show>
            <fieldset class="field">
                <legend>{t!(i18n, me_language)}</legend>
                <div class="segmented" role="group">
                    <button type="button" class="btn" lang="zh-CN"
                        aria-pressed=move || (i18n.get_locale() == Locale::zh).to_string()
                        on:click=move |_| choose(Locale::zh)>{t!(i18n, me_language_zh)}</button>
                    <button type="button" class="btn" lang="en"
                        aria-pressed=move || (i18n.get_locale() == Locale::en).to_string()
                        on:click=move |_| choose(Locale::en)>{t!(i18n, me_language_en)}</button>
                </div>
            </fieldset>
            <section class="field">
                <h3>{t!(i18n, me_storage)}</h3>
                <p>{move || match persisted.get() {
                    None => t_string!(i18n, loading),
                    Some(Some(true)) => t_string!(i18n, me_storage_persisted),
                    Some(Some(false)) => t_string!(i18n, me_storage_best_effort),
                    Some(None) => t_string!(i18n, me_storage_unknown),
                }}</p>
            </section>
            <section class="field">
                <h3>{t!(i18n, me_about)}</h3>
                <p class="build">{t!(i18n, me_build, build = build.clone())}</p>
            </section>
        </section>
    }
}

/// The signed-in member's own record as the replica shows it (optimistic).
fn own_member(sync: Sync) -> Option<Member> {
    let id = sync
        .session
        .with(|s| s.as_ref().and_then(|s| s.account.member_id.clone()))?;
    sync.replica
        .with(|r| r.as_ref().and_then(|r| r.view().members.get(&id).cloned()))
}

#[component]
fn Profile() -> impl IntoView {
    let i18n = use_i18n();
    let sync = Sync::get();
    let member = Memo::new(move |_| own_member(sync));
    let org_name = move || {
        let m = member.get()?;
        sync.replica.with(|r| {
            r.as_ref()
                .and_then(|r| r.view().orgs.get(&m.org_id).map(|o| o.name.clone()))
        })
    };
    let manages = move || {
        sync.session.with(|s| {
            s.as_ref().is_some_and(|s| {
                s.account.roles.iter().any(|r| {
                    matches!(
                        r.kind,
                        RoleKind::Secretary | RoleKind::Committee | RoleKind::Admin
                    )
                })
            })
        })
    };
    let name = move || {
        sync.session.with(|s| {
            s.as_ref()
                .map(|s| s.account.display_name.clone())
                .unwrap_or_default()
        })
    };
    let phone = RwSignal::new(String::new());
    let workplace = RwSignal::new(String::new());
    // Fill the form from the record once it is known and after each sync or
    // change in another tab, but never over what the user has typed since.
    let loaded = StoredValue::new((String::new(), String::new()));
    Effect::new(move |_| {
        if let Some(m) = member.get() {
            let (p, w) = (m.phone.unwrap_or_default(), m.workplace.unwrap_or_default());
            let (was_p, was_w) = loaded.get_value();
            if phone.get_untracked() == was_p {
                phone.set(p.clone());
            }
            if workplace.get_untracked() == was_w {
                workplace.set(w.clone());
            }
            loaded.set_value((p, w));
        }
    });
    let message = Outcome::new();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(m) = member.get_untracked() else {
            return;
        };
        let field = |v: String| {
            let v = v.trim().to_owned();
            (!v.is_empty()).then_some(v)
        };
        let (p, w) = (
            field(phone.get_untracked()),
            field(workplace.get_untracked()),
        );
        let patch = ProfilePatch {
            phone: (p != m.phone).then_some(p),
            workplace: (w != m.workplace).then_some(w),
        };
        if patch.is_empty() {
            return;
        }
        submit(
            zhijian_domain::Op::UpdateProfile(patch),
            message,
            t_string!(i18n, me_saved).to_string(),
        );
    };
    let sign_out_error = RwSignal::new(None::<String>);
    let sign_out = move |_| {
        spawn_local(async move {
            match sync.sign_out().await {
                Ok(()) => sign_out_error.set(None),
                Err(e) => sign_out_error.set(Some(e.to_string())),
            }
        });
    };
    view! {
        <section class="field" data-testid="profile">
            <h3>{t!(i18n, me_profile)}</h3>
            <p class="profile-name">{name}</p>
            {move || match member.get() {
                None => view! { <p class="muted">{t!(i18n, me_no_member)}</p> }.into_any(),
                Some(m) => view! {
                    <dl class="facts">
                        <dt>{t!(i18n, me_org)}</dt><dd>{org_name}</dd>
                        <dt>{t!(i18n, me_status)}</dt><dd>{move || labels::status(i18n.get_locale(), m.status)}</dd>
                        <dt>{t!(i18n, me_mode)}</dt><dd>{move || labels::mode(i18n.get_locale(), m.mode)}</dd>
                    </dl>
                    <form class="form" on:submit=save>
                        <TextField name="phone" kind="tel" max=11 autocomplete="tel" value=phone>
                            {t!(i18n, me_phone)}
                        </TextField>
                        <TextField name="workplace" value=workplace>{t!(i18n, me_workplace)}</TextField>
                        <button type="submit" class="btn btn-primary" disabled=move || message.pending()>{t!(i18n, me_save)}</button>
                        <Message message=message />
                    </form>
                }.into_any(),
            }}
            <Show when=manages>
                <A href="/members" attr:class="btn">{t!(i18n, me_members_link)}</A>
            </Show>
            <button type="button" class="btn" on:click=sign_out>{t!(i18n, me_sign_out)}</button>
            {move || sign_out_error.get().map(|e| view! { <p class="notice notice-error" role="alert">{e}</p> })}
        </section>
    }
}

crate::lazy_page!(MeRoute, me_chunk, Me);

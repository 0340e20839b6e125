use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;

use crate::components::TextField;
use crate::i18n::*;
use crate::labels;
use crate::sync::{SignInError, Sync};

/// 登录: phone number (or kiosk device name) and password.
#[component]
pub fn Login() -> impl IntoView {
    let i18n = use_i18n();
    let sync = Sync::get();
    let navigate = use_navigate();
    let login = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<SignInError>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        let navigate = navigate.clone();
        spawn_local(async move {
            match sync
                .sign_in(login.get_untracked().trim(), &password.get_untracked())
                .await
            {
                Ok(()) => {
                    password.set(String::new());
                    // A station's screen goes straight to its kiosk mode.
                    let kiosk = sync.session.with_untracked(|s| {
                        s.as_ref().is_some_and(|s| {
                            s.account
                                .roles
                                .iter()
                                .any(|r| r.kind == zhijian_domain::RoleKind::Kiosk)
                        })
                    });
                    navigate(if kiosk { "/station" } else { "/me" }, Default::default());
                }
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    view! {
        <section class="page narrow">
            <h2 class="page-title">{t!(i18n, login_title)}</h2>
            <Show when=move || sync.needs_login.get()>
                <p class="notice" role="alert">{t!(i18n, login_again)}</p>
            </Show>
            <form class="form" on:submit=submit>
                // Phone numbers, or a device name on kiosks: a full keyboard.
                <TextField name="login" autocomplete="username" required=true value=login>
                    {t!(i18n, login_phone)}
                </TextField>
                <TextField name="password" kind="password" max=256 autocomplete="current-password" required=true value=password>
                    {t!(i18n, login_password)}
                </TextField>
                {move || error.get().map(|e| view! {
                    <p class="notice notice-error" role="alert">{move || error_text(i18n.get_locale(), &e)}</p>
                })}
                <button type="submit" class="btn btn-primary btn-block" disabled=move || busy.get()>
                    {move || if busy.get() { t_string!(i18n, login_busy) } else { t_string!(i18n, login_submit) }}
                </button>
                <p class="hint">{t!(i18n, login_hint)}</p>
            </form>
        </section>
    }
}

/// The refusal in the reader's language (the Chinese `Display` is for logs).
fn error_text(locale: Locale, e: &SignInError) -> String {
    match e {
        SignInError::BadCredentials => td_string!(locale, login_error_credentials).to_string(),
        SignInError::Offline => td_string!(locale, login_error_offline).to_string(),
        SignInError::Throttled { retry_after } => labels::try_again_in(locale, *retry_after),
        SignInError::Busy => td_string!(locale, login_error_busy).to_string(),
        SignInError::OtherAccountPending(name) => {
            td_string!(locale, login_error_other_account, name = name.clone()).to_string()
        }
        SignInError::Other(detail) => {
            td_string!(locale, login_error_other, detail = detail.clone()).to_string()
        }
    }
}

crate::lazy_page!(LoginRoute, login_chunk, Login);

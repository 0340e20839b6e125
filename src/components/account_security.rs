//! 账户安全 on the 我的 page: change the password, sign out on every device.
//! Both need the network; both say so when it is missing. In the 我的
//! page's chunk: nothing here is in the first load.

use leptos::prelude::*;
use leptos::task::spawn_local;

use zhijian_domain::api::{PasswordChange, PasswordProblem};

use crate::api::{self, ApiError};
use crate::components::TextField;
use crate::i18n::*;
use crate::labels;
use crate::sync::{SignOutError, Sync};

/// Why a password change did not happen.
#[derive(Clone, Debug, PartialEq, Eq)]
enum PasswordError {
    /// The current password is wrong.
    Wrong,
    /// The new one breaks the rule (checked here before asking the server).
    Rule(PasswordProblem),
    Throttled {
        retry_after: u64,
    },
    Offline,
    /// This device's session has ended; sign in again.
    SessionEnded,
    Other(String),
}

/// 修改密码 (online): every other session of the account ends; this one
/// goes on.
async fn change_password(sync: Sync, current: &str, new: &str) -> Result<(), PasswordError> {
    let change = PasswordChange {
        current_password: current.to_owned(),
        new_password: new.to_owned(),
    };
    change.validate().map_err(PasswordError::Rule)?;
    let token = sync
        .session
        .get_untracked()
        .map(|s| s.token)
        .ok_or(PasswordError::Offline)?;
    api::client()
        .with_token(token)
        .change_password(&change)
        .await
        .map_err(|e| match e {
            ApiError::Status { status: 401, body } if body.code == "bad_credentials" => {
                PasswordError::Wrong
            }
            ApiError::Status { status: 401, .. } => PasswordError::SessionEnded,
            ApiError::Status { status: 429, body } => PasswordError::Throttled {
                retry_after: body.retry_after.unwrap_or(60),
            },
            ApiError::Network(_) => PasswordError::Offline,
            other => PasswordError::Other(other.to_string()),
        })
}

#[component]
pub fn AccountSecurity() -> impl IntoView {
    let i18n = use_i18n();
    let sync = Sync::get();
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let changing = RwSignal::new(false);
    let changed = RwSignal::new(None::<Result<(), PasswordError>>);
    let change = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if changing.get_untracked() {
            return;
        }
        changing.set(true);
        changed.set(None);
        spawn_local(async move {
            let r = change_password(sync, &current.get_untracked(), &new.get_untracked()).await;
            if r.is_ok() {
                current.set(String::new());
                new.set(String::new());
            }
            changed.set(Some(r));
            changing.set(false);
        });
    };
    let leaving = RwSignal::new(false);
    let left = RwSignal::new(None::<String>);
    let everywhere = move |_| {
        if leaving.get_untracked() {
            return;
        }
        leaving.set(true);
        spawn_local(async move {
            let r = sync.sign_out_everywhere().await;
            left.set(r.err().map(|e| sign_out_text(i18n.get_locale(), &e)));
            leaving.set(false);
        });
    };
    view! {
        <section class="field" data-testid="account-security">
            <h3>{t!(i18n, security_title)}</h3>
            <form class="form" on:submit=change>
                <TextField name="current-password" kind="password" max=256 autocomplete="current-password" required=true value=current>
                    {t!(i18n, security_current)}
                </TextField>
                <TextField name="new-password" kind="password" max=128 autocomplete="new-password" required=true value=new>
                    {t!(i18n, security_new)}
                </TextField>
                <p class="hint">{t!(i18n, security_new_hint)}</p>
                {move || changed.get().map(|r| {
                    let ok = r.is_ok();
                    view! {
                        <p class=if ok { "notice" } else { "notice notice-error" } role="status">
                            {move || password_text(i18n.get_locale(), &r)}
                        </p>
                    }
                })}
                <button type="submit" class="btn" disabled=move || changing.get()>{t!(i18n, security_change)}</button>
            </form>
            <p class="hint">{t!(i18n, security_everywhere_hint)}</p>
            <button type="button" class="btn btn-danger" disabled=move || leaving.get() on:click=everywhere>
                {t!(i18n, security_everywhere)}
            </button>
            {move || left.get().map(|e| view! { <p class="notice notice-error" role="alert">{e}</p> })}
        </section>
    }
}

fn password_text(locale: Locale, r: &Result<(), PasswordError>) -> String {
    match r {
        Ok(()) => td_string!(locale, security_changed).to_string(),
        Err(PasswordError::Wrong) => td_string!(locale, security_wrong).to_string(),
        Err(PasswordError::Rule(p)) => match p {
            PasswordProblem::TooShort => td_string!(locale, security_too_short).to_string(),
            PasswordProblem::TooLong => td_string!(locale, security_too_long).to_string(),
            PasswordProblem::Control => td_string!(locale, security_control).to_string(),
            PasswordProblem::Same => td_string!(locale, security_same).to_string(),
        },
        Err(PasswordError::Throttled { retry_after }) => labels::try_again_in(locale, *retry_after),
        Err(PasswordError::Offline) => td_string!(locale, security_offline).to_string(),
        Err(PasswordError::SessionEnded) => td_string!(locale, security_session_ended).to_string(),
        Err(PasswordError::Other(detail)) => {
            td_string!(locale, security_failed, detail = detail.clone()).to_string()
        }
    }
}

fn sign_out_text(locale: Locale, e: &SignOutError) -> String {
    match e {
        SignOutError::Pending(n) => td_string!(locale, security_pending, n = *n).to_string(),
        SignOutError::Offline => td_string!(locale, security_everywhere_offline).to_string(),
        SignOutError::Storage(detail) => {
            td_string!(locale, security_failed, detail = detail.clone()).to_string()
        }
    }
}

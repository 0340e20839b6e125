use leptos::prelude::*;

use crate::i18n::*;
use crate::shell::ShellUpdate;

/// Offers the waiting new version; nothing reloads until the user says so.
#[component]
pub fn UpdateBanner() -> impl IntoView {
    let i18n = use_i18n();
    let update = expect_context::<ShellUpdate>();
    view! {
        <Show when=move || update.ready.get()>
            <div class="update-banner" role="alert">
                <span>{t!(i18n, update_ready)}</span>
                <button type="button" class="btn btn-primary" on:click=move |_| update.apply()>
                    {t!(i18n, update_reload)}
                </button>
            </div>
        </Show>
    }
}

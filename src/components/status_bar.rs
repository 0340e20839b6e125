use leptos::prelude::*;

use crate::directory::DirectoryState;
use crate::i18n::*;
use crate::net::Connectivity;

/// Always visible: online or offline, and how fresh the data on screen is.
#[component]
pub fn StatusBar() -> impl IntoView {
    let i18n = use_i18n();
    let online = Connectivity::get().online;
    let directory = DirectoryState::get();
    // The browser may claim to be online while the server is unreachable;
    // a failed request counts as offline too.
    let reachable =
        move || online.get() && directory.error.get() != Some(crate::directory::LoadError::Network);
    let synced = move || {
        directory
            .saved_at
            .get()
            .map(|ms| format_time(ms, js_sys::Date::now()))
    };
    view! {
        <div class="status" role="status" aria-live="polite" data-online=move || reachable().to_string()>
            <span class="status-dot" aria-hidden="true"></span>
            <span class="status-net">
                {move || if reachable() { t_string!(i18n, status_online) } else { t_string!(i18n, status_offline) }}
            </span>
            <span class="status-sync">
                {move || match synced() {
                    Some(time) => t_string!(i18n, status_synced_at, time = time).to_string(),
                    None => t_string!(i18n, status_never_synced).to_string(),
                }}
            </span>
        </div>
        <Show when=move || !reachable()>
            <p class="offline-banner">{t!(i18n, status_offline_hint)}</p>
        </Show>
    }
}

/// `14:05` today, `11-20 14:05` on another day, in the device's time zone.
fn format_time(ms: f64, now_ms: f64) -> String {
    let d = js_sys::Date::new(&ms.into());
    let now = js_sys::Date::new(&now_ms.into());
    let hm = format!("{:02}:{:02}", d.get_hours(), d.get_minutes());
    let same_day = d.get_full_year() == now.get_full_year()
        && d.get_month() == now.get_month()
        && d.get_date() == now.get_date();
    if same_day {
        hm
    } else {
        format!("{:02}-{:02} {hm}", d.get_month() + 1, d.get_date())
    }
}

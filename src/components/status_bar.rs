use leptos::prelude::*;

use crate::directory::{DirectoryState, LoadError};
use crate::i18n::*;
use crate::net::Connectivity;
use crate::sync::{Sync, SyncFailure};

/// Always visible: online or offline, pending changes, last sync, rejections.
/// Links to the sync page for the details.
#[component]
pub fn StatusBar() -> impl IntoView {
    let i18n = use_i18n();
    let online = Connectivity::get().online;
    let directory = DirectoryState::get();
    let sync = Sync::get();
    // The browser may claim to be online while the server is unreachable;
    // a failed request counts as offline too.
    let reachable = move || {
        online.get()
            && directory.error.get() != Some(LoadError::Network)
            && sync.status.with(|s| s.error != Some(SyncFailure::Offline))
    };
    let signed_in = move || sync.session.with(Option::is_some);
    let synced = move || {
        let at = if signed_in() {
            sync.status.with(|s| s.synced_at)
        } else {
            directory.saved_at.get()
        };
        at.map(|ms| format_time(ms, js_sys::Date::now()))
    };
    let pending = move || {
        sync.replica
            .with(|r| r.as_ref().map_or(0, |r| r.outbox.len()))
    };
    let rejected = move || {
        sync.replica
            .with(|r| r.as_ref().map_or(0, |r| r.rejected.len()))
    };
    let detail = move || {
        let status = sync.status.get();
        if sync.needs_login.get() {
            return Some(t_string!(i18n, status_signin).to_string());
        }
        if status.syncing {
            return Some(t_string!(i18n, status_syncing).to_string());
        }
        match status.error {
            Some(SyncFailure::Server) => Some(t_string!(i18n, status_error_server).to_string()),
            Some(SyncFailure::Storage) => Some(t_string!(i18n, status_error_storage).to_string()),
            _ => None,
        }
    };
    view! {
        <a href="/sync" class="status" aria-live="polite" data-online=move || reachable().to_string()>
            <span class="status-dot" aria-hidden="true"></span>
            <span class="status-net">
                {move || if reachable() { t_string!(i18n, status_online) } else { t_string!(i18n, status_offline) }}
            </span>
            {move || (pending() > 0).then(|| view! {
                <span class="status-pending" data-testid="pending-count">{t_string!(i18n, status_pending, n = pending()).to_string()}</span>
            })}
            {move || (rejected() > 0).then(|| view! {
                <span class="status-rejected">{t_string!(i18n, status_rejected, n = rejected()).to_string()}</span>
            })}
            {move || detail().map(|d| view! { <span class="status-detail">{d}</span> })}
            <span class="status-sync">
                {move || match synced() {
                    Some(time) => t_string!(i18n, status_synced_at, time = time).to_string(),
                    None => t_string!(i18n, status_never_synced).to_string(),
                }}
            </span>
        </a>
        <Show when=move || !reachable()>
            <p class="offline-banner">{t!(i18n, status_offline_hint)}</p>
        </Show>
    }
}

/// `14:05` today, `11-20 14:05` on another day, in the device's time zone.
pub fn format_time(ms: f64, now_ms: f64) -> String {
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

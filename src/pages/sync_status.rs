use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::i18n::*;
use crate::labels;
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
                            <li>{move || labels::op(i18n.get_locale(), name)}" #"{seq}</li>
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
                                <strong>{move || labels::op(i18n.get_locale(), &name)}</strong>
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

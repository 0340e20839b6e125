use leptos::prelude::*;
use leptos::task::spawn_local;
use zhijian_domain::Op;

use crate::sync::Sync;

/// What a form says after an action: done, or why not.
pub type Outcome = RwSignal<Option<(bool, String)>>;

/// Queues `op`; `ok` (or the reason it was refused) goes to `message`.
pub fn submit(op: Op, message: Outcome, ok: String) {
    let sync = Sync::get();
    spawn_local(async move {
        match sync.mutate(op).await {
            Ok(()) => message.set(Some((true, ok))),
            Err(e) => message.set(Some((false, e.to_string()))),
        }
    });
}

/// Shows the outcome, announced to screen readers.
#[component]
pub fn Message(message: Outcome) -> impl IntoView {
    move || {
        message.get().map(|(ok, text)| {
            view! { <p class=if ok { "notice" } else { "notice notice-error" } role="status">{text}</p> }
        })
    }
}

use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use zhijian_domain::Op;
use zhijian_domain::refusal::Reason;

use crate::i18n::{refusal, use_i18n};
use crate::sync::Sync;

/// A form's state: what it says after an action (done, or why not, kept
/// typed so that it reads in the language chosen later), and whether an
/// action is under way, which disables its buttons.
#[derive(Clone, Copy)]
pub struct Outcome {
    message: RwSignal<Option<Said>>,
    pending: RwSignal<bool>,
}

#[derive(Clone)]
struct Said {
    ok: bool,
    text: String,
    reason: Option<Reason>,
}

/// A second tap sooner than this after the first is the same tap: a double
/// tap must not redeem the coffee twice.
const SETTLE: Duration = Duration::from_millis(1000);

impl Outcome {
    pub fn new() -> Self {
        Self {
            message: RwSignal::new(None),
            pending: RwSignal::new(false),
        }
    }

    pub fn set(&self, v: Option<(bool, String)>) {
        self.message.set(v.map(|(ok, text)| Said {
            ok,
            text,
            reason: None,
        }));
    }

    /// Why the change was refused here, before it was queued.
    pub fn refuse(&self, e: &zhijian_domain::Rejection) {
        self.refused(e.to_string(), Some(e.reason()));
    }

    /// The server's refusal, in the reader's language where it has a reason.
    pub fn refused(&self, message: String, reason: Option<Reason>) {
        self.message.set(Some(Said {
            ok: false,
            text: message,
            reason,
        }));
    }

    /// Marks an action under way (or over), for a form that runs its own.
    pub fn set_pending(&self, on: bool) {
        self.pending.set(on);
    }

    /// Whether a submit is under way (for `disabled=`).
    pub fn pending(&self) -> bool {
        self.pending.get()
    }
}

impl Default for Outcome {
    fn default() -> Self {
        Self::new()
    }
}

/// Queues `op` unless this form's last submit is still under way; `ok` (or
/// the reason it was refused) goes to the form's message.
pub fn submit(op: Op, form: Outcome, ok: String) {
    submit_then(op, form, ok, || {});
}

/// `submit`, then `done` once the change is queued.
pub fn submit_then(op: Op, form: Outcome, ok: String, done: impl FnOnce() + 'static) {
    if form.pending.get_untracked() {
        return;
    }
    form.pending.set(true);
    let sync = Sync::get();
    spawn_local(async move {
        match sync.mutate(op).await {
            Ok(_) => {
                form.set(Some((true, ok)));
                done();
            }
            Err(e) => form.refuse(&e),
        }
        set_timeout(move || form.pending.set(false), SETTLE);
    });
}

/// Shows the outcome, announced to screen readers.
#[component]
pub fn Message(message: Outcome) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        message.message.get().map(|s| {
            let text = refusal(i18n.get_locale(), s.reason.as_ref(), &s.text);
            view! { <p class=if s.ok { "notice" } else { "notice notice-error" } role="status">{text}</p> }
        })
    }
}

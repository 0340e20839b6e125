//! The station kiosk's lock and its staff menu (part of the station page's
//! chunk). Locked, the device shows only the station page: links go
//! nowhere, Back stays, a reload comes back to it (public/splash.js reads
//! [`LOCK_KEY`] before the router starts), and leaving takes the staff PIN
//! (`zhijian_domain::kiosk_pin`), which the staff choose on the device.

use gloo_events::{EventListener, EventListenerOptions, EventListenerPhase};
use leptos::prelude::*;
use wasm_bindgen::JsValue;
use zhijian_domain::kiosk_pin::{StaffPin, Unfit, Verdict};

use crate::i18n::*;
use crate::sync::{Sync, random_hex};
use crate::{js, locale, when};

/// Set while the device is locked to the station page (splash.js reads it).
const LOCK_KEY: &str = "zhijian.kiosk";
const PIN_KEY: &str = "zhijian.kiosk_pin";
const STATION: &str = "/station";

fn read(key: &str) -> Option<String> {
    locale::storage()?.get_item(key).ok().flatten()
}

fn write(key: &str, value: Option<&str>) {
    if let Some(s) = locale::storage() {
        // Private mode may refuse: the lock then lasts for this page only.
        let _ = match value {
            Some(v) => s.set_item(key, v),
            None => s.remove_item(key),
        };
    }
}

fn stored_pin() -> Option<StaffPin> {
    StaffPin::parse(&read(PIN_KEY)?)
}

fn store_pin(pin: &StaffPin) {
    write(PIN_KEY, Some(&pin.to_text()));
}

/// The lock, as a signal the station page shares with its staff menu.
#[derive(Clone, Copy)]
pub struct Lock(RwSignal<bool>);

impl Lock {
    pub fn new() -> Self {
        let lock = Lock(RwSignal::new(read(LOCK_KEY).is_some()));
        // While locked, nothing leaves the page; the listeners go with it.
        let trap = StoredValue::new_local(None::<[EventListener; 2]>);
        Effect::new(move |_| {
            let on = lock.0.get();
            trap.update_value(|t| *t = if on { trap_navigation() } else { None });
        });
        on_cleanup(move || drop(trap.try_update_value(Option::take)));
        lock
    }

    pub fn on(self) -> bool {
        self.0.get()
    }

    fn set(self, on: bool) {
        write(LOCK_KEY, on.then_some("1"));
        self.0.set(on);
    }

    /// Locks the device with the PIN chosen before, if there is one.
    pub fn again(self) -> bool {
        let known = stored_pin().is_some();
        if known {
            self.set(true);
        }
        known
    }

    /// The lock means nothing without a kiosk session (signed out, or
    /// another account): it must not keep anyone from signing in.
    pub fn release(self) {
        if self.0.get_untracked() {
            self.set(false);
        }
    }
}

/// A click on any link is dropped before the router sees it, and Back is
/// undone, while the returned listeners live.
fn trap_navigation() -> Option<[EventListener; 2]> {
    let w = web_sys::window()?;
    let capture = EventListenerOptions {
        phase: EventListenerPhase::Capture,
        passive: false,
    };
    // Browser calls by name (crate::js): no new imports in the first load.
    let click = EventListener::new_with_options(&w, "click", capture, |ev| {
        let on_link = ev.target().is_some_and(|t| {
            js::call(&t, "closest", &[&"a[href]".into()]).is_ok_and(|a| a.is_truthy())
        });
        if on_link {
            ev.prevent_default();
            ev.stop_propagation();
        }
    });
    let history = js::get(&w, "history").ok()?;
    // At the window, capture listeners run before the router's own.
    let pop = EventListener::new_with_options(&w, "popstate", capture, move |ev| {
        let _ = js::call(ev, "stopImmediatePropagation", &[]);
        let _ = js::call(
            &history,
            "pushState",
            &[&JsValue::NULL, &"".into(), &STATION.into()],
        );
    });
    Some([click, pop])
}

#[derive(Clone, Copy, PartialEq)]
enum Stage {
    Pad,
    Choose,
    Menu,
}

/// The staff's screen: the PIN pad when locked (then the menu), choosing a
/// PIN when locking for the first time or changing it.
#[component]
pub fn Staff(
    lock: Lock,
    close: impl Fn() + Copy + Send + std::marker::Sync + 'static,
) -> impl IntoView {
    let i18n = use_i18n();
    // Locked without a readable PIN (storage cleared under it): the staff
    // choose one, as they would to lock.
    let locked = lock.0.get_untracked() && stored_pin().is_some();
    let stage = RwSignal::new(if locked { Stage::Pad } else { Stage::Choose });
    let chosen = move || {
        lock.set(true);
        close();
    };
    view! {
        <section class="form kiosk-staff-screen" data-testid="kiosk-staff">
            {move || match stage.get() {
                Stage::Pad => view! { <Pad opened=move || stage.set(Stage::Menu) close=close /> }.into_any(),
                Stage::Choose => view! { <Choose chosen=chosen close=close /> }.into_any(),
                Stage::Menu => view! { <Menu lock=lock change=move || stage.set(Stage::Choose) close=close /> }.into_any(),
            }}
            <p class="muted">{t!(i18n, kiosk_staff_hint)}</p>
        </section>
    }
}

/// A PIN field: digits only, hidden, the kiosk's size (the staff PIN
/// here, a card's PIN on the station page).
#[component]
pub(super) fn PinField(
    id: &'static str,
    #[prop(into)] label: Signal<String>,
    value: RwSignal<String>,
    #[prop(optional)] required: bool,
) -> impl IntoView {
    view! {
        <label for=id>{move || label.get()}</label>
        <input id=id type="password" inputmode="numeric" autocomplete="off" maxlength="6"
            required=required data-testid=id prop:value=move || value.get()
            on:input=move |ev| value.set(event_target_value(&ev)) />
    }
}

#[component]
fn Pad(opened: impl Fn() + Copy + 'static, close: impl Fn() + Copy + 'static) -> impl IntoView {
    let i18n = use_i18n();
    let typed = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(mut pin) = stored_pin() else {
            return;
        };
        let now = when::now_secs();
        let verdict = pin.check(&typed.get_untracked(), now);
        store_pin(&pin);
        typed.set(String::new());
        let l = i18n.get_locale_untracked();
        match verdict {
            Verdict::Open => opened(),
            Verdict::Wrong { tries_left } => error.set(Some(
                td_string!(l, kiosk_pin_wrong, n = tries_left).to_string(),
            )),
            Verdict::WaitUntil(t) => error.set(Some(
                td_string!(l, kiosk_pin_wait, seconds = t - now).to_string(),
            )),
        }
    };
    view! {
        <form on:submit=submit>
            <h2 class="page-title">{t!(i18n, kiosk_staff)}</h2>
            <PinField id="kiosk-pin" label=t_string!(i18n, kiosk_pin_label).to_string() value=typed />
            {move || error.get().map(|e| view! { <p class="notice notice-error" role="alert">{e}</p> })}
            <div class="actions">
                <button type="submit" class="btn btn-primary">{t!(i18n, kiosk_identify)}</button>
                <button type="button" class="btn" on:click=move |_| close()>{t!(i18n, kiosk_back)}</button>
            </div>
        </form>
    }
}

#[component]
fn Choose(chosen: impl Fn() + Copy + 'static, close: impl Fn() + Copy + 'static) -> impl IntoView {
    let i18n = use_i18n();
    let first = RwSignal::new(String::new());
    let again = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let l = i18n.get_locale_untracked();
        let (a, b) = (first.get_untracked(), again.get_untracked());
        let why = match StaffPin::choose(a.trim(), &random_hex()) {
            Err(Unfit::Format) => td_string!(l, kiosk_pin_format),
            Err(Unfit::Guessable) => td_string!(l, kiosk_pin_guessable),
            Ok(_) if a.trim() != b.trim() => td_string!(l, kiosk_pin_mismatch),
            Ok(pin) => {
                store_pin(&pin);
                return chosen();
            }
        };
        error.set(Some(why.to_string()));
    };
    view! {
        <form on:submit=submit>
            <h2 class="page-title">{t!(i18n, kiosk_pin_choose)}</h2>
            <p>{t!(i18n, kiosk_lock_hint)}</p>
            <PinField id="kiosk-pin-new" label=t_string!(i18n, kiosk_pin_label).to_string() value=first />
            <PinField id="kiosk-pin-again" label=t_string!(i18n, kiosk_pin_again).to_string() value=again />
            {move || error.get().map(|e| view! { <p class="notice notice-error" role="alert">{e}</p> })}
            <div class="actions">
                <button type="submit" class="btn btn-primary">{t!(i18n, kiosk_lock)}</button>
                <button type="button" class="btn" on:click=move |_| close()>{t!(i18n, kiosk_back)}</button>
            </div>
        </form>
    }
}

/// What the staff do at the kiosk: sync now (the queue's length in view),
/// change the PIN, unlock and leave for the app.
#[component]
fn Menu(
    lock: Lock,
    change: impl Fn() + Copy + 'static,
    close: impl Fn() + Copy + 'static,
) -> impl IntoView {
    let i18n = use_i18n();
    let sync = Sync::get();
    let syncing = RwSignal::new(false);
    let sync_now = move |_| {
        syncing.set(true);
        leptos::task::spawn_local_scoped(async move {
            sync.sync_now().await;
            syncing.set(false);
        });
    };
    // A fresh start of the app for the staff, with nothing of the kiosk's
    // page left in memory.
    let unlock = move |_| {
        lock.set(false);
        if let Ok(at) = js::get(&js::global(), "location") {
            let _ = js::call(&at, "assign", &[&"/".into()]);
        }
    };
    view! {
        <h2 class="page-title">{t!(i18n, kiosk_staff)}</h2>
        <p data-testid="kiosk-queue">{move || t!(i18n, kiosk_queue, n = sync.pending())}</p>
        <div class="actions kiosk-staff-menu">
            <button type="button" class="btn btn-primary" disabled=move || syncing.get()
                on:click=sync_now>{t!(i18n, kiosk_sync_now)}</button>
            <button type="button" class="btn" on:click=move |_| change()>{t!(i18n, kiosk_pin_change)}</button>
            <button type="button" class="btn" data-testid="kiosk-unlock" on:click=unlock>{t!(i18n, kiosk_unlock)}</button>
            <button type="button" class="btn" on:click=move |_| close()>{t!(i18n, kiosk_back)}</button>
        </div>
    }
}

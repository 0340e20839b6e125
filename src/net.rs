//! Connectivity as the browser reports it (`navigator.onLine` and its events).
//!
//! `onLine == true` only means a network interface is up; whether the server
//! answers is learnt from requests (see `directory`).

use gloo_events::EventListener;
use leptos::prelude::*;

#[derive(Clone, Copy)]
pub struct Connectivity {
    pub online: ReadSignal<bool>,
}

impl Connectivity {
    /// Starts listening; the listeners live as long as the page.
    pub fn provide() -> Self {
        let window = web_sys::window();
        let initial = window.as_ref().is_none_or(|w| w.navigator().on_line());
        let (online, set_online) = signal(initial);
        if let Some(w) = window {
            EventListener::new(&w, "online", move |_| set_online.set(true)).forget();
            EventListener::new(&w, "offline", move |_| set_online.set(false)).forget();
        }
        let me = Self { online };
        provide_context(me);
        me
    }

    pub fn get() -> Self {
        expect_context()
    }
}

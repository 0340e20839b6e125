use leptos::prelude::*;
use leptos_router::components::A;

use crate::i18n::*;

/// The bottom tab bar on phones; a side rail on wide screens (CSS).
#[component]
pub fn TabBar() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <nav class="tabbar" aria-label=move || t_string!(i18n, nav_label)>
            <A href="/" exact=true>
                <svg class="tab-icon" viewBox="0 0 24 24" aria-hidden="true"><path d="M3 11 12 4l9 7v9h-6v-6H9v6H3z" /></svg>
                <span>{t!(i18n, tab_home)}</span>
            </A>
            <A href="/activities">
                <svg class="tab-icon" viewBox="0 0 24 24" aria-hidden="true"><path d="M5 4h14v16H5zM8 8h8M8 12h8M8 16h5" /></svg>
                <span>{t!(i18n, tab_activities)}</span>
            </A>
            <A href="/credits">
                <svg class="tab-icon" viewBox="0 0 24 24" aria-hidden="true"><path d="m12 3 2.6 5.6 6 .7-4.5 4.1 1.2 6L12 16.5 6.7 19.4l1.2-6-4.5-4.1 6-.7z" /></svg>
                <span>{t!(i18n, tab_credits)}</span>
            </A>
            <A href="/me">
                <svg class="tab-icon" viewBox="0 0 24 24" aria-hidden="true"><circle cx="12" cy="8" r="4" /><path d="M4 21c0-4.4 3.6-7 8-7s8 2.6 8 7" /></svg>
                <span>{t!(i18n, tab_me)}</span>
            </A>
        </nav>
    }
}

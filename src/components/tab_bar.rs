use leptos::prelude::*;
use leptos_router::hooks::use_location;

use crate::i18n::*;

/// The tabs: where each goes, its icon (SVG shapes, constant markup), its label.
const TABS: [(&str, &str, usize); 5] = [
    (
        "/",
        r#"<path d="M3 11 12 4l9 7v9h-6v-6H9v6H3z"/>"#,
        keys::tab_home,
    ),
    (
        "/activities",
        r#"<path d="M5 4h14v16H5zM8 8h8M8 12h8M8 16h5"/>"#,
        keys::tab_activities,
    ),
    (
        "/study",
        r#"<path d="M4 5c3-1 6-1 8 1 2-2 5-2 8-1v14c-3-1-6-1-8 1-2-2-5-2-8-1zM12 6v14"/>"#,
        keys::tab_study,
    ),
    (
        "/credits",
        r#"<path d="m12 3 2.6 5.6 6 .7-4.5 4.1 1.2 6L12 16.5 6.7 19.4l1.2-6-4.5-4.1 6-.7z"/>"#,
        keys::tab_credits,
    ),
    (
        "/me",
        r#"<circle cx="12" cy="8" r="4"/><path d="M4 21c0-4.4 3.6-7 8-7s8 2.6 8 7"/>"#,
        keys::tab_me,
    ),
];

/// The bottom tab bar on phones; a side rail on wide screens (CSS). One
/// loop of plain links (the router takes their clicks) rather than five
/// `A`s: one copy of the view code in the first load.
#[component]
pub fn TabBar() -> impl IntoView {
    let i18n = use_i18n();
    let path = use_location().pathname;
    view! {
        <nav class="tabbar" aria-label=move || t_string!(i18n, nav_label)>
            {TABS
                .into_iter()
                .map(|(href, icon, label)| {
                    let current = move || {
                        path.with(|p| {
                            let here = p == href
                                || (href != "/" && p.strip_prefix(href).is_some_and(|r| r.starts_with('/')));
                            here.then_some("page")
                        })
                    };
                    view! {
                        <a href=href aria-current=current>
                            <svg class="tab-icon" viewBox="0 0 24 24" aria-hidden="true" inner_html=icon></svg>
                            <span>{move || i18n.strings()[label]}</span>
                        </a>
                    }
                })
                .collect_view()}
        </nav>
    }
}

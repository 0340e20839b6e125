use leptos::prelude::*;

use crate::i18n::*;

#[component]
pub fn NotFound() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="page">
            <h2 class="page-title">{t!(i18n, not_found_title)}</h2>
            <a href="/" class="btn">{t!(i18n, not_found_back)}</a>
        </section>
    }
}

use leptos::prelude::*;

use crate::components::EmptyState;
use crate::i18n::*;

/// 积分: the member's volunteer credits.
#[component]
pub fn Credits() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="page">
            <h2 class="page-title">{t!(i18n, credits_title)}</h2>
            <EmptyState
                title=view! { {t!(i18n, credits_empty)} }.into_any()
                hint=view! { {t!(i18n, credits_empty_hint)} }.into_any()
            />
        </section>
    }
}

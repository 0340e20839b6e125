use leptos::prelude::*;

use crate::components::EmptyState;
use crate::i18n::*;

/// 活动: this month's menu (自选+必选).
#[component]
pub fn Activities() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="page">
            <h2 class="page-title">{t!(i18n, activities_title)}</h2>
            <EmptyState
                title=view! { {t!(i18n, activities_empty)} }.into_any()
                hint=view! { {t!(i18n, activities_empty_hint)} }.into_any()
            />
        </section>
    }
}

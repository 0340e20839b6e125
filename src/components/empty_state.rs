use leptos::prelude::*;

/// What a page shows when there is nothing yet: a title and what will fill it.
#[component]
pub fn EmptyState(title: AnyView, hint: AnyView) -> impl IntoView {
    view! {
        <section class="empty-state" role="status">
            <p class="empty-title">{title}</p>
            <p class="empty-hint">{hint}</p>
        </section>
    }
}

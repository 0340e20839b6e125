use leptos::prelude::*;
use zhijian_domain::study::Reflection;

use crate::components::EmptyState;
use crate::i18n::*;
use crate::labels;
use crate::sync::Sync;

/// 学习心得 for the organisers: what the members of their orgs wrote on
/// lessons, newest first. Nothing here counts or ranks anyone: it is for
/// reading and, in the branch, talking about.
#[component]
pub fn ReflectionsPage() -> impl IntoView {
    let i18n = use_i18n();
    let sync = Sync::get();
    // (reflection, writer's name, course title, lesson title)
    let rows = Memo::new(move |_| {
        sync.replica.with(|r| {
            let r = r.as_ref()?;
            let view = r.view();
            let me = r.actor.member_id.as_deref().unwrap_or_default();
            let mut v: Vec<(Reflection, String, String, String)> = view
                .reflections()
                .values()
                .filter(|x| x.member_id != me)
                .map(|x| {
                    let name = view
                        .members
                        .get(&x.member_id)
                        .map_or_else(|| x.member_id.clone(), |m| m.name.clone());
                    let course = view.courses().get(&x.course_id);
                    let lesson = course
                        .and_then(|c| c.lesson(&x.lesson_id))
                        .map_or_else(|| x.lesson_id.clone(), |l| l.title.clone());
                    let course = course.map_or_else(|| x.course_id.clone(), |c| c.title.clone());
                    (x.clone(), name, course, lesson)
                })
                .collect();
            v.sort_by(|a, b| b.0.at.cmp(&a.0.at).then_with(|| a.0.id.cmp(&b.0.id)));
            Some(v)
        })
    });
    view! {
        <link rel="stylesheet" href="/study.css" />
        <section class="page" data-testid="reflections">
            <h2 class="page-title">{t!(i18n, reflections_title)}</h2>
            <p><a href="/study">{t!(i18n, lesson_back)}</a></p>
            <p class="hint">{t!(i18n, reflections_hint)}</p>
            {move || match rows.get() {
                None => view! { <p class="loading" aria-busy="true">{t!(i18n, loading)}</p> }.into_any(),
                Some(v) if v.is_empty() => view! {
                    <EmptyState
                        title=t!(i18n, reflections_empty).into_any()
                        hint=t!(i18n, reflections_empty_hint).into_any()
                    />
                }.into_any(),
                Some(_) => view! {
                    <ul class="plain-list cards">
                        <For
                            each=move || rows.get().unwrap_or_default()
                            key=|(x, ..)| (x.id.clone(), x.at, x.text.clone())
                            let((x, name, course, lesson))
                        >
                            <li class="card" data-testid="reflection-item">
                                <p class="item-title">{name}</p>
                                <p class="menu-org">{course}" · "{lesson}" · "{move || labels::when(i18n.get_locale(), x.at)}</p>
                                <p class="reflection-text">{x.text}</p>
                            </li>
                        </For>
                    </ul>
                }.into_any(),
            }}
        </section>
    }
}

crate::lazy_page!(ReflectionsRoute, reflections_chunk, ReflectionsPage);

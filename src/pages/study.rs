use leptos::prelude::*;
use zhijian_domain::study::Course;

use crate::components::EmptyState;
use crate::i18n::*;
use crate::study;
use crate::sync::Sync;

/// 学习: the courses meant for me (they are on this device: sync brought
/// them), with the lessons I finished here; organisers also see their
/// drafts and write courses.
#[component]
pub fn StudyPage() -> impl IntoView {
    let i18n = use_i18n();
    let sync = Sync::get();
    let courses = Memo::new(move |_| {
        sync.replica.with(|r| {
            let Some(r) = r else { return Vec::new() };
            let mut v: Vec<(Course, bool)> = r
                .view()
                .courses()
                .values()
                .map(|c| {
                    let mine = r
                        .view()
                        .orgs
                        .get(&c.org_id)
                        .is_some_and(|o| r.actor.manages(o));
                    (c.clone(), mine)
                })
                .filter(|(c, mine)| c.published || *mine)
                .collect();
            v.sort_by(|a, b| a.0.title.cmp(&b.0.title).then_with(|| a.0.id.cmp(&b.0.id)));
            v
        })
    });
    let writes = Memo::new(move |_| {
        sync.replica.with(|r| {
            r.as_ref()
                .is_some_and(|r| r.view().orgs.values().any(|o| r.actor.manages(o)))
        })
    });
    let account = move || {
        sync.session
            .with(|s| s.as_ref().map(|s| s.account.id.clone()))
            .unwrap_or_default()
    };
    let finished = Memo::new(move |_| study::finished(&account()));
    view! {
        <section class="page" data-testid="study">
            <h2 class="page-title">{t!(i18n, study_title)}</h2>
            <p class="hint">{t!(i18n, study_offline_hint)}</p>
            <Show when=move || writes.get()>
                <div class="actions">
                    <a href="/study/new" class="btn btn-primary">{t!(i18n, study_new_course)}</a>
                </div>
            </Show>
            <Show
                when=move || !courses.with(Vec::is_empty)
                fallback=move || view! {
                    <EmptyState
                        title=t!(i18n, study_empty).into_any()
                        hint=t!(i18n, study_empty_hint).into_any()
                    />
                }
            >
                <For
                    each=move || courses.get()
                    key=|(c, mine)| (c.id.clone(), c.published, *mine, c.lessons.len(), c.title.clone())
                    let:item
                >
                    <CourseCard course=item.0 mine=item.1 finished=finished />
                </For>
            </Show>
        </section>
    }
}

#[component]
fn CourseCard(course: Course, mine: bool, finished: Memo<Vec<String>>) -> impl IntoView {
    let i18n = use_i18n();
    let id = course.id.clone();
    let total = course.lessons.len();
    let done_keys: Vec<String> = course
        .lessons
        .iter()
        .map(|l| study::lesson_key(&course.id, &l.id))
        .collect();
    let done = move || finished.with(|f| done_keys.iter().filter(|k| f.contains(k)).count());
    let edit = format!("/study/{id}/edit");
    view! {
        <article class="card course" data-testid="course">
            <h3 class="item-title">
                {course.title.clone()}
                {(!course.published).then(|| view! { <span class="tag tag-draft">{t!(i18n, study_draft)}</span> })}
            </h3>
            {(!course.summary.is_empty()).then(|| view! { <p class="menu-desc">{course.summary.clone()}</p> })}
            <p class="hint">{move || t_string!(i18n, study_progress, done = done(), total = total).to_string()}</p>
            <ol class="plain-list lessons">
                {course.lessons.iter().map(|l| {
                    let key = study::lesson_key(&id, &l.id);
                    let is_done = move || finished.with(|f| f.contains(&key));
                    view! {
                        <li>
                            <a href=format!("/study/{}/{}", id, l.id)>{l.title.clone()}</a>
                            <Show when=is_done>
                                <span class="done-mark">" ✓ "<span class="sr-only">{t!(i18n, study_finished)}</span></span>
                            </Show>
                        </li>
                    }
                }).collect_view()}
            </ol>
            {mine.then(|| view! { <a href=edit class="btn">{t!(i18n, study_edit)}</a> })}
        </article>
    }
}

crate::lazy_page!(StudyRoute, study_chunk, StudyPage);

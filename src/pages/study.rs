use leptos::prelude::*;
use zhijian_domain::study::Course;

use crate::components::EmptyState;
use crate::i18n::*;
use crate::study;
use crate::sync::Sync;
use crate::{media_cache, shell};

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
                    <a href="/study/reflections" class="btn">{t!(i18n, study_reflections)}</a>
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
            {course.published.then(|| view! { <CourseDownload course=course.clone() /> })}
            {mine.then(|| view! { <a href=edit class="btn">{t!(i18n, study_edit)}</a> })}
        </article>
    }
}

/// "下载到本机": the lessons' text is here already (sync); this fetches
/// their pictures and audio into the device's cache with a progress bar,
/// asks the browser to keep them, and frees them again.
#[component]
fn CourseDownload(course: Course) -> impl IntoView {
    let i18n = use_i18n();
    let media = course.media();
    let lessons = course.lessons.len();
    let urls: Vec<String> = media.iter().map(|(_, u)| u.clone()).collect();
    let total = urls.len();
    // Files of this course on the device, and their bytes (None: not read yet).
    let here = RwSignal::new(None::<(usize, f64)>);
    // While downloading: (files done, bytes so far).
    let running = RwSignal::new(None::<(usize, f64)>);
    let failed = RwSignal::new(false);
    let storage = RwSignal::new(None::<(f64, f64)>);
    let refresh = {
        let urls = urls.clone();
        move || {
            let urls = urls.clone();
            leptos::task::spawn_local(async move {
                here.set(Some(media_cache::on_device(&urls).await));
                storage.set(media_cache::estimate().await);
            });
        }
    };
    refresh();
    let download = {
        let urls = urls.clone();
        let refresh = refresh.clone();
        move |_| {
            let urls = urls.clone();
            let refresh = refresh.clone();
            failed.set(false);
            running.set(Some((0, 0.0)));
            leptos::task::spawn_local(async move {
                // Asked with the user's tap; the answer does not change the download.
                let _ = shell::persist_storage().await;
                let result =
                    media_cache::download(&urls, |done, bytes| running.set(Some((done, bytes))))
                        .await;
                failed.set(result.is_err());
                running.set(None);
                refresh();
            });
        }
    };
    let remove = {
        let urls = urls.clone();
        let refresh = refresh.clone();
        move |_| {
            let urls = urls.clone();
            let refresh = refresh.clone();
            leptos::task::spawn_local(async move {
                media_cache::remove(&urls).await;
                refresh();
            });
        }
    };
    let complete = move || here.get().is_some_and(|(n, _)| n == total);
    // The lesson the next file belongs to, for "第 k / n 课".
    let lesson_at = move |done: usize| {
        media
            .get(done.min(total.saturating_sub(1)))
            .map_or(lessons, |(i, _)| i + 1)
    };
    // Integers only: formatting an f64 would pull float printing into the
    // first load (the splitter keeps what the function table names there).
    let kb = |b: f64| ((b / 1024.0).ceil() as u64).to_string();
    let mb_tenths = |b: f64| {
        let t = (b / 104_857.6).round() as u64;
        format!("{}.{}", t / 10, t % 10)
    };
    view! {
        <div class="course-download" data-testid="course-download">
            {move || match running.get() {
                Some((done, bytes)) => view! {
                    <progress max=total.max(1).to_string() value=done.to_string() aria-label=move || t_string!(i18n, download_progress_label)></progress>
                    <p class="hint" role="status">{t_string!(i18n, download_progress,
                        lesson = if done >= total { lessons } else { lesson_at(done) }, lessons = lessons,
                        files = done, total = total, kb = kb(bytes)).to_string()}</p>
                }.into_any(),
                None => view! {
                    <p class="hint" data-testid="download-state">{move || match here.get() {
                        None => String::new(),
                        Some(_) if total == 0 => t_string!(i18n, download_text_only).to_string(),
                        Some((n, bytes)) if n == total => t_string!(i18n, download_done, files = total, kb = kb(bytes)).to_string(),
                        Some((n, _)) => t_string!(i18n, download_partly, here = n, total = total).to_string(),
                    }}</p>
                }.into_any(),
            }}
            {move || failed.get().then(|| view! { <p class="notice notice-error" role="alert">{t!(i18n, download_failed)}</p> })}
            {move || storage.get().map(|(used, quota)| view! {
                <p class="hint">{t_string!(i18n, download_storage, used = mb_tenths(used), quota = ((quota / 1_048_576.0) as u64).to_string()).to_string()}</p>
            })}
            <div class="actions">
                <Show when=move || !complete() || total == 0 fallback=move || {
                    let remove = remove.clone();
                    view! { <button type="button" class="btn btn-small" on:click=remove>{t!(i18n, download_remove)}</button> }
                }>
                    <button type="button" class="btn btn-small btn-primary" on:click=download.clone()
                        disabled=move || running.get().is_some() || (total == 0 && here.get().is_some())>
                        {t!(i18n, download_start)}
                    </button>
                </Show>
            </div>
        </div>
    }
}

crate::lazy_page!(StudyRoute, study_chunk, StudyPage);

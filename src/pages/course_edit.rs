use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};
use zhijian_domain::Op;
use zhijian_domain::study::{Course, lesson_source, parse_lesson, with_audio, with_image};

use crate::components::{
    Markdown, Message, OrgSelect, Outcome, TextField, orgs_where, picked_org, submit_then,
};
use crate::i18n::*;
use crate::sync::{Sync, random_hex};

/// Writes or edits a course: each lesson is one Markdown text (title, body,
/// self-check; the format `import-course` reads), with a preview.
#[component]
pub fn CourseEditPage() -> impl IntoView {
    let i18n = use_i18n();
    let sync = Sync::get();
    let params = use_params_map();
    let id = move || params.with(|p| p.get("course"));
    let orgs = Memo::new(move |_| {
        sync.replica.with(|r| {
            r.as_ref()
                .map(|r| orgs_where(r, |a, o| a.manages(o)))
                .unwrap_or_default()
        })
    });
    // The course as it stands, read once: the form then owns the text.
    let existing = Memo::new(move |_| {
        let id = id()?;
        sync.replica.with(|r| {
            r.as_ref()
                .and_then(|r| r.view().courses().get(&id).cloned())
        })
    });
    view! {
        <section class="page" data-testid="course-edit">
            <h2 class="page-title">{move || if id().is_some() { t_string!(i18n, course_edit_title) } else { t_string!(i18n, study_new_course) }}</h2>
            {move || {
                if !sync.loaded.get() {
                    return view! { <p class="loading" aria-busy="true">{t!(i18n, loading)}</p> }.into_any();
                }
                if orgs.with(Vec::is_empty) {
                    return view! { <p class="notice">{t!(i18n, course_not_allowed)}</p> }.into_any();
                }
                match (id(), existing.get_untracked()) {
                    (Some(_), None) => view! { <p class="notice">{t!(i18n, lesson_not_found)}</p> }.into_any(),
                    (_, initial) => view! { <CourseForm initial=initial orgs=orgs /> }.into_any(),
                }
            }}
        </section>
    }
}

struct LessonDraft {
    id: String,
    source: RwSignal<String>,
    preview: RwSignal<bool>,
}

fn new_lesson(n: usize) -> LessonDraft {
    LessonDraft {
        id: format!("l-{}", &random_hex()[..12]),
        source: RwSignal::new(format!("# 第{n}课 \n\n")),
        preview: RwSignal::new(false),
    }
}

#[component]
fn CourseForm(initial: Option<Course>, orgs: Memo<Vec<(String, String)>>) -> impl IntoView {
    let i18n = use_i18n();
    let navigate = use_navigate();
    let is_new = initial.is_none();
    let course_id = initial.as_ref().map_or_else(
        || format!("course-{}", &random_hex()[..16]),
        |c| c.id.clone(),
    );
    let org = RwSignal::new(
        initial
            .as_ref()
            .map(|c| c.org_id.clone())
            .unwrap_or_default(),
    );
    let title = RwSignal::new(
        initial
            .as_ref()
            .map(|c| c.title.clone())
            .unwrap_or_default(),
    );
    let summary = RwSignal::new(
        initial
            .as_ref()
            .map(|c| c.summary.clone())
            .unwrap_or_default(),
    );
    let published = RwSignal::new(initial.as_ref().is_some_and(|c| c.published));
    let audience = initial
        .as_ref()
        .map(|c| c.audience.clone())
        .unwrap_or_default();
    let lessons = RwSignal::new(match &initial {
        Some(c) => c
            .lessons
            .iter()
            .map(|l| LessonDraft {
                id: l.id.clone(),
                source: RwSignal::new(lesson_source(l)),
                preview: RwSignal::new(false),
            })
            .collect(),
        None => vec![new_lesson(1)],
    });
    let message = Outcome::new();
    let add = move |_| lessons.update(|v| v.push(new_lesson(v.len() + 1)));
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut parsed = Vec::new();
        for (i, l) in lessons
            .with_untracked(|v| {
                v.iter()
                    .map(|l| (l.id.clone(), l.source.get_untracked()))
                    .collect::<Vec<_>>()
            })
            .into_iter()
            .enumerate()
        {
            match parse_lesson(&l.0, &l.1) {
                Ok(lesson) => parsed.push(lesson),
                Err(e) => {
                    let text =
                        t_string!(i18n, course_lesson_error, n = i + 1, reason = e.to_string())
                            .to_string();
                    message.set(Some((false, text)));
                    return;
                }
            }
        }
        let course = Course {
            id: course_id.clone(),
            org_id: picked_org(org, orgs),
            title: title.get_untracked().trim().to_owned(),
            summary: summary.get_untracked().trim().to_owned(),
            audience: audience.clone(),
            published: published.get_untracked(),
            lessons: parsed,
            updated_by: String::new(),
        };
        let navigate = navigate.clone();
        let ok = t_string!(i18n, course_saved).to_string();
        submit_then(Op::SaveCourse(course), message, ok, move || {
            if is_new {
                navigate("/study", Default::default());
            }
        });
    };
    view! {
        <form class="form" on:submit=save data-testid="course-form">
            {is_new.then(|| view! { <OrgSelect orgs=orgs value=org /> })}
            <TextField name="title" max=60 required=true value=title>{t!(i18n, course_title_label)}</TextField>
            <label class="field-row">
                <span>{t!(i18n, course_summary)}</span>
                <textarea name="summary" rows="2" maxlength="300"
                    prop:value=move || summary.get() on:input=move |ev| summary.set(event_target_value(&ev))></textarea>
            </label>
            <p class="hint">{t!(i18n, course_format_hint)}</p>
            <For each=move || lessons.with(|v| v.iter().enumerate().map(|(i, l)| (i, l.id.clone(), l.source, l.preview)).collect::<Vec<_>>())
                key=|(i, id, _, _)| (*i, id.clone())
                let:item
            >
                {
                    let (i, id, source, preview) = item;
                    let remove = move |_| lessons.update(|v| { if v.len() > 1 { v.retain(|l| l.id != id) } });
                    view! {
                        <fieldset class="field" data-testid="lesson-source">
                            <legend>{t_string!(i18n, lesson_position, n = i + 1, total = lessons.with_untracked(Vec::len)).to_string()}</legend>
                            <Show when=move || !preview.get() fallback=move || view! {
                                <LessonPreview source=source />
                            }>
                                <textarea rows="12" maxlength="9000" aria-label=move || t_string!(i18n, course_lesson_text)
                                    prop:value=move || source.get() on:input=move |ev| source.set(event_target_value(&ev))></textarea>
                            </Show>
                            <div class="actions">
                                <button type="button" class="btn btn-small" aria-pressed=move || preview.get().to_string()
                                    on:click=move |_| preview.update(|p| *p = !*p)>
                                    {move || if preview.get() { t_string!(i18n, course_edit_text) } else { t_string!(i18n, course_preview) }}
                                </button>
                                <MediaUpload source=source org=move || picked_org(org, orgs) audio=false />
                                <MediaUpload source=source org=move || picked_org(org, orgs) audio=true />
                                <button type="button" class="btn btn-small" on:click=remove
                                    disabled=move || lessons.with(|v| v.len() <= 1)>{t!(i18n, course_remove_lesson)}</button>
                            </div>
                        </fieldset>
                    }
                }
            </For>
            <button type="button" class="btn" on:click=add
                disabled=move || lessons.with(|v| v.len() >= Course::MAX_LESSONS)>{t!(i18n, course_add_lesson)}</button>
            <label class="check-row">
                <input type="checkbox" name="published" prop:checked=move || published.get()
                    on:change=move |ev| published.set(event_target_checked(&ev)) />
                {t!(i18n, course_published)}
            </label>
            <button type="submit" class="btn btn-primary" disabled=move || message.pending()>{t!(i18n, course_save)}</button>
            <Message message=message />
        </form>
    }
}

/// "插入图片" / "添加音频" (online): uploads a picture (added at the end of
/// the lesson's text, before its self-check) or the lesson's recording (the line under its title,
/// replacing one there) for a course of `org`. The server checks the file's
/// type by its content, its size and the committee's quota, and says why not.
#[component]
fn MediaUpload(
    source: RwSignal<String>,
    org: impl Fn() -> String + Copy + 'static,
    audio: bool,
) -> impl IntoView {
    let i18n = use_i18n();
    let sync = Sync::get();
    let busy = RwSignal::new(false);
    let said = RwSignal::new(None::<String>);
    let picked = move |ev: leptos::ev::Event| {
        let Some(input) = ev.target() else { return };
        let Some(file) = crate::js::get(&input, "files")
            .and_then(|f| crate::js::get(&f, "0"))
            .ok()
            .filter(|f| !f.is_undefined())
        else {
            return;
        };
        // Cleared, so that choosing the same file again uploads it again.
        let _ = js_sys::Reflect::set(&input, &"value".into(), &"".into());
        let Some(token) = sync.session.get_untracked().map(|s| s.token) else {
            said.set(Some(t_string!(i18n, course_image_offline).to_string()));
            return;
        };
        let org = org();
        busy.set(true);
        said.set(None);
        leptos::task::spawn_local(async move {
            // The browser sends the file as it is (nothing copied into the
            // wasm); natively, where the app is only linted, nothing.
            #[cfg(target_arch = "wasm32")]
            let body: zhijian_client::UploadBody = file;
            #[cfg(not(target_arch = "wasm32"))]
            let body: zhijian_client::UploadBody = {
                drop(file);
                Vec::new()
            };
            match crate::api::client()
                .with_token(token)
                .upload_media(&org, body)
                .await
            {
                Ok(stored) if audio => {
                    source.update(|s| *s = with_audio(s, &stored.url));
                    said.set(Some(t_string!(i18n, course_audio_added).to_string()));
                }
                Ok(stored) => {
                    let alt = t_string!(i18n, course_image_alt).to_string();
                    source.update(|s| *s = with_image(s, &stored.url, &alt));
                    said.set(Some(t_string!(i18n, course_image_added).to_string()));
                }
                Err(zhijian_client::ApiError::Network(_)) => {
                    said.set(Some(t_string!(i18n, course_image_offline).to_string()));
                }
                Err(zhijian_client::ApiError::Status { body, .. }) => said.set(Some(body.message)),
                Err(e) => said.set(Some(e.to_string())),
            }
            busy.set(false);
        });
    };
    view! {
        <label class="btn btn-small file-button" class:disabled=move || busy.get()>
            {move || match (busy.get(), audio) {
                (true, _) => t_string!(i18n, course_image_uploading),
                (false, false) => t_string!(i18n, course_image_add),
                (false, true) => t_string!(i18n, course_audio_add),
            }}
            <input type="file" class="sr-only"
                accept=if audio { "audio/mpeg,audio/mp4,audio/ogg,.mp3,.m4a,.ogg" } else { "image/png,image/jpeg,image/webp,image/gif" }
                disabled=move || busy.get() on:change=picked
                data-testid=if audio { "audio-upload" } else { "image-upload" } />
        </label>
        {move || said.get().map(|t| view! { <p class="hint" role="status">{t}</p> })}
    }
}

/// The lesson as members will see it, or why it cannot be read yet.
#[component]
fn LessonPreview(source: RwSignal<String>) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        match source.with(|s| parse_lesson("preview", s)) {
        Ok(l) => view! {
            <div class="preview" data-testid="lesson-preview">
                <h3>{l.title}</h3>
                {l.audio.map(|src| view! { <audio controls preload="none" src=src></audio> })}
                <Markdown source=Signal::stored(l.body) />
                {(!l.quiz.is_empty()).then(|| view! {
                    <p class="hint">{t_string!(i18n, course_quiz_count, n = l.quiz.len()).to_string()}</p>
                })}
            </div>
        }.into_any(),
        Err(e) => view! { <p class="notice notice-error">{e.to_string()}</p> }.into_any(),
    }
    }
}

crate::lazy_page!(CourseEditRoute, course_edit_chunk, CourseEditPage);

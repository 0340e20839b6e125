use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use zhijian_domain::Op;
use zhijian_domain::study::{Course, Lesson, Question, Reflection};
use zhijian_domain::study_ops::NewReflection;

use crate::components::{Markdown, Message, Outcome, submit};
use crate::i18n::*;
use crate::study;
use crate::sync::Sync;

/// A lesson: its text (large type on request), its self-check checked here
/// with the explanations, and "finished" for the member's own list. It
/// opens offline: the course came with sync.
#[component]
pub fn LessonPage() -> impl IntoView {
    let i18n = use_i18n();
    let sync = Sync::get();
    let params = use_params_map();
    let ids = move || {
        params.with(|p| {
            (
                p.get("course").unwrap_or_default(),
                p.get("lesson").unwrap_or_default(),
            )
        })
    };
    let course = Memo::new(move |_| {
        let (course, _) = ids();
        sync.replica.with(|r| {
            r.as_ref()
                .and_then(|r| r.view().courses().get(&course).cloned())
        })
    });
    let found = Memo::new(move |_| {
        let (_, lesson) = ids();
        course.with(|c| {
            let c = c.as_ref()?;
            let at = c.lessons.iter().position(|l| l.id == lesson)?;
            Some((c.clone(), at))
        })
    });
    let large = RwSignal::new(study::large_text());
    view! {
        <section class="page lesson" class:large-text=move || large.get() data-testid="lesson">
            {move || match found.get() {
                None if !sync.loaded.get() => view! { <p class="loading" aria-busy="true">{t!(i18n, loading)}</p> }.into_any(),
                None => view! {
                    <h2 class="page-title">{t!(i18n, study_title)}</h2>
                    <p class="notice">{t!(i18n, lesson_not_found)}</p>
                    <a href="/study" class="btn">{t!(i18n, lesson_back)}</a>
                }.into_any(),
                Some((c, at)) => view! { <LessonView course=c at=at large=large /> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn LessonView(course: Course, at: usize, large: RwSignal<bool>) -> impl IntoView {
    let i18n = use_i18n();
    let sync = Sync::get();
    let lesson: Lesson = course.lessons[at].clone();
    let account = sync
        .session
        .with_untracked(|s| s.as_ref().map(|s| s.account.id.clone()))
        .unwrap_or_default();
    let key = study::lesson_key(&course.id, &lesson.id);
    let done = RwSignal::new(study::finished(&account).contains(&key));
    let toggle_done = move |_| {
        let now = !done.get_untracked();
        study::set_finished(&account, &key, now);
        done.set(now);
    };
    let link = |i: usize| format!("/study/{}/{}", course.id, course.lessons[i].id);
    let prev = (at > 0).then(|| link(at - 1));
    let next = (at + 1 < course.lessons.len()).then(|| link(at + 1));
    let body = lesson.body.clone();
    view! {
        <p class="menu-org"><a href="/study">{course.title.clone()}</a>
            " · " {t_string!(i18n, lesson_position, n = at + 1, total = course.lessons.len()).to_string()}</p>
        <h2 class="page-title">{lesson.title.clone()}</h2>
        <label class="check-row">
            <input type="checkbox" prop:checked=move || large.get()
                on:change=move |ev| {
                    let on = event_target_checked(&ev);
                    study::set_large_text(on);
                    large.set(on);
                } />
            {t!(i18n, lesson_large_text)}
        </label>
        {lesson.audio.clone().map(|src| view! {
            <audio class="lesson-audio" controls preload="none" src=src
                aria-label=move || t_string!(i18n, lesson_audio)></audio>
        })}
        <Markdown source=Signal::stored(body) />
        {(!lesson.quiz.is_empty()).then(|| view! { <Quiz questions=lesson.quiz.clone() /> })}
        <ReflectionForm course_id=course.id.clone() lesson_id=lesson.id.clone() />
        <div class="actions">
            <button type="button" class="btn" class:btn-primary=move || !done.get()
                aria-pressed=move || done.get().to_string() on:click=toggle_done data-testid="lesson-done">
                {move || if done.get() { t_string!(i18n, lesson_done_undo) } else { t_string!(i18n, lesson_done) }}
            </button>
        </div>
        <nav class="actions" aria-label=move || t_string!(i18n, lesson_nav)>
            {prev.map(|href| view! { <a href=href class="btn">{t!(i18n, lesson_prev)}</a> })}
            {next.map(|href| view! { <a href=href class="btn">{t!(i18n, lesson_next)}</a> })}
        </nav>
    }
}

/// The self-check: answers stay on this page (nothing is sent or kept).
#[component]
fn Quiz(questions: Vec<Question>) -> impl IntoView {
    let i18n = use_i18n();
    let n = questions.len();
    let chosen = RwSignal::new(vec![Vec::<u8>::new(); n]);
    let checked = RwSignal::new(false);
    let all_answered = move || chosen.with(|c| c.iter().all(|a| !a.is_empty()));
    let check = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        checked.set(true);
    };
    let retake = move |_| {
        chosen.set(vec![Vec::new(); n]);
        checked.set(false);
    };
    view! {
        <form class="form quiz" on:submit=check data-testid="quiz">
            <h3>{t!(i18n, quiz_title)}</h3>
            {questions.into_iter().enumerate().map(|(i, q)| {
                let multiple = q.multiple();
                let name = format!("q{i}");
                let q2 = q.clone();
                let right = Memo::new(move |_| chosen.with(|c| q2.is_right(&c[i])));
                let answer_text = q.answer.iter()
                    .filter_map(|&a| q.choices.get(usize::from(a)).cloned())
                    .collect::<Vec<_>>()
                    .join("、");
                let explanation = q.explanation.clone();
                view! {
                    <fieldset class="field" data-testid="question">
                        <legend>{format!("{}. ", i + 1)}{q.prompt.clone()}
                            {multiple.then(|| view! { <span class="hint">" "{t!(i18n, quiz_multiple)}</span> })}
                        </legend>
                        {q.choices.iter().enumerate().map(|(j, c)| {
                            let j = j as u8;
                            let name = name.clone();
                            view! {
                                <label class="check-row">
                                    <input type=if multiple { "checkbox" } else { "radio" } name=name
                                        prop:checked=move || chosen.with(|c| c[i].contains(&j))
                                        disabled=move || checked.get()
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            chosen.update(|c| {
                                                if !multiple {
                                                    c[i].clear();
                                                }
                                                c[i].retain(|x| *x != j);
                                                if on {
                                                    c[i].push(j);
                                                }
                                            });
                                        } />
                                    {c.clone()}
                                </label>
                            }
                        }).collect_view()}
                        <Show when=move || checked.get()>
                            {
                                let answer_text = answer_text.clone();
                                let explanation = explanation.clone();
                                view! {
                                    <p class=move || if right.get() { "progress progress-done" } else { "progress" } role="status">
                                        {move || if right.get() {
                                            t_string!(i18n, quiz_right).to_string()
                                        } else {
                                            t_string!(i18n, quiz_wrong, answer = answer_text.clone()).to_string()
                                        }}
                                    </p>
                                    {(!explanation.is_empty()).then(|| view! { <p class="hint">{explanation.clone()}</p> })}
                                }
                            }
                        </Show>
                    </fieldset>
                }
            }).collect_view()}
            <div class="actions">
                <Show when=move || !checked.get() fallback=move || view! {
                    <button type="button" class="btn" on:click=retake>{t!(i18n, quiz_retake)}</button>
                }>
                    <button type="submit" class="btn btn-primary" disabled=move || !all_answered()>{t!(i18n, quiz_check)}</button>
                </Show>
            </div>
        </form>
    }
}

/// 学习心得: written here (offline too), read by the secretary of the
/// member's org and nobody else. Only members have one to write.
#[component]
fn ReflectionForm(course_id: String, lesson_id: String) -> impl IntoView {
    let i18n = use_i18n();
    let sync = Sync::get();
    let me = sync
        .replica
        .with_untracked(|r| r.as_ref().and_then(|r| r.actor.member_id.clone()));
    let me = me?;
    let id = Reflection::id_for(&me, &course_id, &lesson_id);
    // (what is saved, whether it still waits to be sent)
    let saved = Memo::new(move |_| {
        sync.replica.with(|r| {
            let r = r.as_ref()?;
            let text = r.view().reflections().get(&id).map(|x| x.text.clone())?;
            let pending = r
                .outbox
                .iter()
                .any(|m| matches!(&m.op, Op::WriteReflection(n) if n.id(&me) == id));
            Some((text, pending))
        })
    });
    let text = RwSignal::new(saved.get_untracked().map(|s| s.0).unwrap_or_default());
    let message = Outcome::new();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let r = NewReflection {
            course_id: course_id.clone(),
            lesson_id: lesson_id.clone(),
            text: text.get_untracked(),
            at: crate::when::now_secs(),
        };
        submit(
            Op::WriteReflection(r),
            message,
            t_string!(i18n, reflection_saved).to_string(),
        );
    };
    Some(view! {
        <form class="form reflection" on:submit=save data-testid="reflection">
            <h3>{t!(i18n, reflection_title)}</h3>
            <p class="hint">{t!(i18n, reflection_hint)}</p>
            <textarea name="reflection" rows="5" maxlength="2000"
                aria-label=move || t_string!(i18n, reflection_title)
                prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))></textarea>
            {move || saved.get().map(|(_, pending)| view! {
                <p class="hint">
                    {t!(i18n, reflection_kept)}
                    {pending.then(|| view! { " · " <span class="tag tag-pending">{t!(i18n, pending_tag)}</span> })}
                </p>
            })}
            <Message message=message />
            <div class="actions">
                <button type="submit" class="btn btn-primary"
                    disabled=move || message.pending() || text.with(|t| t.trim().is_empty())>
                    {t!(i18n, reflection_save)}
                </button>
            </div>
        </form>
    })
}

crate::lazy_page!(LessonRoute, lesson_chunk, LessonPage);

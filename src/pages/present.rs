use leptos::ev::KeyboardEvent;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use zhijian_domain::activity::Activity;
use zhijian_domain::study::{Course, Lesson};

use crate::components::{CodeDisplay, Markdown};
use crate::i18n::*;
use crate::js;
use crate::sync::Sync;

/// One screen of the session.
#[derive(Clone, PartialEq)]
enum Slide {
    Title,
    Text(String),
    Quiz,
    Close,
}

/// Presenter mode (集中学习, 党课) on the room's shared screen: the
/// activity's lesson in large type, one section at a time (arrow and page
/// keys, which clickers send, a tap on either half, or the buttons), with
/// the activity's changing check-in code in a corner. Everything comes from
/// this device (the course came with sync, the code is computed here), so
/// it runs with the network down; members' check-ins queue on their phones.
#[component]
pub fn PresentPage() -> impl IntoView {
    let i18n = use_i18n();
    let sync = Sync::get();
    let params = use_params_map();
    let found = Memo::new(move |_| {
        let id = params.with(|p| p.get("id").unwrap_or_default());
        sync.replica.with(|r| {
            let r = r.as_ref()?;
            let view = r.view();
            let a = view.activities().get(&id)?.clone();
            let course = a
                .lesson
                .as_ref()
                .and_then(|l| view.courses().get(&l.course_id).cloned());
            Some((a, course))
        })
    });
    view! {
        {move || match found.get() {
            None if !sync.loaded.get() => view! { <p class="loading" aria-busy="true">{t!(i18n, loading)}</p> }.into_any(),
            None => view! {
                <section class="page">
                    <h2 class="page-title">{t!(i18n, present_title)}</h2>
                    <p class="notice">{t!(i18n, activity_not_found)}</p>
                </section>
            }.into_any(),
            Some((a, course)) => {
                let lesson = a
                    .lesson
                    .as_ref()
                    .and_then(|l| course.as_ref()?.lesson(&l.lesson_id).cloned());
                view! { <Presenter a=a course=course lesson=lesson /> }.into_any()
            }
        }}
    }
}

#[component]
fn Presenter(a: Activity, course: Option<Course>, lesson: Option<Lesson>) -> impl IntoView {
    let i18n = use_i18n();
    let mut slides = vec![Slide::Title];
    if let Some(l) = &lesson {
        slides.extend(l.slides().into_iter().map(Slide::Text));
        if !l.quiz.is_empty() {
            slides.push(Slide::Quiz);
        }
    }
    slides.push(Slide::Close);
    let total = slides.len();
    let at = RwSignal::new(0usize);
    let go = move |step: isize| {
        at.update(|i| *i = i.saturating_add_signed(step).min(total - 1));
    };
    let on_key = move |ev: KeyboardEvent| match js::get(&ev, "key")
        .ok()
        .and_then(|k| k.as_string())
        .unwrap_or_default()
        .as_str()
    {
        "ArrowRight" | "ArrowDown" | "PageDown" | " " | "Enter" => {
            ev.prevent_default();
            go(1);
        }
        "ArrowLeft" | "ArrowUp" | "PageUp" | "Backspace" => {
            ev.prevent_default();
            go(-1);
        }
        "Home" => at.set(0),
        "End" => at.set(total - 1),
        _ => {}
    };
    // A tap on the left third goes back, elsewhere forward (links excepted).
    let on_tap = move |ev: leptos::ev::MouseEvent| {
        let number = |v: Result<wasm_bindgen::JsValue, _>| v.ok().and_then(|v| v.as_f64());
        let in_link = ev
            .target()
            .and_then(|t| js::call(&t, "closest", &[&"a, button".into()]).ok())
            .is_some_and(|e| !e.is_null());
        if in_link {
            return;
        }
        let width = number(js::get(&js::global(), "innerWidth")).unwrap_or(1.0);
        let x = number(js::get(&ev, "clientX")).unwrap_or(width);
        go(if x < width / 3.0 { -1 } else { 1 });
    };
    let stage = NodeRef::<leptos::html::Section>::new();
    // Keys reach the page from the first moment: the stage takes focus.
    Effect::new(move |_| {
        if let Some(el) = stage.get() {
            let _ = js::call(&el, "focus", &[]);
        }
    });
    let fullscreen = move |_| {
        if let Some(el) = stage.get_untracked() {
            // Refused without a user gesture or by the browser: the page
            // still works in the window.
            let _ = js::call(&el, "requestFullscreen", &[]);
        }
    };
    let course_title = course.as_ref().map(|c| c.title.clone()).unwrap_or_default();
    let lesson_title = lesson.as_ref().map(|l| l.title.clone());
    let quiz = lesson.as_ref().map(|l| l.quiz.clone()).unwrap_or_default();
    let audio = lesson.as_ref().and_then(|l| l.audio.clone());
    let back = format!("/activities/{}", a.id);
    let (title, place) = (a.title.clone(), a.place.clone());
    let slide = move || slides.get(at.get()).cloned().unwrap_or(Slide::Close);
    view! {
        <link rel="stylesheet" href="/present.css" />
        <section class="presenter" node_ref=stage tabindex="0" on:keydown=on_key data-testid="presenter"
            aria-roledescription=move || t_string!(i18n, present_title)>
            <header class="presenter-top">
                <span class="presenter-where">{title.clone()}</span>
                <span class="presenter-count" data-testid="slide-count">{move || format!("{} / {}", at.get() + 1, total)}</span>
                <button type="button" class="btn" on:click=fullscreen>{t!(i18n, present_fullscreen)}</button>
                <a class="btn" href=back>{t!(i18n, present_exit)}</a>
            </header>
            <div class="presenter-body">
                <div class="presenter-slide" on:click=on_tap aria-live="polite" data-testid="slide">
                    {move || match slide() {
                        Slide::Title => view! {
                            <p class="presenter-kicker">{course_title.clone()}</p>
                            <h1>{lesson_title.clone().unwrap_or_else(|| title.clone())}</h1>
                            <p class="presenter-kicker">{place.clone()}</p>
                            {audio.clone().map(|src| view! { <audio controls preload="none" src=src></audio> })}
                            {lesson_title.is_none().then(|| view! { <p class="hint">{t!(i18n, present_no_lesson)}</p> })}
                        }.into_any(),
                        Slide::Text(md) => view! { <Markdown source=Signal::stored(md) /> }.into_any(),
                        Slide::Quiz => view! {
                            <h2>{t!(i18n, quiz_title)}</h2>
                            <ol class="presenter-quiz">
                                {quiz.iter().map(|q| view! {
                                    <li>
                                        <p>{q.prompt.clone()}</p>
                                        <ol class="choices" type="A">
                                            {q.choices.iter().map(|c| view! { <li>{c.clone()}</li> }).collect_view()}
                                        </ol>
                                    </li>
                                }).collect_view()}
                            </ol>
                            <p class="hint">{t!(i18n, present_quiz_hint)}</p>
                        }.into_any(),
                        Slide::Close => view! {
                            <h2>{t!(i18n, present_close)}</h2>
                            <p>{t!(i18n, present_close_hint)}</p>
                        }.into_any(),
                    }}
                </div>
                <aside class="presenter-code" aria-label=move || t_string!(i18n, checkin_code)>
                    {(!a.cancelled).then(|| view! { <CodeDisplay a=a.clone() /> })}
                </aside>
            </div>
            <nav class="presenter-nav" aria-label=move || t_string!(i18n, present_nav)>
                <button type="button" class="btn" on:click=move |_| go(-1) disabled=move || at.get() == 0>{t!(i18n, present_prev)}</button>
                <button type="button" class="btn btn-primary" on:click=move |_| go(1) disabled=move || at.get() + 1 >= total>{t!(i18n, present_next)}</button>
            </nav>
        </section>
    }
}

crate::lazy_page!(PresentRoute, present_chunk, PresentPage);

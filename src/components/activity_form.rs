use leptos::prelude::*;
use zhijian_domain::Op;
use zhijian_domain::activity::{Activity, ServiceMode};
use zhijian_domain::menu::MonthlyMenu;
use zhijian_domain::menu_ops::ActivityDraft;
use zhijian_domain::study::LessonRef;

use crate::components::{Message, Outcome, TextField, submit_then};
use crate::i18n::*;
use crate::labels::{self, SERVICE_MODES};
use crate::sync::{Sync, random_hex};
use crate::when;

/// Adds an activity under `menu`, or edits `existing` (the server keeps its
/// sign-ups, seats taken and check-in secret). With `message` the outcome is
/// reported there (a page that rebuilds this form after a change keeps it).
#[component]
pub fn ActivityForm(
    menu_id: String,
    existing: Option<Activity>,
    #[prop(optional)] message: Option<Outcome>,
) -> impl IntoView {
    let i18n = use_i18n();
    let sync = Sync::get();
    let editing = existing.is_some();
    let e = existing.clone();
    // The menu's items as they are now (the menu may be edited above).
    let mid = menu_id.clone();
    let items = Memo::new(move |_| {
        sync.replica.with(|r| {
            r.as_ref()
                .and_then(|r| {
                    r.view()
                        .menus()
                        .get(&mid)
                        .map(|m: &MonthlyMenu| m.items.clone())
                })
                .unwrap_or_default()
        })
    });
    let item = RwSignal::new(e.as_ref().map(|a| a.item_id.clone()).unwrap_or_default());
    let title = RwSignal::new(e.as_ref().map(|a| a.title.clone()).unwrap_or_default());
    let description = RwSignal::new(
        e.as_ref()
            .and_then(|a| a.description.clone())
            .unwrap_or_default(),
    );
    let start = RwSignal::new(
        e.as_ref()
            .map(|a| when::to_input(a.starts_at))
            .unwrap_or_default(),
    );
    let minutes = RwSignal::new(e.as_ref().map_or(120, |a| a.minutes).to_string());
    let place = RwSignal::new(e.as_ref().map(|a| a.place.clone()).unwrap_or_default());
    let mode = RwSignal::new(
        e.as_ref()
            .and_then(|a| SERVICE_MODES.iter().position(|m| *m == a.mode))
            .unwrap_or(0),
    );
    let capacity = RwSignal::new(
        e.as_ref()
            .and_then(|a| a.capacity)
            .unwrap_or(20)
            .to_string(),
    );
    // "course/lesson" (ids have no '/'), or "" for none.
    let lesson = RwSignal::new(
        e.as_ref()
            .and_then(|a| a.lesson.as_ref())
            .map(|l| String::from(l.clone()))
            .unwrap_or_default(),
    );
    // Lessons of the published courses here, as (value, label).
    let lessons = Memo::new(move |_| {
        sync.replica.with(|r| {
            let Some(r) = r else { return Vec::new() };
            let mut v: Vec<(String, String)> = r
                .view()
                .courses()
                .values()
                .filter(|c| c.published)
                .flat_map(|c| {
                    c.lessons.iter().map(|l| {
                        (
                            format!("{}/{}", c.id, l.id),
                            format!("{} · {}", c.title, l.title),
                        )
                    })
                })
                .collect();
            v.sort();
            v
        })
    });
    let approval = RwSignal::new(e.as_ref().is_some_and(|a| a.needs_approval));
    let hours = RwSignal::new(e.as_ref().is_some_and(|a| a.counts_hours));
    let inline = message.is_none();
    let message = message.unwrap_or_default();
    let id = existing.as_ref().map(|a| a.id.clone());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(starts_at) = when::from_input(&start.get_untracked()) else {
            message.set(Some((
                false,
                t_string!(i18n, activity_bad_time).to_string(),
            )));
            return;
        };
        let desc = description.get_untracked().trim().to_owned();
        let op = Op::SaveActivity(ActivityDraft {
            id: id.clone().unwrap_or_else(random_hex),
            menu_id: menu_id.clone(),
            item_id: Some(item.get_untracked())
                .filter(|i| !i.is_empty())
                .or_else(|| items.with_untracked(|v| v.first().map(|i| i.id.clone())))
                .unwrap_or_default(),
            title: title.get_untracked().trim().to_owned(),
            starts_at,
            minutes: minutes.get_untracked().trim().parse().unwrap_or(0),
            place: place.get_untracked().trim().to_owned(),
            description: (!desc.is_empty()).then_some(desc),
            mode: SERVICE_MODES[mode.get_untracked().min(SERVICE_MODES.len() - 1)],
            capacity: capacity.get_untracked().trim().parse().ok(),
            needs_approval: approval.get_untracked(),
            counts_hours: hours.get_untracked(),
            secret: random_hex(),
            lesson: LessonRef::try_from(lesson.get_untracked()).ok(),
        });
        submit_then(op, message, t_string!(i18n, saved).to_string(), move || {
            if !editing {
                title.set(String::new());
                description.set(String::new());
            }
        });
    };
    let limited = move || {
        matches!(
            SERVICE_MODES.get(mode.get()),
            Some(ServiceMode::Booking | ServiceMode::Group)
        )
    };
    view! {
        <form class="form" on:submit=submit data-testid="activity-form">
            <label class="field-row">
                <span>{t!(i18n, activity_item)}</span>
                <select name="item" on:change=move |ev| item.set(event_target_value(&ev))>
                    {move || items.get().into_iter().map(|i| {
                        let (id, id2) = (i.id.clone(), i.id.clone());
                        view! { <option value=id selected=move || item.get() == id2>{i.title}</option> }
                    }).collect_view()}
                </select>
            </label>
            <TextField name="title" value=title required=true>{t!(i18n, activity_name)}</TextField>
            <label class="field-row">
                <span>{t!(i18n, activity_time)}</span>
                <input type="datetime-local" name="starts-at" required=true
                    prop:value=move || start.get() on:input=move |ev| start.set(event_target_value(&ev)) />
            </label>
            <label class="field-row">
                <span>{t!(i18n, activity_minutes)}</span>
                <input type="number" name="minutes" min="1" max="1440" inputmode="numeric"
                    prop:value=move || minutes.get() on:input=move |ev| minutes.set(event_target_value(&ev)) />
            </label>
            <TextField name="place" value=place required=true>{t!(i18n, activity_place)}</TextField>
            <label class="field-row">
                <span>{t!(i18n, activity_description)}</span>
                <textarea name="description" maxlength="500" rows="2"
                    prop:value=move || description.get() on:input=move |ev| description.set(event_target_value(&ev))></textarea>
            </label>
            <label class="field-row">
                <span>{t!(i18n, activity_mode)}</span>
                <select name="mode" on:change=move |ev| mode.set(event_target_value(&ev).parse().unwrap_or(0))>
                    {SERVICE_MODES.iter().enumerate().map(|(i, sm)| {
                        let sm = *sm;
                        view! { <option value=i.to_string() selected=move || mode.get() == i>{move || labels::service_mode(i18n.get_locale(), sm)}</option> }
                    }).collect_view()}
                </select>
            </label>
            <Show when=limited>
                <label class="field-row">
                    <span>{t!(i18n, activity_seats)}</span>
                    <input type="number" name="capacity" inputmode="numeric"
                        prop:value=move || capacity.get() on:input=move |ev| capacity.set(event_target_value(&ev)) />
                </label>
            </Show>
            <Show when=move || !lessons.with(Vec::is_empty)>
                <label class="field-row">
                    <span>{t!(i18n, activity_lesson)}</span>
                    <select name="lesson" on:change=move |ev| lesson.set(event_target_value(&ev))>
                        <option value="" selected=move || lesson.with(String::is_empty)>{t!(i18n, activity_no_lesson)}</option>
                        {move || lessons.get().into_iter().map(|(value, label)| {
                            let v2 = value.clone();
                            view! { <option value=value selected=move || lesson.with(|l| *l == v2)>{label}</option> }
                        }).collect_view()}
                    </select>
                </label>
            </Show>
            <label class="check-row">
                <input type="checkbox" name="approval" prop:checked=move || approval.get()
                    on:change=move |ev| approval.set(event_target_checked(&ev)) />
                {t!(i18n, activity_approval)}
            </label>
            <label class="check-row">
                <input type="checkbox" name="hours" prop:checked=move || hours.get()
                    on:change=move |ev| hours.set(event_target_checked(&ev)) />
                {t!(i18n, activity_hours)}
            </label>
            <button type="submit" class="btn btn-primary" disabled=move || message.pending()>
                {move || if editing { t_string!(i18n, activity_save) } else { t_string!(i18n, activity_add) }}
            </button>
            {inline.then(|| view! { <Message message=message /> })}
        </form>
    }
}

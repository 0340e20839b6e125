use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};
use zhijian_domain::menu::{MenuItem, MonthlyMenu};
use zhijian_domain::{Month, Op};

use crate::components::{ActivityForm, Message, Outcome, TextField, submit, submit_then};
use crate::i18n::*;
use crate::labels;
use crate::sync::{Sync, random_hex};

/// A menu row being edited: its own signals, so typing re-renders one input.
#[derive(Clone)]
struct ItemRow {
    id: String,
    title: RwSignal<String>,
    mandatory: RwSignal<bool>,
}

impl ItemRow {
    fn new(id: String, title: &str, mandatory: bool) -> Self {
        Self {
            id,
            title: RwSignal::new(title.to_owned()),
            mandatory: RwSignal::new(mandatory),
        }
    }
}

/// 制定菜单: a new month's menu (blank or copied from last month, `?copy=`)
/// or an existing one, then its activities.
#[component]
pub fn MenuEditPage() -> impl IntoView {
    let i18n = use_i18n();
    let sync = Sync::get();
    let params = use_params_map();
    let query = use_query_map();
    // Found once (possibly after the first sync brings the menu), then fixed:
    // the form owns its state and later syncs do not overwrite what is typed.
    let start = Memo::new(move |prev: Option<&Option<MonthlyMenu>>| {
        if let Some(Some(m)) = prev {
            return Some(m.clone());
        }
        if !sync.loaded.get() {
            return None;
        }
        sync.replica.with(|r| {
            let r = r.as_ref()?;
            let p = params.get_untracked();
            if let Some(id) = p.get("id") {
                return r.view().menus().get(&id).cloned();
            }
            let org_id = p.get("org")?;
            let month: Month = p.get("month")?.parse().ok()?;
            let copy = query.with_untracked(|q| q.get("copy"));
            let alliance_id = query.with_untracked(|q| q.get("alliance"));
            let base = copy.and_then(|c| r.view().menus().get(&c).cloned());
            Some(match base {
                // A joint menu copied from last month moves to this month's chair.
                Some(m) => MonthlyMenu {
                    org_id,
                    alliance_id,
                    ..m.copy_for(month, random_hex())
                },
                None => MonthlyMenu {
                    id: random_hex(),
                    org_id,
                    month,
                    theme_title: String::new(),
                    theme_description: None,
                    items: vec![MenuItem {
                        id: random_hex(),
                        title: String::new(),
                        description: None,
                        mandatory: true,
                    }],
                    min_optional: 0,
                    published: false,
                    alliance_id,
                    audience: vec![],
                },
            })
        })
    });
    view! {
        <section class="page">
            <h2 class="page-title">{t!(i18n, menu_edit_title)}</h2>
            {move || match (sync.loaded.get(), start.get()) {
                (false, _) => view! { <p class="loading" aria-busy="true">{t!(i18n, loading)}</p> }.into_any(),
                (true, None) => view! { <p class="notice">{t!(i18n, menu_not_found)}</p> }.into_any(),
                (true, Some(m)) => {
                    let id = m.id.clone();
                    view! { <MenuForm menu=m /> <MenuActivities menu_id=id /> }.into_any()
                }
            }}
        </section>
    }
}

#[component]
fn MenuForm(menu: MonthlyMenu) -> impl IntoView {
    let i18n = use_i18n();
    let sync = Sync::get();
    let navigate = use_navigate();
    let theme = RwSignal::new(menu.theme_title.clone());
    let desc = RwSignal::new(menu.theme_description.clone().unwrap_or_default());
    let rows = RwSignal::new(
        menu.items
            .iter()
            .map(|i| ItemRow::new(i.id.clone(), &i.title, i.mandatory))
            .collect::<Vec<_>>(),
    );
    let min_optional = RwSignal::new(menu.min_optional.to_string());
    let message = Outcome::new();
    let (id, org_id, month) = (menu.id.clone(), menu.org_id.clone(), menu.month);
    let alliance_id = menu.alliance_id.clone();
    let host = sync.replica.with_untracked(|r| {
        let r = r.as_ref()?;
        let org = r.view().orgs.get(&menu.org_id)?.name.clone();
        Some(
            match menu
                .alliance_id
                .as_ref()
                .and_then(|a| r.view().find_alliance(a))
            {
                Some(a) => (org, Some(a.name.clone())),
                None => (org, None),
            },
        )
    });
    let id2 = id.clone();
    let stored = Memo::new(move |_| {
        sync.replica
            .with(|r| r.as_ref().and_then(|r| r.view().menus().get(&id2).cloned()))
    });
    let add_item = move |mandatory: bool| {
        rows.update(|v| v.push(ItemRow::new(random_hex(), "", mandatory)));
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let desc = desc.get_untracked().trim().to_owned();
        let menu = MonthlyMenu {
            id: id.clone(),
            org_id: org_id.clone(),
            month,
            theme_title: theme.get_untracked().trim().to_owned(),
            theme_description: (!desc.is_empty()).then_some(desc),
            items: rows
                .get_untracked()
                .iter()
                .map(|r| MenuItem {
                    id: r.id.clone(),
                    title: r.title.get_untracked().trim().to_owned(),
                    description: None,
                    mandatory: r.mandatory.get_untracked(),
                })
                .collect(),
            min_optional: min_optional.get_untracked().trim().parse().unwrap_or(0),
            published: false,
            alliance_id: alliance_id.clone(),
            audience: vec![],
        };
        let is_new = stored.get_untracked().is_none();
        let href = format!("/menus/{}", menu.id);
        let navigate = navigate.clone();
        submit_then(
            Op::SaveMenu(menu),
            message,
            t_string!(i18n, saved).to_string(),
            move || {
                if is_new {
                    navigate(
                        &href,
                        NavigateOptions {
                            replace: true,
                            ..Default::default()
                        },
                    );
                }
            },
        );
    };
    let id3 = menu.id.clone();
    let publish = move |published: bool| {
        let op = Op::PublishMenu {
            menu_id: id3.clone(),
            published,
        };
        submit(op, message, t_string!(i18n, saved).to_string());
    };
    view! {
        <p class="month">{t!(i18n, home_month, year = month.year(), month = month.month())}
            {move || stored.get().map(|m| if m.published {
                view! { <span class="tag tag-ok">{t!(i18n, menu_published)}</span> }.into_any()
            } else {
                view! { <span class="tag tag-draft">{t!(i18n, menu_draft)}</span> }.into_any()
            })}
        </p>
        {host.map(|(org, alliance)| match alliance {
            Some(a) => view! { <p class="menu-org">{t!(i18n, joint_menu_host, alliance = a.clone(), org = org.clone())}</p> }.into_any(),
            None => view! { <p class="menu-org">{org}</p> }.into_any(),
        })}
        <form class="form" on:submit=save data-testid="menu-form">
            <TextField name="theme" value=theme required=true>{t!(i18n, menu_theme)}</TextField>
            <label class="field-row">
                <span>{t!(i18n, menu_theme_desc)}</span>
                <textarea name="description" maxlength="500" rows="2"
                    prop:value=move || desc.get() on:input=move |ev| desc.set(event_target_value(&ev))></textarea>
            </label>
            <fieldset class="field">
                <legend>{t!(i18n, menu_items)}</legend>
                <For each=move || rows.get() key=|r| r.id.clone() let:row>
                    {
                        let rid = row.id.clone();
                        view! {
                            <div class="item-row">
                                <label class="field-row grow">
                                    <span class="sr-only">{t!(i18n, menu_item_title)}</span>
                                    <input type="text" name="item-title" maxlength="64" required=true
                                        placeholder=move || t_string!(i18n, menu_item_title)
                                        prop:value=move || row.title.get()
                                        on:input=move |ev| row.title.set(event_target_value(&ev)) />
                                </label>
                                <label class="check-row">
                                    <input type="checkbox" name="item-mandatory"
                                        prop:checked=move || row.mandatory.get()
                                        on:change=move |ev| row.mandatory.set(event_target_checked(&ev)) />
                                    {t!(i18n, item_mandatory)}
                                </label>
                                <button type="button" class="btn btn-small"
                                    aria-label=move || t_string!(i18n, menu_item_remove)
                                    on:click=move |_| rows.update(|v| v.retain(|r| r.id != rid))>"×"</button>
                            </div>
                        }
                    }
                </For>
                <div class="actions">
                    <button type="button" class="btn btn-small" on:click=move |_| add_item(true)>{t!(i18n, menu_add_mandatory)}</button>
                    <button type="button" class="btn btn-small" on:click=move |_| add_item(false)>{t!(i18n, menu_add_optional)}</button>
                </div>
            </fieldset>
            <label class="field-row">
                <span>{t!(i18n, menu_min_optional)}</span>
                <input type="number" name="min-optional" min="0" max="40" inputmode="numeric"
                    prop:value=move || min_optional.get() on:input=move |ev| min_optional.set(event_target_value(&ev)) />
            </label>
            <div class="actions">
                <button type="submit" class="btn btn-primary" disabled=move || message.pending()>{t!(i18n, menu_save)}</button>
                {move || stored.get().map(|m| {
                    let publish = publish.clone();
                    if m.published {
                        view! { <button type="button" class="btn" disabled=move || message.pending() on:click=move |_| publish(false)>{t!(i18n, menu_unpublish)}</button> }.into_any()
                    } else {
                        view! { <button type="button" class="btn btn-primary" disabled=move || message.pending() on:click=move |_| publish(true)>{t!(i18n, menu_publish)}</button> }.into_any()
                    }
                })}
            </div>
            <Message message=message />
        </form>
    }
}

/// The menu's activities and a form to add one (once the menu is saved).
/// The list follows the records; the form is made once, so a sync in the
/// background never clears what is being typed.
#[component]
fn MenuActivities(menu_id: String) -> impl IntoView {
    let i18n = use_i18n();
    let sync = Sync::get();
    let mid = menu_id.clone();
    let data = Memo::new(move |_| {
        sync.replica.with(|r| {
            let r = r.as_ref()?;
            let m = r.view().menus().get(&mid)?.clone();
            let acts = r.view().activities_of_sorted(&m.id);
            Some((m, acts))
        })
    });
    let saved = Memo::new(move |_| data.with(Option::is_some));
    view! {
        <Show when=move || saved.get()>
            <section class="card">
                <h3>{t!(i18n, menu_activities)}</h3>
                <ul class="plain-list">
                    {move || data.get().map(|(m, acts)| acts.into_iter().map(|a| {
                        let href = format!("/activities/{}", a.id);
                        let item_title = m.items.iter().find(|i| i.id == a.item_id).map(|i| i.title.clone()).unwrap_or_default();
                        view! {
                            <li><A href=href>{a.title.clone()}</A> " · " {item_title} " · "
                                {move || labels::when(i18n.get_locale(), a.starts_at)}</li>
                        }
                    }).collect_view())}
                </ul>
                <h4>{t!(i18n, activity_add)}</h4>
                <ActivityForm menu_id=menu_id.clone() existing=None />
            </section>
        </Show>
    }
}

crate::lazy_page!(MenuEditRoute, menu_edit_chunk, MenuEditPage);

use leptos::prelude::*;
use leptos_router::components::A;
use zhijian_domain::Member;

use crate::i18n::*;
use crate::labels::{self, MODES, STATUSES};
use crate::sync::Sync;

/// 本组织党员: the members this account may see, with search and filters.
#[component]
pub fn Members() -> impl IntoView {
    let i18n = use_i18n();
    let sync = Sync::get();
    let query = RwSignal::new(String::new());
    // Filters hold an index into STATUSES / MODES, or "" for all.
    let status = RwSignal::new(String::new());
    let mode = RwSignal::new(String::new());
    let rows = Memo::new(move |_| {
        let q = query.get().trim().to_owned();
        let st = status
            .get()
            .parse::<usize>()
            .ok()
            .and_then(|i| STATUSES.get(i).copied());
        let md = mode
            .get()
            .parse::<usize>()
            .ok()
            .and_then(|i| MODES.get(i).copied());
        sync.replica.with(|r| {
            let Some(r) = r else { return Vec::new() };
            let view = r.view();
            let mut list: Vec<(Member, String)> = view
                .members
                .values()
                .filter(|m| q.is_empty() || m.name.contains(&q))
                .filter(|m| st.is_none_or(|s| m.status == s))
                .filter(|m| md.is_none_or(|x| m.mode == x))
                .map(|m| {
                    (
                        m.clone(),
                        view.orgs
                            .get(&m.org_id)
                            .map(|o| o.name.clone())
                            .unwrap_or_default(),
                    )
                })
                .collect();
            zhijian_domain::order::sort_by(&mut list, |a, b| {
                a.1.cmp(&b.1).then(a.0.name.cmp(&b.0.name))
            });
            list
        })
    });
    view! {
        <section class="page">
            <h2 class="page-title">{t!(i18n, members_title)}</h2>
            <div class="filters">
                <label class="sr-only" for="member-search">{t!(i18n, members_search)}</label>
                <input id="member-search" type="search" placeholder=move || t_string!(i18n, members_search)
                    prop:value=move || query.get() on:input=move |ev| query.set(event_target_value(&ev)) />
                <select aria-label=move || t_string!(i18n, members_all_status) on:change=move |ev| status.set(event_target_value(&ev))>
                    <option value="">{t!(i18n, members_all_status)}</option>
                    {STATUSES.iter().enumerate().map(|(i, s)| {
                        let s = *s;
                        view! { <option value=i.to_string()>{move || labels::status(i18n.get_locale(), s)}</option> }
                    }).collect_view()}
                </select>
                <select aria-label=move || t_string!(i18n, members_all_modes) on:change=move |ev| mode.set(event_target_value(&ev))>
                    <option value="">{t!(i18n, members_all_modes)}</option>
                    {MODES.iter().enumerate().map(|(i, m)| {
                        let m = *m;
                        view! { <option value=i.to_string()>{move || labels::mode(i18n.get_locale(), m)}</option> }
                    }).collect_view()}
                </select>
            </div>
            <p class="muted">{move || t_string!(i18n, members_count, n = rows.with(Vec::len)).to_string()}</p>
            <Show when=move || !rows.with(Vec::is_empty) fallback=move || view! { <p class="notice">{t!(i18n, members_empty)}</p> }>
                <ul class="list members" data-testid="member-list">
                    <For each=move || rows.get() key=|(m, org)| (m.id.clone(), m.name.clone(), m.status, m.mode, org.clone()) let((m, org))>
                        <li>
                            <A href=format!("/members/{}", m.id)>
                                <span class="member-name">{m.name.clone()}</span>
                                <span class="muted">{org}</span>
                                <span class="tag">{move || labels::status(i18n.get_locale(), m.status)}</span>
                                <span class="tag tag-area">{move || labels::mode(i18n.get_locale(), m.mode)}</span>
                            </A>
                        </li>
                    </For>
                </ul>
            </Show>
        </section>
    }
}

crate::lazy_page!(MembersRoute, members_chunk, Members);

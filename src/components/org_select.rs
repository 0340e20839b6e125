use leptos::prelude::*;
use zhijian_domain::replica::Replica;
use zhijian_domain::{Actor, Org};

use crate::i18n::*;

/// The orgs the signed-in actor may act for, as (id, name) by id.
pub fn orgs_where(r: &Replica, may: impl Fn(&Actor, &Org) -> bool) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = r
        .view()
        .orgs
        .values()
        .filter(|o| may(&r.actor, o))
        .map(|o| (o.id.clone(), o.name.clone()))
        .collect();
    v.sort();
    v
}

/// The org picked in an `OrgSelect`: the chosen one, else the first.
pub fn picked_org(value: RwSignal<String>, orgs: Memo<Vec<(String, String)>>) -> String {
    Some(value.get_untracked())
        .filter(|o| !o.is_empty())
        .or_else(|| orgs.get_untracked().first().map(|(id, _)| id.clone()))
        .unwrap_or_default()
}

/// Which org a form is for.
#[component]
pub fn OrgSelect(orgs: Memo<Vec<(String, String)>>, value: RwSignal<String>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <label class="field-row">
            <span>{t!(i18n, reward_org)}</span>
            <select on:change=move |ev| value.set(event_target_value(&ev))>
                {move || orgs.get().into_iter().map(|(id, name)| view! { <option value=id>{name}</option> }).collect_view()}
            </select>
        </label>
    }
}

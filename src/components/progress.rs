//! The month's menus a reader sees and their own progress on them: the
//! landing page and the activities page both show them.

use leptos::prelude::*;
use zhijian_domain::Month;
use zhijian_domain::menu::{self, Compliance, MonthlyMenu};
use zhijian_domain::replica::Replica;

use crate::i18n::*;

/// The menus shown to the actor for `month`: published ones that apply to
/// them, and every menu (drafts too) of the orgs they manage.
pub fn visible_menus(r: &Replica, month: Month) -> Vec<MonthlyMenu> {
    let view = r.view();
    let mut out: Vec<MonthlyMenu> = view
        .menus()
        .values()
        .filter(|m| m.month == month)
        .filter(|m| {
            let manages = view.orgs.get(&m.org_id).is_some_and(|o| r.actor.manages(o));
            manages || (m.published && !m.items.is_empty())
        })
        .cloned()
        .collect();
    zhijian_domain::order::sort_by_key(&mut out, |m| {
        view.orgs.get(&m.org_id).map(|o| o.path.clone())
    });
    out
}

/// The member's progress on `menu`, if the actor is a member it applies to.
pub fn my_progress(r: &Replica, menu: &MonthlyMenu) -> Option<Compliance> {
    let me = r.view().members.get(r.actor.member_id.as_deref()?)?;
    menu::progress(r.view(), me, menu.month)
        .into_iter()
        .find(|(m, _)| m.id == menu.id)
        .map(|(_, c)| c)
}

#[component]
pub fn ProgressLine(c: Compliance) -> impl IntoView {
    let i18n = use_i18n();
    let done = c.is_done();
    view! {
        <p class="progress" class:progress-done=done data-testid="progress">
            {t!(i18n, progress_line,
                mdone = c.mandatory_done, mtotal = c.mandatory_total,
                odone = c.optional_done.min(c.optional_required), orequired = c.optional_required)}
            {done.then(|| view! { " · " {t!(i18n, progress_done)} })}
        </p>
    }
}

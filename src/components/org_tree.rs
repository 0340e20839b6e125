use leptos::prelude::*;
use zhijian_domain::api::OrgDirectory;
use zhijian_domain::{OrgTree, OrgTreeNode};

use crate::i18n::*;
use crate::labels;

/// The org tree as nested lists.
#[component]
pub fn OrgTreeView(directory: OrgDirectory) -> impl IntoView {
    let tree = OrgTree::build(&directory.orgs);
    let counts = StoredValue::new(directory);
    view! {
        <ul class="org-tree" data-testid="org-tree">
            {tree.roots.into_iter().map(|n| node(n, counts)).collect_view()}
        </ul>
    }
}

fn node(n: OrgTreeNode, directory: StoredValue<OrgDirectory>) -> AnyView {
    let i18n = use_i18n();
    let org = n.org;
    let members = directory.with_value(|d| d.member_count(&org.id));
    let kind = org.kind;
    let area = org.area;
    let children = (!n.children.is_empty()).then(|| {
        view! {
            <ul>{n.children.into_iter().map(|c| node(c, directory)).collect_view()}</ul>
        }
    });
    view! {
        <li class="org" data-kind=format!("{kind:?}")>
            <div class="org-card">
                <span class="org-name">{org.name}</span>
                <span class="org-tags">
                    <span class="tag">{move || labels::kind(i18n.get_locale(), kind)}</span>
                    {org.joint.then(|| view! { <span class="tag tag-joint">{t!(i18n, home_joint)}</span> })}
                    {area.map(|a| view! { <span class="tag tag-area">{move || labels::area(i18n.get_locale(), a)}</span> })}
                </span>
                {org.place.map(|p| view! { <span class="org-place">{p}</span> })}
                {(members > 0).then(|| view! { <span class="org-members">{t!(i18n, home_members, n = members)}</span> })}
            </div>
            {children}
        </li>
    }
    .into_any()
}

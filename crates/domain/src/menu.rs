//! Monthly activity menus (活动菜单): one theme a month (每月一主题), mandatory
//! and self-selected items (自选+必选), activities with capacity, and the
//! compliance rule of DOMAIN.md.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::replica::Records;
use crate::validate::{self, Field, FieldError};
use crate::{Member, Month, Org};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MenuItem {
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    /// 必选 (true) or 自选 (false).
    pub mandatory: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthlyMenu {
    pub id: String,
    pub org_id: String,
    pub month: Month,
    pub theme_title: String,
    #[serde(default)]
    pub theme_description: Option<String>,
    pub items: Vec<MenuItem>,
    /// Self-selected items each member must do at least.
    pub min_optional: u8,
    pub published: bool,
    /// An alliance's joint menu (红盟联合菜单), hosted by the month's
    /// rotating chair (`org_id`) for the members of every alliance org.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alliance_id: Option<String>,
    /// The orgs whose members (and their groups') the menu is for. Set by the
    /// rules on save: the org itself, or the alliance's orgs.
    #[serde(default)]
    pub audience: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MenuError {
    #[error("{0}")]
    Field(#[from] FieldError),
    #[error("菜单至少要有一项活动")]
    NoItems,
    #[error("自选项目只有 {available} 项，不能要求完成 {required} 项")]
    TooManyOptional { available: usize, required: u8 },
    #[error("活动项目编号重复")]
    DuplicateItem,
    #[error("只能为 {earliest} 及以后的月份制定菜单")]
    MonthTooEarly { earliest: Month },
}

impl MonthlyMenu {
    pub const MAX_TITLE_CHARS: usize = 64;
    pub const MAX_ITEMS: usize = 40;
    pub const MAX_DESCRIPTION_CHARS: usize = 500;

    /// Checks the menu on its own and against `today` (a menu for a month
    /// long past is a mistake: at most one month back is allowed, to fix the
    /// current one late).
    pub fn validate(&self, today: Month) -> Result<(), MenuError> {
        validate::id(Field::Id, &self.id)?;
        validate::id(Field::Id, &self.org_id)?;
        validate::text(Field::Name, &self.theme_title, Self::MAX_TITLE_CHARS)?;
        if let Some(d) = self
            .theme_description
            .as_deref()
            .filter(|d| !d.trim().is_empty())
        {
            validate::long_text(Field::Description, d, Self::MAX_DESCRIPTION_CHARS)?;
        }
        let earliest = today.plus_months(-1).unwrap_or(today);
        if self.month < earliest {
            return Err(MenuError::MonthTooEarly { earliest });
        }
        if self.items.is_empty() || self.items.len() > Self::MAX_ITEMS {
            return Err(MenuError::NoItems);
        }
        let mut ids = BTreeSet::new();
        for item in &self.items {
            validate::id(Field::Id, &item.id)?;
            validate::text(Field::Name, &item.title, Self::MAX_TITLE_CHARS)?;
            if let Some(d) = item.description.as_deref().filter(|d| !d.trim().is_empty()) {
                validate::long_text(Field::Description, d, Self::MAX_DESCRIPTION_CHARS)?;
            }
            if !ids.insert(item.id.as_str()) {
                return Err(MenuError::DuplicateItem);
            }
        }
        let available = self.items.iter().filter(|i| !i.mandatory).count();
        if usize::from(self.min_optional) > available {
            return Err(MenuError::TooManyOptional {
                available,
                required: self.min_optional,
            });
        }
        Ok(())
    }

    /// A copy for `month` (复制上月菜单), unpublished, with new ids from `id`.
    pub fn copy_for(&self, month: Month, id: String) -> MonthlyMenu {
        MonthlyMenu {
            id,
            month,
            published: false,
            ..self.clone()
        }
    }
}

/// A member's progress on a menu.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Compliance {
    pub mandatory_done: usize,
    pub mandatory_total: usize,
    pub optional_done: usize,
    pub optional_required: usize,
    /// Mandatory items not yet attended, by id.
    pub missing: Vec<String>,
}

impl Compliance {
    pub fn is_done(&self) -> bool {
        self.mandatory_done == self.mandatory_total && self.optional_done >= self.optional_required
    }
}

/// DOMAIN.md: done when every mandatory item of the menu has an attended
/// check-in and at least `min_optional` self-selected items do. `attended`
/// holds the menu item ids with an attended check-in by the member (from
/// activities that were not cancelled). No published menu: nothing is owed.
pub fn compliance(menu: Option<&MonthlyMenu>, attended: &[String]) -> Compliance {
    let Some(menu) = menu.filter(|m| m.published) else {
        return Compliance {
            mandatory_done: 0,
            mandatory_total: 0,
            optional_done: 0,
            optional_required: 0,
            missing: vec![],
        };
    };
    let (mandatory, optional): (Vec<&MenuItem>, Vec<&MenuItem>) =
        menu.items.iter().partition(|i| i.mandatory);
    let missing: Vec<String> = mandatory
        .iter()
        .filter(|i| !attended.contains(&i.id))
        .map(|i| i.id.clone())
        .collect();
    Compliance {
        mandatory_done: mandatory.len() - missing.len(),
        mandatory_total: mandatory.len(),
        optional_done: optional.iter().filter(|i| attended.contains(&i.id)).count(),
        optional_required: usize::from(menu.min_optional),
        missing,
    }
}

/// Whether `member_org` is in `audience` (org ids; empty means `org_id`
/// alone, as documents saved before audiences had): the org or one below.
pub fn in_audience(r: &Records, audience: &[String], org_id: &str, member_org: &Org) -> bool {
    let own = [org_id.to_owned()];
    let audience = if audience.is_empty() {
        &own[..]
    } else {
        audience
    };
    audience
        .iter()
        .filter_map(|id| r.orgs.get(id))
        .any(|o| o.contains(member_org))
}

/// The published menus that apply to a member in `month`: those of the
/// member's org, of the orgs above it (a committee's menu covers its
/// branches) and of its alliances. A member who moved org is judged by the
/// current org's menus.
pub fn menus_for<'a>(r: &'a Records, member: &Member, month: Month) -> Vec<&'a MonthlyMenu> {
    let Some(org) = r.orgs.get(&member.org_id) else {
        return vec![];
    };
    r.menus()
        .values()
        .filter(|m| m.month == month && m.published)
        .filter(|m| in_audience(r, &m.audience, &m.org_id, org))
        .collect()
}

/// Items of `menu` the member attended: a check-in at an activity of that
/// menu which was not cancelled.
pub fn attended(r: &Records, menu: &MonthlyMenu, member_id: &str) -> Vec<String> {
    // A short list (a menu has a handful of items): no set type in the wasm.
    let mut items: Vec<String> = Vec::new();
    for a in r
        .checkins()
        .values()
        .filter(|c| c.member_id == member_id)
        .filter_map(|c| r.activities().get(&c.activity_id))
        .filter(|a| a.menu_id == menu.id && !a.cancelled)
    {
        if !items.contains(&a.item_id) {
            items.push(a.item_id.clone());
        }
    }
    items
}

/// One member's progress on every menu that applies to them in `month`.
pub fn progress<'a>(
    r: &'a Records,
    member: &Member,
    month: Month,
) -> Vec<(&'a MonthlyMenu, Compliance)> {
    menus_for(r, member, month)
        .into_iter()
        .map(|m| (m, compliance(Some(m), &attended(r, m, &member.id))))
        .collect()
}

/// The secretary's board for a menu: every member it applies to (the menu's
/// org and below), by name, with their progress.
pub fn board<'a>(r: &'a Records, menu: &MonthlyMenu) -> Vec<(&'a Member, Compliance)> {
    let mut rows: Vec<(&Member, Compliance)> = board_members(r, menu)
        .map(|m| (m, compliance(Some(menu), &attended(r, menu, &m.id))))
        .collect();
    crate::order::sort_by(&mut rows, |a, b| {
        (a.1.is_done(), &a.0.name).cmp(&(b.1.is_done(), &b.0.name))
    });
    rows
}

/// How many of the board's members are done, of how many (an organiser's
/// home shows this; no rows to build or sort).
pub fn board_counts(r: &Records, menu: &MonthlyMenu) -> (usize, usize) {
    board_members(r, menu).fold((0, 0), |(done, all), m| {
        let ok = compliance(Some(menu), &attended(r, menu, &m.id)).is_done();
        (done + usize::from(ok), all + 1)
    })
}

fn board_members<'a, 'm>(
    r: &'a Records,
    menu: &'m MonthlyMenu,
) -> impl Iterator<Item = &'a Member> + use<'a, 'm> {
    r.members.values().filter(move |m| {
        r.orgs
            .get(&m.org_id)
            .is_some_and(|o| in_audience(r, &menu.audience, &menu.org_id, o))
    })
}

/// The board as CSV (UTF-8 with a BOM, so that spreadsheet programs on
/// Chinese Windows open it correctly).
pub fn board_csv(menu: &MonthlyMenu, rows: &[(&Member, Compliance)]) -> String {
    let title = |id: &str| {
        menu.items
            .iter()
            .find(|i| i.id == id)
            .map_or(id.to_owned(), |i| i.title.clone())
    };
    let field = |s: &str| {
        if s.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_owned()
        }
    };
    let mut out = String::from(
        "\u{feff}姓名,必选完成,必选总数,自选完成,自选要求,是否达标,未完成的必选项目\r\n",
    );
    for (m, c) in rows {
        let missing: Vec<String> = c.missing.iter().map(|id| title(id)).collect();
        out.push_str(&format!(
            "{},{},{},{},{},{},{}\r\n",
            field(&m.name),
            c.mandatory_done,
            c.mandatory_total,
            c.optional_done,
            c.optional_required,
            if c.is_done() { "是" } else { "否" },
            field(&missing.join("；")),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> Month {
        s.parse().unwrap()
    }

    fn menu(items: &[(&str, bool)], min_optional: u8) -> MonthlyMenu {
        MonthlyMenu {
            id: "menu-1".into(),
            org_id: "yuehai".into(),
            month: m("2026-11"),
            theme_title: "学习二十届四中全会精神".into(),
            theme_description: None,
            items: items
                .iter()
                .map(|(id, mandatory)| MenuItem {
                    id: (*id).into(),
                    title: format!("项目{id}"),
                    description: None,
                    mandatory: *mandatory,
                })
                .collect(),
            min_optional,
            published: true,
            alliance_id: None,
            audience: vec![],
        }
    }

    fn set(ids: &[&str]) -> Vec<String> {
        ids.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn no_menu_means_nothing_is_owed() {
        let c = compliance(None, &set(&["a"]));
        assert!(c.is_done());
        let mut unpublished = menu(&[("a", true)], 0);
        unpublished.published = false;
        assert!(compliance(Some(&unpublished), &set(&[])).is_done());
    }

    #[test]
    fn only_mandatory_items() {
        let menu = menu(&[("a", true), ("b", true)], 0);
        let c = compliance(Some(&menu), &set(&["a"]));
        assert!(!c.is_done());
        assert_eq!(c.missing, ["b"]);
        assert!(compliance(Some(&menu), &set(&["a", "b"])).is_done());
    }

    #[test]
    fn self_selected_minimum() {
        let menu = menu(&[("a", true), ("x", false), ("y", false), ("z", false)], 2);
        assert!(!compliance(Some(&menu), &set(&["a", "x"])).is_done());
        let c = compliance(Some(&menu), &set(&["a", "x", "z"]));
        assert!(c.is_done());
        assert_eq!((c.optional_done, c.optional_required), (2, 2));
        // Self-selected items never replace a mandatory one.
        assert!(!compliance(Some(&menu), &set(&["x", "y", "z"])).is_done());
    }

    #[test]
    fn attendance_elsewhere_does_not_count() {
        // A member who moved org mid-month is judged by the new org's menu:
        // items of the old menu have other ids and count for nothing here.
        let menu = menu(&[("a", true)], 0);
        assert!(!compliance(Some(&menu), &set(&["old-a"])).is_done());
    }

    #[test]
    fn validation() {
        let today = m("2026-11");
        assert_eq!(
            menu(&[("a", true), ("x", false)], 1).validate(today),
            Ok(())
        );
        assert_eq!(menu(&[], 0).validate(today), Err(MenuError::NoItems));
        assert!(matches!(
            menu(&[("a", true)], 1).validate(today),
            Err(MenuError::TooManyOptional { .. })
        ));
        assert_eq!(
            menu(&[("a", true), ("a", false)], 0).validate(today),
            Err(MenuError::DuplicateItem)
        );
        let mut empty_title = menu(&[("a", true)], 0);
        empty_title.items[0].title = " ".into();
        assert!(matches!(
            empty_title.validate(today),
            Err(MenuError::Field(_))
        ));
        let mut old = menu(&[("a", true)], 0);
        old.month = m("2020-01");
        assert!(matches!(
            old.validate(today),
            Err(MenuError::MonthTooEarly { .. })
        ));
        old.month = m("2026-10");
        assert_eq!(old.validate(today), Ok(()), "last month may still be fixed");
    }

    #[test]
    fn copy_for_next_month_is_a_draft() {
        let c = menu(&[("a", true)], 0).copy_for(m("2026-12"), "menu-2".into());
        assert_eq!(
            (c.month, c.published, c.id.as_str()),
            (m("2026-12"), false, "menu-2")
        );
    }
}

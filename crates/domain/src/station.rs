//! What a station's kiosk shows (idle, and for the member who identified),
//! computed from its synced records: the rules of "at this station" and
//! "open for check-in now" in one place, beside those that judge them
//! (`member_code::check_proof`, `menu_ops::check_in_at_kiosk`).

use crate::activity::Activity;
use crate::auth::Actor;
use crate::credits::{Reward, Wish, WishStatus};
use crate::ledger::Hold;
use crate::menu_ops::{self, CHECKIN_MARGIN};
use crate::replica::Records;
use crate::{Month, Org};

/// How far ahead the idle screen lists activities.
pub const AHEAD_SECS: i64 = 7 * 24 * 3600;

/// The idle screen: the station and what is on there.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Board {
    /// The org the kiosk is stationed at (its station's).
    pub station: Option<Org>,
    /// This month's theme there (a published menu).
    pub theme: Option<String>,
    /// Not cancelled, not over, starting within [`AHEAD_SECS`]; by start.
    pub activities: Vec<Activity>,
    pub wishes: Vec<Wish>,
    /// The station's own goods (merchants' rewards are redeemed at the
    /// merchant), in stock.
    pub rewards: Vec<Reward>,
}

fn stationed(actor: &Actor, view: &Records, org_id: &str) -> bool {
    view.orgs.get(org_id).is_some_and(|o| actor.stationed_at(o))
}

/// Whether a member may check in to `a` at `now` (the server's window).
pub fn open_for_check_in(a: &Activity, now: i64) -> bool {
    !a.cancelled && menu_ops::in_check_in_window(a, now)
}

impl Board {
    pub fn of(actor: &Actor, view: &Records, month: Month, now: i64) -> Board {
        let station = actor
            .station_scopes()
            .first()
            .and_then(|p| view.orgs.values().find(|o| &o.path == p).cloned());
        let theme = station.as_ref().and_then(|s| {
            view.menus()
                .values()
                .filter(|m| m.published && m.month == month)
                .find(|m| m.org_id == s.id)
                .map(|m| m.theme_title.clone())
        });
        let mut activities: Vec<Activity> = view
            .activities()
            .values()
            .filter(|a| stationed(actor, view, &a.org_id))
            .filter(|a| !a.cancelled && a.ends_at() + CHECKIN_MARGIN >= now)
            .filter(|a| a.starts_at <= now + AHEAD_SECS)
            .cloned()
            .collect();
        crate::order::sort_by_key(&mut activities, |a| a.starts_at);
        let wishes = view
            .wishes()
            .values()
            .filter(|w| w.status == WishStatus::Open && stationed(actor, view, &w.org_id))
            .cloned()
            .collect();
        let rewards = view
            .rewards()
            .values()
            .filter(|r| r.active && r.merchant.is_none() && r.left() > 0)
            .filter(|r| stationed(actor, view, &r.org_id))
            .cloned()
            .collect();
        Board {
            station,
            theme,
            activities,
            wishes,
            rewards,
        }
    }
}

/// The member's holds this kiosk may spend from at `now`: hers, for this
/// device, with something left. Nobody else's is ever listed.
pub fn holds_for(view: &Records, member_id: &str, device: &str, now: i64) -> Vec<Hold> {
    view.holds()
        .values()
        .filter(|h| h.member_id == member_id && h.device_id == device)
        .filter(|h| h.usable_at(now) && h.remaining(now) > 0)
        .cloned()
        .collect()
}

/// Whether the member has checked in to the activity (as this kiosk knows).
pub fn checked_in(view: &Records, member_id: &str, activity_id: &str) -> bool {
    view.checkins()
        .values()
        .any(|c| c.activity_id == activity_id && c.member_id == member_id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::Doc;
    use crate::{OrgKind, RoleKind, ScopedRole};

    const NOW: i64 = 1_780_000_000;

    fn org(id: &str, path: &str) -> Org {
        Org {
            id: id.into(),
            parent_id: None,
            name: id.into(),
            kind: OrgKind::Branch,
            joint: false,
            area: None,
            place: None,
            path: path.into(),
        }
    }

    fn activity(id: &str, org: &str, starts_at: i64, cancelled: bool) -> Doc {
        let a = serde_json::json!({
            "id": id, "menu_id": "menu", "item_id": "i", "org_id": org,
            "title": id, "starts_at": starts_at, "minutes": 60,
            "place": "驿站", "mode": "menu", "cancelled": cancelled,
        });
        Doc::Activity(serde_json::from_value(a).expect("activity"))
    }

    #[test]
    fn the_board_lists_this_stations_coming_activities_and_nothing_else() {
        let mut r = Records::default();
        r.orgs.insert("b1".into(), org("b1", "/c/b1/"));
        r.orgs.insert("g1".into(), org("g1", "/c/b1/g1/"));
        r.orgs.insert("b2".into(), org("b2", "/c/b2/"));
        for d in [
            activity("later", "g1", NOW + 3 * 3600, false),
            activity("now", "b1", NOW - 600, false),
            activity("over", "b1", NOW - 5 * 3600, false),
            activity("cancelled", "b1", NOW, true),
            activity("far", "b1", NOW + AHEAD_SECS + 60, false),
            activity("elsewhere", "b2", NOW, false),
        ] {
            r.put_doc(d);
        }
        let kiosk = Actor {
            account_id: "k".into(),
            member_id: None,
            member_org_path: None,
            roles: vec![ScopedRole {
                kind: RoleKind::Kiosk,
                org_path: Some("/c/b1/".into()),
            }],
        };
        let month = Month::from_unix(NOW).expect("month");
        let b = Board::of(&kiosk, &r, month, NOW);
        assert_eq!(b.station.map(|o| o.id).as_deref(), Some("b1"));
        let ids: Vec<&str> = b.activities.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, ["now", "later"]);
        assert!(open_for_check_in(&b.activities[0], NOW));
        assert!(!open_for_check_in(&b.activities[1], NOW));
    }
}

//! Documents: the records of menus, activities, sign-ups and check-ins, as
//! one sum type so that sync, storage and scopes treat them alike.

use serde::{Deserialize, Serialize};

use crate::activity::{Activity, Signup};
use crate::checkin::CheckIn;
use crate::credits::{CreditRules, Pledge, Redemption, Reward, Wish};
use crate::ledger::{Hold, LedgerEntry, Wallet};
use crate::meeting::{Meeting, MeetingRules};
use crate::member_card::MemberCard;
use crate::member_code::{CodeUse, MemberKey};
use crate::menu::MonthlyMenu;
use crate::study::{Course, Reflection};
use crate::{Actor, Org};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Doc {
    Menu(MonthlyMenu),
    Activity(Activity),
    Signup(Signup),
    CheckIn(CheckIn),
    /// A volunteer credits entry, private to its member.
    Entry(LedgerEntry),
    /// A member's balance, kept with the entries.
    Wallet(Wallet),
    /// Credits reserved for a station device's offline redemptions.
    Hold(Hold),
    Reward(Reward),
    Redemption(Redemption),
    Pledge(Pledge),
    Wish(Wish),
    /// A committee's credit rules (rate, year-end expiry).
    Rules(CreditRules),
    /// A 三会一课 record.
    Meeting(Meeting),
    /// A committee's required meeting counts.
    MeetingRules(MeetingRules),
    /// A course of lessons with their self-checks.
    Course(Course),
    /// A member's 学习心得, private to them and their organisers.
    Reflection(Reflection),
    /// A member's public key for 我的党员码 (given to their orgs' kiosks).
    MemberKey(MemberKey),
    MemberCard(MemberCard),
    /// A member's code as a kiosk session used it (replay memory).
    CodeUse(CodeUse),
}

impl Doc {
    pub fn id(&self) -> &str {
        match self {
            Doc::Menu(m) => &m.id,
            Doc::Activity(a) => &a.id,
            Doc::Signup(s) => &s.id,
            Doc::CheckIn(c) => &c.id,
            Doc::Entry(e) => &e.id,
            Doc::Wallet(w) => &w.id,
            Doc::Hold(h) => &h.id,
            Doc::Reward(r) => &r.id,
            Doc::Redemption(r) => &r.id,
            Doc::Pledge(p) => &p.id,
            Doc::Wish(w) => &w.id,
            Doc::Rules(r) => &r.id,
            Doc::Meeting(m) => &m.id,
            Doc::MeetingRules(r) => &r.id,
            Doc::Course(c) => &c.id,
            Doc::Reflection(r) => &r.id,
            Doc::MemberKey(k) => &k.id,
            Doc::MemberCard(c) => &c.id,
            Doc::CodeUse(u) => &u.id,
        }
    }

    /// Stable name of the kind, as stored.
    pub fn kind(&self) -> &'static str {
        match self {
            Doc::Menu(_) => "menu",
            Doc::Activity(_) => "activity",
            Doc::Signup(_) => "signup",
            Doc::CheckIn(_) => "checkin",
            Doc::Entry(_) => "entry",
            Doc::Wallet(_) => "wallet",
            Doc::Hold(_) => "hold",
            Doc::Reward(_) => "reward",
            Doc::Redemption(_) => "redemption",
            Doc::Pledge(_) => "pledge",
            Doc::Wish(_) => "wish",
            Doc::Rules(_) => "rules",
            Doc::Meeting(_) => "meeting",
            Doc::MeetingRules(_) => "meeting_rules",
            Doc::Course(_) => "course",
            Doc::Reflection(_) => "reflection",
            Doc::MemberKey(_) => "member_key",
            Doc::MemberCard(_) => "member_card",
            Doc::CodeUse(_) => "code_use",
        }
    }

    /// The org whose scope the document belongs to.
    pub fn org_id(&self) -> &str {
        match self {
            Doc::Menu(m) => &m.org_id,
            Doc::Activity(a) => &a.org_id,
            Doc::Signup(s) => &s.org_id,
            Doc::CheckIn(c) => &c.org_id,
            Doc::Entry(e) => &e.org_id,
            Doc::Wallet(w) => &w.org_id,
            Doc::Hold(h) => &h.org_id,
            Doc::Reward(r) => &r.org_id,
            Doc::Redemption(r) => &r.org_id,
            Doc::Pledge(p) => &p.org_id,
            Doc::Wish(w) => &w.org_id,
            Doc::Rules(r) => &r.org_id,
            Doc::Meeting(m) => &m.org_id,
            Doc::MeetingRules(r) => &r.org_id,
            Doc::Course(c) => &c.org_id,
            Doc::Reflection(r) => &r.org_id,
            Doc::MemberKey(k) => &k.org_id,
            Doc::MemberCard(c) => &c.org_id,
            Doc::CodeUse(u) => &u.org_id,
        }
    }

    /// What it hangs under: a menu's month, an activity's menu, a sign-up's
    /// or a check-in's activity. Stores index it.
    pub fn parent(&self) -> String {
        match self {
            Doc::Menu(m) => m.month.to_string(),
            Doc::Activity(a) => a.menu_id.clone(),
            Doc::Signup(s) => s.activity_id.clone(),
            Doc::CheckIn(c) => c.activity_id.clone(),
            Doc::Entry(e) => e.member_id.clone(),
            Doc::Wallet(w) => w.member_id.clone(),
            Doc::Hold(h) => h.member_id.clone(),
            Doc::Redemption(r) => r.member_id.clone(),
            Doc::Pledge(p) => p.member_id.clone(),
            Doc::Reward(r) => r.org_id.clone(),
            Doc::Wish(w) => w.org_id.clone(),
            Doc::Rules(r) => r.org_id.clone(),
            Doc::Meeting(m) => m.org_id.clone(),
            Doc::MeetingRules(r) => r.org_id.clone(),
            Doc::Course(c) => c.org_id.clone(),
            Doc::Reflection(r) => r.member_id.clone(),
            Doc::MemberKey(k) => k.member_id.clone(),
            Doc::MemberCard(c) => c.member_id.clone(),
            Doc::CodeUse(u) => u.member_id.clone(),
        }
    }

    /// The members a private document is about; public ones have none.
    pub fn people(&self) -> Vec<&str> {
        match self {
            Doc::Menu(_)
            | Doc::Activity(_)
            | Doc::Reward(_)
            | Doc::Pledge(_)
            | Doc::Wish(_)
            | Doc::Rules(_)
            | Doc::Meeting(_)
            | Doc::MeetingRules(_)
            | Doc::Course(_) => {
                vec![]
            }
            Doc::Signup(s) => {
                let mut v: Vec<&str> = s.members.iter().map(String::as_str).collect();
                v.push(&s.member_id);
                v
            }
            Doc::CheckIn(c) => vec![&c.member_id],
            Doc::Entry(e) => vec![&e.member_id],
            Doc::Wallet(w) => vec![&w.member_id],
            Doc::Hold(h) => vec![&h.member_id],
            Doc::Redemption(r) => vec![&r.member_id],
            Doc::Reflection(r) => vec![&r.member_id],
            Doc::MemberKey(k) => vec![&k.member_id],
            Doc::MemberCard(c) => vec![&c.member_id],
            Doc::CodeUse(u) => vec![&u.member_id],
        }
    }

    /// Accounts without a member record that a document is also for: the
    /// station device a hold is for, the merchant of a reward or redemption.
    pub fn accounts(&self) -> Vec<&str> {
        match self {
            Doc::Hold(h) => vec![&h.device_id],
            Doc::CodeUse(u) => vec![&u.device_id],
            Doc::Reward(r) => r.merchant.iter().map(String::as_str).collect(),
            Doc::Redemption(r) => r.merchant.iter().map(String::as_str).collect(),
            _ => vec![],
        }
    }

    /// The orgs a public document is for (empty: its org alone).
    pub fn audience(&self) -> Vec<&str> {
        let (list, org) = match self {
            Doc::Menu(m) => (&m.audience, &m.org_id),
            Doc::Activity(a) => (&a.audience, &a.org_id),
            Doc::Reward(r) => return vec![r.org_id.as_str()],
            Doc::Pledge(p) => return vec![p.org_id.as_str()],
            Doc::Wish(w) => return vec![w.org_id.as_str()],
            Doc::Rules(r) => return vec![r.org_id.as_str()],
            Doc::Meeting(m) => return vec![m.org_id.as_str()],
            Doc::MeetingRules(r) => return vec![r.org_id.as_str()],
            Doc::Course(c) => return c.audience_or_own(),
            Doc::Signup(_)
            | Doc::CheckIn(_)
            | Doc::Entry(_)
            | Doc::Wallet(_)
            | Doc::Hold(_)
            | Doc::Redemption(_)
            | Doc::Reflection(_)
            | Doc::MemberKey(_)
            | Doc::MemberCard(_)
            | Doc::CodeUse(_) => return vec![],
        };
        if list.is_empty() {
            vec![org.as_str()]
        } else {
            list.iter().map(String::as_str).collect()
        }
    }

    /// Menus and activities are for everyone they apply to; sign-ups and
    /// check-ins only for the people in them and their organisers.
    pub fn is_private(&self) -> bool {
        matches!(
            self,
            Doc::Signup(_)
                | Doc::CheckIn(_)
                | Doc::Entry(_)
                | Doc::Wallet(_)
                | Doc::Hold(_)
                | Doc::Redemption(_)
                | Doc::Reflection(_)
                | Doc::MemberKey(_)
                | Doc::MemberCard(_)
                | Doc::CodeUse(_)
        )
    }
}

impl Actor {
    /// The copy of `doc` (of `org`, for the orgs at `audience_paths`) this
    /// actor may see, or `None`. Organisers see everything in their scope;
    /// members see the menus and activities meant for their org (its own,
    /// those of the orgs above it, their alliances'), and their own sign-ups
    /// and check-ins. Check-in secrets and unpublished menus stay with
    /// organisers.
    pub fn view_of_doc(&self, doc: &Doc, org: &Org, audience_paths: &[&str]) -> Option<Doc> {
        // A redemption's code is the member's alone: whoever else sees it
        // confirms against the hash.
        let doc = match doc {
            Doc::Redemption(r) if !self.is_member(&r.member_id) => Doc::Redemption(Redemption {
                code: None,
                ..r.clone()
            }),
            // The station device a hold is for shows her masked name only:
            // whoever stands at a kiosk sees no full names.
            Doc::Hold(h) if self.account_id == h.device_id => Doc::Hold(Hold {
                member_name: crate::credits::mask_name(&h.member_name),
                ..h.clone()
            }),
            other => other.clone(),
        };
        let doc = &doc;
        if self.manages(org) || doc.accounts().contains(&self.account_id.as_str()) {
            return Some(doc.clone());
        }
        // A station's kiosks check the codes and cards of its members offline.
        if matches!(doc, Doc::MemberKey(_) | Doc::MemberCard(_)) && self.stationed_at(org) {
            return Some(doc.clone());
        }
        if doc.is_private() {
            let me = self.member_id.as_deref()?;
            return doc.people().contains(&me).then(|| doc.clone());
        }
        let meant_for_me = self
            .own_paths()
            .iter()
            .any(|p| audience_paths.iter().any(|a| p.starts_with(a)));
        if !meant_for_me {
            return None;
        }
        Some(match doc {
            Doc::Activity(a) => Doc::Activity(Activity {
                secret: None,
                ..a.clone()
            }),
            // Others' attendance lines and leave reasons stay with the
            // secretary.
            Doc::Meeting(m) => Doc::Meeting(m.for_member(self.member_id.as_deref().unwrap_or(""))),
            // Drafts stay with the organisers.
            Doc::Course(c) if !c.published => return None,
            Doc::Menu(m) if !m.published => Doc::Menu(MonthlyMenu {
                theme_description: None,
                items: vec![],
                ..m.clone()
            }),
            other => other.clone(),
        })
    }
}

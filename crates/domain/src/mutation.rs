//! Mutations: the only way data changes, on the client (optimistically) and on
//! the server (for real), through the same `apply`.
//!
//! Names carry a version (`profile.update@1`): a changed meaning gets a new
//! name, and servers keep accepting the old one while clients still send it.

use crate::refusal::Field;
use serde::{Deserialize, Serialize};

use crate::auth::Actor;
use crate::credit_ops::{self, Award, NewPledge, NewWish, PlaceHold, Redeem, Reverse};
use crate::credits::{CreditRules, Reward};
use crate::doc::Doc;
use crate::ledger::LedgerError;
use crate::member::{MemberPatch, ProfilePatch};
use crate::menu::MonthlyMenu;
use crate::menu_ops::{self, ActivityDraft, HandCheckIn, NewCheckIn, NewSignup};
use crate::refusal::{Reason, Thing, Why};
use crate::validate::{self, FieldError};
use crate::{Area, ManagementMode, Member, MemberStatus, Month, Org, OrgKind};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    /// A member edits their own profile.
    #[serde(rename = "profile.update@1")]
    UpdateProfile(ProfilePatch),
    /// A secretary (or committee staff) edits a member of an org they manage.
    #[serde(rename = "member.update@1")]
    UpdateMember {
        member_id: String,
        patch: MemberPatch,
    },
    /// A secretary adds a member to an org they manage (党员找组织 approved).
    #[serde(rename = "member.add@1")]
    AddMember(NewMember),
    /// Committee staff create an org under one they manage.
    #[serde(rename = "org.create@1")]
    CreateOrg(NewOrg),
    #[serde(rename = "org.rename@1")]
    RenameOrg { org_id: String, name: String },
    /// Moves an org (and its subtree) under another parent.
    #[serde(rename = "org.move@1")]
    MoveOrg {
        org_id: String,
        new_parent_id: String,
    },
    /// Creates or edits a month's menu (draft or published alike).
    #[serde(rename = "menu.save@1")]
    SaveMenu(MonthlyMenu),
    #[serde(rename = "menu.publish@1")]
    PublishMenu { menu_id: String, published: bool },
    #[serde(rename = "activity.save@1")]
    SaveActivity(ActivityDraft),
    #[serde(rename = "activity.cancel@1")]
    CancelActivity { activity_id: String },
    #[serde(rename = "signup.create@1")]
    SignUp(NewSignup),
    #[serde(rename = "signup.cancel@1")]
    CancelSignup { signup_id: String },
    /// The organiser approves or declines a sign-up that needs approval.
    #[serde(rename = "signup.decide@1")]
    DecideSignup { signup_id: String, approve: bool },
    /// A member checks in with the code on the organiser's screen.
    #[serde(rename = "checkin.code@1")]
    CheckIn(NewCheckIn),
    /// The organiser checks a member in by hand, with a note.
    #[serde(rename = "checkin.hand@1")]
    CheckInByHand(HandCheckIn),
    /// Check-out, for activities that count hours: the member with the
    /// current code, or the organiser without.
    #[serde(rename = "checkin.out@1")]
    CheckOut {
        checkin_id: String,
        at: i64,
        #[serde(default)]
        code: Option<String>,
    },
    /// A secretary awards or deducts credits by hand, with a reason.
    #[serde(rename = "credit.award@1")]
    AwardCredits(Award),
    /// Corrects an entry by its exact opposite.
    #[serde(rename = "credit.reverse@1")]
    ReverseEntry(Reverse),
    #[serde(rename = "reward.save@1")]
    SaveReward(Reward),
    #[serde(rename = "reward.redeem@1")]
    Redeem(Redeem),
    /// The merchant or station hands the reward over on the member's code.
    #[serde(rename = "redemption.confirm@1")]
    ConfirmRedemption { redemption_id: String, code: String },
    #[serde(rename = "hold.place@1")]
    PlaceHold(PlaceHold),
    #[serde(rename = "hold.release@1")]
    ReleaseHold { hold_id: String },
    #[serde(rename = "pledge.save@1")]
    SavePledge(NewPledge),
    #[serde(rename = "wish.post@1")]
    PostWish(NewWish),
    #[serde(rename = "wish.claim@1")]
    ClaimWish { wish_id: String },
    #[serde(rename = "wish.fulfil@1")]
    FulfilWish {
        wish_id: String,
        #[serde(default)]
        note: String,
    },
    #[serde(rename = "wish.confirm@1")]
    ConfirmWish { wish_id: String },
    /// Committee staff set the rate and year-end expiry for their subtree.
    #[serde(rename = "credit.rules@1")]
    SetCreditRules(CreditRules),
    /// Year-end expiry of a member's unspent credits, where the rules say so.
    #[serde(rename = "credit.expire@1")]
    ExpireCredits { member_id: String, year: u16 },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewMember {
    /// Made by the client (UUID), so the optimistic record and the server's agree.
    pub id: String,
    pub org_id: String,
    pub name: String,
    pub status: MemberStatus,
    pub mode: ManagementMode,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub workplace: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewOrg {
    pub id: String,
    pub parent_id: String,
    pub name: String,
    pub kind: OrgKind,
    #[serde(default)]
    pub joint: bool,
    #[serde(default)]
    pub area: Option<Area>,
    #[serde(default)]
    pub place: Option<String>,
}

/// Why a mutation was refused. Displayed in Chinese (the server's log and
/// stored message); [`Rejection::reason`] is the same refusal for the app to
/// render in the reader's language.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("{0}")]
    Invalid(#[from] FieldError),
    #[error("找不到该{0}")]
    NotFound(Thing),
    #[error("没有权限：{0}")]
    Forbidden(Why),
    #[error("{0}")]
    Conflict(Why),
    #[error("{0}")]
    Ledger(#[from] LedgerError),
    /// A check-in or check-out code that is not the activity's for that
    /// time; the server counts these to stop guessing.
    #[error("签到码不正确或已过期")]
    WrongCode,
}

impl Rejection {
    /// The refusal as a key and parameters (`crate::refusal`).
    pub fn reason(&self) -> Reason {
        match self {
            Rejection::Invalid(f) => f.reason(),
            Rejection::NotFound(t) => Reason::new("not_found").with("thing", t.key()),
            Rejection::Forbidden(w) | Rejection::Conflict(w) => Reason::new(w.key()),
            Rejection::Ledger(e) => e.reason(),
            Rejection::WrongCode => Reason::new("wrong_code"),
        }
    }

    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Rejection::Invalid(_) => "invalid",
            Rejection::NotFound(_) => "not_found",
            Rejection::Forbidden(_) => "forbidden",
            Rejection::Conflict(_) => "conflict",
            Rejection::WrongCode => "wrong_code",
            Rejection::Ledger(LedgerError::BadAmount | LedgerError::ReasonRequired) => "invalid",
            Rejection::Ledger(LedgerError::Field(_)) => "invalid",
            Rejection::Ledger(_) => "conflict",
        }
    }
}

/// Read access to the current records, however they are stored.
pub trait View {
    fn org(&self, id: &str) -> Option<Org>;
    fn member(&self, id: &str) -> Option<Member>;
    /// Every org strictly below `org` (for moves).
    fn descendants(&self, org: &Org) -> Vec<Org>;
    /// A menu, activity, sign-up or check-in by id.
    fn doc(&self, id: &str) -> Option<Doc>;
    /// The org's menu for `month` (its own, or the alliance's it hosts).
    fn menu_for(&self, org_id: &str, month: Month, alliance: Option<&str>) -> Option<MonthlyMenu>;
    fn alliance(&self, id: &str) -> Option<crate::Alliance>;
    /// Every sign-up of the activity this view holds.
    fn signups_of(&self, activity_id: &str) -> Vec<crate::activity::Signup>;
    /// The activities of a menu this view holds.
    fn activities_of(&self, menu_id: &str) -> Vec<crate::activity::Activity>;
    /// Every check-in of the activity this view holds.
    fn checkins_of(&self, activity_id: &str) -> Vec<crate::checkin::CheckIn>;
    /// Every hold on the member's credits this view holds.
    fn holds_of(&self, member_id: &str) -> Vec<crate::ledger::Hold>;
    /// Whether activities here carry their check-in secrets (the server's
    /// view); a device's copies do not and cannot judge a code.
    fn holds_secrets(&self) -> bool;
}

/// A record to write (insert or replace).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Write {
    Org(Org),
    Member(Member),
    Doc(Doc),
}

/// Records a mutation reads, so a store can load just those before `apply`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Touches {
    pub orgs: Vec<String>,
    pub members: Vec<String>,
    /// Whether `apply` needs the descendants of the first org.
    pub subtree: bool,
    /// Documents by id; with an activity (or a sign-up's or check-in's) the
    /// store also loads its sign-ups, check-ins and org.
    pub docs: Vec<String>,
    /// An org's menu for a month (and the alliance, for a joint menu).
    pub menu_slot: Option<(String, Month, Option<String>)>,
    pub alliances: Vec<String>,
    /// Members whose wallet and holds are read (the store also loads them
    /// for the members of loaded check-ins, entries and claimed wishes).
    pub wallets: Vec<String>,
}

impl Touches {
    /// More records than any mutation needs (a group sign-up of
    /// `menu_ops::MAX_GROUP` plus its activity and leader is far below).
    pub const MAX_RECORDS: usize = 128;
    /// Derived document ids (`wish-…`, `expire-2026-…`) are longer than ids.
    const MAX_DOC_ID: usize = 128;

    /// Checks every id before anything is loaded: the store may send them
    /// to a database as they are, and a mutation naming 60,000 members must
    /// cost nothing.
    pub fn check(&self) -> Result<(), Rejection> {
        let count = self.orgs.len()
            + self.members.len()
            + self.docs.len()
            + self.alliances.len()
            + self.wallets.len();
        if count > Self::MAX_RECORDS {
            return Err(Rejection::Conflict(Why::TooManyRecords));
        }
        let ids = self
            .orgs
            .iter()
            .chain(&self.members)
            .chain(&self.alliances)
            .chain(&self.wallets)
            .chain(self.menu_slot.iter().map(|(org, _, _)| org))
            .chain(self.menu_slot.iter().filter_map(|(_, _, a)| a.as_ref()));
        for id in ids {
            // Empty: an actor without a member record; it loads nothing.
            if !id.is_empty() {
                validate::id(Field::Id, id)?;
            }
        }
        for doc in &self.docs {
            validate::id_up_to(Field::Id, doc, Self::MAX_DOC_ID)?;
        }
        Ok(())
    }
}

impl Op {
    /// What the mutation touches, checked (`Touches::check`): the server
    /// loads nothing for a mutation that fails here.
    pub fn checked_touches(&self, actor: &Actor) -> Result<Touches, Rejection> {
        let t = self.touches(actor);
        t.check()?;
        Ok(t)
    }

    pub fn name(&self) -> &'static str {
        match self {
            Op::UpdateProfile(_) => "profile.update@1",
            Op::UpdateMember { .. } => "member.update@1",
            Op::AddMember(_) => "member.add@1",
            Op::CreateOrg(_) => "org.create@1",
            Op::RenameOrg { .. } => "org.rename@1",
            Op::MoveOrg { .. } => "org.move@1",
            Op::SaveMenu(_) => "menu.save@1",
            Op::PublishMenu { .. } => "menu.publish@1",
            Op::SaveActivity(_) => "activity.save@1",
            Op::CancelActivity { .. } => "activity.cancel@1",
            Op::SignUp(_) => "signup.create@1",
            Op::CancelSignup { .. } => "signup.cancel@1",
            Op::DecideSignup { .. } => "signup.decide@1",
            Op::CheckIn(_) => "checkin.code@1",
            Op::CheckInByHand(_) => "checkin.hand@1",
            Op::CheckOut { .. } => "checkin.out@1",
            Op::AwardCredits(_) => "credit.award@1",
            Op::ReverseEntry(_) => "credit.reverse@1",
            Op::SaveReward(_) => "reward.save@1",
            Op::Redeem(_) => "reward.redeem@1",
            Op::ConfirmRedemption { .. } => "redemption.confirm@1",
            Op::PlaceHold(_) => "hold.place@1",
            Op::ReleaseHold { .. } => "hold.release@1",
            Op::SavePledge(_) => "pledge.save@1",
            Op::PostWish(_) => "wish.post@1",
            Op::ClaimWish { .. } => "wish.claim@1",
            Op::FulfilWish { .. } => "wish.fulfil@1",
            Op::ConfirmWish { .. } => "wish.confirm@1",
            Op::SetCreditRules(_) => "credit.rules@1",
            Op::ExpireCredits { .. } => "credit.expire@1",
        }
    }

    pub fn touches(&self, actor: &Actor) -> Touches {
        let t = |orgs: &[&str], members: &[&str], subtree| Touches {
            orgs: orgs.iter().map(|s| s.to_string()).collect(),
            members: members.iter().map(|s| s.to_string()).collect(),
            subtree,
            ..Touches::default()
        };
        let me = actor.member_id.as_deref().unwrap_or_default();
        let d = |orgs: &[&str], members: &[&str], docs: &[&str]| Touches {
            docs: docs.iter().map(|s| s.to_string()).collect(),
            ..t(orgs, members, false)
        };
        match self {
            Op::UpdateProfile(_) => t(
                &[],
                &[actor.member_id.as_deref().unwrap_or_default()],
                false,
            ),
            Op::UpdateMember { member_id, .. } => t(&[], &[member_id], false),
            Op::AddMember(m) => t(&[&m.org_id], &[&m.id], false),
            Op::CreateOrg(o) => t(&[&o.parent_id, &o.id], &[], false),
            Op::RenameOrg { org_id, .. } => t(&[org_id], &[], false),
            Op::MoveOrg {
                org_id,
                new_parent_id,
            } => t(&[org_id, new_parent_id], &[], true),
            Op::SaveMenu(m) => Touches {
                menu_slot: Some((m.org_id.clone(), m.month, m.alliance_id.clone())),
                alliances: m.alliance_id.iter().cloned().collect(),
                ..d(&[&m.org_id], &[], &[&m.id])
            },
            Op::PublishMenu { menu_id, .. } => d(&[], &[], &[menu_id]),
            Op::SaveActivity(a) => d(&[], &[], &[&a.menu_id, &a.id]),
            Op::CancelActivity { activity_id } => d(&[], &[], &[activity_id]),
            Op::SignUp(n) => {
                let mut members: Vec<&str> = n.members.iter().map(String::as_str).collect();
                members.push(me);
                d(&[], &members, &[&n.id, &n.activity_id])
            }
            Op::CancelSignup { signup_id } | Op::DecideSignup { signup_id, .. } => {
                d(&[], &[], &[signup_id])
            }
            Op::CheckIn(n) => d(&[], &[me], &[&n.id, &n.activity_id]),
            Op::CheckInByHand(h) => d(&[], &[&h.member_id], &[&h.id, &h.activity_id]),
            Op::CheckOut { checkin_id, .. } => d(&[], &[], &[checkin_id]),
            Op::AwardCredits(a) => Touches {
                wallets: vec![a.member_id.clone()],
                ..d(&[], &[&a.member_id], &[&a.id])
            },
            Op::ReverseEntry(r) => d(&[], &[], &[&r.entry_id, &r.id]),
            Op::SaveReward(r) => d(&[&r.org_id], &[], &[&r.id]),
            Op::Redeem(r) => {
                let mut docs = vec![r.reward_id.as_str(), &r.id];
                docs.extend(r.hold_id.as_deref());
                let entry = format!("redeem-{}", r.id);
                docs.push(&entry);
                Touches {
                    wallets: vec![r.member_id.clone()],
                    ..d(&[], &[&r.member_id], &docs)
                }
            }
            Op::ConfirmRedemption { redemption_id, .. } => d(&[], &[], &[redemption_id]),
            Op::PlaceHold(h) => Touches {
                wallets: vec![me.to_owned()],
                ..d(&[], &[me], &[&h.id])
            },
            Op::ReleaseHold { hold_id } => d(&[], &[], &[hold_id]),
            Op::SavePledge(p) => d(&[], &[me], &[&p.id]),
            Op::PostWish(w) => d(&[&w.org_id], &[], &[&w.id]),
            Op::ClaimWish { wish_id } => d(&[], &[me], &[wish_id]),
            Op::FulfilWish { wish_id, .. } | Op::ConfirmWish { wish_id } => {
                d(&[], &[], &[wish_id, &format!("wish-{wish_id}")])
            }
            Op::SetCreditRules(r) => d(&[&r.org_id], &[], &[&r.id]),
            Op::ExpireCredits { member_id, year } => Touches {
                wallets: vec![member_id.clone()],
                ..d(&[], &[member_id], &[&format!("expire-{year}-{member_id}")])
            },
        }
    }
}

fn org_of_member(view: &impl View, m: &Member) -> Result<Org, Rejection> {
    view.org(&m.org_id).ok_or(Rejection::NotFound(Thing::Org))
}

fn optional_text(field: Field, v: &Option<Option<String>>, max: usize) -> Result<(), FieldError> {
    match v {
        Some(Some(s)) => validate::text(field, s, max),
        _ => Ok(()),
    }
}

fn optional_phone(v: &Option<Option<String>>) -> Result<(), FieldError> {
    match v {
        Some(Some(s)) => validate::phone(Field::Phone, s),
        _ => Ok(()),
    }
}

/// Validates `op` for `actor` against `view` at `now` (seconds since the
/// epoch) and returns what to write. Pure: the caller writes the records, in
/// its own transaction.
pub fn apply(actor: &Actor, op: &Op, view: &impl View, now: i64) -> Result<Vec<Write>, Rejection> {
    match op {
        Op::SaveMenu(m) => menu_ops::save_menu(actor, m, view, now),
        Op::PublishMenu { menu_id, published } => {
            menu_ops::publish_menu(actor, menu_id, *published, view)
        }
        Op::SaveActivity(a) => menu_ops::save_activity(actor, a, view),
        Op::CancelActivity { activity_id } => menu_ops::cancel_activity(actor, activity_id, view),
        Op::SignUp(n) => menu_ops::sign_up(actor, n, view, now),
        Op::CancelSignup { signup_id } => menu_ops::cancel_signup(actor, signup_id, view),
        Op::DecideSignup { signup_id, approve } => {
            menu_ops::decide_signup(actor, signup_id, *approve, view)
        }
        Op::CheckIn(n) => menu_ops::check_in(actor, n, view, now),
        Op::CheckInByHand(h) => menu_ops::check_in_by_hand(actor, h, view, now),
        Op::CheckOut {
            checkin_id,
            at,
            code,
        } => menu_ops::check_out(actor, checkin_id, code.as_deref(), *at, view, now),
        Op::AwardCredits(a) => credit_ops::award(actor, a, view, now),
        Op::ReverseEntry(r) => credit_ops::reverse(actor, r, view, now),
        Op::SaveReward(r) => credit_ops::save_reward(actor, r, view),
        Op::Redeem(r) => credit_ops::redeem(actor, r, view, now),
        Op::ConfirmRedemption {
            redemption_id,
            code,
        } => credit_ops::confirm_redemption(actor, redemption_id, code, view, now),
        Op::PlaceHold(h) => credit_ops::place_hold(actor, h, view, now),
        Op::ReleaseHold { hold_id } => credit_ops::release_hold(actor, hold_id, view),
        Op::SavePledge(p) => credit_ops::save_pledge(actor, p, view, now),
        Op::PostWish(w) => credit_ops::post_wish(actor, w, view, now),
        Op::ClaimWish { wish_id } => credit_ops::claim_wish(actor, wish_id, view),
        Op::FulfilWish { wish_id, note } => credit_ops::fulfil_wish(actor, wish_id, note, view),
        Op::ConfirmWish { wish_id } => credit_ops::confirm_wish(actor, wish_id, view, now),
        Op::SetCreditRules(r) => credit_ops::set_rules(actor, r, view),
        Op::ExpireCredits { member_id, year } => {
            credit_ops::expire(actor, member_id, *year, view, now)
        }
        Op::UpdateProfile(patch) => {
            let me = actor
                .member_id
                .as_deref()
                .ok_or(Rejection::Forbidden(Why::NoMemberProfile))?;
            let mut m = view.member(me).ok_or(Rejection::NotFound(Thing::Member))?;
            optional_phone(&patch.phone)?;
            optional_text(
                Field::Workplace,
                &patch.workplace,
                Member::MAX_WORKPLACE_CHARS,
            )?;
            patch.apply_to(&mut m);
            Ok(vec![Write::Member(m)])
        }
        Op::UpdateMember { member_id, patch } => {
            let mut m = view
                .member(member_id)
                .ok_or(Rejection::NotFound(Thing::Member))?;
            let org = org_of_member(view, &m)?;
            if !actor.manages(&org) {
                return Err(Rejection::Forbidden(Why::OnlyOwnOrgMemberEdit));
            }
            if let Some(name) = &patch.name {
                validate::text(Field::Name, name, Member::MAX_NAME_CHARS)?;
            }
            optional_phone(&patch.phone)?;
            optional_text(
                Field::Workplace,
                &patch.workplace,
                Member::MAX_WORKPLACE_CHARS,
            )?;
            patch.apply_to(&mut m);
            Ok(vec![Write::Member(m)])
        }
        Op::AddMember(n) => {
            let m = Member {
                id: n.id.clone(),
                org_id: n.org_id.clone(),
                name: n.name.clone(),
                status: n.status,
                mode: n.mode,
                phone: n.phone.clone(),
                workplace: n.workplace.clone(),
            };
            m.validate()?;
            let org = view.org(&n.org_id).ok_or(Rejection::NotFound(Thing::Org))?;
            if !matches!(org.kind, OrgKind::Branch | OrgKind::Group) {
                return Err(Rejection::Conflict(Why::MemberBranchOrGroupOnly));
            }
            if !actor.manages(&org) {
                return Err(Rejection::Forbidden(Why::OnlyAddToOwnOrg));
            }
            if view.member(&n.id).is_some() {
                return Err(Rejection::Conflict(Why::MemberIdExists));
            }
            Ok(vec![Write::Member(m)])
        }
        Op::CreateOrg(n) => {
            validate::id(Field::Id, &n.id)?;
            validate::text(Field::Name, &n.name, Org::MAX_NAME_CHARS)?;
            if let Some(p) = &n.place {
                validate::text(Field::Place, p, Org::MAX_NAME_CHARS)?;
            }
            let parent = view
                .org(&n.parent_id)
                .ok_or(Rejection::NotFound(Thing::ParentOrg))?;
            if !actor.shapes_tree_at(&parent) {
                return Err(Rejection::Forbidden(Why::ParentCommitteeCreatesOrg));
            }
            if !parent.kind.may_contain(n.kind) {
                return Err(Rejection::Conflict(Why::ParentCannotCreateKind));
            }
            if view.org(&n.id).is_some() {
                return Err(Rejection::Conflict(Why::OrgIdExists));
            }
            Ok(vec![Write::Org(Org {
                id: n.id.clone(),
                parent_id: Some(parent.id.clone()),
                name: n.name.clone(),
                kind: n.kind,
                joint: n.joint,
                area: n.area,
                place: n.place.clone(),
                path: parent.child_path(&n.id),
            })])
        }
        Op::RenameOrg { org_id, name } => {
            validate::text(Field::Name, name, Org::MAX_NAME_CHARS)?;
            let mut org = view.org(org_id).ok_or(Rejection::NotFound(Thing::Org))?;
            if !actor.shapes_tree_at(&org) {
                return Err(Rejection::Forbidden(Why::ParentCommitteeRenamesOrg));
            }
            org.name = name.clone();
            Ok(vec![Write::Org(org)])
        }
        Op::MoveOrg {
            org_id,
            new_parent_id,
        } => {
            let org = view.org(org_id).ok_or(Rejection::NotFound(Thing::Org))?;
            let parent = view
                .org(new_parent_id)
                .ok_or(Rejection::NotFound(Thing::ParentOrg))?;
            if !actor.shapes_tree_at(&org) || !actor.shapes_tree_at(&parent) {
                return Err(Rejection::Forbidden(Why::OnlyWithinOwnCommittee));
            }
            if org.contains(&parent) {
                return Err(Rejection::Conflict(Why::NoMoveUnderDescendant));
            }
            if !parent.kind.may_contain(org.kind) {
                return Err(Rejection::Conflict(Why::ParentCannotContainKind));
            }
            let old_prefix = org.path.clone();
            let new_prefix = parent.child_path(&org.id);
            let mut writes = vec![Write::Org(Org {
                parent_id: Some(parent.id.clone()),
                path: new_prefix.clone(),
                ..org.clone()
            })];
            for d in view.descendants(&org) {
                let rest = d
                    .path
                    .strip_prefix(&old_prefix)
                    .unwrap_or_default()
                    .to_owned();
                writes.push(Write::Org(Org {
                    path: format!("{new_prefix}{rest}"),
                    ..d
                }));
            }
            Ok(writes)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{RoleKind, ScopedRole};

    const NOW: i64 = 1_795_000_000;

    fn apply_now(actor: &Actor, op: &Op, view: &impl View) -> Result<Vec<Write>, Rejection> {
        apply(actor, op, view, NOW)
    }

    // The client's record set is the view here too.
    use crate::replica::Records as MapView;

    fn org(id: &str, parent: Option<&str>, path: &str, kind: OrgKind) -> Org {
        Org {
            id: id.into(),
            parent_id: parent.map(Into::into),
            name: id.into(),
            kind,
            joint: false,
            area: None,
            place: None,
            path: path.into(),
        }
    }

    fn world() -> MapView {
        let mut v = MapView::default();
        for o in [
            org("c", None, "/c/", OrgKind::Committee),
            org("b1", Some("c"), "/c/b1/", OrgKind::Branch),
            org("g1", Some("b1"), "/c/b1/g1/", OrgKind::Group),
            org("b2", Some("c"), "/c/b2/", OrgKind::Branch),
        ] {
            v.orgs.insert(o.id.clone(), o);
        }
        for (id, o) in [("m1", "b1"), ("m2", "b2")] {
            v.members.insert(
                id.into(),
                Member {
                    id: id.into(),
                    org_id: o.into(),
                    name: id.into(),
                    status: MemberStatus::Full,
                    mode: ManagementMode::Employed,
                    phone: None,
                    workplace: None,
                },
            );
        }
        v
    }

    fn actor(member: Option<&str>, roles: &[(RoleKind, &str)]) -> Actor {
        Actor {
            account_id: "acc".into(),
            member_id: member.map(Into::into),
            member_org_path: member.map(|_| "/c/b1/".into()),
            roles: roles
                .iter()
                .map(|(k, p)| ScopedRole {
                    kind: *k,
                    org_path: Some((*p).into()),
                })
                .collect(),
        }
    }

    #[test]
    fn member_edits_own_profile_only() {
        let v = world();
        let me = actor(Some("m1"), &[(RoleKind::Member, "/c/b1/")]);
        let patch = ProfilePatch {
            phone: Some(Some("13912345678".into())),
            workplace: None,
        };
        let w = apply_now(&me, &Op::UpdateProfile(patch), &v).unwrap();
        assert!(matches!(&w[..], [Write::Member(m)] if m.phone.as_deref() == Some("13912345678")));
        let other = Op::UpdateMember {
            member_id: "m2".into(),
            patch: MemberPatch {
                name: Some("x".into()),
                ..Default::default()
            },
        };
        assert_eq!(apply_now(&me, &other, &v).unwrap_err().code(), "forbidden");
        let bad = ProfilePatch {
            phone: Some(Some("1".repeat(500))),
            workplace: None,
        };
        assert_eq!(
            apply_now(&me, &Op::UpdateProfile(bad), &v)
                .unwrap_err()
                .code(),
            "invalid"
        );
    }

    #[test]
    fn secretary_edits_and_adds_in_own_org() {
        let v = world();
        let sec = actor(None, &[(RoleKind::Secretary, "/c/b1/")]);
        let rename = Op::UpdateMember {
            member_id: "m1".into(),
            patch: MemberPatch {
                name: Some("周婷".into()),
                ..Default::default()
            },
        };
        assert!(apply_now(&sec, &rename, &v).is_ok());
        let far = Op::UpdateMember {
            member_id: "m2".into(),
            patch: MemberPatch {
                name: Some("周婷".into()),
                ..Default::default()
            },
        };
        assert_eq!(apply_now(&sec, &far, &v).unwrap_err().code(), "forbidden");
        let new = |id: &str, org: &str, name: &str| {
            Op::AddMember(NewMember {
                id: id.into(),
                org_id: org.into(),
                name: name.into(),
                status: MemberStatus::Probationary,
                mode: ManagementMode::Mobile,
                phone: None,
                workplace: None,
            })
        };
        assert!(
            apply_now(&sec, &new("m9", "g1", "杨帆"), &v).is_ok(),
            "groups of the branch too"
        );
        assert_eq!(
            apply_now(&sec, &new("m9", "b2", "杨帆"), &v)
                .unwrap_err()
                .code(),
            "forbidden"
        );
        assert_eq!(
            apply_now(&sec, &new("m9", "nope", "杨帆"), &v)
                .unwrap_err()
                .code(),
            "not_found"
        );
        assert_eq!(
            apply_now(&sec, &new("m9", "b1", " "), &v)
                .unwrap_err()
                .code(),
            "invalid"
        );
        assert_eq!(
            apply_now(&sec, &new("m1", "b1", "重复"), &v)
                .unwrap_err()
                .code(),
            "conflict"
        );
        assert_eq!(
            apply_now(&sec, &new("m9", "c", "杨帆"), &v)
                .unwrap_err()
                .code(),
            "conflict"
        );
    }

    #[test]
    fn committee_shapes_the_tree() {
        let v = world();
        let staff = actor(None, &[(RoleKind::Committee, "/c/")]);
        let sec = actor(None, &[(RoleKind::Secretary, "/c/b1/")]);
        let create = Op::CreateOrg(NewOrg {
            id: "b3".into(),
            parent_id: "c".into(),
            name: "福里街区联合党支部".into(),
            kind: OrgKind::Branch,
            joint: true,
            area: Some(Area::BusinessDistrict),
            place: None,
        });
        let w = apply_now(&staff, &create, &v).unwrap();
        assert!(matches!(&w[..], [Write::Org(o)] if o.path == "/c/b3/"));
        assert_eq!(
            apply_now(&sec, &create, &v).unwrap_err().code(),
            "forbidden"
        );

        // Moving b1 under b2 is refused by kind; moving g1 under b2 rewrites its path.
        let mv = Op::MoveOrg {
            org_id: "b1".into(),
            new_parent_id: "b2".into(),
        };
        assert_eq!(apply_now(&staff, &mv, &v).unwrap_err().code(), "conflict");
        let mv = Op::MoveOrg {
            org_id: "g1".into(),
            new_parent_id: "b2".into(),
        };
        let w = apply_now(&staff, &mv, &v).unwrap();
        assert!(
            matches!(&w[..], [Write::Org(o)] if o.path == "/c/b2/g1/" && o.parent_id.as_deref() == Some("b2"))
        );
        let cycle = Op::MoveOrg {
            org_id: "c".into(),
            new_parent_id: "b1".into(),
        };
        assert_eq!(
            apply_now(&staff, &cycle, &v).unwrap_err().code(),
            "conflict"
        );
    }

    #[test]
    fn wire_names_are_versioned() {
        let op = Op::RenameOrg {
            org_id: "c".into(),
            name: "新名称".into(),
        };
        let json = serde_json::to_value(&op).unwrap();
        assert!(json.get("org.rename@1").is_some(), "{json}");
        assert_eq!(op.name(), "org.rename@1");
        assert!(serde_json::from_value::<Op>(serde_json::json!({"org.delete@9": {}})).is_err());
    }
}

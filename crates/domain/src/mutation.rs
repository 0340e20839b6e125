//! The registry: every mutation's wire name, what it touches and its rules,
//! in one table. Mutations are the only way data changes, on the client
//! (optimistically) and on the server (for real), through the same [`apply`].
//!
//! Names carry a version (`profile.update@1`): a changed meaning gets a new
//! name, and servers keep accepting the old one while clients still send it.
//! A new mutation is one row here plus its rule in its family's module
//! (`org_ops`, `menu_ops`, `credit_ops`, `meeting_ops`, `study_ops`), which depends only on the kernel.

use serde::{Deserialize, Serialize};

use crate::auth::Actor;
use crate::credit_ops::{self, Award, NewPledge, NewWish, PlaceHold, Redeem, Reverse};
use crate::credits::{CreditRules, Reward};
use crate::ledger::LedgerError;
use crate::meeting::{Meeting, MeetingRules};
use crate::meeting_ops;
use crate::member::{MemberPatch, ProfilePatch};
use crate::member_card::{self, MemberCard, NewMemberCard};
use crate::member_code::{self, KioskAct, KioskDeed};
use crate::menu::MonthlyMenu;
use crate::menu_ops::{self, ActivityDraft, HandCheckIn, KioskCheckIn, NewCheckIn, NewSignup};
use crate::org_ops;
use crate::refusal::Why;
use crate::study::Course;
use crate::study_ops::{self, NewReflection};

pub use crate::kernel::{Rejection, Touches, View, Write};
pub use crate::org_ops::{NewMember, NewOrg};

/// One row per mutation: its doc, wire name, variant and payload; then the
/// payload's bindings, what the store loads first (`touches`, read before
/// anything is loaded) and the rule (`apply`). `actor`, `me` (the actor's
/// member id, or "") and `view`/`now` are in scope in the expressions.
macro_rules! mutations {
    (
        ($actor:ident, $me:ident, $view:ident, $now:ident)
        $(
            $(#[$doc:meta])*
            $name:literal $variant:ident $payload:tt
            $bind:tt => touches $touches:expr, apply $apply:expr;
        )*
    ) => {
        #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
        pub enum Op {
            $(
                $(#[$doc])*
                #[serde(rename = $name)]
                $variant $payload,
            )*
        }

        impl Op {
            /// Every mutation's wire name, in the registry's order.
            pub const NAMES: &'static [&'static str] = &[$($name),*];

            pub fn name(&self) -> &'static str {
                match self {
                    $(Op::$variant { .. } => $name,)*
                }
            }

            /// What `apply` reads: the store loads these (and what they
            /// imply, `Touches`) before applying.
            #[allow(unused_variables)]
            pub fn touches(&self, $actor: &Actor) -> Touches {
                let $me = $actor.member_id.as_deref().unwrap_or_default();
                match self {
                    $(Op::$variant $bind => $touches,)*
                }
            }
        }

        /// Validates `op` for `actor` against `view` at `now` (seconds since
        /// the epoch) and returns what to write. Pure: the caller writes the
        /// records, in its own transaction.
        #[allow(unused_variables)]
        pub fn apply(
            $actor: &Actor,
            op: &Op,
            $view: &impl View,
            $now: i64,
        ) -> Result<Vec<Write>, Rejection> {
            match op {
                $(Op::$variant $bind => $apply,)*
            }
        }
    };
}

mutations! {
    (actor, me, view, now)

    // Members and the org tree (org_ops).
    /// A member edits their own profile.
    "profile.update@1" UpdateProfile(ProfilePatch)
    (p) => touches Touches::default().members([me]),
        apply org_ops::update_profile(actor, p, view);
    /// A secretary (or committee staff) edits a member of an org they manage.
    "member.update@1" UpdateMember { member_id: String, patch: MemberPatch }
    { member_id, patch } => touches Touches::default().members([member_id]),
        apply org_ops::update_member(actor, member_id, patch, view);
    /// A secretary adds a member to an org they manage (党员找组织 approved).
    "member.add@1" AddMember(NewMember)
    (m) => touches Touches::default().orgs([&m.org_id]).members([&m.id]),
        apply org_ops::add_member(actor, m, view);
    /// Committee staff create an org under one they manage.
    "org.create@1" CreateOrg(NewOrg)
    (o) => touches Touches::default().orgs([&o.parent_id, &o.id]).reshapes(),
        apply org_ops::create_org(actor, o, view);
    "org.rename@1" RenameOrg { org_id: String, name: String }
    { org_id, name } => touches Touches::default().orgs([org_id]).reshapes(),
        apply org_ops::rename_org(actor, org_id, name, view);
    /// Moves an org (and its subtree) under another parent.
    "org.move@1" MoveOrg { org_id: String, new_parent_id: String }
    { org_id, new_parent_id } => touches Touches::default().orgs([org_id, new_parent_id]).subtree().reshapes(),
        apply org_ops::move_org(actor, org_id, new_parent_id, view);

    // Menus, activities, sign-ups and check-ins (menu_ops).
    /// Creates or edits a month's menu (draft or published alike).
    "menu.save@1" SaveMenu(MonthlyMenu)
    (m) => touches Touches::default()
            .orgs([&m.org_id])
            .docs([&m.id])
            .menu_slot(&m.org_id, m.month, m.alliance_id.as_deref())
            .alliances(&m.alliance_id),
        apply menu_ops::save_menu(actor, m, view, now);
    "menu.publish@1" PublishMenu { menu_id: String, published: bool }
    { menu_id, published } => touches Touches::default().docs([menu_id]),
        apply menu_ops::publish_menu(actor, menu_id, *published, view);
    "activity.save@1" SaveActivity(ActivityDraft)
    (a) => touches Touches::default()
            .docs([&a.menu_id, &a.id])
            .docs(a.lesson.iter().map(|l| &l.course_id)),
        apply menu_ops::save_activity(actor, a, view);
    "activity.cancel@1" CancelActivity { activity_id: String }
    { activity_id } => touches Touches::default().docs([activity_id]),
        apply menu_ops::cancel_activity(actor, activity_id, view);
    "signup.create@1" SignUp(NewSignup)
    (n) => touches Touches::default().members(n.members.iter().map(String::as_str).chain([me])).docs([&n.id, &n.activity_id]),
        apply menu_ops::sign_up(actor, n, view, now);
    "signup.cancel@1" CancelSignup { signup_id: String }
    { signup_id } => touches Touches::default().docs([signup_id]),
        apply menu_ops::cancel_signup(actor, signup_id, view);
    /// The organiser approves or declines a sign-up that needs approval.
    "signup.decide@1" DecideSignup { signup_id: String, approve: bool }
    { signup_id, approve } => touches Touches::default().docs([signup_id]),
        apply menu_ops::decide_signup(actor, signup_id, *approve, view);
    /// A member checks in with the code on the organiser's screen.
    "checkin.code@1" CheckIn(NewCheckIn)
    (n) => touches Touches::default().members([me]).docs([&n.id, &n.activity_id]),
        apply menu_ops::check_in(actor, n, view, now);
    /// A station's kiosk checks in the member who showed it their code.
    "checkin.kiosk@1" CheckInAtKiosk(KioskCheckIn)
    (k) => touches Touches::default()
            .members([&k.member_id])
            .docs([k.id.clone(), k.activity_id.clone()])
            .docs(k.proof.docs(&k.member_id))
            .kiosk_grants(Some(&k.proof)),
        apply menu_ops::check_in_at_kiosk(actor, k, view, now);
    /// The organiser checks a member in by hand, with a note.
    "checkin.hand@1" CheckInByHand(HandCheckIn)
    (h) => touches Touches::default().members([&h.member_id]).docs([&h.id, &h.activity_id]),
        apply menu_ops::check_in_by_hand(actor, h, view, now);
    /// Check-out, for activities that count hours: the member with the
    /// current code, or the organiser without.
    "checkin.out@1" CheckOut {
        checkin_id: String,
        at: i64,
        #[serde(default)]
        code: Option<String>,
    }
    { checkin_id, at, code } => touches Touches::default().docs([checkin_id]),
        apply menu_ops::check_out(actor, checkin_id, code.as_deref(), *at, view, now);

    // Credits, rewards, holds, pledges and wishes (credit_ops).
    /// A secretary awards or deducts credits by hand, with a reason.
    "credit.award@1" AwardCredits(Award)
    (a) => touches Touches::default().members([&a.member_id]).docs([&a.id]).wallets([&a.member_id]),
        apply credit_ops::award(actor, a, view, now);
    /// Corrects an entry by its exact opposite.
    "credit.reverse@1" ReverseEntry(Reverse)
    (r) => touches Touches::default().docs([&r.entry_id, &r.id]),
        apply credit_ops::reverse(actor, r, view, now);
    "reward.save@1" SaveReward(Reward)
    (r) => touches Touches::default().orgs([&r.org_id]).docs([&r.id]),
        apply credit_ops::save_reward(actor, r, view);
    "reward.redeem@1" Redeem(Redeem)
    (r) => touches Touches::default()
            .members([&r.member_id])
            .docs([r.reward_id.clone(), r.id.clone(), format!("redeem-{}", r.id)])
            .docs(&r.hold_id)
            .docs(r.proof.iter().flat_map(|p| p.docs(&r.member_id)))
            .kiosk_grants(r.proof.as_ref())
            .wallets([&r.member_id]),
        apply credit_ops::redeem(actor, r, view, now);
    /// The merchant or station hands the reward over on the member's code.
    "redemption.confirm@1" ConfirmRedemption { redemption_id: String, code: String }
    { redemption_id, code } => touches Touches::default().docs([redemption_id]),
        apply credit_ops::confirm_redemption(actor, redemption_id, code, view, now);
    "hold.place@1" PlaceHold(PlaceHold)
    (h) => touches Touches::default().members([me]).docs([&h.id]).wallets([me]),
        apply credit_ops::place_hold(actor, h, view, now);
    "hold.release@1" ReleaseHold { hold_id: String }
    { hold_id } => touches Touches::default().docs([hold_id]),
        apply credit_ops::release_hold(actor, hold_id, view);
    "pledge.save@1" SavePledge(NewPledge)
    (p) => touches Touches::default().members([me]).docs([&p.id]),
        apply credit_ops::save_pledge(actor, p, view, now);
    "wish.post@1" PostWish(NewWish)
    (w) => touches Touches::default().orgs([&w.org_id]).docs([&w.id]),
        apply credit_ops::post_wish(actor, w, view, now);
    "wish.claim@1" ClaimWish { wish_id: String }
    { wish_id } => touches Touches::default().members([me]).docs([wish_id]),
        apply credit_ops::claim_wish(actor, wish_id, view);
    "wish.fulfil@1" FulfilWish {
        wish_id: String,
        #[serde(default)]
        note: String,
    }
    { wish_id, note } => touches Touches::default().docs([wish_id.clone(), format!("wish-{wish_id}")]),
        apply credit_ops::fulfil_wish(actor, wish_id, note, view);
    "wish.confirm@1" ConfirmWish { wish_id: String }
    { wish_id } => touches Touches::default().docs([wish_id.clone(), format!("wish-{wish_id}")]),
        apply credit_ops::confirm_wish(actor, wish_id, view, now);
    /// Committee staff set the rate and year-end expiry for their subtree.
    "credit.rules@1" SetCreditRules(CreditRules)
    (r) => touches Touches::default().orgs([&r.org_id]).docs([&r.id]),
        apply credit_ops::set_rules(actor, r, view);
    /// Year-end expiry of a member's unspent credits, where the rules say so.
    "credit.expire@1" ExpireCredits { member_id: String, year: u16 }
    { member_id, year } => touches Touches::default()
            .members([member_id])
            .docs([format!("expire-{year}-{member_id}")])
            .wallets([member_id]),
        apply credit_ops::expire(actor, member_id, *year, view, now);

    // 三会一课 (meeting_ops).
    /// A secretary records a meeting after it was held (or corrects it).
    "meeting.save@1" SaveMeeting(Meeting)
    (m) => touches Touches::default()
            .orgs([&m.org_id])
            .members(&m.due)
            .docs(std::iter::once(&m.id).chain(&m.activity_id)),
        apply meeting_ops::save_meeting(actor, m, view, now);
    /// Committee staff set the required meetings for the orgs below them.
    "meeting.rules@1" SetMeetingRules(MeetingRules)
    (r) => touches Touches::default().orgs([&r.org_id]).docs([&r.id]),
        apply meeting_ops::set_meeting_rules(actor, r, view);

    // 我的党员码 (member_code).
    /// A member registers the public key of the phone that shows their code.
    "member_key.register@1" RegisterMemberKey { public_key: String }
    { public_key } => touches Touches::default().members([me]),
        apply member_code::register_key(actor, public_key, view, now);

    /// Her organisers print a member without a phone a 党员卡 (the digest of
    /// its secret), or revoke it.
    "member_card.issue@1" IssueMemberCard(NewMemberCard)
    (n) => touches Touches::default()
            .members([&n.member_id])
            .docs([MemberCard::id_for(&n.member_id)]),
        apply member_card::issue(actor, n, view, now);
    "member_card.revoke@1" RevokeMemberCard { member_id: String, number: u32 }
    { member_id, number } => touches Touches::default()
            .members([member_id])
            .docs([MemberCard::id_for(member_id)]),
        apply member_card::revoke(actor, member_id, *number, view, now);

    /// A station's kiosk signs the identified member up, or claims a wish
    /// for her: her own rules, on her proof, at its station only.
    "kiosk.act@1" ActAtKiosk(KioskAct)
    (k) => touches kiosk_touches(actor, k),
        apply act_at_kiosk(actor, k, view, now);

    // Study (study_ops).
    /// A secretary or committee staff write, publish or withdraw a course.
    "course.save@1" SaveCourse(Course)
    (c) => touches Touches::default()
            .orgs(std::iter::once(&c.org_id).chain(&c.audience))
            .docs([&c.id]),
        apply study_ops::save_course(actor, c, view);
    /// A member writes their 学习心得 on a lesson, for their organisers.
    "reflection.write@1" WriteReflection(NewReflection)
    (r) => touches Touches::default().members([me]).docs([r.id(me), r.course_id.clone()]),
        apply study_ops::write_reflection(actor, r, view, now);
}

/// The deed's own touches as the member's, with her key and the code's use.
fn kiosk_touches(kiosk: &Actor, k: &KioskAct) -> Touches {
    let member = k.member_actor(kiosk, None);
    let inner = deed_op(kiosk, k).touches(&member);
    Touches {
        members: [inner.members, vec![k.member_id.clone()]].concat(),
        docs: [inner.docs, k.proof.docs(&k.member_id).to_vec()].concat(),
        ..inner
    }
    .kiosk_grants(Some(&k.proof))
}

/// The member's own mutation the deed stands for.
fn deed_op(kiosk: &Actor, k: &KioskAct) -> Op {
    match &k.deed {
        KioskDeed::SignUp {
            signup_id,
            activity_id,
        } => Op::SignUp(own_signup(signup_id, activity_id)),
        KioskDeed::ClaimWish { wish_id } => Op::ClaimWish {
            wish_id: wish_id.clone(),
        },
        KioskDeed::PlaceHold { hold_id, amount } => {
            Op::PlaceHold(kiosk_hold(kiosk, k, hold_id, *amount))
        }
    }
}

/// The hold a kiosk places for the member: on itself, for the visit.
fn kiosk_hold(kiosk: &Actor, k: &KioskAct, hold_id: &str, amount: i64) -> PlaceHold {
    PlaceHold {
        id: hold_id.into(),
        device_id: kiosk.account_id.clone(),
        amount,
        expires_at: k.at + member_code::KIOSK_HOLD_SECS,
    }
}

/// A sign-up of the member alone (no group sign-ups at a kiosk).
fn own_signup(signup_id: &str, activity_id: &str) -> NewSignup {
    NewSignup {
        id: signup_id.to_owned(),
        activity_id: activity_id.to_owned(),
        members: vec![],
    }
}

fn act_at_kiosk(
    kiosk: &Actor,
    k: &KioskAct,
    view: &impl View,
    now: i64,
) -> Result<Vec<Write>, Rejection> {
    let (proof, member) = member_code::act_for(kiosk, k, view, now)?;
    let view = &member_code::WithKeys(view);
    let mut writes = match &k.deed {
        KioskDeed::SignUp {
            signup_id,
            activity_id,
        } => menu_ops::sign_up(&member, &own_signup(signup_id, activity_id), view, now)?,
        KioskDeed::ClaimWish { wish_id } => credit_ops::claim_wish(&member, wish_id, view)?,
        // A device cannot see her wallet: it shows nothing until the server
        // has judged the hold and the kiosk has pulled it.
        KioskDeed::PlaceHold { .. } if !view.holds_secrets() => Vec::new(),
        // Refused without her balance: the screen is shared and a refusal
        // stays on the kiosk until staff dismiss it.
        KioskDeed::PlaceHold { hold_id, amount } => {
            credit_ops::place_hold(&member, &kiosk_hold(kiosk, k, hold_id, *amount), view, now)
                .map_err(|e| match e {
                    Rejection::Ledger(LedgerError::Insufficient { .. }) => {
                        Rejection::Conflict(Why::KioskHoldTooLarge)
                    }
                    other => other,
                })?
        }
    };
    writes.extend(proof);
    Ok(writes)
}

impl Op {
    /// What the mutation touches, checked (`Touches::check`): the server
    /// loads nothing for a mutation that fails here.
    pub fn checked_touches(&self, actor: &Actor) -> Result<Touches, Rejection> {
        let t = self.touches(actor);
        t.check()?;
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    use super::Op;

    #[test]
    fn every_name_is_versioned_and_registered_once() {
        let mut seen = std::collections::BTreeSet::new();
        for name in Op::NAMES {
            let (base, version) = name.split_once('@').expect("name@version");
            assert!(!base.is_empty() && version.parse::<u32>().is_ok(), "{name}");
            assert!(seen.insert(*name), "{name} is registered twice");
        }
    }
}

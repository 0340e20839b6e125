//! The mutations of volunteer credits: manual awards and reversals, rewards
//! and redemptions, holds for station devices, pledges and micro-wishes.
//! Every credit movement goes through `post_entry`, which applies the ledger
//! rules and changes the member's wallet in the same write set.

use serde::{Deserialize, Serialize};

use crate::auth::Actor;
use crate::credits::{
    CreditRules, Pledge, Redemption, RedemptionStatus, Reward, Wish, WishStatus, code_hash,
    mask_name,
};
use crate::doc::Doc;
use crate::kernel::{CLOCK_SKEW, Rejection, View, Write, conflict, new_id, org_of};
use crate::ledger::{self, Context, EntryKind, Hold, LedgerEntry, Posted, Source, Wallet};
use crate::member_code::{self, MemberProof};
use crate::refusal::{Field, Thing, Why};
use crate::self_dealing::{OwnGain, refuse_own};
use crate::validate;
use crate::{Member, Org};

const MAX_REASON_CHARS: usize = 100;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Award {
    pub id: String,
    pub member_id: String,
    /// Signed: a deduction is negative.
    pub amount: i64,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reverse {
    pub id: String,
    pub entry_id: String,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Redeem {
    pub id: String,
    pub reward_id: String,
    pub member_id: String,
    /// The member's one-time code (made on their phone); none from a hold.
    #[serde(default)]
    pub code: Option<String>,
    /// When it was made (device time; offline redemptions arrive later).
    pub at: i64,
    #[serde(default)]
    pub hold_id: Option<String>,
    /// A kiosk's redemption from a hold: the member's code, read at the kiosk.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof: Option<MemberProof>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlaceHold {
    pub id: String,
    /// The station device's account.
    pub device_id: String,
    pub amount: i64,
    pub expires_at: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewPledge {
    pub id: String,
    pub text: String,
    #[serde(default)]
    pub withdrawn: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewWish {
    pub id: String,
    pub org_id: String,
    pub title: String,
    /// The resident's name as told; only its masked form is kept.
    pub requester: String,
    pub credits: i64,
}

fn member(view: &impl View, id: &str) -> Result<Member, Rejection> {
    view.member(id).ok_or(Rejection::NotFound(Thing::Member))
}

fn reward(view: &impl View, id: &str) -> Result<Reward, Rejection> {
    match view.doc(id) {
        Some(Doc::Reward(r)) => Ok(r),
        _ => Err(Rejection::NotFound(Thing::Reward)),
    }
}

fn wish(view: &impl View, id: &str) -> Result<Wish, Rejection> {
    match view.doc(id) {
        Some(Doc::Wish(w)) => Ok(w),
        _ => Err(Rejection::NotFound(Thing::Wish)),
    }
}

fn hold(view: &impl View, id: &str) -> Result<Hold, Rejection> {
    match view.doc(id) {
        Some(Doc::Hold(h)) => Ok(h),
        _ => Err(Rejection::NotFound(Thing::Hold)),
    }
}

fn wallet_of(view: &impl View, member_id: &str) -> Option<Wallet> {
    match view.doc(&Wallet::id_for(member_id)) {
        Some(Doc::Wallet(w)) => Some(w),
        _ => None,
    }
}

/// Whether the org's menus, rewards and wishes are meant for the actor.
fn meant_for(actor: &Actor, org: &Org) -> bool {
    actor.manages(org) || actor.own_paths().iter().any(|p| p.starts_with(&org.path))
}

/// Applies the ledger rules to `e` and returns the entry with the member's
/// wallet (and the hold it draws on) as changed. A device that cannot see
/// the wallet (a station spending from a hold) writes only the entry and
/// the hold; the server always has the wallet.
pub fn post_entry(view: &impl View, e: LedgerEntry, now: i64) -> Result<Vec<Write>, Rejection> {
    let stored = wallet_of(view, &e.member_id);
    let mut holds = view.holds_of(&e.member_id);
    let existing = match view.doc(&e.id) {
        Some(Doc::Entry(x)) => Some(x),
        Some(_) => return Err(conflict(Why::IdTaken)),
        None => None,
    };
    let target = match e.reverses.as_deref().map(|id| view.doc(id)) {
        Some(Some(Doc::Entry(t))) => Some(t),
        _ => None,
    };
    let mut wallet = stored.clone().unwrap_or_else(|| {
        let org = view
            .member(&e.member_id)
            .map_or_else(|| e.org_id.clone(), |m| m.org_id);
        Wallet::new(&e.member_id, &org)
    });
    let cx = Context {
        existing: existing.as_ref(),
        target: target.as_ref(),
        target_reversed: e
            .reverses
            .as_ref()
            .is_some_and(|t| wallet.reversed.contains(t)),
        available: wallet.available(&holds, now),
        hold: e
            .hold_id
            .as_deref()
            .and_then(|h| holds.iter().find(|x| x.id == h)),
    };
    if ledger::check(&e, &cx, now)? == Posted::Duplicate {
        return Err(conflict(Why::CreditsAlreadyRecorded));
    }
    let mut writes = Vec::new();
    if let Some(h) = e
        .hold_id
        .as_deref()
        .and_then(|h| holds.iter_mut().find(|x| x.id == h))
    {
        h.used += -e.amount;
        writes.push(Write::Doc(Doc::Hold(h.clone())));
    }
    if stored.is_some() || e.hold_id.is_none() {
        wallet.balance += e.amount;
        if let Some(t) = &e.reverses {
            wallet.reversed.push(t.clone());
        }
        writes.push(Write::Doc(Doc::Wallet(wallet)));
    }
    writes.insert(0, Write::Doc(Doc::Entry(e)));
    Ok(writes)
}

/// A secretary awards (or deducts) credits by hand, with a reason; the entry
/// records who and why, which is the audit trail.
pub fn award(
    actor: &Actor,
    a: &Award,
    view: &impl View,
    now: i64,
) -> Result<Vec<Write>, Rejection> {
    let m = member(view, &a.member_id)?;
    if !actor.manages(&org_of(view, &m.org_id)?) {
        return Err(Rejection::Forbidden(Why::SecretaryAdjustsCredits));
    }
    refuse_own(actor, &m.id, OwnGain::Award)?;
    validate::text(Field::Reason, &a.reason, MAX_REASON_CHARS)
        .map_err(|_| ledger::LedgerError::ReasonRequired)?;
    post_entry(
        view,
        LedgerEntry {
            id: a.id.clone(),
            member_id: m.id.clone(),
            org_id: m.org_id.clone(),
            amount: a.amount,
            kind: EntryKind::Adjust,
            source: Source::Manual,
            reason: Some(a.reason.trim().to_owned()),
            actor: actor.account_id.clone(),
            at: now,
            reverses: None,
            hold_id: None,
        },
        now,
    )
}

/// Corrects an entry by its exact opposite.
pub fn reverse(
    actor: &Actor,
    r: &Reverse,
    view: &impl View,
    now: i64,
) -> Result<Vec<Write>, Rejection> {
    validate::text(Field::Reason, &r.reason, MAX_REASON_CHARS)?;
    let Some(Doc::Entry(target)) = view.doc(&r.entry_id) else {
        return Err(ledger::LedgerError::NothingToReverse.into());
    };
    let org_id = wallet_of(view, &target.member_id).map_or(target.org_id.clone(), |w| w.org_id);
    if !actor.manages(&org_of(view, &org_id)?) {
        return Err(Rejection::Forbidden(Why::SecretaryReversesCredits));
    }
    refuse_own(actor, &target.member_id, OwnGain::Reverse)?;
    post_entry(
        view,
        LedgerEntry {
            id: r.id.clone(),
            member_id: target.member_id.clone(),
            org_id: target.org_id.clone(),
            amount: target.amount.checked_neg().unwrap_or(0),
            kind: EntryKind::Reversal,
            source: Source::System,
            reason: Some(r.reason.trim().to_owned()),
            actor: actor.account_id.clone(),
            at: now,
            reverses: Some(target.id.clone()),
            hold_id: None,
        },
        now,
    )
}

pub fn save_reward(actor: &Actor, r: &Reward, view: &impl View) -> Result<Vec<Write>, Rejection> {
    validate::id(Field::Id, &r.id)?;
    let o = org_of(view, &r.org_id)?;
    if !actor.manages(&o) {
        return Err(Rejection::Forbidden(Why::SecretarySetsRewards));
    }
    validate::text(Field::RewardTitle, &r.title, Reward::MAX_TITLE_CHARS)?;
    if let Some(d) = r.description.as_deref().filter(|d| !d.trim().is_empty()) {
        validate::long_text(Field::Description, d, Reward::MAX_DESCRIPTION_CHARS)?;
    }
    if let Some(m) = &r.merchant {
        validate::id(Field::MerchantAccount, m)?;
    }
    if let Some(name) = r.merchant_name.as_deref().filter(|n| !n.is_empty()) {
        validate::text(Field::MerchantName, name, Reward::MAX_TITLE_CHARS)?;
    }
    if r.cost <= 0 || r.cost > ledger::MAX_AMOUNT {
        return Err(conflict(Why::RewardCostRange));
    }
    if r.stock > Reward::MAX_STOCK {
        return Err(conflict(Why::StockTooHigh));
    }
    let redeemed = match view.doc(&r.id) {
        Some(Doc::Reward(old)) if old.org_id == r.org_id => old.redeemed,
        Some(_) => return Err(conflict(Why::IdTaken)),
        None => 0,
    };
    if r.stock < redeemed {
        return Err(conflict(Why::StockBelowRedeemed));
    }
    Ok(vec![Write::Doc(Doc::Reward(Reward {
        redeemed,
        ..r.clone()
    }))])
}

/// A member spends credits on a reward (the code is handed over later), or
/// a station device does for a member from the hold placed for it (handed
/// over on the spot, offline if need be).
pub fn redeem(
    actor: &Actor,
    r: &Redeem,
    view: &impl View,
    now: i64,
) -> Result<Vec<Write>, Rejection> {
    new_id(view, &r.id)?;
    let mut rw = reward(view, &r.reward_id)?;
    if !meant_for(actor, &org_of(view, &rw.org_id)?) {
        return Err(Rejection::Forbidden(Why::RewardNotForYourOrg));
    }
    if !rw.active {
        return Err(conflict(Why::RewardWithdrawn));
    }
    if rw.left() == 0 {
        return Err(conflict(Why::RewardSoldOut));
    }
    if r.at > now + CLOCK_SKEW {
        return Err(conflict(Why::RedeemTimeInFuture));
    }
    let mut proof = None;
    let (member_name, status, code) = match &r.hold_id {
        Some(h) => {
            let h = hold(view, h)?;
            if h.device_id != actor.account_id {
                return Err(Rejection::Forbidden(Why::OnlyDeviceHold));
            }
            // The member stands at the kiosk: nobody spends a hold without
            // its member's code.
            let proven =
                member_code::check_proof(actor, &r.member_id, r.proof.as_ref(), r.at, view, now)?
                    .beyond_check_in()?;
            proof = proven.write;
            if h.member_id != r.member_id {
                return Err(conflict(Why::HoldWrongMember));
            }
            if rw.merchant.is_some() {
                return Err(conflict(Why::RedeemAtMerchant));
            }
            (h.member_name, RedemptionStatus::Confirmed, None)
        }
        None => {
            if !actor.is_member(&r.member_id) {
                return Err(Rejection::Forbidden(Why::OnlyOwnCreditsRedeem));
            }
            let code = r.code.clone().unwrap_or_default();
            if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
                return Err(conflict(Why::RedemptionCodeFormat));
            }
            let name = view
                .member(&r.member_id)
                .map(|m| m.name)
                .unwrap_or_default();
            (name, RedemptionStatus::Issued, Some(code))
        }
    };
    let mut writes = post_entry(
        view,
        LedgerEntry {
            id: format!("redeem-{}", r.id),
            member_id: r.member_id.clone(),
            org_id: rw.org_id.clone(),
            amount: -rw.cost,
            kind: EntryKind::Redeem,
            source: Source::Redemption {
                reward_id: rw.id.clone(),
            },
            reason: Some(rw.title.clone()),
            actor: actor.account_id.clone(),
            at: r.at,
            reverses: None,
            hold_id: r.hold_id.clone(),
        },
        now,
    )?;
    let confirmed = status == RedemptionStatus::Confirmed;
    writes.push(Write::Doc(Doc::Redemption(Redemption {
        id: r.id.clone(),
        reward_id: rw.id.clone(),
        reward_title: rw.title.clone(),
        member_id: r.member_id.clone(),
        member_name,
        org_id: rw.org_id.clone(),
        cost: rw.cost,
        merchant: rw.merchant.clone(),
        code_hash: code
            .as_deref()
            .map(|c| code_hash(&r.id, c))
            .unwrap_or_default(),
        code,
        status,
        at: r.at,
        confirmed_at: confirmed.then_some(r.at),
        confirmed_by: confirmed.then(|| actor.account_id.clone()),
        hold_id: r.hold_id.clone(),
    })));
    rw.redeemed += 1;
    writes.push(Write::Doc(Doc::Reward(rw)));
    writes.extend(proof);
    Ok(writes)
}

/// The merchant (or the station's organisers) hands the reward over on the
/// member's one-time code.
pub fn confirm_redemption(
    actor: &Actor,
    redemption_id: &str,
    code: &str,
    view: &impl View,
    now: i64,
) -> Result<Vec<Write>, Rejection> {
    let Some(Doc::Redemption(r)) = view.doc(redemption_id) else {
        return Err(Rejection::NotFound(Thing::Redemption));
    };
    let rw = reward(view, &r.reward_id)?;
    let own = rw.merchant.as_deref() == Some(actor.account_id.as_str());
    if !own && !actor.manages(&org_of(view, &rw.org_id)?) {
        return Err(Rejection::Forbidden(Why::OnlyOwnMerchantConfirm));
    }
    if r.status != RedemptionStatus::Issued {
        return Err(conflict(Why::RedemptionCodeUsed));
    }
    if r.code_hash.is_empty() || code_hash(&r.id, code.trim()) != r.code_hash {
        return Err(conflict(Why::WrongRedemptionCode));
    }
    Ok(vec![Write::Doc(Doc::Redemption(Redemption {
        status: RedemptionStatus::Confirmed,
        confirmed_at: Some(now),
        confirmed_by: Some(actor.account_id.clone()),
        ..r
    }))])
}

/// A member reserves part of their balance for a station device, so that
/// the device can hand over rewards offline without ever overspending.
pub fn place_hold(
    actor: &Actor,
    p: &PlaceHold,
    view: &impl View,
    now: i64,
) -> Result<Vec<Write>, Rejection> {
    let me = actor
        .member_id
        .as_deref()
        .ok_or(Rejection::Forbidden(Why::OnlyOwnHold))?;
    validate::id(Field::Device, &p.device_id)?;
    let m = member(view, me)?;
    let wallet = wallet_of(view, me).unwrap_or_else(|| Wallet::new(me, &m.org_id));
    let holds = view.holds_of(me);
    let h = Hold {
        id: p.id.clone(),
        member_id: me.into(),
        member_name: m.name.clone(),
        org_id: wallet.org_id.clone(),
        device_id: p.device_id.clone(),
        amount: p.amount,
        used: 0,
        expires_at: p.expires_at,
        released: false,
    };
    let existing = holds.iter().find(|x| x.id == h.id);
    if existing.is_none() && view.doc(&h.id).is_some() {
        return Err(conflict(Why::IdTaken));
    }
    if ledger::check_hold(&h, existing, wallet.available(&holds, now), now)? == Posted::Duplicate {
        return Ok(vec![]);
    }
    Ok(vec![Write::Doc(Doc::Hold(h))])
}

/// The member or the device gives back what a hold still reserves.
pub fn release_hold(
    actor: &Actor,
    hold_id: &str,
    view: &impl View,
) -> Result<Vec<Write>, Rejection> {
    let h = hold(view, hold_id)?;
    if !actor.is_member(&h.member_id) && actor.account_id != h.device_id {
        return Err(Rejection::Forbidden(Why::OnlyOwnHoldRelease));
    }
    Ok(vec![Write::Doc(Doc::Hold(Hold {
        released: true,
        ..h
    }))])
}

pub fn save_pledge(
    actor: &Actor,
    p: &NewPledge,
    view: &impl View,
    now: i64,
) -> Result<Vec<Write>, Rejection> {
    validate::id(Field::Id, &p.id)?;
    let me = actor
        .member_id
        .as_deref()
        .ok_or(Rejection::Forbidden(Why::MemberMakesPledge))?;
    let m = member(view, me)?;
    let at = match view.doc(&p.id) {
        Some(Doc::Pledge(old)) if old.member_id == me => old.at,
        Some(_) => return Err(conflict(Why::IdTaken)),
        None => now,
    };
    validate::long_text(Field::PledgeText, &p.text, Pledge::MAX_TEXT_CHARS)?;
    Ok(vec![Write::Doc(Doc::Pledge(Pledge {
        id: p.id.clone(),
        member_id: m.id,
        member_name: m.name,
        org_id: m.org_id,
        text: p.text.trim().to_owned(),
        withdrawn: p.withdrawn,
        at,
    }))])
}

pub fn post_wish(
    actor: &Actor,
    w: &NewWish,
    view: &impl View,
    now: i64,
) -> Result<Vec<Write>, Rejection> {
    new_id(view, &w.id)?;
    let o = org_of(view, &w.org_id)?;
    if !actor.manages(&o) && !actor.stationed_at(&o) {
        return Err(Rejection::Forbidden(Why::SecretaryOrStationPostsWish));
    }
    validate::text(Field::WishTitle, &w.title, Wish::MAX_TITLE_CHARS)?;
    validate::text(Field::Requester, &w.requester, 20)?;
    if w.credits <= 0 || w.credits > Wish::MAX_CREDITS {
        return Err(conflict(Why::WishCreditsRange));
    }
    Ok(vec![Write::Doc(Doc::Wish(Wish {
        id: w.id.clone(),
        org_id: o.id,
        title: w.title.trim().to_owned(),
        requester: mask_name(&w.requester),
        credits: w.credits,
        status: WishStatus::Open,
        claimed_by: None,
        claimer_name: None,
        note: None,
        posted_by: actor.account_id.clone(),
        at: now,
    }))])
}

/// One member claims a wish; the server decides who was first.
pub fn claim_wish(actor: &Actor, wish_id: &str, view: &impl View) -> Result<Vec<Write>, Rejection> {
    let w = wish(view, wish_id)?;
    let me = actor
        .member_id
        .as_deref()
        .ok_or(Rejection::Forbidden(Why::MemberClaimsWish))?;
    if !meant_for(actor, &org_of(view, &w.org_id)?) {
        return Err(Rejection::Forbidden(Why::WishNotForYourOrg));
    }
    if w.status != WishStatus::Open {
        return Err(conflict(Why::AlreadyClaimed));
    }
    if w.posted_by == actor.account_id {
        return Err(Rejection::Forbidden(OwnGain::ClaimOwnWish.reason()));
    }
    let name = view.member(me).map(|m| m.name);
    Ok(vec![Write::Doc(Doc::Wish(Wish {
        status: WishStatus::Claimed,
        claimed_by: Some(me.into()),
        claimer_name: name,
        ..w
    }))])
}

pub fn fulfil_wish(
    actor: &Actor,
    wish_id: &str,
    note: &str,
    view: &impl View,
) -> Result<Vec<Write>, Rejection> {
    let w = wish(view, wish_id)?;
    if !w.claimed_by.as_deref().is_some_and(|m| actor.is_member(m)) {
        return Err(Rejection::Forbidden(Why::ClaimerMarksDone));
    }
    if w.status != WishStatus::Claimed {
        return Err(conflict(Why::WishNotClaimed));
    }
    let note = note.trim();
    if !note.is_empty() {
        validate::text(Field::Description, note, MAX_REASON_CHARS)?;
    }
    Ok(vec![Write::Doc(Doc::Wish(Wish {
        status: WishStatus::Fulfilled,
        note: (!note.is_empty()).then(|| note.to_owned()),
        ..w
    }))])
}

/// The poster confirms a fulfilled wish; the claimer earns its credits.
pub fn confirm_wish(
    actor: &Actor,
    wish_id: &str,
    view: &impl View,
    now: i64,
) -> Result<Vec<Write>, Rejection> {
    let w = wish(view, wish_id)?;
    let o = org_of(view, &w.org_id)?;
    if !actor.manages(&o) && w.posted_by != actor.account_id {
        return Err(Rejection::Forbidden(Why::PosterConfirmsWish));
    }
    if w.status != WishStatus::Fulfilled {
        return Err(conflict(Why::ClaimerNotDone));
    }
    let claimer = w
        .claimed_by
        .clone()
        .ok_or(conflict(Why::WishHasNoClaimer))?;
    refuse_own(actor, &claimer, OwnGain::ConfirmOwnWish)?;
    let mut writes = post_entry(
        view,
        LedgerEntry {
            id: format!("wish-{}", w.id),
            member_id: claimer,
            org_id: w.org_id.clone(),
            amount: w.credits,
            kind: EntryKind::Earn,
            source: Source::Wish {
                wish_id: w.id.clone(),
            },
            reason: Some(w.title.clone()),
            actor: actor.account_id.clone(),
            at: now,
            reverses: None,
            hold_id: None,
        },
        now,
    )?;
    writes.push(Write::Doc(Doc::Wish(Wish {
        status: WishStatus::Confirmed,
        ..w
    })));
    Ok(writes)
}

/// Committee staff set the rules for their subtree.
pub fn set_rules(
    actor: &Actor,
    r: &CreditRules,
    view: &impl View,
) -> Result<Vec<Write>, Rejection> {
    let o = org_of(view, &r.org_id)?;
    if !actor.shapes_tree_at(&o) {
        return Err(Rejection::Forbidden(Why::CommitteeSetsCreditRules));
    }
    if r.id != CreditRules::id_for(&o.id) {
        return Err(conflict(Why::WrongRuleId));
    }
    if r.rate_per_hour < 1 || r.rate_per_hour > CreditRules::MAX_RATE {
        return Err(conflict(Why::HourlyCreditsRange));
    }
    Ok(vec![Write::Doc(Doc::Rules(r.clone()))])
}

/// At year end, where the committee's rules say so, a member's unspent
/// credits expire (what holds reserve stays for the station). Once a year:
/// the entry's id names the year.
pub fn expire(
    actor: &Actor,
    member_id: &str,
    year: u16,
    view: &impl View,
    now: i64,
) -> Result<Vec<Write>, Rejection> {
    let m = member(view, member_id)?;
    let o = org_of(view, &m.org_id)?;
    if !actor.shapes_tree_at(&o) {
        return Err(Rejection::Forbidden(Why::CommitteeRunsExpiry));
    }
    if !crate::credits::rules_for(view, &o).is_some_and(|r| r.expire_at_year_end) {
        return Err(conflict(Why::ExpiryNotEnabled));
    }
    let this_year = crate::Month::from_unix(now).map_or(0, |m| m.year());
    if year >= this_year {
        return Err(conflict(Why::YearNotOver));
    }
    let Some(w) = wallet_of(view, member_id) else {
        return Err(conflict(Why::NothingToExpire));
    };
    let amount = w.available(&view.holds_of(member_id), now);
    if amount <= 0 {
        return Err(conflict(Why::NothingToExpire));
    }
    post_entry(
        view,
        LedgerEntry {
            id: format!("expire-{year}-{member_id}"),
            member_id: m.id.clone(),
            org_id: m.org_id.clone(),
            amount: -amount,
            kind: EntryKind::Expire,
            source: Source::System,
            reason: Some(format!("{year} 年度积分到期清零")),
            actor: actor.account_id.clone(),
            at: now,
            reverses: None,
            hold_id: None,
        },
        now,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{RoleKind, ScopedRole};
    use crate::ledger::LedgerError;
    use crate::mutation::{Op, apply};
    use crate::replica::Records;
    use crate::{ManagementMode, MemberStatus, OrgKind};

    const NOW: i64 = 1_795_312_800;

    fn actor(account: &str, member: Option<&str>, roles: &[(RoleKind, &str)]) -> Actor {
        Actor {
            account_id: account.into(),
            member_id: member.map(Into::into),
            member_org_path: member.and(roles.first().map(|(_, p)| (*p).into())),
            roles: roles
                .iter()
                .map(|(k, p)| ScopedRole {
                    kind: *k,
                    org_path: Some((*p).into()),
                })
                .collect(),
        }
    }

    fn m1() -> Actor {
        actor("acc-m1", Some("m1"), &[(RoleKind::Member, "/c/b1/")])
    }
    fn m2() -> Actor {
        actor("acc-m2", Some("m2"), &[(RoleKind::Member, "/c/b1/")])
    }
    fn sec() -> Actor {
        actor(
            "acc-sec",
            Some("m9"),
            &[
                (RoleKind::Member, "/c/b1/"),
                (RoleKind::Secretary, "/c/b1/"),
            ],
        )
    }
    fn kiosk(n: &str) -> Actor {
        actor(n, None, &[(RoleKind::Kiosk, "/c/b1/")])
    }
    fn merchant(n: &str) -> Actor {
        actor(n, None, &[(RoleKind::Merchant, "/c/b1/")])
    }

    fn world() -> Records {
        let mut r = Records::default();
        for (id, path) in [("c", "/c/"), ("b1", "/c/b1/"), ("b2", "/c/b2/")] {
            r.orgs.insert(
                id.into(),
                Org {
                    id: id.into(),
                    parent_id: (id != "c").then(|| "c".into()),
                    name: id.into(),
                    kind: if id == "c" {
                        OrgKind::Committee
                    } else {
                        OrgKind::Branch
                    },
                    joint: false,
                    area: None,
                    place: None,
                    path: path.into(),
                },
            );
        }
        for (id, name, org) in [
            ("m1", "马晓燕", "b1"),
            ("m2", "周强", "b1"),
            ("m9", "李建国", "b1"),
            ("m5", "外支部", "b2"),
        ] {
            r.members.insert(
                id.into(),
                Member {
                    id: id.into(),
                    org_id: org.into(),
                    name: name.into(),
                    status: MemberStatus::Full,
                    mode: ManagementMode::Employed,
                    phone: None,
                    workplace: None,
                },
            );
        }
        for (id, cost, stock, merchant) in [
            ("rw-rice", 30, 5, None),
            ("rw-cut", 20, 1, Some("acc-shop-a")),
        ] {
            r.put_doc(Doc::Reward(Reward {
                id: id.into(),
                org_id: "b1".into(),
                title: id.into(),
                description: None,
                cost,
                stock,
                redeemed: 0,
                merchant: merchant.map(Into::into),
                merchant_name: None,
                active: true,
            }));
        }
        r
    }

    /// Applies and writes; returns the rejection, if any, with the records
    /// untouched.
    fn run(r: &mut Records, a: &Actor, op: Op) -> Result<(), Rejection> {
        let writes = apply(a, &op, r, NOW)?;
        for w in writes {
            r.write(w);
        }
        Ok(())
    }

    fn award(id: &str, member: &str, amount: i64, reason: &str) -> Op {
        Op::AwardCredits(Award {
            id: id.into(),
            member_id: member.into(),
            amount,
            reason: reason.into(),
        })
    }

    fn redeem(id: &str, reward: &str, member: &str, hold: Option<&str>) -> Op {
        Op::Redeem(Redeem {
            id: id.into(),
            reward_id: reward.into(),
            member_id: member.into(),
            code: hold.is_none().then(|| "123456".into()),
            at: NOW,
            hold_id: hold.map(Into::into),
            // The member's code as the kiosk holding the hold read it (one
            // identification per hold here, a window apart).
            proof: hold.map(|h| {
                let at = if h == "h1" { NOW } else { NOW - 30 };
                crate::member_code::testing::proof(7, member, at, &format!("s-{h}"))
            }),
        })
    }

    fn balance(r: &Records, m: &str) -> i64 {
        r.wallets().get(&Wallet::id_for(m)).map_or(0, |w| w.balance)
    }

    #[test]
    fn only_secretaries_award_with_a_reason_and_never_to_themselves() {
        let mut r = world();
        let before = r.clone();
        assert_eq!(
            run(&mut r, &m1(), award("a1", "m2", 50, "帮忙")),
            Err(Rejection::Forbidden(Why::SecretaryAdjustsCredits))
        );
        assert_eq!(
            run(&mut r, &sec(), award("a1", "m9", 50, "自己")),
            Err(Rejection::Forbidden(Why::NoSelfCreditAdjust))
        );
        assert_eq!(
            run(&mut r, &sec(), award("a1", "m1", 50, "  ")),
            Err(LedgerError::ReasonRequired.into())
        );
        for bad in [0, 100_001, i64::MAX, i64::MIN] {
            assert_eq!(
                run(&mut r, &sec(), award("a1", "m1", bad, "x")),
                Err(LedgerError::BadAmount.into()),
                "{bad}"
            );
        }
        assert_eq!(
            run(&mut r, &sec(), award("a1", "m1", -1, "扣减")),
            Err(LedgerError::Insufficient {
                available: 0,
                needed: 1
            }
            .into())
        );
        assert_eq!(r, before, "nothing partial");
        run(&mut r, &sec(), award("a1", "m1", 50, "社区义诊志愿服务")).unwrap();
        assert_eq!(balance(&r, "m1"), 50);
        let e = &r.entries()["a1"];
        assert_eq!(
            (e.actor.as_str(), e.reason.as_deref()),
            ("acc-sec", Some("社区义诊志愿服务"))
        );
        assert_eq!(
            run(&mut r, &sec(), award("a1", "m1", 50, "社区义诊志愿服务")),
            Err(Rejection::Conflict(Why::CreditsAlreadyRecorded))
        );
        assert_eq!(
            run(&mut r, &sec(), award("a1", "m1", 60, "another")),
            Err(LedgerError::IdReused.into())
        );
        assert_eq!(balance(&r, "m1"), 50);
    }

    #[test]
    fn reversals_cancel_once_and_never_a_reversal() {
        let mut r = world();
        run(&mut r, &sec(), award("a1", "m1", 40, "服务")).unwrap();
        let rev = |id: &str, of: &str| {
            Op::ReverseEntry(Reverse {
                id: id.into(),
                entry_id: of.into(),
                reason: "录入错误".into(),
            })
        };
        assert_eq!(
            run(&mut r, &m1(), rev("v1", "a1")),
            Err(Rejection::Forbidden(Why::SecretaryReversesCredits))
        );
        run(&mut r, &sec(), rev("v1", "a1")).unwrap();
        assert_eq!(balance(&r, "m1"), 0);
        assert_eq!(
            run(&mut r, &sec(), rev("v2", "a1")),
            Err(LedgerError::AlreadyReversed.into())
        );
        assert_eq!(
            run(&mut r, &sec(), rev("v3", "v1")),
            Err(LedgerError::ReversalOfReversal.into())
        );
        assert_eq!(balance(&r, "m1"), 0);
    }

    #[test]
    fn redeeming_spends_once_within_balance_and_stock() {
        let mut r = world();
        run(&mut r, &sec(), award("a1", "m1", 45, "服务")).unwrap();
        run(&mut r, &sec(), award("a2", "m2", 45, "服务")).unwrap();
        assert_eq!(
            run(&mut r, &m2(), redeem("x0", "rw-rice", "m1", None)),
            Err(Rejection::Forbidden(Why::OnlyOwnCreditsRedeem))
        );
        run(&mut r, &m1(), redeem("x1", "rw-rice", "m1", None)).unwrap();
        assert_eq!(balance(&r, "m1"), 15);
        assert_eq!(r.rewards()["rw-rice"].redeemed, 1);
        let before = r.clone();
        assert_eq!(
            run(&mut r, &m1(), redeem("x2", "rw-rice", "m1", None)),
            Err(LedgerError::Insufficient {
                available: 15,
                needed: 30
            }
            .into())
        );
        let mut bad_code = redeem("x3", "rw-cut", "m1", None);
        if let Op::Redeem(x) = &mut bad_code {
            x.code = Some("12a456".into());
        }
        assert_eq!(
            run(&mut r, &m1(), bad_code),
            Err(Rejection::Conflict(Why::RedemptionCodeFormat))
        );
        assert_eq!(r, before, "refused: ledger, stock and wallet unchanged");
        run(&mut r, &m2(), redeem("x4", "rw-cut", "m2", None)).unwrap();
        assert_eq!(
            run(&mut r, &m1(), redeem("x5", "rw-cut", "m1", None)),
            Err(Rejection::Conflict(Why::RewardSoldOut))
        );
        assert_eq!(r.rewards()["rw-cut"].left(), 0);
    }

    #[test]
    fn merchants_confirm_their_own_codes_once() {
        let mut r = world();
        run(&mut r, &sec(), award("a1", "m1", 45, "服务")).unwrap();
        run(&mut r, &m1(), redeem("x1", "rw-cut", "m1", None)).unwrap();
        // Only the member's copy carries the code.
        let org = r.orgs["b1"].clone();
        let doc = Doc::Redemption(r.redemptions()["x1"].clone());
        let seen = |a: &Actor| match a.view_of_doc(&doc, &org, &[]) {
            Some(Doc::Redemption(x)) => Some(x.code),
            _ => None,
        };
        assert_eq!(seen(&m1()), Some(Some("123456".into())));
        assert_eq!(seen(&merchant("acc-shop-a")), Some(None));
        assert_eq!(seen(&merchant("acc-shop-b")), None);
        assert_eq!(seen(&m2()), None);
        let confirm = |code: &str| Op::ConfirmRedemption {
            redemption_id: "x1".into(),
            code: code.into(),
        };
        assert_eq!(
            run(&mut r, &merchant("acc-shop-b"), confirm("123456")),
            Err(Rejection::Forbidden(Why::OnlyOwnMerchantConfirm))
        );
        assert_eq!(
            run(&mut r, &merchant("acc-shop-a"), confirm("654321")),
            Err(Rejection::Conflict(Why::WrongRedemptionCode))
        );
        run(&mut r, &merchant("acc-shop-a"), confirm("123456")).unwrap();
        assert_eq!(r.redemptions()["x1"].status, RedemptionStatus::Confirmed);
        assert_eq!(
            run(&mut r, &merchant("acc-shop-a"), confirm("123456")),
            Err(Rejection::Conflict(Why::RedemptionCodeUsed))
        );
    }

    #[test]
    fn station_devices_spend_only_their_own_hold() {
        let mut server = world();
        run(&mut server, &sec(), award("a1", "m1", 100, "服务")).unwrap();
        let hold = |id: &str, device: &str, amount| {
            Op::PlaceHold(PlaceHold {
                id: id.into(),
                device_id: device.into(),
                amount,
                expires_at: NOW + 3600,
            })
        };
        let key = crate::member_code::testing::public_key(7);
        run(
            &mut server,
            &m1(),
            Op::RegisterMemberKey { public_key: key },
        )
        .unwrap();
        run(&mut server, &m1(), hold("h1", "kiosk-a", 60)).unwrap();
        assert_eq!(
            run(&mut server, &m1(), hold("h2", "kiosk-b", 50)),
            Err(LedgerError::Insufficient {
                available: 40,
                needed: 50
            }
            .into())
        );
        run(&mut server, &m1(), hold("h2", "kiosk-b", 40)).unwrap();
        // Kiosk A's own view: the hold and the rewards, not the wallet.
        let mut a = server.clone();
        a.retain_docs(|d| !matches!(d, Doc::Wallet(_)) && d.id() != "h2");
        run(
            &mut a,
            &kiosk("kiosk-a"),
            redeem("k1", "rw-rice", "m1", Some("h1")),
        )
        .unwrap();
        assert!(a.wallets().is_empty(), "the device never invents a wallet");
        let ka = kiosk("kiosk-a");
        run(&mut a, &ka, redeem("k2", "rw-rice", "m1", Some("h1"))).unwrap();
        assert_eq!(
            run(&mut a, &ka, redeem("k6", "rw-rice", "m1", Some("h1"))),
            Err(LedgerError::HoldExhausted { remaining: 0 }.into())
        );
        assert_eq!(
            run(
                &mut server,
                &kiosk("kiosk-b"),
                redeem("k3", "rw-rice", "m1", Some("h1"))
            ),
            Err(Rejection::Forbidden(Why::OnlyDeviceHold))
        );
        assert_eq!(
            run(
                &mut server,
                &kiosk("kiosk-a"),
                redeem("k4", "rw-cut", "m1", Some("h1"))
            ),
            Err(Rejection::Conflict(Why::RedeemAtMerchant))
        );
        // Nobody spends a hold without its member at the kiosk, and a kiosk
        // never spends a wallet.
        let Op::Redeem(bare) = redeem("k7", "rw-rice", "m1", Some("h1")) else {
            unreachable!()
        };
        let bare = Redeem {
            proof: None,
            ..bare
        };
        assert_eq!(
            run(&mut server, &ka, Op::Redeem(bare)),
            Err(Rejection::Forbidden(Why::MemberProofNeeded))
        );
        assert_eq!(
            run(&mut server, &ka, redeem("k8", "rw-rice", "m1", None)),
            Err(Rejection::Forbidden(Why::OnlyOwnCreditsRedeem))
        );
        // The server receives both devices' offline redemptions.
        run(
            &mut server,
            &kiosk("kiosk-a"),
            redeem("k1", "rw-rice", "m1", Some("h1")),
        )
        .unwrap();
        run(&mut server, &ka, redeem("k2", "rw-rice", "m1", Some("h1"))).unwrap();
        run(
            &mut server,
            &kiosk("kiosk-b"),
            redeem("k5", "rw-rice", "m1", Some("h2")),
        )
        .unwrap();
        assert_eq!(balance(&server, "m1"), 10);
        assert_eq!(
            server.redemptions()["k1"].status,
            RedemptionStatus::Confirmed
        );
        // And the member cannot spend what the holds still reserve.
        assert_eq!(
            run(&mut server, &m1(), redeem("x1", "rw-cut", "m1", None)),
            Err(LedgerError::Insufficient {
                available: 0,
                needed: 20
            }
            .into())
        );
    }

    #[test]
    fn a_wish_is_claimed_once_and_its_confirmation_earns() {
        let mut r = world();
        let post = Op::PostWish(NewWish {
            id: "w1".into(),
            org_id: "b1".into(),
            title: "帮独居老人修理水龙头".into(),
            requester: "王秀梅".into(),
            credits: 15,
        });
        assert_eq!(
            run(&mut r, &m1(), post.clone()),
            Err(Rejection::Forbidden(Why::SecretaryOrStationPostsWish))
        );
        run(&mut r, &kiosk("kiosk-a"), post).unwrap();
        assert_eq!(r.wishes()["w1"].requester, "王*梅");
        run(
            &mut r,
            &m1(),
            Op::ClaimWish {
                wish_id: "w1".into(),
            },
        )
        .unwrap();
        assert_eq!(
            run(
                &mut r,
                &m2(),
                Op::ClaimWish {
                    wish_id: "w1".into()
                }
            ),
            Err(Rejection::Conflict(Why::AlreadyClaimed))
        );
        let outsider = actor("acc-m5", Some("m5"), &[(RoleKind::Member, "/c/b2/")]);
        let mut other = world();
        let mut wish = r.wishes()["w1"].clone();
        wish.status = WishStatus::Open;
        other.put_doc(Doc::Wish(wish));
        assert_eq!(
            run(
                &mut other,
                &outsider,
                Op::ClaimWish {
                    wish_id: "w1".into()
                }
            ),
            Err(Rejection::Forbidden(Why::WishNotForYourOrg))
        );
        let confirm = Op::ConfirmWish {
            wish_id: "w1".into(),
        };
        assert_eq!(
            run(&mut r, &sec(), confirm.clone()),
            Err(Rejection::Conflict(Why::ClaimerNotDone))
        );
        run(
            &mut r,
            &m1(),
            Op::FulfilWish {
                wish_id: "w1".into(),
                note: "已修好".into(),
            },
        )
        .unwrap();
        run(&mut r, &sec(), confirm.clone()).unwrap();
        assert_eq!(balance(&r, "m1"), 15);
        assert_eq!(
            r.entries()["wish-w1"].source,
            Source::Wish {
                wish_id: "w1".into()
            }
        );
        assert!(run(&mut r, &sec(), confirm).is_err(), "earns once");
        assert_eq!(balance(&r, "m1"), 15);
    }

    #[test]
    fn pledges_are_the_members_own_and_seen_in_their_org() {
        let mut r = world();
        let p = Op::SavePledge(NewPledge {
            id: "p1".into(),
            text: "周末为社区老人义务理发".into(),
            withdrawn: false,
        });
        run(&mut r, &m1(), p).unwrap();
        let hijack = Op::SavePledge(NewPledge {
            id: "p1".into(),
            text: "改掉".into(),
            withdrawn: true,
        });
        assert_eq!(
            run(&mut r, &m2(), hijack),
            Err(Rejection::Conflict(Why::IdTaken))
        );
        let doc = Doc::Pledge(r.pledges()["p1"].clone());
        let b1 = r.orgs["b1"].clone();
        assert!(m2().view_of_doc(&doc, &b1, &["/c/b1/"]).is_some());
        let outsider = actor("acc-m5", Some("m5"), &[(RoleKind::Member, "/c/b2/")]);
        assert!(outsider.view_of_doc(&doc, &b1, &["/c/b1/"]).is_none());
    }

    #[test]
    fn committees_set_the_rate_and_year_end_expiry() {
        let mut r = world();
        let committee = actor("acc-c", None, &[(RoleKind::Committee, "/c/")]);
        let rules = CreditRules {
            id: CreditRules::id_for("c"),
            org_id: "c".into(),
            rate_per_hour: 20,
            expire_at_year_end: true,
        };
        assert_eq!(
            run(&mut r, &sec(), Op::SetCreditRules(rules.clone())),
            Err(Rejection::Forbidden(Why::CommitteeSetsCreditRules))
        );
        let bad = CreditRules {
            rate_per_hour: 0,
            ..rules.clone()
        };
        assert!(run(&mut r, &committee, Op::SetCreditRules(bad)).is_err());
        run(&mut r, &committee, Op::SetCreditRules(rules)).unwrap();
        assert_eq!(
            crate::credits::rules_for(&r, &r.orgs["b1"].clone()).map(|x| x.rate_per_hour),
            Some(20),
            "the committee's rules reach the branch below it"
        );
        run(&mut r, &sec(), award("a1", "m1", 50, "服务")).unwrap();
        run(
            &mut r,
            &m1(),
            Op::PlaceHold(PlaceHold {
                id: "h1".into(),
                device_id: "kiosk-a".into(),
                amount: 20,
                expires_at: NOW + 3600,
            }),
        )
        .unwrap();
        let expire = |year| Op::ExpireCredits {
            member_id: "m1".into(),
            year,
        };
        assert_eq!(
            run(&mut r, &sec(), expire(2025)),
            Err(Rejection::Forbidden(Why::CommitteeRunsExpiry))
        );
        assert_eq!(
            run(&mut r, &committee, expire(2026)),
            Err(Rejection::Conflict(Why::YearNotOver))
        );
        run(&mut r, &committee, expire(2025)).unwrap();
        assert_eq!(balance(&r, "m1"), 20, "what the hold reserves stays");
        assert_eq!(r.entries()["expire-2025-m1"].amount, -30);
        assert!(
            run(&mut r, &committee, expire(2025)).is_err(),
            "once a year"
        );
    }
}

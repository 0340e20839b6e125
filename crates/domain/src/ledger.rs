//! Volunteer credits (志愿积分, issue #5 groundwork): an append-only ledger
//! per member. Rules of DOMAIN.md: an entry's id is its idempotency key,
//! corrections are reversal entries, the balance never goes below zero (an
//! over-spending redemption is refused, never clamped), and earned credits
//! come from verified attendance (presence under 60 % earns nothing).
//!
//! Offline redemption at a station draws on a **hold** placed while online:
//! a hold reserves part of the balance for one device, so two offline devices
//! can never spend the same credits.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::validate::{self, Field, FieldError};

/// No single entry moves more than this (a typo, not a volunteer year).
pub const MAX_AMOUNT: i64 = 100_000;
/// Credits per hour of verified service until committees set their own rate.
pub const DEFAULT_RATE_PER_HOUR: i64 = 10;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    Earn,
    Redeem,
    Adjust,
    Expire,
    Reversal,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    CheckIn {
        checkin_id: String,
    },
    Wish {
        wish_id: String,
    },
    Manual,
    Redemption {
        reward_id: String,
    },
    /// Year-end expiry, or the entry being reversed.
    System,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerEntry {
    pub id: String,
    pub member_id: String,
    /// The org whose organisers see it (the activity's, for credits earned
    /// there).
    #[serde(default)]
    pub org_id: String,
    /// Signed: what the entry adds to the balance.
    pub amount: i64,
    pub kind: EntryKind,
    pub source: Source,
    #[serde(default)]
    pub reason: Option<String>,
    /// The account that made it.
    pub actor: String,
    pub at: i64,
    /// For a reversal: the entry it cancels.
    #[serde(default)]
    pub reverses: Option<String>,
    /// For a redemption made offline: the hold it draws on.
    #[serde(default)]
    pub hold_id: Option<String>,
}

/// After a hold's end its device may still be delivering redemptions made
/// before it (offline): the credits stay reserved this much longer.
pub const HOLD_GRACE_SECS: i64 = 2 * 3600;
/// The longest a hold may reserve credits.
pub const MAX_HOLD_SECS: i64 = 7 * 24 * 3600;

/// A member's balance as the server keeps it, next to the entries and
/// changed in the same transaction (`wallet-{member}`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Wallet {
    pub id: String,
    pub member_id: String,
    /// The member's org (whose organisers see it).
    pub org_id: String,
    pub balance: i64,
    /// Entries already reversed (reversals are rare; a reversal is refused
    /// twice).
    #[serde(default)]
    pub reversed: Vec<String>,
}

impl Wallet {
    pub fn id_for(member_id: &str) -> String {
        format!("wallet-{member_id}")
    }

    pub fn new(member_id: &str, org_id: &str) -> Self {
        Wallet {
            id: Self::id_for(member_id),
            member_id: member_id.into(),
            org_id: org_id.into(),
            balance: 0,
            reversed: vec![],
        }
    }

    /// The balance minus what active holds reserve.
    pub fn available<'a>(&self, holds: impl IntoIterator<Item = &'a Hold>, now: i64) -> i64 {
        self.balance - holds.into_iter().map(|h| h.remaining(now)).sum::<i64>()
    }
}

/// Part of a balance reserved for one device (a station kiosk's account)
/// until `expires_at`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hold {
    pub id: String,
    pub member_id: String,
    /// The member's name, for the station screen (which sees no directory).
    #[serde(default)]
    pub member_name: String,
    #[serde(default)]
    pub org_id: String,
    pub device_id: String,
    pub amount: i64,
    /// What redemptions have drawn from it so far.
    #[serde(default)]
    pub used: i64,
    pub expires_at: i64,
    #[serde(default)]
    pub released: bool,
}

impl Hold {
    /// Whether it still reserves credits (until the end plus the grace).
    fn reserving(&self, now: i64) -> bool {
        !self.released && now < self.expires_at + HOLD_GRACE_SECS
    }

    /// Whether its device may still spend from it (a redemption made at `at`).
    pub fn usable_at(&self, at: i64) -> bool {
        !self.released && at < self.expires_at
    }

    /// What it still reserves.
    pub fn remaining(&self, now: i64) -> i64 {
        if self.reserving(now) {
            self.amount - self.used
        } else {
            0
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    #[error("{0}")]
    Field(#[from] FieldError),
    #[error("积分数额应在 1 到 100000 之间")]
    BadAmount,
    #[error("积分余额不足：可用 {available}，需要 {needed}")]
    Insufficient { available: i64, needed: i64 },
    #[error("编号已用于另一笔积分记录")]
    IdReused,
    #[error("找不到要冲正的记录")]
    NothingToReverse,
    #[error("冲正记录不能再冲正")]
    ReversalOfReversal,
    #[error("该记录已经冲正过了")]
    AlreadyReversed,
    #[error("调整积分必须写明原因")]
    ReasonRequired,
    #[error("找不到可用的积分冻结")]
    NoHold,
    #[error("该设备冻结的积分不足：剩余 {remaining}")]
    HoldExhausted { remaining: i64 },
    #[error("积分冻结已过期或已释放")]
    HoldExpired,
}

impl LedgerError {
    /// `ledger_<what>` with the amounts it names.
    pub fn reason(&self) -> crate::refusal::Reason {
        use crate::refusal::Reason;
        match self {
            LedgerError::Field(f) => f.reason(),
            LedgerError::BadAmount => Reason::new("ledger_bad_amount"),
            LedgerError::Insufficient { available, needed } => Reason::new("ledger_insufficient")
                .with("available", available)
                .with("needed", needed),
            LedgerError::IdReused => Reason::new("ledger_id_reused"),
            LedgerError::NothingToReverse => Reason::new("ledger_nothing_to_reverse"),
            LedgerError::ReversalOfReversal => Reason::new("ledger_reversal_of_reversal"),
            LedgerError::AlreadyReversed => Reason::new("ledger_already_reversed"),
            LedgerError::ReasonRequired => Reason::new("ledger_reason_required"),
            LedgerError::NoHold => Reason::new("ledger_no_hold"),
            LedgerError::HoldExhausted { remaining } => {
                Reason::new("ledger_hold_exhausted").with("remaining", remaining)
            }
            LedgerError::HoldExpired => Reason::new("ledger_hold_expired"),
        }
    }
}

/// What a store knows about an entry before posting it.
#[derive(Clone, Copy, Debug)]
pub struct Context<'a> {
    /// An entry already under the same id.
    pub existing: Option<&'a LedgerEntry>,
    /// For a reversal: the entry it names, and whether it was reversed.
    pub target: Option<&'a LedgerEntry>,
    pub target_reversed: bool,
    /// The balance minus active holds.
    pub available: i64,
    /// For a redemption from a hold: that hold.
    pub hold: Option<&'a Hold>,
}

/// The rules every entry passes, wherever it is posted: idempotent by id,
/// sane signed amounts, reasons for adjustments, one reversal per entry and
/// none of a reversal, never below zero, offline spending only from the
/// device's own hold.
pub fn check(e: &LedgerEntry, cx: &Context, now: i64) -> Result<Posted, LedgerError> {
    validate::id(Field::Id, &e.id)?;
    if let Some(old) = cx.existing {
        return if *old == *e {
            Ok(Posted::Duplicate)
        } else {
            Err(LedgerError::IdReused)
        };
    }
    let magnitude = e.amount.checked_abs().unwrap_or(i64::MAX);
    if magnitude == 0 || magnitude > MAX_AMOUNT {
        return Err(LedgerError::BadAmount);
    }
    let sign_ok = match e.kind {
        EntryKind::Earn => e.amount > 0,
        EntryKind::Redeem | EntryKind::Expire => e.amount < 0,
        EntryKind::Adjust | EntryKind::Reversal => true,
    };
    if !sign_ok {
        return Err(LedgerError::BadAmount);
    }
    if matches!(e.kind, EntryKind::Adjust | EntryKind::Reversal)
        && e.reason.as_deref().is_none_or(|r| r.trim().is_empty())
    {
        return Err(LedgerError::ReasonRequired);
    }
    if e.kind == EntryKind::Reversal {
        let target = cx
            .target
            .filter(|t| t.member_id == e.member_id)
            .ok_or(LedgerError::NothingToReverse)?;
        if target.kind == EntryKind::Reversal {
            return Err(LedgerError::ReversalOfReversal);
        }
        if cx.target_reversed {
            return Err(LedgerError::AlreadyReversed);
        }
        if e.amount != -target.amount {
            return Err(LedgerError::BadAmount);
        }
    }
    if e.amount < 0 {
        let needed = -e.amount;
        match (&e.hold_id, cx.hold) {
            // Offline: only what this device's hold still reserves.
            (Some(_), None) => return Err(LedgerError::NoHold),
            (Some(_), Some(h)) => {
                if !h.usable_at(e.at) {
                    return Err(LedgerError::HoldExpired);
                }
                let remaining = h.remaining(now);
                if needed > remaining {
                    return Err(LedgerError::HoldExhausted { remaining });
                }
            }
            (None, _) => {
                if needed > cx.available {
                    return Err(LedgerError::Insufficient {
                        available: cx.available,
                        needed,
                    });
                }
            }
        }
    }
    Ok(Posted::Applied)
}

/// What posting an entry did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Posted {
    Applied,
    /// The same entry again (a replayed push): nothing changes.
    Duplicate,
}

/// One member's ledger: entries, holds and the balance kept beside them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemberLedger {
    pub entries: BTreeMap<String, LedgerEntry>,
    pub holds: BTreeMap<String, Hold>,
    pub balance: i64,
}

impl MemberLedger {
    /// The balance minus what active holds reserve.
    pub fn available(&self, now: i64) -> i64 {
        self.balance - self.holds.values().map(|h| h.remaining(now)).sum::<i64>()
    }

    /// Checks and appends `e`. Idempotent by id; never leaves the balance
    /// below zero; never partially applies.
    pub fn post(&mut self, e: LedgerEntry, now: i64) -> Result<Posted, LedgerError> {
        let cx = Context {
            existing: self.entries.get(&e.id),
            target: e.reverses.as_deref().and_then(|id| self.entries.get(id)),
            target_reversed: self
                .entries
                .values()
                .any(|x| x.kind == EntryKind::Reversal && x.reverses == e.reverses),
            available: self.available(now),
            hold: e.hold_id.as_deref().and_then(|h| self.holds.get(h)),
        };
        if check(&e, &cx, now)? == Posted::Duplicate {
            return Ok(Posted::Duplicate);
        }
        if let Some(h) = e.hold_id.as_deref().and_then(|h| self.holds.get_mut(h)) {
            h.used += -e.amount;
        }
        self.balance += e.amount;
        self.entries.insert(e.id.clone(), e);
        Ok(Posted::Applied)
    }

    /// Reserves `h.amount` of what is available for one device.
    pub fn place_hold(&mut self, h: Hold, now: i64) -> Result<Posted, LedgerError> {
        if check_hold(&h, self.holds.get(&h.id), self.available(now), now)? == Posted::Applied {
            self.holds.insert(h.id.clone(), Hold { used: 0, ..h });
            return Ok(Posted::Applied);
        }
        Ok(Posted::Duplicate)
    }

    /// Gives back what a hold still reserves.
    pub fn release(&mut self, hold_id: &str) {
        if let Some(h) = self.holds.get_mut(hold_id) {
            h.released = true;
        }
    }
}

/// The rules of a new hold: idempotent by id, a sane amount no larger than
/// what is available, an end in the future and within a week.
pub fn check_hold(
    h: &Hold,
    existing: Option<&Hold>,
    available: i64,
    now: i64,
) -> Result<Posted, LedgerError> {
    validate::id(Field::Id, &h.id)?;
    if let Some(old) = existing {
        return if old.amount == h.amount && old.device_id == h.device_id {
            Ok(Posted::Duplicate)
        } else {
            Err(LedgerError::IdReused)
        };
    }
    if h.amount <= 0 || h.amount > MAX_AMOUNT {
        return Err(LedgerError::BadAmount);
    }
    if h.expires_at <= now || h.expires_at > now + MAX_HOLD_SECS {
        return Err(LedgerError::HoldExpired);
    }
    if h.amount > available {
        return Err(LedgerError::Insufficient {
            available,
            needed: h.amount,
        });
    }
    Ok(Posted::Applied)
}

/// The balance an entry list adds up to (the server keeps its own beside
/// the entries; a device derives it).
pub fn balance<'a>(entries: impl IntoIterator<Item = &'a LedgerEntry>) -> i64 {
    entries.into_iter().map(|e| e.amount).sum()
}

/// Credits for an attended activity: hours present (up to the set duration)
/// × `rate` per hour, rounded down; nothing under 60 % of the set duration.
pub fn earned(minutes_present: i64, set_minutes: u32, rate_per_hour: i64) -> i64 {
    let set = i64::from(set_minutes);
    if set == 0 || minutes_present * 100 < set * 60 {
        return 0;
    }
    minutes_present.min(set) * rate_per_hour / 60
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_795_312_800;

    fn entry(id: &str, kind: EntryKind, amount: i64) -> LedgerEntry {
        LedgerEntry {
            id: id.into(),
            member_id: "m1".into(),
            org_id: "b1".into(),
            amount,
            kind,
            source: Source::Manual,
            reason: Some("测试".into()),
            actor: "acc".into(),
            at: NOW,
            reverses: None,
            hold_id: None,
        }
    }

    fn reversal(id: &str, of: &str, amount: i64) -> LedgerEntry {
        LedgerEntry {
            reverses: Some(of.into()),
            ..entry(id, EntryKind::Reversal, amount)
        }
    }

    #[test]
    fn replays_never_credit_twice() {
        let mut l = MemberLedger::default();
        let e = entry("e1", EntryKind::Earn, 30);
        assert_eq!(l.post(e.clone(), NOW), Ok(Posted::Applied));
        assert_eq!(l.post(e, NOW), Ok(Posted::Duplicate));
        assert_eq!(l.balance, 30);
        assert_eq!(
            l.post(entry("e1", EntryKind::Earn, 31), NOW),
            Err(LedgerError::IdReused)
        );
    }

    #[test]
    fn overspending_is_refused_not_clamped() {
        let mut l = MemberLedger::default();
        l.post(entry("e1", EntryKind::Earn, 30), NOW).unwrap();
        assert_eq!(
            l.post(entry("r1", EntryKind::Redeem, -31), NOW),
            Err(LedgerError::Insufficient {
                available: 30,
                needed: 31
            })
        );
        assert_eq!(l.balance, 30);
        l.post(entry("r2", EntryKind::Redeem, -30), NOW).unwrap();
        assert_eq!(l.balance, 0);
    }

    #[test]
    fn bad_amounts_and_reversals() {
        let mut l = MemberLedger::default();
        for bad in [0, -5, MAX_AMOUNT + 1, i64::MIN] {
            assert_eq!(
                l.post(entry("x", EntryKind::Earn, bad), NOW),
                Err(LedgerError::BadAmount),
                "{bad}"
            );
        }
        let mut no_reason = entry("adj", EntryKind::Adjust, 5);
        no_reason.reason = Some(" ".into());
        assert_eq!(l.post(no_reason, NOW), Err(LedgerError::ReasonRequired));
        l.post(entry("e1", EntryKind::Earn, 20), NOW).unwrap();
        assert_eq!(
            l.post(reversal("v0", "e1", -19), NOW),
            Err(LedgerError::BadAmount)
        );
        l.post(reversal("v1", "e1", -20), NOW).unwrap();
        assert_eq!(l.balance, 0);
        assert_eq!(
            l.post(reversal("v2", "e1", -20), NOW),
            Err(LedgerError::AlreadyReversed)
        );
        assert_eq!(
            l.post(reversal("v3", "v1", 20), NOW),
            Err(LedgerError::ReversalOfReversal)
        );
        assert_eq!(
            l.post(reversal("v4", "nope", 1), NOW),
            Err(LedgerError::NothingToReverse)
        );
    }

    #[test]
    fn two_offline_devices_never_spend_the_same_credits() {
        let mut l = MemberLedger::default();
        l.post(entry("e1", EntryKind::Earn, 70), NOW).unwrap();
        let hold = |id: &str, device: &str, amount| Hold {
            id: id.into(),
            member_id: "m1".into(),
            member_name: String::new(),
            org_id: "b1".into(),
            device_id: device.into(),
            amount,
            used: 0,
            expires_at: NOW + 3600,
            released: false,
        };
        l.place_hold(hold("h1", "kiosk-a", 50), NOW).unwrap();
        assert!(matches!(
            l.place_hold(hold("h2", "kiosk-b", 30), NOW),
            Err(LedgerError::Insufficient { available: 20, .. })
        ));
        l.place_hold(hold("h2", "kiosk-b", 20), NOW).unwrap();
        assert_eq!(l.available(NOW), 0);
        let offline = |id: &str, h: &str, amount| LedgerEntry {
            hold_id: Some(h.into()),
            ..entry(id, EntryKind::Redeem, amount)
        };
        l.post(offline("r1", "h1", -40), NOW).unwrap();
        assert_eq!(
            l.post(offline("r2", "h1", -20), NOW),
            Err(LedgerError::HoldExhausted { remaining: 10 })
        );
        l.post(offline("r3", "h2", -20), NOW).unwrap();
        assert_eq!(l.balance, 10);
        // The unused part of h1 comes back after its end and the grace for
        // redemptions still on their way; none can be made after the end.
        assert_eq!(l.available(NOW), 0);
        assert_eq!(l.available(NOW + 3600), 0);
        assert_eq!(l.available(NOW + 3600 + HOLD_GRACE_SECS), 10);
        let late = LedgerEntry {
            at: NOW + 3600,
            ..offline("r4", "h1", -5)
        };
        assert_eq!(l.post(late, NOW + 3600), Err(LedgerError::HoldExpired));
    }

    #[test]
    fn earning_follows_presence() {
        assert_eq!(earned(120, 120, 10), 20);
        assert_eq!(earned(72, 120, 10), 12, "60 % earns");
        assert_eq!(earned(71, 120, 10), 0, "under 60 % earns nothing");
        assert_eq!(earned(300, 120, 10), 20, "no more than the set duration");
        assert_eq!(earned(10, 0, 10), 0);
    }

    proptest::proptest! {
        /// Earns, redemptions (some through holds), reversals and holds from
        /// several offline devices, delivered in any order and duplicated:
        /// the balance equals the sum of accepted entries and never goes
        /// below zero, no entry counts twice, and every refusal is reported.
        #[test]
        fn balance_is_the_sum_of_accepted_entries(
            ops in proptest::collection::vec((0u8..5, 1i64..60, 0usize..64, 0u8..3), 1..80),
            order in proptest::collection::vec(0usize..1000, 1..80),
        ) {
            // What the devices made, each with a unique id.
            let mut made: Vec<Result<LedgerEntry, Hold>> = Vec::new();
            for (i, (kind, amount, pick, device)) in ops.iter().enumerate() {
                let id = format!("x{i}");
                made.push(match kind {
                    0 | 1 => Ok(entry(&id, EntryKind::Earn, *amount)),
                    2 => Ok(entry(&id, EntryKind::Redeem, -*amount)),
                    3 => Err(Hold {
                        id: id.clone(),
                        member_id: "m1".into(),
                        member_name: String::new(),
                        org_id: "b1".into(),
                        device_id: format!("d{device}"),
                        amount: *amount,
                        used: 0,
                        expires_at: NOW + 3600,
                        released: false,
                    }),
                    _ => {
                        // Reverse an earlier earn, or draw on an earlier hold.
                        match made.get(pick % made.len().max(1)) {
                            Some(Ok(e)) if e.kind == EntryKind::Earn => Ok(reversal(&id, &e.id, -e.amount)),
                            Some(Err(h)) => Ok(LedgerEntry { hold_id: Some(h.id.clone()), ..entry(&id, EntryKind::Redeem, -*amount) }),
                            _ => Ok(entry(&id, EntryKind::Earn, *amount)),
                        }
                    }
                });
            }
            // Delivered in a shuffled order with duplicates.
            let mut deliveries: Vec<usize> = (0..made.len()).collect();
            for (k, o) in order.iter().enumerate() {
                let n = deliveries.len();
                deliveries.swap(k % n, o % n);
                if o % 3 == 0 {
                    deliveries.push(o % made.len());
                }
            }
            let mut l = MemberLedger::default();
            let mut accepted: BTreeMap<String, i64> = BTreeMap::new();
            let mut refused = Vec::new();
            for d in deliveries {
                match &made[d] {
                    Ok(e) => match l.post(e.clone(), NOW) {
                        Ok(Posted::Applied) => {
                            proptest::prop_assert!(accepted.insert(e.id.clone(), e.amount).is_none(), "applied twice");
                        }
                        Ok(Posted::Duplicate) => proptest::prop_assert!(accepted.contains_key(&e.id)),
                        Err(why) => refused.push((e.id.clone(), why)),
                    },
                    Err(h) => {
                        let _ = l.place_hold(h.clone(), NOW);
                    }
                }
                proptest::prop_assert!(l.balance >= 0);
                proptest::prop_assert_eq!(l.balance, accepted.values().sum::<i64>());
                proptest::prop_assert!(l.available(NOW) >= 0);
                for h in l.holds.values() {
                    proptest::prop_assert!(h.used <= h.amount);
                }
            }
            // Every made entry is either in the ledger or was refused with a reason.
            for e in made.iter().filter_map(|m| m.as_ref().ok()) {
                let refused_it = refused.iter().any(|(id, _)| *id == e.id);
                proptest::prop_assert!(l.entries.contains_key(&e.id) || refused_it);
            }
        }
    }
}

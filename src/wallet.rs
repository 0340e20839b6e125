//! The signed-in member's credits as the replica shows them (optimistic):
//! balance, history, redemptions, and what still waits for sync.

use zhijian_domain::Op;

use crate::i18n::Locale;
use zhijian_domain::ledger::{LedgerEntry, Source, Wallet};
use zhijian_domain::replica::Replica;
use zhijian_domain::sync::Outcome;

use crate::sync::random_hex;

/// The member's balance: the wallet the server keeps, else the entries'
/// sum (both include queued changes, replayed).
pub fn balance(r: &Replica, member: &str) -> i64 {
    let v = r.view();
    v.wallets().get(&Wallet::id_for(member)).map_or_else(
        || {
            v.entries()
                .values()
                .filter(|e| e.member_id == member)
                .map(|e| e.amount)
                .sum()
        },
        |w| w.balance,
    )
}

/// The balance minus what holds for station devices still reserve.
pub fn available(r: &Replica, member: &str, now: i64) -> i64 {
    let held: i64 = r
        .view()
        .holds()
        .values()
        .filter(|h| h.member_id == member)
        .map(|h| h.remaining(now))
        .sum();
    balance(r, member) - held
}

/// Where an entry came from, for the history's filter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Service,
    Wish,
    Redemption,
    Manual,
}

pub const KINDS: [Kind; 4] = [Kind::Service, Kind::Wish, Kind::Redemption, Kind::Manual];

pub fn kind_of(e: &LedgerEntry) -> Kind {
    match e.source {
        Source::CheckIn { .. } => Kind::Service,
        Source::Wish { .. } => Kind::Wish,
        Source::Redemption { .. } => Kind::Redemption,
        Source::Manual | Source::System => Kind::Manual,
    }
}

/// The member's entries, newest first.
pub fn entries_of(r: &Replica, member: &str) -> Vec<LedgerEntry> {
    let mut v: Vec<LedgerEntry> = r
        .view()
        .entries()
        .values()
        .filter(|e| e.member_id == member)
        .cloned()
        .collect();
    zhijian_domain::order::sort_by(&mut v, |a, b| b.at.cmp(&a.at).then_with(|| b.id.cmp(&a.id)));
    v
}

/// Whether the op moves credits (or will, once the server verifies it).
pub fn moves_credits(op: &Op) -> bool {
    matches!(
        op,
        Op::CheckOut { .. }
            | Op::Redeem(_)
            | Op::AwardCredits(_)
            | Op::ReverseEntry(_)
            | Op::PlaceHold(_)
            | Op::ReleaseHold { .. }
            | Op::ConfirmWish { .. }
            | Op::ConfirmRedemption { .. }
    )
}

/// Ids of the entries and redemptions queued and not yet accepted.
pub fn pending_ids(r: &Replica) -> Vec<String> {
    r.outbox
        .iter()
        .flat_map(|m| match &m.op {
            Op::Redeem(x) => vec![x.id.clone(), format!("redeem-{}", x.id)],
            Op::AwardCredits(a) => vec![a.id.clone()],
            Op::ReverseEntry(x) => vec![x.id.clone()],
            Op::ConfirmRedemption { redemption_id, .. } => vec![redemption_id.clone()],
            Op::CheckOut { checkin_id, .. } => vec![format!("earn-{checkin_id}")],
            Op::ConfirmWish { wish_id } => vec![format!("wish-{wish_id}")],
            _ => vec![],
        })
        .collect()
}

/// Queued changes that move credits.
pub fn pending_count(r: &Replica) -> usize {
    r.outbox.iter().filter(|m| moves_credits(&m.op)).count()
}

/// Check-outs waiting for the server (their credits come after).
pub fn waiting_checkouts(r: &Replica) -> usize {
    r.outbox
        .iter()
        .filter(|m| matches!(m.op, Op::CheckOut { .. }))
        .count()
}

/// Refused credit changes not yet dismissed: (seq, what, reason).
pub fn rejections(r: &Replica, locale: Locale) -> Vec<(u64, String, String)> {
    r.rejected
        .iter()
        .filter(|x| x.op.as_ref().is_some_and(moves_credits))
        .filter_map(|x| match &x.outcome {
            Outcome::Rejected { .. } => {
                let what = match &x.op {
                    Some(Op::Redeem(rd)) => r
                        .view()
                        .rewards()
                        .get(&rd.reward_id)
                        .map(|rw| rw.title.clone())
                        .unwrap_or_default(),
                    _ => String::new(),
                };
                Some((x.seq, what, crate::i18n::refused(locale, &x.outcome)))
            }
            Outcome::Ok => None,
        })
        .collect()
}

/// A one-time code for a redemption: 6 random digits.
pub fn new_code() -> String {
    let hex = random_hex();
    let n = u32::from_str_radix(&hex[..8], 16).unwrap_or(0) % 1_000_000;
    format!("{n:06}")
}

//! What volunteer credits are spent on and earned by, besides activities
//! (issue #5): rewards and their redemptions, pledges ("我愿意") and
//! micro-wishes (微心愿). The ledger itself is in `ledger`; the mutations in
//! `credit_ops`.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Goods at a station or a merchant's discount, bought with credits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reward {
    pub id: String,
    /// The org offering it (a station's or a branch's); its members see it.
    pub org_id: String,
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    pub cost: i64,
    /// How many were offered in all.
    pub stock: u32,
    /// How many were redeemed (kept by the server, not by the editor).
    #[serde(default)]
    pub redeemed: u32,
    /// The merchant account that hands it over (none: the station does).
    #[serde(default)]
    pub merchant: Option<String>,
    #[serde(default)]
    pub merchant_name: Option<String>,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

impl Reward {
    pub const MAX_TITLE_CHARS: usize = 40;
    pub const MAX_DESCRIPTION_CHARS: usize = 200;
    pub const MAX_STOCK: u32 = 100_000;

    pub fn left(&self) -> u32 {
        self.stock.saturating_sub(self.redeemed)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RedemptionStatus {
    /// Paid; to be handed over on the member's one-time code.
    Issued,
    /// Handed over (the code is used).
    Confirmed,
}

/// One redemption: the credits are spent when it is accepted, the reward is
/// handed over when the station or merchant confirms its one-time code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Redemption {
    pub id: String,
    pub reward_id: String,
    pub reward_title: String,
    pub member_id: String,
    #[serde(default)]
    pub member_name: String,
    /// The reward's org.
    pub org_id: String,
    pub cost: i64,
    pub merchant: Option<String>,
    /// The one-time code: only the member's copy carries it.
    #[serde(default)]
    pub code: Option<String>,
    /// What the code must hash to (see `code_hash`), for whoever confirms.
    pub code_hash: String,
    pub status: RedemptionStatus,
    pub at: i64,
    #[serde(default)]
    pub confirmed_at: Option<i64>,
    #[serde(default)]
    pub confirmed_by: Option<String>,
    /// Made by a station device from a hold (handed over on the spot).
    #[serde(default)]
    pub hold_id: Option<String>,
}

/// SHA-256 of "id:code", hex: lets a merchant's device find the redemption a
/// code belongs to without ever holding the codes.
pub fn code_hash(redemption_id: &str, code: &str) -> String {
    let d = Sha256::digest(format!("{redemption_id}:{code}").as_bytes());
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// What a member offers to do ("我愿意"), for the members of their org.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pledge {
    pub id: String,
    pub member_id: String,
    #[serde(default)]
    pub member_name: String,
    /// The member's org: its members browse it.
    #[serde(default)]
    pub org_id: String,
    pub text: String,
    #[serde(default)]
    pub withdrawn: bool,
    #[serde(default)]
    pub at: i64,
}

impl Pledge {
    pub const MAX_TEXT_CHARS: usize = 100;
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WishStatus {
    Open,
    Claimed,
    Fulfilled,
    Confirmed,
}

/// A resident's small wish posted by a secretary or a station.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Wish {
    pub id: String,
    pub org_id: String,
    pub title: String,
    /// Masked when posted ("王*梅"); the full name is never stored.
    pub requester: String,
    pub credits: i64,
    pub status: WishStatus,
    #[serde(default)]
    pub claimed_by: Option<String>,
    #[serde(default)]
    pub claimer_name: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
    pub posted_by: String,
    pub at: i64,
}

impl Wish {
    pub const MAX_TITLE_CHARS: usize = 60;
    /// No wish earns more than a long day of service.
    pub const MAX_CREDITS: i64 = 200;
}

/// A committee's credit rules for every org below it: the hourly rate of
/// verified service, and whether unspent credits expire at year end.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditRules {
    /// `rules-{org}`.
    pub id: String,
    pub org_id: String,
    pub rate_per_hour: i64,
    #[serde(default)]
    pub expire_at_year_end: bool,
}

impl CreditRules {
    pub const MAX_RATE: i64 = 100;

    pub fn id_for(org_id: &str) -> String {
        format!("rules-{org_id}")
    }
}

/// The rules in force for `org`: those of the nearest org above it (or its
/// own) that has set some. Paths name the ids from the root down.
pub fn rules_for(view: &impl crate::View, org: &crate::Org) -> Option<CreditRules> {
    org.path
        .split('/')
        .filter(|s| !s.is_empty())
        .rev()
        .find_map(|id| match view.doc(&CreditRules::id_for(id)) {
            Some(crate::doc::Doc::Rules(r)) => Some(r),
            _ => None,
        })
}

/// "王秀梅" → "王*梅", "李明" → "李*", a lone character stays.
pub fn mask_name(name: &str) -> String {
    let chars: Vec<char> = name.trim().chars().collect();
    match chars.len() {
        0 | 1 => chars.iter().collect(),
        2 => format!("{}*", chars[0]),
        n => format!("{}{}{}", chars[0], "*".repeat(n - 2), chars[n - 1]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_masked() {
        assert_eq!(mask_name("王秀梅"), "王*梅");
        assert_eq!(mask_name("李明"), "李*");
        assert_eq!(mask_name("欧阳春花"), "欧**花");
        assert_eq!(mask_name(" 张 "), "张");
    }

    #[test]
    fn code_hash_binds_the_redemption() {
        assert_eq!(code_hash("r1", "123456"), code_hash("r1", "123456"));
        assert_ne!(code_hash("r1", "123456"), code_hash("r2", "123456"));
        assert_eq!(code_hash("r1", "1").len(), 64);
    }
}

//! Activities under menu items, and sign-ups under capacity (报名, 候补).

use serde::{Deserialize, Serialize};

/// 菜单式 / 预约式 / 组团式 / 主题式
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceMode {
    /// Sign up freely.
    Menu,
    /// Limited seats; a waitlist beyond them.
    Booking,
    /// A team leader signs up named members; each person takes a seat.
    Group,
    /// Tied to the month's theme party day.
    Theme,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignupStatus {
    /// Waiting for the organiser's approval.
    Requested,
    Confirmed,
    /// Beyond capacity; promoted in arrival order when seats free up.
    Waitlisted,
    Cancelled,
    /// The organiser declined it.
    Declined,
}

impl SignupStatus {
    /// Holds or waits for a seat (a second sign-up would be a duplicate).
    pub fn is_active(self) -> bool {
        matches!(self, Self::Requested | Self::Confirmed | Self::Waitlisted)
    }
}

/// An activity under a menu item: when, where, how people join.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Activity {
    pub id: String,
    pub menu_id: String,
    pub item_id: String,
    /// The menu's org: the activity is for its members (and its groups').
    pub org_id: String,
    pub title: String,
    /// Seconds since the epoch.
    pub starts_at: i64,
    pub minutes: u32,
    /// A station's name or free text.
    pub place: String,
    #[serde(default)]
    pub description: Option<String>,
    pub mode: ServiceMode,
    /// Seats, for booking and group modes.
    #[serde(default)]
    pub capacity: Option<u32>,
    /// Sign-ups wait for the organiser's approval.
    #[serde(default)]
    pub needs_approval: bool,
    /// Attendance is timed (check-out), for volunteer hours.
    #[serde(default)]
    pub counts_hours: bool,
    #[serde(default)]
    pub cancelled: bool,
    /// Seats held by confirmed sign-ups (kept by the server with them).
    #[serde(default)]
    pub taken: u32,
    /// Sign-ups received so far; a new one's rank is this plus one.
    #[serde(default)]
    pub arrivals: u32,
    /// The check-in code secret (hex). Only organisers' copies carry it.
    #[serde(default)]
    pub secret: Option<String>,
    /// The orgs it is for, as its menu's (empty: `org_id` alone).
    #[serde(default)]
    pub audience: Vec<String>,
    /// The lesson studied at it (集中学习, 党课): presenter mode shows it,
    /// members open it on their phones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lesson: Option<crate::study::LessonRef>,
}

impl Activity {
    pub const MAX_TITLE_CHARS: usize = 64;
    pub const MAX_TEXT_CHARS: usize = 500;
    pub const MAX_MINUTES: u32 = 24 * 60;

    pub fn ends_at(&self) -> i64 {
        self.starts_at + i64::from(self.minutes) * 60
    }

    /// Seats are limited in these modes.
    pub fn limited(&self) -> Option<u32> {
        match self.mode {
            ServiceMode::Booking | ServiceMode::Group => self.capacity,
            ServiceMode::Menu | ServiceMode::Theme => None,
        }
    }

    /// Attendance needs a confirmed sign-up first.
    pub fn needs_signup(&self) -> bool {
        self.needs_approval || self.limited().is_some()
    }
}

/// A sign-up (报名): one person, or a team leader's group of named members.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signup {
    pub id: String,
    pub activity_id: String,
    /// The activity's org (for scopes).
    pub org_id: String,
    /// Who signed up (the team leader for a group).
    pub member_id: String,
    /// Everyone it covers, one seat each; the leader first.
    pub members: Vec<String>,
    pub status: SignupStatus,
    /// Arrival order at the server: the waitlist's order.
    pub rank: u32,
    /// Place on the waitlist (1-based) while waitlisted.
    #[serde(default)]
    pub position: Option<u32>,
}

impl Signup {
    pub fn seats(&self) -> u32 {
        u32::try_from(self.members.len()).unwrap_or(u32::MAX)
    }

    pub fn covers(&self, member_id: &str) -> bool {
        self.members.iter().any(|m| m == member_id)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CapacityError {
    #[error("名额必须大于 0")]
    NotPositive,
    #[error("名额不能超过 {0}")]
    TooLarge(u32),
}

pub const MAX_CAPACITY: u32 = 10_000;

pub fn validate_capacity(capacity: i64) -> Result<u32, CapacityError> {
    if capacity <= 0 {
        return Err(CapacityError::NotPositive);
    }
    u32::try_from(capacity)
        .ok()
        .filter(|c| *c <= MAX_CAPACITY)
        .ok_or(CapacityError::TooLarge(MAX_CAPACITY))
}

/// The decision for a new sign-up of `seats` when `taken` seats are held:
/// confirmed while it fits, otherwise waitlisted. Never beyond capacity.
pub fn admit(capacity: Option<u32>, taken: u32, seats: u32) -> SignupStatus {
    match capacity {
        Some(c) if taken.saturating_add(seats) > c => SignupStatus::Waitlisted,
        _ => SignupStatus::Confirmed,
    }
}

/// Seats free to promote into, then the waitlisted sign-ups (in rank order)
/// to confirm, each if it fits in what is left: a large group does not block
/// a single person behind it, and confirmed sign-ups are never moved.
pub fn promote<'a>(capacity: Option<u32>, taken: u32, waitlist: &[&'a Signup]) -> Vec<&'a Signup> {
    let mut free = capacity.map_or(u32::MAX, |c| c.saturating_sub(taken));
    let mut sorted: Vec<&Signup> = waitlist
        .iter()
        .copied()
        .filter(|s| s.status == SignupStatus::Waitlisted)
        .collect();
    crate::order::sort_by_key(&mut sorted, |s| s.rank);
    let mut out = Vec::new();
    for s in sorted {
        if s.seats() <= free {
            free -= s.seats();
            out.push(s);
        }
    }
    out
}

/// Renumbers the waitlist (1-based, rank order); returns the sign-ups whose
/// position changed, updated.
pub fn renumber(signups: &[Signup]) -> Vec<Signup> {
    let mut sorted: Vec<&Signup> = signups.iter().collect();
    crate::order::sort_by_key(&mut sorted, |s| s.rank);
    let mut next = 0u32;
    let mut out = Vec::new();
    for s in sorted {
        let position = (s.status == SignupStatus::Waitlisted).then(|| {
            next += 1;
            next
        });
        if s.position != position {
            out.push(Signup {
                position,
                ..s.clone()
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use SignupStatus::*;

    fn su(id: &str, seats: usize, status: SignupStatus, rank: u32) -> Signup {
        Signup {
            id: id.into(),
            activity_id: "a".into(),
            org_id: "o".into(),
            member_id: format!("{id}-0"),
            members: (0..seats).map(|i| format!("{id}-{i}")).collect(),
            status,
            rank,
            position: None,
        }
    }

    #[test]
    fn admits_up_to_capacity_then_waitlists() {
        let mut taken = 0;
        let mut out = Vec::new();
        for _ in 0..4 {
            let st = admit(Some(2), taken, 1);
            if st == Confirmed {
                taken += 1;
            }
            out.push(st);
        }
        assert_eq!(out, [Confirmed, Confirmed, Waitlisted, Waitlisted]);
        assert_eq!(admit(None, 1_000, 50), Confirmed, "menu mode has no limit");
    }

    #[test]
    fn cancellation_promotes_in_rank_order_first_fit() {
        // Listed out of order on purpose: rank decides, not position in the slice.
        let list = [
            su("d", 1, Waitlisted, 5),
            su("g", 3, Waitlisted, 3),
            su("c", 1, Waitlisted, 4),
            su("b", 1, Confirmed, 2),
        ];
        let refs: Vec<&Signup> = list.iter().collect();
        let ids = |v: Vec<&Signup>| v.iter().map(|s| s.id.clone()).collect::<Vec<_>>();
        // Capacity 2 with one taken: the group of 3 cannot fit, c can.
        assert_eq!(ids(promote(Some(2), 1, &refs)), ["c"]);
        // Capacity 5: the group first, then c; d waits.
        assert_eq!(ids(promote(Some(5), 1, &refs)), ["g", "c"]);
    }

    #[test]
    fn groups_count_one_seat_per_person() {
        assert_eq!(admit(Some(4), 2, 3), Waitlisted);
        assert_eq!(admit(Some(5), 2, 3), Confirmed);
        assert_eq!(su("g", 3, Confirmed, 1).seats(), 3);
    }

    #[test]
    fn waitlist_positions_follow_rank() {
        let list = [
            su("x", 1, Waitlisted, 9),
            su("y", 1, Confirmed, 1),
            su("z", 1, Waitlisted, 4),
        ];
        let changed = renumber(&list);
        let pos: Vec<(String, Option<u32>)> =
            changed.iter().map(|s| (s.id.clone(), s.position)).collect();
        assert_eq!(pos, [("z".into(), Some(1)), ("x".into(), Some(2))]);
        assert!(renumber(&changed).is_empty() || changed.len() == 2);
    }

    proptest::proptest! {
        /// Any order of sign-ups and cancellations with promotion: confirmed
        /// seats never exceed capacity and a confirmed sign-up is never demoted.
        #[test]
        fn capacity_is_never_exceeded(capacity in 1u32..8, ops in proptest::collection::vec((0u8..2, 1usize..4, 0usize..40), 1..60)) {
            let mut list: Vec<Signup> = Vec::new();
            let mut taken = 0u32;
            for (kind, seats, pick) in ops {
                let before: Vec<SignupStatus> = list.iter().map(|s| s.status).collect();
                if kind == 0 {
                    let rank = u32::try_from(list.len()).unwrap() + 1;
                    let st = admit(Some(capacity), taken, u32::try_from(seats).unwrap());
                    if st == Confirmed { taken += u32::try_from(seats).unwrap(); }
                    list.push(su(&format!("s{rank}"), seats, st, rank));
                } else if !list.is_empty() {
                    let k = pick % list.len();
                    if list[k].status == Confirmed { taken -= list[k].seats(); }
                    list[k].status = Cancelled;
                    let refs: Vec<&Signup> = list.iter().collect();
                    let up: Vec<String> = promote(Some(capacity), taken, &refs).into_iter().map(|s| s.id.clone()).collect();
                    for s in list.iter_mut().filter(|s| up.contains(&s.id)) {
                        s.status = Confirmed;
                        taken += s.seats();
                    }
                }
                let held: u32 = list.iter().filter(|s| s.status == Confirmed).map(Signup::seats).sum();
                proptest::prop_assert_eq!(held, taken);
                proptest::prop_assert!(taken <= capacity);
                for (old, new) in before.iter().zip(list.iter()) {
                    if *old == Confirmed {
                        proptest::prop_assert!(new.status == Confirmed || new.status == Cancelled);
                    }
                }
            }
        }
    }

    #[test]
    fn capacity_must_be_positive_and_sane() {
        assert_eq!(validate_capacity(0), Err(CapacityError::NotPositive));
        assert_eq!(validate_capacity(-3), Err(CapacityError::NotPositive));
        assert_eq!(validate_capacity(30), Ok(30));
        assert!(validate_capacity(1_000_000).is_err());
    }
}

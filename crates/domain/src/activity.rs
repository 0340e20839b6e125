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
    /// Made offline, not yet decided by the server.
    Pending,
    Confirmed,
    Waitlisted,
    Cancelled,
}

/// A sign-up as capacity sees it: how many seats, in server arrival order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seat<'a> {
    pub signup_id: &'a str,
    pub seats: u32,
    pub status: SignupStatus,
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

/// Seats taken by confirmed sign-ups.
pub fn taken(signups: &[Seat<'_>]) -> u32 {
    signups
        .iter()
        .filter(|s| s.status == SignupStatus::Confirmed)
        .map(|s| s.seats)
        .sum()
}

/// The decision for a new sign-up of `seats` given the others: confirmed
/// while it fits, otherwise waitlisted. Never confirms beyond capacity.
pub fn admit(capacity: Option<u32>, signups: &[Seat<'_>], seats: u32) -> SignupStatus {
    match capacity {
        None => SignupStatus::Confirmed,
        Some(c) if taken(signups).saturating_add(seats) <= c => SignupStatus::Confirmed,
        Some(_) => SignupStatus::Waitlisted,
    }
}

/// After a cancellation: the waitlisted sign-ups to confirm, in arrival order,
/// each if it fits in what is free (a large group does not block a single
/// person behind it; confirmed sign-ups are never moved).
pub fn promote<'a>(capacity: Option<u32>, signups: &[Seat<'a>]) -> Vec<&'a str> {
    let mut free = match capacity {
        None => u32::MAX,
        Some(c) => c.saturating_sub(taken(signups)),
    };
    let mut out = Vec::new();
    for s in signups
        .iter()
        .filter(|s| s.status == SignupStatus::Waitlisted)
    {
        if s.seats <= free {
            free -= s.seats;
            out.push(s.signup_id);
        }
    }
    out
}

/// A waitlisted sign-up's place in the queue (1-based), as shown to the member.
pub fn waitlist_position(signups: &[Seat<'_>], signup_id: &str) -> Option<usize> {
    signups
        .iter()
        .filter(|s| s.status == SignupStatus::Waitlisted)
        .position(|s| s.signup_id == signup_id)
        .map(|p| p + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use SignupStatus::*;

    fn seat(id: &str, seats: u32, status: SignupStatus) -> Seat<'_> {
        Seat {
            signup_id: id,
            seats,
            status,
        }
    }

    #[test]
    fn admits_up_to_capacity_then_waitlists() {
        let mut list: Vec<Seat> = Vec::new();
        let ids = ["a", "b", "c", "d"];
        for id in ids {
            let st = admit(Some(2), &list, 1);
            list.push(seat(id, 1, st));
        }
        let statuses: Vec<_> = list.iter().map(|s| s.status).collect();
        assert_eq!(statuses, [Confirmed, Confirmed, Waitlisted, Waitlisted]);
        assert_eq!(waitlist_position(&list, "d"), Some(2));
        assert_eq!(admit(None, &list, 50), Confirmed, "menu mode has no limit");
    }

    #[test]
    fn cancellation_promotes_in_order_first_fit() {
        let list = vec![
            seat("a", 1, Cancelled),
            seat("b", 1, Confirmed),
            seat("g", 3, Waitlisted),
            seat("c", 1, Waitlisted),
            seat("d", 1, Waitlisted),
        ];
        // Capacity 2, one seat free: the group of 3 cannot fit, c can.
        assert_eq!(promote(Some(2), &list), ["c"]);
        // Capacity 5, four seats free: the group first, then c.
        assert_eq!(promote(Some(5), &list), ["g", "c"]);
    }

    #[test]
    fn groups_count_one_seat_per_person() {
        let list = vec![seat("a", 2, Confirmed)];
        assert_eq!(admit(Some(4), &list, 3), Waitlisted);
        assert_eq!(admit(Some(5), &list, 3), Confirmed);
    }

    proptest::proptest! {
        /// Any order of sign-ups, cancellations and promotions: confirmed seats
        /// never exceed capacity and a confirmed sign-up is never demoted.
        #[test]
        fn capacity_is_never_exceeded(capacity in 1u32..8, ops in proptest::collection::vec((0u8..3, 1u32..4, 0usize..40), 1..60)) {
            let ids: Vec<String> = (0..60).map(|i| format!("s{i}")).collect();
            let mut statuses: Vec<(usize, u32, SignupStatus)> = Vec::new();
            for (kind, seats, pick) in ops {
                let view = |st: &Vec<(usize, u32, SignupStatus)>| -> Vec<(usize, u32, SignupStatus)> { st.clone() };
                let before = view(&statuses);
                let seats_view: Vec<Seat> = before.iter().map(|(i, n, st)| seat(&ids[*i], *n, *st)).collect();
                match kind {
                    0 if statuses.len() < ids.len() => {
                        let st = admit(Some(capacity), &seats_view, seats);
                        statuses.push((statuses.len(), seats, st));
                    }
                    1 if !statuses.is_empty() => {
                        let k = pick % statuses.len();
                        statuses[k].2 = Cancelled;
                        let seats_view: Vec<Seat> = statuses.iter().map(|(i, n, st)| seat(&ids[*i], *n, *st)).collect();
                        let up: Vec<String> = promote(Some(capacity), &seats_view).into_iter().map(str::to_owned).collect();
                        for s in statuses.iter_mut() {
                            if up.contains(&ids[s.0]) {
                                s.2 = Confirmed;
                            }
                        }
                    }
                    _ => {}
                }
                let now: Vec<Seat> = statuses.iter().map(|(i, n, st)| seat(&ids[*i], *n, *st)).collect();
                proptest::prop_assert!(taken(&now) <= capacity);
                for (old, new) in before.iter().zip(statuses.iter()) {
                    if old.2 == Confirmed {
                        proptest::prop_assert!(new.2 == Confirmed || new.2 == Cancelled);
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

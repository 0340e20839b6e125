//! What a member does next, as their home page puts it ("以我为主线"): the
//! activity under way they can check in to (or out of), and their next
//! signed-up activity.

use crate::activity::{Activity, Signup};
use crate::checkin::CheckIn;
use crate::replica::Records;

/// An activity under way now, for this member, and their check-in if any.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnderWay {
    pub activity: Activity,
    pub checkin: Option<CheckIn>,
}

/// The member's agenda at `now` (seconds).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Agenda {
    /// Under way now and open to the member: signed up, or joinable without
    /// a sign-up; the ones signed up for first, then by start.
    pub under_way: Vec<UnderWay>,
    /// The next activity the member holds a live sign-up for.
    pub next: Option<(Activity, Signup)>,
}

/// The member's live sign-up for the activity (requested, confirmed or
/// waitlisted), if any.
pub fn live_signup(view: &Records, member_id: &str, activity_id: &str) -> Option<Signup> {
    view.signups()
        .values()
        .filter(|s| s.activity_id == activity_id && s.covers(member_id) && s.status.is_active())
        .min_by_key(|s| s.rank)
        .cloned()
}

pub fn agenda(view: &Records, member_id: &str, now: i64) -> Agenda {
    let mut under_way: Vec<(bool, UnderWay)> = view
        .activities()
        .values()
        .filter(|a| !a.cancelled && a.starts_at <= now && now < a.ends_at())
        .filter_map(|a| {
            let signed_up = live_signup(view, member_id, &a.id).is_some();
            let checkin = view
                .checkins()
                .values()
                .find(|c| c.activity_id == a.id && c.member_id == member_id)
                .cloned();
            // A booking needs its seat; an activity one is already in stays.
            (signed_up || !a.needs_signup() || checkin.is_some()).then(|| {
                (
                    signed_up,
                    UnderWay {
                        activity: a.clone(),
                        checkin,
                    },
                )
            })
        })
        .collect();
    crate::order::sort_by(&mut under_way, |(a_mine, a), (b_mine, b)| {
        b_mine
            .cmp(a_mine)
            .then(a.activity.starts_at.cmp(&b.activity.starts_at))
            .then(a.activity.id.cmp(&b.activity.id))
    });
    let next = view
        .activities()
        .values()
        .filter(|a| !a.cancelled && a.starts_at > now)
        .filter_map(|a| Some((a.clone(), live_signup(view, member_id, &a.id)?)))
        .min_by(|(a, _), (b, _)| a.starts_at.cmp(&b.starts_at).then(a.id.cmp(&b.id)));
    Agenda {
        under_way: under_way.into_iter().map(|(_, u)| u).collect(),
        next,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activity::{ServiceMode, SignupStatus};
    use crate::doc::Doc;

    const NOW: i64 = 1_780_000_000;

    fn activity(id: &str, starts_in_min: i64, minutes: u32, mode: ServiceMode) -> Activity {
        Activity {
            id: id.into(),
            menu_id: "menu".into(),
            item_id: "item".into(),
            org_id: "b".into(),
            title: id.into(),
            starts_at: NOW + starts_in_min * 60,
            minutes,
            place: "驿站".into(),
            description: None,
            mode,
            capacity: matches!(mode, ServiceMode::Booking).then_some(10),
            needs_approval: false,
            counts_hours: false,
            cancelled: false,
            taken: 0,
            arrivals: 0,
            secret: None,
            audience: vec![],
            lesson: None,
        }
    }

    fn signup(id: &str, activity: &str, member: &str, status: SignupStatus) -> Signup {
        Signup {
            id: id.into(),
            activity_id: activity.into(),
            org_id: "b".into(),
            member_id: member.into(),
            members: vec![member.into()],
            status,
            rank: 1,
            position: None,
        }
    }

    fn world(activities: Vec<Activity>, signups: Vec<Signup>) -> Records {
        let mut r = Records::default();
        for a in activities {
            r.put_doc(Doc::Activity(a));
        }
        for s in signups {
            r.put_doc(Doc::Signup(s));
        }
        r
    }

    #[test]
    fn under_way_lists_what_the_member_may_check_in_to() {
        let r = world(
            vec![
                activity("open-menu", -30, 120, ServiceMode::Menu),
                activity("booked", -10, 60, ServiceMode::Booking),
                activity("not-booked", -10, 60, ServiceMode::Booking),
                activity("over", -120, 60, ServiceMode::Menu),
                activity("later", 60, 60, ServiceMode::Menu),
            ],
            vec![signup("s1", "booked", "m1", SignupStatus::Confirmed)],
        );
        let a = agenda(&r, "m1", NOW);
        let ids: Vec<&str> = a.under_way.iter().map(|u| u.activity.id.as_str()).collect();
        // Signed up first; a booking without a seat is not offered.
        assert_eq!(ids, vec!["booked", "open-menu"]);
    }

    #[test]
    fn cancelled_and_declined_do_not_count() {
        let mut cancelled = activity("cancelled", -5, 60, ServiceMode::Menu);
        cancelled.cancelled = true;
        let r = world(
            vec![cancelled, activity("b", 30, 60, ServiceMode::Booking)],
            vec![signup("s", "b", "m1", SignupStatus::Declined)],
        );
        assert_eq!(agenda(&r, "m1", NOW), Agenda::default());
    }

    #[test]
    fn next_is_the_earliest_live_signup_ahead() {
        let r = world(
            vec![
                activity("far", 600, 60, ServiceMode::Booking),
                activity("soon", 60, 60, ServiceMode::Booking),
                activity("not-mine", 30, 60, ServiceMode::Booking),
                activity("past", -600, 60, ServiceMode::Booking),
            ],
            vec![
                signup("s1", "far", "m1", SignupStatus::Confirmed),
                signup("s2", "soon", "m1", SignupStatus::Waitlisted),
                signup("s3", "not-mine", "m2", SignupStatus::Confirmed),
                signup("s4", "past", "m1", SignupStatus::Confirmed),
            ],
        );
        let (a, s) = agenda(&r, "m1", NOW).next.expect("a next activity");
        assert_eq!(
            (a.id.as_str(), s.status),
            ("soon", SignupStatus::Waitlisted)
        );
    }

    #[test]
    fn a_checked_in_activity_stays_with_its_checkin() {
        let mut r = world(vec![activity("bk", -10, 60, ServiceMode::Booking)], vec![]);
        r.put_doc(Doc::CheckIn(CheckIn {
            id: "c".into(),
            activity_id: "bk".into(),
            org_id: "b".into(),
            member_id: "m1".into(),
            at: NOW - 300,
            checked_out_at: None,
            by_hand: None,
            recorded_by: "acc".into(),
        }));
        let a = agenda(&r, "m1", NOW);
        assert_eq!(a.under_way.len(), 1);
        assert_eq!(
            a.under_way[0].checkin.as_ref().map(|c| c.at),
            Some(NOW - 300)
        );
    }
}

//! What the signed-in member has to do with an activity, as the replica
//! shows it (optimistic), and whether any of it still waits for sync.

use zhijian_domain::Op;

use crate::i18n::Locale;
use zhijian_domain::activity::{Activity, Signup};
use zhijian_domain::checkin::CheckIn;
use zhijian_domain::replica::Replica;

/// The member's sign-up for the activity: an active one, else the latest.
pub fn my_signup(r: &Replica, activity_id: &str) -> Option<Signup> {
    let me = r.actor.member_id.as_deref()?;
    let mut mine: Vec<Signup> = r
        .view()
        .signups()
        .values()
        .filter(|s| s.activity_id == activity_id && s.covers(me))
        .cloned()
        .collect();
    zhijian_domain::order::sort_by_key(&mut mine, |s| (s.status.is_active(), s.rank));
    mine.pop()
}

pub fn my_checkin(r: &Replica, activity_id: &str) -> Option<CheckIn> {
    let me = r.actor.member_id.as_deref()?;
    r.view()
        .checkins()
        .values()
        .find(|c| c.activity_id == activity_id && c.member_id == me)
        .cloned()
}

/// Whether a queued mutation concerns this activity (sign-up, cancellation,
/// check-in or check-out not yet confirmed by the server).
pub fn pending_for(r: &Replica, activity: &Activity) -> bool {
    let signup_of = |id: &str| r.view().signups().get(id).map(|s| s.activity_id.clone());
    let checkin_of = |id: &str| r.view().checkins().get(id).map(|c| c.activity_id.clone());
    r.outbox.iter().any(|m| match &m.op {
        Op::SignUp(n) => n.activity_id == activity.id,
        Op::CheckIn(n) => n.activity_id == activity.id,
        Op::CheckInByHand(h) => h.activity_id == activity.id,
        Op::CancelSignup { signup_id } | Op::DecideSignup { signup_id, .. } => {
            signup_of(signup_id).as_deref() == Some(activity.id.as_str())
        }
        Op::CheckOut { checkin_id, .. } => {
            checkin_of(checkin_id).as_deref() == Some(activity.id.as_str())
        }
        Op::SaveActivity(a) => a.id == activity.id,
        Op::CancelActivity { activity_id } => *activity_id == activity.id,
        _ => false,
    })
}

/// Whether the actor organises this activity (manages its org).
pub fn organises(r: &Replica, activity: &Activity) -> bool {
    r.view()
        .orgs
        .get(&activity.org_id)
        .is_some_and(|o| r.actor.manages(o))
}

/// Reasons the server refused this member's changes to the activity, not yet
/// dismissed (seq, reason).
pub fn rejections_for(r: &Replica, activity: &Activity, locale: Locale) -> Vec<(u64, String)> {
    let signup_of = |id: &str| r.view().signups().get(id).map(|s| s.activity_id.clone());
    let checkin_of = |id: &str| r.view().checkins().get(id).map(|c| c.activity_id.clone());
    r.rejected
        .iter()
        .filter(|x| match &x.op {
            Some(Op::SignUp(n)) => n.activity_id == activity.id,
            Some(Op::CheckIn(n)) => n.activity_id == activity.id,
            Some(Op::CancelSignup { signup_id }) => {
                signup_of(signup_id).as_deref() == Some(activity.id.as_str())
            }
            Some(Op::CheckOut { checkin_id, .. }) => {
                checkin_of(checkin_id).as_deref() == Some(activity.id.as_str())
            }
            _ => false,
        })
        .filter(|x| x.outcome != zhijian_domain::sync::Outcome::Ok)
        .map(|x| (x.seq, crate::i18n::refused(locale, &x.outcome)))
        .collect()
}

//! Mutations on menus, activities, sign-ups and check-ins, applied by the
//! same pure rules on the client (optimistically) and on the server.

use serde::{Deserialize, Serialize};

use crate::activity::{self, Activity, ServiceMode, Signup, SignupStatus};
use crate::checkin::{self, CheckIn};
use crate::doc::Doc;
use crate::kernel::{CLOCK_SKEW, Rejection, View, Write, conflict, new_id, org_of};
use crate::ledger::{self, EntryKind, LedgerEntry, Source};
use crate::member_code::{self, MemberProof};
use crate::menu::{MenuError, MonthlyMenu};
use crate::refusal::{Field, Thing, Why};
use crate::self_dealing::{OwnGain, refuse_own};
use crate::study::LessonRef;
use crate::validate::{self, FieldError, Problem};
use crate::{Actor, Month, Org};

/// What an organiser sets on an activity; the server keeps the rest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActivityDraft {
    pub id: String,
    pub menu_id: String,
    pub item_id: String,
    pub title: String,
    pub starts_at: i64,
    pub minutes: u32,
    pub place: String,
    #[serde(default)]
    pub description: Option<String>,
    pub mode: ServiceMode,
    /// Seats (booking and group modes). Signed, so that a bad value is
    /// refused with a reason rather than failing to parse.
    #[serde(default)]
    pub capacity: Option<i64>,
    #[serde(default)]
    pub needs_approval: bool,
    #[serde(default)]
    pub counts_hours: bool,
    /// The check-in code secret, made by the creating device (32 hex digits);
    /// ignored when the activity exists.
    pub secret: String,
    /// A lesson of a published course to study at it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lesson: Option<LessonRef>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewSignup {
    pub id: String,
    pub activity_id: String,
    /// Whom it covers; empty means the signed-in member alone. A group
    /// sign-up (组团式) names its members, the leader included.
    #[serde(default)]
    pub members: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewCheckIn {
    pub id: String,
    pub activity_id: String,
    /// The code shown on the organiser's device.
    pub code: String,
    /// When it was entered (device clock, seconds since the epoch).
    pub at: i64,
}

/// A station's kiosk checks in the member who identified with their code
/// (the kiosk is the witness: no organiser code).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KioskCheckIn {
    pub id: String,
    pub activity_id: String,
    pub member_id: String,
    /// When, on the kiosk's clock.
    pub at: i64,
    pub proof: MemberProof,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HandCheckIn {
    pub id: String,
    pub activity_id: String,
    pub member_id: String,
    pub note: String,
    pub at: i64,
}

/// Largest group one leader signs up.
pub const MAX_GROUP: usize = 50;
/// Check-in opens this long before the start and closes this long after the end.
pub const CHECKIN_MARGIN: i64 = 30 * 60;

fn invalid(field: Field, problem: Problem) -> Rejection {
    Rejection::Invalid(FieldError { field, problem })
}

impl From<MenuError> for Rejection {
    fn from(e: MenuError) -> Self {
        match e {
            MenuError::Field(f) => Rejection::Invalid(f),
            MenuError::NoItems => conflict(Why::MenuNeedsActivity),
            MenuError::TooManyOptional { .. } => conflict(Why::TooManyOptionalRequired),
            MenuError::DuplicateItem => conflict(Why::DuplicateItemId),
            MenuError::MonthTooEarly { .. } => conflict(Why::MenuForPastMonth),
        }
    }
}

fn managed_org(actor: &Actor, view: &impl View, id: &str) -> Result<Org, Rejection> {
    let org = org_of(view, id)?;
    if actor.manages(&org) {
        Ok(org)
    } else {
        Err(Rejection::Forbidden(Why::OrganisersArrangeActivities))
    }
}

fn menu(view: &impl View, id: &str) -> Result<MonthlyMenu, Rejection> {
    match view.doc(id) {
        Some(Doc::Menu(m)) => Ok(m),
        _ => Err(Rejection::NotFound(Thing::Menu)),
    }
}

fn activity(view: &impl View, id: &str) -> Result<Activity, Rejection> {
    match view.doc(id) {
        Some(Doc::Activity(a)) => Ok(a),
        _ => Err(Rejection::NotFound(Thing::Activity)),
    }
}

fn signup(view: &impl View, id: &str) -> Result<Signup, Rejection> {
    match view.doc(id) {
        Some(Doc::Signup(s)) => Ok(s),
        _ => Err(Rejection::NotFound(Thing::SignUp)),
    }
}

/// Whether `member_id` belongs to an org of `audience` (or one below it);
/// an empty audience is `org` alone.
fn in_audience(view: &impl View, audience: &[String], org: &Org, member_id: &str) -> bool {
    view.member(member_id)
        .and_then(|m| view.org(&m.org_id))
        .is_some_and(|member_org| in_audience_of(view, audience, org, &member_org))
}

fn in_audience_of(view: &impl View, audience: &[String], org: &Org, member_org: &Org) -> bool {
    if audience.is_empty() {
        return org.contains(member_org);
    }
    audience
        .iter()
        .filter_map(|id| view.org(id))
        .any(|o| o.contains(member_org))
}

/// Whether `at` falls in the activity's check-in window: from
/// [`CHECKIN_MARGIN`] before it starts to as long after it ends.
pub fn in_check_in_window(a: &Activity, at: i64) -> bool {
    at >= a.starts_at - CHECKIN_MARGIN && at <= a.ends_at() + CHECKIN_MARGIN
}

fn check_time(at: i64, a: &Activity, now: i64) -> Result<(), Rejection> {
    if at > now + CLOCK_SKEW {
        return Err(conflict(Why::CheckInTimeInFuture));
    }
    if !in_check_in_window(a, at) {
        return Err(conflict(Why::OutsideCheckInTime));
    }
    Ok(())
}

fn check_code(view: &impl View, a: &Activity, code: &str, at: i64) -> Result<(), Rejection> {
    // Members' copies carry no secret: their device cannot judge the code and
    // the server (which always has it) decides.
    if !view.holds_secrets() {
        return Ok(());
    }
    // An activity saved before it had a secret: no code can be right.
    let Some(secret) = a.secret.as_deref().and_then(checkin::secret_bytes) else {
        return Err(conflict(Why::NoCheckInCode));
    };
    if checkin::verify(&secret, &a.id, code, at) {
        Ok(())
    } else {
        Err(Rejection::WrongCode)
    }
}

pub fn save_menu(
    actor: &Actor,
    menu_in: &MonthlyMenu,
    view: &impl View,
    now: i64,
) -> Result<Vec<Write>, Rejection> {
    let today = Month::from_unix(now).map_err(|_| invalid(Field::Month, Problem::BadId))?;
    menu_in.validate(today)?;
    managed_org(actor, view, &menu_in.org_id)?;
    // A joint menu is the alliance's for the month, hosted by the chair.
    let audience = match &menu_in.alliance_id {
        None => vec![menu_in.org_id.clone()],
        Some(id) => {
            let alliance = view
                .alliance(id)
                .ok_or(Rejection::NotFound(Thing::Alliance))?;
            if alliance.rotation.chair_for(menu_in.month) != Some(menu_in.org_id.as_str()) {
                return Err(conflict(Why::JointMenuByRotatingChair));
            }
            alliance.member_org_ids.clone()
        }
    };
    let existing = view.doc(&menu_in.id);
    let published = match existing {
        Some(Doc::Menu(old)) => {
            if old.org_id != menu_in.org_id
                || old.month != menu_in.month
                || old.alliance_id != menu_in.alliance_id
            {
                return Err(conflict(Why::MenuOrgMonthFixed));
            }
            // An item with activities stays: its sign-ups and check-ins
            // would otherwise count for nothing.
            let kept = |id: &str| menu_in.items.iter().any(|i| i.id == id);
            if view
                .activities_of(&old.id)
                .iter()
                .any(|a| !a.cancelled && !kept(&a.item_id))
            {
                return Err(conflict(Why::ItemHasActivities));
            }
            old.published
        }
        Some(_) => return Err(conflict(Why::IdTaken)),
        None => false,
    };
    if view
        .menu_for(
            &menu_in.org_id,
            menu_in.month,
            menu_in.alliance_id.as_deref(),
        )
        .is_some_and(|m| m.id != menu_in.id)
    {
        return Err(conflict(if menu_in.alliance_id.is_some() {
            Why::JointMenuExists
        } else {
            Why::MenuExists
        }));
    }
    Ok(vec![Write::Doc(Doc::Menu(MonthlyMenu {
        published,
        audience,
        ..menu_in.clone()
    }))])
}

pub fn publish_menu(
    actor: &Actor,
    menu_id: &str,
    published: bool,
    view: &impl View,
) -> Result<Vec<Write>, Rejection> {
    let m = menu(view, menu_id)?;
    managed_org(actor, view, &m.org_id)?;
    Ok(vec![Write::Doc(Doc::Menu(MonthlyMenu { published, ..m }))])
}

pub fn save_activity(
    actor: &Actor,
    d: &ActivityDraft,
    view: &impl View,
) -> Result<Vec<Write>, Rejection> {
    validate::id(Field::Id, &d.id)?;
    validate::text(Field::Name, &d.title, Activity::MAX_TITLE_CHARS)?;
    validate::text(Field::Place, &d.place, Activity::MAX_TITLE_CHARS)?;
    if let Some(text) = &d.description {
        validate::long_text(Field::Description, text, Activity::MAX_TEXT_CHARS)?;
    }
    if d.minutes == 0 || d.minutes > Activity::MAX_MINUTES {
        return Err(conflict(Why::DurationRange));
    }
    let capacity = match d.mode {
        ServiceMode::Booking | ServiceMode::Group => Some(
            activity::validate_capacity(d.capacity.unwrap_or(0))
                .map_err(|_| conflict(Why::SeatsRange))?,
        ),
        ServiceMode::Menu | ServiceMode::Theme => None,
    };
    let m = menu(view, &d.menu_id)?;
    managed_org(actor, view, &m.org_id)?;
    if let Some(l) = &d.lesson {
        match view.doc(&l.course_id) {
            Some(Doc::Course(c)) if c.published => {
                if c.lesson(&l.lesson_id).is_none() {
                    return Err(Rejection::NotFound(Thing::Lesson));
                }
            }
            _ => return Err(Rejection::NotFound(Thing::Course)),
        }
    }
    if !m.items.iter().any(|i| i.id == d.item_id) {
        return Err(Rejection::NotFound(Thing::MenuItem));
    }
    if Month::from_unix(d.starts_at).ok() != Some(m.month) {
        return Err(conflict(Why::ActivityOutsideMenuMonth));
    }
    let old = match view.doc(&d.id) {
        Some(Doc::Activity(a)) => Some(a),
        Some(_) => return Err(conflict(Why::IdTaken)),
        None => None,
    };
    if let Some(old) = &old {
        if old.menu_id != d.menu_id {
            return Err(conflict(Why::ActivityMenuFixed));
        }
        if capacity.is_some_and(|c| c < old.taken) {
            return Err(conflict(Why::SeatsBelowConfirmed));
        }
    }
    // The secret is set once; an old activity without one gets it now.
    let secret = match old.as_ref().and_then(|a| a.secret.clone()) {
        Some(kept) => Some(kept),
        None if checkin::secret_bytes(&d.secret).is_some() => Some(d.secret.clone()),
        None => return Err(invalid(Field::Secret, Problem::BadId)),
    };
    let a = Activity {
        id: d.id.clone(),
        menu_id: d.menu_id.clone(),
        item_id: d.item_id.clone(),
        org_id: m.org_id.clone(),
        title: d.title.clone(),
        starts_at: d.starts_at,
        minutes: d.minutes,
        place: d.place.clone(),
        description: d.description.clone(),
        mode: d.mode,
        capacity,
        needs_approval: d.needs_approval,
        counts_hours: d.counts_hours,
        cancelled: old.as_ref().is_some_and(|a| a.cancelled),
        taken: old.as_ref().map_or(0, |a| a.taken),
        arrivals: old.as_ref().map_or(0, |a| a.arrivals),
        secret,
        audience: m.audience.clone(),
        lesson: d.lesson.clone(),
    };
    // More seats (or none to limit) promote whoever waits.
    let mut signups = view.signups_of(&a.id);
    Ok(settle(a, &mut signups, vec![]))
}

/// Promotes waiters into free seats and renumbers the waitlist; returns the
/// activity and every sign-up that changed (after `changed`).
fn settle(mut a: Activity, signups: &mut [Signup], mut changed: Vec<String>) -> Vec<Write> {
    let refs: Vec<&Signup> = signups.iter().collect();
    let up: Vec<String> = activity::promote(a.limited(), a.taken, &refs)
        .into_iter()
        .map(|s| s.id.clone())
        .collect();
    for s in signups.iter_mut().filter(|s| up.contains(&s.id)) {
        s.status = SignupStatus::Confirmed;
        a.taken = a.taken.saturating_add(s.seats());
        changed.push(s.id.clone());
    }
    for r in activity::renumber(signups) {
        if let Some(s) = signups.iter_mut().find(|s| s.id == r.id) {
            *s = r;
            changed.push(s.id.clone());
        }
    }
    // Sign-up ids are unique in `signups`, so each changed one is written once.
    std::iter::once(Write::Doc(Doc::Activity(a)))
        .chain(
            signups
                .iter()
                .filter(|s| changed.contains(&s.id))
                .map(|s| Write::Doc(Doc::Signup(s.clone()))),
        )
        .collect()
}

pub fn cancel_activity(
    actor: &Actor,
    activity_id: &str,
    view: &impl View,
) -> Result<Vec<Write>, Rejection> {
    let a = activity(view, activity_id)?;
    managed_org(actor, view, &a.org_id)?;
    Ok(vec![Write::Doc(Doc::Activity(Activity {
        cancelled: true,
        ..a
    }))])
}

pub fn sign_up(
    actor: &Actor,
    n: &NewSignup,
    view: &impl View,
    now: i64,
) -> Result<Vec<Write>, Rejection> {
    new_id(view, &n.id)?;
    let mut a = activity(view, &n.activity_id)?;
    if a.cancelled {
        return Err(conflict(Why::ActivityCancelled));
    }
    if now > a.ends_at() {
        return Err(conflict(Why::ActivityEnded));
    }
    let org = org_of(view, &a.org_id)?;
    let me = actor
        .member_id
        .clone()
        .ok_or(Rejection::Forbidden(Why::NoMemberProfile))?;
    let members = if n.members.is_empty() {
        vec![me.clone()]
    } else {
        n.members.clone()
    };
    if members.len() > MAX_GROUP {
        return Err(conflict(Why::SignUpBatchLimit));
    }
    if members.len() > 1 && a.mode != ServiceMode::Group {
        return Err(conflict(Why::MultiSignUpGroupOnly));
    }
    let mut unique = members.clone();
    unique.sort();
    unique.dedup();
    if unique.len() != members.len() {
        return Err(conflict(Why::DuplicateMembers));
    }
    if !actor.manages(&org) {
        if !in_audience(view, &a.audience, &org, &me) {
            return Err(Rejection::Forbidden(Why::NotOwnOrgActivity));
        }
        if a.mode != ServiceMode::Group && members != [me.clone()] {
            return Err(Rejection::Forbidden(Why::OnlySelfSignUp));
        }
        // A leader names a group they are in; only organisers sign up others.
        if !members.contains(&me) {
            return Err(Rejection::Forbidden(Why::GroupSignUpIncludesSelf));
        }
    }
    for m in &members {
        validate::id(Field::Id, m)?;
        if !in_audience(view, &a.audience, &org, m) {
            return Err(Rejection::Forbidden(Why::OnlyOwnOrgSignUp));
        }
    }
    let mut signups = view.signups_of(&a.id);
    if signups
        .iter()
        .any(|s| s.status.is_active() && members.iter().any(|m| s.covers(m)))
    {
        return Err(conflict(Why::AlreadySignedUp));
    }
    let seats = u32::try_from(members.len()).unwrap_or(u32::MAX);
    let status = if a.needs_approval {
        SignupStatus::Requested
    } else {
        activity::admit(a.limited(), a.taken, seats)
    };
    if status == SignupStatus::Confirmed {
        a.taken = a.taken.saturating_add(seats);
    }
    a.arrivals = a.arrivals.saturating_add(1);
    signups.push(Signup {
        id: n.id.clone(),
        activity_id: a.id.clone(),
        org_id: a.org_id.clone(),
        member_id: me,
        members,
        status,
        rank: a.arrivals,
        position: None,
    });
    Ok(settle(a, &mut signups, vec![n.id.clone()]))
}

pub fn cancel_signup(
    actor: &Actor,
    signup_id: &str,
    view: &impl View,
) -> Result<Vec<Write>, Rejection> {
    let s = signup(view, signup_id)?;
    let mut a = activity(view, &s.activity_id)?;
    let org = org_of(view, &a.org_id)?;
    let me = actor.member_id.as_deref();
    let own = me == Some(s.member_id.as_str());
    let manages = actor.manages(&org);
    // Someone else's group that names me: I withdraw myself, the rest stay.
    let named = me.filter(|m| !own && !manages && s.covers(m) && s.members.len() > 1);
    if !own && !manages && named.is_none() {
        return Err(Rejection::Forbidden(Why::OnlyOwnSignUpCancel));
    }
    if !s.status.is_active() {
        return Err(conflict(Why::SignUpCancelled));
    }
    let mut signups = view.signups_of(&a.id);
    if let Some(me) = named {
        if s.status == SignupStatus::Confirmed {
            a.taken = a.taken.saturating_sub(1);
        }
        let rest: Vec<String> = s.members.iter().filter(|m| *m != me).cloned().collect();
        match signups.iter_mut().find(|x| x.id == s.id) {
            Some(x) => x.members = rest,
            None => signups.push(Signup {
                members: rest,
                ..s.clone()
            }),
        }
        return Ok(settle(a, &mut signups, vec![s.id]));
    }
    if s.status == SignupStatus::Confirmed {
        a.taken = a.taken.saturating_sub(s.seats());
    }
    match signups.iter_mut().find(|x| x.id == s.id) {
        Some(x) => x.status = SignupStatus::Cancelled,
        None => signups.push(Signup {
            status: SignupStatus::Cancelled,
            ..s.clone()
        }),
    }
    Ok(settle(a, &mut signups, vec![s.id]))
}

pub fn decide_signup(
    actor: &Actor,
    signup_id: &str,
    approve: bool,
    view: &impl View,
) -> Result<Vec<Write>, Rejection> {
    let s = signup(view, signup_id)?;
    let mut a = activity(view, &s.activity_id)?;
    managed_org(actor, view, &a.org_id)?;
    if s.status != SignupStatus::Requested {
        return Err(conflict(Why::SignUpProcessed));
    }
    let status = if approve {
        activity::admit(a.limited(), a.taken, s.seats())
    } else {
        SignupStatus::Declined
    };
    if status == SignupStatus::Confirmed {
        a.taken = a.taken.saturating_add(s.seats());
    }
    let mut signups = view.signups_of(&a.id);
    match signups.iter_mut().find(|x| x.id == s.id) {
        Some(x) => x.status = status,
        None => signups.push(Signup {
            status,
            ..s.clone()
        }),
    }
    Ok(settle(a, &mut signups, vec![s.id]))
}

/// Shared by both ways of checking in.
fn attend(
    view: &impl View,
    a: &Activity,
    member_id: &str,
    at: i64,
    now: i64,
) -> Result<(), Rejection> {
    let member_org = view.member(member_id).and_then(|m| view.org(&m.org_id));
    let member_org = member_org.ok_or(Rejection::Forbidden(Why::NotOwnOrgActivity))?;
    attend_from(view, a, member_id, &member_org, at, now)
}

/// `attend` for a member of `member_org` (a kiosk knows her org from her key,
/// not from her record, which it never receives).
fn attend_from(
    view: &impl View,
    a: &Activity,
    member_id: &str,
    member_org: &Org,
    at: i64,
    now: i64,
) -> Result<(), Rejection> {
    if a.cancelled {
        return Err(conflict(Why::ActivityCancelled));
    }
    check_time(at, a, now)?;
    let org = org_of(view, &a.org_id)?;
    if !in_audience_of(view, &a.audience, &org, member_org) {
        return Err(Rejection::Forbidden(Why::NotOwnOrgActivity));
    }
    if view
        .checkins_of(&a.id)
        .iter()
        .any(|c| c.member_id == member_id)
    {
        return Err(conflict(Why::AlreadyCheckedIn));
    }
    if a.needs_signup()
        && !view
            .signups_of(&a.id)
            .iter()
            .any(|s| s.status == SignupStatus::Confirmed && s.covers(member_id))
    {
        return Err(conflict(Why::NoSeatNoCheckIn));
    }
    Ok(())
}

pub fn check_in(
    actor: &Actor,
    n: &NewCheckIn,
    view: &impl View,
    now: i64,
) -> Result<Vec<Write>, Rejection> {
    new_id(view, &n.id)?;
    let me = actor
        .member_id
        .clone()
        .ok_or(Rejection::Forbidden(Why::NoMemberProfile))?;
    let a = activity(view, &n.activity_id)?;
    attend(view, &a, &me, n.at, now)?;
    check_code(view, &a, &n.code, n.at)?;
    Ok(vec![Write::Doc(Doc::CheckIn(CheckIn {
        id: n.id.clone(),
        activity_id: a.id.clone(),
        org_id: a.org_id.clone(),
        member_id: me,
        at: n.at,
        checked_out_at: None,
        by_hand: None,
        recorded_by: actor.account_id.clone(),
    }))])
}

/// Only for activities of the kiosk's station (the orgs it is stationed
/// at), on the member's proof.
pub fn check_in_at_kiosk(
    actor: &Actor,
    k: &KioskCheckIn,
    view: &impl View,
    now: i64,
) -> Result<Vec<Write>, Rejection> {
    new_id(view, &k.id)?;
    let a = activity(view, &k.activity_id)?;
    let proven = member_code::check_proof(actor, &k.member_id, Some(&k.proof), k.at, view, now)?;
    if !actor.stationed_at(&org_of(view, &a.org_id)?) {
        return Err(Rejection::Forbidden(Why::ActivityNotAtStation));
    }
    attend_from(view, &a, &k.member_id, &proven.org, k.at, now)?;
    Ok(proven
        .write
        .into_iter()
        .chain([Write::Doc(Doc::CheckIn(CheckIn {
            id: k.id.clone(),
            activity_id: a.id.clone(),
            org_id: a.org_id.clone(),
            member_id: k.member_id.clone(),
            at: k.at,
            checked_out_at: None,
            by_hand: None,
            recorded_by: actor.account_id.clone(),
        }))])
        .collect())
}

pub fn check_in_by_hand(
    actor: &Actor,
    h: &HandCheckIn,
    view: &impl View,
    now: i64,
) -> Result<Vec<Write>, Rejection> {
    new_id(view, &h.id)?;
    validate::text(Field::Note, &h.note, CheckIn::MAX_NOTE_CHARS)?;
    let a = activity(view, &h.activity_id)?;
    managed_org(actor, view, &a.org_id)?;
    refuse_own(actor, &h.member_id, OwnGain::CheckInByHand)?;
    attend(view, &a, &h.member_id, h.at, now)?;
    Ok(vec![Write::Doc(Doc::CheckIn(CheckIn {
        id: h.id.clone(),
        activity_id: a.id.clone(),
        org_id: a.org_id.clone(),
        member_id: h.member_id.clone(),
        at: h.at,
        checked_out_at: None,
        by_hand: Some(h.note.clone()),
        recorded_by: actor.account_id.clone(),
    }))])
}

pub fn check_out(
    actor: &Actor,
    checkin_id: &str,
    code: Option<&str>,
    at: i64,
    view: &impl View,
    now: i64,
) -> Result<Vec<Write>, Rejection> {
    let Some(Doc::CheckIn(c)) = view.doc(checkin_id) else {
        return Err(Rejection::NotFound(Thing::CheckIn));
    };
    let a = activity(view, &c.activity_id)?;
    if !a.counts_hours {
        return Err(conflict(Why::NoCheckOutNeeded));
    }
    if c.checked_out_at.is_some() {
        return Err(conflict(Why::AlreadyCheckedOut));
    }
    let org = org_of(view, &a.org_id)?;
    // One's own check-out always needs the code, organiser or not.
    match code {
        Some(code) if actor.is_member(&c.member_id) => check_code(view, &a, code, at)?,
        None if actor.is_member(&c.member_id) && actor.manages(&org) => {
            return Err(Rejection::Forbidden(OwnGain::CheckOutByHand.reason()));
        }
        _ if actor.manages(&org) => {}
        Some(_) => return Err(Rejection::Forbidden(Why::OnlySelfCheckOut)),
        None => return Err(conflict(Why::CheckOutNeedsCode)),
    }
    if at <= c.at {
        return Err(conflict(Why::CheckOutBeforeCheckIn));
    }
    check_time(at, &a, now)?;
    // Verified service earns credits (hours × rate; under 60 % nothing).
    let rate = crate::credits::rules_for(view, &org)
        .map_or(ledger::DEFAULT_RATE_PER_HOUR, |r| r.rate_per_hour);
    let credits = ledger::earned((at - c.at) / 60, a.minutes, rate);
    let mut writes = Vec::new();
    if credits > 0 {
        writes = crate::credit_ops::post_entry(
            view,
            LedgerEntry {
                id: format!("earn-{}", c.id),
                member_id: c.member_id.clone(),
                org_id: a.org_id.clone(),
                amount: credits,
                kind: EntryKind::Earn,
                source: Source::CheckIn {
                    checkin_id: c.id.clone(),
                },
                reason: Some(a.title.clone()),
                actor: actor.account_id.clone(),
                at,
                reverses: None,
                hold_id: None,
            },
            now,
        )?;
    }
    writes.insert(
        0,
        Write::Doc(Doc::CheckIn(CheckIn {
            checked_out_at: Some(at),
            ..c
        })),
    );
    Ok(writes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Op;
    use crate::auth::{RoleKind, ScopedRole};
    use crate::menu::{self, MenuItem};
    use crate::mutation::apply;
    use crate::replica::Records;
    use crate::{ManagementMode, Member, MemberStatus, OrgKind};

    /// 2026-11-22 10:00 in Beijing.
    const NOW: i64 = 1_795_312_800;
    const SECRET: &str = "00112233445566778899aabbccddeeff";

    /// The server's view: it holds the secrets and judges codes.
    fn world() -> Records {
        let mut r = Records {
            holds_secrets: true,
            ..Records::default()
        };
        for (id, parent, path) in [
            ("c", None, "/c/"),
            ("b1", Some("c"), "/c/b1/"),
            ("b2", Some("c"), "/c/b2/"),
        ] {
            r.orgs.insert(
                id.into(),
                Org {
                    id: id.into(),
                    parent_id: parent.map(Into::into),
                    name: id.into(),
                    kind: if parent.is_some() {
                        OrgKind::Branch
                    } else {
                        OrgKind::Committee
                    },
                    joint: false,
                    area: None,
                    place: None,
                    path: path.into(),
                },
            );
        }
        for (id, org) in [("m1", "b1"), ("m2", "b1"), ("m3", "b1"), ("m9", "b2")] {
            r.members.insert(
                id.into(),
                Member {
                    id: id.into(),
                    org_id: org.into(),
                    name: id.into(),
                    status: MemberStatus::Full,
                    mode: ManagementMode::Employed,
                    phone: None,
                    workplace: None,
                },
            );
        }
        r
    }

    fn member(id: &str, path: &str) -> Actor {
        Actor {
            account_id: format!("acc-{id}"),
            member_id: Some(id.into()),
            member_org_path: Some(path.into()),
            roles: vec![ScopedRole {
                kind: RoleKind::Member,
                org_path: Some(path.into()),
            }],
        }
    }

    fn secretary() -> Actor {
        Actor {
            account_id: "acc-sec".into(),
            member_id: None,
            member_org_path: None,
            roles: vec![ScopedRole {
                kind: RoleKind::Secretary,
                org_path: Some("/c/b1/".into()),
            }],
        }
    }

    fn run(r: &mut Records, actor: &Actor, op: Op) -> Result<(), Rejection> {
        run_at(r, actor, op, NOW)
    }

    fn run_at(r: &mut Records, actor: &Actor, op: Op, now: i64) -> Result<(), Rejection> {
        let before = r.clone();
        let writes = apply(actor, &op, r, now)?;
        assert_eq!(*r, before, "apply is pure");
        writes.into_iter().for_each(|w| r.write(w));
        Ok(())
    }

    fn the_menu() -> MonthlyMenu {
        MonthlyMenu {
            id: "menu-1".into(),
            org_id: "b1".into(),
            month: "2026-11".parse().unwrap(),
            theme_title: "学习贯彻党的二十届四中全会精神".into(),
            theme_description: None,
            items: vec![
                MenuItem {
                    id: "study".into(),
                    title: "集中学习".into(),
                    description: None,
                    mandatory: true,
                },
                MenuItem {
                    id: "serve".into(),
                    title: "社区志愿服务".into(),
                    description: None,
                    mandatory: false,
                },
                MenuItem {
                    id: "visit".into(),
                    title: "走访慰问".into(),
                    description: None,
                    mandatory: false,
                },
            ],
            min_optional: 1,
            published: false,
            alliance_id: None,
            audience: vec![],
        }
    }

    fn draft(id: &str, item: &str, mode: ServiceMode, capacity: Option<i64>) -> ActivityDraft {
        ActivityDraft {
            id: id.into(),
            menu_id: "menu-1".into(),
            item_id: item.into(),
            title: "社区志愿服务".into(),
            starts_at: NOW + 3600,
            minutes: 120,
            place: "悦海新天地党群服务驿站".into(),
            description: None,
            mode,
            capacity,
            needs_approval: false,
            counts_hours: false,
            secret: SECRET.into(),
            lesson: None,
        }
    }

    /// A published menu with a booking activity of `capacity` seats.
    fn setup(capacity: i64) -> Records {
        let mut r = world();
        let sec = secretary();
        run(&mut r, &sec, Op::SaveMenu(the_menu())).unwrap();
        run(
            &mut r,
            &sec,
            Op::PublishMenu {
                menu_id: "menu-1".into(),
                published: true,
            },
        )
        .unwrap();
        run(
            &mut r,
            &sec,
            Op::SaveActivity(draft("act", "serve", ServiceMode::Booking, Some(capacity))),
        )
        .unwrap();
        r
    }

    fn sign(r: &mut Records, who: &str) -> Result<(), Rejection> {
        run(
            r,
            &member(who, "/c/b1/"),
            Op::SignUp(NewSignup {
                id: format!("su-{who}"),
                activity_id: "act".into(),
                members: vec![],
            }),
        )
    }

    fn status(r: &Records, who: &str) -> (SignupStatus, Option<u32>) {
        let s = &r.signups()[&format!("su-{who}")];
        (s.status, s.position)
    }

    #[test]
    fn waitlist_is_promoted_in_arrival_order() {
        let mut r = setup(1);
        for who in ["m1", "m2", "m3"] {
            sign(&mut r, who).unwrap();
        }
        assert_eq!(status(&r, "m1"), (SignupStatus::Confirmed, None));
        assert_eq!(status(&r, "m2"), (SignupStatus::Waitlisted, Some(1)));
        assert_eq!(status(&r, "m3"), (SignupStatus::Waitlisted, Some(2)));
        assert_eq!(r.activities()["act"].taken, 1);
        // The same sign-up delivered again under its id is not a second one.
        assert_eq!(sign(&mut r, "m1").unwrap_err(), conflict(Why::IdTaken));
        let cancel = |r: &mut Records, who: &str| {
            run(
                r,
                &member(who, "/c/b1/"),
                Op::CancelSignup {
                    signup_id: format!("su-{who}"),
                },
            )
        };
        cancel(&mut r, "m1").unwrap();
        assert_eq!(status(&r, "m2"), (SignupStatus::Confirmed, None));
        assert_eq!(status(&r, "m3"), (SignupStatus::Waitlisted, Some(1)));
        assert_eq!(r.activities()["act"].taken, 1);
        // A waitlisted member leaving does not promote anyone into a full activity.
        cancel(&mut r, "m3").unwrap();
        assert_eq!(r.activities()["act"].taken, 1);
        assert_eq!(cancel(&mut r, "m3").unwrap_err().code(), "conflict");
        // Someone else cannot cancel m2's sign-up.
        let err = run(
            &mut r,
            &member("m1", "/c/b1/"),
            Op::CancelSignup {
                signup_id: "su-m2".into(),
            },
        );
        assert_eq!(err.unwrap_err().code(), "forbidden");
    }

    #[test]
    fn an_activity_links_a_lesson_of_a_published_course() {
        let mut r = setup(5);
        let course = |published| {
            Doc::Course(crate::study::Course {
                id: "co".into(),
                org_id: "c".into(),
                title: "快餐党课".into(),
                summary: String::new(),
                audience: vec![],
                published,
                lessons: vec![crate::study::parse_lesson("l1", "# 第一讲\n\n正文").unwrap()],
                updated_by: String::new(),
            })
        };
        let with = |lesson: &str| ActivityDraft {
            lesson: Some(LessonRef {
                course_id: "co".into(),
                lesson_id: lesson.into(),
            }),
            ..draft("act", "serve", ServiceMode::Booking, Some(5))
        };
        let sec = secretary();
        let save = |r: &mut Records, d| run(r, &sec, Op::SaveActivity(d));
        assert_eq!(
            save(&mut r, with("l1")),
            Err(Rejection::NotFound(Thing::Course))
        );
        r.put_doc(course(false));
        assert_eq!(
            save(&mut r, with("l1")),
            Err(Rejection::NotFound(Thing::Course)),
            "a draft cannot be studied"
        );
        r.put_doc(course(true));
        assert_eq!(
            save(&mut r, with("l2")),
            Err(Rejection::NotFound(Thing::Lesson))
        );
        save(&mut r, with("l1")).unwrap();
        assert_eq!(
            r.activities()["act"]
                .lesson
                .as_ref()
                .map(|l| l.lesson_id.as_str()),
            Some("l1")
        );
        // Saved again without one, the link goes.
        save(&mut r, draft("act", "serve", ServiceMode::Booking, Some(5))).unwrap();
        assert_eq!(r.activities()["act"].lesson, None);
    }

    #[test]
    fn no_double_sign_up_for_the_same_member() {
        let mut r = setup(5);
        sign(&mut r, "m1").unwrap();
        let again = run(
            &mut r,
            &member("m1", "/c/b1/"),
            Op::SignUp(NewSignup {
                id: "su-m1-again".into(),
                activity_id: "act".into(),
                members: vec![],
            }),
        );
        assert_eq!(again.unwrap_err(), conflict(Why::AlreadySignedUp));
        assert_eq!(r.activities()["act"].taken, 1);
    }

    #[test]
    fn groups_take_one_seat_per_person_and_stay_in_the_org() {
        let mut r = setup(3);
        let sec = secretary();
        run(
            &mut r,
            &sec,
            Op::SaveActivity(draft("act", "serve", ServiceMode::Group, Some(3))),
        )
        .unwrap();
        let leader = member("m1", "/c/b1/");
        let group = |id: &str, members: &[&str]| {
            Op::SignUp(NewSignup {
                id: id.into(),
                activity_id: "act".into(),
                members: members.iter().map(|s| s.to_string()).collect(),
            })
        };
        // Signing up a member of another org: refused, nothing written.
        let before = r.clone();
        assert_eq!(
            run(&mut r, &leader, group("g0", &["m1", "m9"]))
                .unwrap_err()
                .code(),
            "forbidden"
        );
        assert_eq!(r, before);
        run(&mut r, &leader, group("g1", &["m1", "m2"])).unwrap();
        assert_eq!(r.activities()["act"].taken, 2);
        assert_eq!(r.signups()["g1"].status, SignupStatus::Confirmed);
        // Two more do not fit in the one seat left.
        run(&mut r, &member("m3", "/c/b1/"), group("g2", &["m3"])).unwrap();
        assert_eq!(r.activities()["act"].taken, 3);
    }

    #[test]
    fn a_leader_names_a_group_they_are_in_and_each_named_member_can_withdraw() {
        let mut r = setup(3);
        let sec = secretary();
        run(
            &mut r,
            &sec,
            Op::SaveActivity(draft("act", "serve", ServiceMode::Group, Some(2))),
        )
        .unwrap();
        let group = |id: &str, members: &[&str]| {
            Op::SignUp(NewSignup {
                id: id.into(),
                activity_id: "act".into(),
                members: members.iter().map(|s| s.to_string()).collect(),
            })
        };
        // A member cannot sign up others without themselves.
        let before = r.clone();
        let err = run(&mut r, &member("m1", "/c/b1/"), group("g0", &["m2", "m3"]));
        assert_eq!(
            err.unwrap_err(),
            Rejection::Forbidden(Why::GroupSignUpIncludesSelf)
        );
        assert_eq!(r, before);
        // A leader in the group may.
        run(&mut r, &member("m1", "/c/b1/"), group("g1", &["m1", "m2"])).unwrap();
        assert_eq!(r.activities()["act"].taken, 2);
        // m3 waits for a seat.
        run(&mut r, &member("m3", "/c/b1/"), group("g2", &["m3"])).unwrap();
        assert_eq!(r.signups()["g2"].status, SignupStatus::Waitlisted);
        // m2 withdraws from m1's group: m1 stays, m3 gets the seat.
        let cancel = |id: &str| Op::CancelSignup {
            signup_id: id.into(),
        };
        run(&mut r, &member("m2", "/c/b1/"), cancel("g1")).unwrap();
        assert_eq!(r.signups()["g1"].members, ["m1"]);
        assert_eq!(r.signups()["g1"].status, SignupStatus::Confirmed);
        assert_eq!(r.signups()["g2"].status, SignupStatus::Confirmed);
        assert_eq!(r.activities()["act"].taken, 2);
        // m2 can now sign up alone (and waits); a stranger cannot cancel g1.
        run(&mut r, &member("m2", "/c/b1/"), group("g3", &["m2"])).unwrap();
        assert_eq!(r.signups()["g3"].status, SignupStatus::Waitlisted);
        let err = run(&mut r, &member("m3", "/c/b1/"), cancel("g1"));
        assert_eq!(err.unwrap_err().code(), "forbidden");
    }

    #[test]
    fn members_of_other_orgs_cannot_sign_up() {
        let mut r = setup(5);
        let err = run(
            &mut r,
            &member("m9", "/c/b2/"),
            Op::SignUp(NewSignup {
                id: "su-x".into(),
                activity_id: "act".into(),
                members: vec![],
            }),
        );
        assert_eq!(err.unwrap_err().code(), "forbidden");
    }

    fn code_at(activity: &str, at: i64) -> String {
        let s = checkin::secret_bytes(SECRET).unwrap();
        checkin::code(&s, activity, checkin::window(at))
    }

    fn check(r: &mut Records, who: &str, code: String, at: i64) -> Result<(), Rejection> {
        run_at(
            r,
            &member(who, "/c/b1/"),
            Op::CheckIn(NewCheckIn {
                id: format!("ci-{who}-{at}"),
                activity_id: "act".into(),
                code,
                at,
            }),
            at + 5,
        )
    }

    #[test]
    fn check_in_code_windows() {
        let mut r = setup(5);
        let start = r.activities()["act"].starts_at;
        for who in ["m1", "m2", "m3"] {
            sign(&mut r, who).unwrap();
        }
        let at = start + 600;
        // The code of the current window, and the one just before it.
        check(&mut r, "m1", code_at("act", at), at).unwrap();
        check(&mut r, "m2", code_at("act", at - 30), at).unwrap();
        // Two windows old: stale. (Codes are 6 digits, so a stale one can
        // collide with a valid one; skip that one-in-a-million case.)
        let old = code_at("act", at - 60);
        if old != code_at("act", at) && old != code_at("act", at - 30) {
            assert_eq!(
                check(&mut r, "m3", old, at).unwrap_err(),
                Rejection::WrongCode
            );
        }
        // Another activity's code.
        let other = code_at("act-2", at);
        if other != code_at("act", at) && other != code_at("act", at - 30) {
            assert_eq!(
                check(&mut r, "m3", other, at).unwrap_err(),
                Rejection::WrongCode
            );
        }
        // Twice is a conflict; outside the activity's time too.
        assert_eq!(
            check(&mut r, "m1", code_at("act", at + 30), at + 30).unwrap_err(),
            conflict(Why::AlreadyCheckedIn)
        );
        let late = start + 5 * 3600;
        assert_eq!(
            check(&mut r, "m3", code_at("act", late), late).unwrap_err(),
            conflict(Why::OutsideCheckInTime)
        );
        // A member's copy has no secret: the phone accepts, the server decides.
        let mut phone = r.clone();
        phone.put_doc(Doc::Activity(Activity {
            secret: None,
            ..phone.activities()["act"].clone()
        }));
        phone.holds_secrets = false;
        check(&mut phone, "m3", "000000".into(), at).unwrap();
        // On the server an activity without a secret accepts no code at all.
        let mut legacy = r.clone();
        legacy.put_doc(Doc::Activity(Activity {
            secret: None,
            ..legacy.activities()["act"].clone()
        }));
        assert_eq!(
            check(&mut legacy, "m3", code_at("act", at), at).unwrap_err(),
            conflict(Why::NoCheckInCode)
        );
    }

    #[test]
    fn booking_needs_a_confirmed_seat_to_check_in() {
        let mut r = setup(1);
        sign(&mut r, "m1").unwrap();
        sign(&mut r, "m2").unwrap();
        let at = r.activities()["act"].starts_at;
        assert_eq!(
            check(&mut r, "m2", code_at("act", at), at).unwrap_err(),
            conflict(Why::NoSeatNoCheckIn)
        );
        check(&mut r, "m1", code_at("act", at), at).unwrap();
    }

    #[test]
    fn organiser_checks_in_by_hand_and_members_check_out() {
        let mut r = setup(5);
        let sec = secretary();
        let mut d = draft("act", "serve", ServiceMode::Menu, None);
        d.counts_hours = true;
        run(&mut r, &sec, Op::SaveActivity(d)).unwrap();
        let at = r.activities()["act"].starts_at + 60;
        let hand = |who: &str, note: &str| {
            Op::CheckInByHand(HandCheckIn {
                id: format!("h-{who}"),
                activity_id: "act".into(),
                member_id: who.into(),
                note: note.into(),
                at,
            })
        };
        assert_eq!(
            run_at(&mut r, &sec, hand("m1", " "), at)
                .unwrap_err()
                .code(),
            "invalid"
        );
        assert_eq!(
            run_at(&mut r, &member("m2", "/c/b1/"), hand("m1", "忘带手机"), at)
                .unwrap_err()
                .code(),
            "forbidden"
        );
        run_at(&mut r, &sec, hand("m1", "忘带手机"), at).unwrap();
        assert_eq!(r.checkins()["h-m1"].by_hand.as_deref(), Some("忘带手机"));
        let out = at + 90 * 60;
        let op = |code: Option<String>| Op::CheckOut {
            checkin_id: "h-m1".into(),
            at: out,
            code,
        };
        let m1 = member("m1", "/c/b1/");
        assert_eq!(
            run_at(&mut r, &m1, op(None), out).unwrap_err(),
            conflict(Why::CheckOutNeedsCode)
        );
        run_at(&mut r, &m1, op(Some(code_at("act", out))), out).unwrap();
        assert_eq!(r.checkins()["h-m1"].minutes(), Some(90));
        // 90 of 120 minutes (75 %) at 10 an hour: 15 credits, once.
        let earned: Vec<&LedgerEntry> = r.entries().values().collect();
        assert_eq!(earned.len(), 1);
        assert_eq!((earned[0].amount, earned[0].member_id.as_str()), (15, "m1"));
        assert_eq!(ledger::balance(r.entries().values()), 15);
        // m2 leaves after an hour (50 %): checked out by the organiser, no credits.
        run_at(&mut r, &sec, hand("m2", "现场登记"), at).unwrap();
        let early = at + 60 * 60;
        let out_m2 = Op::CheckOut {
            checkin_id: "h-m2".into(),
            at: early,
            code: None,
        };
        run_at(&mut r, &sec, out_m2, early).unwrap();
        assert_eq!(r.checkins()["h-m2"].minutes(), Some(60));
        assert_eq!(r.entries().len(), 1, "under 60 % earns nothing");
        assert_eq!(
            run_at(&mut r, &m1, op(Some(code_at("act", out))), out).unwrap_err(),
            conflict(Why::AlreadyCheckedOut)
        );
    }

    #[test]
    fn bad_input_is_refused_with_reasons() {
        let mut r = setup(5);
        let sec = secretary();
        for cap in [Some(0), Some(-3), None, Some(1_000_000)] {
            let e = run(
                &mut r,
                &sec,
                Op::SaveActivity(draft("act-2", "serve", ServiceMode::Booking, cap)),
            )
            .unwrap_err();
            assert_eq!(e, conflict(Why::SeatsRange), "{cap:?}");
        }
        let mut far = the_menu();
        far.id = "menu-old".into();
        far.month = "2019-03".parse().unwrap();
        assert_eq!(
            run(&mut r, &sec, Op::SaveMenu(far)).unwrap_err(),
            conflict(Why::MenuForPastMonth)
        );
        let mut untitled = the_menu();
        untitled.items[1].title = "  ".into();
        assert_eq!(
            run(&mut r, &sec, Op::SaveMenu(untitled))
                .unwrap_err()
                .to_string(),
            "名称不能为空"
        );
        let mut second = the_menu();
        second.id = "menu-2".into();
        assert_eq!(
            run(&mut r, &sec, Op::SaveMenu(second)).unwrap_err(),
            conflict(Why::MenuExists)
        );
        let mut other_month = draft("act-3", "serve", ServiceMode::Menu, None);
        other_month.starts_at = NOW + 40 * 86_400;
        assert_eq!(
            run(&mut r, &sec, Op::SaveActivity(other_month)).unwrap_err(),
            conflict(Why::ActivityOutsideMenuMonth)
        );
        let mut no_secret = draft("act-4", "serve", ServiceMode::Menu, None);
        no_secret.secret = "short".into();
        assert_eq!(
            run(&mut r, &sec, Op::SaveActivity(no_secret))
                .unwrap_err()
                .code(),
            "invalid"
        );
        // A member cannot publish or plan.
        assert_eq!(
            run(
                &mut r,
                &member("m1", "/c/b1/"),
                Op::PublishMenu {
                    menu_id: "menu-1".into(),
                    published: false
                }
            )
            .unwrap_err()
            .code(),
            "forbidden"
        );
        // An item with an activity cannot be dropped from the menu.
        let mut fewer = the_menu();
        fewer.items.retain(|i| i.id != "serve");
        fewer.min_optional = 0;
        assert_eq!(
            run(&mut r, &sec, Op::SaveMenu(fewer.clone())).unwrap_err(),
            conflict(Why::ItemHasActivities)
        );
        // Fewer seats than confirmed sign-ups.
        sign(&mut r, "m1").unwrap();
        sign(&mut r, "m2").unwrap();
        assert_eq!(
            run(
                &mut r,
                &sec,
                Op::SaveActivity(draft("act", "serve", ServiceMode::Booking, Some(1)))
            )
            .unwrap_err(),
            conflict(Why::SeatsBelowConfirmed)
        );
    }

    #[test]
    fn more_seats_promote_the_waitlist() {
        let mut r = setup(1);
        sign(&mut r, "m1").unwrap();
        sign(&mut r, "m2").unwrap();
        run(
            &mut r,
            &secretary(),
            Op::SaveActivity(draft("act", "serve", ServiceMode::Booking, Some(2))),
        )
        .unwrap();
        assert_eq!(status(&r, "m2"), (SignupStatus::Confirmed, None));
        assert_eq!(r.activities()["act"].taken, 2);
    }

    #[test]
    fn approval_then_capacity() {
        let mut r = setup(1);
        let sec = secretary();
        let mut d = draft("act", "serve", ServiceMode::Booking, Some(1));
        d.needs_approval = true;
        run(&mut r, &sec, Op::SaveActivity(d)).unwrap();
        sign(&mut r, "m1").unwrap();
        sign(&mut r, "m2").unwrap();
        assert_eq!(status(&r, "m1").0, SignupStatus::Requested);
        let decide = |id: &str, approve| Op::DecideSignup {
            signup_id: id.into(),
            approve,
        };
        run(&mut r, &sec, decide("su-m2", true)).unwrap();
        run(&mut r, &sec, decide("su-m1", true)).unwrap();
        assert_eq!(status(&r, "m2").0, SignupStatus::Confirmed);
        assert_eq!(status(&r, "m1"), (SignupStatus::Waitlisted, Some(1)));
        assert_eq!(
            run(&mut r, &sec, decide("su-m1", false)).unwrap_err(),
            conflict(Why::SignUpProcessed)
        );
    }

    #[test]
    fn compliance_follows_check_ins() {
        let mut r = setup(5);
        let sec = secretary();
        run(
            &mut r,
            &sec,
            Op::SaveActivity(draft("learn", "study", ServiceMode::Menu, None)),
        )
        .unwrap();
        sign(&mut r, "m1").unwrap();
        let at = r.activities()["act"].starts_at;
        let m1 = r.members["m1"].clone();
        let month = "2026-11".parse().unwrap();
        let p = menu::progress(&r, &m1, month);
        assert_eq!(p.len(), 1);
        assert_eq!((p[0].1.mandatory_done, p[0].1.optional_done), (0, 0));
        check(&mut r, "m1", code_at("act", at), at).unwrap();
        run_at(
            &mut r,
            &member("m1", "/c/b1/"),
            Op::CheckIn(NewCheckIn {
                id: "ci-learn".into(),
                activity_id: "learn".into(),
                code: code_at("learn", at),
                at,
            }),
            at,
        )
        .unwrap();
        let p = menu::progress(&r, &m1, month);
        assert!(p[0].1.is_done(), "{:?}", p[0].1);
        // A cancelled activity no longer counts.
        run(
            &mut r,
            &sec,
            Op::CancelActivity {
                activity_id: "learn".into(),
            },
        )
        .unwrap();
        let p = menu::progress(&r, &m1, month);
        assert_eq!(p[0].1.missing, ["study"]);
        // The board lists the branch's members, those not done first.
        let board = menu::board(&r, &r.menus()["menu-1"]);
        assert_eq!(board.len(), 3);
        let done = board.iter().filter(|(_, c)| c.is_done()).count();
        assert_eq!(menu::board_counts(&r, &r.menus()["menu-1"]), (done, 3));
        let csv = menu::board_csv(&r.menus()["menu-1"], &board);
        assert!(csv.starts_with('\u{feff}'));
        assert_eq!(csv.lines().count(), 4);
        assert!(csv.contains("集中学习"), "{csv}");
        // A member who moved to b2 mid-month is judged by b2 (no menu there).
        let mut moved = m1.clone();
        moved.org_id = "b2".into();
        r.members.insert("m1".into(), moved.clone());
        assert!(menu::progress(&r, &moved, month).is_empty());
        // Unpublished: not owed.
        run(
            &mut r,
            &sec,
            Op::PublishMenu {
                menu_id: "menu-1".into(),
                published: false,
            },
        )
        .unwrap();
        assert!(menu::progress(&r, &r.members["m2"].clone(), month).is_empty());
    }

    /// 红盟 of b1 and b2; b1 chairs November 2026, b2 December.
    fn with_alliance(mut r: Records) -> Records {
        r.alliances.push(crate::Alliance {
            id: "hm".into(),
            name: "红盟".into(),
            member_org_ids: vec!["b1".into(), "b2".into()],
            rotation: crate::ChairRotation {
                start: "2026-11".parse().unwrap(),
                order: vec!["b1".into(), "b2".into()],
            },
        });
        r
    }

    fn joint_menu(org: &str) -> MonthlyMenu {
        MonthlyMenu {
            id: "joint".into(),
            org_id: org.into(),
            alliance_id: Some("hm".into()),
            published: true,
            ..the_menu()
        }
    }

    #[test]
    fn an_alliance_menu_is_hosted_by_the_chair_for_every_alliance_org() {
        let mut r = with_alliance(world());
        let sec = secretary();
        // b1's own menu and the alliance's joint menu coexist for the month.
        run(&mut r, &sec, Op::SaveMenu(the_menu())).unwrap();
        // b2 does not chair in November.
        let mut sec_b2 = secretary();
        sec_b2.roles[0].org_path = Some("/c/b2/".into());
        assert_eq!(
            run(&mut r, &sec_b2, Op::SaveMenu(joint_menu("b2"))).unwrap_err(),
            conflict(Why::JointMenuByRotatingChair)
        );
        run(&mut r, &sec, Op::SaveMenu(joint_menu("b1"))).unwrap();
        assert_eq!(r.menus()["joint"].audience, ["b1", "b2"]);
        let mut second = joint_menu("b1");
        second.id = "joint-2".into();
        assert_eq!(
            run(&mut r, &sec, Op::SaveMenu(second)).unwrap_err(),
            conflict(Why::JointMenuExists)
        );
        run(
            &mut r,
            &sec,
            Op::PublishMenu {
                menu_id: "joint".into(),
                published: true,
            },
        )
        .unwrap();
        let mut d = draft("theme-day", "serve", ServiceMode::Theme, None);
        d.menu_id = "joint".into();
        run(&mut r, &sec, Op::SaveActivity(d)).unwrap();
        assert_eq!(r.activities()["theme-day"].audience, ["b1", "b2"]);
        // m9 of b2 is in the audience: the joint menu applies and m9 may join.
        let m9 = r.members["m9"].clone();
        let month = "2026-11".parse().unwrap();
        let ids: Vec<String> = menu::menus_for(&r, &m9, month)
            .iter()
            .map(|m| m.id.clone())
            .collect();
        assert_eq!(ids, ["joint"], "b1's own menu is not m9's");
        run(
            &mut r,
            &member("m9", "/c/b2/"),
            Op::SignUp(NewSignup {
                id: "su-m9".into(),
                activity_id: "theme-day".into(),
                members: vec![],
            }),
        )
        .unwrap();
        // The chair's secretary sees m9 on the joint board.
        assert_eq!(menu::board(&r, &r.menus()["joint"]).len(), 4);
        // Visibility follows the audience paths.
        let b1 = r.orgs["b1"].clone();
        let doc = Doc::Menu(r.menus()["joint"].clone());
        let m9 = member("m9", "/c/b2/");
        assert!(m9.view_of_doc(&doc, &b1, &["/c/b1/", "/c/b2/"]).is_some());
        assert!(m9.view_of_doc(&doc, &b1, &["/c/b1/"]).is_none());
    }

    #[test]
    fn an_accepted_change_stays_visible_between_push_and_pull() {
        use crate::replica::Replica;
        use crate::sync::{Change, MutationResult, Outcome, PullResponse, PushResponse};
        let mut r = Replica::from_parts(secretary(), world(), vec![], 0, 0, vec![]);
        let save = Op::SaveMenu(the_menu());
        r.mutate(save.clone(), NOW, "q-1".into()).unwrap();
        assert_eq!(r.verdict("q-1", &save), None, "queued");
        let ok = MutationResult {
            seq: 1,
            name: "menu.save@1".into(),
            outcome: Outcome::Ok,
        };
        r.apply_push(&PushResponse {
            last_seq: 1,
            results: vec![ok],
        });
        assert!(r.outbox.is_empty());
        assert!(
            r.view().menus().contains_key("menu-1"),
            "accepted, not yet pulled: still shown"
        );
        assert_eq!(r.verdict("q-1", &save), None, "accepted, not yet pulled");
        // Rebuilt from storage meanwhile (no outbox entry, base without it):
        // carried over from the replica it replaces.
        let mut reloaded = Replica::from_parts(secretary(), world(), vec![], 0, 1, vec![]);
        assert!(!reloaded.view().menus().contains_key("menu-1"));
        reloaded.carry_acked(&mut r.clone());
        assert!(reloaded.view().menus().contains_key("menu-1"));
        let mut saved = r.view().menus()["menu-1"].clone();
        saved.audience = vec!["b1".into()];
        let page = |has_more, changes| PullResponse {
            changes,
            cursor: 9,
            has_more,
            reset: false,
            epoch: 1,
            last_seq: 1,
            results: vec![],
        };
        r.apply_pull(&page(true, vec![]));
        assert!(
            r.view().menus().contains_key("menu-1"),
            "a partial pull keeps it"
        );
        assert_eq!(r.verdict("q-1", &save), None, "pulled in part");
        r.apply_pull(&page(
            false,
            vec![Change::Doc {
                version: 9,
                doc: Doc::Menu(saved.clone()),
            }],
        ));
        assert_eq!(r.view().menus()["menu-1"], saved, "now from the base");
        assert_eq!(r.verdict("q-1", &save), Some(Ok(())));
        // Refused: the reason, at once.
        r.mutate(save.clone(), NOW, "q-2".into()).unwrap();
        let refused = Outcome::Rejected {
            code: "conflict".into(),
            message: "已被占用".into(),
            reason: None,
        };
        r.apply_push(&PushResponse {
            last_seq: 2,
            results: vec![MutationResult {
                seq: 2,
                name: "menu.save@1".into(),
                outcome: refused.clone(),
            }],
        });
        assert!(
            matches!(r.verdict("q-2", &save), Some(Err(x)) if x.outcome == refused && x.seq == 2)
        );
        assert_eq!(r.view(), &r.base);
    }

    #[test]
    fn a_rebuilt_replica_replays_a_queued_check_in_at_the_device_time() {
        use crate::replica::Replica;
        let mut base = setup(5);
        sign(&mut base, "m1").unwrap();
        // The member's copy: no secret, the server judges the code.
        base.put_doc(Doc::Activity(Activity {
            secret: None,
            ..base.activities()["act"].clone()
        }));
        base.holds_secrets = false;
        let at = base.activities()["act"].starts_at + 60;
        let me = member("m1", "/c/b1/");
        let mut phone = Replica::from_parts(me.clone(), base.clone(), vec![], 0, 0, vec![]);
        let op = Op::CheckIn(NewCheckIn {
            id: "ci-1".into(),
            activity_id: "act".into(),
            code: "123456".into(),
            at,
        });
        phone.mutate(op, at, String::new()).unwrap();
        assert!(phone.view().checkins().contains_key("ci-1"));
        // After a reload: judged at the epoch the check-in would be "in the
        // future" and vanish from the view; at the device's time it stays.
        let mut reloaded = Replica::from_parts(me, base, phone.outbox.clone(), 0, 0, vec![]);
        reloaded.set_now(at + 5);
        assert!(reloaded.view().checkins().contains_key("ci-1"));
    }

    #[test]
    fn members_see_menus_above_them_and_only_their_own_sign_ups() {
        let mut r = setup(5);
        sign(&mut r, "m1").unwrap();
        let b1 = r.orgs["b1"].clone();
        let act = Doc::Activity(r.activities()["act"].clone());
        let m2 = member("m2", "/c/b1/");
        let Some(Doc::Activity(seen)) = m2.view_of_doc(&act, &b1, &["/c/b1/"]) else {
            panic!("the branch's activity is visible to its members");
        };
        assert_eq!(
            seen.secret, None,
            "the check-in secret stays with organisers"
        );
        assert!(
            member("m9", "/c/b2/")
                .view_of_doc(&act, &b1, &["/c/b1/"])
                .is_none()
        );
        let su = Doc::Signup(r.signups()["su-m1"].clone());
        assert!(m2.view_of_doc(&su, &b1, &[]).is_none());
        assert!(member("m1", "/c/b1/").view_of_doc(&su, &b1, &[]).is_some());
        assert!(secretary().view_of_doc(&su, &b1, &[]).is_some());
        let mut draft_menu = r.menus()["menu-1"].clone();
        draft_menu.published = false;
        let Some(Doc::Menu(m)) = m2.view_of_doc(&Doc::Menu(draft_menu), &b1, &["/c/b1/"]) else {
            panic!()
        };
        assert!(m.items.is_empty(), "drafts are not shown to members");
    }
}

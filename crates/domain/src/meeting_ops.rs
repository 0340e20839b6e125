//! Mutations on 三会一课 records and the committee's required counts.

use crate::auth::Actor;
use crate::doc::Doc;
use crate::kernel::{CLOCK_SKEW, Rejection, View, Write, conflict, org_of};
use crate::meeting::{Meeting, MeetingError, MeetingRules};
use crate::refusal::{Thing, Why};

impl From<MeetingError> for Rejection {
    fn from(e: MeetingError) -> Self {
        match e {
            MeetingError::Field(f) => Rejection::Invalid(f),
            MeetingError::DuplicateDue => conflict(Why::DuplicateDue),
            MeetingError::NotDue => conflict(Why::NotDue),
            MeetingError::PresentAndAbsent => conflict(Why::PresentAndAbsent),
            MeetingError::TooManyDue => conflict(Why::TooManyDue),
        }
    }
}

/// Records (or corrects) a meeting of an org the actor manages, after it
/// was held. Members due are the org's (or its groups') members; one due
/// in the record before stays valid after moving away.
pub(crate) fn save_meeting(
    actor: &Actor,
    m: &Meeting,
    view: &impl View,
    now: i64,
) -> Result<Vec<Write>, Rejection> {
    m.validate()?;
    let org = org_of(view, &m.org_id)?;
    if !actor.manages(&org) {
        return Err(Rejection::Forbidden(Why::SecretaryRecordsMeetings));
    }
    let before = match view.doc(&m.id) {
        None => None,
        Some(Doc::Meeting(old)) if old.org_id == m.org_id => Some(old),
        Some(Doc::Meeting(_)) => return Err(conflict(Why::MeetingOrgFixed)),
        Some(_) => return Err(conflict(Why::IdTaken)),
    };
    if m.at > now + CLOCK_SKEW {
        return Err(conflict(Why::MeetingInFuture));
    }
    for id in &m.due {
        let was_due = before.as_ref().is_some_and(|b| b.due.contains(id));
        let in_org = view
            .member(id)
            .and_then(|member| view.org(&member.org_id))
            .is_some_and(|o| org.contains(&o));
        if !in_org && !was_due {
            return Err(conflict(Why::DueNotInOrg));
        }
    }
    if let Some(a) = &m.activity_id {
        match view.doc(a) {
            Some(Doc::Activity(act)) if act.org_id == m.org_id => {}
            Some(Doc::Activity(_)) => return Err(conflict(Why::ActivityOfAnotherOrg)),
            _ => return Err(Rejection::NotFound(Thing::Activity)),
        }
    }
    Ok(vec![Write::Doc(Doc::Meeting(Meeting {
        recorded_by: actor.account_id.clone(),
        ..m.clone()
    }))])
}

/// Committee staff set how many meetings of each kind the orgs below them
/// must hold.
pub(crate) fn set_meeting_rules(
    actor: &Actor,
    r: &MeetingRules,
    view: &impl View,
) -> Result<Vec<Write>, Rejection> {
    let o = org_of(view, &r.org_id)?;
    if !actor.shapes_tree_at(&o) {
        return Err(Rejection::Forbidden(Why::CommitteeSetsMeetingRules));
    }
    if r.id != MeetingRules::id_for(&o.id) {
        return Err(conflict(Why::WrongRuleId));
    }
    if !r.is_valid() {
        return Err(conflict(Why::MeetingRulesRange));
    }
    Ok(vec![Write::Doc(Doc::MeetingRules(r.clone()))])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{RoleKind, ScopedRole};
    use crate::meeting::{Absence, MeetingKind};
    use crate::mutation::{Op, apply};
    use crate::replica::Records;
    use crate::{ManagementMode, Member, MemberStatus, Org, OrgKind};

    const NOW: i64 = 1_795_000_000;

    fn world() -> Records {
        let mut v = Records::default();
        for (id, parent, path, kind) in [
            ("c", None, "/c/", OrgKind::Committee),
            ("b1", Some("c"), "/c/b1/", OrgKind::Branch),
            ("g1", Some("b1"), "/c/b1/g1/", OrgKind::Group),
            ("b2", Some("c"), "/c/b2/", OrgKind::Branch),
        ] {
            v.orgs.insert(
                id.into(),
                Org {
                    id: id.into(),
                    parent_id: parent.map(Into::into),
                    name: id.into(),
                    kind,
                    joint: false,
                    area: None,
                    place: None,
                    path: path.into(),
                },
            );
        }
        for (id, org) in [("sec", "b1"), ("m1", "b1"), ("m3", "g1"), ("m2", "b2")] {
            v.members.insert(
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
        v
    }

    fn actor(member: &str, roles: &[(RoleKind, &str)]) -> Actor {
        Actor {
            account_id: format!("acc-{member}"),
            member_id: Some(member.into()),
            member_org_path: Some("/c/b1/".into()),
            roles: roles
                .iter()
                .map(|(k, p)| ScopedRole {
                    kind: *k,
                    org_path: Some((*p).into()),
                })
                .collect(),
        }
    }

    fn secretary() -> Actor {
        actor("sec", &[(RoleKind::Secretary, "/c/b1/")])
    }

    fn meeting(due: &[&str]) -> Meeting {
        Meeting {
            id: "mt1".into(),
            org_id: "b1".into(),
            kind: MeetingKind::Committee,
            at: NOW - 3600,
            place: "驿站".into(),
            host: "王书记".into(),
            recorder: "李委员".into(),
            topic: "研究发展党员工作".into(),
            activity_id: None,
            due: due.iter().map(|s| s.to_string()).collect(),
            present: vec!["sec".into()],
            absent: vec![Absence {
                member_id: "m1".into(),
                leave: Some("出差".into()),
            }],
            minutes: "会议研究了……".into(),
            decisions: String::new(),
            recorded_by: String::new(),
        }
    }

    fn save(actor: &Actor, m: &Meeting, view: &Records) -> Result<Vec<Write>, Rejection> {
        apply(actor, &Op::SaveMeeting(m.clone()), view, NOW)
    }

    #[test]
    fn the_secretary_records_a_meeting_of_the_branch_and_its_groups_members() {
        let w = save(&secretary(), &meeting(&["sec", "m1", "m3"]), &world()).expect("saved");
        let [Write::Doc(Doc::Meeting(m))] = w.as_slice() else {
            panic!("one meeting written: {w:?}");
        };
        assert_eq!(m.recorded_by, "acc-sec");
    }

    #[test]
    fn a_member_cannot_record_and_nobody_records_another_orgs_members() {
        let member = actor("m1", &[(RoleKind::Member, "/c/b1/")]);
        assert_eq!(
            save(&member, &meeting(&["sec", "m1"]), &world()),
            Err(Rejection::Forbidden(Why::SecretaryRecordsMeetings))
        );
        assert_eq!(
            save(&secretary(), &meeting(&["sec", "m1", "m2"]), &world()),
            Err(conflict(Why::DueNotInOrg))
        );
        let mut late = meeting(&["sec", "m1"]);
        late.at = NOW + 3600;
        assert_eq!(
            save(&secretary(), &late, &world()),
            Err(conflict(Why::MeetingInFuture))
        );
        let mut twice = meeting(&["sec", "m1"]);
        twice.absent[0].member_id = "sec".into();
        assert_eq!(
            save(&secretary(), &twice, &world()),
            Err(conflict(Why::PresentAndAbsent))
        );
    }

    #[test]
    fn a_member_who_moved_away_stays_on_a_corrected_record() {
        let mut w = world();
        let m = meeting(&["sec", "m1"]);
        for x in save(&secretary(), &m, &w).expect("saved") {
            if let Write::Doc(d) = x {
                w.put_doc(d);
            }
        }
        w.members.get_mut("m1").expect("m1").org_id = "b2".into();
        let corrected = Meeting {
            minutes: "补充：……".into(),
            ..m
        };
        assert!(save(&secretary(), &corrected, &w).is_ok());
        let mut moved = corrected.clone();
        moved.org_id = "b2".into();
        let b2_secretary = actor("sec", &[(RoleKind::Secretary, "/c/")]);
        assert_eq!(
            save(&b2_secretary, &moved, &w),
            Err(conflict(Why::MeetingOrgFixed))
        );
    }

    #[test]
    fn only_committee_staff_set_the_required_counts() {
        let mut rules = MeetingRules::defaults("c");
        let op = |r: &MeetingRules| Op::SetMeetingRules(r.clone());
        assert_eq!(
            apply(&secretary(), &op(&rules), &world(), NOW),
            Err(Rejection::Forbidden(Why::CommitteeSetsMeetingRules))
        );
        let staff = actor("sec", &[(RoleKind::Committee, "/c/")]);
        assert!(apply(&staff, &op(&rules), &world(), NOW).is_ok());
        rules.committee.count = 0;
        assert_eq!(
            apply(&staff, &op(&rules), &world(), NOW),
            Err(conflict(Why::MeetingRulesRange))
        );
    }
}

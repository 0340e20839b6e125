//! Mutations on courses and lessons.

use serde::{Deserialize, Serialize};

use crate::auth::Actor;
use crate::doc::Doc;
use crate::kernel::{Rejection, View, Write, conflict, member_of, org_of};
use crate::refusal::{Field, Thing, Why};
use crate::study::{Course, CourseError, Reflection};
use crate::validate;

/// A member's 学习心得 on a lesson, as the device sends it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewReflection {
    pub course_id: String,
    pub lesson_id: String,
    pub text: String,
    /// When it was written on the device.
    pub at: i64,
}

impl NewReflection {
    /// Its record's id, for `member_id`.
    pub fn id(&self, member_id: &str) -> String {
        Reflection::id_for(member_id, &self.course_id, &self.lesson_id)
    }
}

impl From<CourseError> for Rejection {
    fn from(e: CourseError) -> Self {
        match e {
            CourseError::Field(f) => Rejection::Invalid(f),
            CourseError::NoLessons => conflict(Why::CourseNeedsLesson),
            CourseError::TooManyLessons => conflict(Why::TooManyLessons),
            CourseError::TooLong => conflict(Why::CourseTooLong),
            CourseError::DuplicateLessonId => conflict(Why::DuplicateLessonId),
            CourseError::TooManyQuestions => conflict(Why::TooManyQuestions),
            CourseError::ChoicesRange => conflict(Why::ChoicesRange),
            CourseError::NoAnswer => conflict(Why::QuestionNeedsAnswer),
            CourseError::AnswerNotAChoice => conflict(Why::AnswerNotAChoice),
        }
    }
}

/// Creates or edits (publishes, withdraws) a course of an org the actor
/// manages, for that org and orgs below it.
pub(crate) fn save_course(
    actor: &Actor,
    c: &Course,
    view: &impl View,
) -> Result<Vec<Write>, Rejection> {
    c.validate()?;
    let org = org_of(view, &c.org_id)?;
    if !actor.manages(&org) {
        return Err(Rejection::Forbidden(Why::SecretaryWritesCourses));
    }
    match view.doc(&c.id) {
        None => {}
        Some(Doc::Course(old)) if old.org_id == c.org_id => {}
        Some(Doc::Course(_)) => return Err(conflict(Why::CourseOrgFixed)),
        Some(_) => return Err(conflict(Why::IdTaken)),
    }
    for id in &c.audience {
        let o = org_of(view, id)?;
        if !org.contains(&o) {
            return Err(conflict(Why::AudienceOutsideScope));
        }
    }
    Ok(vec![Write::Doc(Doc::Course(Course {
        updated_by: actor.account_id.clone(),
        ..c.clone()
    }))])
}

/// A member writes (or rewrites) their reflection on a lesson of a published
/// course. It goes to the organisers of the member's org; a member of
/// another district naming a course not meant for them only tells their own
/// secretary.
pub(crate) fn write_reflection(
    actor: &Actor,
    r: &NewReflection,
    view: &impl View,
    now: i64,
) -> Result<Vec<Write>, Rejection> {
    validate::id(Field::Id, &r.course_id)?;
    validate::id(Field::Id, &r.lesson_id)?;
    validate::long_text(Field::Reflection, &r.text, Reflection::MAX_CHARS)?;
    let me = actor
        .member_id
        .as_deref()
        .ok_or(Rejection::Forbidden(Why::NoMemberProfile))?;
    let member = member_of(view, me)?;
    let course = match view.doc(&r.course_id) {
        Some(Doc::Course(c)) if c.published => c,
        _ => return Err(Rejection::NotFound(Thing::Course)),
    };
    if course.lesson(&r.lesson_id).is_none() {
        return Err(Rejection::NotFound(Thing::Lesson));
    }
    let id = r.id(me);
    // The id names the member: nobody else's record can be under it.
    validate::id_up_to(Field::Id, &id, crate::kernel::Touches::MAX_DOC_ID)?;
    Ok(vec![Write::Doc(Doc::Reflection(Reflection {
        id,
        member_id: me.to_owned(),
        org_id: member.org_id,
        course_id: r.course_id.clone(),
        lesson_id: r.lesson_id.clone(),
        text: r.text.trim().to_owned(),
        at: r.at.clamp(0, now),
    }))])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{RoleKind, ScopedRole};
    use crate::mutation::{Op, apply};
    use crate::replica::Records;
    use crate::study::parse_lesson;
    use crate::{ManagementMode, Member, MemberStatus, Org, OrgKind};

    const NOW: i64 = 1_795_000_000;

    fn world(published: bool) -> Records {
        let mut v = Records::default();
        for (id, parent, path) in [
            ("c", None, "/c/"),
            ("b1", Some("c"), "/c/b1/"),
            ("b2", Some("c"), "/c/b2/"),
        ] {
            v.orgs.insert(
                id.into(),
                Org {
                    id: id.into(),
                    parent_id: parent.map(Into::into),
                    name: id.into(),
                    kind: if parent.is_none() {
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
        for (id, org) in [("m1", "b1"), ("m2", "b1"), ("m9", "b2")] {
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
        v.put_doc(Doc::Course(Course {
            id: "co".into(),
            org_id: "c".into(),
            title: "快餐党课".into(),
            summary: String::new(),
            audience: vec![],
            published,
            lessons: vec![parse_lesson("l1", "# 第一讲\n\n正文").expect("lesson")],
            updated_by: String::new(),
        }));
        v
    }

    fn actor(member: Option<&str>, path: &str, roles: &[(RoleKind, &str)]) -> Actor {
        Actor {
            account_id: format!("acc-{}", member.unwrap_or("device")),
            member_id: member.map(Into::into),
            member_org_path: member.map(|_| path.to_owned()),
            roles: roles
                .iter()
                .map(|(k, p)| ScopedRole {
                    kind: *k,
                    org_path: Some((*p).into()),
                })
                .collect(),
        }
    }

    fn member(id: &str) -> Actor {
        actor(Some(id), "/c/b1/", &[(RoleKind::Member, "/c/b1/")])
    }

    fn write(a: &Actor, lesson: &str, text: &str, w: &Records) -> Result<Vec<Write>, Rejection> {
        let r = NewReflection {
            course_id: "co".into(),
            lesson_id: lesson.into(),
            text: text.into(),
            at: NOW + 3600,
        };
        apply(a, &Op::WriteReflection(r), w, NOW)
    }

    #[test]
    fn a_member_writes_one_reflection_per_lesson_kept_under_their_org() {
        let w = write(&member("m1"), "l1", " 很有收获 ", &world(true)).expect("written");
        let [Write::Doc(Doc::Reflection(r))] = w.as_slice() else {
            panic!("one reflection: {w:?}");
        };
        assert_eq!(r.id, Reflection::id_for("m1", "co", "l1"));
        assert_eq!((r.member_id.as_str(), r.org_id.as_str()), ("m1", "b1"));
        assert_eq!(r.text, "很有收获");
        assert_eq!(r.at, NOW, "a device clock ahead is brought back to now");
    }

    #[test]
    fn reflections_need_a_member_a_published_lesson_and_some_text() {
        let device = actor(None, "", &[]);
        assert_eq!(
            write(&device, "l1", "心得", &world(true)),
            Err(Rejection::Forbidden(Why::NoMemberProfile))
        );
        assert_eq!(
            write(&member("m1"), "l1", "心得", &world(false)),
            Err(Rejection::NotFound(Thing::Course))
        );
        assert_eq!(
            write(&member("m1"), "l9", "心得", &world(true)),
            Err(Rejection::NotFound(Thing::Lesson))
        );
        assert!(matches!(
            write(&member("m1"), "l1", "  ", &world(true)),
            Err(Rejection::Invalid(f)) if f.field == Field::Reflection
        ));
        let long = "心".repeat(Reflection::MAX_CHARS + 1);
        assert!(matches!(
            write(&member("m1"), "l1", &long, &world(true)),
            Err(Rejection::Invalid(_))
        ));
    }

    #[test]
    fn only_the_writer_and_the_organisers_of_their_org_see_a_reflection() {
        let w = world(true);
        let written = write(&member("m1"), "l1", "心得", &w).expect("written");
        let [Write::Doc(doc)] = written.as_slice() else {
            panic!("one reflection: {written:?}")
        };
        let doc = doc.clone();
        let org = &w.orgs["b1"];
        let paths = ["/c/b1/"];
        let secretary = actor(Some("m2"), "/c/b1/", &[(RoleKind::Secretary, "/c/b1/")]);
        let committee = actor(None, "", &[(RoleKind::Committee, "/c/")]);
        let other_secretary = actor(Some("m9"), "/c/b2/", &[(RoleKind::Secretary, "/c/b2/")]);
        assert!(member("m1").view_of_doc(&doc, org, &paths).is_some());
        assert!(secretary.view_of_doc(&doc, org, &paths).is_some());
        assert!(committee.view_of_doc(&doc, org, &paths).is_some());
        assert!(
            member("m2").view_of_doc(&doc, org, &paths).is_none(),
            "a fellow member"
        );
        assert!(other_secretary.view_of_doc(&doc, org, &paths).is_none());
    }

    #[test]
    fn another_members_reflection_cannot_be_overwritten() {
        // The record's id is derived from the writer: m2 writing on the same
        // lesson makes their own record, and m1's stays as it was.
        let mut w = world(true);
        for wr in write(&member("m1"), "l1", "一", &w).expect("m1") {
            let Write::Doc(d) = wr else { unreachable!() };
            w.put_doc(d);
        }
        let out = write(&member("m2"), "l1", "二", &w).expect("m2");
        let [Write::Doc(Doc::Reflection(r))] = out.as_slice() else {
            panic!("{out:?}")
        };
        assert_eq!(r.member_id, "m2");
        assert_ne!(r.id, Reflection::id_for("m1", "co", "l1"));
    }
}

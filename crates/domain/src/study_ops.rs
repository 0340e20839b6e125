//! Mutations on courses and lessons.

use crate::auth::Actor;
use crate::doc::Doc;
use crate::kernel::{Rejection, View, Write, conflict, org_of};
use crate::refusal::Why;
use crate::study::{Course, CourseError};

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

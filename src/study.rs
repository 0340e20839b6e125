//! A member's own study state on this device: which lessons they marked
//! finished, and whether they read in large type. Kept in localStorage per
//! account and never synced nor shown to anyone else: no scores, rankings
//! or study time leave the phone.

use crate::locale::storage;

fn key(account: &str) -> String {
    format!("zhijian.study.{account}")
}

/// `course/lesson` keys of the lessons `account` finished here.
pub fn finished(account: &str) -> Vec<String> {
    storage()
        .and_then(|s| s.get_item(&key(account)).ok().flatten())
        .map(|v| v.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default()
}

pub fn lesson_key(course: &str, lesson: &str) -> String {
    format!("{course}/{lesson}")
}

/// Marks a lesson finished (or not).
pub fn set_finished(account: &str, lesson_key: &str, done: bool) {
    let mut all = finished(account);
    all.retain(|k| k != lesson_key);
    if done {
        all.push(lesson_key.to_owned());
    }
    if let Some(s) = storage() {
        // Private mode may refuse: the mark then lasts for this visit only.
        let _ = s.set_item(&key(account), &all.join(" "));
    }
}

const LARGE: &str = "zhijian.large_text";

pub fn large_text() -> bool {
    storage()
        .and_then(|s| s.get_item(LARGE).ok().flatten())
        .is_some()
}

pub fn set_large_text(on: bool) {
    if let Some(s) = storage() {
        let _ = if on {
            s.set_item(LARGE, "1")
        } else {
            s.remove_item(LARGE)
        };
    }
}

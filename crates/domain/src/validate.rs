//! Field rules shared by every mutation, with messages users can act on.

use std::fmt;

pub use crate::refusal::Field;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub field: Field,
    pub problem: Problem,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    Empty,
    TooLong(usize),
    /// U+0000 and other control characters (line breaks where one line is
    /// expected).
    Control,
    /// Invisible formatting characters: bidirectional overrides that make
    /// text read differently than it is stored, zero-width spaces.
    Invisible,
    BadPhone,
    BadId,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let field = self.field.zh();
        match &self.problem {
            Problem::Empty => write!(f, "{field}不能为空"),
            Problem::TooLong(max) => write!(f, "{field}不能超过 {max} 个字"),
            Problem::Control => write!(f, "{field}含有不允许的控制字符"),
            Problem::Invisible => write!(f, "{field}含有不可见的格式字符"),
            Problem::BadPhone => write!(f, "{field}应为 11 位手机号码"),
            Problem::BadId => write!(f, "{field}格式不正确"),
        }
    }
}

impl std::error::Error for FieldError {}

impl FieldError {
    /// `field_<problem>` with the field's name (and the limit).
    pub fn reason(&self) -> crate::refusal::Reason {
        let (key, max) = match &self.problem {
            Problem::Empty => ("field_empty", None),
            Problem::TooLong(max) => ("field_too_long", Some(*max)),
            Problem::Control => ("field_control", None),
            Problem::Invisible => ("field_invisible", None),
            Problem::BadPhone => ("field_bad_phone", None),
            Problem::BadId => ("field_bad_id", None),
        };
        let r = crate::refusal::Reason::new(key).with("field", self.field.key());
        match max {
            Some(max) => r.with("max", max),
            None => r,
        }
    }
}

/// One line: non-blank, at most `max` characters, no control or invisible
/// formatting characters. Every synced single-line field goes through it.
pub fn text(field: Field, s: &str, max: usize) -> Result<(), FieldError> {
    checked(field, s, max, false)
}

/// Like `text`, but line breaks are allowed (descriptions, reasons, notes).
pub fn long_text(field: Field, s: &str, max: usize) -> Result<(), FieldError> {
    checked(field, s, max, true)
}

fn checked(field: Field, s: &str, max: usize, lines: bool) -> Result<(), FieldError> {
    let fail = |problem| Err(FieldError { field, problem });
    if s.trim().is_empty() {
        return fail(Problem::Empty);
    }
    // Counting stops past `max`: a huge string costs no more than a long one.
    if s.chars().take(max.saturating_add(1)).count() > max {
        return fail(Problem::TooLong(max));
    }
    for c in s.chars() {
        if c.is_control() && !(lines && (c == '\n' || c == '\r' || c == '\t')) {
            return fail(Problem::Control);
        }
        if is_invisible(c) {
            return fail(Problem::Invisible);
        }
    }
    Ok(())
}

/// Format characters (Unicode category Cf) that change how text reads
/// without showing themselves. U+200D (zero-width joiner) stays allowed: it
/// joins emoji sequences people type.
pub fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{061C}' | '\u{180E}'
        | '\u{200B}' | '\u{200C}' | '\u{200E}' | '\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{206F}'
        | '\u{FEFF}'
        | '\u{FFF9}'..='\u{FFFB}'
        | '\u{E0000}'..='\u{E007F}')
}

/// A mainland mobile number: 11 digits starting with 1.
pub fn phone(field: Field, s: &str) -> Result<(), FieldError> {
    let ok = s.len() == 11 && s.starts_with('1') && s.bytes().all(|b| b.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(FieldError {
            field,
            problem: Problem::BadPhone,
        })
    }
}

/// Record ids: 1–64 of `[0-9a-z-]` (demo slugs and UUIDs alike). Never `/`,
/// which separates org paths.
pub fn id(field: Field, s: &str) -> Result<(), FieldError> {
    id_up_to(field, s, 64)
}

/// An id of at most `max_len` bytes, for ids derived from others
/// (`wish-…`, `expire-2026-…`).
pub fn id_up_to(field: Field, s: &str, max_len: usize) -> Result<(), FieldError> {
    let ok = !s.is_empty()
        && s.len() <= max_len
        && s.bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(FieldError {
            field,
            problem: Problem::BadId,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        assert!(text(Field::Name, "王丽娟", 32).is_ok());
        assert!(text(Field::Name, "", 32).is_err());
        assert!(text(Field::Name, &"长".repeat(33), 32).is_err());
        assert!(text(Field::Name, "a\nb", 32).is_err());
        assert!(phone(Field::Phone, "13900000001").is_ok());
        for bad in ["1390000000", "23900000001", "1390000000a", "139000000011"] {
            assert!(phone(Field::Phone, bad).is_err(), "{bad}");
        }
        assert!(id(Field::Id, "0192a7c4-7d1e-7000-8000-000000000001").is_ok());
        assert!(id(Field::Id, "a/b").is_err());
        assert!(id(Field::Id, "").is_err());
        assert!(id(Field::Id, &"a".repeat(65)).is_err());
    }

    #[test]
    fn control_and_invisible_characters_are_named_as_such() {
        let problem = |r: Result<(), FieldError>| r.unwrap_err().problem;
        assert_eq!(
            problem(text(Field::Workplace, "万达\0广场", 64)),
            Problem::Control
        );
        assert_eq!(
            text(Field::Workplace, "万达\0广场", 64)
                .unwrap_err()
                .to_string(),
            "工作单位含有不允许的控制字符"
        );
        assert_eq!(
            problem(text(Field::Name, "王\u{202E}丽娟", 32)),
            Problem::Invisible
        );
        assert_eq!(
            problem(text(Field::Name, "王\u{200B}丽娟", 32)),
            Problem::Invisible
        );
        assert_eq!(
            problem(text(Field::Name, "\u{FEFF}王丽娟", 32)),
            Problem::Invisible
        );
        assert!(text(Field::Name, "👨\u{200D}👩\u{200D}👧 一家", 32).is_ok());
        assert_eq!(
            problem(text(Field::Note, "第一行\n第二行", 64)),
            Problem::Control
        );
        assert!(long_text(Field::Note, "第一行\n第二行", 64).is_ok());
        assert_eq!(
            problem(long_text(Field::Note, "a\u{7}b", 64)),
            Problem::Control
        );
        assert_eq!(problem(long_text(Field::Note, "\n\n", 64)), Problem::Empty);
        assert_eq!(
            problem(long_text(Field::Note, &"长".repeat(1_000_000), 500)),
            Problem::TooLong(500)
        );
    }

    #[test]
    fn messages_are_chinese() {
        let e = phone(Field::Phone, "1").unwrap_err();
        assert_eq!(e.to_string(), "手机号应为 11 位手机号码");
    }
}

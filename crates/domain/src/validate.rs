//! Field rules shared by every mutation, with messages users can act on.

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub problem: Problem,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    Empty,
    TooLong(usize),
    BadPhone,
    BadId,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let field = match self.field {
            "name" => "名称",
            "phone" => "手机号",
            "workplace" => "工作单位",
            "place" => "地点",
            "id" | "org_id" | "member_id" | "parent_id" => "编号",
            other => other,
        };
        match &self.problem {
            Problem::Empty => write!(f, "{field}不能为空"),
            Problem::TooLong(max) => write!(f, "{field}不能超过 {max} 个字"),
            Problem::BadPhone => write!(f, "{field}应为 11 位手机号码"),
            Problem::BadId => write!(f, "{field}格式不正确"),
        }
    }
}

impl std::error::Error for FieldError {}

/// Non-blank, at most `max` characters, no control characters.
pub fn text(field: &'static str, s: &str, max: usize) -> Result<(), FieldError> {
    if s.trim().is_empty() {
        return Err(FieldError {
            field,
            problem: Problem::Empty,
        });
    }
    if s.chars().count() > max || s.chars().any(char::is_control) {
        return Err(FieldError {
            field,
            problem: Problem::TooLong(max),
        });
    }
    Ok(())
}

/// A mainland mobile number: 11 digits starting with 1.
pub fn phone(field: &'static str, s: &str) -> Result<(), FieldError> {
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
pub fn id(field: &'static str, s: &str) -> Result<(), FieldError> {
    let ok = !s.is_empty()
        && s.len() <= 64
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
        assert!(text("name", "王丽娟", 32).is_ok());
        assert!(text("name", "", 32).is_err());
        assert!(text("name", &"长".repeat(33), 32).is_err());
        assert!(text("name", "a\nb", 32).is_err());
        assert!(phone("phone", "13900000001").is_ok());
        for bad in ["1390000000", "23900000001", "1390000000a", "139000000011"] {
            assert!(phone("phone", bad).is_err(), "{bad}");
        }
        assert!(id("id", "0192a7c4-7d1e-7000-8000-000000000001").is_ok());
        assert!(id("id", "a/b").is_err());
        assert!(id("id", "").is_err());
        assert!(id("id", &"a".repeat(65)).is_err());
    }

    #[test]
    fn messages_are_chinese() {
        let e = phone("phone", "1").unwrap_err();
        assert_eq!(e.to_string(), "手机号应为 11 位手机号码");
    }
}

//! Alliances (红盟) of org units with a monthly rotating chair (轮值主席).

use serde::{Deserialize, Serialize};

use crate::Month;

/// The rotation: starting at `start`, the chair passes down `order` one org a
/// month and wraps around.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChairRotation {
    pub start: Month,
    pub order: Vec<String>,
}

impl ChairRotation {
    /// The org chairing in `month`, or `None` before the rotation starts or
    /// when it has no orgs.
    pub fn chair_for(&self, month: Month) -> Option<&str> {
        let offset = self.start.months_until(month);
        if offset < 0 || self.order.is_empty() {
            return None;
        }
        let len = i64::try_from(self.order.len()).ok()?;
        let i = usize::try_from(offset % len).ok()?;
        self.order.get(i).map(String::as_str)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alliance {
    pub id: String,
    pub name: String,
    pub member_org_ids: Vec<String>,
    pub rotation: ChairRotation,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> Month {
        s.parse().unwrap()
    }

    #[test]
    fn chair_rotates_monthly_and_wraps() {
        let r = ChairRotation {
            start: m("2026-10"),
            order: vec!["a".into(), "b".into(), "c".into()],
        };
        assert_eq!(r.chair_for(m("2026-09")), None);
        assert_eq!(r.chair_for(m("2026-10")), Some("a"));
        assert_eq!(r.chair_for(m("2026-12")), Some("c"));
        assert_eq!(r.chair_for(m("2027-01")), Some("a"));
        assert_eq!(r.chair_for(m("2027-11")), Some("b"));
    }

    #[test]
    fn empty_rotation_has_no_chair() {
        let r = ChairRotation {
            start: m("2026-10"),
            order: vec![],
        };
        assert_eq!(r.chair_for(m("2026-10")), None);
    }
}

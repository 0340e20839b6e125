//! Calendar months, the unit of menus (每月一主题), chair rotation and dues.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A calendar month such as 2026-11. Serialised as `"2026-11"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Month {
    year: u16,
    month: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MonthError {
    #[error("月份格式应为 YYYY-MM: {0}")]
    Format(String),
    #[error("月份超出范围: {0}")]
    Range(String),
}

impl Month {
    /// Years outside this range are input mistakes, not history or plans.
    pub const MIN_YEAR: u16 = 1921;
    pub const MAX_YEAR: u16 = 2200;

    pub fn new(year: u16, month: u8) -> Result<Self, MonthError> {
        if !(1..=12).contains(&month) || !(Self::MIN_YEAR..=Self::MAX_YEAR).contains(&year) {
            return Err(MonthError::Range(format!("{year:04}-{month:02}")));
        }
        Ok(Self { year, month })
    }

    pub fn year(self) -> u16 {
        self.year
    }

    pub fn month(self) -> u8 {
        self.month
    }

    /// Months since January of year 0; makes month arithmetic linear.
    pub fn index(self) -> i64 {
        i64::from(self.year) * 12 + i64::from(self.month) - 1
    }

    fn from_index(index: i64) -> Result<Self, MonthError> {
        let year = u16::try_from(index.div_euclid(12))
            .map_err(|_| MonthError::Range(index.to_string()))?;
        let month = u8::try_from(index.rem_euclid(12) + 1)
            .map_err(|_| MonthError::Range(index.to_string()))?;
        Self::new(year, month)
    }

    /// The month `n` months later (or earlier for negative `n`).
    pub fn plus_months(self, n: i64) -> Result<Self, MonthError> {
        Self::from_index(self.index() + n)
    }

    /// Whole months from `self` to `later` (negative when `later` is earlier).
    pub fn months_until(self, later: Month) -> i64 {
        later.index() - self.index()
    }

    /// Like `from_unix`, for clocks that cannot be trusted: moments outside
    /// the supported years give the nearest supported month.
    pub fn from_unix_clamped(secs: i64) -> Self {
        // 1970-01 .. 2199-12 (7,258,000,000 s is in 2199).
        let secs = secs.clamp(0, 7_258_000_000);
        Self::from_unix(secs).unwrap_or(Self {
            year: 1970,
            month: 1,
        })
    }

    /// Its first moment in China (00:00 UTC+8 on the 1st), in seconds since
    /// the epoch.
    pub fn start_unix(self) -> i64 {
        // Days-from-civil (H. Hinnant), years starting in March.
        let (y, m) = (i64::from(self.year), i64::from(self.month));
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (m + 9) % 12;
        let doy = (153 * mp + 2) / 5;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = era * 146_097 + doe - 719_468;
        days * 86_400 - 8 * 3600
    }

    /// The month of a moment (seconds since the epoch) in China (UTC+8),
    /// where every user of this app is.
    pub fn from_unix(secs: i64) -> Result<Self, MonthError> {
        let days = (secs + 8 * 3600).div_euclid(86_400);
        // Civil-from-days (H. Hinnant), shifted so years start in March.
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        Self::from_index(year * 12 + month - 1)
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl FromStr for Month {
    type Err = MonthError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || MonthError::Format(s.chars().take(16).collect());
        let (y, m) = s.split_once('-').ok_or_else(bad)?;
        if y.len() != 4 || m.len() != 2 {
            return Err(bad());
        }
        let year = y.parse::<u16>().map_err(|_| bad())?;
        let month = m.parse::<u8>().map_err(|_| bad())?;
        Self::new(year, month)
    }
}

impl TryFrom<String> for Month {
    type Error = MonthError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Month> for String {
    fn from(m: Month) -> Self {
        m.to_string()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_month_starts_at_midnight_in_china() {
        for (y, m) in [
            (1970, 1),
            (2024, 2),
            (2024, 3),
            (2026, 10),
            (2026, 12),
            (2100, 3),
        ] {
            let month = Month::new(y, m).unwrap();
            let start = month.start_unix();
            assert_eq!(Month::from_unix(start).unwrap(), month, "{month}");
            assert_eq!(
                Month::from_unix(start - 1).unwrap(),
                month.plus_months(-1).unwrap(),
                "{month}"
            );
        }
        // 2026-10-01 00:00 in China is 2026-09-30 16:00 UTC.
        assert_eq!(Month::new(2026, 10).unwrap().start_unix(), 1_790_784_000);
    }

    #[test]
    fn month_of_a_moment_in_china() {
        // 2026-11-30 16:00 UTC is already December 1st in Beijing.
        assert_eq!(
            Month::from_unix(1_796_054_400).unwrap().to_string(),
            "2026-12"
        );
        assert_eq!(
            Month::from_unix(1_796_054_399).unwrap().to_string(),
            "2026-11"
        );
        assert_eq!(
            Month::from_unix(951_753_600).unwrap().to_string(),
            "2000-02"
        );
        assert_eq!(Month::from_unix(0).unwrap().to_string(), "1970-01");
    }
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_and_prints() {
        let m: Month = "2026-11".parse().unwrap();
        assert_eq!((m.year(), m.month()), (2026, 11));
        assert_eq!(m.to_string(), "2026-11");
    }

    #[test]
    fn rejects_malformed_and_out_of_range() {
        for bad in [
            "", "2026", "2026-1", "2026-13", "2026-00", "26-11", "2026/11", "abcd-ef", "1900-01",
        ] {
            assert!(bad.parse::<Month>().is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn adds_across_years() {
        let m: Month = "2026-11".parse().unwrap();
        assert_eq!(m.plus_months(2).unwrap().to_string(), "2027-01");
        assert_eq!(m.plus_months(-11).unwrap().to_string(), "2025-12");
        assert_eq!(m.months_until("2027-05".parse().unwrap()), 6);
    }

    #[test]
    fn serde_round_trip_is_a_string() {
        let m: Month = "2026-03".parse().unwrap();
        assert_eq!(serde_json::to_string(&m).unwrap(), "\"2026-03\"");
        assert!(serde_json::from_str::<Month>("\"2026-3\"").is_err());
    }

    proptest! {
        #[test]
        fn add_then_subtract_is_identity(y in 1931u16..2190, mo in 1u8..=12, n in -120i64..120) {
            let m = Month::new(y, mo).unwrap();
            prop_assert_eq!(m.plus_months(n).unwrap().plus_months(-n).unwrap(), m);
            prop_assert_eq!(m.months_until(m.plus_months(n).unwrap()), n);
        }

        #[test]
        fn display_parse_round_trip(y in 1921u16..=2200, mo in 1u8..=12) {
            let m = Month::new(y, mo).unwrap();
            prop_assert_eq!(m.to_string().parse::<Month>().unwrap(), m);
        }
    }
}

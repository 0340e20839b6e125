//! 三会一课: an org's meeting records (支部党员大会, 支委会, 党小组会, 党课), who was
//! due, present and absent, and the quarter's 组织生活 board against the
//! committee's required counts.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::Month;
use crate::validate::{self, Field, FieldError, Problem};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeetingKind {
    /// 支部党员大会
    General,
    /// 支委会
    Committee,
    /// 党小组会
    Group,
    /// 党课
    Lesson,
}

impl MeetingKind {
    pub const ALL: [MeetingKind; 4] = [
        MeetingKind::General,
        MeetingKind::Committee,
        MeetingKind::Group,
        MeetingKind::Lesson,
    ];

    pub fn zh(self) -> &'static str {
        match self {
            MeetingKind::General => "支部党员大会",
            MeetingKind::Committee => "支委会",
            MeetingKind::Group => "党小组会",
            MeetingKind::Lesson => "党课",
        }
    }
}

/// A due member who did not attend: on leave with a reason (请假), or absent
/// (缺席) when `leave` is empty.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Absence {
    pub member_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leave: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Meeting {
    pub id: String,
    pub org_id: String,
    pub kind: MeetingKind,
    /// When it began (seconds since the epoch).
    pub at: i64,
    pub place: String,
    pub host: String,
    pub recorder: String,
    pub topic: String,
    /// The menu's activity it was held as (its check-ins count as present).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activity_id: Option<String>,
    /// The org's members on the day: who should have attended. Fixed when
    /// recorded, so a member who joins later is not due and one who moves
    /// away is due here once, not again in the new org's earlier meetings.
    pub due: Vec<String>,
    /// Marked present by hand (besides the linked activity's check-ins).
    #[serde(default)]
    pub present: Vec<String>,
    #[serde(default)]
    pub absent: Vec<Absence>,
    #[serde(default)]
    pub minutes: String,
    #[serde(default)]
    pub decisions: String,
    /// The account that recorded it (set by `apply`).
    #[serde(default)]
    pub recorded_by: String,
}

/// Why a meeting record is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MeetingError {
    Field(FieldError),
    /// The same member twice in `due`.
    DuplicateDue,
    /// Present or absent but not due.
    NotDue,
    /// Both present and absent.
    PresentAndAbsent,
    TooManyDue,
}

impl From<FieldError> for MeetingError {
    fn from(e: FieldError) -> Self {
        MeetingError::Field(e)
    }
}

impl Meeting {
    pub const MAX_TOPIC_CHARS: usize = 60;
    pub const MAX_NAME_CHARS: usize = 20;
    pub const MAX_MINUTES_CHARS: usize = 10_000;
    pub const MAX_DECISIONS_CHARS: usize = 2_000;
    pub const MAX_LEAVE_CHARS: usize = 60;
    /// A branch has 10–120 members.
    pub const MAX_DUE: usize = 120;

    pub fn validate(&self) -> Result<(), MeetingError> {
        validate::id(Field::Id, &self.id)?;
        validate::id(Field::Id, &self.org_id)?;
        validate::text(Field::Topic, &self.topic, Self::MAX_TOPIC_CHARS)?;
        validate::text(Field::Place, &self.place, Self::MAX_TOPIC_CHARS)?;
        validate::text(Field::Host, &self.host, Self::MAX_NAME_CHARS)?;
        validate::text(Field::Recorder, &self.recorder, Self::MAX_NAME_CHARS)?;
        if let Some(a) = &self.activity_id {
            validate::id(Field::Id, a)?;
        }
        optional_long(Field::Minutes, &self.minutes, Self::MAX_MINUTES_CHARS)?;
        optional_long(Field::Decisions, &self.decisions, Self::MAX_DECISIONS_CHARS)?;
        if self.due.len() > Self::MAX_DUE {
            return Err(MeetingError::TooManyDue);
        }
        let mut due = BTreeSet::new();
        for m in &self.due {
            validate::id(Field::Id, m)?;
            if !due.insert(m.as_str()) {
                return Err(MeetingError::DuplicateDue);
            }
        }
        let mut marked = BTreeSet::new();
        for m in &self.present {
            if !due.contains(m.as_str()) {
                return Err(MeetingError::NotDue);
            }
            marked.insert(m.as_str());
        }
        for a in &self.absent {
            if !due.contains(a.member_id.as_str()) {
                return Err(MeetingError::NotDue);
            }
            if !marked.insert(a.member_id.as_str()) {
                return Err(MeetingError::PresentAndAbsent);
            }
            if let Some(reason) = &a.leave {
                validate::text(Field::Reason, reason, Self::MAX_LEAVE_CHARS)?;
            }
        }
        Ok(())
    }

    pub fn month(&self) -> Month {
        Month::from_unix_clamped(self.at)
    }

    pub fn quarter(&self) -> Quarter {
        Quarter::of(self.month())
    }

    /// Whether `member` attended: marked present, or checked in to the
    /// linked activity (`checked_in`), unless marked absent by hand.
    pub fn status_of(&self, member: &str, checked_in: &BTreeSet<String>) -> Option<Status> {
        if !self.due.iter().any(|m| m == member) {
            return None;
        }
        if self.present.iter().any(|m| m == member) {
            return Some(Status::Present);
        }
        if let Some(a) = self.absent.iter().find(|a| a.member_id == member) {
            return Some(match &a.leave {
                Some(reason) => Status::Leave(reason.clone()),
                None => Status::Absent,
            });
        }
        Some(if checked_in.contains(member) {
            Status::Present
        } else {
            Status::Absent
        })
    }

    /// Due = present + on leave + absent, over the due members.
    pub fn attendance(&self, checked_in: &BTreeSet<String>) -> Attendance {
        let mut a = Attendance::default();
        for m in &self.due {
            a.due += 1;
            match self.status_of(m, checked_in) {
                Some(Status::Present) => a.present += 1,
                Some(Status::Leave(_)) => a.leave += 1,
                Some(Status::Absent) | None => a.absent += 1,
            }
        }
        a
    }

    /// The copy a member who does not manage the org sees: the record, and
    /// of the attendance only their own line (others' leave reasons are
    /// theirs and the secretary's).
    pub fn for_member(&self, member: &str) -> Meeting {
        Meeting {
            due: self.due.iter().filter(|m| *m == member).cloned().collect(),
            present: self
                .present
                .iter()
                .filter(|m| *m == member)
                .cloned()
                .collect(),
            absent: self
                .absent
                .iter()
                .filter(|a| a.member_id == member)
                .cloned()
                .collect(),
            ..self.clone()
        }
    }
}

fn optional_long(field: Field, s: &str, max: usize) -> Result<(), FieldError> {
    if s.is_empty() {
        return Ok(());
    }
    match validate::long_text(field, s, max) {
        // Blank minutes are no minutes.
        Err(FieldError {
            problem: Problem::Empty,
            ..
        }) => Ok(()),
        other => other,
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    Present,
    Leave(String),
    Absent,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Attendance {
    pub due: u32,
    pub present: u32,
    pub leave: u32,
    pub absent: u32,
}

impl Attendance {
    fn add(&mut self, o: Attendance) {
        self.due += o.due;
        self.present += o.present;
        self.leave += o.leave;
        self.absent += o.absent;
    }

    /// Present over due, in whole percent (none due: none).
    pub fn rate(&self) -> Option<u32> {
        (self.due > 0).then(|| (self.present * 100 + self.due / 2) / self.due)
    }
}

/// A calendar quarter such as 2026Q4, in China time like [`Month`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Quarter {
    year: u16,
    /// 1–4.
    q: u8,
}

impl Quarter {
    pub fn of(m: Month) -> Quarter {
        Quarter {
            year: m.year(),
            q: (m.month() - 1) / 3 + 1,
        }
    }

    pub fn year(self) -> u16 {
        self.year
    }

    pub fn number(self) -> u8 {
        self.q
    }

    pub fn months(self) -> [Month; 3] {
        let first = (self.q - 1) * 3 + 1;
        [first, first + 1, first + 2]
            .map(|m| Month::new(self.year, m).unwrap_or_else(|_| Month::from_unix_clamped(0)))
    }

    pub fn next(self) -> Quarter {
        if self.q == 4 {
            Quarter {
                year: self.year.saturating_add(1),
                q: 1,
            }
        } else {
            Quarter {
                q: self.q + 1,
                ..self
            }
        }
    }

    pub fn prev(self) -> Quarter {
        if self.q == 1 {
            Quarter {
                year: self.year.saturating_sub(1),
                q: 4,
            }
        } else {
            Quarter {
                q: self.q - 1,
                ..self
            }
        }
    }
}

impl fmt::Display for Quarter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}Q{}", self.year, self.q)
    }
}

impl FromStr for Quarter {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || {
            format!(
                "季度格式应为 YYYYQn: {}",
                s.chars().take(16).collect::<String>()
            )
        };
        let (y, q) = s.split_once('Q').ok_or_else(bad)?;
        let year: u16 = y.parse().map_err(|_| bad())?;
        let q: u8 = q.parse().map_err(|_| bad())?;
        if !(1..=4).contains(&q) || Month::new(year, 1).is_err() {
            return Err(bad());
        }
        Ok(Quarter { year, q })
    }
}

impl TryFrom<String> for Quarter {
    type Error = String;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Quarter> for String {
    fn from(q: Quarter) -> Self {
        q.to_string()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Per {
    Month,
    Quarter,
}

/// At least `count` meetings of a kind each month or each quarter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Requirement {
    pub count: u8,
    pub per: Per,
}

/// A committee's required counts for the orgs below it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeetingRules {
    pub id: String,
    pub org_id: String,
    pub general: Requirement,
    pub committee: Requirement,
    pub group: Requirement,
    pub lesson: Requirement,
}

impl MeetingRules {
    pub const MAX_COUNT: u8 = 10;

    pub fn id_for(org_id: &str) -> String {
        format!("meeting-rules-{org_id}")
    }

    /// 党员大会 ≥ 1 a quarter, 支委会 ≥ 1 a month, 党小组会 ≥ 1 a month,
    /// 党课 ≥ 1 a quarter.
    pub fn defaults(org_id: &str) -> MeetingRules {
        let r = |per| Requirement { count: 1, per };
        MeetingRules {
            id: Self::id_for(org_id),
            org_id: org_id.to_owned(),
            general: r(Per::Quarter),
            committee: r(Per::Month),
            group: r(Per::Month),
            lesson: r(Per::Quarter),
        }
    }

    pub fn requirement(&self, kind: MeetingKind) -> Requirement {
        match kind {
            MeetingKind::General => self.general,
            MeetingKind::Committee => self.committee,
            MeetingKind::Group => self.group,
            MeetingKind::Lesson => self.lesson,
        }
    }

    /// Counts of 1–10 (0 would switch a kind off, which no rule allows).
    pub fn is_valid(&self) -> bool {
        MeetingKind::ALL
            .iter()
            .all(|k| (1..=Self::MAX_COUNT).contains(&self.requirement(*k).count))
    }
}

/// One kind's line on the board.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BoardRow {
    pub kind: MeetingKind,
    pub requirement: Requirement,
    /// Held against required, per month of the quarter or for the quarter.
    pub periods: Vec<(Option<Month>, u32, u32)>,
    pub attendance: Attendance,
}

impl BoardRow {
    pub fn held(&self) -> u32 {
        self.periods.iter().map(|p| p.1).sum()
    }

    /// Whether any period has fewer than required.
    pub fn is_short(&self) -> bool {
        self.periods
            .iter()
            .any(|(_, held, required)| held < required)
    }
}

/// The quarter's 组织生活 board: for each kind, meetings held against the
/// rules and the attendance at them. `meetings` are the org's (and its
/// groups' 党小组会); `checked_in` gives a meeting's activity's check-ins.
pub fn board<'a>(
    quarter: Quarter,
    meetings: impl IntoIterator<Item = &'a Meeting>,
    rules: &MeetingRules,
    checked_in: impl Fn(&Meeting) -> BTreeSet<String>,
) -> Vec<BoardRow> {
    let held: Vec<&Meeting> = meetings
        .into_iter()
        .filter(|m| m.quarter() == quarter)
        .collect();
    MeetingKind::ALL
        .iter()
        .map(|&kind| {
            let requirement = rules.requirement(kind);
            let of_kind: Vec<&&Meeting> = held.iter().filter(|m| m.kind == kind).collect();
            let required = u32::from(requirement.count);
            let periods = match requirement.per {
                Per::Quarter => vec![(None, of_kind.len() as u32, required)],
                Per::Month => quarter
                    .months()
                    .iter()
                    .map(|month| {
                        let n = of_kind.iter().filter(|m| m.month() == *month).count();
                        (Some(*month), n as u32, required)
                    })
                    .collect(),
            };
            let mut attendance = Attendance::default();
            for m in &of_kind {
                attendance.add(m.attendance(&checked_in(m)));
            }
            BoardRow {
                kind,
                requirement,
                periods,
                attendance,
            }
        })
        .collect()
}

/// The board as CSV (UTF-8 with BOM, so Excel opens it in Chinese).
pub fn board_csv(quarter: Quarter, rows: &[BoardRow]) -> String {
    let mut out =
        String::from("\u{feff}季度,会议类型,要求,已开,是否达标,应到,实到,请假,缺席,出席率\n");
    for r in rows {
        let per = match r.requirement.per {
            Per::Month => "每月",
            Per::Quarter => "每季度",
        };
        let a = r.attendance;
        out.push_str(&format!(
            "{quarter},{},{per}至少{}次,{},{},{},{},{},{},{}\n",
            r.kind.zh(),
            r.requirement.count,
            r.held(),
            if r.is_short() { "未达标" } else { "达标" },
            a.due,
            a.present,
            a.leave,
            a.absent,
            a.rate().map(|p| format!("{p}%")).unwrap_or_default(),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-10-15 10:00 in China.
    const OCT_15: i64 = 1_792_029_600;
    const DAY: i64 = 86_400;

    fn meeting(id: &str, kind: MeetingKind, at: i64, due: &[&str]) -> Meeting {
        Meeting {
            id: id.into(),
            org_id: "b1".into(),
            kind,
            at,
            place: "驿站".into(),
            host: "王书记".into(),
            recorder: "李委员".into(),
            topic: "学习贯彻".into(),
            activity_id: None,
            due: due.iter().map(|s| s.to_string()).collect(),
            present: vec![],
            absent: vec![],
            minutes: String::new(),
            decisions: String::new(),
            recorded_by: String::new(),
        }
    }

    fn none() -> BTreeSet<String> {
        BTreeSet::new()
    }

    #[test]
    fn october_15_is_in_the_fourth_quarter() {
        assert_eq!(Month::from_unix(OCT_15).unwrap().to_string(), "2026-10");
    }

    #[test]
    fn validation_refuses_marks_of_members_not_due_and_double_marks() {
        let mut m = meeting("m1", MeetingKind::Committee, OCT_15, &["a", "b"]);
        assert_eq!(m.validate(), Ok(()));
        m.present = vec!["c".into()];
        assert_eq!(m.validate(), Err(MeetingError::NotDue));
        m.present = vec!["a".into()];
        m.absent = vec![Absence {
            member_id: "a".into(),
            leave: None,
        }];
        assert_eq!(m.validate(), Err(MeetingError::PresentAndAbsent));
        m.absent = vec![Absence {
            member_id: "b".into(),
            leave: Some("出差".into()),
        }];
        assert_eq!(m.validate(), Ok(()));
        m.due.push("a".into());
        assert_eq!(m.validate(), Err(MeetingError::DuplicateDue));
        let mut m = meeting("m1", MeetingKind::Committee, OCT_15, &["a"]);
        m.topic = "主题\u{202E}".into();
        assert!(matches!(m.validate(), Err(MeetingError::Field(_))));
        m.topic = "主题".into();
        m.minutes = "  ".into();
        assert_eq!(m.validate(), Ok(()), "blank minutes are no minutes");
        m.minutes = "长".repeat(Meeting::MAX_MINUTES_CHARS + 1);
        assert!(matches!(m.validate(), Err(MeetingError::Field(_))));
    }

    #[test]
    fn due_is_present_plus_leave_plus_absent() {
        let mut m = meeting("m1", MeetingKind::General, OCT_15, &["a", "b", "c", "d"]);
        m.activity_id = Some("act".into());
        m.present = vec!["a".into()];
        m.absent = vec![
            Absence {
                member_id: "b".into(),
                leave: Some("出差".into()),
            },
            // Marked absent by hand wins over a check-in.
            Absence {
                member_id: "d".into(),
                leave: None,
            },
        ];
        let checked_in: BTreeSet<String> = ["c", "d", "x"].iter().map(|s| s.to_string()).collect();
        let a = m.attendance(&checked_in);
        assert_eq!(
            a,
            Attendance {
                due: 4,
                present: 2,
                leave: 1,
                absent: 1
            }
        );
        assert_eq!(a.due, a.present + a.leave + a.absent);
        assert_eq!(a.rate(), Some(50));
        assert_eq!(m.status_of("x", &checked_in), None, "checked in, not due");
        assert_eq!(
            m.status_of("b", &checked_in),
            Some(Status::Leave("出差".into()))
        );
        // Without the check-ins, c was absent.
        assert_eq!(m.attendance(&none()).present, 1);
    }

    #[test]
    fn a_member_who_joined_later_is_not_due_and_one_who_moved_counts_once() {
        // Recorded on the day: the branch's members then.
        let before = meeting("m1", MeetingKind::General, OCT_15, &["a", "mover"]);
        // "new" joined after; "mover" moved to b2 after the meeting.
        assert_eq!(before.status_of("new", &none()), None);
        let mut in_b2 = meeting(
            "m2",
            MeetingKind::General,
            OCT_15 + 30 * DAY,
            &["c", "mover"],
        );
        in_b2.org_id = "b2".into();
        let earlier_in_b2 = Meeting {
            org_id: "b2".into(),
            ..meeting("m0", MeetingKind::General, OCT_15 - DAY, &["c"])
        };
        let due_for_mover = [&before, &in_b2, &earlier_in_b2]
            .iter()
            .filter(|m| m.status_of("mover", &none()).is_some())
            .count();
        assert_eq!(due_for_mover, 2, "once in each org, at the time");
    }

    #[test]
    fn the_board_counts_each_kind_against_its_rule() {
        let rules = MeetingRules::defaults("c");
        let q4 = Quarter::of(Month::new(2026, 10).unwrap());
        // None held: every kind short, every month.
        let rows = board(q4, &[], &rules, |_| none());
        assert!(rows.iter().all(BoardRow::is_short));
        assert_eq!(rows[1].periods.len(), 3, "支委会 monthly");
        assert_eq!(rows[0].periods.len(), 1, "党员大会 quarterly");

        // 支委会 in October and November only: one month short.
        let ms = [
            meeting("c1", MeetingKind::Committee, OCT_15, &["a"]),
            meeting("c2", MeetingKind::Committee, OCT_15 + 31 * DAY, &["a"]),
            meeting("g1", MeetingKind::General, OCT_15, &["a", "b"]),
        ];
        let rows = board(q4, &ms, &rules, |_| none());
        let committee = &rows[1];
        assert_eq!(committee.held(), 2);
        assert!(committee.is_short());
        assert_eq!(
            committee.periods.iter().map(|p| p.1).collect::<Vec<_>>(),
            vec![1, 1, 0]
        );
        assert!(!rows[0].is_short(), "one 党员大会 a quarter is enough");
        assert_eq!(rows[0].attendance.due, 2);

        // A committee that asks for two 党员大会 a quarter.
        let mut strict = rules.clone();
        strict.general = Requirement {
            count: 2,
            per: Per::Quarter,
        };
        assert!(board(q4, &ms, &strict, |_| none())[0].is_short());
        assert!(strict.is_valid());
        strict.lesson.count = 0;
        assert!(!strict.is_valid());
    }

    #[test]
    fn quarter_boundaries_follow_china_time() {
        let q4 = Quarter::of(Month::new(2026, 10).unwrap());
        // 2026-10-01 00:30 in China is 2026-09-30 16:30 UTC.
        let first_of_october = 1_790_785_800;
        assert_eq!(
            Month::from_unix(first_of_october).unwrap().to_string(),
            "2026-10"
        );
        let m = meeting("m", MeetingKind::Lesson, first_of_october, &["a"]);
        assert_eq!(m.quarter(), q4);
        let late_september = meeting("s", MeetingKind::Lesson, first_of_october - 3600, &["a"]);
        assert_eq!(late_september.quarter(), q4.prev());
        let rows = board(
            q4,
            [&m, &late_september],
            &MeetingRules::defaults("c"),
            |_| none(),
        );
        assert_eq!(rows[3].held(), 1);
        assert_eq!(q4.next().to_string(), "2027Q1");
        assert_eq!("2026Q4".parse::<Quarter>(), Ok(q4));
        assert!("2026Q5".parse::<Quarter>().is_err());
        assert_eq!(
            q4.months().map(|m| m.to_string()),
            ["2026-10".to_string(), "2026-11".into(), "2026-12".into()]
        );
    }

    #[test]
    fn a_member_sees_only_their_own_line() {
        let mut m = meeting("m1", MeetingKind::General, OCT_15, &["a", "b"]);
        m.absent = vec![Absence {
            member_id: "b".into(),
            leave: Some("住院".into()),
        }];
        let seen = m.for_member("a");
        assert_eq!(seen.due, vec!["a".to_string()]);
        assert!(seen.absent.is_empty());
        assert_eq!(seen.topic, m.topic);
    }

    #[test]
    fn the_csv_names_each_kind_and_the_rate() {
        let q4 = Quarter::of(Month::new(2026, 10).unwrap());
        let mut g = meeting("g1", MeetingKind::General, OCT_15, &["a", "b"]);
        g.present = vec!["a".into()];
        let csv = board_csv(
            q4,
            &board(q4, [&g], &MeetingRules::defaults("c"), |_| none()),
        );
        assert!(
            csv.contains("2026Q4,支部党员大会,每季度至少1次,1,达标,2,1,0,1,50%"),
            "{csv}"
        );
        assert!(csv.contains("支委会,每月至少1次,0,未达标"), "{csv}");
    }
}

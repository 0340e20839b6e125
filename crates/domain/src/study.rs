//! 指尖党建 study: courses of short lessons ("快餐党课") that members read on
//! their phones, offline, each with a short self-check quiz checked on the
//! device. Answers and progress stay with the member: nothing here scores,
//! ranks or times anyone.
//!
//! A lesson is written as one Markdown text (the editor's and
//! `zhijian-server import-course`'s format, [`parse_lesson`]): a `#` title,
//! the body (headings, paragraphs, lists, emphasis, quotes, images), and an
//! optional `## 自测` section whose numbered items are questions, their
//! task-list items the choices (`[x]` marks a right one) and a quote the
//! explanation.

use std::collections::BTreeSet;

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use serde::{Deserialize, Serialize};

use crate::validate::{self, Field, FieldError, Problem};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Course {
    pub id: String,
    /// The org that offers it (a committee or a branch).
    pub org_id: String,
    pub title: String,
    #[serde(default)]
    pub summary: String,
    /// The orgs it is for, each with the orgs below it; empty: `org_id`'s.
    #[serde(default)]
    pub audience: Vec<String>,
    /// Drafts are seen only by the org's organisers.
    #[serde(default)]
    pub published: bool,
    pub lessons: Vec<Lesson>,
    /// The account that saved it last (set by `apply`).
    #[serde(default)]
    pub updated_by: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lesson {
    /// Unique within its course; a study session links `course/lesson`.
    pub id: String,
    pub title: String,
    /// Markdown (the subset above).
    pub body: String,
    #[serde(default)]
    pub quiz: Vec<Question>,
    /// One recording to listen to (`/media/<sha256>`), written in the
    /// lesson's Markdown as `[音频](/media/…)` right under the title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    pub prompt: String,
    pub choices: Vec<String>,
    /// Indexes of the right choices; more than one makes it multiple choice.
    pub answer: Vec<u8>,
    #[serde(default)]
    pub explanation: String,
}

impl Question {
    pub const MIN_CHOICES: usize = 2;
    pub const MAX_CHOICES: usize = 6;
    pub const MAX_PROMPT_CHARS: usize = 200;
    pub const MAX_CHOICE_CHARS: usize = 100;
    pub const MAX_EXPLANATION_CHARS: usize = 500;

    pub fn multiple(&self) -> bool {
        self.answer.len() > 1
    }

    /// Whether `chosen` is exactly the right choices (order does not matter).
    pub fn is_right(&self, chosen: &[u8]) -> bool {
        let right: BTreeSet<u8> = self.answer.iter().copied().collect();
        let picked: BTreeSet<u8> = chosen.iter().copied().collect();
        picked.len() == chosen.len() && picked == right
    }

    fn validate(&self) -> Result<(), CourseError> {
        validate::text(Field::Question, &self.prompt, Self::MAX_PROMPT_CHARS)?;
        if !(Self::MIN_CHOICES..=Self::MAX_CHOICES).contains(&self.choices.len()) {
            return Err(CourseError::ChoicesRange);
        }
        for c in &self.choices {
            validate::text(Field::Choice, c, Self::MAX_CHOICE_CHARS)?;
        }
        if self.answer.is_empty() {
            return Err(CourseError::NoAnswer);
        }
        let mut seen = BTreeSet::new();
        for &a in &self.answer {
            if usize::from(a) >= self.choices.len() || !seen.insert(a) {
                return Err(CourseError::AnswerNotAChoice);
            }
        }
        if !self.explanation.is_empty() {
            validate::long_text(
                Field::Explanation,
                &self.explanation,
                Self::MAX_EXPLANATION_CHARS,
            )?;
        }
        Ok(())
    }
}

/// Why a course is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CourseError {
    Field(FieldError),
    NoLessons,
    TooManyLessons,
    /// All lessons together are longer than a course may be.
    TooLong,
    DuplicateLessonId,
    TooManyQuestions,
    ChoicesRange,
    NoAnswer,
    AnswerNotAChoice,
}

impl From<FieldError> for CourseError {
    fn from(e: FieldError) -> Self {
        CourseError::Field(e)
    }
}

impl Course {
    pub const MAX_TITLE_CHARS: usize = 60;
    pub const MAX_SUMMARY_CHARS: usize = 300;
    /// "快餐党课24讲".
    pub const MAX_LESSONS: usize = 24;
    pub const MAX_LESSON_CHARS: usize = 8_000;
    /// The whole course is one synced record: it must fit in a push
    /// (256 KB) with room to spare, at 3 bytes a character.
    pub const MAX_TOTAL_CHARS: usize = 60_000;
    pub const MAX_QUESTIONS: usize = 10;
    pub const MAX_AUDIENCE: usize = 50;

    pub fn validate(&self) -> Result<(), CourseError> {
        validate::id(Field::Id, &self.id)?;
        validate::id(Field::Id, &self.org_id)?;
        validate::text(Field::CourseTitle, &self.title, Self::MAX_TITLE_CHARS)?;
        if !self.summary.is_empty() {
            validate::long_text(Field::Summary, &self.summary, Self::MAX_SUMMARY_CHARS)?;
        }
        if self.audience.len() > Self::MAX_AUDIENCE {
            return Err(FieldError {
                field: Field::Audience,
                problem: Problem::TooLong(Self::MAX_AUDIENCE),
            }
            .into());
        }
        for o in &self.audience {
            validate::id(Field::Audience, o)?;
        }
        if self.lessons.is_empty() {
            return Err(CourseError::NoLessons);
        }
        if self.lessons.len() > Self::MAX_LESSONS {
            return Err(CourseError::TooManyLessons);
        }
        let mut ids = BTreeSet::new();
        let mut total = 0;
        for l in &self.lessons {
            validate::id(Field::Id, &l.id)?;
            if !ids.insert(l.id.as_str()) {
                return Err(CourseError::DuplicateLessonId);
            }
            validate::text(Field::LessonTitle, &l.title, Self::MAX_TITLE_CHARS)?;
            validate::long_text(Field::LessonBody, &l.body, Self::MAX_LESSON_CHARS)?;
            if l.audio.as_deref().is_some_and(|a| !is_media_path(a)) {
                return Err(FieldError {
                    field: Field::Audio,
                    problem: Problem::BadId,
                }
                .into());
            }
            if l.quiz.len() > Self::MAX_QUESTIONS {
                return Err(CourseError::TooManyQuestions);
            }
            for q in &l.quiz {
                q.validate()?;
            }
            total += l.body.chars().count()
                + l.quiz
                    .iter()
                    .map(|q| {
                        q.prompt.chars().count()
                            + q.explanation.chars().count()
                            + q.choices.iter().map(|c| c.chars().count()).sum::<usize>()
                    })
                    .sum::<usize>();
        }
        if total > Self::MAX_TOTAL_CHARS {
            return Err(CourseError::TooLong);
        }
        Ok(())
    }

    pub fn lesson(&self, id: &str) -> Option<&Lesson> {
        self.lessons.iter().find(|l| l.id == id)
    }

    /// The server's media the lessons use (`/media/<sha256>`), each once,
    /// in lesson order with the lesson's index: what "下载到本机" fetches.
    pub fn media(&self) -> Vec<(usize, String)> {
        const PREFIX: &str = "/media/";
        let mut out: Vec<(usize, String)> = Vec::new();
        for (i, l) in self.lessons.iter().enumerate() {
            if let Some(a) = &l.audio
                && !out.iter().any(|(_, u)| u == a)
            {
                out.push((i, a.clone()));
            }
            let mut rest = l.body.as_str();
            while let Some(at) = rest.find(PREFIX) {
                let tail = &rest[at + PREFIX.len()..];
                let run = tail.bytes().take_while(u8::is_ascii_hexdigit).count();
                if run == 64 && is_media_name(&tail[..64]) {
                    let url = format!("{PREFIX}{}", &tail[..64]);
                    if !out.iter().any(|(_, u)| *u == url) {
                        out.push((i, url));
                    }
                }
                rest = tail;
            }
        }
        out
    }

    /// The orgs it is for (its own when none are named).
    pub fn audience_or_own(&self) -> Vec<&str> {
        if self.audience.is_empty() {
            vec![self.org_id.as_str()]
        } else {
            self.audience.iter().map(String::as_str).collect()
        }
    }
}

/// A lesson of a course, as an activity names the one studied at it. On
/// the wire one string, `course/lesson` (ids have no `/`): activities are
/// decoded in the app's first load, where a struct's decoder costs bytes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LessonRef {
    pub course_id: String,
    pub lesson_id: String,
}

impl TryFrom<String> for LessonRef {
    type Error = &'static str;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        match s.split_once('/') {
            Some((c, l)) if !c.is_empty() && !l.is_empty() && !l.contains('/') => Ok(LessonRef {
                course_id: c.to_owned(),
                lesson_id: l.to_owned(),
            }),
            _ => Err("a lesson is named course/lesson"),
        }
    }
}

impl From<LessonRef> for String {
    fn from(l: LessonRef) -> String {
        format!("{}/{}", l.course_id, l.lesson_id)
    }
}

/// 学习心得: what a member took from a lesson, written (offline too) for
/// the organisers of their org. Private: nobody else sees it, and it is
/// never scored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reflection {
    pub id: String,
    pub member_id: String,
    /// The member's org when it was written: its organisers read it.
    pub org_id: String,
    pub course_id: String,
    pub lesson_id: String,
    pub text: String,
    /// When it was written (the device's clock, never later than the
    /// server's), seconds since the epoch.
    pub at: i64,
}

impl Reflection {
    pub const MAX_CHARS: usize = 2_000;

    /// One per member and lesson: writing again edits it.
    pub fn id_for(member_id: &str, course_id: &str, lesson_id: &str) -> String {
        format!("refl-{member_id}-{course_id}-{lesson_id}")
    }
}

/// The headings that start a lesson's quiz.
const QUIZ_HEADINGS: [&str; 3] = ["自测", "测验", "quiz"];

/// Why a lesson's Markdown could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LessonSourceError {
    /// No `# title` line.
    NoTitle,
    /// A numbered quiz item without `- [ ]`/`- [x]` choices: the
    /// question's number and the line it starts on.
    QuestionWithoutChoices { number: usize, line: usize },
}

impl std::fmt::Display for LessonSourceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LessonSourceError::NoTitle => f.write_str("第 1 行：课文第一行应为“# 标题”"),
            LessonSourceError::QuestionWithoutChoices { number, line } => {
                write!(f, "第 {line} 行：自测第 {number} 题没有“- [ ] 选项”")
            }
        }
    }
}

impl std::error::Error for LessonSourceError {}

/// Reads a lesson written as Markdown: `# title`, the body, and an optional
/// `## 自测` section of numbered questions with task-list choices and a
/// quoted explanation. The body is kept as written (the reader renders it).
pub fn parse_lesson(id: &str, source: &str) -> Result<Lesson, LessonSourceError> {
    let mut title: Option<(String, usize)> = None;
    let mut heading: Option<(HeadingLevel, String, usize)> = None;
    let events: Vec<(Event<'_>, std::ops::Range<usize>)> =
        Parser::new_ext(source, Options::ENABLE_TASKLISTS)
            .into_offset_iter()
            .collect();
    for (i, (e, range)) in events.iter().enumerate() {
        match e {
            Event::Start(Tag::Heading { level, .. }) => {
                heading = Some((*level, String::new(), range.start));
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, text, _)) = heading.as_mut() {
                    text.push_str(t);
                }
            }
            Event::End(TagEnd::Heading(_)) => {
                let Some((level, text, start)) = heading.take() else {
                    continue;
                };
                let text = text.trim().to_owned();
                if level == HeadingLevel::H1 && title.is_none() {
                    title = Some((text, range.end));
                } else if level == HeadingLevel::H2
                    && title.is_some()
                    && QUIZ_HEADINGS.contains(&text.to_lowercase().as_str())
                {
                    let body_from = title.as_ref().map_or(0, |t| t.1);
                    let body = source.get(body_from..start).unwrap_or_default();
                    let quiz = parse_quiz(source, &events[i + 1..])?;
                    let (title, _) = title.take().ok_or(LessonSourceError::NoTitle)?;
                    let (body, audio) = take_audio(body);
                    return Ok(Lesson {
                        id: id.into(),
                        title,
                        body,
                        quiz,
                        audio,
                    });
                }
            }
            _ => {}
        }
    }
    let (title, end) = title.ok_or(LessonSourceError::NoTitle)?;
    let (body, audio) = take_audio(source.get(end..).unwrap_or_default());
    Ok(Lesson {
        id: id.into(),
        title,
        body,
        quiz: Vec::new(),
        audio,
    })
}

/// The link texts that mark a lesson's recording.
const AUDIO_LABELS: [&str; 2] = ["音频", "audio"];

/// A stored media file's name: the SHA-256 of its bytes, 64 lowercase hex
/// digits (the server stores and serves files by it).
pub fn is_media_name(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A server media path: `/media/` and a media name.
pub fn is_media_path(s: &str) -> bool {
    s.strip_prefix("/media/").is_some_and(is_media_name)
}

/// The body without its first line when that line is `[音频](/media/…)`,
/// and that recording.
fn take_audio(body: &str) -> (String, Option<String>) {
    let body = body.trim();
    let (first, rest) = body.split_once('\n').unwrap_or((body, ""));
    let audio = first
        .trim()
        .strip_prefix('[')
        .and_then(|r| r.split_once("]("))
        .filter(|(label, _)| AUDIO_LABELS.contains(&label.trim().to_lowercase().as_str()))
        .and_then(|(_, r)| r.strip_suffix(')'))
        .filter(|url| is_media_path(url));
    match audio {
        Some(url) => (rest.trim().to_owned(), Some(url.to_owned())),
        None => (body.to_owned(), None),
    }
}

/// A lesson's Markdown with a picture added at the end of its text (before
/// its self-check, which would swallow it): what the editor does after an
/// upload.
pub fn with_image(source: &str, url: &str, alt: &str) -> String {
    let picture = format!("![{alt}]({url})");
    let quiz_at = source.lines().position(|l| {
        l.trim_start()
            .strip_prefix("## ")
            .is_some_and(|h| QUIZ_HEADINGS.contains(&h.trim().to_lowercase().as_str()))
    });
    let mut lines: Vec<&str> = source.trim_end().lines().collect();
    match quiz_at {
        Some(i) => {
            lines.insert(i, "");
            lines.insert(i, &picture);
        }
        None => {
            lines.push("");
            lines.push(&picture);
        }
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

/// A lesson's Markdown with `url` as its recording (the line under the
/// title, replacing one already there): what the editor does after an upload.
pub fn with_audio(source: &str, url: &str) -> String {
    let line = format!("[音频]({url})");
    let mut lines: Vec<&str> = source.lines().collect();
    let title = lines.iter().position(|l| l.trim_start().starts_with("# "));
    let at = title.map_or(0, |t| t + 1);
    // The first non-blank line after the title, if it is a recording already.
    let next = (at..lines.len()).find(|&i| !lines[i].trim().is_empty());
    match next {
        Some(i) if take_audio(lines[i]).1.is_some() => lines[i] = &line,
        _ => {
            lines.insert(at, "");
            lines.insert(at + 1, &line);
        }
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

impl Lesson {
    /// Top-level blocks a slide holds at most when the text has no `##`
    /// headings to split at.
    pub const BLOCKS_PER_SLIDE: usize = 3;

    /// The body cut into slides for presenter mode: one per `##` section
    /// (the text before the first heading is a slide of its own); a body
    /// without `##` headings is cut every few paragraphs, lists or quotes.
    /// Each slide is Markdown, as written.
    pub fn slides(&self) -> Vec<String> {
        let body = self.body.as_str();
        let mut cuts = Vec::new();
        let mut blocks = Vec::new();
        let mut depth = 0usize;
        for (e, range) in Parser::new_ext(body, Options::ENABLE_TASKLISTS).into_offset_iter() {
            match e {
                Event::Start(tag) => {
                    if depth == 0 {
                        if matches!(
                            tag,
                            Tag::Heading {
                                level: HeadingLevel::H2,
                                ..
                            }
                        ) {
                            cuts.push(range.start);
                        }
                        blocks.push(range.start);
                    }
                    depth += 1;
                }
                Event::End(_) => depth = depth.saturating_sub(1),
                // A rule or HTML at the top level is a block of its own.
                _ if depth == 0 => blocks.push(range.start),
                _ => {}
            }
        }
        if cuts.is_empty() {
            cuts = blocks
                .iter()
                .copied()
                .step_by(Self::BLOCKS_PER_SLIDE)
                .collect();
        }
        let mut starts: Vec<usize> = cuts;
        if starts.first() != Some(&0) {
            starts.insert(0, 0);
        }
        starts.push(body.len());
        starts
            .windows(2)
            .filter_map(|w| body.get(w[0]..w[1]))
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect()
    }
}

/// The quiz section's events: questions are the items of the first level
/// of numbered lists.
fn parse_quiz(
    source: &str,
    events: &[(Event<'_>, std::ops::Range<usize>)],
) -> Result<Vec<Question>, LessonSourceError> {
    #[derive(PartialEq)]
    enum In {
        Prompt,
        Choice,
        Explanation,
    }
    let mut quiz = Vec::new();
    let mut depth = 0usize;
    let mut current: Option<Question> = None;
    let mut part = In::Prompt;
    let mut quote_depth = 0usize;
    let mut item_at = 0usize;
    for (e, range) in events {
        match e {
            Event::Start(Tag::List(_)) => depth += 1,
            Event::End(TagEnd::List(_)) => depth = depth.saturating_sub(1),
            Event::Start(Tag::Item) if depth == 1 => {
                item_at = range.start;
                current = Some(Question {
                    prompt: String::new(),
                    choices: Vec::new(),
                    answer: Vec::new(),
                    explanation: String::new(),
                });
                part = In::Prompt;
            }
            Event::End(TagEnd::Item) if depth == 1 => {
                if let Some(mut q) = current.take() {
                    if q.choices.is_empty() {
                        let line = source
                            .get(..item_at)
                            .map_or(1, |before| before.matches('\n').count() + 1);
                        return Err(LessonSourceError::QuestionWithoutChoices {
                            number: quiz.len() + 1,
                            line,
                        });
                    }
                    q.prompt = q.prompt.trim().into();
                    q.explanation = q.explanation.trim().into();
                    for c in &mut q.choices {
                        *c = c.trim().into();
                    }
                    quiz.push(q);
                }
            }
            Event::TaskListMarker(checked) if depth == 2 => {
                if let Some(q) = current.as_mut() {
                    if *checked {
                        q.answer
                            .push(u8::try_from(q.choices.len()).unwrap_or(u8::MAX));
                    }
                    q.choices.push(String::new());
                    part = In::Choice;
                }
            }
            Event::Start(Tag::BlockQuote(_)) => {
                quote_depth += 1;
                part = In::Explanation;
            }
            Event::End(TagEnd::BlockQuote(_)) => quote_depth = quote_depth.saturating_sub(1),
            Event::Text(t) | Event::Code(t) => {
                let Some(q) = current.as_mut() else { continue };
                let target = match part {
                    In::Prompt => &mut q.prompt,
                    In::Choice => match q.choices.last_mut() {
                        Some(c) => c,
                        None => continue,
                    },
                    In::Explanation => &mut q.explanation,
                };
                target.push_str(t);
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some(q) = current.as_mut()
                    && part == In::Explanation
                    && quote_depth > 0
                {
                    q.explanation.push('\n');
                }
            }
            _ => {}
        }
    }
    Ok(quiz)
}

/// A lesson as Markdown again (the editor opens a saved lesson this way):
/// [`parse_lesson`] reads it back to the same lesson.
pub fn lesson_source(l: &Lesson) -> String {
    let audio = l
        .audio
        .as_ref()
        .map(|a| format!("[音频]({a})\n\n"))
        .unwrap_or_default();
    let mut s = format!("# {}\n\n{audio}{}\n", l.title, l.body.trim());
    if !l.quiz.is_empty() {
        s.push_str("\n## 自测\n");
        for (i, q) in l.quiz.iter().enumerate() {
            s.push_str(&format!("\n{}. {}\n", i + 1, q.prompt));
            for (j, c) in q.choices.iter().enumerate() {
                let mark = if q.answer.contains(&(j as u8)) {
                    'x'
                } else {
                    ' '
                };
                s.push_str(&format!("   - [{mark}] {c}\n"));
            }
            if !q.explanation.is_empty() {
                for line in q.explanation.lines() {
                    s.push_str(&format!("\n   > {line}"));
                }
                s.push('\n');
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str = "# 第一讲 不忘初心

党员要**牢记**初心使命。

- 学习
- 实践

> 引自讲话

## 自测

1. 党的根本宗旨是什么？
   - [x] 全心全意为人民服务
   - [ ] 发展经济

   > 见党章总纲。

2. 下列哪些属于“三会一课”？
   - [x] 支部党员大会
   - [x] 党课
   - [ ] 年终聚餐
";

    fn lesson() -> Lesson {
        parse_lesson("l1", SOURCE).expect("reads")
    }

    #[test]
    fn a_lesson_reads_its_title_body_and_quiz() {
        let l = lesson();
        assert_eq!(l.title, "第一讲 不忘初心");
        assert!(l.body.starts_with("党员要**牢记**初心使命。"));
        assert!(l.body.ends_with("> 引自讲话"), "the body's own quote stays");
        assert!(!l.body.contains("自测"));
        assert_eq!(l.quiz.len(), 2);
        assert_eq!(l.quiz[0].prompt, "党的根本宗旨是什么？");
        assert_eq!(l.quiz[0].choices, ["全心全意为人民服务", "发展经济"]);
        assert_eq!(l.quiz[0].answer, [0]);
        assert_eq!(l.quiz[0].explanation, "见党章总纲。");
        assert!(!l.quiz[0].multiple());
        assert_eq!(l.quiz[1].answer, [0, 1]);
        assert!(l.quiz[1].multiple());
        assert_eq!(l.quiz[1].explanation, "");
    }

    #[test]
    fn a_lesson_without_a_quiz_or_title() {
        let l = parse_lesson("l2", "# 标题\n\n正文").expect("reads");
        assert_eq!((l.title.as_str(), l.body.as_str()), ("标题", "正文"));
        assert!(l.quiz.is_empty());
        assert_eq!(
            parse_lesson("l3", "正文而已"),
            Err(LessonSourceError::NoTitle)
        );
        assert_eq!(
            parse_lesson("l4", "# 标题\n\n## 自测\n\n1. 问题\n"),
            Err(LessonSourceError::QuestionWithoutChoices { number: 1, line: 5 })
        );
        let second = "# 标题\n\n## 自测\n\n1. 甲\n   - [x] 对\n   - [ ] 错\n2. 乙\n";
        let e = parse_lesson("l5", second).unwrap_err();
        assert_eq!(
            e,
            LessonSourceError::QuestionWithoutChoices { number: 2, line: 8 }
        );
        assert!(e.to_string().starts_with("第 8 行"), "{e}");
    }

    #[test]
    fn the_editors_markdown_reads_back_to_the_same_lesson() {
        let l = lesson();
        assert_eq!(parse_lesson("l1", &lesson_source(&l)), Ok(l));
    }

    #[test]
    fn answers_are_checked_exactly() {
        let q = &lesson().quiz[1];
        assert!(q.is_right(&[1, 0]));
        assert!(!q.is_right(&[0]), "half right is not right");
        assert!(!q.is_right(&[0, 1, 2]));
        assert!(!q.is_right(&[0, 0, 1]));
    }

    fn course() -> Course {
        Course {
            id: "course-1".into(),
            org_id: "c".into(),
            title: "快餐党课".into(),
            summary: String::new(),
            audience: vec![],
            published: true,
            lessons: vec![lesson()],
            updated_by: String::new(),
        }
    }

    #[test]
    fn courses_are_validated() {
        assert_eq!(course().validate(), Ok(()));
        let mut c = course();
        c.lessons.clear();
        assert_eq!(c.validate(), Err(CourseError::NoLessons));
        let mut c = course();
        c.lessons.push(lesson());
        assert_eq!(c.validate(), Err(CourseError::DuplicateLessonId));
        let mut c = course();
        c.lessons = (0..=Course::MAX_LESSONS)
            .map(|i| Lesson {
                id: format!("l{i}"),
                ..lesson()
            })
            .collect();
        assert_eq!(c.validate(), Err(CourseError::TooManyLessons));
        let mut c = course();
        c.lessons = (0..8)
            .map(|i| Lesson {
                id: format!("l{i}"),
                body: "学".repeat(Course::MAX_LESSON_CHARS),
                quiz: vec![],
                ..lesson()
            })
            .collect();
        assert_eq!(c.validate(), Err(CourseError::TooLong));
        let mut c = course();
        c.lessons[0].quiz[0].answer = vec![2];
        assert_eq!(c.validate(), Err(CourseError::AnswerNotAChoice));
        c.lessons[0].quiz[0].answer = vec![];
        assert_eq!(c.validate(), Err(CourseError::NoAnswer));
        c.lessons[0].quiz[0].choices.truncate(1);
        assert_eq!(c.validate(), Err(CourseError::ChoicesRange));
        let mut c = course();
        c.title = "标题\u{202e}".into();
        assert!(matches!(c.validate(), Err(CourseError::Field(_))));
        let mut c = course();
        c.lessons[0].body.push('\u{0}');
        assert!(matches!(c.validate(), Err(CourseError::Field(_))));
    }
    #[test]
    fn slides_follow_the_sections_and_long_plain_text_is_cut() {
        let mut l = lesson();
        l.body =
            "引言一段。\n\n## 一、初心\n\n正文甲。\n\n- 要点\n\n## 二、使命\n\n正文乙。".into();
        assert_eq!(
            l.slides(),
            [
                "引言一段。",
                "## 一、初心\n\n正文甲。\n\n- 要点",
                "## 二、使命\n\n正文乙。"
            ]
        );
        l.body = "## 只有一节\n\n文字".into();
        assert_eq!(l.slides(), ["## 只有一节\n\n文字"]);
        // No sections: every three blocks; a list counts as one block.
        l.body = "一\n\n二\n\n- 甲\n- 乙\n\n四\n\n> 五".into();
        assert_eq!(l.slides(), ["一\n\n二\n\n- 甲\n- 乙", "四\n\n> 五"]);
        // A `##` inside a code block or a quote does not cut.
        l.body = "> ## 引用中的标题\n\n```\n## 代码\n```".into();
        assert_eq!(l.slides().len(), 1);
        l.body = String::new();
        assert!(l.slides().is_empty());
    }

    #[test]
    fn a_lesson_ref_is_one_string_on_the_wire() {
        let r = LessonRef {
            course_id: "co".into(),
            lesson_id: "l1".into(),
        };
        let json = serde_json::to_string(&r).expect("json");
        assert_eq!(json, "\"co/l1\"");
        assert_eq!(serde_json::from_str::<LessonRef>(&json).expect("back"), r);
        for bad in ["\"co\"", "\"/l1\"", "\"co/\"", "\"a/b/c\""] {
            assert!(serde_json::from_str::<LessonRef>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_courses_media_are_listed_once_in_lesson_order() {
        let a = "a".repeat(64);
        let b = "b".repeat(64);
        let mut l1 = lesson();
        l1.body = format!("![图](/media/{b})\n\n再看 ![图](/media/{a}) 和 /media/short");
        let mut l2 = lesson();
        l2.id = "l2".into();
        l2.body = format!("![同一张](/media/{b})");
        let c = Course {
            id: "c".into(),
            org_id: "o".into(),
            title: "t".into(),
            summary: String::new(),
            audience: vec![],
            published: true,
            lessons: vec![l1, l2],
            updated_by: String::new(),
        };
        assert_eq!(
            c.media(),
            vec![(0, format!("/media/{b}")), (0, format!("/media/{a}"))]
        );
    }
    #[test]
    fn a_lesson_carries_one_recording_written_under_its_title() {
        let a = format!("/media/{}", "c".repeat(64));
        let src = format!("# 第一讲\n\n[音频]({a})\n\n正文。\n");
        let l = parse_lesson("l1", &src).expect("reads");
        assert_eq!(l.audio.as_deref(), Some(a.as_str()));
        assert_eq!(l.body, "正文。");
        assert_eq!(parse_lesson("l1", &lesson_source(&l)), Ok(l.clone()));
        // Further down, or not the server's media: just text.
        let later = parse_lesson("l2", &format!("# 题\n\n正文\n\n[音频]({a})")).expect("reads");
        assert_eq!(later.audio, None);
        let elsewhere =
            parse_lesson("l3", "# 题\n\n[音频](https://example.com/a.mp3)\n").expect("reads");
        assert_eq!(elsewhere.audio, None);
        // The editor puts a new recording in place of the old one.
        let b = format!("/media/{}", "d".repeat(64));
        let again = with_audio(&src, &b);
        assert_eq!(
            parse_lesson("l1", &again).expect("reads").audio.as_deref(),
            Some(b.as_str())
        );
        assert_eq!(again.matches("[音频]").count(), 1);
        let added = with_audio("# 题\n\n正文\n", &a);
        assert_eq!(
            parse_lesson("l4", &added).expect("reads").audio.as_deref(),
            Some(a.as_str())
        );
        // A picture goes at the end of the text, before the self-check.
        let pic = format!("/media/{}", "e".repeat(64));
        let with_pic = with_image(&lesson_source(&lesson()), &pic, "图");
        let read = parse_lesson("l1", &with_pic).expect("reads");
        assert!(
            read.body.ends_with(&format!("![图]({pic})")),
            "{}",
            read.body
        );
        assert_eq!(read.quiz, lesson().quiz);
        let plain = parse_lesson("l5", &with_image("# 题\n\n正文", &pic, "图")).expect("reads");
        assert_eq!(plain.body, format!("正文\n\n![图]({pic})"));
        // A course lists it for download; a forged path is refused.
        let mut c = course();
        c.lessons[0].audio = Some(a.clone());
        assert!(c.media().contains(&(0, a)));
        c.lessons[0].audio = Some("/media/../../etc/passwd".into());
        assert!(matches!(c.validate(), Err(CourseError::Field(f)) if f.field == Field::Audio));
    }
}

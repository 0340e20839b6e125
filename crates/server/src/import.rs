//! `zhijian-server import-course DIR --org ORG`: a folder of Markdown files
//! becomes a course of that org, through the same `course.save@1` the app
//! sends (every rule applies). `course.md` (optional) holds the course's
//! `# title` and its summary; every other `*.md`, in name order, is a lesson
//! in the editor's format (`zhijian_domain::study::parse_lesson`). Importing
//! the same folder for the same org again updates that course.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use zhijian_domain::study::{Course, parse_lesson};
use zhijian_domain::{Actor, Op, RoleKind, ScopedRole};

use crate::Db;
use crate::records;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Lesson { path: PathBuf, message: String },
    #[error("{0} has no lessons (*.md files besides course.md)")]
    Empty(PathBuf),
    #[error("refused: {0}")]
    Refused(zhijian_domain::Rejection),
    #[error(transparent)]
    Server(#[from] crate::error::ApiError),
}

/// What was imported.
#[derive(Debug, PartialEq, Eq)]
pub struct Imported {
    pub course_id: String,
    pub lessons: usize,
}

fn read(path: &Path) -> Result<String, ImportError> {
    std::fs::read_to_string(path).map_err(|source| ImportError::Read {
        path: path.into(),
        source,
    })
}

/// A stable id from `parts`: the same folder and org give the same course.
fn derived_id(prefix: &str, parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0]);
    }
    let hex: String = h.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("{prefix}-{hex}")
}

/// Reads `dir` into a course of `org_id` (not yet saved).
pub fn read_course(dir: &Path, org_id: &str, publish: bool) -> Result<Course, ImportError> {
    let entries = std::fs::read_dir(dir).map_err(|source| ImportError::Read {
        path: dir.into(),
        source,
    })?;
    let mut files: Vec<PathBuf> = Vec::new();
    for e in entries {
        let path = e
            .map_err(|source| ImportError::Read {
                path: dir.into(),
                source,
            })?
            .path();
        let is_md = path
            .extension()
            .is_some_and(|x| x.eq_ignore_ascii_case("md"));
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if is_md
            && !name.eq_ignore_ascii_case("course.md")
            && !name.eq_ignore_ascii_case("readme.md")
        {
            files.push(path);
        }
    }
    files.sort();
    let folder = dir
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_default();
    let course_md = dir.join("course.md");
    let about = if course_md.exists() {
        Some((course_md.clone(), read(&course_md)?))
    } else {
        None
    };
    let mut lessons = Vec::with_capacity(files.len());
    for path in files {
        let text = read(&path)?;
        lessons.push((path, text));
    }
    if lessons.is_empty() {
        return Err(ImportError::Empty(dir.into()));
    }
    course_from_sources(org_id, &folder, publish, about, lessons)
}

/// A course from its files' texts: `about` is `course.md` (title and
/// summary), `lessons` the lesson files in order. A lesson's id comes from
/// its file's name, the course's from `org_id` and `folder`: importing the
/// same files again updates the same records.
pub fn course_from_sources(
    org_id: &str,
    folder: &str,
    publish: bool,
    about: Option<(PathBuf, String)>,
    lessons: Vec<(PathBuf, String)>,
) -> Result<Course, ImportError> {
    let (mut title, mut summary) = (folder.to_owned(), String::new());
    if let Some((path, text)) = about {
        let about = parse_lesson("about", &text).map_err(|e| ImportError::Lesson {
            path,
            message: e.to_string(),
        })?;
        title = about.title;
        summary = about.body;
    }
    let mut read = Vec::with_capacity(lessons.len());
    for (path, text) in lessons {
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let id = derived_id("l", &[&stem]);
        let lesson = parse_lesson(&id, &text).map_err(|e| ImportError::Lesson {
            path: path.clone(),
            message: e.to_string(),
        })?;
        // The course's rules, lesson by lesson, so that a refusal names its file.
        let alone = Course {
            id: "check".into(),
            org_id: org_id.into(),
            title: "check".into(),
            summary: String::new(),
            audience: vec![],
            published: false,
            lessons: vec![lesson.clone()],
            updated_by: String::new(),
        };
        alone.validate().map_err(|e| ImportError::Lesson {
            path,
            message: zhijian_domain::Rejection::from(e).to_string(),
        })?;
        read.push(lesson);
    }
    Ok(Course {
        id: derived_id("course", &[org_id, folder]),
        org_id: org_id.into(),
        title,
        summary,
        audience: vec![],
        published: publish,
        lessons: read,
        updated_by: String::new(),
    })
}

/// Imports `dir` as a course of `org_id` and saves it as the system.
pub async fn import_course(
    db: &Db,
    dir: &Path,
    org_id: &str,
    publish: bool,
    now: i64,
) -> Result<Imported, ImportError> {
    let course = read_course(dir, org_id, publish)?;
    let system = Actor {
        account_id: "system-import".into(),
        member_id: None,
        member_org_path: None,
        roles: vec![ScopedRole {
            kind: RoleKind::Admin,
            org_path: None,
        }],
    };
    let out = Imported {
        course_id: course.id.clone(),
        lessons: course.lessons.len(),
    };
    records::apply_one(db, &system, &Op::SaveCourse(course), now)
        .await?
        .map_err(ImportError::Refused)?;
    Ok(out)
}

//! Lesson media: images and audio files stored under the data directory by
//! the SHA-256 of their bytes (`media/<hex>`), with a row per committee that
//! uses one (its quota). The type is read from the bytes, never from a name
//! or a header: a renamed executable is refused. Served at `/media/<hex>`
//! with year-long immutable caching (a changed file is a new name).
//!
//! Several server processes share the directory (on one machine, or a shared
//! volume); writes go to a temporary file renamed into place, so a reader
//! never sees half a file and two uploads of the same bytes agree.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use sqlx::Row;
use zhijian_domain::{Org, OrgKind};

use crate::Db;
use crate::error::ApiError;

/// What a lesson may carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MediaKind {
    Png,
    Jpeg,
    Webp,
    Gif,
    Mp3,
    M4a,
    Ogg,
}

impl MediaKind {
    const ALL: [MediaKind; 7] = [
        MediaKind::Png,
        MediaKind::Jpeg,
        MediaKind::Webp,
        MediaKind::Gif,
        MediaKind::Mp3,
        MediaKind::M4a,
        MediaKind::Ogg,
    ];

    /// The kind the bytes are, by their signature (`infer`), if allowed.
    pub fn sniff(bytes: &[u8]) -> Option<MediaKind> {
        Self::ALL.into_iter().find(|k| k.matches(bytes))
    }

    fn matches(self, b: &[u8]) -> bool {
        match self {
            MediaKind::Png => infer::image::is_png(b),
            MediaKind::Jpeg => infer::image::is_jpeg(b),
            MediaKind::Webp => infer::image::is_webp(b),
            MediaKind::Gif => infer::image::is_gif(b),
            MediaKind::Mp3 => infer::audio::is_mp3(b),
            MediaKind::M4a => infer::audio::is_m4a(b),
            MediaKind::Ogg => infer::audio::is_ogg(b),
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            MediaKind::Png => "image/png",
            MediaKind::Jpeg => "image/jpeg",
            MediaKind::Webp => "image/webp",
            MediaKind::Gif => "image/gif",
            MediaKind::Mp3 => "audio/mpeg",
            MediaKind::M4a => "audio/mp4",
            MediaKind::Ogg => "audio/ogg",
        }
    }

    pub fn from_mime(m: &str) -> Option<MediaKind> {
        Self::ALL.into_iter().find(|k| k.mime() == m)
    }

    pub fn is_audio(self) -> bool {
        matches!(self, MediaKind::Mp3 | MediaKind::M4a | MediaKind::Ogg)
    }

    /// The largest file of this kind.
    pub fn max_bytes(self, limits: &MediaLimits) -> u64 {
        if self.is_audio() {
            limits.max_audio_bytes
        } else {
            limits.max_image_bytes
        }
    }
}

#[derive(Clone, Debug)]
pub struct MediaLimits {
    pub max_image_bytes: u64,
    pub max_audio_bytes: u64,
    /// What one committee's courses may store in all.
    pub quota_bytes: u64,
}

impl Default for MediaLimits {
    fn default() -> Self {
        Self {
            max_image_bytes: 2 * 1024 * 1024,
            max_audio_bytes: 20 * 1024 * 1024,
            quota_bytes: 500 * 1024 * 1024,
        }
    }
}

pub use zhijian_domain::api::StoredMedia as Stored;

/// Why an upload is refused.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    #[error("只能上传图片（PNG、JPEG、WebP、GIF）或音频（MP3、M4A、OGG）；文件内容不是这些格式")]
    NotMedia,
    #[error("文件太大：此类文件最大 {max_mb} MB")]
    TooLarge { max_mb: u64 },
    #[error("本党委的课程素材已用 {used_mb} MB，超出 {quota_mb} MB 的配额")]
    OverQuota { used_mb: u64, quota_mb: u64 },
    #[error("文件是空的")]
    Empty,
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error("cannot write media: {0}")]
    Io(#[from] std::io::Error),
}

impl From<sqlx::Error> for MediaError {
    fn from(e: sqlx::Error) -> Self {
        MediaError::Api(ApiError::Db(e))
    }
}

impl From<MediaError> for ApiError {
    fn from(e: MediaError) -> Self {
        match e {
            MediaError::NotMedia => ApiError::UnsupportedMediaType(e.to_string()),
            MediaError::TooLarge { .. } => ApiError::PayloadTooLarge,
            MediaError::OverQuota { .. } | MediaError::Empty => ApiError::Invalid(e.to_string()),
            MediaError::Api(a) => a,
            MediaError::Io(io) => {
                tracing::error!(error = %io, "media store");
                ApiError::Internal
            }
        }
    }
}

/// The directory of stored files.
#[derive(Clone, Debug)]
pub struct MediaStore {
    dir: PathBuf,
    pub limits: MediaLimits,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub use zhijian_domain::study::is_media_name as is_name;

impl MediaStore {
    pub fn new(dir: impl Into<PathBuf>, limits: MediaLimits) -> Self {
        Self {
            dir: dir.into(),
            limits,
        }
    }

    pub fn path_of(&self, name: &str) -> Option<PathBuf> {
        is_name(name).then(|| self.dir.join(name))
    }

    /// The committee whose quota an org's media count against: the nearest
    /// committee at or above it (its path's first committee from the end).
    pub async fn committee_of(db: &Db, org: &Org) -> Result<String, ApiError> {
        if org.kind == OrgKind::Committee {
            return Ok(org.id.clone());
        }
        let ids: Vec<&str> = org.path.split('/').filter(|s| !s.is_empty()).collect();
        for id in ids.iter().rev() {
            let row = sqlx::query("SELECT kind FROM orgs WHERE id = $1")
                .bind(*id)
                .fetch_optional(db.pool())
                .await?;
            if let Some(r) = row {
                let kind: String = r.try_get("kind")?;
                if kind == "committee" {
                    return Ok((*id).to_owned());
                }
            }
        }
        Ok(org.id.clone())
    }

    /// Checks and stores `bytes` for `committee`. The same bytes again (by
    /// anyone) are the same file and count once per committee.
    pub async fn put(
        &self,
        db: &Db,
        committee: &str,
        uploaded_by: &str,
        bytes: &[u8],
        now: i64,
    ) -> Result<Stored, MediaError> {
        if bytes.is_empty() {
            return Err(MediaError::Empty);
        }
        let kind = MediaKind::sniff(bytes).ok_or(MediaError::NotMedia)?;
        let max = kind.max_bytes(&self.limits);
        if bytes.len() as u64 > max {
            return Err(MediaError::TooLarge {
                max_mb: max / (1024 * 1024),
            });
        }
        let name = name_of(bytes);
        let size = i64::try_from(bytes.len()).map_err(|_| MediaError::Empty)?;
        let known = sqlx::query("SELECT 1 FROM media WHERE hash = $1 AND committee_id = $2")
            .bind(&name)
            .bind(committee)
            .fetch_optional(db.pool())
            .await?
            .is_some();
        if !known {
            let used: i64 = sqlx::query(
                // PostgreSQL sums BIGINTs as NUMERIC: cast back for one decoder.
                "SELECT CAST(COALESCE(SUM(bytes), 0) AS BIGINT) AS used FROM media WHERE committee_id = $1",
            )
            .bind(committee)
            .fetch_one(db.pool())
            .await?
            .try_get("used")?;
            let used = u64::try_from(used).unwrap_or(0);
            if used + bytes.len() as u64 > self.limits.quota_bytes {
                return Err(MediaError::OverQuota {
                    used_mb: used / (1024 * 1024),
                    quota_mb: self.limits.quota_bytes / (1024 * 1024),
                });
            }
        }
        self.write_file(&name, bytes).await?;
        // The file first, then its row: a row never names a missing file.
        sqlx::query(
            "INSERT INTO media (hash, committee_id, mime, bytes, uploaded_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (hash, committee_id) DO NOTHING",
        )
        .bind(&name)
        .bind(committee)
        .bind(kind.mime())
        .bind(size)
        .bind(uploaded_by)
        .bind(now)
        .execute(db.pool())
        .await?;
        tracing::info!(%committee, bytes = bytes.len(), mime = kind.mime(), "media stored");
        Ok(Stored {
            url: format!("/media/{name}"),
            mime: kind.mime().to_owned(),
            bytes: bytes.len() as u64,
        })
    }

    async fn write_file(&self, name: &str, bytes: &[u8]) -> Result<(), std::io::Error> {
        let dest = self.dir.join(name);
        if tokio::fs::try_exists(&dest).await.unwrap_or(false) {
            return Ok(());
        }
        tokio::fs::create_dir_all(&self.dir).await?;
        let dir = self.dir.clone();
        let bytes = bytes.to_vec();
        let dest2 = dest.clone();
        tokio::task::spawn_blocking(move || -> Result<(), std::io::Error> {
            use std::io::Write;
            let mut tmp = tempfile::NamedTempFile::new_in(&dir)?;
            tmp.write_all(&bytes)?;
            tmp.as_file().sync_all()?;
            tmp.persist(&dest2).map_err(|e| e.error)?;
            Ok(())
        })
        .await
        .map_err(std::io::Error::other)?
    }

    /// A stored file's type, if the file is known.
    pub async fn mime_of(db: &Db, name: &str) -> Result<Option<MediaKind>, ApiError> {
        let row = sqlx::query("SELECT mime FROM media WHERE hash = $1 LIMIT 1")
            .bind(name)
            .fetch_optional(db.pool())
            .await?;
        Ok(match row {
            Some(r) => MediaKind::from_mime(&r.try_get::<String, _>("mime")?),
            None => None,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// The demo course's picture, compiled into the server so that the demo
/// needs no files beside the binary.
const DEMO_PICTURE: &[u8] = include_bytes!("../demo/station.png");

fn name_of(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Where the demo picture is served.
pub fn demo_picture_url() -> String {
    format!("/media/{}", name_of(DEMO_PICTURE))
}

/// A file compiled in, by name.
pub fn builtin(name: &str) -> Option<(MediaKind, &'static [u8])> {
    static NAME: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let demo = NAME.get_or_init(|| name_of(DEMO_PICTURE));
    (name == demo.as_str()).then_some((MediaKind::Png, DEMO_PICTURE))
}

/// Counts the compiled-in files against `committee`'s quota, as an upload
/// would.
pub async fn record_builtin(db: &Db, committee: &str, now: i64) -> Result<(), ApiError> {
    sqlx::query(
        "INSERT INTO media (hash, committee_id, mime, bytes, uploaded_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (hash, committee_id) DO NOTHING",
    )
    .bind(name_of(DEMO_PICTURE))
    .bind(committee)
    .bind(MediaKind::Png.mime())
    .bind(i64::try_from(DEMO_PICTURE.len()).unwrap_or(i64::MAX))
    .bind("demo")
    .bind(now)
    .execute(db.pool())
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_read_from_the_bytes() {
        let png = [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13];
        assert_eq!(MediaKind::sniff(&png), Some(MediaKind::Png));
        let elf = [0x7f, b'E', b'L', b'F', 2, 1, 1, 0, 0, 0, 0, 0];
        assert_eq!(MediaKind::sniff(&elf), None, "an executable named .png");
        assert_eq!(
            MediaKind::sniff(b"<svg xmlns='http://www.w3.org/2000/svg'>"),
            None
        );
        assert_eq!(
            MediaKind::sniff(b"ID3\x03\x00\x00\x00\x00\x00\x00"),
            Some(MediaKind::Mp3)
        );
    }

    #[test]
    fn the_demo_picture_is_a_png_within_the_limits() {
        assert_eq!(MediaKind::sniff(DEMO_PICTURE), Some(MediaKind::Png));
        assert!((DEMO_PICTURE.len() as u64) < MediaLimits::default().max_image_bytes);
        let url = demo_picture_url();
        let name = url.strip_prefix("/media/").unwrap_or_default();
        assert!(is_name(name) && builtin(name).is_some());
    }

    #[test]
    fn names_are_sha256_hex_only() {
        assert!(is_name(&"a".repeat(64)));
        assert!(!is_name("../../etc/passwd"));
        assert!(!is_name(&"A".repeat(64)));
        assert!(!is_name(&"a".repeat(63)));
    }
}

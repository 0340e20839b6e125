//! `POST /api/media?org=ID` (a lesson's picture or audio, the raw bytes as
//! the body) and `GET /media/<sha256>` (crate::media).

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tower::ServiceExt;
use tower_http::services::ServeFile;
use zhijian_domain::validate;

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::media::{self, MediaStore, Stored};
use crate::records::{ORG_COLUMNS, org_from_row};

#[derive(serde::Deserialize)]
pub struct Upload {
    org: String,
}

/// Stores a file for a course of `org`: its organisers only; the type is
/// read from the bytes; size and the committee's quota are checked.
pub async fn upload(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<Upload>,
    body: Bytes,
) -> Result<(StatusCode, axum::Json<Stored>), ApiError> {
    validate::id(validate::Field::Id, &q.org).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let org = sqlx::query(&format!("SELECT {ORG_COLUMNS} FROM orgs WHERE id = $1"))
        .bind(&q.org)
        .fetch_optional(state.db.pool())
        .await?
        .map(|r| org_from_row(&r))
        .transpose()?
        .ok_or_else(|| ApiError::Invalid("找不到该党组织".into()))?;
    if !auth.actor.manages(&org) {
        return Err(ApiError::Forbidden(
            "只有本组织的书记或上级党委可以上传课程素材".into(),
        ));
    }
    let committee = MediaStore::committee_of(&state.db, &org).await?;
    let now = crate::auth::now_secs();
    let stored = state
        .media
        .put(&state.db, &committee, &auth.account.id, &body, now)
        .await?;
    Ok((StatusCode::CREATED, axum::Json(stored)))
}

/// A stored file, cached for a year (its name is its hash). Served with a
/// sandboxing CSP and no sniffing: a file is only ever what it was checked to be.
pub async fn serve(
    State(state): State<AppState>,
    Path(name): Path<String>,
    req: Request,
) -> Result<Response, ApiError> {
    let Some(path) = state.media.path_of(&name) else {
        return Err(ApiError::NotFound);
    };
    let mut resp = if let Some((kind, bytes)) = media::builtin(&name) {
        let mut r = Body::from(bytes).into_response();
        r.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(kind.mime()));
        r
    } else {
        let Some(kind) = MediaStore::mime_of(&state.db, &name).await? else {
            return Err(ApiError::NotFound);
        };
        // ServeFile answers ranges (audio seeking) and conditional requests.
        let mut r = ServeFile::new(path)
            .oneshot(req)
            .await
            .map_err(|_| ApiError::Internal)?
            .map(Body::new);
        if r.status() == StatusCode::NOT_FOUND {
            tracing::warn!(%name, "media row without its file");
            return Err(ApiError::NotFound);
        }
        r.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(kind.mime()));
        r
    };
    let h = resp.headers_mut();
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox; default-src 'none'"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    Ok(resp)
}

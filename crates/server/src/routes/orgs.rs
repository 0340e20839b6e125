use axum::extract::State;
use sqlx::Row;
use zhijian_domain::api::OrgDirectory;
use zhijian_domain::{Alliance, ChairRotation, Month};

use crate::AppState;
use crate::error::{ApiError, ApiJson};
use crate::records::{ORG_COLUMNS, org_from_row};

/// The public org directory: the tree, member counts and alliances. No
/// personal data, so it needs no sign-in.
pub async fn directory(State(state): State<AppState>) -> Result<ApiJson<OrgDirectory>, ApiError> {
    let pool = state.db.pool();
    let orgs = sqlx::query(&format!(
        "SELECT {ORG_COLUMNS} FROM orgs ORDER BY position, id"
    ))
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| org_from_row(&r))
    .collect::<Result<Vec<_>, _>>()?;

    let member_counts =
        sqlx::query("SELECT org_id, COUNT(*) AS n FROM members GROUP BY org_id ORDER BY org_id")
            .fetch_all(pool)
            .await?
            .into_iter()
            .map(|r| {
                let n: i64 = r.try_get("n")?;
                Ok((r.try_get("org_id")?, u32::try_from(n).unwrap_or(u32::MAX)))
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?;

    let mut conn = pool.acquire().await?;
    let alliances = alliances(&mut conn, None).await?;

    Ok(ApiJson(OrgDirectory {
        orgs,
        member_counts,
        alliances,
        month: current_month()?,
    }))
}

/// Alliances with their orgs in rotation order: all, or the one with `id`.
pub async fn alliances(
    conn: &mut sqlx::AnyConnection,
    id: Option<&str>,
) -> Result<Vec<Alliance>, ApiError> {
    let rows = match id {
        None => {
            sqlx::query("SELECT id, name, rotation_start FROM alliances ORDER BY id")
                .fetch_all(&mut *conn)
                .await?
        }
        Some(id) => {
            sqlx::query("SELECT id, name, rotation_start FROM alliances WHERE id = $1")
                .bind(id)
                .fetch_all(&mut *conn)
                .await?
        }
    };
    let mut out = Vec::new();
    for r in rows {
        let id: String = r.try_get("id")?;
        let start: String = r.try_get("rotation_start")?;
        let order: Vec<String> = sqlx::query(
            "SELECT org_id FROM alliance_orgs WHERE alliance_id = $1 ORDER BY position",
        )
        .bind(&id)
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(|r| r.try_get("org_id"))
        .collect::<Result<_, _>>()?;
        let start: Month = start.parse().map_err(|_| ApiError::Internal)?;
        out.push(Alliance {
            name: r.try_get("name")?,
            member_org_ids: order.clone(),
            rotation: ChairRotation { start, order },
            id,
        });
    }
    Ok(out)
}

/// Enums are stored by their wire name, so serde is the one mapping.
pub(crate) fn parse_enum<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, ApiError> {
    serde_json::from_value(serde_json::Value::String(s.to_owned())).map_err(|_| {
        tracing::error!(value = s, "unknown enum value in database");
        ApiError::Internal
    })
}

/// The month in China (UTC+8), where every user of this app is.
pub fn current_month() -> Result<Month, ApiError> {
    let now = time::OffsetDateTime::now_utc() + time::Duration::hours(8);
    let year = u16::try_from(now.year()).map_err(|_| ApiError::Internal)?;
    Month::new(year, u8::from(now.month())).map_err(|_| ApiError::Internal)
}

//! Records in SQL: loading what a mutation touches, writing what it produced
//! under the transaction's version, and the scoped reads of a pull.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use zhijian_domain::mutation::{Touches, Write};
use zhijian_domain::replica::Records;
use zhijian_domain::{Member, Org};

use crate::error::ApiError;
use crate::routes::orgs::parse_enum;

pub const ORG_COLUMNS: &str = "id, parent_id, name, kind, joint, area, place, path, version";

pub fn org_from_row(r: &AnyRow) -> Result<Org, ApiError> {
    let kind: String = r.try_get("kind")?;
    let area: Option<String> = r.try_get("area")?;
    let joint: i64 = r.try_get("joint")?;
    Ok(Org {
        id: r.try_get("id")?,
        parent_id: r.try_get("parent_id")?,
        name: r.try_get("name")?,
        kind: parse_enum(&kind)?,
        joint: joint != 0,
        area: area.as_deref().map(parse_enum).transpose()?,
        place: r.try_get("place")?,
        path: r.try_get("path")?,
    })
}

pub fn member_from_row(r: &AnyRow) -> Result<Member, ApiError> {
    Ok(Member {
        id: r.try_get("id")?,
        org_id: r.try_get("org_id")?,
        name: r.try_get("name")?,
        status: parse_enum(&r.try_get::<String, _>("status")?)?,
        mode: parse_enum(&r.try_get::<String, _>("mode")?)?,
        phone: r.try_get("phone")?,
        workplace: r.try_get("workplace")?,
    })
}

fn wire_name<T: serde::Serialize>(v: &T) -> Result<String, ApiError> {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .ok_or(ApiError::Internal)
}

/// Takes the next version. As the first write of a transaction it also takes
/// the row lock that orders all writers, so versions commit in order.
pub async fn next_version(conn: &mut AnyConnection) -> Result<u64, ApiError> {
    let v: i64 =
        sqlx::query("UPDATE sync_state SET version = version + 1 WHERE id = 1 RETURNING version")
            .fetch_one(&mut *conn)
            .await?
            .try_get("version")?;
    u64::try_from(v).map_err(|_| ApiError::Internal)
}

/// Loads the records `touches` names (and a subtree when asked) into a view.
pub async fn load(conn: &mut AnyConnection, t: &Touches) -> Result<Records, ApiError> {
    let mut view = Records::default();
    for id in &t.orgs {
        let row = sqlx::query(&format!("SELECT {ORG_COLUMNS} FROM orgs WHERE id = $1"))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
        if let Some(row) = row {
            let org = org_from_row(&row)?;
            if t.subtree && view.orgs.is_empty() {
                for r in sqlx::query(&format!(
                    "SELECT {ORG_COLUMNS} FROM orgs WHERE path LIKE $1"
                ))
                .bind(format!("{}%", org.path))
                .fetch_all(&mut *conn)
                .await?
                {
                    let d = org_from_row(&r)?;
                    view.orgs.insert(d.id.clone(), d);
                }
            }
            view.orgs.insert(org.id.clone(), org);
        }
    }
    for id in &t.members {
        let row = sqlx::query(
            "SELECT id, org_id, name, status, mode, phone, workplace FROM members WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
        if let Some(row) = row {
            let m = member_from_row(&row)?;
            // Permission checks need the member's org.
            if !view.orgs.contains_key(&m.org_id)
                && let Some(r) =
                    sqlx::query(&format!("SELECT {ORG_COLUMNS} FROM orgs WHERE id = $1"))
                        .bind(&m.org_id)
                        .fetch_optional(&mut *conn)
                        .await?
            {
                let org = org_from_row(&r)?;
                view.orgs.insert(org.id.clone(), org);
            }
            view.members.insert(m.id.clone(), m);
        }
    }
    Ok(view)
}

/// Writes (upserts) records at `version`. Returns whether the org tree was
/// reshaped (a path changed), which changes scopes.
pub async fn write(
    conn: &mut AnyConnection,
    writes: &[Write],
    before: &Records,
    version: u64,
) -> Result<bool, ApiError> {
    let v = i64::try_from(version).map_err(|_| ApiError::Internal)?;
    let mut reshaped = false;
    for w in writes {
        match w {
            Write::Org(o) => {
                reshaped |= before.orgs.get(&o.id).is_some_and(|old| old.path != o.path);
                sqlx::query(
                    "INSERT INTO orgs (id, parent_id, name, kind, joint, area, place, path, version) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                     ON CONFLICT (id) DO UPDATE SET parent_id = excluded.parent_id, name = excluded.name, \
                     kind = excluded.kind, joint = excluded.joint, area = excluded.area, place = excluded.place, \
                     path = excluded.path, version = excluded.version",
                )
                .bind(&o.id)
                .bind(&o.parent_id)
                .bind(&o.name)
                .bind(wire_name(&o.kind)?)
                .bind(i64::from(o.joint))
                .bind(o.area.map(|a| wire_name(&a)).transpose()?)
                .bind(&o.place)
                .bind(&o.path)
                .bind(v)
                .execute(&mut *conn)
                .await?;
            }
            Write::Member(m) => {
                sqlx::query(
                    "INSERT INTO members (id, org_id, name, status, mode, phone, workplace, version) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                     ON CONFLICT (id) DO UPDATE SET org_id = excluded.org_id, name = excluded.name, \
                     status = excluded.status, mode = excluded.mode, phone = excluded.phone, \
                     workplace = excluded.workplace, version = excluded.version",
                )
                .bind(&m.id)
                .bind(&m.org_id)
                .bind(&m.name)
                .bind(wire_name(&m.status)?)
                .bind(wire_name(&m.mode)?)
                .bind(&m.phone)
                .bind(&m.workplace)
                .bind(v)
                .execute(&mut *conn)
                .await?;
            }
        }
    }
    Ok(reshaped)
}

/// Rows changed in `(after, upto]`, at most `limit` per table, by version.
pub struct Page {
    pub orgs: Vec<(u64, Org)>,
    pub members: Vec<(u64, Member, Org)>,
}

fn version_of(r: &AnyRow) -> Result<u64, ApiError> {
    u64::try_from(r.try_get::<i64, _>("version")?).map_err(|_| ApiError::Internal)
}

/// Member rows visible under any of `scopes` (org path prefixes) or the
/// actor's own record.
pub async fn changed(
    conn: &mut AnyConnection,
    after: u64,
    upto: u64,
    scopes: &[String],
    me: Option<&str>,
    limit: Option<usize>,
) -> Result<Page, ApiError> {
    let after = i64::try_from(after).map_err(|_| ApiError::Internal)?;
    let upto = i64::try_from(upto).map_err(|_| ApiError::Internal)?;
    let lim = limit.map_or(String::new(), |l| format!(" LIMIT {l}"));
    let mut orgs = Vec::new();
    for r in sqlx::query(&format!(
        "SELECT {ORG_COLUMNS} FROM orgs WHERE version > $1 AND version <= $2 ORDER BY version, id{lim}"
    ))
    .bind(after)
    .bind(upto)
    .fetch_all(&mut *conn)
    .await?
    {
        orgs.push((version_of(&r)?, org_from_row(&r)?));
    }
    // Scopes are path prefixes of [0-9a-z-/] only, so LIKE needs no escaping.
    let mut filter: Vec<String> = (0..scopes.len())
        .map(|i| format!("o.path LIKE ${}", i + 4))
        .collect();
    filter.push("m.id = $3".into());
    let sql = format!(
        "SELECT m.id, m.org_id, m.name, m.status, m.mode, m.phone, m.workplace, m.version, \
         o.id AS o_id, o.parent_id AS o_parent_id, o.name AS o_name, o.kind AS o_kind, o.joint AS o_joint, \
         o.area AS o_area, o.place AS o_place, o.path AS o_path \
         FROM members m JOIN orgs o ON o.id = m.org_id \
         WHERE m.version > $1 AND m.version <= $2 AND ({}) ORDER BY m.version, m.id{lim}",
        filter.join(" OR ")
    );
    let mut q = sqlx::query(&sql)
        .bind(after)
        .bind(upto)
        .bind(me.unwrap_or(""));
    for s in scopes {
        q = q.bind(format!("{s}%"));
    }
    let mut members = Vec::new();
    for r in q.fetch_all(&mut *conn).await? {
        let org = Org {
            id: r.try_get("o_id")?,
            parent_id: r.try_get("o_parent_id")?,
            name: r.try_get("o_name")?,
            kind: parse_enum(&r.try_get::<String, _>("o_kind")?)?,
            joint: r.try_get::<i64, _>("o_joint")? != 0,
            area: r
                .try_get::<Option<String>, _>("o_area")?
                .as_deref()
                .map(parse_enum)
                .transpose()?,
            place: r.try_get("o_place")?,
            path: r.try_get("o_path")?,
        };
        members.push((version_of(&r)?, member_from_row(&r)?, org));
    }
    Ok(Page { orgs, members })
}

//! Year-end expiry of volunteer credits (`zhijian-server expire-credits`):
//! for every member with credits, the domain's `credit.expire@1` as the
//! system; it expires only where a committee's rules say so, once a year.

use sqlx::Row;
use zhijian_domain::{Actor, Op, Rejection, RoleKind, ScopedRole};

use crate::Db;
use crate::error::ApiError;
use crate::records;

/// What a run did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ExpiryRun {
    pub expired: u64,
    /// Members whose rules keep credits, or with nothing to expire.
    pub kept: u64,
}

pub async fn expire_year(db: &Db, year: u16, now: i64) -> Result<ExpiryRun, ApiError> {
    let system = Actor {
        account_id: "system-expiry".into(),
        member_id: None,
        member_org_path: None,
        roles: vec![ScopedRole {
            kind: RoleKind::Admin,
            org_path: None,
        }],
    };
    let members: Vec<String> =
        sqlx::query("SELECT parent FROM docs WHERE kind = 'wallet' ORDER BY parent")
            .fetch_all(db.pool())
            .await?
            .iter()
            .map(|r| r.try_get("parent"))
            .collect::<Result<_, _>>()?;
    let mut out = ExpiryRun::default();
    for member_id in members {
        let op = Op::ExpireCredits { member_id, year };
        match records::apply_one(db, &system, &op, now).await? {
            Ok(()) => out.expired += 1,
            Err(Rejection::Conflict(_)) => out.kept += 1,
            Err(r) => {
                tracing::warn!(%r, "credit expiry refused");
                out.kept += 1;
            }
        }
    }
    Ok(out)
}

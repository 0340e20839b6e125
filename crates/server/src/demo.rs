//! Demo data from the seed articles (Yinchuan, Jinfeng district): the places
//! are real, the people invented. Written once, into an empty database.

use sqlx::Row;
use zhijian_domain::RoleKind;

use crate::Db;

struct DemoOrg {
    id: &'static str,
    parent: Option<&'static str>,
    name: &'static str,
    kind: &'static str,
    joint: bool,
    area: Option<&'static str>,
    place: Option<&'static str>,
}

const fn org(
    id: &'static str,
    parent: Option<&'static str>,
    name: &'static str,
    kind: &'static str,
    joint: bool,
    area: Option<&'static str>,
    place: Option<&'static str>,
) -> DemoOrg {
    DemoOrg {
        id,
        parent,
        name,
        kind,
        joint,
        area,
        place,
    }
}

const ORGS: &[DemoOrg] = &[
    org(
        "jinfeng",
        None,
        "金凤区两新组织党工委",
        "committee",
        false,
        None,
        Some("银川市金凤区"),
    ),
    org(
        "shxl",
        Some("jinfeng"),
        "上海西路街道党工委",
        "committee",
        false,
        None,
        Some("上海西路街道"),
    ),
    org(
        "yuehai",
        Some("shxl"),
        "悦海新天地楼宇联合党支部",
        "branch",
        true,
        Some("building"),
        Some("悦海新天地"),
    ),
    org(
        "yuehai-g1",
        Some("yuehai"),
        "悦海新天地第一党小组",
        "group",
        false,
        Some("grid"),
        Some("悦海新天地1号楼"),
    ),
    org(
        "wanda",
        Some("jinfeng"),
        "万达商圈联合党支部",
        "branch",
        true,
        Some("business_district"),
        Some("万达广场"),
    ),
    org(
        "yuehaiwan",
        Some("jinfeng"),
        "阅海湾中央商务区联合党委",
        "committee",
        true,
        Some("cbd"),
        Some("阅海湾中央商务区"),
    ),
    org(
        "cbd-finance",
        Some("yuehaiwan"),
        "CBD金融中心联合党支部",
        "branch",
        true,
        Some("cbd"),
        Some("CBD金融中心"),
    ),
    org(
        "e-branch",
        Some("yuehaiwan"),
        "阅海湾网络e支部",
        "branch",
        true,
        Some("cbd"),
        Some("阅海湾中央商务区"),
    ),
    org(
        "baohu",
        Some("jinfeng"),
        "宝湖社区大党委",
        "committee",
        false,
        Some("community"),
        Some("长城中路街道宝湖社区"),
    ),
    org(
        "baohu-b1",
        Some("baohu"),
        "宝湖社区邻里守望党支部",
        "branch",
        false,
        Some("community"),
        Some("宝湖社区"),
    ),
    org(
        "fuli",
        Some("jinfeng"),
        "福里街区联合党支部",
        "branch",
        true,
        Some("business_district"),
        Some("福里街区"),
    ),
];

/// (id, org, name, status, mode)
const MEMBERS: &[(&str, &str, &str, &str, &str)] = &[
    ("m-01", "yuehai", "马晓燕", "full", "employed"),
    ("m-02", "yuehai", "李建国", "full", "mobile"),
    ("m-03", "yuehai", "周婷", "probationary", "employed"),
    ("m-04", "yuehai-g1", "杨帆", "full", "employed"),
    ("m-05", "wanda", "王丽娟", "full", "mobile"),
    ("m-06", "wanda", "丁磊", "activist", "employed"),
    ("m-07", "cbd-finance", "赵明", "full", "employed"),
    ("m-08", "e-branch", "孙悦", "full", "mobile"),
    ("m-09", "baohu-b1", "吴建平", "full", "retired"),
    ("m-10", "baohu-b1", "陈秀兰", "full", "resident"),
    ("m-11", "baohu-b1", "刘强", "full", "laid_off"),
    ("m-12", "fuli", "何静", "probationary", "mobile"),
];

const STATIONS: &[(&str, &str, &str, &str)] = &[
    (
        "st-yuehai",
        "yuehai",
        "悦海新天地党群活动服务中心",
        "金凤区悦海新天地",
    ),
    (
        "st-baohu",
        "baohu",
        "宝湖社区党群服务驿站",
        "金凤区长城中路街道宝湖社区",
    ),
    ("st-wanda", "wanda", "万达商圈党群驿站", "金凤区万达广场"),
];

const ALLIANCE_ORGS: &[&str] = &["yuehai", "wanda", "yuehaiwan", "baohu", "fuli"];

/// Seeds the demo data when the database has no orgs yet. Returns whether it did.
pub async fn seed_if_empty(db: &Db) -> Result<bool, sqlx::Error> {
    let mut tx = db.pool().begin().await?;
    let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM orgs")
        .fetch_one(&mut *tx)
        .await?
        .try_get("n")?;
    if n > 0 {
        return Ok(false);
    }
    let version: i64 =
        sqlx::query("UPDATE sync_state SET version = version + 1 WHERE id = 1 RETURNING version")
            .fetch_one(&mut *tx)
            .await?
            .try_get("version")?;
    let mut paths: Vec<(&str, String)> = Vec::new();
    for (pos, o) in (0_i64..).zip(ORGS) {
        let parent_path = o
            .parent
            .and_then(|p| {
                paths
                    .iter()
                    .find(|(id, _)| *id == p)
                    .map(|(_, path)| path.clone())
            })
            .unwrap_or_else(|| "/".into());
        let path = format!("{parent_path}{}/", o.id);
        paths.push((o.id, path.clone()));
        sqlx::query(
            "INSERT INTO orgs (id, parent_id, name, kind, joint, area, place, position, path, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(o.id)
        .bind(o.parent)
        .bind(o.name)
        .bind(o.kind)
        .bind(i64::from(o.joint))
        .bind(o.area)
        .bind(o.place)
        .bind(pos)
        .bind(path)
        .bind(version)
        .execute(&mut *tx)
        .await?;
    }
    for (i, (id, org, name, status, mode)) in MEMBERS.iter().enumerate() {
        sqlx::query(
            "INSERT INTO members (id, org_id, name, status, mode, phone, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(*id)
        .bind(*org)
        .bind(*name)
        .bind(*status)
        .bind(*mode)
        .bind(format!("139000000{:02}", i + 1))
        .bind(version)
        .execute(&mut *tx)
        .await?;
    }
    for (id, org, name, address) in STATIONS {
        sqlx::query("INSERT INTO stations (id, org_id, name, address) VALUES ($1, $2, $3, $4)")
            .bind(*id)
            .bind(*org)
            .bind(*name)
            .bind(*address)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query("INSERT INTO alliances (id, name, rotation_start) VALUES ($1, $2, $3)")
        .bind("jinfeng-hongmeng")
        .bind("金凤区两新党建红盟")
        .bind("2026-01")
        .execute(&mut *tx)
        .await?;
    for (pos, org) in (0_i64..).zip(ALLIANCE_ORGS) {
        sqlx::query(
            "INSERT INTO alliance_orgs (alliance_id, org_id, position) VALUES ($1, $2, $3)",
        )
        .bind("jinfeng-hongmeng")
        .bind(*org)
        .bind(pos)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    for a in ACCOUNTS {
        let roles: Vec<(RoleKind, Option<&str>)> = a.roles.to_vec();
        crate::auth::create_account(db, a.id, a.login, a.password, a.name, a.member, &roles)
            .await
            .map_err(|e| sqlx::Error::Protocol(format!("demo account {}: {e}", a.login)))?;
    }
    Ok(true)
}

pub struct DemoAccount {
    pub id: &'static str,
    pub login: &'static str,
    pub password: &'static str,
    pub name: &'static str,
    pub member: Option<&'static str>,
    pub roles: &'static [(RoleKind, Option<&'static str>)],
    pub what: &'static str,
}

/// One account per role; printed by `serve --demo`. Demo passwords only.
pub const ACCOUNTS: &[DemoAccount] = &[
    DemoAccount {
        id: "acc-member",
        login: "13900000001",
        password: "demo1234",
        name: "马晓燕",
        member: Some("m-01"),
        roles: &[(RoleKind::Member, Some("yuehai"))],
        what: "党员 · 悦海新天地楼宇联合党支部",
    },
    DemoAccount {
        id: "acc-secretary",
        login: "13900000002",
        password: "demo1234",
        name: "李建国",
        member: Some("m-02"),
        roles: &[
            (RoleKind::Member, Some("yuehai")),
            (RoleKind::Secretary, Some("yuehai")),
        ],
        what: "支部书记 · 悦海新天地楼宇联合党支部",
    },
    DemoAccount {
        id: "acc-committee",
        login: "13900000100",
        password: "demo1234",
        name: "张卫东",
        member: None,
        roles: &[(RoleKind::Committee, Some("jinfeng"))],
        what: "两新工委 · 金凤区",
    },
    DemoAccount {
        id: "acc-admin",
        login: "admin",
        password: "zhijian-admin",
        name: "系统管理员",
        member: None,
        roles: &[(RoleKind::Admin, None)],
        what: "管理员",
    },
    DemoAccount {
        id: "acc-kiosk",
        login: "kiosk-yuehai",
        password: "kiosk1234",
        name: "悦海新天地驿站终端",
        member: None,
        roles: &[(RoleKind::Kiosk, Some("yuehai"))],
        what: "驿站触摸屏",
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use zhijian_domain::OrgKind;

    #[test]
    fn demo_tree_is_well_formed() {
        let ids: HashSet<_> = ORGS.iter().map(|o| o.id).collect();
        assert_eq!(ids.len(), ORGS.len(), "duplicate org id");
        for o in ORGS {
            let kind: OrgKind = serde_json::from_value(o.kind.into()).unwrap();
            if let Some(p) = o.parent {
                let parent = ORGS.iter().position(|x| x.id == p).expect("parent exists");
                let me = ORGS.iter().position(|x| x.id == o.id).unwrap();
                assert!(
                    parent < me,
                    "parents come first so inserts satisfy the foreign key"
                );
                let pk: OrgKind = serde_json::from_value(ORGS[parent].kind.into()).unwrap();
                assert!(pk.may_contain(kind), "{} may not contain {}", p, o.id);
            }
        }
        for (_, org, ..) in MEMBERS {
            assert!(ids.contains(org));
        }
        for org in ALLIANCE_ORGS {
            assert!(ids.contains(org));
        }
    }
}

//! Demo data from the seed articles (Yinchuan, Jinfeng district): the places
//! are real, the people invented. Written once, into an empty database.

use sqlx::Row;
use zhijian_domain::activity::ServiceMode;
use zhijian_domain::checkin;
use zhijian_domain::credit_ops::{Award, NewPledge, NewWish};
use zhijian_domain::credits::Reward;
use zhijian_domain::meeting::{Absence, Meeting, MeetingKind, Quarter};
use zhijian_domain::menu::{MenuItem, MonthlyMenu};
use zhijian_domain::menu_ops::{ActivityDraft, HandCheckIn};
use zhijian_domain::study::LessonRef;
use zhijian_domain::{Actor, Month, Op, RoleKind, ScopedRole};

use crate::error::ApiError;
use crate::{Db, import, media, records};

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
    let version: i64 = sqlx::query(crate::records::next_version_sql(&tx))
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
    let lesson = seed_study(db)
        .await
        .map_err(|e| sqlx::Error::Protocol(format!("demo course: {e}")))?;
    seed_menus(db, lesson)
        .await
        .map_err(|e| sqlx::Error::Protocol(format!("demo menus: {e}")))?;
    seed_credits(db)
        .await
        .map_err(|e| sqlx::Error::Protocol(format!("demo credits: {e}")))?;
    seed_meetings(db)
        .await
        .map_err(|e| sqlx::Error::Protocol(format!("demo meetings: {e}")))?;
    for a in ACCOUNTS {
        let roles: Vec<(RoleKind, Option<&str>)> = a.roles.to_vec();
        crate::auth::create_account(db, a.id, a.login, a.password, a.name, a.member, &roles)
            .await
            .map_err(|e| sqlx::Error::Protocol(format!("demo account {}: {e}", a.login)))?;
    }
    Ok(true)
}

/// Last quarter's 三会一课 of 悦海, recorded by its secretary: a 支委会 each
/// month, the 党小组会 of its group in two months of three (so the board
/// shows one short), a 党员大会 and a 党课, with minutes and attendance.
async fn seed_meetings(db: &Db) -> Result<(), ApiError> {
    let now = crate::auth::now_secs();
    let path: String = sqlx::query("SELECT path FROM orgs WHERE id = 'yuehai'")
        .fetch_one(db.pool())
        .await?
        .try_get("path")?;
    let secretary = Actor {
        account_id: "acc-secretary".into(),
        member_id: Some("m-02".into()),
        member_org_path: Some(path.clone()),
        roles: vec![ScopedRole {
            kind: RoleKind::Secretary,
            org_path: Some(path),
        }],
    };
    let [first, second, third] = Quarter::of(Month::from_unix_clamped(now)).prev().months();
    let branch = ["m-01", "m-02", "m-03", "m-04"];
    let at = |m: Month, day: i64| m.start_unix() + (day - 1) * 86_400 + 19 * 3600 + 30 * 60;
    let leave = |id: &str, why: &str| Absence {
        member_id: id.into(),
        leave: Some(why.into()),
    };
    let mut meetings = Vec::new();
    let topics = [
        "研究本月活动菜单和志愿服务安排",
        "讨论入党积极分子培养情况",
        "研究季度组织生活会准备工作",
    ];
    for (i, (month, topic)) in [first, second, third].into_iter().zip(topics).enumerate() {
        meetings.push(Meeting {
            id: format!("demo-committee-{month}"),
            kind: MeetingKind::Committee,
            at: at(month, 8),
            topic: topic.into(),
            due: vec!["m-02".into(), "m-01".into()],
            present: if i == 1 {
                vec!["m-02".into()]
            } else {
                vec!["m-02".into(), "m-01".into()]
            },
            absent: if i == 1 {
                vec![leave("m-01", "公司年审加班")]
            } else {
                vec![]
            },
            minutes: format!("会议由李建国同志主持，{topic}。与会同志逐项讨论，形成一致意见。"),
            decisions: "由书记牵头落实，下次支委会通报进展。".into(),
            ..demo_meeting("yuehai")
        });
    }
    for month in [first, second] {
        meetings.push(Meeting {
            id: format!("demo-group-{month}"),
            kind: MeetingKind::Group,
            at: at(month, 15),
            topic: "学习党章，交流岗位服务心得".into(),
            host: "杨帆".into(),
            recorder: "杨帆".into(),
            due: vec!["m-04".into()],
            present: vec!["m-04".into()],
            minutes: "小组成员结合楼宇服务岗位交流学习体会。".into(),
            ..demo_meeting("yuehai-g1")
        });
    }
    meetings.push(Meeting {
        id: format!("demo-general-{second}"),
        kind: MeetingKind::General,
        at: at(second, 20),
        topic: "通报上半年工作，讨论发展党员事项".into(),
        due: branch.iter().map(|s| s.to_string()).collect(),
        present: vec!["m-02".into(), "m-03".into(), "m-04".into()],
        absent: vec![Absence {
            member_id: "m-01".into(),
            leave: None,
        }],
        minutes: "支部书记通报工作；全体党员讨论并表决发展党员事项。".into(),
        decisions: "同意将周婷同志列为发展对象。".into(),
        ..demo_meeting("yuehai")
    });
    meetings.push(Meeting {
        id: format!("demo-lesson-{third}"),
        kind: MeetingKind::Lesson,
        at: at(third, 25),
        topic: "微党课：楼宇里的“红色管家”".into(),
        host: "李建国".into(),
        due: branch.iter().map(|s| s.to_string()).collect(),
        present: branch.iter().map(|s| s.to_string()).collect(),
        minutes: "书记讲授微党课，党员结合本职工作谈体会。".into(),
        ..demo_meeting("yuehai")
    });
    for m in meetings {
        run(db, &secretary, Op::SaveMeeting(m), now).await?;
    }
    Ok(())
}

/// The fields the demo's meetings share.
fn demo_meeting(org: &str) -> Meeting {
    Meeting {
        id: String::new(),
        org_id: org.into(),
        kind: MeetingKind::Committee,
        at: 0,
        place: "悦海新天地党群服务驿站".into(),
        host: "李建国".into(),
        recorder: "周婷".into(),
        topic: String::new(),
        activity_id: None,
        due: vec![],
        present: vec![],
        absent: vec![],
        minutes: String::new(),
        decisions: String::new(),
        recorded_by: String::new(),
    }
}

/// 悦海's rewards (station goods and a merchant's discounts), two wishes,
/// a pledge, and last month's credits of the demo member, all through the
/// domain's mutations.
async fn seed_credits(db: &Db) -> Result<(), ApiError> {
    let admin = demo_admin();
    let now = crate::auth::now_secs();
    let rewards = [
        (
            "rw-rice",
            "爱心大米（5 斤）",
            "在悦海驿站领取",
            50,
            20,
            None,
        ),
        ("rw-soap", "洗衣液一瓶", "在悦海驿站领取", 30, 30, None),
        (
            "rw-haircut",
            "理发八折券",
            "悦海理发店，出示兑换码",
            20,
            50,
            Some(("acc-merchant", "悦海理发店")),
        ),
        (
            "rw-coffee",
            "咖啡一杯",
            "悦海理发店隔壁咖啡角",
            15,
            40,
            Some(("acc-merchant", "悦海理发店")),
        ),
    ];
    for (id, title, what, cost, stock, merchant) in rewards {
        let op = Op::SaveReward(Reward {
            id: id.into(),
            org_id: "yuehai".into(),
            title: title.into(),
            description: Some(what.into()),
            cost,
            stock,
            redeemed: 0,
            merchant: merchant.map(|(m, _)| m.into()),
            merchant_name: merchant.map(|(_, n)| n.into()),
            active: true,
        });
        run(db, &admin, op, now).await?;
    }
    for (id, title, who, credits) in [
        ("wish-lock", "为独居老人更换门锁", "王秀梅", 15),
        ("wish-study", "每周陪留守儿童写一次作业", "赵小军", 20),
    ] {
        let op = Op::PostWish(NewWish {
            id: id.into(),
            org_id: "yuehai".into(),
            title: title.into(),
            requester: who.into(),
            credits,
        });
        run(db, &admin, op, now).await?;
    }
    let award = Op::AwardCredits(Award {
        id: "award-demo-m01".into(),
        member_id: "m-01".into(),
        amount: 60,
        reason: "上月社区志愿服务（补录）".into(),
    });
    run(db, &admin, award, now).await?;
    let path: String = sqlx::query("SELECT path FROM orgs WHERE id = 'yuehai'")
        .fetch_one(db.pool())
        .await?
        .try_get("path")?;
    let secretary = Actor {
        account_id: "acc-secretary".into(),
        member_id: Some("m-02".into()),
        member_org_path: Some(path),
        roles: vec![],
    };
    let pledge = Op::SavePledge(NewPledge {
        id: "pledge-demo-m02".into(),
        text: "为楼宇企业员工提供劳动法律咨询".into(),
        withdrawn: false,
    });
    run(db, &secretary, pledge, now).await
}

fn demo_admin() -> Actor {
    Actor {
        account_id: "demo".into(),
        member_id: None,
        member_org_path: None,
        roles: vec![ScopedRole {
            kind: RoleKind::Admin,
            org_path: None,
        }],
    }
}

/// Applies `op` as the domain would on a push, in its own transaction.
async fn run(db: &Db, actor: &Actor, op: Op, now: i64) -> Result<(), ApiError> {
    records::apply_one(db, actor, &op, now).await?.map_err(|r| {
        tracing::error!(%r, "demo data refused by the domain");
        ApiError::Internal
    })
}

fn random_secret() -> Result<String, ApiError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|_| ApiError::Internal)?;
    Ok(checkin::secret_hex(&bytes))
}

fn item(id: &str, title: &str, mandatory: bool) -> MenuItem {
    MenuItem {
        id: id.into(),
        title: title.into(),
        description: None,
        mandatory,
    }
}

/// 悦海新天地's menus: last month's (published, as history and as the start
/// for "copy last month") and this month's, drafted for the secretary to
/// review and publish, with an activity under way right now for trying the
/// check-in code.
/// The demo course (crates/server/demo/course, written for this app): six
/// short lessons of 金凤 for the whole district, the last with a picture
/// compiled into the server. Returns the lesson the 集中学习 studies.
async fn seed_study(db: &Db) -> Result<Option<LessonRef>, ApiError> {
    const FILES: [(&str, &str); 6] = [
        ("01-menu.md", include_str!("../demo/course/01-menu.md")),
        (
            "02-credits.md",
            include_str!("../demo/course/02-credits.md"),
        ),
        ("03-mobile.md", include_str!("../demo/course/03-mobile.md")),
        ("04-dues.md", include_str!("../demo/course/04-dues.md")),
        (
            "05-meetings.md",
            include_str!("../demo/course/05-meetings.md"),
        ),
        (
            "06-station.md",
            include_str!("../demo/course/06-station.md"),
        ),
    ];
    let now = crate::auth::now_secs();
    let picture = media::demo_picture_url();
    let about = Some((
        "course.md".into(),
        include_str!("../demo/course/course.md").to_owned(),
    ));
    let lessons = FILES
        .iter()
        .map(|(name, text)| ((*name).into(), text.replace("DEMO_IMAGE", &picture)))
        .collect();
    let course =
        import::course_from_sources("jinfeng", "rumen", true, about, lessons).map_err(|e| {
            tracing::error!(error = %e, "demo course");
            ApiError::Internal
        })?;
    media::record_builtin(db, "jinfeng", now).await?;
    let first = course.lessons.first().map(|l| LessonRef {
        course_id: course.id.clone(),
        lesson_id: l.id.clone(),
    });
    run(db, &demo_admin(), Op::SaveCourse(course), now).await?;
    Ok(first)
}

async fn seed_menus(db: &Db, lesson: Option<LessonRef>) -> Result<(), ApiError> {
    let admin = demo_admin();
    let now = crate::auth::now_secs();
    let this = Month::from_unix(now).map_err(|_| ApiError::Internal)?;
    let last = this.plus_months(-1).map_err(|_| ApiError::Internal)?;
    let month_start = |m: Month| {
        // Seconds at 00:00 Beijing time on the 1st: search back from now.
        let mut t = now - now.rem_euclid(86_400) - 8 * 3600;
        while Month::from_unix(t).ok() != Some(m) || Month::from_unix(t - 86_400).ok() == Some(m) {
            t -= 86_400;
        }
        t
    };
    let menus = [
        (
            "menu-yuehai-last",
            last,
            "学习贯彻党的二十届四中全会精神",
            true,
        ),
        ("menu-yuehai-this", this, "红色物业 · 暖心服务进楼宇", false),
    ];
    seed_joint_menu(db, &admin, this, now).await?;
    for (id, month, theme, published) in menus {
        let menu = MonthlyMenu {
            id: id.into(),
            org_id: "yuehai".into(),
            month,
            theme_title: theme.into(),
            theme_description: Some("围绕“每月一主题”，必选规定动作，自选特色服务。".into()),
            items: vec![
                item("study", "集中学习（三会一课）", true),
                item("volunteer", "社区志愿服务", false),
                item("visit", "走访慰问困难群众", false),
                item("law", "法律咨询进楼宇", false),
            ],
            min_optional: 1,
            published: false,
            alliance_id: None,
            audience: vec![],
        };
        run(db, &admin, Op::SaveMenu(menu), now).await?;
        if published {
            let op = Op::PublishMenu {
                menu_id: id.into(),
                published: true,
            };
            run(db, &admin, op, now).await?;
        }
        let start = if month == this {
            month_start(this)
        } else {
            month_start(last)
        };
        // This month: one under way now, the rest later in the month if it
        // has days left (the clock decides; clamped into the month).
        let at = |offset: i64| {
            let t = if month == this {
                now + offset
            } else {
                start + 86_400 * 10 + offset
            };
            if Month::from_unix(t).ok() == Some(month) {
                t
            } else {
                now - 60
            }
        };
        let activities = [
            (
                "study",
                "支部集中学习",
                at(-15 * 60),
                180,
                ServiceMode::Menu,
                None,
                false,
            ),
            (
                "volunteer",
                "楼宇垃圾分类志愿服务",
                at(2 * 86_400),
                120,
                ServiceMode::Booking,
                Some(8),
                true,
            ),
            (
                "law",
                "律师进楼宇答疑",
                at(7 * 86_400),
                90,
                ServiceMode::Group,
                Some(12),
                false,
            ),
        ];
        for (n, (item_id, title, starts_at, minutes, mode, capacity, hours)) in
            activities.into_iter().enumerate()
        {
            let op = Op::SaveActivity(ActivityDraft {
                id: format!("{id}-a{n}"),
                menu_id: id.into(),
                item_id: item_id.into(),
                title: title.into(),
                starts_at,
                minutes,
                place: "悦海新天地党群活动服务中心".into(),
                description: None,
                mode,
                capacity,
                needs_approval: false,
                counts_hours: hours,
                secret: random_secret()?,
                lesson: (item_id == "study").then(|| lesson.clone()).flatten(),
            });
            run(db, &admin, op, now).await?;
        }
    }
    seed_service_under_way(db, &admin, this, now).await
}

/// Volunteer service counting hours, under way for 100 minutes, which 周婷
/// joined at the start (checked in by hand): she checks out with the code
/// and earns credits for the hours.
async fn seed_service_under_way(
    db: &Db,
    admin: &Actor,
    this: Month,
    now: i64,
) -> Result<(), ApiError> {
    let mut starts_at = now - 100 * 60;
    if Month::from_unix(starts_at).ok() != Some(this) {
        // Early on the 1st: start with the month instead.
        starts_at = now - 60;
    }
    let id = "menu-yuehai-this-a3";
    let op = Op::SaveActivity(ActivityDraft {
        id: id.into(),
        menu_id: "menu-yuehai-this".into(),
        item_id: "volunteer".into(),
        title: "社区义诊志愿服务".into(),
        starts_at,
        minutes: 120,
        place: "悦海社区卫生服务站".into(),
        description: None,
        mode: ServiceMode::Menu,
        capacity: None,
        needs_approval: false,
        counts_hours: true,
        secret: random_secret()?,
        lesson: None,
    });
    run(db, admin, op, now).await?;
    let op = Op::CheckInByHand(HandCheckIn {
        id: "demo-checkin-m03".into(),
        activity_id: id.into(),
        member_id: "m-03".into(),
        note: "开始时由书记代为签到".into(),
        at: starts_at + 120,
    });
    run(db, admin, op, now).await
}

/// The alliance's joint menu for this month (主题党日), hosted by the
/// month's rotating chair, published.
async fn seed_joint_menu(db: &Db, admin: &Actor, month: Month, now: i64) -> Result<(), ApiError> {
    let mut conn = db.pool().acquire().await?;
    let alliances = crate::routes::orgs::alliances(&mut conn, None).await?;
    drop(conn);
    for a in alliances {
        let Some(chair) = a.rotation.chair_for(month) else {
            continue;
        };
        let id = format!("menu-{}-this", a.id);
        let menu = MonthlyMenu {
            id: id.clone(),
            org_id: chair.into(),
            month,
            theme_title: "红盟主题党日 · 共建共享".into(),
            theme_description: Some("由本月轮值主席单位承办，红盟各成员单位党员共同参加。".into()),
            items: vec![item("theme-day", "主题党日", true)],
            min_optional: 0,
            published: false,
            alliance_id: Some(a.id.clone()),
            audience: vec![],
        };
        run(db, admin, Op::SaveMenu(menu), now).await?;
        let publish = Op::PublishMenu {
            menu_id: id.clone(),
            published: true,
        };
        run(db, admin, publish, now).await?;
        // Five days on, or just begun if the month ends sooner.
        let later = now + 5 * 86_400;
        let starts_at = if Month::from_unix(later).ok() == Some(month) {
            later
        } else {
            now - 60
        };
        let op = Op::SaveActivity(ActivityDraft {
            id: format!("{id}-a0"),
            menu_id: id,
            item_id: "theme-day".into(),
            title: "红盟主题党日".into(),
            starts_at,
            minutes: 120,
            place: "悦海新天地党群活动服务中心".into(),
            description: None,
            mode: ServiceMode::Theme,
            capacity: None,
            needs_approval: false,
            counts_hours: false,
            secret: random_secret()?,
            lesson: None,
        });
        run(db, admin, op, now).await?;
    }
    Ok(())
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
        id: "acc-volunteer",
        login: "13900000003",
        password: "demo1234",
        name: "周婷",
        member: Some("m-03"),
        roles: &[(RoleKind::Member, Some("yuehai"))],
        what: "党员（志愿者） · 悦海新天地楼宇联合党支部",
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
    DemoAccount {
        id: "acc-merchant",
        login: "merchant-yuehai",
        password: "shop1234",
        name: "悦海理发店",
        member: None,
        roles: &[(RoleKind::Merchant, Some("yuehai"))],
        what: "商户 · 悦海理发店",
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

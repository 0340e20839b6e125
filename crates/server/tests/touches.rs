//! `apply` reads nothing its `touches` did not ask the server to load, on
//! SQLite and PostgreSQL: for every mutation in the registry, by every kind
//! of demo account, the outcome on the records the server loads for the
//! mutation equals the outcome on every record in the database. Accepted
//! mutations are then applied, so later ones (cancel, fulfil, confirm) meet
//! the records earlier ones made.

mod common;

use std::collections::BTreeSet;

use zhijian_domain::checkin;
use zhijian_domain::credit_ops::{Award, NewPledge, NewWish, PlaceHold, Redeem, Reverse};
use zhijian_domain::credits::CreditRules;
use zhijian_domain::meeting::{Absence, Meeting, MeetingKind, MeetingRules};
use zhijian_domain::member::{MemberPatch, ProfilePatch};
use zhijian_domain::member_code::{KioskAct, KioskDeed};
use zhijian_domain::menu_ops::{ActivityDraft, HandCheckIn, KioskCheckIn, NewCheckIn, NewSignup};
use zhijian_domain::mutation::{NewMember, NewOrg};
use zhijian_domain::replica::Records;
use zhijian_domain::study::{Course, parse_lesson};
use zhijian_domain::study_ops::NewReflection;
use zhijian_domain::{Actor, ManagementMode, MemberStatus, Op, OrgKind, apply};
use zhijian_server::{Db, records};

const ACCOUNTS: [&str; 7] = [
    "acc-member",
    "acc-volunteer",
    "acc-secretary",
    "acc-committee",
    "acc-admin",
    "acc-kiosk",
    "acc-merchant",
];

/// Every record in the database, as the server's view holds them.
async fn everything(db: &Db) -> Records {
    let mut conn = db.pool().acquire().await.expect("connection");
    let mut all = Records {
        holds_secrets: true,
        verifier: Some(zhijian_server::signature::VERIFIER),
        ..Records::default()
    };
    let orgs = format!("SELECT {} FROM orgs", records::ORG_COLUMNS);
    for r in sqlx::query(&orgs)
        .fetch_all(&mut *conn)
        .await
        .expect("orgs")
    {
        let o = records::org_from_row(&r).expect("org");
        all.orgs.insert(o.id.clone(), o);
    }
    let members = "SELECT id, org_id, name, status, mode, phone, workplace FROM members";
    for r in sqlx::query(members)
        .fetch_all(&mut *conn)
        .await
        .expect("members")
    {
        let m = records::member_from_row(&r).expect("member");
        all.members.insert(m.id.clone(), m);
    }
    for r in sqlx::query("SELECT body FROM docs")
        .fetch_all(&mut *conn)
        .await
        .expect("docs")
    {
        all.put_doc(records::doc_from_row(&r).expect("doc"));
    }
    all.alliances = records::alliances(&mut conn, None)
        .await
        .expect("alliances");
    all
}

async fn actor(db: &Db, account: &str) -> Actor {
    zhijian_server::auth::auth_of(db.pool(), account)
        .await
        .expect("demo account")
        .actor
}

/// One of every mutation, aimed at the demo's records and at each other's.
fn ops(all: &Records, now: i64) -> Vec<Op> {
    let activity = all
        .activities()
        .get("menu-yuehai-this-a0")
        .expect("the demo's activity under way")
        .clone();
    let secret = activity
        .secret
        .as_deref()
        .and_then(checkin::secret_bytes)
        .expect("its secret");
    let code = checkin::code(&secret, &activity.id, checkin::window(now));
    // An activity under way that counts hours, to check out of.
    let hours_secret = "00112233445566778899aabbccddeeff";
    let hours_code = |at| {
        checkin::code(
            &checkin::secret_bytes(hours_secret).expect("hex"),
            "t-hours",
            checkin::window(at),
        )
    };
    let mut menu = all
        .menus()
        .get("menu-yuehai-this")
        .expect("the demo's menu")
        .clone();
    menu.theme_description = Some("本月围绕楼宇服务开展活动".into());
    let mut reward = all
        .rewards()
        .get("rw-coffee")
        .expect("the demo's reward")
        .clone();
    reward.stock += 1;
    vec![
        Op::UpdateProfile(ProfilePatch {
            workplace: Some(Some("万达广场".into())),
            ..Default::default()
        }),
        Op::UpdateMember {
            member_id: "m-03".into(),
            patch: MemberPatch {
                phone: Some(Some("13900000099".into())),
                ..Default::default()
            },
        },
        Op::AddMember(NewMember {
            id: "t-member".into(),
            org_id: "yuehai".into(),
            name: "李新".into(),
            status: MemberStatus::Full,
            mode: ManagementMode::Employed,
            phone: None,
            workplace: None,
        }),
        Op::CreateOrg(NewOrg {
            id: "t-org".into(),
            parent_id: "jinfeng".into(),
            name: "测试楼宇党支部".into(),
            kind: OrgKind::Branch,
            joint: false,
            area: None,
            place: None,
        }),
        Op::RenameOrg {
            org_id: "t-org".into(),
            name: "测试楼宇联合党支部".into(),
        },
        Op::MoveOrg {
            org_id: "t-org".into(),
            new_parent_id: "jinfeng".into(),
        },
        Op::SaveMenu(menu.clone()),
        Op::PublishMenu {
            menu_id: menu.id.clone(),
            published: true,
        },
        Op::SaveActivity(ActivityDraft {
            id: "t-activity".into(),
            menu_id: menu.id.clone(),
            item_id: menu.items[0].id.clone(),
            title: "楼宇议事会".into(),
            starts_at: now + 86_400,
            minutes: 60,
            place: "驿站".into(),
            description: None,
            mode: zhijian_domain::activity::ServiceMode::Booking,
            capacity: Some(5),
            needs_approval: true,
            counts_hours: true,
            secret: "00112233445566778899aabbccddeeff".into(),
            lesson: None,
        }),
        Op::SignUp(NewSignup {
            id: "t-signup".into(),
            activity_id: "t-activity".into(),
            members: vec![],
        }),
        Op::DecideSignup {
            signup_id: "t-signup".into(),
            approve: true,
        },
        Op::CancelSignup {
            signup_id: "t-signup".into(),
        },
        Op::CancelActivity {
            activity_id: "t-activity".into(),
        },
        Op::CheckIn(NewCheckIn {
            id: "t-checkin-a0".into(),
            activity_id: activity.id.clone(),
            code,
            at: now,
        }),
        Op::SaveActivity(ActivityDraft {
            id: "t-hours".into(),
            menu_id: menu.id.clone(),
            item_id: menu.items[0].id.clone(),
            title: "楼道清洁志愿服务".into(),
            starts_at: now - 600,
            minutes: 120,
            place: "悦海新天地".into(),
            description: None,
            mode: zhijian_domain::activity::ServiceMode::Menu,
            capacity: None,
            needs_approval: false,
            counts_hours: true,
            secret: hours_secret.into(),
            lesson: None,
        }),
        Op::SignUp(NewSignup {
            id: "t-signup-hours".into(),
            activity_id: "t-hours".into(),
            members: vec![],
        }),
        // 我的党员码: her key, then the station's kiosk acts on her code.
        Op::RegisterMemberKey {
            public_key: common::phone::public_key(7),
        },
        // 党员卡: printed for a member without a phone, then revoked.
        Op::IssueMemberCard(zhijian_domain::member_card::NewMemberCard {
            member_id: "m-03".into(),
            number: 1,
            digest: "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU".into(),
        }),
        Op::RevokeMemberCard {
            member_id: "m-03".into(),
            number: 1,
        },
        Op::ActAtKiosk(KioskAct {
            member_id: "m-01".into(),
            at: now,
            proof: common::phone::proof(7, "m-01", now, "t-session"),
            deed: KioskDeed::ClaimWish {
                wish_id: "wish-lock".into(),
            },
        }),
        // Her wallet is read on the server only: the touches must load it.
        Op::ActAtKiosk(KioskAct {
            member_id: "m-01".into(),
            at: now,
            proof: common::phone::proof(7, "m-01", now, "t-session"),
            deed: KioskDeed::PlaceHold {
                hold_id: "t-kiosk-hold".into(),
                // Little: the redemptions further on spend her credits.
                amount: 1,
            },
        }),
        Op::CheckInAtKiosk(KioskCheckIn {
            id: "t-kiosk-checkin".into(),
            activity_id: "t-hours".into(),
            member_id: "m-01".into(),
            at: now,
            proof: common::phone::proof(7, "m-01", now, "t-session"),
        }),
        Op::CheckIn(NewCheckIn {
            id: "t-checkin".into(),
            activity_id: "t-hours".into(),
            code: hours_code(now - 300),
            at: now - 300,
        }),
        Op::CheckInByHand(HandCheckIn {
            id: "t-hand".into(),
            activity_id: activity.id.clone(),
            member_id: "m-03".into(),
            note: "忘带手机".into(),
            at: now,
        }),
        Op::CheckOut {
            checkin_id: "t-checkin".into(),
            at: now,
            code: Some(hours_code(now)),
        },
        Op::AwardCredits(Award {
            id: "t-award".into(),
            member_id: "m-01".into(),
            amount: 5,
            reason: "楼宇服务".into(),
        }),
        Op::ReverseEntry(Reverse {
            id: "t-reverse".into(),
            entry_id: "t-award".into(),
            reason: "录错了".into(),
        }),
        Op::SaveReward(reward),
        Op::PlaceHold(PlaceHold {
            id: "t-hold".into(),
            device_id: "acc-kiosk".into(),
            amount: 30,
            expires_at: now + 3600,
        }),
        Op::Redeem(Redeem {
            id: "t-redeem".into(),
            reward_id: "rw-coffee".into(),
            member_id: "m-01".into(),
            code: Some("123456".into()),
            at: now,
            hold_id: None,
            proof: None,
        }),
        Op::ConfirmRedemption {
            redemption_id: "t-redeem".into(),
            code: "123456".into(),
        },
        Op::Redeem(Redeem {
            id: "t-kiosk-redeem".into(),
            reward_id: "rw-soap".into(),
            member_id: "m-01".into(),
            code: None,
            at: now,
            hold_id: Some("t-hold".into()),
            proof: Some(common::phone::proof(7, "m-01", now, "t-session")),
        }),
        Op::ReleaseHold {
            hold_id: "t-hold".into(),
        },
        Op::SavePledge(NewPledge {
            id: "t-pledge".into(),
            text: "为楼宇企业员工提供法律咨询".into(),
            withdrawn: false,
        }),
        Op::PostWish(NewWish {
            id: "t-wish".into(),
            org_id: "yuehai".into(),
            title: "帮独居老人买菜".into(),
            requester: "张大爷".into(),
            credits: 10,
        }),
        Op::ClaimWish {
            wish_id: "t-wish".into(),
        },
        Op::FulfilWish {
            wish_id: "t-wish".into(),
            note: "已送到".into(),
        },
        Op::ConfirmWish {
            wish_id: "t-wish".into(),
        },
        Op::SetCreditRules(CreditRules {
            id: CreditRules::id_for("jinfeng"),
            org_id: "jinfeng".into(),
            rate_per_hour: 10,
            expire_at_year_end: true,
        }),
        Op::ExpireCredits {
            member_id: "m-01".into(),
            year: 2025,
        },
        Op::SaveMeeting(Meeting {
            id: "t-meeting".into(),
            org_id: "yuehai".into(),
            kind: MeetingKind::Committee,
            at: now - 3600,
            place: "悦海新天地党群服务驿站".into(),
            host: "李建国".into(),
            recorder: "周婷".into(),
            topic: "研究本月活动安排".into(),
            activity_id: Some(activity.id.clone()),
            due: vec!["m-01".into(), "m-02".into(), "m-03".into(), "m-04".into()],
            present: vec!["m-02".into()],
            absent: vec![Absence {
                member_id: "m-03".into(),
                leave: Some("出差".into()),
            }],
            minutes: "会议研究了本月活动安排。".into(),
            decisions: String::new(),
            recorded_by: String::new(),
        }),
        Op::SetMeetingRules(MeetingRules::defaults("jinfeng")),
        Op::SaveCourse(Course {
            id: "t-course".into(),
            org_id: "shxl".into(),
            title: "快餐党课".into(),
            summary: String::new(),
            audience: vec!["yuehai".into()],
            published: true,
            lessons: vec![parse_lesson("l1", "# 第一讲\n\n正文").expect("lesson")],
            updated_by: String::new(),
        }),
        Op::WriteReflection(NewReflection {
            course_id: "t-course".into(),
            lesson_id: "l1".into(),
            text: "学习体会".into(),
            at: now,
        }),
    ]
}

#[tokio::test]
async fn apply_reads_only_what_touches_loads() {
    for s in common::servers().await {
        let now = zhijian_server::auth::now_secs();
        let mut actors = Vec::new();
        for a in ACCOUNTS {
            actors.push(actor(&s.db, a).await);
        }
        let ops = ops(&everything(&s.db).await, now);
        let names: BTreeSet<&str> = ops.iter().map(Op::name).collect();
        let registered: BTreeSet<&str> = Op::NAMES.iter().copied().collect();
        assert_eq!(names, registered, "one of every registered mutation");

        let mut accepted = BTreeSet::new();
        for op in &ops {
            let mut applied = false;
            for actor in &actors {
                let all = everything(&s.db).await;
                let full = apply(actor, op, &all, now);
                let loaded = match op.checked_touches(actor) {
                    Ok(t) => {
                        let mut conn = s.db.pool().acquire().await.expect("connection");
                        let view = records::load(&mut conn, &t).await.expect("load");
                        apply(actor, op, &view, now)
                    }
                    Err(r) => Err(r),
                };
                assert_eq!(
                    loaded,
                    full,
                    "{} by {} ({}): the loaded records give another outcome than all records",
                    op.name(),
                    actor.account_id,
                    s.backend
                );
                if full.is_ok() && !applied {
                    records::apply_one(&s.db, actor, op, now)
                        .await
                        .expect("database")
                        .expect("accepted on all records, so on the loaded ones");
                    accepted.insert(op.name());
                    applied = true;
                }
            }
        }
        // Refusals alone would prove little: every mutation is accepted by
        // someone, on records the ones before made.
        let refused: Vec<&str> = registered.difference(&accepted).copied().collect();
        assert!(
            refused.is_empty(),
            "accepted by nobody ({}): {refused:?}",
            s.backend
        );
        // The kiosk's own variants, on the member's code.
        let all = everything(&s.db).await;
        for id in ["t-kiosk-redeem", "t-kiosk-checkin"] {
            assert!(all.docs.contains_key(id), "{id} ({})", s.backend);
        }
        let claimed = all.wishes()["wish-lock"].claimed_by.clone();
        assert_eq!(claimed.as_deref(), Some("m-01"), "{}", s.backend);
    }
}

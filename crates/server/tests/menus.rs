//! Menus, sign-ups under capacity and check-in codes over real databases
//! (SQLite and PostgreSQL): concurrent sign-ups, promotion, scopes, and bad
//! input refused whole.

mod common;

use common::{account, docs, login, push, rejection};

use std::collections::BTreeMap;

use zhijian_client::Client;
use zhijian_domain::activity::{ServiceMode, Signup, SignupStatus};
use zhijian_domain::checkin;
use zhijian_domain::doc::Doc;
use zhijian_domain::menu::{MenuItem, MonthlyMenu};
use zhijian_domain::menu_ops::{ActivityDraft, NewCheckIn, NewSignup};
use zhijian_domain::mutation::NewMember;
use zhijian_domain::sync::Outcome;
use zhijian_domain::{ManagementMode, MemberStatus, Month, Op, ProfilePatch, RoleKind};

const SECRET: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";

fn signups(d: &BTreeMap<String, Doc>) -> Vec<Signup> {
    let mut v: Vec<Signup> = d
        .values()
        .filter_map(|d| match d {
            Doc::Signup(s) => Some(s.clone()),
            _ => None,
        })
        .collect();
    v.sort_by_key(|s| s.rank);
    v
}

fn now() -> i64 {
    zhijian_server::auth::now_secs()
}

fn menu(id: &str, month: Month) -> MonthlyMenu {
    MonthlyMenu {
        id: id.into(),
        org_id: "yuehai".into(),
        month,
        theme_title: "测试主题".into(),
        theme_description: None,
        items: vec![
            MenuItem {
                id: "must".into(),
                title: "集中学习".into(),
                description: None,
                mandatory: true,
            },
            MenuItem {
                id: "pick".into(),
                title: "志愿服务".into(),
                description: None,
                mandatory: false,
            },
        ],
        min_optional: 1,
        published: false,
        alliance_id: None,
        audience: vec![],
    }
}

fn activity(id: &str, menu_id: &str, mode: ServiceMode, capacity: Option<i64>) -> ActivityDraft {
    ActivityDraft {
        id: id.into(),
        menu_id: menu_id.into(),
        item_id: "pick".into(),
        title: "楼宇志愿服务".into(),
        // Under way now (a minute back, so it stays in this month).
        starts_at: now() - 60,
        minutes: 120,
        place: "驿站".into(),
        description: None,
        mode,
        capacity,
        needs_approval: false,
        counts_hours: false,
        secret: SECRET.into(),
        lesson: None,
    }
}

/// The secretary's next-month menu (this month's belongs to the demo) with
/// a booking activity of `capacity`. Returns the secretary's next seq.
async fn plan(sec: &Client, capacity: i64) -> u64 {
    let next = Month::from_unix(now()).unwrap().plus_months(1).unwrap();
    let mut a = activity("act-race", "menu-t", ServiceMode::Booking, Some(capacity));
    a.item_id = "pick".into();
    // Next month, so the race happens before the activity starts.
    a.starts_at = next_month_start(next);
    let r = push(
        sec,
        "sec-dev",
        vec![
            (1, Op::SaveMenu(menu("menu-t", next))),
            (
                2,
                Op::PublishMenu {
                    menu_id: "menu-t".into(),
                    published: true,
                },
            ),
            (3, Op::SaveActivity(a)),
        ],
    )
    .await;
    for seq in 1..=3 {
        assert_eq!(rejection(&r, seq), None, "seq {seq}");
    }
    4
}

fn next_month_start(m: Month) -> i64 {
    let mut t = now();
    while Month::from_unix(t).unwrap() != m {
        t += 3600;
    }
    t + 86_400
}

/// Adds `n` members to 悦海 (by the secretary) with accounts, signed in.
async fn members(
    s: &common::TestServer,
    sec: &Client,
    seq: &mut u64,
    n: usize,
) -> Vec<(String, Client)> {
    let mut out = Vec::new();
    for i in 0..n {
        let id = format!("race-{i}");
        let r = push(
            sec,
            "sec-dev",
            vec![(
                *seq,
                Op::AddMember(NewMember {
                    id: id.clone(),
                    org_id: "yuehai".into(),
                    name: format!("队员{i}"),
                    status: MemberStatus::Full,
                    mode: ManagementMode::Employed,
                    phone: None,
                    workplace: None,
                }),
            )],
        )
        .await;
        assert_eq!(rejection(&r, *seq), None);
        *seq += 1;
        let login_name = format!("1380000{i:04}");
        zhijian_server::auth::create_account(
            &s.db,
            &format!("acc-{id}"),
            &login_name,
            "race-pass",
            &format!("队员{i}"),
            Some(&id),
            &[(RoleKind::Member, Some("yuehai"))],
        )
        .await
        .expect("account");
        out.push((id, login(&s.client, &login_name, "race-pass").await));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_sign_ups_confirm_exactly_the_capacity() {
    const CAPACITY: usize = 3;
    const EXTRA: usize = 5;
    for s in common::servers().await {
        let sec = login(&s.client, "13900000002", "demo1234").await;
        let mut seq = plan(&sec, CAPACITY as i64).await;
        let people = members(&s, &sec, &mut seq, CAPACITY + EXTRA).await;
        // All at once; half of them pushing a batch that was made offline
        // earlier (a profile edit before the sign-up).
        let tasks: Vec<_> = people
            .iter()
            .enumerate()
            .map(|(i, (id, c))| {
                let (id, c) = (id.clone(), c.clone());
                tokio::spawn(async move {
                    let signup = Op::SignUp(NewSignup {
                        id: format!("su-{id}"),
                        activity_id: "act-race".into(),
                        members: vec![],
                    });
                    let ops = if i % 2 == 0 {
                        vec![(1, signup)]
                    } else {
                        let edit = Op::UpdateProfile(ProfilePatch {
                            phone: None,
                            workplace: Some(Some("悦海新天地".into())),
                        });
                        vec![(1, edit), (2, signup)]
                    };
                    let n = ops.len() as u64;
                    let r = push(&c, &format!("dev-{id}"), ops).await;
                    assert_eq!(rejection(&r, n), None, "{id}");
                })
            })
            .collect();
        for t in tasks {
            t.await.expect("task");
        }
        let seen = docs(&sec, "sec-dev").await;
        let list = signups(&seen);
        assert_eq!(list.len(), CAPACITY + EXTRA, "{}", s.backend);
        let ranks: Vec<u32> = list.iter().map(|s| s.rank).collect();
        assert_eq!(
            ranks,
            (1..=8).collect::<Vec<u32>>(),
            "ranks are the arrival order"
        );
        let statuses: Vec<SignupStatus> = list.iter().map(|s| s.status).collect();
        let mut expected = vec![SignupStatus::Confirmed; CAPACITY];
        expected.extend(vec![SignupStatus::Waitlisted; EXTRA]);
        assert_eq!(
            statuses, expected,
            "{}: first come, first served",
            s.backend
        );
        let positions: Vec<Option<u32>> = list.iter().map(|s| s.position).collect();
        let mut want = vec![None; CAPACITY];
        want.extend((1..=EXTRA as u32).map(Some));
        assert_eq!(positions, want, "{}", s.backend);
        let Some(Doc::Activity(a)) = seen.get("act-race") else {
            panic!("activity")
        };
        assert_eq!(a.taken, CAPACITY as u32);
        assert_eq!(
            a.secret.as_deref(),
            Some(SECRET),
            "organisers keep the secret"
        );

        // Members see their own sign-up only, and no secret.
        let (first_id, first) = &people[0];
        let mine = docs(first, &format!("dev-{first_id}")).await;
        assert_eq!(signups(&mine).len(), 1, "{}", s.backend);
        assert!(matches!(mine.get("act-race"), Some(Doc::Activity(a)) if a.secret.is_none()));

        // No second sign-up for the same member, under any id.
        let again = push(
            first,
            &format!("dev-{first_id}"),
            vec![(
                if people[0].0.ends_with('0') { 2 } else { 3 },
                Op::SignUp(NewSignup {
                    id: "su-again".into(),
                    activity_id: "act-race".into(),
                    members: vec![],
                }),
            )],
        )
        .await;
        assert_eq!(
            again.results.first().and_then(|r| match &r.outcome {
                Outcome::Rejected { message, .. } => Some(message.as_str()),
                Outcome::Ok => None,
            }),
            Some("已经报名了该活动")
        );

        // The first confirmed cancels: the first waitlisted is promoted and
        // the rest move up.
        let confirmed = list[0].clone();
        let owner = people
            .iter()
            .find(|(id, _)| *id == confirmed.member_id)
            .expect("owner");
        let next_seq = if people.iter().position(|p| p.0 == owner.0).unwrap() % 2 == 0 {
            2
        } else {
            3
        } + u64::from(owner.0 == people[0].0);
        let r = push(
            &owner.1,
            &format!("dev-{}", owner.0),
            vec![(
                next_seq,
                Op::CancelSignup {
                    signup_id: confirmed.id.clone(),
                },
            )],
        )
        .await;
        assert_eq!(rejection(&r, next_seq), None);
        let after = signups(&docs(&sec, "sec-dev-2").await);
        let status_of = |rank: u32| after.iter().find(|s| s.rank == rank).unwrap();
        assert_eq!(status_of(1).status, SignupStatus::Cancelled);
        assert_eq!(
            status_of(4).status,
            SignupStatus::Confirmed,
            "{}",
            s.backend
        );
        assert_eq!(status_of(5).position, Some(1));
        assert_eq!(status_of(8).position, Some(4));
        let held: usize = after
            .iter()
            .filter(|s| s.status == SignupStatus::Confirmed)
            .count();
        assert_eq!(held, CAPACITY);
    }
}

#[tokio::test]
async fn bad_input_is_refused_whole() {
    for s in common::servers().await {
        let sec = login(&s.client, "13900000002", "demo1234").await;
        let this = Month::from_unix(now()).unwrap();
        // The demo's draft for this month is the secretary's to fill.
        let r = push(
            &sec,
            "sec-bad",
            vec![
                (
                    1,
                    Op::PublishMenu {
                        menu_id: "menu-yuehai-this".into(),
                        published: true,
                    },
                ),
                (
                    2,
                    Op::SaveActivity(ActivityDraft {
                        item_id: "study".into(),
                        ..activity("act-now", "menu-yuehai-this", ServiceMode::Menu, None)
                    }),
                ),
                (
                    3,
                    Op::SaveActivity(ActivityDraft {
                        item_id: "study".into(),
                        ..activity("act-other", "menu-yuehai-this", ServiceMode::Menu, None)
                    }),
                ),
            ],
        )
        .await;
        for seq in 1..=3 {
            assert_eq!(rejection(&r, seq), None, "{}: seq {seq}", s.backend);
        }
        let before = docs(&sec, "sec-bad").await;

        let mut far = menu("menu-far", Month::new(2019, 3).unwrap());
        far.org_id = "yuehai-g1".into();
        let mut untitled = menu("menu-untitled", this.plus_months(2).unwrap());
        untitled.items[0].title = String::new();
        // Dropping the item that has activities.
        let Some(Doc::Menu(mut dropped)) = before.get("menu-yuehai-this").cloned() else {
            panic!("the demo menu")
        };
        dropped.items.retain(|i| i.id != "study");
        let bad = [
            (
                Op::SaveMenu(dropped),
                "该项目下已有活动，请先取消这些活动再删除项目",
            ),
            (
                Op::SaveActivity(activity(
                    "act-zero",
                    "menu-yuehai-this",
                    ServiceMode::Booking,
                    Some(0),
                )),
                "名额必须是 1 到 10000 之间的整数",
            ),
            (
                Op::SaveActivity(activity(
                    "act-neg",
                    "menu-yuehai-this",
                    ServiceMode::Booking,
                    Some(-5),
                )),
                "名额必须是 1 到 10000 之间的整数",
            ),
            (Op::SaveMenu(far), "不能为已经过去的月份制定菜单"),
            (Op::SaveMenu(untitled), "名称不能为空"),
        ];
        let ops: Vec<(u64, Op)> = bad
            .iter()
            .enumerate()
            .map(|(i, (op, _))| (4 + i as u64, op.clone()))
            .collect();
        let r = push(&sec, "sec-bad", ops).await;
        for (i, (_, msg)) in bad.iter().enumerate() {
            assert_eq!(
                rejection(&r, 4 + i as u64).as_deref(),
                Some(*msg),
                "{}",
                s.backend
            );
        }

        // A member checks in: another activity's code and an old window are
        // refused; the current code is accepted.
        let member = login(&s.client, "13900000001", "demo1234").await;
        let key = checkin::secret_bytes(SECRET).unwrap();
        let t = now();
        let code = |activity: &str, window: i64| checkin::code(&key, activity, window);
        let w = checkin::window(t);
        let ci = |id: &str, code: String| {
            Op::CheckIn(NewCheckIn {
                id: id.into(),
                activity_id: "act-now".into(),
                code,
                at: t,
            })
        };
        let mut tries = Vec::new();
        let other = code("act-other", w);
        if other != code("act-now", w) && other != code("act-now", w - 1) {
            tries.push(ci("ci-wrong-activity", other));
        }
        let old = code("act-now", w - 3);
        if old != code("act-now", w) && old != code("act-now", w - 1) {
            tries.push(ci("ci-old", old));
        }
        let n = tries.len() as u64;
        let mut ops: Vec<(u64, Op)> = tries.into_iter().zip(1..).map(|(op, s)| (s, op)).collect();
        ops.push((n + 1, ci("ci-ok", code("act-now", w))));
        // Signing up a member of another org (万达's 王丽娟) for 悦海's activity.
        ops.push((
            n + 2,
            Op::SignUp(NewSignup {
                id: "su-foreign".into(),
                activity_id: "act-now".into(),
                members: vec!["m-01".into(), "m-05".into()],
            }),
        ));
        let r = push(&member, "member-bad", ops).await;
        for seq in 1..=n {
            assert_eq!(
                rejection(&r, seq).as_deref(),
                Some("签到码不正确或已过期"),
                "{}",
                s.backend
            );
        }
        assert_eq!(
            rejection(&r, n + 1),
            None,
            "{}: the current code",
            s.backend
        );
        assert!(rejection(&r, n + 2).is_some());

        // Nothing partial: only the accepted check-in is new.
        let after = docs(&sec, "sec-bad-2").await;
        let new: Vec<&String> = after.keys().filter(|k| !before.contains_key(*k)).collect();
        assert_eq!(new, ["ci-ok"], "{}", s.backend);
    }
}

#[tokio::test]
async fn an_alliance_menu_reaches_every_alliance_org_and_no_other() {
    for s in common::servers().await {
        let dir = s.client.org_directory().await.expect("directory");
        let alliance = dir.alliances.first().expect("the demo alliance").clone();
        // Next month: this month's joint menu is the demo's.
        let this = Month::from_unix(now()).unwrap().plus_months(1).unwrap();
        let chair = alliance
            .rotation
            .chair_for(this)
            .expect("a chair")
            .to_owned();
        // A secretary of the month's chair, a member of another alliance org,
        // and one of a new branch outside the alliance.
        let host = account(
            &s,
            "13700000001",
            None,
            &[(RoleKind::Secretary, Some(&chair))],
        )
        .await;
        let other_org = alliance
            .member_org_ids
            .iter()
            .find(|o| {
                // A branch (members join branches), neither the host nor 悦海.
                **o != chair
                    && *o != "yuehai"
                    && dir
                        .orgs
                        .iter()
                        .any(|x| x.id == **o && x.kind == zhijian_domain::OrgKind::Branch)
            })
            .expect("another org")
            .clone();
        let guest_id = format!("guest-{other_org}");
        // Committee staff add the guest member (the host may not).
        let committee = login(&s.client, "13900000100", "demo1234").await;
        let new_member = |id: &str, org: &str| {
            Op::AddMember(NewMember {
                id: id.into(),
                org_id: org.into(),
                name: "来宾党员".into(),
                status: MemberStatus::Full,
                mode: ManagementMode::Mobile,
                phone: None,
                workplace: None,
            })
        };
        let r = push(
            &committee,
            "com-dev",
            vec![
                (1, new_member(&guest_id, &other_org)),
                (
                    2,
                    Op::CreateOrg(zhijian_domain::mutation::NewOrg {
                        id: "outside".into(),
                        parent_id: "jinfeng".into(),
                        name: "联盟外的支部".into(),
                        kind: zhijian_domain::OrgKind::Branch,
                        joint: false,
                        area: None,
                        place: None,
                    }),
                ),
                (3, new_member("outsider-1", "outside")),
            ],
        )
        .await;
        for seq in 1..=3 {
            assert_eq!(rejection(&r, seq), None);
        }
        let guest = account(
            &s,
            "13700000002",
            Some(&guest_id),
            &[(RoleKind::Member, Some(&other_org))],
        )
        .await;
        let outsider = account(
            &s,
            "13700000003",
            Some("outsider-1"),
            &[(RoleKind::Member, Some("outside"))],
        )
        .await;

        let mut joint = menu("menu-joint", this);
        joint.org_id = chair.clone();
        joint.alliance_id = Some(alliance.id.clone());
        let mut theme_day = activity("act-joint", "menu-joint", ServiceMode::Theme, None);
        theme_day.item_id = "must".into();
        theme_day.starts_at = next_month_start(this);
        let r = push(
            &host,
            "host-dev",
            vec![
                (1, Op::SaveMenu(joint)),
                (
                    2,
                    Op::PublishMenu {
                        menu_id: "menu-joint".into(),
                        published: true,
                    },
                ),
                (3, Op::SaveActivity(theme_day)),
            ],
        )
        .await;
        for seq in 1..=3 {
            assert_eq!(rejection(&r, seq), None, "{}: seq {seq}", s.backend);
        }

        let seen = docs(&guest, "guest-dev").await;
        let Some(Doc::Menu(m)) = seen.get("menu-joint") else {
            panic!("{}: the guest org's member sees the joint menu", s.backend)
        };
        assert_eq!(m.audience, alliance.member_org_ids);
        assert!(matches!(seen.get("act-joint"), Some(Doc::Activity(a)) if a.secret.is_none()));
        assert!(
            !seen.contains_key("menu-yuehai-this"),
            "{}: but not 悦海's own draft",
            s.backend
        );
        assert!(
            !docs(&outsider, "outsider-dev")
                .await
                .contains_key("menu-joint"),
            "{}: outside the alliance it is not delivered",
            s.backend
        );
        let r = push(
            &guest,
            "guest-dev",
            vec![(
                1,
                Op::SignUp(NewSignup {
                    id: "su-guest".into(),
                    activity_id: "act-joint".into(),
                    members: vec![],
                }),
            )],
        )
        .await;
        assert_eq!(rejection(&r, 1), None, "{}", s.backend);
        let r = push(
            &outsider,
            "outsider-dev",
            vec![(
                1,
                Op::SignUp(NewSignup {
                    id: "su-outsider".into(),
                    activity_id: "act-joint".into(),
                    members: vec![],
                }),
            )],
        )
        .await;
        assert!(rejection(&r, 1).is_some(), "{}", s.backend);
        // The host sees the guest's sign-up.
        let host_docs = docs(&host, "host-dev").await;
        assert!(host_docs.contains_key("su-guest"), "{}", s.backend);
    }
}

#[tokio::test]
async fn a_timed_check_out_earns_credits_for_the_member_alone() {
    for s in common::servers().await {
        let t = now();
        let start = t - 110 * 60;
        if Month::from_unix(start).unwrap() != Month::from_unix(t).unwrap() {
            eprintln!("note: the month began less than two hours ago; skipped");
            return;
        }
        let sec = login(&s.client, "13900000002", "demo1234").await;
        let mut a = activity("act-hours", "menu-yuehai-this", ServiceMode::Menu, None);
        a.item_id = "volunteer".into();
        a.starts_at = start;
        a.counts_hours = true;
        let r = push(&sec, "sec-hours", vec![(1, Op::SaveActivity(a))]).await;
        assert_eq!(rejection(&r, 1), None, "{}", s.backend);

        let member = login(&s.client, "13900000001", "demo1234").await;
        let key = checkin::secret_bytes(SECRET).unwrap();
        let code_at = |at: i64| checkin::code(&key, "act-hours", checkin::window(at));
        let came = t - 100 * 60;
        let r = push(
            &member,
            "member-hours",
            vec![
                (
                    1,
                    Op::CheckIn(NewCheckIn {
                        id: "ci-hours".into(),
                        activity_id: "act-hours".into(),
                        code: code_at(came),
                        at: came,
                    }),
                ),
                (
                    2,
                    Op::CheckOut {
                        checkin_id: "ci-hours".into(),
                        at: t,
                        code: Some(code_at(t)),
                    },
                ),
            ],
        )
        .await;
        assert_eq!(rejection(&r, 1), None, "{}", s.backend);
        assert_eq!(rejection(&r, 2), None, "{}", s.backend);
        let mine = docs(&member, "member-hours").await;
        let Some(Doc::Entry(e)) = mine.get("earn-ci-hours") else {
            panic!("{}: the earned entry reaches the member", s.backend)
        };
        // 100 of 120 minutes at 10 an hour.
        assert_eq!((e.amount, e.member_id.as_str()), (16, "m-01"));
        let other = account(
            &s,
            "13700000009",
            Some("m-03"),
            &[(RoleKind::Member, Some("yuehai"))],
        )
        .await;
        assert!(
            !docs(&other, "other-hours")
                .await
                .contains_key("earn-ci-hours"),
            "{}: another member's credits stay private",
            s.backend
        );
    }
}

#[tokio::test]
async fn guessing_check_in_codes_stops_after_five_wrong_ones() {
    for s in common::servers().await {
        let t = now();
        let start = t - 20 * 60;
        if Month::from_unix(start).unwrap() != Month::from_unix(t).unwrap() {
            eprintln!("note: the month began less than 20 minutes ago; skipped");
            return;
        }
        let sec = login(&s.client, "13900000002", "demo1234").await;
        let mut a = activity("act-guess", "menu-yuehai-this", ServiceMode::Menu, None);
        a.item_id = "volunteer".into();
        a.starts_at = start;
        let r = push(&sec, "sec-guess", vec![(1, Op::SaveActivity(a))]).await;
        assert_eq!(rejection(&r, 1), None, "{}", s.backend);

        let key = checkin::secret_bytes(SECRET).unwrap();
        let code_at = |at: i64| checkin::code(&key, "act-guess", checkin::window(at));
        let right = code_at(t);
        let wrong = |n: u32| {
            let c = format!("{:06}", 100_000 + n);
            if c == right || c == code_at(t - 30) {
                format!("{:06}", 200_000 + n)
            } else {
                c
            }
        };
        let check_in = |id: &str, code: String, at: i64| {
            Op::CheckIn(NewCheckIn {
                id: id.into(),
                activity_id: "act-guess".into(),
                code,
                at,
            })
        };
        let member = login(&s.client, "13900000001", "demo1234").await;
        let past = t - 10 * 60;
        let mut ops = vec![
            // A code seen now, claimed for a moment ten minutes ago: forged.
            (1, check_in("ci-g1", right.clone(), past)),
        ];
        for n in 2..=5 {
            ops.push((u64::from(n), check_in(&format!("ci-g{n}"), wrong(n), t)));
        }
        ops.push((6, check_in("ci-g6", right.clone(), t)));
        let r = push(&member, "member-guess", ops).await;
        for seq in 1..=5 {
            assert_eq!(
                rejection(&r, seq).as_deref(),
                Some("签到码不正确或已过期"),
                "{}: seq {seq}",
                s.backend
            );
        }
        // Locked now: even the right code waits.
        assert_eq!(
            rejection(&r, 6).as_deref(),
            Some("签到码错误次数过多，请 1 分钟后再试"),
            "{}",
            s.backend
        );
        // Another member is not affected.
        let other = account(
            &s,
            "13700000008",
            Some("m-03"),
            &[(RoleKind::Member, Some("yuehai"))],
        )
        .await;
        let r = push(
            &other,
            "other-guess",
            vec![(1, check_in("ci-g7", right.clone(), t))],
        )
        .await;
        assert_eq!(rejection(&r, 1), None, "{}", s.backend);
    }
}

//! Property test of the self-dealing rule (`self_dealing.rs`): organisers who
//! are members too, and a plain member, make random credit-moving and
//! attendance mutations aimed at each other and at themselves. Whatever the
//! order, no accepted mutation raises its own actor's balance except a
//! check-out witnessed by the organiser's code, and no check-in by hand is
//! ever recorded by the member it is for.

mod common;

use common::Rng;
use proptest::prelude::*;
use zhijian_domain::activity::ServiceMode;
use zhijian_domain::auth::{Actor, RoleKind, ScopedRole};
use zhijian_domain::checkin;
use zhijian_domain::credit_ops::{Award, NewWish, Reverse};
use zhijian_domain::ledger::Wallet;
use zhijian_domain::menu::{MenuItem, MonthlyMenu};
use zhijian_domain::menu_ops::{ActivityDraft, HandCheckIn, NewCheckIn};
use zhijian_domain::mutation::{Op, apply};
use zhijian_domain::replica::Records;
use zhijian_domain::{ManagementMode, Member, MemberStatus, Org, OrgKind};

/// 2026-11-22 10:00 in Beijing, half an hour into the activity.
const NOW: i64 = 1_795_312_800;
const SECRET: &str = "00112233445566778899aabbccddeeff";
const MEMBERS: [&str; 3] = ["m-sec", "m-sec2", "m1"];

fn actor(account: &str, member: &str, kind: RoleKind) -> Actor {
    Actor {
        account_id: account.into(),
        member_id: Some(member.into()),
        member_org_path: Some("/c/b1/".into()),
        roles: vec![ScopedRole {
            kind,
            org_path: Some("/c/b1/".into()),
        }],
    }
}

fn actors() -> [Actor; 3] {
    [
        actor("acc-sec", "m-sec", RoleKind::Secretary),
        actor("acc-sec2", "m-sec2", RoleKind::Secretary),
        actor("acc-m1", "m1", RoleKind::Member),
    ]
}

fn world() -> Records {
    let mut r = Records {
        holds_secrets: true,
        ..Records::default()
    };
    for (id, parent, path) in [("c", None, "/c/"), ("b1", Some("c"), "/c/b1/")] {
        r.orgs.insert(
            id.into(),
            Org {
                id: id.into(),
                parent_id: parent.map(Into::into),
                name: id.into(),
                kind: if parent.is_some() {
                    OrgKind::Branch
                } else {
                    OrgKind::Committee
                },
                joint: false,
                area: None,
                place: None,
                path: path.into(),
            },
        );
    }
    for id in MEMBERS {
        r.members.insert(
            id.into(),
            Member {
                id: id.into(),
                org_id: "b1".into(),
                name: id.into(),
                status: MemberStatus::Full,
                mode: ManagementMode::Employed,
                phone: None,
                workplace: None,
            },
        );
    }
    let sec = &actors()[1];
    let menu = MonthlyMenu {
        id: "menu-1".into(),
        org_id: "b1".into(),
        month: "2026-11".parse().unwrap(),
        theme_title: "主题党日".into(),
        theme_description: None,
        items: vec![MenuItem {
            id: "serve".into(),
            title: "社区志愿服务".into(),
            description: None,
            mandatory: false,
        }],
        min_optional: 0,
        published: false,
        alliance_id: None,
        audience: vec![],
    };
    let draft = ActivityDraft {
        id: "act".into(),
        menu_id: "menu-1".into(),
        item_id: "serve".into(),
        title: "社区志愿服务".into(),
        starts_at: NOW - 1800,
        minutes: 240,
        place: "驿站".into(),
        description: None,
        mode: ServiceMode::Menu,
        capacity: None,
        needs_approval: false,
        counts_hours: true,
        secret: SECRET.into(),
        lesson: None,
    };
    for op in [
        Op::SaveMenu(menu),
        Op::PublishMenu {
            menu_id: "menu-1".into(),
            published: true,
        },
        Op::SaveActivity(draft),
    ] {
        for w in apply(sec, &op, &r, NOW).expect("setup") {
            r.write(w);
        }
    }
    r
}

fn code_at(at: i64) -> String {
    let s = checkin::secret_bytes(SECRET).unwrap();
    checkin::code(&s, "act", checkin::window(at))
}

fn balance(r: &Records, member: &str) -> i64 {
    r.wallets()
        .get(&Wallet::id_for(member))
        .map_or(0, |w| w.balance)
}

/// A random mutation by `a`, aimed at a random member (often `a` itself).
fn random_op(rng: &mut Rng, a: &Actor, r: &Records, n: &mut u32) -> Option<Op> {
    *n += 1;
    let id = format!("x{n}");
    let target = if rng.chance(50) {
        a.member_id.clone()?
    } else {
        MEMBERS[rng.below(MEMBERS.len())].to_owned()
    };
    let at = NOW - 1200 + i64::try_from(rng.below(1200)).unwrap_or(0);
    let pick = |rng: &mut Rng, len: usize| rng.below(len.max(1));
    Some(match rng.below(9) {
        0 => Op::AwardCredits(Award {
            id,
            member_id: target,
            amount: 1 + i64::try_from(rng.below(50)).unwrap_or(0),
            reason: "服务".into(),
        }),
        1 => {
            let e = r.entries().values().nth(pick(rng, r.entries().len()))?;
            Op::ReverseEntry(Reverse {
                id,
                entry_id: e.id.clone(),
                reason: "更正".into(),
            })
        }
        2 => Op::CheckInByHand(HandCheckIn {
            id,
            activity_id: "act".into(),
            member_id: target,
            note: "忘带手机".into(),
            at,
        }),
        3 => Op::CheckIn(NewCheckIn {
            id,
            activity_id: "act".into(),
            code: code_at(at),
            at,
        }),
        4 => {
            let c = r.checkins().values().nth(pick(rng, r.checkins().len()))?;
            let out = c.at + 600;
            Op::CheckOut {
                checkin_id: c.id.clone(),
                at: out,
                code: rng.chance(50).then(|| code_at(out)),
            }
        }
        5 => Op::PostWish(NewWish {
            id,
            org_id: "b1".into(),
            title: "帮老人买菜".into(),
            requester: "张大爷".into(),
            credits: 1 + i64::try_from(rng.below(100)).unwrap_or(0),
        }),
        6 => Op::ClaimWish {
            wish_id: r.wishes().keys().nth(pick(rng, r.wishes().len()))?.clone(),
        },
        7 => Op::FulfilWish {
            wish_id: r.wishes().keys().nth(pick(rng, r.wishes().len()))?.clone(),
            note: String::new(),
        },
        _ => Op::ConfirmWish {
            wish_id: r.wishes().keys().nth(pick(rng, r.wishes().len()))?.clone(),
        },
    })
}

fn run(rng: &mut Rng, steps: usize) -> Result<(), TestCaseError> {
    let mut r = world();
    let actors = actors();
    let mut n = 0;
    let mut accepted = 0;
    for _ in 0..steps {
        let a = &actors[rng.below(actors.len())];
        let Some(op) = random_op(rng, a, &r, &mut n) else {
            continue;
        };
        let Ok(writes) = apply(a, &op, &r, NOW) else {
            continue;
        };
        accepted += 1;
        let me = a.member_id.as_deref().unwrap_or_default();
        let before = balance(&r, me);
        for w in writes {
            r.write(w);
        }
        let witnessed = matches!(&op, Op::CheckOut { code: Some(_), .. });
        prop_assert!(
            balance(&r, me) <= before || witnessed,
            "{} paid themselves with {:?}",
            a.account_id,
            op
        );
    }
    for c in r.checkins().values() {
        let recorder = actors.iter().find(|a| a.account_id == c.recorded_by);
        if c.by_hand.is_some() && recorder.is_some_and(|a| a.is_member(&c.member_id)) {
            return Err(TestCaseError::fail(format!(
                "{} checked in by hand by themselves",
                c.member_id
            )));
        }
    }
    prop_assert!(accepted > 0 || steps < 10, "nothing was ever accepted");
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]
    #[test]
    fn nobody_pays_themselves(steps in 20usize..200, seed in any::<u64>()) {
        run(&mut Rng(seed | 1), steps)?;
    }
}

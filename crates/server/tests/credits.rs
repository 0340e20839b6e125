//! Volunteer credits over real databases (SQLite and PostgreSQL): the
//! balance kept with each entry under concurrency, stock, wishes claimed at
//! once, who may award and confirm, holds for station devices, bad input
//! refused whole.

mod common;

use common::{account, docs, login, push, rejection};

use std::collections::BTreeMap;

use zhijian_client::Client;
use zhijian_domain::credit_ops::{Award, NewWish, PlaceHold, Redeem, Reverse};
use zhijian_domain::credits::{CreditRules, RedemptionStatus, Reward, WishStatus};
use zhijian_domain::doc::Doc;
use zhijian_domain::ledger::{EntryKind, Wallet};
use zhijian_domain::mutation::NewMember;
use zhijian_domain::{ManagementMode, MemberStatus, Op, RoleKind};

fn now() -> i64 {
    zhijian_server::auth::now_secs()
}

/// The secretary (and their next seq).
struct Sec {
    c: Client,
    seq: u64,
}

impl Sec {
    async fn new(s: &common::TestServer) -> Sec {
        Sec {
            c: login(&s.client, "13900000002", "demo1234").await,
            seq: 1,
        }
    }

    /// Pushes one op; returns its refusal, if any.
    async fn run(&mut self, op: Op) -> Option<String> {
        let seq = self.seq;
        self.seq += 1;
        rejection(&push(&self.c, "sec-credits", vec![(seq, op)]).await, seq)
    }

    /// A new member of 悦海 with an account, and `credits` awarded.
    async fn member(&mut self, s: &common::TestServer, id: &str, credits: i64) -> Client {
        let r = self
            .run(Op::AddMember(NewMember {
                id: id.into(),
                org_id: "yuehai".into(),
                name: format!("测试{id}"),
                status: MemberStatus::Full,
                mode: ManagementMode::Employed,
                phone: None,
                workplace: None,
            }))
            .await;
        assert_eq!(r, None);
        if credits > 0 {
            let r = self
                .run(Op::AwardCredits(Award {
                    id: format!("award-{id}"),
                    member_id: id.into(),
                    amount: credits,
                    reason: "测试：志愿服务补录".into(),
                }))
                .await;
            assert_eq!(r, None);
        }
        account(
            s,
            &format!("login-{id}"),
            Some(id),
            &[(RoleKind::Member, Some("yuehai"))],
        )
        .await
    }

    async fn reward(&mut self, id: &str, cost: i64, stock: u32, merchant: Option<&str>) {
        let r = self
            .run(Op::SaveReward(Reward {
                id: id.into(),
                org_id: "yuehai".into(),
                title: format!("奖品{id}"),
                description: None,
                cost,
                stock,
                redeemed: 0,
                merchant: merchant.map(Into::into),
                merchant_name: None,
                active: true,
            }))
            .await;
        assert_eq!(r, None);
    }
}

fn redeem(id: &str, reward: &str, member: &str) -> Op {
    Op::Redeem(Redeem {
        id: id.into(),
        reward_id: reward.into(),
        member_id: member.into(),
        code: Some("246810".into()),
        at: now(),
        hold_id: None,
        proof: None,
    })
}

fn wallet(d: &BTreeMap<String, Doc>, member: &str) -> i64 {
    match d.get(&Wallet::id_for(member)) {
        Some(Doc::Wallet(w)) => w.balance,
        _ => 0,
    }
}

fn entries(d: &BTreeMap<String, Doc>, member: &str) -> i64 {
    d.values()
        .filter_map(|d| match d {
            Doc::Entry(e) if e.member_id == member => Some(e.amount),
            _ => None,
        })
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_devices_spending_the_whole_balance_at_once_one_wins() {
    for s in common::servers().await {
        let mut sec = Sec::new(&s).await;
        let phone = sec.member(&s, "cr-a", 50).await;
        sec.reward("rw-full", 50, 10, None).await;
        // The same member on two devices (two sign-ins), both offline, both
        // spending everything; delivered at once.
        let other = login(&s.client, "login-cr-a", "pass-1234").await;
        let (a, b) = tokio::join!(
            push(&phone, "dev-a", vec![(1, redeem("x-a", "rw-full", "cr-a"))]),
            push(&other, "dev-b", vec![(1, redeem("x-b", "rw-full", "cr-a"))]),
        );
        let refused: Vec<String> = [rejection(&a, 1), rejection(&b, 1)]
            .into_iter()
            .flatten()
            .collect();
        assert_eq!(refused, ["积分余额不足：可用 0，需要 50"], "{}", s.backend);
        let d = docs(&phone, "dev-a").await;
        assert_eq!(wallet(&d, "cr-a"), 0, "{}", s.backend);
        assert_eq!(entries(&d, "cr-a"), 0, "balance = sum of entries");
        match &d["rw-full"] {
            Doc::Reward(r) => assert_eq!(r.redeemed, 1),
            other => panic!("{other:?}"),
        }

        // Stock: 2 left, 5 devices of members with enough credits at once.
        sec.reward("rw-two", 10, 2, None).await;
        let mut phones = Vec::new();
        for i in 0..5 {
            let id = format!("cr-s{i}");
            phones.push((id.clone(), sec.member(&s, &id, 30).await));
        }
        let mut tasks = Vec::new();
        for (id, c) in &phones {
            let (id, c) = (id.clone(), c.clone());
            tasks.push(tokio::spawn(async move {
                let op = redeem(&format!("x-{id}"), "rw-two", &id);
                push(&c, &format!("dev-{id}"), vec![(1, op)]).await
            }));
        }
        let mut results = Vec::new();
        for t in tasks {
            results.push(t.await.expect("push task"));
        }
        let refused: Vec<Option<String>> = results.iter().map(|r| rejection(r, 1)).collect();
        assert_eq!(
            refused.iter().filter(|r| r.is_none()).count(),
            2,
            "{refused:?}"
        );
        assert!(
            refused.iter().flatten().all(|m| m == "该奖品已兑完"),
            "{refused:?}"
        );
        let d = docs(&sec.c, "sec-credits").await;
        match &d["rw-two"] {
            Doc::Reward(r) => assert_eq!((r.redeemed, r.left()), (2, 0), "{}", s.backend),
            other => panic!("{other:?}"),
        }
        // Each refused member kept every credit; each winner paid once.
        for (id, _) in &phones {
            let paid = d.contains_key(&format!("redeem-x-{id}"));
            assert_eq!(wallet(&d, id), if paid { 20 } else { 30 }, "{id}");
            assert_eq!(wallet(&d, id), entries(&d, id), "{id}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_wish_claimed_by_two_at_once_has_one_winner() {
    for s in common::servers().await {
        let mut sec = Sec::new(&s).await;
        let a = sec.member(&s, "cr-wa", 0).await;
        let b = sec.member(&s, "cr-wb", 0).await;
        let r = sec
            .run(Op::PostWish(NewWish {
                id: "wish-race".into(),
                org_id: "yuehai".into(),
                title: "陪独居老人去医院复诊".into(),
                requester: "王秀梅".into(),
                credits: 20,
            }))
            .await;
        assert_eq!(r, None);
        let claim = || Op::ClaimWish {
            wish_id: "wish-race".into(),
        };
        let (ra, rb) = tokio::join!(
            push(&a, "dev-wa", vec![(1, claim())]),
            push(&b, "dev-wb", vec![(1, claim())]),
        );
        let refused: Vec<String> = [rejection(&ra, 1), rejection(&rb, 1)]
            .into_iter()
            .flatten()
            .collect();
        assert_eq!(refused, ["已被认领"], "{}", s.backend);
        let d = docs(&a, "dev-wa").await;
        let Some(Doc::Wish(w)) = d.get("wish-race") else {
            panic!("the member sees the wish")
        };
        assert_eq!(w.status, WishStatus::Claimed);
        assert_eq!(w.requester, "王*梅", "the full name is never stored");
        let winner = w.claimed_by.clone().expect("claimed");
        let (wc, wdev) = if winner == "cr-wa" {
            (&a, "dev-wa")
        } else {
            (&b, "dev-wb")
        };
        let r = push(
            wc,
            wdev,
            vec![(
                2,
                Op::FulfilWish {
                    wish_id: "wish-race".into(),
                    note: "已陪同".into(),
                },
            )],
        )
        .await;
        assert_eq!(rejection(&r, 2), None);
        let confirm = Op::ConfirmWish {
            wish_id: "wish-race".into(),
        };
        assert_eq!(sec.run(confirm.clone()).await, None);
        assert!(sec.run(confirm).await.is_some(), "earns once");
        let d = docs(wc, wdev).await;
        assert_eq!(wallet(&d, &winner), 20, "{}", s.backend);
    }
}

#[tokio::test]
async fn only_secretaries_award_and_merchants_confirm_their_own_codes() {
    for s in common::servers().await {
        let mut sec = Sec::new(&s).await;
        let phone = sec.member(&s, "cr-m", 60).await;
        // The demo member tries to award credits: to another and to self.
        let member = login(&s.client, "13900000001", "demo1234").await;
        let r = push(
            &member,
            "m-dev",
            vec![
                (
                    1,
                    Op::AwardCredits(Award {
                        id: "self-award".into(),
                        member_id: "m-01".into(),
                        amount: 1000,
                        reason: "我自己".into(),
                    }),
                ),
                (
                    2,
                    Op::AwardCredits(Award {
                        id: "friend-award".into(),
                        member_id: "cr-m".into(),
                        amount: 1000,
                        reason: "朋友".into(),
                    }),
                ),
            ],
        )
        .await;
        for seq in [1, 2] {
            assert_eq!(
                rejection(&r, seq).as_deref(),
                Some("没有权限：只有本组织的书记可以调整积分"),
                "{}",
                s.backend
            );
        }
        let shop_a = account(&s, "shop-a", None, &[(RoleKind::Merchant, Some("yuehai"))]).await;
        let shop_b = account(&s, "shop-b", None, &[(RoleKind::Merchant, Some("yuehai"))]).await;
        sec.reward("rw-cut", 20, 5, Some("acc-shop-a")).await;
        let r = push(
            &phone,
            "dev-m",
            vec![(1, redeem("x-cut", "rw-cut", "cr-m"))],
        )
        .await;
        assert_eq!(rejection(&r, 1), None);
        // The member's copy carries the code; the merchant's only the hash;
        // another merchant sees nothing.
        let mine = docs(&phone, "dev-m").await;
        let Some(Doc::Redemption(x)) = mine.get("x-cut") else {
            panic!("own redemption")
        };
        assert_eq!(x.code.as_deref(), Some("246810"));
        let theirs = docs(&shop_a, "dev-shop-a").await;
        let Some(Doc::Redemption(x)) = theirs.get("x-cut") else {
            panic!("the merchant sees its redemption")
        };
        assert_eq!(
            (x.code.as_deref(), x.status),
            (None, RedemptionStatus::Issued)
        );
        assert!(!theirs.contains_key(&Wallet::id_for("cr-m")), "no wallets");
        assert!(!docs(&shop_b, "dev-shop-b").await.contains_key("x-cut"));
        let confirm = |code: &str| Op::ConfirmRedemption {
            redemption_id: "x-cut".into(),
            code: code.into(),
        };
        let r = push(&shop_b, "dev-shop-b", vec![(1, confirm("246810"))]).await;
        assert_eq!(
            rejection(&r, 1).as_deref(),
            Some("没有权限：只能核销本商户的兑换")
        );
        let r = push(
            &shop_a,
            "dev-shop-a",
            vec![
                (1, confirm("111111")),
                (2, confirm("246810")),
                (3, confirm("246810")),
            ],
        )
        .await;
        assert_eq!(rejection(&r, 1).as_deref(), Some("兑换码不正确"));
        assert_eq!(rejection(&r, 2), None);
        assert_eq!(rejection(&r, 3).as_deref(), Some("兑换码已使用"));
        let mine = docs(&phone, "dev-m").await;
        let Some(Doc::Redemption(x)) = mine.get("x-cut") else {
            panic!("own redemption")
        };
        assert_eq!(x.status, RedemptionStatus::Confirmed, "{}", s.backend);
        assert_eq!(wallet(&mine, "cr-m"), 40);
    }
}

#[tokio::test]
async fn a_station_device_spends_only_the_hold_placed_for_it() {
    for s in common::servers().await {
        let mut sec = Sec::new(&s).await;
        let phone = sec.member(&s, "cr-h", 100).await;
        sec.reward("rw-rice", 30, 10, None).await;
        let hold = |id: &str, device: &str, amount| {
            Op::PlaceHold(PlaceHold {
                id: id.into(),
                device_id: device.into(),
                amount,
                expires_at: now() + 3600,
            })
        };
        let key = Op::RegisterMemberKey {
            public_key: common::phone::public_key(3),
        };
        let r = push(
            &phone,
            "dev-h",
            vec![
                (1, hold("h-a", "acc-kiosk", 60)),
                (2, hold("h-b", "acc-kiosk-2", 60)),
                (3, key),
            ],
        )
        .await;
        assert_eq!(rejection(&r, 1), None);
        assert_eq!(
            rejection(&r, 2).as_deref(),
            Some("积分余额不足：可用 40，需要 60")
        );
        assert_eq!(rejection(&r, 3), None);
        // The station device sees the hold (her name masked), not the
        // wallet or the entries.
        let kiosk = login(&s.client, "kiosk-yuehai", "kiosk1234").await;
        let k = docs(&kiosk, "kiosk-dev").await;
        assert!(matches!(k.get("h-a"), Some(Doc::Hold(h)) if h.member_name == "测****h"));
        assert!(!k.contains_key(&Wallet::id_for("cr-h")));
        assert!(!k.contains_key("award-cr-h"));
        assert!(
            matches!(k.get("mkey-cr-h"), Some(Doc::MemberKey(m)) if m.masked_name == "测****h")
        );
        let by_hold = |id: &str| {
            Op::Redeem(Redeem {
                id: id.into(),
                reward_id: "rw-rice".into(),
                member_id: "cr-h".into(),
                code: None,
                at: now(),
                hold_id: Some("h-a".into()),
                proof: Some(common::phone::proof(3, "cr-h", now(), "s-1")),
            })
        };
        let other = account(&s, "kiosk-2", None, &[(RoleKind::Kiosk, Some("yuehai"))]).await;
        let r = push(&other, "kiosk-2-dev", vec![(1, by_hold("k-x"))]).await;
        assert_eq!(
            rejection(&r, 1).as_deref(),
            Some("没有权限：只能使用为本设备冻结的积分")
        );
        let r = push(
            &kiosk,
            "kiosk-dev",
            vec![
                (1, by_hold("k-1")),
                (2, by_hold("k-2")),
                (3, by_hold("k-3")),
            ],
        )
        .await;
        assert_eq!(rejection(&r, 1), None);
        assert_eq!(rejection(&r, 2), None);
        assert_eq!(
            rejection(&r, 3).as_deref(),
            Some("该设备冻结的积分不足：剩余 0")
        );
        let mine = docs(&phone, "dev-h").await;
        assert_eq!(wallet(&mine, "cr-h"), 40, "{}", s.backend);
        assert!(
            matches!(mine.get("k-1"), Some(Doc::Redemption(x)) if x.status == RedemptionStatus::Confirmed)
        );
    }
}

#[tokio::test]
async fn bad_input_is_refused_whole() {
    for s in common::servers().await {
        let mut sec = Sec::new(&s).await;
        let phone = sec.member(&s, "cr-b", 30).await;
        sec.reward("rw-last", 10, 1, None).await;
        let other = sec.member(&s, "cr-b2", 30).await;
        let r = push(
            &other,
            "dev-b2",
            vec![(1, redeem("x-last", "rw-last", "cr-b2"))],
        )
        .await;
        assert_eq!(rejection(&r, 1), None);
        let before = docs(&sec.c, "sec-credits").await;
        let award = |id: &str, amount| {
            Op::AwardCredits(Award {
                id: id.into(),
                member_id: "cr-b".into(),
                amount,
                reason: "测试".into(),
            })
        };
        for (op, why) in [
            (award("bad-0", 0), "积分数额应在 1 到 100000 之间"),
            (award("bad-big", 100_001), "积分数额应在 1 到 100000 之间"),
            (award("bad-max", i64::MAX), "积分数额应在 1 到 100000 之间"),
            (award("bad-neg", -31), "积分余额不足：可用 30，需要 31"),
            (
                Op::ReverseEntry(Reverse {
                    id: "rev-1".into(),
                    entry_id: "nope".into(),
                    reason: "错".into(),
                }),
                "找不到要冲正的记录",
            ),
        ] {
            assert_eq!(sec.run(op).await.as_deref(), Some(why), "{}", s.backend);
        }
        // A reversal, then a reversal of that reversal.
        let rev = |id: &str, of: &str| {
            Op::ReverseEntry(Reverse {
                id: id.into(),
                entry_id: of.into(),
                reason: "录入错误".into(),
            })
        };
        assert_eq!(sec.run(rev("rev-ok", "award-cr-b")).await, None);
        assert_eq!(
            sec.run(rev("rev-rev", "rev-ok")).await.as_deref(),
            Some("冲正记录不能再冲正")
        );
        let r = push(
            &phone,
            "dev-b",
            vec![(1, redeem("x-out", "rw-last", "cr-b"))],
        )
        .await;
        assert_eq!(rejection(&r, 1).as_deref(), Some("该奖品已兑完"));
        let after = docs(&sec.c, "sec-credits").await;
        let new: Vec<&String> = after.keys().filter(|k| !before.contains_key(*k)).collect();
        assert_eq!(new, ["rev-ok"], "only the valid reversal is new");
        assert_eq!(wallet(&after, "cr-b"), 0);
        assert!(after.values().all(
            |d| !matches!(d, Doc::Entry(e) if e.kind == EntryKind::Redeem && e.member_id == "cr-b")
        ));
    }
}

#[tokio::test]
async fn committee_rules_set_the_rate_and_expire_credits_once_a_year() {
    for s in common::servers().await {
        let committee = login(&s.client, "13900000100", "demo1234").await;
        let rules = CreditRules {
            id: CreditRules::id_for("jinfeng"),
            org_id: "jinfeng".into(),
            rate_per_hour: 30,
            expire_at_year_end: true,
        };
        let mut sec = Sec::new(&s).await;
        assert_eq!(
            sec.run(Op::SetCreditRules(rules.clone())).await.as_deref(),
            Some("没有权限：只有工委可以设置积分规则")
        );
        let r = push(
            &committee,
            "committee-dev",
            vec![(1, Op::SetCreditRules(rules))],
        )
        .await;
        assert_eq!(rejection(&r, 1), None, "{}", s.backend);
        // 周婷 was checked in ~98 minutes ago: her check-out earns at 30/h.
        let out = Op::CheckOut {
            checkin_id: "demo-checkin-m03".into(),
            at: now(),
            code: None,
        };
        assert_eq!(sec.run(out).await, None);
        let d = docs(&sec.c, "sec-credits").await;
        let Some(Doc::Entry(e)) = d.get("earn-demo-checkin-m03") else {
            panic!("earned")
        };
        assert!((49..=50).contains(&e.amount), "{} at 30/h", e.amount);
        // Year-end expiry of last year's credits: everyone's, once.
        let year = zhijian_domain::Month::from_unix(now()).unwrap().year() - 1;
        let run = zhijian_server::expiry::expire_year(&s.db, year, now())
            .await
            .unwrap();
        assert_eq!((run.expired, run.kept), (2, 0), "{}", s.backend);
        let again = zhijian_server::expiry::expire_year(&s.db, year, now())
            .await
            .unwrap();
        assert_eq!((again.expired, again.kept), (0, 2));
        let this = zhijian_server::expiry::expire_year(&s.db, year + 1, now())
            .await
            .unwrap();
        assert_eq!(this.expired, 0, "the current year has not ended");
        let d = docs(&sec.c, "sec-credits").await;
        assert_eq!(wallet(&d, "m-01"), 0);
        assert_eq!(wallet(&d, "m-03"), 0);
        assert_eq!(entries(&d, "m-01"), 0, "balance = sum of entries");
        assert!(
            matches!(d.get(&format!("expire-{year}-m-01")), Some(Doc::Entry(e)) if e.amount == -60)
        );
    }
}

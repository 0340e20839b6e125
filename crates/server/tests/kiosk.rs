//! A station's kiosk acting for a member on her 党员码, through HTTP on
//! SQLite and PostgreSQL: the kiosk receives its members' public keys and
//! no one else's; it checks a member in to its station's activity and
//! redeems from her hold on a code her phone signed; a replayed, expired,
//! forged, foreign or missing code is refused; and with everything a
//! kiosk's token can pull, nothing can be done for a member who did not
//! show a code.

mod common;

use common::{account, docs, login, phone, push, rejection};
use zhijian_domain::credit_ops::{PlaceHold, Redeem};
use zhijian_domain::doc::Doc;
use zhijian_domain::member_code::{KioskAct, KioskDeed, MemberProof, SESSION_SECS};
use zhijian_domain::menu_ops::KioskCheckIn;
use zhijian_domain::sync::PushResponse;
use zhijian_domain::{Op, RoleKind};

/// The demo's activity under way at 悦海 (the kiosk's station).
const UNDER_WAY: &str = "menu-yuehai-this-a0";

fn now() -> i64 {
    zhijian_server::auth::now_secs()
}

fn check_in(id: &str, member: &str, proof: MemberProof) -> Op {
    Op::CheckInAtKiosk(KioskCheckIn {
        id: id.into(),
        activity_id: UNDER_WAY.into(),
        member_id: member.into(),
        at: now(),
        proof,
    })
}

fn register(seed: u8) -> Op {
    Op::RegisterMemberKey {
        public_key: phone::public_key(seed),
    }
}

/// m-09, a member of a baohu org, which the kiosk's station (悦海) does not
/// serve, signed in on a phone whose key (seed 9) is registered.
async fn far_member(s: &common::TestServer) -> zhijian_client::Client {
    let far = account(
        s,
        "m09",
        Some("m-09"),
        &[(RoleKind::Member, Some("baohu-b1"))],
    )
    .await;
    assert_eq!(
        rejection(&push(&far, "m09", vec![(1, register(9))]).await, 1),
        None
    );
    far
}

/// The kiosk signs `member` up for the station's next activity on a proof
/// the server checked online (a card's PIN, a short code): its code, the
/// visit and the grant, if any.
fn granted_sign_up(member: &str, code: &str, id: &str, session: &str, grant: Option<&str>) -> Op {
    Op::ActAtKiosk(KioskAct {
        member_id: member.into(),
        at: now(),
        proof: MemberProof {
            code: code.into(),
            session: session.into(),
            grant: grant.map(Into::into),
        },
        deed: KioskDeed::SignUp {
            signup_id: id.into(),
            activity_id: "menu-yuehai-this-a1".into(),
        },
    })
}

#[tokio::test]
async fn a_kiosk_acts_only_on_a_members_own_fresh_code() {
    for s in common::servers().await {
        let b = s.backend;
        let member = login(&s.client, "13900000001", "demo1234").await;
        let r = push(&member, "m01-phone", vec![(1, register(7))]).await;
        assert_eq!(rejection(&r, 1), None, "{b}");
        // Her fellow member registers too; a baohu member far away as well.
        let fellow = login(&s.client, "13900000003", "demo1234").await;
        assert_eq!(
            rejection(&push(&fellow, "m03", vec![(1, register(8))]).await, 1),
            None
        );
        far_member(&s).await;

        // The kiosk receives its members' keys, not baohu's; members see
        // their own key only.
        let kiosk = login(&s.client, "kiosk-yuehai", "kiosk1234").await;
        let seen = docs(&kiosk, "kiosk-dev").await;
        assert!(
            matches!(seen.get("mkey-m-01"), Some(Doc::MemberKey(k)) if k.masked_name == "马*燕"),
            "{b}"
        );
        assert!(seen.contains_key("mkey-m-03"), "{b}");
        assert!(!seen.contains_key("mkey-m-09"), "{b}");
        let fellow_sees = docs(&fellow, "m03").await;
        assert!(!fellow_sees.contains_key("mkey-m-01"), "{b}");

        // Checked in on her code; the same identification redeems from her hold.
        let hold = Op::PlaceHold(PlaceHold {
            id: "hold-k".into(),
            device_id: "acc-kiosk".into(),
            amount: 50,
            expires_at: now() + 3600,
        });
        assert_eq!(
            rejection(&push(&member, "m01-phone", vec![(2, hold)]).await, 2),
            None
        );
        let session = phone::proof(7, "m-01", now(), "session-1");
        let redeem = |id: &str, proof: Option<MemberProof>| {
            Op::Redeem(Redeem {
                id: id.into(),
                reward_id: "rw-soap".into(),
                member_id: "m-01".into(),
                code: None,
                at: now(),
                hold_id: Some("hold-k".into()),
                proof,
            })
        };
        let r = push(
            &kiosk,
            "kiosk-dev",
            vec![
                (1, check_in("kc-1", "m-01", session.clone())),
                (2, redeem("kr-1", Some(session.clone()))),
                // No code at all.
                (3, redeem("kr-2", None)),
            ],
        )
        .await;
        assert_eq!(rejection(&r, 1), None, "{b}");
        assert_eq!(rejection(&r, 2), None, "{b}");
        assert_eq!(
            rejection(&r, 3).as_deref(),
            Some("没有权限：请先出示党员码"),
            "{b}"
        );
        // The same identification signs her up for the station's next
        // activity and claims one of its 微心愿 for her.
        let act = |deed: KioskDeed| {
            Op::ActAtKiosk(KioskAct {
                member_id: "m-01".into(),
                at: now(),
                proof: session.clone(),
                deed,
            })
        };
        let signup = KioskDeed::SignUp {
            signup_id: "ks-1".into(),
            activity_id: "menu-yuehai-this-a1".into(),
        };
        let claim = KioskDeed::ClaimWish {
            wish_id: "wish-study".into(),
        };
        // And, online, holds her credits for the kiosk: within what is free
        // (60 awarded, 30 spent on the detergent, 20 still held: 10).
        let hold = |id: &str, amount| KioskDeed::PlaceHold {
            hold_id: id.into(),
            amount,
        };
        let r = push(
            &kiosk,
            "kiosk-dev",
            vec![
                (4, act(signup)),
                (5, act(claim)),
                (6, act(hold("kh-big", 30))),
                (7, act(hold("kh-1", 10))),
            ],
        )
        .await;
        assert_eq!(rejection(&r, 4), None, "{b}");
        assert_eq!(rejection(&r, 5), None, "{b}");
        assert_eq!(
            rejection(&r, 6).as_deref(),
            Some("可用积分不够预留这么多，请选少一些，或在手机“积分”页查看"),
            "{b}"
        );
        assert_eq!(rejection(&r, 7), None, "{b}");
        // The kiosk pulls the hold it may now spend, on itself.
        let mine = docs(&kiosk, "kiosk-dev").await;
        assert!(
            matches!(mine.get("kh-1"), Some(Doc::Hold(h)) if h.device_id == "acc-kiosk" && h.amount == 10),
            "{b}"
        );
        let hers = docs(&member, "m01-phone").await;
        assert!(
            matches!(hers.get("kc-1"), Some(Doc::CheckIn(c)) if c.recorded_by == "acc-kiosk"),
            "{b}"
        );
        assert!(hers.contains_key("kr-1"), "{b}");
        assert!(
            matches!(hers.get("ks-1"), Some(Doc::Signup(x)) if x.member_id == "m-01"),
            "{b}"
        );
        assert!(
            matches!(hers.get("wish-study"), Some(Doc::Wish(w)) if w.claimed_by.as_deref() == Some("m-01")),
            "{b}"
        );

        // The same code in a new session (the next person at the screen, a
        // photo of her phone) or at another kiosk is a replay.
        let replay = MemberProof {
            session: "session-2".into(),
            ..session.clone()
        };
        let other_kiosk = account(&s, "kiosk-2", None, &[(RoleKind::Kiosk, Some("yuehai"))]).await;
        let r = push(&kiosk, "kiosk-dev", vec![(8, redeem("kr-3", Some(replay)))]).await;
        assert_eq!(
            rejection(&r, 8).as_deref(),
            Some("该党员码已经使用过，请刷新后重新出示"),
            "{b}"
        );
        let r = push(
            &other_kiosk,
            "k2",
            vec![(
                1,
                check_in("kc-2", "m-03", phone::proof(8, "m-03", now(), "session-1")),
            )],
        )
        .await;
        assert_eq!(
            rejection(&r, 1).as_deref(),
            None,
            "{b}: another kiosk of the station, her own code"
        );
        let r = push(
            &other_kiosk,
            "k2",
            vec![(2, check_in("kc-3", "m-01", session.clone()))],
        )
        .await;
        assert_eq!(
            rejection(&r, 2).as_deref(),
            Some("该党员码已经使用过，请刷新后重新出示"),
            "{b}"
        );

        let refused = |r: &PushResponse, why: &str| {
            assert_eq!(rejection(r, 1).as_deref(), Some(why), "{b}");
        };
        // Expired: signed long before the kiosk's `at`.
        let old = phone::proof(7, "m-01", now() - SESSION_SECS - 120, "session-3");
        refused(
            &push(&kiosk, "refused-1", vec![(1, redeem("kr-4", Some(old)))]).await,
            "党员码已过期，请刷新后重新出示",
        );
        // Signed by another key: her old phone once she registered a new one.
        assert_eq!(
            rejection(&push(&member, "m01-new", vec![(1, register(17))]).await, 1),
            None
        );
        let old_phone = phone::proof(7, "m-01", now() - 90, "session-4");
        refused(
            &push(
                &kiosk,
                "refused-4",
                vec![(1, redeem("kr-5", Some(old_phone)))],
            )
            .await,
            "党员码校验失败，请在本人手机上重新打开党员码",
        );
        // Another org's member with a good code of her own.
        let foreign = phone::proof(9, "m-09", now(), "session-5");
        refused(
            &push(
                &kiosk,
                "refused-5",
                vec![(1, check_in("kc-4", "m-09", foreign))],
            )
            .await,
            "没有权限：该党员不属于本驿站服务的组织",
        );
        // A kiosk of another station, for its own member, at 悦海's activity.
        let baohu = account(&s, "kiosk-baohu", None, &[(RoleKind::Kiosk, Some("baohu"))]).await;
        let far_code = phone::proof(9, "m-09", now(), "session-6");
        refused(
            &push(
                &baohu,
                "refused-2",
                vec![(1, check_in("kc-5", "m-09", far_code))],
            )
            .await,
            "没有权限：该活动不在本驿站举办",
        );
        // A member cannot act as a kiosk for herself.
        let own = phone::proof(17, "m-01", now(), "session-7");
        refused(
            &push(
                &member,
                "refused-3",
                vec![(1, check_in("kc-6", "m-01", own))],
            )
            .await,
            "没有权限：只有驿站终端可以代党员办理",
        );
    }
}

/// With a kiosk's token and everything it pulled, every mutation it could
/// make for a member who showed it nothing is refused: her hold, her
/// check-in, on no code, on another member's code, on a code it made up.
#[tokio::test]
async fn nothing_is_done_for_a_member_who_did_not_show_a_code() {
    for s in common::servers().await {
        let b = s.backend;
        let member = login(&s.client, "13900000001", "demo1234").await;
        let hold = Op::PlaceHold(PlaceHold {
            id: "hold-n".into(),
            device_id: "acc-kiosk".into(),
            amount: 50,
            expires_at: now() + 3600,
        });
        assert_eq!(
            rejection(
                &push(&member, "p", vec![(1, register(7)), (2, hold)]).await,
                2
            ),
            None
        );
        let fellow = login(&s.client, "13900000003", "demo1234").await;
        assert_eq!(
            rejection(&push(&fellow, "f", vec![(1, register(8))]).await, 1),
            None
        );

        let kiosk = login(&s.client, "kiosk-yuehai", "kiosk1234").await;
        let seen = docs(&kiosk, "kiosk-dev").await;
        let Some(Doc::MemberKey(key)) = seen.get("mkey-m-01") else {
            panic!("the kiosk has her key ({b})")
        };
        assert!(seen.contains_key("hold-n"), "{b}");
        // Codes the kiosk could make from what it holds: her public key as
        // a signature, a fellow member's real code, a zero signature.
        let t = now();
        let window = zhijian_domain::member_code::MemberCode::window_at(t);
        let made_up = [
            zhijian_domain::member_code::MemberCode::text(
                "m-01",
                window,
                &key.key_bytes().unwrap_or_default()[1..],
            ),
            zhijian_domain::member_code::MemberCode::text("m-01", window, &[0; 64]),
            phone::code(8, "m-03", t),
            String::new(),
        ];
        let mut ops = Vec::new();
        for (i, code) in made_up.iter().enumerate() {
            let proof = MemberProof {
                code: code.clone(),
                session: format!("s{i}"),
                grant: None,
            };
            ops.push(Op::Redeem(Redeem {
                id: format!("n-r{i}"),
                reward_id: "rw-soap".into(),
                member_id: "m-01".into(),
                code: None,
                at: t,
                hold_id: Some("hold-n".into()),
                proof: Some(proof.clone()),
            }));
            ops.push(check_in(&format!("n-c{i}"), "m-01", proof));
        }
        ops.push(Op::Redeem(Redeem {
            id: "n-bare".into(),
            reward_id: "rw-soap".into(),
            member_id: "m-01".into(),
            code: None,
            at: t,
            hold_id: Some("hold-n".into()),
            proof: None,
        }));
        // Her wallet, not a hold: a kiosk never spends it.
        ops.push(Op::Redeem(Redeem {
            id: "n-wallet".into(),
            reward_id: "rw-soap".into(),
            member_id: "m-01".into(),
            code: Some("123456".into()),
            at: t,
            hold_id: None,
            proof: Some(phone::proof(7, "m-01", t, "s-w")),
        }));
        let n = ops.len() as u64;
        let r = push(&kiosk, "kiosk-dev", (1..=n).zip(ops).collect()).await;
        for seq in 1..=n {
            assert!(
                rejection(&r, seq).is_some(),
                "{b}: mutation {seq} was accepted"
            );
        }
        let hers = docs(&member, "p").await;
        assert!(!hers.keys().any(|k| k.starts_with("n-")), "{b}");
    }
}

/// A printed 党员卡 for a member without a phone: her secretary issues it,
/// the kiosk receives its digest, checks her in on it and does nothing else
/// on it; a forged or revoked card is refused.
#[tokio::test]
async fn a_printed_card_checks_her_in_and_nothing_more() {
    use zhijian_domain::member_card::{CardCode, NewMemberCard, SECRET_BYTES};
    for s in common::servers().await {
        let b = s.backend;
        let card = |number: u32, byte: u8| CardCode {
            member_id: "m-03".into(),
            number,
            secret: vec![byte; SECRET_BYTES],
        };
        let issue = |c: &CardCode| {
            Op::IssueMemberCard(NewMemberCard {
                member_id: c.member_id.clone(),
                number: c.number,
                digest: c.digest(),
            })
        };
        let (first, forged) = (card(1, 1), card(1, 2));
        // Not by the member herself, nor by a fellow member.
        let fellow = login(&s.client, "13900000001", "demo1234").await;
        assert_eq!(
            rejection(&push(&fellow, "m01", vec![(1, issue(&first))]).await, 1).as_deref(),
            Some("没有权限：只有本组织的书记或委员可以制发党员卡"),
            "{b}"
        );
        let secretary = login(&s.client, "13900000002", "demo1234").await;
        let r = push(&secretary, "sec", vec![(1, issue(&first))]).await;
        assert_eq!(rejection(&r, 1), None, "{b}");

        let kiosk = login(&s.client, "kiosk-yuehai", "kiosk1234").await;
        let seen = docs(&kiosk, "kiosk-dev").await;
        assert!(
            matches!(seen.get("mcard-m-03"), Some(Doc::MemberCard(c)) if c.digest == first.digest() && c.masked_name == "周*"),
            "{b}"
        );
        assert!(
            !docs(&fellow, "m01").await.contains_key("mcard-m-03"),
            "{b}"
        );

        let on = |c: &CardCode, session: &str| MemberProof {
            code: c.text(),
            session: session.into(),
            grant: None,
        };
        let sign_up = Op::ActAtKiosk(KioskAct {
            member_id: "m-03".into(),
            at: now(),
            proof: on(&first, "card-1"),
            deed: KioskDeed::SignUp {
                signup_id: "ks-card".into(),
                activity_id: "menu-yuehai-this-a1".into(),
            },
        });
        let r = push(
            &kiosk,
            "kiosk-dev",
            vec![
                (1, check_in("kc-forged", "m-03", on(&forged, "card-0"))),
                (2, check_in("kc-card", "m-03", on(&first, "card-1"))),
                (3, sign_up),
            ],
        )
        .await;
        assert_eq!(rejection(&r, 1).as_deref(), Some("党员卡校验失败"), "{b}");
        assert_eq!(rejection(&r, 2), None, "{b}");
        assert_eq!(
            rejection(&r, 3).as_deref(),
            Some("没有权限：凭党员卡只能签到；其他事项请联网输入卡密码，或出示手机上的党员码"),
            "{b}"
        );
        let mine = docs(&login(&s.client, "13900000003", "demo1234").await, "m03").await;
        assert!(
            matches!(mine.get("kc-card"), Some(Doc::CheckIn(c)) if c.recorded_by == "acc-kiosk"),
            "{b}"
        );

        // Revoked: the card is refused from then on.
        let revoke = Op::RevokeMemberCard {
            member_id: "m-03".into(),
            number: 1,
        };
        assert_eq!(
            rejection(&push(&secretary, "sec", vec![(2, revoke)]).await, 2),
            None
        );
        let r = push(
            &kiosk,
            "kiosk-dev",
            vec![(4, check_in("kc-card-2", "m-03", on(&first, "card-2")))],
        )
        .await;
        assert_eq!(
            rejection(&r, 4).as_deref(),
            Some("该党员卡已作废，请使用新卡或手机上的党员码"),
            "{b}"
        );
    }
}

/// A card with her PIN: her secretary sets the PIN online (not a fellow
/// member, not a guessable one); a kiosk asks the server, which checks the
/// card first and counts wrong PINs per member across kiosks; a right PIN
/// gives a grant for that kiosk's visit only, and the server checks it
/// again on every mutation beyond a check-in.
#[tokio::test]
async fn a_card_with_its_pin_does_more_only_in_the_visit_it_was_typed_for() {
    use zhijian_client::ApiError;
    use zhijian_domain::api::{CardPinAnswer, CardPinSet, CardUnlock, CardUnlockAnswer};
    use zhijian_domain::member_card::{CardCode, NewMemberCard, SECRET_BYTES};
    use zhijian_domain::refusal::Why;
    for s in common::servers().await {
        let b = s.backend;
        let card = |byte: u8| CardCode {
            member_id: "m-03".into(),
            number: 1,
            secret: vec![byte; SECRET_BYTES],
        };
        let (real, forged) = (card(1), card(2));
        let secretary = login(&s.client, "13900000002", "demo1234").await;
        let issue = Op::IssueMemberCard(NewMemberCard {
            member_id: "m-03".into(),
            number: 1,
            digest: real.digest(),
        });
        assert_eq!(
            rejection(&push(&secretary, "sec", vec![(1, issue)]).await, 1),
            None,
            "{b}"
        );
        let set = |pin: &str| CardPinSet {
            member_id: "m-03".into(),
            pin: pin.into(),
        };
        let why = |a: CardPinAnswer| match a {
            CardPinAnswer::Refused { reason, .. } => reason.map(|r| r.key),
            other => panic!("{b}: not refused: {other:?}"),
        };
        let unlock_why = |a: CardUnlockAnswer| match a {
            CardUnlockAnswer::Refused { reason, .. } => reason.map(|r| r.key),
            other => panic!("{b}: not refused: {other:?}"),
        };
        let fellow = login(&s.client, "13900000001", "demo1234").await;
        assert_eq!(
            why(fellow.set_card_pin(&set("204863")).await.unwrap()),
            Some(Why::SecretarySetsCardPin.key().to_owned()),
            "{b}"
        );
        assert_eq!(
            why(secretary.set_card_pin(&set("123456")).await.unwrap()),
            Some(Why::CardPinGuessable.key().to_owned()),
            "{b}"
        );

        let kiosk = login(&s.client, "kiosk-yuehai", "kiosk1234").await;
        let unlock = |c: &CardCode, pin: &str, session: &str| CardUnlock {
            code: c.text(),
            pin: pin.into(),
            session: session.into(),
        };
        assert_eq!(
            kiosk
                .unlock_card(&unlock(&real, "204863", "visit-1"))
                .await
                .unwrap(),
            CardUnlockAnswer::NoPin,
            "{b}"
        );
        assert_eq!(
            secretary.set_card_pin(&set("204863")).await.unwrap(),
            CardPinAnswer::Set,
            "{b}"
        );
        // Only kiosks ask; a forged card is refused before its PIN counts.
        assert!(
            matches!(
                fellow
                    .unlock_card(&unlock(&real, "204863", "visit-1"))
                    .await,
                Err(ApiError::Status { status: 403, .. })
            ),
            "{b}"
        );
        assert_eq!(
            unlock_why(
                kiosk
                    .unlock_card(&unlock(&forged, "000000", "visit-1"))
                    .await
                    .unwrap()
            ),
            Some(Why::MemberCardWrong.key().to_owned()),
            "{b}"
        );
        assert_eq!(
            kiosk
                .unlock_card(&unlock(&real, "204864", "visit-1"))
                .await
                .unwrap(),
            CardUnlockAnswer::WrongPin { tries_left: 4 },
            "{b}"
        );
        let CardUnlockAnswer::Unlocked { grant, expires_at } = kiosk
            .unlock_card(&unlock(&real, "204863", "visit-1"))
            .await
            .unwrap()
        else {
            panic!("{b}: the right PIN");
        };
        assert!(expires_at > now(), "{b}");

        let code = real.text();
        let sign_up = |id: &str, session: &str, grant: Option<&str>| {
            granted_sign_up("m-03", &code, id, session, grant)
        };
        let lapsed = Some("没有权限：卡密码的验证已失效，请重新输入卡密码".to_owned());
        let r = push(
            &kiosk,
            "kiosk-dev",
            vec![
                // Another visit's, or a grant nobody gave.
                (1, sign_up("ks-1", "visit-2", Some(&grant))),
                (
                    2,
                    sign_up("ks-1", "visit-1", Some("00ff00ff00ff00ff00ff00ff00ff00ff")),
                ),
                // The visit it was given for.
                (3, sign_up("ks-1", "visit-1", Some(&grant))),
            ],
        )
        .await;
        assert_eq!(rejection(&r, 1), lapsed, "{b}");
        assert_eq!(rejection(&r, 2), lapsed, "{b}");
        assert_eq!(rejection(&r, 3), None, "{b}");
        let mine = docs(&login(&s.client, "13900000003", "demo1234").await, "m03").await;
        assert!(
            matches!(mine.get("ks-1"), Some(Doc::Signup(x)) if x.member_id == "m-03"),
            "{b}"
        );

        // Wrong PINs count per member whichever kiosk asks: the fifth in a
        // row locks her PIN, the right one included, until it passes.
        for left in [4, 3, 2, 1, 0] {
            assert_eq!(
                kiosk
                    .unlock_card(&unlock(&real, "999990", "visit-3"))
                    .await
                    .unwrap(),
                CardUnlockAnswer::WrongPin { tries_left: left },
                "{b}"
            );
        }
        assert!(
            matches!(
                kiosk.unlock_card(&unlock(&real, "204863", "visit-3")).await,
                Err(ApiError::Status { status: 429, ref body }) if body.retry_after.is_some()
            ),
            "{b}"
        );
        // A new PIN from her secretary starts a clean count.
        assert_eq!(
            secretary.set_card_pin(&set("318205")).await.unwrap(),
            CardPinAnswer::Set
        );
        assert!(
            matches!(
                kiosk
                    .unlock_card(&unlock(&real, "318205", "visit-3"))
                    .await
                    .unwrap(),
                CardUnlockAnswer::Unlocked { .. }
            ),
            "{b}"
        );
    }
}

#[tokio::test]
async fn a_short_code_typed_by_hand_is_hers_once_and_only_with_its_grant() {
    use zhijian_client::ApiError;
    use zhijian_domain::api::{ShortCodeAnswer, ShortCodeCheck, ShortSecretAnswer, ShortSecretSet};
    use zhijian_domain::member_code::MemberCode;
    use zhijian_domain::refusal::Why;
    use zhijian_domain::short_code::{SECRET_BYTES, ShortCode, encode_secret};
    for s in common::servers().await {
        let b = s.backend;
        let (hers, his) = ([5; SECRET_BYTES], [6; SECRET_BYTES]);
        let give = |seed: u8, secret: &[u8]| ShortSecretSet {
            public_key: phone::public_key(seed),
            secret: encode_secret(secret),
        };
        let member = login(&s.client, "13900000001", "demo1234").await;
        assert_eq!(
            rejection(&push(&member, "m01-phone", vec![(1, register(7))]).await, 1),
            None,
            "{b}"
        );
        assert!(
            matches!(
                member.set_short_secret(&give(7, &[1; 16])).await.unwrap(),
                ShortSecretAnswer::Refused { reason: Some(r), .. }
                    if r.key == Why::ShortCodeSecretFormat.key()
            ),
            "{b}"
        );
        assert_eq!(
            member.set_short_secret(&give(7, &hers)).await.unwrap(),
            ShortSecretAnswer::Saved,
            "{b}"
        );
        // A member of an org the kiosk's station does not serve.
        let far = far_member(&s).await;
        assert_eq!(
            far.set_short_secret(&give(9, &his)).await.unwrap(),
            ShortSecretAnswer::Saved
        );

        let kiosk = login(&s.client, "kiosk-yuehai", "kiosk1234").await;
        let window = MemberCode::window_at(now());
        let typed = |secret: &[u8], w: i64, session: &str| ShortCodeCheck {
            code: ShortCode::of(secret, w).text(),
            session: session.into(),
        };
        let why = |a: ShortCodeAnswer| match a {
            ShortCodeAnswer::Refused { reason, .. } => reason.map(|r| r.key),
            other => panic!("{b}: not refused: {other:?}"),
        };
        // Only kiosks ask, about ten digits.
        assert!(
            matches!(
                member
                    .check_short_code(&typed(&hers, window, "visit-1"))
                    .await,
                Err(ApiError::Status { status: 403, .. })
            ),
            "{b}"
        );
        let junk = ShortCodeCheck {
            code: "12345".into(),
            session: "visit-1".into(),
        };
        assert!(
            matches!(
                kiosk.check_short_code(&junk).await,
                Err(ApiError::Status { status: 400, .. })
            ),
            "{b}"
        );
        let mut off = ShortCode::of(&hers, window);
        off.password = format!(
            "{:06}",
            (off.password.parse::<u32>().unwrap() + 1) % 1_000_000
        );
        let mistyped = ShortCodeCheck {
            code: off.text(),
            session: "visit-1".into(),
        };
        assert_eq!(
            kiosk.check_short_code(&mistyped).await.unwrap(),
            ShortCodeAnswer::WrongCode { tries_left: 4 },
            "{b}"
        );
        assert_eq!(
            why(kiosk
                .check_short_code(&typed(&his, window, "visit-1"))
                .await
                .unwrap()),
            Some(Why::MemberNotAtStation.key().to_owned()),
            "{b}"
        );
        let ShortCodeAnswer::Identified {
            member_id,
            proof_code,
            grant,
            expires_at,
        } = kiosk
            .check_short_code(&typed(&hers, window, "visit-1"))
            .await
            .unwrap()
        else {
            panic!("{b}: her code");
        };
        assert_eq!(member_id, "m-01", "{b}");
        assert!(expires_at > now(), "{b}");
        // The same code again, at any visit: once is all.
        assert_eq!(
            why(kiosk
                .check_short_code(&typed(&hers, window, "visit-2"))
                .await
                .unwrap()),
            Some(Why::MemberCodeReplayed.key().to_owned()),
            "{b}"
        );

        let sign_up = |id: &str, session: &str, grant: Option<&str>| {
            granted_sign_up("m-01", &proof_code, id, session, grant)
        };
        let lapsed = Some("没有权限：手输短码的核对已失效，请重新出示党员码".to_owned());
        let r = push(
            &kiosk,
            "kiosk-dev",
            vec![
                // Without the grant, another visit's, the visit's own.
                (1, sign_up("ks-s1", "visit-1", None)),
                (2, sign_up("ks-s1", "visit-2", Some(&grant))),
                (3, sign_up("ks-s1", "visit-1", Some(&grant))),
            ],
        )
        .await;
        assert_eq!(rejection(&r, 1), lapsed, "{b}");
        assert_eq!(rejection(&r, 2), lapsed, "{b}");
        assert_eq!(rejection(&r, 3), None, "{b}");
        let mine = docs(&member, "m01-phone").await;
        assert!(
            matches!(mine.get("ks-s1"), Some(Doc::Signup(x)) if x.member_id == "m-01"),
            "{b}"
        );

        // Her new phone's key retires the old phone's short codes.
        assert_eq!(
            rejection(
                &push(&member, "m01-new-phone", vec![(1, register(8))]).await,
                1
            ),
            None,
            "{b}"
        );
        assert_eq!(
            kiosk
                .check_short_code(&typed(&hers, window - 1, "visit-3"))
                .await
                .unwrap(),
            // (her right code cleared the kiosk's count)
            ShortCodeAnswer::WrongCode { tries_left: 4 },
            "{b}"
        );
    }
}

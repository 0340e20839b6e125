//! Property test of volunteer credits through the sync protocol: a secretary
//! awards and reverses, members redeem and place holds on two phones, a
//! station device spends from holds; every device works offline and its
//! pushes arrive late, out of order and twice. After every delivery the
//! server's balance equals the sum of accepted entries and is never below
//! zero, stock is never oversold; at the end every refused redemption is in
//! the refusals of the device that made it, with a reason.
//!
//! The devices are the real `Replica`; the server is a model of the real
//! one's rules (skip seen seqs, 409 on a gap) driving the real `apply`, with
//! pulls redacted by the real `view_of_doc`.

use std::collections::{BTreeMap, HashMap};

mod common;

use common::Rng;

use proptest::prelude::*;
use zhijian_domain::auth::{Actor, RoleKind, ScopedRole};
use zhijian_domain::credit_ops::{Award, PlaceHold, Redeem, Reverse};
use zhijian_domain::credits::Reward;
use zhijian_domain::doc::Doc;
use zhijian_domain::ledger::Wallet;
use zhijian_domain::member_code::{MemberCode, MemberKey, MemberProof};
use zhijian_domain::mutation::{Op, apply};
use zhijian_domain::replica::{Records, Replica, Verifier};
use zhijian_domain::sync::{Change, Mutation, MutationResult, Outcome, PullResponse, PushResponse};
use zhijian_domain::{ManagementMode, Member, MemberStatus, Org, OrgKind, View};

const NOW: i64 = 1_795_312_800;

#[derive(Default)]
struct Server {
    records: Records,
    version: u64,
    last_seq: HashMap<usize, u64>,
    results: HashMap<usize, Vec<MutationResult>>,
}

impl Server {
    fn push(
        &mut self,
        client: usize,
        actor: &Actor,
        batch: &[Mutation],
    ) -> Result<PushResponse, TestCaseError> {
        let mut results = Vec::new();
        for m in batch {
            let last = *self.last_seq.get(&client).unwrap_or(&0);
            if m.seq <= last {
                continue; // a duplicate delivery: skipped, never applied again
            }
            if m.seq != last + 1 {
                break; // a gap (409): the device resends from the expected seq
            }
            let outcome = match apply(actor, &m.op, &self.records, NOW) {
                Ok(writes) => {
                    self.version += 1;
                    for w in writes {
                        self.records.write(w);
                    }
                    Outcome::Ok
                }
                Err(r) => Outcome::Rejected {
                    code: r.code().into(),
                    message: r.to_string(),
                    reason: Some(r.reason()),
                },
            };
            self.check()?;
            let result = MutationResult {
                seq: m.seq,
                name: m.op.name().into(),
                outcome,
            };
            self.results.entry(client).or_default().push(result.clone());
            self.last_seq.insert(client, m.seq);
            results.push(result);
        }
        Ok(PushResponse {
            last_seq: *self.last_seq.get(&client).unwrap_or(&0),
            results,
        })
    }

    /// The invariants, after every delivery.
    fn check(&self) -> Result<(), TestCaseError> {
        for m in self.records.members.keys() {
            let sum: i64 = self
                .records
                .entries()
                .values()
                .filter(|e| e.member_id == *m)
                .map(|e| e.amount)
                .sum();
            let balance = self
                .records
                .wallets()
                .get(&Wallet::id_for(m))
                .map_or(0, |w| w.balance);
            prop_assert_eq!(
                balance,
                sum,
                "balance of {} = sum of its accepted entries",
                m
            );
            prop_assert!(balance >= 0, "balance of {} below zero", m);
        }
        for h in self.records.holds().values() {
            prop_assert!(h.used <= h.amount, "hold {} overspent", h.id);
        }
        for r in self.records.rewards().values() {
            prop_assert!(r.redeemed <= r.stock, "{} oversold", r.id);
        }
        Ok(())
    }

    /// Everything `actor` may see (a full pull; upserts are idempotent).
    fn pull(&self, client: usize, actor: &Actor, results_after: u64) -> PullResponse {
        let v = self.version;
        let mut changes: Vec<Change> = self
            .records
            .orgs
            .values()
            .map(|o| Change::Org {
                version: v,
                org: o.clone(),
            })
            .collect();
        for m in self.records.members.values() {
            if let Some(org) = self.records.org(&m.org_id)
                && let Some(member) = actor.view_of(m, &org)
            {
                changes.push(Change::Member { version: v, member });
            }
        }
        let docs = self
            .records
            .entries()
            .values()
            .cloned()
            .map(Doc::Entry)
            .chain(self.records.wallets().values().cloned().map(Doc::Wallet))
            .chain(self.records.holds().values().cloned().map(Doc::Hold))
            .chain(self.records.rewards().values().cloned().map(Doc::Reward))
            .chain(
                self.records
                    .redemptions()
                    .values()
                    .cloned()
                    .map(Doc::Redemption),
            );
        for d in docs {
            let Some(org) = self.records.org(d.org_id()) else {
                continue;
            };
            let paths: Vec<String> = d
                .audience()
                .iter()
                .filter_map(|id| self.records.org(id).map(|o| o.path))
                .collect();
            let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
            if let Some(doc) = actor.view_of_doc(&d, &org, &paths) {
                changes.push(Change::Doc { version: v, doc });
            }
        }
        common::pull_response(
            changes,
            v,
            false,
            *self.last_seq.get(&client).unwrap_or(&0),
            self.results.get(&client),
            results_after,
        )
    }
}

fn seeded() -> Server {
    let mut s = Server::default();
    // The server judges check-in codes; devices leave that to it. Member
    // codes' signatures are member_code's tests: here every one is good.
    s.records.holds_secrets = true;
    s.records.verifier = Some(Verifier(|_, _, _| true));
    for (id, parent, path, kind) in [
        ("c", None, "/c/", OrgKind::Committee),
        ("b1", Some("c"), "/c/b1/", OrgKind::Branch),
    ] {
        s.records.orgs.insert(
            id.into(),
            Org {
                id: id.into(),
                parent_id: parent.map(Into::into),
                name: id.into(),
                kind,
                joint: true,
                area: None,
                place: None,
                path: path.into(),
            },
        );
    }
    for id in ["m1", "m2"] {
        s.records.members.insert(
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
        s.records.put_doc(Doc::MemberKey(MemberKey {
            id: MemberKey::id_for(id),
            member_id: id.into(),
            org_id: "b1".into(),
            masked_name: id.into(),
            // A point's length; the verifier here takes any.
            public_key: base64::Engine::encode(
                &base64::engine::general_purpose::URL_SAFE_NO_PAD,
                [4u8; 65],
            ),
            at: NOW,
        }));
    }
    for (id, cost, stock) in [("rw-a", 10, 6), ("rw-b", 25, 3)] {
        s.records.put_doc(Doc::Reward(Reward {
            id: id.into(),
            org_id: "b1".into(),
            title: id.into(),
            description: None,
            cost,
            stock,
            redeemed: 0,
            merchant: None,
            merchant_name: None,
            active: true,
        }));
    }
    s
}

fn actor(account: &str, member: Option<&str>, kind: RoleKind) -> Actor {
    Actor {
        account_id: account.into(),
        member_id: member.map(Into::into),
        member_org_path: member.map(|_| "/c/b1/".into()),
        roles: vec![ScopedRole {
            kind,
            org_path: Some("/c/b1/".into()),
        }],
    }
}

/// A random change the device's user might make, from what it sees.
fn random_op(rng: &mut Rng, who: usize, actor: &Actor, view: &Records, n: &mut u32) -> Option<Op> {
    *n += 1;
    let id = format!("x{n}");
    let pick = |rng: &mut Rng, len: usize| rng.below(len);
    match who {
        // The secretary: awards (some invalid), deductions, reversals.
        0 => {
            if rng.chance(25) && !view.entries().is_empty() {
                let e = view
                    .entries()
                    .values()
                    .nth(pick(rng, view.entries().len()))?;
                return Some(Op::ReverseEntry(Reverse {
                    id,
                    entry_id: e.id.clone(),
                    reason: "更正".into(),
                }));
            }
            let amount = match rng.below(10) {
                0 => 0,
                1 => -(1 + rng.below(39) as i64),
                _ => 1 + rng.below(59) as i64,
            };
            Some(Op::AwardCredits(Award {
                id,
                member_id: if rng.chance(50) { "m1" } else { "m2" }.into(),
                amount,
                reason: "服务".into(),
            }))
        }
        // The station device: spends from a hold placed for it.
        4 => {
            let mine: Vec<_> = view
                .holds()
                .values()
                .filter(|h| h.device_id == actor.account_id)
                .collect();
            let h = mine.get(pick(rng, mine.len()))?;
            Some(Op::Redeem(Redeem {
                id,
                reward_id: "rw-a".into(),
                member_id: h.member_id.clone(),
                code: None,
                at: NOW,
                hold_id: Some(h.id.clone()),
                // The member at the kiosk, one identification all along.
                proof: Some(MemberProof {
                    code: MemberCode::text(&h.member_id, MemberCode::window_at(NOW), &[1; 64]),
                    session: "s".into(),
                    grant: None,
                }),
            }))
        }
        // Members: redeem, or reserve credits for the station device.
        _ => {
            let me = actor.member_id.clone()?;
            if rng.chance(30) {
                return Some(Op::PlaceHold(PlaceHold {
                    id,
                    device_id: "kiosk".into(),
                    amount: 5 + rng.below(35) as i64,
                    expires_at: NOW + 3600,
                }));
            }
            Some(Op::Redeem(Redeem {
                id,
                reward_id: if rng.chance(60) { "rw-a" } else { "rw-b" }.into(),
                member_id: me,
                code: Some("123456".into()),
                at: NOW,
                hold_id: None,
                proof: None,
            }))
        }
    }
}

fn sync(server: &mut Server, c: usize, r: &mut Replica, batch: usize) -> Result<(), TestCaseError> {
    // As the app does: results are asked for from before this cycle's pushes,
    // whose responses may carry none (a batch delivered earlier is skipped).
    let results_after = r.last_seq;
    for _ in 0..50 {
        let out: Vec<Mutation> = r.pending(batch).to_vec();
        if out.is_empty() {
            break;
        }
        let resp = server.push(c, &r.actor, &out)?;
        r.apply_push(&resp);
    }
    let resp = server.pull(c, &r.actor, results_after);
    r.apply_pull(&resp);
    Ok(())
}

fn run(rng: &mut Rng, steps: usize) -> Result<(), TestCaseError> {
    let mut server = seeded();
    let actors = [
        actor("sec", Some("m9"), RoleKind::Secretary),
        actor("phone-1a", Some("m1"), RoleKind::Member),
        actor("phone-1b", Some("m1"), RoleKind::Member),
        actor("phone-2", Some("m2"), RoleKind::Member),
        actor("kiosk", None, RoleKind::Kiosk),
    ];
    let mut devices: Vec<Replica> = actors.iter().cloned().map(Replica::new).collect();
    let mut late: Vec<(usize, Vec<Mutation>)> = Vec::new();
    let mut n = 0;
    for (c, r) in devices.iter_mut().enumerate() {
        sync(&mut server, c, r, 4)?;
    }
    for _ in 0..steps {
        let c = rng.below(devices.len());
        match rng.below(10) {
            // Offline changes (refused locally when the device already knows
            // they cannot work: that is the member seeing it at once).
            0..=4 => {
                if let Some(op) = random_op(rng, c, &actors[c], devices[c].view(), &mut n) {
                    let _ = devices[c].mutate(op, NOW, String::new());
                }
            }
            // A batch leaves and arrives later (perhaps twice).
            5 | 6 => {
                let batch = devices[c].pending(3).to_vec();
                if !batch.is_empty() {
                    late.push((c, batch));
                }
            }
            7 if !late.is_empty() => {
                let (who, batch) = late.swap_remove(rng.below(late.len()));
                if rng.chance(30) {
                    late.push((who, batch.clone()));
                }
                let _ = server.push(who, &actors[who], &batch)?;
            }
            _ => sync(&mut server, c, &mut devices[c], 1 + rng.below(3))?,
        }
    }
    for (who, batch) in late.drain(..) {
        let _ = server.push(who, &actors[who], &batch)?;
    }
    for _ in 0..2 {
        for (c, r) in devices.iter_mut().enumerate() {
            sync(&mut server, c, r, 4)?;
        }
    }
    for (c, r) in devices.iter().enumerate() {
        prop_assert!(r.outbox.is_empty(), "device {} still has pending", c);
        // Every refused redemption is among the device's refusals, with its
        // reason.
        let refused: BTreeMap<u64, String> = server
            .results
            .get(&c)
            .into_iter()
            .flatten()
            .filter_map(|x| match &x.outcome {
                Outcome::Rejected { message, .. } => Some((x.seq, message.clone())),
                Outcome::Ok => None,
            })
            .collect();
        let seen: BTreeMap<u64, String> = r
            .rejected
            .iter()
            .filter_map(|x| match &x.outcome {
                Outcome::Rejected { message, .. } => Some((x.seq, message.clone())),
                Outcome::Ok => None,
            })
            .collect();
        prop_assert_eq!(&seen, &refused, "device {} sees every refusal", c);
        prop_assert!(seen.values().all(|m| !m.is_empty()));
        // The member's own view agrees with the server's balance.
        if let Some(me) = &actors[c].member_id
            && let Some(w) = server.records.wallets().get(&Wallet::id_for(me))
            && actors[c].roles[0].kind == RoleKind::Member
        {
            prop_assert_eq!(
                r.view().wallets().get(&w.id).map(|x| x.balance),
                Some(w.balance)
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn credits_stay_whole_across_offline_devices(steps in 20usize..200, seed in any::<u64>()) {
        run(&mut Rng(seed | 1), steps)?;
    }
}

/// The app decodes some kinds of document after the rest of their pull
/// (src/sync/docs.rs); a queued redemption of a reward that arrives that
/// way shows once it does, and not before.
#[test]
fn documents_added_late_replay_the_queue_against_them() {
    let mut server = seeded();
    let secretary = actor("sec", None, RoleKind::Secretary);
    let award = Op::AwardCredits(Award {
        id: "a1".into(),
        member_id: "m1".into(),
        amount: 30,
        reason: "服务".into(),
    });
    for w in apply(&secretary, &award, &server.records, NOW).expect("award") {
        server.records.write(w);
    }
    let rewards: Vec<Doc> = server
        .records
        .docs
        .values()
        .filter(|d| matches!(d, Doc::Reward(_)))
        .cloned()
        .collect();
    let mut base = server.records.clone();
    base.holds_secrets = false;
    base.retain_docs(|d| !matches!(d, Doc::Reward(_)));
    let redeem = Mutation {
        seq: 1,
        id: "q1".into(),
        op: Op::Redeem(Redeem {
            id: "rd1".into(),
            reward_id: "rw-a".into(),
            member_id: "m1".into(),
            code: Some("123456".into()),
            at: NOW,
            hold_id: None,
            proof: None,
        }),
    };
    let me = actor("acc-m1", Some("m1"), RoleKind::Member);
    let mut r = Replica::from_parts(me, base, vec![redeem], 0, 0, Vec::new());
    r.set_now(NOW);
    let balance = |r: &Replica| {
        r.view()
            .wallets()
            .get(&Wallet::id_for("m1"))
            .map(|w| w.balance)
    };
    assert_eq!(
        balance(&r),
        Some(30),
        "the reward is unknown: nothing spent yet"
    );
    r.add_docs(rewards);
    assert_eq!(balance(&r), Some(20), "the queued redemption now shows");
    assert_eq!(r.view().rewards()["rw-a"].redeemed, 1);
    assert_eq!(r.outbox.len(), 1, "and it is still queued");
}

//! Property test of the sync protocol: several clients mutate at random while
//! going on- and offline; pushes are lost, duplicated, delayed and truncated;
//! pulls are paged. At quiescence every client must equal what the server
//! lets it see, and every mutation must have been processed exactly once.
//!
//! The clients are the real `Replica`; the server is a model of the real
//! server's rules (skip seen seqs, 409 on a gap, one version per write,
//! scoped pulls) driving the real `apply`.

use std::collections::{BTreeMap, HashMap};

use proptest::prelude::*;
use zhijian_domain::auth::{Actor, RoleKind, ScopedRole};
use zhijian_domain::mutation::{NewMember, Op, apply};
use zhijian_domain::replica::{Records, Replica};
use zhijian_domain::sync::{Change, Mutation, MutationResult, Outcome, PullResponse, PushResponse};
use zhijian_domain::{
    ManagementMode, Member, MemberPatch, MemberStatus, Org, OrgKind, ProfilePatch, View,
};

mod common;

use common::Rng;

#[derive(Default)]
struct Server {
    records: Records,
    versions: BTreeMap<(u8, String), u64>,
    version: u64,
    last_seq: HashMap<usize, u64>,
    results: HashMap<usize, Vec<MutationResult>>,
    processed: HashMap<usize, Vec<u64>>,
}

impl Server {
    fn push(
        &mut self,
        client: usize,
        actor: &Actor,
        batch: &[Mutation],
    ) -> Result<PushResponse, u64> {
        let mut results = Vec::new();
        for m in batch {
            let last = *self.last_seq.get(&client).unwrap_or(&0);
            if m.seq <= last {
                continue;
            }
            if m.seq != last + 1 {
                return Err(last + 1);
            }
            let outcome = match apply(actor, &m.op, &self.records, 0) {
                Ok(writes) => {
                    self.version += 1;
                    for w in writes {
                        let key = match &w {
                            zhijian_domain::Write::Org(o) => (0, o.id.clone()),
                            zhijian_domain::Write::Member(x) => (1, x.id.clone()),
                            // This model generates directory mutations only.
                            zhijian_domain::Write::Doc(d) => (2, d.id().to_owned()),
                        };
                        self.versions.insert(key, self.version);
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
            let result = MutationResult {
                seq: m.seq,
                name: m.op.name().into(),
                outcome,
            };
            self.results.entry(client).or_default().push(result.clone());
            self.processed.entry(client).or_default().push(m.seq);
            self.last_seq.insert(client, m.seq);
            results.push(result);
        }
        Ok(PushResponse {
            last_seq: *self.last_seq.get(&client).unwrap_or(&0),
            results,
        })
    }

    /// What `actor` may see, as the real server's scoped pull computes it.
    fn visible(&self, actor: &Actor) -> Records {
        let mut r = Records {
            orgs: self.records.orgs.clone(),
            members: BTreeMap::new(),
            ..Records::default()
        };
        for m in self.records.members.values() {
            if let Some(org) = self.records.org(&m.org_id)
                && let Some(v) = actor.view_of(m, &org)
            {
                r.members.insert(v.id.clone(), v);
            }
        }
        r
    }

    fn pull(
        &self,
        client: usize,
        actor: &Actor,
        cursor: u64,
        results_after: u64,
        page: usize,
    ) -> PullResponse {
        let visible = self.visible(actor);
        let mut changes: Vec<Change> = self
            .versions
            .iter()
            .filter(|(_, v)| **v > cursor)
            .filter_map(|((kind, id), v)| match kind {
                0 => visible.orgs.get(id).map(|o| Change::Org {
                    version: *v,
                    org: o.clone(),
                }),
                _ => visible.members.get(id).map(|m| Change::Member {
                    version: *v,
                    member: m.clone(),
                }),
            })
            .collect();
        changes.sort_by_key(Change::version);
        let has_more = changes.len() > page;
        changes.truncate(page);
        let new_cursor = if has_more {
            changes.last().map_or(cursor, Change::version)
        } else {
            self.version
        };
        common::pull_response(
            changes,
            new_cursor,
            has_more,
            *self.last_seq.get(&client).unwrap_or(&0),
            self.results.get(&client),
            results_after,
        )
    }
}

fn org(id: &str, parent: Option<&str>, path: &str, kind: OrgKind) -> Org {
    Org {
        id: id.into(),
        parent_id: parent.map(Into::into),
        name: id.into(),
        kind,
        joint: false,
        area: None,
        place: None,
        path: path.into(),
    }
}

fn member(id: &str, org_id: &str) -> Member {
    Member {
        id: id.into(),
        org_id: org_id.into(),
        name: id.into(),
        status: MemberStatus::Full,
        mode: ManagementMode::Employed,
        phone: None,
        workplace: None,
    }
}

fn actor(member: Option<(&str, &str)>, role: RoleKind, path: &str) -> Actor {
    Actor {
        account_id: format!("{role:?}{path}"),
        member_id: member.map(|(m, _)| m.into()),
        member_org_path: member.map(|(_, p)| p.into()),
        roles: vec![ScopedRole {
            kind: role,
            org_path: Some(path.into()),
        }],
    }
}

fn seeded_server() -> Server {
    let mut s = Server::default();
    // The server judges check-in codes; devices leave that to it.
    s.records.holds_secrets = true;
    for o in [
        org("c", None, "/c/", OrgKind::Committee),
        org("b1", Some("c"), "/c/b1/", OrgKind::Branch),
        org("b2", Some("c"), "/c/b2/", OrgKind::Branch),
    ] {
        s.version += 1;
        s.versions.insert((0, o.id.clone()), s.version);
        s.records.orgs.insert(o.id.clone(), o);
    }
    for (id, o) in [("m1", "b1"), ("m2", "b1"), ("m3", "b2")] {
        s.version += 1;
        s.versions.insert((1, id.into()), s.version);
        s.records.members.insert(id.into(), member(id, o));
    }
    s
}

fn random_op(rng: &mut Rng, client: usize, view: &Records, counter: &mut u32) -> Option<Op> {
    let members: Vec<&Member> = view.members.values().collect();
    let phone = format!("139{:08}", rng.below(100_000_000));
    match client {
        // Committee staff: rename orgs, occasionally with an invalid name.
        0 => {
            let ids = ["c", "b1", "b2"];
            let name = if rng.chance(15) {
                String::new()
            } else {
                format!("支部{}", rng.below(1000))
            };
            Some(Op::RenameOrg {
                org_id: ids[rng.below(3)].into(),
                name,
            })
        }
        // The secretary of b1: edit or add members of b1.
        1 => {
            if rng.chance(30) {
                *counter += 1;
                Some(Op::AddMember(NewMember {
                    id: format!("n{}", counter),
                    org_id: "b1".into(),
                    name: format!("新党员{counter}"),
                    status: MemberStatus::Probationary,
                    mode: ManagementMode::Mobile,
                    phone: None,
                    workplace: None,
                }))
            } else {
                let m = members.get(rng.below(members.len().max(1)))?;
                Some(Op::UpdateMember {
                    member_id: m.id.clone(),
                    patch: MemberPatch {
                        phone: Some(Some(phone)),
                        workplace: Some(Some(format!("单位{}", rng.below(50)))),
                        ..Default::default()
                    },
                })
            }
        }
        // Members editing their own profile (clients 2 and 4 are two devices of m1).
        _ => Some(Op::UpdateProfile(ProfilePatch {
            phone: Some(Some(phone)),
            workplace: Some(None),
        })),
    }
}

fn sync(
    rng: &mut Rng,
    server: &mut Server,
    client: usize,
    r: &mut Replica,
    in_flight: &mut Vec<(usize, Vec<Mutation>)>,
    unreliable: bool,
) {
    for _ in 0..20 {
        let mut batch: Vec<Mutation> = r.pending(4).to_vec();
        if batch.is_empty() {
            break;
        }
        if unreliable && rng.chance(15) {
            in_flight.push((client, batch.clone())); // delivered late, maybe twice
        }
        if unreliable && rng.chance(10) && batch.len() > 1 {
            batch.remove(0); // truncated in transit: the server sees a gap
        }
        match server.push(client, &r.actor, &batch) {
            Ok(resp) if unreliable && rng.chance(20) => drop(resp), // response lost
            Ok(resp) => r.apply_push(&resp),
            Err(_expected) => {} // 409: the outbox still starts at the expected seq
        }
    }
    loop {
        let after = r.last_seq;
        let resp = server.pull(client, &r.actor, r.cursor, after, 3);
        r.apply_pull(&resp);
        if !resp.has_more {
            break;
        }
    }
}

fn run(seed: u64, steps: usize) -> Result<(), TestCaseError> {
    let mut rng = Rng(seed | 1);
    let mut server = seeded_server();
    let actors = [
        actor(None, RoleKind::Committee, "/c/"),
        actor(None, RoleKind::Secretary, "/c/b1/"),
        actor(Some(("m1", "/c/b1/")), RoleKind::Member, "/c/b1/"),
        actor(Some(("m3", "/c/b2/")), RoleKind::Member, "/c/b2/"),
        actor(Some(("m1", "/c/b1/")), RoleKind::Member, "/c/b1/"),
    ];
    let mut clients: Vec<Replica> = actors.iter().cloned().map(Replica::new).collect();
    let mut online = vec![true; clients.len()];
    let mut queued = vec![0u64; clients.len()];
    let mut in_flight: Vec<(usize, Vec<Mutation>)> = Vec::new();
    let mut counter = 0;
    for (c, r) in clients.iter_mut().enumerate() {
        sync(&mut rng, &mut server, c, r, &mut in_flight, false);
    }
    for _ in 0..steps {
        let c = rng.below(clients.len());
        match rng.below(10) {
            0..=4 => {
                if let Some(op) = random_op(&mut rng, c, clients[c].view(), &mut counter)
                    && clients[c].mutate(op, 0, String::new()).is_ok()
                {
                    queued[c] += 1;
                }
            }
            5 => online[c] = !online[c],
            6 if !in_flight.is_empty() => {
                // A stale batch arrives late (possibly again): only skips.
                let (who, batch) = in_flight.remove(rng.below(in_flight.len()));
                let _ = server.push(who, &actors[who], &batch);
            }
            _ if online[c] => sync(
                &mut rng,
                &mut server,
                c,
                &mut clients[c],
                &mut in_flight,
                true,
            ),
            _ => {}
        }
    }
    // Quiescence: stale deliveries drain, everyone comes online and syncs twice
    // (the second round carries results of mutations others made meanwhile).
    for (who, batch) in in_flight.drain(..) {
        let _ = server.push(who, &actors[who], &batch);
    }
    for _ in 0..2 {
        for (c, r) in clients.iter_mut().enumerate() {
            sync(&mut rng, &mut server, c, r, &mut Vec::new(), false);
        }
    }
    for (c, r) in clients.iter().enumerate() {
        prop_assert!(
            r.outbox.is_empty(),
            "client {c} still has {} pending",
            r.outbox.len()
        );
        prop_assert_eq!(
            r.view(),
            &server.visible(&actors[c]),
            "client {} diverged",
            c
        );
        let processed = server.processed.get(&c).cloned().unwrap_or_default();
        let expected: Vec<u64> = (1..=queued[c]).collect();
        prop_assert_eq!(
            processed,
            expected,
            "client {}: each mutation exactly once, in order",
            c
        );
        let rejected = server.results.get(&c).map_or(0, |rs| {
            rs.iter()
                .filter(|x| matches!(x.outcome, Outcome::Rejected { .. }))
                .count()
        });
        prop_assert_eq!(
            r.rejected.len(),
            rejected,
            "client {} sees every rejection",
            c
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]
    #[test]
    fn clients_converge_with_the_server(seed in any::<u64>(), steps in 10usize..250) {
        run(seed, steps)?;
    }
}

#[test]
fn rejections_reach_the_client_that_made_them() {
    let mut server = seeded_server();
    let committee = actor(None, RoleKind::Committee, "/c/");
    let mut r = Replica::new(committee.clone());
    let mut rng = Rng(7);
    sync(&mut rng, &mut server, 0, &mut r, &mut Vec::new(), false);
    // Valid locally, refused by the server: another device renamed... here the
    // server's copy lacks the org, as if it had been removed meanwhile.
    r.mutate(
        Op::RenameOrg {
            org_id: "b2".into(),
            name: "新名称".into(),
        },
        0,
        String::new(),
    )
    .unwrap();
    server.records.orgs.remove("b2");
    sync(&mut rng, &mut server, 0, &mut r, &mut Vec::new(), false);
    assert_eq!(r.rejected.len(), 1);
    assert!(
        matches!(&r.rejected[0].outcome, Outcome::Rejected { code, .. } if code == "not_found")
    );
    assert!(r.outbox.is_empty());
}

#[test]
fn renumbering_keeps_order_and_ids_and_moves_the_next_seq() {
    let committee = actor(None, RoleKind::Committee, "/c/");
    let base = seeded_server().records;
    let mut r = Replica::from_parts(committee, base, vec![], 0, 0, vec![]);
    for (i, name) in ["一", "二", "三"].into_iter().enumerate() {
        r.mutate(
            Op::RenameOrg {
                org_id: "b1".into(),
                name: name.into(),
            },
            0,
            format!("id-{i}"),
        )
        .unwrap();
    }
    let before: Vec<(String, Op)> = r
        .outbox
        .iter()
        .map(|m| (m.id.clone(), m.op.clone()))
        .collect();
    r.renumber(40);
    let after: Vec<(u64, String, Op)> = r
        .outbox
        .iter()
        .map(|m| (m.seq, m.id.clone(), m.op.clone()))
        .collect();
    assert_eq!(
        after.iter().map(|(s, _, _)| *s).collect::<Vec<_>>(),
        (40..40 + before.len() as u64).collect::<Vec<_>>()
    );
    assert_eq!(
        after
            .into_iter()
            .map(|(_, i, o)| (i, o))
            .collect::<Vec<_>>(),
        before
    );
    assert_eq!(r.last_seq, 39);
    assert_eq!(r.next_seq(), 40 + r.outbox.len() as u64);
}

/// A device checks a mutation, stores it, then shows it: checking changes
/// nothing (a failed save loses nothing shown), and queuing what a reload
/// already read back from storage keeps it once.
#[test]
fn prepared_mutations_show_only_once_queued_and_only_once() {
    let committee = actor(None, RoleKind::Committee, "/c/");
    let base = seeded_server().records;
    let mut r = Replica::from_parts(committee, base, vec![], 0, 0, vec![]);
    let rename = |name: &str| Op::RenameOrg {
        org_id: "b1".into(),
        name: name.into(),
    };
    let before = r.view().orgs["b1"].name.clone();
    let m = r.prepare(rename("新名称"), 0, "id-1".into()).unwrap();
    assert_eq!(r.view().orgs["b1"].name, before);
    assert!(r.outbox.is_empty());
    assert_eq!(m.seq, r.next_seq());
    r.queue(m.clone(), 0);
    r.queue(m, 0);
    assert_eq!(r.outbox.len(), 1);
    assert_eq!(r.view().orgs["b1"].name, "新名称");
    assert!(r.prepare(rename(""), 0, "id-2".into()).is_err());
    assert_eq!(r.next_seq(), 2);
}

/// A push whose answer was lost: the retry is skipped by the server (no
/// result), and the refusal comes with the next pull. The refused mutation
/// is still kept beside it, so the page it belongs to can show it.
#[test]
fn a_refusal_after_a_lost_push_answer_keeps_its_mutation() {
    use zhijian_domain::sync::{MutationResult, PullResponse, PushResponse};
    let committee = actor(None, RoleKind::Committee, "/c/");
    let base = seeded_server().records;
    let mut r = Replica::from_parts(committee, base, vec![], 0, 0, vec![]);
    let op = Op::RenameOrg {
        org_id: "b2".into(),
        name: "新名称".into(),
    };
    r.mutate(op.clone(), 0, "m-1".into()).unwrap();
    // The retry's answer: processed before, nothing new to report.
    r.apply_push(&PushResponse {
        last_seq: 1,
        results: vec![],
    });
    assert!(r.outbox.is_empty());
    r.apply_pull(&PullResponse {
        changes: vec![],
        cursor: 0,
        has_more: false,
        reset: false,
        epoch: 0,
        last_seq: 1,
        results: vec![MutationResult {
            seq: 1,
            name: op.name().into(),
            outcome: Outcome::Rejected {
                code: "not_found".into(),
                message: "找不到该党组织".into(),
                reason: None,
            },
        }],
    });
    assert_eq!(r.rejected.len(), 1);
    assert_eq!(r.rejected[0].op.as_ref(), Some(&op));
    // Refused: no longer replayed as if accepted.
    assert_ne!(r.view().orgs["b2"].name, "新名称");
}

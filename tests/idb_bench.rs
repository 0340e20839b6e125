//! IndexedDB throughput in headless Chromium, run by `cargo xtask bench`
//! (ignored in normal test runs). Prints numbers; asserts only correctness.
#![cfg(target_arch = "wasm32")]

use indexed_db_futures::database::Database;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use wasm_bindgen_test::*;
use zhijian::store::{Store, stores};
use zhijian_domain::auth::{Actor, RoleKind, ScopedRole};
use zhijian_domain::doc::Doc;
use zhijian_domain::ledger::{self, EntryKind, LedgerEntry, Source};
use zhijian_domain::replica::Replica;
use zhijian_domain::sync::{Change, PullResponse};
use zhijian_domain::{ManagementMode, Member, MemberStatus, Op, ProfilePatch};

wasm_bindgen_test_configure!(run_in_browser);

fn now() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

fn member(i: usize) -> Member {
    Member {
        id: format!("m-{i:06}"),
        org_id: "yuehai".into(),
        name: format!("党员{i}"),
        status: MemberStatus::Full,
        mode: ManagementMode::Employed,
        phone: Some(format!("139{i:08}")),
        workplace: Some("悦海新天地".into()),
    }
}

fn entry(i: usize) -> LedgerEntry {
    LedgerEntry {
        id: format!("earn-{i:06}"),
        member_id: "m-000001".into(),
        org_id: "yuehai".into(),
        amount: 1 + (i % 5) as i64,
        kind: EntryKind::Earn,
        source: Source::CheckIn {
            checkin_id: format!("ci-{i:06}"),
        },
        reason: Some("楼宇志愿服务".into()),
        actor: "acc-member".into(),
        at: 1_795_000_000 + i as i64,
        reverses: None,
        hold_id: None,
    }
}

fn page(from: usize, n: usize, version: u64, has_more: bool) -> PullResponse {
    PullResponse {
        changes: (from..from + n)
            .map(|i| Change::Member {
                version,
                member: member(i),
            })
            .collect(),
        cursor: version,
        has_more,
        reset: false,
        epoch: 1,
        last_seq: 0,
        results: vec![],
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).copied().unwrap_or(0.0)
}

#[wasm_bindgen_test]
#[ignore]
async fn bench_indexeddb() {
    let name = format!("zhijian-bench-{}", js_sys::Math::random());
    let store = Store::open_named(&name).await.expect("open");

    // A 500-row pull page applied in one transaction, against a raw bulk put
    // of the same rows in one transaction as the baseline.
    let p = page(0, 500, 1, false);
    let t = now();
    store
        .acknowledge(0, &[], Some((&p, &wire(&p))), Some(1.0))
        .await
        .expect("apply page");
    let page_ms = now() - t;
    let raw = Database::open(&name).await.expect("raw open");
    let rows: Vec<Member> = (500..1000).map(member).collect();
    let t = now();
    let tx = raw
        .transaction(stores::MEMBERS)
        .with_mode(TransactionMode::Readwrite)
        .build()
        .expect("tx");
    let s = tx.object_store(stores::MEMBERS).expect("store");
    for m in &rows {
        drop(s.put(m).serde().expect("put"));
    }
    tx.commit().await.expect("commit");
    let raw_ms = now() - t;
    raw.close();

    // Initial sync of 10,000 member rows: 20 pages through the store and the
    // in-memory replica, as the sync engine does them.
    let actor = Actor {
        account_id: "a".into(),
        member_id: Some("m-000001".into()),
        member_org_path: Some("/jinfeng/shxl/yuehai/".into()),
        roles: vec![ScopedRole {
            kind: RoleKind::Member,
            org_path: Some("/jinfeng/shxl/yuehai/".into()),
        }],
    };
    let mut replica = Replica::new(actor);
    let t = now();
    for k in 0..20 {
        let p = page(k * 500, 500, 2 + k as u64, k < 19);
        store
            .acknowledge(0, &[], Some((&p, &wire(&p))), None)
            .await
            .expect("page");
        replica.apply_pull(&p);
    }
    let initial_ms = now() - t;
    assert_eq!(replica.view().members.len(), 10_000);

    // Local mutation latency: validate + replay + one outbox append.
    let mut lat = Vec::new();
    for i in 0..200 {
        let t = now();
        let op = Op::UpdateProfile(ProfilePatch {
            phone: Some(Some(format!("1381234{i:04}"))),
            workplace: None,
        });
        let m = replica.mutate(op, 0, String::new()).expect("valid");
        store.append_outbox(m).await.expect("append");
        lat.push(now() - t);
    }
    lat.sort_by(f64::total_cmp);
    let persisted = store.load().await.expect("load");
    assert_eq!(persisted.outbox.len(), 200);
    assert_eq!(persisted.base.members.len(), 10_000);
    store.close();

    // A member's balance from 10,000 ledger entries: read from IndexedDB
    // (as a cold start does) and summed.
    let ledger_db = format!("zhijian-bench-ledger-{}", js_sys::Math::random());
    let store = Store::open_named(&ledger_db).await.expect("open ledger");
    for k in 0..20 {
        let p = PullResponse {
            changes: (k * 500..(k + 1) * 500)
                .map(|i| Change::Doc {
                    version: 2 + k as u64,
                    doc: Doc::Entry(entry(i)),
                })
                .collect(),
            ..page(0, 0, 2 + k as u64, k < 19)
        };
        store
            .acknowledge(0, &[], Some((&p, &wire(&p))), None)
            .await
            .expect("entries");
    }
    // Entries are decoded by the `docs` chunk (src/sync/docs.rs), which a
    // page showing them has loaded.
    zhijian::sync::docs::load_decoder().await.expect("decoder");
    let t = now();
    let loaded = store.load().await.expect("load ledger");
    let (docs, cold) = zhijian::sync::docs::decode_all(loaded.docs).expect("decode");
    assert!(cold.is_empty());
    let mut base = loaded.base;
    docs.into_iter().for_each(|d| base.put_doc(d));
    let load_ms = now() - t;
    let t = now();
    let balance = ledger::balance(base.entries().values());
    let sum_ms = now() - t;
    assert_eq!(
        balance,
        (0..10_000).map(|i| 1 + (i % 5) as i64).sum::<i64>()
    );
    store.close();

    web_sys::console::log_1(&format!(
        "BENCH idb_page_500_ms={page_ms:.1} idb_raw_put_500_ms={raw_ms:.1} \
         initial_sync_10000_ms={initial_ms:.1} local_mutation_p50_ms={:.2} local_mutation_p95_ms={:.2} \
         balance_10000_load_ms={load_ms:.1} balance_10000_sum_ms={sum_ms:.2}",
        percentile(&lat, 0.5),
        percentile(&lat, 0.95)
    )
    .into());
}

/// The pull answer as the browser gets it: the server's JSON, parsed.
fn wire(p: &zhijian_domain::sync::PullResponse) -> wasm_bindgen::JsValue {
    serde::Serialize::serialize(p, &serde_wasm_bindgen::Serializer::json_compatible())
        .expect("a pull answer encodes")
}

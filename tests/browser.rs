//! Browser tests (headless Chromium via wasm-bindgen-test-runner): the
//! IndexedDB store and components, on the real browser APIs.
#![cfg(target_arch = "wasm32")]

use leptos::prelude::*;
use wasm_bindgen_test::*;
use zhijian::store::{CachedDirectory, DB_VERSION, Store, stores};
use zhijian_domain::api::OrgDirectory;
use zhijian_domain::{Alliance, ChairRotation, Month, Org, OrgKind};

wasm_bindgen_test_configure!(run_in_browser);

fn month(s: &str) -> Month {
    s.parse().expect("valid month")
}

fn sample() -> OrgDirectory {
    let org = |id: &str, parent: Option<&str>, name: &str, kind| Org {
        id: id.into(),
        parent_id: parent.map(Into::into),
        name: name.into(),
        kind,
        joint: true,
        area: None,
        place: Some("悦海新天地".into()),
        path: String::new(),
    };
    OrgDirectory {
        orgs: vec![
            org("c", None, "金凤区两新组织党工委", OrgKind::Committee),
            org("b", Some("c"), "悦海新天地楼宇联合党支部", OrgKind::Branch),
        ],
        member_counts: vec![("b".into(), 3)],
        alliances: vec![Alliance {
            id: "a".into(),
            name: "红盟".into(),
            member_org_ids: vec!["b".into()],
            rotation: ChairRotation {
                start: month("2026-01"),
                order: vec!["b".into()],
            },
        }],
        month: month("2026-11"),
    }
}

/// A fresh database name per test so runs never see each other's data.
fn db_name(test: &str) -> String {
    format!("zhijian-test-{test}-{}", js_sys::Math::random())
}

#[wasm_bindgen_test]
async fn directory_round_trips_through_indexeddb() {
    let name = db_name("roundtrip");
    let store = Store::open_named(&name).await.expect("open");
    assert_eq!(store.directory().await.expect("read empty"), None);
    let cached = CachedDirectory {
        saved_at: 1_790_000_000_000.0,
        directory: sample(),
    };
    store.save_directory(&cached).await.expect("save");
    store.close();

    // A new connection (as after a reload) sees the committed value.
    let store = Store::open_named(&name).await.expect("reopen");
    assert_eq!(store.directory().await.expect("read"), Some(cached));
    store.close();
}

#[wasm_bindgen_test]
async fn saving_again_replaces_the_snapshot() {
    let name = db_name("replace");
    let store = Store::open_named(&name).await.expect("open");
    let mut cached = CachedDirectory {
        saved_at: 1.0,
        directory: sample(),
    };
    store.save_directory(&cached).await.expect("save 1");
    cached.saved_at = 2.0;
    cached.directory.orgs.truncate(1);
    store.save_directory(&cached).await.expect("save 2");
    assert_eq!(store.directory().await.expect("read"), Some(cached));
    store.close();
}

#[wasm_bindgen_test]
async fn opens_at_the_current_schema_version() {
    let name = db_name("version");
    let store = Store::open_named(&name).await.expect("open");
    store.close();
    // Opened again without a version: whatever the upgrade left behind.
    let db = indexed_db_futures::database::Database::open(&name)
        .await
        .expect("open raw");
    assert_eq!(db.version() as u32, DB_VERSION);
    let stores: Vec<String> = db.object_store_names().collect();
    assert!(
        stores.contains(&stores::SNAPSHOTS.to_string()),
        "{stores:?}"
    );
    assert!(stores.contains(&stores::META.to_string()), "{stores:?}");
    db.close();
}

#[wasm_bindgen_test]
async fn org_tree_renders_nested_orgs_with_member_counts() {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .expect("document");
    let host = document.create_element("div").expect("div");
    document
        .body()
        .expect("body")
        .append_child(&host)
        .expect("append");
    let host: web_sys::HtmlElement = wasm_bindgen::JsCast::unchecked_into(host);
    let handle = leptos::mount::mount_to(host.clone(), || {
        zhijian::i18n::I18n::provide(zhijian::i18n::Locale::zh);
        view! { <zhijian::components::OrgTreeView directory=sample() /> }
    });
    leptos::task::tick().await;
    let text = host.inner_text();
    assert!(text.contains("金凤区两新组织党工委"), "{text}");
    assert!(text.contains("悦海新天地楼宇联合党支部"), "{text}");
    assert!(text.contains("3 名党员"), "{text}");
    assert!(text.contains("联合"), "{text}");
    // The branch is nested under the committee.
    let nested = host
        .query_selector(".org-tree > li > ul > li .org-name")
        .expect("query")
        .expect("nested org");
    assert_eq!(
        nested.text_content().as_deref(),
        Some("悦海新天地楼宇联合党支部")
    );
    drop(handle);
}

#[wasm_bindgen_test]
async fn upgrading_from_v1_keeps_the_saved_directory() {
    let name = db_name("upgrade");
    let v1 = Store::open_at_version(&name, 1).await.expect("open v1");
    let cached = CachedDirectory {
        saved_at: 42.0,
        directory: sample(),
    };
    v1.save_directory(&cached).await.expect("save at v1");
    v1.close();

    let current = Store::open_named(&name).await.expect("upgrade");
    assert_eq!(
        current.directory().await.expect("read"),
        Some(cached),
        "nothing lost by the upgrade"
    );
    let p = current.load().await.expect("v2 stores exist");
    assert!(p.outbox.is_empty() && p.base.members.is_empty());
    current.close();
}

mod sync_store {
    use super::*;
    use zhijian_domain::doc::Doc;
    use zhijian_domain::sync::{
        Change, Mutation, MutationResult, Outcome, PullResponse, RejectedMutation,
    };
    use zhijian_domain::{ManagementMode, Member, MemberStatus, Op, ProfilePatch};

    /// What the write path reads back from the raw records the store returns.
    fn decoded<T: serde::de::DeserializeOwned>(raw: &[wasm_bindgen::JsValue]) -> Vec<T> {
        raw.iter()
            .map(|v| serde_wasm_bindgen::from_value(v.clone()).expect("decodes"))
            .collect()
    }

    fn profile(seq: u64) -> Mutation {
        Mutation {
            seq,
            id: format!("m{seq}"),
            op: Op::UpdateProfile(ProfilePatch {
                phone: Some(Some(format!("1390000{seq:04}"))),
                workplace: None,
            }),
        }
    }

    fn member(id: &str) -> Member {
        Member {
            id: id.into(),
            org_id: "b".into(),
            name: id.into(),
            status: MemberStatus::Full,
            mode: ManagementMode::Employed,
            phone: None,
            workplace: None,
        }
    }

    #[wasm_bindgen_test]
    async fn outbox_survives_reopening_and_acknowledgement_drops_only_processed() {
        let name = db_name("outbox");
        let store = Store::open_named(&name).await.expect("open");
        for seq in 1..=3 {
            store.append_outbox(&profile(seq)).await.expect("append");
        }
        assert!(
            store.append_outbox(&profile(2)).await.is_err(),
            "a seq is taken once"
        );
        store.close();

        let store = Store::open_named(&name).await.expect("reopen");
        assert_eq!(store.load().await.expect("load").outbox.len(), 3);
        let rejected = MutationResult {
            seq: 2,
            name: "profile.update@1".into(),
            outcome: Outcome::Rejected {
                code: "invalid".into(),
                message: "手机号应为 11 位手机号码".into(),
                reason: None,
            },
        };
        let page = PullResponse {
            changes: vec![
                Change::Member {
                    version: 5,
                    member: member("m1"),
                },
                Change::Member {
                    version: 6,
                    member: member("m2"),
                },
                Change::MemberGone {
                    version: 7,
                    id: "m2".into(),
                },
            ],
            cursor: 7,
            has_more: false,
            reset: false,
            epoch: 3,
            last_seq: 2,
            results: vec![rejected.clone()],
        };
        store
            .acknowledge(2, &page.results, Some((&page, &wire(&page))), Some(1000.0))
            .await
            .expect("ack");
        let p = store.load().await.expect("load");
        let outbox: Vec<Mutation> = decoded(&p.outbox);
        assert_eq!(outbox.iter().map(|m| m.seq).collect::<Vec<_>>(), vec![3]);
        // Kept with the refused mutation, for the page it belongs to.
        let kept = RejectedMutation {
            seq: rejected.seq,
            name: rejected.name.clone(),
            outcome: rejected.outcome.clone(),
            op: Some(profile(2).op),
        };
        assert_eq!(decoded::<RejectedMutation>(&p.rejected), vec![kept]);
        assert_eq!(p.base.members.keys().collect::<Vec<_>>(), vec!["m1"]);
        assert_eq!(
            (
                p.meta.cursor,
                p.meta.epoch,
                p.meta.last_seq,
                p.meta.synced_at
            ),
            (7, 3, 2, Some(1000.0))
        );

        store.dismiss_rejection(2).await.expect("dismiss");
        assert!(store.load().await.expect("load").rejected.is_empty());
        store.close();
    }

    #[wasm_bindgen_test]
    async fn sign_out_is_refused_while_changes_are_pending() {
        let name = db_name("signout");
        let store = Store::open_named(&name).await.expect("open");
        store.append_outbox(&profile(1)).await.expect("append");
        assert!(
            matches!(
                store.sign_out().await,
                Err(zhijian::store::StoreError::Pending(1))
            ),
            "pending changes would be lost"
        );
        assert_eq!(
            store.load().await.expect("load").outbox.len(),
            1,
            "and nothing was cleared"
        );
        store.acknowledge(1, &[], None, None).await.expect("ack");
        store.sign_out().await.expect("now it may");
        store.close();
    }

    #[wasm_bindgen_test]
    async fn renumbering_moves_the_queue_after_the_servers_seqs() {
        let name = db_name("renumber");
        let store = Store::open_named(&name).await.expect("open");
        for seq in 1..=3 {
            store.append_outbox(&profile(seq)).await.expect("append");
        }
        store.renumber(10).await.expect("renumber");
        let p = store.load().await.expect("load");
        let queued: Vec<Mutation> = decoded(&p.outbox);
        assert_eq!(
            queued
                .iter()
                .map(|m| (m.seq, m.id.as_str()))
                .collect::<Vec<_>>(),
            [(10, "m1"), (11, "m2"), (12, "m3")],
            "same order, same ids, new seqs"
        );
        assert_eq!(queued[2].op, profile(3).op);
        assert_eq!(p.meta.last_seq, 9);
        // A tab still numbering the old way cannot queue behind the new seqs.
        assert!(store.append_outbox(&profile(5)).await.is_err());
        store.append_outbox(&profile(13)).await.expect("next seq");
        store.close();
    }

    /// A push whose answer was lost: the retry's answer reports nothing for
    /// the mutation processed before, and its refusal comes with the pull.
    /// Until then it stays stored (not pending), so the refusal keeps it.
    #[wasm_bindgen_test]
    async fn a_refusal_after_a_lost_push_answer_keeps_its_mutation() {
        let name = db_name("lost-answer");
        let store = Store::open_named(&name).await.expect("open");
        for seq in 1..=3 {
            store.append_outbox(&profile(seq)).await.expect("append");
        }
        let ok = |seq| MutationResult {
            seq,
            name: "profile.update@1".into(),
            outcome: Outcome::Ok,
        };
        // Seq 1 was processed by the push whose answer was lost.
        store
            .acknowledge(2, &[ok(2)], None, None)
            .await
            .expect("push answer");
        let p = store.load().await.expect("load");
        assert_eq!(
            decoded::<Mutation>(&p.outbox)
                .iter()
                .map(|m| m.seq)
                .collect::<Vec<_>>(),
            vec![1, 3]
        );
        // Only seq 3 is pending: signing out is refused for one change.
        assert!(matches!(
            store.sign_out().await,
            Err(zhijian::store::StoreError::Pending(1))
        ));
        let refused = MutationResult {
            seq: 1,
            name: "profile.update@1".into(),
            outcome: Outcome::Rejected {
                code: "invalid".into(),
                message: "手机号应为 11 位手机号码".into(),
                reason: None,
            },
        };
        let mut pulled = page(vec![], false);
        pulled.last_seq = 2;
        pulled.results = vec![refused.clone(), ok(2)];
        store
            .acknowledge(2, &pulled.results, Some((&pulled, &wire(&pulled))), None)
            .await
            .expect("pull");
        let p = store.load().await.expect("load");
        assert_eq!(
            decoded::<Mutation>(&p.outbox)
                .iter()
                .map(|m| m.seq)
                .collect::<Vec<_>>(),
            vec![3]
        );
        let kept: Vec<RejectedMutation> = decoded(&p.rejected);
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].op, Some(profile(1).op));
        store.close();
    }

    fn page(changes: Vec<Change>, reset: bool) -> PullResponse {
        PullResponse {
            changes,
            cursor: 10,
            has_more: false,
            reset,
            epoch: 1,
            last_seq: 0,
            results: vec![],
        }
    }

    fn draft_menu() -> Doc {
        Doc::Menu(zhijian_domain::menu::MonthlyMenu {
            id: "menu-1".into(),
            org_id: "b".into(),
            month: "2026-11".parse().expect("month"),
            theme_title: "每月一主题".into(),
            theme_description: None,
            items: vec![],
            min_optional: 0,
            published: false,
            alliance_id: None,
            audience: vec![],
        })
    }

    #[wasm_bindgen_test]
    async fn upgrading_from_v2_keeps_records_and_outbox_and_stores_documents() {
        let name = db_name("upgrade-v3");
        let v2 = Store::open_at_version(&name, 2).await.expect("open v2");
        v2.append_outbox(&profile(1)).await.expect("append at v2");
        v2.close();
        // A base record as the v2 code wrote it (today's `acknowledge` spans
        // the v3 stores, so write it by hand).
        {
            use indexed_db_futures::prelude::*;
            use indexed_db_futures::transaction::TransactionMode;
            let db = indexed_db_futures::database::Database::open(&name)
                .with_version(2u32)
                .await
                .expect("raw v2");
            let tx = db
                .transaction(stores::MEMBERS)
                .with_mode(TransactionMode::Readwrite)
                .build()
                .expect("tx");
            tx.object_store(stores::MEMBERS)
                .expect("members")
                .put(&member("m1"))
                .serde()
                .expect("serde")
                .await
                .expect("put");
            tx.commit().await.expect("commit");
            db.close();
        }

        let store = Store::open_named(&name).await.expect("upgrade to v3");
        let p = store.load().await.expect("load");
        assert_eq!(
            decoded::<Mutation>(&p.outbox),
            vec![profile(1)],
            "the outbox survives the upgrade"
        );
        assert!(p.base.members.contains_key("m1"), "and the base records");
        let docs = vec![Change::Doc {
            version: 11,
            doc: draft_menu(),
        }];
        let first = page(docs, false);
        store
            .acknowledge(0, &[], Some((&first, &wire(&first))), None)
            .await
            .expect("documents");
        let p = store.load().await.expect("load");
        assert_eq!(decoded::<Doc>(&p.docs), vec![draft_menu()]);
        // A reset replaces documents along with the other base records.
        let reset = page(vec![], true);
        store
            .acknowledge(0, &[], Some((&reset, &wire(&reset))), None)
            .await
            .expect("reset");
        let p = store.load().await.expect("load");
        assert!(p.docs.is_empty() && p.base.members.is_empty());
        assert_eq!(p.outbox.len(), 1, "but never the outbox");
        store.close();
    }
}

/// The pull answer as the browser gets it: the server's JSON, parsed.
fn wire(p: &zhijian_domain::sync::PullResponse) -> wasm_bindgen::JsValue {
    serde::Serialize::serialize(p, &serde_wasm_bindgen::Serializer::json_compatible())
        .expect("a pull answer encodes")
}

/// Documents the landing page does not show are decoded by the `docs`
/// chunk (src/sync/docs.rs); the main module decodes the rest by their tags.
mod cold_docs {
    use super::*;
    use zhijian::sync::docs::{self, Decoded};
    use zhijian_domain::activity::{Activity, ServiceMode, Signup, SignupStatus};
    use zhijian_domain::checkin::CheckIn;
    use zhijian_domain::credits::Reward;
    use zhijian_domain::doc::Doc;
    use zhijian_domain::ledger::Wallet;
    use zhijian_domain::menu::MonthlyMenu;
    use zhijian_domain::sync::{Change, PullResponse};

    fn as_wire(d: &Doc) -> wasm_bindgen::JsValue {
        serde::Serialize::serialize(d, &serde_wasm_bindgen::Serializer::json_compatible())
            .expect("a document encodes")
    }

    fn hot() -> Vec<Doc> {
        vec![
            Doc::Menu(MonthlyMenu {
                id: "menu-1".into(),
                org_id: "b".into(),
                month: month("2026-12"),
                theme_title: "学习新思想".into(),
                theme_description: None,
                items: vec![],
                min_optional: 1,
                published: true,
                alliance_id: None,
                audience: vec![],
            }),
            Doc::Activity(Activity {
                id: "act-1".into(),
                menu_id: "menu-1".into(),
                item_id: "i1".into(),
                org_id: "b".into(),
                title: "支部集中学习".into(),
                starts_at: 1_796_000_000,
                minutes: 90,
                place: "驿站".into(),
                description: None,
                mode: ServiceMode::Booking,
                capacity: Some(20),
                needs_approval: false,
                counts_hours: true,
                cancelled: false,
                taken: 1,
                arrivals: 0,
                secret: None,
                audience: vec![],
                lesson: None,
            }),
            Doc::Signup(Signup {
                id: "su-1".into(),
                activity_id: "act-1".into(),
                org_id: "b".into(),
                member_id: "m1".into(),
                members: vec!["m1".into()],
                status: SignupStatus::Confirmed,
                rank: 1,
                position: None,
            }),
            Doc::CheckIn(CheckIn {
                id: "ci-1".into(),
                activity_id: "act-1".into(),
                org_id: "b".into(),
                member_id: "m1".into(),
                at: 1_796_000_100,
                checked_out_at: None,
                by_hand: None,
                recorded_by: "acc-m1".into(),
            }),
            Doc::Wallet(Wallet::new("m1", "b")),
        ]
    }

    fn reward() -> Doc {
        Doc::Reward(Reward {
            id: "rw-1".into(),
            org_id: "b".into(),
            title: "咖啡".into(),
            description: None,
            cost: 30,
            stock: 5,
            redeemed: 0,
            merchant: None,
            merchant_name: None,
            active: true,
        })
    }

    #[wasm_bindgen_test]
    fn the_main_module_decodes_the_landing_pages_kinds_and_leaves_the_rest() {
        for d in hot() {
            match docs::decode_hot(as_wire(&d)) {
                Ok(Decoded::Doc(x)) => assert_eq!(x, d),
                _ => panic!("a {} is not decoded by the main module", d.kind()),
            }
        }
        assert!(matches!(
            docs::decode_hot(as_wire(&reward())),
            Ok(Decoded::Cold(_))
        ));
    }

    #[wasm_bindgen_test]
    async fn a_pull_leaves_cold_documents_to_the_chunk_which_decodes_them() {
        assert!(!docs::complete(), "no other test loads the decoder");
        let mut changes: Vec<Change> = hot()
            .into_iter()
            .enumerate()
            .map(|(i, doc)| Change::Doc {
                version: i as u64 + 1,
                doc,
            })
            .collect();
        changes.push(Change::Doc {
            version: 9,
            doc: reward(),
        });
        changes.push(Change::MemberGone {
            version: 10,
            id: "m9".into(),
        });
        let sent = PullResponse {
            changes,
            cursor: 10,
            has_more: true,
            reset: false,
            epoch: 2,
            last_seq: 4,
            results: vec![],
        };
        let page = docs::decode_page(&wire(&sent)).expect("decodes");
        assert_eq!(page.cold.len(), 1, "the reward waits for the chunk");
        let mut expected = sent.clone();
        expected.changes.remove(5);
        assert_eq!(page.resp, expected);
        assert!(
            docs::admit(page.cold).is_empty(),
            "kept until the chunk is here"
        );

        assert_eq!(docs::load_decoder().await.expect("loads"), vec![reward()]);
        let page = docs::decode_page(&wire(&sent)).expect("decodes");
        assert!(page.cold.is_empty());
        assert_eq!(page.resp, sent, "once it is here, everything is decoded");
    }
}

/// The kiosk's camera path without a camera: a member code drawn as a QR
/// code into an RGBA frame (grey background, as a phone held up to it) is
/// found and read back; a blank frame reads as nothing.
#[wasm_bindgen_test]
fn a_member_code_in_a_camera_frame_reads_back() {
    use qrcodegen::{QrCode, QrCodeEcc};
    let text = format!("ZJM1.m-01.59333333.{}", "A".repeat(86));
    let qr = QrCode::encode_text(&text, QrCodeEcc::Medium).expect("fits");
    let (scale, border) = (4usize, 8usize);
    let w = (qr.size() as usize + 2 * border) * scale + 40;
    let mut rgba = vec![180u8; w * w * 4];
    for y in 0..w {
        for x in 0..w {
            let (qx, qy) = (
                (x / scale) as i32 - border as i32,
                (y / scale) as i32 - border as i32,
            );
            let inside = (0..qr.size()).contains(&qx) && (0..qr.size()).contains(&qy);
            let quiet = x < (qr.size() as usize + 2 * border) * scale
                && y < (qr.size() as usize + 2 * border) * scale;
            let v = if inside && qr.get_module(qx, qy) {
                0
            } else if quiet {
                255
            } else {
                180
            };
            rgba[(y * w + x) * 4..(y * w + x) * 4 + 3].fill(v);
        }
    }
    assert_eq!(
        zhijian::qr_camera::decode(&rgba, w, w).as_deref(),
        Some(text.as_str())
    );
    assert_eq!(
        zhijian::qr_camera::decode(&vec![255; w * w * 4], w, w),
        None
    );
}

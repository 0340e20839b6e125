//! The HTTP API over real databases: demo data, errors, limits.

mod common;

use zhijian_client::ApiError;
use zhijian_domain::OrgTree;
use zhijian_domain::api::{ClientLog, LogLevel};

#[tokio::test]
async fn health_reports_the_backend() {
    for s in common::servers().await {
        let h = s.client.health().await.expect("health");
        assert_eq!(h.status, "ok");
        assert_eq!(h.database, s.backend);
    }
}

#[tokio::test]
async fn org_directory_has_the_demo_tree() {
    for s in common::servers().await {
        let d = s.client.org_directory().await.expect("directory");
        let tree = OrgTree::build(&d.orgs);
        assert_eq!(tree.roots.len(), 1, "{}: one root committee", s.backend);
        assert_eq!(tree.roots[0].org.name, "金凤区两新组织党工委");
        assert_eq!(
            tree.len(),
            d.orgs.len(),
            "{}: every org is reachable from the root",
            s.backend
        );
        let names: Vec<&str> = d.orgs.iter().map(|o| o.name.as_str()).collect();
        for expected in [
            "悦海新天地楼宇联合党支部",
            "万达商圈联合党支部",
            "阅海湾中央商务区联合党委",
            "宝湖社区大党委",
        ] {
            assert!(
                names.contains(&expected),
                "{}: missing {expected}",
                s.backend
            );
        }
        let yuehai = d.orgs.iter().find(|o| o.id == "yuehai").expect("yuehai");
        assert!(yuehai.joint);
        assert_eq!(d.member_count("yuehai"), 3);
        let alliance = d.alliances.first().expect("an alliance");
        assert_eq!(
            alliance.rotation.chair_for("2026-01".parse().unwrap()),
            Some("yuehai")
        );
        assert_eq!(
            alliance.rotation.chair_for("2026-06".parse().unwrap()),
            Some("yuehai")
        );
        assert_eq!(
            alliance.rotation.chair_for("2026-02".parse().unwrap()),
            Some("wanda")
        );
    }
}

#[tokio::test]
async fn seeding_twice_and_migrating_twice_change_nothing() {
    for (backend, url, dir) in common::database_urls().await {
        let s = common::start(backend, &url, dir, true).await;
        let before = s.client.org_directory().await.expect("directory");
        assert!(
            !zhijian_server::demo::seed_if_empty(&s.db)
                .await
                .expect("seed")
        );
        // Connecting again runs the migrator again: a no-op on an up-to-date schema.
        let again = zhijian_server::Db::connect(&url).await.expect("reconnect");
        again.close().await;
        let after = s.client.org_directory().await.expect("directory");
        assert_eq!(before.orgs, after.orgs, "{backend}");
        assert_eq!(before.member_counts, after.member_counts, "{backend}");
    }
}

#[tokio::test]
async fn empty_database_gives_an_empty_directory() {
    for (backend, url, dir) in common::database_urls().await {
        let s = common::start(backend, &url, dir, false).await;
        let d = s.client.org_directory().await.expect("directory");
        assert!(
            d.orgs.is_empty() && d.alliances.is_empty() && d.member_counts.is_empty(),
            "{backend}"
        );
    }
}

async fn raw_post(base: &str, content_type: &str, body: Vec<u8>) -> (u16, serde_json::Value) {
    let resp = reqwest::Client::new()
        .post(format!("{base}/api/client-log"))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("send");
    let status = resp.status().as_u16();
    let json = resp.json().await.unwrap_or(serde_json::Value::Null);
    (status, json)
}

#[tokio::test]
async fn bad_input_gets_json_errors_and_the_server_stays_up() {
    for s in common::servers().await {
        let r = reqwest::get(format!("{}/api/nope", s.base))
            .await
            .expect("get");
        assert_eq!(r.status().as_u16(), 404);
        let body: serde_json::Value = r.json().await.expect("json 404");
        assert_eq!(body["code"], "not_found");

        let (status, body) = raw_post(&s.base, "application/json", b"{not json".to_vec()).await;
        assert_eq!(status, 400);
        assert_eq!(body["code"], "bad_request");
        assert!(
            body["message"]
                .as_str()
                .unwrap_or_default()
                .contains("JSON"),
            "{body}"
        );

        let (status, body) =
            raw_post(&s.base, "application/json", vec![b'a'; 2 * 1024 * 1024]).await;
        assert_eq!(status, 413);
        assert_eq!(body["code"], "payload_too_large");

        let (status, body) = raw_post(&s.base, "text/plain", b"{}".to_vec()).await;
        assert_eq!(status, 415);
        assert_eq!(body["code"], "unsupported_media_type");

        let unknown_field =
            br#"{"level":"error","message":"m","build":"b","password":"x"}"#.to_vec();
        let (status, _) = raw_post(&s.base, "application/json", unknown_field).await;
        assert_eq!(
            status, 422,
            "unknown fields are refused, not silently dropped"
        );

        let empty = ClientLog {
            level: LogLevel::Warn,
            message: " ".into(),
            build: "abc".into(),
        };
        match s.client.client_log(&empty).await {
            Err(ApiError::Status { status: 422, body }) => assert_eq!(body.code, "invalid"),
            other => panic!("{}: expected 422, got {other:?}", s.backend),
        }

        let ok = ClientLog {
            level: LogLevel::Error,
            message: "panicked at src/app.rs:1".into(),
            build: "abc".into(),
        };
        s.client
            .client_log(&ok)
            .await
            .expect("a valid report is accepted");
        s.client.health().await.expect("still healthy");
    }
}

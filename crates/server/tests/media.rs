//! Lesson media through HTTP, on SQLite and PostgreSQL: organisers upload
//! pictures and audio for their scope; the type is read from the bytes (a
//! renamed executable is refused), sizes and a committee's quota hold; files
//! are served by hash with year-long caching and a sandboxing CSP.

mod common;

use common::login;
use zhijian_server::Limits;

/// A PNG signature followed by `len` bytes of padding (the checks read the
/// signature; nothing decodes the picture).
fn png(len: usize, seed: u8) -> Vec<u8> {
    let mut v = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13];
    v.extend(std::iter::repeat_n(seed, len));
    v
}

async fn upload(base: &str, token: Option<&str>, org: &str, body: Vec<u8>) -> reqwest::Response {
    let mut req = reqwest::Client::new()
        .post(format!("{base}/api/media?org={org}"))
        .header("content-type", "image/png")
        .body(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.expect("upload")
}

#[tokio::test]
async fn organisers_upload_checked_files_served_by_hash() {
    for (backend, url, dir) in common::database_urls().await {
        let s = common::start(backend, &url, dir, true).await;
        let secretary = login(&s.client, "13900000002", "demo1234").await;
        let token = secretary.token().map(str::to_owned);

        let picture = png(1000, 7);
        let r = upload(&s.base, token.as_deref(), "yuehai", picture.clone()).await;
        assert_eq!(r.status(), 201, "{backend}");
        let stored: serde_json::Value = r.json().await.expect("json");
        let url = stored["url"].as_str().expect("url").to_owned();
        assert!(url.starts_with("/media/") && url.len() == "/media/".len() + 64);
        assert_eq!(stored["mime"], "image/png");

        let got = reqwest::get(format!("{}{url}", s.base)).await.expect("get");
        assert_eq!(got.status(), 200);
        let h = got.headers().clone();
        assert_eq!(h["content-type"], "image/png");
        assert_eq!(h["cache-control"], "public, max-age=31536000, immutable");
        assert!(
            h["content-security-policy"]
                .to_str()
                .unwrap_or("")
                .contains("sandbox")
        );
        assert_eq!(
            got.bytes().await.expect("body").as_ref(),
            picture.as_slice()
        );

        // The same bytes again are the same file.
        let again: serde_json::Value = upload(&s.base, token.as_deref(), "yuehai", picture)
            .await
            .json()
            .await
            .expect("json");
        assert_eq!(again["url"].as_str(), Some(url.as_str()));

        // A recording (MP3, by its ID3 header) may be far larger than a picture.
        let mut mp3 = b"ID3\x03\x00\x00\x00\x00\x00\x00".to_vec();
        mp3.extend(std::iter::repeat_n(3u8, 3 * 1024 * 1024));
        let r = upload(&s.base, token.as_deref(), "yuehai", mp3).await;
        assert_eq!(r.status(), 201, "{backend}");
        let stored: serde_json::Value = r.json().await.expect("json");
        assert_eq!(stored["mime"], "audio/mpeg");

        // An executable named .png, sent as image/png: refused by its bytes.
        let mut elf = vec![0x7f, b'E', b'L', b'F', 2, 1, 1, 0];
        elf.extend([0u8; 200]);
        let r = upload(&s.base, token.as_deref(), "yuehai", elf).await;
        assert_eq!(r.status(), 415, "{backend}");
        // Too big for a picture (2 MB).
        let r = upload(&s.base, token.as_deref(), "yuehai", png(2 * 1024 * 1024, 1)).await;
        assert_eq!(r.status(), 413, "{backend}");

        // Members, strangers and other orgs' secretaries cannot upload.
        let member = login(&s.client, "13900000001", "demo1234").await;
        let r = upload(&s.base, member.token(), "yuehai", png(10, 2)).await;
        assert_eq!(r.status(), 403, "{backend}");
        let r = upload(&s.base, None, "yuehai", png(10, 2)).await;
        assert_eq!(r.status(), 401, "{backend}");
        let r = upload(&s.base, token.as_deref(), "wanda", png(10, 2)).await;
        assert_eq!(r.status(), 403, "{backend}");

        // Names are hashes only; unknown ones are 404s.
        for bad in ["../../etc/passwd", &"0".repeat(64)] {
            let r = reqwest::get(format!("{}/media/{bad}", s.base))
                .await
                .expect("get");
            assert_eq!(r.status(), 404, "{bad}");
        }
        // The demo course's picture is served from the binary.
        let demo = zhijian_server::media::demo_picture_url();
        let r = reqwest::get(format!("{}{demo}", s.base))
            .await
            .expect("get");
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "image/png");
    }
}

#[tokio::test]
async fn a_committee_stores_no_more_than_its_quota() {
    for (backend, url, dir) in common::database_urls().await {
        let limits = Limits {
            media_quota_mb: 1,
            ..Limits::default()
        };
        let s = common::start_with(backend, &url, dir, true, limits, None).await;
        let secretary = login(&s.client, "13900000002", "demo1234").await;
        let token = secretary.token().map(str::to_owned);
        // The demo picture already counts (about 17 KB) against 金凤's megabyte.
        let r = upload(&s.base, token.as_deref(), "yuehai", png(600 * 1024, 1)).await;
        assert_eq!(r.status(), 201, "{backend}");
        let r = upload(&s.base, token.as_deref(), "yuehai", png(600 * 1024, 2)).await;
        assert_eq!(r.status(), 422, "{backend}");
        let body: serde_json::Value = r.json().await.expect("json");
        assert!(
            body["message"].as_str().unwrap_or("").contains("配额"),
            "{body}"
        );
        // A file already stored costs nothing more.
        let r = upload(&s.base, token.as_deref(), "yuehai", png(600 * 1024, 1)).await;
        assert_eq!(r.status(), 201, "{backend}");
    }
}

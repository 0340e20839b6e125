//! The documents' partial indexes (migrations sqlite 0010, postgres 0011):
//! every lookup written for one is planned with it on both databases (SQLite
//! uses a partial index only when the query repeats its condition word for
//! word), and documents written before the migration are found after it.

mod common;

use sqlx::Row;

/// The plan each database gives `sql`, as text.
async fn plan(conn: &mut sqlx::AnyConnection, postgres: bool, sql: &str, params: usize) -> String {
    let explain = if postgres {
        format!("EXPLAIN {sql}")
    } else {
        format!("EXPLAIN QUERY PLAN {sql}")
    };
    let mut q = sqlx::query(&explain);
    for i in 0..params {
        q = q.bind(format!("p{i}"));
    }
    let column = if postgres { "QUERY PLAN" } else { "detail" };
    q.fetch_all(&mut *conn)
        .await
        .expect("explain")
        .iter()
        .map(|r| r.try_get::<String, _>(column).expect("plan text"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The bodies `sql` finds with `binds`.
async fn bodies(conn: &mut sqlx::AnyConnection, sql: &str, binds: &[&str]) -> Vec<String> {
    let mut q = sqlx::query(sql);
    for b in binds {
        q = q.bind(b.to_string());
    }
    q.fetch_all(&mut *conn)
        .await
        .expect("lookup")
        .iter()
        .map(|r| r.get("body"))
        .collect()
}

#[tokio::test]
async fn each_lookup_by_parent_or_menu_slot_is_planned_with_its_index() {
    for (backend, url, _dir) in common::database_urls().await {
        let db = zhijian_server::Db::connect(&url).await.expect("migrated");
        let mut conn = db.pool().acquire().await.expect("connection");
        let postgres = backend == "postgres";
        if postgres {
            // A table of a few rows is read whole whatever its indexes: ask
            // for the plan the planner gives a table too big for that.
            sqlx::query("SET enable_seqscan = off")
                .execute(&mut *conn)
                .await
                .expect("set");
        }
        let lookups = zhijian_server::records::partial_index_lookups(&conn);
        assert_eq!(lookups.len(), 4);
        for (index, sql, params) in lookups {
            let plan = plan(&mut conn, postgres, &sql, params).await;
            assert!(
                plan.contains(index),
                "{backend}: {sql}\nis not planned with {index}:\n{plan}"
            );
        }
    }
}

#[tokio::test]
async fn documents_from_before_the_partial_indexes_are_found_through_them() {
    for (backend, url, _dir) in common::database_urls().await {
        // The schema before the partial indexes, with a menu, a hold and an
        // entry (the entry has the hold's parent but no longer an index
        // entry for it).
        let before = if backend == "sqlite" { 10 } else { 11 };
        let pool = common::schema_before(backend, &url, before).await;
        sqlx::query(
            "INSERT INTO orgs (id, name, kind, path, version) VALUES ('o1', '联合支部', 'branch', '/o1/', 1)",
        )
        .execute(&pool)
        .await
        .expect("org");
        for (id, kind, parent) in [
            ("menu-1", "menu", "2026-12"),
            ("hold-1", "hold", "m-1"),
            ("entry-1", "entry", "m-1"),
        ] {
            sqlx::query(
                "INSERT INTO docs (id, kind, org_id, parent, scope_path, people, audience, body, version) \
                 VALUES ($1, $2, 'o1', $3, '/o1/', '', '', $4, 1)",
            )
            .bind(id)
            .bind(kind)
            .bind(parent)
            .bind(format!("{{\"id\":\"{id}\"}}"))
            .execute(&pool)
            .await
            .expect("document");
        }
        pool.close().await;

        let db = zhijian_server::Db::connect(&url).await.expect("migrated");
        let mut conn = db.pool().acquire().await.expect("connection");
        let lookups = zhijian_server::records::partial_index_lookups(&conn);
        // The holds of m-1 (and of nobody else): the hold, not the entry.
        let holds = bodies(&mut conn, &lookups[0].1, &["m-1", "m-2"]).await;
        assert_eq!(holds, ["{\"id\":\"hold-1\"}"], "{backend}");
        let menus = bodies(&mut conn, &lookups[3].1, &["o1", "2026-12"]).await;
        assert_eq!(menus, ["{\"id\":\"menu-1\"}"], "{backend}");
        let all: i64 = sqlx::query("SELECT COUNT(*) AS n FROM docs")
            .fetch_one(&mut *conn)
            .await
            .expect("count")
            .get("n");
        assert_eq!(all, 3, "{backend}");
    }
}

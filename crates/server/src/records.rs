//! Records in SQL: loading what a mutation touches, writing what it produced
//! under the transaction's version, and the scoped reads of a pull.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use zhijian_domain::doc::Doc;
use zhijian_domain::mutation::{Touches, Write};
use zhijian_domain::replica::Records;
use zhijian_domain::{Actor, Member, Org};

use crate::error::ApiError;
use crate::routes::orgs::parse_enum;

/// The alliances (all, or one), with their members and rotation.
pub use crate::routes::orgs::alliances;

pub const ORG_COLUMNS: &str = "id, parent_id, name, kind, joint, area, place, path, version";

pub fn org_from_row(r: &AnyRow) -> Result<Org, ApiError> {
    let kind: String = r.try_get("kind")?;
    let area: Option<String> = r.try_get("area")?;
    let joint: i64 = r.try_get("joint")?;
    Ok(Org {
        id: r.try_get("id")?,
        parent_id: r.try_get("parent_id")?,
        name: r.try_get("name")?,
        kind: parse_enum(&kind)?,
        joint: joint != 0,
        area: area.as_deref().map(parse_enum).transpose()?,
        place: r.try_get("place")?,
        path: r.try_get("path")?,
    })
}

pub fn member_from_row(r: &AnyRow) -> Result<Member, ApiError> {
    Ok(Member {
        id: r.try_get("id")?,
        org_id: r.try_get("org_id")?,
        name: r.try_get("name")?,
        status: parse_enum(&r.try_get::<String, _>("status")?)?,
        mode: parse_enum(&r.try_get::<String, _>("mode")?)?,
        phone: r.try_get("phone")?,
        workplace: r.try_get("workplace")?,
    })
}

fn wire_name<T: serde::Serialize>(v: &T) -> Result<String, ApiError> {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .ok_or(ApiError::Internal)
}

/// Applies one mutation outside a push (demo data, scheduled jobs), in its
/// own transaction: the domain's refusal, or nothing written.
pub async fn apply_one(
    db: &crate::Db,
    actor: &Actor,
    op: &zhijian_domain::Op,
    now: i64,
) -> Result<Result<(), zhijian_domain::Rejection>, ApiError> {
    let touches = match op.checked_touches(actor) {
        Ok(t) => t,
        Err(r) => return Ok(Err(r)),
    };
    let mut tx = db.pool().begin().await?;
    let version = next_version(&mut tx).await?;
    lock(&mut tx, [&touches]).await?;
    let view = load(&mut tx, &touches).await?;
    let writes = match zhijian_domain::apply(actor, op, &view, now) {
        Ok(w) => w,
        Err(r) => return Ok(Err(r)),
    };
    check_reshape(&touches, &writes)?;
    write(&mut tx, &writes, &view, version).await?;
    tx.commit().await?;
    Ok(Ok(()))
}

pub fn is_postgres(conn: &AnyConnection) -> bool {
    conn.backend_name() == "PostgreSQL"
}

/// The version this transaction writes at (docs/sync.md "Versions").
/// SQLite: the next value of one counter, whose row lock also makes this
/// transaction the only writer. PostgreSQL: `version_base` plus this
/// transaction's id, which takes no lock: writers run side by side and a
/// pull reads only below the oldest one still running.
pub async fn next_version(conn: &mut AnyConnection) -> Result<u64, ApiError> {
    let v: i64 = sqlx::query(next_version_sql(conn))
        .fetch_one(&mut *conn)
        .await?
        .try_get("version")?;
    u64::try_from(v).map_err(|_| ApiError::Internal)
}

/// The statement behind `next_version`, for writers outside the API (demo data).
pub fn next_version_sql(conn: &AnyConnection) -> &'static str {
    if is_postgres(conn) {
        "SELECT version_base + pg_current_xact_id()::text::bigint AS version FROM sync_state WHERE id = 1"
    } else {
        "UPDATE sync_state SET version = version + 1 WHERE id = 1 RETURNING version"
    }
}

/// How long a pull waits for the writers that were running when it began.
const PULL_WAITS_FOR_WRITERS: std::time::Duration = std::time::Duration::from_secs(1);

/// The version every row at or below which is committed and visible, and
/// the scope epoch, read together. PostgreSQL: just below the oldest
/// transaction still running (`pg_snapshot_xmin`), since no transaction
/// that could still commit has an id below it. It first waits (up to a
/// second) for the transactions that were running when it began, so a
/// device that pulls right after its push sees its own writes.
pub async fn committed_version(conn: &mut AnyConnection) -> Result<(u64, u64), ApiError> {
    if !is_postgres(conn) {
        let row = sqlx::query("SELECT version, scope_epoch FROM sync_state WHERE id = 1")
            .fetch_one(&mut *conn)
            .await?;
        return Ok((as_u64(&row, "version")?, as_u64(&row, "scope_epoch")?));
    }
    let sql = "SELECT version_base + pg_snapshot_xmin(pg_current_snapshot())::text::bigint - 1 AS version, \
               scope_epoch, pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS xmin, \
               pg_snapshot_xmax(pg_current_snapshot())::text::bigint AS xmax \
               FROM sync_state WHERE id = 1";
    let started = std::time::Instant::now();
    let mut row = sqlx::query(sql).fetch_one(&mut *conn).await?;
    let began: i64 = row.try_get("xmax")?;
    while row.try_get::<i64, _>("xmin")? < began && started.elapsed() < PULL_WAITS_FOR_WRITERS {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        row = sqlx::query(sql).fetch_one(&mut *conn).await?;
    }
    Ok((as_u64(&row, "version")?, as_u64(&row, "scope_epoch")?))
}

fn as_u64(row: &AnyRow, column: &str) -> Result<u64, ApiError> {
    u64::try_from(row.try_get::<i64, _>(column)?).map_err(|_| ApiError::Internal)
}

/// The keys a mutation locks before it reads: every record `t` names that
/// it may change or whose invariant it checks (a capacity, a balance, a
/// stock, a wish's single claimer). Orgs are read, not locked: what writes
/// them takes the tree lock alone (`Touches::reshapes`).
fn lock_keys(t: &Touches) -> impl Iterator<Item = String> + '_ {
    t.docs
        .iter()
        .map(|d| format!("d:{d}"))
        .chain(t.members.iter().map(|m| format!("m:{m}")))
        .chain(t.wallets.iter().map(|m| format!("w:{m}")))
        .chain(t.alliances.iter().map(|a| format!("a:{a}")))
        .chain(t.menu_slot.iter().map(|(o, m, _)| format!("s:{o}:{m}")))
}

/// Locks what the mutations of a batch name, before any of them reads
/// (PostgreSQL; SQLite has one writer at a time). Transaction-scoped
/// advisory locks: a key need not be a row yet (two creations of one id
/// wait for each other). The tree lock is shared by every writer and
/// exclusive for one that reshapes the tree, whose paths the others read.
pub async fn lock<'a>(
    conn: &mut AnyConnection,
    touches: impl IntoIterator<Item = &'a Touches>,
) -> Result<(), ApiError> {
    if !is_postgres(conn) {
        return Ok(());
    }
    let mut keys = Vec::new();
    let mut reshapes = false;
    for t in touches {
        keys.extend(lock_keys(t));
        reshapes |= t.reshapes;
    }
    let tree = if reshapes {
        "SELECT pg_advisory_xact_lock($1)::text AS x"
    } else {
        "SELECT pg_advisory_xact_lock_shared($1)::text AS x"
    };
    sqlx::query(tree)
        .bind(lock_id("tree"))
        .fetch_all(&mut *conn)
        .await?;
    lock_more(conn, keys).await
}

/// A key's advisory-lock id: the first 8 bytes of its SHA-256 (a collision
/// only makes two writers wait for each other).
fn lock_id(key: &str) -> i64 {
    use sha2::{Digest, Sha256};
    let d = Sha256::digest(key.as_bytes());
    let mut b = [0u8; 8];
    b.copy_from_slice(&d[..8]);
    i64::from_be_bytes(b)
}

/// Locks `keys` in the order of their ids, in one statement per thousand,
/// so two batches never take the same two keys in opposite orders. (Keys
/// found only while loading can still cross: PostgreSQL then cancels one
/// statement with 40P01, and that push answers 503 to be retried.)
async fn lock_more(
    conn: &mut AnyConnection,
    keys: impl IntoIterator<Item = String>,
) -> Result<(), ApiError> {
    let ids: std::collections::BTreeSet<i64> = keys.into_iter().map(|k| lock_id(&k)).collect();
    if ids.is_empty() || !is_postgres(conn) {
        return Ok(());
    }
    let ids: Vec<i64> = ids.into_iter().collect();
    for chunk in ids.chunks(1000) {
        let values: Vec<String> = (1..=chunk.len())
            .map(|i| format!("(${i}::bigint)"))
            .collect();
        let sql = format!(
            "SELECT pg_advisory_xact_lock(k)::text AS x FROM (VALUES {}) AS t(k) ORDER BY k",
            values.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for id in chunk {
            q = q.bind(*id);
        }
        q.fetch_all(&mut *conn).await?;
    }
    Ok(())
}

/// What writes orgs must have said so in its touches, or it would run
/// beside writers reading the paths it changes.
pub fn check_reshape(t: &Touches, writes: &[Write]) -> Result<(), ApiError> {
    if !t.reshapes && writes.iter().any(|w| matches!(w, Write::Org(_))) {
        tracing::error!("a mutation wrote an org without declaring Touches::reshapes");
        return Err(ApiError::Internal);
    }
    Ok(())
}

pub fn doc_from_row(r: &AnyRow) -> Result<Doc, ApiError> {
    let body: String = r.try_get("body")?;
    serde_json::from_str(&body).map_err(|e| {
        tracing::error!(error = %e, "unreadable document in database");
        ApiError::Internal
    })
}

/// Parameters per multi-row statement (about a thousand rows): PostgreSQL
/// allows 65,535 and each statement is a round trip; SQLite's are
/// anonymous (`placeholders`), so binding them costs nothing per name.
const PARAMS_PER_STATEMENT: usize = 9_000;

/// Rows per multi-row statement, for rows of `params` parameters each.
pub fn rows_per_statement(params: usize) -> usize {
    (PARAMS_PER_STATEMENT / params.max(1)).max(1)
}

/// The placeholders of `n` values bound in order, the first being the
/// statement's `from`th: `$from, $from+1, …` on PostgreSQL, `?, ?, …` on
/// SQLite. A statement built with them uses them alone, in binding order.
/// (sqlx-sqlite looks each named parameter's name up, and SQLite finds a
/// name by walking the list of all of them: with statements of 400 `$n`s,
/// a tenth of a push's time went to that. Anonymous ones have no name.)
pub fn placeholders(conn: &AnyConnection, from: usize, n: usize) -> String {
    let anonymous = !is_postgres(conn);
    (from..from + n)
        .map(|i| {
            if anonymous {
                "?".to_owned()
            } else {
                format!("${i}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The condition of the index of documents by parent (`docs_children`):
/// only the kinds looked up by parent are in it, not the ledger's entries,
/// the bulk of the table. SQLite uses a partial index only for a query that
/// repeats its condition word for word: every lookup by parent ends with
/// this.
const CHILD_KINDS: &str = "kind IN ('activity', 'signup', 'checkin', 'hold')";

/// A member's holds, for `n` members.
fn holds_sql(conn: &AnyConnection, from: usize, n: usize) -> String {
    format!(
        "SELECT body FROM docs WHERE kind = 'hold' AND parent IN ({}) AND {CHILD_KINDS}",
        placeholders(conn, from, n)
    )
}

/// An activity and its sign-ups and check-ins.
fn activity_sql() -> String {
    format!(
        "SELECT body FROM docs WHERE id = $1 \
         UNION ALL SELECT body FROM docs WHERE parent = $2 AND {CHILD_KINDS}"
    )
}

/// A menu's activities.
fn menu_activities_sql() -> String {
    format!("SELECT body FROM docs WHERE kind = 'activity' AND parent = $1 AND {CHILD_KINDS}")
}

/// An org's menus of a month (index `docs_menu_slot`).
const MENU_SLOT_SQL: &str =
    "SELECT body FROM docs WHERE kind = 'menu' AND org_id = $1 AND parent = $2";

/// Every lookup of documents through a partial index, with the index's
/// name and the number of parameters it binds: `tests/indexes.rs` asks each
/// database's planner whether it uses the index.
pub fn partial_index_lookups(conn: &AnyConnection) -> Vec<(&'static str, String, usize)> {
    vec![
        ("docs_children", holds_sql(conn, 1, 2), 2),
        ("docs_children", activity_sql(), 2),
        ("docs_children", menu_activities_sql(), 1),
        ("docs_menu_slot", MENU_SLOT_SQL.to_owned(), 2),
    ]
}

/// The documents with these ids that exist, in one statement.
async fn docs_by_id(conn: &mut AnyConnection, ids: &[String]) -> Result<Vec<AnyRow>, ApiError> {
    docs_and_holds(conn, ids, &[]).await
}

/// The documents with these ids that exist and the holds on these members'
/// credits, in one statement.
async fn docs_and_holds(
    conn: &mut AnyConnection,
    ids: &[String],
    holders: &[String],
) -> Result<Vec<AnyRow>, ApiError> {
    if ids.is_empty() && holders.is_empty() {
        return Ok(Vec::new());
    }
    // UNION ALL, not OR: each part keeps its index in PostgreSQL's generic
    // plan (with OR it scanned the table: 1.6 ms a statement). A hold named
    // by id comes twice, which loading absorbs.
    let mut parts = Vec::new();
    if !ids.is_empty() {
        parts.push(format!(
            "SELECT body FROM docs WHERE id IN ({})",
            placeholders(conn, 1, ids.len())
        ));
    }
    if !holders.is_empty() {
        parts.push(holds_sql(conn, ids.len() + 1, holders.len()));
    }
    let sql = parts.join(" UNION ALL ");
    let mut q = sqlx::query(&sql);
    for id in ids.iter().chain(holders) {
        q = q.bind(id);
    }
    Ok(q.fetch_all(&mut *conn).await?)
}

async fn load_org(conn: &mut AnyConnection, view: &mut Records, id: &str) -> Result<(), ApiError> {
    if view.orgs.contains_key(id) {
        return Ok(());
    }
    if let Some(r) = sqlx::query(&format!("SELECT {ORG_COLUMNS} FROM orgs WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
    {
        let org = org_from_row(&r)?;
        view.orgs.insert(org.id.clone(), org);
    }
    Ok(())
}

/// The documents `t` names; with an activity (or a sign-up's or check-in's)
/// also its sign-ups and check-ins; and every document's org.
async fn load_docs(
    conn: &mut AnyConnection,
    t: &Touches,
    view: &mut Records,
) -> Result<(), ApiError> {
    let mut activities = Vec::new();
    let mut more = Vec::new();
    let mut wallets = t.wallets.clone();
    // One statement for the documents `t` names, the wallets and holds of
    // the members `t` names as moving credits, and the credit rules above
    // them (their records, read first, give their orgs' paths).
    let mut ids = t.docs.clone();
    load_members(conn, view, &t.wallets).await?;
    ids.extend(
        t.wallets
            .iter()
            .map(|m| zhijian_domain::ledger::Wallet::id_for(m)),
    );
    let mut rules_read = std::collections::BTreeSet::new();
    if !t.wallets.is_empty() {
        rules_read.extend(rules_ids(view));
        ids.extend(rules_read.iter().cloned());
    }
    for r in docs_and_holds(conn, &ids, &t.wallets).await? {
        let d = doc_from_row(&r)?;
        match &d {
            Doc::Activity(a) => activities.push(a.id.clone()),
            Doc::Signup(s) => activities.push(s.activity_id.clone()),
            Doc::CheckIn(c) => {
                activities.push(c.activity_id.clone());
                wallets.push(c.member_id.clone());
            }
            Doc::Entry(e) => wallets.push(e.member_id.clone()),
            Doc::Hold(h) => wallets.push(h.member_id.clone()),
            Doc::Wish(w) => wallets.extend(w.claimed_by.clone()),
            Doc::Redemption(r) => more.push(r.reward_id.clone()),
            Doc::Menu(_)
            | Doc::Wallet(_)
            | Doc::Reward(_)
            | Doc::Pledge(_)
            | Doc::Rules(_)
            | Doc::Meeting(_)
            | Doc::MeetingRules(_)
            | Doc::Course(_)
            | Doc::Reflection(_)
            | Doc::MemberKey(_)
            | Doc::MemberCard(_)
            | Doc::CodeUse(_) => {}
        }
        view.put_doc(d);
    }
    // What the documents named lead to is locked before it is read, as
    // what `t` names was (`lock`).
    wallets.sort();
    wallets.dedup();
    activities.sort();
    activities.dedup();
    lock_more(
        conn,
        more.iter()
            .chain(&activities)
            .filter(|d| !t.docs.contains(d))
            .map(|d| format!("d:{d}"))
            .chain(
                wallets
                    .iter()
                    .filter(|m| !t.wallets.contains(m))
                    .map(|m| format!("w:{m}")),
            ),
    )
    .await?;
    for r in docs_by_id(conn, &more).await? {
        view.put_doc(doc_from_row(&r)?);
    }
    // Whoever else's credits move: their record, wallet and holds.
    let others: Vec<String> = wallets
        .iter()
        .filter(|m| !t.wallets.contains(m))
        .cloned()
        .collect();
    load_members(conn, view, &others).await?;
    let their_wallets: Vec<String> = others
        .iter()
        .map(|m| zhijian_domain::ledger::Wallet::id_for(m))
        .collect();
    for r in docs_and_holds(conn, &their_wallets, &others).await? {
        view.put_doc(doc_from_row(&r)?);
    }
    for a in &activities {
        for r in sqlx::query(&activity_sql())
            .bind(a)
            .bind(a)
            .fetch_all(&mut *conn)
            .await?
        {
            let d = doc_from_row(&r)?;
            // An activity's children are sign-ups and check-ins (a menu's
            // activities have the menu as parent, never an activity).
            if matches!(d, Doc::Activity(_) | Doc::Signup(_) | Doc::CheckIn(_)) {
                view.put_doc(d);
            }
        }
    }
    // A menu's activities (removing an item that has some is refused).
    let menu_ids: Vec<String> = view.menus().keys().cloned().collect();
    for id in menu_ids {
        for r in sqlx::query(&menu_activities_sql())
            .bind(&id)
            .fetch_all(&mut *conn)
            .await?
        {
            view.put_doc(doc_from_row(&r)?);
        }
    }
    if let Some((org, month, _)) = &t.menu_slot {
        // The org's menus of the month (its own and any joint one it hosts).
        for r in sqlx::query(MENU_SLOT_SQL)
            .bind(org)
            .bind(month.to_string())
            .fetch_all(&mut *conn)
            .await?
        {
            view.put_doc(doc_from_row(&r)?);
        }
    }
    for id in &t.alliances {
        for a in crate::routes::orgs::alliances(conn, Some(id)).await? {
            if view.find_alliance(&a.id).is_none() {
                view.alliances.push(a);
            }
        }
    }
    // Every document's org and audience, for scope and audience checks.
    let orgs: Vec<String> = view
        .menus()
        .values()
        .flat_map(|m| std::iter::once(&m.org_id).chain(&m.audience))
        .chain(
            view.activities()
                .values()
                .flat_map(|a| std::iter::once(&a.org_id).chain(&a.audience)),
        )
        .chain(view.rewards().values().map(|r| &r.org_id))
        .chain(view.wishes().values().map(|w| &w.org_id))
        .chain(view.wallets().values().map(|w| &w.org_id))
        .chain(view.entries().values().map(|e| &e.org_id))
        .cloned()
        .collect();
    for id in orgs {
        load_org(conn, view, &id).await?;
    }
    if !wallets.is_empty() {
        // Credits move: the rules (rate, expiry) of every org above.
        let rules: Vec<String> = rules_ids(view)
            .into_iter()
            .filter(|id| !rules_read.contains(id))
            .collect();
        for r in docs_by_id(conn, &rules).await? {
            view.put_doc(doc_from_row(&r)?);
        }
    }
    Ok(())
}

/// The ids of the credit rules of every org in `view` and above it.
fn rules_ids(view: &Records) -> std::collections::BTreeSet<String> {
    view.orgs
        .values()
        .flat_map(|o| {
            o.path
                .split('/')
                .filter(|s| !s.is_empty())
                .map(zhijian_domain::credits::CreditRules::id_for)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Loads the members with these ids (those not in `view` yet) with their
/// orgs, a few hundred to a statement: permission checks need the org.
async fn load_members(
    conn: &mut AnyConnection,
    view: &mut Records,
    ids: &[String],
) -> Result<(), ApiError> {
    let mut wanted: Vec<&String> = ids
        .iter()
        .filter(|id| !view.members.contains_key(id.as_str()))
        .collect();
    wanted.sort();
    wanted.dedup();
    for chunk in wanted.chunks(500) {
        let sql = format!(
            "SELECT m.id, m.org_id, m.name, m.status, m.mode, m.phone, m.workplace, {ORG_PREFIXED} \
             FROM members m JOIN orgs o ON o.id = m.org_id WHERE m.id IN ({})",
            placeholders(conn, 1, chunk.len())
        );
        let mut q = sqlx::query(&sql);
        for id in chunk {
            q = q.bind(*id);
        }
        for row in q.fetch_all(&mut *conn).await? {
            let m = member_from_row(&row)?;
            view.orgs
                .entry(m.org_id.clone())
                .or_insert(org_from_prefixed(&row)?);
            view.members.insert(m.id.clone(), m);
        }
    }
    Ok(())
}

/// Loads the records `touches` names (and a subtree when asked) into a view.
pub async fn load(conn: &mut AnyConnection, t: &Touches) -> Result<Records, ApiError> {
    let mut view = Records {
        holds_secrets: true,
        verifier: Some(crate::signature::VERIFIER),
        ..Records::default()
    };
    for id in &t.orgs {
        let row = sqlx::query(&format!("SELECT {ORG_COLUMNS} FROM orgs WHERE id = $1"))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
        if let Some(row) = row {
            let org = org_from_row(&row)?;
            if t.subtree && view.orgs.is_empty() {
                for r in sqlx::query(&format!(
                    "SELECT {ORG_COLUMNS} FROM orgs WHERE path LIKE $1"
                ))
                .bind(format!("{}%", org.path))
                .fetch_all(&mut *conn)
                .await?
                {
                    let d = org_from_row(&r)?;
                    view.orgs.insert(d.id.clone(), d);
                }
            }
            view.orgs.insert(org.id.clone(), org);
        }
    }
    load_members(conn, &mut view, &t.members).await?;
    if !t.docs.is_empty()
        || t.menu_slot.is_some()
        || !t.alliances.is_empty()
        || !t.wallets.is_empty()
    {
        load_docs(conn, t, &mut view).await?;
    }
    Ok(view)
}

/// The kiosk grants `digests` name, for a mutation's view
/// (`kiosk_grant::WithGrants`).
pub async fn kiosk_grants(
    conn: &mut AnyConnection,
    digests: &[String],
) -> Result<Vec<zhijian_domain::kiosk_grant::KioskGrant>, ApiError> {
    if digests.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT digest, member_id, via, number, kiosk_account, session, expires_at \
         FROM kiosk_grants WHERE digest IN ({})",
        placeholders(conn, 1, digests.len())
    );
    let mut q = sqlx::query(&sql);
    for d in digests {
        q = q.bind(d);
    }
    q.fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| {
            use zhijian_domain::kiosk_grant::{KioskGrant, Via};
            Ok(KioskGrant {
                digest: r.try_get("digest")?,
                member_id: r.try_get("member_id")?,
                via: Via::from_row(&r.try_get::<String, _>("via")?, r.try_get("number")?)
                    .ok_or(ApiError::Internal)?,
                kiosk: r.try_get("kiosk_account")?,
                session: r.try_get("session")?,
                expires_at: r.try_get("expires_at")?,
            })
        })
        .collect()
}

/// Records a grant for a kiosk's visit (`kiosk_grant`) and returns its
/// token and expiry; `None` when `via` is a short code that already granted
/// a visit (each grants one).
pub async fn grant_visit(
    conn: &mut AnyConnection,
    member_id: &str,
    via: zhijian_domain::kiosk_grant::Via,
    kiosk: &str,
    session: &str,
    now: i64,
) -> Result<Option<(String, i64)>, ApiError> {
    let grant = crate::auth::new_token()?;
    let expires_at = now + zhijian_domain::kiosk_grant::GRANT_SECS;
    let inserted = sqlx::query(
        "INSERT INTO kiosk_grants (digest, member_id, via, number, kiosk_account, session, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (member_id, number) WHERE via = 'short' DO NOTHING",
    )
    .bind(zhijian_domain::kiosk_grant::KioskGrant::digest_of(&grant))
    .bind(member_id)
    .bind(via.kind())
    .bind(via.number())
    .bind(kiosk)
    .bind(session)
    .bind(expires_at)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok((inserted == 1).then_some((grant, expires_at)))
}

/// Drops grants a month after they expired (a kiosk's queue may reach the
/// server days late); returns how many.
pub async fn purge_grants(pool: &sqlx::AnyPool, now: i64) -> Result<u64, ApiError> {
    Ok(
        sqlx::query("DELETE FROM kiosk_grants WHERE expires_at < $1")
            .bind(now - 30 * 24 * 3600)
            .execute(pool)
            .await?
            .rows_affected(),
    )
}

/// Writes (upserts) records at `version`. Returns whether the org tree was
/// reshaped (a path changed), which changes scopes.
pub async fn write(
    conn: &mut AnyConnection,
    writes: &[Write],
    before: &Records,
    version: u64,
) -> Result<bool, ApiError> {
    let v = i64::try_from(version).map_err(|_| ApiError::Internal)?;
    let mut reshaped = false;
    let mut docs = Vec::new();
    let mut members = Vec::new();
    for w in writes {
        match w {
            Write::Org(o) => {
                if let Some(old) = before.orgs.get(&o.id).filter(|old| old.path != o.path) {
                    reshaped = true;
                    // Audiences name org paths: follow the org (and its
                    // subtree, whose paths start with the old one).
                    sqlx::query(
                        "UPDATE docs SET audience = REPLACE(audience, $1, $2) WHERE audience LIKE $3",
                    )
                    .bind(format!(",{}", old.path))
                    .bind(format!(",{}", o.path))
                    .bind(format!("%,{}%", old.path))
                    .execute(&mut *conn)
                    .await?;
                }
                sqlx::query(
                    "INSERT INTO orgs (id, parent_id, name, kind, joint, area, place, path, version) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                     ON CONFLICT (id) DO UPDATE SET parent_id = excluded.parent_id, name = excluded.name, \
                     kind = excluded.kind, joint = excluded.joint, area = excluded.area, place = excluded.place, \
                     path = excluded.path, version = excluded.version",
                )
                .bind(&o.id)
                .bind(&o.parent_id)
                .bind(&o.name)
                .bind(wire_name(&o.kind)?)
                .bind(i64::from(o.joint))
                .bind(o.area.map(|a| wire_name(&a)).transpose()?)
                .bind(&o.place)
                .bind(&o.path)
                .bind(v)
                .execute(&mut *conn)
                .await?;
            }
            Write::Doc(d) => docs.push(d),
            Write::Member(m) => members.push(m),
        }
    }
    upsert_members(conn, &members, v).await?;
    upsert_docs(conn, &docs, v).await?;
    if reshaped {
        // Documents follow their org to its new place in the tree.
        sqlx::query(
            "UPDATE docs SET scope_path = (SELECT path FROM orgs WHERE orgs.id = docs.org_id) \
             WHERE scope_path <> (SELECT path FROM orgs WHERE orgs.id = docs.org_id)",
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(reshaped)
}

/// The last of each id's writes, in the order of those last writes: one row
/// per id in a statement, or PostgreSQL refuses to update a row twice in it.
fn last_of_each<'a, T>(writes: &[&'a T], id: impl Fn(&T) -> &str) -> Vec<&'a T> {
    let mut seen = std::collections::HashSet::new();
    let mut last: Vec<&T> = writes
        .iter()
        .rev()
        .filter(|w| seen.insert(id(w)))
        .copied()
        .collect();
    last.reverse();
    last
}

/// Members in one statement per thousand or so (the last write of an id wins).
async fn upsert_members(
    conn: &mut AnyConnection,
    members: &[&Member],
    v: i64,
) -> Result<(), ApiError> {
    let last = last_of_each(members, |m| &m.id);
    for chunk in last.chunks(rows_per_statement(8)) {
        let rows: Vec<String> = (0..chunk.len())
            .map(|i| format!("({})", placeholders(conn, i * 8 + 1, 8)))
            .collect();
        let sql = format!(
            "INSERT INTO members (id, org_id, name, status, mode, phone, workplace, version) \
             VALUES {} \
             ON CONFLICT (id) DO UPDATE SET org_id = excluded.org_id, name = excluded.name, \
             status = excluded.status, mode = excluded.mode, phone = excluded.phone, \
             workplace = excluded.workplace, version = excluded.version",
            rows.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for m in chunk {
            q = q
                .bind(&m.id)
                .bind(&m.org_id)
                .bind(&m.name)
                .bind(wire_name(&m.status)?)
                .bind(wire_name(&m.mode)?)
                .bind(&m.phone)
                .bind(&m.workplace)
                .bind(v);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// A mutation's documents in one statement (an entry and a wallet, a
/// check-in and its activity…), after its orgs, whose paths they take.
async fn upsert_docs(conn: &mut AnyConnection, docs: &[&Doc], v: i64) -> Result<(), ApiError> {
    let last = last_of_each(docs, |d| d.id());
    for chunk in last.chunks(rows_per_statement(7)) {
        upsert_doc_rows(conn, chunk, v).await?;
    }
    Ok(())
}

async fn upsert_doc_rows(conn: &mut AnyConnection, last: &[&Doc], v: i64) -> Result<(), ApiError> {
    let mut rows = Vec::new();
    let mut values = Vec::new();
    for (i, d) in last.iter().enumerate() {
        let mut people: Vec<String> = d.people().into_iter().map(str::to_owned).collect();
        people.extend(d.accounts().into_iter().map(|a| format!("@{a}")));
        let people = if people.is_empty() {
            String::new()
        } else {
            format!(",{},", people.join(","))
        };
        let body = serde_json::to_string(d).map_err(|_| ApiError::Internal)?;
        let audience = audience_paths(conn, d).await?;
        rows.push(format!("({})", placeholders(conn, i * 7 + 1, 7)));
        values.push((d, people, audience, body));
    }
    // The org's path by one join for the whole statement, not a subquery
    // per row: PostgreSQL planned 200 of those for every statement (half
    // of a credit award's cost in the database). `WHERE true` tells
    // SQLite's parser the upsert's ON is not the join's.
    let sql = format!(
        "WITH v (id, kind, org_id, parent, people, audience, body) AS (VALUES {}) \
         INSERT INTO docs (id, kind, org_id, parent, scope_path, people, audience, body, version) \
         SELECT v.id, v.kind, v.org_id, v.parent, o.path, v.people, v.audience, v.body, {} \
         FROM v JOIN orgs o ON o.id = v.org_id WHERE true \
         ON CONFLICT (id) DO UPDATE SET org_id = excluded.org_id, parent = excluded.parent, \
         scope_path = excluded.scope_path, people = excluded.people, \
         audience = excluded.audience, body = excluded.body, version = excluded.version",
        rows.join(", "),
        placeholders(conn, last.len() * 7 + 1, 1)
    );
    let mut q = sqlx::query(&sql);
    for (d, people, audience, body) in values {
        q = q
            .bind(d.id())
            .bind(d.kind())
            .bind(d.org_id())
            .bind(d.parent())
            .bind(people)
            .bind(audience)
            .bind(body);
    }
    let written = q.bind(v).execute(&mut *conn).await?.rows_affected();
    // A document whose org is missing would be left out by the join.
    if written != last.len() as u64 {
        tracing::error!(
            written,
            expected = last.len(),
            "documents without their org in the database"
        );
        return Err(ApiError::Internal);
    }
    Ok(())
}

/// Rows changed in `(after, upto]`, at most `limit` per table, by version.
pub struct Page {
    pub orgs: Vec<(u64, Org)>,
    pub members: Vec<(u64, Member, Org)>,
    /// With the audience paths (',/a/,/b/,') of public documents.
    pub docs: Vec<(u64, Doc, Org, String)>,
}

fn version_of(r: &AnyRow) -> Result<u64, ApiError> {
    u64::try_from(r.try_get::<i64, _>("version")?).map_err(|_| ApiError::Internal)
}

/// ',/a/b/,/a/c/,': the paths of the orgs a public document is for.
async fn audience_paths(conn: &mut AnyConnection, d: &Doc) -> Result<String, ApiError> {
    let ids = d.audience();
    if ids.is_empty() {
        return Ok(String::new());
    }
    let mut out = String::from(",");
    for id in ids {
        let path: Option<String> = sqlx::query("SELECT path FROM orgs WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
            .map(|r| r.try_get("path"))
            .transpose()?;
        if let Some(p) = path {
            out.push_str(&p);
            out.push(',');
        }
    }
    Ok(out)
}

/// Every prefix of the paths: '/a/b/' gives '/', '/a/', '/a/b/'.
fn ancestors(paths: &[String]) -> Vec<String> {
    let mut out: Vec<String> = paths
        .iter()
        .flat_map(|p| {
            p.char_indices()
                .filter(|(_, c)| *c == '/')
                .map(|(i, _)| p[..=i].to_owned())
                .collect::<Vec<_>>()
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

fn org_from_prefixed(r: &AnyRow) -> Result<Org, ApiError> {
    Ok(Org {
        id: r.try_get("o_id")?,
        parent_id: r.try_get("o_parent_id")?,
        name: r.try_get("o_name")?,
        kind: parse_enum(&r.try_get::<String, _>("o_kind")?)?,
        joint: r.try_get::<i64, _>("o_joint")? != 0,
        area: r
            .try_get::<Option<String>, _>("o_area")?
            .as_deref()
            .map(parse_enum)
            .transpose()?,
        place: r.try_get("o_place")?,
        path: r.try_get("o_path")?,
    })
}

const ORG_PREFIXED: &str = "o.id AS o_id, o.parent_id AS o_parent_id, o.name AS o_name, \
    o.kind AS o_kind, o.joint AS o_joint, o.area AS o_area, o.place AS o_place, o.path AS o_path";

/// Documents in `(after, upto]` the actor may see: everything under the orgs
/// they manage, the menus and activities meant for their orgs (an audience
/// path is a prefix of one of the actor's paths), and the private documents
/// about them. Redacted by the domain after.
async fn changed_docs(
    conn: &mut AnyConnection,
    after: i64,
    upto: i64,
    actor: &Actor,
    lim: &str,
) -> Result<Vec<(u64, Doc, Org, String)>, ApiError> {
    let own = ancestors(&actor.own_paths());
    let managed = actor.managed_scopes();
    let mut filter = vec!["d.people LIKE $3".to_owned(), "d.people LIKE $4".to_owned()];
    let mut n = 4;
    for _ in &own {
        n += 1;
        filter.push(format!("d.audience LIKE ${n}"));
    }
    for _ in &managed {
        n += 1;
        filter.push(format!("d.scope_path LIKE ${n}"));
    }
    // A kiosk checks its members' codes and cards offline: their public
    // keys and their cards' digests.
    let stations = actor.station_scopes();
    for _ in &stations {
        n += 1;
        filter.push(format!(
            "(d.kind IN ('member_key', 'member_card') AND d.scope_path LIKE ${n})"
        ));
    }
    let sql = format!(
        "SELECT d.body, d.version, d.audience, {ORG_PREFIXED} FROM docs d JOIN orgs o ON o.id = d.org_id \
         WHERE d.version > $1 AND d.version <= $2 AND ({}) ORDER BY d.version, d.id{lim}",
        filter.join(" OR ")
    );
    let me = actor.member_id.as_deref().unwrap_or("");
    let mut q = sqlx::query(&sql)
        .bind(after)
        .bind(upto)
        .bind(format!("%,{me},%"))
        .bind(format!("%,@{},%", actor.account_id));
    for p in &own {
        q = q.bind(format!("%,{p},%"));
    }
    for m in managed.iter().chain(&stations) {
        q = q.bind(format!("{m}%"));
    }
    let mut out = Vec::new();
    for r in q.fetch_all(&mut *conn).await? {
        out.push((
            version_of(&r)?,
            doc_from_row(&r)?,
            org_from_prefixed(&r)?,
            r.try_get("audience")?,
        ));
    }
    Ok(out)
}

/// Member rows visible under any of `scopes` (org path prefixes) or the
/// actor's own record, and the documents the actor may see.
pub async fn changed(
    conn: &mut AnyConnection,
    after: u64,
    upto: u64,
    actor: &Actor,
    limit: Option<usize>,
) -> Result<Page, ApiError> {
    let scopes = &actor.visible_member_scopes();
    let me = actor.member_id.as_deref();
    let after = i64::try_from(after).map_err(|_| ApiError::Internal)?;
    let upto = i64::try_from(upto).map_err(|_| ApiError::Internal)?;
    let lim = limit.map_or(String::new(), |l| format!(" LIMIT {l}"));
    let mut orgs = Vec::new();
    for r in sqlx::query(&format!(
        "SELECT {ORG_COLUMNS} FROM orgs WHERE version > $1 AND version <= $2 ORDER BY version, id{lim}"
    ))
    .bind(after)
    .bind(upto)
    .fetch_all(&mut *conn)
    .await?
    {
        orgs.push((version_of(&r)?, org_from_row(&r)?));
    }
    // Scopes are path prefixes of [0-9a-z-/] only, so LIKE needs no escaping.
    let mut filter: Vec<String> = (0..scopes.len())
        .map(|i| format!("o.path LIKE ${}", i + 4))
        .collect();
    filter.push("m.id = $3".into());
    let sql = format!(
        "SELECT m.id, m.org_id, m.name, m.status, m.mode, m.phone, m.workplace, m.version, \
         {ORG_PREFIXED} FROM members m JOIN orgs o ON o.id = m.org_id \
         WHERE m.version > $1 AND m.version <= $2 AND ({}) ORDER BY m.version, m.id{lim}",
        filter.join(" OR ")
    );
    let mut q = sqlx::query(&sql)
        .bind(after)
        .bind(upto)
        .bind(me.unwrap_or(""));
    for s in scopes {
        q = q.bind(format!("{s}%"));
    }
    let mut members = Vec::new();
    for r in q.fetch_all(&mut *conn).await? {
        members.push((
            version_of(&r)?,
            member_from_row(&r)?,
            org_from_prefixed(&r)?,
        ));
    }
    let docs = changed_docs(conn, after, upto, actor, &lim).await?;
    Ok(Page {
        orgs,
        members,
        docs,
    })
}

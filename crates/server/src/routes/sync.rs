//! `POST /api/sync/push` and `POST /api/sync/pull` (docs/sync.md).

use axum::extract::State;
use sqlx::{Any, Row, Transaction};
use zhijian_domain::kiosk_grant::WithGrants;
use zhijian_domain::mutation::Touches;
use zhijian_domain::sync::{
    Change, MAX_PUSH_MUTATIONS, Mutation, MutationResult, Outcome, PULL_PAGE, PullRequest,
    PullResponse, PushRequest, PushResponse, SCHEMA_VERSION,
};
use zhijian_domain::{Actor, Op, Rejection, apply, refusal, validate};

use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, ApiJson};
use crate::limits::Backoff;
use crate::{records, throttle};

mod ahead;

fn check_schema(v: u32) -> Result<(), ApiError> {
    if v == SCHEMA_VERSION {
        Ok(())
    } else {
        Err(ApiError::BadRequest(format!(
            "unsupported schema_version {v}; this server speaks {SCHEMA_VERSION}"
        )))
    }
}

fn to_i64(v: u64) -> Result<i64, ApiError> {
    i64::try_from(v).map_err(|_| ApiError::BadRequest("number out of range".into()))
}

/// Registers `client_id` to the account on first use; refuses another
/// account's client id. Returns its last processed seq.
async fn claim_client(
    state: &AppState,
    client_id: &str,
    account_id: &str,
) -> Result<u64, ApiError> {
    validate::id(validate::Field::ClientId, client_id)
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    sqlx::query("INSERT INTO sync_clients (client_id, account_id, last_seq) VALUES ($1, $2, 0) ON CONFLICT (client_id) DO NOTHING")
        .bind(client_id)
        .bind(account_id)
        .execute(state.db.pool())
        .await?;
    let row = sqlx::query("SELECT account_id, last_seq FROM sync_clients WHERE client_id = $1")
        .bind(client_id)
        .fetch_one(state.db.pool())
        .await?;
    let owner: String = row.try_get("account_id")?;
    if owner != account_id {
        tracing::warn!(%client_id, "client id of another account");
        return Err(ApiError::Forbidden(
            "client_id belongs to another account".into(),
        ));
    }
    u64::try_from(row.try_get::<i64, _>("last_seq")?).map_err(|_| ApiError::Internal)
}

/// Five wrong codes for one record are free (a mistyped digit, a code read
/// as it changed); then a minute's wait, doubling up to half an hour. At
/// that rate a 6-digit code is out of reach.
const CODE_BACKOFF: Backoff = Backoff {
    free: 5,
    first_ms: 60_000,
    max_ms: 30 * 60_000,
};

/// The record whose code a mutation enters, if it enters one.
fn guessed_record(op: &Op) -> Option<&str> {
    match op {
        Op::CheckIn(n) => Some(&n.activity_id),
        Op::CheckOut {
            checkin_id,
            code: Some(_),
            ..
        } => Some(checkin_id),
        _ => None,
    }
}

enum Refusal {
    Domain(Rejection),
    /// Too many wrong codes: refused without looking at this one.
    Throttled(u64),
}

enum Step {
    Skipped,
    Gap(u64),
    Reused(u64),
    Done(Box<MutationResult>),
}

/// One mutation of the batch's transaction, `last` being the client's last
/// processed seq: check the seq, apply with the domain, write at the batch's
/// version. Its result is stored with the batch's (`finish`). A database
/// error may leave part of it written: the caller then runs the batch again
/// without it (`push`).
async fn push_one(
    tx: &mut Transaction<'static, Any>,
    version: u64,
    actor: &Actor,
    client_id: &str,
    last: u64,
    m: &Mutation,
    touches: Result<Touches, Rejection>,
) -> Result<Step, ApiError> {
    if m.seq > last + 1 {
        return Ok(Step::Gap(last + 1));
    }
    if m.seq <= last {
        // Processed before: a replay of the same mutation (skip), or another
        // mutation under a reused seq (the client must renumber).
        let stored: Option<Option<String>> = sqlx::query(
            "SELECT mutation_id FROM mutation_results WHERE client_id = $1 AND seq = $2",
        )
        .bind(client_id)
        .bind(to_i64(m.seq)?)
        .fetch_optional(&mut **tx)
        .await?
        .map(|r| r.try_get("mutation_id"))
        .transpose()?;
        let same = match stored.flatten() {
            Some(id) if !id.is_empty() && !m.id.is_empty() => id == m.id,
            // No id on either side (older clients, purged results): a replay.
            _ => true,
        };
        return Ok(if same {
            Step::Skipped
        } else {
            Step::Reused(last + 1)
        });
    }
    // Ids and counts were checked before anything was read or locked, the
    // throttle included (an id with U+0000 never reaches the database).
    // Wrong codes are counted per account and record: guessing stops.
    let code_key = guessed_record(&m.op)
        .filter(|_| touches.is_ok())
        .map(|id| throttle::code_key(&actor.account_id, id));
    let locked = match &code_key {
        Some(key) => throttle::check(tx, &[key.as_str()], throttle::now_ms())
            .await
            .err(),
        None => None,
    };
    let applied = match (locked, touches) {
        (Some(ApiError::Throttled { retry_after }), _) => Err(Refusal::Throttled(retry_after)),
        (Some(e), _) => return Err(e),
        (None, Ok(touches)) => {
            let view = records::load(tx, &touches).await?;
            let grants = records::kiosk_grants(tx, &touches.kiosk_grants).await?;
            match apply(
                actor,
                &m.op,
                &WithGrants(&view, &grants),
                crate::auth::now_secs(),
            ) {
                Ok(w) => {
                    records::check_reshape(&touches, &w)?;
                    Ok((w, view))
                }
                Err(r) => Err(Refusal::Domain(r)),
            }
        }
        (None, Err(r)) => Err(Refusal::Domain(r)),
    };
    // No clearing on success: a check-in (or check-out) happens once per
    // key, so its count is never read again; the hourly purge drops it.
    if let (Some(key), Err(Refusal::Domain(Rejection::WrongCode))) = (&code_key, &applied) {
        let failures = throttle::record_failure(tx, key, CODE_BACKOFF, throttle::now_ms()).await?;
        tracing::info!(account = %actor.account_id, failures, "wrong check-in code");
    }
    let outcome = match applied {
        Ok((writes, view)) => {
            if records::write(tx, &writes, &view, version).await? {
                sqlx::query("UPDATE sync_state SET scope_epoch = scope_epoch + 1 WHERE id = 1")
                    .execute(&mut **tx)
                    .await?;
            }
            Outcome::Ok
        }
        Err(Refusal::Domain(r)) => refused(&r),
        Err(Refusal::Throttled(secs)) => {
            let (message, reason) = refusal::code_throttled(secs.div_ceil(60).max(1));
            Outcome::Rejected {
                code: "throttled".into(),
                message,
                reason: Some(reason),
            }
        }
    };
    Ok(Step::Done(Box::new(MutationResult {
        seq: m.seq,
        name: m.op.name().into(),
        outcome,
    })))
}

/// A mutation's refusal as its result says it.
fn refused(r: &Rejection) -> Outcome {
    Outcome::Rejected {
        code: r.code().into(),
        message: r.to_string(),
        reason: Some(r.reason()),
    }
}

/// The id a mutation's result is stored with, if the client gave one.
fn stored_id(m: &Mutation) -> Option<String> {
    (!m.id.is_empty()).then(|| m.id.clone())
}

fn rejected(client: &str, r: &MutationResult) {
    if let Outcome::Rejected { code, .. } = &r.outcome {
        tracing::info!(client, seq = r.seq, name = %r.name, %code, "mutation rejected");
    }
}

/// What one run of a batch did.
struct Ran {
    results: Vec<(MutationResult, Option<String>)>,
    last_seq: u64,
    /// A seq problem that stopped the batch (the rest not run).
    stop: Option<ApiError>,
}

/// A database error at the batch's `at`-th mutation: nothing was committed.
/// `ahead`: it came while the batch was read ahead, where it belongs to no
/// one mutation: the batch is run again one by one.
struct Failed {
    at: usize,
    error: ApiError,
    ahead: bool,
}

/// Runs the first `take` mutations of the batch in one transaction, one
/// commit: takes the version and the locks, reads the client's last seq
/// (its row locked), applies (read ahead when `read_ahead` and `ahead::plan`
/// allow, else one by one), then stores the new last seq and every result
/// in one statement each.
async fn run_batch(
    state: &AppState,
    auth: &Auth,
    req: &PushRequest,
    touches: &[Result<Touches, Rejection>],
    take: usize,
    read_ahead: bool,
) -> Result<Ran, Failed> {
    let fail = |at: usize| {
        move |error: ApiError| Failed {
            at,
            error,
            ahead: false,
        }
    };
    let failed = |error: sqlx::Error| Failed {
        at: 0,
        error: error.into(),
        ahead: false,
    };
    let mut tx = state.db.pool().begin().await.map_err(failed)?;
    let version = records::next_version(&mut tx).await.map_err(fail(0))?;
    records::lock(
        &mut tx,
        touches[..take].iter().filter_map(|t| t.as_ref().ok()),
    )
    .await
    .map_err(fail(0))?;
    let sql = if records::is_postgres(&tx) {
        "SELECT last_seq FROM sync_clients WHERE client_id = $1 FOR UPDATE"
    } else {
        "SELECT last_seq FROM sync_clients WHERE client_id = $1"
    };
    let last: i64 = sqlx::query(sql)
        .bind(&req.client_id)
        .fetch_one(&mut *tx)
        .await
        .and_then(|r| r.try_get("last_seq"))
        .map_err(failed)?;
    let mut last_seq = u64::try_from(last).map_err(|_| fail(0)(ApiError::Internal))?;
    let before = last_seq;
    let mut results = Vec::new();
    let mut stop = None;
    let (mutations, touches) = (&req.mutations[..take], &touches[..take]);
    let plan = read_ahead
        .then(|| ahead::plan(mutations, touches, last_seq))
        .flatten();
    let mut one_by_one = take;
    if let Some(all) = plan {
        let run = ahead::run(&mut tx, version, &auth.actor, mutations, touches, &all).await;
        match run.map_err(|error| Failed {
            at: 0,
            error,
            ahead: true,
        })? {
            ahead::Ahead::Done(done) => {
                for (r, _) in &done {
                    rejected(&req.client_id, r);
                }
                last_seq = done.last().map_or(last_seq, |(r, _)| r.seq);
                results = done;
                one_by_one = 0;
            }
            ahead::Ahead::Bail => {}
        }
    }
    let stats = &state.push_stats;
    let counter = if one_by_one == 0 {
        &stats.read_ahead
    } else {
        &stats.one_by_one
    };
    counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    for (i, (m, t)) in mutations.iter().zip(touches).enumerate().take(one_by_one) {
        let step = push_one(
            &mut tx,
            version,
            &auth.actor,
            &req.client_id,
            last_seq,
            m,
            t.clone(),
        )
        .await
        .map_err(fail(i))?;
        match step {
            Step::Skipped => {}
            Step::Gap(expected) => {
                stop = Some(ApiError::SeqGap { expected });
                break;
            }
            Step::Reused(expected) => {
                stop = Some(ApiError::SeqReused { expected });
                break;
            }
            Step::Done(r) => {
                rejected(&req.client_id, &r);
                last_seq = r.seq;
                results.push((*r, stored_id(m)));
            }
        }
    }
    // A failure from here on is the database's, not one mutation's: none of
    // the batch is run again.
    if last_seq != before {
        sqlx::query("UPDATE sync_clients SET last_seq = $1 WHERE client_id = $2")
            .bind(to_i64(last_seq).map_err(fail(0))?)
            .bind(&req.client_id)
            .execute(&mut *tx)
            .await
            .map_err(failed)?;
    }
    store_results(&mut tx, &req.client_id, &results)
        .await
        .map_err(fail(0))?;
    tx.commit().await.map_err(failed)?;
    Ok(Ran {
        results,
        last_seq,
        stop,
    })
}

/// Every result of a batch (8 values each, at most 100) in one statement
/// (`records::rows_per_statement`).
async fn store_results(
    tx: &mut Transaction<'static, Any>,
    client_id: &str,
    results: &[(MutationResult, Option<String>)],
) -> Result<(), ApiError> {
    let per = records::rows_per_statement(8);
    for chunk in results.chunks(per) {
        let rows: Vec<String> = (0..chunk.len())
            .map(|i| format!("({})", records::placeholders(tx, i * 8 + 1, 8)))
            .collect();
        let sql = format!(
            "INSERT INTO mutation_results (client_id, seq, name, status, code, message, mutation_id, reason) VALUES {}",
            rows.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for (r, id) in chunk {
            let (status, code, message, reason) = match &r.outcome {
                Outcome::Ok => ("ok", None, None, None),
                Outcome::Rejected {
                    code,
                    message,
                    reason,
                } => (
                    "rejected",
                    Some(code.clone()),
                    Some(message.clone()),
                    reason.as_ref().and_then(|r| serde_json::to_string(r).ok()),
                ),
            };
            q = q
                .bind(client_id.to_owned())
                .bind(to_i64(r.seq)?)
                .bind(r.name.clone())
                .bind(status)
                .bind(code)
                .bind(message)
                .bind(id.clone())
                .bind(reason);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

pub async fn push(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<PushRequest>,
) -> Result<ApiJson<PushResponse>, ApiError> {
    check_schema(req.schema_version)?;
    if req.mutations.len() > MAX_PUSH_MUTATIONS {
        return Err(ApiError::PayloadTooLarge);
    }
    if req.mutations.windows(2).any(|w| w[1].seq != w[0].seq + 1)
        || req.mutations.first().is_some_and(|m| m.seq == 0)
    {
        return Err(ApiError::BadRequest(
            "mutations must have consecutive seqs starting at 1 or above".into(),
        ));
    }
    if let Some(m) = req
        .mutations
        .iter()
        .find(|m| !m.id.is_empty() && validate::id(validate::Field::Id, &m.id).is_err())
    {
        return Err(ApiError::BadRequest(format!(
            "mutation {} has an id that is not 1–64 lowercase letters, digits or '-'",
            m.seq
        )));
    }
    let last_seq = claim_client(&state, &req.client_id, &auth.account.id).await?;
    if let Some(first) = req
        .mutations
        .first()
        .filter(|m| req.resume && m.seq > last_seq + 1)
    {
        // The client has mutations this server never saw, numbered past a
        // gap: this server's record of it is behind (a restored backup).
        // What was in the gap is gone from here; the client no longer has it
        // either. Continue from the client's numbering.
        let resumed = first.seq - 1;
        sqlx::query("UPDATE sync_clients SET last_seq = $1 WHERE client_id = $2 AND last_seq < $1")
            .bind(to_i64(resumed)?)
            .bind(&req.client_id)
            .execute(state.db.pool())
            .await?;
        tracing::warn!(client = %req.client_id, from = last_seq, to = resumed, "client resumed past a gap: this server had lost its mutations in between");
    }
    let touches: Vec<_> = req
        .mutations
        .iter()
        .map(|m| m.op.checked_touches(&auth.actor))
        .collect();
    // The whole batch is one transaction, one commit. A database error in
    // one mutation rolls all of it back; the ones before it are then run
    // again and committed, as if pushed alone, and the error answered.
    let all = req.mutations.len();
    let ran = match run_batch(&state, &auth, &req, &touches, all, state.push_reads_ahead).await {
        Err(Failed {
            ahead: true, error, ..
        }) => {
            tracing::warn!(%error, "a batch read ahead failed: running it one by one");
            run_batch(&state, &auth, &req, &touches, all, false).await
        }
        ran => ran,
    };
    let ran = match ran {
        Ok(ran) => ran,
        Err(Failed { at, error, .. }) => {
            if at > 0 {
                run_batch(&state, &auth, &req, &touches, at, false)
                    .await
                    .map_err(|f| f.error)?;
                pause_after_commit().await;
            }
            return Err(error);
        }
    };
    pause_after_commit().await;
    match ran.stop {
        Some(e) => Err(e),
        None => Ok(ApiJson(PushResponse {
            last_seq: ran.last_seq,
            results: ran.results.into_iter().map(|(r, _)| r).collect(),
        })),
    }
}

/// The fault tests kill the server here, committed but not yet answered
/// (`ZJ_TEST_PAUSE_AFTER_COMMIT_MS`, honoured by debug builds only): the
/// device must resend the batch and have it skipped, not applied again.
async fn pause_after_commit() {
    #[cfg(debug_assertions)]
    if let Some(ms) = std::env::var("ZJ_TEST_PAUSE_AFTER_COMMIT_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
    }
}

async fn results_after(
    state: &AppState,
    client_id: &str,
    after: u64,
) -> Result<Vec<MutationResult>, ApiError> {
    let rows = sqlx::query(
        "SELECT seq, name, status, code, message, reason FROM mutation_results WHERE client_id = $1 AND seq > $2 ORDER BY seq LIMIT 500",
    )
    .bind(client_id)
    .bind(to_i64(after)?)
    .fetch_all(state.db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            let status: String = r.try_get("status")?;
            let outcome = if status == "ok" {
                Outcome::Ok
            } else {
                Outcome::Rejected {
                    code: r.try_get::<Option<String>, _>("code")?.unwrap_or_default(),
                    message: r
                        .try_get::<Option<String>, _>("message")?
                        .unwrap_or_default(),
                    // Results stored before reasons existed have none.
                    reason: r
                        .try_get::<Option<String>, _>("reason")?
                        .and_then(|j| serde_json::from_str(&j).ok()),
                }
            };
            Ok(MutationResult {
                seq: u64::try_from(r.try_get::<i64, _>("seq")?).map_err(|_| ApiError::Internal)?,
                name: r.try_get("name")?,
                outcome,
            })
        })
        .collect()
}

pub async fn pull(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(req): ApiJson<PullRequest>,
) -> Result<ApiJson<PullResponse>, ApiError> {
    check_schema(req.schema_version)?;
    let last_seq = claim_client(&state, &req.client_id, &auth.account.id).await?;
    let mut conn = state.db.pool().acquire().await?;
    // Read first: every row at or below it is committed and visible, and no
    // transaction still running can write at or below it.
    let (upto, epoch) = records::committed_version(&mut conn).await?;
    // A cursor from before the tree was reshaped, or from the future: start over.
    let reset = req.cursor > 0 && (req.epoch != epoch || req.cursor > upto);
    let after = if reset { 0 } else { req.cursor };

    let page = records::changed(&mut conn, after, upto, &auth.actor, Some(PULL_PAGE)).await?;
    // If a table filled its page, stop at the lower of their last versions and
    // take every row of that version, so no write is ever split across pages.
    let full = |n: usize, last: Option<u64>| if n >= PULL_PAGE { last } else { None };
    let cut = [
        full(page.orgs.len(), page.orgs.last().map(|x| x.0)),
        full(page.members.len(), page.members.last().map(|x| x.0)),
        full(page.docs.len(), page.docs.last().map(|x| x.0)),
    ]
    .into_iter()
    .flatten()
    .min();
    let (page, cursor, has_more) = match cut {
        None => (page, upto, false),
        Some(cut) => {
            let below = records::changed(&mut conn, after, cut, &auth.actor, None).await?;
            (below, cut, cut < upto)
        }
    };
    let mut changes: Vec<Change> = page
        .orgs
        .into_iter()
        .map(|(version, org)| Change::Org { version, org })
        .collect();
    // Full records of other members delivered to staff are audited.
    let mut audited = Vec::new();
    for (version, member, org) in page.members {
        if auth.actor.manages(&org) && !auth.actor.is_member(&member.id) {
            audited.push(member.id.clone());
        }
        changes.push(match auth.actor.view_of(&member, &org) {
            Some(member) => Change::Member { version, member },
            None => Change::MemberGone {
                version,
                id: member.id,
            },
        });
    }
    for (version, doc, org, audience) in page.docs {
        let paths: Vec<&str> = audience.split(',').filter(|p| !p.is_empty()).collect();
        if let Some(doc) = auth.actor.view_of_doc(&doc, &org, &paths) {
            changes.push(Change::Doc { version, doc });
        }
    }
    changes.sort_by_key(Change::version);
    if !audited.is_empty() {
        sqlx::query(
            "INSERT INTO audit_reads (account_id, client_id, at, member_ids) VALUES ($1, $2, $3, $4)",
        )
        .bind(&auth.account.id)
        .bind(&req.client_id)
        .bind(crate::auth::now_secs())
        .bind(audited.join(","))
        .execute(&mut *conn)
        .await?;
    }
    drop(conn);
    let results = results_after(&state, &req.client_id, req.results_after).await?;
    Ok(ApiJson(PullResponse {
        changes,
        cursor,
        has_more,
        reset,
        epoch,
        last_seq,
        results,
    }))
}

//! A push batch read ahead: every record its mutations name is loaded in a
//! few statements, the mutations are applied one after another to that one
//! view (each sees what the ones before it wrote), and everything they wrote
//! is stored in a few statements at the end. One by one, each mutation costs
//! a few round trips to the database; read ahead, a batch of 100 costs about
//! ten. Results are the same as one by one (`push_ahead.rs` pushes the same
//! random batches both ways and compares), so where that cannot be shown
//! for a batch it is run one by one instead (`plan`, `Ahead::Bail`).

use std::collections::HashSet;

use sqlx::{Any, Transaction};
use zhijian_domain::kiosk_grant::WithGrants;
use zhijian_domain::mutation::{Touches, Write};
use zhijian_domain::sync::{Mutation, MutationResult, Outcome};
use zhijian_domain::{Actor, Rejection, apply};

use crate::error::ApiError;
use crate::records;

/// More records than this in one batch are read one mutation at a time
/// (the statements' parameter lists stay well inside both databases' limits).
const MAX_RECORDS: usize = 2_000;

/// What a batch reads, when it can be read ahead: every mutation is the
/// client's next (no replay, no gap), reads only records by id (no subtree,
/// no menu slot, no kiosk grant), changes no org and enters no code (a wrong
/// code is counted one by one).
pub fn plan(
    mutations: &[Mutation],
    touches: &[Result<Touches, Rejection>],
    last_seq: u64,
) -> Option<Touches> {
    if mutations.len() < 2 {
        return None;
    }
    let mut all = Touches::default();
    for (i, (m, t)) in mutations.iter().zip(touches).enumerate() {
        if m.seq != last_seq + 1 + i as u64 || super::guessed_record(&m.op).is_some() {
            return None;
        }
        let Ok(t) = t else { continue };
        if t.subtree || t.reshapes || t.menu_slot.is_some() || !t.kiosk_grants.is_empty() {
            return None;
        }
        all.orgs.extend(t.orgs.iter().cloned());
        all.members.extend(t.members.iter().cloned());
        all.docs.extend(t.docs.iter().cloned());
        all.alliances.extend(t.alliances.iter().cloned());
        all.wallets.extend(t.wallets.iter().cloned());
    }
    for ids in [
        &mut all.orgs,
        &mut all.members,
        &mut all.docs,
        &mut all.alliances,
        &mut all.wallets,
    ] {
        ids.sort();
        ids.dedup();
    }
    let records = all.orgs.len()
        + all.members.len()
        + all.docs.len()
        + all.alliances.len()
        + all.wallets.len();
    (records <= MAX_RECORDS).then_some(all)
}

pub enum Ahead {
    /// Every mutation's result, its writes stored.
    Done(Vec<(MutationResult, Option<String>)>),
    /// A mutation could read something the batch's view may not hold as
    /// the database would: nothing was written; run the batch one by one.
    Bail,
}

/// Runs `mutations` (as `plan` allowed) in `tx` at `version`.
pub async fn run(
    tx: &mut Transaction<'static, Any>,
    version: u64,
    actor: &Actor,
    mutations: &[Mutation],
    touches: &[Result<Touches, Rejection>],
    all: &Touches,
) -> Result<Ahead, ApiError> {
    let mut view = records::load(tx, all).await?;
    let now = crate::auth::now_secs();
    // What the batch wrote, each record once (its last value is the
    // view's): documents and members by id, in the order first written
    // (in sorted order the ledger bench ran 5-8% slower on SQLite).
    let mut written_docs: HashSet<String> = HashSet::new();
    let mut written_members: HashSet<String> = HashSet::new();
    let mut written: Vec<(bool, String)> = Vec::new();
    let mut results = Vec::with_capacity(mutations.len());
    for (m, t) in mutations.iter().zip(touches) {
        let outcome = match t {
            Err(r) => super::refused(r),
            Ok(t) => {
                // What loading follows from a document (its activity, its
                // member's wallet…) was followed from the database's copy:
                // a document this batch already changed may lead elsewhere.
                if t.docs.iter().any(|d| written_docs.contains(d)) {
                    return Ok(Ahead::Bail);
                }
                match apply(actor, &m.op, &WithGrants(&view, &[]), now) {
                    Ok(w) => {
                        records::check_reshape(t, &w)?;
                        if !holds_orgs_of(&view, &w) {
                            return Ok(Ahead::Bail);
                        }
                        for x in w {
                            match &x {
                                Write::Doc(d) => {
                                    if written_docs.insert(d.id().to_owned()) {
                                        written.push((true, d.id().to_owned()));
                                    }
                                }
                                Write::Member(m) => {
                                    if written_members.insert(m.id.clone()) {
                                        written.push((false, m.id.clone()));
                                    }
                                }
                                // `holds_orgs_of` has bailed on it already.
                                Write::Org(_) => return Ok(Ahead::Bail),
                            }
                            view.write(x);
                        }
                        Outcome::Ok
                    }
                    Err(r) => super::refused(&r),
                }
            }
        };
        results.push((
            MutationResult {
                seq: m.seq,
                name: m.op.name().into(),
                outcome,
            },
            super::stored_id(m),
        ));
    }
    let writes: Vec<Write> = written
        .iter()
        .filter_map(|(doc, id)| {
            if *doc {
                view.docs.get(id).cloned().map(Write::Doc)
            } else {
                view.members.get(id).cloned().map(Write::Member)
            }
        })
        .collect();
    // No org is written here (`plan`), so nothing is reshaped.
    records::write(tx, &writes, &view, version).await?;
    Ok(Ahead::Done(results))
}

/// Whether the view holds the org of every member and document written:
/// one by one, the next mutation to read them would load it with them.
fn holds_orgs_of(view: &zhijian_domain::replica::Records, writes: &[Write]) -> bool {
    writes.iter().all(|w| match w {
        Write::Member(m) => view.orgs.contains_key(&m.org_id),
        Write::Doc(d) => view.orgs.contains_key(d.org_id()),
        Write::Org(_) => false,
    })
}

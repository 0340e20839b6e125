//! Every refusal the domain can give has its English text in
//! `locales/refusals.en.json`, with exactly the placeholders its reason fills,
//! and the file names nothing the domain no longer says.

use std::collections::{BTreeMap, BTreeSet};

use zhijian_domain::Rejection;
use zhijian_domain::ledger::LedgerError;
use zhijian_domain::refusal::{Field, Reason, Thing, Why, code_throttled};
use zhijian_domain::validate::{FieldError, Problem};

fn english() -> BTreeMap<String, String> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../locales/refusals.en.json"
    );
    let text = std::fs::read_to_string(path).expect("locales/refusals.en.json");
    serde_json::from_str(&text).expect("a flat object of strings")
}

fn placeholders(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start..].find("}}") else {
            break;
        };
        out.insert(rest[start + 2..start + len].trim().to_owned());
        rest = &rest[start + len + 2..];
    }
    out
}

/// One of each ledger refusal; the match makes a new variant fail to
/// compile here until it is listed.
fn ledger_samples() -> Vec<LedgerError> {
    let all = vec![
        LedgerError::BadAmount,
        LedgerError::Insufficient {
            available: 1,
            needed: 2,
        },
        LedgerError::IdReused,
        LedgerError::NothingToReverse,
        LedgerError::ReversalOfReversal,
        LedgerError::AlreadyReversed,
        LedgerError::ReasonRequired,
        LedgerError::NoHold,
        LedgerError::HoldExhausted { remaining: 3 },
        LedgerError::HoldExpired,
    ];
    for e in &all {
        match e {
            LedgerError::Field(_)
            | LedgerError::BadAmount
            | LedgerError::Insufficient { .. }
            | LedgerError::IdReused
            | LedgerError::NothingToReverse
            | LedgerError::ReversalOfReversal
            | LedgerError::AlreadyReversed
            | LedgerError::ReasonRequired
            | LedgerError::NoHold
            | LedgerError::HoldExhausted { .. }
            | LedgerError::HoldExpired => {}
        }
    }
    all
}

fn problems() -> Vec<Problem> {
    let all = vec![
        Problem::Empty,
        Problem::TooLong(32),
        Problem::Control,
        Problem::Invisible,
        Problem::BadPhone,
        Problem::BadId,
    ];
    for p in &all {
        match p {
            Problem::Empty
            | Problem::TooLong(_)
            | Problem::Control
            | Problem::Invisible
            | Problem::BadPhone
            | Problem::BadId => {}
        }
    }
    all
}

/// Every reason the domain can give, with the Chinese text beside it.
fn every_reason() -> Vec<(Reason, String)> {
    let mut out = Vec::new();
    let mut add = |r: Rejection| out.push((r.reason(), r.to_string()));
    for w in Why::ALL {
        add(Rejection::Conflict(*w));
        add(Rejection::Forbidden(*w));
    }
    for t in Thing::ALL {
        add(Rejection::NotFound(*t));
    }
    for f in Field::ALL {
        for p in problems() {
            add(Rejection::Invalid(FieldError {
                field: *f,
                problem: p,
            }));
        }
    }
    for e in ledger_samples() {
        add(Rejection::Ledger(e));
    }
    add(Rejection::WrongCode);
    let (zh, reason) = code_throttled(5);
    out.push((reason, zh));
    out
}

#[test]
fn every_refusal_reads_in_english_with_its_values() {
    let en = english();
    let mut used = BTreeSet::new();
    for (reason, zh) in every_reason() {
        let text = en
            .get(&reason.key)
            .unwrap_or_else(|| panic!("refusals.en.json lacks `{}` ({zh})", reason.key));
        let given: BTreeSet<String> = reason.params.iter().map(|(n, _)| n.clone()).collect();
        assert_eq!(
            placeholders(text),
            given,
            "`{}`: the English text and the reason differ in placeholders",
            reason.key
        );
        used.insert(reason.key.clone());
    }
    for t in Thing::ALL {
        used.insert(format!("thing.{}", t.key()));
    }
    for f in Field::ALL {
        used.insert(format!("field.{}", f.key()));
    }
    let stale: Vec<&String> = en.keys().filter(|k| !used.contains(*k)).collect();
    let missing: Vec<&String> = used.iter().filter(|k| !en.contains_key(*k)).collect();
    assert!(
        stale.is_empty(),
        "refusals.en.json names unknown keys: {stale:?}"
    );
    assert!(missing.is_empty(), "refusals.en.json lacks {missing:?}");
}

#[test]
fn every_key_is_one_refusal() {
    let mut seen = BTreeSet::new();
    for k in Why::ALL.iter().map(|w| w.key()) {
        assert!(seen.insert(k), "`{k}` names two refusals");
    }
    for k in ["not_found", "wrong_code", "code_throttled"] {
        assert!(seen.insert(k), "`{k}` is also a Why");
    }
    for k in Why::ALL.iter().map(|w| w.key()) {
        assert!(!k.starts_with("field_") && !k.starts_with("ledger_"), "{k}");
    }
}

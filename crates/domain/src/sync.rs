//! The sync protocol's wire types (see docs/sync.md).
//!
//! Enums are externally tagged (`{"org": {...}}`): internally tagged and
//! flattened ones make serde buffer values through a generic `Content` type,
//! which costs the wasm bundle far more than it saves in JSON.

use serde::{Deserialize, Serialize};

use crate::doc::Doc;
use crate::mutation::Op;
use crate::{Member, Org};

/// Bumped when the wire format or a mutation's meaning changes incompatibly.
pub const SCHEMA_VERSION: u32 = 1;
/// Most mutations in one push.
pub const MAX_PUSH_MUTATIONS: usize = 100;
/// Most changes in one pull page.
pub const PULL_PAGE: usize = 500;

/// One mutation as the client queued it. `seq` grows by one per client;
/// `id` is random, made once: if the client's numbering and the server's
/// disagree (a restored backup on either side), the server tells a mutation
/// it has already applied from a new one under a reused seq.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mutation {
    pub seq: u64,
    /// Empty for mutations queued before ids existed.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id: String,
    pub op: Op,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushRequest {
    pub schema_version: u32,
    pub client_id: String,
    pub mutations: Vec<Mutation>,
    /// Set after a `seq_gap` whose expected seq is below the client's first
    /// queued one: the server's record of this client is behind (restored
    /// from a backup) and the mutations in between are gone from it. The
    /// server then continues from the client's numbering instead of waiting
    /// for seqs the client no longer has.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub resume: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Ok,
    /// `message` is the refusal in Chinese (as logged); `reason` the same
    /// for the app to render in its reader's language (absent in results
    /// stored before reasons existed).
    Rejected {
        code: String,
        message: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<crate::refusal::Reason>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MutationResult {
    pub seq: u64,
    pub name: String,
    pub outcome: Outcome,
}

/// A refusal as the client that made the mutation keeps it: the result and
/// the refused mutation itself, so the user sees where it belonged (the
/// server sends only the result). Stored as is in the browser.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectedMutation {
    pub seq: u64,
    pub name: String,
    pub outcome: Outcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub op: Option<Op>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushResponse {
    /// The highest seq of this client the server has processed.
    pub last_seq: u64,
    /// Results of the mutations in this push that were processed now.
    pub results: Vec<MutationResult>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PullRequest {
    pub schema_version: u32,
    pub client_id: String,
    /// Server version the client has everything up to (0 at first).
    pub cursor: u64,
    /// The scope epoch the cursor belongs to (0 at first).
    #[serde(default)]
    pub epoch: u64,
    /// Return the results of this client's mutations with seq above this.
    #[serde(default)]
    pub results_after: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    Org {
        version: u64,
        org: Org,
    },
    Member {
        version: u64,
        member: Member,
    },
    /// The member is gone, or no longer visible to this account.
    MemberGone {
        version: u64,
        id: String,
    },
    /// A menu, activity, sign-up or check-in.
    Doc {
        version: u64,
        doc: Doc,
    },
}

impl Change {
    pub fn version(&self) -> u64 {
        match self {
            Change::Org { version, .. }
            | Change::Member { version, .. }
            | Change::MemberGone { version, .. }
            | Change::Doc { version, .. } => *version,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullResponse {
    pub changes: Vec<Change>,
    pub cursor: u64,
    pub has_more: bool,
    /// Start over from cursor 0: keep the outbox, replace the base records.
    #[serde(default)]
    pub reset: bool,
    /// Changes when the org tree is reshaped (scopes change): send it back.
    #[serde(default)]
    pub epoch: u64,
    pub last_seq: u64,
    pub results: Vec<MutationResult>,
}

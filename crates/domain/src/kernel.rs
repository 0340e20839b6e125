//! The kernel every family of mutations shares, and nothing else: what a
//! mutation reads ([`View`]), what it writes ([`Write`]), what it asks a store
//! to load first ([`Touches`]) and why it is refused ([`Rejection`]). Family
//! modules (`org_ops`, `menu_ops`, `credit_ops`) depend on this one and never
//! on each other; `mutation` registers them.

use crate::doc::Doc;
use crate::ledger::LedgerError;
use crate::menu::MonthlyMenu;
use crate::refusal::{Field, Reason, Thing, Why};
use crate::validate::{self, FieldError};
use crate::{Member, Month, Org};

/// Why a mutation was refused. Displayed in Chinese (the server's log and
/// stored message); [`Rejection::reason`] is the same refusal for the app to
/// render in the reader's language.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("{0}")]
    Invalid(#[from] FieldError),
    #[error("找不到该{0}")]
    NotFound(Thing),
    #[error("没有权限：{0}")]
    Forbidden(Why),
    #[error("{0}")]
    Conflict(Why),
    #[error("{0}")]
    Ledger(#[from] LedgerError),
    /// A check-in or check-out code that is not the activity's for that
    /// time; the server counts these to stop guessing.
    #[error("签到码不正确或已过期")]
    WrongCode,
}

impl Rejection {
    /// The refusal as a key and parameters (`crate::refusal`).
    pub fn reason(&self) -> Reason {
        match self {
            Rejection::Invalid(f) => f.reason(),
            Rejection::NotFound(t) => Reason::new("not_found").with("thing", t.key()),
            Rejection::Forbidden(w) | Rejection::Conflict(w) => Reason::new(w.key()),
            Rejection::Ledger(e) => e.reason(),
            Rejection::WrongCode => Reason::new("wrong_code"),
        }
    }

    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Rejection::Invalid(_) => "invalid",
            Rejection::NotFound(_) => "not_found",
            Rejection::Forbidden(_) => "forbidden",
            Rejection::Conflict(_) => "conflict",
            Rejection::WrongCode => "wrong_code",
            Rejection::Ledger(LedgerError::BadAmount | LedgerError::ReasonRequired) => "invalid",
            Rejection::Ledger(LedgerError::Field(_)) => "invalid",
            Rejection::Ledger(_) => "conflict",
        }
    }
}

/// Read access to the current records, however they are stored.
pub trait View {
    fn org(&self, id: &str) -> Option<Org>;
    fn member(&self, id: &str) -> Option<Member>;
    /// Every org strictly below `org` (for moves).
    fn descendants(&self, org: &Org) -> Vec<Org>;
    /// A menu, activity, sign-up or check-in by id.
    fn doc(&self, id: &str) -> Option<Doc>;
    /// The org's menu for `month` (its own, or the alliance's it hosts).
    fn menu_for(&self, org_id: &str, month: Month, alliance: Option<&str>) -> Option<MonthlyMenu>;
    fn alliance(&self, id: &str) -> Option<crate::Alliance>;
    /// Every sign-up of the activity this view holds.
    fn signups_of(&self, activity_id: &str) -> Vec<crate::activity::Signup>;
    /// The activities of a menu this view holds.
    fn activities_of(&self, menu_id: &str) -> Vec<crate::activity::Activity>;
    /// Every check-in of the activity this view holds.
    fn checkins_of(&self, activity_id: &str) -> Vec<crate::checkin::CheckIn>;
    /// Every hold on the member's credits this view holds.
    fn holds_of(&self, member_id: &str) -> Vec<crate::ledger::Hold>;
    /// Whether activities here carry their check-in secrets (the server's
    /// view); a device's copies do not and cannot judge a code.
    fn holds_secrets(&self) -> bool;
    /// Whether `signature` is `key`'s over `message` (a member code); `None`
    /// where this view cannot judge (a device).
    fn verify_signature(&self, key: &[u8], message: &[u8], signature: &[u8]) -> Option<bool>;
    /// The grant a right card PIN or short code gave, by its token's
    /// digest: only the server knows them (`kiosk_grant::WithGrants`); a device takes its
    /// kiosk's word.
    fn kiosk_grant(&self, _digest: &str) -> Option<crate::kiosk_grant::KioskGrant> {
        None
    }
}

/// The [`View`] methods a wrapper view (`self.0` the view it wraps) passes
/// on unchanged: all but `member` and `kiosk_grant`, which each wrapper
/// (`member_code::WithKeys`, `kiosk_grant::WithGrants`) writes itself.
macro_rules! forward_view {
    () => {
        fn org(&self, id: &str) -> Option<$crate::Org> {
            self.0.org(id)
        }
        fn descendants(&self, org: &$crate::Org) -> Vec<$crate::Org> {
            self.0.descendants(org)
        }
        fn doc(&self, id: &str) -> Option<$crate::doc::Doc> {
            self.0.doc(id)
        }
        fn menu_for(
            &self,
            org_id: &str,
            month: $crate::Month,
            alliance: Option<&str>,
        ) -> Option<$crate::menu::MonthlyMenu> {
            self.0.menu_for(org_id, month, alliance)
        }
        fn alliance(&self, id: &str) -> Option<$crate::Alliance> {
            self.0.alliance(id)
        }
        fn signups_of(&self, activity_id: &str) -> Vec<$crate::activity::Signup> {
            self.0.signups_of(activity_id)
        }
        fn activities_of(&self, menu_id: &str) -> Vec<$crate::activity::Activity> {
            self.0.activities_of(menu_id)
        }
        fn checkins_of(&self, activity_id: &str) -> Vec<$crate::checkin::CheckIn> {
            self.0.checkins_of(activity_id)
        }
        fn holds_of(&self, member_id: &str) -> Vec<$crate::ledger::Hold> {
            self.0.holds_of(member_id)
        }
        fn holds_secrets(&self) -> bool {
            self.0.holds_secrets()
        }
        fn verify_signature(&self, key: &[u8], message: &[u8], signature: &[u8]) -> Option<bool> {
            self.0.verify_signature(key, message, signature)
        }
    };
}
pub(crate) use forward_view;

/// A record to write (insert or replace).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Write {
    Org(Org),
    Member(Member),
    Doc(Doc),
}

/// Records a mutation reads, so a store can load just those before `apply`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Touches {
    pub orgs: Vec<String>,
    pub members: Vec<String>,
    /// Whether `apply` needs the descendants of the first org.
    pub subtree: bool,
    /// Documents by id; with an activity (or a sign-up's or check-in's) the
    /// store also loads its sign-ups, check-ins and org.
    pub docs: Vec<String>,
    /// An org's menu for a month (and the alliance, for a joint menu).
    pub menu_slot: Option<(String, Month, Option<String>)>,
    pub alliances: Vec<String>,
    /// Members whose wallet and holds are read (the store also loads them
    /// for the members of loaded check-ins, entries and claimed wishes).
    pub wallets: Vec<String>,
    /// Writes the org tree (creates, renames or moves an org): a store
    /// with concurrent writers runs it alone (docs/sync.md).
    pub reshapes: bool,
    /// Card grants (their tokens' digests) a member proof names.
    pub kiosk_grants: Vec<String>,
}

impl Touches {
    /// More records than any mutation needs (a group sign-up of
    /// `menu_ops::MAX_GROUP` plus its activity and leader is far below).
    pub const MAX_RECORDS: usize = 128;
    /// Derived document ids (`wish-…`, `expire-2026-…`) are longer than ids.
    pub(crate) const MAX_DOC_ID: usize = 128;

    /// Checks every id before anything is loaded: the store may send them
    /// to a database as they are, and a mutation naming 60,000 members must
    /// cost nothing.
    pub fn check(&self) -> Result<(), Rejection> {
        let count = self.orgs.len()
            + self.members.len()
            + self.docs.len()
            + self.alliances.len()
            + self.wallets.len();
        if count > Self::MAX_RECORDS {
            return Err(Rejection::Conflict(Why::TooManyRecords));
        }
        let ids = self
            .orgs
            .iter()
            .chain(&self.members)
            .chain(&self.alliances)
            .chain(&self.wallets)
            .chain(self.menu_slot.iter().map(|(org, _, _)| org))
            .chain(self.menu_slot.iter().filter_map(|(_, _, a)| a.as_ref()));
        for id in ids {
            // Empty: an actor without a member record; it loads nothing.
            if !id.is_empty() {
                validate::id(Field::Id, id)?;
            }
        }
        for doc in &self.docs {
            validate::id_up_to(Field::Id, doc, Self::MAX_DOC_ID)?;
        }
        if self.kiosk_grants.len() > 1 {
            return Err(Rejection::Conflict(Why::TooManyRecords));
        }
        for g in &self.kiosk_grants {
            validate::id(Field::Id, g)?;
        }
        Ok(())
    }
}

/// Builders, so that a registry row reads as the list of what it loads.
impl Touches {
    pub fn orgs<S: ToString>(mut self, ids: impl IntoIterator<Item = S>) -> Self {
        self.orgs.extend(ids.into_iter().map(|s| s.to_string()));
        self
    }

    pub fn members<S: ToString>(mut self, ids: impl IntoIterator<Item = S>) -> Self {
        self.members.extend(ids.into_iter().map(|s| s.to_string()));
        self
    }

    pub fn docs<S: ToString>(mut self, ids: impl IntoIterator<Item = S>) -> Self {
        self.docs.extend(ids.into_iter().map(|s| s.to_string()));
        self
    }

    pub fn wallets<S: ToString>(mut self, ids: impl IntoIterator<Item = S>) -> Self {
        self.wallets.extend(ids.into_iter().map(|s| s.to_string()));
        self
    }

    pub fn alliances<S: ToString>(mut self, ids: impl IntoIterator<Item = S>) -> Self {
        self.alliances
            .extend(ids.into_iter().map(|s| s.to_string()));
        self
    }

    /// The grant a member proof carries, if any.
    pub fn kiosk_grants(mut self, proof: Option<&crate::member_code::MemberProof>) -> Self {
        self.kiosk_grants.extend(
            proof
                .and_then(|p| p.grant.as_deref())
                .map(crate::kiosk_grant::KioskGrant::digest_of),
        );
        self
    }

    /// The descendants of the first org too.
    pub fn subtree(mut self) -> Self {
        self.subtree = true;
        self
    }

    pub fn reshapes(mut self) -> Self {
        self.reshapes = true;
        self
    }

    pub fn menu_slot(mut self, org: &str, month: Month, alliance: Option<&str>) -> Self {
        self.menu_slot = Some((org.to_owned(), month, alliance.map(str::to_owned)));
        self
    }
}

/// Tolerated drift of a device clock ahead of the server's.
pub(crate) const CLOCK_SKEW: i64 = 5 * 60;

pub(crate) fn conflict(why: Why) -> Rejection {
    Rejection::Conflict(why)
}

pub(crate) fn org_of(view: &impl View, id: &str) -> Result<Org, Rejection> {
    view.org(id).ok_or(Rejection::NotFound(Thing::Org))
}

pub(crate) fn member_of(view: &impl View, id: &str) -> Result<Member, Rejection> {
    view.member(id).ok_or(Rejection::NotFound(Thing::Member))
}

/// A new document's id: well formed and not yet taken.
pub(crate) fn new_id(view: &impl View, id: &str) -> Result<(), Rejection> {
    validate::id(Field::Id, id)?;
    if view.doc(id).is_some() {
        return Err(conflict(Why::IdTaken));
    }
    Ok(())
}

//! A client's replica: the server's records as last pulled (the base), the
//! outbox of pending mutations, and the optimistic view derived from both.
//!
//! The view is never stored: it is the base with the pending mutations
//! replayed through `apply`. A crash therefore cannot leave an optimistic
//! write without its outbox entry or the other way round, and a rebase is
//! "replace the base, drop what the server has processed, replay the rest".

use std::collections::BTreeMap;

use crate::activity::{Activity, Signup};
use crate::auth::Actor;
use crate::checkin::CheckIn;
use crate::credits::{CreditRules, Pledge, Redemption, Reward, Wish};
use crate::doc::Doc;
use crate::ledger::{Hold, Wallet};
use crate::menu::MonthlyMenu;
use crate::mutation::{Op, Rejection, View, Write, apply};
use crate::refusal::Why;
use crate::sync::{
    Change, Mutation, MutationResult, Outcome, PullResponse, PushResponse, RejectedMutation,
};
use crate::{Member, Month, Org};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Records {
    pub orgs: BTreeMap<String, Org>,
    pub members: BTreeMap<String, Member>,
    /// Every document (menus, activities, sign-ups, check-ins, credits…) by
    /// id; ids are unique across kinds, as in the server's one table. One
    /// map, read by kind through [`Docs`]: a typed map per kind cost the
    /// first load a copy of the map's code for each.
    pub docs: BTreeMap<String, Doc>,
    /// Alliances with their orgs and rotation (public; from the directory).
    /// A few per district: a list, not a map (one less map type in the wasm).
    pub alliances: Vec<crate::Alliance>,
    /// Whether this view holds activities' check-in secrets (the server's
    /// does). A device's copy has none: it records the code and leaves the
    /// verdict to the server.
    pub holds_secrets: bool,
    /// Checks member codes' signatures (the server's view has one).
    pub verifier: Option<Verifier>,
}

/// A signature check: public key, message, signature.
#[derive(Clone, Copy)]
pub struct Verifier(pub fn(&[u8], &[u8], &[u8]) -> bool);

impl PartialEq for Verifier {
    /// Records compare by their data; any two verifiers check the same thing.
    fn eq(&self, _: &Self) -> bool {
        true
    }
}
impl Eq for Verifier {}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Verifier")
    }
}

/// The documents of one kind, read like a map by id.
pub struct Docs<'a, T> {
    all: &'a BTreeMap<String, Doc>,
    pick: fn(&Doc) -> Option<&T>,
}

impl<T> Clone for Docs<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Docs<'_, T> {}

impl<'a, T: 'a> Docs<'a, T> {
    pub fn get(&self, id: &str) -> Option<&'a T> {
        self.all.get(id).and_then(self.pick)
    }

    pub fn contains_key(&self, id: &str) -> bool {
        self.get(id).is_some()
    }

    pub fn values(&self) -> impl Iterator<Item = &'a T> + use<'a, T> {
        self.all.values().filter_map(self.pick)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&'a String, &'a T)> + use<'a, T> {
        let pick = self.pick;
        self.all
            .iter()
            .filter_map(move |(k, d)| pick(d).map(|v| (k, v)))
    }

    pub fn keys(&self) -> impl Iterator<Item = &'a String> + use<'a, T> {
        self.iter().map(|(k, _)| k)
    }

    pub fn len(&self) -> usize {
        self.values().count()
    }

    pub fn is_empty(&self) -> bool {
        self.values().next().is_none()
    }
}

impl<'a, T> std::ops::Index<&str> for Docs<'a, T> {
    type Output = T;

    /// Panics when absent, like a map's index (tests).
    fn index(&self, id: &str) -> &T {
        match self.get(id) {
            Some(v) => v,
            None => panic!("no document {id} of this kind"),
        }
    }
}

macro_rules! kinds {
    ($($name:ident: $ty:ty = $variant:ident;)*) => {
        impl Records {
            $(
                pub fn $name(&self) -> Docs<'_, $ty> {
                    Docs {
                        all: &self.docs,
                        pick: |d| match d {
                            Doc::$variant(v) => Some(v),
                            _ => None,
                        },
                    }
                }
            )*
        }
    };
}

kinds! {
    menus: MonthlyMenu = Menu;
    activities: Activity = Activity;
    signups: Signup = Signup;
    checkins: CheckIn = CheckIn;
    entries: crate::ledger::LedgerEntry = Entry;
    wallets: Wallet = Wallet;
    holds: Hold = Hold;
    rewards: Reward = Reward;
    redemptions: Redemption = Redemption;
    pledges: Pledge = Pledge;
    wishes: Wish = Wish;
    meetings: crate::meeting::Meeting = Meeting;
    meeting_rules: crate::meeting::MeetingRules = MeetingRules;
    rules: CreditRules = Rules;
    courses: crate::study::Course = Course;
    reflections: crate::study::Reflection = Reflection;
    member_keys: crate::member_code::MemberKey = MemberKey;
    member_cards: crate::member_card::MemberCard = MemberCard;
    code_uses: crate::member_code::CodeUse = CodeUse;
}

impl Records {
    pub fn find_alliance(&self, id: &str) -> Option<&crate::Alliance> {
        self.alliances.iter().find(|a| a.id == id)
    }

    pub fn put_doc(&mut self, d: Doc) {
        self.docs.insert(d.id().to_owned(), d);
    }

    /// Keeps only the documents for which `keep` holds.
    pub fn retain_docs(&mut self, mut keep: impl FnMut(&Doc) -> bool) {
        self.docs.retain(|_, d| keep(d));
    }

    pub fn write(&mut self, w: Write) {
        match w {
            Write::Doc(d) => self.put_doc(d),
            Write::Org(o) => {
                self.orgs.insert(o.id.clone(), o);
            }
            Write::Member(m) => {
                self.members.insert(m.id.clone(), m);
            }
        }
    }

    /// Applies one pulled change to the base.
    pub fn apply_change(&mut self, c: &Change) {
        match c {
            Change::Org { org, .. } => {
                self.orgs.insert(org.id.clone(), org.clone());
            }
            Change::Member { member, .. } => {
                self.members.insert(member.id.clone(), member.clone());
            }
            Change::MemberGone { id, .. } => {
                self.members.remove(id);
            }
            Change::Doc { doc, .. } => self.put_doc(doc.clone()),
        }
    }
}

impl Records {
    /// A menu's activities by start time.
    pub fn activities_of_sorted(&self, menu_id: &str) -> Vec<Activity> {
        let mut v = self.activities_of(menu_id);
        crate::order::sort_by_key(&mut v, |a| a.starts_at);
        v
    }

    /// An activity's sign-ups in arrival order.
    pub fn signups_of_sorted(&self, activity_id: &str) -> Vec<Signup> {
        let mut v = self.signups_of(activity_id);
        crate::order::sort_by_key(&mut v, |s| s.rank);
        v
    }
}

impl View for Records {
    fn org(&self, id: &str) -> Option<Org> {
        self.orgs.get(id).cloned()
    }
    fn member(&self, id: &str) -> Option<Member> {
        self.members.get(id).cloned()
    }
    fn descendants(&self, org: &Org) -> Vec<Org> {
        self.orgs
            .values()
            .filter(|o| o.id != org.id && org.contains(o))
            .cloned()
            .collect()
    }
    fn doc(&self, id: &str) -> Option<Doc> {
        self.docs.get(id).cloned()
    }
    fn menu_for(&self, org_id: &str, month: Month, alliance: Option<&str>) -> Option<MonthlyMenu> {
        self.menus()
            .values()
            .find(|m| {
                m.org_id == org_id && m.month == month && m.alliance_id.as_deref() == alliance
            })
            .cloned()
    }
    fn alliance(&self, id: &str) -> Option<crate::Alliance> {
        self.find_alliance(id).cloned()
    }
    fn signups_of(&self, activity_id: &str) -> Vec<Signup> {
        self.signups()
            .values()
            .filter(|s| s.activity_id == activity_id)
            .cloned()
            .collect()
    }
    fn activities_of(&self, menu_id: &str) -> Vec<Activity> {
        self.activities()
            .values()
            .filter(|a| a.menu_id == menu_id)
            .cloned()
            .collect()
    }
    fn checkins_of(&self, activity_id: &str) -> Vec<CheckIn> {
        self.checkins()
            .values()
            .filter(|c| c.activity_id == activity_id)
            .cloned()
            .collect()
    }
    fn holds_of(&self, member_id: &str) -> Vec<Hold> {
        self.holds()
            .values()
            .filter(|h| h.member_id == member_id)
            .cloned()
            .collect()
    }

    fn holds_secrets(&self) -> bool {
        self.holds_secrets
    }

    fn verify_signature(&self, key: &[u8], message: &[u8], signature: &[u8]) -> Option<bool> {
        self.verifier.map(|v| (v.0)(key, message, signature))
    }
}

/// The function that applies a mutation to a view: `mutation::apply` for
/// records. A replica holds it as a value so the app can keep the rules of
/// every mutation out of its first-loaded wasm and hand them in when a
/// mutation is made or pending ones must be replayed (src/sync/ops.rs).
pub type ApplyFn = fn(&Actor, &Op, &Records, i64) -> Result<Vec<Write>, Rejection>;

#[derive(Clone, Copy)]
struct Applier(ApplyFn);

impl std::fmt::Debug for Applier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Applier")
    }
}

// The rules are not state: two replicas differ by their records, not by it.
impl PartialEq for Applier {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}
impl Eq for Applier {}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Replica {
    pub actor: Actor,
    pub base: Records,
    pub outbox: Vec<Mutation>,
    /// Server version the base is complete up to.
    pub cursor: u64,
    /// The scope epoch `cursor` belongs to.
    pub epoch: u64,
    /// Highest seq the server has processed for this client.
    pub last_seq: u64,
    /// Mutations the server refused, for the user to see.
    pub rejected: Vec<RejectedMutation>,
    /// The device's time (seconds) of the last local mutation; replays judge
    /// time rules at it.
    pub now: i64,
    /// The optimistic records when mutations are pending; `None` means the
    /// view is the base itself (no copy of 10,000 rows after every pull).
    view: Option<Records>,
    /// Accepted by the server but not yet in the base: still replayed until
    /// the next complete pull brings their records, so nothing the user did
    /// blinks out between the push and the pull.
    acked: Vec<Mutation>,
    /// How mutations apply; until it is given, pending ones are queued but
    /// not yet visible in the view.
    apply: Option<Applier>,
}

impl Replica {
    pub fn new(actor: Actor) -> Self {
        Self::from_parts(actor, Records::default(), Vec::new(), 0, 0, Vec::new())
    }

    /// Rebuilds a replica from what a store persisted.
    pub fn from_parts(
        actor: Actor,
        base: Records,
        outbox: Vec<Mutation>,
        cursor: u64,
        last_seq: u64,
        rejected: Vec<RejectedMutation>,
    ) -> Self {
        let mut r = Self::without_rules(actor, base, outbox, cursor, last_seq, rejected);
        r.set_apply(apply);
        r
    }

    /// [`Replica::from_parts`] without the mutations' rules: the view is the
    /// base until [`Replica::set_apply`] hands them in.
    pub fn without_rules(
        actor: Actor,
        base: Records,
        mut outbox: Vec<Mutation>,
        cursor: u64,
        last_seq: u64,
        rejected: Vec<RejectedMutation>,
    ) -> Self {
        crate::order::sort_by_key(&mut outbox, |m| m.seq);
        // Processed by the server, awaiting the pull with their records and
        // results (a push whose answer was lost): replayed as accepted.
        let pending_from = outbox.partition_point(|m| m.seq <= last_seq);
        let acked: Vec<Mutation> = outbox.drain(..pending_from).collect();
        Self {
            actor,
            view: None,
            base,
            outbox,
            cursor,
            epoch: 0,
            last_seq,
            rejected,
            now: 0,
            acked,
            apply: None,
        }
    }

    /// Hands in the mutations' rules and replays what is pending.
    pub fn set_apply(&mut self, f: ApplyFn) {
        self.apply = Some(Applier(f));
        self.replay();
    }

    /// Whether pending mutations can be replayed (the rules are in).
    pub fn has_rules(&self) -> bool {
        self.apply.is_some()
    }

    /// Whether the view needs the rules: something is queued or not yet pulled.
    pub fn needs_rules(&self) -> bool {
        self.apply.is_none() && !(self.outbox.is_empty() && self.acked.is_empty())
    }

    /// Sets the device's time (seconds) the pending mutations are judged at
    /// and replays them: a replica rebuilt from storage must not judge a
    /// queued check-in against the epoch.
    pub fn set_now(&mut self, now: i64) {
        if now > self.now {
            self.now = now;
            self.replay();
        }
    }

    /// Takes over what `other` (the same account's replica before a reload,
    /// about to be dropped) has had accepted but not yet pulled, so it stays
    /// visible. Moved, not copied: no `Op` is ever cloned on a device.
    pub fn carry_acked(&mut self, other: &mut Replica) {
        let done = self.last_seq;
        self.acked = std::mem::take(&mut other.acked);
        self.acked.retain(|m| m.seq <= done);
        self.replay();
    }

    /// Replaces the alliances (public, from the org directory) and replays;
    /// returns whether they changed.
    pub fn set_alliances(&mut self, list: Vec<crate::Alliance>) -> bool {
        let changed = list != self.base.alliances;
        if changed {
            self.base.alliances = list;
            self.replay();
        }
        changed
    }

    /// The optimistic records: base plus pending mutations.
    pub fn view(&self) -> &Records {
        self.view.as_ref().unwrap_or(&self.base)
    }

    /// The seq the next local mutation gets.
    pub fn next_seq(&self) -> u64 {
        self.outbox.last().map_or(self.last_seq, |m| m.seq) + 1
    }

    fn replay(&mut self) {
        let Some(Applier(apply)) = self.apply else {
            self.view = None;
            return;
        };
        if self.outbox.is_empty() && self.acked.is_empty() {
            self.view = None;
            return;
        }
        let mut view = self.base.clone();
        for m in self.acked.iter().chain(&self.outbox) {
            // A pending mutation that no longer applies has no visible effect;
            // the server decides and the result comes back with a reason.
            if let Ok(writes) = apply(&self.actor, &m.op, &view, self.now) {
                writes.into_iter().for_each(|w| view.write(w));
            }
        }
        self.view = Some(view);
    }

    /// Validates `op` against the current view and queues it. A mutation the
    /// view already refuses is not queued: the user sees why at once.
    /// `id` is the device's random id for it (see [`Mutation`]).
    pub fn mutate(&mut self, op: Op, now: i64, id: String) -> Result<&Mutation, Rejection> {
        let m = self.prepare(op, now, id)?;
        Ok(self.queue(m, now))
    }

    /// Checks `op` against the current view and numbers it, changing nothing:
    /// a device stores the mutation first and [`queue`](Self::queue)s it
    /// once stored, so nothing is shown that a failed save would lose.
    pub fn prepare(&self, op: Op, now: i64, id: String) -> Result<Mutation, Rejection> {
        let Some(Applier(apply)) = self.apply else {
            return Err(Rejection::Conflict(Why::RulesNotLoaded));
        };
        apply(&self.actor, &op, self.view(), now)?;
        Ok(Mutation {
            seq: self.next_seq(),
            id,
            op,
        })
    }

    /// Queues a mutation made by [`prepare`](Self::prepare) and shows its
    /// writes. Already queued (a reload read it back from storage): kept once.
    pub fn queue(&mut self, m: Mutation, now: i64) -> &Mutation {
        self.now = self.now.max(now);
        let at = match self.outbox.iter().position(|q| q.seq == m.seq) {
            Some(at) => at,
            None => {
                // Applied again rather than carried from `prepare`: the view
                // may have moved in between (a pull, another tab).
                if let Some(Applier(apply)) = self.apply
                    && let Ok(writes) = apply(&self.actor, &m.op, self.view(), now)
                {
                    let view = self.view.get_or_insert_with(|| self.base.clone());
                    writes.into_iter().for_each(|w| view.write(w));
                }
                self.outbox.push(m);
                self.outbox.len() - 1
            }
        };
        &self.outbox[at]
    }

    /// Renumbers the queued mutations to start at `first` (the server has
    /// already used the seqs they had: this device's numbering went back, a
    /// restored backup). Each keeps its id, so nothing is doubled, and
    /// everything before `first` counts as processed.
    pub fn renumber(&mut self, first: u64) {
        for (i, m) in self.outbox.iter_mut().enumerate() {
            m.seq = first + i as u64;
        }
        self.last_seq = first.saturating_sub(1);
    }

    /// The next batch to push, oldest first.
    pub fn pending(&self, max: usize) -> &[Mutation] {
        &self.outbox[..self.outbox.len().min(max)]
    }

    fn acknowledge(&mut self, last_seq: u64, results: &[MutationResult]) {
        if last_seq > self.last_seq {
            self.last_seq = last_seq;
        }
        for r in results {
            if matches!(r.outcome, Outcome::Rejected { .. })
                && !self.rejected.iter().any(|x| x.seq == r.seq)
            {
                // Queued, or already pushed: a push whose answer was lost is
                // skipped on retry (no result then), and its refusal arrives
                // with a pull while the mutation waits among the acked.
                // Taken out (it is done with either way), not cloned.
                let op = [&mut self.outbox, &mut self.acked]
                    .into_iter()
                    .find_map(|list| {
                        let at = list.iter().position(|m| m.seq == r.seq)?;
                        Some(list.remove(at).op)
                    });
                self.rejected.push(RejectedMutation {
                    seq: r.seq,
                    name: r.name.clone(),
                    outcome: r.outcome.clone(),
                    op,
                });
            }
        }
        let done = self.last_seq;
        self.outbox.retain(|m| m.seq > done);
    }

    /// After a push: drops what the server processed. The base only changes
    /// by pulling, so accepted writes stay visible through the replay until
    /// the pull that contains them.
    pub fn apply_push(&mut self, resp: &PushResponse) {
        let refused = |seq: u64| {
            resp.results
                .iter()
                .any(|r| r.seq == seq && matches!(r.outcome, Outcome::Rejected { .. }))
        };
        let accepted: Vec<Mutation> = self
            .outbox
            .iter()
            .filter(|m| m.seq <= resp.last_seq && !refused(m.seq))
            .cloned()
            .collect();
        self.acked.extend(accepted);
        self.acknowledge(resp.last_seq, &resp.results);
        self.replay();
    }

    /// Rebase: applies a pulled page to the base, drops processed mutations,
    /// replays the rest.
    pub fn apply_pull(&mut self, resp: &PullResponse) {
        if resp.reset {
            self.base = Records::default();
        }
        for c in &resp.changes {
            self.base.apply_change(c);
        }
        self.cursor = resp.cursor;
        self.epoch = resp.epoch;
        self.acknowledge(resp.last_seq, &resp.results);
        if !resp.has_more {
            // The base now holds everything the server had: the accepted
            // mutations' records are in it (or were changed since).
            self.acked.clear();
        }
        self.replay();
    }

    /// Adds documents to the base and replays: ones the app decodes later
    /// than the rest of their pull (src/sync/docs.rs).
    pub fn add_docs(&mut self, docs: Vec<Doc>) {
        if docs.is_empty() {
            return;
        }
        docs.into_iter().for_each(|d| self.base.put_doc(d));
        self.replay();
    }

    /// Replaces the actor (roles resolved against newly pulled orgs) and replays.
    pub fn set_actor(&mut self, actor: Actor) {
        if actor != self.actor {
            self.actor = actor;
            self.replay();
        }
    }

    /// What became of the mutation queued with `id` (doing `op`), for a
    /// screen that waits for the server (a kiosk cannot judge a hold on a
    /// member's credits): `None` until the server has answered and the pull
    /// after it has brought what it wrote. By id, not seq: a push may
    /// renumber the queue.
    pub fn verdict(&self, id: &str, op: &Op) -> Option<Result<(), &RejectedMutation>> {
        let waiting = |list: &[Mutation]| list.iter().any(|m| m.id == id);
        if waiting(&self.outbox) || waiting(&self.acked) {
            return None;
        }
        match self.rejected.iter().find(|r| r.op.as_ref() == Some(op)) {
            Some(r) => Some(Err(r)),
            None => Some(Ok(())),
        }
    }

    /// Forgets a rejection once the user has seen it.
    pub fn dismiss(&mut self, seq: u64) {
        self.rejected.retain(|r| r.seq != seq);
    }
}

/// The actor for `account` as a client can know it: role org paths come from
/// the pulled orgs (until the first pull they are unknown and the view
/// refuses what it cannot check; the server decides anyway).
pub fn actor_for(account: &crate::Account, base: &Records) -> Actor {
    let path_of = |org_id: &Option<String>| {
        org_id
            .as_deref()
            .and_then(|id| base.orgs.get(id))
            .map(|o| o.path.clone())
    };
    let member_org = account
        .member_id
        .as_deref()
        .and_then(|m| base.members.get(m))
        .map(|m| Some(m.org_id.clone()))
        .unwrap_or_else(|| {
            account
                .roles
                .iter()
                .find(|r| r.kind == crate::RoleKind::Member)
                .and_then(|r| r.org_id.clone())
        });
    Actor {
        account_id: account.id.clone(),
        member_id: account.member_id.clone(),
        member_org_path: path_of(&member_org),
        roles: account
            .roles
            .iter()
            .map(|r| crate::ScopedRole {
                kind: r.kind,
                org_path: path_of(&r.org_id),
            })
            .collect(),
    }
}

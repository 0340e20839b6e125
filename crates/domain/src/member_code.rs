//! 我的党员码: a member identifies at a station's kiosk with a code their
//! phone signs every 30 seconds, offline.
//!
//! The phone makes an ECDSA P-256 key pair (WebCrypto; the private key never
//! leaves it) and registers the public key ([`MemberKey`]). A code is the
//! member's id and the current 30-second window, signed. Kiosks sync the
//! public keys of the members of their orgs and check a code without the
//! network; nothing on a kiosk can make one. Every mutation a kiosk makes for
//! a member carries the code and the kiosk's session ([`MemberProof`]); the
//! server checks the signature again, and a [`CodeUse`] ties each code to the
//! one kiosk session that used it, so a code seen twice is refused.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use crate::auth::{Actor, RoleKind};
use crate::doc::Doc;
use crate::kernel::{CLOCK_SKEW, Rejection, View, Write, conflict, member_of, org_of};
use crate::kiosk_grant::{KioskGrant, Via};
use crate::member_card::CardCode;
use crate::refusal::{Field, Thing, Why};
use crate::short_code::ShortProof;
use crate::validate;
use crate::{Member, Org};

/// A code changes every this many seconds.
pub const WINDOW_SECS: i64 = 30;
/// A kiosk takes a code up to this long after its window began (the phone
/// shows a new one every 30 s; one that just turned is still good).
pub const FRESH_SECS: i64 = 2 * WINDOW_SECS;
/// How long one identification lasts at a kiosk: mutations made with a code
/// later than this after its window are refused.
pub const SESSION_SECS: i64 = 10 * 60;

/// A member's registered public key: one per member, the phone that made it
/// last. Private to the member and their organisers, and given to the kiosks
/// stationed at their org.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberKey {
    pub id: String,
    pub member_id: String,
    pub org_id: String,
    /// The name as a kiosk shows it (马*燕).
    pub masked_name: String,
    /// The raw (SEC1, uncompressed) P-256 public key, base64url.
    pub public_key: String,
    pub at: i64,
}

impl MemberKey {
    pub fn id_for(member_id: &str) -> String {
        format!("mkey-{member_id}")
    }

    /// The key's bytes, if they are a P-256 point's length.
    pub fn key_bytes(&self) -> Option<Vec<u8>> {
        decode_key(&self.public_key)
    }
}

/// A public key's text form, as registered.
pub fn encode_key(point: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(point)
}

pub(crate) fn decode_key(b64: &str) -> Option<Vec<u8>> {
    let bytes = URL_SAFE_NO_PAD.decode(b64).ok()?;
    (bytes.len() == 65 && bytes[0] == 4).then_some(bytes)
}

/// The first use of a member's code, by one kiosk session. Private to the
/// member and to that kiosk (its own replay memory, offline too).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeUse {
    pub id: String,
    pub member_id: String,
    pub org_id: String,
    pub device_id: String,
    pub session: String,
    pub window: i64,
    pub at: i64,
}

impl CodeUse {
    pub fn id_for(member_id: &str, window: i64) -> String {
        format!("codeuse-{member_id}-{window}")
    }
}

/// A code as the phone shows it and a scanner types it:
/// `ZJM1.<member id>.<window>.<signature, base64url>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberCode {
    pub member_id: String,
    /// Seconds since the epoch divided by [`WINDOW_SECS`].
    pub window: i64,
    /// ECDSA P-256 over SHA-256, `r || s` (WebCrypto's form).
    pub signature: Vec<u8>,
}

impl MemberCode {
    pub const PREFIX: &'static str = "ZJM1";

    pub fn window_at(t: i64) -> i64 {
        t.div_euclid(WINDOW_SECS)
    }

    /// What the phone signs: the purpose, the member and the window.
    pub fn message(member_id: &str, window: i64) -> String {
        format!("zhijian member code 1\n{member_id}\n{window}")
    }

    pub fn parse(s: &str) -> Option<Self> {
        let (member_id, window, signature) = split_code(s, Self::PREFIX)?;
        let window = window.parse::<i64>().ok()?;
        if signature.len() != 64 || window < 0 {
            return None;
        }
        Some(MemberCode {
            member_id,
            window,
            signature,
        })
    }

    pub fn text(member_id: &str, window: i64, signature: &[u8]) -> String {
        format!(
            "{}.{member_id}.{window}.{}",
            Self::PREFIX,
            URL_SAFE_NO_PAD.encode(signature)
        )
    }

    /// When its window began.
    pub fn starts_at(&self) -> i64 {
        self.window * WINDOW_SECS
    }

    /// Whether a kiosk may take the code at `now` (device time): not from
    /// the future beyond the clocks' drift, and not older than
    /// [`FRESH_SECS`].
    pub fn fresh_at(&self, now: i64) -> bool {
        let age = now - self.starts_at();
        (-CLOCK_SKEW..=FRESH_SECS + CLOCK_SKEW).contains(&age)
    }
}

/// The parts of a scanned code, `<prefix>.<member id>.<number>.<base64url>`
/// (a phone's [`MemberCode`] and a printed card's
/// [`CardCode`](crate::member_card::CardCode)), if it has that shape.
pub(crate) fn split_code<'a>(s: &'a str, prefix: &str) -> Option<(String, &'a str, Vec<u8>)> {
    let mut parts = s.trim().split('.');
    if parts.next()? != prefix {
        return None;
    }
    let member_id = parts.next()?;
    let number = parts.next()?;
    let bytes = URL_SAFE_NO_PAD.decode(parts.next()?).ok()?;
    if parts.next().is_some() || validate::id(Field::Id, member_id).is_err() {
        return None;
    }
    Some((member_id.to_owned(), number, bytes))
}

/// What a kiosk's mutation for a member carries: the code it read and the
/// kiosk's session (one per identification); with a printed card or a short
/// code, the grant the server gave when it checked them online
/// (`kiosk_grant`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberProof {
    pub code: String,
    pub session: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant: Option<String>,
}

impl MemberProof {
    /// The [`CodeUse`] the proof is checked against (loaded before apply).
    pub fn use_id(&self, member_id: &str) -> String {
        let window = MemberCode::parse(&self.code).map_or(-1, |c| c.window);
        CodeUse::id_for(member_id, window)
    }

    /// What checking the proof reads: her key, her card, the code's use.
    pub fn docs(&self, member_id: &str) -> [String; 3] {
        [
            MemberKey::id_for(member_id),
            crate::member_card::MemberCard::id_for(member_id),
            self.use_id(member_id),
        ]
    }
}

/// The view a kiosk's mutations for a member run on. A kiosk holds its
/// members' keys, never their records (no names, no phone numbers): on a
/// device, her key stands for her record, under her masked name, so the
/// rules of what it does for her run offline. The server has the record.
/// (Here rather than in `Records`, so that only the rules' chunk carries it.)
pub struct WithKeys<'a, V>(pub &'a V);

impl<V: View> WithKeys<'_, V> {
    fn member_by_key(&self, id: &str) -> Option<Member> {
        if self.0.holds_secrets() {
            return None;
        }
        // A member without a phone has a card instead.
        let (member_id, org_id, masked_name) = match self.0.doc(&MemberKey::id_for(id)) {
            Some(Doc::MemberKey(k)) => (k.member_id, k.org_id, k.masked_name),
            _ => match crate::member_card::card_of(self.0, id) {
                Some(c) => (c.member_id, c.org_id, c.masked_name),
                None => return None,
            },
        };
        Some(Member {
            id: member_id,
            org_id,
            name: masked_name,
            status: crate::MemberStatus::Full,
            mode: crate::ManagementMode::Employed,
            phone: None,
            workplace: None,
        })
    }
}

impl<V: View> View for WithKeys<'_, V> {
    crate::kernel::forward_view!();
    fn member(&self, id: &str) -> Option<Member> {
        self.0.member(id).or_else(|| self.member_by_key(id))
    }
    fn kiosk_grant(&self, digest: &str) -> Option<crate::kiosk_grant::KioskGrant> {
        self.0.kiosk_grant(digest)
    }
}

/// What a member does at a kiosk, besides checking in and redeeming from
/// her hold (which have their own mutations): her own sign-up to one of the
/// station's activities, her claim of one of its 微心愿, or a hold on her
/// credits for this kiosk to redeem from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum KioskDeed {
    SignUp {
        signup_id: String,
        activity_id: String,
    },
    ClaimWish {
        wish_id: String,
    },
    /// Reserves `amount` of her credits for this kiosk until
    /// [`KIOSK_HOLD_SECS`] after the deed. Only the server sees her wallet,
    /// so the kiosk waits for its verdict (and the hold, by pulling) before
    /// it offers to redeem from it: nothing is handed over on credit.
    PlaceHold {
        hold_id: String,
        amount: i64,
    },
}

/// How long a hold placed at a kiosk lasts: the visit, and the rest of the
/// afternoon if the station's shelf is being restocked.
pub const KIOSK_HOLD_SECS: i64 = 4 * 3600;

/// `kiosk.act@1`: the kiosk does a [`KioskDeed`] for the member who showed
/// it her code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KioskAct {
    pub member_id: String,
    /// When, on the kiosk's clock.
    pub at: i64,
    pub proof: MemberProof,
    pub deed: KioskDeed,
}

impl KioskAct {
    /// The member as the deed's rules see her: her id and org, a member's
    /// role there, and an account that is neither hers nor the kiosk's (a
    /// wish the station posted is still hers to claim).
    pub fn member_actor(&self, kiosk: &Actor, org_path: Option<String>) -> Actor {
        Actor {
            account_id: format!("{}/{}", kiosk.account_id, self.member_id),
            member_id: Some(self.member_id.clone()),
            member_org_path: org_path.clone(),
            roles: vec![crate::auth::ScopedRole {
                kind: RoleKind::Member,
                org_path,
            }],
        }
    }

    /// The org whose station the deed must be at.
    pub fn place(&self, view: &impl View) -> Result<String, Rejection> {
        match &self.deed {
            KioskDeed::SignUp { activity_id, .. } => match view.doc(activity_id) {
                Some(Doc::Activity(a)) => Ok(a.org_id),
                _ => Err(Rejection::NotFound(Thing::Activity)),
            },
            KioskDeed::ClaimWish { wish_id } => match view.doc(wish_id) {
                Some(Doc::Wish(w)) => Ok(w.org_id),
                _ => Err(Rejection::NotFound(Thing::Wish)),
            },
            // Her own credits, at the station of her org (`check_proof`).
            KioskDeed::PlaceHold { .. } => Ok(member_of(&WithKeys(view), &self.member_id)?.org_id),
        }
    }
}

/// Checks the proof and that the deed is at the kiosk's station; returns
/// the proof's write and the member as the deed's rules see her.
pub fn act_for(
    actor: &Actor,
    k: &KioskAct,
    view: &impl View,
    now: i64,
) -> Result<(Option<Write>, Actor), Rejection> {
    let proven =
        check_proof(actor, &k.member_id, Some(&k.proof), k.at, view, now)?.beyond_check_in()?;
    if !actor.stationed_at(&org_of(view, &k.place(view)?)?) {
        return Err(Rejection::Forbidden(Why::NotAtThisStation));
    }
    Ok((proven.write, k.member_actor(actor, Some(proven.org.path))))
}

/// The member giving her phone's `public_key` (or what comes with it): a
/// member, and a well-formed key.
pub(crate) fn key_holder<'a>(actor: &'a Actor, public_key: &str) -> Result<&'a str, Rejection> {
    let me = actor
        .member_id
        .as_deref()
        .ok_or(Rejection::Forbidden(Why::NoMemberProfile))?;
    if decode_key(public_key).is_none() {
        return Err(conflict(Why::MemberKeyFormat));
    }
    Ok(me)
}

/// A member registers the public key of the phone they use now (a new phone
/// replaces the old one's key, so its codes stop working).
pub fn register_key(
    actor: &Actor,
    public_key: &str,
    view: &impl View,
    now: i64,
) -> Result<Vec<Write>, Rejection> {
    let me = key_holder(actor, public_key)?;
    let m = member_of(view, me)?;
    Ok(vec![Write::Doc(Doc::MemberKey(MemberKey {
        id: MemberKey::id_for(me),
        member_id: m.id,
        org_id: m.org_id,
        masked_name: crate::credits::mask_name(&m.name),
        public_key: public_key.to_owned(),
        at: now,
    }))])
}

/// What a checked proof gives: the [`CodeUse`] to write (none for a card)
/// and the member's org.
#[derive(Debug)]
pub struct Proven {
    pub write: Option<Write>,
    pub org: Org,
    /// Shown a printed card without a right PIN: only check-ins.
    pub by_card: bool,
    /// The card came with a grant the server does not (or no longer)
    /// honour: expired, another kiosk's or visit's, or never given.
    pub pin_lapsed: bool,
}

/// The server's grant for the visit (a card's PIN, a short code), as the
/// proof shows it.
#[derive(PartialEq)]
enum Grant {
    None,
    Right,
    Lapsed,
}

impl Proven {
    /// For anything but a check-in: refused on a card alone.
    pub fn beyond_check_in(self) -> Result<Self, Rejection> {
        if self.pin_lapsed {
            return Err(Rejection::Forbidden(Why::CardPinExpired));
        }
        if self.by_card {
            return Err(Rejection::Forbidden(Why::MemberCardCheckInOnly));
        }
        Ok(self)
    }
}

/// Checks that a kiosk acts for `member_id` on a code the member showed it
/// (`at` is when, on the kiosk's clock) and returns the code's [`CodeUse`]
/// to write with the member's org. Refused: anyone but a kiosk, no proof, a member outside the
/// kiosk's orgs, a code that is not the member's key's, expired, or already
/// used by another kiosk session.
pub fn check_proof(
    actor: &Actor,
    member_id: &str,
    proof: Option<&MemberProof>,
    at: i64,
    view: &impl View,
    now: i64,
) -> Result<Proven, Rejection> {
    if !actor.roles.iter().any(|r| r.kind == RoleKind::Kiosk) {
        return Err(Rejection::Forbidden(Why::KioskActsForMember));
    }
    let proof = proof.ok_or(Rejection::Forbidden(Why::MemberProofNeeded))?;
    validate::id(Field::Session, &proof.session)?;
    if let Some(card) = CardCode::parse(&proof.code) {
        return check_card(actor, member_id, &card, proof, at, view, now);
    }
    if let Some(short) = ShortProof::parse(&proof.code) {
        return check_short(actor, member_id, &short, proof, at, view, now);
    }
    let code = MemberCode::parse(&proof.code).ok_or(conflict(Why::MemberCodeUnreadable))?;
    if code.member_id != member_id {
        return Err(conflict(Why::MemberCodeOtherMember));
    }
    let Some(Doc::MemberKey(key)) = view.doc(&MemberKey::id_for(member_id)) else {
        return Err(Rejection::NotFound(Thing::MemberKey));
    };
    let org = stationed(actor, member_id, at, view, now)?;
    let age = at - code.starts_at();
    if !(-CLOCK_SKEW..=SESSION_SECS).contains(&age) {
        return Err(conflict(Why::MemberCodeExpired));
    }
    let use_id = CodeUse::id_for(member_id, code.window);
    if let Some(Doc::CodeUse(u)) = view.doc(&use_id) {
        if u.device_id != actor.account_id || u.session != proof.session {
            return Err(conflict(Why::MemberCodeReplayed));
        }
        return Ok(Proven {
            write: Some(Write::Doc(Doc::CodeUse(u))),
            org,
            by_card: false,
            pin_lapsed: false,
        });
    }
    let message = MemberCode::message(member_id, code.window);
    let verdict = key
        .key_bytes()
        .and_then(|k| view.verify_signature(&k, message.as_bytes(), &code.signature));
    // A device takes its kiosk's word (it checked the code before acting);
    // the server judges, and a server without a verifier refuses.
    if verdict == Some(false) || (verdict.is_none() && view.holds_secrets()) {
        return Err(conflict(Why::MemberCodeWrongKey));
    }
    Ok(Proven {
        write: Some(Write::Doc(Doc::CodeUse(CodeUse {
            id: use_id,
            member_id: member_id.to_owned(),
            org_id: org.id.clone(),
            device_id: actor.account_id.clone(),
            session: proof.session.clone(),
            window: code.window,
            at,
        }))),
        org,
        by_card: false,
        pin_lapsed: false,
    })
}

/// Her org, if it is served by the kiosk's station, and a kiosk time not
/// beyond the clocks' drift: what every proof needs.
pub(crate) fn stationed(
    actor: &Actor,
    member_id: &str,
    at: i64,
    view: &impl View,
    now: i64,
) -> Result<Org, Rejection> {
    // On a kiosk, her key or card stands for her record (`WithKeys`).
    let org = org_of(view, &member_of(&WithKeys(view), member_id)?.org_id)?;
    if !actor.stationed_at(&org) {
        return Err(Rejection::Forbidden(Why::MemberNotAtStation));
    }
    if at > now + CLOCK_SKEW {
        return Err(conflict(Why::KioskTimeInFuture));
    }
    Ok(org)
}

/// The grant a proof carries, for a visit where she showed `via`: the
/// server checks the one it recorded; a kiosk takes its own word (it got
/// the grant itself, and cannot check it).
fn granted(
    actor: &Actor,
    member_id: &str,
    via: Via,
    proof: &MemberProof,
    at: i64,
    view: &impl View,
) -> Grant {
    match &proof.grant {
        None => Grant::None,
        Some(_) if !view.holds_secrets() => Grant::Right,
        Some(token) => match view.kiosk_grant(&KioskGrant::digest_of(token)) {
            Some(g) if g.allows(&actor.account_id, member_id, via, &proof.session, at) => {
                Grant::Right
            }
            _ => Grant::Lapsed,
        },
    }
}

/// A printed card: her current one, at a station serving her org. Checked
/// on the kiosk too (it holds the digest), so no verifier is needed. With a
/// grant (her PIN was right), more than check-ins.
fn check_card(
    actor: &Actor,
    member_id: &str,
    card: &CardCode,
    proof: &MemberProof,
    at: i64,
    view: &impl View,
    now: i64,
) -> Result<Proven, Rejection> {
    if card.member_id != member_id {
        return Err(conflict(Why::MemberCodeOtherMember));
    }
    let record = crate::member_card::card_of(view, member_id)
        .ok_or(Rejection::NotFound(Thing::MemberCard))?;
    let org = stationed(actor, member_id, at, view, now)?;
    card.check(&record)?;
    let via = Via::Card {
        number: card.number,
    };
    let pin = granted(actor, member_id, via, proof, at, view);
    Ok(Proven {
        write: None,
        org,
        by_card: pin != Grant::Right,
        pin_lapsed: pin == Grant::Lapsed,
    })
}

/// A short code typed by hand: the server checked it online and granted
/// the visit; without that grant it proves nothing.
fn check_short(
    actor: &Actor,
    member_id: &str,
    short: &ShortProof,
    proof: &MemberProof,
    at: i64,
    view: &impl View,
    now: i64,
) -> Result<Proven, Rejection> {
    if short.member_id != member_id {
        return Err(conflict(Why::MemberCodeOtherMember));
    }
    let org = stationed(actor, member_id, at, view, now)?;
    let via = Via::ShortCode {
        window: short.window,
    };
    match granted(actor, member_id, via, proof, at, view) {
        Grant::Right => Ok(Proven {
            write: None,
            org,
            by_card: false,
            pin_lapsed: false,
        }),
        Grant::None | Grant::Lapsed => Err(Rejection::Forbidden(Why::ShortCodeLapsed)),
    }
}

/// Keys, codes and the server's verifier for tests (p256, a dev-dependency).
#[cfg(test)]
pub(crate) mod testing {
    use p256::ecdsa::signature::{Signer, Verifier as _};
    use p256::ecdsa::{Signature, SigningKey, VerifyingKey};

    use super::*;
    use crate::replica::Verifier;

    fn signing(seed: u8) -> SigningKey {
        SigningKey::from_slice(&[seed; 32]).expect("a valid scalar")
    }

    pub fn public_key(seed: u8) -> String {
        let point = signing(seed).verifying_key().to_encoded_point(false);
        URL_SAFE_NO_PAD.encode(point.as_bytes())
    }

    pub fn code(seed: u8, member_id: &str, window: i64) -> String {
        let sig: Signature = signing(seed).sign(MemberCode::message(member_id, window).as_bytes());
        MemberCode::text(member_id, window, &sig.to_bytes())
    }

    pub fn proof(seed: u8, member_id: &str, at: i64, session: &str) -> MemberProof {
        MemberProof {
            code: code(seed, member_id, MemberCode::window_at(at)),
            session: session.into(),
            grant: None,
        }
    }

    fn check(key: &[u8], message: &[u8], signature: &[u8]) -> bool {
        let (Ok(k), Ok(s)) = (
            VerifyingKey::from_sec1_bytes(key),
            Signature::from_slice(signature),
        ) else {
            return false;
        };
        k.verify(message, &s.normalize_s().unwrap_or(s)).is_ok()
    }

    pub fn verifier() -> Verifier {
        Verifier(check)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::testing::{code, proof, public_key, verifier};
    use super::*;
    use crate::menu_ops::KioskCheckIn;
    use crate::replica::Records;
    use crate::{
        Actor, ManagementMode, Member, MemberStatus, Op, Org, OrgKind, RoleKind, ScopedRole, apply,
    };

    pub(crate) const NOW: i64 = 1_780_000_000;

    pub(crate) fn actor(account: &str, member: Option<&str>, kind: RoleKind, path: &str) -> Actor {
        Actor {
            account_id: account.into(),
            member_id: member.map(Into::into),
            member_org_path: member.map(|_| path.into()),
            roles: vec![ScopedRole {
                kind,
                org_path: Some(path.into()),
            }],
        }
    }
    pub(crate) fn m1() -> Actor {
        actor("acc-m1", Some("m1"), RoleKind::Member, "/c/b1/")
    }
    pub(crate) fn m5() -> Actor {
        actor("acc-m5", Some("m5"), RoleKind::Member, "/c/b2/")
    }
    pub(crate) fn kiosk(id: &str) -> Actor {
        actor(id, None, RoleKind::Kiosk, "/c/b1/")
    }

    /// b1 with its kiosk, b2 elsewhere; an activity under way in each.
    pub(crate) fn world() -> Records {
        let mut r = Records {
            holds_secrets: true,
            verifier: Some(verifier()),
            ..Records::default()
        };
        for (id, path) in [("c", "/c/"), ("b1", "/c/b1/"), ("b2", "/c/b2/")] {
            r.orgs.insert(
                id.into(),
                Org {
                    id: id.into(),
                    parent_id: (id != "c").then(|| "c".into()),
                    name: id.into(),
                    kind: if id == "c" {
                        OrgKind::Committee
                    } else {
                        OrgKind::Branch
                    },
                    joint: false,
                    area: None,
                    place: None,
                    path: path.into(),
                },
            );
        }
        for (id, name, org) in [("m1", "马晓燕", "b1"), ("m5", "周强", "b2")] {
            r.members.insert(
                id.into(),
                Member {
                    id: id.into(),
                    org_id: org.into(),
                    name: name.into(),
                    status: MemberStatus::Full,
                    mode: ManagementMode::Employed,
                    phone: None,
                    workplace: None,
                },
            );
        }
        for (id, org) in [("act-b1", "b1"), ("act-b2", "b2")] {
            let a = serde_json::json!({
                "id": id, "menu_id": "menu", "item_id": "i", "org_id": org,
                "title": "学习", "starts_at": NOW - 600, "minutes": 60,
                "place": "驿站", "mode": "menu",
            });
            r.put_doc(Doc::Activity(serde_json::from_value(a).expect("activity")));
        }
        r
    }

    pub(crate) fn run(r: &mut Records, a: &Actor, op: Op) -> Result<(), Rejection> {
        for w in apply(a, &op, r, NOW)? {
            r.write(w);
        }
        Ok(())
    }

    pub(crate) fn register(r: &mut Records, who: &Actor, seed: u8) {
        let op = Op::RegisterMemberKey {
            public_key: public_key(seed),
        };
        run(r, who, op).expect("registered");
    }

    pub(crate) fn kiosk_check_in(id: &str, activity: &str, member: &str, p: MemberProof) -> Op {
        Op::CheckInAtKiosk(KioskCheckIn {
            id: id.into(),
            activity_id: activity.into(),
            member_id: member.into(),
            at: NOW,
            proof: p,
        })
    }

    #[test]
    fn a_code_reads_back_and_only_a_real_one_parses() {
        let text = code(7, "m1", 12345);
        let c = MemberCode::parse(&text).expect("parses");
        assert_eq!((c.member_id.as_str(), c.window), ("m1", 12345));
        assert_eq!(MemberCode::text("m1", 12345, &c.signature), text);
        for bad in [
            "",
            "ZJM1.m1.12345",
            "ZJM2.m1.12345.AAAA",
            &text.replace("ZJM1.m1", "ZJM1.M 1"),
            &format!("{text}.x"),
            &text[..text.len() - 4],
        ] {
            assert_eq!(MemberCode::parse(bad), None, "{bad}");
        }
        let c = MemberCode::parse(&code(7, "m1", MemberCode::window_at(NOW))).unwrap();
        assert!(c.fresh_at(NOW) && c.fresh_at(NOW + FRESH_SECS));
        assert!(!c.fresh_at(NOW + FRESH_SECS + CLOCK_SKEW + WINDOW_SECS));
    }

    #[test]
    fn a_member_registers_only_their_own_well_formed_key() {
        let mut r = world();
        register(&mut r, &m1(), 7);
        let k = &r.member_keys()["mkey-m1"];
        assert_eq!((k.masked_name.as_str(), k.org_id.as_str()), ("马*燕", "b1"));
        let bad = Op::RegisterMemberKey {
            public_key: "AAAA".into(),
        };
        assert_eq!(run(&mut r, &m1(), bad), Err(conflict(Why::MemberKeyFormat)));
        let op = Op::RegisterMemberKey {
            public_key: public_key(9),
        };
        assert_eq!(
            run(&mut r, &kiosk("k-a"), op),
            Err(Rejection::Forbidden(Why::NoMemberProfile))
        );
    }

    #[test]
    fn a_kiosk_checks_in_a_member_on_her_code_once_and_never_again_elsewhere() {
        let mut r = world();
        register(&mut r, &m1(), 7);
        let p = proof(7, "m1", NOW - 20, "s1");
        run(
            &mut r,
            &kiosk("k-a"),
            kiosk_check_in("c1", "act-b1", "m1", p.clone()),
        )
        .unwrap();
        let c = &r.checkins()["c1"];
        assert_eq!(
            (c.member_id.as_str(), c.recorded_by.as_str()),
            ("m1", "k-a")
        );
        let used = &r.code_uses()[&CodeUse::id_for("m1", MemberCode::window_at(NOW - 20))];
        assert_eq!(
            (used.device_id.as_str(), used.session.as_str()),
            ("k-a", "s1")
        );
        // The same session goes on acting with it (check-in then redeem).
        assert_eq!(
            run(
                &mut r,
                &kiosk("k-a"),
                kiosk_check_in("c2", "act-b1", "m1", p.clone())
            ),
            Err(conflict(Why::AlreadyCheckedIn))
        );
        // Replayed: a new session, or another kiosk.
        let later = MemberProof {
            session: "s2".into(),
            ..p.clone()
        };
        r.docs.remove("c1");
        for (k, pr) in [("k-a", later), ("k-b", p)] {
            assert_eq!(
                run(&mut r, &kiosk(k), kiosk_check_in("c3", "act-b1", "m1", pr)),
                Err(conflict(Why::MemberCodeReplayed)),
                "{k}"
            );
        }
    }

    #[test]
    fn codes_are_refused_when_late_forged_foreign_or_missing() {
        let mut r = world();
        register(&mut r, &m1(), 7);
        register(&mut r, &m5(), 8);
        let k = kiosk("k-a");
        let try_with = |r: &mut Records, p: MemberProof, member: &str, act: &str| {
            run(r, &k, kiosk_check_in("c1", act, member, p))
        };
        // Expired: a code from before the session could last.
        let old = proof(7, "m1", NOW - SESSION_SECS - 60, "s1");
        assert_eq!(
            try_with(&mut r, old, "m1", "act-b1"),
            Err(conflict(Why::MemberCodeExpired))
        );
        // Signed by another key (an old phone, or made up).
        let forged = proof(9, "m1", NOW, "s1");
        assert_eq!(
            try_with(&mut r, forged, "m1", "act-b1"),
            Err(conflict(Why::MemberCodeWrongKey))
        );
        // Another member's code.
        let theirs = proof(8, "m5", NOW, "s1");
        assert_eq!(
            try_with(&mut r, theirs.clone(), "m1", "act-b1"),
            Err(conflict(Why::MemberCodeOtherMember))
        );
        // Another org's member, with her own valid code.
        assert_eq!(
            try_with(&mut r, theirs, "m5", "act-b2"),
            Err(Rejection::Forbidden(Why::MemberNotAtStation))
        );
        // An activity of another station.
        assert_eq!(
            try_with(&mut r, proof(7, "m1", NOW, "s1"), "m1", "act-b2"),
            Err(Rejection::Forbidden(Why::ActivityNotAtStation))
        );
        // Unreadable, or a member acting as if a kiosk.
        let junk = MemberProof {
            code: "ZJM1.m1.x.y".into(),
            session: "s1".into(),
            grant: None,
        };
        assert_eq!(
            try_with(&mut r, junk, "m1", "act-b1"),
            Err(conflict(Why::MemberCodeUnreadable))
        );
        assert_eq!(
            run(
                &mut r,
                &m1(),
                kiosk_check_in("c1", "act-b1", "m1", proof(7, "m1", NOW, "s1"))
            ),
            Err(Rejection::Forbidden(Why::KioskActsForMember))
        );
        // A member who never registered a key.
        r.docs.remove("mkey-m1");
        assert_eq!(
            try_with(&mut r, proof(7, "m1", NOW, "s1"), "m1", "act-b1"),
            Err(Rejection::NotFound(Thing::MemberKey))
        );
    }

    #[test]
    fn a_device_takes_its_kiosks_word_and_a_server_without_a_verifier_refuses() {
        let mut r = world();
        register(&mut r, &m1(), 7);
        let forged = proof(9, "m1", NOW, "s1");
        // The kiosk's own copy: her key, no member records.
        let mut device = r.clone();
        device.holds_secrets = false;
        device.verifier = None;
        device.members.clear();
        run(
            &mut device,
            &kiosk("k-a"),
            kiosk_check_in("c1", "act-b1", "m1", forged),
        )
        .unwrap();
        r.verifier = None;
        assert_eq!(
            run(
                &mut r,
                &kiosk("k-a"),
                kiosk_check_in("c1", "act-b1", "m1", proof(7, "m1", NOW, "s1"))
            ),
            Err(conflict(Why::MemberCodeWrongKey))
        );
    }

    pub(crate) fn act(deed: KioskDeed, member: &str, p: MemberProof) -> Op {
        Op::ActAtKiosk(KioskAct {
            member_id: member.into(),
            at: NOW,
            proof: p,
            deed,
        })
    }

    #[test]
    fn a_kiosk_holds_her_credits_for_itself_on_her_code_as_the_server_judges() {
        let mut r = world();
        register(&mut r, &m1(), 7);
        register(&mut r, &m5(), 8);
        r.put_doc(Doc::Wallet(crate::ledger::Wallet {
            balance: 40,
            ..crate::ledger::Wallet::new("m1", "b1")
        }));
        let k = kiosk("k-a");
        let p = proof(7, "m1", NOW, "s1");
        let hold = |id: &str, amount| KioskDeed::PlaceHold {
            hold_id: id.into(),
            amount,
        };
        // The kiosk's copy has no wallet to judge by: it writes nothing of
        // the hold (only that the code was used) and leaves it to the server.
        let mut device = r.clone();
        device.holds_secrets = false;
        device.verifier = None;
        device.members.clear();
        run(&mut device, &k, act(hold("h0", 100), "m1", p.clone())).unwrap();
        assert!(!device.docs.contains_key("h0"));
        let window = MemberCode::parse(&p.code).unwrap().window;
        assert!(device.docs.contains_key(&CodeUse::id_for("m1", window)));
        // The server: no more than her balance (the refusal does not say it:
        // the screen is shared), on the kiosk itself, for the visit.
        assert_eq!(
            run(&mut r, &k, act(hold("h0", 100), "m1", p.clone())),
            Err(Rejection::Conflict(Why::KioskHoldTooLarge))
        );
        run(&mut r, &k, act(hold("h1", 30), "m1", p.clone())).unwrap();
        let Some(Doc::Hold(h)) = r.docs.get("h1").cloned() else {
            panic!("no hold");
        };
        assert_eq!(
            (h.member_id.as_str(), h.device_id.as_str(), h.amount),
            ("m1", "k-a", 30)
        );
        assert_eq!(h.expires_at, NOW + KIOSK_HOLD_SECS);
        // The kiosk receives it with her name masked.
        let seen = k.view_of_doc(&Doc::Hold(h.clone()), &r.orgs["b1"].clone(), &[]);
        assert!(matches!(seen, Some(Doc::Hold(x)) if x.member_name == "马*燕"));
        assert!(
            matches!(m1().view_of_doc(&Doc::Hold(h), &r.orgs["b1"].clone(), &[]), Some(Doc::Hold(x)) if x.member_name == "马晓燕")
        );
        // Not on a printed card alone, not for another station's member.
        let card = print_card(&mut r, "m1", 1, 1);
        assert_eq!(
            run(&mut r, &k, act(hold("h2", 5), "m1", by_card(&card, "s2"))),
            Err(Rejection::Forbidden(Why::MemberCardCheckInOnly))
        );
        assert_eq!(
            run(
                &mut r,
                &k,
                act(hold("h3", 5), "m5", proof(8, "m5", NOW, "s3"))
            ),
            Err(Rejection::Forbidden(Why::MemberNotAtStation))
        );
    }

    #[test]
    fn a_kiosk_signs_her_up_and_claims_a_wish_for_her_at_its_station_only() {
        let mut r = world();
        register(&mut r, &m1(), 7);
        let k = kiosk("k-a");
        let post = Op::PostWish(crate::credit_ops::NewWish {
            id: "w1".into(),
            org_id: "b1".into(),
            title: "帮老人取药".into(),
            requester: "王秀梅".into(),
            credits: 10,
        });
        run(&mut r, &k, post).unwrap();
        let p = proof(7, "m1", NOW, "s1");
        let sign_up = |id: &str, activity: &str| KioskDeed::SignUp {
            signup_id: id.into(),
            activity_id: activity.into(),
        };
        // Another station's activity: refused before her own rules.
        assert_eq!(
            run(&mut r, &k, act(sign_up("su0", "act-b2"), "m1", p.clone())),
            Err(Rejection::Forbidden(Why::NotAtThisStation))
        );
        // The kiosk's own copy (her key, no records) accepts as the server does.
        let mut device = r.clone();
        device.holds_secrets = false;
        device.verifier = None;
        device.members.clear();
        for view in [&mut device, &mut r] {
            run(view, &k, act(sign_up("su1", "act-b1"), "m1", p.clone())).unwrap();
            assert_eq!(view.signups()["su1"].member_id, "m1");
            // A wish the station itself posted is hers to claim.
            let claim = KioskDeed::ClaimWish {
                wish_id: "w1".into(),
            };
            run(view, &k, act(claim, "m1", p.clone())).unwrap();
            assert_eq!(view.wishes()["w1"].claimed_by.as_deref(), Some("m1"));
        }
        assert_eq!(r.wishes()["w1"].claimer_name.as_deref(), Some("马晓燕"));
        // Her own rules still hold: no second sign-up.
        assert_eq!(
            run(&mut r, &k, act(sign_up("su2", "act-b1"), "m1", p)),
            Err(conflict(Why::AlreadySignedUp))
        );
    }

    #[test]
    fn kiosks_see_the_keys_of_their_members_and_nothing_of_others() {
        let mut r = world();
        register(&mut r, &m1(), 7);
        register(&mut r, &m5(), 8);
        let key = |id: &str| r.docs[id].clone();
        let (b1, b2) = (r.orgs["b1"].clone(), r.orgs["b2"].clone());
        assert!(
            kiosk("k-a")
                .view_of_doc(&key("mkey-m1"), &b1, &[])
                .is_some()
        );
        assert!(
            kiosk("k-a")
                .view_of_doc(&key("mkey-m5"), &b2, &[])
                .is_none()
        );
        assert!(m5().view_of_doc(&key("mkey-m1"), &b1, &[]).is_none());
        assert!(m1().view_of_doc(&key("mkey-m1"), &b1, &[]).is_some());
    }

    fn secretary(path: &str) -> Actor {
        actor("acc-sec", Some("m9"), RoleKind::Secretary, path)
    }

    fn print_card(r: &mut Records, member: &str, number: u32, byte: u8) -> CardCode {
        let c = CardCode {
            member_id: member.into(),
            number,
            secret: vec![byte; crate::member_card::SECRET_BYTES],
        };
        let op = Op::IssueMemberCard(crate::member_card::NewMemberCard {
            member_id: member.into(),
            number,
            digest: c.digest(),
        });
        let org = &r.members[member].org_id;
        let path = r.orgs[org].path.clone();
        run(r, &secretary(&path), op).expect("issued");
        c
    }

    fn by_card(c: &CardCode, session: &str) -> MemberProof {
        MemberProof {
            code: c.text(),
            session: session.into(),
            grant: None,
        }
    }

    #[test]
    fn a_printed_card_checks_her_in_offline_and_does_nothing_else() {
        let mut r = world();
        let k = kiosk("k-a");
        // Only her organisers print it; the numbers follow on.
        let stranger = Op::IssueMemberCard(crate::member_card::NewMemberCard {
            member_id: "m1".into(),
            number: 1,
            digest: CardCode::parse("ZJC1.m1.1.AAAAAAAAAAAAAAAAAAAAAA")
                .unwrap()
                .digest(),
        });
        assert_eq!(
            run(&mut r, &secretary("/c/b2/"), stranger.clone()),
            Err(Rejection::Forbidden(Why::SecretaryIssuesCards))
        );
        let card = print_card(&mut r, "m1", 1, 1);
        assert_eq!(
            run(&mut r, &secretary("/c/b1/"), stranger),
            Err(conflict(Why::MemberCardNumber))
        );
        // No key, no member records: the kiosk's own copy checks her in on
        // the card as the server does.
        let mut device = r.clone();
        device.holds_secrets = false;
        device.verifier = None;
        device.members.clear();
        for view in [&mut device, &mut r] {
            run(
                view,
                &k,
                kiosk_check_in("c1", "act-b1", "m1", by_card(&card, "s1")),
            )
            .unwrap();
            assert_eq!(view.checkins()["c1"].recorded_by, "k-a");
            // Anything beyond a check-in needs her phone's code.
            let sign_up = KioskDeed::SignUp {
                signup_id: "su1".into(),
                activity_id: "act-b1".into(),
            };
            assert_eq!(
                run(view, &k, act(sign_up, "m1", by_card(&card, "s1"))),
                Err(Rejection::Forbidden(Why::MemberCardCheckInOnly))
            );
        }
        // Forged, another member's, another station's member.
        let forged = CardCode {
            secret: vec![2; crate::member_card::SECRET_BYTES],
            ..card.clone()
        };
        let five = print_card(&mut r, "m5", 1, 5);
        for (member, c, why) in [
            ("m1", &forged, conflict(Why::MemberCardWrong)),
            ("m1", &five, conflict(Why::MemberCodeOtherMember)),
            ("m5", &five, Rejection::Forbidden(Why::MemberNotAtStation)),
        ] {
            assert_eq!(
                run(
                    &mut r,
                    &k,
                    kiosk_check_in("c2", "act-b1", member, by_card(c, "s2"))
                ),
                Err(why),
                "{member}"
            );
        }
        // Revoked, or replaced by a new card: the old one is refused.
        let revoke = Op::RevokeMemberCard {
            member_id: "m1".into(),
            number: 1,
        };
        run(&mut r, &secretary("/c/b1/"), revoke.clone()).unwrap();
        assert_eq!(
            run(&mut r, &secretary("/c/b1/"), revoke),
            Err(conflict(Why::MemberCardRevoked))
        );
        r.docs.remove("c1");
        assert_eq!(
            run(
                &mut r,
                &k,
                kiosk_check_in("c1", "act-b1", "m1", by_card(&card, "s3"))
            ),
            Err(conflict(Why::MemberCardRevoked))
        );
        let second = print_card(&mut r, "m1", 2, 3);
        run(
            &mut r,
            &k,
            kiosk_check_in("c1", "act-b1", "m1", by_card(&second, "s4")),
        )
        .unwrap();
        // Nobody prints their own.
        let own = Op::IssueMemberCard(crate::member_card::NewMemberCard {
            member_id: "m1".into(),
            number: 3,
            digest: second.digest(),
        });
        assert_eq!(
            run(
                &mut r,
                &actor("acc-m1", Some("m1"), RoleKind::Secretary, "/c/b1/"),
                own
            ),
            Err(Rejection::Forbidden(Why::NoSelfCard))
        );
    }

    #[test]
    fn a_card_with_a_right_pin_does_more_only_in_the_visit_it_was_typed_for() {
        use crate::kiosk_grant::{GRANT_SECS, KioskGrant, WithGrants};
        let mut r = world();
        let k = kiosk("k-a");
        let card = print_card(&mut r, "m1", 1, 1);
        // What the server recorded when her PIN was right at k-a, visit s1.
        let grants = [KioskGrant {
            digest: KioskGrant::digest_of("token-1"),
            member_id: "m1".into(),
            via: crate::kiosk_grant::Via::Card { number: 1 },
            kiosk: "k-a".into(),
            session: "s1".into(),
            expires_at: NOW + GRANT_SECS,
        }];
        // The server's view: its records and the grants it loaded.
        let run = |r: &mut Records, a: &Actor, op: Op| -> Result<(), Rejection> {
            for w in apply(a, &op, &WithGrants(&*r, &grants), NOW)? {
                r.write(w);
            }
            Ok(())
        };
        let with = |token: &str, session: &str| MemberProof {
            grant: Some(token.into()),
            ..by_card(&card, session)
        };
        let sign_up = |id: &str| KioskDeed::SignUp {
            signup_id: id.into(),
            activity_id: "act-b1".into(),
        };
        let lapsed = Err(Rejection::Forbidden(Why::CardPinExpired));
        // Another visit, a token never given, another kiosk.
        assert_eq!(
            run(&mut r, &k, act(sign_up("su1"), "m1", with("token-1", "s2"))),
            lapsed
        );
        assert_eq!(
            run(&mut r, &k, act(sign_up("su1"), "m1", with("token-2", "s1"))),
            lapsed
        );
        assert_eq!(
            run(
                &mut r,
                &kiosk("k-b"),
                act(sign_up("su1"), "m1", with("token-1", "s1"))
            ),
            lapsed
        );
        // Later than the grant lasts.
        let late = Op::ActAtKiosk(KioskAct {
            member_id: "m1".into(),
            at: NOW + GRANT_SECS + 1,
            proof: with("token-1", "s1"),
            deed: sign_up("su1"),
        });
        assert_eq!(
            apply(&k, &late, &WithGrants(&r, &grants), NOW + GRANT_SECS + 1).map(|_| ()),
            lapsed
        );
        // A lapsed grant still checks her in: the card alone does.
        run(
            &mut r,
            &k,
            kiosk_check_in("c1", "act-b1", "m1", with("token-2", "s1")),
        )
        .unwrap();
        // A kiosk takes its own grant's word (it cannot check it); the
        // server judges the same mutation again.
        let mut device = r.clone();
        device.holds_secrets = false;
        device.verifier = None;
        run(
            &mut device,
            &k,
            act(sign_up("su1"), "m1", with("token-9", "s1")),
        )
        .unwrap();
        assert_eq!(
            run(&mut r, &k, act(sign_up("su1"), "m1", with("token-9", "s1"))),
            lapsed
        );
        // The visit it was given for: more than check-ins.
        run(&mut r, &k, act(sign_up("su1"), "m1", with("token-1", "s1"))).unwrap();
        assert_eq!(r.signups()["su1"].member_id, "m1");
    }

    #[test]
    fn only_her_organisers_set_a_card_pin_and_not_a_guessable_one() {
        use crate::member_card::may_set_pin;
        let r = world();
        assert!(may_set_pin(&secretary("/c/b1/"), &r, "m1", "204863").is_ok());
        for (who, pin, why) in [
            (
                secretary("/c/b2/"),
                "204863",
                Rejection::Forbidden(Why::SecretarySetsCardPin),
            ),
            (
                actor("acc-m1", Some("m1"), RoleKind::Secretary, "/c/b1/"),
                "204863",
                Rejection::Forbidden(Why::NoSelfCard),
            ),
            (secretary("/c/b1/"), "20486", conflict(Why::CardPinFormat)),
            (secretary("/c/b1/"), "12345a", conflict(Why::CardPinFormat)),
            (
                secretary("/c/b1/"),
                "777777",
                conflict(Why::CardPinGuessable),
            ),
            (
                secretary("/c/b1/"),
                "654321",
                conflict(Why::CardPinGuessable),
            ),
        ] {
            assert_eq!(
                may_set_pin(&who, &r, "m1", pin).map(|_| ()),
                Err(why),
                "{pin}"
            );
        }
    }
}

//! 党员卡: a printed card for a member without a smartphone.
//!
//! The secretary's device makes a random secret and prints it in the card's
//! QR code (`ZJC1.<member>.<number>.<secret>`); only its SHA-256 digest is
//! synced ([`MemberCard`]), to the member's organisers and the kiosks of the
//! stations serving her org. A kiosk checks a card offline against the
//! digest and so cannot make one. A card is static, so anyone holding a copy
//! can show it: alone it allows only check-ins. Issuing a new card (the
//! next number) or revoking the card makes the old one worthless everywhere
//! the record has reached.
//!
//! With her PIN (six digits she chose at the secretary's desk, kept by the
//! server alone as an Argon2 hash), a card does more: a kiosk that is online
//! asks the server to check it and gets a grant for the visit
//! (`kiosk_grant`), which its mutations carry and the server checks again.
//! Offline, or without the PIN, the card still checks her in.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::Member;
use crate::auth::Actor;
use crate::doc::Doc;
use crate::kernel::{Rejection, View, Write, conflict, member_of, org_of};
use crate::refusal::{Thing, Why};
use crate::self_dealing::{OwnGain, refuse_own};

/// Bytes of a card's secret (128 bits: not guessable, short enough for a
/// QR code a cheap scanner reads at arm's length).
pub const SECRET_BYTES: usize = 16;

/// A member's current card. Private like her key: she, her organisers and
/// her org's stations' kiosks see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberCard {
    pub id: String,
    pub member_id: String,
    pub org_id: String,
    /// The name as a kiosk shows it (马*燕).
    pub masked_name: String,
    /// 1 for her first card; each new card counts up and replaces the last.
    pub number: u32,
    /// SHA-256 of the card's secret, base64url.
    pub digest: String,
    pub revoked: bool,
    pub at: i64,
    /// Who issued (or revoked) it.
    pub by: String,
}

impl MemberCard {
    pub fn id_for(member_id: &str) -> String {
        format!("mcard-{member_id}")
    }
}

/// A card's code as printed and as a scanner types it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CardCode {
    pub member_id: String,
    pub number: u32,
    pub secret: Vec<u8>,
}

impl CardCode {
    pub const PREFIX: &'static str = "ZJC1";

    pub fn parse(s: &str) -> Option<Self> {
        let (member_id, number, secret) = crate::member_code::split_code(s, Self::PREFIX)?;
        let number = number.parse::<u32>().ok()?;
        if secret.len() != SECRET_BYTES || number == 0 {
            return None;
        }
        Some(CardCode {
            member_id,
            number,
            secret,
        })
    }

    pub fn text(&self) -> String {
        format!(
            "{}.{}.{}.{}",
            Self::PREFIX,
            self.member_id,
            self.number,
            URL_SAFE_NO_PAD.encode(&self.secret)
        )
    }

    /// What is synced in place of the secret.
    pub fn digest(&self) -> String {
        URL_SAFE_NO_PAD.encode(Sha256::digest(&self.secret))
    }

    /// Whether this is the member's current card: her record's number and
    /// digest, not revoked.
    pub fn check(&self, card: &MemberCard) -> Result<(), Rejection> {
        if card.revoked || card.number != self.number {
            return Err(conflict(Why::MemberCardRevoked));
        }
        if card.digest != self.digest() {
            return Err(conflict(Why::MemberCardWrong));
        }
        Ok(())
    }
}

/// Whether the actor may set the member's card PIN to `pin`: those who
/// manage her org, with her at the desk (not their own: a card checks its
/// holder in), and a PIN that is not among the first guesses.
pub fn may_set_pin(
    actor: &Actor,
    view: &impl View,
    member_id: &str,
    pin: &str,
) -> Result<Member, Rejection> {
    let m = member_of(view, member_id)?;
    if !actor.manages(&org_of(view, &m.org_id)?) {
        return Err(Rejection::Forbidden(Why::SecretarySetsCardPin));
    }
    refuse_own(actor, &m.id, OwnGain::OwnCard)?;
    crate::kiosk_pin::fit(pin).map_err(|u| {
        conflict(match u {
            crate::kiosk_pin::Unfit::Format => Why::CardPinFormat,
            crate::kiosk_pin::Unfit::Guessable => Why::CardPinGuessable,
        })
    })?;
    Ok(m)
}

/// `member_card.issue@1`: what the secretary's device sends when it prints a
/// card (the digest; the secret stays on paper).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewMemberCard {
    pub member_id: String,
    pub number: u32,
    pub digest: String,
}

/// The number her next card gets: 1, or one more than her current card's.
pub fn next_number(view: &impl View, member_id: &str) -> u32 {
    card_of(view, member_id).map_or(1, |c| c.number + 1)
}

/// The member, if the actor manages her org (who issues and revokes cards).
fn organised(actor: &Actor, view: &impl View, member_id: &str) -> Result<Member, Rejection> {
    let m = member_of(view, member_id)?;
    if !actor.manages(&org_of(view, &m.org_id)?) {
        return Err(Rejection::Forbidden(Why::SecretaryIssuesCards));
    }
    Ok(m)
}

/// The member's card record, if any.
pub fn card_of(view: &impl View, member_id: &str) -> Option<MemberCard> {
    match view.doc(&MemberCard::id_for(member_id)) {
        Some(Doc::MemberCard(c)) => Some(c),
        _ => None,
    }
}

/// Those who manage the member's org issue her a card; the new one replaces
/// (and so revokes) the one before. Not to themselves: a card checks its
/// holder in.
pub fn issue(
    actor: &Actor,
    n: &NewMemberCard,
    view: &impl View,
    now: i64,
) -> Result<Vec<Write>, Rejection> {
    let m = organised(actor, view, &n.member_id)?;
    refuse_own(actor, &m.id, OwnGain::OwnCard)?;
    let digest = URL_SAFE_NO_PAD.decode(&n.digest).ok();
    if digest.is_none_or(|d| d.len() != 32) {
        return Err(conflict(Why::MemberCardFormat));
    }
    if n.number != next_number(view, &m.id) {
        return Err(conflict(Why::MemberCardNumber));
    }
    Ok(vec![Write::Doc(Doc::MemberCard(MemberCard {
        id: MemberCard::id_for(&m.id),
        member_id: m.id,
        org_id: m.org_id,
        masked_name: crate::credits::mask_name(&m.name),
        number: n.number,
        digest: n.digest.clone(),
        revoked: false,
        at: now,
        by: actor.account_id.clone(),
    }))])
}

/// Revokes the member's card (lost, or she has a phone now).
pub fn revoke(
    actor: &Actor,
    member_id: &str,
    number: u32,
    view: &impl View,
    now: i64,
) -> Result<Vec<Write>, Rejection> {
    organised(actor, view, member_id)?;
    let card = card_of(view, member_id).ok_or(Rejection::NotFound(Thing::MemberCard))?;
    if card.number != number || card.revoked {
        return Err(conflict(Why::MemberCardRevoked));
    }
    Ok(vec![Write::Doc(Doc::MemberCard(MemberCard {
        revoked: true,
        at: now,
        by: actor.account_id.clone(),
        ..card
    }))])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code() -> CardCode {
        CardCode {
            member_id: "m-01".into(),
            number: 2,
            secret: vec![7; SECRET_BYTES],
        }
    }

    fn record(c: &CardCode) -> MemberCard {
        MemberCard {
            id: MemberCard::id_for(&c.member_id),
            member_id: c.member_id.clone(),
            org_id: "b1".into(),
            masked_name: "马*燕".into(),
            number: c.number,
            digest: c.digest(),
            revoked: false,
            at: 0,
            by: "acc-sec".into(),
        }
    }

    #[test]
    fn codes_round_trip_and_junk_is_unreadable() {
        let c = code();
        assert_eq!(CardCode::parse(&c.text()), Some(c.clone()));
        let text = c.text();
        for bad in [
            text.replace("ZJC1", "ZJM1"),
            text.replace(".2.", ".0."),
            format!("{text}.x"),
            text[..text.len() - 2].to_owned(),
            "ZJC1.m-01.1".into(),
        ] {
            assert_eq!(CardCode::parse(&bad), None, "{bad}");
        }
    }

    #[test]
    fn only_the_current_unrevoked_card_with_its_secret_passes() {
        let c = code();
        assert!(c.check(&record(&c)).is_ok());
        let revoked = MemberCard {
            revoked: true,
            ..record(&c)
        };
        assert_eq!(c.check(&revoked), Err(conflict(Why::MemberCardRevoked)));
        let newer = MemberCard {
            number: 3,
            ..record(&c)
        };
        assert_eq!(c.check(&newer), Err(conflict(Why::MemberCardRevoked)));
        let forged = CardCode {
            secret: vec![8; SECRET_BYTES],
            ..c.clone()
        };
        assert_eq!(
            forged.check(&record(&c)),
            Err(conflict(Why::MemberCardWrong))
        );
    }
}

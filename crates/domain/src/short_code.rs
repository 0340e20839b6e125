//! 短码: 我的党员码's short form, ten digits typed by hand at a kiosk when
//! neither its scanner nor its camera reads the phone's QR code.
//!
//! Ten digits hold no signature, so a kiosk cannot check them offline; and
//! it may not hold what makes them, or it could make a member's codes. So
//! the phone makes a random secret besides its key pair and gives it to the
//! server alone (`POST /api/codes/short-secret`, online). A short code is a
//! tag naming the secret (4 digits) and a one-time password of the
//! 30-second window (6 digits: HMAC-SHA-256 with RFC 4226's truncation, as
//! RFC 6238 does it). An online kiosk sends what was typed (`POST
//! /api/codes/short`); the server looks among the secrets with that tag for
//! the one whose password it is ([`identify`]), and grants the visit once
//! per code (`kiosk_grant`). The visit's mutations carry a [`ShortProof`]
//! and the grant, which the server checks again; offline, the kiosk asks
//! for the QR code instead.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::auth::{Actor, RoleKind};
use crate::doc::Doc;
use crate::kernel::{Rejection, View, conflict};
use crate::member_code::{MemberCode, MemberKey, WINDOW_SECS, key_holder, stationed};
use crate::refusal::Why;

/// Bytes of the phone's short-code secret (RFC 4226 asks for 160 bits).
pub const SECRET_BYTES: usize = 20;

/// A typed code is taken while its window began at most this long ago:
/// the code on the screen and the one before, and time to type it.
pub const TYPING_SECS: i64 = 2 * WINDOW_SECS;

/// The phone's and the server's clocks may differ this much (both set
/// themselves from the network; a wider drift would widen what a guess
/// can hit).
pub const SKEW_SECS: i64 = WINDOW_SECS;

/// What the server keeps of a phone's secret (never synced).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShortSecret {
    pub member_id: String,
    /// The phone's public key when it gave the secret: a new phone's key
    /// retires the old phone's short codes with its QR codes.
    pub public_key: String,
    pub secret: Vec<u8>,
}

/// Ten digits as typed: the secret's tag and the window's password.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShortCode {
    pub tag: String,
    pub password: String,
}

fn mac(secret: &[u8], message: &[u8]) -> [u8; 32] {
    // Hmac accepts keys of any length, so this cannot fail.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        return [0; 32];
    };
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// RFC 4226's dynamic truncation of an HMAC, as `digits` decimal digits.
fn truncate(digest: &[u8; 32], digits: u32) -> String {
    let offset = usize::from(digest[31] & 0x0f);
    let bin = u32::from_be_bytes([
        digest[offset] & 0x7f,
        digest[offset + 1],
        digest[offset + 2],
        digest[offset + 3],
    ]);
    format!(
        "{:0width$}",
        bin % 10u32.pow(digits),
        width = digits as usize
    )
}

impl ShortCode {
    /// The tag that names a secret: four digits, the same for every window.
    pub fn tag_of(secret: &[u8]) -> String {
        truncate(&mac(secret, b"zhijian short code tag"), 4)
    }

    /// The window's password (RFC 6238 over SHA-256, six digits).
    pub fn password_of(secret: &[u8], window: i64) -> String {
        truncate(&mac(secret, &window.to_be_bytes()), 6)
    }

    /// The code the phone shows in `window`.
    pub fn of(secret: &[u8], window: i64) -> Self {
        ShortCode {
            tag: Self::tag_of(secret),
            password: Self::password_of(secret, window),
        }
    }

    /// As typed: ten digits; spaces and dashes are ignored.
    pub fn parse(typed: &str) -> Option<Self> {
        let digits: String = typed.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        if digits.len() != 10 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some(ShortCode {
            tag: digits[..4].to_owned(),
            password: digits[4..].to_owned(),
        })
    }

    /// As the phone shows it: `1234 567 890`.
    pub fn text(&self) -> String {
        format!(
            "{} {} {}",
            self.tag,
            &self.password[..3],
            &self.password[3..]
        )
    }

    /// The window this code is of, if `secret` made it recently enough for
    /// `now`: the newest such window.
    pub fn window_for(&self, secret: &[u8], now: i64) -> Option<i64> {
        if self.tag != Self::tag_of(secret) {
            return None;
        }
        let newest = MemberCode::window_at(now + SKEW_SECS);
        let oldest = MemberCode::window_at(now - TYPING_SECS - SKEW_SECS);
        (oldest..=newest)
            .rev()
            .find(|w| Self::password_of(secret, *w) == self.password)
    }
}

/// A phone's secret as it sends it, base64url.
pub fn encode_secret(secret: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(secret)
}

/// A stored secret's bytes.
pub fn decode_secret(b64: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD
        .decode(b64)
        .ok()
        .filter(|b| b.len() == SECRET_BYTES)
}

/// Who may give the server a short-code secret: a member, for the phone
/// whose public key comes with it. Returns her id and the secret's bytes.
pub fn may_register(
    actor: &Actor,
    public_key: &str,
    secret: &str,
) -> Result<(String, Vec<u8>), Rejection> {
    let me = key_holder(actor, public_key)?;
    let bytes = decode_secret(secret).ok_or(conflict(Why::ShortCodeSecretFormat))?;
    Ok((me.to_owned(), bytes))
}

/// Whose code `typed` is, among the secrets with its tag: the member and the
/// window, if one of them made it recently and is still her phone's (the
/// key she registered last). `Ok(None)`: nobody's, a wrong code. Refused:
/// anyone but a kiosk, and a member the kiosk's station does not serve.
pub fn identify(
    actor: &Actor,
    typed: &ShortCode,
    candidates: &[ShortSecret],
    view: &impl View,
    now: i64,
) -> Result<Option<(String, i64)>, Rejection> {
    if !actor.roles.iter().any(|r| r.kind == RoleKind::Kiosk) {
        return Err(Rejection::Forbidden(Why::KioskActsForMember));
    }
    let current = |s: &ShortSecret| {
        matches!(view.doc(&MemberKey::id_for(&s.member_id)),
            Some(Doc::MemberKey(k)) if k.public_key == s.public_key)
    };
    let Some((s, window)) = candidates
        .iter()
        .filter(|s| current(s))
        .find_map(|s| Some((s, typed.window_for(&s.secret, now)?)))
    else {
        return Ok(None);
    };
    stationed(actor, &s.member_id, now, view, now)?;
    Ok(Some((s.member_id.clone(), window)))
}

/// What a kiosk's mutations carry as the proof's code once the server took
/// a short code: `ZJS1.<member id>.<window>`. It proves nothing without the
/// visit's grant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShortProof {
    pub member_id: String,
    pub window: i64,
}

impl ShortProof {
    pub const PREFIX: &'static str = "ZJS1";

    pub fn text(&self) -> String {
        format!("{}.{}.{}", Self::PREFIX, self.member_id, self.window)
    }

    pub fn parse(s: &str) -> Option<Self> {
        let mut parts = s.trim().split('.');
        if parts.next()? != Self::PREFIX {
            return None;
        }
        let member_id = parts.next()?;
        let window = parts.next()?.parse::<i64>().ok()?;
        if parts.next().is_some()
            || window < 0
            || crate::validate::id(crate::refusal::Field::Id, member_id).is_err()
        {
            return None;
        }
        Some(ShortProof {
            member_id: member_id.to_owned(),
            window,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kiosk_grant::{GRANT_SECS, KioskGrant, Via, WithGrants};
    use crate::member_code::testing::public_key;
    use crate::member_code::tests::{NOW, act, actor, kiosk, m1, m5, register, world};
    use crate::member_code::{KioskDeed, MemberProof};
    use crate::replica::Records;
    use crate::{Op, apply};

    #[test]
    fn the_password_is_rfc_6238_over_sha_256() {
        // RFC 6238 appendix B, SHA-256 (its 8 digits end in our 6).
        let secret = b"12345678901234567890123456789012";
        for (t, eight) in [
            (59, "46119246"),
            (1_111_111_109, "68084774"),
            (1_234_567_890, "91819424"),
            (2_000_000_000, "90698825"),
        ] {
            let window = MemberCode::window_at(t);
            assert_eq!(ShortCode::password_of(secret, window), eight[2..], "{t}");
        }
    }

    #[test]
    fn a_code_reads_as_typed_and_nothing_else_does() {
        let c = ShortCode::of(&[7; SECRET_BYTES], 12345);
        assert_eq!(c.text().len(), 12);
        for typed in [
            c.text(),
            c.text().replace(' ', ""),
            c.text().replace(' ', "-"),
        ] {
            assert_eq!(ShortCode::parse(&typed), Some(c.clone()), "{typed}");
        }
        for junk in [
            "123456789",
            "12345678901",
            "12345x7890",
            "１２３４５６７８９０",
            "",
        ] {
            assert_eq!(ShortCode::parse(junk), None, "{junk}");
        }
        let p = ShortProof {
            member_id: "m1".into(),
            window: 42,
        };
        assert_eq!(ShortProof::parse(&p.text()), Some(p));
        for junk in [
            "ZJS1.m1",
            "ZJS1.m1.-1",
            "ZJS1.m1.4.2",
            "ZJM1.m1.42",
            "ZJS1.m 1.42",
        ] {
            assert_eq!(ShortProof::parse(junk), None, "{junk}");
        }
    }

    const SECRET: [u8; SECRET_BYTES] = [9; SECRET_BYTES];

    fn secret_of(member: &str, seed: u8, secret: [u8; SECRET_BYTES]) -> ShortSecret {
        ShortSecret {
            member_id: member.into(),
            public_key: public_key(seed),
            secret: secret.to_vec(),
        }
    }

    fn typed(secret: &[u8], at: i64) -> ShortCode {
        ShortCode::of(secret, MemberCode::window_at(at))
    }

    #[test]
    fn a_typed_code_is_hers_while_fresh_and_on_her_current_phone_only() {
        let mut r = world();
        register(&mut r, &m1(), 1);
        register(&mut r, &m5(), 5);
        let k = kiosk("k-a");
        let hers = secret_of("m1", 1, SECRET);
        let window = |at: i64| Some(("m1".to_owned(), MemberCode::window_at(at)));
        let found =
            |code: &ShortCode, secrets: &[ShortSecret]| identify(&k, code, secrets, &r, NOW);
        assert_eq!(
            found(&typed(&SECRET, NOW), std::slice::from_ref(&hers)),
            Ok(window(NOW))
        );
        // The code before, read out slowly; not three windows back.
        let slow = NOW - WINDOW_SECS;
        assert_eq!(
            found(&typed(&SECRET, slow), std::slice::from_ref(&hers)),
            Ok(window(slow))
        );
        assert_eq!(
            found(
                &typed(&SECRET, NOW - 4 * WINDOW_SECS),
                std::slice::from_ref(&hers)
            ),
            Ok(None)
        );
        // Another secret, one digit off, another member's tag.
        let other = secret_of("m1", 1, [8; SECRET_BYTES]);
        assert_eq!(
            found(&typed(&SECRET, NOW), std::slice::from_ref(&other)),
            Ok(None)
        );
        let mut off = typed(&SECRET, NOW);
        off.password = format!(
            "{:06}",
            (off.password.parse::<u32>().unwrap() + 1) % 1_000_000
        );
        assert_eq!(found(&off, &[hers.clone(), other]), Ok(None));
        // Her old phone's secret, once she registered a new phone's key.
        let mut r2 = r.clone();
        register(&mut r2, &m1(), 2);
        assert_eq!(
            identify(
                &k,
                &typed(&SECRET, NOW),
                std::slice::from_ref(&hers),
                &r2,
                NOW
            ),
            Ok(None)
        );
        // A member the station does not serve; anyone but a kiosk.
        let his = secret_of("m5", 5, SECRET);
        assert_eq!(
            found(&typed(&SECRET, NOW), &[his]),
            Err(Rejection::Forbidden(Why::MemberNotAtStation))
        );
        assert_eq!(
            identify(&m1(), &typed(&SECRET, NOW), &[hers], &r, NOW),
            Err(Rejection::Forbidden(Why::KioskActsForMember))
        );
    }

    #[test]
    fn only_a_member_gives_a_secret_and_only_a_well_formed_one() {
        let good = encode_secret(&SECRET);
        assert_eq!(
            may_register(&m1(), &public_key(1), &good),
            Ok(("m1".into(), SECRET.to_vec()))
        );
        let no_member = actor("acc-s", None, RoleKind::Secretary, "/c/b1/");
        assert_eq!(
            may_register(&no_member, &public_key(1), &good),
            Err(Rejection::Forbidden(Why::NoMemberProfile))
        );
        assert_eq!(
            may_register(&m1(), "AAAA", &good),
            Err(conflict(Why::MemberKeyFormat))
        );
        for bad in [encode_secret(&[1; 16]), "not base64!".into()] {
            assert_eq!(
                may_register(&m1(), &public_key(1), &bad),
                Err(conflict(Why::ShortCodeSecretFormat))
            );
        }
    }

    #[test]
    fn a_short_code_proves_her_only_with_the_visits_grant() {
        let mut r = world();
        register(&mut r, &m1(), 1);
        let k = kiosk("k-a");
        let window = MemberCode::window_at(NOW);
        let grants = [KioskGrant {
            digest: KioskGrant::digest_of("token-1"),
            member_id: "m1".into(),
            via: Via::ShortCode { window },
            kiosk: "k-a".into(),
            session: "s1".into(),
            expires_at: NOW + GRANT_SECS,
        }];
        let run = |r: &mut Records, a: &crate::Actor, op: Op| -> Result<(), Rejection> {
            for w in apply(a, &op, &WithGrants(&*r, &grants), NOW)? {
                r.write(w);
            }
            Ok(())
        };
        let proof = |grant: Option<&str>, w: i64, session: &str| MemberProof {
            code: ShortProof {
                member_id: "m1".into(),
                window: w,
            }
            .text(),
            session: session.into(),
            grant: grant.map(Into::into),
        };
        let sign_up = || KioskDeed::SignUp {
            signup_id: "su1".into(),
            activity_id: "act-b1".into(),
        };
        let lapsed = Err(Rejection::Forbidden(Why::ShortCodeLapsed));
        for p in [
            proof(None, window, "s1"),
            proof(Some("token-2"), window, "s1"),
            proof(Some("token-1"), window - 1, "s1"),
            proof(Some("token-1"), window, "s2"),
        ] {
            assert_eq!(run(&mut r, &k, act(sign_up(), "m1", p)), lapsed);
        }
        assert_eq!(
            run(
                &mut r,
                &kiosk("k-b"),
                act(sign_up(), "m1", proof(Some("token-1"), window, "s1"))
            ),
            lapsed
        );
        // A kiosk takes its own grant's word; the server judges it.
        let mut device = r.clone();
        device.holds_secrets = false;
        device.verifier = None;
        run(
            &mut device,
            &k,
            act(sign_up(), "m1", proof(Some("token-9"), window, "s1")),
        )
        .unwrap();
        run(
            &mut r,
            &k,
            act(sign_up(), "m1", proof(Some("token-1"), window, "s1")),
        )
        .unwrap();
        assert_eq!(r.signups()["su1"].member_id, "m1");
    }
}

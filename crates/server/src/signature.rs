//! The server's check of member codes (我的党员码): ECDSA P-256 over SHA-256
//! as WebCrypto signs, `r || s`. Handed to the domain's views
//! ([`zhijian_domain::replica::Verifier`]), which decide what a code allows.

use p256::ecdsa::signature::Verifier as _;
use p256::ecdsa::{Signature, VerifyingKey};
use zhijian_domain::replica::Verifier;

/// Whether `signature` is `key`'s (a SEC1 point) over `message`.
pub fn member_code_signed(key: &[u8], message: &[u8], signature: &[u8]) -> bool {
    let (Ok(key), Ok(sig)) = (
        VerifyingKey::from_sec1_bytes(key),
        Signature::from_slice(signature),
    ) else {
        return false;
    };
    // WebCrypto does not normalise s; both halves are the same signature.
    key.verify(message, &sig.normalize_s().unwrap_or(sig))
        .is_ok()
}

pub const VERIFIER: Verifier = Verifier(member_code_signed);

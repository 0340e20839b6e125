//! WebCrypto for 我的党员码 (`zhijian_domain::member_code`): the phone's key
//! pair (ECDSA P-256, made here, its private key never extractable, kept in
//! IndexedDB by `Store::member_key`), its signatures, and the kiosk's check
//! of a code against a member's public key. Browser APIs through `crate::js`:
//! only the pages that need them (lazy) pay for them.

use js_sys::{JSON, Uint8Array};
use wasm_bindgen::JsValue;

use crate::js;
use crate::store::Store;

/// WebCrypto is missing (an old browser, or a page not served securely).
#[derive(Debug)]
pub struct Unsupported;

fn subtle() -> Result<JsValue, Unsupported> {
    let crypto = js::get(&js::global(), "crypto").map_err(|_| Unsupported)?;
    let subtle = js::get(&crypto, "subtle").map_err(|_| Unsupported)?;
    if subtle.is_undefined() {
        return Err(Unsupported);
    }
    Ok(subtle)
}

fn json(text: &str) -> JsValue {
    JSON::parse(text).unwrap_or(JsValue::UNDEFINED)
}

fn bytes(v: &[u8]) -> JsValue {
    Uint8Array::from(v).into()
}

/// This phone's key pair and its public key as registered, made the first
/// time (the caller registers the public key).
pub async fn load_or_create() -> Result<(JsValue, String), Unsupported> {
    let store = Store::open().await.map_err(|_| Unsupported)?;
    let pair = stored_or_new(&store).await;
    store.close();
    let pair = pair?;
    let subtle = subtle()?;
    let public = js::get(&pair, "publicKey").map_err(|_| Unsupported)?;
    let raw = js::call_async(&subtle, "exportKey", &[&"raw".into(), &public])
        .await
        .map_err(|_| Unsupported)?;
    let point = Uint8Array::new(&raw).to_vec();
    Ok((pair, zhijian_domain::member_code::encode_key(&point)))
}

/// The stored pair, or a new one saved (its private key not extractable).
async fn stored_or_new(store: &Store) -> Result<JsValue, Unsupported> {
    if let Ok(Some(pair)) = store.member_key().await
        && !pair.is_undefined()
    {
        return Ok(pair);
    }
    let alg = json(r#"{"name":"ECDSA","namedCurve":"P-256"}"#);
    let usages = json(r#"["sign","verify"]"#);
    let pair = js::call_async(&subtle()?, "generateKey", &[&alg, &JsValue::FALSE, &usages])
        .await
        .map_err(|_| Unsupported)?;
    store
        .save_member_key(&pair)
        .await
        .map_err(|_| Unsupported)?;
    Ok(pair)
}

/// The phone's signature over `message` (`r || s`).
pub async fn sign(pair: &JsValue, message: &[u8]) -> Option<Vec<u8>> {
    let subtle = subtle().ok()?;
    let private = js::get(pair, "privateKey").ok()?;
    let alg = json(r#"{"name":"ECDSA","hash":"SHA-256"}"#);
    let sig = js::call_async(&subtle, "sign", &[&alg, &private, &bytes(message)])
        .await
        .ok()?;
    Some(Uint8Array::new(&sig).to_vec())
}

/// The kiosk's check: whether `signature` is the member's key's over
/// `message`. `None` when this browser cannot tell.
pub async fn verify(point: &[u8], message: &[u8], signature: &[u8]) -> Option<bool> {
    let subtle = subtle().ok()?;
    let import = json(r#"{"name":"ECDSA","namedCurve":"P-256"}"#);
    let usages = json(r#"["verify"]"#);
    let key = js::call_async(
        &subtle,
        "importKey",
        &[
            &"raw".into(),
            &bytes(point),
            &import,
            &JsValue::FALSE,
            &usages,
        ],
    )
    .await
    .ok()?;
    let alg = json(r#"{"name":"ECDSA","hash":"SHA-256"}"#);
    let ok = js::call_async(
        &subtle,
        "verify",
        &[&alg, &key, &bytes(signature), &bytes(message)],
    )
    .await
    .ok()?;
    ok.as_bool()
}

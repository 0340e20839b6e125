//! Browser APIs only a lazy page uses, called by name. A `web-sys` binding
//! adds an import and a JS glue function to the first load (imports live in
//! the main module and its glue whichever chunk calls them); `Reflect.get`
//! and `Function.call`, which the app binds anyway, reach the same methods
//! for nothing.

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// `obj[name]`.
pub fn get(obj: &JsValue, name: &str) -> Result<JsValue, JsValue> {
    js_sys::Reflect::get(obj, &JsValue::from_str(name))
}

/// `obj[name](...args)`. Up to three arguments through the `call`
/// bindings the app already has; more (WebCrypto's `importKey`, `verify`)
/// through `Reflect.apply`.
pub fn call(obj: &JsValue, name: &str, args: &[&JsValue]) -> Result<JsValue, JsValue> {
    let f: js_sys::Function = get(obj, name)?.unchecked_into();
    match args {
        [] => f.call0(obj),
        [a] => f.call1(obj, a),
        [a, b] => f.call3(obj, a, b, &JsValue::UNDEFINED),
        [a, b, c] => f.call3(obj, a, b, c),
        many => {
            let list = js_sys::Array::new();
            for a in many {
                list.push(a);
            }
            js_sys::Reflect::apply(&f, obj, &list)
        }
    }
}

/// `await obj[name](...args)`.
pub async fn call_async(obj: &JsValue, name: &str, args: &[&JsValue]) -> Result<JsValue, JsValue> {
    let p: js_sys::Promise = call(obj, name, args)?.unchecked_into();
    JsFuture::from(p).await
}

/// `window`.
pub fn global() -> JsValue {
    web_sys::window().map_or(JsValue::UNDEFINED, JsValue::from)
}

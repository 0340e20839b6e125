//! Panics reach the console and, when possible, the server's log.

use wasm_bindgen::JsValue;
use zhijian_domain::api::{ClientLog, LogLevel};

use crate::shell;

pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        // sendBeacon is synchronous to queue and outlives the page; a fetch
        // started here would never run, as the wasm instance is dead after a panic.
        let mut message = info.to_string();
        message.truncate(ClientLog::MAX_MESSAGE_CHARS / 4);
        let log = ClientLog {
            level: LogLevel::Error,
            message,
            build: shell::build_id(),
        };
        let _ = beacon(&log);
    }));
}

fn beacon(log: &ClientLog) -> Option<()> {
    let value =
        serde::Serialize::serialize(log, &serde_wasm_bindgen::Serializer::json_compatible())
            .ok()?;
    let json = js_sys::JSON::stringify(&value).ok()?;
    let parts = js_sys::Array::of1(&JsValue::from(json));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type("application/json");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts).ok()?;
    let sent = web_sys::window()?
        .navigator()
        .send_beacon_with_opt_blob("/api/client-log", Some(&blob))
        .ok()?;
    sent.then_some(())
}

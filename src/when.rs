//! Times of activities on this device's calendar, on the server's clock.
//!
//! Devices drift (an organiser's PC minutes fast, a phone set a day off):
//! "now" is the device's clock corrected by its offset to the server's,
//! learnt from every answer (`zhijian_client::clock`) and kept for offline
//! starts in localStorage.

use std::cell::Cell;

use js_sys::Date;
use wasm_bindgen::JsValue;
use zhijian_domain::Month;

const KEY: &str = "zhijian.clock_offset_ms";

thread_local! {
    /// The offset last saved (or read at start), to save only changes.
    static SAVED: Cell<Option<i64>> = const { Cell::new(None) };
}

/// Server clock minus device clock, in milliseconds (0 until first known).
/// Whole milliseconds: float formatting and parsing would cost the first
/// load about 13 KB.
pub fn offset_ms() -> i64 {
    let saved = SAVED.with(Cell::get).or_else(|| {
        let read = crate::locale::storage()
            .and_then(|s| s.get_item(KEY).ok().flatten())
            .and_then(|v| v.parse::<i64>().ok());
        SAVED.with(|c| c.set(Some(read.unwrap_or(0))));
        read
    });
    match zhijian_client::clock::offset_ms() {
        Some(now) => {
            // A second's change is noise (the header's resolution).
            if saved.is_none_or(|s| (s - now).abs() > 1000) {
                SAVED.with(|c| c.set(Some(now)));
                if let Some(s) = crate::locale::storage() {
                    let _ = s.set_item(KEY, &now.to_string());
                }
            }
            now
        }
        None => saved.unwrap_or(0),
    }
}

/// Milliseconds since the epoch, now, on the server's clock.
pub fn now_ms() -> f64 {
    Date::now() + offset_ms() as f64
}

/// Seconds since the epoch, now, on the server's clock.
pub fn now_secs() -> i64 {
    (now_ms() / 1000.0) as i64
}

/// This month in China (the server judges months the same way).
pub fn this_month() -> Month {
    Month::from_unix_clamped(now_secs())
}

fn date(secs: i64) -> Date {
    Date::new(&JsValue::from_f64(secs as f64 * 1000.0))
}

/// "11月24日 14:00" style: month, day, hour and minute.
pub fn short(secs: i64) -> (u32, u32, u32, u32) {
    let d = date(secs);
    (
        d.get_month() + 1,
        d.get_date(),
        d.get_hours(),
        d.get_minutes(),
    )
}

/// The value of a `datetime-local` input for a moment.
pub fn to_input(secs: i64) -> String {
    let d = date(secs);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}",
        d.get_full_year(),
        d.get_month() + 1,
        d.get_date(),
        d.get_hours(),
        d.get_minutes()
    )
}

/// A `datetime-local` value (local time) as seconds, if it is one.
pub fn from_input(v: &str) -> Option<i64> {
    let ms = Date::new(&JsValue::from_str(v)).get_time();
    (!ms.is_nan() && !v.is_empty()).then(|| (ms / 1000.0) as i64)
}

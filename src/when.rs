//! Times of activities on this device's clock and calendar.

use js_sys::Date;
use wasm_bindgen::JsValue;
use zhijian_domain::Month;

/// Seconds since the epoch, now.
pub fn now_secs() -> i64 {
    (Date::now() / 1000.0) as i64
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

//! How far this device's clock is from the server's, learnt from every
//! answer (`Date` header). Devices drift by minutes, some are set a day off;
//! check-in codes, check-in times, holds and "this month" use the corrected
//! time so that a device that is wrong behaves as one that is right.

use std::cell::Cell;

thread_local! {
    static OFFSET_MS: Cell<Option<i64>> = const { Cell::new(None) };
}

/// Records a measured offset (server minus device, milliseconds).
pub fn observe(offset_ms: f64) {
    // Beyond ±100 years it is not a clock but a broken header.
    if offset_ms.is_finite() && offset_ms.abs() < 3.2e12 {
        OFFSET_MS.with(|o| o.set(Some(offset_ms as i64)));
    }
}

/// The last measured offset, if an answer has come in since start.
pub fn offset_ms() -> Option<i64> {
    OFFSET_MS.with(Cell::get)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_last_finite_offset() {
        assert_eq!(offset_ms(), None);
        observe(180_000.0);
        observe(f64::NAN);
        assert_eq!(offset_ms(), Some(180_000));
        observe(-86_400_000.4);
        assert_eq!(offset_ms(), Some(-86_400_000));
        observe(1e300);
        assert_eq!(offset_ms(), Some(-86_400_000));
    }
}

//! The staff PIN that locks a station's kiosk (驿站终端) to its own page.
//!
//! Station staff choose it on the kiosk when they lock it; it never leaves
//! the device. It guards the staff menu (sync, change the PIN, unlock)
//! against whoever stands at the screen, which offers no keyboard but the
//! PIN pad: so what matters is the number of guesses, not the digest's
//! cost. After [`TRIES`] wrong PINs in a row the pad waits [`WAIT_SECS`],
//! doubling with every further miss, and the count survives a reload.

use sha2::{Digest, Sha256};

/// Digits in a PIN.
pub const LEN: usize = 6;
/// Wrong PINs in a row before the pad makes the next one wait.
pub const TRIES: u32 = 5;
/// The first wait; each further miss doubles it (at most an hour).
pub const WAIT_SECS: i64 = 60;
const MAX_WAIT_SECS: i64 = 3600;

/// Why a PIN cannot be chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unfit {
    /// Not exactly six digits.
    Format,
    /// One digit repeated, or a run up or down (111111, 123456, 987654):
    /// the first guesses anyone tries.
    Guessable,
}

/// What the pad says to a PIN.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Open,
    /// Wrong; this many tries before the pad waits.
    Wrong {
        tries_left: u32,
    },
    /// Too many wrong ones: nothing is checked until then.
    WaitUntil(i64),
}

/// The device's PIN: a salted digest and the run of misses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaffPin {
    salt: String,
    digest: String,
    misses: u32,
    wait_until: i64,
}

/// Whether `pin` may be chosen.
pub fn fit(pin: &str) -> Result<(), Unfit> {
    let d: Vec<i16> = pin
        .bytes()
        .map(|b| i16::from(b) - i16::from(b'0'))
        .collect();
    if d.len() != LEN || d.iter().any(|x| !(0..=9).contains(x)) {
        return Err(Unfit::Format);
    }
    let steps: Vec<i16> = d.windows(2).map(|w| w[1] - w[0]).collect();
    if steps.iter().all(|s| *s == steps[0] && s.abs() <= 1) {
        return Err(Unfit::Guessable);
    }
    Ok(())
}

fn digest(salt: &str, pin: &str) -> String {
    Sha256::digest(format!("{salt}:{pin}"))
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl StaffPin {
    /// A new PIN, with a salt fresh from the device's random source.
    pub fn choose(pin: &str, salt: &str) -> Result<Self, Unfit> {
        fit(pin)?;
        Ok(Self {
            salt: salt.to_owned(),
            digest: digest(salt, pin),
            misses: 0,
            wait_until: 0,
        })
    }

    /// Checks `pin` at `now` (seconds): while the pad waits, nothing is
    /// checked and the wait stands.
    pub fn check(&mut self, pin: &str, now: i64) -> Verdict {
        if now < self.wait_until {
            return Verdict::WaitUntil(self.wait_until);
        }
        if digest(&self.salt, pin.trim()) == self.digest {
            self.misses = 0;
            self.wait_until = 0;
            return Verdict::Open;
        }
        self.misses += 1;
        if self.misses < TRIES {
            return Verdict::Wrong {
                tries_left: TRIES - self.misses,
            };
        }
        let doublings = (self.misses - TRIES).min(6);
        self.wait_until = now + (WAIT_SECS << doublings).min(MAX_WAIT_SECS);
        Verdict::WaitUntil(self.wait_until)
    }

    /// How the device keeps it (one line of localStorage).
    pub fn to_text(&self) -> String {
        format!(
            "{}.{}.{}.{}",
            self.salt, self.digest, self.misses, self.wait_until
        )
    }

    /// Reads [`Self::to_text`] back; `None` for anything else (the staff
    /// then choose a new PIN).
    pub fn parse(s: &str) -> Option<Self> {
        let mut parts = s.split('.');
        let salt = parts.next().filter(|x| !x.is_empty())?.to_owned();
        let digest = parts.next().filter(|x| x.len() == 64)?.to_owned();
        let misses = parts.next()?.parse().ok()?;
        let wait_until = parts.next()?.parse().ok()?;
        parts.next().is_none().then_some(Self {
            salt,
            digest,
            misses,
            wait_until,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_six_digits_that_are_not_the_first_guesses() {
        assert_eq!(fit("12345"), Err(Unfit::Format));
        assert_eq!(fit("1234567"), Err(Unfit::Format));
        assert_eq!(fit("12a456"), Err(Unfit::Format));
        assert_eq!(fit("１２３４５６"), Err(Unfit::Format));
        for easy in ["000000", "777777", "123456", "456789", "987654", "543210"] {
            assert_eq!(fit(easy), Err(Unfit::Guessable), "{easy}");
        }
        for good in ["135790", "246813", "112233", "123457", "024680"] {
            assert_eq!(fit(good), Ok(()), "{good}");
        }
    }

    #[test]
    fn the_right_pin_opens_and_a_wrong_one_does_not() {
        let mut pin = StaffPin::choose("135790", "salt").unwrap();
        assert_eq!(pin.check("135791", 0), Verdict::Wrong { tries_left: 4 });
        assert_eq!(pin.check("135790", 0), Verdict::Open);
        // A success clears the run of misses.
        assert_eq!(pin.check("000000", 0), Verdict::Wrong { tries_left: 4 });
        // The same PIN under another salt is another digest.
        let other = StaffPin::choose("135790", "pepper").unwrap();
        assert_ne!(pin.digest, other.digest);
    }

    #[test]
    fn five_misses_make_the_pad_wait_longer_each_time() {
        let mut pin = StaffPin::choose("135790", "salt").unwrap();
        for left in (1..TRIES).rev() {
            assert_eq!(
                pin.check("111112", 100),
                Verdict::Wrong { tries_left: left }
            );
        }
        assert_eq!(pin.check("111112", 100), Verdict::WaitUntil(160));
        // While it waits even the right PIN is not checked.
        assert_eq!(pin.check("135790", 159), Verdict::WaitUntil(160));
        assert_eq!(pin.check("111112", 160), Verdict::WaitUntil(280));
        assert_eq!(pin.check("111112", 280), Verdict::WaitUntil(520));
        // Each wait over, each miss doubles the next, up to an hour.
        for i in 0..10 {
            pin.check("111112", 100_000 * (i + 1));
        }
        assert_eq!(
            pin.check("111112", 2_000_000),
            Verdict::WaitUntil(2_000_000 + MAX_WAIT_SECS)
        );
        assert_eq!(pin.check("135790", 3_000_000), Verdict::Open);
        assert_eq!(
            pin.check("111112", 3_000_000),
            Verdict::Wrong { tries_left: 4 }
        );
    }

    #[test]
    fn the_count_of_misses_survives_a_reload() {
        let mut pin = StaffPin::choose("135790", "ab12").unwrap();
        for _ in 0..TRIES {
            pin.check("111112", 10);
        }
        let back = StaffPin::parse(&pin.to_text()).unwrap();
        assert_eq!(back, pin);
        let mut back = back;
        assert_eq!(back.check("135790", 11), Verdict::WaitUntil(70));
        assert_eq!(StaffPin::parse("ab12.short.0.0"), None);
        assert_eq!(StaffPin::parse(&format!("{}.x", pin.to_text())), None);
        assert_eq!(StaffPin::parse(""), None);
    }
}

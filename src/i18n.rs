//! The app's languages: Simplified Chinese (default) and English.
//!
//! `build.rs` turns `locales/{zh,en}.json` into one `Strings` table per
//! language; a lookup is a field read. `t!(i18n, key)` is a reactive view of a
//! string, `t_string!(i18n, key)` the string now, `td_string!(locale, key)` the
//! string in a given locale; each takes `name = value` for `{{ name }}`
//! placeholders. Keys and placeholder names are checked at compile time.
//! (leptos_i18n did this before, with generated code per key and call site
//! that cost the first load about 25 KB of wasm; docs/architecture.md.)

use std::fmt::{Display, Write as _};

use leptos::prelude::*;

#[allow(non_upper_case_globals)]
mod strings {
    include!(concat!(env!("OUT_DIR"), "/strings.rs"));
}
pub use strings::{EN, Strings, ZH, vars};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[allow(non_camel_case_types)]
pub enum Locale {
    #[default]
    zh,
    en,
}

impl Locale {
    pub fn strings(self) -> &'static Strings {
        match self {
            Locale::zh => &ZH,
            Locale::en => &EN,
        }
    }
}

/// The UI language, shared through context.
#[derive(Clone, Copy)]
pub struct I18n(RwSignal<Locale>);

impl I18n {
    pub fn provide(initial: Locale) -> Self {
        let i18n = I18n(RwSignal::new(initial));
        provide_context(i18n);
        i18n
    }

    /// The current locale (tracked).
    pub fn get_locale(self) -> Locale {
        self.0.get()
    }

    pub fn get_locale_untracked(self) -> Locale {
        self.0.get_untracked()
    }

    pub fn set_locale(self, locale: Locale) {
        self.0.set(locale);
    }

    /// The current locale's strings (tracked).
    pub fn strings(self) -> &'static Strings {
        self.get_locale().strings()
    }
}

pub fn use_i18n() -> I18n {
    expect_context()
}

/// Replaces each `{{ name }}` in `template` by the value named `name`.
pub fn fill(template: &str, values: &[(&str, &dyn Display)]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start..].find("}}") else {
            break;
        };
        out.push_str(&rest[..start]);
        let name = rest[start + 2..start + len].trim();
        if let Some((_, v)) = values.iter().find(|(n, _)| *n == name) {
            let _ = write!(out, "{v}");
        }
        rest = &rest[start + len + 2..];
    }
    out.push_str(rest);
    out
}

/// Whether `given` names exactly the placeholders `sorted` (for the macros'
/// compile-time check).
pub const fn same_vars(sorted: &[&str], given: &[&str]) -> bool {
    if sorted.len() != given.len() {
        return false;
    }
    let mut i = 0;
    while i < given.len() {
        let mut found = false;
        let mut j = 0;
        while j < sorted.len() {
            if str_eq(sorted[j], given[i]) {
                found = true;
            }
            j += 1;
        }
        if !found {
            return false;
        }
        i += 1;
    }
    true
}

const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The string `key` of `strings`, with placeholders filled: `&'static str`
/// without values, `String` with.
#[doc(hidden)]
#[macro_export]
macro_rules! __zj_text {
    ($strings:expr, $key:ident) => {{
        const _: () = assert!(
            $crate::i18n::same_vars($crate::i18n::vars::$key, &[]),
            concat!("`", stringify!($key), "` has placeholders")
        );
        $strings.$key
    }};
    ($strings:expr, $key:ident, $($var:ident = $val:expr),+ $(,)?) => {{
        const _: () = assert!(
            $crate::i18n::same_vars($crate::i18n::vars::$key, &[$(stringify!($var)),+]),
            concat!("wrong placeholders for `", stringify!($key), "`")
        );
        $crate::i18n::fill($strings.$key, &[$((stringify!($var), &$val)),+])
    }};
}

/// A reactive view of the string `key` in the current language.
#[macro_export]
macro_rules! t {
    ($i18n:expr, $key:ident) => {{
        let i18n = $i18n;
        move || $crate::__zj_text!(i18n.strings(), $key)
    }};
    ($i18n:expr, $key:ident, $($var:ident = $val:expr),+ $(,)?) => {{
        let i18n = $i18n;
        // Evaluated once, as a view's arguments are.
        $(#[allow(clippy::redundant_locals)] let $var = $val;)+
        move || $crate::__zj_text!(i18n.strings(), $key, $($var = $var),+)
    }};
}

/// The string `key` in the current language, now (tracked when read in a
/// reactive context).
#[macro_export]
macro_rules! t_string {
    ($i18n:expr, $key:ident $(, $var:ident = $val:expr)* $(,)?) => {
        $crate::__zj_text!($i18n.strings(), $key $(, $var = $val)*)
    };
}

/// The string `key` in `locale`.
#[macro_export]
macro_rules! td_string {
    ($locale:expr, $key:ident $(, $var:ident = $val:expr)* $(,)?) => {
        $crate::__zj_text!($locale.strings(), $key $(, $var = $val)*)
    };
}

pub use crate::{t, t_string, td_string};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_placeholders() {
        assert_eq!(fill("{{ n }} 名党员", &[("n", &12)]), "12 名党员");
        assert_eq!(fill("{{ a }}/{{b}}", &[("b", &"y"), ("a", &"x")]), "x/y");
        assert_eq!(fill("no close {{ n", &[("n", &1)]), "no close {{ n");
    }

    #[test]
    fn placeholder_sets_compare() {
        assert!(same_vars(&["a", "b"], &["b", "a"]));
        assert!(!same_vars(&["a", "b"], &["a"]));
        assert!(!same_vars(&["a"], &["b"]));
        assert!(same_vars(&[], &[]));
    }
}

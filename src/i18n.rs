//! The app's languages: Simplified Chinese (default) and English.
//!
//! `build.rs` turns `locales/zh.json` into a table and gives each key its
//! index; English comes from `en.json`, fetched when chosen. A lookup is an
//! array read. `t!(i18n, key)` is a reactive view of a
//! string, `t_string!(i18n, key)` the string now, `td_string!(locale, key)` the
//! string in a given locale; each takes `name = value` for `{{ name }}`
//! placeholders. Keys and placeholder names are checked at compile time.
//! (leptos_i18n did this before, with generated code per key and call site
//! that cost the first load about 25 KB of wasm; docs/architecture.md.)

use std::fmt::{Display, Write as _};
use std::sync::OnceLock;

use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

#[allow(non_upper_case_globals)]
mod strings {
    include!(concat!(env!("OUT_DIR"), "/strings.rs"));
}
pub use strings::{COUNT, LAZY_COUNT, ZH, keys, vars};

/// A locale's strings, indexed by `keys::*`: the first load's, then the
/// lazy pages' once fetched ("" before).
#[derive(Clone, Copy)]
pub struct Strings(Locale);

impl std::ops::Index<usize> for Strings {
    type Output = &'static str;

    fn index(&self, i: usize) -> &&'static str {
        const EMPTY: &str = "";
        let found = match (self.0, EN.get()) {
            (Locale::en, Some(en)) => en.strings.get(i),
            _ if i < COUNT => ZH.get(i),
            _ => ZH_PAGES.get().and_then(|t| t.get(i - COUNT)),
        };
        found.unwrap_or_else(|| {
            // A lazy page's string read outside a lazy page: its key belongs
            // in the first load (locales/split.rs decides by file).
            leptos::logging::error!("string #{i} read before the pages' strings were loaded");
            &EMPTY
        })
    }
}

/// English, once fetched (`en.json` beside the wasm; see [`load`]).
static EN: OnceLock<English> = OnceLock::new();

/// The Chinese strings only lazy pages use, once fetched (`zh-pages.json`).
static ZH_PAGES: OnceLock<Vec<&'static str>> = OnceLock::new();

/// The English strings by index (all of them), and the refusals' texts
/// sorted by key.
struct English {
    strings: Vec<&'static str>,
    refusals: Vec<(&'static str, &'static str)>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[allow(non_camel_case_types)]
pub enum Locale {
    #[default]
    zh,
    en,
}

impl Locale {
    /// This locale's strings; Chinese until another locale's are loaded.
    pub fn strings(self) -> Strings {
        Strings(self)
    }

    fn is_loaded(self) -> bool {
        self == Locale::zh || EN.get().is_some()
    }
}

/// Fetches the strings of `locale` unless they are here. English lives in its
/// own file so that the first load carries only Chinese (3 KB brotli less);
/// the service worker keeps it for offline starts.
pub async fn load(locale: Locale) -> bool {
    if locale.is_loaded() {
        return true;
    }
    match fetch_table("en.json").await {
        Some(t) => EN.get_or_init(|| t).strings.len() == COUNT + LAZY_COUNT,
        None => false,
    }
}

/// Fetches the lazy pages' strings of the current locale unless they are
/// here (English has them all; Chinese has the first load's compiled in).
/// The request starts at once, so it runs beside the page's chunk; the
/// service worker keeps the file for offline starts.
pub fn load_page_strings(locale: Locale) -> impl std::future::Future<Output = bool> {
    let pending =
        (locale == Locale::zh && ZH_PAGES.get().is_none()).then(|| start_fetch("zh-pages.json"));
    async move {
        let Some(pending) = pending else {
            return true;
        };
        let Some(list) = array_of(pending).await else {
            return false;
        };
        if list.length() as usize != LAZY_COUNT {
            return false;
        }
        let table = list.iter().map(leak).collect();
        ZH_PAGES.get_or_init(|| table);
        true
    }
}

fn leak(v: JsValue) -> &'static str {
    // Once per page: the table lives as long as the app.
    String::leak(v.as_string().unwrap_or_default())
}

/// `file` from the build's directory (boot.js records where it is), requested now.
fn start_fetch(file: &str) -> Option<JsFuture> {
    let window = web_sys::window()?;
    let base = js_sys::Reflect::get(&window, &JsValue::from_str("zjPkg"))
        .ok()?
        .as_string()?;
    Some(JsFuture::from(
        window.fetch_with_str(&format!("{base}{file}")),
    ))
}

/// The JSON array a fetch answered, if it did.
async fn array_of(pending: Option<JsFuture>) -> Option<js_sys::Array> {
    let response: web_sys::Response = pending?.await.ok()?.dyn_into().ok()?;
    if !response.ok() {
        return None;
    }
    JsFuture::from(response.json().ok()?)
        .await
        .ok()?
        .dyn_into()
        .ok()
}

/// `en.json`: a JSON array of every string in `keys` order, then an object
/// of the refusals' texts, made from `locales/*.json` by xtask.
async fn fetch_table(file: &str) -> Option<English> {
    let list = array_of(start_fetch(file)).await?;
    if list.length() as usize != COUNT + LAZY_COUNT + 1 {
        return None;
    }
    let strings = list.iter().take(COUNT + LAZY_COUNT).map(leak).collect();
    let refusals: js_sys::Object = list.get((COUNT + LAZY_COUNT) as u32).dyn_into().ok()?;
    let mut refusals: Vec<(&str, &str)> = js_sys::Object::entries(&refusals)
        .iter()
        .filter_map(|e| {
            let e: js_sys::Array = e.dyn_into().ok()?;
            Some((leak(e.get(0)), leak(e.get(1))))
        })
        .collect();
    refusals.sort_unstable_by_key(|(k, _)| *k);
    Some(English { strings, refusals })
}

/// A refused mutation's reason in `locale`.
pub fn refused(locale: Locale, outcome: &zhijian_domain::sync::Outcome) -> String {
    match outcome {
        zhijian_domain::sync::Outcome::Rejected {
            message, reason, ..
        } => refusal(locale, reason.as_ref(), message),
        zhijian_domain::sync::Outcome::Ok => String::new(),
    }
}

/// A refusal in `locale`: the domain's Chinese `message` by default, or the
/// reason's text from the locale's refusal table, its values filled in
/// (`field` and `thing` values are keys, named in the locale too).
pub fn refusal(
    locale: Locale,
    reason: Option<&zhijian_domain::refusal::Reason>,
    message: &str,
) -> String {
    let table = match (locale, EN.get()) {
        (Locale::en, Some(en)) => en.refusals.as_slice(),
        _ => return message.to_owned(),
    };
    let find = |key: &str| {
        table
            .binary_search_by_key(&key, |(k, _)| *k)
            .ok()
            .map(|i| table[i].1)
    };
    let Some((reason, template)) = reason.and_then(|r| Some((r, find(&r.key)?))) else {
        return message.to_owned();
    };
    let named: Vec<(&str, String)> = reason
        .params
        .iter()
        .map(|(name, value)| {
            let shown = match name.as_str() {
                "field" | "thing" => find(&format!("{name}.{value}")).unwrap_or(value),
                _ => value,
            };
            (name.as_str(), shown.to_owned())
        })
        .collect();
    let values: Vec<(&str, &dyn Display)> =
        named.iter().map(|(n, v)| (*n, v as &dyn Display)).collect();
    fill(template, &values)
}

/// The UI language, shared through context.
#[derive(Clone, Copy)]
pub struct I18n(RwSignal<Locale>);

impl I18n {
    /// Provides `initial` if its strings are here, else Chinese.
    pub fn provide(initial: Locale) -> Self {
        let start = if initial.is_loaded() {
            initial
        } else {
            Locale::zh
        };
        let i18n = I18n(RwSignal::new(start));
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

    /// Switches once `locale`'s strings are here, and remembers the choice.
    pub fn set_locale(self, locale: Locale) {
        leptos::task::spawn_local(async move {
            // A lazy page may be on screen: its strings too.
            if load(locale).await && load_page_strings(locale).await {
                self.0.set(locale);
                crate::locale::save(locale);
            }
        });
    }

    /// The current locale's strings (tracked).
    pub fn strings(self) -> Strings {
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
        $strings[$crate::i18n::keys::$key]
    }};
    ($strings:expr, $key:ident, $($var:ident = $val:expr),+ $(,)?) => {{
        const _: () = assert!(
            $crate::i18n::same_vars($crate::i18n::vars::$key, &[$(stringify!($var)),+]),
            concat!("wrong placeholders for `", stringify!($key), "`")
        );
        $crate::i18n::fill($strings[$crate::i18n::keys::$key], &[$((stringify!($var), &$val)),+])
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

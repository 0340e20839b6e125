//! The chosen language, kept in localStorage so it survives reloads and
//! works offline. Simplified Chinese unless the user chose otherwise.

use crate::i18n::Locale;

const KEY: &str = "zhijian.locale";

/// The page's localStorage, if the browser gives it (private mode may not).
pub fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

pub fn saved() -> Locale {
    match storage()
        .and_then(|s| s.get_item(KEY).ok().flatten())
        .as_deref()
    {
        Some("en") => Locale::en,
        _ => Locale::zh,
    }
}

pub fn save(locale: Locale) {
    let tag = match locale {
        Locale::en => "en",
        Locale::zh => "zh",
    };
    if let Some(s) = storage() {
        // Private mode may refuse; the choice then lasts for this page only.
        let _ = s.set_item(KEY, tag);
    }
}

/// `<html lang>` follows the UI language: screen readers and font fallback use it.
pub fn set_document_lang(locale: Locale) {
    let tag = match locale {
        Locale::en => "en",
        Locale::zh => "zh-CN",
    };
    if let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = root.set_attribute("lang", tag);
    }
}

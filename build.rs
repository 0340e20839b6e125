//! Generates the app's string tables from `locales/*.json`.
//!
//! Every locale file must have the same keys, and each key the same
//! `{{ name }}` placeholders in every locale, or the build fails; the `t!`
//! macros (src/i18n.rs) then check keys and placeholders at compile time.
//! The output is the default locale's table of `&'static str` and each key's
//! index into it: a lookup is an array read, with no per-key code in the wasm.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

/// The default locale first.
const LOCALES: [&str; 2] = ["zh", "en"];

type Table = BTreeMap<String, String>;

include!("locales/split.rs");

fn placeholders(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start..].find("}}") else {
            break;
        };
        out.push(rest[start + 2..start + len].trim().to_owned());
        rest = &rest[start + len + 2..];
    }
    out.sort();
    out.dedup();
    out
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo::rerun-if-changed=build.rs");
    let dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?).join("locales");
    let mut tables = Vec::new();
    for locale in LOCALES {
        let path = dir.join(format!("{locale}.json"));
        println!("cargo::rerun-if-changed={}", path.display());
        let table: Table = serde_json::from_str(&std::fs::read_to_string(&path)?)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        tables.push(table);
    }
    let (default, others) = tables.split_first().ok_or("no locales")?;
    let mut problems = Vec::new();
    for (locale, table) in LOCALES[1..].iter().zip(others) {
        for key in default.keys().filter(|k| !table.contains_key(*k)) {
            problems.push(format!("{locale}.json lacks `{key}`"));
        }
        for key in table.keys().filter(|k| !default.contains_key(*k)) {
            problems.push(format!("{locale}.json has `{key}`, which zh.json lacks"));
        }
        for (key, text) in table {
            if let Some(zh) = default.get(key)
                && placeholders(zh) != placeholders(text)
            {
                problems.push(format!(
                    "`{key}`: {locale}.json and zh.json differ in placeholders"
                ));
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems.join("\n").into());
    }

    // Keys in table order, each an index into a locale's table: first the
    // strings the first load needs (the Chinese ones compiled in here), then
    // those only lazy pages use, fetched with the first such page
    // (`zh-pages.json`, written by xtask in this order, as is `en.json`).
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?);
    println!("cargo::rerun-if-changed=src");
    println!("cargo::rerun-if-changed=locales/split.rs");
    let (eager, lazy) = split_keys(&root, default.keys().cloned())?;
    let mut out = format!(
        "/// How many strings the first load carries.\npub const COUNT: usize = {};\n\
         /// How many more the lazy pages use.\npub const LAZY_COUNT: usize = {};\n",
        eager.len(),
        lazy.len()
    );
    out.push_str("/// Each key's index in a locale's table.\npub mod keys {\n");
    for (i, key) in eager.iter().chain(&lazy).enumerate() {
        writeln!(out, "    pub const {key}: usize = {i};")?;
    }
    out.push_str("}\n/// The default locale's strings of the first load.\npub static ZH: [&str; COUNT] = [\n");
    for key in &eager {
        writeln!(out, "    {:?},", default[key])?;
    }
    out.push_str("];\n");
    out.push_str(
        "/// Each key's placeholders, sorted (checked by the `t!` macros).\npub mod vars {\n",
    );
    for (key, text) in default {
        let names: Vec<String> = placeholders(text)
            .iter()
            .map(|n| format!("{n:?}"))
            .collect();
        writeln!(
            out,
            "    pub const {key}: &[&str] = &[{}];",
            names.join(", ")
        )?;
    }
    out.push_str("}\n");
    std::fs::write(
        PathBuf::from(std::env::var("OUT_DIR")?).join("strings.rs"),
        out,
    )?;
    Ok(())
}

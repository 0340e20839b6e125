//! The wasm pipeline: cargo → wasm-split → wasm-bindgen → wasm-opt.
//!
//! Trunk cannot split a module (trunk#1022: its hooks run too early or too
//! late, and wasm-bindgen drops the relocations the splitter needs), so Trunk
//! runs this as its `pre_build` hook and ships the result (`stamp-shell`,
//! the `post_build` hook). The steps are those of cargo-leptos `--split`:
//!
//! 1. `cargo build` for wasm32 (`.cargo/config.toml` links with `--emit-relocs`);
//! 2. split the raw rustc module at every `#[wasm_split]` function
//!    (`lazy_page!` in `src/lazy.rs`) with `wasm_split_cli_support`;
//! 3. wasm-bindgen the main module with `--keep-lld-exports`, so the exports
//!    the chunks link against survive;
//! 4. `wasm-opt -Oz` every module (release only).
//!
//! The output is one directory, `target/zj-wasm/pkg`: the main module and its
//! JS glue, the split loader and the chunks, all referring to each other by
//! relative names, plus `boot.js` that starts the app. `stamp-shell` copies it
//! to `pkg-<hash of its contents>/` in the build, so a build's files are
//! always fetched together (a chunk only works with the exact main module that
//! was split with it) and can be cached for ever.
//!
//! `ZJ_SPLIT=0` builds everything into the main module instead (the `eager`
//! feature): the switch for when splitting misbehaves. Debug builds (`trunk
//! serve`) do not split unless `ZJ_SPLIT=1`.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::tools;
use crate::util::{Result, cargo, root, run, step};

/// What the app's `<head>` loads; the rest of `pkg` is fetched on demand.
pub const MAIN_JS: &str = "zhijian.js";
pub const MAIN_WASM: &str = "zhijian_bg.wasm";
pub const SPLIT_JS: &str = "__wasm_split.js";
pub const BOOT_JS: &str = "boot.js";

const BOOT: &str = "// Starts the app (no inline script: the CSP allows none).\n\
import init from \"./zhijian.js\";\n\
// Where this build's other files are (the English strings, en.json).\n\
globalThis.zjPkg = new URL(\".\", import.meta.url).href;\n\
init({ module_or_path: new URL(\"./zhijian_bg.wasm\", import.meta.url) });\n";

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Profile {
    Release,
    Debug,
}

impl Profile {
    fn cargo_profile(self) -> &'static str {
        match self {
            Profile::Release => "wasm-release",
            Profile::Debug => "dev",
        }
    }

    fn target_dir(self) -> &'static str {
        match self {
            Profile::Release => "wasm-release",
            Profile::Debug => "debug",
        }
    }

    /// Trunk tells its hooks `TRUNK_PROFILE=release|debug`.
    pub fn from_env() -> Self {
        match std::env::var("TRUNK_PROFILE").as_deref() {
            Ok("debug") => Profile::Debug,
            _ => Profile::Release,
        }
    }
}

/// Whether to split: `ZJ_SPLIT=0|1`, else release builds split and debug ones do not.
pub fn split_wanted(profile: Profile) -> bool {
    match std::env::var("ZJ_SPLIT").as_deref() {
        Ok("0") => false,
        Ok("1") => true,
        _ => profile == Profile::Release,
    }
}

/// Where the finished modules are.
pub fn pkg_dir() -> PathBuf {
    root().join("target/zj-wasm/pkg")
}

/// Builds the app's wasm into [`pkg_dir`].
pub fn build(profile: Profile, split: bool) -> Result<PathBuf> {
    let work = root().join("target/zj-wasm");
    let pkg = pkg_dir();
    for dir in [work.join("split"), work.join("bindgen"), pkg.clone()] {
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        std::fs::create_dir_all(&dir)?;
    }

    step(&format!(
        "compiling the app to wasm ({}, {})",
        profile.cargo_profile(),
        if split { "split" } else { "one module" }
    ));
    let mut build = cargo();
    build.args([
        "build",
        "-p",
        "zhijian",
        "--bin",
        "zhijian",
        "--target",
        tools::WASM_TARGET,
        "--profile",
        profile.cargo_profile(),
    ]);
    if !split {
        build.args(["--features", "eager"]);
    }
    run(build.env_remove("CARGO_TARGET_DIR"))?;
    let raw = root()
        .join("target")
        .join(tools::WASM_TARGET)
        .join(profile.target_dir())
        .join("zhijian.wasm");

    let bindgen_input = if split {
        step("splitting the wasm at the lazy pages (wasm_split_cli_support)");
        let input = std::fs::read(&raw)?;
        let split_dir = work.join("split");
        let main_out = split_dir.join("main.wasm");
        let mut opts = wasm_split_cli_support::Options::new(&input);
        opts.output_dir = &split_dir;
        opts.main_out_path = &main_out;
        opts.link_name = "./__wasm_split.js";
        opts.main_module = "./zhijian.js";
        let out =
            wasm_split_cli_support::transform(opts).map_err(|e| format!("wasm-split: {e:?}"))?;
        let mut chunks = Vec::new();
        for module in &out.split_modules {
            let name = file_name(module)?;
            std::fs::copy(module, pkg.join(&name))?;
            chunks.push(name);
        }
        std::fs::copy(split_dir.join(SPLIT_JS), pkg.join(SPLIT_JS))?;
        chunks.sort();
        println!("{} chunks: {}", chunks.len(), chunks.join(", "));
        main_out
    } else {
        raw
    };

    step("wasm-bindgen");
    let bindgen_dir = work.join("bindgen");
    let mut bindgen = Command::new("wasm-bindgen");
    bindgen
        .args([
            "--target",
            "web",
            "--no-typescript",
            "--out-name",
            "zhijian",
        ])
        .arg("--out-dir")
        .arg(&bindgen_dir);
    if split {
        bindgen.args(["--keep-lld-exports", "--no-demangle"]);
    }
    if profile == Profile::Debug {
        bindgen.arg("--keep-debug");
    }
    run(bindgen.arg(&bindgen_input))?;
    copy_tree(&bindgen_dir, &pkg)?;
    std::fs::write(pkg.join(BOOT_JS), BOOT)?;
    write_locale_tables(&pkg)?;

    if profile == Profile::Release {
        step("wasm-opt -Oz on every module");
        // One process for all (xtask/wasm-opt-many.cjs says why).
        run(Command::new("node")
            .arg(root().join("xtask/wasm-opt-many.cjs"))
            .args(WASM_OPT_ARGS)
            .arg("--")
            .args(wasm_files(&pkg)?))?;
        // Trunk would minify the glue it made; this glue is ours to shrink
        // (the first load's JS: 13 KB brotli before, 10 KB after; boot.js keeps
        // its comments in the source only).
        step("esbuild --minify on the JS glue");
        for name in ["zhijian.js", SPLIT_JS, BOOT_JS] {
            let file = pkg.join(name);
            if file.exists() {
                run(Command::new(tools::node_bin().join("esbuild"))
                    .args([
                        "--minify",
                        "--format=esm",
                        "--log-level=error",
                        "--allow-overwrite",
                    ])
                    .arg(&file)
                    .arg(format!("--outfile={}", file.display())))?;
            }
        }
    }
    Ok(pkg)
}

/// Size first. After a first `-Oz`, flattening and re-running the relooper
/// lets two more `-Oz` rounds find more to fold (main module: 2.1 KB brotli
/// less, about 8 s more). The features are those rustc ≥ 1.87 emits for wasm32
/// by default; the split chunks carry no `target_features` section to detect
/// them from.
pub const WASM_OPT_ARGS: &[&str] = &[
    "-Oz",
    "--flatten",
    "--rereloop",
    "-Oz",
    "-Oz",
    "--enable-bulk-memory",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-reference-types",
    "--enable-multivalue",
];

// The split of the keys between the first load and the lazy pages, shared
// with the app's build.rs.
include!("../../locales/split.rs");

/// The string tables beside the wasm, in the order build.rs gives the keys
/// (first-load keys, then lazy-page keys): `zh-pages.json`, the Chinese
/// strings only lazy pages use (the rest are compiled in), and `en.json`,
/// every English string then one object of the refusals' English texts by
/// key (`locales/refusals.en.json`; the Chinese ones are the domain's own,
/// checked by its `refusal_locales` test). build.rs checks that the locale
/// files have the same keys.
fn write_locale_tables(pkg: &Path) -> Result {
    type Table = std::collections::BTreeMap<String, String>;
    let read = |name: &str| -> Result<Table> {
        let path = root().join("locales").join(name);
        Ok(serde_json::from_str(&std::fs::read_to_string(&path)?)
            .map_err(|e| format!("{}: {e}", path.display()))?)
    };
    let zh = read("zh.json")?;
    let en = read("en.json")?;
    let (eager, lazy) = split_keys(&root(), zh.keys().cloned())?;
    let pick = |t: &Table, keys: &[String]| -> Result<Vec<serde_json::Value>> {
        keys.iter()
            .map(|k| {
                t.get(k)
                    .map(|v| serde_json::Value::String(v.clone()))
                    .ok_or_else(|| format!("locales: `{k}` missing").into())
            })
            .collect()
    };
    std::fs::write(
        pkg.join("zh-pages.json"),
        serde_json::to_string(&pick(&zh, &lazy)?)?,
    )?;
    let mut values = pick(&en, &eager)?;
    values.extend(pick(&en, &lazy)?);
    values.push(serde_json::to_value(read("refusals.en.json")?)?);
    std::fs::write(pkg.join("en.json"), serde_json::to_string(&values)?)?;
    println!(
        "strings: {} in the first load, {} fetched with the lazy pages",
        eager.len(),
        lazy.len()
    );
    Ok(())
}

fn file_name(p: &Path) -> Result<String> {
    Ok(p.file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| format!("odd file name {}", p.display()))?
        .to_owned())
}

fn wasm_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "wasm"))
        .collect();
    out.sort();
    Ok(out)
}

/// Copies `from` into `to` recursively (wasm-bindgen's `snippets/` included).
pub fn copy_tree(from: &Path, to: &Path) -> Result {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let path = entry?.path();
        let dest = to.join(file_name(&path)?);
        if path.is_dir() {
            copy_tree(&path, &dest)?;
        } else {
            std::fs::copy(&path, &dest)?;
        }
    }
    Ok(())
}

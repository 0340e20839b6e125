//! Building the app with Trunk, stamping the offline shell, precompressing.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

use crate::tools;
use crate::util::{Result, cargo, root, run, step};
use crate::wasm;

pub const BUILD_META_DEV: &str = r#"name="zj-build" content="dev""#;
const PRECACHE_MARKER: &str = "/* zj:precache */";

pub fn dist() -> PathBuf {
    root().join("dist")
}

/// Builds the app in release into `dist/` and precompresses it.
pub fn app_release() -> Result<PathBuf> {
    tools::ensure_for_build()?;
    // Trunk runs cargo --offline (so it never downloads a tool either); fetch first.
    run(cargo().args(["fetch", "--quiet"]))?;
    step("building the app (trunk build --release)");
    run(Command::new("trunk")
        .args(["build", "--release", "--offline"])
        .current_dir(root())
        .env("PATH", tools::path_with_node_bin())
        .env_remove("CARGO_TARGET_DIR"))?;
    let dist = dist();
    precompress(&dist)?;
    Ok(dist)
}

fn files_under(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

fn url_of(dir: &Path, file: &Path) -> Result<String> {
    let rel = file.strip_prefix(dir)?;
    Ok(format!("/{}", rel.to_string_lossy().replace('\\', "/")))
}

/// Trunk's post-build hook: puts the wasm pipeline's output (`xtask wasm`,
/// the pre-build hook) into the build as `pkg-<hash>/`, loads it from
/// `index.html`, keeps the previous build's `pkg-*` so tabs still running it
/// can fetch their chunks, and writes the build id and the precache lists into
/// `sw.js`. The id is a hash of every staged file, so an unchanged build keeps
/// its id and users are not offered a no-op update.
pub fn stamp_shell() -> Result {
    let staging = PathBuf::from(
        std::env::var_os("TRUNK_STAGING_DIR")
            .ok_or("stamp-shell runs as a Trunk post_build hook")?,
    );
    let pkg_name = stage_pkg(&staging)?;
    let sw_path = staging.join("sw.js");
    let index_path = staging.join("index.html");

    let index = std::fs::read_to_string(&index_path)?;
    let split = staging.join(&pkg_name).join(wasm::SPLIT_JS).exists();
    let index = insert_loader(&index, &pkg_name, split)
        .ok_or("index.html has no </head> to put the app's scripts before")?;
    std::fs::write(&index_path, index)?;

    let previous = std::env::var_os("TRUNK_DIST_DIR")
        .map(PathBuf::from)
        .and_then(|dist| carry_previous_pkg(&dist, &staging, &pkg_name).transpose())
        .transpose()?;

    let mut hasher = Sha256::new();
    let (mut shell, mut lazy) = (Vec::new(), Vec::new());
    for file in files_under(&staging)? {
        let url = url_of(&staging, &file)?;
        if file == sw_path
            || previous
                .as_ref()
                .is_some_and(|p| url.starts_with(&format!("/{p}/")))
        {
            continue;
        }
        hasher.update(url.as_bytes());
        hasher.update(std::fs::read(&file)?);
        if is_lazy(&url) {
            lazy.push(url);
        } else {
            shell.push(url);
        }
    }
    let build = format!("{:x}", hasher.finalize())[..16].to_owned();

    let index = std::fs::read_to_string(&index_path)?;
    let stamped = stamp_index(&index, &build)
        .ok_or("index.html lacks <meta name=\"zj-build\" content=\"dev\">")?;
    std::fs::write(&index_path, stamped)?;

    let sw = std::fs::read_to_string(&sw_path)?;
    let line = format!(
        "{PRECACHE_MARKER} const BUILD = \"{build}\"; const SHELL = {}; const LAZY = {};",
        serde_json::to_string(&shell)?,
        serde_json::to_string(&lazy)?
    );
    let mut replaced = false;
    let sw: Vec<String> = sw
        .lines()
        .map(|l| {
            if l.starts_with(PRECACHE_MARKER) {
                replaced = true;
                line.clone()
            } else {
                l.to_owned()
            }
        })
        .collect();
    if !replaced {
        return Err("sw.js lacks the /* zj:precache */ line".into());
    }
    std::fs::write(&sw_path, sw.join("\n") + "\n")?;
    println!(
        "stamped build {build} ({pkg_name}): {} shell files precached at install, {} chunks after start{}",
        shell.len(),
        lazy.len(),
        previous
            .map(|p| format!("; kept {p} for tabs still running it"))
            .unwrap_or_default()
    );
    Ok(())
}

/// Split modules: fetched when a page needs them, precached once the app runs.
/// Chunks and other languages' strings: cached once the app runs.
fn is_lazy(url: &str) -> bool {
    url.starts_with("/pkg-")
        && (url.ends_with(".json") || url.ends_with(".wasm"))
        && !url.ends_with(&format!("/{}", wasm::MAIN_WASM))
}

/// Copies the wasm pipeline's output into the staging dir under a name that is
/// the hash of its contents; returns that name (`pkg-0123456789abcdef`).
fn stage_pkg(staging: &Path) -> Result<String> {
    let pkg = wasm::pkg_dir();
    if !pkg.join(wasm::MAIN_JS).exists() {
        return Err(format!(
            "{} has no app: the pre_build hook (xtask wasm) did not run",
            pkg.display()
        )
        .into());
    }
    let mut hasher = Sha256::new();
    for file in files_under(&pkg)? {
        hasher.update(url_of(&pkg, &file)?.as_bytes());
        hasher.update(std::fs::read(&file)?);
    }
    let name = format!("pkg-{}", &format!("{:x}", hasher.finalize())[..16]);
    wasm::copy_tree(&pkg, &staging.join(&name))?;
    Ok(name)
}

/// The `pkg-*` of the build being replaced (the one the live index.html
/// loads), copied into the new build unless it is the same: chunks only work
/// with the main module they were split from, and a tab opened before this
/// deploy still runs that one.
fn carry_previous_pkg(dist: &Path, staging: &Path, current: &str) -> Result<Option<String>> {
    let Ok(index) = std::fs::read_to_string(dist.join("index.html")) else {
        return Ok(None);
    };
    let Some(previous) = loaded_pkg(&index) else {
        return Ok(None);
    };
    if previous == current || !dist.join(&previous).is_dir() {
        return Ok(None);
    }
    wasm::copy_tree(&dist.join(&previous), &staging.join(&previous))?;
    Ok(Some(previous))
}

/// The `pkg-<hash>` directory an index.html loads the app from.
pub fn loaded_pkg(index: &str) -> Option<String> {
    let at = index.find("/pkg-")? + 1;
    let name: String = index[at..].chars().take_while(|c| *c != '/').collect();
    (name.len() == "pkg-".len() + 16).then_some(name)
}

/// The app's loader in `<head>`: the boot module (no inline script, for the
/// CSP), with the main JS, the split loader and the main wasm preloaded so
/// the browser fetches them in parallel instead of one after the other.
pub fn insert_loader(html: &str, pkg: &str, split: bool) -> Option<String> {
    // Trunk leaves the skipped rust link in; it means nothing to a browser.
    let html = match html.find("data-trunk-skip") {
        Some(i) => {
            let start = html[..i].rfind('<')?;
            let end = i + html[i..].find('>')? + 1;
            format!("{}{}", &html[..start], &html[end..])
        }
        None => html.to_owned(),
    };
    let at = html.find("</head>")?;
    let mut tags = format!(
        r#"<link rel="modulepreload" href="/{pkg}/{}">"#,
        wasm::MAIN_JS
    );
    if split {
        tags += &format!(
            r#"<link rel="modulepreload" href="/{pkg}/{}">"#,
            wasm::SPLIT_JS
        );
    }
    tags += &format!(
        r#"<link rel="preload" href="/{pkg}/{}" as="fetch" type="application/wasm" crossorigin>"#,
        wasm::MAIN_WASM
    );
    tags += &format!(
        r#"<script type="module" src="/{pkg}/{}"></script>"#,
        wasm::BOOT_JS
    );
    Some(format!("{}{}{}", &html[..at], tags, &html[at..]))
}

/// Replaces the dev build id in index.html, whether or not Trunk minified
/// the tag (`content=dev name=zj-build` or the quoted original).
pub fn stamp_index(html: &str, build: &str) -> Option<String> {
    if html.contains(BUILD_META_DEV) {
        return Some(html.replacen(
            BUILD_META_DEV,
            &format!(r#"name="zj-build" content="{build}""#),
            1,
        ));
    }
    let start = html.find("zj-build")?;
    let tag_start = html[..start].rfind('<')?;
    let tag_end = start + html[start..].find('>')?;
    let tag = &html[tag_start..tag_end];
    let new_tag = tag
        .replacen("content=\"dev\"", &format!("content=\"{build}\""), 1)
        .replacen("content=dev", &format!("content={build}"), 1);
    (new_tag != tag).then(|| format!("{}{}{}", &html[..tag_start], new_tag, &html[tag_end..]))
}

fn ext_of(path: &Path) -> &str {
    path.extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
}

fn compressible(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("html" | "js" | "wasm" | "css" | "svg" | "webmanifest" | "json")
    )
}

pub fn gzip(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(bytes)?;
    Ok(enc.finish()?)
}

pub fn brotli(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params)?;
    Ok(out)
}

/// Writes `.br` and `.gz` beside each text or wasm file; the server sends
/// them as they are, so no request pays for compression.
pub fn precompress(dist: &Path) -> Result {
    for file in files_under(dist)? {
        // A file that has its .br already was carried over from the previous build.
        if !compressible(&file)
            || file
                .with_extension(format!("{}.br", ext_of(&file)))
                .exists()
        {
            continue;
        }
        let bytes = std::fs::read(&file)?;
        let name = file
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        std::fs::write(file.with_file_name(format!("{name}.br")), brotli(&bytes)?)?;
        std::fs::write(file.with_file_name(format!("{name}.gz")), gzip(&bytes)?)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_quoted_and_minified_meta() {
        let quoted = r#"<head><meta name="zj-build" content="dev" /></head>"#;
        assert_eq!(
            stamp_index(quoted, "abc").unwrap(),
            r#"<head><meta name="zj-build" content="abc" /></head>"#
        );
        let minified = "<head><meta content=dev name=zj-build><title>x</title>";
        assert_eq!(
            stamp_index(minified, "abc").unwrap(),
            "<head><meta content=abc name=zj-build><title>x</title>"
        );
        assert!(stamp_index("<head></head>", "abc").is_none());
    }

    #[test]
    fn compression_round_trips() {
        let data = "指尖党建 ".repeat(200).into_bytes();
        let gz = gzip(&data).unwrap();
        let mut back = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut back).unwrap();
        assert_eq!(back, data);
        let br = brotli(&data).unwrap();
        assert!(br.len() < data.len() / 10);
    }
}

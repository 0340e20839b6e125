//! Building the app with Trunk, stamping the offline shell, precompressing.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

use crate::tools;
use crate::util::{Result, cargo, root, run, step};

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

/// Trunk's post-build hook: writes the precache list and the build id into
/// the staged `sw.js` and `index.html`. The id is a hash of every staged file,
/// so an unchanged build keeps its id and users are not offered a no-op update.
pub fn stamp_shell() -> Result {
    let staging = PathBuf::from(
        std::env::var_os("TRUNK_STAGING_DIR")
            .ok_or("stamp-shell runs as a Trunk post_build hook")?,
    );
    let sw_path = staging.join("sw.js");
    let index_path = staging.join("index.html");
    let mut hasher = Sha256::new();
    let mut urls = Vec::new();
    for file in files_under(&staging)? {
        if file == sw_path {
            continue;
        }
        let url = url_of(&staging, &file)?;
        hasher.update(url.as_bytes());
        hasher.update(std::fs::read(&file)?);
        urls.push(url);
    }
    let build = format!("{:x}", hasher.finalize())[..16].to_owned();

    let index = std::fs::read_to_string(&index_path)?;
    let stamped = stamp_index(&index, &build)
        .ok_or("index.html lacks <meta name=\"zj-build\" content=\"dev\">")?;
    std::fs::write(&index_path, stamped)?;

    let sw = std::fs::read_to_string(&sw_path)?;
    let list = serde_json::to_string(&urls)?;
    let line = format!("{PRECACHE_MARKER} const BUILD = \"{build}\"; const PRECACHE = {list};");
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
    println!("stamped build {build}: {} files precached", urls.len());
    Ok(())
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
        if !compressible(&file) {
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

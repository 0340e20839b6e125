// Which strings the first load carries: shared by build.rs (the indices the
// app's `t!` macros use) and xtask (the tables it writes beside the wasm), so
// both order the keys alike. Included with `include!`, hence no module docs.

/// Files whose strings ship in the first load: everything except the lazy
/// pages (src/pages/*.rs but the landing page and "not found").
fn is_lazy_file(rel: &str) -> bool {
    rel.starts_with("src/pages/")
        && !matches!(
            rel,
            "src/pages/home.rs" | "src/pages/not_found.rs" | "src/pages/mod.rs"
        )
}

/// The keys the macros name in each file under `src/`.
fn key_uses(root: &std::path::Path) -> std::io::Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut dirs = vec![root.join("src")];
    while let Some(dir) = dirs.pop() {
        for e in std::fs::read_dir(&dir)? {
            let path = e?.path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            if path.extension().is_none_or(|x| x != "rs") {
                continue;
            }
            let rel = path
                .strip_prefix(root)
                .map(|p| p.to_string_lossy().replace('\\', "/"))
                .unwrap_or_default();
            let text = std::fs::read_to_string(&path)?;
            for mac in ["t!(", "t_string!(", "td_string!(", "keys::"] {
                let mut from = 0;
                while let Some(at) = text[from..].find(mac) {
                    let start = from + at;
                    from = start + mac.len();
                    // A whole name: not `assert!(` nor `my_keys::`.
                    let before = text[..start].chars().next_back();
                    if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
                        continue;
                    }
                    let rest = &text[from..];
                    // `keys::name`, or the macro's second argument.
                    let arg = if mac == "keys::" {
                        rest
                    } else {
                        match rest.find(',') {
                            Some(c) => &rest[c + 1..],
                            None => continue,
                        }
                    };
                    let key: String = arg
                        .trim_start()
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    if !key.is_empty() {
                        out.push((key, rel.clone()));
                    }
                }
            }
        }
    }
    Ok(out)
}

/// The keys in table order: those the first load needs (sorted), then those
/// only lazy pages use (sorted). A key used nowhere the scan sees stays in
/// the first load.
fn split_keys(
    root: &std::path::Path,
    keys: impl Iterator<Item = String>,
) -> std::io::Result<(Vec<String>, Vec<String>)> {
    let uses = key_uses(root)?;
    let (mut eager, mut lazy) = (Vec::new(), Vec::new());
    for key in keys {
        let mut files = uses.iter().filter(|(k, _)| *k == key).map(|(_, f)| f).peekable();
        let only_lazy = files.peek().is_some() && files.all(|f| is_lazy_file(f));
        if only_lazy {
            lazy.push(key);
        } else {
            eager.push(key);
        }
    }
    eager.sort();
    lazy.sort();
    Ok((eager, lazy))
}

//! The stage order of DESIGN §1, checked: a module may use `crate::x` only for a stage `x` to its
//! left. `atomic` (how every stage writes files) comes first. `spec` sits after `split` and
//! `models` because a spec embeds the parameter types those stages own and validate (the
//! preprocessing and feature parameters, the seed, the models' settings); `report` sits before
//! `runs` because a run renders its tables and figures before its folder is renamed into place.

use std::path::Path;

/// Pipeline order; a module may depend on those before it.
const ORDER: [&str; 11] =
    ["atomic", "audio", "corpus", "features", "split", "models", "spec", "metrics", "study", "report", "runs"];

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read_dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn modules_only_use_stages_to_their_left() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut violations = Vec::new();
    for (position, module) in ORDER.iter().enumerate() {
        let dir = src.join(module);
        let mut files = Vec::new();
        if dir.is_dir() {
            rust_files(&dir, &mut files);
        }
        let single = src.join(format!("{module}.rs"));
        if single.is_file() {
            files.push(single);
        }
        for file in files {
            let text = std::fs::read_to_string(&file).expect("read");
            for (later_position, later) in ORDER.iter().enumerate() {
                let allowed = later_position < position || later == module;
                if !allowed && text.contains(&format!("crate::{later}")) {
                    violations.push(format!("{} uses crate::{later}", file.display()));
                }
            }
        }
    }
    assert!(violations.is_empty(), "right-to-left dependencies:\n{}", violations.join("\n"));
}

#[test]
fn anyhow_stays_in_the_binary() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let offenders: Vec<String> = files
        .iter()
        .filter(|f| !f.starts_with(src.join("cli")) && !f.ends_with("main.rs"))
        .filter(|f| std::fs::read_to_string(f).expect("read").contains("anyhow"))
        .map(|f| f.display().to_string())
        .collect();
    assert!(offenders.is_empty(), "anyhow outside cli/main: {offenders:?}");
}

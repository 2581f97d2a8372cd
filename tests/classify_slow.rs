//! The shipped classify experiments reproduce their published runs exactly (`just test-slow`:
//! about 30 minutes on 2 cores, so ignored by default; CI reproduces the quick
//! `classify_cross_corpus` run, and `classify_notebook` in its XGBoost build).

mod util;

use std::path::Path;

use util::{code, stderr, vlogmood};

fn reproduce(experiment: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let run = std::fs::read_dir(root.join("published"))
        .expect("published/")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|name| name.strip_prefix(experiment).is_some_and(|rest| rest.len() == 13 && rest.starts_with('-')))
        .unwrap_or_else(|| panic!("no published {experiment} run"));
    let out = vlogmood(root, &["reproduce", &run, "--no-cache"]);
    assert_eq!(code(&out), 0, "{run}: {}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
}

#[test]
#[ignore = "about 15 minutes: just test-slow"]
fn classify_speaker_independent_reproduces() {
    reproduce("classify_speaker_independent");
}

#[test]
#[ignore = "about 6 minutes: just test-slow"]
fn classify_speaker_independent_speaker_norm_reproduces() {
    reproduce("classify_speaker_independent_speaker_norm");
}

/// Its boosted trees are XGBoost's: only in a build with the `xgboost` feature
/// (`just test-xgboost`).
#[test]
#[cfg(feature = "xgboost")]
#[ignore = "several minutes: just test-xgboost"]
fn classify_notebook_reproduces() {
    reproduce("classify_notebook");
}

//! `vlogmood features` driven as a user would: outputs, thread-count independence and the
//! feature cache (hits, and corrupt entries recomputed rather than trusted).

mod util;

use std::path::Path;

use util::{code, fixtures, list_files, stderr};

fn features(dir: &Path, threads: &str, out: &str, cache: &Path) -> std::process::Output {
    let corpus = fixtures().join("corpus/mini");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_vlogmood"))
        .current_dir(dir)
        .env("VLOGMOOD_CACHE", cache)
        .args(["--threads", threads, "features", corpus.to_str().expect("utf8"), "--out", out])
        .output()
        .expect("run vlogmood");
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    output
}

fn read(dir: &Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn outputs_are_complete_and_identical_for_one_and_two_threads() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (cache_a, cache_b) = (tmp.path().join("cache_a"), tmp.path().join("cache_b"));
    features(tmp.path(), "1", "one", &cache_a);
    features(tmp.path(), "2", "two", &cache_b);
    let files = list_files(&tmp.path().join("one"));
    assert_eq!(files, list_files(&tmp.path().join("two")));
    for expected in [
        "feature_matrix.npy",
        "files.txt",
        "feature_names.txt",
        "features.csv",
        "descriptive.csv",
        "failures.csv",
        "logmel/0.npy",
        "logmel/23.npy",
    ] {
        assert!(files.iter().any(|f| f == expected), "{expected} missing from {files:?}");
    }
    for file in &files {
        assert_eq!(read(&tmp.path().join("one"), file), read(&tmp.path().join("two"), file), "{file}");
    }
    let names = String::from_utf8(read(&tmp.path().join("one"), "feature_names.txt")).expect("utf8");
    assert_eq!(names.lines().count(), 45);
    assert_eq!(names.lines().next(), Some("mfcc_1"));
    let rows = String::from_utf8(read(&tmp.path().join("one"), "files.txt")).expect("utf8");
    assert_eq!(rows.lines().count(), 24);
    assert_eq!(rows.lines().next(), Some("actor01-angry.wav"), "sorted by relative path");
}

#[test]
fn the_cache_is_used_and_a_corrupt_entry_is_recomputed() {
    let tmp = tempfile::tempdir().expect("tmp");
    let cache = tmp.path().join("cache");
    let first = features(tmp.path(), "2", "first", &cache);
    assert!(stderr(&first).contains("(0 from the cache)"), "{}", stderr(&first));
    let second = features(tmp.path(), "2", "second", &cache);
    assert!(stderr(&second).contains("(24 from the cache)"), "{}", stderr(&second));
    assert_eq!(
        read(&tmp.path().join("first"), "feature_matrix.npy"),
        read(&tmp.path().join("second"), "feature_matrix.npy")
    );

    // Flip one byte in every cache entry: each must be detected, recomputed and rewritten.
    for entry in walkdir::WalkDir::new(&cache).into_iter().map(|e| e.expect("walk")).filter(|e| e.file_type().is_file())
    {
        let mut bytes = std::fs::read(entry.path()).expect("entry");
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0x5a;
        std::fs::write(entry.path(), bytes).expect("corrupt");
    }
    let third = features(tmp.path(), "2", "third", &cache);
    assert!(stderr(&third).contains("(0 from the cache)"), "{}", stderr(&third));
    assert_eq!(
        read(&tmp.path().join("first"), "feature_matrix.npy"),
        read(&tmp.path().join("third"), "feature_matrix.npy")
    );
    let fourth = features(tmp.path(), "2", "fourth", &cache);
    assert!(stderr(&fourth).contains("(24 from the cache)"), "{}", stderr(&fourth));
}

//! Property: whatever mix of good, corrupt, empty, symlinked, oddly named and non-media files a
//! corpus holds, `features` accounts for every media input exactly once (a row or a listed
//! failure, never both, never neither), every output agrees on the row order, and the exit
//! status is 1 exactly when something failed.

mod util;

use std::collections::BTreeSet;
use std::path::Path;

use proptest::prelude::*;

use util::{code, fixtures, stderr, vlogmood};

/// One entry of a generated corpus.
#[derive(Debug, Clone)]
enum Entry {
    /// A real clip of the mini corpus.
    Good(usize),
    /// Random bytes under a media extension.
    Corrupt(Vec<u8>, &'static str),
    /// A zero-byte media file.
    Empty(&'static str),
    /// A symbolic link to a real clip outside the corpus.
    Symlink(usize),
    /// A real clip under a name that cannot be a row (newline, tab, non-UTF-8 bytes).
    OddName(usize, usize),
    /// A real clip under a name that needs CSV quoting but is a fine row.
    QuotedName(usize),
    /// A text file (not media: skipped, neither row nor failure).
    NotMedia,
}

fn entry() -> impl Strategy<Value = Entry> {
    prop_oneof![
        3 => (0usize..8).prop_map(Entry::Good),
        1 => (proptest::collection::vec(any::<u8>(), 0..400), prop_oneof![Just("wav"), Just("mp3"), Just("ogg"), Just("flac"), Just("m4a")])
            .prop_map(|(bytes, ext)| Entry::Corrupt(bytes, ext)),
        1 => prop_oneof![Just("wav"), Just("mp4")].prop_map(Entry::Empty),
        1 => (0usize..8).prop_map(Entry::Symlink),
        1 => (0usize..8, 0usize..3).prop_map(|(clip, kind)| Entry::OddName(clip, kind)),
        1 => (0usize..8).prop_map(Entry::QuotedName),
        1 => Just(Entry::NotMedia),
    ]
}

fn clips() -> Vec<std::path::PathBuf> {
    let mut clips: Vec<_> = std::fs::read_dir(fixtures().join("corpus/mini"))
        .expect("corpus")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "wav"))
        .collect();
    clips.sort();
    clips
}

#[cfg(unix)]
fn os_name(bytes: &[u8]) -> std::ffi::OsString {
    use std::os::unix::ffi::OsStrExt;
    std::ffi::OsStr::from_bytes(bytes).to_os_string()
}

/// Writes the corpus; returns the shown (escaped) name of every media input.
#[cfg(unix)]
fn write_corpus(root: &Path, outside: &Path, entries: &[Entry]) -> BTreeSet<String> {
    let clips = clips();
    std::fs::create_dir_all(root).expect("mkdir");
    std::fs::create_dir_all(outside).expect("mkdir");
    let mut inputs = BTreeSet::new();
    for (i, entry) in entries.iter().enumerate() {
        let (name, shown): (std::ffi::OsString, String) = match entry {
            Entry::Good(clip) => {
                let name = format!("{i:02}-good.wav");
                std::fs::copy(&clips[*clip], root.join(&name)).expect("copy");
                (name.clone().into(), name)
            }
            Entry::Corrupt(bytes, ext) => {
                let name = format!("{i:02}-corrupt.{ext}");
                std::fs::write(root.join(&name), bytes).expect("write");
                (name.clone().into(), name)
            }
            Entry::Empty(ext) => {
                let name = format!("{i:02}-empty.{ext}");
                std::fs::write(root.join(&name), b"").expect("write");
                (name.clone().into(), name)
            }
            Entry::Symlink(clip) => {
                let target = outside.join(format!("{i:02}.wav"));
                std::fs::copy(&clips[*clip], &target).expect("copy");
                let name = format!("{i:02}-link.wav");
                std::os::unix::fs::symlink(&target, root.join(&name)).expect("link");
                (name.clone().into(), name)
            }
            Entry::OddName(clip, kind) => {
                let (bytes, shown): (Vec<u8>, String) = match kind {
                    0 => (format!("{i:02}-two\nlines.wav").into_bytes(), format!("{i:02}-two\\nlines.wav")),
                    1 => (format!("{i:02}-tab\there.wav").into_bytes(), format!("{i:02}-tab\\there.wav")),
                    _ => ([format!("{i:02}-lat").as_bytes(), b"\xe9.wav"].concat(), format!("{i:02}-lat\\xe9.wav")),
                };
                std::fs::copy(&clips[*clip], root.join(os_name(&bytes))).expect("copy");
                (os_name(&bytes), shown)
            }
            Entry::QuotedName(clip) => {
                let name = format!("{i:02}-my, \"vlog\".wav");
                std::fs::copy(&clips[*clip], root.join(&name)).expect("copy");
                (name.clone().into(), name)
            }
            Entry::NotMedia => {
                std::fs::write(root.join(format!("{i:02}-notes.txt")), b"not audio").expect("write");
                continue;
            }
        };
        let _ = name;
        inputs.insert(shown);
    }
    inputs
}

fn records(path: &Path) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new().has_headers(true).from_path(path).expect("csv");
    reader.records().map(|r| r.expect("record").iter().map(String::from).collect()).collect()
}

#[cfg(unix)]
proptest! {
    #![proptest_config(ProptestConfig { cases: 12, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn every_input_is_a_row_or_a_failure_and_outputs_agree(
        entries in proptest::collection::vec(entry(), 1..9).prop_filter("some media", |e| e.iter().any(|x| !matches!(x, Entry::NotMedia)))
    ) {
        let dir = tempfile::tempdir().expect("tempdir");
        let corpus = dir.path().join("corpus");
        let inputs = write_corpus(&corpus, &dir.path().join("outside"), &entries);
        let out = vlogmood(dir.path(), &["features", "corpus", "--out", "out", "--no-cache"]);
        let status = code(&out);
        prop_assert!(status == 0 || status == 1, "exit {status}: {}", stderr(&out));

        let rows: Vec<String> = std::fs::read_to_string(dir.path().join("out/files.txt"))
            .expect("files.txt")
            .lines()
            .map(String::from)
            .collect();
        let prefix = "corpus/";
        let failed: Vec<String> = records(&dir.path().join("out/failures.csv"))
            .iter()
            .map(|r| r[0].strip_prefix(prefix).unwrap_or(&r[0]).to_string())
            .collect();
        let row_set: BTreeSet<String> = rows.iter().cloned().collect();
        let failed_set: BTreeSet<String> = failed.iter().cloned().collect();
        prop_assert_eq!(row_set.len(), rows.len(), "a row listed twice");
        prop_assert_eq!(failed_set.len(), failed.len(), "a failure listed twice");
        prop_assert!(row_set.is_disjoint(&failed_set), "both a row and a failure");
        let accounted: BTreeSet<String> = row_set.union(&failed_set).cloned().collect();
        prop_assert_eq!(&accounted, &inputs);
        prop_assert_eq!(status == 1, !failed.is_empty());

        let matrix: ndarray::Array2<f64> =
            ndarray_npy::read_npy(dir.path().join("out/feature_matrix.npy")).expect("npy");
        prop_assert_eq!(matrix.dim(), (rows.len(), 45));
        let csv_rows: Vec<String> =
            records(&dir.path().join("out/features.csv")).iter().map(|r| r[0].clone()).collect();
        prop_assert_eq!(&csv_rows, &rows);
        let descriptive_rows: Vec<String> =
            records(&dir.path().join("out/descriptive.csv")).iter().map(|r| r[0].clone()).collect();
        prop_assert_eq!(&descriptive_rows, &rows);
        for (row, record) in records(&dir.path().join("out/features.csv")).iter().enumerate() {
            let first: f64 = record[1].parse().expect("number");
            prop_assert_eq!(first, matrix[[row, 0]]);
        }
        let n_logmel = std::fs::read_dir(dir.path().join("out/logmel")).expect("logmel").count();
        prop_assert_eq!(n_logmel, rows.len());
    }
}

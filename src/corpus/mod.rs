//! Finding input files, joining `labels.csv`, content hashes, the dataset fingerprint and the
//! feature cache.
//!
//! A corpus is a folder: every media file under it (recursively, by extension, any case) is an
//! input, identified by its path relative to the folder with `/` separators. Inputs are always
//! listed sorted by that path (byte order, like Python's `sorted` on `str`), because row order
//! decides splits and so results. The fingerprint (DESIGN §3) ties a run ID to the exact bytes.

pub mod cache;
mod error;
mod labels;

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

pub use cache::{CacheKey, FeatureCache};
pub use error::CorpusError;
pub use labels::{Labels, LABELS_FILE_NAME};

use crate::audio::is_media_file;

/// One input file of a corpus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorpusFile {
    /// Path relative to the corpus root, `/`-separated: the file's identity in outputs.
    pub relative_path: String,
    /// Path to open.
    pub path: PathBuf,
}

/// The media files found under a root, sorted by relative path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scan {
    /// The root that was scanned (a folder, or a single file).
    pub root: PathBuf,
    /// Media files, sorted by `relative_path`.
    pub files: Vec<CorpusFile>,
    /// Regular files that were skipped because their extension is not a media one.
    pub n_ignored: usize,
}

/// Lists the media files under `root` (a folder, scanned recursively, or one file).
///
/// Folders named in `exclude` (e.g. an output folder inside the input) are not entered.
pub fn scan(root: &Path, exclude: &[PathBuf]) -> Result<Scan, CorpusError> {
    let unreadable = |reason: String| CorpusError::Unreadable { path: root.to_path_buf(), reason };
    let metadata = std::fs::metadata(root).map_err(|e| unreadable(e.to_string()))?;
    if metadata.is_file() {
        let name = root.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let media = is_media_file(root);
        let files = if media { vec![CorpusFile { relative_path: name, path: root.to_path_buf() }] } else { vec![] };
        return Ok(Scan { root: root.to_path_buf(), files, n_ignored: usize::from(!media) });
    }
    let excluded: Vec<PathBuf> = exclude.iter().filter_map(|p| p.canonicalize().ok()).collect();
    let mut files = Vec::new();
    let mut n_ignored = 0;
    let walker = walkdir::WalkDir::new(root).into_iter().filter_entry(|entry| {
        !(entry.file_type().is_dir() && entry.path().canonicalize().is_ok_and(|c| excluded.contains(&c)))
    });
    for entry in walker {
        let entry = entry.map_err(|e| unreadable(e.to_string()))?;
        if !entry.file_type().is_file() {
            continue;
        }
        if !is_media_file(entry.path()) {
            n_ignored += 1;
            continue;
        }
        let relative = entry.path().strip_prefix(root).unwrap_or(entry.path());
        let relative_path =
            relative.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
        files.push(CorpusFile { relative_path, path: entry.path().to_path_buf() });
    }
    files.sort_by(|a, b| a.relative_path.cmp(&b.relative_path));
    Ok(Scan { root: root.to_path_buf(), files, n_ignored })
}

/// A per-file failure of a batch: which input, and why (one row of `failures.csv`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The input as the user named it (path).
    pub file: String,
    /// The error message.
    pub reason: String,
}

/// Writes `failures.csv` (`file,reason`; header only when nothing failed).
pub fn write_failures_csv(path: &Path, failures: &[Failure]) -> Result<(), CorpusError> {
    let io = |e: std::io::Error| CorpusError::Io { path: path.to_path_buf(), source: e };
    let mut writer = csv::Writer::from_path(path).map_err(|e| io(e.into()))?;
    writer.write_record(["file", "reason"]).map_err(|e| io(e.into()))?;
    for failure in failures {
        writer.write_record([&failure.file, &failure.reason]).map_err(|e| io(e.into()))?;
    }
    writer.flush().map_err(io)
}

/// A CSV field, quoted (RFC 4180) when it holds a comma, quote or newline — file names can.
#[must_use]
pub fn csv_field(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_string()
    }
}

/// SHA-256 (hex) of each file's bytes, in order (files are read in parallel).
pub fn hash_files(files: &[CorpusFile]) -> Result<Vec<String>, CorpusError> {
    use rayon::prelude::*;
    files
        .par_iter()
        .map(|f| {
            std::fs::read(&f.path)
                .map(|bytes| sha256_hex(&bytes))
                .map_err(|source| CorpusError::Io { path: f.path.clone(), source })
        })
        .collect()
}

/// SHA-256 of some bytes as lowercase hex.
#[must_use]
pub fn sha256_hex(bytes: &[u8]) -> String {
    to_hex(&Sha256::digest(bytes))
}

/// Lowercase hex of a byte string.
#[must_use]
pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The dataset fingerprint of DESIGN §3.
///
/// SHA-256 over the lines `relative_path \t sha256(bytes) \n` sorted by path, followed by the
/// bytes of `labels.csv` when there is one. Any changed, added, removed or renamed file, or any
/// edit to the labels, changes it.
#[must_use]
pub fn dataset_fingerprint(file_hashes: &[(String, String)], labels_bytes: Option<&[u8]>) -> String {
    let mut sorted: Vec<&(String, String)> = file_hashes.iter().collect();
    sorted.sort();
    let mut hasher = Sha256::new();
    for (relative_path, sha) in sorted {
        hasher.update(relative_path.as_bytes());
        hasher.update(b"\t");
        hasher.update(sha.as_bytes());
        hasher.update(b"\n");
    }
    if let Some(bytes) = labels_bytes {
        hasher.update(bytes);
    }
    to_hex(&hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_only_when_needed() {
        assert_eq!(csv_field("a/b.wav"), "a/b.wav");
        assert_eq!(csv_field("my, \"vlog\".mov"), "\"my, \"\"vlog\"\".mov\"");
    }

    #[test]
    fn sha256_of_abc_is_the_standard_vector() {
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn fingerprint_ignores_listing_order_but_not_content_or_labels() {
        let a = vec![("a.wav".to_string(), "11".to_string()), ("b/c.mp4".to_string(), "22".to_string())];
        let mut reversed = a.clone();
        reversed.reverse();
        let base = dataset_fingerprint(&a, None);
        assert_eq!(base, dataset_fingerprint(&reversed, None));
        let mut changed = a.clone();
        changed[0].1 = "12".into();
        assert_ne!(base, dataset_fingerprint(&changed, None));
        assert_ne!(base, dataset_fingerprint(&a, Some(b"file,emotion\n")));
    }

    #[test]
    fn scan_is_recursive_sorted_and_counts_ignored_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        for name in ["b.wav", "a/z.MP4", "a/b.flac", "notes.txt", "labels.csv"] {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(&path, b"x").expect("write");
        }
        let scan = scan(dir.path(), &[]).expect("scan");
        let names: Vec<&str> = scan.files.iter().map(|f| f.relative_path.as_str()).collect();
        assert_eq!(names, ["a/b.flac", "a/z.MP4", "b.wav"]);
        assert_eq!(scan.n_ignored, 2);
    }

    #[test]
    fn scan_skips_excluded_folders() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("out")).expect("mkdir");
        std::fs::write(dir.path().join("out/x.wav"), b"x").expect("write");
        std::fs::write(dir.path().join("y.wav"), b"x").expect("write");
        let scan = scan(dir.path(), &[dir.path().join("out")]).expect("scan");
        assert_eq!(scan.files.len(), 1);
    }

    #[test]
    fn missing_root_is_an_error() {
        assert!(matches!(scan(Path::new("/no/such/corpus"), &[]), Err(CorpusError::Unreadable { .. })));
    }
}

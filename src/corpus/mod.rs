//! Finding input files, joining `labels.csv`, content hashes, the dataset fingerprint and the
//! feature cache.
//!
//! A corpus is a folder: every media file under it (recursively, by extension, any case) is an
//! input, identified by its path relative to the folder with `/` separators. Inputs are always
//! listed sorted by that path (byte order, like Python's `sorted` on `str`), because row order
//! decides splits and so results. The fingerprint (DESIGN §3) ties a run ID to the exact bytes.

pub mod cache;
mod dataset;
mod error;
mod hash_index;
mod labels;
mod scan;

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

pub use cache::{CacheKey, FeatureCache};
pub use dataset::{hash_files, Dataset};
pub use error::CorpusError;
pub use hash_index::HashIndex;
pub use labels::{Labels, LABELS_FILE_NAME};
pub use scan::{display_path, no_media_message, scan, Scan, Skipped};

/// One input file of a corpus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorpusFile {
    /// Path relative to the corpus root, `/`-separated: the file's identity in outputs.
    pub relative_path: String,
    /// Path to open.
    pub path: PathBuf,
}

/// A per-file failure of a batch: which input, and why (one row of `failures.csv`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The input as the user named it (path).
    pub file: String,
    /// The error message.
    pub reason: String,
}

/// Writes `failures.csv` (`file,reason`; header only when nothing failed), atomically.
pub fn write_failures_csv(path: &Path, failures: &[Failure]) -> Result<(), CorpusError> {
    let io = |e: std::io::Error| CorpusError::Io { path: path.to_path_buf(), source: e };
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(["file", "reason"]).map_err(|e| io(e.into()))?;
    for failure in failures {
        writer.write_record([&failure.file, &failure.reason]).map_err(|e| io(e.into()))?;
    }
    let bytes = writer.into_inner().map_err(|e| io(e.into_error()))?;
    crate::atomic::write_file(path, &bytes).map_err(io)
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

/// SHA-256 of some bytes as lowercase hex.
#[must_use]
pub fn sha256_hex(bytes: &[u8]) -> String {
    to_hex(&Sha256::digest(bytes))
}

/// SHA-256 of a file's bytes as lowercase hex, read in 256 KiB pieces: the same hash as
/// [`sha256_hex`] of the whole file, in constant memory (a multi-hour recording is gigabytes).
pub fn sha256_file_hex(path: &std::path::Path) -> std::io::Result<String> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0_u8; 256 << 10];
    loop {
        match file.read(&mut buffer) {
            Ok(0) => return Ok(to_hex(&hasher.finalize())),
            Ok(n) => hasher.update(&buffer[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
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
    fn a_file_hashed_in_pieces_has_the_hash_of_its_bytes() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("clip.bin");
        // Longer than one 256 KiB piece, and not a multiple of it.
        let bytes: Vec<u8> = (0..700_001_u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
        std::fs::write(&path, &bytes).expect("write");
        assert_eq!(sha256_file_hex(&path).expect("readable"), sha256_hex(&bytes));
        std::fs::write(&path, b"").expect("write");
        assert_eq!(sha256_file_hex(&path).expect("readable"), sha256_hex(b""));
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
}

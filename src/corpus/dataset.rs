//! A corpus folder scanned, hashed and labelled: the inputs a run or `features` works on.

use std::path::{Path, PathBuf};

use super::{
    dataset_fingerprint, display_path, scan, sha256_file_hex, CorpusError, CorpusFile, Failure, HashIndex, Labels,
    Skipped,
};

/// A corpus folder, scanned and hashed.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// The corpus folder.
    pub root: PathBuf,
    /// Readable media files, sorted by relative path.
    pub files: Vec<CorpusFile>,
    /// SHA-256 (hex) of each file's bytes, in `files` order.
    pub hashes: Vec<String>,
    /// Inputs that cannot be processed at all (unreadable, unusable names), sorted by file.
    pub failures: Vec<Failure>,
    /// What the scan skipped, by reason.
    pub skipped: Skipped,
    /// `labels.csv`, when the corpus has one.
    pub labels: Option<Labels>,
    /// The dataset fingerprint (DESIGN §3).
    pub fingerprint: String,
}

impl Dataset {
    /// Scans and hashes a corpus folder (not entering the folders in `exclude`) and reads its
    /// labels, without checking them against the files (see [`Dataset::check_labels`]).
    /// Unchanged files take their hash from `index` when there is one (which is then saved;
    /// an index that cannot be saved only costs a re-read next time).
    ///
    /// A file that cannot be read, or whose name the scan refused, becomes one of
    /// [`Dataset::failures`] and the batch goes on. Failed inputs enter the fingerprint as
    /// `name \t -`, so a corpus with an unreadable file never fingerprints like one without it.
    pub fn load(root: &Path, exclude: &[PathBuf], index: Option<&HashIndex>) -> Result<Self, CorpusError> {
        let found = scan(root, exclude)?;
        let mut failures = found.failures;
        let mut pairs: Vec<(String, String)> = failures.iter().map(|f| (f.file.clone(), "-".to_string())).collect();
        let mut files = Vec::with_capacity(found.files.len());
        let mut hashes = Vec::with_capacity(found.files.len());
        for (file, hash) in found.files.iter().zip(hash_files(&found.files, index)) {
            match hash {
                Ok(hash) => {
                    pairs.push((file.relative_path.clone(), hash.clone()));
                    files.push(file.clone());
                    hashes.push(hash);
                }
                Err(e) => {
                    pairs.push((file.relative_path.clone(), "-".to_string()));
                    failures.push(Failure { file: display_path(&file.path), reason: e.to_string() });
                }
            }
        }
        if let Some(index) = index {
            let _ = index.save();
        }
        failures.sort_by(|a, b| a.file.cmp(&b.file));
        let labels_file = Labels::read_at(root)?;
        let fingerprint = dataset_fingerprint(&pairs, labels_file.as_ref().map(|(_, bytes)| bytes.as_slice()));
        Ok(Self {
            root: root.to_path_buf(),
            files,
            hashes,
            failures,
            skipped: found.skipped,
            labels: labels_file.map(|(labels, _)| labels),
            fingerprint,
        })
    }

    /// Checks that every `labels.csv` row names an input of the corpus (a readable file or
    /// one that failed: its labels are not wrong because it could not be read).
    pub fn check_labels(&self) -> Result<(), CorpusError> {
        let Some(labels) = &self.labels else { return Ok(()) };
        let failed_names = self.failed_names();
        let names = self.files.iter().map(|f| f.relative_path.as_str()).chain(failed_names.iter().map(String::as_str));
        labels.check_against(&self.root.join(super::LABELS_FILE_NAME), names)
    }

    /// Why this corpus is not a batch at all: it has no media file (None when it has inputs,
    /// even failed ones).
    #[must_use]
    pub fn nothing_found(&self) -> Option<String> {
        (self.files.is_empty() && self.failures.is_empty())
            .then(|| super::no_media_message(&self.root.display().to_string(), &self.skipped))
    }

    /// Relative names of the failed inputs, as shown in `failures.csv` without the corpus root.
    #[must_use]
    pub fn failed_names(&self) -> Vec<String> {
        let root = display_path(&self.root);
        self.failures
            .iter()
            .filter_map(|f| f.file.strip_prefix(&root).map(|rest| rest.trim_start_matches('/').to_string()))
            .collect()
    }
}

/// SHA-256 (hex) of each file's bytes, in order (files are read in parallel; an unchanged
/// file's hash comes from `index`); a file that cannot be read is an error in its own slot, so
/// one unreadable file never sinks the batch.
#[must_use]
pub fn hash_files(files: &[CorpusFile], index: Option<&HashIndex>) -> Vec<Result<String, CorpusError>> {
    use rayon::prelude::*;
    files
        .par_iter()
        .map(|f| {
            let sha = match index {
                Some(index) => index.sha256(&f.path),
                None => sha256_file_hex(&f.path),
            };
            sha.map_err(|source| CorpusError::Io { path: PathBuf::from(display_path(&f.path)), source })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn refused_names_are_failures_that_enter_the_fingerprint() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("a.wav"), b"x").expect("write");
        let clean = Dataset::load(dir.path(), &[], None).expect("load");
        assert_eq!((clean.files.len(), clean.failures.len()), (1, 0));
        std::fs::write(dir.path().join("b\nc.wav"), b"y").expect("write");
        let odd = Dataset::load(dir.path(), &[], None).expect("load");
        assert_eq!((odd.files.len(), odd.failures.len()), (1, 1));
        assert_ne!(odd.fingerprint, clean.fingerprint);
        assert_eq!(odd.failed_names(), ["b\\nc.wav"]);
        assert_eq!(odd.nothing_found(), None);
    }

    #[test]
    fn a_folder_without_media_is_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("notes.txt"), b"x").expect("write");
        let message = Dataset::load(dir.path(), &[], None).expect("load").nothing_found().expect("nothing");
        assert!(message.contains("no media files"), "{message}");
    }
}

//! Errors of the corpus stage.

use std::path::PathBuf;

/// Why a corpus could not be scanned, hashed or labelled.
#[derive(Debug, thiserror::Error)]
pub enum CorpusError {
    /// The corpus root does not exist or is not readable.
    #[error("{path}: cannot read corpus: {reason}")]
    Unreadable {
        /// The path that failed.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// A file could not be read for hashing.
    #[error("{path}: cannot read file: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// `labels.csv` is not valid CSV or lacks the `file` column.
    #[error("{path}: invalid labels file: {reason}")]
    InvalidLabels {
        /// The labels file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// `labels.csv` names files that are not in the corpus.
    #[error("{path}: {} row(s) name files that are not in the corpus: {}", missing.len(), missing.join(", "))]
    LabelsNameMissingFiles {
        /// The labels file.
        path: PathBuf,
        /// The `file` values that match no input file.
        missing: Vec<String>,
    },
}

//! Errors of the run store.

use std::path::PathBuf;

use crate::corpus::CorpusError;
use crate::features::FeaturesError;
use crate::report::ReportError;
use crate::spec::SpecError;
use crate::split::SplitError;
use crate::study::StudyError;

/// Why a run could not be prepared, executed, found or compared.
#[derive(Debug, thiserror::Error)]
pub enum RunsError {
    /// The spec is invalid (exit 2).
    #[error(transparent)]
    Spec(#[from] SpecError),
    /// The corpus could not be read.
    #[error(transparent)]
    Corpus(#[from] CorpusError),
    /// Feature extraction could not start.
    #[error(transparent)]
    Features(#[from] FeaturesError),
    /// The rows could not be split or scaled.
    #[error("split: {0}")]
    Split(#[from] SplitError),
    /// A study failed.
    #[error(transparent)]
    Study(#[from] StudyError),
    /// A table or figure could not be written.
    #[error(transparent)]
    Report(#[from] ReportError),
    /// The study needs more rows than the data has after failures.
    #[error("data: {0}")]
    Data(String),
    /// A file of the run store could not be read or written.
    #[error("{path}: {reason}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// No run matches the query.
    #[error("no run matches {query:?} (give a run folder name or a prefix of its run ID)")]
    NotFound {
        /// What was asked for.
        query: String,
    },
    /// More than one run matches the query.
    #[error("{query:?} is ambiguous: it matches {}", matches.join(", "))]
    Ambiguous {
        /// What was asked for.
        query: String,
        /// The matching folders.
        matches: Vec<String>,
    },
    /// The data a run was made from has changed, so it cannot be reproduced.
    #[error("the dataset changed since the run: fingerprint {now} now, {then} when the run was made ({root})")]
    DatasetChanged {
        /// The corpus root.
        root: String,
        /// Fingerprint recorded in the manifest.
        then: String,
        /// Fingerprint of the data now.
        now: String,
    },
}

impl RunsError {
    /// An I/O failure on `path`.
    pub fn io(path: &std::path::Path, reason: impl std::fmt::Display) -> Self {
        Self::Io { path: path.to_path_buf(), reason: reason.to_string() }
    }

    /// Whether the error is the user's input (spec, data, query) rather than a failure while
    /// working: the CLI maps these to exit code 2.
    #[must_use]
    pub fn is_usage(&self) -> bool {
        matches!(self, Self::Spec(_) | Self::NotFound { .. } | Self::Ambiguous { .. } | Self::DatasetChanged { .. })
    }
}

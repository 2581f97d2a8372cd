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
    /// A `runs` filter, sort key or column list cannot be read or names nothing.
    #[error("{0}")]
    Query(String),
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
    /// A folder that should hold a complete run of this ID does not (killed before its
    /// manifest was written, or damaged afterwards): reported instead of computing beside it.
    #[error(
        "{folder} is not a complete run ({reason}); remove it, or run `vlogmood gc` to remove incomplete run folders"
    )]
    Incomplete {
        /// The run folder.
        folder: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A run folder's files disagree with its own manifest or run ID: edited, truncated or
    /// copied from elsewhere. Nothing in it can be trusted to reproduce.
    #[error("{folder} does not match its manifest: {reason}; it was edited or is not the run it claims to be")]
    Tampered {
        /// The run folder.
        folder: PathBuf,
        /// What disagrees.
        reason: String,
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
        matches!(
            self,
            Self::Spec(_)
                | Self::NotFound { .. }
                | Self::Ambiguous { .. }
                | Self::DatasetChanged { .. }
                | Self::Incomplete { .. }
                | Self::Tampered { .. }
        )
    }
}

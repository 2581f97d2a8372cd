//! Errors of the study stage.

use crate::models::ModelError;

/// Why a study could not run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StudyError {
    /// A model could not be fitted.
    #[error("{study}: {source}")]
    Model {
        /// The study label.
        study: String,
        /// The model error.
        #[source]
        source: ModelError,
    },
    /// `k = "best_from_sweep"` but no sweep produced a valid silhouette.
    #[error("{study}: k = \"best_from_sweep\" but no earlier k_sweep found a valid silhouette")]
    NoBestK {
        /// The study label.
        study: String,
    },
    /// The study asks for more clusters than a split has rows.
    #[error("{study}: k = {k} needs {needed} rows in the {split} split, which has {n_rows}")]
    KTooLarge {
        /// The study label.
        study: String,
        /// Requested clusters.
        k: usize,
        /// Rows the fit needs.
        needed: usize,
        /// Rows available.
        n_rows: usize,
        /// The split.
        split: &'static str,
    },
    /// An explore study lacks data it draws.
    #[error("{study}: {what} were not computed for this run")]
    Explore {
        /// Study label.
        study: String,
        /// What is missing.
        what: &'static str,
    },
    /// A recording an explore study draws could not be decoded again.
    #[error("{study}: cannot draw {file}: {reason}")]
    Recording {
        /// Study label.
        study: String,
        /// The file, relative to the corpus.
        file: String,
        /// Why.
        reason: String,
    },
    /// A classify study cannot be run on these rows.
    #[error("{study}: {reason}")]
    Classify {
        /// The study label.
        study: String,
        /// What is wrong.
        reason: String,
    },
    /// A step's parts are left for other tasks to compute ([`super::PartsMode::Plan`]): not a
    /// failure, the run is resumed once they are stored.
    #[error("waiting for {} of the {} parts of {}", .0.missing.len(), .0.n, .0.step)]
    PartsPending(super::PendingParts),
    /// The parts a task was given are computed and stored ([`super::PartsMode::Compute`]); the
    /// study stops there by design.
    #[error("computed {n_computed} part(s) of {step}")]
    PartsComputed {
        /// The step.
        step: String,
        /// Parts computed (those already stored are not computed again).
        n_computed: usize,
    },
    /// The run's parts folder cannot be written.
    #[error("storing study parts: {reason}")]
    PartsStore {
        /// What failed.
        reason: String,
    },
}

//! Clustering and classification metrics that reproduce scikit-learn's numbers.
//!
//! Every function here is pure: values in, number out; no I/O, no randomness, no globals, and
//! each sum runs in a fixed order (samples by index, clusters by ascending id), so a metric is
//! bit-for-bit reproducible for the same input.
//!
//! Why these are written here rather than taken from linfa: the study's published numbers are
//! compared with scikit-learn's (the notebook used it), and linfa's silhouette scores a
//! singleton cluster 1 where scikit-learn scores 0, while Davies-Bouldin, Calinski-Harabasz,
//! ARI, NMI, macro/weighted F1 and ROC AUC are missing from it. Each function's doc names the
//! scikit-learn function it mirrors (1.9), its conventions and any deliberate difference;
//! `tests/metrics_parity.rs` checks them against values computed by scikit-learn 1.9.1
//! (`tests/fixtures/metrics/`).
//!
//! Conventions shared by all:
//! - labels are arbitrary `usize` ids, not necessarily `0..k`; they are put in ascending order
//!   before any loop over clusters or classes, as scikit-learn's `LabelEncoder` does;
//! - Euclidean distances are computed directly (see [`silhouette_samples`] for what that changes
//!   against scikit-learn's dot-product expansion on duplicate rows);
//! - bad input (mismatched lengths, no samples, NaN or infinite values, a label count a metric is
//!   not defined for) is a [`MetricsError`], never a panic and never a silent NaN.

mod classification;
mod clustering;
mod comparison;
mod error;
mod input;
mod projection;

pub use classification::{
    accuracy, balanced_accuracy, classification_report, confusion_matrix, f1_score, roc_auc_ovr, roc_auc_score,
    roc_curve, Average, ClassReport, ConfusionMatrix,
};
pub use clustering::{
    calinski_harabasz_score, davies_bouldin_score, inertia, inertia_to_centroids, silhouette_samples, silhouette_score,
};
pub use comparison::{adjusted_rand_score, normalized_mutual_info_score};
pub use error::MetricsError;
pub use projection::trustworthiness;

//! The one error type of the metrics module.

/// Why a metric could not be computed. Every variant is a problem with the values passed in
/// (the caller skips or reports that model); no metric panics on any input.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MetricsError {
    /// Two inputs that pair up element by element have different lengths.
    #[error("{metric}: {left_name} has {left} entries but {right_name} has {right}")]
    LengthMismatch {
        /// The metric that was asked for.
        metric: &'static str,
        /// Name of the first input (`x rows`, `labels_a`, `y_true` …).
        left_name: &'static str,
        /// Length of the first input.
        left: usize,
        /// Name of the second input.
        right_name: &'static str,
        /// Length of the second input.
        right: usize,
    },
    /// There are no samples at all.
    #[error("{metric}: no samples, the metric needs at least one")]
    Empty {
        /// The metric that was asked for.
        metric: &'static str,
    },
    /// The feature matrix has rows but no columns.
    #[error("{metric}: x has {n_samples} rows but no columns, the metric needs at least one feature")]
    NoFeatures {
        /// The metric that was asked for.
        metric: &'static str,
        /// Number of rows of `x`.
        n_samples: usize,
    },
    /// A NaN or infinite value in a feature (or centroid) matrix.
    #[error("{metric}: {matrix}[{row}, {col}] is {value}, not a finite number")]
    NonFiniteInput {
        /// The metric that was asked for.
        metric: &'static str,
        /// Which matrix (`x` or `centroids`).
        matrix: &'static str,
        /// Row of the first non-finite value (row-major order).
        row: usize,
        /// Column of that value.
        col: usize,
        /// The value itself (NaN, inf or -inf).
        value: f64,
    },
    /// A NaN or infinite value in a score vector.
    #[error("{metric}: y_score[{index}] is {value}, not a finite number")]
    NonFiniteScore {
        /// The metric that was asked for.
        metric: &'static str,
        /// Index of the first non-finite score.
        index: usize,
        /// The value itself.
        value: f64,
    },
    /// Internal clustering metrics are only defined for 2 ≤ n_labels ≤ n_samples − 1
    /// (scikit-learn's `check_number_of_labels`).
    #[error("{metric} needs 2 ≤ n_labels ≤ n_samples − 1, got {n_labels} labels for {n_samples} samples")]
    InvalidLabelCount {
        /// The metric that was asked for (`silhouette`, `davies_bouldin`, `calinski_harabasz`).
        metric: &'static str,
        /// Number of distinct labels.
        n_labels: usize,
        /// Number of samples.
        n_samples: usize,
    },
    /// Centroids and samples have a different number of features.
    #[error("{metric}: centroids have {centroid_cols} columns but x has {x_cols}")]
    CentroidWidth {
        /// The metric that was asked for.
        metric: &'static str,
        /// Columns of the centroid matrix.
        centroid_cols: usize,
        /// Columns of `x`.
        x_cols: usize,
    },
    /// A label names a centroid row that does not exist.
    #[error("{metric}: labels[{index}] is {label} but there are only {n_centroids} centroids")]
    LabelOutOfRange {
        /// The metric that was asked for.
        metric: &'static str,
        /// Position of the offending label.
        index: usize,
        /// The label.
        label: usize,
        /// Number of centroid rows.
        n_centroids: usize,
    },
    /// A neighbourhood size outside `1 ≤ n_neighbors < n_samples / 2` (scikit-learn's rule for
    /// trustworthiness).
    #[error("{metric} needs 1 ≤ n_neighbors < n_samples / 2, got {n_neighbors} for {n_samples} samples")]
    InvalidNeighbours {
        /// The metric that was asked for.
        metric: &'static str,
        /// Neighbours asked for.
        n_neighbors: usize,
        /// Number of samples.
        n_samples: usize,
    },
    /// Binary ROC AUC needs exactly two classes in `y_true`.
    #[error("roc_auc_score needs exactly 2 classes in y_true, got {n_classes}")]
    NotBinary {
        /// Number of distinct labels in `y_true`.
        n_classes: usize,
    },
    /// A probability matrix does not fit the classes of `y_true`: one column per class, rows
    /// summing to 1 (scikit-learn's rule for multi-class ROC AUC).
    #[error("{metric}: {reason}")]
    NotProbabilities {
        /// The metric that was asked for.
        metric: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The computation overflowed (squared distances beyond f64's range, |x| ≳ 1e154) or the
    /// sample count is too large for exact pair counting.
    #[error("{metric}: the result overflowed, the inputs are too large to score")]
    Overflow {
        /// The metric that was asked for.
        metric: &'static str,
    },
}

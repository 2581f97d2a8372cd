//! Errors of the models stage.

/// Why a model could not be configured or fitted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ModelError {
    /// A parameter is outside its allowed range.
    #[error("{param}: {rule}, got {value}")]
    InvalidParam {
        /// The parameter name.
        param: &'static str,
        /// The rule it breaks.
        rule: &'static str,
        /// The rejected value.
        value: String,
    },
    /// More clusters were asked for than there are rows.
    #[error("cannot fit {n_clusters} clusters to {n_rows} rows")]
    TooFewRows {
        /// Requested clusters.
        n_clusters: usize,
        /// Rows available.
        n_rows: usize,
    },
    /// The feature matrix has rows but no columns (scikit-learn requires at least one feature).
    #[error("the feature matrix has {n_rows} rows but no columns")]
    NoFeatures {
        /// Rows present.
        n_rows: usize,
    },
    /// The data holds NaN or infinite values.
    #[error("the feature matrix holds non-finite values")]
    NonFinite,
    /// The underlying library failed.
    #[error("{model} failed: {reason}")]
    Fit {
        /// Which model.
        model: &'static str,
        /// The library's message.
        reason: String,
    },
}

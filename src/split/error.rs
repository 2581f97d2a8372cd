//! Errors of the split stage.

/// Why rows could not be split or scaled.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SplitError {
    /// A label column does not have one value per row.
    #[error("the {column} column has {n_values} values for {n_rows} rows")]
    ColumnLength {
        /// Which column (`group` or `stratify`).
        column: &'static str,
        /// Values given.
        n_values: usize,
        /// Rows to split.
        n_rows: usize,
    },
    /// A part would have no rows (too few rows or groups for the fractions).
    #[error("the {part} split would be empty ({n_rows} rows); use more data or other fractions")]
    EmptyPart {
        /// `train`, `val` or `test`.
        part: &'static str,
        /// Rows to split.
        n_rows: usize,
    },
    /// Grouped folds need at least two groups, and at least as many as folds.
    #[error("{n_folds} grouped folds need at least {n_folds} (and 2) distinct groups; the column has {n_groups}")]
    TooFewGroups {
        /// Folds asked for.
        n_folds: usize,
        /// Distinct groups.
        n_groups: usize,
    },
    /// Scaling needs at least one training row.
    #[error("cannot fit a scaler on zero rows")]
    NoRowsToFit,
}

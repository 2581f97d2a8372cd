//! Errors of the `report` stage.

use std::path::PathBuf;

/// Why a table, figure or comparison could not be rendered or written.
///
/// Every variant stops the rendering of that one artefact; `runs` decides whether a missing
/// figure fails the whole run. Messages name the table, figure or file; the underlying cause is
/// the error's `source()`.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A table's columns do not all have the same number of values.
    #[error("table {table}: column {column} has {len} values, the first column has {expected}")]
    RaggedTable {
        /// Table name.
        table: String,
        /// The offending column.
        column: String,
        /// Its number of values.
        len: usize,
        /// The number of values of the first column.
        expected: usize,
    },
    /// Two columns of a table share a name (a CSV header must be unambiguous).
    #[error("table {table}: column name {column:?} appears more than once")]
    DuplicateColumn {
        /// Table name.
        table: String,
        /// The repeated column name.
        column: String,
    },
    /// polars refused to build or serialise a table.
    #[error("table {table}: polars failed")]
    Polars {
        /// Table name.
        table: String,
        /// The polars error.
        #[source]
        source: polars::error::PolarsError,
    },
    /// Creating or writing a file failed.
    #[error("{}: cannot write", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A figure name would not make a plain file name inside the figures folder.
    #[error("figure name {name:?} is not a plain file stem (empty, '.', '..' or contains a path separator)")]
    BadFigureName {
        /// The rejected name.
        name: String,
    },
    /// The bundled font could not be parsed (a broken build, not bad input).
    #[error("the bundled DejaVu Sans font could not be registered with plotters")]
    Font,
    /// plotters failed while drawing or encoding a figure.
    ///
    /// plotters' error type is generic over its backend, so its message is kept as text.
    #[error("{}: drawing failed: {message}", path.display())]
    Draw {
        /// The PNG being drawn.
        path: PathBuf,
        /// plotters' message.
        message: String,
    },
    /// A comparison row does not have one value per run.
    #[error("comparison metric {metric}: {values} values for {runs} runs")]
    ComparisonShape {
        /// Metric key.
        metric: String,
        /// Number of values given.
        values: usize,
        /// Number of runs compared.
        runs: usize,
    },
    /// Serialising a comparison to JSON failed.
    #[error("comparison: JSON serialisation failed")]
    Json(#[source] serde_json::Error),
    /// A rendered CSV was not valid UTF-8 (cannot happen for text built from Rust strings).
    #[error("table {table}: CSV output is not UTF-8")]
    Utf8 {
        /// Table name.
        table: String,
    },
}

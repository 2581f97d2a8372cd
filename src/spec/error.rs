//! Errors of spec loading and validation: all stop the command before any work (exit 2).

use std::path::PathBuf;

/// Why an experiment spec was rejected.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    /// The spec file could not be read.
    #[error("{path}: cannot read spec: {source}")]
    Io {
        /// The spec file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The TOML is malformed, has an unknown field or a value of the wrong type.
    #[error("{path}: {message}")]
    Parse {
        /// The spec file.
        path: PathBuf,
        /// The parser's message (it names the field and line).
        message: String,
    },
    /// A value is outside its allowed range; `field` is its path in the spec.
    #[error("{field}: {message}")]
    Invalid {
        /// Path of the offending field (`split.fractions`, `study[1].k.to` ...).
        field: String,
        /// What is allowed.
        message: String,
    },
}

impl SpecError {
    /// An out-of-range value at `field`.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid { field: field.into(), message: message.into() }
    }
}

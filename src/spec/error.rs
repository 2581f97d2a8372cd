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
    /// A folder was named where a spec file is expected.
    #[error("{path} is a folder; name one spec in it{}", list_specs(path, specs))]
    IsAFolder {
        /// The folder.
        path: PathBuf,
        /// Spec names found in it (file stems of its `.toml` files).
        specs: Vec<String>,
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

/// `", e.g. experiments/kmeans_grid (specs there: a, b)"`, or nothing when the folder has none.
fn list_specs(path: &std::path::Path, specs: &[String]) -> String {
    match specs.first() {
        None => String::new(),
        Some(first) => format!(", e.g. {} (specs there: {})", path.join(first).display(), specs.join(", ")),
    }
}

impl SpecError {
    /// An out-of-range value at `field`.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid { field: field.into(), message: message.into() }
    }
}

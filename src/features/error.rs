//! Errors of the `features` stage.
//!
//! Variants follow what the caller does next: [`FeaturesError::InvalidParam`] and
//! [`FeaturesError::UnknownRecipe`] are spec problems (stop before any work); the others are
//! per-file problems (record the file as failed, go on with the rest).

use thiserror::Error;

/// Everything that can go wrong in `features`.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum FeaturesError {
    /// A parameter is outside its allowed range; `field` is its path below `features.`.
    #[error("features.{field} = {value}: {rule}")]
    InvalidParam {
        /// Path of the field below `features.` (`stft.hop_length`, `contrast.quantile` ...).
        field: &'static str,
        /// The rejected value, as written.
        value: String,
        /// The rule it breaks (`must be ≥ 1` ...).
        rule: &'static str,
    },
    /// The input has no samples.
    #[error("empty input: no samples to analyse")]
    EmptyInput,
    /// The input is shorter than one analysis window.
    #[error("input too short: {n_samples} samples, need at least {min_samples} (one n_fft window)")]
    TooShort {
        /// Number of samples given.
        n_samples: usize,
        /// Minimum number of samples (`n_fft`).
        min_samples: usize,
    },
    /// The samples are at a different rate than the extractor was built for.
    #[error("sample rate {got_hz} Hz does not match the extractor's {expected_hz} Hz")]
    SampleRateMismatch {
        /// Rate the extractor's filter banks were built for.
        expected_hz: u32,
        /// Rate of the samples given.
        got_hz: u32,
    },
    /// A sample is NaN or infinite.
    #[error("sample {index} is not finite ({value})")]
    NonFinite {
        /// Index of the first non-finite sample.
        index: usize,
        /// Its value.
        value: f32,
    },
    /// A long recording's signal or per-frame values could not be kept in, or read back from,
    /// their temporary file.
    #[error(
        "could not keep the signal or per-frame values in a temporary file in {dir} (set TMPDIR to a folder with room): {reason}"
    )]
    Spill {
        /// The folder temporary files go to.
        dir: std::path::PathBuf,
        /// The I/O error.
        reason: String,
    },
    /// A recipe name that [`crate::features::recipes`] does not know.
    #[error("unknown feature recipe {name:?}; known recipes: {}", known.join(", "))]
    UnknownRecipe {
        /// The name asked for.
        name: String,
        /// The known recipe names, sorted.
        known: Vec<&'static str>,
    },
}

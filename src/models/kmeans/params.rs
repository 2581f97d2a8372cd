//! k-means parameters (unchecked until `validate`).

use crate::spec::{KMeansInit, KMeansSettings};

use super::super::ModelError;

/// k-means hyperparameters in scikit-learn's terms.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KMeansParams {
    /// Number of clusters (≥ 1).
    pub n_clusters: usize,
    /// Initialisation.
    pub init: KMeansInit,
    /// Initialisations tried (≥ 1).
    pub n_init: usize,
    /// Iteration cap per initialisation (≥ 1).
    pub max_iter: usize,
    /// scikit-learn's relative tolerance (> 0).
    pub tol: f64,
}

impl KMeansParams {
    /// Params for `n_clusters` with the spec's fit settings.
    #[must_use]
    pub fn new(n_clusters: usize, settings: KMeansSettings) -> Self {
        Self {
            n_clusters,
            init: settings.init,
            n_init: settings.n_init,
            max_iter: settings.max_iter,
            tol: settings.tol,
        }
    }

    /// Checks every field.
    pub fn validate(&self) -> Result<(), ModelError> {
        let invalid = |param, rule, value: String| Err(ModelError::InvalidParam { param, rule, value });
        if self.n_clusters == 0 {
            return invalid("n_clusters", "must be ≥ 1", self.n_clusters.to_string());
        }
        if self.n_init == 0 {
            return invalid("n_init", "must be ≥ 1", self.n_init.to_string());
        }
        if self.max_iter == 0 {
            return invalid("max_iter", "must be ≥ 1", self.max_iter.to_string());
        }
        if !(self.tol.is_finite() && self.tol > 0.0) {
            return invalid("tol", "must be > 0", self.tol.to_string());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> KMeansParams {
        KMeansParams::new(3, KMeansSettings::default())
    }

    #[test]
    fn zero_clusters_is_rejected() {
        assert!(KMeansParams { n_clusters: 0, ..params() }.validate().is_err());
    }

    #[test]
    fn zero_n_init_is_rejected() {
        assert!(KMeansParams { n_init: 0, ..params() }.validate().is_err());
    }

    #[test]
    fn zero_max_iter_is_rejected() {
        assert!(KMeansParams { max_iter: 0, ..params() }.validate().is_err());
    }

    #[test]
    fn non_positive_tol_is_rejected() {
        assert!(KMeansParams { tol: 0.0, ..params() }.validate().is_err());
        assert!(KMeansParams { tol: f64::NAN, ..params() }.validate().is_err());
    }

    #[test]
    fn defaults_are_valid() {
        params().validate().expect("valid");
    }
}

//! k-means parameters (unchecked until `validate`).

use super::settings::{KMeansInit, KMeansSettings};

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
        if self.n_clusters == 0 {
            return Err(ModelError::InvalidParam {
                param: "n_clusters",
                rule: "must be ≥ 1",
                value: self.n_clusters.to_string(),
            });
        }
        KMeansSettings { init: self.init, n_init: self.n_init, max_iter: self.max_iter, tol: self.tol }.validate()
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

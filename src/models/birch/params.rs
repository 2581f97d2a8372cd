//! BIRCH parameters (unchecked until `validate`).

use serde::{Deserialize, Serialize};

use super::super::ModelError;

/// BIRCH hyperparameters in scikit-learn's terms (`Birch(threshold, branching_factor,
/// n_clusters, compute_labels)`, 1.9).
///
/// `Default` is scikit-learn's default: `threshold = 0.5`, `branching_factor = 50`,
/// `n_clusters = Some(3)`, `compute_labels = true`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct BirchParams {
    /// Largest radius (in feature units, Euclidean) a leaf subcluster may reach by absorbing a
    /// row or another subcluster; the test is `merged radius² ≤ threshold²` (> 0, finite).
    /// Default: `0.5`.
    pub threshold: f64,
    /// Most subclusters a CF node holds before it is split in two (≥ 2). Default: `50`.
    pub branching_factor: usize,
    /// Clusters of the global step, ward agglomerative clustering of the leaf subcluster centres
    /// (≥ 1); `None` skips the global step and each subcluster is a cluster. Default: `3`.
    pub n_clusters: Option<usize>,
    /// Whether `fit` labels the fitted rows (scikit-learn's `labels_`). Default: `true`.
    pub compute_labels: bool,
}

impl Default for BirchParams {
    fn default() -> Self {
        Self { threshold: 0.5, branching_factor: 50, n_clusters: Some(3), compute_labels: true }
    }
}

impl BirchParams {
    /// Checks every field (scikit-learn's `_parameter_constraints`).
    pub fn validate(&self) -> Result<(), ModelError> {
        let invalid = |param, rule, value: String| Err(ModelError::InvalidParam { param, rule, value });
        if !(self.threshold.is_finite() && self.threshold > 0.0) {
            return invalid("threshold", "must be finite and > 0", self.threshold.to_string());
        }
        if self.branching_factor < 2 {
            return invalid("branching_factor", "must be ≥ 2", self.branching_factor.to_string());
        }
        if self.n_clusters == Some(0) {
            return invalid("n_clusters", "must be ≥ 1 (or absent for no global step)", "0".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_scikit_learns_and_valid() {
        let params = BirchParams::default();
        assert_eq!(
            params,
            BirchParams { threshold: 0.5, branching_factor: 50, n_clusters: Some(3), compute_labels: true }
        );
        params.validate().expect("valid");
        BirchParams { n_clusters: None, ..params }.validate().expect("valid");
    }

    #[test]
    fn non_positive_threshold_is_rejected() {
        for threshold in [0.0, -0.5, f64::NAN, f64::INFINITY] {
            let params = BirchParams { threshold, ..BirchParams::default() };
            assert!(matches!(params.validate(), Err(ModelError::InvalidParam { param: "threshold", .. })));
        }
    }

    #[test]
    fn branching_factor_below_two_is_rejected() {
        for branching_factor in [0, 1] {
            let params = BirchParams { branching_factor, ..BirchParams::default() };
            assert!(matches!(params.validate(), Err(ModelError::InvalidParam { param: "branching_factor", .. })));
        }
    }

    #[test]
    fn zero_clusters_is_rejected() {
        let params = BirchParams { n_clusters: Some(0), ..BirchParams::default() };
        assert!(matches!(params.validate(), Err(ModelError::InvalidParam { param: "n_clusters", .. })));
    }

    #[test]
    fn reads_from_toml_with_defaults_and_rejects_unknown_fields() {
        let params: BirchParams = toml::from_str("threshold = 0.8\nbranching_factor = 4").expect("toml");
        assert_eq!(params, BirchParams { threshold: 0.8, branching_factor: 4, ..BirchParams::default() });
        assert!(toml::from_str::<BirchParams>("copy = true").is_err());
    }
}

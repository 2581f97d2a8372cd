//! OPTICS parameters (unchecked until `validate`).

use serde::{Deserialize, Serialize};

use super::super::ModelError;

/// How clusters are read off the reachability plot (scikit-learn's `cluster_method`), written
/// `{ method = "xi", xi = 0.05 }` or `{ method = "dbscan", eps = 0.8 }`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "method", rename_all = "snake_case", deny_unknown_fields)]
pub enum OpticsExtraction {
    /// Steep-area extraction (Ankerst et al.'s ξ method, scikit-learn's default).
    Xi {
        /// Minimum relative steepness of a cluster boundary, in (0, 1). Default: 0.05.
        #[serde(default = "default_xi")]
        xi: f64,
        /// Trim cluster ends that do not hold their predecessor. Default: true.
        #[serde(default = "default_true")]
        predecessor_correction: bool,
        /// Smallest cluster (rows); `None` = `min_samples`. Default: none.
        #[serde(default)]
        min_cluster_size: Option<usize>,
    },
    /// Every point whose reachability exceeds `eps` starts a new cluster, as DBSCAN at `eps`.
    Dbscan {
        /// The cut, in feature units (≤ `max_eps`).
        eps: f64,
    },
}

fn default_xi() -> f64 {
    0.05
}

fn default_true() -> bool {
    true
}

impl Default for OpticsExtraction {
    fn default() -> Self {
        Self::Xi { xi: 0.05, predecessor_correction: true, min_cluster_size: None }
    }
}

/// OPTICS hyperparameters under scikit-learn's names (Euclidean metric).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct OpticsParams {
    /// Neighbours (the point included) that make a core point; ≥ 2. Default: 5.
    pub min_samples: usize,
    /// Largest neighbourhood radius considered; `None` = unbounded. Default: unbounded.
    pub max_eps: Option<f64>,
    /// Cluster extraction. Default: ξ = 0.05 with predecessor correction.
    pub cluster_method: OpticsExtraction,
}

impl Default for OpticsParams {
    fn default() -> Self {
        Self { min_samples: 5, max_eps: None, cluster_method: OpticsExtraction::default() }
    }
}

impl OpticsParams {
    /// Checks every field that can be checked without the data.
    pub fn validate(&self) -> Result<(), ModelError> {
        let invalid = |param, rule, value: String| Err(ModelError::InvalidParam { param, rule, value });
        if self.min_samples < 2 {
            return invalid("min_samples", "must be ≥ 2", self.min_samples.to_string());
        }
        if let Some(max_eps) = self.max_eps {
            if max_eps < 0.0 || max_eps.is_nan() {
                return invalid("max_eps", "must be ≥ 0", max_eps.to_string());
            }
        }
        match self.cluster_method {
            OpticsExtraction::Xi { xi, min_cluster_size, .. } => {
                if !(xi > 0.0 && xi < 1.0) {
                    return invalid("xi", "must be in (0, 1)", xi.to_string());
                }
                if min_cluster_size.is_some_and(|m| m < 2) {
                    return invalid("min_cluster_size", "must be ≥ 2", format!("{min_cluster_size:?}"));
                }
            }
            OpticsExtraction::Dbscan { eps } => {
                if !(eps.is_finite() && eps >= 0.0) {
                    return invalid("eps", "must be ≥ 0", eps.to_string());
                }
                if self.max_eps.is_some_and(|m| eps > m) {
                    return invalid("eps", "must not exceed max_eps", eps.to_string());
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_scikit_learns_and_valid() {
        let p = OpticsParams::default();
        assert_eq!(p.min_samples, 5);
        assert_eq!(p.validate(), Ok(()));
    }

    #[test]
    fn min_samples_below_two_is_rejected() {
        assert!(OpticsParams { min_samples: 1, ..Default::default() }.validate().is_err());
    }

    #[test]
    fn negative_max_eps_is_rejected() {
        assert!(OpticsParams { max_eps: Some(-1.0), ..Default::default() }.validate().is_err());
    }

    #[test]
    fn xi_outside_zero_one_is_rejected() {
        for xi in [0.0, 1.0, -0.1, f64::NAN] {
            let p = OpticsParams {
                cluster_method: OpticsExtraction::Xi { xi, predecessor_correction: true, min_cluster_size: None },
                ..Default::default()
            };
            assert!(p.validate().is_err(), "{xi}");
        }
    }

    #[test]
    fn min_cluster_size_below_two_is_rejected() {
        let p = OpticsParams {
            cluster_method: OpticsExtraction::Xi { xi: 0.05, predecessor_correction: true, min_cluster_size: Some(1) },
            ..Default::default()
        };
        assert!(p.validate().is_err());
    }

    #[test]
    fn dbscan_eps_above_max_eps_is_rejected() {
        let p = OpticsParams {
            max_eps: Some(1.0),
            cluster_method: OpticsExtraction::Dbscan { eps: 2.0 },
            ..Default::default()
        };
        assert!(p.validate().is_err());
    }
}

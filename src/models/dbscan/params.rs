//! DBSCAN parameters (unchecked until `validate`).

use serde::{Deserialize, Serialize};

use super::super::ModelError;

/// DBSCAN hyperparameters under scikit-learn's names (`DBSCAN(eps, min_samples)`, Euclidean).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct DbscanParams {
    /// Neighbourhood radius, in the units of the (scaled) features. Default: 0.5.
    pub eps: f64,
    /// Neighbours (the point included) a core point needs. Default: 5.
    pub min_samples: usize,
}

impl Default for DbscanParams {
    fn default() -> Self {
        Self { eps: 0.5, min_samples: 5 }
    }
}

impl DbscanParams {
    /// Checks every field.
    pub fn validate(&self) -> Result<(), ModelError> {
        if !(self.eps.is_finite() && self.eps > 0.0) {
            return Err(ModelError::InvalidParam { param: "eps", rule: "must be > 0", value: self.eps.to_string() });
        }
        if self.min_samples == 0 {
            return Err(ModelError::InvalidParam { param: "min_samples", rule: "must be ≥ 1", value: "0".into() });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_scikit_learns_and_valid() {
        assert_eq!(DbscanParams::default(), DbscanParams { eps: 0.5, min_samples: 5 });
        assert_eq!(DbscanParams::default().validate(), Ok(()));
    }

    #[test]
    fn non_positive_eps_is_rejected() {
        for eps in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert!(DbscanParams { eps, ..Default::default() }.validate().is_err(), "{eps}");
        }
    }

    #[test]
    fn zero_min_samples_is_rejected() {
        assert!(DbscanParams { min_samples: 0, ..Default::default() }.validate().is_err());
    }
}

//! Affinity propagation parameters (unchecked until `validate`).

use serde::{Deserialize, Serialize};

use super::super::ModelError;

/// How similarities between rows are measured (scikit-learn's `affinity`).
///
/// Serialised in snake case: `"euclidean"`. scikit-learn's `"precomputed"` is not offered: the
/// models here take feature matrices.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ApAffinity {
    /// `s(i, k) = −‖x_i − x_k‖²`, the negative squared Euclidean distance (scikit-learn's
    /// default).
    #[default]
    Euclidean,
}

/// Affinity propagation hyperparameters in scikit-learn's terms
/// (`AffinityPropagation(damping, max_iter, convergence_iter, preference, affinity)`).
///
/// Every field has a default, so `AffinityPropagationParams::default()` (or an empty TOML
/// table) is scikit-learn's `AffinityPropagation()`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct AffinityPropagationParams {
    /// Weight of the previous message in each update, in `[0.5, 1)`: higher is slower and
    /// steadier. Default: 0.5.
    pub damping: f64,
    /// Iteration cap (≥ 1). Default: 200.
    pub max_iter: usize,
    /// Iterations the set of exemplars must stay unchanged to stop (≥ 1). Default: 15.
    pub convergence_iter: usize,
    /// Every row's self-similarity `s(i, i)`, in similarity units (negative squared feature
    /// units): higher gives more clusters. `None` is the median of all `n²` similarities
    /// (self-similarities of 0 included), as scikit-learn. Finite. Default: `None`.
    pub preference: Option<f64>,
    /// Similarity measure. Default: `euclidean`.
    pub affinity: ApAffinity,
}

impl Default for AffinityPropagationParams {
    fn default() -> Self {
        Self { damping: 0.5, max_iter: 200, convergence_iter: 15, preference: None, affinity: ApAffinity::Euclidean }
    }
}

impl AffinityPropagationParams {
    /// Checks every field (scikit-learn's `_parameter_constraints`).
    pub fn validate(&self) -> Result<(), ModelError> {
        let invalid = |param, rule, value: String| Err(ModelError::InvalidParam { param, rule, value });
        if !(0.5..1.0).contains(&self.damping) {
            return invalid("damping", "must lie in [0.5, 1)", self.damping.to_string());
        }
        if self.max_iter == 0 {
            return invalid("max_iter", "must be ≥ 1", self.max_iter.to_string());
        }
        if self.convergence_iter == 0 {
            return invalid("convergence_iter", "must be ≥ 1", self.convergence_iter.to_string());
        }
        if let Some(preference) = self.preference {
            if !preference.is_finite() {
                return invalid("preference", "must be finite", preference.to_string());
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rejected(params: AffinityPropagationParams, param: &str) -> bool {
        matches!(params.validate(), Err(ModelError::InvalidParam { param: p, .. }) if p == param)
    }

    #[test]
    fn defaults_are_scikit_learns_and_valid() {
        let params = AffinityPropagationParams::default();
        assert_eq!((params.damping, params.max_iter, params.convergence_iter), (0.5, 200, 15));
        assert_eq!((params.preference, params.affinity), (None, ApAffinity::Euclidean));
        params.validate().expect("valid");
    }

    #[test]
    fn damping_below_one_half_is_rejected() {
        assert!(rejected(AffinityPropagationParams { damping: 0.49, ..Default::default() }, "damping"));
    }

    #[test]
    fn damping_of_one_is_rejected() {
        assert!(rejected(AffinityPropagationParams { damping: 1.0, ..Default::default() }, "damping"));
    }

    #[test]
    fn nan_damping_is_rejected() {
        assert!(rejected(AffinityPropagationParams { damping: f64::NAN, ..Default::default() }, "damping"));
    }

    #[test]
    fn damping_bounds_are_half_open() {
        AffinityPropagationParams { damping: 0.5, ..Default::default() }.validate().expect("valid");
        AffinityPropagationParams { damping: 0.999, ..Default::default() }.validate().expect("valid");
    }

    #[test]
    fn zero_max_iter_is_rejected() {
        assert!(rejected(AffinityPropagationParams { max_iter: 0, ..Default::default() }, "max_iter"));
    }

    #[test]
    fn zero_convergence_iter_is_rejected() {
        assert!(rejected(AffinityPropagationParams { convergence_iter: 0, ..Default::default() }, "convergence_iter"));
    }

    #[test]
    fn nan_preference_is_rejected() {
        assert!(rejected(AffinityPropagationParams { preference: Some(f64::NAN), ..Default::default() }, "preference"));
    }

    #[test]
    fn infinite_preference_is_rejected() {
        let params = AffinityPropagationParams { preference: Some(f64::NEG_INFINITY), ..Default::default() };
        assert!(rejected(params, "preference"));
    }

    #[test]
    fn reads_from_toml_with_defaults_and_rejects_unknown_fields() {
        let params: AffinityPropagationParams =
            toml::from_str("damping = 0.9\npreference = -50.0\naffinity = \"euclidean\"").expect("toml");
        assert_eq!(params, AffinityPropagationParams { damping: 0.9, preference: Some(-50.0), ..Default::default() });
        let params: AffinityPropagationParams = toml::from_str("").expect("toml");
        assert_eq!(params, AffinityPropagationParams::default());
        assert!(toml::from_str::<AffinityPropagationParams>("affinity = \"precomputed\"").is_err());
        assert!(toml::from_str::<AffinityPropagationParams>("copy = true").is_err());
    }
}

//! Mean shift parameters (unchecked until `validate`).

use serde::{Deserialize, Serialize};

use super::super::ModelError;

/// Mean shift hyperparameters in scikit-learn's terms (`MeanShift(bandwidth, bin_seeding,
/// min_bin_freq, cluster_all, max_iter)`), plus the `quantile` of the bandwidth estimate.
///
/// Every field has a default, so `MeanShiftParams::default()` (or an empty TOML table) is
/// scikit-learn's `MeanShift()`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct MeanShiftParams {
    /// Radius of the flat kernel, in feature units (> 0, finite). `None` estimates it from the
    /// data with [`estimate_bandwidth`](super::estimate_bandwidth)`(x, quantile, None)`, as
    /// scikit-learn's `fit` does. Default: `None`.
    pub bandwidth: Option<f64>,
    /// Quantile of the pairwise distances the estimated bandwidth follows, in `[0, 1]`; used only
    /// when `bandwidth` is `None`. Not a `MeanShift` parameter: scikit-learn's `fit` always uses
    /// `estimate_bandwidth`'s default 0.3; set it to run `MeanShift(bandwidth=
    /// estimate_bandwidth(X, quantile=q))` in one step. Default: 0.3.
    pub quantile: f64,
    /// Start the climbs from the occupied cells of a grid of cell size `bandwidth` instead of
    /// from every row. Default: `false`.
    pub bin_seeding: bool,
    /// With `bin_seeding`, only cells holding at least this many rows seed a climb (≥ 1).
    /// Default: 1.
    pub min_bin_freq: usize,
    /// `true`: every row joins its nearest centre. `false`: rows farther than `bandwidth` from
    /// every centre are noise (scikit-learn's label −1). Default: `true`.
    pub cluster_all: bool,
    /// Iteration cap per seed (0 allowed: one mean step). Default: 300.
    pub max_iter: usize,
}

impl Default for MeanShiftParams {
    fn default() -> Self {
        Self { bandwidth: None, quantile: 0.3, bin_seeding: false, min_bin_freq: 1, cluster_all: true, max_iter: 300 }
    }
}

impl MeanShiftParams {
    /// Checks every field (scikit-learn's `_parameter_constraints`, plus finiteness).
    pub fn validate(&self) -> Result<(), ModelError> {
        let invalid = |param, rule, value: String| Err(ModelError::InvalidParam { param, rule, value });
        if let Some(bandwidth) = self.bandwidth {
            if !(bandwidth.is_finite() && bandwidth > 0.0) {
                return invalid("bandwidth", "must be > 0 and finite", bandwidth.to_string());
            }
        }
        validate_quantile(self.quantile)?;
        if self.min_bin_freq == 0 {
            return invalid("min_bin_freq", "must be ≥ 1", self.min_bin_freq.to_string());
        }
        Ok(())
    }
}

/// `quantile` of [`estimate_bandwidth`](super::estimate_bandwidth) lies in `[0, 1]`.
pub(super) fn validate_quantile(quantile: f64) -> Result<(), ModelError> {
    if (0.0..=1.0).contains(&quantile) {
        Ok(())
    } else {
        Err(ModelError::InvalidParam { param: "quantile", rule: "must lie in [0, 1]", value: quantile.to_string() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rejected(params: MeanShiftParams, param: &str) -> bool {
        matches!(params.validate(), Err(ModelError::InvalidParam { param: p, .. }) if p == param)
    }

    #[test]
    fn defaults_are_scikit_learns_and_valid() {
        let params = MeanShiftParams::default();
        assert_eq!(params.bandwidth, None);
        assert_eq!(params.quantile, 0.3);
        assert!(!params.bin_seeding && params.cluster_all);
        assert_eq!((params.min_bin_freq, params.max_iter), (1, 300));
        params.validate().expect("valid");
    }

    #[test]
    fn zero_bandwidth_is_rejected() {
        assert!(rejected(MeanShiftParams { bandwidth: Some(0.0), ..Default::default() }, "bandwidth"));
    }

    #[test]
    fn negative_bandwidth_is_rejected() {
        assert!(rejected(MeanShiftParams { bandwidth: Some(-1.0), ..Default::default() }, "bandwidth"));
    }

    #[test]
    fn nan_bandwidth_is_rejected() {
        assert!(rejected(MeanShiftParams { bandwidth: Some(f64::NAN), ..Default::default() }, "bandwidth"));
    }

    #[test]
    fn infinite_bandwidth_is_rejected() {
        assert!(rejected(MeanShiftParams { bandwidth: Some(f64::INFINITY), ..Default::default() }, "bandwidth"));
    }

    #[test]
    fn negative_quantile_is_rejected() {
        assert!(rejected(MeanShiftParams { quantile: -0.1, ..Default::default() }, "quantile"));
    }

    #[test]
    fn quantile_above_one_is_rejected() {
        assert!(rejected(MeanShiftParams { quantile: 1.5, ..Default::default() }, "quantile"));
    }

    #[test]
    fn nan_quantile_is_rejected() {
        assert!(rejected(MeanShiftParams { quantile: f64::NAN, ..Default::default() }, "quantile"));
    }

    #[test]
    fn quantile_bounds_are_valid() {
        MeanShiftParams { quantile: 0.0, ..Default::default() }.validate().expect("valid");
        MeanShiftParams { quantile: 1.0, ..Default::default() }.validate().expect("valid");
    }

    #[test]
    fn zero_min_bin_freq_is_rejected() {
        assert!(rejected(MeanShiftParams { min_bin_freq: 0, ..Default::default() }, "min_bin_freq"));
    }

    #[test]
    fn zero_max_iter_is_valid() {
        MeanShiftParams { max_iter: 0, ..Default::default() }.validate().expect("valid");
    }

    #[test]
    fn reads_from_toml_with_defaults_and_rejects_unknown_fields() {
        let params: MeanShiftParams = toml::from_str("bandwidth = 2.5\nbin_seeding = true").expect("toml");
        assert_eq!(params, MeanShiftParams { bandwidth: Some(2.5), bin_seeding: true, ..Default::default() });
        let params: MeanShiftParams = toml::from_str("").expect("toml");
        assert_eq!(params, MeanShiftParams::default());
        assert!(toml::from_str::<MeanShiftParams>("seeds = [1.0]").is_err());
    }
}

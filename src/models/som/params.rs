//! Self-organising map parameters (unchecked until `validate`).

use serde::{Deserialize, Serialize};

use super::super::ModelError;

/// How the unit weights start. Serialised in snake case: `"random_rows"`, `"pca"`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SomInit {
    /// Each unit, in row-major order, takes a row of `X` drawn uniformly with replacement
    /// (MiniSom's `random_weights_init`, drawing from our rng instead of numpy's).
    #[default]
    RandomRows,
    /// Units spread over the plane of the two leading principal axes around the data mean
    /// (MiniSom's `pca_weights_init`); needs ≥ 2 rows and ≥ 2 features. No randomness.
    Pca,
}

/// In which order rows are presented. Serialised in snake case: `"random"`, `"batch"`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SomTrain {
    /// `t mod n_rows` for `t < n_iterations`, shuffled by our rng (MiniSom's `train_random`).
    #[default]
    Random,
    /// `t mod n_rows` for `t < n_iterations`: the rows in order, cycling (MiniSom's
    /// `train_batch`, which despite its name updates after every row).
    Batch,
}

/// The neighbourhood function. Only MiniSom's default is offered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Neighborhood {
    /// `h(i, j) = exp(−(i − c_i)² / 2σ²) · exp(−(j − c_j)² / 2σ²)` around the winner `c`.
    #[default]
    Gaussian,
}

/// How `learning_rate` and `sigma` shrink with the step `t`. Only MiniSom's default is offered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decay {
    /// `v(t) = v / (1 + t / (T / 2))` with `T = n_iterations` (MiniSom's `asymptotic_decay`):
    /// from `v` at the first step towards `v / 3` at the last.
    #[default]
    Asymptotic,
}

/// Self-organising map hyperparameters in MiniSom's terms (`MiniSom(x=rows, y=cols, input_len,
/// sigma, learning_rate)` with its default decay and neighbourhood, rectangular topology,
/// Euclidean activation), plus how clusters are read off the trained map.
///
/// `Default`: a 3 × 3 map trained for 1000 steps (MiniSom has no defaults for these; ours),
/// with MiniSom's `sigma = 1.0` and `learning_rate = 0.5`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct SomParams {
    /// Units along the map's first axis (MiniSom's `x`; ≥ 1). Default: `3`.
    pub rows: usize,
    /// Units along the map's second axis (MiniSom's `y`; ≥ 1). Default: `3`.
    pub cols: usize,
    /// Initial neighbourhood spread, in grid units (> 0). Default: `1.0`.
    pub sigma: f64,
    /// Initial learning rate, unitless (> 0). Default: `0.5`.
    pub learning_rate: f64,
    /// Training steps, one row each (MiniSom's `num_iteration`; ≥ 1). Default: `1000`.
    pub n_iterations: usize,
    /// Neighbourhood function. Default: `gaussian`.
    pub neighborhood: Neighborhood,
    /// Decay of `sigma` and `learning_rate`. Default: `asymptotic`.
    pub decay: Decay,
    /// Weight initialisation. Default: `random_rows`.
    pub init: SomInit,
    /// Presentation order. Default: `random`.
    pub train: SomTrain,
    /// Merge the non-empty units into this many clusters (ward on their weights; ≥ 1, ≤ the
    /// number of non-empty units at fit time); `None` makes each non-empty unit a cluster.
    /// Default: `None`.
    pub merge_to_k: Option<usize>,
}

impl Default for SomParams {
    fn default() -> Self {
        Self {
            rows: 3,
            cols: 3,
            sigma: 1.0,
            learning_rate: 0.5,
            n_iterations: 1000,
            neighborhood: Neighborhood::Gaussian,
            decay: Decay::Asymptotic,
            init: SomInit::RandomRows,
            train: SomTrain::Random,
            merge_to_k: None,
        }
    }
}

impl SomParams {
    /// Checks every field.
    pub fn validate(&self) -> Result<(), ModelError> {
        let invalid = |param, rule, value: String| Err(ModelError::InvalidParam { param, rule, value });
        if self.rows == 0 {
            return invalid("rows", "must be ≥ 1", "0".into());
        }
        if self.cols == 0 {
            return invalid("cols", "must be ≥ 1", "0".into());
        }
        if !(self.sigma.is_finite() && self.sigma > 0.0) {
            return invalid("sigma", "must be finite and > 0", self.sigma.to_string());
        }
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return invalid("learning_rate", "must be finite and > 0", self.learning_rate.to_string());
        }
        if self.n_iterations == 0 {
            return invalid("n_iterations", "must be ≥ 1", "0".into());
        }
        if self.merge_to_k == Some(0) {
            return invalid("merge_to_k", "must be ≥ 1 (or absent for one cluster per unit)", "0".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        SomParams::default().validate().expect("valid");
    }

    #[test]
    fn zero_rows_is_rejected() {
        let params = SomParams { rows: 0, ..SomParams::default() };
        assert!(matches!(params.validate(), Err(ModelError::InvalidParam { param: "rows", .. })));
    }

    #[test]
    fn zero_cols_is_rejected() {
        let params = SomParams { cols: 0, ..SomParams::default() };
        assert!(matches!(params.validate(), Err(ModelError::InvalidParam { param: "cols", .. })));
    }

    #[test]
    fn non_positive_sigma_is_rejected() {
        for sigma in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let params = SomParams { sigma, ..SomParams::default() };
            assert!(matches!(params.validate(), Err(ModelError::InvalidParam { param: "sigma", .. })));
        }
    }

    #[test]
    fn non_positive_learning_rate_is_rejected() {
        for learning_rate in [0.0, -0.5, f64::NAN, f64::INFINITY] {
            let params = SomParams { learning_rate, ..SomParams::default() };
            assert!(matches!(params.validate(), Err(ModelError::InvalidParam { param: "learning_rate", .. })));
        }
    }

    #[test]
    fn zero_iterations_is_rejected() {
        let params = SomParams { n_iterations: 0, ..SomParams::default() };
        assert!(matches!(params.validate(), Err(ModelError::InvalidParam { param: "n_iterations", .. })));
    }

    #[test]
    fn merge_to_zero_is_rejected() {
        let params = SomParams { merge_to_k: Some(0), ..SomParams::default() };
        assert!(matches!(params.validate(), Err(ModelError::InvalidParam { param: "merge_to_k", .. })));
    }

    #[test]
    fn reads_from_toml_with_defaults_and_rejects_unknown_fields() {
        let params: SomParams =
            toml::from_str("rows = 4\ncols = 5\ninit = \"pca\"\ntrain = \"batch\"\nmerge_to_k = 3").expect("toml");
        assert_eq!(
            params,
            SomParams {
                rows: 4,
                cols: 5,
                init: SomInit::Pca,
                train: SomTrain::Batch,
                merge_to_k: Some(3),
                ..SomParams::default()
            }
        );
        assert!(toml::from_str::<SomParams>("topology = \"hexagonal\"").is_err());
        assert!(toml::from_str::<SomParams>("neighborhood = \"bubble\"").is_err());
    }
}

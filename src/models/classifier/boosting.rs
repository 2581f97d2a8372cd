//! `boosting`: gradient-boosted trees (the notebook's §9.3 XGBoost), by one of two engines:
//!
//! - perpetual, a pure-Rust booster that sets its own learning rate and tree count from one
//!   `budget`, one binary log-loss booster per class (or a native multi-class one, as perpetual
//!   decides from the data's shape), probabilities normalised over the classes; in every build;
//! - XGBoost itself (`engine = "xgboost"`, the [`super::xgboost`] module), with the notebook's
//!   `XGBClassifier` parameters; in builds with the cargo feature `xgboost`.

use ndarray::{Array2, ArrayView2};
use perpetual::booster::config::ImportanceMethod;
use perpetual::objective::Objective;
use perpetual::{Matrix, MultiOutputBooster};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::{FittedClassifier, TrainingSet};
use crate::models::ModelError;

/// Which library grows the trees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BoostingEngine {
    /// perpetual (pure Rust; in every build).
    Perpetual,
    /// XGBoost's own C++ library; needs a build with the cargo feature `xgboost` (see README).
    Xgboost,
}

/// How training rows are weighted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClassWeight {
    /// Every row weighs 1.
    None,
    /// Rows weighted `n / (n_classes · n_in_class)`, scikit-learn's
    /// `compute_sample_weight("balanced")`, so every class weighs the same in total.
    Balanced,
}

/// `boosting`. The XGBoost-only parameters are absent from a spec that does not set them (so
/// adding them changed no perpetual run's ID).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct BoostingParams {
    /// The library. Default: `perpetual`.
    pub engine: BoostingEngine,
    /// perpetual only: its fitting budget; larger fits more, slower (its learning rate is
    /// 10^−budget). Default: 0.5 (perpetual's).
    pub budget: f32,
    /// Histogram bins per feature. Default: 256.
    pub max_bin: u16,
    /// Row weights. Default: `balanced`.
    pub class_weight: ClassWeight,
    /// XGBoost only: most boosting rounds. Default: 100 (`XGBClassifier`'s).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub n_estimators: Option<usize>,
    /// XGBoost only: shrinkage per round. Default: 0.3.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub learning_rate: Option<f64>,
    /// XGBoost only: deepest tree. Default: 6.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_depth: Option<usize>,
    /// XGBoost only: stop after this many rounds without a lower validation log-loss and
    /// predict with the best round (needs validation rows, as the notebook's `eval_set`).
    /// Default: none (every round).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub early_stopping_rounds: Option<usize>,
}

impl Default for BoostingParams {
    fn default() -> Self {
        Self {
            engine: BoostingEngine::Perpetual,
            budget: 0.5,
            max_bin: 256,
            class_weight: ClassWeight::Balanced,
            n_estimators: None,
            learning_rate: None,
            max_depth: None,
            early_stopping_rounds: None,
        }
    }
}

impl BoostingParams {
    /// XGBoost's rounds.
    #[must_use]
    pub fn n_estimators(&self) -> usize {
        self.n_estimators.unwrap_or(100)
    }

    /// XGBoost's learning rate.
    #[must_use]
    pub fn learning_rate(&self) -> f64 {
        self.learning_rate.unwrap_or(0.3)
    }

    /// XGBoost's tree depth.
    #[must_use]
    pub fn max_depth(&self) -> usize {
        self.max_depth.unwrap_or(6)
    }

    /// Whether the model holds validation rows out (XGBoost's early stopping watches them).
    #[must_use]
    pub fn uses_validation(&self) -> bool {
        self.early_stopping_rounds.is_some()
    }

    pub(super) fn validate(&self) -> Result<(), ModelError> {
        let invalid = |param, rule, value: String| Err(ModelError::InvalidParam { param, rule, value });
        match self.engine {
            BoostingEngine::Xgboost if !cfg!(feature = "xgboost") => {
                return invalid(
                    "engine",
                    "this build has no XGBoost: build with `cargo build --release --features xgboost` \
                     (needs cmake, ninja-build and libclang-dev; see README), or use engine = \"perpetual\"",
                    "xgboost".into(),
                );
            }
            BoostingEngine::Xgboost => {}
            BoostingEngine::Perpetual => {
                let xgboost_only = [
                    ("n_estimators", self.n_estimators.is_some()),
                    ("learning_rate", self.learning_rate.is_some()),
                    ("max_depth", self.max_depth.is_some()),
                    ("early_stopping_rounds", self.early_stopping_rounds.is_some()),
                ];
                if let Some((param, _)) = xgboost_only.iter().find(|(_, set)| *set) {
                    return invalid(
                        param,
                        "is an XGBoost parameter (engine = \"xgboost\"); perpetual sets its rounds and step from budget",
                        "set".into(),
                    );
                }
            }
        }
        if !(self.budget.is_finite() && self.budget > 0.0) {
            return invalid("budget", "must be a finite number > 0", self.budget.to_string());
        }
        if self.max_bin < 2 {
            return invalid("max_bin", "must be ≥ 2", self.max_bin.to_string());
        }
        if self.n_estimators == Some(0) {
            return invalid("n_estimators", "must be ≥ 1", "0".into());
        }
        if let Some(rate) = self.learning_rate.filter(|r| !(r.is_finite() && *r > 0.0)) {
            return invalid("learning_rate", "must be a finite number > 0", rate.to_string());
        }
        if self.max_depth == Some(0) {
            return invalid("max_depth", "must be ≥ 1", "0".into());
        }
        if self.early_stopping_rounds == Some(0) {
            return invalid("early_stopping_rounds", "must be ≥ 1", "0".into());
        }
        Ok(())
    }
}

/// Trains the trees with the engine the parameters name.
pub(super) fn fit_trees(
    params: &BoostingParams,
    train: TrainingSet<'_>,
    rng: &mut ChaCha8Rng,
) -> Result<Box<dyn FittedClassifier>, ModelError> {
    match params.engine {
        BoostingEngine::Perpetual => Ok(Box::new(fit_boosting(params, train, rng)?)),
        #[cfg(feature = "xgboost")]
        BoostingEngine::Xgboost => Ok(Box::new(super::xgboost::fit_xgboost(params, train, rng)?)),
        #[cfg(not(feature = "xgboost"))]
        BoostingEngine::Xgboost => Err(params.validate().expect_err("refused in this build")),
    }
}

/// scikit-learn's `compute_sample_weight("balanced", y)`: `n / (n_present · count(y_i))`.
#[must_use]
pub fn balanced_sample_weights(y: &[usize], n_classes: usize) -> Vec<f64> {
    let mut counts = vec![0usize; n_classes];
    for &c in y {
        counts[c] += 1;
    }
    let present = counts.iter().filter(|&&c| c > 0).count() as f64;
    y.iter().map(|&c| y.len() as f64 / (present * counts[c] as f64)).collect()
}

/// A fitted booster over the classes present in training.
struct Boosted {
    booster: MultiOutputBooster,
    present: Vec<usize>,
    n_classes: usize,
    n_features: usize,
}

fn failed(error: impl ToString) -> ModelError {
    ModelError::Fit { model: "boosting", reason: error.to_string() }
}

/// The rows of `x` column after column, as perpetual's `Matrix` reads them.
fn column_major(x: ArrayView2<f64>) -> Vec<f64> {
    x.t().iter().copied().collect()
}

fn fit_boosting(params: &BoostingParams, train: TrainingSet<'_>, rng: &mut ChaCha8Rng) -> Result<Boosted, ModelError> {
    let present = train.present_classes();
    let n_features = train.x.ncols();
    let mut booster = MultiOutputBooster::default()
        .set_objective(Objective::LogLoss)
        .set_n_boosters(present.len().max(1))
        .set_budget(params.budget)
        .set_max_bin(params.max_bin)
        .set_seed(rng.gen());
    if present.len() >= 2 {
        let data = column_major(train.x);
        let x = Matrix::new(&data, train.x.nrows(), n_features);
        // One 0/1 column per present class, column after column.
        let targets: Vec<f64> =
            present.iter().flat_map(|&class| train.y.iter().map(move |&c| f64::from(c == class))).collect();
        let y = Matrix::new(&targets, train.y.len(), present.len());
        let weights = match params.class_weight {
            ClassWeight::Balanced => Some(balanced_sample_weights(train.y, train.n_classes)),
            ClassWeight::None => None,
        };
        booster.fit(&x, &y, weights.as_deref(), None).map_err(failed)?;
    }
    Ok(Boosted { booster, present, n_classes: train.n_classes, n_features })
}

impl FittedClassifier for Boosted {
    fn predict_proba(&self, x: ArrayView2<f64>) -> Result<Array2<f64>, ModelError> {
        let mut proba = Array2::zeros((x.nrows(), self.n_classes));
        if self.present.len() < 2 {
            proba.column_mut(self.present[0]).fill(1.0);
            return Ok(proba);
        }
        let data = column_major(x);
        let matrix = Matrix::new(&data, x.nrows(), x.ncols());
        let flat = self.booster.predict_proba(&matrix, true);
        let k = self.present.len();
        for (row, chunk) in flat.chunks(k).enumerate() {
            let total: f64 = chunk.iter().sum();
            for (&class, p) in self.present.iter().zip(chunk) {
                proba[[row, class]] = p / total;
            }
        }
        Ok(proba)
    }

    /// Total split gain of each feature over every tree, normalised to sum 1.
    fn feature_importances(&self) -> Option<Vec<f64>> {
        if self.present.len() < 2 {
            return None;
        }
        let gains = self.booster.calculate_feature_importance(ImportanceMethod::TotalGain, false);
        let mut importances = vec![0.0; self.n_features];
        for (feature, gain) in gains {
            importances[feature] = f64::from(gain);
        }
        let total: f64 = importances.iter().sum();
        (total > 0.0).then(|| importances.iter().map(|v| v / total).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn balanced_weights_equal_scikit_learns() {
        // sklearn.utils.class_weight.compute_sample_weight("balanced", [0, 0, 0, 1, 2, 2])
        let w = balanced_sample_weights(&[0, 0, 0, 1, 2, 2], 4);
        let expected = [2.0 / 3.0, 2.0 / 3.0, 2.0 / 3.0, 2.0, 1.0, 1.0];
        for (a, b) in w.iter().zip(expected) {
            assert!((a - b).abs() < 1e-15, "{w:?}");
        }
    }

    #[test]
    #[cfg(not(feature = "xgboost"))]
    fn xgboost_is_refused_with_a_way_forward() {
        let params = BoostingParams { engine: BoostingEngine::Xgboost, ..BoostingParams::default() };
        let message = params.validate().unwrap_err().to_string();
        assert!(message.contains("--features xgboost") && message.contains("perpetual"), "{message}");
    }

    #[test]
    fn xgboost_parameters_are_refused_for_perpetual() {
        let params = BoostingParams { early_stopping_rounds: Some(10), ..BoostingParams::default() };
        let message = params.validate().unwrap_err().to_string();
        assert!(message.contains("early_stopping_rounds"), "{message}");
    }
}

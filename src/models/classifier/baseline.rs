//! Chance baselines: what a classifier must beat. As scikit-learn's `DummyClassifier`:
//! `prior` predicts the most frequent training class with the class frequencies as
//! probabilities; `stratified` draws each prediction from those frequencies (one-hot).

use ndarray::{Array2, ArrayView2};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::{FittedClassifier, TrainingSet};
use crate::models::ModelError;

/// `majority` has no parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MajorityParams {}

/// `stratified` has no parameters (its draws come from the fold's stream).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StratifiedParams {}

/// The share of each class among the training rows.
fn class_frequencies(train: TrainingSet<'_>) -> Vec<f64> {
    let mut counts = vec![0.0; train.n_classes];
    for &c in train.y {
        counts[c] += 1.0;
    }
    let n = train.y.len() as f64;
    counts.iter().map(|c| c / n).collect()
}

/// The class frequencies as every row's probabilities: the argmax is the majority class (the
/// lowest class index among equally frequent ones, as `np.argmax`).
pub(super) struct Majority {
    prior: Vec<f64>,
}

pub(super) fn fit_majority(train: TrainingSet<'_>) -> Majority {
    Majority { prior: class_frequencies(train) }
}

impl FittedClassifier for Majority {
    fn predict_proba(&self, x: ArrayView2<f64>) -> Result<Array2<f64>, ModelError> {
        Ok(Array2::from_shape_fn((x.nrows(), self.prior.len()), |(_, c)| self.prior[c]))
    }
}

/// Random draws from the class frequencies, one per predicted row, from a stream fixed at
/// fitting time (so predicting the same rows twice gives the same draws).
pub(super) struct Stratified {
    prior: Vec<f64>,
    seed: u64,
}

pub(super) fn fit_stratified(train: TrainingSet<'_>, rng: &mut ChaCha8Rng) -> Stratified {
    Stratified { prior: class_frequencies(train), seed: rng.gen() }
}

impl FittedClassifier for Stratified {
    fn predict_proba(&self, x: ArrayView2<f64>) -> Result<Array2<f64>, ModelError> {
        use rand::SeedableRng;
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        let mut proba = Array2::zeros((x.nrows(), self.prior.len()));
        for mut row in proba.rows_mut() {
            let u: f64 = rng.gen();
            let mut cumulative = 0.0;
            // The last class with a positive share takes any rounding remainder.
            let last = self.prior.iter().rposition(|&p| p > 0.0).unwrap_or(0);
            let drawn = self
                .prior
                .iter()
                .position(|&p| {
                    cumulative += p;
                    p > 0.0 && u < cumulative
                })
                .unwrap_or(last);
            row[drawn] = 1.0;
        }
        Ok(proba)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;
    use rand::SeedableRng;

    #[test]
    fn majority_predicts_the_most_frequent_class_with_the_priors() {
        let x = Array2::zeros((5, 1));
        let train =
            TrainingSet { x: x.view(), y: &[2, 1, 2, 0, 2], n_classes: 3, val: None, image_shape: None, groups: None };
        let proba = fit_majority(train).predict_proba(x.view()).unwrap();
        assert_eq!(proba.row(0).to_vec(), vec![0.2, 0.2, 0.6]);
        assert_eq!(super::super::argmax_rows(&proba), vec![2; 5]);
    }

    #[test]
    fn stratified_draws_follow_the_training_frequencies() {
        let x = Array2::zeros((4000, 1));
        let y: Vec<usize> = (0..4000).map(|i| usize::from(i % 4 == 0)).collect();
        let train = TrainingSet { x: x.view(), y: &y, n_classes: 2, val: None, image_shape: None, groups: None };
        let fitted = fit_stratified(train, &mut ChaCha8Rng::seed_from_u64(3));
        let proba = fitted.predict_proba(x.view()).unwrap();
        let ones = proba.column(1).sum();
        assert!((ones / 4000.0 - 0.25).abs() < 0.03, "{ones}");
        assert_eq!(proba, fitted.predict_proba(x.view()).unwrap(), "the same rows give the same draws");
    }
}

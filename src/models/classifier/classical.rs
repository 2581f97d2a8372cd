//! The classical models on the feature vector: logistic regression and a random forest
//! trained by smartcore, RBF support-vector machines by linfa-svm, each turned into class
//! probabilities.
//!
//! Both libraries give class labels only, so probabilities are computed here from what each
//! model exposes: the softmax (or sigmoid) of the logistic regression's linear scores, the
//! share of trees voting for each class, and the softmax of the one-vs-rest SVM decision values.

use ndarray::{Array2, ArrayView2};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use smartcore::ensemble::random_forest_classifier::{RandomForestClassifier, RandomForestClassifierParameters};
use smartcore::linalg::basic::arrays::Array as _;
use smartcore::linalg::basic::matrix::DenseMatrix;
use smartcore::linear::logistic_regression::{LogisticRegression, LogisticRegressionParameters};

use super::{FittedClassifier, TrainingSet};
use crate::models::ModelError;

/// `logistic_regression`: multinomial, L2-penalised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct LogisticRegressionParams {
    /// Inverse regularisation strength, as scikit-learn's `C` (smartcore's `alpha` = 1 / C).
    /// Default: 1.0.
    pub c: f64,
}

impl Default for LogisticRegressionParams {
    fn default() -> Self {
        Self { c: 1.0 }
    }
}

impl LogisticRegressionParams {
    pub(super) fn validate(&self) -> Result<(), ModelError> {
        positive("c", self.c)
    }
}

/// `random_forest`: CART trees (Gini) on class-stratified bootstrap samples, √features tried
/// at each split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct RandomForestParams {
    /// Trees. Default: 100 (scikit-learn's).
    pub n_estimators: u16,
    /// Deepest split (None = grow until leaves are pure or too small). Default: None.
    pub max_depth: Option<u16>,
    /// Fewest rows a node needs to be split. Default: 2.
    pub min_samples_split: usize,
    /// Fewest rows in a leaf. Default: 1.
    pub min_samples_leaf: usize,
}

impl Default for RandomForestParams {
    fn default() -> Self {
        Self { n_estimators: 100, max_depth: None, min_samples_split: 2, min_samples_leaf: 1 }
    }
}

impl RandomForestParams {
    pub(super) fn validate(&self) -> Result<(), ModelError> {
        if self.n_estimators == 0 {
            return Err(invalid("n_estimators", "must be ≥ 1", self.n_estimators));
        }
        if self.max_depth == Some(0) {
            return Err(invalid("max_depth", "must be ≥ 1 (or left out for unlimited)", 0));
        }
        if self.min_samples_split < 2 {
            return Err(invalid("min_samples_split", "must be ≥ 2", self.min_samples_split));
        }
        if self.min_samples_leaf == 0 {
            return Err(invalid("min_samples_leaf", "must be ≥ 1", 0));
        }
        Ok(())
    }
}

/// `svm`: RBF-kernel support-vector classifiers (C-SVC), one per class against the others.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct SvmParams {
    /// Penalty of margin violations, as scikit-learn's `C`. Default: 1.0.
    pub c: f64,
    /// RBF width; None is scikit-learn's `gamma="scale"`: 1 / (n_features · variance of the
    /// training matrix). Default: None.
    pub gamma: Option<f64>,
}

impl Default for SvmParams {
    fn default() -> Self {
        Self { c: 1.0, gamma: None }
    }
}

impl SvmParams {
    pub(super) fn validate(&self) -> Result<(), ModelError> {
        positive("c", self.c)?;
        if let Some(gamma) = self.gamma {
            positive("gamma", gamma)?;
        }
        Ok(())
    }
}

fn invalid(param: &'static str, rule: &'static str, value: impl ToString) -> ModelError {
    ModelError::InvalidParam { param, rule, value: value.to_string() }
}

fn positive(param: &'static str, value: f64) -> Result<(), ModelError> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(invalid(param, "must be a finite number > 0", value))
    }
}

fn failed(model: &'static str, error: impl ToString) -> ModelError {
    ModelError::Fit { model, reason: error.to_string() }
}

fn dense(x: ArrayView2<f64>) -> Result<DenseMatrix<f64>, ModelError> {
    DenseMatrix::new(x.nrows(), x.ncols(), x.iter().copied().collect(), false).map_err(|e| failed("smartcore", e))
}

/// Class scores of the present classes → probabilities over all `n_classes` (softmax over
/// the present ones, 0 for the absent ones).
fn softmax_into(scores: &[Vec<f64>], present: &[usize], n_classes: usize) -> Array2<f64> {
    let mut proba = Array2::zeros((scores.len(), n_classes));
    for (row, s) in scores.iter().enumerate() {
        let max = s.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let exp: Vec<f64> = s.iter().map(|v| (v - max).exp()).collect();
        let total: f64 = exp.iter().sum();
        for (&class, e) in present.iter().zip(&exp) {
            proba[[row, class]] = e / total;
        }
    }
    proba
}

/// A fitted logistic regression: one linear score per present class (one for two classes).
pub(super) struct Logistic {
    present: Vec<usize>,
    n_classes: usize,
    /// `(n_scores, n_features)` weights and one intercept per score.
    weights: Array2<f64>,
    intercepts: Vec<f64>,
}

pub(super) fn fit_logistic(params: &LogisticRegressionParams, train: TrainingSet<'_>) -> Result<Logistic, ModelError> {
    let present = train.present_classes();
    if present.len() < 2 {
        return Ok(Logistic {
            weights: Array2::zeros((0, train.x.ncols())),
            intercepts: Vec::new(),
            present,
            n_classes: train.n_classes,
        });
    }
    let x = dense(train.x)?;
    let y: Vec<u32> = train.y.iter().map(|&c| c as u32).collect();
    let parameters = LogisticRegressionParameters::default().with_alpha(1.0 / params.c);
    let model: LogisticRegression<f64, u32, DenseMatrix<f64>, Vec<u32>> =
        LogisticRegression::fit(&x, &y, parameters).map_err(|e| failed("logistic_regression", e))?;
    let (coefficients, intercept) = (model.coefficients(), model.intercept());
    let (n_scores, n_features) = coefficients.shape();
    let weights = Array2::from_shape_fn((n_scores, n_features), |(r, c)| *coefficients.get((r, c)));
    let intercepts = (0..n_scores).map(|r| *intercept.get((r, 0))).collect();
    Ok(Logistic { present, n_classes: train.n_classes, weights, intercepts })
}

impl FittedClassifier for Logistic {
    fn predict_proba(&self, x: ArrayView2<f64>) -> Result<Array2<f64>, ModelError> {
        if self.present.len() < 2 {
            return Ok(Array2::from_shape_fn((x.nrows(), self.n_classes), |(_, c)| f64::from(c == self.present[0])));
        }
        let linear = x.dot(&self.weights.t()) + &ndarray::Array1::from(self.intercepts.clone());
        let scores: Vec<Vec<f64>> = if self.present.len() == 2 {
            // One score for the second class against the first: softmax of (0, z) is the sigmoid.
            linear.rows().into_iter().map(|z| vec![0.0, z[0]]).collect()
        } else {
            linear.rows().into_iter().map(|z| z.to_vec()).collect()
        };
        Ok(softmax_into(&scores, &self.present, self.n_classes))
    }
}

type Tree = RandomForestClassifier<f64, u32, DenseMatrix<f64>, Vec<u32>>;

/// A fitted forest: each tree is a one-tree smartcore forest with its own seed (its bootstrap
/// sample and the features it tries per split), so the trees' votes can be counted.
pub(super) struct Forest {
    trees: Vec<Tree>,
    n_classes: usize,
}

pub(super) fn fit_forest(
    params: &RandomForestParams,
    train: TrainingSet<'_>,
    rng: &mut ChaCha8Rng,
) -> Result<Forest, ModelError> {
    let x = dense(train.x)?;
    let y: Vec<u32> = train.y.iter().map(|&c| c as u32).collect();
    let seeds: Vec<u64> = (0..params.n_estimators).map(|_| rng.gen()).collect();
    let trees = seeds
        .into_par_iter()
        .map(|seed| {
            let mut p = RandomForestClassifierParameters::default()
                .with_n_trees(1)
                .with_min_samples_split(params.min_samples_split)
                .with_min_samples_leaf(params.min_samples_leaf)
                .with_seed(seed);
            if let Some(depth) = params.max_depth {
                p = p.with_max_depth(depth);
            }
            Tree::fit(&x, &y, p).map_err(|e| failed("random_forest", e))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Forest { trees, n_classes: train.n_classes })
}

impl FittedClassifier for Forest {
    fn predict_proba(&self, x: ArrayView2<f64>) -> Result<Array2<f64>, ModelError> {
        let dx = dense(x)?;
        let mut votes = Array2::zeros((x.nrows(), self.n_classes));
        for tree in &self.trees {
            let predicted = tree.predict(&dx).map_err(|e| failed("random_forest", e))?;
            for (row, &class) in predicted.iter().enumerate() {
                votes[[row, class as usize]] += 1.0;
            }
        }
        Ok(votes / self.trees.len() as f64)
    }
}

/// Fitted one-vs-rest machines (linfa-svm; smartcore's SVC keeps only the first n_samples
/// features of each support vector when there are more features than rows, so it cannot take
/// log-mel images or small folds). Probabilities are the softmax of the machines' decision
/// values.
pub(super) struct Svm {
    /// One machine per present class (one for two classes: the second against the first).
    machines: Vec<linfa_svm::Svm<f64, bool>>,
    present: Vec<usize>,
    n_classes: usize,
}

pub(super) fn fit_svm(params: &SvmParams, train: TrainingSet<'_>) -> Result<Svm, ModelError> {
    use linfa::prelude::*;
    let gamma = params.gamma.unwrap_or_else(|| {
        // scikit-learn's "scale": 1 / (n_features · X.var()), the variance of every entry.
        let n = train.x.len() as f64;
        let mean = train.x.sum() / n;
        let var = train.x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
        if var > 0.0 {
            1.0 / (train.x.ncols() as f64 * var)
        } else {
            1.0
        }
    });
    let present = train.present_classes();
    let against: Vec<usize> = match present.len() {
        0 | 1 => Vec::new(),
        2 => vec![present[1]],
        _ => present.clone(),
    };
    let records = train.x.to_owned();
    let machines = against
        .par_iter()
        .map(|&class| {
            let targets: ndarray::Array1<bool> = train.y.iter().map(|&c| c == class).collect();
            let dataset = linfa::Dataset::new(records.clone(), targets);
            // linfa's Gaussian kernel is exp(−‖x − y‖² / eps): eps = 1 / gamma.
            linfa_svm::Svm::<f64, bool>::params()
                .pos_neg_weights(params.c, params.c)
                .gaussian_kernel(1.0 / gamma)
                .fit(&dataset)
                .map_err(|e| failed("svm", e))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Svm { machines, present, n_classes: train.n_classes })
}

impl FittedClassifier for Svm {
    fn predict_proba(&self, x: ArrayView2<f64>) -> Result<Array2<f64>, ModelError> {
        if self.present.len() < 2 {
            return Ok(Array2::from_shape_fn((x.nrows(), self.n_classes), |(_, c)| f64::from(c == self.present[0])));
        }
        let scores: Vec<Vec<f64>> = x
            .rows()
            .into_iter()
            .map(|row| {
                let decisions = self.machines.iter().map(|m| m.weighted_sum(&row) - m.rho);
                if self.present.len() == 2 {
                    std::iter::once(0.0).chain(decisions).collect()
                } else {
                    decisions.collect()
                }
            })
            .collect();
        Ok(softmax_into(&scores, &self.present, self.n_classes))
    }
}

//! Classifiers behind one seam: [`ClassifierModel`] names a model and its parameters (as a spec
//! writes them), [`ClassifierModel::fit`] trains it on a [`TrainingSet`] and returns a
//! [`FittedClassifier`] that gives class probabilities for new rows.
//!
//! Every model predicts the class of highest probability (the first, on ties), so predictions
//! and the probabilities behind ROC curves never disagree. Classes are `0..n_classes`; a class
//! missing from a fold's training rows gets probability 0.
//!
//! Foreign crates (smartcore, linfa-svm, perpetual, burn, XGBoost) stay inside this module.

mod baseline;
mod boosting;
mod classical;
mod cnn;
mod cnn_boosting;
#[cfg(feature = "xgboost")]
mod xgboost;

use ndarray::{Array2, ArrayView2};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

pub use baseline::{MajorityParams, StratifiedParams};
pub use boosting::{balanced_sample_weights, BoostingEngine, BoostingParams, ClassWeight};
pub use classical::{LogisticRegressionParams, RandomForestParams, SvmParams};
pub use cnn::{CnnArchitecture, CnnParams, EpochRecord, FittedCnn};
pub use cnn_boosting::CnnBoostingParams;

use super::ModelError;

/// Rows a classifier is trained on.
#[derive(Debug, Clone, Copy)]
pub struct TrainingSet<'a> {
    /// Features, one row per example.
    pub x: ArrayView2<'a, f64>,
    /// Class of each row, in `0..n_classes`.
    pub y: &'a [usize],
    /// Number of classes of the study (some may be absent from `y`).
    pub n_classes: usize,
    /// Rows held out for early stopping (features, classes), for the models that stop early.
    pub val: Option<(ArrayView2<'a, f64>, &'a [usize])>,
    /// `[height, width]` of each row's image, for an image recipe (the CNN needs one).
    pub image_shape: Option<[usize; 2]>,
    /// Each row's group (speaker) when the study groups rows, so a model that splits its
    /// training rows again (`cnn_boosting`) keeps each group on one side.
    pub groups: Option<&'a [String]>,
}

impl TrainingSet<'_> {
    /// Checks shapes and values once, for every model.
    fn check(&self) -> Result<(), ModelError> {
        if self.x.nrows() != self.y.len() {
            return Err(ModelError::Fit {
                model: "classifier",
                reason: format!("{} rows but {} labels", self.x.nrows(), self.y.len()),
            });
        }
        if self.x.nrows() == 0 {
            return Err(ModelError::TooFewRows { n_clusters: self.n_classes, n_rows: 0 });
        }
        if self.x.ncols() == 0 {
            return Err(ModelError::NoFeatures { n_rows: self.x.nrows() });
        }
        if self.x.iter().any(|v| !v.is_finite()) {
            return Err(ModelError::NonFinite);
        }
        if let Some(&bad) = self.y.iter().find(|&&c| c >= self.n_classes) {
            return Err(ModelError::Fit {
                model: "classifier",
                reason: format!("class {bad} outside 0..{}", self.n_classes),
            });
        }
        Ok(())
    }

    /// The distinct classes present, ascending.
    fn present_classes(&self) -> Vec<usize> {
        let mut seen = vec![false; self.n_classes];
        for &c in self.y {
            seen[c] = true;
        }
        (0..self.n_classes).filter(|&c| seen[c]).collect()
    }
}

/// A trained classifier.
pub trait FittedClassifier: Send + Sync {
    /// Probability of each class (columns `0..n_classes`) for each row of `x`; rows sum to 1.
    fn predict_proba(&self, x: ArrayView2<f64>) -> Result<Array2<f64>, ModelError>;

    /// Importance of each input column (normalised to sum 1), for models that define one.
    fn feature_importances(&self) -> Option<Vec<f64>> {
        None
    }

    /// Loss and accuracy per training epoch, for models trained in epochs.
    fn history(&self) -> Option<&[EpochRecord]> {
        None
    }
}

/// The class of highest probability in each row (the first, on ties).
#[must_use]
pub fn argmax_rows(proba: &Array2<f64>) -> Vec<usize> {
    proba
        .rows()
        .into_iter()
        .map(|row| {
            row.iter()
                .enumerate()
                .fold((0, f64::NEG_INFINITY), |best, (c, &p)| if p > best.1 { (c, p) } else { best })
                .0
        })
        .collect()
}

/// One classifier and its parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(remote = "Self", tag = "name", rename_all = "snake_case")]
pub enum ClassifierModel {
    /// Always the most frequent training class (scikit-learn's `DummyClassifier(strategy="prior")`).
    Majority(MajorityParams),
    /// Random classes drawn with the training class frequencies
    /// (`DummyClassifier(strategy="stratified")`).
    Stratified(StratifiedParams),
    /// Multinomial logistic regression with an L2 penalty (smartcore).
    LogisticRegression(LogisticRegressionParams),
    /// A random forest of CART trees on bootstrap samples with √features tried per split
    /// (smartcore's trees).
    RandomForest(RandomForestParams),
    /// Support-vector machines with an RBF kernel, one per class against the rest (linfa-svm).
    Svm(SvmParams),
    /// Gradient-boosted trees with balanced class weights (perpetual).
    Boosting(BoostingParams),
    /// A convolutional network on log-mel images (burn), the notebook's §9.1–9.2.
    Cnn(CnnParams),
    /// Gradient-boosted trees on a CNN's embeddings, cross-fitted (the notebook's §9.4).
    CnnBoosting(CnnBoostingParams),
}

impl ClassifierModel {
    /// The name used in specs, metric keys, file names and `summary.csv` (the large CNN, written
    /// `{ name = "cnn", architecture = "large" }`, is reported as `cnn_large`, so one study can
    /// compare both networks).
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Self::Majority(_) => "majority",
            Self::Stratified(_) => "stratified",
            Self::LogisticRegression(_) => "logistic_regression",
            Self::RandomForest(_) => "random_forest",
            Self::Svm(_) => "svm",
            Self::Boosting(_) => "boosting",
            Self::Cnn(p) if p.architecture == CnnArchitecture::Large => "cnn_large",
            Self::Cnn(_) => "cnn",
            Self::CnnBoosting(_) => "cnn_boosting",
        }
    }

    /// The shipped baselines and classical models, compared in every classify study by default.
    #[must_use]
    pub fn defaults() -> Vec<Self> {
        vec![
            Self::Majority(MajorityParams::default()),
            Self::Stratified(StratifiedParams::default()),
            Self::LogisticRegression(LogisticRegressionParams::default()),
            Self::RandomForest(RandomForestParams::default()),
            Self::Svm(SvmParams::default()),
            Self::Boosting(BoostingParams::default()),
        ]
    }

    /// Whether the model reads images (an image recipe such as `logmel128`), not vectors.
    #[must_use]
    pub fn needs_images(&self) -> bool {
        matches!(self, Self::Cnn(_) | Self::CnnBoosting(_))
    }

    /// Whether the model keeps validation rows apart (the CNNs, and XGBoost with early
    /// stopping: they watch them to stop), so it trains without them; the others train on them
    /// too.
    #[must_use]
    pub fn uses_validation(&self) -> bool {
        match self {
            Self::Cnn(_) | Self::CnnBoosting(_) => true,
            Self::Boosting(p) => p.uses_validation(),
            _ => false,
        }
    }

    /// Checks every parameter.
    pub fn validate(&self) -> Result<(), ModelError> {
        match self {
            Self::Majority(_) | Self::Stratified(_) => Ok(()),
            Self::LogisticRegression(p) => p.validate(),
            Self::RandomForest(p) => p.validate(),
            Self::Svm(p) => p.validate(),
            Self::Boosting(p) => p.validate(),
            Self::Cnn(p) => p.validate(),
            Self::CnnBoosting(p) => p.validate(),
        }
    }

    /// The parameters as `name=value;...` (for `summary.csv`), values spelled as Python
    /// writes them (`None`, `True`), as the clustering rows are; nested tables as dotted names
    /// (`cnn.epochs=10`).
    #[must_use]
    pub fn params_text(&self) -> String {
        fn flatten(prefix: &str, value: &serde_json::Value, out: &mut Vec<String>) {
            match value {
                serde_json::Value::Object(fields) => {
                    for (name, value) in
                        fields.iter().filter(|(name, _)| !(prefix.is_empty() && name.as_str() == "name"))
                    {
                        let path = if prefix.is_empty() { name.clone() } else { format!("{prefix}.{name}") };
                        flatten(&path, value, out);
                    }
                }
                other => out.push(format!("{prefix}={}", super::cluster_model::python_literal(other))),
            }
        }
        let mut out = Vec::new();
        flatten("", &serde_json::to_value(self).expect("model parameters serialise"), &mut out);
        out.join(";")
    }

    /// Trains the model on `train`; `rng` is the model's own stream for this fold.
    pub fn fit(&self, train: TrainingSet<'_>, rng: &mut ChaCha8Rng) -> Result<Box<dyn FittedClassifier>, ModelError> {
        self.validate()?;
        train.check()?;
        match self {
            Self::Majority(_) => Ok(Box::new(baseline::fit_majority(train))),
            Self::Stratified(_) => Ok(Box::new(baseline::fit_stratified(train, rng))),
            Self::LogisticRegression(p) => Ok(Box::new(classical::fit_logistic(p, train)?)),
            Self::RandomForest(p) => Ok(Box::new(classical::fit_forest(p, train, rng)?)),
            Self::Svm(p) => Ok(Box::new(classical::fit_svm(p, train)?)),
            Self::Boosting(p) => boosting::fit_trees(p, train, rng),
            Self::Cnn(p) => Ok(Box::new(cnn::fit_cnn(p, train, rng)?)),
            Self::CnnBoosting(p) => Ok(Box::new(cnn_boosting::fit_cnn_boosting(p, train, rng)?)),
        }
    }
}

impl Serialize for ClassifierModel {
    /// `{ name, ...parameters }`.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        ClassifierModel::serialize(self, serializer)
    }
}

impl<'de> Deserialize<'de> for ClassifierModel {
    /// A name (`"svm"`, every parameter at its default) or a table tagged by `name`.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let table = match serde_json::Value::deserialize(deserializer)? {
            serde_json::Value::String(name) => serde_json::json!({ "name": name }),
            table @ serde_json::Value::Object(_) => table,
            other => {
                return Err(D::Error::custom(format!(
                    "a classifier is a name (\"svm\") or a table ({{ name = \"svm\", c = 10.0 }}), got {other}"
                )))
            }
        };
        ClassifierModel::deserialize(table).map_err(D::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;
    use rand::SeedableRng;

    fn parse(toml_value: &str) -> Result<ClassifierModel, String> {
        #[derive(Deserialize)]
        struct Holder {
            model: ClassifierModel,
        }
        toml::from_str::<Holder>(&format!("model = {toml_value}")).map(|h| h.model).map_err(|e| e.to_string())
    }

    #[test]
    fn a_name_or_a_table_names_a_classifier() {
        assert_eq!(parse("\"svm\""), Ok(ClassifierModel::Svm(SvmParams::default())));
        assert_eq!(
            parse("{ name = \"logistic_regression\", c = 0.5 }"),
            Ok(ClassifierModel::LogisticRegression(LogisticRegressionParams { c: 0.5 }))
        );
        let unknown = parse("{ name = \"svm\", kernel = \"linear\" }").expect_err("unknown field");
        assert!(unknown.contains("kernel"), "{unknown}");
        let unknown_model = parse("\"knn\"").expect_err("unknown model");
        assert!(unknown_model.contains("knn") && unknown_model.contains("random_forest"), "{unknown_model}");
    }

    #[test]
    fn serialising_and_reading_back_gives_the_same_model() {
        for model in ClassifierModel::defaults() {
            let json = serde_json::to_value(&model).unwrap();
            assert_eq!(json["name"], model.name());
            assert_eq!(serde_json::from_value::<ClassifierModel>(json).unwrap(), model);
        }
    }

    #[test]
    fn every_model_learns_two_separated_blobs_and_gives_probabilities() {
        let x = array![[0.0, 0.1], [0.2, 0.0], [0.1, 0.3], [5.0, 5.1], [5.2, 4.9], [4.8, 5.0], [0.3, 0.2], [5.1, 5.3]];
        let y = [0, 0, 0, 1, 1, 1, 0, 1];
        let train = TrainingSet { x: x.view(), y: &y, n_classes: 3, val: None, image_shape: None, groups: None };
        let test = array![[0.05, 0.05], [5.05, 5.0]];
        for model in ClassifierModel::defaults() {
            let fitted = model.fit(train, &mut ChaCha8Rng::seed_from_u64(1)).unwrap();
            let proba = fitted.predict_proba(test.view()).unwrap();
            assert_eq!(proba.dim(), (2, 3), "{}", model.name());
            for row in proba.rows() {
                assert!((row.sum() - 1.0).abs() < 1e-9, "{}: {row}", model.name());
                assert_eq!(row[2], 0.0, "{}: class 2 never seen", model.name());
            }
            if !matches!(model, ClassifierModel::Majority(_) | ClassifierModel::Stratified(_)) {
                assert_eq!(argmax_rows(&proba), vec![0, 1], "{}", model.name());
            }
        }
    }

    #[test]
    fn refuses_labels_outside_the_classes_and_non_finite_rows() {
        let x = array![[0.0], [1.0]];
        let model = ClassifierModel::Majority(MajorityParams::default());
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        assert!(model
            .fit(
                TrainingSet { x: x.view(), y: &[0, 2], n_classes: 2, val: None, image_shape: None, groups: None },
                &mut rng
            )
            .is_err());
        let nan = array![[0.0], [f64::NAN]];
        assert_eq!(
            model
                .fit(
                    TrainingSet { x: nan.view(), y: &[0, 1], n_classes: 2, val: None, image_shape: None, groups: None },
                    &mut rng
                )
                .err(),
            Some(ModelError::NonFinite)
        );
    }
}

//! `boosting` with `engine = "xgboost"` against Python's `XGBClassifier` (xgboost 3.2.0, the
//! reference's pinned version) on the same rows: probabilities equal to 1e-6 (XGBoost works in
//! float32) for 3 classes with and without balanced weights, with early stopping on validation
//! rows, and for 2 classes (`binary:logistic`). Fixture and script: `tests/fixtures/xgboost/`.
//! Only in builds with the `xgboost` feature (`.ci/run` runs it).
#![cfg(feature = "xgboost")]

use ndarray::{s, Array2};
use rand::SeedableRng;
use vlogmood::models::classifier::{BoostingEngine, BoostingParams, ClassWeight};
use vlogmood::models::{ClassifierModel, TrainingSet};

#[derive(serde::Deserialize)]
struct Fixture {
    xgboost: String,
    n_train: usize,
    n_val: usize,
    x: Vec<Vec<f64>>,
    cases: Vec<Case>,
}

#[derive(serde::Deserialize)]
struct Case {
    name: String,
    y: Vec<usize>,
    class_weight: String,
    n_estimators: usize,
    early_stopping_rounds: Option<usize>,
    proba: Vec<Vec<f64>>,
}

#[test]
fn xgboost_probabilities_equal_pythons_xgbclassifier() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/xgboost/xgboost_cases.json");
    let fixture: Fixture = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let width = fixture.x[0].len();
    let x = Array2::from_shape_vec((fixture.x.len(), width), fixture.x.concat()).unwrap();
    let (n, v) = (fixture.n_train, fixture.n_val);
    for case in &fixture.cases {
        let n_classes = case.y.iter().max().unwrap() + 1;
        let model = ClassifierModel::Boosting(BoostingParams {
            engine: BoostingEngine::Xgboost,
            class_weight: if case.class_weight == "balanced" { ClassWeight::Balanced } else { ClassWeight::None },
            n_estimators: Some(case.n_estimators),
            early_stopping_rounds: case.early_stopping_rounds,
            ..BoostingParams::default()
        });
        let train = TrainingSet {
            x: x.slice(s![..n, ..]),
            y: &case.y[..n],
            n_classes,
            val: Some((x.slice(s![n..n + v, ..]), &case.y[n..n + v])),
            image_shape: None,
            groups: None,
        };
        let fitted = model.fit(train, &mut rand_chacha::ChaCha8Rng::seed_from_u64(0)).unwrap();
        let proba = fitted.predict_proba(x.slice(s![n + v.., ..])).unwrap();
        for (row, expected) in proba.rows().into_iter().zip(&case.proba) {
            for (got, want) in row.iter().zip(expected) {
                assert!(
                    (got - want).abs() < 1e-6,
                    "{}: {row} vs {expected:?} (Python xgboost {})",
                    case.name,
                    fixture.xgboost
                );
            }
        }
        let importances = fitted.feature_importances().expect("trees have importances");
        assert!((importances.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        let signal: f64 = importances[..3].iter().sum();
        assert!(signal > 0.5, "{}: the 3 informative features carry most gain: {importances:?}", case.name);
    }
}

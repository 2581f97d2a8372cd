//! The `boosting` classifier against perpetual's own Python package (3.0.0rc2) on the same rows:
//! probabilities equal to 1e-9 with and without balanced class weights. Fixture and script:
//! `tests/fixtures/boosting/`.

use std::collections::BTreeMap;

use ndarray::{s, Array2};
use rand::SeedableRng;
use vlogmood::models::classifier::{BoostingParams, ClassWeight};
use vlogmood::models::{ClassifierModel, TrainingSet};

#[derive(serde::Deserialize)]
struct Fixture {
    n_train: usize,
    classes: Vec<String>,
    budget: f32,
    proba: BTreeMap<String, Vec<Vec<f64>>>,
}

#[test]
fn boosting_probabilities_equal_perpetuals_python_package() {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let fixture: Fixture =
        serde_json::from_str(&std::fs::read_to_string(fixtures.join("boosting/perpetual_mini.json")).unwrap()).unwrap();
    let x: Array2<f64> = ndarray_npy::read_npy(fixtures.join("runs/mini/features.npy")).unwrap();
    let files = std::fs::read_to_string(fixtures.join("runs/mini/files.txt")).unwrap();
    let labels = std::fs::read_to_string(fixtures.join("corpus/mini/labels.csv")).unwrap();
    let emotion: BTreeMap<&str, &str> =
        labels.lines().skip(1).map(|l| l.split(',').collect::<Vec<_>>()).map(|f| (f[0], f[1])).collect();
    let y: Vec<usize> =
        files.split_whitespace().map(|f| fixture.classes.iter().position(|c| c == emotion[f]).unwrap()).collect();
    let n = fixture.n_train;
    for (weighting, class_weight) in [("none", ClassWeight::None), ("balanced", ClassWeight::Balanced)] {
        let model = ClassifierModel::Boosting(BoostingParams {
            budget: fixture.budget,
            class_weight,
            ..BoostingParams::default()
        });
        let train = TrainingSet {
            x: x.slice(s![..n, ..]),
            y: &y[..n],
            n_classes: fixture.classes.len(),
            val: None,
            image_shape: None,
            groups: None,
        };
        let fitted = model.fit(train, &mut rand_chacha::ChaCha8Rng::seed_from_u64(0)).unwrap();
        let proba = fitted.predict_proba(x.slice(s![n.., ..])).unwrap();
        for (row, expected) in proba.rows().into_iter().zip(&fixture.proba[weighting]) {
            for (ours, theirs) in row.iter().zip(expected) {
                assert!((ours - theirs).abs() < 1e-9, "{weighting}: {row} vs {expected:?}");
            }
        }
    }
}

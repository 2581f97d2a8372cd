//! DBSCAN labels equal scikit-learn 1.9.1's exactly — cluster numbers and noise — on the
//! cases in `tests/fixtures/dbscan/cases.json` (made by `make_fixtures.py` there).

use std::path::Path;

use ndarray::Array2;
use serde::Deserialize;
use vlogmood::models::DbscanParams;

#[derive(Deserialize)]
struct Fixture {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    case: String,
    eps: f64,
    min_samples: usize,
    labels: Vec<i64>,
}

#[test]
fn labels_and_noise_equal_scikit_learns() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let fixture: Fixture =
        serde_json::from_str(&std::fs::read_to_string(fixtures.join("dbscan/cases.json")).expect("read"))
            .expect("json");
    let (mut n_noise, mut n_clusters) = (0, 0);
    for case in &fixture.cases {
        let x: Array2<f64> = ndarray_npy::read_npy(fixtures.join(format!("models/X_{}.npy", case.case))).expect("npy");
        let model = DbscanParams { eps: case.eps, min_samples: case.min_samples }.fit(x.view()).expect("fit");
        let ours: Vec<i64> = model.labels().iter().map(|l| l.map_or(-1, |c| c as i64)).collect();
        assert_eq!(ours, case.labels, "{} eps={} min_samples={}", case.case, case.eps, case.min_samples);
        n_noise += ours.iter().filter(|&&l| l == -1).count();
        n_clusters += model.n_clusters();
    }
    // The cases exercise both noise and several clusters.
    assert!(fixture.cases.len() >= 50 && n_noise > 100 && n_clusters > 50, "{n_noise} noise, {n_clusters} clusters");
}

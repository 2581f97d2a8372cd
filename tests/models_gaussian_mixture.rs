//! Gaussian mixtures equal scikit-learn 1.9.1's when EM starts from the same parameters
//! (`tests/fixtures/gaussian_mixture/cases.json`, made by `make_fixtures.py` there), for all
//! four covariance types.
//!
//! Tolerances: labels identical; iteration count and convergence identical; weights, means,
//! covariances, lower bound and score within 1e-8 relative (absolute floor 1e-10). EM repeats
//! the same arithmetic a few dozen times, and numpy's BLAS sums in another order than ndarray,
//! so round-off of ~1e-15 per step may grow but stays far below these bounds.

use std::path::Path;

use ndarray::{Array1, Array2, Array3};
use serde::Deserialize;
use vlogmood::models::{CovarianceType, GaussianMixtureParams};

#[derive(Deserialize)]
struct Fixture {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    case: String,
    k: usize,
    covariance_type: CovarianceType,
    init_rows: Vec<usize>,
    init_variance: f64,
    weights: Vec<f64>,
    means: Vec<Vec<f64>>,
    covariances: serde_json::Value,
    lower_bound: f64,
    n_iter: usize,
    converged: bool,
    labels: Vec<usize>,
    score: f64,
}

fn close(what: &str, ours: f64, theirs: f64) {
    let tolerance = 1e-8 * theirs.abs().max(ours.abs()) + 1e-10;
    assert!((ours - theirs).abs() <= tolerance, "{what}: {ours} vs {theirs}");
}

/// scikit-learn's `covariances_` expanded to `(k, d, d)`, as the model reports them.
fn expand(value: &serde_json::Value, kind: CovarianceType, k: usize, d: usize) -> Array3<f64> {
    let num = |v: &serde_json::Value| v.as_f64().expect("number");
    Array3::from_shape_fn((k, d, d), |(c, i, j)| match kind {
        CovarianceType::Full => num(&value[c][i][j]),
        CovarianceType::Tied => num(&value[i][j]),
        CovarianceType::Diag => {
            if i == j {
                num(&value[c][i])
            } else {
                0.0
            }
        }
        CovarianceType::Spherical => {
            if i == j {
                num(&value[c])
            } else {
                0.0
            }
        }
    })
}

#[test]
fn em_from_the_same_start_equals_scikit_learn() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let fixture: Fixture =
        serde_json::from_str(&std::fs::read_to_string(fixtures.join("gaussian_mixture/cases.json")).expect("read"))
            .expect("json");
    assert_eq!(fixture.cases.len(), 16);
    for case in &fixture.cases {
        let label = format!("{} {:?}", case.case, case.covariance_type);
        let x: Array2<f64> = ndarray_npy::read_npy(fixtures.join(format!("models/X_{}.npy", case.case))).expect("npy");
        let (k, d) = (case.k, x.ncols());
        let weights = Array1::from_elem(k, 1.0 / k as f64);
        let means = x.select(ndarray::Axis(0), &case.init_rows);
        let covariances = Array3::from_shape_fn((k, d, d), |(_, i, j)| if i == j { case.init_variance } else { 0.0 });
        let params =
            GaussianMixtureParams { n_components: k, covariance_type: case.covariance_type, ..Default::default() };
        let model = params.fit_from(x.view(), weights.view(), means.view(), &covariances).expect("fit");

        let labels: Vec<usize> = model.labels().iter().map(|l| l.expect("no noise")).collect();
        assert_eq!(labels, case.labels, "{label}");
        assert_eq!((model.n_iter(), model.converged()), (case.n_iter, case.converged), "{label}");
        close(&format!("{label} lower bound"), model.lower_bound(), case.lower_bound);
        close(&format!("{label} score"), model.score(x.view()), case.score);
        for (c, w) in case.weights.iter().enumerate() {
            close(&format!("{label} weight {c}"), model.weights()[c], *w);
        }
        for (c, row) in case.means.iter().enumerate() {
            for (j, m) in row.iter().enumerate() {
                close(&format!("{label} mean[{c},{j}]"), model.centroids()[[c, j]], *m);
            }
        }
        let expected = expand(&case.covariances, case.covariance_type, k, d);
        for ((index, ours), theirs) in model.covariance_matrices().indexed_iter().zip(expected.iter()) {
            close(&format!("{label} covariance{index:?}"), *ours, *theirs);
        }
    }
}

//! The metrics a run reports equal scikit-learn's on the run's own `features.npy` and
//! `assignments/` (fixtures made by `tests/fixtures/runs/make_fixtures.sh` with
//! scikit-learn 1.9.1).

mod util;

use std::collections::BTreeMap;

use ndarray::Array2;
use ndarray_npy::read_npy;

use util::{code, fixtures, stderr, vlogmood};

/// Relative tolerance against scikit-learn's formulas evaluated with exact distances.
const RTOL_EXACT: f64 = 1e-10;
/// Relative tolerance against plain scikit-learn, whose `sqrt(|x|² − 2x·y + |y|²)` distances
/// lose ~1e-8 relative on standardised data (vlogmood computes `sqrt(Σ(x − y)²)`).
const RTOL_SKLEARN: f64 = 1e-7;

#[test]
fn run_metrics_equal_scikit_learn_on_the_runs_own_outputs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let spec = std::fs::read_to_string(fixtures().join("runs/mini_spec.toml")).expect("spec");
    let corpus = fixtures().join("corpus/mini");
    std::fs::write(dir.path().join("exp.toml"), spec.replace("CORPUS", &corpus.display().to_string())).expect("w");
    let out = vlogmood(dir.path(), &["run", "exp", "--no-cache"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let run = dir.path().join(String::from_utf8_lossy(&out.stdout).lines().last().expect("folder"));
    let expected = fixtures().join("runs/mini");

    // The fixture was computed from these outputs: the same rows and clusters, and features
    // equal up to float rounding (the reference values are only valid for this matrix).
    for file in ["files.txt", "assignments/grid_kmeans.csv", "assignments/k_sweep_kmeans_k3.csv"] {
        assert_eq!(
            std::fs::read(run.join(file)).expect("run"),
            std::fs::read(expected.join(file)).expect("fixture"),
            "{file}"
        );
    }
    let ours: Array2<f64> = read_npy(run.join("features.npy")).expect("run features");
    let fixture: Array2<f64> = read_npy(expected.join("features.npy")).expect("fixture features");
    assert_eq!(ours.dim(), fixture.dim());
    let max_diff = ours.iter().zip(fixture.iter()).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
    assert!(max_diff <= 1e-9, "features drifted from the fixture by {max_diff}; regenerate it");
    let metrics: BTreeMap<String, f64> =
        serde_json::from_str(&std::fs::read_to_string(run.join("metrics.json")).expect("metrics")).expect("json");
    let sklearn: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(expected.join("sklearn.json")).expect("sklearn")).expect("json");
    for (reference, rtol) in [("exact", RTOL_EXACT), ("metrics", RTOL_SKLEARN)] {
        let values = sklearn[reference].as_object().expect("reference values");
        assert!(values.len() >= 4);
        for (key, want) in values {
            let want = want.as_f64().expect("number");
            let got = metrics.get(key).unwrap_or_else(|| panic!("{key} missing from metrics.json"));
            assert!((got - want).abs() <= rtol * want.abs(), "{key}: {got} vs {reference} {want} (rtol {rtol})");
        }
    }
}

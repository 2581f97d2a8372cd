//! Parity of `vlogmood::models::birch` with scikit-learn 1.9.1's `Birch`, on the golden values
//! in `tests/fixtures/models/birch.json` (made by `make_fixtures_birch_som.py` there; versions
//! in `versions_birch_som.json`).
//!
//! Per case (matrix, threshold, branching factor, n_clusters; small branching factors split
//! leaves and non-leaf nodes, trees up to 19 levels deep):
//!
//! - `subcluster_centers_`: same count and order, each value within `RTOL = 1e-10` relative
//!   (absolute floor `ATOL = 1e-12` for values near 0);
//! - `subcluster_labels_` and `labels_`: equal, numbering included (so ARI = 1);
//! - the "fewer subclusters than n_clusters" case flagged exactly when scikit-learn warns.
//!
//! Run with `--nocapture` to see the largest relative centre difference and the fit time.

use std::path::{Path, PathBuf};

use ndarray::Array2;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Deserialize;
use vlogmood::metrics::adjusted_rand_score;
use vlogmood::models::BirchParams;

const RTOL: f64 = 1e-10;
const ATOL: f64 = 1e-12;

#[derive(Deserialize)]
struct Fixture {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    x: String,
    threshold: f64,
    branching_factor: usize,
    n_clusters: Option<usize>,
    n_subclusters: usize,
    depth: usize,
    too_few_subclusters: bool,
    subcluster_centers: Vec<Vec<f64>>,
    subcluster_labels: Vec<usize>,
    labels: Vec<usize>,
}

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/models")
}

fn load() -> Fixture {
    let text = std::fs::read_to_string(fixture_dir().join("birch.json")).expect("birch.json");
    serde_json::from_str(&text).expect("birch.json parses")
}

fn matrix(file: &str) -> Array2<f64> {
    ndarray_npy::read_npy(fixture_dir().join(file)).expect("fixture .npy reads as f64 (n, d)")
}

fn rel(a: f64, b: f64) -> f64 {
    if a == b {
        0.0
    } else {
        (a - b).abs() / b.abs().max(ATOL / RTOL)
    }
}

#[test]
fn birch_matches_scikit_learn() {
    let mut worst = 0.0_f64;
    let mut n_cases = 0;
    for case in load().cases {
        let x = matrix(&case.x);
        let params = BirchParams {
            threshold: case.threshold,
            branching_factor: case.branching_factor,
            n_clusters: case.n_clusters,
            compute_labels: true,
        };
        let what = format!("{} t={} bf={} k={:?}", case.x, case.threshold, case.branching_factor, case.n_clusters);
        let start = std::time::Instant::now();
        let model = params.fit(x.view(), &mut ChaCha8Rng::seed_from_u64(0)).expect("fit succeeds");
        let elapsed = start.elapsed();

        let centers = model.subcluster_centers();
        assert_eq!(centers.nrows(), case.n_subclusters, "{what}: subcluster count");
        for (i, expected) in case.subcluster_centers.iter().enumerate() {
            for (j, &e) in expected.iter().enumerate() {
                let r = rel(centers[[i, j]], e);
                assert!(r <= RTOL, "{what}: centre [{i}, {j}] {} vs {e} (rel {r:e})", centers[[i, j]]);
                worst = worst.max(r);
            }
        }
        assert_eq!(model.subcluster_labels(), case.subcluster_labels.as_slice(), "{what}: subcluster_labels_");
        assert_eq!(model.too_few_subclusters(), case.too_few_subclusters, "{what}: warning case");

        let labels: Vec<usize> = model.labels().iter().map(|l| l.expect("BIRCH labels every row")).collect();
        assert_eq!(labels, case.labels, "{what}: labels_");
        assert_eq!(adjusted_rand_score(&labels, &case.labels).expect("ari"), 1.0);
        assert_eq!(model.assign(x.view()), labels, "{what}: assign = predict on the fitted rows");
        let distinct = case.subcluster_labels.iter().copied().max().map_or(0, |m| m + 1);
        assert_eq!(model.n_clusters(), distinct, "{what}: n_clusters");
        assert_eq!(model.centroids().nrows(), distinct);
        println!(
            "{what}: {} subclusters, depth {}, fit {:.2} ms",
            case.n_subclusters,
            case.depth,
            elapsed.as_secs_f64() * 1e3
        );
        n_cases += 1;
    }
    assert!(n_cases >= 20, "only {n_cases} cases");
    println!("largest relative subcluster-centre difference: {worst:e}");
}

#[test]
fn centroids_are_the_clusters_cf_means() {
    let x = matrix("X_birch_blobs_n300_d3.npy");
    let params = BirchParams { threshold: 0.8, branching_factor: 4, n_clusters: Some(5), compute_labels: true };
    let model = params.fit(x.view(), &mut ChaCha8Rng::seed_from_u64(0)).expect("fit");
    // Σ N·c over a cluster's subclusters / Σ N equals its CF mean up to rounding.
    let sizes = model.subcluster_sizes();
    assert_eq!(sizes.iter().sum::<usize>(), x.nrows());
    for c in 0..model.n_clusters() {
        let mut sum = vec![0.0; x.ncols()];
        let mut n = 0;
        for (s, &label) in model.subcluster_labels().iter().enumerate() {
            if label == c {
                for (acc, v) in sum.iter_mut().zip(model.subcluster_centers().row(s)) {
                    *acc += sizes[s] as f64 * v;
                }
                n += sizes[s];
            }
        }
        for (j, acc) in sum.iter().enumerate() {
            assert!((acc / n as f64 - model.centroids()[[c, j]]).abs() < 1e-9);
        }
    }
}

#[test]
fn compute_labels_off_leaves_labels_empty_but_assign_works() {
    let x = matrix("X_blobs_n60_d2.npy");
    let params = BirchParams { compute_labels: false, ..BirchParams::default() };
    let model = params.fit(x.view(), &mut ChaCha8Rng::seed_from_u64(0)).expect("fit");
    assert!(model.labels().is_empty());
    assert_eq!(model.assign(x.view()).len(), x.nrows());
}

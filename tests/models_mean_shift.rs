//! Parity of `vlogmood::models::mean_shift` with scikit-learn 1.9.1, on the golden values in
//! `tests/fixtures/models/mean_shift.json` (made by `make_fixtures_cluster2.py` there; versions
//! in `versions_cluster2.json`).
//!
//! - Labels: equal to `MeanShift(...).labels_` element by element (same numbering, same noise
//!   rows), for several bandwidths with `bin_seeding` and `cluster_all` on and off.
//! - Centres: `cluster_centers_` within `CENTRE_RTOL = 1e-9` of each centre's largest absolute
//!   coordinate; `n_iter_` equal; the binning fallback flagged where scikit-learn warned.
//! - `estimate_bandwidth(X, quantile)` within `BANDWIDTH_RTOL = 1e-12` relative. Exception: where
//!   the k-th neighbour is the row itself or a duplicate, scikit-learn's brute-force search
//!   reports the rounding residue of `‖x‖² − 2x·y + ‖y‖²` (up to ~1e-7) and we report 0; those
//!   cases must agree within `RESIDUE_ATOL = 1e-6` absolute and are counted.
//! - Errors where scikit-learn raises: bandwidth 0 (rejected param), no bin seed.
//!
//! Run with `--nocapture` to see the largest differences and the fit time on the 120 × 45 matrix.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use ndarray::Array2;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Deserialize;
use vlogmood::models::{estimate_bandwidth, MeanShiftParams, ModelError};

const CENTRE_RTOL: f64 = 1e-9;
const BANDWIDTH_RTOL: f64 = 1e-12;
const RESIDUE_ATOL: f64 = 1e-6;

#[derive(Deserialize)]
struct Fixture {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    x: String,
    estimate_bandwidth: BTreeMap<String, f64>,
    estimate_bandwidth_n_samples_n: f64,
    fits: Vec<Fit>,
}

#[derive(Deserialize)]
struct Fit {
    bandwidth: Option<f64>,
    bin_seeding: bool,
    min_bin_freq: usize,
    cluster_all: bool,
    max_iter: usize,
    error: Option<String>,
    bandwidth_used: Option<f64>,
    labels: Option<Vec<i64>>,
    cluster_centers: Option<Vec<Vec<f64>>>,
    n_iter: Option<usize>,
    binning_failed: Option<bool>,
}

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/models")
}

fn load() -> Fixture {
    let text = std::fs::read_to_string(fixture_dir().join("mean_shift.json")).expect("mean_shift.json");
    serde_json::from_str(&text).expect("mean_shift.json parses")
}

fn matrix(file: &str) -> Array2<f64> {
    ndarray_npy::read_npy(fixture_dir().join(file)).expect("fixture .npy reads as f64 (n, d)")
}

fn rng() -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(0)
}

fn rel(a: f64, b: f64) -> f64 {
    if a == b {
        0.0
    } else {
        (a - b).abs() / b.abs()
    }
}

fn sklearn_labels(labels: &[i64]) -> Vec<Option<usize>> {
    labels.iter().map(|&l| usize::try_from(l).ok()).collect()
}

#[test]
fn estimate_bandwidth_equals_scikit_learn() {
    let (mut worst, mut checked, mut residues) = (0.0_f64, 0, 0);
    for case in load().cases {
        let x = matrix(&case.x);
        for (q, &expected) in &case.estimate_bandwidth {
            let quantile: f64 = q.parse().expect("quantile");
            let ours = estimate_bandwidth(x.view(), quantile, None, &mut rng()).expect("estimate");
            if ours == 0.0 && expected != 0.0 {
                assert!(expected < RESIDUE_ATOL, "{} q={q}: ours 0, sklearn {expected}", case.name);
                residues += 1;
            } else {
                assert!(rel(ours, expected) <= BANDWIDTH_RTOL, "{} q={q}: {ours} vs {expected}", case.name);
                worst = worst.max(rel(ours, expected));
            }
            checked += 1;
        }
        // n_samples = n: a permutation of all rows, the same estimate up to summation order
        let n = x.nrows();
        let ours = estimate_bandwidth(x.view(), 0.3, Some(n), &mut rng()).expect("estimate");
        let expected = case.estimate_bandwidth_n_samples_n;
        if ours == 0.0 && expected != 0.0 {
            assert!(expected < RESIDUE_ATOL);
            residues += 1;
        } else {
            assert!(rel(ours, expected) <= BANDWIDTH_RTOL, "{} n_samples=n: {ours} vs {expected}", case.name);
            worst = worst.max(rel(ours, expected));
        }
        checked += 1;
    }
    println!(
        "estimate_bandwidth: {checked} values, largest relative difference {worst:.3e}; \
         {residues} self/duplicate-distance residues of sklearn's brute-force search"
    );
}

#[test]
fn fits_equal_scikit_learn() {
    let (mut worst_centre, mut worst_bandwidth) = (0.0_f64, 0.0_f64);
    let (mut fits, mut errors, mut with_noise) = (0, 0, 0);
    for case in load().cases {
        let x = matrix(&case.x);
        for fit in &case.fits {
            let params = MeanShiftParams {
                bandwidth: fit.bandwidth,
                bin_seeding: fit.bin_seeding,
                min_bin_freq: fit.min_bin_freq,
                cluster_all: fit.cluster_all,
                max_iter: fit.max_iter,
                ..Default::default()
            };
            let what = format!(
                "{} bandwidth={:?} bin_seeding={} min_bin_freq={} cluster_all={} max_iter={}",
                case.name, fit.bandwidth, fit.bin_seeding, fit.min_bin_freq, fit.cluster_all, fit.max_iter
            );
            let result = params.fit(x.view(), &mut rng());
            if let Some(message) = &fit.error {
                let expected_param_error = message.contains("'bandwidth' parameter");
                match result {
                    Err(ModelError::InvalidParam { param: "bandwidth", .. }) if expected_param_error => {}
                    Err(ModelError::Fit { .. }) if !expected_param_error => {}
                    other => panic!("{what}: sklearn raised {message:?}, we gave {other:?}"),
                }
                errors += 1;
                continue;
            }
            let model = result.unwrap_or_else(|e| panic!("{what}: {e}"));
            let labels = sklearn_labels(fit.labels.as_deref().expect("labels"));
            assert_eq!(model.labels(), &labels[..], "{what}: labels");
            with_noise += usize::from(labels.contains(&None));
            let centres = fit.cluster_centers.as_ref().expect("centres");
            assert_eq!(model.n_clusters(), centres.len(), "{what}: number of centres");
            for (c, expected) in centres.iter().enumerate() {
                let scale = expected.iter().fold(0.0_f64, |m, v| m.max(v.abs())).max(f64::MIN_POSITIVE);
                let ours = model.centroids().row(c).to_vec();
                let diff = ours.iter().zip(expected).fold(0.0_f64, |m, (a, b)| m.max((a - b).abs())) / scale;
                assert!(diff <= CENTRE_RTOL, "{what}: centre {c} differs by {diff:e} relative");
                worst_centre = worst_centre.max(diff);
            }
            assert_eq!(Some(model.n_iter()), fit.n_iter, "{what}: n_iter");
            assert_eq!(Some(model.bin_seeding_fell_back()), fit.binning_failed.map(|f| f && fit.bin_seeding));
            let used = fit.bandwidth_used.expect("bandwidth_used");
            assert!(rel(model.bandwidth(), used) <= BANDWIDTH_RTOL, "{what}: bandwidth {}", model.bandwidth());
            worst_bandwidth = worst_bandwidth.max(rel(model.bandwidth(), used));
            fits += 1;
        }
    }
    assert!(fits >= 200 && errors >= 3 && with_noise >= 20, "{fits} fits, {errors} errors, {with_noise} with noise");
    println!(
        "mean shift: {fits} fits with labels equal to scikit-learn's ({with_noise} with noise rows), {errors} errors \
         as scikit-learn; largest centre difference {worst_centre:.3e} relative, bandwidth {worst_bandwidth:.3e}"
    );
}

#[test]
fn fit_time_on_the_seed45_matrix() {
    let x = matrix("X_seed45_std_n120_d45.npy");
    for params in [
        MeanShiftParams::default(),
        MeanShiftParams { bandwidth: Some(6.0), ..Default::default() },
        MeanShiftParams { bin_seeding: true, ..Default::default() },
    ] {
        let start = Instant::now();
        let model = params.fit(x.view(), &mut rng()).expect("fit");
        println!(
            "MeanShift {params:?} on 120 × 45: {:.2} ms, {} clusters, n_iter {}",
            start.elapsed().as_secs_f64() * 1e3,
            model.n_clusters(),
            model.n_iter()
        );
    }
}

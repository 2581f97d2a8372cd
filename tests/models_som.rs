//! Parity of `vlogmood::models::som` with MiniSom 2.3.6, on the golden values in
//! `tests/fixtures/models/som.json` and `som_*.npy` (made by `make_fixtures_birch_som.py`
//! there; versions in `versions_birch_som.json`).
//!
//! - Training runs (grids 1×4, 2×3, 3×3, 4×5; sigma 0.5–1.5; `train_random` with an explicit
//!   order and `train_batch`): from MiniSom's initial weights and order,
//!   [`SomParams::train_from`] must give MiniSom's final weights within `RTOL = 1e-10` relative
//!   (absolute floor `ATOL = 1e-12`) and exactly its winners, per fitted row.
//! - `pca_weights_init`: [`pca_weights`] equals MiniSom's weights within `PCA_TOL = 1e-9`
//!   absolute, after mirroring the grid along each axis whose principal axis came out of
//!   LAPACK with the other sign.
//!
//! Run with `--nocapture` to see the largest differences and the fit time.

use std::path::{Path, PathBuf};

use ndarray::{Array2, Array3};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Deserialize;
use vlogmood::models::{pca_weights, SomInit, SomParams, SomTrain};

const RTOL: f64 = 1e-10;
const ATOL: f64 = 1e-12;
const PCA_TOL: f64 = 1e-9;

#[derive(Deserialize)]
struct Fixture {
    runs: Vec<Run>,
    pca: Vec<PcaCase>,
}

#[derive(Deserialize)]
struct Run {
    name: String,
    x: String,
    rows: usize,
    cols: usize,
    sigma: f64,
    learning_rate: f64,
    n_iterations: usize,
    mode: String,
    w0_npy: String,
    w_npy: String,
    order: Vec<usize>,
    final_winners: Vec<usize>,
}

#[derive(Deserialize)]
struct PcaCase {
    name: String,
    x: String,
    rows: usize,
    cols: usize,
    weights_npy: String,
    pc1: Vec<f64>,
    pc2: Vec<f64>,
}

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/models")
}

fn load() -> Fixture {
    let text = std::fs::read_to_string(fixture_dir().join("som.json")).expect("som.json");
    serde_json::from_str(&text).expect("som.json parses")
}

fn matrix(file: &str) -> Array2<f64> {
    ndarray_npy::read_npy(fixture_dir().join(file)).expect("fixture .npy reads as f64 (n, d)")
}

fn cube(file: &str) -> Array3<f64> {
    ndarray_npy::read_npy(fixture_dir().join(file)).expect("fixture .npy reads as f64 (rows, cols, d)")
}

#[test]
fn training_matches_minisom() {
    let fixture = load();
    assert!(fixture.runs.len() >= 5);
    for run in &fixture.runs {
        let x = matrix(&run.x);
        let params = SomParams {
            rows: run.rows,
            cols: run.cols,
            sigma: run.sigma,
            learning_rate: run.learning_rate,
            n_iterations: run.n_iterations,
            train: if run.mode == "random" { SomTrain::Random } else { SomTrain::Batch },
            ..SomParams::default()
        };
        assert_eq!(run.order.len(), run.n_iterations);
        if run.mode == "batch" {
            let cycling: Vec<usize> = (0..run.n_iterations).map(|t| t % x.nrows()).collect();
            assert_eq!(run.order, cycling, "{}: train_batch's order", run.name);
        }
        let start = std::time::Instant::now();
        let model = params.train_from(x.view(), cube(&run.w0_npy), &run.order).expect("train");
        let elapsed = start.elapsed();
        let expected = cube(&run.w_npy);
        assert_eq!(model.weights().dim(), expected.dim());
        let mut worst = 0.0_f64;
        for (ours, theirs) in model.weights().iter().zip(expected.iter()) {
            let diff = (ours - theirs).abs();
            assert!(diff <= RTOL * theirs.abs() + ATOL, "{}: weight {ours} vs {theirs}", run.name);
            worst = worst.max(diff / theirs.abs().max(ATOL / RTOL));
        }
        assert_eq!(model.bmus(), run.final_winners.as_slice(), "{}: winners", run.name);
        println!(
            "{}: {} steps, largest relative weight difference {worst:e}, train {:.2} ms",
            run.name,
            run.order.len(),
            elapsed.as_secs_f64() * 1e3
        );
    }
}

#[test]
fn pca_init_matches_minisom_up_to_axis_signs() {
    for case in load().pca {
        let x = matrix(&case.x);
        let ours = pca_weights(x.view(), case.rows, case.cols).expect("pca init");
        let theirs = cube(&case.weights_npy);
        assert_eq!(ours.dim(), theirs.dim());
        // Our axes have their largest loading positive; MiniSom's keep LAPACK's sign.
        let flipped = |pc: &[f64]| {
            let largest = pc.iter().copied().fold(0.0_f64, |b, v| if v.abs() > b.abs() { v } else { b });
            largest < 0.0
        };
        let (flip_rows, flip_cols) = (flipped(&case.pc1), flipped(&case.pc2));
        let mut worst = 0.0_f64;
        for ((i, j, k), &value) in ours.indexed_iter() {
            let ti = if flip_rows { case.rows - 1 - i } else { i };
            let tj = if flip_cols { case.cols - 1 - j } else { j };
            let diff = (value - theirs[[ti, tj, k]]).abs();
            assert!(diff <= PCA_TOL, "{} [{i}, {j}, {k}]: {value} vs {}", case.name, theirs[[ti, tj, k]]);
            worst = worst.max(diff);
        }
        println!("{}: largest absolute pca-init difference {worst:e}", case.name);
    }
}

#[test]
fn fit_on_the_seed45_matrix() {
    let x = matrix("X_seed45_std_n120_d45.npy");
    for (init, train, merge_to_k) in
        [(SomInit::RandomRows, SomTrain::Random, None), (SomInit::Pca, SomTrain::Batch, Some(4))]
    {
        let params = SomParams {
            rows: 4,
            cols: 5,
            sigma: 1.5,
            n_iterations: 1000,
            init,
            train,
            merge_to_k,
            ..SomParams::default()
        };
        let start = std::time::Instant::now();
        let model = params.fit(x.view(), &mut ChaCha8Rng::seed_from_u64(45)).expect("fit");
        let elapsed = start.elapsed();
        let labels: Vec<usize> = model.labels().iter().map(|l| l.expect("labelled")).collect();
        assert_eq!(model.assign(x.view()), labels);
        assert!(labels.iter().all(|&l| l < model.n_clusters()));
        assert_eq!(model.centroids().nrows(), model.n_clusters());
        if let Some(k) = merge_to_k {
            assert_eq!(model.n_clusters(), k);
        }
        let again = params.fit(x.view(), &mut ChaCha8Rng::seed_from_u64(45)).expect("fit");
        assert_eq!(again, model, "same seed, same map");
        println!(
            "{init:?}/{train:?}/{merge_to_k:?}: {} clusters, fit {:.2} ms",
            model.n_clusters(),
            elapsed.as_secs_f64() * 1e3
        );
    }
}

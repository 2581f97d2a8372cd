//! Parity of `vlogmood::models::affinity_propagation` with scikit-learn 1.9.1, on the golden
//! values in `tests/fixtures/models/affinity_propagation.json` (made by
//! `make_fixtures_cluster2.py` there, `random_state=0`; versions in `versions_cluster2.json`).
//!
//! Cases and settings: dampings 0.5/0.7/0.9; preference the median, the minimum or half the
//! median similarity; short runs that stop before converging; identical rows; a single row.
//!
//! Our tie-breaking noise is drawn from a ChaCha stream, scikit-learn's from numpy's
//! `RandomState(0)`. For every run whose outcome scikit-learn itself keeps for `random_state`
//! 0..5 (`noise_sensitive: false` in the fixture), through the public `fit`, with ChaCha seeds
//! 0..3:
//!
//! - `labels_` equal element by element (same numbering, same noise rows);
//! - `cluster_centers_indices_` identical; `n_iter_` equal; convergence and the
//!   equal-similarities path flagged where scikit-learn warned;
//! - the default preference (median similarity) within `PREFERENCE_RTOL = 1e-12` relative.
//!
//! The noise-sensitive runs (the ~1e-16 noise decides: duplicate rows, oscillating runs, the
//! first iterations) cannot be matched by another random stream; here they must still give a
//! consistent clustering. The unit test `affinity_propagation::replay` replays all runs, those
//! included, with scikit-learn's own similarity matrix and numpy's normals, and matches every
//! one exactly.
//!
//! Run with `--nocapture` to see the counts and the fit time on the 120 × 45 matrix.

use std::path::{Path, PathBuf};
use std::time::Instant;

use ndarray::Array2;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Deserialize;
use vlogmood::models::AffinityPropagationParams;

const PREFERENCE_RTOL: f64 = 1e-12;

#[derive(Deserialize)]
struct Fixture {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    x: String,
    median_similarity: f64,
    runs: Vec<Run>,
}

#[derive(Deserialize)]
struct Run {
    damping: f64,
    preference: Option<f64>,
    preference_rule: Option<String>,
    max_iter: usize,
    convergence_iter: usize,
    labels: Vec<i64>,
    cluster_centers_indices: Vec<usize>,
    n_iter: usize,
    converged: bool,
    equal_similarities: bool,
    noise_sensitive: bool,
}

impl Run {
    fn params(&self) -> AffinityPropagationParams {
        AffinityPropagationParams {
            damping: self.damping,
            max_iter: self.max_iter,
            convergence_iter: self.convergence_iter,
            preference: self.preference,
            ..Default::default()
        }
    }

    fn describe(&self, case: &str) -> String {
        format!(
            "{case} damping={} preference={:?} ({:?}) max_iter={} convergence_iter={}",
            self.damping, self.preference, self.preference_rule, self.max_iter, self.convergence_iter
        )
    }
}

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/models")
}

fn load() -> Fixture {
    let text =
        std::fs::read_to_string(fixture_dir().join("affinity_propagation.json")).expect("affinity_propagation.json");
    serde_json::from_str(&text).expect("affinity_propagation.json parses")
}

fn matrix(file: &str) -> Array2<f64> {
    ndarray_npy::read_npy(fixture_dir().join(file)).expect("fixture .npy reads as f64 (n, d)")
}

fn sklearn_labels(labels: &[i64]) -> Vec<Option<usize>> {
    labels.iter().map(|&l| usize::try_from(l).ok()).collect()
}

/// Differences between our fit (noise from `seed`) and scikit-learn's on the runs the noise does
/// not decide, one line each; and the number of runs compared.
fn mismatches(seed: u64) -> (usize, Vec<String>) {
    let mut runs = 0;
    let mut out = Vec::new();
    for case in load().cases {
        let x = matrix(&case.x);
        for run in case.runs.iter().filter(|r| !r.noise_sensitive) {
            let what = run.describe(&case.name);
            let model = run.params().fit(x.view(), &mut ChaCha8Rng::seed_from_u64(seed)).expect("fit");
            runs += 1;
            if model.labels() != sklearn_labels(&run.labels) || model.exemplars() != run.cluster_centers_indices {
                out.push(format!(
                    "{what}: exemplars {:?} vs sklearn {:?}",
                    model.exemplars(),
                    run.cluster_centers_indices
                ));
            }
            if model.n_iter() != run.n_iter
                || model.converged() != run.converged
                || model.equal_similarities() != run.equal_similarities
            {
                out.push(format!(
                    "{what}: n_iter {} converged {} equal {} vs sklearn {} {} {}",
                    model.n_iter(),
                    model.converged(),
                    model.equal_similarities(),
                    run.n_iter,
                    run.converged,
                    run.equal_similarities
                ));
            }
            if run.preference.is_none() {
                let (ours, expected) = (model.preference(), case.median_similarity);
                if (ours - expected).abs() > PREFERENCE_RTOL * expected.abs() {
                    out.push(format!("{what}: median similarity {ours} vs sklearn {expected}"));
                }
            }
        }
    }
    (runs, out)
}

#[test]
fn fits_equal_scikit_learn() {
    let (runs, out) = mismatches(0);
    assert!(out.is_empty(), "{} of {runs} runs differ:\n{}", out.len(), out.join("\n"));
    let fixture = load();
    let all: Vec<&Run> = fixture.cases.iter().flat_map(|c| &c.runs).collect();
    let converged = all.iter().filter(|r| !r.noise_sensitive && r.converged).count();
    assert!(runs >= 100, "only {runs} runs compared");
    println!(
        "affinity propagation: {runs} of {} runs ({converged} converged) with labels, exemplars and n_iter equal to \
         scikit-learn's; {} noise-sensitive runs left to the replay unit test",
        all.len(),
        all.len() - runs
    );
}

#[test]
fn noise_sensitive_runs_give_consistent_clusterings() {
    for case in load().cases {
        let x = matrix(&case.x);
        for run in case.runs.iter().filter(|r| r.noise_sensitive) {
            let what = run.describe(&case.name);
            let model = run.params().fit(x.view(), &mut ChaCha8Rng::seed_from_u64(0)).expect("fit");
            assert_eq!(model.labels().len(), x.nrows(), "{what}");
            assert!(model.exemplars().windows(2).all(|w| w[0] < w[1]), "{what}: exemplars ascending");
            for (c, &row) in model.exemplars().iter().enumerate() {
                assert_eq!(model.labels()[row], Some(c), "{what}: exemplar {row} labels itself");
            }
            let labels: Vec<usize> = model.labels().iter().flatten().copied().collect();
            assert!(labels.is_empty() || labels.len() == x.nrows(), "{what}: noise is all or nothing");
            assert!(labels.iter().all(|&l| l < model.n_clusters()), "{what}");
            // duplicate rows may both be exemplars: an exemplar is assigned to an equal one
            for (c, assigned) in model.assign(model.centroids()).into_iter().enumerate() {
                assert_eq!(model.centroids().row(assigned), model.centroids().row(c), "{what}");
            }
        }
    }
}

#[test]
fn labels_do_not_depend_on_the_noise_draw() {
    for seed in [1, 2, 3] {
        let (runs, out) = mismatches(seed);
        assert!(out.is_empty(), "seed {seed}: {} of {runs} runs differ:\n{}", out.len(), out.join("\n"));
    }
}

#[test]
fn fit_time_on_the_seed45_matrix() {
    let x = matrix("X_seed45_std_n120_d45.npy");
    for damping in [0.5, 0.9] {
        let params = AffinityPropagationParams { damping, ..Default::default() };
        let start = Instant::now();
        let model = params.fit(x.view(), &mut ChaCha8Rng::seed_from_u64(0)).expect("fit");
        println!(
            "AffinityPropagation(damping={damping}) on 120 × 45: {:.2} ms, {} clusters, n_iter {}, converged {}",
            start.elapsed().as_secs_f64() * 1e3,
            model.n_clusters(),
            model.n_iter(),
            model.converged()
        );
    }
}

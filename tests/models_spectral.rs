//! Parity of `vlogmood::models::spectral` with scikit-learn 1.9.1, on the golden values in
//! `tests/fixtures/models/` (made by `make_fixtures.py` there; versions in `versions.json`).
//!
//! - Affinity: the kNN affinity (`0.5·(C + Cᵀ)`, `C = kneighbors_graph(X, n_neighbors,
//!   include_self=True)`) must equal scikit-learn's exactly, duplicate rows included (entries are
//!   0, 0.5 or 1); the RBF affinity within `AFFINITY_ATOL = 1e-12`.
//! - Embedding: `spectral_embedding(A, n_components=k, drop_first=False)` column by column up to
//!   sign within `EMBEDDING_ATOL = 1e-8` where the k smallest eigenvalues of the Laplacian are
//!   separated (gap > `MIN_GAP` = 1e-6, between themselves and to the next one). Where an
//!   eigenvalue repeats (disconnected or numerically disconnected graphs), any basis of the
//!   eigenspace is correct, so the orthogonal projectors onto the two column spaces are compared
//!   instead, to the same tolerance. Both eigensolvers are checked: the dense one and LOBPCG
//!   (which falls back to the dense one on graphs too small for its block).
//! - Labels: on well-separated blobs `SpectralClustering(n_clusters=k, affinity, n_neighbors |
//!   gamma, random_state=0).labels_` is the same partition (ARI = 1).
//!
//! Run with `--nocapture` to see the largest differences.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ndarray::{Array2, ArrayView2};
use serde::Deserialize;
use vlogmood::metrics::adjusted_rand_score;
use vlogmood::models::spectral::{
    n_connected_components, nearest_neighbors_affinity, rbf_affinity, spectral_embedding_by, EigenSolver,
};
use vlogmood::models::{Affinity, SpectralParams};
use vlogmood::spec::Seed;

const AFFINITY_ATOL: f64 = 1e-12;
const EMBEDDING_ATOL: f64 = 1e-8;
const MIN_GAP: f64 = 1e-6;

#[derive(Deserialize)]
struct Fixture {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    x: String,
    affinity_npy: String,
    embedding_npy: String,
    k: usize,
    affinity: String,
    n_neighbors: usize,
    gamma: f64,
    n_connected_components: usize,
    eigenvalues: Vec<f64>,
    labels: Option<Vec<usize>>,
}

impl Case {
    fn affinity(&self) -> Affinity {
        match self.affinity.as_str() {
            "nearest_neighbors" => Affinity::NearestNeighbors { n_neighbors: self.n_neighbors },
            "rbf" => Affinity::Rbf { gamma: self.gamma },
            other => panic!("unknown affinity {other}"),
        }
    }

    fn build_affinity(&self, x: ArrayView2<f64>) -> Array2<f64> {
        match self.affinity() {
            Affinity::NearestNeighbors { n_neighbors } => {
                nearest_neighbors_affinity(x, n_neighbors).map(|g| g.to_dense())
            }
            Affinity::Rbf { gamma } => rbf_affinity(x, gamma),
        }
        .expect("affinity")
    }

    /// The k smallest eigenvalues are simple and separated from the (k+1)-th.
    fn separated(&self) -> bool {
        self.eigenvalues.windows(2).all(|w| w[1] - w[0] > MIN_GAP)
    }
}

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/models")
}

fn load() -> Fixture {
    let text = std::fs::read_to_string(fixture_dir().join("spectral.json")).expect("spectral.json");
    serde_json::from_str(&text).expect("spectral.json parses")
}

fn matrix(file: &str) -> Array2<f64> {
    ndarray_npy::read_npy(fixture_dir().join(file)).expect("fixture .npy reads as f64 2-D")
}

fn max_abs_diff(a: ArrayView2<f64>, b: ArrayView2<f64>) -> f64 {
    assert_eq!(a.dim(), b.dim());
    a.iter().zip(b.iter()).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max)
}

/// Orthogonal projector onto the column space of `a` (modified Gram-Schmidt).
fn projector(a: ArrayView2<f64>) -> Array2<f64> {
    let mut q = a.to_owned();
    for c in 0..q.ncols() {
        for prev in 0..c {
            let dot = q.column(prev).dot(&q.column(c));
            let p = q.column(prev).to_owned();
            q.column_mut(c).scaled_add(-dot, &p);
        }
        let norm = q.column(c).dot(&q.column(c)).sqrt();
        q.column_mut(c).mapv_inplace(|v| v / norm);
    }
    q.dot(&q.t())
}

#[test]
fn affinity_equals_scikit_learn() {
    for case in load().cases {
        let x = matrix(&case.x);
        let ours = case.build_affinity(x.view());
        let expected = matrix(&case.affinity_npy);
        let diff = max_abs_diff(ours.view(), expected.view());
        match case.affinity() {
            Affinity::NearestNeighbors { .. } => assert_eq!(diff, 0.0, "{}: kNN affinity differs", case.name),
            Affinity::Rbf { .. } => assert!(diff <= AFFINITY_ATOL, "{}: RBF affinity differs by {diff:e}", case.name),
        }
        assert_eq!(n_connected_components(ours.view()), case.n_connected_components, "{}", case.name);
        if let Affinity::NearestNeighbors { n_neighbors } = case.affinity() {
            let sparse = nearest_neighbors_affinity(x.view(), n_neighbors).expect("affinity");
            assert_eq!(n_connected_components(&sparse), case.n_connected_components, "{}: sparse graph", case.name);
        }
        println!("{}: affinity max |diff| {diff:.3e}", case.name);
    }
}

#[test]
fn embedding_equals_scikit_learn_up_to_sign() {
    let (mut worst_column, mut worst_projector) = (0.0_f64, 0.0_f64);
    let (mut separated_cases, mut sign_flips) = (0, 0);
    for (case, solver) in load().cases.iter().flat_map(|case| [(case, EigenSolver::Dense), (case, EigenSolver::Lobpcg)])
    {
        let affinity = matrix(&case.affinity_npy);
        let ours = spectral_embedding_by(affinity.view(), case.k, solver).expect("embedding");
        let expected = matrix(&case.embedding_npy);
        assert_eq!(ours.dim(), expected.dim(), "{}", case.name);
        if case.separated() {
            separated_cases += 1;
            for c in 0..case.k {
                let same: f64 =
                    ours.column(c).iter().zip(expected.column(c)).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
                let flipped: f64 =
                    ours.column(c).iter().zip(expected.column(c)).map(|(a, b)| (a + b).abs()).fold(0.0, f64::max);
                let diff = same.min(flipped);
                sign_flips += usize::from(flipped < same);
                assert!(diff <= EMBEDDING_ATOL, "{} column {c}: max |diff| {diff:e}", case.name);
                worst_column = worst_column.max(diff);
            }
            println!("{} ({solver:?}): columns agree (sign-adjusted)", case.name);
        }
        let diff = max_abs_diff(projector(ours.view()).view(), projector(expected.view()).view());
        assert!(diff <= EMBEDDING_ATOL, "{}: projector max |diff| {diff:e}", case.name);
        worst_projector = worst_projector.max(diff);
        println!("{} ({solver:?}): projector max |diff| {diff:.3e}", case.name);
    }
    assert!(separated_cases >= 8, "only {separated_cases} cases with separated eigenvalues");
    println!(
        "largest column difference {worst_column:.3e} ({sign_flips} columns of opposite sign), largest projector \
         difference {worst_projector:.3e}"
    );
}

#[test]
fn labels_equal_scikit_learn_on_separated_blobs() {
    let mut checked = 0;
    for case in load().cases {
        let Some(expected) = &case.labels else { continue };
        let x = matrix(&case.x);
        let params = SpectralParams { n_clusters: case.k, affinity: case.affinity(), n_init: 10 };
        for stream in 0..3 {
            let model = params.fit(x.view(), Seed(42).rng_for(stream)).expect("fit");
            let ari = adjusted_rand_score(&model.labels, expected).expect("ari");
            assert_eq!(ari, 1.0, "{} stream {stream}: ARI {ari}", case.name);
            assert_eq!(model.n_connected_components, case.n_connected_components);
            assert_eq!(model.assign(x.view()), model.labels, "{}: fitted rows keep their cluster", case.name);
        }
        checked += 1;
    }
    assert!(checked >= 4);
}

#[test]
fn same_seed_same_model() {
    let case = load().cases.into_iter().find(|c| c.name == "seed45_std_n120_d45").expect("case");
    let x = matrix(&case.x);
    let params = SpectralParams { n_clusters: 4, affinity: case.affinity(), n_init: 10 };
    let a = params.fit(x.view(), Seed(7).rng_for(1)).expect("fit");
    let b = params.fit(x.view(), Seed(7).rng_for(1)).expect("fit");
    assert_eq!(a, b);
    let mut counts = BTreeMap::new();
    for &l in &a.labels {
        *counts.entry(l).or_insert(0) += 1;
    }
    assert_eq!(counts.len(), 4);
}

/// The sparse graph the kNN fit uses and the same weights dense give one embedding, bit for bit,
/// with either solver: the sparse path changes memory, not numbers.
#[test]
fn a_sparse_affinity_gives_the_dense_ones_embedding_bit_for_bit() {
    for case in load().cases.iter().filter(|c| c.affinity == "nearest_neighbors") {
        let x = matrix(&case.x);
        let Affinity::NearestNeighbors { n_neighbors } = case.affinity() else { unreachable!() };
        let sparse = nearest_neighbors_affinity(x.view(), n_neighbors).expect("affinity");
        let dense = sparse.to_dense();
        for solver in [EigenSolver::Dense, EigenSolver::Lobpcg] {
            let from_sparse = spectral_embedding_by(&sparse, case.k, solver).expect("sparse");
            let from_dense = spectral_embedding_by(dense.view(), case.k, solver).expect("dense");
            assert!(
                from_sparse.iter().zip(&from_dense).all(|(a, b)| a.to_bits() == b.to_bits()),
                "{} ({solver:?}): embeddings differ",
                case.name
            );
        }
    }
}

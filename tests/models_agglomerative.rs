//! Parity of `vlogmood::models::agglomerative` with scikit-learn 1.9.1 and scipy 1.17.1, on the
//! golden values in `tests/fixtures/models/` (made by `make_fixtures.py` there; versions in
//! `versions.json`).
//!
//! - Labels: `AgglomerativeClustering(n_clusters=k, linkage=L).labels_` for four linkages and a
//!   few k per case must be the same partition (ARI = 1 exactly, and a one-to-one contingency).
//! - Merge heights: equal to `scipy.cluster.hierarchy.linkage(X, L)[:, 2]` within `RTOL = 1e-10`
//!   relative (absolute floor `ATOL = 1e-14` for the zero heights of duplicate rows); the merged
//!   node ids and sizes are equal wherever no two heights tie exactly.
//! - Dendrogram geometry: `scipy.cluster.hierarchy.dendrogram(Z, no_plot=True)` leaves equal,
//!   link coordinates within `RTOL`, full and with `truncate_mode="lastp"`.
//!
//! Run with `--nocapture` to see the largest relative height difference per linkage.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ndarray::Array2;
use serde::Deserialize;
use vlogmood::metrics::adjusted_rand_score;
use vlogmood::models::{AgglomerativeParams, Linkage};

const RTOL: f64 = 1e-10;
const ATOL: f64 = 1e-14;

#[derive(Deserialize)]
struct Fixture {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    x: String,
    linkages: BTreeMap<String, LinkageCase>,
}

#[derive(Deserialize)]
struct LinkageCase {
    scipy_linkage: Vec<[f64; 4]>,
    n_tied_heights: usize,
    labels: BTreeMap<String, Vec<usize>>,
    dendrogram: Option<Dendrogram>,
    dendrogram_lastp: Option<Dendrogram>,
}

#[derive(Deserialize)]
struct Dendrogram {
    #[serde(default)]
    p: Option<usize>,
    leaves: Vec<usize>,
    icoord: Vec<[f64; 4]>,
    dcoord: Vec<[f64; 4]>,
}

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/models")
}

fn load() -> Fixture {
    let text = std::fs::read_to_string(fixture_dir().join("agglomerative.json")).expect("agglomerative.json");
    serde_json::from_str(&text).expect("agglomerative.json parses")
}

fn matrix(file: &str) -> Array2<f64> {
    ndarray_npy::read_npy(fixture_dir().join(file)).expect("fixture .npy reads as f64 (n, d)")
}

fn linkage(name: &str) -> Linkage {
    match name {
        "ward" => Linkage::Ward,
        "complete" => Linkage::Complete,
        "average" => Linkage::Average,
        "single" => Linkage::Single,
        other => panic!("unknown linkage {other}"),
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= RTOL * b.abs() + ATOL
}

fn rel(a: f64, b: f64) -> f64 {
    if a == b {
        0.0
    } else {
        (a - b).abs() / b.abs().max(ATOL)
    }
}

/// True when `a` and `b` induce the same partition: each label of one maps to exactly one of
/// the other.
fn same_partition(a: &[usize], b: &[usize]) -> bool {
    let mut ab = BTreeMap::new();
    let mut ba = BTreeMap::new();
    a.len() == b.len()
        && a.iter().zip(b).all(|(&x, &y)| *ab.entry(x).or_insert(y) == y && *ba.entry(y).or_insert(x) == x)
}

#[test]
fn labels_equal_scikit_learn_partitions() {
    let mut checked = 0;
    for case in load().cases {
        let x = matrix(&case.x);
        for (name, expected) in &case.linkages {
            for (k, sklearn_labels) in &expected.labels {
                let n_clusters: usize = k.parse().expect("k");
                let model =
                    AgglomerativeParams { n_clusters, linkage: linkage(name) }.fit(x.view()).expect("fit succeeds");
                let ari = adjusted_rand_score(&model.labels, sklearn_labels).expect("ari");
                assert!(
                    ari == 1.0 && same_partition(&model.labels, sklearn_labels),
                    "{} {name} k={k}: ARI {ari}",
                    case.name
                );
                assert_eq!(model.n_clusters(), n_clusters);
                checked += 1;
            }
        }
    }
    println!("{checked} (case, linkage, k) label vectors equal scikit-learn's partitions (ARI = 1)");
}

#[test]
fn merge_heights_equal_scipy_linkage() {
    let mut worst: BTreeMap<String, f64> = BTreeMap::new();
    for case in load().cases {
        let x = matrix(&case.x);
        for (name, expected) in &case.linkages {
            let model = AgglomerativeParams { n_clusters: 1, linkage: linkage(name) }.fit(x.view()).expect("fit");
            assert_eq!(model.dendrogram.len(), expected.scipy_linkage.len(), "{} {name}", case.name);
            for (i, (ours, z)) in model.dendrogram.iter().zip(&expected.scipy_linkage).enumerate() {
                assert!(
                    close(ours.distance, z[2]),
                    "{} {name} step {i}: {} vs scipy {}",
                    case.name,
                    ours.distance,
                    z[2]
                );
                let w = worst.entry(name.clone()).or_insert(0.0);
                *w = w.max(rel(ours.distance, z[2]));
                if expected.n_tied_heights == 0 {
                    assert_eq!(
                        (ours.a as f64, ours.b as f64, ours.size as f64),
                        (z[0], z[1], z[3]),
                        "{} {name} step {i}",
                        case.name
                    );
                }
            }
        }
    }
    for (name, w) in worst {
        println!("{name}: largest relative height difference to scipy {w:.3e}");
    }
}

fn check_layout(case: &str, layout: &vlogmood::models::DendrogramLayout, expected: &Dendrogram) {
    assert_eq!(layout.leaves, expected.leaves, "{case}: leaves");
    assert_eq!(layout.leaf_sizes.len(), layout.leaves.len());
    assert_eq!(layout.links.len(), expected.icoord.len(), "{case}: links");
    for (i, (link, (xs, ys))) in layout.links.iter().zip(expected.icoord.iter().zip(&expected.dcoord)).enumerate() {
        for (j, &(x, y)) in link.iter().enumerate() {
            assert!(
                close(x, xs[j]) && close(y, ys[j]),
                "{case}: link {i} point {j}: ({x}, {y}) vs ({}, {})",
                xs[j],
                ys[j]
            );
        }
    }
}

#[test]
fn dendrogram_layout_equals_scipy_dendrogram() {
    let mut checked = 0;
    for case in load().cases {
        let x = matrix(&case.x);
        let Some(ward) = case.linkages.get("ward") else { continue };
        let model = AgglomerativeParams { n_clusters: 1, linkage: Linkage::Ward }.fit(x.view()).expect("fit");
        if let Some(full) = &ward.dendrogram {
            check_layout(&case.name, &model.dendrogram_layout(None), full);
            checked += 1;
        }
        if let Some(lastp) = &ward.dendrogram_lastp {
            let p = lastp.p.expect("lastp fixture has p");
            let layout = model.dendrogram_layout(Some(p));
            check_layout(&format!("{} lastp {p}", case.name), &layout, lastp);
            assert_eq!(layout.leaves.len(), p);
            assert_eq!(layout.leaf_sizes.iter().sum::<usize>(), x.nrows());
            checked += 1;
        }
    }
    assert!(checked >= 8, "only {checked} layouts checked");
}

//! OPTICS equals scikit-learn 1.9.1 (`tests/fixtures/optics/cases.json`, made by
//! `make_fixtures.py` there): ordering, predecessors, ξ cluster hierarchy and labels (noise
//! included) identical; reachability and core distances within 1e-12 relative (both sides
//! round them to 15 decimals, so they are usually identical).
//!
//! The fixture's fits use scikit-learn's ball tree (exact distances). Its default above 15
//! features is brute force with GEMM-expanded distances, whose round-off can swap near-tied
//! points; against those labels (`labels_auto`) we require an adjusted Rand index ≥ 0.9, noise
//! counted as one more label.

use std::path::Path;

use ndarray::Array2;
use serde::Deserialize;
use vlogmood::models::{OpticsExtraction, OpticsParams};

#[derive(Deserialize)]
struct Fixture {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    case: String,
    min_samples: usize,
    method: String,
    xi: Option<f64>,
    min_cluster_size: Option<usize>,
    eps: Option<f64>,
    ordering: Vec<usize>,
    reachability: Vec<Option<f64>>,
    core_distances: Vec<Option<f64>>,
    predecessor: Vec<i64>,
    labels: Vec<i64>,
    labels_auto: Vec<i64>,
    cluster_hierarchy: Vec<(usize, usize)>,
}

fn same(what: &str, ours: &[f64], theirs: &[Option<f64>]) {
    for (i, (a, b)) in ours.iter().zip(theirs).enumerate() {
        match b {
            None => assert!(a.is_infinite(), "{what}[{i}]: {a} vs inf"),
            Some(b) => assert!((a - b).abs() <= 1e-12 * b.abs().max(1e-300), "{what}[{i}]: {a} vs {b}"),
        }
    }
}

#[test]
fn ordering_reachability_and_labels_equal_scikit_learns() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let fixture: Fixture =
        serde_json::from_str(&std::fs::read_to_string(fixtures.join("optics/cases.json")).expect("read"))
            .expect("json");
    let mut n_noise = 0;
    for case in &fixture.cases {
        let label = format!("{} {} min_samples={}", case.case, case.method, case.min_samples);
        let x: Array2<f64> = ndarray_npy::read_npy(fixtures.join(format!("models/X_{}.npy", case.case))).expect("npy");
        let cluster_method = match case.method.as_str() {
            "xi" => OpticsExtraction::Xi {
                xi: case.xi.expect("xi"),
                predecessor_correction: true,
                min_cluster_size: case.min_cluster_size,
            },
            _ => OpticsExtraction::Dbscan { eps: case.eps.expect("eps") },
        };
        let model =
            OpticsParams { min_samples: case.min_samples, max_eps: None, cluster_method }.fit(x.view()).expect("fit");
        assert_eq!(model.ordering(), case.ordering.as_slice(), "{label}: ordering");
        same(&format!("{label}: core distances"), model.core_distances(), &case.core_distances);
        same(&format!("{label}: reachability"), model.reachability(), &case.reachability);
        let predecessor: Vec<i64> = model.predecessor().iter().map(|p| p.map_or(-1, |p| p as i64)).collect();
        assert_eq!(predecessor, case.predecessor, "{label}: predecessor");
        assert_eq!(model.cluster_hierarchy(), case.cluster_hierarchy.as_slice(), "{label}: hierarchy");
        let labels: Vec<i64> = model.labels().iter().map(|l| l.map_or(-1, |c| c as i64)).collect();
        assert_eq!(labels, case.labels, "{label}: labels");
        n_noise += labels.iter().filter(|&&l| l == -1).count();
        let as_ids = |l: &[i64]| l.iter().map(|&v| (v + 1) as usize).collect::<Vec<usize>>();
        let ari = vlogmood::metrics::adjusted_rand_score(&as_ids(&labels), &as_ids(&case.labels_auto)).expect("ari");
        eprintln!("{label}: ARI against scikit-learn's default algorithm {ari:.4}");
        assert!(ari >= 0.9, "{label}: ARI {ari} against the brute-force fit");
    }
    assert!(fixture.cases.len() == 35 && n_noise > 100, "{n_noise}");
}

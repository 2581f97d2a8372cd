//! Parity of `vlogmood::metrics` with scikit-learn 1.9.1, on the golden values in
//! `tests/fixtures/metrics/` (made by `make_fixtures.py` there; versions in `versions.json`).
//!
//! Tolerance: every value must equal scikit-learn's within `RTOL = 1e-10` relative, with an
//! absolute floor `ATOL = 1e-14` for references that are exactly 0. Integer outputs (confusion
//! matrices) must be equal.
//!
//! One documented exception: on cases with duplicate rows scikit-learn's Euclidean distances
//! carry dot-product round-off (≈ 1e-7 between identical rows, see `src/metrics/clustering.rs`)
//! and the fixture marks them `dot_product_roundoff`. There silhouette and Davies-Bouldin are held
//! to `RTOL` against scikit-learn's own code run on directly computed distances (`exactdist`),
//! and to `ROUNDOFF_RTOL = 1e-7` against plain scikit-learn.
//!
//! Run with `--nocapture` to see the largest relative difference per metric.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ndarray::{Array2, ArrayView2};
use serde::Deserialize;
use vlogmood::metrics::{self, Average};

const RTOL: f64 = 1e-10;
const ATOL: f64 = 1e-14;
const ROUNDOFF_RTOL: f64 = 1e-7;

#[derive(Deserialize)]
struct Cases {
    clustering: Vec<ClusteringCase>,
    comparison: Vec<ComparisonCase>,
    classification: Vec<ClassificationCase>,
}

#[derive(Deserialize)]
struct ClusteringCase {
    name: String,
    x: String,
    labels: Vec<usize>,
    silhouette_score: f64,
    silhouette_samples: Vec<f64>,
    davies_bouldin_score: f64,
    calinski_harabasz_score: f64,
    inertia_numpy: f64,
    exactdist: ExactDist,
    dot_product_roundoff: bool,
    kmeans: Option<KMeansFit>,
}

#[derive(Deserialize)]
struct ExactDist {
    silhouette_score: f64,
    silhouette_samples: Vec<f64>,
    davies_bouldin_score: f64,
}

#[derive(Deserialize)]
struct KMeansFit {
    centroids: Vec<Vec<f64>>,
    labels: Vec<usize>,
    inertia: f64,
}

#[derive(Deserialize)]
struct ComparisonCase {
    name: String,
    a: Vec<usize>,
    b: Vec<usize>,
    adjusted_rand_score: f64,
    normalized_mutual_info_score: f64,
}

#[derive(Deserialize)]
struct ClassificationCase {
    name: String,
    y_true: Vec<usize>,
    y_pred: Vec<usize>,
    accuracy_score: f64,
    f1_macro: f64,
    f1_weighted: f64,
    confusion_matrix: Confusion,
    y_score: Option<Vec<f64>>,
    roc_auc_score: Option<f64>,
}

#[derive(Deserialize)]
struct Confusion {
    labels: Vec<usize>,
    counts: Vec<Vec<usize>>,
}

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/metrics")
}

fn load() -> Cases {
    let text = std::fs::read_to_string(fixture_dir().join("cases.json")).expect("cases.json");
    serde_json::from_str(&text).expect("cases.json parses")
}

fn load_x(file: &str) -> Array2<f64> {
    ndarray_npy::read_npy(fixture_dir().join(file)).expect("fixture .npy reads as f64 (n, d)")
}

/// Records the largest relative difference seen per metric and checks each against a tolerance.
#[derive(Default)]
struct Diffs(BTreeMap<String, f64>);

impl Diffs {
    fn check(&mut self, metric: &str, case: &str, ours: f64, theirs: f64, rtol: f64) {
        let diff = (ours - theirs).abs();
        let rel = if theirs == 0.0 { diff } else { diff / theirs.abs() };
        let worst = self.0.entry(metric.to_string()).or_insert(0.0);
        *worst = worst.max(rel);
        assert!(
            diff <= rtol * theirs.abs() || diff <= ATOL,
            "{case}: {metric} = {ours:e}, scikit-learn {theirs:e} (rel {rel:e} > {rtol:e})"
        );
    }

    fn print(&self, section: &str) {
        for (metric, rel) in &self.0 {
            println!("{section}: max relative difference {metric}: {rel:.3e}");
        }
    }
}

fn matrix(rows: &[Vec<f64>]) -> Array2<f64> {
    let d = rows.first().map_or(0, Vec::len);
    Array2::from_shape_vec((rows.len(), d), rows.concat()).expect("rectangular centroids")
}

#[test]
fn clustering_metrics_match_scikit_learn() {
    let cases = load().clustering;
    assert!(cases.len() >= 10);
    let mut diffs = Diffs::default();
    for case in &cases {
        let x = load_x(&case.x);
        let xv: ArrayView2<f64> = x.view();
        let name = case.name.as_str();
        let labels = &case.labels;

        let silhouette = metrics::silhouette_score(xv, labels).expect(name);
        let samples = metrics::silhouette_samples(xv, labels).expect(name);
        let db = metrics::davies_bouldin_score(xv, labels).expect(name);
        assert_eq!(samples.len(), case.silhouette_samples.len());
        if case.dot_product_roundoff {
            let exact = &case.exactdist;
            diffs.check("silhouette_score (exactdist)", name, silhouette, exact.silhouette_score, RTOL);
            diffs.check("davies_bouldin_score (exactdist)", name, db, exact.davies_bouldin_score, RTOL);
            for (s, e) in samples.iter().zip(&exact.silhouette_samples) {
                diffs.check("silhouette_samples (exactdist)", name, *s, *e, RTOL);
            }
            diffs.check("silhouette_score (round-off case)", name, silhouette, case.silhouette_score, ROUNDOFF_RTOL);
            diffs.check("davies_bouldin_score (round-off case)", name, db, case.davies_bouldin_score, ROUNDOFF_RTOL);
        } else {
            diffs.check("silhouette_score", name, silhouette, case.silhouette_score, RTOL);
            diffs.check("davies_bouldin_score", name, db, case.davies_bouldin_score, RTOL);
            for (s, e) in samples.iter().zip(&case.silhouette_samples) {
                diffs.check("silhouette_samples", name, *s, *e, RTOL);
            }
        }
        let ch = metrics::calinski_harabasz_score(xv, labels).expect(name);
        diffs.check("calinski_harabasz_score", name, ch, case.calinski_harabasz_score, RTOL);
        let inertia = metrics::inertia(xv, labels).expect(name);
        diffs.check("inertia (numpy)", name, inertia, case.inertia_numpy, RTOL);

        if let Some(fit) = &case.kmeans {
            let centroids = matrix(&fit.centroids);
            let ours = metrics::inertia_to_centroids(xv, centroids.view(), &fit.labels).expect(name);
            diffs.check("inertia_to_centroids (KMeans.inertia_)", name, ours, fit.inertia, RTOL);
        }
    }
    diffs.print("clustering");
}

#[test]
fn comparison_metrics_match_scikit_learn() {
    let cases = load().comparison;
    assert!(cases.len() >= 8);
    let mut diffs = Diffs::default();
    for case in &cases {
        let name = case.name.as_str();
        let ari = metrics::adjusted_rand_score(&case.a, &case.b).expect(name);
        diffs.check("adjusted_rand_score", name, ari, case.adjusted_rand_score, RTOL);
        let nmi = metrics::normalized_mutual_info_score(&case.a, &case.b).expect(name);
        diffs.check("normalized_mutual_info_score", name, nmi, case.normalized_mutual_info_score, RTOL);
    }
    diffs.print("comparison");
}

#[test]
fn classification_metrics_match_scikit_learn() {
    let cases = load().classification;
    assert!(cases.len() >= 6);
    let mut diffs = Diffs::default();
    let mut n_roc = 0;
    for case in &cases {
        let name = case.name.as_str();
        let (t, p) = (&case.y_true, &case.y_pred);
        diffs.check("accuracy", name, metrics::accuracy(t, p).expect(name), case.accuracy_score, RTOL);
        let macro_f1 = metrics::f1_score(t, p, Average::Macro).expect(name);
        diffs.check("f1_score macro", name, macro_f1, case.f1_macro, RTOL);
        let weighted = metrics::f1_score(t, p, Average::Weighted).expect(name);
        diffs.check("f1_score weighted", name, weighted, case.f1_weighted, RTOL);

        let cm = metrics::confusion_matrix(t, p).expect(name);
        assert_eq!(cm.labels, case.confusion_matrix.labels, "{name}: confusion labels");
        let expected: Vec<usize> = case.confusion_matrix.counts.concat();
        assert_eq!(cm.counts.iter().copied().collect::<Vec<_>>(), expected, "{name}: counts");

        if let (Some(score), Some(auc)) = (&case.y_score, case.roc_auc_score) {
            n_roc += 1;
            let ours = metrics::roc_auc_score(t, score).expect(name);
            diffs.check("roc_auc_score", name, ours, auc, RTOL);
        }
    }
    assert!(n_roc >= 4);
    diffs.print("classification");
}

#[derive(Deserialize)]
struct MulticlassCase {
    name: String,
    y_true: Vec<usize>,
    y_pred: Vec<usize>,
    balanced_accuracy: f64,
    report: Report,
    proba: Option<Vec<Vec<f64>>>,
    roc_auc_ovr_macro: Option<f64>,
}

#[derive(Deserialize)]
struct Report {
    labels: Vec<usize>,
    precision: Vec<f64>,
    recall: Vec<f64>,
    f1: Vec<f64>,
    support: Vec<usize>,
}

/// Balanced accuracy (UAR), the per-class report and one-vs-rest macro ROC AUC against
/// scikit-learn 1.9.1 (`make_classification_fixtures.py`), to `RTOL`.
#[test]
fn multiclass_metrics_match_scikit_learn() {
    let text = std::fs::read_to_string(fixture_dir().join("classification_multiclass.json")).expect("fixture");
    let cases: Vec<MulticlassCase> = serde_json::from_str(&text).expect("json");
    assert!(cases.len() >= 5);
    let mut diffs = Diffs::default();
    let mut n_auc = 0;
    for case in &cases {
        let name = case.name.as_str();
        let (t, p) = (&case.y_true, &case.y_pred);
        diffs.check(
            "balanced_accuracy",
            name,
            metrics::balanced_accuracy(t, p).expect(name),
            case.balanced_accuracy,
            RTOL,
        );
        let report = metrics::classification_report(t, p).expect(name);
        assert_eq!(report.labels, case.report.labels, "{name}: labels");
        assert_eq!(report.support, case.report.support, "{name}: support");
        for (what, ours, theirs) in [
            ("precision", &report.precision, &case.report.precision),
            ("recall", &report.recall, &case.report.recall),
            ("f1", &report.f1, &case.report.f1),
        ] {
            for (o, e) in ours.iter().zip(theirs) {
                diffs.check(what, name, *o, *e, RTOL);
            }
        }
        if let (Some(proba), Some(auc)) = (&case.proba, case.roc_auc_ovr_macro) {
            n_auc += 1;
            let rows = proba.len();
            let m = Array2::from_shape_vec((rows, proba[0].len()), proba.concat()).expect("matrix");
            diffs.check("roc_auc_ovr", name, metrics::roc_auc_ovr(t, m.view()).expect(name), auc, RTOL);
        }
    }
    assert!(n_auc >= 4);
    diffs.print("multi-class classification");
}

#[test]
fn one_vs_rest_auc_needs_probabilities_for_every_class() {
    let y = [0, 1, 2, 1];
    let wrong_columns = Array2::from_elem((4, 2), 0.5);
    assert!(metrics::roc_auc_ovr(&y, wrong_columns.view()).is_err());
    let not_summing = Array2::from_elem((4, 3), 0.5);
    assert!(metrics::roc_auc_ovr(&y, not_summing.view()).is_err());
}

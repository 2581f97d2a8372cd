//! Invariants of `vlogmood::metrics` checked on generated inputs (proptest).
//!
//! Relabelling and row permutation change only the order in which floating-point sums are taken
//! (clusters in ascending-id order, samples in index order), so "unchanged" means equal within
//! `REL = 1e-12` relative plus `ABS = 1e-12` absolute; integer-valued results (ARI's pair
//! counts, confusion matrices) are compared exactly. Davies-Bouldin divides by centroid
//! distances, so when two centroids nearly coincide it amplifies round-off in the means by
//! `κ = max|x| / min centroid distance`; its tolerance is `REL · (1 + κ)`.

use ndarray::Array2;
use proptest::prelude::*;
use proptest::sample::subsequence;
use vlogmood::metrics::{self, Average};

const REL: f64 = 1e-12;
const ABS: f64 = 1e-12;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= REL * a.abs().max(b.abs()) + ABS
}

/// Feature values: continuous, or small integers so that duplicate rows and tied distances occur.
fn value() -> impl Strategy<Value = f64> {
    prop_oneof![-50.0..50.0f64, (-2i32..=2).prop_map(f64::from)]
}

/// `(x, labels)` with n in 3..30, d in 1..4 and 2 ≤ n_labels ≤ n − 1, labels in `0..k`.
fn clustering() -> impl Strategy<Value = (Array2<f64>, Vec<usize>)> {
    (3usize..30, 1usize..4, 2usize..6).prop_flat_map(|(n, d, k)| {
        let k = k.min(n - 1);
        (prop::collection::vec(value(), n * d), prop::collection::vec(0..k, n - 3)).prop_map(move |(values, rest)| {
            let x = Array2::from_shape_vec((n, d), values).expect("n·d values");
            // Samples 0..3 guarantee two labels and one shared label.
            let labels = [0, 1, 0].into_iter().chain(rest).collect();
            (x, labels)
        })
    })
}

/// A bijection from `0..k` to distinct arbitrary ids.
fn ids(k: usize) -> impl Strategy<Value = Vec<usize>> {
    prop::collection::btree_set(any::<usize>(), k).prop_map(|set| set.into_iter().collect::<Vec<_>>()).prop_shuffle()
}

fn permutation(n: usize) -> impl Strategy<Value = Vec<usize>> {
    Just((0..n).collect::<Vec<_>>()).prop_shuffle()
}

/// Two labellings of the same n samples, with up to 6 and 4 clusters.
fn labellings() -> impl Strategy<Value = (Vec<usize>, Vec<usize>)> {
    (1usize..60).prop_flat_map(|n| (prop::collection::vec(0usize..6, n), prop::collection::vec(0usize..4, n)))
}

struct Internal {
    silhouette: f64,
    samples: Vec<f64>,
    davies_bouldin: f64,
    calinski_harabasz: f64,
    inertia: f64,
}

fn internal(x: &Array2<f64>, labels: &[usize]) -> Internal {
    let v = x.view();
    Internal {
        silhouette: metrics::silhouette_score(v, labels).expect("valid input"),
        samples: metrics::silhouette_samples(v, labels).expect("valid input").to_vec(),
        davies_bouldin: metrics::davies_bouldin_score(v, labels).expect("valid input"),
        calinski_harabasz: metrics::calinski_harabasz_score(v, labels).expect("valid input"),
        inertia: metrics::inertia(v, labels).expect("valid input"),
    }
}

/// κ for Davies-Bouldin: largest |x| over the smallest non-zero distance between centroids.
fn db_condition(x: &Array2<f64>, labels: &[usize]) -> f64 {
    let k = labels.iter().max().map_or(0, |m| m + 1);
    let mut sums = Array2::<f64>::zeros((k, x.ncols()));
    let mut counts = vec![0.0; k];
    for (row, &l) in x.rows().into_iter().zip(labels) {
        let mut s = sums.row_mut(l);
        s += &row;
        counts[l] += 1.0;
    }
    let means: Vec<Vec<f64>> = sums
        .rows()
        .into_iter()
        .zip(&counts)
        .filter(|(_, &n)| n > 0.0)
        .map(|(s, n)| s.iter().map(|v| v / n).collect())
        .collect();
    let mut min_dist = f64::INFINITY;
    for (i, a) in means.iter().enumerate() {
        for b in &means[i + 1..] {
            let d = a.iter().zip(b).map(|(p, q)| (p - q) * (p - q)).sum::<f64>().sqrt();
            if d > 0.0 {
                min_dist = min_dist.min(d);
            }
        }
    }
    let max_abs = x.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    max_abs / min_dist
}

fn assert_internal_close(a: &Internal, b: &Internal, order: &[usize], kappa: f64) {
    let (da, db) = (a.davies_bouldin, b.davies_bouldin);
    let db_tol = REL * (1.0 + kappa);
    assert!((da - db).abs() <= db_tol * da.abs().max(db.abs()) + ABS, "DB {da} vs {db} (κ = {kappa:e})");
    assert!(close(a.silhouette, b.silhouette), "silhouette {} vs {}", a.silhouette, b.silhouette);
    assert!(close(a.calinski_harabasz, b.calinski_harabasz), "CH {} vs {}", a.calinski_harabasz, b.calinski_harabasz);
    assert!(close(a.inertia, b.inertia), "inertia {} vs {}", a.inertia, b.inertia);
    for (i, &src) in order.iter().enumerate() {
        assert!(close(b.samples[i], a.samples[src]), "sample {i}");
    }
}

fn rows(x: &Array2<f64>, order: &[usize]) -> Array2<f64> {
    x.select(ndarray::Axis(0), order)
}

proptest! {
    #[test]
    fn relabelling_clusters_leaves_internal_metrics_unchanged(
        (x, labels, new_ids) in clustering().prop_flat_map(|(x, labels)| (Just(x), Just(labels), ids(5)))
    ) {
        let relabelled: Vec<usize> = labels.iter().map(|&l| new_ids[l]).collect();
        let identity: Vec<usize> = (0..labels.len()).collect();
        let kappa = db_condition(&x, &labels);
        assert_internal_close(&internal(&x, &labels), &internal(&x, &relabelled), &identity, kappa);
    }

    #[test]
    fn permuting_rows_leaves_internal_metrics_unchanged(
        (x, labels, order) in clustering().prop_flat_map(|(x, labels)| {
            let n = labels.len();
            (Just(x), Just(labels), permutation(n))
        })
    ) {
        let permuted_labels: Vec<usize> = order.iter().map(|&i| labels[i]).collect();
        let a = internal(&x, &labels);
        let b = internal(&rows(&x, &order), &permuted_labels);
        assert_internal_close(&a, &b, &order, db_condition(&x, &labels));
    }

    #[test]
    fn silhouette_lies_in_minus_one_to_one((x, labels) in clustering()) {
        let samples = metrics::silhouette_samples(x.view(), &labels).expect("valid input");
        prop_assert!(samples.iter().all(|s| (-1.0..=1.0).contains(s)));
        let score = metrics::silhouette_score(x.view(), &labels).expect("valid input");
        prop_assert!((-1.0..=1.0).contains(&score));
    }

    #[test]
    fn inertia_to_the_cluster_means_equals_inertia((x, labels) in clustering()) {
        // Centroids = cluster means, rows in label order 0..k: KMeans.inertia_ at convergence.
        let k = labels.iter().max().map_or(0, |m| m + 1);
        let mut centroids = Array2::zeros((k, x.ncols()));
        let mut counts = vec![0.0; k];
        for (row, &l) in x.rows().into_iter().zip(&labels) {
            let mut c = centroids.row_mut(l);
            c += &row;
            counts[l] += 1.0;
        }
        for (mut c, n) in centroids.rows_mut().into_iter().zip(&counts) {
            if *n > 0.0 { c /= *n; }
        }
        let a = metrics::inertia(x.view(), &labels).expect("valid input");
        let b = metrics::inertia_to_centroids(x.view(), centroids.view(), &labels).expect("valid input");
        prop_assert!(close(a, b), "{a} vs {b}");
    }

    #[test]
    fn ari_and_nmi_are_symmetric((a, b) in labellings()) {
        prop_assert_eq!(
            metrics::adjusted_rand_score(&a, &b).expect("valid"),
            metrics::adjusted_rand_score(&b, &a).expect("valid")
        );
        let ab = metrics::normalized_mutual_info_score(&a, &b).expect("valid");
        let ba = metrics::normalized_mutual_info_score(&b, &a).expect("valid");
        prop_assert!(close(ab, ba), "{ab} vs {ba}");
    }

    #[test]
    fn ari_and_nmi_of_a_labelling_with_itself_are_one((a, _) in labellings()) {
        let mut a = a;
        if a.iter().all(|&l| l == a[0]) {
            a.push(a[0] + 1); // at least two clusters
        }
        prop_assert_eq!(metrics::adjusted_rand_score(&a, &a).expect("valid"), 1.0);
        let nmi = metrics::normalized_mutual_info_score(&a, &a).expect("valid");
        prop_assert!(close(nmi, 1.0), "{nmi}");
    }

    #[test]
    fn relabelling_leaves_ari_and_nmi_unchanged(
        (a, b, ida, idb) in labellings().prop_flat_map(|(a, b)| (Just(a), Just(b), ids(6), ids(4)))
    ) {
        let ra: Vec<usize> = a.iter().map(|&l| ida[l]).collect();
        let rb: Vec<usize> = b.iter().map(|&l| idb[l]).collect();
        prop_assert_eq!(
            metrics::adjusted_rand_score(&a, &b).expect("valid"),
            metrics::adjusted_rand_score(&ra, &rb).expect("valid")
        );
        let before = metrics::normalized_mutual_info_score(&a, &b).expect("valid");
        let after = metrics::normalized_mutual_info_score(&ra, &rb).expect("valid");
        prop_assert!(close(before, after), "{before} vs {after}");
    }

    #[test]
    fn permuting_samples_leaves_ari_and_nmi_unchanged(
        (a, b, order) in labellings().prop_flat_map(|(a, b)| {
            let n = a.len();
            (Just(a), Just(b), permutation(n))
        })
    ) {
        let pa: Vec<usize> = order.iter().map(|&i| a[i]).collect();
        let pb: Vec<usize> = order.iter().map(|&i| b[i]).collect();
        prop_assert_eq!(
            metrics::adjusted_rand_score(&a, &b).expect("valid"),
            metrics::adjusted_rand_score(&pa, &pb).expect("valid")
        );
        let before = metrics::normalized_mutual_info_score(&a, &b).expect("valid");
        let after = metrics::normalized_mutual_info_score(&pa, &pb).expect("valid");
        prop_assert!(close(before, after), "{before} vs {after}");
    }

    #[test]
    fn relabelling_classes_leaves_accuracy_f1_and_confusion_unchanged(
        (t, p, new_ids) in labellings().prop_flat_map(|(t, p)| (Just(t), Just(p), ids(6)))
    ) {
        let rt: Vec<usize> = t.iter().map(|&l| new_ids[l]).collect();
        let rp: Vec<usize> = p.iter().map(|&l| new_ids[l]).collect();
        prop_assert_eq!(metrics::accuracy(&t, &p).expect("valid"), metrics::accuracy(&rt, &rp).expect("valid"));
        for average in [Average::Macro, Average::Weighted] {
            let before = metrics::f1_score(&t, &p, average).expect("valid");
            let after = metrics::f1_score(&rt, &rp, average).expect("valid");
            prop_assert!(close(before, after), "{average:?}: {before} vs {after}");
        }
        // Same counts, with rows and columns in the new ids' order.
        let cm = metrics::confusion_matrix(&t, &p).expect("valid");
        let rcm = metrics::confusion_matrix(&rt, &rp).expect("valid");
        for (i, &li) in cm.labels.iter().enumerate() {
            for (j, &lj) in cm.labels.iter().enumerate() {
                let ri = rcm.labels.binary_search(&new_ids[li]).expect("relabelled id present");
                let rj = rcm.labels.binary_search(&new_ids[lj]).expect("relabelled id present");
                prop_assert_eq!(cm.counts[[i, j]], rcm.counts[[ri, rj]]);
            }
        }
    }

    #[test]
    fn permuting_samples_leaves_classification_metrics_unchanged(
        (t, p, scores, order) in labellings().prop_flat_map(|(t, p)| {
            let n = t.len();
            (Just(t), Just(p), prop::collection::vec(prop_oneof![0.0..1.0f64, Just(0.5)], n), permutation(n))
        })
    ) {
        let pick = |v: &[usize]| order.iter().map(|&i| v[i]).collect::<Vec<_>>();
        let (pt, pp) = (pick(&t), pick(&p));
        prop_assert_eq!(metrics::accuracy(&t, &p).expect("valid"), metrics::accuracy(&pt, &pp).expect("valid"));
        for average in [Average::Macro, Average::Weighted] {
            let before = metrics::f1_score(&t, &p, average).expect("valid");
            let after = metrics::f1_score(&pt, &pp, average).expect("valid");
            prop_assert!(close(before, after), "{average:?}: {before} vs {after}");
        }
        prop_assert_eq!(metrics::confusion_matrix(&t, &p).expect("valid"), metrics::confusion_matrix(&pt, &pp).expect("valid"));
        let binary: Vec<usize> = t.iter().map(|&l| l % 2).collect();
        let ps: Vec<f64> = order.iter().map(|&i| scores[i]).collect();
        match metrics::roc_auc_score(&binary, &scores) {
            Ok(auc) => {
                prop_assert!((0.0..=1.0).contains(&auc));
                let after = metrics::roc_auc_score(&pick(&binary), &ps).expect("same classes");
                prop_assert!(close(auc, after), "{auc} vs {after}");
            }
            Err(e) => {
                let one_class = matches!(e, metrics::MetricsError::NotBinary { n_classes: 1 });
                prop_assert!(one_class, "{}", e);
            }
        }
    }

    #[test]
    fn no_input_makes_a_metric_panic(
        n in 0usize..8,
        d in 0usize..3,
        values in prop::collection::vec(any::<f64>(), 24),
        labels in prop::collection::vec(0usize..4, 0..9),
        other in prop::collection::vec(0usize..4, 0..9),
        pick in subsequence((0..24).collect::<Vec<usize>>(), 0..=24),
    ) {
        let x = Array2::from_shape_vec((n, d), values[..n * d].to_vec()).expect("n·d ≤ 24");
        let v = x.view();
        let scores: Vec<f64> = pick.iter().map(|&i| values[i]).collect();
        // Each call returns Ok or Err; none may panic, and an Ok value is never NaN.
        let results = [
            metrics::silhouette_score(v, &labels),
            metrics::davies_bouldin_score(v, &labels),
            metrics::calinski_harabasz_score(v, &labels),
            metrics::inertia(v, &labels),
            metrics::inertia_to_centroids(v, v, &labels),
            metrics::adjusted_rand_score(&labels, &other),
            metrics::normalized_mutual_info_score(&labels, &other),
            metrics::accuracy(&labels, &other),
            metrics::f1_score(&labels, &other, Average::Macro),
            metrics::f1_score(&labels, &other, Average::Weighted),
            metrics::roc_auc_score(&labels, &scores),
        ];
        for value in results.into_iter().flatten() {
            prop_assert!(!value.is_nan());
        }
        let _ = metrics::silhouette_samples(v, &labels);
        let _ = metrics::confusion_matrix(&labels, &other);
    }
}

/// `(x, labels)` of [`clustering`] with some rows turned to noise (`None`), and a permutation
/// of the cluster ids `0..6`.
fn noisy_clustering() -> impl Strategy<Value = (Array2<f64>, Vec<Option<usize>>, Vec<usize>)> {
    clustering()
        .prop_flat_map(|(x, labels)| {
            let n = labels.len();
            (Just(x), Just(labels), prop::collection::vec(any::<bool>(), n), permutation(6))
        })
        .prop_map(|(x, labels, noise, ids)| {
            // The first three rows keep their labels, so two clusters always remain.
            let labels =
                labels.iter().zip(&noise).enumerate().map(|(i, (&l, &n))| (i < 3 || !n).then_some(l)).collect();
            (x, labels, ids)
        })
}

proptest! {
    /// Renaming clusters changes no metric whichever way noise is treated: noise stays noise,
    /// and scored as a cluster it is one more cluster under any names.
    #[test]
    fn relabelling_leaves_metrics_with_noise_unchanged((x, labels, ids) in noisy_clustering()) {
        use vlogmood::models::NoiseTreatment;
        use vlogmood::study::InternalMetrics;
        let relabelled: Vec<Option<usize>> = labels.iter().map(|l| l.map(|c| ids[c])).collect();
        let truth: Vec<usize> = (0..labels.len()).map(|i| i % 3).collect();
        for treatment in [NoiseTreatment::NonNoiseOnly, NoiseTreatment::AsClusterAsSklearn] {
            let a = InternalMetrics::compute(x.view(), &labels, None, Some(treatment));
            let b = InternalMetrics::compute(x.view(), &relabelled, None, Some(treatment));
            let (kept, dense) = treatment.apply(&labels);
            let kappa = db_condition(&x.select(ndarray::Axis(0), &kept), &dense);
            let same = |p: Option<f64>, q: Option<f64>, tol: f64| match (p, q) {
                (Some(p), Some(q)) => (p - q).abs() <= tol * p.abs().max(q.abs()) + ABS,
                (p, q) => p.is_none() && q.is_none(),
            };
            prop_assert!(same(a.silhouette, b.silhouette, REL), "{treatment:?} silhouette {a:?} {b:?}");
            prop_assert!(same(a.calinski_harabasz, b.calinski_harabasz, REL), "{treatment:?} CH");
            prop_assert!(same(a.davies_bouldin, b.davies_bouldin, REL * (1.0 + kappa)), "{treatment:?} DB");
            prop_assert_eq!(a.noise_fraction, b.noise_fraction);
            // External agreement on the rows the treatment keeps.
            let ari = |l: &[Option<usize>]| {
                let (kept, dense) = treatment.apply(l);
                let truth: Vec<usize> = kept.iter().map(|&i| truth[i]).collect();
                metrics::adjusted_rand_score(&truth, &dense).ok()
            };
            prop_assert_eq!(ari(&labels), ari(&relabelled));
        }
    }
}

//! Internal clustering metrics: silhouette, Davies-Bouldin, Calinski-Harabasz, inertia.
//!
//! Distances are Euclidean, computed directly as `sqrt(Σ (x − y)²)` with the features summed in
//! column order. scikit-learn expands them as `sqrt(|x|² − 2 x·y + |y|²)`, which for two
//! identical rows leaves round-off of about `sqrt(ε |x|²)` (≈ 1e-7 on standardised data)
//! instead of 0; its silhouette and Davies-Bouldin values on data with duplicate rows (bootstrap
//! resamples) therefore carry ≈ 1e-9 relative noise that these do not. On data without
//! duplicate rows the two agree to ≈ 1e-15 (`tests/metrics_parity.rs`).

use ndarray::{Array1, ArrayView2, CowArray, Ix2};

use super::input::{check_finite, check_n_labels, check_samples, encode, Encoded};
use super::MetricsError;

/// Row-major contiguous view of `x` (borrowed when `x` already is, copied otherwise).
struct Rows<'a> {
    data: CowArray<'a, f64, Ix2>,
    n_features: usize,
}

impl<'a> Rows<'a> {
    fn new(x: ArrayView2<'a, f64>) -> Self {
        let n_features = x.ncols();
        let data = if x.is_standard_layout() {
            CowArray::from(x)
        } else {
            CowArray::from(x.as_standard_layout().into_owned())
        };
        Rows { data, n_features }
    }

    fn row(&self, i: usize) -> &[f64] {
        let all = self.data.as_slice().expect("a standard-layout array is contiguous");
        &all[i * self.n_features..(i + 1) * self.n_features]
    }
}

fn squared_distance(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(p, q)| (p - q) * (p - q)).sum()
}

fn distance(a: &[f64], b: &[f64]) -> f64 {
    squared_distance(a, b).sqrt()
}

/// Per-cluster means, `(n_clusters, n_features)` flattened row-major: rows are added in index
/// order, then divided by the cluster size (numpy's `mean(axis=0)` on a C-contiguous array).
fn cluster_means(rows: &Rows, enc: &Encoded) -> Vec<f64> {
    let d = rows.n_features;
    let mut means = vec![0.0; enc.n_classes() * d];
    for (i, &code) in enc.codes.iter().enumerate() {
        for (m, v) in means[code * d..(code + 1) * d].iter_mut().zip(rows.row(i)) {
            *m += v;
        }
    }
    for (code, &count) in enc.counts.iter().enumerate() {
        for m in &mut means[code * d..(code + 1) * d] {
            *m /= count as f64;
        }
    }
    means
}

fn finite_or_overflow(metric: &'static str, value: f64) -> Result<f64, MetricsError> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(MetricsError::Overflow { metric })
    }
}

/// Mirrors sklearn.metrics.silhouette_samples (1.9), Euclidean: `s = (b − a) / max(a, b)` with
/// `a` the mean distance to the other members of the sample's cluster and `b` the smallest mean
/// distance to another cluster; a sample alone in its cluster scores 0, and so does a sample
/// with `a = b = 0` (scikit-learn's `nan_to_num`). Labels are arbitrary ids. Errors unless
/// 2 ≤ n_labels ≤ n_samples − 1, on mismatched lengths, empty input and non-finite values.
/// Differs: distances are computed directly, not by the dot-product expansion (module doc), so
/// duplicate rows are exactly 0 apart.
pub fn silhouette_samples(x: ArrayView2<f64>, labels: &[usize]) -> Result<Array1<f64>, MetricsError> {
    const METRIC: &str = "silhouette";
    check_samples(METRIC, x, labels)?;
    let n_samples = labels.len();
    let enc = encode(labels);
    check_n_labels(METRIC, enc.n_classes(), n_samples)?;
    let rows = Rows::new(x);
    let mut scores = Array1::zeros(n_samples);
    // Distance sums from sample i to every cluster, accumulated in sample order.
    let mut sums = vec![0.0; enc.n_classes()];
    for (i, score) in scores.iter_mut().enumerate() {
        sums.fill(0.0);
        let xi = rows.row(i);
        for (j, &code) in enc.codes.iter().enumerate() {
            sums[code] += distance(xi, rows.row(j));
        }
        if sums.iter().any(|s| !s.is_finite()) {
            return Err(MetricsError::Overflow { metric: METRIC });
        }
        let own = enc.codes[i];
        let own_size = enc.counts[own];
        if own_size == 1 {
            continue; // scikit-learn: 0/0 → NaN → 0 for singletons
        }
        let a = sums[own] / (own_size - 1) as f64;
        let b = sums
            .iter()
            .zip(&enc.counts)
            .enumerate()
            .filter(|&(code, _)| code != own)
            .map(|(_, (&sum, &count))| sum / count as f64)
            .fold(f64::INFINITY, f64::min);
        let s = (b - a) / a.max(b);
        *score = if s.is_nan() { 0.0 } else { s };
    }
    Ok(scores)
}

/// Mirrors sklearn.metrics.silhouette_score (1.9), Euclidean, no sampling: the mean of
/// [`silhouette_samples`] (singletons count as 0), summed in sample order. Errors unless
/// 2 ≤ n_labels ≤ n_samples − 1 (scikit-learn raises too). Differs: distances are computed
/// directly (module doc); linfa's silhouette, which scores singletons 1, is not used.
pub fn silhouette_score(x: ArrayView2<f64>, labels: &[usize]) -> Result<f64, MetricsError> {
    let samples = silhouette_samples(x, labels)?;
    Ok(samples.iter().sum::<f64>() / samples.len() as f64)
}

/// Mirrors sklearn.metrics.calinski_harabasz_score (1.9): between-cluster dispersion
/// `Σ n_k |c_k − c|²` over within-cluster dispersion `Σ |x − c_k|²`, times
/// `(n_samples − n_labels) / (n_labels − 1)`; returns 1.0 when the within-cluster dispersion is
/// exactly 0. Errors unless 2 ≤ n_labels ≤ n_samples − 1. Differs: none.
pub fn calinski_harabasz_score(x: ArrayView2<f64>, labels: &[usize]) -> Result<f64, MetricsError> {
    const METRIC: &str = "calinski_harabasz";
    check_samples(METRIC, x, labels)?;
    let n_samples = labels.len();
    let enc = encode(labels);
    let n_labels = enc.n_classes();
    check_n_labels(METRIC, n_labels, n_samples)?;
    let rows = Rows::new(x);
    let d = rows.n_features;
    let mut mean = vec![0.0; d];
    for i in 0..n_samples {
        for (m, v) in mean.iter_mut().zip(rows.row(i)) {
            *m += v;
        }
    }
    for m in &mut mean {
        *m /= n_samples as f64;
    }
    let means = cluster_means(&rows, &enc);
    let mut intra_per_cluster = vec![0.0; n_labels];
    for (i, &code) in enc.codes.iter().enumerate() {
        intra_per_cluster[code] += squared_distance(rows.row(i), &means[code * d..(code + 1) * d]);
    }
    let mut extra_disp = 0.0;
    let mut intra_disp = 0.0;
    for (code, &count) in enc.counts.iter().enumerate() {
        extra_disp += count as f64 * squared_distance(&means[code * d..(code + 1) * d], &mean);
        intra_disp += intra_per_cluster[code];
    }
    if intra_disp == 0.0 {
        return Ok(1.0);
    }
    let score = extra_disp * (n_samples - n_labels) as f64 / (intra_disp * (n_labels as f64 - 1.0));
    finite_or_overflow(METRIC, score)
}

/// Mirrors sklearn.metrics.davies_bouldin_score (1.9): the mean over clusters of
/// `max_j (s_i + s_j) / d(c_i, c_j)`, with `s_i` the mean distance of cluster i's members to
/// its centroid. As scikit-learn: returns 0.0 when every `s_i` or every centroid distance is
/// within 1e-8 of 0 (`isclose`), and a zero distance between two centroids counts as infinite
/// (that pair contributes 0). Errors unless 2 ≤ n_labels ≤ n_samples − 1. Differs: distances
/// are computed directly (module doc), so a singleton's distance to its own centroid is exactly
/// 0 and two coincident centroids are exactly 0 apart.
pub fn davies_bouldin_score(x: ArrayView2<f64>, labels: &[usize]) -> Result<f64, MetricsError> {
    const METRIC: &str = "davies_bouldin";
    // scikit-learn's `isclose(v, 0)` with its default atol.
    const ISCLOSE_ATOL: f64 = 1e-8;
    check_samples(METRIC, x, labels)?;
    let n_samples = labels.len();
    let enc = encode(labels);
    let n_labels = enc.n_classes();
    check_n_labels(METRIC, n_labels, n_samples)?;
    let rows = Rows::new(x);
    let d = rows.n_features;
    let means = cluster_means(&rows, &enc);
    let centroid = |code: usize| &means[code * d..(code + 1) * d];
    let mut intra = vec![0.0; n_labels];
    for (i, &code) in enc.codes.iter().enumerate() {
        intra[code] += distance(rows.row(i), centroid(code));
    }
    for (s, &count) in intra.iter_mut().zip(&enc.counts) {
        *s /= count as f64;
    }
    let mut centroid_distances = vec![0.0; n_labels * n_labels];
    for i in 0..n_labels {
        for j in 0..n_labels {
            if i != j {
                centroid_distances[i * n_labels + j] = distance(centroid(i), centroid(j));
            }
        }
    }
    if intra.iter().chain(&centroid_distances).any(|v| !v.is_finite()) {
        return Err(MetricsError::Overflow { metric: METRIC });
    }
    if intra.iter().all(|s| s.abs() <= ISCLOSE_ATOL) || centroid_distances.iter().all(|c| c.abs() <= ISCLOSE_ATOL) {
        return Ok(0.0);
    }
    let mut total = 0.0;
    for i in 0..n_labels {
        let mut worst = f64::NEG_INFINITY;
        for j in 0..n_labels {
            let dist = centroid_distances[i * n_labels + j];
            let dist = if dist == 0.0 { f64::INFINITY } else { dist };
            worst = worst.max((intra[i] + intra[j]) / dist);
        }
        total += worst;
    }
    finite_or_overflow(METRIC, total / n_labels as f64)
}

/// Mirrors sklearn.cluster.KMeans.inertia_ (1.9) measured to the cluster means: the squared
/// Euclidean distance of every sample to the mean of its cluster, summed in sample order. Any
/// number of clusters (1 included) is allowed, so the elbow can start at k = 1; labels are
/// arbitrary ids. Errors on mismatched lengths, empty input and non-finite values. Differs:
/// scikit-learn measures to the fitted centroids, which equal the means only at exact
/// convergence; for a fitted model use [`inertia_to_centroids`]. Tested against numpy.
pub fn inertia(x: ArrayView2<f64>, labels: &[usize]) -> Result<f64, MetricsError> {
    const METRIC: &str = "inertia";
    check_samples(METRIC, x, labels)?;
    let enc = encode(labels);
    let rows = Rows::new(x);
    let d = rows.n_features;
    let means = cluster_means(&rows, &enc);
    let total = enc
        .codes
        .iter()
        .enumerate()
        .map(|(i, &code)| squared_distance(rows.row(i), &means[code * d..(code + 1) * d]))
        .sum();
    finite_or_overflow(METRIC, total)
}

/// Mirrors sklearn.cluster.KMeans.inertia_ (1.9, unit sample weights): the squared Euclidean
/// distance of every sample to its assigned centroid, `centroids.row(labels[i])`, summed in
/// sample order as scikit-learn's `_inertia_dense` does. Here `labels` are centroid row
/// indices, not arbitrary ids. Errors on mismatched lengths, empty input, non-finite values,
/// centroids of another width and labels with no centroid row. Differs: none.
pub fn inertia_to_centroids(
    x: ArrayView2<f64>,
    centroids: ArrayView2<f64>,
    labels: &[usize],
) -> Result<f64, MetricsError> {
    const METRIC: &str = "inertia_to_centroids";
    check_samples(METRIC, x, labels)?;
    if centroids.ncols() != x.ncols() {
        return Err(MetricsError::CentroidWidth {
            metric: METRIC,
            centroid_cols: centroids.ncols(),
            x_cols: x.ncols(),
        });
    }
    check_finite(METRIC, "centroids", centroids)?;
    let n_centroids = centroids.nrows();
    if let Some((index, &label)) = labels.iter().enumerate().find(|(_, &l)| l >= n_centroids) {
        return Err(MetricsError::LabelOutOfRange { metric: METRIC, index, label, n_centroids });
    }
    let rows = Rows::new(x);
    let centres = Rows::new(centroids);
    let total = labels.iter().enumerate().map(|(i, &label)| squared_distance(rows.row(i), centres.row(label))).sum();
    finite_or_overflow(METRIC, total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{array, Array2};

    fn two_blobs() -> (Array2<f64>, Vec<usize>) {
        let x = array![[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [9.0, 9.0], [9.0, 8.0], [8.0, 9.0]];
        (x, vec![0, 0, 0, 1, 1, 1])
    }

    #[test]
    fn one_label_is_rejected() {
        let (x, _) = two_blobs();
        let labels = vec![4; 6];
        for result in [
            silhouette_score(x.view(), &labels),
            davies_bouldin_score(x.view(), &labels),
            calinski_harabasz_score(x.view(), &labels),
        ] {
            assert!(matches!(result, Err(MetricsError::InvalidLabelCount { n_labels: 1, n_samples: 6, .. })));
        }
    }

    #[test]
    fn as_many_labels_as_samples_is_rejected() {
        let (x, _) = two_blobs();
        let labels = [0, 1, 2, 3, 4, 5];
        let err = silhouette_score(x.view(), &labels).unwrap_err();
        assert_eq!(err.to_string(), "silhouette needs 2 ≤ n_labels ≤ n_samples − 1, got 6 labels for 6 samples");
        assert!(davies_bouldin_score(x.view(), &labels).is_err());
        assert!(calinski_harabasz_score(x.view(), &labels).is_err());
    }

    #[test]
    fn length_mismatch_is_rejected() {
        let (x, _) = two_blobs();
        let labels = [0, 1, 0];
        for result in [
            silhouette_score(x.view(), &labels),
            davies_bouldin_score(x.view(), &labels),
            calinski_harabasz_score(x.view(), &labels),
            inertia(x.view(), &labels),
            inertia_to_centroids(x.view(), x.view(), &labels),
        ] {
            assert!(matches!(result, Err(MetricsError::LengthMismatch { left: 6, right: 3, .. })));
        }
    }

    #[test]
    fn empty_input_is_rejected() {
        let x = Array2::<f64>::zeros((0, 3));
        for result in [
            silhouette_score(x.view(), &[]),
            davies_bouldin_score(x.view(), &[]),
            calinski_harabasz_score(x.view(), &[]),
            inertia(x.view(), &[]),
            inertia_to_centroids(x.view(), x.view(), &[]),
        ] {
            assert!(matches!(result, Err(MetricsError::Empty { .. })));
        }
    }

    #[test]
    fn zero_columns_are_rejected() {
        let x = Array2::<f64>::zeros((4, 0));
        let labels = [0, 0, 1, 1];
        assert!(matches!(silhouette_score(x.view(), &labels), Err(MetricsError::NoFeatures { n_samples: 4, .. })));
        assert!(matches!(inertia(x.view(), &labels), Err(MetricsError::NoFeatures { .. })));
    }

    #[test]
    fn nan_in_x_is_rejected() {
        let (mut x, labels) = two_blobs();
        x[[4, 1]] = f64::NAN;
        for result in [
            silhouette_score(x.view(), &labels),
            davies_bouldin_score(x.view(), &labels),
            calinski_harabasz_score(x.view(), &labels),
            inertia(x.view(), &labels),
        ] {
            assert!(matches!(result, Err(MetricsError::NonFiniteInput { row: 4, col: 1, .. })));
        }
        x[[4, 1]] = f64::INFINITY;
        let err = silhouette_score(x.view(), &labels).unwrap_err();
        assert_eq!(err.to_string(), "silhouette: x[4, 1] is inf, not a finite number");
    }

    #[test]
    fn nan_in_centroids_is_rejected() {
        let (x, _) = two_blobs();
        let centroids = array![[0.0, 0.0], [f64::NAN, 1.0]];
        assert!(matches!(
            inertia_to_centroids(x.view(), centroids.view(), &[0, 0, 0, 1, 1, 1]),
            Err(MetricsError::NonFiniteInput { matrix: "centroids", row: 1, col: 0, .. })
        ));
    }

    #[test]
    fn centroids_of_another_width_are_rejected() {
        let (x, labels) = two_blobs();
        let centroids = Array2::<f64>::zeros((2, 3));
        assert!(matches!(
            inertia_to_centroids(x.view(), centroids.view(), &labels),
            Err(MetricsError::CentroidWidth { centroid_cols: 3, x_cols: 2, .. })
        ));
    }

    #[test]
    fn label_without_centroid_is_rejected() {
        let (x, _) = two_blobs();
        let centroids = Array2::<f64>::zeros((2, 2));
        assert!(matches!(
            inertia_to_centroids(x.view(), centroids.view(), &[0, 0, 0, 1, 2, 1]),
            Err(MetricsError::LabelOutOfRange { index: 4, label: 2, n_centroids: 2, .. })
        ));
    }

    #[test]
    fn overflowing_distances_are_an_error_not_nan() {
        let x = array![[1e200], [-1e200], [3e200], [-3e200]];
        let labels = [0, 0, 1, 1];
        assert!(matches!(silhouette_score(x.view(), &labels), Err(MetricsError::Overflow { .. })));
        assert!(matches!(inertia(x.view(), &labels), Err(MetricsError::Overflow { .. })));
    }

    #[test]
    fn singletons_score_zero() {
        let x = array![[0.0], [0.1], [5.0], [9.0]];
        let samples = silhouette_samples(x.view(), &[0, 0, 1, 2]).unwrap();
        assert_eq!(samples[2], 0.0);
        assert_eq!(samples[3], 0.0);
        assert!(samples[0] > 0.9);
    }

    #[test]
    fn duplicate_points_have_zero_distance() {
        // a = 0 and b = 0 for the first two samples: 0/0 → 0 as scikit-learn's nan_to_num.
        let x = array![[1.0, 2.0], [1.0, 2.0], [1.0, 2.0], [4.0, 4.0], [4.0, 4.0]];
        let samples = silhouette_samples(x.view(), &[0, 0, 1, 2, 2]).unwrap();
        assert_eq!(samples.to_vec(), vec![0.0, 0.0, 0.0, 1.0, 1.0]);
    }

    #[test]
    fn zero_within_cluster_dispersion_gives_ch_one_and_db_zero() {
        let x = array![[0.0, 0.0], [0.0, 0.0], [1.0, 1.0], [1.0, 1.0]];
        let labels = [0, 0, 1, 1];
        assert_eq!(calinski_harabasz_score(x.view(), &labels).unwrap(), 1.0);
        assert_eq!(davies_bouldin_score(x.view(), &labels).unwrap(), 0.0);
        assert_eq!(inertia(x.view(), &labels).unwrap(), 0.0);
    }

    #[test]
    fn coincident_centroids_count_as_infinitely_far() {
        // Clusters 0 and 1 share centroid (0, 0); sklearn gives 0.3076849870409711.
        let x = array![[1.0, 0.0], [-1.0, 0.0], [0.0, 2.0], [0.0, -2.0], [5.0, 5.0], [6.0, 5.0], [5.0, 6.0]];
        let db = davies_bouldin_score(x.view(), &[0, 0, 1, 1, 2, 2, 2]).unwrap();
        assert!((db - 0.3076849870409711).abs() < 1e-12);
    }

    #[test]
    fn column_major_input_gives_the_same_values() {
        let (x, labels) = two_blobs();
        let f = x.t().as_standard_layout().into_owned().reversed_axes();
        assert!(!f.is_standard_layout());
        assert_eq!(silhouette_score(x.view(), &labels).unwrap(), silhouette_score(f.view(), &labels).unwrap());
        assert_eq!(inertia(x.view(), &labels).unwrap(), inertia(f.view(), &labels).unwrap());
    }

    #[test]
    fn inertia_matches_hand_computation() {
        let (x, labels) = two_blobs();
        // Each blob: centroid at 1/3 from the corner; Σ |x − c|² = 4/3 per blob.
        assert!((inertia(x.view(), &labels).unwrap() - 8.0 / 3.0).abs() < 1e-12);
        let centroids = array![[0.0, 0.0], [9.0, 9.0]];
        assert_eq!(inertia_to_centroids(x.view(), centroids.view(), &labels).unwrap(), 4.0);
    }
}

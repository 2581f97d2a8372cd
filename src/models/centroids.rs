//! Centroid helpers shared by every clustering model: cluster means, nearest-centroid
//! assignment (the out-of-sample rule of all models here) and stable cluster numbering.

use ndarray::{Array2, ArrayView1, ArrayView2};

/// `Σ (a − b)²`, summed in index order.
pub fn squared_euclidean(a: ArrayView1<f64>, b: ArrayView1<f64>) -> f64 {
    a.iter().zip(b.iter()).map(|(p, q)| (p - q) * (p - q)).sum()
}

/// Renames arbitrary cluster ids to `0..` in order of each cluster's first row.
pub fn renumber_by_first_member(raw: &[usize]) -> Vec<usize> {
    let mut new_id = std::collections::BTreeMap::new();
    raw.iter()
        .map(|&r| {
            let next = new_id.len();
            *new_id.entry(r).or_insert(next)
        })
        .collect()
}

/// `(n_clusters, n_features)` means of the rows of each cluster, summed in row order. Labels must
/// lie in `0..n_clusters`; a cluster without rows gets a zero row.
pub fn cluster_means(x: ArrayView2<f64>, labels: &[usize], n_clusters: usize) -> Array2<f64> {
    let mut sums = Array2::<f64>::zeros((n_clusters, x.ncols()));
    let mut counts = vec![0usize; n_clusters];
    for (row, &c) in x.rows().into_iter().zip(labels) {
        let mut sum = sums.row_mut(c);
        sum += &row;
        counts[c] += 1;
    }
    for (mut sum, &count) in sums.rows_mut().into_iter().zip(&counts) {
        if count > 0 {
            sum /= count as f64;
        }
    }
    sums
}

/// The nearest row of `centroids` for each row of `x` (squared Euclidean; ties go to the lower
/// id; a row whose distances are all NaN gets 0).
pub fn nearest_centroid(centroids: ArrayView2<f64>, x: ArrayView2<f64>) -> Vec<usize> {
    x.rows()
        .into_iter()
        .map(|row| {
            let mut best = (0, f64::INFINITY);
            for (c, centroid) in centroids.rows().into_iter().enumerate() {
                let d = squared_euclidean(row, centroid);
                if d < best.1 {
                    best = (c, d);
                }
            }
            best.0
        })
        .collect()
}

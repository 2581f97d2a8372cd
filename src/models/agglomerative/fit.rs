//! Building the merge tree with kodama, cutting it, and assigning rows to the cut's centroids.

use ndarray::{Array2, ArrayView2};

use super::super::centroids::{cluster_means, nearest_centroid, renumber_by_first_member, squared_euclidean};
use super::super::ModelError;
use super::{AgglomerativeParams, Linkage};

/// One step of the merge tree, as a row of scipy's linkage matrix `Z`.
///
/// Node ids follow scipy: `0..n` are the rows, step `i` creates node `n + i`. Steps are sorted by
/// `distance` (ascending, ties in the order they were found).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Merge {
    /// The smaller node id of the two merged clusters (`Z[i, 0]`).
    pub a: usize,
    /// The larger node id (`Z[i, 1]`).
    pub b: usize,
    /// Linkage distance between the two clusters (`Z[i, 2]`): for ward, scipy's
    /// `sqrt(2·|A||B|/(|A|+|B|))·‖c_A − c_B‖`.
    pub distance: f64,
    /// Rows in the merged cluster (`Z[i, 3]`).
    pub size: usize,
}

/// A fitted agglomerative clustering: the full merge tree and its cut into `n_clusters`.
#[derive(Debug, Clone, PartialEq)]
pub struct AgglomerativeModel {
    /// Cluster of each fitted row, numbered `0..` in order of each cluster's first row.
    pub labels: Vec<usize>,
    /// `(n_clusters, n_features)`: mean of each cluster's rows; row `c` is cluster `c`.
    pub centroids: Array2<f64>,
    /// The `n − 1` merges of the full tree (scipy's linkage matrix).
    pub dendrogram: Vec<Merge>,
}

impl AgglomerativeParams {
    /// Builds the full tree over the rows of `x` (`(n_rows, n_features)`) and cuts it into
    /// `n_clusters` clusters.
    ///
    /// Mirrors `sklearn.cluster.AgglomerativeClustering(n_clusters, linkage, metric="euclidean")`
    /// (1.9) without connectivity, i.e. `scipy.cluster.hierarchy.linkage(X, method)` (1.17) cut
    /// by `_hc_cut`. Errors: invalid params, more clusters than rows, NaN/inf values, or values so
    /// large that squared distances overflow `f64`.
    pub fn fit(&self, x: ArrayView2<f64>) -> Result<AgglomerativeModel, ModelError> {
        self.validate()?;
        let n = x.nrows();
        if n < self.n_clusters {
            return Err(ModelError::TooFewRows { n_clusters: self.n_clusters, n_rows: n });
        }
        if x.iter().any(|v| !v.is_finite()) {
            return Err(ModelError::NonFinite);
        }
        let mut condensed = condensed_distances(x);
        // kodama squares distances for ward and forms size-weighted sums of them; an overflow
        // there would become NaN, which kodama's sort rejects with a panic. Refuse it up front.
        let max_distance = condensed.iter().copied().fold(0.0_f64, f64::max);
        if !(max_distance * max_distance * 3.0 * n as f64).is_finite() {
            return Err(ModelError::Fit {
                model: "agglomerative",
                reason: format!("distances up to {max_distance:e} overflow f64 when squared; rescale the features"),
            });
        }
        let method = match self.linkage {
            Linkage::Ward => kodama::Method::Ward,
            Linkage::Complete => kodama::Method::Complete,
            Linkage::Average => kodama::Method::Average,
            Linkage::Single => kodama::Method::Single,
        };
        let tree = kodama::linkage(&mut condensed, n, method);
        let dendrogram: Vec<Merge> = tree
            .steps()
            .iter()
            .map(|s| Merge { a: s.cluster1, b: s.cluster2, distance: s.dissimilarity, size: s.size })
            .collect();
        let labels = cut(&dendrogram, n, self.n_clusters);
        let centroids = cluster_means(x, &labels, self.n_clusters);
        Ok(AgglomerativeModel { labels, centroids, dendrogram })
    }
}

impl AgglomerativeModel {
    /// Number of clusters of the cut.
    #[must_use]
    pub fn n_clusters(&self) -> usize {
        self.centroids.nrows()
    }

    /// The nearest centroid of each row of `x` (squared Euclidean; ties go to the lower id).
    ///
    /// scikit-learn's `AgglomerativeClustering` has no `predict`; this out-of-sample rule is the
    /// harness's. The notebook instead refit a new model on the test split, whose clusters are
    /// unrelated to the training clusters. A row with NaN values is assigned cluster 0.
    #[must_use]
    pub fn assign(&self, x: ArrayView2<f64>) -> Vec<usize> {
        nearest_centroid(self.centroids.view(), x)
    }

    /// The labels of the same tree cut into `n_clusters` instead (`1 ≤ n_clusters ≤ n_rows`),
    /// numbered as [`AgglomerativeModel::labels`]: a k-sweep needs one tree, not one per k.
    pub fn cut(&self, n_clusters: usize) -> Result<Vec<usize>, ModelError> {
        let n = self.labels.len();
        if n_clusters == 0 {
            return Err(ModelError::InvalidParam { param: "n_clusters", rule: "must be ≥ 1", value: "0".into() });
        }
        if n_clusters > n {
            return Err(ModelError::TooFewRows { n_clusters, n_rows: n });
        }
        Ok(cut(&self.dendrogram, n, n_clusters))
    }
}

/// scipy's condensed distance vector (`pdist(X, "euclidean")`): `d(i, j)` for `i < j`, row by
/// row, each computed directly as `sqrt(Σ (x_i − x_j)²)`.
fn condensed_distances(x: ArrayView2<f64>) -> Vec<f64> {
    let n = x.nrows();
    let mut out = Vec::with_capacity(n * n.saturating_sub(1) / 2);
    for i in 0..n {
        for j in i + 1..n {
            out.push(squared_euclidean(x.row(i), x.row(j)).sqrt());
        }
    }
    out
}

/// Labels after applying the first `n − n_clusters` merges, numbered by first member.
///
/// Equivalent to scikit-learn's `_hc_cut`, which undoes the last `n_clusters − 1` merges (the
/// nodes with the highest ids) of the same tree.
fn cut(merges: &[Merge], n: usize, n_clusters: usize) -> Vec<usize> {
    let mut parent: Vec<usize> = (0..2 * n).collect();
    for (i, m) in merges.iter().take(n - n_clusters).enumerate() {
        parent[m.a] = n + i;
        parent[m.b] = n + i;
    }
    let roots: Vec<usize> = (0..n)
        .map(|leaf| {
            let mut node = leaf;
            while parent[node] != node {
                node = parent[node];
            }
            node
        })
        .collect();
    renumber_by_first_member(&roots)
}

#[cfg(test)]
mod tests {
    use ndarray::array;

    use super::*;

    fn blobs() -> Array2<f64> {
        array![[10.0, 10.0], [0.0, 0.0], [0.1, 0.0], [10.1, 10.0], [0.0, 0.2], [10.0, 10.3], [5.0, -9.0]]
    }

    fn params(n_clusters: usize, linkage: Linkage) -> AgglomerativeParams {
        AgglomerativeParams { n_clusters, linkage }
    }

    #[test]
    fn separates_obvious_blobs_with_every_linkage() {
        for linkage in [Linkage::Ward, Linkage::Complete, Linkage::Average, Linkage::Single] {
            let model = params(3, linkage).fit(blobs().view()).expect("fit");
            assert_eq!(model.labels, vec![0, 1, 1, 0, 1, 0, 2], "{linkage:?}");
            assert_eq!(model.dendrogram.len(), 6);
            assert_eq!(model.dendrogram.last().map(|m| m.size), Some(7));
            assert!(model.dendrogram.windows(2).all(|w| w[0].distance <= w[1].distance));
        }
    }

    #[test]
    fn centroids_are_member_means_and_assign_maps_them_back() {
        let model = params(3, Linkage::Ward).fit(blobs().view()).expect("fit");
        assert!((model.centroids[[0, 0]] - 30.1 / 3.0).abs() < 1e-12);
        assert!((model.centroids[[1, 1]] - 0.2 / 3.0).abs() < 1e-12);
        assert_eq!(model.centroids.row(2).to_vec(), vec![5.0, -9.0]);
        assert_eq!(model.assign(model.centroids.view()), vec![0, 1, 2]);
        assert_eq!(model.assign(array![[9.0, 9.0], [1.0, 1.0], [4.0, -7.0]].view()), vec![0, 1, 2]);
    }

    #[test]
    fn assign_ties_go_to_the_lower_id() {
        let model = params(2, Linkage::Single).fit(array![[0.0], [1.0], [4.0], [5.0]].view()).expect("fit");
        assert_eq!(model.assign(array![[2.5]].view()), vec![0]);
    }

    #[test]
    fn ward_heights_of_a_known_tree() {
        // 1-D points 0, 1, 5: first merge at 1; ward distance of {0,1} to {5}:
        // sqrt(2·2·1/3)·|0.5 − 5| = sqrt(4/3)·4.5
        let model = params(1, Linkage::Ward).fit(array![[0.0], [1.0], [5.0]].view()).expect("fit");
        assert_eq!(model.dendrogram[0], Merge { a: 0, b: 1, distance: 1.0, size: 2 });
        assert_eq!((model.dendrogram[1].a, model.dendrogram[1].b, model.dendrogram[1].size), (2, 3, 3));
        assert!((model.dendrogram[1].distance - (4.0_f64 / 3.0).sqrt() * 4.5).abs() < 1e-12);
        assert_eq!(model.labels, vec![0, 0, 0]);
    }

    #[test]
    fn one_cluster_per_row_and_single_row_work() {
        let model = params(7, Linkage::Average).fit(blobs().view()).expect("fit");
        assert_eq!(model.labels, (0..7).collect::<Vec<_>>());
        let model = params(1, Linkage::Ward).fit(array![[1.0, 2.0]].view()).expect("fit");
        assert_eq!(model.labels, vec![0]);
        assert!(model.dendrogram.is_empty());
    }

    #[test]
    fn recutting_the_tree_matches_a_fresh_fit() {
        let model = params(2, Linkage::Complete).fit(blobs().view()).expect("fit");
        for k in 1..=7 {
            let fresh = params(k, Linkage::Complete).fit(blobs().view()).expect("fit");
            assert_eq!(model.cut(k).expect("cut"), fresh.labels);
        }
        assert!(model.cut(0).is_err());
        assert!(model.cut(8).is_err());
    }

    #[test]
    fn duplicate_rows_merge_at_zero() {
        let x = array![[1.0, 1.0], [1.0, 1.0], [4.0, 4.0], [4.0, 4.0]];
        let model = params(2, Linkage::Ward).fit(x.view()).expect("fit");
        assert_eq!(model.labels, vec![0, 0, 1, 1]);
        assert_eq!(model.dendrogram[0].distance, 0.0);
    }

    #[test]
    fn more_clusters_than_rows_is_an_error() {
        assert!(matches!(params(8, Linkage::Ward).fit(blobs().view()), Err(ModelError::TooFewRows { .. })));
        assert!(matches!(
            params(1, Linkage::Ward).fit(Array2::<f64>::zeros((0, 3)).view()),
            Err(ModelError::TooFewRows { .. })
        ));
    }

    #[test]
    fn non_finite_input_is_an_error() {
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let mut x = blobs();
            x[[3, 1]] = bad;
            assert_eq!(params(2, Linkage::Single).fit(x.view()), Err(ModelError::NonFinite));
        }
    }

    #[test]
    fn overflowing_distances_are_an_error_not_a_panic() {
        let x = array![[1e300, 0.0], [-1e300, 0.0], [0.0, 1.0]];
        for linkage in [Linkage::Ward, Linkage::Complete, Linkage::Average, Linkage::Single] {
            assert!(matches!(params(2, linkage).fit(x.view()), Err(ModelError::Fit { .. })));
        }
    }

    #[test]
    fn renumbering_follows_first_members() {
        assert_eq!(renumber_by_first_member(&[9, 9, 4, 11, 4, 9]), vec![0, 0, 1, 2, 1, 0]);
    }
}

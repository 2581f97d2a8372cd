//! Fitting spectral clustering: affinity, embedding, k-means on the embedding.

use ndarray::{Array2, ArrayView2};
use rand_chacha::ChaCha8Rng;

use crate::models::KMeansInit;

use super::super::centroids::{cluster_means, nearest_centroid, renumber_by_first_member};
use super::super::{KMeansParams, ModelError};
use super::{
    n_connected_components, nearest_neighbors_affinity, rbf_affinity, spectral_embedding, Affinity, SpectralParams,
};

/// A fitted spectral clustering.
#[derive(Debug, Clone, PartialEq)]
pub struct SpectralModel {
    /// Cluster of each fitted row, numbered `0..` in order of each cluster's first row.
    pub labels: Vec<usize>,
    /// `(n_rows, n_clusters)` spectral embedding the labels were found in
    /// (scikit-learn's `spectral_embedding(..., drop_first=False)`).
    pub embedding: Array2<f64>,
    /// `(n_labels, n_features)` feature-space mean of each cluster's rows; row `c` is cluster `c`.
    pub centroids: Array2<f64>,
    /// Connected components of the affinity graph. Above 1 scikit-learn warns "Graph is not fully
    /// connected, spectral embedding may not work as expected" and carries on; so does this model,
    /// and the caller may report it.
    pub n_connected_components: usize,
}

impl SpectralParams {
    /// Clusters the rows of `x` (`(n_rows, n_features)`), drawing all randomness (the k-means
    /// restarts on the embedding) from `rng`.
    ///
    /// Mirrors `sklearn.cluster.SpectralClustering(n_clusters, affinity, n_neighbors | gamma,
    /// n_init, assign_labels="kmeans")` (1.9): the affinity of [`nearest_neighbors_affinity`] or
    /// [`rbf_affinity`], then [`spectral_embedding`] with `n_components = n_clusters`, then
    /// k-means (k-means++, `n_init` restarts, `max_iter` 300, `tol` 1e-4, as sklearn's `k_means`
    /// defaults) on the embedding's rows with [`KMeansParams`]. The k-means is linfa's, so on
    /// an embedding without a clear cluster structure the labels can differ from scikit-learn's
    /// for the same data (different random streams and update rule, see `models::kmeans`).
    ///
    /// Errors: invalid params, more clusters than rows, `n_neighbors` above the number of rows,
    /// NaN/inf values. A disconnected graph is not an error (see
    /// [`SpectralModel::n_connected_components`]).
    pub fn fit(&self, x: ArrayView2<f64>, rng: ChaCha8Rng) -> Result<SpectralModel, ModelError> {
        self.validate()?;
        let n = x.nrows();
        if n < self.n_clusters {
            return Err(ModelError::TooFewRows { n_clusters: self.n_clusters, n_rows: n });
        }
        let (embedding, n_components_graph) = match self.affinity {
            Affinity::NearestNeighbors { n_neighbors } => {
                let graph = nearest_neighbors_affinity(x, n_neighbors)?;
                (spectral_embedding(&graph, self.n_clusters)?, n_connected_components(&graph))
            }
            Affinity::Rbf { gamma } => {
                let kernel = rbf_affinity(x, gamma)?;
                (spectral_embedding(kernel.view(), self.n_clusters)?, n_connected_components(kernel.view()))
            }
        };
        let kmeans = KMeansParams {
            n_clusters: self.n_clusters,
            init: KMeansInit::KMeansPlusPlus,
            n_init: self.n_init,
            max_iter: 300,
            tol: 1e-4,
        };
        let fitted = kmeans.fit(embedding.view(), rng)?;
        let labels = renumber_by_first_member(&fitted.assign(embedding.view()));
        let n_labels = labels.iter().max().map_or(0, |m| m + 1);
        let centroids = cluster_means(x, &labels, n_labels);
        Ok(SpectralModel { labels, embedding, centroids, n_connected_components: n_components_graph })
    }
}

impl SpectralModel {
    /// Number of clusters found (the requested `n_clusters`, unless k-means left one empty).
    #[must_use]
    pub fn n_clusters(&self) -> usize {
        self.centroids.nrows()
    }

    /// The nearest feature-space centroid of each row of `x` (squared Euclidean; ties go to the
    /// lower id; a row with NaN values gets cluster 0).
    ///
    /// Spectral clustering has no out-of-sample rule (scikit-learn's `SpectralClustering` has no
    /// `predict`; embedding a new row would change the graph): this is the harness's choice.
    #[must_use]
    pub fn assign(&self, x: ArrayView2<f64>) -> Vec<usize> {
        nearest_centroid(self.centroids.view(), x)
    }
}

#[cfg(test)]
mod tests {
    use ndarray::{array, concatenate, Axis};

    use super::*;
    use crate::split::Seed;

    /// Three tight blobs of 12 rows in 2-D, rows interleaved.
    fn blobs() -> Array2<f64> {
        let centres = [[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]];
        let mut rows = Vec::new();
        for i in 0..12 {
            for c in centres {
                let t = i as f64;
                rows.push([c[0] + 0.1 * (t * 0.7).sin(), c[1] + 0.1 * (t * 1.3).cos()]);
            }
        }
        Array2::from_shape_vec((36, 2), rows.concat()).expect("shape")
    }

    fn params(affinity: Affinity) -> SpectralParams {
        SpectralParams { n_clusters: 3, affinity, n_init: 10 }
    }

    #[test]
    fn separates_blobs_with_either_affinity() {
        let x = blobs();
        for affinity in [Affinity::NearestNeighbors { n_neighbors: 5 }, Affinity::Rbf { gamma: 0.1 }] {
            let model = params(affinity).fit(x.view(), Seed(3).rng_for(0)).expect("fit");
            let expected: Vec<usize> = (0..36).map(|i| i % 3).collect();
            assert_eq!(model.labels, expected, "{affinity:?}");
            assert_eq!(model.embedding.dim(), (36, 3));
            assert_eq!(model.n_clusters(), 3);
            assert_eq!(model.assign(x.view()), expected);
            assert_eq!(model.assign(array![[9.0, 1.0], [0.5, 0.5], [-1.0, 11.0]].view()), vec![1, 0, 2]);
        }
    }

    #[test]
    fn disconnected_graph_is_reported_not_an_error() {
        let model =
            params(Affinity::NearestNeighbors { n_neighbors: 5 }).fit(blobs().view(), Seed(3).rng_for(0)).expect("fit");
        assert_eq!(model.n_connected_components, 3);
        let model = params(Affinity::Rbf { gamma: 0.01 }).fit(blobs().view(), Seed(3).rng_for(0)).expect("fit");
        assert_eq!(model.n_connected_components, 1);
    }

    #[test]
    fn same_stream_same_model() {
        let x = concatenate![Axis(0), blobs(), array![[5.0, 5.0], [4.0, 6.0]]];
        let p = params(Affinity::NearestNeighbors { n_neighbors: 6 });
        let a = p.fit(x.view(), Seed(9).rng_for(4)).expect("fit");
        let b = p.fit(x.view(), Seed(9).rng_for(4)).expect("fit");
        assert_eq!(a, b);
    }

    #[test]
    fn more_clusters_than_rows_is_an_error() {
        let x = array![[0.0], [1.0]];
        let p = SpectralParams { n_clusters: 3, affinity: Affinity::NearestNeighbors { n_neighbors: 1 }, n_init: 1 };
        assert!(matches!(p.fit(x.view(), Seed(1).rng_for(0)), Err(ModelError::TooFewRows { .. })));
    }

    #[test]
    fn more_neighbours_than_rows_is_an_error() {
        let p = params(Affinity::NearestNeighbors { n_neighbors: 37 });
        assert!(matches!(p.fit(blobs().view(), Seed(1).rng_for(0)), Err(ModelError::InvalidParam { .. })));
        let p = params(Affinity::NearestNeighbors { n_neighbors: 36 });
        p.fit(blobs().view(), Seed(1).rng_for(0)).expect("n_neighbors = n_rows is allowed, as in scikit-learn");
    }

    #[test]
    fn non_finite_input_is_an_error() {
        let mut x = blobs();
        x[[4, 0]] = f64::INFINITY;
        for affinity in [Affinity::NearestNeighbors { n_neighbors: 5 }, Affinity::Rbf { gamma: 0.1 }] {
            assert_eq!(params(affinity).fit(x.view(), Seed(1).rng_for(0)), Err(ModelError::NonFinite));
        }
    }

    #[test]
    fn one_neighbour_leaves_every_row_isolated_without_panicking() {
        let p = params(Affinity::NearestNeighbors { n_neighbors: 1 });
        let model = p.fit(blobs().view(), Seed(1).rng_for(0)).expect("fit");
        assert_eq!(model.n_connected_components, 36);
        assert_eq!(model.labels.len(), 36);
    }
}

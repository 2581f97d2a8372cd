//! One seam over every clustering model: fit on rows, get their labels and centroids, assign
//! new rows. Studies only see [`Fitted`].

use ndarray::{Array2, ArrayView2};
use rand_chacha::ChaCha8Rng;

use crate::models::{
    nearest_centroid, Affinity, AgglomerativeModel, AgglomerativeParams, KMeansParams, Linkage, ModelError,
    SpectralParams,
};
use crate::spec::{AffinityName, ClusterModel, HoldoutRule, LinkageName, ModelSettings};

/// A fitted clustering of some rows.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Fitted {
    /// Cluster of each fitted row, in row order.
    pub labels: Vec<usize>,
    /// One row per cluster id: k-means' own centroids, or the members' mean for the others.
    pub centroids: Array2<f64>,
    /// Whether `centroids` are the model's own (k-means), so inertia is defined as scikit-learn
    /// defines it; for the other models inertia is left undefined.
    pub has_inertia: bool,
    /// The agglomerative tree, when the model has one (for the dendrogram).
    pub tree: Option<AgglomerativeModel>,
}

impl Fitted {
    /// Clusters of new rows: the nearest centroid (squared Euclidean, ties to the lower id).
    pub fn assign(&self, x: ArrayView2<f64>) -> Vec<usize> {
        nearest_centroid(self.centroids.view(), x)
    }
}

/// Fits `model` with `k` clusters on the rows of `x`, drawing randomness from `rng`.
pub(super) fn fit_model(
    model: ClusterModel,
    settings: &ModelSettings,
    k: usize,
    x: ArrayView2<f64>,
    rng: ChaCha8Rng,
) -> Result<Fitted, ModelError> {
    match model {
        ClusterModel::Kmeans => {
            let fitted = KMeansParams::new(k, settings.kmeans).fit(x, rng)?;
            let labels = fitted.assign(x);
            Ok(Fitted { labels, centroids: fitted.centroids, has_inertia: true, tree: None })
        }
        ClusterModel::Agglomerative => {
            let linkage = match settings.agglomerative.linkage {
                LinkageName::Ward => Linkage::Ward,
                LinkageName::Complete => Linkage::Complete,
                LinkageName::Average => Linkage::Average,
                LinkageName::Single => Linkage::Single,
            };
            let fitted = AgglomerativeParams { n_clusters: k, linkage }.fit(x)?;
            Ok(Fitted {
                labels: fitted.labels.clone(),
                centroids: fitted.centroids.clone(),
                has_inertia: false,
                tree: Some(fitted),
            })
        }
        ClusterModel::Spectral => {
            let s = settings.spectral;
            let affinity = match s.affinity {
                AffinityName::NearestNeighbors => Affinity::NearestNeighbors { n_neighbors: s.n_neighbors },
                AffinityName::Rbf => Affinity::Rbf { gamma: s.gamma },
            };
            let fitted = SpectralParams { n_clusters: k, affinity, n_init: s.n_init }.fit(x, rng)?;
            Ok(Fitted { labels: fitted.labels, centroids: fitted.centroids, has_inertia: false, tree: None })
        }
    }
}

/// Labels of held-out rows: nearest training centroid, or (agglomerative, faithful) a model
/// refitted on the held-out rows themselves, as the notebook did.
pub(super) fn holdout_labels(
    model: ClusterModel,
    settings: &ModelSettings,
    fitted: &Fitted,
    x_holdout: ArrayView2<f64>,
    rng: ChaCha8Rng,
) -> Result<Vec<usize>, ModelError> {
    if model == ClusterModel::Agglomerative && settings.agglomerative.holdout == HoldoutRule::RefitAsNotebook {
        return Ok(fit_model(model, settings, fitted.centroids.nrows(), x_holdout, rng)?.labels);
    }
    Ok(fitted.assign(x_holdout))
}

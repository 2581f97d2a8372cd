//! The clustering seam (DESIGN §10): every model's parameters implement [`Clusterer`] (fit with
//! a seeded random stream) and every fitted model implements [`Clustering`] (labels with noise,
//! cluster count, out-of-sample assignment where the model defines one). Studies see only these
//! two traits, so a new model is one `impl` of each and one variant of
//! [`ClusterModel`](super::ClusterModel).

use ndarray::ArrayView2;
use rand_chacha::ChaCha8Rng;

use super::{
    AffinityPropagationModel, AffinityPropagationParams, AgglomerativeModel, AgglomerativeParams, BirchModel,
    BirchParams, DbscanModel, DbscanParams, GaussianMixtureModel, GaussianMixtureParams, KMeansModel, KMeansParams,
    MeanShiftModel, MeanShiftParams, ModelError, OpticsModel, OpticsParams, SomModel, SomParams, SpectralModel,
    SpectralParams,
};

/// A fitted clustering of some rows.
pub trait Clustering: Send + Sync + std::fmt::Debug {
    /// Cluster of each fitted row, in row order; `None` is noise (scikit-learn's −1).
    fn labels(&self) -> &[Option<usize>];

    /// Number of clusters (noise is not a cluster).
    fn n_clusters(&self) -> usize;

    /// The clusters of new rows, or `None` when the model defines no out-of-sample rule
    /// (DBSCAN and OPTICS have no `predict` in scikit-learn).
    fn predict(&self, x: ArrayView2<f64>) -> Option<Vec<Option<usize>>>;

    /// The centres that scikit-learn's `inertia_` is measured to: k-means' centroids only; other
    /// models have no inertia.
    fn inertia_centroids(&self) -> Option<ArrayView2<'_, f64>> {
        None
    }

    /// The merge tree, for models that build one (agglomerative clustering).
    fn tree(&self) -> Option<&AgglomerativeModel> {
        None
    }
}

/// A model's complete parameters: fitting them clusters rows.
pub trait Clusterer {
    /// Fits on the rows of `x`, drawing every random choice from `rng`.
    fn fit_clustering(&self, x: ArrayView2<f64>, rng: &mut ChaCha8Rng) -> Result<Box<dyn Clustering>, ModelError>;
}

/// A model whose labels are never noise, with its labels as the seam reports them.
#[derive(Debug)]
struct Hard<M> {
    labels: Vec<Option<usize>>,
    model: M,
}

impl<M> Hard<M> {
    fn new(labels: Vec<usize>, model: M) -> Self {
        Self { labels: some_labels(labels), model }
    }
}

fn some_labels(labels: Vec<usize>) -> Vec<Option<usize>> {
    labels.into_iter().map(Some).collect()
}

impl Clusterer for KMeansParams {
    /// k-means takes its stream by value (linfa owns it); the caller's stream is cloned.
    fn fit_clustering(&self, x: ArrayView2<f64>, rng: &mut ChaCha8Rng) -> Result<Box<dyn Clustering>, ModelError> {
        let model = self.fit(x, rng.clone())?;
        Ok(Box::new(Hard::new(model.assign(x), model)))
    }
}

impl Clusterer for AgglomerativeParams {
    fn fit_clustering(&self, x: ArrayView2<f64>, _rng: &mut ChaCha8Rng) -> Result<Box<dyn Clustering>, ModelError> {
        let model = self.fit(x)?;
        Ok(Box::new(Hard::new(model.labels.clone(), model)))
    }
}

impl Clusterer for SpectralParams {
    /// The k-means on the embedding takes its stream by value; the caller's stream is cloned.
    fn fit_clustering(&self, x: ArrayView2<f64>, rng: &mut ChaCha8Rng) -> Result<Box<dyn Clustering>, ModelError> {
        let model = self.fit(x, rng.clone())?;
        Ok(Box::new(Hard::new(model.labels.clone(), model)))
    }
}

/// The hard-label models: `assign` is their out-of-sample rule.
macro_rules! hard_clustering {
    ($($model:ty),*) => {$(
        impl Clustering for Hard<$model> {
            fn labels(&self) -> &[Option<usize>] {
                &self.labels
            }
            fn n_clusters(&self) -> usize {
                self.model.n_clusters()
            }
            fn predict(&self, x: ArrayView2<f64>) -> Option<Vec<Option<usize>>> {
                Some(some_labels(self.model.assign(x)))
            }
            fn inertia_centroids(&self) -> Option<ArrayView2<'_, f64>> {
                self.model.inertia_centroids()
            }
            fn tree(&self) -> Option<&AgglomerativeModel> {
                self.model.tree()
            }
        }
    )*};
}

hard_clustering!(KMeansModel, AgglomerativeModel, SpectralModel);

/// What only some hard-label models have: k-means' inertia centres, agglomerative's tree.
trait HardExtras {
    fn inertia_centroids(&self) -> Option<ArrayView2<'_, f64>> {
        None
    }
    fn tree(&self) -> Option<&AgglomerativeModel> {
        None
    }
}

impl HardExtras for KMeansModel {
    fn inertia_centroids(&self) -> Option<ArrayView2<'_, f64>> {
        Some(self.centroids.view())
    }
}

impl HardExtras for AgglomerativeModel {
    fn tree(&self) -> Option<&AgglomerativeModel> {
        Some(self)
    }
}

impl HardExtras for SpectralModel {}

impl Clusterer for DbscanParams {
    fn fit_clustering(&self, x: ArrayView2<f64>, _rng: &mut ChaCha8Rng) -> Result<Box<dyn Clustering>, ModelError> {
        Ok(Box::new(self.fit(x)?))
    }
}

impl Clustering for DbscanModel {
    fn labels(&self) -> &[Option<usize>] {
        DbscanModel::labels(self)
    }
    fn n_clusters(&self) -> usize {
        DbscanModel::n_clusters(self)
    }
    fn predict(&self, _x: ArrayView2<f64>) -> Option<Vec<Option<usize>>> {
        None
    }
}

impl Clusterer for OpticsParams {
    fn fit_clustering(&self, x: ArrayView2<f64>, _rng: &mut ChaCha8Rng) -> Result<Box<dyn Clustering>, ModelError> {
        Ok(Box::new(self.fit(x)?))
    }
}

impl Clustering for OpticsModel {
    fn labels(&self) -> &[Option<usize>] {
        OpticsModel::labels(self)
    }
    fn n_clusters(&self) -> usize {
        OpticsModel::n_clusters(self)
    }
    fn predict(&self, _x: ArrayView2<f64>) -> Option<Vec<Option<usize>>> {
        None
    }
}

/// Models with their own `fit(x, &mut rng)`, `labels()`, `n_clusters()` and a nearest-centre
/// or maximum-posterior `assign` (scikit-learn's `predict`).
macro_rules! seeded_model_with_assign {
    ($($params:ty => $model:ty),* $(,)?) => {$(
        impl Clusterer for $params {
            fn fit_clustering(
                &self,
                x: ArrayView2<f64>,
                rng: &mut ChaCha8Rng,
            ) -> Result<Box<dyn Clustering>, ModelError> {
                Ok(Box::new(self.fit(x, rng)?))
            }
        }

        impl Clustering for $model {
            fn labels(&self) -> &[Option<usize>] {
                <$model>::labels(self)
            }
            fn n_clusters(&self) -> usize {
                <$model>::n_clusters(self)
            }
            fn predict(&self, x: ArrayView2<f64>) -> Option<Vec<Option<usize>>> {
                Some(some_labels(self.assign(x)))
            }
        }
    )*};
}

seeded_model_with_assign!(
    GaussianMixtureParams => GaussianMixtureModel,
    MeanShiftParams => MeanShiftModel,
    BirchParams => BirchModel,
    SomParams => SomModel,
);

impl Clusterer for AffinityPropagationParams {
    fn fit_clustering(&self, x: ArrayView2<f64>, rng: &mut ChaCha8Rng) -> Result<Box<dyn Clustering>, ModelError> {
        Ok(Box::new(self.fit(x, rng)?))
    }
}

impl Clustering for AffinityPropagationModel {
    fn labels(&self) -> &[Option<usize>] {
        AffinityPropagationModel::labels(self)
    }
    fn n_clusters(&self) -> usize {
        AffinityPropagationModel::n_clusters(self)
    }
    /// scikit-learn's `predict`: noise for every row when the fit found no exemplars.
    fn predict(&self, x: ArrayView2<f64>) -> Option<Vec<Option<usize>>> {
        Some(AffinityPropagationModel::predict(self, x))
    }
}

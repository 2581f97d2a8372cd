//! Clustering models and projections behind small seams: params are validated, `fit` returns a
//! fitted model that can assign new rows where the model defines how (as linfa's
//! `Fit`/`Predict`; DBSCAN and OPTICS cannot).
//!
//! Foreign model crates (linfa, kodama) stay inside this module; callers see ndarray views,
//! `usize` cluster ids and our own types.
//!
//! Ten clusterers sit behind one seam ([`Clusterer`] / [`Clustering`], selected by
//! [`ClusterModel`]): k-means, agglomerative and spectral clustering (the notebook's), and the
//! notebook's "future work" (DBSCAN, OPTICS, Gaussian mixtures, mean shift, affinity
//! propagation, BIRCH, self-organising maps), each with scikit-learn's (or MiniSom's)
//! parameters; labels are `Option<usize>` (`None` = noise). t-SNE and PCA are projections.

pub mod affinity_propagation;
pub mod agglomerative;
pub mod birch;
pub(crate) mod centroids;
pub mod classifier;
pub(crate) mod cluster_model;
mod clusterer;
pub mod dbscan;
mod error;
pub mod gaussian_mixture;
mod input;
pub mod kmeans;
pub mod mean_shift;
mod noise;
pub mod optics;
pub mod pca;
pub mod som;
pub mod spectral;
pub mod tsne;

pub use affinity_propagation::{AffinityPropagationModel, AffinityPropagationParams, ApAffinity};
pub use agglomerative::{
    AgglomerativeModel, AgglomerativeParams, AgglomerativeSettings, DendrogramLayout, HoldoutRule, Linkage, Merge,
};
pub use birch::{BirchModel, BirchParams};
pub use centroids::{cluster_means, nearest_centroid};
pub use classifier::{argmax_rows, ClassifierModel, FittedClassifier, TrainingSet};
pub use cluster_model::{ClusterModel, KUse};
pub use clusterer::{Clusterer, Clustering};
pub use dbscan::{DbscanModel, DbscanParams};
pub use error::ModelError;
pub use gaussian_mixture::{CovarianceType, GaussianMixtureModel, GaussianMixtureParams, MixtureInit};
pub use kmeans::{KMeansInit, KMeansModel, KMeansParams, KMeansSettings};
pub use mean_shift::{estimate_bandwidth, MeanShiftModel, MeanShiftParams};
pub use noise::{count_clusters, noise_fraction, NoiseTreatment};
pub use optics::{OpticsExtraction, OpticsModel, OpticsParams};
pub use pca::{pca, PcaProjection};
pub use som::{pca_weights, Decay, Neighborhood, SomInit, SomModel, SomParams, SomTrain};
pub use spectral::{Affinity, AffinityName, SpectralModel, SpectralParams, SpectralSettings};
pub use tsne::{TsneEmbedding, TsneInit, TsneLearningRate, TsneParams};

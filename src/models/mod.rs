//! Clustering models behind small seams: params are validated, `fit` returns a fitted model
//! that can `assign` rows (as linfa's `Fit`/`Predict`).
//!
//! Foreign model crates (linfa, kodama) stay inside this module; callers see ndarray views,
//! `usize` cluster ids and our own types.

pub mod affinity_propagation;
pub mod agglomerative;
pub(crate) mod centroids;
mod error;
mod input;
pub mod kmeans;
pub mod mean_shift;
pub mod pca;
pub mod spectral;

pub use affinity_propagation::{AffinityPropagationModel, AffinityPropagationParams, ApAffinity};
pub use agglomerative::{AgglomerativeModel, AgglomerativeParams, DendrogramLayout, Linkage, Merge};
pub use centroids::{cluster_means, nearest_centroid};
pub use error::ModelError;
pub use kmeans::{KMeansModel, KMeansParams};
pub use mean_shift::{estimate_bandwidth, MeanShiftModel, MeanShiftParams};
pub use pca::{pca, PcaProjection};
pub use spectral::{Affinity, SpectralModel, SpectralParams};

//! Spectral clustering: an affinity graph, its normalised-Laplacian embedding, k-means on it.
//!
//! A port of scikit-learn 1.9's `SpectralClustering(assign_labels="kmeans")` for dense data,
//! with the eigenproblem solved by linfa-linalg 0.2 (densely up to 300 rows, by LOBPCG above)
//! and the k-means by
//! [`KMeansParams`](super::KMeansParams) (linfa). Parameter mapping:
//!
//! | scikit-learn | here | note |
//! |---|---|---|
//! | `n_clusters` | [`SpectralParams::n_clusters`] | also the embedding's `n_components`, as in sklearn |
//! | `affinity="nearest_neighbors"`, `n_neighbors` | [`Affinity::NearestNeighbors`] | [`nearest_neighbors_affinity`]: `0.5·(C + Cᵀ)`, `C = kneighbors_graph(X, n_neighbors, include_self=True)`, sparse as in sklearn |
//! | `affinity="rbf"`, `gamma` | [`Affinity::Rbf`] | [`rbf_affinity`]: `exp(−gamma·‖x − y‖²)`; sklearn's default affinity, not the notebook's |
//! | `affinity="precomputed"` | [`spectral_embedding`] on your own matrix, dense or sparse ([`GraphView`]) | |
//! | `eigen_solver=None` (ARPACK) | dense symmetric eigensolver up to [`DENSE_MAX_ROWS`] rows, LOBPCG above ([`EigenSolver`]) | same eigenvectors up to sign, which both fix by `_deterministic_vector_sign_flip`; see [`spectral_embedding`] |
//! | `assign_labels="kmeans"`, `n_init` | [`KMeansParams`](super::KMeansParams) with k-means++, `n_init` | linfa's k-means, seeded from the ChaCha stream passed to `fit` |
//! | `random_state` | the `ChaCha8Rng` passed to [`SpectralParams::fit`] | the eigensolvers never use it: the dense one needs no start vector (ARPACK's `v0`), LOBPCG starts from fixed ones |
//! | `labels_` | [`SpectralModel::labels`] | numbered `0..` by first row |
//! | `affinity_matrix_` | [`nearest_neighbors_affinity`] / [`rbf_affinity`] | not stored on the model |
//!
//! In TOML an affinity reads `affinity = { kind = "nearest_neighbors", n_neighbors = 10 }` or
//! `affinity = { kind = "rbf", gamma = 1.0 }` (internally tagged by `kind`).
//!
//! Deliberate differences and limits:
//!
//! - **Out-of-sample rows.** Spectral clustering has no rule for new rows (the graph would
//!   change); [`SpectralModel::assign`] uses the nearest feature-space centroid of the fitted
//!   clusters. That is the harness's choice, not scikit-learn's.
//! - **Disconnected graphs** (far-apart groups, few neighbours) are not an error: scikit-learn
//!   warns and continues, and so does `fit`, reporting the count in
//!   [`SpectralModel::n_connected_components`]. The zero eigenvalue is then repeated, and the
//!   embedding's basis of its eigenspace differs from ARPACK's while spanning the same space.
//! - **Neighbour ties** are broken as scikit-learn's brute-force search does (used on > 15
//!   features, as the 45-column feature vector); on ≤ 15 features scikit-learn uses a KD-tree,
//!   whose ties between exactly equidistant rows (duplicates) may fall differently.
//! - **k-means** is linfa's, not scikit-learn's (see `models::kmeans`): where the embedding holds
//!   clear clusters the labels agree; where it does not they may differ.
//! - `n_neighbors` may equal the number of rows (the complete graph), as in scikit-learn;
//!   above it is an error.

mod affinity;
mod embedding;
mod fit;
mod params;
mod settings;

pub use affinity::{nearest_neighbors_affinity, rbf_affinity};
pub use embedding::{
    n_connected_components, spectral_embedding, spectral_embedding_by, EigenSolver, GraphView, DENSE_MAX_ROWS,
};
pub use fit::SpectralModel;
pub use params::{Affinity, SpectralParams};
pub use settings::{AffinityName, SpectralSettings};

//! Gaussian mixtures by EM, as scikit-learn's `GaussianMixture` (1.9), all four covariance types.
//!
//! linfa-clustering's `GaussianMixtureModel` offers only full covariances and starts from its
//! own k-means (or random responsibilities), so it can neither fit scikit-learn's `tied`,
//! `diag` and `spherical` models nor be started from given means to check it. This module ports
//! scikit-learn's EM instead (`_estimate_gaussian_parameters`, `_compute_precision_cholesky`,
//! `_estimate_log_gaussian_prob`, the E/M loop of `BaseMixture.fit_predict` with its lower-bound
//! convergence test and final E-step), with linfa-linalg's Cholesky factorisation and triangular
//! solve.
//!
//! | scikit-learn | here | note |
//! |---|---|---|
//! | `n_components` | `n_components` | |
//! | `covariance_type` | `covariance_type` | `full`, `tied`, `diag`, `spherical` |
//! | `tol=1e-3`, `reg_covar=1e-6`, `max_iter=100`, `n_init=1` | same | |
//! | `init_params="kmeans"` | `init_params = "kmeans"` | responsibilities from a k-means fit (linfa, one k-means++ start, from the run's stream; scikit-learn's own k-means differs in its seeding) |
//! | `init_params="random_from_data"` | `init_params = "random_from_data"` | n_components distinct rows as one-hot responsibilities, drawn from the run's stream |
//! | `weights_init`, `means_init`, `precisions_init` | [`GaussianMixtureParams::fit_from`] | a fit started from given parameters, as the parity test does |
//! | `predict` | [`GaussianMixtureModel::assign`] | most probable component |
//!
//! With the same starting parameters, the fitted weights, means, covariances, lower bound and
//! labels equal scikit-learn's to round-off (see `tests/models_gaussian_mixture.rs`).

mod fit;
mod params;

pub use fit::GaussianMixtureModel;
pub use params::{CovarianceType, GaussianMixtureParams, MixtureInit};

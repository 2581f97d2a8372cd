//! Mean shift clustering with a flat kernel: a port of scikit-learn 1.9.1's `MeanShift`.
//!
//! linfa has no mean shift, so this is scikit-learn's algorithm (`sklearn/cluster/_mean_shift.py`)
//! rewritten step by step (see [`MeanShiftParams::fit`]), with the same cluster numbering so that
//! labels compare exactly. Parameter mapping:
//!
//! | scikit-learn | here | note |
//! |---|---|---|
//! | `bandwidth=None` / `bandwidth=b` | [`MeanShiftParams::bandwidth`] `None` / `Some(b)` | `None` estimates it as `fit` does |
//! | `estimate_bandwidth(X, quantile=0.3)` inside `fit` | [`MeanShiftParams::quantile`] | not a `MeanShift` parameter; default 0.3 is what `fit` uses |
//! | `seeds` | — | not offered: every row, or bin seeding |
//! | `bin_seeding`, `min_bin_freq` | [`MeanShiftParams::bin_seeding`], [`MeanShiftParams::min_bin_freq`] | `get_bin_seeds`, including its `float32` seeds and its fallback to the rows |
//! | `cluster_all` | [`MeanShiftParams::cluster_all`] | `false`: far rows are `None` (sklearn's −1) |
//! | `max_iter` | [`MeanShiftParams::max_iter`] | per seed; 0 allowed as in sklearn |
//! | `n_jobs` | — | one thread; the result does not depend on it |
//! | `labels_` | [`MeanShiftModel::labels`] | same numbering: centres sorted by (intensity, coordinates) descending |
//! | `cluster_centers_` | [`MeanShiftModel::centroids`] | |
//! | `n_iter_` | [`MeanShiftModel::n_iter`] | the most moves any seed made |
//! | `predict` | [`MeanShiftModel::assign`] | nearest centre |
//! | `estimate_bandwidth(X, quantile, n_samples, random_state)` | [`estimate_bandwidth`] | `random_state` → the `ChaCha8Rng` passed (only used with `n_samples`) |
//! | `random_state` | the `ChaCha8Rng` passed to `fit` | unused: `fit` draws nothing, as in sklearn |
//!
//! Deliberate differences and limits:
//!
//! - **Distances** are summed coordinate by coordinate (as scikit-learn's KD-tree does on ≤ 15
//!   features). On more features scikit-learn's brute-force search uses `‖x‖² − 2x·y + ‖y‖²`,
//!   which differs by rounding (~1e-16 of `‖x‖²`): a row within that of a ball's edge could be
//!   counted differently. The fixtures record how far each case is from such an edge.
//! - **Means** sum the rows of a ball in row order; scikit-learn's KD-tree returns them in tree
//!   order, so centres agree to rounding (~1e-15 relative), not bit for bit.
//! - **Subsampled bandwidth** ([`estimate_bandwidth`] with `n_samples`) draws its rows from the
//!   ChaCha stream, not numpy's MT19937: a different sample of the same estimator.
//! - **Bin seeding with a given bandwidth** scales the `float32` cells by the bandwidth in
//!   `float32`, as scikit-learn does for a Python `float`; were the bandwidth passed to
//!   scikit-learn as an `np.float64`, its product would be `float64`, as it is here for an
//!   estimated bandwidth. Seeds then differ by ~1e-7 relative, which only matters for a row
//!   that close to the first ball's edge.
//! - **Failures** are typed errors: no seed ([`ModelError::Fit`](super::ModelError), where
//!   scikit-learn fails on `max()` of an empty list), no row near any seed (sklearn's
//!   `ValueError`). scikit-learn's "Binning data failed" warning is
//!   [`MeanShiftModel::bin_seeding_fell_back`].

mod bandwidth;
mod fit;
mod params;

pub use bandwidth::estimate_bandwidth;
pub use fit::MeanShiftModel;
pub use params::MeanShiftParams;

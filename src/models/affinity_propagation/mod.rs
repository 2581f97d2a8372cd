//! Affinity propagation: exemplars chosen by passing responsibility and availability messages
//! between rows. A port of scikit-learn 1.9.1's `AffinityPropagation`.
//!
//! linfa has no affinity propagation, so this is scikit-learn's `_affinity_propagation`
//! (`sklearn/cluster/_affinity_propagation.py`) rewritten with the same updates in the same
//! order, the same convergence test and the same final refinement and numbering (see
//! [`AffinityPropagationParams::fit`]). Parameter mapping:
//!
//! | scikit-learn | here | note |
//! |---|---|---|
//! | `damping` | [`AffinityPropagationParams::damping`] | `[0.5, 1)` |
//! | `max_iter`, `convergence_iter` | [`AffinityPropagationParams::max_iter`], [`AffinityPropagationParams::convergence_iter`] | |
//! | `preference=None` / `p` | [`AffinityPropagationParams::preference`] `None` / `Some(p)` | `None`: median of the similarity matrix; per-row preferences (array-like) not offered |
//! | `affinity="euclidean"` | [`ApAffinity::Euclidean`] | `−‖x − y‖²`; `"precomputed"` not offered |
//! | `random_state` | the `ChaCha8Rng` passed to `fit` | draws the tie-breaking noise; a different stream from numpy's, see below |
//! | `copy`, `verbose` | — | nothing is copied back or printed |
//! | `labels_` | [`AffinityPropagationModel::labels`] | same numbering (by exemplar row); −1 is `None` |
//! | `cluster_centers_indices_` | [`AffinityPropagationModel::exemplars`] | |
//! | `cluster_centers_` | [`AffinityPropagationModel::centroids`] | the exemplar rows |
//! | `n_iter_` | [`AffinityPropagationModel::n_iter`] | |
//! | `ConvergenceWarning` | [`AffinityPropagationModel::converged`] `== false` | |
//! | "mutually equal similarities" warning | [`AffinityPropagationModel::equal_similarities`] | |
//! | `predict` | [`AffinityPropagationModel::assign`] / [`AffinityPropagationModel::predict`] | nearest exemplar; `predict` also returns sklearn's all −1 for a model without exemplars |
//!
//! Deliberate differences and limits:
//!
//! - **Tie-breaking noise.** scikit-learn adds `(ε·S + 100·tiny) · N(0, 1)` to the similarities
//!   with normals from numpy's `random_state` (MT19937, polar method), which cannot be replayed
//!   here: the normals come from the ChaCha stream by Box–Muller. The noise is ~1e-16 of each
//!   similarity, so where the outcome is decided by the data the labels are the same (the
//!   fixtures show which runs agree); where two rows are exact duplicates or a run oscillates
//!   without converging, the noise can decide, and then the draw matters.
//! - **Similarities** are summed coordinate by coordinate; scikit-learn's
//!   `euclidean_distances` uses `‖x‖² − 2x·y + ‖y‖²`. They agree to rounding, ~1e-16 of
//!   `‖x‖²`, below the noise scikit-learn adds itself.
//! - **Non-convergence** is not an error: as scikit-learn, the last iteration's exemplars label
//!   the rows (flagged by `converged() == false`), and with none every row is noise.

mod fit;
mod params;
#[cfg(test)]
mod replay;

pub use fit::AffinityPropagationModel;
pub use params::{AffinityPropagationParams, ApAffinity};

//! OPTICS, as scikit-learn's `OPTICS` (1.9): the reachability ordering and its cluster
//! extraction (`xi` steep areas, or a DBSCAN-like cut at `eps`).
//!
//! linfa-clustering's `Optics` computes an ordering and reachability distances but breaks ties
//! between equally reachable points in its own order and has no cluster extraction; since the
//! labels must equal scikit-learn's, this module ports `compute_optics_graph` (including its
//! rounding of distances to 15 decimals, which decides ties), `cluster_optics_xi` with
//! `_xi_cluster`, `_extend_region`, `_update_filter_sdas`, `_correct_predecessor` and
//! `_extract_xi_labels`, and `cluster_optics_dbscan`. Euclidean distances only.
//!
//! | scikit-learn | here |
//! |---|---|
//! | `min_samples=5` (an integer ≥ 2; fractions are not offered) | `min_samples` |
//! | `max_eps=inf` | `max_eps` (`None` = unbounded) |
//! | `cluster_method="xi"`, `xi=0.05`, `predecessor_correction=True`, `min_cluster_size=None` | `cluster_method = { xi = 0.05, predecessor_correction = true, min_cluster_size = … }` |
//! | `cluster_method="dbscan"`, `eps` | `cluster_method = { eps = … }` |
//! | `labels_` (−1 = noise) | [`OpticsModel::labels`] (`None` = noise) |
//! | `ordering_`, `reachability_`, `core_distances_`, `predecessor_` | accessors of the same names |
//!
//! OPTICS defines no out-of-sample assignment (scikit-learn has no `predict`).

mod fit;
mod params;

pub use fit::OpticsModel;
pub use params::{OpticsExtraction, OpticsParams};

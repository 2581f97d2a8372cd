//! DBSCAN on linfa-clustering, configured in scikit-learn's terms.
//!
//! | scikit-learn `DBSCAN` (1.9) | linfa 0.8 `Dbscan` | note |
//! |---|---|---|
//! | `eps` | `tolerance` | neighbours within distance ≤ eps (linfa's k-d tree compares squared distances) |
//! | `min_samples` (the point itself counts) | `min_points` (the point itself counts) | a core point has ≥ min_samples neighbours |
//! | `metric="euclidean"` | `L2Dist` | |
//! | `labels_ = -1` for noise | `None` | kept as noise: [`DbscanModel::labels`] |
//!
//! Both visit candidate seeds in row order and grow each cluster completely before the next,
//! so a border point reachable from two clusters joins the first, and clusters are numbered in
//! the order their first core point appears: labels equal scikit-learn's exactly (checked in
//! `tests/models_dbscan.rs` against scikit-learn 1.9.1). DBSCAN defines no out-of-sample
//! assignment (scikit-learn has no `predict`), so none is offered.

mod fit;
mod params;

pub use fit::DbscanModel;
pub use params::DbscanParams;

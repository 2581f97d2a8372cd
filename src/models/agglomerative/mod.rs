//! Agglomerative (hierarchical) clustering on kodama, configured in scikit-learn's terms.
//!
//! The tree is built by kodama 0.3 (Müllner's algorithms, as fastcluster and scipy) over the
//! condensed Euclidean distances `sqrt(Σ (x − y)²)`; the cut into `n_clusters` is ours. How
//! scikit-learn 1.9's `AgglomerativeClustering` maps onto it:
//!
//! | scikit-learn | here | note |
//! |---|---|---|
//! | `n_clusters` | [`AgglomerativeParams::n_clusters`] | |
//! | `linkage="ward"` | [`Linkage::Ward`] → `kodama::Method::Ward` | sklearn calls `scipy.cluster.hierarchy.ward(X)`; both run the NN-chain algorithm and report `sqrt(2·\|A\|\|B\|/(\|A\|+\|B\|))·‖c_A − c_B‖` |
//! | `linkage="complete"` / `"average"` | [`Linkage::Complete`] / [`Linkage::Average`] | sklearn calls `scipy.cluster.hierarchy.linkage(X, method)` (NN-chain) |
//! | `linkage="single"` | [`Linkage::Single`] → kodama's minimum spanning tree | sklearn runs its own MST (`mst_linkage_core`); scipy's `linkage(X, "single")` gives the same heights |
//! | `metric="euclidean"`, `connectivity=None`, `compute_full_tree` | always | the full tree is always built (sklearn does too without connectivity) |
//! | `labels_` (`_hc_cut`) | [`AgglomerativeModel::labels`] | same partition: the first `n − k` merges applied. Numbering differs: sklearn numbers clusters by heap position of their node, we number them `0..` by first row |
//! | `children_` + `distances_` | [`AgglomerativeModel::dendrogram`] | as scipy's linkage matrix `Z` (steps sorted by height, node `n + i` made by step `i`) |
//! | `fit_predict` on new rows | [`AgglomerativeModel::assign`] | sklearn has no `predict`: nearest centroid is the harness's rule, see below |
//!
//! Deliberate differences and limits:
//!
//! - **Out-of-sample rows.** The notebook refit `AgglomerativeClustering` on the test split, so
//!   its test clusters are a different clustering, not the training clusters. [`assign`] maps a
//!   new row to the nearest training centroid (the corrected default); the caller offers the
//!   refit as the faithful variant.
//! - **Ties.** Merges at exactly equal heights (duplicate rows from bootstrap resamples merge at
//!   0) may be found in another order than scipy's; the tree's heights and every cut that does
//!   not fall inside a group of tied merges are unaffected.
//! - **Rounding.** kodama's ward updates work on squared distances, scipy's on distances, so
//!   heights agree to ~1e-15 relative, not bit for bit.
//! - **Overflow.** Features whose squared distances overflow `f64` (values beyond ~1e150) are a
//!   typed error; scipy would return infinities and NaNs.
//! - [`AgglomerativeModel::cut`] recuts the fitted tree at another k without refitting.
//! - [`AgglomerativeModel::dendrogram_layout`] gives scipy's `dendrogram` geometry (leaf order,
//!   the "U" of each merge, `truncate_mode="lastp"`) as plain data for the report.
//!
//! [`assign`]: AgglomerativeModel::assign

mod dendrogram;
mod fit;
mod params;
mod settings;

pub use dendrogram::DendrogramLayout;
pub use fit::{AgglomerativeModel, Merge};
pub use params::{AgglomerativeParams, Linkage};
pub use settings::{AgglomerativeSettings, HoldoutRule};

//! What a spec writes for agglomerative clustering: the linkage and how held-out rows get a
//! cluster. The number of clusters comes from the study's `k`.

use serde::{Deserialize, Serialize};

use super::{AgglomerativeParams, Linkage};

/// How rows outside the fitted split get an agglomerative cluster.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum HoldoutRule {
    /// Nearest training-cluster centroid (the corrected default).
    #[default]
    NearestCentroid,
    /// Refit a new model on the held-out rows, as the notebook did (faithful; its clusters are
    /// unrelated to the training clusters).
    RefitAsNotebook,
}

/// Settings of agglomerative clustering (scikit-learn's `linkage`, plus the harness's
/// out-of-sample rule).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct AgglomerativeSettings {
    /// Linkage. Default: `ward` (scikit-learn's and the notebook's).
    pub linkage: Linkage,
    /// Out-of-sample rule for val/test rows. Default: `nearest_centroid`.
    pub holdout: HoldoutRule,
}

impl AgglomerativeSettings {
    /// The model's parameters for `n_clusters` clusters.
    #[must_use]
    pub fn params(&self, n_clusters: usize) -> AgglomerativeParams {
        AgglomerativeParams { n_clusters, linkage: self.linkage }
    }
}

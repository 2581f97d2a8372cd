//! Agglomerative clustering parameters (unchecked until `validate`).

use serde::{Deserialize, Serialize};

use super::super::ModelError;

/// How the distance between two clusters is measured (scikit-learn's `linkage`).
///
/// Serialised in snake case: `"ward"`, `"complete"`, `"average"`, `"single"`.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Linkage {
    /// Ward's minimum-variance criterion on Euclidean distances (scikit-learn's default and the
    /// notebook's).
    #[default]
    Ward,
    /// Maximum distance between members.
    Complete,
    /// Mean distance between members (UPGMA).
    Average,
    /// Minimum distance between members.
    Single,
}

impl Linkage {
    /// The name used in scikit-learn, scipy and specs.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ward => "ward",
            Self::Complete => "complete",
            Self::Average => "average",
            Self::Single => "single",
        }
    }
}

/// Agglomerative clustering hyperparameters in scikit-learn's terms
/// (`AgglomerativeClustering(n_clusters, linkage)`, Euclidean metric).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AgglomerativeParams {
    /// Number of clusters the tree is cut into (≥ 1, ≤ the number of rows at fit time).
    pub n_clusters: usize,
    /// Linkage criterion. Default: `ward`.
    #[serde(default)]
    pub linkage: Linkage,
}

impl AgglomerativeParams {
    /// Checks every field.
    pub fn validate(&self) -> Result<(), ModelError> {
        if self.n_clusters == 0 {
            return Err(ModelError::InvalidParam {
                param: "n_clusters",
                rule: "must be ≥ 1",
                value: self.n_clusters.to_string(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_clusters_is_rejected() {
        let params = AgglomerativeParams { n_clusters: 0, linkage: Linkage::Ward };
        assert!(matches!(params.validate(), Err(ModelError::InvalidParam { param: "n_clusters", .. })));
    }

    #[test]
    fn one_cluster_is_valid() {
        AgglomerativeParams { n_clusters: 1, linkage: Linkage::Ward }.validate().expect("valid");
    }

    #[test]
    fn linkage_reads_as_snake_case_and_defaults_to_ward() {
        let params: AgglomerativeParams = toml::from_str("n_clusters = 3\nlinkage = \"average\"").expect("toml");
        assert_eq!(params, AgglomerativeParams { n_clusters: 3, linkage: Linkage::Average });
        let params: AgglomerativeParams = toml::from_str("n_clusters = 3").expect("toml");
        assert_eq!(params.linkage, Linkage::Ward);
        assert!(toml::from_str::<AgglomerativeParams>("n_clusters = 3\nlinkage = \"centroid\"").is_err());
        assert!(toml::from_str::<AgglomerativeParams>("n_clusters = 3\naffinity = \"l1\"").is_err());
    }
}

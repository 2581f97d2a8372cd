//! Labellings with noise (`None`, scikit-learn's −1): what DBSCAN and OPTICS return, and how
//! metrics treat it.

use serde::{Deserialize, Serialize};

/// How noise points enter clustering metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum NoiseTreatment {
    /// Metrics of the non-noise points only (the default): noise is not a cluster, and scoring
    /// it as one rewards or punishes a model for what it declined to cluster.
    #[default]
    NonNoiseOnly,
    /// Noise is one more cluster, as scikit-learn's metrics treat label −1 when given
    /// `DBSCAN().labels_` (faithful).
    AsClusterAsSklearn,
}

impl NoiseTreatment {
    /// The name used in specs and metric keys.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NonNoiseOnly => "non_noise_only",
            Self::AsClusterAsSklearn => "as_cluster_as_sklearn",
        }
    }

    /// The labelling metrics see: the positions kept and their cluster ids. Noise is dropped,
    /// or becomes cluster `count_clusters(labels)`.
    #[must_use]
    pub fn apply(self, labels: &[Option<usize>]) -> (Vec<usize>, Vec<usize>) {
        let noise_id = count_clusters(labels);
        labels
            .iter()
            .enumerate()
            .filter_map(|(i, l)| match (l, self) {
                (Some(c), _) => Some((i, *c)),
                (None, Self::AsClusterAsSklearn) => Some((i, noise_id)),
                (None, Self::NonNoiseOnly) => None,
            })
            .unzip()
    }
}

/// Clusters in a labelling numbered `0..k` (noise is not a cluster).
#[must_use]
pub fn count_clusters(labels: &[Option<usize>]) -> usize {
    labels.iter().flatten().max().map_or(0, |&m| m + 1)
}

/// Share of the rows that are noise (0 for no rows).
#[must_use]
pub fn noise_fraction(labels: &[Option<usize>]) -> f64 {
    if labels.is_empty() {
        return 0.0;
    }
    labels.iter().filter(|l| l.is_none()).count() as f64 / labels.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noise_is_neither_a_cluster_nor_counted_as_one() {
        let labels = [Some(0), None, Some(2), None];
        assert_eq!(count_clusters(&labels), 3);
        assert_eq!(noise_fraction(&labels), 0.5);
        assert_eq!((count_clusters(&[None]), noise_fraction(&[])), (0, 0.0));
    }

    #[test]
    fn noise_is_dropped_or_becomes_one_more_cluster() {
        let labels = [Some(1), None, Some(0), None];
        assert_eq!(NoiseTreatment::NonNoiseOnly.apply(&labels), (vec![0, 2], vec![1, 0]));
        assert_eq!(NoiseTreatment::AsClusterAsSklearn.apply(&labels), (vec![0, 1, 2, 3], vec![1, 2, 0, 2]));
    }
}

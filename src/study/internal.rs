//! Internal clustering metrics of one labelling, each undefined (None) where scikit-learn
//! would raise (e.g. a single cluster), with noise points treated as the spec says.

use std::collections::BTreeMap;

use ndarray::{ArrayView2, Axis};

use crate::metrics::{calinski_harabasz_score, davies_bouldin_score, inertia_to_centroids, silhouette_score};
use crate::models::{count_clusters, noise_fraction, NoiseTreatment};

/// Silhouette, Davies-Bouldin, Calinski-Harabasz and inertia of one labelling, with its number
/// of clusters and (for models that can label noise) its share of noise.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct InternalMetrics {
    /// Mean silhouette (scikit-learn conventions).
    pub silhouette: Option<f64>,
    /// Davies-Bouldin index.
    pub davies_bouldin: Option<f64>,
    /// Calinski-Harabasz index.
    pub calinski_harabasz: Option<f64>,
    /// Sum of squared distances to the model's centroids (scikit-learn's `inertia_`).
    pub inertia: Option<f64>,
    /// Clusters found (noise is not one).
    pub n_clusters: Option<f64>,
    /// Share of rows labelled noise (None for models that never label noise).
    pub noise_fraction: Option<f64>,
}

impl InternalMetrics {
    /// The metric names, in [`InternalMetrics::named`] order.
    pub const NAMES: [&'static str; 6] =
        ["silhouette", "davies_bouldin", "calinski_harabasz", "inertia", "n_clusters", "noise_fraction"];

    /// Computes all of them. `centroids` (indexed by label) are given for models with an
    /// inertia; `noise` is the treatment of noise points, `None` for a model that never labels
    /// noise (then any `None` label, e.g. of an affinity propagation that did not converge, is
    /// left out).
    #[must_use]
    pub fn compute(
        x: ArrayView2<f64>,
        labels: &[Option<usize>],
        centroids: Option<ArrayView2<f64>>,
        noise: Option<NoiseTreatment>,
    ) -> Self {
        let (kept, ids) = noise.unwrap_or_default().apply(labels);
        let selected = (kept.len() != labels.len()).then(|| x.select(Axis(0), &kept));
        let xs = match &selected {
            Some(rows) => rows.view(),
            None => x.view(),
        };
        Self {
            silhouette: silhouette_score(xs, &ids).ok(),
            davies_bouldin: davies_bouldin_score(xs, &ids).ok(),
            calinski_harabasz: calinski_harabasz_score(xs, &ids).ok(),
            inertia: centroids.and_then(|c| inertia_to_centroids(xs, c, &ids).ok()),
            n_clusters: Some(count_clusters(labels) as f64),
            noise_fraction: noise.map(|_| noise_fraction(labels)),
        }
    }

    /// (name, value) pairs in a fixed order.
    #[must_use]
    pub fn named(&self) -> [(&'static str, Option<f64>); 6] {
        [
            ("silhouette", self.silhouette),
            ("davies_bouldin", self.davies_bouldin),
            ("calinski_harabasz", self.calinski_harabasz),
            ("inertia", self.inertia),
            ("n_clusters", self.n_clusters),
            ("noise_fraction", self.noise_fraction),
        ]
    }

    /// Inserts each defined metric as `prefix.name@suffix` (or `prefix.name` without suffix).
    pub fn insert_into(&self, metrics: &mut BTreeMap<String, f64>, prefix: &str, suffix: &str) {
        for (name, value) in self.named() {
            if let Some(v) = value {
                let key =
                    if suffix.is_empty() { format!("{prefix}.{name}") } else { format!("{prefix}.{name}@{suffix}") };
                metrics.insert(key, v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use ndarray::array;

    use super::*;

    #[test]
    fn noise_is_left_out_or_scored_as_one_cluster() {
        let x = array![[0.0], [0.1], [5.0], [5.1], [20.0]];
        let labels = [Some(0), Some(0), Some(1), Some(1), None];
        let without = InternalMetrics::compute(x.view(), &labels, None, Some(NoiseTreatment::NonNoiseOnly));
        let dense: Vec<usize> = vec![0, 0, 1, 1];
        let expected = silhouette_score(x.slice(ndarray::s![..4, ..]), &dense).ok();
        assert_eq!(without.silhouette, expected);
        assert_eq!((without.n_clusters, without.noise_fraction), (Some(2.0), Some(0.2)));
        let with = InternalMetrics::compute(x.view(), &labels, None, Some(NoiseTreatment::AsClusterAsSklearn));
        assert_eq!(with.silhouette, silhouette_score(x.view(), &[0, 0, 1, 1, 2]).ok());
        assert_eq!(InternalMetrics::compute(x.view(), &labels, None, None).noise_fraction, None);
    }
}

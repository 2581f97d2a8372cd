//! Internal clustering metrics of one labelling, each undefined (None) where scikit-learn
//! would raise (e.g. a single cluster).

use std::collections::BTreeMap;

use ndarray::ArrayView2;

use crate::metrics::{calinski_harabasz_score, davies_bouldin_score, inertia_to_centroids, silhouette_score};

/// Silhouette, Davies-Bouldin, Calinski-Harabasz and inertia of one labelling.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InternalMetrics {
    /// Mean silhouette (scikit-learn conventions).
    pub silhouette: Option<f64>,
    /// Davies-Bouldin index.
    pub davies_bouldin: Option<f64>,
    /// Calinski-Harabasz index.
    pub calinski_harabasz: Option<f64>,
    /// Sum of squared distances to the model's centroids (scikit-learn's `inertia_`).
    pub inertia: Option<f64>,
}

impl InternalMetrics {
    /// The metric names, in [`InternalMetrics::named`] order.
    pub const NAMES: [&'static str; 4] = ["silhouette", "davies_bouldin", "calinski_harabasz", "inertia"];

    /// Computes all four; `centroids` are indexed by label (None for models without centroids).
    #[must_use]
    pub fn compute(x: ArrayView2<f64>, labels: &[usize], centroids: Option<ArrayView2<f64>>) -> Self {
        Self {
            silhouette: silhouette_score(x, labels).ok(),
            davies_bouldin: davies_bouldin_score(x, labels).ok(),
            calinski_harabasz: calinski_harabasz_score(x, labels).ok(),
            inertia: centroids.and_then(|c| inertia_to_centroids(x, c, labels).ok()),
        }
    }

    /// (name, value) pairs in a fixed order.
    #[must_use]
    pub fn named(&self) -> [(&'static str, Option<f64>); 4] {
        [
            ("silhouette", self.silhouette),
            ("davies_bouldin", self.davies_bouldin),
            ("calinski_harabasz", self.calinski_harabasz),
            ("inertia", self.inertia),
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

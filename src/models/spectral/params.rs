//! Spectral clustering parameters (unchecked until `validate`).

use serde::{Deserialize, Serialize};

use super::super::ModelError;

/// How the affinity (similarity) graph between rows is built (scikit-learn's `affinity` with its
/// `n_neighbors` or `gamma`).
///
/// Internally tagged by `kind`, so in a TOML spec it reads
/// `affinity = { kind = "nearest_neighbors", n_neighbors = 10 }` or
/// `affinity = { kind = "rbf", gamma = 1.0 }`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Affinity {
    /// `0.5·(C + Cᵀ)` where `C` is the k-nearest-neighbour connectivity of each row, the row itself
    /// included (`kneighbors_graph(X, n_neighbors, include_self=True)`). The notebook's choice.
    NearestNeighbors {
        /// Neighbours per row, itself included (≥ 1, ≤ the number of rows at fit time).
        n_neighbors: usize,
    },
    /// Gaussian kernel `exp(−gamma·‖x − y‖²)` (`rbf_kernel(X, gamma=gamma)`).
    Rbf {
        /// Kernel coefficient, in 1/(feature unit)² (finite, > 0).
        gamma: f64,
    },
}

impl Default for Affinity {
    /// The notebook's `affinity="nearest_neighbors", n_neighbors=10`.
    fn default() -> Self {
        Self::NearestNeighbors { n_neighbors: 10 }
    }
}

/// Spectral clustering hyperparameters in scikit-learn's terms
/// (`SpectralClustering(n_clusters, affinity, n_neighbors | gamma, n_init, assign_labels="kmeans")`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SpectralParams {
    /// Number of clusters, which is also the embedding's dimension (≥ 1, ≤ the number of rows).
    pub n_clusters: usize,
    /// Affinity graph. Default: `{ kind = "nearest_neighbors", n_neighbors = 10 }`.
    #[serde(default)]
    pub affinity: Affinity,
    /// k-means restarts on the embedding; the lowest inertia wins (≥ 1). Default: 10.
    #[serde(default = "default_n_init")]
    pub n_init: usize,
}

fn default_n_init() -> usize {
    10
}

impl SpectralParams {
    /// Checks every field (data-dependent limits are checked by `fit`).
    pub fn validate(&self) -> Result<(), ModelError> {
        let invalid = |param, rule, value: String| Err(ModelError::InvalidParam { param, rule, value });
        if self.n_clusters == 0 {
            return invalid("n_clusters", "must be ≥ 1", self.n_clusters.to_string());
        }
        if self.n_init == 0 {
            return invalid("n_init", "must be ≥ 1", self.n_init.to_string());
        }
        match self.affinity {
            Affinity::NearestNeighbors { n_neighbors: 0 } => invalid("n_neighbors", "must be ≥ 1", "0".into()),
            // scikit-learn accepts gamma = 0, but then every pair has affinity 1: the graph has no
            // structure and the embedding is arbitrary, so it is refused here.
            Affinity::Rbf { gamma } if !(gamma.is_finite() && gamma > 0.0) => {
                invalid("gamma", "must be finite and > 0", gamma.to_string())
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> SpectralParams {
        SpectralParams { n_clusters: 4, affinity: Affinity::default(), n_init: 10 }
    }

    #[test]
    fn zero_clusters_is_rejected() {
        assert!(SpectralParams { n_clusters: 0, ..params() }.validate().is_err());
    }

    #[test]
    fn zero_n_init_is_rejected() {
        assert!(SpectralParams { n_init: 0, ..params() }.validate().is_err());
    }

    #[test]
    fn zero_neighbours_is_rejected() {
        let p = SpectralParams { affinity: Affinity::NearestNeighbors { n_neighbors: 0 }, ..params() };
        assert!(matches!(p.validate(), Err(ModelError::InvalidParam { param: "n_neighbors", .. })));
    }

    #[test]
    fn non_positive_or_non_finite_gamma_is_rejected() {
        for gamma in [-1.0, 0.0, f64::NAN, f64::INFINITY] {
            let p = SpectralParams { affinity: Affinity::Rbf { gamma }, ..params() };
            assert!(matches!(p.validate(), Err(ModelError::InvalidParam { param: "gamma", .. })), "{gamma}");
        }
    }

    #[test]
    fn defaults_are_valid() {
        params().validate().expect("valid");
    }

    #[test]
    fn reads_from_toml() {
        let p: SpectralParams = toml::from_str("n_clusters = 4").expect("toml");
        assert_eq!(p, params());
        let p: SpectralParams =
            toml::from_str("n_clusters = 3\nn_init = 2\naffinity = { kind = \"rbf\", gamma = 0.5 }").expect("toml");
        assert_eq!(p, SpectralParams { n_clusters: 3, affinity: Affinity::Rbf { gamma: 0.5 }, n_init: 2 });
        let p: SpectralParams =
            toml::from_str("n_clusters = 3\naffinity = { kind = \"nearest_neighbors\", n_neighbors = 7 }")
                .expect("toml");
        assert_eq!(p.affinity, Affinity::NearestNeighbors { n_neighbors: 7 });
        for bad in [
            "n_clusters = 3\naffinity = { kind = \"rbf\", n_neighbors = 7 }",
            "n_clusters = 3\naffinity = { kind = \"precomputed\" }",
            "n_clusters = 3\nassign_labels = \"kmeans\"",
        ] {
            assert!(toml::from_str::<SpectralParams>(bad).is_err(), "{bad}");
        }
    }
}

//! What a spec writes for spectral clustering, in scikit-learn's flat names
//! (`affinity = "rbf", gamma = 0.5`); the number of clusters comes from the study's `k`.

use serde::{Deserialize, Serialize};

use super::super::ModelError;
use super::{Affinity, SpectralParams};

/// Affinity graph of spectral clustering (scikit-learn's `affinity`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AffinityName {
    /// Symmetrised k-nearest-neighbour connectivity (the notebook's choice).
    #[default]
    NearestNeighbors,
    /// Gaussian kernel `exp(−gamma·‖x − y‖²)`.
    Rbf,
}

/// Settings of spectral clustering (scikit-learn's names). `n_neighbors` is used by the
/// nearest-neighbour affinity and `gamma` by the RBF one, as in scikit-learn.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct SpectralSettings {
    /// Affinity. Default: `nearest_neighbors`.
    pub affinity: AffinityName,
    /// Neighbours of the kNN graph. Default: 10.
    pub n_neighbors: usize,
    /// RBF kernel coefficient. Default: 1.0.
    pub gamma: f64,
    /// k-means restarts on the embedding. Default: 10.
    pub n_init: usize,
}

impl Default for SpectralSettings {
    fn default() -> Self {
        Self { affinity: AffinityName::NearestNeighbors, n_neighbors: 10, gamma: 1.0, n_init: 10 }
    }
}

impl SpectralSettings {
    /// The model's parameters for `n_clusters` clusters.
    #[must_use]
    pub fn params(&self, n_clusters: usize) -> SpectralParams {
        let affinity = match self.affinity {
            AffinityName::NearestNeighbors => Affinity::NearestNeighbors { n_neighbors: self.n_neighbors },
            AffinityName::Rbf => Affinity::Rbf { gamma: self.gamma },
        };
        SpectralParams { n_clusters, affinity, n_init: self.n_init }
    }

    /// Checks every field with [`SpectralParams::validate`] (one rule per parameter), the unused
    /// one of `n_neighbors` / `gamma` included, so a spec cannot carry a nonsensical value.
    pub fn validate(&self) -> Result<(), ModelError> {
        let mut other = *self;
        other.affinity = match self.affinity {
            AffinityName::NearestNeighbors => AffinityName::Rbf,
            AffinityName::Rbf => AffinityName::NearestNeighbors,
        };
        self.params(1).validate()?;
        other.params(1).validate()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_affinity_parameters_are_checked_whichever_is_used() {
        let bad_gamma = SpectralSettings { gamma: 0.0, ..SpectralSettings::default() };
        assert!(matches!(bad_gamma.validate(), Err(ModelError::InvalidParam { param: "gamma", .. })));
        let bad_neighbours = SpectralSettings { affinity: AffinityName::Rbf, n_neighbors: 0, ..Default::default() };
        assert!(matches!(bad_neighbours.validate(), Err(ModelError::InvalidParam { param: "n_neighbors", .. })));
        SpectralSettings::default().validate().expect("defaults are valid");
    }
}

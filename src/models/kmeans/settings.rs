//! The fit settings of k-means, in scikit-learn's terms: what a spec writes in
//! `model = { name = "kmeans", ... }`.

use serde::{Deserialize, Serialize};

use super::super::ModelError;

/// k-means initialisation, named as scikit-learn names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema)]
pub enum KMeansInit {
    /// k-means++ seeding.
    #[serde(rename = "k-means++")]
    KMeansPlusPlus,
    /// k rows drawn at random.
    #[serde(rename = "random")]
    Random,
}

impl KMeansInit {
    /// scikit-learn's name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::KMeansPlusPlus => "k-means++",
            Self::Random => "random",
        }
    }
}

/// Settings of one k-means fit, in scikit-learn's terms (mapped onto linfa, see the module doc);
/// the number of clusters comes from the study (`KMeansParams::new`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct KMeansSettings {
    /// Initialisation. Default: `"k-means++"`.
    pub init: KMeansInit,
    /// Initialisations tried; the lowest inertia wins. Default: 10 (scikit-learn < 1.4).
    pub n_init: usize,
    /// Iteration cap per initialisation. Default: 300.
    pub max_iter: usize,
    /// Relative tolerance (scikit-learn's `tol`, scaled by the mean feature variance). Default: 1e-4.
    pub tol: f64,
}

impl Default for KMeansSettings {
    fn default() -> Self {
        Self { init: KMeansInit::KMeansPlusPlus, n_init: 10, max_iter: 300, tol: 1e-4 }
    }
}

impl KMeansSettings {
    /// Checks every field (the one validator of these settings: specs call it too).
    pub fn validate(&self) -> Result<(), ModelError> {
        let invalid = |param, rule, value: String| Err(ModelError::InvalidParam { param, rule, value });
        if self.n_init == 0 {
            return invalid("n_init", "must be ≥ 1", self.n_init.to_string());
        }
        if self.max_iter == 0 {
            return invalid("max_iter", "must be ≥ 1", self.max_iter.to_string());
        }
        if !(self.tol.is_finite() && self.tol > 0.0) {
            return invalid("tol", "must be > 0", self.tol.to_string());
        }
        Ok(())
    }
}

//! Gaussian mixture parameters (unchecked until `validate`).

use serde::{Deserialize, Serialize};

use super::super::ModelError;

/// Shape of the components' covariances (scikit-learn's `covariance_type`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CovarianceType {
    /// Each component its own general covariance matrix (scikit-learn's default).
    #[default]
    Full,
    /// One general covariance matrix shared by all components.
    Tied,
    /// Each component its own diagonal covariance.
    Diag,
    /// Each component its own single variance.
    Spherical,
}

impl CovarianceType {
    /// scikit-learn's name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Full => "full",
            Self::Tied => "tied",
            Self::Diag => "diag",
            Self::Spherical => "spherical",
        }
    }
}

/// How the EM starts (scikit-learn's `init_params`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MixtureInit {
    /// Responsibilities from a k-means fit (scikit-learn's default).
    #[default]
    Kmeans,
    /// Distinct random rows as the initial components.
    RandomFromData,
}

/// Gaussian mixture hyperparameters under scikit-learn's names.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct GaussianMixtureParams {
    /// Mixture components (clusters). Default: 1, as scikit-learn (a spec sets it from `k`).
    pub n_components: usize,
    /// Covariance shape. Default: `full`.
    pub covariance_type: CovarianceType,
    /// Convergence threshold on the change of the mean log-likelihood lower bound. Default: 1e-3.
    pub tol: f64,
    /// Added to the covariances' diagonals so they stay positive definite. Default: 1e-6.
    pub reg_covar: f64,
    /// EM iterations per start. Default: 100.
    pub max_iter: usize,
    /// Starts; the one with the highest lower bound is kept. Default: 1.
    pub n_init: usize,
    /// Initialisation. Default: `kmeans`.
    pub init_params: MixtureInit,
}

impl Default for GaussianMixtureParams {
    fn default() -> Self {
        Self {
            n_components: 1,
            covariance_type: CovarianceType::Full,
            tol: 1e-3,
            reg_covar: 1e-6,
            max_iter: 100,
            n_init: 1,
            init_params: MixtureInit::Kmeans,
        }
    }
}

impl GaussianMixtureParams {
    /// Checks every field.
    pub fn validate(&self) -> Result<(), ModelError> {
        let invalid = |param, rule, value: String| Err(ModelError::InvalidParam { param, rule, value });
        if self.n_components == 0 {
            return invalid("n_components", "must be ≥ 1", "0".into());
        }
        if !(self.tol.is_finite() && self.tol >= 0.0) {
            return invalid("tol", "must be ≥ 0", self.tol.to_string());
        }
        if !(self.reg_covar.is_finite() && self.reg_covar >= 0.0) {
            return invalid("reg_covar", "must be ≥ 0", self.reg_covar.to_string());
        }
        if self.max_iter == 0 {
            return invalid("max_iter", "must be ≥ 1", "0".into());
        }
        if self.n_init == 0 {
            return invalid("n_init", "must be ≥ 1", "0".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_scikit_learns_and_valid() {
        let p = GaussianMixtureParams::default();
        assert_eq!((p.tol, p.reg_covar, p.max_iter, p.n_init), (1e-3, 1e-6, 100, 1));
        assert_eq!(p.validate(), Ok(()));
    }

    #[test]
    fn zero_components_is_rejected() {
        assert!(GaussianMixtureParams { n_components: 0, ..Default::default() }.validate().is_err());
    }

    #[test]
    fn negative_tol_is_rejected() {
        assert!(GaussianMixtureParams { tol: -1.0, ..Default::default() }.validate().is_err());
    }

    #[test]
    fn negative_reg_covar_is_rejected() {
        assert!(GaussianMixtureParams { reg_covar: f64::NAN, ..Default::default() }.validate().is_err());
    }

    #[test]
    fn zero_max_iter_is_rejected() {
        assert!(GaussianMixtureParams { max_iter: 0, ..Default::default() }.validate().is_err());
    }

    #[test]
    fn zero_n_init_is_rejected() {
        assert!(GaussianMixtureParams { n_init: 0, ..Default::default() }.validate().is_err());
    }
}

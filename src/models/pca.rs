//! Principal component projections (linfa-reduction) for views of the feature space.

use linfa::prelude::*;
use linfa_reduction::Pca;
use ndarray::{Array1, Array2, ArrayView2, Axis};

use super::ModelError;

/// Rows projected onto their leading principal components.
#[derive(Debug, Clone, PartialEq)]
pub struct PcaProjection {
    /// `(n_rows, n_components)` scores.
    pub scores: Array2<f64>,
    /// `(n_components, n_features)` unit component vectors (loadings).
    pub components: Array2<f64>,
    /// Share of the total variance each component explains.
    pub explained_variance_ratio: Array1<f64>,
}

/// Fits PCA on `x` (`(n_rows, n_features)`) and projects it onto `n_components` components.
///
/// Explained-variance ratios are taken against the *total* variance of `x` (the trace of its
/// covariance), as scikit-learn reports them; linfa 0.8's own `explained_variance_ratio` is
/// normalised over the computed components only and so always sums to 1.
pub fn pca(x: ArrayView2<f64>, n_components: usize) -> Result<PcaProjection, ModelError> {
    if x.nrows() < 2 || n_components == 0 || n_components > x.ncols().min(x.nrows()) {
        return Err(ModelError::InvalidParam {
            param: "n_components",
            rule: "must be between 1 and min(n_rows, n_features), with at least 2 rows",
            value: n_components.to_string(),
        });
    }
    if x.iter().any(|v| !v.is_finite()) {
        return Err(ModelError::NonFinite);
    }
    let dataset = DatasetBase::from(x.to_owned());
    let fitted =
        Pca::params(n_components).fit(&dataset).map_err(|e| ModelError::Fit { model: "pca", reason: e.to_string() })?;
    let scores: Array2<f64> = fitted.predict(&x);
    let n = x.nrows() as f64;
    let total_variance: f64 = x.var_axis(Axis(0), 1.0).sum();
    let explained_variance_ratio =
        fitted.singular_values().mapv(|s| s * s / (n - 1.0) / total_variance.max(f64::MIN_POSITIVE));
    Ok(PcaProjection { scores, components: fitted.components().to_owned(), explained_variance_ratio })
}

#[cfg(test)]
mod tests {
    use ndarray::array;

    use super::*;

    #[test]
    fn a_noisy_line_is_mostly_explained_by_one_component() {
        let x = array![[0.0, 0.1], [1.0, 1.9], [2.0, 4.1], [3.0, 5.9], [4.0, 8.1]];
        let p = pca(x.view(), 2).expect("pca");
        assert_eq!(p.scores.dim(), (5, 2));
        let ratio = &p.explained_variance_ratio;
        assert!(ratio[0] > 0.99 && ratio[1] < 0.01, "{ratio}");
        // Ratios are of the total variance, so two of two components sum to 1.
        assert!((ratio.sum() - 1.0).abs() < 1e-9, "{ratio}");
        // Scores are centred.
        assert!(p.scores.column(0).sum().abs() < 1e-9);
    }

    #[test]
    fn too_many_components_is_rejected() {
        assert!(pca(array![[0.0, 1.0], [1.0, 0.0]].view(), 3).is_err());
    }
}

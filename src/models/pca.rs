//! Principal component projections for views of the feature space.
//!
//! Computed exactly: the eigendecomposition of the `(n_features × n_features)` covariance
//! matrix with linfa-linalg's dense symmetric solver. linfa-reduction's `Pca` uses a randomised
//! truncated SVD (LOBPCG) that returns NaN — and then panics while sorting — on unscaled
//! features whose variances span many orders of magnitude (the notebook's raw matrix), and it
//! normalises explained variance over the computed components only. With 45 features the exact
//! solve is cheap and always defined.

use linfa_linalg::eigh::EighInto;
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
/// Mirrors `sklearn.decomposition.PCA(n_components).fit_transform` (1.9): centred data,
/// components sorted by explained variance, ratios of the *total* variance, and each
/// component's sign fixed so that its largest-magnitude loading is positive (scikit-learn's
/// `svd_flip(u_based_decision=False)`), so projections are deterministic.
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
    let mean = x.mean_axis(Axis(0)).expect("at least 2 rows");
    let centred = &x - &mean;
    let covariance = centred.t().dot(&centred) / (x.nrows() as f64 - 1.0);
    let total_variance: f64 = covariance.diag().sum();
    let (eigenvalues, eigenvectors) =
        covariance.eigh_into().map_err(|e| ModelError::Fit { model: "pca", reason: e.to_string() })?;
    let mut order: Vec<usize> = (0..eigenvalues.len()).collect();
    order.sort_by(|&a, &b| eigenvalues[b].total_cmp(&eigenvalues[a]).then(a.cmp(&b)));
    let mut components = Array2::<f64>::zeros((n_components, x.ncols()));
    for (c, &k) in order.iter().take(n_components).enumerate() {
        let vector = eigenvectors.column(k);
        let largest = vector.iter().copied().fold(0.0_f64, |best, v| if v.abs() > best.abs() { v } else { best });
        let sign = if largest < 0.0 { -1.0 } else { 1.0 };
        components.row_mut(c).assign(&(&vector * sign));
    }
    let explained_variance_ratio: Array1<f64> = order
        .iter()
        .take(n_components)
        .map(|&k| eigenvalues[k].max(0.0) / total_variance.max(f64::MIN_POSITIVE))
        .collect();
    let scores = centred.dot(&components.t());
    Ok(PcaProjection { scores, components, explained_variance_ratio })
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
        // Scores are centred, and the first loading points along +(1, 2).
        assert!(p.scores.column(0).sum().abs() < 1e-9);
        assert!(p.components[[0, 1]] > 0.0 && p.components[[0, 0]] > 0.0);
    }

    #[test]
    fn wildly_different_column_scales_do_not_break_it() {
        // The notebook's raw features: one column ~1e4, others ~1e-3.
        let x = Array2::from_shape_fn((30, 4), |(i, j)| {
            let t = i as f64;
            [1e4 * (t * 0.3).sin(), 1e-3 * (t * 0.7).cos(), (t * 1.1).sin(), 1e-6 * t][j]
        });
        let p = pca(x.view(), 3).expect("pca");
        assert!(p.scores.iter().all(|v| v.is_finite()));
        assert!(p.explained_variance_ratio[0] > 0.999);
    }

    #[test]
    fn too_many_components_is_rejected() {
        assert!(pca(array![[0.0, 1.0], [1.0, 0.0]].view(), 3).is_err());
    }
}

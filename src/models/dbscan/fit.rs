//! Fitting DBSCAN: density-connected clusters, and noise.

use linfa::prelude::ParamGuard;
use linfa::traits::Transformer;
use linfa_clustering::Dbscan;
use ndarray::{Array2, ArrayView2};

use super::params::DbscanParams;
use crate::models::ModelError;

/// A fitted DBSCAN clustering.
#[derive(Debug, Clone, PartialEq)]
pub struct DbscanModel {
    labels: Vec<Option<usize>>,
    n_clusters: usize,
}

impl DbscanParams {
    /// Clusters the rows of `x` (`(n_rows, n_features)`). Deterministic: no random stream.
    pub fn fit(&self, x: ArrayView2<f64>) -> Result<DbscanModel, ModelError> {
        self.validate()?;
        crate::models::input::check_finite_rows(x)?;
        // linfa's k-d tree needs contiguous rows.
        let owned: Array2<f64> = x.as_standard_layout().into_owned();
        let params = Dbscan::params(self.min_samples)
            .tolerance(self.eps)
            .check()
            .map_err(|e| ModelError::Fit { model: "dbscan", reason: e.to_string() })?;
        let labels: Vec<Option<usize>> = params.transform(&owned).to_vec();
        let n_clusters = crate::models::count_clusters(&labels);
        Ok(DbscanModel { labels, n_clusters })
    }
}

impl DbscanModel {
    /// Cluster of each fitted row (`None` = noise, scikit-learn's −1), in row order.
    #[must_use]
    pub fn labels(&self) -> &[Option<usize>] {
        &self.labels
    }

    /// Clusters found (noise is not a cluster).
    #[must_use]
    pub fn n_clusters(&self) -> usize {
        self.n_clusters
    }

    /// Share of the rows that are noise.
    #[must_use]
    pub fn noise_fraction(&self) -> f64 {
        crate::models::noise_fraction(&self.labels)
    }
}

#[cfg(test)]
mod tests {
    use ndarray::array;

    use super::*;

    #[test]
    fn two_dense_groups_and_an_outlier() {
        let x = array![[0.0, 0.0], [0.1, 0.0], [0.0, 0.1], [5.0, 5.0], [5.1, 5.0], [5.0, 5.1], [20.0, 20.0]];
        let model = DbscanParams { eps: 0.5, min_samples: 3 }.fit(x.view()).expect("fit");
        assert_eq!(model.labels(), [Some(0), Some(0), Some(0), Some(1), Some(1), Some(1), None]);
        assert_eq!(model.n_clusters(), 2);
        assert!((model.noise_fraction() - 1.0 / 7.0).abs() < 1e-15);
    }

    #[test]
    fn a_point_counts_itself_as_scikit_learn_does() {
        // Each point has one neighbour besides itself: min_samples = 2 makes both core.
        let x = array![[0.0], [0.4], [10.0]];
        let model = DbscanParams { eps: 0.5, min_samples: 2 }.fit(x.view()).expect("fit");
        assert_eq!(model.labels(), [Some(0), Some(0), None]);
    }

    #[test]
    fn non_finite_input_is_an_error_not_a_panic() {
        let x = array![[0.0], [f64::NAN]];
        assert_eq!(DbscanParams::default().fit(x.view()), Err(ModelError::NonFinite));
    }
}

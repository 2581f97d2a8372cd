//! Fitting k-means with linfa and assigning rows to the fitted centroids.

use linfa::prelude::*;
use linfa_clustering::{KMeans, KMeansInit as LinfaInit};
use ndarray::{Array2, ArrayView2, Axis};
use rand_chacha::ChaCha8Rng;

use super::KMeansInit;

use super::super::ModelError;
use super::KMeansParams;

/// A fitted k-means model.
#[derive(Debug, Clone, PartialEq)]
pub struct KMeansModel {
    /// `(n_clusters, n_features)` centroids.
    pub centroids: Array2<f64>,
}

impl KMeansParams {
    /// Fits on the rows of `x` (`(n_rows, n_features)`), drawing all randomness from `rng`.
    pub fn fit(&self, x: ArrayView2<f64>, rng: ChaCha8Rng) -> Result<KMeansModel, ModelError> {
        self.validate()?;
        if x.nrows() < self.n_clusters {
            return Err(ModelError::TooFewRows { n_clusters: self.n_clusters, n_rows: x.nrows() });
        }
        if x.iter().any(|v| !v.is_finite()) {
            return Err(ModelError::NonFinite);
        }
        let init = match self.init {
            KMeansInit::KMeansPlusPlus => LinfaInit::KMeansPlusPlus,
            KMeansInit::Random => LinfaInit::Random,
        };
        let dataset = DatasetBase::from(x.to_owned());
        let fitted = KMeans::params_with_rng(self.n_clusters, rng)
            .init_method(init)
            .n_runs(self.n_init)
            .max_n_iterations(self.max_iter as u64)
            .tolerance(linfa_tolerance(x, self.tol))
            .fit(&dataset)
            .map_err(|e| ModelError::Fit { model: "kmeans", reason: e.to_string() })?;
        Ok(KMeansModel { centroids: fitted.centroids().to_owned() })
    }
}

/// scikit-learn's `tol` as linfa's absolute tolerance (see the module table).
fn linfa_tolerance(x: ArrayView2<f64>, tol: f64) -> f64 {
    let mean_variance = x.var_axis(Axis(0), 0.0).mean().unwrap_or(0.0);
    // A constant matrix has zero variance; any shift then counts as convergence.
    (tol * mean_variance).sqrt().max(f64::MIN_POSITIVE)
}

impl KMeansModel {
    /// Number of clusters.
    #[must_use]
    pub fn n_clusters(&self) -> usize {
        self.centroids.nrows()
    }

    /// The nearest centroid of each row of `x` (squared Euclidean; ties go to the lower id).
    #[must_use]
    pub fn assign(&self, x: ArrayView2<f64>) -> Vec<usize> {
        super::super::nearest_centroid(self.centroids.view(), x)
    }
}

#[cfg(test)]
mod tests {
    use ndarray::array;

    use super::super::KMeansSettings;
    use super::*;
    use crate::split::Seed;

    fn blobs() -> Array2<f64> {
        array![[0.0, 0.0], [0.1, 0.0], [0.0, 0.1], [10.0, 10.0], [10.1, 10.0], [10.0, 10.1]]
    }

    #[test]
    fn separates_two_obvious_blobs_with_either_init() {
        for init in [KMeansInit::KMeansPlusPlus, KMeansInit::Random] {
            let params = KMeansParams { init, ..KMeansParams::new(2, KMeansSettings::default()) };
            let model = params.fit(blobs().view(), Seed(1).rng_for(0)).expect("fit");
            let labels = model.assign(blobs().view());
            assert_eq!(labels[0], labels[1]);
            assert_eq!(labels[0], labels[2]);
            assert_ne!(labels[0], labels[3]);
            assert_eq!(labels[3], labels[5]);
        }
    }

    #[test]
    fn same_stream_same_model() {
        let params = KMeansParams::new(3, KMeansSettings { n_init: 2, ..KMeansSettings::default() });
        let a = params.fit(blobs().view(), Seed(9).rng_for(4)).expect("fit");
        let b = params.fit(blobs().view(), Seed(9).rng_for(4)).expect("fit");
        assert_eq!(a, b);
    }

    #[test]
    fn more_clusters_than_rows_is_an_error() {
        let params = KMeansParams::new(7, KMeansSettings::default());
        assert!(matches!(params.fit(blobs().view(), Seed(1).rng_for(0)), Err(ModelError::TooFewRows { .. })));
    }

    #[test]
    fn nan_input_is_an_error() {
        let mut x = blobs();
        x[[2, 1]] = f64::NAN;
        let params = KMeansParams::new(2, KMeansSettings::default());
        assert_eq!(params.fit(x.view(), Seed(1).rng_for(0)), Err(ModelError::NonFinite));
    }
}

//! EM for Gaussian mixtures, step for step as scikit-learn's `GaussianMixture`.

use linfa_linalg::cholesky::Cholesky;
use linfa_linalg::triangular::{SolveTriangular, UPLO};
use ndarray::{s, Array1, Array2, Array3, ArrayView1, ArrayView2, Axis};
use rand::seq::index::sample;
use rand_chacha::ChaCha8Rng;

use super::params::{CovarianceType, GaussianMixtureParams, MixtureInit};
use crate::models::{KMeansParams, ModelError};

/// Covariances (or their precision Cholesky factors), shaped by covariance type as scikit-learn
/// stores them.
#[derive(Debug, Clone, PartialEq)]
enum PerType {
    /// `(k, d, d)`.
    Full(Array3<f64>),
    /// `(d, d)`.
    Tied(Array2<f64>),
    /// `(k, d)`.
    Diag(Array2<f64>),
    /// `(k,)`.
    Spherical(Array1<f64>),
}

/// A fitted Gaussian mixture.
#[derive(Debug, Clone, PartialEq)]
pub struct GaussianMixtureModel {
    weights: Array1<f64>,
    means: Array2<f64>,
    covariances: PerType,
    precisions_cholesky: PerType,
    labels: Vec<Option<usize>>,
    lower_bound: f64,
    n_iter: usize,
    converged: bool,
}

impl GaussianMixtureParams {
    /// Fits the mixture to the rows of `x` (`(n_rows, n_features)`), initialised as
    /// `init_params` says with randomness from `rng`; the best of `n_init` starts is kept.
    pub fn fit(&self, x: ArrayView2<f64>, rng: &mut ChaCha8Rng) -> Result<GaussianMixtureModel, ModelError> {
        self.check_data(x)?;
        let mut best: Option<GaussianMixtureModel> = None;
        for _ in 0..self.n_init {
            let resp = self.initial_responsibilities(x, rng)?;
            let (weights, means, covariances) =
                estimate_parameters(x, resp.view(), self.reg_covar, self.covariance_type);
            let weights = &weights / x.nrows() as f64;
            let fitted = self.run_em(x, weights, means, &covariances)?;
            if best.as_ref().is_none_or(|b| fitted.lower_bound > b.lower_bound) {
                best = Some(fitted);
            }
        }
        let mut best = best.expect("n_init ≥ 1 was validated");
        best.labels = best.assign(x).into_iter().map(Some).collect();
        Ok(best)
    }

    /// Fits from given starting parameters (scikit-learn's `weights_init`, `means_init` and
    /// `precisions_init`, here as covariances: `(k, d, d)` for every type, of which `tied` uses
    /// the first, `diag` the diagonals and `spherical` the mean of the diagonal). One start.
    pub fn fit_from(
        &self,
        x: ArrayView2<f64>,
        weights: ArrayView1<f64>,
        means: ArrayView2<f64>,
        covariances: &Array3<f64>,
    ) -> Result<GaussianMixtureModel, ModelError> {
        self.check_data(x)?;
        let (k, d) = (self.n_components, x.ncols());
        if weights.len() != k || means.dim() != (k, d) || covariances.dim() != (k, d, d) {
            return Err(ModelError::InvalidParam {
                param: "init",
                rule: "weights (k), means (k, d) and covariances (k, d, d) must match n_components and the data",
                value: format!("{:?}, {:?}, {:?}", weights.dim(), means.dim(), covariances.dim()),
            });
        }
        let shaped = match self.covariance_type {
            CovarianceType::Full => PerType::Full(covariances.clone()),
            CovarianceType::Tied => PerType::Tied(covariances.index_axis(Axis(0), 0).to_owned()),
            CovarianceType::Diag => PerType::Diag(Array2::from_shape_fn((k, d), |(c, j)| covariances[[c, j, j]])),
            CovarianceType::Spherical => PerType::Spherical(Array1::from_shape_fn(k, |c| {
                (0..d).map(|j| covariances[[c, j, j]]).sum::<f64>() / d as f64
            })),
        };
        let mut fitted = self.run_em(x, weights.to_owned(), means.to_owned(), &shaped)?;
        fitted.labels = fitted.assign(x).into_iter().map(Some).collect();
        Ok(fitted)
    }

    fn check_data(&self, x: ArrayView2<f64>) -> Result<(), ModelError> {
        self.validate()?;
        crate::models::input::check_finite_rows(x)?;
        if x.nrows() < self.n_components.max(2) {
            return Err(ModelError::TooFewRows { n_clusters: self.n_components, n_rows: x.nrows() });
        }
        Ok(())
    }

    /// `_initialize_parameters`: one-hot responsibilities from k-means labels or random rows.
    fn initial_responsibilities(&self, x: ArrayView2<f64>, rng: &mut ChaCha8Rng) -> Result<Array2<f64>, ModelError> {
        let (n, k) = (x.nrows(), self.n_components);
        let mut resp = Array2::zeros((n, k));
        match self.init_params {
            MixtureInit::Kmeans => {
                let settings = crate::models::KMeansSettings {
                    init: crate::models::KMeansInit::KMeansPlusPlus,
                    n_init: 1,
                    ..crate::models::KMeansSettings::default()
                };
                let stream = rand::SeedableRng::from_rng(&mut *rng)
                    .map_err(|e: rand::Error| ModelError::Fit { model: "gaussian_mixture", reason: e.to_string() })?;
                let kmeans = KMeansParams::new(k, settings).fit(x, stream)?;
                for (row, label) in kmeans.assign(x).into_iter().enumerate() {
                    resp[[row, label]] = 1.0;
                }
            }
            MixtureInit::RandomFromData => {
                for (component, row) in sample(rng, n, k).into_iter().enumerate() {
                    resp[[row, component]] = 1.0;
                }
            }
        }
        Ok(resp)
    }

    /// The E/M loop of `BaseMixture.fit_predict` from given parameters.
    fn run_em(
        &self,
        x: ArrayView2<f64>,
        mut weights: Array1<f64>,
        mut means: Array2<f64>,
        covariances: &PerType,
    ) -> Result<GaussianMixtureModel, ModelError> {
        let mut covariances = covariances.clone();
        let mut precisions_cholesky = precision_cholesky(&covariances)?;
        let mut lower_bound = f64::NEG_INFINITY;
        let (mut n_iter, mut converged) = (0, false);
        for iteration in 1..=self.max_iter {
            n_iter = iteration;
            let previous = lower_bound;
            let (log_prob_norm, log_resp) = e_step(x, weights.view(), means.view(), &precisions_cholesky);
            let resp = log_resp.mapv(f64::exp);
            let (w, m, c) = estimate_parameters(x, resp.view(), self.reg_covar, self.covariance_type);
            weights = &w / w.sum();
            means = m;
            precisions_cholesky = precision_cholesky(&c)?;
            covariances = c;
            lower_bound = log_prob_norm;
            if (lower_bound - previous).abs() < self.tol {
                converged = true;
                break;
            }
        }
        Ok(GaussianMixtureModel {
            weights,
            means,
            covariances,
            precisions_cholesky,
            labels: Vec::new(),
            lower_bound,
            n_iter,
            converged,
        })
    }
}

impl GaussianMixtureModel {
    /// Most probable component of each fitted row (mixtures have no noise), in row order.
    #[must_use]
    pub fn labels(&self) -> &[Option<usize>] {
        &self.labels
    }

    /// Number of components.
    #[must_use]
    pub fn n_clusters(&self) -> usize {
        self.weights.len()
    }

    /// Component means, `(k, d)` (scikit-learn's `means_`).
    #[must_use]
    pub fn centroids(&self) -> ArrayView2<'_, f64> {
        self.means.view()
    }

    /// Mixing weights (`weights_`).
    #[must_use]
    pub fn weights(&self) -> ArrayView1<'_, f64> {
        self.weights.view()
    }

    /// The covariances as `(k, d, d)` matrices whatever the type (a tied matrix repeated, a
    /// diagonal or spherical one expanded).
    #[must_use]
    pub fn covariance_matrices(&self) -> Array3<f64> {
        let (k, d) = self.means.dim();
        Array3::from_shape_fn((k, d, d), |(c, i, j)| match &self.covariances {
            PerType::Full(cov) => cov[[c, i, j]],
            PerType::Tied(cov) => cov[[i, j]],
            PerType::Diag(cov) => {
                if i == j {
                    cov[[c, i]]
                } else {
                    0.0
                }
            }
            PerType::Spherical(var) => {
                if i == j {
                    var[c]
                } else {
                    0.0
                }
            }
        })
    }

    /// The mean log-likelihood lower bound of the kept start (`lower_bound_`).
    #[must_use]
    pub fn lower_bound(&self) -> f64 {
        self.lower_bound
    }

    /// EM iterations of the kept start (`n_iter_`).
    #[must_use]
    pub fn n_iter(&self) -> usize {
        self.n_iter
    }

    /// Whether the kept start converged within `max_iter` (`converged_`).
    #[must_use]
    pub fn converged(&self) -> bool {
        self.converged
    }

    /// Mean log-likelihood of rows under the model (`score`).
    #[must_use]
    pub fn score(&self, x: ArrayView2<f64>) -> f64 {
        e_step(x, self.weights.view(), self.means.view(), &self.precisions_cholesky).0
    }

    /// Most probable component of each row (`predict`).
    #[must_use]
    pub fn assign(&self, x: ArrayView2<f64>) -> Vec<usize> {
        let (_, log_resp) = e_step(x, self.weights.view(), self.means.view(), &self.precisions_cholesky);
        log_resp
            .rows()
            .into_iter()
            .map(|row| {
                row.iter()
                    .enumerate()
                    .fold((0, f64::NEG_INFINITY), |best, (c, &v)| if v > best.1 { (c, v) } else { best })
                    .0
            })
            .collect()
    }
}

/// `_estimate_gaussian_parameters`: component sizes (`nk`, unnormalised weights), means and
/// covariances from responsibilities.
fn estimate_parameters(
    x: ArrayView2<f64>,
    resp: ArrayView2<f64>,
    reg_covar: f64,
    covariance_type: CovarianceType,
) -> (Array1<f64>, Array2<f64>, PerType) {
    let nk = resp.sum_axis(Axis(0)) + 10.0 * f64::EPSILON;
    let means = resp.t().dot(&x) / nk.view().insert_axis(Axis(1));
    let (k, d) = means.dim();
    let covariances = match covariance_type {
        CovarianceType::Full => {
            let mut cov = Array3::zeros((k, d, d));
            for c in 0..k {
                let diff = &x - &means.row(c);
                let weighted = &diff * &resp.column(c).insert_axis(Axis(1));
                let mut ck = weighted.t().dot(&diff) / nk[c];
                ck.diag_mut().mapv_inplace(|v| v + reg_covar);
                cov.slice_mut(s![c, .., ..]).assign(&ck);
            }
            PerType::Full(cov)
        }
        CovarianceType::Tied => {
            let avg_x2 = x.t().dot(&x);
            let avg_means2 = (&means * &nk.view().insert_axis(Axis(1))).t().dot(&means);
            let mut cov = (avg_x2 - avg_means2) / nk.sum();
            cov.diag_mut().mapv_inplace(|v| v + reg_covar);
            PerType::Tied(cov)
        }
        CovarianceType::Diag | CovarianceType::Spherical => {
            let avg_x2 = resp.t().dot(&x.mapv(|v| v * v)) / nk.view().insert_axis(Axis(1));
            let diag = avg_x2 - means.mapv(|v| v * v) + reg_covar;
            if covariance_type == CovarianceType::Diag {
                PerType::Diag(diag)
            } else {
                PerType::Spherical(diag.mean_axis(Axis(1)).expect("d ≥ 1"))
            }
        }
    };
    (nk, means, covariances)
}

/// `_compute_precision_cholesky`: the upper-triangular factor of each precision matrix
/// (`inv(L)ᵀ` for the covariance's Cholesky factor `L`), or `1/√σ²` for diagonal types.
fn precision_cholesky(covariances: &PerType) -> Result<PerType, ModelError> {
    let ill_defined = || ModelError::Fit {
        model: "gaussian_mixture",
        reason: "some components have an ill-defined empirical covariance (singleton or collapsed samples); \
                 raise reg_covar or use fewer components"
            .into(),
    };
    let factor = |cov: ArrayView2<f64>| -> Result<Array2<f64>, ModelError> {
        let lower = cov.cholesky().map_err(|_| ill_defined())?;
        let eye = Array2::<f64>::eye(cov.nrows());
        Ok(lower.solve_triangular(&eye, UPLO::Lower).map_err(|_| ill_defined())?.reversed_axes())
    };
    Ok(match covariances {
        PerType::Full(cov) => {
            let mut out = Array3::zeros(cov.raw_dim());
            for (c, matrix) in cov.outer_iter().enumerate() {
                out.slice_mut(s![c, .., ..]).assign(&factor(matrix)?);
            }
            PerType::Full(out)
        }
        PerType::Tied(cov) => PerType::Tied(factor(cov.view())?),
        PerType::Diag(var) => {
            if var.iter().any(|&v| v <= 0.0) {
                return Err(ill_defined());
            }
            PerType::Diag(var.mapv(|v| 1.0 / v.sqrt()))
        }
        PerType::Spherical(var) => {
            if var.iter().any(|&v| v <= 0.0) {
                return Err(ill_defined());
            }
            PerType::Spherical(var.mapv(|v| 1.0 / v.sqrt()))
        }
    })
}

/// `_estimate_log_gaussian_prob`: `log N(x | μ_k, Σ_k)` for every row and component, `(n, k)`.
fn log_gaussian_prob(x: ArrayView2<f64>, means: ArrayView2<f64>, precisions_cholesky: &PerType) -> Array2<f64> {
    let (n, d) = x.dim();
    let k = means.nrows();
    let mut log_prob = Array2::zeros((n, k));
    let log_det: Array1<f64> = match precisions_cholesky {
        PerType::Full(chol) => {
            Array1::from_shape_fn(k, |c| chol.slice(s![c, .., ..]).diag().iter().map(|v| v.ln()).sum())
        }
        PerType::Tied(chol) => Array1::from_elem(k, chol.diag().iter().map(|v| v.ln()).sum()),
        PerType::Diag(chol) => chol.map_axis(Axis(1), |row| row.iter().map(|v| v.ln()).sum()),
        PerType::Spherical(chol) => chol.mapv(|v| d as f64 * v.ln()),
    };
    match precisions_cholesky {
        PerType::Full(_) | PerType::Tied(_) => {
            for c in 0..k {
                let chol = match precisions_cholesky {
                    PerType::Full(chol) => chol.slice(s![c, .., ..]),
                    PerType::Tied(chol) => chol.view(),
                    _ => unreachable!("matched above"),
                };
                let y = x.dot(&chol) - means.row(c).dot(&chol);
                log_prob.column_mut(c).assign(&y.mapv(|v| v * v).sum_axis(Axis(1)));
            }
        }
        PerType::Diag(chol) => {
            let precisions = chol.mapv(|v| v * v);
            let first = (&means.mapv(|v| v * v) * &precisions).sum_axis(Axis(1));
            let cross = x.dot(&(&means * &precisions).t()) * 2.0;
            let third = x.mapv(|v| v * v).dot(&precisions.t());
            log_prob = &first.insert_axis(Axis(0)) - &cross + &third;
        }
        PerType::Spherical(chol) => {
            let precisions = chol.mapv(|v| v * v);
            let mean_sq = means.mapv(|v| v * v).sum_axis(Axis(1)) * &precisions;
            let cross = x.dot(&means.t()) * 2.0 * precisions.view().insert_axis(Axis(0));
            let row_sq = x.mapv(|v| v * v).sum_axis(Axis(1));
            let outer = row_sq.insert_axis(Axis(1)).dot(&precisions.view().insert_axis(Axis(0)));
            log_prob = &mean_sq.insert_axis(Axis(0)) - &cross + &outer;
        }
    }
    let constant = d as f64 * (2.0 * std::f64::consts::PI).ln();
    (log_prob + constant) * -0.5 + &log_det.insert_axis(Axis(0))
}

/// `_e_step`: the mean of the rows' log-likelihoods and the log responsibilities.
fn e_step(
    x: ArrayView2<f64>,
    weights: ArrayView1<f64>,
    means: ArrayView2<f64>,
    precisions_cholesky: &PerType,
) -> (f64, Array2<f64>) {
    let weighted = log_gaussian_prob(x, means, precisions_cholesky) + &weights.mapv(f64::ln).insert_axis(Axis(0));
    let log_prob_norm = weighted.map_axis(Axis(1), |row| {
        let max = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if max.is_infinite() {
            max
        } else {
            max + row.iter().map(|v| (v - max).exp()).sum::<f64>().ln()
        }
    });
    let log_resp = &weighted - &log_prob_norm.view().insert_axis(Axis(1));
    (log_prob_norm.mean().expect("n ≥ 1"), log_resp)
}

#[cfg(test)]
mod tests {
    use ndarray::array;
    use rand::SeedableRng;

    use super::*;

    fn two_blobs() -> Array2<f64> {
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        Array2::from_shape_fn((60, 2), |(i, _)| {
            let centre = if i < 30 { 0.0 } else { 8.0 };
            centre + rand::Rng::gen_range(&mut rng, -1.0..1.0)
        })
    }

    #[test]
    fn log_density_of_a_standard_normal_is_textbook() {
        let x = array![[0.0, 0.0], [1.0, 0.0]];
        let means = array![[0.0, 0.0]];
        let cov = PerType::Full(Array3::from_shape_fn((1, 2, 2), |(_, i, j)| if i == j { 1.0 } else { 0.0 }));
        let log_prob = log_gaussian_prob(x.view(), means.view(), &precision_cholesky(&cov).expect("pd"));
        let expected0 = -(2.0 * std::f64::consts::PI).ln();
        assert!((log_prob[[0, 0]] - expected0).abs() < 1e-14);
        assert!((log_prob[[1, 0]] - (expected0 - 0.5)).abs() < 1e-14);
    }

    #[test]
    fn every_covariance_type_separates_two_blobs() {
        let x = two_blobs();
        for covariance_type in
            [CovarianceType::Full, CovarianceType::Tied, CovarianceType::Diag, CovarianceType::Spherical]
        {
            let params = GaussianMixtureParams { n_components: 2, covariance_type, ..Default::default() };
            let model = params.fit(x.view(), &mut ChaCha8Rng::seed_from_u64(1)).expect("fit");
            let first = model.labels()[0];
            assert!(model.labels()[..30].iter().all(|&l| l == first), "{covariance_type:?}");
            assert!(model.labels()[30..].iter().all(|&l| l != first), "{covariance_type:?}");
            assert!(model.converged());
            assert!((model.weights().sum() - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn a_collapsed_component_is_an_error_not_a_panic() {
        let x = Array2::from_elem((10, 2), 3.0);
        let params = GaussianMixtureParams { n_components: 2, reg_covar: 0.0, ..Default::default() };
        assert!(params.fit(x.view(), &mut ChaCha8Rng::seed_from_u64(0)).is_err());
    }
}

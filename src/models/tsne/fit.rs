//! Fitting a t-SNE embedding: input affinities by perplexity search, then gradient descent on
//! the KL divergence with scikit-learn's momentum, gains and stopping rules.

use ndarray::{Array2, ArrayView2};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use super::params::{TsneInit, TsneLearningRate, TsneParams};
use crate::models::{pca, ModelError};

/// Iterations with exaggerated affinities and momentum 0.5 (scikit-learn's
/// `_EXPLORATION_MAX_ITER`).
pub(super) const EXPLORATION_ITER: usize = 250;
/// Progress is checked every this many iterations (`_N_ITER_CHECK`).
const N_ITER_CHECK: usize = 50;
/// `np.finfo(np.double).eps`, the floor of every probability.
const MACHINE_EPSILON: f64 = f64::EPSILON;
/// Entropy tolerance and step limit of the perplexity search (`_binary_search_perplexity`).
const PERPLEXITY_TOLERANCE: f64 = 1e-5;
const PERPLEXITY_STEPS: usize = 100;

/// A fitted t-SNE view.
#[derive(Debug, Clone, PartialEq)]
pub struct TsneEmbedding {
    /// `(n_rows, n_components)` coordinates.
    pub embedding: Array2<f64>,
    /// KL divergence at the last progress check (scikit-learn's `kl_divergence_`).
    pub kl_divergence: f64,
    /// Iterations run (scikit-learn's `n_iter_`).
    pub n_iter: usize,
}

impl TsneParams {
    /// Embeds the rows of `x` (`(n_rows, n_features)`), drawing the random initialisation (if
    /// any) from `rng`.
    pub fn fit(&self, x: ArrayView2<f64>, rng: &mut ChaCha8Rng) -> Result<TsneEmbedding, ModelError> {
        self.validate()?;
        let n = x.nrows();
        if x.iter().any(|v| !v.is_finite()) {
            return Err(ModelError::NonFinite);
        }
        if n < 2 || self.perplexity >= n as f64 {
            return Err(ModelError::InvalidParam {
                param: "perplexity",
                rule: "must be below the number of rows (and there must be at least 2 rows)",
                value: format!("{} for {n} rows", self.perplexity),
            });
        }
        let mut p = joint_probabilities(x, self.perplexity);
        let mut y = self.initial_embedding(x, rng)?;
        let learning_rate = match self.learning_rate {
            TsneLearningRate::Auto => (n as f64 / self.early_exaggeration / 4.0).max(50.0),
            TsneLearningRate::Fixed(rate) => rate,
        };
        let dof = (self.n_components.saturating_sub(1)).max(1) as f64;

        let descent = |momentum, n_iter_without_progress| Descent {
            dof,
            learning_rate,
            momentum,
            n_iter_without_progress,
            min_grad_norm: self.min_grad_norm,
        };
        p.mapv_inplace(|v| v * self.early_exaggeration);
        let (mut kl, mut it) = descent(0.5, EXPLORATION_ITER).run(p.view(), &mut y, 0, EXPLORATION_ITER);
        p.mapv_inplace(|v| v / self.early_exaggeration);
        if it < EXPLORATION_ITER || self.max_iter > EXPLORATION_ITER {
            (kl, it) = descent(0.8, self.n_iter_without_progress).run(p.view(), &mut y, it + 1, self.max_iter);
        }
        Ok(TsneEmbedding { embedding: y, kl_divergence: kl, n_iter: it })
    }

    fn initial_embedding(&self, x: ArrayView2<f64>, rng: &mut ChaCha8Rng) -> Result<Array2<f64>, ModelError> {
        let n = x.nrows();
        match self.init {
            TsneInit::Pca => {
                let scores = pca(x, self.n_components)?.scores;
                let first = scores.column(0);
                let std = first.std(0.0);
                if std > 0.0 {
                    Ok(scores.mapv(|v| v / std * 1e-4))
                } else {
                    Ok(scores)
                }
            }
            TsneInit::Random => {
                Ok(Array2::from_shape_simple_fn((n, self.n_components), || 1e-4 * standard_normal(rng)))
            }
        }
    }
}

/// A standard normal draw (Box–Muller on two uniforms from the stream).
fn standard_normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = 1.0 - rng.gen::<f64>(); // (0, 1]
    let u2: f64 = rng.gen::<f64>();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// The symmetric input affinities P (`n × n`, zero diagonal), as `_joint_probabilities`:
/// per-row Gaussian conditionals found by perplexity search, symmetrised, normalised by their
/// total and floored at machine epsilon.
fn joint_probabilities(x: ArrayView2<f64>, perplexity: f64) -> Array2<f64> {
    let n = x.nrows();
    let rows: Vec<Vec<f64>> = (0..n)
        .into_par_iter()
        .map(|i| {
            let distances: Vec<f64> = (0..n).map(|j| squared_distance(x.row(i), x.row(j))).collect();
            conditional_row(&distances, i, perplexity)
        })
        .collect();
    let conditional = Array2::from_shape_vec((n, n), rows.concat()).expect("n rows of n values");
    let symmetric = &conditional + &conditional.t();
    let total = symmetric.sum().max(MACHINE_EPSILON);
    let mut p = symmetric.mapv(|v| (v / total).max(MACHINE_EPSILON));
    p.diag_mut().fill(0.0);
    p
}

/// Row `i` of the conditional affinities: the Gaussian precision `beta` whose entropy equals
/// `ln(perplexity)`, by bisection as `_binary_search_perplexity`.
fn conditional_row(distances: &[f64], i: usize, perplexity: f64) -> Vec<f64> {
    let desired_entropy = perplexity.ln();
    let (mut beta, mut beta_min, mut beta_max) = (1.0f64, f64::NEG_INFINITY, f64::INFINITY);
    let mut row = vec![0.0; distances.len()];
    for _ in 0..PERPLEXITY_STEPS {
        let mut sum = 0.0;
        for (j, (p, d)) in row.iter_mut().zip(distances).enumerate() {
            *p = if j == i { 0.0 } else { (-d * beta).exp() };
            sum += *p;
        }
        if sum == 0.0 {
            sum = 1e-8; // scikit-learn's EPSILON_DBL
        }
        let mut weighted = 0.0;
        for (p, d) in row.iter_mut().zip(distances) {
            *p /= sum;
            weighted += d * *p;
        }
        let entropy_diff = sum.ln() + beta * weighted - desired_entropy;
        if entropy_diff.abs() <= PERPLEXITY_TOLERANCE {
            break;
        }
        if entropy_diff > 0.0 {
            beta_min = beta;
            beta = if beta_max == f64::INFINITY { beta * 2.0 } else { (beta + beta_max) / 2.0 };
        } else {
            beta_max = beta;
            beta = if beta_min == f64::NEG_INFINITY { beta / 2.0 } else { (beta + beta_min) / 2.0 };
        }
    }
    row
}

fn squared_distance(a: ndarray::ArrayView1<f64>, b: ndarray::ArrayView1<f64>) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// One phase of `_gradient_descent`.
struct Descent {
    dof: f64,
    learning_rate: f64,
    momentum: f64,
    n_iter_without_progress: usize,
    min_grad_norm: f64,
}

impl Descent {
    /// Iterations `start..max_iter` on `y` against the input affinities `p`; returns the last computed KL divergence and the
    /// last iteration. Updates and gains start afresh, as each call of scikit-learn's does.
    fn run(&self, p: ArrayView2<f64>, y: &mut Array2<f64>, start: usize, max_iter: usize) -> (f64, usize) {
        let mut update = Array2::<f64>::zeros(y.raw_dim());
        let mut gains = Array2::<f64>::ones(y.raw_dim());
        let (mut error, mut best_error, mut best_iter) = (f64::MAX, f64::MAX, start);
        let mut last = start;
        for i in start..max_iter {
            last = i;
            let check = (i + 1) % N_ITER_CHECK == 0;
            let (kl, mut grad) = kl_gradient(p, y.view(), self.dof, check || i + 1 == max_iter);
            if let Some(kl) = kl {
                error = kl;
            }
            for ((g, u), gain) in grad.iter_mut().zip(update.iter()).zip(gains.iter_mut()) {
                if *u * *g < 0.0 {
                    *gain += 0.2;
                } else {
                    *gain *= 0.8;
                }
                *gain = gain.max(0.01);
                *g *= *gain;
            }
            update = &update * self.momentum - &grad * self.learning_rate;
            *y += &update;
            if check {
                let grad_norm = grad.iter().map(|g| g * g).sum::<f64>().sqrt();
                if error < best_error {
                    best_error = error;
                    best_iter = i;
                } else if i - best_iter > self.n_iter_without_progress {
                    break;
                }
                if grad_norm <= self.min_grad_norm {
                    break;
                }
            }
        }
        (error, last)
    }
}

/// The KL divergence (when asked) and its gradient with respect to the embedding, as
/// `_kl_divergence`: Student-t affinities Q with `dof` degrees of freedom.
fn kl_gradient(p: ArrayView2<f64>, y: ArrayView2<f64>, dof: f64, with_error: bool) -> (Option<f64>, Array2<f64>) {
    let n = y.nrows();
    let exponent = (dof + 1.0) / -2.0;
    // Unnormalised Student-t kernel, zero on the diagonal; each row summed in index order.
    let kernel_rows: Vec<Vec<f64>> = (0..n)
        .into_par_iter()
        .map(|i| {
            (0..n)
                .map(|j| if i == j { 0.0 } else { (squared_distance(y.row(i), y.row(j)) / dof + 1.0).powf(exponent) })
                .collect()
        })
        .collect();
    let kernel = Array2::from_shape_vec((n, n), kernel_rows.concat()).expect("n rows of n values");
    // scikit-learn sums the condensed (upper-triangle) kernel and doubles it.
    let upper_sum: f64 = (0..n).map(|i| (i + 1..n).map(|j| kernel[[i, j]]).sum::<f64>()).sum();
    let normaliser = 2.0 * upper_sum;
    let q = |i: usize, j: usize| (kernel[[i, j]] / normaliser).max(MACHINE_EPSILON);
    let error = with_error.then(|| {
        (0..n)
            .map(|i| (i + 1..n).map(|j| p[[i, j]] * (p[[i, j]].max(MACHINE_EPSILON) / q(i, j)).ln()).sum::<f64>())
            .sum::<f64>()
            * 2.0
    });
    let c = 2.0 * (dof + 1.0) / dof;
    let grad_rows: Vec<Vec<f64>> = (0..n)
        .into_par_iter()
        .map(|i| {
            let mut g = vec![0.0; y.ncols()];
            for j in 0..n {
                if i == j {
                    continue;
                }
                let weight = (p[[i, j]] - q(i, j)) * kernel[[i, j]];
                for (gd, (yi, yj)) in g.iter_mut().zip(y.row(i).iter().zip(y.row(j))) {
                    *gd += weight * (yi - yj);
                }
            }
            g.iter().map(|v| v * c).collect()
        })
        .collect();
    let grad = Array2::from_shape_vec((n, y.ncols()), grad_rows.concat()).expect("n rows");
    (error, grad)
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    /// Three well-separated Gaussian blobs in 5-D.
    fn blobs(n_per: usize) -> (Array2<f64>, Vec<usize>) {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let centres = [[0.0; 5], [10.0, 10.0, 0.0, 0.0, 0.0], [0.0, -10.0, 10.0, 5.0, 0.0]];
        let mut x = Array2::zeros((3 * n_per, 5));
        let mut labels = Vec::new();
        for (c, centre) in centres.iter().enumerate() {
            for r in 0..n_per {
                for d in 0..5 {
                    x[[c * n_per + r, d]] = centre[d] + standard_normal(&mut rng);
                }
                labels.push(c);
            }
        }
        (x, labels)
    }

    #[test]
    fn the_perplexity_search_hits_its_target_entropy() {
        let distances: Vec<f64> = (0..40).map(|j| (j as f64 * 0.37).powi(2)).collect();
        let row = conditional_row(&distances, 0, 10.0);
        assert_eq!(row[0], 0.0);
        assert!((row.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        let entropy: f64 = -row.iter().filter(|&&p| p > 0.0).map(|p| p * p.ln()).sum::<f64>();
        assert!((entropy - 10.0f64.ln()).abs() < 1e-4, "entropy {entropy}");
    }

    #[test]
    fn joint_probabilities_are_symmetric_and_sum_to_one() {
        let (x, _) = blobs(10);
        let p = joint_probabilities(x.view(), 5.0);
        assert!((p.sum() - 1.0).abs() < 1e-9);
        for i in 0..p.nrows() {
            assert_eq!(p[[i, i]], 0.0);
            for j in 0..p.nrows() {
                assert_eq!(p[[i, j]], p[[j, i]]);
            }
        }
    }

    #[test]
    fn the_gradient_matches_finite_differences_of_the_kl_divergence() {
        let (x, _) = blobs(5);
        let p = joint_probabilities(x.view(), 4.0);
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let y = Array2::from_shape_simple_fn((15, 2), || standard_normal(&mut rng));
        let (_, grad) = kl_gradient(p.view(), y.view(), 1.0, false);
        let h = 1e-6;
        for (i, d) in [(0, 0), (7, 1), (14, 0)] {
            let mut plus = y.clone();
            plus[[i, d]] += h;
            let mut minus = y.clone();
            minus[[i, d]] -= h;
            let kl = |y: &Array2<f64>| kl_gradient(p.view(), y.view(), 1.0, true).0.expect("error");
            let numeric = (kl(&plus) - kl(&minus)) / (2.0 * h);
            assert!((numeric - grad[[i, d]]).abs() < 1e-6 * (1.0 + numeric.abs()), "{numeric} vs {}", grad[[i, d]]);
        }
    }

    #[test]
    fn separated_blobs_stay_separated() {
        let (x, labels) = blobs(20);
        let params = TsneParams { perplexity: 10.0, max_iter: 500, ..TsneParams::default() };
        let fitted = params.fit(x.view(), &mut ChaCha8Rng::seed_from_u64(0)).expect("fit");
        assert_eq!(fitted.embedding.dim(), (60, 2));
        assert!(fitted.kl_divergence.is_finite() && fitted.kl_divergence > 0.0);
        // Every row's nearest embedded neighbour is from its own blob.
        for i in 0..60 {
            let nearest = (0..60)
                .filter(|&j| j != i)
                .min_by(|&a, &b| {
                    squared_distance(fitted.embedding.row(i), fitted.embedding.row(a))
                        .total_cmp(&squared_distance(fitted.embedding.row(i), fitted.embedding.row(b)))
                })
                .expect("others");
            assert_eq!(labels[nearest], labels[i], "row {i}");
        }
    }

    #[test]
    fn the_embedding_is_identical_for_one_and_two_threads() {
        let (x, _) = blobs(12);
        let params = TsneParams { perplexity: 8.0, max_iter: 300, init: TsneInit::Random, ..TsneParams::default() };
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("pool");
            pool.install(|| params.fit(x.view(), &mut ChaCha8Rng::seed_from_u64(5)).expect("fit"))
        };
        assert_eq!(run(1), run(2));
    }

    #[test]
    fn perplexity_at_or_above_the_row_count_is_rejected() {
        let (x, _) = blobs(3);
        let params = TsneParams { perplexity: 9.0, ..TsneParams::default() };
        assert!(params.fit(x.view(), &mut ChaCha8Rng::seed_from_u64(0)).is_err());
    }
}

//! The bandwidth heuristic: mean distance to the k-th nearest neighbour.

use ndarray::{ArrayView2, Axis};
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use super::super::centroids::squared_euclidean;
use super::super::input::check_finite_rows;
use super::super::ModelError;
use super::params::validate_quantile;

/// A bandwidth for [`MeanShiftParams`](super::MeanShiftParams): the mean, over the rows of `x`
/// (`(n_rows, n_features)`), of each row's Euclidean distance to its `k`-th nearest row, where
/// `k = max(1, ⌊n · quantile⌋)` and a row counts as its own nearest neighbour (distance 0).
///
/// Mirrors `sklearn.cluster.estimate_bandwidth(X, quantile, n_samples, random_state)` (1.9.1),
/// which asks `NearestNeighbors(n_neighbors=k).kneighbors(X)` for the same distances.
/// `quantile = 0.5` is about the median pairwise distance; `1.0` the mean distance to the
/// farthest row.
///
/// With `n_samples = Some(m)` the estimate uses `m` rows drawn without replacement (all rows if
/// `m ≥ n`), shuffled by `rng`: scikit-learn draws them with
/// `random_state.permutation(n)[:m]` from numpy's MT19937, which cannot be replayed here, so a
/// subsampled estimate is a different draw of the same estimator. `n_samples = None` (what
/// `MeanShift.fit` uses) draws nothing and leaves `rng` untouched.
///
/// Differs: distances are summed coordinate by coordinate. scikit-learn's brute-force search
/// (taken on more than 15 features, or when `k ≥ n/2`) uses `‖x‖² − 2x·y + ‖y‖²`, whose
/// rounding can leave a row's distance to itself or to a duplicate at ~1e-8 instead of 0; the
/// values agree to ~1e-15 relative otherwise (see `tests/models_mean_shift.rs`).
///
/// Errors: `quantile` outside `[0, 1]`, `n_samples = Some(0)`, no rows or columns, NaN/inf.
pub fn estimate_bandwidth(
    x: ArrayView2<f64>,
    quantile: f64,
    n_samples: Option<usize>,
    rng: &mut ChaCha8Rng,
) -> Result<f64, ModelError> {
    validate_quantile(quantile)?;
    if n_samples == Some(0) {
        return Err(ModelError::InvalidParam { param: "n_samples", rule: "must be ≥ 1", value: "0".into() });
    }
    check_finite_rows(x)?;
    match n_samples {
        Some(m) => {
            let mut rows: Vec<usize> = (0..x.nrows()).collect();
            rows.shuffle(rng);
            rows.truncate(m);
            Ok(mean_kth_neighbour_distance(x.select(Axis(0), &rows).view(), quantile))
        }
        None => Ok(mean_kth_neighbour_distance(x, quantile)),
    }
}

/// The estimate on all rows of a checked, non-empty `x`.
pub(super) fn mean_kth_neighbour_distance(x: ArrayView2<f64>, quantile: f64) -> f64 {
    let n = x.nrows();
    // Python's int(n * quantile): truncation of the same f64 product.
    let k = ((n as f64 * quantile) as usize).clamp(1, n);
    let mut squared = vec![0.0; n];
    let mut total = 0.0;
    for row in x.rows() {
        for (d, other) in squared.iter_mut().zip(x.rows()) {
            *d = squared_euclidean(row, other);
        }
        let (_, kth, _) = squared.select_nth_unstable_by(k - 1, f64::total_cmp);
        total += kth.sqrt();
    }
    total / n as f64
}

#[cfg(test)]
mod tests {
    use ndarray::array;
    use rand::SeedableRng;

    use super::*;

    fn rng() -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(7)
    }

    #[test]
    fn scikit_learn_docstring_example() {
        // sklearn's docstring prints np.float64(1.61), compared to two decimals
        let x = array![[1.0, 1.0], [2.0, 1.0], [1.0, 0.0], [4.0, 7.0], [3.0, 5.0], [3.0, 6.0]];
        let bandwidth = estimate_bandwidth(x.view(), 0.5, None, &mut rng()).expect("estimate");
        // k = 3: per row the 3rd smallest distance (self included)
        let expected = (1.0 + 3.0 * 2f64.sqrt() + 2.0 * 5f64.sqrt()) / 6.0;
        assert!((bandwidth - expected).abs() < 1e-14, "{bandwidth} vs {expected}");
        assert!((bandwidth - 1.61).abs() < 1e-2);
    }

    #[test]
    fn tiny_quantile_counts_the_row_itself() {
        let x = array![[0.0], [1.0], [3.0]];
        assert_eq!(estimate_bandwidth(x.view(), 0.0, None, &mut rng()), Ok(0.0));
        // quantile 1: distance to the farthest row, averaged: (3 + 2 + 3) / 3
        let far = estimate_bandwidth(x.view(), 1.0, None, &mut rng()).expect("estimate");
        assert!((far - 8.0 / 3.0).abs() < 1e-15);
    }

    #[test]
    fn subsampling_all_rows_gives_the_full_estimate() {
        let x = array![[0.0, 0.5], [1.0, 2.0], [3.0, -1.0], [4.0, 4.0], [-2.0, 0.0]];
        let full = estimate_bandwidth(x.view(), 0.4, None, &mut rng()).expect("estimate");
        for m in [5, 9] {
            let sub = estimate_bandwidth(x.view(), 0.4, Some(m), &mut rng()).expect("estimate");
            assert!((sub - full).abs() <= 1e-15 * full);
        }
        // two rows, quantile 1: the distance between them
        let sub = estimate_bandwidth(x.view(), 1.0, Some(2), &mut rng()).expect("estimate");
        assert!(sub > 0.0);
    }

    #[test]
    fn no_draws_without_n_samples() {
        let x = array![[0.0], [1.0]];
        let mut used = rng();
        estimate_bandwidth(x.view(), 0.3, None, &mut used).expect("estimate");
        assert_eq!(used, rng());
    }

    #[test]
    fn quantile_outside_unit_interval_is_rejected() {
        let x = array![[0.0], [1.0]];
        for q in [-0.5, 1.01, f64::NAN] {
            assert!(matches!(
                estimate_bandwidth(x.view(), q, None, &mut rng()),
                Err(ModelError::InvalidParam { param: "quantile", .. })
            ));
        }
    }

    #[test]
    fn zero_n_samples_is_rejected() {
        let x = array![[0.0], [1.0]];
        assert!(matches!(
            estimate_bandwidth(x.view(), 0.3, Some(0), &mut rng()),
            Err(ModelError::InvalidParam { param: "n_samples", .. })
        ));
    }

    #[test]
    fn empty_or_non_finite_input_is_rejected() {
        let empty = ndarray::Array2::<f64>::zeros((0, 2));
        assert!(matches!(estimate_bandwidth(empty.view(), 0.3, None, &mut rng()), Err(ModelError::TooFewRows { .. })));
        let bad = array![[0.0], [f64::NAN]];
        assert_eq!(estimate_bandwidth(bad.view(), 0.3, None, &mut rng()), Err(ModelError::NonFinite));
    }
}

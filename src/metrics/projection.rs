//! How well a low-dimensional view keeps each row's neighbours: scikit-learn's trustworthiness.

use ndarray::ArrayView2;

use super::input::{check_finite, check_same_length};
use super::MetricsError;

/// Trustworthiness of an embedding, as `sklearn.manifold.trustworthiness(X, X_embedded,
/// n_neighbors, metric="euclidean")` (1.9): 1 − 2/(n·k·(2n − 3k − 1)) · Σᵢ Σ_{j ∈ Uᵢ} (r(i, j) − k),
/// where Uᵢ are the k nearest neighbours of row i in the embedding and r(i, j) the rank of j
/// among i's neighbours in the input space (1 = nearest). 1 means every view neighbour is a true
/// neighbour.
///
/// Neighbours are ranked by Euclidean distance with ties broken by row index (numpy's argsort
/// and scikit-learn's `NearestNeighbors` leave exact ties in an unspecified order; on data
/// without exactly equal distances the result is identical). Requires `n_neighbors < n / 2`,
/// as scikit-learn does.
pub fn trustworthiness(x: ArrayView2<f64>, embedded: ArrayView2<f64>, n_neighbors: usize) -> Result<f64, MetricsError> {
    const METRIC: &str = "trustworthiness";
    let n = x.nrows();
    check_same_length(METRIC, "x rows", n, "embedded rows", embedded.nrows())?;
    if n == 0 {
        return Err(MetricsError::Empty { metric: METRIC });
    }
    check_finite(METRIC, "x", x)?;
    check_finite(METRIC, "embedded", embedded)?;
    if n_neighbors == 0 || 2 * n_neighbors >= n {
        return Err(MetricsError::InvalidNeighbours { metric: METRIC, n_neighbors, n_samples: n });
    }
    let mut rank_in_x = vec![0usize; n];
    let mut penalty = 0.0f64;
    for i in 0..n {
        // rank_in_x[j] = position of j among i's neighbours in the input space (1-based).
        for (rank, j) in neighbours_by_distance(x, i).into_iter().enumerate() {
            rank_in_x[j] = rank + 1;
        }
        for &j in neighbours_by_distance(embedded, i).iter().take(n_neighbors) {
            let excess = rank_in_x[j] as f64 - n_neighbors as f64;
            if excess > 0.0 {
                penalty += excess;
            }
        }
    }
    let (n, k) = (n as f64, n_neighbors as f64);
    Ok(1.0 - penalty * (2.0 / (n * k * (2.0 * n - 3.0 * k - 1.0))))
}

/// Every other row, nearest first (squared Euclidean distance, ties by row index).
fn neighbours_by_distance(x: ArrayView2<f64>, i: usize) -> Vec<usize> {
    let row = x.row(i);
    let mut others: Vec<(f64, usize)> = (0..x.nrows())
        .filter(|&j| j != i)
        .map(|j| (row.iter().zip(x.row(j)).map(|(a, b)| (a - b) * (a - b)).sum::<f64>(), j))
        .collect();
    others.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    others.into_iter().map(|(_, j)| j).collect()
}

#[cfg(test)]
mod tests {
    use ndarray::array;

    use super::*;

    #[test]
    fn an_exact_copy_is_perfectly_trustworthy() {
        let x = array![[0.0, 0.0], [1.0, 0.1], [3.0, 0.0], [6.0, 0.5], [10.0, 0.0], [15.0, 1.0]];
        assert_eq!(trustworthiness(x.view(), x.view(), 2).expect("defined"), 1.0);
    }

    #[test]
    fn a_scrambled_view_scores_lower_by_the_hand_computed_penalty() {
        // On a line, row 0's true neighbours are 1, 2, ...; the view swaps rows 1 and 5.
        let x = array![[0.0], [1.0], [2.0], [3.0], [4.0], [5.0], [6.0]];
        let view = array![[0.0], [5.0], [2.0], [3.0], [4.0], [1.0], [6.0]];
        let t = trustworthiness(x.view(), view.view(), 1).expect("defined");
        // Each row's view neighbour (ties to the lower index) and its input-space rank r; the
        // penalty adds r − k where positive: 0→5 (r 5: +4), 1→4 (r 4: +3), 2→3 (r 2: +1),
        // 3→2 (r 1), 4→1 (r 5: +4), 5→0 (r 6: +5), 6→1 (r 5: +4).
        let penalty = 4.0 + 3.0 + 1.0 + 4.0 + 5.0 + 4.0;
        let expected = 1.0 - penalty * 2.0 / (7.0 * 1.0 * (14.0 - 3.0 - 1.0));
        assert!((t - expected).abs() < 1e-15, "{t} vs {expected}");
    }

    #[test]
    fn too_many_neighbours_is_rejected() {
        let x = array![[0.0], [1.0], [2.0], [3.0]];
        assert!(matches!(trustworthiness(x.view(), x.view(), 2), Err(MetricsError::InvalidNeighbours { .. })));
        assert!(matches!(trustworthiness(x.view(), x.view(), 0), Err(MetricsError::InvalidNeighbours { .. })));
    }

    #[test]
    fn mismatched_rows_are_rejected() {
        let x = array![[0.0], [1.0], [2.0], [3.0], [4.0]];
        let y = array![[0.0], [1.0]];
        assert!(matches!(trustworthiness(x.view(), y.view(), 1), Err(MetricsError::LengthMismatch { .. })));
    }
}

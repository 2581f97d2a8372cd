//! Agreement between two labellings of the same samples: adjusted Rand index and normalised
//! mutual information.

use super::input::{check_pair, encode};
use super::MetricsError;

/// The non-zero cells of the contingency table of two labellings, in row-major order (rows:
/// classes of `a` ascending, columns: classes of `b` ascending), as scipy's sparse
/// `contingency_matrix` holds them. Sparse, so n singletons cost O(n), not O(n²).
struct Contingency {
    /// `(row, col, count)` for every non-zero cell.
    cells: Vec<(usize, usize, u64)>,
    /// Row sums: class sizes of `a`.
    row_sums: Vec<u64>,
    /// Column sums: class sizes of `b`.
    col_sums: Vec<u64>,
}

impl Contingency {
    fn new(a: &[usize], b: &[usize]) -> Self {
        let ea = encode(a);
        let eb = encode(b);
        let mut pairs: Vec<(usize, usize)> = ea.codes.iter().copied().zip(eb.codes).collect();
        pairs.sort_unstable();
        let mut cells: Vec<(usize, usize, u64)> = Vec::new();
        for (row, col) in pairs {
            match cells.last_mut() {
                Some((r, c, count)) if *r == row && *c == col => *count += 1,
                _ => cells.push((row, col, 1)),
            }
        }
        let to_u64 = |counts: Vec<usize>| counts.into_iter().map(|c| c as u64).collect();
        Contingency { cells, row_sums: to_u64(ea.counts), col_sums: to_u64(eb.counts) }
    }
}

/// Mirrors sklearn.metrics.adjusted_rand_score (1.9): from the pair confusion matrix,
/// `2 (tp·tn − fn·fp) / ((tp + fn)(fn + tn) + (tp + fp)(fp + tn))`, counted exactly in integers;
/// 1.0 when the labellings agree on every pair (identical up to ids, both a single cluster, or
/// both all singletons). Symmetric; labels are arbitrary ids. Differs: empty labellings are an
/// error (scikit-learn returns 1.0), and so are mismatched lengths.
pub fn adjusted_rand_score(a: &[usize], b: &[usize]) -> Result<f64, MetricsError> {
    const METRIC: &str = "adjusted_rand_score";
    check_pair(METRIC, "labels_a", a, "labels_b", b)?;
    let table = Contingency::new(a, b);
    let overflow = || MetricsError::Overflow { metric: METRIC };
    // i128 holds n⁴ for n up to 2³¹ samples; past that, report instead of wrapping.
    let n = i128::try_from(a.len()).map_err(|_| overflow())?;
    if n > 1 << 31 {
        return Err(overflow());
    }
    let mut sum_squares: i128 = 0;
    let mut by_col_size: i128 = 0;
    let mut by_row_size: i128 = 0;
    for &(row, col, count) in &table.cells {
        let count = i128::from(count);
        sum_squares += count * count;
        by_col_size += count * i128::from(table.col_sums[col]);
        by_row_size += count * i128::from(table.row_sums[row]);
    }
    let tp = sum_squares - n;
    let fp = by_col_size - sum_squares;
    let fn_ = by_row_size - sum_squares;
    let tn = n * n - fp - fn_ - sum_squares;
    if fn_ == 0 && fp == 0 {
        return Ok(1.0);
    }
    let numerator = 2.0 * (tp * tn - fn_ * fp) as f64;
    let denominator = ((tp + fn_) * (fn_ + tn) + (tp + fp) * (fp + tn)) as f64;
    Ok(numerator / denominator)
}

/// Shannon entropy (natural log) of class sizes, as scikit-learn's `_entropy`:
/// `−Σ p (ln n_i − ln n)`; a single class has entropy 0.
fn entropy(counts: &[u64]) -> f64 {
    if counts.len() == 1 {
        return 0.0;
    }
    let total = counts.iter().map(|&c| c as f64).sum::<f64>();
    let log_total = total.ln();
    -counts
        .iter()
        .map(|&c| {
            let c = c as f64;
            (c / total) * (c.ln() - log_total)
        })
        .sum::<f64>()
}

/// scikit-learn's `mutual_info_score` on a contingency table, term by term in the same form
/// (terms below ε set to 0, the sum clipped at 0).
fn mutual_info(table: &Contingency) -> f64 {
    if table.row_sums.len() == 1 || table.col_sums.len() == 1 {
        return 0.0;
    }
    let n: f64 = table.cells.iter().map(|&(_, _, c)| c as f64).sum();
    let log_n = n.ln();
    let log_row_total = table.row_sums.iter().map(|&c| c as f64).sum::<f64>().ln();
    let log_col_total = table.col_sums.iter().map(|&c| c as f64).sum::<f64>().ln();
    let mi: f64 = table
        .cells
        .iter()
        .map(|&(row, col, count)| {
            let p = count as f64 / n;
            let outer = u128::from(table.row_sums[row]) * u128::from(table.col_sums[col]);
            let log_outer = -(outer as f64).ln() + log_row_total + log_col_total;
            let term = p * ((count as f64).ln() - log_n) + p * log_outer;
            if term.abs() < f64::EPSILON {
                0.0
            } else {
                term
            }
        })
        .sum();
    mi.max(0.0)
}

/// Mirrors sklearn.metrics.normalized_mutual_info_score (1.9), `average_method="arithmetic"`:
/// `MI(a, b) / ((H(a) + H(b)) / 2)` with natural logarithms. As scikit-learn: 1.0 when both
/// labellings are a single cluster; 0.0 when the mutual information is 0 (in particular when
/// exactly one of them is a single cluster). Symmetric; labels are arbitrary ids. Differs:
/// empty labellings are an error (scikit-learn returns 1.0), and so are mismatched lengths.
pub fn normalized_mutual_info_score(a: &[usize], b: &[usize]) -> Result<f64, MetricsError> {
    const METRIC: &str = "normalized_mutual_info_score";
    check_pair(METRIC, "labels_a", a, "labels_b", b)?;
    let table = Contingency::new(a, b);
    if table.row_sums.len() == 1 && table.col_sums.len() == 1 {
        return Ok(1.0);
    }
    let mi = mutual_info(&table);
    if mi == 0.0 {
        return Ok(0.0);
    }
    let normalizer = (entropy(&table.row_sums) + entropy(&table.col_sums)) / 2.0;
    Ok(mi / normalizer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_mismatch_is_rejected() {
        for result in [adjusted_rand_score(&[0, 1, 1], &[0, 1]), normalized_mutual_info_score(&[0, 1, 1], &[0, 1])] {
            assert!(matches!(result, Err(MetricsError::LengthMismatch { left: 3, right: 2, .. })));
        }
    }

    #[test]
    fn empty_labellings_are_rejected() {
        assert!(matches!(adjusted_rand_score(&[], &[]), Err(MetricsError::Empty { .. })));
        assert!(matches!(normalized_mutual_info_score(&[], &[]), Err(MetricsError::Empty { .. })));
    }

    #[test]
    fn identical_single_cluster_labellings_score_one() {
        assert_eq!(adjusted_rand_score(&[3, 3, 3], &[7, 7, 7]).unwrap(), 1.0);
        assert_eq!(normalized_mutual_info_score(&[3, 3, 3], &[7, 7, 7]).unwrap(), 1.0);
    }

    #[test]
    fn single_cluster_against_many_scores_zero() {
        assert_eq!(adjusted_rand_score(&[0, 0, 0, 0], &[0, 1, 2, 3]).unwrap(), 0.0);
        assert_eq!(normalized_mutual_info_score(&[0, 0, 0, 0], &[0, 1, 0, 1]).unwrap(), 0.0);
    }

    #[test]
    fn one_sample_scores_one() {
        assert_eq!(adjusted_rand_score(&[5], &[9]).unwrap(), 1.0);
        assert_eq!(normalized_mutual_info_score(&[5], &[9]).unwrap(), 1.0);
    }

    #[test]
    fn known_values() {
        // sklearn: adjusted_rand_score([0,0,1,1],[0,0,1,2]) = 0.5714285714285714,
        // normalized_mutual_info_score(...) = 0.7999999999999999
        let (a, b) = ([0, 0, 1, 1], [0, 0, 1, 2]);
        assert!((adjusted_rand_score(&a, &b).unwrap() - 0.5714285714285714).abs() < 1e-15);
        assert!((normalized_mutual_info_score(&a, &b).unwrap() - 0.8).abs() < 1e-15);
    }
}

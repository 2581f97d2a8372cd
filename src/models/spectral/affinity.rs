//! Affinity graphs between rows: symmetrised k-nearest-neighbour connectivity (sparse: n·k
//! weights, so it scales to corpora whose n × n matrices would not fit) and the RBF kernel
//! (dense: every pair has a weight).

use ndarray::{Array2, ArrayView2};
use rayon::prelude::*;
use sprs::{CsMat, TriMat};

use super::super::centroids::squared_euclidean;
use super::super::ModelError;

/// `(n, n)` squared Euclidean distances, each computed directly as `Σ (x_i − x_j)²` once and
/// mirrored; the diagonal is exactly 0.
fn squared_distances(x: ArrayView2<f64>) -> Array2<f64> {
    let n = x.nrows();
    let mut d = Array2::<f64>::zeros((n, n));
    for i in 0..n {
        for j in i + 1..n {
            let v = squared_euclidean(x.row(i), x.row(j));
            d[[i, j]] = v;
            d[[j, i]] = v;
        }
    }
    d
}

fn check_finite(x: ArrayView2<f64>) -> Result<(), ModelError> {
    if x.iter().any(|v| !v.is_finite()) {
        return Err(ModelError::NonFinite);
    }
    Ok(())
}

/// `(n, n)` kNN affinity `0.5·(C + Cᵀ)` of the rows of `x` (`(n, n_features)`), where `C[i, j] = 1`
/// when row `j` is among the `n_neighbors` nearest rows of row `i` (row `i` itself included),
/// as a sparse matrix (CSR, sorted columns, no stored zeros).
///
/// Mirrors scikit-learn 1.9's `SpectralClustering(affinity="nearest_neighbors")`:
/// `kneighbors_graph(X, n_neighbors, include_self=True)` then `0.5 * (C + C.T)`, which is sparse
/// there too. Entries are 0.5 or 1. Memory is O(n·n_neighbors) beside one row of distances per
/// thread; each row's neighbours are searched independently (in parallel), so the graph does
/// not depend on the thread count.
///
/// Ties between equidistant candidates (duplicate rows, as in bootstrap resamples) are broken as
/// scikit-learn's brute-force search (`ArgKmin`, chosen when there are more than 15 features or
/// `n_neighbors ≥ n/2`) breaks them: candidates are pushed in row order into its fixed-size
/// max-heap, which admits a candidate only if strictly nearer than the current worst. On ≤ 15
/// features scikit-learn searches a KD-tree instead, whose ties may fall differently. Distances
/// here are exact where scikit-learn's are `‖x‖² − 2x·y + ‖y‖²`, so neighbours whose distances
/// differ by round-off only (~1e-16 relative) may also be ranked differently.
///
/// Errors: NaN/inf values, `n_neighbors` of 0 or more than the number of rows
/// (scikit-learn: "Expected n_neighbors <= n_samples_fit").
pub fn nearest_neighbors_affinity(x: ArrayView2<f64>, n_neighbors: usize) -> Result<CsMat<f64>, ModelError> {
    let n = x.nrows();
    if n_neighbors == 0 {
        return Err(ModelError::InvalidParam { param: "n_neighbors", rule: "must be ≥ 1", value: "0".into() });
    }
    if n_neighbors > n {
        return Err(ModelError::InvalidParam {
            param: "n_neighbors",
            rule: "must not exceed the number of rows",
            value: format!("{n_neighbors} for {n} rows"),
        });
    }
    check_finite(x)?;
    let neighbours: Vec<Vec<usize>> = (0..n)
        .into_par_iter()
        .map_init(
            || KnnHeap::new(n_neighbors),
            |heap, i| {
                heap.clear();
                for j in 0..n {
                    // Σ (x_i − x_j)² equals Σ (x_j − x_i)² bit for bit, so row i's distances
                    // are those a full symmetric distance matrix would hold.
                    heap.push(squared_euclidean(x.row(i), x.row(j)), j);
                }
                heap.indices.clone()
            },
        )
        .collect();
    // Each edge of C and of Cᵀ with weight 0.5; the conversion sums an edge found both ways to 1.
    let mut edges = TriMat::with_capacity((n, n), 2 * n * n_neighbors);
    for (i, found) in neighbours.iter().enumerate() {
        for &j in found {
            edges.add_triplet(i, j, 0.5);
            edges.add_triplet(j, i, 0.5);
        }
    }
    Ok(edges.to_csr())
}

/// The fixed-size max-heap of scikit-learn's `sklearn/utils/_heap.pyx` (`heap_push`, 1.9), so
/// that ties are resolved as scikit-learn resolves them.
struct KnnHeap {
    values: Vec<f64>,
    indices: Vec<usize>,
}

impl KnnHeap {
    fn new(size: usize) -> Self {
        Self { values: vec![f64::INFINITY; size], indices: vec![0; size] }
    }

    fn clear(&mut self) {
        self.values.fill(f64::INFINITY);
        self.indices.fill(0);
    }

    fn push(&mut self, val: f64, val_idx: usize) {
        let size = self.values.len();
        if val >= self.values[0] {
            return;
        }
        let mut current = 0;
        loop {
            let left = 2 * current + 1;
            let right = left + 1;
            // sklearn compares with the larger child (the left one when there is no right one
            // or on a tie) and moves it up while `val` is strictly smaller.
            let swap = if left >= size {
                break;
            } else if right >= size || self.values[left] >= self.values[right] {
                left
            } else {
                right
            };
            if val >= self.values[swap] {
                break;
            }
            self.values[current] = self.values[swap];
            self.indices[current] = self.indices[swap];
            current = swap;
        }
        self.values[current] = val;
        self.indices[current] = val_idx;
    }
}

/// `(n, n)` RBF affinity `exp(−gamma·‖x_i − x_j‖²)` of the rows of `x`.
///
/// Mirrors `sklearn.metrics.pairwise.rbf_kernel(X, gamma=gamma)` (1.9), with squared distances
/// computed directly instead of by the dot-product expansion (differences ~1e-16 relative in the
/// exponent). Errors: NaN/inf values, a negative or non-finite `gamma`.
pub fn rbf_affinity(x: ArrayView2<f64>, gamma: f64) -> Result<Array2<f64>, ModelError> {
    if !(gamma.is_finite() && gamma >= 0.0) {
        return Err(ModelError::InvalidParam {
            param: "gamma",
            rule: "must be finite and ≥ 0",
            value: gamma.to_string(),
        });
    }
    check_finite(x)?;
    let mut k = squared_distances(x);
    k.mapv_inplace(|d| (-gamma * d).exp());
    Ok(k)
}

#[cfg(test)]
mod tests {
    use ndarray::array;

    use super::*;

    #[test]
    fn knn_affinity_of_a_line() {
        let x = array![[0.0], [1.0], [3.0], [7.0]];
        let a = nearest_neighbors_affinity(x.view(), 2).expect("affinity").to_dense();
        // neighbours (self first): 0→{0,1}, 1→{1,0}, 2→{2,1}, 3→{3,2}
        let expected = array![[1.0, 1.0, 0.0, 0.0], [1.0, 1.0, 0.5, 0.0], [0.0, 0.5, 1.0, 0.5], [0.0, 0.0, 0.5, 1.0]];
        assert_eq!(a, expected);
    }

    #[test]
    fn knn_ties_keep_the_earlier_rows_like_scikit_learn() {
        // rows 1, 2, 3 equidistant: a heap of 2 keeps the query and the first candidate.
        let mut heap = KnnHeap::new(2);
        for (j, d) in [0.0, 1.0, 1.0, 1.0].into_iter().enumerate() {
            heap.push(d, j);
        }
        let mut kept = heap.indices.clone();
        kept.sort_unstable();
        assert_eq!(kept, vec![0, 1]);
        // a strictly nearer late candidate still gets in
        heap.clear();
        for (j, d) in [2.0, 1.0, 1.0, 0.5].into_iter().enumerate() {
            heap.push(d, j);
        }
        let mut kept = heap.indices.clone();
        kept.sort_unstable();
        assert_eq!(kept, vec![1, 3]);
    }

    #[test]
    fn all_neighbours_is_the_complete_graph() {
        let x = array![[0.0], [1.0], [3.0]];
        assert_eq!(nearest_neighbors_affinity(x.view(), 3).expect("affinity").to_dense(), Array2::<f64>::ones((3, 3)));
    }

    #[test]
    fn too_many_or_zero_neighbours_is_an_error() {
        let x = array![[0.0], [1.0], [3.0]];
        assert!(matches!(nearest_neighbors_affinity(x.view(), 4), Err(ModelError::InvalidParam { .. })));
        assert!(matches!(nearest_neighbors_affinity(x.view(), 0), Err(ModelError::InvalidParam { .. })));
    }

    #[test]
    fn rbf_affinity_values() {
        let x = array![[0.0, 0.0], [1.0, 1.0]];
        let k = rbf_affinity(x.view(), 0.5).expect("affinity");
        assert_eq!(k[[0, 0]], 1.0);
        assert_eq!(k[[0, 1]], (-1.0_f64).exp());
        assert_eq!(k[[0, 1]], k[[1, 0]]);
        assert!(rbf_affinity(x.view(), -1.0).is_err());
    }

    #[test]
    fn non_finite_input_is_an_error() {
        let x = array![[0.0], [f64::NAN], [3.0]];
        assert_eq!(nearest_neighbors_affinity(x.view(), 2), Err(ModelError::NonFinite));
        assert_eq!(rbf_affinity(x.view(), 1.0), Err(ModelError::NonFinite));
    }
}

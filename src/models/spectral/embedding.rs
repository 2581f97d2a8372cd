//! Laplacian eigenmaps: the normalised graph Laplacian and its smallest eigenvectors.

use linfa_linalg::eigh::EighInto;
use ndarray::{Array2, ArrayView2, Axis};
use sprs::{CsMat, TriMat};

use super::super::ModelError;

/// scikit-learn's `check_symmetric` tolerance for dense input (`np.allclose(A, A.T, atol=1e-10)`,
/// numpy's default `rtol = 1e-5`).
const SYMMETRY_ATOL: f64 = 1e-10;
const SYMMETRY_RTOL: f64 = 1e-5;

/// `(n, n_components)` spectral embedding of the graph with `(n, n)` weights `affinity`.
///
/// Mirrors `sklearn.manifold.spectral_embedding(affinity, n_components=n_components,
/// drop_first=False)` (1.9) as `SpectralClustering` calls it (default ARPACK solver,
/// `norm_laplacian=True`):
///
/// 1. an affinity that is not symmetric within `check_symmetric`'s tolerance is replaced by
///    `0.5·(A + Aᵀ)` (scikit-learn warns and does the same);
/// 2. `L, dd = scipy.sparse.csgraph.laplacian(A, normed=True, return_diag=True)`: self-loops are
///    ignored, `dd_i = sqrt(Σ_{j≠i} A_ij)` (1 for an isolated node),
///    `L_ij = −A_ij / (dd_i·dd_j)`, and the diagonal is set to 1 (`_set_diag`);
/// 3. the eigenvectors of the `n_components` smallest eigenvalues, ascending, each divided
///    element-wise by `dd` (`u = D^{-1/2} v`);
/// 4. `_deterministic_vector_sign_flip`: each component's sign makes its largest-magnitude entry
///    (the first one, on ties) positive.
///
/// Where scikit-learn asks ARPACK in shift-invert mode (`eigsh(L, k, sigma=-1e-5, which="LM",
/// tol=0)`) for the k eigenpairs nearest 0, this solves the dense symmetric problem completely
/// up to [`DENSE_MAX_ROWS`] rows (linfa-linalg's Householder tridiagonalisation + implicit QR,
/// O(n³)) and keeps the k smallest; above it LOBPCG finds only those k (see
/// [`EigenSolver::Lobpcg`]), as scikit-learn's `eigen_solver="lobpcg"` does. All converge to
/// machine precision or close (LOBPCG's residual tolerance is 1e-10), and an eigenvector is
/// defined up to sign, which step 4 fixes, so columns agree to round-off divided by the
/// eigengap. When an eigenvalue is repeated (a graph with c connected components has c zero
/// eigenvalues) any basis of its eigenspace is a valid answer and the solvers return
/// different ones; the spanned space, and so k-means on it, agrees.
///
/// A sparse affinity (a k-nearest-neighbour graph) is read as scipy reads a sparse matrix: its
/// Laplacian is built sparse, and densified only for the dense solver (at most
/// [`DENSE_MAX_ROWS`] rows under [`EigenSolver::Auto`]), so memory stays O(nnz) above it. A
/// sparse affinity is always symmetrised as `0.5·(A + Aᵀ)`, which leaves a symmetric one
/// unchanged bit for bit; a dense or sparse affinity with the same entries gives the same
/// embedding bit for bit.
///
/// Errors: a non-square, non-finite or negative affinity; `n_components` of 0 or more than `n`.
pub fn spectral_embedding<'a>(
    affinity: impl Into<GraphView<'a>>,
    n_components: usize,
) -> Result<Array2<f64>, ModelError> {
    spectral_embedding_by(affinity, n_components, EigenSolver::Auto)
}

/// An affinity graph's weights, dense (`(n, n)`, e.g. the RBF kernel) or sparse (CSR, e.g. the
/// k-nearest-neighbour graph).
#[derive(Debug, Clone, Copy)]
pub enum GraphView<'a> {
    /// Every pair's weight.
    Dense(ArrayView2<'a, f64>),
    /// Only the non-zero weights.
    Sparse(&'a CsMat<f64>),
}

impl<'a> From<ArrayView2<'a, f64>> for GraphView<'a> {
    fn from(weights: ArrayView2<'a, f64>) -> Self {
        Self::Dense(weights)
    }
}

impl<'a> From<&'a CsMat<f64>> for GraphView<'a> {
    fn from(weights: &'a CsMat<f64>) -> Self {
        Self::Sparse(weights)
    }
}

/// A graph's symmetric weights, ready for degrees and the Laplacian: the dense matrix read
/// through scikit-learn's symmetry check, or the sparse one symmetrised.
enum Weights<'a> {
    Dense { weights: ArrayView2<'a, f64>, symmetric: bool },
    Sparse(CsMat<f64>),
}

impl Weights<'_> {
    fn n(&self) -> usize {
        match self {
            Self::Dense { weights, .. } => weights.nrows(),
            Self::Sparse(weights) => weights.rows(),
        }
    }

    /// scipy's `laplacian(normed=True)` degrees: `sqrt(Σ_{j≠i} A_ij)`, summed in column order
    /// (zeros add nothing, so dense and sparse sums agree bit for bit), 1 for an isolated node.
    fn sqrt_degrees(&self) -> Vec<f64> {
        let root = |degree: f64| if degree == 0.0 { 1.0 } else { degree.sqrt() };
        match self {
            &Self::Dense { weights, symmetric } => (0..self.n())
                .map(|i| {
                    root((0..self.n()).filter(|&j| j != i).map(|j| Self::dense_weight(weights, symmetric, i, j)).sum())
                })
                .collect(),
            Self::Sparse(weights) => weights
                .outer_iterator()
                .enumerate()
                .map(|(i, row)| root(row.iter().filter(|&(j, _)| j != i).map(|(_, &w)| w).sum()))
                .collect(),
        }
    }

    /// Weight `(i, j)` of a dense graph, symmetrised when scikit-learn's check found it not
    /// symmetric.
    fn dense_weight(weights: ArrayView2<f64>, symmetric: bool, i: usize, j: usize) -> f64 {
        if symmetric {
            weights[[i, j]]
        } else {
            0.5 * (weights[[i, j]] + weights[[j, i]])
        }
    }

    /// The normalised Laplacian, dense: 1 on the diagonal, `−A_ij / (dd_j·dd_i)` off it (so −0
    /// where there is no edge, as the dense computation gives).
    fn dense_laplacian(&self, dd: &[f64]) -> Array2<f64> {
        let n = self.n();
        match self {
            &Self::Dense { weights, symmetric } => Array2::from_shape_fn((n, n), |(i, j)| {
                if i == j {
                    1.0
                } else {
                    -Self::dense_weight(weights, symmetric, i, j) / dd[j] / dd[i]
                }
            }),
            Self::Sparse(weights) => {
                let mut laplacian = Array2::from_elem((n, n), -0.0);
                for (i, row) in weights.outer_iterator().enumerate() {
                    for (j, &w) in row.iter() {
                        laplacian[[i, j]] = -w / dd[j] / dd[i];
                    }
                    laplacian[[i, i]] = 1.0;
                }
                laplacian
            }
        }
    }

    /// The normalised Laplacian as LOBPCG multiplies it: sparse when fewer than
    /// [`SPARSE_DENSITY`] of its entries are non-zero, else dense. Either holds the entries of
    /// [`Self::dense_laplacian`] (the sparse one without its zeros).
    fn laplacian_for_products(&self, dd: &[f64]) -> Laplacian {
        let n = self.n();
        let sparse = match self {
            Self::Dense { .. } => {
                let dense = self.dense_laplacian(dd);
                let nonzero = dense.iter().filter(|v| **v != 0.0).count();
                if (nonzero as f64) >= SPARSE_DENSITY * (n * n) as f64 {
                    return Laplacian::Dense(dense);
                }
                CsMat::csr_from_dense(dense.view(), 0.0)
            }
            Self::Sparse(weights) => {
                let mut entries = TriMat::with_capacity((n, n), weights.nnz() + n);
                for (i, row) in weights.outer_iterator().enumerate() {
                    entries.add_triplet(i, i, 1.0);
                    for (j, &w) in row.iter().filter(|&(j, &w)| j != i && w != 0.0) {
                        entries.add_triplet(i, j, -w / dd[j] / dd[i]);
                    }
                }
                if (entries.nnz() as f64) >= SPARSE_DENSITY * (n * n) as f64 {
                    return Laplacian::Dense(self.dense_laplacian(dd));
                }
                entries.to_csr()
            }
        };
        Laplacian::Sparse(sparse)
    }
}

/// A normalised Laplacian for LOBPCG's products.
enum Laplacian {
    Dense(Array2<f64>),
    Sparse(CsMat<f64>),
}

/// How the Laplacian's smallest eigenvectors are found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EigenSolver {
    /// Every eigenpair of the dense matrix (linfa-linalg's `eigh`, O(n³)).
    Dense,
    /// Only the k needed, by LOBPCG (linfa-linalg), with sparse products when the graph is
    /// sparse (a k-nearest-neighbour graph); the dense solver when it does not converge.
    Lobpcg,
    /// Dense up to [`DENSE_MAX_ROWS`] rows, LOBPCG above.
    Auto,
}

/// Rows up to which [`EigenSolver::Auto`] solves densely: there the dense solver is exact to
/// round-off and quick. Above it its O(n³) time takes over; measured on 45 standardised
/// features, 4 clusters, 10 neighbours (release build): 940 rows 1.5 s per fit dense against
/// LOBPCG's 0.3 s at twice the rows; the dense solver took 287 s for 10 bootstrap fits of
/// 1,920 rows. (The published runs fit at most 192 rows, so they keep the dense solver.)
pub const DENSE_MAX_ROWS: usize = 300;

/// [`spectral_embedding`] with a chosen eigensolver.
pub fn spectral_embedding_by<'a>(
    affinity: impl Into<GraphView<'a>>,
    n_components: usize,
    solver: EigenSolver,
) -> Result<Array2<f64>, ModelError> {
    let affinity = affinity.into();
    check_affinity(affinity)?;
    let weights = match affinity {
        GraphView::Dense(weights) => Weights::Dense { weights, symmetric: is_symmetric(weights) },
        GraphView::Sparse(weights) => {
            let transposed: CsMat<f64> = weights.transpose_view().to_csr();
            Weights::Sparse((weights + &transposed).map(|w| 0.5 * w))
        }
    };
    let n = weights.n();
    if n_components == 0 || n_components > n {
        return Err(ModelError::InvalidParam {
            param: "n_components",
            rule: "must be ≥ 1 and ≤ the number of rows",
            value: format!("{n_components} for {n} rows"),
        });
    }
    let dd = weights.sqrt_degrees();
    let solver = match solver {
        EigenSolver::Auto if n <= DENSE_MAX_ROWS => EigenSolver::Dense,
        EigenSolver::Auto => EigenSolver::Lobpcg,
        chosen => chosen,
    };
    let smallest = match solver {
        EigenSolver::Lobpcg => smallest_by_lobpcg(&weights.laplacian_for_products(&dd), &dd, n_components)
            .map_or_else(|| smallest_dense(weights.dense_laplacian(&dd), n_components), Ok)?,
        _ => smallest_dense(weights.dense_laplacian(&dd), n_components)?,
    };
    let mut embedding = Array2::<f64>::zeros((n, n_components));
    for (c, eigenvector) in smallest.columns().into_iter().enumerate() {
        let mut column = embedding.column_mut(c);
        for i in 0..n {
            column[i] = eigenvector[i] / dd[i];
        }
        // np.argmax(np.abs(u)) takes the first maximum; np.sign(0) = 0 cannot occur for a
        // non-zero eigenvector.
        let mut arg = 0;
        for i in 1..n {
            if column[i].abs() > column[arg].abs() {
                arg = i;
            }
        }
        if column[arg] < 0.0 {
            column.mapv_inplace(|v| -v);
        }
    }
    Ok(embedding)
}

/// The eigenvectors of the `k` smallest eigenvalues of `laplacian`, as columns, ascending.
fn smallest_dense(laplacian: Array2<f64>, k: usize) -> Result<Array2<f64>, ModelError> {
    let n = laplacian.nrows();
    let (eigenvalues, eigenvectors) =
        laplacian.eigh_into().map_err(|e| ModelError::Fit { model: "spectral_embedding", reason: e.to_string() })?;
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| eigenvalues[a].total_cmp(&eigenvalues[b]));
    Ok(eigenvectors.select(Axis(1), &order[..k]))
}

/// Residual norm ‖Lv − λv‖ at which LOBPCG stops: eigenvectors then agree with the dense
/// solver's to about this over the eigengap.
const LOBPCG_TOL: f32 = 1e-10;
/// Iterations LOBPCG may take before the dense solver is used instead.
const LOBPCG_MAX_ITER: usize = 2000;
/// Fraction of non-zero entries below which the Laplacian is multiplied as a sparse matrix.
const SPARSE_DENSITY: f64 = 0.1;

/// The eigenvectors of the `k` smallest eigenvalues of the normalised `laplacian`, as
/// columns, ascending, by LOBPCG as scikit-learn's `eigen_solver="lobpcg"` does it: a block
/// larger than k (LOBPCG converges poorly on small blocks), started from `dd` (the exact null
/// vector of a connected graph's normalised Laplacian) and fixed pseudo-random vectors, so the
/// result never depends on the run's seed or thread count. None when it does not converge.
fn smallest_by_lobpcg(laplacian: &Laplacian, dd: &[f64], k: usize) -> Option<Array2<f64>> {
    use linfa_linalg::lobpcg::{lobpcg, Order};
    use rand::{Rng, SeedableRng};

    let n = dd.len();
    let block = (2 * k).max(k + 4).min(n / 5);
    if block < k {
        return None;
    }
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
    let mut x = Array2::<f64>::from_shape_fn((n, block), |_| rng.gen_range(-1.0..1.0));
    x.column_mut(0).assign(&ndarray::ArrayView1::from(dd));
    let result = match laplacian {
        Laplacian::Sparse(sparse) => {
            lobpcg(|v: ArrayView2<f64>| sparse * &v, x, |_| {}, None, LOBPCG_TOL, LOBPCG_MAX_ITER, Order::Smallest)
        }
        Laplacian::Dense(dense) => {
            lobpcg(|v: ArrayView2<f64>| dense.dot(&v), x, |_| {}, None, LOBPCG_TOL, LOBPCG_MAX_ITER, Order::Smallest)
        }
    };
    let found = result.ok()?;
    let mut order: Vec<usize> = (0..found.eigvals.len()).collect();
    order.sort_by(|&a, &b| found.eigvals[a].total_cmp(&found.eigvals[b]));
    // Stopped by the iteration cap short of the tolerance (or NaN): not trusted.
    let converged = order[..k].iter().all(|&i| found.rnorm[i] <= f64::from(LOBPCG_TOL) * 100.0);
    converged.then(|| found.eigvecs.select(Axis(1), &order[..k]))
}

/// Number of connected components of the graph whose edges are the non-zero off-diagonal
/// weights of `affinity`, either direction (as `scipy.sparse.csgraph.connected_components`).
/// scikit-learn's `spectral_embedding` warns "Graph is not fully connected" when this exceeds 1,
/// and continues.
#[must_use]
pub fn n_connected_components<'a>(affinity: impl Into<GraphView<'a>>) -> usize {
    let affinity = affinity.into();
    let n = match affinity {
        GraphView::Dense(weights) => weights.nrows().min(weights.ncols()),
        GraphView::Sparse(weights) => weights.rows().min(weights.cols()),
    };
    // Each node's neighbours in the undirected graph (a sparse graph's edges, both ways).
    let undirected: Vec<Vec<usize>> = match affinity {
        GraphView::Dense(_) => Vec::new(),
        GraphView::Sparse(weights) => {
            let mut lists = vec![Vec::new(); n];
            for (i, row) in weights.outer_iterator().enumerate().take(n) {
                for (j, _) in row.iter().filter(|&(j, &w)| j < n && w != 0.0) {
                    lists[i].push(j);
                    lists[j].push(i);
                }
            }
            lists
        }
    };
    let neighbours = |i: usize| -> Vec<usize> {
        match affinity {
            GraphView::Dense(weights) => (0..n).filter(|&j| weights[[i, j]] != 0.0 || weights[[j, i]] != 0.0).collect(),
            GraphView::Sparse(_) => undirected[i].clone(),
        }
    };
    let mut seen = vec![false; n];
    let mut components = 0;
    let mut stack = Vec::new();
    for start in 0..n {
        if seen[start] {
            continue;
        }
        components += 1;
        seen[start] = true;
        stack.push(start);
        while let Some(i) = stack.pop() {
            for j in neighbours(i) {
                if !seen[j] {
                    seen[j] = true;
                    stack.push(j);
                }
            }
        }
    }
    components
}

fn check_affinity(affinity: GraphView) -> Result<(), ModelError> {
    let (rows, cols) = match affinity {
        GraphView::Dense(weights) => weights.dim(),
        GraphView::Sparse(weights) => weights.shape(),
    };
    if rows != cols {
        return Err(ModelError::InvalidParam {
            param: "affinity",
            rule: "must be a square matrix",
            value: format!("{rows} × {cols}"),
        });
    }
    let values = || -> Box<dyn Iterator<Item = &f64>> {
        match affinity {
            GraphView::Dense(weights) => Box::new(weights.into_iter()),
            GraphView::Sparse(weights) => Box::new(weights.data().iter()),
        }
    };
    if values().any(|v| !v.is_finite()) {
        return Err(ModelError::NonFinite);
    }
    if let Some(v) = values().find(|v| **v < 0.0) {
        return Err(ModelError::InvalidParam {
            param: "affinity", rule: "weights must be ≥ 0", value: v.to_string()
        });
    }
    Ok(())
}

/// `np.allclose(A, A.T, atol=1e-10)`.
fn is_symmetric(a: ArrayView2<f64>) -> bool {
    let t = a.t();
    a.indexed_iter().all(|((i, j), &v)| (v - t[[i, j]]).abs() <= SYMMETRY_ATOL + SYMMETRY_RTOL * t[[i, j]].abs())
}

#[cfg(test)]
mod tests {
    use ndarray::array;

    use super::*;

    /// Two triangles joined by one edge.
    fn two_triangles() -> Array2<f64> {
        let mut a = Array2::<f64>::zeros((6, 6));
        for &(i, j) in &[(0, 1), (0, 2), (1, 2), (3, 4), (3, 5), (4, 5), (2, 3)] {
            a[[i, j]] = 1.0;
            a[[j, i]] = 1.0;
        }
        a
    }

    #[test]
    fn first_component_is_constant_and_the_second_splits_the_triangles() {
        let e = spectral_embedding(two_triangles().view(), 2).expect("embedding");
        assert_eq!(e.dim(), (6, 2));
        // u0 = D^{-1/2} v0 with v0 ∝ D^{1/2} 1: constant
        let u0 = e.column(0);
        assert!(u0.iter().all(|v| (v - u0[0]).abs() < 1e-12 && *v > 0.0));
        let u1 = e.column(1);
        assert!(u1[0] * u1[5] < 0.0);
        assert!((0..3).all(|i| u1[i].signum() == u1[0].signum()));
        // sign flip: the largest-magnitude entry is positive
        let max = u1.iter().copied().fold(0.0_f64, |m, v| if v.abs() > m.abs() { v } else { m });
        assert!(max > 0.0);
    }

    #[test]
    fn self_loops_do_not_change_the_embedding() {
        let a = two_triangles();
        let mut looped = a.clone();
        looped.diag_mut().fill(1.0);
        let e = spectral_embedding(a.view(), 3).expect("embedding");
        let f = spectral_embedding(looped.view(), 3).expect("embedding");
        assert!(e.iter().zip(f.iter()).all(|(x, y)| (x - y).abs() < 1e-12));
    }

    #[test]
    fn asymmetric_affinity_is_symmetrised() {
        let a = two_triangles();
        let mut upper = a.clone();
        for i in 0..6 {
            for j in 0..i {
                upper[[i, j]] = 0.0;
                upper[[j, i]] *= 2.0;
            }
        }
        let e = spectral_embedding(a.view(), 2).expect("embedding");
        let f = spectral_embedding(upper.view(), 2).expect("embedding");
        assert!(e.iter().zip(f.iter()).all(|(x, y)| (x - y).abs() < 1e-12));
    }

    #[test]
    fn isolated_nodes_and_components_are_handled() {
        let mut a = two_triangles();
        a[[2, 3]] = 0.0;
        a[[3, 2]] = 0.0;
        assert_eq!(n_connected_components(a.view()), 2);
        assert_eq!(n_connected_components(two_triangles().view()), 1);
        let isolated = array![[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]];
        assert_eq!(n_connected_components(isolated.view()), 2);
        let e = spectral_embedding(isolated.view(), 3).expect("embedding");
        assert!(e.iter().all(|v| v.is_finite()));
    }

    /// The orthogonal projector onto the column space of `a` (Gram-Schmidt, then `QQᵀ`).
    fn projector(a: &Array2<f64>) -> Array2<f64> {
        let mut q = a.clone();
        for c in 0..q.ncols() {
            for p in 0..c {
                let overlap = q.column(c).dot(&q.column(p));
                let previous = q.column(p).to_owned();
                q.column_mut(c).scaled_add(-overlap, &previous);
            }
            let norm = q.column(c).dot(&q.column(c)).sqrt();
            q.column_mut(c).mapv_inplace(|v| v / norm);
        }
        q.dot(&q.t())
    }

    /// `n` rows in 4 blobs of 10 columns, the blobs' centres 4 apart, unit noise.
    fn blobs(n: usize) -> Array2<f64> {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        Array2::from_shape_fn((n, 10), |(i, j)| 4.0 * f64::from(u8::from(i % 4 == j % 4)) + rng.gen_range(-1.0..1.0))
    }

    #[test]
    fn lobpcg_finds_the_dense_solvers_eigenvectors_on_sparse_and_dense_graphs() {
        use super::super::{nearest_neighbors_affinity, rbf_affinity};
        let x = blobs(400);
        let knn = nearest_neighbors_affinity(x.view(), 10).expect("affinity").to_dense();
        for affinity in [knn, rbf_affinity(x.view(), 0.05).expect("affinity")] {
            // k = 4: the four blobs' eigenvalues are well apart from the fifth. Within them the
            // eigenvalues nearly repeat (the blobs are alike), so each column is any basis
            // vector of that space: the spaces are compared, through their projectors.
            let dense = spectral_embedding_by(affinity.view(), 4, EigenSolver::Dense).expect("dense");
            let lobpcg = spectral_embedding_by(affinity.view(), 4, EigenSolver::Lobpcg).expect("lobpcg");
            let diff = (projector(&dense) - projector(&lobpcg)).iter().fold(0.0_f64, |m, v| m.max(v.abs()));
            assert!(diff < 1e-8, "projectors differ by {diff:e}");
        }
    }

    #[test]
    fn lobpcg_converges_where_the_dense_solver_would_be_used_instead() {
        let x = blobs(400);
        let affinity = super::super::nearest_neighbors_affinity(x.view(), 10).expect("affinity").to_dense();
        let (n, laplacian, dd) = {
            let n = x.nrows();
            let dd: Vec<f64> =
                (0..n).map(|i| (0..n).filter(|&j| j != i).map(|j| affinity[[i, j]]).sum::<f64>().sqrt()).collect();
            let laplacian =
                Array2::from_shape_fn((n, n), |(i, j)| if i == j { 1.0 } else { -affinity[[i, j]] / dd[i] / dd[j] });
            (n, laplacian, dd)
        };
        let found =
            smallest_by_lobpcg(&Laplacian::Dense(laplacian), &dd, 4).expect("LOBPCG converged: no dense fallback");
        assert_eq!(found.dim(), (n, 4));
    }

    #[test]
    fn bad_affinities_are_errors() {
        let a = two_triangles();
        assert!(matches!(spectral_embedding(a.view(), 0), Err(ModelError::InvalidParam { .. })));
        assert!(matches!(spectral_embedding(a.view(), 7), Err(ModelError::InvalidParam { .. })));
        assert!(matches!(spectral_embedding(a.slice(ndarray::s![..5, ..]), 2), Err(ModelError::InvalidParam { .. })));
        let mut nan = a.clone();
        nan[[0, 1]] = f64::NAN;
        assert_eq!(spectral_embedding(nan.view(), 2), Err(ModelError::NonFinite));
        let mut negative = a;
        negative[[0, 1]] = -1.0;
        assert!(matches!(spectral_embedding(negative.view(), 2), Err(ModelError::InvalidParam { .. })));
    }
}

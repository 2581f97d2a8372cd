//! Laplacian eigenmaps: the normalised graph Laplacian and its smallest eigenvectors.

use linfa_linalg::eigh::EighInto;
use ndarray::{Array2, ArrayView2};

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
/// (linfa-linalg's Householder tridiagonalisation + implicit QR, O(n³), fine for a few hundred
/// rows) and keeps the k smallest. Both converge to machine precision, and an eigenvector is
/// defined up to sign, which step 4 fixes, so columns agree to round-off divided by the
/// eigengap. When an eigenvalue is repeated (a graph with c connected components has c zero
/// eigenvalues) any basis of its eigenspace is a valid answer and the two solvers return
/// different ones; the spanned space, and so k-means on it, agrees.
///
/// Errors: a non-square, non-finite or negative affinity; `n_components` of 0 or more than `n`.
pub fn spectral_embedding(affinity: ArrayView2<f64>, n_components: usize) -> Result<Array2<f64>, ModelError> {
    let n = affinity.nrows();
    check_affinity(affinity)?;
    if n_components == 0 || n_components > n {
        return Err(ModelError::InvalidParam {
            param: "n_components",
            rule: "must be ≥ 1 and ≤ the number of rows",
            value: format!("{n_components} for {n} rows"),
        });
    }
    let symmetric = is_symmetric(affinity);
    let weight = |i: usize, j: usize| {
        if symmetric {
            affinity[[i, j]]
        } else {
            0.5 * (affinity[[i, j]] + affinity[[j, i]])
        }
    };
    // scipy's `laplacian(normed=True)`: degrees without self-loops, isolated nodes get 1.
    let dd: Vec<f64> = (0..n)
        .map(|i| {
            let degree: f64 = (0..n).filter(|&j| j != i).map(|j| weight(i, j)).sum();
            if degree == 0.0 {
                1.0
            } else {
                degree.sqrt()
            }
        })
        .collect();
    let mut laplacian = Array2::<f64>::zeros((n, n));
    for i in 0..n {
        for j in 0..n {
            laplacian[[i, j]] = if i == j { 1.0 } else { -weight(i, j) / dd[j] / dd[i] };
        }
    }
    let (eigenvalues, eigenvectors) =
        laplacian.eigh_into().map_err(|e| ModelError::Fit { model: "spectral_embedding", reason: e.to_string() })?;
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| eigenvalues[a].total_cmp(&eigenvalues[b]));
    let mut embedding = Array2::<f64>::zeros((n, n_components));
    for (c, &k) in order.iter().take(n_components).enumerate() {
        let mut column = embedding.column_mut(c);
        for i in 0..n {
            column[i] = eigenvectors[[i, k]] / dd[i];
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

/// Number of connected components of the graph whose edges are the non-zero off-diagonal
/// weights of `affinity` (as `scipy.sparse.csgraph.connected_components`). scikit-learn's
/// `spectral_embedding` warns "Graph is not fully connected" when this exceeds 1, and continues.
#[must_use]
pub fn n_connected_components(affinity: ArrayView2<f64>) -> usize {
    let n = affinity.nrows().min(affinity.ncols());
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
            for j in 0..n {
                if !seen[j] && (affinity[[i, j]] != 0.0 || affinity[[j, i]] != 0.0) {
                    seen[j] = true;
                    stack.push(j);
                }
            }
        }
    }
    components
}

fn check_affinity(affinity: ArrayView2<f64>) -> Result<(), ModelError> {
    if affinity.nrows() != affinity.ncols() {
        return Err(ModelError::InvalidParam {
            param: "affinity",
            rule: "must be a square matrix",
            value: format!("{} × {}", affinity.nrows(), affinity.ncols()),
        });
    }
    if affinity.iter().any(|v| !v.is_finite()) {
        return Err(ModelError::NonFinite);
    }
    if let Some(v) = affinity.iter().find(|v| **v < 0.0) {
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

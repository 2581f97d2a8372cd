//! The input checks scikit-learn's `validate_data` makes before a clusterer runs.

use ndarray::ArrayView2;

use super::ModelError;

/// Rejects what `sklearn.utils.check_array` rejects: no rows, no columns, NaN or infinite values.
///
/// No rows reads as [`ModelError::TooFewRows`] for one cluster, as the other models report it.
pub(crate) fn check_finite_rows(x: ArrayView2<f64>) -> Result<(), ModelError> {
    if x.nrows() == 0 {
        return Err(ModelError::TooFewRows { n_clusters: 1, n_rows: 0 });
    }
    if x.ncols() == 0 {
        return Err(ModelError::NoFeatures { n_rows: x.nrows() });
    }
    if x.iter().any(|v| !v.is_finite()) {
        return Err(ModelError::NonFinite);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use ndarray::{array, Array2};

    use super::*;

    #[test]
    fn no_rows_is_rejected() {
        let x = Array2::<f64>::zeros((0, 3));
        assert_eq!(check_finite_rows(x.view()), Err(ModelError::TooFewRows { n_clusters: 1, n_rows: 0 }));
    }

    #[test]
    fn no_columns_is_rejected() {
        let x = Array2::<f64>::zeros((4, 0));
        assert_eq!(check_finite_rows(x.view()), Err(ModelError::NoFeatures { n_rows: 4 }));
    }

    #[test]
    fn nan_and_infinities_are_rejected() {
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let x = array![[0.0, 1.0], [bad, 2.0]];
            assert_eq!(check_finite_rows(x.view()), Err(ModelError::NonFinite));
        }
    }

    #[test]
    fn a_finite_row_passes() {
        check_finite_rows(array![[0.0, -1.0]].view()).expect("valid");
    }
}

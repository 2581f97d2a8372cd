//! Input checks and label encoding shared by the metrics.

use ndarray::ArrayView2;

use super::MetricsError;

/// Labels mapped to `0..n_classes` in ascending order of their ids (scikit-learn's
/// `LabelEncoder` / `np.unique(return_inverse=True)`), so every loop over clusters runs in the
/// same order whatever ids the caller used.
pub(crate) struct Encoded {
    /// The distinct ids, ascending.
    pub classes: Vec<usize>,
    /// For each sample, the index of its id in `classes`.
    pub codes: Vec<usize>,
    /// Number of samples per class, indexed like `classes`.
    pub counts: Vec<usize>,
}

impl Encoded {
    pub fn n_classes(&self) -> usize {
        self.classes.len()
    }
}

pub(crate) fn encode(labels: &[usize]) -> Encoded {
    let mut classes = labels.to_vec();
    classes.sort_unstable();
    classes.dedup();
    let mut counts = vec![0usize; classes.len()];
    let codes = labels
        .iter()
        .map(|label| {
            let code = classes.binary_search(label).expect("classes holds every label: it was built from them");
            counts[code] += 1;
            code
        })
        .collect();
    Encoded { classes, codes, counts }
}

pub(crate) fn check_same_length(
    metric: &'static str,
    left_name: &'static str,
    left: usize,
    right_name: &'static str,
    right: usize,
) -> Result<(), MetricsError> {
    if left == right {
        Ok(())
    } else {
        Err(MetricsError::LengthMismatch { metric, left_name, left, right_name, right })
    }
}

/// Two paired label vectors: same length, at least one sample.
pub(crate) fn check_pair(
    metric: &'static str,
    left_name: &'static str,
    left: &[usize],
    right_name: &'static str,
    right: &[usize],
) -> Result<(), MetricsError> {
    check_same_length(metric, left_name, left.len(), right_name, right.len())?;
    if left.is_empty() {
        return Err(MetricsError::Empty { metric });
    }
    Ok(())
}

pub(crate) fn check_finite(metric: &'static str, matrix: &'static str, x: ArrayView2<f64>) -> Result<(), MetricsError> {
    match x.indexed_iter().find(|(_, v)| !v.is_finite()) {
        None => Ok(()),
        Some(((row, col), &value)) => Err(MetricsError::NonFiniteInput { metric, matrix, row, col, value }),
    }
}

/// A feature matrix with one label per row: lengths agree, at least one row and one column,
/// every value finite.
pub(crate) fn check_samples(metric: &'static str, x: ArrayView2<f64>, labels: &[usize]) -> Result<(), MetricsError> {
    let (n_samples, n_features) = x.dim();
    check_same_length(metric, "x", n_samples, "labels", labels.len())?;
    if n_samples == 0 {
        return Err(MetricsError::Empty { metric });
    }
    if n_features == 0 {
        return Err(MetricsError::NoFeatures { metric, n_samples });
    }
    check_finite(metric, "x", x)
}

/// scikit-learn's `check_number_of_labels`: 2 ≤ n_labels ≤ n_samples − 1.
pub(crate) fn check_n_labels(metric: &'static str, n_labels: usize, n_samples: usize) -> Result<(), MetricsError> {
    if 1 < n_labels && n_labels < n_samples {
        Ok(())
    } else {
        Err(MetricsError::InvalidLabelCount { metric, n_labels, n_samples })
    }
}

//! Column standardisation fitted on training rows only (the notebook fitted on all rows).

use ndarray::{Array1, Array2, ArrayView2, Axis};

use super::SplitError;

/// Per-column mean and scale, as `sklearn.preprocessing.StandardScaler` (1.x) fits them:
/// population standard deviation (ddof 0); a constant column gets scale 1.
#[derive(Debug, Clone, PartialEq)]
pub struct Standardizer {
    /// Column means of the fitted rows.
    pub mean: Array1<f64>,
    /// Column standard deviations (1 where a column is constant).
    pub scale: Array1<f64>,
}

impl Standardizer {
    /// Fits on the given rows of `x`.
    pub fn fit(x: ArrayView2<f64>, rows: &[usize]) -> Result<Self, SplitError> {
        if rows.is_empty() {
            return Err(SplitError::NoRowsToFit);
        }
        let fit_rows = x.select(Axis(0), rows);
        let n = rows.len() as f64;
        let mean = fit_rows.sum_axis(Axis(0)) / n;
        let var = fit_rows.map_axis(Axis(0), |col| {
            let m = col.sum() / n;
            col.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / n
        });
        let scale = var.mapv(|v| if v > 0.0 && v.is_finite() { v.sqrt() } else { 1.0 });
        Ok(Self { mean, scale })
    }

    /// Applies the fitted transform to every row of `x`.
    #[must_use]
    pub fn transform(&self, x: ArrayView2<f64>) -> Array2<f64> {
        (&x - &self.mean) / &self.scale
    }
}

/// Fits a [`Standardizer`] on `rows` and transforms all of `x`.
pub fn standardize(x: ArrayView2<f64>, rows: &[usize]) -> Result<Array2<f64>, SplitError> {
    Ok(Standardizer::fit(x, rows)?.transform(x))
}

/// Standardises each column within each group (e.g. per speaker): every group's rows get zero
/// mean and unit variance (population std; a constant column within a group gets scale 1).
///
/// This removes a speaker's own baseline (pitch, loudness, timbre) so that what remains is how
/// a recording differs from that speaker's other recordings. It uses the group column only —
/// never the emotion labels — and every row of a group, including held-out ones: a new
/// speaker's baseline can only be estimated from that speaker's recordings.
pub fn standardize_per_group(x: ArrayView2<f64>, groups: &[String]) -> Result<Array2<f64>, SplitError> {
    if groups.len() != x.nrows() {
        return Err(SplitError::ColumnLength { column: "scale_group_by", n_values: groups.len(), n_rows: x.nrows() });
    }
    let mut out = x.to_owned();
    let mut by_group: std::collections::BTreeMap<&str, Vec<usize>> = std::collections::BTreeMap::new();
    for (row, group) in groups.iter().enumerate() {
        by_group.entry(group.as_str()).or_default().push(row);
    }
    for rows in by_group.values() {
        let scaler = Standardizer::fit(x, rows)?;
        for &row in rows {
            let scaled = (&x.row(row) - &scaler.mean) / &scaler.scale;
            out.row_mut(row).assign(&scaled);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn per_group_scaling_centres_each_group() {
        let x = array![[1.0, 10.0], [3.0, 10.0], [100.0, 0.0], [102.0, 4.0]];
        let groups: Vec<String> = ["a", "a", "b", "b"].iter().map(|s| s.to_string()).collect();
        let z = standardize_per_group(x.view(), &groups).expect("scale");
        assert_eq!(z, array![[-1.0, 0.0], [1.0, 0.0], [-1.0, -1.0], [1.0, 1.0]]);
    }

    #[test]
    fn fits_on_the_given_rows_only() {
        let x = array![[1.0, 5.0], [3.0, 5.0], [100.0, 7.0]];
        let s = Standardizer::fit(x.view(), &[0, 1]).expect("fit");
        assert_eq!(s.mean, array![2.0, 5.0]);
        assert_eq!(s.scale, array![1.0, 1.0]); // std of [1,3] is 1; constant column -> 1
        let z = s.transform(x.view());
        assert_eq!(z.row(0).to_vec(), vec![-1.0, 0.0]);
        assert_eq!(z.row(2).to_vec(), vec![98.0, 2.0]);
    }

    #[test]
    fn zero_rows_is_an_error() {
        assert_eq!(Standardizer::fit(array![[1.0]].view(), &[]), Err(SplitError::NoRowsToFit));
    }
}

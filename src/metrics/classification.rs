//! Classification metrics for the supervised studies: accuracy, balanced accuracy (UAR), F1,
//! the per-class report, binary and one-vs-rest ROC AUC, confusion matrix. Labels are arbitrary class ids; the classes of a problem are the sorted union of the
//! ids in `y_true` and `y_pred` (scikit-learn's `unique_labels`).

use ndarray::{Array2, ArrayView2};

use super::input::{check_pair, check_same_length, encode};
use super::MetricsError;

/// How per-class F1 scores are combined into one number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Average {
    /// Unweighted mean over classes (`average="macro"`).
    Macro,
    /// Mean weighted by each class's support in `y_true` (`average="weighted"`).
    Weighted,
}

/// Counts of (true class, predicted class) pairs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfusionMatrix {
    /// The class ids, ascending: the sorted union of `y_true` and `y_pred`.
    pub labels: Vec<usize>,
    /// `(n_classes, n_classes)`: `counts[[i, j]]` is the number of samples of true class
    /// `labels[i]` predicted as `labels[j]`.
    pub counts: Array2<usize>,
}

/// Mirrors sklearn.metrics.confusion_matrix (1.9) with its default labels: rows are true
/// classes, columns predicted classes, both in ascending id order over the union of `y_true`
/// and `y_pred`. Errors on mismatched lengths and empty input (scikit-learn raises too).
/// Differs: the class ids are returned with the counts.
pub fn confusion_matrix(y_true: &[usize], y_pred: &[usize]) -> Result<ConfusionMatrix, MetricsError> {
    check_pair("confusion_matrix", "y_true", y_true, "y_pred", y_pred)?;
    Ok(count_pairs(y_true, y_pred))
}

fn count_pairs(y_true: &[usize], y_pred: &[usize]) -> ConfusionMatrix {
    let both: Vec<usize> = y_true.iter().chain(y_pred).copied().collect();
    let enc = encode(&both);
    let (true_codes, pred_codes) = enc.codes.split_at(y_true.len());
    let k = enc.n_classes();
    let mut counts = Array2::zeros((k, k));
    for (&t, &p) in true_codes.iter().zip(pred_codes) {
        counts[[t, p]] += 1;
    }
    ConfusionMatrix { labels: enc.classes, counts }
}

/// Mirrors sklearn.metrics.accuracy_score (1.9), `normalize=True`: the fraction of samples
/// whose prediction equals the truth. Errors on mismatched lengths and empty input
/// (scikit-learn raises too). Differs: none.
pub fn accuracy(y_true: &[usize], y_pred: &[usize]) -> Result<f64, MetricsError> {
    check_pair("accuracy", "y_true", y_true, "y_pred", y_pred)?;
    let correct = y_true.iter().zip(y_pred).filter(|(t, p)| t == p).count();
    Ok(correct as f64 / y_true.len() as f64)
}

/// Mirrors sklearn.metrics.balanced_accuracy_score (1.9), `adjusted=False`: the mean over the
/// classes of `y_true` of each class's recall — the unweighted average recall (UAR) of emotion
/// recognition, which chance scores 1/k on however imbalanced classes are. A class that is only
/// predicted has no recall and is left out, as scikit-learn's `nanmean` leaves it out. Errors
/// on mismatched lengths and empty input. Differs: no warning for such a class.
pub fn balanced_accuracy(y_true: &[usize], y_pred: &[usize]) -> Result<f64, MetricsError> {
    check_pair("balanced_accuracy", "y_true", y_true, "y_pred", y_pred)?;
    let matrix = count_pairs(y_true, y_pred);
    let recalls: Vec<f64> = (0..matrix.labels.len())
        .filter_map(|c| {
            let support = matrix.counts.row(c).sum();
            (support > 0).then(|| matrix.counts[[c, c]] as f64 / support as f64)
        })
        .collect();
    Ok(recalls.iter().sum::<f64>() / recalls.len() as f64)
}

/// Precision, recall, F1 and support of every class: scikit-learn's classification report.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassReport {
    /// The class ids, ascending: the sorted union of `y_true` and `y_pred`.
    pub labels: Vec<usize>,
    /// `tp / (tp + fp)` per class (0 for a class never predicted).
    pub precision: Vec<f64>,
    /// `tp / (tp + fn)` per class (0 for a class not in `y_true`).
    pub recall: Vec<f64>,
    /// Harmonic mean of precision and recall (0 where both are 0).
    pub f1: Vec<f64>,
    /// Samples of each class in `y_true`.
    pub support: Vec<usize>,
}

/// Mirrors sklearn.metrics.precision_recall_fscore_support (1.9) with `average=None`,
/// `labels` = the sorted union of `y_true` and `y_pred` and `zero_division=0`: per class,
/// precision, recall, F1 and support. Errors on mismatched lengths and empty input.
/// Differs: none.
pub fn classification_report(y_true: &[usize], y_pred: &[usize]) -> Result<ClassReport, MetricsError> {
    check_pair("classification_report", "y_true", y_true, "y_pred", y_pred)?;
    let matrix = count_pairs(y_true, y_pred);
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let k = matrix.labels.len();
    let mut report = ClassReport {
        labels: matrix.labels.clone(),
        precision: Vec::with_capacity(k),
        recall: Vec::with_capacity(k),
        f1: Vec::with_capacity(k),
        support: Vec::with_capacity(k),
    };
    for c in 0..k {
        let tp = matrix.counts[[c, c]];
        let true_sum = matrix.counts.row(c).sum();
        let pred_sum = matrix.counts.column(c).sum();
        report.precision.push(ratio(tp, pred_sum));
        report.recall.push(ratio(tp, true_sum));
        // scikit-learn's F-score: 2 tp / (true_sum + pred_sum), 0 when that is 0/0.
        report.f1.push(ratio(2 * tp, true_sum + pred_sum));
        report.support.push(true_sum);
    }
    Ok(report)
}

/// Mirrors sklearn.metrics.roc_auc_score (1.9) with `multi_class="ovr"`, `average="macro"`:
/// the mean over classes of the binary ROC AUC of "this class or not" scored by the class's
/// probability column. `y_proba` has one column per class of `y_true` in ascending id order,
/// and its rows sum to 1 (within scikit-learn's `np.allclose`); otherwise an error, as
/// scikit-learn raises. Errors also on mismatched lengths, empty input, fewer than two classes
/// and non-finite probabilities. Differs: none.
pub fn roc_auc_ovr(y_true: &[usize], y_proba: ArrayView2<f64>) -> Result<f64, MetricsError> {
    const METRIC: &str = "roc_auc_ovr";
    check_same_length(METRIC, "y_true", y_true.len(), "y_proba", y_proba.nrows())?;
    if y_true.is_empty() {
        return Err(MetricsError::Empty { metric: METRIC });
    }
    let classes = encode(y_true).classes;
    let reason = |reason: String| MetricsError::NotProbabilities { metric: METRIC, reason };
    if classes.len() < 2 {
        return Err(reason(format!("y_true has {} class; ROC AUC needs at least 2", classes.len())));
    }
    if y_proba.ncols() != classes.len() {
        return Err(reason(format!(
            "y_true has {} classes but y_proba has {} columns",
            classes.len(),
            y_proba.ncols()
        )));
    }
    for (i, row) in y_proba.rows().into_iter().enumerate() {
        let sum: f64 = row.sum();
        // np.allclose(1, sum): |1 − sum| ≤ 1e-8 + 1e-5·|sum| (false for NaN).
        let sums_to_one = (1.0 - sum).abs() <= 1e-8 + 1e-5 * sum.abs();
        if !sums_to_one {
            return Err(reason(format!("row {i} of y_proba sums to {sum}, not 1")));
        }
    }
    let mut total = 0.0;
    for (c, &class) in classes.iter().enumerate() {
        let is_class: Vec<usize> = y_true.iter().map(|&t| usize::from(t == class)).collect();
        total += roc_auc_score(&is_class, &y_proba.column(c).to_vec())?;
    }
    Ok(total / classes.len() as f64)
}

/// Mirrors sklearn.metrics.f1_score (1.9) with `average="macro"` or `"weighted"` and the
/// default `zero_division="warn"`: per class `F1 = 2 tp / (2 tp + fp + fn)`, and a class whose
/// F1 is 0/0 scores 0.0 (what "warn" returns). A class never predicted scores 0 (tp = 0); a
/// class only predicted counts in the macro mean and has weight 0 in the weighted one.
/// Errors on mismatched lengths and empty input. Differs: no warning is emitted.
pub fn f1_score(y_true: &[usize], y_pred: &[usize], average: Average) -> Result<f64, MetricsError> {
    check_pair("f1_score", "y_true", y_true, "y_pred", y_pred)?;
    let matrix = count_pairs(y_true, y_pred);
    let k = matrix.labels.len();
    let mut f1 = Vec::with_capacity(k);
    let mut support = Vec::with_capacity(k);
    for c in 0..k {
        let tp = matrix.counts[[c, c]];
        let true_sum = matrix.counts.row(c).sum();
        let pred_sum = matrix.counts.column(c).sum();
        // scikit-learn: (1 + β²) tp / (β² true_sum + pred_sum), β = 1.
        let denominator = true_sum as f64 + pred_sum as f64;
        f1.push(if denominator == 0.0 { 0.0 } else { 2.0 * tp as f64 / denominator });
        support.push(true_sum as f64);
    }
    Ok(match average {
        Average::Macro => f1.iter().sum::<f64>() / k as f64,
        Average::Weighted => {
            let weighted: f64 = f1.iter().zip(&support).map(|(f, w)| f * w).sum();
            weighted / support.iter().sum::<f64>()
        }
    })
}

/// Mirrors sklearn.metrics.roc_auc_score (1.9) for a binary `y_true`: the area under the ROC
/// curve by the trapezoidal rule, one curve point per distinct score (tied scores make one
/// diagonal segment, i.e. count ½), collinear points dropped as `roc_curve` does. The positive
/// class is the larger of the two ids in `y_true` (scikit-learn's `label_binarize` on sorted
/// classes); a higher score means more likely positive. Errors on mismatched lengths, empty
/// input and non-finite scores. Differs: fewer or more than two classes in `y_true` is an error
/// (scikit-learn warns and returns NaN for one class, and needs a score matrix for more).
pub fn roc_auc_score(y_true: &[usize], y_score: &[f64]) -> Result<f64, MetricsError> {
    let (fpr, tpr) = roc_curve(y_true, y_score)?;
    // numpy.trapezoid: Σ dx · (y₁ + y₀) / 2
    Ok(fpr.windows(2).zip(tpr.windows(2)).map(|(x, y)| (x[1] - x[0]) * (y[1] + y[0]) / 2.0).sum())
}

/// Mirrors sklearn.metrics.roc_curve (1.9, `drop_intermediate=True`) for a binary `y_true`:
/// `(fpr, tpr)` from (0, 0) through one point per distinct score (descending) to (1, 1), with
/// collinear points dropped. Same rules and errors as [`roc_auc_score`]. Differs: thresholds
/// are not returned.
pub fn roc_curve(y_true: &[usize], y_score: &[f64]) -> Result<(Vec<f64>, Vec<f64>), MetricsError> {
    const METRIC: &str = "roc_auc_score";
    check_same_length(METRIC, "y_true", y_true.len(), "y_score", y_score.len())?;
    if y_true.is_empty() {
        return Err(MetricsError::Empty { metric: METRIC });
    }
    if let Some((index, &value)) = y_score.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(MetricsError::NonFiniteScore { metric: METRIC, index, value });
    }
    let enc = encode(y_true);
    if enc.n_classes() != 2 {
        return Err(MetricsError::NotBinary { n_classes: enc.n_classes() });
    }
    // Samples by decreasing score; the order within ties never matters because a curve point
    // is only taken after the last sample of a run of equal scores.
    let mut order: Vec<usize> = (0..y_true.len()).collect();
    order.sort_by(|&i, &j| y_score[j].total_cmp(&y_score[i]));
    let mut fps: Vec<f64> = Vec::new();
    let mut tps: Vec<f64> = Vec::new();
    let (mut tp, mut fp) = (0u64, 0u64);
    for (rank, &i) in order.iter().enumerate() {
        if enc.codes[i] == 1 {
            tp += 1;
        } else {
            fp += 1;
        }
        let last_of_run = order.get(rank + 1).is_none_or(|&next| y_score[next] != y_score[i]);
        if last_of_run {
            tps.push(tp as f64);
            fps.push(fp as f64);
        }
    }
    // roc_curve(drop_intermediate=True): keep the ends and every corner.
    let kept: Vec<usize> = (0..fps.len())
        .filter(|&i| {
            i == 0
                || i + 1 == fps.len()
                || fps[i + 1] - 2.0 * fps[i] + fps[i - 1] != 0.0
                || tps[i + 1] - 2.0 * tps[i] + tps[i - 1] != 0.0
        })
        .collect();
    let (fp_total, tp_total) = (fp as f64, tp as f64);
    let fpr: Vec<f64> = std::iter::once(0.0).chain(kept.iter().map(|&i| fps[i] / fp_total)).collect();
    let tpr: Vec<f64> = std::iter::once(0.0).chain(kept.iter().map(|&i| tps[i] / tp_total)).collect();
    Ok((fpr, tpr))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn roc_curve_runs_from_origin_to_corner_through_each_distinct_score() {
        let (fpr, tpr) = roc_curve(&[0, 0, 1, 1], &[0.1, 0.4, 0.35, 0.8]).unwrap();
        // sklearn.metrics.roc_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
        assert_eq!(fpr, vec![0.0, 0.0, 0.5, 0.5, 1.0]);
        assert_eq!(tpr, vec![0.0, 0.5, 0.5, 1.0, 1.0]);
    }

    #[test]
    fn length_mismatch_is_rejected() {
        let mismatch =
            |r: Result<f64, MetricsError>| matches!(r, Err(MetricsError::LengthMismatch { left: 2, right: 3, .. }));
        assert!(mismatch(accuracy(&[0, 1], &[0, 1, 1])));
        assert!(mismatch(f1_score(&[0, 1], &[0, 1, 1], Average::Macro)));
        assert!(mismatch(roc_auc_score(&[0, 1], &[0.1, 0.2, 0.3])));
        assert!(matches!(confusion_matrix(&[0, 1], &[0, 1, 1]), Err(MetricsError::LengthMismatch { .. })));
    }

    #[test]
    fn empty_input_is_rejected() {
        let empty = |r: Result<f64, MetricsError>| matches!(r, Err(MetricsError::Empty { .. }));
        assert!(empty(accuracy(&[], &[])));
        assert!(empty(f1_score(&[], &[], Average::Weighted)));
        assert!(empty(roc_auc_score(&[], &[])));
        assert!(matches!(confusion_matrix(&[], &[]), Err(MetricsError::Empty { .. })));
    }

    #[test]
    fn nan_score_is_rejected() {
        let err = roc_auc_score(&[0, 1, 1], &[0.2, f64::NAN, 0.4]).unwrap_err();
        assert!(matches!(err, MetricsError::NonFiniteScore { index: 1, .. }));
        assert_eq!(err.to_string(), "roc_auc_score: y_score[1] is NaN, not a finite number");
    }

    #[test]
    fn one_class_roc_auc_is_rejected() {
        assert_eq!(roc_auc_score(&[1, 1, 1], &[0.2, 0.3, 0.4]), Err(MetricsError::NotBinary { n_classes: 1 }));
    }

    #[test]
    fn three_class_roc_auc_is_rejected() {
        assert_eq!(roc_auc_score(&[0, 1, 2], &[0.2, 0.3, 0.4]), Err(MetricsError::NotBinary { n_classes: 3 }));
    }

    #[test]
    fn roc_auc_known_values() {
        // sklearn: roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) = 0.75
        assert_eq!(roc_auc_score(&[0, 0, 1, 1], &[0.1, 0.4, 0.35, 0.8]).unwrap(), 0.75);
        // All scores tied: one diagonal segment.
        assert_eq!(roc_auc_score(&[0, 1, 0, 1], &[0.5; 4]).unwrap(), 0.5);
        // Ids 4 and 9: 9 is the positive class.
        assert_eq!(roc_auc_score(&[4, 9, 4, 9], &[0.1, 0.9, 0.2, 0.8]).unwrap(), 1.0);
        assert_eq!(roc_auc_score(&[9, 4, 9, 4], &[0.1, 0.9, 0.2, 0.8]).unwrap(), 0.0);
    }

    #[test]
    fn never_predicted_class_scores_zero_f1() {
        // Class 2 is never predicted: its F1 is 0, not an error and not NaN.
        let (t, p) = ([0, 1, 2, 2], [0, 1, 1, 1]);
        let macro_f1 = f1_score(&t, &p, Average::Macro).unwrap();
        // per class: 1, 2·1/(1+3) = 0.5, 0
        assert!((macro_f1 - 0.5).abs() < 1e-15);
        let weighted = f1_score(&t, &p, Average::Weighted).unwrap();
        assert!((weighted - (1.0 + 0.5) / 4.0).abs() < 1e-15);
    }

    #[test]
    fn confusion_matrix_uses_the_union_of_ids() {
        let m = confusion_matrix(&[5, 5, 2], &[5, 7, 2]).unwrap();
        assert_eq!(m.labels, vec![2, 5, 7]);
        assert_eq!(m.counts, array![[1, 0, 0], [0, 1, 1], [0, 0, 0]]);
        assert_eq!(accuracy(&[5, 5, 2], &[5, 7, 2]).unwrap(), 2.0 / 3.0);
    }
}

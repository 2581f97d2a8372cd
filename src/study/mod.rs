//! Studies: k-sweeps, hyperparameter grids and repeated fits, turned into metrics, tables,
//! assignments and figure data ([`StudyOutput`]).
//!
//! A study sees the scaled feature matrix and the split, never files: the one study that
//! draws signals (`explore`) asks a [`RecordingSource`] for a few rows' audio. Each study `i` of a spec
//! draws from its own seed (`spec.seed.derive(i)`) and each fit inside it from its own stream
//! (`rng_for(task)`), so results are the same whatever the thread count, and adding a study
//! leaves the others' numbers unchanged. Parallel fits collect in task order.

mod classify;
mod compare;
mod error;
mod explore;
mod fit;
mod internal;
mod output;
mod parts;
mod pca_views;
mod projection;
mod selection;
mod stability;
mod validation;
mod views;

use ndarray::{Array2, ArrayView2, Axis};

pub use error::StudyError;
pub use internal::InternalMetrics;
pub use output::{
    Assignment, BandAxis, BoxStats, ClassificationScores, Column, Figure, FoldStat, MatrixScale, StudyOutput,
    SummaryRow, Table, Values, WaveformPanel, CLASSIFICATION_COLUMNS,
};
pub use parts::{parts_stored, PartsMode, PendingParts, StudyParts};

use crate::models::{ClusterModel, NoiseTreatment};
use crate::spec::{KChoice, Scale, Seed, SplitName, StudySpec};
use crate::split::SplitIndices;

/// A row's recording as decoded and resampled, before trimming, with the span trimming keeps.
#[derive(Debug, Clone, PartialEq)]
pub struct Recording {
    /// Mono samples at `sample_rate_hz`, untrimmed.
    pub samples: Vec<f32>,
    /// Sample rate of `samples` in Hz (the features' rate).
    pub sample_rate_hz: u32,
    /// The span the features were computed from.
    pub kept: crate::audio::TrimBounds,
}

/// Decodes a row's recording again, for studies that draw the signal itself (the matrices
/// hold only summaries of it).
pub trait RecordingSource: Sync + std::fmt::Debug {
    /// The recording of corpus row `row`, or why it cannot be read.
    fn recording(&self, row: usize) -> Result<Recording, String>;
}

/// The data every study works on.
#[derive(Debug, Clone, Copy)]
pub struct StudyData<'a> {
    /// The scaled feature matrix, all rows (`(n_rows, n_features)`); for an image recipe each
    /// row is one file's image flattened row-major (see `image_shape`).
    pub x: ArrayView2<'a, f64>,
    /// The same rows before scaling: studies that refit the scaler per fold start from here.
    pub unscaled: ArrayView2<'a, f64>,
    /// How `x` was scaled (`standard`: on the `train` split; `per_group`: each group on itself).
    pub scale: Scale,
    /// `[height, width]` of each row's image for an image recipe (`logmel128`: mel × frame),
    /// None for a feature vector.
    pub image_shape: Option<[usize; 2]>,
    /// Each row's `logmel128` image, unscaled and flattened row-major, with its shape, when a
    /// study reads images (the CNN, `explore`), whatever the spec's recipe.
    pub images: Option<(ArrayView2<'a, f64>, [usize; 2])>,
    /// Each row's `descriptive` features (columns of `features::recipe("descriptive")`, NaN
    /// where undefined) when a study reads them (`explore`), whatever the spec's recipe.
    pub descriptive: Option<ArrayView2<'a, f64>>,
    /// The corpus rows' recordings, for `explore`'s waveforms and per-frame heatmaps.
    pub recordings: Option<&'a dyn RecordingSource>,
    /// The feature parameters (sample rate, hop, mel bands), for axes in seconds and Hz.
    pub feature_params: &'a crate::features::FeatureParams,
    /// Which rows are train/val/test.
    pub split: &'a SplitIndices,
    /// Name of each feature column.
    pub feature_names: &'a [String],
    /// The file of each row (its path relative to the corpus).
    pub file_names: &'a [String],
    /// Label columns clusterings are validated against: (column, value per row).
    pub labels: &'a [(String, Vec<String>)],
    /// Rows from `data.test_corpus` (after the corpus's own rows), ascending; empty without one.
    /// They belong to no split.
    pub test_rows: &'a [usize],
    /// Every `labels.csv` column the spec reads (targets, groups ...), value per row.
    pub columns: &'a std::collections::BTreeMap<String, Vec<String>>,
    /// Shuffles for the chance baseline of external validation.
    pub n_permutations: usize,
    /// How noise points enter internal and external metrics.
    pub noise: NoiseTreatment,
    /// Where the studies' independent fits are computed (here, or as a cluster's tasks).
    pub parts: &'a StudyParts,
}

/// The distinct label values of `values`, in the order a reader counts them: numerically when
/// every value is a number (actor 3 before actor 10), else alphabetically.
pub(crate) fn sorted_labels<'a>(values: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let distinct: std::collections::BTreeSet<&str> = values.into_iter().collect();
    let mut sorted: Vec<String> = distinct.into_iter().map(str::to_string).collect();
    let numbers: Option<Vec<f64>> = sorted.iter().map(|v| v.parse::<f64>().ok()).collect();
    if let Some(numbers) = numbers {
        let mut paired: Vec<(f64, String)> = numbers.into_iter().zip(sorted).collect();
        paired.sort_by(|a, b| a.0.total_cmp(&b.0));
        sorted = paired.into_iter().map(|(_, v)| v).collect();
    }
    sorted
}

/// Runs the studies of a spec in order and merges their outputs.
///
/// `progress` is called with the label of each study as it starts.
pub fn run_studies(
    studies: &[StudySpec],
    data: StudyData<'_>,
    seed: Seed,
    mut progress: impl FnMut(&str),
) -> Result<StudyOutput, StudyError> {
    let mut merged = StudyOutput::default();
    let mut best_k_from_sweep = None;
    for (index, study) in studies.iter().enumerate() {
        let label = study_label(studies, index);
        progress(&label);
        let study_seed = seed.derive(index as u64);
        let output = match study {
            StudySpec::KSweep(spec) => {
                let (output, best_k) = selection::k_sweep(spec, data, study_seed, &label)?;
                best_k_from_sweep = best_k;
                output
            }
            StudySpec::Grid(spec) => selection::grid(spec, data, study_seed, &label, best_k_from_sweep)?,
            StudySpec::Repeat(spec) => stability::repeat(spec, data, study_seed, &label, best_k_from_sweep)?,
            StudySpec::Bootstrap(spec) => stability::bootstrap(spec, data, study_seed, &label, best_k_from_sweep)?,
            StudySpec::Consensus(spec) => stability::consensus(spec, data, study_seed, &label, best_k_from_sweep)?,
            StudySpec::Compare(spec) => compare::compare(spec, data, study_seed, &label, best_k_from_sweep)?,
            StudySpec::Pca(spec) => pca_views::pca_views(spec, data, &label)?,
            StudySpec::Projection(spec) => projection::projection(spec, data, study_seed, &label)?,
            StudySpec::Classify(spec) => classify::classify(spec, data, study_seed, &label)?,
            StudySpec::Explore(spec) => explore::explore(spec, data, &label)?,
        };
        merged.metrics.extend(output.metrics);
        merged.tables.extend(output.tables);
        merged.assignments.extend(output.assignments);
        merged.figure_counts.push((label.clone(), output.figures.len()));
        merged.figures.extend(output.figures);
        merged.summary.extend(output.summary);
        merged.documents.extend(output.documents);
        merged.predictions.extend(output.predictions);
    }
    Ok(merged)
}

/// A label column as colour groups for a scatter of `rows`: each row's group index, in order of
/// first appearance, and the legend (the label value of each group, after the column's name
/// when the values are bare numbers, e.g. `actor 3`).
fn label_groups(column: &str, values: &[String], rows: &[usize]) -> (Vec<usize>, Vec<String>) {
    let mut index: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for &r in rows {
        let next = index.len();
        index.entry(values[r].as_str()).or_insert(next);
    }
    let mut legend = vec![String::new(); index.len()];
    for (v, &i) in &index {
        legend[i] = if v.parse::<f64>().is_ok() { format!("{column} {v}") } else { (*v).to_string() };
    }
    (rows.iter().map(|&r| index[values[r].as_str()]).collect(), legend)
}

/// Rows of one split as an owned matrix.
fn rows_of(x: ArrayView2<f64>, rows: &[usize]) -> Array2<f64> {
    x.select(Axis(0), rows)
}

/// A study's k: fixed, or the best of the preceding sweep.
fn resolve_k(study: &str, choice: KChoice, best_from_sweep: Option<usize>) -> Result<usize, StudyError> {
    match choice {
        KChoice::Fixed(k) => Ok(k),
        KChoice::Named(_) => best_from_sweep.ok_or_else(|| StudyError::NoBestK { study: study.into() }),
    }
}

/// The k `model` is fitted with (the study's, resolved; none for a model that finds its own)
/// and the rows of the split it fits on, checked so that the split has more rows than clusters.
fn k_and_rows<'a>(
    study: &str,
    model: &ClusterModel,
    choice: Option<KChoice>,
    best_from_sweep: Option<usize>,
    data: StudyData<'a>,
    on: SplitName,
) -> Result<(Option<usize>, &'a [usize]), StudyError> {
    let rows = data.split.rows(on);
    let k = model.given_k(choice).map(|c| resolve_k(study, c, best_from_sweep)).transpose()?;
    if let Some(k) = k {
        check_k(study, k, rows.len(), on)?;
    }
    Ok((k, rows))
}

/// Fitting k clusters needs more than k rows (silhouette needs k ≤ n − 1).
fn check_k(study: &str, k: usize, n_rows: usize, split: SplitName) -> Result<(), StudyError> {
    check_rows(study, k, k + 1, n_rows, split)
}

/// A fit of k clusters that needs `needed` rows, where `n_rows` are available.
fn check_rows(study: &str, k: usize, needed: usize, n_rows: usize, split: SplitName) -> Result<(), StudyError> {
    if needed > n_rows {
        return Err(StudyError::KTooLarge { study: study.into(), k, needed, n_rows, split: split.as_str() });
    }
    Ok(())
}

/// A study's label in metric keys and file names: its kind, or `kind_i` when the spec has
/// several studies of that kind.
#[must_use]
pub fn study_label(studies: &[StudySpec], index: usize) -> String {
    let kind = studies[index].kind();
    if studies.iter().filter(|s| s.kind() == kind).count() > 1 {
        format!("{kind}_{index}")
    } else {
        kind.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::sorted_labels;

    #[test]
    fn labels_sort_numerically_only_when_all_are_numbers() {
        assert_eq!(sorted_labels(["10", "3", "11", "3", "1.5"]), ["1.5", "3", "10", "11"]);
        assert_eq!(sorted_labels(["sad", "angry", "10", "3"]), ["10", "3", "angry", "sad"]);
        assert!(sorted_labels([]).is_empty());
    }
}

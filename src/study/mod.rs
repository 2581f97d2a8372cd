//! Studies: k-sweeps, hyperparameter grids and repeated fits, turned into metrics, tables,
//! assignments and figure data ([`StudyOutput`]).
//!
//! A study sees the scaled feature matrix and the split, never files. Each study `i` of a spec
//! draws from its own seed (`spec.seed.derive(i)`) and each fit inside it from its own stream
//! (`rng_for(task)`), so results are the same whatever the thread count, and adding a study
//! leaves the others' numbers unchanged. Parallel fits collect in task order.

mod error;
mod internal;
mod kmeans;
mod output;

use ndarray::ArrayView2;

pub use error::StudyError;
pub use internal::InternalMetrics;
pub use output::{Assignment, Column, Figure, StudyOutput, SummaryRow, Table, Values};

use crate::spec::{Seed, StudySpec};
use crate::split::SplitIndices;

/// The data every study works on.
#[derive(Debug, Clone, Copy)]
pub struct StudyData<'a> {
    /// The scaled feature matrix, all rows (`(n_rows, n_features)`).
    pub x: ArrayView2<'a, f64>,
    /// Which rows are train/val/test.
    pub split: &'a SplitIndices,
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
                let (output, best_k) = kmeans::k_sweep(spec, data, study_seed, &label)?;
                best_k_from_sweep = best_k;
                output
            }
            StudySpec::Grid(spec) => kmeans::grid(spec, data, study_seed, &label, best_k_from_sweep)?,
            StudySpec::Repeat(spec) => kmeans::repeat(spec, data, study_seed, &label, best_k_from_sweep)?,
        };
        merged.metrics.extend(output.metrics);
        merged.tables.extend(output.tables);
        merged.assignments.extend(output.assignments);
        merged.figures.extend(output.figures);
        merged.summary.extend(output.summary);
    }
    Ok(merged)
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

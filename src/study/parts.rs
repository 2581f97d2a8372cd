//! Where a study's independent fits run: its *parts* (a k-sweep's k values, grid cells,
//! repeated fits, bootstrap replicates, consensus subsamples, classification folds).
//!
//! A study hands each loop of independent fits to [`fan_out`] as a *step*: a name unique
//! within the run (`bootstrap.replicates`), a count, and how to compute part `i`. Part `i`
//! depends only on the study's inputs and its own seed stream, so it can be computed anywhere
//! and reduced later in index order. By default ([`StudyParts::Here`]) every part is computed
//! on this machine, on rayon, exactly as a study always did. With [`StudyParts::Stored`] the
//! parts go through a folder on shared storage, one file per part, so a cluster can compute a
//! step's parts as separate tasks:
//! - [`PartsMode::Plan`]: a step with at least `min_parts` parts missing from the folder, whose
//!   first missing part (computed here) predicts at least `min_seconds` for the rest, stops the
//!   study with [`StudyError::PartsPending`], naming them (other steps are computed here);
//! - [`PartsMode::Compute`]: the named parts of one step are computed and stored, and the study
//!   stops with [`StudyError::PartsComputed`] (earlier steps are read from the folder).
//!
//! Run again in `Plan` mode once every part is stored, the study reads them back and completes
//! with the same bytes as if it had computed them itself: parts are stored with bincode, which
//! keeps every `f64` bit for bit (NaN included).

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::{StudyData, StudyError};

/// Where a run's study parts are computed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StudyParts {
    /// Here, on rayon (the default).
    #[default]
    Here,
    /// Through a folder of stored parts.
    Stored {
        /// The run's parts folder (on storage every node sees).
        dir: PathBuf,
        /// What to do with the parts that are missing.
        mode: PartsMode,
    },
}

impl StudyParts {
    /// Whether every part is computed here (the default, left out of a serialised task so
    /// that tasks written before study parts existed keep their hash).
    #[must_use]
    pub fn is_here(&self) -> bool {
        *self == Self::Here
    }
}

/// What a run with [`StudyParts::Stored`] does with the parts missing from the folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartsMode {
    /// Stop at the first step worth sending elsewhere: at least `min_parts` parts missing, and
    /// the rest predicted to take at least `min_seconds` here, timed on the first missing part
    /// (computed and stored here). Other steps are computed here.
    Plan {
        /// The fewest missing parts worth sending elsewhere.
        min_parts: usize,
        /// The least predicted time here (seconds) worth a scheduling round trip.
        min_seconds: u64,
    },
    /// Compute `indices` of `step`, store them, and stop.
    Compute {
        /// The step.
        step: String,
        /// Its parts to compute.
        indices: Vec<usize>,
    },
}

/// The parts a study waits for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingParts {
    /// The step.
    pub step: String,
    /// Its number of parts.
    pub n: usize,
    /// The parts missing from the folder, ascending.
    pub missing: Vec<usize>,
}

/// How a step's parts run on this machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Order {
    /// On rayon, in parallel.
    Parallel,
    /// One after another (each part parallelises inside, or must not run beside another).
    InTurn,
}

/// The parts `0..n` of `step`, in index order: computed here, read from the run's parts folder,
/// or left for other tasks (see the module doc).
pub(super) fn fan_out<T, F>(
    data: StudyData<'_>,
    step: &str,
    n: usize,
    order: Order,
    compute: F,
) -> Result<Vec<T>, StudyError>
where
    T: Serialize + DeserializeOwned + Send,
    F: Fn(usize) -> Result<T, StudyError> + Sync,
{
    let StudyParts::Stored { dir, mode } = data.parts else {
        return compute_all(&(0..n).collect::<Vec<_>>(), order, &compute);
    };
    let folder = step_dir(dir, step);
    let mut parts: Vec<Option<T>> = (0..n).map(|i| read_part(&part_path(&folder, i))).collect();
    let missing: Vec<usize> = (0..n).filter(|&i| parts[i].is_none()).collect();
    let to_compute = match mode {
        PartsMode::Plan { min_parts, min_seconds } if !missing.is_empty() && missing.len() >= *min_parts => {
            // The first missing part, computed here, times the step: fits that take
            // milliseconds are done here sooner than any scheduler could send them out.
            let first = missing[0];
            let clock = std::time::Instant::now();
            let part = compute(first)?;
            let seconds = clock.elapsed().as_secs_f64();
            store_all(&folder, &[first], std::slice::from_ref(&part))?;
            parts[first] = Some(part);
            let rest = missing[1..].to_vec();
            let threads = if order == Order::Parallel { rayon::current_num_threads() } else { 1 };
            let predicted = seconds * rest.len() as f64 / threads as f64;
            if !rest.is_empty() && predicted >= *min_seconds as f64 {
                return Err(StudyError::PartsPending(PendingParts { step: step.into(), n, missing: rest }));
            }
            rest
        }
        PartsMode::Compute { step: wanted, indices } if wanted == step => {
            let wanted: Vec<usize> = indices.iter().copied().filter(|i| missing.contains(i)).collect();
            store_all(&folder, &wanted, &compute_all(&wanted, order, &compute)?)?;
            return Err(StudyError::PartsComputed { step: step.into(), n_computed: wanted.len() });
        }
        PartsMode::Plan { .. } | PartsMode::Compute { .. } => missing,
    };
    // A step too small to send away, or one before the step a task computes: computed here
    // and stored, so that whoever reaches it next reads it.
    let computed = compute_all(&to_compute, order, &compute)?;
    store_all(&folder, &to_compute, &computed)?;
    for (i, part) in to_compute.into_iter().zip(computed) {
        parts[i] = Some(part);
    }
    Ok(parts.into_iter().map(|p| p.expect("every part was read or computed")).collect())
}

/// The folder of `step`'s parts: the step's name with anything but letters, digits, `.`, `_`
/// and `-` replaced, so that a name always stays one path component.
fn step_dir(dir: &Path, step: &str) -> PathBuf {
    let safe: String =
        step.chars().map(|c| if c.is_ascii_alphanumeric() || "._-".contains(c) { c } else { '_' }).collect();
    dir.join(safe)
}

/// Part `i` of the step whose folder is `folder`.
fn part_path(folder: &Path, i: usize) -> PathBuf {
    folder.join(format!("{i}.bin"))
}

/// Whether every part of `indices` of `step` is stored in `dir`.
#[must_use]
pub fn parts_stored(dir: &Path, step: &str, indices: &[usize]) -> bool {
    let folder = step_dir(dir, step);
    indices.iter().all(|&i| part_path(&folder, i).is_file())
}

fn compute_all<T, F>(indices: &[usize], order: Order, compute: &F) -> Result<Vec<T>, StudyError>
where
    T: Send,
    F: Fn(usize) -> Result<T, StudyError> + Sync,
{
    match order {
        Order::Parallel => indices.par_iter().map(|&i| compute(i)).collect(),
        Order::InTurn => indices.iter().map(|&i| compute(i)).collect(),
    }
}

/// A stored part, or None when it is missing or unreadable (then it is computed again).
fn read_part<T: DeserializeOwned>(path: &Path) -> Option<T> {
    let bytes = std::fs::read(path).ok()?;
    let (value, used) = bincode::serde::decode_from_slice(&bytes, bincode::config::standard()).ok()?;
    (used == bytes.len()).then_some(value)
}

fn encode<T: Serialize>(part: &T) -> Result<Vec<u8>, StudyError> {
    bincode::serde::encode_to_vec(part, bincode::config::standard())
        .map_err(|e| StudyError::PartsStore { reason: format!("encoding a part: {e}") })
}

/// Writes each part atomically: a reader sees a whole part or none.
fn store_all<T: Serialize>(folder: &Path, indices: &[usize], parts: &[T]) -> Result<(), StudyError> {
    if indices.is_empty() {
        return Ok(());
    }
    let failed = |e: std::io::Error| StudyError::PartsStore { reason: format!("{}: {e}", folder.display()) };
    std::fs::create_dir_all(folder).map_err(failed)?;
    for (&i, part) in indices.iter().zip(parts) {
        crate::atomic::write_file(&part_path(folder, i), &encode(part)?).map_err(failed)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_round_trip_every_bit() {
        let dir = tempfile::tempdir().expect("tempdir");
        let values = vec![(0.1_f64, f64::NAN, Some(-0.0_f64)), (f64::INFINITY, 1e-310, None)];
        store_all(dir.path(), &[3, 7], &values).expect("store");
        let back: Vec<(f64, f64, Option<f64>)> =
            [3, 7].iter().map(|i| read_part(&part_path(dir.path(), *i)).expect("read")).collect();
        for (a, b) in values.iter().zip(&back) {
            assert_eq!(a.0.to_bits(), b.0.to_bits());
            assert_eq!(a.1.to_bits(), b.1.to_bits());
            assert_eq!(a.2.map(f64::to_bits), b.2.map(f64::to_bits));
        }
        // A truncated or foreign file is not a part.
        std::fs::write(part_path(dir.path(), 3), [1u8]).expect("write");
        assert!(read_part::<(f64, f64, Option<f64>)>(&part_path(dir.path(), 3)).is_none());
    }

    #[test]
    fn step_names_stay_one_path_component() {
        let dir = Path::new("/parts");
        assert_eq!(step_dir(dir, "compare.models[2]/boot strap"), Path::new("/parts/compare.models_2__boot_strap"));
    }
}

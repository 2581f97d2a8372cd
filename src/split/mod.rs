//! Seeded train/validation/test splits, feature scaling fitted on training rows, and resampling
//! indices for stability studies.
//!
//! Every function takes its random stream as `&mut ChaCha8Rng` (from `Seed::rng_for`), so a
//! split depends only on the seed and the row order (sorted file paths), never on threads.

mod error;
mod folds;
mod scale;
mod seed;

use std::collections::BTreeMap;

use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

pub use error::SplitError;
pub use folds::{group_kfold, leave_one_group_out, Fold};
pub use scale::{standardize, standardize_per_group, Standardizer};
pub use seed::Seed;

/// One of the three parts of the split, or training and validation together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SplitName {
    /// Training rows.
    Train,
    /// Validation rows.
    Val,
    /// Test rows.
    Test,
    /// Training and validation rows together: where a final model is fitted once the
    /// validation rows have done their job (the notebook's §8 `X_combined`), test rows held out.
    TrainVal,
    /// Every row, as the notebook fitted its §4 k-means on PCA scores (faithful: nothing is
    /// held out).
    All,
}

impl SplitName {
    /// The three parts every row belongs to one of.
    pub const PARTS: [SplitName; 3] = [SplitName::Train, SplitName::Val, SplitName::Test];

    /// The name used in files and metric keys.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Train => "train",
            Self::Val => "val",
            Self::Test => "test",
            Self::TrainVal => "train_val",
            Self::All => "all",
        }
    }

    /// How figure titles name the rows: `the train split`, `the train + val rows`, `every row`.
    #[must_use]
    pub fn phrase(self) -> &'static str {
        match self {
            Self::Train => "the train split",
            Self::Val => "the val split",
            Self::Test => "the test split",
            Self::TrainVal => "the train + val rows",
            Self::All => "every row",
        }
    }

    /// Whether the two splits share any part.
    #[must_use]
    pub fn overlaps(self, other: SplitName) -> bool {
        Self::PARTS.iter().any(|&part| self.contains(part) && other.contains(part))
    }

    /// Whether this split includes all the rows of the part `part`.
    #[must_use]
    pub fn contains(self, part: SplitName) -> bool {
        self == part || self == Self::All || (self == Self::TrainVal && matches!(part, Self::Train | Self::Val))
    }
}

/// Row indices (into the feature matrix) of each part of a split, each sorted ascending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitIndices {
    train: Vec<usize>,
    val: Vec<usize>,
    test: Vec<usize>,
    /// `train` and `val` merged, sorted.
    train_val: Vec<usize>,
    /// Every row, sorted.
    all: Vec<usize>,
}

impl SplitIndices {
    /// A split from the rows of each part (each sorted ascending, disjoint).
    #[must_use]
    pub fn new(train: Vec<usize>, val: Vec<usize>, test: Vec<usize>) -> Self {
        let mut train_val: Vec<usize> = train.iter().chain(&val).copied().collect();
        train_val.sort_unstable();
        let mut all: Vec<usize> = train_val.iter().chain(&test).copied().collect();
        all.sort_unstable();
        Self { train, val, test, train_val, all }
    }

    /// The rows of one part (or of train and val together).
    #[must_use]
    pub fn rows(&self, part: SplitName) -> &[usize] {
        match part {
            SplitName::Train => &self.train,
            SplitName::Val => &self.val,
            SplitName::Test => &self.test,
            SplitName::TrainVal => &self.train_val,
            SplitName::All => &self.all,
        }
    }

    /// Which part each of `n_rows` rows belongs to.
    #[must_use]
    pub fn part_of_rows(&self, n_rows: usize) -> Vec<Option<SplitName>> {
        let mut parts = vec![None; n_rows];
        for part in SplitName::PARTS {
            for &row in self.rows(part) {
                parts[row] = Some(part);
            }
        }
        parts
    }
}

/// Row counts of train, val and test for `n` rows, as scikit-learn's two `train_test_split`
/// calls of the notebook allocate them: the held-out part is `ceil((f_val + f_test)·n)`, of
/// which test takes `ceil(f_test / (f_val + f_test) · held_out)`. 192 rows at 60/20/20 give
/// 115/38/39, the notebook's split sizes.
#[must_use]
pub fn part_sizes(n: usize, fractions: [f64; 3]) -> [usize; 3] {
    let held_out_fraction = fractions[1] + fractions[2];
    let held_out = ((held_out_fraction * n as f64) - 1e-9).ceil().max(0.0) as usize;
    let held_out = held_out.min(n);
    let test = ((fractions[2] / held_out_fraction * held_out as f64) - 1e-9).ceil().max(0.0) as usize;
    let test = test.min(held_out);
    [n - held_out, held_out - test, test]
}

/// Splits `n_rows` rows into train/val/test.
///
/// - Without `groups` or `strata`: the rows are shuffled and cut into [`part_sizes`].
/// - With `strata` only: each stratum (sorted by value) is shuffled and cut the same way, so
///   every part keeps the class proportions (up to rounding).
/// - With `groups`: whole groups (e.g. every clip of one actor) go to one part, so no group is
///   in two parts. Groups are shuffled and each goes to the part furthest below its target
///   row count — per class when `strata` is also given, which keeps the class mix too. Part
///   sizes then match the fractions only up to a group's size.
pub fn split_rows(
    n_rows: usize,
    fractions: [f64; 3],
    groups: Option<&[String]>,
    strata: Option<&[String]>,
    rng: &mut ChaCha8Rng,
) -> Result<SplitIndices, SplitError> {
    for (name, column) in [("group", groups), ("stratify", strata)] {
        if let Some(values) = column {
            if values.len() != n_rows {
                return Err(SplitError::ColumnLength { column: name, n_values: values.len(), n_rows });
            }
        }
    }
    let mut parts: [Vec<usize>; 3] = match (groups, strata) {
        (None, None) => cut_shuffled((0..n_rows).collect(), fractions, rng),
        (None, Some(strata)) => {
            let mut parts: [Vec<usize>; 3] = Default::default();
            for rows in rows_by_value(strata).into_values() {
                for (part, rows) in parts.iter_mut().zip(cut_shuffled(rows, fractions, rng)) {
                    part.extend(rows);
                }
            }
            parts
        }
        (Some(groups), strata) => assign_groups(groups, strata, fractions, rng),
    };
    for (part, name) in parts.iter_mut().zip(["train", "val", "test"]) {
        if part.is_empty() {
            return Err(SplitError::EmptyPart { part: name, n_rows });
        }
        part.sort_unstable();
    }
    let [train, val, test] = parts;
    Ok(SplitIndices::new(train, val, test))
}

/// Row indices grouped by value, values in sorted order, rows ascending.
fn rows_by_value(values: &[String]) -> BTreeMap<&str, Vec<usize>> {
    let mut by_value: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (row, value) in values.iter().enumerate() {
        by_value.entry(value.as_str()).or_default().push(row);
    }
    by_value
}

fn cut_shuffled(mut rows: Vec<usize>, fractions: [f64; 3], rng: &mut ChaCha8Rng) -> [Vec<usize>; 3] {
    rows.shuffle(rng);
    let [n_train, n_val, _] = part_sizes(rows.len(), fractions);
    let test = rows.split_off(n_train + n_val);
    let val = rows.split_off(n_train);
    [rows, val, test]
}

/// Greedy group assignment: each group (in shuffled order) goes to the part with the largest
/// shortfall against its target, counted per stratum when strata are given.
fn assign_groups(
    groups: &[String],
    strata: Option<&[String]>,
    fractions: [f64; 3],
    rng: &mut ChaCha8Rng,
) -> [Vec<usize>; 3] {
    let by_group = rows_by_value(groups);
    let mut group_rows: Vec<&Vec<usize>> = by_group.values().collect();
    group_rows.shuffle(rng);
    let stratum_of = |row: usize| strata.map_or("", |s| s[row].as_str());
    let mut stratum_sizes: BTreeMap<&str, f64> = BTreeMap::new();
    for row in 0..groups.len() {
        *stratum_sizes.entry(stratum_of(row)).or_default() += 1.0;
    }
    let mut filled: [BTreeMap<&str, f64>; 3] = Default::default();
    let mut parts: [Vec<usize>; 3] = Default::default();
    for rows in group_rows {
        let mut need: BTreeMap<&str, f64> = BTreeMap::new();
        for &row in rows {
            *need.entry(stratum_of(row)).or_default() += 1.0;
        }
        // Shortfall of part p for this group's strata, relative to the part's target size.
        let shortfall = |p: usize| -> f64 {
            need.keys()
                .map(|s| (fractions[p] * stratum_sizes[s] - filled[p].get(s).copied().unwrap_or(0.0)) / fractions[p])
                .sum()
        };
        // A tiny random tie-break keeps equal shortfalls from always favouring train.
        let jitter: [f64; 3] = [rng.gen::<f64>() * 1e-9, rng.gen::<f64>() * 1e-9, rng.gen::<f64>() * 1e-9];
        let best = (0..3)
            .max_by(|&a, &b| (shortfall(a) + jitter[a]).total_cmp(&(shortfall(b) + jitter[b])))
            .expect("three parts");
        for (stratum, count) in need {
            *filled[best].entry(stratum).or_default() += count;
        }
        parts[best].extend(rows.iter().copied());
    }
    parts
}

/// `n` row positions drawn with replacement from `0..n` (a bootstrap replicate), in draw order.
#[must_use]
pub fn bootstrap_indices(n: usize, rng: &mut ChaCha8Rng) -> Vec<usize> {
    (0..n).map(|_| rng.gen_range(0..n)).collect()
}

/// `floor(fraction·n)` distinct positions of `0..n` drawn without replacement, sorted.
#[must_use]
pub fn subsample_indices(n: usize, fraction: f64, rng: &mut ChaCha8Rng) -> Vec<usize> {
    let size = ((fraction * n as f64) + 1e-9).floor() as usize;
    let mut rows = rand::seq::index::sample(rng, n, size.min(n)).into_vec();
    rows.sort_unstable();
    rows
}

#[cfg(test)]
mod tests;

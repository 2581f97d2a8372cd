//! The `[[study]]` tables of a spec: what each study fits and how.

use serde::{Deserialize, Serialize};

use super::SpecError;

/// One study of an experiment, selected by `kind`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StudySpec {
    /// Silhouette over a range of k and the inertia elbow (the notebook's §4 sweep).
    KSweep(KSweepSpec),
    /// Hyperparameter grid scored on a held-out split, plus internal metrics of the chosen model.
    Grid(GridSpec),
    /// Many single-initialisation fits: mean and range of each metric.
    Repeat(RepeatSpec),
}

/// Which clustering model a study fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClusterModel {
    /// k-means (linfa).
    Kmeans,
}

/// One of the three parts of the split.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SplitName {
    /// Training rows.
    Train,
    /// Validation rows.
    Val,
    /// Test rows.
    Test,
}

impl SplitName {
    /// The name used in files and metric keys.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Train => "train",
            Self::Val => "val",
            Self::Test => "test",
        }
    }
}

/// An inclusive range of cluster counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KRange {
    /// Smallest k.
    pub from: usize,
    /// Largest k (inclusive).
    pub to: usize,
}

impl KRange {
    /// The values of k, ascending.
    pub fn values(self) -> impl Iterator<Item = usize> {
        self.from..=self.to
    }

    fn validate(self, field: &str, min: usize) -> Result<(), SpecError> {
        if self.from < min || self.to < self.from {
            return Err(SpecError::invalid(
                field,
                format!("needs {min} ≤ from ≤ to, got from = {}, to = {}", self.from, self.to),
            ));
        }
        Ok(())
    }
}

/// A fixed k, or the k with the best silhouette in an earlier `k_sweep` study.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum KChoice {
    /// This many clusters.
    Fixed(usize),
    /// `"best_from_sweep"`: the first argmax of the silhouette curve of the last earlier sweep.
    Named(NamedK),
}

/// Symbolic choices of k.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NamedK {
    /// The best silhouette of the preceding `k_sweep` (the notebook's `optimal_clusters`).
    BestFromSweep,
}

impl Default for KChoice {
    fn default() -> Self {
        Self::Named(NamedK::BestFromSweep)
    }
}

impl KChoice {
    fn validate(self, field: &str, earlier: &[StudySpec]) -> Result<(), SpecError> {
        match self {
            Self::Fixed(k) if k < 2 => Err(SpecError::invalid(field, format!("needs k ≥ 2, got {k}"))),
            Self::Named(NamedK::BestFromSweep) if !earlier.iter().any(|s| matches!(s, StudySpec::KSweep(_))) => {
                Err(SpecError::invalid(field, "\"best_from_sweep\" needs a k_sweep study earlier in the spec"))
            }
            _ => Ok(()),
        }
    }
}

/// k-means initialisation, named as scikit-learn names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum KMeansInit {
    /// k-means++ seeding.
    #[serde(rename = "k-means++")]
    KMeansPlusPlus,
    /// k rows drawn at random.
    #[serde(rename = "random")]
    Random,
}

impl KMeansInit {
    /// scikit-learn's name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::KMeansPlusPlus => "k-means++",
            Self::Random => "random",
        }
    }
}

/// Settings of one k-means fit, in scikit-learn's terms (mapped onto linfa in `models`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KMeansSettings {
    /// Initialisation. Default: `"k-means++"`.
    pub init: KMeansInit,
    /// Initialisations tried; the lowest inertia wins. Default: 10 (scikit-learn < 1.4).
    pub n_init: usize,
    /// Iteration cap per initialisation. Default: 300.
    pub max_iter: usize,
    /// Relative tolerance (scikit-learn's `tol`, scaled by the mean feature variance). Default: 1e-4.
    pub tol: f64,
}

impl Default for KMeansSettings {
    fn default() -> Self {
        Self { init: KMeansInit::KMeansPlusPlus, n_init: 10, max_iter: 300, tol: 1e-4 }
    }
}

impl KMeansSettings {
    fn validate(&self, field: &str) -> Result<(), SpecError> {
        if self.n_init == 0 {
            return Err(SpecError::invalid(format!("{field}.n_init"), "must be ≥ 1"));
        }
        if self.max_iter == 0 {
            return Err(SpecError::invalid(format!("{field}.max_iter"), "must be ≥ 1"));
        }
        if !(self.tol.is_finite() && self.tol > 0.0) {
            return Err(SpecError::invalid(format!("{field}.tol"), format!("must be > 0, got {}", self.tol)));
        }
        Ok(())
    }
}

/// `kind = "k_sweep"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KSweepSpec {
    /// Model. Default: `kmeans`.
    pub model: ClusterModel,
    /// k values scored by silhouette. Default: 2..=14.
    pub k: KRange,
    /// k values of the inertia elbow. Default: 1..=14.
    pub elbow_k: KRange,
    /// Split the models are fitted and scored on. Default: `train`.
    pub on: SplitName,
    /// Fit settings. Default: k-means++, n_init 10, max_iter 300, tol 1e-4.
    pub kmeans: KMeansSettings,
}

impl Default for KSweepSpec {
    fn default() -> Self {
        Self {
            model: ClusterModel::Kmeans,
            k: KRange { from: 2, to: 14 },
            elbow_k: KRange { from: 1, to: 14 },
            on: SplitName::Train,
            kmeans: KMeansSettings::default(),
        }
    }
}

/// The grid of k-means settings (every combination is fitted).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KmeansGrid {
    /// Default: `["k-means++", "random"]`.
    pub init: Vec<KMeansInit>,
    /// Default: `[10, 20, 30]`.
    pub n_init: Vec<usize>,
    /// Default: `[300, 500, 1000]`.
    pub max_iter: Vec<usize>,
    /// Default: `[1e-4, 1e-3, 1e-2]`.
    pub tol: Vec<f64>,
}

impl Default for KmeansGrid {
    fn default() -> Self {
        Self {
            init: vec![KMeansInit::KMeansPlusPlus, KMeansInit::Random],
            n_init: vec![10, 20, 30],
            max_iter: vec![300, 500, 1000],
            tol: vec![1e-4, 1e-3, 1e-2],
        }
    }
}

impl KmeansGrid {
    /// Every combination, in the notebook's loop order (init, n_init, max_iter, tol).
    #[must_use]
    pub fn cells(&self) -> Vec<KMeansSettings> {
        let mut cells = Vec::new();
        for &init in &self.init {
            for &n_init in &self.n_init {
                for &max_iter in &self.max_iter {
                    for &tol in &self.tol {
                        cells.push(KMeansSettings { init, n_init, max_iter, tol });
                    }
                }
            }
        }
        cells
    }
}

/// Which grid model the internal metrics describe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GridEvaluate {
    /// The best-scoring cell (the corrected default).
    Best,
    /// The last cell of the loop, as the notebook's evaluation cell did by mistake (faithful).
    LastAsNotebook,
}

/// `kind = "grid"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GridSpec {
    /// Model. Default: `kmeans`.
    pub model: ClusterModel,
    /// k of every cell. Default: `"best_from_sweep"`.
    pub k: KChoice,
    /// The settings grid. Default: the notebook's 54 combinations.
    pub grid: KmeansGrid,
    /// Split the cells are fitted on. Default: `train`.
    pub fit_on: SplitName,
    /// Split whose silhouette (of the model's assignments) scores each cell. Default: `val`.
    pub score_on: SplitName,
    /// Which model the internal metrics on `fit_on` describe. Default: `best`.
    pub evaluate: GridEvaluate,
}

impl Default for GridSpec {
    fn default() -> Self {
        Self {
            model: ClusterModel::Kmeans,
            k: KChoice::default(),
            grid: KmeansGrid::default(),
            fit_on: SplitName::Train,
            score_on: SplitName::Val,
            evaluate: GridEvaluate::Best,
        }
    }
}

/// `kind = "repeat"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RepeatSpec {
    /// Model. Default: `kmeans`.
    pub model: ClusterModel,
    /// k of every fit. Default: `"best_from_sweep"`.
    pub k: KChoice,
    /// Number of fits, each with its own random stream. Default: 100.
    pub n: usize,
    /// Split the fits are made and scored on. Default: `train`.
    pub on: SplitName,
    /// Fit settings. Default: the notebook's single random start (random, n_init 1).
    pub kmeans: KMeansSettings,
}

impl Default for RepeatSpec {
    fn default() -> Self {
        Self {
            model: ClusterModel::Kmeans,
            k: KChoice::default(),
            n: 100,
            on: SplitName::Train,
            kmeans: KMeansSettings { init: KMeansInit::Random, n_init: 1, ..KMeansSettings::default() },
        }
    }
}

impl StudySpec {
    /// The study's kind as written in specs.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::KSweep(_) => "k_sweep",
            Self::Grid(_) => "grid",
            Self::Repeat(_) => "repeat",
        }
    }

    /// Checks the study's values; `earlier` are the studies before it (for `best_from_sweep`).
    pub(super) fn validate(&self, field: &str, earlier: &[StudySpec]) -> Result<(), SpecError> {
        match self {
            Self::KSweep(s) => {
                s.k.validate(&format!("{field}.k"), 2)?;
                s.elbow_k.validate(&format!("{field}.elbow_k"), 1)?;
                s.kmeans.validate(&format!("{field}.kmeans"))
            }
            Self::Grid(s) => {
                s.k.validate(&format!("{field}.k"), earlier)?;
                let g = &s.grid;
                for (name, empty) in [
                    ("init", g.init.is_empty()),
                    ("n_init", g.n_init.is_empty()),
                    ("max_iter", g.max_iter.is_empty()),
                    ("tol", g.tol.is_empty()),
                ] {
                    if empty {
                        return Err(SpecError::invalid(format!("{field}.grid.{name}"), "needs at least one value"));
                    }
                }
                for (i, cell) in g.cells().iter().enumerate() {
                    cell.validate(&format!("{field}.grid[cell {i}]"))?;
                }
                Ok(())
            }
            Self::Repeat(s) => {
                s.k.validate(&format!("{field}.k"), earlier)?;
                if s.n == 0 {
                    return Err(SpecError::invalid(format!("{field}.n"), "must be ≥ 1"));
                }
                s.kmeans.validate(&format!("{field}.kmeans"))
            }
        }
    }
}

//! The `[[study]]` tables of a spec: what each study fits and how.

use serde::{Deserialize, Serialize};

use super::{KMeansInit, KMeansSettings, SpecError, SplitName};
use crate::models::{ModelError, TsneParams};

/// A model's own parameter error, as a spec error at `field` (`study[1].kmeans` + `n_init`).
fn at_field(field: &str, error: ModelError) -> SpecError {
    match error {
        ModelError::InvalidParam { param, rule, value } => {
            SpecError::invalid(format!("{field}.{param}"), format!("{rule}, got {value}"))
        }
        other => SpecError::invalid(field, other.to_string()),
    }
}

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
    /// Fits on bootstrap resamples: mean, range and 95 % interval of each metric.
    Bootstrap(BootstrapSpec),
    /// Fits on random subsamples compared pairwise (mean pairwise ARI) and a consensus matrix.
    Consensus(ConsensusSpec),
    /// Several models at one k on one split, with stability and external validation: the
    /// notebook's executive summary.
    Compare(CompareSpec),
    /// PCA views: 2-D/3-D projections, scree and cumulative explained variance, loadings.
    Pca(PcaSpec),
    /// A 2-D view of one split by PCA or t-SNE, coloured by every validation label, with the
    /// view's trustworthiness.
    Projection(ProjectionSpec),
}

/// Which clustering model a study fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClusterModel {
    /// k-means (linfa).
    Kmeans,
    /// Agglomerative (hierarchical) clustering (kodama), cut to k clusters.
    Agglomerative,
    /// Spectral clustering: affinity graph, normalised Laplacian embedding, k-means on it.
    Spectral,
}

impl ClusterModel {
    /// The name used in specs, metric keys and files.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Kmeans => "kmeans",
            Self::Agglomerative => "agglomerative",
            Self::Spectral => "spectral",
        }
    }
}

/// Linkage of agglomerative clustering (scikit-learn's names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkageName {
    /// Ward's minimum variance (scikit-learn's default).
    Ward,
    /// Maximum distance.
    Complete,
    /// Mean distance.
    Average,
    /// Minimum distance.
    Single,
}

/// How rows outside the fitted split get an agglomerative cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HoldoutRule {
    /// Nearest training-cluster centroid (the corrected default).
    NearestCentroid,
    /// Refit a new model on the held-out rows, as the notebook did (faithful; its clusters are
    /// unrelated to the training clusters).
    RefitAsNotebook,
}

/// Settings of agglomerative clustering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AgglomerativeSettings {
    /// Linkage. Default: `ward` (scikit-learn's and the notebook's).
    pub linkage: LinkageName,
    /// Out-of-sample rule for val/test rows. Default: `nearest_centroid`.
    pub holdout: HoldoutRule,
}

impl Default for AgglomerativeSettings {
    fn default() -> Self {
        Self { linkage: LinkageName::Ward, holdout: HoldoutRule::NearestCentroid }
    }
}

/// Affinity graph of spectral clustering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AffinityName {
    /// Symmetrised k-nearest-neighbour connectivity (the notebook's choice).
    NearestNeighbors,
    /// Gaussian kernel `exp(−gamma·‖x − y‖²)`.
    Rbf,
}

/// Settings of spectral clustering (scikit-learn's names).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SpectralSettings {
    /// Affinity. Default: `nearest_neighbors`.
    pub affinity: AffinityName,
    /// Neighbours of the kNN graph. Default: 10.
    pub n_neighbors: usize,
    /// RBF kernel coefficient. Default: 1.0.
    pub gamma: f64,
    /// k-means restarts on the embedding. Default: 10.
    pub n_init: usize,
}

impl Default for SpectralSettings {
    fn default() -> Self {
        Self { affinity: AffinityName::NearestNeighbors, n_neighbors: 10, gamma: 1.0, n_init: 10 }
    }
}

impl SpectralSettings {
    fn validate(&self, field: &str) -> Result<(), SpecError> {
        if self.n_neighbors == 0 {
            return Err(SpecError::invalid(format!("{field}.n_neighbors"), "must be ≥ 1"));
        }
        if !(self.gamma.is_finite() && self.gamma > 0.0) {
            return Err(SpecError::invalid(format!("{field}.gamma"), format!("must be > 0, got {}", self.gamma)));
        }
        if self.n_init == 0 {
            return Err(SpecError::invalid(format!("{field}.n_init"), "must be ≥ 1"));
        }
        Ok(())
    }
}

/// The settings of every model a study may fit.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ModelSettings {
    /// k-means settings.
    pub kmeans: KMeansSettings,
    /// Agglomerative settings.
    pub agglomerative: AgglomerativeSettings,
    /// Spectral settings.
    pub spectral: SpectralSettings,
}

impl ModelSettings {
    fn validate(&self, field: &str) -> Result<(), SpecError> {
        self.kmeans.validate().map_err(|e| at_field(&format!("{field}.kmeans"), e))?;
        self.spectral.validate(&format!("{field}.spectral"))
    }

    /// A short `key=value;...` description of the settings that matter for `model`.
    #[must_use]
    pub fn describe(&self, model: ClusterModel) -> String {
        match model {
            ClusterModel::Kmeans => self.kmeans.describe(),
            ClusterModel::Agglomerative => format!("linkage={:?}", self.agglomerative.linkage).to_lowercase(),
            ClusterModel::Spectral => {
                let s = &self.spectral;
                match s.affinity {
                    AffinityName::NearestNeighbors => {
                        format!("affinity=nearest_neighbors;n_neighbors={}", s.n_neighbors)
                    }
                    AffinityName::Rbf => format!("affinity=rbf;gamma={}", s.gamma),
                }
            }
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

/// A number of clusters a study asks for (see [`StudySpec::k_demands`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KDemand {
    /// The field, relative to the study (`k`, `k.to` ...).
    pub field: &'static str,
    /// Clusters asked for.
    pub k: usize,
    /// Rows the split must have.
    pub min_rows: usize,
    /// The split the model is fitted on.
    pub split: SplitName,
}

/// A fixed k, or the k with the best silhouette in an earlier `k_sweep` study.
///
/// Written as a whole number (`k = 4`) or `k = "best_from_sweep"`; anything else is refused
/// with a message that says so (serde's untagged enums only say "did not match any variant").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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

impl<'de> Deserialize<'de> for KChoice {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(KChoiceVisitor)
    }
}

struct KChoiceVisitor;

impl serde::de::Visitor<'_> for KChoiceVisitor {
    type Value = KChoice;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a number of clusters ≥ 2 (e.g. k = 4) or \"best_from_sweep\"")
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<KChoice, E> {
        usize::try_from(v).map(KChoice::Fixed).map_err(|_| E::custom(format!("k = {v} is far too large")))
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<KChoice, E> {
        match u64::try_from(v) {
            Ok(v) => self.visit_u64(v),
            Err(_) => {
                Err(E::custom(format!("k = {v}: k is a number of clusters ≥ 2 (e.g. k = 4) or \"best_from_sweep\"")))
            }
        }
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<KChoice, E> {
        match v {
            "best_from_sweep" => Ok(KChoice::Named(NamedK::BestFromSweep)),
            other => Err(E::custom(format!(
                "k = {other:?}: k is a number of clusters ≥ 2 (e.g. k = 4) or \"best_from_sweep\""
            ))),
        }
    }
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

/// `kind = "repeat"`: the same model refitted with `n` independent random streams.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RepeatSpec {
    /// Model (a seeded one: `kmeans` or `spectral`). Default: `kmeans`.
    pub model: ClusterModel,
    /// k of every fit. Default: `"best_from_sweep"`.
    pub k: KChoice,
    /// Number of fits, each with its own random stream. Default: 100.
    pub n: usize,
    /// Split the fits are made and scored on. Default: `train`.
    pub on: SplitName,
    /// k-means settings. Default: the notebook's single random start (random, n_init 1).
    pub kmeans: KMeansSettings,
    /// Spectral settings. Default: kNN affinity, 10 neighbours.
    pub spectral: SpectralSettings,
}

impl Default for RepeatSpec {
    fn default() -> Self {
        Self {
            model: ClusterModel::Kmeans,
            k: KChoice::default(),
            n: 100,
            on: SplitName::Train,
            kmeans: KMeansSettings { init: KMeansInit::Random, n_init: 1, ..KMeansSettings::default() },
            spectral: SpectralSettings::default(),
        }
    }
}

impl RepeatSpec {
    /// The model settings of this study.
    #[must_use]
    pub fn settings(&self) -> ModelSettings {
        ModelSettings { kmeans: self.kmeans, spectral: self.spectral, ..ModelSettings::default() }
    }
}

/// `kind = "bootstrap"`: fits on `n` resamples (with replacement) of one split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BootstrapSpec {
    /// Model. Default: `agglomerative` (the notebook bootstrapped agglomerative and spectral).
    pub model: ClusterModel,
    /// k. Default: 4 (the notebook's hard-coded k for these studies).
    pub k: KChoice,
    /// Replicates. Default: 100.
    pub n: usize,
    /// Split resampled. Default: `train`.
    pub on: SplitName,
    /// k-means settings (when `model = "kmeans"`).
    pub kmeans: KMeansSettings,
    /// Agglomerative settings (when `model = "agglomerative"`).
    pub agglomerative: AgglomerativeSettings,
    /// Spectral settings (when `model = "spectral"`).
    pub spectral: SpectralSettings,
}

impl Default for BootstrapSpec {
    fn default() -> Self {
        Self {
            model: ClusterModel::Agglomerative,
            k: KChoice::Fixed(4),
            n: 100,
            on: SplitName::Train,
            kmeans: KMeansSettings::default(),
            agglomerative: AgglomerativeSettings::default(),
            spectral: SpectralSettings::default(),
        }
    }
}

/// The model settings of a study with `kmeans`, `agglomerative` and `spectral` fields.
macro_rules! model_settings {
    ($($study:ty),*) => {$(
        impl $study {
            /// The model settings of this study.
            #[must_use]
            pub fn settings(&self) -> ModelSettings {
                ModelSettings { kmeans: self.kmeans, agglomerative: self.agglomerative, spectral: self.spectral }
            }
        }
    )*};
}
model_settings!(BootstrapSpec, ConsensusSpec, CompareSpec);

/// How consensus compares the labellings of two subsamples.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsensusMethod {
    /// ARI on the recordings both subsamples contain (the corrected default).
    SharedRows,
    /// Position by position, comparing *different* recordings, as the notebook did (faithful;
    /// ≈ 0 by construction).
    PositionalAsNotebook,
}

/// `kind = "consensus"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConsensusSpec {
    /// Model. Default: `kmeans`.
    pub model: ClusterModel,
    /// k. Default: 4.
    pub k: KChoice,
    /// Number of subsamples. Default: 30.
    pub n_subsamples: usize,
    /// Fraction of the split's rows in each subsample (drawn without replacement). Default: 0.8.
    pub fraction: f64,
    /// Split subsampled. Default: `train`.
    pub on: SplitName,
    /// How two subsamples' labellings are compared. Default: `shared_rows`.
    pub method: ConsensusMethod,
    /// k-means settings.
    pub kmeans: KMeansSettings,
    /// Agglomerative settings.
    pub agglomerative: AgglomerativeSettings,
    /// Spectral settings.
    pub spectral: SpectralSettings,
}

impl Default for ConsensusSpec {
    fn default() -> Self {
        Self {
            model: ClusterModel::Kmeans,
            k: KChoice::Fixed(4),
            n_subsamples: 30,
            fraction: 0.8,
            on: SplitName::Train,
            method: ConsensusMethod::SharedRows,
            kmeans: KMeansSettings::default(),
            agglomerative: AgglomerativeSettings::default(),
            spectral: SpectralSettings::default(),
        }
    }
}

/// `kind = "compare"`: the executive summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CompareSpec {
    /// Models compared. Default: kmeans, agglomerative (ward), spectral.
    pub models: Vec<ClusterModel>,
    /// k of every model. Default: 4.
    pub k: KChoice,
    /// Split fitted and scored. Default: `train`.
    pub on: SplitName,
    /// Bootstrap replicates per model for the stability columns (0 = none). Default: 100.
    pub bootstrap: usize,
    /// k-means settings.
    pub kmeans: KMeansSettings,
    /// Agglomerative settings.
    pub agglomerative: AgglomerativeSettings,
    /// Spectral settings.
    pub spectral: SpectralSettings,
}

impl Default for CompareSpec {
    fn default() -> Self {
        Self {
            models: vec![ClusterModel::Kmeans, ClusterModel::Agglomerative, ClusterModel::Spectral],
            k: KChoice::Fixed(4),
            on: SplitName::Train,
            bootstrap: 100,
            kmeans: KMeansSettings::default(),
            agglomerative: AgglomerativeSettings::default(),
            spectral: SpectralSettings::default(),
        }
    }
}

/// `kind = "pca"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PcaSpec {
    /// Split projected. Default: `train`.
    pub on: SplitName,
    /// Components computed for the scree plot and loadings (capped at the data's rank).
    /// Default: 10.
    pub n_components: usize,
    /// A `labels.csv` column to colour the 2-D/3-D views by (else: one colour). Default: none.
    pub color_by: Option<String>,
}

impl Default for PcaSpec {
    fn default() -> Self {
        Self { on: SplitName::Train, n_components: 10, color_by: None }
    }
}

/// How a `projection` study maps rows to 2-D.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProjectionMethod {
    /// The first two principal components (exact PCA).
    Pca,
    /// t-SNE (exact gradient; settings in `tsne`).
    Tsne,
}

impl ProjectionMethod {
    /// The name used in specs, metric keys and files.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pca => "pca",
            Self::Tsne => "tsne",
        }
    }
}

/// `kind = "projection"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProjectionSpec {
    /// `pca` or `tsne`. Default: `tsne`.
    pub method: ProjectionMethod,
    /// Split projected. Default: `train`.
    pub on: SplitName,
    /// t-SNE settings, under scikit-learn's names (`perplexity`, `learning_rate`, `max_iter`,
    /// `early_exaggeration`, `init`, ...); only with `method = "tsne"`. Default: scikit-learn's.
    pub tsne: TsneParams,
    /// Neighbours counted by the trustworthiness score (`sklearn.manifold.trustworthiness`).
    /// Default: 5.
    pub trustworthiness_neighbors: usize,
}

impl Default for ProjectionSpec {
    fn default() -> Self {
        Self {
            method: ProjectionMethod::Tsne,
            on: SplitName::Train,
            tsne: TsneParams::default(),
            trustworthiness_neighbors: 5,
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
            Self::Bootstrap(_) => "bootstrap",
            Self::Consensus(_) => "consensus",
            Self::Compare(_) => "compare",
            Self::Pca(_) => "pca",
            Self::Projection(_) => "projection",
        }
    }

    /// The cluster counts this study will fit, each with the spec field that asks for it, the
    /// split it is fitted on and the rows that needs: what can be checked against the corpus
    /// size before any work.
    #[must_use]
    pub fn k_demands(&self) -> Vec<KDemand> {
        // A fitted model needs k < rows (silhouette needs k ≤ n − 1); a sweep skips the
        // undefined silhouette of k = n, so it needs only k ≤ rows.
        let fixed = |field, k: KChoice, split| match k {
            KChoice::Fixed(k) => vec![KDemand { field, k, min_rows: k + 1, split }],
            KChoice::Named(_) => Vec::new(),
        };
        match self {
            Self::KSweep(s) => vec![
                KDemand { field: "k.to", k: s.k.to, min_rows: s.k.to, split: s.on },
                KDemand { field: "elbow_k.to", k: s.elbow_k.to, min_rows: s.elbow_k.to, split: s.on },
            ],
            Self::Grid(s) => fixed("k", s.k, s.fit_on),
            Self::Repeat(RepeatSpec { k, on, .. })
            | Self::Bootstrap(BootstrapSpec { k, on, .. })
            | Self::Consensus(ConsensusSpec { k, on, .. })
            | Self::Compare(CompareSpec { k, on, .. }) => fixed("k", *k, *on),
            Self::Pca(_) | Self::Projection(_) => Vec::new(),
        }
    }

    /// Checks the study's values; `earlier` are the studies before it (for `best_from_sweep`).
    pub(super) fn validate(&self, field: &str, earlier: &[StudySpec]) -> Result<(), SpecError> {
        match self {
            Self::KSweep(s) => {
                s.k.validate(&format!("{field}.k"), 2)?;
                s.elbow_k.validate(&format!("{field}.elbow_k"), 1)?;
                s.kmeans.validate().map_err(|e| at_field(&format!("{field}.kmeans"), e))
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
                    cell.validate().map_err(|e| at_field(&format!("{field}.grid[cell {i}]"), e))?;
                }
                Ok(())
            }
            Self::Repeat(s) => {
                s.k.validate(&format!("{field}.k"), earlier)?;
                if s.n == 0 {
                    return Err(SpecError::invalid(format!("{field}.n"), "must be ≥ 1"));
                }
                if s.model == ClusterModel::Agglomerative {
                    return Err(SpecError::invalid(
                        format!("{field}.model"),
                        "agglomerative clustering has no randomness to repeat; use bootstrap",
                    ));
                }
                s.settings().validate(field)
            }
            Self::Bootstrap(s) => {
                s.k.validate(&format!("{field}.k"), earlier)?;
                if s.n == 0 {
                    return Err(SpecError::invalid(format!("{field}.n"), "must be ≥ 1"));
                }
                s.settings().validate(field)
            }
            Self::Consensus(s) => {
                s.k.validate(&format!("{field}.k"), earlier)?;
                if s.n_subsamples < 2 {
                    return Err(SpecError::invalid(format!("{field}.n_subsamples"), "must be ≥ 2"));
                }
                if !(s.fraction > 0.0 && s.fraction <= 1.0) {
                    return Err(SpecError::invalid(
                        format!("{field}.fraction"),
                        format!("must be in (0, 1], got {}", s.fraction),
                    ));
                }
                s.settings().validate(field)
            }
            Self::Compare(s) => {
                s.k.validate(&format!("{field}.k"), earlier)?;
                if s.models.is_empty() {
                    return Err(SpecError::invalid(format!("{field}.models"), "needs at least one model"));
                }
                let mut distinct = s.models.clone();
                distinct.sort_unstable();
                distinct.dedup();
                if distinct.len() != s.models.len() {
                    return Err(SpecError::invalid(format!("{field}.models"), "lists a model twice"));
                }
                s.settings().validate(field)
            }
            Self::Pca(s) => {
                if s.n_components < 2 {
                    return Err(SpecError::invalid(format!("{field}.n_components"), "must be ≥ 2"));
                }
                Ok(())
            }
            Self::Projection(s) => {
                if s.trustworthiness_neighbors == 0 {
                    return Err(SpecError::invalid(format!("{field}.trustworthiness_neighbors"), "must be ≥ 1"));
                }
                if s.method == ProjectionMethod::Pca && s.tsne != TsneParams::default() {
                    return Err(SpecError::invalid(format!("{field}.tsne"), "only used with method = \"tsne\""));
                }
                s.tsne.validate().map_err(|e| at_field(&format!("{field}.tsne"), e))
            }
        }
    }
}

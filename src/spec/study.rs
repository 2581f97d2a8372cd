//! The `[[study]]` tables of a spec: what each study fits and how.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{KMeansInit, KMeansSettings, SpecError, SplitName};
use crate::models::{ClassifierModel, ClusterModel, KUse, ModelError, TsneParams};

/// A model's own parameter error, as a spec error at `field` (`study[1].model` + `n_init`).
fn at_field(field: &str, error: ModelError) -> SpecError {
    match error {
        ModelError::InvalidParam { param, rule, value } => {
            SpecError::invalid(format!("{field}.{param}"), format!("{rule}, got {value}"))
        }
        other => SpecError::invalid(field, other.to_string()),
    }
}

/// One study of an experiment, selected by `kind`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
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
    /// Classifiers trained on a label column and tested on rows (speakers) they never saw: the
    /// notebook's supervised half.
    Classify(ClassifySpec),
    /// Pictures of the data before any model: distributions, correlations, class counts,
    /// example spectrograms (the notebook's §3).
    Explore(ExploreSpec),
}

/// An inclusive range of cluster counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum KChoice {
    /// This many clusters.
    Fixed(usize),
    /// `"best_from_sweep"`: the first argmax of the silhouette curve of the last earlier sweep.
    Named(NamedK),
}

/// Symbolic choices of k.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct KSweepSpec {
    /// Model, one that takes k. Default: `kmeans` (k-means++, n_init 10, max_iter 300, tol 1e-4).
    pub model: ClusterModel,
    /// k values scored by silhouette. Default: 2..=14.
    pub k: KRange,
    /// k values of the inertia elbow (k-means only: other models have no inertia). Default:
    /// from 1 to `k.to` (so a sweep's two figures share their last k).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub elbow_k: Option<KRange>,
    /// Split the models are fitted and scored on. Default: `train`.
    pub on: SplitName,
}

impl KSweepSpec {
    /// The k values of the elbow: `elbow_k`, or 1 to `k.to` when it is not written.
    #[must_use]
    pub fn elbow_range(&self) -> KRange {
        self.elbow_k.unwrap_or(KRange { from: 1, to: self.k.to })
    }
}

impl Default for KSweepSpec {
    fn default() -> Self {
        Self { model: ClusterModel::default(), k: KRange { from: 2, to: 14 }, elbow_k: None, on: SplitName::Train }
    }
}

/// Which grid model the internal metrics describe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum GridEvaluate {
    /// The best-scoring cell (the corrected default).
    Best,
    /// The last cell of the loop, as the notebook's evaluation cell did by mistake (faithful).
    LastAsNotebook,
}

/// The values a grid tries for each parameter of its model (scikit-learn's names), and `k` for
/// the number of clusters: `grid = { eps = [0.5, 1.0], min_samples = [3, 5] }`.
pub type ParamGrid = BTreeMap<String, Vec<serde_json::Value>>;

/// The notebook's k-means grid (its §4: 2 inits × 3 n_init × 3 max_iter × 3 tol).
fn notebook_kmeans_grid() -> ParamGrid {
    let values = |v: &[serde_json::Value]| v.to_vec();
    BTreeMap::from([
        ("init".to_string(), values(&[KMeansInit::KMeansPlusPlus.as_str().into(), KMeansInit::Random.as_str().into()])),
        ("n_init".to_string(), values(&[10.into(), 20.into(), 30.into()])),
        ("max_iter".to_string(), values(&[300.into(), 500.into(), 1000.into()])),
        ("tol".to_string(), values(&[1e-4.into(), 1e-3.into(), 1e-2.into()])),
    ])
}

/// One combination of a grid: the values it sets and the model they make.
#[derive(Debug, Clone, PartialEq)]
pub struct GridCell {
    /// (parameter, value) in the grid's (alphabetical) parameter order; `k` included when the
    /// grid varies it.
    pub values: Vec<(String, serde_json::Value)>,
    /// The study's model with these values.
    pub model: ClusterModel,
    /// The cell's k: the grid's `k` value, else the study's.
    pub k: Option<KChoice>,
}

/// `kind = "grid"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct GridSpec {
    /// The model, with the parameters the grid does not vary. Default: `kmeans`.
    pub model: ClusterModel,
    /// k of every cell, for models that take k. Default (for those): `"best_from_sweep"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub k: Option<KChoice>,
    /// Values tried per parameter; every combination is fitted, parameters in alphabetical
    /// order, the last varying fastest. Default for `kmeans`: the notebook's 54 combinations;
    /// other models must list theirs.
    pub grid: ParamGrid,
    /// Split the cells are fitted on. Default: `train`.
    pub fit_on: SplitName,
    /// Split whose silhouette (of the model's assignments) scores each cell; a model without
    /// out-of-sample assignment (DBSCAN, OPTICS) must be scored on `fit_on`. Default: `val`.
    pub score_on: SplitName,
    /// Which model the internal metrics on `fit_on` describe. Default: `best`.
    pub evaluate: GridEvaluate,
}

impl Default for GridSpec {
    fn default() -> Self {
        Self {
            model: ClusterModel::default(),
            k: None,
            grid: ParamGrid::new(),
            fit_on: SplitName::Train,
            score_on: SplitName::Val,
            evaluate: GridEvaluate::Best,
        }
    }
}

impl GridSpec {
    /// Every combination of the grid, in order; an error names the parameter at fault.
    pub fn cells(&self) -> Result<Vec<GridCell>, (String, String)> {
        let mut combos: Vec<Vec<(String, serde_json::Value)>> = vec![Vec::new()];
        for (name, values) in &self.grid {
            combos = combos
                .into_iter()
                .flat_map(|prefix| {
                    values.iter().map(move |v| {
                        let mut next = prefix.clone();
                        next.push((name.clone(), v.clone()));
                        next
                    })
                })
                .collect();
        }
        combos
            .into_iter()
            .map(|values| {
                let mut k = self.k;
                let mut params = Vec::new();
                for (name, value) in &values {
                    if name == "k" {
                        let fixed = value.as_u64().and_then(|v| usize::try_from(v).ok()).filter(|&v| v >= 2);
                        let fixed =
                            fixed.ok_or_else(|| ("k".to_string(), format!("needs whole numbers ≥ 2, got {value}")))?;
                        k = Some(KChoice::Fixed(fixed));
                    } else {
                        params.push((name.clone(), value.clone()));
                    }
                }
                let model = self.model.with_values(&params).map_err(|e| {
                    // Name the parameter whose value the model refuses, when one alone does.
                    let culprit = params.iter().find(|p| self.model.with_values(std::slice::from_ref(p)).is_err());
                    (culprit.map(|(name, _)| name.clone()).unwrap_or_default(), e)
                })?;
                Ok(GridCell { values, model, k })
            })
            .collect()
    }
}

/// `kind = "repeat"`: the same model refitted with `n` independent random streams.
///
/// Without `model` the notebook's single random k-means start is repeated; `model = "kmeans"`
/// is k-means with its own defaults (k-means++, 10 starts), like everywhere else.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct RepeatSpec {
    /// Model (a seeded one). Default: `kmeans` with the notebook's single random start
    /// (`init = "random"`, `n_init = 1`).
    pub model: ClusterModel,
    /// k of every fit, for models that take k. Default (for those): `"best_from_sweep"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub k: Option<KChoice>,
    /// Number of fits, each with its own random stream. Default: 100.
    pub n: usize,
    /// Split the fits are made and scored on. Default: `train`.
    pub on: SplitName,
}

impl Default for RepeatSpec {
    fn default() -> Self {
        Self {
            model: ClusterModel::Kmeans(KMeansSettings {
                init: KMeansInit::Random,
                n_init: 1,
                ..KMeansSettings::default()
            }),
            k: None,
            n: 100,
            on: SplitName::Train,
        }
    }
}

/// `kind = "bootstrap"`: fits on `n` resamples (with replacement) of one split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct BootstrapSpec {
    /// Model. Default: `agglomerative` (the notebook bootstrapped agglomerative and spectral).
    pub model: ClusterModel,
    /// k, for models that take k. Default (for those): 4 (the notebook's hard-coded k).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub k: Option<KChoice>,
    /// Replicates. Default: 100.
    pub n: usize,
    /// Split resampled. Default: `train`.
    pub on: SplitName,
}

impl Default for BootstrapSpec {
    fn default() -> Self {
        Self {
            model: ClusterModel::Agglomerative(crate::models::AgglomerativeSettings::default()),
            k: None,
            n: 100,
            on: SplitName::Train,
        }
    }
}

/// How consensus compares the labellings of two subsamples.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConsensusMethod {
    /// ARI on the recordings both subsamples contain (the corrected default).
    SharedRows,
    /// Position by position, comparing *different* recordings, as the notebook did (faithful;
    /// ≈ 0 by construction).
    PositionalAsNotebook,
}

/// `kind = "consensus"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ConsensusSpec {
    /// Model. Default: `kmeans`.
    pub model: ClusterModel,
    /// k, for models that take k. Default (for those): 4.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub k: Option<KChoice>,
    /// Number of subsamples. Default: 30.
    pub n_subsamples: usize,
    /// Fraction of the split's rows in each subsample (drawn without replacement). Default: 0.8.
    pub fraction: f64,
    /// Split subsampled. Default: `train`.
    pub on: SplitName,
    /// How two subsamples' labellings are compared. Default: `shared_rows`.
    pub method: ConsensusMethod,
}

impl Default for ConsensusSpec {
    fn default() -> Self {
        Self {
            model: ClusterModel::default(),
            k: None,
            n_subsamples: 30,
            fraction: 0.8,
            on: SplitName::Train,
            method: ConsensusMethod::SharedRows,
        }
    }
}

/// `kind = "compare"`: the executive summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct CompareSpec {
    /// Models compared, each a name or a table with its parameters; names must differ.
    /// Default: kmeans, agglomerative (ward), spectral.
    pub models: Vec<ClusterModel>,
    /// k of every model that takes k (models that find their own number ignore it).
    /// Default (when one does): 4.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub k: Option<KChoice>,
    /// Split fitted and scored. Default: `train`.
    pub on: SplitName,
    /// Bootstrap replicates per model for the stability columns (0 = none). Default: 100.
    pub bootstrap: usize,
}

impl Default for CompareSpec {
    fn default() -> Self {
        Self {
            models: vec![
                ClusterModel::default(),
                ClusterModel::Agglomerative(crate::models::AgglomerativeSettings::default()),
                ClusterModel::Spectral(crate::models::SpectralSettings::default()),
            ],
            k: None,
            on: SplitName::Train,
            bootstrap: 100,
        }
    }
}

/// `kind = "pca"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
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

/// `kind = "explore"`: the data drawn before any model (the notebook's §3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ExploreSpec {
    /// A `labels.csv` column: each histogram drawn per value of it (a colour each) and the
    /// descriptive statistics tabled per value. Default: none (one histogram of every file).
    pub by: Option<String>,
    /// Equal-width bins of each histogram between the smallest and largest value (numpy's
    /// `histogram(bins=...)`). Default: 20.
    pub bins: usize,
    /// Log-mel spectrograms in the example grid, files spread evenly over the corpus order
    /// (the notebook's 16). Default: 16.
    pub examples: usize,
    /// Files decoded again to draw their waveform before and after trimming (§3.2) and their
    /// standardised MFCC and chroma frames (§3.4.2), spread evenly over the corpus order.
    /// Default: 2.
    pub recordings: usize,
}

impl Default for ExploreSpec {
    fn default() -> Self {
        Self { by: None, bins: 20, examples: 16, recordings: 2 }
    }
}

/// `kind = "projection"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
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
            Self::Classify(_) => "classify",
            Self::Explore(_) => "explore",
        }
    }

    /// The clustering models the study fits (none for the views).
    #[must_use]
    pub fn models(&self) -> Vec<&ClusterModel> {
        match self {
            Self::KSweep(KSweepSpec { model, .. })
            | Self::Grid(GridSpec { model, .. })
            | Self::Repeat(RepeatSpec { model, .. })
            | Self::Bootstrap(BootstrapSpec { model, .. })
            | Self::Consensus(ConsensusSpec { model, .. }) => vec![model],
            Self::Compare(s) => s.models.iter().collect(),
            Self::Pca(_) | Self::Projection(_) | Self::Classify(_) | Self::Explore(_) => Vec::new(),
        }
    }

    /// Whether the study needs a feature matrix (every study but `classify`, which also takes
    /// images such as `logmel128`).
    #[must_use]
    pub fn needs_matrix(&self) -> bool {
        !matches!(self, Self::Classify(_))
    }

    /// The study's `k` field, for the studies that have one.
    fn k(&self) -> Option<KChoice> {
        match self {
            Self::Grid(GridSpec { k, .. })
            | Self::Repeat(RepeatSpec { k, .. })
            | Self::Bootstrap(BootstrapSpec { k, .. })
            | Self::Consensus(ConsensusSpec { k, .. })
            | Self::Compare(CompareSpec { k, .. }) => *k,
            Self::KSweep(_) | Self::Pca(_) | Self::Projection(_) | Self::Classify(_) | Self::Explore(_) => None,
        }
    }

    /// The k `model` is fitted with in this study: the study's k for a model that takes one,
    /// none for a model that finds its own number of clusters.
    #[must_use]
    pub fn k_for(&self, model: &ClusterModel) -> Option<KChoice> {
        model.given_k(self.k())
    }

    /// Spells out the defaults that depend on the model, so the canonical spec (and run ID) is
    /// the same whether they were written or not: `k` where a model needs one (4, or
    /// `"best_from_sweep"` for grid and repeat) and the notebook's grid for a k-means grid.
    pub(super) fn resolve_defaults(&mut self) {
        let needs_k = self.models().iter().any(|m| m.k_use() == KUse::Required);
        let sweep = KChoice::Named(NamedK::BestFromSweep);
        match self {
            Self::Grid(s) => {
                if s.grid.is_empty() && matches!(s.model, ClusterModel::Kmeans(_)) {
                    s.grid = notebook_kmeans_grid();
                }
                // Each value as the model's type writes it (`eps = [1]` is `1.0`), so one grid
                // has one canonical form, run ID and set of metric keys.
                for (name, values) in &mut s.grid {
                    for value in values.iter_mut() {
                        let one = [(name.clone(), value.clone())];
                        if let Some(typed) = s.model.with_values(&one).ok().and_then(|m| m.fields().remove(name)) {
                            *value = typed;
                        }
                    }
                }
                if needs_k && s.k.is_none() && !s.grid.contains_key("k") {
                    s.k = Some(sweep);
                }
            }
            Self::Repeat(RepeatSpec { k, .. }) if needs_k => {
                k.get_or_insert(sweep);
            }
            Self::Bootstrap(BootstrapSpec { k, .. })
            | Self::Consensus(ConsensusSpec { k, .. })
            | Self::Compare(CompareSpec { k, .. })
                if needs_k =>
            {
                k.get_or_insert(KChoice::Fixed(4));
            }
            Self::KSweep(s) => {
                s.elbow_k = Some(s.elbow_range());
            }
            _ => {}
        }
    }

    /// The cluster counts this study will fit, each with the spec field that asks for it, the
    /// split it is fitted on and the rows that needs: what can be checked against the corpus
    /// size before any work.
    #[must_use]
    pub fn k_demands(&self) -> Vec<KDemand> {
        // A fitted model needs k < rows (silhouette needs k ≤ n − 1); a sweep skips the
        // undefined silhouette of k = n, so it needs only k ≤ rows.
        let fixed = |field, k: Option<KChoice>, split| match k {
            Some(KChoice::Fixed(k)) => vec![KDemand { field, k, min_rows: k + 1, split }],
            _ => Vec::new(),
        };
        match self {
            Self::KSweep(s) => {
                let mut demands = vec![KDemand { field: "k.to", k: s.k.to, min_rows: s.k.to, split: s.on }];
                // Only k-means is fitted at the elbow's k values (other models have no inertia).
                if matches!(s.model, ClusterModel::Kmeans(_)) {
                    let to = s.elbow_range().to;
                    demands.push(KDemand { field: "elbow_k.to", k: to, min_rows: to, split: s.on });
                }
                demands
            }
            Self::Grid(s) => {
                let largest_grid_k =
                    s.grid.get("k").and_then(|ks| ks.iter().filter_map(serde_json::Value::as_u64).max());
                match largest_grid_k.and_then(|k| usize::try_from(k).ok()) {
                    Some(k) => vec![KDemand { field: "grid.k", k, min_rows: k + 1, split: s.fit_on }],
                    None => fixed("k", self.k_for(&s.model), s.fit_on),
                }
            }
            Self::Repeat(RepeatSpec { on, .. })
            | Self::Bootstrap(BootstrapSpec { on, .. })
            | Self::Consensus(ConsensusSpec { on, .. })
            | Self::Compare(CompareSpec { on, .. }) => {
                let k = self.models().into_iter().find_map(|m| self.k_for(m));
                fixed("k", k, *on)
            }
            Self::Pca(_) | Self::Projection(_) | Self::Classify(_) | Self::Explore(_) => Vec::new(),
        }
    }

    /// Checks the study's values; `earlier` are the studies before it (for `best_from_sweep`).
    pub(super) fn validate(&self, field: &str, earlier: &[StudySpec]) -> Result<(), SpecError> {
        let k_field = format!("{field}.k");
        if let Some(k) = self.k() {
            k.validate(&k_field, earlier)?;
            if self.models().iter().all(|m| m.k_use() == KUse::Never) {
                let names: Vec<&str> = self.models().iter().map(|m| m.name()).collect();
                return Err(SpecError::invalid(
                    k_field,
                    format!("{} find(s) their own number of clusters; remove `k`", names.join(", ")),
                ));
            }
        }
        match self {
            Self::KSweep(s) => {
                s.k.validate(&format!("{field}.k"), 2)?;
                s.elbow_range().validate(&format!("{field}.elbow_k"), 1)?;
                if s.model.k_use() == KUse::Never {
                    return Err(SpecError::invalid(
                        format!("{field}.model"),
                        format!(
                            "{} finds its own number of clusters; a k_sweep needs a model that takes k",
                            s.model.name()
                        ),
                    ));
                }
                validate_model(&format!("{field}.model"), &s.model)
            }
            Self::Grid(s) => validate_grid(field, s),
            Self::Repeat(s) => {
                if s.n == 0 {
                    return Err(SpecError::invalid(format!("{field}.n"), "must be ≥ 1"));
                }
                if !s.model.is_seeded() {
                    return Err(SpecError::invalid(
                        format!("{field}.model"),
                        format!("{} has no randomness to repeat; use bootstrap", s.model.name()),
                    ));
                }
                self.validate_k_models(field)
            }
            Self::Bootstrap(s) => {
                if s.n == 0 {
                    return Err(SpecError::invalid(format!("{field}.n"), "must be ≥ 1"));
                }
                self.validate_k_models(field)
            }
            Self::Consensus(s) => {
                if s.n_subsamples < 2 {
                    return Err(SpecError::invalid(format!("{field}.n_subsamples"), "must be ≥ 2"));
                }
                if !(s.fraction > 0.0 && s.fraction <= 1.0) {
                    return Err(SpecError::invalid(
                        format!("{field}.fraction"),
                        format!("must be in (0, 1], got {}", s.fraction),
                    ));
                }
                self.validate_k_models(field)
            }
            Self::Compare(s) => {
                if s.models.is_empty() {
                    return Err(SpecError::invalid(format!("{field}.models"), "needs at least one model"));
                }
                for (i, model) in s.models.iter().enumerate() {
                    if s.models[..i].iter().any(|m| m.name() == model.name()) {
                        return Err(SpecError::invalid(
                            format!("{field}.models[{i}]"),
                            format!("lists {} twice (compare two settings of one model with a grid)", model.name()),
                        ));
                    }
                }
                self.validate_k_models(field)
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
            Self::Classify(s) => s.validate(field),
            Self::Explore(s) => {
                if s.bins == 0 {
                    return Err(SpecError::invalid(format!("{field}.bins"), "must be ≥ 1"));
                }
                if !(1..=64).contains(&s.examples) {
                    return Err(SpecError::invalid(format!("{field}.examples"), "must be 1 to 64"));
                }
                Ok(())
            }
        }
    }

    /// Each model's parameters, and a k for every model that needs one.
    fn validate_k_models(&self, field: &str) -> Result<(), SpecError> {
        let models = self.models();
        let single = models.len() == 1 && !matches!(self, Self::Compare(_));
        for (i, model) in models.into_iter().enumerate() {
            let model_field = if single { format!("{field}.model") } else { format!("{field}.models[{i}]") };
            if model.k_use() == KUse::Required && self.k_for(model).is_none() {
                return Err(SpecError::invalid(format!("{field}.k"), format!("{} needs k", model.name())));
            }
            validate_model(&model_field, model)?;
        }
        Ok(())
    }
}

/// A model's parameters, checked by the model's own rules.
fn validate_model(field: &str, model: &ClusterModel) -> Result<(), SpecError> {
    model.validate().map_err(|e| at_field(field, e))
}

/// A grid: at least one value per listed parameter, every cell a valid model, `k` only for a
/// model that takes it, and a scoring split the model can assign.
fn validate_grid(field: &str, s: &GridSpec) -> Result<(), SpecError> {
    let grid_field = format!("{field}.grid");
    if s.grid.is_empty() {
        return Err(SpecError::invalid(
            grid_field,
            format!(
                "list the values to try for parameters of {} (e.g. grid = {{ {} }})",
                s.model.name(),
                example_grid(&s.model)
            ),
        ));
    }
    if let Some((name, _)) = s.grid.iter().find(|(_, values)| values.is_empty()) {
        return Err(SpecError::invalid(format!("{grid_field}.{name}"), "needs at least one value"));
    }
    if s.grid.contains_key("name") {
        return Err(SpecError::invalid(
            format!("{grid_field}.name"),
            "a grid varies one model's parameters; compare models with a compare study",
        ));
    }
    if s.grid.contains_key("k") {
        if s.model.k_use() == KUse::Never {
            return Err(SpecError::invalid(
                format!("{grid_field}.k"),
                format!("{} finds its own number of clusters", s.model.name()),
            ));
        }
        if s.k.is_some() {
            return Err(SpecError::invalid(format!("{field}.k"), "the grid varies k; remove the study's `k`"));
        }
    } else if s.model.k_use() == KUse::Required && s.k.is_none() {
        return Err(SpecError::invalid(format!("{field}.k"), format!("{} needs k", s.model.name())));
    }
    let cells = s.cells().map_err(|(name, message)| {
        let at = if name.is_empty() { grid_field.clone() } else { format!("{grid_field}.{name}") };
        SpecError::invalid(at, message)
    })?;
    for cell in &cells {
        validate_model(&grid_field, &cell.model)?;
    }
    validate_model(&format!("{field}.model"), &s.model)?;
    if s.score_on != s.fit_on && s.score_on.overlaps(s.fit_on) {
        return Err(SpecError::invalid(
            format!("{field}.score_on"),
            format!(
                "{} shares rows with fit_on = \"{}\": score on the fitted split itself or on rows it did not see",
                s.score_on.as_str(),
                s.fit_on.as_str()
            ),
        ));
    }
    if s.score_on != s.fit_on && !s.model.can_predict() {
        return Err(SpecError::invalid(
            format!("{field}.score_on"),
            format!(
                "{} cannot assign rows it was not fitted on; score on the fitted split (score_on = \"{}\")",
                s.model.name(),
                s.fit_on.as_str()
            ),
        ));
    }
    Ok(())
}

/// A grid a user could start from, for the error that asks for one.
fn example_grid(model: &ClusterModel) -> &'static str {
    match model {
        ClusterModel::Dbscan(_) => "eps = [0.5, 1.0, 2.0], min_samples = [3, 5]",
        ClusterModel::GaussianMixture(_) => "covariance_type = [\"full\", \"diag\"], k = [2, 4, 6]",
        ClusterModel::Optics(_) => "min_samples = [3, 5, 10]",
        ClusterModel::MeanShift(_) => "bandwidth = [2.0, 4.0, 8.0]",
        ClusterModel::AffinityPropagation(_) => "damping = [0.5, 0.7, 0.9]",
        ClusterModel::Birch(_) => "threshold = [0.5, 1.0], k = [2, 4]",
        ClusterModel::Som(_) => "sigma = [0.5, 1.0], learning_rate = [0.1, 0.5]",
        ClusterModel::Agglomerative(_) => "linkage = [\"ward\", \"average\"], k = [2, 4]",
        ClusterModel::Spectral(_) => "n_neighbors = [5, 10, 20]",
        ClusterModel::Kmeans(_) => "init = [\"k-means++\", \"random\"], n_init = [10, 20]",
    }
}

/// How a classify study chooses the rows each model is trained and tested on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Protocol {
    /// Train on `[split]`'s train and validation rows, test on its test rows (one fold).
    Holdout,
    /// `n_folds` folds grouped by `group_by` (scikit-learn's `GroupKFold`): no group, e.g. no
    /// speaker, is ever in training and test at once.
    GroupKfold,
    /// One fold per value of `group_by` (`LeaveOneGroupOut`), e.g. leave-one-speaker-out.
    LeaveOneGroupOut,
    /// The notebook's split, faithful: 20 % test, then 25 % of the rest for validation, drawn at
    /// random without regard to speakers (so a speaker's other recordings are in training).
    Notebook,
    /// Train on every row of the spec's corpus, test on every row of `data.test_corpus`.
    TestCorpus,
}

impl Protocol {
    /// The name as a spec writes it.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Holdout => "holdout",
            Self::GroupKfold => "group_kfold",
            Self::LeaveOneGroupOut => "leave_one_group_out",
            Self::Notebook => "notebook",
            Self::TestCorpus => "test_corpus",
        }
    }

    /// Whether the protocol's folds are grouped by a label column.
    #[must_use]
    pub fn is_grouped(self) -> bool {
        matches!(self, Self::GroupKfold | Self::LeaveOneGroupOut)
    }
}

/// `kind = "classify"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ClassifySpec {
    /// The `labels.csv` column to predict. Default: `emotion`.
    pub target: String,
    /// Label value → class name (e.g. `angry = "excited"`); several values may share a class,
    /// and rows whose value is not listed are left out (and counted). Empty: every value is its
    /// own class. Default: empty.
    pub classes: BTreeMap<String, String>,
    /// How rows are split into training and test. Default: `group_kfold`.
    pub protocol: Protocol,
    /// The column grouping rows for `group_kfold` and `leave_one_group_out` (e.g. `actor`);
    /// with `test_corpus`, the column by which validation rows would be held out of training.
    /// Default: none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_by: Option<String>,
    /// Folds of `group_kfold`. Default: 5.
    pub n_folds: usize,
    /// Classifiers, each a name or a table with its parameters; names must differ.
    /// Default: majority, stratified, logistic_regression, random_forest, svm, boosting.
    pub models: Vec<ClassifierModel>,
}

impl Default for ClassifySpec {
    fn default() -> Self {
        Self {
            target: "emotion".into(),
            classes: BTreeMap::new(),
            protocol: Protocol::GroupKfold,
            group_by: None,
            n_folds: 5,
            models: ClassifierModel::defaults(),
        }
    }
}

impl ClassifySpec {
    fn validate(&self, field: &str) -> Result<(), SpecError> {
        if self.target.is_empty() {
            return Err(SpecError::invalid(format!("{field}.target"), "name the labels.csv column to predict"));
        }
        if let Some((value, _)) = self.classes.iter().find(|(_, class)| class.is_empty()) {
            return Err(SpecError::invalid(format!("{field}.classes.{value}"), "a class name cannot be empty"));
        }
        let n_classes: std::collections::BTreeSet<&String> = self.classes.values().collect();
        if !self.classes.is_empty() && n_classes.len() < 2 {
            return Err(SpecError::invalid(format!("{field}.classes"), "needs at least two classes"));
        }
        match (self.protocol.is_grouped(), &self.group_by) {
            (true, None) => {
                return Err(SpecError::invalid(
                    format!("{field}.group_by"),
                    format!(
                        "protocol = \"{}\" needs the column to group by (e.g. group_by = \"actor\")",
                        self.protocol.as_str()
                    ),
                ))
            }
            (false, Some(_)) if self.protocol != Protocol::TestCorpus => {
                return Err(SpecError::invalid(
                    format!("{field}.group_by"),
                    format!("protocol = \"{}\" does not group rows; remove group_by", self.protocol.as_str()),
                ))
            }
            _ => {}
        }
        if self.protocol == Protocol::GroupKfold && self.n_folds < 2 {
            return Err(SpecError::invalid(format!("{field}.n_folds"), format!("must be ≥ 2, got {}", self.n_folds)));
        }
        if self.models.is_empty() {
            return Err(SpecError::invalid(format!("{field}.models"), "needs at least one model"));
        }
        for (i, model) in self.models.iter().enumerate() {
            if self.models[..i].iter().any(|m| m.name() == model.name()) {
                return Err(SpecError::invalid(
                    format!("{field}.models[{i}]"),
                    format!("lists {} twice", model.name()),
                ));
            }
            model.validate().map_err(|e| at_field(&format!("{field}.models[{i}]"), e))?;
        }
        Ok(())
    }

    /// The class of a label value: its mapping, or the value itself when there is none; None
    /// for a value the mapping leaves out.
    #[must_use]
    pub fn class_of<'a>(&'a self, value: &'a str) -> Option<&'a str> {
        if self.classes.is_empty() {
            Some(value)
        } else {
            self.classes.get(value).map(String::as_str)
        }
    }
}

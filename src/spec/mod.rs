//! Experiment specs: typed TOML, defaults, validation, canonical JSON and the run ID (DESIGN §3).
//!
//! A spec is parsed into [`ExperimentSpec`] with every field defaulted as documented and unknown
//! fields rejected, then validated (field paths in errors) before any work. Its canonical JSON
//! — every default spelled out, keys sorted, no whitespace, floats in shortest round-trip form —
//! is what gets hashed, so comments, key order and spelled-out defaults never change a run ID.
//!
//! `spec` sits after `audio`, `corpus`, `features`, `split` and `models` in the stage order: a
//! spec embeds their parameter types ([`PreprocessParams`], [`FeatureParams`], the seed and
//! split names, the models' settings) and calls their own `validate()`, prefixing the field path,
//! so each rule is written once, where the parameter lives.

mod canonical;
mod error;
mod overrides;
mod reference;
mod study;
mod sweep;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use crate::models::{
    AffinityName, AgglomerativeSettings, ClusterModel, HoldoutRule, KMeansInit, KMeansSettings, KUse, Linkage,
    NoiseTreatment, SpectralSettings,
};
pub use crate::split::{Seed, SplitName};
pub use canonical::canonical_json;
pub use error::SpecError;
pub use overrides::Override;
pub use reference::reference_markdown;
pub use study::{
    BootstrapSpec, ClassifySpec, CompareSpec, ConsensusMethod, ConsensusSpec, ExploreSpec, GridCell, GridEvaluate,
    GridSpec, KChoice, KDemand, KRange, KSweepSpec, NamedK, ParamGrid, PcaSpec, ProjectionMethod, ProjectionSpec,
    Protocol, RepeatSpec, StudySpec,
};
pub use sweep::{sweep_members, SweepAxis, SweepValues};

use crate::audio::PreprocessParams;
use crate::corpus::to_hex;
use crate::features::FeatureParams;

/// Bumped whenever numeric behaviour changes (CHANGELOG.md says why); part of every run ID.
pub const PIPELINE_VERSION: &str = "4";

/// Domain separator of the run-ID hash.
const RUN_ID_PREFIX: &str = "vlogmood-run-v1\n";

/// One experiment: what data, how it is processed and split, and which studies run on it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExperimentSpec {
    /// Name of the experiment; the run folder is `runs/<name>-<id12>`. Letters, digits, `_`, `-`.
    pub name: String,
    /// Seed of every random choice (splits, initialisations, resamples). Default: 42.
    #[serde(default)]
    pub seed: Seed,
    /// The input corpus.
    pub data: DataSpec,
    /// Decoding and preprocessing. Default: 22050 Hz, trim at 20 dB, PCM16 round trip.
    #[serde(default)]
    pub preprocess: PreprocessParams,
    /// Feature recipe, its parameters and scaling.
    #[serde(default)]
    pub features: FeaturesSpec,
    /// Train/validation/test split.
    #[serde(default)]
    pub split: SplitSpec,
    /// External validation of clusterings against `labels.csv` columns.
    #[serde(default)]
    pub validation: ValidationSpec,
    /// Studies, run in order (`[[study]]` tables).
    #[serde(rename = "study", default)]
    pub studies: Vec<StudySpec>,
    /// What the run folder's figures are written as. Absent from `spec.json` when default (so
    /// adding it changed no run ID).
    #[serde(default, skip_serializing_if = "ReportSpec::is_default")]
    pub report: ReportSpec,
    /// `[meta]`: a description and tags kept with the run (`meta.json`), not part of its ID.
    #[serde(default, skip_serializing)]
    pub meta: MetaSpec,
    /// `[sweep]`: parameter path → values (`"1..5"`, `"2,4,6"` or a list, e.g.
    /// `"study[0].k" = [2, 4, 6]`); `vlogmood run` runs every combination as its own run (see
    /// [`ExperimentSpec::load_sweep`]). Never serialised: not part of a member's spec or ID.
    #[serde(default, skip_serializing)]
    pub sweep: std::collections::BTreeMap<String, SweepValues>,
    /// `[executor]`: where `vlogmood run` does the work and how it asks Slurm for it; the
    /// `--executor` and `--slurm-*` flags override each field. Never serialised: where a run is
    /// computed is not part of what it computes, nor of its ID.
    #[serde(default, skip_serializing)]
    pub executor: ExecutorSpec,
}

/// `[executor]`: a flag given on the command line wins over each field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ExecutorSpec {
    /// `local` (this machine) or `slurm` (job arrays on the cluster this machine submits to).
    pub kind: ExecutorKind,
    /// Slurm batch folders (tasks, outcomes, job logs), on storage every node sees, as the run
    /// store and the feature cache must be.
    pub work: PathBuf,
    /// Slurm partition. Default: the cluster's.
    pub partition: Option<String>,
    /// Time limit per task, as `sbatch --time` takes it (`30`, `02:00:00`, `1-00`). Default: the
    /// partition's.
    pub time: Option<String>,
    /// CPUs per task (≥ 1); each task uses as many threads.
    pub cpus: usize,
    /// Memory per task, as `sbatch --mem` takes it (`4G`). Default: the partition's.
    pub mem: Option<String>,
    /// Tasks running at once (the array's `%N`). Default: as many as the cluster allows.
    pub max_parallel: Option<usize>,
    /// Resubmissions of a failed or timed-out task.
    pub retries: usize,
    /// Files per feature-extraction task (≥ 1).
    pub files_per_task: usize,
    /// A study step (a loop of independent fits: a k-sweep's k values, grid cells, repeated
    /// fits, bootstrap replicates, consensus subsamples, classification folds) with at least
    /// this many parts left is split into tasks of its own; a smaller one is computed in the
    /// run's task (≥ 1).
    pub min_parts: usize,
    /// So is a step whose parts left would take less than this many seconds in the run's task,
    /// as its first part, timed there, predicts: cheap fits are done before a scheduler could
    /// send them out.
    pub min_step_seconds: u64,
    /// The most tasks one study step is split into (≥ 1).
    pub part_tasks: usize,
}

impl Default for ExecutorSpec {
    fn default() -> Self {
        Self {
            kind: ExecutorKind::Local,
            work: PathBuf::from("runs/.slurm"),
            partition: None,
            time: None,
            cpus: 1,
            mem: None,
            max_parallel: None,
            retries: 2,
            files_per_task: 64,
            min_parts: 2,
            min_step_seconds: 60,
            part_tasks: 16,
        }
    }
}

/// Where a run's work is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ExecutorKind {
    /// This machine.
    Local,
    /// A Slurm cluster (`sbatch`, `squeue` and `scancel` on the `PATH`).
    Slurm,
}

/// `[meta]`: what a run is for, not part of what it computes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MetaSpec {
    /// A sentence saying what the run is for.
    #[serde(default)]
    pub description: Option<String>,
    /// Labels to find the run by (`runs --where tag=baseline`).
    #[serde(default)]
    pub tags: Vec<String>,
}

/// How a run's figures are written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ReportSpec {
    /// Each figure in each of these formats (`["png", "svg"]` for papers: vector, same fonts).
    /// Default: `["png"]`.
    pub formats: Vec<FigureFormat>,
}

impl Default for ReportSpec {
    fn default() -> Self {
        Self { formats: vec![FigureFormat::Png] }
    }
}

impl ReportSpec {
    fn is_default(&self) -> bool {
        *self == Self::default()
    }
}

/// A figure file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum FigureFormat {
    /// 900 × 600 pixels (what `report.html` shows).
    Png,
    /// Vector, for papers.
    Svg,
}

impl FigureFormat {
    /// The file extension.
    #[must_use]
    pub fn extension(self) -> &'static str {
        match self {
            Self::Png => "png",
            Self::Svg => "svg",
        }
    }
}

/// How clusterings are scored: the label columns they are checked against, the permutation
/// baseline, and how noise points enter every metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ValidationSpec {
    /// `labels.csv` columns (e.g. `emotion`, `actor`, `gender`); ARI and NMI of each fitted
    /// model against each. Default: none.
    pub labels: Vec<String>,
    /// Shuffles of the labels for the chance baseline of ARI. Default: 200.
    pub n_permutations: usize,
    /// Noise points (DBSCAN, OPTICS, mean shift without `cluster_all`) in internal and external
    /// metrics: `non_noise_only` (default) or `as_cluster_as_sklearn`. The internal metric keys
    /// of models that can emit noise say which (`noise=...`); `summary.csv` has a `noise` column.
    pub noise: NoiseTreatment,
}

impl Default for ValidationSpec {
    fn default() -> Self {
        Self { labels: Vec::new(), n_permutations: 200, noise: NoiseTreatment::NonNoiseOnly }
    }
}

/// Where the data is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DataSpec {
    /// Corpus folder, relative to the working directory; `labels.csv` inside it is optional.
    pub corpus: PathBuf,
    /// A second corpus (with `labels.csv`) that classify studies with
    /// `protocol = "test_corpus"` test on, after training on `corpus`: recordings and speakers
    /// the models never saw. Like `corpus`, its content (not its path) joins the run ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_corpus: Option<PathBuf>,
}

/// Which features the models see and how they are scaled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct FeaturesSpec {
    /// Feature recipe name (see `features::recipes()`). Default: `seed45`.
    pub recipe: String,
    /// Feature scaling. Default: `standard` (fitted on the training rows only).
    pub scale: Scale,
    /// The `labels.csv` column whose groups `scale = "per_group"` standardises within
    /// (e.g. `actor`). Default: none.
    pub scale_group_by: Option<String>,
    /// Parameters of the feature computations. Default: librosa 0.11's.
    pub params: FeatureParams,
    /// Only these columns of the recipe, in this order (e.g. the notebook's §3.4 five
    /// descriptive columns). Default: all of them. Left out of the canonical spec when unset,
    /// so specs without it keep their run IDs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub columns: Option<Vec<String>>,
    /// Replace the (scaled) features by their first principal components before any study
    /// (the notebook's k-means on 2-D and 3-D PCA scores). Default: none; left out of the
    /// canonical spec when unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project: Option<FeatureProjection>,
}

/// `[features] project = { method = "pca", n_components = 2 }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FeatureProjection {
    /// Only `"pca"`.
    pub method: FeatureProjectionMethod,
    /// Components kept (≥ 1, at most the number of feature columns).
    pub n_components: usize,
    /// Rows the PCA is fitted on: `train` (the corrected default) or `all` (the notebook fitted
    /// it on every row, test rows included). Default: `train`.
    #[serde(default)]
    pub fit_on: ProjectionFitRows,
}

/// The projection methods `[features] project` offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FeatureProjectionMethod {
    /// Principal components (exact PCA).
    Pca,
}

/// Which rows a feature projection is fitted on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProjectionFitRows {
    /// The training rows only.
    #[default]
    Train,
    /// Every row, as the notebook did (faithful).
    AllAsNotebook,
}

impl Default for FeaturesSpec {
    fn default() -> Self {
        Self {
            recipe: "seed45".into(),
            scale: Scale::Standard,
            scale_group_by: None,
            params: FeatureParams::default(),
            columns: None,
            project: None,
        }
    }
}

/// How feature columns are scaled before modelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Scale {
    /// Raw features, as the notebook did (its KMeans inertia is ~1.7e7 for that reason).
    None,
    /// Zero mean, unit variance per column, fitted on the training rows only.
    Standard,
    /// Zero mean, unit variance per column *within each group* of `scale_group_by` (e.g. each
    /// speaker's own baseline removed), fitted on all of the group's rows without any label
    /// but the group's.
    PerGroup,
}

/// The train/validation/test split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct SplitSpec {
    /// Fractions of rows in train, validation and test; each in (0, 1), summing to 1.
    /// Default: [0.6, 0.2, 0.2] (the notebook's).
    pub fractions: [f64; 3],
    /// A `labels.csv` column whose values never straddle two splits (e.g. `actor`). Default: none.
    pub group_by: Option<String>,
    /// A `labels.csv` column whose class proportions each split keeps. Default: none.
    pub stratify_by: Option<String>,
}

impl Default for SplitSpec {
    fn default() -> Self {
        Self { fractions: [0.6, 0.2, 0.2], group_by: None, stratify_by: None }
    }
}

impl ExperimentSpec {
    /// Parses a spec from TOML text (reading the pre-PIPELINE 3 per-model tables too, see
    /// `migrate_model_tables`) and spells out model-dependent defaults; `path` names it in
    /// errors. Does not validate.
    pub fn parse(path: &Path, text: &str) -> Result<Self, SpecError> {
        let mut spec = Self::parse_unresolved(path, text)?;
        spec.resolve_defaults();
        Ok(spec)
    }

    /// [`Self::parse`] without spelling out the model-dependent defaults, so `--set` overrides
    /// see the spec as written (a changed model gets its own defaults, not the old model's).
    fn parse_unresolved(path: &Path, text: &str) -> Result<Self, SpecError> {
        let parse_error = |message: String| SpecError::Parse { path: path.to_path_buf(), message };
        let table: toml::Table = toml::from_str(text).map_err(|e| parse_error(e.to_string()))?;
        if let Some(field) = non_finite_float(&toml::Value::Table(table.clone()), String::new()) {
            // Read through JSON (model tables, old shapes) NaN and infinity would become "unset".
            return Err(SpecError::invalid(field, "must be a finite number"));
        }
        match toml::from_str(text) {
            Ok(spec) => Ok(spec),
            Err(error) => {
                // Only a spec in the old shape is read again (without TOML's line numbers).
                let mut value = serde_json::to_value(table).map_err(|e| parse_error(e.to_string()))?;
                if !migrate_model_tables(&mut value) {
                    return Err(parse_error(error.to_string()));
                }
                serde_json::from_value(value).map_err(|e| parse_error(e.to_string()))
            }
        }
    }

    /// Reads a run folder's `spec.json`, whichever pipeline version wrote it (older shapes are
    /// migrated as [`ExperimentSpec::parse`] does).
    pub fn from_stored_json(text: &str) -> Result<Self, serde_json::Error> {
        let mut value: serde_json::Value = serde_json::from_str(text)?;
        migrate_model_tables(&mut value);
        let mut spec: Self = serde_json::from_value(value)?;
        spec.resolve_defaults();
        Ok(spec)
    }

    fn resolve_defaults(&mut self) {
        for study in &mut self.studies {
            study.resolve_defaults();
        }
    }

    /// Reads, parses and validates `experiments/<name>.toml` (the `.toml` may be left off).
    pub fn load(path: &Path) -> Result<(Self, PathBuf), SpecError> {
        Self::load_with(path, &[])
    }

    /// [`Self::load`] with `--set` overrides applied before validation (and so before hashing).
    pub fn load_with(path: &Path, overrides: &[Override]) -> Result<(Self, PathBuf), SpecError> {
        let (unresolved, path) = Self::read_unresolved(path)?;
        Ok((unresolved.finish(overrides)?, path))
    }

    /// The members of the sweep of `path`: its `[sweep]` axes, then `axes` (`--sweep`), each
    /// combination applied after `overrides` (`--set`) as [`Self::load_with`] would, so a
    /// member's run ID is that of the same `--set`s. A member whose spec is invalid is
    /// returned with its error (the others still run); the axes are returned for the summary.
    #[allow(clippy::type_complexity)]
    pub fn load_sweep(
        path: &Path,
        overrides: &[Override],
        axes: &[SweepAxis],
    ) -> Result<(Vec<SweepAxis>, Vec<(Vec<Override>, Result<Self, SpecError>)>, PathBuf), SpecError> {
        let (unresolved, path) = Self::read_unresolved(path)?;
        let mut all_axes: Vec<SweepAxis> = unresolved
            .sweep
            .iter()
            .map(|(key, values)| SweepAxis::from_entry(key, values))
            .collect::<Result<_, _>>()?;
        all_axes.extend(axes.iter().cloned());
        let members = sweep_members(&all_axes)?
            .into_iter()
            .map(|member| {
                let all: Vec<Override> = overrides.iter().chain(&member).cloned().collect();
                let spec = unresolved.finish(&all);
                (member, spec)
            })
            .collect();
        Ok((all_axes, members, path))
    }

    /// Reads and parses a spec file as written (`.toml` may be left off), defaults not spelled out.
    fn read_unresolved(path: &Path) -> Result<(Self, PathBuf), SpecError> {
        if path.is_dir() {
            let mut specs: Vec<String> = std::fs::read_dir(path)
                .map(|entries| {
                    entries
                        .filter_map(Result::ok)
                        .map(|e| e.path())
                        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
                        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
                        .collect()
                })
                .unwrap_or_default();
            specs.sort();
            return Err(SpecError::IsAFolder { path: path.to_path_buf(), specs });
        }
        let path =
            if path.extension().is_none() && !path.is_file() { path.with_extension("toml") } else { path.into() };
        let text = std::fs::read_to_string(&path).map_err(|source| SpecError::Io { path: path.clone(), source })?;
        Ok((Self::parse_unresolved(&path, &text)?, path))
    }

    /// This spec as read, with `overrides` applied, defaults spelled out, paths normalised,
    /// validated.
    fn finish(&self, overrides: &[Override]) -> Result<Self, SpecError> {
        let mut spec = self.with_overrides(overrides)?;
        // Overrides go through the hashed (serialised) form, which has no [meta] or [executor].
        spec.meta = self.meta.clone();
        spec.executor = self.executor.clone();
        spec.resolve_defaults();
        spec.normalise_paths();
        spec.validate()?;
        Ok(spec)
    }

    /// Label columns that would be read by nothing, or asked for where they are not loaded,
    /// are refused rather than silently ignored: a PCA `color_by` must be a validation label
    /// (a typo, or `"cluster"`, would otherwise draw one colour under a "coloured by" title),
    /// and `validation.labels` need a study that reads them.
    fn validate_label_uses(&self) -> Result<(), SpecError> {
        let labels = &self.validation.labels;
        for (index, study) in self.studies.iter().enumerate() {
            if let StudySpec::Pca(pca) = study {
                if let Some(column) = pca.color_by.as_ref().filter(|c| !labels.contains(c)) {
                    return Err(SpecError::invalid(
                        format!("study[{index}].color_by"),
                        format!(
                            "{column:?} is not one of validation.labels {labels:?}: colour by a labels.csv \
                             column listed there (clusters are coloured in the compare and grid studies' PCA views)"
                        ),
                    ));
                }
            }
        }
        if !labels.is_empty() && self.studies.iter().all(|s| matches!(s, StudySpec::Classify(_))) {
            return Err(SpecError::invalid(
                "validation.labels",
                "no study reads them: they validate clusterings, colour PCA and projection views and are counted \
                 by explore; classify studies name their own target (remove them, or add such a study)",
            ));
        }
        Ok(())
    }

    /// Checks every value that can be checked without reading the data.
    pub fn validate(&self) -> Result<(), SpecError> {
        if self.name.is_empty() || !self.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
            return Err(SpecError::invalid(
                "name",
                format!("must be letters, digits, `_` or `-`, got {:?}", self.name),
            ));
        }
        if !self.data.corpus.is_dir() {
            return Err(SpecError::invalid(
                "data.corpus",
                format!("{} is not a folder (paths are relative to the working directory)", self.data.corpus.display()),
            ));
        }
        self.preprocess.validate().map_err(|e| SpecError::invalid("preprocess", e.to_string()))?;
        for (field, value) in [
            ("executor.cpus", self.executor.cpus),
            ("executor.files_per_task", self.executor.files_per_task),
            ("executor.min_parts", self.executor.min_parts),
            ("executor.part_tasks", self.executor.part_tasks),
        ] {
            if value == 0 {
                return Err(SpecError::invalid(field, "must be ≥ 1"));
            }
        }
        let formats = &self.report.formats;
        if formats.is_empty() || (1..formats.len()).any(|i| formats[..i].contains(&formats[i])) {
            return Err(SpecError::invalid(
                "report.formats",
                "list each of \"png\", \"svg\" at most once, at least one",
            ));
        }
        let features = &self.features;
        if !crate::features::recipes().contains_key(features.recipe.as_str()) {
            let known: Vec<&str> = crate::features::recipes().keys().copied().collect();
            return Err(SpecError::invalid(
                "features.recipe",
                format!("unknown recipe {:?}; known: {}", features.recipe, known.join(", ")),
            ));
        }
        features.params.validate().map_err(|e| SpecError::invalid("features.params", e.to_string()))?;
        if let Some(columns) = &features.columns {
            let known = crate::features::recipes()[features.recipe.as_str()].columns.clone();
            if columns.is_empty() {
                return Err(SpecError::invalid("features.columns", "needs at least one column (leave it out for all)"));
            }
            for (i, column) in columns.iter().enumerate() {
                if !known.iter().any(|k| k == column) {
                    return Err(SpecError::invalid(
                        format!("features.columns[{i}]"),
                        format!(
                            "{column:?} is not a column of recipe {}; its columns: {}",
                            features.recipe,
                            known.join(", ")
                        ),
                    ));
                }
                if columns[..i].contains(column) {
                    return Err(SpecError::invalid(
                        format!("features.columns[{i}]"),
                        format!("{column:?} is listed twice"),
                    ));
                }
            }
        }
        if features.params.sample_rate_hz != self.preprocess.sample_rate_hz {
            return Err(SpecError::invalid(
                "features.params.sample_rate_hz",
                format!(
                    "must equal preprocess.sample_rate_hz ({}), got {}",
                    self.preprocess.sample_rate_hz, features.params.sample_rate_hz
                ),
            ));
        }
        let is_image = crate::features::recipes()[features.recipe.as_str()].shape.len() > 1;
        if is_image {
            if let Some(index) = self.studies.iter().position(StudySpec::needs_matrix) {
                return Err(SpecError::invalid(
                    "features.recipe",
                    format!(
                        "{} is an image per file; study[{index}] ({}) needs a feature vector per file \
                         (seed45 or descriptive); only classify studies take images",
                        features.recipe,
                        self.studies[index].kind()
                    ),
                ));
            }
            if features.project.is_some() {
                return Err(SpecError::invalid(
                    "features.project",
                    format!("{} is an image per file; project a feature vector (seed45, descriptive)", features.recipe),
                ));
            }
        }
        let classifies = self.studies.iter().any(|s| matches!(s, StudySpec::Classify(_)));
        if classifies && features.project.is_some() {
            return Err(SpecError::invalid(
                "features.project",
                "classify studies refit their scaling per fold and cannot use a projection fitted across folds; remove it",
            ));
        }
        if (is_image || self.reads_images())
            && (features.params.mel.n_mels, features.params.logmel.n_frames) != (128, 128)
        {
            return Err(SpecError::invalid(
                "features.params",
                format!(
                    "logmel128 images (and the CNN) need mel.n_mels = 128 and logmel.n_frames = 128, got {} and {}",
                    features.params.mel.n_mels, features.params.logmel.n_frames
                ),
            ));
        }
        if is_image && features.columns.is_some() {
            return Err(SpecError::invalid(
                "features.columns",
                format!("{} is an image per file; use all of it", features.recipe),
            ));
        }
        if let Some(project) = features.project {
            let n_columns = features
                .columns
                .as_ref()
                .map_or_else(|| crate::features::recipes()[features.recipe.as_str()].columns.len(), Vec::len);
            if project.n_components == 0 || project.n_components > n_columns {
                return Err(SpecError::invalid(
                    "features.project.n_components",
                    format!("must be between 1 and the {n_columns} feature columns, got {}", project.n_components),
                ));
            }
        }
        match (features.scale, &features.scale_group_by) {
            (Scale::PerGroup, None) => {
                return Err(SpecError::invalid("features.scale_group_by", "scale = \"per_group\" needs a column"));
            }
            (Scale::None | Scale::Standard, Some(_)) => {
                return Err(SpecError::invalid("features.scale_group_by", "only used with scale = \"per_group\""));
            }
            _ => {}
        }
        let fractions = self.split.fractions;
        if fractions.iter().any(|f| !(f.is_finite() && *f > 0.0 && *f < 1.0)) {
            return Err(SpecError::invalid("split.fractions", format!("each must be in (0, 1), got {fractions:?}")));
        }
        if (fractions.iter().sum::<f64>() - 1.0).abs() > 1e-9 {
            return Err(SpecError::invalid("split.fractions", format!("must sum to 1, got {fractions:?}")));
        }
        if self.studies.is_empty() {
            return Err(SpecError::invalid("study", "at least one [[study]] is needed"));
        }
        self.validate_label_uses()?;
        let tests_on_corpus = |s: &StudySpec| matches!(s, StudySpec::Classify(c) if c.protocol == Protocol::TestCorpus);
        match (&self.data.test_corpus, self.studies.iter().position(tests_on_corpus)) {
            (None, Some(index)) => {
                return Err(SpecError::invalid(
                    format!("study[{index}].protocol"),
                    "\"test_corpus\" needs the corpus to test on: data.test_corpus = \"<folder with labels.csv>\"",
                ));
            }
            (Some(_), None) => {
                return Err(SpecError::invalid(
                    "data.test_corpus",
                    "no study tests on it: set protocol = \"test_corpus\" in a classify study",
                ));
            }
            (Some(_), Some(_)) => {
                let split_columns =
                    [("split.group_by", &self.split.group_by), ("split.stratify_by", &self.split.stratify_by)];
                if let Some((field, _)) = split_columns.iter().find(|(_, c)| c.is_some()) {
                    return Err(SpecError::invalid(
                        *field,
                        "with data.test_corpus no split is made (training is the whole corpus); remove it",
                    ));
                }
                if !self.validation.labels.is_empty() {
                    return Err(SpecError::invalid("validation.labels", "only clusterings are validated; remove it"));
                }
                if let Some(index) = self.studies.iter().position(|s| !tests_on_corpus(s)) {
                    return Err(SpecError::invalid(
                        format!("study[{index}]"),
                        "with data.test_corpus every study is a classify study with protocol = \"test_corpus\" \
                         (the test corpus's rows belong to no split, fold or clustering)",
                    ));
                }
            }
            (None, None) => {}
        }
        for (index, study) in self.studies.iter().enumerate() {
            study.validate(&format!("study[{index}]"), &self.studies[..index])?;
        }
        Ok(())
    }

    /// Every `labels.csv` column the spec reads, with the field that names it.
    #[must_use]
    pub fn label_columns(&self) -> Vec<(&'static str, &str)> {
        let single = [
            ("split.group_by", self.split.group_by.as_deref()),
            ("split.stratify_by", self.split.stratify_by.as_deref()),
            ("features.scale_group_by", self.features.scale_group_by.as_deref()),
        ];
        let validation = self.validation.labels.iter().map(|c| ("validation.labels", Some(c.as_str())));
        let classify = self.studies.iter().flat_map(|study| match study {
            StudySpec::Classify(c) => {
                vec![("study.target", Some(c.target.as_str())), ("study.group_by", c.group_by.as_deref())]
            }
            StudySpec::Explore(e) => vec![("study.by", e.by.as_deref())],
            _ => Vec::new(),
        });
        single
            .into_iter()
            .chain(validation)
            .chain(classify)
            .filter_map(|(field, column)| Some((field, column?)))
            .collect()
    }

    /// The canonical JSON of this (resolved) spec, stored as `spec.json`.
    #[must_use]
    pub fn canonical_json(&self) -> String {
        let value = serde_json::to_value(self).expect("a spec always serialises to JSON");
        canonical_json(&value)
    }

    /// The canonical JSON that the run ID hashes: [`Self::canonical_json`] without
    /// `data.corpus`.
    ///
    /// Where the corpus lives is not what it is: the dataset fingerprint already identifies the
    /// data (every file's relative path and bytes, and the labels), so `data/ravdess`,
    /// `./data/ravdess/`, an absolute path or a copy elsewhere all give one run ID. The path is
    /// kept in `spec.json` (so `reproduce` finds the data) and in the manifest.
    #[must_use]
    pub fn hashed_json(&self) -> String {
        Self::hashed_json_of(serde_json::to_value(self).expect("a spec always serialises to JSON"))
    }

    /// [`Self::hashed_json`] of a spec as stored (a run folder's `spec.json`), without reading
    /// it into this build's types: a run made by an older pipeline, whose spec had another
    /// shape, is checked against its own ID.
    #[must_use]
    pub fn hashed_json_of(mut stored: serde_json::Value) -> String {
        if let Some(data) = stored.get_mut("data").and_then(serde_json::Value::as_object_mut) {
            data.remove("corpus");
            data.remove("test_corpus");
        }
        canonical_json(&stored)
    }

    /// Writes the corpus path without `.` components or a trailing `/`, so spellings of one
    /// folder read the same in `spec.json` and the manifest.
    pub fn normalise_paths(&mut self) {
        self.data.corpus = normalise_path(&self.data.corpus);
        self.data.test_corpus = self.data.test_corpus.as_deref().map(normalise_path);
    }

    /// Whether a study of the spec reads log-mel images (a CNN; `explore` draws some), so the
    /// run keeps them for it.
    #[must_use]
    pub fn reads_images(&self) -> bool {
        self.studies.iter().any(|s| match s {
            StudySpec::Classify(c) => c.models.iter().any(crate::models::ClassifierModel::needs_images),
            StudySpec::Explore(_) => true,
            _ => false,
        })
    }

    /// Whether a study reads every file's descriptive features (`explore` draws them).
    #[must_use]
    pub fn reads_descriptive(&self) -> bool {
        self.studies.iter().any(|s| matches!(s, StudySpec::Explore(_)))
    }

    /// The `labels.csv` columns every row of the test corpus needs: the classify targets and
    /// the per-group scaling column.
    #[must_use]
    pub fn test_corpus_columns(&self) -> Vec<(&'static str, &str)> {
        self.label_columns()
            .into_iter()
            .filter(|(field, _)| matches!(*field, "study.target" | "features.scale_group_by"))
            .collect()
    }
}

/// Rewrites a study's pre-PIPELINE 3 model settings into its model table, so specs (and run
/// folders' `spec.json`) written before the model seam keep working: `model = "kmeans"` beside
/// `kmeans = { n_init = 1 }` becomes `model = { name = "kmeans", n_init = 1 }` (the same in
/// `models = [...]`, and for `agglomerative` and `spectral`; PIPELINE 2's `linkage` and
/// `grid` need no change). A settings table of a model the study does not fit was ignored
/// before and is dropped. Returns whether anything was rewritten.
fn migrate_model_tables(spec: &mut serde_json::Value) -> bool {
    use serde_json::Value;
    const LEGACY: [&str; 3] = ["kmeans", "agglomerative", "spectral"];
    let Some(Value::Array(studies)) = spec.get_mut("study") else { return false };
    let mut migrated = false;
    for study in studies.iter_mut().filter_map(Value::as_object_mut) {
        let settings: Vec<(&str, Value)> = LEGACY
            .iter()
            .filter_map(|name| Some((*name, study.remove(*name)?)))
            .filter(|(_, v)| v.is_object())
            .collect();
        if settings.is_empty() {
            continue;
        }
        migrated = true;
        // A model named by string, or a table without those keys, takes the old settings.
        let with_settings = |model: &mut Value| {
            let name = model.as_str().or_else(|| model.get("name").and_then(Value::as_str)).map(str::to_string);
            let Some((_, Value::Object(table))) = settings.iter().find(|(n, _)| name.as_deref() == Some(*n)) else {
                return;
            };
            let mut merged = table.clone();
            if let Value::Object(own) = model {
                merged.extend(own.clone());
            }
            merged.insert("name".into(), Value::String(name.unwrap_or_default()));
            *model = Value::Object(merged);
        };
        let is_compare = study.get("kind").and_then(Value::as_str) == Some("compare");
        if is_compare && !study.contains_key("models") {
            // Compare's default models, as PIPELINE 2 had them.
            let defaults = ["kmeans", "agglomerative", "spectral"].map(|m| Value::String(m.into()));
            study.insert("models".into(), Value::Array(defaults.to_vec()));
        }
        match study.get_mut("models") {
            Some(Value::Array(models)) => models.iter_mut().for_each(with_settings),
            _ => {
                // A study without `model` fitted k-means (or agglomerative, for bootstrap).
                let kind = study.get("kind").and_then(Value::as_str);
                let default = if kind == Some("bootstrap") { "agglomerative" } else { "kmeans" };
                with_settings(study.entry("model").or_insert_with(|| Value::String(default.into())));
            }
        }
    }
    migrated
}

/// The path of the first NaN or infinite float in a TOML value, if any.
fn non_finite_float(value: &toml::Value, path: String) -> Option<String> {
    match value {
        toml::Value::Float(f) if !f.is_finite() => Some(path),
        toml::Value::Table(table) => table
            .iter()
            .find_map(|(k, v)| non_finite_float(v, if path.is_empty() { k.clone() } else { format!("{path}.{k}") })),
        toml::Value::Array(items) => {
            items.iter().enumerate().find_map(|(i, v)| non_finite_float(v, format!("{path}[{i}]")))
        }
        _ => None,
    }
}

/// A run's identity: SHA-256 of the canonical spec, the dataset fingerprint and the pipeline
/// version (DESIGN §3), in lowercase hex.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RunId(pub String);

/// `path` without `.` components (and so without a trailing `/`); `..` is kept, since it
/// cannot be removed without looking at the file system.
#[must_use]
pub fn normalise_path(path: &Path) -> PathBuf {
    let normal: PathBuf = path.components().filter(|c| !matches!(c, std::path::Component::CurDir)).collect();
    if normal.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        normal
    }
}

impl RunId {
    /// Hashes a spec's [`ExperimentSpec::hashed_json`] and a dataset fingerprint into a run ID
    /// under this build's [`PIPELINE_VERSION`].
    #[must_use]
    pub fn compute(hashed_spec: &str, dataset_fingerprint: &str) -> Self {
        Self::compute_for_pipeline(hashed_spec, dataset_fingerprint, PIPELINE_VERSION)
    }

    /// The run ID the same spec and data had under another pipeline version (to check a run
    /// folder made by an older build).
    #[must_use]
    pub fn compute_for_pipeline(hashed_spec: &str, dataset_fingerprint: &str, pipeline_version: &str) -> Self {
        let mut hasher = Sha256::new();
        hasher.update(RUN_ID_PREFIX.as_bytes());
        hasher.update(hashed_spec.as_bytes());
        hasher.update(b"\n");
        hasher.update(dataset_fingerprint.as_bytes());
        hasher.update(b"\n");
        hasher.update(pipeline_version.as_bytes());
        Self(to_hex(&hasher.finalize()))
    }

    /// The first 12 hex digits, used in folder names.
    #[must_use]
    pub fn short(&self) -> &str {
        &self.0[..12.min(self.0.len())]
    }
}

impl std::fmt::Display for RunId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests;

//! Executing a spec: data → features → split → scaling → studies → a complete run folder.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use ndarray::Array2;

use crate::audio::{preprocess_file, Downstream, MemoryBudget, PreprocessParams, TrimBounds};
use crate::corpus::{
    csv_field, display_path, write_failures_csv, CorpusFile, Dataset, Failure, FeatureCache, HashIndex,
};
use crate::features::{extract_corpus, CorpusFeatures, Images};
use crate::report::{draw_figure, render_html, write_summary_csv, write_table_csv, HtmlReport};
use crate::spec::{ExperimentSpec, RunId, Scale, PIPELINE_VERSION};
use crate::split::{split_rows, standardize, standardize_per_group, SplitIndices};
use crate::study::{run_studies, Recording, RecordingSource, StudyData, StudyError, StudyOutput, StudyParts};

use super::manifest::{digest_folder, now_rfc3339, DatasetInfo, Machine, Manifest, RunMeta, SCHEMA_VERSION};
use super::status::RunStatus;
use super::store::{write_atomic, RunStore};
use super::RunsError;

/// A validated spec bound to its data: everything needed to name and execute a run.
#[derive(Debug, Clone)]
pub struct PreparedRun {
    /// The resolved spec.
    pub spec: ExperimentSpec,
    /// Its canonical JSON (stored as `spec.json`; the run ID hashes it without the corpus path).
    pub canonical_spec: String,
    /// The run ID.
    pub run_id: RunId,
    /// The data.
    pub dataset: Dataset,
    /// The corpus of `data.test_corpus`, when the spec names one.
    pub test_dataset: Option<Dataset>,
}

impl PreparedRun {
    /// Validates the spec, loads and fingerprints its corpus (and test corpus; unchanged
    /// files hashed through `index`), and computes the run ID.
    pub fn prepare(mut spec: ExperimentSpec, index: Option<&HashIndex>) -> Result<Self, RunsError> {
        spec.normalise_paths();
        spec.validate()?;
        let dataset = load_corpus(&spec.data.corpus, "data.corpus", &spec.label_columns(), index)?;
        let test_dataset = match &spec.data.test_corpus {
            Some(path) => Some(load_corpus(path, "data.test_corpus", &spec.test_corpus_columns(), index)?),
            None => None,
        };
        check_k_fits(&spec, dataset.files.len() + dataset.failures.len())?;
        let canonical_spec = spec.canonical_json();
        let fingerprint = data_fingerprint(&dataset.fingerprint, test_dataset.as_ref().map(|d| d.fingerprint.as_str()));
        let run_id = RunId::compute(&spec.hashed_json(), &fingerprint);
        Ok(Self { spec, canonical_spec, run_id, dataset, test_dataset })
    }
}

/// What the run ID hashes of the data: the corpus's fingerprint, and the test corpus's after
/// it when there is one (so runs without a test corpus keep their IDs).
#[must_use]
pub fn data_fingerprint(corpus: &str, test_corpus: Option<&str>) -> String {
    match test_corpus {
        None => corpus.to_string(),
        Some(test) => format!("{corpus}\ntest_corpus {test}"),
    }
}

/// Scans, hashes and checks one corpus: it has input files, its labels name existing files,
/// and it has every label column in `needed` (field, column).
fn load_corpus(
    path: &Path,
    field: &str,
    needed: &[(&'static str, &str)],
    index: Option<&HashIndex>,
) -> Result<Dataset, RunsError> {
    let dataset = Dataset::load(path, &[], index)?;
    if let Some(nothing) = dataset.nothing_found() {
        return Err(crate::spec::SpecError::invalid(field, nothing).into());
    }
    dataset.check_labels()?;
    for (column_field, column) in needed {
        let known = dataset.labels.as_ref().is_some_and(|l| l.columns.iter().any(|c| c == column));
        if !known {
            return Err(crate::spec::SpecError::invalid(
                *column_field,
                format!("{column:?} is not a column of {}/labels.csv", path.display()),
            )
            .into());
        }
    }
    Ok(dataset)
}

/// Rejects, before any work, a study that asks for at least as many clusters as its split can
/// have rows when every one of `n_inputs` files is processed. The split sizes of an ungrouped
/// split are exact; a grouped or stratified split is bounded by the whole corpus. (Once the
/// files are processed, the study checks again against the rows it really has.)
fn check_k_fits(spec: &ExperimentSpec, n_inputs: usize) -> Result<(), RunsError> {
    let exact = spec.split.group_by.is_none() && spec.split.stratify_by.is_none();
    let sizes = crate::split::part_sizes(n_inputs, spec.split.fractions);
    for (index, study) in spec.studies.iter().enumerate() {
        for crate::spec::KDemand { field, k, min_rows, split } in study.k_demands() {
            let (n_rows, what) = if exact {
                let part: usize = crate::spec::SplitName::PARTS
                    .iter()
                    .zip(sizes)
                    .filter(|(part, _)| split.contains(**part))
                    .map(|(_, size)| size)
                    .sum();
                (part, format!("its {} split has {part} rows", split.as_str()))
            } else {
                (n_inputs, format!("no split can have more rows than its {n_inputs} input files"))
            };
            if min_rows > n_rows {
                return Err(crate::spec::SpecError::invalid(
                    format!("study[{index}].{field}"),
                    format!(
                        "k = {k} is too many clusters: the corpus {} has {n_inputs} input files, so {what}, \
                         and k = {k} needs {min_rows}",
                        spec.data.corpus.display()
                    ),
                )
                .into());
            }
        }
    }
    Ok(())
}

/// Progress reports from a long run (implemented by the CLI with progress bars).
pub trait Progress: Sync {
    /// A new stage starts; `total` is its number of steps (0 when unknown).
    fn stage(&self, label: &str, total: u64);
    /// One step of the current stage is done.
    fn advance(&self);
}

/// A [`Progress`] that reports nothing.
pub struct NoProgress;

impl Progress for NoProgress {
    fn stage(&self, _: &str, _: u64) {}
    fn advance(&self) {}
}

/// Options of an execution that are not part of the spec (they never change results).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ExecuteOptions {
    /// The feature cache, or None to bypass it.
    pub cache: Option<FeatureCache>,
    /// Git commit recorded in the manifest.
    pub git_commit: Option<String>,
    /// Whether the working tree had uncommitted changes to tracked files (outside `runs/`).
    pub git_dirty: Option<bool>,
    /// SHA-256 of those changes (`git diff HEAD`), when there are some.
    pub git_diff_sha256: Option<String>,
    /// The spec file as written (comments and all), kept as `spec.toml` beside `spec.json`.
    pub spec_source: Option<String>,
    /// Where the studies' independent fits are computed: here, or as a cluster's tasks
    /// through the run's parts folder ([`super::run_in_parts`]).
    #[serde(default, skip_serializing_if = "StudyParts::is_here")]
    pub study_parts: StudyParts,
}

impl ExecuteOptions {
    /// The hash index kept with the feature cache (none without a cache).
    #[must_use]
    pub fn hash_index(&self) -> Option<HashIndex> {
        self.cache.as_ref().map(FeatureCache::hash_index)
    }
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq)]
pub struct RunResult {
    /// The complete run folder.
    pub folder: PathBuf,
    /// True when an existing run was found and nothing was computed.
    pub reused: bool,
    /// Input files that failed (listed in the run's `failures.csv`).
    pub n_failed: usize,
}

/// Runs a prepared spec into the store: reuses an existing complete run unless `force`,
/// otherwise executes into `runs/.partial/<id>-<pid>@<host>~…/` under the run's lock and renames
/// the folder into place when it is complete.
///
/// Half-written folders of writers that died (on this host) are removed first, whatever run
/// they belong to. A folder of this run ID that exists but is not complete is an error
/// ([`RunsError::Incomplete`]) unless `force`.
pub fn run(
    prepared: &PreparedRun,
    store: &RunStore,
    options: &ExecuteOptions,
    force: bool,
    progress: &dyn Progress,
    on_wait: impl FnOnce(),
) -> Result<RunResult, RunsError> {
    let name = &prepared.spec.name;
    let id = &prepared.run_id.0;
    let reuse = |folder: PathBuf| -> Result<RunResult, RunsError> {
        // Failed inputs of both corpora, as a computed run reports them.
        let manifest = super::read_manifest(&folder)?;
        let n_failed = manifest.dataset.n_failed + manifest.test_dataset.map_or(0, |d| d.n_failed);
        Ok(RunResult { folder, reused: true, n_failed })
    };
    if !force {
        if let Some(folder) = store.complete_folder(name, id)? {
            return reuse(folder);
        }
    }
    let _lock = store.lock(id, on_wait)?;
    if !force {
        // Another process may have finished this run while we waited for the lock.
        if let Some(folder) = store.complete_folder(name, id)? {
            return reuse(folder);
        }
    }
    let partial_root = store.partial_dir();
    store.record_interrupted();
    crate::atomic::remove_stale_in(&partial_root);
    remove_partials_of(&partial_root, id);
    let partial = partial_root.join(format!("{id}-{}", crate::atomic::ProcessTag::current().name_part()));
    std::fs::create_dir_all(&partial).map_err(|e| RunsError::io(&partial, e))?;
    let mut status = RunStatus::starting(prepared);
    let sidecar = RunStore::started_sidecar(&partial);
    let status_text = serde_json::to_string_pretty(&status).map_err(|e| RunsError::io(&sidecar, e))?;
    super::store::write_atomic(&sidecar, status_text.as_bytes())?;
    let executed = execute(prepared, &partial, options, progress);
    let n_failed = match executed {
        Ok(n) => n,
        Err(e @ RunsError::Study(StudyError::PartsPending(_))) => {
            // Not a failure: the run goes on once other tasks have computed the parts.
            let _ = std::fs::remove_dir_all(&partial);
            let _ = std::fs::remove_file(&sidecar);
            return Err(e);
        }
        Err(e) => {
            let _ = std::fs::remove_dir_all(&partial);
            status.status = "failed".into();
            status.error = Some(e.to_string());
            status.finished = Some(now_rfc3339());
            // The error is what the user needs; a record that cannot be written is not.
            let _ = store.record_status(&status);
            let _ = std::fs::remove_file(&sidecar);
            return Err(e);
        }
    };
    let folder = store.fresh_folder(name, id);
    if let Err(e) = std::fs::rename(&partial, &folder) {
        let e = RunsError::io(&folder, e);
        status.status = "failed".into();
        status.error = Some(e.to_string());
        status.finished = Some(now_rfc3339());
        let _ = store.record_status(&status);
        let _ = std::fs::remove_file(&sidecar);
        return Err(e);
    }
    let _ = std::fs::remove_file(&sidecar);
    store.clear_status(name, id);
    // The parts a cluster computed for this run are in its results now.
    if let Err(e) = crate::atomic::remove_path(&store.parts_dir(id)) {
        if e.kind() != std::io::ErrorKind::NotFound {
            eprintln!("warning: the run's study parts were not removed ({e}); `vlogmood gc` removes them");
        }
    }
    // The run is complete and in place; an index that cannot be updated now is rebuilt from
    // the folders by the next listing.
    if let Err(e) = store.record(&folder) {
        eprintln!("warning: the run index was not updated ({e}); the next `runs` rebuilds it");
    }
    Ok(RunResult { folder, reused: false, n_failed })
}

/// Removes half-written folders (and their sidecars) of this run ID, whoever wrote them. Only called while holding
/// the run's lock, so no live process is writing them.
fn remove_partials_of(partial_root: &Path, run_id: &str) {
    if let Ok(entries) = std::fs::read_dir(partial_root) {
        for entry in entries.filter_map(Result::ok) {
            if entry.file_name().to_string_lossy().starts_with(run_id) {
                let _ = crate::atomic::remove_path(&entry.path());
            }
        }
    }
}

/// Executes a prepared spec into `folder` (which must exist and be empty) and returns the
/// number of input files that failed. `manifest.json` is written last.
pub fn execute(
    prepared: &PreparedRun,
    folder: &Path,
    options: &ExecuteOptions,
    progress: &dyn Progress,
) -> Result<usize, RunsError> {
    let started_at = now_rfc3339();
    let clock = Instant::now();
    let spec = &prepared.spec;
    let dataset = &prepared.dataset;

    progress.stage("features", dataset.files.len() as u64);
    let (columns, positions) = selected_columns(spec)?;
    // Each file's log-mel image is 64 KB: held for every file only when something reads them.
    let images = if spec.reads_images() || spec.features.recipe == LOGMEL { Images::Keep } else { Images::Drop };
    let extract = |data: &Dataset| {
        extract_corpus(
            &data.files,
            &data.hashes,
            &spec.preprocess,
            &spec.features.params,
            options.cache.as_ref(),
            images,
            &|| progress.advance(),
        )
    };
    let features = extract(dataset)?;
    let main = usable_rows(spec, dataset, &features, &columns, &positions, &spec.label_columns())?;
    let test = match &prepared.test_dataset {
        Some(test_dataset) => {
            progress.stage("test corpus features", test_dataset.files.len() as u64);
            let features = extract(test_dataset)?;
            Some(usable_rows(spec, test_dataset, &features, &columns, &positions, &spec.test_corpus_columns())?)
        }
        None => None,
    };
    let rows = AllRows::new(main, test, spec.data.test_corpus.as_deref())
        .with_datasets(dataset, prepared.test_dataset.as_ref());
    let (raw, failures) = (&rows.raw, &rows.failures);

    let label_column = |column: &Option<String>| -> Result<Option<Vec<String>>, RunsError> {
        column.as_deref().map(|column| rows.label_column(column)).transpose()
    };
    let n_main = rows.n_main;
    let groups = label_column(&spec.split.group_by)?;
    let strata = label_column(&spec.split.stratify_by)?;
    let split =
        split_rows(n_main, spec.split.fractions, groups.as_deref(), strata.as_deref(), &mut spec.seed.rng_for(0))?;
    let x = match spec.features.scale {
        Scale::None => raw.clone(),
        Scale::Standard => standardize(raw.view(), split.rows(crate::spec::SplitName::Train))?,
        Scale::PerGroup => {
            let column = spec.features.scale_group_by.as_deref().expect("validated: per_group has a column");
            let groups = rows.group_column(column)?;
            standardize_per_group(raw.view(), &groups)?
        }
    };

    let validation_labels: Vec<(String, Vec<String>)> = spec
        .validation
        .labels
        .iter()
        .map(|column| Ok((column.clone(), rows.label_column(column)?)))
        .collect::<Result<_, RunsError>>()?;
    let (x, feature_names) = match spec.features.project {
        None => (x, columns),
        Some(project) => project_features(x, &split, project)?,
    };
    // Test-corpus rows need only the columns they are tested by; the others (a study's
    // group_by, which holds out validation speakers among the training rows) are empty there.
    let test_columns = spec.test_corpus_columns();
    let columns: BTreeMap<String, Vec<String>> = spec
        .label_columns()
        .into_iter()
        .map(|(field, column)| {
            let values = if rows.test.is_none() || test_columns.iter().any(|(f, _)| *f == field) {
                rows.label_column(column)?
            } else {
                rows.main_column(column)?
            };
            Ok((column.to_string(), values))
        })
        .collect::<Result<_, RunsError>>()?;
    let test_rows: Vec<usize> = (n_main..raw.nrows()).collect();
    let shape = crate::features::recipe(&spec.features.recipe)?.shape;
    let recordings = CorpusRecordings { files: &rows.main, params: &spec.preprocess };
    let data = StudyData {
        x: x.view(),
        unscaled: raw.view(),
        scale: spec.features.scale,
        image_shape: (shape.len() == 2).then(|| [shape[0], shape[1]]),
        images: rows.extra.images.as_ref().map(|images| {
            let shape = crate::features::recipe(LOGMEL).expect("a built-in recipe").shape;
            (images.view(), [shape[0], shape[1]])
        }),
        descriptive: rows.extra.descriptive.as_ref().map(Array2::view),
        recordings: Some(&recordings),
        feature_params: &spec.features.params,
        split: &split,
        feature_names: &feature_names,
        file_names: &rows.file_names,
        labels: &validation_labels,
        test_rows: &test_rows,
        columns: &columns,
        n_permutations: spec.validation.n_permutations,
        noise: spec.validation.noise,
        parts: &options.study_parts,
    };
    progress.stage("studies", spec.studies.len() as u64);
    let output = run_studies(&spec.studies, data, spec.seed.derive(1_000), |_| progress.advance())?;

    progress.stage("writing", 0);
    write_outputs(
        folder,
        prepared,
        &rows.file_names,
        data.image_shape.is_none().then_some(&x),
        &split,
        &output,
        failures,
    )?;
    if let Some(source) = &options.spec_source {
        let path = folder.join("spec.toml");
        std::fs::write(&path, source).map_err(|e| RunsError::io(&path, e))?;
    }
    let mut meta = RunMeta { description: spec.meta.description.clone(), tags: spec.meta.tags.clone() };
    if meta != RunMeta::default() {
        meta.tags.sort();
        meta.tags.dedup();
        meta.write(folder).map_err(|e| RunsError::io(folder, e))?;
    }
    let manifest = Manifest {
        run_id: prepared.run_id.0.clone(),
        name: spec.name.clone(),
        schema_version: SCHEMA_VERSION,
        pipeline_version: PIPELINE_VERSION.into(),
        crate_version: env!("CARGO_PKG_VERSION").into(),
        git_commit: options.git_commit.clone(),
        git_dirty: options.git_dirty,
        git_diff_sha256: options.git_diff_sha256.clone(),
        cargo_lock_sha256: Some(super::manifest::cargo_lock_sha256()),
        crates: super::manifest::result_crate_versions(),
        command: std::env::args().collect(),
        host: Some(crate::atomic::hostname()),
        rustc: env!("VLOGMOOD_RUSTC_VERSION").into(),
        machine: Machine::current(),
        threads: rayon::current_num_threads(),
        seed: spec.seed.0,
        dataset: DatasetInfo {
            root: spec.data.corpus.display().to_string(),
            fingerprint: dataset.fingerprint.clone(),
            n_files: dataset.files.len(),
            n_failed: rows.main_failures,
        },
        test_dataset: prepared.test_dataset.as_ref().zip(spec.data.test_corpus.as_ref()).map(|(d, root)| DatasetInfo {
            root: root.display().to_string(),
            fingerprint: d.fingerprint.clone(),
            n_files: d.files.len(),
            n_failed: failures.len() - rows.main_failures,
        }),
        started: started_at,
        finished: now_rfc3339(),
        wall_seconds: clock.elapsed().as_secs_f64(),
        status: "complete".into(),
        files: BTreeMap::new(),
    };
    let report_manifest = serde_json::to_string_pretty(&manifest).map_err(|e| RunsError::io(folder, e))?;
    write_report(folder, prepared, &report_manifest, &output)?;
    // Last: the list of every other file, then the manifest that makes the folder a run.
    let manifest = Manifest { files: digest_folder(folder).map_err(|e| RunsError::io(folder, e))?, ..manifest };
    let manifest_json = serde_json::to_string_pretty(&manifest).map_err(|e| RunsError::io(folder, e))?;
    write_atomic(&folder.join("manifest.json"), manifest_json.as_bytes())?;
    Ok(failures.len())
}

/// The features replaced by their first principal components, fitted on the rows `project`
/// names; columns `pc1`, `pc2`, ...
fn project_features(
    x: Array2<f64>,
    split: &SplitIndices,
    project: crate::spec::FeatureProjection,
) -> Result<(Array2<f64>, Vec<String>), RunsError> {
    let fit_rows: Vec<usize> = match project.fit_on {
        crate::spec::ProjectionFitRows::Train => split.rows(crate::spec::SplitName::Train).to_vec(),
        crate::spec::ProjectionFitRows::AllAsNotebook => (0..x.nrows()).collect(),
    };
    let fit_x = x.select(ndarray::Axis(0), &fit_rows);
    let fitted = crate::models::pca(fit_x.view(), project.n_components)
        .map_err(|e| RunsError::Data(format!("features.project: {e}")))?;
    let mean = fit_x.mean_axis(ndarray::Axis(0)).expect("PCA succeeded, so there are rows");
    let scores = (&x - &mean).dot(&fitted.components.t());
    let names = (1..=project.n_components).map(|c| format!("pc{c}")).collect();
    Ok((scores, names))
}

/// The feature columns the models see (`features.columns`, else all of the recipe's) and their
/// positions among the recipe's columns.
fn selected_columns(spec: &ExperimentSpec) -> Result<(Vec<String>, Vec<usize>), RunsError> {
    let all = crate::features::recipe(&spec.features.recipe)?.columns;
    let Some(selected) = &spec.features.columns else {
        return Ok((all.clone(), (0..all.len()).collect()));
    };
    let positions = selected
        .iter()
        .map(|name| all.iter().position(|c| c == name).expect("validated: every selected column is the recipe's"))
        .collect();
    Ok((selected.clone(), positions))
}

/// The files whose rows the models see, their feature matrix, the other matrices studies read
/// (whatever the recipe), and every input that failed.
type UsableRows<'a> = (Vec<&'a CorpusFile>, Array2<f64>, ExtraMatrices, Vec<Failure>);

/// The corpus rows' files, decoded again when a study draws their signal.
#[derive(Debug)]
struct CorpusRecordings<'a> {
    files: &'a [&'a CorpusFile],
    params: &'a PreprocessParams,
}

impl RecordingSource for CorpusRecordings<'_> {
    /// Decodes the file twice, untrimmed and as the features saw it, so the kept span is the
    /// one the pipeline used, not one recomputed from the quantised signal.
    fn recording(&self, row: usize) -> Result<Recording, String> {
        let file = self.files.get(row).ok_or_else(|| format!("row {row} is not a corpus row"))?;
        let budget = MemoryBudget::from_system(rayon::current_num_threads());
        // The untrimmed signal is read into memory whole (4 bytes a sample, 4000 thousandths).
        let decode = |trim: bool, downstream: Downstream| {
            let params = PreprocessParams { trim, ..self.params.clone() };
            preprocess_file(&file.path, &params, &budget, downstream).map_err(|e| e.to_string())
        };
        let whole = decode(false, Downstream::in_memory(4000))?;
        let kept = if self.params.trim {
            decode(true, Downstream::NOTHING)?.trim
        } else {
            TrimBounds { start: 0, end: whole.samples.len() }
        };
        let samples =
            whole.samples.to_vec().map_err(|e| format!("{}: reading its signal back: {e}", file.path.display()))?;
        Ok(Recording { samples, sample_rate_hz: whole.sample_rate_hz, kept })
    }
}

/// Per-row matrices beside the recipe's that some studies read.
#[derive(Default)]
struct ExtraMatrices {
    /// Log-mel images, flattened, when a study reads them (the CNN, `explore`).
    images: Option<Array2<f64>>,
    /// Descriptive features, when a study reads them (`explore`).
    descriptive: Option<Array2<f64>>,
}

impl ExtraMatrices {
    /// Appends the rows of `other` (the test corpus's) below these.
    fn append(&mut self, other: Self) {
        for (mine, theirs) in [(&mut self.images, other.images), (&mut self.descriptive, other.descriptive)] {
            if let (Some(mine), Some(theirs)) = (mine.as_mut(), theirs) {
                mine.append(ndarray::Axis(0), theirs.view()).expect("matrices of one width");
            }
        }
    }
}

/// The rows models can use: processed files whose features are finite and that have a value
/// in every label column in `needed`. Every other input becomes a failure (listed in the
/// run's `failures.csv`) while the rest go on; fewer than 3 usable rows is an error.
fn usable_rows<'a>(
    spec: &ExperimentSpec,
    dataset: &'a Dataset,
    features: &CorpusFeatures,
    columns: &[String],
    positions: &[usize],
    needed: &[(&'static str, &str)],
) -> Result<UsableRows<'a>, RunsError> {
    let recipe = &spec.features.recipe;
    let matrix = features.matrix(recipe).ok_or_else(|| RunsError::Data(format!("recipe {recipe:?} has no matrix")))?;
    let matrix = matrix.select(ndarray::Axis(1), positions);
    let mut failures: Vec<Failure> = dataset.failures.iter().chain(&features.failures).cloned().collect();
    let (mut keep, mut files) = (Vec::new(), Vec::new());
    for (row, &index) in features.rows.iter().enumerate() {
        let file = &dataset.files[index];
        let shown = display_path(&file.path);
        let mut fail =
            |reason: String| failures.push(Failure { file: shown.clone(), reason: format!("{shown}: {reason}") });
        if let Some((col, value)) = matrix.row(row).iter().enumerate().find(|(_, v)| !v.is_finite()) {
            let name = columns.get(col).map_or("?", |c| c.as_str());
            fail(format!("feature {name} of recipe {recipe} is {value}; models need finite features"));
            continue;
        }
        let unlabelled = needed
            .iter()
            .find(|(_, column)| dataset.labels.as_ref().and_then(|l| l.get(&file.relative_path, column)).is_none());
        if let Some((field, column)) = unlabelled {
            fail(format!("no {column:?} value in labels.csv (the spec reads it for {field})"));
            continue;
        }
        keep.push(row);
        files.push(file);
    }
    failures.sort_by(|a, b| a.file.cmp(&b.file));
    if keep.len() < 3 {
        let n_inputs = dataset.files.len() + dataset.failures.len();
        let reasons: Vec<&str> = failures.iter().take(5).map(|f| f.reason.as_str()).collect();
        return Err(RunsError::Data(format!(
            "{}: only {} of {n_inputs} input files could be used, and a split needs at least 3; first failures: {}",
            dataset.root.display(),
            keep.len(),
            reasons.join("; ")
        )));
    }
    let images = if spec.reads_images() {
        let images = features.matrix(LOGMEL).ok_or_else(|| RunsError::Data("log-mel images differ in size".into()))?;
        Some(images.select(ndarray::Axis(0), &keep))
    } else {
        None
    };
    let descriptive = spec
        .reads_descriptive()
        .then(|| features.matrix("descriptive").expect("a vector recipe").select(ndarray::Axis(0), &keep));
    Ok((files, matrix.select(ndarray::Axis(0), &keep), ExtraMatrices { images, descriptive }, failures))
}

/// The image recipe the CNN reads.
const LOGMEL: &str = "logmel128";

/// The corpus's usable rows, then the test corpus's: one matrix, one name per row, and the
/// labels each row's own corpus gives it.
struct AllRows<'a> {
    /// Rows of the spec's corpus (the first `n_main` rows).
    n_main: usize,
    main: Vec<&'a CorpusFile>,
    /// The test corpus's usable files, and its path.
    test: Option<(Vec<&'a CorpusFile>, &'a Path)>,
    raw: Array2<f64>,
    /// Each row's log-mel image and descriptive features, when a study reads them.
    extra: ExtraMatrices,
    /// Each row's file: its path in the corpus, or `<test corpus>/<path>` for test rows.
    file_names: Vec<String>,
    /// Every failed input of both corpora; the first `main_failures` are the corpus's.
    failures: Vec<Failure>,
    main_failures: usize,
    datasets: (Option<&'a Dataset>, Option<&'a Dataset>),
}

impl<'a> AllRows<'a> {
    fn new(main: UsableRows<'a>, test: Option<UsableRows<'a>>, test_root: Option<&'a Path>) -> Self {
        let (main_files, mut raw, mut extra, mut failures) = main;
        let n_main = main_files.len();
        let main_failures = failures.len();
        let mut file_names: Vec<String> = main_files.iter().map(|f| f.relative_path.clone()).collect();
        let test = test.zip(test_root).map(|((files, test_raw, test_extra, test_failures), root)| {
            raw.append(ndarray::Axis(0), test_raw.view()).expect("both corpora have the recipe's columns");
            extra.append(test_extra);
            failures.extend(test_failures);
            file_names.extend(files.iter().map(|f| format!("{}/{}", root.display(), f.relative_path)));
            (files, root)
        });
        Self { n_main, main: main_files, test, raw, extra, file_names, failures, main_failures, datasets: (None, None) }
    }

    fn with_datasets(mut self, main: &'a Dataset, test: Option<&'a Dataset>) -> Self {
        self.datasets = (Some(main), test);
        self
    }

    /// One `labels.csv` column for every row, each from its own corpus.
    fn label_column(&self, column: &str) -> Result<Vec<String>, RunsError> {
        self.column_values_of(column, "", true)
    }

    /// A grouping column for every row: test-corpus values are kept apart from the corpus's
    /// (`actor` 1 of one corpus is not `actor` 1 of the other) by a `test_corpus:` prefix.
    fn group_column(&self, column: &str) -> Result<Vec<String>, RunsError> {
        self.column_values_of(column, "test_corpus:", true)
    }

    /// A column only the corpus's rows have: its values there, empty for test-corpus rows.
    fn main_column(&self, column: &str) -> Result<Vec<String>, RunsError> {
        let n_test = self.test.as_ref().map_or(0, |(files, _)| files.len());
        let mut values = self.column_values_of(column, "", false)?;
        values.extend(std::iter::repeat_n(String::new(), n_test));
        Ok(values)
    }

    fn column_values_of(&self, column: &str, test_prefix: &str, with_test: bool) -> Result<Vec<String>, RunsError> {
        let lookup = |dataset: Option<&Dataset>, file: &CorpusFile| -> Result<String, RunsError> {
            dataset
                .and_then(|d| d.labels.as_ref())
                .and_then(|l| l.get(&file.relative_path, column))
                .map(str::to_string)
                .ok_or_else(|| RunsError::Data(format!("{} has no {column:?} value in labels.csv", file.relative_path)))
        };
        let mut values: Vec<String> = self.main.iter().map(|f| lookup(self.datasets.0, f)).collect::<Result<_, _>>()?;
        if let Some((files, _)) = self.test.as_ref().filter(|_| with_test) {
            for file in files {
                values.push(format!("{test_prefix}{}", lookup(self.datasets.1, file)?));
            }
        }
        Ok(values)
    }
}

/// Writes `metrics.json` as a flat, sorted map of finite values (shortest round-trip floats).
pub(super) fn metrics_json(metrics: &BTreeMap<String, f64>) -> String {
    let finite: BTreeMap<&String, &f64> = metrics.iter().filter(|(_, v)| v.is_finite()).collect();
    serde_json::to_string_pretty(&finite).expect("a map of strings to finite floats serialises")
}

fn write_outputs(
    folder: &Path,
    prepared: &PreparedRun,
    file_names: &[String],
    x: Option<&Array2<f64>>,
    split: &SplitIndices,
    output: &StudyOutput,
    failures: &[Failure],
) -> Result<(), RunsError> {
    let io = |path: &Path, e: &dyn std::fmt::Display| RunsError::io(path, e);
    std::fs::write(folder.join("spec.json"), &prepared.canonical_spec).map_err(|e| io(folder, &e))?;
    std::fs::write(folder.join("metrics.json"), metrics_json(&output.metrics)).map_err(|e| io(folder, &e))?;
    let files_txt: String = file_names.iter().map(|f| format!("{f}\n")).collect();
    std::fs::write(folder.join("files.txt"), files_txt).map_err(|e| io(folder, &e))?;
    // The models' input matrix; not for image recipes, whose images stay in the feature cache
    // (a run of 720 log-mels would carry 94 MB).
    if let Some(x) = x {
        let npy = folder.join("features.npy");
        ndarray_npy::write_npy(&npy, x).map_err(|e| io(&npy, &e))?;
    }

    let tables = folder.join("tables");
    std::fs::create_dir_all(&tables).map_err(|e| io(&tables, &e))?;
    for table in &output.tables {
        write_table_csv(table, &tables.join(format!("{}.csv", table.name)))?;
    }
    write_summary_csv(&output.summary, &tables.join("summary.csv"))?;
    for (name, markdown) in &output.documents {
        let path = tables.join(format!("{name}.md"));
        std::fs::write(&path, markdown).map_err(|e| io(&path, &e))?;
    }

    let figures = folder.join("figures");
    std::fs::create_dir_all(&figures).map_err(|e| io(&figures, &e))?;
    for figure in &output.figures {
        for &format in &prepared.spec.report.formats {
            draw_figure(figure, &figures, format)?;
        }
    }

    let assignments = folder.join("assignments");
    std::fs::create_dir_all(&assignments).map_err(|e| io(&assignments, &e))?;
    let parts = split.part_of_rows(file_names.len());
    for assignment in &output.assignments {
        let mut csv = String::from("file,split,cluster\n");
        for &(row, cluster) in &assignment.clusters {
            let part = parts[row].map_or("none", |p| p.as_str());
            // Noise is −1, as scikit-learn writes it.
            let cluster = cluster.map_or_else(|| "-1".to_string(), |c| c.to_string());
            csv.push_str(&format!("{},{part},{cluster}\n", csv_field(&file_names[row])));
        }
        let path = assignments.join(format!("{}.csv", assignment.name));
        std::fs::write(&path, csv).map_err(|e| io(&path, &e))?;
    }
    if !output.predictions.is_empty() {
        let predictions = folder.join("predictions");
        std::fs::create_dir_all(&predictions).map_err(|e| io(&predictions, &e))?;
        for table in &output.predictions {
            write_table_csv(table, &predictions.join(format!("{}.csv", table.name)))?;
        }
    }
    if !failures.is_empty() {
        write_failures_csv(&folder.join("failures.csv"), failures)?;
    }
    Ok(())
}

fn write_report(
    folder: &Path,
    prepared: &PreparedRun,
    manifest_json: &str,
    output: &StudyOutput,
) -> Result<(), RunsError> {
    // The page shows PNGs, or the SVGs when those are all there is.
    let shown = prepared.spec.report.formats.iter().copied().min().expect("validated: at least one format");
    // Figures grouped by study, the explore studies' first (what the data look like before
    // what models made of it).
    let mut figures = output.figures.iter();
    let mut figure_sections: Vec<(String, Vec<String>)> = output
        .figure_counts
        .iter()
        .map(|(study, n)| {
            let files = figures.by_ref().take(*n).map(|f| format!("figures/{}.{}", f.name(), shown.extension()));
            (study.clone(), files.collect())
        })
        .collect();
    figure_sections.sort_by_key(|(study, _)| !study.starts_with("explore"));
    let html = render_html(&HtmlReport {
        title: &prepared.spec.name,
        run_id: &prepared.run_id.0,
        manifest_json,
        spec_json: &prepared.canonical_spec,
        metrics: &output.metrics,
        summary: &output.summary,
        tables: &output.tables,
        figure_sections: &figure_sections,
        documents: &output.documents,
    });
    let path = folder.join("report.html");
    std::fs::write(&path, html).map_err(|e| RunsError::io(&path, e))
}

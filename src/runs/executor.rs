//! The executor seam (DESIGN §10): where the tasks a run fans out are executed.
//!
//! A [`Task`] is serialisable and names its inputs by content: a sweep member is its resolved
//! spec and the run ID that spec must hash to (with the data it reads); a batch of feature
//! extractions is its files with the SHA-256 each must have. A task run later or on another
//! machine either computes exactly that or refuses. Its [`TaskOutcome`] is serialisable too,
//! and callers reduce outcomes in task order, so where the tasks ran never changes a byte of
//! what is written. The [`LocalExecutor`] runs them on this machine, `jobs` at a time; the
//! [`SlurmExecutor`](super::slurm::SlurmExecutor) submits them as one job array.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::audio::PreprocessParams;
use crate::corpus::{hash_files, CacheKey, CorpusFile, Dataset, FeatureCache};
use crate::features::{cache_params_hash, extract_corpus, FeatureParams, Images};
use crate::spec::{ExperimentSpec, MetaSpec};
use crate::study::{parts_stored, PartsMode, PendingParts, StudyError, StudyParts};

use super::status::RunStatus;
use super::store::completeness;
use super::{execute, run, ExecuteOptions, NoProgress, PreparedRun, RunStore, RunsError};

/// One unit of work.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Task {
    /// One run (a sweep member) into a run store: computed, or reused when it exists.
    Run(RunTask),
    /// Some parts of one step of a run's studies (bootstrap replicates, classification folds
    /// ...), stored in the run's parts folder, where its [`Task::Run`] then reads them.
    StudyParts {
        /// The run.
        run: RunTask,
        /// The step.
        step: String,
        /// The parts of it to compute.
        indices: Vec<usize>,
    },
    /// The features of a batch of files, into the feature cache (where `features` and runs
    /// then find them).
    Features {
        /// The files, each with the SHA-256 its bytes must have.
        files: Vec<FeatureInput>,
        /// How each file is preprocessed.
        preprocess: PreprocessParams,
        /// The feature parameters.
        params: FeatureParams,
        /// The cache the features are written to.
        cache: FeatureCache,
    },
}

/// A run, as a task names it: by its resolved spec and the ID that spec must hash to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunTask {
    /// The resolved spec, as `spec.json` stores it.
    pub spec: String,
    /// Its `[meta]` (kept with the run, not part of its ID).
    pub meta: MetaSpec,
    /// The run ID the spec and its data must hash to.
    pub run_id: String,
    /// The run store's root.
    pub store: PathBuf,
    /// The recording options (cache, git state, spec source) and where study parts run.
    pub options: ExecuteOptions,
}

impl RunTask {
    /// The task that runs `prepared` into `store`.
    #[must_use]
    pub fn of(prepared: &PreparedRun, store: PathBuf, options: ExecuteOptions) -> Self {
        Self {
            spec: prepared.canonical_spec.clone(),
            meta: prepared.spec.meta.clone(),
            run_id: prepared.run_id.0.clone(),
            store,
            options,
        }
    }

    /// The run prepared again from its spec, refused when its data no longer hashes to the
    /// run ID the task was made with.
    fn prepare(&self) -> Result<PreparedRun, String> {
        let mut spec = ExperimentSpec::from_stored_json(&self.spec).map_err(|e| format!("reading the spec: {e}"))?;
        spec.meta = self.meta.clone();
        let prepared = PreparedRun::prepare(spec, self.options.hash_index().as_ref()).map_err(|e| e.to_string())?;
        if prepared.run_id.0 != self.run_id {
            return Err(format!(
                "the spec and its data now hash to run {}, not {} as when the task was made (the corpus \
                 changed since)",
                prepared.run_id.short(),
                &self.run_id[..12.min(self.run_id.len())]
            ));
        }
        Ok(prepared)
    }

    /// Records that the run, started at `started`, failed with `error` (as a run that fails while executing does:
    /// `runs --all` lists it, `gc` removes the record), and returns the error.
    ///
    /// Another process may have completed the run meanwhile (its completion clears a record
    /// made before it): a record made after it is cleared here.
    fn record_failure(&self, started: &str, error: String) -> String {
        let name = serde_json::from_str::<serde_json::Value>(&self.spec)
            .ok()
            .and_then(|spec| spec.get("name").and_then(|n| n.as_str()).map(str::to_owned))
            .unwrap_or_default();
        let status = RunStatus::failed(&self.run_id, &name, &self.spec, started.into(), error.clone());
        let store = RunStore::new(&self.store);
        // The error is what the user needs; a record that cannot be written is not.
        let _ = store.record_status(&status);
        if store.is_complete(&self.run_id) {
            store.clear_status(&name, &self.run_id);
        }
        error
    }

    /// The run's study parts folder.
    #[must_use]
    pub fn parts_dir(&self) -> PathBuf {
        RunStore::new(&self.store).parts_dir(&self.run_id)
    }

    /// This run with its study parts going through its parts folder as `mode` says.
    fn with_parts(&self, mode: PartsMode) -> Self {
        let study_parts = StudyParts::Stored { dir: self.parts_dir(), mode };
        Self { options: ExecuteOptions { study_parts, ..self.options.clone() }, ..self.clone() }
    }

    /// Runs it: its outcome, or the study parts it waits for.
    fn execute(&self) -> Result<TaskOutcome, String> {
        if matches!(self.options.study_parts, StudyParts::Stored { .. }) {
            self.claim_parts()?;
        }
        let prepared = self.prepare()?;
        match run(&prepared, &RunStore::new(&self.store), &self.options, false, &NoProgress, || {}) {
            Ok(result) => Ok(TaskOutcome::Run(RunOutcome {
                folder: result.folder,
                reused: result.reused,
                n_failed_inputs: result.n_failed,
            })),
            Err(RunsError::Study(StudyError::PartsPending(pending))) => Ok(TaskOutcome::Pending(pending)),
            Err(e) => Err(e.to_string()),
        }
    }

    /// Makes sure the run's parts folder is this build's (creating it if need be) before a
    /// task reads or adds parts: the driver discards another build's parts before it submits,
    /// so finding them here means the executable changed while the run was on the cluster.
    fn claim_parts(&self) -> Result<(), String> {
        let dir = self.parts_dir();
        match PartsBuild::of(&dir)? {
            PartsBuild::This => Ok(()),
            PartsBuild::None => PartsBuild::stamp(&dir),
            PartsBuild::Other => Err(format!(
                "{} holds parts stored by another build of vlogmood than this task's: every node must run \
                 the executable that submitted the run",
                dir.display()
            )),
        }
    }

    /// Computes `indices` of `step` into the run's parts folder and returns how many it computed.
    fn compute_parts(&self, step: &str, indices: &[usize]) -> Result<usize, String> {
        let prepared = self.prepare()?;
        let dir = self.parts_dir();
        self.claim_parts()?;
        let computing = self.with_parts(PartsMode::Compute { step: step.into(), indices: indices.to_vec() });
        // The studies stop once the parts are stored, before anything of the run is written;
        // the scratch folder stands for the run folder that is never written.
        let scratch = tempfile::Builder::new()
            .prefix(".scratch-")
            .tempdir_in(&dir)
            .map_err(|e| format!("{}: {e}", dir.display()))?;
        match execute(&prepared, scratch.path(), &computing.options, &NoProgress) {
            Err(RunsError::Study(StudyError::PartsComputed { n_computed, .. })) => Ok(n_computed),
            Err(e) => Err(e.to_string()),
            Ok(_) => Err(format!("internal error (a bug): the run has no study step {step:?}")),
        }
    }
}

/// Which build of vlogmood stored a run's parts.
///
/// A part is only valid for the code that computed it: a rebuilt vlogmood (same
/// `PIPELINE_VERSION`, but a fixed bug) must not complete a run from parts an older build
/// stored before a failure. A parts folder records the SHA-256 of the executable that first
/// wrote to it, in `build.txt`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PartsBuild {
    /// No parts folder yet.
    None,
    /// This executable.
    This,
    /// Another executable, or one from before builds were recorded.
    Other,
}

impl PartsBuild {
    fn of(dir: &std::path::Path) -> Result<Self, String> {
        let this_build = build_sha256()?;
        let stamp_path = dir.join("build.txt");
        match std::fs::read_to_string(&stamp_path) {
            Ok(stamp) if stamp.trim() == this_build => Ok(Self::This),
            Ok(_) => Ok(Self::Other),
            // A folder without a stamp was stored before builds were recorded.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Ok(if dir.exists() { Self::Other } else { Self::None })
            }
            // Parts are only discarded when they are known to be another build's.
            Err(e) => Err(format!("{}: {e}", stamp_path.display())),
        }
    }

    /// Makes `dir` this build's parts folder. The folder appears with its stamp in it (it is
    /// made beside and renamed into place), so no process ever sees it without one and takes
    /// it for parts stored before builds were recorded. When another process made it first,
    /// it is kept if it is this build's.
    fn stamp(dir: &std::path::Path) -> Result<(), String> {
        let io = |e: std::io::Error| format!("{}: {e}", dir.display());
        let this_build = build_sha256()?;
        let stamped = crate::atomic::temp_folder_beside(dir).map_err(io)?;
        let made = std::fs::write(stamped.join("build.txt"), format!("{this_build}\n"))
            .and_then(|()| std::fs::rename(&stamped, dir));
        if made.is_ok() {
            return Ok(());
        }
        crate::atomic::remove_path(&stamped).map_err(io)?;
        match Self::of(dir)? {
            Self::This => Ok(()),
            _ => Err(io(made.expect_err("the stamp was not made"))),
        }
    }
}

/// SHA-256 (hex) of the running executable, read once per process. Where there is a
/// `/proc/self/exe` (Linux) it is read through it: that is the code this process runs even
/// when the file at its path has since been replaced by a rebuild.
fn build_sha256() -> Result<String, String> {
    static BUILD: std::sync::OnceLock<Result<String, String>> = std::sync::OnceLock::new();
    BUILD
        .get_or_init(|| {
            let running = std::path::Path::new("/proc/self/exe");
            let exe = if running.exists() { Ok(running.to_path_buf()) } else { std::env::current_exe() };
            exe.and_then(|exe| crate::corpus::sha256_file_hex(&exe))
                .map_err(|e| format!("reading this executable to identify its build: {e}"))
        })
        .clone()
}

/// One file of a [`Task::Features`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeatureInput {
    /// The file (absolute, so any node finds it on shared storage).
    pub path: PathBuf,
    /// SHA-256 (hex) of its bytes when the task was made.
    pub sha256: String,
}

/// What a task did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TaskOutcome {
    /// A [`Task::Run`] completed.
    Run(RunOutcome),
    /// A [`Task::Run`] stopped at a step of its studies whose parts are to be computed by
    /// [`Task::StudyParts`] (see [`run_in_parts`]).
    Pending(PendingParts),
    /// A [`Task::StudyParts`] stored its parts.
    Parts(PartsOutcome),
    /// A [`Task::Features`] went through its files.
    Features(FeaturesOutcome),
}

/// What a [`Task::StudyParts`] did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartsOutcome {
    /// Parts it computed (parts already stored are not computed again).
    pub n_computed: usize,
}

/// What a [`Task::Run`] did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunOutcome {
    /// The run folder it completed.
    pub folder: PathBuf,
    /// True when the run existed and nothing was computed.
    pub reused: bool,
    /// Input files that failed inside the run.
    pub n_failed_inputs: usize,
}

/// What a [`Task::Features`] did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeaturesOutcome {
    /// Files whose features it computed and left in the cache.
    pub n_computed: usize,
    /// Files whose features were already cached.
    pub n_cached: usize,
    /// Files that could not be processed, changed since the task was made, or whose features
    /// could not be written to the cache; whoever reads the cache afterwards meets them again
    /// and reports them.
    pub n_failed: usize,
}

impl Task {
    /// The task that runs `prepared` into `store`.
    #[must_use]
    pub fn run_of(prepared: &PreparedRun, store: PathBuf, options: ExecuteOptions) -> Self {
        Self::Run(RunTask::of(prepared, store, options))
    }

    /// Whether what `outcome` says this task produced is still there: the run folder still
    /// complete, the parts still stored, the cache still holding as many of the task's files as
    /// it computed or found. An outcome kept from an earlier submission counts only then, so a
    /// run folder, parts folder or feature cache deleted since sends the task to be executed
    /// again rather than trusted. A run that waited for parts is always executed again.
    #[must_use]
    pub fn outcome_holds(&self, outcome: &TaskOutcome) -> bool {
        match (self, outcome) {
            (Self::Run(run), TaskOutcome::Run(done)) => completeness(&done.folder, Some(&run.run_id)).is_ok(),
            (Self::StudyParts { run, step, indices }, TaskOutcome::Parts(_)) => {
                parts_stored(&run.parts_dir(), step, indices)
            }
            (Self::Features { .. }, TaskOutcome::Features(done)) => {
                self.n_files_in_cache() >= done.n_computed + done.n_cached
            }
            (Self::Run(_) | Self::StudyParts { .. } | Self::Features { .. }, _) => false,
        }
    }

    /// How many of a feature task's files its cache holds (0 for other tasks).
    fn n_files_in_cache(&self) -> usize {
        let Self::Features { files, preprocess, params, cache } = self else { return 0 };
        let params_hash = cache_params_hash(preprocess, params);
        files
            .iter()
            .filter(|f| cache.contains(&CacheKey { file_sha256: f.sha256.clone(), params_hash: params_hash.clone() }))
            .count()
    }

    /// Executes the task here; the error is a message for people (it crosses processes).
    pub fn execute(&self) -> Result<TaskOutcome, String> {
        match self {
            Self::Run(run) => run.execute(),
            Self::StudyParts { run, step, indices } => {
                Ok(TaskOutcome::Parts(PartsOutcome { n_computed: run.compute_parts(step, indices)? }))
            }
            Self::Features { files, preprocess, params, cache } => {
                let corpus_files: Vec<CorpusFile> = files
                    .iter()
                    .map(|f| CorpusFile { relative_path: f.path.display().to_string(), path: f.path.clone() })
                    .collect();
                let index = cache.hash_index();
                let hashes_now = hash_files(&corpus_files, Some(&index));
                // The index only saves reading; one that cannot be saved costs a re-read.
                let _ = index.save();
                // A file edited since the task was made must not be cached under its old hash.
                let (unchanged, hashes): (Vec<CorpusFile>, Vec<String>) = corpus_files
                    .into_iter()
                    .zip(hashes_now)
                    .zip(files)
                    .filter(|((_, now), planned)| now.as_ref().is_ok_and(|now| *now == planned.sha256))
                    .map(|((file, _), planned)| (file, planned.sha256.clone()))
                    .unzip();
                let features =
                    extract_corpus(&unchanged, &hashes, preprocess, params, Some(cache), Images::Drop, &|| {})
                        .map_err(|e| e.to_string())?;
                // Counted from the cache, not from what was extracted: a file whose entry could
                // not be written (a full or read-only cache) is of no use to whoever reads the
                // cache afterwards, and an outcome counting it would never hold.
                let n_in_cache = self.n_files_in_cache();
                Ok(TaskOutcome::Features(FeaturesOutcome {
                    n_computed: n_in_cache.saturating_sub(features.n_cached),
                    n_cached: features.n_cached,
                    n_failed: files.len() - n_in_cache.max(features.n_cached),
                }))
            }
        }
    }
}
/// The feature tasks of `corpora` (each with its preprocessing and feature parameters): the
/// files whose features `cache` lacks, `files_per_task` to a task, in corpus order. A file
/// that two corpora share (same bytes, same parameters) is planned once.
pub fn feature_tasks(
    corpora: &[(&Dataset, &PreprocessParams, &FeatureParams)],
    cache: &FeatureCache,
    files_per_task: usize,
) -> std::io::Result<Vec<Task>> {
    let cache = FeatureCache::new(std::path::absolute(cache.dir())?);
    let mut planned = BTreeSet::new();
    let mut tasks = Vec::new();
    for &(dataset, preprocess, params) in corpora {
        let params_hash = cache_params_hash(preprocess, params);
        let mut missing = Vec::new();
        for (file, sha256) in dataset.files.iter().zip(&dataset.hashes) {
            let key = CacheKey { file_sha256: sha256.clone(), params_hash: params_hash.clone() };
            if !cache.contains(&key) && planned.insert((key.file_sha256, key.params_hash)) {
                missing.push(FeatureInput { path: std::path::absolute(&file.path)?, sha256: sha256.clone() });
            }
        }
        tasks.extend(missing.chunks(files_per_task.max(1)).map(|files| Task::Features {
            files: files.to_vec(),
            preprocess: preprocess.clone(),
            params: params.clone(),
            cache: cache.clone(),
        }));
    }
    Ok(tasks)
}

/// How a run on a cluster splits its studies' parts into tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartsPlan {
    /// A study step with fewer parts missing is computed within the run's own task.
    pub min_parts: usize,
    /// So is a step whose parts left would take less than this many seconds there, as its
    /// first part (computed there) predicts.
    pub min_seconds: u64,
    /// The most tasks one step's parts are split into.
    pub max_tasks: usize,
}

/// Runs `run` on `executor` with its heavy study steps fanned out: the run task executes its
/// studies until a step with at least `plan.min_parts` parts missing from the run's parts
/// folder whose first part, computed there, predicts at least `plan.min_seconds` for the rest;
/// that step's remaining parts become up to `plan.max_tasks` [`Task::StudyParts`] (one batch),
/// and the run task is executed again, reading the stored parts, until it completes. A step
/// is one loop of independent fits (a bootstrap's replicates, a classify study's folds ...),
/// so a run waits at most once per step. The run folder is byte-identical to one computed in
/// one piece. `note` hears what is submitted and how the tasks progress.
pub fn run_in_parts(
    executor: &dyn Executor,
    run: &RunTask,
    plan: PartsPlan,
    note: &(dyn Fn(&str) + Sync),
) -> Result<RunOutcome, String> {
    let started = super::manifest::now_rfc3339();
    let dir = run.parts_dir();
    match PartsBuild::of(&dir)? {
        PartsBuild::This => {}
        PartsBuild::None => PartsBuild::stamp(&dir)?,
        PartsBuild::Other => {
            crate::atomic::remove_path(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            PartsBuild::stamp(&dir)?;
            note("study parts stored by another build of vlogmood were discarded; they are computed again");
        }
    }
    let task =
        Task::Run(run.with_parts(PartsMode::Plan { min_parts: plan.min_parts.max(1), min_seconds: plan.min_seconds }));
    let mut waited: Option<PendingParts> = None;
    loop {
        let outcome = executor.execute(std::slice::from_ref(&task), &|_| {}).pop().expect("one task, one outcome");
        // A run task that failed on its node (lost, or its inputs changed) is on record too.
        let pending = match outcome.map_err(|e| run.record_failure(&started, e))? {
            TaskOutcome::Run(done) => return Ok(done),
            TaskOutcome::Pending(pending) => pending,
            other => return Err(format!("internal error (a bug): the run task finished as {other:?}")),
        };
        if waited.as_ref() == Some(&pending) {
            return Err(run.record_failure(
                &started,
                format!(
                    "the parts of {} were computed but the run still finds them missing in {}",
                    pending.step,
                    run.parts_dir().display()
                ),
            ));
        }
        let per_task = pending.missing.len().div_ceil(plan.max_tasks.max(1));
        let tasks: Vec<Task> = pending
            .missing
            .chunks(per_task)
            .map(|indices| Task::StudyParts { run: run.clone(), step: pending.step.clone(), indices: indices.to_vec() })
            .collect();
        note(&format!(
            "{}: {} of {} part(s) to compute, as {} task(s)",
            pending.step,
            pending.missing.len(),
            pending.n,
            tasks.len()
        ));
        let outcomes = executor.execute(&tasks, &|p: TaskProgress| {
            note(&format!("{}: {} task(s) done, {} failed, {} left", pending.step, p.done, p.failed, p.left));
        });
        let failed = failed_tasks(&outcomes, |done| matches!(done, TaskOutcome::Parts(_)));
        if !failed.is_empty() {
            return Err(run.record_failure(
                &started,
                format!(
                    "{} of {} task(s) computing {} failed (run the command again to compute only the parts still \
                 missing):\n  {}",
                    failed.len(),
                    tasks.len(),
                    pending.step,
                    failed.join("\n  ")
                ),
            ));
        }
        waited = Some(pending);
    }
}

/// Why each task of a batch did not finish as `expected` says a task of its kind does, as
/// `task <i>: <reason>` lines (empty when every task did).
#[must_use]
pub fn failed_tasks(outcomes: &[Result<TaskOutcome, String>], expected: impl Fn(&TaskOutcome) -> bool) -> Vec<String> {
    outcomes
        .iter()
        .enumerate()
        .filter_map(|(i, outcome)| match outcome {
            Ok(done) if expected(done) => None,
            Ok(other) => Some(format!("task {i}: internal error (a bug): finished as {other:?}")),
            Err(e) => Some(format!("task {i}: {e}")),
        })
        .collect()
}

/// Tasks finished, failed and left, for progress lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskProgress {
    /// Tasks finished.
    pub done: usize,
    /// Tasks that failed.
    pub failed: usize,
    /// Tasks not finished yet.
    pub left: usize,
}

impl TaskProgress {
    /// The progress of `outcomes` (`None`: not finished).
    #[must_use]
    pub fn of<T, E>(outcomes: &[Option<Result<T, E>>]) -> Self {
        let failed = outcomes.iter().flatten().filter(|o| o.is_err()).count();
        let finished = outcomes.iter().flatten().count();
        Self { done: finished - failed, failed, left: outcomes.len() - finished }
    }
}

/// Runs a batch of tasks. Each task's outcome (or why it failed) is returned in task order;
/// one task failing never stops the others.
pub trait Executor: Sync {
    /// Executes every task; `on_progress` is called as tasks finish.
    fn execute(&self, tasks: &[Task], on_progress: &(dyn Fn(TaskProgress) + Sync)) -> Vec<Result<TaskOutcome, String>>;
}

/// Tasks on this machine, `jobs` at a time (each task may use every core itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalExecutor {
    /// Tasks run at once (at least 1).
    pub jobs: usize,
}

impl Executor for LocalExecutor {
    fn execute(&self, tasks: &[Task], on_progress: &(dyn Fn(TaskProgress) + Sync)) -> Vec<Result<TaskOutcome, String>> {
        let n = tasks.len();
        let outcomes: Mutex<Vec<Option<Result<TaskOutcome, String>>>> = Mutex::new(vec![None; n]);
        let next = AtomicUsize::new(0);
        std::thread::scope(|scope| {
            for _ in 0..self.jobs.clamp(1, n.max(1)) {
                scope.spawn(|| loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(task) = tasks.get(i) else { break };
                    // A task that panics (a bug) is a failed task, not a lost batch.
                    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| task.execute()))
                        .unwrap_or_else(|panic| Err(format!("internal error (a bug): {}", panic_message(&*panic))));
                    let progress = {
                        let mut all = outcomes.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                        all[i] = Some(outcome);
                        TaskProgress::of(&all)
                    };
                    on_progress(progress);
                });
            }
        });
        outcomes
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .into_iter()
            .map(|o| o.expect("every task ran"))
            .collect()
    }
}

/// The message a panic carried.
fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_string()))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_another_builds_only_when_their_stamp_says_so() {
        let dir = tempfile::tempdir().expect("tempdir");
        let parts = dir.path().join("run-id");
        assert_eq!(PartsBuild::of(&parts), Ok(PartsBuild::None));
        PartsBuild::stamp(&parts).expect("stamp");
        assert_eq!(PartsBuild::of(&parts), Ok(PartsBuild::This));
        std::fs::write(parts.join("build.txt"), "another build\n").expect("write");
        assert_eq!(PartsBuild::of(&parts), Ok(PartsBuild::Other));
        std::fs::remove_file(parts.join("build.txt")).expect("remove");
        assert_eq!(PartsBuild::of(&parts), Ok(PartsBuild::Other), "stored before builds were recorded");
        // A stamp that cannot be read says nothing about whose the parts are: an error, not a
        // discard.
        std::fs::create_dir(parts.join("build.txt")).expect("unreadable stamp");
        let err = PartsBuild::of(&parts).expect_err("unreadable");
        assert!(err.contains("build.txt"), "{err}");
    }

    #[test]
    fn a_parts_folder_appears_with_its_stamp_and_is_shared_with_the_same_build_only() {
        let dir = tempfile::tempdir().expect("tempdir");
        let parts = dir.path().join("run-id");
        PartsBuild::stamp(&parts).expect("stamp");
        let names = |dir: &std::path::Path| -> Vec<String> {
            let mut names: Vec<String> = std::fs::read_dir(dir)
                .expect("read_dir")
                .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            names
        };
        assert_eq!(names(&parts), ["build.txt"]);
        // Another process of the same build stamped it first: this one uses it.
        std::fs::write(parts.join("part"), "kept").expect("write");
        PartsBuild::stamp(&parts).expect("same build");
        assert_eq!(std::fs::read_to_string(parts.join("part")).expect("kept"), "kept");
        // Another build's folder is neither stamped over nor used.
        std::fs::write(parts.join("build.txt"), "another build\n").expect("write");
        PartsBuild::stamp(&parts).expect_err("another build's");
        assert_eq!(std::fs::read_to_string(parts.join("build.txt")).expect("stamp"), "another build\n");
        // No temporary folder is left beside it either way.
        assert_eq!(names(dir.path()), ["run-id"]);
    }

    /// A corpus of `names`, each file holding its own name (never decoded here).
    fn corpus(dir: &std::path::Path, names: &[&str]) -> Dataset {
        for name in names {
            std::fs::write(dir.join(name), name.as_bytes()).expect("write");
        }
        Dataset::load(dir, &[], None).expect("load")
    }

    fn planned_files(tasks: &[Task]) -> Vec<Vec<String>> {
        tasks
            .iter()
            .map(|task| match task {
                Task::Features { files, .. } => {
                    files.iter().map(|f| f.path.file_name().unwrap().to_string_lossy().into_owned()).collect()
                }
                Task::Run(_) | Task::StudyParts { .. } => panic!("not a feature task"),
            })
            .collect()
    }

    #[test]
    fn feature_tasks_cover_only_files_missing_from_the_cache_once_each() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        std::fs::create_dir_all(&a).and_then(|()| std::fs::create_dir_all(&b)).expect("dirs");
        let first = corpus(&a, &["1.wav", "2.wav", "3.wav", "4.wav", "5.wav"]);
        // The same bytes under another corpus: planned once.
        let second = corpus(&b, &["3.wav", "6.wav"]);
        let cache = FeatureCache::new(dir.path().join("cache"));
        let (pre, params) = (PreprocessParams::default(), FeatureParams::default());
        let key = |d: &Dataset, i: usize| CacheKey {
            file_sha256: d.hashes[i].clone(),
            params_hash: cache_params_hash(&pre, &params),
        };
        cache.put(&key(&first, 1), b"cached").expect("put");

        let tasks = feature_tasks(&[(&first, &pre, &params), (&second, &pre, &params)], &cache, 2).expect("plan");
        assert_eq!(planned_files(&tasks), [vec!["1.wav", "3.wav"], vec!["4.wav", "5.wav"], vec!["6.wav"]]);
        let Task::Features { files, cache: task_cache, .. } = &tasks[0] else { panic!("features") };
        assert!(files[0].path.is_absolute() && task_cache.dir().is_absolute(), "any node can find them");

        // Other parameters are other cache entries: every file is missing again.
        let other = PreprocessParams { trim: false, ..PreprocessParams::default() };
        assert_eq!(
            planned_files(&feature_tasks(&[(&first, &other, &params)], &cache, 10).expect("plan")).concat().len(),
            5
        );
    }

    #[test]
    fn a_features_outcome_holds_only_while_the_cache_has_its_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = corpus(dir.path(), &["1.wav", "2.wav", "3.wav"]);
        let cache = FeatureCache::new(dir.path().join("cache"));
        let (pre, params) = (PreprocessParams::default(), FeatureParams::default());
        let task = feature_tasks(&[(&data, &pre, &params)], &cache, 8).expect("plan").remove(0);
        let put = |i: usize| {
            let key = CacheKey { file_sha256: data.hashes[i].clone(), params_hash: cache_params_hash(&pre, &params) };
            cache.put(&key, b"features").expect("put");
        };
        // Two computed, one failed: holds once both computed files are cached.
        let outcome = TaskOutcome::Features(FeaturesOutcome { n_computed: 2, n_cached: 0, n_failed: 1 });
        put(0);
        assert!(!task.outcome_holds(&outcome), "one of the two computed files is missing");
        put(2);
        assert!(task.outcome_holds(&outcome));
        // The cache deleted since: the task must run again.
        std::fs::remove_dir_all(cache.dir()).expect("delete the cache");
        assert!(!task.outcome_holds(&outcome));
        // Nothing computed or cached (every file failed): nothing can go missing.
        let all_failed = TaskOutcome::Features(FeaturesOutcome { n_computed: 0, n_cached: 0, n_failed: 3 });
        assert!(task.outcome_holds(&all_failed));
        // A run's outcome never stands for a feature task.
        let run = TaskOutcome::Run(RunOutcome { folder: dir.path().into(), reused: false, n_failed_inputs: 0 });
        assert!(!task.outcome_holds(&run));
    }

    #[test]
    fn features_that_could_not_be_cached_count_as_failed_so_the_outcome_holds() {
        let dir = tempfile::tempdir().expect("tempdir");
        let data_dir = dir.path().join("data");
        std::fs::create_dir_all(&data_dir).expect("mkdir");
        let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/audio/good");
        std::fs::copy(fixture.join("speech_22050_s16.wav"), data_dir.join("speech.wav")).expect("copy");
        let data = Dataset::load(&data_dir, &[], None).expect("load");
        // A file where the cache folder should be: every write to the cache fails.
        std::fs::write(dir.path().join("cache"), b"not a folder").expect("write");
        let cache = FeatureCache::new(dir.path().join("cache"));
        let (pre, params) = (PreprocessParams::default(), FeatureParams::default());
        let task = feature_tasks(&[(&data, &pre, &params)], &cache, 8).expect("plan").remove(0);
        let outcome = task.execute().expect("the task runs");
        assert_eq!(outcome, TaskOutcome::Features(FeaturesOutcome { n_computed: 0, n_cached: 0, n_failed: 1 }));
        assert!(task.outcome_holds(&outcome), "resubmitting cannot cache it either");
    }

    #[test]
    fn a_file_changed_since_its_task_was_made_is_not_cached_under_its_old_hash() {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = corpus(dir.path(), &["1.wav"]);
        let cache = FeatureCache::new(dir.path().join("cache"));
        let (pre, params) = (PreprocessParams::default(), FeatureParams::default());
        let task = feature_tasks(&[(&data, &pre, &params)], &cache, 8).expect("plan").remove(0);
        std::fs::write(&data.files[0].path, b"edited").expect("edit");
        let outcome = task.execute().expect("the task runs");
        assert_eq!(outcome, TaskOutcome::Features(FeaturesOutcome { n_computed: 0, n_cached: 0, n_failed: 1 }));
        assert!(!cache.dir().exists(), "nothing was written to the cache");
    }
}

//! The executor seam (DESIGN §10): where the tasks a run fans out are executed.
//!
//! A [`Task`] is serialisable and names its inputs by content: a sweep member is its resolved
//! spec and the run ID that spec must hash to (with the data it reads), so a task run later or
//! on another machine either computes exactly that run or refuses. Its [`TaskOutcome`] is
//! serialisable too, and callers reduce outcomes in task order, so where the tasks ran never
//! changes a byte of what is written. The [`LocalExecutor`] runs them on this machine, `jobs`
//! at a time; the [`SlurmExecutor`](super::slurm::SlurmExecutor) submits them as one job array.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::spec::{ExperimentSpec, MetaSpec};

use super::{run, ExecuteOptions, NoProgress, PreparedRun, RunStore};

/// One unit of work.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Task {
    /// One run (a sweep member) into a run store: computed, or reused when it exists.
    Run {
        /// The resolved spec, as `spec.json` stores it.
        spec: String,
        /// Its `[meta]` (kept with the run, not part of its ID).
        meta: MetaSpec,
        /// The run ID the spec and its data must hash to.
        run_id: String,
        /// The run store's root.
        store: PathBuf,
        /// The recording options (cache, git state, spec source).
        options: ExecuteOptions,
    },
}

/// What a task did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskOutcome {
    /// The run folder it completed.
    pub folder: PathBuf,
    /// True when the run existed and nothing was computed.
    pub reused: bool,
    /// Input files that failed inside the run.
    pub n_failed_inputs: usize,
}

impl Task {
    /// Executes the task here; the error is a message for people (it crosses processes).
    pub fn execute(&self) -> Result<TaskOutcome, String> {
        match self {
            Self::Run { spec, meta, run_id, store, options } => {
                let mut spec = ExperimentSpec::from_stored_json(spec).map_err(|e| format!("reading the spec: {e}"))?;
                spec.meta = meta.clone();
                let prepared = PreparedRun::prepare(spec).map_err(|e| e.to_string())?;
                if prepared.run_id.0 != *run_id {
                    return Err(format!(
                        "the spec and its data now hash to run {}, not {} as when the task was made (the \
                         corpus changed since)",
                        prepared.run_id.short(),
                        &run_id[..12.min(run_id.len())]
                    ));
                }
                let result = run(&prepared, &RunStore::new(store), options, false, &NoProgress, || {})
                    .map_err(|e| e.to_string())?;
                Ok(TaskOutcome { folder: result.folder, reused: result.reused, n_failed_inputs: result.n_failed })
            }
        }
    }
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

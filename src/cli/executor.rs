//! `--executor local|slurm`: the executor a command's tasks run on, and the feature stage a
//! cluster runs before the work that reads the features.

use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{bail, Context};

use vlogmood::audio::PreprocessParams;
use vlogmood::corpus::{Dataset, FeatureCache};
use vlogmood::features::FeatureParams;
use vlogmood::runs::{
    failed_tasks, feature_tasks, Executor, LocalExecutor, PartsPlan, SlurmExecutor, SlurmOptions, Task, TaskOutcome,
    TaskProgress,
};
use vlogmood::spec::ExecutorKind;

/// The executor a command runs on, and how: its flags over the spec's `[executor]` table over
/// the defaults (`ExecutorArgs::choice`).
#[derive(Debug, Clone)]
pub struct ExecutorChoice {
    /// Local or Slurm.
    pub kind: ExecutorKind,
    /// How Slurm jobs are submitted (unused when local).
    pub slurm: SlurmOptions,
    /// Files per feature-extraction task on a cluster.
    pub files_per_task: usize,
    /// How a run's study steps are split into tasks on a cluster.
    pub parts: PartsPlan,
}

impl ExecutorChoice {
    /// Whether the work goes to a cluster.
    pub fn on_cluster(&self) -> bool {
        self.kind == ExecutorKind::Slurm
    }
}

/// Calls `work` with the executor `choice` names (`jobs` tasks at a time when local).
pub fn with_executor<R>(
    choice: &ExecutorChoice,
    jobs: usize,
    work: impl FnOnce(&dyn Executor) -> anyhow::Result<R>,
) -> anyhow::Result<R> {
    match choice.kind {
        ExecutorKind::Local => work(&LocalExecutor { jobs }),
        ExecutorKind::Slurm => {
            let exe = std::env::current_exe().context("finding the vlogmood binary the Slurm tasks run")?;
            let note = |line: &str| eprintln!("{line}");
            work(&SlurmExecutor::new(choice.slurm.clone(), exe, cancel_on_ctrl_c()?, &note))
        }
    }
}

/// The flag a Ctrl-C sets, for the Slurm executor to cancel its jobs (`scancel`) and return.
/// (A local command keeps the default: Ctrl-C ends the process, and its partial folder is
/// cleaned up by the next run.)
fn cancel_on_ctrl_c() -> anyhow::Result<&'static AtomicBool> {
    static CANCELLED: AtomicBool = AtomicBool::new(false);
    ctrlc::set_handler(|| CANCELLED.store(true, Ordering::SeqCst)).context("installing the Ctrl-C handler")?;
    Ok(&CANCELLED)
}

/// Extracts, as [`Task::Features`] on `executor`, the features of `corpora` that `cache`
/// lacks, `files_per_task` files to a task. On a cluster this fans the corpus out over the
/// nodes once, instead of leaving every run that reads it to extract it alone; what follows
/// then reads every file from the cache. An error when a task still failed after its
/// retries: running the command again submits only the files still missing.
pub fn extract_features_on(
    executor: &dyn Executor,
    corpora: &[(&Dataset, &PreprocessParams, &FeatureParams)],
    cache: &FeatureCache,
    files_per_task: usize,
) -> anyhow::Result<()> {
    let tasks = feature_tasks(corpora, cache, files_per_task).context("planning the feature tasks")?;
    let n_files: usize = tasks.iter().map(|t| if let Task::Features { files, .. } = t { files.len() } else { 0 }).sum();
    if tasks.is_empty() {
        eprintln!("features: every file is in the cache; no feature task to submit");
        return Ok(());
    }
    eprintln!(
        "features: {n_files} file(s) missing from the cache {}, as {} task(s)",
        cache.dir().display(),
        tasks.len()
    );
    let outcomes = executor.execute(&tasks, &|p: TaskProgress| {
        eprintln!("features: {} task(s) done, {} failed, {} left", p.done, p.failed, p.left);
    });
    let failed = failed_tasks(&outcomes, |done| matches!(done, TaskOutcome::Features(_)));
    if !failed.is_empty() {
        bail!(
            "{} of {} feature task(s) failed (run the command again to submit only the files still missing):\n  {}",
            failed.len(),
            tasks.len(),
            failed.join("\n  ")
        );
    }
    let (mut computed, mut unreadable) = (0, 0);
    for done in outcomes.iter().flatten() {
        if let TaskOutcome::Features(done) = done {
            computed += done.n_computed;
            unreadable += done.n_failed;
        }
    }
    eprintln!("features: {computed} file(s) computed by the tasks, {unreadable} could not be processed");
    Ok(())
}

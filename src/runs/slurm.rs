//! Tasks on a Slurm cluster: one job array (`sbatch --array=...%MAX`) whose task `i` runs
//! `vlogmood task <batch>/tasks.json i`, and a gather job depending on it
//! (`--dependency=afterok`, `--kill-on-invalid-dep=yes`) that reduces the outcomes in task
//! order. Progress is polled with `squeue` (no `sacct`: clusters without slurmdbd exist).
//!
//! The batch folder lives on storage every node sees and is named by the hash of its tasks,
//! so submitting the same tasks again (after a failure, a timeout or a cancelled command)
//! finds the outcomes already written and submits only the missing tasks. A task whose
//! outcome is missing or an error is resubmitted up to `retries` times. What each task
//! computes lands in the shared run store and feature cache, as a local task's would.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::executor::{Executor, Task, TaskOutcome, TaskProgress};
use super::store::write_atomic;

/// File names inside a batch folder.
const TASKS_FILE: &str = "tasks.json";
const GATHERED_FILE: &str = "gathered.json";
const OUTCOMES_DIR: &str = "outcomes";
const LOGS_DIR: &str = "logs";

/// How tasks are submitted (`--slurm-*` options); never part of a run ID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlurmOptions {
    /// Where batch folders are kept: a folder every node can read and write.
    pub work_dir: PathBuf,
    /// `--partition`, else the cluster's default.
    pub partition: Option<String>,
    /// `--time` per task (`MM`, `HH:MM:SS`, `D-HH`), else the partition's default.
    pub time: Option<String>,
    /// `--cpus-per-task`; each task uses that many threads.
    pub cpus_per_task: usize,
    /// `--mem` per task (`2G`), else the partition's default.
    pub mem: Option<String>,
    /// Tasks running at once (`--array=...%MAX`); `None`: as many as the cluster allows.
    pub max_parallel: Option<usize>,
    /// Submissions of a failed or timed-out task after the first.
    pub retries: usize,
    /// Time between `squeue` polls.
    pub poll: Duration,
}

/// The outcome file of one task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum OutcomeFile {
    Ok(TaskOutcome),
    Error(String),
}

/// Submits tasks to Slurm through `sbatch`, `squeue` and `scancel` (on the `PATH`).
pub struct SlurmExecutor<'a> {
    options: SlurmOptions,
    /// The `vlogmood` binary the tasks run (on shared storage).
    exe: PathBuf,
    /// Set (by a Ctrl-C handler) to cancel the submitted jobs and return.
    cancelled: &'a AtomicBool,
    /// Progress notes for people (job IDs, retries).
    note: &'a (dyn Fn(&str) + Sync),
}

impl<'a> SlurmExecutor<'a> {
    /// An executor running `exe` on the cluster.
    #[must_use]
    pub fn new(
        options: SlurmOptions,
        exe: PathBuf,
        cancelled: &'a AtomicBool,
        note: &'a (dyn Fn(&str) + Sync),
    ) -> Self {
        Self { options, exe, cancelled, note }
    }

    /// Submits the missing tasks of `batch` and waits for them and their gather job; `Err` is
    /// a failure of Slurm itself (no `sbatch`, a refused submission), or cancellation.
    fn run_batch(&self, batch: &Path, n: usize, on_progress: &(dyn Fn(TaskProgress) + Sync)) -> Result<(), String> {
        for attempt in 0..=self.options.retries {
            let pending: Vec<usize> =
                (0..n).filter(|&i| !matches!(read_outcome(batch, i), Some(OutcomeFile::Ok(_)))).collect();
            if pending.is_empty() {
                break;
            }
            if attempt > 0 {
                (self.note)(&format!(
                    "slurm: resubmitting {} task(s) (attempt {} of {})",
                    pending.len(),
                    attempt + 1,
                    self.options.retries + 1
                ));
            }
            for &i in &pending {
                let _ = std::fs::remove_file(outcome_path(batch, i));
            }
            let array = self.submit_array(batch, &pending)?;
            let gather = self.submit_gather(batch, &array)?;
            (self.note)(&format!(
                "slurm: job array {array} ({} task(s)), gather job {gather}; logs in {}",
                pending.len(),
                batch.join(LOGS_DIR).display()
            ));
            let mut watch = OutcomeWatch::new(batch, n);
            loop {
                watch.poll(on_progress);
                if self.cancelled.load(Ordering::SeqCst) {
                    let _ = Command::new("scancel").arg(&array).arg(&gather).status();
                    return Err(format!("cancelled: jobs {array} and {gather} were cancelled (scancel)"));
                }
                if !jobs_alive(&[&array, &gather])? {
                    break;
                }
                std::thread::sleep(self.options.poll);
            }
            // Outcomes written between the last poll and the jobs' end.
            watch.poll(on_progress);
        }
        Ok(())
    }

    /// `sbatch` flags shared by the array and the gather job.
    fn common_flags(&self, command: &mut Command) {
        if let Some(partition) = &self.options.partition {
            command.arg(format!("--partition={partition}"));
        }
        if let Some(time) = &self.options.time {
            command.arg(format!("--time={time}"));
        }
        if let Some(mem) = &self.options.mem {
            command.arg(format!("--mem={mem}"));
        }
    }

    fn submit_array(&self, batch: &Path, indices: &[usize]) -> Result<String, String> {
        let mut command = Command::new("sbatch");
        let throttle = self.options.max_parallel.map(|m| format!("%{m}")).unwrap_or_default();
        command
            .arg("--parsable")
            .arg("--job-name=vlogmood-task")
            .arg(format!("--array={}{throttle}", index_ranges(indices)))
            .arg(format!("--cpus-per-task={}", self.options.cpus_per_task.max(1)))
            .arg(format!("--output={}", batch.join(LOGS_DIR).join("%A_%a.log").display()));
        self.common_flags(&mut command);
        let wrap = format!(
            "{} --threads {} task {} \"$SLURM_ARRAY_TASK_ID\"",
            shell_quote(&self.exe),
            self.options.cpus_per_task.max(1),
            shell_quote(&batch.join(TASKS_FILE))
        );
        submit(command.arg(format!("--wrap={wrap}")))
    }

    fn submit_gather(&self, batch: &Path, array: &str) -> Result<String, String> {
        let mut command = Command::new("sbatch");
        command
            .arg("--parsable")
            .arg("--job-name=vlogmood-gather")
            .arg(format!("--dependency=afterok:{array}"))
            .arg("--kill-on-invalid-dep=yes")
            .arg(format!("--output={}", batch.join(LOGS_DIR).join("gather_%j.log").display()));
        self.common_flags(&mut command);
        let wrap = format!("{} task {} --gather", shell_quote(&self.exe), shell_quote(&batch.join(TASKS_FILE)));
        submit(command.arg(format!("--wrap={wrap}")))
    }
}

impl Executor for SlurmExecutor<'_> {
    fn execute(&self, tasks: &[Task], on_progress: &(dyn Fn(TaskProgress) + Sync)) -> Vec<Result<TaskOutcome, String>> {
        let n = tasks.len();
        let batch = match prepare_batch(&self.options.work_dir, tasks) {
            Ok(batch) => batch,
            Err(e) => return vec![Err(e); n],
        };
        if let Err(e) = self.run_batch(&batch, n, on_progress) {
            return (0..n)
                .map(|i| match read_outcome(&batch, i) {
                    Some(OutcomeFile::Ok(outcome)) => Ok(outcome),
                    _ => Err(e.clone()),
                })
                .collect();
        }
        // The gather job's reduction when it ran (every task succeeded), else each task's file.
        let gathered: Option<Vec<OutcomeFile>> = std::fs::read_to_string(batch.join(GATHERED_FILE))
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok())
            .filter(|all: &Vec<OutcomeFile>| all.len() == n);
        (0..n)
            .map(|i| {
                let outcome = gathered.as_ref().map(|all| all[i].clone()).or_else(|| read_outcome(&batch, i));
                match outcome {
                    Some(OutcomeFile::Ok(outcome)) => Ok(outcome),
                    Some(OutcomeFile::Error(e)) => Err(e),
                    None => Err(format!(
                        "no outcome after {} submission(s): killed, timed out or out of memory (see {})",
                        self.options.retries + 1,
                        batch.join(LOGS_DIR).display()
                    )),
                }
            })
            .collect()
    }
}

/// The batch folder of `tasks` under `work_dir` (named by their hash), with `tasks.json`.
fn prepare_batch(work_dir: &Path, tasks: &[Task]) -> Result<PathBuf, String> {
    let text = serde_json::to_string_pretty(tasks).map_err(|e| format!("writing the tasks: {e}"))?;
    let id = crate::corpus::to_hex(&Sha256::digest(text.as_bytes()));
    let batch = std::path::absolute(work_dir.join(&id[..16])).map_err(|e| format!("{}: {e}", work_dir.display()))?;
    for dir in [batch.join(OUTCOMES_DIR), batch.join(LOGS_DIR)] {
        std::fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    }
    let path = batch.join(TASKS_FILE);
    if !path.is_file() {
        write_atomic(&path, text.as_bytes()).map_err(|e| e.to_string())?;
    }
    Ok(batch)
}

/// `vlogmood task FILE INDEX`: executes task `index` of a batch's `tasks.json` and writes its
/// outcome file; `Err` (the task failed) is also written there.
pub fn run_task_file(tasks_file: &Path, index: usize) -> Result<TaskOutcome, String> {
    let batch = tasks_file.parent().unwrap_or(Path::new("."));
    let outcome = read_tasks(tasks_file).and_then(|tasks| {
        tasks
            .get(index)
            .ok_or_else(|| format!("{} has {} tasks, not task {index}", tasks_file.display(), tasks.len()))?
            .execute()
    });
    let file = match &outcome {
        Ok(o) => OutcomeFile::Ok(o.clone()),
        Err(e) => OutcomeFile::Error(e.clone()),
    };
    let text = serde_json::to_string(&file).map_err(|e| e.to_string())?;
    write_atomic(&outcome_path(batch, index), text.as_bytes()).map_err(|e| e.to_string())?;
    outcome
}

/// `vlogmood task FILE --gather`: every task's outcome, in task order, into `gathered.json`;
/// `Err` when one is missing or failed.
pub fn gather_task_file(tasks_file: &Path) -> Result<usize, String> {
    let batch = tasks_file.parent().unwrap_or(Path::new("."));
    let n = read_tasks(tasks_file)?.len();
    let outcomes: Vec<OutcomeFile> = (0..n)
        .map(|i| match read_outcome(batch, i) {
            Some(OutcomeFile::Ok(o)) => Ok(OutcomeFile::Ok(o)),
            Some(OutcomeFile::Error(e)) => Err(format!("task {i} failed: {e}")),
            None => Err(format!("task {i} has no outcome")),
        })
        .collect::<Result<_, _>>()?;
    let text = serde_json::to_string_pretty(&outcomes).map_err(|e| e.to_string())?;
    write_atomic(&batch.join(GATHERED_FILE), text.as_bytes()).map_err(|e| e.to_string())?;
    Ok(n)
}

fn read_tasks(tasks_file: &Path) -> Result<Vec<Task>, String> {
    let text = std::fs::read_to_string(tasks_file).map_err(|e| format!("{}: {e}", tasks_file.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", tasks_file.display()))
}

fn outcome_path(batch: &Path, index: usize) -> PathBuf {
    batch.join(OUTCOMES_DIR).join(format!("{index}.json"))
}

fn read_outcome(batch: &Path, index: usize) -> Option<OutcomeFile> {
    serde_json::from_str(&std::fs::read_to_string(outcome_path(batch, index)).ok()?).ok()
}

/// The outcomes of a batch as its tasks write them. An outcome file, once written, does not
/// change until its task is resubmitted (a new watch), so each poll reads only the files not
/// seen yet, and progress is reported only when it changes.
struct OutcomeWatch<'a> {
    batch: &'a Path,
    /// Per task: `Some(true)` succeeded, `Some(false)` failed, `None` no outcome yet.
    seen: Vec<Option<bool>>,
    reported: Option<TaskProgress>,
}

impl<'a> OutcomeWatch<'a> {
    fn new(batch: &'a Path, n: usize) -> Self {
        Self { batch, seen: vec![None; n], reported: None }
    }

    /// Reads the outcomes not seen yet; calls `on_progress` if anything changed.
    fn poll(&mut self, on_progress: &(dyn Fn(TaskProgress) + Sync)) {
        for (i, seen) in self.seen.iter_mut().enumerate().filter(|(_, seen)| seen.is_none()) {
            *seen = read_outcome(self.batch, i).map(|o| matches!(o, OutcomeFile::Ok(_)));
        }
        let outcomes: Vec<Option<Result<(), ()>>> =
            self.seen.iter().map(|seen| seen.map(|ok| if ok { Ok(()) } else { Err(()) })).collect();
        let now = TaskProgress::of(&outcomes);
        if self.reported != Some(now) {
            on_progress(now);
            self.reported = Some(now);
        }
    }
}

/// Runs `sbatch --parsable ...`: the job ID.
fn submit(command: &mut Command) -> Result<String, String> {
    let output = command.output().map_err(|e| format!("running sbatch: {e} (is this a Slurm cluster?)"))?;
    if !output.status.success() {
        return Err(format!("sbatch refused the job: {}", String::from_utf8_lossy(&output.stderr).trim()));
    }
    let text = String::from_utf8_lossy(&output.stdout);
    // `--parsable` prints `id` or `id;cluster`.
    let id = text.trim().split(';').next().unwrap_or_default().to_string();
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("sbatch printed no job ID: {text:?}"));
    }
    Ok(id)
}

/// Whether any of the jobs is pending, running or completing (`squeue` lists only those by
/// default; a job it no longer knows has finished).
fn jobs_alive(jobs: &[&str]) -> Result<bool, String> {
    let output = Command::new("squeue")
        .args(["-h", "-o", "%i", "-j", &jobs.join(",")])
        .output()
        .map_err(|e| format!("running squeue: {e}"))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        // Every job already purged from the controller's memory: all finished.
        if stderr.contains("Invalid job id") {
            return Ok(false);
        }
        return Err(format!("squeue failed: {}", stderr.trim()));
    }
    Ok(!output.stdout.iter().all(u8::is_ascii_whitespace))
}

/// `0-3,7,9-10`: Slurm's array index list.
fn index_ranges(indices: &[usize]) -> String {
    let mut parts = Vec::new();
    let mut i = 0;
    while i < indices.len() {
        let start = indices[i];
        while i + 1 < indices.len() && indices[i + 1] == indices[i] + 1 {
            i += 1;
        }
        parts.push(if indices[i] == start { start.to_string() } else { format!("{start}-{}", indices[i]) });
        i += 1;
    }
    parts.join(",")
}

/// A path quoted for `sh` (inside single quotes).
fn shell_quote(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', "'\\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn array_index_lists_compress_runs() {
        assert_eq!(index_ranges(&[0, 1, 2, 3, 7, 9, 10]), "0-3,7,9-10");
        assert_eq!(index_ranges(&[5]), "5");
        assert_eq!(index_ranges(&[]), "");
    }

    #[test]
    fn paths_are_quoted_for_the_shell() {
        assert_eq!(shell_quote(Path::new("/a b/it's")), "'/a b/it'\\''s'");
    }

    #[test]
    fn a_batch_is_named_by_its_tasks_and_gathers_in_task_order() {
        let dir = tempfile::tempdir().expect("tempdir");
        let tasks: Vec<Task> = Vec::new();
        let batch = prepare_batch(dir.path(), &tasks).expect("batch");
        assert_eq!(prepare_batch(dir.path(), &tasks).expect("again"), batch, "same tasks, same folder");
        assert_eq!(gather_task_file(&batch.join(TASKS_FILE)), Ok(0));
        let missing = run_task_file(&batch.join(TASKS_FILE), 3).expect_err("no task 3");
        assert!(missing.contains("has 0 tasks"), "{missing}");
        assert!(matches!(read_outcome(&batch, 3), Some(OutcomeFile::Error(_))), "a failure is on record");
    }
}

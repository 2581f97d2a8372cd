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
//!
//! Each outcome file records how long its task took. The submitting process keeps the slowest
//! seconds per unit of work of each kind of task (a feature file; a run of one experiment) in
//! `<work>/task-costs.json`, and when no time limit is given sizes the next batch's from it
//! (see [`time_limit_minutes`]): a cluster schedules a job with a short, honest limit sooner
//! than one asking for the partition's maximum.

use std::collections::BTreeMap;
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
/// File name, in the work folder, of the measured task costs.
const COSTS_FILE: &str = "task-costs.json";

/// How tasks are submitted (`--slurm-*` options); never part of a run ID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlurmOptions {
    /// Where batch folders are kept: a folder every node can read and write.
    pub work_dir: PathBuf,
    /// `--partition`, else the cluster's default.
    pub partition: Option<String>,
    /// `--time` per task (`MM`, `HH:MM:SS`, `D-HH`); else sized from the measured cost of
    /// earlier tasks of the same kind (`time_limit_minutes`), else the partition's default.
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

/// What a task's outcome file holds: its outcome and how long it took.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct OutcomeRecord {
    outcome: OutcomeFile,
    /// Wall time of the task's `execute`, in seconds.
    seconds: f64,
}

/// The slowest seconds per unit of work that finished tasks took, per kind of task (see
/// [`cost_kind`]), kept in the work folder across batches.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct TaskCosts {
    seconds_per_unit: BTreeMap<String, f64>,
}

/// A task's kind, whose tasks cost alike per unit, and its units of work: `features` per file
/// (clips of one corpus cost about the same), `run:<experiment>` per run (one experiment's runs
/// differ by parameters only; two experiments can differ a thousandfold), and
/// `parts:<experiment>:<step>` per study part (a step's parts are fits of one model).
fn cost_kind(task: &Task) -> (String, usize) {
    let experiment = |spec: &str| {
        serde_json::from_str::<serde_json::Value>(spec)
            .ok()
            .and_then(|spec| spec.get("name").and_then(|n| n.as_str()).map(str::to_string))
            .unwrap_or_default()
    };
    match task {
        Task::Features { files, .. } => ("features".to_string(), files.len().max(1)),
        Task::Run(run) => (format!("run:{}", experiment(&run.spec)), 1),
        Task::StudyParts { run, step, indices } => {
            (format!("parts:{}:{step}", experiment(&run.spec)), indices.len().max(1))
        }
    }
}

/// The time limit, in whole minutes, for a batch of `tasks` given the measured `costs`: three
/// times the predicted longest task plus a minute (start-up, a slower node), at least 10
/// minutes. None when a task's kind has never been measured (the partition's default applies).
fn time_limit_minutes(tasks: &[Task], costs: &TaskCosts) -> Option<u64> {
    let mut longest = 0.0_f64;
    for task in tasks {
        let (kind, units) = cost_kind(task);
        longest = longest.max(costs.seconds_per_unit.get(&kind)? * units as f64);
    }
    let seconds = 3.0 * longest + 60.0;
    Some(((seconds / 60.0).ceil() as u64).max(10))
}

impl TaskCosts {
    fn read(work_dir: &Path) -> Self {
        std::fs::read_to_string(work_dir.join(COSTS_FILE))
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or_default()
    }

    /// Raises each kind's cost to the slowest of `batch`'s finished tasks. A run task that
    /// stopped to wait for study parts did part of its work only: it is not a measure.
    fn add_batch(&mut self, batch: &Path, tasks: &[Task]) {
        for (i, task) in tasks.iter().enumerate() {
            let record = read_record(batch, i);
            if let Some(OutcomeRecord { outcome: OutcomeFile::Ok(outcome), seconds }) = record {
                if matches!(outcome, TaskOutcome::Pending(_)) {
                    continue;
                }
                let (kind, units) = cost_kind(task);
                let cost = self.seconds_per_unit.entry(kind).or_insert(0.0);
                *cost = cost.max(seconds / units as f64);
            }
        }
    }

    fn write(&self, work_dir: &Path) -> Result<(), String> {
        let text = serde_json::to_string_pretty(self).map_err(|e| e.to_string())?;
        write_atomic(&work_dir.join(COSTS_FILE), text.as_bytes()).map_err(|e| e.to_string())
    }
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
    ///
    /// `sized_time` (minutes, from [`time_limit_minutes`]) applies to the first submission
    /// only: a task it cut short is resubmitted under the partition's default.
    fn run_batch(
        &self,
        batch: &Path,
        tasks: &[Task],
        sized_time: Option<u64>,
        on_progress: &(dyn Fn(TaskProgress) + Sync),
    ) -> Result<(), String> {
        let n = tasks.len();
        for attempt in 0..=self.options.retries {
            // First, every task whose earlier outcome (if any) no longer holds; then those of
            // this submission that failed or left no outcome. (A run task that stopped to wait
            // for study parts finished: its outcome never holds for a later submission.)
            let pending: Vec<usize> = (0..n)
                .filter(|&i| match attempt {
                    0 => held_outcome(batch, i, &tasks[i]).is_none(),
                    _ => !matches!(read_outcome(batch, i), Some(OutcomeFile::Ok(_))),
                })
                .collect();
            if pending.is_empty() {
                break;
            }
            // An earlier reduction no longer describes the batch.
            let _ = std::fs::remove_file(batch.join(GATHERED_FILE));
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
            // The sized limit (never set beside --slurm-time) applies to the first submission.
            let mut sized = sized_time.filter(|_| attempt == 0);
            let time_flag = |sized: Option<u64>| self.options.time.clone().or_else(|| sized.map(|m| m.to_string()));
            let array = match self.submit_array(batch, &pending, time_flag(sized).as_deref()) {
                // A partition whose maximum is below the sized limit refuses it: the limit was
                // only a default, so the partition's own applies instead.
                Err(e) if sized.is_some() => {
                    (self.note)(&format!("slurm: {e}; submitting with the partition's default time limit"));
                    sized = None;
                    self.submit_array(batch, &pending, None)?
                }
                submitted => submitted?,
            };
            let gather = self.submit_gather(batch, &array, time_flag(sized).as_deref())?;
            let limit = sized
                .map(|m| format!(", time limit {m} min sized from earlier tasks' measured cost"))
                .unwrap_or_default();
            (self.note)(&format!(
                "slurm: job array {array} ({} task(s)), gather job {gather}{limit}; logs in {}",
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
    fn common_flags(&self, command: &mut Command, time: Option<&str>) {
        if let Some(partition) = &self.options.partition {
            command.arg(format!("--partition={partition}"));
        }
        if let Some(time) = time {
            command.arg(format!("--time={time}"));
        }
        if let Some(mem) = &self.options.mem {
            command.arg(format!("--mem={mem}"));
        }
    }

    fn submit_array(&self, batch: &Path, indices: &[usize], time: Option<&str>) -> Result<String, String> {
        let mut command = Command::new("sbatch");
        let throttle = self.options.max_parallel.map(|m| format!("%{m}")).unwrap_or_default();
        command
            .arg("--parsable")
            .arg("--job-name=vlogmood-task")
            .arg(format!("--array={}{throttle}", index_ranges(indices)))
            .arg(format!("--cpus-per-task={}", self.options.cpus_per_task.max(1)))
            .arg(format!("--output={}", batch.join(LOGS_DIR).join("%A_%a.log").display()));
        self.common_flags(&mut command, time);
        let wrap = format!(
            "{} --threads {} task {} \"$SLURM_ARRAY_TASK_ID\"",
            shell_quote(&self.exe),
            self.options.cpus_per_task.max(1),
            shell_quote(&batch.join(TASKS_FILE))
        );
        submit(command.arg(format!("--wrap={wrap}")))
    }

    fn submit_gather(&self, batch: &Path, array: &str, time: Option<&str>) -> Result<String, String> {
        let mut command = Command::new("sbatch");
        command
            .arg("--parsable")
            .arg("--job-name=vlogmood-gather")
            .arg(format!("--dependency=afterok:{array}"))
            .arg("--kill-on-invalid-dep=yes")
            .arg(format!("--output={}", batch.join(LOGS_DIR).join("gather_%j.log").display()));
        self.common_flags(&mut command, time);
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
        let mut costs = TaskCosts::read(&self.options.work_dir);
        let sized_time = if self.options.time.is_some() {
            None
        } else {
            // Never above the partition's maximum: a job asking for more is refused, or on
            // clusters that do not enforce partition limits at submission pends forever.
            time_limit_minutes(tasks, &costs).map(|minutes| {
                partition_max_minutes(self.options.partition.as_deref()).map_or(minutes, |max| minutes.min(max.max(1)))
            })
        };
        let result = self.run_batch(&batch, tasks, sized_time, on_progress);
        costs.add_batch(&batch, tasks);
        if let Err(e) = costs.write(&self.options.work_dir) {
            (self.note)(&format!("slurm: could not record the tasks' cost: {e}"));
        }
        if let Err(e) = result {
            return (0..n).map(|i| held_outcome(&batch, i, &tasks[i]).ok_or_else(|| e.clone())).collect();
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
    let started = std::time::Instant::now();
    let outcome = read_tasks(tasks_file).and_then(|tasks| {
        tasks
            .get(index)
            .ok_or_else(|| format!("{} has {} tasks, not task {index}", tasks_file.display(), tasks.len()))?
            .execute()
    });
    let record = OutcomeRecord {
        outcome: match &outcome {
            Ok(o) => OutcomeFile::Ok(o.clone()),
            Err(e) => OutcomeFile::Error(e.clone()),
        },
        seconds: started.elapsed().as_secs_f64(),
    };
    let text = serde_json::to_string(&record).map_err(|e| e.to_string())?;
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

/// Task `index`'s successful outcome, if its file holds one and what it describes is still
/// there ([`Task::outcome_holds`]).
fn held_outcome(batch: &Path, index: usize, task: &Task) -> Option<TaskOutcome> {
    match read_outcome(batch, index)? {
        OutcomeFile::Ok(outcome) if task.outcome_holds(&outcome) => Some(outcome),
        _ => None,
    }
}

fn read_outcome(batch: &Path, index: usize) -> Option<OutcomeFile> {
    read_record(batch, index).map(|record| record.outcome)
}

fn read_record(batch: &Path, index: usize) -> Option<OutcomeRecord> {
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

/// The time limit of `partition` (else the default one) in whole minutes, from `sinfo`; None
/// when it is unlimited or cannot be read.
fn partition_max_minutes(partition: Option<&str>) -> Option<u64> {
    let output = Command::new("sinfo").args(["-h", "-o", "%P %l"]).output().ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    text.lines().find_map(|line| {
        let (name, limit) = line.trim().split_once(' ')?;
        let chosen = match partition {
            Some(wanted) => name.trim_end_matches('*') == wanted,
            None => name.ends_with('*'),
        };
        if chosen {
            slurm_duration_minutes(limit.trim())
        } else {
            None
        }
    })
}

/// `sinfo`'s `%l`: `[D-]HH:MM:SS`, `MM:SS` under an hour, or `infinite`; whole minutes.
fn slurm_duration_minutes(text: &str) -> Option<u64> {
    let (days, clock) = match text.split_once('-') {
        Some((days, clock)) => (days.parse::<u64>().ok()?, clock),
        None => (0, text),
    };
    let parts: Vec<u64> = clock.split(':').map(|p| p.parse().ok()).collect::<Option<_>>()?;
    let (hours, minutes) = match parts.as_slice() {
        [m, _s] => (0, *m),
        [h, m, _s] => (*h, *m),
        [h] if days > 0 => (*h, 0),
        _ => return None,
    };
    Some(days * 24 * 60 + hours * 60 + minutes)
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
    use super::super::executor::{FeatureInput, FeaturesOutcome, RunOutcome};
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

    fn features_task(n_files: usize) -> Task {
        let files = (0..n_files)
            .map(|i| FeatureInput { path: PathBuf::from(format!("clip{i}.wav")), sha256: "0".repeat(64) })
            .collect();
        Task::Features {
            files,
            preprocess: crate::audio::PreprocessParams::default(),
            params: crate::features::FeatureParams::default(),
            cache: crate::corpus::FeatureCache::new(PathBuf::from("cache")),
        }
    }

    #[test]
    fn sinfo_time_limits_are_read_in_minutes() {
        assert_eq!(slurm_duration_minutes("5:00"), Some(5));
        assert_eq!(slurm_duration_minutes("1:30:00"), Some(90));
        assert_eq!(slurm_duration_minutes("1-01:00:00"), Some(1500));
        assert_eq!(slurm_duration_minutes("2-12"), Some(3600));
        assert_eq!(slurm_duration_minutes("infinite"), None);
    }

    #[test]
    fn the_time_limit_is_sized_from_the_slowest_measured_cost_of_each_kind() {
        let mut costs = TaskCosts::default();
        let tasks = [features_task(64), features_task(10)];
        assert_eq!(time_limit_minutes(&tasks, &costs), None, "never measured: the partition's default");
        costs.seconds_per_unit.insert("features".into(), 0.5);
        // 64 files × 0.5 s = 32 s; 3 × 32 + 60 = 156 s: 3 min, raised to the 10-minute floor.
        assert_eq!(time_limit_minutes(&tasks, &costs), Some(10));
        costs.seconds_per_unit.insert("features".into(), 10.0);
        // 640 s: 3 × 640 + 60 = 1,980 s = 33 min.
        assert_eq!(time_limit_minutes(&tasks, &costs), Some(33));
    }

    #[test]
    fn a_batch_records_each_finished_tasks_seconds_and_keeps_the_slowest() {
        let dir = tempfile::tempdir().expect("tempdir");
        let tasks = vec![features_task(2), features_task(4)];
        let batch = prepare_batch(dir.path(), &tasks).expect("batch");
        let record = |i: usize, seconds: f64| {
            let outcome = TaskOutcome::Features(FeaturesOutcome { n_computed: 0, n_cached: 0, n_failed: 0 });
            let text =
                serde_json::to_string(&OutcomeRecord { outcome: OutcomeFile::Ok(outcome), seconds }).expect("json");
            std::fs::write(outcome_path(&batch, i), text).expect("write");
        };
        record(0, 3.0);
        record(1, 4.0);
        let mut costs = TaskCosts::read(dir.path());
        costs.add_batch(&batch, &tasks);
        costs.write(dir.path()).expect("write");
        assert_eq!(TaskCosts::read(dir.path()).seconds_per_unit["features"], 1.5, "3 s for 2 files beats 4 s for 4");
        record(0, 1.0);
        costs.add_batch(&batch, &tasks);
        assert_eq!(costs.seconds_per_unit["features"], 1.5, "a faster batch does not lower it");
    }

    #[test]
    fn a_run_task_that_waited_for_study_parts_is_not_a_measure_of_its_cost() {
        let dir = tempfile::tempdir().expect("tempdir");
        let run = crate::runs::RunTask {
            spec: r#"{"name": "mini"}"#.into(),
            meta: crate::spec::MetaSpec::default(),
            run_id: "0".repeat(64),
            store: dir.path().join("runs"),
            options: crate::runs::ExecuteOptions::default(),
        };
        let tasks = vec![Task::Run(run)];
        let batch = prepare_batch(dir.path(), &tasks).expect("batch");
        let write = |outcome: TaskOutcome, seconds: f64| {
            let text =
                serde_json::to_string(&OutcomeRecord { outcome: OutcomeFile::Ok(outcome), seconds }).expect("json");
            std::fs::write(outcome_path(&batch, 0), text).expect("write");
        };
        let pending = crate::study::PendingParts { step: "bootstrap.replicates".into(), n: 100, missing: vec![0] };
        write(TaskOutcome::Pending(pending), 40.0);
        let mut costs = TaskCosts::default();
        costs.add_batch(&batch, &tasks);
        assert!(costs.seconds_per_unit.is_empty(), "{costs:?}");
        let done = RunOutcome { folder: dir.path().join("runs/mini"), reused: false, n_failed_inputs: 0 };
        write(TaskOutcome::Run(done), 90.0);
        costs.add_batch(&batch, &tasks);
        assert_eq!(costs.seconds_per_unit["run:mini"], 90.0);
    }
}

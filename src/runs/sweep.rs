//! Running a sweep's members and recording the sweep (`runs/sweeps/<name>-<id12>/`).
//!
//! Members are ordinary runs: each is looked up in the run store by its content-addressed ID
//! and only computed when absent, so re-running a sweep (or a sweep sharing members with an
//! earlier one) computes nothing twice — Hydra's and MLflow's sweeps cannot know that two
//! jobs are the same. Members are tasks of an [`Executor`] (this machine, `--jobs` at a time,
//! or a Slurm job array); one that fails is recorded with its error and the others go on. The sweep's ID hashes its members' IDs (and, for a member whose spec
//! was refused, the overrides that made it), so the same sweep over the same data has one
//! folder.

use std::path::PathBuf;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::corpus::HashIndex;
use crate::report::{render_table_page, table_to_markdown, write_table_csv};
use crate::spec::{ExperimentSpec, Override, SpecError, SweepAxis};
use crate::study::{Column, Table};

use super::executor::{Executor, Task, TaskOutcome, TaskProgress};
use super::store::{headline_metrics, read_metrics, write_atomic};
use super::{ExecuteOptions, PreparedRun, RunStore, RunsError};

/// Domain separator of the sweep-ID hash.
const SWEEP_ID_PREFIX: &str = "vlogmood-sweep-v1\n";

/// How one member ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MemberOutcome {
    /// The member's overrides as written (`seed=3`), one per axis.
    pub overrides: Vec<String>,
    /// `computed`, `reused` or `failed`.
    pub status: &'static str,
    /// The run ID, when the spec was valid.
    pub run_id: Option<String>,
    /// The run folder, when the run completed.
    pub folder: Option<PathBuf>,
    /// Input files that failed inside a completed run.
    pub n_failed_inputs: usize,
    /// Why the member failed.
    pub error: Option<String>,
}

/// Members done, failed and left, for progress lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SweepProgress {
    /// Members finished (computed or reused).
    pub done: usize,
    /// Members that failed.
    pub failed: usize,
    /// Members not finished yet.
    pub left: usize,
}

/// A finished sweep.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SweepReport {
    /// The experiment's name.
    pub name: String,
    /// The sweep ID (64 hex digits).
    pub sweep_id: String,
    /// The swept paths, in axis order.
    pub axes: Vec<String>,
    /// Every member, in sweep order.
    pub members: Vec<MemberOutcome>,
    /// The sweep's folder.
    pub folder: PathBuf,
}

impl MemberOutcome {
    /// A member whose run `run_id` is about to be executed.
    fn pending(overrides: &[Override], run_id: &str) -> Self {
        Self {
            overrides: overrides.iter().map(|o| o.text().to_string()).collect(),
            status: "pending",
            run_id: Some(run_id.to_string()),
            folder: None,
            n_failed_inputs: 0,
            error: None,
        }
    }

    /// A member that failed with `error`.
    fn failed(overrides: &[Override], error: String) -> Self {
        Self {
            overrides: overrides.iter().map(|o| o.text().to_string()).collect(),
            status: "failed",
            run_id: None,
            folder: None,
            n_failed_inputs: 0,
            error: Some(error),
        }
    }

    /// The value this member took on axis `a` (`3` of `seed=3`).
    fn value(&self, a: usize) -> &str {
        self.overrides[a].split_once('=').map_or("", |(_, v)| v.trim())
    }
}

impl SweepReport {
    /// Members that failed.
    #[must_use]
    pub fn n_failed(&self) -> usize {
        self.members.iter().filter(|m| m.status == "failed").count()
    }
}

/// One member of a sweep, ready to run: its overrides, and its prepared run or why its spec
/// was refused.
#[derive(Debug, Clone)]
pub struct SweepMember {
    /// The member's overrides, one per axis.
    pub overrides: Vec<Override>,
    /// The member's run (its run ID is what the sweep is made of), or the reason it has none.
    pub prepared: Result<PreparedRun, String>,
}

/// Prepares every member of a sweep (validating its spec and hashing its data, through
/// `index` when there is one).
#[must_use]
pub fn prepare_members(
    members: Vec<(Vec<Override>, Result<ExperimentSpec, SpecError>)>,
    index: Option<&HashIndex>,
) -> Vec<SweepMember> {
    members
        .into_iter()
        .map(|(overrides, spec)| SweepMember {
            overrides,
            prepared: spec
                .map_err(|e| e.to_string())
                .and_then(|spec| PreparedRun::prepare(spec, index).map_err(|e| e.to_string())),
        })
        .collect()
}

/// Runs every member on `executor`, then writes the sweep folder under `<store>/sweeps/`.
/// Each member with a run becomes a [`Task::Run`]; a member whose spec was refused is failed
/// without a task. `on_progress` is called as members finish.
pub fn run_sweep(
    name: &str,
    axes: &[SweepAxis],
    members: &[SweepMember],
    store: &RunStore,
    options: &ExecuteOptions,
    executor: &dyn Executor,
    on_progress: &(dyn Fn(SweepProgress) + Sync),
) -> Result<SweepReport, RunsError> {
    let mut outcomes: Vec<MemberOutcome> = Vec::with_capacity(members.len());
    let mut tasks = Vec::new();
    let mut task_of_member = Vec::new();
    for member in members {
        match &member.prepared {
            Ok(prepared) => {
                outcomes.push(MemberOutcome::pending(&member.overrides, &prepared.run_id.0));
                task_of_member.push(Some(tasks.len()));
                let options = member_options(&member.overrides, options);
                tasks.push(Task::run_of(prepared, store.root().to_path_buf(), options));
            }
            Err(error) => {
                outcomes.push(MemberOutcome::failed(&member.overrides, error.clone()));
                task_of_member.push(None);
            }
        }
    }
    let invalid = outcomes.iter().filter(|o| o.error.is_some()).count();
    let results = executor.execute(&tasks, &|p: TaskProgress| {
        on_progress(SweepProgress { done: p.done, failed: p.failed + invalid, left: p.left });
    });
    for (outcome, task) in outcomes.iter_mut().zip(task_of_member) {
        let Some(result) = task.map(|t| &results[t]) else { continue };
        match result {
            Ok(TaskOutcome::Run(done)) => {
                outcome.status = if done.reused { "reused" } else { "computed" };
                outcome.n_failed_inputs = done.n_failed_inputs;
                outcome.folder = Some(done.folder.clone());
            }
            Ok(other) => {
                outcome.status = "failed";
                outcome.error = Some(format!("internal error (a bug): a run task finished as {other:?}"));
            }
            Err(error) => {
                outcome.status = "failed";
                outcome.error = Some(error.clone());
            }
        }
    }
    let sweep_id = sweep_id(&outcomes);
    let folder = store.root().join("sweeps").join(RunStore::folder_name(name, &sweep_id));
    let report = SweepReport {
        name: name.to_string(),
        sweep_id,
        axes: axes.iter().map(|a| a.path().to_string()).collect(),
        members: outcomes,
        folder,
    };
    write_sweep_folder(&report)?;
    Ok(report)
}

/// A member's options: its `spec.toml` says which values it ran with, so the file alone is
/// the sweep member.
fn member_options(overrides: &[Override], options: &ExecuteOptions) -> ExecuteOptions {
    ExecuteOptions {
        spec_source: options.spec_source.as_ref().map(|text| {
            let values: Vec<&str> = overrides.iter().map(Override::text).collect();
            format!("# A member of a sweep: {} applied to the spec below.\n{text}", values.join(" "))
        }),
        ..options.clone()
    }
}

/// SHA-256 over each member's run ID (or, for a refused spec, its overrides), in order.
fn sweep_id(members: &[MemberOutcome]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(SWEEP_ID_PREFIX);
    for member in members {
        let line = member.run_id.clone().unwrap_or_else(|| format!("invalid: {}", member.overrides.join(" ")));
        hasher.update(line.as_bytes());
        hasher.update(b"\n");
    }
    crate::corpus::to_hex(&hasher.finalize())
}

/// The summary: one row per member — the swept values, status, run folder, error, and the
/// headline metrics of the completed members (columns in name order).
#[must_use]
pub fn sweep_table(report: &SweepReport) -> Table {
    let metrics: Vec<std::collections::BTreeMap<String, f64>> = report
        .members
        .iter()
        .map(|m| {
            m.folder.as_deref().and_then(|f| read_metrics(f).ok()).map(|m| headline_metrics(&m)).unwrap_or_default()
        })
        .collect();
    let mut keys: Vec<&String> = metrics.iter().flat_map(|m| m.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut columns: Vec<Column> = report
        .axes
        .iter()
        .enumerate()
        .map(|(a, path)| Column::text(path, report.members.iter().map(|m| m.value(a).to_string())))
        .collect();
    columns.push(Column::text("status", report.members.iter().map(|m| m.status.to_string())));
    columns.push(Column::text(
        "run",
        report.members.iter().map(|m| {
            m.folder
                .as_deref()
                .and_then(|f| f.file_name())
                .map_or_else(String::new, |f| f.to_string_lossy().into_owned())
        }),
    ));
    columns.push(Column::text("error", report.members.iter().map(|m| m.error.clone().unwrap_or_default())));
    for key in keys {
        columns.push(Column::float(key, metrics.iter().map(|m| m.get(key).copied())));
    }
    Table { name: "summary".into(), columns }
}

/// Writes `sweep.json` and the summary as CSV, Markdown and HTML into the sweep's folder,
/// built beside it and put in place atomically (replacing an earlier write of the same sweep;
/// at every instant the folder is the old complete one or the new one).
fn write_sweep_folder(report: &SweepReport) -> Result<(), RunsError> {
    let parent = report.folder.parent().expect("under sweeps/");
    std::fs::create_dir_all(parent).map_err(|e| RunsError::io(parent, e))?;
    let building = crate::atomic::temp_folder_beside(&report.folder).map_err(|e| RunsError::io(parent, e))?;
    let written = write_sweep_files(report, &building).and_then(|()| {
        crate::atomic::replace_folder(&building, &report.folder).map_err(|e| RunsError::io(&report.folder, e))
    });
    if written.is_err() {
        let _ = std::fs::remove_dir_all(&building);
    }
    written
}

/// The files of a sweep's folder, written into `building`.
fn write_sweep_files(report: &SweepReport, building: &std::path::Path) -> Result<(), RunsError> {
    let table = sweep_table(report);
    let json = serde_json::to_string_pretty(report).map_err(|e| RunsError::io(building, e))?;
    write_atomic(&building.join("sweep.json"), json.as_bytes())?;
    write_table_csv(&table, &building.join("summary.csv"))?;
    write_atomic(&building.join("summary.md"), table_to_markdown(&table).as_bytes())?;
    let title = format!("sweep {} ({})", report.name, &report.sweep_id[..12]);
    let intro = format!(
        "{} members over {}: {} computed, {} reused, {} failed.",
        report.members.len(),
        report.axes.join(" × "),
        report.members.iter().filter(|m| m.status == "computed").count(),
        report.members.iter().filter(|m| m.status == "reused").count(),
        report.n_failed()
    );
    write_atomic(&building.join("summary.html"), render_table_page(&title, &intro, &table).as_bytes())
}

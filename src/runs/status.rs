//! Runs that did not complete, on record: a run whose execution failed, or whose process was
//! killed (found later by its dead PID), leaves `runs/.failed/<name>-<id12>/status.json` with
//! its status (`failed` / `interrupted`), the error, the times, the command and the spec, so
//! `runs --all` lists it and `gc` can remove it. A later complete run of the same ID removes
//! the record: the run's latest state is then "complete".
//!
//! While a run executes, a sidecar `runs/.partial/<id>-<pid>@<host>~.started.json` says what
//! it is; when its writer is dead, that sidecar is what turns into an `interrupted` record.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::manifest::now_rfc3339;
use super::store::write_atomic;
use super::{IndexEntry, PreparedRun, RunStore, RunsError};

/// What is recorded of a run that did not complete.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunStatus {
    /// Full run ID.
    pub run_id: String,
    /// Experiment name.
    pub name: String,
    /// `running`, `failed` or `interrupted`.
    pub status: String,
    /// Why it did not complete.
    pub error: Option<String>,
    /// When it started (RFC 3339).
    pub started: String,
    /// When it failed, or when its death was noticed.
    pub finished: Option<String>,
    /// The command line that started it.
    pub command: Vec<String>,
    /// The writer: `<pid>@<host>`.
    pub process: String,
    /// The canonical spec it ran.
    pub spec: serde_json::Value,
}

impl RunStatus {
    /// A run starting now in this process.
    #[must_use]
    pub fn starting(prepared: &PreparedRun) -> Self {
        Self::now(&prepared.run_id.0, &prepared.spec.name, &prepared.canonical_spec, "running", None)
    }

    /// A run of this process, started at `started`, that failed now with `error` outside its
    /// execution (a cluster task that computed part of it).
    #[must_use]
    pub fn failed(run_id: &str, name: &str, canonical_spec: &str, started: String, error: String) -> Self {
        let mut status = Self::now(run_id, name, canonical_spec, "failed", Some(error));
        status.started = started;
        status.finished = Some(now_rfc3339());
        status
    }

    fn now(run_id: &str, name: &str, canonical_spec: &str, status: &str, error: Option<String>) -> Self {
        let tag = crate::atomic::ProcessTag::current();
        Self {
            run_id: run_id.into(),
            name: name.into(),
            status: status.into(),
            error,
            started: now_rfc3339(),
            finished: None,
            command: std::env::args().collect(),
            process: format!("{}@{}", tag.pid, tag.host),
            spec: serde_json::from_str(canonical_spec).unwrap_or(serde_json::Value::Null),
        }
    }

    /// The index row `runs --all` shows for it.
    #[must_use]
    pub fn entry(&self, folder: String) -> IndexEntry {
        IndexEntry {
            folder,
            run_id: self.run_id.clone(),
            name: self.name.clone(),
            finished: self.finished.clone().unwrap_or_default(),
            status: self.status.clone(),
            headline: std::collections::BTreeMap::new(),
            spec: self.spec.to_string(),
            tags: Vec::new(),
        }
    }
}

impl RunStore {
    /// Where records of runs that did not complete live.
    #[must_use]
    pub fn failed_dir(&self) -> PathBuf {
        self.root().join(".failed")
    }

    /// The sidecar of a run executing into `partial` (a folder under `.partial/`).
    pub(super) fn started_sidecar(partial: &Path) -> PathBuf {
        partial.with_file_name(format!("{}.started.json", partial.file_name().expect("named").to_string_lossy()))
    }

    /// Records `status` (`failed` or `interrupted`) as the run's record, replacing an older one.
    pub(super) fn record_status(&self, status: &RunStatus) -> Result<(), RunsError> {
        let folder = self.failed_dir().join(RunStore::folder_name(&status.name, &status.run_id));
        std::fs::create_dir_all(&folder).map_err(|e| RunsError::io(&folder, e))?;
        let text = serde_json::to_string_pretty(status).map_err(|e| RunsError::io(&folder, e))?;
        write_atomic(&folder.join("status.json"), text.as_bytes())
    }

    /// Forgets the record of a run that has now completed.
    pub(super) fn clear_status(&self, name: &str, run_id: &str) {
        let _ = std::fs::remove_dir_all(self.failed_dir().join(RunStore::folder_name(name, run_id)));
    }

    /// Turns the sidecars of runs whose process died into `interrupted` records (the
    /// half-written folders themselves are removed by the caller).
    pub(super) fn record_interrupted(&self) {
        for (sidecar, mut status) in self.dead_sidecars() {
            status.status = "interrupted".into();
            status.finished = Some(now_rfc3339());
            status.error = Some(format!("process {} stopped before the run completed", status.process));
            if self.record_status(&status).is_ok() {
                let _ = std::fs::remove_file(sidecar);
            }
        }
    }

    fn dead_sidecars(&self) -> Vec<(PathBuf, RunStatus)> {
        crate::atomic::stale_in(&self.partial_dir())
            .into_iter()
            .filter(|leftover| leftover.path.to_string_lossy().ends_with(".started.json"))
            .filter_map(|leftover| {
                let text = std::fs::read_to_string(&leftover.path).ok()?;
                Some((leftover.path, serde_json::from_str(&text).ok()?))
            })
            .collect()
    }

    /// Every recorded failed or interrupted run, and runs whose process died but whose death
    /// no later run has noticed yet (shown as `interrupted`), for `runs --all`.
    #[must_use]
    pub fn incomplete_runs(&self) -> Vec<IndexEntry> {
        let mut entries: Vec<IndexEntry> = std::fs::read_dir(self.failed_dir())
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
            .filter_map(|entry| {
                let text = std::fs::read_to_string(entry.path().join("status.json")).ok()?;
                let status: RunStatus = serde_json::from_str(&text).ok()?;
                Some(status.entry(format!(".failed/{}", entry.file_name().to_string_lossy())))
            })
            .collect();
        for (sidecar, mut status) in self.dead_sidecars() {
            status.status = "interrupted".into();
            entries
                .push(status.entry(format!(".partial/{}", sidecar.file_name().unwrap_or_default().to_string_lossy())));
        }
        entries.sort_by(|a, b| a.folder.cmp(&b.folder));
        entries
    }
}

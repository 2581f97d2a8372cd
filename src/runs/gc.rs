//! What killed or failed processes leave in a run store, found so `vlogmood gc` can remove it.
//!
//! Nothing here is ever part of a complete run: a half-written run folder under `.partial/`
//! whose run lock nobody holds, a lock file nobody holds, a run folder without a complete
//! manifest, temporary files whose writer is dead, the records of failed or interrupted runs
//! (`runs/.failed/`), and study parts (`runs/.parts/`) left behind by a run that is complete.

use std::path::{Path, PathBuf};

use crate::atomic::{lock_is_free, remove_path, stale_in, FileLock};

use super::store::RunStore;

/// One thing `gc` would remove, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Garbage {
    /// The file or folder.
    pub path: PathBuf,
    /// Why it is garbage.
    pub reason: String,
    /// A lock file: removed only while holding it, so no process can be left holding a lock
    /// on a file that no longer exists.
    pub is_lock: bool,
}

impl Garbage {
    fn new(path: PathBuf, reason: impl Into<String>) -> Self {
        Self { path, reason: reason.into(), is_lock: false }
    }

    /// Removes it (a lock only if it is still free).
    pub fn remove(&self) -> std::io::Result<()> {
        if self.is_lock {
            drop(FileLock::try_acquire(&self.path)?);
            return Ok(());
        }
        match remove_path(&self.path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            other => other,
        }
    }
}

impl RunStore {
    /// Everything in the store that no process is writing and that is not a complete run.
    #[must_use]
    pub fn garbage(&self) -> Vec<Garbage> {
        let mut found = Vec::new();
        let partial_root = self.partial_dir();
        for path in entries(&partial_root) {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            // Temporary files of a sidecar's writer start with `.`: the run ID follows it.
            let run_id = name.trim_start_matches('.').split('-').next().unwrap_or_default();
            if !self.is_locked(run_id) {
                found.push(Garbage::new(path, "half-written run; no process is writing it"));
            }
        }
        for path in entries(&self.failed_dir()) {
            found.push(Garbage::new(path, "record of a run that failed or was interrupted (runs --all lists it)"));
        }
        // Parts are removed as their run completes; these outlived it (a removal that failed).
        // Parts of a run not complete yet are kept: running it again on the cluster reads them.
        for path in entries(&self.parts_root()) {
            let run_id = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            if run_id.starts_with('.') {
                continue; // A parts folder being made (or a dead process's, below).
            }
            if self.is_complete(&run_id) && !self.is_locked(&run_id) {
                found.push(Garbage::new(path, "study parts of a run that is complete"));
            }
        }
        for path in entries(&self.locks_dir()) {
            if lock_is_free(&path).unwrap_or(false) {
                found.push(Garbage { path, reason: "lock file no process holds".into(), is_lock: true });
            }
        }
        // A sweep's summary folder is built beside its final place (`sweeps/.<name>-<pid@host~>`).
        let folders_with_temporaries = [self.root().to_path_buf(), self.root().join("sweeps"), self.parts_root()];
        for leftover in folders_with_temporaries.iter().flat_map(|folder| stale_in(folder)) {
            let reason = format!("temporary file of dead process {}", leftover.writer.pid);
            found.push(Garbage::new(leftover.path, reason));
        }
        for path in entries(self.root()) {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            // Only folders named like runs: anything else under runs/ is not ours to remove.
            if name.starts_with('.') || !path.is_dir() || !is_run_folder_name(&name) {
                continue;
            }
            if let Err(reason) = super::store::completeness(&path, None) {
                found.push(Garbage::new(path, format!("incomplete run folder: {reason}")));
            }
        }
        found.sort_by(|a, b| a.path.cmp(&b.path));
        found
    }

    fn is_locked(&self, run_id: &str) -> bool {
        let path = self.locks_dir().join(format!("{run_id}.lock"));
        !lock_is_free(&path).unwrap_or(true)
    }
}

/// Temporary files of dead writers anywhere under `folder` (e.g. an `ingest` output folder).
#[must_use]
pub fn stale_temporaries_under(folder: &Path) -> Vec<Garbage> {
    let mut found = Vec::new();
    // The walk yields `folder` itself first, then every folder below it.
    let folders = walkdir::WalkDir::new(folder).into_iter().filter_map(Result::ok).filter(|e| e.file_type().is_dir());
    for dir in folders.map(walkdir::DirEntry::into_path) {
        for leftover in stale_in(&dir) {
            let reason = format!("temporary file of dead process {}", leftover.writer.pid);
            found.push(Garbage::new(leftover.path, reason));
        }
    }
    found
}

/// Whether `name` has the shape of a run folder: `<name>-<12 hex digits>`, optionally `-r<N>`.
fn is_run_folder_name(name: &str) -> bool {
    let base = match name.rsplit_once("-r") {
        Some((base, n)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => base,
        _ => name,
    };
    base.rsplit_once('-').is_some_and(|(experiment, id)| {
        !experiment.is_empty() && id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

fn entries(folder: &Path) -> Vec<PathBuf> {
    let Ok(read) = std::fs::read_dir(folder) else { return Vec::new() };
    let mut paths: Vec<PathBuf> = read.filter_map(Result::ok).map(|e| e.path()).collect();
    paths.sort();
    paths
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_run_shaped_folders_can_be_incomplete_runs() {
        assert!(is_run_folder_name("kmeans_grid-0b269b3622cc"));
        assert!(is_run_folder_name("kmeans_grid-0b269b3622cc-r2"));
        assert!(!is_run_folder_name("sweeps"));
        assert!(!is_run_folder_name("my-notes"));
        assert!(!is_run_folder_name("x-0b269b3622cz"));
    }

    #[test]
    fn gc_leaves_folders_that_are_not_runs_alone() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("sweeps/a")).expect("mkdir");
        std::fs::create_dir_all(dir.path().join("broken-0123456789ab")).expect("mkdir");
        let garbage = RunStore::new(dir.path()).garbage();
        let paths: Vec<&Path> = garbage.iter().map(|g| g.path.as_path()).collect();
        assert_eq!(paths, [dir.path().join("broken-0123456789ab").as_path()]);
    }

    #[test]
    fn records_of_failed_runs_and_dead_sweep_writes_are_garbage() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = RunStore::new(dir.path());
        std::fs::create_dir_all(store.failed_dir().join("mini-0123456789ab")).expect("mkdir");
        // PID 0 never names a live writer process on this host.
        let dead = format!(".mini-0123456789ab-0@{}~", crate::atomic::hostname());
        std::fs::create_dir_all(dir.path().join("sweeps").join(&dead)).expect("mkdir");
        std::fs::create_dir_all(dir.path().join("sweeps/mini-0123456789ab")).expect("a finished sweep");
        let garbage = store.garbage();
        let names: Vec<String> =
            garbage.iter().map(|g| g.path.file_name().unwrap().to_string_lossy().into_owned()).collect();
        assert_eq!(names, ["mini-0123456789ab", dead.as_str()], "{garbage:?}");
    }
}

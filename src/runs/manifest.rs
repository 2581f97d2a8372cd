//! `manifest.json`: what a run is, what made it, and whether it is complete (DESIGN §4).

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// Version of the run-folder layout; bumped when files or fields change meaning.
/// 2: the manifest lists every other file of the folder with its size and SHA-256.
pub const SCHEMA_VERSION: u32 = 2;

/// The self-description of a run folder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Full run ID (64 hex digits).
    pub run_id: String,
    /// Experiment name.
    pub name: String,
    /// Run-folder layout version.
    pub schema_version: u32,
    /// `PIPELINE_VERSION` of the code that made the run.
    pub pipeline_version: String,
    /// Crate version.
    pub crate_version: String,
    /// Git commit of the working tree, when known.
    pub git_commit: Option<String>,
    /// Whether tracked files (outside `runs/`) differed from that commit: the code that made
    /// the run is then not exactly the commit's. Unknown (absent) in older manifests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git_dirty: Option<bool>,
    /// `rustc --version` of the build.
    pub rustc: String,
    /// Operating system and CPU.
    pub machine: Machine,
    /// Worker threads used.
    pub threads: usize,
    /// The spec's seed.
    pub seed: u64,
    /// The data.
    pub dataset: DatasetInfo,
    /// The corpus classify studies tested on (`data.test_corpus`), when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_dataset: Option<DatasetInfo>,
    /// Start time, UTC, RFC 3339.
    pub started: String,
    /// End time, UTC, RFC 3339.
    pub finished: String,
    /// Wall-clock seconds.
    pub wall_seconds: f64,
    /// `"complete"` once every file of the run is written (folders without it are not runs).
    pub status: String,
    /// Every other file of the run folder (relative path, `/`-separated) with its size and
    /// SHA-256, so a missing or edited artefact is found. Empty in schema-1 folders.
    #[serde(default)]
    pub files: BTreeMap<String, FileDigest>,
}

/// Size and content hash of one file of a run folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileDigest {
    /// Size in bytes.
    pub bytes: u64,
    /// SHA-256 of the bytes, lowercase hex.
    pub sha256: String,
}

/// What is wrong with a run folder's files, measured against its manifest's list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FolderCheck {
    /// Listed files that are gone.
    pub missing: Vec<String>,
    /// Listed files whose size or content changed.
    pub changed: Vec<String>,
    /// Files that are not listed (added after the run).
    pub added: Vec<String>,
}

impl FolderCheck {
    /// True when the folder holds exactly the listed files, unchanged.
    #[must_use]
    pub fn is_intact(&self) -> bool {
        self.missing.is_empty() && self.changed.is_empty() && self.added.is_empty()
    }

    /// One line per problem kind, e.g. `missing: features.npy; changed: spec.json`.
    #[must_use]
    pub fn describe(&self) -> String {
        [("missing", &self.missing), ("changed", &self.changed), ("added", &self.added)]
            .iter()
            .filter(|(_, files)| !files.is_empty())
            .map(|(what, files)| format!("{what}: {}", files.join(", ")))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// Size and SHA-256 of every file under `folder` except `manifest.json`, keyed by relative
/// path with `/` separators.
pub fn digest_folder(folder: &Path) -> std::io::Result<BTreeMap<String, FileDigest>> {
    let mut out = BTreeMap::new();
    for entry in walkdir::WalkDir::new(folder).sort_by_file_name() {
        let entry = entry.map_err(std::io::Error::other)?;
        if !entry.file_type().is_file() {
            continue;
        }
        let relative = relative_name(folder, entry.path());
        if relative == "manifest.json" {
            continue;
        }
        let bytes = std::fs::read(entry.path())?;
        let digest = FileDigest { bytes: bytes.len() as u64, sha256: crate::corpus::sha256_hex(&bytes) };
        out.insert(relative, digest);
    }
    Ok(out)
}

/// Checks `folder` against the manifest's list: by content when `by_content`, else only that
/// every listed file exists with its size (cheap enough for every `run` that reuses a folder).
pub fn check_folder(folder: &Path, manifest: &Manifest, by_content: bool) -> std::io::Result<FolderCheck> {
    let mut check = FolderCheck::default();
    if by_content {
        let now = digest_folder(folder)?;
        for (name, digest) in &manifest.files {
            match now.get(name) {
                None => check.missing.push(name.clone()),
                Some(d) if d != digest => check.changed.push(name.clone()),
                Some(_) => {}
            }
        }
        check.added = now.keys().filter(|name| !manifest.files.contains_key(*name)).cloned().collect();
    } else {
        for (name, digest) in &manifest.files {
            match std::fs::metadata(folder.join(name)) {
                Err(_) => check.missing.push(name.clone()),
                Ok(meta) if meta.len() != digest.bytes => check.changed.push(name.clone()),
                Ok(_) => {}
            }
        }
    }
    Ok(check)
}

fn relative_name(root: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(root).unwrap_or(path);
    relative.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

/// The machine a run was made on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Machine {
    /// `std::env::consts::OS`.
    pub os: String,
    /// `std::env::consts::ARCH`.
    pub arch: String,
    /// CPU model name, when the OS tells it.
    pub cpu: Option<String>,
    /// Logical CPUs.
    pub n_cpus: usize,
}

impl Machine {
    /// Describes this machine.
    #[must_use]
    pub fn current() -> Self {
        let cpu = std::fs::read_to_string("/proc/cpuinfo").ok().and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().into())
        });
        Self {
            os: std::env::consts::OS.into(),
            arch: std::env::consts::ARCH.into(),
            cpu,
            n_cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
        }
    }
}

/// The data a run was made from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetInfo {
    /// Corpus folder as the spec names it.
    pub root: String,
    /// Dataset fingerprint (DESIGN §3).
    pub fingerprint: String,
    /// Input files found.
    pub n_files: usize,
    /// Input files that could not be processed (listed in `failures.csv`).
    pub n_failed: usize,
}

/// The current UTC time in RFC 3339 form (seconds precision).
#[must_use]
pub fn now_rfc3339() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}

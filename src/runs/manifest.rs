//! `manifest.json`: what a run is, what made it, and whether it is complete (DESIGN §4).

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// Version of the run-folder layout; bumped when files or fields change meaning.
/// 2: the manifest lists every other file of the folder with its size and SHA-256.
pub const SCHEMA_VERSION: u32 = 2;

/// The crates whose versions a manifest records: those that decode, resample, transform and
/// fit, i.e. whose updates could change a number.
const RESULT_CRATES: [&str; 13] = [
    "symphonia",
    "soxr-sys",
    "rustfft",
    "realfft",
    "ndarray",
    "linfa",
    "linfa-clustering",
    "linfa-linalg",
    "smartcore",
    "burn",
    "perpetual",
    "xgboost_lib-sys",
    "rand_chacha",
];

/// The `Cargo.lock` this binary was built from.
static CARGO_LOCK: &str = include_str!("../../Cargo.lock");

/// SHA-256 of the `Cargo.lock` the binary was built with.
#[must_use]
pub fn cargo_lock_sha256() -> String {
    crate::corpus::sha256_hex(CARGO_LOCK.as_bytes())
}

/// The versions of [`RESULT_CRATES`] this binary uses, from its `Cargo.lock`.
#[must_use]
pub fn result_crate_versions() -> BTreeMap<String, String> {
    let mut versions = crate_versions(CARGO_LOCK, "vlogmood", &RESULT_CRATES);
    if !cfg!(feature = "xgboost") {
        // Locked as an optional dependency, but not in this binary.
        versions.remove("xgboost_lib-sys");
    }
    versions
}

/// The version of each of `crates` that package `root` of `lock` depends on, directly or not:
/// the one its dependency list names (`"ndarray 0.16.1"` when several are locked), else the
/// only one locked. Crates not in the lock are left out.
fn crate_versions(lock: &str, root: &str, crates: &[&str]) -> BTreeMap<String, String> {
    // Each `[[package]]` block: its name, version and dependency list (`"name"` or
    // `"name version"` per line).
    let packages: Vec<(&str, &str, Vec<&str>)> = lock
        .split("[[package]]")
        .skip(1)
        .filter_map(|block| {
            let field = |key: &str| block.lines().find_map(|l| l.strip_prefix(key)).map(|v| v.trim().trim_matches('"'));
            let dependencies = block.split_once("dependencies = [").map_or_else(Vec::new, |(_, rest)| {
                rest.lines()
                    .take_while(|l| !l.starts_with(']'))
                    .map(|l| l.trim().trim_end_matches(',').trim_matches('"'))
                    .filter(|l| !l.is_empty())
                    .collect()
            });
            Some((field("name = ")?, field("version = ")?, dependencies))
        })
        .collect();
    let root_dependencies: &[&str] = packages.iter().find(|p| p.0 == root).map_or(&[], |p| p.2.as_slice());
    crates
        .iter()
        .filter_map(|&name| {
            let named = root_dependencies.iter().find_map(|d| d.strip_prefix(name)?.strip_prefix(' '));
            let locked: Vec<&str> = packages.iter().filter(|p| p.0 == name).map(|p| p.1).collect();
            let version = named.or_else(|| (locked.len() == 1).then(|| locked[0]))?;
            Some((name.to_string(), version.to_string()))
        })
        .collect()
}

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
    /// SHA-256 of `git diff HEAD` (tracked files outside `runs/`) when the tree was dirty, so
    /// two runs made from the same uncommitted edit can be told apart from different ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git_diff_sha256: Option<String>,
    /// SHA-256 of the `Cargo.lock` the binary was built with: every dependency's exact version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cargo_lock_sha256: Option<String>,
    /// Versions of the crates that compute results (decoding, resampling, FFT, models).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub crates: BTreeMap<String, String>,
    /// The command line that made the run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub command: Vec<String>,
    /// The machine's host name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
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

/// The one file of a run folder that may change after the run: its description and tags
/// (`vlogmood tag`). Not part of the manifest's list, so tagging leaves the run complete.
pub const META_FILE: &str = "meta.json";

/// A run's description and tags (`[meta]` in the spec, then `vlogmood tag`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunMeta {
    /// What the run is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Labels to find it by (`runs --where tag=baseline`), sorted.
    #[serde(default)]
    pub tags: Vec<String>,
}

impl RunMeta {
    /// The meta of a run folder (empty when it has none or it cannot be read).
    #[must_use]
    pub fn read(folder: &Path) -> Self {
        std::fs::read_to_string(folder.join(META_FILE))
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default()
    }

    /// Writes it into `folder` (atomically).
    pub fn write(&self, folder: &Path) -> std::io::Result<()> {
        let text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        crate::atomic::write_file(&folder.join(META_FILE), text.as_bytes())
    }
}

/// Size and SHA-256 of every file under `folder` except `manifest.json` and [`META_FILE`],
/// keyed by relative path with `/` separators.
pub fn digest_folder(folder: &Path) -> std::io::Result<BTreeMap<String, FileDigest>> {
    let mut out = BTreeMap::new();
    for entry in walkdir::WalkDir::new(folder).sort_by_file_name() {
        let entry = entry.map_err(std::io::Error::other)?;
        if !entry.file_type().is_file() {
            continue;
        }
        let relative = relative_name(folder, entry.path());
        if relative == "manifest.json" || relative == META_FILE {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crate_versions_follow_the_roots_dependency_list_when_several_are_locked() {
        let lock = r#"
[[package]]
name = "ndarray"
version = "0.16.1"

[[package]]
name = "ndarray"
version = "0.17.2"

[[package]]
name = "rustfft"
version = "6.4.1"

[[package]]
name = "app"
version = "0.1.0"
dependencies = [
 "ndarray 0.16.1",
 "rustfft",
]
"#;
        let versions = crate_versions(lock, "app", &["ndarray", "rustfft", "absent"]);
        assert_eq!(versions["ndarray"], "0.16.1");
        assert_eq!(versions["rustfft"], "6.4.1");
        assert!(!versions.contains_key("absent"));
    }

    #[test]
    fn this_build_records_its_result_crates() {
        let versions = result_crate_versions();
        for name in ["symphonia", "rustfft", "linfa", "ndarray", "burn"] {
            assert!(versions.contains_key(name), "{name}: {versions:?}");
        }
        assert_eq!(cargo_lock_sha256().len(), 64);
    }
}

//! `manifest.json`: what a run is, what made it, and whether it is complete (DESIGN §4).

use serde::{Deserialize, Serialize};

/// Version of the run-folder layout; bumped when files or fields change meaning.
pub const SCHEMA_VERSION: u32 = 1;

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
    /// Start time, UTC, RFC 3339.
    pub started: String,
    /// End time, UTC, RFC 3339.
    pub finished: String,
    /// Wall-clock seconds.
    pub wall_seconds: f64,
    /// `"complete"` once every file of the run is written (folders without it are not runs).
    pub status: String,
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

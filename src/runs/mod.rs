//! The run store: executing specs into atomic, versioned run folders; listing, finding,
//! comparing and reproducing runs (DESIGN §4).
//!
//! A run is written into `runs/.partial/<id>-<pid>/` and renamed into place only once its
//! `manifest.json` (written last, `status: "complete"`) exists, so a crash or kill never leaves
//! a folder that looks complete. A lock per run ID keeps two processes from writing one run.

mod error;
mod execute;
mod executor;
mod gc;
mod listing;
mod manifest;
mod reproduce;
mod slurm;
mod status;
mod store;
mod sweep;

pub use error::RunsError;
pub use execute::{execute, run, ExecuteOptions, NoProgress, PreparedRun, Progress, RunResult};
pub use executor::{
    failed_tasks, feature_tasks, run_in_parts, Executor, FeatureInput, FeaturesOutcome, LocalExecutor, PartsOutcome,
    PartsPlan, RunOutcome, RunTask, Task, TaskOutcome, TaskProgress,
};
pub use gc::{stale_temporaries_under, Garbage};
pub use listing::{natural_cmp, runs_table, Filter, RunsQuery};
pub use manifest::{DatasetInfo, Machine, Manifest, RunMeta, META_FILE, SCHEMA_VERSION};
pub use reproduce::{reproduce, MetricDiff, ReproduceReport};
pub use slurm::{gather_task_file, run_task_file, SlurmExecutor, SlurmOptions};
pub use status::RunStatus;
pub use store::{
    headline_metrics, read_manifest, read_metrics, spec_params, IndexEntry, PublishedComparison, RunLock, RunStore,
};
pub use sweep::{prepare_members, run_sweep, sweep_table, MemberOutcome, SweepMember, SweepProgress, SweepReport};

//! Command-line interface: argument parsing, progress bars, exit codes (DESIGN §5).
//!
//! Each subcommand is one function in a file of its own; this module holds the argument types
//! and the one place where outcomes become exit codes: 0 success, 1 some inputs failed (the
//! rest were processed), 2 usage, spec or other error (printed once with its causes), 3
//! `reproduce` found a metric that differs.

mod executor;
mod experiment;
mod features;
mod gc;
mod ingest;
mod progress;
mod runs_cmd;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use vlogmood::audio::PreprocessParams;
use vlogmood::report::ComparisonFormat;
use vlogmood::runs::Filter;
use vlogmood::spec::{ExecutorKind, ExecutorSpec, Override, SweepAxis};

use executor::ExecutorChoice;

/// Where runs are stored, relative to the working directory.
const RUNS_DIR: &str = "runs";

/// The published runs committed with the code (README quotes them; CI reproduces some): read,
/// compared against and reproduced, never reused by `run` nor written.
const PUBLISHED_DIR: &str = "published";

/// The width text tables are wrapped to: `COLUMNS` when set, else the terminal's, else none
/// (output piped to a file or a program is never wrapped).
fn terminal_width() -> Option<usize> {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse().ok())
        .filter(|&c: &usize| c > 0)
        .or_else(|| console::Term::stdout().size_checked().map(|(_, columns)| usize::from(columns)))
}

/// The run store that lookups (`show`, `compare`, `reproduce`) and `run` use: `runs/`, falling
/// back to `published/`.
fn run_store() -> vlogmood::runs::RunStore {
    vlogmood::runs::RunStore::new(RUNS_DIR).with_published(PUBLISHED_DIR)
}

/// Reproducible emotional-tone analysis of vlog audio.
#[derive(Debug, Parser)]
#[command(name = "vlogmood", version, about)]
pub struct Cli {
    /// Worker threads (default: all cores). Results never depend on it.
    #[arg(long, global = true)]
    threads: Option<usize>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Decode audio/video files, mix to mono, resample, trim silence and write 16-bit WAVs.
    Ingest(IngestArgs),
    /// Compute librosa-faithful features of every file under a folder.
    Features(FeaturesArgs),
    /// Run an experiment spec into a run folder under runs/ (prints the folder last).
    Run(RunArgs),
    /// Draw a folder of recordings before any model (the `explore` study without a spec):
    /// histograms, correlations, class counts, spectrograms, waveforms (prints the folder last).
    Explore(ExploreArgs),
    /// Print an experiment's resolved spec and its run ID without running it (or, with
    /// --reference, the reference of every spec field).
    Spec(SpecArgs),
    /// List the runs under runs/ (or published/): headline metrics, parameters, filters, sorting, exports.
    Runs(RunsArgs),
    /// Add tags to a run (or remove them with --remove); `runs --where tag=X` finds it.
    Tag(TagArgs),
    /// Show one run's manifest and summary tables.
    Show(ShowArgs),
    /// Compare the metrics of runs side by side.
    Compare(CompareArgs),
    /// Execute one task of a batch: what each task of a Slurm job array runs.
    #[command(hide = true)]
    Task(TaskArgs),
    /// Re-execute a run from its stored spec and diff every metric (exit 3 if any differs).
    Reproduce(ReproduceArgs),
    /// Remove what killed or failed processes left: half-written runs, stale locks, incomplete
    /// run folders, and temporary files in the folders given.
    Gc(GcArgs),
}

impl Command {
    /// Whether the command computes anything in parallel (only these build a thread pool).
    fn is_parallel(&self) -> bool {
        matches!(
            self,
            Self::Ingest(_) | Self::Features(_) | Self::Run(_) | Self::Explore(_) | Self::Reproduce(_) | Self::Task(_)
        )
    }
}

/// Preprocessing flags shared by `ingest` and `features`.
#[derive(Debug, Args)]
struct PreprocessArgs {
    /// Target sample rate in Hz.
    #[arg(long = "sr", default_value_t = 22_050)]
    sample_rate_hz: u32,
    /// Trim threshold in dB below the loudest frame.
    #[arg(long = "top-db", default_value_t = 20.0)]
    top_db: f64,
    /// Keep leading and trailing silence.
    #[arg(long)]
    no_trim: bool,
}

impl PreprocessArgs {
    fn params(&self) -> PreprocessParams {
        PreprocessParams {
            sample_rate_hz: self.sample_rate_hz,
            trim_top_db: self.top_db,
            trim: !self.no_trim,
            pcm16: true,
        }
    }
}

#[derive(Debug, Args)]
struct IngestArgs {
    /// Files or folders to ingest (folders are scanned recursively).
    #[arg(required = true)]
    sources: Vec<PathBuf>,
    /// Output folder; it mirrors each source's relative paths with a `.wav` extension.
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    preprocess: PreprocessArgs,
}

#[derive(Debug, Args)]
struct FeaturesArgs {
    /// Folder (or file) of audio/video to analyse.
    dir: PathBuf,
    /// Output folder.
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    preprocess: PreprocessArgs,
    /// Do not read or write the feature cache.
    #[arg(long)]
    no_cache: bool,
    #[command(flatten)]
    executor: ExecutorArgs,
}

#[derive(Debug, Args)]
struct RunArgs {
    /// Experiment spec (path, with or without .toml).
    experiment: PathBuf,
    /// Change one value of the spec before it is hashed: PATH=VALUE, e.g. seed=7,
    /// 'study[1].k=6', features.scale=per_group (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    set: Vec<Override>,
    /// Run every combination of values: PATH=a..b (integers) or PATH=v1,v2,... (repeatable;
    /// a `[sweep]` table in the spec does the same). Members that already ran are reused.
    #[arg(long = "sweep", value_name = "PATH=VALUES")]
    sweep: Vec<SweepAxis>,
    /// Sweep members run at once.
    #[arg(long, default_value_t = 1)]
    jobs: usize,
    /// Recompute into a fresh folder even if this run ID exists (not with a sweep).
    #[arg(long)]
    force: bool,
    /// Do not read or write the feature cache.
    #[arg(long)]
    no_cache: bool,
    #[command(flatten)]
    executor: ExecutorArgs,
}

/// `--executor` and its options, shared by `run` and `features`. Each flag left out is taken
/// from the spec's `[executor]` table (`run`), else its default.
#[derive(Debug, Args)]
struct ExecutorArgs {
    /// Where the work is done: `local` (this machine; the default) or `slurm` (job arrays on
    /// the Slurm cluster this machine submits to: feature extraction in batches of files into
    /// the shared cache, then each run or sweep member; the results are read here). Never part
    /// of a run ID.
    #[arg(long = "executor", value_name = "KIND", value_parser = executor_kind)]
    kind: Option<ExecutorKind>,
    #[command(flatten)]
    slurm: SlurmArgs,
}

/// `local` or `slurm`, as the spec's `[executor] kind` spells them.
fn executor_kind(text: &str) -> Result<ExecutorKind, String> {
    serde_json::from_value(serde_json::Value::String(text.to_string()))
        .map_err(|_| format!("{text:?} is not an executor: use local or slurm"))
}

/// A whole number ≥ 1.
fn at_least_one(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!("{text:?} is not a whole number ≥ 1")),
    }
}

/// How `--executor slurm` submits its tasks.
#[derive(Debug, Args)]
struct SlurmArgs {
    /// Batch folders (tasks, outcomes, job logs): on storage every node sees, as the run store
    /// and the feature cache must be [default: runs/.slurm].
    #[arg(long = "slurm-work", value_name = "DIR")]
    work: Option<PathBuf>,
    /// Partition (default: the cluster's).
    #[arg(long = "slurm-partition", value_name = "NAME")]
    partition: Option<String>,
    /// Time limit per task, as sbatch --time takes it (default: the partition's).
    #[arg(long = "slurm-time", value_name = "TIME")]
    time: Option<String>,
    /// CPUs per task (each task uses as many threads) [default: 1].
    #[arg(long = "slurm-cpus", value_name = "N", value_parser = at_least_one)]
    cpus: Option<usize>,
    /// Memory per task, as sbatch --mem takes it (default: the partition's).
    #[arg(long = "slurm-mem", value_name = "SIZE")]
    mem: Option<String>,
    /// Tasks running at once (the array's %N; default: as many as the cluster allows).
    #[arg(long = "slurm-max-parallel", value_name = "N")]
    max_parallel: Option<usize>,
    /// Resubmissions of a failed or timed-out task [default: 2].
    #[arg(long = "slurm-retries", value_name = "N")]
    retries: Option<usize>,
    /// Files per feature-extraction task [default: 64].
    #[arg(long = "slurm-files-per-task", value_name = "N", value_parser = at_least_one)]
    files_per_task: Option<usize>,
    /// A study step (k values of a k-sweep, grid cells, repeated fits, bootstrap replicates,
    /// consensus subsamples, classification folds) with at least N parts left becomes tasks of
    /// its own; a smaller one is computed in the run's task [default: 2].
    #[arg(long = "slurm-min-parts", value_name = "N", value_parser = at_least_one)]
    min_parts: Option<usize>,
    /// ... unless its parts left would take less than SECONDS in the run's task, as its first
    /// part (timed there) predicts [default: 60].
    #[arg(long = "slurm-min-step-seconds", value_name = "SECONDS")]
    min_step_seconds: Option<u64>,
    /// The most tasks one study step is split into [default: 16].
    #[arg(long = "slurm-part-tasks", value_name = "N", value_parser = at_least_one)]
    part_tasks: Option<usize>,
}

impl ExecutorArgs {
    /// The executor these flags choose, each flag left out taken from `spec` (a spec's
    /// `[executor]` table, or the default table for commands without a spec).
    fn choice(&self, spec: &ExecutorSpec) -> ExecutorChoice {
        let slurm = &self.slurm;
        ExecutorChoice {
            kind: self.kind.unwrap_or(spec.kind),
            slurm: vlogmood::runs::SlurmOptions {
                work_dir: slurm.work.clone().unwrap_or_else(|| spec.work.clone()),
                partition: slurm.partition.clone().or_else(|| spec.partition.clone()),
                time: slurm.time.clone().or_else(|| spec.time.clone()),
                cpus_per_task: slurm.cpus.unwrap_or(spec.cpus),
                mem: slurm.mem.clone().or_else(|| spec.mem.clone()),
                max_parallel: slurm.max_parallel.or(spec.max_parallel),
                retries: slurm.retries.unwrap_or(spec.retries),
                poll: std::time::Duration::from_millis(500),
            },
            files_per_task: slurm.files_per_task.unwrap_or(spec.files_per_task),
            parts: vlogmood::runs::PartsPlan {
                min_parts: slurm.min_parts.unwrap_or(spec.min_parts),
                min_seconds: slurm.min_step_seconds.unwrap_or(spec.min_step_seconds),
                max_tasks: slurm.part_tasks.unwrap_or(spec.part_tasks),
            },
        }
    }
}

#[derive(Debug, Args)]
struct TaskArgs {
    /// A batch's tasks.json (written by `run --executor slurm`).
    tasks: PathBuf,
    /// The task to execute (a Slurm array task passes $SLURM_ARRAY_TASK_ID).
    #[arg(required_unless_present = "gather")]
    index: Option<usize>,
    /// Reduce every task's outcome, in task order, into gathered.json (the gather job).
    #[arg(long, conflicts_with = "index")]
    gather: bool,
}

#[derive(Debug, Args)]
struct RunsArgs {
    /// Keep runs where KEY<op>VALUE holds (op: = != > >= < <= ~ contains; repeatable): name=kmeans_grid,
    /// 'silhouette>0.15', seed=7, 'study[0].k>=4'. A key names a column or the end of its name.
    #[arg(long = "where", value_name = "EXPR")]
    filters: Vec<Filter>,
    /// Also list runs that failed or were interrupted (status `failed` / `interrupted`).
    #[arg(long)]
    all: bool,
    /// List the published runs (published/, committed with the code) instead of runs/.
    #[arg(long)]
    published: bool,
    /// Sort by this column (numbers by value, text naturally; missing last).
    #[arg(long, value_name = "KEY")]
    sort_by: Option<String>,
    /// Sort descending.
    #[arg(long, requires = "sort_by")]
    desc: bool,
    /// Add a column per spec parameter (seed, study[0].k, features.scale ...).
    #[arg(long)]
    params: bool,
    /// Only the parameters and metrics that differ between the listed runs.
    #[arg(long)]
    only_changed: bool,
    /// Only these columns, in this order (comma-separated keys).
    #[arg(long, value_delimiter = ',', value_name = "KEYS")]
    columns: Option<Vec<String>>,
    /// Markdown instead of aligned text.
    #[arg(long, group = "format")]
    md: bool,
    /// CSV at full precision.
    #[arg(long, group = "format")]
    csv: bool,
    /// JSON at full precision (one object per run).
    #[arg(long, group = "format")]
    json: bool,
    /// Also write the table as a Parquet file (loads into pandas or polars as it is).
    #[arg(long, value_name = "FILE")]
    parquet: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct TagArgs {
    /// The run: folder name or a unique prefix of its ID.
    run: String,
    /// Tags (letters, digits, `_`, `-`, `.`, `:`).
    #[arg(required = true)]
    tags: Vec<String>,
    /// Remove these tags instead of adding them.
    #[arg(long)]
    remove: bool,
}

#[derive(Debug, Args)]
struct ExploreArgs {
    /// Folder of audio/video files, with an optional labels.csv (every column of it is counted).
    dir: PathBuf,
    /// Where the run folder is written (as `run` writes under runs/).
    #[arg(long, default_value = RUNS_DIR)]
    out: PathBuf,
    /// A labels.csv column: histograms one colour per value of it, statistics per value.
    #[arg(long)]
    by: Option<String>,
    /// Also write every figure as SVG.
    #[arg(long)]
    svg: bool,
    /// Do not read or write the feature cache.
    #[arg(long)]
    no_cache: bool,
}

#[derive(Debug, Args)]
struct SpecArgs {
    /// Experiment spec (path, with or without .toml).
    #[arg(required_unless_present = "reference")]
    experiment: Option<PathBuf>,
    /// Print the spec reference instead (Markdown: every table, field, study kind and model
    /// with its type, default and allowed values; docs/spec.md is this output).
    #[arg(long, conflicts_with_all = ["experiment", "set"])]
    reference: bool,
    /// Change one value of the spec, as `run --set` does (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    set: Vec<Override>,
}

#[derive(Debug, Args)]
struct ShowArgs {
    /// Run folder name or a unique prefix of its run ID.
    run: String,
}

#[derive(Debug, Args)]
struct CompareArgs {
    /// Runs (folder names or unique run-ID prefixes).
    #[arg(required = true, num_args = 2..)]
    runs: Vec<String>,
    /// Markdown table.
    #[arg(long, group = "format")]
    md: bool,
    /// CSV with full-precision values.
    #[arg(long, group = "format")]
    csv: bool,
    /// JSON with full-precision values.
    #[arg(long, group = "format")]
    json: bool,
    /// Only the metrics whose values differ between the runs.
    #[arg(long)]
    only_changed: bool,
    /// Also write a self-contained HTML page: parameter differences, metrics with coloured
    /// differences, and the runs' figures side by side.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
}

impl CompareArgs {
    fn format(&self) -> ComparisonFormat {
        if self.md {
            ComparisonFormat::Markdown
        } else if self.csv {
            ComparisonFormat::Csv
        } else if self.json {
            ComparisonFormat::Json
        } else {
            ComparisonFormat::Text { width: terminal_width() }
        }
    }
}

#[derive(Debug, Args)]
struct ReproduceArgs {
    /// Run folder name or a unique prefix of its run ID.
    run: String,
    /// Largest relative difference accepted (default 0: every metric must be identical).
    #[arg(long, default_value_t = 0.0)]
    tolerance: f64,
    /// Do not read or write the feature cache.
    #[arg(long)]
    no_cache: bool,
}

#[derive(Debug, Args)]
struct GcArgs {
    /// Only list what would be removed.
    #[arg(long)]
    dry_run: bool,
    /// Output folders of `ingest` or `features` to clean of temporary files as well.
    folders: Vec<PathBuf>,
}

/// How a subcommand ended, before it becomes an exit code.
pub enum Outcome {
    /// Everything succeeded.
    Success,
    /// Some inputs failed; the rest were processed and the failures listed.
    SomeInputsFailed,
    /// `reproduce` found metrics that differ.
    MetricsDiffer,
}

/// Runs the parsed command line and returns the process exit code.
pub fn run(cli: Cli) -> ExitCode {
    if let Some(n) = cli.threads {
        if let Err(message) = check_threads(n) {
            eprintln!("vlogmood: error: --threads {n}: {message}");
            return ExitCode::from(2);
        }
        if cli.command.is_parallel() {
            if let Err(e) = rayon::ThreadPoolBuilder::new().num_threads(n).build_global() {
                eprintln!("vlogmood: error: cannot start {n} threads: {e}");
                return ExitCode::from(2);
            }
        }
    }
    let result = match cli.command {
        Command::Ingest(args) => ingest::run(&args),
        Command::Features(args) => features::run(&args),
        Command::Run(args) => experiment::run_experiment(&args),
        Command::Explore(args) => experiment::explore_folder(&args),
        Command::Spec(args) => experiment::show_spec(&args),
        Command::Runs(args) => runs_cmd::list_runs(&args),
        Command::Tag(args) => runs_cmd::tag_run(&args),
        Command::Show(args) => runs_cmd::show_run(&args),
        Command::Compare(args) => runs_cmd::compare_runs(&args),
        Command::Reproduce(args) => experiment::reproduce_run(&args),
        Command::Task(args) => experiment::run_task(&args),
        Command::Gc(args) => gc::collect_garbage(&args),
    };
    match result {
        Ok(Outcome::Success) => ExitCode::SUCCESS,
        Ok(Outcome::SomeInputsFailed) => ExitCode::from(1),
        Ok(Outcome::MetricsDiffer) => ExitCode::from(3),
        // A closed pipe (`vlogmood runs | head`) only means nobody reads the rest.
        Err(e) if e.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe) => {
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("vlogmood: error: {}", error_chain(&e));
            ExitCode::from(2)
        }
    }
}

/// More threads than this many per core only add overhead: every parallel stage is CPU-bound
/// (decoding, FFTs, model fits), so extra threads just queue; and a huge count exhausts memory
/// and thread limits before any work starts.
const MAX_THREADS_PER_CORE: usize = 4;

fn check_threads(n: usize) -> Result<(), String> {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let max = MAX_THREADS_PER_CORE * cores;
    if n == 0 {
        return Err("must be at least 1 (leave it out to use every core)".into());
    }
    if n > max {
        return Err(format!(
            "at most {max} ({MAX_THREADS_PER_CORE} per core on this machine's {cores}): the work is CPU-bound, \
             so more threads only wait"
        ));
    }
    Ok(())
}

/// An error and its causes on one line, leaving out a cause whose text the message already
/// shows (library messages often end with their cause, e.g. "cannot read file: Permission
/// denied (os error 13)", and printing the chain would repeat it).
fn error_chain(error: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in error.chain() {
        let part = cause.to_string();
        if !text.contains(&part) {
            if !text.is_empty() {
                text.push_str(": ");
            }
            text.push_str(&part);
        }
    }
    text
}

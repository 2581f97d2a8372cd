//! `run`, `spec` and `reproduce`: experiments from spec to run folder and back.

use std::path::Path;

use std::io::Write;

use anyhow::Context;

use vlogmood::corpus::{FeatureCache, Labels};
use vlogmood::report::table_to_markdown;
use vlogmood::runs::{
    gather_task_file, prepare_members, reproduce, run, run_in_parts, run_sweep, run_task_file, sweep_table,
    ExecuteOptions, Executor, PreparedRun, RunStore, RunTask, SweepProgress, TaskOutcome,
};
use vlogmood::spec::{ExperimentSpec, Override, SweepAxis, PIPELINE_VERSION};

use super::executor::{extract_features_on, with_executor};
use super::progress::StageBars;
use super::{run_store, ExploreArgs, Outcome, ReproduceArgs, RunArgs, SpecArgs, TaskArgs, PUBLISHED_DIR, RUNS_DIR};

fn git_commit() -> Option<String> {
    let out = std::process::Command::new("git").args(["rev-parse", "HEAD"]).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Whether tracked files differ from HEAD, run folders aside (publishing runs edits them).
fn git_dirty() -> Option<bool> {
    let out = std::process::Command::new("git")
        .args(["status", "--porcelain", "--untracked-files=no", "--", ".", ":(exclude)runs", ":(exclude)published"])
        .output()
        .ok()?;
    out.status.success().then_some(!out.stdout.is_empty())
}

/// SHA-256 of the uncommitted changes to tracked files, run folders aside.
fn git_diff_sha256() -> Option<String> {
    let out = std::process::Command::new("git")
        .args(["diff", "HEAD", "--", ".", ":(exclude)runs", ":(exclude)published"])
        .output()
        .ok()?;
    out.status.success().then(|| vlogmood::corpus::sha256_hex(&out.stdout))
}

/// What a run records beside its results: the cache, the code's git state and the spec file
/// as written (`spec_source`, kept as `spec.toml`).
fn options(no_cache: bool, spec_source: Option<String>) -> ExecuteOptions {
    let git_commit = git_commit();
    let git_dirty = git_commit.as_ref().and_then(|_| git_dirty());
    let git_diff_sha256 = if git_dirty == Some(true) { git_diff_sha256() } else { None };
    ExecuteOptions {
        cache: (!no_cache).then(FeatureCache::from_env),
        git_commit,
        git_dirty,
        git_diff_sha256,
        spec_source,
        // Computed here; `run_in_parts` sends a cluster run's parts to tasks.
        ..ExecuteOptions::default()
    }
}

fn prepare(experiment: &Path, overrides: &[Override]) -> anyhow::Result<PreparedRun> {
    let (spec, path) = ExperimentSpec::load_with(experiment, overrides)?;
    let index = FeatureCache::from_env().hash_index();
    PreparedRun::prepare(spec, Some(&index)).with_context(|| format!("preparing {}", path.display()))
}

pub fn run_experiment(args: &RunArgs) -> anyhow::Result<Outcome> {
    let (axes, mut members, path) = ExperimentSpec::load_sweep(&args.experiment, &args.set, &args.sweep)?;
    let options = options(args.no_cache, std::fs::read_to_string(&path).ok());
    // Every member comes from one spec file, so they share its [executor] table.
    let spec_executor = members.iter().find_map(|(_, spec)| spec.as_ref().ok()).map(|s| s.executor.clone());
    let choice = args.executor.choice(&spec_executor.unwrap_or_default());
    let on_cluster = choice.on_cluster();
    let store = RunStore::new(RUNS_DIR);
    let files_per_task = choice.files_per_task;
    if axes.is_empty() {
        let (_, spec) = members.pop().expect("a spec without a sweep is one member");
        let prepared = PreparedRun::prepare(spec?, options.hash_index().as_ref())
            .with_context(|| format!("preparing {}", path.display()))?;
        if on_cluster {
            anyhow::ensure!(!args.force, "--force recomputes here; it cannot be combined with --executor slurm");
            // The run is computed on the cluster into the shared store, its heavy study steps
            // as tasks of their own, then found there below.
            with_executor(&choice, args.jobs, |executor| {
                extract_features_of(executor, &[&prepared], &store, &options, files_per_task)?;
                let task = RunTask::of(&prepared, store.root().to_path_buf(), options.clone());
                let note = |line: &str| eprintln!("{line}");
                run_in_parts(executor, &task, choice.parts, &note)
                    .map_err(|e| anyhow::anyhow!("run {} failed on the cluster: {e}", prepared.run_id.short()))?;
                Ok(())
            })?;
        }
        return run_prepared(&prepared, store.root(), &options, args.force);
    }
    anyhow::ensure!(!args.force, "--force recomputes one run; a sweep reuses its members by design");
    let name = members
        .iter()
        .find_map(|(_, spec)| spec.as_ref().ok().map(|s| s.name.clone()))
        .unwrap_or_else(|| path.file_stem().map_or_else(|| "sweep".to_string(), |s| s.to_string_lossy().into_owned()));
    let n = members.len();
    let axes_text = axes.iter().map(SweepAxis::path).collect::<Vec<_>>().join(" × ");
    if on_cluster {
        eprintln!("sweep of {n} members over {axes_text} (on Slurm)");
    } else {
        eprintln!("sweep of {n} members over {axes_text} ({} at a time)", args.jobs.max(1));
    }
    let members = prepare_members(members, options.hash_index().as_ref());
    let report = with_executor(&choice, args.jobs, |executor| {
        if on_cluster {
            let runs: Vec<&PreparedRun> = members.iter().filter_map(|m| m.prepared.as_ref().ok()).collect();
            extract_features_of(executor, &runs, &store, &options, files_per_task)?;
        }
        Ok(run_sweep(&name, &axes, &members, &store, &options, executor, &|p: SweepProgress| {
            eprintln!("sweep: {} done, {} failed, {} left", p.done, p.failed, p.left)
        })?)
    })?;
    let mut out = std::io::stdout().lock();
    for member in report.members.iter().filter(|m| m.status == "failed") {
        eprintln!("failed: {}: {}", member.overrides.join(" "), member.error.as_deref().unwrap_or("unknown error"));
    }
    write!(out, "{}", table_to_markdown(&sweep_table(&report)))?;
    writeln!(out, "{}", report.folder.display())?;
    Ok(if report.n_failed() > 0 || report.members.iter().any(|m| m.n_failed_inputs > 0) {
        Outcome::SomeInputsFailed
    } else {
        Outcome::Success
    })
}

/// The features that the runs still to compute will read, extracted first as feature tasks
/// on `executor` (a cluster), so that each corpus is extracted once, spread over the nodes.
/// Without a cache there is nowhere to hand them over: each run then extracts its own.
fn extract_features_of(
    executor: &dyn Executor,
    runs: &[&PreparedRun],
    store: &RunStore,
    options: &ExecuteOptions,
    files_per_task: usize,
) -> anyhow::Result<()> {
    let Some(cache) = &options.cache else { return Ok(()) };
    let mut corpora = Vec::new();
    for prepared in runs {
        let spec = &prepared.spec;
        if store.complete_folder(&spec.name, &prepared.run_id.0)?.is_some() {
            continue;
        }
        corpora.extend(
            std::iter::once(&prepared.dataset)
                .chain(&prepared.test_dataset)
                .map(|dataset| (dataset, &spec.preprocess, &spec.features.params)),
        );
    }
    if corpora.is_empty() {
        return Ok(());
    }
    extract_features_on(executor, &corpora, cache, files_per_task)
}

/// `task FILE INDEX` (one task of a Slurm array) or `task FILE --gather` (its gather job).
pub fn run_task(args: &TaskArgs) -> anyhow::Result<Outcome> {
    let mut out = std::io::stdout().lock();
    match args.index {
        Some(index) => match run_task_file(&args.tasks, index).map_err(|e| anyhow::anyhow!("task {index}: {e}"))? {
            TaskOutcome::Run(done) => {
                let status = if done.reused { "reused" } else { "computed" };
                writeln!(out, "task {index}: {status} {}", done.folder.display())?;
            }
            TaskOutcome::Features(done) => writeln!(
                out,
                "task {index}: features of {} file(s) computed, {} already cached, {} failed",
                done.n_computed, done.n_cached, done.n_failed
            )?,
            TaskOutcome::Pending(pending) => writeln!(
                out,
                "task {index}: the run waits for {} of the {} parts of {}",
                pending.missing.len(),
                pending.n,
                pending.step
            )?,
            TaskOutcome::Parts(done) => writeln!(out, "task {index}: computed {} study part(s)", done.n_computed)?,
        },
        None => {
            let n = gather_task_file(&args.tasks).map_err(|e| anyhow::anyhow!("gathering: {e}"))?;
            writeln!(out, "gathered {n} task outcomes")?;
        }
    }
    Ok(Outcome::Success)
}

/// `explore DIR`: the spec a researcher would write to look at a folder — an `explore` study
/// over it, every `labels.csv` column counted — run like any other, so its folder has a run
/// ID, a `spec.json` and can be reproduced.
pub fn explore_folder(args: &ExploreArgs) -> anyhow::Result<Outcome> {
    let columns = match Labels::read_at(&args.dir).with_context(|| format!("reading {}", args.dir.display()))? {
        Some((labels, _)) => labels.columns,
        None => Vec::new(),
    };
    let corpus = args.dir.to_str().with_context(|| format!("{} is not a UTF-8 path", args.dir.display()))?;
    let stem: String = std::fs::canonicalize(&args.dir)
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_default()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' })
        .collect();
    let mut study = table([("kind", "explore".into())]);
    if let Some(by) = &args.by {
        study.insert("by".into(), by.as_str().into());
    }
    let formats: Vec<toml::Value> = if args.svg { vec!["png".into(), "svg".into()] } else { vec!["png".into()] };
    let spec = table([
        ("name", format!("explore_{stem}").into()),
        ("data", table([("corpus", corpus.into())]).into()),
        ("validation", table([("labels", columns.into())]).into()),
        ("report", table([("formats", formats.into())]).into()),
        ("study", vec![toml::Value::Table(study)].into()),
    ]);
    let text = toml::to_string(&spec).context("writing the explore spec")?;
    let spec = ExperimentSpec::parse(Path::new("explore"), &text)?;
    let options = options(args.no_cache, Some(text));
    let prepared = PreparedRun::prepare(spec, options.hash_index().as_ref())
        .with_context(|| format!("preparing to explore {}", args.dir.display()))?;
    run_prepared(&prepared, &args.out, &options, false)
}

/// A TOML table of `entries`.
fn table<const N: usize>(entries: [(&str, toml::Value); N]) -> toml::Table {
    entries.into_iter().map(|(key, value)| (key.to_string(), value)).collect()
}

/// Runs `prepared` into the run store at `root` (reusing the run when it exists, unless
/// `force`) with progress bars, and prints the folder last.
fn run_prepared(prepared: &PreparedRun, root: &Path, options: &ExecuteOptions, force: bool) -> anyhow::Result<Outcome> {
    let mut out = std::io::stdout().lock();
    let store = RunStore::new(root).with_published(PUBLISHED_DIR);
    let progress = StageBars::default();
    let result = run(prepared, &store, options, force, &progress, || {
        eprintln!("waiting: another process is running {} ({})", prepared.spec.name, prepared.run_id.short());
    })?;
    drop(progress);
    let id = prepared.run_id.short();
    let against_published = match store.compare_with_published(&result.folder)? {
        None => String::new(),
        Some(c) if c.n_differ == 0 => {
            format!(" — identical to published run {} ({} metrics)", c.folder.display(), c.n_metrics)
        }
        Some(c) => format!(
            " — {} of {} metrics differ from published run {} (vlogmood compare {} {})",
            c.n_differ,
            c.n_metrics,
            c.folder.display(),
            result.folder.display(),
            c.folder.display()
        ),
    };
    if result.reused {
        eprintln!("run {id} exists; nothing to do (use --force to recompute){against_published}");
    } else {
        eprintln!("run {id} complete{against_published}");
    }
    if result.n_failed > 0 {
        eprintln!("{} input file(s) failed; see {}", result.n_failed, result.folder.join("failures.csv").display());
    }
    writeln!(out, "{}", result.folder.display())?;
    Ok(if result.n_failed > 0 { Outcome::SomeInputsFailed } else { Outcome::Success })
}

pub fn show_spec(args: &SpecArgs) -> anyhow::Result<Outcome> {
    let mut out = std::io::stdout().lock();
    let Some(experiment) = &args.experiment else {
        write!(out, "{}", vlogmood::spec::reference_markdown())?;
        return Ok(Outcome::Success);
    };
    let prepared = prepare(experiment, &args.set)?;
    let value: serde_json::Value = serde_json::from_str(&prepared.canonical_spec).context("canonical spec")?;
    writeln!(out, "{}", serde_json::to_string_pretty(&value).context("formatting spec")?)?;
    writeln!(out, "run_id: {}", prepared.run_id)?;
    writeln!(
        out,
        "folder: {}",
        Path::new(RUNS_DIR).join(RunStore::folder_name(&prepared.spec.name, &prepared.run_id.0)).display()
    )?;
    writeln!(out, "dataset: {} files, fingerprint {}", prepared.dataset.files.len(), prepared.dataset.fingerprint)?;
    Ok(Outcome::Success)
}

pub fn reproduce_run(args: &ReproduceArgs) -> anyhow::Result<Outcome> {
    let mut out = std::io::stdout().lock();
    if !(args.tolerance.is_finite() && args.tolerance >= 0.0) {
        anyhow::bail!("--tolerance must be a number ≥ 0, got {}", args.tolerance);
    }
    let store = run_store();
    let progress = StageBars::default();
    let report = reproduce(&store, &args.run, args.tolerance, &options(args.no_cache, None), &progress)?;
    drop(progress);
    let mode =
        if args.tolerance == 0.0 { "exactly".to_string() } else { format!("within {:e} relative", args.tolerance) };
    if report.stored_pipeline_version != PIPELINE_VERSION {
        eprintln!(
            "note: the run was made by pipeline version {}, this build is {PIPELINE_VERSION}: numbers may differ",
            report.stored_pipeline_version
        );
    }
    if !report.artefacts_verified {
        eprintln!("note: the run folder predates checksummed manifests; its files were not verified");
    }
    writeln!(out, "reproduced {} ({} metrics, compared {mode})", report.folder.display(), report.n_metrics)?;
    writeln!(out, "largest difference: {:e} absolute, {:e} relative", report.max_abs, report.max_rel)?;
    if report.differences.is_empty() {
        writeln!(out, "all metrics identical{}", if args.tolerance == 0.0 { "" } else { " within tolerance" })?;
        return Ok(Outcome::Success);
    }
    writeln!(out, "{} metric(s) differ:", report.differences.len())?;
    writeln!(out, "{:<70} {:>24} {:>24} {:>12}", "metric", "stored", "reproduced", "rel diff")?;
    let show = |v: Option<f64>| v.map_or_else(|| "missing".to_string(), |v| format!("{v}"));
    for d in &report.differences {
        writeln!(out, "{:<70} {:>24} {:>24} {:>12.3e}", d.key, show(d.stored), show(d.reproduced), d.rel())?;
    }
    Ok(Outcome::MetricsDiffer)
}

//! `runs`, `show` and `compare`: reading the run store.

use std::io::Write;

use anyhow::Context;

use vlogmood::report::{render_comparison, Comparison};
use vlogmood::runs::{read_manifest, read_metrics, RunStore};

use super::{CompareArgs, Outcome, ShowArgs, RUNS_DIR};

pub fn list_runs() -> anyhow::Result<Outcome> {
    let mut out = std::io::stdout().lock();
    let runs = RunStore::new(RUNS_DIR).list().context("reading runs/")?;
    if runs.is_empty() {
        eprintln!("no runs yet under {RUNS_DIR}/ (try: vlogmood run experiments/kmeans_grid)");
        return Ok(Outcome::Success);
    }
    writeln!(out, "{:<36} {:<24} {:<14} {:<22} {:<9} headline", "folder", "name", "id", "finished", "status")?;
    for run in runs {
        let headline: Vec<String> = run.headline.iter().map(|(k, v)| format!("{k}={v:.4}")).collect();
        writeln!(
            out,
            "{:<36} {:<24} {:<14} {:<22} {:<9} {}",
            run.folder,
            run.name,
            &run.run_id[..12.min(run.run_id.len())],
            run.finished,
            run.status,
            headline.join("  ")
        )?;
    }
    Ok(Outcome::Success)
}

pub fn show_run(args: &ShowArgs) -> anyhow::Result<Outcome> {
    let mut out = std::io::stdout().lock();
    let folder = RunStore::new(RUNS_DIR).find(&args.run)?;
    let manifest = read_manifest(&folder)?;
    let metrics = read_metrics(&folder)?;
    writeln!(out, "run      {}", folder.display())?;
    writeln!(out, "id       {}", manifest.run_id)?;
    writeln!(out, "name     {}  (seed {}, pipeline v{})", manifest.name, manifest.seed, manifest.pipeline_version)?;
    writeln!(
        out,
        "data     {} ({} files, {} failed), fingerprint {}",
        manifest.dataset.root, manifest.dataset.n_files, manifest.dataset.n_failed, manifest.dataset.fingerprint
    )?;
    writeln!(out, "finished {} in {:.2} s on {} threads", manifest.finished, manifest.wall_seconds, manifest.threads)?;
    let dirty = match manifest.git_dirty {
        Some(true) => " with uncommitted changes",
        Some(false) => "",
        None => " (clean or not: not recorded)",
    };
    let commit = manifest.git_commit.as_deref().unwrap_or("unknown");
    writeln!(out, "code     vlogmood {} at git {commit}{dirty}", manifest.crate_version)?;
    writeln!(out, "build    {}", manifest.rustc)?;
    let machine = &manifest.machine;
    let cpu = machine.cpu.as_deref().unwrap_or("unknown CPU");
    writeln!(out, "machine  {} {}, {cpu}, {} logical CPUs", machine.os, machine.arch, machine.n_cpus)?;
    writeln!(out, "metrics  {} (metrics.json)", metrics.len())?;
    let mut tables: Vec<_> = std::fs::read_dir(folder.join("tables"))
        .with_context(|| format!("reading {}", folder.join("tables").display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    tables.sort();
    // The summary first, then the other tables.
    tables.sort_by_key(|p| p.file_stem().is_none_or(|s| s != "summary"));
    for path in tables {
        let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        writeln!(out, "\n== {}", path.strip_prefix(&folder).unwrap_or(&path).display())?;
        write!(out, "{text}")?;
    }
    Ok(Outcome::Success)
}

pub fn compare_runs(args: &CompareArgs) -> anyhow::Result<Outcome> {
    let mut out = std::io::stdout().lock();
    let store = RunStore::new(RUNS_DIR);
    let mut labels = Vec::new();
    let mut per_run = Vec::new();
    for query in &args.runs {
        let folder = store.find(query)?;
        labels.push(folder.file_name().map_or_else(|| query.clone(), |n| n.to_string_lossy().into_owned()));
        per_run.push(read_metrics(&folder)?);
    }
    let keys: std::collections::BTreeSet<&String> = per_run.iter().flat_map(|m| m.keys()).collect();
    let comparison = Comparison {
        runs: labels,
        metrics: keys.into_iter().map(|k| (k.clone(), per_run.iter().map(|m| m.get(k).copied()).collect())).collect(),
    };
    write!(out, "{}", render_comparison(&comparison, args.format()).context("rendering the comparison")?)?;
    Ok(Outcome::Success)
}

//! `runs`, `show` and `compare`: reading the run store.

use std::io::Write;

use anyhow::Context;

use vlogmood::report::{
    render_comparison, table_to_markdown, table_to_text, write_table_csv_to, write_table_parquet, Comparison,
};
use vlogmood::runs::{read_manifest, read_metrics, runs_table, RunStore, RunsQuery};
use vlogmood::study::{Table, Values};

use super::{CompareArgs, Outcome, RunsArgs, ShowArgs, RUNS_DIR};

pub fn list_runs(args: &RunsArgs) -> anyhow::Result<Outcome> {
    let mut out = std::io::stdout().lock();
    let store = RunStore::new(RUNS_DIR);
    let mut runs = store.list().context("reading runs/")?;
    if args.all {
        runs.extend(store.incomplete_runs());
    }
    if runs.is_empty() {
        eprintln!("no runs yet under {RUNS_DIR}/ (try: vlogmood run experiments/kmeans_grid)");
        return Ok(Outcome::Success);
    }
    let query = RunsQuery {
        filters: args.filters.clone(),
        sort_by: args.sort_by.clone(),
        descending: args.desc,
        params: args.params,
        only_changed: args.only_changed,
        columns: args.columns.clone(),
    };
    let table = runs_table(&runs, &query)?;
    if let Some(path) = &args.parquet {
        write_table_parquet(&table, path).with_context(|| format!("writing {}", path.display()))?;
    }
    if args.csv {
        write_table_csv_to(&table, &mut out)?;
    } else if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&table_rows_json(&table))?)?;
    } else if args.md {
        write!(out, "{}", table_to_markdown(&table))?;
    } else {
        write!(out, "{}", table_to_text(&table, 40))?;
        let n = table.columns.first().map_or(0, |c| c.len());
        eprintln!("{n} of {} runs", runs.len());
    }
    Ok(Outcome::Success)
}

/// One JSON object per row, numbers at full precision, empty cells as null.
fn table_rows_json(table: &Table) -> Vec<serde_json::Map<String, serde_json::Value>> {
    let height = table.columns.first().map_or(0, |c| c.len());
    (0..height)
        .map(|row| {
            table
                .columns
                .iter()
                .map(|column| {
                    let value = match &column.values {
                        Values::Text(v) => serde_json::Value::String(v[row].clone()),
                        Values::Int(v) => v[row].into(),
                        Values::Float(v) => v[row].map_or(serde_json::Value::Null, Into::into),
                    };
                    (column.name.clone(), value)
                })
                .collect()
        })
        .collect()
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

//! `runs`, `show` and `compare`: reading the run store.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;

use vlogmood::report::{
    line_up, render_comparison, render_comparison_html, table_to_markdown, table_to_text, values_differ,
    write_table_csv_to, write_table_parquet, Comparison, TextLayout,
};
use vlogmood::runs::{
    natural_cmp, read_manifest, read_metrics, runs_table, spec_params, RunMeta, RunStore, RunsQuery, META_FILE,
};
use vlogmood::study::{Column, Table, Values};

use super::{run_store, terminal_width, CompareArgs, Outcome, RunsArgs, ShowArgs, TagArgs, PUBLISHED_DIR, RUNS_DIR};

pub fn list_runs(args: &RunsArgs) -> anyhow::Result<Outcome> {
    let mut out = std::io::stdout().lock();
    let root = if args.published { PUBLISHED_DIR } else { RUNS_DIR };
    let store = RunStore::new(root);
    let mut runs = store.list().with_context(|| format!("reading {root}/"))?;
    if args.all {
        runs.extend(store.incomplete_runs());
    }
    if runs.is_empty() {
        eprintln!(
            "no runs yet under {root}/ (try: vlogmood run experiments/kmeans_grid; `runs --published` lists the \
             published ones)"
        );
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
        write!(out, "{}", table_to_text(&table, &TextLayout { width: terminal_width(), ..TextLayout::default() }))?;
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

pub fn tag_run(args: &TagArgs) -> anyhow::Result<Outcome> {
    if let Some(bad) =
        args.tags.iter().find(|t| t.is_empty() || !t.chars().all(|c| c.is_alphanumeric() || "_-.:".contains(c)))
    {
        anyhow::bail!("tag {bad:?}: use letters, digits, `_`, `-`, `.` or `:`");
    }
    let store = RunStore::new(RUNS_DIR);
    let folder = store.find(&args.run)?;
    let mut meta = RunMeta::read(&folder);
    if args.remove {
        meta.tags.retain(|t| !args.tags.contains(t));
    } else {
        meta.tags.extend(args.tags.iter().cloned());
    }
    meta.tags.sort();
    meta.tags.dedup();
    meta.write(&folder).with_context(|| format!("writing {}", folder.join(META_FILE).display()))?;
    store.record(&folder)?;
    writeln!(std::io::stdout().lock(), "{}: {}", folder.display(), meta.tags.join(" "))?;
    Ok(Outcome::Success)
}

pub fn show_run(args: &ShowArgs) -> anyhow::Result<Outcome> {
    let mut out = std::io::stdout().lock();
    let folder = run_store().find(&args.run)?;
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
    let diff = manifest.git_diff_sha256.as_deref().map_or(String::new(), |d| format!(" (diff sha256 {})", &d[..12]));
    writeln!(out, "code     vlogmood {} at git {commit}{dirty}{diff}", manifest.crate_version)?;
    let lock =
        manifest.cargo_lock_sha256.as_deref().map_or(String::new(), |l| format!(", Cargo.lock sha256 {}", &l[..12]));
    writeln!(out, "build    {}{lock}", manifest.rustc)?;
    if !manifest.crates.is_empty() {
        let crates: Vec<String> = manifest.crates.iter().map(|(name, version)| format!("{name} {version}")).collect();
        writeln!(out, "crates   {}", crates.join(", "))?;
    }
    let machine = &manifest.machine;
    let cpu = machine.cpu.as_deref().unwrap_or("unknown CPU");
    let host = manifest.host.as_deref().map_or(String::new(), |h| format!("{h}: "));
    writeln!(out, "machine  {host}{} {}, {cpu}, {} logical CPUs", machine.os, machine.arch, machine.n_cpus)?;
    if !manifest.command.is_empty() {
        writeln!(out, "command  {}", manifest.command.join(" "))?;
    }
    let meta = RunMeta::read(&folder);
    if let Some(description) = &meta.description {
        writeln!(out, "about    {description}")?;
    }
    if !meta.tags.is_empty() {
        writeln!(out, "tags     {}", meta.tags.join(" "))?;
    }
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
        let shown = path.strip_prefix(&folder).unwrap_or(&path).display().to_string();
        writeln!(out, "\n== {shown}")?;
        if path.extension().is_some_and(|e| e == "csv") {
            write!(out, "{}", csv_for_people(&path, SHOWN_ROWS).with_context(|| format!("reading {shown}"))?)?;
        } else {
            write!(out, "{}", std::fs::read_to_string(&path).with_context(|| format!("reading {shown}"))?)?;
        }
    }
    Ok(Outcome::Success)
}

/// Rows of each table `show` prints; the CSV files hold all of them.
const SHOWN_ROWS: usize = 12;

/// A CSV table aligned for a terminal, numbers rounded to 4 significant digits, at most
/// `max_rows` rows followed by how many more the file has.
fn csv_for_people(path: &std::path::Path, max_rows: usize) -> anyhow::Result<String> {
    let mut reader = csv::Reader::from_path(path)?;
    let header: Vec<String> = reader.headers()?.iter().map(str::to_string).collect();
    let records: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>()?;
    let numeric = |c: usize| records.iter().all(|r| r.get(c).is_none_or(|v| v.is_empty() || v.parse::<f64>().is_ok()));
    let columns = header
        .iter()
        .enumerate()
        .map(|(c, name)| {
            let cells = records.iter().take(max_rows).map(|r| r.get(c).unwrap_or("").to_string());
            if numeric(c) && records.iter().any(|r| r.get(c).is_some_and(|v| v.contains('.') || v.contains('e'))) {
                Column::float(name, cells.map(|v| v.parse::<f64>().ok()))
            } else {
                Column::text(name, cells)
            }
        })
        .collect();
    let layout = TextLayout { width: terminal_width(), ..TextLayout::default() };
    let mut text = table_to_text(&Table { name: "shown".into(), columns }, &layout);
    if records.len() > max_rows {
        text.push_str(&format!("… {} more rows in the file\n", records.len() - max_rows));
    }
    Ok(text)
}

pub fn compare_runs(args: &CompareArgs) -> anyhow::Result<Outcome> {
    let mut out = std::io::stdout().lock();
    let store = run_store();
    let (mut labels, mut folders, mut per_run, mut params) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for query in &args.runs {
        let folder = store.find(query)?;
        labels.push(folder.file_name().map_or_else(|| query.clone(), |n| n.to_string_lossy().into_owned()));
        per_run.push(read_metrics(&folder)?);
        params.push(run_params(&folder));
        folders.push(folder);
    }
    let metrics: Vec<(String, Vec<Option<f64>>)> =
        line_up(&per_run).into_iter().filter(|(_, values)| !args.only_changed || values_differ(values)).collect();
    let param_names: BTreeSet<&String> = params.iter().flat_map(BTreeMap::keys).collect();
    let mut differing: Vec<(String, Vec<Option<String>>)> = param_names
        .into_iter()
        .map(|name| (name.clone(), params.iter().map(|p| p.get(name).cloned()).collect::<Vec<_>>()))
        .filter(|(_, values)| values.iter().any(|v| *v != values[0]))
        .collect();
    differing.sort_by(|a, b| natural_cmp(&a.0, &b.0));
    let comparison = Comparison { runs: labels, params: differing, metrics };
    if let Some(path) = &args.html {
        let folders: Vec<&std::path::Path> = folders.iter().map(PathBuf::as_path).collect();
        std::fs::write(path, render_comparison_html(&comparison, &folders))
            .with_context(|| format!("writing {}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    write!(out, "{}", render_comparison(&comparison, args.format()).context("rendering the comparison")?)?;
    Ok(Outcome::Success)
}

/// A run's spec as `path → value` (empty when its `spec.json` cannot be read).
fn run_params(folder: &std::path::Path) -> BTreeMap<String, String> {
    spec_params(&std::fs::read_to_string(folder.join("spec.json")).unwrap_or_default())
}

//! Side-by-side metrics of several runs, for `vlogmood compare`.
//!
//! One row per metric, one column per run, then `Δ <run>` (value − first run's value) for every
//! run after the first and a `differs` column holding `*` when any run's value is not exactly
//! the first run's (or is missing). The first run is the baseline because `compare A B ...`
//! reads as "how do B ... differ from A".
//!
//! Formats and their precision:
//! - `Text`: aligned columns for a terminal (the runs table's renderer), values with 6
//!   significant digits, Δ in scientific notation with 7 significant digits (`+5.551115e-17`)
//!   so that a difference in the last bit is still visible; a table wider than the terminal is
//!   printed in blocks of columns, each led by the metric names.
//! - `Markdown`: a GitHub pipe table; values exact (shortest round-trip), Δ as in `Text`.
//! - `Csv`: through polars; every float exact (shortest round-trip), missing values empty.
//! - `Json`: `{"<metric>": {"<run>": value, ...}, ...}` with keys sorted, values exact,
//!   missing or non-finite values `null`. No Δ: a consumer computes what it needs.
//!
//! Run labels are made unique (a repeated label gets ` (2)`, ` (3)` ...) so that comparing a
//! run with itself still gives distinct columns and keys.

use std::collections::{BTreeMap, HashSet};

use polars::prelude::{DataFrame, IntoColumn, NamedFrom, Series};

use super::error::ReportError;
use super::format;
use super::table::write_dataframe_csv;

/// Metrics of several runs, side by side.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Comparison {
    /// Run labels (folder names), in column order; the first is the baseline.
    pub runs: Vec<String>,
    /// `(parameter path, one value per run)` of the spec parameters that differ between the
    /// runs, shown before the metrics (text, Markdown, HTML); `None` where a run lacks it.
    pub params: Vec<(String, Vec<Option<String>>)>,
    /// `(metric key, one value per run)`, sorted by key; `None` where a run lacks the metric.
    pub metrics: Vec<(String, Vec<Option<f64>>)>,
}

/// The metrics of several runs as comparison rows, lined up across runs whose parameters
/// differ: a metric whose base name (the key before `@`) occurs once in every run that has it
/// becomes one row, keyed by the base and the `@` parameters all those runs share
/// (`compare.kmeans.silhouette@k=2,split=train` and `…@k=3,split=train` line up as
/// `compare.kmeans.silhouette@split=train`; the differing `k` is in the parameter table).
/// Metrics a run has several of under one base (a k-sweep's silhouette at each k) keep their
/// exact keys. Studies line up by kind and model first (see `by_study_kind`). Rows are
/// sorted by key.
#[must_use]
pub fn line_up(per_run: &[BTreeMap<String, f64>]) -> Vec<(String, Vec<Option<f64>>)> {
    let per_run = by_study_kind(per_run);
    let n = per_run.len();
    // Each base's keys in each run, with their `@` parameters.
    type Keyed<'a> = Vec<(&'a str, Vec<&'a str>, f64)>;
    let mut by_base: BTreeMap<&str, Vec<Keyed<'_>>> = BTreeMap::new();
    for (r, metrics) in per_run.iter().enumerate() {
        for (key, &value) in metrics {
            let (base, params) = match key.split_once('@') {
                Some((base, params)) => (base, params.split(',').collect()),
                None => (key.as_str(), Vec::new()),
            };
            by_base.entry(base).or_insert_with(|| vec![Vec::new(); n])[r].push((key, params, value));
        }
    }
    let mut rows: BTreeMap<String, Vec<Option<f64>>> = BTreeMap::new();
    for (base, runs) in &by_base {
        let one_each = runs.iter().all(|keys| keys.len() <= 1);
        // The parameters every run that has this base shares.
        let shared: Vec<&str> = match runs.iter().flatten().next() {
            Some((_, first, _)) if one_each => first
                .iter()
                .copied()
                .filter(|p| runs.iter().flatten().all(|(_, params, _)| params.contains(p)))
                .collect(),
            _ => Vec::new(),
        };
        for (r, keys) in runs.iter().enumerate() {
            for (key, _, value) in keys {
                let row_key = match (one_each, shared.is_empty()) {
                    (false, _) => (*key).to_string(),
                    (true, true) => (*base).to_string(),
                    (true, false) => format!("{base}@{}", shared.join(",")),
                };
                rows.entry(row_key).or_insert_with(|| vec![None; n])[r] = Some(*value);
            }
        }
    }
    rows.into_iter().collect()
}

/// The runs' metrics with study labels lined up by kind and model: a spec with several studies
/// of one kind labels them `consensus_0`, `consensus_2` ..., another with one labels it
/// `consensus`. Where every run has at most one study of a kind fitting a model
/// (`consensus_2.kmeans.*` in one, `consensus.kmeans.*` in another), its label becomes the
/// kind; where a run has several (two k-means consensus studies), their labels are kept.
fn by_study_kind(per_run: &[BTreeMap<String, f64>]) -> Vec<BTreeMap<String, f64>> {
    /// (label, kind, model) of a key: `consensus_2.kmeans.mean_ari@…` → (`consensus_2`,
    /// `consensus`, `kmeans`).
    fn parts(key: &str) -> Option<(&str, &str, &str)> {
        let (label, rest) = key.split_once('.')?;
        let kind = match label.rsplit_once('_') {
            Some((kind, index)) if !index.is_empty() && index.bytes().all(|b| b.is_ascii_digit()) => kind,
            _ => label,
        };
        let model = rest.split(['.', '@']).next().unwrap_or(rest);
        Some((label, kind, model))
    }
    let mut labels: BTreeMap<(&str, &str), Vec<std::collections::BTreeSet<&str>>> = BTreeMap::new();
    for (r, metrics) in per_run.iter().enumerate() {
        for (label, kind, model) in metrics.keys().filter_map(|key| parts(key)) {
            labels.entry((kind, model)).or_insert_with(|| vec![Default::default(); per_run.len()])[r].insert(label);
        }
    }
    per_run
        .iter()
        .map(|metrics| {
            metrics
                .iter()
                .map(|(key, &value)| {
                    let renamed = parts(key).and_then(|(label, kind, model)| {
                        let single = labels[&(kind, model)].iter().all(|in_run| in_run.len() <= 1);
                        (single && label != kind).then(|| format!("{kind}{}", &key[label.len()..]))
                    });
                    (renamed.unwrap_or_else(|| key.clone()), value)
                })
                .collect()
        })
        .collect()
}

/// Output format of [`render_comparison`] (see the module doc for precision and layout).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComparisonFormat {
    /// Terminal table, wrapped into blocks of columns `width` characters wide at most.
    Text {
        /// The terminal's width; `None` for one block however wide.
        width: Option<usize>,
    },
    /// GitHub pipe table.
    Markdown,
    /// CSV with full-precision floats.
    Csv,
    /// JSON object `{metric: {run: value}}`, keys sorted, full precision.
    Json,
}

/// Renders a comparison in `format`.
///
/// Errors: a metric without exactly one value per run ([`ReportError::ComparisonShape`]);
/// polars or JSON serialisation failures (not expected for well-formed input).
pub fn render_comparison(comparison: &Comparison, format: ComparisonFormat) -> Result<String, ReportError> {
    for (metric, values) in &comparison.metrics {
        if values.len() != comparison.runs.len() {
            return Err(ReportError::ComparisonShape {
                metric: metric.clone(),
                values: values.len(),
                runs: comparison.runs.len(),
            });
        }
    }
    let runs = unique_labels(&comparison.runs);
    match format {
        ComparisonFormat::Text { width } => Ok(render_text(comparison, &runs, width)),
        ComparisonFormat::Markdown => Ok(render_markdown(comparison, &runs)),
        ComparisonFormat::Csv => render_csv(comparison, &runs),
        ComparisonFormat::Json => render_json(comparison, &runs),
    }
}

/// Whether `value` is exactly the baseline's (both present and equal, or bit-identical NaNs).
fn same(baseline: Option<f64>, value: Option<f64>) -> bool {
    match (baseline, value) {
        (Some(a), Some(b)) => a == b || a.to_bits() == b.to_bits(),
        _ => false,
    }
}

/// Whether any value is missing or differs from the first (bit-identical NaNs are equal): a
/// row `compare` marks `*` and `--only-changed` keeps.
pub fn values_differ(values: &[Option<f64>]) -> bool {
    let baseline = values.first().copied().flatten();
    values.iter().any(|&v| !same(baseline, v))
}

/// `value − baseline` where both exist.
fn delta(baseline: Option<f64>, value: Option<f64>) -> Option<f64> {
    Some(value? - baseline?)
}

/// A Δ for people: exact zero as `0`, anything else in scientific notation with 7 significant
/// digits and an explicit sign.
pub(super) fn delta_text(d: f64) -> String {
    if d == 0.0 {
        "0".to_owned()
    } else {
        format!("{d:+.6e}")
    }
}

/// Labels with repeats made distinct: the n-th occurrence of a label gets ` (n)`.
pub(super) fn unique_labels(runs: &[String]) -> Vec<String> {
    let mut taken: HashSet<String> = HashSet::with_capacity(runs.len());
    let mut out = Vec::with_capacity(runs.len());
    for label in runs {
        let mut candidate = label.clone();
        let mut n = 1;
        while !taken.insert(candidate.clone()) {
            n += 1;
            candidate = format!("{label} ({n})");
        }
        out.push(candidate);
    }
    out
}

fn delta_name(run: &str) -> String {
    format!("Δ {run}")
}

/// The comparison as a DataFrame for CSV: `metric`, one Float64 column per run, one Float64 Δ
/// column per run after the first, `differs` (`*`, or null for an unmarked row: an empty CSV
/// cell, where polars would quote an empty string as `""`).
fn comparison_frame(comparison: &Comparison, runs: &[String]) -> Result<DataFrame, ReportError> {
    let height = comparison.metrics.len();
    let mut columns = Vec::with_capacity(2 * runs.len() + 1);
    let names: Vec<&str> = comparison.metrics.iter().map(|(name, _)| name.as_str()).collect();
    columns.push(Series::new("metric".into(), names.as_slice()).into_column());
    for (index, run) in runs.iter().enumerate() {
        let values: Vec<Option<f64>> = comparison.metrics.iter().map(|(_, values)| values[index]).collect();
        columns.push(Series::new(run.as_str().into(), values.as_slice()).into_column());
    }
    for (index, run) in runs.iter().enumerate().skip(1) {
        let deltas: Vec<Option<f64>> =
            comparison.metrics.iter().map(|(_, values)| delta(values[0], values[index])).collect();
        columns.push(Series::new(delta_name(run).as_str().into(), deltas.as_slice()).into_column());
    }
    let marks: Vec<Option<&str>> =
        comparison.metrics.iter().map(|(_, values)| values_differ(values).then_some("*")).collect();
    columns.push(Series::new("differs".into(), marks.as_slice()).into_column());
    DataFrame::new(height, columns).map_err(|source| ReportError::Polars { table: "comparison".to_owned(), source })
}

fn render_text(comparison: &Comparison, runs: &[String], width: Option<usize>) -> String {
    use crate::study::{Column, Table};
    let layout = |max_cell| super::table::TextLayout { max_cell, significant: 6, width };
    let params = params_table(comparison, runs).map_or_else(String::new, |t| {
        format!("parameters that differ:\n{}\nmetrics:\n", super::table::table_to_text(&t, &layout(60)))
    });
    let mut columns = vec![Column::text("metric", comparison.metrics.iter().map(|(name, _)| name.clone()))];
    for (index, run) in runs.iter().enumerate() {
        columns.push(Column::float(run, comparison.metrics.iter().map(|(_, values)| values[index])));
    }
    for (index, run) in runs.iter().enumerate().skip(1) {
        columns.push(Column::text(
            &delta_name(run),
            comparison
                .metrics
                .iter()
                .map(|(_, values)| delta(values[0], values[index]).map(delta_text).unwrap_or_default()),
        ));
    }
    columns.push(Column::text(
        "differs",
        comparison.metrics.iter().map(|(_, values)| if values_differ(values) { "*" } else { "" }.to_string()),
    ));
    let metrics = super::table::table_to_text(&Table { name: "comparison".into(), columns }, &layout(usize::MAX));
    format!("{params}{metrics}")
}

/// The differing parameters as a table (`parameter`, one column per run), if there are any.
fn params_table(comparison: &Comparison, runs: &[String]) -> Option<crate::study::Table> {
    use crate::study::{Column, Table};
    if comparison.params.is_empty() {
        return None;
    }
    let mut columns = vec![Column::text("parameter", comparison.params.iter().map(|(name, _)| name.clone()))];
    for (index, run) in runs.iter().enumerate() {
        columns.push(Column::text(
            run,
            comparison.params.iter().map(|(_, values)| values[index].clone().unwrap_or_else(|| "—".into())),
        ));
    }
    Some(Table { name: "parameters".into(), columns })
}

fn render_markdown(comparison: &Comparison, runs: &[String]) -> String {
    let mut header = Vec::with_capacity(2 * runs.len() + 1);
    header.push("metric".to_owned());
    header.extend(runs.iter().cloned());
    header.extend(runs.iter().skip(1).map(|run| delta_name(run)));
    header.push("differs".to_owned());
    let mut align_right = vec![true; header.len()];
    align_right[0] = false;
    let rows: Vec<Vec<String>> = comparison
        .metrics
        .iter()
        .map(|(metric, values)| {
            let mut row = Vec::with_capacity(header.len());
            row.push(metric.clone());
            row.extend(values.iter().map(|v| v.map(format::full).unwrap_or_default()));
            row.extend(values.iter().skip(1).map(|&v| delta(values[0], v).map(delta_text).unwrap_or_default()));
            row.push(if values_differ(values) { "*" } else { "" }.to_owned());
            row
        })
        .collect();
    let params = params_table(comparison, runs)
        .map_or_else(String::new, |t| format!("{}\n", super::table::table_to_markdown(&t)));
    params + &format::markdown_table(&header, &align_right, &rows)
}

fn render_csv(comparison: &Comparison, runs: &[String]) -> Result<String, ReportError> {
    let mut frame = comparison_frame(comparison, runs)?;
    let mut out = Vec::new();
    write_dataframe_csv(&mut frame, "comparison", &mut out)?;
    String::from_utf8(out).map_err(|_| ReportError::Utf8 { table: "comparison".to_owned() })
}

fn render_json(comparison: &Comparison, runs: &[String]) -> Result<String, ReportError> {
    // serde_json writes f64 in shortest round-trip form and non-finite values as null.
    let object: BTreeMap<&str, BTreeMap<&str, Option<f64>>> = comparison
        .metrics
        .iter()
        .map(|(metric, values)| {
            (metric.as_str(), runs.iter().map(String::as_str).zip(values.iter().copied()).collect())
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&object).map_err(ReportError::Json)?;
    text.push('\n');
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Comparison {
        Comparison {
            runs: vec!["a-1".into(), "b-2".into(), "c-3".into()],
            params: Vec::new(),
            metrics: vec![
                ("grid.kmeans.silhouette".into(), vec![Some(0.1 + 0.2), Some(0.3), Some(0.1 + 0.2)]),
                ("grid.kmeans.inertia".into(), vec![Some(1.0), Some(1.0), Some(1.0)]),
                ("repeat.kmeans.ari".into(), vec![Some(0.5), None, Some(0.5)]),
            ],
        }
    }

    #[test]
    fn csv_has_exact_values_deltas_and_marks() {
        let csv = render_comparison(&sample(), ComparisonFormat::Csv).expect("renders");
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], "metric,a-1,b-2,c-3,Δ b-2,Δ c-3,differs");
        assert_eq!(
            lines[1],
            "grid.kmeans.silhouette,0.30000000000000004,0.3,0.30000000000000004,-5.551115123125783e-17,0.0,*"
        );
        assert_eq!(lines[2], "grid.kmeans.inertia,1.0,1.0,1.0,0.0,0.0,");
        assert_eq!(lines[3], "repeat.kmeans.ari,0.5,,0.5,,0.0,*");
    }

    #[test]
    fn json_is_sorted_and_exact() {
        let json = render_comparison(&sample(), ComparisonFormat::Json).expect("renders");
        let value: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
        assert_eq!(value["grid.kmeans.silhouette"]["a-1"].as_f64(), Some(0.1 + 0.2));
        assert!(value["repeat.kmeans.ari"]["b-2"].is_null());
        let keys: Vec<&String> = value.as_object().expect("object").keys().collect();
        assert_eq!(keys, ["grid.kmeans.inertia", "grid.kmeans.silhouette", "repeat.kmeans.ari"]);
    }

    #[test]
    fn text_shows_every_row_and_visible_deltas() {
        let text = render_comparison(&sample(), ComparisonFormat::Text { width: None }).expect("renders");
        assert!(text.contains("-5.551115e-17"), "{text}");
        assert!(text.contains("repeat.kmeans.ari"), "{text}");
        assert!(text.contains("Δ c-3"), "{text}");
    }

    #[test]
    fn markdown_has_exact_values() {
        let md = render_comparison(&sample(), ComparisonFormat::Markdown).expect("renders");
        let lines: Vec<&str> = md.lines().collect();
        assert_eq!(lines[0], "| metric | a-1 | b-2 | c-3 | Δ b-2 | Δ c-3 | differs |");
        assert_eq!(
            lines[2],
            "| grid.kmeans.silhouette | 0.30000000000000004 | 0.3 | 0.30000000000000004 | -5.551115e-17 | 0 | * |"
        );
        assert_eq!(lines[4], "| repeat.kmeans.ari | 0.5 |  | 0.5 |  | 0 | * |");
    }

    #[test]
    fn metrics_line_up_across_runs_whose_parameters_differ() {
        let run = |k: u32, sweep: &[(u32, f64)]| -> BTreeMap<String, f64> {
            let mut m = BTreeMap::from([
                (format!("compare.kmeans.silhouette@k={k},split=train"), f64::from(k) / 10.0),
                ("compare.kmeans.ari@label=actor,split=train".to_string(), 0.1),
                ("compare.kmeans.ari@label=emotion,split=train".to_string(), 0.2),
            ]);
            for (sk, v) in sweep {
                m.insert(format!("k_sweep.kmeans.silhouette@k={sk},split=train"), *v);
            }
            m
        };
        let rows = line_up(&[run(2, &[(2, 0.5), (3, 0.4)]), run(3, &[(2, 0.5), (3, 0.6)])]);
        let find = |key: &str| rows.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
        assert_eq!(find("compare.kmeans.silhouette@split=train"), Some(vec![Some(0.2), Some(0.3)]));
        assert_eq!(find("compare.kmeans.ari@label=emotion,split=train"), Some(vec![Some(0.2), Some(0.2)]));
        assert_eq!(find("k_sweep.kmeans.silhouette@k=3,split=train"), Some(vec![Some(0.4), Some(0.6)]));
        assert_eq!(rows.len(), 5);
    }

    #[test]
    fn studies_line_up_by_kind_and_model_whatever_their_labels() {
        let metrics = |pairs: &[(&str, f64)]| -> BTreeMap<String, f64> {
            pairs.iter().map(|(k, v)| ((*k).to_string(), *v)).collect()
        };
        // A spec with two consensus studies (k-means, agglomerative) against one with one.
        let two = metrics(&[
            ("consensus_1.kmeans.mean_ari@k=4,split=train", 0.7),
            ("consensus_2.agglomerative.mean_ari@k=4,split=train", 0.9),
        ]);
        let one = metrics(&[("consensus.kmeans.mean_ari@k=4,split=train", 0.6)]);
        let rows = line_up(&[two, one.clone()]);
        assert_eq!(
            rows,
            vec![
                ("consensus.agglomerative.mean_ari@k=4,split=train".to_string(), vec![Some(0.9), None]),
                ("consensus.kmeans.mean_ari@k=4,split=train".to_string(), vec![Some(0.7), Some(0.6)]),
            ]
        );
        // Two k-means consensus studies in one run stay apart.
        let twice = metrics(&[
            ("consensus_0.kmeans.mean_ari@k=4,split=train", 0.7),
            ("consensus_1.kmeans.mean_ari@k=4,split=train", 0.8),
        ]);
        let rows = line_up(&[twice, one]);
        assert_eq!(rows.len(), 3, "{rows:?}");
        assert!(rows.iter().any(|(k, v)| k == "consensus_1.kmeans.mean_ari@k=4,split=train" && v[0] == Some(0.8)));
    }

    #[test]
    fn differing_parameters_come_first() {
        let mut comparison = sample();
        comparison.params = vec![("study[0].k".into(), vec![Some("2".into()), Some("10".into()), None])];
        let text = render_comparison(&comparison, ComparisonFormat::Text { width: None }).expect("renders");
        assert!(
            text.starts_with("parameters that differ:\nparameter   a-1  b-2  c-3\nstudy[0].k  2    10   —"),
            "{text}"
        );
        let md = render_comparison(&comparison, ComparisonFormat::Markdown).expect("renders");
        assert!(md.starts_with("| parameter | a-1 | b-2 | c-3 |"), "{md}");
        assert!(md.contains("| metric |"), "{md}");
    }

    #[test]
    fn shape_mismatch_is_an_error() {
        let mut comparison = sample();
        comparison.metrics[1].1.pop();
        let err = render_comparison(&comparison, ComparisonFormat::Csv).expect_err("ragged");
        assert!(matches!(err, ReportError::ComparisonShape { values: 2, runs: 3, .. }), "{err}");
    }

    #[test]
    fn repeated_labels_become_distinct() {
        let labels = unique_labels(&["a".into(), "a".into(), "a (2)".into(), "a".into()]);
        assert_eq!(labels, ["a", "a (2)", "a (2) (2)", "a (3)"]);
        let comparison = Comparison {
            runs: vec!["x".into(), "x".into()],
            params: Vec::new(),
            metrics: vec![("m".into(), vec![Some(1.0), Some(2.0)])],
        };
        let csv = render_comparison(&comparison, ComparisonFormat::Csv).expect("renders");
        assert!(csv.starts_with("metric,x,x (2),Δ x (2),differs\n"), "{csv}");
    }

    #[test]
    fn no_runs_or_no_metrics_render() {
        for format in [
            ComparisonFormat::Text { width: None },
            ComparisonFormat::Markdown,
            ComparisonFormat::Csv,
            ComparisonFormat::Json,
        ] {
            render_comparison(&Comparison::default(), format).expect("empty comparison renders");
        }
    }

    #[test]
    fn hundreds_of_runs_and_metrics_render_quickly() {
        let n_runs = 300;
        let n_metrics = 300;
        let comparison = Comparison {
            runs: (0..n_runs).map(|r| format!("run-{r:04}")).collect(),
            params: Vec::new(),
            metrics: (0..n_metrics)
                .map(|m| {
                    (format!("study.model.metric{m:04}"), (0..n_runs).map(|r| Some((m * r) as f64 / 7.0)).collect())
                })
                .collect(),
        };
        let start = std::time::Instant::now();
        for format in [
            ComparisonFormat::Text { width: None },
            ComparisonFormat::Markdown,
            ComparisonFormat::Csv,
            ComparisonFormat::Json,
        ] {
            let out = render_comparison(&comparison, format).expect("renders");
            assert!(out.contains("metric0299"), "{format:?} lost rows");
        }
        // Generous bound for a debug build on a busy 2-core machine; release is far faster.
        assert!(start.elapsed().as_secs() < 60, "took {:?}", start.elapsed());
    }
}

//! Tables: polars `DataFrame`s, CSV files and Markdown.
//!
//! CSV goes through polars' writer, configured explicitly rather than by its defaults:
//! no float precision and no forced notation make it print every `f64` in the shortest form
//! that parses back to the same value (polars 0.55 formats with `zmij`), and an undefined
//! number (`None`) becomes an empty cell. `runs` and `reproduce` read these files back and
//! compare numbers exactly, so this is a contract, tested below and in `tests/report_render.rs`.

use std::collections::{BTreeSet, HashSet};
use std::fs::File;
use std::io::Write;
use std::path::Path;

use polars::prelude::{CsvWriter, DataFrame, IntoColumn, NamedFrom, ParquetWriter, SerWriter, Series};

use super::error::ReportError;
use super::format;
use crate::study::{Column, SummaryRow, Table, Values, CLASSIFICATION_COLUMNS};

/// Builds a polars `DataFrame` from a [`Table`]: `Text` → `String`, `Int` → `Int64`,
/// `Float` → `Float64` with `None` as null.
///
/// Errors: columns of different lengths ([`ReportError::RaggedTable`]) or repeated column
/// names ([`ReportError::DuplicateColumn`]) — both programming errors in a study, reported
/// with the table's name instead of polars' generic message.
pub fn table_to_dataframe(table: &Table) -> Result<DataFrame, ReportError> {
    check_shape(table)?;
    let height = table.columns.first().map_or(0, Column::len);
    let columns = table
        .columns
        .iter()
        .map(|column| {
            let name = column.name.as_str().into();
            let series = match &column.values {
                Values::Text(values) => Series::new(name, values.as_slice()),
                Values::Int(values) => Series::new(name, values.as_slice()),
                Values::Float(values) => Series::new(name, values.as_slice()),
            };
            series.into_column()
        })
        .collect();
    DataFrame::new(height, columns).map_err(|source| ReportError::Polars { table: table.name.clone(), source })
}

/// Writes a [`Table`] as CSV with a header row: floats in shortest round-trip form, `None` as
/// an empty cell, text quoted only where needed (RFC 4180).
pub fn write_table_csv(table: &Table, path: &Path) -> Result<(), ReportError> {
    let mut df = table_to_dataframe(table)?;
    let io_error = |source| ReportError::Io { path: path.to_path_buf(), source };
    let mut file = File::create(path).map_err(io_error)?;
    write_dataframe_csv(&mut df, &table.name, &mut file)?;
    // polars buffers internally but the file handle must still see every byte before close.
    file.flush().map_err(io_error)
}

/// Serialises a `DataFrame` as CSV into `out` with the float and null conventions of this
/// module (see the module doc).
pub(crate) fn write_dataframe_csv(df: &mut DataFrame, table: &str, out: &mut impl Write) -> Result<(), ReportError> {
    CsvWriter::new(out)
        .include_header(true)
        .with_float_precision(None)
        .with_float_scientific(None)
        .with_null_value("".into())
        .with_line_terminator("\n".into())
        .finish(df)
        .map_err(|source| ReportError::Polars { table: table.to_owned(), source })
}

/// Writes a [`Table`] as CSV to `out` (the conventions of [`write_table_csv`]).
pub fn write_table_csv_to(table: &Table, out: &mut impl Write) -> Result<(), ReportError> {
    let mut df = table_to_dataframe(table)?;
    write_dataframe_csv(&mut df, &table.name, out)
}

/// Writes a [`Table`] as a Parquet file (polars; text as UTF-8, numbers as f64/i64, `None` as
/// null), so it loads into pandas or polars as it is.
pub fn write_table_parquet(table: &Table, path: &Path) -> Result<(), ReportError> {
    let mut df = table_to_dataframe(table)?;
    let io_error = |source| ReportError::Io { path: path.to_path_buf(), source };
    let file = File::create(path).map_err(io_error)?;
    ParquetWriter::new(file)
        .finish(&mut df)
        .map(|_| ())
        .map_err(|source| ReportError::Polars { table: table.name.clone(), source })
}

/// How [`table_to_text`] lays a table out for a terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextLayout {
    /// Text cells and headers longer than this many characters are shortened in the middle.
    pub max_cell: usize,
    /// Significant digits of floats.
    pub significant: usize,
    /// The terminal's width in characters: a wider table is printed in blocks of columns, each
    /// led by the first column (as pandas wraps a wide frame). `None`: one block.
    pub width: Option<usize>,
}

impl Default for TextLayout {
    fn default() -> Self {
        Self { max_cell: 40, significant: 4, width: None }
    }
}

/// Renders a [`Table`] for a terminal: columns aligned (numbers right), floats rounded, long
/// text cells shortened in the middle with `…`, two spaces between columns, wrapped into blocks
/// of columns to fit the width (see [`TextLayout`]). CSV, JSON and Parquet keep full precision.
#[must_use]
pub fn table_to_text(table: &Table, layout: &TextLayout) -> String {
    let max_cell = layout.max_cell;
    let shorten = |text: String| -> String {
        let n = text.chars().count();
        if n <= max_cell || max_cell < 5 {
            return text;
        }
        let keep = max_cell - 1;
        let head: String = text.chars().take(keep / 2).collect();
        let tail: String = text.chars().skip(n - (keep - keep / 2)).collect();
        format!("{head}…{tail}")
    };
    let height = table.columns.iter().map(Column::len).max().unwrap_or(0);
    let cells: Vec<Vec<String>> = table
        .columns
        .iter()
        .map(|column| {
            (0..height)
                .map(|row| match &column.values {
                    Values::Float(values) => values
                        .get(row)
                        .copied()
                        .flatten()
                        .map(|x| format::significant(x, layout.significant))
                        .unwrap_or_default(),
                    _ => shorten(display_cell(column, row)),
                })
                .collect()
        })
        .collect();
    let headers: Vec<String> = table.columns.iter().map(|c| shorten(c.name.clone())).collect();
    let widths: Vec<usize> = headers
        .iter()
        .zip(&cells)
        .map(|(h, col)| col.iter().map(|c| c.chars().count()).chain([h.chars().count()]).max().unwrap_or(0))
        .collect();
    let right: Vec<bool> = table.columns.iter().map(|c| !matches!(c.values, Values::Text(_))).collect();
    let line = |columns: &[usize], values: &dyn Fn(usize) -> String| -> String {
        let parts: Vec<String> = columns
            .iter()
            .map(|&c| {
                let (v, w) = (values(c), widths[c]);
                if right[c] {
                    format!("{v:>w$}")
                } else {
                    format!("{v:<w$}")
                }
            })
            .collect();
        parts.join("  ").trim_end().to_string() + "\n"
    };
    let mut text = String::new();
    for (i, block) in column_blocks(&widths, layout.width).iter().enumerate() {
        if i > 0 {
            text.push('\n');
        }
        text.push_str(&line(block, &|c| headers[c].clone()));
        text.extend((0..height).map(|row| line(block, &|c| cells[c][row].clone())));
    }
    text
}

/// The columns of each block of a table `width` characters wide at most: the first column
/// leads every block, the others fill blocks in order (one at least, however wide).
fn column_blocks(widths: &[usize], width: Option<usize>) -> Vec<Vec<usize>> {
    let Some(limit) = width else { return vec![(0..widths.len()).collect()] };
    let Some(&lead) = widths.first() else { return vec![Vec::new()] };
    let mut blocks = Vec::new();
    let mut block = vec![0];
    let mut used = lead;
    for (c, &w) in widths.iter().enumerate().skip(1) {
        if block.len() > 1 && used + 2 + w > limit {
            blocks.push(std::mem::replace(&mut block, vec![0]));
            used = lead;
        }
        block.push(c);
        used += 2 + w;
    }
    blocks.push(block);
    blocks
}

/// Renders a [`Table`] as a GitHub pipe table for reading: floats with 6 significant digits,
/// `None` as an empty cell, numeric columns right-aligned, `|` and line breaks in text escaped.
///
/// Ragged tables are rendered as far as each column goes (missing cells empty) rather than
/// rejected: Markdown is for people, and a partial table says more than an error.
#[must_use]
pub fn table_to_markdown(table: &Table) -> String {
    let header: Vec<String> = table.columns.iter().map(|c| c.name.clone()).collect();
    let align_right: Vec<bool> = table.columns.iter().map(|c| !matches!(c.values, Values::Text(_))).collect();
    let height = table.columns.iter().map(Column::len).max().unwrap_or(0);
    let rows: Vec<Vec<String>> =
        (0..height).map(|row| table.columns.iter().map(|column| display_cell(column, row)).collect()).collect();
    format::markdown_table(&header, &align_right, &rows)
}

/// The cell at `row` of `column` for people: 6 significant digits, empty for `None` or past
/// the end of the column.
pub(crate) fn display_cell(column: &Column, row: usize) -> String {
    match &column.values {
        Values::Text(values) => values.get(row).cloned().unwrap_or_default(),
        Values::Int(values) => values.get(row).map(i64::to_string).unwrap_or_default(),
        Values::Float(values) => {
            values.get(row).copied().flatten().map(|x| format::significant(x, 6)).unwrap_or_default()
        }
    }
}

/// The full-precision value of a float cell, for tooltips and machine-readable output.
pub(crate) fn full_cell(column: &Column, row: usize) -> Option<String> {
    match &column.values {
        Values::Float(values) => values.get(row).copied().flatten().map(format::full),
        Values::Text(_) | Values::Int(_) => None,
    }
}

fn check_shape(table: &Table) -> Result<(), ReportError> {
    let Some(first) = table.columns.first() else { return Ok(()) };
    let expected = first.len();
    let mut seen = HashSet::with_capacity(table.columns.len());
    for column in &table.columns {
        if column.len() != expected {
            return Err(ReportError::RaggedTable {
                table: table.name.clone(),
                column: column.name.clone(),
                len: column.len(),
                expected,
            });
        }
        if !seen.insert(column.name.as_str()) {
            return Err(ReportError::DuplicateColumn { table: table.name.clone(), column: column.name.clone() });
        }
    }
    Ok(())
}

/// The run-wide summary as a [`Table`] named `summary`, with the columns of DESIGN §4:
/// `study, model, params, k, split, noise, silhouette, davies_bouldin, calinski_harabasz, inertia,
/// n_clusters, noise_fraction`,
/// then `<metric>_mean` and `<metric>_range` for every stability metric present in any row,
/// sorted by metric name (empty where a row did not measure it). A run of classifiers only has
/// `study, model, params, split, n_folds, n_test`, the [`CLASSIFICATION_COLUMNS`] and each
/// one's `_ci_low` / `_ci_high` (empty for a single test fold); a run of both has both sets.
#[must_use]
pub fn summary_table(rows: &[SummaryRow]) -> Table {
    let text = |name: &str, get: fn(&SummaryRow) -> &str| Column::text(name, rows.iter().map(|r| get(r).to_owned()));
    let float = |name: &str, get: fn(&SummaryRow) -> Option<f64>| Column::float(name, rows.iter().map(get));
    let mut columns = vec![text("study", |r| &r.study), text("model", |r| &r.model), text("params", |r| &r.params)];
    let any_clustering = rows.iter().any(|r| r.classification.is_none());
    if any_clustering {
        // Empty for a model that finds its own number of clusters.
        columns.push(Column::text("k", rows.iter().map(|r| r.k.map_or_else(String::new, |k| k.to_string()))));
    }
    columns.push(text("split", |r| &r.split));
    if any_clustering {
        columns.extend([
            text("noise", |r| &r.noise),
            float("silhouette", |r| r.silhouette),
            float("davies_bouldin", |r| r.davies_bouldin),
            float("calinski_harabasz", |r| r.calinski_harabasz),
            float("inertia", |r| r.inertia),
            float("n_clusters", |r| r.n_clusters),
            float("noise_fraction", |r| r.noise_fraction),
        ]);
    }
    if rows.iter().any(|r| r.classification.is_some()) {
        columns.push(Column::int(
            "n_folds",
            rows.iter().map(|r| r.classification.as_ref().map_or(0, |c| c.n_folds as i64)),
        ));
        columns
            .push(Column::int("n_test", rows.iter().map(|r| r.classification.as_ref().map_or(0, |c| c.n_test as i64))));
        for metric in CLASSIFICATION_COLUMNS {
            let stat = |pick: fn(&crate::study::FoldStat) -> f64| {
                rows.iter().map(move |r| r.classification.as_ref().and_then(|c| c.metrics.get(metric)).map(pick))
            };
            columns.push(Column::float(metric, stat(|s| s.mean)));
        }
        for metric in CLASSIFICATION_COLUMNS {
            let bound = |high: bool| {
                rows.iter().map(move |r| {
                    let ci = r.classification.as_ref().and_then(|c| c.metrics.get(metric)).and_then(|s| s.ci);
                    ci.map(|(low, up)| if high { up } else { low })
                })
            };
            columns.push(Column::float(&format!("{metric}_ci_low"), bound(false)));
            columns.push(Column::float(&format!("{metric}_ci_high"), bound(true)));
        }
    }
    let metrics: BTreeSet<&str> = rows.iter().flat_map(|r| r.stability.keys().map(String::as_str)).collect();
    for metric in metrics {
        let stat = |pick: fn(&(f64, f64)) -> f64| rows.iter().map(move |r| r.stability.get(metric).map(pick));
        columns.push(Column::float(&format!("{metric}_mean"), stat(|s| s.0)));
        columns.push(Column::float(&format!("{metric}_range"), stat(|s| s.1)));
    }
    Table { name: "summary".to_owned(), columns }
}

/// Writes `tables/summary.csv` (see [`summary_table`] for the columns) with the float
/// conventions of [`write_table_csv`].
pub fn write_summary_csv(rows: &[SummaryRow], path: &Path) -> Result<(), ReportError> {
    write_table_csv(&summary_table(rows), path)
}

/// The run-wide summary as a GitHub pipe table (see [`summary_table`] and
/// [`table_to_markdown`]).
#[must_use]
pub fn summary_to_markdown(rows: &[SummaryRow]) -> String {
    table_to_markdown(&summary_table(rows))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn sample() -> Table {
        Table {
            name: "sample".into(),
            columns: vec![
                Column::text("name", ["a|b".to_owned(), "c".to_owned(), "d,\"e\"".to_owned()]),
                Column::int("k", [2, 3, -4]),
                Column::float("score", [Some(0.1 + 0.2), None, Some(1e-300)]),
            ],
        }
    }

    #[test]
    fn a_table_wider_than_the_terminal_is_printed_in_blocks_led_by_the_first_column() {
        let table = Table {
            name: "wide".into(),
            columns: vec![
                Column::text("metric", ["silhouette".to_owned(), "ari".to_owned()]),
                Column::float("run_a", [Some(0.25), Some(0.5)]),
                Column::float("run_b", [Some(0.125), None]),
                Column::text("note", ["a long note about it".to_owned(), String::new()]),
            ],
        };
        let one_block = table_to_text(&table, &TextLayout::default());
        assert_eq!(one_block.lines().count(), 3, "{one_block}");
        let fitted = table_to_text(&table, &TextLayout { width: Some(32), ..TextLayout::default() });
        assert!(fitted.lines().all(|l| l.chars().count() <= 32), "{fitted}");
        let blocks: Vec<&str> = fitted.split("\n\n").collect();
        assert_eq!(blocks.len(), 2, "{fitted}");
        assert!(blocks.iter().all(|b| b.starts_with("metric")), "{fitted}");
        assert!(blocks[0].contains("run_b") && blocks[1].contains("a long note about it"), "{fitted}");
        // A column wider than the terminal still gets a block of its own.
        let narrow = table_to_text(&table, &TextLayout { width: Some(5), ..TextLayout::default() });
        assert_eq!(narrow.split("\n\n").count(), 3, "{narrow}");
    }

    fn csv_of(table: &Table) -> String {
        let mut df = table_to_dataframe(table).expect("valid table");
        let mut out = Vec::new();
        write_dataframe_csv(&mut df, &table.name, &mut out).expect("writes");
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn csv_floats_are_shortest_round_trip_and_none_is_empty() {
        assert_eq!(csv_of(&sample()), "name,k,score\na|b,2,0.30000000000000004\nc,3,\n\"d,\"\"e\"\"\",-4,1e-300\n");
    }

    #[test]
    fn csv_float_cells_parse_back_bit_exactly() {
        let values = [0.1 + 0.2, 1e-300, 123_456_789.123_456_79, -0.0, 5e-324, f64::MAX, 1.0 / 3.0, 2.5e15, 7.0];
        let table = Table { name: "t".into(), columns: vec![Column::float("x", values.iter().map(|&x| Some(x)))] };
        let csv = csv_of(&table);
        let parsed: Vec<f64> = csv.lines().skip(1).map(|line| line.parse().expect("a float")).collect();
        assert_eq!(parsed.len(), values.len());
        for (got, want) in parsed.iter().zip(values) {
            assert_eq!(got.to_bits(), want.to_bits(), "{want:?} came back as {got:?}");
        }
    }

    #[test]
    fn ragged_table_is_rejected_with_its_name() {
        let table =
            Table { name: "bad".into(), columns: vec![Column::int("a", [1, 2]), Column::float("b", [Some(1.0)])] };
        let err = table_to_dataframe(&table).expect_err("ragged");
        assert!(matches!(err, ReportError::RaggedTable { len: 1, expected: 2, .. }), "{err}");
    }

    #[test]
    fn duplicate_column_is_rejected() {
        let table = Table { name: "bad".into(), columns: vec![Column::int("a", [1]), Column::int("a", [2])] };
        assert!(matches!(table_to_dataframe(&table), Err(ReportError::DuplicateColumn { .. })));
    }

    #[test]
    fn empty_table_has_no_rows() {
        let table = Table { name: "empty".into(), columns: vec![] };
        assert_eq!(table_to_dataframe(&table).expect("empty is fine").height(), 0);
        let table = Table { name: "no_rows".into(), columns: vec![Column::float("x", [])] };
        assert_eq!(csv_of(&table), "x\n");
    }

    #[test]
    fn markdown_formats_six_significant_digits_and_escapes() {
        let md = table_to_markdown(&sample());
        assert_eq!(
            md,
            "| name | k | score |\n| --- | ---: | ---: |\n| a\\|b | 2 | 0.3 |\n| c | 3 |  |\n| d,\"e\" | -4 | 1e-300 |\n"
        );
    }

    fn row(study: &str, stability: &[(&str, (f64, f64))]) -> SummaryRow {
        SummaryRow {
            study: study.into(),
            model: "kmeans".into(),
            params: "init=k-means++;n_init=10".into(),
            k: Some(4),
            split: "train".into(),
            noise: String::new(),
            silhouette: Some(0.25),
            davies_bouldin: Some(1.5),
            calinski_harabasz: Some(80.0),
            inertia: None,
            n_clusters: Some(4.0),
            noise_fraction: None,
            stability: stability.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect::<BTreeMap<_, _>>(),
            classification: None,
        }
    }

    #[test]
    fn a_classifier_row_fills_the_classification_columns_and_leaves_the_clustering_ones_empty() {
        let stat = |mean| crate::study::FoldStat { mean, n_folds: 5, ci: Some((mean - 0.1, mean + 0.1)) };
        let scores = crate::study::ClassificationScores {
            n_folds: 5,
            n_test: 100,
            metrics: BTreeMap::from([("uar".to_string(), stat(0.5)), ("accuracy".to_string(), stat(0.6))]),
        };
        let rows = [row("grid", &[]), SummaryRow::classifier("classify", "svm", "c=1.0".into(), "holdout", scores)];
        let table = summary_table(&rows);
        let column = |name: &str| table.columns.iter().find(|c| c.name == name).unwrap_or_else(|| panic!("{name}"));
        assert_eq!(column("uar").values, Values::Float(vec![None, Some(0.5)]));
        assert_eq!(column("uar_ci_high").values, Values::Float(vec![None, Some(0.6)]));
        assert_eq!(column("roc_auc").values, Values::Float(vec![None, None]));
        assert_eq!(column("silhouette").values, Values::Float(vec![Some(0.25), None]));
        let only_classifiers = summary_table(&rows[1..]);
        assert!(only_classifiers.columns.iter().all(|c| c.name != "silhouette" && c.name != "k"));
    }

    #[test]
    fn summary_has_design_columns_then_sorted_stability_columns() {
        let rows = [row("grid", &[]), row("repeat", &[("silhouette", (0.2, 0.1)), ("ari", (0.9, 0.05))])];
        let table = summary_table(&rows);
        let names: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "study",
                "model",
                "params",
                "k",
                "split",
                "noise",
                "silhouette",
                "davies_bouldin",
                "calinski_harabasz",
                "inertia",
                "n_clusters",
                "noise_fraction",
                "ari_mean",
                "ari_range",
                "silhouette_mean",
                "silhouette_range"
            ]
        );
        let csv = csv_of(&table);
        let lines: Vec<&str> = csv.lines().collect();
        // An empty text cell is written `""` (polars), which pandas and polars read as missing.
        assert_eq!(lines[1], "grid,kmeans,init=k-means++;n_init=10,4,train,\"\",0.25,1.5,80.0,,4.0,,,,,");
        assert_eq!(
            lines[2],
            "repeat,kmeans,init=k-means++;n_init=10,4,train,\"\",0.25,1.5,80.0,,4.0,,0.9,0.05,0.2,0.1"
        );
    }

    #[test]
    fn summary_of_no_rows_is_a_header() {
        assert_eq!(csv_of(&summary_table(&[])).lines().count(), 1);
        assert!(summary_to_markdown(&[]).starts_with("| study | model |"));
    }
}

//! The one-page HTML run report (`report.html`).
//!
//! Self-contained on purpose: inline CSS, no scripts, no fonts or stylesheets from elsewhere,
//! figures referenced by paths relative to the run folder. The page opens from a copied or
//! archived run folder, offline, years later. Every piece of text (spec, table cells, names,
//! paths) is HTML-escaped: table values come from file names and labels, i.e. from users.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::format;
use super::table::{display_cell, full_cell, summary_table};
use crate::study::{SummaryRow, Table, Values};

/// What goes into `report.html`.
#[derive(Debug, Clone, Copy)]
pub struct HtmlReport<'a> {
    /// Page title (usually the experiment name).
    pub title: &'a str,
    /// The full run ID (hex).
    pub run_id: &'a str,
    /// `manifest.json` as written.
    pub manifest_json: &'a str,
    /// `spec.json` (the canonical resolved spec) as written.
    pub spec_json: &'a str,
    /// The flat metrics of `metrics.json`.
    pub metrics: &'a BTreeMap<String, f64>,
    /// Rows of `tables/summary.csv`.
    pub summary: &'a [SummaryRow],
    /// The other tables, in the order to show them.
    pub tables: &'a [Table],
    /// Figure files relative to the run folder (`figures/k_sweep_elbow.png`) by study (its
    /// label, its files), in display order.
    pub figure_sections: &'a [(String, Vec<String>)],
    /// Markdown documents (name, text) such as executive summaries, shown as written.
    pub documents: &'a [(String, String)],
}

const STYLE: &str = "\
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2rem auto;max-width:1400px;padding:0 1rem;color:#222}
h1{margin-bottom:.2rem}h2{border-bottom:1px solid #ddd;padding-bottom:.2rem;margin-top:2.2rem}
.run-id{font-family:monospace;color:#555}
table{border-collapse:collapse;margin:.6rem 0 1.2rem;font-size:.9rem}
th,td{border:1px solid #ddd;padding:.25rem .6rem}th{background:#f4f4f4;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums;font-family:monospace}
tr:nth-child(even) td{background:#fafafa}
.scroll{overflow-x:auto}
pre{background:#f6f8fa;padding:.8rem;overflow-x:auto;font-size:.85rem}
figure{margin:1rem 0}figure img{max-width:100%;border:1px solid #eee}figcaption{color:#555;font-size:.9rem}
nav a{margin-right:1rem}
td.num.best{font-weight:bold;background:#e3f4e1}
details>summary{cursor:pointer}details>summary h2{display:inline-block;border:0}
.document{border-left:3px solid #9ab;padding-left:1rem;margin:1rem 0}.doc-name{color:#777;font-size:.8rem;margin:0}
.document h1{font-size:1.3rem}.document h2{font-size:1.1rem;border:0}
";

/// Renders the run report as one self-contained HTML page, the finding first: header with run
/// ID, the summary (executive summaries rendered from their Markdown, the summary table with
/// the best model of each comparable score in bold), figures (a contents list by study, then
/// each study's), and, collapsed, every other table, the metrics (full precision), the spec
/// and the manifest.
///
/// Floats in tables show 6 significant digits; hovering a cell shows the exact value.
#[must_use]
pub fn render_html(report: &HtmlReport<'_>) -> String {
    let mut page = String::with_capacity(16 * 1024);
    let title = format::html(report.title);
    // `write!` into a String cannot fail; the results are ignored on purpose throughout.
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title} — vlogmood run</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n\
         <h1>{title}</h1>\n<p class=\"run-id\">run {}</p>\n\
         <nav><a href=\"#summary\">Summary</a><a href=\"#figures\">Figures</a><a href=\"#tables\">Tables</a>\
         <a href=\"#metrics\">Metrics</a><a href=\"#spec\">Spec</a><a href=\"#manifest\">Manifest</a></nav>\n",
        format::html(report.run_id)
    );

    // The finding first: executive summaries and the summary table, best values marked.
    page.push_str("<h2 id=\"summary\">Summary</h2>\n");
    for (name, markdown) in report.documents {
        let _ = writeln!(
            page,
            "<section class=\"document\" id=\"doc-{0}\"><p class=\"doc-name\">{0}</p>",
            format::html(name)
        );
        page.push_str(&markdown_html(markdown));
        page.push_str("</section>\n");
    }
    if report.summary.is_empty() {
        page.push_str("<p>No fitted models.</p>\n");
    } else {
        push_table_marking_best(&mut page, &summary_table(report.summary));
    }

    page.push_str("<h2 id=\"figures\">Figures</h2>\n");
    let sections: Vec<&(String, Vec<String>)> = report.figure_sections.iter().filter(|(_, f)| !f.is_empty()).collect();
    if sections.is_empty() {
        page.push_str("<p>No figures.</p>\n");
    } else {
        // A contents list by study, then each study's figures under its own heading.
        page.push_str("<ul class=\"contents\">\n");
        for (study, files) in &sections {
            let _ = writeln!(
                page,
                "<li><a href=\"#figures-{}\">{}</a> ({} figure{})</li>",
                format::html(study),
                format::html(study),
                files.len(),
                if files.len() == 1 { "" } else { "s" }
            );
        }
        page.push_str("</ul>\n");
    }
    for (study, files) in sections {
        let _ = writeln!(page, "<h3 id=\"figures-{}\">{}</h3>", format::html(study), format::html(study));
        for file in files {
            let caption = file.rsplit('/').next().unwrap_or(file);
            let _ = writeln!(
                page,
                "<figure><img src=\"{}\" alt=\"{}\" loading=\"lazy\"><figcaption>{}</figcaption></figure>",
                format::html(file),
                format::html(caption),
                format::html(caption)
            );
        }
    }

    // Details, collapsed: every table, every metric, the spec and the manifest.
    let _ = writeln!(page, "<details id=\"tables\"><summary><h2>Tables ({})</h2></summary>", report.tables.len());
    if report.tables.is_empty() {
        page.push_str("<p>No tables.</p>\n");
    }
    for table in report.tables {
        let _ = writeln!(page, "<h3>{}</h3>", format::html(&table.name));
        push_table(&mut page, table);
    }

    page.push_str("</details>\n");
    let _ = writeln!(page, "<details id=\"metrics\"><summary><h2>Metrics ({})</h2></summary>", report.metrics.len());
    if report.metrics.is_empty() {
        page.push_str("<p>No metrics.</p>\n");
    } else {
        page.push_str(
            "<div class=\"scroll\"><table>\n<thead><tr><th>metric</th><th>value</th></tr></thead>\n<tbody>\n",
        );
        for (key, value) in report.metrics {
            // Metrics are what a paper quotes: show them exactly, as metrics.json has them.
            let _ = writeln!(
                page,
                "<tr><td>{}</td><td class=\"num\">{}</td></tr>",
                format::html(key),
                format::html(&format::full(*value))
            );
        }
        page.push_str("</tbody>\n</table></div>\n");
    }
    page.push_str("</details>\n");
    let _ = write!(
        page,
        "<details id=\"spec\"><summary><h2>Spec</h2></summary>\n<pre>{}</pre></details>\n\
         <details id=\"manifest\"><summary><h2>Manifest</h2></summary>\n<pre>{}</pre></details>\n</body>\n</html>\n",
        format::html(&pretty_json(report.spec_json)),
        format::html(&pretty_json(report.manifest_json))
    );
    page
}

/// A self-contained page of one table under a title and a sentence (a sweep's summary).
#[must_use]
pub fn render_table_page(title: &str, intro: &str, table: &Table) -> String {
    let mut page = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{0}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{0}</h1>\n<p>{1}</p>\n",
        format::html(title),
        format::html(intro)
    );
    push_table(&mut page, table);
    page.push_str("</body>\n</html>\n");
    page
}

/// Indented JSON for reading; text that is not JSON is shown as given.
fn pretty_json(text: &str) -> String {
    serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .and_then(|value| serde_json::to_string_pretty(&value).ok())
        .unwrap_or_else(|| text.to_owned())
}

/// Markdown documents (executive summaries, per-class tables) as HTML: pipe tables become
/// tables. Raw HTML in them is shown as text, like every other user-derived string.
fn markdown_html(markdown: &str) -> String {
    use pulldown_cmark::{Event, Options, Parser};
    let events = Parser::new_ext(markdown, Options::ENABLE_TABLES).map(|event| match event {
        Event::Html(text) | Event::InlineHtml(text) => Event::Text(text),
        other => other,
    });
    let mut out = String::new();
    pulldown_cmark::html::push_html(&mut out, events);
    out.replace("<table>", "<div class=\"scroll\"><table>").replace("</table>", "</table></div>")
}

/// Summary columns where one model is best, and whether higher is better: comparable across
/// the summary's rows (inertia is not: it falls with k).
const BEST_COLUMNS: [(&str, bool); 8] = [
    ("silhouette", true),
    ("davies_bouldin", false),
    ("calinski_harabasz", true),
    ("uar", true),
    ("accuracy", true),
    ("macro_f1", true),
    ("weighted_f1", true),
    ("roc_auc", true),
];

/// [`push_table`] with the best value of each [`BEST_COLUMNS`] column in bold: every row that
/// has it, to 1e-9 relative (ties are all best), none when every row has it (nothing stands
/// out).
fn push_table_marking_best(page: &mut String, table: &Table) {
    let best: Vec<Vec<usize>> = table
        .columns
        .iter()
        .map(|column| {
            let Some((_, higher)) = BEST_COLUMNS.iter().find(|(name, _)| *name == column.name) else {
                return Vec::new();
            };
            let Values::Float(values) = &column.values else { return Vec::new() };
            let finite: Vec<(usize, f64)> =
                values.iter().enumerate().filter_map(|(i, v)| v.filter(|v| v.is_finite()).map(|v| (i, v))).collect();
            let pick = |a: f64, b: f64| if *higher { a.max(b) } else { a.min(b) };
            let Some(top) = finite.iter().map(|&(_, v)| v).reduce(pick) else { return Vec::new() };
            // Equal up to rounding (the same clustering scored twice) is a tie.
            let tied = |v: f64| (v - top).abs() <= 1e-9 * top.abs().max(f64::MIN_POSITIVE);
            let rows: Vec<usize> = finite.iter().filter(|&&(_, v)| tied(v)).map(|&(i, _)| i).collect();
            if rows.len() == finite.len() {
                Vec::new()
            } else {
                rows
            }
        })
        .collect();
    push_table_with(page, table, &best);
}

fn push_table(page: &mut String, table: &Table) {
    push_table_with(page, table, &vec![Vec::new(); table.columns.len()]);
}

/// A table; in column `c`, the rows `best[c]` are marked best.
fn push_table_with(page: &mut String, table: &Table, best: &[Vec<usize>]) {
    let height = table.columns.iter().map(|c| c.len()).max().unwrap_or(0);
    page.push_str("<div class=\"scroll\"><table>\n<thead><tr>");
    for column in &table.columns {
        let _ = write!(page, "<th>{}</th>", format::html(&column.name));
    }
    page.push_str("</tr></thead>\n<tbody>\n");
    for row in 0..height {
        page.push_str("<tr>");
        for (c, column) in table.columns.iter().enumerate() {
            let shown = format::html(&display_cell(column, row));
            match (&column.values, full_cell(column, row)) {
                (Values::Text(_), _) => {
                    let _ = write!(page, "<td>{shown}</td>");
                }
                (_, Some(exact)) if best[c].contains(&row) => {
                    let _ =
                        write!(page, "<td class=\"num best\" title=\"best; {}\">{shown}</td>", format::html(&exact));
                }
                (_, Some(exact)) => {
                    let _ = write!(page, "<td class=\"num\" title=\"{}\">{shown}</td>", format::html(&exact));
                }
                (_, None) => {
                    let _ = write!(page, "<td class=\"num\">{shown}</td>");
                }
            }
        }
        page.push_str("</tr>\n");
    }
    page.push_str("</tbody>\n</table></div>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::study::Column;

    fn report_with<'a>(
        tables: &'a [Table],
        metrics: &'a BTreeMap<String, f64>,
        figures: &'a [(String, Vec<String>)],
    ) -> HtmlReport<'a> {
        HtmlReport {
            title: "kmeans <grid>",
            run_id: "3fa9c2d41b07",
            manifest_json: "{\"status\":\"complete\"}",
            spec_json: "{\"name\":\"<b>x</b>\"}",
            metrics,
            summary: &[],
            documents: &[],
            tables,
            figure_sections: figures,
        }
    }

    #[test]
    fn every_text_is_escaped() {
        let tables = [Table {
            name: "t<1>".into(),
            columns: vec![
                Column::text("file", ["<script>alert(1)</script>".to_owned()]),
                Column::float("x", [Some(0.1 + 0.2)]),
            ],
        }];
        let metrics = BTreeMap::from([("a.b.<c>".to_owned(), 1e-300)]);
        let figures = [("k<1>".to_owned(), vec!["figures/a\"b.png".to_owned()])];
        let html = render_html(&report_with(&tables, &metrics, &figures));
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("<h3>t&lt;1&gt;</h3>"));
        assert!(html.contains("<title>kmeans &lt;grid&gt; — vlogmood run</title>"));
        assert!(html.contains("&lt;b&gt;x&lt;/b&gt;"));
        assert!(html.contains("src=\"figures/a&quot;b.png\""));
        assert!(html.contains("<h3 id=\"figures-k&lt;1&gt;\">k&lt;1&gt;</h3>"));
        assert!(html.contains("<td>a.b.&lt;c&gt;</td><td class=\"num\">1e-300</td>"));
        assert!(html.contains("title=\"0.30000000000000004\">0.3</td>"));
    }

    #[test]
    fn documents_render_their_tables_and_keep_html_as_text() {
        let html = markdown_html("# Summary\n\n| model | ARI |\n|---|---|\n| <b>km</b> | 0.1 |\n\n- best: km\n");
        assert!(
            html.contains("<h1>Summary</h1>") && html.contains("<th>model</th>") && html.contains("<li>best: km</li>")
        );
        assert!(html.contains("&lt;b&gt;km&lt;/b&gt;") && !html.contains("<b>"), "{html}");
    }

    #[test]
    fn the_best_of_each_comparable_score_is_marked() {
        let table = Table {
            name: "summary".into(),
            columns: vec![
                Column::text("model", ["a".to_string(), "b".to_string()]),
                Column::float("silhouette", [Some(0.1), Some(0.3)]),
                Column::float("davies_bouldin", [Some(1.0), Some(2.0)]),
                Column::float("inertia", [Some(5.0), Some(9.0)]),
            ],
        };
        let mut page = String::new();
        push_table_marking_best(&mut page, &table);
        assert_eq!(page.matches("num best").count(), 2, "{page}");
        assert!(page.contains("title=\"best; 0.3\"") && page.contains("title=\"best; 1.0\""), "{page}");
        // Ties are all best; a column where every row ties marks none.
        let tied = Table {
            name: "summary".into(),
            columns: vec![
                Column::float("silhouette", [Some(0.2), Some(0.2), Some(0.1)]),
                Column::float("davies_bouldin", [Some(1.5), Some(1.5), Some(1.5 + 2e-16)]),
            ],
        };
        let mut page = String::new();
        push_table_marking_best(&mut page, &tied);
        assert_eq!(page.matches("num best").count(), 2, "{page}");
        assert!(!page.contains("best; 1.5"), "{page}");
    }

    #[test]
    fn page_is_self_contained() {
        let metrics = BTreeMap::new();
        let html = render_html(&report_with(&[], &metrics, &[]));
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.trim_end().ends_with("</html>"));
        for external in ["http://", "https://", "<link", "<script"] {
            assert!(!html.contains(external), "found {external}");
        }
    }
}

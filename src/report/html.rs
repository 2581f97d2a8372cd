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
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;color:#222}
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
";

/// Renders the run report as one self-contained HTML page: header with run ID, figures (a
/// contents list by study, then each study's), the summary table, every other table, the
/// metrics (full precision), and the spec and manifest.
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
         <nav><a href=\"#figures\">Figures</a><a href=\"#summary\">Summary</a><a href=\"#tables\">Tables</a>\
         <a href=\"#metrics\">Metrics</a><a href=\"#spec\">Spec</a><a href=\"#manifest\">Manifest</a></nav>\n",
        format::html(report.run_id)
    );

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

    page.push_str("<h2 id=\"summary\">Summary</h2>\n");
    if report.summary.is_empty() {
        page.push_str("<p>No fitted models.</p>\n");
    } else {
        push_table(&mut page, &summary_table(report.summary));
    }
    for (name, markdown) in report.documents {
        let _ = writeln!(page, "<h3>{}</h3>\n<pre>{}</pre>", format::html(name), format::html(markdown));
    }

    page.push_str("<h2 id=\"tables\">Tables</h2>\n");
    if report.tables.is_empty() {
        page.push_str("<p>No tables.</p>\n");
    }
    for table in report.tables {
        let _ = writeln!(page, "<h3>{}</h3>", format::html(&table.name));
        push_table(&mut page, table);
    }

    page.push_str("<h2 id=\"metrics\">Metrics</h2>\n");
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

    let _ = write!(
        page,
        "<h2 id=\"spec\">Spec</h2>\n<pre>{}</pre>\n<h2 id=\"manifest\">Manifest</h2>\n<pre>{}</pre>\n</body>\n</html>\n",
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

fn push_table(page: &mut String, table: &Table) {
    let height = table.columns.iter().map(|c| c.len()).max().unwrap_or(0);
    page.push_str("<div class=\"scroll\"><table>\n<thead><tr>");
    for column in &table.columns {
        let _ = write!(page, "<th>{}</th>", format::html(&column.name));
    }
    page.push_str("</tr></thead>\n<tbody>\n");
    for row in 0..height {
        page.push_str("<tr>");
        for column in &table.columns {
            let shown = format::html(&display_cell(column, row));
            match (&column.values, full_cell(column, row)) {
                (Values::Text(_), _) => {
                    let _ = write!(page, "<td>{shown}</td>");
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

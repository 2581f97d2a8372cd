//! `vlogmood compare --html FILE`: one self-contained page comparing runs — the parameters that
//! differ, every metric side by side with its difference from the first run coloured by
//! whether it is better or worse, and each figure of the runs side by side (embedded as data
//! URIs, so the page can be mailed or archived alone).

use std::fmt::Write;
use std::path::Path;

use base64::Engine;

use super::compare::{delta_text, unique_labels, Comparison};
use super::format;

/// Whether a larger value of a metric is better (`Some(true)`), worse (`Some(false)`) or
/// neither (counts, parameters, chance baselines), judged by its name.
#[must_use]
pub fn higher_is_better(metric: &str) -> Option<bool> {
    let base = metric.split('@').next().unwrap_or(metric);
    let segments: Vec<&str> = base.split('.').collect();
    let last = *segments.last().unwrap_or(&base);
    // Counts, chance baselines, the chosen k, and the spread of resampled scores (a wider
    // range is neither better nor worse on its face) have no direction.
    let spread = ["range", "max", "min", "p2_5", "p97_5", "n_valid"].contains(&last);
    let count = segments.iter().any(|s| s.starts_with("n_"));
    if spread || count || base.contains("chance") || last == "best_k" {
        return None;
    }
    // A score is named by a segment (`silhouette`, `silhouette.mean`) or a segment's word
    // (`macro_f1`, `ari_p_value`): match whole words, not substrings of model names.
    let words: Vec<&str> = segments.iter().flat_map(|s| s.split('_')).collect();
    let has = |name: &str| segments.contains(&name) || name.split('_').all(|w| words.contains(&w));
    if ["davies_bouldin", "inertia", "p_value", "noise_fraction", "log_loss"].iter().any(|m| has(m)) {
        return Some(false);
    }
    let better =
        ["silhouette", "calinski_harabasz", "ari", "nmi", "uar", "accuracy", "f1", "roc_auc", "trustworthiness"];
    better.iter().any(|m| has(m)).then_some(true)
}

/// The page: `folders` are the runs' folders (same order as `comparison.runs`), read for their
/// figures.
pub fn render_comparison_html(comparison: &Comparison, folders: &[&Path]) -> String {
    let runs = unique_labels(&comparison.runs);
    let mut page = String::with_capacity(64 * 1024);
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>compare {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>Comparing {} runs</h1>\n<ol class=\"runs\">",
        format::html(&runs.join(", ")),
        runs.len()
    );
    for run in &runs {
        let _ = write!(page, "<li><code>{}</code></li>", format::html(run));
    }
    page.push_str("</ol>\n<p>Differences are from the first run; <span class=\"better\">green</span> is better, <span class=\"worse\">red</span> worse, where the metric has a direction.</p>\n");

    page.push_str("<h2 id=\"parameters\">Parameters that differ</h2>\n");
    if comparison.params.is_empty() {
        page.push_str("<p>None: the runs share every parameter (they differ in data or code, or not at all).</p>\n");
    } else {
        push_header(&mut page, "parameter", &runs, false);
        for (name, values) in &comparison.params {
            let _ = write!(page, "<tr><th>{}</th>", format::html(name));
            for value in values {
                let _ = write!(page, "<td>{}</td>", format::html(value.as_deref().unwrap_or("—")));
            }
            page.push_str("</tr>\n");
        }
        page.push_str("</tbody></table></div>\n");
    }

    let _ = writeln!(page, "<h2 id=\"metrics\">Metrics ({})</h2>", comparison.metrics.len());
    push_header(&mut page, "metric", &runs, true);
    for (metric, values) in &comparison.metrics {
        let _ = write!(page, "<tr><th>{}</th>", format::html(metric));
        for value in values {
            let shown = value.map_or_else(|| "—".to_string(), |v| format::significant(v, 6));
            let exact = value.map(format::full).unwrap_or_default();
            let _ = write!(page, "<td class=\"num\" title=\"{}\">{}</td>", format::html(&exact), format::html(&shown));
        }
        for value in &values[1..] {
            let (class, text) = match (values[0], *value) {
                (Some(first), Some(v)) if v != first => {
                    let d = v - first;
                    let class = match higher_is_better(metric) {
                        Some(true) if d > 0.0 => "better",
                        Some(false) if d < 0.0 => "better",
                        Some(_) => "worse",
                        None => "",
                    };
                    (class, delta_text(d))
                }
                (Some(_), Some(_)) => ("", String::new()),
                _ => ("", "missing".to_string()),
            };
            let _ = write!(page, "<td class=\"num {class}\">{}</td>", format::html(&text));
        }
        page.push_str("</tr>\n");
    }
    page.push_str("</tbody></table></div>\n");

    let figures = figure_names(folders);
    let _ = writeln!(page, "<h2 id=\"figures\">Figures ({})</h2>", figures.len());
    for name in &figures {
        let _ = write!(page, "<h3>{}</h3>\n<div class=\"row\">", format::html(name));
        for (run, folder) in runs.iter().zip(folders) {
            let path = folder.join("figures").join(name);
            match std::fs::read(&path) {
                Ok(bytes) => {
                    let data = base64::engine::general_purpose::STANDARD.encode(bytes);
                    let _ = write!(
                        page,
                        "<figure><img alt=\"{0}: {1}\" src=\"data:image/png;base64,{data}\"><figcaption>{0}</figcaption></figure>",
                        format::html(run),
                        format::html(name)
                    );
                }
                Err(_) => {
                    let _ = write!(
                        page,
                        "<figure class=\"absent\"><figcaption>{}: no such figure</figcaption></figure>",
                        format::html(run)
                    );
                }
            }
        }
        page.push_str("</div>\n");
    }
    page.push_str("</body>\n</html>\n");
    page
}

/// The PNG figures any of the runs has, in name order.
fn figure_names(folders: &[&Path]) -> Vec<String> {
    let mut names: Vec<String> = folders
        .iter()
        .flat_map(|folder| std::fs::read_dir(folder.join("figures")).into_iter().flatten().filter_map(Result::ok))
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".png"))
        .collect();
    names.sort();
    names.dedup();
    names
}

fn push_header(page: &mut String, first: &str, runs: &[String], with_deltas: bool) {
    let _ = write!(page, "<div class=\"scroll\"><table>\n<thead><tr><th>{first}</th>");
    for run in runs {
        let _ = write!(page, "<th>{}</th>", format::html(run));
    }
    if with_deltas {
        for run in &runs[1..] {
            let _ = write!(page, "<th>Δ {}</th>", format::html(run));
        }
    }
    page.push_str("</tr></thead>\n<tbody>\n");
}

const STYLE: &str = "\
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2rem;color:#222}
table{border-collapse:collapse;margin:.6rem 0 1.2rem;font-size:.85rem}
th,td{border:1px solid #ddd;padding:.2rem .5rem}th{background:#f4f4f4;text-align:left;font-weight:normal;font-family:monospace}
td.num{text-align:right;font-variant-numeric:tabular-nums;font-family:monospace}
.better{background:#e3f4e1;color:#1a6b1a}.worse{background:#fbe4e4;color:#a31515}
.scroll{overflow-x:auto}.row{display:flex;gap:1rem;overflow-x:auto}
figure{margin:0;flex:0 0 auto}figure img{width:600px;border:1px solid #eee}figcaption{color:#555;font-size:.85rem}
figure.absent{width:600px;color:#999}
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_directions_follow_their_names() {
        assert_eq!(higher_is_better("compare.kmeans.silhouette@k=4,split=train"), Some(true));
        assert_eq!(higher_is_better("grid.kmeans.best.davies_bouldin@split=train"), Some(false));
        assert_eq!(higher_is_better("compare.kmeans.ari@label=emotion,split=train"), Some(true));
        assert_eq!(higher_is_better("compare.kmeans.ari_chance_mean@label=emotion"), None);
        assert_eq!(higher_is_better("k_sweep.kmeans.best_k"), None);
        assert_eq!(higher_is_better("classify.svm.uar"), Some(true));
        assert_eq!(higher_is_better("explore.n_files"), None);
        assert_eq!(higher_is_better("compare.kmeans.bootstrap.silhouette.mean@k=2"), Some(true));
        assert_eq!(higher_is_better("compare.kmeans.bootstrap.silhouette.range@k=2"), None);
        // Model names are not metric names.
        assert_eq!(higher_is_better("compare.gaussian_mixture.silhouette@k=3"), Some(true));
        assert_eq!(higher_is_better("compare.mean_shift.davies_bouldin@split=train"), Some(false));
        assert_eq!(higher_is_better("classify.cnn_boosting.uar"), Some(true));
        assert_eq!(higher_is_better("classify.svm.macro_f1"), Some(true));
        assert_eq!(higher_is_better("classify.svm.weighted_f1"), Some(true));
        assert_eq!(higher_is_better("projection_0.tsne.trustworthiness@n_neighbors=5"), Some(true));
        assert_eq!(higher_is_better("compare.kmeans.n_clusters@k=3"), None);
    }

    #[test]
    fn the_page_escapes_names_and_marks_better_and_worse() {
        let comparison = Comparison {
            runs: vec!["a<1>".into(), "b".into()],
            params: vec![("seed".into(), vec![Some("1".into()), Some("2".into())])],
            metrics: vec![
                ("x.silhouette".into(), vec![Some(0.1), Some(0.2)]),
                ("x.davies_bouldin".into(), vec![Some(1.0), Some(2.0)]),
            ],
        };
        let page = render_comparison_html(&comparison, &[Path::new("/nonexistent/a"), Path::new("/nonexistent/b")]);
        assert!(page.contains("a&lt;1&gt;") && !page.contains("a<1>"));
        assert!(page.contains("<th>seed</th><td>1</td><td>2</td>"));
        assert!(page.contains("class=\"num better\">+1.000000e-1"), "{page}");
        assert!(page.contains("class=\"num worse\">+1.000000e0"), "{page}");
    }
}

//! The notebook's model comparison and executive summary (its §8 and §12.8): several models at
//! one k on one split, each with internal metrics, bootstrap stability and external validation.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::spec::{CompareSpec, Seed, SplitName};

use super::fit::{fit_model, holdout_labels};
use super::internal::InternalMetrics;
use super::output::{Assignment, Figure, StudyOutput, SummaryRow};
use super::stability::{bootstrap_replicates, insert_spreads, spreads, stability_columns, Spread};
use super::validation::{agreement_table, agreements, insert_agreements, Agreement};
use super::{k_and_rows, rows_of, StudyData, StudyError};

/// What the executive summary shows of one model.
struct ModelResult {
    name: String,
    single: InternalMetrics,
    spreads: BTreeMap<&'static str, Spread>,
    agreements: Vec<Agreement>,
}

/// Fits every model of the spec and writes the comparison tables and summary.
pub(super) fn compare(
    spec: &CompareSpec,
    data: StudyData<'_>,
    seed: Seed,
    study: &str,
    best_from_sweep: Option<usize>,
) -> Result<StudyOutput, StudyError> {
    let (k, rows) = k_and_rows(study, spec.k, best_from_sweep, data, spec.on)?;
    let x = rows_of(data.x, rows);
    let settings = spec.settings();
    let split = spec.on.as_str();
    let model_error = |source| StudyError::Model { study: study.to_string(), source };
    let mut out = StudyOutput::default();
    let mut results = Vec::new();
    for (m, &model) in spec.models.iter().enumerate() {
        let model_seed = seed.derive(m as u64);
        let fitted = fit_model(model, &settings, k, x.view(), model_seed.rng_for(0)).map_err(model_error)?;
        let single =
            InternalMetrics::compute(x.view(), &fitted.labels, fitted.has_inertia.then(|| fitted.centroids.view()));
        let prefix = format!("{study}.{}", model.as_str());
        single.insert_into(&mut out.metrics, &prefix, &format!("k={k},split={split}"));
        let agreements = agreements(&fitted.labels, rows, data.labels, data.n_permutations, model_seed.derive(1));
        insert_agreements(&mut out.metrics, &prefix, split, &agreements);
        let spreads = if spec.bootstrap > 0 {
            let replicates =
                bootstrap_replicates(model, &settings, k, spec.bootstrap, rows, data, model_seed.derive(2))
                    .map_err(model_error)?;
            spreads(&replicates.metrics)
        } else {
            BTreeMap::new()
        };
        insert_spreads(&mut out.metrics, &format!("{prefix}.bootstrap"), &format!("k={k},split={split}"), &spreads);
        let params = format!("{};bootstrap={}", settings.describe(model), spec.bootstrap);
        out.summary.push(SummaryRow::new(
            study,
            model.as_str(),
            params,
            k,
            split,
            &single,
            stability_columns(&spreads),
        ));

        // Every row gets a cluster: fitted rows their own, held-out rows by the model's rule.
        let mut clusters: Vec<(usize, usize)> = rows.iter().copied().zip(fitted.labels.iter().copied()).collect();
        for part in [SplitName::Train, SplitName::Val, SplitName::Test] {
            let held_out = data.split.rows(part);
            if part == spec.on || held_out.is_empty() {
                continue;
            }
            let labels =
                holdout_labels(model, &settings, &fitted, rows_of(data.x, held_out).view(), model_seed.rng_for(3))
                    .map_err(model_error)?;
            clusters.extend(held_out.iter().copied().zip(labels));
        }
        clusters.sort_unstable();
        out.assignments.push(Assignment { name: format!("{study}_{}", model.as_str()), clusters });

        if let Some(tree) = &fitted.tree {
            let layout = tree.dendrogram_layout(Some(30));
            out.figures.push(Figure::Dendrogram {
                name: format!("{study}_{}_dendrogram", model.as_str()),
                title: format!(
                    "Agglomerative clustering ({}), last 30 merges, {split} split",
                    settings.describe(model)
                ),
                y_label: "merge distance".into(),
                leaf_labels: layout
                    .leaves
                    .iter()
                    .zip(&layout.leaf_sizes)
                    .map(|(&leaf, &size)| if size > 1 { format!("({size})") } else { leaf.to_string() })
                    .collect(),
                links: layout.links,
            });
        }
        results.push(ModelResult { name: model.as_str().into(), single, spreads, agreements });
    }
    let validation_rows: Vec<(String, Vec<Agreement>)> =
        results.iter().map(|r| (r.name.clone(), r.agreements.clone())).collect();
    if !data.labels.is_empty() {
        out.tables.push(agreement_table(&format!("{study}_validation"), &validation_rows));
    }
    out.documents.push((format!("{study}_executive_summary"), executive_summary(&results, k, split, spec.bootstrap)));
    Ok(out)
}

/// The Markdown executive summary: one row per model, mean and range over the bootstrap
/// replicates (or the single fit when there are none), agreement with each label column,
/// and the best model per metric.
fn executive_summary(results: &[ModelResult], k: usize, split: &str, n_bootstrap: usize) -> String {
    let columns: Vec<&str> =
        results.first().map(|r| r.agreements.iter().map(|a| a.column.as_str()).collect()).unwrap_or_default();
    let mut md = String::new();
    let _ = writeln!(md, "# Executive summary (k = {k}, {split} split)\n");
    let basis = if n_bootstrap > 0 {
        format!("mean [min, max] over {n_bootstrap} bootstrap resamples")
    } else {
        "single fit".to_string()
    };
    let _ = writeln!(md, "Internal metrics: {basis}. ARI/NMI: the fit on the whole split against each label column; chance = 95th percentile of ARI against shuffled labels.\n");
    let mut header = "| model | silhouette ↑ | Davies-Bouldin ↓ | Calinski-Harabasz ↑ |".to_string();
    let mut rule = "|---|---|---|---|".to_string();
    for c in &columns {
        let _ = write!(header, " ARI {c} (chance) | NMI {c} |");
        rule.push_str("---|---|");
    }
    let _ = writeln!(md, "{header}\n{rule}");
    let value = |r: &ModelResult, name: &str| -> (Option<f64>, String) {
        match r.spreads.get(name) {
            Some(s) => (Some(s.mean), format!("{:.4} [{:.4}, {:.4}]", s.mean, s.min, s.max)),
            None => {
                let v = r.single.named().into_iter().find(|(n, _)| *n == name).and_then(|(_, v)| v);
                (v, v.map_or_else(|| "–".into(), |v| format!("{v:.4}")))
            }
        }
    };
    for r in results {
        let mut line = format!("| {} |", r.name);
        for name in ["silhouette", "davies_bouldin", "calinski_harabasz"] {
            let _ = write!(line, " {} |", value(r, name).1);
        }
        for a in &r.agreements {
            let _ = write!(line, " {:.3} ({:.3}) | {:.3} |", a.ari, a.chance_p95, a.nmi);
        }
        let _ = writeln!(md, "{line}");
    }
    let _ = writeln!(md);
    let best = |name: &str, higher: bool| -> String {
        results
            .iter()
            .filter_map(|r| value(r, name).0.map(|v| (r.name.as_str(), v)))
            .max_by(|a, b| if higher { a.1.total_cmp(&b.1) } else { b.1.total_cmp(&a.1) })
            .map_or_else(|| "–".into(), |(n, v)| format!("{n} ({v:.4})"))
    };
    let _ = writeln!(md, "- Best silhouette: {}", best("silhouette", true));
    let _ = writeln!(md, "- Best Davies-Bouldin (lowest): {}", best("davies_bouldin", false));
    let _ = writeln!(md, "- Best Calinski-Harabasz: {}", best("calinski_harabasz", true));
    for (i, c) in columns.iter().enumerate() {
        let top = results.iter().max_by(|a, b| a.agreements[i].ari.total_cmp(&b.agreements[i].ari));
        if let Some(r) = top {
            let a = &r.agreements[i];
            let verdict = if a.ari > a.chance_p95 { "above chance" } else { "not above chance" };
            let _ = writeln!(md, "- Closest to {c}: {} (ARI {:.3}, {verdict}; p = {:.3})", r.name, a.ari, a.p_value);
        }
    }
    md
}

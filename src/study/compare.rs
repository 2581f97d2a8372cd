//! The notebook's model comparison and executive summary (its §8 and §12.8): several models on
//! one split (those that take k at the study's k), each with internal metrics, bootstrap
//! stability, external validation, a PCA view coloured by its clusters and its cluster × label
//! tables.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::models::{ClusterModel, NoiseTreatment};
use crate::spec::{CompareSpec, Seed};

use super::fit::{assign_all, fit_model, metric_at, model_error, stated_noise};
use super::internal::InternalMetrics;
use super::output::{Figure, StudyOutput, SummaryRow};
use super::stability::{bootstrap_replicates, insert_spreads, spreads, stability_columns, Spread};
use super::validation::{agreement_table, agreements, insert_agreements, Agreement};
use super::views::{cluster_scatter, describe_clustering};
use super::{check_k, label_groups, resolve_k, rows_of, StudyData, StudyError};

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
    let rows = data.split.rows(spec.on);
    let study_k = spec.k.map(|choice| resolve_k(study, choice, best_from_sweep)).transpose()?;
    if let Some(k) = study_k {
        check_k(study, k, rows.len(), spec.on)?;
    }
    let x = rows_of(data.x, rows);
    let split = spec.on.as_str();
    let mut out = StudyOutput::default();
    let mut results = Vec::new();
    for (m, model) in spec.models.iter().enumerate() {
        let name = model.name();
        let k = model.given_k(study_k);
        let model_seed = seed.derive(m as u64);
        let fitted = fit_model(model, k, x.view(), model_seed.rng_for(0)).map_err(model_error(study))?;
        let labels = fitted.labels();
        let single =
            InternalMetrics::compute(x.view(), labels, fitted.inertia_centroids(), stated_noise(model, data.noise));
        let prefix = format!("{study}.{name}");
        let at = metric_at(model, k, data.noise, split);
        single.insert_into(&mut out.metrics, &prefix, &at);
        let agreements = agreements(labels, rows, data.labels, data.n_permutations, model_seed.derive(1), data.noise);
        insert_agreements(&mut out.metrics, &prefix, split, &agreements);
        let spreads = if spec.bootstrap > 0 {
            let step = format!("{study}.models[{m}].replicates");
            let replicates =
                bootstrap_replicates(study, &step, model, k, spec.bootstrap, rows, data, model_seed.derive(2))?;
            spreads(&replicates.metrics)
        } else {
            BTreeMap::new()
        };
        insert_spreads(&mut out.metrics, &format!("{prefix}.bootstrap"), &at, &spreads);
        out.summary.push(SummaryRow::new(study, model, k, data.noise, split, &single, stability_columns(&spreads)));

        // Every row gets a cluster where the model can assign it: fitted rows their own,
        // held-out rows by the model's rule.
        out.assignments.push(
            assign_all(format!("{study}_{name}"), model, k, fitted.as_ref(), spec.on, data, model_seed.rng_for(3))
                .map_err(model_error(study))?,
        );
        let k_text = k.map_or_else(|| format!("{} found", fitted.n_clusters()), |k| format!("k = {k}"));
        let (tables, figures) = describe_clustering(
            &format!("{study}_{name}"),
            &format!("{name} clusters ({k_text}), {}", spec.on.phrase()),
            x.view(),
            rows,
            labels,
            &data,
        );
        out.tables.extend(tables);
        out.figures.extend(figures);
        out.figures.extend(cluster_scatter(
            format!("{study}_{name}_pca"),
            format!("PCA of {}: {name} clusters ({k_text})", spec.on.phrase()),
            x.view(),
            labels,
        ));
        if let (Some(tree), ClusterModel::Agglomerative(settings)) = (fitted.tree(), model) {
            let layout = tree.dendrogram_layout(Some(30));
            out.figures.push(Figure::Dendrogram {
                name: format!("{study}_{name}_dendrogram"),
                title: format!(
                    "Agglomerative clustering ({}, {k_text}), last 30 merges, {}",
                    settings.linkage.as_str(),
                    spec.on.phrase()
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
        results.push(ModelResult { name: name.into(), single, spreads, agreements });
    }
    out.figures.extend(label_views(study, spec.on.phrase(), x.view(), rows, data));
    let validation_rows: Vec<(String, Vec<Agreement>)> =
        results.iter().map(|r| (r.name.clone(), r.agreements.clone())).collect();
    if !data.labels.is_empty() {
        out.tables.push(agreement_table(&format!("{study}_validation"), &validation_rows));
    }
    let k_text = study_k.map_or_else(|| "each model's own number of clusters".to_string(), |k| format!("k = {k}"));
    out.documents.push((
        format!("{study}_executive_summary"),
        executive_summary(&results, &k_text, split, spec.bootstrap, data.noise),
    ));
    Ok(out)
}

/// The same PCA view as the models', coloured by each validation label column instead.
fn label_views(
    study: &str,
    rows_phrase: &str,
    x: ndarray::ArrayView2<f64>,
    rows: &[usize],
    data: StudyData<'_>,
) -> Vec<Figure> {
    data.labels
        .iter()
        .filter_map(|(column, values)| {
            let (groups, legend) = label_groups(column, values, rows);
            let labels: Vec<Option<usize>> = groups.into_iter().map(Some).collect();
            match cluster_scatter(
                format!("{study}_pca_by_{column}"),
                format!("PCA of {rows_phrase}, coloured by {column}"),
                x,
                &labels,
            ) {
                Some(Figure::Scatter { name, title, x_label, y_label, points, .. }) => {
                    Some(Figure::Scatter { name, title, x_label, y_label, points, legend, noise: None })
                }
                _ => None,
            }
        })
        .collect()
}

/// The Markdown executive summary: one row per model, mean and range over the bootstrap
/// replicates (or the single fit when there are none), agreement with each label column,
/// and the best model per metric.
fn executive_summary(
    results: &[ModelResult],
    k_text: &str,
    split: &str,
    n_bootstrap: usize,
    noise: NoiseTreatment,
) -> String {
    // Every label column any model was compared with (a model whose rows were all noise has
    // no agreement to report).
    let mut columns: Vec<&str> = Vec::new();
    for a in results.iter().flat_map(|r| &r.agreements) {
        if !columns.contains(&a.column.as_str()) {
            columns.push(&a.column);
        }
    }
    let agreement = |r: &'_ ModelResult, column: &str| r.agreements.iter().find(|a| a.column == column).cloned();
    let mut md = String::new();
    let _ = writeln!(md, "# Executive summary ({k_text}, {split} split)\n");
    let basis = if n_bootstrap > 0 {
        format!("mean [min, max] over {n_bootstrap} bootstrap resamples")
    } else {
        "single fit".to_string()
    };
    let _ = writeln!(md, "Internal metrics: {basis}. ARI/NMI: the fit on the whole split against each label column; chance = 95th percentile of ARI against shuffled labels.");
    if results.iter().any(|r| r.single.noise_fraction.is_some()) {
        let treatment = match noise {
            NoiseTreatment::NonNoiseOnly => "left out of every metric (`non_noise_only`)",
            NoiseTreatment::AsClusterAsSklearn => {
                "counted as one more cluster, as scikit-learn does (`as_cluster_as_sklearn`)"
            }
        };
        let _ = writeln!(md, "Noise points are {treatment}.");
    }
    let _ = writeln!(md);
    let mut header = "| model | clusters | noise | silhouette ↑ | Davies-Bouldin ↓ | Calinski-Harabasz ↑ |".to_string();
    let mut rule = "|---|---|---|---|---|---|".to_string();
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
        let clusters = r.single.n_clusters.map_or_else(|| "–".into(), |n| format!("{n}"));
        let noise = r.single.noise_fraction.map_or_else(|| "–".into(), |f| format!("{:.1} %", 100.0 * f));
        let mut line = format!("| {} | {clusters} | {noise} |", r.name);
        for name in ["silhouette", "davies_bouldin", "calinski_harabasz"] {
            let _ = write!(line, " {} |", value(r, name).1);
        }
        for c in &columns {
            match agreement(r, c) {
                Some(a) => {
                    let _ = write!(line, " {:.3} ({:.3}) | {:.3} |", a.ari, a.chance_p95, a.nmi);
                }
                None => line.push_str(" – | – |"),
            }
        }
        let _ = writeln!(md, "{line}");
    }
    let _ = writeln!(md);
    // A model that calls rows noise is scored on the rest only (non_noise_only): say so, since
    // declining to cluster the hard rows flatters every internal metric.
    let best = |name: &str, higher: bool| -> String {
        results
            .iter()
            .filter_map(|r| value(r, name).0.map(|v| (r, v)))
            .max_by(|a, b| if higher { a.1.total_cmp(&b.1) } else { b.1.total_cmp(&a.1) })
            .map_or_else(
                || "–".into(),
                |(r, v)| match value(r, "noise_fraction")
                    .0
                    .filter(|&f| f > 0.0 && noise == NoiseTreatment::NonNoiseOnly)
                {
                    Some(f) => {
                        format!("{} ({v:.4}, on the {:.1} % of rows it did not call noise)", r.name, 100.0 * (1.0 - f))
                    }
                    None => format!("{} ({v:.4})", r.name),
                },
            )
    };
    let _ = writeln!(md, "- Best silhouette: {}", best("silhouette", true));
    let _ = writeln!(md, "- Best Davies-Bouldin (lowest): {}", best("davies_bouldin", false));
    let _ = writeln!(md, "- Best Calinski-Harabasz: {}", best("calinski_harabasz", true));
    for c in &columns {
        let top =
            results.iter().filter_map(|r| Some((r, agreement(r, c)?))).max_by(|(_, a), (_, b)| a.ari.total_cmp(&b.ari));
        if let Some((r, a)) = top {
            let verdict = if a.ari > a.chance_p95 { "above chance" } else { "not above chance" };
            let _ = writeln!(md, "- Closest to {c}: {} (ARI {:.3}, {verdict}; p = {:.3})", r.name, a.ari, a.p_value);
        }
    }
    md
}

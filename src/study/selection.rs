//! The notebook's model-selection studies (its §4), for any model behind the seam: the k-sweep
//! with its elbow, and the hyperparameter grid scored on a held-out split. (Its repeated
//! single-start fits are `stability::repeat`.)

use std::collections::BTreeMap;

use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};

use crate::models::{ClusterModel, NoiseTreatment};
use crate::spec::{GridEvaluate, GridSpec, KSweepSpec, Seed};

use super::fit::{assign_all, fit_model, holdout_labels, metric_at, model_error, stated_noise};
use super::internal::InternalMetrics;
use super::output::{Column, Figure, StudyOutput, SummaryRow, Table};
use super::parts::{fan_out, Order};
use super::validation::{agreements, insert_agreements};
use super::views::{cluster_scatter, describe_clustering};
use super::{check_k, check_rows, resolve_k, rows_of, StudyData, StudyError};

/// Silhouette for each k of `spec.k` and (k-means) inertia for each k of `spec.elbow_k`, on
/// one split. Returns the output and the best k (first argmax of the silhouette, as
/// `np.argmax`).
pub(super) fn k_sweep(
    spec: &KSweepSpec,
    data: StudyData<'_>,
    seed: Seed,
    study: &str,
) -> Result<(StudyOutput, Option<usize>), StudyError> {
    let model = &spec.model;
    let x = rows_of(data.x, data.split.rows(spec.on));
    // Only k-means has an inertia, so only k-means is fitted at the elbow's extra k values.
    let has_elbow = matches!(model, ClusterModel::Kmeans(_));
    let mut ks: Vec<usize> = spec.k.values().chain(spec.elbow_range().values().filter(|_| has_elbow)).collect();
    ks.sort_unstable();
    ks.dedup();
    // The sweep skips the undefined silhouette of k = n, so it needs only k ≤ n rows.
    let k_max = *ks.last().expect("validated ranges are non-empty");
    check_rows(study, k_max, k_max, x.nrows(), spec.on)?;
    let noise = stated_noise(model, data.noise);
    // Each k is a part; the fit at the best k is made again below (the same stream gives the
    // same fit), so no fitted model is held per k.
    let fit_at = |k: usize| fit_model(model, Some(k), x.view(), seed.rng_for(k as u64)).map_err(model_error(study));
    let metrics: Vec<InternalMetrics> = fan_out(data, &format!("{study}.ks"), ks.len(), Order::Parallel, |i| {
        let fitted = fit_at(ks[i])?;
        Ok(InternalMetrics::compute(x.view(), fitted.labels(), fitted.inertia_centroids(), noise))
    })?;
    let fits: Vec<(usize, InternalMetrics)> = ks.iter().copied().zip(metrics).collect();

    let mut out = StudyOutput::default();
    let name = model.name();
    let prefix = format!("{study}.{name}");
    let split = spec.on.as_str();
    let in_sweep = |k: usize| spec.k.values().any(|v| v == k);
    let in_elbow = |k: usize| has_elbow && spec.elbow_range().values().any(|v| v == k);
    let mut best: Option<(usize, f64)> = None;
    for (k, m) in &fits {
        let at = metric_at(model, Some(*k), data.noise, split);
        if in_sweep(*k) {
            if let Some(s) = m.silhouette {
                out.metrics.insert(format!("{prefix}.silhouette@{at}"), s);
                if best.is_none_or(|(_, b)| s > b) {
                    best = Some((*k, s));
                }
            }
        }
        if in_elbow(*k) {
            if let Some(i) = m.inertia {
                out.metrics.insert(format!("{prefix}.inertia@{at}"), i);
            }
        }
    }
    let best_k = best.map(|(k, _)| k);
    if let Some(k) = best_k {
        out.metrics.insert(format!("{prefix}.best_k"), k as f64);
    }
    let mut columns = vec![
        Column::int("k", fits.iter().map(|f| f.0 as i64)),
        Column::float("silhouette", fits.iter().map(|f| f.1.silhouette.filter(|_| in_sweep(f.0)))),
        Column::float("inertia", fits.iter().map(|f| f.1.inertia)),
        Column::float("davies_bouldin", fits.iter().map(|f| f.1.davies_bouldin)),
        Column::float("calinski_harabasz", fits.iter().map(|f| f.1.calinski_harabasz)),
        Column::float("n_clusters", fits.iter().map(|f| f.1.n_clusters)),
    ];
    if noise.is_some() {
        columns.push(Column::float("noise_fraction", fits.iter().map(|f| f.1.noise_fraction)));
    }
    out.tables.push(Table { name: study.to_string(), columns });
    let points = |pick: &dyn Fn(&InternalMetrics) -> Option<f64>, keep: &dyn Fn(usize) -> bool| -> Vec<(f64, f64)> {
        fits.iter().filter(|f| keep(f.0)).filter_map(|f| pick(&f.1).map(|v| (f.0 as f64, v))).collect()
    };
    out.figures.push(Figure::Line {
        name: format!("{study}_silhouette"),
        title: format!("Silhouette vs k, {name} ({})", spec.on.phrase()),
        x_label: "k (clusters)".into(),
        y_label: "mean silhouette".into(),
        series: vec![("silhouette".into(), points(&|m| m.silhouette, &in_sweep))],
        highlight_x: best_k.map(|k| k as f64),
    });
    if has_elbow {
        out.figures.push(Figure::Line {
            name: format!("{study}_elbow"),
            title: format!("Elbow: inertia vs k ({})", spec.on.phrase()),
            x_label: "k (clusters)".into(),
            y_label: "inertia (sum of squared distances)".into(),
            series: vec![("inertia".into(), points(&|m| m.inertia, &in_elbow))],
            highlight_x: best_k.map(|k| k as f64),
        });
    }
    if let Some((best, m)) = best_k.and_then(|bk| fits.iter().find(|f| f.0 == bk)) {
        let fitted = fit_at(*best)?;
        let k = Some(*best);
        out.summary.push(SummaryRow::new(study, model, k, data.noise, split, m, BTreeMap::new()));
        out.assignments.push(
            assign_all(
                format!("{study}_{name}_k{best}"),
                model,
                k,
                fitted.as_ref(),
                spec.on,
                data,
                seed.derive(2).rng_for(0),
            )
            .map_err(model_error(study))?,
        );
        let rows = data.split.rows(spec.on);
        let agreements =
            agreements(fitted.labels(), rows, data.labels, data.n_permutations, seed.derive(u64::MAX), data.noise);
        insert_agreements(&mut out.metrics, &format!("{prefix}.best"), split, &agreements);
        let (tables, figures) = describe_clustering(
            &format!("{study}_{name}_k{best}"),
            &format!("{name} clusters at the best k = {best}, {}", spec.on.phrase()),
            x.view(),
            rows,
            fitted.labels(),
            &data,
        );
        out.tables.extend(tables);
        out.figures.extend(figures);
    }
    Ok((out, best_k))
}

/// A grid value as written in metric keys and tables (strings without quotes).
fn value_text(value: &serde_json::Value) -> String {
    value.as_str().map_or_else(|| value.to_string(), str::to_string)
}

/// The silhouette of `labels` on the rows of `x`, noise treated as `noise` says.
fn silhouette(x: ArrayView2<f64>, labels: &[Option<usize>], noise: Option<NoiseTreatment>) -> Option<f64> {
    InternalMetrics::compute(x, labels, None, noise).silhouette
}

/// What the grid's table keeps of one fitted cell: its clusters, its share of noise, and the
/// silhouette of its labels on `score_on`.
#[derive(Serialize, Deserialize)]
struct CellFit {
    n_clusters: usize,
    noise_fraction: f64,
    score: Option<f64>,
}

/// Every combination of the grid fitted on `fit_on`, scored by the silhouette of its labels
/// on `score_on` (its assignments of those rows, or its own labels when `score_on = fit_on`);
/// then the internal metrics of the chosen cell on `fit_on`.
pub(super) fn grid(
    spec: &GridSpec,
    data: StudyData<'_>,
    seed: Seed,
    study: &str,
    best_from_sweep: Option<usize>,
) -> Result<StudyOutput, StudyError> {
    let cells = spec.cells().expect("a validated grid has valid cells");
    let fit_x = rows_of(data.x, data.split.rows(spec.fit_on));
    let score_x = rows_of(data.x, data.split.rows(spec.score_on));
    let mut cell_ks = Vec::with_capacity(cells.len());
    for cell in &cells {
        let k = cell.k.map(|choice| resolve_k(study, choice, best_from_sweep)).transpose()?;
        if let Some(k) = k {
            check_k(study, k, fit_x.nrows(), spec.fit_on)?;
        }
        cell_ks.push(k);
    }
    // Noise is stated when any cell can label it (mean shift's cluster_all may be a grid axis).
    let noise = cells.iter().any(|c| c.model.can_emit_noise()).then_some(data.noise);
    // Each cell is a part; the chosen cell is fitted again below (the same stream gives the
    // same fit), so no fitted model is held per cell.
    let fit_cell = |i: usize| {
        fit_model(&cells[i].model, cell_ks[i], fit_x.view(), seed.rng_for(i as u64)).map_err(model_error(study))
    };
    let fits: Vec<CellFit> = fan_out(data, &format!("{study}.cells"), cells.len(), Order::Parallel, |i| {
        let fitted = fit_cell(i)?;
        let score = if spec.score_on == spec.fit_on {
            silhouette(fit_x.view(), fitted.labels(), noise)
        } else {
            // The model's own rule for rows it did not see (the notebook's refit included).
            let rng = seed.derive(3).rng_for(i as u64);
            let labels = holdout_labels(&cells[i].model, cell_ks[i], fitted.as_ref(), score_x.view(), rng)
                .map_err(model_error(study))?
                .expect("validated: the model can assign rows");
            silhouette(score_x.view(), &labels, noise)
        };
        let n_clusters = fitted.n_clusters();
        Ok(CellFit { n_clusters, noise_fraction: crate::models::noise_fraction(fitted.labels()), score })
    })?;

    let mut out = StudyOutput::default();
    let name = spec.model.name();
    let prefix = format!("{study}.{name}");
    let score_split = spec.score_on.as_str();
    let mut best: Option<(usize, f64)> = None;
    for (i, (cell, fit)) in cells.iter().zip(&fits).enumerate() {
        if let Some(s) = fit.score {
            let mut at: Vec<String> = cell.values.iter().map(|(p, v)| format!("{p}={}", value_text(v))).collect();
            at.push(format!("split={score_split}"));
            if let Some(noise) = noise {
                at.push(format!("noise={}", noise.as_str()));
            }
            at.sort();
            out.metrics.insert(format!("{prefix}.silhouette@{}", at.join(",")), s);
            if best.is_none_or(|(_, b)| s > b) {
                best = Some((i, s));
            }
        }
    }
    let n_invalid = fits.iter().filter(|f| f.score.is_none()).count();
    out.metrics.insert(format!("{prefix}.n_invalid"), n_invalid as f64);
    let mut columns = vec![Column::int("cell", (0..cells.len()).map(|i| i as i64))];
    for p in spec.grid.keys() {
        columns.push(Column::text(
            p,
            cells.iter().map(|c| c.values.iter().find(|(q, _)| q == p).map(|(_, v)| value_text(v)).unwrap_or_default()),
        ));
    }
    if !spec.grid.contains_key("k") && cell_ks.iter().any(Option::is_some) {
        columns.push(Column::int("k", cell_ks.iter().map(|k| k.map_or(-1, |k| k as i64))));
    }
    columns.push(Column::int("n_clusters", fits.iter().map(|f| f.n_clusters as i64)));
    if noise.is_some() {
        columns.push(Column::float("noise_fraction", fits.iter().map(|f| Some(f.noise_fraction))));
    }
    columns.push(Column::float(&format!("silhouette_{score_split}"), fits.iter().map(|f| f.score)));
    columns.push(Column::int("best", (0..cells.len()).map(|i| i64::from(best.is_some_and(|(b, _)| b == i)))));
    out.tables.push(Table { name: study.to_string(), columns });

    let chosen = match spec.evaluate {
        GridEvaluate::Best => best.map(|(i, _)| i),
        GridEvaluate::LastAsNotebook => Some(cells.len() - 1),
    };
    let Some(i) = chosen else { return Ok(out) };
    let (cell, k, fitted) = (&cells[i], cell_ks[i], fit_cell(i)?);
    let labels = fitted.labels();
    let metrics = InternalMetrics::compute(fit_x.view(), labels, fitted.inertia_centroids(), noise);
    let which = match spec.evaluate {
        GridEvaluate::Best => "best",
        GridEvaluate::LastAsNotebook => "last_as_notebook",
    };
    let fit_split = spec.fit_on.as_str();
    metrics.insert_into(
        &mut out.metrics,
        &format!("{prefix}.{which}"),
        &metric_at(&cell.model, None, data.noise, fit_split),
    );
    out.metrics.insert(format!("{prefix}.{which}.cell"), i as f64);
    if let Some(k) = k {
        out.metrics.insert(format!("{prefix}.k"), k as f64);
    }
    let rows = data.split.rows(spec.fit_on);
    let agreements = agreements(labels, rows, data.labels, data.n_permutations, seed.derive(u64::MAX), data.noise);
    insert_agreements(&mut out.metrics, &format!("{prefix}.{which}"), fit_split, &agreements);
    let k_text = k.map_or_else(|| format!("{} found", fitted.n_clusters()), |k| format!("k = {k}"));
    let (tables, figures) = describe_clustering(
        &format!("{study}_{name}"),
        &format!("{name} clusters ({k_text}, {which} grid cell), {}", spec.fit_on.phrase()),
        fit_x.view(),
        rows,
        labels,
        &data,
    );
    out.tables.extend(tables);
    out.figures.extend(figures);
    out.summary.push(SummaryRow::new(study, &cell.model, k, data.noise, fit_split, &metrics, BTreeMap::new()));
    out.assignments.push(
        assign_all(
            format!("{study}_{name}"),
            &cell.model,
            k,
            fitted.as_ref(),
            spec.fit_on,
            data,
            seed.derive(2).rng_for(0),
        )
        .map_err(model_error(study))?,
    );
    out.figures.extend(cluster_scatter(
        format!("{study}_pca"),
        format!("PCA of {}: {name} clusters ({k_text}), {which} grid cell", spec.fit_on.phrase()),
        fit_x.view(),
        labels,
    ));
    Ok(out)
}

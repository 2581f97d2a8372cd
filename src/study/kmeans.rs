//! The notebook's KMeans studies (its §4): k-sweep with elbow, and the hyperparameter grid
//! scored on a held-out split. (Its repeated single-start fits are `stability::repeat`.)

use std::collections::BTreeMap;

use ndarray::ArrayView2;
use rayon::prelude::*;

use crate::models::{pca, KMeansModel, KMeansParams};
use crate::spec::{GridEvaluate, GridSpec, KMeansSettings, KSweepSpec, Seed};

use super::internal::InternalMetrics;
use super::output::{Assignment, Column, Figure, StudyOutput, SummaryRow, Table};
use super::validation::{agreements, insert_agreements};
use super::{check_k, check_rows, resolve_k, rows_of, StudyData, StudyError};

const MODEL: &str = "kmeans";

fn fit(
    study: &str,
    x: ArrayView2<f64>,
    k: usize,
    settings: KMeansSettings,
    seed: Seed,
    task: u64,
) -> Result<KMeansModel, StudyError> {
    KMeansParams::new(k, settings)
        .fit(x, seed.rng_for(task))
        .map_err(|source| StudyError::Model { study: study.to_string(), source })
}

/// Silhouette for each k of `spec.k` and inertia for each k of `spec.elbow_k`, on one split.
/// Returns the output and the best k (first argmax of the silhouette, as `np.argmax`).
pub(super) fn k_sweep(
    spec: &KSweepSpec,
    data: StudyData<'_>,
    seed: Seed,
    study: &str,
) -> Result<(StudyOutput, Option<usize>), StudyError> {
    let x = rows_of(data.x, data.split.rows(spec.on));
    let mut ks: Vec<usize> = spec.k.values().chain(spec.elbow_k.values()).collect();
    ks.sort_unstable();
    ks.dedup();
    // The sweep skips the undefined silhouette of k = n, so it needs only k ≤ n rows.
    let k_max = *ks.last().expect("validated ranges are non-empty");
    check_rows(study, k_max, k_max, x.nrows(), spec.on)?;
    let fits: Vec<(usize, KMeansModel, Vec<usize>, InternalMetrics)> = ks
        .par_iter()
        .map(|&k| {
            let model = fit(study, x.view(), k, spec.kmeans, seed, k as u64)?;
            let labels = model.assign(x.view());
            let metrics = InternalMetrics::compute(x.view(), &labels, Some(model.centroids.view()));
            Ok((k, model, labels, metrics))
        })
        .collect::<Result<_, StudyError>>()?;

    let mut out = StudyOutput::default();
    let prefix = format!("{study}.{MODEL}");
    let split = spec.on.as_str();
    let in_sweep = |k: usize| spec.k.values().any(|v| v == k);
    let in_elbow = |k: usize| spec.elbow_k.values().any(|v| v == k);
    let mut best: Option<(usize, f64)> = None;
    for (k, _, _, m) in &fits {
        if in_sweep(*k) {
            if let Some(s) = m.silhouette {
                out.metrics.insert(format!("{prefix}.silhouette@k={k},split={split}"), s);
                if best.is_none_or(|(_, b)| s > b) {
                    best = Some((*k, s));
                }
            }
        }
        if in_elbow(*k) {
            if let Some(i) = m.inertia {
                out.metrics.insert(format!("{prefix}.inertia@k={k},split={split}"), i);
            }
        }
    }
    let best_k = best.map(|(k, _)| k);
    if let Some(k) = best_k {
        out.metrics.insert(format!("{prefix}.best_k"), k as f64);
    }
    out.tables.push(Table {
        name: study.to_string(),
        columns: vec![
            Column::int("k", fits.iter().map(|f| f.0 as i64)),
            Column::float("silhouette", fits.iter().map(|f| f.3.silhouette.filter(|_| in_sweep(f.0)))),
            Column::float("inertia", fits.iter().map(|f| f.3.inertia)),
            Column::float("davies_bouldin", fits.iter().map(|f| f.3.davies_bouldin)),
            Column::float("calinski_harabasz", fits.iter().map(|f| f.3.calinski_harabasz)),
        ],
    });
    let points = |pick: &dyn Fn(&InternalMetrics) -> Option<f64>, keep: &dyn Fn(usize) -> bool| -> Vec<(f64, f64)> {
        fits.iter().filter(|f| keep(f.0)).filter_map(|f| pick(&f.3).map(|v| (f.0 as f64, v))).collect()
    };
    out.figures.push(Figure::Line {
        name: format!("{study}_silhouette"),
        title: format!("Silhouette vs k ({split} split)"),
        x_label: "k (clusters)".into(),
        y_label: "mean silhouette".into(),
        series: vec![("silhouette".into(), points(&|m| m.silhouette, &in_sweep))],
        highlight_x: best_k.map(|k| k as f64),
    });
    out.figures.push(Figure::Line {
        name: format!("{study}_elbow"),
        title: format!("Elbow: inertia vs k ({split} split)"),
        x_label: "k (clusters)".into(),
        y_label: "inertia (sum of squared distances)".into(),
        series: vec![("inertia".into(), points(&|m| m.inertia, &in_elbow))],
        highlight_x: best_k.map(|k| k as f64),
    });
    if let Some((k, model, labels, m)) = best_k.and_then(|bk| fits.iter().find(|f| f.0 == bk)) {
        out.summary.push(SummaryRow::new(study, MODEL, spec.kmeans.describe(), *k, split, m, BTreeMap::new()));
        out.assignments.push(assign_all(&format!("{study}_{MODEL}_k{k}"), data, model));
        let rows = data.split.rows(spec.on);
        let agreements = agreements(labels, rows, data.labels, data.n_permutations, seed.derive(u64::MAX));
        insert_agreements(&mut out.metrics, &format!("{prefix}.best"), split, &agreements);
    }
    Ok((out, best_k))
}

/// Every combination of the grid fitted on `fit_on`, scored by the silhouette of its
/// assignments on `score_on`; then the internal metrics of the chosen cell on `fit_on`.
pub(super) fn grid(
    spec: &GridSpec,
    data: StudyData<'_>,
    seed: Seed,
    study: &str,
    best_from_sweep: Option<usize>,
) -> Result<StudyOutput, StudyError> {
    let k = resolve_k(study, spec.k, best_from_sweep)?;
    let fit_x = rows_of(data.x, data.split.rows(spec.fit_on));
    let score_x = rows_of(data.x, data.split.rows(spec.score_on));
    check_k(study, k, fit_x.nrows(), spec.fit_on)?;
    let cells = spec.grid.cells();
    let fits: Vec<(KMeansModel, Option<f64>)> = cells
        .par_iter()
        .enumerate()
        .map(|(i, settings)| {
            let model = fit(study, fit_x.view(), k, *settings, seed, i as u64)?;
            let labels = model.assign(score_x.view());
            let score = crate::metrics::silhouette_score(score_x.view(), &labels).ok();
            Ok((model, score))
        })
        .collect::<Result<_, StudyError>>()?;

    let mut out = StudyOutput::default();
    let prefix = format!("{study}.{MODEL}");
    let score_split = spec.score_on.as_str();
    let mut best: Option<(usize, f64)> = None;
    for (i, (settings, (_, score))) in cells.iter().zip(&fits).enumerate() {
        if let Some(s) = score {
            let key = format!(
                "{prefix}.silhouette@init={},max_iter={},n_init={},split={score_split},tol={}",
                settings.init.as_str(),
                settings.max_iter,
                settings.n_init,
                settings.tol
            );
            out.metrics.insert(key, *s);
            if best.is_none_or(|(_, b)| *s > b) {
                best = Some((i, *s));
            }
        }
    }
    let n_invalid = fits.iter().filter(|f| f.1.is_none()).count();
    out.metrics.insert(format!("{prefix}.n_invalid"), n_invalid as f64);
    out.metrics.insert(format!("{prefix}.k"), k as f64);
    out.tables.push(Table {
        name: study.to_string(),
        columns: vec![
            Column::int("cell", (0..cells.len()).map(|i| i as i64)),
            Column::text("init", cells.iter().map(|c| c.init.as_str().to_string())),
            Column::int("n_init", cells.iter().map(|c| c.n_init as i64)),
            Column::int("max_iter", cells.iter().map(|c| c.max_iter as i64)),
            Column::float("tol", cells.iter().map(|c| Some(c.tol))),
            Column::float(&format!("silhouette_{score_split}"), fits.iter().map(|f| f.1)),
            Column::int("best", (0..cells.len()).map(|i| i64::from(best.is_some_and(|(b, _)| b == i)))),
        ],
    });

    let chosen = match spec.evaluate {
        GridEvaluate::Best => best.map(|(i, _)| i),
        GridEvaluate::LastAsNotebook => Some(cells.len() - 1),
    };
    if let Some(i) = chosen {
        let (model, _) = &fits[i];
        let labels = model.assign(fit_x.view());
        let metrics = InternalMetrics::compute(fit_x.view(), &labels, Some(model.centroids.view()));
        let which = match spec.evaluate {
            GridEvaluate::Best => "best",
            GridEvaluate::LastAsNotebook => "last_as_notebook",
        };
        let fit_split = spec.fit_on.as_str();
        metrics.insert_into(&mut out.metrics, &format!("{prefix}.{which}"), &format!("split={fit_split}"));
        out.metrics.insert(format!("{prefix}.{which}.cell"), i as f64);
        let rows = data.split.rows(spec.fit_on);
        let agreements = agreements(&labels, rows, data.labels, data.n_permutations, seed.derive(u64::MAX));
        insert_agreements(&mut out.metrics, &format!("{prefix}.{which}"), fit_split, &agreements);
        let params = format!("{};evaluated={which}", cells[i].describe());
        out.summary.push(SummaryRow::new(study, MODEL, params, k, fit_split, &metrics, BTreeMap::new()));
        out.assignments.push(assign_all(&format!("{study}_{MODEL}"), data, model));
        if let Ok(projection) = pca(fit_x.view(), 2.min(fit_x.ncols())) {
            if projection.scores.ncols() == 2 {
                let ratio = &projection.explained_variance_ratio;
                out.figures.push(Figure::Scatter {
                    name: format!("{study}_pca"),
                    title: format!("PCA of the {fit_split} split, coloured by cluster (k = {k}, {which} grid cell)"),
                    x_label: format!("PC1 ({:.1} % of variance)", 100.0 * ratio[0]),
                    y_label: format!("PC2 ({:.1} % of variance)", 100.0 * ratio[1]),
                    points: projection
                        .scores
                        .rows()
                        .into_iter()
                        .zip(&labels)
                        .map(|(row, &c)| (row[0], row[1], c))
                        .collect(),
                    legend: Vec::new(),
                });
            }
        }
    }
    Ok(out)
}

/// The model's cluster for every row of every split.
fn assign_all(name: &str, data: StudyData<'_>, model: &KMeansModel) -> Assignment {
    let labels = model.assign(data.x);
    Assignment { name: name.into(), clusters: labels.into_iter().enumerate().collect() }
}

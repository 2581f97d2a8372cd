//! Stability studies: repeated fits, bootstrap resamples, and consensus over subsamples.
//!
//! Every replicate draws from its own stream (`seed.rng_for(replicate)`; resampling and
//! fitting use two different derived seeds), replicates run in parallel and are collected in
//! replicate order, and statistics are reduced in that order: results depend on the seed only.

use std::collections::BTreeMap;

use ndarray::{Array2, ArrayView2, Axis};
use rayon::prelude::*;

use crate::metrics::adjusted_rand_score;
use crate::models::{ClusterModel, Clustering, NoiseTreatment};
use crate::spec::{BootstrapSpec, ConsensusMethod, ConsensusSpec, RepeatSpec, Seed};
use crate::split::{bootstrap_indices, subsample_indices};

use super::fit::{fit_model, metric_at, model_error, stated_noise};
use super::internal::InternalMetrics;
use super::output::{Column, Figure, StudyOutput, SummaryRow, Table};
use super::parts::{fan_out, Order};
use super::validation::{agreements, percentile};
use super::views::describe_clustering;
use super::{check_k, k_and_rows, resolve_k, rows_of, StudyData, StudyError};

/// Distribution of one metric over replicates.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Spread {
    pub mean: f64,
    pub min: f64,
    pub max: f64,
    pub p2_5: f64,
    pub p97_5: f64,
    pub n_valid: usize,
}

impl Spread {
    /// None when no replicate had the metric defined.
    pub(super) fn of(values: &[f64]) -> Option<Self> {
        if values.is_empty() {
            return None;
        }
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        Some(Self {
            mean: values.iter().sum::<f64>() / values.len() as f64,
            min: sorted[0],
            max: sorted[sorted.len() - 1],
            p2_5: percentile(&sorted, 2.5),
            p97_5: percentile(&sorted, 97.5),
            n_valid: values.len(),
        })
    }

    fn range(&self) -> f64 {
        self.max - self.min
    }
}

/// Internal metrics per replicate, summarised: metric name → spread.
pub(super) fn spreads(replicates: &[InternalMetrics]) -> BTreeMap<&'static str, Spread> {
    let mut out = BTreeMap::new();
    for (index, name) in InternalMetrics::NAMES.into_iter().enumerate() {
        let values: Vec<f64> = replicates.iter().filter_map(|m| m.named()[index].1).collect();
        if let Some(spread) = Spread::of(&values) {
            out.insert(name, spread);
        }
    }
    out
}

/// Writes `prefix.metric.{mean,min,max,range,p2_5,p97_5,n_valid}@at` for every spread.
pub(super) fn insert_spreads(
    metrics: &mut BTreeMap<String, f64>,
    prefix: &str,
    at: &str,
    spreads: &BTreeMap<&str, Spread>,
) {
    for (name, s) in spreads {
        for (stat, value) in [
            ("mean", s.mean),
            ("min", s.min),
            ("max", s.max),
            ("range", s.range()),
            ("p2_5", s.p2_5),
            ("p97_5", s.p97_5),
            ("n_valid", s.n_valid as f64),
        ] {
            metrics.insert(format!("{prefix}.{name}.{stat}@{at}"), value);
        }
    }
}

/// (mean, range) per metric, for the summary table's stability columns.
pub(super) fn stability_columns(spreads: &BTreeMap<&str, Spread>) -> BTreeMap<String, (f64, f64)> {
    spreads.iter().map(|(name, s)| (name.to_string(), (s.mean, s.range()))).collect()
}

fn replicate_table(name: &str, replicates: &[InternalMetrics]) -> Table {
    let mut columns = vec![Column::int("replicate", (0..replicates.len()).map(|i| i as i64))];
    for (index, name) in InternalMetrics::NAMES.into_iter().enumerate() {
        if replicates.iter().any(|m| m.named()[index].1.is_some()) {
            columns.push(Column::float(name, replicates.iter().map(|m| m.named()[index].1)));
        }
    }
    Table { name: name.into(), columns }
}

/// The summary row of a study of replicates: the mean of each metric, and its stability.
fn summary_row(
    study: &str,
    model: &ClusterModel,
    k: Option<usize>,
    noise: NoiseTreatment,
    split: &str,
    spreads: &BTreeMap<&str, Spread>,
) -> SummaryRow {
    let mean = |name: &str| spreads.get(name).map(|s| s.mean);
    let means = InternalMetrics {
        silhouette: mean("silhouette"),
        davies_bouldin: mean("davies_bouldin"),
        calinski_harabasz: mean("calinski_harabasz"),
        inertia: mean("inertia"),
        n_clusters: mean("n_clusters"),
        noise_fraction: mean("noise_fraction"),
    };
    SummaryRow::new(study, model, k, noise, split, &means, stability_columns(spreads))
}

/// The internal metrics of a fit on the rows of `x`.
fn metrics_of(
    x: ArrayView2<f64>,
    model: &ClusterModel,
    fitted: &dyn Clustering,
    noise: NoiseTreatment,
) -> InternalMetrics {
    InternalMetrics::compute(x, fitted.labels(), fitted.inertia_centroids(), stated_noise(model, noise))
}

/// `n` fits of a seeded model on one split, each with its own stream.
pub(super) fn repeat(
    spec: &RepeatSpec,
    data: StudyData<'_>,
    seed: Seed,
    study: &str,
    best_from_sweep: Option<usize>,
) -> Result<StudyOutput, StudyError> {
    let model = &spec.model;
    let (k, rows) = k_and_rows(study, model, spec.k, best_from_sweep, data, spec.on)?;
    let x = rows_of(data.x, rows);
    let replicates: Vec<InternalMetrics> = fan_out(data, &format!("{study}.fits"), spec.n, Order::Parallel, |i| {
        let fitted = fit_model(model, k, x.view(), seed.rng_for(i as u64)).map_err(model_error(study))?;
        Ok(metrics_of(x.view(), model, fitted.as_ref(), data.noise))
    })?;
    let split = spec.on.as_str();
    let spreads = spreads(&replicates);
    let mut out = StudyOutput::default();
    let at = metric_at(model, k, data.noise, split);
    insert_spreads(&mut out.metrics, &format!("{study}.{}", model.name()), &at, &spreads);
    out.tables.push(replicate_table(study, &replicates));
    out.summary.push(summary_row(study, model, k, data.noise, split, &spreads));
    Ok(out)
}

/// Bootstrap replicates of one split: internal metrics of the model fitted on each resample
/// (scored on that resample, as the notebook did), and their mean, range and 95 % interval;
/// with validation labels, the mean ARI against each label column too.
pub(super) fn bootstrap(
    spec: &BootstrapSpec,
    data: StudyData<'_>,
    seed: Seed,
    study: &str,
    best_from_sweep: Option<usize>,
) -> Result<StudyOutput, StudyError> {
    let model = &spec.model;
    let (k, rows) = k_and_rows(study, model, spec.k, best_from_sweep, data, spec.on)?;
    let Replicates { metrics: replicates, ari_by_label } =
        bootstrap_replicates(study, &format!("{study}.replicates"), model, k, spec.n, rows, data, seed)?;
    let split = spec.on.as_str();
    let prefix = format!("{study}.{}", model.name());
    let spreads = spreads(&replicates);
    let mut out = StudyOutput::default();
    insert_spreads(&mut out.metrics, &prefix, &metric_at(model, k, data.noise, split), &spreads);
    for (column, aris) in ari_by_label {
        if let Some(s) = Spread::of(&aris) {
            let at = format!("label={column},split={split}");
            out.metrics.insert(format!("{prefix}.ari.mean@{at}"), s.mean);
            out.metrics.insert(format!("{prefix}.ari.p2_5@{at}"), s.p2_5);
            out.metrics.insert(format!("{prefix}.ari.p97_5@{at}"), s.p97_5);
        }
    }
    out.tables.push(replicate_table(study, &replicates));
    out.summary.push(summary_row(study, model, k, data.noise, split, &spreads));
    Ok(out)
}

/// What a set of bootstrap replicates measured.
pub(super) struct Replicates {
    /// Internal metrics of each replicate, in replicate order.
    pub metrics: Vec<InternalMetrics>,
    /// Per validation column, the ARI of each replicate's labels with that column.
    pub ari_by_label: BTreeMap<String, Vec<f64>>,
}

/// Fits `model` on `n` bootstrap resamples of `rows`, as the parts of `step`.
#[allow(clippy::too_many_arguments)]
pub(super) fn bootstrap_replicates(
    study: &str,
    step: &str,
    model: &ClusterModel,
    k: Option<usize>,
    n: usize,
    rows: &[usize],
    data: StudyData<'_>,
    seed: Seed,
) -> Result<Replicates, StudyError> {
    let resample_seed = seed.derive(0);
    let fit_seed = seed.derive(1);
    let results: Vec<(InternalMetrics, Vec<(String, f64)>)> = fan_out(data, step, n, Order::Parallel, |i| {
        let picks = bootstrap_indices(rows.len(), &mut resample_seed.rng_for(i as u64));
        let resampled: Vec<usize> = picks.iter().map(|&p| rows[p]).collect();
        let x = data.x.select(Axis(0), &resampled);
        let fitted = fit_model(model, k, x.view(), fit_seed.rng_for(i as u64)).map_err(model_error(study))?;
        let aris = agreements(fitted.labels(), &resampled, data.labels, 0, seed, data.noise)
            .into_iter()
            .map(|a| (a.column, a.ari))
            .collect();
        Ok((metrics_of(x.view(), model, fitted.as_ref(), data.noise), aris))
    })?;
    let mut per_column: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for (_, aris) in &results {
        for (column, ari) in aris {
            per_column.entry(column.clone()).or_default().push(*ari);
        }
    }
    Ok(Replicates { metrics: results.into_iter().map(|(m, _)| m).collect(), ari_by_label: per_column })
}

/// Consensus over subsamples: each of `n_subsamples` draws `floor(fraction·n)` rows without
/// replacement and fits the model; every pair of subsamples is compared by ARI on the rows
/// both contain (or, faithful, position by position as the notebook did); the consensus
/// matrix counts how often two rows share a cluster when both were drawn.
pub(super) fn consensus(
    spec: &ConsensusSpec,
    data: StudyData<'_>,
    seed: Seed,
    study: &str,
    best_from_sweep: Option<usize>,
) -> Result<StudyOutput, StudyError> {
    let model = &spec.model;
    let k = model.given_k(spec.k).map(|choice| resolve_k(study, choice, best_from_sweep)).transpose()?;
    let rows = data.split.rows(spec.on);
    let n = rows.len();
    if let Some(k) = k {
        check_k(study, k, ((spec.fraction * n as f64) + 1e-9).floor() as usize, spec.on)?;
    }
    let noise = data.noise;
    let draw_seed = seed.derive(0);
    let fit_seed = seed.derive(1);
    // Each subsample: positions (into `rows`, sorted) and the labels of those positions.
    let step = format!("{study}.subsamples");
    let subsamples: Vec<(Vec<usize>, Vec<Option<usize>>)> =
        fan_out(data, &step, spec.n_subsamples, Order::Parallel, |i| {
            let positions = subsample_indices(n, spec.fraction, &mut draw_seed.rng_for(i as u64));
            let x = data.x.select(Axis(0), &positions.iter().map(|&p| rows[p]).collect::<Vec<_>>());
            let fitted = fit_model(model, k, x.view(), fit_seed.rng_for(i as u64)).map_err(model_error(study))?;
            Ok((positions, fitted.labels().to_vec()))
        })?;

    let pairs: Vec<(usize, usize)> =
        (0..subsamples.len()).flat_map(|i| (i + 1..subsamples.len()).map(move |j| (i, j))).collect();
    let pair_ari: Vec<Option<f64>> = pairs
        .par_iter()
        .map(|&(i, j)| {
            let (a, b) = (&subsamples[i], &subsamples[j]);
            let (la, lb) = match spec.method {
                ConsensusMethod::SharedRows => shared_labels(a, b),
                ConsensusMethod::PositionalAsNotebook => {
                    let m = a.1.len().min(b.1.len());
                    (a.1[..m].to_vec(), b.1[..m].to_vec())
                }
            };
            let (la, lb) = paired_labels(&la, &lb, noise);
            adjusted_rand_score(&la, &lb).ok()
        })
        .collect();
    let aris: Vec<f64> = pair_ari.iter().flatten().copied().collect();

    // Consensus matrix over the split's rows.
    let mut together = Array2::<f64>::zeros((n, n));
    let mut both_drawn = Array2::<f64>::zeros((n, n));
    for (positions, labels) in &subsamples {
        for (ia, &pa) in positions.iter().enumerate() {
            for (ib, &pb) in positions.iter().enumerate() {
                both_drawn[[pa, pb]] += 1.0;
                if same_cluster(labels[ia], labels[ib], noise) {
                    together[[pa, pb]] += 1.0;
                }
            }
        }
    }
    let consensus =
        ndarray::Zip::from(&together).and(&both_drawn).map_collect(|&t, &d| if d > 0.0 { t / d } else { f64::NAN });

    let method = match spec.method {
        ConsensusMethod::SharedRows => "shared_rows",
        ConsensusMethod::PositionalAsNotebook => "positional_as_notebook",
    };
    let split = spec.on.as_str();
    let prefix = format!("{study}.{}", model.name());
    let mut at: Vec<String> = metric_at(model, k, noise, split).split(',').map(str::to_string).collect();
    at.push(format!("method={method}"));
    at.sort();
    let at = at.join(",");
    let mut out = StudyOutput::default();
    if let Some(s) = Spread::of(&aris) {
        for (stat, value) in [("mean", s.mean), ("min", s.min), ("max", s.max), ("p2_5", s.p2_5), ("p97_5", s.p97_5)] {
            out.metrics.insert(format!("{prefix}.pairwise_ari.{stat}@{at}"), value);
        }
        out.metrics.insert(format!("{prefix}.pairwise_ari.n_pairs@{at}"), s.n_valid as f64);
    }
    // Mean consensus within vs across the clusters of a fit on the whole split: how crisp the
    // co-clustering is (1 and 0 for a perfectly stable clustering).
    let x = rows_of(data.x, rows);
    let full = fit_model(model, k, x.view(), fit_seed.rng_for(u64::MAX)).map_err(model_error(study))?;
    let full_labels = full.labels();
    let (within, across) = within_across(&consensus, full_labels, noise);
    out.metrics.insert(format!("{prefix}.consensus_within@{at}"), within);
    out.metrics.insert(format!("{prefix}.consensus_across@{at}"), across);
    out.tables.push(Table {
        name: format!("{study}_pairs"),
        columns: vec![
            Column::int("a", pairs.iter().map(|p| p.0 as i64)),
            Column::int("b", pairs.iter().map(|p| p.1 as i64)),
            Column::float("ari", pair_ari.iter().copied()),
        ],
    });
    let (tables, figures) = describe_clustering(
        &format!("{study}_{}", model.name()),
        &format!(
            "{} clusters{}, one fit on all of {}",
            model.name(),
            k.map_or_else(String::new, |k| format!(" (k = {k})")),
            spec.on.phrase()
        ),
        x.view(),
        rows,
        full_labels,
        &data,
    );
    out.tables.extend(tables);
    out.figures.extend(figures);
    // Heatmap rows ordered by the whole-split clusters, then by row.
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&r| (full_labels[r].map_or(usize::MAX, |c| c), r));
    out.figures.push(Figure::Heatmap {
        name: format!("{study}_matrix"),
        title: format!(
            "Consensus matrix: share of {} subsamples where two recordings share a cluster ({}{})",
            spec.n_subsamples,
            model.name(),
            k.map_or_else(String::new, |k| format!(", k = {k}"))
        ),
        axis_label: format!("{split} recordings, ordered by cluster of a fit on all of them"),
        values: order.iter().map(|&a| order.iter().map(|&b| consensus[[a, b]]).collect()).collect(),
        boundaries: cluster_boundaries(&order, full_labels),
    });
    Ok(out)
}

/// Whether two rows' labels put them in one cluster: noise shares a cluster with noise only
/// when noise is scored as a cluster.
fn same_cluster(a: Option<usize>, b: Option<usize>, noise: NoiseTreatment) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a == b,
        (None, None) => noise == NoiseTreatment::AsClusterAsSklearn,
        _ => false,
    }
}

/// Two labellings of the same rows as ARI sees them: pairs with noise on either side left out,
/// or noise as one more cluster on each side.
fn paired_labels(a: &[Option<usize>], b: &[Option<usize>], noise: NoiseTreatment) -> (Vec<usize>, Vec<usize>) {
    let as_cluster = |l: Option<usize>| l.unwrap_or(usize::MAX);
    a.iter()
        .zip(b)
        .filter(|(x, y)| noise == NoiseTreatment::AsClusterAsSklearn || (x.is_some() && y.is_some()))
        .map(|(&x, &y)| (as_cluster(x), as_cluster(y)))
        .unzip()
}

/// The labels of the rows two subsamples share, in row order.
fn shared_labels<T: Copy>(a: &(Vec<usize>, Vec<T>), b: &(Vec<usize>, Vec<T>)) -> (Vec<T>, Vec<T>) {
    let (mut i, mut j) = (0, 0);
    let (mut la, mut lb) = (Vec::new(), Vec::new());
    while i < a.0.len() && j < b.0.len() {
        match a.0[i].cmp(&b.0[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                la.push(a.1[i]);
                lb.push(b.1[j]);
                i += 1;
                j += 1;
            }
        }
    }
    (la, lb)
}

/// Mean consensus of pairs in the same cluster and in different clusters (diagonal excluded).
fn within_across(consensus: &Array2<f64>, labels: &[Option<usize>], noise: NoiseTreatment) -> (f64, f64) {
    let (mut within, mut n_within, mut across, mut n_across) = (0.0, 0usize, 0.0, 0usize);
    for a in 0..labels.len() {
        for b in 0..labels.len() {
            let v = consensus[[a, b]];
            // Under non_noise_only a noise row is in no cluster: neither within nor across.
            let unscored = noise == NoiseTreatment::NonNoiseOnly && (labels[a].is_none() || labels[b].is_none());
            if a == b || v.is_nan() || unscored {
                continue;
            }
            if same_cluster(labels[a], labels[b], noise) {
                within += v;
                n_within += 1;
            } else {
                across += v;
                n_across += 1;
            }
        }
    }
    let mean = |sum: f64, n: usize| if n > 0 { sum / n as f64 } else { f64::NAN };
    (mean(within, n_within), mean(across, n_across))
}

/// Positions in `order` where the cluster changes.
fn cluster_boundaries(order: &[usize], labels: &[Option<usize>]) -> Vec<usize> {
    (1..order.len()).filter(|&i| labels[order[i]] != labels[order[i - 1]]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_labels_pairs_the_same_recordings() {
        let a = (vec![0, 2, 3, 7], vec![1, 1, 0, 2]);
        let b = (vec![1, 2, 7, 9], vec![5, 6, 7, 8]);
        assert_eq!(shared_labels(&a, &b), (vec![1, 2], vec![6, 7]));
    }

    #[test]
    fn spread_has_numpy_percentiles() {
        let s = Spread::of(&[4.0, 1.0, 3.0, 2.0]).expect("values");
        assert_eq!((s.mean, s.min, s.max), (2.5, 1.0, 4.0));
        assert!((s.p2_5 - 1.075).abs() < 1e-12);
        assert!(Spread::of(&[]).is_none());
    }

    #[test]
    fn within_across_of_a_perfect_consensus() {
        let labels = [Some(0), Some(0), Some(1)];
        let c = ndarray::array![[1.0, 1.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
        assert_eq!(within_across(&c, &labels, NoiseTreatment::NonNoiseOnly), (1.0, 0.0));
    }

    #[test]
    fn noise_pairs_are_dropped_or_scored_as_one_cluster() {
        let a = [Some(0), None, Some(1), None];
        let b = [Some(2), Some(2), None, None];
        assert_eq!(paired_labels(&a, &b, NoiseTreatment::NonNoiseOnly), (vec![0], vec![2]));
        let (la, lb) = paired_labels(&a, &b, NoiseTreatment::AsClusterAsSklearn);
        assert_eq!((la.len(), lb[3]), (4, usize::MAX));
        assert!(!same_cluster(None, None, NoiseTreatment::NonNoiseOnly));
        assert!(same_cluster(None, None, NoiseTreatment::AsClusterAsSklearn));
    }
}

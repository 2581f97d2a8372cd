//! External validation: how well a clustering tracks a label column (ARI, NMI), next to what
//! chance gives (ARI against shuffled labels), so a reader can tell whether clusters follow
//! emotion or merely the speaker.

use std::collections::BTreeMap;

use rand::seq::SliceRandom;

use crate::metrics::{adjusted_rand_score, normalized_mutual_info_score};
use crate::models::NoiseTreatment;
use crate::spec::Seed;

use super::output::{Column, Table};

/// Agreement of one clustering with one label column.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Agreement {
    /// The label column.
    pub column: String,
    /// Adjusted Rand index.
    pub ari: f64,
    /// Normalised mutual information (arithmetic).
    pub nmi: f64,
    /// Mean ARI against shuffled labels.
    pub chance_mean: f64,
    /// 95th percentile of ARI against shuffled labels.
    pub chance_p95: f64,
    /// Share of shuffles with an ARI at least as high as the observed one (+1 smoothed).
    pub p_value: f64,
}

/// Label values of a column mapped to ids (in sorted value order).
fn ids(values: &[&str]) -> Vec<usize> {
    let mut index: BTreeMap<&str, usize> = BTreeMap::new();
    for v in values {
        let next = index.len();
        index.entry(v).or_insert(next);
    }
    values.iter().map(|v| index[v]).collect()
}

/// ARI/NMI of `clusters` (one per row of `rows`) against every label column, with
/// `n_permutations` shuffles for the chance baseline (seeded, one stream per column). Noise
/// rows are left out or are one more cluster, as `noise` says.
pub(super) fn agreements(
    clusters: &[Option<usize>],
    rows: &[usize],
    labels: &[(String, Vec<String>)],
    n_permutations: usize,
    seed: Seed,
    noise: NoiseTreatment,
) -> Vec<Agreement> {
    let (kept, clusters) = noise.apply(clusters);
    let clusters = clusters.as_slice();
    let rows: Vec<usize> = kept.iter().map(|&p| rows[p]).collect();
    labels
        .iter()
        .enumerate()
        .filter_map(|(c, (column, values))| {
            let truth = ids(&rows.iter().map(|&r| values[r].as_str()).collect::<Vec<_>>());
            let ari = adjusted_rand_score(&truth, clusters).ok()?;
            let nmi = normalized_mutual_info_score(&truth, clusters).ok()?;
            let mut rng = seed.rng_for(c as u64);
            let mut shuffled = truth.clone();
            let mut chance: Vec<f64> = (0..n_permutations)
                .filter_map(|_| {
                    shuffled.shuffle(&mut rng);
                    adjusted_rand_score(&shuffled, clusters).ok()
                })
                .collect();
            let n_at_least = chance.iter().filter(|&&v| v >= ari).count();
            chance.sort_by(f64::total_cmp);
            let chance_mean =
                if chance.is_empty() { f64::NAN } else { chance.iter().sum::<f64>() / chance.len() as f64 };
            Some(Agreement {
                column: column.clone(),
                ari,
                nmi,
                chance_mean,
                chance_p95: percentile(&chance, 95.0),
                p_value: (1 + n_at_least) as f64 / (1 + chance.len()) as f64,
            })
        })
        .collect()
}

/// Inserts `prefix.{ari,nmi,ari_chance_mean,ari_chance_p95,ari_p_value}@label=...,split=...`.
pub(super) fn insert_agreements(
    metrics: &mut BTreeMap<String, f64>,
    prefix: &str,
    split: &str,
    agreements: &[Agreement],
) {
    for a in agreements {
        let at = format!("label={},split={split}", a.column);
        for (name, value) in [
            ("ari", a.ari),
            ("nmi", a.nmi),
            ("ari_chance_mean", a.chance_mean),
            ("ari_chance_p95", a.chance_p95),
            ("ari_p_value", a.p_value),
        ] {
            metrics.insert(format!("{prefix}.{name}@{at}"), value);
        }
    }
}

/// A table of agreements, one row per (model, label column).
pub(super) fn agreement_table(name: &str, rows: &[(String, Vec<Agreement>)]) -> Table {
    let flat: Vec<(&String, &Agreement)> = rows.iter().flat_map(|(m, a)| a.iter().map(move |a| (m, a))).collect();
    Table {
        name: name.into(),
        columns: vec![
            Column::text("model", flat.iter().map(|(m, _)| (*m).clone())),
            Column::text("label", flat.iter().map(|(_, a)| a.column.clone())),
            Column::float("ari", flat.iter().map(|(_, a)| Some(a.ari))),
            Column::float("nmi", flat.iter().map(|(_, a)| Some(a.nmi))),
            Column::float("ari_chance_mean", flat.iter().map(|(_, a)| Some(a.chance_mean))),
            Column::float("ari_chance_p95", flat.iter().map(|(_, a)| Some(a.chance_p95))),
            Column::float("ari_p_value", flat.iter().map(|(_, a)| Some(a.p_value))),
        ],
    }
}

/// The `q`-th percentile of sorted values with linear interpolation (numpy's default);
/// NaN when empty.
pub(super) fn percentile(sorted: &[f64], q: f64) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        1 => sorted[0],
        n => {
            let position = q / 100.0 * (n - 1) as f64;
            let lower = position.floor() as usize;
            let upper = (lower + 1).min(n - 1);
            let weight = position - lower as f64;
            sorted[lower] + (sorted[upper] - sorted[lower]) * weight
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_interpolates_like_numpy() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(percentile(&v, 0.0), 1.0);
        assert_eq!(percentile(&v, 100.0), 4.0);
        assert!((percentile(&v, 95.0) - 3.85).abs() < 1e-12);
        assert!(percentile(&[], 50.0).is_nan());
    }

    #[test]
    fn a_clustering_equal_to_the_labels_beats_chance() {
        let values: Vec<String> = (0..40).map(|i| if i < 20 { "a".into() } else { "b".into() }).collect();
        let rows: Vec<usize> = (0..40).collect();
        let clusters: Vec<Option<usize>> = (0..40).map(|i| Some(usize::from(i >= 20))).collect();
        let a = agreements(&clusters, &rows, &[("emotion".into(), values)], 50, Seed(1), NoiseTreatment::NonNoiseOnly);
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].ari, 1.0);
        assert!(a[0].chance_p95 < 0.2, "{}", a[0].chance_p95);
        assert!(a[0].p_value <= 1.0 / 51.0 + 1e-12);
        assert_eq!(
            a,
            agreements(
                &clusters,
                &rows,
                &[("emotion".into(), (0..40).map(|i| if i < 20 { "a".into() } else { "b".into() }).collect())],
                50,
                Seed(1),
                NoiseTreatment::NonNoiseOnly
            )
        );
    }
}

//! What every clustering is shown as: a 2-D PCA view of its split coloured by cluster (noise as
//! its own group), and a cluster × label contingency table per validation column.

use std::collections::BTreeMap;

use ndarray::ArrayView2;

use crate::models::pca;

use super::output::{Column, Figure, Table};

/// The PCA view of `x` (one split's rows) coloured by `labels`; `None` when `x` has fewer than
/// two dimensions of variance to show.
pub(super) fn cluster_scatter(
    name: String,
    title: String,
    x: ArrayView2<f64>,
    labels: &[Option<usize>],
) -> Option<Figure> {
    let projection = pca(x, 2.min(x.ncols())).ok()?;
    if projection.scores.ncols() < 2 {
        return None;
    }
    let n_clusters = crate::models::count_clusters(labels);
    let has_noise = labels.iter().any(Option::is_none);
    let mut legend: Vec<String> = (0..n_clusters).map(|c| format!("cluster {c}")).collect();
    if has_noise {
        legend.push("noise".into());
    }
    let ratio = &projection.explained_variance_ratio;
    Some(Figure::Scatter {
        name,
        title,
        x_label: format!("PC1 ({:.1} % of variance)", 100.0 * ratio[0]),
        y_label: format!("PC2 ({:.1} % of variance)", 100.0 * ratio[1]),
        points: projection
            .scores
            .rows()
            .into_iter()
            .zip(labels)
            .map(|(row, c)| (row[0], row[1], c.unwrap_or(n_clusters)))
            .collect(),
        legend,
        noise: has_noise.then_some(n_clusters),
    })
}

/// For every label column, the count of each (cluster, label value) among `rows`: one row per
/// cluster (and `noise`), one column per label value (sorted), and the cluster's total.
pub(super) fn contingency_tables(
    prefix: &str,
    clusters: &[Option<usize>],
    rows: &[usize],
    labels: &[(String, Vec<String>)],
) -> Vec<Table> {
    let mut cluster_names: Vec<Option<usize>> = clusters.to_vec();
    cluster_names.sort_unstable_by_key(|c| c.map_or(usize::MAX, |c| c));
    cluster_names.dedup();
    labels
        .iter()
        .map(|(column, values)| {
            let mut counts: BTreeMap<&str, BTreeMap<Option<usize>, i64>> = BTreeMap::new();
            for (&row, &cluster) in rows.iter().zip(clusters) {
                *counts.entry(values[row].as_str()).or_default().entry(cluster).or_default() += 1;
            }
            let mut columns = vec![Column::text(
                "cluster",
                cluster_names.iter().map(|c| c.map_or_else(|| "noise".to_string(), |c| c.to_string())),
            )];
            for (value, by_cluster) in &counts {
                columns.push(Column::int(value, cluster_names.iter().map(|c| by_cluster.get(c).copied().unwrap_or(0))));
            }
            columns.push(Column::int(
                "total",
                cluster_names.iter().map(|c| clusters.iter().filter(|&x| x == c).count() as i64),
            ));
            Table { name: format!("{prefix}_vs_{column}"), columns }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::study::output::Values;

    #[test]
    fn contingency_counts_each_cluster_and_label_with_noise_last() {
        let labels = vec![("emotion".to_string(), vec!["sad".into(), "calm".into(), "sad".into(), "sad".into()])];
        let tables = contingency_tables("c_kmeans", &[None, Some(1), Some(0), Some(1)], &[0, 1, 2, 3], &labels);
        assert_eq!(tables[0].name, "c_kmeans_vs_emotion");
        let values: Vec<&Values> = tables[0].columns.iter().map(|c| &c.values).collect();
        assert_eq!(values[0], &Values::Text(vec!["0".into(), "1".into(), "noise".into()]));
        assert_eq!(values[1], &Values::Int(vec![0, 1, 0])); // calm
        assert_eq!(values[2], &Values::Int(vec![1, 1, 1])); // sad
        assert_eq!(values[3], &Values::Int(vec![1, 2, 1])); // total
    }
}

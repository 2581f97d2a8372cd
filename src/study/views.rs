//! What every clustering is shown as: a 2-D PCA view of its split coloured by cluster (noise as
//! its own group), a cluster × label contingency table per validation column, and a profile of
//! each cluster (its size, its medoid recording and its mean of every feature): what makes
//! cluster 2 cluster 2, and which recording to listen to.

use std::collections::BTreeMap;

use ndarray::ArrayView2;

use crate::models::pca;

use super::output::{Column, Figure, MatrixScale, Table};

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

/// The profile table — one row per cluster (then `noise`): its size, its medoid (the member
/// with the smallest sum of Euclidean distances to the other members; ties to the first row) as
/// a file name, and the mean of every feature column of `x` over its members — and the same
/// means as a clusters × features heatmap titled `title`. `x` holds the rows `rows` (in order)
/// as the model saw them; `file_names` names every row of the run.
pub(super) fn cluster_profile(
    name: String,
    title: String,
    x: ArrayView2<f64>,
    rows: &[usize],
    clusters: &[Option<usize>],
    feature_names: &[String],
    file_names: &[String],
) -> (Table, Figure) {
    let mut ids: Vec<Option<usize>> = clusters.to_vec();
    ids.sort_unstable_by_key(|c| c.map_or(usize::MAX, |c| c));
    ids.dedup();
    let members: Vec<Vec<usize>> =
        ids.iter().map(|id| (0..clusters.len()).filter(|&p| clusters[p] == *id).collect()).collect();
    let medoid = |positions: &[usize]| -> usize {
        let cost = |a: usize| -> f64 {
            positions
                .iter()
                .map(|&b| x.row(a).iter().zip(x.row(b)).map(|(u, v)| (u - v) * (u - v)).sum::<f64>().sqrt())
                .sum()
        };
        positions.iter().copied().min_by(|&a, &b| cost(a).total_cmp(&cost(b))).expect("a cluster has members")
    };
    let mut columns = vec![
        Column::text("cluster", ids.iter().map(|c| c.map_or_else(|| "noise".to_string(), |c| c.to_string()))),
        Column::int("size", members.iter().map(|m| m.len() as i64)),
        Column::text(
            "medoid_file",
            ids.iter().zip(&members).map(|(id, m)| {
                if id.is_some() {
                    file_names[rows[medoid(m)]].clone()
                } else {
                    String::new()
                }
            }),
        ),
    ];
    let means: Vec<Vec<f64>> = members
        .iter()
        .map(|m| (0..feature_names.len()).map(|f| m.iter().map(|&p| x[[p, f]]).sum::<f64>() / m.len() as f64).collect())
        .collect();
    for (f, feature) in feature_names.iter().enumerate() {
        columns.push(Column::float(feature, means.iter().map(|row| Some(row[f]))));
    }
    let row_labels: Vec<String> = ids
        .iter()
        .zip(&members)
        .map(|(id, m)| match id {
            Some(c) => format!("cluster {c} ({})", m.len()),
            None => format!("noise ({})", m.len()),
        })
        .collect();
    let figure = Figure::Matrix {
        name: name.clone(),
        title,
        value_label: "mean".into(),
        row_labels,
        col_labels: feature_names.to_vec(),
        values: means,
        scale: MatrixScale::Diverging,
        cell_text: Vec::new(),
        axis_labels: [String::new(), String::new()],
    };
    (Table { name, columns }, figure)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::study::output::Values;

    #[test]
    fn a_profile_has_each_clusters_size_medoid_and_means() {
        let x = ndarray::array![[0.0, 1.0], [1.0, 1.0], [2.0, 1.0], [10.0, 0.0], [50.0, 0.0]];
        let files: Vec<String> = ["a", "b", "c", "d", "e", "f"].iter().map(|s| (*s).to_string()).collect();
        let names = vec!["loudness".to_string(), "pitch".to_string()];
        let clusters = [Some(0), Some(0), Some(0), Some(1), None];
        let (table, figure) =
            cluster_profile("p".into(), "t".into(), x.view(), &[1, 2, 3, 4, 5], &clusters, &names, &files);
        assert!(matches!(figure, Figure::Matrix { ref row_labels, .. } if row_labels[2] == "noise (1)"));
        let values: Vec<&Values> = table.columns.iter().map(|c| &c.values).collect();
        assert_eq!(values[0], &Values::Text(vec!["0".into(), "1".into(), "noise".into()]));
        assert_eq!(values[1], &Values::Int(vec![3, 1, 1]));
        // The middle of 0, 1, 2 is the medoid: position 1, row 2, file "c".
        assert_eq!(values[2], &Values::Text(vec!["c".into(), "e".into(), String::new()]));
        assert_eq!(values[3], &Values::Float(vec![Some(1.0), Some(10.0), Some(50.0)]));
        assert_eq!(table.columns[4].name, "pitch");
    }

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

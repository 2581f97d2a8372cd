//! What every clustering is shown as: a 2-D PCA view of its split coloured by cluster (noise as
//! its own group), a cluster × label contingency table and heatmap per validation column, and a
//! profile of each cluster (its size, its medoid recording and its mean of every feature): what
//! makes cluster 2 cluster 2, and which recording to listen to. [`describe_clustering`] gives
//! every study that ends in one clustering (k_sweep's best k, grid, compare, consensus) the
//! same tables and figures.

use ndarray::ArrayView2;

use crate::models::pca;

use super::output::{Column, Figure, MatrixScale, Table};
use super::StudyData;

/// The contingency tables and heatmaps and the profile table and heatmap of one clustering of
/// the rows `rows` (held in `x`, as the model saw them): outputs named `<prefix>_vs_<column>`
/// and `<prefix>_profile`, figures titled with `what` (e.g. `kmeans clusters (k = 4), the
/// training split`).
pub(super) fn describe_clustering(
    prefix: &str,
    what: &str,
    x: ArrayView2<f64>,
    rows: &[usize],
    clusters: &[Option<usize>],
    data: &StudyData<'_>,
) -> (Vec<Table>, Vec<Figure>) {
    let (mut tables, mut figures) = (Vec::new(), Vec::new());
    for (column, labels) in data.labels {
        let contingency = Contingency::new(clusters, rows, labels);
        tables.push(contingency.table(format!("{prefix}_vs_{column}")));
        figures.push(contingency.heatmap(
            format!("{prefix}_vs_{column}"),
            format!("{what}: members by {column}"),
            column,
        ));
    }
    let scaled = if data.scale == crate::spec::Scale::None { "" } else { " standardised" };
    let (profile, profile_figure) = cluster_profile(
        format!("{prefix}_profile"),
        format!("{what}: mean of each{scaled} feature"),
        x,
        rows,
        clusters,
        data.feature_names,
        data.file_names,
    );
    tables.push(profile);
    figures.push(profile_figure);
    (tables, figures)
}

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

/// The count of each (cluster, label value) among the rows of one clustering: clusters
/// ascending then noise, label values sorted (numerically when every value is a number).
struct Contingency {
    clusters: Vec<Option<usize>>,
    values: Vec<String>,
    /// `counts[cluster][value]`.
    counts: Vec<Vec<i64>>,
}

impl Contingency {
    fn new(clusters: &[Option<usize>], rows: &[usize], labels: &[String]) -> Self {
        let mut ids: Vec<Option<usize>> = clusters.to_vec();
        ids.sort_unstable_by_key(|c| c.map_or(usize::MAX, |c| c));
        ids.dedup();
        let values = super::sorted_labels(rows.iter().map(|&r| labels[r].as_str()));
        let mut counts = vec![vec![0_i64; values.len()]; ids.len()];
        for (&row, cluster) in rows.iter().zip(clusters) {
            let c = ids.binary_search_by_key(&cluster.map_or(usize::MAX, |c| c), |c| c.map_or(usize::MAX, |c| c));
            let v = values.iter().position(|v| *v == labels[row]);
            counts[c.expect("listed cluster")][v.expect("listed value")] += 1;
        }
        Self { clusters: ids, values, counts }
    }

    fn cluster_names(&self) -> impl Iterator<Item = String> + '_ {
        self.clusters.iter().map(|c| c.map_or_else(|| "noise".to_string(), |c| c.to_string()))
    }

    fn totals(&self) -> Vec<i64> {
        self.counts.iter().map(|row| row.iter().sum()).collect()
    }

    /// One row per cluster, one column per label value, and the cluster's total.
    fn table(&self, name: String) -> Table {
        let mut columns = vec![Column::text("cluster", self.cluster_names())];
        for (v, value) in self.values.iter().enumerate() {
            columns.push(Column::int(value, self.counts.iter().map(|row| row[v])));
        }
        columns.push(Column::int("total", self.totals()));
        Table { name, columns }
    }

    /// Clusters × label values, each cell coloured by its share of the cluster's members with
    /// the count written in it.
    fn heatmap(&self, name: String, title: String, column: &str) -> Figure {
        let totals = self.totals();
        Figure::Matrix {
            name,
            title,
            value_label: "share".into(),
            row_labels: self
                .cluster_names()
                .zip(&totals)
                .map(|(c, n)| if c == "noise" { format!("noise ({n})") } else { format!("cluster {c} ({n})") })
                .collect(),
            col_labels: self.values.clone(),
            values: self
                .counts
                .iter()
                .zip(&totals)
                .map(|(row, &total)| row.iter().map(|&n| n as f64 / total.max(1) as f64).collect())
                .collect(),
            scale: MatrixScale::Share,
            cell_text: self.counts.iter().map(|row| row.iter().map(i64::to_string).collect()).collect(),
            axis_labels: ["cluster (members)".into(), column.into()],
        }
    }
}

/// The profile table — one row per cluster (then `noise`): its size, its medoid (the member
/// with the smallest sum of Euclidean distances to the other members; ties to the first row) as
/// a file name, and the mean of every feature column of `x` over its members — and the same
/// means as a clusters × features heatmap titled `title`. `x` holds the rows `rows` (in order)
/// as the model saw them; `file_names` names every row of the run.
fn cluster_profile(
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
        let emotion: Vec<String> = ["sad", "calm", "sad", "sad"].map(String::from).to_vec();
        let contingency = Contingency::new(&[None, Some(1), Some(0), Some(1)], &[0, 1, 2, 3], &emotion);
        let table = contingency.table("c_kmeans_vs_emotion".into());
        let values: Vec<&Values> = table.columns.iter().map(|c| &c.values).collect();
        assert_eq!(values[0], &Values::Text(vec!["0".into(), "1".into(), "noise".into()]));
        assert_eq!(values[1], &Values::Int(vec![0, 1, 0])); // calm
        assert_eq!(values[2], &Values::Int(vec![1, 1, 1])); // sad
        assert_eq!(values[3], &Values::Int(vec![1, 2, 1])); // total
        let actors: Vec<String> = ["10", "3", "11", "3"].map(String::from).to_vec();
        let by_actor = Contingency::new(&[Some(0); 4], &[0, 1, 2, 3], &actors);
        assert_eq!(by_actor.values, ["3", "10", "11"]);
        assert_eq!(by_actor.counts, [[2, 1, 1]]);
        // The heatmap shows each cluster's shares, its counts written in the cells.
        match contingency.heatmap("h".into(), "t".into(), "emotion") {
            Figure::Matrix { row_labels, col_labels, values, cell_text, .. } => {
                assert_eq!(row_labels, ["cluster 0 (1)", "cluster 1 (2)", "noise (1)"]);
                assert_eq!(col_labels, ["calm", "sad"]);
                assert_eq!(values, [[0.0, 1.0], [0.5, 0.5], [0.0, 1.0]]);
                assert_eq!(cell_text[1], ["1", "1"]);
            }
            other => panic!("{other:?}"),
        }
    }
}

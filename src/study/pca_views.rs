//! PCA views of the feature space: 2-D and 3-D projections (the 3-D view as two extra 2-D
//! panels), scree and cumulative explained variance, and the loadings table.

use crate::models::pca;
use crate::spec::PcaSpec;

use super::output::{Column, Figure, StudyOutput, Table};
use super::{label_groups, rows_of, StudyData, StudyError};

pub(super) fn pca_views(spec: &PcaSpec, data: StudyData<'_>, study: &str) -> Result<StudyOutput, StudyError> {
    let rows = data.split.rows(spec.on);
    let x = rows_of(data.x, rows);
    let n_components = spec.n_components.min(x.ncols()).min(x.nrows().saturating_sub(1)).max(2);
    let projection =
        pca(x.view(), n_components).map_err(|source| StudyError::Model { study: study.to_string(), source })?;
    let n = projection.scores.ncols();
    let ratio = &projection.explained_variance_ratio;
    let mut out = StudyOutput::default();
    let mut cumulative = 0.0;
    let mut cumulative_values = Vec::with_capacity(n);
    for (c, &r) in ratio.iter().enumerate() {
        cumulative += r;
        cumulative_values.push(cumulative);
        out.metrics.insert(format!("{study}.explained_variance_ratio@component={}", c + 1), r);
        out.metrics.insert(format!("{study}.cumulative_explained_variance@component={}", c + 1), cumulative);
    }
    out.tables.push(Table {
        name: format!("{study}_variance"),
        columns: vec![
            Column::int("component", (1..=n).map(|c| c as i64)),
            Column::float("explained_variance_ratio", ratio.iter().map(|&r| Some(r))),
            Column::float("cumulative", cumulative_values.iter().map(|&c| Some(c))),
        ],
    });
    let mut loadings = vec![Column::text("feature", data.feature_names.iter().cloned())];
    for (c, component) in projection.components.rows().into_iter().enumerate() {
        loadings.push(Column::float(&format!("pc{}", c + 1), component.iter().map(|&v| Some(v))));
    }
    out.tables.push(Table { name: format!("{study}_loadings"), columns: loadings });
    // The five features with the largest absolute loading on each component.
    let mut top = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (c, component) in projection.components.rows().into_iter().enumerate().take(3) {
        let mut order: Vec<usize> = (0..component.len()).collect();
        order.sort_by(|&a, &b| component[b].abs().total_cmp(&component[a].abs()).then(a.cmp(&b)));
        for (rank, &f) in order.iter().take(5).enumerate() {
            top.0.push(format!("pc{}", c + 1));
            top.1.push(rank as i64 + 1);
            top.2.push(data.feature_names.get(f).cloned().unwrap_or_else(|| format!("feature{f}")));
            top.3.push(Some(component[f]));
        }
    }
    out.tables.push(Table {
        name: format!("{study}_top_loadings"),
        columns: vec![
            Column::text("component", top.0),
            Column::int("rank", top.1),
            Column::text("feature", top.2),
            Column::float("loading", top.3),
        ],
    });
    out.figures.push(Figure::Line {
        name: format!("{study}_scree"),
        title: format!("Scree: explained variance by component ({})", spec.on.phrase()),
        x_label: "principal component".into(),
        y_label: "share of total variance".into(),
        series: vec![
            ("explained".into(), (0..n).map(|c| ((c + 1) as f64, ratio[c])).collect()),
            ("cumulative".into(), (0..n).map(|c| ((c + 1) as f64, cumulative_values[c])).collect()),
        ],
        highlight_x: None,
    });

    // Colour by a label column when asked (legend = its values), else one group.
    let (groups, legend): (Vec<usize>, Vec<String>) =
        match spec.color_by.as_ref().and_then(|c| data.labels.iter().find(|(name, _)| name == c)) {
            Some((column, values)) => label_groups(column, values, rows),
            None => (vec![0; rows.len()], vec!["recording".into()]),
        };
    let coloured = spec.color_by.as_deref().map_or(String::new(), |c| format!(", coloured by {c}"));
    for (a, b) in [(0, 1), (0, 2), (1, 2)] {
        if b >= n {
            continue;
        }
        out.figures.push(Figure::Scatter {
            name: format!("{study}_pc{}_pc{}", a + 1, b + 1),
            title: format!("PCA, PC{} vs PC{}{coloured}", a + 1, b + 1),
            x_label: format!("PC{} ({:.1} % of variance)", a + 1, 100.0 * ratio[a]),
            y_label: format!("PC{} ({:.1} % of variance)", b + 1, 100.0 * ratio[b]),
            points: (0..rows.len())
                .map(|i| (projection.scores[[i, a]], projection.scores[[i, b]], groups[i]))
                .collect(),
            legend: legend.clone(),
            noise: None,
        });
    }
    Ok(out)
}

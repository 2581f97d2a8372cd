//! The `projection` study: a 2-D view of one split (PCA or t-SNE), drawn once per validation
//! label column, and how far to trust it (`metrics::trustworthiness`, plus t-SNE's KL
//! divergence).

use crate::metrics::trustworthiness;
use crate::models::pca;
use crate::spec::{ProjectionMethod, ProjectionSpec, Seed};

use super::output::{Column, Figure, StudyOutput, Table};
use super::{label_groups, rows_of, StudyData, StudyError};

pub(super) fn projection(
    spec: &ProjectionSpec,
    data: StudyData<'_>,
    seed: Seed,
    study: &str,
) -> Result<StudyOutput, StudyError> {
    let rows = data.split.rows(spec.on);
    let x = rows_of(data.x, rows);
    let model_error = |source| StudyError::Model { study: study.to_string(), source };
    let method = spec.method.as_str();
    let split = spec.on.as_str();
    let mut out = StudyOutput::default();
    let (embedding, axes) = match spec.method {
        ProjectionMethod::Pca => {
            let projection = pca(x.view(), 2).map_err(model_error)?;
            let ratio = &projection.explained_variance_ratio;
            let axes = [
                format!("PC1 ({:.1} % of variance)", 100.0 * ratio[0]),
                format!("PC2 ({:.1} % of variance)", 100.0 * ratio[1]),
            ];
            (projection.scores, axes)
        }
        ProjectionMethod::Tsne => {
            let fitted = spec.tsne.fit(x.view(), &mut seed.rng_for(0)).map_err(model_error)?;
            out.metrics.insert(format!("{study}.tsne.kl_divergence@split={split}"), fitted.kl_divergence);
            out.metrics.insert(format!("{study}.tsne.n_iter@split={split}"), fitted.n_iter as f64);
            (fitted.embedding, ["t-SNE 1 (no unit)".to_string(), "t-SNE 2 (no unit)".to_string()])
        }
    };
    let k = spec.trustworthiness_neighbors;
    // Defined for k < n / 2 only (scikit-learn's rule); a smaller split simply has no score.
    if let Ok(score) = trustworthiness(x.view(), embedding.view(), k) {
        out.metrics.insert(format!("{study}.{method}.trustworthiness@n_neighbors={k},split={split}"), score);
    }
    out.tables.push(Table {
        name: format!("{study}_{method}_embedding"),
        columns: vec![
            Column::int("row", rows.iter().map(|&r| r as i64)),
            Column::float("x", embedding.column(0).iter().map(|&v| Some(v))),
            Column::float("y", embedding.column(1).iter().map(|&v| Some(v))),
        ],
    });
    let method_title = match spec.method {
        ProjectionMethod::Pca => "PCA",
        ProjectionMethod::Tsne => "t-SNE",
    };
    let mut colourings: Vec<(String, Vec<usize>, Vec<String>)> = data
        .labels
        .iter()
        .map(|(column, values)| {
            let (groups, legend) = label_groups(column, values, rows);
            (column.clone(), groups, legend)
        })
        .collect();
    if colourings.is_empty() {
        colourings.push(("recording".into(), vec![0; rows.len()], vec!["recording".into()]));
    }
    for (column, groups, legend) in colourings {
        out.figures.push(Figure::Scatter {
            name: format!("{study}_{method}_{column}"),
            title: format!("{method_title} of {}, coloured by {column}", spec.on.phrase()),
            x_label: axes[0].clone(),
            y_label: axes[1].clone(),
            points: (0..rows.len()).map(|i| (embedding[[i, 0]], embedding[[i, 1]], groups[i])).collect(),
            legend,
            noise: None,
        });
    }
    Ok(out)
}

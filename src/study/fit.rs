//! Studies' side of the model seam: fit a [`ClusterModel`] on some rows, label held-out rows by
//! the model's rule, and name the metrics of a fit (`k=…,noise=…,split=…`).

use ndarray::ArrayView2;
use rand_chacha::ChaCha8Rng;

use crate::models::{ClusterModel, Clustering, HoldoutRule, ModelError, NoiseTreatment};
use crate::spec::SplitName;

use super::output::Assignment;
use super::{rows_of, StudyData, StudyError};

/// Fits `model` with `k` clusters (none for a model that finds its own) on the rows of `x`.
pub(super) fn fit_model(
    model: &ClusterModel,
    k: Option<usize>,
    x: ArrayView2<f64>,
    mut rng: ChaCha8Rng,
) -> Result<Box<dyn Clustering>, ModelError> {
    model.fit(k, x, &mut rng)
}

/// The error of a fit inside `study`.
pub(super) fn model_error(study: &str) -> impl Fn(ModelError) -> StudyError + '_ {
    move |source| StudyError::Model { study: study.to_string(), source }
}

/// Labels of held-out rows: the model's own out-of-sample rule, or (agglomerative, faithful) a
/// model refitted on the held-out rows themselves, as the notebook did. `None` when the model
/// has no such rule (DBSCAN, OPTICS).
pub(super) fn holdout_labels(
    model: &ClusterModel,
    k: Option<usize>,
    fitted: &dyn Clustering,
    x_holdout: ArrayView2<f64>,
    rng: ChaCha8Rng,
) -> Result<Option<Vec<Option<usize>>>, ModelError> {
    if let ClusterModel::Agglomerative(settings) = model {
        if settings.holdout == HoldoutRule::RefitAsNotebook {
            return Ok(Some(fit_model(model, k, x_holdout, rng)?.labels().to_vec()));
        }
    }
    Ok(fitted.predict(x_holdout))
}

/// Every row's cluster: the fitted rows their own, rows of the other splits by
/// [`holdout_labels`] (left out when the model cannot assign them).
pub(super) fn assign_all(
    name: String,
    model: &ClusterModel,
    k: Option<usize>,
    fitted: &dyn Clustering,
    fitted_on: SplitName,
    data: StudyData<'_>,
    rng: ChaCha8Rng,
) -> Result<Assignment, ModelError> {
    let rows = data.split.rows(fitted_on);
    let mut clusters: Vec<(usize, Option<usize>)> = rows.iter().copied().zip(fitted.labels().iter().copied()).collect();
    for part in SplitName::PARTS {
        let held_out = data.split.rows(part);
        if fitted_on.contains(part) || held_out.is_empty() {
            continue;
        }
        if let Some(labels) = holdout_labels(model, k, fitted, rows_of(data.x, held_out).view(), rng.clone())? {
            clusters.extend(held_out.iter().copied().zip(labels));
        }
    }
    clusters.sort_unstable();
    Ok(Assignment { name, clusters })
}

/// The qualifiers of a fit's metric keys, alphabetically: `k=4,split=train`, with
/// `noise=<treatment>` for a model that can label noise, and without `k` for a model that
/// finds its own number of clusters.
pub(super) fn metric_at(model: &ClusterModel, k: Option<usize>, noise: NoiseTreatment, split: &str) -> String {
    let mut parts = Vec::new();
    if let Some(k) = k {
        parts.push(format!("k={k}"));
    }
    if model.can_emit_noise() {
        parts.push(format!("noise={}", noise.as_str()));
    }
    parts.push(format!("split={split}"));
    parts.join(",")
}

/// The noise treatment a model's metrics state: `None` for a model that never labels noise.
pub(super) fn stated_noise(model: &ClusterModel, noise: NoiseTreatment) -> Option<NoiseTreatment> {
    model.can_emit_noise().then_some(noise)
}

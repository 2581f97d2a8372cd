//! `cnn_boosting`: gradient-boosted trees on a CNN's penultimate-layer embeddings (the
//! notebook's §9.4, "Integrating CNN with XGBoost"), cross-fitted so the trees never learn from
//! embeddings of rows the network was fitted on.
//!
//! Embeddings of a network's own training rows are cleaner than those of new rows (it has
//! fitted them), so trees trained on them learn a mapping that new rows do not follow. Plain
//! out-of-fold stacking (each row embedded by a network trained without it, then one set of
//! trees on all of them) does not work for embeddings either: networks trained on different
//! rows do not share axes — unit 5 of one means nothing in another — whereas stacked class
//! probabilities would. So the training rows are split into `inner_folds` parts and each part
//! makes one member: a network trained on the other parts, and trees trained on that network's
//! embeddings of the part. A new row's probabilities are the members' mean. Every training row
//! trains `inner_folds − 1` networks and one set of trees; no tree sees an embedding from a
//! network that trained on its row.
//!
//! Parts are grouped (no speaker in two parts) when the study groups rows, else stratified by
//! class. The notebook extracted its features with a network it never trained (random
//! weights); `untrained_cnn = true` does that, with one member on every training row.

use ndarray::{Array2, ArrayView2, Axis};
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::boosting::{fit_trees, BoostingParams};
use super::cnn::{fit_cnn, CnnParams, FittedCnn};
use super::{FittedClassifier, TrainingSet};
use crate::models::ModelError;
use crate::split::group_kfold;

/// `cnn_boosting`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct CnnBoostingParams {
    /// The network whose embeddings the trees read. Default: the small network, 30 epochs.
    pub cnn: CnnParams,
    /// The trees. Default: perpetual, balanced.
    pub boosting: BoostingParams,
    /// Members of the cross-fit (parts of the training rows). Default: 3.
    pub inner_folds: usize,
    /// Embed with the network as initialised, never trained (the notebook's §9.4 as written).
    /// Default: false.
    pub untrained_cnn: bool,
}

impl Default for CnnBoostingParams {
    fn default() -> Self {
        Self { cnn: CnnParams::default(), boosting: BoostingParams::default(), inner_folds: 3, untrained_cnn: false }
    }
}

impl CnnBoostingParams {
    pub(super) fn validate(&self) -> Result<(), ModelError> {
        self.cnn.validate()?;
        self.boosting.validate()?;
        if self.inner_folds < 2 {
            return Err(ModelError::InvalidParam {
                param: "inner_folds",
                rule: "must be ≥ 2 (each member's trees need rows its network did not train on)",
                value: self.inner_folds.to_string(),
            });
        }
        Ok(())
    }
}

/// One network and the trees fitted on its embeddings of rows it never trained on.
struct Member {
    cnn: FittedCnn,
    trees: Box<dyn FittedClassifier>,
}

/// The cross-fitted members; probabilities are their mean.
pub(super) struct CnnBoosted {
    members: Vec<Member>,
}

/// The training rows held out by each member: grouped parts when the rows carry groups (and
/// there are enough of them), else each class's rows shuffled and dealt round the parts.
fn held_out_parts(
    train: &TrainingSet<'_>,
    n_parts: usize,
    rng: &mut ChaCha8Rng,
) -> Result<Vec<Vec<usize>>, ModelError> {
    if let Some(groups) = train.groups {
        if let Ok(folds) = group_kfold(groups, n_parts) {
            return Ok(folds.into_iter().map(|fold| fold.test).collect());
        }
    }
    let mut parts = vec![Vec::new(); n_parts];
    let mut next = 0;
    for class in 0..train.n_classes {
        let mut rows: Vec<usize> = (0..train.y.len()).filter(|&r| train.y[r] == class).collect();
        rows.shuffle(rng);
        for row in rows {
            parts[next % n_parts].push(row);
            next += 1;
        }
    }
    if parts.iter().any(Vec::is_empty) {
        return Err(ModelError::Fit {
            model: "cnn_boosting",
            reason: format!("{} training rows cannot make {n_parts} inner folds", train.y.len()),
        });
    }
    for part in &mut parts {
        part.sort_unstable();
    }
    Ok(parts)
}

/// Trains the network on `cnn_rows` and the trees on its embeddings of `tree_rows`.
fn member(
    params: &CnnBoostingParams,
    train: &TrainingSet<'_>,
    cnn_rows: &[usize],
    tree_rows: &[usize],
    rng: &mut ChaCha8Rng,
) -> Result<Member, ModelError> {
    let cnn_x = train.x.select(Axis(0), cnn_rows);
    let cnn_y: Vec<usize> = cnn_rows.iter().map(|&r| train.y[r]).collect();
    let cnn_params =
        CnnParams { epochs: if params.untrained_cnn { 0 } else { params.cnn.epochs }, ..params.cnn.clone() };
    let cnn_set = TrainingSet {
        x: cnn_x.view(),
        y: &cnn_y,
        n_classes: train.n_classes,
        val: train.val.map(|(x, y)| (x.reborrow(), y)),
        image_shape: train.image_shape,
        groups: None,
    };
    let cnn = fit_cnn(&cnn_params, cnn_set, rng)?;
    let embedded = cnn.embed(train.x.select(Axis(0), tree_rows).view());
    let tree_y: Vec<usize> = tree_rows.iter().map(|&r| train.y[r]).collect();
    let tree_set = TrainingSet {
        x: embedded.view(),
        y: &tree_y,
        n_classes: train.n_classes,
        val: None,
        image_shape: None,
        groups: None,
    };
    let trees = fit_trees(&params.boosting, tree_set, rng)?;
    Ok(Member { cnn, trees })
}

pub(super) fn fit_cnn_boosting(
    params: &CnnBoostingParams,
    train: TrainingSet<'_>,
    rng: &mut ChaCha8Rng,
) -> Result<CnnBoosted, ModelError> {
    if params.untrained_cnn {
        let all: Vec<usize> = (0..train.y.len()).collect();
        return Ok(CnnBoosted { members: vec![member(params, &train, &all, &all, rng)?] });
    }
    let parts = held_out_parts(&train, params.inner_folds, rng)?;
    let members = parts
        .iter()
        .map(|held| {
            let kept: Vec<usize> = (0..train.y.len()).filter(|r| held.binary_search(r).is_err()).collect();
            member(params, &train, &kept, held, rng)
        })
        .collect::<Result<_, _>>()?;
    Ok(CnnBoosted { members })
}

impl FittedClassifier for CnnBoosted {
    fn predict_proba(&self, x: ArrayView2<f64>) -> Result<Array2<f64>, ModelError> {
        let mut mean: Option<Array2<f64>> = None;
        for m in &self.members {
            let proba = m.trees.predict_proba(m.cnn.embed(x).view())?;
            mean = Some(mean.map_or(proba.clone(), |sum| sum + proba));
        }
        Ok(mean.expect("at least one member") / self.members.len() as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    /// 48 images of 16 × 16 in 3 classes: a bright bar at a class-specific height, plus noise;
    /// 8 "speakers" of 6 rows each.
    fn toy() -> (Array2<f64>, Vec<usize>, Vec<String>) {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let y: Vec<usize> = (0..48).map(|i| i % 3).collect();
        let x = Array2::from_shape_fn((48, 256), |(i, j)| {
            let r = j / 16;
            if (4 * y[i] + 2..4 * y[i] + 5).contains(&r) {
                1.0
            } else {
                0.3 * rng.gen::<f64>()
            }
        });
        let groups = (0..48).map(|i| format!("s{}", i / 6)).collect();
        (x, y, groups)
    }

    fn params() -> CnnBoostingParams {
        CnnBoostingParams {
            cnn: CnnParams { epochs: 4, batch_size: 8, patience: 0, ..CnnParams::default() },
            boosting: BoostingParams { budget: 0.3, ..BoostingParams::default() },
            ..CnnBoostingParams::default()
        }
    }

    #[test]
    fn grouped_parts_keep_each_speaker_in_one_part_and_cover_every_row() {
        let (x, y, groups) = toy();
        let set = TrainingSet {
            x: x.view(),
            y: &y,
            n_classes: 3,
            val: None,
            image_shape: Some([16, 16]),
            groups: Some(&groups),
        };
        let parts = held_out_parts(&set, 3, &mut ChaCha8Rng::seed_from_u64(0)).unwrap();
        let mut all: Vec<usize> = parts.concat();
        all.sort_unstable();
        assert_eq!(all, (0..48).collect::<Vec<_>>());
        for part in &parts {
            for other in parts.iter().filter(|p| *p != part) {
                assert!(part.iter().all(|&r| other.iter().all(|&o| groups[o] != groups[r])));
            }
        }
        let ungrouped = TrainingSet { groups: None, ..set };
        let parts = held_out_parts(&ungrouped, 3, &mut ChaCha8Rng::seed_from_u64(0)).unwrap();
        for part in &parts {
            assert_eq!(part.len(), 16);
            assert!((0..3).all(|c| part.iter().filter(|&&r| y[r] == c).count() >= 5), "stratified: {part:?}");
        }
    }

    #[test]
    fn cross_fitted_members_learn_the_classes_and_a_seed_gives_the_same_probabilities() {
        let (x, y, groups) = toy();
        let set = TrainingSet {
            x: x.view(),
            y: &y,
            n_classes: 3,
            val: None,
            image_shape: Some([16, 16]),
            groups: Some(&groups),
        };
        let fit = || fit_cnn_boosting(&params(), set, &mut ChaCha8Rng::seed_from_u64(5)).unwrap();
        let fitted = fit();
        assert_eq!(fitted.members.len(), 3);
        let proba = fitted.predict_proba(x.view()).unwrap();
        assert!(proba.rows().into_iter().all(|r| (r.sum() - 1.0).abs() < 1e-9));
        let right = super::super::argmax_rows(&proba).iter().zip(&y).filter(|(p, t)| p == t).count();
        assert!(right >= 40, "{right} of 48");
        assert_eq!(fit().predict_proba(x.view()).unwrap(), proba);
    }

    #[test]
    fn the_notebooks_untrained_network_makes_one_member_on_every_row() {
        let (x, y, _) = toy();
        let set =
            TrainingSet { x: x.view(), y: &y, n_classes: 3, val: None, image_shape: Some([16, 16]), groups: None };
        let untrained = CnnBoostingParams { untrained_cnn: true, ..params() };
        let fitted = fit_cnn_boosting(&untrained, set, &mut ChaCha8Rng::seed_from_u64(5)).unwrap();
        assert_eq!(fitted.members.len(), 1);
        assert!(fitted.members[0].cnn.history().is_empty(), "no epoch trained");
    }

    #[test]
    fn one_inner_fold_is_refused() {
        let params = CnnBoostingParams { inner_folds: 1, ..CnnBoostingParams::default() };
        assert!(params.validate().unwrap_err().to_string().contains("inner_folds"));
    }
}

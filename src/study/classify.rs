//! `classify`: classifiers trained on one label column (mapped to classes) and tested on rows
//! they never saw, fold by fold, with the scores researchers report for emotion recognition —
//! UAR (balanced accuracy) first, since emotion classes are rarely balanced.
//!
//! Each fold refits the scaler on its own training rows (`scale = "standard"`), so no test row
//! leaks into the features a model learns from; `per_group` scaling is each speaker's own and
//! uses no labels, but it does use a test speaker's recordings (it is transductive). Every model
//! of every fold draws from its own stream, so results do not depend on the thread count.

use std::collections::{BTreeMap, BTreeSet};

use ndarray::{Array2, Axis};
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::output::{ClassificationScores, FoldStat, CLASSIFICATION_COLUMNS};
use super::parts::{fan_out, Order};
use super::{Column, Figure, MatrixScale, StudyData, StudyError, StudyOutput, SummaryRow, Table};
use crate::metrics::{self, Average};
use crate::models::classifier::EpochRecord;
use crate::models::{argmax_rows, ClassifierModel, ModelError, TrainingSet};
use crate::spec::{ClassifySpec, Protocol, Scale, Seed, SplitName};
use crate::split::{group_kfold, leave_one_group_out, Standardizer};

/// The rows a study classifies and their classes.
struct Target {
    /// Class names, sorted (class `i` is `classes[i]`).
    classes: Vec<String>,
    /// Class of each data row, None where the mapping leaves the row out.
    class_of_row: Vec<Option<usize>>,
}

impl Target {
    fn new<'a>(spec: &'a ClassifySpec, values: &'a [String]) -> Self {
        // An empty label cell is no label: the row is left out like an unmapped one.
        let class_of = |v: &'a String| if v.is_empty() { None } else { spec.class_of(v) };
        let classes: BTreeSet<&str> = values.iter().filter_map(class_of).collect();
        let classes: Vec<String> = classes.into_iter().map(str::to_string).collect();
        let class_of_row = values
            .iter()
            .map(|v| class_of(v).map(|c| classes.iter().position(|k| k == c).expect("collected above")))
            .collect();
        Self { classes, class_of_row }
    }

    /// Rows with a class, ascending.
    fn rows(&self) -> Vec<usize> {
        (0..self.class_of_row.len()).filter(|&r| self.class_of_row[r].is_some()).collect()
    }

    fn y(&self, rows: &[usize]) -> Vec<usize> {
        rows.iter().map(|&r| self.class_of_row[r].expect("only classified rows are used")).collect()
    }
}

/// One fold's data rows: fitted on `train`, (reserved for early stopping: `val`), scored on `test`.
#[derive(Debug, Clone, PartialEq)]
struct ClassifyFold {
    train: Vec<usize>,
    val: Vec<usize>,
    test: Vec<usize>,
}

/// The folds of the study's protocol over `rows` (the classified data rows).
fn make_folds(
    spec: &ClassifySpec,
    data: StudyData<'_>,
    rows: &[usize],
    seed: Seed,
    study: &str,
) -> Result<Vec<ClassifyFold>, StudyError> {
    let keep = |part: SplitName| -> Vec<usize> {
        let wanted: BTreeSet<usize> = rows.iter().copied().collect();
        let mut kept: Vec<usize> = data.split.rows(part).iter().copied().filter(|r| wanted.contains(r)).collect();
        kept.sort_unstable();
        kept
    };
    let folds = match spec.protocol {
        Protocol::Holdout => {
            vec![ClassifyFold { train: keep(SplitName::Train), val: keep(SplitName::Val), test: keep(SplitName::Test) }]
        }
        Protocol::Notebook => {
            // train_test_split(test_size=0.2), then train_test_split(test_size=0.25) of the rest:
            // sklearn rounds each test share up.
            let mut order = rows.to_vec();
            order.shuffle(&mut seed.rng_for(u64::MAX));
            let n_test = (order.len() as f64 * 0.2).ceil() as usize;
            let (test, rest) = order.split_at(n_test);
            let n_val = (rest.len() as f64 * 0.25).ceil() as usize;
            let (val, train) = rest.split_at(n_val);
            let sorted = |s: &[usize]| {
                let mut v = s.to_vec();
                v.sort_unstable();
                v
            };
            vec![ClassifyFold { train: sorted(train), val: sorted(val), test: sorted(test) }]
        }
        Protocol::TestCorpus => {
            let (test, train): (Vec<usize>, Vec<usize>) =
                rows.iter().partition(|r| data.test_rows.binary_search(r).is_ok());
            vec![ClassifyFold { train, val: Vec::new(), test }]
        }
        Protocol::GroupKfold | Protocol::LeaveOneGroupOut => {
            let column = spec.group_by.as_deref().expect("validated: grouped protocols name a column");
            let values = &data.columns[column];
            let groups: Vec<String> = rows.iter().map(|&r| values[r].clone()).collect();
            let folds = if spec.protocol == Protocol::GroupKfold {
                group_kfold(&groups, spec.n_folds)
            } else {
                leave_one_group_out(&groups)
            }
            .map_err(|e| StudyError::Classify { study: study.into(), reason: format!("{column}: {e}") })?;
            let to_rows = |positions: &[usize]| positions.iter().map(|&p| rows[p]).collect::<Vec<_>>();
            folds
                .into_iter()
                .map(|f| ClassifyFold { train: to_rows(&f.train), val: Vec::new(), test: to_rows(&f.test) })
                .collect()
        }
    };
    let needs_val = spec.models.iter().any(ClassifierModel::uses_validation);
    let mut folds = folds;
    if needs_val && matches!(spec.protocol, Protocol::GroupKfold | Protocol::LeaveOneGroupOut | Protocol::TestCorpus) {
        for (i, fold) in folds.iter_mut().enumerate() {
            let groups = spec.group_by.as_deref().map(|column| &data.columns[column]);
            let (train, val) = hold_out_validation(&fold.train, groups, &mut seed.rng_for(1_000 + i as u64));
            (fold.train, fold.val) = (train, val);
        }
    }
    for (i, fold) in folds.iter().enumerate() {
        if fold.train.is_empty() || fold.test.is_empty() {
            return Err(StudyError::Classify {
                study: study.into(),
                reason: format!(
                    "fold {i} has {} training and {} test rows; both need at least one",
                    fold.train.len(),
                    fold.test.len()
                ),
            });
        }
    }
    Ok(folds)
}

/// Splits a fold's training rows into training and validation rows (for early stopping): a
/// fifth of the groups (at least one) when rows are grouped, so no speaker is on both sides,
/// else a fifth of the rows; drawn from `rng`.
fn hold_out_validation(rows: &[usize], groups: Option<&Vec<String>>, rng: &mut ChaCha8Rng) -> (Vec<usize>, Vec<usize>) {
    let key = |r: usize| groups.map_or_else(|| r.to_string(), |g| g[r].clone());
    let mut keys: Vec<String> = rows.iter().map(|&r| key(r)).collect::<BTreeSet<_>>().into_iter().collect();
    keys.shuffle(rng);
    let n_val = (keys.len() as f64 / 5.0).round().max(1.0) as usize;
    let held: BTreeSet<&String> = keys[..n_val.min(keys.len().saturating_sub(1))].iter().collect();
    rows.iter().partition(|&&r| !held.contains(&key(r)))
}

/// The fold's training, validation and test matrices, scaled as the spec asks: `standard`
/// refitted on the fold's training and validation rows (on every classified row for the
/// notebook protocol, whose scaler saw all of them), `per_group` and `none` as the run
/// computed them.
fn fold_matrices(
    data: StudyData<'_>,
    fold: &ClassifyFold,
    learned: &[usize],
    protocol: Protocol,
    all_rows: &[usize],
) -> FoldMatrices {
    let select = |x: ndarray::ArrayView2<f64>, rows: &[usize]| x.select(Axis(0), rows);
    match data.scale {
        Scale::Standard => {
            let union: Vec<usize> = fold.train.iter().chain(&fold.val).copied().collect();
            let fit_rows = if protocol == Protocol::Notebook { all_rows } else { &union };
            let scaler = Standardizer::fit(data.unscaled, fit_rows).expect("a fold has training rows");
            let scaled = |rows: &[usize]| scaler.transform(select(data.unscaled, rows).view());
            FoldMatrices {
                train: scaled(&fold.train),
                val: scaled(&fold.val),
                learned: scaled(learned),
                test: scaled(&fold.test),
            }
        }
        Scale::PerGroup | Scale::None => FoldMatrices {
            train: select(data.x, &fold.train),
            val: select(data.x, &fold.val),
            learned: select(data.x, learned),
            test: select(data.x, &fold.test),
        },
    }
}

/// The rows a model without early stopping learns from: the fold's training and validation
/// rows in row order (validation rows only serve early stopping), but only the training rows
/// under the notebook's protocol, which fitted on its 60 % and watched the 20 % validation.
fn learned_rows(fold: &ClassifyFold, protocol: Protocol) -> Vec<usize> {
    let mut rows = fold.train.clone();
    if protocol != Protocol::Notebook {
        rows.extend(&fold.val);
        rows.sort_unstable();
    }
    rows
}

/// A fold's rows as the models see them.
struct FoldMatrices {
    /// Rows a model with early stopping trains on.
    train: Array2<f64>,
    /// Its early-stopping rows.
    val: Array2<f64>,
    /// Rows every other model learns from ([`learned_rows`]).
    learned: Array2<f64>,
    test: Array2<f64>,
}

/// What one model gives back from one fold.
#[derive(Serialize, Deserialize)]
struct FittedOutputs {
    proba: Array2<f64>,
    importance: Option<Vec<f64>>,
    history: Option<Vec<EpochRecord>>,
}

/// One model's predictions on one fold's test rows.
struct FoldPredictions {
    test: Vec<usize>,
    y_true: Vec<usize>,
    proba: Array2<f64>,
}

/// The scores of one set of predictions: each of [`CLASSIFICATION_COLUMNS`] (NaN where
/// undefined, e.g. ROC AUC when a class is missing from the test rows).
fn scores(y_true: &[usize], proba: &Array2<f64>, n_classes: usize) -> BTreeMap<&'static str, f64> {
    let y_pred = argmax_rows(proba);
    let value = |r: Result<f64, metrics::MetricsError>| r.unwrap_or(f64::NAN);
    let all_classes = y_true.iter().collect::<BTreeSet<_>>().len() == n_classes;
    let auc = if all_classes { value(metrics::roc_auc_ovr(y_true, proba.view())) } else { f64::NAN };
    BTreeMap::from([
        ("accuracy", value(metrics::accuracy(y_true, &y_pred))),
        ("uar", value(metrics::balanced_accuracy(y_true, &y_pred))),
        ("macro_f1", value(metrics::f1_score(y_true, &y_pred, Average::Macro))),
        ("weighted_f1", value(metrics::f1_score(y_true, &y_pred, Average::Weighted))),
        ("roc_auc", auc),
    ])
}

/// Mean over the folds where a metric is defined, with a 95 % Student-t interval of the mean.
fn fold_stat(values: &[f64]) -> Option<FoldStat> {
    let defined: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    let n = defined.len();
    if n == 0 {
        return None;
    }
    let mean = defined.iter().sum::<f64>() / n as f64;
    if n == 1 {
        return Some(FoldStat { mean, n_folds: 1, ci: None });
    }
    let sd = (defined.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt();
    let t = statrs::distribution::ContinuousCDF::inverse_cdf(
        &statrs::distribution::StudentsT::new(0.0, 1.0, (n - 1) as f64).expect("n ≥ 2 gives a valid t"),
        0.975,
    );
    let half = t * sd / (n as f64).sqrt();
    Some(FoldStat { mean, n_folds: n, ci: Some((mean - half, mean + half)) })
}

/// Runs a classify study.
pub(super) fn classify(
    spec: &ClassifySpec,
    data: StudyData<'_>,
    seed: Seed,
    label: &str,
) -> Result<StudyOutput, StudyError> {
    let target = Target::new(spec, &data.columns[&spec.target]);
    let n_classes = target.classes.len();
    let rows = target.rows();
    if n_classes < 2 {
        return Err(StudyError::Classify {
            study: label.into(),
            reason: format!("{} gives {n_classes} class(es) on the usable rows; at least 2 are needed", spec.target),
        });
    }
    let folds = make_folds(spec, data, &rows, seed, label)?;

    // predictions[model][fold], importances[model][fold], histories[model][fold]
    let mut predictions: Vec<Vec<FoldPredictions>> = spec.models.iter().map(|_| Vec::new()).collect();
    let mut importances: Vec<Vec<Vec<f64>>> = spec.models.iter().map(|_| Vec::new()).collect();
    let mut histories: Vec<Vec<Vec<EpochRecord>>> = spec.models.iter().map(|_| Vec::new()).collect();
    // Each fold is one part: its models' outputs, computed here or by a cluster's task.
    let fit_fold = |f: usize| -> Result<Vec<FittedOutputs>, StudyError> {
        let fold = &folds[f];
        let learned = learned_rows(fold, spec.protocol);
        let m = fold_matrices(data, fold, &learned, spec.protocol, &rows);
        let (y_train, y_val, y_learned) = (target.y(&fold.train), target.y(&fold.val), target.y(&learned));
        // The training rows' groups, for models that split them again (cnn_boosting).
        let groups_train: Option<Vec<String>> = spec
            .group_by
            .as_deref()
            .map(|column| fold.train.iter().map(|&r| data.columns[column][r].clone()).collect());
        // The CNN's input: the fold's log-mel images, unscaled (it standardises them itself).
        let images = data.images.filter(|_| spec.models.iter().any(ClassifierModel::needs_images)).map(|(x, shape)| {
            let select = |rows: &[usize]| x.select(Axis(0), rows);
            let images = FoldMatrices {
                train: select(&fold.train),
                val: select(&fold.val),
                learned: select(&learned),
                test: select(&fold.test),
            };
            (images, shape)
        });
        let fit = |index: usize| -> Result<FittedOutputs, ModelError> {
            let model = &spec.models[index];
            let (m, image_shape) = match (&images, model.needs_images()) {
                (Some((images, shape)), true) => (images, Some(*shape)),
                _ => (&m, data.image_shape),
            };
            let train = if model.uses_validation() {
                let val = (!y_val.is_empty()).then(|| (m.val.view(), y_val.as_slice()));
                let groups = groups_train.as_deref();
                TrainingSet { x: m.train.view(), y: &y_train, n_classes, val, image_shape, groups }
            } else {
                TrainingSet { x: m.learned.view(), y: &y_learned, n_classes, val: None, image_shape, groups: None }
            };
            let mut rng = seed.derive(index as u64).rng_for(f as u64);
            let fitted = model.fit(train, &mut rng)?;
            Ok(FittedOutputs {
                proba: fitted.predict_proba(m.test.view())?,
                importance: fitted.feature_importances(),
                history: fitted.history().map(<[EpochRecord]>::to_vec),
            })
        };
        // Vector models in parallel; CNNs one after another, outside that parallel loop: burn's
        // generator is process-wide (trainings hold a lock), and a thread holding it must never
        // pick up another CNN's job while it waits for its own parallel work.
        let (image_models, vector_models): (Vec<usize>, Vec<usize>) =
            (0..spec.models.len()).partition(|&i| spec.models[i].needs_images());
        let mut fitted: Vec<Option<FittedOutputs>> = spec.models.iter().map(|_| None).collect();
        let in_parallel: Vec<(usize, Result<FittedOutputs, ModelError>)> =
            vector_models.par_iter().map(|&i| (i, fit(i))).collect();
        let in_turn = image_models.iter().map(|&i| (i, fit(i)));
        for (i, result) in in_parallel.into_iter().chain(in_turn) {
            fitted[i] = Some(result.map_err(|source| StudyError::Model { study: label.into(), source })?);
        }
        Ok(fitted.into_iter().map(|f| f.expect("every model was fitted")).collect())
    };
    // Folds one after another, as ever: each parallelises over its models (and CNNs must not
    // train beside each other).
    let per_fold = fan_out(data, &format!("{label}.folds"), folds.len(), Order::InTurn, fit_fold)?;
    for (fold, fitted) in folds.iter().zip(per_fold) {
        for (index, out) in fitted.into_iter().enumerate() {
            let y_true = target.y(&fold.test);
            predictions[index].push(FoldPredictions { test: fold.test.clone(), y_true, proba: out.proba });
            importances[index].extend(out.importance);
            histories[index].extend(out.history);
        }
    }

    let mut output = StudyOutput::default();
    output.metrics.insert(format!("{label}.n_rows"), rows.len() as f64);
    output.metrics.insert(format!("{label}.n_unmapped"), (target.class_of_row.len() - rows.len()) as f64);
    output.metrics.insert(format!("{label}.n_classes"), n_classes as f64);
    output.metrics.insert(format!("{label}.n_folds"), folds.len() as f64);
    output.tables.push(class_table(label, spec, &target, &data.columns[&spec.target]));
    let split = protocol_phrase(spec, folds.len());
    let mut fold_rows = FoldTable::default();
    for (((model, model_predictions), model_importances), model_histories) in
        spec.models.iter().zip(&predictions).zip(&importances).zip(&histories)
    {
        let name = model.name();
        if !model_histories.is_empty() {
            let (table, figures) = learning_curves(&format!("{label}_{name}"), name, model_histories);
            output.tables.push(table);
            output.figures.extend(figures);
        }
        if !model_importances.is_empty() {
            let (table, figure) = importance_outputs(&format!("{label}_{name}"), name, model_importances, data);
            output.tables.push(table);
            output.figures.push(figure);
        }
        let per_fold: Vec<BTreeMap<&str, f64>> =
            model_predictions.iter().map(|p| scores(&p.y_true, &p.proba, n_classes)).collect();
        for (f, fold_scores) in per_fold.iter().enumerate() {
            fold_rows.push(model, f, &folds[f], spec.protocol, fold_scores);
            for (metric, value) in fold_scores {
                output.metrics.insert(format!("{label}.{name}.{metric}@fold={f}"), *value);
            }
        }
        let pooled = Pooled::of(model_predictions, n_classes);
        for (metric, value) in scores(&pooled.y_true, &pooled.proba, n_classes) {
            output.metrics.insert(format!("{label}.{name}.{metric}@pooled"), value);
        }
        let mut stats = BTreeMap::new();
        for metric in CLASSIFICATION_COLUMNS {
            let values: Vec<f64> = per_fold.iter().map(|s| s[metric]).collect();
            if let Some(stat) = fold_stat(&values) {
                output.metrics.insert(format!("{label}.{name}.{metric}"), stat.mean);
                if let Some((low, high)) = stat.ci {
                    output.metrics.insert(format!("{label}.{name}.{metric}_ci_low"), low);
                    output.metrics.insert(format!("{label}.{name}.{metric}_ci_high"), high);
                }
                stats.insert(metric.to_string(), stat);
            }
        }
        let scores = ClassificationScores { n_folds: folds.len(), n_test: pooled.y_true.len(), metrics: stats };
        output.summary.push(SummaryRow::classifier(label, name, model.params_text(), &split, scores));
        output.predictions.push(pooled.table(&format!("{label}_{name}"), &target.classes, data.file_names));
        let (report, confusion, figure) = pooled.report(&format!("{label}_{name}"), &target.classes, name);
        output.tables.extend([report, confusion]);
        output.figures.push(figure);
        output.figures.push(pooled.roc_figure(&format!("{label}_{name}_roc"), &target.classes, name));
    }
    output.tables.push(fold_rows.table(label));
    output.documents.push((format!("{label}_summary"), summary_markdown(label, &split, &output.summary)));
    Ok(output)
}

/// A model's feature importances averaged over its folds: `tables/<name>_importance.csv`
/// (feature, importance) and a figure — the 20 most important features as bars, or for an
/// image recipe a heatmap of 8 × 8 blocks (mel bands × frames) summed.
fn importance_outputs(name: &str, model: &str, per_fold: &[Vec<f64>], data: StudyData<'_>) -> (Table, Figure) {
    let n_features = per_fold[0].len();
    let mean: Vec<f64> =
        (0..n_features).map(|j| per_fold.iter().map(|f| f[j]).sum::<f64>() / per_fold.len() as f64).collect();
    let table = Table {
        name: format!("{name}_importance"),
        columns: vec![
            Column::text("feature", data.feature_names.iter().cloned()),
            Column::float("importance", mean.iter().map(|&v| Some(v))),
        ],
    };
    let title = match per_fold.len() {
        1 => format!("{model}: feature importance (total split gain)"),
        n => format!("{model}: feature importance (total split gain, mean of {n} folds)"),
    };
    let figure = match data.image_shape {
        Some([height, width]) => {
            const BLOCK: usize = 8;
            let (rows, cols) = (height.div_ceil(BLOCK), width.div_ceil(BLOCK));
            let mut blocks = vec![vec![0.0; cols]; rows];
            for (j, v) in mean.iter().enumerate() {
                blocks[(j / width) / BLOCK][(j % width) / BLOCK] += v;
            }
            // Low mel bands at the bottom, as a spectrogram is drawn.
            blocks.reverse();
            let band = |b: usize, unit: &str| format!("{unit} {}–{}", b * BLOCK, (b + 1) * BLOCK - 1);
            Figure::Matrix {
                name: format!("{name}_importance"),
                title,
                value_label: "share of gain".into(),
                row_labels: (0..rows).rev().map(|b| band(b, "mel")).collect(),
                col_labels: (0..cols).map(|b| band(b, "frame")).collect(),
                values: blocks,
                scale: MatrixScale::Magnitude,
                cell_text: Vec::new(),
                axis_labels: ["mel band".into(), "time frame".into()],
            }
        }
        None => {
            let mut order: Vec<usize> = (0..n_features).collect();
            order.sort_by(|&a, &b| mean[b].total_cmp(&mean[a]));
            Figure::Bars {
                name: format!("{name}_importance"),
                title,
                value_label: "share of total gain".into(),
                bars: order.iter().take(20).map(|&j| (data.feature_names[j].clone(), mean[j])).collect(),
            }
        }
    };
    (table, figure)
}

/// `tables/<name>_history.csv` (every fold's loss and accuracy per epoch) and two figures,
/// loss and accuracy per epoch, training and validation, each the mean over the folds that
/// reached that epoch.
fn learning_curves(name: &str, model: &str, folds: &[Vec<EpochRecord>]) -> (Table, Vec<Figure>) {
    let rows: Vec<(usize, usize, &EpochRecord)> =
        folds.iter().enumerate().flat_map(|(f, h)| h.iter().enumerate().map(move |(e, r)| (f, e, r))).collect();
    let table = Table {
        name: format!("{name}_history"),
        columns: vec![
            Column::int("fold", rows.iter().map(|r| r.0 as i64)),
            Column::int("epoch", rows.iter().map(|r| r.1 as i64 + 1)),
            Column::float("train_loss", rows.iter().map(|r| Some(r.2.train_loss))),
            Column::float("train_accuracy", rows.iter().map(|r| Some(r.2.train_accuracy))),
            Column::float("val_loss", rows.iter().map(|r| r.2.val_loss)),
            Column::float("val_accuracy", rows.iter().map(|r| r.2.val_accuracy)),
        ],
    };
    let longest = folds.iter().map(Vec::len).max().unwrap_or(0);
    let mean_curve = |pick: fn(&EpochRecord) -> Option<f64>| -> Vec<(f64, f64)> {
        (0..longest)
            .filter_map(|e| {
                let values: Vec<f64> = folds.iter().filter_map(|h| h.get(e).and_then(pick)).collect();
                (!values.is_empty()).then(|| (e as f64 + 1.0, values.iter().sum::<f64>() / values.len() as f64))
            })
            .collect()
    };
    let figure = |what: &str, train: fn(&EpochRecord) -> Option<f64>, val: fn(&EpochRecord) -> Option<f64>| {
        let mut series = vec![(format!("training {what}"), mean_curve(train))];
        let val_curve = mean_curve(val);
        if !val_curve.is_empty() {
            series.push((format!("validation {what}"), val_curve));
        }
        Figure::Line {
            name: format!("{name}_learning_{}", what.replace(' ', "_")),
            title: match folds.len() {
                1 => format!("{model}: {what} per epoch"),
                n => format!("{model}: {what} per epoch (mean of {n} folds)"),
            },
            x_label: "epoch".into(),
            y_label: what.into(),
            series,
            highlight_x: None,
        }
    };
    let figures = vec![
        figure("cross-entropy", |r| Some(r.train_loss), |r| r.val_loss),
        figure("accuracy", |r| Some(r.train_accuracy), |r| r.val_accuracy),
    ];
    (table, figures)
}

/// How the study tested, for `summary.csv`'s `split` column.
fn protocol_phrase(spec: &ClassifySpec, n_folds: usize) -> String {
    match spec.protocol {
        Protocol::Holdout => "holdout: test split".into(),
        Protocol::Notebook => "notebook: random 20 % test (not grouped)".into(),
        Protocol::TestCorpus => "test_corpus: trained on the corpus, tested on data.test_corpus".into(),
        Protocol::GroupKfold | Protocol::LeaveOneGroupOut => {
            format!("{}: {n_folds} folds by {}", spec.protocol.as_str(), spec.group_by.as_deref().unwrap_or_default())
        }
    }
}

/// `tables/<study>_classes.csv`: each class, the label values it gathers and its rows.
fn class_table(label: &str, spec: &ClassifySpec, target: &Target, values: &[String]) -> Table {
    let mut members: Vec<BTreeSet<&str>> = vec![BTreeSet::new(); target.classes.len()];
    let mut counts = vec![0i64; target.classes.len()];
    for (value, class) in values.iter().zip(&target.class_of_row) {
        if let Some(c) = class {
            members[*c].insert(value);
            counts[*c] += 1;
        }
    }
    Table {
        name: format!("{label}_classes"),
        columns: vec![
            Column::text("class", target.classes.iter().cloned()),
            Column::text(&spec.target, members.iter().map(|m| m.iter().copied().collect::<Vec<_>>().join(" "))),
            Column::int("n_rows", counts),
        ],
    }
}

/// Rows of `tables/<study>_folds.csv`: one per model and fold, with the rows the model
/// learned from (`n_train`), held out of them for early stopping (`n_val`) and was tested on.
#[derive(Default)]
struct FoldTable {
    model: Vec<String>,
    fold: Vec<i64>,
    n_train: Vec<i64>,
    n_val: Vec<i64>,
    n_test: Vec<i64>,
    scores: BTreeMap<&'static str, Vec<Option<f64>>>,
}

impl FoldTable {
    fn push(
        &mut self,
        model: &ClassifierModel,
        fold: usize,
        rows: &ClassifyFold,
        protocol: Protocol,
        scores: &BTreeMap<&'static str, f64>,
    ) {
        let (n_train, n_val) = if model.uses_validation() {
            (rows.train.len(), rows.val.len())
        } else {
            (learned_rows(rows, protocol).len(), 0)
        };
        self.model.push(model.name().into());
        self.fold.push(fold as i64);
        self.n_train.push(n_train as i64);
        self.n_val.push(n_val as i64);
        self.n_test.push(rows.test.len() as i64);
        for (metric, value) in scores {
            self.scores.entry(metric).or_default().push(value.is_finite().then_some(*value));
        }
    }

    fn table(self, label: &str) -> Table {
        let mut columns = vec![
            Column::text("model", self.model),
            Column::int("fold", self.fold),
            Column::int("n_train", self.n_train),
            Column::int("n_val", self.n_val),
            Column::int("n_test", self.n_test),
        ];
        for metric in CLASSIFICATION_COLUMNS {
            columns.push(Column::float(metric, self.scores.get(metric).cloned().unwrap_or_default()));
        }
        Table { name: format!("{label}_folds"), columns }
    }
}

/// A model's test predictions over every fold, in fold order.
struct Pooled {
    rows: Vec<usize>,
    folds: Vec<usize>,
    y_true: Vec<usize>,
    proba: Array2<f64>,
}

impl Pooled {
    fn of(predictions: &[FoldPredictions], n_classes: usize) -> Self {
        let n: usize = predictions.iter().map(|p| p.test.len()).sum();
        let mut pooled = Self {
            rows: Vec::with_capacity(n),
            folds: Vec::new(),
            y_true: Vec::new(),
            proba: Array2::zeros((0, n_classes)),
        };
        for (f, p) in predictions.iter().enumerate() {
            pooled.rows.extend(&p.test);
            pooled.folds.extend(std::iter::repeat_n(f, p.test.len()));
            pooled.y_true.extend(&p.y_true);
            pooled.proba.append(Axis(0), p.proba.view()).expect("every fold has n_classes columns");
        }
        pooled
    }

    /// `predictions/<name>.csv`: `file, fold, true, predicted, p_<class>...`, one row per test
    /// row of every fold.
    fn table(&self, name: &str, classes: &[String], files: &[String]) -> Table {
        let predicted = argmax_rows(&self.proba);
        let mut columns = vec![
            Column::text("file", self.rows.iter().map(|&r| files[r].clone())),
            Column::int("fold", self.folds.iter().map(|&f| f as i64)),
            Column::text("true", self.y_true.iter().map(|&c| classes[c].clone())),
            Column::text("predicted", predicted.iter().map(|&c| classes[c].clone())),
        ];
        for (c, class) in classes.iter().enumerate() {
            columns.push(Column::float(&format!("p_{class}"), self.proba.column(c).iter().map(|&p| Some(p))));
        }
        Table { name: name.into(), columns }
    }

    /// The per-class report and confusion counts (tables) and the confusion figure.
    fn report(&self, name: &str, classes: &[String], model: &str) -> (Table, Table, Figure) {
        let predicted = argmax_rows(&self.proba);
        let n = classes.len();
        let mut counts = vec![vec![0usize; n]; n];
        for (&t, &p) in self.y_true.iter().zip(&predicted) {
            counts[t][p] += 1;
        }
        let report =
            metrics::classification_report(&self.y_true, &predicted).expect("pooled predictions are non-empty");
        let per_class = |values: &[f64]| -> Vec<Option<f64>> {
            (0..n).map(|c| report.labels.iter().position(|&l| l == c).map(|i| values[i])).collect()
        };
        let support = (0..n).map(|c| counts[c].iter().sum::<usize>() as i64);
        let report_table = Table {
            name: format!("{name}_report"),
            columns: vec![
                Column::text("class", classes.iter().cloned()),
                Column::float("precision", per_class(&report.precision)),
                Column::float("recall", per_class(&report.recall)),
                Column::float("f1", per_class(&report.f1)),
                Column::int("support", support),
            ],
        };
        let mut confusion_columns = vec![Column::text("true", classes.iter().cloned())];
        for (p, class) in classes.iter().enumerate() {
            confusion_columns.push(Column::int(&format!("predicted_{class}"), counts.iter().map(|row| row[p] as i64)));
        }
        let confusion = Table { name: format!("{name}_confusion"), columns: confusion_columns };
        let shares: Vec<Vec<f64>> = counts
            .iter()
            .map(|row| {
                let total = row.iter().sum::<usize>().max(1) as f64;
                row.iter().map(|&c| c as f64 / total).collect()
            })
            .collect();
        let cell_text = counts
            .iter()
            .zip(&shares)
            .map(|(row, share)| row.iter().zip(share).map(|(c, s)| format!("{c} ({:.0}%)", s * 100.0)).collect())
            .collect();
        let figure = Figure::Matrix {
            name: format!("{name}_confusion"),
            title: format!("{model}: confusion over all test folds (row = true class)"),
            value_label: "share of row".into(),
            row_labels: classes.to_vec(),
            col_labels: classes.to_vec(),
            values: shares,
            scale: MatrixScale::Share,
            cell_text,
            axis_labels: ["true class".into(), "predicted class".into()],
        };
        (report_table, confusion, figure)
    }

    /// One ROC curve per class (this class against the rest, pooled over folds) and chance.
    fn roc_figure(&self, name: &str, classes: &[String], model: &str) -> Figure {
        let mut series = Vec::new();
        for (c, class) in classes.iter().enumerate() {
            let is_class: Vec<usize> = self.y_true.iter().map(|&t| usize::from(t == c)).collect();
            let scores = self.proba.column(c).to_vec();
            if let Ok((fpr, tpr)) = metrics::roc_curve(&is_class, &scores) {
                let auc = metrics::roc_auc_score(&is_class, &scores).unwrap_or(f64::NAN);
                series.push((format!("{class} (AUC {auc:.2})"), fpr.into_iter().zip(tpr).collect()));
            }
        }
        series.push(("chance".into(), vec![(0.0, 0.0), (1.0, 1.0)]));
        Figure::Line {
            name: name.into(),
            title: format!("{model}: ROC per class, one against the rest (all test folds)"),
            x_label: "false positive rate".into(),
            y_label: "true positive rate".into(),
            series,
            highlight_x: None,
        }
    }
}

/// `tables/<study>_summary.md`: the models by UAR, with intervals, as a README would show them.
fn summary_markdown(label: &str, split: &str, rows: &[SummaryRow]) -> String {
    let mut rows: Vec<&SummaryRow> = rows.iter().filter(|r| r.study == label).collect();
    let uar =
        |r: &SummaryRow| r.classification.as_ref().and_then(|c| c.metrics.get("uar")).map_or(f64::NAN, |s| s.mean);
    rows.sort_by(|a, b| uar(b).total_cmp(&uar(a)));
    let cell = |r: &SummaryRow, metric: &str, with_ci: bool| match r
        .classification
        .as_ref()
        .and_then(|c| c.metrics.get(metric))
    {
        Some(FoldStat { mean, ci: Some((low, high)), .. }) if with_ci => {
            format!("{:.1} % [{:.1}, {:.1}]", mean * 100.0, low * 100.0, high * 100.0)
        }
        Some(s) => format!("{:.1} %", s.mean * 100.0),
        None => "–".into(),
    };
    let mut text = format!(
        "# {label}: {split}\n\nMean over test folds (95 % interval of the mean). UAR is the mean of per-class recalls.\n\n\
         | model | UAR | accuracy | macro F1 | ROC AUC |\n|---|---|---|---|---|\n"
    );
    for r in rows {
        text.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            r.model,
            cell(r, "uar", true),
            cell(r, "accuracy", false),
            cell(r, "macro_f1", false),
            cell(r, "roc_auc", false)
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mapping_gathers_values_into_classes_and_leaves_unlisted_values_out() {
        let spec = ClassifySpec {
            classes: BTreeMap::from([
                ("angry".into(), "excited".into()),
                ("happy".into(), "excited".into()),
                ("sad".into(), "tired".into()),
            ]),
            ..ClassifySpec::default()
        };
        let values: Vec<String> = ["sad", "angry", "calm", "happy"].iter().map(|s| (*s).to_string()).collect();
        let target = Target::new(&spec, &values);
        assert_eq!(target.classes, vec!["excited", "tired"]);
        assert_eq!(target.class_of_row, vec![Some(1), Some(0), None, Some(0)]);
        assert_eq!(target.rows(), vec![0, 1, 3]);
    }

    #[test]
    fn the_fold_interval_is_students_t_around_the_mean() {
        // scipy.stats.t.interval(0.95, 4, loc=mean, scale=sem) for [0.5, 0.6, 0.7, 0.4, 0.8]
        let stat = fold_stat(&[0.5, 0.6, 0.7, 0.4, 0.8, f64::NAN]).unwrap();
        assert!((stat.mean - 0.6).abs() < 1e-12);
        let (low, high) = stat.ci.unwrap();
        assert!((low - 0.403_675_683_852_244_3).abs() < 1e-9, "{low}");
        assert!((high - 0.796_324_316_147_755_7).abs() < 1e-9, "{high}");
        assert_eq!(stat.n_folds, 5);
        assert_eq!(fold_stat(&[0.3]), Some(FoldStat { mean: 0.3, n_folds: 1, ci: None }));
        assert_eq!(fold_stat(&[f64::NAN]), None);
    }

    #[test]
    fn scores_leave_roc_auc_undefined_when_a_class_is_missing_from_the_test_rows() {
        let proba = ndarray::array![[0.8, 0.1, 0.1], [0.2, 0.7, 0.1]];
        let s = scores(&[0, 1], &proba, 3);
        assert_eq!(s["accuracy"], 1.0);
        assert_eq!(s["uar"], 1.0);
        assert!(s["roc_auc"].is_nan());
    }
}

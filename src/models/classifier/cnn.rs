//! `cnn`: the notebook's convolutional networks on log-mel images (§9.1–9.2), trained by burn on
//! its pure-Rust CPU backend (flex).
//!
//! - `small`: Conv 32 3×3 → ReLU → max-pool 2 → Conv 64 3×3 → ReLU → max-pool 2 → dense 64 →
//!   ReLU → dropout 0.5 → dense (softmax), as the notebook's first network.
//! - `large`: three blocks of Conv 3×3 (64, 128, 256) → ReLU → batch norm → max-pool 2, then
//!   dense 128 → ReLU → dropout 0.5 → batch norm → dense, with L2 weight decay and data
//!   augmentation, as its second.
//!
//! Adam on cross-entropy (optionally class-weighted), mini-batches in a seeded order, early
//! stopping on the validation loss with the best epoch's weights kept. Each image is
//! standardised by the mean and standard deviation of every training pixel (one number each),
//! stored with the model.
//!
//! burn's flex backend draws weight initialisation and dropout from one process-wide generator
//! (`Device::seed`), so trainings are serialised by a lock: two never interleave their draws,
//! and the same seed gives the same weights whatever the thread count.

use std::sync::Mutex;

use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::loss::CrossEntropyLossConfig;
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, Dropout, DropoutConfig, Linear, LinearConfig, Relu};
use burn::optim::decay::WeightDecayConfig;
use burn::optim::{AdamConfig, GradientsParams};
use burn::store::ModuleRecord;
use burn::tensor::activation::softmax;
use burn::tensor::{Bytes, Device, Int, Tensor, TensorData};
use ndarray::{Array2, ArrayView2};
use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::boosting::{balanced_sample_weights, ClassWeight};
use super::{FittedClassifier, TrainingSet};
use crate::models::ModelError;

/// Serialises trainings: burn's flex backend has one process-wide random generator.
static TRAINING: Mutex<()> = Mutex::new(());

/// Which of the notebook's two networks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CnnArchitecture {
    /// Two convolutions (32, 64) and a dense layer of 64 (its §9.1).
    Small,
    /// Three convolution blocks (64, 128, 256) with batch norm, dense 128 (its §9.2).
    Large,
}

/// `cnn`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct CnnParams {
    /// The network. Default: `small`.
    pub architecture: CnnArchitecture,
    /// Most passes over the training rows. Default: 30.
    pub epochs: usize,
    /// Rows per gradient step. Default: 32 (Keras's).
    pub batch_size: usize,
    /// Adam's step size. Default: 0.001 (Keras's).
    pub learning_rate: f64,
    /// Epochs without a lower validation loss before training stops (the best epoch's weights
    /// are kept); 0 trains every epoch and keeps the last. Default: 5.
    pub patience: usize,
    /// Cross-entropy class weights. Default: `balanced`.
    pub class_weight: ClassWeight,
    /// L2 penalty λ on every weight (the loss gains λ·Σw², as Keras's `l2(λ)`). Default: 0.
    pub l2: f64,
    /// Random shifts of up to 10 % along time and mel (edges repeated) and time reversal with
    /// probability ½, drawn per image per epoch (the notebook's `ImageDataGenerator` also
    /// rotated, sheared and zoomed by 10 %; not done). Default: false.
    pub augment: bool,
}

impl Default for CnnParams {
    fn default() -> Self {
        Self {
            architecture: CnnArchitecture::Small,
            epochs: 30,
            batch_size: 32,
            learning_rate: 1e-3,
            patience: 5,
            class_weight: ClassWeight::Balanced,
            l2: 0.0,
            augment: false,
        }
    }
}

impl CnnParams {
    pub(super) fn validate(&self) -> Result<(), ModelError> {
        let invalid = |param, rule, value: String| Err(ModelError::InvalidParam { param, rule, value });
        if self.epochs == 0 {
            return invalid("epochs", "must be ≥ 1", "0".into());
        }
        if self.batch_size == 0 {
            return invalid("batch_size", "must be ≥ 1", "0".into());
        }
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return invalid("learning_rate", "must be a finite number > 0", self.learning_rate.to_string());
        }
        if !(self.l2.is_finite() && self.l2 >= 0.0) {
            return invalid("l2", "must be a finite number ≥ 0", self.l2.to_string());
        }
        Ok(())
    }
}

/// The small network (the notebook's first).
#[derive(Module, Debug)]
pub struct SmallCnn {
    conv1: Conv2d,
    conv2: Conv2d,
    pool: MaxPool2d,
    dense: Linear,
    dropout: Dropout,
    output: Linear,
    relu: Relu,
}

impl SmallCnn {
    fn new(device: &Device, [height, width]: [usize; 2], n_classes: usize) -> Self {
        // Valid convolutions and 2×2 pools: 128 → 126 → 63 → 61 → 30.
        let side = |n: usize| (n.saturating_sub(2) / 2).saturating_sub(2) / 2;
        Self {
            conv1: Conv2dConfig::new([1, 32], [3, 3]).init(device),
            conv2: Conv2dConfig::new([32, 64], [3, 3]).init(device),
            pool: MaxPool2dConfig::new([2, 2]).init(),
            dense: LinearConfig::new(64 * side(height) * side(width), 64).init(device),
            dropout: DropoutConfig::new(0.5).init(),
            output: LinearConfig::new(64, n_classes).init(device),
            relu: Relu::new(),
        }
    }

    fn embed(&self, x: Tensor<4>) -> Tensor<2> {
        let x = self.pool.forward(self.relu.forward(self.conv1.forward(x)));
        let x = self.pool.forward(self.relu.forward(self.conv2.forward(x)));
        self.relu.forward(self.dense.forward(x.flatten(1, 3)))
    }

    fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        self.output.forward(self.dropout.forward(self.embed(x)))
    }
}

/// One block of the large network: Conv 3×3 → ReLU → batch norm → max-pool 2 (Keras's order).
#[derive(Module, Debug)]
pub struct ConvBlock {
    conv: Conv2d,
    norm: BatchNorm,
    pool: MaxPool2d,
    relu: Relu,
}

impl ConvBlock {
    fn new(device: &Device, channels: [usize; 2]) -> Self {
        Self {
            conv: Conv2dConfig::new(channels, [3, 3]).init(device),
            norm: BatchNormConfig::new(channels[1]).init(device),
            pool: MaxPool2dConfig::new([2, 2]).init(),
            relu: Relu::new(),
        }
    }

    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        self.pool.forward(self.norm.forward(self.relu.forward(self.conv.forward(x))))
    }
}

/// The large network (the notebook's second).
#[derive(Module, Debug)]
pub struct LargeCnn {
    blocks: Vec<ConvBlock>,
    dense: Linear,
    dropout: Dropout,
    norm: BatchNorm,
    output: Linear,
    relu: Relu,
}

impl LargeCnn {
    fn new(device: &Device, [height, width]: [usize; 2], n_classes: usize) -> Self {
        let channels = [1, 64, 128, 256];
        // Each block: a valid 3×3 convolution (−2) then a 2×2 pool (÷2): 128 → 63 → 30 → 14.
        let side = |n: usize| (0..3).fold(n, |n, _| n.saturating_sub(2) / 2);
        Self {
            blocks: channels.windows(2).map(|c| ConvBlock::new(device, [c[0], c[1]])).collect(),
            dense: LinearConfig::new(256 * side(height) * side(width), 128).init(device),
            dropout: DropoutConfig::new(0.5).init(),
            norm: BatchNormConfig::new(128).init(device),
            output: LinearConfig::new(128, n_classes).init(device),
            relu: Relu::new(),
        }
    }

    fn embed(&self, x: Tensor<4>) -> Tensor<2> {
        let x = self.blocks.iter().fold(x, |x, block| block.forward(x));
        self.relu.forward(self.dense.forward(x.flatten(1, 3)))
    }

    fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        self.output.forward(self.norm.forward(self.dropout.forward(self.embed(x))))
    }
}

/// Either network. (One exists per trained model, so the variants' size difference costs
/// nothing; burn's `Module` derive cannot see through a `Box`.)
#[allow(clippy::large_enum_variant)]
#[derive(Module, Debug)]
pub enum Network {
    /// The notebook's first network.
    Small(SmallCnn),
    /// The notebook's second network.
    Large(LargeCnn),
}

impl Network {
    fn new(architecture: CnnArchitecture, device: &Device, shape: [usize; 2], n_classes: usize) -> Self {
        match architecture {
            CnnArchitecture::Small => Self::Small(SmallCnn::new(device, shape, n_classes)),
            CnnArchitecture::Large => Self::Large(LargeCnn::new(device, shape, n_classes)),
        }
    }

    fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        match self {
            Self::Small(n) => n.forward(x),
            Self::Large(n) => n.forward(x),
        }
    }

    /// The penultimate layer's activations (64 for `small`, 128 for `large`).
    fn embed(&self, x: Tensor<4>) -> Tensor<2> {
        match self {
            Self::Small(n) => n.embed(x),
            Self::Large(n) => n.embed(x),
        }
    }
}

/// Loss and accuracy of one epoch.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EpochRecord {
    /// Mean cross-entropy over the training rows (with dropout, as trained; class-weighted as
    /// the loss being minimised is).
    pub train_loss: f64,
    /// Share of training rows classified right during the epoch.
    pub train_accuracy: f64,
    /// Cross-entropy on the validation rows, weighted the same way (None without them).
    pub val_loss: Option<f64>,
    /// Share of validation rows classified right.
    pub val_accuracy: Option<f64>,
}

/// A trained network with its input standardisation and learning curve.
pub struct FittedCnn {
    network: Network,
    shape: [usize; 2],
    n_classes: usize,
    /// Whether each class had training rows: the others get probability 0.
    present: Vec<bool>,
    mean: f32,
    std: f32,
    history: Vec<EpochRecord>,
    best_epoch: usize,
}

/// Rows of `x` (flattened images) as `(n, 1, height, width)` standardised f32 on `device`.
fn images(
    x: ArrayView2<f64>,
    rows: &[usize],
    [height, width]: [usize; 2],
    mean: f32,
    std: f32,
    device: &Device,
) -> Tensor<4> {
    let mut data = Vec::with_capacity(rows.len() * height * width);
    for &r in rows {
        data.extend(x.row(r).iter().map(|&v| (v as f32 - mean) / std));
    }
    Tensor::<4>::from_data(TensorData::new(data, [rows.len(), 1, height, width]), device)
}

/// A random shift of up to 10 % in each direction (edge values repeated) and a time reversal
/// with probability ½, applied to each image of a batch in place.
fn augment(batch: &mut [f32], [height, width]: [usize; 2], rng: &mut ChaCha8Rng) {
    let max_dy = (height as f64 * 0.1).round() as i64;
    let max_dx = (width as f64 * 0.1).round() as i64;
    for image in batch.chunks_mut(height * width) {
        let dy = rng.gen_range(-max_dy..=max_dy);
        let dx = rng.gen_range(-max_dx..=max_dx);
        let flip = rng.gen_bool(0.5);
        let source = image.to_vec();
        for r in 0..height {
            let sr = (r as i64 - dy).clamp(0, height as i64 - 1) as usize;
            for c in 0..width {
                let c_in = if flip { width - 1 - c } else { c };
                let sc = (c_in as i64 - dx).clamp(0, width as i64 - 1) as usize;
                image[r * width + c] = source[sr * width + sc];
            }
        }
    }
}

fn failed(error: impl ToString) -> ModelError {
    ModelError::Fit { model: "cnn", reason: error.to_string() }
}

/// Loss and accuracy of `network` (in evaluation mode) on `rows`, in batches; the loss is
/// weighted by class as the training loss is (Σ w·ℓ / Σ w), so the two curves compare.
fn evaluate(
    network: &Network,
    fitted: &FittedCnn,
    x: ArrayView2<f64>,
    rows: &[usize],
    y: &[usize],
    class_weights: &[f32],
) -> (f64, f64) {
    let proba = fitted.proba_with(network, x, rows);
    let predicted = super::argmax_rows(&proba);
    let weight = |class: usize| f64::from(class_weights[class]);
    let loss: f64 = y.iter().enumerate().map(|(i, &class)| -weight(class) * proba[[i, class]].max(1e-12).ln()).sum();
    let total: f64 = y.iter().map(|&class| weight(class)).sum();
    let right = predicted.iter().zip(y).filter(|(p, t)| p == t).count();
    (loss / total, right as f64 / y.len() as f64)
}

pub(super) fn fit_cnn(
    params: &CnnParams,
    train: TrainingSet<'_>,
    rng: &mut ChaCha8Rng,
) -> Result<FittedCnn, ModelError> {
    let shape = train.image_shape.ok_or_else(|| failed("needs images (recipe = \"logmel128\")"))?;
    let n = train.x.nrows();
    let mean = (train.x.sum() / train.x.len() as f64) as f32;
    let var = train.x.iter().map(|&v| (v as f32 - mean).powi(2)).sum::<f32>() / train.x.len() as f32;
    let std = if var > 0.0 { var.sqrt() } else { 1.0 };
    let class_weights: Vec<f32> = match params.class_weight {
        ClassWeight::None => vec![1.0; train.n_classes],
        ClassWeight::Balanced => {
            // One weight per class, as compute_sample_weight gives its rows; 1 for absent ones.
            let per_row = balanced_sample_weights(train.y, train.n_classes);
            let mut weights = vec![1.0; train.n_classes];
            for (&class, w) in train.y.iter().zip(per_row) {
                weights[class] = w as f32;
            }
            weights
        }
    };
    let seed: u64 = rng.gen();
    let _serialised = TRAINING.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let device = Device::flex().autodiff();
    device.seed(seed);
    let mut network = Network::new(params.architecture, &device, shape, train.n_classes);
    let mut optimizer = match params.l2 {
        // Keras's l2(λ) adds λ·w² to the loss: 2λ·w to the gradient.
        l2 if l2 > 0.0 => {
            AdamConfig::new().with_epsilon(1e-7).with_weight_decay(Some(WeightDecayConfig::new((2.0 * l2) as f32)))
        }
        _ => AdamConfig::new().with_epsilon(1e-7),
    }
    .init();
    let loss_fn = CrossEntropyLossConfig::new().with_weights(Some(class_weights.clone())).init(&device);
    let mut present = vec![false; train.n_classes];
    for &class in train.y {
        present[class] = true;
    }
    let mut fitted = FittedCnn {
        network: network.valid(),
        shape,
        n_classes: train.n_classes,
        present,
        mean,
        std,
        history: Vec::new(),
        best_epoch: 0,
    };
    let val = train.val.filter(|v| !v.1.is_empty());
    let mut best_loss = f64::INFINITY;
    let mut order: Vec<usize> = (0..n).collect();
    let [height, width] = shape;
    for epoch in 0..params.epochs {
        order.shuffle(rng);
        let (mut loss_sum, mut right) = (0.0f64, 0usize);
        for batch in order.chunks(params.batch_size) {
            let mut data = Vec::with_capacity(batch.len() * height * width);
            for &r in batch {
                data.extend(train.x.row(r).iter().map(|&v| (v as f32 - mean) / std));
            }
            if params.augment {
                augment(&mut data, shape, rng);
            }
            let x = Tensor::<4>::from_data(TensorData::new(data, [batch.len(), 1, height, width]), &device);
            let targets: Vec<i64> = batch.iter().map(|&r| train.y[r] as i64).collect();
            let y = Tensor::<1, Int>::from_data(TensorData::new(targets.clone(), [batch.len()]), &device);
            let logits = network.forward(x);
            let scores =
                logits.clone().detach().into_data().try_into_vec::<f32>().map_err(|e| failed(format!("{e:?}")))?;
            for (row, &t) in scores.chunks(train.n_classes).zip(&targets) {
                let best =
                    row.iter().enumerate().fold((0, f32::NEG_INFINITY), |b, (c, &v)| if v > b.1 { (c, v) } else { b });
                right += usize::from(best.0 as i64 == t);
            }
            let loss = loss_fn.forward(logits, y);
            loss_sum += f64::from(loss.clone().into_scalar::<f32>()) * batch.len() as f64;
            let grads = GradientsParams::from_grads(loss.backward(), &network);
            network = optimizer.step(params.learning_rate, network, grads);
        }
        let evaluated = network.valid();
        let (val_loss, val_accuracy) = match val {
            Some((vx, vy)) => {
                let rows: Vec<usize> = (0..vy.len()).collect();
                let (l, a) = evaluate(&evaluated, &fitted, vx, &rows, vy, &class_weights);
                (Some(l), Some(a))
            }
            None => (None, None),
        };
        fitted.history.push(EpochRecord {
            train_loss: loss_sum / n as f64,
            train_accuracy: right as f64 / n as f64,
            val_loss,
            val_accuracy,
        });
        let stops_early = params.patience > 0 && val_loss.is_some();
        if !stops_early || val_loss.is_some_and(|l| l < best_loss) {
            best_loss = val_loss.unwrap_or(f64::INFINITY);
            fitted.network = evaluated;
            fitted.best_epoch = epoch;
        } else if epoch - fitted.best_epoch >= params.patience {
            break;
        }
    }
    Ok(fitted)
}

impl FittedCnn {
    /// Softmax probabilities of `network` on `rows` of `x`, in batches of 64.
    fn proba_with(&self, network: &Network, x: ArrayView2<f64>, rows: &[usize]) -> Array2<f64> {
        let device = Device::flex();
        let mut proba = Array2::zeros((rows.len(), self.n_classes));
        for (b, batch) in rows.chunks(64).enumerate() {
            let out = softmax(network.forward(images(x, batch, self.shape, self.mean, self.std, &device)), 1);
            let values = out.into_data().try_into_vec::<f32>().expect("softmax gives f32");
            for (i, p) in values.chunks(self.n_classes).enumerate() {
                // Renormalised over the classes seen in training.
                let seen = |c: usize| if self.present[c] { f64::from(p[c]) } else { 0.0 };
                let total: f64 = (0..self.n_classes).map(seen).sum();
                for c in 0..self.n_classes {
                    proba[[b * 64 + i, c]] = seen(c) / total;
                }
            }
        }
        proba
    }

    /// The penultimate layer's activations for every row of `x` (the CNN features the
    /// notebook's §9.4 gave to XGBoost).
    #[must_use]
    pub fn embed(&self, x: ArrayView2<f64>) -> Array2<f64> {
        let device = Device::flex();
        let rows: Vec<usize> = (0..x.nrows()).collect();
        let mut out: Option<Array2<f64>> = None;
        for batch in rows.chunks(64) {
            let e = self.network.embed(images(x, batch, self.shape, self.mean, self.std, &device));
            let [b, d] = e.dims();
            let values: Vec<f64> =
                e.into_data().try_into_vec::<f32>().expect("f32").into_iter().map(f64::from).collect();
            let block = Array2::from_shape_vec((b, d), values).expect("dims match");
            out = Some(match out {
                None => block,
                Some(mut all) => {
                    all.append(ndarray::Axis(0), block.view()).expect("same width");
                    all
                }
            });
        }
        out.unwrap_or_else(|| Array2::zeros((0, 0)))
    }

    /// Loss and accuracy per epoch (the learning curve).
    #[must_use]
    pub fn history(&self) -> &[EpochRecord] {
        &self.history
    }

    /// The epoch whose weights were kept (the lowest validation loss when stopping early, else
    /// the last).
    #[must_use]
    pub fn best_epoch(&self) -> usize {
        self.best_epoch
    }

    /// The weights as bytes (burn's record format), for saving.
    pub fn to_bytes(&self) -> Result<Vec<u8>, ModelError> {
        Ok(self.network.clone().into_record().into_bytes().map_err(|e| failed(format!("{e:?}")))?.to_vec())
    }

    /// This model with the weights of `bytes` (from [`Self::to_bytes`] of a model of the same
    /// architecture and shape).
    pub fn with_weights(&self, bytes: Vec<u8>, architecture: CnnArchitecture) -> Result<Self, ModelError> {
        let record = ModuleRecord::from_bytes(Bytes::from_bytes_vec(bytes)).map_err(|e| failed(format!("{e:?}")))?;
        let network =
            Network::new(architecture, &Device::flex(), self.shape, self.n_classes).load_record(record).valid();
        Ok(Self { network, history: self.history.clone(), present: self.present.clone(), ..*self })
    }
}

impl FittedClassifier for FittedCnn {
    fn predict_proba(&self, x: ArrayView2<f64>) -> Result<Array2<f64>, ModelError> {
        let rows: Vec<usize> = (0..x.nrows()).collect();
        Ok(self.proba_with(&self.network, x, &rows))
    }

    fn history(&self) -> Option<&[EpochRecord]> {
        Some(&self.history)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    /// 40 images of 16 × 16: class 1 has a bright 6 × 6 square somewhere, class 0 only noise.
    fn toy_images() -> (Array2<f64>, Vec<usize>) {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let y: Vec<usize> = (0..40).map(|i| i % 2).collect();
        let x = Array2::from_shape_fn((40, 256), |(i, j)| {
            let (r, c) = (j / 16, j % 16);
            let (r0, c0) = (2 + (i * 7) % 8, 2 + (i * 5) % 8);
            let square = y[i] == 1 && (r0..r0 + 6).contains(&r) && (c0..c0 + 6).contains(&c);
            if square {
                1.0
            } else {
                0.3 * rng.gen::<f64>()
            }
        });
        (x, y)
    }

    fn train(params: &CnnParams, threads: usize) -> (FittedCnn, Array2<f64>) {
        let (x, y) = toy_images();
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| {
            let val = (x.slice(ndarray::s![30.., ..]), &y[30..]);
            let set = TrainingSet {
                x: x.slice(ndarray::s![..30, ..]),
                y: &y[..30],
                n_classes: 2,
                val: Some(val),
                image_shape: Some([16, 16]),
                groups: None,
            };
            let fitted = fit_cnn(params, set, &mut ChaCha8Rng::seed_from_u64(4)).unwrap();
            let proba = fitted.predict_proba(x.view()).unwrap();
            (fitted, proba)
        })
    }

    #[test]
    fn the_loss_falls_on_a_separable_set_and_the_same_seed_gives_the_same_model_on_1_or_2_threads() {
        let params = CnnParams { epochs: 6, batch_size: 8, patience: 0, ..CnnParams::default() };
        let (fitted, one) = train(&params, 1);
        let history = fitted.history();
        assert_eq!(history.len(), 6);
        assert!(history[5].train_loss < history[0].train_loss * 0.8, "{history:?}");
        let (_, two) = train(&params, 2);
        assert_eq!(one, two, "bit-identical probabilities for 1 and 2 threads");
        let predicted = crate::models::argmax_rows(&one);
        let right = predicted.iter().zip(toy_images().1).filter(|(p, t)| **p == *t).count();
        assert!(right >= 36, "{right} of 40");
    }

    #[test]
    fn a_saved_and_reloaded_model_predicts_identically() {
        let params = CnnParams { epochs: 2, batch_size: 8, ..CnnParams::default() };
        let (fitted, proba) = train(&params, 2);
        let reloaded = fitted.with_weights(fitted.to_bytes().unwrap(), params.architecture).unwrap();
        assert_eq!(reloaded.predict_proba(toy_images().0.view()).unwrap(), proba);
        assert_eq!(reloaded.embed(toy_images().0.view()).dim(), (40, 64));
    }

    #[test]
    fn early_stopping_keeps_the_best_validation_epoch() {
        let params = CnnParams { epochs: 40, batch_size: 8, patience: 2, ..CnnParams::default() };
        let (fitted, _) = train(&params, 2);
        let history = fitted.history();
        let best = fitted.best_epoch();
        let lowest = history.iter().filter_map(|h| h.val_loss).fold(f64::INFINITY, f64::min);
        assert_eq!(history[best].val_loss, Some(lowest));
        assert!(history.len() <= best + 3, "stopped within patience of the best epoch");
    }

    #[test]
    fn the_large_network_trains_with_batch_norm_l2_and_augmentation() {
        let params = CnnParams {
            architecture: CnnArchitecture::Large,
            epochs: 1,
            batch_size: 8,
            l2: 0.001,
            augment: true,
            ..CnnParams::default()
        };
        let (x, y) = toy_images();
        // 3 valid-conv blocks need ≥ 22 pixels a side: use 32 × 32 images.
        let big = Array2::from_shape_fn((40, 1024), |(i, j)| x[[i, (j / 32 / 2) * 16 + (j % 32) / 2]]);
        let set =
            TrainingSet { x: big.view(), y: &y, n_classes: 2, val: None, image_shape: Some([32, 32]), groups: None };
        let fitted = fit_cnn(&params, set, &mut ChaCha8Rng::seed_from_u64(1)).unwrap();
        let proba = fitted.predict_proba(big.view()).unwrap();
        assert!(proba.rows().into_iter().all(|r| (r.sum() - 1.0).abs() < 1e-5));
        assert_eq!(fitted.embed(big.view()).ncols(), 128);
    }
}

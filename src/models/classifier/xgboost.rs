//! `boosting` with `engine = "xgboost"`: XGBoost's own C++ library (the notebook's §9.3
//! `XGBClassifier`), through the raw C API of `xgboost_lib-sys`, which builds the vendored
//! source. Only in builds with the cargo feature `xgboost`.
//!
//! The booster is trained as Python's `XGBClassifier.fit` trains it: `binary:logistic` for two
//! classes and `multi:softprob` for more, `hist` trees (the library's default), float32 inputs,
//! optional sample weights, one boosting round at a time with early stopping on the validation
//! rows' log-loss (a round counts as better only when strictly lower), and predictions from the
//! rounds up to the best one. One thread (`nthread = 1`): OpenMP's spinning on a busy 2-core
//! machine made two threads slower, and one thread keeps results independent of the machine.
//!
//! The one module of vlogmood with `unsafe`: calls into XGBoost's C API, each with its safety
//! argument; handles are owned by types that free them on drop.
#![allow(unsafe_code)]

use std::ffi::{c_char, CStr, CString};
use std::ptr;
use std::sync::Mutex;

use ndarray::{Array2, ArrayView2};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use xgboost_lib_sys as sys;

use super::boosting::{balanced_sample_weights, BoostingParams, ClassWeight};
use super::{FittedClassifier, TrainingSet};
use crate::models::ModelError;

fn failed(reason: impl ToString) -> ModelError {
    ModelError::Fit { model: "boosting (xgboost)", reason: reason.to_string() }
}

/// XGBoost's message for a failed call (`XGBGetLastError`) as an error.
fn check(status: i32) -> Result<(), ModelError> {
    if status == 0 {
        return Ok(());
    }
    // SAFETY: XGBGetLastError returns a NUL-terminated string owned by the library (thread-local).
    let message = unsafe { CStr::from_ptr(sys::XGBGetLastError()) };
    Err(failed(message.to_string_lossy()))
}

fn c_string(text: &str) -> CString {
    CString::new(text).expect("no NUL in XGBoost parameter text")
}

/// A dense float32 matrix in XGBoost (NaN is missing), freed on drop.
struct DMatrix(sys::DMatrixHandle);

impl DMatrix {
    fn new(x: ArrayView2<f64>) -> Result<Self, ModelError> {
        let data: Vec<f32> = x.iter().map(|&v| v as f32).collect();
        let mut handle = ptr::null_mut();
        // SAFETY: `data` holds nrows × ncols floats in row order; XGBoost copies them.
        check(unsafe {
            sys::XGDMatrixCreateFromMat(data.as_ptr(), x.nrows() as u64, x.ncols() as u64, f32::NAN, &raw mut handle)
        })?;
        Ok(Self(handle))
    }

    fn set(&self, field: &str, values: &[f32]) -> Result<(), ModelError> {
        let field = c_string(field);
        // SAFETY: the handle is live; XGBoost copies `values.len()` floats.
        check(unsafe { sys::XGDMatrixSetFloatInfo(self.0, field.as_ptr(), values.as_ptr(), values.len() as u64) })
    }
}

impl Drop for DMatrix {
    fn drop(&mut self) {
        // SAFETY: created by XGDMatrixCreateFromMat and freed once.
        unsafe { sys::XGDMatrixFree(self.0) };
    }
}

/// A booster handle, freed on drop. XGBoost boosters are not documented as safe to call from
/// two threads at once, so every use goes through the mutex of [`XgbBoosted`].
struct Booster(sys::BoosterHandle);

// SAFETY: the handle is only used behind a Mutex (one thread at a time), and XGBoost keeps no
// thread-affine state in a booster.
unsafe impl Send for Booster {}

impl Booster {
    fn set(&self, name: &str, value: &str) -> Result<(), ModelError> {
        let (name, value) = (c_string(name), c_string(value));
        // SAFETY: the handle is live; both strings are NUL-terminated and copied by XGBoost.
        check(unsafe { sys::XGBoosterSetParam(self.0, name.as_ptr(), value.as_ptr()) })
    }

    /// The log-loss of round `round` on `data` (the last number of XGBoost's evaluation line).
    fn loss(&self, round: i32, data: &DMatrix) -> Result<f64, ModelError> {
        let name = c_string("validation_0");
        let mut dmats = [data.0];
        let names = [name.as_ptr()];
        let mut out: *const c_char = ptr::null();
        // SAFETY: one live DMatrix and its name; `out` points at a string owned by the booster.
        check(unsafe {
            sys::XGBoosterEvalOneIter(self.0, round, dmats.as_mut_ptr(), names.as_ptr().cast_mut(), 1, &raw mut out)
        })?;
        // SAFETY: XGBoost returned a NUL-terminated string valid until the next call.
        let line = unsafe { CStr::from_ptr(out) }.to_string_lossy().into_owned();
        line.rsplit(':')
            .next()
            .and_then(|v| v.trim().parse().ok())
            .ok_or_else(|| failed(format!("unreadable evaluation line {line:?}")))
    }

    /// Probabilities (rows × `width`) from rounds `0..rounds`.
    fn predict(&self, data: &DMatrix, rounds: usize, width: usize) -> Result<Vec<f32>, ModelError> {
        let config = c_string(&format!(
            r#"{{"type": 0, "training": false, "iteration_begin": 0, "iteration_end": {rounds}, "strict_shape": true}}"#
        ));
        let (mut shape, mut dim, mut out): (*const u64, u64, *const f32) = (ptr::null(), 0, ptr::null());
        // SAFETY: live handles; the result buffer is owned by the booster until its next call,
        // and is copied out below.
        check(unsafe {
            sys::XGBoosterPredictFromDMatrix(
                self.0,
                data.0,
                config.as_ptr(),
                &raw mut shape,
                &raw mut dim,
                &raw mut out,
            )
        })?;
        // SAFETY: `shape` has `dim` entries.
        let shape = unsafe { std::slice::from_raw_parts(shape, dim as usize) };
        let len: u64 = shape.iter().product();
        if shape.last().copied() != Some(width as u64) {
            return Err(failed(format!("prediction shape {shape:?}, expected {width} columns")));
        }
        // SAFETY: `out` holds `len` floats.
        Ok(unsafe { std::slice::from_raw_parts(out, len as usize) }.to_vec())
    }

    /// Total split gain of each feature over every tree kept (`total_gain`).
    fn total_gain(&self, n_features: usize) -> Result<Vec<f64>, ModelError> {
        let config = c_string(r#"{"importance_type": "total_gain", "feature_names": []}"#);
        let (mut n, mut names): (u64, *mut *const c_char) = (0, ptr::null_mut());
        let (mut dim, mut shape, mut scores): (u64, *const u64, *const f32) = (0, ptr::null(), ptr::null());
        // SAFETY: live handle; the outputs are owned by the booster and copied below.
        check(unsafe {
            sys::XGBoosterFeatureScore(
                self.0,
                config.as_ptr(),
                &raw mut n,
                (&raw mut names).cast(),
                &raw mut dim,
                &raw mut shape,
                &raw mut scores,
            )
        })?;
        let mut gains = vec![0.0; n_features];
        for i in 0..n as usize {
            // SAFETY: `names` and `scores` have `n` entries (one score per feature for trees).
            let (name, score) = unsafe { (CStr::from_ptr(*names.add(i)), *scores.add(i)) };
            let index = name.to_str().ok().and_then(|s| s.trim_start_matches('f').parse::<usize>().ok());
            match index {
                Some(j) if j < n_features => gains[j] = f64::from(score),
                _ => return Err(failed(format!("unexpected feature name {name:?}"))),
            }
        }
        Ok(gains)
    }
}

impl Drop for Booster {
    fn drop(&mut self) {
        // SAFETY: created by XGBoosterCreate and freed once.
        unsafe { sys::XGBoosterFree(self.0) };
    }
}

/// A fitted XGBoost booster over the classes present in training.
pub(super) struct XgbBoosted {
    booster: Mutex<Booster>,
    /// Rounds used for prediction (the best round + 1 when stopping early).
    rounds: usize,
    present: Vec<usize>,
    n_classes: usize,
    n_features: usize,
}

pub(super) fn fit_xgboost(
    params: &BoostingParams,
    train: TrainingSet<'_>,
    rng: &mut ChaCha8Rng,
) -> Result<XgbBoosted, ModelError> {
    let present = train.present_classes();
    let seed: u32 = rng.gen();
    let n_features = train.x.ncols();
    let mut fitted = XgbBoosted {
        booster: Mutex::new(Booster(ptr::null_mut())),
        rounds: 0,
        present: present.clone(),
        n_classes: train.n_classes,
        n_features,
    };
    if present.len() < 2 {
        return Ok(fitted);
    }
    let index_of = |class: usize| present.iter().position(|&c| c == class);
    let dtrain = DMatrix::new(train.x)?;
    dtrain.set("label", &train.y.iter().map(|&c| index_of(c).expect("present") as f32).collect::<Vec<_>>())?;
    if params.class_weight == ClassWeight::Balanced {
        let weights = balanced_sample_weights(train.y, train.n_classes);
        dtrain.set("weight", &weights.iter().map(|&w| w as f32).collect::<Vec<_>>())?;
    }
    // Validation rows of classes the booster knows (a class absent from training has no output).
    let dval = match (params.early_stopping_rounds, train.val) {
        (Some(_), Some((vx, vy))) => {
            let keep: Vec<usize> = (0..vy.len()).filter(|&i| index_of(vy[i]).is_some()).collect();
            let matrix = DMatrix::new(vx.select(ndarray::Axis(0), &keep).view())?;
            matrix.set("label", &keep.iter().map(|&i| index_of(vy[i]).expect("kept") as f32).collect::<Vec<_>>())?;
            (!keep.is_empty()).then_some(matrix)
        }
        _ => None,
    };
    let mut handle = ptr::null_mut();
    let mut cache = [dtrain.0];
    // SAFETY: one live DMatrix to cache; the handle is owned by `Booster` from here on.
    check(unsafe { sys::XGBoosterCreate(cache.as_mut_ptr(), 1, &raw mut handle) })?;
    let booster = Booster(handle);
    let binary = present.len() == 2;
    booster.set("objective", if binary { "binary:logistic" } else { "multi:softprob" })?;
    if !binary {
        booster.set("num_class", &present.len().to_string())?;
    }
    booster.set("eval_metric", if binary { "logloss" } else { "mlogloss" })?;
    booster.set("learning_rate", &params.learning_rate().to_string())?;
    booster.set("max_depth", &params.max_depth().to_string())?;
    booster.set("max_bin", &params.max_bin.to_string())?;
    booster.set("seed", &seed.to_string())?;
    booster.set("nthread", "1")?;
    let (mut best, mut best_loss) = (0usize, f64::INFINITY);
    let mut rounds = 0;
    for round in 0..params.n_estimators() {
        // SAFETY: live booster and training matrix.
        check(unsafe { sys::XGBoosterUpdateOneIter(booster.0, round as i32, dtrain.0) })?;
        rounds = round + 1;
        if let (Some(patience), Some(dval)) = (params.early_stopping_rounds, &dval) {
            let loss = booster.loss(round as i32, dval)?;
            if loss < best_loss {
                (best, best_loss) = (round, loss);
            } else if round - best >= patience {
                break;
            }
        }
    }
    fitted.rounds = if dval.is_some() { best + 1 } else { rounds };
    fitted.booster = Mutex::new(booster);
    Ok(fitted)
}

impl FittedClassifier for XgbBoosted {
    fn predict_proba(&self, x: ArrayView2<f64>) -> Result<Array2<f64>, ModelError> {
        let mut proba = Array2::zeros((x.nrows(), self.n_classes));
        if self.present.len() < 2 {
            proba.column_mut(self.present[0]).fill(1.0);
            return Ok(proba);
        }
        let booster = self.booster.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let binary = self.present.len() == 2;
        let width = if binary { 1 } else { self.present.len() };
        let flat = booster.predict(&DMatrix::new(x)?, self.rounds, width)?;
        for (row, chunk) in flat.chunks(width).enumerate() {
            let values: Vec<f64> = if binary {
                vec![1.0 - f64::from(chunk[0]), f64::from(chunk[0])]
            } else {
                chunk.iter().map(|&p| f64::from(p)).collect()
            };
            let total: f64 = values.iter().sum();
            for (&class, p) in self.present.iter().zip(&values) {
                proba[[row, class]] = p / total;
            }
        }
        Ok(proba)
    }

    /// Total split gain of each feature over every tree grown (as `XGBClassifier`'s importances
    /// count them, early stopping or not), normalised to sum 1.
    fn feature_importances(&self) -> Option<Vec<f64>> {
        if self.present.len() < 2 {
            return None;
        }
        let booster = self.booster.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let gains = booster.total_gain(self.n_features).ok()?;
        let total: f64 = gains.iter().sum();
        (total > 0.0).then(|| gains.iter().map(|v| v / total).collect())
    }
}

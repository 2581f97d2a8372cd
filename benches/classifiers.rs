//! Criterion benches of the classifiers the issue sized experiments by: one CNN training step
//! (one batch of 32 log-mel images of 128 × 128, forward and backward, Adam update) for each
//! network, and one boosting fit (perpetual, 8 classes) on the 192 × 45 feature matrix of the
//! published `compare_all_clusterers` run with the RAVDESS emotions.

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion};
use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use vlogmood::models::classifier::{CnnArchitecture, CnnParams};
use vlogmood::models::{ClassifierModel, TrainingSet};

/// The published run's feature matrix and each row's emotion as a class index.
fn features_and_emotions() -> (Array2<f64>, Vec<usize>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let run = std::fs::read_dir(root.join("runs"))
        .expect("runs/")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("compare_all_clusterers-")))
        .expect("the published compare_all_clusterers run");
    let x: Array2<f64> = ndarray_npy::read_npy(run.join("features.npy")).expect("features.npy");
    let labels = std::fs::read_to_string(root.join("data/ravdess/labels.csv")).expect("labels");
    let emotion: std::collections::BTreeMap<&str, &str> =
        labels.lines().skip(1).map(|l| l.split(',').collect::<Vec<_>>()).map(|f| (f[0], f[3])).collect();
    let files = std::fs::read_to_string(run.join("files.txt")).expect("files.txt");
    let classes: std::collections::BTreeSet<&str> = emotion.values().copied().collect();
    let classes: Vec<&str> = classes.into_iter().collect();
    let y = files.lines().map(|f| classes.iter().position(|c| *c == emotion[f]).expect("known")).collect();
    (x, y)
}

fn cnn_step(c: &mut Criterion) {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let images = Array2::from_shape_fn((32, 128 * 128), |_| rng.gen_range(-80.0..0.0));
    let y: Vec<usize> = (0..32).map(|i| i % 8).collect();
    let mut group = c.benchmark_group("cnn_training_step_32_images");
    group.sample_size(10);
    for architecture in [CnnArchitecture::Small, CnnArchitecture::Large] {
        // One epoch of one batch = one step (no validation rows, so no evaluation pass).
        let model = ClassifierModel::Cnn(CnnParams { architecture, epochs: 1, patience: 0, ..CnnParams::default() });
        let train = TrainingSet {
            x: images.view(),
            y: &y,
            n_classes: 8,
            val: None,
            image_shape: Some([128, 128]),
            groups: None,
        };
        group.bench_function(model.name(), |b| {
            b.iter(|| black_box(model.fit(train, &mut ChaCha8Rng::seed_from_u64(7)).expect("trains")))
        });
    }
    group.finish();
}

fn boosting_fit(c: &mut Criterion) {
    let (x, y) = features_and_emotions();
    let model = ClassifierModel::Boosting(Default::default());
    let train = TrainingSet { x: x.view(), y: &y, n_classes: 8, val: None, image_shape: None, groups: None };
    let mut group = c.benchmark_group(format!("boosting_fit_{}_rows", x.nrows()));
    group.sample_size(10);
    group.bench_function("perpetual_budget_0.5", |b| {
        b.iter(|| black_box(model.fit(train, &mut ChaCha8Rng::seed_from_u64(7)).expect("fits")))
    });
    group.finish();
}

criterion_group!(benches, cnn_step, boosting_fit);
criterion_main!(benches);

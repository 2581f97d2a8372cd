//! Criterion benches of every clusterer behind the model seam (`ClusterModel::fit`), with the
//! parameters of `experiments/compare_all_clusterers.toml`, on a standardised feature matrix.
//!
//! `cargo bench --bench clusterers` fits on the committed 192-row matrix of the
//! `compare_all_clusterers` run. `VLOGMOOD_BENCH_FEATURES=path/to/features.npy` fits on another
//! (e.g. the 720-clip corpus: `vlogmood features ../shared/data/ravdess-speech-actors-01-12
//! --out /tmp/f720` then `VLOGMOOD_BENCH_FEATURES=/tmp/f720/feature_matrix.npy`); it is standardised
//! here (zero mean, unit variance per column over all rows).

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{criterion_group, criterion_main, Criterion};
use ndarray::{Array2, Axis};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use vlogmood::models::ClusterModel;

const MODELS: &str = r#"models = [
  "kmeans", "agglomerative", "spectral", "gaussian_mixture", { name = "birch", threshold = 5.0 },
  { name = "som", rows = 3, cols = 3, n_iterations = 2000 }, { name = "dbscan", eps = 5.0, min_samples = 4 },
  { name = "optics", min_samples = 5 }, "mean_shift", "affinity_propagation",
]"#;

fn matrix() -> Array2<f64> {
    let path = std::env::var_os("VLOGMOOD_BENCH_FEATURES").map_or_else(
        || {
            let runs = Path::new(env!("CARGO_MANIFEST_DIR")).join("runs");
            let run = std::fs::read_dir(&runs)
                .expect("runs/")
                .filter_map(Result::ok)
                .map(|e| e.path())
                .find(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("compare_all_clusterers-")))
                .expect("the published compare_all_clusterers run");
            run.join("features.npy")
        },
        PathBuf::from,
    );
    let raw: Array2<f64> = ndarray_npy::read_npy(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mean = raw.mean_axis(Axis(0)).expect("rows");
    let std = raw.std_axis(Axis(0), 0.0).mapv(|s| if s > 0.0 { s } else { 1.0 });
    (raw - &mean) / &std
}

fn clusterers(c: &mut Criterion) {
    #[derive(serde::Deserialize)]
    struct Models {
        models: Vec<ClusterModel>,
    }
    let models: Models = toml::from_str(MODELS).expect("models");
    let x = matrix();
    let mut group = c.benchmark_group(format!("fit_{}_rows", x.nrows()));
    group.sample_size(10);
    for model in &models.models {
        let k = (model.k_use() != vlogmood::models::KUse::Never).then_some(4);
        group.bench_function(model.name(), |b| {
            b.iter(|| {
                let mut rng = ChaCha8Rng::seed_from_u64(42);
                black_box(model.fit(k, x.view(), &mut rng).expect("fits"))
            });
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    // Criterion's plots need system fonts a fresh machine may not have; the numbers are printed.
    config = Criterion::default().without_plots();
    targets = clusterers
}
criterion_main!(benches);

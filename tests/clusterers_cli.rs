//! The model seam driven through `vlogmood run`: all ten clusterers in one compare study and
//! grids over other models' parameters, on the committed mini corpus (24 clips, 6 actors).

mod util;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use util::{code, fixtures, stderr, vlogmood};

const MODELS: [&str; 10] = [
    "kmeans",
    "agglomerative",
    "spectral",
    "gaussian_mixture",
    "birch",
    "som",
    "dbscan",
    "optics",
    "mean_shift",
    "affinity_propagation",
];

fn spec(noise: &str) -> String {
    format!(
        r#"name = "clusterers"
seed = 5
[data]
corpus = "{}"
[split]
group_by = "actor"
fractions = [0.5, 0.25, 0.25]
[validation]
labels = ["emotion", "actor"]
n_permutations = 20
noise = "{noise}"
[[study]]
kind = "compare"
k = 3
bootstrap = 3
models = [
  "kmeans", "agglomerative", {{ name = "spectral", n_neighbors = 4 }}, {{ name = "gaussian_mixture", covariance_type = "diag" }},
  {{ name = "birch", threshold = 3.0 }}, {{ name = "som", rows = 2, cols = 2, n_iterations = 200 }},
  {{ name = "dbscan", eps = 6.0, min_samples = 3 }}, {{ name = "optics", min_samples = 3 }},
  "mean_shift", "affinity_propagation",
]
[[study]]
kind = "grid"
model = "dbscan"
score_on = "train"
grid = {{ eps = [5.0, 6.0, 8.0], min_samples = [2, 3] }}
[[study]]
kind = "grid"
model = {{ name = "gaussian_mixture", max_iter = 50 }}
grid = {{ covariance_type = ["diag", "spherical"], k = [2, 3] }}
"#,
        fixtures().join("corpus/mini").display()
    )
}

fn run(dir: &Path, threads: &str, text: &str) -> PathBuf {
    std::fs::write(dir.join("exp.toml"), text).expect("spec");
    let out = vlogmood(dir, &["--threads", threads, "run", "exp", "--no-cache"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    dir.join(String::from_utf8_lossy(&out.stdout).lines().last().expect("folder"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn csv(path: &Path) -> Vec<Vec<String>> {
    let mut reader = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header: Vec<String> = reader.headers().expect("header").iter().map(str::to_string).collect();
    std::iter::once(header)
        .chain(reader.records().map(|r| r.expect("record").iter().map(str::to_string).collect()))
        .collect()
}

#[test]
fn every_clusterer_runs_behind_one_seam_whatever_the_thread_count() {
    let (a, b) = (tempfile::tempdir().expect("tmp"), tempfile::tempdir().expect("tmp"));
    let one = run(a.path(), "1", &spec("non_noise_only"));
    let two = run(b.path(), "2", &spec("non_noise_only"));
    assert_eq!(read(&one.join("metrics.json")), read(&two.join("metrics.json")));
    for name in MODELS {
        assert_eq!(
            read(&one.join(format!("assignments/compare_{name}.csv"))),
            read(&two.join(format!("assignments/compare_{name}.csv")))
        );
    }

    // summary.csv: one compare row per model under scikit-learn's names, k only where taken.
    let summary = csv(&one.join("tables/summary.csv"));
    let column = |name: &str| summary[0].iter().position(|c| c == name).unwrap_or_else(|| panic!("{name}"));
    let (model, params, k, noise) = (column("model"), column("params"), column("k"), column("noise"));
    let compare: Vec<&Vec<String>> = summary[1..].iter().filter(|r| r[0] == "compare").collect();
    assert_eq!(compare.iter().map(|r| r[model].as_str()).collect::<Vec<_>>(), MODELS);
    for row in &compare {
        let takes_k = !["dbscan", "optics", "mean_shift", "affinity_propagation"].contains(&row[model].as_str());
        assert_eq!(row[k] == "3", takes_k, "{row:?}");
        assert_eq!(row[noise] == "non_noise_only", ["dbscan", "optics"].contains(&row[model].as_str()), "{row:?}");
    }
    let params_of = |name: &str| compare.iter().find(|r| r[model] == name).expect(name)[params].clone();
    assert_eq!(params_of("dbscan"), "eps=6.0;min_samples=3");
    assert!(
        params_of("gaussian_mixture").contains("covariance_type=diag;")
            && params_of("gaussian_mixture").contains("n_components=3")
    );
    assert!(params_of("birch").contains("n_clusters=3;threshold=3.0"));
    assert!(params_of("mean_shift").contains("bandwidth=None"));

    // Assignments: noise is −1; a model without out-of-sample assignment labels only the rows
    // it was fitted on, the others every row.
    let files = read(&one.join("files.txt")).lines().count();
    let rows = |name: &str| csv(&one.join(format!("assignments/compare_{name}.csv")))[1..].to_vec();
    assert_eq!(rows("kmeans").len(), files);
    assert!(rows("dbscan").iter().all(|r| r[1] == "train"));
    let clusters: BTreeSet<i64> = rows("optics").iter().map(|r| r[2].parse().expect("int")).collect();
    assert!(clusters.iter().all(|&c| c >= -1), "{clusters:?}");

    // Metrics of noisy models state the treatment; contingency tables and views exist per model.
    let metrics = read(&one.join("metrics.json"));
    assert!(metrics.contains("\"compare.dbscan.noise_fraction@noise=non_noise_only,split=train\""), "dbscan keys");
    assert!(metrics.contains("\"compare.kmeans.silhouette@k=3,split=train\""));
    for name in MODELS {
        assert!(one.join(format!("figures/compare_{name}_pca.png")).is_file(), "{name} view");
        assert!(one.join(format!("tables/compare_{name}_vs_emotion.csv")).is_file(), "{name} table");
        for figure in ["vs_emotion", "profile"] {
            assert!(one.join(format!("figures/compare_{name}_{figure}.png")).is_file(), "{name} {figure} heatmap");
        }
    }

    // Grids over DBSCAN's parameters and over a mixture's covariance shape × k.
    let dbscan_grid = csv(&one.join("tables/grid_1.csv"));
    assert_eq!(dbscan_grid[0][..3], ["cell", "eps", "min_samples"]);
    assert_eq!(dbscan_grid.len(), 1 + 6);
    // Cells whose every row is noise have no silhouette and are counted invalid.
    assert!(metrics.contains("\"grid_1.dbscan.silhouette@eps=8.0,min_samples=2,noise=non_noise_only,split=train\""));
    assert!(dbscan_grid[1..].iter().any(|r| r[4] == "1.0" && r[5].is_empty()), "{dbscan_grid:?}");
    let mixture_grid = csv(&one.join("tables/grid_2.csv"));
    assert_eq!(mixture_grid[0][..3], ["cell", "covariance_type", "k"]);
    assert_eq!(mixture_grid.len(), 1 + 4);
}

#[test]
fn the_noise_treatment_is_named_in_the_metrics_and_changes_them() {
    let (a, b) = (tempfile::tempdir().expect("tmp"), tempfile::tempdir().expect("tmp"));
    let without = read(&run(a.path(), "2", &spec("non_noise_only")).join("metrics.json"));
    let with = read(&run(b.path(), "2", &spec("as_cluster_as_sklearn")).join("metrics.json"));
    assert!(with.contains("noise=as_cluster_as_sklearn") && !with.contains("noise=non_noise_only"));
    // Models that never label noise are scored the same either way.
    let value = |text: &str, key: &str| -> f64 {
        let json: serde_json::Value = serde_json::from_str(text).expect("json");
        json[key].as_f64().unwrap_or_else(|| panic!("{key}"))
    };
    let key = "compare.kmeans.silhouette@k=3,split=train";
    assert_eq!(value(&without, key), value(&with, key));
}

#[test]
fn a_model_a_study_cannot_use_is_refused_before_any_work() {
    let corpus = fixtures().join("corpus/mini");
    for (study, field) in [
        ("kind = \"k_sweep\"\nmodel = \"dbscan\"", "study[0].model"),
        ("kind = \"repeat\"\nmodel = \"agglomerative\"\nk = 3", "study[0].model"),
        ("kind = \"bootstrap\"\nmodel = \"mean_shift\"\nk = 3", "study[0].k"),
        ("kind = \"grid\"\nmodel = \"optics\"\ngrid = { min_samples = [2, 3] }", "study[0].score_on"),
        ("kind = \"compare\"\nmodels = [{ name = \"birch\", n_clusters = 3 }]", "birch"),
    ] {
        let dir = tempfile::tempdir().expect("tmp");
        let text = format!("name = \"refused\"\n[data]\ncorpus = \"{}\"\n[[study]]\n{study}\n", corpus.display());
        std::fs::write(dir.path().join("exp.toml"), text).expect("spec");
        let out = vlogmood(dir.path(), &["run", "exp", "--no-cache"]);
        assert_eq!(code(&out), 2, "{study}: {}", stderr(&out));
        assert!(stderr(&out).contains(field), "{study}: {}", stderr(&out));
        assert!(!dir.path().join("runs").exists(), "{study}: work was done");
    }
}

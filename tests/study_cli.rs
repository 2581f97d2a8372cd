//! The unsupervised studies (bootstrap, consensus, compare, PCA, external validation,
//! per-speaker scaling) driven through `vlogmood run` on the committed mini corpus.

mod util;

use std::path::{Path, PathBuf};

use util::{code, fixtures, stderr, vlogmood};

fn spec(scale: &str) -> String {
    format!(
        r#"name = "studies"
seed = 3
[data]
corpus = "{}"
[features]
{scale}
[split]
group_by = "actor"
fractions = [0.5, 0.25, 0.25]
[validation]
labels = ["emotion", "actor"]
n_permutations = 50
[[study]]
kind = "bootstrap"
model = "kmeans"
k = 3
n = 20
[[study]]
kind = "consensus"
model = "spectral"
k = 3
n_subsamples = 6
fraction = 0.8
spectral = {{ n_neighbors = 4 }}
[[study]]
kind = "consensus"
k = 3
n_subsamples = 6
method = "positional_as_notebook"
[[study]]
kind = "compare"
models = ["kmeans", "agglomerative", "spectral"]
k = 3
bootstrap = 10
spectral = {{ n_neighbors = 4 }}
[[study]]
kind = "pca"
n_components = 5
color_by = "emotion"
[[study]]
kind = "projection"
tsne = {{ perplexity = 3.0, max_iter = 300 }}
[[study]]
kind = "projection"
method = "pca"
trustworthiness_neighbors = 2
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

fn metrics(folder: &Path) -> serde_json::Map<String, serde_json::Value> {
    let text = std::fs::read_to_string(folder.join("metrics.json")).expect("metrics");
    serde_json::from_str::<serde_json::Value>(&text).expect("json").as_object().expect("map").clone()
}

#[test]
fn bootstrap_consensus_and_compare_are_deterministic_across_thread_counts() {
    let (a, b) = (tempfile::tempdir().expect("tmp"), tempfile::tempdir().expect("tmp"));
    let text = spec("scale = \"standard\"");
    let one = run(a.path(), "1", &text);
    let two = run(b.path(), "2", &text);
    let read = |f: &Path, name: &str| std::fs::read(f.join(name)).expect(name);
    for file in [
        "metrics.json",
        "tables/bootstrap.csv",
        "tables/consensus_1_pairs.csv",
        "tables/compare_executive_summary.md",
        "assignments/compare_spectral.csv",
        "tables/projection_5_tsne_embedding.csv",
    ] {
        assert_eq!(read(&one, file), read(&two, file), "{file}");
    }
    let m = metrics(&one);
    for key in [
        "bootstrap.kmeans.silhouette.mean@k=3,split=train",
        "consensus_1.spectral.pairwise_ari.mean@k=3,method=shared_rows,split=train",
        "consensus_2.kmeans.pairwise_ari.mean@k=3,method=positional_as_notebook,split=train",
        "compare.agglomerative.silhouette@k=3,split=train",
        "compare.spectral.bootstrap.silhouette.mean@k=3,split=train",
        "compare.kmeans.ari@label=emotion,split=train",
        "compare.kmeans.ari_chance_p95@label=actor,split=train",
        "pca.cumulative_explained_variance@component=5",
        "projection_5.tsne.trustworthiness@n_neighbors=5,split=train",
        "projection_5.tsne.kl_divergence@split=train",
        "projection_6.pca.trustworthiness@n_neighbors=2,split=train",
    ] {
        assert!(m.contains_key(key), "{key} missing");
    }
    // Agglomerative clustering is deterministic: its bootstrap-free metrics have no spread.
    let silhouette = |k: &str| m[k].as_f64().expect("number");
    let ratio = silhouette("pca.cumulative_explained_variance@component=5");
    assert!(ratio > 0.0 && ratio <= 1.0 + 1e-12);
    for key in [
        "projection_5.tsne.trustworthiness@n_neighbors=5,split=train",
        "projection_6.pca.trustworthiness@n_neighbors=2,split=train",
    ] {
        let t = m[key].as_f64().expect("number");
        assert!((0.0..=1.0).contains(&t), "{key} = {t}");
    }
    for figure in [
        "consensus_1_matrix.png",
        "consensus_1_spectral_profile.png",
        "consensus_1_spectral_vs_emotion.png",
        "compare_agglomerative_dendrogram.png",
        "compare_kmeans_vs_actor.png",
        "pca_scree.png",
        "pca_pc1_pc2.png",
        "projection_5_tsne_emotion.png",
        "projection_5_tsne_actor.png",
        "projection_6_pca_emotion.png",
    ] {
        assert!(one.join("figures").join(figure).is_file(), "{figure}");
    }
    // The consensus study's whole-split fit is profiled like any clustering: its clusters'
    // members counted per actor, actors in numeric order.
    let by_actor = std::fs::read_to_string(one.join("tables/consensus_1_spectral_vs_actor.csv")).expect("csv");
    let header: Vec<&str> = by_actor.lines().next().expect("header").split(',').collect();
    let actors: Vec<u32> = header[1..header.len() - 1].iter().map(|a| a.parse().expect("numeric actor")).collect();
    assert!(actors.windows(2).all(|w| w[0] < w[1]), "{header:?}");
    let summary = std::fs::read_to_string(one.join("tables/compare_executive_summary.md")).expect("md");
    assert!(summary.contains("| agglomerative |") && summary.contains("Best silhouette"), "{summary}");
}

#[test]
fn per_speaker_scaling_changes_the_features_but_not_the_rows() {
    let (a, b) = (tempfile::tempdir().expect("tmp"), tempfile::tempdir().expect("tmp"));
    let global = run(a.path(), "2", &spec("scale = \"standard\""));
    let per_actor = run(b.path(), "2", &spec("scale = \"per_group\"\nscale_group_by = \"actor\""));
    let read = |f: &Path, name: &str| std::fs::read(f.join(name)).expect(name);
    assert_eq!(read(&global, "files.txt"), read(&per_actor, "files.txt"));
    assert_ne!(read(&global, "features.npy"), read(&per_actor, "features.npy"));
}

#[test]
fn per_group_scaling_without_a_column_is_a_spec_error() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("exp.toml"), spec("scale = \"per_group\"")).expect("spec");
    let out = vlogmood(dir.path(), &["run", "exp"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("features.scale_group_by"), "{}", stderr(&out));
}

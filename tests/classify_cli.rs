//! The `classify` study driven as a user would: `vlogmood run` on the mini corpus (24 clips,
//! 6 actors, 4 emotions), then the run folder read back.

mod util;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use util::{code, fixtures, stderr, vlogmood};

fn corpus() -> PathBuf {
    fixtures().join("corpus/mini")
}

/// A temp dir holding `exp.toml`: the mini corpus, `features` lines, then `studies`.
fn workdir(features: &str, studies: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let spec = format!(
        "name = \"cls\"\nseed = 3\n[data]\ncorpus = \"{}\"\n[features]\n{features}\n{studies}",
        corpus().display()
    );
    std::fs::write(dir.path().join("exp.toml"), spec).expect("spec");
    dir
}

fn run_ok(dir: &Path, args: &[&str]) -> PathBuf {
    let out = vlogmood(dir, args);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    dir.join(String::from_utf8_lossy(&out.stdout).lines().last().expect("run folder"))
}

/// A CSV as (header, rows of fields).
fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header = reader.headers().expect("header").iter().map(str::to_string).collect();
    let rows = reader.records().map(|r| r.expect("row").iter().map(str::to_string).collect()).collect();
    (header, rows)
}

fn actor_of(file: &str) -> String {
    let labels = std::fs::read_to_string(corpus().join("labels.csv")).expect("labels");
    labels
        .lines()
        .find(|l| l.starts_with(&format!("{file},")))
        .expect("labelled")
        .split(',')
        .nth(2)
        .unwrap()
        .to_string()
}

const GROUPED: &str = "[[study]]\nkind = \"classify\"\ntarget = \"emotion\"\nprotocol = \"group_kfold\"\ngroup_by = \"actor\"\nn_folds = 3\n";

#[test]
fn every_row_is_predicted_once_and_no_actor_is_in_two_test_folds() {
    let dir = workdir("", GROUPED);
    let run = run_ok(dir.path(), &["run", "exp"]);
    let models = ["majority", "stratified", "logistic_regression", "random_forest", "svm", "boosting"];
    for model in models {
        let (header, rows) = read_csv(&run.join(format!("predictions/classify_{model}.csv")));
        assert_eq!(header[..4], ["file", "fold", "true", "predicted"]);
        assert_eq!(header[4..], ["p_angry", "p_happy", "p_neutral", "p_sad"], "{model}");
        let files: BTreeSet<&String> = rows.iter().map(|r| &r[0]).collect();
        assert_eq!((files.len(), rows.len()), (24, 24), "{model}: every clip exactly once");
        let mut fold_of_actor: BTreeMap<String, String> = BTreeMap::new();
        for row in &rows {
            let previous = fold_of_actor.insert(actor_of(&row[0]), row[1].clone());
            assert!(previous.is_none_or(|f| f == row[1]), "{model}: an actor in two test folds");
            let p: f64 = row[4..].iter().map(|v| v.parse::<f64>().unwrap()).sum();
            assert!((p - 1.0).abs() < 1e-9, "{model}: probabilities sum to {p}");
        }
        assert_eq!(fold_of_actor.values().collect::<BTreeSet<_>>().len(), 3, "{model}: 3 folds");
        for file in [format!("figures/classify_{model}_confusion.png"), format!("figures/classify_{model}_roc.png")] {
            assert!(run.join(&file).is_file(), "{file}");
        }
    }
    let (header, rows) = read_csv(&run.join("tables/summary.csv"));
    for column in ["uar", "accuracy", "macro_f1", "weighted_f1", "roc_auc", "uar_ci_low", "uar_ci_high"] {
        assert!(header.iter().any(|h| h == column), "summary.csv lacks {column}: {header:?}");
    }
    assert!(!header.iter().any(|h| h == "silhouette"), "no clustering columns in a classification run");
    assert_eq!(rows.len(), models.len());
    let metrics: BTreeMap<String, f64> =
        serde_json::from_str(&std::fs::read_to_string(run.join("metrics.json")).unwrap()).unwrap();
    // Majority always predicts one class: its UAR is 1 / n_classes in every fold.
    assert_eq!(metrics["classify.majority.uar"], 0.25);
    assert_eq!(metrics["classify.n_rows"], 24.0);
    assert_eq!(metrics["classify.n_folds"], 3.0);
    let (_, importance) = read_csv(&run.join("tables/classify_boosting_importance.csv"));
    assert_eq!(importance.len(), 45, "one importance per seed45 feature");
    let total: f64 = importance.iter().map(|r| r[1].parse::<f64>().unwrap()).sum();
    assert!((total - 1.0).abs() < 1e-9, "importances are shares: {total}");
    assert!(run.join("figures/classify_boosting_importance.png").is_file());
    let confusion = read_csv(&run.join("tables/classify_svm_confusion.csv")).1;
    let total: i64 = confusion.iter().flat_map(|r| r[1..].iter().map(|v| v.parse::<i64>().unwrap())).sum();
    assert_eq!(total, 24);
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let study = format!(
        "{GROUPED}models = [\"random_forest\", \"svm\", \"boosting\", {{ name = \"cnn\", epochs = 2, batch_size = 8 }}, \
         {{ name = \"cnn_boosting\", inner_folds = 2, cnn = {{ epochs = 1, batch_size = 8 }} }}]\n"
    );
    let metrics = |threads: &str| {
        let dir = workdir("scale = \"per_group\"\nscale_group_by = \"actor\"", &study);
        let run = run_ok(dir.path(), &["--threads", threads, "run", "exp"]);
        let (_, history) = read_csv(&run.join("tables/classify_cnn_history.csv"));
        assert_eq!(history.len(), 3 * 2, "2 epochs in each of 3 folds");
        for figure in ["classify_cnn_learning_cross-entropy.png", "classify_cnn_learning_accuracy.png"] {
            assert!(run.join("figures").join(figure).is_file(), "{figure}");
        }
        let summary = std::fs::read_to_string(run.join("tables/summary.csv")).unwrap();
        let stacked = summary.lines().find(|l| l.contains("cnn_boosting")).expect("a cnn_boosting row");
        assert!(stacked.contains("cnn.epochs=1") && stacked.contains("inner_folds=2"), "{stacked}");
        (
            std::fs::read_to_string(run.join("metrics.json")).unwrap(),
            std::fs::read_to_string(run.join("predictions/classify_random_forest.csv")).unwrap(),
            std::fs::read_to_string(run.join("predictions/classify_cnn.csv")).unwrap(),
            std::fs::read_to_string(run.join("predictions/classify_cnn_boosting.csv")).unwrap(),
        )
    };
    assert_eq!(metrics("1"), metrics("2"));
}

#[test]
fn a_mapping_gathers_labels_into_classes_and_counts_the_rows_it_leaves_out() {
    let study = "[[study]]\nkind = \"classify\"\nprotocol = \"leave_one_group_out\"\ngroup_by = \"actor\"\n\
                 models = [\"majority\", { name = \"logistic_regression\", c = 0.5 }]\n\
                 classes = { angry = \"aroused\", happy = \"aroused\", sad = \"calm\" }\n";
    let dir = workdir("", study);
    let run = run_ok(dir.path(), &["run", "exp"]);
    let metrics: BTreeMap<String, f64> =
        serde_json::from_str(&std::fs::read_to_string(run.join("metrics.json")).unwrap()).unwrap();
    assert_eq!(metrics["classify.n_unmapped"], 6.0, "the neutral clips");
    assert_eq!(metrics["classify.n_classes"], 2.0);
    assert_eq!(metrics["classify.n_folds"], 6.0, "one fold per actor");
    let (_, classes) = read_csv(&run.join("tables/classify_classes.csv"));
    assert_eq!(classes, vec![vec!["aroused", "angry happy", "12"], vec!["calm", "sad", "6"]]);
    let (_, rows) = read_csv(&run.join("predictions/classify_logistic_regression.csv"));
    assert_eq!(rows.len(), 18);
}

#[test]
fn an_image_recipe_is_refused_for_clustering_and_taken_by_classify() {
    let dir = workdir("recipe = \"logmel128\"", "[[study]]\nkind = \"compare\"\n");
    let out = vlogmood(dir.path(), &["run", "exp"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("features.recipe") && stderr(&out).contains("only classify"), "{}", stderr(&out));

    let study = format!("{GROUPED}models = [\"majority\", \"logistic_regression\"]\n");
    let dir = workdir("recipe = \"logmel128\"", &study);
    let run = run_ok(dir.path(), &["run", "exp"]);
    assert!(run.join("predictions/classify_logistic_regression.csv").is_file());
    assert!(!run.join("features.npy").exists(), "images stay in the feature cache");
}

#[test]
fn a_grouped_protocol_without_a_group_column_is_refused_before_any_work() {
    let dir = workdir("", "[[study]]\nkind = \"classify\"\nprotocol = \"group_kfold\"\n");
    let out = vlogmood(dir.path(), &["run", "exp"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("study[0].group_by"), "{}", stderr(&out));
    let dir = workdir(
        "",
        "[[study]]\nkind = \"classify\"\nprotocol = \"holdout\"\nmodels = [\"svm\", { name = \"svm\", c = 2.0 }]\n",
    );
    let out = vlogmood(dir.path(), &["run", "exp"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("study[0].models[1]"), "{}", stderr(&out));
    let dir = workdir("project = { method = \"pca\", n_components = 2 }", GROUPED);
    let out = vlogmood(dir.path(), &["run", "exp"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("features.project"), "{}", stderr(&out));
}

#[test]
#[cfg(not(feature = "xgboost"))]
fn xgboost_is_refused_before_any_work_in_a_build_without_it_saying_how_to_get_it() {
    let study = format!("{GROUPED}models = [\"majority\", {{ name = \"boosting\", engine = \"xgboost\" }}]\n");
    let dir = workdir("", &study);
    let out = vlogmood(dir.path(), &["run", "exp"]);
    assert_eq!(code(&out), 2);
    let message = stderr(&out);
    assert!(message.contains("study[0].models[1]") && message.contains("--features xgboost"), "{message}");
    assert!(!dir.path().join("runs").exists(), "refused before any run folder");
}

/// Copies the mini corpus's clips of `actors` into `dir`, with their labels.
fn corpus_of(dir: &Path, actors: &[&str]) {
    std::fs::create_dir_all(dir).unwrap();
    let labels = std::fs::read_to_string(corpus().join("labels.csv")).unwrap();
    let mut lines = labels.lines();
    let mut kept = vec![lines.next().unwrap().to_string()];
    for line in lines.filter(|l| actors.contains(&l.split(',').nth(2).unwrap())) {
        let file = line.split(',').next().unwrap();
        std::fs::copy(corpus().join(file), dir.join(file)).unwrap();
        kept.push(line.to_string());
    }
    std::fs::write(dir.join("labels.csv"), kept.join("\n") + "\n").unwrap();
}

#[test]
fn a_test_corpus_is_only_tested_on_and_its_content_joins_the_run_id() {
    let dir = tempfile::tempdir().unwrap();
    corpus_of(&dir.path().join("train"), &["01", "02", "03", "04"]);
    corpus_of(&dir.path().join("unseen"), &["05", "06"]);
    let spec = |test_corpus: &str| {
        format!(
            "name = \"cross\"\n[data]\ncorpus = \"train\"\ntest_corpus = \"{test_corpus}\"\n\
             [[study]]\nkind = \"classify\"\nprotocol = \"test_corpus\"\ngroup_by = \"actor\"\n\
             models = [\"majority\", \"svm\", {{ name = \"cnn\", epochs = 1, batch_size = 8 }}]\n"
        )
    };
    std::fs::write(dir.path().join("exp.toml"), spec("unseen")).unwrap();
    let run = run_ok(dir.path(), &["run", "exp"]);
    let (_, rows) = read_csv(&run.join("predictions/classify_svm.csv"));
    assert_eq!(rows.len(), 8, "every clip of the two unseen actors");
    assert!(rows.iter().all(|r| r[0].starts_with("unseen/")), "{rows:?}");
    let (header, folds) = read_csv(&run.join("tables/classify_folds.csv"));
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    for fold in &folds {
        let (n_train, n_val) =
            (fold[column("n_train")].parse::<usize>().unwrap(), fold[column("n_val")].parse::<usize>().unwrap());
        assert_eq!(n_train + n_val, 16, "trained on the 16 clips of the corpus only: {fold:?}");
        // The CNN holds one of the four training actors out for early stopping.
        assert_eq!(n_val, if fold[0] == "cnn" { 4 } else { 0 }, "{fold:?}");
    }
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["test_dataset"]["n_files"], 8);

    // The same clips elsewhere: the same run. Other clips: another run.
    let id = |dir: &Path| {
        let out = vlogmood(dir, &["spec", "exp"]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .find_map(|l| l.strip_prefix("run_id: ").map(str::to_string))
            .unwrap()
    };
    let first = id(dir.path());
    corpus_of(&dir.path().join("moved"), &["05", "06"]);
    std::fs::write(dir.path().join("exp.toml"), spec("moved")).unwrap();
    assert_eq!(id(dir.path()), first);
    corpus_of(&dir.path().join("other"), &["05"]);
    std::fs::write(dir.path().join("exp.toml"), spec("other")).unwrap();
    assert_ne!(id(dir.path()), first);

    // Without a test_corpus study, the corpus is refused; without the corpus, the protocol is.
    std::fs::write(
        dir.path().join("exp.toml"),
        spec("unseen").replace("protocol = \"test_corpus\"\n", "protocol = \"holdout\"\n"),
    )
    .unwrap();
    let out = vlogmood(dir.path(), &["run", "exp"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("data.test_corpus"), "{}", stderr(&out));
    std::fs::write(dir.path().join("exp.toml"), spec("unseen").replace("test_corpus = \"unseen\"\n", "")).unwrap();
    let out = vlogmood(dir.path(), &["run", "exp"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("study[0].protocol"), "{}", stderr(&out));
}

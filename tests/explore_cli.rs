//! The `explore` study driven as a user would: `vlogmood run` on the 192-clip RAVDESS corpus
//! with PNG and SVG output, then the run folder read back and its histograms and correlations
//! checked against numpy (`tests/fixtures/explore/`, made by the script there).

mod util;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use util::{code, fixtures, stderr, vlogmood};

#[derive(serde::Deserialize)]
struct NumpyExplore {
    features: Vec<String>,
    n_files: usize,
    histograms: BTreeMap<String, Histogram>,
    corrcoef: Vec<Vec<f64>>,
}

#[derive(serde::Deserialize)]
struct Histogram {
    edges: Vec<f64>,
    counts: Vec<u64>,
}

fn ravdess() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/ravdess")
}

fn run(dir: &Path, study: &str) -> std::process::Output {
    let spec = format!(
        "name = \"look\"\n[data]\ncorpus = \"{}\"\n[validation]\nlabels = [\"emotion\", \"actor\"]\n[report]\nformats = [\"png\", \"svg\"]\n{study}",
        ravdess().display()
    );
    std::fs::write(dir.join("exp.toml"), spec).expect("spec");
    vlogmood(dir, &["run", "exp"])
}

fn read_csv(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header: Vec<String> = reader.headers().expect("header").iter().map(str::to_string).collect();
    reader.records().map(|r| header.iter().cloned().zip(r.expect("row").iter().map(str::to_string)).collect()).collect()
}

fn close(a: f64, b: f64, tolerance: f64) -> bool {
    (a - b).abs() <= tolerance * b.abs().max(1.0)
}

#[test]
fn explore_draws_every_figure_and_its_numbers_equal_numpys() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run(dir.path(), "[[study]]\nkind = \"explore\"\nby = \"emotion\"\n");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let folder = dir.path().join(String::from_utf8_lossy(&out.stdout).lines().last().expect("run folder"));
    let numpy: NumpyExplore =
        serde_json::from_str(&std::fs::read_to_string(fixtures().join("explore/numpy_explore.json")).expect("fixture"))
            .expect("fixture parses");

    let mut figures: Vec<String> = numpy
        .features
        .iter()
        .chain(["piptrack_mean".to_string()].iter())
        .map(|f| format!("explore_hist_{f}"))
        .collect();
    figures.extend(
        [
            "correlation_descriptive",
            "correlation_features",
            "counts_emotion",
            "counts_actor",
            "logmel_examples",
            "waveforms",
            "mfcc_frames",
            "chroma_frames",
            "mfcc_means",
            "chroma_means",
            "mfcc_boxes",
            "chroma_boxes",
        ]
        .map(|f| format!("explore_{f}")),
    );
    for figure in &figures {
        for extension in ["png", "svg"] {
            let path = folder.join(format!("figures/{figure}.{extension}"));
            assert!(path.is_file() && std::fs::metadata(&path).unwrap().len() > 5_000, "{}", path.display());
        }
    }

    // Histograms of every file: numpy's edges and counts.
    let rows = read_csv(&folder.join("tables/explore_histograms.csv"));
    for feature in &numpy.features {
        let expected = &numpy.histograms[feature];
        let all: Vec<&BTreeMap<String, String>> =
            rows.iter().filter(|r| &r["feature"] == feature && r["group"] == "all").collect();
        assert_eq!(all.len(), expected.counts.len(), "{feature}");
        for (bin, row) in all.iter().enumerate() {
            assert_eq!(row["count"].parse::<u64>().unwrap(), expected.counts[bin], "{feature} bin {bin}");
            assert!(close(row["left"].parse().unwrap(), expected.edges[bin], 1e-12), "{feature} edge {bin}");
            assert!(close(row["right"].parse().unwrap(), expected.edges[bin + 1], 1e-12), "{feature} edge {}", bin + 1);
        }
        // Each emotion's counts add up to the whole corpus's, bin by bin.
        let per_emotion: u64 = rows
            .iter()
            .filter(|r| &r["feature"] == feature && r["group"] != "all")
            .map(|r| r["count"].parse::<u64>().unwrap())
            .sum();
        assert_eq!(per_emotion, expected.counts.iter().sum::<u64>(), "{feature}");
    }

    // Correlations: numpy.corrcoef to 1e-12.
    let corr = read_csv(&folder.join("tables/explore_correlation_descriptive.csv"));
    for (i, row) in corr.iter().enumerate() {
        assert_eq!(row["feature"], numpy.features[i]);
        for (j, feature) in numpy.features.iter().enumerate() {
            let value: f64 = row[feature].parse().unwrap();
            assert!((value - numpy.corrcoef[i][j]).abs() < 1e-12, "r({}, {feature}) = {value}", numpy.features[i]);
        }
    }

    let counts = read_csv(&folder.join("tables/explore_class_counts.csv"));
    let emotions: Vec<_> = counts.iter().filter(|r| r["column"] == "emotion").collect();
    assert_eq!(emotions.len(), 8);
    assert!(emotions.iter().all(|r| r["n_files"] == "24"), "RAVDESS has 24 clips of each emotion here");
    let by_class = read_csv(&folder.join("tables/explore_by_emotion.csv"));
    assert_eq!(by_class.len(), 8 * numpy.features.len());
    assert!(folder.join("tables/explore_by_emotion.md").is_file());

    // The recordings drawn were cut where the features' trimming cut them: the kept span is
    // the duration the descriptive features report for the same file.
    let recordings = read_csv(&folder.join("tables/explore_recordings.csv"));
    assert_eq!(recordings.len(), 2);
    let descriptive = read_csv(&fixtures().join("explore/descriptive_ravdess.csv"));
    for recording in &recordings {
        let [decoded, from, to] =
            ["decoded_s", "kept_from_s", "kept_to_s"].map(|c| recording[c].parse::<f64>().unwrap());
        assert!(0.0 <= from && from < to && to <= decoded, "{recording:?}");
        let name = recording["file"].rsplit('/').next().unwrap();
        let file = descriptive.iter().find(|r| r["file"] == name).expect("a corpus file");
        assert!(close(to - from, file["duration_s"].parse().unwrap(), 1e-9), "{recording:?} vs {file:?}");
    }
    // Box plots: ordered quartiles, whiskers inside the data, one row per coefficient.
    let mfcc = read_csv(&folder.join("tables/explore_mfcc_distribution.csv"));
    assert_eq!(mfcc.len(), 20);
    for row in mfcc.iter().chain(&read_csv(&folder.join("tables/explore_chroma_distribution.csv"))) {
        let [low, q1, median, q3, high] =
            ["whisker_low", "q1", "median", "q3", "whisker_high"].map(|c| row[c].parse::<f64>().unwrap());
        assert!(low <= q1 && q1 <= median && median <= q3 && q3 <= high, "{row:?}");
        assert_eq!(row["n"], numpy.n_files.to_string());
    }

    let metrics: BTreeMap<String, serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(folder.join("metrics.json")).expect("metrics")).expect("JSON");
    assert_eq!(metrics["explore.n_files"].as_f64(), Some(numpy.n_files as f64));
    assert!(metrics.contains_key("explore.duration_s.mean"));
}

#[test]
fn explore_refuses_an_unknown_label_column_and_zero_bins_before_any_work() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run(dir.path(), "[[study]]\nkind = \"explore\"\nbins = 0\n");
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("study[0].bins"), "{}", stderr(&out));
    let out = run(dir.path(), "[[study]]\nkind = \"explore\"\nby = \"mood\"\n");
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("mood"), "{}", stderr(&out));
    assert!(!dir.path().join("runs").exists());
}

#[test]
fn explore_command_draws_a_folder_without_a_spec_and_reuses_the_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let corpus = ravdess();
    let args = ["explore", corpus.to_str().expect("UTF-8"), "--out", "looks", "--by", "emotion", "--svg"];
    let out = vlogmood(dir.path(), &args);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let folder = dir.path().join(String::from_utf8_lossy(&out.stdout).lines().last().expect("run folder"));
    assert!(folder.starts_with(dir.path().join("looks")), "{}", folder.display());
    assert!(folder.file_name().unwrap().to_string_lossy().starts_with("explore_ravdess-"), "{}", folder.display());
    for figure in ["explore_hist_tempo_bpm", "explore_waveforms", "explore_counts_gender", "explore_mfcc_boxes"] {
        for extension in ["png", "svg"] {
            assert!(folder.join(format!("figures/{figure}.{extension}")).is_file(), "{figure}.{extension}");
        }
    }
    // Every labels.csv column is counted, and the spec it ran is stored like any run's.
    let counts = read_csv(&folder.join("tables/explore_class_counts.csv"));
    let columns: std::collections::BTreeSet<&str> = counts.iter().map(|r| r["column"].as_str()).collect();
    assert!(["actor", "emotion", "gender"].iter().all(|c| columns.contains(c)), "{columns:?}");
    let spec: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(folder.join("spec.json")).expect("spec.json")).expect("JSON");
    assert_eq!(spec["study"][0]["kind"], "explore");
    assert_eq!(spec["study"][0]["by"], "emotion");

    let again = vlogmood(dir.path(), &args);
    assert_eq!(code(&again), 0, "{}", stderr(&again));
    assert!(stderr(&again).contains("nothing to do"), "{}", stderr(&again));
    assert_eq!(again.stdout, out.stdout, "the same folder, not a second run");

    let typo = vlogmood(dir.path(), &["explore", corpus.to_str().unwrap(), "--out", "looks", "--by", "emotoin"]);
    assert_eq!(code(&typo), 2);
    assert!(stderr(&typo).contains("emotoin"), "{}", stderr(&typo));
}

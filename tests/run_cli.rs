//! The experiment harness driven as a user would: `run`, `spec`, `runs`, `compare`,
//! `reproduce` on the committed mini corpus, in a fresh working directory per test.

mod util;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use util::{code, fixtures, stderr, vlogmood};

/// A spec over the mini corpus (24 clips, 6 actors) with every harness study, small enough to
/// run in well under a second.
fn spec_text(corpus: &Path, extra_repeat: usize) -> String {
    format!(
        r#"name = "mini"
seed = 7
[data]
corpus = "{}"
[split]
group_by = "actor"
[[study]]
kind = "k_sweep"
k = {{ from = 2, to = 5 }}
elbow_k = {{ from = 1, to = 5 }}
[[study]]
kind = "grid"
grid = {{ init = ["k-means++", "random"], n_init = [2, 5], max_iter = [100], tol = [1e-4] }}
[[study]]
kind = "repeat"
n = {}
"#,
        corpus.display(),
        10 + extra_repeat
    )
}

fn mini_corpus() -> PathBuf {
    fixtures().join("corpus/mini")
}

/// A temp dir holding `exp.toml` over `corpus`.
fn workdir(corpus: &Path, extra_repeat: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("exp.toml"), spec_text(corpus, extra_repeat)).expect("spec");
    dir
}

fn stdout_last_line(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).lines().last().unwrap_or_default().to_string()
}

fn run_ok(dir: &Path, args: &[&str]) -> PathBuf {
    let out = vlogmood(dir, args);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    dir.join(stdout_last_line(&out))
}

/// Folders under runs/ that look like complete runs.
fn complete_runs(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir.join("runs")) else { return vec![] };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.path().join("manifest.json").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn run_id(dir: &Path) -> String {
    let out = vlogmood(dir, &["spec", "exp"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("run_id: ").map(str::to_string))
        .expect("run_id line")
}

#[test]
fn running_twice_reuses_the_run_and_reproduce_confirms_it() {
    let dir = workdir(&mini_corpus(), 0);
    let folder = run_ok(dir.path(), &["run", "exp"]);
    for file in ["manifest.json", "spec.json", "metrics.json", "features.npy", "files.txt", "report.html"] {
        assert!(folder.join(file).is_file(), "{file}");
    }
    for file in ["tables/summary.csv", "tables/k_sweep.csv", "tables/grid.csv", "tables/repeat.csv"] {
        assert!(folder.join(file).is_file(), "{file}");
    }
    for figure in ["k_sweep_silhouette.png", "k_sweep_elbow.png", "grid_pca.png", "grid_kmeans_profile.png"] {
        assert!(folder.join("figures").join(figure).is_file(), "{figure}");
    }
    // The sweep's best k is profiled: which k it was is in the metrics.
    let metrics: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(folder.join("metrics.json")).expect("metrics")).expect("json");
    let best_k = metrics["k_sweep.kmeans.best_k"].as_f64().expect("a best k");
    let profile = folder.join(format!("figures/k_sweep_kmeans_k{best_k}_profile.png"));
    assert!(profile.is_file(), "{}", profile.display());
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(folder.join("manifest.json")).expect("manifest")).expect("json");
    assert_eq!(manifest["status"], "complete");
    assert_eq!(manifest["dataset"]["n_files"], 24);
    let id = manifest["run_id"].as_str().expect("id").to_string();
    assert!(folder.ends_with(format!("runs/mini-{}", &id[..12])), "{}", folder.display());

    let again = vlogmood(dir.path(), &["run", "exp"]);
    assert_eq!(code(&again), 0);
    assert!(stderr(&again).contains("nothing to do"), "{}", stderr(&again));
    assert_eq!(dir.path().join(stdout_last_line(&again)), folder);
    assert_eq!(complete_runs(dir.path()).len(), 1);

    let reproduced = vlogmood(dir.path(), &["reproduce", &id[..10]]);
    assert_eq!(code(&reproduced), 0, "{}\n{}", String::from_utf8_lossy(&reproduced.stdout), stderr(&reproduced));
    assert!(String::from_utf8_lossy(&reproduced.stdout).contains("all metrics identical"));

    let listing = vlogmood(dir.path(), &["runs"]);
    assert!(String::from_utf8_lossy(&listing.stdout).contains(&id[..12]));
}

#[test]
fn edited_spec_or_changed_audio_changes_the_run_id() {
    let corpus = tempfile::tempdir().expect("tempdir");
    for entry in std::fs::read_dir(mini_corpus()).expect("corpus") {
        let path = entry.expect("entry").path();
        std::fs::copy(&path, corpus.path().join(path.file_name().expect("name"))).expect("copy");
    }
    let dir = workdir(corpus.path(), 0);
    let original = run_id(dir.path());
    assert_eq!(run_id(dir.path()), original, "the ID is stable");

    // Comments and a spelled-out default leave the ID alone.
    let spec = std::fs::read_to_string(dir.path().join("exp.toml")).expect("spec");
    std::fs::write(dir.path().join("exp.toml"), format!("# a comment\n{spec}[features]\nrecipe = \"seed45\"\n"))
        .expect("w");
    assert_eq!(run_id(dir.path()), original);

    std::fs::write(dir.path().join("exp.toml"), spec.replace("seed = 7", "seed = 8")).expect("w");
    let reseeded = run_id(dir.path());
    assert_ne!(reseeded, original);
    std::fs::write(dir.path().join("exp.toml"), &spec).expect("w");

    // One byte of one audio file.
    let victim = corpus.path().join("actor03-sad.wav");
    let mut bytes = std::fs::read(&victim).expect("read");
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&victim, bytes).expect("write");
    let changed_audio = run_id(dir.path());
    assert_ne!(changed_audio, original);

    // And the labels.
    let labels = corpus.path().join("labels.csv");
    let text = std::fs::read_to_string(&labels).expect("labels");
    std::fs::write(&labels, text.replace("actor01-happy.wav,happy", "actor01-happy.wav,sad")).expect("write");
    let changed_labels = run_id(dir.path());
    assert!(changed_labels != changed_audio && changed_labels != original);
}

#[test]
fn one_and_two_threads_write_identical_metrics() {
    let one = workdir(&mini_corpus(), 0);
    let two = workdir(&mini_corpus(), 0);
    let a = run_ok(one.path(), &["--threads", "1", "run", "exp"]);
    let b = run_ok(two.path(), &["--threads", "2", "run", "exp", "--no-cache"]);
    for file in ["metrics.json", "tables/grid.csv", "tables/repeat.csv", "features.npy", "assignments/grid_kmeans.csv"]
    {
        assert_eq!(std::fs::read(a.join(file)).expect("a"), std::fs::read(b.join(file)).expect("b"), "{file}");
    }
}

#[test]
fn a_killed_run_leaves_nothing_that_looks_complete_and_the_next_run_succeeds() {
    // A long repeat study keeps the process busy after its partial folder exists.
    let dir = workdir(&mini_corpus(), 400_000);
    let mut child = Command::new(env!("CARGO_BIN_EXE_vlogmood"))
        .current_dir(dir.path())
        .args(["run", "exp", "--no-cache"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let partial = dir.path().join("runs/.partial");
    let started = Instant::now();
    while !partial.read_dir().is_ok_and(|mut d| d.next().is_some()) {
        assert!(started.elapsed() < Duration::from_secs(60), "no partial folder appeared");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    child.kill().expect("SIGKILL"); // Child::kill sends SIGKILL on Unix
    let status = child.wait().expect("wait");
    assert!(status.code().is_none(), "the run was killed, not finished");
    assert!(complete_runs(dir.path()).is_empty());
    let listing = vlogmood(dir.path(), &["runs"]);
    assert!(!String::from_utf8_lossy(&listing.stdout).contains("mini-"));
    // ... but `runs --all` knows it was interrupted, found by its dead PID.
    let all = vlogmood(dir.path(), &["runs", "--all", "--csv"]);
    let all = String::from_utf8_lossy(&all.stdout).into_owned();
    assert!(all.lines().any(|l| l.contains(",mini,") && l.contains(",interrupted")), "{all}");

    // A quick spec over the same data runs fine afterwards, and the killed run stays on
    // record (now under runs/.failed/) until gc removes it.
    std::fs::write(dir.path().join("exp.toml"), spec_text(&mini_corpus(), 0)).expect("spec");
    run_ok(dir.path(), &["run", "exp"]);
    assert_eq!(complete_runs(dir.path()).len(), 1);
    let records: Vec<_> = std::fs::read_dir(dir.path().join("runs/.failed")).expect(".failed").collect();
    assert_eq!(records.len(), 1);
    let all = String::from_utf8_lossy(&vlogmood(dir.path(), &["runs", "--all", "--csv"]).stdout).into_owned();
    assert_eq!(all.lines().filter(|l| l.contains(",interrupted")).count(), 1, "{all}");
    assert_eq!(all.lines().filter(|l| l.contains(",complete")).count(), 1, "{all}");
    let gc = vlogmood(dir.path(), &["gc"]);
    assert_eq!(code(&gc), 0, "{}", stderr(&gc));
    assert!(!dir.path().join("runs/.failed").read_dir().is_ok_and(|mut d| d.next().is_some()));
}

#[test]
fn a_run_that_fails_is_on_record_with_its_error() {
    let dir = workdir(&mini_corpus(), 0);
    // k = 30 cannot be fitted on the mini corpus's training rows: the study fails at run time.
    let text = spec_text(&mini_corpus(), 0).replace("k = { from = 2, to = 5 }", "k = { from = 2, to = 3 }")
        + "[[study]]\nkind = \"compare\"\nmodels = [\"kmeans\"]\nk = 12\nbootstrap = 0\n";
    std::fs::write(dir.path().join("exp.toml"), text).expect("spec");
    let out = vlogmood(dir.path(), &["run", "exp"]);
    assert_ne!(code(&out), 0);
    let all = String::from_utf8_lossy(&vlogmood(dir.path(), &["runs", "--all", "--csv"]).stdout).into_owned();
    assert!(all.lines().any(|l| l.starts_with(".failed/mini-") && l.contains(",failed")), "{all}");
    let record = std::fs::read_dir(dir.path().join("runs/.failed")).expect(".failed").next().expect("one").unwrap();
    let status: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(record.path().join("status.json")).unwrap()).unwrap();
    assert_eq!(status["status"], "failed");
    assert!(status["error"].as_str().is_some_and(|e| e.contains("k = 12")), "{status}");
    assert_eq!(status["spec"]["name"], "mini");
    assert!(status["command"].as_array().is_some_and(|c| c.iter().any(|a| a == "exp")));
}

#[test]
fn concurrent_runs_of_one_spec_make_one_folder() {
    let dir = workdir(&mini_corpus(), 2_000);
    let spawn = || {
        Command::new(env!("CARGO_BIN_EXE_vlogmood"))
            .current_dir(dir.path())
            .args(["run", "exp"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn")
    };
    let (a, b) = (spawn(), spawn());
    let (a, b) = (a.wait_with_output().expect("a"), b.wait_with_output().expect("b"));
    assert_eq!((code(&a), code(&b)), (0, 0), "{}\n{}", stderr(&a), stderr(&b));
    assert_eq!(stdout_last_line(&a), stdout_last_line(&b));
    assert_eq!(complete_runs(dir.path()).len(), 1, "{:?}", complete_runs(dir.path()));
}

#[test]
fn force_recomputes_into_a_fresh_folder_and_compare_shows_no_difference() {
    let dir = workdir(&mini_corpus(), 0);
    let first = run_ok(dir.path(), &["run", "exp"]);
    let second = run_ok(dir.path(), &["run", "exp", "--force"]);
    assert_ne!(first, second);
    let name = |p: &Path| p.file_name().expect("name").to_string_lossy().into_owned();
    let out = vlogmood(dir.path(), &["compare", &name(&first), &name(&second), "--csv"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().expect("header").clone();
    let differs = headers.iter().position(|h| h == "differs").expect("differs column");
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    assert!(rows.len() > 20);
    assert!(rows.iter().all(|r| r[differs].is_empty()), "identical runs have no differences");
}

#[test]
fn invalid_specs_exit_2_naming_the_field() {
    let dir = workdir(&mini_corpus(), 0);
    let spec = spec_text(&mini_corpus(), 0);
    for (broken, field) in [
        (spec.replace("group_by = \"actor\"", "fractions = [0.5, 0.5, 0.5]"), "split.fractions"),
        (spec.replace("group_by = \"actor\"", "group_by = \"speaker\""), "split.group_by"),
        (spec.replace("k = { from = 2, to = 5 }", "k = { from = 2, to = 40 }"), "k = 40"),
        (spec.replace("n = 10", "n = 10\nwat = 1"), "wat"),
        (spec.replace("name = \"mini\"", "name = \"no spaces allowed\""), "name"),
    ] {
        std::fs::write(dir.path().join("exp.toml"), broken).expect("spec");
        let out = vlogmood(dir.path(), &["run", "exp"]);
        assert_eq!(code(&out), 2, "{field}: {}", stderr(&out));
        assert!(stderr(&out).contains(field), "{field}: {}", stderr(&out));
        assert!(complete_runs(dir.path()).is_empty());
    }
}

#[test]
fn reproduce_exits_3_and_names_a_metric_that_differs() {
    let dir = workdir(&mini_corpus(), 0);
    let folder = run_ok(dir.path(), &["run", "exp"]);
    let metrics_path = folder.join("metrics.json");
    let mut metrics: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(&metrics_path).expect("metrics")).expect("json");
    let key = "k_sweep.kmeans.best_k".to_string();
    let stored = metrics[&key].as_f64().expect("number");
    metrics.insert(key.clone(), serde_json::json!(stored * (1.0 + 1e-6)));
    std::fs::write(&metrics_path, serde_json::to_string_pretty(&metrics).expect("json")).expect("write");
    let name = folder.file_name().expect("name").to_string_lossy().into_owned();
    // An edited artefact is refused before any work ...
    let edited = vlogmood(dir.path(), &["reproduce", &name]);
    assert_eq!(code(&edited), 2, "{}", stderr(&edited));
    assert!(stderr(&edited).contains("changed: metrics.json"), "{}", stderr(&edited));
    // ... so record the new bytes in the manifest, as a build whose numbers differ would have.
    relist_in_manifest(&folder, "metrics.json");

    let exact = vlogmood(dir.path(), &["reproduce", &name]);
    assert_eq!(code(&exact), 3, "{}", stderr(&exact));
    let report = String::from_utf8_lossy(&exact.stdout);
    assert!(report.contains("1 metric(s) differ") && report.contains(&key), "{report}");

    let relaxed = vlogmood(dir.path(), &["reproduce", &name, "--tolerance", "1e-5"]);
    assert_eq!(code(&relaxed), 0, "{}", String::from_utf8_lossy(&relaxed.stdout));

    // An unknown run is a clear error, exit 2.
    let missing = vlogmood(dir.path(), &["reproduce", "0000000000"]);
    assert_eq!(code(&missing), 2);
    assert!(stderr(&missing).contains("no run matches"), "{}", stderr(&missing));
}

/// Updates the manifest's size and checksum of one file of a run folder.
fn relist_in_manifest(folder: &Path, file: &str) {
    let manifest_path = folder.join("manifest.json");
    let mut manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest_path).expect("manifest")).expect("json");
    let bytes = std::fs::read(folder.join(file)).expect("file");
    manifest["files"][file] =
        serde_json::json!({ "bytes": bytes.len(), "sha256": vlogmood::corpus::sha256_hex(&bytes) });
    std::fs::write(&manifest_path, serde_json::to_string_pretty(&manifest).expect("json")).expect("write");
}

#[test]
fn reproduce_refuses_a_changed_dataset() {
    let corpus = tempfile::tempdir().expect("tempdir");
    for entry in std::fs::read_dir(mini_corpus()).expect("corpus") {
        let path = entry.expect("entry").path();
        std::fs::copy(&path, corpus.path().join(path.file_name().expect("name"))).expect("copy");
    }
    let dir = workdir(corpus.path(), 0);
    let folder = run_ok(dir.path(), &["run", "exp"]);
    let labels = corpus.path().join("labels.csv");
    let text = std::fs::read_to_string(&labels).expect("labels");
    std::fs::write(&labels, text.replace("actor02-sad.wav,sad", "actor02-sad.wav,angry")).expect("write");
    let name = folder.file_name().expect("name").to_string_lossy().into_owned();
    let out = vlogmood(dir.path(), &["reproduce", &name]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("dataset changed"), "{}", stderr(&out));
}

#[test]
fn a_bad_file_in_the_corpus_is_listed_and_the_run_still_completes_with_exit_1() {
    let corpus = tempfile::tempdir().expect("tempdir");
    for entry in std::fs::read_dir(mini_corpus()).expect("corpus") {
        let path = entry.expect("entry").path();
        std::fs::copy(&path, corpus.path().join(path.file_name().expect("name"))).expect("copy");
    }
    std::fs::write(corpus.path().join("broken.wav"), b"RIFF not really").expect("bad file");
    let dir = workdir(corpus.path(), 0);
    let out = vlogmood(dir.path(), &["run", "exp"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let folder = dir.path().join(stdout_last_line(&out));
    let failures = std::fs::read_to_string(folder.join("failures.csv")).expect("failures.csv");
    assert!(failures.contains("broken.wav"), "{failures}");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(folder.join("manifest.json")).expect("manifest")).expect("json");
    assert_eq!(
        (manifest["dataset"]["n_files"].as_u64(), manifest["dataset"]["n_failed"].as_u64()),
        (Some(25), Some(1))
    );
    assert_eq!(manifest["status"], "complete");
    let rows = std::fs::read_to_string(folder.join("files.txt")).expect("files");
    assert_eq!(rows.lines().count(), 24);
}

#[test]
fn selected_feature_columns_are_what_the_models_see() {
    let dir = workdir(&mini_corpus(), 0);
    let text = spec_text(&mini_corpus(), 0).replace(
        "[split]",
        "[features]\ncolumns = [\"spectral_centroid\", \"zero_crossing_rate\", \"mfcc_1\"]\n[split]",
    );
    std::fs::write(dir.path().join("exp.toml"), text).expect("spec");
    let folder = run_ok(dir.path(), &["run", "exp"]);
    let x: ndarray::Array2<f64> = ndarray_npy::read_npy(folder.join("features.npy")).expect("npy");
    assert_eq!(x.ncols(), 3);
    let spec = std::fs::read_to_string(folder.join("spec.json")).expect("spec.json");
    assert!(spec.contains("\"columns\":[\"spectral_centroid\",\"zero_crossing_rate\",\"mfcc_1\"]"), "{spec}");
}

#[test]
fn a_pca_projection_replaces_the_features_before_the_studies() {
    let dir = workdir(&mini_corpus(), 0);
    let text = spec_text(&mini_corpus(), 0)
        .replace("[split]", "[features]\nproject = { method = \"pca\", n_components = 2 }\n[split]");
    std::fs::write(dir.path().join("exp.toml"), text).expect("spec");
    let folder = run_ok(dir.path(), &["run", "exp"]);
    let x: ndarray::Array2<f64> = ndarray_npy::read_npy(folder.join("features.npy")).expect("npy");
    assert_eq!(x.ncols(), 2);
    // Scores of the training rows are centred (the PCA was fitted on them).
    let files: Vec<String> =
        std::fs::read_to_string(folder.join("files.txt")).expect("files").lines().map(String::from).collect();
    let assignments = std::fs::read_to_string(folder.join("assignments/grid_kmeans.csv")).expect("assignments");
    let train: Vec<usize> = assignments
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(",train,").map(|(f, _)| f))
        .map(|f| files.iter().position(|n| n == f).expect("listed file"))
        .collect();
    assert!(train.len() >= 10, "{train:?}");
    let mean: f64 = train.iter().map(|&r| x[[r, 0]]).sum::<f64>() / train.len() as f64;
    assert!(mean.abs() < 1e-9, "{mean}");
}

/// `--set PATH=VALUE` edits the spec before hashing: `spec` and `run` agree with a spec edited
/// by hand, `spec.json` stores the edited spec, and a bad override stops before any work.
#[test]
fn set_overrides_give_the_run_of_the_edited_spec() {
    let dir = tempfile::tempdir().expect("tmp");
    let corpus = util::fixtures().join("corpus/mini");
    let base = format!(
        "name = \"overrides\"\n[data]\ncorpus = \"{}\"\n[split]\ngroup_by = \"actor\"\n[[study]]\nkind = \"bootstrap\"\nk = 3\nn = 4\n",
        corpus.display()
    );
    std::fs::write(dir.path().join("base.toml"), &base).expect("spec");
    let edited = base.replace("name = \"overrides\"", "name = \"overrides\"\nseed = 7").replace("k = 3", "k = 2");
    std::fs::write(dir.path().join("edited.toml"), edited).expect("spec");
    let run_id = |args: &[&str]| {
        let out = util::vlogmood(dir.path(), args);
        assert_eq!(util::code(&out), 0, "{}", util::stderr(&out));
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .find_map(|l| l.strip_prefix("run_id: ").map(str::to_string))
            .expect("id")
    };
    let by_hand = run_id(&["spec", "edited"]);
    assert_eq!(run_id(&["spec", "base", "--set", "seed=7", "--set", "study[0].k=2"]), by_hand);
    assert_ne!(run_id(&["spec", "base"]), by_hand);

    let out = util::vlogmood(dir.path(), &["run", "base", "--set", "seed=7", "--set", "study[0].k=2", "--no-cache"]);
    assert_eq!(util::code(&out), 0, "{}", util::stderr(&out));
    let folder = dir.path().join(String::from_utf8_lossy(&out.stdout).lines().last().expect("folder"));
    assert!(folder.ends_with(format!("overrides-{}", &by_hand[..12])), "{}", folder.display());
    let stored = std::fs::read_to_string(folder.join("spec.json")).expect("spec.json");
    assert!(stored.contains("\"seed\":7") && stored.contains("\"k\":2"), "{stored}");

    for (bad, named) in [("study[3].k=2", "study[3]"), ("seed=many", "seed"), ("features.nope=1", "features.nope")] {
        let scratch = tempfile::tempdir().expect("tmp");
        std::fs::write(scratch.path().join("base.toml"), &base).expect("spec");
        let out = util::vlogmood(scratch.path(), &["run", "base", "--set", bad]);
        assert_eq!(util::code(&out), 2, "{bad}: {}", util::stderr(&out));
        assert!(util::stderr(&out).contains(named), "{bad}: {}", util::stderr(&out));
        assert!(!scratch.path().join("runs").exists(), "{bad}: work was done");
    }
}

/// The manifest says whether the tree that made a run had uncommitted changes (run folders
/// aside), and `show` prints it with the commit, build and machine.
#[test]
fn the_manifest_records_a_dirty_working_tree() {
    let dir = tempfile::tempdir().expect("tmp");
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .args(["-c", "user.email=test@example.org", "-c", "user.name=test"])
            .args(args)
            .current_dir(dir.path())
            .output();
        out.map(|o| o.status.success()).unwrap_or(false)
    };
    if !git(&["init", "-q"]) {
        eprintln!("git is not available; skipping");
        return;
    }
    let corpus = util::fixtures().join("corpus/mini");
    let spec = |seed: u64| {
        format!(
            "name = \"dirty\"\nseed = {seed}\n[data]\ncorpus = \"{}\"\n[[study]]\nkind = \"pca\"\nn_components = 3\n",
            corpus.display()
        )
    };
    std::fs::write(dir.path().join("exp.toml"), spec(1)).expect("spec");
    assert!(git(&["add", "exp.toml"]) && git(&["commit", "-q", "-m", "spec"]));
    let dirty_of = |seed: u64| {
        std::fs::write(dir.path().join("exp.toml"), spec(seed)).expect("spec");
        let out = util::vlogmood(dir.path(), &["run", "exp", "--no-cache"]);
        assert_eq!(util::code(&out), 0, "{}", util::stderr(&out));
        let folder = dir.path().join(String::from_utf8_lossy(&out.stdout).lines().last().expect("folder"));
        let manifest: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(folder.join("manifest.json")).expect("manifest"))
                .expect("json");
        let show = util::vlogmood(dir.path(), &["show", folder.file_name().expect("name").to_str().expect("utf-8")]);
        let diff = manifest["git_diff_sha256"].as_str().map(str::to_string);
        (manifest["git_dirty"].as_bool(), diff, String::from_utf8_lossy(&show.stdout).into_owned())
    };
    let (clean, diff, shown) = dirty_of(1);
    assert_eq!((clean, diff), (Some(false), None), "{shown}");
    assert!(shown.contains("code     vlogmood") && shown.contains("machine  "), "{shown}");
    // The new run folder under runs/ does not make the tree dirty; an edited spec does, and
    // the edit itself is fingerprinted: another edit, another hash.
    let (dirty, diff_2, shown) = dirty_of(2);
    assert_eq!(dirty, Some(true), "{shown}");
    assert!(shown.contains("with uncommitted changes") && shown.contains("diff sha256"), "{shown}");
    let (_, diff_3, _) = dirty_of(3);
    assert!(diff_2.is_some() && diff_3.is_some() && diff_2 != diff_3);
}

#[test]
fn svg_figures_are_written_beside_the_pngs_when_the_spec_asks_and_the_page_shows_the_pngs() {
    let dir = workdir(&mini_corpus(), 0);
    let default_id = run_id(dir.path());
    let text = spec_text(&mini_corpus(), 0) + "[report]\nformats = [\"png\", \"svg\"]\n";
    std::fs::write(dir.path().join("exp.toml"), text).expect("spec");
    assert_ne!(run_id(dir.path()), default_id, "other files out: another run");
    let folder = run_ok(dir.path(), &["run", "exp"]);
    let figures: Vec<String> = std::fs::read_dir(folder.join("figures"))
        .expect("figures/")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    let pngs: Vec<&String> = figures.iter().filter(|f| f.ends_with(".png")).collect();
    assert!(!pngs.is_empty());
    for png in &pngs {
        let svg = png.replace(".png", ".svg");
        assert!(figures.contains(&svg), "{svg} beside {png}");
        assert!(std::fs::read_to_string(folder.join("figures").join(&svg)).expect("svg").starts_with("<svg"));
    }
    let page = std::fs::read_to_string(folder.join("report.html")).expect("report");
    assert!(page.contains(&format!("figures/{}", pngs[0])));

    let twice = spec_text(&mini_corpus(), 0) + "[report]\nformats = [\"svg\", \"svg\"]\n";
    std::fs::write(dir.path().join("exp.toml"), twice).expect("spec");
    let out = vlogmood(dir.path(), &["run", "exp"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("report.formats"), "{}", stderr(&out));
}

#[test]
fn meta_tags_and_the_environment_are_kept_with_the_run_but_not_in_its_id() {
    let dir = workdir(&mini_corpus(), 0);
    let plain_id = run_id(dir.path());
    let text = format!(
        "# Why this run exists, as the author wrote it.\n{}[meta]\ndescription = \"baseline before tuning\"\ntags = [\"baseline\", \"mini\"]\n",
        spec_text(&mini_corpus(), 0)
    );
    std::fs::write(dir.path().join("exp.toml"), &text).expect("spec");
    assert_eq!(run_id(dir.path()), plain_id, "[meta] is not part of the run ID");
    let folder = run_ok(dir.path(), &["run", "exp"]);
    assert_eq!(std::fs::read_to_string(folder.join("spec.toml")).expect("spec.toml"), text, "the file as written");
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(folder.join("meta.json")).expect("meta.json")).expect("json");
    assert_eq!(meta["tags"], serde_json::json!(["baseline", "mini"]));
    assert_eq!(meta["description"], "baseline before tuning");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(folder.join("manifest.json")).expect("manifest")).expect("json");
    assert!(manifest["crates"]["symphonia"].is_string() && manifest["crates"]["rustfft"].is_string(), "{manifest}");
    assert_eq!(manifest["cargo_lock_sha256"].as_str().map(str::len), Some(64));
    assert!(manifest["command"].as_array().is_some_and(|c| c.iter().any(|a| a == "run")));
    assert!(manifest["host"].is_string());

    // Tagging later changes meta.json only: the run stays complete and is found by tag.
    let name = folder.file_name().unwrap().to_string_lossy().into_owned();
    let tagged = vlogmood(dir.path(), &["tag", &name, "reviewed"]);
    assert_eq!(code(&tagged), 0, "{}", stderr(&tagged));
    let listed = String::from_utf8_lossy(&vlogmood(dir.path(), &["runs", "--where", "tag=reviewed", "--csv"]).stdout)
        .into_owned();
    assert_eq!(listed.lines().count(), 2, "{listed}");
    assert!(listed.contains("baseline mini reviewed"), "{listed}");
    let show = String::from_utf8_lossy(&vlogmood(dir.path(), &["show", &name]).stdout).into_owned();
    assert!(show.contains("about    baseline before tuning") && show.contains("crates   "), "{show}");
    let again = vlogmood(dir.path(), &["run", "exp"]);
    assert!(stderr(&again).contains("nothing to do"), "still complete after tagging: {}", stderr(&again));
    let bad = vlogmood(dir.path(), &["tag", &name, "two words"]);
    assert_eq!(code(&bad), 2);
}

/// A published run (one in `published/`) is not reused: `run` computes its own and says whether
/// the result equals the published one; lookups fall back to `published/`.
#[test]
fn a_published_run_is_compared_against_not_reused() {
    let dir = workdir(&mini_corpus(), 0);
    let folder = run_ok(dir.path(), &["run", "exp"]);
    let name = folder.file_name().expect("name").to_owned();
    std::fs::create_dir(dir.path().join("published")).expect("published/");
    std::fs::rename(&folder, dir.path().join("published").join(&name)).expect("publish");
    std::fs::remove_dir_all(dir.path().join("runs")).expect("empty the store");

    let fresh = vlogmood(dir.path(), &["run", "exp"]);
    assert_eq!(code(&fresh), 0, "{}", stderr(&fresh));
    assert!(stderr(&fresh).contains("complete — identical to published run"), "{}", stderr(&fresh));
    assert_eq!(dir.path().join(stdout_last_line(&fresh)), folder, "computed into runs/");

    // A published run whose numbers differ is named with how many differ.
    let published_metrics = dir.path().join("published").join(&name).join("metrics.json");
    let text = std::fs::read_to_string(&published_metrics).expect("metrics");
    let mut metrics: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&text).expect("json");
    let key = metrics.keys().find(|k| k.contains("silhouette")).expect("a silhouette").clone();
    metrics.insert(key, 0.123.into());
    std::fs::write(&published_metrics, serde_json::to_string_pretty(&metrics).expect("json")).expect("write");
    relist_in_manifest(&dir.path().join("published").join(&name), "metrics.json");
    let again = vlogmood(dir.path(), &["run", "exp"]);
    assert!(
        stderr(&again).contains("1 of ") && stderr(&again).contains("differ from published run"),
        "{}",
        stderr(&again)
    );

    std::fs::remove_dir_all(dir.path().join("runs")).expect("empty the store");
    let id = run_id(dir.path());
    let shown = vlogmood(dir.path(), &["show", &id[..8]]);
    assert_eq!(code(&shown), 0, "show falls back to published/: {}", stderr(&shown));
    let listed = vlogmood(dir.path(), &["runs", "--published"]);
    assert!(String::from_utf8_lossy(&listed.stdout).contains(&id[..12]));
    assert!(!dir.path().join("runs").join(&name).exists(), "a lookup never copies a published run");
}

/// `docs/spec.md` is `vlogmood spec --reference`: regenerate it with
/// `cargo run --release -- spec --reference > docs/spec.md` when a spec type changes.
#[test]
fn the_checked_in_spec_reference_is_current() {
    let out = vlogmood(Path::new(env!("CARGO_MANIFEST_DIR")), &["spec", "--reference"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let generated = String::from_utf8(out.stdout).expect("utf-8");
    let checked_in =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/spec.md")).expect("docs/spec.md");
    assert!(
        generated == checked_in,
        "docs/spec.md is out of date: run `cargo run --release -- spec --reference > docs/spec.md`"
    );
    // Every study kind and clustering model has its section, and a field's default is shown.
    for heading in ["### `kind = \"k_sweep\"`", "### `kind = \"classify\"`", "### `name = \"dbscan\"`", "## `[split]`"]
    {
        assert!(generated.contains(heading), "{heading}");
    }
    assert!(generated.contains("| `n_permutations` | whole number | `200` |"), "validation.n_permutations");
}

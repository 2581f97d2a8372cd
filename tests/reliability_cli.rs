//! Nothing lost, ever: the reliability failures a user found, each reproduced through the CLI
//! (one test per item of the report, named for what must hold now).

mod util;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use util::{code, fixtures, stderr, vlogmood};

fn mini_corpus() -> PathBuf {
    fixtures().join("corpus/mini")
}

/// Copies `n` clips of the mini corpus (with their labels) into `dir`.
fn copy_clips(dir: &Path, n: usize) -> Vec<String> {
    std::fs::create_dir_all(dir).expect("mkdir");
    let mut names: Vec<String> = std::fs::read_dir(mini_corpus())
        .expect("corpus")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".wav"))
        .collect();
    names.sort();
    names.truncate(n);
    for name in &names {
        std::fs::copy(mini_corpus().join(name), dir.join(name)).expect("copy");
    }
    names
}

fn spec_text(corpus: &Path, name: &str, extra: &str) -> String {
    format!(
        "name = \"{name}\"\nseed = 3\n[data]\ncorpus = \"{}\"\n[[study]]\nkind = \"k_sweep\"\nk = {{ from = 2, to = 3 }}\n\
         elbow_k = {{ from = 1, to = 3 }}\n{extra}",
        corpus.display()
    )
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn last_line(output: &Output) -> String {
    stdout(output).lines().last().unwrap_or_default().to_string()
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(String::from)
        .collect()
}

fn npy_rows(path: &Path) -> (usize, usize) {
    let matrix: ndarray::Array2<f64> = ndarray_npy::read_npy(path).expect("npy");
    matrix.dim()
}

/// CSV records of a file (header included), parsed as CSV so quoted newlines stay in a field.
fn csv_records(path: &Path) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_path(path).expect("csv");
    reader.records().map(|r| r.expect("record").iter().map(String::from).collect()).collect()
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname").expect("hostname").trim().to_string()
}

/// A PID that is not running (the highest PIDs are never handed out on a small machine).
const DEAD_PID: u32 = 4_194_000;

// 1. ingest never overwrites its input; neither command writes into the corpus.

#[test]
fn ingest_refuses_an_output_that_is_its_input_before_any_work() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_clips(dir.path(), 1);
    let clip = std::fs::read_dir(dir.path()).expect("ls").next().expect("clip").expect("entry").path();
    std::fs::rename(&clip, dir.path().join("clip.wav")).expect("rename");
    let before = std::fs::read(dir.path().join("clip.wav")).expect("read");

    let same_folder = vlogmood(dir.path(), &["ingest", "clip.wav", "--out", "."]);
    assert_eq!(code(&same_folder), 2, "{}", stderr(&same_folder));
    assert!(stderr(&same_folder).contains("would overwrite the input"), "{}", stderr(&same_folder));

    std::fs::create_dir_all(dir.path().join("a")).expect("mkdir");
    std::fs::copy(dir.path().join("clip.wav"), dir.path().join("a/x.wav")).expect("copy");
    let into_a = vlogmood(dir.path(), &["ingest", "a/x.wav", "--out", "a"]);
    assert_eq!(code(&into_a), 2, "{}", stderr(&into_a));
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(dir.path().join("a"), dir.path().join("alias")).expect("link");
        let via_link = vlogmood(dir.path(), &["ingest", "a/x.wav", "--out", "alias"]);
        assert_eq!(code(&via_link), 2, "{}", stderr(&via_link));
    }
    assert_eq!(std::fs::read(dir.path().join("clip.wav")).expect("read"), before);
    assert_eq!(std::fs::read(dir.path().join("a/x.wav")).expect("read"), before);
}

#[test]
fn ingest_and_features_refuse_to_write_into_the_corpus() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_clips(&dir.path().join("corpus"), 3);
    let listing = util::list_files(&dir.path().join("corpus"));
    for args in [
        vec!["ingest", "corpus", "--out", "corpus"],
        vec!["ingest", "corpus", "--out", "corpus/processed"],
        vec!["features", "corpus", "--out", "corpus"],
        vec!["features", "corpus", "--out", "corpus/features"],
        vec!["features", "corpus", "--out", "."],
    ] {
        let out = vlogmood(dir.path(), &args);
        assert_eq!(code(&out), 2, "{args:?}: {}", stderr(&out));
        assert_eq!(util::list_files(&dir.path().join("corpus")), listing, "{args:?} wrote into the corpus");
    }
    // An OUT that contains the corpus would be deleted by replacing it.
    let out = vlogmood(dir.path(), &["features", "corpus", "--out", dir.path().to_str().expect("utf-8")]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
}

// 2. One unreadable file is a listed failure; the rest are processed.

/// Runs vlogmood as the unprivileged user `nobody` (setpriv), or None where that is impossible.
#[cfg(unix)]
fn as_nobody(dir: &Path, args: &[&str]) -> Option<Output> {
    let is_root = std::fs::read_to_string("/proc/self/status")
        .ok()?
        .lines()
        .find(|l| l.starts_with("Uid:"))
        .is_some_and(|l| l.split_whitespace().nth(1) == Some("0"));
    if !is_root || Command::new("setpriv").arg("--version").output().is_err() {
        return None;
    }
    // A copy of the binary the user can reach (a checkout under /root is not reachable).
    let bin = dir.join(".vlogmood-bin");
    if !bin.exists() {
        std::fs::copy(env!("CARGO_BIN_EXE_vlogmood"), &bin).ok()?;
        chmod(&bin, 0o755);
    }
    Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(&bin)
        .args(args)
        .current_dir(dir)
        .output()
        .ok()
}

#[cfg(unix)]
fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

#[cfg(unix)]
#[test]
fn an_unreadable_file_is_a_listed_failure_for_features_and_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    chmod(dir.path(), 0o777);
    let corpus = dir.path().join("corpus");
    let names = copy_clips(&corpus, 8);
    chmod(&corpus, 0o755);
    chmod(&corpus.join(&names[1]), 0o000);
    std::fs::write(dir.path().join("exp.toml"), spec_text(Path::new("corpus"), "locked", "")).expect("spec");
    let Some(features) = as_nobody(dir.path(), &["features", "corpus", "--out", "out"]) else {
        eprintln!("SKIPPED: needs root and setpriv to run as an unprivileged user");
        return;
    };
    assert_eq!(code(&features), 1, "{}", stderr(&features));
    let failures = csv_records(&dir.path().join("out/failures.csv"));
    assert_eq!(failures.len(), 2, "{failures:?}");
    assert!(failures[1][0].ends_with(&names[1]), "{failures:?}");
    let reason = &failures[1][1];
    assert!(reason.contains("Permission denied"), "{reason}");
    assert_eq!(reason.matches("os error 13").count(), 1, "the cause is repeated: {reason}");
    assert_eq!(lines(&dir.path().join("out/files.txt")).len(), 7);
    assert_eq!(npy_rows(&dir.path().join("out/feature_matrix.npy")), (7, 45));

    let run = as_nobody(dir.path(), &["run", "exp"]).expect("setpriv worked above");
    assert_eq!(code(&run), 1, "{}", stderr(&run));
    let folder = dir.path().join(last_line(&run));
    let failures = csv_records(&folder.join("failures.csv"));
    assert!(failures.iter().any(|r| r[0].ends_with(&names[1])), "{failures:?}");
    assert_eq!(lines(&folder.join("files.txt")).len(), 7);
}

// 3. features --out is replaced whole, under a lock.

#[test]
fn features_replace_their_output_folder_whole() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_clips(&dir.path().join("big"), 5);
    copy_clips(&dir.path().join("small"), 2);
    let first = vlogmood(dir.path(), &["features", "big", "--out", "out"]);
    assert_eq!(code(&first), 0, "{}", stderr(&first));
    assert!(dir.path().join("out/logmel/4.npy").is_file());
    let second = vlogmood(dir.path(), &["features", "small", "--out", "out"]);
    assert_eq!(code(&second), 0, "{}", stderr(&second));
    assert_eq!(util::list_files(&dir.path().join("out/logmel")), ["0.npy", "1.npy"]);
    assert_eq!(lines(&dir.path().join("out/files.txt")).len(), 2);
    // Only the outputs are left beside OUT: no temporaries, no lock file.
    let mut beside: Vec<String> = std::fs::read_dir(dir.path())
        .expect("ls")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into())
        .collect();
    beside.sort();
    assert_eq!(beside, [".vlogmood", "big", "out", "small"]);

    // A folder with the user's own files in it is never replaced.
    std::fs::create_dir_all(dir.path().join("mine")).expect("mkdir");
    std::fs::write(dir.path().join("mine/thesis.tex"), b"precious").expect("write");
    let refused = vlogmood(dir.path(), &["features", "small", "--out", "mine"]);
    assert_eq!(code(&refused), 2, "{}", stderr(&refused));
    assert!(stderr(&refused).contains("thesis.tex"), "{}", stderr(&refused));
    assert_eq!(std::fs::read(dir.path().join("mine/thesis.tex")).expect("read"), b"precious");
}

#[test]
fn concurrent_features_into_one_folder_never_mix_corpora() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_clips(&dir.path().join("big"), 8);
    copy_clips(&dir.path().join("small"), 3);
    for trial in 0..4 {
        let spawn = |corpus: &str| {
            Command::new(env!("CARGO_BIN_EXE_vlogmood"))
                .args(["features", corpus, "--out", "out", "--no-cache"])
                .current_dir(dir.path())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn")
        };
        let (a, b) = (spawn("big"), spawn("small"));
        for child in [a, b] {
            let out = child.wait_with_output().expect("wait");
            assert_eq!(code(&out), 0, "trial {trial}: {}", stderr(&out));
        }
        let n_files = lines(&dir.path().join("out/files.txt")).len();
        assert!(n_files == 8 || n_files == 3, "trial {trial}: {n_files}");
        assert_eq!(npy_rows(&dir.path().join("out/feature_matrix.npy")).0, n_files, "trial {trial}");
        assert_eq!(csv_records(&dir.path().join("out/features.csv")).len(), n_files + 1, "trial {trial}");
        assert_eq!(util::list_files(&dir.path().join("out/logmel")).len(), n_files, "trial {trial}");
    }
}

// 4. Symlinked media files are inputs; what is skipped is counted by reason.

#[cfg(unix)]
#[test]
fn symlinked_media_files_are_processed_and_skips_are_counted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let names = copy_clips(&dir.path().join("real"), 3);
    let links = dir.path().join("links");
    std::fs::create_dir_all(&links).expect("mkdir");
    for name in &names {
        std::os::unix::fs::symlink(dir.path().join("real").join(name), links.join(name)).expect("link");
    }
    std::os::unix::fs::symlink(dir.path().join("real/gone.wav"), links.join("gone.wav")).expect("link");
    std::fs::write(links.join("notes.txt"), b"x").expect("write");
    let out = vlogmood(dir.path(), &["features", "links", "--out", "out"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(lines(&dir.path().join("out/files.txt")), names);
    let summary = stderr(&out);
    assert!(summary.contains("3 file(s)"), "{summary}");
    assert!(summary.contains("1 non-media file") && summary.contains("1 broken symlink"), "{summary}");
}

// 5. Names that would misalign rows are refused, by an unambiguous name.

#[cfg(unix)]
#[test]
fn odd_file_names_are_failures_and_rows_stay_aligned() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let corpus = dir.path().join("corpus");
    let names = copy_clips(&corpus, 4);
    std::fs::rename(corpus.join(&names[0]), corpus.join("two\nlines.wav")).expect("rename");
    std::fs::rename(corpus.join(&names[1]), corpus.join(std::ffi::OsStr::from_bytes(b"lat\xe9.wav"))).expect("rename");
    std::fs::copy(corpus.join(&names[2]), corpus.join(std::ffi::OsStr::from_bytes(b"lat\xe8.wav"))).expect("copy");
    std::fs::rename(corpus.join(&names[3]), corpus.join("comma, \"quoted\".wav")).expect("rename");
    let out = vlogmood(dir.path(), &["features", "corpus", "--out", "out"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let files = lines(&dir.path().join("out/files.txt"));
    assert_eq!(files, [names[2].as_str(), "comma, \"quoted\".wav"]);
    assert_eq!(npy_rows(&dir.path().join("out/feature_matrix.npy")).0, 2);
    let rows = csv_records(&dir.path().join("out/features.csv"));
    assert_eq!(rows.iter().skip(1).map(|r| r[0].clone()).collect::<Vec<_>>(), files);
    let failed: Vec<String> = csv_records(&dir.path().join("out/failures.csv"))
        .iter()
        .skip(1)
        .map(|r| r[0].rsplit('/').next().expect("name").to_string())
        .collect();
    assert_eq!(failed, ["lat\\xe8.wav", "lat\\xe9.wav", "two\\nlines.wav"]);
}

// 6. reproduce checks the folder against its manifest and its run ID first.

fn run_mini(dir: &Path, name: &str) -> PathBuf {
    copy_clips(&dir.join("corpus"), 8);
    std::fs::write(dir.join("exp.toml"), spec_text(Path::new("corpus"), name, "")).expect("spec");
    let out = vlogmood(dir, &["run", "exp"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    dir.join(last_line(&out))
}

fn edit_json(path: &Path, edit: impl FnOnce(&mut serde_json::Value)) {
    let mut value: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("json");
    edit(&mut value);
    std::fs::write(path, serde_json::to_string(&value).expect("json")).expect("write");
}

#[test]
fn reproduce_refuses_a_folder_that_does_not_match_its_manifest_or_id() {
    let dir = tempfile::tempdir().expect("tempdir");
    let folder = run_mini(dir.path(), "tamper");
    let name = folder.file_name().expect("name").to_string_lossy().into_owned();
    let pristine = dir.path().join("pristine");
    std::fs::create_dir_all(&pristine).expect("mkdir");
    for file in util::list_files(&folder) {
        std::fs::create_dir_all(pristine.join(&file).parent().expect("parent")).expect("mkdir");
        std::fs::copy(folder.join(&file), pristine.join(&file)).expect("copy");
    }
    let restore = || {
        for file in util::list_files(&pristine) {
            std::fs::copy(pristine.join(&file), folder.join(&file)).expect("copy");
        }
    };
    let expect_refused = |what: &str, needle: &str| {
        let out = vlogmood(dir.path(), &["reproduce", &name]);
        assert_eq!(code(&out), 2, "{what}: {}", stderr(&out));
        assert!(stderr(&out).contains(needle), "{what}: {}", stderr(&out));
    };

    edit_json(&folder.join("spec.json"), |spec| spec["name"] = "renamed".into());
    expect_refused("name edited", "changed: spec.json");
    restore();
    edit_json(&folder.join("spec.json"), |spec| spec["seed"] = 4.into());
    expect_refused("seed edited", "changed: spec.json");
    // Even with the checksum list updated to match, the spec no longer hashes to the run ID.
    let spec_bytes = std::fs::read(folder.join("spec.json")).expect("read");
    edit_json(&folder.join("manifest.json"), |m| {
        m["files"]["spec.json"] =
            serde_json::json!({"bytes": spec_bytes.len(), "sha256": vlogmood::corpus::sha256_hex(&spec_bytes)});
    });
    expect_refused("seed edited, manifest re-listed", "hash to run");
    restore();
    std::fs::remove_file(folder.join("features.npy")).expect("rm");
    expect_refused("features.npy removed", "missing: features.npy");
    restore();
    std::fs::write(folder.join("files.txt"), "x.wav\n").expect("write");
    expect_refused("files.txt edited", "changed: files.txt");
    restore();
    let fine = vlogmood(dir.path(), &["reproduce", &name]);
    assert_eq!(code(&fine), 0, "{}", stderr(&fine));
}

// 7. A damaged run folder is reported, not multiplied.

#[test]
fn a_damaged_run_folder_is_reported_and_gc_clears_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let folder = run_mini(dir.path(), "damaged");
    std::fs::remove_file(folder.join("manifest.json")).expect("rm");
    for _ in 0..2 {
        let out = vlogmood(dir.path(), &["run", "exp"]);
        assert_eq!(code(&out), 2, "{}", stderr(&out));
        assert!(stderr(&out).contains("is not a complete run (manifest.json is missing)"), "{}", stderr(&out));
    }
    let runs: Vec<String> = std::fs::read_dir(dir.path().join("runs"))
        .expect("ls")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.') && n != "index.jsonl")
        .collect();
    assert_eq!(runs.len(), 1, "{runs:?}");

    let dry = vlogmood(dir.path(), &["gc", "--dry-run"]);
    assert_eq!(code(&dry), 0, "{}", stderr(&dry));
    assert!(stdout(&dry).contains("would remove") && folder.exists(), "{}", stdout(&dry));
    let gc = vlogmood(dir.path(), &["gc"]);
    assert_eq!(code(&gc), 0, "{}", stderr(&gc));
    assert!(!folder.exists());
    let again = vlogmood(dir.path(), &["run", "exp"]);
    assert_eq!(code(&again), 0, "{}", stderr(&again));
    assert_eq!(dir.path().join(last_line(&again)), folder);

    // A complete re-run is found even when the first folder is damaged.
    let forced = vlogmood(dir.path(), &["run", "exp", "--force"]);
    assert_eq!(code(&forced), 0, "{}", stderr(&forced));
    std::fs::remove_file(folder.join("metrics.json")).expect("rm");
    let reused = vlogmood(dir.path(), &["run", "exp"]);
    assert_eq!(code(&reused), 0, "{}", stderr(&reused));
    assert!(last_line(&reused).ends_with("-r2"), "{}", last_line(&reused));
}

// 8. Written files follow the umask.

#[cfg(unix)]
#[test]
fn outputs_follow_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    copy_clips(&dir.path().join("corpus"), 8);
    std::fs::write(dir.path().join("exp.toml"), spec_text(Path::new("corpus"), "modes", "")).expect("spec");
    let bin = env!("CARGO_BIN_EXE_vlogmood");
    let script = format!("umask 022 && {bin} run exp && {bin} ingest corpus --out processed && {bin} runs");
    let out = Command::new("sh").args(["-c", &script]).current_dir(dir.path()).output().expect("sh");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let folder = dir.path().join(stdout(&out).lines().next().expect("run folder"));
    let wav = std::fs::read_dir(dir.path().join("processed")).expect("ls").next().expect("wav").expect("entry").path();
    for path in [folder.join("manifest.json"), folder.join("metrics.json"), dir.path().join("runs/index.jsonl"), wav] {
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o644, "{}", path.display());
    }
    let mode = std::fs::metadata(&folder).expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode, 0o755, "{}", folder.display());
}

// 9. The run ID does not depend on how the corpus path is spelled.

#[test]
fn the_run_id_is_the_same_for_every_spelling_of_the_corpus_path() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_clips(&dir.path().join("data/corpus"), 8);
    let absolute = dir.path().join("data/corpus");
    let spellings = ["data/corpus", "./data/corpus", "data/corpus/", absolute.to_str().expect("utf-8")];
    let ids: Vec<String> = spellings
        .iter()
        .map(|corpus| {
            std::fs::write(dir.path().join("exp.toml"), spec_text(Path::new(corpus), "paths", "")).expect("spec");
            let out = vlogmood(dir.path(), &["spec", "exp"]);
            assert_eq!(code(&out), 0, "{}", stderr(&out));
            stdout(&out).lines().find_map(|l| l.strip_prefix("run_id: ").map(String::from)).expect("run_id")
        })
        .collect();
    assert!(ids.iter().all(|id| id == &ids[0]), "{ids:?}");
}

// 10. Leftovers of killed processes are cleaned at start and by gc.

#[test]
fn leftovers_of_dead_processes_are_removed() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_clips(&dir.path().join("corpus"), 8);
    let tag = format!("{DEAD_PID}@{}~", hostname());
    let processed = dir.path().join("processed");
    std::fs::create_dir_all(&processed).expect("mkdir");
    let stale_wav = processed.join(format!(".clip.wav-{tag}AbC123.partial"));
    std::fs::write(&stale_wav, b"half").expect("write");
    let ingest = vlogmood(dir.path(), &["ingest", "corpus", "--out", "processed"]);
    assert_eq!(code(&ingest), 0, "{}", stderr(&ingest));
    assert!(!stale_wav.exists());

    let partial = dir.path().join(format!("runs/.partial/{}-{tag}x", "ab".repeat(32)));
    std::fs::create_dir_all(&partial).expect("mkdir");
    std::fs::write(dir.path().join("exp.toml"), spec_text(Path::new("corpus"), "leftovers", "")).expect("spec");
    let run = vlogmood(dir.path(), &["run", "exp"]);
    assert_eq!(code(&run), 0, "{}", stderr(&run));
    assert!(!partial.exists(), "a dead writer's partial run survived");
    let locks: Vec<_> = std::fs::read_dir(dir.path().join("runs/.locks")).expect("ls").collect();
    assert!(locks.is_empty(), "lock files left: {locks:?}");

    // gc: a stale lock, a half-written run nobody writes, a temporary in an ingest folder.
    std::fs::write(dir.path().join("runs/.locks/old.lock"), b"").expect("write");
    std::fs::create_dir_all(&partial).expect("mkdir");
    std::fs::write(&stale_wav, b"half").expect("write");
    let dry = vlogmood(dir.path(), &["gc", "--dry-run", "processed"]);
    assert_eq!(code(&dry), 0, "{}", stderr(&dry));
    assert_eq!(stdout(&dry).lines().filter(|l| l.starts_with("would remove")).count(), 3, "{}", stdout(&dry));
    assert!(partial.exists() && stale_wav.exists());
    let gc = vlogmood(dir.path(), &["gc", "processed"]);
    assert_eq!(code(&gc), 0, "{}", stderr(&gc));
    assert!(!partial.exists() && !stale_wav.exists() && !dir.path().join("runs/.locks/old.lock").exists());
}

// 11. --threads is bounded, and commands that do no parallel work build no pool.

#[test]
fn absurd_thread_counts_are_refused_at_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let started = std::time::Instant::now();
    let out = vlogmood(dir.path(), &["--threads", "100000", "runs"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("at most") && stderr(&out).contains("per core"), "{}", stderr(&out));
    assert!(started.elapsed().as_secs() < 30);
    let zero = vlogmood(dir.path(), &["--threads", "0", "runs"]);
    assert_eq!(code(&zero), 2, "{}", stderr(&zero));
    let fine = vlogmood(dir.path(), &["--threads", "2", "runs"]);
    assert_eq!(code(&fine), 0, "{}", stderr(&fine));
}

// 13. Messages say what is allowed, and what can be checked is checked before the work.

#[test]
fn bad_k_values_say_what_is_allowed() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_clips(&dir.path().join("corpus"), 8);
    for k in ["-3", "\"four\""] {
        let extra = format!("[[study]]\nkind = \"repeat\"\nk = {k}\n");
        std::fs::write(dir.path().join("exp.toml"), spec_text(Path::new("corpus"), "k", &extra)).expect("spec");
        let out = vlogmood(dir.path(), &["run", "exp"]);
        assert_eq!(code(&out), 2, "{}", stderr(&out));
        assert!(
            stderr(&out).contains("number of clusters ≥ 2") && stderr(&out).contains("best_from_sweep"),
            "{}",
            stderr(&out)
        );
        assert!(!stderr(&out).contains("untagged"), "{}", stderr(&out));
    }
    let extra = "[[study]]\nkind = \"repeat\"\nk = 500\n";
    std::fs::write(dir.path().join("exp.toml"), spec_text(Path::new("corpus"), "k", extra)).expect("spec");
    let out = vlogmood(dir.path(), &["run", "exp"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("study[1].k: k = 500 is too many clusters"), "{}", stderr(&out));
    assert!(!dir.path().join(".vlogmood").exists(), "features were computed before the spec was rejected");
}

#[test]
fn folders_without_media_and_fully_failed_batches_say_so() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("empty")).expect("mkdir");
    std::fs::write(dir.path().join("empty/notes.txt"), b"x").expect("write");
    for args in [["features", "empty", "--out", "out"], ["ingest", "empty", "--out", "out"]] {
        let out = vlogmood(dir.path(), &args);
        assert_eq!(code(&out), 2, "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("no media files") && stderr(&out).contains("mp4, mov"), "{}", stderr(&out));
        assert!(!dir.path().join("out/failures.csv").exists());
    }
    std::fs::write(dir.path().join("exp.toml"), spec_text(Path::new("empty"), "empty", "")).expect("spec");
    let run = vlogmood(dir.path(), &["run", "exp"]);
    assert_eq!(code(&run), 2, "{}", stderr(&run));
    assert!(stderr(&run).contains("data.corpus: ") && stderr(&run).contains("has no media files"), "{}", stderr(&run));

    std::fs::create_dir_all(dir.path().join("broken")).expect("mkdir");
    std::fs::write(dir.path().join("broken/a.wav"), b"").expect("write");
    std::fs::write(dir.path().join("broken/b.wav"), b"RIFF....WAVEnot really").expect("write");
    let out = vlogmood(dir.path(), &["features", "broken", "--out", "out"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_eq!(npy_rows(&dir.path().join("out/feature_matrix.npy")), (0, 45));
    assert_eq!(csv_records(&dir.path().join("out/failures.csv")).len(), 3);

    let folder = vlogmood(dir.path(), &["run", "."]);
    assert_eq!(code(&folder), 2, "{}", stderr(&folder));
    assert!(stderr(&folder).contains("is a folder; name one spec in it, e.g."), "{}", stderr(&folder));
}

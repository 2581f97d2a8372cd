//! `--executor slurm` against a real Slurm cluster: a private single-node one started by
//! `scripts/slurm-local.sh` (Debian's slurm-wlm and munge, as root). What the cluster computes
//! must be byte-identical to what this machine computes; a sweep cancelled mid-way (Ctrl-C
//! scancels its jobs, killing the running task) resumes by submitting only what is missing;
//! a feature task killed on the cluster is resubmitted. (One test: the cluster's ports are
//! fixed, so two cannot run at once.)
//!
//! Where Slurm cannot be started (packages missing, not root) the test says so on stderr and
//! returns; with `VLOGMOOD_REQUIRE_SLURM=1` (set by `.ci/run` and `just test-slurm`) that is a
//! failure instead.

mod util;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use util::{code, files_with_bytes, fixtures, stderr};

/// A running private cluster, stopped when dropped.
struct Cluster {
    state: tempfile::TempDir,
    conf: String,
}

impl Cluster {
    fn script() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/slurm-local.sh")
    }

    /// Starts the cluster, or says why it cannot be.
    fn start() -> Result<Self, String> {
        let installed = ["slurmctld", "slurmd", "munged", "sbatch"].iter().all(|bin| {
            Command::new("sh")
                .args(["-c", &format!("PATH=$PATH:/usr/sbin:/sbin command -v {bin}")])
                .stdout(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        });
        if !installed {
            return Err("slurm-wlm and munge are not installed (scripts/slurm-local.sh install)".into());
        }
        let state = tempfile::Builder::new().prefix("vm-slurm").tempdir().map_err(|e| e.to_string())?;
        let out = Command::new(Self::script()).arg("start").arg(state.path()).output().map_err(|e| e.to_string())?;
        if !out.status.success() {
            let reason = String::from_utf8_lossy(&out.stderr);
            return Err(reason.lines().last().unwrap_or("scripts/slurm-local.sh start failed").to_string());
        }
        let conf = state.path().join("etc/slurm.conf").to_string_lossy().into_owned();
        Ok(Self { state, conf })
    }

    /// `vlogmood ARGS` in `dir`, submitting to this cluster.
    fn vlogmood(&self, dir: &Path) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_vlogmood"));
        command.current_dir(dir).env("SLURM_CONF", &self.conf);
        command
    }

    /// Jobs the cluster still knows as pending or running.
    fn live_jobs(&self) -> String {
        let out = Command::new("squeue").args(["-h", "-o", "%i %T"]).env("SLURM_CONF", &self.conf).output();
        out.map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string()).unwrap_or_default()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new(Self::script()).arg("stop").arg(self.state.path()).status();
    }
}

fn workdir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let corpus = fixtures().join("corpus/mini");
    let spec = format!(
        "name = \"mini\"\n[data]\ncorpus = \"{}\"\n[split]\ngroup_by = \"actor\"\n[[study]]\nkind = \"k_sweep\"\n\
         k = {{ from = 2, to = 4 }}\n[[study]]\nkind = \"repeat\"\nn = 20\n",
        corpus.display()
    );
    std::fs::write(dir.path().join("exp.toml"), spec).expect("spec");
    dir
}

/// Each run folder's `metrics.json`, by folder name.
fn metrics_by_run(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut runs: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir.join("runs"))
        .expect("runs/")
        .filter_map(Result::ok)
        .filter(|e| e.path().join("manifest.json").is_file())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path().join("metrics.json")).expect("metrics"),
            )
        })
        .collect();
    runs.sort();
    runs
}

fn ok(out: &Output) -> String {
    assert_eq!(code(out), 0, "{}\n{}", String::from_utf8_lossy(&out.stdout), stderr(out));
    stderr(out)
}

#[test]
fn the_slurm_executor_computes_what_the_local_one_does() {
    let cluster = match Cluster::start() {
        Ok(cluster) => cluster,
        Err(reason) if std::env::var_os("VLOGMOOD_REQUIRE_SLURM").is_some() => {
            panic!("VLOGMOOD_REQUIRE_SLURM is set but Slurm cannot be started: {reason}")
        }
        Err(reason) => {
            eprintln!("skipped: no Slurm cluster: {reason}");
            return;
        }
    };
    features_equal_the_local_ones_and_a_killed_task_is_retried(&cluster);
    a_sweep_equals_the_local_one_and_resumes_after_a_cancel(&cluster);
}

/// `features data/ravdess` in 4 tasks of 48 files, one at a time; once the first is done, the
/// array is cancelled from outside (as a node failure or an administrator would), and the
/// executor resubmits the 3 lost tasks.
fn features_equal_the_local_ones_and_a_killed_task_is_retried(cluster: &Cluster) {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/ravdess");
    let features = |dir: &Path| {
        let mut command = cluster.vlogmood(dir);
        command.arg("features").arg(&corpus).args(["--out", "f"]).env("VLOGMOOD_CACHE", dir.join("cache"));
        command
    };
    let local = tempfile::tempdir().expect("tempdir");
    ok(&features(local.path()).output().expect("local features"));

    let remote = tempfile::tempdir().expect("tempdir");
    let on_cluster = ["--executor", "slurm", "--slurm-files-per-task", "48", "--slurm-max-parallel", "1"];
    let child = features(remote.path())
        .args(on_cluster)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("slurm features");
    let started = Instant::now();
    while !first_outcome_written(&remote.path().join("runs/.slurm")) {
        assert!(started.elapsed() < Duration::from_secs(120), "no feature task finished in 2 minutes");
        std::thread::sleep(Duration::from_millis(50));
    }
    let killed = Command::new("scancel").arg("--name=vlogmood-task").env("SLURM_CONF", &cluster.conf).status();
    assert!(killed.expect("scancel").success());
    let retried = ok(&child.wait_with_output().expect("wait"));
    assert!(retried.contains("192 file(s) missing from the cache"), "{retried}");
    assert!(retried.contains("resubmitting 3 task(s) (attempt 2 of 3)"), "{retried}");
    assert_same_folders(&local.path().join("f"), &remote.path().join("f"));

    // Everything is in the cache now: nothing is submitted, the outputs are the same.
    let again = ok(&features(remote.path()).args(on_cluster).output().expect("again"));
    assert!(again.contains("no feature task to submit"), "{again}");
    assert_same_folders(&local.path().join("f"), &remote.path().join("f"));

    // The cache deleted: the same batch again, whose outcome files no longer hold, so all 4
    // tasks are submitted again rather than their old outcomes trusted.
    std::fs::remove_dir_all(remote.path().join("cache")).expect("delete the cache");
    let recomputed = ok(&features(remote.path()).args(on_cluster).output().expect("after deleting the cache"));
    assert!(recomputed.contains("(4 task(s))"), "{recomputed}");
    assert!(recomputed.contains("192 file(s) computed by the tasks"), "{recomputed}");
    assert_same_folders(&local.path().join("f"), &remote.path().join("f"));
}

/// Whether task 0 of a feature batch under `work` has written its outcome.
fn first_outcome_written(work: &Path) -> bool {
    std::fs::read_dir(work)
        .map(|batches| batches.filter_map(Result::ok).any(|b| b.path().join("outcomes/0.json").is_file()))
        .unwrap_or(false)
}

/// Every file under `a` exists under `b` with the same bytes, and no other.
fn assert_same_folders(a: &Path, b: &Path) {
    let (left, right) = (files_with_bytes(a), files_with_bytes(b));
    assert!(!left.is_empty(), "{} is empty", a.display());
    assert_eq!(left.len(), right.len(), "{} and {} hold different files", a.display(), b.display());
    for ((name_a, bytes_a), (name_b, bytes_b)) in left.iter().zip(&right) {
        assert_eq!(name_a, name_b);
        assert!(bytes_a == bytes_b, "{name_a} differs");
    }
}

fn a_sweep_equals_the_local_one_and_resumes_after_a_cancel(cluster: &Cluster) {
    let sweep = ["run", "exp", "--sweep", "seed=1..4", "--no-cache"];

    let local = workdir();
    ok(&cluster.vlogmood(local.path()).args(sweep).output().expect("local sweep"));
    let expected = metrics_by_run(local.path());
    assert_eq!(expected.len(), 4);

    // On the cluster, one task at a time; cancelled (Ctrl-C) once the first task is done.
    let remote = workdir();
    let child = cluster
        .vlogmood(remote.path())
        .args(sweep)
        .args(["--executor", "slurm", "--slurm-max-parallel", "1"])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("slurm sweep");
    let started = Instant::now();
    while metrics_by_run_or_none(remote.path()).is_empty() {
        assert!(started.elapsed() < Duration::from_secs(120), "no task finished in 2 minutes");
        std::thread::sleep(Duration::from_millis(100));
    }
    Command::new("kill").args(["-INT", &child.id().to_string()]).status().expect("kill -INT");
    let cancelled = child.wait_with_output().expect("wait");
    assert_ne!(code(&cancelled), 0, "a cancelled sweep does not succeed");
    assert!(stderr(&cancelled).contains("scancel"), "{}", stderr(&cancelled));
    let deadline = Instant::now() + Duration::from_secs(30);
    while !cluster.live_jobs().is_empty() {
        assert!(Instant::now() < deadline, "jobs left after the cancel: {}", cluster.live_jobs());
        std::thread::sleep(Duration::from_millis(200));
    }
    let done_before = metrics_by_run_or_none(remote.path()).len();
    assert!(done_before < 4, "the cancel came after every task had run");

    // Run again: only the missing members are submitted, and every result equals the local one.
    let resumed =
        ok(&cluster.vlogmood(remote.path()).args(sweep).args(["--executor", "slurm"]).output().expect("resume"));
    assert!(resumed.contains(&format!("({} task(s))", 4 - done_before)), "{resumed}");
    assert_eq!(metrics_by_run(remote.path()), expected, "metrics.json byte for byte");
    let summary = |dir: &Path| {
        let sweeps = std::fs::read_dir(dir.join("runs/sweeps")).expect("sweeps").next().expect("one").expect("entry");
        std::fs::read(sweeps.path().join("summary.csv")).expect("summary.csv")
    };
    assert_eq!(summary(remote.path()), summary(local.path()));

    // A single run on the cluster, its features extracted first as feature tasks into the
    // shared cache and 19 of its 20 repeated fits as 4 tasks of their own (the first, computed
    // in the run's task, times the step; 0 s makes even these quick fits worth sending out),
    // equals the local run and is found here afterwards, as a local one would be.
    let single_run = ["run", "exp", "--set", "seed=9"];
    ok(&cluster.vlogmood(local.path()).args(single_run).args(["--no-cache"]).output().expect("local run"));
    let single = ok(&cluster
        .vlogmood(remote.path())
        .args(single_run)
        .args(["--executor", "slurm", "--slurm-part-tasks", "4", "--slurm-min-step-seconds", "0"])
        .env("VLOGMOOD_CACHE", remote.path().join("cache"))
        .output()
        .expect("single run"));
    assert!(single.contains("file(s) computed by the tasks, 0 could not be processed"), "{single}");
    assert!(single.contains("repeat.fits: 19 of 20 part(s) to compute, as 4 task(s)"), "{single}");
    assert!(!single.contains("resubmitting"), "a run task waiting for its parts did not fail: {single}");
    assert!(single.contains("exists; nothing to do"), "computed on the cluster, reused here: {single}");
    assert_eq!(metrics_by_run(remote.path()).len(), 5);
    assert_eq!(metrics_by_run(remote.path()), metrics_by_run(local.path()), "the single run too, byte for byte");
    assert!(!remote.path().join("runs/.parts").read_dir().is_ok_and(|mut d| d.next().is_some()), "parts removed");
}

fn metrics_by_run_or_none(dir: &Path) -> Vec<(String, Vec<u8>)> {
    if dir.join("runs").is_dir() {
        metrics_by_run(dir)
    } else {
        Vec::new()
    }
}

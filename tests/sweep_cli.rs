//! Sweeps driven as a user would: `vlogmood run SPEC --sweep ...` and a `[sweep]` table on the
//! committed mini corpus — members are the runs `--set` would make, a second sweep computes
//! nothing, a failing member is listed while the others complete, and the summary is written
//! as CSV, Markdown and HTML under `runs/sweeps/`.

mod util;

use std::path::{Path, PathBuf};

use util::{code, fixtures, stderr, vlogmood};

const SPEC: &str = r#"name = "mini"
seed = 7
[data]
corpus = "CORPUS"
[split]
group_by = "actor"
[[study]]
kind = "compare"
models = ["kmeans"]
k = 2
bootstrap = 0
"#;

fn workdir(extra: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = SPEC.replace("CORPUS", &fixtures().join("corpus/mini").display().to_string()) + extra;
    std::fs::write(dir.path().join("exp.toml"), text).expect("spec");
    dir
}

fn last_line(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).lines().last().unwrap_or_default().to_string()
}

fn summary(folder: &Path) -> Vec<Vec<String>> {
    let mut reader = csv::Reader::from_path(folder.join("summary.csv")).expect("summary.csv");
    let header: Vec<String> = reader.headers().expect("header").iter().map(str::to_string).collect();
    std::iter::once(header)
        .chain(reader.records().map(|r| r.expect("row").iter().map(str::to_string).collect()))
        .collect()
}

fn column(rows: &[Vec<String>], name: &str) -> Vec<String> {
    let at = rows[0].iter().position(|c| c == name).unwrap_or_else(|| panic!("no column {name}: {:?}", rows[0]));
    rows[1..].iter().map(|r| r[at].clone()).collect()
}

fn run_ids(dir: &Path, sets: &[&str]) -> String {
    let mut args = vec!["spec", "exp"];
    for set in sets {
        args.extend(["--set", set]);
    }
    let out = vlogmood(dir, &args);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.lines().find_map(|l| l.strip_prefix("run_id: ")).expect("a run_id line").to_string()
}

#[test]
fn a_sweep_runs_every_combination_once_and_reuses_it_the_second_time() {
    let dir = workdir("");
    let args = ["run", "exp", "--sweep", "seed=1..3", "--sweep", "study[0].k=2,3", "--jobs", "2"];
    let out = vlogmood(dir.path(), &args);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let folder: PathBuf = dir.path().join(last_line(&out));
    assert!(folder.starts_with(dir.path().join("runs/sweeps")), "{}", folder.display());
    for file in ["summary.csv", "summary.md", "summary.html", "sweep.json"] {
        assert!(folder.join(file).is_file(), "{file}");
    }
    assert!(stderr(&out).contains("0 failed, 0 left"), "progress ends with nothing left: {}", stderr(&out));
    let rows = summary(&folder);
    assert_eq!(rows.len(), 1 + 6);
    assert_eq!(column(&rows, "seed"), ["1", "1", "2", "2", "3", "3"]);
    assert_eq!(column(&rows, "study[0].k"), ["2", "3", "2", "3", "2", "3"]);
    assert!(column(&rows, "status").iter().all(|s| s == "computed"), "{rows:?}");
    let silhouettes = column(&rows, "compare.kmeans.silhouette");
    assert!(silhouettes.iter().all(|s| s.parse::<f64>().is_ok()), "{silhouettes:?}");

    // Each member is the run `--set` makes: same ID, so the same folder.
    let runs = column(&rows, "run");
    let id = run_ids(dir.path(), &["seed=2", "study[0].k=3"]);
    assert!(runs[3].ends_with(&id[..12]), "{} vs {id}", runs[3]);

    // The second time nothing is computed, and the sweep has the same folder.
    let again = vlogmood(dir.path(), &args);
    assert_eq!(code(&again), 0, "{}", stderr(&again));
    assert_eq!(last_line(&again), last_line(&out));
    assert!(column(&summary(&folder), "status").iter().all(|s| s == "reused"));
}

#[test]
fn a_failing_member_is_listed_and_the_others_complete() {
    let dir = workdir("");
    // k = 30 needs more training rows than the mini corpus has.
    let out = vlogmood(dir.path(), &["run", "exp", "--sweep", "study[0].k=2,30,3"]);
    assert_eq!(code(&out), 1, "a failed member is a failure: {}", stderr(&out));
    assert!(stderr(&out).contains("failed: study[0].k=30"), "{}", stderr(&out));
    let rows = summary(&dir.path().join(last_line(&out)));
    assert_eq!(column(&rows, "status"), ["computed", "failed", "computed"]);
    let errors = column(&rows, "error");
    assert!(errors[1].contains("k = 30"), "{errors:?}");
    assert!(errors[0].is_empty() && errors[2].is_empty());
}

#[test]
fn a_sweep_table_in_the_spec_is_the_same_sweep_as_the_flags() {
    let by_flag = workdir("");
    let flags = vlogmood(by_flag.path(), &["run", "exp", "--sweep", "seed=1,2"]);
    assert_eq!(code(&flags), 0, "{}", stderr(&flags));
    let in_file = workdir("[sweep]\nseed = [1, 2]\n");
    let file = vlogmood(in_file.path(), &["run", "exp"]);
    assert_eq!(code(&file), 0, "{}", stderr(&file));
    assert_eq!(last_line(&file), last_line(&flags), "same members, same sweep ID");
    // The [sweep] table is not part of a member's spec: a plain run of it is unaffected.
    let plain = workdir("");
    assert_eq!(run_ids(plain.path(), &["seed=2"]), run_ids(in_file.path(), &["seed=2"]));
    let bad = vlogmood(in_file.path(), &["run", "exp", "--sweep", "seed=3"]);
    assert_eq!(code(&bad), 2, "one path swept twice is refused");
    assert!(stderr(&bad).contains("seed"), "{}", stderr(&bad));
}

/// The spec's `[executor]` table chooses Slurm and its options; flags override each field. A
/// stand-in `sbatch` on the `PATH` records its arguments and refuses the job, so this needs no
/// cluster (`tests/slurm_cli.rs` runs a real one).
#[cfg(unix)]
#[test]
fn the_spec_executor_table_reaches_sbatch_and_flags_override_it() {
    use std::os::unix::fs::PermissionsExt;
    let dir = workdir("[executor]\nkind = \"slurm\"\npartition = \"short\"\ncpus = 2\nfiles_per_task = 10\n");
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).expect("mkdir");
    let log = dir.path().join("sbatch.log");
    let script = format!(
        "#!/bin/sh\necho \"$@\" >> '{}'\necho 'sbatch: error: refused by the test' >&2\nexit 1\n",
        log.display()
    );
    std::fs::write(bin.join("sbatch"), script).expect("sbatch");
    std::fs::set_permissions(bin.join("sbatch"), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let run = |extra: &[&str]| {
        let mut args = vec!["run", "exp"];
        args.extend(extra);
        std::process::Command::new(env!("CARGO_BIN_EXE_vlogmood"))
            .current_dir(dir.path())
            .env("PATH", &path)
            .args(&args)
            .output()
            .expect("vlogmood")
    };

    let out = run(&[]);
    assert_ne!(code(&out), 0, "the stand-in sbatch refuses every job");
    assert!(stderr(&out).contains("refused by the test"), "{}", stderr(&out));
    let submitted = std::fs::read_to_string(&log).expect("sbatch was called");
    let first = submitted.lines().next().expect("one submission");
    for flag in ["--array=0-2", "--cpus-per-task=2", "--partition=short"] {
        assert!(first.split(' ').any(|a| a == flag), "{flag} missing from: {first}");
    }

    std::fs::remove_file(&log).expect("rm");
    let out = run(&["--slurm-partition", "long", "--slurm-files-per-task", "24"]);
    assert_ne!(code(&out), 0);
    let first = std::fs::read_to_string(&log).expect("sbatch was called").lines().next().expect("one").to_string();
    for flag in ["--array=0", "--cpus-per-task=2", "--partition=long"] {
        assert!(first.split(' ').any(|a| a == flag), "{flag} missing from: {first}");
    }

    std::fs::remove_file(&log).expect("rm");
    let out = run(&["--executor", "local"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(!log.exists(), "--executor local submits nothing");
    assert!(dir.path().join(last_line(&out)).join("metrics.json").is_file());
}

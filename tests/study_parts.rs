//! A run whose studies' parts (the k-sweep's k values, grid cells, repeated fits, bootstrap
//! replicates, consensus subsamples, classification folds) are computed as separate tasks, as on a cluster, writes the same bytes
//! as the run computed in one piece; a step interrupted half-way computes only what is missing.
//! (The Slurm executor runs the same tasks through `sbatch`: `tests/slurm_cli.rs`.)

mod util;

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use util::{files_with_bytes, fixtures};

use vlogmood::runs::{
    run, run_in_parts, ExecuteOptions, Executor, LocalExecutor, NoProgress, PartsPlan, PreparedRun, RunStore, RunTask,
    Task, TaskOutcome, TaskProgress,
};
use vlogmood::spec::ExperimentSpec;

/// Every study kind that fans out, on the 24-clip fixture corpus.
fn prepared(dir: &Path) -> PreparedRun {
    let corpus = fixtures().join("corpus/mini");
    let text = format!(
        r#"name = "parts"
[data]
corpus = "{}"
[split]
group_by = "actor"
[[study]]
kind = "k_sweep"
k = {{ from = 2, to = 4 }}
[[study]]
kind = "grid"
model = "kmeans"
k = "best_from_sweep"
score_on = "val"
[[study]]
kind = "repeat"
n = 6
[[study]]
kind = "bootstrap"
model = "kmeans"
k = 3
n = 7
[[study]]
kind = "consensus"
model = "kmeans"
k = 2
n_subsamples = 5
[[study]]
kind = "compare"
models = ["kmeans", {{ name = "agglomerative", linkage = "ward" }}]
k = 3
bootstrap = 4
[[study]]
kind = "classify"
target = "emotion"
protocol = "group_kfold"
group_by = "actor"
n_folds = 3
models = ["logistic_regression", "boosting"]
"#,
        corpus.display()
    );
    let path = dir.join("parts.toml");
    std::fs::write(&path, &text).expect("spec");
    let spec = ExperimentSpec::parse(&path, &text).expect("a valid spec");
    PreparedRun::prepare(spec, None).expect("prepare")
}

/// The local executor, recording the tasks of each batch it is given.
struct Recording {
    inner: LocalExecutor,
    batches: Mutex<Vec<Vec<Task>>>,
}

impl Executor for Recording {
    fn execute(&self, tasks: &[Task], on_progress: &(dyn Fn(TaskProgress) + Sync)) -> Vec<Result<TaskOutcome, String>> {
        self.batches.lock().unwrap().push(tasks.to_vec());
        self.inner.execute(tasks, on_progress)
    }
}

/// The step and the parts of each batch of study-part tasks.
fn part_batches(batches: &[Vec<Task>]) -> Vec<(String, Vec<Vec<usize>>)> {
    batches
        .iter()
        .filter_map(|batch| match batch.first() {
            Some(Task::StudyParts { step, .. }) => Some((
                step.clone(),
                batch
                    .iter()
                    .map(|t| match t {
                        Task::StudyParts { indices, .. } => indices.clone(),
                        _ => panic!("a batch of one kind"),
                    })
                    .collect(),
            )),
            _ => None,
        })
        .collect()
}

/// Every file of a run folder but its manifest and the reports that embed it (wall time,
/// command line), by relative path.
fn files_of(folder: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files = files_with_bytes(folder);
    files.retain(|(name, _)| !["manifest.json", "report.html", "report.md"].contains(&name.as_str()));
    files
}

/// The run computed in one piece, into its own store under `dir`: its folder.
fn run_whole(dir: &Path, prepared: &PreparedRun) -> PathBuf {
    let store = RunStore::new(dir.join("whole"));
    run(prepared, &store, &ExecuteOptions::default(), false, &NoProgress, || {}).expect("the run").folder
}

#[test]
fn a_run_computed_in_parts_writes_the_bytes_of_one_computed_whole() {
    let dir = tempfile::tempdir().expect("tempdir");
    let prepared = prepared(dir.path());
    let whole = run_whole(dir.path(), &prepared);

    let executor = Recording { inner: LocalExecutor { jobs: 2 }, batches: Mutex::new(Vec::new()) };
    let task = RunTask::of(&prepared, dir.path().join("in_parts"), ExecuteOptions::default());
    let notes = Mutex::new(Vec::new());
    // Every step is sent out whatever its parts cost (the fits here take milliseconds).
    let plan = PartsPlan { min_parts: 4, min_seconds: 0, max_tasks: 3 };
    let done = run_in_parts(&executor, &task, plan, &|line: &str| notes.lock().unwrap().push(line.to_string()))
        .expect("the run in parts");

    assert_eq!(files_of(&done.folder), files_of(&whole), "same metrics, tables and assignments");
    let files = files_of(&done.folder);
    assert!(files.iter().any(|(name, _)| name == "metrics.json"), "{files:?}");
    // Each step of at least 4 parts fanned out once, its first part computed in the run's task
    // (timing the step) and the rest as at most 3 tasks: the bootstrap's 6 left as 2 + 2 + 2.
    // The classify study's 3 folds were computed in the run's task.
    let batches = executor.batches.lock().unwrap();
    let grid_cells: Vec<Vec<usize>> = (1..54).collect::<Vec<_>>().chunks(18).map(<[usize]>::to_vec).collect();
    assert_eq!(
        part_batches(&batches),
        [
            ("k_sweep.ks".to_string(), vec![vec![1], vec![2], vec![3]]),
            ("grid.cells".to_string(), grid_cells),
            ("repeat.fits".to_string(), vec![vec![1, 2], vec![3, 4], vec![5]]),
            ("bootstrap.replicates".to_string(), vec![vec![1, 2], vec![3, 4], vec![5, 6]]),
            ("consensus.subsamples".to_string(), vec![vec![1, 2], vec![3, 4]]),
            ("compare.models[0].replicates".to_string(), vec![vec![1], vec![2], vec![3]]),
            ("compare.models[1].replicates".to_string(), vec![vec![1], vec![2], vec![3]]),
        ]
    );
    assert_eq!(batches.iter().filter(|b| matches!(b[0], Task::Run(_))).count(), 8, "one wait per step, then done");
    assert!(!task.parts_dir().exists(), "the parts are removed with the run complete");
    assert!(notes.lock().unwrap().iter().any(|n| n == "bootstrap.replicates: 6 of 7 part(s) to compute, as 3 task(s)"));
}

#[test]
fn classification_folds_fan_out_and_a_half_computed_step_resumes_with_what_is_missing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let prepared = prepared(dir.path());
    let whole = run_whole(dir.path(), &prepared);
    let task = RunTask::of(&prepared, dir.path().join("in_parts"), ExecuteOptions::default());
    // Parts of the bootstrap computed by an earlier submission whose other tasks failed.
    let earlier = Task::StudyParts { run: task.clone(), step: "bootstrap.replicates".into(), indices: vec![1, 5] };
    assert!(matches!(earlier.execute(), Ok(TaskOutcome::Parts(p)) if p.n_computed == 2));
    let again = earlier.execute().expect("again");
    assert!(matches!(again, TaskOutcome::Parts(ref p) if p.n_computed == 0), "stored parts are not computed twice");
    assert!(earlier.outcome_holds(&again));

    let store = RunStore::new(dir.path().join("in_parts"));
    assert!(store.garbage().is_empty(), "parts of a run not complete are kept for `gc`: {:?}", store.garbage());

    let executor = Recording { inner: LocalExecutor { jobs: 1 }, batches: Mutex::new(Vec::new()) };
    let plan = PartsPlan { min_parts: 3, min_seconds: 0, max_tasks: 8 };
    let done = run_in_parts(&executor, &task, plan, &|_: &str| {}).expect("the run in parts");
    assert_eq!(files_of(&done.folder), files_of(&whole));
    // Parts that outlive their complete run (a removal that failed) are garbage.
    std::fs::create_dir_all(task.parts_dir().join("repeat.fits")).expect("leftover parts");
    let garbage: Vec<PathBuf> = store.garbage().into_iter().map(|g| g.path).collect();
    assert_eq!(garbage, [task.parts_dir()]);
    let steps = part_batches(&executor.batches.lock().unwrap());
    let bootstrap = steps.iter().find(|(step, _)| step == "bootstrap.replicates").expect("the bootstrap fanned out");
    // Replicate 0 is computed in the run's task, timing the step.
    assert_eq!(bootstrap.1, [vec![2], vec![3], vec![4], vec![6]], "only the missing replicates");
    let folds = steps.iter().find(|(step, _)| step == "classify.folds").expect("3 folds ≥ 3 parts");
    assert_eq!(folds.1, [vec![1], vec![2]]);
}

#[test]
fn steps_whose_parts_take_less_than_min_seconds_are_computed_in_the_run_task() {
    let dir = tempfile::tempdir().expect("tempdir");
    let prepared = prepared(dir.path());
    let executor = Recording { inner: LocalExecutor { jobs: 1 }, batches: Mutex::new(Vec::new()) };
    let task = RunTask::of(&prepared, dir.path().join("in_parts"), ExecuteOptions::default());
    // An hour: no fit of this tiny corpus comes near.
    let plan = PartsPlan { min_parts: 2, min_seconds: 3600, max_tasks: 16 };
    run_in_parts(&executor, &task, plan, &|_: &str| {}).expect("the run");
    let batches = executor.batches.lock().unwrap();
    assert_eq!(batches.len(), 1, "one run task, no part task");
    assert!(matches!(batches[0][..], [Task::Run(_)]));
}

/// The local executor, failing the batches whose first task `loses` picks as a lost node would.
struct LostNode {
    inner: LocalExecutor,
    loses: fn(&Task) -> bool,
}

impl Executor for LostNode {
    fn execute(&self, tasks: &[Task], on_progress: &(dyn Fn(TaskProgress) + Sync)) -> Vec<Result<TaskOutcome, String>> {
        if tasks.first().is_some_and(self.loses) {
            return tasks.iter().map(|_| Err("the node was lost".to_string())).collect();
        }
        self.inner.execute(tasks, on_progress)
    }
}

#[test]
fn a_run_task_lost_on_its_node_is_on_record() {
    let dir = tempfile::tempdir().expect("tempdir");
    let prepared = prepared(dir.path());
    let task = RunTask::of(&prepared, dir.path().join("in_parts"), ExecuteOptions::default());
    let store = RunStore::new(dir.path().join("in_parts"));
    let plan = PartsPlan { min_parts: 4, min_seconds: 0, max_tasks: 3 };
    let executor = LostNode { inner: LocalExecutor { jobs: 1 }, loses: |task| matches!(task, Task::Run(_)) };
    let err = run_in_parts(&executor, &task, plan, &|_: &str| {}).expect_err("lost");
    assert!(err.contains("the node was lost"), "{err}");
    let incomplete = store.incomplete_runs();
    assert_eq!(incomplete.len(), 1, "{incomplete:?}");
    assert_eq!((incomplete[0].run_id.as_str(), incomplete[0].status.as_str()), (task.run_id.as_str(), "failed"));
}

#[test]
fn failed_part_tasks_are_on_record_and_parts_of_another_build_are_not_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let prepared = prepared(dir.path());
    let whole = run_whole(dir.path(), &prepared);
    let task = RunTask::of(&prepared, dir.path().join("in_parts"), ExecuteOptions::default());
    let store = RunStore::new(dir.path().join("in_parts"));
    let plan = PartsPlan { min_parts: 4, min_seconds: 0, max_tasks: 3 };

    let parts_lost =
        LostNode { inner: LocalExecutor { jobs: 1 }, loses: |task| matches!(task, Task::StudyParts { .. }) };
    let err = run_in_parts(&parts_lost, &task, plan, &|_: &str| {}).expect_err("lost");
    assert!(err.contains("3 of 3 task(s) computing k_sweep.ks failed"), "{err}");
    assert!(err.contains("task 0: the node was lost"), "{err}");
    let incomplete = store.incomplete_runs();
    assert_eq!(incomplete.len(), 1, "{incomplete:?}");
    assert_eq!((incomplete[0].name.as_str(), incomplete[0].status.as_str()), ("parts", "failed"));
    assert_eq!(incomplete[0].run_id, task.run_id);

    // The first k, computed in the run's task, is stored. Make the folder another build's,
    // with a part that decodes but holds the wrong k's values: were it read, the sweep would
    // differ from the whole run's.
    let ks = task.parts_dir().join("k_sweep.ks");
    std::fs::copy(ks.join("0.bin"), ks.join("1.bin")).expect("a wrong part");
    std::fs::write(task.parts_dir().join("build.txt"), "another build\n").expect("stamp");
    let other = Task::StudyParts { run: task.clone(), step: "k_sweep.ks".into(), indices: vec![2] };
    let refused = other.execute().expect_err("a task does not add to another build's parts");
    assert!(refused.contains("another build of vlogmood"), "{refused}");

    let notes = Mutex::new(Vec::new());
    let executor = Recording { inner: LocalExecutor { jobs: 1 }, batches: Mutex::new(Vec::new()) };
    let done = run_in_parts(&executor, &task, plan, &|line: &str| notes.lock().unwrap().push(line.to_string()))
        .expect("the run in parts");
    assert_eq!(files_of(&done.folder), files_of(&whole));
    assert!(notes.lock().unwrap().iter().any(|n| n.contains("stored by another build of vlogmood were discarded")));
    assert!(store.incomplete_runs().is_empty(), "the complete run clears its failure record");
}

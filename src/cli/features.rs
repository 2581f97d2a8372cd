//! `vlogmood features DIR --out OUT`: every file's features, in the reference's file layout.
//!
//! OUT is replaced as a whole: the outputs are written into a temporary sibling folder and
//! renamed into place under a lock, so two processes never mix their outputs and a smaller
//! corpus never inherits a larger one's `logmel/<row>.npy` files. Because OUT is replaced, it
//! must not hold anything but a previous run's outputs, and must not be or contain the corpus.
//!
//! Each log-mel image is written as soon as it is computed, so memory does not grow with the
//! corpus beyond each file's small features.
//!
//! With `--executor slurm` the files missing from the feature cache are first extracted on the
//! cluster, in batches (one job array); the outputs are then written here from the cache, so
//! they are byte for byte what a local extraction writes.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context};
use ndarray::Array2;

use vlogmood::atomic::{is_within, remove_stale_in, replace_folder, resolve_path, temp_folder_beside, FileLock};
use vlogmood::audio::PreprocessParams;
use vlogmood::corpus::{csv_field, display_path, write_failures_csv, Dataset, Failure, FeatureCache};
use vlogmood::features::{extract_corpus, CorpusFeatures, FeatureParams, Images, DESCRIPTIVE_NAMES, SEED45_NAMES};

use super::executor::{extract_features_on, with_executor};
use super::{progress, ExecutorSpec, FeaturesArgs, Outcome};

/// What `features` writes into OUT; a folder holding anything else is not replaced.
const OUTPUT_NAMES: [&str; 7] = [
    "files.txt",
    "feature_names.txt",
    "feature_matrix.npy",
    "features.csv",
    "descriptive.csv",
    "logmel",
    "failures.csv",
];

pub fn run(args: &FeaturesArgs) -> anyhow::Result<Outcome> {
    let preprocess = args.preprocess.params();
    preprocess.validate().context("invalid preprocessing options")?;
    let params = FeatureParams { sample_rate_hz: preprocess.sample_rate_hz, ..FeatureParams::default() };
    params.validate().context("invalid feature parameters")?;
    let choice = args.executor.choice(&ExecutorSpec::default());
    let on_cluster = choice.on_cluster();
    if on_cluster && args.no_cache {
        bail!("--no-cache cannot be combined with --executor slurm: the cluster's tasks hand their features back through the cache");
    }
    let started = Instant::now();
    let out = &args.out;
    check_out_folder(&args.dir, out)?;
    let lock_path = sibling(out, "lock");
    let _lock = FileLock::acquire(&lock_path, || {
        eprintln!("waiting: another vlogmood process is writing {}", out.display());
    })
    .with_context(|| format!("locking {}", lock_path.display()))?;
    check_out_contents(out)?;
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        remove_stale_in(parent);
    }

    let cache = (!args.no_cache).then(FeatureCache::from_env);
    let index = cache.as_ref().map(FeatureCache::hash_index);
    let dataset = Dataset::load(&args.dir, std::slice::from_ref(out), index.as_ref())
        .with_context(|| format!("scanning {}", args.dir.display()))?;
    if let Some(nothing) = dataset.nothing_found() {
        bail!("{nothing}");
    }
    if let (true, Some(cache)) = (on_cluster, &cache) {
        let corpus = [(&dataset, &preprocess, &params)];
        with_executor(&choice, 1, |executor| extract_features_on(executor, &corpus, cache, choice.files_per_task))?;
    }
    let temp = temp_folder_beside(out).with_context(|| format!("creating a folder beside {}", out.display()))?;
    let written = write_outputs(&temp, &dataset, &preprocess, &params, cache.as_ref());
    let (features, failures) = match written {
        Ok(done) => done,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&temp);
            return Err(e);
        }
    };
    if let Err(e) = replace_folder(&temp, out) {
        let _ = std::fs::remove_dir_all(&temp);
        return Err(e).with_context(|| format!("moving the outputs into {}", out.display()));
    }

    for failure in &failures {
        eprintln!("failed: {}", failure.reason);
    }
    eprintln!(
        "features: {} file(s) in {} ({} from the cache), {} failed, skipped {}; wall {:.2} s",
        features.rows.len(),
        out.display(),
        features.n_cached,
        failures.len(),
        dataset.skipped.describe(),
        started.elapsed().as_secs_f64()
    );
    Ok(if failures.is_empty() { Outcome::Success } else { Outcome::SomeInputsFailed })
}

/// Extracts the features of `dataset` and writes every output into `temp`: each log-mel image
/// as soon as it is computed (under the file's index, renamed to its row at the end), so
/// memory holds only the small per-file features, whatever the corpus's size. Returns the
/// features (without images) and every failure, sorted by file.
fn write_outputs(
    temp: &Path,
    dataset: &Dataset,
    preprocess: &PreprocessParams,
    params: &FeatureParams,
    cache: Option<&FeatureCache>,
) -> anyhow::Result<(CorpusFeatures, Vec<Failure>)> {
    let logmel_dir = temp.join("logmel");
    std::fs::create_dir_all(&logmel_dir).with_context(|| format!("creating {}", logmel_dir.display()))?;
    let staged = |index: usize| logmel_dir.join(format!("file-{index}.npy"));
    let write_image = |index: usize, image: &Array2<f32>| {
        ndarray_npy::write_npy(staged(index), image).map_err(|e| {
            // The file fails; no half-written image of it stays among the outputs.
            let _ = std::fs::remove_file(staged(index));
            std::io::Error::other(e.to_string())
        })
    };
    let bar = progress::files_bar(dataset.files.len(), "features");
    let features = extract_corpus(
        &dataset.files,
        &dataset.hashes,
        preprocess,
        params,
        cache,
        Images::Write(&write_image),
        &|| bar.inc(1),
    )?;
    bar.finish_and_clear();
    let mut failures = dataset.failures.clone();
    failures.extend(features.failures.iter().cloned());
    failures.sort_by(|a, b| a.file.cmp(&b.file));

    for (row, &index) in features.rows.iter().enumerate() {
        let path = logmel_dir.join(format!("{row}.npy"));
        std::fs::rename(staged(index), &path).with_context(|| format!("writing {}", path.display()))?;
    }
    let names: Vec<&str> = features.rows.iter().map(|&i| dataset.files[i].relative_path.as_str()).collect();
    let matrix = features.matrix("seed45").unwrap_or_else(|| Array2::zeros((0, SEED45_NAMES.len())));
    write(temp, "files.txt", names.iter().map(|n| format!("{n}\n")).collect())?;
    write(temp, "feature_names.txt", SEED45_NAMES.iter().map(|n| format!("{n}\n")).collect())?;
    ndarray_npy::write_npy(temp.join("feature_matrix.npy"), &matrix).context("writing feature_matrix.npy")?;

    let mut csv = format!("file,{}\n", SEED45_NAMES.join(","));
    for (name, row) in names.iter().zip(matrix.rows()) {
        let values: Vec<String> = row.iter().map(|v| v.to_string()).collect();
        let _ = writeln!(csv, "{},{}", csv_field(name), values.join(","));
    }
    write(temp, "features.csv", csv)?;

    let mut csv = format!("file,sr,raw_duration_s,trim_start,trim_end,{}\n", DESCRIPTIVE_NAMES.join(","));
    for ((name, file), audio) in names.iter().zip(&features.features).zip(&features.audio) {
        let values: Vec<String> = file.descriptive.to_vec().iter().map(|v| v.to_string()).collect();
        let _ = writeln!(
            csv,
            "{},{},{},{},{},{}",
            csv_field(name),
            preprocess.sample_rate_hz,
            audio.raw_duration_s,
            audio.trim_start,
            audio.trim_end,
            values.join(",")
        );
    }
    write(temp, "descriptive.csv", csv)?;
    write_failures_csv(&temp.join("failures.csv"), &failures)?;
    Ok((features, failures))
}

/// Refuses an OUT that is the corpus, lies inside it, or contains it (replacing OUT would
/// then write into, or delete, the corpus), or that is an existing file.
fn check_out_folder(dir: &Path, out: &Path) -> anyhow::Result<()> {
    if out.file_name().is_none() {
        bail!("--out {} must name a folder of its own (it is replaced as a whole)", out.display());
    }
    let corpus = resolve_path(dir).with_context(|| format!("resolving {}", dir.display()))?;
    let target = resolve_path(out).with_context(|| format!("resolving {}", out.display()))?;
    if is_within(&target, &corpus) {
        bail!(
            "--out {} is inside the corpus {}: outputs must not be written into the input; choose a folder outside it",
            out.display(),
            dir.display()
        );
    }
    if is_within(&corpus, &target) {
        bail!(
            "--out {} contains the corpus {}: replacing it would delete the input; choose another folder",
            out.display(),
            dir.display()
        );
    }
    if target.is_file() {
        bail!("--out {} is a file; it must be a folder (it is replaced as a whole)", out.display());
    }
    Ok(())
}

/// Refuses to replace an OUT that holds anything `features` does not write.
fn check_out_contents(out: &Path) -> anyhow::Result<()> {
    let Ok(entries) = std::fs::read_dir(out) else { return Ok(()) };
    let foreign: Vec<String> = entries
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| !OUTPUT_NAMES.contains(&name.as_str()))
        .collect();
    if !foreign.is_empty() {
        bail!(
            "--out {} holds files that `vlogmood features` did not write ({}); the folder is replaced as a whole, \
             so choose an empty or new folder",
            display_path(out),
            foreign.join(", ")
        );
    }
    Ok(())
}

/// `<parent>/.<name>.<suffix>`: a hidden sibling of `path` (its lock file).
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let name = path.file_name().map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    path.with_file_name(format!(".{name}.{suffix}"))
}

fn write(dir: &Path, name: &str, text: String) -> anyhow::Result<()> {
    std::fs::write(dir.join(name), text).with_context(|| format!("writing {}", dir.join(name).display()))
}

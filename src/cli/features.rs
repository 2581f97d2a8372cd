//! `vlogmood features DIR --out OUT`: every file's features, in the reference's file layout.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use ndarray::Array2;

use vlogmood::corpus::{csv_field, hash_files, scan, write_failures_csv, FeatureCache};
use vlogmood::features::{extract_corpus, FeatureParams, DESCRIPTIVE_NAMES, SEED45_NAMES};

use super::{progress, FeaturesArgs, Outcome};

pub fn run(args: &FeaturesArgs) -> anyhow::Result<Outcome> {
    let preprocess = args.preprocess.params();
    preprocess.validate().context("invalid preprocessing options")?;
    let params = FeatureParams { sample_rate_hz: preprocess.sample_rate_hz, ..FeatureParams::default() };
    params.validate().context("invalid feature parameters")?;
    let started = Instant::now();
    let found =
        scan(&args.dir, std::slice::from_ref(&args.out)).with_context(|| format!("scanning {}", args.dir.display()))?;
    let hashes = hash_files(&found.files)?;
    let cache = (!args.no_cache).then(FeatureCache::from_env);

    let bar = progress::files_bar(found.files.len(), "features");
    let features = extract_corpus(&found.files, &hashes, &preprocess, &params, cache.as_ref(), &|| bar.inc(1))?;
    bar.finish_and_clear();

    let out = &args.out;
    std::fs::create_dir_all(out.join("logmel")).with_context(|| format!("creating {}", out.display()))?;
    let names: Vec<&str> = features.rows.iter().map(|&i| found.files[i].relative_path.as_str()).collect();
    let matrix = features.matrix("seed45").unwrap_or_else(|| Array2::zeros((0, SEED45_NAMES.len())));
    write(out, "files.txt", names.iter().map(|n| format!("{n}\n")).collect())?;
    write(out, "feature_names.txt", SEED45_NAMES.iter().map(|n| format!("{n}\n")).collect())?;
    ndarray_npy::write_npy(out.join("feature_matrix.npy"), &matrix).context("writing feature_matrix.npy")?;

    let mut csv = format!("file,{}\n", SEED45_NAMES.join(","));
    for (name, row) in names.iter().zip(matrix.rows()) {
        let values: Vec<String> = row.iter().map(|v| v.to_string()).collect();
        let _ = writeln!(csv, "{},{}", csv_field(name), values.join(","));
    }
    write(out, "features.csv", csv)?;

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
    write(out, "descriptive.csv", csv)?;
    for (row, file) in features.features.iter().enumerate() {
        let path = out.join("logmel").join(format!("{row}.npy"));
        ndarray_npy::write_npy(&path, &file.logmel).with_context(|| format!("writing {}", path.display()))?;
    }
    write_failures_csv(&out.join("failures.csv"), &features.failures)?;

    for failure in &features.failures {
        eprintln!("failed: {}", failure.reason);
    }
    eprintln!(
        "features: {} file(s) in {} ({} from the cache), {} failed, {} non-media file(s) ignored; wall {:.2} s",
        features.rows.len(),
        out.display(),
        features.n_cached,
        features.failures.len(),
        found.n_ignored,
        started.elapsed().as_secs_f64()
    );
    Ok(if features.failures.is_empty() { Outcome::Success } else { Outcome::SomeInputsFailed })
}

fn write(dir: &Path, name: &str, text: String) -> anyhow::Result<()> {
    std::fs::write(dir.join(name), text).with_context(|| format!("writing {}", dir.join(name).display()))
}

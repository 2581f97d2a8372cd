//! `vlogmood ingest SRC... --out DIR`: media files in, processed 16-bit WAVs out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context};
use rayon::prelude::*;

use vlogmood::atomic::{is_within, remove_stale_in, resolve_path};
use vlogmood::audio::ingest_file;
use vlogmood::corpus::{display_path, no_media_message, scan, write_failures_csv, Failure, Skipped};

use super::{progress, IngestArgs, Outcome};

/// One file to ingest: where it is and where its WAV goes.
struct Job {
    input: PathBuf,
    output: PathBuf,
}

pub fn run(args: &IngestArgs) -> anyhow::Result<Outcome> {
    let params = args.preprocess.params();
    params.validate().context("invalid preprocessing options")?;
    let started = Instant::now();
    let out_resolved = resolve_path(&args.out).with_context(|| format!("resolving {}", args.out.display()))?;

    let mut jobs = Vec::new();
    let mut failures = Vec::new();
    let mut skipped = Skipped::default();
    let mut claimed: BTreeMap<PathBuf, PathBuf> = BTreeMap::new();
    let mut inputs: BTreeMap<PathBuf, PathBuf> = BTreeMap::new();
    for source in &args.sources {
        let found =
            scan(source, std::slice::from_ref(&args.out)).with_context(|| format!("scanning {}", source.display()))?;
        if std::fs::metadata(source).is_ok_and(|m| m.is_dir()) {
            let resolved = resolve_path(source).with_context(|| format!("resolving {}", source.display()))?;
            if is_within(&out_resolved, &resolved) {
                bail!(
                    "--out {} is inside the source folder {}: outputs must not be written into the input; \
                     choose a folder outside it",
                    args.out.display(),
                    source.display()
                );
            }
        }
        skipped.add(&found.skipped);
        failures.extend(found.failures);
        for file in found.files {
            if let Ok(resolved) = resolve_path(&file.path) {
                inputs.insert(resolved, file.path.clone());
            }
            let output = args.out.join(Path::new(&file.relative_path).with_extension("wav"));
            // Two inputs that differ only by extension (clip.mp4, clip.MOV) would write one WAV.
            if let Some(first) = claimed.get(&output) {
                failures.push(Failure {
                    file: display_path(&file.path),
                    reason: format!(
                        "{}: its output {} is already the output of {}",
                        display_path(&file.path),
                        output.display(),
                        first.display()
                    ),
                });
                continue;
            }
            claimed.insert(output.clone(), file.path.clone());
            jobs.push(Job { input: file.path, output });
        }
    }
    if jobs.is_empty() && failures.is_empty() {
        let sources: Vec<String> = args.sources.iter().map(|s| s.display().to_string()).collect();
        bail!("{}", no_media_message(&sources.join(", "), &skipped));
    }
    // Never overwrite an input, whatever the spelling of the paths or the links between them.
    for job in &jobs {
        let output = resolve_path(&job.output).with_context(|| format!("resolving {}", job.output.display()))?;
        if let Some(input) = inputs.get(&output) {
            bail!(
                "the output {} of {} would overwrite the input {}; choose another --out",
                job.output.display(),
                job.input.display(),
                input.display()
            );
        }
    }
    std::fs::create_dir_all(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
    let folders: BTreeSet<&Path> = jobs.iter().filter_map(|job| job.output.parent()).collect();
    for folder in folders {
        remove_stale_in(folder);
    }

    let bar = progress::files_bar(jobs.len(), "ingest");
    // Each file's durations only: a processed signal (and its temporary file, when long) is
    // dropped as soon as its WAV is written.
    let results: Vec<Result<(f64, f64), String>> = jobs
        .par_iter()
        .map(|job| {
            let result = ingest_file(&job.input, &job.output, &params)
                .map(|processed| (processed.raw_duration_s, processed.duration_s()))
                .map_err(|e| e.to_string());
            bar.inc(1);
            result
        })
        .collect();
    bar.finish_and_clear();

    let (mut seconds_in, mut seconds_out, mut n_ok) = (0.0, 0.0, 0usize);
    for (job, result) in jobs.iter().zip(results) {
        match result {
            Ok((raw_s, kept_s)) => {
                n_ok += 1;
                seconds_in += raw_s;
                seconds_out += kept_s;
            }
            Err(reason) => failures.push(Failure { file: display_path(&job.input), reason }),
        }
    }
    failures.sort_by(|a, b| a.file.cmp(&b.file));
    let failures_path = args.out.join("failures.csv");
    write_failures_csv(&failures_path, &failures).with_context(|| format!("writing {}", failures_path.display()))?;

    for failure in &failures {
        eprintln!("failed: {}", failure.reason);
    }
    eprintln!(
        "ingest: {n_ok} file(s) written to {}, {} failed, skipped {}; \
         audio {seconds_in:.1} s in, {seconds_out:.1} s out after trimming; wall {:.2} s",
        args.out.display(),
        failures.len(),
        skipped.describe(),
        started.elapsed().as_secs_f64()
    );
    Ok(if failures.is_empty() { Outcome::Success } else { Outcome::SomeInputsFailed })
}

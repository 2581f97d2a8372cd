//! `vlogmood ingest SRC... --out DIR`: media files in, processed 16-bit WAVs out.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use rayon::prelude::*;

use vlogmood::audio::{ingest_file, ProcessedAudio};
use vlogmood::corpus::{scan, write_failures_csv, Failure};

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
    std::fs::create_dir_all(&args.out).with_context(|| format!("creating {}", args.out.display()))?;

    let mut jobs = Vec::new();
    let mut failures = Vec::new();
    let mut n_ignored = 0;
    let mut claimed: BTreeMap<PathBuf, PathBuf> = BTreeMap::new();
    for source in &args.sources {
        let found =
            scan(source, std::slice::from_ref(&args.out)).with_context(|| format!("scanning {}", source.display()))?;
        n_ignored += found.n_ignored;
        for file in found.files {
            let output = args.out.join(Path::new(&file.relative_path).with_extension("wav"));
            // Two inputs that differ only by extension (clip.mp4, clip.MOV) would write one WAV.
            if let Some(first) = claimed.get(&output) {
                failures.push(Failure {
                    file: file.path.display().to_string(),
                    reason: format!(
                        "{}: its output {} is already the output of {}",
                        file.path.display(),
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

    let bar = progress::files_bar(jobs.len(), "ingest");
    let results: Vec<Result<ProcessedAudio, String>> = jobs
        .par_iter()
        .map(|job| {
            let result = ingest_file(&job.input, &job.output, &params).map_err(|e| e.to_string());
            bar.inc(1);
            result
        })
        .collect();
    bar.finish_and_clear();

    let (mut seconds_in, mut seconds_out, mut n_ok) = (0.0, 0.0, 0usize);
    for (job, result) in jobs.iter().zip(results) {
        match result {
            Ok(processed) => {
                n_ok += 1;
                seconds_in += processed.raw_duration_s;
                seconds_out += processed.duration_s();
            }
            Err(reason) => failures.push(Failure { file: job.input.display().to_string(), reason }),
        }
    }
    failures.sort_by(|a, b| a.file.cmp(&b.file));
    let failures_path = args.out.join("failures.csv");
    write_failures_csv(&failures_path, &failures).with_context(|| format!("writing {}", failures_path.display()))?;

    for failure in &failures {
        eprintln!("failed: {}", failure.reason);
    }
    eprintln!(
        "ingest: {n_ok} file(s) written to {}, {} failed, {n_ignored} non-media file(s) ignored; \
         audio {seconds_in:.1} s in, {seconds_out:.1} s out after trimming; wall {:.2} s",
        args.out.display(),
        failures.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(if failures.is_empty() { Outcome::Success } else { Outcome::SomeInputsFailed })
}

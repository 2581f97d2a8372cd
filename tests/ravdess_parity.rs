//! The shipped RAVDESS subset (`data/ravdess`, 192 clips at 48 kHz) against librosa 0.11, end to
//! end: the fixtures in `tests/fixtures/ravdess_librosa/` (made by its `make_fixtures.py` with
//! the pinned reference environment) hold librosa's preprocessed signals, as hashes, and the
//! reference's 45-column feature matrix.
//!
//! - Preprocessing (decode, mono, soxr HQ to 22 050 Hz, trim, PCM16) gives librosa's samples
//!   bit for bit on every clip, and the same trim span.
//! - `vlogmood features data/ravdess`: every cell within 1e-2 · max(1, |librosa|) and the median
//!   cell within 1e-6 relative. The loose per-cell bound covers differences that remain with
//!   identical signals, most likely float32 rounding in weak FFT bins amplified by the dB
//!   scale (worst measured: 6.6e-3 on `mfcc_11`); the median is what moves when the signal
//!   does (6.1e-8 measured with identical signals, 1.2e-6 with the old scalar resampler's
//!   one-LSB flips).

mod util;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ndarray::Array2;
use ndarray_npy::read_npy;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use util::{code, fixtures, stderr, vlogmood};
use vlogmood::audio::{preprocess, to_pcm16, PreprocessParams};

#[derive(Deserialize)]
struct Signals {
    files: BTreeMap<String, Signal>,
}

#[derive(Deserialize)]
struct Signal {
    trim_start: usize,
    trim_end: usize,
    pcm16_sha256: String,
}

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/ravdess")
}

fn reference() -> PathBuf {
    fixtures().join("ravdess_librosa")
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path).expect("read").lines().map(str::to_owned).collect()
}

#[test]
fn preprocessed_signals_equal_librosa_bit_for_bit() {
    let text = std::fs::read_to_string(reference().join("signals.json")).expect("signals.json");
    let signals: Signals = serde_json::from_str(&text).expect("parse");
    assert_eq!(signals.files.len(), 192);
    let mut differing = Vec::new();
    for (rel, want) in &signals.files {
        let path = corpus().join(rel);
        let got = preprocess(&path, std::fs::read(&path).expect("clip"), &PreprocessParams::default())
            .unwrap_or_else(|e| panic!("{rel}: {e}"));
        let bytes: Vec<u8> =
            got.samples.to_vec().expect("signal").iter().flat_map(|&x| to_pcm16(x).to_le_bytes()).collect();
        let sha = vlogmood::corpus::to_hex(&Sha256::digest(&bytes));
        if (got.trim.start, got.trim.end) != (want.trim_start, want.trim_end) || sha != want.pcm16_sha256 {
            differing.push(format!(
                "{rel}: trim {}..{} (librosa {}..{})",
                got.trim.start, got.trim.end, want.trim_start, want.trim_end
            ));
        }
    }
    assert!(differing.is_empty(), "{} of 192 clips differ from librosa:\n{}", differing.len(), differing.join("\n"));
}

#[test]
fn feature_matrix_matches_librosa_on_every_clip() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = vlogmood(tmp.path(), &["features", corpus().to_str().expect("utf8"), "--out", "out", "--no-cache"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let ours: Array2<f64> = read_npy(tmp.path().join("out/feature_matrix.npy")).expect("ours");
    let theirs: Array2<f64> = read_npy(reference().join("feature_matrix.npy")).expect("reference");
    assert_eq!(lines(&tmp.path().join("out/feature_names.txt")), lines(&reference().join("feature_names.txt")));
    let our_files = lines(&tmp.path().join("out/files.txt"));
    let names = lines(&reference().join("feature_names.txt"));
    let mut relative = Vec::new();
    let mut failures = Vec::new();
    for (row, file) in lines(&reference().join("files.txt")).iter().enumerate() {
        let our_row = our_files.iter().position(|f| f == file).unwrap_or_else(|| panic!("{file} missing"));
        for (col, name) in names.iter().enumerate() {
            let (a, b) = (ours[[our_row, col]], theirs[[row, col]]);
            let diff = (a - b).abs();
            relative.push(if diff == 0.0 { 0.0 } else { diff / b.abs() });
            if diff > 1e-2 * b.abs().max(1.0) {
                failures.push(format!("{file} {name}: {a} vs librosa {b}"));
            }
        }
    }
    assert!(failures.is_empty(), "cells beyond 1e-2 · max(1, |librosa|):\n{}", failures.join("\n"));
    relative.sort_by(f64::total_cmp);
    let median = relative[relative.len() / 2];
    eprintln!("median relative difference from librosa: {median:e}");
    assert!(median <= 1e-6, "median relative difference {median:e}");
}

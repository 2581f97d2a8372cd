//! Parity of decoding, resampling and trimming with librosa 0.11 and ffmpeg, on the committed
//! fixtures of `tests/fixtures/audio/` (made by `make_fixtures.sh`; expected values in
//! `expected.json`). No Python at test time.

use std::path::{Path, PathBuf};

use ndarray::Array1;
use ndarray_npy::read_npy;
use serde_json::Value;

use vlogmood::audio::{decode_bytes, preprocess, resample::resample, PreprocessParams};

/// One trim hop: the agreement promised for resampled and lossy sources.
const HOP: i64 = 512;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/audio")
}

fn expected() -> Value {
    let text = std::fs::read_to_string(fixtures().join("expected.json")).expect("expected.json");
    serde_json::from_str(&text).expect("valid JSON")
}

fn int(v: &Value, key: &str) -> i64 {
    v[key].as_i64().unwrap_or_else(|| panic!("{key} missing"))
}

#[test]
fn trim_indices_match_librosa() {
    let expected = expected();
    let files = expected["files"].as_object().expect("files");
    assert!(files.len() >= 12);
    for (rel, want) in files {
        let path = fixtures().join("good").join(rel);
        let bytes = std::fs::read(&path).expect("fixture");
        let got = preprocess(&path, bytes, &PreprocessParams::default()).expect("preprocess");
        let len_22050 = (got.raw_duration_s * 22_050.0).round() as i64;
        let (start, end) = (got.trim.start as i64, got.trim.end as i64);
        if rel == "speech_22050_s16.wav" {
            // 22050 Hz 16-bit mono: no resampling, no lossy decode: indices must be identical.
            assert_eq!(len_22050, int(want, "librosa_len_22050"), "{rel}");
            assert_eq!((start, end), (int(want, "trim_start"), int(want, "trim_end")), "{rel}");
        } else {
            assert_eq!(len_22050, int(want, "librosa_len_22050"), "{rel}: resampled length");
            assert!((start - int(want, "trim_start")).abs() <= HOP, "{rel}: start {start} vs {want}");
            assert!((end - int(want, "trim_end")).abs() <= HOP, "{rel}: end {end} vs {want}");
        }
    }
}

#[test]
fn decoded_lengths_match_ffmpeg() {
    let expected = expected();
    for (rel, want) in expected["files"].as_object().expect("files") {
        let path = fixtures().join("good").join(rel);
        let decoded = decode_bytes(&path, std::fs::read(&path).expect("fixture")).expect("decode");
        assert_eq!(decoded.samples.len() as i64, int(want, "ffmpeg_native_len"), "{rel}");
    }
}

#[test]
fn soxr_resampling_agrees_with_librosa_load() {
    let path = fixtures().join("good/speech_48000_s16.wav");
    let decoded = decode_bytes(&path, std::fs::read(&path).expect("fixture")).expect("decode");
    let ours = resample(&decoded.samples, decoded.sample_rate_hz, 22_050).expect("resample");
    let librosa: Array1<f32> = read_npy(fixtures().join("speech_48000_librosa_load.npy")).expect("npy");
    assert_eq!(ours.len(), librosa.len());
    let max_abs = ours.iter().zip(librosa.iter()).map(|(a, b)| (a - b).abs()).fold(0f32, f32::max);
    let signal: f64 = librosa.iter().map(|&x| f64::from(x).powi(2)).sum();
    let noise: f64 = ours.iter().zip(librosa.iter()).map(|(a, b)| f64::from(a - b).powi(2)).sum();
    let snr_db = 10.0 * (signal / noise.max(1e-300)).log10();
    eprintln!("48 kHz -> 22050 Hz vs librosa.load: max abs diff {max_abs:e}, SNR {snr_db:.1} dB");
    // libsoxr here is built without SIMD (python-soxr's uses it): float rounding differences only.
    assert!(max_abs <= 1e-5, "max abs diff {max_abs}");
}

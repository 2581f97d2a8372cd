//! Parity of decoding, resampling and trimming with librosa 0.11 and ffmpeg, on the committed
//! fixtures of `tests/fixtures/audio/` (made by `make_fixtures.sh`; expected values in
//! `expected.json`). No Python at test time.

use std::path::{Path, PathBuf};

use ndarray::Array1;
use ndarray_npy::read_npy;
use serde_json::Value;

use vlogmood::audio::{decode_bytes, preprocess, resample::resample, PreprocessParams};

/// One trim hop: the agreement promised for lossy sources.
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

/// WAV and FLAC fixtures: decoded to the same samples by symphonia and libsndfile.
fn is_lossless(rel: &str) -> bool {
    rel.ends_with(".wav") || rel.ends_with(".flac")
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
        assert_eq!(len_22050, int(want, "librosa_len_22050"), "{rel}: resampled length");
        if is_lossless(rel) {
            // Same samples as soundfile decodes, and a resampler equal to librosa's bit for
            // bit: the indices must be identical.
            assert_eq!((start, end), (int(want, "trim_start"), int(want, "trim_end")), "{rel}");
        } else {
            // Lossy codecs: symphonia's decoders and ffmpeg's round differently.
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
fn soxr_resampling_equals_librosa_load_bit_for_bit() {
    let path = fixtures().join("good/speech_48000_s16.wav");
    let decoded = decode_bytes(&path, std::fs::read(&path).expect("fixture")).expect("decode");
    let ours = resample(&decoded.samples, decoded.sample_rate_hz, 22_050).expect("resample");
    let librosa: Array1<f32> = read_npy(fixtures().join("speech_48000_librosa_load.npy")).expect("npy");
    assert_eq!(ours.len(), librosa.len());
    // libsoxr is built with python-soxr's SIMD engine (vendor/soxr-sys/VENDORED.md): the same
    // float operations in the same order, so the same bits.
    let differing = ours.iter().zip(librosa.iter()).filter(|(a, b)| a.to_bits() != b.to_bits()).count();
    assert_eq!(differing, 0, "{differing} of {} samples differ from librosa.load", ours.len());
}

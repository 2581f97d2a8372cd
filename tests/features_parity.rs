//! Parity of `vlogmood::features` with librosa 0.11 on the golden clips of
//! `tests/fixtures/features/` (made by `make_fixtures.py` there; no Python at test time).
//!
//! Acceptance criteria (the features issue):
//! - every `seed45` and `descriptive` column: |rust − librosa| ≤ 1e-4 · max(1, |librosa|);
//! - tempo exactly equal, beat frames identical;
//! - log-mel: max |rust − librosa| ≤ 1e-3 dB.
//!
//! Building blocks are compared with the tolerances stated at each check; they exist to
//! localise a failure of the criteria above.

use std::path::{Path, PathBuf};

use ndarray::{Array1, Array2, ArrayD};
use ndarray_npy::read_npy;
use serde::Deserialize;
use vlogmood::features::{Extractor, FeatureParams, Piptrack, SpectrumPlan, DESCRIPTIVE_NAMES, SEED45_NAMES};

const SR: u32 = 22_050;
const REL_TOL: f64 = 1e-4;
const LOGMEL_TOL_DB: f64 = 1e-3;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/features")
}

#[derive(Deserialize)]
struct Reference {
    clip: String,
    n_samples: usize,
    n_frames: usize,
    seed45: Vec<Option<f64>>,
    seed45_names: Vec<String>,
    descriptive: serde_json::Map<String, serde_json::Value>,
    tempo_bpm: f64,
    beat_frames: Vec<usize>,
    tuning: f64,
    logmel_frames_before_fix: usize,
}

fn clip_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(fixtures().join("clips"))
        .expect("fixture clips directory")
        .filter_map(|e| {
            let p = e.ok()?.path();
            if p.extension()? == "wav" {
                Some(p.file_stem()?.to_string_lossy().into_owned())
            } else {
                None
            }
        })
        .collect();
    names.sort();
    assert!(names.len() >= 10, "expected the 10 fixture clips, found {}", names.len());
    names
}

/// Reads a PCM16 WAV as librosa.load does (i16 / 32768 as float32).
fn read_wav(name: &str) -> Vec<f32> {
    let path = fixtures().join("clips").join(format!("{name}.wav"));
    let mut reader = hound::WavReader::open(&path).expect("fixture WAV opens");
    let spec = reader.spec();
    assert_eq!((spec.sample_rate, spec.channels, spec.bits_per_sample), (SR, 1, 16));
    reader.samples::<i16>().map(|s| f32::from(s.expect("valid PCM16 sample")) / 32768.0).collect()
}

fn reference(name: &str) -> Reference {
    let path = fixtures().join("ref").join(format!("{name}.json"));
    let text = std::fs::read_to_string(path).expect("reference JSON");
    serde_json::from_str(&text).expect("reference JSON parses")
}

fn block<T: ndarray_npy::ReadableElement>(name: &str, file: &str) -> Option<ArrayD<T>> {
    let path = fixtures().join("blocks").join(name).join(file);
    path.exists().then(|| read_npy(&path).expect("fixture .npy reads"))
}

/// `None` (JSON null) stands for NaN.
fn value(v: Option<f64>) -> f64 {
    v.unwrap_or(f64::NAN)
}

fn same(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a == b
}

fn within(rust: f64, lib: f64, rel: f64) -> bool {
    same(rust, lib) || (rust - lib).abs() <= rel * lib.abs().max(1.0)
}

/// Largest |a − b| and largest |a − b| / max(1, |b|) over paired values.
fn max_diffs(a: impl IntoIterator<Item = f64>, b: impl IntoIterator<Item = f64>) -> (f64, f64) {
    a.into_iter().zip(b).fold((0.0_f64, 0.0_f64), |(abs, rel), (x, y)| {
        if same(x, y) {
            (abs, rel)
        } else {
            let d = (x - y).abs();
            (abs.max(d), rel.max(d / y.abs().max(1.0)))
        }
    })
}

#[test]
fn seed45_names_equal_the_reference() {
    let r = reference("chord");
    assert_eq!(r.seed45_names, SEED45_NAMES.to_vec());
}

#[test]
fn recipes_match_librosa_on_every_clip() {
    let mut extractor = Extractor::new(FeatureParams::default()).expect("defaults are valid");
    let mut failures = Vec::new();
    let mut seed_worst = vec![(0.0_f64, 0.0_f64); 45];
    let mut desc_worst = vec![(0.0_f64, 0.0_f64); DESCRIPTIVE_NAMES.len()];
    let mut logmel_worst = 0.0_f64;
    for name in clip_names() {
        let y = read_wav(&name);
        let r = reference(&name);
        assert_eq!(r.clip, name);
        assert_eq!(y.len(), r.n_samples, "{name}: sample count");
        let f = extractor.extract(&y, SR).expect("fixture clips are valid input");

        for (i, col) in SEED45_NAMES.iter().enumerate() {
            let (rust, lib) = (f.seed45[i], value(r.seed45[i]));
            let d = max_diffs([rust], [lib]);
            seed_worst[i] = (seed_worst[i].0.max(d.0), seed_worst[i].1.max(d.1));
            if !within(rust, lib, REL_TOL) {
                failures.push(format!("{name}: seed45 {col}: rust {rust} librosa {lib}"));
            }
        }

        let ours = f.descriptive.to_vec();
        for (i, col) in DESCRIPTIVE_NAMES.iter().enumerate() {
            let lib = r.descriptive.get(*col).and_then(serde_json::Value::as_f64).unwrap_or(f64::NAN);
            let d = max_diffs([ours[i]], [lib]);
            desc_worst[i] = (desc_worst[i].0.max(d.0), desc_worst[i].1.max(d.1));
            if !within(ours[i], lib, REL_TOL) {
                failures.push(format!("{name}: descriptive {col}: rust {} librosa {lib}", ours[i]));
            }
        }

        if f.descriptive.tempo_bpm != r.tempo_bpm {
            failures.push(format!("{name}: tempo rust {} librosa {}", f.descriptive.tempo_bpm, r.tempo_bpm));
        }
        let frames = extractor.analyse(&y, SR).expect("valid input");
        if frames.beats.beats != r.beat_frames {
            failures.push(format!("{name}: beats rust {:?} librosa {:?}", frames.beats.beats, r.beat_frames));
        }
        if frames.tuning != r.tuning {
            failures.push(format!("{name}: tuning rust {} librosa {}", frames.tuning, r.tuning));
        }
        assert_eq!(frames.mfcc.nrows(), r.n_frames, "{name}: frame count");

        // Log-mel: the fixture stores the first min(128, n_frames) columns; the rest is 0 dB.
        let lm: Array2<f32> =
            read_npy(fixtures().join("ref").join(format!("{name}.logmel.npy"))).expect("log-mel fixture");
        let kept = r.logmel_frames_before_fix.min(128);
        assert_eq!(lm.dim(), (128, kept), "{name}: log-mel fixture shape");
        assert_eq!(f.logmel.dim(), (128, 128));
        let mut worst = 0.0_f64;
        for ((m, t), &v) in f.logmel.indexed_iter() {
            let want = if t < kept { f64::from(lm[[m, t]]) } else { 0.0 };
            worst = worst.max((f64::from(v) - want).abs());
        }
        logmel_worst = logmel_worst.max(worst);
        if worst > LOGMEL_TOL_DB {
            failures.push(format!("{name}: log-mel max |diff| {worst} dB"));
        }
    }
    for (i, col) in SEED45_NAMES.iter().enumerate() {
        eprintln!("seed45 {col:>20}: max abs {:.3e}  max rel {:.3e}", seed_worst[i].0, seed_worst[i].1);
    }
    for (i, col) in DESCRIPTIVE_NAMES.iter().enumerate() {
        eprintln!("descriptive {col:>24}: max abs {:.3e}  max rel {:.3e}", desc_worst[i].0, desc_worst[i].1);
    }
    eprintln!("log-mel max abs diff {logmel_worst:.3e} dB");
    assert!(failures.is_empty(), "{} parity failures:\n{}", failures.len(), failures.join("\n"));
}

/// Building blocks against librosa's own intermediate arrays.
#[test]
fn building_blocks_match_librosa() {
    let mut extractor = Extractor::new(FeatureParams::default()).expect("defaults are valid");
    let mut failures = Vec::new();
    // A block passes when its max abs diff OR its max rel diff is within tolerance.
    let check = |failures: &mut Vec<String>, what: String, (abs, rel): (f64, f64), abs_tol: f64, rel_tol: f64| {
        eprintln!("{what:>40}: max abs {abs:.3e}  max rel {rel:.3e}");
        if abs > abs_tol && rel > rel_tol {
            failures.push(format!("{what}: max abs {abs:e} (tol {abs_tol:e}), max rel {rel:e} (tol {rel_tol:e})"));
        }
    };
    for name in clip_names() {
        let y = read_wav(&name);
        let f = extractor.analyse(&y, SR).expect("valid input");
        let flat64 = |a: ArrayD<f64>| a.iter().copied().collect::<Vec<_>>();
        let flat32 = |a: ArrayD<f32>| a.iter().map(|&v| f64::from(v)).collect::<Vec<_>>();

        // Per-frame vectors: librosa (k, n_frames) vs ours (n_frames, k), hence the transposes.
        if let Some(m) = block::<f32>(&name, "mfcc.npy") {
            let ours: Vec<f64> = f.mfcc.t().iter().copied().collect();
            // float32 dB → DCT: a few float32 ulps of values up to ~600.
            check(&mut failures, format!("{name} mfcc"), max_diffs(ours, flat32(m)), 1e-3, 1e-5);
        }
        if let Some(c) = block::<f32>(&name, "chroma.npy") {
            let ours: Vec<f64> = f.chroma.t().iter().map(|&v| f64::from(v)).collect();
            check(&mut failures, format!("{name} chroma"), max_diffs(ours, flat32(c)), 1e-5, 1e-5);
        }
        if let Some(c) = block::<f64>(&name, "contrast.npy") {
            let ours: Vec<f64> = f.contrast.t().iter().copied().collect();
            check(&mut failures, format!("{name} contrast (dB)"), max_diffs(ours, flat64(c)), 1e-4, 1e-5);
        }
        for (file, ours) in [("centroid.npy", &f.centroid), ("bandwidth.npy", &f.bandwidth), ("zcr.npy", &f.zcr)] {
            if let Some(v) = block::<f64>(&name, file) {
                check(&mut failures, format!("{name} {file}"), max_diffs(ours.iter().copied(), flat64(v)), 1e-6, 1e-6);
            }
        }
        if let Some(v) = block::<f64>(&name, "rolloff.npy") {
            // a decision on float32 sums: bins must agree exactly
            check(
                &mut failures,
                format!("{name} rolloff.npy"),
                max_diffs(f.rolloff.iter().copied(), flat64(v)),
                0.0,
                0.0,
            );
        }
        if let Some(v) = block::<f32>(&name, "rms.npy") {
            check(&mut failures, format!("{name} rms.npy"), max_diffs(f.rms.iter().copied(), flat32(v)), 1e-7, 1e-5);
        }
        if let Some(v) = block::<f32>(&name, "onset_env.npy") {
            let ours = f.onset_envelope.iter().map(|&v| f64::from(v));
            check(&mut failures, format!("{name} onset envelope"), max_diffs(ours, flat32(v)), 1e-4, 1e-5);
        }
        if let Some(v) = block::<f64>(&name, "tempogram_mean.npy") {
            let mut tempo =
                vlogmood::features::TempoPlan::new(344, 512, f64::from(SR), &FeatureParams::default().tempo);
            let ours = tempo.tempogram_mean(&f.onset_envelope).to_vec();
            check(&mut failures, format!("{name} tempogram mean"), max_diffs(ours, flat64(v)), 1e-6, 1e-5);
        }
        if let Some(v) = block::<f32>(&name, "mel.npy") {
            let ours: Vec<f64> = f.mel_power.t().iter().map(|&v| f64::from(v)).collect();
            // relative to each value (mel power spans many decades)
            let rel = ours
                .iter()
                .zip(flat32(v))
                .map(|(a, b)| if *a == b { 0.0 } else { (a - b).abs() / b.abs().max(1e-30) })
                .fold(0.0_f64, f64::max);
            check(&mut failures, format!("{name} mel power (per-value rel)"), (rel, rel), 1e-5, 1e-5);
        }
        if let Some(v) = block::<f32>(&name, "stft_mag.npy") {
            let mut plan = SpectrumPlan::new(2048, 512);
            let s = plan.compute(&y);
            let lib: Vec<f32> = v.iter().copied().collect();
            let ours: Vec<f32> = s.magnitude.t().iter().copied().collect();
            let n_diff = ours.iter().zip(&lib).filter(|(a, b)| a != b).count();
            eprintln!("{name:>20} stft magnitude: {n_diff} of {} values differ from librosa's bits", lib.len());
            check(
                &mut failures,
                format!("{name} stft magnitude"),
                max_diffs(ours.iter().map(|&v| f64::from(v)), lib.iter().map(|&v| f64::from(v))),
                1e-5,
                1e-6,
            );
        }
        if let (Some(idx), Some(pitch), Some(mag)) = (
            block::<i64>(&name, "piptrack_idx.npy"),
            block::<f32>(&name, "piptrack_pitch.npy"),
            block::<f32>(&name, "piptrack_mag.npy"),
        ) {
            let mut plan = SpectrumPlan::new(2048, 512);
            let s = plan.compute(&y);
            let pt = Piptrack::new(f64::from(SR), 2048, &FeatureParams::default().piptrack);
            let (p, m) = pt.dense(s.magnitude.view());
            let idx = idx.into_dimensionality::<ndarray::Ix2>().expect("(n, 2) indices");
            let n_ours = p.iter().filter(|&&v| v != 0.0).count();
            if n_ours != idx.nrows() {
                failures.push(format!("{name} piptrack: {n_ours} peaks, librosa {}", idx.nrows()));
            }
            let pitch: Array1<f32> = pitch.into_dimensionality().expect("1-D");
            let mag: Array1<f32> = mag.into_dimensionality().expect("1-D");
            let mut exact = 0;
            for (row, (&pl, &ml)) in idx.rows().into_iter().zip(pitch.iter().zip(mag.iter())) {
                let (k, t) = (row[0] as usize, row[1] as usize);
                if p[[t, k]] == pl && m[[t, k]] == ml {
                    exact += 1;
                }
            }
            eprintln!("{name:>20} piptrack: {exact} of {} peaks bit-identical", idx.nrows());
            if exact != idx.nrows() {
                failures.push(format!("{name} piptrack: only {exact} of {} peaks bit-identical", idx.nrows()));
            }
        }
    }
    assert!(failures.is_empty(), "{} building-block failures:\n{}", failures.len(), failures.join("\n"));
}

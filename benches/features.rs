//! Criterion benches of `vlogmood::features`: one per building block and one per recipe, on a
//! ~2.2 s speech clip (two RAVDESS fixture clips back to back, 22050 Hz).
//!
//! `cargo bench --bench features`. The blocks are timed on the clip's precomputed inputs
//! (spectrogram, mel dB, onset envelope), so their times add up to roughly one recipe.

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion};
use ndarray::Array2;
use vlogmood::features::{
    beat_track, centroid_bandwidth, chroma_filterbank, chroma_stft, dct_ortho_matrix, estimate_tuning, logmel_image,
    mean_std_skew, mfcc, onset_strength, power_to_db_f32, rms, rolloff, zero_crossing_rate, ContrastBands, DbRef,
    Extractor, FeatureParams, MelFilterbank, Piptrack, Spectrogram, SpectrumPlan, TempoPlan, TuningPeaks, POWER_AMIN,
};

const SR: f64 = 22_050.0;

fn clip() -> Vec<f32> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/features/clips");
    let mut y = Vec::new();
    for name in ["ravdess_08_01_a09.wav", "ravdess_03_01_a11.wav"] {
        let mut r = hound::WavReader::open(dir.join(name)).expect("fixture WAV");
        y.extend(r.samples::<i16>().map(|s| f32::from(s.expect("PCM16")) / 32768.0));
    }
    y
}

struct Blocks {
    p: FeatureParams,
    y: Vec<f32>,
    spec: Spectrogram,
    mel: MelFilterbank,
    mel_power: Array2<f32>,
    mel_db: Array2<f32>,
    freqs: Vec<f64>,
    onset: Vec<f32>,
}

fn setup() -> Blocks {
    let p = FeatureParams::default();
    let y = clip();
    let mut plan = SpectrumPlan::new(2048, 512);
    let spec = plan.compute(&y);
    let mel = MelFilterbank::new(SR, 2048, 128, 0.0, SR / 2.0);
    let mel_power = mel.apply(spec.power.view());
    let mut mel_db = mel_power.clone();
    power_to_db_f32(mel_db.as_slice_mut().expect("standard layout"), DbRef::Value(1.0), POWER_AMIN, Some(80.0));
    let onset = onset_strength(mel_db.view(), 2048, 512);
    let freqs = vlogmood::features::fft_frequencies(SR, 2048);
    Blocks { p, y, spec, mel, mel_power, mel_db, freqs, onset }
}

fn blocks(c: &mut Criterion) {
    let b = setup();
    eprintln!("clip: {} samples ({:.2} s), {} frames", b.y.len(), b.y.len() as f64 / SR, b.spec.n_frames());
    let mut g = c.benchmark_group("block");

    let mut plan = SpectrumPlan::new(2048, 512);
    let mut out = Spectrogram::default();
    g.bench_function("stft", |bench| bench.iter(|| plan.compute_into(black_box(&b.y), &mut out)));

    let mut mel_out = Array2::zeros((0, 0));
    g.bench_function("mel", |bench| bench.iter(|| b.mel.apply_into(black_box(b.spec.power.view()), &mut mel_out)));

    let dct = dct_ortho_matrix(128, 20);
    g.bench_function("power_to_db+mfcc", |bench| {
        bench.iter(|| {
            let mut db = b.mel_power.clone();
            power_to_db_f32(db.as_slice_mut().expect("standard layout"), DbRef::Value(1.0), POWER_AMIN, Some(80.0));
            mfcc(dct.view(), db.view())
        })
    });

    let pt = Piptrack::new(SR, 2048, &b.p.piptrack);
    let mut peaks = TuningPeaks::default();
    g.bench_function("estimate_tuning", |bench| {
        bench.iter(|| estimate_tuning(black_box(b.spec.power.view()), &pt, 0.01, 12, &mut peaks).expect("in memory"))
    });
    g.bench_function("chroma_filterbank", |bench| bench.iter(|| chroma_filterbank(SR, 2048, 12, black_box(0.03))));
    let fb = chroma_filterbank(SR, 2048, 12, 0.03);
    g.bench_function("chroma_stft", |bench| bench.iter(|| chroma_stft(fb.view(), black_box(b.spec.power.view()))));

    let mut norm = vec![0.0_f32; 1025];
    g.bench_function("centroid+bandwidth+rolloff", |bench| {
        bench.iter(|| {
            let mut acc = 0.0;
            for row in b.spec.magnitude.rows() {
                let row = row.as_slice().expect("standard layout");
                let (c, w) = centroid_bandwidth(row, &b.freqs, &mut norm);
                acc += c + w + rolloff(row, &b.freqs, 0.85);
            }
            acc
        })
    });

    let mut bands = ContrastBands::new(&b.freqs, 200.0, 6, 0.02);
    g.bench_function("contrast", |bench| bench.iter(|| bands.contrast(black_box(b.spec.magnitude.view()), Some(80.0))));
    g.bench_function("zcr", |bench| bench.iter(|| zero_crossing_rate(black_box(&b.y), 2048, 512)));
    g.bench_function("rms", |bench| bench.iter(|| rms(black_box(&b.y), 2048, 512)));
    g.bench_function("piptrack_mean", |bench| bench.iter(|| pt.pitch_sum(black_box(b.spec.magnitude.view()))));
    g.bench_function("onset_strength", |bench| bench.iter(|| onset_strength(black_box(b.mel_db.view()), 2048, 512)));

    let mut tempo = TempoPlan::new(344, 512, SR, &b.p.tempo);
    g.bench_function("tempo", |bench| bench.iter(|| tempo.tempo(black_box(&b.onset))));
    g.bench_function("beat_track (incl. tempo)", |bench| {
        bench.iter(|| beat_track(black_box(&b.onset), SR, 512, 100.0, true, &mut tempo))
    });
    g.bench_function("logmel_image", |bench| bench.iter(|| logmel_image(black_box(b.mel_power.view()), &b.p)));
    g.bench_function("amplitude stats", |bench| bench.iter(|| mean_std_skew(black_box(&b.y))));
    g.finish();
}

fn recipes(c: &mut Criterion) {
    let b = setup();
    let p = &b.p;
    let mut g = c.benchmark_group("recipe");

    let mut extractor = Extractor::new(FeatureParams::default()).expect("defaults are valid");
    g.bench_function("extract (all three recipes)", |bench| {
        bench.iter(|| extractor.extract(black_box(&b.y), 22_050).expect("valid input"))
    });
    g.bench_function("extractor build", |bench| {
        bench.iter(|| Extractor::new(FeatureParams::default()).expect("defaults are valid"))
    });

    // Per recipe: the blocks it needs, composed from the public functions.
    let mut plan = SpectrumPlan::new(2048, 512);
    let mut spec = Spectrogram::default();
    let dct = dct_ortho_matrix(128, 20);
    let pt = Piptrack::new(SR, 2048, &p.piptrack);
    let mut peaks = TuningPeaks::default();
    let fb = chroma_filterbank(SR, 2048, 12, 0.0);
    let mut bands = ContrastBands::new(&b.freqs, 200.0, 6, 0.02);
    let mut tempo = TempoPlan::new(344, 512, SR, &p.tempo);
    let mut norm = vec![0.0_f32; 1025];

    g.bench_function("seed45", |bench| {
        bench.iter(|| {
            plan.compute_into(black_box(&b.y), &mut spec);
            let mut db = b.mel.apply(spec.power.view());
            power_to_db_f32(db.as_slice_mut().expect("standard layout"), DbRef::Value(1.0), POWER_AMIN, Some(80.0));
            let m = mfcc(dct.view(), db.view());
            let mut acc = 0.0;
            for row in spec.magnitude.rows() {
                let row = row.as_slice().expect("standard layout");
                let (c, w) = centroid_bandwidth(row, &b.freqs, &mut norm);
                acc += c + w + rolloff(row, &b.freqs, 0.85);
            }
            let t = estimate_tuning(spec.power.view(), &pt, 0.01, 12, &mut peaks).expect("in memory");
            let ch = chroma_stft(fb.view(), spec.power.view());
            let co = bands.contrast(spec.magnitude.view(), Some(80.0));
            let z = zero_crossing_rate(&b.y, 2048, 512);
            let r = rms(&b.y, 2048, 512);
            let pm = pt.pitch_sum(spec.magnitude.view());
            (m, acc, t, ch, co, z, r, pm)
        })
    });
    g.bench_function("descriptive", |bench| {
        bench.iter(|| {
            plan.compute_into(black_box(&b.y), &mut spec);
            let mut acc = 0.0;
            for row in spec.magnitude.rows() {
                let (c, w) = centroid_bandwidth(row.as_slice().expect("standard layout"), &b.freqs, &mut norm);
                acc += c + w;
            }
            let mut db = b.mel.apply(spec.power.view());
            power_to_db_f32(db.as_slice_mut().expect("standard layout"), DbRef::Value(1.0), POWER_AMIN, Some(80.0));
            let onset = onset_strength(db.view(), 2048, 512);
            let beats = beat_track(&onset, SR, 512, 100.0, true, &mut tempo);
            (acc, beats, zero_crossing_rate(&b.y, 2048, 512), mean_std_skew(&b.y))
        })
    });
    g.bench_function("logmel128", |bench| {
        bench.iter(|| {
            plan.compute_into(black_box(&b.y), &mut spec);
            let mel = b.mel.apply(spec.power.view());
            logmel_image(mel.view(), p)
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    // No HTML plots: criterion's SVG plotting needs system fonts this box may not have.
    config = Criterion::default().without_plots();
    targets = blocks, recipes
}
criterion_main!(benches);

//! The per-file feature pipeline: one STFT, every recipe.
//!
//! [`Extractor::new`] validates the params and builds everything that depends only on them
//! (FFT plans, mel bank, DCT matrix, contrast bands, piptrack ranges, tempo prior); chroma
//! banks depend on each file's tuning estimate and are cached by tuning value. Per file,
//! [`Extractor::analyse`] computes the magnitude and power spectrograms once and derives:
//!
//! | librosa call in the reference          | spectrogram used here                         |
//! |----------------------------------------|-----------------------------------------------|
//! | `mfcc`, `melspectrogram`, `onset_strength` | power (`power=2`) → mel power, shared     |
//! | `spectral_centroid/bandwidth/rolloff/contrast` | magnitude (`power=1`)                 |
//! | `chroma_stft` + its `estimate_tuning`  | power (librosa passes its `power=2` S on)     |
//! | `piptrack(y=y)` (the seed's pitch mean)| magnitude (`power=1`)                         |
//! | `zero_crossing_rate`, `rms(y=y)`       | time signal                                   |
//!
//! All of librosa's calls use the same `n_fft`/`hop`/window, so one STFT serves them all.

use std::collections::BTreeMap;

use ndarray::{Array2, ArrayView2};

use super::beat::{beat_track, BeatTrack};
use super::chroma::{chroma_filterbank, chroma_stft};
use super::contrast::ContrastBands;
use super::db::{amplitude_to_db_f32, power_to_db_f32, DbRef, AMPLITUDE_AMIN, POWER_AMIN};
use super::error::FeaturesError;
use super::mel::{fft_frequencies, MelFilterbank};
use super::mfcc::{dct_ortho_matrix, mfcc_frame};
use super::onset::onset_strength_into;
use super::params::{FeatureParams, LogMelScale};
use super::pitch::{estimate_tuning, Piptrack, TuningScratch};
use super::recipe::Descriptive;
use super::rms::rms_into;
use super::spectral::{centroid_bandwidth, rolloff_frames};
use super::stats::{mean, mean_std_skew};
use super::stft::{Spectrogram, SpectrumPlan};
use super::tempo::TempoPlan;
use super::zcr::zero_crossing_rate_into;

/// The three recipes' outputs for one file.
#[derive(Debug, Clone, PartialEq)]
pub struct FileFeatures {
    /// The `seed45` vector, in [`crate::features::SEED45_NAMES`] order.
    pub seed45: Vec<f64>,
    /// The `descriptive` statistics.
    pub descriptive: Descriptive,
    /// The `logmel128` image, shape `(n_mels, logmel.n_frames)` as librosa's `(mel, frame)`.
    pub logmel: Array2<f32>,
}

/// Every per-frame feature of one file, before averaging. Matrices are `(n_frames, k)`:
/// the transpose of librosa's `(k, n_frames)`.
#[derive(Debug, Clone, PartialEq)]
pub struct FrameFeatures {
    /// Number of samples analysed.
    pub n_samples: usize,
    /// Mel power spectrogram, `(n_frames, n_mels)` (`melspectrogram`).
    pub mel_power: Array2<f32>,
    /// `power_to_db(mel_power)`, `(n_frames, n_mels)`.
    pub mel_db: Array2<f32>,
    /// The log-mel image before `fix_length`: `mel_power` in dB relative to its maximum per
    /// `logmel.scale`, `(n_frames, n_mels)`.
    pub logmel_db: Array2<f32>,
    /// MFCCs, `(n_frames, n_mfcc)`.
    pub mfcc: Array2<f64>,
    /// Chroma, `(n_frames, n_chroma)`.
    pub chroma: Array2<f32>,
    /// Tuning estimated for the chroma bank, in fractions of a chroma bin.
    pub tuning: f64,
    /// Spectral contrast, `(n_frames, n_bands + 1)`, in dB.
    pub contrast: Array2<f64>,
    /// Spectral centroid per frame, in Hz.
    pub centroid: Vec<f64>,
    /// Spectral bandwidth per frame, in Hz.
    pub bandwidth: Vec<f64>,
    /// Spectral roll-off per frame, in Hz.
    pub rolloff: Vec<f64>,
    /// Zero-crossing rate per frame.
    pub zcr: Vec<f64>,
    /// RMS per frame.
    pub rms: Vec<f64>,
    /// Mean of the dense `piptrack` pitch matrix (zeros included), in Hz.
    pub piptrack_mean: f64,
    /// Onset strength envelope, one value per frame.
    pub onset_envelope: Vec<f32>,
    /// Tempo and beats.
    pub beats: BeatTrack,
}

/// Builds once from params, then extracts every recipe per file. `Send + Clone`: give each
/// worker thread its own clone (clones share FFT plans, own their buffers).
#[derive(Debug, Clone)]
pub struct Extractor {
    params: FeatureParams,
    plan: SpectrumPlan,
    spectrogram: Spectrogram,
    mel: MelFilterbank,
    dct: Array2<f64>,
    freqs: Vec<f64>,
    contrast: ContrastBands,
    piptrack: Piptrack,
    tuning_scratch: TuningScratch,
    /// Chroma banks by tuning (bits of the f64).
    chroma_banks: BTreeMap<u64, Array2<f32>>,
    scratch_rolloff: Vec<f32>,
    tempo: TempoPlan,
    scratch_f32: Vec<f32>,
    scratch_u32: Vec<u32>,
}

impl Extractor {
    /// Validates `params` and builds plans, filter banks and the DCT matrix.
    pub fn new(params: FeatureParams) -> Result<Self, FeaturesError> {
        params.validate()?;
        let sr = f64::from(params.sample_rate_hz);
        let n_fft = params.stft.n_fft;
        let freqs = fft_frequencies(sr, n_fft);
        Ok(Self {
            plan: SpectrumPlan::new(n_fft, params.stft.hop_length),
            spectrogram: Spectrogram::default(),
            mel: MelFilterbank::new(sr, n_fft, params.mel.n_mels, params.mel.fmin_hz, params.mel_fmax_hz()),
            dct: dct_ortho_matrix(params.mel.n_mels, params.n_mfcc),
            contrast: ContrastBands::new(
                &freqs,
                params.contrast.fmin_hz,
                params.contrast.n_bands,
                params.contrast.quantile,
            ),
            piptrack: Piptrack::new(sr, n_fft, &params.piptrack),
            tuning_scratch: TuningScratch::default(),
            chroma_banks: BTreeMap::new(),
            tempo: TempoPlan::new(params.tempo_win_length(), params.stft.hop_length, sr, &params.tempo),
            freqs,
            scratch_f32: Vec::new(),
            scratch_rolloff: Vec::new(),
            scratch_u32: Vec::new(),
            params,
        })
    }

    /// The (validated) parameters.
    #[must_use]
    pub fn params(&self) -> &FeatureParams {
        &self.params
    }

    /// The spectrogram of the last file analysed (empty before the first).
    #[must_use]
    pub fn spectrogram(&self) -> &Spectrogram {
        &self.spectrogram
    }

    /// Frees the per-file buffers (the spectrograms of the last file), which are otherwise
    /// kept until the next file; for a long recording they are the largest allocation.
    pub fn release_buffers(&mut self) {
        self.spectrogram = Spectrogram::default();
    }

    fn check_input(&self, samples: &[f32], sample_rate_hz: u32) -> Result<(), FeaturesError> {
        if sample_rate_hz != self.params.sample_rate_hz {
            return Err(FeaturesError::SampleRateMismatch {
                expected_hz: self.params.sample_rate_hz,
                got_hz: sample_rate_hz,
            });
        }
        if samples.is_empty() {
            return Err(FeaturesError::EmptyInput);
        }
        if samples.len() < self.params.stft.n_fft {
            return Err(FeaturesError::TooShort { n_samples: samples.len(), min_samples: self.params.stft.n_fft });
        }
        if let Some((index, &value)) = samples.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(FeaturesError::NonFinite { index, value });
        }
        Ok(())
    }

    /// Every per-frame feature of `samples` (mono, `sample_rate_hz`, already preprocessed).
    ///
    /// Errors: wrong sample rate, empty input, fewer than `n_fft` samples, NaN/Inf samples.
    pub fn analyse(&mut self, samples: &[f32], sample_rate_hz: u32) -> Result<FrameFeatures, FeaturesError> {
        self.check_input(samples, sample_rate_hz)?;
        let p = &self.params;
        let sr = f64::from(p.sample_rate_hz);
        let (n_fft, hop) = (p.stft.n_fft, p.stft.hop_length);
        let top_db = Some(p.top_db);

        self.plan.compute_into(samples, &mut self.spectrogram);
        let spec = &self.spectrogram;
        let n_frames = spec.n_frames();
        let n_bins = spec.n_bins();

        // Mel power → dB (MFCC and onset strength); the log-mel uses the mel power.
        let mel_power = self.mel.apply(spec.power.view());
        let (mel_db, logmel_db) = mel_db_pair(mel_power.view(), p);
        let mut mfcc = Array2::<f64>::zeros((n_frames, p.n_mfcc));
        for (x, mut o) in mel_db.rows().into_iter().zip(mfcc.rows_mut()) {
            mfcc_frame(
                self.dct.view(),
                x.as_slice().expect("standard layout"),
                o.as_slice_mut().expect("standard layout"),
            );
        }

        // Shape features of the magnitude spectrogram.
        let mut centroid = Vec::with_capacity(n_frames);
        let mut bandwidth = Vec::with_capacity(n_frames);
        self.scratch_f32.resize(n_bins, 0.0);
        for row in spec.magnitude.rows() {
            let row = row.as_slice().expect("standard layout");
            let (c, b) = centroid_bandwidth(row, &self.freqs, &mut self.scratch_f32);
            centroid.push(c);
            bandwidth.push(b);
        }
        let mut roll = Vec::with_capacity(n_frames);
        rolloff_frames(spec.magnitude.view(), &self.freqs, p.roll_percent, &mut self.scratch_rolloff, &mut roll);
        let contrast = self.contrast.contrast(spec.magnitude.view(), top_db);
        let piptrack_mean = self.piptrack.pitch_sum(spec.magnitude.view()) / (n_frames * n_bins) as f64;

        // Chroma with the tuning estimated on the power spectrogram.
        let tuning = estimate_tuning(
            spec.power.view(),
            &self.piptrack,
            p.chroma.tuning_resolution,
            p.chroma.n_chroma,
            &mut self.tuning_scratch,
        );
        let n_chroma = p.chroma.n_chroma;
        let bank =
            self.chroma_banks.entry(tuning.to_bits()).or_insert_with(|| chroma_filterbank(sr, n_fft, n_chroma, tuning));
        let chroma = chroma_stft(bank.view(), spec.power.view());

        // Time-domain features.
        let mut zcr = Vec::new();
        zero_crossing_rate_into(samples, p.frame_length, hop, &mut self.scratch_u32, &mut zcr);
        let mut rms = Vec::new();
        rms_into(samples, p.frame_length, hop, &mut self.scratch_f32, &mut rms);

        // Rhythm.
        let mut onset_envelope = Vec::new();
        onset_strength_into(mel_db.view(), n_fft, hop, &mut onset_envelope);
        let beats = beat_track(&onset_envelope, sr, hop, p.beat.tightness, p.beat.trim, &mut self.tempo);

        Ok(FrameFeatures {
            n_samples: samples.len(),
            mel_power,
            mel_db,
            logmel_db,
            mfcc,
            chroma,
            tuning,
            contrast,
            centroid,
            bandwidth,
            rolloff: roll,
            zcr,
            rms,
            piptrack_mean,
            onset_envelope,
            beats,
        })
    }

    /// The three recipes of `samples`: [`Extractor::analyse`], then averages and the log-mel.
    pub fn extract(&mut self, samples: &[f32], sample_rate_hz: u32) -> Result<FileFeatures, FeaturesError> {
        let frames = self.analyse(samples, sample_rate_hz)?;
        let seed45 = seed45_vector(&frames);
        let (amplitude_mean, amplitude_std, amplitude_skew) = mean_std_skew(samples);
        let beats = &frames.beats.beats;
        let descriptive = Descriptive {
            duration_s: samples.len() as f64 / f64::from(sample_rate_hz),
            amplitude_mean,
            amplitude_std,
            amplitude_skew,
            zcr_mean: mean(&frames.zcr),
            spectral_centroid_mean: mean(&frames.centroid),
            spectral_bandwidth_mean: mean(&frames.bandwidth),
            tempo_bpm: frames.beats.tempo_bpm,
            beat_mean_frame: if beats.is_empty() {
                f64::NAN
            } else {
                beats.iter().map(|&b| b as f64).sum::<f64>() / beats.len() as f64
            },
            n_beats: beats.len(),
        };
        let logmel = fix_frames(frames.logmel_db.view(), self.params.logmel.n_frames);
        Ok(FileFeatures { seed45, descriptive, logmel })
    }
}

fn column_means_f64(a: ArrayView2<f64>) -> Vec<f64> {
    a.columns().into_iter().map(|c| c.sum() / c.len().max(1) as f64).collect()
}

fn column_means_f32(a: ArrayView2<f32>) -> Vec<f64> {
    a.columns().into_iter().map(|c| c.iter().map(|&v| f64::from(v)).sum::<f64>() / c.len().max(1) as f64).collect()
}

/// The `seed45` vector of one file's frame features (means over frames, reference order).
#[must_use]
pub fn seed45_vector(f: &FrameFeatures) -> Vec<f64> {
    let mut v = Vec::with_capacity(45);
    v.extend(column_means_f64(f.mfcc.view()));
    v.push(mean(&f.centroid));
    v.extend(column_means_f32(f.chroma.view()));
    v.extend(column_means_f64(f.contrast.view()));
    v.push(mean(&f.zcr));
    v.push(mean(&f.bandwidth));
    v.push(mean(&f.rolloff));
    v.push(mean(&f.rms));
    v.push(f.piptrack_mean);
    v
}

/// The log-mel image of a mel power spectrogram `(n_frames, n_mels)`: dB relative to the
/// maximum (per `params.logmel.scale`, `top_db` applied), transposed to `(n_mels, frames)` and
/// cut or padded with 0.0 to `params.logmel.n_frames` frames (`librosa.util.fix_length`).
#[must_use]
pub fn logmel_image(mel_power: ArrayView2<f32>, params: &FeatureParams) -> Array2<f32> {
    let mut db = mel_power.to_owned();
    let values = db.as_slice_mut().expect("an owned copy is in standard layout");
    match params.logmel.scale {
        LogMelScale::SeedFaithful => amplitude_to_db_f32(values, DbRef::Max, AMPLITUDE_AMIN, Some(params.top_db)),
        LogMelScale::PowerToDb => power_to_db_f32(values, DbRef::Max, POWER_AMIN, Some(params.top_db)),
    }
    fix_frames(db.view(), params.logmel.n_frames)
}

/// `(n_frames, n_mels)` → `(n_mels, n_keep)`: transposed, cut or padded with 0.0.
fn fix_frames(db: ArrayView2<f32>, n_keep: usize) -> Array2<f32> {
    let mut out = Array2::<f32>::zeros((db.ncols(), n_keep));
    for (t, row) in db.rows().into_iter().take(n_keep).enumerate() {
        out.column_mut(t).assign(&row);
    }
    out
}

/// `power_to_db(S)` (ref 1) and the log-mel image dB (ref max, per `logmel.scale`) of a mel
/// power spectrogram, from one `log10` per value (the expensive part of both):
/// with `L = log10(max(S, 1e-10))`, `power_to_db = 10·L`, the seed-faithful
/// `amplitude_to_db(S) = 20·max(L, −5) − 20·max(log10(max S), −5)` and `power_to_db(ref=max)
/// = 10·L − 10·log10(max S)`; each then clipped `top_db` below its own peak. Agrees with
/// [`logmel_image`] (which squares in float32 first, as librosa) within ~1e-5 dB.
fn mel_db_pair(mel_power: ArrayView2<f32>, params: &FeatureParams) -> (Array2<f32>, Array2<f32>) {
    let dim = mel_power.dim();
    let values = mel_power.as_slice().expect("mel power is in standard layout");
    let peak = values.iter().fold(0.0_f32, |m, &v| if v > m { v } else { m });
    // amplitude_to_db: 20·log10 with amin 1e-5 on the amplitude (= amin² 1e-10 on its square);
    // power_to_db: 10·log10 with amin 1e-10. The reference goes through the same formula as
    // the values, so the peak is exactly 0 dB (librosa: 10·log10 of the float32 squared peak,
    // within 3e-7 dB of it).
    let (scale, floor_log) = match params.logmel.scale {
        LogMelScale::SeedFaithful => (20.0, AMPLITUDE_AMIN.log10()),
        LogMelScale::PowerToDb => (10.0, POWER_AMIN.log10()),
    };
    let offset = scale * f64::from(peak).max(POWER_AMIN).log10().max(floor_log);
    let mut db = Vec::with_capacity(values.len());
    let mut image = Vec::with_capacity(values.len());
    let (mut db_peak, mut image_peak) = (f32::NEG_INFINITY, f32::NEG_INFINITY);
    for &s in values {
        let l = f64::from(s).max(POWER_AMIN).log10();
        let d = (10.0 * l) as f32;
        let i = (scale * l.max(floor_log) - offset) as f32;
        db_peak = if d > db_peak { d } else { db_peak };
        image_peak = if i > image_peak { i } else { image_peak };
        db.push(d);
        image.push(i);
    }
    let db_floor = (f64::from(db_peak) - params.top_db) as f32;
    let image_floor = (f64::from(image_peak) - params.top_db) as f32;
    db.iter_mut().for_each(|v| *v = v.max(db_floor));
    image.iter_mut().for_each(|v| *v = v.max(image_floor));
    (
        Array2::from_shape_vec(dim, db).expect("same number of values"),
        Array2::from_shape_vec(dim, image).expect("same number of values"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(n: usize) -> Vec<f32> {
        (0..n)
            .map(|i| {
                let t = i as f32 / 22_050.0;
                0.3 * (2.0 * std::f32::consts::PI * 330.0 * t).sin()
                    * (1.0 + (2.0 * std::f32::consts::PI * 3.0 * t).sin())
            })
            .collect()
    }

    #[test]
    fn extractor_is_send_and_clone() {
        fn assert_send_clone<T: Send + Clone>() {}
        assert_send_clone::<Extractor>();
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        let mut e = Extractor::new(FeatureParams::default()).expect("defaults are valid");
        assert_eq!(e.extract(&[], 22_050), Err(FeaturesError::EmptyInput));
        assert_eq!(e.extract(&[0.1; 100], 22_050), Err(FeaturesError::TooShort { n_samples: 100, min_samples: 2048 }));
        assert!(matches!(e.extract(&tone(4096), 44_100), Err(FeaturesError::SampleRateMismatch { .. })));
        let mut bad = tone(4096);
        bad[7] = f32::NAN;
        assert!(matches!(e.extract(&bad, 22_050), Err(FeaturesError::NonFinite { index: 7, .. })));
    }

    #[test]
    fn invalid_params_are_rejected_by_new() {
        let mut p = FeatureParams::default();
        p.stft.hop_length = 0;
        assert!(matches!(Extractor::new(p), Err(FeaturesError::InvalidParam { .. })));
    }

    #[test]
    fn shapes_and_silence() {
        let mut e = Extractor::new(FeatureParams::default()).expect("defaults are valid");
        let f = e.extract(&tone(22_050), 22_050).expect("valid input");
        assert_eq!(f.seed45.len(), 45);
        assert!(f.seed45.iter().all(|v| v.is_finite()));
        assert_eq!(f.logmel.dim(), (128, 128));
        // 44 frames: the rest is padded with 0 dB
        assert!(f.logmel.column(44).iter().all(|&v| v == 0.0));
        assert!((f.descriptive.duration_s - 1.0).abs() < 1e-12);

        let silent = e.extract(&vec![0.0; 4096], 22_050).expect("silence is analysable");
        assert_eq!(silent.descriptive.tempo_bpm, 0.0);
        assert_eq!(silent.descriptive.n_beats, 0);
        assert!(silent.descriptive.beat_mean_frame.is_nan());
        assert!(silent.descriptive.amplitude_skew.is_nan());
    }

    #[test]
    fn clones_give_identical_results() {
        let e = Extractor::new(FeatureParams::default()).expect("defaults are valid");
        let mut a = e.clone();
        let mut b = e;
        let x = tone(30_000);
        assert_eq!(a.extract(&x, 22_050), b.extract(&x, 22_050));
        assert_eq!(a.extract(&x, 22_050), b.extract(&x, 22_050));
    }

    #[test]
    fn shared_log10_matches_the_librosa_order_of_operations() {
        let mel = Array2::from_shape_fn((40, 128), |(t, m)| {
            let x = ((t * 131 + m * 71) % 1000) as f32 / 1000.0;
            10f32.powf(-14.0 * x)
        });
        for scale in [LogMelScale::SeedFaithful, LogMelScale::PowerToDb] {
            let mut p = FeatureParams::default();
            p.logmel.scale = scale;
            let (db, image) = mel_db_pair(mel.view(), &p);
            let mut want_db = mel.clone();
            power_to_db_f32(want_db.as_slice_mut().expect("owned"), DbRef::Value(1.0), POWER_AMIN, Some(80.0));
            assert_eq!(db, want_db);
            let want_image = logmel_image(mel.view(), &p);
            let got_image = fix_frames(image.view(), 128);
            let worst = got_image.iter().zip(&want_image).map(|(a, b)| (a - b).abs()).fold(0.0_f32, f32::max);
            assert!(worst < 1e-4, "{scale:?}: {worst}");
        }
    }

    #[test]
    fn long_input_is_cut_to_128_frames() {
        let mut e = Extractor::new(FeatureParams::default()).expect("defaults are valid");
        let f = e.extract(&tone(512 * 200), 22_050).expect("valid input");
        assert_eq!(f.logmel.dim(), (128, 128));
        assert!(f.logmel.iter().all(|&v| (-80.0..=0.0).contains(&v)));
    }
}

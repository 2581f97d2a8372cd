//! Feature parameters: serde-typed, defaults = librosa 0.11's defaults as the reference recipe
//! (`ref_features.py`) calls it, checked by [`FeatureParams::validate`] before any work.
//!
//! Ported parameters keep librosa's names (`n_fft`, `hop_length`, `top_db` ...); each field's doc
//! gives its unit and default. The whole struct serialises, so a run ID can hash it.

use serde::{Deserialize, Serialize};

use super::error::FeaturesError;

/// All parameters of the feature recipes (`seed45`, `descriptive`, `logmel128`).
///
/// `Default` is the reference recipe: librosa 0.11 defaults at 22050 Hz.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct FeatureParams {
    /// Sample rate the input must have, in Hz (filter banks are built for it). Default: 22050.
    pub sample_rate_hz: u32,
    /// Short-time Fourier transform shared by every spectral feature.
    pub stft: StftParams,
    /// Frame length of zero-crossing rate and RMS, in samples (librosa's `frame_length`; hop is
    /// `stft.hop_length`). Default: 2048.
    pub frame_length: usize,
    /// Dynamic range kept by every dB conversion (`power_to_db`/`amplitude_to_db` `top_db`),
    /// in dB. Default: 80.
    pub top_db: f64,
    /// Mel filter bank (MFCC, onset strength, log-mel).
    pub mel: MelParams,
    /// Number of MFCC coefficients kept (librosa `n_mfcc`). Default: 20.
    pub n_mfcc: usize,
    /// Chroma and its tuning estimate.
    pub chroma: ChromaParams,
    /// Spectral roll-off fraction (librosa `roll_percent`), in (0, 1). Default: 0.85.
    pub roll_percent: f64,
    /// Spectral contrast.
    pub contrast: ContrastParams,
    /// Parabolic-interpolation pitch tracking (`piptrack`; also drives the tuning estimate).
    pub piptrack: PiptrackParams,
    /// Tempo estimation.
    pub tempo: TempoParams,
    /// Dynamic-programming beat tracker.
    pub beat: BeatParams,
    /// Log-mel image for the CNN.
    pub logmel: LogMelParams,
}

/// STFT parameters (Hann periodic window of length `n_fft`, centred frames, zero padding).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct StftParams {
    /// FFT length = window length, in samples; even. Default: 2048.
    pub n_fft: usize,
    /// Hop between frames, in samples. Default: 512.
    pub hop_length: usize,
}

/// Mel filter bank parameters (Slaney mel scale, `norm="slaney"`, as `librosa.filters.mel`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct MelParams {
    /// Number of mel bands. Default: 128.
    pub n_mels: usize,
    /// Lowest band edge, in Hz. Default: 0.
    pub fmin_hz: f64,
    /// Highest band edge, in Hz; `None` = Nyquist. Default: None.
    pub fmax_hz: Option<f64>,
}

/// Chroma parameters (`librosa.feature.chroma_stft` with automatic tuning).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ChromaParams {
    /// Number of chroma bins (also the tuning estimate's `bins_per_octave`). Default: 12.
    pub n_chroma: usize,
    /// Resolution of the tuning estimate, in fractions of a chroma bin, in (0, 1).
    /// Default: 0.01.
    pub tuning_resolution: f64,
}

/// Spectral contrast parameters (`librosa.feature.spectral_contrast`, `linear=False`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ContrastParams {
    /// Upper edge of the lowest band, in Hz. Default: 200.
    pub fmin_hz: f64,
    /// Number of octave bands above the lowest one (output has `n_bands + 1` rows). Default: 6.
    pub n_bands: usize,
    /// Fraction of each band's bins averaged for peak and valley, in (0, 1). Default: 0.02.
    pub quantile: f64,
}

/// `piptrack` parameters (threshold relative to each frame's maximum).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct PiptrackParams {
    /// Peaks below `threshold · max(frame)` are ignored; ≥ 0. Default: 0.1.
    pub threshold: f64,
    /// Lowest pitch, in Hz. Default: 150.
    pub fmin_hz: f64,
    /// Highest pitch (exclusive), in Hz; clipped to Nyquist. Default: 4000.
    pub fmax_hz: f64,
}

/// Tempo estimation parameters (`librosa.feature.rhythm.tempo`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct TempoParams {
    /// Centre of the log-normal tempo prior, in BPM. Default: 120.
    pub start_bpm: f64,
    /// Width of the prior, in octaves. Default: 1.
    pub std_bpm: f64,
    /// Autocorrelation window, in seconds. Default: 8.
    pub ac_size_s: f64,
    /// Tempi at or above this are never chosen, in BPM; `None` = no limit. Default: 320.
    pub max_tempo_bpm: Option<f64>,
}

/// Beat tracker parameters (`librosa.beat.beat_track`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct BeatParams {
    /// How strictly beats follow the tempo (librosa `tightness`). Default: 100.
    pub tightness: f64,
    /// Drop weak leading/trailing beats (librosa `trim`). Default: true.
    pub trim: bool,
}

/// How the log-mel image turns mel power into dB.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LogMelScale {
    /// The notebook's call: `amplitude_to_db(S, ref=max)` on the *power* spectrogram
    /// (20·log10 of power, i.e. a doubled dB scale clipped at `top_db`). Seed-faithful.
    SeedFaithful,
    /// `power_to_db(S, ref=max)`: 10·log10 of power, the textbook log-mel.
    PowerToDb,
}

/// Log-mel image parameters (`melspectrogram` → dB relative to the max → `fix_length`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct LogMelParams {
    /// Frames kept (cut, or padded with 0 dB as `librosa.util.fix_length`). Default: 128.
    pub n_frames: usize,
    /// dB conversion. Default: `seed_faithful` (the `logmel128` recipe reproduces the notebook).
    pub scale: LogMelScale,
}

impl Default for FeatureParams {
    fn default() -> Self {
        Self {
            sample_rate_hz: 22_050,
            stft: StftParams::default(),
            frame_length: 2048,
            top_db: 80.0,
            mel: MelParams::default(),
            n_mfcc: 20,
            chroma: ChromaParams::default(),
            roll_percent: 0.85,
            contrast: ContrastParams::default(),
            piptrack: PiptrackParams::default(),
            tempo: TempoParams::default(),
            beat: BeatParams::default(),
            logmel: LogMelParams::default(),
        }
    }
}

impl Default for StftParams {
    fn default() -> Self {
        Self { n_fft: 2048, hop_length: 512 }
    }
}

impl Default for MelParams {
    fn default() -> Self {
        Self { n_mels: 128, fmin_hz: 0.0, fmax_hz: None }
    }
}

impl Default for ChromaParams {
    fn default() -> Self {
        Self { n_chroma: 12, tuning_resolution: 0.01 }
    }
}

impl Default for ContrastParams {
    fn default() -> Self {
        Self { fmin_hz: 200.0, n_bands: 6, quantile: 0.02 }
    }
}

impl Default for PiptrackParams {
    fn default() -> Self {
        Self { threshold: 0.1, fmin_hz: 150.0, fmax_hz: 4000.0 }
    }
}

impl Default for TempoParams {
    fn default() -> Self {
        Self { start_bpm: 120.0, std_bpm: 1.0, ac_size_s: 8.0, max_tempo_bpm: Some(320.0) }
    }
}

impl Default for BeatParams {
    fn default() -> Self {
        Self { tightness: 100.0, trim: true }
    }
}

impl Default for LogMelParams {
    fn default() -> Self {
        Self { n_frames: 128, scale: LogMelScale::SeedFaithful }
    }
}

fn reject(field: &'static str, value: impl std::fmt::Display, rule: &'static str) -> FeaturesError {
    FeaturesError::InvalidParam { field, value: value.to_string(), rule }
}

fn check(
    ok: bool,
    field: &'static str,
    value: impl std::fmt::Display,
    rule: &'static str,
) -> Result<(), FeaturesError> {
    if ok {
        Ok(())
    } else {
        Err(reject(field, value, rule))
    }
}

fn in_open_unit(x: f64) -> bool {
    x > 0.0 && x < 1.0
}

impl FeatureParams {
    /// Nyquist frequency, in Hz.
    #[must_use]
    pub fn nyquist_hz(&self) -> f64 {
        f64::from(self.sample_rate_hz) / 2.0
    }

    /// Upper edge of the mel filter bank, in Hz (`mel.fmax_hz`, or Nyquist).
    #[must_use]
    pub fn mel_fmax_hz(&self) -> f64 {
        self.mel.fmax_hz.unwrap_or_else(|| self.nyquist_hz())
    }

    /// Autocorrelation window of the tempogram, in onset frames, as
    /// `librosa.time_to_frames(ac_size, sr, hop_length)`.
    #[must_use]
    pub fn tempo_win_length(&self) -> usize {
        // time_to_samples truncates toward zero, samples_to_frames floors.
        let samples = (self.tempo.ac_size_s * f64::from(self.sample_rate_hz)).trunc();
        if samples.is_finite() && samples > 0.0 {
            // A float-to-int cast saturates; the value is positive and finite here.
            (samples as usize) / self.stft.hop_length.max(1)
        } else {
            0
        }
    }

    /// Checks every rule; the first violation is returned with the field's path.
    ///
    /// Every entry point that takes params ([`crate::features::Extractor::new`]) calls it first.
    pub fn validate(&self) -> Result<(), FeaturesError> {
        let nyq = self.nyquist_hz();
        check(self.sample_rate_hz > 0, "sample_rate_hz", self.sample_rate_hz, "must be ≥ 1 Hz")?;
        let n_fft = self.stft.n_fft;
        check(n_fft >= 2, "stft.n_fft", n_fft, "must be ≥ 2")?;
        check(n_fft.is_multiple_of(2), "stft.n_fft", n_fft, "must be even")?;
        check(self.stft.hop_length >= 1, "stft.hop_length", self.stft.hop_length, "must be ≥ 1")?;
        check(self.frame_length >= 2, "frame_length", self.frame_length, "must be ≥ 2")?;
        check(self.top_db.is_finite() && self.top_db >= 0.0, "top_db", self.top_db, "must be a finite number ≥ 0")?;
        check(self.mel.n_mels >= 1, "mel.n_mels", self.mel.n_mels, "must be ≥ 1")?;
        check(
            self.mel.fmin_hz.is_finite() && self.mel.fmin_hz >= 0.0,
            "mel.fmin_hz",
            self.mel.fmin_hz,
            "must be a finite number ≥ 0",
        )?;
        if let Some(fmax) = self.mel.fmax_hz {
            check(
                fmax.is_finite() && fmax > self.mel.fmin_hz && fmax <= nyq,
                "mel.fmax_hz",
                fmax,
                "must lie in (mel.fmin_hz, sample_rate_hz / 2]",
            )?;
        } else {
            check(self.mel.fmin_hz < nyq, "mel.fmin_hz", self.mel.fmin_hz, "must be below sample_rate_hz / 2")?;
        }
        check(
            self.n_mfcc >= 1 && self.n_mfcc <= self.mel.n_mels,
            "n_mfcc",
            self.n_mfcc,
            "must lie in [1, mel.n_mels]",
        )?;
        check(self.chroma.n_chroma >= 1, "chroma.n_chroma", self.chroma.n_chroma, "must be ≥ 1")?;
        check(
            in_open_unit(self.chroma.tuning_resolution),
            "chroma.tuning_resolution",
            self.chroma.tuning_resolution,
            "must lie in (0, 1)",
        )?;
        check(in_open_unit(self.roll_percent), "roll_percent", self.roll_percent, "must lie in (0, 1)")?;
        let c = &self.contrast;
        check(c.fmin_hz.is_finite() && c.fmin_hz > 0.0, "contrast.fmin_hz", c.fmin_hz, "must be a finite number > 0")?;
        check(c.n_bands >= 1, "contrast.n_bands", c.n_bands, "must be ≥ 1")?;
        check(in_open_unit(c.quantile), "contrast.quantile", c.quantile, "must lie in (0, 1)")?;
        let top_band_low = c.fmin_hz * 2f64.powi(i32::try_from(c.n_bands - 1).unwrap_or(i32::MAX));
        check(
            top_band_low < nyq,
            "contrast.n_bands",
            c.n_bands,
            "contrast.fmin_hz · 2^(n_bands − 1) must be below sample_rate_hz / 2",
        )?;
        let bin_hz = f64::from(self.sample_rate_hz) / n_fft as f64;
        check(
            bin_hz <= c.fmin_hz,
            "contrast.fmin_hz",
            c.fmin_hz,
            "must be ≥ one FFT bin (sample_rate_hz / stft.n_fft) so every band holds a bin",
        )?;
        let p = &self.piptrack;
        check(
            p.threshold.is_finite() && p.threshold >= 0.0,
            "piptrack.threshold",
            p.threshold,
            "must be a finite number ≥ 0",
        )?;
        check(p.fmin_hz.is_finite() && p.fmin_hz >= 0.0, "piptrack.fmin_hz", p.fmin_hz, "must be a finite number ≥ 0")?;
        check(
            p.fmax_hz.is_finite() && p.fmax_hz > p.fmin_hz,
            "piptrack.fmax_hz",
            p.fmax_hz,
            "must be finite and above piptrack.fmin_hz",
        )?;
        let t = &self.tempo;
        check(
            t.start_bpm.is_finite() && t.start_bpm > 0.0,
            "tempo.start_bpm",
            t.start_bpm,
            "must be a finite number > 0",
        )?;
        check(t.std_bpm.is_finite() && t.std_bpm > 0.0, "tempo.std_bpm", t.std_bpm, "must be a finite number > 0")?;
        check(
            t.ac_size_s.is_finite() && self.tempo_win_length() >= 2,
            "tempo.ac_size_s",
            t.ac_size_s,
            "must span at least 2 onset frames (ac_size_s · sample_rate_hz / hop_length ≥ 2)",
        )?;
        if let Some(max_tempo) = t.max_tempo_bpm {
            check(
                max_tempo.is_finite() && max_tempo > 0.0,
                "tempo.max_tempo_bpm",
                max_tempo,
                "must be a finite number > 0",
            )?;
        }
        check(
            self.beat.tightness.is_finite() && self.beat.tightness > 0.0,
            "beat.tightness",
            self.beat.tightness,
            "must be a finite number > 0",
        )?;
        check(self.logmel.n_frames >= 1, "logmel.n_frames", self.logmel.n_frames, "must be ≥ 1")?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rejected(p: &FeatureParams) -> &'static str {
        match p.validate() {
            Err(FeaturesError::InvalidParam { field, .. }) => field,
            other => panic!("expected InvalidParam, got {other:?}"),
        }
    }

    fn with(f: impl FnOnce(&mut FeatureParams)) -> FeatureParams {
        let mut p = FeatureParams::default();
        f(&mut p);
        p
    }

    #[test]
    fn defaults_are_valid_and_librosa_like() {
        let p = FeatureParams::default();
        p.validate().expect("defaults are valid");
        assert_eq!(p.stft.n_fft, 2048);
        assert_eq!(p.stft.hop_length, 512);
        assert_eq!(p.mel_fmax_hz(), 11_025.0);
        assert_eq!(p.tempo_win_length(), 344);
    }

    #[test]
    fn serde_round_trip_and_unknown_fields() {
        let p = FeatureParams::default();
        let json = serde_json::to_string(&p).expect("serialisable");
        let back: FeatureParams = serde_json::from_str(&json).expect("round trip");
        assert_eq!(back, p);
        let partial: FeatureParams = serde_json::from_str(r#"{"stft":{"hop_length":256}}"#).expect("partial");
        assert_eq!(partial.stft.hop_length, 256);
        assert_eq!(partial.stft.n_fft, 2048);
        assert!(serde_json::from_str::<FeatureParams>(r#"{"hop":1}"#).is_err());
        assert!(serde_json::from_str::<FeatureParams>(r#"{"stft":{"hop":1}}"#).is_err());
        let scale: FeatureParams = serde_json::from_str(r#"{"logmel":{"scale":"power_to_db"}}"#).expect("enum");
        assert_eq!(scale.logmel.scale, LogMelScale::PowerToDb);
    }

    #[test]
    fn error_message_names_the_field() {
        let err = with(|p| p.stft.hop_length = 0).validate().expect_err("invalid");
        assert_eq!(err.to_string(), "features.stft.hop_length = 0: must be ≥ 1");
    }

    #[test]
    fn sample_rate_zero_is_rejected() {
        assert_eq!(rejected(&with(|p| p.sample_rate_hz = 0)), "sample_rate_hz");
    }
    #[test]
    fn n_fft_below_two_is_rejected() {
        assert_eq!(rejected(&with(|p| p.stft.n_fft = 0)), "stft.n_fft");
    }
    #[test]
    fn n_fft_odd_is_rejected() {
        assert_eq!(rejected(&with(|p| p.stft.n_fft = 2047)), "stft.n_fft");
    }
    #[test]
    fn hop_length_zero_is_rejected() {
        assert_eq!(rejected(&with(|p| p.stft.hop_length = 0)), "stft.hop_length");
    }
    #[test]
    fn frame_length_below_two_is_rejected() {
        assert_eq!(rejected(&with(|p| p.frame_length = 1)), "frame_length");
    }
    #[test]
    fn top_db_negative_is_rejected() {
        assert_eq!(rejected(&with(|p| p.top_db = -1.0)), "top_db");
    }
    #[test]
    fn top_db_nan_is_rejected() {
        assert_eq!(rejected(&with(|p| p.top_db = f64::NAN)), "top_db");
    }
    #[test]
    fn n_mels_zero_is_rejected() {
        assert_eq!(rejected(&with(|p| p.mel.n_mels = 0)), "mel.n_mels");
    }
    #[test]
    fn mel_fmin_negative_is_rejected() {
        assert_eq!(rejected(&with(|p| p.mel.fmin_hz = -1.0)), "mel.fmin_hz");
    }
    #[test]
    fn mel_fmin_at_nyquist_is_rejected() {
        assert_eq!(rejected(&with(|p| p.mel.fmin_hz = 11_025.0)), "mel.fmin_hz");
    }
    #[test]
    fn mel_fmax_above_nyquist_is_rejected() {
        assert_eq!(rejected(&with(|p| p.mel.fmax_hz = Some(12_000.0))), "mel.fmax_hz");
    }
    #[test]
    fn mel_fmax_not_above_fmin_is_rejected() {
        assert_eq!(
            rejected(&with(|p| {
                p.mel.fmin_hz = 500.0;
                p.mel.fmax_hz = Some(500.0);
            })),
            "mel.fmax_hz"
        );
    }
    #[test]
    fn n_mfcc_zero_is_rejected() {
        assert_eq!(rejected(&with(|p| p.n_mfcc = 0)), "n_mfcc");
    }
    #[test]
    fn n_mfcc_above_n_mels_is_rejected() {
        assert_eq!(rejected(&with(|p| p.n_mfcc = 129)), "n_mfcc");
    }
    #[test]
    fn n_chroma_zero_is_rejected() {
        assert_eq!(rejected(&with(|p| p.chroma.n_chroma = 0)), "chroma.n_chroma");
    }
    #[test]
    fn tuning_resolution_outside_unit_interval_is_rejected() {
        assert_eq!(rejected(&with(|p| p.chroma.tuning_resolution = 1.0)), "chroma.tuning_resolution");
    }
    #[test]
    fn roll_percent_outside_unit_interval_is_rejected() {
        assert_eq!(rejected(&with(|p| p.roll_percent = 0.0)), "roll_percent");
    }
    #[test]
    fn contrast_fmin_not_positive_is_rejected() {
        assert_eq!(rejected(&with(|p| p.contrast.fmin_hz = 0.0)), "contrast.fmin_hz");
    }
    #[test]
    fn contrast_n_bands_zero_is_rejected() {
        assert_eq!(rejected(&with(|p| p.contrast.n_bands = 0)), "contrast.n_bands");
    }
    #[test]
    fn contrast_quantile_outside_unit_interval_is_rejected() {
        assert_eq!(rejected(&with(|p| p.contrast.quantile = 1.5)), "contrast.quantile");
    }
    #[test]
    fn contrast_band_above_nyquist_is_rejected() {
        assert_eq!(rejected(&with(|p| p.contrast.n_bands = 7)), "contrast.n_bands");
    }
    #[test]
    fn contrast_fmin_below_one_bin_is_rejected() {
        assert_eq!(rejected(&with(|p| p.contrast.fmin_hz = 5.0)), "contrast.fmin_hz");
    }
    #[test]
    fn piptrack_threshold_negative_is_rejected() {
        assert_eq!(rejected(&with(|p| p.piptrack.threshold = -0.1)), "piptrack.threshold");
    }
    #[test]
    fn piptrack_fmin_negative_is_rejected() {
        assert_eq!(rejected(&with(|p| p.piptrack.fmin_hz = -1.0)), "piptrack.fmin_hz");
    }
    #[test]
    fn piptrack_fmax_not_above_fmin_is_rejected() {
        assert_eq!(rejected(&with(|p| p.piptrack.fmax_hz = 100.0)), "piptrack.fmax_hz");
    }
    #[test]
    fn start_bpm_not_positive_is_rejected() {
        assert_eq!(rejected(&with(|p| p.tempo.start_bpm = 0.0)), "tempo.start_bpm");
    }
    #[test]
    fn std_bpm_not_positive_is_rejected() {
        assert_eq!(rejected(&with(|p| p.tempo.std_bpm = 0.0)), "tempo.std_bpm");
    }
    #[test]
    fn ac_size_below_two_frames_is_rejected() {
        assert_eq!(rejected(&with(|p| p.tempo.ac_size_s = 0.01)), "tempo.ac_size_s");
    }
    #[test]
    fn max_tempo_not_positive_is_rejected() {
        assert_eq!(rejected(&with(|p| p.tempo.max_tempo_bpm = Some(-5.0))), "tempo.max_tempo_bpm");
    }
    #[test]
    fn tightness_not_positive_is_rejected() {
        assert_eq!(rejected(&with(|p| p.beat.tightness = 0.0)), "beat.tightness");
    }
    #[test]
    fn logmel_n_frames_zero_is_rejected() {
        assert_eq!(rejected(&with(|p| p.logmel.n_frames = 0)), "logmel.n_frames");
    }
}

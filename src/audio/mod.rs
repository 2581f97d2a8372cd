//! Decoding and preprocessing of media files: the `audio` stage.
//!
//! Owns everything between a file's bytes and the mono 22 050 Hz signal the notebook analysed:
//! symphonia decoding of the first audio track ([`decode`]), MP4 edit lists ([`mp4`]), channel
//! mixdown, libsoxr resampling ([`resample`]), librosa's silence trim ([`trim`]) and the
//! notebook's PCM16 round trip ([`pcm16`]). It does not find files or hash them (that is
//! `corpus`) and never prints: per-file problems come back as [`AudioError`] values so a batch
//! can record them and carry on.

pub mod decode;
mod error;
pub mod mp4;
pub mod pcm16;
pub mod resample;
pub mod trim;

use std::path::Path;

use serde::{Deserialize, Serialize};

pub use decode::{decode_bytes, DecodedAudio};
pub use error::{AudioError, PreprocessParamsError};
pub use pcm16::{quantize_pcm16, write_pcm16_wav};
pub use trim::{trim_bounds, trim_silence, TrimBounds};

/// File extensions (lower case) that are treated as media inputs; anything else is ignored.
pub const MEDIA_EXTENSIONS: [&str; 7] = ["mp4", "mov", "m4a", "wav", "flac", "mp3", "ogg"];

/// How a decoded file becomes the signal the features see (DESIGN §2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PreprocessParams {
    /// Target sample rate in Hz. Default: 22050 (librosa's `load` default).
    pub sample_rate_hz: u32,
    /// Trim threshold in dB below the loudest frame. Default: 20 (the notebook's `top_db`).
    pub trim_top_db: f64,
    /// Whether to trim leading and trailing silence. Default: true.
    pub trim: bool,
    /// Whether to quantise to 16 bits as the notebook's save/reload did. Default: true.
    pub pcm16: bool,
}

impl Default for PreprocessParams {
    fn default() -> Self {
        Self { sample_rate_hz: 22_050, trim_top_db: 20.0, trim: true, pcm16: true }
    }
}

impl PreprocessParams {
    /// Checks every field; run before any file is decoded.
    pub fn validate(&self) -> Result<(), PreprocessParamsError> {
        if !(1_000..=384_000).contains(&self.sample_rate_hz) {
            return Err(PreprocessParamsError::SampleRate(self.sample_rate_hz));
        }
        if !(self.trim_top_db.is_finite() && self.trim_top_db > 0.0) {
            return Err(PreprocessParamsError::TopDb(self.trim_top_db));
        }
        Ok(())
    }
}

/// A file after preprocessing: the signal every feature is computed from.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcessedAudio {
    /// Mono samples at `sample_rate_hz`, trimmed and (by default) PCM16-quantised.
    pub samples: Vec<f32>,
    /// Sample rate of `samples` in Hz.
    pub sample_rate_hz: u32,
    /// The source track's sample rate in Hz.
    pub source_sample_rate_hz: u32,
    /// The source track's channel count.
    pub source_channels: usize,
    /// Decoded duration in seconds, after resampling and before trimming.
    pub raw_duration_s: f64,
    /// The kept span, in samples of the resampled signal (`0..len` when trimming is off).
    pub trim: TrimBounds,
}

impl ProcessedAudio {
    /// Length of the processed signal in seconds.
    #[must_use]
    pub fn duration_s(&self) -> f64 {
        self.samples.len() as f64 / f64::from(self.sample_rate_hz)
    }
}

/// Decodes and preprocesses one media file held in memory (`path` names it in errors).
///
/// Steps, as `ref_features.py`: decode → average channels → resample (soxr HQ) → trim
/// (`top_db`) → PCM16 quantisation. Audio that is entirely zero is rejected: it has no
/// non-silent part to analyse.
pub fn preprocess(path: &Path, bytes: Vec<u8>, params: &PreprocessParams) -> Result<ProcessedAudio, AudioError> {
    let decoded = decode_bytes(path, bytes)?;
    let resampled =
        resample::resample(&decoded.samples, decoded.sample_rate_hz, params.sample_rate_hz).map_err(|reason| {
            AudioError::Resample {
                path: path.to_path_buf(),
                from_hz: decoded.sample_rate_hz,
                to_hz: params.sample_rate_hz,
                reason,
            }
        })?;
    if resampled.iter().all(|&x| x == 0.0) {
        return Err(AudioError::AllSilent { path: path.to_path_buf() });
    }
    let trim = if params.trim {
        trim_bounds(&resampled, params.trim_top_db)
    } else {
        TrimBounds { start: 0, end: resampled.len() }
    };
    let kept = &resampled[trim.start..trim.end];
    let samples = if params.pcm16 { quantize_pcm16(kept) } else { kept.to_vec() };
    Ok(ProcessedAudio {
        samples,
        sample_rate_hz: params.sample_rate_hz,
        source_sample_rate_hz: decoded.sample_rate_hz,
        source_channels: decoded.n_channels,
        raw_duration_s: resampled.len() as f64 / f64::from(params.sample_rate_hz),
        trim,
    })
}

/// Reads, preprocesses and writes one file as 16-bit WAV at `output`.
///
/// The WAV is written to a temporary file beside `output` and renamed into place only when
/// complete, so a failed or interrupted input never leaves a partial output behind.
pub fn ingest_file(input: &Path, output: &Path, params: &PreprocessParams) -> Result<ProcessedAudio, AudioError> {
    let bytes = std::fs::read(input).map_err(|source| AudioError::Io { path: input.to_path_buf(), source })?;
    let processed = preprocess(input, bytes, params)?;
    let write = |file: &mut std::fs::File| {
        write_pcm16_wav(std::io::BufWriter::new(file), &processed.samples, processed.sample_rate_hz)
            .map_err(std::io::Error::other)
    };
    crate::atomic::write_file_with(output, write)
        .map_err(|e| AudioError::Write { path: output.to_path_buf(), reason: e.to_string() })?;
    Ok(processed)
}

/// Whether a path has one of the [`MEDIA_EXTENSIONS`] (any case).
#[must_use]
pub fn is_media_file(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| MEDIA_EXTENSIONS.iter().any(|m| m.eq_ignore_ascii_case(e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_params_are_valid() {
        assert_eq!(PreprocessParams::default().validate(), Ok(()));
    }

    #[test]
    fn sample_rate_out_of_range_is_rejected() {
        let p = PreprocessParams { sample_rate_hz: 10, ..Default::default() };
        assert_eq!(p.validate(), Err(PreprocessParamsError::SampleRate(10)));
    }

    #[test]
    fn non_positive_top_db_is_rejected() {
        for top_db in [0.0, -5.0, f64::NAN] {
            let p = PreprocessParams { trim_top_db: top_db, ..Default::default() };
            assert!(p.validate().is_err(), "{top_db}");
        }
    }

    #[test]
    fn media_extensions_match_any_case() {
        assert!(is_media_file(Path::new("a/b/clip.MOV")));
        assert!(is_media_file(Path::new("x.Wav")));
        assert!(!is_media_file(Path::new("notes.txt")));
        assert!(!is_media_file(Path::new("noext")));
    }
}

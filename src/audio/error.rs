//! Errors of the audio stage: one variant per reason a file cannot become processed audio.

use std::path::PathBuf;

use super::memory::{Bytes, Duration};

/// Why a media file could not be decoded or preprocessed.
///
/// Every variant names the file, so a batch can list failures without losing which input
/// failed. The caller records the failure and moves on to the next file (DESIGN §7).
#[derive(Debug, thiserror::Error)]
pub enum AudioError {
    /// The file could not be opened or read.
    #[error("{path}: cannot read file: {source}")]
    Io {
        /// The input file.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file has zero bytes.
    #[error("{path}: file is empty (0 bytes)")]
    Empty {
        /// The input file.
        path: PathBuf,
    },
    /// No container format recognised the bytes (not audio, or corrupt header).
    #[error("{path}: not a recognised audio/video container ({reason})")]
    UnknownFormat {
        /// The input file.
        path: PathBuf,
        /// What the demuxer said.
        reason: String,
    },
    /// The container holds no audio track (e.g. a silent video).
    #[error("{path}: no audio track")]
    NoAudioTrack {
        /// The input file.
        path: PathBuf,
    },
    /// The audio codec is not supported (e.g. HE-AAC, 5.1 AAC, ALAC).
    #[error("{path}: unsupported audio codec or stream ({reason})")]
    UnsupportedCodec {
        /// The input file.
        path: PathBuf,
        /// What the decoder said.
        reason: String,
    },
    /// The stream is corrupt or truncated beyond what the decoder can skip.
    #[error("{path}: corrupt or truncated audio ({reason})")]
    Corrupt {
        /// The input file.
        path: PathBuf,
        /// What the demuxer or decoder said.
        reason: String,
    },
    /// Decoding produced no samples at all.
    #[error("{path}: the audio track decodes to zero samples")]
    NoSamples {
        /// The input file.
        path: PathBuf,
    },
    /// A decoded sample is NaN or infinite (possible with float WAV).
    #[error("{path}: sample {index} is not finite ({value})")]
    NonFiniteSample {
        /// The input file.
        path: PathBuf,
        /// Index of the first bad sample (in decoded frames, before mixdown).
        index: usize,
        /// The offending value.
        value: f32,
    },
    /// Every sample is zero, so there is nothing to trim to and nothing to analyse.
    #[error("{path}: the audio is entirely silent")]
    AllSilent {
        /// The input file.
        path: PathBuf,
    },
    /// The resampler rejected the request.
    #[error("{path}: resampling {from_hz} Hz -> {to_hz} Hz failed: {reason}")]
    Resample {
        /// The input file.
        path: PathBuf,
        /// Source rate.
        from_hz: u32,
        /// Target rate.
        to_hz: u32,
        /// What libsoxr said.
        reason: String,
    },
    /// The sample rate changed in the middle of the stream (one resampler serves one rate).
    #[error("{path}: the sample rate changes mid-stream ({from_hz} Hz -> {to_hz} Hz)")]
    RateChange {
        /// The input file.
        path: PathBuf,
        /// The rate of the stream's first samples.
        from_hz: u32,
        /// The new rate.
        to_hz: u32,
    },
    /// A buffer for this file could not be allocated (the machine or the address-space limit
    /// is out of room); the batch goes on without it.
    #[error("{path}: needs {} for {what}; allocation failed", Bytes(*bytes))]
    OutOfMemory {
        /// The input file.
        path: PathBuf,
        /// What the buffer was for ("the resampled signal").
        what: &'static str,
        /// Size of the allocation that failed, in bytes.
        bytes: u64,
    },
    /// The file's declared length needs more memory than one file may use.
    #[error(
        "{path}: {} of audio needs about {}; the budget per file is {} ({origin})",
        Duration(*duration_s), Bytes(*need_bytes), Bytes(*budget_bytes)
    )]
    OverBudget {
        /// The input file.
        path: PathBuf,
        /// Declared length in seconds.
        duration_s: f64,
        /// Estimated peak need in bytes.
        need_bytes: u64,
        /// The per-file budget in bytes.
        budget_bytes: u64,
        /// Where the budget came from.
        origin: String,
    },
    /// Decoding was stopped because the signal outgrew the budget (the header did not declare
    /// the length, or understated it).
    #[error(
        "{path}: stopped decoding after {} of audio, which already needs about {}; the budget per file is {} ({origin})",
        Duration(*duration_s), Bytes(*need_bytes), Bytes(*budget_bytes)
    )]
    OverBudgetWhileDecoding {
        /// The input file.
        path: PathBuf,
        /// Audio decoded so far, in seconds.
        duration_s: f64,
        /// Estimated peak need of what was decoded so far, in bytes.
        need_bytes: u64,
        /// The per-file budget in bytes.
        budget_bytes: u64,
        /// Where the budget came from.
        origin: String,
    },
    /// The decoder panicked on this file's data (a bug in it, caught so the batch goes on).
    #[error("{path}: the decoder crashed on this file ({message})")]
    DecoderPanic {
        /// The input file.
        path: PathBuf,
        /// The panic's message.
        message: String,
    },
    /// The temporary file a long signal is kept in could not be written or read.
    #[error(
        "{path}: cannot keep the signal in a temporary file in {dir} (set TMPDIR to a folder with room): {reason}"
    )]
    Spill {
        /// The input file.
        path: PathBuf,
        /// The temporary folder (`TMPDIR`).
        dir: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// Writing the processed WAV failed.
    #[error("{path}: cannot write processed audio: {reason}")]
    Write {
        /// The output file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
}

/// Why preprocessing parameters are invalid (checked before any file is touched).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PreprocessParamsError {
    /// The target sample rate is outside what makes sense for speech analysis.
    #[error("sample_rate: must be between 1000 and 384000 Hz, got {0}")]
    SampleRate(u32),
    /// The trim threshold must be a positive, finite number of decibels.
    #[error("trim_top_db: must be a finite number > 0 dB, got {0}")]
    TopDb(f64),
}

//! Audio features that mirror librosa 0.11, and the named recipes built from them.
//!
//! This stage owns the numerics between decoded audio and a feature matrix: STFT, mel and
//! chroma filter banks, MFCC, spectral shape, contrast, zero-crossing rate, RMS, `piptrack`,
//! tuning, onset strength, tempo and beats, and the log-mel image. It does not decode,
//! resample, trim or quantise (that is [`crate::audio`]), and it does no I/O.
//!
//! Input: mono f32 samples at `sample_rate_hz` (22050 by default), already trimmed and
//! PCM16-quantised. Output: per file, the three recipes ([`FileFeatures`]); per frame,
//! everything before averaging ([`FrameFeatures`]).
//!
//! Conventions (the same as librosa's, so its docs apply):
//! - unnormalised forward FFT (numpy's `rfft`), Hann *periodic* window of length `n_fft`;
//! - frame `t` is centred at sample `t · hop_length`; STFT and RMS frames are zero padded
//!   (`pad_mode="constant"`, librosa ≥ 0.10), ZCR frames edge padded (as librosa);
//! - dB references: MFCC, onset strength and contrast use `power_to_db(ref=1.0)`, the log-mel
//!   uses `ref=max` of the file; every conversion clips at `top_db` below the matrix peak;
//! - matrices are `(n_frames, k)`, the transpose of librosa's `(k, n_frames)`, so each frame is
//!   contiguous; the log-mel image alone keeps librosa's `(mel, frame)`.
//!
//! Why the float32 details: librosa computes in float32 from the STFT on. Continuous values
//! are insensitive to that (we use f64 and agree to ~1e-6 relative), but a few results are
//! *decisions* on float32 values — the roll-off bin, `piptrack` peaks and thresholds, the
//! tuning histogram (which picks the chroma bank) — and there the float32 operations are
//! reproduced one for one, starting from magnitudes that are bit-identical to numpy's.
//! Each building block's doc names the librosa function it mirrors and any difference.

mod beat;
mod chroma;
mod contrast;
mod corpus;
mod db;
mod error;
mod extractor;
mod frame;
mod kernels;
mod mel;
mod mfcc;
mod onset;
mod params;
mod pitch;
mod recipe;
mod rms;
mod spectral;
mod spill;
mod stats;
mod stft;
mod tempo;
mod zcr;

pub use beat::{beat_track, beat_track_dp, last_beat, local_score, trim_beats, BeatTrack};
pub use chroma::{chroma_filterbank, chroma_frame, chroma_stft};
pub use contrast::ContrastBands;
pub use corpus::{extract_corpus, params_hash as cache_params_hash, AudioSummary, CorpusFeatures, Images};
pub use db::{amplitude_to_db_f32, power_to_db_f32, power_to_db_f64, DbRef, AMPLITUDE_AMIN, POWER_AMIN};
pub use error::FeaturesError;
pub use extractor::{logmel_image, Extractor, FileFeatures, FrameFeatures};
pub use frame::{centered_frame_into, centered_frames, n_centered_frames, Padding, SignalWindow};
pub use mel::{fft_frequencies, hz_to_mel, mel_filterbank, mel_frequencies, mel_to_hz, MelFilterbank};
pub use mfcc::{dct_ortho_matrix, mfcc, mfcc_frame};
pub use onset::{onset_strength, onset_strength_into};
pub use params::{
    BeatParams, ChromaParams, ContrastParams, FeatureParams, LogMelParams, LogMelScale, MelParams, PiptrackParams,
    StftParams, TempoParams,
};
pub use pitch::{estimate_tuning, parabolic_shift, pitch_tuning, Peak, Piptrack, TuningPeaks};
pub use recipe::{recipe, recipe_info, recipes, Descriptive, Recipe, RecipeInfo, DESCRIPTIVE_NAMES, SEED45_NAMES};
pub use rms::{rms, rms_frames};
pub use spectral::{centroid_bandwidth, normalize_l1_f32, rolloff, rolloff_frames};
pub use stats::{mean, mean_std_skew};
pub use stft::{hann_periodic, numpy_cabs_f32, Spectrogram, SpectrumPlan};
pub use tempo::{next_fast_len, tempo_frequencies, TempoPlan};
pub use zcr::{zero_crossing_rate, ZeroCrossingRate};

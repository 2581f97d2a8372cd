//! The per-file feature pipeline: one STFT, every recipe, in blocks of frames.
//!
//! [`Extractor::new`] validates the params and builds everything that depends only on them
//! (FFT plans, mel bank, DCT matrix, contrast bands, piptrack ranges, tempo prior); chroma
//! banks depend on each file's tuning estimate and are cached by tuning value. Per file,
//! the magnitude and power spectrograms give:
//!
//! | librosa call in the reference          | spectrogram used here                         |
//! |----------------------------------------|-----------------------------------------------|
//! | `mfcc`, `melspectrogram`, `onset_strength` | power (`power=2`) → mel power, shared     |
//! | `spectral_centroid/bandwidth/rolloff/contrast` | magnitude (`power=1`)                 |
//! | `chroma_stft` + its `estimate_tuning`  | power (librosa passes its `power=2` S on)     |
//! | `piptrack(y=y)` (the seed's pitch mean)| magnitude (`power=1`)                         |
//! | `zero_crossing_rate`, `rms(y=y)`       | time signal                                   |
//!
//! All of librosa's calls use the same `n_fft`/`hop`/window, so one STFT serves them all (a
//! recording longer than one block computes it twice; see below).
//!
//! Memory: the spectrograms (8 KB a frame at the defaults, 21 MB per minute of audio) are
//! never held whole. They are computed [`BLOCK_FRAMES`] frames at a time, and every frame's
//! features go to a `FrameSink` as soon as they are final: [`Extractor::extract`] keeps only
//! running means and the log-mel image's first frames, so its memory does not grow with the
//! recording beyond the onset envelope beat tracking needs (4 bytes a frame, plus the beat
//! tracker's work arrays); [`Extractor::analyse`] keeps every frame, for figures and tests.
//! Three things need the whole recording before a frame's value is final:
//! - the dB floors of MFCC, onset strength and the log-mel image (`top_db` below the
//!   recording's peak): each frame's mel row waits in a spill;
//! - contrast's floors: each frame's valleys and peaks wait beside the mel row;
//! - chroma's tuning, from the median of every frame's pitch peaks ([`TuningPeaks`], another
//!   spill); a recording longer than one block takes a second STFT pass for chroma.
//!
//! A spill holds a speech clip in memory and moves a long recording's values to a temporary
//! file. The signal is read the same way, a block's window at a time (a long recording's
//! signal is in a temporary file too: [`crate::audio::signal`]). Every per-frame value is
//! computed by the same operations in the same order whatever the block size and wherever the
//! signal and the spills are kept, so the features are identical bit for bit.

use ndarray::{Array2, ArrayView2, ArrayViewMut1};

use crate::audio::SignalReader;

use super::beat::{beat_track, BeatTrack};
use super::chroma::{chroma_frame, ChromaBanks};
use super::contrast::{ContrastBands, ContrastDb};
use super::db::{amplitude_to_db_f32, power_to_db_f32, DbRef, AMPLITUDE_AMIN, POWER_AMIN};
use super::error::FeaturesError;
use super::frame::{n_centered_frames, SignalWindow};
use super::mel::{fft_frequencies, MelFilterbank};
use super::mfcc::{dct_ortho_matrix, mfcc_frame};
use super::onset::set_onset_frame;
use super::params::{FeatureParams, LogMelScale};
use super::pitch::{Piptrack, TuningPeaks};
use super::recipe::Descriptive;
use super::rms::rms_frames;
use super::spectral::{centroid_bandwidth, rolloff_frames};
use super::spill::{get_f32, get_f64, put_f32, put_f64, Spill};
use super::stats::signal_mean_std_skew;
use super::stft::{Spectrogram, SpectrumPlan};
use super::tempo::TempoPlan;
use super::zcr::ZeroCrossingRate;

/// Frames of spectrogram computed at a time: the block buffers hold this many frames whatever
/// the recording's length (2 × 1025 bins × 4 bytes × 2048 frames = 17 MB at the defaults).
/// 2048 frames are 47.6 s at 22 050 Hz and hop 512, so a speech corpus's clips take one block
/// and one STFT pass; only longer recordings pay the second pass chroma needs.
pub const BLOCK_FRAMES: usize = 2048;

/// Bytes of per-frame records (mel row, contrast's valleys and peaks: 624 bytes a frame at the
/// defaults) held in memory before they move to a temporary file: about 6 minutes of audio.
const FRAMES_MEMORY_BYTES: usize = 10 << 20;

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
    /// Frames per block ([`BLOCK_FRAMES`]; smaller in tests, to cross block boundaries).
    block_frames: usize,
    /// The spectrograms of the block being analysed.
    block: Spectrogram,
    mel: MelFilterbank,
    dct: Array2<f64>,
    freqs: Vec<f64>,
    contrast: ContrastBands,
    piptrack: Piptrack,
    tuning_peaks: TuningPeaks,
    /// Each frame's mel row and contrast's valleys and peaks, until the recording's peaks are
    /// known.
    frames: Spill,
    contrast_db: ContrastDb,
    /// Chroma banks by tuning, shared with every clone.
    chroma_banks: ChromaBanks,
    scratch_rolloff: Vec<f32>,
    tempo: TempoPlan,
    scratch_f32: Vec<f32>,
    scratch_f64: Vec<f64>,
    /// One block's spectral centroid and bandwidth.
    scratch_shape: Vec<(f64, f64)>,
}

impl Extractor {
    /// Validates `params` and builds plans, filter banks and the DCT matrix.
    pub fn new(params: FeatureParams) -> Result<Self, FeaturesError> {
        params.validate()?;
        let sr = f64::from(params.sample_rate_hz);
        let n_fft = params.stft.n_fft;
        let freqs = fft_frequencies(sr, n_fft);
        let frame_bytes = 4 * params.mel.n_mels + 2 * 8 * (params.contrast.n_bands + 1);
        Ok(Self {
            plan: SpectrumPlan::new(n_fft, params.stft.hop_length),
            block_frames: BLOCK_FRAMES,
            block: Spectrogram::default(),
            mel: MelFilterbank::new(sr, n_fft, params.mel.n_mels, params.mel.fmin_hz, params.mel_fmax_hz()),
            dct: dct_ortho_matrix(params.mel.n_mels, params.n_mfcc),
            contrast: ContrastBands::new(
                &freqs,
                params.contrast.fmin_hz,
                params.contrast.n_bands,
                params.contrast.quantile,
            ),
            piptrack: Piptrack::new(sr, n_fft, &params.piptrack),
            tuning_peaks: TuningPeaks::default(),
            frames: Spill::new(frame_bytes, FRAMES_MEMORY_BYTES),
            contrast_db: ContrastDb::default(),
            chroma_banks: ChromaBanks::new(sr, n_fft, params.chroma.n_chroma),
            tempo: TempoPlan::new(params.tempo_win_length(), params.stft.hop_length, sr, &params.tempo),
            freqs,
            scratch_f32: Vec::new(),
            scratch_f64: Vec::new(),
            scratch_rolloff: Vec::new(),
            scratch_shape: Vec::new(),
            params,
        })
    }

    /// The (validated) parameters.
    #[must_use]
    pub fn params(&self) -> &FeatureParams {
        &self.params
    }

    /// Frees the per-file buffers (the last block's spectrograms, the per-frame records and the
    /// tuning peaks), which are otherwise kept for the next file.
    pub fn release_buffers(&mut self) {
        self.block = Spectrogram::default();
        self.tuning_peaks.release();
        self.frames.release();
    }

    fn check_input(&self, signal: &mut SignalReader<'_>, sample_rate_hz: u32) -> Result<(), FeaturesError> {
        if sample_rate_hz != self.params.sample_rate_hz {
            return Err(FeaturesError::SampleRateMismatch {
                expected_hz: self.params.sample_rate_hz,
                got_hz: sample_rate_hz,
            });
        }
        if signal.is_empty() {
            return Err(FeaturesError::EmptyInput);
        }
        if signal.len() < self.params.stft.n_fft {
            return Err(FeaturesError::TooShort { n_samples: signal.len(), min_samples: self.params.stft.n_fft });
        }
        match signal.find(|x| !x.is_finite()).map_err(temp_file_error)? {
            Some((index, value)) => Err(FeaturesError::NonFinite { index, value }),
            None => Ok(()),
        }
    }

    /// Every per-frame feature of `signal` (mono, `sample_rate_hz`, already preprocessed; a
    /// slice or an [`audio::Signal`](crate::audio::Signal)), computed a block of frames at a
    /// time (see the module doc). Holds every frame: for figures and tests;
    /// [`extract`](Self::extract) is what a corpus goes through.
    ///
    /// Errors: wrong sample rate, empty input, fewer than `n_fft` samples, NaN/Inf samples,
    /// a temporary file that cannot be written or read.
    pub fn analyse<'a>(
        &mut self,
        signal: impl Into<SignalReader<'a>>,
        sample_rate_hz: u32,
    ) -> Result<FrameFeatures, FeaturesError> {
        let mut signal = signal.into();
        let mut frames = FrameCollector::default();
        let recording = self.run(&mut signal, sample_rate_hz, &mut frames)?;
        let p = &self.params;
        let n_frames = recording.onset_envelope.len();
        let matrix = |values: Vec<f64>, n_cols: usize| {
            Array2::from_shape_vec((n_frames, n_cols), values).expect("one row a frame")
        };
        Ok(FrameFeatures {
            n_samples: signal.len(),
            mel_power: Array2::from_shape_vec((n_frames, p.mel.n_mels), frames.mel_power).expect("one row a frame"),
            mfcc: matrix(frames.mfcc, p.n_mfcc),
            chroma: Array2::from_shape_vec((n_frames, p.chroma.n_chroma), frames.chroma).expect("one row a frame"),
            tuning: recording.tuning,
            contrast: matrix(frames.contrast, self.contrast.n_rows()),
            centroid: frames.centroid,
            bandwidth: frames.bandwidth,
            rolloff: frames.rolloff,
            zcr: frames.zcr,
            rms: frames.rms,
            piptrack_mean: recording.piptrack_mean,
            onset_envelope: recording.onset_envelope,
            beats: recording.beats,
        })
    }

    /// The three recipes of `signal`: the frames' means, the descriptive statistics and the
    /// log-mel image, with no per-frame matrix held (see the module doc).
    ///
    /// Errors: as [`analyse`](Self::analyse).
    pub fn extract<'a>(
        &mut self,
        signal: impl Into<SignalReader<'a>>,
        sample_rate_hz: u32,
    ) -> Result<FileFeatures, FeaturesError> {
        let mut signal = signal.into();
        let mut means = FrameMeans::new(&self.params);
        let recording = self.run(&mut signal, sample_rate_hz, &mut means)?;
        let (amplitude_mean, amplitude_std, amplitude_skew) =
            signal_mean_std_skew(&mut signal).map_err(temp_file_error)?;
        let beats = &recording.beats.beats;
        let descriptive = Descriptive {
            duration_s: signal.len() as f64 / f64::from(sample_rate_hz),
            amplitude_mean,
            amplitude_std,
            amplitude_skew,
            zcr_mean: means.zcr.mean(),
            spectral_centroid_mean: means.centroid.mean(),
            spectral_bandwidth_mean: means.bandwidth.mean(),
            tempo_bpm: recording.beats.tempo_bpm,
            beat_mean_frame: if beats.is_empty() {
                f64::NAN
            } else {
                beats.iter().map(|&b| b as f64).sum::<f64>() / beats.len() as f64
            },
            n_beats: beats.len(),
        };
        Ok(FileFeatures { seed45: means.seed45(recording.piptrack_mean), descriptive, logmel: recording.logmel })
    }

    /// The pipeline both [`analyse`](Self::analyse) and [`extract`](Self::extract) run: every
    /// per-frame feature goes to `sink`; what only the whole recording gives is returned.
    fn run(
        &mut self,
        signal: &mut SignalReader<'_>,
        sample_rate_hz: u32,
        sink: &mut impl FrameSink,
    ) -> Result<Recording, FeaturesError> {
        self.check_input(signal, sample_rate_hz)?;
        let p = &self.params;
        let sr = f64::from(p.sample_rate_hz);
        let (n_fft, hop) = (p.stft.n_fft, p.stft.hop_length);
        let n = signal.len();
        let n_frames = self.plan.n_frames(n);
        let n_bins = self.plan.n_bins();
        let blocks = blocks_of(n_frames, self.block_frames);
        // The samples a block's frames read, in the STFT's framing and the time-domain one.
        let reach = n_fft.max(p.frame_length);

        // Pass 1: every block's spectrograms, reduced to what waits for the whole recording
        // (into the spills) and what does not (to the sink).
        let mut mel_row = vec![0.0_f32; p.mel.n_mels];
        let n_contrast = self.contrast.n_rows();
        let (mut valley, mut peak) = (vec![0.0_f64; n_contrast], vec![0.0_f64; n_contrast]);
        let mut mel_peak = 0.0_f32;
        let mut pitch_sum = 0.0;
        self.frames.clear();
        self.tuning_peaks.clear();
        self.contrast_db.clear();
        self.scratch_f32.resize(n_bins, 0.0);
        for block in &blocks {
            self.plan.compute_frames_into(block_window(signal, block, reach, hop)?, block.clone(), &mut self.block);
            self.scratch_shape.clear();
            for (magnitude, power) in self.block.magnitude.rows().into_iter().zip(self.block.power.rows()) {
                let magnitude = magnitude.to_slice().expect("spectrogram rows are contiguous");
                let power = power.to_slice().expect("spectrogram rows are contiguous");
                self.mel.apply_frame(power, &mut mel_row);
                mel_peak = fold_peak(mel_peak, &mel_row);
                sink.mel_power(&mel_row);
                self.scratch_shape.push(centroid_bandwidth(magnitude, &self.freqs, &mut self.scratch_f32));
                self.contrast.valley_peak_frame(magnitude, &mut valley, &mut peak);
                self.contrast_db.observe(&valley, &peak);
                self.piptrack.add_pitches(magnitude, &mut pitch_sum);
                self.tuning_peaks.add_frame(&self.piptrack, power).map_err(temp_file_error)?;
                self.frames
                    .push_with(|record| _ = put_f64(put_f64(put_f32(record, &mel_row), &valley), &peak))
                    .map_err(temp_file_error)?;
            }
            rolloff_frames(
                self.block.magnitude.view(),
                &self.freqs,
                p.roll_percent,
                &mut self.scratch_rolloff,
                &mut self.scratch_f64,
            );
            for (&(centroid, bandwidth), &rolloff) in self.scratch_shape.iter().zip(&self.scratch_f64) {
                sink.spectral_shape(centroid, bandwidth, rolloff);
            }
        }
        let piptrack_mean = pitch_sum / (n_frames * n_bins) as f64;

        // Pass 2: chroma, with the tuning of the whole recording's peaks. A one-block
        // recording's spectrogram is still at hand; a longer one's is computed again.
        let tuning =
            self.tuning_peaks.tuning(p.chroma.tuning_resolution, p.chroma.n_chroma).map_err(temp_file_error)?;
        let bank = self.chroma_banks.bank(tuning);
        let mut chroma_row = vec![0.0_f32; p.chroma.n_chroma];
        for block in &blocks {
            if blocks.len() > 1 {
                self.plan.compute_frames_into(block_window(signal, block, reach, hop)?, block.clone(), &mut self.block);
            }
            for power in self.block.power.rows() {
                chroma_frame(bank.view(), power.to_slice().expect("spectrogram rows are contiguous"), &mut chroma_row);
                sink.chroma(&chroma_row);
            }
        }

        // Pass 3: the waiting frames, in dB below the recording's peaks: MFCC, onset strength,
        // contrast, and the log-mel image of the first frames (frame by mel here, from the same
        // logarithms as the dB rows; zero past the last frame, as `fix_length` pads).
        let scales = MelDbScales::from_peak(mel_peak, p);
        let mut image_rows = Array2::<f32>::zeros((p.logmel.n_frames, p.mel.n_mels));
        let mut mfcc_row = vec![0.0_f64; p.n_mfcc];
        let mut contrast_row = vec![0.0_f64; n_contrast];
        let mut onset_envelope = vec![0.0_f32; n_frames];
        let (mut now, mut before) = (vec![0.0_f32; p.mel.n_mels], vec![0.0_f32; p.mel.n_mels]);
        let (dct, contrast_db, top_db) = (&self.dct, &mut self.contrast_db, p.top_db);
        let mut t = 0;
        self.frames
            .for_each_record(|record| {
                get_f64(get_f64(get_f32(record, &mut mel_row), &mut valley), &mut peak);
                let image_row = (t < image_rows.nrows()).then(|| image_rows.row_mut(t));
                scales.db_row(&mel_row, &mut now, image_row);
                mfcc_frame(dct.view(), &now, &mut mfcc_row);
                if t > 0 {
                    set_onset_frame(&mut onset_envelope, t, &now, &before, n_fft, hop);
                }
                std::mem::swap(&mut now, &mut before);
                contrast_db.frame(&valley, &peak, Some(top_db), &mut contrast_row);
                sink.mfcc_contrast(&mfcc_row, &contrast_row);
                t += 1;
            })
            .map_err(temp_file_error)?;
        let beats = beat_track(&onset_envelope, sr, hop, p.beat.tightness, p.beat.trim, &mut self.tempo);

        // Time-domain features, on frames of `frame_length`.
        let mut zcr = ZeroCrossingRate::new(p.frame_length, hop);
        for block in &blocks_of(n_centered_frames(n, p.frame_length, hop), self.block_frames) {
            let samples = block_window(signal, block, reach, hop)?;
            zcr.frames(samples, block.clone(), |rate| sink.zcr(rate));
            rms_frames(samples, p.frame_length, hop, block.clone(), &mut self.scratch_f32, |rms| sink.rms(rms));
        }

        // (n_mels, n_frames), as librosa's image.
        let logmel = image_rows.reversed_axes().as_standard_layout().into_owned();
        Ok(Recording { tuning, piptrack_mean, onset_envelope, beats, logmel })
    }
}

/// Frames `0..n_frames` in blocks of `block_frames`.
fn blocks_of(n_frames: usize, block_frames: usize) -> Vec<std::ops::Range<usize>> {
    (0..n_frames).step_by(block_frames).map(|start| start..(start + block_frames).min(n_frames)).collect()
}

/// The window of `signal` that frames `frames` (of at most `reach` samples, every `hop`) read.
fn block_window<'s>(
    signal: &'s mut SignalReader<'_>,
    frames: &std::ops::Range<usize>,
    reach: usize,
    hop: usize,
) -> Result<SignalWindow<'s>, FeaturesError> {
    let signal_len = signal.len();
    let span = SignalWindow::span_of_frames(frames, reach, hop, signal_len);
    let start = span.start;
    let samples = signal.window(span).map_err(temp_file_error)?;
    Ok(SignalWindow { samples, start, signal_len })
}

/// A temporary file (a spill, or the signal's) that could not be written or read.
fn temp_file_error(e: std::io::Error) -> FeaturesError {
    FeaturesError::Spill { dir: std::env::temp_dir(), reason: e.to_string() }
}

/// What [`Extractor::run`] learns only from the whole recording.
struct Recording {
    tuning: f64,
    piptrack_mean: f64,
    onset_envelope: Vec<f32>,
    beats: BeatTrack,
    /// The log-mel image `(n_mels, logmel.n_frames)`.
    logmel: Array2<f32>,
}

/// Where [`Extractor::run`] hands each frame's features. Each method is called once per STFT
/// frame, in frame order (the methods in the order of the passes: mel and shape, chroma, MFCC
/// and contrast), except `zcr` and `rms`, called last, once per frame of their own framing
/// (`frame_length`).
trait FrameSink {
    /// A frame's mel power row.
    fn mel_power(&mut self, row: &[f32]);
    /// A frame's spectral centroid, bandwidth and roll-off, in Hz.
    fn spectral_shape(&mut self, centroid: f64, bandwidth: f64, rolloff: f64);
    /// A frame's chroma.
    fn chroma(&mut self, row: &[f32]);
    /// A frame's MFCCs and spectral contrast (dB).
    fn mfcc_contrast(&mut self, mfcc: &[f64], contrast: &[f64]);
    /// A frame's zero-crossing rate.
    fn zcr(&mut self, rate: f64);
    /// A frame's RMS.
    fn rms(&mut self, rms: f64);
}

/// Every frame's features, row after row: [`Extractor::analyse`].
#[derive(Default)]
struct FrameCollector {
    mel_power: Vec<f32>,
    mfcc: Vec<f64>,
    chroma: Vec<f32>,
    contrast: Vec<f64>,
    centroid: Vec<f64>,
    bandwidth: Vec<f64>,
    rolloff: Vec<f64>,
    zcr: Vec<f64>,
    rms: Vec<f64>,
}

impl FrameSink for FrameCollector {
    fn mel_power(&mut self, row: &[f32]) {
        self.mel_power.extend_from_slice(row);
    }
    fn spectral_shape(&mut self, centroid: f64, bandwidth: f64, rolloff: f64) {
        self.centroid.push(centroid);
        self.bandwidth.push(bandwidth);
        self.rolloff.push(rolloff);
    }
    fn chroma(&mut self, row: &[f32]) {
        self.chroma.extend_from_slice(row);
    }
    fn mfcc_contrast(&mut self, mfcc: &[f64], contrast: &[f64]) {
        self.mfcc.extend_from_slice(mfcc);
        self.contrast.extend_from_slice(contrast);
    }
    fn zcr(&mut self, rate: f64) {
        self.zcr.push(rate);
    }
    fn rms(&mut self, rms: f64) {
        self.rms.push(rms);
    }
}

/// A running mean, summed in frame order from −0.0 as `Iterator::sum` does (the order and
/// the zero the feature cache's earlier means were computed with, so its bits are kept).
#[derive(Debug, Clone, Copy)]
struct RunningMean {
    sum: f64,
    n: usize,
}

impl Default for RunningMean {
    fn default() -> Self {
        Self { sum: -0.0, n: 0 }
    }
}

impl RunningMean {
    fn add(&mut self, value: f64) {
        self.sum += value;
        self.n += 1;
    }

    /// The mean; NaN when nothing was added (`np.mean` of nothing).
    fn mean(&self) -> f64 {
        if self.n == 0 {
            f64::NAN
        } else {
            self.sum / self.n as f64
        }
    }
}

/// A column's running mean as ndarray's `sum() / len` took it over an `(n_frames, width)`
/// matrix (the MFCC and contrast means, before frames were streamed): summed in order from
/// +0.0 for a strided column (width ≥ 2), and for a contiguous one (width 1) as ndarray's
/// `unrolled_fold` sums a slice: eight partial sums over whole chunks of eight values,
/// combined pairwise, then the rest in order.
#[derive(Debug, Clone)]
enum ColumnMean {
    InOrder(RunningMean),
    EightLanes {
        lanes: [f64; 8],
        /// The values of the chunk being filled.
        chunk: [f64; 8],
        n: usize,
    },
}

impl ColumnMean {
    fn new(width: usize) -> Self {
        if width == 1 {
            Self::EightLanes { lanes: [0.0; 8], chunk: [0.0; 8], n: 0 }
        } else {
            Self::InOrder(RunningMean { sum: 0.0, n: 0 })
        }
    }

    fn add(&mut self, value: f64) {
        match self {
            Self::InOrder(mean) => mean.add(value),
            Self::EightLanes { lanes, chunk, n } => {
                chunk[*n % 8] = value;
                *n += 1;
                if *n % 8 == 0 {
                    for (lane, &v) in lanes.iter_mut().zip(chunk.iter()) {
                        *lane += v;
                    }
                }
            }
        }
    }

    /// The mean; NaN when nothing was added.
    fn mean(&self) -> f64 {
        match self {
            Self::InOrder(mean) => mean.mean(),
            Self::EightLanes { n: 0, .. } => f64::NAN,
            Self::EightLanes { lanes, chunk, n } => {
                let mut sum = 0.0;
                for j in 0..4 {
                    sum += lanes[j] + lanes[j + 4];
                }
                for &v in &chunk[..*n % 8] {
                    sum += v;
                }
                sum / *n as f64
            }
        }
    }
}

/// The running means of every per-frame feature, and the mel rows of the log-mel image's
/// frames: what [`Extractor::extract`] needs, in memory that does not grow with the recording.
struct FrameMeans {
    mfcc: Vec<ColumnMean>,
    chroma: Vec<RunningMean>,
    contrast: Vec<ColumnMean>,
    centroid: RunningMean,
    bandwidth: RunningMean,
    rolloff: RunningMean,
    zcr: RunningMean,
    rms: RunningMean,
}

impl FrameMeans {
    fn new(p: &FeatureParams) -> Self {
        // The MFCC and contrast columns were summed by ndarray, the rest by `Iterator::sum`.
        let columns = |width: usize| vec![ColumnMean::new(width); width];
        Self {
            mfcc: columns(p.n_mfcc),
            chroma: vec![RunningMean::default(); p.chroma.n_chroma],
            contrast: columns(p.contrast.n_bands + 1),
            centroid: RunningMean::default(),
            bandwidth: RunningMean::default(),
            rolloff: RunningMean::default(),
            zcr: RunningMean::default(),
            rms: RunningMean::default(),
        }
    }

    /// The `seed45` vector (means over frames, in [`crate::features::SEED45_NAMES`] order).
    fn seed45(&self, piptrack_mean: f64) -> Vec<f64> {
        let mut v = Vec::with_capacity(45);
        v.extend(self.mfcc.iter().map(ColumnMean::mean));
        v.push(self.centroid.mean());
        v.extend(self.chroma.iter().map(RunningMean::mean));
        v.extend(self.contrast.iter().map(ColumnMean::mean));
        v.extend([self.zcr.mean(), self.bandwidth.mean(), self.rolloff.mean(), self.rms.mean(), piptrack_mean]);
        v
    }
}

impl FrameSink for FrameMeans {
    /// No mean of mel power is kept (the log-mel image is made in [`Extractor::run`]).
    fn mel_power(&mut self, _row: &[f32]) {}
    fn spectral_shape(&mut self, centroid: f64, bandwidth: f64, rolloff: f64) {
        self.centroid.add(centroid);
        self.bandwidth.add(bandwidth);
        self.rolloff.add(rolloff);
    }
    fn chroma(&mut self, row: &[f32]) {
        for (m, &v) in self.chroma.iter_mut().zip(row) {
            m.add(f64::from(v));
        }
    }
    fn mfcc_contrast(&mut self, mfcc: &[f64], contrast: &[f64]) {
        for (m, &v) in self.mfcc.iter_mut().zip(mfcc).chain(self.contrast.iter_mut().zip(contrast)) {
            m.add(v);
        }
    }
    fn zcr(&mut self, rate: f64) {
        self.zcr.add(rate);
    }
    fn rms(&mut self, rms: f64) {
        self.rms.add(rms);
    }
}

/// The largest of `peak` and `row`'s values (`np.max` of non-negative values, NaN skipped).
fn fold_peak(peak: f32, row: &[f32]) -> f32 {
    row.iter().fold(peak, |m, &v| if v > m { v } else { m })
}

/// The log-mel image of a mel power spectrogram `(n_frames, n_mels)`: dB relative to the
/// maximum (per `params.logmel.scale`, `top_db` applied), transposed to `(n_mels, frames)` and
/// cut or padded with 0.0 to `params.logmel.n_frames` frames (`librosa.util.fix_length`).
/// This follows librosa's order of operations (squaring in float32 first); the image
/// [`Extractor::extract`] makes, from one `log10` per value, agrees with it within ~1e-5 dB.
#[must_use]
pub fn logmel_image(mel_power: ArrayView2<f32>, params: &FeatureParams) -> Array2<f32> {
    let mut db = mel_power.to_owned();
    let values = db.as_slice_mut().expect("an owned copy is in standard layout");
    match params.logmel.scale {
        LogMelScale::SeedFaithful => amplitude_to_db_f32(values, DbRef::Max, AMPLITUDE_AMIN, Some(params.top_db)),
        LogMelScale::PowerToDb => power_to_db_f32(values, DbRef::Max, POWER_AMIN, Some(params.top_db)),
    }
    let n_keep = params.logmel.n_frames;
    let mut out = Array2::<f32>::zeros((db.ncols(), n_keep));
    for (t, row) in db.rows().into_iter().take(n_keep).enumerate() {
        out.column_mut(t).assign(&row);
    }
    out
}

/// The two dB scales of one recording's mel power spectrogram, both fixed by its peak:
/// `power_to_db(S)` (ref 1, what MFCC and onset strength take) and the log-mel image's dB
/// relative to the peak (per `logmel.scale`), each clipped `top_db` below its own peak.
///
/// One formula per scale: with `L = log10(max(S, 1e-10))`, `power_to_db = 10·L`, the
/// seed-faithful `amplitude_to_db(S) = 20·max(L, −5) − 20·max(log10(max S), −5)` and
/// `power_to_db(ref=max) = 10·L − 10·log10(max S)`. Both are monotone in `S`, so each scale's
/// peak is its value at the spectrogram's peak, and frames can be converted one at a time
/// once the peak is known. Agrees with [`logmel_image`] (which squares in float32 first, as
/// librosa) within ~1e-5 dB.
struct MelDbScales {
    /// 20 (amplitude) or 10 (power) dB per decade.
    scale: f64,
    /// `log10(amin)` of the image's conversion.
    floor_log: f64,
    /// The image's reference: its conversion of the peak before subtracting it.
    offset: f64,
    /// `power_to_db`'s floor, `top_db` below the peak's value.
    db_floor: f32,
    /// The image's floor, `top_db` below the peak's value (0 dB).
    image_floor: f32,
}

impl MelDbScales {
    /// The scales of a recording whose largest mel power value is `peak` ([`fold_peak`]).
    fn from_peak(peak: f32, params: &FeatureParams) -> Self {
        // amplitude_to_db: 20·log10 with amin 1e-5 on the amplitude (= amin² 1e-10 on its
        // square); power_to_db: 10·log10 with amin 1e-10. The reference goes through the same
        // formula as the values, so the peak is exactly 0 dB (librosa: 10·log10 of the float32
        // squared peak, within 3e-7 dB of it).
        let (scale, floor_log) = match params.logmel.scale {
            LogMelScale::SeedFaithful => (20.0, AMPLITUDE_AMIN.log10()),
            LogMelScale::PowerToDb => (10.0, POWER_AMIN.log10()),
        };
        let peak_log = log10_power(peak);
        let offset = scale * peak_log.max(floor_log);
        let mut scales = Self { scale, floor_log, offset, db_floor: f32::NEG_INFINITY, image_floor: f32::NEG_INFINITY };
        scales.db_floor = (f64::from(Self::db(peak_log)) - params.top_db) as f32;
        scales.image_floor = (f64::from(scales.image_value(peak_log)) - params.top_db) as f32;
        scales
    }

    /// `power_to_db` of a value whose [`log10_power`] is `log`, before the floor.
    fn db(log: f64) -> f32 {
        (10.0 * log) as f32
    }

    /// The image's dB of a value whose [`log10_power`] is `log`, before the floor.
    fn image_value(&self, log: f64) -> f32 {
        (self.scale * log.max(self.floor_log) - self.offset) as f32
    }

    /// One frame's `power_to_db`, floored, into `db`, and, given its row of the image, the
    /// image's dB too: one `log10` per value serves both.
    fn db_row(&self, power: &[f32], db: &mut [f32], image: Option<ArrayViewMut1<f32>>) {
        match image {
            Some(mut image) => {
                for ((d, i), &s) in db.iter_mut().zip(image.iter_mut()).zip(power) {
                    let log = log10_power(s);
                    *d = Self::db(log).max(self.db_floor);
                    *i = self.image_value(log).max(self.image_floor);
                }
            }
            None => {
                for (d, &s) in db.iter_mut().zip(power) {
                    *d = Self::db(log10_power(s)).max(self.db_floor);
                }
            }
        }
    }
}

/// `log10(max(s, amin))` with `power_to_db`'s `amin`, in f64.
fn log10_power(s: f32) -> f64 {
    f64::from(s).max(POWER_AMIN).log10()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::LogMelParams;

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

    /// The dB rows and the log-mel image `(n_mels, n_keep)` of a whole mel power spectrogram,
    /// row by row through [`MelDbScales::db_row`] as [`Extractor::run`] converts them.
    fn db_rows_and_image(scales: &MelDbScales, mel: ArrayView2<f32>, n_keep: usize) -> (Array2<f32>, Array2<f32>) {
        let mut db = Array2::<f32>::zeros(mel.dim());
        let mut image = Array2::<f32>::zeros((mel.ncols(), n_keep));
        for (t, (row, mut out)) in mel.rows().into_iter().zip(db.rows_mut()).enumerate() {
            let image_row = (t < n_keep).then(|| image.column_mut(t));
            scales.db_row(
                row.to_slice().expect("standard layout"),
                out.as_slice_mut().expect("standard layout"),
                image_row,
            );
        }
        (db, image)
    }

    /// A mel-like power spectrogram spanning 14 decades.
    fn decades(n_frames: usize) -> Array2<f32> {
        Array2::from_shape_fn((n_frames, 128), |(t, m)| {
            let x = ((t * 131 + m * 71) % 1000) as f32 / 1000.0;
            10f32.powf(-14.0 * x)
        })
    }

    #[test]
    fn shared_log10_matches_the_librosa_order_of_operations() {
        let mel = decades(40);
        for scale in [LogMelScale::SeedFaithful, LogMelScale::PowerToDb] {
            let p =
                FeatureParams { logmel: LogMelParams { scale, ..LogMelParams::default() }, ..FeatureParams::default() };
            let scales = MelDbScales::from_peak(fold_peak(0.0, mel.as_slice().expect("owned")), &p);
            let (db, got_image) = db_rows_and_image(&scales, mel.view(), 128);
            let mut want_db = mel.clone();
            power_to_db_f32(want_db.as_slice_mut().expect("owned"), DbRef::Value(1.0), POWER_AMIN, Some(80.0));
            assert_eq!(db, want_db);
            let want_image = logmel_image(mel.view(), &p);
            let worst = got_image.iter().zip(&want_image).map(|(a, b)| (a - b).abs()).fold(0.0_f32, f32::max);
            assert!(worst < 1e-4, "{scale:?}: {worst}");
        }
    }

    #[test]
    fn floors_from_the_peak_equal_floors_from_every_value() {
        // The floors are taken from the peak's converted value; converting every value first
        // and taking the largest (what librosa does) must give the same floors.
        let mel = decades(300);
        for scale in [LogMelScale::SeedFaithful, LogMelScale::PowerToDb] {
            let p =
                FeatureParams { logmel: LogMelParams { scale, ..LogMelParams::default() }, ..FeatureParams::default() };
            let scales = MelDbScales::from_peak(fold_peak(0.0, mel.as_slice().expect("owned")), &p);
            let db_peak = mel.iter().map(|&s| MelDbScales::db(log10_power(s))).fold(f32::NEG_INFINITY, f32::max);
            let image_peak = mel.iter().map(|&s| scales.image_value(log10_power(s))).fold(f32::NEG_INFINITY, f32::max);
            assert_eq!(scales.db_floor, (f64::from(db_peak) - p.top_db) as f32);
            assert_eq!(scales.image_floor, (f64::from(image_peak) - p.top_db) as f32);
            assert_eq!(image_peak, 0.0);
        }
    }

    #[test]
    fn block_size_and_spilling_do_not_change_a_single_bit() {
        // 19 s: 819 frames, so blocks of 1, 7 and 256 frames all cross many boundaries, and
        // chroma's second pass recomputes every block. Spills of one record, of a few and of
        // all of them read the per-frame values back from disk, partly, or not at all.
        let x: Vec<f32> = tone(22_050 * 19)
            .iter()
            .enumerate()
            .map(|(i, &v)| v * (1.0 + 0.5 * ((i / 9_000) % 3) as f32) + 1e-3 * ((i * 7_919 % 113) as f32 / 113.0))
            .collect();
        let mut whole = Extractor::new(FeatureParams::default()).expect("defaults are valid");
        let want_frames = whole.analyse(&x, 22_050).expect("valid input");
        let want = whole.extract(&x, 22_050).expect("valid input");
        assert_eq!(want_frames.mfcc.nrows(), 819);
        assert!(want_frames.mfcc.nrows() < BLOCK_FRAMES, "the reference is one block");
        assert!(!whole.frames.is_on_disk(), "the reference holds its frames in memory");
        // The signal itself, read a window at a time from a temporary file.
        let mut builder = crate::audio::signal::SignalBuilder::new(1 << 16);
        builder.push(&x).expect("push");
        let on_disk = builder.finish().expect("finish");
        assert!(!on_disk.is_in_memory());
        for (block_frames, spill_bytes) in [(1, 1), (7, 1 << 20), (256, 50_000), (BLOCK_FRAMES, 1)] {
            let mut blocks = whole.clone();
            blocks.block_frames = block_frames;
            blocks.frames = blocks.frames.with_memory_limit(spill_bytes);
            blocks.tuning_peaks = TuningPeaks::with_memory_limit(spill_bytes);
            let frames = blocks.analyse(&x, 22_050).expect("valid input");
            let case = format!("{block_frames} frames a block, spills of {spill_bytes} bytes");
            assert_eq!(blocks.frames.is_on_disk(), spill_bytes < 819 * 624, "{case}");
            assert_eq!(frames, want_frames, "{case}");
            assert_eq!(blocks.extract(&x, 22_050).expect("valid input"), want, "{case}");
            assert_eq!(blocks.analyse(&on_disk, 22_050).expect("valid input"), want_frames, "{case}, signal on disk");
            assert_eq!(blocks.extract(&on_disk, 22_050).expect("valid input"), want, "{case}, signal on disk");
        }
        // A signal on disk is trimmed and quantised as it is read.
        let mut trimmed = on_disk;
        trimmed.keep(1_000..x.len() - 3_000);
        trimmed.quantize_pcm16();
        let quantised = crate::audio::quantize_pcm16(&x[1_000..x.len() - 3_000]);
        assert_eq!(whole.extract(&trimmed, 22_050), whole.extract(&quantised, 22_050));
    }

    #[test]
    fn extract_keeps_the_bits_of_the_means_over_whole_matrices() {
        // Before the frames were streamed, the recipes were means over analyse's matrices:
        // ndarray's column sums and `Iterator::sum`. extract must give those bits, so the
        // feature cache and every published run stay valid.
        // One MFCC makes a contiguous column, which ndarray summed in eight lanes.
        let x: Vec<f32> =
            tone(22_050 * 7).iter().enumerate().map(|(i, &v)| v * ((i % 5_000) as f32 / 5_000.0)).collect();
        for n_mfcc in [20, 1] {
            means_match_whole_matrices(&x, FeatureParams { n_mfcc, ..FeatureParams::default() });
        }
    }

    fn means_match_whole_matrices(x: &[f32], params: FeatureParams) {
        let mut e = Extractor::new(params).expect("valid params");
        let f = e.analyse(x, 22_050).expect("valid input");
        let columns =
            |a: ArrayView2<f64>| a.columns().into_iter().map(|c| c.sum() / c.len() as f64).collect::<Vec<_>>();
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        let mut want = columns(f.mfcc.view());
        want.push(mean(&f.centroid));
        want.extend(
            f.chroma.columns().into_iter().map(|c| c.iter().map(|&v| f64::from(v)).sum::<f64>() / c.len() as f64),
        );
        want.extend(columns(f.contrast.view()));
        want.extend([mean(&f.zcr), mean(&f.bandwidth), mean(&f.rolloff), mean(&f.rms), f.piptrack_mean]);
        let got = e.extract(x, 22_050).expect("valid input");
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&got.seed45), bits(&want));
        assert_eq!(got.descriptive.zcr_mean.to_bits(), mean(&f.zcr).to_bits());
        let scales = MelDbScales::from_peak(fold_peak(0.0, f.mel_power.as_slice().expect("owned")), &e.params);
        assert_eq!(got.logmel, db_rows_and_image(&scales, f.mel_power.view(), 128).1);
    }

    #[test]
    fn long_input_is_cut_to_128_frames() {
        let mut e = Extractor::new(FeatureParams::default()).expect("defaults are valid");
        let f = e.extract(&tone(512 * 200), 22_050).expect("valid input");
        assert_eq!(f.logmel.dim(), (128, 128));
        assert!(f.logmel.iter().all(|&v| (-80.0..=0.0).contains(&v)));
    }
}

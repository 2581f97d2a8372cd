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
pub mod memory;
pub mod mp4;
pub mod pcm16;
pub mod resample;
pub mod signal;
pub mod trim;

use std::io::{Cursor, Seek, SeekFrom};
use std::path::Path;

use serde::{Deserialize, Serialize};

use decode::TrackHeader;
pub use decode::{decode_bytes, DecodedAudio};
pub use error::{AudioError, PreprocessParamsError};
pub use memory::{MemoryBudget, BUDGET_ENV};
pub use pcm16::{from_pcm16, pcm16_round_trip, quantize_pcm16, to_pcm16, write_pcm16_wav};
use signal::SignalBuilder;
pub use signal::{Signal, SignalReader, SIGNAL_MEMORY_BYTES};
pub use trim::{trim_bounds, TrimBounds};

/// File extensions (lower case) that are treated as media inputs; anything else is ignored.
pub const MEDIA_EXTENSIONS: [&str; 7] = ["mp4", "mov", "m4a", "wav", "flac", "mp3", "ogg"];

/// How a decoded file becomes the signal the features see (DESIGN §2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
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
#[derive(Debug)]
pub struct ProcessedAudio {
    /// Mono samples at `sample_rate_hz`, trimmed and (by default) PCM16-quantised; in a
    /// temporary file when long (see [`signal`]).
    pub samples: Signal,
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

/// Thousandths of a byte the audio stage holds per output sample at its peak, beyond the
/// signal's in-memory part (at most [`SIGNAL_MEMORY_BYTES`]; see [`estimated_peak_bytes`]):
/// trim's RMS envelope, 8 bytes per 512-sample hop (15.6 thousandths).
pub const AUDIO_MILLIBYTES_PER_SAMPLE: u64 = 16;

/// Memory a file needs whatever its length: decoder and resampler state, packet buffers,
/// an MP4 `moov` box, a window of a signal kept on disk (4 MB), the features stage's block of
/// spectrogram frames (17 MB at the defaults) and the in-memory part of its spills (15 MB),
/// and allocator slack.
pub const FIXED_BYTES_PER_FILE: u64 = 64 << 20;

/// What a caller of [`preprocess_file`] holds per output sample once preprocessing is done,
/// in thousandths of a byte, for the memory budget ([`estimated_peak_bytes`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Downstream {
    /// In memory (the features stage's onset envelope and beat tracking; 4000 for a caller
    /// that reads the whole signal into memory).
    pub memory_millibytes_per_sample: u64,
    /// In temporary files (the features stage's spills), which cost memory too when
    /// `TMPDIR` is in memory ([`MemoryBudget::temp_files_in_memory`]).
    pub temp_file_millibytes_per_sample: u64,
}

impl Downstream {
    /// A caller that keeps nothing per sample (`ingest` writes the signal out as it goes).
    pub const NOTHING: Self = Self { memory_millibytes_per_sample: 0, temp_file_millibytes_per_sample: 0 };

    /// `millibytes` a sample in memory, none in temporary files.
    #[must_use]
    pub const fn in_memory(millibytes: u64) -> Self {
        Self { memory_millibytes_per_sample: millibytes, temp_file_millibytes_per_sample: 0 }
    }
}

/// The estimated peak memory of preprocessing `n_out` output samples for a caller that then
/// holds `downstream`, in bytes: [`FIXED_BYTES_PER_FILE`], the signal's in-memory part (4
/// bytes a sample up to [`SIGNAL_MEMORY_BYTES`], a buffer kept until the signal is finished)
/// and what grows with the length. With `temp_files_in_memory` (a tmpfs `TMPDIR`), the
/// temporary file a longer signal moves to (all of it, 4 bytes a sample) and the caller's
/// temporary files count as well.
#[must_use]
pub fn estimated_peak_bytes(n_out: u64, downstream: Downstream, temp_files_in_memory: bool) -> u64 {
    let signal = n_out.saturating_mul(4);
    let buffer = signal.min(SIGNAL_MEMORY_BYTES as u64);
    let signal_file = if temp_files_in_memory && signal > buffer { signal } else { 0 };
    let temp_files = if temp_files_in_memory { downstream.temp_file_millibytes_per_sample } else { 0 };
    let per_sample =
        AUDIO_MILLIBYTES_PER_SAMPLE.saturating_add(downstream.memory_millibytes_per_sample).saturating_add(temp_files);
    n_out
        .saturating_mul(per_sample)
        .div_ceil(1000)
        .saturating_add(buffer)
        .saturating_add(signal_file)
        .saturating_add(FIXED_BYTES_PER_FILE)
}

/// Decodes and preprocesses one media file held in memory (`path` names it in errors).
///
/// Steps, as `ref_features.py`: decode → average channels → resample (soxr HQ) → trim
/// (`top_db`) → PCM16 quantisation. Audio that is entirely zero is rejected: it has no
/// non-silent part to analyse. Same result as [`preprocess_file`]; the memory budget is the
/// default one ([`MemoryBudget::from_system`] over rayon's thread count).
pub fn preprocess(path: &Path, bytes: Vec<u8>, params: &PreprocessParams) -> Result<ProcessedAudio, AudioError> {
    if bytes.is_empty() {
        return Err(AudioError::Empty { path: path.to_path_buf() });
    }
    let edit = mp4::audio_edit(&bytes);
    let budget = MemoryBudget::from_system(rayon::current_num_threads());
    preprocess_source(
        path,
        Box::new(Cursor::new(bytes)),
        edit,
        params,
        &budget,
        Downstream::NOTHING,
        SIGNAL_MEMORY_BYTES,
    )
}

/// Decodes and preprocesses one media file, streaming it from disk, within a memory budget.
///
/// Same steps and same samples, bit for bit, as [`preprocess`], but the file is read through
/// a buffered stream and each decoded packet is mixed down and resampled at once, so neither
/// the file nor its full-rate signal is ever held whole, and a long resampled signal goes to
/// a temporary file (see [`signal`] and [`estimated_peak_bytes`]).
/// `downstream` is what the caller will hold per output sample afterwards (the features
/// stage); it enters the budget check, which refuses a file whose declared length would not
/// fit ([`AudioError::OverBudget`]) before decoding it, and stops one whose signal outgrows
/// the budget while decoding ([`AudioError::OverBudgetWhileDecoding`]).
pub fn preprocess_file(
    path: &Path,
    params: &PreprocessParams,
    budget: &MemoryBudget,
    downstream: Downstream,
) -> Result<ProcessedAudio, AudioError> {
    let io_error = |source| AudioError::Io { path: path.to_path_buf(), source };
    let mut file = std::fs::File::open(path).map_err(io_error)?;
    if file.metadata().map_err(io_error)?.len() == 0 {
        return Err(AudioError::Empty { path: path.to_path_buf() });
    }
    let edit = mp4::audio_edit_from_reader(&mut file).map_err(io_error)?;
    file.seek(SeekFrom::Start(0)).map_err(io_error)?;
    preprocess_source(path, Box::new(file), edit, params, budget, downstream, SIGNAL_MEMORY_BYTES)
}

/// The shared body of [`preprocess`] and [`preprocess_file`], holding at most
/// `signal_memory_bytes` of the signal in memory ([`SIGNAL_MEMORY_BYTES`]; smaller in tests,
/// to send a short file's signal to disk).
fn preprocess_source(
    path: &Path,
    source: Box<dyn symphonia::core::io::MediaSource>,
    edit: Option<mp4::AudioEdit>,
    params: &PreprocessParams,
    budget: &MemoryBudget,
    downstream: Downstream,
    signal_memory_bytes: usize,
) -> Result<ProcessedAudio, AudioError> {
    let to_hz = params.sample_rate_hz;
    let oom = |bytes: u64| AudioError::OutOfMemory { path: path.to_path_buf(), what: "the resampled signal", bytes };
    let spill_error = |e: std::io::Error| AudioError::Spill {
        path: path.to_path_buf(),
        dir: std::env::temp_dir(),
        reason: e.to_string(),
    };
    let need = |n_out: u64| estimated_peak_bytes(n_out, downstream, budget.temp_files_in_memory);
    let mut out = SignalBuilder::new(signal_memory_bytes);
    let mut resampler: Option<(u32, resample::StreamResampler)> = None;
    let resample_error =
        |from_hz: u32, reason: String| AudioError::Resample { path: path.to_path_buf(), from_hz, to_hz, reason };

    // The declared length, in output samples, to reserve before the first chunk.
    let declared_out = std::cell::Cell::new(0usize);
    let mut on_header = |header: &TrackHeader| {
        let (Some(frames), Some(from_hz)) = (header.declared_frames, header.sample_rate_hz) else {
            return Ok(()); // Unknown length: checked as the signal grows.
        };
        let n_out = resample::resampled_len(frames, from_hz, to_hz);
        if need(n_out) > budget.per_file_bytes {
            return Err(AudioError::OverBudget {
                path: path.to_path_buf(),
                duration_s: frames as f64 / f64::from(from_hz),
                need_bytes: need(n_out),
                budget_bytes: budget.per_file_bytes,
                origin: budget.origin.clone(),
            });
        }
        declared_out.set(usize::try_from(n_out).map_err(|_| oom(n_out.saturating_mul(4)))?);
        Ok(())
    };
    let append = |out: &mut SignalBuilder, chunk: &[f32]| -> Result<(), AudioError> {
        let wanted = (out.len() + chunk.len()) as u64;
        if need(wanted) > budget.per_file_bytes {
            return Err(AudioError::OverBudgetWhileDecoding {
                path: path.to_path_buf(),
                duration_s: out.len() as f64 / f64::from(to_hz),
                need_bytes: need(wanted),
                budget_bytes: budget.per_file_bytes,
                origin: budget.origin.clone(),
            });
        }
        out.push(chunk).map_err(spill_error)
    };
    let mut on_samples = |from_hz: u32, chunk: &[f32]| {
        if out.len() == 0 && declared_out.get() > 0 {
            let n = declared_out.get();
            out.try_reserve(n).map_err(|_| oom(n as u64 * 4))?;
        }
        let r = match &mut resampler {
            Some((_, r)) => r,
            None => {
                let r = resample::StreamResampler::new(from_hz, to_hz).map_err(|e| resample_error(from_hz, e))?;
                &mut resampler.insert((from_hz, r)).1
            }
        };
        let produced = r.process(chunk).map_err(|e| resample_error(from_hz, e))?;
        append(&mut out, produced)
    };
    let summary = decode::decode_stream(path, source, edit, &mut on_header, &mut on_samples)?;
    if let Some((from_hz, r)) = &mut resampler {
        let from_hz = *from_hz;
        let tail = r.finish().map_err(|e| resample_error(from_hz, e))?;
        append(&mut out, tail)?;
    }
    drop(resampler);
    // librosa's fix_length: cut or zero-pad libsoxr's output to ceil(len · to / from).
    let n_out = resample::resampled_len(summary.n_frames, summary.sample_rate_hz, to_hz);
    let n_out = usize::try_from(n_out).map_err(|_| oom(n_out.saturating_mul(4)))?;
    out.resize(n_out).map_err(spill_error)?;
    let mut signal = out.finish().map_err(spill_error)?;

    if signal.reader().find(|x| x != 0.0).map_err(spill_error)?.is_none() {
        return Err(AudioError::AllSilent { path: path.to_path_buf() });
    }
    let raw_duration_s = signal.len() as f64 / f64::from(to_hz);
    let trim = if params.trim {
        trim_bounds(&mut signal.reader(), params.trim_top_db).map_err(spill_error)?
    } else {
        TrimBounds { start: 0, end: signal.len() }
    };
    signal.keep(trim.start..trim.end);
    if params.pcm16 {
        signal.quantize_pcm16();
    }
    Ok(ProcessedAudio {
        samples: signal,
        sample_rate_hz: to_hz,
        source_sample_rate_hz: summary.sample_rate_hz,
        source_channels: summary.n_channels,
        raw_duration_s,
        trim,
    })
}

/// Reads, preprocesses and writes one file as 16-bit WAV at `output`.
///
/// The WAV is written to a temporary file beside `output` and renamed into place only when
/// complete, so a failed or interrupted input never leaves a partial output behind. The input
/// is streamed from disk ([`preprocess_file`]) within the default memory budget
/// ([`MemoryBudget::from_system`] over rayon's thread count).
pub fn ingest_file(input: &Path, output: &Path, params: &PreprocessParams) -> Result<ProcessedAudio, AudioError> {
    let budget = MemoryBudget::from_system(rayon::current_num_threads());
    let processed = preprocess_file(input, params, &budget, Downstream::NOTHING)?;
    let write = |file: &mut std::fs::File| {
        write_pcm16_wav(std::io::BufWriter::new(file), &mut processed.samples.reader(), processed.sample_rate_hz)
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

    /// Writes `seconds` of a 22 050 Hz mono 16-bit tone; with `streaming`, the RIFF and data
    /// chunk sizes are u32::MAX, which WAV writers use for "length unknown" (nothing declared).
    fn tone_wav(dir: &Path, seconds: u32, streaming: bool) -> std::path::PathBuf {
        let path = dir.join(if streaming { "streaming.wav" } else { "tone.wav" });
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: 22_050,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut w = hound::WavWriter::create(&path, spec).expect("create");
        for i in 0..22_050 * seconds {
            w.write_sample(((i as f32 * 0.06).sin() * 8000.0) as i16).expect("sample");
        }
        w.finalize().expect("finalize");
        if streaming {
            let mut bytes = std::fs::read(&path).expect("read");
            bytes[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
            bytes[40..44].copy_from_slice(&u32::MAX.to_le_bytes());
            std::fs::write(&path, bytes).expect("write");
        }
        path
    }

    fn budget(bytes: u64) -> MemoryBudget {
        MemoryBudget::fixed(bytes, "test")
    }

    /// A caller holding 0.024 bytes a sample in memory and 1 in temporary files.
    const DOWNSTREAM: Downstream =
        Downstream { memory_millibytes_per_sample: 24, temp_file_millibytes_per_sample: 1000 };

    #[test]
    fn a_file_whose_declared_length_is_over_budget_is_refused_up_front() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = tone_wav(dir.path(), 60, false);
        let need = estimated_peak_bytes(60 * 22_050, DOWNSTREAM, false);
        let err =
            preprocess_file(&path, &PreprocessParams::default(), &budget(need - 1), DOWNSTREAM).expect_err("over");
        assert!(matches!(err, AudioError::OverBudget { need_bytes, .. } if need_bytes == need), "{err}");
        assert!(
            err.to_string().contains("1 min 0 s of audio needs about 72 MB; the budget per file is 72 MB (test)"),
            "{err}"
        );
        let ok = preprocess_file(&path, &PreprocessParams::default(), &budget(need), DOWNSTREAM).expect("fits");
        assert_eq!(ok.raw_duration_s, 60.0);
    }

    #[test]
    fn a_signal_in_a_temporary_file_counts_when_temporary_files_are_in_memory() {
        let dir = tempfile::tempdir().expect("tempdir");
        // 200 s at 22 050 Hz: 17.6 MB of signal, past the 16 MiB kept in memory.
        let path = tone_wav(dir.path(), 200, false);
        let n = 200 * 22_050;
        let on_disk = estimated_peak_bytes(n, DOWNSTREAM, false);
        let in_memory = estimated_peak_bytes(n, DOWNSTREAM, true);
        // The signal's file (all of it, beside the buffer) and the caller's temporary files
        // (1 byte a sample) count.
        assert_eq!(in_memory - on_disk, 4 * n + n);
        // A signal within its buffer never moves to a file; only the caller's files count.
        assert_eq!(
            estimated_peak_bytes(1000, Downstream::NOTHING, true),
            estimated_peak_bytes(1000, Downstream::NOTHING, false)
        );

        let params = PreprocessParams::default();
        preprocess_file(&path, &params, &budget(on_disk), DOWNSTREAM).expect("fits with TMPDIR on a disk");
        let tmpfs = budget(on_disk).with_temp_files_in_memory("TMPDIR /x is a tmpfs");
        let err = preprocess_file(&path, &params, &tmpfs, DOWNSTREAM).expect_err("over with TMPDIR in memory");
        assert!(matches!(err, AudioError::OverBudget { need_bytes, .. } if need_bytes == in_memory), "{err}");
        assert!(err.to_string().contains("(test; temporary files count too: TMPDIR /x is a tmpfs)"), "{err}");
    }

    #[test]
    fn a_file_of_unknown_length_is_stopped_when_it_outgrows_the_budget() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = tone_wav(dir.path(), 60, true);
        // Room for about 30 s: the header says nothing, so decoding starts and is then stopped.
        let err = preprocess_file(
            &path,
            &PreprocessParams::default(),
            &budget(estimated_peak_bytes(30 * 22_050, DOWNSTREAM, false)),
            DOWNSTREAM,
        )
        .expect_err("over");
        assert!(
            matches!(err, AudioError::OverBudgetWhileDecoding { duration_s, .. } if duration_s > 20.0 && duration_s <= 30.0),
            "{err}"
        );
        assert!(err.to_string().contains("stopped decoding after"), "{err}");
        // With room, decoding runs to the end of the file (where symphonia's reader of a WAV of
        // unknown length hits end-of-file, which this decoder has always reported as cut short).
        let err = preprocess_file(&path, &PreprocessParams::default(), &MemoryBudget::unlimited(), DOWNSTREAM)
            .expect_err("no declared end");
        assert!(matches!(err, AudioError::Corrupt { .. }), "{err}");
    }

    #[test]
    fn streaming_from_disk_gives_what_preprocess_of_bytes_gives() {
        let good = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/audio/good");
        for name in ["speech_48000_s16.wav", "speech_44100_aac.m4a", "speech_video.mp4", "sub/speech_44100_mp3.mp3"] {
            let path = good.join(name);
            let bytes = std::fs::read(&path).expect("fixture");
            let from_bytes = preprocess(&path, bytes, &PreprocessParams::default()).expect("bytes");
            let from_file =
                preprocess_file(&path, &PreprocessParams::default(), &MemoryBudget::unlimited(), Downstream::NOTHING)
                    .expect("file");
            assert_same(&from_bytes, &from_file, name);
        }
    }

    fn assert_same(a: &ProcessedAudio, b: &ProcessedAudio, name: &str) {
        assert_eq!(a.samples.to_vec().expect("read"), b.samples.to_vec().expect("read"), "{name}");
        assert_eq!(
            (a.sample_rate_hz, a.source_sample_rate_hz, a.source_channels, a.raw_duration_s, a.trim),
            (b.sample_rate_hz, b.source_sample_rate_hz, b.source_channels, b.raw_duration_s, b.trim),
            "{name}"
        );
    }

    #[test]
    fn a_signal_sent_to_a_temporary_file_is_the_signal_kept_in_memory() {
        let good = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/audio/good");
        for name in ["speech_48000_s16.wav", "speech_44100_flac.flac"] {
            let path = good.join(name);
            for (trim, pcm16) in [(true, true), (false, true), (true, false)] {
                let params = PreprocessParams { trim, pcm16, ..Default::default() };
                let run = |memory: usize| {
                    let file = std::fs::File::open(&path).expect("fixture");
                    preprocess_source(
                        &path,
                        Box::new(file),
                        None,
                        &params,
                        &MemoryBudget::unlimited(),
                        Downstream::NOTHING,
                        memory,
                    )
                    .expect("preprocess")
                };
                let (in_memory, on_disk) = (run(SIGNAL_MEMORY_BYTES), run(4_000));
                assert!(in_memory.samples.is_in_memory() && !on_disk.samples.is_in_memory(), "{name}");
                assert_same(&in_memory, &on_disk, name);
            }
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

//! Decoding a media file's first audio track to mono f32 samples with symphonia.
//!
//! Mirrors what `librosa.load(path, sr=None, mono=True)` sees: the decoder's samples converted to
//! f32 in [-1, 1] (integer PCM divided by 2^(bits-1), as libsndfile does), channels averaged in
//! f32. Two things symphonia does not do for us are done here: MP4/MOV edit lists (AAC encoder
//! priming, see [`super::mp4`]) and detecting files that are shorter than their headers declare
//! (symphonia quietly returns what it could read; a truncated input must be a reported failure).

use std::io::Cursor;
use std::path::Path;

use symphonia::core::audio::conv::FromSample;
use symphonia::core::codecs::audio::well_known::{CODEC_ID_AAC, CODEC_ID_PCM_S16LE};
use symphonia::core::codecs::audio::AudioDecoderOptions;
use symphonia::core::codecs::CodecParameters;
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, TrackType};
use symphonia::core::io::{MediaSource, MediaSourceStream, MediaSourceStreamOptions};
use symphonia::core::meta::MetadataOptions;

use super::error::AudioError;
use super::mp4;

/// A decoded audio track, mixed down to mono, at its native sample rate.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodedAudio {
    /// Mono samples in [-1, 1] (the average of all channels).
    pub samples: Vec<f32>,
    /// The track's sample rate in Hz.
    pub sample_rate_hz: u32,
    /// How many channels the track had before mixdown.
    pub n_channels: usize,
}

impl DecodedAudio {
    /// Length in seconds.
    #[must_use]
    pub fn duration_s(&self) -> f64 {
        self.samples.len() as f64 / f64::from(self.sample_rate_hz)
    }
}

/// What a track declares before its first packet is decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TrackHeader {
    /// Frames the container declares (None when it does not say, as for some MP3 and Ogg).
    pub declared_frames: Option<u64>,
    /// The declared sample rate in Hz, if any.
    pub sample_rate_hz: Option<u32>,
}

/// What decoding a whole stream found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StreamSummary {
    /// The track's sample rate in Hz.
    pub sample_rate_hz: u32,
    /// How many channels the track had before mixdown (of its last packet).
    pub n_channels: usize,
    /// Mono frames handed to the sample callback (after the AAC priming skip).
    pub n_frames: u64,
}

/// Sees a track's declared length before decoding starts; an error refuses the file.
pub(crate) type HeaderCheck<'a> = dyn FnMut(&TrackHeader) -> Result<(), AudioError> + 'a;

/// Takes `(sample_rate_hz, mono)` for each decoded packet; an error stops decoding.
pub(crate) type SampleSink<'a> = dyn FnMut(u32, &[f32]) -> Result<(), AudioError> + 'a;

/// Decodes the first audio track of a media file held in memory.
///
/// `path` is used for the error messages and as an extension hint for the container probe.
/// Holds the whole mono signal; `decode_stream` hands it over packet by packet instead.
pub fn decode_bytes(path: &Path, bytes: Vec<u8>) -> Result<DecodedAudio, AudioError> {
    if bytes.is_empty() {
        return Err(AudioError::Empty { path: path.to_path_buf() });
    }
    let edit = mp4::audio_edit(&bytes);
    let mut samples: Vec<f32> = Vec::new();
    let summary = decode_stream(path, Box::new(Cursor::new(bytes)), edit, &mut |_| Ok(()), &mut |_, chunk| {
        samples.try_reserve(chunk.len()).map_err(|_| AudioError::OutOfMemory {
            path: path.to_path_buf(),
            what: "the decoded signal",
            bytes: (samples.len() as u64 + chunk.len() as u64) * 4,
        })?;
        samples.extend_from_slice(chunk);
        Ok(())
    })?;
    Ok(DecodedAudio { samples, sample_rate_hz: summary.sample_rate_hz, n_channels: summary.n_channels })
}

/// Decodes the first audio track of `source`, handing mono samples to `on_samples` packet by
/// packet, so the signal is never held whole here.
///
/// `on_header` sees what the track declares before any packet is decoded (a chance to refuse
/// a file too long for memory); `on_samples` gets `(sample_rate_hz, mono)` for each decoded
/// packet, after the AAC priming skip of `edit` (see [`mp4`]). An error from either callback
/// stops decoding and is returned. The checks of a whole-file decode all hold: NaN/Inf samples
/// are rejected with their index, damaged packets are skipped, a stream shorter than its
/// declared frame count is an error, and so is one that yields no samples. Differs from
/// collecting everything first: a sample rate that changes mid-stream is an error
/// ([`AudioError::RateChange`]) where it used to relabel the whole signal with the last rate.
///
/// A panic inside symphonia (or a callback) becomes [`AudioError::DecoderPanic`]: one broken
/// file must not take a batch down, and the partial output is discarded with the error.
pub(crate) fn decode_stream(
    path: &Path,
    source: Box<dyn MediaSource>,
    edit: Option<mp4::AudioEdit>,
    on_header: &mut HeaderCheck<'_>,
    on_samples: &mut SampleSink<'_>,
) -> Result<StreamSummary, AudioError> {
    // AssertUnwindSafe: after a panic nothing decoded is used (the error is returned), and the
    // callbacks' state belongs to this one file, which the caller then drops as failed.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        decode_stream_inner(path, source, edit, on_header, on_samples)
    }))
    .unwrap_or_else(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "panic without a message".into());
        Err(AudioError::DecoderPanic { path: path.to_path_buf(), message })
    })
}

fn decode_stream_inner(
    path: &Path,
    source: Box<dyn MediaSource>,
    edit: Option<mp4::AudioEdit>,
    on_header: &mut HeaderCheck<'_>,
    on_samples: &mut SampleSink<'_>,
) -> Result<StreamSummary, AudioError> {
    let mut hint = Hint::new();
    if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
        hint.with_extension(&ext.to_ascii_lowercase());
    }
    let source = MediaSourceStream::new(source, MediaSourceStreamOptions::default());
    let mut format = symphonia::default::get_probe()
        .probe(&hint, source, FormatOptions::default(), MetadataOptions::default())
        .map_err(|e| AudioError::UnknownFormat { path: path.to_path_buf(), reason: e.to_string() })?;

    let track = format
        .default_track(TrackType::Audio)
        .or_else(|| format.first_track(TrackType::Audio))
        .ok_or_else(|| AudioError::NoAudioTrack { path: path.to_path_buf() })?;
    let Some(CodecParameters::Audio(params)) = track.codec_params.clone() else {
        return Err(AudioError::NoAudioTrack { path: path.to_path_buf() });
    };
    let track_id = track.id;
    let declared_frames = track.num_frames;
    let is_aac = params.codec == CODEC_ID_AAC;
    let pcm16 = PcmS16Le::of(&params);
    // Made even for 16-bit PCM, which bypasses it: its checks of the parameters still refuse
    // a stream it could not decode.
    let mut decoder = symphonia::default::get_codecs()
        .make_audio_decoder(&params, &AudioDecoderOptions::default())
        .map_err(|e| AudioError::UnsupportedCodec { path: path.to_path_buf(), reason: e.to_string() })?;
    on_header(&TrackHeader { declared_frames, sample_rate_hz: params.sample_rate.filter(|&r| r > 0) })?;

    // AAC carries encoder priming at the start; ffmpeg and librosa drop it (per the MP4 edit
    // list, or 1024 frames by convention when there is none) and keep the rest, including the
    // padded last frame. symphonia does neither, so it is done here, as the samples stream by.
    let mut n_skip = mp4_skip(is_aac, edit);
    let mut mono: Vec<f32> = Vec::new();
    let mut planes: Vec<Vec<f32>> = Vec::new();
    let mut stream_rate_hz: Option<u32> = None;
    let mut n_channels = params.channels.as_ref().map_or(0, |c| c.count());
    let mut n_decoded = 0u64;
    let mut n_kept = 0u64;
    let mut n_decode_errors = 0usize;
    let mut rate_missing = false;
    loop {
        let packet = match format.next_packet() {
            Ok(Some(packet)) => packet,
            Ok(None) => break,
            Err(SymphoniaError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                return Err(AudioError::Corrupt {
                    path: path.to_path_buf(),
                    reason: "the file ends in the middle of the audio data".into(),
                })
            }
            Err(e) => return Err(corrupt_or_unsupported(path, e)),
        };
        if packet.track_id != track_id {
            continue;
        }
        let sample_rate_hz = if let Some(pcm16) = &pcm16 {
            pcm16.mixdown(&packet.data, &mut mono);
            pcm16.sample_rate_hz
        } else {
            match decoder.decode(&packet) {
                Ok(buffer) => {
                    n_channels = buffer.spec().channels().count();
                    buffer.copy_to_vecs_planar::<f32>(&mut planes);
                    mixdown(path, &planes, n_decoded, &mut mono)?;
                    buffer.spec().rate()
                }
                // A damaged packet is skipped, as ffmpeg and symphonia's own player do.
                Err(SymphoniaError::DecodeError(_)) => {
                    n_decode_errors += 1;
                    continue;
                }
                Err(e) => return Err(corrupt_or_unsupported(path, e)),
            }
        };
        n_decoded += mono.len() as u64;
        let n_drop = n_skip.min(mono.len() as u64) as usize;
        n_skip -= n_drop as u64;
        let kept = &mono[n_drop..];
        if kept.is_empty() {
            continue;
        }
        if sample_rate_hz == 0 {
            // Reported at the end, after the other checks, in the order a whole-file decode
            // reported them.
            rate_missing = true;
            continue;
        }
        match stream_rate_hz {
            None => stream_rate_hz = Some(sample_rate_hz),
            Some(first) if first != sample_rate_hz => {
                return Err(AudioError::RateChange { path: path.to_path_buf(), from_hz: first, to_hz: sample_rate_hz })
            }
            Some(_) => {}
        }
        on_samples(sample_rate_hz, kept)?;
        n_kept += kept.len() as u64;
    }

    if n_decoded == 0 {
        return Err(if n_decode_errors > 0 {
            AudioError::Corrupt {
                path: path.to_path_buf(),
                reason: format!("all {n_decode_errors} audio packets failed to decode"),
            }
        } else {
            AudioError::NoSamples { path: path.to_path_buf() }
        });
    }
    if let Some(declared) = declared_frames {
        // Frames the header promised but the file does not hold: the file was cut short.
        // (This is checked on the raw decode, before edit-list trimming.)
        if n_decoded < declared {
            return Err(AudioError::Corrupt {
                path: path.to_path_buf(),
                reason: format!("header declares {declared} frames but only {n_decoded} could be read (truncated)"),
            });
        }
    }
    if is_aac && n_decoded <= mp4_skip(is_aac, edit) {
        return Err(AudioError::NoSamples { path: path.to_path_buf() });
    }
    match stream_rate_hz {
        Some(rate) if !rate_missing && n_kept > 0 => {
            Ok(StreamSummary { sample_rate_hz: rate, n_channels, n_frames: n_kept })
        }
        _ => Err(AudioError::Corrupt { path: path.to_path_buf(), reason: "no sample rate".into() }),
    }
}

/// Frames the AAC priming skip drops (0 for other codecs).
fn mp4_skip(is_aac: bool, edit: Option<mp4::AudioEdit>) -> u64 {
    if is_aac {
        edit.map_or(mp4::AAC_PRIMING_FRAMES, |e| e.skip_frames)
    } else {
        0
    }
}

/// 16-bit little-endian PCM (nearly every WAV), mixed down straight from a packet's bytes.
///
/// symphonia's PCM decoder reads such a packet one sample at a time through a checked reader
/// into its own buffer, which is then converted to f32 planes and averaged: three passes that
/// took a tenth of a speech corpus's extraction. This does it in one pass with the same
/// operations (symphonia's i16 → f32 conversion, channels summed in order and then divided),
/// so the samples are the same bits.
struct PcmS16Le {
    n_channels: usize,
    sample_rate_hz: u32,
}

impl PcmS16Le {
    /// Some when `params` are 16-bit little-endian PCM whose samples use all 16 bits, with a
    /// known channel count and sample rate; every other stream goes through the decoder.
    fn of(params: &symphonia::core::codecs::audio::AudioCodecParameters) -> Option<Self> {
        let full_width = |bits: Option<u32>| bits.is_none_or(|b| b == 16);
        if params.codec != CODEC_ID_PCM_S16LE
            || !full_width(params.bits_per_sample)
            || !full_width(params.bits_per_coded_sample)
        {
            return None;
        }
        let n_channels = params.channels.as_ref().map(|c| c.count()).filter(|&n| n > 0)?;
        let sample_rate_hz = params.sample_rate.filter(|&r| r > 0)?;
        Some(Self { n_channels, sample_rate_hz })
    }

    /// The channel average of every whole frame in `bytes` into `mono` (cleared first); a
    /// trailing partial frame is dropped, as symphonia's decoder drops it.
    fn mixdown(&self, bytes: &[u8], mono: &mut Vec<f32>) {
        let sample = |b: &[u8]| f32::from_sample(i16::from_le_bytes([b[0], b[1]]));
        mono.clear();
        if self.n_channels == 1 {
            mono.extend(bytes.chunks_exact(2).map(sample));
            return;
        }
        let n_channels = self.n_channels as f32;
        mono.extend(bytes.chunks_exact(2 * self.n_channels).map(|frame| {
            let mut channels = frame.chunks_exact(2);
            let first = sample(channels.next().expect("a frame has at least one channel"));
            channels.fold(first, |sum, b| sum + sample(b)) / n_channels
        }));
    }
}

/// Averages the channels of one decoded packet into `mono` (cleared first), rejecting NaN and
/// infinities; `offset` is the packet's first frame index in the stream, for the error.
fn mixdown(path: &Path, planes: &[Vec<f32>], offset: u64, mono: &mut Vec<f32>) -> Result<(), AudioError> {
    mono.clear();
    let Some(first) = planes.first() else { return Ok(()) };
    let n_channels = planes.len() as f32;
    mono.reserve(first.len());
    for (i, &s0) in first.iter().enumerate() {
        // Summed in channel order then divided, as numpy's mean over the channel axis.
        let mut sum = s0;
        for plane in &planes[1..] {
            sum += plane[i];
        }
        if !sum.is_finite() {
            let value = planes.iter().map(|p| p[i]).find(|v| !v.is_finite()).unwrap_or(sum);
            let index = usize::try_from(offset).unwrap_or(usize::MAX).saturating_add(i);
            return Err(AudioError::NonFiniteSample { path: path.to_path_buf(), index, value });
        }
        mono.push(sum / n_channels);
    }
    Ok(())
}

/// Sorts a symphonia error into "this file is broken" or "this file uses something we can't decode".
fn corrupt_or_unsupported(path: &Path, e: SymphoniaError) -> AudioError {
    match e {
        SymphoniaError::Unsupported(what) => {
            AudioError::UnsupportedCodec { path: path.to_path_buf(), reason: what.to_string() }
        }
        SymphoniaError::ResetRequired => AudioError::UnsupportedCodec {
            path: path.to_path_buf(),
            reason: "the audio format changes mid-stream".into(),
        },
        other => AudioError::Corrupt { path: path.to_path_buf(), reason: other.to_string() },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 16-bit WAV of `n_channels` interleaved channels, in memory.
    fn wav_s16(n_channels: u16, interleaved: &[i16]) -> Vec<u8> {
        let spec = hound::WavSpec {
            channels: n_channels,
            sample_rate: 16_000,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut bytes = Cursor::new(Vec::new());
        let mut wav = hound::WavWriter::new(&mut bytes, spec).expect("wav header");
        for &s in interleaved {
            wav.write_sample(s).expect("sample");
        }
        wav.finalize().expect("finalize");
        bytes.into_inner()
    }

    #[test]
    fn pcm16_wavs_mix_down_to_the_channel_average_of_symphonias_conversion() {
        // Every extreme, zero, and a long pseudo-random run crossing packet boundaries.
        let mut interleaved: Vec<i16> = vec![i16::MIN, i16::MAX, 0, -1, 1, i16::MIN, i16::MIN, i16::MAX];
        let mut state = 0x2545_f491_u32;
        interleaved.extend((0..60_000).map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            (state >> 16) as u16 as i16
        }));
        for n_channels in [1_u16, 2, 3] {
            let n = interleaved.len() / usize::from(n_channels) * usize::from(n_channels);
            let decoded = decode_bytes(Path::new("x.wav"), wav_s16(n_channels, &interleaved[..n])).expect("decodes");
            let expected: Vec<f32> = interleaved[..n]
                .chunks_exact(usize::from(n_channels))
                .map(|frame| {
                    let sum = frame[1..].iter().fold(f32::from_sample(frame[0]), |sum, &s| sum + f32::from_sample(s));
                    sum / f32::from(n_channels)
                })
                .collect();
            assert_eq!((decoded.n_channels, decoded.sample_rate_hz), (usize::from(n_channels), 16_000));
            assert_eq!(decoded.samples.len(), expected.len());
            assert!(decoded.samples.iter().zip(&expected).all(|(a, b)| a.to_bits() == b.to_bits()), "{n_channels} ch");
        }
    }

    #[test]
    fn only_full_width_pcm16_with_a_known_layout_takes_the_direct_path() {
        let mut params = symphonia::core::codecs::audio::AudioCodecParameters::new();
        params.for_codec(CODEC_ID_PCM_S16LE).with_sample_rate(48_000);
        assert!(PcmS16Le::of(&params).is_none(), "no channel count");
        params.with_channels(symphonia::core::audio::Channels::Discrete(2));
        assert!(PcmS16Le::of(&params).is_some_and(|p| p.n_channels == 2 && p.sample_rate_hz == 48_000));
        params.with_bits_per_coded_sample(12);
        assert!(PcmS16Le::of(&params).is_none(), "12 bits in 16 need symphonia's shift");
        params.bits_per_coded_sample = None;
        params.for_codec(CODEC_ID_AAC);
        assert!(PcmS16Le::of(&params).is_none());
    }
}

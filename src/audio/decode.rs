//! Decoding a media file's first audio track to mono f32 samples with symphonia.
//!
//! Mirrors what `librosa.load(path, sr=None, mono=True)` sees: the decoder's samples converted to
//! f32 in [-1, 1] (integer PCM divided by 2^(bits-1), as libsndfile does), channels averaged in
//! f32. Two things symphonia does not do for us are done here: MP4/MOV edit lists (AAC encoder
//! priming, see [`super::mp4`]) and detecting files that are shorter than their headers declare
//! (symphonia quietly returns what it could read; a truncated input must be a reported failure).

use std::io::Cursor;
use std::path::Path;

use symphonia::core::codecs::audio::well_known::CODEC_ID_AAC;
use symphonia::core::codecs::audio::AudioDecoderOptions;
use symphonia::core::codecs::CodecParameters;
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, TrackType};
use symphonia::core::io::{MediaSourceStream, MediaSourceStreamOptions};
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

/// Decodes the first audio track of a media file held in memory.
///
/// `path` is used for the error messages and as an extension hint for the container probe.
pub fn decode_bytes(path: &Path, bytes: Vec<u8>) -> Result<DecodedAudio, AudioError> {
    if bytes.is_empty() {
        return Err(AudioError::Empty { path: path.to_path_buf() });
    }
    let edit = mp4::audio_edit(&bytes);
    let mut hint = Hint::new();
    if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
        hint.with_extension(&ext.to_ascii_lowercase());
    }
    let source = MediaSourceStream::new(Box::new(Cursor::new(bytes)), MediaSourceStreamOptions::default());
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
    let mut decoder = symphonia::default::get_codecs()
        .make_audio_decoder(&params, &AudioDecoderOptions::default())
        .map_err(|e| AudioError::UnsupportedCodec { path: path.to_path_buf(), reason: e.to_string() })?;

    let mut mono: Vec<f32> = Vec::new();
    let mut planes: Vec<Vec<f32>> = Vec::new();
    let mut sample_rate_hz = params.sample_rate.unwrap_or(0);
    let mut n_channels = params.channels.as_ref().map_or(0, |c| c.count());
    let mut n_decode_errors = 0usize;
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
        match decoder.decode(&packet) {
            Ok(buffer) => {
                sample_rate_hz = buffer.spec().rate();
                n_channels = buffer.spec().channels().count();
                buffer.copy_to_vecs_planar::<f32>(&mut planes);
                append_mixdown(path, &planes, &mut mono)?;
            }
            // A damaged packet is skipped, as ffmpeg and symphonia's own player do.
            Err(SymphoniaError::DecodeError(_)) => n_decode_errors += 1,
            Err(e) => return Err(corrupt_or_unsupported(path, e)),
        }
    }

    if mono.is_empty() {
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
        if (mono.len() as u64) < declared {
            return Err(AudioError::Corrupt {
                path: path.to_path_buf(),
                reason: format!("header declares {declared} frames but only {} could be read (truncated)", mono.len()),
            });
        }
    }
    if is_aac {
        // AAC carries encoder priming at the start; ffmpeg and librosa drop it (per the MP4 edit
        // list, or 1024 frames by convention when there is none) and keep the rest, including
        // the padded last frame. symphonia does neither, so it is done here.
        let skip = edit.map_or(mp4::AAC_PRIMING_FRAMES, |e| e.skip_frames) as usize;
        mono.drain(..skip.min(mono.len()));
        if mono.is_empty() {
            return Err(AudioError::NoSamples { path: path.to_path_buf() });
        }
    }
    if sample_rate_hz == 0 {
        return Err(AudioError::Corrupt { path: path.to_path_buf(), reason: "no sample rate".into() });
    }
    Ok(DecodedAudio { samples: mono, sample_rate_hz, n_channels })
}

/// Averages the channels of one decoded packet into `mono`, rejecting NaN and infinities.
fn append_mixdown(path: &Path, planes: &[Vec<f32>], mono: &mut Vec<f32>) -> Result<(), AudioError> {
    let Some(first) = planes.first() else { return Ok(()) };
    let n_channels = planes.len() as f32;
    let offset = mono.len();
    for (i, &s0) in first.iter().enumerate() {
        // Summed in channel order then divided, as numpy's mean over the channel axis.
        let mut sum = s0;
        for plane in &planes[1..] {
            sum += plane[i];
        }
        if !sum.is_finite() {
            let value = planes.iter().map(|p| p[i]).find(|v| !v.is_finite()).unwrap_or(sum);
            return Err(AudioError::NonFiniteSample { path: path.to_path_buf(), index: offset + i, value });
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

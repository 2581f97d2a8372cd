//! The notebook's 16-bit round trip and the processed-WAV writer.
//!
//! The notebook wrote trimmed audio with `soundfile.write` (PCM_16) and computed every feature
//! from the re-read file. libsndfile 1.2.2 converts float to 16-bit as
//! `clip(floor(x·32768), −32768, 32767)`: floor, not round (reference README). Doing the same
//! here, in memory and on disk, makes features identical whether or not files were written.

use std::io::{Seek, Write};

use super::signal::SignalReader;

/// One sample as libsndfile stores it in a 16-bit WAV.
#[must_use]
#[inline]
pub fn to_pcm16(x: f32) -> i16 {
    // x·32768 is exact in f32 (a power-of-two scale); floor then saturate, as libsndfile.
    // Saturating first changes nothing (the bounds are whole numbers), and the floor is then a
    // truncation stepped down for negative fractions: `f32::floor` is a call into libm on the
    // baseline x86-64 target, and this runs on every sample of every read of a long signal,
    // where this form vectorises. NaN gives 0, as `NaN as i16` does.
    let v = (x * 32768.0).clamp(-32768.0, 32767.0);
    let t = v as i32;
    (t - i32::from(t as f32 > v)) as i16
}

/// The value librosa reads back for a stored 16-bit sample.
#[must_use]
pub fn from_pcm16(s: i16) -> f32 {
    f32::from(s) / 32768.0
}

/// What a PCM16 write and re-read of one sample yields. Idempotent.
#[must_use]
#[inline]
pub fn pcm16_round_trip(x: f32) -> f32 {
    // `from_pcm16(to_pcm16(x))` without leaving floats: this runs on every sample of every
    // signal, and float-to-integer conversions (saturating in Rust) do not vectorise. Adding
    // and subtracting 1.5·2^23 rounds a float of magnitude below 2^22 to the nearest integer;
    // stepping down where that went up gives the floor. A NaN is stored as 0, as by `to_pcm16`.
    const ROUND: f32 = 12_582_912.0;
    let v = (x * 32768.0).clamp(-32768.0, 32767.0);
    let nearest = (v + ROUND) - ROUND;
    let floor = if nearest > v { nearest - 1.0 } else { nearest };
    if floor.is_nan() {
        0.0
    } else {
        floor / 32768.0
    }
}

/// Quantises samples to what a PCM16 write and re-read yields. Idempotent.
#[must_use]
pub fn quantize_pcm16(samples: &[f32]) -> Vec<f32> {
    samples.iter().map(|&x| pcm16_round_trip(x)).collect()
}

/// Writes a mono signal as a 16-bit PCM WAV (with the same conversion as [`to_pcm16`]).
pub fn write_pcm16_wav<W: Write + Seek>(
    writer: W,
    signal: &mut SignalReader<'_>,
    sample_rate_hz: u32,
) -> Result<(), hound::Error> {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: sample_rate_hz,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    // A RIFF file counts its bytes in 32 bits (hound would wrap around and write a corrupt
    // header past 4 GiB: about 27 hours at 22 050 Hz).
    if !fits_in_wav(signal.len()) {
        return Err(hound::Error::FormatError("more than 4 GiB of 16-bit samples: too long for a WAV file"));
    }
    let mut wav = hound::WavWriter::new(writer, spec)?;
    // hound's fast i16 writer buffers every sample it is sized for: a piece at a time keeps
    // that buffer small however long the recording.
    const PIECE: usize = 1 << 16;
    for start in (0..signal.len()).step_by(PIECE) {
        let piece = signal.window(start..(start + PIECE).min(signal.len()))?;
        let mut pcm = wav.get_i16_writer(piece.len() as u32);
        for &x in piece {
            pcm.write_sample(to_pcm16(x));
        }
        pcm.flush()?;
    }
    wav.finalize()
}

/// Whether `n_samples` mono 16-bit samples fit in a WAV file: the RIFF size, the data
/// bytes plus the 36 bytes of header after the size field, must fit in a `u32`.
fn fits_in_wav(n_samples: usize) -> bool {
    (n_samples as u64).checked_mul(2).is_some_and(|bytes| bytes + 36 <= u64::from(u32::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn floors_and_clips_like_libsndfile() {
        assert_eq!(to_pcm16(1.0), 32767);
        assert_eq!(to_pcm16(-1.0), -32768);
        assert_eq!(to_pcm16(-1.5), -32768);
        assert_eq!(to_pcm16(0.0), 0);
        // floor, not round: just below an LSB boundary goes down, negative values too.
        assert_eq!(to_pcm16(0.99 / 32768.0), 0);
        assert_eq!(to_pcm16(-0.01 / 32768.0), -1);
    }

    #[test]
    fn wav_length_limit_is_the_riff_size_field() {
        let most = (u32::MAX as usize - 36) / 2;
        assert!(fits_in_wav(0) && fits_in_wav(most));
        assert!(!fits_in_wav(most + 1) && !fits_in_wav(usize::MAX));
    }

    #[test]
    fn wav_round_trip_gives_the_quantised_samples() {
        // Longer than two of the writer's pieces, and not a multiple of one.
        let mut y = vec![0.5f32, -0.25, 0.123_456, -0.999_9, 0.0];
        y.extend((0..150_000).map(|i| ((i * 7_919) % 20_011) as f32 / 10_005.5 - 1.0));
        let mut buf = std::io::Cursor::new(Vec::new());
        write_pcm16_wav(&mut buf, &mut (&y).into(), 22_050).expect("write");
        buf.set_position(0);
        let mut reader = hound::WavReader::new(buf).expect("read");
        assert_eq!(reader.spec().sample_rate, 22_050);
        let back: Vec<f32> = reader.samples::<i16>().map(|s| from_pcm16(s.expect("sample"))).collect();
        assert_eq!(back, quantize_pcm16(&y));
    }

    /// The definition `to_pcm16` computes without calling `floor`.
    fn floor_and_clamp(x: f32) -> i16 {
        (x * 32768.0).floor().clamp(-32768.0, 32767.0) as i16
    }

    #[test]
    fn the_stepped_truncation_is_floor_and_clamp() {
        let special =
            [0.0, -0.0, 1.0, -1.0, 0.999_99, -1.000_01, 2.0, -2.0, f32::INFINITY, f32::NEG_INFINITY, f32::NAN];
        for x in special {
            assert_eq!(to_pcm16(x), floor_and_clamp(x), "{x}");
        }
        // Every 16-bit level and its neighbouring floats, and a sweep of bit patterns.
        for level in -32_769_i32..=32_768 {
            let x = level as f32 / 32768.0;
            for y in [x, f32::from_bits(x.to_bits() + 1), f32::from_bits(x.to_bits().saturating_sub(1))] {
                assert_eq!(to_pcm16(y), floor_and_clamp(y), "{y}");
            }
        }
        for bits in (0..u32::MAX).step_by(65_537) {
            let x = f32::from_bits(bits);
            assert_eq!(to_pcm16(x), floor_and_clamp(x), "{bits:#x}");
        }
    }

    #[test]
    fn the_float_round_trip_is_the_stored_sample_read_back_for_every_f32() {
        let mismatches = (0..=u32::MAX)
            .filter(|&bits| {
                let x = f32::from_bits(bits);
                pcm16_round_trip(x).to_bits() != from_pcm16(to_pcm16(x)).to_bits()
            })
            .count();
        assert_eq!(mismatches, 0);
    }

    proptest! {
        #[test]
        fn quantisation_is_idempotent(y in proptest::collection::vec(-2.0f32..2.0, 0..512)) {
            let once = quantize_pcm16(&y);
            prop_assert_eq!(quantize_pcm16(&once), once);
        }
    }
}

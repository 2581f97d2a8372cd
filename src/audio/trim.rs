//! Silence trimming, as `librosa.effects.trim` (0.11).

use std::io;

use super::signal::{SignalReader, CHUNK_SAMPLES};

/// Frame length of the RMS envelope trim uses (librosa's default).
pub const TRIM_FRAME_LENGTH: usize = 2048;
/// Hop of the RMS envelope trim uses (librosa's default).
pub const TRIM_HOP_LENGTH: usize = 512;
/// librosa's `amplitude_to_db` floor for magnitudes.
const AMIN: f64 = 1e-5;

/// Where the non-silent part of a signal starts and ends, in samples (`end` exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrimBounds {
    /// First kept sample.
    pub start: usize,
    /// One past the last kept sample.
    pub end: usize,
}

/// Finds the non-silent span of `signal` as `librosa.effects.trim(y, top_db=top_db)` does.
///
/// Frame RMS over centred, zero-padded frames of 2048 samples every 512; a frame is non-silent
/// when `20·log10(max(amin, rms) / max(amin, max_rms)) > −top_db` (amin = 1e-5). The span runs
/// from the first non-silent frame's start (`first·hop`) to `min(len, (last + 1)·hop)`. An
/// all-zero input is kept whole, as in librosa (every frame and the reference hit the amin
/// floor, so every frame is 0 dB); `preprocess` rejects such input before trimming. Differs: the
/// RMS is accumulated in f64 where librosa uses f32 (see [`frame_rms`]); this can only matter
/// for a frame within ~1e-6 dB of the threshold.
///
/// Errors: a signal in a temporary file that cannot be read.
pub fn trim_bounds(signal: &mut SignalReader<'_>, top_db: f64) -> io::Result<TrimBounds> {
    let n = signal.len();
    let rms = frame_rms(signal)?;
    let max_rms = rms.iter().copied().fold(0.0f64, f64::max);
    let ref_db = 20.0 * max_rms.max(AMIN).log10();
    let non_silent = |r: &f64| 20.0 * r.max(AMIN).log10() - ref_db > -top_db;
    Ok(match (rms.iter().position(non_silent), rms.iter().rposition(non_silent)) {
        (Some(first), Some(last)) => {
            TrimBounds { start: (first * TRIM_HOP_LENGTH).min(n), end: ((last + 1) * TRIM_HOP_LENGTH).min(n) }
        }
        _ => TrimBounds { start: 0, end: 0 },
    })
}

/// Hops in one frame, and hops from a frame's first sample to its centre.
const HOPS_PER_FRAME: usize = TRIM_FRAME_LENGTH / TRIM_HOP_LENGTH;
const HOPS_BEFORE_CENTRE: usize = TRIM_FRAME_LENGTH / 2 / TRIM_HOP_LENGTH;
const _: () = assert!(
    TRIM_FRAME_LENGTH.is_multiple_of(TRIM_HOP_LENGTH)
        && (TRIM_FRAME_LENGTH / 2).is_multiple_of(TRIM_HOP_LENGTH)
        && CHUNK_SAMPLES.is_multiple_of(TRIM_HOP_LENGTH),
    "frames and read chunks must be whole hops"
);

/// RMS of centred 2048-sample frames every 512 samples with zero padding
/// (`librosa.feature.rms(y=y, center=True)`); there are `1 + len / hop` frames, frame `t`
/// covering samples `t·hop − 1024 .. t·hop + 1024`.
///
/// Frames overlap four-fold but are made of whole hops, so each hop's sum of squares is taken
/// once (in f64, over four interleaved lanes) and a frame's is `(h₀ + h₁) + (h₂ + h₃)` of its
/// four hops (a hop past either end is padding, 0): a quarter of the work of summing every
/// frame. The envelope only decides where trimming cuts, and the order of an f64 sum of
/// float32 squares moves it by ~1e-16 relative, far inside the f32-vs-f64 difference above.
pub fn frame_rms(signal: &mut SignalReader<'_>) -> io::Result<Vec<f64>> {
    let n = signal.len();
    let mut hop_sums = Vec::with_capacity(n.div_ceil(TRIM_HOP_LENGTH));
    // Chunks are whole hops (checked above), so no hop straddles two reads.
    signal.for_each_chunk(|_, chunk| hop_sums.extend(chunk.chunks(TRIM_HOP_LENGTH).map(sum_squares)))?;
    let hop_sum = |h: isize| usize::try_from(h).ok().and_then(|h| hop_sums.get(h)).copied().unwrap_or(0.0);
    Ok((0..1 + n / TRIM_HOP_LENGTH)
        .map(|t| {
            let first = t as isize - HOPS_BEFORE_CENTRE as isize;
            let [a, b, c, d] = std::array::from_fn::<_, HOPS_PER_FRAME, _>(|k| hop_sum(first + k as isize));
            (((a + b) + (c + d)) / TRIM_FRAME_LENGTH as f64).sqrt()
        })
        .collect())
}

/// The sum of squares of `samples` in f64, over four lanes (`i mod 4`) added pairwise at the
/// end: four independent sums keep the adder busy where one would wait on its own latency.
fn sum_squares(samples: &[f32]) -> f64 {
    let mut lanes = [0.0_f64; 4];
    let mut groups = samples.chunks_exact(4);
    for group in &mut groups {
        for (lane, &x) in lanes.iter_mut().zip(group) {
            *lane += f64::from(x) * f64::from(x);
        }
    }
    let tail: f64 = groups.remainder().iter().map(|&x| f64::from(x) * f64::from(x)).sum();
    ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + tail
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn bounds(y: &[f32], top_db: f64) -> TrimBounds {
        trim_bounds(&mut y.into(), top_db).expect("in memory")
    }

    fn envelope(y: &[f32]) -> Vec<f64> {
        frame_rms(&mut y.into()).expect("in memory")
    }

    /// The envelope by its definition: every frame's squares summed in sample order.
    fn envelope_by_definition(y: &[f32]) -> Vec<f64> {
        (0..1 + y.len() / TRIM_HOP_LENGTH)
            .map(|t| {
                let lo = (t * TRIM_HOP_LENGTH).saturating_sub(TRIM_FRAME_LENGTH / 2).min(y.len());
                let hi = (t * TRIM_HOP_LENGTH + TRIM_FRAME_LENGTH / 2).min(y.len());
                (y[lo..hi].iter().map(|&x| f64::from(x) * f64::from(x)).sum::<f64>() / TRIM_FRAME_LENGTH as f64).sqrt()
            })
            .collect()
    }

    fn assert_close(got: &[f64], want: &[f64]) {
        assert_eq!(got.len(), want.len());
        for (t, (a, b)) in got.iter().zip(want).enumerate() {
            assert!((a - b).abs() <= 1e-12 * b.abs(), "frame {t}: {a} vs {b}");
        }
    }

    fn tone(n: usize, amplitude: f32) -> Vec<f32> {
        (0..n).map(|i| amplitude * (i as f32 * 0.05).sin()).collect()
    }

    #[test]
    fn trims_silence_on_both_sides_to_hop_multiples() {
        let mut y = vec![0.0f32; 10_000];
        y.extend(tone(20_000, 0.5));
        y.extend(vec![0.0f32; 10_000]);
        let b = bounds(&y, 20.0);
        assert_eq!(b.start % TRIM_HOP_LENGTH, 0);
        // The first frame whose window reaches the tone by enough energy starts before it.
        assert!(b.start <= 10_000 && b.start > 10_000 - TRIM_FRAME_LENGTH, "{b:?}");
        assert!(b.end >= 30_000 && b.end < 30_000 + TRIM_FRAME_LENGTH, "{b:?}");
    }

    #[test]
    fn quiet_tail_below_threshold_is_cut() {
        let mut y = tone(20_000, 0.5);
        y.extend(tone(20_000, 0.001)); // 54 dB down
        let b = bounds(&y, 20.0);
        assert!(b.end < 20_000 + TRIM_FRAME_LENGTH);
    }

    #[test]
    fn all_zero_input_is_kept_whole_as_librosa_does() {
        assert_eq!(bounds(&[0.0; 5000], 20.0), TrimBounds { start: 0, end: 5000 });
        assert_eq!(bounds(&[], 20.0), TrimBounds { start: 0, end: 0 });
    }

    #[test]
    fn the_envelope_read_in_chunks_from_a_file_is_that_of_the_whole() {
        let y: Vec<f32> = (0..2 * CHUNK_SAMPLES + 700).map(|i| ((i * 7_919) % 1_009) as f32 / 1_009.0 - 0.5).collect();
        let mut builder = super::super::signal::SignalBuilder::new(4 << 10);
        builder.push(&y).expect("push");
        let signal = builder.finish().expect("finish");
        assert!(!signal.is_in_memory());
        let got = frame_rms(&mut signal.reader()).expect("read");
        assert_eq!(got, envelope(&y));
        assert_close(&got, &envelope_by_definition(&y));
    }

    proptest! {
        #[test]
        fn the_envelope_is_each_frames_rms(y in proptest::collection::vec(-1.0f32..1.0, 0..6000)) {
            assert_close(&envelope(&y), &envelope_by_definition(&y));
        }
    }

    #[test]
    fn frame_count_matches_librosa() {
        assert_eq!(envelope(&[0.0; 1023]).len(), 2);
        assert_eq!(envelope(&[0.0; 1024]).len(), 3);
    }

    proptest! {
        #[test]
        fn trimming_never_lengthens(y in proptest::collection::vec(-1.0f32..1.0, 0..6000), top_db in 1.0f64..80.0) {
            let b = bounds(&y, top_db);
            prop_assert!(b.start <= b.end);
            prop_assert!(b.end <= y.len());
        }
    }
}

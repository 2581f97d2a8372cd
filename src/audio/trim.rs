//! Silence trimming, as `librosa.effects.trim` (0.11).

use std::io;

use super::signal::SignalReader;

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

/// Frames of the RMS envelope computed from one window of the signal: 2048 frames read 1 Mi
/// samples (4 MB) at a time.
const BLOCK_FRAMES: usize = 2048;

/// Finds the non-silent span of `signal` as `librosa.effects.trim(y, top_db=top_db)` does.
///
/// Frame RMS over centred, zero-padded frames of 2048 samples every 512; a frame is non-silent
/// when `20·log10(max(amin, rms) / max(amin, max_rms)) > −top_db` (amin = 1e-5). The span runs
/// from the first non-silent frame's start (`first·hop`) to `min(len, (last + 1)·hop)`. An
/// all-zero input is kept whole, as in librosa (every frame and the reference hit the amin
/// floor, so every frame is 0 dB); `preprocess` rejects such input before trimming. Differs: the
/// RMS is accumulated in f64 where librosa uses f32; this can only matter for a frame within
/// ~1e-6 dB of the threshold.
///
/// Errors: a signal in a temporary file that cannot be read.
pub fn trim_bounds(signal: &mut SignalReader<'_>, top_db: f64) -> io::Result<TrimBounds> {
    let n = signal.len();
    let rms = frame_rms(signal, TRIM_FRAME_LENGTH, TRIM_HOP_LENGTH)?;
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

/// RMS of centred frames with zero padding (`librosa.feature.rms(y=y, center=True)`), read a
/// block of frames at a time.
///
/// Frame `t` covers samples `t·hop − frame_length/2 .. t·hop + frame_length/2`; there are
/// `1 + len / hop` frames.
pub fn frame_rms(signal: &mut SignalReader<'_>, frame_length: usize, hop_length: usize) -> io::Result<Vec<f64>> {
    let n = signal.len();
    let half = frame_length / 2;
    let n_frames = 1 + n / hop_length;
    let span = |t: usize| (t * hop_length).saturating_sub(half).min(n)..(t * hop_length + frame_length - half).min(n);
    let mut rms = Vec::with_capacity(n_frames);
    for block_start in (0..n_frames).step_by(BLOCK_FRAMES) {
        let block_end = (block_start + BLOCK_FRAMES).min(n_frames);
        let lo = span(block_start).start;
        let window = signal.window(lo..span(block_end - 1).end)?;
        let full = |t: usize| t < block_end && span(t).len() == frame_length;
        let mut t = block_start;
        while t < block_end {
            if (t..t + 4).all(full) {
                let sums = sum_squares_4(window, [0, 1, 2, 3].map(|k| span(t + k).start - lo), frame_length);
                rms.extend(sums.map(|sum| (sum / frame_length as f64).sqrt()));
                t += 4;
            } else {
                let frame = span(t);
                rms.push((sum_squares(&window[frame.start - lo..frame.end - lo]) / frame_length as f64).sqrt());
                t += 1;
            }
        }
    }
    Ok(rms)
}

/// The sum of squares of `frame` in f64, in sample order.
fn sum_squares(frame: &[f32]) -> f64 {
    frame.iter().map(|&x| f64::from(x) * f64::from(x)).sum()
}

/// The sums of squares (in f64) of the four `len`-sample frames of `window` starting at
/// `starts`. Each sum runs in sample order, so it has the bits of [`sum_squares`]; the
/// four independent sums keep the adder busy where one would wait on its own latency, which
/// made trimming 4 % of a speech corpus's extraction.
fn sum_squares_4(window: &[f32], starts: [usize; 4], len: usize) -> [f64; 4] {
    let [a, b, c, d] = starts.map(|start| &window[start..start + len]);
    // Four named sums, not an array: the compiler keeps them in registers.
    let (mut sa, mut sb, mut sc, mut sd) = (0.0_f64, 0.0_f64, 0.0_f64, 0.0_f64);
    for (((&xa, &xb), &xc), &xd) in a.iter().zip(b).zip(c).zip(d) {
        let (xa, xb, xc, xd) = (f64::from(xa), f64::from(xb), f64::from(xc), f64::from(xd));
        sa += xa * xa;
        sb += xb * xb;
        sc += xc * xc;
        sd += xd * xd;
    }
    [sa, sb, sc, sd]
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn bounds(y: &[f32], top_db: f64) -> TrimBounds {
        trim_bounds(&mut y.into(), top_db).expect("in memory")
    }

    fn envelope(y: &[f32], frame_length: usize, hop_length: usize) -> Vec<f64> {
        frame_rms(&mut y.into(), frame_length, hop_length).expect("in memory")
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
    fn the_envelope_read_in_blocks_from_a_file_is_that_of_the_whole() {
        let y: Vec<f32> =
            (0..2 * BLOCK_FRAMES * 512 + 700).map(|i| ((i * 7_919) % 1_009) as f32 / 1_009.0 - 0.5).collect();
        let mut builder = super::super::signal::SignalBuilder::new(4 << 10);
        builder.push(&y).expect("push");
        let signal = builder.finish().expect("finish");
        assert!(!signal.is_in_memory());
        let got = frame_rms(&mut signal.reader(), 2048, 512).expect("read");
        let want: Vec<f64> = (0..1 + y.len() / 512)
            .map(|t| {
                let (lo, hi) = ((t * 512).saturating_sub(1024).min(y.len()), (t * 512 + 1024).min(y.len()));
                (y[lo..hi].iter().map(|&x| f64::from(x) * f64::from(x)).sum::<f64>() / 2048.0).sqrt()
            })
            .collect();
        assert_eq!(got, want);
    }

    proptest! {
        #[test]
        fn the_envelope_is_each_frames_own_sum_in_sample_order(
            y in proptest::collection::vec(-1.0f32..1.0, 0..3000),
            frame_length in 2usize..300,
            hop_length in 1usize..200,
        ) {
            let half = frame_length / 2;
            let want: Vec<f64> = (0..1 + y.len() / hop_length)
                .map(|t| {
                    let lo = (t * hop_length).saturating_sub(half).min(y.len());
                    let hi = (t * hop_length + frame_length - half).min(y.len());
                    let sum: f64 = y[lo..hi].iter().map(|&x| f64::from(x) * f64::from(x)).sum();
                    (sum / frame_length as f64).sqrt()
                })
                .collect();
            let got = envelope(&y, frame_length, hop_length);
            prop_assert!(got.iter().zip(&want).all(|(a, b)| a.to_bits() == b.to_bits()) && got.len() == want.len());
        }
    }

    #[test]
    fn frame_count_matches_librosa() {
        assert_eq!(envelope(&[0.0; 1023], 2048, 512).len(), 2);
        assert_eq!(envelope(&[0.0; 1024], 2048, 512).len(), 3);
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

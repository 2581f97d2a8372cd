//! Silence trimming, as `librosa.effects.trim` (0.11).

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

/// Finds the non-silent span of `samples` as `librosa.effects.trim(y, top_db=top_db)` does.
///
/// Frame RMS over centred, zero-padded frames of 2048 samples every 512; a frame is non-silent
/// when `20·log10(max(amin, rms) / max(amin, max_rms)) > −top_db` (amin = 1e-5). The span runs
/// from the first non-silent frame's start (`first·hop`) to `min(len, (last + 1)·hop)`. An
/// all-zero input is kept whole, as in librosa (every frame and the reference hit the amin
/// floor, so every frame is 0 dB); `preprocess` rejects such input before trimming. Differs: the
/// RMS is accumulated in f64 where librosa uses f32; this can only matter for a frame within
/// ~1e-6 dB of the threshold.
#[must_use]
pub fn trim_bounds(samples: &[f32], top_db: f64) -> TrimBounds {
    let rms = frame_rms(samples, TRIM_FRAME_LENGTH, TRIM_HOP_LENGTH);
    let max_rms = rms.iter().copied().fold(0.0f64, f64::max);
    let ref_db = 20.0 * max_rms.max(AMIN).log10();
    let non_silent = |r: &f64| 20.0 * r.max(AMIN).log10() - ref_db > -top_db;
    match (rms.iter().position(non_silent), rms.iter().rposition(non_silent)) {
        (Some(first), Some(last)) => TrimBounds {
            start: (first * TRIM_HOP_LENGTH).min(samples.len()),
            end: ((last + 1) * TRIM_HOP_LENGTH).min(samples.len()),
        },
        _ => TrimBounds { start: 0, end: 0 },
    }
}

/// Trims leading and trailing silence (see [`trim_bounds`]).
#[must_use]
pub fn trim_silence(samples: &[f32], top_db: f64) -> &[f32] {
    let bounds = trim_bounds(samples, top_db);
    &samples[bounds.start..bounds.end]
}

/// RMS of centred frames with zero padding (`librosa.feature.rms(y=y, center=True)`).
///
/// Frame `t` covers samples `t·hop − frame_length/2 .. t·hop + frame_length/2`; there are
/// `1 + len / hop` frames.
#[must_use]
pub fn frame_rms(samples: &[f32], frame_length: usize, hop_length: usize) -> Vec<f64> {
    let half = frame_length / 2;
    let n_frames = 1 + samples.len() / hop_length;
    (0..n_frames)
        .map(|t| {
            let centre = t * hop_length;
            let lo = centre.saturating_sub(half).min(samples.len());
            let hi = (centre + frame_length - half).min(samples.len());
            let sum: f64 = samples[lo..hi].iter().map(|&x| f64::from(x) * f64::from(x)).sum();
            (sum / frame_length as f64).sqrt()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn tone(n: usize, amplitude: f32) -> Vec<f32> {
        (0..n).map(|i| amplitude * (i as f32 * 0.05).sin()).collect()
    }

    #[test]
    fn trims_silence_on_both_sides_to_hop_multiples() {
        let mut y = vec![0.0f32; 10_000];
        y.extend(tone(20_000, 0.5));
        y.extend(vec![0.0f32; 10_000]);
        let b = trim_bounds(&y, 20.0);
        assert_eq!(b.start % TRIM_HOP_LENGTH, 0);
        // The first frame whose window reaches the tone by enough energy starts before it.
        assert!(b.start <= 10_000 && b.start > 10_000 - TRIM_FRAME_LENGTH, "{b:?}");
        assert!(b.end >= 30_000 && b.end < 30_000 + TRIM_FRAME_LENGTH, "{b:?}");
    }

    #[test]
    fn quiet_tail_below_threshold_is_cut() {
        let mut y = tone(20_000, 0.5);
        y.extend(tone(20_000, 0.001)); // 54 dB down
        let b = trim_bounds(&y, 20.0);
        assert!(b.end < 20_000 + TRIM_FRAME_LENGTH);
    }

    #[test]
    fn all_zero_input_is_kept_whole_as_librosa_does() {
        assert_eq!(trim_bounds(&[0.0; 5000], 20.0), TrimBounds { start: 0, end: 5000 });
        assert_eq!(trim_bounds(&[], 20.0), TrimBounds { start: 0, end: 0 });
    }

    #[test]
    fn frame_count_matches_librosa() {
        assert_eq!(frame_rms(&[0.0; 1023], 2048, 512).len(), 2);
        assert_eq!(frame_rms(&[0.0; 1024], 2048, 512).len(), 3);
    }

    proptest! {
        #[test]
        fn trimming_never_lengthens(y in proptest::collection::vec(-1.0f32..1.0, 0..6000), top_db in 1.0f64..80.0) {
            let b = trim_bounds(&y, top_db);
            prop_assert!(b.start <= b.end);
            prop_assert!(b.end <= y.len());
            prop_assert!(trim_silence(&y, top_db).len() <= y.len());
        }
    }
}

//! Zero-crossing rate: `librosa.feature.zero_crossing_rate(y)` (0.11) with its defaults
//! (`frame_length=2048`, `hop_length=512`, `center=True`): frames are centred with *edge*
//! padding (unlike the STFT), and a crossing at sample `i > 0` of a frame means
//! `signbit(x[i]) ≠ signbit(x[i−1])` after values with `|x| ≤ 1e-10` (as float32) are set to 0
//! (`zero_crossings(threshold=1e-10, zero_pos=True, pad=False)`). The rate is the frame's
//! crossing count divided by `frame_length`.
//!
//! Counts are differences of the running crossing count at each frame's two ends, read by two
//! cursors that only move forward: O(n), not O(n · frame_length), exact integers, and no
//! per-sample buffer (a prefix-sum array would cost 4 bytes a sample, as much as the signal).

use super::frame::n_centered_frames;

fn negative(x: f32) -> bool {
    let threshold = 1e-10_f32;
    if -threshold <= x && x <= threshold {
        false
    } else {
        x.is_sign_negative()
    }
}

/// Per-frame zero-crossing rate of `signal` (empty for an empty signal).
#[must_use]
pub fn zero_crossing_rate(signal: &[f32], frame_length: usize, hop_length: usize) -> Vec<f64> {
    let mut out = Vec::new();
    zero_crossing_rate_each(signal, frame_length, hop_length, |rate| out.push(rate));
    out
}

/// As [`zero_crossing_rate`], handing each frame's rate to `each`, in order.
pub fn zero_crossing_rate_each(signal: &[f32], frame_length: usize, hop_length: usize, mut each: impl FnMut(f64)) {
    let n = signal.len();
    if n == 0 {
        return;
    }
    // Inside the edge padding consecutive samples are equal, so only the signal's own pairs
    // can cross: a frame's count is the running count at its last sample minus the running
    // count at its first, each index clamped into the signal.
    let half = (frame_length / 2) as isize;
    let last = (n - 1) as isize;
    let (mut at_first, mut at_last) = (CrossingCount::new(signal), CrossingCount::new(signal));
    let n_frames = n_centered_frames(n, frame_length, hop_length);
    let denom = frame_length as f64;
    for t in 0..n_frames {
        // Crossings at frame positions 1 .. frame_length−1 are the pairs ending at signal
        // indices start − half + 1 ..= start − half + frame_length − 1.
        let first = (t * hop_length) as isize - half;
        let end = first + frame_length as isize - 1;
        let c = at_last.up_to(end.clamp(0, last) as usize) - at_first.up_to(first.clamp(0, last) as usize);
        each(f64::from(c) / denom);
    }
}

/// The number of crossings between samples `(j − 1, j)` for `1 ≤ j ≤ i`, for indices `i` that
/// never decrease from one call to the next.
struct CrossingCount<'a> {
    signal: &'a [f32],
    /// The index counted up to.
    at: usize,
    count: u32,
}

impl<'a> CrossingCount<'a> {
    fn new(signal: &'a [f32]) -> Self {
        Self { signal, at: 0, count: 0 }
    }

    fn up_to(&mut self, i: usize) -> u32 {
        debug_assert!(i >= self.at, "crossing cursors only move forward");
        for j in self.at + 1..=i {
            self.count += u32::from(negative(self.signal[j]) != negative(self.signal[j - 1]));
        }
        self.at = i;
        self.count
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brute_force(signal: &[f32], fl: usize, hop: usize) -> Vec<f64> {
        let frames = crate::features::frame::centered_frames(signal, fl, hop, crate::features::frame::Padding::Edge);
        frames
            .rows()
            .into_iter()
            .map(|r| {
                let c = (1..fl).filter(|&i| negative(r[i]) != negative(r[i - 1])).count();
                c as f64 / fl as f64
            })
            .collect()
    }

    #[test]
    fn matches_brute_force() {
        let x: Vec<f32> = (0..3000).map(|i| (i as f32 * 0.37).sin() * if i % 97 < 20 { 0.0 } else { 1.0 }).collect();
        assert_eq!(zero_crossing_rate(&x, 2048, 512), brute_force(&x, 2048, 512));
        assert_eq!(zero_crossing_rate(&x, 64, 16), brute_force(&x, 64, 16));
        assert_eq!(zero_crossing_rate(&x[..5], 8, 2), brute_force(&x[..5], 8, 2));
        // Hops longer than frames skip samples between frames.
        assert_eq!(zero_crossing_rate(&x, 16, 40), brute_force(&x, 16, 40));
    }

    #[test]
    fn zero_counts_as_positive_and_tiny_as_zero() {
        // +, 0, -, -0, tiny-negative, + : crossings at 0→- and -→tiny(=0, positive)
        let x = [1.0_f32, 0.0, -1.0, -0.0, -1e-12, 1.0];
        let r = zero_crossing_rate(&x, 6, 6);
        // frame 0 is centred at 0: padded [1,1,1, 1,0,-1] → one crossing (0 → -1)
        assert_eq!(r[0], 1.0 / 6.0);
        // frame 1 is centred at 6: padded [-0,-tiny,1, 1,1,1] → no crossing
        assert_eq!(r[1], 0.0);
    }
}

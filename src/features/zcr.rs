//! Zero-crossing rate: `librosa.feature.zero_crossing_rate(y)` (0.11) with its defaults
//! (`frame_length=2048`, `hop_length=512`, `center=True`): frames are centred with *edge*
//! padding (unlike the STFT), and a crossing at sample `i > 0` of a frame means
//! `signbit(x[i]) ≠ signbit(x[i−1])` after values with `|x| ≤ 1e-10` (as float32) are set to 0
//! (`zero_crossings(threshold=1e-10, zero_pos=True, pad=False)`). The rate is the frame's
//! crossing count divided by `frame_length`.
//!
//! Counts are differences of the running crossing count at each frame's two ends, read by two
//! cursors that only move forward: O(n), not O(n · frame_length), exact integers, and no
//! per-sample buffer (a prefix-sum array would cost 4 bytes a sample). The cursors carry their
//! counts from one block of frames to the next, so a long signal can be read a window at a
//! time.

use super::frame::{n_centered_frames, SignalWindow};

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
    let n_frames = n_centered_frames(signal.len(), frame_length, hop_length);
    ZeroCrossingRate::new(frame_length, hop_length).frames(SignalWindow::whole(signal), 0..n_frames, |r| out.push(r));
    out
}

/// The zero-crossing rate of a signal's frames, taken a block of frames at a time in order.
#[derive(Debug, Clone)]
pub struct ZeroCrossingRate {
    frame_length: usize,
    hop_length: usize,
    /// Counts at the frames' first and last samples.
    at_first: CrossingCount,
    at_last: CrossingCount,
    /// The frame the next block starts at.
    next_frame: usize,
}

impl ZeroCrossingRate {
    /// Rates of frames of `frame_length` every `hop_length`, from the signal's first frame.
    #[must_use]
    pub fn new(frame_length: usize, hop_length: usize) -> Self {
        Self {
            frame_length,
            hop_length,
            at_first: CrossingCount::default(),
            at_last: CrossingCount::default(),
            next_frame: 0,
        }
    }

    /// Hands the rates of frames `frames` to `each`, in order. Blocks of frames must come in
    /// order, each starting where the last ended; `signal` holds the samples the block's
    /// frames and the frame before read (see [`SignalWindow::span_of_frames`]).
    ///
    /// # Panics
    /// If a block does not start where the last ended.
    pub fn frames(&mut self, signal: SignalWindow<'_>, frames: std::ops::Range<usize>, mut each: impl FnMut(f64)) {
        assert_eq!(frames.start, self.next_frame, "blocks of frames come in order");
        self.next_frame = frames.end;
        let n = signal.signal_len;
        if n == 0 {
            return;
        }
        // Inside the edge padding consecutive samples are equal, so only the signal's own pairs
        // can cross: a frame's count is the running count at its last sample minus the running
        // count at its first, each index clamped into the signal.
        let half = (self.frame_length / 2) as isize;
        let last = (n - 1) as isize;
        let denom = self.frame_length as f64;
        for t in frames {
            // Crossings at frame positions 1 .. frame_length−1 are the pairs ending at signal
            // indices start − half + 1 ..= start − half + frame_length − 1.
            let first = (t * self.hop_length) as isize - half;
            let end = first + self.frame_length as isize - 1;
            let c = self.at_last.up_to(end.clamp(0, last) as usize, signal)
                - self.at_first.up_to(first.clamp(0, last) as usize, signal);
            each(f64::from(c) / denom);
        }
    }
}

/// The number of crossings between samples `(j − 1, j)` for `1 ≤ j ≤ i`, for indices `i` that
/// never decrease from one call to the next.
#[derive(Debug, Clone, Default)]
struct CrossingCount {
    /// The index counted up to.
    at: usize,
    /// Whether the sample at `at` counts as negative, once read.
    at_negative: Option<bool>,
    count: u32,
}

impl CrossingCount {
    /// The count up to `i`; `signal` holds samples `at ..= i` (`at + 1 ..= i` once `at` is read).
    fn up_to(&mut self, i: usize, signal: SignalWindow<'_>) -> u32 {
        debug_assert!(i >= self.at, "crossing cursors only move forward");
        if i > self.at {
            let mut before = match self.at_negative {
                Some(before) => before,
                None => negative(signal.get(self.at..self.at + 1)[0]),
            };
            for &x in signal.get(self.at + 1..i + 1) {
                let now = negative(x);
                self.count += u32::from(now != before);
                before = now;
            }
            self.at = i;
            self.at_negative = Some(before);
        }
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
    fn blocks_of_frames_read_from_windows_give_the_rates_of_the_whole() {
        let x: Vec<f32> = (0..3000).map(|i| (i as f32 * 0.37).sin() * if i % 97 < 20 { 0.0 } else { 1.0 }).collect();
        for (fl, hop, block) in
            [(2048, 512, 1), (64, 16, 7), (16, 40, 3), (64, 16, 1000), (5, 2, 3), (2, 7, 1), (9, 20, 2)]
        {
            let n_frames = n_centered_frames(x.len(), fl, hop);
            let mut rates = ZeroCrossingRate::new(fl, hop);
            let mut got = Vec::new();
            for start in (0..n_frames).step_by(block) {
                let frames = start..(start + block).min(n_frames);
                rates.frames(SignalWindow::for_frames(&x, &frames, fl, hop), frames, |r| got.push(r));
            }
            assert_eq!(got, brute_force(&x, fl, hop), "{fl} {hop} {block}");
        }
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

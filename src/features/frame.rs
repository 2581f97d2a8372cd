//! Centred framing: `librosa.util.frame` applied after librosa's centre padding.
//!
//! Frame `t` covers samples `t·hop − frame_length/2 .. t·hop + frame_length/2` of the signal,
//! so it is centred at `t · hop_length`. Samples outside the signal come from the padding mode:
//! zeros (`np.pad(mode="constant")`, what `stft` and `rms` use since librosa 0.10) or the edge
//! sample (`mode="edge"`, what `zero_crossing_rate` uses). Frames are produced on demand into a
//! caller's buffer, so the padded signal is never materialised.

use ndarray::Array2;

/// How the signal is extended beyond its ends when frames are centred.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Padding {
    /// Zeros: `np.pad(mode="constant")`.
    Zero,
    /// Repeat the first/last sample: `np.pad(mode="edge")`.
    Edge,
}

/// Number of centred frames librosa produces for `n_samples` samples:
/// `1 + (n_samples + 2·(frame_length/2) − frame_length) / hop_length` (0 if that is negative).
#[must_use]
pub fn n_centered_frames(n_samples: usize, frame_length: usize, hop_length: usize) -> usize {
    let padded = n_samples + 2 * (frame_length / 2);
    if padded < frame_length || hop_length == 0 {
        0
    } else {
        1 + (padded - frame_length) / hop_length
    }
}

/// A stretch of a signal that is read a window at a time: `samples` are the signal's samples
/// `start .. start + samples.len()`, out of `signal_len`.
#[derive(Debug, Clone, Copy)]
pub struct SignalWindow<'a> {
    /// The samples in the window.
    pub samples: &'a [f32],
    /// Index in the signal of `samples[0]`.
    pub start: usize,
    /// Length of the whole signal.
    pub signal_len: usize,
}

impl<'a> SignalWindow<'a> {
    /// A window that is the whole signal.
    #[must_use]
    pub fn whole(samples: &'a [f32]) -> Self {
        Self { samples, start: 0, signal_len: samples.len() }
    }

    /// Samples `range` of the signal, which must lie inside the window.
    ///
    /// # Panics
    /// If `range` is not inside the window.
    #[must_use]
    pub fn get(&self, range: std::ops::Range<usize>) -> &'a [f32] {
        &self.samples[range.start - self.start..range.end - self.start]
    }

    /// The window of `samples` (the whole signal) that frames `frames` read: for tests of
    /// readers that take windows.
    #[cfg(test)]
    pub(crate) fn for_frames(
        samples: &'a [f32],
        frames: &std::ops::Range<usize>,
        frame_length: usize,
        hop_length: usize,
    ) -> Self {
        let span = Self::span_of_frames(frames, frame_length, hop_length, samples.len());
        Self { samples: &samples[span.clone()], start: span.start, signal_len: samples.len() }
    }

    /// The samples of the signal any centred frame of `frames` (of `frame_length`, every
    /// `hop_length`) reads, and those of the frame before: what a reader of those frames needs
    /// in its window.
    #[must_use]
    pub fn span_of_frames(
        frames: &std::ops::Range<usize>,
        frame_length: usize,
        hop_length: usize,
        signal_len: usize,
    ) -> std::ops::Range<usize> {
        if frames.is_empty() {
            return 0..0;
        }
        let lo = (frames.start * hop_length).saturating_sub(hop_length + frame_length).min(signal_len);
        let hi = ((frames.end - 1) * hop_length + frame_length).min(signal_len);
        lo..hi
    }
}

/// Copies centred frame `t` of `signal` into `out` (whose length is the frame length). The
/// window must hold the frame's samples that lie inside the signal.
///
/// An empty signal gives a frame of zeros whatever the padding.
pub fn centered_frame_into(signal: SignalWindow<'_>, hop_length: usize, t: usize, padding: Padding, out: &mut [f32]) {
    let frame_length = out.len();
    let n = signal.signal_len;
    // Position of out[0] in the signal (may be negative).
    let start = (t * hop_length) as isize - (frame_length / 2) as isize;
    let end = start + frame_length as isize;
    let lo = start.clamp(0, n as isize) as usize;
    let hi = end.clamp(0, n as isize) as usize;
    // Number of output samples before the signal starts, and in it.
    let n_left = ((lo as isize - start).max(0) as usize).min(frame_length);
    let n_mid = hi.saturating_sub(lo);
    let (left_value, right_value) = match (padding, n) {
        (_, 0) | (Padding::Zero, _) => (0.0, 0.0),
        // The padding repeats the signal's first and last samples, which are in the window
        // when the frame reaches past that end (and not read otherwise).
        (Padding::Edge, _) => (
            if n_left > 0 { signal.get(0..1)[0] } else { 0.0 },
            if n_left + n_mid < frame_length { signal.get(n - 1..n)[0] } else { 0.0 },
        ),
    };
    out[..n_left].fill(left_value);
    out[n_left..n_left + n_mid].copy_from_slice(signal.get(lo..hi));
    out[n_left + n_mid..].fill(right_value);
}

/// All centred frames as an array of shape `(n_frames, frame_length)` (the transpose of
/// librosa's `(frame_length, n_frames)`).
#[must_use]
pub fn centered_frames(signal: &[f32], frame_length: usize, hop_length: usize, padding: Padding) -> Array2<f32> {
    let n_frames = n_centered_frames(signal.len(), frame_length, hop_length);
    let mut frames = Array2::zeros((n_frames, frame_length));
    for (t, mut row) in frames.rows_mut().into_iter().enumerate() {
        let out = row.as_slice_mut().expect("rows of a standard-layout array are contiguous");
        centered_frame_into(SignalWindow::whole(signal), hop_length, t, padding, out);
    }
    frames
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_count_matches_librosa() {
        // librosa: 1 + len // hop for even frame lengths.
        assert_eq!(n_centered_frames(22_050, 2048, 512), 44);
        assert_eq!(n_centered_frames(2048, 2048, 512), 5);
        assert_eq!(n_centered_frames(1, 2048, 512), 1);
        assert_eq!(n_centered_frames(0, 2048, 512), 1);
        // odd frame length pads (n-1)/2 on each side
        assert_eq!(n_centered_frames(10, 5, 2), 1 + (10 + 4 - 5) / 2);
    }

    #[test]
    fn zero_and_edge_padding() {
        let x = [1.0_f32, 2.0, 3.0, 4.0, 5.0];
        let f = centered_frames(&x, 4, 2, Padding::Zero);
        assert_eq!(f.nrows(), 3);
        assert_eq!(f.row(0).to_vec(), vec![0.0, 0.0, 1.0, 2.0]);
        assert_eq!(f.row(1).to_vec(), vec![1.0, 2.0, 3.0, 4.0]);
        assert_eq!(f.row(2).to_vec(), vec![3.0, 4.0, 5.0, 0.0]);
        let e = centered_frames(&x, 4, 2, Padding::Edge);
        assert_eq!(e.row(0).to_vec(), vec![1.0, 1.0, 1.0, 2.0]);
        assert_eq!(e.row(2).to_vec(), vec![3.0, 4.0, 5.0, 5.0]);
    }

    #[test]
    fn frame_longer_than_signal() {
        let x = [1.0_f32, 2.0];
        let f = centered_frames(&x, 8, 4, Padding::Edge);
        assert_eq!(f.nrows(), 1);
        assert_eq!(f.row(0).to_vec(), vec![1.0, 1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 2.0]);
        let z = centered_frames(&[], 4, 2, Padding::Edge);
        assert_eq!(z.row(0).to_vec(), vec![0.0; 4]);
    }
}

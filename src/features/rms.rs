//! Root-mean-square energy from the time signal: `librosa.feature.rms(y=y)` (0.11) with its
//! defaults (`frame_length=2048`, `hop_length=512`, `center=True`, `pad_mode="constant"`):
//! centred zero-padded frames, `sqrt(mean(x²))` with `x²` in float32 (`abs2(dtype=float32)`);
//! the mean is accumulated in f64 here (librosa: float32), a difference of a few float32 ulps.

use super::frame::{centered_frame_into, n_centered_frames, Padding};
use super::kernels::sum_sq_f32;

/// Per-frame RMS of `signal`, handed to `each` in order, reusing `frame` (resized to
/// `frame_length`) as scratch.
pub fn rms_each(
    signal: &[f32],
    frame_length: usize,
    hop_length: usize,
    frame: &mut Vec<f32>,
    mut each: impl FnMut(f64),
) {
    frame.resize(frame_length, 0.0);
    let n_frames = n_centered_frames(signal.len(), frame_length, hop_length);
    let half = frame_length / 2;
    for t in 0..n_frames {
        // Zero padding adds nothing to the sum: frames inside the signal are read in place.
        let start = t * hop_length;
        let sum = if start >= half && start - half + frame_length <= signal.len() {
            sum_sq_f32(&signal[start - half..start - half + frame_length])
        } else {
            centered_frame_into(signal, hop_length, t, Padding::Zero, frame);
            sum_sq_f32(frame)
        };
        each((sum / frame_length as f64).sqrt());
    }
}

/// Per-frame RMS of `signal`.
#[must_use]
pub fn rms(signal: &[f32], frame_length: usize, hop_length: usize) -> Vec<f64> {
    let mut out = Vec::new();
    rms_each(signal, frame_length, hop_length, &mut Vec::new(), |v| out.push(v));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_signal() {
        let x = vec![0.5_f32; 4096];
        let r = rms(&x, 2048, 512);
        assert_eq!(r.len(), 9);
        // frame 0 is half padding: sqrt(1024 · 0.25 / 2048)
        assert!((r[0] - (0.125_f64).sqrt()).abs() < 1e-12);
        assert!((r[4] - 0.5).abs() < 1e-12);
    }
}

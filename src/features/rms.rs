//! Root-mean-square energy from the time signal: `librosa.feature.rms(y=y)` (0.11) with its
//! defaults (`frame_length=2048`, `hop_length=512`, `center=True`, `pad_mode="constant"`):
//! centred zero-padded frames, `sqrt(mean(x²))` with `x²` in float32 (`abs2(dtype=float32)`);
//! the mean is accumulated in f64 here (librosa: float32), a difference of a few float32 ulps.

use super::frame::{centered_frame_into, n_centered_frames, Padding, SignalWindow};
use super::kernels::sum_sq_f32;

/// RMS of frames `frames` of a signal, handed to `each` in order; `signal` holds the samples
/// those frames read (see [`SignalWindow::span_of_frames`]) and `frame` (resized to
/// `frame_length`) is scratch.
pub fn rms_frames(
    signal: SignalWindow<'_>,
    frame_length: usize,
    hop_length: usize,
    frames: std::ops::Range<usize>,
    frame: &mut Vec<f32>,
    mut each: impl FnMut(f64),
) {
    frame.resize(frame_length, 0.0);
    let half = frame_length / 2;
    for t in frames {
        // Zero padding adds nothing to the sum: frames inside the signal are read in place.
        let start = t * hop_length;
        let sum = if start >= half && start - half + frame_length <= signal.signal_len {
            sum_sq_f32(signal.get(start - half..start - half + frame_length))
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
    let frames = 0..n_centered_frames(signal.len(), frame_length, hop_length);
    rms_frames(SignalWindow::whole(signal), frame_length, hop_length, frames, &mut Vec::new(), |v| out.push(v));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_of_frames_read_from_windows_give_the_rms_of_the_whole() {
        let x: Vec<f32> = (0..3000).map(|i| (i as f32 * 0.37).sin() * (1.0 + (i % 97) as f32 / 97.0)).collect();
        for (fl, hop, block) in [(2048, 512, 1), (64, 16, 7), (16, 40, 3), (5, 2, 3), (2, 7, 1), (9, 20, 2)] {
            let n_frames = n_centered_frames(x.len(), fl, hop);
            let mut got = Vec::new();
            for start in (0..n_frames).step_by(block) {
                let frames = start..(start + block).min(n_frames);
                let window = SignalWindow::for_frames(&x, &frames, fl, hop);
                rms_frames(window, fl, hop, frames, &mut Vec::new(), |v| got.push(v));
            }
            assert_eq!(got, rms(&x, fl, hop), "{fl} {hop} {block}");
            // And the whole equals zero-padded frames summed one by one.
            let frames = crate::features::frame::centered_frames(&x, fl, hop, Padding::Zero);
            let naive: Vec<f64> = frames
                .rows()
                .into_iter()
                .map(|r| (sum_sq_f32(r.as_slice().expect("row")) / fl as f64).sqrt())
                .collect();
            assert_eq!(got, naive, "{fl} {hop}");
        }
    }

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

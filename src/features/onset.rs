//! Onset strength: `librosa.onset.onset_strength(y=y, sr=sr)` (0.11) with its defaults —
//! mel power spectrogram → `power_to_db` (ref 1, top_db 80) → first difference over time
//! (`lag=1`, `max_size=1`, i.e. no maximum filter) → negative values dropped → mean over mel
//! bands → shifted right by `lag + n_fft / (2 · hop_length)` frames (the `center=True`
//! correction) and cut to the number of STFT frames.
//!
//! librosa works in float32 here (dB values, differences, a float32 mean); we take the
//! float32 dB values and differences as librosa does, sum in f64 and round the mean to f32.

use ndarray::ArrayView2;

/// Onset strength envelope from a mel dB spectrogram `(n_frames, n_mels)` (the transpose of
/// librosa's), one value per frame.
#[must_use]
pub fn onset_strength(mel_db: ArrayView2<f32>, n_fft: usize, hop_length: usize) -> Vec<f32> {
    let mut out = Vec::new();
    onset_strength_into(mel_db, n_fft, hop_length, &mut out);
    out
}

/// As [`onset_strength`], into `out`.
pub fn onset_strength_into(mel_db: ArrayView2<f32>, n_fft: usize, hop_length: usize, out: &mut Vec<f32>) {
    let n_frames = mel_db.nrows();
    out.clear();
    out.resize(n_frames, 0.0);
    let row = |t: usize| mel_db.row(t).to_slice().expect("mel dB rows are contiguous");
    for t in 1..n_frames {
        set_onset_frame(out, t, row(t), row(t - 1), n_fft, hop_length);
    }
}

/// Sets frame `t`'s value in an envelope of one value per frame, from its mel dB row `now`
/// and the previous frame's `before` (`lag = 1`): the mean over bands of the rises. librosa
/// shifts the differences right by `lag + n_fft / (2 · hop_length)` frames from the first
/// frame of each pair, `t − 1`, so the value lands at `t + n_fft / (2 · hop_length)`; past
/// the envelope's end it is cut. Called for `t = 1, 2, …` as the rows become available.
pub fn set_onset_frame(envelope: &mut [f32], t: usize, now: &[f32], before: &[f32], n_fft: usize, hop_length: usize) {
    if let Some(o) = envelope.get_mut(t + n_fft / (2 * hop_length)) {
        let sum: f64 = now.iter().zip(before).map(|(&a, &b)| f64::from((a - b).max(0.0))).sum();
        *o = (sum / now.len().max(1) as f64) as f32;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    #[test]
    fn a_step_shows_three_frames_later() {
        // 8 frames, 2 mels; level jumps by 10 dB at frame 4
        let mut s = Array2::<f32>::zeros((8, 2));
        for t in 4..8 {
            s[[t, 0]] = 10.0;
            s[[t, 1]] = 20.0;
        }
        let env = onset_strength(s.view(), 2048, 512);
        // the difference frame 4 - frame 3 lands at index 3 + lag 1 + 2 = 6
        assert_eq!(env, vec![0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 15.0, 0.0]);
    }
}

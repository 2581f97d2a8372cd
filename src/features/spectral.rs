//! Spectral shape of magnitude frames: `librosa.feature.spectral_centroid`,
//! `spectral_bandwidth` (p = 2, `norm=True`) and `spectral_rolloff` (0.11), all on the
//! magnitude spectrogram (`power=1`).
//!
//! Centroid and bandwidth weight the bin frequencies by the frame normalised to unit sum; as in
//! librosa the normalised frame is stored as float32 (`normalize` writes into an array of the
//! input's dtype) and the weighted sums are f64. A frame whose sum is below the float32 `tiny`
//! is left unnormalised (it is all zeros, so its centroid is 0).
//!
//! Roll-off is a threshold decision on a float32 running sum (`np.cumsum` of float32 is
//! sequential float32 addition); it is reproduced operation for operation, because one bin of
//! difference moves a frame's roll-off by 10.8 Hz.

/// Normalises a magnitude frame to unit sum as `librosa.util.normalize(S, norm=1)` does,
/// writing float32 values into `out`; returns whether the frame was normalised.
pub fn normalize_l1_f32(frame: &[f32], out: &mut [f32]) -> bool {
    let length: f64 = frame.iter().map(|&v| f64::from(v.abs())).sum();
    if length < f64::from(f32::MIN_POSITIVE) {
        out.copy_from_slice(frame);
        false
    } else {
        for (o, &v) in out.iter_mut().zip(frame) {
            *o = (f64::from(v) / length) as f32;
        }
        true
    }
}

/// Spectral centroid and bandwidth of one magnitude frame, in Hz, given the bin frequencies and
/// a scratch buffer of the frame's length.
#[must_use]
pub fn centroid_bandwidth(frame: &[f32], freqs: &[f64], scratch: &mut [f32]) -> (f64, f64) {
    normalize_l1_f32(frame, scratch);
    let centroid: f64 = freqs.iter().zip(scratch.iter()).map(|(&f, &w)| f * f64::from(w)).sum();
    let var: f64 = freqs
        .iter()
        .zip(scratch.iter())
        .map(|(&f, &w)| {
            let d = (centroid - f).abs();
            f64::from(w) * (d * d)
        })
        .sum();
    (centroid, var.sqrt())
}

/// Spectral roll-off of one magnitude frame, in Hz: the frequency of the first bin at which the
/// float32 running sum reaches `roll_percent` (rounded to float32) times the total.
#[must_use]
pub fn rolloff(frame: &[f32], freqs: &[f64], roll_percent: f64) -> f64 {
    let total = frame.iter().fold(0.0_f32, |acc, &v| acc + v);
    let threshold = (roll_percent as f32) * total;
    let mut acc = 0.0_f32;
    for (&v, &f) in frame.iter().zip(freqs) {
        acc += v;
        if acc >= threshold {
            return f;
        }
    }
    // Unreachable for finite non-negative input (the total itself reaches the threshold);
    // librosa's nanmin over an all-NaN column would give NaN.
    f64::NAN
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::mel::fft_frequencies;

    #[test]
    fn single_bin_frame() {
        let freqs = fft_frequencies(22_050.0, 2048);
        let mut frame = vec![0.0_f32; 1025];
        frame[100] = 3.0;
        let mut scratch = vec![0.0; 1025];
        let (c, b) = centroid_bandwidth(&frame, &freqs, &mut scratch);
        assert!((c - freqs[100]).abs() < 1e-9);
        assert!(b.abs() < 1e-9);
        assert_eq!(rolloff(&frame, &freqs, 0.85), freqs[100]);
    }

    #[test]
    fn two_equal_bins() {
        let freqs = fft_frequencies(22_050.0, 2048);
        let mut frame = vec![0.0_f32; 1025];
        frame[100] = 1.0;
        frame[200] = 1.0;
        let mut scratch = vec![0.0; 1025];
        let (c, b) = centroid_bandwidth(&frame, &freqs, &mut scratch);
        assert!((c - freqs[150]).abs() < 1e-9);
        assert!((b - (freqs[200] - freqs[150])).abs() < 1e-9);
        assert_eq!(rolloff(&frame, &freqs, 0.85), freqs[200]);
        assert_eq!(rolloff(&frame, &freqs, 0.4), freqs[100]);
    }

    #[test]
    fn silent_frame() {
        let freqs = fft_frequencies(22_050.0, 2048);
        let frame = vec![0.0_f32; 1025];
        let mut scratch = vec![0.0; 1025];
        assert_eq!(centroid_bandwidth(&frame, &freqs, &mut scratch), (0.0, 0.0));
        assert_eq!(rolloff(&frame, &freqs, 0.85), 0.0);
    }
}

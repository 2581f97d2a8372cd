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

use super::kernels::{dot_f64_f32, sum_f32};

/// Normalises a magnitude frame to unit sum as `librosa.util.normalize(S, norm=1)` does,
/// writing float32 values into `out`; returns whether the frame was normalised.
pub fn normalize_l1_f32(frame: &[f32], out: &mut [f32]) -> bool {
    // Magnitudes are non-negative, so |v| = v.
    debug_assert!(frame.iter().all(|&v| v >= 0.0));
    let length = sum_f32(frame);
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
    let centroid = dot_f64_f32(freqs, scratch);
    // Σ w·(centroid − f)², with independent accumulators (see `kernels`).
    let mut acc = [0.0_f64; 4];
    let mut cf = freqs.chunks_exact(4);
    let mut cw = scratch.chunks_exact(4);
    for (f, w) in (&mut cf).zip(&mut cw) {
        for j in 0..4 {
            let d = centroid - f[j];
            acc[j] += f64::from(w[j]) * (d * d);
        }
    }
    let mut var = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for (&f, &w) in cf.remainder().iter().zip(cw.remainder()) {
        let d = centroid - f;
        var += f64::from(w) * (d * d);
    }
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

/// Roll-off of every frame of a magnitude spectrogram `(n_frames, n_bins)`, bit-identical to
/// [`rolloff`] per frame. Four frames advance in lockstep so their four sequential float32
/// running sums overlap in the pipeline; the crossing bin is then a binary search, since a
/// running sum of non-negative values never decreases.
pub fn rolloff_frames(
    magnitude: ndarray::ArrayView2<f32>,
    freqs: &[f64],
    roll_percent: f64,
    cumsum: &mut Vec<f32>,
    out: &mut Vec<f64>,
) {
    const G: usize = 4;
    out.clear();
    let n_bins = magnitude.ncols();
    let zeros = vec![0.0_f32; n_bins];
    cumsum.resize(G * n_bins, 0.0);
    let rows: Vec<&[f32]> =
        magnitude.rows().into_iter().map(|r| r.to_slice().expect("spectrogram rows are contiguous")).collect();
    for group in rows.chunks(G) {
        let r: [&[f32]; G] = std::array::from_fn(|g| group.get(g).copied().unwrap_or(&zeros));
        let (c0, rest) = cumsum.split_at_mut(n_bins);
        let (c1, rest) = rest.split_at_mut(n_bins);
        let (c2, c3) = rest.split_at_mut(n_bins);
        let mut acc = [0.0_f32; G];
        for k in 0..n_bins {
            acc[0] += r[0][k];
            acc[1] += r[1][k];
            acc[2] += r[2][k];
            acc[3] += r[3][k];
            c0[k] = acc[0];
            c1[k] = acc[1];
            c2[k] = acc[2];
            c3[k] = acc[3];
        }
        for (g, c) in [&*c0, &*c1, &*c2, &*c3].into_iter().enumerate().take(group.len()) {
            let threshold = (roll_percent as f32) * acc[g];
            let k = c.partition_point(|&v| v < threshold);
            out.push(freqs.get(k).copied().unwrap_or(f64::NAN));
        }
    }
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
    fn batched_rolloff_equals_per_frame() {
        let freqs = fft_frequencies(22_050.0, 2048);
        let mag = ndarray::Array2::from_shape_fn((7, 1025), |(t, k)| {
            ((k * 31 + t * 17) % 97) as f32 * (1.0 + t as f32) * 1e-3
        });
        let mut out = Vec::new();
        rolloff_frames(mag.view(), &freqs, 0.85, &mut Vec::new(), &mut out);
        let want: Vec<f64> =
            mag.rows().into_iter().map(|r| rolloff(r.as_slice().expect("row"), &freqs, 0.85)).collect();
        assert_eq!(out, want);
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

//! MFCC: `librosa.feature.mfcc` (0.11) = orthonormal DCT-II (`scipy.fft.dct(type=2,
//! norm="ortho")`) over the mel axis of `power_to_db(melspectrogram(y, norm="slaney"))`, first
//! `n_mfcc` rows, no liftering.
//!
//! The DCT is a precomputed `(n_mfcc, n_mels)` matrix (only the kept rows), applied in f64.
//! scipy evaluates the float32 DCT in float32; the difference is a few float32 ulps.

use ndarray::{Array2, ArrayView2};

use super::kernels::dot_f64_f32;

/// Orthonormal DCT-II matrix restricted to its first `n_out` rows, shape `(n_out, n_in)`:
/// `D[k, n] = f_k · cos(π k (2n + 1) / (2 n_in))`, `f_0 = √(1/n_in)`, `f_k = √(2/n_in)`.
#[must_use]
pub fn dct_ortho_matrix(n_in: usize, n_out: usize) -> Array2<f64> {
    let n = n_in as f64;
    Array2::from_shape_fn((n_out, n_in), |(k, i)| {
        let scale = if k == 0 { (1.0 / n).sqrt() } else { (2.0 / n).sqrt() };
        scale * (std::f64::consts::PI * k as f64 * (2 * i + 1) as f64 / (2.0 * n)).cos()
    })
}

/// MFCCs of one frame of mel dB values: `out[k] = Σ_m D[k, m] · mel_db[m]`.
pub fn mfcc_frame(dct: ArrayView2<f64>, mel_db: &[f32], out: &mut [f64]) {
    for (row, o) in dct.rows().into_iter().zip(out.iter_mut()) {
        let row = row.as_slice().expect("DCT rows are contiguous");
        *o = dot_f64_f32(row, mel_db);
    }
}

/// MFCCs of a mel dB spectrogram `(n_frames, n_mels)` → `(n_frames, n_mfcc)` (the transpose of
/// librosa's `(n_mfcc, n_frames)`).
#[must_use]
pub fn mfcc(dct: ArrayView2<f64>, mel_db: ArrayView2<f32>) -> Array2<f64> {
    let mut out = Array2::zeros((mel_db.nrows(), dct.nrows()));
    for (x, mut o) in mel_db.rows().into_iter().zip(out.rows_mut()) {
        let x = x.as_slice().expect("mel rows are contiguous");
        mfcc_frame(dct, x, o.as_slice_mut().expect("standard layout"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dct_is_orthonormal() {
        let d = dct_ortho_matrix(16, 16);
        let g = d.dot(&d.t());
        for i in 0..16 {
            for j in 0..16 {
                let want = if i == j { 1.0 } else { 0.0 };
                assert!((g[[i, j]] - want).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn constant_input_only_has_dc() {
        // scipy.fft.dct(np.ones(8), norm="ortho") = [sqrt(8), 0, ...]
        let d = dct_ortho_matrix(8, 3);
        let mut out = [0.0; 3];
        mfcc_frame(d.view(), &[1.0; 8], &mut out);
        assert!((out[0] - 8f64.sqrt()).abs() < 1e-12);
        assert!(out[1].abs() < 1e-12 && out[2].abs() < 1e-12);
    }
}

//! Slaney mel scale and mel filter bank, as `librosa.filters.mel` (0.11) with `htk=False`,
//! `norm="slaney"`, and `librosa.feature.melspectrogram` applied to a power spectrogram.
//!
//! The bank is stored sparsely (each band's contiguous run of non-zero weights): about
//! 2·(1 + n_fft/2) multiplications per frame instead of n_mels·(1 + n_fft/2).

use ndarray::{Array2, ArrayView2};

use super::kernels::dot_f32;

/// Frequencies of the STFT bins, in Hz: `np.fft.rfftfreq(n_fft, 1/sr)`, computed as numpy does
/// (`k · (1 / (n_fft · (1/sr)))`).
#[must_use]
pub fn fft_frequencies(sample_rate_hz: f64, n_fft: usize) -> Vec<f64> {
    let val = 1.0 / (n_fft as f64 * (1.0 / sample_rate_hz));
    (0..=n_fft / 2).map(|k| k as f64 * val).collect()
}

const F_SP: f64 = 200.0 / 3.0;
const MIN_LOG_HZ: f64 = 1000.0;

fn logstep() -> f64 {
    6.4_f64.ln() / 27.0
}

/// Hz → Slaney mel (`librosa.hz_to_mel(f, htk=False)`): linear below 1 kHz, logarithmic above.
#[must_use]
pub fn hz_to_mel(f: f64) -> f64 {
    let min_log_mel = (MIN_LOG_HZ - 0.0) / F_SP;
    if f >= MIN_LOG_HZ {
        min_log_mel + (f / MIN_LOG_HZ).ln() / logstep()
    } else {
        (f - 0.0) / F_SP
    }
}

/// Slaney mel → Hz (`librosa.mel_to_hz(m, htk=False)`).
#[must_use]
pub fn mel_to_hz(m: f64) -> f64 {
    let min_log_mel = (MIN_LOG_HZ - 0.0) / F_SP;
    if m >= min_log_mel {
        MIN_LOG_HZ * (logstep() * (m - min_log_mel)).exp()
    } else {
        0.0 + F_SP * m
    }
}

/// `n` points of `np.linspace(start, stop, n)` (endpoint included), computed as numpy does.
#[must_use]
pub(crate) fn linspace(start: f64, stop: f64, n: usize) -> Vec<f64> {
    match n {
        0 => Vec::new(),
        1 => vec![start],
        _ => {
            let step = (stop - start) / (n - 1) as f64;
            let mut v: Vec<f64> = (0..n).map(|i| i as f64 * step + start).collect();
            v[n - 1] = stop;
            v
        }
    }
}

/// Centre frequencies of `n_mels` bands uniformly spaced on the Slaney mel scale between
/// `fmin` and `fmax`, in Hz (`librosa.mel_frequencies(htk=False)`).
#[must_use]
pub fn mel_frequencies(n_mels: usize, fmin_hz: f64, fmax_hz: f64) -> Vec<f64> {
    linspace(hz_to_mel(fmin_hz), hz_to_mel(fmax_hz), n_mels).into_iter().map(mel_to_hz).collect()
}

/// The dense Slaney-normalised mel filter bank, shape `(n_mels, 1 + n_fft/2)`, float32, equal to
/// `librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax)`.
///
/// librosa builds the triangles in f64, stores them in a float32 array, then multiplies that
/// array in place by the f64 Slaney factors (rounding again to f32); we round the same twice.
#[must_use]
pub fn mel_filterbank(sample_rate_hz: f64, n_fft: usize, n_mels: usize, fmin_hz: f64, fmax_hz: f64) -> Array2<f32> {
    let fftfreqs = fft_frequencies(sample_rate_hz, n_fft);
    let mel_f = mel_frequencies(n_mels + 2, fmin_hz, fmax_hz);
    let mut weights = Array2::<f32>::zeros((n_mels, fftfreqs.len()));
    for i in 0..n_mels {
        let fdiff_lo = mel_f[i + 1] - mel_f[i];
        let fdiff_hi = mel_f[i + 2] - mel_f[i + 1];
        let enorm = 2.0 / (mel_f[i + 2] - mel_f[i]);
        for (k, &f) in fftfreqs.iter().enumerate() {
            let lower = -(mel_f[i] - f) / fdiff_lo;
            let upper = (mel_f[i + 2] - f) / fdiff_hi;
            let w = 0.0_f64.max(lower.min(upper)) as f32;
            weights[[i, k]] = (f64::from(w) * enorm) as f32;
        }
    }
    weights
}

/// A mel filter bank stored as one contiguous run of non-zero weights per band.
#[derive(Debug, Clone)]
pub struct MelFilterbank {
    n_bins: usize,
    bands: Vec<(usize, Vec<f32>)>,
}

impl MelFilterbank {
    /// Sparse form of [`mel_filterbank`].
    #[must_use]
    pub fn new(sample_rate_hz: f64, n_fft: usize, n_mels: usize, fmin_hz: f64, fmax_hz: f64) -> Self {
        Self::from_dense(mel_filterbank(sample_rate_hz, n_fft, n_mels, fmin_hz, fmax_hz).view())
    }

    /// Sparse form of any `(n_mels, n_bins)` bank whose non-zero weights are contiguous per row
    /// (zeros inside the run are kept).
    #[must_use]
    pub fn from_dense(dense: ArrayView2<f32>) -> Self {
        let bands = dense
            .rows()
            .into_iter()
            .map(|row| {
                let first = row.iter().position(|&w| w != 0.0);
                match first {
                    None => (0, Vec::new()),
                    Some(lo) => {
                        let hi = row.len() - row.iter().rev().position(|&w| w != 0.0).unwrap_or(0);
                        (lo, row.iter().skip(lo).take(hi - lo).copied().collect())
                    }
                }
            })
            .collect();
        Self { n_bins: dense.ncols(), bands }
    }

    /// Number of mel bands.
    #[must_use]
    pub fn n_mels(&self) -> usize {
        self.bands.len()
    }

    /// Number of STFT bins the bank expects.
    #[must_use]
    pub fn n_bins(&self) -> usize {
        self.n_bins
    }

    /// Mel power of one frame: `out[m] = Σ_k w[m, k] · power[k]`, accumulated in f64 and
    /// rounded to f32 (librosa's float32 `einsum` goes through BLAS sgemm, whose summation order
    /// we cannot reproduce; this is within an ulp or two of it).
    pub fn apply_frame(&self, power: &[f32], out: &mut [f32]) {
        debug_assert_eq!(power.len(), self.n_bins);
        for ((lo, w), o) in self.bands.iter().zip(out.iter_mut()) {
            *o = dot_f32(w, &power[*lo..*lo + w.len()]) as f32;
        }
    }

    /// Mel spectrogram of a power spectrogram `(n_frames, n_bins)` → `(n_frames, n_mels)`
    /// (the transpose of `librosa.feature.melspectrogram`'s output).
    #[must_use]
    pub fn apply(&self, power: ArrayView2<f32>) -> Array2<f32> {
        let mut out = Array2::zeros((power.nrows(), self.n_mels()));
        self.apply_into(power, &mut out);
        out
    }

    /// As [`MelFilterbank::apply`], into `out` (resized if its shape differs).
    pub fn apply_into(&self, power: ArrayView2<f32>, out: &mut Array2<f32>) {
        if out.dim() != (power.nrows(), self.n_mels()) {
            *out = Array2::zeros((power.nrows(), self.n_mels()));
        }
        for (p, mut o) in power.rows().into_iter().zip(out.rows_mut()) {
            let p = p.as_slice().expect("power rows are contiguous");
            self.apply_frame(p, o.as_slice_mut().expect("standard layout"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mel_scale_round_trips_and_matches_librosa() {
        // librosa.hz_to_mel(440.0) = 6.6, hz_to_mel(2000.0) = 25.081880157308323
        assert!((hz_to_mel(440.0) - 6.6).abs() < 1e-12);
        assert!((hz_to_mel(2000.0) - 25.081_880_157_308_323).abs() < 1e-12);
        for f in [0.0, 100.0, 999.0, 1000.0, 4321.0, 11_025.0] {
            assert!((mel_to_hz(hz_to_mel(f)) - f).abs() < 1e-9 * f.max(1.0));
        }
    }

    #[test]
    fn fft_frequencies_match_rfftfreq() {
        let f = fft_frequencies(22_050.0, 2048);
        assert_eq!(f.len(), 1025);
        assert_eq!(f[0], 0.0);
        assert!((f[1] - 10.766_601_562_5).abs() < 1e-12);
        assert_eq!(f[1024], 11_025.0);
    }

    #[test]
    fn filterbank_shape_and_sparse_equals_dense() {
        let dense = mel_filterbank(22_050.0, 2048, 128, 0.0, 11_025.0);
        assert_eq!(dense.dim(), (128, 1025));
        assert!(dense.iter().all(|&w| w >= 0.0));
        assert!(dense.rows().into_iter().all(|r| r.iter().any(|&w| w > 0.0)));
        let sparse = MelFilterbank::from_dense(dense.view());
        let power: Vec<f32> = (0..1025).map(|k| ((k * 37) % 101) as f32 * 0.01).collect();
        let mut out = vec![0.0; 128];
        sparse.apply_frame(&power, &mut out);
        for (m, row) in dense.rows().into_iter().enumerate() {
            let d: f64 = row.iter().zip(&power).map(|(&w, &p)| f64::from(w) * f64::from(p)).sum();
            assert!((f64::from(out[m]) - d).abs() <= 1e-6 * d.abs().max(1e-12));
        }
    }

    #[test]
    fn linspace_matches_numpy() {
        assert_eq!(linspace(-0.5, 0.5, 101)[51], 0.010_000_000_000_000_009);
        assert_eq!(linspace(0.0, 1.0, 3), vec![0.0, 0.5, 1.0]);
    }
}

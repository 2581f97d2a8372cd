//! Short-time Fourier transform, as `librosa.stft` (0.11) computes it before `np.abs`.
//!
//! Conventions: Hann *periodic* window of length `n_fft` (`scipy.signal.get_window("hann",
//! n_fft, fftbins=True)`), centred frames with zero padding (`pad_mode="constant"`), frame `t`
//! centred at `t · hop_length`, unnormalised forward FFT (like the numpy `rfft` librosa calls).
//!
//! Numerics: librosa multiplies the float64 window by the float32 samples, takes a float64
//! `rfft` and stores the result as complex64. We do the same (realfft in f64, each component
//! rounded to f32), then take the magnitude exactly as numpy 2.x's SIMD `np.abs` of complex64
//! does ([`numpy_cabs_f32`]). The magnitudes are therefore bit-identical to librosa's in all but
//! a vanishing fraction of bins, which keeps threshold decisions (roll-off bins, piptrack
//! peaks, the tuning histogram) identical too.

use std::fmt;
use std::sync::Arc;

use ndarray::Array2;
use realfft::num_complex::Complex;
use realfft::{RealFftPlanner, RealToComplex};

use super::frame::{centered_frame_into, n_centered_frames, Padding, SignalWindow};

/// Hann periodic window of length `n`, computed as scipy's `general_cosine` does:
/// `0.5 + 0.5·cos(−π + k·2π/n)`.
#[must_use]
pub fn hann_periodic(n: usize) -> Vec<f64> {
    if n <= 1 {
        return vec![1.0; n];
    }
    // scipy: fac = linspace(-pi, pi, n + 1); w = 0.5 * cos(0 * fac) + 0.5 * cos(fac); drop last
    let step = (2.0 * std::f64::consts::PI) / n as f64;
    (0..n)
        .map(|k| {
            let fac = k as f64 * step + -std::f64::consts::PI;
            0.5 + 0.5 * fac.cos()
        })
        .collect()
}

/// `np.abs` of a complex64 value as numpy 2.x computes it with SIMD (Highway `OpCabs`):
/// `larger · sqrt(fma(r, r, 1))` with `r = smaller / larger`, all in f32.
///
/// This is not the correctly rounded hypot: it differs from it in about a third of the bins by
/// one or two ulps, so matching it is what makes magnitudes bit-identical to librosa's.
#[must_use]
#[inline]
pub fn numpy_cabs_f32(re: f32, im: f32) -> f32 {
    let (a, b) = (re.abs(), im.abs());
    let larger = a.max(b);
    let smaller = a.min(b);
    // numpy masks the 0/0 division (ratio 0, result 0 · 1 = 0); written as a select so the
    // compiler can vectorise the loop that calls this.
    let ratio = smaller / larger;
    let ratio = if larger == 0.0 { 0.0 } else { ratio };
    // f32 fused multiply-add through f64: ratio² is exact in f64 and adding 1 rounds once
    // (a second rounding to f32 can only differ on exact f32 ties, which never occur here).
    let r = f64::from(ratio);
    let fma = (r * r + 1.0) as f32;
    fma.sqrt() * larger
}

/// [`numpy_cabs_f32`] of every value of a complex64-rounded spectrum, eight at a time: the
/// same operations, arranged so the compiler emits four-lane float32 division and square
/// root (the loop's cost) instead of two-lane ones.
fn cabs_row(spectrum: &[Complex<f64>], mag: &mut [f32]) {
    const W: usize = 8;
    let mut cs = spectrum.chunks_exact(W);
    let mut ms = mag.chunks_exact_mut(W);
    for (c, m) in (&mut cs).zip(&mut ms) {
        let mut larger = [0.0_f32; W];
        let mut smaller = [0.0_f32; W];
        for j in 0..W {
            let a = (c[j].re as f32).abs();
            let b = (c[j].im as f32).abs();
            larger[j] = if a > b { a } else { b };
            smaller[j] = if a > b { b } else { a };
        }
        let mut ratio = [0.0_f32; W];
        for j in 0..W {
            let r = smaller[j] / larger[j];
            ratio[j] = if larger[j] == 0.0 { 0.0 } else { r };
        }
        let mut fma = [0.0_f32; W];
        for j in 0..W {
            let r = f64::from(ratio[j]);
            fma[j] = (r * r + 1.0) as f32;
        }
        for j in 0..W {
            m[j] = fma[j].sqrt() * larger[j];
        }
    }
    for (m, c) in ms.into_remainder().iter_mut().zip(cs.remainder()) {
        *m = numpy_cabs_f32(c.re as f32, c.im as f32);
    }
}

/// A magnitude and a power spectrogram of one signal, shape `(n_frames, n_bins)`: the
/// transpose of librosa's `(1 + n_fft/2, n_frames)`, so each frame is contiguous.
#[derive(Debug, Clone, Default)]
pub struct Spectrogram {
    /// `|STFT|` as librosa's `np.abs(stft(y))` (float32), `power=1`.
    pub magnitude: Array2<f32>,
    /// `|STFT|²` as librosa's `np.abs(stft(y)) ** 2` (float32), `power=2`.
    pub power: Array2<f32>,
}

impl Spectrogram {
    /// Number of frames.
    #[must_use]
    pub fn n_frames(&self) -> usize {
        self.magnitude.nrows()
    }

    /// Number of frequency bins (`1 + n_fft/2`).
    #[must_use]
    pub fn n_bins(&self) -> usize {
        self.magnitude.ncols()
    }
}

/// An FFT plan for one `(n_fft, hop_length)`, with its window and reusable buffers.
///
/// Build it once (planning is the expensive part) and call [`SpectrumPlan::compute_into`] per
/// file; clones share the plan (`Arc`) and own their buffers, so each worker thread can hold one.
#[derive(Clone)]
pub struct SpectrumPlan {
    n_fft: usize,
    hop_length: usize,
    fft: Arc<dyn RealToComplex<f64>>,
    window: Vec<f64>,
    frame: Vec<f32>,
    input: Vec<f64>,
    output: Vec<Complex<f64>>,
    scratch: Vec<Complex<f64>>,
}

impl fmt::Debug for SpectrumPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpectrumPlan")
            .field("n_fft", &self.n_fft)
            .field("hop_length", &self.hop_length)
            .finish_non_exhaustive()
    }
}

impl SpectrumPlan {
    /// Plans a real FFT of length `n_fft` (even, ≥ 2) and a Hann periodic window.
    ///
    /// # Panics
    /// If `n_fft < 2` or `hop_length == 0`; [`crate::features::FeatureParams::validate`] rules
    /// both out before an extractor builds a plan.
    #[must_use]
    pub fn new(n_fft: usize, hop_length: usize) -> Self {
        assert!(n_fft >= 2 && hop_length >= 1, "SpectrumPlan needs n_fft ≥ 2 and hop_length ≥ 1");
        let mut planner = RealFftPlanner::<f64>::new();
        let fft = planner.plan_fft_forward(n_fft);
        let input = fft.make_input_vec();
        let output = fft.make_output_vec();
        let scratch = fft.make_scratch_vec();
        Self { n_fft, hop_length, fft, window: hann_periodic(n_fft), frame: vec![0.0; n_fft], input, output, scratch }
    }

    /// FFT length.
    #[must_use]
    pub fn n_fft(&self) -> usize {
        self.n_fft
    }

    /// Hop length.
    #[must_use]
    pub fn hop_length(&self) -> usize {
        self.hop_length
    }

    /// Number of frequency bins, `1 + n_fft/2`.
    #[must_use]
    pub fn n_bins(&self) -> usize {
        self.n_fft / 2 + 1
    }

    /// Number of frames for `n_samples` samples, `1 + n_samples / hop_length`.
    #[must_use]
    pub fn n_frames(&self, n_samples: usize) -> usize {
        n_centered_frames(n_samples, self.n_fft, self.hop_length)
    }

    /// Computes the magnitude and power spectrograms of `samples` into `out`, resizing it if
    /// needed (no allocation when the shape is unchanged).
    pub fn compute_into(&mut self, samples: &[f32], out: &mut Spectrogram) {
        self.compute_frames_into(SignalWindow::whole(samples), 0..self.n_frames(samples.len()), out);
    }

    /// Computes frames `frames` of the spectrograms of a signal into `out` (row `i` of `out`
    /// is frame `frames.start + i`), resizing it if needed; `signal` holds the samples those
    /// frames read. Each frame depends only on the samples under its window, so a long signal
    /// can be analysed a block of frames at a time with the same values as
    /// [`compute_into`](Self::compute_into) gives for the whole.
    pub fn compute_frames_into(
        &mut self,
        signal: SignalWindow<'_>,
        frames: std::ops::Range<usize>,
        out: &mut Spectrogram,
    ) {
        let n_bins = self.n_bins();
        if out.magnitude.dim() != (frames.len(), n_bins) {
            out.magnitude = Array2::zeros((frames.len(), n_bins));
            out.power = Array2::zeros((frames.len(), n_bins));
        }
        for (row, t) in frames.enumerate() {
            centered_frame_into(signal, self.hop_length, t, Padding::Zero, &mut self.frame);
            for ((x, &w), &s) in self.input.iter_mut().zip(&self.window).zip(&self.frame) {
                *x = w * f64::from(s);
            }
            self.fft
                .process_with_scratch(&mut self.input, &mut self.output, &mut self.scratch)
                .expect("buffers were made by this plan");
            let mut mag_row = out.magnitude.row_mut(row);
            let mag = mag_row.as_slice_mut().expect("standard layout");
            cabs_row(&self.output, mag);
            let mut pow_row = out.power.row_mut(row);
            let pow = pow_row.as_slice_mut().expect("standard layout");
            for (p, &m) in pow.iter_mut().zip(mag.iter()) {
                *p = m * m;
            }
        }
    }

    /// Convenience: a fresh [`Spectrogram`] of `samples`.
    #[must_use]
    pub fn compute(&mut self, samples: &[f32]) -> Spectrogram {
        let mut out = Spectrogram::default();
        self.compute_into(samples, &mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hann_matches_scipy() {
        // scipy.signal.get_window("hann", 8, fftbins=True)
        let w = hann_periodic(8);
        let expect = [
            0.0,
            0.146_446_609_406_726_2,
            0.5,
            0.853_553_390_593_273_7,
            1.0,
            0.853_553_390_593_273_8,
            0.5,
            0.146_446_609_406_726_3,
        ];
        for (a, b) in w.iter().zip(expect) {
            assert!((a - b).abs() < 1e-15, "{a} vs {b}");
        }
    }

    #[test]
    fn cabs_is_hypot_within_two_ulps() {
        for &(re, im) in &[(3.0_f32, 4.0_f32), (0.0, 0.0), (-1e-20, 0.0), (1e-3, -7.5e-4), (123.4, 0.001)] {
            let exact = (f64::from(re).powi(2) + f64::from(im).powi(2)).sqrt();
            let got = f64::from(numpy_cabs_f32(re, im));
            assert!((got - exact).abs() <= 2.5 * f64::from(f32::EPSILON) * exact, "{re} {im}");
        }
        assert_eq!(numpy_cabs_f32(3.0, 4.0), 5.0);
        assert_eq!(numpy_cabs_f32(0.0, -2.0), 2.0);
    }

    #[test]
    fn chunked_cabs_equals_scalar() {
        let spectrum: Vec<Complex<f64>> = (0..1025)
            .map(|i| {
                let x = i as f64;
                match i % 5 {
                    0 => Complex::new(0.0, 0.0),
                    1 => Complex::new(-x * 1e-3, 0.0),
                    2 => Complex::new(x.sin() * 17.0, x.cos() * 3.0),
                    3 => Complex::new(1e-30, -x),
                    _ => Complex::new(x, x),
                }
            })
            .collect();
        let mut mag = vec![0.0_f32; 1025];
        cabs_row(&spectrum, &mut mag);
        for (m, c) in mag.iter().zip(&spectrum) {
            assert_eq!(m.to_bits(), numpy_cabs_f32(c.re as f32, c.im as f32).to_bits());
        }
    }

    #[test]
    fn sine_peaks_at_its_bin() {
        let sr = 22_050.0;
        let n_fft = 2048;
        let bin = 100.0;
        let f = bin * sr / n_fft as f64;
        let y: Vec<f32> = (0..8192).map(|i| (2.0 * std::f64::consts::PI * f * i as f64 / sr).sin() as f32).collect();
        let mut plan = SpectrumPlan::new(n_fft, 512);
        let s = plan.compute(&y);
        assert_eq!(s.n_frames(), 17);
        assert_eq!(s.n_bins(), 1025);
        let row = s.magnitude.row(8);
        let argmax = row.iter().enumerate().fold(0, |best, (i, &v)| if v > row[best] { i } else { best });
        assert_eq!(argmax, 100);
        // Hann window sum is n/2; a unit sine gives n/4 at its bin.
        assert!((f64::from(row[100]) - n_fft as f64 / 4.0).abs() < 1e-2);
        assert_eq!(s.power[[8, 100]], row[100] * row[100]);
    }

    #[test]
    fn a_block_of_frames_equals_those_rows_of_the_whole() {
        let y: Vec<f32> = (0..9_000).map(|i| ((i * 7_919) % 1_009) as f32 / 1_009.0 - 0.5).collect();
        let mut plan = SpectrumPlan::new(256, 64);
        let whole = plan.compute(&y);
        let mut block = Spectrogram::default();
        for range in [0..1, 0..40, 37..95, 130..whole.n_frames()] {
            plan.compute_frames_into(SignalWindow::for_frames(&y, &range, 256, 64), range.clone(), &mut block);
            assert_eq!(block.magnitude, whole.magnitude.slice(ndarray::s![range.clone(), ..]));
            assert_eq!(block.power, whole.power.slice(ndarray::s![range, ..]));
        }
    }

    #[test]
    fn plan_is_reusable_and_send_clone() {
        fn assert_send_clone<T: Send + Clone>() {}
        assert_send_clone::<SpectrumPlan>();
        let mut plan = SpectrumPlan::new(64, 16);
        let a = plan.compute(&[0.5; 100]);
        let b = plan.compute(&[0.5; 100]);
        assert_eq!(a.magnitude, b.magnitude);
        let mut out = Spectrogram::default();
        plan.compute_into(&[0.25; 40], &mut out);
        assert_eq!(out.n_frames(), 3);
    }
}

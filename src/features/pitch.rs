//! Pitch tracking by parabolic interpolation and tuning estimation: `librosa.piptrack`,
//! `librosa.estimate_tuning` and `librosa.pitch_tuning` (0.11).
//!
//! `piptrack` keeps, in every frame, the bins in `[fmin, fmax)` that are local maxima of the
//! spectrum after zeroing everything not above `threshold · max(frame)`; each peak's pitch is
//! `(bin + shift) · sr / n_fft`, with `shift` the vertex of the parabola through the bin and its
//! neighbours, and its magnitude `S[bin] + ½ · gradient · shift`.
//!
//! Numerics follow librosa's float32 path bit for bit where it decides something: the
//! threshold is a float32 product, the parabolic shift is librosa's numba kernel (float32 sums,
//! float64 division, rounded to float32), the gradient is numpy's float32 `np.gradient`, and
//! the tuning residuals are float32 as numpy computes them (`log2` correctly rounded here;
//! numpy's SIMD float32 `log2` differs in ~1 % of inputs by one ulp, which moves a residual by
//! ~1e-6 and a histogram count only if it sits that close to a 0.01-wide bin edge).

use ndarray::{Array2, ArrayView2};

use super::kernels::{from_order_key, max_f32, order_key};
use super::mel::{fft_frequencies, linspace};
use super::params::PiptrackParams;
use super::spill::{get_f32, put_f32, Spill};

/// One spectral peak found by `piptrack`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Peak {
    /// FFT bin of the peak.
    pub bin: usize,
    /// Interpolated frequency, in Hz (float32 as librosa stores it).
    pub pitch_hz: f32,
    /// Interpolated magnitude (float32, in the units of the spectrum given).
    pub magnitude: f32,
}

/// A configured `piptrack`: the feasible bin range and the threshold.
#[derive(Debug, Clone)]
pub struct Piptrack {
    threshold: f32,
    bin_lo: usize,
    bin_hi: usize,
    sample_rate_hz: f64,
    n_fft: usize,
}

/// The parabolic-interpolation shift at a bin, as librosa's `_pi_stencil` numba kernel on
/// float32 input: `a = f64(x₊ + x₋) − 2·f64(x₀)`, `b = f64(x₊ − x₋) / 2`,
/// `shift = 0 if |b| ≥ |a| else −b/a`, stored as f32.
#[must_use]
#[inline]
pub fn parabolic_shift(prev: f32, mid: f32, next: f32) -> f32 {
    let a = f64::from(next + prev) - 2.0 * f64::from(mid);
    let b = f64::from(next - prev) / 2.0;
    if b.abs() >= a.abs() {
        0.0
    } else {
        (-b / a) as f32
    }
}

impl Piptrack {
    /// `piptrack` for spectra of `1 + n_fft/2` bins at `sample_rate_hz`.
    #[must_use]
    pub fn new(sample_rate_hz: f64, n_fft: usize, params: &PiptrackParams) -> Self {
        let fmin = params.fmin_hz.max(0.0);
        let fmax = params.fmax_hz.min(sample_rate_hz / 2.0);
        let freqs = fft_frequencies(sample_rate_hz, n_fft);
        let bin_lo = freqs.iter().position(|&f| fmin <= f).unwrap_or(freqs.len());
        let bin_hi = freqs.iter().position(|&f| f >= fmax).unwrap_or(freqs.len()).max(bin_lo);
        Self {
            // `threshold * np.max(S)`: a Python float times a float32 array is a float32 product.
            threshold: params.threshold as f32,
            bin_lo,
            bin_hi,
            sample_rate_hz,
            n_fft,
        }
    }

    /// The bins `[lo, hi)` whose frequency lies in `[fmin, fmax)`.
    #[must_use]
    pub fn bin_range(&self) -> (usize, usize) {
        (self.bin_lo, self.bin_hi)
    }

    /// Calls `on_peak` for every peak of one frame `s` (magnitude or power), in bin order.
    pub fn frame_peaks(&self, s: &[f32], mut on_peak: impl FnMut(Peak)) {
        let n = s.len();
        if n < 2 {
            return;
        }
        let max = max_f32(s);
        let reference = self.threshold * max;
        let thr = |k: usize| if s[k] > reference { s[k] } else { 0.0 };
        let sr_over_n = (self.sample_rate_hz, self.n_fft as f64);
        for k in self.bin_lo..self.bin_hi.min(n) {
            let is_max = if k == 0 {
                false
            } else if k == n - 1 {
                thr(k) > thr(k - 1)
            } else {
                let x = thr(k);
                x > thr(k - 1) && x >= thr(k + 1)
            };
            if !is_max {
                continue;
            }
            let (shift, gradient) = if k == n - 1 {
                (0.0, s[k] - s[k - 1])
            } else {
                (parabolic_shift(s[k - 1], s[k], s[k + 1]), (s[k + 1] - s[k - 1]) / 2.0)
            };
            let dskew = 0.5 * gradient * shift;
            let pitch = (k as f64 + f64::from(shift)) * sr_over_n.0 / sr_over_n.1;
            on_peak(Peak { bin: k, pitch_hz: pitch as f32, magnitude: s[k] + dskew });
        }
    }

    /// Dense `piptrack` output like librosa's `(pitches, magnitudes)`, each of shape
    /// `(n_frames, n_bins)` (the transpose of librosa's), zero where there is no peak.
    #[must_use]
    pub fn dense(&self, s: ArrayView2<f32>) -> (Array2<f32>, Array2<f32>) {
        let mut pitches = Array2::zeros(s.dim());
        let mut mags = Array2::zeros(s.dim());
        for (t, row) in s.rows().into_iter().enumerate() {
            let row = row.as_slice().expect("spectrogram rows are contiguous");
            self.frame_peaks(row, |p| {
                pitches[[t, p.bin]] = p.pitch_hz;
                mags[[t, p.bin]] = p.magnitude;
            });
        }
        (pitches, mags)
    }

    /// Adds the pitches of one frame's peaks to `sum`, in bin order: called frame after frame,
    /// the same running total as [`pitch_sum`](Self::pitch_sum) of the whole spectrogram.
    pub fn add_pitches(&self, frame: &[f32], sum: &mut f64) {
        self.frame_peaks(frame, |p| *sum += f64::from(p.pitch_hz));
    }

    /// Sum of all peak pitches of a spectrogram, in Hz (`np.sum(pitches)` in f64): divided by
    /// `n_frames · n_bins` it is the reference recipe's "piptrack mean".
    #[must_use]
    pub fn pitch_sum(&self, s: ArrayView2<f32>) -> f64 {
        let mut sum = 0.0;
        for row in s.rows() {
            self.add_pitches(row.as_slice().expect("spectrogram rows are contiguous"), &mut sum);
        }
        sum
    }
}

/// `np.mod(x, 1.0)` for float32 (numpy's `npy_divmodf`: fmod, then moved into `[0, 1)`).
fn mod_one_f32(x: f32) -> f32 {
    let m = x % 1.0;
    if m == 0.0 {
        0.0
    } else if m < 0.0 {
        m + 1.0
    } else {
        m
    }
}

/// `librosa.pitch_tuning(frequencies, resolution, bins_per_octave)`: the most common deviation
/// of the frequencies from the equal-tempered grid (A4 = 440 Hz), in fractions of a bin, as the
/// left edge of the fullest of `ceil(1/resolution)` histogram bins over `[-0.5, 0.5]`.
/// Empty input (after dropping frequencies ≤ 0) gives 0.0, as librosa.
#[must_use]
pub fn pitch_tuning(frequencies: &[f32], resolution: f64, bins_per_octave: usize) -> f64 {
    let mut histogram = TuningHistogram::new(resolution, bins_per_octave);
    for &f in frequencies {
        histogram.add(f);
    }
    histogram.tuning()
}

/// [`pitch_tuning`]'s histogram, filled one frequency at a time.
struct TuningHistogram {
    edges: Vec<f64>,
    counts: Vec<usize>,
    bins_per_octave: f32,
    any: bool,
}

impl TuningHistogram {
    fn new(resolution: f64, bins_per_octave: usize) -> Self {
        let n_edges = (1.0 / resolution).ceil() as usize + 1;
        Self {
            edges: linspace(-0.5, 0.5, n_edges),
            counts: vec![0; n_edges - 1],
            bins_per_octave: bins_per_octave as f32,
            any: false,
        }
    }

    /// Counts `f` (ignored unless positive).
    fn add(&mut self, f: f32) {
        if f <= 0.0 || f.is_nan() {
            return;
        }
        self.any = true;
        // hz_to_octs: log2(f / (440 / 16)) in float32, then bins_per_octave · octs in float32.
        let ratio = f / 27.5_f32;
        let octs = f64::from(ratio).log2() as f32;
        let mut residual = mod_one_f32(self.bins_per_octave * octs);
        if residual >= 0.5 {
            residual -= 1.0;
        }
        let r = f64::from(residual);
        let edges = &self.edges;
        if r < edges[0] || r > edges[edges.len() - 1] {
            return;
        }
        let j = edges.partition_point(|&e| e <= r).saturating_sub(1).min(edges.len() - 2);
        self.counts[j] += 1;
    }

    /// The left edge of the fullest bin (the first of equals); 0.0 when nothing was counted.
    fn tuning(&self) -> f64 {
        if !self.any {
            return 0.0;
        }
        let counts = &self.counts;
        let best = counts.iter().enumerate().fold(0, |b, (i, &c)| if c > counts[b] { i } else { b });
        self.edges[best]
    }
}

/// Bytes of one stored peak: its pitch and magnitude as f32.
const PEAK_BYTES: usize = 8;

/// Peaks kept in memory before they move to a temporary file (about 40 minutes of speech, at 5 peaks a frame).
const PEAKS_MEMORY_BYTES: usize = 4 << 20;

/// The peaks `estimate_tuning` decides on, gathered a frame at a time. Its median needs every
/// peak of the recording (8 bytes each: about 5 a frame in speech, ~120 in white noise), so
/// they go to a spill (`features::spill`): memory stays bounded on recordings of any length.
/// Reusable: [`clear`](Self::clear) keeps the buffers.
#[derive(Debug, Clone)]
pub struct TuningPeaks {
    peaks: Spill,
    /// Counts by one digit of an order key, for each middle rank (see `median_magnitude`).
    digit_counts: [Vec<u64>; 2],
}

impl Default for TuningPeaks {
    fn default() -> Self {
        Self { peaks: Spill::new(PEAK_BYTES, PEAKS_MEMORY_BYTES), digit_counts: Default::default() }
    }
}

impl TuningPeaks {
    /// Empty, holding at most `memory_limit` bytes of peaks in memory.
    #[cfg(test)]
    pub(crate) fn with_memory_limit(memory_limit: usize) -> Self {
        Self { peaks: Spill::new(PEAK_BYTES, memory_limit), ..Self::default() }
    }

    /// Forgets the peaks gathered so far.
    pub fn clear(&mut self) {
        self.peaks.clear();
    }

    /// Forgets the peaks and frees every buffer.
    pub fn release(&mut self) {
        *self = Self::default();
    }

    /// Gathers the peaks of one frame (of the spectrogram the tuning is estimated on).
    ///
    /// Errors: the temporary file the peaks of a long recording go to could not be written.
    pub fn add_frame(&mut self, piptrack: &Piptrack, frame: &[f32]) -> std::io::Result<()> {
        let mut result = Ok(());
        piptrack.frame_peaks(frame, |p| {
            if p.pitch_hz > 0.0 && result.is_ok() {
                result = self.peaks.push_with(|r| _ = put_f32(r, &[p.pitch_hz, p.magnitude]));
            }
        });
        result
    }

    /// Number of peaks gathered.
    #[must_use]
    pub fn len(&self) -> usize {
        self.peaks.len()
    }

    /// Whether no peak was gathered.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.peaks.len() == 0
    }

    /// Calls `each(pitch, magnitude)` on every peak, in the order gathered.
    fn for_each_peak(&mut self, mut each: impl FnMut(f32, f32)) -> std::io::Result<()> {
        self.peaks.for_each_record(|record| {
            let mut peak = [0.0_f32; 2];
            get_f32(record, &mut peak);
            each(peak[0], peak[1]);
        })
    }

    /// The tuning of the peaks gathered: keep those whose magnitude is at least their median,
    /// then [`pitch_tuning`].
    ///
    /// Errors: the peaks of a long recording could not be read back from their temporary file.
    pub fn tuning(&mut self, resolution: f64, bins_per_octave: usize) -> std::io::Result<f64> {
        let threshold = self.median_magnitude()?;
        let mut histogram = TuningHistogram::new(resolution, bins_per_octave);
        self.for_each_peak(|pitch, magnitude| {
            if magnitude >= threshold {
                histogram.add(pitch);
            }
        })?;
        Ok(histogram.tuning())
    }

    /// `np.median` of the magnitudes as numpy computes it: the middle value, or the float32
    /// mean of the two middle values; 0.0 when there is no peak.
    ///
    /// Found without holding the magnitudes: each is mapped to a `u32` key that orders as
    /// [`f32::total_cmp`] does, and the keys of the middle ranks are found a digit at a time
    /// (11, 11 and 10 bits): each read of the peaks counts, among the keys that share the
    /// digits found so far, how many have each value of the next digit. Exact, in three reads
    /// of the peaks, with small tables.
    fn median_magnitude(&mut self) -> std::io::Result<f32> {
        const DIGIT_BITS: [u32; 3] = [11, 11, 10];
        let n = self.peaks.len();
        if n == 0 {
            return Ok(0.0);
        }
        // Per middle rank: the key's digits found so far (`prefix`, `known` bits of it) and the
        // rank among the keys that share them.
        let mut ranks = [(0_u32, 0_u32, (n - 1) / 2), (0, 0, n / 2)];
        let mut counts = std::mem::take(&mut self.digit_counts);
        for bits in DIGIT_BITS {
            for c in &mut counts {
                c.clear();
                c.resize(1 << bits, 0);
            }
            self.for_each_peak(|_, magnitude| {
                let key = order_key(magnitude);
                for (c, &(prefix, known, _)) in counts.iter_mut().zip(&ranks) {
                    if known == 0 || key >> (32 - known) == prefix {
                        c[((key << known) >> (32 - bits)) as usize] += 1;
                    }
                }
            })?;
            for (c, (prefix, known, rank)) in counts.iter().zip(&mut ranks) {
                let (digit, rank_within) = nth_in_counts(c, *rank);
                (*prefix, *known, *rank) = ((*prefix << bits) | digit, *known + bits, rank_within);
            }
        }
        self.digit_counts = counts;
        let [lower, upper] = ranks.map(|(key, _, _)| from_order_key(key));
        Ok(if n % 2 == 1 { upper } else { (lower + upper) / 2.0 })
    }
}

/// The index holding the `rank`-th (0-based) of the values counted, and the rank within it.
fn nth_in_counts(counts: &[u64], rank: usize) -> (u32, usize) {
    let mut before = 0_usize;
    for (i, &c) in counts.iter().enumerate() {
        let c = c as usize;
        if rank < before + c {
            return (i as u32, rank - before);
        }
        before += c;
    }
    unreachable!("rank {rank} is below the number of values counted, {before}")
}

/// `librosa.estimate_tuning(S=s, sr, bins_per_octave, resolution)` on a spectrogram
/// `(n_frames, n_bins)`: `piptrack`, keep peaks whose magnitude is at least the median peak
/// magnitude, then [`pitch_tuning`]. `chroma_stft` calls it on the *power* spectrogram.
///
/// Errors: as [`TuningPeaks::tuning`], for a spectrogram of more peaks than fit in memory.
pub fn estimate_tuning(
    s: ArrayView2<f32>,
    piptrack: &Piptrack,
    resolution: f64,
    bins_per_octave: usize,
    peaks: &mut TuningPeaks,
) -> std::io::Result<f64> {
    peaks.clear();
    for row in s.rows() {
        peaks.add_frame(piptrack, row.as_slice().expect("spectrogram rows are contiguous"))?;
    }
    peaks.tuning(resolution, bins_per_octave)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::params::PiptrackParams;

    #[test]
    fn parabolic_shift_finds_vertex() {
        // parabola through (-1, 0), (0, 1), (1, 0.5): vertex at x = 0.1666…
        let s = parabolic_shift(0.0, 1.0, 0.5);
        assert!((f64::from(s) - 1.0 / 6.0).abs() < 1e-7);
        assert_eq!(parabolic_shift(1.0, 1.0, 1.0), 0.0);
        assert_eq!(parabolic_shift(0.0, 1.0, 3.0), 0.0);
        assert_eq!(parabolic_shift(0.0, 0.0, 5.0), -0.5);
    }

    #[test]
    fn pitch_tuning_of_exact_and_detuned_notes() {
        // 440 Hz and its octaves are in tune.
        assert!(pitch_tuning(&[440.0, 880.0, 220.0], 0.01, 12).abs() < 1e-12);
        // +25 cents: 440 · 2^(0.25/12)
        let f = (440.0 * 2f64.powf(0.25 / 12.0)) as f32;
        let t = pitch_tuning(&[f; 5], 0.01, 12);
        assert!((t - 0.25).abs() < 0.011, "{t}");
        assert_eq!(pitch_tuning(&[], 0.01, 12), 0.0);
        assert_eq!(pitch_tuning(&[0.0, -3.0], 0.01, 12), 0.0);
    }

    #[test]
    fn numpy_mod_semantics() {
        assert_eq!(mod_one_f32(2.25), 0.25);
        assert_eq!(mod_one_f32(-0.25), 0.75);
        assert_eq!(mod_one_f32(-1.0), 0.0);
    }

    /// The median magnitude of `values` as [`TuningPeaks`] finds it, with peaks held in a spill
    /// of `memory_limit` bytes.
    fn median_of(values: &[f32], memory_limit: usize) -> f32 {
        let mut peaks = TuningPeaks::with_memory_limit(memory_limit);
        for &v in values {
            peaks.peaks.push_with(|r| _ = put_f32(r, &[100.0, v])).expect("push");
        }
        peaks.median_magnitude().expect("median")
    }

    #[test]
    fn median_like_numpy() {
        assert_eq!(median_of(&[3.0, 1.0, 2.0], 1 << 20), 2.0);
        assert_eq!(median_of(&[4.0, 1.0, 2.0, 3.0], 1 << 20), 2.5);
        assert_eq!(median_of(&[], 1 << 20), 0.0);
        assert_eq!(median_of(&[-0.5, 1e-40, -3.0], 1 << 20), -0.5);
    }

    #[test]
    fn median_by_counting_equals_median_of_the_sorted_values() {
        let mut state = 12_345u64;
        for n in 1..200 {
            let values: Vec<f32> = (0..n)
                .map(|i| {
                    state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                    // Few distinct values, so ties occur; some negative, some far apart.
                    let v = ((state >> 33) % 17) as f32 * 0.37 - 1.0;
                    if i % 5 == 0 {
                        v * 1e12
                    } else {
                        v
                    }
                })
                .collect();
            let mut sorted = values.clone();
            sorted.sort_by(f32::total_cmp);
            let want = if n % 2 == 1 { sorted[n / 2] } else { (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0 };
            for memory_limit in [PEAK_BYTES * 7, 1 << 20] {
                assert_eq!(median_of(&values, memory_limit).to_bits(), want.to_bits(), "n = {n}");
            }
        }
    }

    #[test]
    fn piptrack_finds_the_peak_in_range() {
        let p = Piptrack::new(22_050.0, 2048, &PiptrackParams::default());
        let (lo, hi) = p.bin_range();
        assert_eq!((lo, hi), (14, 372));
        let mut s = vec![0.01_f32; 1025];
        s[40] = 1.0;
        s[41] = 0.5;
        s[39] = 0.2;
        s[5] = 2.0; // out of range: no peak, but sets the frame maximum
        let mut peaks = Vec::new();
        p.frame_peaks(&s, |pk| peaks.push(pk));
        assert_eq!(peaks.len(), 1);
        assert_eq!(peaks[0].bin, 40);
        assert!(peaks[0].pitch_hz > 40.0 * 10.766 && peaks[0].pitch_hz < 41.0 * 10.767);
        let (pitches, _) = p.dense(ndarray::Array2::from_shape_vec((1, 1025), s).expect("shape").view());
        assert_eq!(pitches.iter().filter(|&&x| x > 0.0).count(), 1);
    }
}

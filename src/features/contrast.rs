//! Spectral contrast: `librosa.feature.spectral_contrast` (0.11), `linear=False`, on the
//! magnitude spectrogram.
//!
//! Octave bands `[0, fmin], [fmin, 2·fmin], …, [fmin·2^(n_bands−1), fmin·2^n_bands]`; every band
//! above the first also takes the bin just below it, the top band takes everything above it,
//! and every band but the top drops its last bin. In each band and frame, valley/peak are the
//! means of the `max(1, rint(quantile · n))` smallest/largest magnitudes, where `n` counts the
//! band's bins *before* the last one is dropped (as librosa), summed in ascending order in `f64`
//! (librosa sorts the band and sums in float32). Contrast is
//! `power_to_db(peak) − power_to_db(valley)` with `top_db` applied over the whole peak (resp.
//! valley) matrix, which is why it is computed in two passes.

use ndarray::Array2;

use super::db::{power_to_db_f64, DbRef, POWER_AMIN};
use super::kernels::{from_order_key, order_key};

/// Smallest and largest of a non-empty slice (no NaNs), in one pass.
fn min_max(values: &[f32]) -> (f32, f32) {
    values.iter().fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| {
        (if v < lo { v } else { lo }, if v > hi { v } else { hi })
    })
}

/// Working buffers of [`ContrastBands::valley_peak_frame`], as [`order_key`]s: after one
/// conversion per value every comparison is a plain integer one, ordering NaNs and signed
/// zeros exactly as `total_cmp`.
#[derive(Debug, Clone, Default)]
struct ExtremesScratch {
    keys: Vec<u32>,
    lane_min: Vec<u32>,
    lane_max: Vec<u32>,
    low: Vec<u32>,
    high: Vec<u32>,
}

impl ExtremesScratch {
    /// The means of the `q` smallest and the `q` largest of `values` (by [`f32::total_cmp`];
    /// `1 ≤ q ≤ values.len()`), each summed in ascending order in `f64`.
    ///
    /// The values are dealt into `q` interleaved lanes. The lane minima are `q` values at
    /// distinct positions, so their largest bounds the `q`-th smallest value from above: only
    /// values at or below it can be among the `q` smallest. Interleaving keeps every lane
    /// spanning the whole band, so a spectral slope does not loosen the bound; on the RAVDESS
    /// fixture clips about `2.5·q` values pass it (measured). The same holds for the maxima.
    /// Which values pass depends on their order in the band, but the `q` kept, and so the
    /// sums, depend on the values alone.
    ///
    /// Measured slower on speech: two `select_nth_unstable` passes (twice the time), and a
    /// bounded insertion in either scan direction (spectra are not monotone enough).
    fn extreme_means(&mut self, values: &[f32], q: usize) -> (f64, f64) {
        let n = values.len();
        self.keys.clear();
        self.keys.extend(values.iter().map(|&v| order_key(v)));
        let mean = |keys: &[u32]| keys.iter().map(|&k| f64::from(from_order_key(k))).sum::<f64>() / q as f64;
        if 2 * q > n {
            // The two sets overlap (large quantiles): sort the band.
            self.keys.sort_unstable();
            return (mean(&self.keys[..q]), mean(&self.keys[n - q..]));
        }
        self.lane_min.clear();
        self.lane_min.extend_from_slice(&self.keys[..q]);
        self.lane_max.clone_from(&self.lane_min);
        for row in self.keys[q..].chunks(q) {
            for ((lo, hi), &k) in self.lane_min.iter_mut().zip(self.lane_max.iter_mut()).zip(row) {
                *lo = (*lo).min(k);
                *hi = (*hi).max(k);
            }
        }
        let low_bound = self.lane_min.iter().copied().max().expect("q ≥ 1");
        let high_bound = self.lane_max.iter().copied().min().expect("q ≥ 1");
        // Every value is written to both lists and only the counts decide whether it stays:
        // no branch to mispredict.
        if self.low.len() < n {
            self.low.resize(n, 0);
            self.high.resize(n, 0);
        }
        let (mut n_low, mut n_high) = (0, 0);
        for &k in &self.keys {
            self.low[n_low] = k;
            n_low += usize::from(k <= low_bound);
            self.high[n_high] = k;
            n_high += usize::from(k >= high_bound);
        }
        let low = &mut self.low[..n_low];
        low.sort_unstable();
        let high = &mut self.high[..n_high];
        high.sort_unstable();
        (mean(&low[..q]), mean(&high[n_high - q..]))
    }
}

/// The band layout of spectral contrast for one `(sr, n_fft)`.
#[derive(Debug, Clone)]
pub struct ContrastBands {
    /// Per band: `(first_bin, end_bin, n_quantile)`; the band's bins are `first_bin..end_bin`.
    bands: Vec<(usize, usize, usize)>,
    scratch: ExtremesScratch,
}

impl ContrastBands {
    /// Band layout for bin frequencies `freqs` (`fft_frequencies(sr, n_fft)`).
    ///
    /// # Panics
    /// If a band holds no bin; [`crate::features::FeatureParams::validate`] rules that out.
    #[must_use]
    pub fn new(freqs: &[f64], fmin_hz: f64, n_bands: usize, quantile: f64) -> Self {
        let mut octa = vec![0.0; n_bands + 2];
        for (i, o) in octa.iter_mut().enumerate().skip(1) {
            *o = fmin_hz * 2f64.powi(i32::try_from(i - 1).expect("n_bands fits in i32"));
        }
        let n = freqs.len();
        let mut bands = Vec::with_capacity(n_bands + 1);
        for k in 0..=n_bands {
            let (f_low, f_high) = (octa[k], octa[k + 1]);
            let inside: Vec<usize> = (0..n).filter(|&i| freqs[i] >= f_low && freqs[i] <= f_high).collect();
            let first = *inside.first().expect("every contrast band holds a bin (validated)");
            let last = *inside.last().expect("every contrast band holds a bin (validated)");
            let lo = if k > 0 { first - 1 } else { first };
            let hi = if k == n_bands { n } else { last + 1 };
            let count = hi - lo;
            let q = ((quantile * count as f64).round_ties_even() as usize).max(1);
            let end = if k < n_bands { hi - 1 } else { hi };
            bands.push((lo, end, q));
        }
        Self { bands, scratch: ExtremesScratch::default() }
    }

    /// Number of output rows (`n_bands + 1`).
    #[must_use]
    pub fn n_rows(&self) -> usize {
        self.bands.len()
    }

    /// Valley and peak (mean of the smallest/largest magnitudes) of every band of one frame.
    pub fn valley_peak_frame(&mut self, frame: &[f32], valley: &mut [f64], peak: &mut [f64]) {
        for (b, &(lo, hi, q)) in self.bands.iter().enumerate() {
            let values = &frame[lo..hi];
            let n = values.len();
            let q = q.min(n);
            if n == 0 {
                valley[b] = f64::NAN;
                peak[b] = f64::NAN;
                continue;
            }
            if q == 1 {
                let (lo_v, hi_v) = min_max(values);
                (valley[b], peak[b]) = (f64::from(lo_v), f64::from(hi_v));
                continue;
            }
            (valley[b], peak[b]) = self.scratch.extreme_means(values, q);
        }
    }

    /// Spectral contrast of a magnitude spectrogram `(n_frames, n_bins)` →
    /// `(n_frames, n_bands + 1)` (the transpose of librosa's), in dB.
    #[must_use]
    pub fn contrast(&mut self, magnitude: ndarray::ArrayView2<f32>, top_db: Option<f64>) -> Array2<f64> {
        let shape = (magnitude.nrows(), self.n_rows());
        let mut valley = Array2::<f64>::zeros(shape);
        let mut peak = Array2::<f64>::zeros(shape);
        for ((row, mut v), mut p) in magnitude.rows().into_iter().zip(valley.rows_mut()).zip(peak.rows_mut()) {
            let row = row.as_slice().expect("spectrogram rows are contiguous");
            self.valley_peak_frame(
                row,
                v.as_slice_mut().expect("standard layout"),
                p.as_slice_mut().expect("standard layout"),
            );
        }
        contrast_db(valley, peak, top_db)
    }
}

/// The second pass of spectral contrast: `power_to_db(peak) − power_to_db(valley)`, with
/// `top_db` applied below the largest value of each whole matrix, from every frame's valleys
/// and peaks ([`ContrastBands::valley_peak_frame`]), each `(n_frames, n_bands + 1)`.
#[must_use]
pub fn contrast_db(valley: Array2<f64>, peak: Array2<f64>, top_db: Option<f64>) -> Array2<f64> {
    let mut db = ContrastDb::default();
    let rows = || valley.rows().into_iter().zip(peak.rows());
    for (v, p) in rows() {
        db.observe(v.as_slice().expect("standard layout"), p.as_slice().expect("standard layout"));
    }
    let mut out = Array2::<f64>::zeros(valley.dim());
    for ((v, p), mut o) in rows().zip(out.rows_mut()) {
        db.frame(
            v.as_slice().expect("standard layout"),
            p.as_slice().expect("standard layout"),
            top_db,
            o.as_slice_mut().expect("standard layout"),
        );
    }
    out
}

/// [`contrast_db`] a frame at a time: [`observe`](Self::observe) every frame's valleys and
/// peaks for the largest dB value of each, then convert each frame with
/// [`frame`](Self::frame). The values, and the order the largest are found in, are those of
/// `power_to_db` on the whole matrices, so the result is the same bit for bit.
#[derive(Debug, Clone)]
pub(crate) struct ContrastDb {
    /// The largest `power_to_db` value of the valleys and of the peaks observed.
    largest: [f64; 2],
    scratch: [Vec<f64>; 2],
}

impl Default for ContrastDb {
    fn default() -> Self {
        Self { largest: [f64::NEG_INFINITY; 2], scratch: Default::default() }
    }
}

impl ContrastDb {
    /// Forgets the frames observed.
    pub(crate) fn clear(&mut self) {
        self.largest = [f64::NEG_INFINITY; 2];
    }

    /// Takes one frame's valleys and peaks into the largest dB values.
    pub(crate) fn observe(&mut self, valley: &[f64], peak: &[f64]) {
        for ((largest, scratch), values) in self.largest.iter_mut().zip(&mut self.scratch).zip([valley, peak]) {
            to_db(values, scratch);
            *largest = scratch.iter().fold(*largest, |m, &d| m.max(d));
        }
    }

    /// One frame's contrast in dB, floored `top_db` below the largest values observed.
    pub(crate) fn frame(&mut self, valley: &[f64], peak: &[f64], top_db: Option<f64>, out: &mut [f64]) {
        let [valley_db, peak_db] = &mut self.scratch;
        to_db(valley, valley_db);
        to_db(peak, peak_db);
        let [valley_floor, peak_floor] = self.largest.map(|largest| top_db.map(|t| largest - t));
        let floored = |db: f64, floor: Option<f64>| floor.map_or(db, |f| db.max(f));
        for ((o, &v), &p) in out.iter_mut().zip(valley_db.iter()).zip(peak_db.iter()) {
            *o = floored(p, peak_floor) - floored(v, valley_floor);
        }
    }
}

/// `power_to_db(values, ref=1)` without a floor, into `out`.
fn to_db(values: &[f64], out: &mut Vec<f64>) {
    out.clear();
    out.extend_from_slice(values);
    power_to_db_f64(out, DbRef::Value(1.0), POWER_AMIN, None);
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::features::mel::fft_frequencies;

    #[test]
    fn band_layout_matches_librosa_defaults() {
        let freqs = fft_frequencies(22_050.0, 2048);
        let b = ContrastBands::new(&freqs, 200.0, 6, 0.02);
        // librosa (sr=22050, n_fft=2048): band 0 = bins 0..=18 minus the last, band 6 = 594..1025
        assert_eq!(b.bands[0], (0, 18, 1));
        assert_eq!(b.bands[1], (18, 37, 1));
        assert_eq!(b.bands[6], (594, 1025, 9));
        assert_eq!(b.n_rows(), 7);
    }

    #[test]
    fn valley_and_peak_are_quantile_means() {
        let freqs = fft_frequencies(22_050.0, 2048);
        let mut b = ContrastBands::new(&freqs, 200.0, 6, 0.02);
        let frame: Vec<f32> = (0..1025).map(|i| ((i * 7919) % 1009) as f32 * 0.25).collect();
        let (mut valley, mut peak) = (vec![0.0; 7], vec![0.0; 7]);
        b.valley_peak_frame(&frame, &mut valley, &mut peak);
        for (i, &(lo, hi, q)) in b.bands.clone().iter().enumerate() {
            let mut sorted = frame[lo..hi].to_vec();
            sorted.sort_by(f32::total_cmp);
            let n = sorted.len();
            let v = sorted[..q].iter().map(|&x| f64::from(x)).sum::<f64>() / q as f64;
            let p = sorted[n - q..].iter().map(|&x| f64::from(x)).sum::<f64>() / q as f64;
            assert!((valley[i] - v).abs() < 1e-9 && (peak[i] - p).abs() < 1e-9, "band {i}");
        }
    }

    /// The ascending-order means of the `q` smallest and largest, from a full sort.
    fn sorted_means(values: &[f32], q: usize) -> (f64, f64) {
        let mut sorted = values.to_vec();
        sorted.sort_by(f32::total_cmp);
        let mean = |x: &[f32]| x.iter().map(|&v| f64::from(v)).sum::<f64>() / q as f64;
        (mean(&sorted[..q]), mean(&sorted[sorted.len() - q..]))
    }

    /// Mostly magnitudes, but also any bit pattern and the special values: the selection
    /// must order whatever it is given as `total_cmp` does.
    fn any_value() -> impl Strategy<Value = f32> {
        prop_oneof![
            4 => 0.0f32..1.0,
            1 => (0u32..=u32::MAX).prop_map(f32::from_bits),
            1 => prop::sample::select(vec![0.0, -0.0, f32::INFINITY, f32::NEG_INFINITY, f32::NAN, 1.0]),
        ]
    }

    proptest! {
        /// The means are those of a full sort, bit for bit, for every `q` (including the
        /// overlapping sets past `n/2`), and so do not depend on the order of the values.
        #[test]
        fn extreme_means_are_the_sorted_means_bit_for_bit(
            (values, q) in prop::collection::vec(any_value(), 1..300)
                .prop_flat_map(|v| { let n = v.len(); (Just(v), 1..=n) }),
            rotate in 0usize..300,
        ) {
            let (valley, peak) = sorted_means(&values, q);
            let mut scratch = ExtremesScratch::default();
            let mut rotated = values.clone();
            let by = rotate % rotated.len();
            rotated.rotate_left(by);
            // Rust leaves a NaN's payload unspecified (the compiler may swap an addition's
            // operands), so any NaN is the same result.
            let same = |a: f64, b: f64| a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan());
            for band in [&values, &rotated] {
                let (v, p) = scratch.extreme_means(band, q);
                prop_assert!(same(v, valley), "valley {v} against {valley}");
                prop_assert!(same(p, peak), "peak {p} against {peak}");
            }
        }
    }

    #[test]
    fn a_falling_spectrum_keeps_its_tail_and_its_head() {
        let values: Vec<f32> = (0..430).map(|i| 1000.0 / (1.0 + i as f32)).collect();
        assert_eq!(ExtremesScratch::default().extreme_means(&values, 9), sorted_means(&values, 9));
    }

    #[test]
    fn large_quantile_overlaps_valley_and_peak() {
        let freqs = fft_frequencies(22_050.0, 2048);
        let mut b = ContrastBands::new(&freqs, 200.0, 6, 0.9);
        let frame: Vec<f32> = (0..1025).map(|i| (i % 13) as f32).collect();
        let (mut valley, mut peak) = (vec![0.0; 7], vec![0.0; 7]);
        b.valley_peak_frame(&frame, &mut valley, &mut peak);
        assert!(valley.iter().zip(&peak).all(|(v, p)| v.is_finite() && p >= v));
    }

    #[test]
    fn flat_spectrum_has_zero_contrast() {
        let freqs = fft_frequencies(22_050.0, 2048);
        let mut b = ContrastBands::new(&freqs, 200.0, 6, 0.02);
        let mag = Array2::<f32>::from_elem((3, 1025), 0.5);
        let c = b.contrast(mag.view(), Some(80.0));
        assert!(c.iter().all(|&x| x.abs() < 1e-12));
    }
}

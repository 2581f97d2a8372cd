//! Spectral contrast: `librosa.feature.spectral_contrast` (0.11), `linear=False`, on the
//! magnitude spectrogram.
//!
//! Octave bands `[0, fmin], [fmin, 2·fmin], …, [fmin·2^(n_bands−1), fmin·2^n_bands]`; every band
//! above the first also takes the bin just below it, the top band takes everything above it,
//! and every band but the top drops its last bin. In each band and frame, valley/peak are the
//! means of the `max(1, rint(quantile · n))` smallest/largest magnitudes, where `n` counts the
//! band's bins *before* the last one is dropped (as librosa). Contrast is
//! `power_to_db(peak) − power_to_db(valley)` with `top_db` applied over the whole peak (resp.
//! valley) matrix, which is why it is computed in two passes.

use ndarray::Array2;

use super::db::{power_to_db_f64, DbRef, POWER_AMIN};

/// Smallest and largest of a non-empty slice (no NaNs), in one pass.
fn min_max(values: &[f32]) -> (f32, f32) {
    values.iter().fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| {
        (if v < lo { v } else { lo }, if v > hi { v } else { hi })
    })
}

/// The band layout of spectral contrast for one `(sr, n_fft)`.
#[derive(Debug, Clone)]
pub struct ContrastBands {
    /// Per band: `(first_bin, end_bin, n_quantile)`; the band's bins are `first_bin..end_bin`.
    bands: Vec<(usize, usize, usize)>,
    scratch: Vec<f32>,
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
        let widest = bands.iter().map(|&(lo, hi, _)| hi - lo).max().unwrap_or(0);
        Self { bands, scratch: Vec::with_capacity(widest) }
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
            // q smallest to the front, then the q largest to the back of the rest. (A one-pass
            // bounded insertion was measured slower: on spectral slopes most bins displace the
            // current q-th smallest, and the branches mispredict.)
            self.scratch.clear();
            self.scratch.extend_from_slice(values);
            let mean = |x: &[f32]| x.iter().map(|&v| f64::from(v)).sum::<f64>() / q as f64;
            if 2 * q > n {
                // Valley and peak sets overlap (large quantiles): sort the band.
                self.scratch.sort_unstable_by(f32::total_cmp);
                (valley[b], peak[b]) = (mean(&self.scratch[..q]), mean(&self.scratch[n - q..]));
                continue;
            }
            self.scratch.select_nth_unstable_by(q - 1, f32::total_cmp);
            valley[b] = mean(&self.scratch[..q]);
            let rest = &mut self.scratch[q..];
            let m = rest.len();
            rest.select_nth_unstable_by(m - q, f32::total_cmp);
            peak[b] = mean(&rest[m - q..]);
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

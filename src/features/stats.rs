//! Descriptive statistics of the time signal: `np.mean`, `np.std` (population) and
//! `scipy.stats.skew` (biased Fisher–Pearson, 1.17), evaluated in f64.
//!
//! scipy returns NaN when the second moment is numerically zero, `m2 ≤ (eps · mean)²` with
//! the input's float32 `eps`; we follow it, so a constant signal has skew NaN.

use std::io;

use super::kernels::SumF32;
use crate::audio::SignalReader;

/// Mean, population standard deviation and biased skewness of `x` (NaN for empty input).
#[must_use]
pub fn mean_std_skew(x: &[f32]) -> (f64, f64, f64) {
    signal_mean_std_skew(&mut x.into()).expect("a slice is read without I/O")
}

/// [`mean_std_skew`] of a signal read a chunk at a time (two passes), with the same bits.
///
/// Errors: a signal in a temporary file that cannot be read.
pub fn signal_mean_std_skew(signal: &mut SignalReader<'_>) -> io::Result<(f64, f64, f64)> {
    let n = signal.len();
    if n == 0 {
        return Ok((f64::NAN, f64::NAN, f64::NAN));
    }
    let nf = n as f64;
    let mut sum = SumF32::default();
    signal.for_each_chunk(|_, chunk| sum.add(chunk))?;
    let mean = sum.total() / nf;
    // Central moments with independent accumulators (see `kernels`); chunks hold multiples of
    // 4 samples but the last, whose leftovers are added after the lanes.
    let (mut a2, mut a3) = ([0.0_f64; 4], [0.0_f64; 4]);
    let mut leftovers = Vec::new();
    signal.for_each_chunk(|_, chunk| {
        let mut quads = chunk.chunks_exact(4);
        for c in &mut quads {
            for j in 0..4 {
                let d = f64::from(c[j]) - mean;
                let d2 = d * d;
                a2[j] += d2;
                a3[j] += d2 * d;
            }
        }
        leftovers = quads.remainder().to_vec();
    })?;
    let (mut m2, mut m3) = ((a2[0] + a2[1]) + (a2[2] + a2[3]), (a3[0] + a3[1]) + (a3[2] + a3[3]));
    for &v in &leftovers {
        let d = f64::from(v) - mean;
        m2 += d * d;
        m3 += d * d * d;
    }
    m2 /= nf;
    m3 /= nf;
    let eps = f64::from(f32::EPSILON);
    let skew = if m2 <= (eps * mean) * (eps * mean) { f64::NAN } else { m3 / m2.powf(1.5) };
    Ok((mean, m2.sqrt(), skew))
}

/// Arithmetic mean (NaN for empty input, like `np.mean` of an empty array).
#[must_use]
pub fn mean(x: &[f64]) -> f64 {
    if x.is_empty() {
        f64::NAN
    } else {
        x.iter().sum::<f64>() / x.len() as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        // scipy.stats.skew([2, 8, 0, 4, 1, 9, 9, 0]) = 0.2650554122698573
        let (m, s, k) = mean_std_skew(&[2.0, 8.0, 0.0, 4.0, 1.0, 9.0, 9.0, 0.0]);
        assert!((m - 4.125).abs() < 1e-12);
        assert!((s - 3.722_818_152_958_857_8).abs() < 1e-12);
        assert!((k - 0.265_055_412_269_857_3).abs() < 1e-12);
    }

    /// `mean_std_skew` as it was computed over one slice, before signals were read in chunks.
    fn whole_slice(x: &[f32]) -> (f64, f64, f64) {
        let nf = x.len() as f64;
        let mean = super::super::kernels::sum_f32(x) / nf;
        let (mut a2, mut a3) = ([0.0_f64; 4], [0.0_f64; 4]);
        let mut quads = x.chunks_exact(4);
        for c in &mut quads {
            for j in 0..4 {
                let d = f64::from(c[j]) - mean;
                let d2 = d * d;
                a2[j] += d2;
                a3[j] += d2 * d;
            }
        }
        let (mut m2, mut m3) = ((a2[0] + a2[1]) + (a2[2] + a2[3]), (a3[0] + a3[1]) + (a3[2] + a3[3]));
        for &v in quads.remainder() {
            let d = f64::from(v) - mean;
            m2 += d * d;
            m3 += d * d * d;
        }
        (m2, m3) = (m2 / nf, m3 / nf);
        (mean, m2.sqrt(), m3 / m2.powf(1.5))
    }

    #[test]
    fn chunks_keep_the_bits_of_the_whole_slice() {
        let n = 2 * crate::audio::signal::CHUNK_SAMPLES + 3;
        let x: Vec<f32> = (0..n).map(|i| ((i * 7_919) % 1_009) as f32 / 1_009.0 - 0.3).collect();
        let bits = |(m, s, k): (f64, f64, f64)| (m.to_bits(), s.to_bits(), k.to_bits());
        assert_eq!(bits(mean_std_skew(&x)), bits(whole_slice(&x)));
    }

    #[test]
    fn constant_and_empty() {
        let (_, s, k) = mean_std_skew(&[0.5; 10]);
        assert_eq!(s, 0.0);
        assert!(k.is_nan());
        assert!(mean_std_skew(&[]).0.is_nan());
        assert!(mean(&[]).is_nan());
        assert_eq!(mean(&[1.0, 2.0]), 1.5);
    }
}

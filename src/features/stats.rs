//! Descriptive statistics of the time signal: `np.mean`, `np.std` (population) and
//! `scipy.stats.skew` (biased Fisher–Pearson, 1.17), evaluated in f64.
//!
//! scipy returns NaN when the second moment is numerically zero, `m2 ≤ (eps · mean)²` with
//! the input's float32 `eps`; we follow it, so a constant signal has skew NaN.

use super::kernels::sum_f32;

/// Mean, population standard deviation and biased skewness of `x` (NaN for empty input).
#[must_use]
pub fn mean_std_skew(x: &[f32]) -> (f64, f64, f64) {
    let n = x.len();
    if n == 0 {
        return (f64::NAN, f64::NAN, f64::NAN);
    }
    let nf = n as f64;
    let mean = sum_f32(x) / nf;
    // Central moments with independent accumulators (see `kernels`).
    let (mut a2, mut a3) = ([0.0_f64; 4], [0.0_f64; 4]);
    let mut chunks = x.chunks_exact(4);
    for c in &mut chunks {
        for j in 0..4 {
            let d = f64::from(c[j]) - mean;
            let d2 = d * d;
            a2[j] += d2;
            a3[j] += d2 * d;
        }
    }
    let (mut m2, mut m3) = ((a2[0] + a2[1]) + (a2[2] + a2[3]), (a3[0] + a3[1]) + (a3[2] + a3[3]));
    for &v in chunks.remainder() {
        let d = f64::from(v) - mean;
        m2 += d * d;
        m3 += d * d * d;
    }
    m2 /= nf;
    m3 /= nf;
    let eps = f64::from(f32::EPSILON);
    let skew = if m2 <= (eps * mean) * (eps * mean) { f64::NAN } else { m3 / m2.powf(1.5) };
    (mean, m2.sqrt(), skew)
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

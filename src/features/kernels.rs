//! Small numeric kernels shared by the building blocks: dot products and sums with several
//! independent accumulators, so the compiler can keep SIMD lanes busy (a single running sum is
//! a dependency chain it may not reorder). The summation order therefore differs from a
//! sequential loop, by a few ulps of f64 — far below the float32 precision librosa works in.
//! Blocks whose *decisions* depend on the exact float32 summation order (roll-off) do not use
//! these.

const LANES: usize = 8;

fn combine(acc: [f64; LANES]) -> f64 {
    ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]))
}

/// `Σ f64(a[i]) · f64(b[i])` over f32 slices, accumulated in f64.
#[must_use]
pub(crate) fn dot_f32(a: &[f32], b: &[f32]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0.0; LANES];
    let mut ca = a.chunks_exact(LANES);
    let mut cb = b.chunks_exact(LANES);
    for (x, y) in (&mut ca).zip(&mut cb) {
        for j in 0..LANES {
            acc[j] += f64::from(x[j]) * f64::from(y[j]);
        }
    }
    let mut tail = 0.0;
    for (x, y) in ca.remainder().iter().zip(cb.remainder()) {
        tail += f64::from(*x) * f64::from(*y);
    }
    combine(acc) + tail
}

/// `Σ a[i] · f64(b[i])`: f64 weights against f32 data.
#[must_use]
pub(crate) fn dot_f64_f32(a: &[f64], b: &[f32]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0.0; LANES];
    let mut ca = a.chunks_exact(LANES);
    let mut cb = b.chunks_exact(LANES);
    for (x, y) in (&mut ca).zip(&mut cb) {
        for j in 0..LANES {
            acc[j] += x[j] * f64::from(y[j]);
        }
    }
    let mut tail = 0.0;
    for (x, y) in ca.remainder().iter().zip(cb.remainder()) {
        tail += x * f64::from(*y);
    }
    combine(acc) + tail
}

/// `Σ a[i] · b[i]` accumulated in float32 with 16 independent partial sums, as a float32 BLAS
/// `sgemm` (what librosa's float32 `einsum` calls) accumulates; four-lane SIMD friendly.
#[must_use]
pub(crate) fn dot_f32_acc32(a: &[f32], b: &[f32]) -> f32 {
    const W: usize = 16;
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0.0_f32; W];
    let mut ca = a.chunks_exact(W);
    let mut cb = b.chunks_exact(W);
    for (x, y) in (&mut ca).zip(&mut cb) {
        for j in 0..W {
            acc[j] += x[j] * y[j];
        }
    }
    let mut tail = 0.0_f32;
    for (x, y) in ca.remainder().iter().zip(cb.remainder()) {
        tail += x * y;
    }
    let mut w = W;
    while w > 1 {
        w /= 2;
        for j in 0..w {
            acc[j] += acc[j + w];
        }
    }
    acc[0] + tail
}

/// Largest value of a non-empty slice without NaNs (−∞ for an empty one); exact, so the lane
/// split changes nothing.
#[must_use]
pub(crate) fn max_f32(x: &[f32]) -> f32 {
    let mut acc = [f32::NEG_INFINITY; LANES];
    let mut c = x.chunks_exact(LANES);
    for v in &mut c {
        for j in 0..LANES {
            acc[j] = if v[j] > acc[j] { v[j] } else { acc[j] };
        }
    }
    let m = acc.iter().fold(f32::NEG_INFINITY, |m, &v| if v > m { v } else { m });
    c.remainder().iter().fold(m, |m, &v| if v > m { v } else { m })
}

/// A key whose unsigned order is [`f32::total_cmp`]'s order of the values.
pub(crate) fn order_key(x: f32) -> u32 {
    let bits = x.to_bits();
    if bits >> 31 == 1 {
        !bits
    } else {
        bits | 0x8000_0000
    }
}

/// The inverse of [`order_key`].
pub(crate) fn from_order_key(key: u32) -> f32 {
    f32::from_bits(if key >> 31 == 1 { key & 0x7FFF_FFFF } else { !key })
}

/// `Σ f64(x[i])` accumulated in f64.
#[must_use]
pub(crate) fn sum_f32(x: &[f32]) -> f64 {
    let mut sum = SumF32::default();
    sum.add(x);
    sum.total()
}

/// [`sum_f32`] of a signal read in pieces: the same lanes, so the same bits, as over the whole
/// when every piece but the last holds a multiple of 8 values.
#[derive(Debug, Clone)]
pub(crate) struct SumF32 {
    acc: [f64; LANES],
    /// The sum of the last piece's values past its last whole group of 8.
    tail: f64,
}

impl Default for SumF32 {
    fn default() -> Self {
        // An empty iterator's sum, as `sum_f32` of an empty slice adds.
        Self { acc: [0.0; LANES], tail: std::iter::empty::<f64>().sum() }
    }
}

impl SumF32 {
    /// Adds the next piece.
    pub(crate) fn add(&mut self, x: &[f32]) {
        let mut c = x.chunks_exact(LANES);
        for v in &mut c {
            for (acc, &x) in self.acc.iter_mut().zip(v) {
                *acc += f64::from(x);
            }
        }
        self.tail = c.remainder().iter().map(|&v| f64::from(v)).sum::<f64>();
    }

    /// The sum.
    pub(crate) fn total(&self) -> f64 {
        combine(self.acc) + self.tail
    }
}

/// `Σ f64(x[i] · x[i])`, the squares taken in f32 (as `abs2(x, dtype=float32)`), summed in f64.
#[must_use]
pub(crate) fn sum_sq_f32(x: &[f32]) -> f64 {
    let mut acc = [0.0; LANES];
    let mut c = x.chunks_exact(LANES);
    for v in &mut c {
        for j in 0..LANES {
            acc[j] += f64::from(v[j] * v[j]);
        }
    }
    combine(acc) + c.remainder().iter().map(|&v| f64::from(v * v)).sum::<f64>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernels_agree_with_naive_sums() {
        let a: Vec<f32> = (0..37).map(|i| (i as f32 * 0.37).sin()).collect();
        let b: Vec<f32> = (0..37).map(|i| (i as f32 * 0.11).cos()).collect();
        let naive: f64 = a.iter().zip(&b).map(|(&x, &y)| f64::from(x) * f64::from(y)).sum();
        assert!((dot_f32(&a, &b) - naive).abs() < 1e-12);
        let a64: Vec<f64> = a.iter().map(|&v| f64::from(v)).collect();
        assert!((dot_f64_f32(&a64, &b) - naive).abs() < 1e-12);
        assert!((f64::from(dot_f32_acc32(&a, &b)) - naive).abs() < 1e-5);
        assert_eq!(max_f32(&a), a.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v)));
        assert!((sum_f32(&a) - a64.iter().sum::<f64>()).abs() < 1e-12);
        let mut pieces = SumF32::default();
        [&a[..8], &a[8..24], &a[24..]].into_iter().for_each(|piece| pieces.add(piece));
        assert_eq!(pieces.total().to_bits(), sum_f32(&a).to_bits());
        let sq: f64 = a.iter().map(|&v| f64::from(v * v)).sum();
        assert!((sum_sq_f32(&a) - sq).abs() < 1e-12);
        assert_eq!(dot_f32(&[], &[]), 0.0);
    }

    #[test]
    fn order_keys_order_as_total_cmp() {
        let values = [f32::NEG_INFINITY, -1.0, -1e-40, -0.0, 0.0, 1e-40, 1.0, f32::MAX, f32::INFINITY, f32::NAN];
        for a in values {
            assert_eq!(from_order_key(order_key(a)).to_bits(), a.to_bits());
            for b in values {
                assert_eq!(order_key(a).cmp(&order_key(b)), a.total_cmp(&b), "{a} vs {b}");
            }
        }
    }
}

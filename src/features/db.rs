//! Decibel conversions: `librosa.power_to_db` and `librosa.amplitude_to_db` (0.11).
//!
//! `power_to_db(S, ref, amin, top_db) = max(10·log10(max(amin, S)) − 10·log10(max(amin, ref)),
//! peak − top_db)`, where `peak` is the largest value of the *whole* input (all frames, all
//! bands), not of each frame. `amplitude_to_db` squares its input and its reference and calls
//! `power_to_db` with `amin²`. librosa evaluates these in float32 when given float32 input; we
//! evaluate in f64 and round once, which differs from numpy's float32 `log10` by at most a few
//! float32 ulps (≈ 1e-5 dB).

/// The reference level of a dB conversion.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DbRef {
    /// A fixed reference value (librosa's `ref=1.0` default is `DbRef::Value(1.0)`).
    Value(f64),
    /// The largest magnitude of the input (librosa's `ref=np.max`).
    Max,
}

/// librosa's default `amin` for `power_to_db`.
pub const POWER_AMIN: f64 = 1e-10;
/// librosa's default `amin` for `amplitude_to_db`.
pub const AMPLITUDE_AMIN: f64 = 1e-5;

fn max_abs_f32(values: &[f32]) -> f64 {
    values.iter().fold(0.0_f64, |m, &v| m.max(f64::from(v.abs())))
}

/// In-place `librosa.power_to_db` of float32 values.
pub fn power_to_db_f32(values: &mut [f32], reference: DbRef, amin: f64, top_db: Option<f64>) {
    let ref_value = match reference {
        DbRef::Value(r) => r.abs(),
        DbRef::Max => max_abs_f32(values),
    };
    let offset = 10.0 * amin.max(ref_value).log10();
    let mut peak = f32::NEG_INFINITY;
    for v in values.iter_mut() {
        let db = (10.0 * amin.max(f64::from(*v)).log10() - offset) as f32;
        peak = peak.max(db);
        *v = db;
    }
    if let Some(top_db) = top_db {
        let floor = (f64::from(peak) - top_db) as f32;
        for v in values.iter_mut() {
            *v = v.max(floor);
        }
    }
}

/// In-place `librosa.power_to_db` of float64 values.
pub fn power_to_db_f64(values: &mut [f64], reference: DbRef, amin: f64, top_db: Option<f64>) {
    let ref_value = match reference {
        DbRef::Value(r) => r.abs(),
        DbRef::Max => values.iter().fold(0.0_f64, |m, &v| m.max(v.abs())),
    };
    let offset = 10.0 * amin.max(ref_value).log10();
    let mut peak = f64::NEG_INFINITY;
    for v in values.iter_mut() {
        let db = 10.0 * amin.max(*v).log10() - offset;
        peak = peak.max(db);
        *v = db;
    }
    if let Some(top_db) = top_db {
        let floor = peak - top_db;
        for v in values.iter_mut() {
            *v = v.max(floor);
        }
    }
}

/// In-place `librosa.amplitude_to_db` of float32 values: `power_to_db(|S|², ref², amin²)`.
///
/// As in librosa, the squared magnitudes are float32 (they may underflow to 0, which `amin²`
/// then clamps) and the squared reference is the square of the float32 reference.
pub fn amplitude_to_db_f32(values: &mut [f32], reference: DbRef, amin: f64, top_db: Option<f64>) {
    let ref_value = match reference {
        DbRef::Value(r) => r.abs(),
        DbRef::Max => max_abs_f32(values),
    };
    // ref_value ** 2 of a float32 scalar is float32 in numpy.
    let ref_power = match reference {
        DbRef::Value(_) => ref_value * ref_value,
        DbRef::Max => f64::from((ref_value as f32) * (ref_value as f32)),
    };
    for v in values.iter_mut() {
        let a = v.abs();
        *v = a * a;
    }
    power_to_db_f32(values, DbRef::Value(ref_power), amin * amin, top_db);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn power_to_db_reference_and_floor() {
        let mut v = [1.0_f32, 10.0, 100.0, 0.0];
        power_to_db_f32(&mut v, DbRef::Value(1.0), POWER_AMIN, Some(80.0));
        // 0 → 10·log10(1e-10) = −100, clipped at 20 − 80 = −60
        assert_eq!(v, [0.0, 10.0, 20.0, -60.0]);
        let mut w = [1.0_f64, 10.0, 100.0];
        power_to_db_f64(&mut w, DbRef::Max, POWER_AMIN, None);
        assert_eq!(w, [-20.0, -10.0, 0.0]);
    }

    #[test]
    fn amplitude_to_db_is_twenty_log10() {
        let mut v = [1.0_f32, 0.1, 0.01];
        amplitude_to_db_f32(&mut v, DbRef::Max, AMPLITUDE_AMIN, Some(80.0));
        assert!((v[0] - 0.0).abs() < 1e-5 && (v[1] + 20.0).abs() < 1e-4 && (v[2] + 40.0).abs() < 1e-4);
        let mut z = [0.0_f32, 1e-30];
        amplitude_to_db_f32(&mut z, DbRef::Value(1.0), AMPLITUDE_AMIN, None);
        assert_eq!(z, [-100.0, -100.0]);
    }

    #[test]
    fn top_db_zero_flattens_to_the_peak() {
        let mut v = [1.0_f32, 1e-3];
        power_to_db_f32(&mut v, DbRef::Value(1.0), POWER_AMIN, Some(0.0));
        assert_eq!(v, [0.0, 0.0]);
    }
}

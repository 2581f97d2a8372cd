//! Band-limited resampling with libsoxr, the library librosa 0.11 uses (`res_type="soxr_hq"`).
//!
//! libsoxr is C (LGPL-2.1), compiled from source by `soxr-sys`; this is the crate's only
//! `unsafe` code, kept to one call with its invariants stated. Chosen over rubato because the
//! features must match librosa's, and the PCM16 floor quantisation that follows resampling
//! turns even 1e-6 waveform differences into whole-LSB flips (reference README).

use std::os::raw::c_ulong;
use std::sync::Mutex;

/// libsoxr's `SOXR_HQ` recipe (20-bit precision), what python-soxr's `quality="HQ"` passes.
const SOXR_HQ: c_ulong = 4;

/// libsoxr shares one FFT table cache between all resamplers (`fft4g_cache.h`) and guards it
/// only when built with OpenMP; `soxr-sys` builds it without, so two threads resampling at
/// once race on that cache (seen here as corrupted output and crashes). Every call holds this
/// lock: resampling runs one file at a time while decoding and features stay parallel.
static SOXR_LOCK: Mutex<()> = Mutex::new(());

/// Resamples mono f32 audio from `from_hz` to `to_hz` as `librosa.resample(res_type="soxr_hq")`.
///
/// The output has `ceil(len * to_hz / from_hz)` samples: libsoxr's output, zero-padded or cut
/// to that length as librosa's `fix_length` does. Same rate in and out returns a copy.
pub fn resample(samples: &[f32], from_hz: u32, to_hz: u32) -> Result<Vec<f32>, String> {
    if from_hz == to_hz || samples.is_empty() {
        return Ok(samples.to_vec());
    }
    if from_hz == 0 || to_hz == 0 {
        return Err("sample rates must be positive".into());
    }
    let n_out = (samples.len() as u64 * u64::from(to_hz)).div_ceil(u64::from(from_hz)) as usize;
    let mut out = vec![0f32; n_out];
    let mut n_done = 0usize;
    let error = {
        // A poisoned lock only means another resample panicked; the cache it guards is rebuilt.
        let _guard = SOXR_LOCK.lock().unwrap_or_else(|e| e.into_inner());
        oneshot(samples, from_hz, to_hz, &mut out, &mut n_done)
    };
    if let Some(message) = error {
        return Err(message);
    }
    // Anything libsoxr did not produce stays zero: librosa's fix_length pads with zeros.
    out[n_done.min(n_out)..].fill(0.0);
    Ok(out)
}

/// One call of `soxr_oneshot` on interleaved f32 mono; returns libsoxr's error text, if any.
#[allow(unsafe_code)]
fn oneshot(input: &[f32], from_hz: u32, to_hz: u32, output: &mut [f32], n_done: &mut usize) -> Option<String> {
    use soxr_sys::{
        soxr_datatype_t_SOXR_FLOAT32_I as FLOAT32_I, soxr_io_spec, soxr_oneshot, soxr_quality_spec, soxr_runtime_spec,
    };
    // SAFETY: the spec constructors only fill plain structs. `soxr_oneshot` reads exactly
    // `input.len()` f32 frames from `input` and writes at most `output.len()` frames to `output`
    // (one channel, both interleaved f32 as the io spec says), stores the count in `n_done`, and
    // keeps no pointer after it returns. A non-null return is a static C string owned by libsoxr.
    unsafe {
        let io = soxr_io_spec(FLOAT32_I, FLOAT32_I);
        let quality = soxr_quality_spec(SOXR_HQ, 0);
        let runtime = soxr_runtime_spec(1);
        let error = soxr_oneshot(
            f64::from(from_hz),
            f64::from(to_hz),
            1,
            input.as_ptr().cast(),
            input.len(),
            std::ptr::null_mut(),
            output.as_mut_ptr().cast(),
            output.len(),
            n_done,
            &io,
            &quality,
            &runtime,
        );
        if error.is_null() {
            None
        } else {
            Some(std::ffi::CStr::from_ptr(error).to_string_lossy().into_owned())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_length_is_ceil_of_ratio() {
        let x = vec![0.1f32; 48_001];
        let y = resample(&x, 48_000, 22_050).expect("resample");
        assert_eq!(y.len(), (48_001u64 * 22_050).div_ceil(48_000) as usize);
    }

    #[test]
    fn a_low_sine_survives_downsampling() {
        let from = 48_000u32;
        let x: Vec<f32> =
            (0..from).map(|i| (2.0 * std::f32::consts::PI * 440.0 * i as f32 / from as f32).sin() * 0.5).collect();
        let y = resample(&x, from, 22_050).expect("resample");
        // Away from the edges the resampled sine matches the analytic one closely.
        let max_err = (2000..20_000)
            .map(|i| {
                let t = i as f32 / 22_050.0;
                (y[i] - 0.5 * (2.0 * std::f32::consts::PI * 440.0 * t).sin()).abs()
            })
            .fold(0f32, f32::max);
        assert!(max_err < 1e-3, "max error {max_err}");
    }

    #[test]
    fn concurrent_resampling_gives_the_same_result_as_serial() {
        let x: Vec<f32> = (0..96_000).map(|i| (i as f32 * 0.013).sin() * 0.3).collect();
        let serial = resample(&x, 48_000, 22_050).expect("resample");
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let x = x.clone();
                std::thread::spawn(move || {
                    (0..5).map(|_| resample(&x, 48_000, 22_050).expect("resample")).collect::<Vec<_>>()
                })
            })
            .collect();
        for handle in handles {
            for y in handle.join().expect("thread") {
                assert_eq!(y, serial);
            }
        }
    }

    #[test]
    fn same_rate_is_identity() {
        let x = vec![0.25f32, -0.5, 0.0];
        assert_eq!(resample(&x, 22_050, 22_050).expect("resample"), x);
    }
}

//! Band-limited resampling with libsoxr, the library librosa 0.11 uses (`res_type="soxr_hq"`).
//!
//! libsoxr is C (LGPL-2.1), compiled from source by `soxr-sys` with its SIMD engine as
//! python-soxr builds it (vendor/soxr-sys/VENDORED.md), so the samples equal librosa's bit for
//! bit; this is the crate's only `unsafe` code, kept to a few calls with their invariants
//! stated. Chosen over rubato because the features must match librosa's, and the PCM16 floor
//! quantisation that follows resampling turns even 1e-8 waveform differences into whole-LSB
//! flips (reference README).
//!
//! Two entry points: [`resample`] resamples a whole signal in one `soxr_oneshot` call, and
//! [`StreamResampler`] takes the signal chunk by chunk (`soxr_create` / `soxr_process` /
//! `soxr_delete`) so a long recording is never held whole at its source rate. Both give the
//! same samples, bit for bit: `soxr_oneshot` is itself `soxr_create` plus one `soxr_process`
//! with the end-of-input flag (`~ilen`) plus `soxr_delete` (libsoxr 0.1.3 `soxr.c`), and
//! libsoxr's stages filter fixed-size blocks taken from their FIFOs whatever the sizes of the
//! calls that filled them; the end is flushed by `soxr_process(…, NULL, 0, …)`, which sets the
//! same `flushing` state the flag does. The unit tests below check this on several signals and
//! chunkings.

use std::os::raw::c_ulong;

/// libsoxr's `SOXR_HQ` recipe (20-bit precision), what python-soxr's `quality="HQ"` passes.
const SOXR_HQ: c_ulong = 4;

// Thread safety. libsoxr's one piece of global mutable state is the fft4g table cache
// (`fft4g_cache.h`), guarded only in OpenMP builds. Two libsoxr paths use it: the scalar
// single-precision engine (cr32) and minimum/intermediate-phase filter design. The vendored
// build (vendor/soxr-sys/VENDORED.md) compiles only the SIMD engine (cr32s, whose PFFFT tables
// belong to each resampler), and `SOXR_HQ` with no flags is linear phase, so calls on
// different resamplers share no memory and need no lock. The unit tests
// `concurrent_resampling_gives_the_same_result_as_serial` and its streaming twin check it.

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
    let error = oneshot(samples, from_hz, to_hz, &mut out, &mut n_done);
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

/// Output samples asked of libsoxr per `soxr_process` call. Changes how output is copied out,
/// never its values.
const OUT_CHUNK: usize = 8_192;

/// The number of samples librosa keeps after resampling `n_in` samples: `ceil(n_in · to / from)`.
#[must_use]
pub fn resampled_len(n_in: u64, from_hz: u32, to_hz: u32) -> u64 {
    if from_hz == to_hz || from_hz == 0 {
        return n_in;
    }
    // u128: a hostile header's frame count times a rate must not wrap.
    let n = (u128::from(n_in) * u128::from(to_hz)).div_ceil(u128::from(from_hz));
    u64::try_from(n).unwrap_or(u64::MAX)
}

/// A libsoxr resampler (HQ, mono f32) fed chunk by chunk, for signals too long to hold whole.
///
/// Gives the same samples as [`resample`], bit for bit (see the module doc), once the caller
/// cuts or zero-pads the concatenated output to [`resampled_len`] of the input length, as
/// [`resample`] does. The same rate in and out passes samples through unchanged.
#[derive(Debug)]
pub struct StreamResampler {
    /// None when the rates are equal (pass-through).
    soxr: Option<Soxr>,
    /// Output of the last call, handed out as a slice.
    out: Vec<f32>,
    finished: bool,
}

impl StreamResampler {
    /// Creates a resampler from `from_hz` to `to_hz`; errors carry libsoxr's text.
    pub fn new(from_hz: u32, to_hz: u32) -> Result<Self, String> {
        if from_hz == 0 || to_hz == 0 {
            return Err("sample rates must be positive".into());
        }
        let soxr = if from_hz == to_hz { None } else { Some(Soxr::new(from_hz, to_hz)?) };
        Ok(Self { soxr, out: Vec::new(), finished: false })
    }

    /// Feeds `input` and returns the output it made available (possibly none: libsoxr holds
    /// back a filter's length of samples until more input or [`finish`](Self::finish)).
    pub fn process(&mut self, input: &[f32]) -> Result<&[f32], String> {
        if self.finished {
            return Err("input after the end of the stream".into());
        }
        self.out.clear();
        match &mut self.soxr {
            None => self.out.extend_from_slice(input),
            Some(soxr) => soxr.drain(Some(input), &mut self.out)?,
        }
        Ok(&self.out)
    }

    /// Ends the input and returns the rest of the output (libsoxr's flush). Call once.
    pub fn finish(&mut self) -> Result<&[f32], String> {
        self.out.clear();
        if !std::mem::replace(&mut self.finished, true) {
            if let Some(soxr) = &mut self.soxr {
                soxr.drain(None, &mut self.out)?;
            }
        }
        Ok(&self.out)
    }
}

/// An owned `soxr_t`, deleted on drop.
#[derive(Debug)]
struct Soxr(soxr_sys::soxr_t);

#[allow(unsafe_code)]
impl Soxr {
    fn new(from_hz: u32, to_hz: u32) -> Result<Self, String> {
        use soxr_sys::{
            soxr_create, soxr_datatype_t_SOXR_FLOAT32_I as FLOAT32_I, soxr_io_spec, soxr_quality_spec,
            soxr_runtime_spec,
        };
        let mut error: soxr_sys::soxr_error_t = std::ptr::null();
        // SAFETY: the spec constructors only fill plain structs; `soxr_create` copies the specs
        // it is given and writes its error (a static C string, or null) to `error`. The returned
        // handle is owned by `Self` and deleted exactly once, in `drop`.
        let handle = unsafe {
            let io = soxr_io_spec(FLOAT32_I, FLOAT32_I);
            let quality = soxr_quality_spec(SOXR_HQ, 0);
            let runtime = soxr_runtime_spec(1);
            soxr_create(f64::from(from_hz), f64::from(to_hz), 1, &mut error, &io, &quality, &runtime)
        };
        // SAFETY: a non-null error is a static C string owned by libsoxr.
        if let Some(message) = unsafe { error_text(error) } {
            if !handle.is_null() {
                // SAFETY: a handle libsoxr returned, deleted once.
                unsafe { soxr_sys::soxr_delete(handle) };
            }
            return Err(message);
        }
        if handle.is_null() {
            return Err("soxr_create returned no resampler".into());
        }
        Ok(Self(handle))
    }

    /// Feeds `input` (or, for None, the end of input) and appends all output libsoxr can give
    /// now to `out`, asking [`OUT_CHUNK`] samples at a time.
    fn drain(&mut self, input: Option<&[f32]>, out: &mut Vec<f32>) -> Result<(), String> {
        // The first call carries the input (all of it is consumed: `idone` is null, as in
        // `soxr_oneshot`); later calls pass a non-null pointer with length 0, which asks for
        // more output without ending the input. A null input pointer is libsoxr's flush.
        let mut pending = input.map_or((std::ptr::null(), 0), |x| (x.as_ptr(), x.len()));
        loop {
            let start = out.len();
            // Uninitialised room, not zeros: most calls return far fewer than OUT_CHUNK frames
            // (a packet's worth), and zeroing the whole chunk each time cost 1 % of a corpus.
            out.reserve(OUT_CHUNK);
            let mut n_done = 0usize;
            let error = {
                // SAFETY: `self.0` is a live handle (deleted only in drop). libsoxr reads exactly
                // `pending.1` f32 frames from `pending.0` (a live slice, or null to flush) and
                // writes at most OUT_CHUNK frames to `out`'s spare capacity, just reserved to at
                // least that length, storing the count in `n_done`; it keeps neither pointer
                // after returning. The first `n_done` of those frames are then initialised, so
                // the length may cover them.
                unsafe {
                    let e = soxr_sys::soxr_process(
                        self.0,
                        pending.0.cast(),
                        pending.1,
                        std::ptr::null_mut(),
                        out.spare_capacity_mut().as_mut_ptr().cast(),
                        OUT_CHUNK,
                        &mut n_done,
                    );
                    out.set_len(start + n_done.min(OUT_CHUNK));
                    error_text(e)
                }
            };
            if let Some(message) = error {
                return Err(message);
            }
            if n_done < OUT_CHUNK {
                return Ok(());
            }
            if let Some(x) = input {
                // Empty slice, non-null pointer: no new input, no flush.
                pending = (x[..0].as_ptr(), 0);
            }
        }
    }
}

#[allow(unsafe_code)]
impl Drop for Soxr {
    fn drop(&mut self) {
        // SAFETY: the handle came from `soxr_create`, is deleted here once, and no pointer
        // into it survives (`drain` holds none between calls).
        unsafe { soxr_sys::soxr_delete(self.0) };
    }
}

/// libsoxr's error text, if `error` is not null.
///
/// # Safety
/// `error` must be null or a NUL-terminated C string that outlives the call.
#[allow(unsafe_code)]
unsafe fn error_text(error: soxr_sys::soxr_error_t) -> Option<String> {
    if error.is_null() {
        None
    } else {
        // SAFETY: the caller guarantees a NUL-terminated string.
        Some(unsafe { std::ffi::CStr::from_ptr(error) }.to_string_lossy().into_owned())
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
    fn concurrent_streaming_gives_the_same_result_as_serial() {
        let x = noise(60_000, 7);
        let serial = resample(&x, 44_100, 22_050).expect("resample");
        let handles: Vec<_> = (0..4)
            .map(|t| {
                let x = x.clone();
                std::thread::spawn(move || {
                    (0..4).map(|i| streamed(&x, 44_100, 22_050, &[997 + 131 * (t + i), 4096])).collect::<Vec<_>>()
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
    /// Runs the streaming resampler over `x` cut into `chunks` (cycled), then cuts or pads to
    /// librosa's length, as `preprocess` does.
    fn streamed(x: &[f32], from: u32, to: u32, chunks: &[usize]) -> Vec<f32> {
        let mut r = StreamResampler::new(from, to).expect("create");
        let mut out = Vec::new();
        let mut at = 0;
        for &c in chunks.iter().cycle() {
            if at >= x.len() {
                break;
            }
            let end = (at + c).min(x.len());
            out.extend_from_slice(r.process(&x[at..end]).expect("process"));
            at = end;
        }
        out.extend_from_slice(r.finish().expect("finish"));
        out.resize(resampled_len(x.len() as u64, from, to) as usize, 0.0);
        out
    }

    fn noise(n: usize, seed: u64) -> Vec<f32> {
        let mut state = seed;
        (0..n)
            .map(|i| {
                state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                let r = ((state >> 40) as f32 / (1u64 << 24) as f32) - 0.5;
                0.3 * (i as f32 * 0.031).sin() + 0.2 * r
            })
            .collect()
    }

    #[test]
    fn streaming_is_bit_identical_to_oneshot() {
        let signals: Vec<(Vec<f32>, u32, u32)> = vec![
            (noise(100_003, 1), 48_000, 22_050),
            (noise(44_100 * 3 + 17, 2), 44_100, 22_050),
            (noise(8_000 * 2 + 1, 3), 8_000, 22_050),
            (noise(12_345, 4), 11_025, 22_050),
            (noise(37, 5), 48_000, 22_050),
            (noise(1, 6), 48_000, 22_050),
            (noise(96_000, 7), 96_000, 16_000),
        ];
        let chunkings: [&[usize]; 6] = [&[usize::MAX], &[1], &[7, 1000, 3], &[1152], &[4096], &[8192 * 3 + 5]];
        for (i, (x, from, to)) in signals.iter().enumerate() {
            let oneshot = resample(x, *from, *to).expect("oneshot");
            for chunks in chunkings {
                let streamed = streamed(x, *from, *to, chunks);
                assert_eq!(streamed.len(), oneshot.len(), "signal {i}, chunks {chunks:?}");
                let first_diff = streamed.iter().zip(&oneshot).position(|(a, b)| a.to_bits() != b.to_bits());
                assert_eq!(first_diff, None, "signal {i} ({from}->{to} Hz), chunks {chunks:?}");
            }
        }
    }

    #[test]
    fn streaming_same_rate_passes_through() {
        let x = noise(5000, 9);
        assert_eq!(streamed(&x, 22_050, 22_050, &[333]), x);
    }

    #[test]
    fn input_after_finish_is_an_error() {
        let mut r = StreamResampler::new(48_000, 22_050).expect("create");
        r.finish().expect("finish");
        assert!(r.process(&[0.0]).is_err());
    }

    #[test]
    fn resampled_len_does_not_overflow() {
        assert_eq!(resampled_len(48_001, 48_000, 22_050), (48_001u64 * 22_050).div_ceil(48_000));
        assert_eq!(resampled_len(u64::MAX, 8_000, 384_000), u64::MAX);
        assert_eq!(resampled_len(7, 22_050, 22_050), 7);
    }
}

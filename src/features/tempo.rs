//! Tempo: `librosa.feature.rhythm.tempo(onset_envelope=…)` (0.11; `librosa.beat.tempo` moved
//! here) with `aggregate=np.mean`, via `librosa.feature.tempogram`.
//!
//! Tempogram: the onset envelope is padded by `win/2` frames on each side with a linear ramp
//! to 0 (`np.pad(mode="linear_ramp")`, float32), cut into `win`-frame windows centred on every
//! onset frame, Hann-windowed (periodic), autocorrelated (FFT of length
//! `scipy.fft.next_fast_len(2·win − 1)`, as librosa), and each autocorrelation is divided by
//! its largest value. `win = ac_size · sr / hop` (344 at the defaults). Only the time average
//! is needed, and it is linear in the power spectra, so it is computed as one inverse FFT of
//! their energy-normalised sum (see [`TempoPlan::tempogram_mean`]).
//!
//! Tempo: the tempogram is averaged over time, weighted by a log-normal prior
//! `−½·((log2 bpm − log2 start_bpm)/std_bpm)²`, lags faster than `max_tempo` are excluded, and
//! the winner is `argmax(log1p(1e6 · mean) + prior)`; the result is one of the lag tempi
//! `60 · sr / (hop · lag)`.

use std::fmt;
use std::sync::Arc;

use realfft::num_complex::Complex;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};

use super::params::TempoParams;
use super::stft::hann_periodic;

/// Smallest 5-smooth integer ≥ `target` (`scipy.fft.next_fast_len(target, real=True)`).
#[must_use]
pub fn next_fast_len(target: usize) -> usize {
    let mut n = target.max(1);
    loop {
        let mut m = n;
        for p in [2, 3, 5] {
            while m.is_multiple_of(p) {
                m /= p;
            }
        }
        if m == 1 {
            return n;
        }
        n += 1;
    }
}

/// Tempo of each autocorrelation lag, in BPM (`librosa.tempo_frequencies(n_bins, hop_length,
/// sr)`): lag 0 is `inf`.
#[must_use]
pub fn tempo_frequencies(n_bins: usize, hop_length: usize, sample_rate_hz: f64) -> Vec<f64> {
    let num = 60.0 * sample_rate_hz;
    (0..n_bins).map(|k| if k == 0 { f64::INFINITY } else { num / (hop_length as f64 * k as f64) }).collect()
}

/// A planned tempogram + tempo estimator for one `(win_length, hop_length, sr)`.
#[derive(Clone)]
pub struct TempoPlan {
    win_length: usize,
    n_pad: usize,
    forward: Arc<dyn RealToComplex<f64>>,
    inverse: Arc<dyn ComplexToReal<f64>>,
    window: Vec<f64>,
    bpms: Vec<f64>,
    logprior: Vec<f64>,
    padded: Vec<f32>,
    time: Vec<f64>,
    /// Sum over windows of each window's power spectrum divided by its energy.
    power: Vec<f64>,
    freq: Vec<Complex<f64>>,
    scratch_fwd: Vec<Complex<f64>>,
    scratch_inv: Vec<Complex<f64>>,
    mean: Vec<f64>,
}

impl fmt::Debug for TempoPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TempoPlan")
            .field("win_length", &self.win_length)
            .field("n_pad", &self.n_pad)
            .finish_non_exhaustive()
    }
}

impl TempoPlan {
    /// Plans the autocorrelation FFTs and the prior for `win_length` lags (≥ 2).
    ///
    /// # Panics
    /// If `win_length < 2`; [`crate::features::FeatureParams::validate`] rules that out.
    #[must_use]
    pub fn new(win_length: usize, hop_length: usize, sample_rate_hz: f64, params: &TempoParams) -> Self {
        assert!(win_length >= 2, "tempogram window must span at least 2 frames");
        let n_pad = next_fast_len(2 * win_length - 1);
        let mut planner = RealFftPlanner::<f64>::new();
        let forward = planner.plan_fft_forward(n_pad);
        let inverse = planner.plan_fft_inverse(n_pad);
        let bpms = tempo_frequencies(win_length, hop_length, sample_rate_hz);
        let log_start = params.start_bpm.log2();
        let mut logprior: Vec<f64> = bpms
            .iter()
            .map(|&b| {
                let z = (b.log2() - log_start) / params.std_bpm;
                -0.5 * (z * z)
            })
            .collect();
        if let Some(max_tempo) = params.max_tempo_bpm {
            // np.argmax(bpms < max_tempo): first lag slower than max_tempo (0 if none).
            let max_idx = bpms.iter().position(|&b| b < max_tempo).unwrap_or(0);
            for p in &mut logprior[..max_idx] {
                *p = f64::NEG_INFINITY;
            }
        }
        Self {
            win_length,
            n_pad,
            time: forward.make_input_vec(),
            freq: forward.make_output_vec(),
            power: vec![0.0; n_pad / 2 + 1],
            scratch_fwd: forward.make_scratch_vec(),
            scratch_inv: inverse.make_scratch_vec(),
            forward,
            inverse,
            window: hann_periodic(win_length),
            bpms,
            logprior,
            padded: Vec::new(),
            mean: vec![0.0; win_length],
        }
    }

    /// Number of lags (the tempogram window, in frames).
    #[must_use]
    pub fn win_length(&self) -> usize {
        self.win_length
    }

    /// Tempo of each lag, in BPM.
    #[must_use]
    pub fn bpms(&self) -> &[f64] {
        &self.bpms
    }

    /// Time average of the tempogram of `onset` (one value per lag):
    /// `np.mean(librosa.feature.tempogram(onset_envelope=onset, win_length=win), axis=-1)`.
    #[must_use]
    pub fn tempogram_mean(&mut self, onset: &[f32]) -> &[f64] {
        let n = onset.len();
        let win = self.win_length;
        let half = win / 2;
        if n == 0 {
            self.mean.fill(0.0);
            return &self.mean;
        }
        // Linear-ramp padding (float32, as np.pad on a float32 array): the left ramp rises from
        // 0 to onset[0], the right one falls from onset[n-1] to 0; both exclude the edge value.
        self.padded.clear();
        self.padded.reserve(n + 2 * half);
        let ramp = |edge: f32, i: usize| -> f32 {
            let step = (f64::from(edge) - 0.0) / half as f64;
            (i as f64 * step + 0.0) as f32
        };
        for i in 0..half {
            self.padded.push(ramp(onset[0], i));
        }
        self.padded.extend_from_slice(onset);
        for i in (0..half).rev() {
            self.padded.push(ramp(onset[n - 1], i));
        }
        // Each window's autocorrelation is the inverse transform of its power spectrum, and
        // lag 0 (the window's energy) is its largest value, so the mean of the normalised
        // autocorrelations is the inverse transform of the mean of the power spectra each
        // divided by its window's energy: one inverse FFT per signal instead of one per frame.
        self.power.fill(0.0);
        for t in 0..n {
            let frame = &self.padded[t..t + win];
            for (x, (&w, &v)) in self.time.iter_mut().zip(self.window.iter().zip(frame)) {
                *x = f64::from(v) * w;
            }
            let energy: f64 = self.time[..win].iter().map(|x| x * x).sum();
            if energy < f64::MIN_POSITIVE {
                continue; // a silent window: its autocorrelation is 0 at every lag
            }
            self.time[win..].iter_mut().for_each(|x| *x = 0.0);
            self.forward
                .process_with_scratch(&mut self.time, &mut self.freq, &mut self.scratch_fwd)
                .expect("buffers were made by this plan");
            for (p, c) in self.power.iter_mut().zip(&self.freq) {
                *p += (c.re * c.re + c.im * c.im) / energy;
            }
        }
        for (c, &p) in self.freq.iter_mut().zip(&self.power) {
            *c = Complex::new(p, 0.0);
        }
        self.inverse
            .process_with_scratch(&mut self.freq, &mut self.time, &mut self.scratch_inv)
            .expect("buffers were made by this plan");
        // realfft's inverse is unnormalised (a factor n_pad).
        let scale = 1.0 / (self.n_pad as f64 * n as f64);
        for (m, &v) in self.mean.iter_mut().zip(&self.time[..win]) {
            *m = v * scale;
        }
        &self.mean
    }

    /// Estimated tempo of `onset`, in BPM (one of [`TempoPlan::bpms`]).
    #[must_use]
    pub fn tempo(&mut self, onset: &[f32]) -> f64 {
        let _ = self.tempogram_mean(onset); // fills self.mean
        let mut best = 0;
        let mut best_score = f64::NAN;
        for (k, (&m, &p)) in self.mean.iter().zip(&self.logprior).enumerate() {
            let score = (1e6 * m).ln_1p() + p;
            // np.argmax: first maximum; a NaN wins (never happens for finite input).
            if k == 0 || score > best_score || (score.is_nan() && !best_score.is_nan()) {
                best = k;
                best_score = score;
            }
        }
        self.bpms[best]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_len_matches_scipy() {
        assert_eq!(next_fast_len(687), 720);
        assert_eq!(next_fast_len(1), 1);
        assert_eq!(next_fast_len(7), 8);
        assert_eq!(next_fast_len(11), 12);
    }

    #[test]
    fn periodic_onsets_give_their_tempo() {
        let params = TempoParams::default();
        let mut plan = TempoPlan::new(344, 512, 22_050.0, &params);
        // an impulse every 22 frames ≈ 117.45 BPM
        let onset: Vec<f32> = (0..400).map(|t| if t % 22 == 0 { 1.0 } else { 0.0 }).collect();
        let bpm = plan.tempo(&onset);
        assert!((bpm - 60.0 * 22_050.0 / (512.0 * 22.0)).abs() < 1e-9, "{bpm}");
    }

    /// The definition evaluated directly: every window's autocorrelation summed lag by lag,
    /// divided by its largest value (a silent window's stays 0), averaged over the frames.
    fn direct_tempogram_mean(onset: &[f32], win: usize) -> Vec<f64> {
        let half = win / 2;
        let w = hann_periodic(win);
        let ramp = |edge: f32, i: usize| (i as f64 * (f64::from(edge) / half as f64)) as f32;
        let mut padded: Vec<f32> = (0..half).map(|i| ramp(onset[0], i)).collect();
        padded.extend_from_slice(onset);
        padded.extend((0..half).rev().map(|i| ramp(onset[onset.len() - 1], i)));
        let mut want = vec![0.0; win];
        for t in 0..onset.len() {
            let x: Vec<f64> = (0..win).map(|i| f64::from(padded[t + i]) * w[i]).collect();
            let ac: Vec<f64> = (0..win).map(|l| (0..win - l).map(|i| x[i] * x[i + l]).sum()).collect();
            let mx = ac.iter().fold(0.0_f64, |m, &v| m.max(v.abs()));
            for l in 0..win {
                want[l] += if mx > 0.0 { ac[l] / mx } else { 0.0 } / onset.len() as f64;
            }
        }
        want
    }

    #[test]
    fn autocorrelation_equals_direct_sum() {
        let params = TempoParams::default();
        let mut plan = TempoPlan::new(8, 512, 22_050.0, &params);
        let silent_start = [0.0_f32, 0.0, 0.0, 0.0, 0.0, 0.0, 3.0, 0.5];
        for onset in [&[0.0_f32, 1.0, 0.5, 0.25, 2.0][..], &silent_start, &[0.0; 6]] {
            let mean = plan.tempogram_mean(onset).to_vec();
            for (a, b) in mean.iter().zip(&direct_tempogram_mean(onset, 8)) {
                assert!((a - b).abs() < 1e-12, "{onset:?}: {a} vs {b}");
            }
        }
    }
}

//! Beat tracking: `librosa.beat.beat_track(onset_envelope=…, sr=sr)` (0.11), Ellis' dynamic
//! programming tracker, with `tightness=100`, `trim=True`, `units="frames"`.
//!
//! 1. No onset energy at all → tempo 0 and no beats (librosa's early return).
//! 2. Tempo from [`TempoPlan::tempo`]; `fpb = round(sr/hop · 60 / bpm)` frames per beat.
//! 3. Onsets divided by their sample standard deviation (`ddof=1`, float32 as numpy), then a
//!    "same" convolution with a Gaussian of ±fpb frames (`exp(−½ (32·k/fpb)²)`), in f64 with
//!    librosa's loop order (its numba kernel skips the term that would reach onset index 0
//!    exactly; that term is always 0 because the envelope starts with zero padding, but the
//!    loop bounds are kept as written).
//! 4. DP over frames: predecessor `loc ∈ [i − 2·fpb, i − round(fpb/2)]`, score
//!    `cum[loc] − tightness·(ln(i − loc) − ln fpb)²`, first best in descending `loc`; frames
//!    before the first one whose local score reaches 1 % of the maximum start no chain.
//! 5. Last beat: the last local maximum of the cumulative score that reaches half the median of
//!    all its local maxima; backtrack.
//! 6. Trim: frames at either end whose local score is ≤ ½·RMS of the Hann(5)-smoothed beat
//!    scores lose their beat.
//!
//! `round` is numpy's round-half-to-even throughout.

use super::tempo::TempoPlan;

/// Result of [`beat_track`].
#[derive(Debug, Clone, PartialEq)]
pub struct BeatTrack {
    /// Estimated tempo, in BPM (0.0 when the onset envelope is all zeros).
    pub tempo_bpm: f64,
    /// Beat positions, in onset (= STFT) frames, increasing.
    pub beats: Vec<usize>,
}

/// Sample standard deviation (`ddof=1`) of float32 values, rounded to float32 as numpy's
/// float32 `std` returns it.
fn std_ddof1_f32(x: &[f32]) -> f32 {
    let n = x.len();
    if n < 2 {
        return f32::NAN;
    }
    let mean = x.iter().map(|&v| f64::from(v)).sum::<f64>() / n as f64;
    let ss: f64 = x.iter().map(|&v| (f64::from(v) - mean).powi(2)).sum();
    (ss / (n - 1) as f64).sqrt() as f32
}

/// `localscore` of librosa's `__beat_local_score` (static tempo): onsets normalised by their
/// standard deviation, convolved with a Gaussian window of `2·fpb + 1` taps.
#[must_use]
pub fn local_score(onset: &[f32], fpb: f64) -> Vec<f64> {
    let norm = std_ddof1_f32(onset) + f32::MIN_POSITIVE;
    let normalized: Vec<f64> = onset.iter().map(|&v| f64::from(v / norm)).collect();
    let half_width = fpb as i64;
    let window: Vec<f64> = (-half_width..=half_width)
        .map(|k| {
            let z = k as f64 * 32.0 / fpb;
            (-0.5 * (z * z)).exp()
        })
        .collect();
    let n = normalized.len() as i64;
    let k_len = window.len() as i64;
    let half = k_len / 2;
    (0..n)
        .map(|i| {
            let mut acc = 0.0;
            let lo = 0.max(i + half - n + 1);
            let hi = (i + half).min(k_len);
            for k in lo..hi {
                acc += window[k as usize] * normalized[(i + half - k) as usize];
            }
            acc
        })
        .collect()
}

/// librosa's `__beat_track_dp`: cumulative scores and back-links (−1 = none).
#[must_use]
pub fn beat_track_dp(localscore: &[f64], fpb: f64, tightness: f64) -> (Vec<f64>, Vec<i64>) {
    let n = localscore.len();
    let mut cumscore = vec![0.0; n];
    let mut backlink = vec![-1_i64; n];
    if n == 0 {
        return (cumscore, backlink);
    }
    let max = localscore.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v));
    let score_thresh = 0.01 * max;
    let start_offset = (fpb / 2.0).round_ties_even() as i64;
    let stop_offset = (2.0 * fpb) as i64;
    let ln_fpb = fpb.ln();
    // ln(i − loc) for every distance the search visits (the same values, looked up).
    let ln_distance: Vec<f64> = (0..=stop_offset.max(0)).map(|d| (d as f64).ln()).collect();
    // tightness is a float32 argument of the numba kernel.
    let tightness = f64::from(tightness as f32);
    let mut first_beat = true;
    cumscore[0] = localscore[0];
    for (i, &score_i) in localscore.iter().enumerate() {
        let i_signed = i as i64;
        let mut best_score = f64::NEG_INFINITY;
        let mut beat_location = -1_i64;
        let mut loc = i_signed - start_offset;
        while loc >= i_signed - stop_offset {
            if loc < 0 {
                break;
            }
            let d = ln_distance[(i_signed - loc) as usize] - ln_fpb;
            let score = cumscore[loc as usize] - tightness * (d * d);
            if score > best_score {
                best_score = score;
                beat_location = loc;
            }
            loc -= 1;
        }
        cumscore[i] = if beat_location >= 0 { score_i + best_score } else { score_i };
        if first_beat && score_i < score_thresh {
            backlink[i] = -1;
        } else {
            backlink[i] = beat_location;
            first_beat = false;
        }
    }
    (cumscore, backlink)
}

/// librosa's `__last_beat`: the last local maximum of `cumscore` at or above half the median
/// of its local maxima (the last frame if there is none).
#[must_use]
pub fn last_beat(cumscore: &[f64]) -> usize {
    let n = cumscore.len();
    if n == 0 {
        return 0;
    }
    let is_max = |i: usize| -> bool {
        if i == 0 || n < 2 {
            false
        } else if i == n - 1 {
            cumscore[i] > cumscore[i - 1]
        } else {
            cumscore[i] > cumscore[i - 1] && cumscore[i] >= cumscore[i + 1]
        }
    };
    let mut maxima: Vec<f64> = (0..n).filter(|&i| is_max(i)).map(|i| cumscore[i]).collect();
    if maxima.is_empty() {
        return n - 1;
    }
    maxima.sort_unstable_by(f64::total_cmp);
    let m = maxima.len();
    let median = if m % 2 == 1 { maxima[m / 2] } else { (maxima[m / 2 - 1] + maxima[m / 2]) / 2.0 };
    let threshold = 0.5 * median;
    (0..n).rev().find(|&i| is_max(i) && cumscore[i] >= threshold).unwrap_or(n - 1)
}

/// librosa's `__trim_beats`: clears beats at both ends whose local score is at or below
/// half the RMS of the Hann(5)-smoothed beat scores (or 0 when `trim` is false).
pub fn trim_beats(localscore: &[f64], beats: &mut [bool], trim: bool) {
    let n = localscore.len();
    let threshold = if trim {
        let beat_scores: Vec<f64> = localscore.iter().zip(beats.iter()).filter(|(_, &b)| b).map(|(&s, _)| s).collect();
        // np.convolve(beat_scores, hanning(5)) (full), then [2 : n + 2]
        let w = [0.0, 0.5, 1.0, 0.5, 0.0];
        let m = beat_scores.len();
        let full_len = if m == 0 { 0 } else { m + w.len() - 1 };
        let smooth: Vec<f64> = (2..(n + 2).min(full_len))
            .map(|j| {
                let mut acc = 0.0;
                for (k, &wk) in w.iter().enumerate() {
                    if j >= k && j - k < m {
                        acc += beat_scores[j - k] * wk;
                    }
                }
                acc
            })
            .collect();
        let mean_sq =
            if smooth.is_empty() { f64::NAN } else { smooth.iter().map(|v| v * v).sum::<f64>() / smooth.len() as f64 };
        0.5 * mean_sq.sqrt()
    } else {
        0.0
    };
    let mut i = 0;
    while i < n && localscore[i] <= threshold {
        beats[i] = false;
        i += 1;
    }
    let mut i = n;
    while i > 0 && localscore[i - 1] <= threshold {
        beats[i - 1] = false;
        i -= 1;
    }
}

/// `librosa.beat.beat_track(onset_envelope=onset, sr, hop_length, start_bpm, tightness, trim)`
/// with the tempo prior configured in `tempo`.
#[must_use]
pub fn beat_track(
    onset: &[f32],
    sample_rate_hz: f64,
    hop_length: usize,
    tightness: f64,
    trim: bool,
    tempo: &mut TempoPlan,
) -> BeatTrack {
    if !onset.iter().any(|&v| v != 0.0) {
        return BeatTrack { tempo_bpm: 0.0, beats: Vec::new() };
    }
    let bpm = tempo.tempo(onset);
    let frame_rate = sample_rate_hz / hop_length as f64;
    let fpb = (frame_rate * 60.0 / bpm).round_ties_even();
    let localscore = local_score(onset, fpb);
    let (cumscore, backlink) = beat_track_dp(&localscore, fpb, tightness);
    let mut beats = vec![false; onset.len()];
    let mut n = last_beat(&cumscore) as i64;
    while n >= 0 {
        beats[n as usize] = true;
        n = backlink[n as usize];
    }
    trim_beats(&localscore, &mut beats, trim);
    BeatTrack { tempo_bpm: bpm, beats: beats.iter().enumerate().filter(|(_, &b)| b).map(|(i, _)| i).collect() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::params::TempoParams;

    #[test]
    fn silent_envelope_has_no_beats() {
        let mut plan = TempoPlan::new(344, 512, 22_050.0, &TempoParams::default());
        let r = beat_track(&[0.0; 50], 22_050.0, 512, 100.0, true, &mut plan);
        assert_eq!(r, BeatTrack { tempo_bpm: 0.0, beats: vec![] });
    }

    #[test]
    fn regular_pulses_are_tracked() {
        let mut plan = TempoPlan::new(344, 512, 22_050.0, &TempoParams::default());
        let onset: Vec<f32> = (0..300).map(|t| if t >= 5 && (t - 5) % 22 == 0 { 1.0 } else { 0.05 }).collect();
        let r = beat_track(&onset, 22_050.0, 512, 100.0, true, &mut plan);
        assert!((r.tempo_bpm - 117.453_835_227_272_73).abs() < 1e-9);
        assert!(r.beats.len() >= 10);
        for w in r.beats.windows(2) {
            assert_eq!(w[1] - w[0], 22);
        }
        assert_eq!(r.beats[0] % 22, 5);
    }

    #[test]
    fn dp_search_window_uses_half_even_rounding() {
        // fpb = 5: predecessors at i-2 (round(2.5) = 2) down to i-10
        let ls = vec![1.0; 12];
        let (_, back) = beat_track_dp(&ls, 5.0, 100.0);
        assert_eq!(back[1], -1);
        assert!(back[11] >= 1 && back[11] <= 9);
    }
}

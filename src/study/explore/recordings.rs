//! The figures `explore` draws from a few recordings decoded again: each one's waveform as
//! decoded and as trimmed, with the trim points marked (the notebook's §3.2), and its MFCC and
//! chroma frames standardised per coefficient (§3.4.2's heatmaps, `sklearn.preprocessing.scale`
//! along time).

use ndarray::ArrayView2;

use super::short_name;
use crate::features::Extractor;
use crate::study::output::{BandAxis, Column, Figure, Table, WaveformPanel};
use crate::study::{StudyData, StudyError};

/// Envelope points per waveform panel: more than the panel's pixel columns, so the band is as
/// detailed as the screen, and a 3-hour recording costs the same to draw as a 3-second one.
const ENVELOPE_POINTS: usize = 1_500;

/// The pitch-class names of a 12-bin chroma, C first (librosa's order).
const PITCH_CLASSES: [&str; 12] = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"];

/// Waveforms, MFCC and chroma heatmaps of `n` corpus rows spread evenly over the first
/// `n_rows`, each titled with its file and its value of `groups`, and a table of where
/// trimming cut each one (`<label>_recordings`: file, decoded and kept seconds).
pub(super) fn recording_figures(
    label: &str,
    n: usize,
    n_rows: usize,
    data: &StudyData<'_>,
    groups: Option<&Vec<String>>,
) -> Result<(Table, Vec<Figure>), StudyError> {
    let source = data.recordings.ok_or_else(|| StudyError::Explore { study: label.into(), what: "recordings" })?;
    let params = data.feature_params;
    let mut extractor = Extractor::new(params.clone()).map_err(|e| StudyError::Recording {
        study: label.into(),
        file: String::new(),
        reason: e.to_string(),
    })?;
    let (mut waves, mut mfcc, mut chroma) = (Vec::new(), Vec::new(), Vec::new());
    let (mut files, mut decoded_s, mut kept_from_s, mut kept_to_s) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for i in 0..n {
        let row = i * n_rows / n;
        let file = &data.file_names[row];
        let fail = |reason: String| StudyError::Recording { study: label.into(), file: file.clone(), reason };
        let recording = source.recording(row).map_err(fail)?;
        let rate = f64::from(recording.sample_rate_hz);
        let (start, end) = (recording.kept.start, recording.kept.end);
        let name = short_name(file);
        let name = groups.map_or(name.clone(), |g| format!("{name} ({})", g[row]));
        let seconds = |samples: usize| samples as f64 / rate;
        files.push(file.clone());
        decoded_s.push(Some(seconds(recording.samples.len())));
        kept_from_s.push(Some(seconds(start)));
        kept_to_s.push(Some(seconds(end)));
        waves.push(waveform_panel(
            format!("{name}: as decoded, {} s", format_seconds(seconds(recording.samples.len()))),
            &recording.samples,
            0.0,
            rate,
            Some((seconds(start), seconds(end))),
        ));
        let kept = &recording.samples[start..end];
        waves.push(waveform_panel(
            format!("{name}: trimmed, {} s kept", format_seconds(seconds(kept.len()))),
            kept,
            seconds(start),
            rate,
            None,
        ));
        let frames = extractor.analyse(kept, recording.sample_rate_hz).map_err(|e| fail(e.to_string()))?;
        mfcc.push((name.clone(), standardised_rows(frames.mfcc.t())));
        chroma.push((name, standardised_rows(frames.chroma.mapv(f64::from).t())));
    }
    let frame_seconds = params.stft.hop_length as f64 / f64::from(params.sample_rate_hz);
    let chroma_names: Vec<String> = if params.chroma.n_chroma == PITCH_CLASSES.len() {
        PITCH_CLASSES.iter().map(|p| (*p).to_string()).collect()
    } else {
        (1..=params.chroma.n_chroma).map(|c| c.to_string()).collect()
    };
    let table = Table {
        name: format!("{label}_recordings"),
        columns: vec![
            Column::text("file", files),
            Column::float("decoded_s", decoded_s),
            Column::float("kept_from_s", kept_from_s),
            Column::float("kept_to_s", kept_to_s),
        ],
    };
    let figures = vec![
        Figure::Waveforms {
            name: format!("{label}_waveforms"),
            title: format!("{n} recordings before and after trimming silence (grey: cut; dashed: trim points)"),
            panels: waves,
        },
        Figure::Spectrograms {
            name: format!("{label}_mfcc_frames"),
            title: format!("MFCC 1 to {} per frame, each coefficient standardised", params.n_mfcc),
            panels: mfcc,
            frame_seconds,
            bands: BandAxis::Named((1..=params.n_mfcc).map(|c| c.to_string()).collect()),
            value_label: "z".into(),
        },
        Figure::Spectrograms {
            name: format!("{label}_chroma_frames"),
            title: "Chroma per frame, each pitch class standardised".into(),
            panels: chroma,
            frame_seconds,
            bands: BandAxis::Named(chroma_names),
            value_label: "z".into(),
        },
    ];
    Ok((table, figures))
}

/// `seconds` with two decimals.
fn format_seconds(seconds: f64) -> String {
    format!("{seconds:.2}")
}

/// A panel of `samples` starting at `start_s`: the minimum and maximum of each of at most
/// [`ENVELOPE_POINTS`] equal spans.
fn waveform_panel(
    title: String,
    samples: &[f32],
    start_s: f64,
    rate: f64,
    kept_s: Option<(f64, f64)>,
) -> WaveformPanel {
    let span = samples.len().div_ceil(ENVELOPE_POINTS).max(1);
    let envelope = samples
        .chunks(span)
        .map(|chunk| chunk.iter().fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v))))
        .collect();
    WaveformPanel { title, start_s, seconds_per_point: span as f64 / rate, envelope, kept_s }
}

/// Each row of `m` (a coefficient over frames) minus its mean, over its population standard
/// deviation (`sklearn.preprocessing.scale(m, axis=1)`: a constant row becomes zeros).
fn standardised_rows(m: ArrayView2<f64>) -> Vec<Vec<f64>> {
    m.rows()
        .into_iter()
        .map(|row| {
            let n = row.len() as f64;
            let mean = row.sum() / n;
            let std = (row.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
            let scale = if std > 0.0 { std } else { 1.0 };
            row.iter().map(|v| (v - mean) / scale).collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_standardised_like_sklearn_scale() {
        let m = ndarray::array![[1.0, 2.0, 3.0, 4.0], [5.0, 5.0, 5.0, 5.0]];
        let z = standardised_rows(m.view());
        // sklearn.preprocessing.scale([[1, 2, 3, 4]], axis=1)
        let expected = [-1.3416407864998738, -0.4472135954999579, 0.4472135954999579, 1.3416407864998738];
        for (a, b) in z[0].iter().zip(expected) {
            assert!((a - b).abs() < 1e-15);
        }
        assert_eq!(z[1], vec![0.0; 4]);
    }

    #[test]
    fn the_envelope_bounds_every_sample_and_keeps_time() {
        let samples: Vec<f32> = (0..10_000).map(|i| ((i as f32) * 0.01).sin()).collect();
        let panel = waveform_panel("t".into(), &samples, 1.5, 1_000.0, None);
        assert!(panel.envelope.len() <= ENVELOPE_POINTS);
        let span = 10_000_usize.div_ceil(ENVELOPE_POINTS);
        for (chunk, &(lo, hi)) in samples.chunks(span).zip(&panel.envelope) {
            assert!(chunk.iter().all(|&v| lo <= v && v <= hi));
            assert!(chunk.contains(&lo) && chunk.contains(&hi));
        }
        let end = panel.start_s + panel.envelope.len() as f64 * panel.seconds_per_point;
        assert!((end - 11.5).abs() < 0.01, "{end}");
    }
}

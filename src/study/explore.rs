//! `explore`: the data drawn before any model, as the notebook's §3 drew it — histograms of
//! the descriptive features (optionally one colour per label value) with their means,
//! correlation maps of the descriptive features and of the feature vector, the files per
//! value of every label column, statistics per class, a grid of example log-mel
//! spectrograms, a few recordings' waveforms and MFCC/chroma frames ([`recordings`]), and the
//! MFCC and chroma means across files ([`coefficients`]).
//!
//! Histograms bin as `numpy.histogram(values, bins=n)` does and correlations are
//! `numpy.corrcoef`, so the tables can be checked against numpy (`tests/explore_cli.rs`).
//! Undefined values (a clip without beats has no mean beat frame) are left out of that
//! feature's histogram and statistics and counted; a correlation uses the files whose every
//! value is defined.

use std::collections::BTreeMap;

use ndarray::{Array2, ArrayView2, Axis};

mod coefficients;
mod recordings;

use super::output::{BandAxis, Column, Figure, MatrixScale, StudyOutput, Table};
use super::{StudyData, StudyError};
use crate::spec::ExploreSpec;

/// The descriptive feature of each column, as an axis label with its unit.
fn axis_label(feature: &str) -> String {
    match feature {
        "duration_s" => "duration after trimming (s)",
        "amplitude_mean" => "mean sample amplitude (full scale = 1)",
        "amplitude_std" => "standard deviation of the samples (full scale = 1)",
        "amplitude_skew" => "skewness of the samples (unitless)",
        "zcr_mean" => "mean zero-crossing rate (crossings per sample)",
        "spectral_centroid_mean" => "mean spectral centroid (Hz)",
        "spectral_bandwidth_mean" => "mean spectral bandwidth (Hz)",
        "tempo_bpm" => "tempo (beats per minute)",
        "beat_mean_frame" => "mean beat position (frame)",
        "n_beats" => "beats detected (count)",
        "piptrack_mean" => "pitch: mean piptrack frequency, zeros included (Hz)",
        other => other,
    }
    .to_string()
}

/// `numpy.histogram(values, bins=n_bins)` of the finite `values`: the `n_bins + 1` edges
/// (`linspace(min, max)`, widened by ½ on each side when every value is equal) and the count
/// of each bin (half-open, the last one closed: numpy's index arithmetic is corrected against
/// the edges themselves, so comparing with the edges gives its bins).
#[must_use]
pub fn histogram(values: &[f64], n_bins: usize) -> (Vec<f64>, Vec<u64>) {
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    let (mut first, mut last) =
        finite.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    if finite.is_empty() {
        (first, last) = (0.0, 1.0);
    } else if first == last {
        (first, last) = (first - 0.5, last + 0.5);
    }
    let step = (last - first) / n_bins as f64;
    let mut edges: Vec<f64> = (0..=n_bins).map(|i| i as f64 * step + first).collect();
    edges[n_bins] = last;
    let counts = counts_in(&finite, &edges);
    (edges, counts)
}

/// `numpy.corrcoef(x, rowvar=False)`: Pearson correlations of the columns, clipped to [−1, 1]
/// (NaN for a constant column).
#[must_use]
pub fn correlations(x: ArrayView2<f64>) -> Array2<f64> {
    let n = x.nrows() as f64;
    let centred = &x - &x.mean_axis(Axis(0)).expect("at least one row");
    let cov = centred.t().dot(&centred) / (n - 1.0);
    let std: Vec<f64> = cov.diag().iter().map(|v| v.sqrt()).collect();
    Array2::from_shape_fn(cov.dim(), |(i, j)| (cov[[i, j]] / std[i] / std[j]).clamp(-1.0, 1.0))
}

/// Runs an explore study over the corpus's rows.
pub(super) fn explore(spec: &ExploreSpec, data: StudyData<'_>, label: &str) -> Result<StudyOutput, StudyError> {
    let n_rows = data.x.nrows() - data.test_rows.len();
    let missing = |what| StudyError::Explore { study: label.into(), what };
    let descriptive = data.descriptive.ok_or_else(|| missing("descriptive features"))?;
    let descriptive = descriptive.slice(ndarray::s![..n_rows, ..]);
    let names = crate::features::recipe("descriptive").expect("a built-in recipe").columns.clone();
    let groups: Option<&Vec<String>> = spec.by.as_deref().map(|column| &data.columns[column]);
    let mut out = StudyOutput::default();
    out.metrics.insert(format!("{label}.n_files"), n_rows as f64);

    // The descriptive features, then the pitch the notebook also drew (§3.4.1) when the
    // vector has it: the mean `piptrack` frequency.
    let vector = data.unscaled.slice(ndarray::s![..n_rows, ..]);
    let pitch = data.feature_names.iter().position(|n| n == "piptrack_mean");
    let drawn = names
        .iter()
        .enumerate()
        .map(|(j, feature)| (feature, descriptive.column(j).to_vec()))
        .chain(pitch.map(|j| (&data.feature_names[j], vector.column(j).to_vec())));
    let mut hist = HistogramTable::default();
    for (feature, values) in drawn {
        let (edges, counts) = histogram(&values, spec.bins);
        hist.push(feature, "all", &edges, &counts);
        let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
        let mean = finite.iter().sum::<f64>() / finite.len() as f64;
        out.metrics.insert(format!("{label}.{feature}.mean"), mean);
        out.metrics.insert(format!("{label}.{feature}.n_undefined"), (values.len() - finite.len()) as f64);
        let figure_groups = match groups {
            None => vec![("all".to_string(), counts, mean)],
            Some(groups) => group_values(&values, groups)
                .into_iter()
                .map(|(group, members)| {
                    let counts = counts_in(&members, &edges);
                    hist.push(feature, &group, &edges, &counts);
                    let finite: Vec<f64> = members.into_iter().filter(|v| v.is_finite()).collect();
                    (group, counts, finite.iter().sum::<f64>() / finite.len() as f64)
                })
                .collect(),
        };
        let by = spec.by.as_deref().map_or(String::new(), |b| format!(" by {b}"));
        out.figures.push(Figure::Histogram {
            name: format!("{label}_hist_{feature}"),
            title: format!("{feature}{by} ({n_rows} files)"),
            x_label: axis_label(feature),
            edges,
            groups: figure_groups,
        });
    }
    out.tables.push(hist.table(&format!("{label}_histograms")));

    let (table, figure) =
        correlation_outputs(&format!("{label}_correlation_descriptive"), descriptive, &names, "descriptive features");
    out.tables.push(table);
    out.figures.push(figure);
    let (table, figure) =
        correlation_outputs(&format!("{label}_correlation_features"), vector, data.feature_names, "the feature vector");
    out.tables.push(table);
    out.figures.push(figure);

    let (table, figures) = class_counts(label, data.columns, n_rows);
    out.tables.push(table);
    out.figures.extend(figures);
    if let (Some(by), Some(groups)) = (spec.by.as_deref(), groups) {
        let (table, markdown) = per_class(&format!("{label}_by_{by}"), descriptive, &names, &groups[..n_rows]);
        out.tables.push(table);
        out.documents.push((format!("{label}_by_{by}"), markdown));
    }

    let (images, [n_mels, n_frames]) = data.images.ok_or_else(|| missing("log-mel images"))?;
    let params = data.feature_params;
    // Files spread evenly over the corpus order (so not all of one speaker or emotion), each
    // titled with its value of `by`.
    let examples = spec.examples.min(n_rows);
    let panels = (0..examples)
        .map(|i| {
            let row = i * n_rows / examples;
            let image = images.row(row);
            let bands =
                (0..n_mels).map(|b| image.slice(ndarray::s![b * n_frames..(b + 1) * n_frames]).to_vec()).collect();
            let name = short_name(&data.file_names[row]);
            (groups.map_or(name.clone(), |g| format!("{name} ({})", g[row])), bands)
        })
        .collect();
    let fmax = params.mel_fmax_hz();
    let centres = crate::features::mel_frequencies(n_mels + 2, params.mel.fmin_hz, fmax);
    out.figures.push(Figure::Spectrograms {
        name: format!("{label}_logmel_examples"),
        title: format!(
            "Log-mel spectrograms of {examples} files (dB re. peak; 0 dB pads to 128 frames, as the CNN sees)"
        ),
        panels,
        frame_seconds: params.stft.hop_length as f64 / f64::from(params.sample_rate_hz),
        bands: BandAxis::MelHz(centres[1..=n_mels].to_vec()),
        value_label: "dB".into(),
    });
    if spec.recordings > 0 {
        let (table, figures) =
            recordings::recording_figures(label, spec.recordings.min(n_rows), n_rows, &data, groups)?;
        out.tables.push(table);
        out.figures.extend(figures);
    }
    let (tables, figures) = coefficients::coefficient_outputs(label, vector, data.feature_names);
    out.tables.extend(tables);
    out.figures.extend(figures);
    Ok(out)
}

/// A file's name without folders, cut to 24 characters (a panel title).
fn short_name(file: &str) -> String {
    let name = file.rsplit('/').next().unwrap_or(file);
    if name.chars().count() > 24 {
        format!("…{}", name.chars().skip(name.chars().count() - 23).collect::<String>())
    } else {
        name.to_string()
    }
}

/// The values of each group, groups in [`super::sorted_labels`] order.
fn group_values(values: &[f64], groups: &[String]) -> Vec<(String, Vec<f64>)> {
    super::sorted_labels(groups[..values.len()].iter().map(String::as_str))
        .into_iter()
        .map(|group| {
            let members = values.iter().zip(groups).filter(|(_, g)| **g == group).map(|(v, _)| *v).collect();
            (group, members)
        })
        .collect()
}

/// Counts of the finite `values` in the bins of `edges` (numpy's rule: half-open bins, the
/// last one closed).
fn counts_in(values: &[f64], edges: &[f64]) -> Vec<u64> {
    let n_bins = edges.len() - 1;
    let mut counts = vec![0u64; n_bins];
    for &v in values.iter().filter(|v| v.is_finite()) {
        let bin = edges[1..n_bins].partition_point(|&e| e <= v);
        counts[bin] += 1;
    }
    counts
}

/// Rows of `tables/<study>_histograms.csv`.
#[derive(Default)]
struct HistogramTable {
    feature: Vec<String>,
    group: Vec<String>,
    bin: Vec<i64>,
    left: Vec<Option<f64>>,
    right: Vec<Option<f64>>,
    count: Vec<i64>,
}

impl HistogramTable {
    fn push(&mut self, feature: &str, group: &str, edges: &[f64], counts: &[u64]) {
        for (bin, (&count, edge)) in counts.iter().zip(edges.windows(2)).enumerate() {
            self.feature.push(feature.into());
            self.group.push(group.into());
            self.bin.push(bin as i64);
            self.left.push(Some(edge[0]));
            self.right.push(Some(edge[1]));
            self.count.push(count as i64);
        }
    }

    fn table(self, name: &str) -> Table {
        Table {
            name: name.into(),
            columns: vec![
                Column::text("feature", self.feature),
                Column::text("group", self.group),
                Column::int("bin", self.bin),
                Column::float("left", self.left),
                Column::float("right", self.right),
                Column::int("count", self.count),
            ],
        }
    }
}

/// The correlation table and heatmap of the columns of `x`, over the rows whose every value is
/// finite.
fn correlation_outputs(name: &str, x: ArrayView2<f64>, names: &[String], what: &str) -> (Table, Figure) {
    let complete: Vec<usize> = (0..x.nrows()).filter(|&r| x.row(r).iter().all(|v| v.is_finite())).collect();
    let corr = correlations(x.select(Axis(0), &complete).view());
    let mut columns = vec![Column::text("feature", names.iter().cloned())];
    for (j, feature) in names.iter().enumerate() {
        columns.push(Column::float(feature, corr.column(j).iter().map(|&v| Some(v).filter(|v| v.is_finite()))));
    }
    let rows: Vec<Vec<f64>> = corr.rows().into_iter().map(|r| r.to_vec()).collect();
    let cell_text = rows
        .iter()
        .map(|r| r.iter().map(|v| if v.is_finite() { format!("{v:.2}") } else { String::new() }).collect())
        .collect();
    let figure = Figure::Matrix {
        name: name.into(),
        title: format!("Pearson correlation of {what} ({} files)", complete.len()),
        value_label: "r".into(),
        row_labels: names.to_vec(),
        col_labels: names.to_vec(),
        values: rows,
        scale: MatrixScale::Diverging,
        cell_text,
        axis_labels: [String::new(), String::new()],
    };
    (Table { name: name.into(), columns }, figure)
}

/// Files per value of every label column the spec reads: a table and one bar chart per column.
fn class_counts(label: &str, columns: &BTreeMap<String, Vec<String>>, n_rows: usize) -> (Table, Vec<Figure>) {
    let (mut column_names, mut values, mut counts) = (Vec::new(), Vec::new(), Vec::new());
    let mut figures = Vec::new();
    for (column, per_row) in columns {
        let count: Vec<(String, i64)> = super::sorted_labels(per_row[..n_rows].iter().map(String::as_str))
            .into_iter()
            .map(|value| {
                let n = per_row[..n_rows].iter().filter(|v| **v == value).count() as i64;
                (value, n)
            })
            .collect();
        for (value, n) in &count {
            column_names.push(column.clone());
            values.push(value.clone());
            counts.push(*n);
        }
        figures.push(Figure::Bars {
            name: format!("{label}_counts_{column}"),
            title: format!("Files per {column} ({n_rows} files)"),
            value_label: "files".into(),
            bars: count.iter().map(|(value, n)| (value.clone(), *n as f64)).collect(),
        });
    }
    let table = Table {
        name: format!("{label}_class_counts"),
        columns: vec![
            Column::text("column", column_names),
            Column::text("value", values),
            Column::int("n_files", counts),
        ],
    };
    (table, figures)
}

/// Mean and sample standard deviation (ddof = 1, as pandas) of every descriptive feature per
/// class: a table and the same as Markdown, `mean ± std` per cell.
fn per_class(name: &str, x: ArrayView2<f64>, names: &[String], groups: &[String]) -> (Table, String) {
    let classes = super::sorted_labels(groups.iter().map(String::as_str));
    let (mut class_col, mut feature_col, mut n_col, mut mean_col, mut std_col) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut markdown = format!("| class | n | {} |\n|---|---|{}\n", names.join(" | "), "---|".repeat(names.len()));
    for class in &classes {
        let rows: Vec<usize> = (0..groups.len()).filter(|&r| groups[r] == *class).collect();
        let mut cells = Vec::new();
        for (j, feature) in names.iter().enumerate() {
            let values: Vec<f64> = rows.iter().map(|&r| x[[r, j]]).filter(|v| v.is_finite()).collect();
            let n = values.len() as f64;
            let mean = values.iter().sum::<f64>() / n;
            let std = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
            class_col.push((*class).clone());
            feature_col.push(feature.clone());
            n_col.push(values.len() as i64);
            mean_col.push(Some(mean).filter(|v| v.is_finite()));
            std_col.push(Some(std).filter(|v| v.is_finite()));
            cells.push(format!("{} ± {}", four_digits(mean), four_digits(std)));
        }
        markdown.push_str(&format!("| {class} | {} | {} |\n", rows.len(), cells.join(" | ")));
    }
    let table = Table {
        name: name.into(),
        columns: vec![
            Column::text("class", class_col),
            Column::text("feature", feature_col),
            Column::int("n", n_col),
            Column::float("mean", mean_col),
            Column::float("std", std_col),
        ],
    };
    (table, markdown)
}

/// `v` with 4 significant digits (plain notation; Markdown is read by people).
fn four_digits(v: f64) -> String {
    if !v.is_finite() {
        return "–".into();
    }
    let magnitude = if v == 0.0 { 0 } else { v.abs().log10().floor() as i32 };
    format!("{v:.*}", usize::try_from(3 - magnitude).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_bins_as_numpy_does() {
        // numpy.histogram([1, 2, 2, 3, 10], bins=3) → edges [1, 4, 7, 10], counts [4, 0, 1]
        let (edges, counts) = histogram(&[1.0, 2.0, 2.0, 3.0, 10.0, f64::NAN], 3);
        assert_eq!(edges, vec![1.0, 4.0, 7.0, 10.0]);
        assert_eq!(counts, vec![4, 0, 1]);
        // All equal: numpy widens the range by 0.5 each side.
        let (edges, counts) = histogram(&[2.0, 2.0], 2);
        assert_eq!(edges, vec![1.5, 2.0, 2.5]);
        assert_eq!(counts, vec![0, 2]);
        assert_eq!(counts_in(&[1.0, 4.0, 10.0, 3.999], &[1.0, 4.0, 7.0, 10.0]), vec![2, 1, 1]);
    }

    #[test]
    fn correlations_of_a_column_with_itself_and_its_negative() {
        let x = ndarray::array![[1.0, -2.0, 5.0], [2.0, -4.0, 5.0], [4.0, -8.0, 5.0]];
        let c = correlations(x.view());
        assert!((c[[0, 0]] - 1.0).abs() < 1e-15 && (c[[0, 1]] + 1.0).abs() < 1e-15);
        assert!(c[[0, 2]].is_nan(), "a constant column has no correlation");
    }
}

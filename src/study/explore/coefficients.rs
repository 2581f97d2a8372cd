//! The corpus's MFCC and chroma means drawn as the notebook's §3.4.2 did: the average of each
//! coefficient over files (bars) and its spread across files (box plots), from the feature
//! vector's `mfcc_<n>` and `chroma_<pitch>` columns (each file's mean over its frames).
//!
//! The notebook standardised every file's frames per coefficient before averaging, which makes
//! every mean 0 by construction (its bars and boxes show rounding noise); these are the means
//! of the unstandardised frames, the values the models see.

use ndarray::ArrayView2;

use crate::study::output::{BoxStats, Column, Figure, Table};

/// The bars, box plots and table of every coefficient family present in `names` (the columns
/// of `x`, whose rows are the corpus's files); nothing when the recipe has none.
pub(super) fn coefficient_outputs(label: &str, x: ArrayView2<f64>, names: &[String]) -> (Vec<Table>, Vec<Figure>) {
    let (mut tables, mut figures) = (Vec::new(), Vec::new());
    let families = [
        ("mfcc", "mfcc_", "MFCC", "MFCC coefficient", "mean over frames (dB-scaled cepstrum)"),
        ("chroma", "chroma_", "Chroma", "pitch class", "mean over frames (chroma energy, 0–1)"),
    ];
    for (family, prefix, title, x_label, unit) in families {
        let members: Vec<(usize, &str)> =
            names.iter().enumerate().filter_map(|(j, n)| n.strip_prefix(prefix).map(|short| (j, short))).collect();
        if members.is_empty() {
            continue;
        }
        let stats: Vec<(String, Vec<f64>, Option<BoxStats>)> = members
            .iter()
            .map(|&(j, short)| {
                let values: Vec<f64> = x.column(j).iter().copied().filter(|v| v.is_finite()).collect();
                let stats = box_stats(&values);
                (short.to_string(), values, stats)
            })
            .collect();
        let mean = |values: &[f64]| values.iter().sum::<f64>() / values.len() as f64;
        // MFCC 1 is the overall level, some ten times the others' scale: on one axis with it
        // the other boxes flatten into lines, so the figures leave it out and say so (the
        // table keeps it).
        let drawn = if family == "mfcc" && stats.len() > 1 && stats[0].0 == "1" { &stats[1..] } else { &stats[..] };
        let left_out = if drawn.len() < stats.len() { " (MFCC 1, the overall level, in the table)" } else { "" };
        figures.push(Figure::Bars {
            name: format!("{label}_{family}_means"),
            title: format!("Average {title} over {} files{left_out}", x.nrows()),
            value_label: unit.into(),
            bars: drawn.iter().map(|(short, values, _)| (format!("{title} {short}"), mean(values))).collect(),
        });
        figures.push(Figure::Boxes {
            name: format!("{label}_{family}_boxes"),
            title: format!("{title} means across {} files{left_out}", x.nrows()),
            x_label: x_label.into(),
            y_label: unit.into(),
            boxes: drawn.iter().filter_map(|(short, _, s)| s.clone().map(|s| (short.clone(), s))).collect(),
        });
        let column = |f: fn(&BoxStats) -> f64| stats.iter().map(move |(_, _, s)| s.as_ref().map(f)).collect::<Vec<_>>();
        tables.push(Table {
            name: format!("{label}_{family}_distribution"),
            columns: vec![
                Column::text("feature", members.iter().map(|(j, _)| names[*j].clone())),
                Column::int("n", stats.iter().map(|(_, v, _)| v.len() as i64)),
                Column::float("mean", stats.iter().map(|(_, v, _)| Some(mean(v)).filter(|m| m.is_finite()))),
                Column::float("q1", column(|s| s.q1)),
                Column::float("median", column(|s| s.median)),
                Column::float("q3", column(|s| s.q3)),
                Column::float("whisker_low", column(|s| s.whisker_low)),
                Column::float("whisker_high", column(|s| s.whisker_high)),
                Column::int(
                    "n_outliers",
                    stats.iter().map(|(_, _, s)| s.as_ref().map_or(0, |s| s.outliers.len() as i64)),
                ),
            ],
        });
    }
    (tables, figures)
}

/// Tukey's box of `values` as matplotlib's `boxplot` draws it: quartiles by numpy's default
/// (linear) percentile, whiskers at the furthest values within 1.5 IQR of the box. None for
/// no values.
#[must_use]
pub fn box_stats(values: &[f64]) -> Option<BoxStats> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let (q1, median, q3) = (percentile(&sorted, 25.0), percentile(&sorted, 50.0), percentile(&sorted, 75.0));
    let (low_fence, high_fence) = (q1 - 1.5 * (q3 - q1), q3 + 1.5 * (q3 - q1));
    let inside = || sorted.iter().copied().filter(|&v| (low_fence..=high_fence).contains(&v));
    Some(BoxStats {
        q1,
        median,
        q3,
        whisker_low: inside().next().unwrap_or(q1).min(q1),
        whisker_high: inside().next_back().unwrap_or(q3).max(q3),
        outliers: sorted.iter().copied().filter(|&v| v < low_fence || v > high_fence).collect(),
    })
}

/// `numpy.percentile(sorted, p)` (method `linear`) of ascending `sorted`, with numpy's lerp
/// (`a + (b − a)·t`, or `b − (b − a)·(1 − t)` for `t ≥ 0.5`) so results agree to the last bit.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    let position = p / 100.0 * (sorted.len() - 1) as f64;
    let below = position.floor() as usize;
    let above = (below + 1).min(sorted.len() - 1);
    let t = position - below as f64;
    let (a, b) = (sorted[below], sorted[above]);
    let difference = b - a;
    if t >= 0.5 {
        b - difference * (1.0 - t)
    } else {
        a + difference * t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boxes_equal_numpy_percentiles_and_matplotlib_whiskers() {
        // numpy.percentile(v, [25, 50, 75]) = [3.25, 4.5, 7.75]; IQR 4.5, fences −3.5 and 14.5:
        // 30 is an outlier, the whiskers reach 1 and 9 (matplotlib.cbook.boxplot_stats' rule).
        let v = [9.0, 1.0, 4.0, 2.0, 30.0, 5.0, 7.0, 3.0, 8.0, 4.0];
        let s = box_stats(&v).expect("values");
        assert_eq!((s.q1, s.median, s.q3), (3.25, 4.5, 7.75));
        assert_eq!((s.whisker_low, s.whisker_high), (1.0, 9.0));
        assert_eq!(s.outliers, vec![30.0]);
        assert!(box_stats(&[]).is_none());
        let one = box_stats(&[2.0]).expect("one value");
        assert_eq!((one.q1, one.median, one.q3, one.whisker_low, one.whisker_high), (2.0, 2.0, 2.0, 2.0, 2.0));
    }

    #[test]
    fn a_recipe_without_coefficients_draws_nothing() {
        let x = ndarray::Array2::<f64>::zeros((3, 2));
        let (tables, figures) = coefficient_outputs("e", x.view(), &["rms".into(), "zcr".into()]);
        assert!(tables.is_empty() && figures.is_empty());
    }

    #[test]
    fn each_family_gets_bars_boxes_and_a_table_in_column_order() {
        let x = ndarray::array![[-400.0, 1.0, 0.5, 9.0], [-300.0, 3.0, 0.7, 9.0], [-500.0, 5.0, 0.9, 9.0]];
        let names = ["mfcc_1", "mfcc_2", "chroma_C", "rms"].map(String::from);
        let (tables, figures) = coefficient_outputs("e", x.view(), &names);
        assert_eq!(tables.len(), 2);
        assert_eq!(figures.len(), 4);
        // MFCC 1 stays in the table and out of the figures, which say so.
        assert_eq!(tables[0].columns[0].len(), 2);
        match &figures[0] {
            Figure::Bars { bars, title, .. } => {
                assert_eq!(bars, &[("MFCC 2".to_string(), 3.0)]);
                assert!(title.contains("MFCC 1"), "{title}");
            }
            other => panic!("{other:?}"),
        }
        match &figures[3] {
            Figure::Boxes { boxes, title, .. } => {
                assert_eq!(boxes.len(), 1);
                assert_eq!((boxes[0].0.as_str(), boxes[0].1.median), ("C", 0.7));
                assert!(!title.contains("table"), "{title}");
            }
            other => panic!("{other:?}"),
        }
    }
}

//! What a study produces: metrics, tables, per-row assignments and figure data.
//!
//! Studies only compute; `runs` writes these into the run folder and `report` renders tables
//! and figures. Keeping the data plain (no polars or plotters types) keeps the stages apart.

use std::collections::BTreeMap;

use crate::models::{ClusterModel, NoiseTreatment};

use super::internal::InternalMetrics;

/// Everything one study produced.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StudyOutput {
    /// Flat metrics, keyed `study.model.metric[@key=value,...]` (DESIGN §4).
    pub metrics: BTreeMap<String, f64>,
    /// Summary tables (written as `tables/<name>.csv`).
    pub tables: Vec<Table>,
    /// Cluster assignments of fitted models (written as `assignments/<name>.csv`).
    pub assignments: Vec<Assignment>,
    /// Figures to draw (written as `figures/<name>.png`).
    pub figures: Vec<Figure>,
    /// Each study's label and how many of `figures` it drew, in order (the report groups the
    /// figures by study).
    pub figure_counts: Vec<(String, usize)>,
    /// Rows of the run-wide `tables/summary.csv` this study contributes.
    pub summary: Vec<SummaryRow>,
    /// Markdown documents (name, text), written as `tables/<name>.md`.
    pub documents: Vec<(String, String)>,
    /// Classifiers' predictions for every test row (written as `predictions/<name>.csv`).
    pub predictions: Vec<Table>,
}

/// A named table of equally long columns.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// File stem (`k_sweep` → `tables/k_sweep.csv`).
    pub name: String,
    /// Columns, in display order.
    pub columns: Vec<Column>,
}

/// One column of a [`Table`].
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// Header.
    pub name: String,
    /// Values.
    pub values: Values,
}

/// The values of a column; `None` is an undefined number (written as an empty cell).
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    /// Text.
    Text(Vec<String>),
    /// Integers.
    Int(Vec<i64>),
    /// Floats (`None` where undefined, e.g. silhouette of one cluster).
    Float(Vec<Option<f64>>),
}

impl Column {
    /// A text column.
    pub fn text(name: &str, values: impl IntoIterator<Item = String>) -> Self {
        Self { name: name.into(), values: Values::Text(values.into_iter().collect()) }
    }

    /// An integer column.
    pub fn int(name: &str, values: impl IntoIterator<Item = i64>) -> Self {
        Self { name: name.into(), values: Values::Int(values.into_iter().collect()) }
    }

    /// A float column.
    pub fn float(name: &str, values: impl IntoIterator<Item = Option<f64>>) -> Self {
        Self { name: name.into(), values: Values::Float(values.into_iter().collect()) }
    }

    /// Number of values.
    #[must_use]
    pub fn len(&self) -> usize {
        match &self.values {
            Values::Text(v) => v.len(),
            Values::Int(v) => v.len(),
            Values::Float(v) => v.len(),
        }
    }

    /// Whether the column is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The cluster of every row a model labelled (rows of all splits it was applied to).
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    /// File stem (`grid_kmeans` → `assignments/grid_kmeans.csv`).
    pub name: String,
    /// `(row index, cluster id)` pairs, ascending by row; `None` is noise (written as −1).
    pub clusters: Vec<(usize, Option<usize>)>,
}

/// Data for one figure; `report` decides how it looks.
#[derive(Debug, Clone, PartialEq)]
pub enum Figure {
    /// Lines with markers (silhouette vs k, elbow).
    Line {
        /// File stem.
        name: String,
        /// Title.
        title: String,
        /// X axis label.
        x_label: String,
        /// Y axis label.
        y_label: String,
        /// Named series of (x, y) points.
        series: Vec<(String, Vec<(f64, f64)>)>,
        /// An x position to mark (e.g. the chosen k).
        highlight_x: Option<f64>,
    },
    /// Points coloured by group (PCA scatter).
    Scatter {
        /// File stem.
        name: String,
        /// Title.
        title: String,
        /// X axis label.
        x_label: String,
        /// Y axis label.
        y_label: String,
        /// (x, y, group) per point.
        points: Vec<(f64, f64, usize)>,
        /// Legend entry of each group id (`cluster 0` ... when empty).
        legend: Vec<String>,
        /// The group that is noise (drawn small and grey, under the clusters), if any.
        noise: Option<usize>,
    },
    /// A square matrix of values in [0, 1] (consensus matrix); NaN cells are left blank.
    Heatmap {
        /// File stem.
        name: String,
        /// Title.
        title: String,
        /// Label of both axes.
        axis_label: String,
        /// Row-major values.
        values: Vec<Vec<f64>>,
        /// Indices where a new block (cluster) starts, drawn as lines.
        boundaries: Vec<usize>,
    },
    /// A matrix with named rows and columns (a cluster profile: clusters × features on a
    /// diverging scale; a confusion matrix: classes × classes, sequential, counts written in the
    /// cells); NaN cells are left blank.
    Matrix {
        /// File stem.
        name: String,
        /// Title.
        title: String,
        /// What the colour shows (written above the colour bar; keep it short).
        value_label: String,
        /// Row names, top to bottom.
        row_labels: Vec<String>,
        /// Column names, left to right.
        col_labels: Vec<String>,
        /// Row-major values.
        values: Vec<Vec<f64>>,
        /// How values map to colour.
        scale: MatrixScale,
        /// Text written in each cell (row-major), or empty for none.
        cell_text: Vec<Vec<String>>,
        /// What the rows and the columns are (`["true class", "predicted class"]`), or empty.
        axis_labels: [String; 2],
    },
    /// Horizontal bars, one per named value, largest at the top (feature importances).
    Bars {
        /// File stem.
        name: String,
        /// Title.
        title: String,
        /// What the bar length measures (the x axis).
        value_label: String,
        /// (label, value) per bar, top to bottom.
        bars: Vec<(String, f64)>,
    },
    /// A dendrogram, as scipy lays it out: each link is the four corners of its "U".
    Dendrogram {
        /// File stem.
        name: String,
        /// Title.
        title: String,
        /// Y axis label.
        y_label: String,
        /// Each merge's U: (x, y) of its four corners, leaves at x = 5, 15, 25, ...
        links: Vec<[(f64, f64); 4]>,
        /// Labels of the leaves, left to right.
        leaf_labels: Vec<String>,
    },
    /// Histograms of one value, one per group (a colour each), over shared bins, with each
    /// group's mean as a dashed vertical line.
    Histogram {
        /// File stem.
        name: String,
        /// Title.
        title: String,
        /// What is counted, with its unit (the x axis).
        x_label: String,
        /// The `n_bins + 1` bin edges, ascending.
        edges: Vec<f64>,
        /// (group name, count per bin, mean of the group's values) per group.
        groups: Vec<(String, Vec<u64>, f64)>,
    },
    /// A grid of spectrogram panels on one colour scale (the notebook's 16 log-mels).
    Spectrograms {
        /// File stem.
        name: String,
        /// Title.
        title: String,
        /// (panel title, values) per panel; values are `[band][frame]`, band 0 the lowest.
        panels: Vec<(String, Vec<Vec<f64>>)>,
        /// Seconds from one frame to the next (the x axis is time).
        frame_seconds: f64,
        /// What the bands are (the y axis).
        bands: BandAxis,
        /// What the colour shows (`dB`).
        value_label: String,
    },
    /// Recordings drawn as their sample envelope over time, two panels per recording (the
    /// notebook's original vs trimmed waveform), with the trim points marked.
    Waveforms {
        /// File stem.
        name: String,
        /// Title.
        title: String,
        /// Panels, drawn two per row in order.
        panels: Vec<WaveformPanel>,
    },
    /// Box plots, one box per named set of values, vertical, left to right (Tukey's: box from
    /// the first to the third quartile, whiskers to the furthest value within 1.5 IQR, the
    /// values beyond drawn as points).
    Boxes {
        /// File stem.
        name: String,
        /// Title.
        title: String,
        /// What the boxes are (the x axis).
        x_label: String,
        /// What the values are, with their unit (the y axis).
        y_label: String,
        /// (label, statistics) per box, left to right.
        boxes: Vec<(String, BoxStats)>,
    },
}

/// The y axis of a [`Figure::Spectrograms`].
#[derive(Debug, Clone, PartialEq)]
pub enum BandAxis {
    /// Mel bands: the centre frequency of each in Hz (ticks at 500 Hz, 1, 2, 4 and 8 kHz).
    MelHz(Vec<f64>),
    /// Named rows (MFCC coefficients, pitch classes), band 0 at the bottom.
    Named(Vec<String>),
}

/// One waveform panel: a signal's per-column minimum and maximum, so a 3-second clip and a
/// 3-hour vlog draw the same way.
#[derive(Debug, Clone, PartialEq)]
pub struct WaveformPanel {
    /// Panel title.
    pub title: String,
    /// Time of the first sample in seconds (a trimmed signal keeps the original's clock).
    pub start_s: f64,
    /// Seconds covered by each envelope point.
    pub seconds_per_point: f64,
    /// (minimum, maximum) sample of each span, in full-scale units.
    pub envelope: Vec<(f32, f32)>,
    /// The kept span in seconds, marked as lines with the parts outside shaded, if any.
    pub kept_s: Option<(f64, f64)>,
}

/// The numbers a box plot draws, as matplotlib's `boxplot` (and seaborn's) computes them from
/// numpy's linear-interpolation percentiles.
#[derive(Debug, Clone, PartialEq)]
pub struct BoxStats {
    /// First quartile.
    pub q1: f64,
    /// Median.
    pub median: f64,
    /// Third quartile.
    pub q3: f64,
    /// The smallest value at or above `q1 − 1.5 IQR`.
    pub whisker_low: f64,
    /// The largest value at or below `q3 + 1.5 IQR`.
    pub whisker_high: f64,
    /// The values beyond the whiskers.
    pub outliers: Vec<f64>,
}

/// How a [`Figure::Matrix`] colours its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatrixScale {
    /// Blue below 0, white at 0, red above, symmetric around 0 (standardised means).
    Diverging,
    /// White at 0 to blue at 1 (shares of a row, e.g. a confusion matrix's recalls).
    Share,
    /// White at 0 to blue at the largest value (importances, counts).
    Magnitude,
}

impl Figure {
    /// The figure's file stem.
    #[must_use]
    pub fn name(&self) -> &str {
        match self {
            Figure::Line { name, .. }
            | Figure::Scatter { name, .. }
            | Figure::Heatmap { name, .. }
            | Figure::Matrix { name, .. }
            | Figure::Bars { name, .. }
            | Figure::Dendrogram { name, .. }
            | Figure::Histogram { name, .. }
            | Figure::Spectrograms { name, .. }
            | Figure::Waveforms { name, .. }
            | Figure::Boxes { name, .. } => name,
        }
    }
}

/// One row of `tables/summary.csv` (DESIGN §4): a fitted model, its parameters under
/// scikit-learn's names, and its internal metrics, plus stability (mean and range) where a
/// study measured it.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryRow {
    /// Study label (`grid`, `repeat` ...).
    pub study: String,
    /// Model name (`kmeans`, `dbscan` ...).
    pub model: String,
    /// Parameters in `name=value;...` form, k included (`ClusterModel::sklearn_params`).
    pub params: String,
    /// Clusters asked for (None for a model that finds its own number).
    pub k: Option<usize>,
    /// Split the metrics were computed on.
    pub split: String,
    /// How noise entered the metrics (`non_noise_only`, `as_cluster_as_sklearn`), empty for a
    /// model that never labels noise.
    pub noise: String,
    /// Silhouette (None where undefined).
    pub silhouette: Option<f64>,
    /// Davies-Bouldin index.
    pub davies_bouldin: Option<f64>,
    /// Calinski-Harabasz index.
    pub calinski_harabasz: Option<f64>,
    /// Inertia (sum of squared distances to centroids; None for models without centroids).
    pub inertia: Option<f64>,
    /// Clusters found.
    pub n_clusters: Option<f64>,
    /// Share of rows labelled noise.
    pub noise_fraction: Option<f64>,
    /// Stability: metric name → (mean, range) over replicates.
    pub stability: BTreeMap<String, (f64, f64)>,
    /// A classifier's test scores (None for a clustering).
    pub classification: Option<ClassificationScores>,
}

/// The classification metrics of `summary.csv`, in its column order (UAR, the headline, first).
pub const CLASSIFICATION_COLUMNS: [&str; 5] = ["uar", "accuracy", "macro_f1", "weighted_f1", "roc_auc"];

/// A classifier's scores on its test rows: each the mean over folds with a 95 % interval.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassificationScores {
    /// Folds (1 for a holdout).
    pub n_folds: usize,
    /// Test rows over all folds.
    pub n_test: usize,
    /// metric (`accuracy`, `uar`, `macro_f1`, `weighted_f1`, `roc_auc`) → its [`FoldStat`].
    pub metrics: BTreeMap<String, FoldStat>,
}

/// One metric over folds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FoldStat {
    /// Mean over the folds where it is defined.
    pub mean: f64,
    /// Folds where it is defined (ROC AUC is not on a fold missing a class).
    pub n_folds: usize,
    /// 95 % interval of the mean (Student's t over folds): `(low, high)`, None with one fold.
    pub ci: Option<(f64, f64)>,
}

impl SummaryRow {
    /// A row for `model` fitted at `k` on `split`: its parameters, its internal metrics and,
    /// where a study measured them, stability columns (metric → (mean, range)).
    #[must_use]
    pub fn new(
        study: &str,
        model: &ClusterModel,
        k: Option<usize>,
        noise: NoiseTreatment,
        split: &str,
        metrics: &InternalMetrics,
        stability: BTreeMap<String, (f64, f64)>,
    ) -> Self {
        Self {
            study: study.into(),
            model: model.name().into(),
            params: model.sklearn_params(k),
            k,
            split: split.into(),
            noise: if model.can_emit_noise() { noise.as_str().into() } else { String::new() },
            silhouette: metrics.silhouette,
            davies_bouldin: metrics.davies_bouldin,
            calinski_harabasz: metrics.calinski_harabasz,
            inertia: metrics.inertia,
            n_clusters: metrics.n_clusters,
            noise_fraction: metrics.noise_fraction,
            stability,
            classification: None,
        }
    }
}

impl SummaryRow {
    /// A row for a classifier `model` (with its `params` text) tested as `split` describes.
    #[must_use]
    pub fn classifier(study: &str, model: &str, params: String, split: &str, scores: ClassificationScores) -> Self {
        Self {
            study: study.into(),
            model: model.into(),
            params,
            k: None,
            split: split.into(),
            noise: String::new(),
            silhouette: None,
            davies_bouldin: None,
            calinski_harabasz: None,
            inertia: None,
            n_clusters: None,
            noise_fraction: None,
            stability: BTreeMap::new(),
            classification: Some(scores),
        }
    }
}

//! Figures: PNG (and, on request, SVG) charts drawn with plotters and a bundled font.
//!
//! plotters draws text through `ab_glyph` from a font registered in-process, so a run needs no
//! system font libraries (fontconfig, freetype) and renders the same glyphs on every machine.
//! The font is DejaVu Sans, bundled under `assets/fonts/` with its licence.
//!
//! Each figure kind is one arm of [`draw_figure`] and one function drawing on a generic
//! plotters `DrawingArea`, so a new kind (heatmap, dendrogram, scree) is one arm plus one
//! function; PNG and SVG share that drawing code.
//!
//! Input is data from studies, which can be degenerate: a single point, all-equal values,
//! NaN or infinite values (dropped), empty series. None of these panics; a figure with nothing
//! finite to show is drawn as empty axes with a note, so the report still has its picture.

use std::collections::BTreeMap;
use std::fs;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{register_font, FontStyle};

use super::error::ReportError;
use super::format;
use crate::spec::FigureFormat;
use crate::study::{BandAxis, Figure, MatrixScale};

mod boxes;
mod waveform;

/// Width and height of every PNG, in pixels.
pub const FIGURE_SIZE: (u32, u32) = (900, 600);

/// The family name plotters uses by default for captions, tick labels and legends; registering
/// the bundled font under it makes every text element use it without naming it each time.
const FONT_FAMILY: &str = "sans-serif";

/// DejaVu Sans 2.37 (Debian's fonts-dejavu-core), Bitstream Vera licence:
/// `assets/fonts/LICENSE-DejaVu.txt`.
static DEJAVU_SANS: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

const TITLE_SIZE: u32 = 26;
const AXIS_DESC_SIZE: u32 = 19;
const TICK_LABEL_SIZE: u32 = 15;
const LEGEND_SIZE: u32 = 15;
const NOTE_SIZE: u32 = 20;
const MARKER_RADIUS: u32 = 4;
const LINE_WIDTH: u32 = 2;

/// Categorical colours: matplotlib's `tab10` (what the notebook's plots used), then the lighter
/// `tab20` companions, so up to 20 clusters or series get distinct colours; beyond that the
/// palette repeats. Indexed by cluster id or series position, so a colour never depends on
/// which other clusters are present.
const PALETTE: [RGBColor; 20] = [
    RGBColor(0x1f, 0x77, 0xb4),
    RGBColor(0xff, 0x7f, 0x0e),
    RGBColor(0x2c, 0xa0, 0x2c),
    RGBColor(0xd6, 0x27, 0x28),
    RGBColor(0x94, 0x67, 0xbd),
    RGBColor(0x8c, 0x56, 0x4b),
    RGBColor(0xe3, 0x77, 0xc2),
    RGBColor(0x7f, 0x7f, 0x7f),
    RGBColor(0xbc, 0xbd, 0x22),
    RGBColor(0x17, 0xbe, 0xcf),
    RGBColor(0xae, 0xc7, 0xe8),
    RGBColor(0xff, 0xbb, 0x78),
    RGBColor(0x98, 0xdf, 0x8a),
    RGBColor(0xff, 0x98, 0x96),
    RGBColor(0xc5, 0xb0, 0xd5),
    RGBColor(0xc4, 0x9c, 0x94),
    RGBColor(0xf7, 0xb6, 0xd2),
    RGBColor(0xc7, 0xc7, 0xc7),
    RGBColor(0xdb, 0xdb, 0x8d),
    RGBColor(0x9e, 0xda, 0xe5),
];

/// The colour of cluster or series `index`.
fn colour(index: usize) -> RGBColor {
    PALETTE[index % PALETTE.len()]
}

/// Draws `figure` as `<dir>/<name>.png` or `.svg` (900×600, white background) and returns that
/// path. `dir` is created if missing.
///
/// - `Line`: one coloured line with circle markers per series (broken where a point is not
///   finite), axis descriptions, title, a dashed vertical line labelled with its value at
///   `highlight_x`, and a legend when there is more than one series.
/// - `Scatter`: one filled circle per point, coloured by group with a fixed categorical
///   palette, and a legend entry per group present (its `legend` name, else `cluster <id>`).
/// - `Heatmap`: one cell per value on a white-to-blue scale (0 → white, 1 → dark blue, NaN
///   blank), lines at the block boundaries, and a colour bar.
/// - `Matrix`: one cell per value on a blue–white–red scale symmetric around 0 (NaN blank), row
///   names on the left, column names written vertically underneath, and a colour bar.
/// - `Dendrogram`: each merge's U as a polyline, leaves labelled along the bottom.
///
/// Errors: a name that is not a plain file stem ([`ReportError::BadFigureName`]), a folder or
/// file that cannot be written ([`ReportError::Io`], [`ReportError::Draw`]).
pub fn draw_figure(figure: &Figure, dir: &Path, format: FigureFormat) -> Result<PathBuf, ReportError> {
    let name = figure.name();
    check_name(name)?;
    ensure_font_registered()?;
    fs::create_dir_all(dir).map_err(|source| ReportError::Io { path: dir.to_path_buf(), source })?;
    let path = dir.join(format!("{name}.{}", format.extension()));
    let draw_error = |message: String| ReportError::Draw { path: path.clone(), message };
    match format {
        FigureFormat::Png => {
            let root = BitMapBackend::new(&path, pixel_size(figure)).into_drawing_area();
            render(&root, figure).map_err(draw_error)?;
            // Encoding and writing the PNG happen here; dropping the backend would swallow errors.
            root.present().map_err(|e| draw_error(e.to_string()))?;
        }
        FigureFormat::Svg => {
            let mut svg = String::new();
            {
                let root = SVGBackend::with_string(&mut svg, pixel_size(figure)).into_drawing_area();
                render(&root, figure).map_err(draw_error)?;
                root.present().map_err(|e| draw_error(e.to_string()))?;
            }
            // Text was laid out with the bundled DejaVu Sans; name it first so a viewer that has
            // it (most Linux systems, any with it installed) shows the same letters as the PNG.
            let svg = svg.replace(r#"font-family="sans-serif""#, r#"font-family="DejaVu Sans, Verdana, sans-serif""#);
            fs::write(&path, svg).map_err(|source| ReportError::Io { path: path.clone(), source })?;
        }
    }
    Ok(path)
}

/// Width and height of `figure`: [`FIGURE_SIZE`], larger for a matrix with text in many cells
/// (a 45-feature correlation map keeps its numbers legible) and for a grid of many panels.
#[must_use]
pub fn pixel_size(figure: &Figure) -> (u32, u32) {
    match figure {
        Figure::Matrix { col_labels, values, cell_text, .. } if !cell_text.is_empty() && col_labels.len() > 12 => {
            let (rows, cols) = (values.len() as u32, col_labels.len() as u32);
            (FIGURE_SIZE.0.max(330 + 44 * cols), FIGURE_SIZE.1.max(260 + 26 * rows))
        }
        Figure::Spectrograms { panels, .. } if panels.len() > 4 => {
            let side = grid_side(panels.len()) as u32;
            (FIGURE_SIZE.0.max(120 + 300 * side), FIGURE_SIZE.1.max(90 + 240 * side))
        }
        Figure::Waveforms { panels, .. } => {
            (FIGURE_SIZE.0.max(1200), FIGURE_SIZE.1.max(80 + 260 * panels.len().div_ceil(2) as u32))
        }
        _ => FIGURE_SIZE,
    }
}

/// Columns (and at most as many rows) of a square-ish grid of `n` panels.
fn grid_side(n: usize) -> usize {
    (1..=n.max(1)).find(|side| side * side >= n).unwrap_or(1)
}

/// Draws `figure` on `root` (a PNG or an SVG canvas of [`pixel_size`]).
fn render<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, figure: &Figure) -> Result<(), String> {
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let drawn = match figure {
        Figure::Line { title, x_label, y_label, series, highlight_x, .. } => {
            draw_line(root, Labels { title, x_label, y_label }, series, *highlight_x)
        }
        Figure::Scatter { title, x_label, y_label, points, legend, noise, .. } => {
            draw_scatter(root, Labels { title, x_label, y_label }, points, legend, *noise)
        }
        Figure::Heatmap { title, axis_label, values, boundaries, .. } => {
            draw_heatmap(root, Labels { title, x_label: axis_label, y_label: axis_label }, values, boundaries)
        }
        Figure::Matrix {
            title, value_label, row_labels, col_labels, values, scale, cell_text, axis_labels, ..
        } => {
            let cells = MatrixCells { row_labels, col_labels, values, scale: *scale, cell_text, axis_labels };
            draw_matrix(root, title, value_label, &cells)
        }
        Figure::Bars { title, value_label, bars, .. } => draw_bars(root, title, value_label, bars),
        Figure::Dendrogram { title, y_label, links, leaf_labels, .. } => {
            draw_dendrogram(root, Labels { title, x_label: "", y_label }, links, leaf_labels)
        }
        Figure::Histogram { title, x_label, edges, groups, .. } => {
            draw_histogram(root, Labels { title, x_label, y_label: "files" }, edges, groups)
        }
        Figure::Spectrograms { title, panels, frame_seconds, bands, value_label, .. } => {
            draw_spectrograms(root, title, panels, *frame_seconds, bands, value_label)
        }
        Figure::Waveforms { title, panels, .. } => waveform::draw_waveforms(root, title, panels),
        Figure::Boxes { title, x_label, y_label, boxes, .. } => {
            boxes::draw_boxes(root, Labels { title, x_label, y_label }, boxes)
        }
    };
    drawn.map_err(|e| e.to_string())
}

/// A figure name becomes a file name inside the figures folder: it must not walk out of it.
fn check_name(name: &str) -> Result<(), ReportError> {
    let plain = !name.is_empty() && name != "." && name != ".." && !name.contains(['/', '\\', '\0']);
    if plain {
        Ok(())
    } else {
        Err(ReportError::BadFigureName { name: name.to_owned() })
    }
}

/// Registers the bundled font with plotters, once per process.
///
/// plotters keeps fonts in a global table behind a lock; `OnceLock` makes concurrent first
/// calls (figures drawn from several threads) register it exactly once and all see the result.
fn ensure_font_registered() -> Result<(), ReportError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| register_font(FONT_FAMILY, FontStyle::Normal, DEJAVU_SANS).is_ok());
    if ok {
        Ok(())
    } else {
        Err(ReportError::Font)
    }
}

/// Texts around a chart.
#[derive(Clone, Copy)]
struct Labels<'a> {
    title: &'a str,
    x_label: &'a str,
    y_label: &'a str,
}

type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

fn draw_line<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    labels: Labels<'_>,
    series: &[(String, Vec<(f64, f64)>)],
    highlight_x: Option<f64>,
) -> DrawResult<DB> {
    let finite_points = || series.iter().flat_map(|(_, points)| points.iter().copied().filter(|p| is_finite_point(*p)));
    let highlight_x = highlight_x.filter(|x| x.is_finite());
    let x_range = axis_range(finite_points().map(|p| p.0).chain(highlight_x));
    let y_range = axis_range(finite_points().map(|p| p.1));
    let (Some(x_range), Some(y_range)) = (x_range, y_range) else {
        return draw_empty(root, labels, "no finite data to plot");
    };
    let integral_x = finite_points().all(|p| p.0.fract() == 0.0);
    let legend_at = legend_position(finite_points(), &x_range, &y_range, series.len());
    let mut chart = build_chart(root, labels, x_range.clone(), y_range.clone(), integral_x)?;

    for (index, (name, points)) in series.iter().enumerate() {
        let style = ShapeStyle::from(colour(index)).stroke_width(LINE_WIDTH);
        for segment in finite_runs(points) {
            chart.draw_series(LineSeries::new(segment.iter().copied(), style))?;
        }
        let markers = points
            .iter()
            .copied()
            .filter(|p| is_finite_point(*p))
            .map(move |p| Circle::new(p, MARKER_RADIUS, style.filled()));
        let drawn = chart.draw_series(markers)?;
        if series.len() > 1 {
            drawn.label(name.as_str()).legend(move |(x, y)| {
                EmptyElement::at((x, y))
                    + PathElement::new(vec![(-2, 0), (22, 0)], style)
                    + Circle::new((10, 0), MARKER_RADIUS, style.filled())
            });
        }
    }

    if let Some(x) = highlight_x {
        let style = ShapeStyle::from(BLACK.mix(0.7)).stroke_width(LINE_WIDTH);
        let line = vec![(x, y_range.start), (x, y_range.end)];
        chart.draw_series(DashedLineSeries::new(line, 10, 6, style))?;
        let note = format!("{} = {}", short_label(labels.x_label), format::significant(x, 6));
        let anchor = chart.backend_coord(&(x, y_range.end));
        root.draw(&Text::new(
            note,
            (anchor.0 + 6, anchor.1 + 4),
            (FONT_FAMILY, LEGEND_SIZE).into_font().color(&BLACK).pos(Pos::new(HPos::Left, VPos::Top)),
        ))?;
    }

    if series.len() > 1 {
        draw_legend(&mut chart, legend_at)?;
    }
    Ok(())
}

fn draw_scatter<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    labels: Labels<'_>,
    points: &[(f64, f64, usize)],
    legend: &[String],
    noise: Option<usize>,
) -> DrawResult<DB> {
    let mut by_cluster: BTreeMap<usize, Vec<(f64, f64)>> = BTreeMap::new();
    for &(x, y, cluster) in points {
        if is_finite_point((x, y)) {
            by_cluster.entry(cluster).or_default().push((x, y));
        }
    }
    let all = || by_cluster.values().flatten();
    let (Some(x_range), Some(y_range)) = (axis_range(all().map(|p| p.0)), axis_range(all().map(|p| p.1))) else {
        return draw_empty(root, labels, "no finite points to plot");
    };
    let legend_at = legend_position(all().copied(), &x_range, &y_range, by_cluster.len());
    let mut chart = build_chart(root, labels, x_range, y_range, false)?;
    // Noise first (under the clusters), small and grey; clusters keep their palette colours.
    let order = by_cluster
        .iter()
        .filter(|(c, _)| Some(**c) == noise)
        .chain(by_cluster.iter().filter(|(c, _)| Some(**c) != noise));
    for (&cluster, cluster_points) in order {
        let is_noise = Some(cluster) == noise;
        let fill = if is_noise { RGBColor(170, 170, 170).filled() } else { colour(cluster).filled() };
        let radius = if is_noise { MARKER_RADIUS - 1 } else { MARKER_RADIUS + 1 };
        let edge = ShapeStyle::from(BLACK.mix(0.35)).stroke_width(1);
        let markers = cluster_points
            .iter()
            .map(move |&p| EmptyElement::at(p) + Circle::new((0, 0), radius, fill) + Circle::new((0, 0), radius, edge));
        chart
            .draw_series(markers)?
            .label(legend.get(cluster).cloned().unwrap_or_else(|| format!("cluster {cluster}")))
            .legend(move |(x, y)| Circle::new((x + 10, y), radius, fill));
    }
    draw_legend(&mut chart, legend_at)?;
    Ok(())
}

/// White (0) to dark blue (1), for values in [0, 1].
fn heat_colour(v: f64) -> RGBColor {
    let v = v.clamp(0.0, 1.0);
    let mix = |white: f64, blue: f64| (white + (blue - white) * v).round() as u8;
    RGBColor(mix(255.0, 8.0), mix(255.0, 48.0), mix(255.0, 107.0))
}

fn draw_heatmap<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    labels: Labels<'_>,
    values: &[Vec<f64>],
    boundaries: &[usize],
) -> DrawResult<DB> {
    let n = values.len();
    if n == 0 {
        return draw_empty(root, labels, "empty matrix");
    }
    let (plot, bar) = root.split_horizontally(FIGURE_SIZE.0 - 110);
    let size = n as f64;
    let mut chart = ChartBuilder::on(&plot)
        .caption(labels.title, (FONT_FAMILY, TITLE_SIZE - 8))
        .margin(20)
        .x_label_area_size(45)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..size, size..0.0)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(6)
        .y_labels(6)
        .x_desc(labels.x_label)
        .x_label_formatter(&|v| format!("{}", v.round() as i64))
        .y_label_formatter(&|v| format!("{}", v.round() as i64))
        .label_style((FONT_FAMILY, TICK_LABEL_SIZE))
        .axis_desc_style((FONT_FAMILY, TICK_LABEL_SIZE))
        .draw()?;
    let cells = values.iter().enumerate().flat_map(|(r, row)| {
        row.iter().enumerate().filter(|(_, v)| v.is_finite()).map(move |(c, &v)| {
            Rectangle::new([(c as f64, r as f64), (c as f64 + 1.0, r as f64 + 1.0)], heat_colour(v).filled())
        })
    });
    chart.draw_series(cells)?;
    let line = ShapeStyle::from(RGBColor(0xd6, 0x27, 0x28)).stroke_width(LINE_WIDTH);
    for &b in boundaries {
        let b = b as f64;
        chart.draw_series(std::iter::once(PathElement::new(vec![(b, 0.0), (b, size)], line)))?;
        chart.draw_series(std::iter::once(PathElement::new(vec![(0.0, b), (size, b)], line)))?;
    }
    // Colour bar: 0 at the bottom, 1 at the top.
    let mut scale = ChartBuilder::on(&bar)
        .margin_top(60)
        .margin_bottom(65)
        .margin_right(30)
        .y_label_area_size(50)
        .build_cartesian_2d(0.0..1.0, 0.0..1.0)?;
    scale
        .configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .y_labels(6)
        .y_label_formatter(&|v| format::significant(*v, 2))
        .label_style((FONT_FAMILY, TICK_LABEL_SIZE))
        .draw()?;
    scale.draw_series((0..100).map(|i| {
        let lo = i as f64 / 100.0;
        Rectangle::new([(0.0, lo), (1.0, lo + 0.01)], heat_colour(lo + 0.005).filled())
    }))?;
    Ok(())
}

/// Blue (−1) through white (0) to red (1), for values scaled to [−1, 1].
fn diverging_colour(v: f64) -> RGBColor {
    let v = v.clamp(-1.0, 1.0);
    let (end, t) = if v < 0.0 { ((33.0, 102.0, 172.0), -v) } else { ((178.0, 24.0, 43.0), v) };
    let mix = |e: f64| (255.0 + (e - 255.0) * t).round() as u8;
    RGBColor(mix(end.0), mix(end.1), mix(end.2))
}

/// What a [`Figure::Matrix`] shows, borrowed for drawing.
struct MatrixCells<'a> {
    row_labels: &'a [String],
    col_labels: &'a [String],
    values: &'a [Vec<f64>],
    scale: MatrixScale,
    cell_text: &'a [Vec<String>],
    axis_labels: &'a [String; 2],
}

impl MatrixCells<'_> {
    /// The colour of `v` when the largest magnitude is `limit`.
    fn colour(&self, v: f64, limit: f64) -> RGBColor {
        match self.scale {
            MatrixScale::Diverging => diverging_colour(v / limit),
            // The blue half of the diverging scale: white at 0, full blue at 1.
            MatrixScale::Share => diverging_colour(-v.clamp(0.0, 1.0)),
            MatrixScale::Magnitude => diverging_colour(-v.max(0.0) / limit),
        }
    }

    /// The value at the bottom of the colour bar.
    fn bar_low(&self, limit: f64) -> f64 {
        match self.scale {
            MatrixScale::Diverging => -limit,
            MatrixScale::Share | MatrixScale::Magnitude => 0.0,
        }
    }
}

fn draw_matrix<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    value_label: &str,
    cells: &MatrixCells<'_>,
) -> DrawResult<DB> {
    let (values, row_labels, col_labels) = (cells.values, cells.row_labels, cells.col_labels);
    let (n_rows, n_cols) = (values.len(), col_labels.len());
    let largest = values.iter().flatten().filter(|v| v.is_finite()).fold(0.0_f64, |m, v| m.max(v.abs()));
    if n_rows == 0 || n_cols == 0 || largest == 0.0 {
        return draw_empty(root, Labels { title, x_label: "", y_label: "" }, "nothing to colour");
    }
    // Shares keep one scale (0 to 1) so that two models' figures compare by eye.
    let limit = if cells.scale == MatrixScale::Share { 1.0 } else { largest };
    let (plot, bar) = root.split_horizontally(root.dim_in_pixel().0 - 130);
    let longest = col_labels.iter().map(|l| l.chars().count()).max().unwrap_or(0) as u32;
    let longest_row = row_labels.iter().map(|l| l.chars().count()).max().unwrap_or(0) as u32;
    let [row_axis, col_axis] = cells.axis_labels;
    let (row_axis_room, col_axis_room) =
        (if row_axis.is_empty() { 0 } else { 30 }, if col_axis.is_empty() { 0 } else { 30 });
    let mut chart = ChartBuilder::on(&plot)
        .caption(title, (FONT_FAMILY, TITLE_SIZE - 8))
        .margin(20)
        .x_label_area_size(20 + 7 * longest + col_axis_room)
        .y_label_area_size(85.max(16 + 8 * longest_row) + row_axis_room)
        .build_cartesian_2d(0.0..n_cols as f64, n_rows as f64..0.0)?;
    chart.configure_mesh().disable_mesh().x_labels(0).y_labels(0).draw()?;
    let boxes = values.iter().enumerate().flat_map(|(r, row)| {
        row.iter().enumerate().filter(|(_, v)| v.is_finite()).map(move |(c, &v)| {
            Rectangle::new([(c as f64, r as f64), (c as f64 + 1.0, r as f64 + 1.0)], cells.colour(v, limit).filled())
        })
    });
    chart.draw_series(boxes)?;
    let centred = Pos::new(HPos::Center, VPos::Center);
    for (r, row) in cells.cell_text.iter().enumerate() {
        for (c, text) in row.iter().enumerate() {
            // White on the darker half of the scale, black elsewhere.
            let dark = values.get(r).and_then(|v| v.get(c)).is_some_and(|v| v.abs() / limit > 0.6);
            let font =
                (FONT_FAMILY, TICK_LABEL_SIZE - 2).into_font().color(if dark { &WHITE } else { &BLACK }).pos(centred);
            let at = chart.backend_coord(&(c as f64 + 0.5, r as f64 + 0.5));
            plot.draw(&Text::new(text.clone(), at, font))?;
        }
    }
    let row_font = (FONT_FAMILY, TICK_LABEL_SIZE).into_font().color(&BLACK).pos(Pos::new(HPos::Right, VPos::Center));
    for (r, label) in row_labels.iter().enumerate() {
        let (x, y) = chart.backend_coord(&(0.0, r as f64 + 0.5));
        plot.draw(&Text::new(label.clone(), (x - 6, y), row_font.clone()))?;
    }
    let col_font = (FONT_FAMILY, TICK_LABEL_SIZE - 3)
        .into_font()
        .transform(FontTransform::Rotate90)
        .color(&BLACK)
        .pos(Pos::new(HPos::Left, VPos::Center));
    for (c, label) in col_labels.iter().enumerate() {
        let (x, y) = chart.backend_coord(&(c as f64 + 0.5, n_rows as f64));
        plot.draw(&Text::new(label.clone(), (x, y + 6), col_font.clone()))?;
    }
    let axis_font = (FONT_FAMILY, TICK_LABEL_SIZE + 2).into_font().color(&BLACK).pos(centred);
    if !col_axis.is_empty() {
        let (x, y) = chart.backend_coord(&(n_cols as f64 / 2.0, n_rows as f64));
        plot.draw(&Text::new(col_axis.clone(), (x, y + 14 + 7 * longest as i32), axis_font.clone()))?;
    }
    if !row_axis.is_empty() {
        let (_, y) = chart.backend_coord(&(0.0, n_rows as f64 / 2.0));
        let rotated = axis_font.transform(FontTransform::Rotate270);
        plot.draw(&Text::new(row_axis.clone(), (32, y), rotated))?;
    }
    // Colour bar from its low end at the bottom to the limit at the top.
    let low = cells.bar_low(limit);
    let mut scale = ChartBuilder::on(&bar)
        .caption(value_label, (FONT_FAMILY, TICK_LABEL_SIZE))
        .margin_top(30)
        .margin_bottom(20 + 7 * longest as i32 + col_axis_room as i32)
        .margin_right(25)
        .y_label_area_size(50)
        .build_cartesian_2d(0.0..1.0, low..limit)?;
    // The bar first, so the tick labels beside it are drawn over it, never under.
    let step = (limit - low) / 100.0;
    scale.draw_series((0..100).map(|i| {
        let lo = low + step * i as f64;
        Rectangle::new([(0.0, lo), (1.0, lo + step)], cells.colour(lo + step / 2.0, limit).filled())
    }))?;
    scale
        .configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .y_labels(5)
        .y_label_formatter(&|v| format::significant(*v, 2))
        .label_style((FONT_FAMILY, TICK_LABEL_SIZE))
        .draw()?;
    Ok(())
}

fn draw_bars<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    value_label: &str,
    bars: &[(String, f64)],
) -> DrawResult<DB> {
    let finite = || bars.iter().map(|b| b.1).filter(|v| v.is_finite());
    let largest = finite().fold(0.0_f64, f64::max);
    let smallest = finite().fold(0.0_f64, f64::min);
    if bars.is_empty() || largest - smallest <= 0.0 {
        return draw_empty(root, Labels { title, x_label: value_label, y_label: "" }, "nothing to draw");
    }
    let pad = (largest - smallest) * 0.05;
    let x_range = if smallest < 0.0 { smallest - pad } else { 0.0 }..if largest > 0.0 { largest + pad } else { 0.0 };
    let longest = bars.iter().map(|b| b.0.chars().count()).max().unwrap_or(0) as u32;
    let n = bars.len() as f64;
    let mut chart = ChartBuilder::on(root)
        .caption(title, (FONT_FAMILY, TITLE_SIZE - 8))
        .margin(20)
        .x_label_area_size(55)
        .y_label_area_size(20 + 8 * longest)
        .build_cartesian_2d(x_range.clone(), n..0.0)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .x_desc(value_label)
        .x_label_formatter(&|v| format::significant(*v, 4))
        .axis_desc_style((FONT_FAMILY, AXIS_DESC_SIZE))
        .label_style((FONT_FAMILY, TICK_LABEL_SIZE))
        .draw()?;
    let fill = colour(0).filled();
    chart.draw_series(
        bars.iter()
            .enumerate()
            .filter(|(_, b)| b.1.is_finite())
            .map(|(i, b)| Rectangle::new([(0.0, i as f64 + 0.15), (b.1, i as f64 + 0.85)], fill)),
    )?;
    if x_range.start < 0.0 {
        chart.draw_series(std::iter::once(PathElement::new(vec![(0.0, 0.0), (0.0, n)], BLACK.stroke_width(1))))?;
    }
    let font = (FONT_FAMILY, TICK_LABEL_SIZE).into_font().color(&BLACK).pos(Pos::new(HPos::Right, VPos::Center));
    for (i, (label, _)) in bars.iter().enumerate() {
        let (x, y) = chart.backend_coord(&(x_range.start, i as f64 + 0.5));
        root.draw(&Text::new(label.clone(), (x - 6, y), font.clone()))?;
    }
    Ok(())
}

fn draw_dendrogram<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    labels: Labels<'_>,
    links: &[[(f64, f64); 4]],
    leaf_labels: &[String],
) -> DrawResult<DB> {
    let heights = || links.iter().flat_map(|l| l.iter().map(|p| p.1)).filter(|v| v.is_finite());
    let top = heights().fold(0.0_f64, f64::max);
    if links.is_empty() || top <= 0.0 {
        return draw_empty(root, labels, "no merges to draw");
    }
    let width = (leaf_labels.len().max(1) * 10) as f64;
    let mut chart = ChartBuilder::on(root)
        .caption(labels.title, (FONT_FAMILY, TITLE_SIZE - 6))
        .margin(20)
        .x_label_area_size(70)
        .y_label_area_size(85)
        .build_cartesian_2d(0.0..width, 0.0..top * 1.05)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .y_labels(8)
        .y_desc(labels.y_label)
        .y_label_formatter(&|v| format::significant(*v, 4))
        .label_style((FONT_FAMILY, TICK_LABEL_SIZE))
        .axis_desc_style((FONT_FAMILY, AXIS_DESC_SIZE))
        .bold_line_style(BLACK.mix(0.1))
        .draw()?;
    // Leaf labels (a row index, or "(n)" for a truncated subtree of n rows), written
    // vertically under each leaf at x = 5, 15, 25, ... as scipy places them.
    let label_font = (FONT_FAMILY, TICK_LABEL_SIZE - 3)
        .into_font()
        .transform(FontTransform::Rotate90)
        .color(&BLACK)
        .pos(Pos::new(HPos::Left, VPos::Center));
    for (i, label) in leaf_labels.iter().enumerate() {
        let (x, y) = chart.backend_coord(&(i as f64 * 10.0 + 5.0, 0.0));
        root.draw(&Text::new(label.clone(), (x, y + 6), label_font.clone()))?;
    }
    let style = ShapeStyle::from(colour(0)).stroke_width(LINE_WIDTH);
    chart.draw_series(links.iter().map(|link| PathElement::new(link.to_vec(), style)))?;
    Ok(())
}

/// Bars of each group's counts over the shared bins: filled for one group, outlined and
/// translucent for several (so overlaps stay visible), each group's mean a dashed line of its
/// colour, and a legend naming groups and means.
fn draw_histogram<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    labels: Labels<'_>,
    edges: &[f64],
    groups: &[(String, Vec<u64>, f64)],
) -> DrawResult<DB> {
    let tallest = groups.iter().flat_map(|g| g.1.iter().copied()).max().unwrap_or(0);
    let x_range = axis_range(edges.iter().copied().chain(groups.iter().map(|g| g.2)));
    let (Some(x_range), true) = (x_range, tallest > 0 && edges.len() >= 2) else {
        return draw_empty(root, labels, "no finite values to count");
    };
    let mut chart = build_chart(root, labels, x_range, 0.0..tallest as f64 * 1.08, false)?;
    let single = groups.len() == 1;
    for (index, (name, counts, mean)) in groups.iter().enumerate() {
        let colour = colour(index);
        let bars = counts.iter().zip(edges.windows(2)).filter(|(&n, _)| n > 0).map(move |(&n, edge)| {
            let corners = [(edge[0], 0.0), (edge[1], n as f64)];
            if single {
                Rectangle::new(corners, colour.mix(0.8).filled())
            } else {
                Rectangle::new(corners, ShapeStyle::from(colour.mix(0.9)).stroke_width(2))
            }
        });
        chart.draw_series(bars)?;
        if !single {
            let fills = counts.iter().zip(edges.windows(2)).filter(|(&n, _)| n > 0).map(move |(&n, edge)| {
                Rectangle::new([(edge[0], 0.0), (edge[1], n as f64)], colour.mix(0.15).filled())
            });
            chart.draw_series(fills)?;
        }
        if mean.is_finite() {
            let style =
                ShapeStyle::from(if single { BLACK.mix(0.8) } else { colour.mix(1.0) }).stroke_width(LINE_WIDTH);
            let line = vec![(*mean, 0.0), (*mean, tallest as f64 * 1.08)];
            let legend = if single {
                format!("mean {}", format::significant(*mean, 4))
            } else {
                format!("{name} (mean {})", format::significant(*mean, 4))
            };
            chart
                .draw_series(DashedLineSeries::new(line, 8, 5, style))?
                .label(legend)
                .legend(move |(x, y)| PathElement::new(vec![(x - 2, y), (x + 22, y)], style));
        }
    }
    draw_legend(&mut chart, SeriesLabelPosition::UpperRight)
}

/// Panels of `[band][frame]` values in a square-ish grid on one colour scale (the lowest value
/// dark, the highest bright, as librosa's `specshow` draws dB), band 0 at the bottom; time
/// ticks in seconds on each panel, frequency ticks at the bands nearest 500 Hz, 1, 2, 4 and
/// 8 kHz, and a colour bar.
fn draw_spectrograms<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    panels: &[(String, Vec<Vec<f64>>)],
    frame_seconds: f64,
    bands: &BandAxis,
    value_label: &str,
) -> DrawResult<DB> {
    let values = || panels.iter().flat_map(|p| p.1.iter().flatten().copied()).filter(|v| v.is_finite());
    let (low, high) = values().fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| (l.min(v), h.max(v)));
    if panels.is_empty() || low >= high {
        return draw_empty(root, Labels { title, x_label: "", y_label: "" }, "no spectrogram to draw");
    }
    let (width, _) = root.dim_in_pixel();
    let (body, bar) = root.split_horizontally(width - 110);
    let body = body.titled(title, (FONT_FAMILY, TITLE_SIZE))?;
    let side = grid_side(panels.len());
    let rows = panels.len().div_ceil(side);
    let cells = body.split_evenly((rows, side));
    let shade = |v: f64| spectrogram_colour((v - low) / (high - low));
    let ticks = band_ticks(bands);
    for ((panel_title, image), cell) in panels.iter().zip(&cells) {
        let n_bands = image.len();
        let n_frames = image.first().map_or(0, Vec::len);
        let seconds = n_frames as f64 * frame_seconds;
        let mut chart = ChartBuilder::on(cell)
            .caption(panel_title, (FONT_FAMILY, TICK_LABEL_SIZE))
            .margin(6)
            .x_label_area_size(34)
            .y_label_area_size(48)
            .build_cartesian_2d(0.0..seconds.max(frame_seconds), 0.0..n_bands.max(1) as f64)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(4)
            .y_labels(0)
            .x_desc("s")
            .x_label_formatter(&|v| format::significant(*v, 2))
            .label_style((FONT_FAMILY, TICK_LABEL_SIZE - 3))
            .axis_desc_style((FONT_FAMILY, TICK_LABEL_SIZE - 3))
            .draw()?;
        // One bitmap per panel, each pixel the nearest cell (an SVG embeds it as one PNG instead
        // of 16 384 rectangles per panel).
        let (width, height) = chart.plotting_area().dim_in_pixel();
        let mut pixels = Vec::with_capacity((width * height * 3) as usize);
        for py in 0..height {
            let band = n_bands - 1 - (py as usize * n_bands / height as usize).min(n_bands - 1);
            for px in 0..width {
                let frame = (px as usize * n_frames / width as usize).min(n_frames - 1);
                let RGBColor(r, g, b) = image[band].get(frame).filter(|v| v.is_finite()).map_or(WHITE, |&v| shade(v));
                pixels.extend([r, g, b]);
            }
        }
        let top_left = (0.0, n_bands as f64);
        if let Some(bitmap) = BitMapElement::with_owned_buffer(top_left, (width, height), pixels) {
            chart.draw_series(std::iter::once(bitmap))?;
        }
        let font =
            (FONT_FAMILY, TICK_LABEL_SIZE - 4).into_font().color(&BLACK).pos(Pos::new(HPos::Right, VPos::Center));
        for (band, text) in &ticks {
            let (x, y) = chart.backend_coord(&(0.0, *band as f64 + 0.5));
            // backend_coord is in the whole figure's pixels, so draw on the whole figure.
            root.draw(&Text::new(text.clone(), (x - 4, y), font.clone()))?;
        }
    }
    let mut scale = ChartBuilder::on(&bar)
        .caption(value_label, (FONT_FAMILY, TICK_LABEL_SIZE))
        .margin_top(60)
        .margin_bottom(40)
        .margin_right(25)
        .y_label_area_size(50)
        .build_cartesian_2d(0.0..1.0, low..high)?;
    let step = (high - low) / 100.0;
    scale.draw_series((0..100).map(|i| {
        let lo = low + step * i as f64;
        Rectangle::new([(0.0, lo), (1.0, lo + step)], shade(lo + step / 2.0).filled())
    }))?;
    scale
        .configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .y_labels(6)
        .y_label_formatter(&|v| format::significant(*v, 3))
        .label_style((FONT_FAMILY, TICK_LABEL_SIZE))
        .draw()?;
    Ok(())
}

/// The labelled bands of a spectrogram's y axis: for mel bands, those nearest 500 Hz, 1, 2, 4
/// and 8 kHz; for named rows, every row when there are at most 24 and an even spread otherwise.
fn band_ticks(bands: &BandAxis) -> Vec<(usize, String)> {
    match bands {
        BandAxis::MelHz(centres) => {
            [(500.0, "500 Hz"), (1000.0, "1 kHz"), (2000.0, "2 kHz"), (4000.0, "4 kHz"), (8000.0, "8 kHz")]
                .iter()
                .filter_map(|&(hz, text): &(f64, &'static str)| {
                    let (band, centre) =
                        centres.iter().enumerate().min_by(|a, b| (a.1 - hz).abs().total_cmp(&(b.1 - hz).abs()))?;
                    ((centre - hz).abs() / hz < 0.25).then(|| (band, text.to_string()))
                })
                .collect()
        }
        BandAxis::Named(names) => {
            let every = names.len().div_ceil(24).max(1);
            names.iter().enumerate().step_by(every).map(|(band, name)| (band, name.clone())).collect()
        }
    }
}

/// A dark-to-bright sequential colour for `t` in [0, 1] (close to matplotlib's magma: black,
/// purple, orange, pale yellow), so quiet cells are dark as in the notebook's spectrograms.
fn spectrogram_colour(t: f64) -> RGBColor {
    const STOPS: [(f64, [f64; 3]); 5] = [
        (0.0, [0.0, 0.0, 4.0]),
        (0.25, [81.0, 18.0, 124.0]),
        (0.5, [183.0, 55.0, 121.0]),
        (0.75, [252.0, 137.0, 97.0]),
        (1.0, [252.0, 253.0, 191.0]),
    ];
    let t = t.clamp(0.0, 1.0);
    let upper = STOPS.iter().position(|s| s.0 >= t).unwrap_or(STOPS.len() - 1).max(1);
    let ((t0, c0), (t1, c1)) = (STOPS[upper - 1], STOPS[upper]);
    let f = (t - t0) / (t1 - t0);
    let mix = |i: usize| (c0[i] + f * (c1[i] - c0[i])).round() as u8;
    RGBColor(mix(0), mix(1), mix(2))
}

type Chart<'a, DB> =
    ChartContext<'a, DB, Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>>;

/// Title, axes, grid and tick labels. Integral x data (k = 2..14) gets one tick per integer when
/// that stays readable, so ticks do not fall between ks.
fn build_chart<'a, DB: DrawingBackend>(
    root: &'a DrawingArea<DB, Shift>,
    labels: Labels<'_>,
    x_range: Range<f64>,
    y_range: Range<f64>,
    integral_x: bool,
) -> Result<Chart<'a, DB>, DrawingAreaErrorKind<DB::ErrorType>> {
    let mut chart = ChartBuilder::on(root)
        .caption(labels.title, (FONT_FAMILY, TITLE_SIZE))
        .margin(20)
        .x_label_area_size(55)
        .y_label_area_size(85)
        .build_cartesian_2d(x_range.clone(), y_range)?;
    let span = x_range.end - x_range.start;
    let n_x_labels = if integral_x && span <= 30.0 { (span.floor() as usize + 1).max(2) } else { 10 };
    chart
        .configure_mesh()
        .x_labels(n_x_labels)
        .y_labels(8)
        .x_desc(labels.x_label)
        .y_desc(labels.y_label)
        .x_label_formatter(&|v| format::significant(*v, 6))
        .y_label_formatter(&|v| format::significant(*v, 4))
        .label_style((FONT_FAMILY, TICK_LABEL_SIZE))
        .axis_desc_style((FONT_FAMILY, AXIS_DESC_SIZE))
        .light_line_style(WHITE.mix(0.0))
        .bold_line_style(BLACK.mix(0.1))
        .draw()?;
    Ok(chart)
}

fn draw_legend<'a, DB: DrawingBackend + 'a>(chart: &mut Chart<'a, DB>, at: SeriesLabelPosition) -> DrawResult<DB> {
    chart
        .configure_series_labels()
        .position(at)
        .label_font((FONT_FAMILY, LEGEND_SIZE))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.4))
        .draw()
}

/// The plot corner whose legend box would cover the fewest points (ties go to the upper
/// right, then upper left, lower right, lower left), so the legend hides as little as possible.
/// The box is estimated in axis fractions: 22 % wide, about 5.5 % high per entry.
fn legend_position(
    points: impl Iterator<Item = (f64, f64)>,
    x: &Range<f64>,
    y: &Range<f64>,
    n_entries: usize,
) -> SeriesLabelPosition {
    const WIDTH: f64 = 0.22;
    let height = (0.04 + 0.055 * n_entries as f64).min(0.95);
    // (is right, is upper) per candidate corner, in order of preference.
    let corners = [(true, true), (false, true), (true, false), (false, false)];
    let mut covered = [0_usize; 4];
    for (px, py) in points {
        let fx = (px - x.start) / (x.end - x.start);
        let fy = (py - y.start) / (y.end - y.start);
        for (count, &(right, upper)) in covered.iter_mut().zip(&corners) {
            let in_x = if right { fx >= 1.0 - WIDTH } else { fx <= WIDTH };
            let in_y = if upper { fy >= 1.0 - height } else { fy <= height };
            *count += usize::from(in_x && in_y);
        }
    }
    // `min_by_key` keeps the first of equal minima: the order above is the tie-break.
    let best = (0..corners.len()).min_by_key(|&i| covered[i]).unwrap_or(0);
    match corners[best] {
        (true, true) => SeriesLabelPosition::UpperRight,
        (false, true) => SeriesLabelPosition::UpperLeft,
        (true, false) => SeriesLabelPosition::LowerRight,
        (false, false) => SeriesLabelPosition::LowerLeft,
    }
}

/// Axes on a unit square with a centred note, for figures with nothing finite to show.
fn draw_empty<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, labels: Labels<'_>, note: &str) -> DrawResult<DB> {
    let chart = build_chart(root, labels, 0.0..1.0, 0.0..1.0, false)?;
    let centre = chart.backend_coord(&(0.5, 0.5));
    root.draw(&Text::new(
        note.to_owned(),
        centre,
        (FONT_FAMILY, NOTE_SIZE).into_font().color(&BLACK.mix(0.6)).pos(Pos::new(HPos::Center, VPos::Center)),
    ))
}

fn is_finite_point((x, y): (f64, f64)) -> bool {
    x.is_finite() && y.is_finite()
}

/// Maximal runs of consecutive finite points: a line is broken where a value is missing rather
/// than bridged across it.
fn finite_runs(points: &[(f64, f64)]) -> impl Iterator<Item = &[(f64, f64)]> {
    points.split(|p| !is_finite_point(*p)).filter(|run| !run.is_empty())
}

/// The drawn range of finite `values`: their span plus 5 % on each side; a single value (or
/// all equal) gets a symmetric band around it. `None` when there is nothing finite, or when
/// the span itself overflows `f64` (values near ±1.8e308 cannot be laid out on one axis).
fn axis_range(values: impl Iterator<Item = f64>) -> Option<Range<f64>> {
    let (min, max) = values
        .filter(|v| v.is_finite())
        .fold(None, |acc: Option<(f64, f64)>, v| Some(acc.map_or((v, v), |(lo, hi)| (lo.min(v), hi.max(v)))))?;
    let span = max - min;
    if !span.is_finite() {
        return None;
    }
    let pad = if span > 0.0 {
        span * 0.05
    } else if min != 0.0 {
        min.abs() * 0.1
    } else {
        1.0
    };
    let (lo, hi) = (min - pad, max + pad);
    // A span of subnormal size cannot be divided into ticks; so is one that padding overflows.
    (lo.is_finite() && hi.is_finite() && hi > lo && (hi - lo).is_normal()).then_some(lo..hi)
}

/// The x axis description for the highlight note, or `x` when the description is long.
fn short_label(label: &str) -> &str {
    if label.is_empty() || label.chars().count() > 16 {
        "x"
    } else {
        label
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_range_pads_and_handles_degenerate_input() {
        assert_eq!(axis_range([0.0, 10.0].into_iter()), Some(-0.5..10.5));
        assert_eq!(axis_range([2.0, 2.0].into_iter()), Some(1.8..2.2));
        assert_eq!(axis_range([0.0].into_iter()), Some(-1.0..1.0));
        assert_eq!(axis_range([f64::NAN, f64::INFINITY].into_iter()), None);
        assert_eq!(axis_range(std::iter::empty()), None);
        assert_eq!(axis_range([-f64::MAX, f64::MAX].into_iter()), None);
        assert!(axis_range([1.0, f64::NAN, 3.0].into_iter()).is_some());
    }

    #[test]
    fn legend_avoids_the_crowded_corner() {
        let crowded_upper_right = [(9.0, 9.0), (9.5, 9.5), (9.8, 9.1)];
        let at = legend_position(crowded_upper_right.into_iter(), &(0.0..10.0), &(0.0..10.0), 2);
        assert!(matches!(at, SeriesLabelPosition::UpperLeft));
        let at = legend_position(std::iter::empty(), &(0.0..10.0), &(0.0..10.0), 2);
        assert!(matches!(at, SeriesLabelPosition::UpperRight));
    }

    #[test]
    fn lines_break_at_non_finite_points() {
        let points = [(1.0, 1.0), (2.0, f64::NAN), (3.0, 3.0), (4.0, 4.0), (f64::INFINITY, 0.0)];
        let runs: Vec<usize> = finite_runs(&points).map(<[_]>::len).collect();
        assert_eq!(runs, [1, 2]);
    }

    #[test]
    fn figure_names_must_be_plain_stems() {
        assert!(check_name("k_sweep_elbow").is_ok());
        for bad in ["", ".", "..", "a/b", "..\\x", "a\0"] {
            assert!(matches!(check_name(bad), Err(ReportError::BadFigureName { .. })), "{bad:?}");
        }
    }

    #[test]
    fn palette_is_fixed_and_distinct() {
        let unique: std::collections::HashSet<_> = PALETTE.iter().map(|c| (c.0, c.1, c.2)).collect();
        assert_eq!(unique.len(), PALETTE.len());
        assert_eq!(colour(0), colour(PALETTE.len()));
    }

    #[test]
    fn font_registers_once_from_many_threads() {
        let handles: Vec<_> = (0..4).map(|_| std::thread::spawn(ensure_font_registered)).collect();
        for handle in handles {
            assert!(handle.join().expect("no panic").is_ok());
        }
    }
}

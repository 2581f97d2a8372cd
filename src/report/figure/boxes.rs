//! [`Figure::Boxes`](crate::study::Figure::Boxes): Tukey box plots, one per named set of
//! values (the notebook's MFCC and chroma distributions across files).

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    axis_range, colour, draw_empty, DrawResult, Labels, AXIS_DESC_SIZE, FONT_FAMILY, TICK_LABEL_SIZE, TITLE_SIZE,
};
use crate::report::format;
use crate::study::BoxStats;

/// Box `i` spans x = i + 0.2 .. i + 0.8: a light fill of colour `i` from q1 to q3 with a black
/// median, whiskers with caps, outliers as open circles; each box's label under it.
pub(super) fn draw_boxes<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    labels: Labels<'_>,
    boxes: &[(String, BoxStats)],
) -> DrawResult<DB> {
    let values = boxes.iter().flat_map(|(_, b)| [b.whisker_low, b.whisker_high].into_iter().chain(b.outliers.clone()));
    let Some(y_range) = axis_range(values) else {
        return draw_empty(root, labels, "no finite values to draw");
    };
    let n = boxes.len() as f64;
    let mut chart = ChartBuilder::on(root)
        .caption(labels.title, (FONT_FAMILY, TITLE_SIZE - 4))
        .margin(20)
        .x_label_area_size(60)
        .y_label_area_size(85)
        .build_cartesian_2d(0.0..n, y_range)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .y_labels(8)
        .x_desc(labels.x_label)
        .y_desc(labels.y_label)
        .y_label_formatter(&|v| format::significant(*v, 4))
        .label_style((FONT_FAMILY, TICK_LABEL_SIZE))
        .axis_desc_style((FONT_FAMILY, AXIS_DESC_SIZE))
        .light_line_style(WHITE.mix(0.0))
        .bold_line_style(BLACK.mix(0.1))
        .draw()?;
    let line = BLACK.stroke_width(1);
    for (i, (_, stats)) in boxes.iter().enumerate() {
        let (left, mid, right) = (i as f64 + 0.2, i as f64 + 0.5, i as f64 + 0.8);
        chart.draw_series([
            Rectangle::new([(left, stats.q1), (right, stats.q3)], colour(i).mix(0.45).filled()),
            Rectangle::new([(left, stats.q1), (right, stats.q3)], line),
        ])?;
        chart.draw_series([
            PathElement::new(vec![(left, stats.median), (right, stats.median)], BLACK.stroke_width(2)),
            PathElement::new(vec![(mid, stats.q1), (mid, stats.whisker_low)], line),
            PathElement::new(vec![(mid, stats.q3), (mid, stats.whisker_high)], line),
            PathElement::new(vec![(mid - 0.15, stats.whisker_low), (mid + 0.15, stats.whisker_low)], line),
            PathElement::new(vec![(mid - 0.15, stats.whisker_high), (mid + 0.15, stats.whisker_high)], line),
        ])?;
        chart.draw_series(stats.outliers.iter().map(|&v| Circle::new((mid, v), 3, BLACK.mix(0.6).stroke_width(1))))?;
    }
    let font = (FONT_FAMILY, TICK_LABEL_SIZE).into_font().color(&BLACK).pos(Pos::new(HPos::Center, VPos::Top));
    let bottom = chart.y_range().start;
    for (i, (label, _)) in boxes.iter().enumerate() {
        let (x, y) = chart.backend_coord(&(i as f64 + 0.5, bottom));
        root.draw(&Text::new(label.clone(), (x, y + 6), font.clone()))?;
    }
    Ok(())
}

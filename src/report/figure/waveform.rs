//! [`Figure::Waveforms`](crate::study::Figure::Waveforms): each recording's sample envelope
//! over time, two panels a row (the notebook's original vs trimmed waveform).

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{colour, draw_empty, DrawResult, Labels, AXIS_DESC_SIZE, FONT_FAMILY, TICK_LABEL_SIZE, TITLE_SIZE};
use crate::report::format;
use crate::study::WaveformPanel;

/// Panels two per row; each panel is its envelope as one filled band between the per-point
/// minimum and maximum, on a y axis symmetric around 0 and shared by all panels (so a quiet
/// recording looks quiet), time in seconds on x. A panel's kept span is marked by dashed red
/// lines with the cut parts shaded grey.
pub(super) fn draw_waveforms<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    panels: &[WaveformPanel],
) -> DrawResult<DB> {
    let peak = panels
        .iter()
        .flat_map(|p| p.envelope.iter().flat_map(|&(lo, hi)| [lo.abs(), hi.abs()]))
        .filter(|v| v.is_finite())
        .fold(0.0_f32, f32::max);
    if panels.iter().all(|p| p.envelope.is_empty()) || peak <= 0.0 {
        return draw_empty(root, Labels { title, x_label: "time (s)", y_label: "amplitude" }, "no signal to draw");
    }
    let limit = f64::from(peak) * 1.05;
    let body = root.titled(title, (FONT_FAMILY, TITLE_SIZE))?;
    let cells = body.split_evenly((panels.len().div_ceil(2), 2));
    for (index, (panel, cell)) in panels.iter().zip(&cells).enumerate() {
        let end = panel.start_s + panel.envelope.len() as f64 * panel.seconds_per_point;
        let mut chart = ChartBuilder::on(cell)
            .caption(&panel.title, (FONT_FAMILY, TICK_LABEL_SIZE + 2))
            .margin(10)
            .x_label_area_size(42)
            .y_label_area_size(62)
            .build_cartesian_2d(panel.start_s..end.max(panel.start_s + panel.seconds_per_point), -limit..limit)?;
        chart
            .configure_mesh()
            .x_labels(8)
            .y_labels(5)
            .x_desc("time (s)")
            .y_desc("amplitude (full scale 1)")
            .x_label_formatter(&|v| format::significant(*v, 3))
            .y_label_formatter(&|v| format::significant(*v, 2))
            .label_style((FONT_FAMILY, TICK_LABEL_SIZE - 2))
            .axis_desc_style((FONT_FAMILY, AXIS_DESC_SIZE - 4))
            .light_line_style(WHITE.mix(0.0))
            .bold_line_style(BLACK.mix(0.08))
            .draw()?;
        if let Some((from, to)) = panel.kept_s {
            let shade = BLACK.mix(0.12).filled();
            chart.draw_series(
                [(panel.start_s, from), (to, end)]
                    .into_iter()
                    .filter(|(a, b)| b > a)
                    .map(|(a, b)| Rectangle::new([(a, -limit), (b, limit)], shade)),
            )?;
        }
        let time = |i: usize| panel.start_s + (i as f64 + 0.5) * panel.seconds_per_point;
        let upper = panel.envelope.iter().enumerate().map(|(i, &(_, hi))| (time(i), f64::from(hi)));
        let lower = panel.envelope.iter().enumerate().rev().map(|(i, &(lo, _))| (time(i), f64::from(lo)));
        let band: Vec<(f64, f64)> = upper.chain(lower).filter(|p| p.0.is_finite() && p.1.is_finite()).collect();
        let fill = colour(index % 2);
        chart.draw_series(std::iter::once(Polygon::new(band.clone(), fill.mix(0.85).filled())))?;
        chart.draw_series(std::iter::once(PathElement::new(band, fill.stroke_width(1))))?;
        if let Some((from, to)) = panel.kept_s {
            let style = ShapeStyle::from(RGBColor(0xd6, 0x27, 0x28)).stroke_width(2);
            for x in [from, to] {
                chart.draw_series(DashedLineSeries::new(vec![(x, -limit), (x, limit)], 6, 4, style))?;
            }
        }
    }
    Ok(())
}

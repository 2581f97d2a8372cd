//! End-to-end checks of `report`: files written, read back with an independent CSV reader and
//! compared bit-exactly; PNGs checked from their header bytes; HTML escaping.

use std::collections::BTreeMap;
use std::path::Path;

use vlogmood::report::{
    draw_figure, render_html, write_summary_csv, write_table_csv, HtmlReport, ReportError, FIGURE_SIZE,
};
use vlogmood::spec::FigureFormat;
use vlogmood::study::{BoxStats, Column, Figure, SummaryRow, Table, WaveformPanel};

/// Floats that print badly in naive formats: shortest round-trip output must bring each back.
/// (`123_456_789.123_456_79` is the f64 nearest 123456789.123456789, spelled as clippy wants.)
const AWKWARD: [f64; 9] =
    [0.1 + 0.2, 1e-300, 123_456_789.123_456_79, -0.0, 5e-324, f64::MAX, 1.0 / 3.0, -2.5e-8, 17_000_000.0];

fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_path(path).expect("CSV opens");
    let header = reader.headers().expect("header").iter().map(str::to_owned).collect();
    let rows = reader.records().map(|r| r.expect("record").iter().map(str::to_owned).collect()).collect();
    (header, rows)
}

fn parse_cell(cell: &str) -> Option<f64> {
    (!cell.is_empty()).then(|| cell.parse().expect("a float"))
}

fn assert_same_bits(got: Option<f64>, want: Option<f64>) {
    assert_eq!(got.map(f64::to_bits), want.map(f64::to_bits), "got {got:?}, want {want:?}");
}

#[test]
fn table_csv_round_trips_bit_exactly() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("awkward.csv");
    let floats: Vec<Option<f64>> = AWKWARD.iter().map(|&x| Some(x)).chain([None]).collect();
    let n = floats.len();
    let table = Table {
        name: "awkward".into(),
        columns: vec![
            Column::text("file", (0..n).map(|i| format!("clip, \"{i}\".wav"))),
            Column::int("k", (0..n).map(|i| i64::MIN + i as i64)),
            Column::float("value", floats.iter().copied()),
        ],
    };
    write_table_csv(&table, &path).expect("writes");
    let (header, rows) = read_csv(&path);
    assert_eq!(header, ["file", "k", "value"]);
    assert_eq!(rows.len(), n);
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row[0], format!("clip, \"{i}\".wav"));
        assert_eq!(row[1].parse::<i64>().expect("int"), i64::MIN + i as i64);
        assert_same_bits(parse_cell(&row[2]), floats[i]);
    }
    assert_eq!(rows[n - 1][2], "", "None is an empty cell");
}

#[test]
fn summary_csv_round_trips_bit_exactly() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("summary.csv");
    let rows = vec![
        SummaryRow {
            study: "grid".into(),
            model: "kmeans".into(),
            params: "init=k-means++;n_init=10;max_iter=300;tol=0.0001".into(),
            k: Some(4),
            split: "val".into(),
            noise: String::new(),
            silhouette: Some(AWKWARD[0]),
            davies_bouldin: Some(AWKWARD[2]),
            calinski_harabasz: None,
            inertia: Some(AWKWARD[1]),
            n_clusters: Some(4.0),
            noise_fraction: None,
            stability: BTreeMap::new(),
            classification: None,
        },
        SummaryRow {
            study: "repeat".into(),
            model: "kmeans".into(),
            params: "init=random;n_init=1".into(),
            k: Some(4),
            split: "train".into(),
            noise: String::new(),
            silhouette: Some(AWKWARD[6]),
            davies_bouldin: None,
            calinski_harabasz: Some(AWKWARD[8]),
            inertia: None,
            n_clusters: Some(4.0),
            noise_fraction: None,
            stability: BTreeMap::from([
                ("silhouette".to_owned(), (AWKWARD[6], AWKWARD[7])),
                ("ari".to_owned(), (AWKWARD[4], AWKWARD[3])),
            ]),
            classification: None,
        },
    ];
    write_summary_csv(&rows, &path).expect("writes");
    let (header, cells) = read_csv(&path);
    assert_eq!(
        header,
        [
            "study",
            "model",
            "params",
            "k",
            "split",
            "noise",
            "silhouette",
            "davies_bouldin",
            "calinski_harabasz",
            "inertia",
            "n_clusters",
            "noise_fraction",
            "ari_mean",
            "ari_range",
            "silhouette_mean",
            "silhouette_range"
        ]
    );
    for (row, cells) in rows.iter().zip(&cells) {
        assert_eq!(cells[0], row.study);
        assert_eq!(cells[2], row.params);
        assert_eq!(Some(cells[3].parse().expect("k")), row.k);
        assert_same_bits(parse_cell(&cells[6]), row.silhouette);
        assert_same_bits(parse_cell(&cells[7]), row.davies_bouldin);
        assert_same_bits(parse_cell(&cells[8]), row.calinski_harabasz);
        assert_same_bits(parse_cell(&cells[9]), row.inertia);
        assert_same_bits(parse_cell(&cells[10]), row.n_clusters);
        for (offset, metric) in [(12, "ari"), (14, "silhouette")] {
            let stat = row.stability.get(metric);
            assert_same_bits(parse_cell(&cells[offset]), stat.map(|s| s.0));
            assert_same_bits(parse_cell(&cells[offset + 1]), stat.map(|s| s.1));
        }
    }
}

/// PNG signature, then the IHDR chunk: width and height as big-endian u32 at bytes 16..24.
fn png_dimensions(bytes: &[u8]) -> (u32, u32) {
    assert!(bytes.len() > 24, "too short for a PNG");
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    assert_eq!(&bytes[12..16], b"IHDR");
    let be = |range: std::ops::Range<usize>| u32::from_be_bytes(bytes[range].try_into().expect("4 bytes"));
    (be(16..20), be(20..24))
}

fn line(name: &str, series: Vec<(String, Vec<(f64, f64)>)>, highlight_x: Option<f64>) -> Figure {
    Figure::Line {
        name: name.into(),
        title: "Inertia elbow (k-means++, n_init = 10)".into(),
        x_label: "k".into(),
        y_label: "inertia".into(),
        series,
        highlight_x,
    }
}

fn scatter(name: &str, points: Vec<(f64, f64, usize)>) -> Figure {
    Figure::Scatter {
        name: name.into(),
        title: "PCA (2-D) coloured by cluster".into(),
        x_label: "PC1".into(),
        y_label: "PC2".into(),
        points,
        legend: Vec::new(),
        noise: None,
    }
}

/// Draws `figure` into `dir`, checks it is a 900×600 PNG and returns its size in bytes.
fn drawn_size(figure: &Figure, dir: &Path) -> usize {
    let path = draw_figure(figure, dir, FigureFormat::Png).expect("draws");
    assert_eq!(path, dir.join(format!("{}.png", figure.name())));
    let bytes = std::fs::read(&path).expect("PNG exists");
    assert_eq!(png_dimensions(&bytes), FIGURE_SIZE);
    bytes.len()
}

#[test]
fn a_figure_drawn_as_svg_is_a_900_by_600_vector_image_with_its_texts_in_the_bundled_font() {
    let dir = tempfile::tempdir().expect("temp dir");
    let elbow: Vec<(f64, f64)> = (1..=14).map(|k| (k as f64, 1.7e7 / (k as f64).sqrt())).collect();
    let figure = line("k_sweep_elbow", vec![("inertia".into(), elbow)], Some(4.0));
    let path = draw_figure(&figure, dir.path(), FigureFormat::Svg).expect("draws");
    assert_eq!(path, dir.path().join("k_sweep_elbow.svg"));
    let svg = std::fs::read_to_string(&path).expect("SVG exists");
    assert!(svg.starts_with("<svg") && svg.contains(r#"width="900""#) && svg.contains(r#"height="600""#));
    assert!(svg.contains("<polyline") || svg.contains("<path"), "the line is vector, not pixels");
    assert!(svg.contains("Inertia elbow"), "the title is searchable text");
    let texts = svg.matches("<text").count();
    assert!(texts > 10, "title, axis labels and ticks are text ({texts})");
    assert_eq!(svg.matches(r#"font-family="DejaVu Sans, Verdana, sans-serif""#).count(), texts);
}

#[test]
fn every_figure_kind_draws_a_900_by_600_png_with_content() {
    let dir = tempfile::tempdir().expect("temp dir");
    let figures = dir.path().join("figures");
    let empty = drawn_size(&line("empty", vec![], None), &figures);
    assert!(empty > 5_000, "even an empty chart has axes, title and a note ({empty} bytes)");

    let elbow: Vec<(f64, f64)> = (1..=14).map(|k| (k as f64, 1.7e7 / (k as f64).sqrt())).collect();
    let single = drawn_size(&line("k_sweep_elbow", vec![("inertia".into(), elbow)], Some(4.0)), &figures);

    let silhouette = |offset: f64| -> Vec<(f64, f64)> {
        (2..=14).map(|k| (k as f64, offset + 0.3 / (1.0 + (k as f64 - 4.0).abs()))).collect()
    };
    let two = line(
        "k_sweep_silhouette",
        vec![("train".into(), silhouette(0.0)), ("validation".into(), silhouette(0.05))],
        Some(4.0),
    );
    let multi = drawn_size(&two, &figures);

    let points: Vec<(f64, f64, usize)> = (0..192)
        .map(|i| {
            let cluster = i % 4;
            let angle = i as f64 * 0.7;
            let radius = 1.0 + (i as f64 * 0.37).sin().abs();
            (cluster as f64 * 3.0 + radius * angle.cos(), (cluster % 2) as f64 * 4.0 + radius * angle.sin(), cluster)
        })
        .collect();
    let cloud = drawn_size(&scatter("pca_scatter", points), &figures);

    for (kind, size) in [("line", single), ("multi-series line", multi), ("scatter", cloud)] {
        assert!(size > empty + 2_000, "{kind} ({size} bytes) looks blank next to the empty chart ({empty} bytes)");
    }
}

#[test]
fn degenerate_figures_draw_without_panicking() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cases = [
        line("one_point", vec![("s".into(), vec![(3.0, 0.5)])], Some(3.0)),
        line("all_equal", vec![("s".into(), vec![(1.0, 2.0), (1.0, 2.0), (1.0, 2.0)])], None),
        line("zeros", vec![("s".into(), vec![(0.0, 0.0)])], Some(0.0)),
        line("empty_series", vec![("a".into(), vec![]), ("b".into(), vec![])], Some(2.0)),
        line(
            "non_finite",
            vec![("s".into(), vec![(1.0, f64::NAN), (f64::INFINITY, 1.0), (2.0, 3.0), (3.0, f64::NEG_INFINITY)])],
            Some(f64::NAN),
        ),
        line("all_nan", vec![("s".into(), vec![(f64::NAN, f64::NAN)])], None),
        line("huge_span", vec![("s".into(), vec![(-f64::MAX, 0.0), (f64::MAX, 1.0)])], None),
        line("tiny_span", vec![("s".into(), vec![(1e-310, 1e-310), (2e-310, 3e-310)])], None),
        line("highlight_outside", vec![("s".into(), vec![(2.0, 1.0), (3.0, 2.0)])], Some(40.0)),
        scatter("scatter_empty", vec![]),
        scatter("scatter_one", vec![(1.0, 1.0, 0)]),
        scatter("scatter_same", vec![(1.0, 1.0, 0), (1.0, 1.0, 1)]),
        scatter("scatter_nan", vec![(f64::NAN, 1.0, 0), (1.0, f64::INFINITY, 1)]),
        scatter("scatter_many_clusters", (0..40).map(|i| (i as f64, (i * i) as f64, i)).collect()),
    ];
    for figure in &cases {
        drawn_size(figure, dir.path());
    }
}

#[test]
fn waveforms_boxes_and_signed_bars_draw_real_and_degenerate_input() {
    let dir = tempfile::tempdir().expect("temp dir");
    let panel = |title: &str, envelope: Vec<(f32, f32)>, kept_s| WaveformPanel {
        title: title.into(),
        start_s: 0.5,
        seconds_per_point: 0.01,
        envelope,
        kept_s,
    };
    let speech: Vec<(f32, f32)> = (0..300).map(|i| (i as f32 * 0.1).sin() * 0.3).map(|v| (-v.abs(), v.abs())).collect();
    let stats = |q1: f64| BoxStats {
        q1,
        median: q1 + 1.0,
        q3: q1 + 2.0,
        whisker_low: q1 - 1.0,
        whisker_high: q1 + 4.0,
        outliers: vec![q1 + 9.0],
    };
    let cases = [
        Figure::Waveforms {
            name: "waveforms".into(),
            title: "before and after trimming".into(),
            panels: vec![panel("decoded", speech.clone(), Some((1.0, 3.0))), panel("trimmed", speech, None)],
        },
        Figure::Waveforms { name: "waveforms_empty".into(), title: "t".into(), panels: vec![panel("e", vec![], None)] },
        Figure::Waveforms {
            name: "waveforms_silent_nan".into(),
            title: "t".into(),
            panels: vec![panel("s", vec![(0.0, 0.0), (f32::NAN, f32::NAN)], Some((0.5, 0.5)))],
        },
        Figure::Boxes {
            name: "boxes".into(),
            title: "t".into(),
            x_label: "coefficient".into(),
            y_label: "value".into(),
            boxes: (0..20).map(|i| (i.to_string(), stats(f64::from(i) - 10.0))).collect(),
        },
        Figure::Boxes {
            name: "boxes_empty".into(),
            title: "t".into(),
            x_label: "x".into(),
            y_label: "y".into(),
            boxes: vec![],
        },
        Figure::Bars {
            name: "bars_signed".into(),
            title: "t".into(),
            value_label: "mean".into(),
            bars: vec![("a".into(), -3.0), ("b".into(), 2.0), ("c".into(), f64::NAN)],
        },
        Figure::Bars {
            name: "bars_zero".into(),
            title: "t".into(),
            value_label: "v".into(),
            bars: vec![("a".into(), 0.0)],
        },
    ];
    for figure in &cases {
        for format in [FigureFormat::Png, FigureFormat::Svg] {
            let path = draw_figure(figure, dir.path(), format).expect("draws");
            assert!(std::fs::metadata(&path).expect("written").len() > 3_000, "{}", path.display());
        }
    }
    let (real, empty) = (dir.path().join("waveforms.png"), dir.path().join("waveforms_empty.png"));
    let size = |p: &Path| std::fs::metadata(p).unwrap().len();
    assert!(size(&real) > size(&empty) + 5_000, "the waveform band is drawn");
}

#[test]
fn figure_names_cannot_leave_the_folder() {
    let dir = tempfile::tempdir().expect("temp dir");
    let err = draw_figure(&line("../escape", vec![], None), dir.path(), FigureFormat::Png).expect_err("rejected");
    assert!(matches!(err, ReportError::BadFigureName { .. }), "{err}");
}

#[test]
fn figures_can_be_drawn_from_several_threads() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::thread::scope(|scope| {
        for i in 0..4 {
            let dir = dir.path();
            scope.spawn(move || {
                let points = (0..20).map(|j| (j as f64, ((i + j) % 5) as f64)).collect();
                drawn_size(&line(&format!("thread_{i}"), vec![("s".into(), points)], None), dir)
            });
        }
    });
}

#[test]
fn html_report_escapes_table_values() {
    let tables = [Table {
        name: "assignments".into(),
        columns: vec![
            Column::text("file", ["<script>alert('x')</script>.wav".to_owned()]),
            Column::int("cluster", [1]),
            Column::float("distance", [Some(0.1 + 0.2)]),
        ],
    }];
    let metrics = BTreeMap::from([("grid.kmeans.silhouette".to_owned(), 0.1 + 0.2)]);
    let figures = [
        ("explore".to_owned(), vec!["figures/explore_hist_duration_s.png".to_owned()]),
        (
            "k_sweep".to_owned(),
            vec!["figures/k_sweep_elbow.png".to_owned(), "figures/k_sweep_silhouette.png".to_owned()],
        ),
    ];
    let html = render_html(&HtmlReport {
        title: "kmeans_grid",
        run_id: "3fa9c2d41b07aa",
        manifest_json: r#"{"status":"complete"}"#,
        spec_json: r#"{"name":"kmeans_grid","seed":42}"#,
        metrics: &metrics,
        summary: &[],
        tables: &tables,
        figure_sections: &figures,
        documents: &[("compare_executive_summary".to_owned(), "| model | <b>ARI</b> |".to_owned())],
    });
    assert!(!html.contains("<script>"), "raw script tag in the page");
    assert!(html.contains("| model | &lt;b&gt;ARI&lt;/b&gt; |"), "documents are shown, escaped");
    assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;.wav"));
    assert!(html.contains("<img src=\"figures/k_sweep_elbow.png\""));
    assert!(html.contains("<a href=\"#figures-k_sweep\">k_sweep</a> (2 figures)"), "a contents list by study");
    let (explore, k_sweep) =
        (html.find("id=\"figures-explore\"").unwrap(), html.find("id=\"figures-k_sweep\"").unwrap());
    assert!(explore < k_sweep && html[explore..k_sweep].contains("explore_hist_duration_s.png"));
    assert!(html.contains("0.30000000000000004"), "metrics are shown exactly");
    assert!(html.contains("&quot;seed&quot;: 42"), "spec is pretty-printed and escaped");
}

//! Rendering what studies produce into the files of a run folder (DESIGN §4): tables as CSV and
//! Markdown, figures as PNG, the one-page `report.html`, and the side-by-side view of
//! `vlogmood compare`.
//!
//! `report` owns the foreign crates that draw and tabulate (polars, plotters) so that no other
//! stage sees their types: inputs are the plain [`crate::study`] types and std collections.
//! It decides how things look and how numbers are printed, never what they are, and it does no
//! file management beyond writing the one file it is asked for (`runs` builds the folder and
//! renames it into place, so writes here need not be atomic).
//!
//! Number formatting is a contract: what is read back by programs (CSV, JSON) carries floats in
//! the shortest form that parses back to the same `f64`; what is read by people (Markdown,
//! HTML cells, terminal) shows 6 significant digits. `None` is always an empty cell.

mod compare;
mod compare_html;
mod error;
mod figure;
mod format;
mod html;
mod table;

pub use compare::{line_up, render_comparison, values_differ, Comparison, ComparisonFormat};
pub use compare_html::{higher_is_better, render_comparison_html};
pub use error::ReportError;
pub use figure::{draw_figure, FIGURE_SIZE};
pub use html::{render_html, render_table_page, HtmlReport};
pub use table::{
    summary_table, summary_to_markdown, table_to_dataframe, table_to_markdown, table_to_text, write_summary_csv,
    write_table_csv, write_table_csv_to, write_table_parquet, TextLayout,
};

//! Progress bars on stderr (hidden when stderr is not a terminal, e.g. in tests and CI).

use indicatif::{ProgressBar, ProgressStyle};

/// A bar counting files.
pub fn files_bar(n_files: usize, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(n_files as u64);
    let style = ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} files {elapsed_precise} eta {eta}")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    bar.set_style(style);
    bar.set_prefix(what.to_string());
    bar
}

//! Progress bars on stderr (indicatif hides them when stderr is not a terminal).

use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressStyle};

use vlogmood::runs::Progress;

/// A bar counting files.
pub fn files_bar(n_files: usize, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(n_files as u64);
    bar.set_style(style());
    bar.set_prefix(what.to_string());
    bar
}

fn style() -> ProgressStyle {
    ProgressStyle::with_template("{prefix:>9} [{bar:30}] {pos}/{len} {elapsed_precise}")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
}

/// Stage-by-stage bars for `run` and `reproduce`.
#[derive(Default)]
pub struct StageBars {
    current: Mutex<Option<ProgressBar>>,
}

impl Progress for StageBars {
    fn stage(&self, label: &str, total: u64) {
        let mut current = self.current.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(bar) = current.take() {
            bar.finish_and_clear();
        }
        let bar = if total > 0 { ProgressBar::new(total) } else { ProgressBar::new_spinner() };
        bar.set_style(style());
        bar.set_prefix(label.to_string());
        *current = Some(bar);
    }

    fn advance(&self) {
        if let Some(bar) = self.current.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
            bar.inc(1);
        }
    }
}

impl Drop for StageBars {
    fn drop(&mut self) {
        if let Some(bar) = self.current.lock().unwrap_or_else(|e| e.into_inner()).take() {
            bar.finish_and_clear();
        }
    }
}

//! `vlogmood gc [--dry-run] [FOLDER...]`: remove what killed or failed processes left behind.

use std::io::Write;

use vlogmood::corpus::{display_path, FeatureCache};
use vlogmood::runs::{stale_temporaries_under, RunStore};

use super::{GcArgs, Outcome, RUNS_DIR};

pub fn collect_garbage(args: &GcArgs) -> anyhow::Result<Outcome> {
    let mut out = std::io::stdout().lock();
    let mut garbage = RunStore::new(RUNS_DIR).garbage();
    garbage.extend(stale_temporaries_under(FeatureCache::from_env().dir()));
    for folder in &args.folders {
        garbage.extend(stale_temporaries_under(folder));
    }
    let verb = if args.dry_run { "would remove" } else { "removed" };
    let mut n_failed = 0;
    for item in &garbage {
        let removed = args.dry_run || item.remove().is_ok();
        if removed {
            writeln!(out, "{verb} {} ({})", display_path(&item.path), item.reason)?;
        } else {
            n_failed += 1;
            eprintln!("could not remove {} ({})", display_path(&item.path), item.reason);
        }
    }
    eprintln!(
        "gc: {} item(s) {verb}{}",
        garbage.len() - n_failed,
        if n_failed > 0 { format!(", {n_failed} could not be removed") } else { String::new() }
    );
    Ok(if n_failed == 0 { Outcome::Success } else { Outcome::SomeInputsFailed })
}

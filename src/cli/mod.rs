//! Command-line interface: argument parsing, progress bars, exit codes (DESIGN §5).
//!
//! Each subcommand is one function in its own file; this module holds the argument types and
//! the single place where outcomes become exit codes: 0 success, 1 some inputs failed (the rest
//! were processed), 2 usage or spec error, 3 `reproduce` found a difference.

mod ingest;
mod progress;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use vlogmood::audio::PreprocessParams;

/// Reproducible emotional-tone analysis of vlog audio.
#[derive(Debug, Parser)]
#[command(name = "vlogmood", version, about)]
pub struct Cli {
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, global = true)]
    threads: Option<usize>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Decode audio/video files, mix to mono, resample, trim silence and write 16-bit WAVs.
    Ingest(IngestArgs),
}

/// Preprocessing flags shared by `ingest` and `features`.
#[derive(Debug, Args)]
struct PreprocessArgs {
    /// Target sample rate in Hz.
    #[arg(long = "sr", default_value_t = 22_050)]
    sample_rate_hz: u32,
    /// Trim threshold in dB below the loudest frame.
    #[arg(long = "top-db", default_value_t = 20.0)]
    top_db: f64,
    /// Keep leading and trailing silence.
    #[arg(long)]
    no_trim: bool,
}

impl PreprocessArgs {
    fn params(&self) -> PreprocessParams {
        PreprocessParams {
            sample_rate_hz: self.sample_rate_hz,
            trim_top_db: self.top_db,
            trim: !self.no_trim,
            pcm16: true,
        }
    }
}

#[derive(Debug, Args)]
struct IngestArgs {
    /// Files or folders to ingest (folders are scanned recursively).
    #[arg(required = true)]
    sources: Vec<PathBuf>,
    /// Output folder; it mirrors each source's relative paths with a `.wav` extension.
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    preprocess: PreprocessArgs,
}

/// How a subcommand ended, before it becomes an exit code.
pub enum Outcome {
    /// Everything succeeded.
    Success,
    /// Some inputs failed; the rest were processed and the failures listed.
    SomeInputsFailed,
}

/// Runs the parsed command line and returns the process exit code.
pub fn run(cli: Cli) -> ExitCode {
    if let Some(n) = cli.threads {
        if let Err(e) = rayon::ThreadPoolBuilder::new().num_threads(n).build_global() {
            eprintln!("vlogmood: cannot start {n} threads: {e}");
            return ExitCode::from(2);
        }
    }
    let result = match cli.command {
        Command::Ingest(args) => ingest::run(&args),
    };
    match result {
        Ok(Outcome::Success) => ExitCode::SUCCESS,
        Ok(Outcome::SomeInputsFailed) => ExitCode::from(1),
        Err(e) => {
            eprintln!("vlogmood: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

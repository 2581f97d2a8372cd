//! Helpers for tests that drive the `vlogmood` binary the way a user does.
#![allow(dead_code)] // each test crate uses a different subset

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The fixtures folder.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Runs `vlogmood ARGS...` in `dir` and returns its output.
pub fn vlogmood(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vlogmood"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("running vlogmood {args:?} in {}: {e}", dir.display()))
}

/// Exit code of a finished command (panics if killed by a signal).
pub fn code(output: &Output) -> i32 {
    output.status.code().expect("exited normally")
}

/// stderr as text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Reads a 16-bit WAV: (sample rate, channels, samples).
pub fn read_wav_i16(path: &Path) -> (u32, u16, Vec<i16>) {
    let mut reader = hound::WavReader::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let spec = reader.spec();
    assert_eq!(spec.bits_per_sample, 16, "{}", path.display());
    let samples = reader.samples::<i16>().map(|s| s.expect("sample")).collect();
    (spec.sample_rate, spec.channels, samples)
}

/// Every file under `dir`, relative, sorted.
pub fn list_files(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.expect("walk"))
        .filter(|e| e.file_type().is_file())
        .map(|e| e.path().strip_prefix(dir).expect("prefix").to_string_lossy().replace('\\', "/"))
        .collect();
    out.sort();
    out
}

/// Every file under `dir` (relative path, sorted, as [`list_files`]) with its bytes.
pub fn files_with_bytes(dir: &Path) -> Vec<(String, Vec<u8>)> {
    list_files(dir)
        .into_iter()
        .map(|name| {
            let bytes = std::fs::read(dir.join(&name)).unwrap_or_else(|e| panic!("{name}: {e}"));
            (name, bytes)
        })
        .collect()
}

//! The per-file memory budget driven as a user would: a file too long for the budget is a
//! per-file failure (listed in `failures.csv`, exit 1) while the rest of the batch succeeds.
//! The budget is set with `VLOGMOOD_MEMORY_BUDGET_BYTES` so no huge file is needed.

mod util;

use std::path::Path;

use util::{code, fixtures, stderr};

/// Writes `seconds` of a 22 050 Hz mono 16-bit tone.
fn write_tone(path: &Path, seconds: u32) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 22_050,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).expect("create wav");
    for i in 0..22_050 * seconds {
        let t = i as f32 / 22_050.0;
        let x = 0.3 * (2.0 * std::f32::consts::PI * 220.0 * t).sin() * (1.0 + (3.0 * t).sin()) / 2.0;
        w.write_sample((x * 32767.0) as i16).expect("sample");
    }
    w.finalize().expect("finalize");
}

fn run(dir: &Path, budget: &str, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_vlogmood"))
        .current_dir(dir)
        .env("VLOGMOOD_MEMORY_BUDGET_BYTES", budget)
        .env("VLOGMOOD_CACHE", dir.join("cache"))
        // Temporary files beside the build, not in this machine's /tmp (see the tmpfs test).
        .env("TMPDIR", env!("CARGO_TARGET_TMPDIR"))
        .args(args)
        .output()
        .expect("run vlogmood")
}

fn failures(path: &Path) -> Vec<(String, String)> {
    let mut reader = csv::Reader::from_path(path).expect("failures.csv");
    reader.records().map(|r| r.expect("row")).map(|r| (r[0].to_string(), r[1].to_string())).collect()
}

/// A budget between what a 3-second file and a 150-second file need (the estimate is 64 MiB
/// per file, plus the signal in memory at 4 bytes a 22 050 Hz sample up to 16 MiB, plus 0.141
/// bytes a sample for `features`: 67.4 MB and 80.8 MB).
const BUDGET: &str = "75000000";

#[test]
fn a_file_over_the_budget_fails_alone_in_features() {
    let tmp = tempfile::tempdir().expect("tmp");
    let corpus = tmp.path().join("corpus");
    std::fs::create_dir_all(&corpus).expect("mkdir");
    std::fs::copy(fixtures().join("audio/good/speech_22050_s16.wav"), corpus.join("short.wav")).expect("copy");
    write_tone(&corpus.join("long.wav"), 150);

    let out = run(tmp.path(), BUDGET, &["--threads", "1", "features", "corpus", "--out", "out", "--no-cache"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let rows = failures(&tmp.path().join("out/failures.csv"));
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(rows[0].0.ends_with("long.wav"), "{rows:?}");
    assert!(rows[0].1.contains("2 min 30 s of audio needs about"), "{rows:?}");
    // (Where the build folder is a tmpfs the origin goes on to say so.)
    assert!(rows[0].1.contains("the budget per file is 75 MB (set by VLOGMOOD_MEMORY_BUDGET_BYTES"), "{rows:?}");
    let files = std::fs::read_to_string(tmp.path().join("out/files.txt")).expect("files.txt");
    assert_eq!(files.lines().collect::<Vec<_>>(), ["short.wav"]);

    // With room for both, both succeed: the failure was the budget, not the file.
    let out = run(tmp.path(), "1000000000", &["--threads", "1", "features", "corpus", "--out", "out2", "--no-cache"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

#[test]
fn a_file_over_the_budget_fails_alone_in_ingest() {
    let tmp = tempfile::tempdir().expect("tmp");
    let corpus = tmp.path().join("corpus");
    std::fs::create_dir_all(&corpus).expect("mkdir");
    std::fs::copy(fixtures().join("audio/good/speech_22050_s16.wav"), corpus.join("short.wav")).expect("copy");
    write_tone(&corpus.join("long.wav"), 150);
    // ingest holds the signal in memory up to 16 MiB, and 0.016 bytes a sample more (trim's
    // RMS envelope): 150 s need about 80.4 MB.
    let out = run(tmp.path(), "75000000", &["--threads", "1", "ingest", "corpus", "--out", "out"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let rows = failures(&tmp.path().join("out/failures.csv"));
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(rows[0].0.ends_with("long.wav") && rows[0].1.contains("of audio needs about"), "{rows:?}");
    assert!(tmp.path().join("out/short.wav").is_file());
    assert!(!tmp.path().join("out/long.wav").exists());
}

/// With `TMPDIR` on a tmpfs, the temporary files a long recording's signal and spills go to
/// are memory, and the budget counts them: a 5-minute file that fits 100 MB with `TMPDIR` on a
/// disk (about 85 MB: 64 MiB, the 16 MiB of signal kept in memory, 0.141 bytes a sample) is
/// refused with `TMPDIR` on a tmpfs (about 132 MB: the whole signal in its file as well, 4
/// bytes a sample, and the spills, 3.1 bytes a sample), and the error says why.
#[test]
fn temporary_files_on_a_tmpfs_count_against_the_budget() {
    let shm = Path::new("/dev/shm");
    if vlogmood::audio::memory::memory_file_system(shm) != Some("tmpfs") {
        eprintln!("skipped: /dev/shm is not a tmpfs on this machine");
        return;
    }
    let tmp = tempfile::tempdir().expect("tmp");
    let corpus = tmp.path().join("corpus");
    std::fs::create_dir_all(&corpus).expect("mkdir");
    write_tone(&corpus.join("long.wav"), 300);
    let features = |tmpdir: &Path, out: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_vlogmood"))
            .current_dir(tmp.path())
            .env("VLOGMOOD_MEMORY_BUDGET_BYTES", "100000000")
            .env("TMPDIR", tmpdir)
            .args(["--threads", "1", "features", "corpus", "--out", out, "--no-cache"])
            .output()
            .expect("run vlogmood")
    };

    let in_memory = tempfile::tempdir_in(shm).expect("a folder in /dev/shm");
    let out = features(in_memory.path(), "out");
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let rows = failures(&tmp.path().join("out/failures.csv"));
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(rows[0].1.contains("5 min 0 s of audio needs about 132 MB; the budget per file is 100 MB"), "{rows:?}");
    let why = format!("temporary files count too: TMPDIR {} is a tmpfs", in_memory.path().display());
    assert!(rows[0].1.contains(&why), "{rows:?}");

    let on_disk = Path::new(env!("CARGO_TARGET_TMPDIR"));
    if vlogmood::audio::memory::memory_file_system(on_disk).is_none() {
        let out = features(on_disk, "out2");
        assert_eq!(code(&out), 0, "{}", stderr(&out));
    }
}

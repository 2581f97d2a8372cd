//! Fuzzing the decode path with proptest-generated mutations of real files (no nightly needed).
//!
//! Seeds are small valid files of every container (`tests/fixtures/audio/good`: WAV u8 and
//! s24 stereo, FLAC, MP3, Ogg Vorbis, AAC in M4A and MP4). Each case applies a few mutations
//! (bit flips, truncation, byte insertion and deletion, header fields overwritten with extreme
//! values: sizes, sample rates, channel counts) and runs the result through the public paths,
//! [`preprocess_file`] (streamed from a temp file, under a 256 MB budget) and [`decode_bytes`].
//! A case fails if a panic escapes the library, if it takes longer than [`CASE_TIMEOUT`], or if
//! it allocates more than [`MAX_CASE_BYTES`] (a counting global allocator measures each case
//! and refuses to hand out more than [`ALLOC_CAP`] at all, standing in for a memory limit).
//! The input is saved to `target/fuzz-crashes/` before each case (so even an abort leaves it
//! behind) and kept there on failure; inputs the decoder panicked on (caught inside the
//! library as `DecoderPanic`) are kept there too, and counted.
//!
//! `just fuzz` runs the long, ignored target for `FUZZ_SECONDS` (default 120), from
//! `FUZZ_SEED` (default: the clock, printed); the default suite runs a short smoke version.

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

use vlogmood::audio::{decode_bytes, preprocess_file, AudioError, Downstream, MemoryBudget, PreprocessParams};

/// Longest one case may take.
const CASE_TIMEOUT: Duration = Duration::from_secs(10);
/// Most one case may allocate above what was live when it started.
const MAX_CASE_BYTES: usize = 1 << 30;
/// Live bytes past which the allocator fails (as an address-space limit would).
const ALLOC_CAP: usize = 3 << 30;
/// The per-file budget the library is given.
const BUDGET_BYTES: u64 = 256_000_000;

struct Counting;

/// The allocation counters are process-wide: the tests of this file run one at a time.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator; only counts (and refuses past ALLOC_CAP, which a
// GlobalAlloc may do by returning null).
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        if live > ALLOC_CAP {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            return std::ptr::null_mut();
        }
        PEAK.fetch_max(live, Ordering::Relaxed);
        // SAFETY: same layout contract as ours.
        let p = unsafe { System.alloc(layout) };
        if p.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let grow = new_size.saturating_sub(layout.size());
        let live = LIVE.fetch_add(grow, Ordering::Relaxed) + grow;
        if live > ALLOC_CAP {
            LIVE.fetch_sub(grow, Ordering::Relaxed);
            return std::ptr::null_mut();
        }
        PEAK.fetch_max(live, Ordering::Relaxed);
        // SAFETY: same contract as ours.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if p.is_null() {
            LIVE.fetch_sub(grow, Ordering::Relaxed);
        } else {
            LIVE.fetch_sub(layout.size().saturating_sub(new_size), Ordering::Relaxed);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// (file name, bytes) of each seed.
fn seeds() -> Vec<(String, Vec<u8>)> {
    let good = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/audio/good");
    [
        "speech_8000_u8.wav",
        "sub/speech_16000_s24_stereo.wav",
        "speech_44100_flac.flac",
        "sub/speech_44100_mp3.mp3",
        "speech_44100_vorbis.ogg",
        "speech_44100_aac.m4a",
        "speech_video.mp4",
    ]
    .iter()
    .map(|rel| {
        let name = Path::new(rel).file_name().expect("name").to_string_lossy().into_owned();
        (name, std::fs::read(good.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}")))
    })
    .collect()
}

/// One change to a file's bytes; positions are fractions of the length so they fit any seed.
#[derive(Debug, Clone)]
enum Mutation {
    FlipBit {
        at: f64,
        bit: u8,
    },
    Truncate {
        keep: f64,
    },
    Insert {
        at: f64,
        bytes: Vec<u8>,
    },
    Delete {
        at: f64,
        len: usize,
    },
    /// An extreme value written over the first bytes (where headers live), in either byte order.
    Field {
        offset: usize,
        value: u64,
        width: u8,
        big_endian: bool,
    },
}

const EXTREMES: [u64; 12] =
    [0, 1, 2, 0xff, 0xffff, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff, 1 << 36, 1 << 40, 384_000, 1 << 62];

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => (0.0..1.0f64, 0..8u8).prop_map(|(at, bit)| Mutation::FlipBit { at, bit }),
        1 => (0.0..1.0f64).prop_map(|keep| Mutation::Truncate { keep }),
        2 => (0.0..1.0f64, proptest::collection::vec(any::<u8>(), 1..64)).prop_map(|(at, bytes)| Mutation::Insert { at, bytes }),
        2 => (0.0..1.0f64, 1..256usize).prop_map(|(at, len)| Mutation::Delete { at, len }),
        4 => (0..160usize, proptest::sample::select(EXTREMES.to_vec()), proptest::sample::select(vec![1u8, 2, 4, 8]), any::<bool>())
            .prop_map(|(offset, value, width, big_endian)| Mutation::Field { offset, value, width, big_endian }),
    ]
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    let pos = |at: f64, len: usize| ((at * len as f64) as usize).min(len);
    match m {
        Mutation::FlipBit { at, bit } => {
            if !bytes.is_empty() {
                let i = pos(*at, bytes.len() - 1);
                bytes[i] ^= 1 << bit;
            }
        }
        Mutation::Truncate { keep } => bytes.truncate(pos(*keep, bytes.len())),
        Mutation::Insert { at, bytes: new } => {
            let i = pos(*at, bytes.len());
            bytes.splice(i..i, new.iter().copied());
        }
        Mutation::Delete { at, len } => {
            let i = pos(*at, bytes.len());
            let end = (i + len).min(bytes.len());
            bytes.drain(i..end);
        }
        Mutation::Field { offset, value, width, big_endian } => {
            let w = usize::from(*width);
            let v = if *big_endian { value.to_be_bytes()[8 - w..].to_vec() } else { value.to_le_bytes()[..w].to_vec() };
            if offset + w <= bytes.len() {
                bytes[*offset..offset + w].copy_from_slice(&v);
            }
        }
    }
}

fn case() -> impl Strategy<Value = (usize, Vec<Mutation>)> {
    (0..7usize, proptest::collection::vec(mutation(), 1..5))
}

fn crash_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/fuzz-crashes");
    std::fs::create_dir_all(&dir).expect("target/fuzz-crashes");
    dir
}

/// What one case did, if it did not fail.
enum Outcome {
    Ok,
    Rejected,
    DecoderPanic(String),
}

/// Runs one input through both public paths in a thread; Err describes a failure.
fn run_case(name: &str, bytes: Vec<u8>, work: &Path) -> Result<Outcome, String> {
    let path = work.join(name);
    std::fs::write(&path, &bytes).map_err(|e| format!("writing the input: {e}"))?;
    let (tx, rx) = mpsc::channel();
    let start_live = LIVE.load(Ordering::Relaxed);
    PEAK.store(start_live, Ordering::Relaxed);
    let thread_path = path.clone();
    std::thread::spawn(move || {
        let result = std::panic::catch_unwind(|| {
            let budget = MemoryBudget::fixed(BUDGET_BYTES, "fuzz");
            let a = preprocess_file(&thread_path, &PreprocessParams::default(), &budget, Downstream::in_memory(24))
                .map(|_| ());
            let b = decode_bytes(&thread_path, bytes).map(|_| ());
            [a, b]
        });
        let _ = tx.send(result);
    });
    let result = match rx.recv_timeout(CASE_TIMEOUT) {
        Ok(result) => result,
        Err(_) => return Err(format!("took longer than {CASE_TIMEOUT:?}")),
    };
    let grew = PEAK.load(Ordering::Relaxed).saturating_sub(start_live);
    let results = result.map_err(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        format!("panicked: {message}")
    })?;
    if grew > MAX_CASE_BYTES {
        return Err(format!("allocated {grew} bytes (limit {MAX_CASE_BYTES})"));
    }
    let mut outcome = Outcome::Ok;
    for r in results {
        match r {
            Ok(()) => {}
            Err(AudioError::DecoderPanic { message, .. }) => outcome = Outcome::DecoderPanic(message),
            Err(_) => {
                if matches!(outcome, Outcome::Ok) {
                    outcome = Outcome::Rejected
                }
            }
        }
    }
    Ok(outcome)
}

/// Runs cases until `cases` or `seconds` run out; panics with the saved input on a failure.
fn fuzz(seed: u64, cases: u64, seconds: f64) {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let seeds = seeds();
    let work = tempfile::tempdir().expect("tempdir");
    let crashes = crash_dir();
    let mut runner = TestRunner::new_with_rng(
        Config { failure_persistence: None, ..Config::default() },
        TestRng::from_seed(RngAlgorithm::ChaCha, &{
            let mut s = [0u8; 32];
            s[..8].copy_from_slice(&seed.to_le_bytes());
            s
        }),
    );
    let strategy = case();
    let started = Instant::now();
    let (mut n, mut n_ok, mut n_rejected, mut panics) = (0u64, 0u64, 0u64, Vec::new());
    while n < cases && started.elapsed().as_secs_f64() < seconds {
        let (seed_index, mutations) = strategy.new_tree(&mut runner).expect("strategy").current();
        let (name, original) = &seeds[seed_index];
        let mut bytes = original.clone();
        for m in &mutations {
            apply(&mut bytes, m);
        }
        let ext = Path::new(name).extension().and_then(|e| e.to_str()).unwrap_or("bin");
        // Saved before running, so an abort (not a panic) still leaves the input behind.
        let last = crashes.join(format!("last-input.{ext}"));
        std::fs::write(&last, &bytes).expect("saving the input");
        match run_case(name, bytes.clone(), work.path()) {
            Ok(Outcome::Ok) => n_ok += 1,
            Ok(Outcome::Rejected) => n_rejected += 1,
            Ok(Outcome::DecoderPanic(message)) => {
                let saved = crashes.join(format!("decoder-panic-{seed}-{n}.{ext}"));
                std::fs::write(&saved, &bytes).expect("saving the input");
                panics.push(format!("{}: {message} (from {name}, {mutations:?})", saved.display()));
            }
            Err(failure) => {
                let saved = crashes.join(format!("crash-{seed}-{n}.{ext}"));
                std::fs::write(&saved, &bytes).expect("saving the input");
                panic!(
                    "case {n} (FUZZ_SEED={seed}) {failure}\n  seed file {name}, mutations {mutations:?}\n  input saved to {}",
                    saved.display()
                );
            }
        }
        let _ = std::fs::remove_file(&last);
        n += 1;
    }
    eprintln!(
        "decode fuzz: {n} executions in {:.1} s (FUZZ_SEED={seed}): {n_ok} decoded, {n_rejected} rejected with an error, {} decoder panics caught",
        started.elapsed().as_secs_f64(),
        panics.len()
    );
    for p in &panics {
        eprintln!("  decoder panic caught: {p}");
    }
}

#[test]
fn smoke_fuzz_a_few_hundred_cases() {
    fuzz(20_240_601, 500, 20.0);
}

#[test]
#[ignore = "long; run with `just fuzz` (FUZZ_SECONDS, FUZZ_SEED)"]
fn fuzz_decoders() {
    let seconds = std::env::var("FUZZ_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(120.0);
    let seed = std::env::var("FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
    });
    fuzz(seed, u64::MAX, seconds);
}

/// A header that claims far more audio than memory allows is refused by the budget, quickly,
/// before anything of that size is allocated.
#[test]
fn a_header_claiming_huge_length_is_refused_by_the_budget() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let seeds = seeds();
    let work = tempfile::tempdir().expect("tempdir");
    // FLAC STREAMINFO: total samples are the low 36 bits of bytes 18..26 (after "fLaC" and the
    // 4-byte block header, at offset 8 + 10 = 18 the rate/channels/bits/total field starts).
    let (_, flac) = seeds.iter().find(|(n, _)| n.ends_with(".flac")).expect("flac seed");
    let mut bytes = flac.clone();
    bytes[21] |= 0x0f;
    bytes[22..26].copy_from_slice(&[0xff; 4]);
    let path = work.path().join("huge.flac");
    std::fs::write(&path, &bytes).expect("write");
    let budget = MemoryBudget::fixed(BUDGET_BYTES, "test");
    let started = Instant::now();
    let start_live = LIVE.load(Ordering::Relaxed);
    PEAK.store(start_live, Ordering::Relaxed);
    let err = preprocess_file(&path, &PreprocessParams::default(), &budget, Downstream::in_memory(24))
        .expect_err("over budget");
    assert!(matches!(err, AudioError::OverBudget { .. }), "{err}");
    assert!(err.to_string().contains("of audio needs about"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(PEAK.load(Ordering::Relaxed) - start_live < 50_000_000);
}

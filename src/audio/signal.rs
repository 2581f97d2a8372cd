//! The preprocessed signal, held in memory up to a limit and in a temporary file beyond it.
//!
//! A speech clip's signal is a few hundred kilobytes and stays in a `Vec`. A recording whose
//! resampled signal outgrows [`SIGNAL_MEMORY_BYTES`] moves it to an anonymous temporary file
//! (unlinked at once, so nothing is left behind if the process dies), and every stage after
//! resampling reads it a window at a time through a [`SignalReader`]: trimming, the features'
//! STFT blocks, the time-domain features and the WAV writer. Memory then stays at the limit
//! plus a window whatever the recording's length (4 bytes a sample would be 635 MB for two
//! hours at 22 050 Hz, 3.2 GB for ten).
//!
//! A reader hands out the same values whichever way the signal is kept: a signal in a file
//! keeps the resampled samples as they were written and applies the trim and the PCM16
//! quantisation as it reads, which gives the values an in-memory signal holds after trimming
//! and quantising in place.
//!
//! The features stage keeps its per-frame values that wait for the whole recording the same
//! way (its spills); the signal differs in being read back in any order and cut to length.
//!
//! The file is created in [`std::env::temp_dir`] (`TMPDIR`): point that at a disk, not a
//! RAM-backed `tmpfs`, to analyse very long recordings (on a tmpfs the memory budget counts
//! the file: [`crate::audio::MemoryBudget::temp_files_in_memory`]).

use std::fs::File;
use std::io::{self, Seek, SeekFrom, Write};
use std::ops::Range;

use super::pcm16::pcm16_round_trip;

/// Bytes of signal held in memory before it moves to a temporary file: 4 Mi samples, about
/// 3 min 10 s at 22 050 Hz.
pub const SIGNAL_MEMORY_BYTES: usize = 16 << 20;

/// Samples a reader hands out at a time in sequential passes ([`SignalReader::for_each_chunk`]):
/// a multiple of 8, so that sums kept in 4 or 8 lanes see the lanes they would see over the
/// whole signal.
pub const CHUNK_SAMPLES: usize = 1 << 18;
const _: () = assert!(CHUNK_SAMPLES.is_multiple_of(8), "lane sums need whole groups of 8");

/// A mono signal, in memory or in a temporary file (see the module doc).
#[derive(Debug)]
pub struct Signal {
    store: Store,
    /// Number of samples.
    len: usize,
}

#[derive(Debug)]
enum Store {
    /// The samples themselves, trimmed and quantised.
    Memory(Vec<f32>),
    /// The samples as resampled, as f32 in this machine's byte order (the file is this
    /// process's alone); the signal is samples `first .. first + len`, quantised on reading
    /// when `pcm16` is set.
    File { file: File, first: usize, pcm16: bool },
}

impl From<Vec<f32>> for Signal {
    fn from(samples: Vec<f32>) -> Self {
        Self { len: samples.len(), store: Store::Memory(samples) }
    }
}

impl Signal {
    /// Number of samples.
    #[must_use]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the signal has no samples.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether the samples are in memory (not in a temporary file).
    #[must_use]
    pub fn is_in_memory(&self) -> bool {
        matches!(self.store, Store::Memory(_))
    }

    /// A reader of the samples.
    #[must_use]
    pub fn reader(&self) -> SignalReader<'_> {
        SignalReader::from(self)
    }

    /// Every sample, in memory: for figures of a few recordings, never for a corpus.
    pub fn to_vec(&self) -> io::Result<Vec<f32>> {
        let mut out = Vec::new();
        out.try_reserve_exact(self.len).map_err(io::Error::other)?;
        self.reader().for_each_chunk(|_, chunk| out.extend_from_slice(chunk))?;
        Ok(out)
    }

    /// Keeps samples `range` only (the trim).
    pub(crate) fn keep(&mut self, range: Range<usize>) {
        assert!(range.start <= range.end && range.end <= self.len, "kept span {range:?} of {} samples", self.len);
        match &mut self.store {
            Store::Memory(samples) => {
                samples.truncate(range.end);
                samples.drain(..range.start);
                samples.shrink_to_fit();
            }
            Store::File { first, .. } => *first += range.start,
        }
        self.len = range.len();
    }

    /// Quantises every sample to what a PCM16 write and re-read yields.
    pub(crate) fn quantize_pcm16(&mut self) {
        match &mut self.store {
            Store::Memory(samples) => samples.iter_mut().for_each(|x| *x = pcm16_round_trip(*x)),
            Store::File { pcm16, .. } => *pcm16 = true,
        }
    }
}

/// Builds a [`Signal`] from appended chunks, moving it to a temporary file once it outgrows
/// its memory limit.
#[derive(Debug)]
pub(crate) struct SignalBuilder {
    memory: Vec<f32>,
    /// Samples held in memory before they move to the file.
    memory_limit: usize,
    file: Option<File>,
    /// Samples written to `file`.
    on_disk: usize,
}

impl SignalBuilder {
    /// An empty signal holding at most `memory_limit_bytes` of samples in memory (at least one
    /// sample).
    pub(crate) fn new(memory_limit_bytes: usize) -> Self {
        Self { memory: Vec::new(), memory_limit: (memory_limit_bytes / 4).max(1), file: None, on_disk: 0 }
    }

    /// Number of samples appended.
    pub(crate) fn len(&self) -> usize {
        self.on_disk + self.memory.len()
    }

    /// Makes room in memory for `n` samples in all (no more than the memory limit), so a
    /// file of known length is not copied as its signal grows; fails without aborting when
    /// the memory is not there.
    pub(crate) fn try_reserve(&mut self, n: usize) -> Result<(), std::collections::TryReserveError> {
        let wanted = n.min(self.memory_limit).saturating_sub(self.memory.len());
        self.memory.try_reserve_exact(wanted)
    }

    /// Appends samples.
    pub(crate) fn push(&mut self, mut chunk: &[f32]) -> io::Result<()> {
        while !chunk.is_empty() {
            if self.memory.len() == self.memory_limit {
                self.flush()?;
            }
            let n = chunk.len().min(self.memory_limit - self.memory.len());
            self.memory.extend_from_slice(&chunk[..n]);
            chunk = &chunk[n..];
        }
        Ok(())
    }

    /// Cuts the signal to `n` samples or pads it with zeros to `n` (librosa's `fix_length`).
    pub(crate) fn resize(&mut self, n: usize) -> io::Result<()> {
        if n <= self.on_disk {
            self.memory.clear();
            self.on_disk = n;
            if let Some(file) = &mut self.file {
                file.set_len(4 * n as u64)?;
                file.seek(SeekFrom::End(0))?;
            }
            return Ok(());
        }
        if n <= self.len() {
            self.memory.truncate(n - self.on_disk);
            return Ok(());
        }
        let zeros = [0.0_f32; 4096];
        while self.len() < n {
            self.push(&zeros[..(n - self.len()).min(zeros.len())])?;
        }
        Ok(())
    }

    /// Moves the samples in memory to the file.
    fn flush(&mut self) -> io::Result<()> {
        let file = match &mut self.file {
            Some(file) => file,
            None => self.file.insert(tempfile::tempfile()?),
        };
        file.write_all(bytemuck::cast_slice(&self.memory))?;
        self.on_disk += self.memory.len();
        self.memory.clear();
        Ok(())
    }

    /// The signal: in memory if it never outgrew the limit, in the file otherwise.
    pub(crate) fn finish(mut self) -> io::Result<Signal> {
        if self.file.is_none() {
            self.memory.shrink_to_fit();
            return Ok(Signal::from(self.memory));
        }
        self.flush()?;
        let file = self.file.take().expect("flushed to a file");
        Ok(Signal { store: Store::File { file, first: 0, pcm16: false }, len: self.on_disk })
    }
}

/// Reads a signal a window at a time: in place for samples in memory, through a buffer for a
/// signal in a file.
#[derive(Debug)]
pub struct SignalReader<'a> {
    source: Source<'a>,
    len: usize,
    /// The last window read from a file.
    buffer: Vec<f32>,
}

#[derive(Debug)]
enum Source<'a> {
    Slice(&'a [f32]),
    File { file: &'a File, first: usize, pcm16: bool },
}

impl<'a> From<&'a [f32]> for SignalReader<'a> {
    fn from(samples: &'a [f32]) -> Self {
        Self { source: Source::Slice(samples), len: samples.len(), buffer: Vec::new() }
    }
}

impl<'a> From<&'a Vec<f32>> for SignalReader<'a> {
    fn from(samples: &'a Vec<f32>) -> Self {
        Self::from(samples.as_slice())
    }
}

impl<'a, const N: usize> From<&'a [f32; N]> for SignalReader<'a> {
    fn from(samples: &'a [f32; N]) -> Self {
        Self::from(samples.as_slice())
    }
}

impl<'a> From<&'a Signal> for SignalReader<'a> {
    fn from(signal: &'a Signal) -> Self {
        let source = match &signal.store {
            Store::Memory(samples) => Source::Slice(samples),
            Store::File { file, first, pcm16 } => Source::File { file, first: *first, pcm16: *pcm16 },
        };
        Self { source, len: signal.len, buffer: Vec::new() }
    }
}

impl SignalReader<'_> {
    /// Number of samples in the signal.
    #[must_use]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the signal has no samples.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Samples `range` of the signal.
    ///
    /// # Panics
    /// If `range` reaches past the signal's end.
    pub fn window(&mut self, range: Range<usize>) -> io::Result<&[f32]> {
        assert!(range.start <= range.end && range.end <= self.len, "window {range:?} of {} samples", self.len);
        match self.source {
            Source::Slice(samples) => Ok(&samples[range]),
            Source::File { file, first, pcm16 } => {
                self.buffer.resize(range.len(), 0.0);
                read_exact_at(file, bytemuck::cast_slice_mut(&mut self.buffer), 4 * (first + range.start) as u64)?;
                if pcm16 {
                    self.buffer.iter_mut().for_each(|x| *x = pcm16_round_trip(*x));
                }
                Ok(&self.buffer)
            }
        }
    }

    /// The first sample for which `pred` holds, with its index; reads only up to the chunk
    /// that holds it.
    pub fn find(&mut self, pred: impl Fn(f32) -> bool) -> io::Result<Option<(usize, f32)>> {
        for start in (0..self.len).step_by(CHUNK_SAMPLES) {
            let end = (start + CHUNK_SAMPLES).min(self.len);
            let window = self.window(start..end)?;
            if let Some(i) = window.iter().position(|&x| pred(x)) {
                return Ok(Some((start + i, window[i])));
            }
        }
        Ok(None)
    }

    /// Calls `each(start, samples)` on consecutive windows covering the signal, in order, each
    /// [`CHUNK_SAMPLES`] long but the last.
    pub fn for_each_chunk(&mut self, mut each: impl FnMut(usize, &[f32])) -> io::Result<()> {
        for start in (0..self.len).step_by(CHUNK_SAMPLES) {
            let end = (start + CHUNK_SAMPLES).min(self.len);
            each(start, self.window(start..end)?);
        }
        Ok(())
    }
}

/// Reads `buf.len()` bytes at `offset` without moving a cursor that other readers of the file
/// share.
#[cfg(unix)]
fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

/// Reads `buf.len()` bytes at `offset` (the shared cursor moves: one reader at a time).
#[cfg(not(unix))]
fn read_exact_at(mut file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    file.seek(SeekFrom::Start(offset))?;
    file.read_exact(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ramp(n: usize) -> Vec<f32> {
        (0..n).map(|i| ((i * 7_919) % 2_003) as f32 / 2_003.0 - 0.5).collect()
    }

    fn built(samples: &[f32], memory_limit_bytes: usize, pieces: usize) -> Signal {
        let mut builder = SignalBuilder::new(memory_limit_bytes);
        for piece in samples.chunks(pieces) {
            builder.push(piece).expect("push");
        }
        builder.finish().expect("finish")
    }

    #[test]
    fn a_signal_reads_the_same_in_memory_and_in_a_file() {
        let x = ramp(10_001);
        for limit in [4, 400, 4 * 10_000, 4 * 10_001, 1 << 20] {
            let signal = built(&x, limit, 777);
            assert_eq!(signal.is_in_memory(), limit >= 4 * 10_001, "{limit}");
            assert_eq!(signal.to_vec().expect("read"), x, "{limit}");
            let mut reader = signal.reader();
            assert_eq!(reader.window(123..4_567).expect("window"), &x[123..4_567]);
            assert_eq!(reader.window(10_001..10_001).expect("empty"), &[] as &[f32]);
        }
    }

    #[test]
    fn trim_and_quantisation_apply_alike_wherever_the_signal_is() {
        let x = ramp(9_000);
        let want: Vec<f32> = x[1_000..8_000].iter().map(|&v| pcm16_round_trip(v)).collect();
        for limit in [64, 1 << 20] {
            let mut signal = built(&x, limit, 1_000);
            signal.keep(1_000..8_000);
            signal.quantize_pcm16();
            assert_eq!(signal.len(), 7_000);
            assert_eq!(signal.to_vec().expect("read"), want, "{limit}");
            assert_eq!(signal.reader().window(10..20).expect("window"), &want[10..20], "{limit}");
        }
    }

    #[test]
    fn resize_cuts_and_pads_with_zeros() {
        let x = ramp(5_000);
        for limit in [400, 1 << 20] {
            for n in [0, 50, 100, 3_000, 5_000, 6_123] {
                let mut builder = SignalBuilder::new(limit);
                builder.push(&x).expect("push");
                builder.resize(n).expect("resize");
                let mut want: Vec<f32> = x.iter().copied().take(n).collect();
                want.resize(n, 0.0);
                assert_eq!(builder.finish().expect("finish").to_vec().expect("read"), want, "{limit} {n}");
            }
        }
    }

    #[test]
    fn chunks_cover_the_signal_in_order() {
        let x = ramp(2 * CHUNK_SAMPLES + 5);
        let signal = built(&x, 1 << 12, 100_000);
        let mut starts = Vec::new();
        let mut back = Vec::new();
        signal
            .reader()
            .for_each_chunk(|start, chunk| {
                starts.push(start);
                back.extend_from_slice(chunk);
            })
            .expect("read");
        assert_eq!(starts, [0, CHUNK_SAMPLES, 2 * CHUNK_SAMPLES]);
        assert_eq!(back, x);
        let at = CHUNK_SAMPLES + 3;
        let found = signal.reader().find(|v| v == x[at]).expect("read");
        assert_eq!(found, x.iter().position(|&v| v == x[at]).map(|i| (i, x[at])));
        assert_eq!(signal.reader().find(|v| v > 1.0).expect("read"), None);
    }
}

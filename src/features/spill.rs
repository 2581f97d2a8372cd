//! Per-frame values that wait for the whole recording, kept in memory up to a limit and on
//! disk beyond it.
//!
//! Some features cannot be finished frame by frame: the dB floors of MFCC, onset strength and
//! spectral contrast hang on the recording's peak, and chroma's tuning on the median of every
//! frame's pitch peaks. Their inputs are appended here while the spectrogram is computed and
//! read back, in order, once the whole recording has been seen. A speech clip's records stay
//! in memory; a recording whose records outgrow `memory_limit` bytes moves them to an
//! anonymous temporary file (unlinked at once, so nothing is left behind if the process
//! dies), and memory stays at the limit whatever the recording's length.
//!
//! The file is created in [`std::env::temp_dir`] (`TMPDIR`): point that at a disk, not a
//! RAM-backed `tmpfs`, to analyse very long recordings (on a tmpfs the memory budget counts
//! the file: [`crate::audio::MemoryBudget::temp_files_in_memory`]).

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};

/// Bytes read back from the file at a time (whole records, at least one).
const READ_CHUNK_BYTES: usize = 1 << 20;

/// An append-only sequence of fixed-size records (bytes), replayed in order.
#[derive(Debug)]
pub(crate) struct Spill {
    record_bytes: usize,
    /// Records not yet on disk (all of them while the spill fits in memory).
    memory: Vec<u8>,
    /// Holds this many bytes of records before moving them to the file.
    memory_limit: usize,
    /// The temporary file, once the records outgrow memory.
    file: Option<File>,
    /// Bytes written to `file`.
    on_disk: u64,
    /// Buffer for reading the file back.
    read_buffer: Vec<u8>,
}

impl Clone for Spill {
    /// An empty spill of the same shape: an extractor's clone shares no per-file state.
    fn clone(&self) -> Self {
        Self::new(self.record_bytes, self.memory_limit)
    }
}

impl Spill {
    /// An empty spill of `record_bytes`-byte records, holding at most about `memory_limit`
    /// bytes in memory (and never less than one record).
    pub(crate) fn new(record_bytes: usize, memory_limit: usize) -> Self {
        assert!(record_bytes > 0, "records have at least one byte");
        let memory_limit = memory_limit.max(record_bytes) / record_bytes * record_bytes;
        Self { record_bytes, memory: Vec::new(), memory_limit, file: None, on_disk: 0, read_buffer: Vec::new() }
    }

    /// An empty spill of the same records holding at most `memory_limit` bytes in memory.
    #[cfg(test)]
    pub(crate) fn with_memory_limit(&self, memory_limit: usize) -> Self {
        Self::new(self.record_bytes, memory_limit)
    }

    /// Forgets every record and drops the file (memory buffers are kept for the next file).
    pub(crate) fn clear(&mut self) {
        self.memory.clear();
        self.file = None;
        self.on_disk = 0;
    }

    /// Forgets every record and frees the memory too.
    pub(crate) fn release(&mut self) {
        *self = Self::new(self.record_bytes, self.memory_limit);
    }

    /// Number of records appended since the last [`clear`](Self::clear).
    pub(crate) fn len(&self) -> usize {
        (self.on_disk as usize + self.memory.len()) / self.record_bytes
    }

    /// Whether any record went to disk.
    #[cfg(test)]
    pub(crate) fn is_on_disk(&self) -> bool {
        self.file.is_some()
    }

    /// Appends one record, which `write` fills (its slice is `record_bytes` long and zeroed).
    pub(crate) fn push_with(&mut self, write: impl FnOnce(&mut [u8])) -> std::io::Result<()> {
        if self.memory.len() + self.record_bytes > self.memory_limit {
            let file = match &mut self.file {
                Some(file) => file,
                None => self.file.insert(tempfile::tempfile()?),
            };
            // Appended at the end of what is on disk, wherever a replay (finished or failed)
            // left the cursor.
            file.seek(SeekFrom::Start(self.on_disk))?;
            file.write_all(&self.memory)?;
            self.on_disk += self.memory.len() as u64;
            self.memory.clear();
        }
        let start = self.memory.len();
        self.memory.resize(start + self.record_bytes, 0);
        write(&mut self.memory[start..]);
        Ok(())
    }

    /// Calls `each` on every record, in the order they were appended. May be called any
    /// number of times.
    pub(crate) fn for_each_record(&mut self, mut each: impl FnMut(&[u8])) -> std::io::Result<()> {
        let record_bytes = self.record_bytes;
        if let Some(file) = &mut self.file {
            file.seek(SeekFrom::Start(0))?;
            self.read_buffer.resize(
                self.memory_limit.min(READ_CHUNK_BYTES.max(self.record_bytes)) / self.record_bytes * self.record_bytes,
                0,
            );
            let mut left = self.on_disk;
            while left > 0 {
                let n = self.read_buffer.len().min(usize::try_from(left).unwrap_or(usize::MAX));
                file.read_exact(&mut self.read_buffer[..n])?;
                self.read_buffer[..n].chunks_exact(record_bytes).for_each(&mut each);
                left -= n as u64;
            }
        }
        self.memory.chunks_exact(record_bytes).for_each(each);
        Ok(())
    }
}

/// Writes `values` as native-endian bytes into the front of `out`; returns the rest of `out`.
pub(crate) fn put_f32<'a>(out: &'a mut [u8], values: &[f32]) -> &'a mut [u8] {
    let (head, rest) = out.split_at_mut(values.len() * 4);
    for (bytes, v) in head.chunks_exact_mut(4).zip(values) {
        bytes.copy_from_slice(&v.to_ne_bytes());
    }
    rest
}

/// As [`put_f32`], for f64 values.
pub(crate) fn put_f64<'a>(out: &'a mut [u8], values: &[f64]) -> &'a mut [u8] {
    let (head, rest) = out.split_at_mut(values.len() * 8);
    for (bytes, v) in head.chunks_exact_mut(8).zip(values) {
        bytes.copy_from_slice(&v.to_ne_bytes());
    }
    rest
}

/// Reads `out.len()` f32 values from the front of `bytes`; returns the rest of `bytes`.
pub(crate) fn get_f32<'a>(bytes: &'a [u8], out: &mut [f32]) -> &'a [u8] {
    let (head, rest) = bytes.split_at(out.len() * 4);
    for (v, b) in out.iter_mut().zip(head.chunks_exact(4)) {
        *v = f32::from_ne_bytes(b.try_into().expect("chunks of 4 bytes"));
    }
    rest
}

/// As [`get_f32`], for f64 values.
pub(crate) fn get_f64<'a>(bytes: &'a [u8], out: &mut [f64]) -> &'a [u8] {
    let (head, rest) = bytes.split_at(out.len() * 8);
    for (v, b) in out.iter_mut().zip(head.chunks_exact(8)) {
        *v = f64::from_ne_bytes(b.try_into().expect("chunks of 8 bytes"));
    }
    rest
}

#[cfg(test)]
mod tests {
    use super::*;

    fn replay(spill: &mut Spill) -> Vec<(f32, f64)> {
        let mut out = Vec::new();
        spill
            .for_each_record(|record| {
                let (mut a, mut b) = ([0.0_f32], [0.0_f64]);
                get_f64(get_f32(record, &mut a), &mut b);
                out.push((a[0], b[0]));
            })
            .expect("replay");
        out
    }

    #[test]
    fn records_come_back_in_order_from_memory_and_from_disk() {
        let want: Vec<(f32, f64)> = (0..1000).map(|i| (i as f32 * 0.5 - 7.0, -(i as f64) / 3.0)).collect();
        for limit in [12, 100, 12 * 64, 1 << 20] {
            let mut spill = Spill::new(12, limit);
            for &(a, b) in &want {
                spill.push_with(|r| _ = put_f64(put_f32(r, &[a]), &[b])).expect("push");
            }
            assert_eq!(spill.len(), 1000);
            assert_eq!(spill.is_on_disk(), limit < 12_000, "limit {limit}");
            assert_eq!(replay(&mut spill), want, "limit {limit}");
            // A second replay, and appending after one, still see every record in order.
            spill.push_with(|r| _ = put_f64(put_f32(r, &[1.5]), &[f64::NAN])).expect("push");
            let again = replay(&mut spill);
            assert_eq!(again[..1000], want[..]);
            assert!(again[1000].0 == 1.5 && again[1000].1.is_nan());
            spill.clear();
            assert_eq!(spill.len(), 0);
            assert!(replay(&mut spill).is_empty());
        }
    }

    #[test]
    fn every_bit_survives() {
        let values = [f32::NAN, -0.0, f32::MIN_POSITIVE / 2.0, f32::INFINITY];
        let mut spill = Spill::new(16, 16);
        for _ in 0..3 {
            spill.push_with(|r| _ = put_f32(r, &values)).expect("push");
        }
        spill
            .for_each_record(|record| {
                let mut got = [0.0_f32; 4];
                get_f32(record, &mut got);
                assert!(got.iter().zip(&values).all(|(a, b)| a.to_bits() == b.to_bits()));
            })
            .expect("replay");
    }
}

//! Content hashes remembered by file identity, as git's index does: a file whose path, size,
//! modification time, change time and inode are those it had when it was hashed is not read
//! again. Every `run`, `spec` and warm `features` fingerprints the whole corpus; with the index
//! that costs one `stat` per file instead of reading every byte.
//!
//! A hash is only remembered for a file last modified well before it was read (git's "racily
//! clean" case): a write in the same clock tick as the hashing could otherwise leave the size
//! and times unchanged. The change time catches tools that restore a modification time after
//! editing (`touch -d`, `rsync -t`); users cannot set it. The index is a cache: a missing,
//! unreadable or malformed index file is an empty index, and two processes saving at once
//! lose at most some entries, which are hashed again next time.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use super::sha256_file_hex;

/// First line of the index file; another one means another layout (ignored).
const HEADER: &str = "vlogmood-hash-index v1";
/// How long before its hashing a file must have last changed for its hash to be remembered:
/// coarser than any file system's timestamp granularity (FAT's is 2 s).
const SETTLE: Duration = Duration::from_secs(3);

/// What identifies one version of a file without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    size: u64,
    mtime_ns: i128,
    ctime_ns: i128,
    inode: u64,
}

impl Stamp {
    fn of(metadata: &std::fs::Metadata) -> Self {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let ns = |s: i64, n: i64| i128::from(s) * 1_000_000_000 + i128::from(n);
            Self {
                size: metadata.len(),
                mtime_ns: ns(metadata.mtime(), metadata.mtime_nsec()),
                ctime_ns: ns(metadata.ctime(), metadata.ctime_nsec()),
                inode: metadata.ino(),
            }
        }
        #[cfg(not(unix))]
        {
            let ns = |t: std::io::Result<SystemTime>| {
                t.ok().and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok()).map_or(0, |d| d.as_nanos() as i128)
            };
            Self { size: metadata.len(), mtime_ns: ns(metadata.modified()), ctime_ns: 0, inode: 0 }
        }
    }

    /// Whether the file last changed (content or metadata) at least `settle` before `read_at`.
    fn settled_before(&self, read_at: SystemTime, settle: Duration) -> bool {
        let Ok(read_ns) = read_at.duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_nanos() as i128) else {
            return false;
        };
        self.mtime_ns.max(self.ctime_ns) + settle.as_nanos() as i128 <= read_ns
    }
}

/// A file of remembered hashes (kept in the feature cache's folder).
#[derive(Debug)]
pub struct HashIndex {
    file: PathBuf,
    entries: Mutex<HashMap<PathBuf, (Stamp, String)>>,
    changed: AtomicBool,
    hits: AtomicUsize,
    /// [`SETTLE`], except in tests (which cannot age a file's change time).
    settle: Duration,
}

impl HashIndex {
    /// The index stored in `file` (empty when there is none or it cannot be read).
    #[must_use]
    pub fn open(file: PathBuf) -> Self {
        let entries = std::fs::read_to_string(&file).map(|text| parse(&text)).unwrap_or_default();
        Self {
            file,
            entries: Mutex::new(entries),
            changed: AtomicBool::new(false),
            hits: AtomicUsize::new(0),
            settle: SETTLE,
        }
    }

    /// SHA-256 (hex) of the file at `path`: remembered when the file is unchanged, else read
    /// and hashed (and remembered when the file has settled).
    pub fn sha256(&self, path: &Path) -> std::io::Result<String> {
        let key = std::path::absolute(path)?;
        let stamp = Stamp::of(&std::fs::metadata(path)?);
        if let Some((known, sha)) = self.lock().get(&key) {
            if *known == stamp {
                self.hits.fetch_add(1, Ordering::Relaxed);
                return Ok(sha.clone());
            }
        }
        let read_at = SystemTime::now();
        let sha = sha256_file_hex(path)?;
        // The stamp taken before reading: if the file changed meanwhile, the next stat differs.
        if stamp.settled_before(read_at, self.settle) && !key.as_os_str().as_encoded_bytes().contains(&b'\n') {
            self.lock().insert(key, (stamp, sha.clone()));
            self.changed.store(true, Ordering::Relaxed);
        }
        Ok(sha)
    }

    /// Files whose hash came from the index rather than their bytes.
    #[must_use]
    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::Relaxed)
    }

    /// Writes the index back (atomically) if anything was added; entries of files that no
    /// longer exist are dropped.
    pub fn save(&self) -> std::io::Result<()> {
        if !self.changed.swap(false, Ordering::Relaxed) {
            return Ok(());
        }
        let entries = self.lock();
        let mut paths: Vec<&PathBuf> = entries.keys().filter(|p| p.exists()).collect();
        paths.sort();
        let mut text = format!("{HEADER}\n");
        for path in paths {
            let (s, sha) = &entries[path];
            let path = path.to_string_lossy();
            text.push_str(&format!("{sha}\t{}\t{}\t{}\t{}\t{path}\n", s.size, s.mtime_ns, s.ctime_ns, s.inode));
        }
        crate::atomic::write_file(&self.file, text.as_bytes())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<PathBuf, (Stamp, String)>> {
        self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The entries of an index file; lines that do not parse (and any file with another header)
/// are left out.
fn parse(text: &str) -> HashMap<PathBuf, (Stamp, String)> {
    let mut lines = text.lines();
    if lines.next() != Some(HEADER) {
        return HashMap::new();
    }
    lines
        .filter_map(|line| {
            let mut fields = line.splitn(6, '\t');
            let sha = fields.next().filter(|s| s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()))?;
            let stamp = Stamp {
                size: fields.next()?.parse().ok()?,
                mtime_ns: fields.next()?.parse().ok()?,
                ctime_ns: fields.next()?.parse().ok()?,
                inode: fields.next()?.parse().ok()?,
            };
            Some((PathBuf::from(fields.next()?), (stamp, sha.to_string())))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::sha256_hex;

    /// A file written 50 ms ago, holding `bytes`.
    fn old_file(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, bytes).expect("write");
        std::thread::sleep(Duration::from_millis(50));
        path
    }

    /// An index that remembers files settled for 10 ms (a file's change time cannot be aged).
    fn open_quick(file: PathBuf) -> HashIndex {
        HashIndex { settle: Duration::from_millis(10), ..HashIndex::open(file) }
    }

    #[test]
    fn an_unchanged_file_is_not_read_again_even_by_another_process() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = old_file(dir.path(), "a.wav", b"abc");
        let index_file = dir.path().join("index.tsv");
        let index = open_quick(index_file.clone());
        let sha = index.sha256(&file).expect("hash");
        assert_eq!(sha, sha256_hex(b"abc"));
        assert_eq!(index.hits(), 0);
        index.save().expect("save");

        let reopened = open_quick(index_file);
        assert_eq!(reopened.sha256(&file).expect("hash"), sha);
        assert_eq!(reopened.hits(), 1, "the hash came from the index");
    }

    #[test]
    fn an_edited_file_is_hashed_again_even_with_its_old_modification_time() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = old_file(dir.path(), "a.wav", b"abc");
        let index = open_quick(dir.path().join("index.tsv"));
        index.sha256(&file).expect("hash");
        // Same size, modification time set back: only the change time moved.
        std::thread::sleep(Duration::from_millis(20));
        let modified = std::fs::metadata(&file).and_then(|m| m.modified()).expect("mtime");
        std::fs::write(&file, b"xyz").expect("edit");
        std::fs::File::options().write(true).open(&file).and_then(|f| f.set_modified(modified)).expect("mtime");
        assert_eq!(index.sha256(&file).expect("hash"), sha256_hex(b"xyz"));
        assert_eq!(index.hits(), 0);
    }

    #[test]
    fn a_file_written_just_now_is_not_remembered() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("fresh.wav");
        std::fs::write(&file, b"abc").expect("write");
        let index = HashIndex::open(dir.path().join("index.tsv"));
        index.sha256(&file).expect("hash");
        index.sha256(&file).expect("hash");
        assert_eq!(index.hits(), 0, "it may still change within its timestamp's tick");
        index.save().expect("save");
        assert!(!dir.path().join("index.tsv").exists(), "nothing to write");
    }

    #[test]
    fn a_damaged_index_is_an_empty_one_and_vanished_files_are_dropped() {
        let dir = tempfile::tempdir().expect("tempdir");
        let index_file = dir.path().join("index.tsv");
        std::fs::write(&index_file, "not an index\n").expect("write");
        let gone = old_file(dir.path(), "gone.wav", b"1");
        let kept = old_file(dir.path(), "kept.wav", b"2");
        let index = open_quick(index_file.clone());
        index.sha256(&gone).and_then(|_| index.sha256(&kept)).expect("hash");
        std::fs::remove_file(&gone).expect("remove");
        index.save().expect("save");
        let text = std::fs::read_to_string(&index_file).expect("read");
        assert_eq!(text.lines().count(), 2, "{text}");
        assert!(text.contains("kept.wav") && !text.contains("gone.wav"), "{text}");
        std::fs::write(&index_file, format!("{HEADER}\nzz\t1\t2\n")).expect("write");
        assert!(HashIndex::open(index_file).lock().is_empty());
    }
}

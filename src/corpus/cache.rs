//! The on-disk feature cache: opaque payloads keyed by (file content hash, parameters hash).
//!
//! Repeated runs of a grid never decode the same audio twice (DESIGN §4). Every entry carries
//! the SHA-256 of its payload and is verified on read: a truncated or edited entry is deleted
//! and reported as a miss, never trusted. Writes go to a temporary file and are renamed into
//! place, so concurrent runs never see half an entry.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::{CorpusError, HashIndex};

/// Environment variable naming another cache folder.
pub const CACHE_ENV: &str = "VLOGMOOD_CACHE";
/// Default cache folder, relative to the working directory.
pub const DEFAULT_CACHE_DIR: &str = ".vlogmood/cache";
const MAGIC: &[u8; 4] = b"VMC1";
/// The [`HashIndex`] file inside the cache folder.
const HASH_INDEX_FILE: &str = "file-hashes.tsv";

/// A folder of verified cache entries.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FeatureCache {
    dir: PathBuf,
}

/// Identifies one cache entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheKey {
    /// SHA-256 (hex) of the input file's bytes.
    pub file_sha256: String,
    /// Hash (hex) of everything that shapes the payload: preprocessing, feature parameters,
    /// pipeline version.
    pub params_hash: String,
}

impl FeatureCache {
    /// A cache in `dir` (created on first write).
    #[must_use]
    pub fn new(dir: PathBuf) -> Self {
        Self { dir }
    }

    /// The cache named by `VLOGMOOD_CACHE`, else `.vlogmood/cache` in the working directory.
    #[must_use]
    pub fn from_env() -> Self {
        Self::new(std::env::var_os(CACHE_ENV).map_or_else(|| PathBuf::from(DEFAULT_CACHE_DIR), PathBuf::from))
    }

    /// The cache folder.
    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The index of input files' content hashes kept with this cache, so that a corpus whose
    /// features are cached is not read again to be fingerprinted either.
    #[must_use]
    pub fn hash_index(&self) -> HashIndex {
        HashIndex::open(self.dir.join(HASH_INDEX_FILE))
    }

    fn path_of(&self, key: &CacheKey) -> PathBuf {
        let prefix = key.file_sha256.get(..2).unwrap_or("xx");
        let params = key.params_hash.get(..16).unwrap_or(&key.params_hash);
        self.dir.join(prefix).join(format!("{}-{params}.bin", key.file_sha256))
    }

    /// Whether an entry is stored under `key` (not verified: [`FeatureCache::get`] does that).
    #[must_use]
    pub fn contains(&self, key: &CacheKey) -> bool {
        self.path_of(key).is_file()
    }

    /// The payload stored under `key`, if present and intact. A corrupt entry is removed.
    #[must_use]
    pub fn get(&self, key: &CacheKey) -> Option<Vec<u8>> {
        let path = self.path_of(key);
        let bytes = std::fs::read(&path).ok()?;
        match verified_payload(&bytes) {
            Some(payload) => Some(payload.to_vec()),
            None => {
                // Recomputed by the caller and rewritten; never trusted.
                let _ = std::fs::remove_file(&path);
                None
            }
        }
    }

    /// Stores `payload` under `key` (atomically).
    pub fn put(&self, key: &CacheKey, payload: &[u8]) -> Result<(), CorpusError> {
        let path = self.path_of(key);
        let io = |source| CorpusError::Io { path: path.clone(), source };
        let mut entry = Vec::with_capacity(payload.len() + 36);
        entry.extend_from_slice(MAGIC);
        entry.extend_from_slice(&Sha256::digest(payload));
        entry.extend_from_slice(payload);
        crate::atomic::write_file(&path, &entry).map_err(io)?;
        Ok(())
    }
}

/// The payload of an entry if its magic and checksum are right.
fn verified_payload(entry: &[u8]) -> Option<&[u8]> {
    if entry.len() < 36 || &entry[..4] != MAGIC {
        return None;
    }
    let (checksum, payload) = entry[4..].split_at(32);
    (Sha256::digest(payload).as_slice() == checksum).then_some(payload)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> CacheKey {
        CacheKey { file_sha256: "ab".repeat(32), params_hash: "cd".repeat(32) }
    }

    #[test]
    fn round_trips_a_payload() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = FeatureCache::new(dir.path().join("c"));
        assert_eq!(cache.get(&key()), None);
        assert!(!cache.contains(&key()));
        cache.put(&key(), b"features").expect("put");
        assert!(cache.contains(&key()));
        assert_eq!(cache.get(&key()).as_deref(), Some(&b"features"[..]));
    }

    #[test]
    fn a_corrupt_entry_is_a_miss_and_is_removed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = FeatureCache::new(dir.path().to_path_buf());
        cache.put(&key(), b"features").expect("put");
        let path = cache.path_of(&key());
        let mut bytes = std::fs::read(&path).expect("read");
        let last = bytes.len() - 1;
        bytes[last] ^= 0xff;
        std::fs::write(&path, &bytes).expect("write");
        assert_eq!(cache.get(&key()), None);
        assert!(!path.exists());
        std::fs::write(&path, b"VMC1").expect("write truncated");
        assert_eq!(cache.get(&key()), None);
    }

    #[test]
    fn different_params_are_different_entries() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = FeatureCache::new(dir.path().to_path_buf());
        cache.put(&key(), b"one").expect("put");
        let other = CacheKey { params_hash: "ef".repeat(32), ..key() };
        assert_eq!(cache.get(&other), None);
    }
}

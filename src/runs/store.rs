//! The run store: run folders under one root, their index, locks and lookup by ID prefix.
//!
//! Layout (DESIGN §4): `runs/<name>-<id12>/` complete runs (a `--force` re-run gets a
//! `-r2`, `-r3` ... suffix), `runs/.partial/` runs being written, `runs/.locks/` lock files,
//! `runs/index.jsonl` one line of facts per run so `runs` and `compare` need not open every
//! folder. The index is a cache: folders missing from it are found by a directory scan and
//! added, entries whose folder is gone are dropped.
//!
//! The index is a journal, so that a new run costs the same in a store of ten runs or of ten
//! thousand: a header line, then one [`IndexEntry`] per line, appended by [`RunStore::record`]
//! (a later line for the same folder, e.g. after `tag`, replaces the earlier one). Only
//! [`RunStore::list`] rewrites it whole, when it disagrees with the folders or has grown to
//! twice the lines it needs.

use std::collections::BTreeMap;
use std::io::{BufRead, Read, Seek, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::atomic::FileLock;

use super::manifest::{check_folder, Manifest};
use super::RunsError;

/// Name of the index journal in the store root.
const INDEX_FILE: &str = "index.jsonl";

/// The index before it was a journal (one JSON document, rewritten for every run); removed
/// when the journal is first written, so no stale copy lingers beside it.
const OLD_INDEX_FILE: &str = "index.json";

/// Bumped when [`IndexEntry`] or what fills it changes, so an older index is rebuilt.
const INDEX_VERSION: u32 = 4;

/// The journal's first line.
#[derive(Debug, Serialize, Deserialize)]
struct IndexHeader {
    version: u32,
}

/// The index as read from the journal: the last entry of each folder, and how many entry lines
/// held them (to know when compaction pays).
#[derive(Debug, Default)]
struct Index {
    entries: BTreeMap<String, IndexEntry>,
    lines: usize,
}

/// A folder of runs (`runs/` by default), optionally backed by a read-only store of published
/// runs (`published/`, committed with the code) that lookups fall back to but `run` never
/// reuses: a fresh clone computes its runs and is told whether they equal the published ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunStore {
    root: PathBuf,
    published: Option<PathBuf>,
}

/// A run's metrics against those of the same run ID in the published store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedComparison {
    /// The published run's folder.
    pub folder: PathBuf,
    /// Metric keys in either run.
    pub n_metrics: usize,
    /// Keys whose values are not bit-for-bit equal (or that one run lacks).
    pub n_differ: usize,
}

/// What the index keeps about one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexEntry {
    /// Folder name under the store root.
    pub folder: String,
    /// Full run ID.
    pub run_id: String,
    /// Experiment name.
    pub name: String,
    /// Finish time (RFC 3339).
    pub finished: String,
    /// Manifest status.
    pub status: String,
    /// The run's [`headline_metrics`].
    pub headline: BTreeMap<String, f64>,
    /// Its `spec.json`, compact (one string, not a map: at 10,000 runs a map of every
    /// parameter makes each listing allocate a million strings); see [`IndexEntry::params`].
    #[serde(default)]
    pub spec: String,
    /// Its tags (`[meta] tags`, `vlogmood tag`).
    #[serde(default)]
    pub tags: Vec<String>,
}

impl IndexEntry {
    /// The spec as `path → value` (`seed`, `study[0].k`, `features.scale`), for listing and
    /// filtering by parameter; empty when the spec is missing or unreadable.
    #[must_use]
    pub fn params(&self) -> BTreeMap<String, String> {
        spec_params(&self.spec)
    }
}

/// A `spec.json` text as `path → value` in `--set` notation (empty when it is not JSON).
#[must_use]
pub fn spec_params(spec_json: &str) -> BTreeMap<String, String> {
    serde_json::from_str(spec_json).map(|spec| flatten_params(&spec)).unwrap_or_default()
}

/// An exclusive lock on one run ID, released on drop.
#[derive(Debug)]
pub struct RunLock {
    _lock: FileLock,
}

impl RunStore {
    /// A store rooted at `root` (created on first write).
    #[must_use]
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into(), published: None }
    }

    /// This store with `root` as its published store: [`Self::find`] looks there when a run is
    /// not in this store, and [`Self::published_twin`] finds a run's published counterpart.
    #[must_use]
    pub fn with_published(self, root: impl Into<PathBuf>) -> Self {
        Self { published: Some(root.into()), ..self }
    }

    /// The published store, if any.
    #[must_use]
    pub fn published(&self) -> Option<RunStore> {
        self.published.as_ref().map(RunStore::new)
    }

    /// The complete published folder of the run in `folder` (same run ID), if there is one.
    #[must_use]
    pub fn published_twin(&self, folder: &Path) -> Option<PathBuf> {
        let manifest = read_manifest(folder).ok()?;
        self.published()?.complete_folder(&manifest.name, &manifest.run_id).ok().flatten()
    }

    /// The metrics of the run in `folder` against its published twin's, if it has one.
    pub fn compare_with_published(&self, folder: &Path) -> Result<Option<PublishedComparison>, RunsError> {
        let Some(published) = self.published_twin(folder) else { return Ok(None) };
        let ours = read_metrics(folder)?;
        let theirs = read_metrics(&published)?;
        let same = |a: f64, b: f64| a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan());
        let keys: std::collections::BTreeSet<&String> = ours.keys().chain(theirs.keys()).collect();
        let n_differ = keys
            .iter()
            .filter(|key| !matches!((ours.get(**key), theirs.get(**key)), (Some(a), Some(b)) if same(*a, *b)))
            .count();
        Ok(Some(PublishedComparison { folder: published, n_metrics: keys.len(), n_differ }))
    }

    /// The store root.
    #[must_use]
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where runs being written live.
    #[must_use]
    pub fn partial_dir(&self) -> PathBuf {
        self.root.join(".partial")
    }

    /// Where the study parts of run `run_id` are stored while a cluster computes them
    /// (`.parts/<run_id>/`), removed once the run is complete.
    #[must_use]
    pub fn parts_dir(&self, run_id: &str) -> PathBuf {
        self.parts_root().join(run_id)
    }

    /// The folder of every run's study parts.
    #[must_use]
    pub fn parts_root(&self) -> PathBuf {
        self.root.join(".parts")
    }

    /// Folder name of a run: `<name>-<first 12 hex digits>`.
    #[must_use]
    pub fn folder_name(name: &str, run_id: &str) -> String {
        format!("{name}-{}", &run_id[..12.min(run_id.len())])
    }

    /// The complete folder of a run ID: `<name>-<id12>` or one of its `--force` re-runs
    /// (`-r2`, `-r3` ...), the first that is complete and has every file its manifest lists.
    ///
    /// None when no folder of the ID exists. When folders exist but none is complete, the
    /// base folder is reported ([`RunsError::Incomplete`]) rather than computed beside again
    /// and again.
    pub fn complete_folder(&self, name: &str, run_id: &str) -> Result<Option<PathBuf>, RunsError> {
        let base = Self::folder_name(name, run_id);
        let mut first_damaged: Option<(PathBuf, String)> = None;
        for n in 1.. {
            let folder = if n == 1 { self.root.join(&base) } else { self.root.join(format!("{base}-r{n}")) };
            if !folder.exists() {
                if n == 1 {
                    continue; // a re-run may remain after the first folder was removed
                }
                break;
            }
            match completeness(&folder, Some(run_id)) {
                Ok(()) => return Ok(Some(folder)),
                Err(reason) => {
                    first_damaged.get_or_insert((folder, reason));
                }
            }
        }
        match first_damaged {
            None => Ok(None),
            Some((folder, reason)) => Err(RunsError::Incomplete { folder, reason }),
        }
    }

    /// A folder name for a new run of `run_id` that does not exist yet.
    #[must_use]
    pub fn fresh_folder(&self, name: &str, run_id: &str) -> PathBuf {
        let base = Self::folder_name(name, run_id);
        let mut candidate = self.root.join(&base);
        let mut n = 2;
        while candidate.exists() {
            candidate = self.root.join(format!("{base}-r{n}"));
            n += 1;
        }
        candidate
    }

    /// Takes the lock of `run_id`, waiting for another process that holds it.
    /// `on_wait` is called once if the lock is busy. The lock file is removed on release.
    pub fn lock(&self, run_id: &str, on_wait: impl FnOnce()) -> Result<RunLock, RunsError> {
        let path = self.locks_dir().join(format!("{run_id}.lock"));
        FileLock::acquire(&path, on_wait).map(|lock| RunLock { _lock: lock }).map_err(|e| RunsError::io(&path, e))
    }

    /// Where lock files live.
    #[must_use]
    pub fn locks_dir(&self) -> PathBuf {
        self.root.join(".locks")
    }

    /// Every complete run, from the index (refreshed against the folders), sorted by folder.
    pub fn list(&self) -> Result<Vec<IndexEntry>, RunsError> {
        let Index { entries: mut index, lines } = self.read_index();
        let folders = self.complete_folders()?;
        let on_disk: std::collections::HashSet<&String> = folders.iter().collect();
        let before = index.len();
        index.retain(|folder, _| on_disk.contains(folder));
        let mut changed = index.len() != before;
        for folder in &folders {
            if !index.contains_key(folder) {
                if let Ok(entry) = entry_of(&self.root.join(folder)) {
                    index.insert(folder.clone(), entry);
                    changed = true;
                }
            }
        }
        if changed || lines > 2 * index.len() + 16 {
            // Best effort, and only while no one else writes it (a `tag` or a finishing run):
            // a read-only checkout still lists its runs, and a busy index is refreshed next time.
            if let Ok(_guard) = self.lock("index", || {}) {
                let mut current = self.read_index().entries;
                for (folder, entry) in &index {
                    current.entry(folder.clone()).or_insert_with(|| entry.clone());
                }
                current.retain(|folder, _| on_disk.contains(folder));
                let _ = self.write_index(&current);
            }
        }
        Ok(index.into_values().collect())
    }

    /// Adds or replaces the index entry of a run folder: one line appended to the journal (or a
    /// new journal holding it, when there is none of this version; [`Self::list`] then adds the
    /// other folders).
    pub fn record(&self, folder: &Path) -> Result<(), RunsError> {
        let entry = entry_of(folder)?;
        let _guard = self.lock("index", || {})?;
        let path = self.root.join(INDEX_FILE);
        if self.journal_version() != Some(INDEX_VERSION) {
            return self.write_index(&BTreeMap::from([(entry.folder.clone(), entry)]));
        }
        let line = serde_json::to_string(&entry).map_err(|e| RunsError::io(&path, e))?;
        append_line(&path, &line).map_err(|e| RunsError::io(&path, e))
    }

    /// Whether run `run_id` is complete in this store (not only among the published runs).
    #[must_use]
    pub fn is_complete(&self, run_id: &str) -> bool {
        self.find(run_id)
            .is_ok_and(|folder| folder.starts_with(self.root()) && completeness(&folder, Some(run_id)).is_ok())
    }

    /// The folder of the run named by a folder name or a unique prefix of its run ID, in this
    /// store or else in the published one.
    pub fn find(&self, query: &str) -> Result<PathBuf, RunsError> {
        match self.find_here(query) {
            Err(RunsError::NotFound { .. }) if self.published.is_some() => {
                self.published().expect("published store").find_here(query)
            }
            found => found,
        }
    }

    /// A folder name is checked directly and an ID prefix against the folder names (one
    /// directory listing: a run's folder name ends with the first 12 digits of its ID), so a
    /// lookup neither parses the index nor opens every folder; the index, refreshed, is only
    /// asked when the names find nothing (a folder renamed by hand).
    fn find_here(&self, query: &str) -> Result<PathBuf, RunsError> {
        let direct = Path::new(query);
        if direct.join("manifest.json").is_file() {
            return Ok(direct.to_path_buf());
        }
        let query_name = direct.file_name().and_then(|n| n.to_str()).unwrap_or(query);
        if !query_name.starts_with('.') && self.root.join(query_name).join("manifest.json").is_file() {
            return Ok(self.root.join(query_name));
        }
        let prefix = query.to_ascii_lowercase();
        if prefix.is_empty() || !prefix.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(RunsError::NotFound { query: query.into() });
        }
        let by_name = self.folders_of_id_prefix(&prefix)?;
        let matches: Vec<String> = if by_name.is_empty() {
            let runs = self.list()?;
            runs.into_iter().filter(|e| e.run_id.starts_with(&prefix)).map(|e| e.folder).collect()
        } else {
            by_name
        };
        match matches.as_slice() {
            [] => Err(RunsError::NotFound { query: query.into() }),
            [one] => Ok(self.root.join(one)),
            many => Err(RunsError::Ambiguous { query: query.into(), matches: many.to_vec() }),
        }
    }

    /// Complete run folders (sorted) whose name's ID part (`<name>-<id12>` or
    /// `<name>-<id12>-r<n>`) starts with `prefix`; for a prefix longer than 12 digits, those
    /// whose manifest's run ID starts with it.
    fn folders_of_id_prefix(&self, prefix: &str) -> Result<Vec<String>, RunsError> {
        let short = &prefix[..prefix.len().min(12)];
        let mut found: Vec<String> = self
            .folder_names()?
            .into_iter()
            .filter(|name| id12_of_folder(name).is_some_and(|id12| id12.starts_with(short)))
            .filter(|name| self.root.join(name).join("manifest.json").is_file())
            .collect();
        if prefix.len() > 12 {
            found.retain(|name| read_manifest(&self.root.join(name)).is_ok_and(|m| m.run_id.starts_with(prefix)));
        }
        found.sort();
        Ok(found)
    }

    /// Names of the entries of the store root (not hidden ones); none when it does not exist.
    fn folder_names(&self) -> Result<Vec<String>, RunsError> {
        let entries = match std::fs::read_dir(&self.root) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(RunsError::io(&self.root, e)),
        };
        Ok(entries
            .filter_map(Result::ok)
            .filter_map(|e| e.file_name().to_str().map(str::to_string))
            .filter(|name| !name.starts_with('.'))
            .collect())
    }

    fn complete_folders(&self) -> Result<Vec<String>, RunsError> {
        let mut folders: Vec<String> = self
            .folder_names()?
            .into_iter()
            .filter(|name| self.root.join(name).join("manifest.json").is_file())
            .collect();
        folders.sort();
        Ok(folders)
    }

    /// The version in the journal's header line, if it has one.
    fn journal_version(&self) -> Option<u32> {
        let file = std::fs::File::open(self.root.join(INDEX_FILE)).ok()?;
        let mut header = String::new();
        std::io::BufReader::new(file).read_line(&mut header).ok()?;
        serde_json::from_str::<IndexHeader>(&header).ok().map(|h| h.version)
    }

    /// The index, or nothing when it is missing, unreadable or of another version (then
    /// [`Self::list`] rebuilds it from the folders). A line that does not parse (an append cut
    /// short by a crash) is skipped: its folder is found again by the scan.
    fn read_index(&self) -> Index {
        let Ok(text) = std::fs::read_to_string(self.root.join(INDEX_FILE)) else { return Index::default() };
        let mut lines = text.lines();
        let header = lines.next().and_then(|line| serde_json::from_str::<IndexHeader>(line).ok());
        if header.is_none_or(|h| h.version != INDEX_VERSION) {
            return Index::default();
        }
        let mut index = Index::default();
        for entry in lines.filter_map(|line| serde_json::from_str::<IndexEntry>(line).ok()) {
            index.lines += 1;
            index.entries.insert(entry.folder.clone(), entry);
        }
        index
    }

    /// Rewrites the journal with one line per entry.
    fn write_index(&self, index: &BTreeMap<String, IndexEntry>) -> Result<(), RunsError> {
        let path = self.root.join(INDEX_FILE);
        let mut text =
            serde_json::to_string(&IndexHeader { version: INDEX_VERSION }).map_err(|e| RunsError::io(&path, e))?;
        for entry in index.values() {
            text.push('\n');
            text.push_str(&serde_json::to_string(entry).map_err(|e| RunsError::io(&path, e))?);
        }
        text.push('\n');
        write_atomic(&path, text.as_bytes())?;
        let _ = std::fs::remove_file(self.root.join(OLD_INDEX_FILE));
        Ok(())
    }
}

/// Appends `line` to the file at `path` in one write, after a newline if the file does not end
/// with one (an append cut short), so the new line is never glued to a torn one.
fn append_line(path: &Path, line: &str) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new().read(true).append(true).open(path)?;
    let mut last = [b'\n'];
    if file.metadata()?.len() > 0 {
        file.seek(std::io::SeekFrom::End(-1))?;
        file.read_exact(&mut last)?;
    }
    let mut bytes = Vec::with_capacity(line.len() + 2);
    if last[0] != b'\n' {
        bytes.push(b'\n');
    }
    bytes.extend_from_slice(line.as_bytes());
    bytes.push(b'\n');
    file.write_all(&bytes)
}

/// The 12 ID digits in a run folder's name: `<name>-<id12>` or `<name>-<id12>-r<n>`.
fn id12_of_folder(name: &str) -> Option<&str> {
    let base = match name.rsplit_once("-r") {
        Some((base, n)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => base,
        _ => name,
    };
    let (_, id12) = base.rsplit_once('-')?;
    (id12.len() == 12 && id12.bytes().all(|b| b.is_ascii_hexdigit())).then_some(id12)
}

/// Why `folder` is not a complete run (of `run_id` when given), if it is not: a cheap check of
/// the manifest, and that every file it lists exists with its recorded size.
pub(super) fn completeness(folder: &Path, run_id: Option<&str>) -> Result<(), String> {
    if !folder.join("manifest.json").is_file() {
        return Err("manifest.json is missing".into());
    }
    let manifest = read_manifest(folder).map_err(|e| e.to_string())?;
    if manifest.status != "complete" {
        return Err(format!("its status is {:?}", manifest.status));
    }
    if run_id.is_some_and(|id| id != manifest.run_id) {
        return Err(format!("its manifest is of run {}", manifest.run_id));
    }
    let check = check_folder(folder, &manifest, false).map_err(|e| e.to_string())?;
    if check.is_intact() {
        Ok(())
    } else {
        Err(check.describe())
    }
}

/// Reads a run folder's manifest.
pub fn read_manifest(folder: &Path) -> Result<Manifest, RunsError> {
    let path = folder.join("manifest.json");
    let text = std::fs::read_to_string(&path).map_err(|e| RunsError::io(&path, e))?;
    serde_json::from_str(&text).map_err(|e| RunsError::io(&path, e))
}

/// Reads a run folder's `metrics.json`.
pub fn read_metrics(folder: &Path) -> Result<BTreeMap<String, f64>, RunsError> {
    let path = folder.join("metrics.json");
    let text = std::fs::read_to_string(&path).map_err(|e| RunsError::io(&path, e))?;
    serde_json::from_str(&text).map_err(|e| RunsError::io(&path, e))
}

/// The metrics that say how a run came out, under short display keys: the chosen k
/// (`k_sweep.kmeans.best_k`), silhouettes of single and chosen fits and of repeated ones
/// (`.silhouette`, `.best.silhouette`, `.silhouette.mean`), agreement with each label
/// (`compare.kmeans.ari[emotion]`), subsample stability (`.pairwise_ari.mean`) and the mean
/// UAR of each classifier (`classify.svm.uar`). A display key is the metric key without its
/// `@...` parameters (plus `[label]`); keys that would collide within the run (a k-sweep's
/// silhouette at each k) are left out, so each display key names one value and lines up
/// across runs whose parameters differ (a sweep's members).
#[must_use]
pub fn headline_metrics(metrics: &BTreeMap<String, f64>) -> BTreeMap<String, f64> {
    const ENDINGS: [&str; 6] = [".best_k", ".silhouette", ".silhouette.mean", ".ari", ".pairwise_ari.mean", ".uar"];
    let mut shown: BTreeMap<String, Option<f64>> = BTreeMap::new();
    for (key, &value) in metrics {
        let (base, params) = key.split_once('@').unwrap_or((key, ""));
        if !ENDINGS.iter().any(|e| base.ends_with(e)) || (base.ends_with(".uar") && !params.is_empty()) {
            continue;
        }
        let label = params.split(',').find_map(|p| p.strip_prefix("label="));
        let display = label.map_or_else(|| base.to_string(), |l| format!("{base}[{l}]"));
        // A second value under one display key makes it ambiguous: None marks it for removal.
        shown.entry(display).and_modify(|v| *v = None).or_insert(Some(value));
    }
    shown.into_iter().filter_map(|(k, v)| v.map(|v| (k, v))).collect()
}

fn entry_of(folder: &Path) -> Result<IndexEntry, RunsError> {
    let manifest = read_manifest(folder)?;
    let metrics = read_metrics(folder).unwrap_or_default();
    Ok(IndexEntry {
        folder: folder.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string(),
        run_id: manifest.run_id,
        name: manifest.name,
        finished: manifest.finished,
        status: manifest.status,
        headline: headline_metrics(&metrics),
        spec: std::fs::read_to_string(folder.join("spec.json"))
            .ok()
            .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
            .map(|spec| spec.to_string())
            .unwrap_or_default(),
        tags: super::RunMeta::read(folder).tags,
    })
}

/// A spec's JSON as `path → value` in `--set` notation: tables by `.`, lists of tables by
/// `[i]`; other lists, strings and numbers as their JSON text (strings unquoted). `name` is
/// left out (it is a column of its own).
fn flatten_params(spec: &serde_json::Value) -> BTreeMap<String, String> {
    fn walk(value: &serde_json::Value, path: String, out: &mut BTreeMap<String, String>) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, child) in map {
                    let next = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
                    walk(child, next, out);
                }
            }
            serde_json::Value::Array(items) if items.iter().all(serde_json::Value::is_object) && !items.is_empty() => {
                for (i, child) in items.iter().enumerate() {
                    walk(child, format!("{path}[{i}]"), out);
                }
            }
            serde_json::Value::String(text) => {
                out.insert(path, text.clone());
            }
            other => {
                out.insert(path, other.to_string());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(spec, String::new(), &mut out);
    out.remove("name");
    out
}

/// Writes a file through a temporary sibling and a rename.
pub(super) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), RunsError> {
    crate::atomic::write_file(path, bytes).map_err(|e| RunsError::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_id_part_of_a_folder_name_is_found_with_or_without_a_rerun_suffix() {
        assert_eq!(id12_of_folder("kmeans_grid-bc99210d8251"), Some("bc99210d8251"));
        assert_eq!(id12_of_folder("my-run-bc99210d8251-r3"), Some("bc99210d8251"));
        assert_eq!(id12_of_folder("notes"), None);
        assert_eq!(id12_of_folder("x-bc99210d825"), None, "11 digits");
    }

    #[test]
    fn runs_are_found_by_folder_name_or_id_prefix_without_the_index() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = RunStore::new(dir.path());
        for folder in ["a-0123456789ab", "b-0123ffffffff", "c-99aa00000000", "c-99aa00000000-r2", "d-77aa00000000"] {
            std::fs::create_dir_all(dir.path().join(folder)).expect("mkdir");
            if folder != "d-77aa00000000" {
                std::fs::write(dir.path().join(folder).join("manifest.json"), "{}").expect("manifest");
            }
        }
        assert_eq!(store.find("a-0123456789ab").expect("by name"), dir.path().join("a-0123456789ab"));
        assert_eq!(store.find("01234").expect("by prefix"), dir.path().join("a-0123456789ab"));
        assert_eq!(store.find("0123FF").expect("any case"), dir.path().join("b-0123ffffffff"));
        assert!(matches!(store.find("0123"), Err(RunsError::Ambiguous { matches, .. }) if matches.len() == 2));
        assert!(matches!(store.find("99aa"), Err(RunsError::Ambiguous { .. })), "a re-run is another folder");
        assert!(matches!(store.find("77aa"), Err(RunsError::NotFound { .. })), "an incomplete folder is no run");
        assert!(matches!(store.find("zz"), Err(RunsError::NotFound { .. })));
        assert!(!dir.path().join(INDEX_FILE).exists(), "the index was not needed");
    }
}

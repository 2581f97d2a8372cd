//! Finding a corpus's input files: every media file under a root, by extension, sorted by its
//! relative path, with everything left out counted by reason or listed as a failure.

use std::path::{Path, PathBuf};

use super::{CorpusError, CorpusFile, Failure};
use crate::audio::{is_media_file, MEDIA_EXTENSIONS};

/// The media files found under a root, sorted by relative path, and what was left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scan {
    /// The root that was scanned (a folder, or a single file).
    pub root: PathBuf,
    /// Media files, sorted by `relative_path`.
    pub files: Vec<CorpusFile>,
    /// Entries that are not inputs, counted by reason.
    pub skipped: Skipped,
    /// Media files (or folders) that exist but cannot be inputs: a name that cannot be written
    /// unambiguously into `files.txt`, or a folder that cannot be read. Each is a failure of
    /// the batch, sorted by file.
    pub failures: Vec<Failure>,
}

/// Entries of a scan that are not inputs, by reason: nothing is left out silently.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Skipped {
    /// Regular files whose extension is not a media one (`labels.csv`, notes ...).
    pub not_media: usize,
    /// Symbolic links whose target does not exist.
    pub broken_symlinks: usize,
    /// Symbolic links to a folder that contains them (not entered).
    pub symlink_loops: usize,
    /// Sockets, pipes and devices.
    pub special_files: usize,
}

impl Skipped {
    /// Total entries skipped.
    #[must_use]
    pub fn total(&self) -> usize {
        self.not_media + self.broken_symlinks + self.symlink_loops + self.special_files
    }

    /// Adds another scan's counts (several sources of one batch).
    pub fn add(&mut self, other: &Skipped) {
        self.not_media += other.not_media;
        self.broken_symlinks += other.broken_symlinks;
        self.symlink_loops += other.symlink_loops;
        self.special_files += other.special_files;
    }

    /// `"3 non-media files, 1 broken symlink"`, or `"nothing"`.
    #[must_use]
    pub fn describe(&self) -> String {
        let parts: Vec<String> = [
            (self.not_media, "non-media file"),
            (self.broken_symlinks, "broken symlink"),
            (self.symlink_loops, "symlink loop"),
            (self.special_files, "special file"),
        ]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}{}", if *n == 1 { "" } else { "s" }))
        .collect();
        if parts.is_empty() {
            "nothing".into()
        } else {
            parts.join(", ")
        }
    }
}

/// Lists the media files under `root` (a folder, scanned recursively, or one file).
///
/// Symbolic links are followed, to files and to folders (a link back to an ancestor is counted
/// as a loop and not entered). Folders named in `exclude` (e.g. an output folder inside the
/// input) are not entered. Only an unreadable `root` is an error; everything below it is an
/// input, a counted skip or a listed failure.
pub fn scan(root: &Path, exclude: &[PathBuf]) -> Result<Scan, CorpusError> {
    let unreadable = |reason: String| CorpusError::Unreadable { path: root.to_path_buf(), reason };
    let metadata = std::fs::metadata(root).map_err(|e| unreadable(e.to_string()))?;
    let mut out = Scan { root: root.to_path_buf(), files: Vec::new(), skipped: Skipped::default(), failures: vec![] };
    if metadata.is_file() {
        let name = root.file_name().map_or(root, Path::new);
        if is_media_file(root) {
            out.add_media_file(root, name);
        } else {
            out.skipped.not_media += 1;
        }
        return Ok(out);
    }
    let excluded: Vec<PathBuf> = exclude.iter().filter_map(|p| p.canonicalize().ok()).collect();
    let walker = walkdir::WalkDir::new(root).follow_links(true).into_iter().filter_entry(|entry| {
        !(entry.file_type().is_dir() && entry.path().canonicalize().is_ok_and(|c| excluded.contains(&c)))
    });
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) if e.loop_ancestor().is_some() => {
                out.skipped.symlink_loops += 1;
                continue;
            }
            Err(e) => {
                let path = e.path().unwrap_or(root).to_path_buf();
                let dangling = std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink())
                    && std::fs::metadata(&path).is_err();
                if dangling {
                    out.skipped.broken_symlinks += 1;
                } else {
                    let reason = e.io_error().map_or_else(|| e.to_string(), ToString::to_string);
                    let shown = display_path(&path);
                    out.failures.push(Failure { reason: format!("{shown}: cannot read: {reason}"), file: shown });
                }
                continue;
            }
        };
        let kind = entry.file_type();
        if kind.is_dir() {
            continue;
        }
        if !kind.is_file() {
            out.skipped.special_files += 1;
            continue;
        }
        if !is_media_file(entry.path()) {
            out.skipped.not_media += 1;
            continue;
        }
        let relative = entry.path().strip_prefix(root).unwrap_or(entry.path());
        out.add_media_file(entry.path(), relative);
    }
    out.files.sort_by(|a, b| a.relative_path.cmp(&b.relative_path));
    out.failures.sort_by(|a, b| a.file.cmp(&b.file));
    Ok(out)
}

impl Scan {
    /// Adds a media file as an input, or as a failure when its relative path cannot be an
    /// unambiguous row name.
    fn add_media_file(&mut self, path: &Path, relative: &Path) {
        match row_name(relative) {
            Ok(relative_path) => self.files.push(CorpusFile { relative_path, path: path.to_path_buf() }),
            Err(why) => {
                let shown = display_path(path);
                self.failures.push(Failure { reason: format!("{shown}: {why}; rename the file"), file: shown });
            }
        }
    }

    /// Why a scan that found nothing to process is not a batch at all (None when it found
    /// something, inputs or failures).
    #[must_use]
    pub fn nothing_found(&self) -> Option<String> {
        (self.files.is_empty() && self.failures.is_empty())
            .then(|| no_media_message(&self.root.display().to_string(), &self.skipped))
    }
}

/// What to tell a user whose folder(s) `roots` hold no media file at all.
#[must_use]
pub fn no_media_message(roots: &str, skipped: &Skipped) -> String {
    format!(
        "{roots} has no media files (files are read by extension, any case: {}); skipped {}",
        MEDIA_EXTENSIONS.join(", "),
        skipped.describe()
    )
}

/// The row name of a file: its relative path with `/` separators, when that is unambiguous.
///
/// Every output lists files one per line (`files.txt`) or in CSV fields, and the fingerprint
/// separates names with tabs and newlines. A name that is not UTF-8 (it would be shown lossily,
/// so two names could look the same) or holds a control character (a newline would split a
/// line and shift every later row) is refused, and reported under its escaped name.
fn row_name(relative: &Path) -> Result<String, &'static str> {
    let mut parts = Vec::new();
    for component in relative.components() {
        let part = component.as_os_str().to_str().ok_or("the file name is not valid UTF-8")?;
        if part.chars().any(char::is_control) {
            return Err("the file name contains a control character (newline, tab ...)");
        }
        parts.push(part);
    }
    Ok(parts.join("/"))
}

/// A path for messages and `failures.csv`, unambiguous whatever its bytes: control characters
/// and bytes that are not UTF-8 are escaped (`\n`, `\xe9`) and a backslash is doubled, so two
/// different paths never display the same. Ordinary paths display unchanged.
#[must_use]
pub fn display_path(path: &Path) -> String {
    let bytes = path_bytes(path);
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                c if c.is_control() => out.extend(c.escape_default()),
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

#[cfg(unix)]
fn path_bytes(path: &Path) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    path.as_os_str().as_bytes().to_vec()
}

#[cfg(not(unix))]
fn path_bytes(path: &Path) -> Vec<u8> {
    path.to_string_lossy().into_owned().into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(dir: &Path, name: &str) {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, b"x").expect("write");
    }

    #[test]
    fn scan_is_recursive_sorted_and_counts_ignored_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        for name in ["b.wav", "a/z.MP4", "a/b.flac", "notes.txt", "labels.csv"] {
            touch(dir.path(), name);
        }
        let scan = scan(dir.path(), &[]).expect("scan");
        let names: Vec<&str> = scan.files.iter().map(|f| f.relative_path.as_str()).collect();
        assert_eq!(names, ["a/b.flac", "a/z.MP4", "b.wav"]);
        assert_eq!(scan.skipped.not_media, 2);
        assert_eq!(scan.skipped.describe(), "2 non-media files");
    }

    #[test]
    fn scan_skips_excluded_folders() {
        let dir = tempfile::tempdir().expect("tempdir");
        touch(dir.path(), "out/x.wav");
        touch(dir.path(), "y.wav");
        let scan = scan(dir.path(), &[dir.path().join("out")]).expect("scan");
        assert_eq!(scan.files.len(), 1);
    }

    #[test]
    fn missing_root_is_an_error() {
        assert!(matches!(scan(Path::new("/no/such/corpus"), &[]), Err(CorpusError::Unreadable { .. })));
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_to_files_are_inputs_and_broken_ones_and_loops_are_counted() {
        let dir = tempfile::tempdir().expect("tempdir");
        touch(dir.path(), "real/a.wav");
        let corpus = dir.path().join("corpus");
        std::fs::create_dir_all(corpus.join("sub")).expect("mkdir");
        std::os::unix::fs::symlink(dir.path().join("real/a.wav"), corpus.join("link.wav")).expect("link");
        std::os::unix::fs::symlink(dir.path().join("real/gone.wav"), corpus.join("broken.wav")).expect("link");
        std::os::unix::fs::symlink(&corpus, corpus.join("sub/loop")).expect("link");
        let scan = scan(&corpus, &[]).expect("scan");
        let names: Vec<&str> = scan.files.iter().map(|f| f.relative_path.as_str()).collect();
        assert_eq!(names, ["link.wav"]);
        assert_eq!((scan.skipped.broken_symlinks, scan.skipped.symlink_loops), (1, 1));
        assert!(scan.failures.is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn names_that_would_break_row_alignment_are_failures_shown_escaped() {
        use std::os::unix::ffi::OsStrExt;
        let dir = tempfile::tempdir().expect("tempdir");
        touch(dir.path(), "ok.wav");
        touch(dir.path(), "two\nlines.wav");
        for byte in [0xe9u8, 0xe8] {
            let name = [b"lat".as_slice(), &[byte], b".wav"].concat();
            std::fs::write(dir.path().join(std::ffi::OsStr::from_bytes(&name)), b"x").expect("write");
        }
        let scan = scan(dir.path(), &[]).expect("scan");
        assert_eq!(scan.files.len(), 1);
        let shown: Vec<&str> = scan.failures.iter().map(|f| f.file.rsplit('/').next().expect("name")).collect();
        assert_eq!(shown, ["lat\\xe8.wav", "lat\\xe9.wav", "two\\nlines.wav"]);
        assert!(scan.failures.iter().all(|f| f.reason.contains("rename the file")));
    }

    #[test]
    fn display_path_is_unambiguous() {
        assert_eq!(display_path(Path::new("a/b c.wav")), "a/b c.wav");
        assert_eq!(display_path(Path::new("a\\nb.wav")), "a\\\\nb.wav");
        assert_ne!(display_path(Path::new("a\\nb.wav")), display_path(Path::new("a\nb.wav")));
    }

    #[test]
    fn an_empty_folder_says_what_is_read() {
        let dir = tempfile::tempdir().expect("tempdir");
        touch(dir.path(), "notes.txt");
        let message = scan(dir.path(), &[]).expect("scan").nothing_found().expect("nothing");
        assert!(message.contains("has no media files") && message.contains("mp4, mov"), "{message}");
        assert!(message.contains("1 non-media file"), "{message}");
    }
}

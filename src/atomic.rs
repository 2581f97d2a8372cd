//! How every stage writes to disk so that nothing is lost: atomic files and folders, locks,
//! and the leftovers of killed processes.
//!
//! Ingested WAVs, cache entries, feature folders and run folders are all written the same way:
//! into a temporary sibling named after the writing process ([`ProcessTag`]), then renamed into
//! place, so a crash or kill never leaves an output that looks complete. Temporaries are created
//! with mode 0666 (files) or 0777 (folders) *before* the umask, like any file `open(2)` creates,
//! so a shared machine's users see each other's runs when their umask allows it (tempfile's
//! default of 0600 did not).
//!
//! A killed process leaves its temporaries behind. Their names carry the writer's PID and host,
//! so the next process on the same host can tell a dead writer's leftovers ([`ProcessTag::is_dead`]) from a
//! live one's and remove them; `vlogmood gc` does the same on request. This module sits left of
//! every stage and uses none of them.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

/// The writer of a temporary file or folder: its PID and host, as written into its name
/// (`<pid>@<host>`), so another process can decide whether the writer is still alive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessTag {
    /// Process ID of the writer.
    pub pid: u32,
    /// Host name of the writer (a shared file system may be written from several hosts).
    pub host: String,
}

impl ProcessTag {
    /// The tag of this process.
    #[must_use]
    pub fn current() -> Self {
        Self { pid: std::process::id(), host: hostname() }
    }

    /// Finds a tag in a temporary's name: the first `<digits>@<host>` followed by `-` or `.`
    /// (host names hold letters, digits, `-` and `.`; the tag ends at the name's next `-`).
    #[must_use]
    pub fn parse_from(name: &str) -> Option<Self> {
        let at = name.find('@')?;
        let digits_start = name[..at].rfind(|c: char| !c.is_ascii_digit()).map_or(0, |i| i + 1);
        let pid = name[digits_start..at].parse().ok()?;
        let rest = &name[at + 1..];
        let host_end = rest.find('~').unwrap_or(rest.len());
        let host = &rest[..host_end];
        (!host.is_empty()).then(|| Self { pid, host: host.to_string() })
    }

    /// `<pid>@<host>~`: the piece every temporary name embeds (`~` closes the host name,
    /// which may itself contain `-` and `.`).
    #[must_use]
    pub fn name_part(&self) -> String {
        format!("{}@{}~", self.pid, self.host)
    }

    /// Whether this writer is known to be dead: it ran on this host and its PID no longer
    /// exists. A writer on another host, or on a system without `/proc`, is never called dead.
    #[must_use]
    pub fn is_dead(&self) -> bool {
        self.host == hostname()
            && Path::new("/proc/self").exists()
            && !Path::new(&format!("/proc/{}", self.pid)).exists()
    }
}

/// This machine's host name (`/proc/sys/kernel/hostname`, else `HOSTNAME`, else `localhost`),
/// restricted to letters, digits, `-` and `.` so it is safe inside a file name.
#[must_use]
pub fn hostname() -> String {
    let raw = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_default();
    let clean: String = raw.trim().chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '.').collect();
    if clean.is_empty() {
        "localhost".into()
    } else {
        clean
    }
}

/// A temporary file beside `path`, named `.<name>-<pid>@<host>~<random>.partial`, created with
/// mode 0666 before the umask (tempfile's own default is 0600).
fn temp_file_beside(path: &Path) -> io::Result<tempfile::NamedTempFile> {
    with_temp_builder(path, 0o666, |builder, folder| builder.tempfile_in(folder))
}

/// Runs `make` with a tempfile builder set up for a temporary beside `path` (name, suffix,
/// `mode` before the umask) and the folder to create it in (created first).
fn with_temp_builder<T>(
    path: &Path,
    mode: u32,
    make: impl FnOnce(&tempfile::Builder<'_, '_>, &Path) -> io::Result<T>,
) -> io::Result<T> {
    let folder = parent_of(path);
    std::fs::create_dir_all(folder)?;
    let prefix = temp_prefix(path);
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".partial");
    set_mode(&mut builder, mode);
    make(&builder, folder)
}

/// `.<name>-<pid>@<host>~`: the start of every temporary's name made for `path`.
fn temp_prefix(path: &Path) -> String {
    let name = path.file_name().map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    format!(".{name}-{}", ProcessTag::current().name_part())
}

/// Asks for `mode` before the umask, as `open(2)` and `mkdir(2)` do for any new file.
#[cfg(unix)]
fn set_mode(builder: &mut tempfile::Builder<'_, '_>, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    builder.permissions(std::fs::Permissions::from_mode(mode));
}

#[cfg(not(unix))]
fn set_mode(_builder: &mut tempfile::Builder<'_, '_>, _mode: u32) {}

fn parent_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Writes `bytes` to `path` atomically: readers see the old file or the whole new one.
pub fn write_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_file_with(path, |file| io::Write::write_all(file, bytes))
}

/// Writes `path` atomically with `write`, which fills the temporary file; it is renamed into
/// place only if `write` succeeds (otherwise the temporary is removed). This guards against the
/// process failing or being killed, not against power loss (no fsync: a cache or run store
/// of thousands of small files would pay for it on every write).
pub fn write_file_with(path: &Path, write: impl FnOnce(&mut File) -> io::Result<()>) -> io::Result<()> {
    let mut temp = temp_file_beside(path)?;
    write(temp.as_file_mut())?;
    temp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// A new, empty temporary folder beside `path`, named `.<name>-<pid>@<host>~<random>.partial`,
/// to be filled and then moved into place with [`replace_folder`]. It is *not* removed on drop:
/// the caller removes it on failure (a kill leaves it for [`remove_stale_in`]).
pub fn temp_folder_beside(path: &Path) -> io::Result<PathBuf> {
    with_temp_builder(path, 0o777, |builder, folder| Ok(builder.tempdir_in(folder)?.keep()))
}

/// Moves the finished folder `from` to `to`, replacing a folder already there: the old one is
/// first renamed aside, then `from` renamed into place, then the old one removed. At every
/// instant `to` is either the old complete folder or the new complete one (or, between the two
/// renames, absent, never mixed).
pub fn replace_folder(from: &Path, to: &Path) -> io::Result<()> {
    if to.exists() {
        let aside = temp_folder_beside(to)?;
        std::fs::remove_dir(&aside)?;
        std::fs::rename(to, &aside)?;
        if let Err(e) = std::fs::rename(from, to) {
            // Put the old folder back: nothing is lost.
            let _ = std::fs::rename(&aside, to);
            return Err(e);
        }
        std::fs::remove_dir_all(&aside)
    } else {
        std::fs::rename(from, to)
    }
}

/// A temporary or lock left in a folder by a dead process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leftover {
    /// The file or folder.
    pub path: PathBuf,
    /// The dead writer.
    pub writer: ProcessTag,
}

/// The stale temporaries directly inside `folder` (their writers are dead; see [`ProcessTag::is_dead`]).
#[must_use]
pub fn stale_in(folder: &Path) -> Vec<Leftover> {
    let Ok(entries) = std::fs::read_dir(folder) else { return Vec::new() };
    let mut found: Vec<Leftover> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            let writer = ProcessTag::parse_from(&name).filter(ProcessTag::is_dead)?;
            (name.ends_with(".partial") || name.contains('~')).then(|| Leftover { path: entry.path(), writer })
        })
        .collect();
    found.sort_by(|a, b| a.path.cmp(&b.path));
    found
}

/// Removes the stale temporaries directly inside `folder` and returns what was removed.
pub fn remove_stale_in(folder: &Path) -> Vec<Leftover> {
    let found = stale_in(folder);
    for leftover in &found {
        let _ = remove_path(&leftover.path);
    }
    found
}

/// Removes a file or a folder with everything in it.
pub fn remove_path(path: &Path) -> io::Result<()> {
    if std::fs::symlink_metadata(path)?.is_dir() {
        std::fs::remove_dir_all(path)
    } else {
        std::fs::remove_file(path)
    }
}

/// `path` made absolute with every symbolic link resolved, even when its last components do
/// not exist yet (they are appended to the resolved longest existing prefix). Two paths name
/// the same file or folder exactly when their resolved forms are equal.
pub fn resolve_path(path: &Path) -> io::Result<PathBuf> {
    let absolute = if path.is_absolute() { path.to_path_buf() } else { std::env::current_dir()?.join(path) };
    let mut existing = absolute.as_path();
    let mut rest = Vec::new();
    loop {
        match existing.canonicalize() {
            Ok(resolved) => {
                let mut out = resolved;
                for part in rest.iter().rev() {
                    match part {
                        std::path::Component::ParentDir => {
                            out.pop();
                        }
                        std::path::Component::CurDir => {}
                        other => out.push(other.as_os_str()),
                    }
                }
                return Ok(out);
            }
            Err(e) => {
                let (Some(parent), Some(last)) = (existing.parent(), existing.components().next_back()) else {
                    return Err(e);
                };
                rest.push(last);
                existing = parent;
            }
        }
    }
}

/// Whether `inner` is `outer` or lies inside it (both resolved with [`resolve_path`]).
#[must_use]
pub fn is_within(inner: &Path, outer: &Path) -> bool {
    inner.starts_with(outer)
}

/// An exclusive lock held through a lock file, released (and the file removed) on drop.
///
/// Removing a lock file on release is what keeps `.locks/` from filling up, and it is safe:
/// a process that opened the file before it was removed finds, once it holds the lock, that the
/// path no longer names the file it locked, and starts over with a fresh file.
#[derive(Debug)]
pub struct FileLock {
    file: File,
    path: PathBuf,
}

impl FileLock {
    /// Takes the lock at `path`, waiting while another process holds it; `on_wait` is called
    /// once if it has to wait.
    pub fn acquire(path: &Path, on_wait: impl FnOnce()) -> io::Result<Self> {
        std::fs::create_dir_all(parent_of(path))?;
        let mut on_wait = Some(on_wait);
        loop {
            let file = File::options().create(true).truncate(false).write(true).open(path)?;
            match file.try_lock() {
                Ok(()) => {}
                Err(std::fs::TryLockError::WouldBlock) => {
                    if let Some(f) = on_wait.take() {
                        f();
                    }
                    file.lock()?;
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(e),
            }
            if names_same_file(path, &file) {
                return Ok(Self { file, path: path.to_path_buf() });
            }
            // The previous holder removed the file as it released it; lock the current one.
        }
    }

    /// Takes the lock at `path` only if it is free right now.
    pub fn try_acquire(path: &Path) -> io::Result<Option<Self>> {
        let file = match File::options().write(true).open(path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        match file.try_lock() {
            Ok(()) if names_same_file(path, &file) => Ok(Some(Self { file, path: path.to_path_buf() })),
            Ok(()) | Err(std::fs::TryLockError::WouldBlock) => Ok(None),
            Err(std::fs::TryLockError::Error(e)) => Err(e),
        }
    }
}

/// Whether nobody holds the lock at `path` right now (a missing file is free). Unlike
/// [`FileLock::try_acquire`] this leaves the file in place.
pub fn lock_is_free(path: &Path) -> io::Result<bool> {
    let file = match File::options().write(true).open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(true),
        Err(e) => return Err(e),
    };
    match file.try_lock() {
        Ok(()) => {
            file.unlock()?;
            Ok(true)
        }
        Err(std::fs::TryLockError::WouldBlock) => Ok(false),
        Err(std::fs::TryLockError::Error(e)) => Err(e),
    }
}

impl Drop for FileLock {
    fn drop(&mut self) {
        // Removed while still held, so no one can lock this file and keep using it afterwards.
        let _ = std::fs::remove_file(&self.path);
        let _ = self.file.unlock();
    }
}

#[cfg(unix)]
fn names_same_file(path: &Path, file: &File) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(path), file.metadata()) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn names_same_file(path: &Path, _file: &File) -> bool {
    path.exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_round_trip_through_names() {
        let tag = ProcessTag { pid: 4321, host: "node-07.cluster".into() };
        let name = format!(".clip.wav-{}abc123.partial", tag.name_part());
        assert_eq!(ProcessTag::parse_from(&name), Some(tag.clone()));
        let folder = format!("{}-{}", "ab".repeat(32), tag.name_part());
        assert_eq!(ProcessTag::parse_from(&folder), Some(tag));
        assert_eq!(ProcessTag::parse_from("clip.wav"), None);
    }

    #[test]
    fn this_process_is_alive_and_a_vanished_pid_is_dead() {
        assert!(!ProcessTag::current().is_dead());
        let dead = ProcessTag { pid: u32::MAX - 1, ..ProcessTag::current() };
        assert!(dead.is_dead());
        let elsewhere = ProcessTag { pid: u32::MAX - 1, host: "some-other-host".into() };
        assert!(!elsewhere.is_dead());
    }

    #[cfg(unix)]
    #[test]
    fn written_files_follow_the_umask_not_0600() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("a.json");
        write_file(&path, b"{}").expect("write");
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
        // Whatever the test runner's umask, group/other read is only removed by the umask;
        // tempfile's default would give exactly 0600.
        assert_eq!(std::fs::read(&path).expect("read"), b"{}");
        assert!(mode & 0o600 == 0o600);
        let folder = temp_folder_beside(&dir.path().join("out")).expect("folder");
        assert!(folder.is_dir());
    }

    #[test]
    fn a_failed_write_leaves_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("x.bin");
        let err = write_file_with(&path, |_| Err(io::Error::other("disk full"))).expect_err("fails");
        assert_eq!(err.to_string(), "disk full");
        assert!(std::fs::read_dir(dir.path()).expect("ls").next().is_none());
    }

    #[test]
    fn replace_folder_swaps_whole_folders() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("out");
        std::fs::create_dir_all(out.join("logmel")).expect("mkdir");
        std::fs::write(out.join("logmel/9.npy"), b"old").expect("write");
        let new = temp_folder_beside(&out).expect("temp");
        std::fs::write(new.join("files.txt"), b"a\n").expect("write");
        replace_folder(&new, &out).expect("replace");
        assert!(!out.join("logmel/9.npy").exists());
        assert_eq!(std::fs::read(out.join("files.txt")).expect("read"), b"a\n");
        assert_eq!(std::fs::read_dir(dir.path()).expect("ls").count(), 1);
    }

    #[test]
    fn stale_temporaries_of_dead_writers_are_found_and_live_ones_kept() {
        let dir = tempfile::tempdir().expect("tempdir");
        let dead = ProcessTag { pid: u32::MAX - 1, ..ProcessTag::current() };
        let stale = dir.path().join(format!(".clip.wav-{}x1.partial", dead.name_part()));
        let live = dir.path().join(format!(".clip.wav-{}x2.partial", ProcessTag::current().name_part()));
        std::fs::write(&stale, b"").expect("write");
        std::fs::write(&live, b"").expect("write");
        std::fs::write(dir.path().join("clip.wav"), b"").expect("write");
        let removed = remove_stale_in(dir.path());
        assert_eq!(removed.len(), 1);
        assert_eq!(removed[0].path, stale);
        assert!(live.exists() && !stale.exists());
    }

    #[cfg(unix)]
    #[test]
    fn resolved_paths_see_through_links_and_missing_tails() {
        let dir = tempfile::tempdir().expect("tempdir");
        let real = dir.path().join("real");
        std::fs::create_dir_all(&real).expect("mkdir");
        std::os::unix::fs::symlink(&real, dir.path().join("link")).expect("link");
        let via_link = resolve_path(&dir.path().join("link/./new/../clip.wav")).expect("resolve");
        assert_eq!(via_link, resolve_path(&real.join("clip.wav")).expect("resolve"));
        assert!(is_within(&via_link, &resolve_path(&real).expect("resolve")));
        assert!(!is_within(&resolve_path(dir.path()).expect("resolve"), &via_link));
    }

    #[test]
    fn a_lock_excludes_others_and_removes_its_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("locks/run.lock");
        let held = FileLock::acquire(&path, || panic!("free lock")).expect("lock");
        assert!(FileLock::try_acquire(&path).expect("try").is_none());
        drop(held);
        assert!(!path.exists());
        let again = FileLock::acquire(&path, || panic!("free again")).expect("relock");
        drop(again);
    }
}

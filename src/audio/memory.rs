//! A per-file memory budget, so that one long recording fails alone instead of taking the batch
//! down.
//!
//! Without it, a file too long for the machine ends the whole process: an aborting allocation
//! failure in Rust, or a segfault inside libsoxr, with nothing recorded. With it, each file's
//! peak need is estimated from its declared length before decoding (and re-checked as the
//! signal grows, for files whose length is unknown or understated) and compared with the
//! budget; a file over it becomes a per-file [`AudioError`](super::AudioError).
//!
//! The default budget is what this process can still use, shared among the worker threads that
//! may each hold one file: the smaller of `MemAvailable` (`/proc/meminfo`) and the room left
//! under the address-space limit (`/proc/self/limits` "Max address space" minus the current
//! `VmSize`), divided by the number of workers. [`BUDGET_ENV`] overrides it.
//!
//! A long recording's signal and spills go to temporary files in `TMPDIR`; where that is a
//! RAM-backed file system (tmpfs, as on many clusters and in containers, where Slurm may also
//! count it against the job's memory), those files cost memory, and the budget's
//! [`temp_files_in_memory`](MemoryBudget::temp_files_in_memory) makes the estimate count them.

use std::fmt;
use std::path::Path;

/// Environment variable that sets the per-file budget in bytes, overriding the default
/// (e.g. `VLOGMOOD_MEMORY_BUDGET_BYTES=2000000000`). For machines whose `/proc` misleads
/// (containers with cgroup limits) and for tests.
pub const BUDGET_ENV: &str = "VLOGMOOD_MEMORY_BUDGET_BYTES";

/// How many bytes one file may use at its peak, and where that number came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemoryBudget {
    /// Bytes one file may use at its peak.
    pub per_file_bytes: u64,
    /// How the number was found, for error messages ("MemAvailable 21.9 GB / 2 threads").
    pub origin: String,
    /// Whether temporary files live in memory (`TMPDIR` on a tmpfs), so that the signal and
    /// spills a long recording moves to them count against the budget.
    pub temp_files_in_memory: bool,
}

impl MemoryBudget {
    /// No budget: only allocation failures stop a file.
    #[must_use]
    pub fn unlimited() -> Self {
        Self::fixed(u64::MAX, "unlimited")
    }

    /// `per_file_bytes` a file, for the reason `origin`, with temporary files on disk.
    #[must_use]
    pub fn fixed(per_file_bytes: u64, origin: &str) -> Self {
        Self { per_file_bytes, origin: origin.into(), temp_files_in_memory: false }
    }

    /// The default budget for `n_workers` files in flight at once (see the module doc),
    /// or [`BUDGET_ENV`] when set to a whole number of bytes; either way temporary files
    /// count when `TMPDIR` is in memory.
    #[must_use]
    pub fn from_system(n_workers: usize) -> Self {
        let budget = if let Some(bytes) = std::env::var(BUDGET_ENV).ok().and_then(|v| v.trim().parse::<u64>().ok()) {
            Self::fixed(bytes, &format!("set by {BUDGET_ENV}"))
        } else {
            let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
            let limits = std::fs::read_to_string("/proc/self/limits").unwrap_or_default();
            let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
            Self::from_proc(&meminfo, &limits, &status, n_workers)
        };
        let temp_dir = std::env::temp_dir();
        match memory_file_system(&temp_dir) {
            Some(fs) => budget.with_temp_files_in_memory(&format!("TMPDIR {} is a {fs}", temp_dir.display())),
            None => budget,
        }
    }

    /// This budget with temporary files counted as memory, for `reason` (added to the origin).
    #[must_use]
    pub fn with_temp_files_in_memory(self, reason: &str) -> Self {
        let origin = format!("{}; temporary files count too: {reason}", self.origin);
        Self { origin, temp_files_in_memory: true, ..self }
    }

    /// [`from_system`](Self::from_system) on the given contents of `/proc/meminfo`,
    /// `/proc/self/limits` and `/proc/self/status`; unreadable parts impose no limit.
    #[must_use]
    pub fn from_proc(meminfo: &str, limits: &str, status: &str, n_workers: usize) -> Self {
        let n_workers = n_workers.max(1) as u64;
        let available = kib_field(meminfo, "MemAvailable:");
        let address_room = address_space_limit(limits).map(|limit| {
            let used = kib_field(status, "VmSize:").unwrap_or(0);
            (limit.saturating_sub(used), limit)
        });
        let (total, what) = match (available, address_room) {
            (Some(a), Some((room, limit))) if room < a => {
                (room, format!("{} left under the address-space limit of {}", Bytes(room), Bytes(limit)))
            }
            (Some(a), _) => (a, format!("MemAvailable {}", Bytes(a))),
            (None, Some((room, limit))) => {
                (room, format!("{} left under the address-space limit of {}", Bytes(room), Bytes(limit)))
            }
            (None, None) => return Self::unlimited(),
        };
        let origin = if n_workers == 1 { what } else { format!("{what}, shared by {n_workers} threads") };
        Self::fixed(total / n_workers, &origin)
    }
}

/// The name of the RAM-backed file system `dir` is on ("tmpfs", "ramfs"), or None for any
/// other (or when it cannot be told).
#[must_use]
pub fn memory_file_system(dir: &Path) -> Option<&'static str> {
    #[cfg(target_os = "linux")]
    {
        /// `f_type` of tmpfs and ramfs (`linux/magic.h`): 32-bit values in a `long`, which
        /// is 32 bits wide on 32-bit targets (ramfs's is then negative), so compared as u32.
        const TMPFS_MAGIC: u32 = 0x0102_1994;
        const RAMFS_MAGIC: u32 = 0x8584_58f6;
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let f_type = rustix::fs::statfs(dir).ok()?.f_type as u32;
        match f_type {
            TMPFS_MAGIC => Some("tmpfs"),
            RAMFS_MAGIC => Some("ramfs"),
            _ => None,
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = dir;
        None
    }
}

/// A `"Name:   123 kB"` line of `/proc/meminfo` or `/proc/self/status`, in bytes.
fn kib_field(text: &str, name: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with(name))?;
    let kib: u64 = line[name.len()..].split_whitespace().next()?.parse().ok()?;
    Some(kib.saturating_mul(1024))
}

/// The soft "Max address space" of `/proc/self/limits`, in bytes; None when unlimited.
fn address_space_limit(limits: &str) -> Option<u64> {
    let line = limits.lines().find(|l| l.starts_with("Max address space"))?;
    line["Max address space".len()..].split_whitespace().next()?.parse().ok()
}

/// A byte count for people: "950 MB", "1.2 GB", "2.0 TB" (powers of 1000).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bytes(pub u64);

impl fmt::Display for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.0 as f64;
        match self.0 {
            0..=999 => write!(f, "{} B", self.0),
            1_000..=999_999 => write!(f, "{:.0} kB", b / 1e3),
            1_000_000..=999_999_999 => write!(f, "{:.0} MB", b / 1e6),
            1_000_000_000..=999_999_999_999 => write!(f, "{:.1} GB", b / 1e9),
            _ => write!(f, "{:.1} TB", b / 1e12),
        }
    }
}

/// A length of audio for people: "2 h 0 min", "59 min 59 s", "4.2 s".
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Duration(pub f64);

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0;
        if !s.is_finite() || s >= 3600.0 * 24.0 * 365.0 * 1000.0 {
            return write!(f, "{s:.3e} s");
        }
        if s < 60.0 {
            return write!(f, "{s:.1} s");
        }
        let whole = s.floor() as u64;
        if whole < 3600 {
            write!(f, "{} min {} s", whole / 60, whole % 60)
        } else {
            write!(f, "{} h {} min", whole / 3600, (whole % 3600) / 60)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MEMINFO: &str = "MemTotal:       24000000 kB\nMemAvailable:   20000000 kB\n";
    const STATUS: &str = "Name:\tvlogmood\nVmSize:\t  100000 kB\n";

    fn limits(soft: &str) -> String {
        format!(
            "Limit                     Soft Limit           Hard Limit           Units     \n\
             Max address space         {soft:<20} unlimited            bytes     \n"
        )
    }

    #[test]
    fn mem_available_is_shared_among_workers() {
        let b = MemoryBudget::from_proc(MEMINFO, &limits("unlimited"), STATUS, 2);
        assert_eq!(b.per_file_bytes, 20_000_000 * 1024 / 2);
        assert!(b.origin.contains("MemAvailable") && b.origin.contains("2 threads"), "{}", b.origin);
    }

    #[test]
    fn address_space_limit_counts_what_is_already_mapped() {
        let b = MemoryBudget::from_proc(MEMINFO, &limits("1536000000"), STATUS, 1);
        assert_eq!(b.per_file_bytes, 1_536_000_000 - 100_000 * 1024);
        assert!(b.origin.contains("address-space limit of 1.5 GB"), "{}", b.origin);
    }

    #[test]
    fn nothing_readable_means_unlimited() {
        assert_eq!(MemoryBudget::from_proc("", "", "", 4), MemoryBudget::unlimited());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_tmpfs_is_told_from_other_file_systems() {
        // The kernel's own list of mounts says whether /dev/shm is a tmpfs here.
        let mounts = std::fs::read_to_string("/proc/mounts").unwrap_or_default();
        let shm_is_tmpfs = mounts.lines().any(|l| l.split_whitespace().skip(1).take(2).eq(["/dev/shm", "tmpfs"]));
        assert_eq!(memory_file_system(Path::new("/dev/shm")), shm_is_tmpfs.then_some("tmpfs"));
        assert_eq!(memory_file_system(Path::new("/proc")), None);
        assert_eq!(memory_file_system(Path::new("/no/such/folder")), None);
    }

    #[test]
    fn temp_files_in_memory_are_named_in_the_origin() {
        let b = MemoryBudget::fixed(1000, "set by X").with_temp_files_in_memory("TMPDIR /t is a tmpfs");
        assert!(b.temp_files_in_memory);
        assert_eq!(b.origin, "set by X; temporary files count too: TMPDIR /t is a tmpfs");
    }

    #[test]
    fn sizes_and_durations_read_well() {
        assert_eq!(Bytes(1_234_000_000).to_string(), "1.2 GB");
        assert_eq!(Bytes(950_000_000).to_string(), "950 MB");
        assert_eq!(Duration(7200.0).to_string(), "2 h 0 min");
        assert_eq!(Duration(3599.0).to_string(), "59 min 59 s");
        assert_eq!(Duration(4.25).to_string(), "4.2 s");
    }
}

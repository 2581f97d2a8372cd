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

use std::fmt;

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
}

impl MemoryBudget {
    /// No budget: only allocation failures stop a file.
    #[must_use]
    pub fn unlimited() -> Self {
        Self { per_file_bytes: u64::MAX, origin: "unlimited".into() }
    }

    /// The default budget for `n_workers` files in flight at once (see the module doc),
    /// or [`BUDGET_ENV`] when set to a whole number of bytes.
    #[must_use]
    pub fn from_system(n_workers: usize) -> Self {
        if let Some(bytes) = std::env::var(BUDGET_ENV).ok().and_then(|v| v.trim().parse::<u64>().ok()) {
            return Self { per_file_bytes: bytes, origin: format!("set by {BUDGET_ENV}") };
        }
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let limits = std::fs::read_to_string("/proc/self/limits").unwrap_or_default();
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        Self::from_proc(&meminfo, &limits, &status, n_workers)
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
        Self { per_file_bytes: total / n_workers, origin }
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

    #[test]
    fn sizes_and_durations_read_well() {
        assert_eq!(Bytes(1_234_000_000).to_string(), "1.2 GB");
        assert_eq!(Bytes(950_000_000).to_string(), "950 MB");
        assert_eq!(Duration(7200.0).to_string(), "2 h 0 min");
        assert_eq!(Duration(3599.0).to_string(), "59 min 59 s");
        assert_eq!(Duration(4.25).to_string(), "4.2 s");
    }
}

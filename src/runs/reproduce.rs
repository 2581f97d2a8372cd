//! `reproduce`: re-execute a run from its stored spec and diff every metric.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::spec::{ExperimentSpec, RunId, PIPELINE_VERSION};

use super::execute::{data_fingerprint, execute, ExecuteOptions, PreparedRun, Progress};
use super::manifest::{check_folder, Manifest};
use super::store::{read_manifest, read_metrics, RunStore};
use super::RunsError;

/// One metric that differs between the stored run and the re-execution.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricDiff {
    /// Metric key.
    pub key: String,
    /// Value in the stored run (None when missing there).
    pub stored: Option<f64>,
    /// Value now (None when missing now).
    pub reproduced: Option<f64>,
}

impl MetricDiff {
    /// Absolute difference (infinite when one side is missing).
    #[must_use]
    pub fn abs(&self) -> f64 {
        match (self.stored, self.reproduced) {
            (Some(a), Some(b)) => (a - b).abs(),
            _ => f64::INFINITY,
        }
    }

    /// Relative difference, `|a − b| / max(|a|, |b|)` (0 when both are 0).
    #[must_use]
    pub fn rel(&self) -> f64 {
        match (self.stored, self.reproduced) {
            (Some(a), Some(b)) if a == b => 0.0,
            (Some(a), Some(b)) => (a - b).abs() / a.abs().max(b.abs()),
            _ => f64::INFINITY,
        }
    }
}

/// The outcome of a reproduction.
#[derive(Debug, Clone, PartialEq)]
pub struct ReproduceReport {
    /// The run folder that was reproduced.
    pub folder: PathBuf,
    /// Metrics compared.
    pub n_metrics: usize,
    /// Metrics outside the tolerance, sorted by key.
    pub differences: Vec<MetricDiff>,
    /// Largest absolute difference over all metrics (within tolerance or not).
    pub max_abs: f64,
    /// Largest relative difference over all metrics.
    pub max_rel: f64,
    /// `PIPELINE_VERSION` of the build that made the stored run (metrics may legitimately
    /// differ when it is not this build's).
    pub stored_pipeline_version: String,
    /// Whether every file of the folder was checked against the manifest's checksums (false
    /// for folders made before the manifest listed them).
    pub artefacts_verified: bool,
}

/// Re-executes the run `query` names (folder or ID prefix) and compares every metric, exactly
/// when `tolerance` is 0, else within that relative difference.
///
/// Before any work the folder is checked: every file against the manifest's checksums, and the
/// stored spec against the run ID; a mismatch is [`RunsError::Tampered`]. A changed dataset is
/// [`RunsError::DatasetChanged`].
pub fn reproduce(
    store: &RunStore,
    query: &str,
    tolerance: f64,
    options: &ExecuteOptions,
    progress: &dyn Progress,
) -> Result<ReproduceReport, RunsError> {
    let folder = store.find(query)?;
    let manifest = read_manifest(&folder)?;
    let artefacts_verified = verify_folder(&folder, &manifest)?;
    let stored_metrics = read_metrics(&folder)?;
    let spec_path = folder.join("spec.json");
    let spec_text = std::fs::read_to_string(&spec_path).map_err(|e| RunsError::io(&spec_path, e))?;
    let stored: serde_json::Value = serde_json::from_str(&spec_text).map_err(|e| RunsError::io(&spec_path, e))?;
    // The stored spec must be the one the run ID was computed from (under the pipeline version
    // that made it): otherwise the folder was edited, or names a run it is not. It is hashed
    // as stored, so a run whose spec had an older shape is checked against its own ID.
    let hashed = ExperimentSpec::hashed_json_of(stored);
    let fingerprint =
        data_fingerprint(&manifest.dataset.fingerprint, manifest.test_dataset.as_ref().map(|d| d.fingerprint.as_str()));
    let stored_id = RunId::compute_for_pipeline(&hashed, &fingerprint, &manifest.pipeline_version);
    if stored_id.0 != manifest.run_id {
        return Err(RunsError::Tampered {
            folder,
            reason: format!(
                "spec.json and the dataset fingerprint hash to run {}, but the manifest says {}",
                stored_id.short(),
                RunId(manifest.run_id.clone()).short()
            ),
        });
    }
    let spec = ExperimentSpec::from_stored_json(&spec_text).map_err(|e| RunsError::io(&spec_path, e))?;
    let prepared = PreparedRun::prepare(spec, options.hash_index().as_ref())?;
    if let (Some(then), Some(now)) = (&manifest.test_dataset, &prepared.test_dataset) {
        if then.fingerprint != now.fingerprint {
            return Err(RunsError::DatasetChanged {
                root: then.root.clone(),
                then: then.fingerprint.clone(),
                now: now.fingerprint.clone(),
            });
        }
    }
    if prepared.dataset.fingerprint != manifest.dataset.fingerprint {
        return Err(RunsError::DatasetChanged {
            root: manifest.dataset.root,
            then: manifest.dataset.fingerprint,
            now: prepared.dataset.fingerprint,
        });
    }
    let scratch = tempfile::tempdir().map_err(|e| RunsError::io(&std::env::temp_dir(), e))?;
    execute(&prepared, scratch.path(), options, progress)?;
    let reproduced = read_metrics(scratch.path())?;
    let mut report = compare_metrics(folder, &stored_metrics, &reproduced, tolerance);
    report.stored_pipeline_version = manifest.pipeline_version;
    report.artefacts_verified = artefacts_verified;
    Ok(report)
}

/// Checks every file of a run folder against the manifest's checksum list; false when the
/// folder predates the list (schema 1) and so cannot be checked.
fn verify_folder(folder: &Path, manifest: &Manifest) -> Result<bool, RunsError> {
    if manifest.files.is_empty() {
        return Ok(false);
    }
    let check = check_folder(folder, manifest, true).map_err(|e| RunsError::io(folder, e))?;
    if check.is_intact() {
        Ok(true)
    } else {
        Err(RunsError::Tampered { folder: folder.to_path_buf(), reason: check.describe() })
    }
}

fn compare_metrics(
    folder: PathBuf,
    stored: &BTreeMap<String, f64>,
    reproduced: &BTreeMap<String, f64>,
    tolerance: f64,
) -> ReproduceReport {
    let keys: std::collections::BTreeSet<&String> = stored.keys().chain(reproduced.keys()).collect();
    let mut differences = Vec::new();
    let (mut max_abs, mut max_rel) = (0.0f64, 0.0f64);
    for key in &keys {
        let diff = MetricDiff {
            key: (*key).clone(),
            stored: stored.get(*key).copied(),
            reproduced: reproduced.get(*key).copied(),
        };
        max_abs = max_abs.max(diff.abs());
        max_rel = max_rel.max(diff.rel());
        let same = if tolerance == 0.0 { diff.stored == diff.reproduced } else { diff.rel() <= tolerance };
        if !same {
            differences.push(diff);
        }
    }
    ReproduceReport {
        folder,
        n_metrics: keys.len(),
        differences,
        max_abs,
        max_rel,
        stored_pipeline_version: PIPELINE_VERSION.into(),
        artefacts_verified: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, f64)]) -> BTreeMap<String, f64> {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    #[test]
    fn identical_metrics_have_no_differences() {
        let m = map(&[("a", 1.0), ("b", 0.5)]);
        let r = compare_metrics(PathBuf::new(), &m, &m, 0.0);
        assert!(r.differences.is_empty());
        assert_eq!((r.n_metrics, r.max_abs, r.max_rel), (2, 0.0, 0.0));
    }

    #[test]
    fn exact_comparison_flags_any_change_and_tolerance_relaxes_it() {
        let a = map(&[("a", 1.0), ("b", 0.5)]);
        let b = map(&[("a", 1.0 + 1e-12), ("b", 0.5)]);
        assert_eq!(compare_metrics(PathBuf::new(), &a, &b, 0.0).differences.len(), 1);
        assert!(compare_metrics(PathBuf::new(), &a, &b, 1e-9).differences.is_empty());
    }

    #[test]
    fn a_missing_metric_always_differs() {
        let a = map(&[("a", 1.0)]);
        let b = map(&[("a", 1.0), ("new", 2.0)]);
        let r = compare_metrics(PathBuf::new(), &a, &b, 0.5);
        assert_eq!(r.differences.len(), 1);
        assert_eq!(r.differences[0].key, "new");
        assert!(r.max_abs.is_infinite());
    }
}

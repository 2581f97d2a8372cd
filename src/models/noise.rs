//! Labellings with noise (`None`, scikit-learn's −1): what DBSCAN and OPTICS return.

/// Clusters in a labelling numbered `0..k` (noise is not a cluster).
#[must_use]
pub fn count_clusters(labels: &[Option<usize>]) -> usize {
    labels.iter().flatten().max().map_or(0, |&m| m + 1)
}

/// Share of the rows that are noise (0 for no rows).
#[must_use]
pub fn noise_fraction(labels: &[Option<usize>]) -> f64 {
    if labels.is_empty() {
        return 0.0;
    }
    labels.iter().filter(|l| l.is_none()).count() as f64 / labels.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noise_is_neither_a_cluster_nor_counted_as_one() {
        let labels = [Some(0), None, Some(2), None];
        assert_eq!(count_clusters(&labels), 3);
        assert_eq!(noise_fraction(&labels), 0.5);
        assert_eq!((count_clusters(&[None]), noise_fraction(&[])), (0, 0.0));
    }
}

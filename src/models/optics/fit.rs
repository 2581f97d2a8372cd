//! The OPTICS ordering and its cluster extraction, line for line as scikit-learn 1.9.

use ndarray::ArrayView2;

use super::params::{OpticsExtraction, OpticsParams};
use crate::models::ModelError;

/// A fitted OPTICS clustering.
#[derive(Debug, Clone, PartialEq)]
pub struct OpticsModel {
    labels: Vec<Option<usize>>,
    n_clusters: usize,
    ordering: Vec<usize>,
    reachability: Vec<f64>,
    core_distances: Vec<f64>,
    predecessor: Vec<Option<usize>>,
    cluster_hierarchy: Vec<(usize, usize)>,
}

impl OpticsParams {
    /// Orders and clusters the rows of `x` (`(n_rows, n_features)`). Deterministic.
    pub fn fit(&self, x: ArrayView2<f64>) -> Result<OpticsModel, ModelError> {
        self.validate()?;
        crate::models::input::check_finite_rows(x)?;
        let n = x.nrows();
        if self.min_samples > n {
            return Err(ModelError::TooFewRows { n_clusters: self.min_samples, n_rows: n });
        }
        let max_eps = self.max_eps.unwrap_or(f64::INFINITY);
        let distances: Vec<Vec<f64>> = (0..n)
            .map(|i| {
                (0..n)
                    .map(|j| x.row(i).iter().zip(x.row(j)).map(|(a, b)| (a - b) * (a - b)).sum::<f64>().sqrt())
                    .collect()
            })
            .collect();
        // Core distance: distance to the min_samples-th nearest row, the row itself included.
        let core_distances: Vec<f64> = distances
            .iter()
            .map(|row| {
                let mut sorted = row.clone();
                sorted.sort_by(f64::total_cmp);
                let core = sorted[self.min_samples - 1];
                around15(if core > max_eps { f64::INFINITY } else { core })
            })
            .collect();
        let mut reachability = vec![f64::INFINITY; n];
        let mut predecessor: Vec<Option<usize>> = vec![None; n];
        let mut processed = vec![false; n];
        let mut ordering = Vec::with_capacity(n);
        for _ in 0..n {
            // The unprocessed row of least reachability, the first one on ties (np.argmin).
            let point = (0..n)
                .filter(|&i| !processed[i])
                .fold(None, |best: Option<usize>, i| match best {
                    Some(b) if reachability[b] <= reachability[i] => Some(b),
                    _ => Some(i),
                })
                .expect("an unprocessed row remains while the ordering is incomplete");
            processed[point] = true;
            ordering.push(point);
            if core_distances[point].is_finite() {
                for other in 0..n {
                    let d = distances[point][other];
                    if processed[other] || d > max_eps {
                        continue;
                    }
                    let reach = around15(d.max(core_distances[point]));
                    if reach < reachability[other] {
                        reachability[other] = reach;
                        predecessor[other] = Some(point);
                    }
                }
            }
        }
        let (labels, cluster_hierarchy) = match self.cluster_method {
            OpticsExtraction::Xi { xi, predecessor_correction, min_cluster_size } => {
                let min_cluster_size = min_cluster_size.unwrap_or(self.min_samples);
                if min_cluster_size > n {
                    return Err(ModelError::TooFewRows { n_clusters: min_cluster_size, n_rows: n });
                }
                let plot: Vec<f64> = ordering.iter().map(|&i| reachability[i]).collect();
                let predecessors: Vec<Option<usize>> = ordering.iter().map(|&i| predecessor[i]).collect();
                let clusters = xi_clusters(
                    &plot,
                    &predecessors,
                    &ordering,
                    xi,
                    self.min_samples,
                    min_cluster_size,
                    predecessor_correction,
                );
                (xi_labels(&ordering, &clusters), clusters)
            }
            OpticsExtraction::Dbscan { eps } => {
                (dbscan_labels(&reachability, &core_distances, &ordering, eps), Vec::new())
            }
        };
        let n_clusters = crate::models::count_clusters(&labels);
        Ok(OpticsModel { labels, n_clusters, ordering, reachability, core_distances, predecessor, cluster_hierarchy })
    }
}

/// `np.around(x, decimals=15)`: scale, round half to even, unscale — the same three float
/// operations, so ties between reachabilities fall as they do in scikit-learn.
fn around15(x: f64) -> f64 {
    (x * 1e15).round_ties_even() / 1e15
}

/// `_xi_cluster`: the (start, end) positions in the ordering of every ξ-cluster, inner before
/// outer as scikit-learn lists them.
fn xi_clusters(
    plot: &[f64],
    predecessors: &[Option<usize>],
    ordering: &[usize],
    xi: f64,
    min_samples: usize,
    min_cluster_size: usize,
    predecessor_correction: bool,
) -> Vec<(usize, usize)> {
    let mut r = plot.to_vec();
    r.push(f64::INFINITY);
    let xi_complement = 1.0 - xi;
    // ratio = r[:-1] / r[1:]; inf / inf is NaN, and every comparison with NaN is false.
    let ratio: Vec<f64> = (0..plot.len()).map(|i| r[i] / r[i + 1]).collect();
    let steep_upward: Vec<bool> = ratio.iter().map(|&q| q <= xi_complement).collect();
    let steep_downward: Vec<bool> = ratio.iter().map(|&q| q >= 1.0 / xi_complement).collect();
    let downward: Vec<bool> = ratio.iter().map(|&q| q > 1.0).collect();
    let upward: Vec<bool> = ratio.iter().map(|&q| q < 1.0).collect();

    struct SteepDown {
        start: usize,
        end: usize,
        mib: f64,
    }
    let mut sdas: Vec<SteepDown> = Vec::new();
    let mut clusters = Vec::new();
    let mut index = 0usize;
    let mut mib = 0.0f64;
    let update_filter = |sdas: Vec<SteepDown>, mib: f64, r: &[f64]| -> Vec<SteepDown> {
        if mib.is_infinite() {
            return Vec::new();
        }
        sdas.into_iter()
            .filter(|sda| mib <= r[sda.start] * xi_complement)
            .map(|sda| SteepDown { mib: sda.mib.max(mib), ..sda })
            .collect()
    };
    for steep_index in (0..plot.len()).filter(|&i| steep_upward[i] || steep_downward[i]) {
        if steep_index < index {
            continue;
        }
        mib = mib.max(r[index..=steep_index].iter().copied().fold(f64::NEG_INFINITY, f64::max));
        if steep_downward[steep_index] {
            sdas = update_filter(sdas, mib, &r);
            let end = extend_region(&steep_downward, &upward, steep_index, min_samples);
            sdas.push(SteepDown { start: steep_index, end, mib: 0.0 });
            index = end + 1;
            mib = r[index];
        } else {
            sdas = update_filter(sdas, mib, &r);
            let u_start = steep_index;
            let u_end = extend_region(&steep_upward, &downward, u_start, min_samples);
            index = u_end + 1;
            mib = r[index];
            let mut u_clusters = Vec::new();
            for d in &sdas {
                let mut c_start = d.start;
                let mut c_end = u_end;
                if r[c_end + 1] * xi_complement < d.mib {
                    continue;
                }
                let d_max = r[d.start];
                if d_max * xi_complement >= r[c_end + 1] {
                    while r[c_start + 1] > r[c_end + 1] && c_start < d.end {
                        c_start += 1;
                    }
                } else if r[c_end + 1] * xi_complement >= d_max {
                    while r[c_end - 1] > d_max && c_end > u_start {
                        c_end -= 1;
                    }
                }
                if predecessor_correction {
                    match correct_predecessor(&r, predecessors, ordering, c_start, c_end) {
                        Some((s, e)) => (c_start, c_end) = (s, e),
                        None => continue,
                    }
                }
                if c_end + 1 - c_start < min_cluster_size || c_start > d.end || c_end < u_start {
                    continue;
                }
                u_clusters.push((c_start, c_end));
            }
            u_clusters.reverse();
            clusters.extend(u_clusters);
        }
    }
    clusters
}

/// `_extend_region`: the end of a steep area starting at `start`, allowing at most
/// `min_samples` consecutive non-steep, non-`xward` points inside it.
fn extend_region(steep: &[bool], xward: &[bool], start: usize, min_samples: usize) -> usize {
    let (mut non_xward, mut end) = (0usize, start);
    for index in start..steep.len() {
        if steep[index] {
            non_xward = 0;
            end = index;
        } else if !xward[index] {
            non_xward += 1;
            if non_xward > min_samples {
                break;
            }
        } else {
            return end;
        }
    }
    end
}

/// `_correct_predecessor`: shrink the end of a cluster until its last point's predecessor lies
/// inside it (or the start is higher than the end); None when nothing is left.
fn correct_predecessor(
    r: &[f64],
    predecessors: &[Option<usize>],
    ordering: &[usize],
    s: usize,
    mut e: usize,
) -> Option<(usize, usize)> {
    while s < e {
        if r[s] > r[e] {
            return Some((s, e));
        }
        let p_e = predecessors[e];
        if (s..e).any(|i| p_e == Some(ordering[i])) {
            return Some((s, e));
        }
        e -= 1;
    }
    None
}

/// `_extract_xi_labels`: clusters that do not overlap an already labelled one get the next
/// label, positions mapped back to rows.
fn xi_labels(ordering: &[usize], clusters: &[(usize, usize)]) -> Vec<Option<usize>> {
    let mut by_position: Vec<Option<usize>> = vec![None; ordering.len()];
    let mut label = 0;
    for &(start, end) in clusters {
        if by_position[start..=end].iter().all(Option::is_none) {
            by_position[start..=end].fill(Some(label));
            label += 1;
        }
    }
    let mut labels = vec![None; ordering.len()];
    for (position, &row) in ordering.iter().enumerate() {
        labels[row] = by_position[position];
    }
    labels
}

/// `cluster_optics_dbscan`: a new cluster at every core point that is far from its
/// predecessors; far points that are not core are noise.
fn dbscan_labels(reachability: &[f64], core_distances: &[f64], ordering: &[usize], eps: f64) -> Vec<Option<usize>> {
    let mut labels = vec![None; reachability.len()];
    let mut count: i64 = 0;
    for &row in ordering {
        let far = reachability[row] > eps;
        let near_core = core_distances[row] <= eps;
        if far && near_core {
            count += 1;
        }
        labels[row] = if far && !near_core { None } else { usize::try_from(count - 1).ok() };
    }
    labels
}

impl OpticsModel {
    /// Cluster of each row (`None` = noise, scikit-learn's −1), in row order.
    #[must_use]
    pub fn labels(&self) -> &[Option<usize>] {
        &self.labels
    }

    /// Clusters found (noise is not a cluster).
    #[must_use]
    pub fn n_clusters(&self) -> usize {
        self.n_clusters
    }

    /// Rows in the order OPTICS visited them (`ordering_`).
    #[must_use]
    pub fn ordering(&self) -> &[usize] {
        &self.ordering
    }

    /// Reachability distance of each row, in row order (`reachability_`; the first visited is ∞).
    #[must_use]
    pub fn reachability(&self) -> &[f64] {
        &self.reachability
    }

    /// Core distance of each row (`core_distances_`; ∞ beyond `max_eps`).
    #[must_use]
    pub fn core_distances(&self) -> &[f64] {
        &self.core_distances
    }

    /// The row each row was reached from (`predecessor_`, −1 as `None`).
    #[must_use]
    pub fn predecessor(&self) -> &[Option<usize>] {
        &self.predecessor
    }

    /// The ξ clusters as (start, end) positions in [`Self::ordering`] (`cluster_hierarchy_`).
    #[must_use]
    pub fn cluster_hierarchy(&self) -> &[(usize, usize)] {
        &self.cluster_hierarchy
    }
}

#[cfg(test)]
mod tests {
    use ndarray::array;

    use super::*;

    #[test]
    fn around15_matches_numpys_half_to_even_rounding() {
        assert_eq!(around15(0.5e-15), 0.0);
        assert_eq!(around15(1.5e-15), 2e-15);
        assert_eq!(around15(f64::INFINITY), f64::INFINITY);
    }

    #[test]
    fn two_dense_groups_are_two_clusters() {
        let x = array![[0.0], [0.1], [0.2], [0.3], [10.0], [10.1], [10.2], [10.3], [50.0]];
        let params = OpticsParams {
            min_samples: 2,
            cluster_method: OpticsExtraction::Dbscan { eps: 1.0 },
            ..Default::default()
        };
        let model = params.fit(x.view()).expect("fit");
        assert_eq!(model.labels(), [Some(0), Some(0), Some(0), Some(0), Some(1), Some(1), Some(1), Some(1), None]);
        assert_eq!(model.ordering()[0], 0);
        assert!(model.reachability()[0].is_infinite());
    }

    #[test]
    fn min_samples_above_the_row_count_is_an_error() {
        let x = array![[0.0], [1.0]];
        assert!(OpticsParams::default().fit(x.view()).is_err());
    }
}

//! Fitting BIRCH: the CF tree over the rows, the global ward step over the leaf subcluster
//! centres, and labelling rows by their nearest subcluster centre.

use ndarray::{Array2, ArrayView2};
use rand_chacha::ChaCha8Rng;

use super::super::centroids::nearest_centroid;
use super::super::{AgglomerativeParams, Linkage, Merge, ModelError};
use super::tree::CfTree;
use super::BirchParams;

/// A fitted BIRCH model: the leaf subclusters of the CF tree and the global clustering of
/// their centres.
#[derive(Debug, Clone, PartialEq)]
pub struct BirchModel {
    /// Cluster of each fitted row (scikit-learn's `labels_`); empty when `compute_labels` was
    /// off. Never `None`: BIRCH labels every row.
    labels: Vec<Option<usize>>,
    /// `(n_subclusters, n_features)`: the leaf subclusters' centroids in leaf-list order
    /// (`subcluster_centers_`).
    subcluster_centers: Array2<f64>,
    /// Rows absorbed by each leaf subcluster (its CF count `N`).
    subcluster_sizes: Vec<usize>,
    /// Global cluster of each subcluster (`subcluster_labels_`).
    subcluster_labels: Vec<usize>,
    /// `(n_clusters, n_features)`: see [`BirchModel::centroids`].
    centroids: Array2<f64>,
    /// True when the global step was skipped because the tree has fewer subclusters than
    /// `n_clusters` (scikit-learn warns and keeps one cluster per subcluster).
    too_few_subclusters: bool,
}

impl BirchParams {
    /// Builds the CF tree over the rows of `x` (`(n_rows, n_features)`, inserted in row order),
    /// clusters the leaf subcluster centres globally and labels the rows.
    ///
    /// Mirrors `sklearn.cluster.Birch(threshold, branching_factor, n_clusters,
    /// compute_labels).fit(X)` (1.9.1) with an integer or `None` `n_clusters`; see the module
    /// doc for the differences. `rng` is unused (BIRCH is deterministic); it is taken so every
    /// clusterer fits with the same signature. Errors: invalid params, no rows or no columns,
    /// NaN/inf values, values whose squares overflow `f64`.
    pub fn fit(&self, x: ArrayView2<f64>, _rng: &mut ChaCha8Rng) -> Result<BirchModel, ModelError> {
        self.validate()?;
        if x.nrows() == 0 {
            return Err(ModelError::TooFewRows { n_clusters: self.n_clusters.unwrap_or(1), n_rows: 0 });
        }
        if x.ncols() == 0 {
            return Err(ModelError::InvalidParam { param: "x", rule: "must have ≥ 1 column", value: "0".into() });
        }
        if x.iter().any(|v| !v.is_finite()) {
            return Err(ModelError::NonFinite);
        }
        // The tree's merge test and distances use squared norms; one that overflows would
        // become inf − inf = NaN and silently misplace rows. Refuse it as agglomerative does.
        let max_sq_norm = x.rows().into_iter().map(|r| r.dot(&r)).fold(0.0_f64, f64::max);
        if !(4.0 * max_sq_norm).is_finite() {
            return Err(ModelError::Fit {
                model: "birch",
                reason: format!("squared row norms up to {max_sq_norm:e} overflow f64; rescale the features"),
            });
        }

        let mut tree = CfTree::new(self.threshold, self.branching_factor, x.ncols());
        for row in x.rows() {
            tree.insert_row(row);
        }
        let leaves = tree.leaf_subclusters();
        let n_sub = leaves.len();
        let mut subcluster_centers = Array2::zeros((n_sub, x.ncols()));
        for (mut out, s) in subcluster_centers.rows_mut().into_iter().zip(&leaves) {
            out.assign(&ndarray::ArrayView1::from(&s.centroid));
        }
        let subcluster_sizes: Vec<usize> = leaves.iter().map(|s| s.n_samples).collect();

        let (subcluster_labels, n_clusters, too_few_subclusters) = match self.n_clusters {
            Some(k) if k <= n_sub => {
                let ward = AgglomerativeParams { n_clusters: k, linkage: Linkage::Ward }
                    .fit(subcluster_centers.view())
                    .map_err(|e| ModelError::Fit { model: "birch", reason: format!("global step: {e}") })?;
                (sklearn_cut(&ward.dendrogram, n_sub, k), k, false)
            }
            Some(_) => ((0..n_sub).collect(), n_sub, true),
            None => ((0..n_sub).collect(), n_sub, false),
        };

        // Each global cluster's CF mean: Σ LS / Σ N over its subclusters.
        let centroids = if self.n_clusters.is_some() && !too_few_subclusters {
            let mut sums = Array2::<f64>::zeros((n_clusters, x.ncols()));
            let mut counts = vec![0usize; n_clusters];
            for (s, &c) in leaves.iter().zip(&subcluster_labels) {
                let mut sum = sums.row_mut(c);
                sum += &ndarray::ArrayView1::from(&s.linear_sum);
                counts[c] += s.n_samples;
            }
            for (mut sum, &count) in sums.rows_mut().into_iter().zip(&counts) {
                sum /= count as f64;
            }
            sums
        } else {
            subcluster_centers.clone()
        };

        let mut model = BirchModel {
            labels: Vec::new(),
            subcluster_centers,
            subcluster_sizes,
            subcluster_labels,
            centroids,
            too_few_subclusters,
        };
        if self.compute_labels {
            model.labels = model.assign(x).into_iter().map(Some).collect();
        }
        Ok(model)
    }
}

impl BirchModel {
    /// Cluster of each fitted row, `0..n_clusters` (scikit-learn's `labels_`, same numbering);
    /// empty when the params had `compute_labels = false`. Never `None`: the `Option` is the
    /// shape shared with clusterers that mark noise.
    #[must_use]
    pub fn labels(&self) -> &[Option<usize>] {
        &self.labels
    }

    /// Number of clusters: `n_clusters`, or the number of leaf subclusters when there was no
    /// global step (`n_clusters = None`, or fewer subclusters than `n_clusters`).
    #[must_use]
    pub fn n_clusters(&self) -> usize {
        self.centroids.nrows()
    }

    /// `(n_clusters, n_features)`: the mean of the rows the CF tree absorbed into each global
    /// cluster's subclusters (`Σ LS / Σ N`, exact CF arithmetic); without a global step these
    /// are the subcluster centres themselves. Note that [`BirchModel::assign`] does not use
    /// them: it goes through the subcluster centres, as scikit-learn's `predict`.
    #[must_use]
    pub fn centroids(&self) -> ArrayView2<'_, f64> {
        self.centroids.view()
    }

    /// `(n_subclusters, n_features)`: the leaf subclusters' centroids, leaf by leaf along the
    /// leaf list (scikit-learn's `subcluster_centers_`, same order).
    #[must_use]
    pub fn subcluster_centers(&self) -> ArrayView2<'_, f64> {
        self.subcluster_centers.view()
    }

    /// Rows absorbed by each leaf subcluster while the tree was built.
    #[must_use]
    pub fn subcluster_sizes(&self) -> &[usize] {
        &self.subcluster_sizes
    }

    /// Global cluster of each leaf subcluster (scikit-learn's `subcluster_labels_`).
    #[must_use]
    pub fn subcluster_labels(&self) -> &[usize] {
        &self.subcluster_labels
    }

    /// True when the tree found fewer subclusters than `n_clusters`: scikit-learn then warns
    /// "Number of subclusters found (m) by BIRCH is less than (k). Decrease the threshold." and
    /// keeps each subcluster as its own cluster, as this model does.
    #[must_use]
    pub fn too_few_subclusters(&self) -> bool {
        self.too_few_subclusters
    }

    /// The cluster of each row of `x`: its nearest subcluster centre's global cluster
    /// (scikit-learn's `predict`; squared Euclidean, ties to the first centre).
    #[must_use]
    pub fn assign(&self, x: ArrayView2<f64>) -> Vec<usize> {
        nearest_centroid(self.subcluster_centers.view(), x).into_iter().map(|s| self.subcluster_labels[s]).collect()
    }
}

/// scikit-learn's `_hc_cut(n_clusters, children, n_leaves)`: cuts the tree into `n_clusters`
/// and numbers the clusters by their node's position in the heap it builds, so labels equal
/// `AgglomerativeClustering(n_clusters).fit_predict` exactly, not only as a partition.
///
/// The heap holds negated node ids (Python's `heapq` is a min-heap); starting from the root,
/// `n_clusters − 1` times the largest node is replaced by its two children
/// (`heappush(-a)` then `heappushpop(-b)`); cluster `i` is the subtree of `heap[i]`.
fn sklearn_cut(merges: &[Merge], n_leaves: usize, n_clusters: usize) -> Vec<usize> {
    if merges.is_empty() {
        // One leaf: scikit-learn refuses to cluster a single sample (see the module doc).
        return vec![0; n_leaves];
    }
    let mut heap: Vec<i64> = vec![-((2 * n_leaves - 2) as i64)];
    for _ in 1..n_clusters {
        let node = (-heap[0]) as usize;
        let merge = merges[node - n_leaves];
        heap_push(&mut heap, -(merge.a as i64));
        heap_push_pop(&mut heap, -(merge.b as i64));
    }
    let mut labels = vec![0; n_leaves];
    for (cluster, &node) in heap.iter().enumerate() {
        let mut stack = vec![(-node) as usize];
        while let Some(n) = stack.pop() {
            if n < n_leaves {
                labels[n] = cluster;
            } else {
                let merge = merges[n - n_leaves];
                stack.push(merge.a);
                stack.push(merge.b);
            }
        }
    }
    labels
}

/// Python's `heapq.heappush`.
fn heap_push(heap: &mut Vec<i64>, item: i64) {
    heap.push(item);
    let last = heap.len() - 1;
    sift_down(heap, 0, last);
}

/// Python's `heapq.heappushpop`: push `item`, then pop the smallest (which may be `item`).
fn heap_push_pop(heap: &mut [i64], item: i64) -> i64 {
    if !heap.is_empty() && heap[0] < item {
        let smallest = heap[0];
        heap[0] = item;
        sift_up(heap, 0);
        return smallest;
    }
    item
}

/// Python's `heapq._siftdown`: moves `heap[pos]` up towards `start` while smaller than its
/// parent.
fn sift_down(heap: &mut [i64], start: usize, mut pos: usize) {
    let item = heap[pos];
    while pos > start {
        let parent = (pos - 1) >> 1;
        if item < heap[parent] {
            heap[pos] = heap[parent];
            pos = parent;
        } else {
            break;
        }
    }
    heap[pos] = item;
}

/// Python's `heapq._siftup`: walks `heap[pos]` down to a leaf along the smaller children,
/// then back up with `sift_down` (the layout this leaves differs from a textbook sift).
fn sift_up(heap: &mut [i64], mut pos: usize) {
    let end = heap.len();
    let start = pos;
    let item = heap[pos];
    let mut child = 2 * pos + 1;
    while child < end {
        let right = child + 1;
        if right < end && heap[child] >= heap[right] {
            child = right;
        }
        heap[pos] = heap[child];
        pos = child;
        child = 2 * pos + 1;
    }
    heap[pos] = item;
    sift_down(heap, start, pos);
}

#[cfg(test)]
mod tests {
    use ndarray::array;
    use rand::SeedableRng;

    use super::*;

    fn rng() -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(0)
    }

    fn blobs() -> Array2<f64> {
        array![[10.0, 10.0], [0.0, 0.0], [0.1, 0.0], [10.1, 10.0], [0.0, 0.2], [10.0, 10.3], [5.0, -9.0]]
    }

    #[test]
    fn separates_obvious_blobs() {
        let model = BirchParams::default().fit(blobs().view(), &mut rng()).expect("fit");
        let labels: Vec<usize> = model.labels().iter().map(|l| l.expect("labelled")).collect();
        assert_eq!(labels[0], labels[3]);
        assert_eq!(labels[1], labels[2]);
        assert_eq!(labels[1], labels[4]);
        assert_ne!(labels[0], labels[1]);
        assert_ne!(labels[6], labels[0]);
        assert_ne!(labels[6], labels[1]);
        assert_eq!(model.n_clusters(), 3);
        assert!(!model.too_few_subclusters());
    }

    #[test]
    fn fewer_subclusters_than_n_clusters_keeps_each_subcluster() {
        let params = BirchParams { threshold: 100.0, n_clusters: Some(3), ..BirchParams::default() };
        let model = params.fit(blobs().view(), &mut rng()).expect("fit");
        assert!(model.too_few_subclusters());
        assert_eq!(model.n_clusters(), 1);
        assert_eq!(model.subcluster_labels(), &[0]);
        assert!(model.labels().iter().all(|&l| l == Some(0)));
    }

    #[test]
    fn one_subcluster_and_one_cluster_labels_everything_zero() {
        // scikit-learn raises here (AgglomerativeClustering needs 2 samples); see the module doc.
        let params = BirchParams { threshold: 100.0, n_clusters: Some(1), ..BirchParams::default() };
        let model = params.fit(blobs().view(), &mut rng()).expect("fit");
        assert!(!model.too_few_subclusters());
        assert!(model.labels().iter().all(|&l| l == Some(0)));
    }

    #[test]
    fn without_global_step_subclusters_are_clusters() {
        let params = BirchParams { threshold: 0.01, n_clusters: None, ..BirchParams::default() };
        let model = params.fit(blobs().view(), &mut rng()).expect("fit");
        assert_eq!(model.n_clusters(), 7);
        assert_eq!(model.centroids(), model.subcluster_centers());
        assert_eq!(model.labels().iter().map(|l| l.expect("labelled")).collect::<Vec<_>>(), (0..7).collect::<Vec<_>>());
    }

    #[test]
    fn sklearn_cut_numbers_clusters_by_heap_position() {
        // 4 leaves: merges (0, 1) → 4, (2, 3) → 5, (4, 5) → 6. Cutting into 2: the heap
        // [-6] becomes [-5, -4] (push −4, pushpop −5): cluster 0 is node 5 = {2, 3}.
        let merges = [
            Merge { a: 0, b: 1, distance: 1.0, size: 2 },
            Merge { a: 2, b: 3, distance: 2.0, size: 2 },
            Merge { a: 4, b: 5, distance: 9.0, size: 4 },
        ];
        assert_eq!(sklearn_cut(&merges, 4, 2), vec![1, 1, 0, 0]);
        assert_eq!(sklearn_cut(&merges, 4, 1), vec![0, 0, 0, 0]);
        // 3 clusters: node 5 splits next; heap [-5, -4] → push −2 → [-5, -4, -2] → pushpop −3
        // pops −5 and sifts: [-4, -3, -2].
        assert_eq!(sklearn_cut(&merges, 4, 3), vec![0, 0, 2, 1]);
    }

    #[test]
    fn python_heap_operations() {
        let mut heap = vec![-9];
        heap_push(&mut heap, -4);
        assert_eq!(heap, vec![-9, -4]);
        assert_eq!(heap_push_pop(&mut heap, -7), -9);
        assert_eq!(heap, vec![-7, -4]);
        assert_eq!(heap_push_pop(&mut heap, -8), -8);
    }

    #[test]
    fn empty_input_is_rejected() {
        let x = Array2::<f64>::zeros((0, 2));
        assert!(matches!(BirchParams::default().fit(x.view(), &mut rng()), Err(ModelError::TooFewRows { .. })));
    }

    #[test]
    fn no_columns_is_rejected() {
        let x = Array2::<f64>::zeros((3, 0));
        assert!(matches!(
            BirchParams::default().fit(x.view(), &mut rng()),
            Err(ModelError::InvalidParam { param: "x", .. })
        ));
    }

    #[test]
    fn non_finite_input_is_rejected() {
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let mut x = blobs();
            x[[2, 1]] = bad;
            assert_eq!(BirchParams::default().fit(x.view(), &mut rng()), Err(ModelError::NonFinite));
        }
    }

    #[test]
    fn overflowing_norms_are_rejected() {
        let x = array![[1e200, 0.0], [0.0, 1.0]];
        assert!(matches!(BirchParams::default().fit(x.view(), &mut rng()), Err(ModelError::Fit { .. })));
    }

    #[test]
    fn invalid_params_are_rejected_before_any_work() {
        let params = BirchParams { threshold: 0.0, ..BirchParams::default() };
        assert!(matches!(
            params.fit(blobs().view(), &mut rng()),
            Err(ModelError::InvalidParam { param: "threshold", .. })
        ));
    }
}

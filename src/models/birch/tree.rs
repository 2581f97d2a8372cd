//! The CF tree: a line-by-line port of scikit-learn 1.9's `_CFNode`, `_CFSubcluster` and
//! `_split_node` (`sklearn/cluster/_birch.py`), with nodes in an arena instead of objects.
//!
//! Arithmetic follows the reference operation by operation (a merged centroid is
//! `(1 / n) · LS`, an updated one `LS / n`; the merge test is `SS / n − ‖c‖² ≤ threshold²`).
//! Dot products are summed left to right where only a near-tie could depend on their last bit
//! (nearest subcluster, merge test); the split's farthest pair, whose orientation always hangs
//! on one bit, reproduces numpy's summation orders.

use ndarray::ArrayView1;

/// A clustering feature: count, linear sum and squared sum of the rows it absorbed
/// (`_CFSubcluster`), its centroid and the centroid's squared norm.
#[derive(Debug, Clone)]
pub(super) struct Subcluster {
    pub n_samples: usize,
    pub linear_sum: Vec<f64>,
    pub squared_sum: f64,
    pub centroid: Vec<f64>,
    pub sq_norm: f64,
    /// Arena index of the child node (`child_`), `None` in a leaf.
    pub child: Option<usize>,
}

impl Subcluster {
    /// `_CFSubcluster(linear_sum=row)`: one row; `squared_sum_ = sq_norm_ = row · row`.
    fn from_row(row: ArrayView1<f64>) -> Self {
        let linear_sum = row.to_vec();
        let sq_norm = dot(&linear_sum, &linear_sum);
        Self { n_samples: 1, centroid: linear_sum.clone(), linear_sum, squared_sum: sq_norm, sq_norm, child: None }
    }

    /// `_CFSubcluster()`: the empty subcluster `_split_node` starts from.
    fn empty(n_features: usize, child: usize) -> Self {
        Self {
            n_samples: 0,
            linear_sum: vec![0.0; n_features],
            squared_sum: 0.0,
            centroid: vec![0.0; n_features],
            sq_norm: 0.0,
            child: Some(child),
        }
    }

    /// `_CFSubcluster.update`: absorbs `other` unconditionally.
    fn update(&mut self, other: &Subcluster) {
        self.n_samples += other.n_samples;
        for (s, o) in self.linear_sum.iter_mut().zip(&other.linear_sum) {
            *s += o;
        }
        self.squared_sum += other.squared_sum;
        let n = self.n_samples as f64;
        self.centroid = self.linear_sum.iter().map(|s| s / n).collect();
        self.sq_norm = dot(&self.centroid, &self.centroid);
    }

    /// `_CFSubcluster.merge_subcluster`: absorbs `other` if the merged radius stays within
    /// `threshold`, and says whether it did.
    fn merge(&mut self, other: &Subcluster, threshold: f64) -> bool {
        let new_ss = self.squared_sum + other.squared_sum;
        let new_ls: Vec<f64> = self.linear_sum.iter().zip(&other.linear_sum).map(|(a, b)| a + b).collect();
        let new_n = self.n_samples + other.n_samples;
        let inv_n = 1.0 / new_n as f64;
        let new_centroid: Vec<f64> = new_ls.iter().map(|s| inv_n * s).collect();
        let new_sq_norm = dot(&new_centroid, &new_centroid);
        // r² = Σ‖x_i‖²/n − ‖c‖² (the reference's expansion of Σ‖x_i − c‖²/n)
        let sq_radius = new_ss / new_n as f64 - new_sq_norm;
        if sq_radius <= threshold * threshold {
            self.n_samples = new_n;
            self.linear_sum = new_ls;
            self.squared_sum = new_ss;
            self.centroid = new_centroid;
            self.sq_norm = new_sq_norm;
            return true;
        }
        false
    }
}

/// A CF node (`_CFNode`): at most `branching_factor` subclusters between inserts (one more
/// while it waits to be split), and for leaves the doubly linked leaf list.
#[derive(Debug, Clone)]
pub(super) struct Node {
    pub is_leaf: bool,
    pub subclusters: Vec<Subcluster>,
    pub prev_leaf: Option<usize>,
    pub next_leaf: Option<usize>,
}

impl Node {
    fn new(is_leaf: bool) -> Self {
        Self { is_leaf, subclusters: Vec::new(), prev_leaf: None, next_leaf: None }
    }
}

/// The CF tree (`Birch.root_` and `Birch.dummy_leaf_`).
#[derive(Debug, Clone)]
pub(super) struct CfTree {
    threshold: f64,
    branching_factor: usize,
    n_features: usize,
    /// Node 0 is the dummy leaf whose `next_leaf` is the first leaf.
    nodes: Vec<Node>,
    root: usize,
}

const DUMMY_LEAF: usize = 0;

impl CfTree {
    /// An empty tree: one leaf root linked after the dummy leaf (`Birch._fit`, first call).
    pub fn new(threshold: f64, branching_factor: usize, n_features: usize) -> Self {
        let mut dummy = Node::new(true);
        dummy.next_leaf = Some(1);
        let mut root = Node::new(true);
        root.prev_leaf = Some(DUMMY_LEAF);
        Self { threshold, branching_factor, n_features, nodes: vec![dummy, root], root: 1 }
    }

    /// Inserts one row (the loop body of `Birch._fit`): when the root itself overflows it is
    /// split and a new non-leaf root holds the two halves.
    pub fn insert_row(&mut self, row: ArrayView1<f64>) {
        let subcluster = Subcluster::from_row(row);
        if self.insert(self.root, &subcluster) {
            let (sub1, sub2) = self.split_node(self.root);
            let mut root = Node::new(false);
            root.subclusters.push(sub1);
            root.subclusters.push(sub2);
            self.nodes.push(root);
            self.root = self.nodes.len() - 1;
        }
    }

    /// Centroids of the leaf subclusters, leaf by leaf along the leaf list, each leaf's in its
    /// order (`subcluster_centers_`), with the subclusters' counts and linear sums.
    pub fn leaf_subclusters(&self) -> Vec<&Subcluster> {
        let mut out = Vec::new();
        let mut leaf = self.nodes[DUMMY_LEAF].next_leaf;
        while let Some(i) = leaf {
            out.extend(self.nodes[i].subclusters.iter());
            leaf = self.nodes[i].next_leaf;
        }
        out
    }

    /// `_CFNode.insert_cf_subcluster`: true when `node` now holds more than `branching_factor`
    /// subclusters and its parent must split it.
    fn insert(&mut self, node: usize, subcluster: &Subcluster) -> bool {
        if self.nodes[node].subclusters.is_empty() {
            self.nodes[node].subclusters.push(subcluster.clone());
            return false;
        }
        let closest = closest_subcluster(&self.nodes[node].subclusters, &subcluster.centroid);
        if let Some(child) = self.nodes[node].subclusters[closest].child {
            if !self.insert(child, subcluster) {
                self.nodes[node].subclusters[closest].update(subcluster);
                return false;
            }
            // The child overflowed: replace its subcluster here by the two halves
            // (`update_split_subclusters`: first half in place, second appended).
            let (sub1, sub2) = self.split_node(child);
            let subclusters = &mut self.nodes[node].subclusters;
            subclusters[closest] = sub1;
            subclusters.push(sub2);
            return subclusters.len() > self.branching_factor;
        }
        let threshold = self.threshold;
        let subclusters = &mut self.nodes[node].subclusters;
        if subclusters[closest].merge(subcluster, threshold) {
            return false;
        }
        subclusters.push(subcluster.clone());
        // Not close enough to any subcluster: appended; full (now one over) means split.
        subclusters.len() > self.branching_factor
    }

    /// `_split_node`: moves the subclusters of `node` into two new nodes around its farthest
    /// pair of centroids, relinks the leaf list, and returns the two subclusters summarising
    /// them. `node` is left orphaned in the arena.
    fn split_node(&mut self, node: usize) -> (Subcluster, Subcluster) {
        let is_leaf = self.nodes[node].is_leaf;
        let subclusters = std::mem::take(&mut self.nodes[node].subclusters);
        let id1 = self.nodes.len();
        let id2 = id1 + 1;
        let mut node1 = Node::new(is_leaf);
        let mut node2 = Node::new(is_leaf);
        if is_leaf {
            let (prev, next) = (self.nodes[node].prev_leaf, self.nodes[node].next_leaf);
            if let Some(p) = prev {
                self.nodes[p].next_leaf = Some(id1);
            }
            node1.prev_leaf = prev;
            node1.next_leaf = Some(id2);
            node2.prev_leaf = Some(id1);
            node2.next_leaf = next;
            if let Some(n) = next {
                self.nodes[n].prev_leaf = Some(id2);
            }
        }
        let mut sub1 = Subcluster::empty(self.n_features, id1);
        let mut sub2 = Subcluster::empty(self.n_features, id2);

        // euclidean_distances(centroids, Y_norm_squared=sq_norms, squared=True): with `Y = None`
        // scikit-learn ignores `Y_norm_squared` and computes `(−2·G + n_i) + n_j`, clipped at 0,
        // zero diagonal, with `G = C·Cᵀ` from BLAS and `n = row_norms(C)`. Adding `n_i` before
        // `n_j` makes the matrix asymmetric in the last bit, and the first maximum in row-major
        // order (`argmax`) picks between `(i, j)` and `(j, i)` of the farthest pair by that bit:
        // it decides which half becomes the first node, hence the order of the leaves. So both
        // sums are reproduced as numpy computes them (see `blas_dot`, `einsum_sq_norm`).
        let m = subclusters.len();
        let norms: Vec<f64> = subclusters.iter().map(|s| einsum_sq_norm(&s.centroid)).collect();
        let mut dist = vec![0.0; m * m];
        for i in 0..m {
            for j in i + 1..m {
                let g = -2.0 * blas_dot(&subclusters[i].centroid, &subclusters[j].centroid);
                dist[i * m + j] = (g + norms[i] + norms[j]).max(0.0);
                dist[j * m + i] = (g + norms[j] + norms[i]).max(0.0);
            }
        }
        let mut farthest = 0;
        for (k, &d) in dist.iter().enumerate() {
            if d > dist[farthest] {
                farthest = k;
            }
        }
        let (f1, f2) = (farthest / m, farthest % m);
        for (idx, subcluster) in subclusters.into_iter().enumerate() {
            // The first of the pair always seeds half 1, even when all centroids coincide and
            // every distance is 0 (the reference's `node1_closer[farthest_idx[0]] = True`).
            if idx == f1 || dist[f1 * m + idx] < dist[f2 * m + idx] {
                sub1.update(&subcluster);
                node1.subclusters.push(subcluster);
            } else {
                sub2.update(&subcluster);
                node2.subclusters.push(subcluster);
            }
        }
        self.nodes.push(node1);
        self.nodes.push(node2);
        (sub1, sub2)
    }
}

/// `argmin(−2·C·c + ‖C‖²)` over the node's centroids, first minimum.
fn closest_subcluster(subclusters: &[Subcluster], centroid: &[f64]) -> usize {
    let mut best = (0, f64::INFINITY);
    for (i, s) in subclusters.iter().enumerate() {
        let d = -2.0 * dot(&s.centroid, centroid) + s.sq_norm;
        if d < best.1 {
            best = (i, d);
        }
    }
    best.0
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(p, q)| p * q).sum()
}

/// An entry of `C @ C.T` as numpy's bundled OpenBLAS computes it on x86-64 (its GEMM/SYRK
/// micro-kernels accumulate each output along `k` with fused multiply-adds, in order). Checked
/// against numpy 2.4.6 on every split of the fixtures; the farthest pair agrees on all of them.
fn blas_dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).fold(0.0, |acc, (p, q)| p.mul_add(*q, acc))
}

/// `np.einsum("ij,ij->i", C, C)` for one row, as numpy 2.4 computes it at its x86-64-v2 baseline
/// (`sum_of_products_contig_contig_outstride0_two`): two lanes, blocks of eight values folded
/// as `a0·a0 + (a1·a1 + (a2·a2 + (a3·a3 + acc)))` per lane (separate multiply and add, no FMA),
/// the rest one lane-pair at a time (zero-padded), then `lane0 + lane1`. This is
/// scikit-learn's `row_norms(C, squared=True)`.
fn einsum_sq_norm(a: &[f64]) -> f64 {
    let mut acc = [0.0_f64; 2];
    let mut blocks = a.chunks_exact(8);
    for block in &mut blocks {
        for (lane, acc) in acc.iter_mut().enumerate() {
            let v = |k: usize| block[2 * k + lane];
            let ab3 = v(3) * v(3) + *acc;
            let ab2 = v(2) * v(2) + ab3;
            let ab1 = v(1) * v(1) + ab2;
            *acc = v(0) * v(0) + ab1;
        }
    }
    for pair in blocks.remainder().chunks(2) {
        for (lane, acc) in acc.iter_mut().enumerate() {
            let v = pair.get(lane).copied().unwrap_or(0.0);
            *acc += v * v;
        }
    }
    acc[0] + acc[1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn einsum_norm_is_the_squared_norm_up_to_rounding() {
        for n in [1, 2, 7, 8, 9, 16, 45] {
            let a: Vec<f64> = (0..n).map(|k| (k as f64 * 0.37).sin()).collect();
            assert!((einsum_sq_norm(&a) - dot(&a, &a)).abs() < 1e-13, "n = {n}");
            assert!((blas_dot(&a, &a) - dot(&a, &a)).abs() < 1e-13, "n = {n}");
        }
        assert_eq!(einsum_sq_norm(&[3.0]), 9.0);
    }
}

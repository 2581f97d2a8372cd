//! Dendrogram geometry as plain data, for the report's figure.

use super::AgglomerativeModel;

/// What a dendrogram figure draws, in scipy's coordinates.
///
/// Mirrors `scipy.cluster.hierarchy.dendrogram(Z, no_plot=True)` (1.17) with its default
/// ordering (each merge's `Z[i, 0]` child drawn left of `Z[i, 1]`), optionally with
/// `truncate_mode="lastp"`: leaf `j` (left to right) sits at `x = 5 + 10·j`, a merge's "U" spans
/// the centres of its two children, and `y` is the merge distance (0 for leaves, truncated ones
/// included).
#[derive(Debug, Clone, PartialEq)]
pub struct DendrogramLayout {
    /// Node id of each leaf, left to right (scipy's `leaves`): a row index `< n`, or for a
    /// truncated subtree the node id `n + i` of merge `i`.
    pub leaves: Vec<usize>,
    /// Rows under each leaf (1 for a row; the subtree's size for a truncated one, which scipy
    /// prints as the label `"(size)"`).
    pub leaf_sizes: Vec<usize>,
    /// One "U" per drawn merge, in scipy's order (post-order, left subtree first): the points
    /// `(x, y)` of the left leg's foot, the left top corner, the right top corner and the right
    /// leg's foot (scipy's `icoord[i]` zipped with `dcoord[i]`).
    pub links: Vec<[(f64, f64); 4]>,
}

impl AgglomerativeModel {
    /// The dendrogram of the full tree, or with `truncate_p = Some(p)` of its last `p` clusters
    /// only (scipy's `truncate_mode="lastp"`; `p = 0` or `p ≥ n` draws the full tree), so that
    /// trees over hundreds of rows stay readable.
    #[must_use]
    pub fn dendrogram_layout(&self, truncate_p: Option<usize>) -> DendrogramLayout {
        let n = self.labels.len();
        let mut layout = DendrogramLayout { leaves: Vec::new(), leaf_sizes: Vec::new(), links: Vec::new() };
        if n == 0 {
            return layout;
        }
        let p = match truncate_p {
            Some(p) if p > 0 && p < n => p,
            _ => n,
        };
        // Nodes below this id are drawn as leaves (scipy: `2n − p > i >= n` is a truncated leaf).
        let first_drawn_merge = 2 * n - p;
        let is_leaf = |node: usize| node < n || node < first_drawn_merge;
        // (x centre, y top) of every node once placed.
        let mut placed = vec![(0.0, 0.0); 2 * n - 1];
        let mut stack = vec![(2 * n - 2, false)];
        while let Some((node, children_done)) = stack.pop() {
            if is_leaf(node) {
                placed[node] = (5.0 + 10.0 * layout.leaves.len() as f64, 0.0);
                layout.leaves.push(node);
                layout.leaf_sizes.push(if node < n { 1 } else { self.dendrogram[node - n].size });
                continue;
            }
            let merge = self.dendrogram[node - n];
            if children_done {
                let (xa, ya) = placed[merge.a];
                let (xb, yb) = placed[merge.b];
                let h = merge.distance;
                layout.links.push([(xa, ya), (xa, h), (xb, h), (xb, yb)]);
                placed[node] = ((xa + xb) / 2.0, h);
            } else {
                stack.push((node, true));
                stack.push((merge.b, false));
                stack.push((merge.a, false));
            }
        }
        layout
    }
}

#[cfg(test)]
mod tests {
    use ndarray::array;

    use super::super::{AgglomerativeParams, Linkage};

    #[test]
    fn three_points_make_two_links() {
        let model = AgglomerativeParams { n_clusters: 1, linkage: Linkage::Single }
            .fit(array![[0.0], [5.0], [1.0]].view())
            .expect("fit");
        // merges: (0, 2) at 1 → node 3; (1, 3) at 4 → node 4. Node 4 draws leaf 1 left of node 3.
        let layout = model.dendrogram_layout(None);
        assert_eq!(layout.leaves, vec![1, 0, 2]);
        assert_eq!(layout.leaf_sizes, vec![1, 1, 1]);
        assert_eq!(
            layout.links,
            vec![
                [(15.0, 0.0), (15.0, 1.0), (25.0, 1.0), (25.0, 0.0)],
                [(5.0, 0.0), (5.0, 4.0), (20.0, 4.0), (20.0, 1.0)]
            ]
        );
        let truncated = model.dendrogram_layout(Some(2));
        assert_eq!(truncated.leaves, vec![1, 3]);
        assert_eq!(truncated.leaf_sizes, vec![1, 2]);
        assert_eq!(truncated.links, vec![[(5.0, 0.0), (5.0, 4.0), (15.0, 4.0), (15.0, 0.0)]]);
        assert_eq!(model.dendrogram_layout(Some(0)), layout);
        assert_eq!(model.dendrogram_layout(Some(3)), layout);
    }

    #[test]
    fn single_row_is_one_leaf() {
        let model =
            AgglomerativeParams { n_clusters: 1, linkage: Linkage::Ward }.fit(array![[2.0]].view()).expect("fit");
        let layout = model.dendrogram_layout(Some(5));
        assert_eq!(layout.leaves, vec![0]);
        assert!(layout.links.is_empty());
    }
}

//! Seeding, the hill climbs, merging near-duplicate centres, labelling.

use std::cmp::Ordering;
use std::collections::hash_map::Entry;
use std::collections::HashMap;

use ndarray::{Array2, ArrayView1, ArrayView2};
use rand_chacha::ChaCha8Rng;

use super::super::centroids::{nearest_centroid, squared_euclidean};
use super::super::input::check_finite_rows;
use super::super::ModelError;
use super::bandwidth::mean_kth_neighbour_distance;
use super::MeanShiftParams;

/// A fitted mean shift clustering.
#[derive(Debug, Clone, PartialEq)]
pub struct MeanShiftModel {
    labels: Vec<Option<usize>>,
    centroids: Array2<f64>,
    intensities: Vec<usize>,
    bandwidth: f64,
    n_iter: usize,
    n_seeds: usize,
    bin_seeding_fell_back: bool,
}

impl MeanShiftParams {
    /// Clusters the rows of `x` (`(n_rows, n_features)`).
    ///
    /// Mirrors `sklearn.cluster.MeanShift(bandwidth, bin_seeding, min_bin_freq, cluster_all,
    /// max_iter).fit(X)` (1.9.1), step by step:
    ///
    /// 1. `bandwidth = None` → [`estimate_bandwidth`](super::estimate_bandwidth)`(x, quantile)`.
    /// 2. Seeds: every row, or with `bin_seeding` the cells `round(x / bandwidth)` (half to
    ///    even, as `np.round`) holding ≥ `min_bin_freq` rows, in order of first occupation,
    ///    scaled back by the bandwidth in `f32` as `get_bin_seeds` does (its seeds array is
    ///    `float32`; times a Python-float bandwidth the product stays `float32`, times the
    ///    `np.float64` an estimate returns it is `float64`, and so it is here). If every row has
    ///    its own cell the rows are the seeds (scikit-learn warns "Binning data failed"; see
    ///    [`MeanShiftModel::bin_seeding_fell_back`]).
    /// 3. From each seed, repeatedly move to the mean of the rows within `bandwidth`
    ///    (`‖x − m‖² ≤ bandwidth²`), until the move is ≤ `1e-3 · bandwidth` or `max_iter` moves
    ///    were made. The result is the last mean; its intensity the number of rows in the last
    ///    ball. Seeds with an empty ball are dropped; equal means are kept once (the intensity of
    ///    the last seed reaching it, as scikit-learn's dict).
    /// 4. Sort the means by (intensity, coordinates) descending, as Python's
    ///    `sorted(..., key=lambda t: (t[1], t[0]), reverse=True)`; walking that order, each
    ///    kept mean suppresses every other mean within `bandwidth`. The survivors are the
    ///    centres, cluster `c` being the `c`-th survivor: scikit-learn's numbering.
    /// 5. Each row joins its nearest centre (ties to the lower id); with `cluster_all = false`
    ///    rows farther than `bandwidth` from it are noise (`None`).
    ///
    /// `rng` is used only by a subsampled bandwidth estimate, which `fit` never asks for; it is
    /// taken so every clusterer fits alike.
    ///
    /// Errors: invalid params; no rows or columns; NaN/inf values; no seed (no cell holds
    /// `min_bin_freq` rows: scikit-learn fails on `max()` of an empty list) or no row within
    /// `bandwidth` of any seed (scikit-learn's `ValueError`), both [`ModelError::Fit`].
    pub fn fit(&self, x: ArrayView2<f64>, rng: &mut ChaCha8Rng) -> Result<MeanShiftModel, ModelError> {
        self.validate()?;
        check_finite_rows(x)?;
        // `rng` stays unused: `estimate_bandwidth` without `n_samples` draws nothing.
        let _ = rng;
        let (bandwidth, python_float) = match self.bandwidth {
            Some(bandwidth) => (bandwidth, true),
            None => (mean_kth_neighbour_distance(x, self.quantile), false),
        };
        let seeding =
            if self.bin_seeding { bin_seeds(x, bandwidth, self.min_bin_freq, python_float) } else { Seeding::Rows };
        let seeds = match &seeding {
            Seeding::Cells(cells) => cells.view(),
            Seeding::Rows | Seeding::RowsAfterFailedBinning => x.view(),
        };
        if seeds.nrows() == 0 {
            return Err(ModelError::Fit {
                model: "mean_shift",
                reason: format!(
                    "no grid cell of size {bandwidth} holds min_bin_freq = {} rows, so there is no seed",
                    self.min_bin_freq
                ),
            });
        }

        // Distinct end points in order of first arrival, with the last intensity reported.
        let mut found: Vec<(Vec<f64>, usize)> = Vec::new();
        let mut position: HashMap<Vec<u64>, usize> = HashMap::new();
        let mut n_iter = 0;
        for seed in seeds.rows() {
            let climb = climb(x, seed, bandwidth, self.max_iter);
            n_iter = n_iter.max(climb.n_iter);
            if climb.n_within == 0 {
                continue;
            }
            // Python's tuple keys: equal values are one key (0.0 == -0.0, so normalise the sign).
            let key = climb.mean.iter().map(|v| (v + 0.0).to_bits()).collect();
            match position.entry(key) {
                Entry::Occupied(at) => found[*at.get()].1 = climb.n_within,
                Entry::Vacant(slot) => {
                    slot.insert(found.len());
                    found.push((climb.mean, climb.n_within));
                }
            }
        }
        if found.is_empty() {
            return Err(ModelError::Fit {
                model: "mean_shift",
                reason: format!("no row lies within bandwidth {bandwidth} of any seed"),
            });
        }

        found.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| lexicographic(&b.0, &a.0)));
        let radius2 = bandwidth * bandwidth;
        let mut unique = vec![true; found.len()];
        for i in 0..found.len() {
            if unique[i] {
                let centre = ArrayView1::from(&found[i].0[..]);
                for (j, (other, _)) in found.iter().enumerate() {
                    if squared_euclidean(centre, ArrayView1::from(&other[..])) <= radius2 {
                        unique[j] = false;
                    }
                }
                unique[i] = true;
            }
        }
        let kept: Vec<&(Vec<f64>, usize)> = found.iter().zip(&unique).filter(|(_, &u)| u).map(|(f, _)| f).collect();
        let centroids = Array2::from_shape_fn((kept.len(), x.ncols()), |(c, j)| kept[c].0[j]);
        let intensities = kept.iter().map(|k| k.1).collect();

        let labels = nearest_centroid(centroids.view(), x)
            .into_iter()
            .zip(x.rows())
            .map(|(c, row)| {
                let within = squared_euclidean(row, centroids.row(c)).sqrt() <= bandwidth;
                (self.cluster_all || within).then_some(c)
            })
            .collect();
        Ok(MeanShiftModel {
            labels,
            centroids,
            intensities,
            bandwidth,
            n_iter,
            n_seeds: seeds.nrows(),
            bin_seeding_fell_back: matches!(seeding, Seeding::RowsAfterFailedBinning),
        })
    }
}

impl MeanShiftModel {
    /// Cluster of each fitted row (`None`: noise, only with `cluster_all = false`), numbered as
    /// scikit-learn's `labels_` (its −1 is `None`).
    #[must_use]
    pub fn labels(&self) -> &[Option<usize>] {
        &self.labels
    }

    /// Number of centres found.
    #[must_use]
    pub fn n_clusters(&self) -> usize {
        self.centroids.nrows()
    }

    /// `(n_clusters, n_features)`: the centres (`cluster_centers_`); row `c` is cluster `c`.
    #[must_use]
    pub fn centroids(&self) -> ArrayView2<'_, f64> {
        self.centroids.view()
    }

    /// Rows within `bandwidth` of each centre's previous position when its climb stopped: the
    /// key clusters are ordered by.
    #[must_use]
    pub fn intensities(&self) -> &[usize] {
        &self.intensities
    }

    /// The kernel radius used: the given one or the estimate.
    #[must_use]
    pub fn bandwidth(&self) -> f64 {
        self.bandwidth
    }

    /// The most moves any seed made (`n_iter_`).
    #[must_use]
    pub fn n_iter(&self) -> usize {
        self.n_iter
    }

    /// How many climbs were started.
    #[must_use]
    pub fn n_seeds(&self) -> usize {
        self.n_seeds
    }

    /// `bin_seeding` was asked for but every row had a cell of its own, so the rows were the
    /// seeds (scikit-learn warns "Binning data failed with provided bin_size"). Usual beyond a
    /// handful of features, where few rows share a cell.
    #[must_use]
    pub fn bin_seeding_fell_back(&self) -> bool {
        self.bin_seeding_fell_back
    }

    /// The nearest centre of each row of `x` (squared Euclidean; ties go to the lower id; a row
    /// with NaN values gets 0), whatever its distance: scikit-learn's `MeanShift.predict`,
    /// which has no noise label either.
    #[must_use]
    pub fn assign(&self, x: ArrayView2<f64>) -> Vec<usize> {
        nearest_centroid(self.centroids.view(), x)
    }
}

/// The end of one climb.
struct Climb {
    mean: Vec<f64>,
    n_within: usize,
    n_iter: usize,
}

/// `_mean_shift_single_seed`: flat-kernel mean shift from `seed`.
fn climb(x: ArrayView2<f64>, seed: ArrayView1<f64>, bandwidth: f64, max_iter: usize) -> Climb {
    let radius2 = bandwidth * bandwidth;
    let stop = 1e-3 * bandwidth;
    let mut mean = seed.to_vec();
    let mut sum = vec![0.0; x.ncols()];
    let mut n_iter = 0;
    loop {
        sum.fill(0.0);
        let mut n_within = 0;
        for row in x.rows() {
            if squared_euclidean(row, ArrayView1::from(&mean[..])) <= radius2 {
                sum.iter_mut().zip(row).for_each(|(s, v)| *s += v);
                n_within += 1;
            }
        }
        if n_within == 0 {
            return Climb { mean, n_within, n_iter };
        }
        let mut shift2 = 0.0;
        for (m, s) in mean.iter_mut().zip(&sum) {
            let next = s / n_within as f64;
            shift2 += (next - *m) * (next - *m);
            *m = next;
        }
        if shift2.sqrt() <= stop || n_iter == max_iter {
            return Climb { mean, n_within, n_iter };
        }
        n_iter += 1;
    }
}

/// Where the climbs start.
#[derive(Debug, PartialEq)]
enum Seeding {
    /// At every row (no bin seeding, or a bin size of 0, which `get_bin_seeds` returns `X` for).
    Rows,
    /// At every row because every row had a cell of its own (scikit-learn warns).
    RowsAfterFailedBinning,
    /// At these grid points.
    Cells(Array2<f64>),
}

/// `get_bin_seeds(X, bin_size, min_bin_freq)`.
fn bin_seeds(x: ArrayView2<f64>, bin_size: f64, min_bin_freq: usize, python_float: bool) -> Seeding {
    if bin_size == 0.0 {
        return Seeding::Rows;
    }
    let mut bins: Vec<(Vec<f64>, usize)> = Vec::new();
    let mut position: HashMap<Vec<u64>, usize> = HashMap::new();
    for row in x.rows() {
        let cell: Vec<f64> = row.iter().map(|v| (v / bin_size).round_ties_even() + 0.0).collect();
        match position.entry(cell.iter().map(|v| v.to_bits()).collect()) {
            Entry::Occupied(at) => bins[*at.get()].1 += 1,
            Entry::Vacant(slot) => {
                slot.insert(bins.len());
                bins.push((cell, 1));
            }
        }
    }
    let cells: Vec<&Vec<f64>> = bins.iter().filter(|(_, n)| *n >= min_bin_freq).map(|(c, _)| c).collect();
    if cells.len() == x.nrows() {
        return Seeding::RowsAfterFailedBinning;
    }
    // The cells go through a float32 array; numpy keeps the product float32 for a Python float.
    let scale = |k: f64| {
        if python_float {
            f64::from(k as f32 * bin_size as f32)
        } else {
            f64::from(k as f32) * bin_size
        }
    };
    Seeding::Cells(Array2::from_shape_fn((cells.len(), x.ncols()), |(i, j)| scale(cells[i][j])))
}

/// Python's tuple order on finite floats.
fn lexicographic(a: &[f64], b: &[f64]) -> Ordering {
    a.iter()
        .zip(b)
        .map(|(p, q)| p.partial_cmp(q).unwrap_or(Ordering::Equal))
        .find(|o| o.is_ne())
        .unwrap_or(Ordering::Equal)
}

#[cfg(test)]
mod tests {
    use ndarray::array;
    use rand::SeedableRng;

    use super::*;

    fn rng() -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(3)
    }

    fn docstring_x() -> Array2<f64> {
        array![[1.0, 1.0], [2.0, 1.0], [1.0, 0.0], [4.0, 7.0], [3.0, 5.0], [3.0, 6.0]]
    }

    #[test]
    fn scikit_learn_docstring_example() {
        // MeanShift(bandwidth=2).fit(X): centres [[3.33, 6], [1.33, 0.67]], labels [1,1,1,0,0,0]
        let model = MeanShiftParams { bandwidth: Some(2.0), ..Default::default() }
            .fit(docstring_x().view(), &mut rng())
            .expect("fit");
        assert_eq!(model.labels(), &[Some(1), Some(1), Some(1), Some(0), Some(0), Some(0)]);
        let c = model.centroids();
        assert!((c[[0, 0]] - 10.0 / 3.0).abs() < 1e-12 && (c[[0, 1]] - 6.0).abs() < 1e-12);
        assert!((c[[1, 0]] - 4.0 / 3.0).abs() < 1e-12 && (c[[1, 1]] - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(model.intensities(), &[3, 3]);
        assert_eq!(model.assign(array![[0.0, 0.0], [5.0, 5.0]].view()), vec![1, 0]);
        assert_eq!(model.bandwidth(), 2.0);
        assert_eq!(model.n_seeds(), 6);
    }

    #[test]
    fn equal_intensities_order_by_coordinates_descending() {
        // two pairs, both of intensity 2: the centre with the larger first coordinate is cluster 0
        let x = array![[0.0, 0.0], [0.5, 0.0], [10.0, 0.0], [10.5, 0.0]];
        let model =
            MeanShiftParams { bandwidth: Some(1.0), ..Default::default() }.fit(x.view(), &mut rng()).expect("fit");
        assert_eq!(model.labels(), &[Some(1), Some(1), Some(0), Some(0)]);
        assert_eq!(model.centroids().row(0).to_vec(), vec![10.25, 0.0]);
    }

    #[test]
    fn higher_intensity_comes_first_and_suppresses_neighbours() {
        // three rows at 0 and one at 1.5. Bandwidth 1: the climb from 1.5 sees only itself and
        // stays, a second centre of intensity 1 after the dense one. Bandwidth 2: every climb
        // reaches the mean of all rows.
        let x = array![[0.0], [0.0], [0.0], [1.5]];
        let model =
            MeanShiftParams { bandwidth: Some(1.0), ..Default::default() }.fit(x.view(), &mut rng()).expect("fit");
        assert_eq!(model.n_clusters(), 2);
        assert_eq!(model.centroids().column(0).to_vec(), vec![0.0, 1.5]);
        let model =
            MeanShiftParams { bandwidth: Some(2.0), ..Default::default() }.fit(x.view(), &mut rng()).expect("fit");
        assert_eq!(model.n_clusters(), 1);
        assert_eq!(model.centroids().column(0).to_vec(), vec![0.375]);
    }

    #[test]
    fn orphans_are_noise_only_without_cluster_all() {
        let x = array![[0.0], [0.2], [0.4], [5.0], [5.2], [20.0]];
        let params = MeanShiftParams { bandwidth: Some(1.0), bin_seeding: true, min_bin_freq: 2, ..Default::default() };
        let all = params.fit(x.view(), &mut rng()).expect("fit");
        assert_eq!(all.n_clusters(), 2);
        assert!(all.labels().iter().all(Option::is_some));
        let some = MeanShiftParams { cluster_all: false, ..params }.fit(x.view(), &mut rng()).expect("fit");
        assert_eq!(some.labels()[5], None);
        assert_eq!(some.labels()[..5].iter().flatten().count(), 5);
        assert_eq!(some.assign(x.view())[5], all.labels()[5].expect("clustered"));
    }

    #[test]
    fn bin_seeds_round_half_to_even_in_first_seen_order() {
        let x = array![[0.5], [1.5], [2.4], [-0.5], [2.6]];
        // cells: 0, 2, 2, -0 (= 0), 3 → seeds 0, 2, 3
        assert_eq!(bin_seeds(x.view(), 1.0, 1, true), Seeding::Cells(array![[0.0], [2.0], [3.0]]));
        assert_eq!(bin_seeds(x.view(), 1.0, 2, true), Seeding::Cells(array![[0.0], [2.0]]));
    }

    #[test]
    fn bin_seeds_scale_in_f32_for_a_given_bandwidth() {
        let x = array![[0.7], [0.8]];
        assert_eq!(bin_seeds(x.view(), 0.7, 1, true), Seeding::Cells(array![[f64::from(0.7_f32)]]));
        assert_eq!(bin_seeds(x.view(), 0.7, 1, false), Seeding::Cells(array![[0.7]]));
    }

    #[test]
    fn binning_falls_back_to_the_rows_when_every_row_has_its_own_cell() {
        let x = array![[0.0], [3.0], [6.0]];
        assert_eq!(bin_seeds(x.view(), 1.0, 1, true), Seeding::RowsAfterFailedBinning);
        assert_eq!(bin_seeds(x.view(), 0.0, 1, true), Seeding::Rows);
        let model = MeanShiftParams { bandwidth: Some(1.0), bin_seeding: true, ..Default::default() }
            .fit(x.view(), &mut rng())
            .expect("fit");
        assert!(model.bin_seeding_fell_back());
        assert_eq!(model.n_clusters(), 3);
    }

    #[test]
    fn no_seed_is_an_error() {
        let params = MeanShiftParams { bandwidth: Some(1.0), bin_seeding: true, min_bin_freq: 5, ..Default::default() };
        assert!(matches!(params.fit(docstring_x().view(), &mut rng()), Err(ModelError::Fit { .. })));
    }

    #[test]
    fn max_iter_caps_each_climb() {
        let x = array![[0.0], [1.0], [2.0], [3.0], [4.0], [5.0], [6.0], [7.0]];
        let capped = MeanShiftParams { bandwidth: Some(1.5), max_iter: 0, ..Default::default() }
            .fit(x.view(), &mut rng())
            .expect("fit");
        assert_eq!(capped.n_iter(), 0);
        let free =
            MeanShiftParams { bandwidth: Some(1.5), ..Default::default() }.fit(x.view(), &mut rng()).expect("fit");
        assert!(free.n_iter() > 0);
    }

    #[test]
    fn estimated_bandwidth_is_used_by_default() {
        let model = MeanShiftParams::default().fit(docstring_x().view(), &mut rng()).expect("fit");
        let expected = mean_kth_neighbour_distance(docstring_x().view(), 0.3);
        assert_eq!(model.bandwidth(), expected);
    }

    #[test]
    fn a_single_row_is_one_cluster() {
        let model = MeanShiftParams::default().fit(array![[1.0, 2.0]].view(), &mut rng()).expect("fit");
        assert_eq!(model.bandwidth(), 0.0);
        assert_eq!(model.labels(), &[Some(0)]);
    }

    #[test]
    fn invalid_params_and_input_are_rejected_before_work() {
        let bad = MeanShiftParams { min_bin_freq: 0, ..Default::default() };
        assert!(matches!(bad.fit(docstring_x().view(), &mut rng()), Err(ModelError::InvalidParam { .. })));
        let mut x = docstring_x();
        x[[2, 0]] = f64::NAN;
        assert_eq!(MeanShiftParams::default().fit(x.view(), &mut rng()), Err(ModelError::NonFinite));
        let empty = Array2::<f64>::zeros((0, 2));
        assert!(matches!(MeanShiftParams::default().fit(empty.view(), &mut rng()), Err(ModelError::TooFewRows { .. })));
    }
}

//! Training the map (MiniSom's `train` loop), initialising it, and reading clusters off it.

use ndarray::{Array2, Array3, ArrayView1, ArrayView2, ArrayView3, Axis};
use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::super::{pca, AgglomerativeParams, Linkage, ModelError};
use super::{SomInit, SomParams, SomTrain};

/// A trained self-organising map and the clusters read off it.
///
/// Units are numbered row-major: unit `(i, j)` of a `rows × cols` map is `i · cols + j`.
/// Clusters are the non-empty units (those that are the best-matching unit of at least one
/// fitted row) numbered `0..` in row-major unit order, or with `merge_to_k` the merged groups of
/// those units, numbered `0..` in order of each group's first unit.
#[derive(Debug, Clone, PartialEq)]
pub struct SomModel {
    /// `(rows, cols, n_features)` trained weights.
    weights: Array3<f64>,
    /// Best-matching unit of each fitted row (row-major unit index).
    bmus: Vec<usize>,
    /// Cluster of each unit, `None` for units that won no fitted row.
    unit_clusters: Vec<Option<usize>>,
    /// Row-major indices of the non-empty units, ascending.
    cluster_units: Vec<usize>,
    /// Cluster of each fitted row.
    labels: Vec<Option<usize>>,
    /// `(n_clusters, n_features)`: see [`SomModel::centroids`].
    centroids: Array2<f64>,
}

impl SomParams {
    /// Initialises and trains a map on the rows of `x` (`(n_rows, n_features)`) and reads its
    /// clusters, drawing the random initial rows and the random order from `rng`.
    ///
    /// Mirrors MiniSom 2.3.6: `som = MiniSom(rows, cols, n_features, sigma, learning_rate)`,
    /// `som.random_weights_init(X)` or `som.pca_weights_init(X)`, then
    /// `som.train_random(X, n_iterations)` or `som.train_batch(X, n_iterations)`; see
    /// [`SomParams::train_from`] for the loop. Differs: the random draws come from `rng`
    /// (numpy's `RandomState` cannot be replayed), so a map equals MiniSom's only when fed the
    /// same initial weights and order through `train_from`. Errors: invalid params, no rows or
    /// no columns, NaN/inf values, `pca` init on fewer than 2 rows or features, `merge_to_k`
    /// above the number of non-empty units.
    pub fn fit(&self, x: ArrayView2<f64>, rng: &mut ChaCha8Rng) -> Result<SomModel, ModelError> {
        self.validate()?;
        check_data(x)?;
        let n = x.nrows();
        let weights = match self.init {
            SomInit::RandomRows => {
                let mut w = Array3::zeros((self.rows, self.cols, x.ncols()));
                for mut unit in w.lanes_mut(Axis(2)) {
                    unit.assign(&x.row(rng.gen_range(0..n)));
                }
                w
            }
            SomInit::Pca => pca_weights(x, self.rows, self.cols)?,
        };
        // MiniSom's `_build_iteration_indexes(n, T, random_generator)`: `arange(T) % n`,
        // shuffled whole for `train_random`.
        let mut order: Vec<usize> = (0..self.n_iterations).map(|t| t % n).collect();
        if self.train == SomTrain::Random {
            order.shuffle(rng);
        }
        self.train_from(x, weights, &order)
    }

    /// Trains the map from the given initial `weights` (`(rows, cols, n_features)`), presenting
    /// row `order[t]` at step `t`, and reads its clusters. [`SomParams::fit`] calls this; the
    /// parity tests call it with MiniSom's initial weights and order.
    ///
    /// Mirrors MiniSom 2.3.6's `train(X, num_iteration=len(order))` loop (`use_epochs=False`,
    /// no fixed points), step by step: `c = winner(x)` (the first unit of least
    /// `‖x − w‖`, the norm summed as numpy's pairwise `add.reduce`), then `update(x, c, t, T)`:
    /// `η = learning_rate / (1 + t/(T/2))`, `σ = sigma / (1 + t/(T/2))`,
    /// `g(i, j) = exp(−(i − c_i)²/(2σ²)) · exp(−(j − c_j)²/(2σ²)) · η`,
    /// `w(i, j) += g(i, j) · (x − w(i, j))`, each operation in the reference's order. `n_iterations`
    /// is not used here: `T = order.len()`. Errors as `fit`, plus a `weights` shape that does
    /// not match the params and `x`, an empty `order`, or an index in it ≥ `n_rows`.
    pub fn train_from(
        &self,
        x: ArrayView2<f64>,
        mut weights: Array3<f64>,
        order: &[usize],
    ) -> Result<SomModel, ModelError> {
        self.validate()?;
        check_data(x)?;
        let shape = (self.rows, self.cols, x.ncols());
        if weights.dim() != shape {
            return Err(ModelError::InvalidParam {
                param: "weights",
                rule: "must have shape (rows, cols, n_features)",
                value: format!("{:?}, expected {shape:?}", weights.dim()),
            });
        }
        if weights.iter().any(|v| !v.is_finite()) {
            return Err(ModelError::NonFinite);
        }
        if order.is_empty() {
            return Err(ModelError::InvalidParam { param: "order", rule: "must not be empty", value: "[]".into() });
        }
        if let Some(&bad) = order.iter().find(|&&i| i >= x.nrows()) {
            return Err(ModelError::InvalidParam {
                param: "order",
                rule: "indices must be < the number of rows",
                value: bad.to_string(),
            });
        }
        let n_steps = order.len();
        let mut diff = vec![0.0; x.ncols()];
        for (t, &r) in order.iter().enumerate() {
            let row = x.row(r);
            let win = winner(weights.view(), row, &mut diff);
            self.update(&mut weights, row, (win / self.cols, win % self.cols), t, n_steps);
        }
        self.read_clusters(x, weights)
    }

    /// MiniSom's `update(x, win, t, max_iteration)` with the gaussian neighbourhood and
    /// asymptotic decay of both `learning_rate` and `sigma`.
    fn update(&self, weights: &mut Array3<f64>, row: ArrayView1<f64>, win: (usize, usize), t: usize, n_steps: usize) {
        // `_asymptotic_decay(v, t, max_iter) = v / (1 + t / (max_iter / 2))`
        let decay = 1.0 + t as f64 / (n_steps as f64 / 2.0);
        let eta = self.learning_rate / decay;
        let sig = self.sigma / decay;
        // `_gaussian(c, sigma)`: d = 2·σ·σ; exp(−(xx − c)²/d) · exp(−(yy − c)²/d), then · η
        let d = 2.0 * sig * sig;
        let axis_gain = |k: usize, c: usize| {
            let delta = k as f64 - c as f64;
            (-(delta * delta) / d).exp()
        };
        let ay: Vec<f64> = (0..self.cols).map(|j| axis_gain(j, win.1)).collect();
        for i in 0..self.rows {
            let ax = axis_gain(i, win.0);
            for (j, &ayj) in ay.iter().enumerate() {
                let g = ax * ayj * eta;
                let mut unit = weights.slice_mut(ndarray::s![i, j, ..]);
                for (w, &v) in unit.iter_mut().zip(row.iter()) {
                    *w += g * (v - *w);
                }
            }
        }
    }

    /// Best-matching units of the fitted rows, the non-empty units, and (with `merge_to_k`)
    /// their ward merge.
    fn read_clusters(&self, x: ArrayView2<f64>, weights: Array3<f64>) -> Result<SomModel, ModelError> {
        let mut diff = vec![0.0; x.ncols()];
        let bmus: Vec<usize> = x.rows().into_iter().map(|row| winner(weights.view(), row, &mut diff)).collect();
        let n_units = self.rows * self.cols;
        let mut won = vec![false; n_units];
        for &b in &bmus {
            won[b] = true;
        }
        let cluster_units: Vec<usize> = (0..n_units).filter(|&u| won[u]).collect();
        let flat = weights
            .view()
            .into_shape_with_order((n_units, x.ncols()))
            .expect("a standard-layout (rows, cols, d) array reshapes to (rows·cols, d)");
        let unit_weights = flat.select(Axis(0), &cluster_units);
        let mut unit_clusters = vec![None; n_units];
        let centroids = match self.merge_to_k {
            None => {
                for (c, &u) in cluster_units.iter().enumerate() {
                    unit_clusters[u] = Some(c);
                }
                unit_weights
            }
            Some(k) => {
                if k > cluster_units.len() {
                    return Err(ModelError::InvalidParam {
                        param: "merge_to_k",
                        rule: "must be ≤ the number of non-empty units",
                        value: format!("{k} (the map has {} non-empty units)", cluster_units.len()),
                    });
                }
                let merged = AgglomerativeParams { n_clusters: k, linkage: Linkage::Ward }.fit(unit_weights.view())?;
                for (&u, &c) in cluster_units.iter().zip(&merged.labels) {
                    unit_clusters[u] = Some(c);
                }
                merged.centroids
            }
        };
        let labels = bmus.iter().map(|&b| unit_clusters[b]).collect();
        Ok(SomModel { weights, bmus, unit_clusters, cluster_units, labels, centroids })
    }
}

/// MiniSom's `pca_weights_init(X)` for a `rows × cols` map: unit `(i, j)` gets
/// `mean + c1_i · pc1 + c2_j · pc2` with `c1 = linspace(−1, 1, rows)`, `c2 = linspace(−1, 1,
/// cols)` and `pc1`, `pc2` the unit eigenvectors of the two largest eigenvalues of the sample
/// covariance (`np.cov(X, rowvar=False)`).
///
/// Differs: an eigenvector's sign is arbitrary, and MiniSom keeps whatever LAPACK's `eigh`
/// returns; we fix each axis so its largest-magnitude loading is positive (as
/// [`pca`](fn@crate::models::pca) does), so our map may be MiniSom's mirrored along either grid
/// axis. Errors: fewer than 2 rows or 2 features, NaN/inf values.
pub fn pca_weights(x: ArrayView2<f64>, rows: usize, cols: usize) -> Result<Array3<f64>, ModelError> {
    if x.ncols() < 2 || x.nrows() < 2 {
        return Err(ModelError::InvalidParam {
            param: "init",
            rule: "pca needs at least 2 rows and 2 features",
            value: format!("{} rows, {} features", x.nrows(), x.ncols()),
        });
    }
    let projection = pca(x, 2)?;
    let pc1 = projection.components.row(0);
    let pc2 = projection.components.row(1);
    let mean = x.mean_axis(Axis(0)).expect("at least 2 rows");
    let c1 = linspace(rows);
    let c2 = linspace(cols);
    let mut w = Array3::zeros((rows, cols, x.ncols()));
    for (i, &a) in c1.iter().enumerate() {
        for (j, &b) in c2.iter().enumerate() {
            for (k, out) in w.slice_mut(ndarray::s![i, j, ..]).iter_mut().enumerate() {
                *out = mean[k] + a * pc1[k] + b * pc2[k];
            }
        }
    }
    Ok(w)
}

/// `numpy.linspace(-1, 1, n)`: `start + k · step` with `step = 2 / (n − 1)`, the last value
/// exactly `1`; `[-1]` for `n = 1`.
fn linspace(n: usize) -> Vec<f64> {
    if n == 1 {
        return vec![-1.0];
    }
    let step = 2.0 / (n - 1) as f64;
    let mut out: Vec<f64> = (0..n).map(|k| k as f64 * step - 1.0).collect();
    out[n - 1] = 1.0;
    out
}

impl SomModel {
    /// Cluster of each fitted row, `0..n_clusters`. Never `None`: the `Option` is the shape
    /// shared with clusterers that mark noise.
    #[must_use]
    pub fn labels(&self) -> &[Option<usize>] {
        &self.labels
    }

    /// Number of clusters: non-empty units, or `merge_to_k`.
    #[must_use]
    pub fn n_clusters(&self) -> usize {
        self.centroids.nrows()
    }

    /// `(n_clusters, n_features)`: each non-empty unit's weights (cluster order), or with
    /// `merge_to_k` the unweighted mean of each merged group's unit weights.
    #[must_use]
    pub fn centroids(&self) -> ArrayView2<'_, f64> {
        self.centroids.view()
    }

    /// The cluster of each row of `x`: that of its best-matching unit among the non-empty units
    /// (first of least Euclidean distance, row-major), so a fitted row gets its label back. A
    /// new row whose overall best-matching unit won no fitted row goes to the nearest unit that
    /// did.
    #[must_use]
    pub fn assign(&self, x: ArrayView2<f64>) -> Vec<usize> {
        let units = self.unit_weights();
        let mut diff = vec![0.0; x.ncols()];
        x.rows()
            .into_iter()
            .map(|row| {
                let mut best = (0, f64::INFINITY);
                for (c, &u) in self.cluster_units.iter().enumerate() {
                    let dist = distance(units.row(u), row, &mut diff);
                    if dist < best.1 {
                        best = (c, dist);
                    }
                }
                self.unit_clusters[self.cluster_units[best.0]].expect("a non-empty unit has a cluster")
            })
            .collect()
    }

    /// `(rows, cols, n_features)` trained weights (MiniSom's `get_weights()`).
    #[must_use]
    pub fn weights(&self) -> ArrayView3<'_, f64> {
        self.weights.view()
    }

    /// Best-matching unit (row-major index) of each fitted row, over all units (MiniSom's
    /// `winner`, flattened).
    #[must_use]
    pub fn bmus(&self) -> &[usize] {
        &self.bmus
    }

    /// Cluster of each unit (row-major), `None` for the units that won no fitted row.
    #[must_use]
    pub fn unit_clusters(&self) -> &[Option<usize>] {
        &self.unit_clusters
    }

    /// Best-matching unit (row-major index) of `row` over all units: MiniSom's `winner`.
    #[must_use]
    pub fn winner(&self, row: ArrayView1<f64>) -> usize {
        winner(self.weights.view(), row, &mut vec![0.0; row.len()])
    }

    fn unit_weights(&self) -> ArrayView2<'_, f64> {
        let (r, c, d) = self.weights.dim();
        self.weights.view().into_shape_with_order((r * c, d)).expect("standard layout")
    }
}

/// MiniSom's `winner(x)`: `argmin ‖x − w(i, j)‖` over the units in row-major order, first
/// minimum.
fn winner(weights: ArrayView3<f64>, row: ArrayView1<f64>, diff: &mut [f64]) -> usize {
    let mut best = (0, f64::INFINITY);
    for (u, unit) in weights.lanes(Axis(2)).into_iter().enumerate() {
        let dist = distance(unit, row, diff);
        if dist < best.1 {
            best = (u, dist);
        }
    }
    best.0
}

/// `linalg.norm(x − w)` as numpy computes it: squares summed by `add.reduce` (pairwise), then
/// the square root, so near-equal distances compare as they do in MiniSom.
fn distance(unit: ArrayView1<f64>, row: ArrayView1<f64>, squares: &mut [f64]) -> f64 {
    for ((s, &x), &w) in squares.iter_mut().zip(row.iter()).zip(unit.iter()) {
        let d = x - w;
        *s = d * d;
    }
    pairwise_sum(squares).sqrt()
}

/// numpy's `pairwise_sum` (`loops_utils.h`), the summation of `np.add.reduce` along a
/// contiguous axis: a plain loop below 8 values, eight interleaved accumulators up to 128,
/// halves (at a multiple of 8) above.
fn pairwise_sum(a: &[f64]) -> f64 {
    let n = a.len();
    if n < 8 {
        let mut res = 0.0;
        for v in a {
            res += v;
        }
        res
    } else if n <= 128 {
        let mut r = [0.0; 8];
        r.copy_from_slice(&a[..8]);
        let mut i = 8;
        while i < n - n % 8 {
            for (k, acc) in r.iter_mut().enumerate() {
                *acc += a[i + k];
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for v in &a[i..] {
            res += v;
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        pairwise_sum(&a[..n2]) + pairwise_sum(&a[n2..])
    }
}

/// The checks every entry point makes on the data.
fn check_data(x: ArrayView2<f64>) -> Result<(), ModelError> {
    if x.nrows() == 0 {
        return Err(ModelError::TooFewRows { n_clusters: 1, n_rows: 0 });
    }
    if x.ncols() == 0 {
        return Err(ModelError::InvalidParam { param: "x", rule: "must have ≥ 1 column", value: "0".into() });
    }
    if x.iter().any(|v| !v.is_finite()) {
        return Err(ModelError::NonFinite);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use ndarray::{array, Array3};
    use rand::SeedableRng;

    use super::*;

    fn params(rows: usize, cols: usize) -> SomParams {
        SomParams { rows, cols, ..SomParams::default() }
    }

    #[test]
    fn one_step_update_by_hand() {
        // 1 × 2 map, 1 feature, weights [0, 10], one step with x = 2 at t = 0 (T = 1):
        // η = 0.5, σ = 1, winner unit 0 (|2 − 0| < |2 − 10|),
        // g = [0.5, 0.5·exp(−1/2)]; w0 = 0 + 0.5·(2 − 0) = 1, w1 = 10 + 0.5·e^{−1/2}·(2 − 10).
        let x = array![[2.0]];
        let w0 = Array3::from_shape_vec((1, 2, 1), vec![0.0, 10.0]).expect("shape");
        let model = params(1, 2).train_from(x.view(), w0, &[0]).expect("train");
        assert_eq!(model.weights()[[0, 0, 0]], 1.0);
        let expected = 10.0 - 4.0 * (-0.5_f64).exp();
        assert!((model.weights()[[0, 1, 0]] - expected).abs() < 1e-15);
        assert_eq!(model.bmus(), &[0]);
        assert_eq!(model.labels(), &[Some(0)]);
        assert_eq!(model.unit_clusters(), &[Some(0), None]);
    }

    #[test]
    fn second_step_uses_decayed_rates() {
        // 1 × 1 map, T = 2: step 0 (η = 0.5) moves 0 → 1 towards 2; step 1 decays by
        // 1 + 1/(2/2) = 2 (η = 0.25, σ = 0.5), the winner's gain is η: 1 + 0.25·(4 − 1) = 1.75.
        let x = array![[2.0], [4.0]];
        let w0 = Array3::zeros((1, 1, 1));
        let model = params(1, 1).train_from(x.view(), w0, &[0, 1]).expect("train");
        assert_eq!(model.weights()[[0, 0, 0]], 1.75);
    }

    #[test]
    fn winner_ties_go_to_the_first_unit() {
        let x = array![[5.0]];
        let w0 = Array3::from_shape_vec((2, 2, 1), vec![4.0, 6.0, 4.0, 6.0]).expect("shape");
        let model = SomParams { learning_rate: 1e-300, ..params(2, 2) }.train_from(x.view(), w0, &[0]).expect("train");
        assert_eq!(model.bmus(), &[0]);
    }

    #[test]
    fn pairwise_sum_matches_numpy_blocking() {
        let a: Vec<f64> = (0..300).map(|k| 1.0 / (k as f64 + 1.0)).collect();
        let plain: f64 = a.iter().sum();
        assert!((pairwise_sum(&a) - plain).abs() < 1e-12);
        assert_eq!(pairwise_sum(&a[..5]), a[..5].iter().fold(0.0, |s, v| s + v));
    }

    #[test]
    fn clusters_are_non_empty_units_in_row_major_order() {
        let x = array![[0.0, 0.0], [0.1, 0.0], [10.0, 10.0], [10.0, 9.9]];
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let model = SomParams { n_iterations: 200, ..params(2, 3) }.fit(x.view(), &mut rng).expect("fit");
        let labels: Vec<usize> = model.labels().iter().map(|l| l.expect("labelled")).collect();
        assert_eq!(labels[0], labels[1]);
        assert_eq!(labels[2], labels[3]);
        assert_ne!(labels[0], labels[2]);
        assert_eq!(model.assign(x.view()), labels);
        let mut units: Vec<usize> = model.unit_clusters().iter().flatten().copied().collect();
        let sorted = units.clone();
        units.sort_unstable();
        assert_eq!(units, sorted, "cluster ids increase with the unit index");
        assert_eq!(model.n_clusters(), units.len());
    }

    #[test]
    fn merge_to_k_merges_units_with_ward() {
        let x = array![[0.0, 0.0], [0.1, 0.0], [0.0, 0.2], [10.0, 10.0], [10.0, 9.9], [9.8, 10.0]];
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let model =
            SomParams { n_iterations: 300, merge_to_k: Some(2), ..params(3, 3) }.fit(x.view(), &mut rng).expect("fit");
        let labels: Vec<usize> = model.labels().iter().map(|l| l.expect("labelled")).collect();
        assert_eq!(labels, vec![0, 0, 0, 1, 1, 1]);
        assert_eq!(model.n_clusters(), 2);
        assert_eq!(model.assign(array![[9.0, 9.0], [1.0, 0.5]].view()), vec![1, 0]);
    }

    #[test]
    fn merge_to_more_than_the_non_empty_units_is_rejected() {
        let x = array![[0.0], [0.0]];
        let w0 = Array3::zeros((2, 2, 1));
        let params = SomParams { merge_to_k: Some(2), ..params(2, 2) };
        assert!(matches!(
            params.train_from(x.view(), w0, &[0]),
            Err(ModelError::InvalidParam { param: "merge_to_k", .. })
        ));
    }

    #[test]
    fn empty_input_is_rejected() {
        let x = Array2::<f64>::zeros((0, 3));
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        assert!(matches!(params(2, 2).fit(x.view(), &mut rng), Err(ModelError::TooFewRows { n_rows: 0, .. })));
        let x = Array2::<f64>::zeros((3, 0));
        assert!(matches!(params(2, 2).fit(x.view(), &mut rng), Err(ModelError::InvalidParam { param: "x", .. })));
    }

    #[test]
    fn non_finite_input_is_rejected() {
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        for bad in [f64::NAN, f64::INFINITY] {
            let x = array![[0.0, 1.0], [bad, 2.0]];
            assert_eq!(params(2, 2).fit(x.view(), &mut rng), Err(ModelError::NonFinite));
        }
    }

    #[test]
    fn wrong_weight_shape_is_rejected() {
        let x = array![[0.0, 1.0]];
        let w0 = Array3::zeros((2, 2, 3));
        assert!(matches!(
            params(2, 2).train_from(x.view(), w0, &[0]),
            Err(ModelError::InvalidParam { param: "weights", .. })
        ));
    }

    #[test]
    fn bad_order_is_rejected() {
        let x = array![[0.0, 1.0]];
        for order in [&[][..], &[1][..]] {
            let w0 = Array3::zeros((2, 2, 2));
            assert!(matches!(
                params(2, 2).train_from(x.view(), w0, order),
                Err(ModelError::InvalidParam { param: "order", .. })
            ));
        }
    }

    #[test]
    fn pca_init_needs_two_features() {
        let x = array![[0.0], [1.0], [2.0]];
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let params = SomParams { init: SomInit::Pca, ..params(2, 2) };
        assert!(matches!(params.fit(x.view(), &mut rng), Err(ModelError::InvalidParam { param: "init", .. })));
    }

    #[test]
    fn same_seed_same_map() {
        let x = array![[0.0, 0.0], [1.0, 0.5], [3.0, 3.0], [2.5, 3.5], [0.2, 0.1]];
        let fit = |seed| params(2, 2).fit(x.view(), &mut ChaCha8Rng::seed_from_u64(seed)).expect("fit");
        assert_eq!(fit(11), fit(11));
    }
}

//! The message passing of `_affinity_propagation`, its convergence test and final labelling.

use ndarray::{Array2, ArrayView2, Axis};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::super::centroids::{nearest_centroid, squared_euclidean};
use super::super::input::check_finite_rows;
use super::super::ModelError;
use super::{AffinityPropagationParams, ApAffinity};

/// A fitted affinity propagation clustering.
#[derive(Debug, Clone, PartialEq)]
pub struct AffinityPropagationModel {
    labels: Vec<Option<usize>>,
    exemplars: Vec<usize>,
    centroids: Array2<f64>,
    n_iter: usize,
    converged: bool,
    equal_similarities: bool,
    preference: f64,
}

impl AffinityPropagationParams {
    /// Clusters the rows of `x` (`(n_rows, n_features)`), drawing the tie-breaking noise from
    /// `rng`.
    ///
    /// Mirrors `sklearn.cluster.AffinityPropagation(damping, max_iter, convergence_iter,
    /// preference, affinity="euclidean").fit(X)` (1.9.1), i.e. `_affinity_propagation`:
    ///
    /// 1. `S = −‖x_i − x_k‖²`; the preference (given, or the median of all of `S`) goes on its
    ///    diagonal. If there is one row, or all off-diagonal similarities are equal, there is
    ///    nothing to propagate: every row is its own exemplar when the preference exceeds
    ///    `S[0, n−1]`, else row 0 is the only one (scikit-learn warns "All samples have mutually
    ///    equal similarities"; see [`AffinityPropagationModel::equal_similarities`]).
    /// 2. `S += (ε·S + 100·tiny) · N(0, 1)` elementwise, row by row, to break ties (ε and tiny of
    ///    `f64`). scikit-learn draws the normals from numpy's `random_state`; here they come
    ///    from `rng` by the Box–Muller transform, so the noise, ~1e-16 of each similarity, is a
    ///    different draw.
    /// 3. Up to `max_iter` damped updates of responsibilities `R` and availabilities `A`, in
    ///    scikit-learn's order of operations. Row `i` is an exemplar when `A[i,i] + R[i,i] > 0`;
    ///    after `convergence_iter` iterations, stop when no row's exemplar status changed over
    ///    the last `convergence_iter` iterations and there is at least one exemplar.
    /// 4. Each row joins its most similar exemplar; each cluster's exemplar becomes the member
    ///    with the largest summed similarity to the other members; rows join the most similar
    ///    of those; clusters are numbered by their exemplar's row index (`np.unique`).
    ///
    /// Without convergence scikit-learn warns and still labels the rows from the last
    /// iteration's exemplars (`converged() == false`); if there are none, every row is noise
    /// (its −1) and there are no centres.
    ///
    /// Errors: invalid params, no rows or columns, NaN/inf values.
    pub fn fit(&self, x: ArrayView2<f64>, rng: &mut ChaCha8Rng) -> Result<AffinityPropagationModel, ModelError> {
        self.validate()?;
        check_finite_rows(x)?;
        let s = match self.affinity {
            ApAffinity::Euclidean => negative_squared_distances(x),
        };
        let preference = self.preference.unwrap_or_else(|| median(&s));
        let mut normal = BoxMuller::default();
        let outcome = self.cluster(s, preference, &mut || normal.sample(rng));
        let centroids = x.select(Axis(0), &outcome.exemplars);
        Ok(AffinityPropagationModel {
            labels: outcome.labels,
            exemplars: outcome.exemplars,
            centroids,
            n_iter: outcome.n_iter,
            converged: outcome.converged,
            equal_similarities: outcome.equal_similarities,
            preference,
        })
    }
}

impl AffinityPropagationParams {
    /// `_affinity_propagation(S, preference, ...)` on similarities `s`, with the standard
    /// normals of the tie-breaking noise drawn from `normal`.
    pub(super) fn cluster(&self, mut s: Array2<f64>, preference: f64, normal: &mut impl FnMut() -> f64) -> Outcome {
        let n = s.nrows();
        if n == 1 || all_off_diagonal_equal(&s) {
            let exemplars = if preference > s[[0, n - 1]] { (0..n).collect() } else { vec![0] };
            let labels = if exemplars.len() == n { (0..n).map(Some).collect() } else { vec![Some(0); n] };
            return Outcome { labels, exemplars, n_iter: 0, converged: true, equal_similarities: true };
        }
        s.diag_mut().fill(preference);
        // S += (eps·S + tiny·100) · standard_normal((n, n)), drawn row by row
        for v in s.iter_mut() {
            *v += (f64::EPSILON * *v + f64::MIN_POSITIVE * 100.0) * normal();
        }
        propagate(&s, self.damping, self.max_iter, self.convergence_iter)
    }
}

impl AffinityPropagationModel {
    /// Cluster of each fitted row, numbered as scikit-learn's `labels_` (clusters in order of
    /// their exemplar's row). All `None` (scikit-learn's −1) when the run ended without
    /// exemplars.
    #[must_use]
    pub fn labels(&self) -> &[Option<usize>] {
        &self.labels
    }

    /// Number of clusters (exemplars); 0 when the run ended without any.
    #[must_use]
    pub fn n_clusters(&self) -> usize {
        self.exemplars.len()
    }

    /// Row index of each cluster's exemplar, ascending (`cluster_centers_indices_`).
    #[must_use]
    pub fn exemplars(&self) -> &[usize] {
        &self.exemplars
    }

    /// `(n_clusters, n_features)`: the exemplar rows (`cluster_centers_`); row `c` is cluster `c`.
    #[must_use]
    pub fn centroids(&self) -> ArrayView2<'_, f64> {
        self.centroids.view()
    }

    /// Iterations run (`n_iter_`); 0 when all similarities were equal.
    #[must_use]
    pub fn n_iter(&self) -> usize {
        self.n_iter
    }

    /// `false` when `max_iter` ran out before the exemplars settled: scikit-learn's
    /// `ConvergenceWarning`. The labels are then those of the last iteration, or all noise.
    #[must_use]
    pub fn converged(&self) -> bool {
        self.converged
    }

    /// All off-diagonal similarities were equal (or there was one row), so no messages were
    /// passed: scikit-learn warns "All samples have mutually equal similarities. Returning
    /// arbitrary cluster center(s)."
    #[must_use]
    pub fn equal_similarities(&self) -> bool {
        self.equal_similarities
    }

    /// The self-similarity used: the given preference or the median similarity.
    #[must_use]
    pub fn preference(&self) -> f64 {
        self.preference
    }

    /// The nearest exemplar of each row of `x` (squared Euclidean; ties go to the lower id; a
    /// row with NaN values gets 0): scikit-learn's `predict`. A model without exemplars has no
    /// cluster to give and assigns every row 0; check [`n_clusters`](Self::n_clusters) first,
    /// or use [`predict`](Self::predict), which returns scikit-learn's noise.
    #[must_use]
    pub fn assign(&self, x: ArrayView2<f64>) -> Vec<usize> {
        nearest_centroid(self.centroids.view(), x)
    }

    /// scikit-learn's `predict` exactly: the nearest exemplar, or `None` for every row when
    /// the model has no exemplars (sklearn's −1 with a `ConvergenceWarning`).
    #[must_use]
    pub fn predict(&self, x: ArrayView2<f64>) -> Vec<Option<usize>> {
        if self.exemplars.is_empty() {
            vec![None; x.nrows()]
        } else {
            self.assign(x).into_iter().map(Some).collect()
        }
    }
}

/// What `_affinity_propagation` returns.
#[derive(Debug, PartialEq)]
pub(super) struct Outcome {
    pub(super) labels: Vec<Option<usize>>,
    pub(super) exemplars: Vec<usize>,
    pub(super) n_iter: usize,
    pub(super) converged: bool,
    pub(super) equal_similarities: bool,
}

/// `S[i, k] = −Σ (x_i − x_k)²`, summed coordinate by coordinate; the diagonal is exactly 0.
///
/// scikit-learn's `-euclidean_distances(X, squared=True)` forms `‖x‖² − 2x·y + ‖y‖²`, clipped
/// at 0, diagonal set to 0: the same values up to rounding (~1e-16 of `‖x‖²`).
fn negative_squared_distances(x: ArrayView2<f64>) -> Array2<f64> {
    let n = x.nrows();
    let mut s = Array2::zeros((n, n));
    for i in 0..n {
        for k in i + 1..n {
            let d = -squared_euclidean(x.row(i), x.row(k));
            s[[i, k]] = d;
            s[[k, i]] = d;
        }
    }
    s
}

/// `np.median` over all entries: the middle value, or the mean of the two middle values.
pub(super) fn median(s: &Array2<f64>) -> f64 {
    let mut values: Vec<f64> = s.iter().copied().collect();
    let (len, mid) = (values.len(), values.len() / 2);
    let (below, upper, _) = values.select_nth_unstable_by(mid, f64::total_cmp);
    let upper = *upper;
    if len % 2 == 1 {
        upper
    } else {
        let lower = below.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        (lower + upper) / 2.0
    }
}

/// `_equal_similarities_and_preferences` for a scalar preference: every off-diagonal entry
/// equals the first one.
fn all_off_diagonal_equal(s: &Array2<f64>) -> bool {
    let n = s.nrows();
    let first = s[[0, 1]];
    (0..n).all(|i| (0..n).all(|k| i == k || s[[i, k]] == first))
}

/// Standard normal draws by the Box–Muller transform, both values of each pair used.
#[derive(Default)]
struct BoxMuller {
    spare: Option<f64>,
}

impl BoxMuller {
    fn sample(&mut self, rng: &mut ChaCha8Rng) -> f64 {
        if let Some(z) = self.spare.take() {
            return z;
        }
        // u1 in (0, 1] keeps the logarithm finite.
        let u1 = 1.0 - rng.gen::<f64>();
        let u2: f64 = rng.gen();
        let radius = (-2.0 * u1.ln()).sqrt();
        let (sin, cos) = (std::f64::consts::TAU * u2).sin_cos();
        self.spare = Some(radius * sin);
        radius * cos
    }
}

/// The message-passing loop and final labelling of `_affinity_propagation`, on `s` with the
/// preference and noise already in place.
fn propagate(s: &Array2<f64>, damping: f64, max_iter: usize, convergence_iter: usize) -> Outcome {
    let n = s.nrows();
    let mut a = Array2::<f64>::zeros((n, n));
    let mut r = Array2::<f64>::zeros((n, n));
    let mut tmp = Array2::<f64>::zeros((n, n));
    // e[i][it % convergence_iter]: was row i an exemplar at iteration it
    let mut e = vec![vec![false; convergence_iter]; n];
    let mut is_exemplar = vec![false; n];
    let mut column_sums = vec![0.0; n];
    let mut converged = false;
    let mut it = 0;
    while it < max_iter {
        // responsibilities
        tmp.assign(&a);
        tmp += s;
        for (mut row, s_row) in tmp.rows_mut().into_iter().zip(s.rows()) {
            let (mut arg, mut first) = (0, f64::NEG_INFINITY);
            for (k, &v) in row.iter().enumerate() {
                if v > first {
                    (arg, first) = (k, v);
                }
            }
            row[arg] = f64::NEG_INFINITY;
            let second = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            for (k, (t, &sv)) in row.iter_mut().zip(s_row).enumerate() {
                *t = if k == arg { sv - second } else { sv - first };
            }
        }
        tmp *= 1.0 - damping;
        r *= damping;
        r += &tmp;

        // availabilities
        tmp.zip_mut_with(&r, |t, &rv| *t = rv.max(0.0));
        for i in 0..n {
            tmp[[i, i]] = r[[i, i]];
        }
        column_sums.fill(0.0);
        for row in tmp.rows() {
            column_sums.iter_mut().zip(row).for_each(|(c, v)| *c += v);
        }
        for mut row in tmp.rows_mut() {
            row.iter_mut().zip(&column_sums).for_each(|(t, c)| *t -= c);
        }
        for i in 0..n {
            let diagonal = tmp[[i, i]];
            tmp.row_mut(i).mapv_inplace(|v| v.max(0.0));
            tmp[[i, i]] = diagonal;
        }
        tmp *= 1.0 - damping;
        a *= damping;
        a -= &tmp;

        // convergence
        for i in 0..n {
            is_exemplar[i] = a[[i, i]] + r[[i, i]] > 0.0;
            e[i][it % convergence_iter] = is_exemplar[i];
        }
        let k = is_exemplar.iter().filter(|&&b| b).count();
        if it >= convergence_iter {
            let settled = e.iter().all(|history| {
                let count = history.iter().filter(|&&b| b).count();
                count == convergence_iter || count == 0
            });
            if settled && k > 0 {
                converged = true;
                break;
            }
        }
        it += 1;
    }
    // `it + 1` iterations ran when the loop broke at `it`; `max_iter` when it ran out.
    let n_iter = if converged { it + 1 } else { max_iter };

    let mut exemplars: Vec<usize> = (0..n).filter(|&i| is_exemplar[i]).collect();
    if exemplars.is_empty() {
        return Outcome { labels: vec![None; n], exemplars, n_iter, converged, equal_similarities: false };
    }
    // Refine: each cluster's exemplar becomes the member with the largest column sum of
    // S[members][:, members] (summed over members in row order, as numpy's axis-0 sum).
    let c = nearest_exemplar(s, &exemplars);
    for (k, exemplar) in exemplars.iter_mut().enumerate() {
        let members: Vec<usize> = (0..n).filter(|&i| c[i] == k).collect();
        let mut sums = vec![0.0; members.len()];
        for &row in &members {
            sums.iter_mut().zip(&members).for_each(|(sum, &col)| *sum += s[[row, col]]);
        }
        *exemplar = members[argmax(&sums)];
    }
    let c = nearest_exemplar(s, &exemplars);
    let raw: Vec<usize> = c.iter().map(|&k| exemplars[k]).collect();
    let mut unique = raw.clone();
    unique.sort_unstable();
    unique.dedup();
    let labels = raw.iter().map(|v| unique.binary_search(v).ok()).collect();
    Outcome { labels, exemplars: unique, n_iter, converged, equal_similarities: false }
}

/// `c = argmax(S[:, I], axis=1); c[I] = arange(K)`.
fn nearest_exemplar(s: &Array2<f64>, exemplars: &[usize]) -> Vec<usize> {
    let mut c: Vec<usize> =
        s.rows().into_iter().map(|row| argmax(&exemplars.iter().map(|&j| row[j]).collect::<Vec<_>>())).collect();
    for (k, &i) in exemplars.iter().enumerate() {
        c[i] = k;
    }
    c
}

/// `np.argmax`: the first index of the largest value (0 for an empty slice).
fn argmax(values: &[f64]) -> usize {
    let mut best = (0, f64::NEG_INFINITY);
    for (i, &v) in values.iter().enumerate() {
        if v > best.1 {
            best = (i, v);
        }
    }
    best.0
}

#[cfg(test)]
mod tests {
    use ndarray::array;
    use rand::SeedableRng;

    use super::*;

    fn rng() -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(0)
    }

    fn params() -> AffinityPropagationParams {
        AffinityPropagationParams::default()
    }

    #[test]
    fn scikit_learn_docstring_example() {
        // AffinityPropagation(random_state=5).fit(X): labels [0,0,0,1,1,1], centres [[1,2],[4,2]]
        let x = array![[1.0, 2.0], [1.0, 4.0], [1.0, 0.0], [4.0, 2.0], [4.0, 4.0], [4.0, 0.0]];
        let model = params().fit(x.view(), &mut rng()).expect("fit");
        assert_eq!(model.labels(), &[Some(0), Some(0), Some(0), Some(1), Some(1), Some(1)]);
        assert_eq!(model.exemplars(), &[0, 3]);
        assert_eq!(model.centroids(), array![[1.0, 2.0], [4.0, 2.0]]);
        assert!(model.converged() && !model.equal_similarities());
        assert_eq!(model.assign(array![[0.0, 0.0], [4.0, 4.0]].view()), vec![0, 1]);
        assert_eq!(model.predict(array![[0.0, 0.0]].view()), vec![Some(0)]);
    }

    #[test]
    fn median_preference_counts_the_zero_diagonal() {
        let s = array![[0.0, -1.0], [-1.0, 0.0]];
        assert_eq!(median(&s), -0.5);
        let s = array![[0.0, -1.0, -4.0], [-1.0, 0.0, -9.0], [-4.0, -9.0, 0.0]];
        assert_eq!(median(&s), -1.0);
    }

    #[test]
    fn identical_rows_make_one_cluster_or_one_per_row() {
        let x = array![[1.0, 1.0], [1.0, 1.0], [1.0, 1.0]];
        // median 0 is not above S[0, 2] = 0: one exemplar, row 0
        let one = params().fit(x.view(), &mut rng()).expect("fit");
        assert_eq!((one.exemplars(), one.labels()), (&[0][..], &[Some(0); 3][..]));
        assert!(one.equal_similarities() && one.converged());
        assert_eq!(one.n_iter(), 0);
        let all =
            AffinityPropagationParams { preference: Some(1.0), ..params() }.fit(x.view(), &mut rng()).expect("fit");
        assert_eq!(all.exemplars(), &[0, 1, 2]);
        assert_eq!(all.labels(), &[Some(0), Some(1), Some(2)]);
    }

    #[test]
    fn two_rows_are_equidistant_by_definition() {
        // median −d/2 > −d: each row is its own exemplar
        let x = array![[0.0], [2.0]];
        let model = params().fit(x.view(), &mut rng()).expect("fit");
        assert!(model.equal_similarities());
        assert_eq!(model.exemplars(), &[0, 1]);
        let low = AffinityPropagationParams { preference: Some(-10.0), ..params() };
        assert_eq!(low.fit(x.view(), &mut rng()).expect("fit").exemplars(), &[0]);
    }

    #[test]
    fn a_single_row_is_its_own_exemplar() {
        let model = params().fit(array![[3.0, 4.0]].view(), &mut rng()).expect("fit");
        assert_eq!(model.labels(), &[Some(0)]);
        assert_eq!(model.exemplars(), &[0]);
    }

    #[test]
    fn running_out_of_iterations_is_flagged() {
        let x = array![[1.0, 2.0], [1.0, 4.0], [1.0, 0.0], [4.0, 2.0], [4.0, 4.0], [4.0, 0.0]];
        let model = AffinityPropagationParams { max_iter: 2, ..params() }.fit(x.view(), &mut rng()).expect("fit");
        assert!(!model.converged());
        assert_eq!(model.n_iter(), 2);
        assert_eq!(model.labels().len(), 6);
        if model.n_clusters() == 0 {
            assert!(model.labels().iter().all(Option::is_none));
            assert_eq!(model.predict(x.view()), vec![None; 6]);
        }
    }

    #[test]
    fn box_muller_draws_look_standard_normal() {
        let mut normal = BoxMuller::default();
        let mut r = rng();
        let draws: Vec<f64> = (0..20_000).map(|_| normal.sample(&mut r)).collect();
        let mean = draws.iter().sum::<f64>() / draws.len() as f64;
        let var = draws.iter().map(|z| (z - mean) * (z - mean)).sum::<f64>() / draws.len() as f64;
        assert!(mean.abs() < 0.03 && (var - 1.0).abs() < 0.05, "mean {mean}, variance {var}");
        assert!(draws.iter().all(|z| z.is_finite()));
    }

    #[test]
    fn invalid_params_and_input_are_rejected_before_work() {
        let x = array![[0.0], [1.0], [5.0]];
        let bad = AffinityPropagationParams { damping: 1.0, ..params() };
        assert!(matches!(bad.fit(x.view(), &mut rng()), Err(ModelError::InvalidParam { param: "damping", .. })));
        assert_eq!(params().fit(array![[0.0], [f64::INFINITY]].view(), &mut rng()), Err(ModelError::NonFinite));
        let empty = Array2::<f64>::zeros((0, 2));
        assert!(matches!(params().fit(empty.view(), &mut rng()), Err(ModelError::TooFewRows { .. })));
        let no_columns = Array2::<f64>::zeros((3, 0));
        assert_eq!(params().fit(no_columns.view(), &mut rng()), Err(ModelError::NoFeatures { n_rows: 3 }));
    }
}

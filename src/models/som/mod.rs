//! Self-organising maps, ported from MiniSom 2.3.6 (`minisom.py`: `MiniSom.winner`, `update`,
//! `train`, `random_weights_init`, `pca_weights_init`), with clusters read off the map.
//!
//! A `rows × cols` grid of units, each with a weight vector, is trained one row at a time: the
//! row's best-matching unit (BMU, least Euclidean distance) and its grid neighbours move
//! towards the row, by a gaussian of grid distance whose spread and height decay with the step.
//!
//! | MiniSom | here | note |
//! |---|---|---|
//! | `MiniSom(x, y, input_len, sigma=1.0, learning_rate=0.5)` | [`SomParams`] `rows`, `cols`, `sigma`, `learning_rate` | defaults `decay_function` / `sigma_decay_function = 'asymptotic_decay'`, `neighborhood_function='gaussian'`, `topology='rectangular'`, `activation_distance='euclidean'`: the only ones offered |
//! | `random_weights_init(X)` | [`SomInit::RandomRows`] | one row of `X` per unit, row-major, drawn from our `ChaCha8Rng` instead of numpy's `RandomState` |
//! | `pca_weights_init(X)` | [`SomInit::Pca`], [`pca_weights`] | eigenvector signs fixed (largest loading positive) where MiniSom keeps LAPACK's |
//! | `train_random(X, T)` | [`SomTrain::Random`] | the order `arange(T) % n` shuffled by our rng |
//! | `train_batch(X, T)` | [`SomTrain::Batch`] | `arange(T) % n`: rows in order, cycling; identical to MiniSom |
//! | `train(X, T, ...)`'s loop with a given order | [`SomParams::train_from`] | what the parity tests compare: same weights and order in, same map out |
//! | `winner(x)` | [`SomModel::winner`], [`SomModel::bmus`] | flattened row-major: unit `(i, j)` is `i · cols + j`; ties to the first |
//! | `get_weights()` | [`SomModel::weights`] | `(rows, cols, n_features)` |
//!
//! Clusters (not part of MiniSom): each non-empty unit (the BMU of at least one fitted row) is a
//! cluster, numbered `0..` in row-major unit order; empty units are not clusters. With
//! `merge_to_k = Some(k)` the non-empty units' weights are merged into `k` clusters by ward
//! agglomerative clustering ([`AgglomerativeParams`](super::AgglomerativeParams), numbered by
//! each group's first unit) and each row takes its BMU's group. [`SomModel::assign`] maps a new
//! row to the nearest non-empty unit.
//!
//! Numerics: every step performs the reference's operations in its order (`exp` of the two
//! axis terms, their product times `η`, `w + g·(x − w)`; distances as numpy's pairwise sum then
//! `sqrt`), so maps agree to rounding (a last-bit difference in `exp` between numpy's SIMD and
//! the platform's libm is possible) as long as no BMU decision is that close to a tie.

mod fit;
mod params;

pub use fit::{pca_weights, SomModel};
pub use params::{Decay, Neighborhood, SomInit, SomParams, SomTrain};

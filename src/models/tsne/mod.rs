//! t-SNE views (exact gradient), after scikit-learn's `TSNE(method="exact")` (1.9).
//!
//! t-SNE is a picture, not a measurement: it is here so that a run can draw its rows the way the
//! notebook's readers expect, next to PCA, with the trustworthiness of each view
//! (`metrics::trustworthiness`) saying how far to believe it. What matters is that a view is
//! reproducible: the exact gradient (no Barnes-Hut tree, whose approximations depend on
//! floating-point summation order), f64 throughout, each row's gradient summed in index order,
//! rows computed in parallel and collected in order, so the embedding is bit-identical for any
//! thread count.
//!
//! | scikit-learn | here | note |
//! |---|---|---|
//! | `perplexity=30` | `perplexity` | the same binary search on each row's entropy (tolerance 1e-5, 100 steps) |
//! | `early_exaggeration=12` | `early_exaggeration` | for the first 250 iterations, momentum 0.5; then momentum 0.8 |
//! | `learning_rate="auto"` | `learning_rate = "auto"` | max(n / early_exaggeration / 4, 50) |
//! | `max_iter=1000` | `max_iter` | progress checked every 50 iterations |
//! | `n_iter_without_progress=300`, `min_grad_norm=1e-7` | same | stopping rules of `_gradient_descent` |
//! | `init="pca"` | `init = "pca"` | exact PCA (`models::pca`), first column scaled to std 1e-4, as sklearn |
//! | `init="random"` | `init = "random"` | 1e-4 · N(0, 1) from the run's ChaCha stream (numpy's MT19937 is not replayed) |
//! | `metric="euclidean"` | — | squared Euclidean input distances, as sklearn uses for it |
//!
//! Deliberate differences: scikit-learn computes the perplexity search on float32 distances
//! and its PCA initialisation with the randomized solver in float32; here both are f64 and the
//! PCA is exact, so embeddings agree with scikit-learn's in shape and quality but not digit for
//! digit. Degrees of freedom are max(n_components − 1, 1), as sklearn.

mod fit;
mod params;

pub use fit::TsneEmbedding;
pub use params::{TsneInit, TsneLearningRate, TsneParams};

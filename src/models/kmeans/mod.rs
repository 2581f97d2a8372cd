//! k-means on linfa, configured in scikit-learn's terms.
//!
//! How the notebook's scikit-learn parameters map onto linfa 0.8 (`linfa-clustering`):
//!
//! | scikit-learn | linfa | note |
//! |---|---|---|
//! | `init="k-means++"` | `KMeansInit::KMeansPlusPlus` | sklearn's greedy k-means++ tries `2 + ln k` candidates per centre; linfa's is the plain D² sampling |
//! | `init="random"` | `KMeansInit::Random` | k distinct rows drawn at random in both |
//! | `n_init` | `n_runs` | best of n by inertia in both |
//! | `max_iter` | `max_n_iterations` | |
//! | `tol` (relative) | `tolerance = sqrt(tol · mean_j Var(X[:, j]))` | sklearn stops when the summed *squared* centre shift ≤ `tol · mean variance`; linfa when the Frobenius norm of the shift < `tolerance` |
//! | `random_state` | a ChaCha8 stream from the spec's seed | |
//!
//! A difference that remains: linfa updates each centroid as the mean of its members *and the
//! previous centroid* (m_k-means, which never leaves a cluster empty), where scikit-learn's
//! Lloyd step uses the members only. Converged centroids differ slightly; the metrics here are
//! always recomputed from the final assignments, as scikit-learn's functions would.

mod fit;
mod params;
mod settings;

pub use fit::KMeansModel;
pub use params::KMeansParams;
pub use settings::{KMeansInit, KMeansSettings};

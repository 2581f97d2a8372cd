//! The experiment's seed and the independent random streams derived from it (DESIGN §6).
//!
//! It lives with the splits, the first stage that draws from it, so every later stage (models,
//! spec, studies) can name it.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// The one source of randomness of an experiment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(transparent)]
pub struct Seed(pub u64);

impl Default for Seed {
    /// 42, the notebook's `random_state`.
    fn default() -> Self {
        Self(42)
    }
}

impl Seed {
    /// Independent stream for task `index` (a split, a grid cell, a bootstrap replicate).
    ///
    /// Each task gets its own ChaCha stream of the same key, so results never depend on which
    /// thread ran which task or in what order.
    #[must_use]
    pub fn rng_for(self, index: u64) -> ChaCha8Rng {
        let mut rng = ChaCha8Rng::seed_from_u64(self.0);
        rng.set_stream(index);
        rng
    }

    /// A seed for a sub-study: the stream `index` of this seed, condensed back to a `Seed`.
    ///
    /// Used to give each study of a spec its own seed space (study `i` uses `seed.derive(i)`),
    /// so adding a study never changes the randomness of the others.
    #[must_use]
    pub fn derive(self, index: u64) -> Seed {
        use rand::RngCore;
        Seed(self.rng_for(index).next_u64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngCore;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let seed = Seed(7);
        assert_eq!(seed.rng_for(3).next_u64(), seed.rng_for(3).next_u64());
        assert_ne!(seed.rng_for(3).next_u64(), seed.rng_for(4).next_u64());
        assert_ne!(Seed(8).rng_for(3).next_u64(), seed.rng_for(3).next_u64());
        assert_eq!(seed.derive(1), seed.derive(1));
        assert_ne!(seed.derive(1), seed.derive(2));
    }
}

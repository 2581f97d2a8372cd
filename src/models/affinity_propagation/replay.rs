//! Replays scikit-learn's runs bit for bit: its own similarity matrix and numpy's
//! `RandomState(0).standard_normal` draws for the noise, so that every run of
//! `tests/fixtures/models/affinity_propagation.json` must match exactly, including those whose
//! outcome the noise decides (which the public `fit`, drawing from ChaCha, cannot match).

use std::path::{Path, PathBuf};

use ndarray::Array2;
use serde::Deserialize;

use super::fit::median;
use super::AffinityPropagationParams;

/// numpy's legacy `RandomState` for an integer seed: MT19937 (`init_genrand`) and the polar
/// Gaussian of `legacy_gauss`, which keeps the second value of each pair for the next call.
struct NumpyRandomState {
    mt: [u32; 624],
    pos: usize,
    spare: Option<f64>,
}

impl NumpyRandomState {
    fn new(seed: u32) -> Self {
        let mut mt = [0u32; 624];
        mt[0] = seed;
        for i in 1..624 {
            mt[i] = 1_812_433_253u32.wrapping_mul(mt[i - 1] ^ (mt[i - 1] >> 30)).wrapping_add(i as u32);
        }
        Self { mt, pos: 624, spare: None }
    }

    fn next_u32(&mut self) -> u32 {
        if self.pos >= 624 {
            for i in 0..624 {
                let y = (self.mt[i] & 0x8000_0000) | (self.mt[(i + 1) % 624] & 0x7fff_ffff);
                let mut next = self.mt[(i + 397) % 624] ^ (y >> 1);
                if y & 1 == 1 {
                    next ^= 0x9908_b0df;
                }
                self.mt[i] = next;
            }
            self.pos = 0;
        }
        let mut y = self.mt[self.pos];
        self.pos += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    fn next_f64(&mut self) -> f64 {
        let a = f64::from(self.next_u32() >> 5);
        let b = f64::from(self.next_u32() >> 6);
        (a * 67_108_864.0 + b) / 9_007_199_254_740_992.0
    }

    fn standard_normal(&mut self) -> f64 {
        if let Some(z) = self.spare.take() {
            return z;
        }
        loop {
            let x1 = 2.0 * self.next_f64() - 1.0;
            let x2 = 2.0 * self.next_f64() - 1.0;
            let r2 = x1 * x1 + x2 * x2;
            if r2 < 1.0 && r2 != 0.0 {
                let f = (-2.0 * r2.ln() / r2).sqrt();
                self.spare = Some(f * x1);
                return f * x2;
            }
        }
    }
}

#[derive(Deserialize)]
struct Fixture {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    s: String,
    runs: Vec<Run>,
}

#[derive(Deserialize)]
struct Run {
    damping: f64,
    preference: Option<f64>,
    max_iter: usize,
    convergence_iter: usize,
    labels: Vec<i64>,
    cluster_centers_indices: Vec<usize>,
    n_iter: usize,
    converged: bool,
    equal_similarities: bool,
    noise_sensitive: bool,
}

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/models")
}

#[test]
fn numpy_standard_normal_is_reproduced() {
    // np.random.RandomState(0).standard_normal(4)
    let mut rs = NumpyRandomState::new(0);
    let draws: Vec<f64> = (0..4).map(|_| rs.standard_normal()).collect();
    assert_eq!(draws, vec![1.764052345967664, 0.4001572083672233, 0.9787379841057392, 2.240893199201458]);
}

#[test]
fn every_scikit_learn_run_is_replayed_exactly() {
    let text = std::fs::read_to_string(fixture_dir().join("affinity_propagation.json")).expect("fixture");
    let fixture: Fixture = serde_json::from_str(&text).expect("fixture parses");
    let (mut runs, mut sensitive) = (0, 0);
    for case in fixture.cases {
        let s: Array2<f64> = ndarray_npy::read_npy(fixture_dir().join(&case.s)).expect("S .npy");
        for run in &case.runs {
            let params = AffinityPropagationParams {
                damping: run.damping,
                max_iter: run.max_iter,
                convergence_iter: run.convergence_iter,
                preference: run.preference,
                ..Default::default()
            };
            let preference = run.preference.unwrap_or_else(|| median(&s));
            let mut rs = NumpyRandomState::new(0);
            let outcome = params.cluster(s.clone(), preference, &mut || rs.standard_normal());
            let what = format!("{} {params:?}", case.name);
            let labels: Vec<Option<usize>> = run.labels.iter().map(|&l| usize::try_from(l).ok()).collect();
            assert_eq!(outcome.labels, labels, "{what}: labels");
            assert_eq!(outcome.exemplars, run.cluster_centers_indices, "{what}: exemplars");
            assert_eq!(
                (outcome.n_iter, outcome.converged, outcome.equal_similarities),
                (run.n_iter, run.converged, run.equal_similarities),
                "{what}"
            );
            runs += 1;
            sensitive += usize::from(run.noise_sensitive);
        }
    }
    assert!(runs >= 130 && sensitive >= 20, "{runs} runs, {sensitive} noise-sensitive");
}

//! Property tests of `vlogmood::features::Extractor` on arbitrary input: never a panic, errors
//! for input it cannot analyse, finite output otherwise, and the same output twice.

use proptest::prelude::*;
use vlogmood::features::{Extractor, FeatureParams, FeaturesError};

const SR: u32 = 22_050;

/// PCM16-like samples: multiples of 1/32768 in [-1, 1), with runs of digital silence.
fn pcm16_signal(min_len: usize, max_len: usize) -> impl Strategy<Value = Vec<f32>> {
    prop::collection::vec((any::<i16>(), 0_u8..8), min_len..max_len)
        .prop_map(|v| v.into_iter().map(|(s, gate)| if gate == 0 { 0.0 } else { f32::from(s) / 32768.0 }).collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn any_long_enough_signal_gives_finite_features(y in pcm16_signal(2048, 12_000)) {
        let mut e = Extractor::new(FeatureParams::default()).expect("defaults are valid");
        let f = e.extract(&y, SR).expect("long enough, finite input");
        prop_assert_eq!(f.seed45.len(), 45);
        prop_assert!(f.seed45.iter().all(|v| v.is_finite()), "{:?}", f.seed45);
        prop_assert_eq!(f.logmel.dim(), (128, 128));
        prop_assert!(f.logmel.iter().all(|v| v.is_finite() && *v <= 0.0 && *v >= -80.0));
        let d = &f.descriptive;
        prop_assert!(d.tempo_bpm >= 0.0 && d.tempo_bpm.is_finite());
        prop_assert_eq!(d.n_beats == 0, d.beat_mean_frame.is_nan());
        prop_assert_eq!(e.extract(&y, SR).expect("same input"), f);
    }

    #[test]
    fn short_signals_are_an_error(y in pcm16_signal(0, 2048)) {
        let mut e = Extractor::new(FeatureParams::default()).expect("defaults are valid");
        let err = e.extract(&y, SR).expect_err("shorter than n_fft");
        let expected = matches!(err, FeaturesError::EmptyInput | FeaturesError::TooShort { .. });
        prop_assert!(expected, "unexpected error {:?}", err);
    }

    #[test]
    fn non_finite_samples_are_an_error(mut y in pcm16_signal(2048, 4096), at in any::<prop::sample::Index>(), inf in any::<bool>()) {
        let i = at.index(y.len());
        y[i] = if inf { f32::INFINITY } else { f32::NAN };
        let mut e = Extractor::new(FeatureParams::default()).expect("defaults are valid");
        let is_non_finite_error = matches!(e.extract(&y, SR), Err(FeaturesError::NonFinite { index, .. }) if index == i);
        prop_assert!(is_non_finite_error);
    }
}

#[test]
fn silence_and_a_constant_are_analysable() {
    let mut e = Extractor::new(FeatureParams::default()).expect("defaults are valid");
    for y in [vec![0.0_f32; 5000], vec![0.25_f32; 5000]] {
        let f = e.extract(&y, SR).expect("valid input");
        assert!(f.seed45.iter().all(|v| v.is_finite()));
        assert!(f.descriptive.amplitude_skew.is_nan(), "constant signal: skew is NaN as scipy");
    }
}

//! Named feature recipes a spec can select: `seed45`, `descriptive`, `logmel128`.
//!
//! One [`crate::features::Extractor`] computes all three from one STFT; a recipe name only
//! picks which output a study uses. The recipes share [`crate::features::FeatureParams`], which
//! serialises, so a run ID can hash the exact parameters.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::error::FeaturesError;

/// Column names of the `seed45` vector, in order: equal to `FEATURE_NAMES` of the reference
/// `ref_features.py` (20 MFCC means, centroid, 12 chroma, 7 contrast, ZCR, bandwidth,
/// roll-off, RMS, piptrack mean).
pub const SEED45_NAMES: [&str; 45] = [
    "mfcc_1",
    "mfcc_2",
    "mfcc_3",
    "mfcc_4",
    "mfcc_5",
    "mfcc_6",
    "mfcc_7",
    "mfcc_8",
    "mfcc_9",
    "mfcc_10",
    "mfcc_11",
    "mfcc_12",
    "mfcc_13",
    "mfcc_14",
    "mfcc_15",
    "mfcc_16",
    "mfcc_17",
    "mfcc_18",
    "mfcc_19",
    "mfcc_20",
    "spectral_centroid",
    "chroma_C",
    "chroma_C#",
    "chroma_D",
    "chroma_D#",
    "chroma_E",
    "chroma_F",
    "chroma_F#",
    "chroma_G",
    "chroma_G#",
    "chroma_A",
    "chroma_A#",
    "chroma_B",
    "contrast_0",
    "contrast_1",
    "contrast_2",
    "contrast_3",
    "contrast_4",
    "contrast_5",
    "contrast_6",
    "zero_crossing_rate",
    "spectral_bandwidth",
    "spectral_rolloff",
    "rms",
    "piptrack_mean",
];

/// Column names of the `descriptive` recipe, in the order of [`Descriptive::to_vec`].
pub const DESCRIPTIVE_NAMES: [&str; 10] = [
    "duration_s",
    "amplitude_mean",
    "amplitude_std",
    "amplitude_skew",
    "zcr_mean",
    "spectral_centroid_mean",
    "spectral_bandwidth_mean",
    "tempo_bpm",
    "beat_mean_frame",
    "n_beats",
];

/// Descriptive statistics of one file (the reference's `descriptive()`; the notebook calls
/// `beat_mean_frame` "pitch").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Descriptive {
    /// Duration, in seconds (`librosa.get_duration`).
    pub duration_s: f64,
    /// Mean sample value.
    pub amplitude_mean: f64,
    /// Population standard deviation of the samples.
    pub amplitude_std: f64,
    /// Biased skewness of the samples (`scipy.stats.skew`); NaN for a constant signal.
    pub amplitude_skew: f64,
    /// Mean zero-crossing rate over frames.
    pub zcr_mean: f64,
    /// Mean spectral centroid over frames, in Hz.
    pub spectral_centroid_mean: f64,
    /// Mean spectral bandwidth over frames, in Hz.
    pub spectral_bandwidth_mean: f64,
    /// Tempo from `beat_track`, in BPM (0 when there is no onset energy).
    pub tempo_bpm: f64,
    /// Mean beat position, in frames; NaN when there are no beats (`np.mean` of nothing).
    pub beat_mean_frame: f64,
    /// Number of beats.
    pub n_beats: usize,
}

impl Descriptive {
    /// The values in [`DESCRIPTIVE_NAMES`] order (`n_beats` as a float).
    #[must_use]
    pub fn to_vec(&self) -> Vec<f64> {
        vec![
            self.duration_s,
            self.amplitude_mean,
            self.amplitude_std,
            self.amplitude_skew,
            self.zcr_mean,
            self.spectral_centroid_mean,
            self.spectral_bandwidth_mean,
            self.tempo_bpm,
            self.beat_mean_frame,
            self.n_beats as f64,
        ]
    }
}

/// A feature recipe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Recipe {
    /// The notebook's 45-value feature vector.
    Seed45,
    /// Duration, amplitude moments, mean ZCR/centroid/bandwidth, tempo and beats.
    Descriptive,
    /// 128 × 128 log-mel image for the CNN.
    Logmel128,
}

impl Recipe {
    /// Every recipe, in name order.
    pub const ALL: [Recipe; 3] = [Recipe::Descriptive, Recipe::Logmel128, Recipe::Seed45];

    /// The recipe's name as a spec writes it.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Recipe::Seed45 => "seed45",
            Recipe::Descriptive => "descriptive",
            Recipe::Logmel128 => "logmel128",
        }
    }
}

impl fmt::Display for Recipe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Recipe {
    type Err = FeaturesError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Recipe::ALL.into_iter().find(|r| r.name() == s).ok_or_else(|| FeaturesError::UnknownRecipe {
            name: s.to_string(),
            known: Recipe::ALL.iter().map(|r| r.name()).collect(),
        })
    }
}

/// What a recipe produces.
#[derive(Debug, Clone, PartialEq)]
pub struct RecipeInfo {
    /// The recipe.
    pub recipe: Recipe,
    /// One-line description.
    pub description: &'static str,
    /// Column names of the recipe's output flattened row-major (for `logmel128`:
    /// `mel{m:03}_t{t:03}`, mel band `m`, frame `t`).
    pub columns: Vec<String>,
    /// Shape of one file's output (`[45]`, `[10]`, `[128, 128]`).
    pub shape: Vec<usize>,
}

/// Description of one recipe.
#[must_use]
pub fn recipe_info(recipe: Recipe) -> RecipeInfo {
    match recipe {
        Recipe::Seed45 => RecipeInfo {
            recipe,
            description: "notebook feature vector: 20 MFCC means, centroid, 12 chroma, 7 contrast, ZCR, bandwidth, roll-off, RMS, piptrack mean (librosa 0.11)",
            columns: SEED45_NAMES.iter().map(|s| (*s).to_string()).collect(),
            shape: vec![45],
        },
        Recipe::Descriptive => RecipeInfo {
            recipe,
            description: "duration, amplitude mean/std/skew, mean ZCR/centroid/bandwidth, beat_track tempo, mean beat frame, number of beats",
            columns: DESCRIPTIVE_NAMES.iter().map(|s| (*s).to_string()).collect(),
            shape: vec![10],
        },
        Recipe::Logmel128 => RecipeInfo {
            recipe,
            description: "128-mel power spectrogram → amplitude_to_db(ref=max) (seed-faithful) → fixed to 128 frames; shape (mel, frame)",
            columns: (0..128).flat_map(|m| (0..128).map(move |t| format!("mel{m:03}_t{t:03}"))).collect(),
            shape: vec![128, 128],
        },
    }
}

/// All recipes by name.
#[must_use]
pub fn recipes() -> BTreeMap<&'static str, RecipeInfo> {
    Recipe::ALL.into_iter().map(|r| (r.name(), recipe_info(r))).collect()
}

/// The recipe called `name`, or [`FeaturesError::UnknownRecipe`] listing the known ones.
pub fn recipe(name: &str) -> Result<RecipeInfo, FeaturesError> {
    name.parse::<Recipe>().map(recipe_info)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_lists_all_recipes() {
        let r = recipes();
        assert_eq!(r.keys().copied().collect::<Vec<_>>(), vec!["descriptive", "logmel128", "seed45"]);
        assert_eq!(r["seed45"].columns.len(), 45);
        assert_eq!(r["descriptive"].columns, DESCRIPTIVE_NAMES.to_vec());
        assert_eq!(r["logmel128"].columns.len(), 128 * 128);
        assert_eq!(r["logmel128"].columns[129], "mel001_t001");
    }

    #[test]
    fn unknown_recipe_lists_known_ones() {
        let err = recipe("seed46").expect_err("unknown");
        assert_eq!(err.to_string(), "unknown feature recipe \"seed46\"; known recipes: descriptive, logmel128, seed45");
        assert_eq!(recipe("logmel128").expect("known").recipe, Recipe::Logmel128);
    }

    #[test]
    fn recipe_names_serialise_as_written() {
        assert_eq!(serde_json::to_string(&Recipe::Seed45).expect("ser"), "\"seed45\"");
        assert_eq!(serde_json::from_str::<Recipe>("\"logmel128\"").expect("de"), Recipe::Logmel128);
        for r in Recipe::ALL {
            assert_eq!(r.name().parse::<Recipe>().expect("round trip"), r);
            assert_eq!(r.to_string(), r.name());
        }
    }

    #[test]
    fn names_are_unique() {
        let mut v = SEED45_NAMES.to_vec();
        v.sort_unstable();
        v.dedup();
        assert_eq!(v.len(), 45);
    }
}

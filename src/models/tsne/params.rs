//! t-SNE parameters (unchecked until `validate`).

use serde::{Deserialize, Serialize};

use super::super::ModelError;

/// How the embedding starts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TsneInit {
    /// The first principal components, scaled so the first has standard deviation 1e-4
    /// (scikit-learn's default since 1.2): deterministic and global structure preserving.
    #[default]
    Pca,
    /// 1e-4 · standard normal draws from the run's random stream.
    Random,
}

/// The gradient-descent step size: `"auto"` or a number.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub enum TsneLearningRate {
    /// `"auto"`: max(n_rows / early_exaggeration / 4, 50), scikit-learn's default.
    #[default]
    Auto,
    /// A fixed rate (scikit-learn suggests 10 to 1000).
    Fixed(f64),
}

impl Serialize for TsneLearningRate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Auto => s.serialize_str("auto"),
            Self::Fixed(rate) => s.serialize_f64(*rate),
        }
    }
}

impl<'de> Deserialize<'de> for TsneLearningRate {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = TsneLearningRate;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("\"auto\" or a positive number")
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<TsneLearningRate, E> {
                Ok(TsneLearningRate::Fixed(v))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<TsneLearningRate, E> {
                Ok(TsneLearningRate::Fixed(v as f64))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<TsneLearningRate, E> {
                Ok(TsneLearningRate::Fixed(v as f64))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<TsneLearningRate, E> {
                match v {
                    "auto" => Ok(TsneLearningRate::Auto),
                    other => Err(E::custom(format!("learning_rate must be \"auto\" or a number, got {other:?}"))),
                }
            }
        }
        d.deserialize_any(Visitor)
    }
}

impl schemars::JsonSchema for TsneLearningRate {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "TsneLearningRate".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "\"auto\" (max(n_rows / early_exaggeration / 4, 50)) or a positive number",
            "anyOf": [{ "const": "auto" }, { "type": "number" }]
        })
    }
}

/// t-SNE hyperparameters in scikit-learn's terms (`TSNE(method="exact")`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct TsneParams {
    /// Dimensions of the view. Default: 2.
    pub n_components: usize,
    /// Effective number of neighbours each row's Gaussian covers (must be below n_rows).
    /// Default: 30.
    pub perplexity: f64,
    /// Factor on the input affinities during the first 250 iterations. Default: 12.
    pub early_exaggeration: f64,
    /// Step size. Default: `"auto"`.
    pub learning_rate: TsneLearningRate,
    /// Iterations in total (at least 250, the exaggerated phase). Default: 1000.
    pub max_iter: usize,
    /// Stop after this many iterations without a lower KL divergence (checked every 50).
    /// Default: 300.
    pub n_iter_without_progress: usize,
    /// Stop when the gradient norm falls below this. Default: 1e-7.
    pub min_grad_norm: f64,
    /// Initialisation. Default: `pca`.
    pub init: TsneInit,
}

impl Default for TsneParams {
    fn default() -> Self {
        Self {
            n_components: 2,
            perplexity: 30.0,
            early_exaggeration: 12.0,
            learning_rate: TsneLearningRate::Auto,
            max_iter: 1000,
            n_iter_without_progress: 300,
            min_grad_norm: 1e-7,
            init: TsneInit::Pca,
        }
    }
}

impl TsneParams {
    /// Checks every field that can be checked without the data (the perplexity is checked
    /// against the row count when fitting).
    pub fn validate(&self) -> Result<(), ModelError> {
        let invalid = |param, rule, value: String| Err(ModelError::InvalidParam { param, rule, value });
        if self.n_components == 0 {
            return invalid("n_components", "must be ≥ 1", self.n_components.to_string());
        }
        if !(self.perplexity.is_finite() && self.perplexity > 0.0) {
            return invalid("perplexity", "must be > 0", self.perplexity.to_string());
        }
        if !(self.early_exaggeration.is_finite() && self.early_exaggeration >= 1.0) {
            return invalid("early_exaggeration", "must be ≥ 1", self.early_exaggeration.to_string());
        }
        if let TsneLearningRate::Fixed(rate) = self.learning_rate {
            if !(rate.is_finite() && rate > 0.0) {
                return invalid("learning_rate", "must be > 0 or \"auto\"", rate.to_string());
            }
        }
        if self.max_iter < super::fit::EXPLORATION_ITER {
            return invalid("max_iter", "must be ≥ 250", self.max_iter.to_string());
        }
        if !(self.min_grad_norm.is_finite() && self.min_grad_norm >= 0.0) {
            return invalid("min_grad_norm", "must be ≥ 0", self.min_grad_norm.to_string());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_are_scikit_learns() {
        let p = TsneParams::default();
        assert_eq!(p.validate(), Ok(()));
        assert_eq!((p.n_components, p.perplexity, p.early_exaggeration, p.max_iter), (2, 30.0, 12.0, 1000));
    }

    #[test]
    fn zero_components_is_rejected() {
        assert!(TsneParams { n_components: 0, ..Default::default() }.validate().is_err());
    }

    #[test]
    fn non_positive_perplexity_is_rejected() {
        for perplexity in [0.0, -1.0, f64::NAN] {
            assert!(TsneParams { perplexity, ..Default::default() }.validate().is_err(), "{perplexity}");
        }
    }

    #[test]
    fn early_exaggeration_below_one_is_rejected() {
        assert!(TsneParams { early_exaggeration: 0.5, ..Default::default() }.validate().is_err());
    }

    #[test]
    fn non_positive_learning_rate_is_rejected() {
        let p = TsneParams { learning_rate: TsneLearningRate::Fixed(0.0), ..Default::default() };
        assert!(p.validate().is_err());
    }

    #[test]
    fn fewer_iterations_than_the_exaggerated_phase_is_rejected() {
        assert!(TsneParams { max_iter: 100, ..Default::default() }.validate().is_err());
    }

    #[test]
    fn negative_min_grad_norm_is_rejected() {
        assert!(TsneParams { min_grad_norm: -1.0, ..Default::default() }.validate().is_err());
    }

    #[test]
    fn learning_rate_reads_auto_or_a_number() {
        let auto: TsneParams = serde_json::from_str(r#"{"learning_rate":"auto"}"#).expect("auto");
        assert_eq!(auto.learning_rate, TsneLearningRate::Auto);
        let fixed: TsneParams = serde_json::from_str(r#"{"learning_rate":200.0}"#).expect("fixed");
        assert_eq!(fixed.learning_rate, TsneLearningRate::Fixed(200.0));
        assert!(serde_json::from_str::<TsneParams>(r#"{"learning_rate":"fast"}"#).is_err());
        assert_eq!(serde_json::to_string(&auto.learning_rate).expect("json"), "\"auto\"");
    }
}

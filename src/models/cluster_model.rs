//! [`ClusterModel`]: which clustering model a study fits, with that model's own parameters.
//!
//! In a spec a model is its name (`model = "kmeans"`, every parameter at its default) or a table
//! tagged by `name` holding the model's parameters under scikit-learn's names
//! (`model = { name = "dbscan", eps = 0.5, min_samples = 5 }`). The parameter types are the
//! models' own, validated by their own `validate()`. The number of clusters is never written
//! here: it is the study's `k` (so a k-sweep or a grid over `k` can vary it), and a table that
//! sets the model's own k parameter (`n_clusters`, `n_components`, `merge_to_k`) is refused
//! with that advice.

use ndarray::ArrayView2;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::{
    AffinityPropagationParams, AgglomerativeSettings, BirchParams, Clusterer, Clustering, DbscanParams,
    GaussianMixtureParams, KMeansParams, KMeansSettings, MeanShiftParams, ModelError, OpticsParams, SomInit, SomParams,
    SomTrain, SpectralSettings,
};

/// One clustering model and its parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(remote = "Self", tag = "name", rename_all = "snake_case")]
pub enum ClusterModel {
    /// k-means (linfa), scikit-learn's `KMeans`.
    Kmeans(KMeansSettings),
    /// Agglomerative (hierarchical) clustering cut to k clusters, scikit-learn's
    /// `AgglomerativeClustering`.
    Agglomerative(AgglomerativeSettings),
    /// Spectral clustering, scikit-learn's `SpectralClustering`.
    Spectral(SpectralSettings),
    /// Density-based clustering with noise, scikit-learn's `DBSCAN`.
    Dbscan(DbscanParams),
    /// Ordering points by reachability, scikit-learn's `OPTICS`.
    Optics(OpticsParams),
    /// A mixture of k Gaussians fitted by EM, scikit-learn's `GaussianMixture`.
    GaussianMixture(GaussianMixtureParams),
    /// Modes of a kernel density estimate, scikit-learn's `MeanShift`.
    MeanShift(MeanShiftParams),
    /// Exemplars chosen by message passing, scikit-learn's `AffinityPropagation`.
    AffinityPropagation(AffinityPropagationParams),
    /// A clustering-feature tree, scikit-learn's `Birch`.
    Birch(BirchParams),
    /// A self-organising map (MiniSom's update rules).
    Som(SomParams),
}

/// Whether a model is told how many clusters to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KUse {
    /// It needs k (k-means, agglomerative, spectral, Gaussian mixture).
    Required,
    /// It can use k for a final merge step, or do without (BIRCH's global step, a SOM's units
    /// merged by ward): with the study's k it makes k clusters, without it as many as it finds.
    Optional,
    /// It finds its own number of clusters (DBSCAN, OPTICS, mean shift, affinity propagation).
    Never,
}

impl Default for ClusterModel {
    fn default() -> Self {
        Self::Kmeans(KMeansSettings::default())
    }
}

impl ClusterModel {
    /// The name used in specs, metric keys, file names and `summary.csv`.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Self::Kmeans(_) => "kmeans",
            Self::Agglomerative(_) => "agglomerative",
            Self::Spectral(_) => "spectral",
            Self::Dbscan(_) => "dbscan",
            Self::Optics(_) => "optics",
            Self::GaussianMixture(_) => "gaussian_mixture",
            Self::MeanShift(_) => "mean_shift",
            Self::AffinityPropagation(_) => "affinity_propagation",
            Self::Birch(_) => "birch",
            Self::Som(_) => "som",
        }
    }

    /// Whether the model takes the study's k.
    #[must_use]
    pub fn k_use(&self) -> KUse {
        match self {
            Self::Kmeans(_) | Self::Agglomerative(_) | Self::Spectral(_) | Self::GaussianMixture(_) => KUse::Required,
            Self::Birch(_) | Self::Som(_) => KUse::Optional,
            Self::Dbscan(_) | Self::Optics(_) | Self::MeanShift(_) | Self::AffinityPropagation(_) => KUse::Never,
        }
    }

    /// `k` when this model takes a number of clusters, else `None`: the one rule for which
    /// models a study's `k` reaches.
    #[must_use]
    pub fn given_k<K>(&self, k: Option<K>) -> Option<K> {
        k.filter(|_| self.k_use() != KUse::Never)
    }

    /// The parameter that receives k, under its scikit-learn (or MiniSom) name: never written
    /// in a spec's model table (the study's `k` sets it).
    #[must_use]
    pub fn k_param(&self) -> Option<&'static str> {
        match self {
            Self::Kmeans(_) | Self::Agglomerative(_) | Self::Spectral(_) | Self::Birch(_) => Some("n_clusters"),
            Self::GaussianMixture(_) => Some("n_components"),
            Self::Som(_) => Some("merge_to_k"),
            Self::Dbscan(_) | Self::Optics(_) | Self::MeanShift(_) | Self::AffinityPropagation(_) => None,
        }
    }

    /// Whether two fits with different random streams can differ (what `repeat` measures).
    #[must_use]
    pub fn is_seeded(&self) -> bool {
        match self {
            Self::Kmeans(_) | Self::Spectral(_) | Self::GaussianMixture(_) | Self::AffinityPropagation(_) => true,
            Self::Som(p) => p.init == SomInit::RandomRows || p.train == SomTrain::Random,
            Self::Agglomerative(_) | Self::Dbscan(_) | Self::Optics(_) | Self::MeanShift(_) | Self::Birch(_) => false,
        }
    }

    /// Whether the fitted model can assign new rows (scikit-learn's `predict`).
    #[must_use]
    pub fn can_predict(&self) -> bool {
        !matches!(self, Self::Dbscan(_) | Self::Optics(_))
    }

    /// Whether fitted labels can contain noise: DBSCAN, OPTICS, and mean shift with
    /// `cluster_all = false`. (Affinity propagation that fails to converge labels every row
    /// noise, as scikit-learn does; its metrics are then undefined rather than noise-treated.)
    #[must_use]
    pub fn can_emit_noise(&self) -> bool {
        match self {
            Self::Dbscan(_) | Self::Optics(_) => true,
            Self::MeanShift(p) => !p.cluster_all,
            _ => false,
        }
    }

    /// Checks every parameter with the model's own `validate()`.
    pub fn validate(&self) -> Result<(), ModelError> {
        match self {
            Self::Kmeans(s) => s.validate(),
            Self::Agglomerative(_) => Ok(()),
            Self::Spectral(s) => s.validate(),
            Self::Dbscan(p) => p.validate(),
            Self::Optics(p) => p.validate(),
            Self::GaussianMixture(p) => GaussianMixtureParams { n_components: 1, ..*p }.validate(),
            Self::MeanShift(p) => p.validate(),
            Self::AffinityPropagation(p) => p.validate(),
            Self::Birch(p) => BirchParams { n_clusters: None, ..*p }.validate(),
            Self::Som(p) => SomParams { merge_to_k: None, ..*p }.validate(),
        }
    }

    /// The model's complete parameters for `k` clusters (`None`: the model finds its own number;
    /// an error for a model that needs k).
    pub fn clusterer(&self, k: Option<usize>) -> Result<Box<dyn Clusterer>, ModelError> {
        let needs_k = || ModelError::InvalidParam {
            param: "k",
            rule: "this model needs a number of clusters",
            value: "none".into(),
        };
        Ok(match self {
            Self::Kmeans(s) => Box::new(KMeansParams::new(k.ok_or_else(needs_k)?, *s)),
            Self::Agglomerative(s) => Box::new(s.params(k.ok_or_else(needs_k)?)),
            Self::Spectral(s) => Box::new(s.params(k.ok_or_else(needs_k)?)),
            Self::GaussianMixture(p) => Box::new(GaussianMixtureParams { n_components: k.ok_or_else(needs_k)?, ..*p }),
            Self::Birch(p) => Box::new(BirchParams { n_clusters: k, ..*p }),
            Self::Som(p) => Box::new(SomParams { merge_to_k: k, ..*p }),
            Self::Dbscan(p) => Box::new(*p),
            Self::Optics(p) => Box::new(*p),
            Self::MeanShift(p) => Box::new(*p),
            Self::AffinityPropagation(p) => Box::new(*p),
        })
    }

    /// Fits the model with `k` clusters (see [`ClusterModel::clusterer`]) on the rows of `x`.
    pub fn fit(
        &self,
        k: Option<usize>,
        x: ArrayView2<f64>,
        rng: &mut ChaCha8Rng,
    ) -> Result<Box<dyn Clustering>, ModelError> {
        self.clusterer(k)?.fit_clustering(x, rng)
    }

    /// The parameters as `name=value` pairs joined by `;`, under scikit-learn's names and
    /// spelled as Python would (`None`, `True`), the number of clusters included: what
    /// `summary.csv` shows. Nested choices are flattened (`cluster_method=xi;xi=0.05`). Besides
    /// scikit-learn's parameters they hold the harness's own (agglomerative `holdout`) and, for
    /// the SOM, MiniSom's (`rows`, `cols`, ...).
    #[must_use]
    pub fn sklearn_params(&self, k: Option<usize>) -> String {
        let mut fields = self.fields();
        if let Some(name) = self.k_param() {
            fields.insert(name.to_string(), k.map_or(serde_json::Value::Null, serde_json::Value::from));
        }
        let mut pairs = Vec::new();
        for (name, value) in &fields {
            match value {
                serde_json::Value::Object(nested) => {
                    for (inner, v) in nested {
                        let key = if matches!(inner.as_str(), "method" | "kind") { name } else { inner };
                        pairs.push(format!("{key}={}", python_literal(v)));
                    }
                }
                other => pairs.push(format!("{name}={}", python_literal(other))),
            }
        }
        pairs.join(";")
    }

    /// The parameters as a JSON object (without `name`, without the k parameter).
    #[must_use]
    pub fn fields(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut value = match Self::serialize(self, serde_json::value::Serializer) {
            Ok(serde_json::Value::Object(map)) => map,
            _ => unreachable!("a model's parameters serialise to a JSON object"),
        };
        value.remove("name");
        if let Some(name) = self.k_param() {
            value.remove(name);
        }
        value
    }

    /// This model with some parameters replaced (a grid cell): `values` are (parameter, value)
    /// pairs, checked as a spec's table would be.
    pub fn with_values(&self, values: &[(String, serde_json::Value)]) -> Result<Self, String> {
        let mut fields = self.fields();
        fields.insert("name".into(), self.name().into());
        for (name, value) in values {
            fields.insert(name.clone(), value.clone());
        }
        Self::from_table(fields)
    }

    fn from_table(table: serde_json::Map<String, serde_json::Value>) -> Result<Self, String> {
        let model = Self::deserialize(serde_json::Value::Object(table.clone())).map_err(|e| e.to_string())?;
        // The model's k parameter reads (its params type has it) but belongs to the study.
        if let Some(k_name) = model.k_param().filter(|k| table.contains_key(*k)) {
            return Err(format!(
                "`{k_name}` of {} is set by the study's `k` (a grid varies it with `k = [...]`)",
                model.name()
            ));
        }
        Ok(model)
    }
}

/// A JSON value as Python writes it (`None`, `True`, strings unquoted).
pub(crate) fn python_literal(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => "None".into(),
        serde_json::Value::Bool(true) => "True".into(),
        serde_json::Value::Bool(false) => "False".into(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl Serialize for ClusterModel {
    /// `{ name, ...parameters }` without the k parameter (the study's `k` sets it).
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut fields = self.fields();
        fields.insert("name".into(), self.name().into());
        fields.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for ClusterModel {
    /// A name (`"dbscan"`, every parameter at its default) or a table tagged by `name`.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        match serde_json::Value::deserialize(deserializer)? {
            serde_json::Value::String(name) => {
                let mut table = serde_json::Map::new();
                table.insert("name".into(), name.into());
                Self::from_table(table).map_err(D::Error::custom)
            }
            serde_json::Value::Object(table) => Self::from_table(table).map_err(D::Error::custom),
            other => Err(D::Error::custom(format!(
                "a model is a name (\"kmeans\") or a table ({{ name = \"dbscan\", eps = 0.5 }}), got {other}"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(toml_value: &str) -> Result<ClusterModel, String> {
        #[derive(Deserialize)]
        struct Holder {
            model: ClusterModel,
        }
        toml::from_str::<Holder>(&format!("model = {toml_value}")).map(|h| h.model).map_err(|e| e.to_string())
    }

    #[test]
    fn a_name_is_the_model_with_default_parameters() {
        assert_eq!(parse("\"kmeans\""), Ok(ClusterModel::Kmeans(KMeansSettings::default())));
        assert_eq!(parse("\"dbscan\""), Ok(ClusterModel::Dbscan(DbscanParams::default())));
        assert_eq!(parse("\"gaussian_mixture\""), Ok(ClusterModel::GaussianMixture(GaussianMixtureParams::default())));
    }

    #[test]
    fn a_table_carries_the_models_own_parameters() {
        assert_eq!(
            parse("{ name = \"dbscan\", eps = 1.5, min_samples = 3 }"),
            Ok(ClusterModel::Dbscan(DbscanParams { eps: 1.5, min_samples: 3 }))
        );
        let unknown = parse("{ name = \"dbscan\", epsilon = 1.5 }").expect_err("unknown field");
        assert!(unknown.contains("epsilon"), "{unknown}");
        let unknown_model = parse("\"kmedoids\"").expect_err("unknown model");
        assert!(
            unknown_model.contains("kmedoids") && unknown_model.contains("affinity_propagation"),
            "{unknown_model}"
        );
    }

    #[test]
    fn the_number_of_clusters_belongs_to_the_study() {
        for table in [
            "{ name = \"gaussian_mixture\", n_components = 3 }",
            "{ name = \"birch\", n_clusters = 3 }",
            "{ name = \"som\", merge_to_k = 3 }",
        ] {
            let message = parse(table).expect_err(table);
            assert!(message.contains("study's `k`"), "{message}");
        }
        // A model without a k parameter just has no such field.
        let message = parse("{ name = \"dbscan\", n_clusters = 3 }").expect_err("unknown field");
        assert!(message.contains("unknown field `n_clusters`"), "{message}");
    }

    #[test]
    fn serialises_as_a_tagged_table_without_k_and_reads_back() {
        let model = ClusterModel::GaussianMixture(GaussianMixtureParams { n_components: 7, ..Default::default() });
        let json = serde_json::to_value(&model).expect("json");
        assert_eq!(json["name"], "gaussian_mixture");
        assert!(json.get("n_components").is_none());
        let back: ClusterModel = serde_json::from_value(json).expect("reads back");
        assert_eq!(back, ClusterModel::GaussianMixture(GaussianMixtureParams::default()));
    }

    #[test]
    fn sklearn_params_name_every_parameter_and_k() {
        let kmeans = ClusterModel::default().sklearn_params(Some(4));
        assert_eq!(kmeans, "init=k-means++;max_iter=300;n_clusters=4;n_init=10;tol=0.0001");
        let optics = ClusterModel::Optics(OpticsParams::default()).sklearn_params(None);
        assert_eq!(
            optics,
            "cluster_method=xi;min_cluster_size=None;predecessor_correction=True;xi=0.05;max_eps=None;min_samples=5"
        );
        assert!(ClusterModel::Birch(BirchParams::default()).sklearn_params(None).contains("n_clusters=None"));
    }

    #[test]
    fn grid_values_replace_parameters_and_are_checked() {
        let base = ClusterModel::Dbscan(DbscanParams::default());
        let cell = base.with_values(&[("eps".into(), serde_json::json!(2.0))]).expect("valid");
        assert_eq!(cell, ClusterModel::Dbscan(DbscanParams { eps: 2.0, min_samples: 5 }));
        assert!(base.with_values(&[("min_samples".into(), serde_json::json!("many"))]).is_err());
        assert!(base.with_values(&[("n_clusters".into(), serde_json::json!(3))]).is_err());
    }

    #[test]
    fn k_use_and_capabilities() {
        assert_eq!(ClusterModel::default().k_use(), KUse::Required);
        assert_eq!(ClusterModel::Birch(BirchParams::default()).k_use(), KUse::Optional);
        assert_eq!(ClusterModel::Dbscan(DbscanParams::default()).k_use(), KUse::Never);
        assert!(!ClusterModel::Dbscan(DbscanParams::default()).can_predict());
        assert!(ClusterModel::Dbscan(DbscanParams::default()).can_emit_noise());
        assert!(!ClusterModel::Agglomerative(AgglomerativeSettings::default()).is_seeded());
        assert!(ClusterModel::default().clusterer(None).is_err());
    }
}

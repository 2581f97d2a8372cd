//! `--set PATH=VALUE`: typed changes to a spec before it is hashed (as `dvc exp run -S`).
//!
//! An override is applied to the spec as written (its fields' own defaults filled in, the
//! model-dependent ones — a study's `k`, the k-means grid — not yet), read back through the
//! spec's own types and validated as a whole, so the run ID is that of the file edited the same
//! way, a wrong type or an unknown field is refused naming the override, and `spec.json` stores
//! the result. A changed model therefore gets its own defaults, and setting one grid axis makes
//! a one-axis grid.
//! Paths are the spec's TOML names: `seed`, `data.corpus`, `features.scale`, `study[1].k`,
//! `study[0].model.eps`. The value is read as a TOML value (`7`, `0.5`, `"x"`, `[2, 4]`,
//! `{ name = "dbscan" }`), and as a plain string when it is not one (`features.scale=per_group`).

use std::str::FromStr;

use serde_json::Value;

use super::{ExperimentSpec, SpecError};

/// One `PATH=VALUE` change.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    /// As written, for messages.
    text: String,
    /// The path, segment by segment.
    path: Vec<Segment>,
    /// The new value.
    value: Value,
}

/// One step of a path: a table key, or an index into an array of tables.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Key(String),
    Index(usize),
}

impl FromStr for Override {
    type Err = SpecError;

    fn from_str(text: &str) -> Result<Self, SpecError> {
        let invalid = |message: String| SpecError::invalid(format!("--set {text}"), message);
        let (path_text, value_text) =
            text.split_once('=').ok_or_else(|| invalid("expected PATH=VALUE, e.g. seed=7 or study[1].k=6".into()))?;
        let mut path = Vec::new();
        for part in path_text.trim().split('.') {
            let (key, indices) = part.split_once('[').map_or((part, ""), |(k, rest)| (k, rest));
            if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(invalid(format!("{path_text:?} is not a path like study[1].k")));
            }
            path.push(Segment::Key(key.to_string()));
            for index in indices.split('[').filter(|s| !s.is_empty()) {
                let number = index.strip_suffix(']').and_then(|n| n.parse().ok());
                path.push(Segment::Index(number.ok_or_else(|| invalid(format!("bad index in {path_text:?}")))?));
            }
        }
        Ok(Self { text: text.to_string(), path, value: parse_value(value_text.trim()) })
    }
}

/// A TOML value, or the text itself when it is not one (so strings need no quotes).
fn parse_value(text: &str) -> Value {
    #[derive(serde::Deserialize)]
    struct Holder {
        v: Value,
    }
    toml::from_str::<Holder>(&format!("v = {text}")).map_or_else(|_| Value::String(text.to_string()), |h| h.v)
}

impl Override {
    /// The override as written (`study[1].k=6`).
    #[must_use]
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The path as written (`study[1].k`).
    #[must_use]
    pub fn path(&self) -> &str {
        self.text.split_once('=').map_or(&self.text, |(p, _)| p.trim())
    }

    /// Sets the value in a spec's JSON form; the path's tables and indices must exist, except
    /// the last key, which may be new (an unset optional field).
    fn apply_to(&self, spec: &mut Value) -> Result<(), SpecError> {
        let invalid = |message: String| SpecError::invalid(self.path().to_string(), message);
        let (last, parents) = self.path.split_last().expect("a parsed path has a segment");
        let mut node = spec;
        let mut walked = String::new();
        for segment in parents {
            node = match segment {
                Segment::Key(key) => {
                    walked = if walked.is_empty() { key.clone() } else { format!("{walked}.{key}") };
                    node.get_mut(key.as_str()).ok_or_else(|| invalid(format!("the spec has no {walked}")))?
                }
                Segment::Index(i) => {
                    let items = node.as_array_mut().ok_or_else(|| invalid(format!("{walked} is not a list")))?;
                    let n = items.len();
                    walked = format!("{walked}[{i}]");
                    items.get_mut(*i).ok_or_else(|| invalid(format!("{walked}: the list has {n} entries")))?
                }
            };
        }
        match last {
            Segment::Key(key) => {
                let table = node.as_object_mut().ok_or_else(|| invalid(format!("{walked} is not a table")))?;
                table.insert(key.clone(), self.value.clone());
            }
            Segment::Index(i) => {
                let items = node.as_array_mut().ok_or_else(|| invalid(format!("{walked} is not a list")))?;
                let n = items.len();
                *items.get_mut(*i).ok_or_else(|| invalid(format!("{walked}[{i}]: the list has {n} entries")))? =
                    self.value.clone();
            }
        }
        Ok(())
    }
}

impl ExperimentSpec {
    /// This spec with `overrides` applied in order, each read back through the spec's types
    /// (so an error names the override that caused it), the corpus path normalised. Apply them
    /// before the model-dependent defaults are spelled out (as [`ExperimentSpec::load_with`]
    /// does), so a changed model gets its own defaults. Not validated.
    pub fn with_overrides(&self, overrides: &[Override]) -> Result<Self, SpecError> {
        let mut spec = self.clone();
        for o in overrides {
            let mut value = serde_json::to_value(&spec).expect("a spec always serialises to JSON");
            o.apply_to(&mut value)?;
            spec =
                serde_json::from_value(value).map_err(|e| SpecError::invalid(o.path().to_string(), e.to_string()))?;
        }
        spec.normalise_paths();
        Ok(spec)
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::spec::{KChoice, StudySpec};

    const SPEC: &str = "name = \"demo\"\n[data]\ncorpus = \"data/ravdess\"\n[[study]]\nkind = \"k_sweep\"\n\
                        [[study]]\nkind = \"bootstrap\"\nk = 4\n";

    fn set(texts: &[&str]) -> Result<ExperimentSpec, SpecError> {
        let overrides: Vec<Override> = texts.iter().map(|t| t.parse()).collect::<Result<_, _>>()?;
        let mut spec = ExperimentSpec::parse_unresolved(Path::new("demo.toml"), SPEC)?.with_overrides(&overrides)?;
        spec.resolve_defaults();
        Ok(spec)
    }

    fn field_of(result: Result<ExperimentSpec, SpecError>) -> String {
        match result {
            Err(SpecError::Invalid { field, .. }) => field,
            other => panic!("expected an invalid field, got {other:?}"),
        }
    }

    #[test]
    fn an_override_gives_the_id_of_the_spec_edited_by_hand() {
        let edited = SPEC.replace("k = 4", "k = 6").replace("name = \"demo\"", "name = \"demo\"\nseed = 7");
        let by_hand = ExperimentSpec::parse(Path::new("demo.toml"), &edited).expect("parses");
        let overridden = set(&["seed=7", "study[1].k=6"]).expect("valid");
        assert_eq!(overridden.hashed_json(), by_hand.hashed_json());
        assert!(matches!(&overridden.studies[1], StudySpec::Bootstrap(b) if b.k == Some(KChoice::Fixed(6))));
    }

    #[test]
    fn values_are_toml_or_plain_strings_and_paths_reach_into_models() {
        let s =
            set(&["features.scale=per_group", "features.scale_group_by=actor", "data.corpus=./other/"]).expect("ok");
        assert_eq!(s.features.scale_group_by.as_deref(), Some("actor"));
        assert_eq!(s.data.corpus, Path::new("other"));
        let s = set(&["study[1].model={ name = \"dbscan\", eps = 2.0 }", "study[1].k=4"]);
        // DBSCAN takes no k: the spec reads, and validation refuses the k.
        assert!(s.expect("reads").validate().is_err());
        // The sweep's model, changed before defaults are spelled out, gets its own.
        let s = set(&["study[0].model=\"spectral\""]).expect("reads");
        assert!(matches!(&s.studies[0], StudySpec::KSweep(k) if k.model.name() == "spectral"));
        let s = set(&["study[0].model.n_init=3"]).expect("reads");
        assert!(s.canonical_json().contains("\"n_init\":3"));
    }

    #[test]
    fn a_bad_override_is_refused_naming_it() {
        assert_eq!(field_of(set(&["seed"])), "--set seed");
        assert_eq!(field_of(set(&["study[x].k=3"])), "--set study[x].k=3");
        assert_eq!(field_of(set(&["study[5].k=3"])), "study[5].k");
        assert_eq!(field_of(set(&["seed=many"])), "seed");
        assert_eq!(field_of(set(&["features.nope=1"])), "features.nope");
        assert_eq!(field_of(set(&["split.fractions.train=1"])), "split.fractions.train");
    }
}

//! Sweeps: a spec run over every combination of some parameters' values (`--sweep` on the
//! command line, `[sweep]` in the file; Hydra's `--multirun`, `dvc exp run -S` with lists).
//!
//! Each member is the spec with one [`Override`] per swept path, so a member is exactly the
//! run `--set` would make and shares its run ID: members that already ran are found in the run
//! store and reused. `[sweep]` itself is not part of any member's spec or run ID.

use std::collections::BTreeMap;
use std::str::FromStr;

use serde::Deserialize;

use super::{Override, SpecError};

/// The values of one `[sweep]` entry: `"1..5"` / `"2,4,6"` as on the command line, or a list.
#[derive(Debug, Clone, PartialEq, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum SweepValues {
    /// `"a..b"` (integers, inclusive) or `"v1,v2,..."`.
    Text(String),
    /// The values themselves.
    List(Vec<serde_json::Value>),
}

/// One swept path and the overrides it takes, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepAxis {
    path: String,
    values: Vec<Override>,
}

impl SweepAxis {
    /// The path as written (`study[0].k`).
    #[must_use]
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The axis of a `[sweep]` entry.
    pub fn from_entry(path: &str, values: &SweepValues) -> Result<Self, SpecError> {
        match values {
            SweepValues::Text(text) => format!("{path}={text}").parse(),
            SweepValues::List(items) => {
                let invalid = |message: String| SpecError::invalid(format!("sweep.{path}"), message);
                if items.is_empty() {
                    return Err(invalid("needs at least one value".into()));
                }
                let values = items
                    .iter()
                    .map(|item| {
                        let toml = toml::Value::try_from(item).map_err(|e| invalid(e.to_string()))?;
                        format!("{path}={toml}").parse()
                    })
                    .collect::<Result<_, SpecError>>()?;
                Ok(Self { path: path.to_string(), values })
            }
        }
    }
}

impl FromStr for SweepAxis {
    type Err = SpecError;

    /// `PATH=a..b` (every integer from a to b) or `PATH=v1,v2,...` (values as `--set` reads
    /// them; commas inside `[...]`, `{...}` or quotes do not split).
    fn from_str(text: &str) -> Result<Self, SpecError> {
        let invalid = |message: String| SpecError::invalid(format!("--sweep {text}"), message);
        let (path, values) = text
            .split_once('=')
            .ok_or_else(|| invalid("expected PATH=VALUES, e.g. seed=1..5 or study[0].k=2,4,6".into()))?;
        let path = path.trim();
        let texts: Vec<String> = match integer_range(values.trim()) {
            Some(range) => range.map(|v| v.to_string()).collect(),
            None => split_top_level(values),
        };
        if texts.iter().any(|t| t.trim().is_empty()) {
            return Err(invalid("an empty value".into()));
        }
        let values = texts.iter().map(|v| format!("{path}={}", v.trim()).parse()).collect::<Result<_, _>>()?;
        Ok(Self { path: path.to_string(), values })
    }
}

/// `a..b` with integers `a ≤ b`, as the inclusive range.
fn integer_range(text: &str) -> Option<std::ops::RangeInclusive<i64>> {
    let (from, to) = text.split_once("..")?;
    let (from, to): (i64, i64) = (from.trim().parse().ok()?, to.trim().parse().ok()?);
    (from <= to).then_some(from..=to)
}

/// `text` split at commas outside brackets, braces and quotes.
fn split_top_level(text: &str) -> Vec<String> {
    let (mut parts, mut current, mut depth, mut quote) = (Vec::new(), String::new(), 0_i32, None);
    for c in text.chars() {
        match (quote, c) {
            (Some(q), _) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[' | '{') => depth += 1,
            (None, ']' | '}') => depth -= 1,
            (None, ',') if depth == 0 => {
                parts.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    parts.push(current);
    parts
}

/// Every combination of the axes' values, the first axis varying slowest (as nested loops
/// in axis order); one member with no overrides when there are no axes. Two axes on one path
/// are refused.
pub fn sweep_members(axes: &[SweepAxis]) -> Result<Vec<Vec<Override>>, SpecError> {
    let mut seen: BTreeMap<&str, ()> = BTreeMap::new();
    for axis in axes {
        if seen.insert(axis.path.as_str(), ()).is_some() {
            return Err(SpecError::invalid(format!("sweep {}", axis.path), "is swept twice"));
        }
    }
    let mut members: Vec<Vec<Override>> = vec![Vec::new()];
    for axis in axes {
        members = members
            .into_iter()
            .flat_map(|member| {
                axis.values.iter().map(move |value| {
                    let mut next = member.clone();
                    next.push(value.clone());
                    next
                })
            })
            .collect();
    }
    Ok(members)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(member: &[Override]) -> Vec<String> {
        member.iter().map(|o| o.text().to_string()).collect()
    }

    #[test]
    fn ranges_and_lists_expand_in_nested_loop_order() {
        let axes: Vec<SweepAxis> = ["seed=1..3", "study[0].k=2,4"].iter().map(|a| a.parse().expect("axis")).collect();
        let members = sweep_members(&axes).expect("members");
        assert_eq!(members.len(), 6);
        assert_eq!(texts(&members[0]), ["seed=1", "study[0].k=2"]);
        assert_eq!(texts(&members[1]), ["seed=1", "study[0].k=4"]);
        assert_eq!(texts(&members[5]), ["seed=3", "study[0].k=4"]);
        assert_eq!(sweep_members(&[]).expect("none"), vec![Vec::<Override>::new()]);
    }

    #[test]
    fn commas_inside_brackets_and_quotes_do_not_split() {
        let axis: SweepAxis = "study[0].grid.k=[2, 4],[6], \"a,b\"".parse().expect("axis");
        assert_eq!(axis.values.len(), 3);
        assert_eq!(axis.values[0].text(), "study[0].grid.k=[2, 4]");
        assert_eq!(axis.values[2].text(), "study[0].grid.k=\"a,b\"");
    }

    #[test]
    fn file_entries_read_lists_and_text() {
        let list = SweepAxis::from_entry("study[0].k", &SweepValues::List(vec![2.into(), 4.into()])).expect("list");
        assert_eq!(texts(&list.values), ["study[0].k=2", "study[0].k=4"]);
        let text = SweepAxis::from_entry("seed", &SweepValues::Text("5..6".into())).expect("text");
        assert_eq!(text.values.len(), 2);
        let scale = SweepAxis::from_entry("features.scale", &SweepValues::List(vec!["none".into()])).expect("s");
        assert_eq!(scale.values[0].text(), "features.scale=\"none\"");
    }

    #[test]
    fn bad_sweeps_are_refused_naming_them() {
        assert!("seed".parse::<SweepAxis>().is_err());
        assert!("seed=1,,2".parse::<SweepAxis>().is_err());
        assert!(SweepAxis::from_entry("seed", &SweepValues::List(vec![])).is_err());
        let twice: Vec<SweepAxis> = ["seed=1,2", "seed=3"].iter().map(|a| a.parse().expect("axis")).collect();
        assert!(sweep_members(&twice).is_err());
        // A range written backwards is a list of one odd value, refused when the spec reads it.
        assert_eq!("seed=5..1".parse::<SweepAxis>().expect("axis").values.len(), 1);
    }
}

//! The runs table (`vlogmood runs`): one row per run from the store's index — its folder,
//! name, ID, finish time, status, headline metrics and (on request) parameters — filtered
//! (`--where`), sorted (`--sort-by`), narrowed (`--only-changed`, `--columns`). As
//! `dvc exp show` and MLflow's `search_runs`, but over content-addressed runs.
//!
//! A key names a column exactly (`name`, `seed`, `study[0].k`,
//! `compare.kmeans.ari[emotion]`) or by its last dotted parts (`silhouette` is every
//! `….silhouette` column; `kmeans.silhouette` narrows it). A filter holds for a run when any
//! column the key names satisfies it (`tag=x`: any of the run's tags); sorting needs the key
//! to name one column.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;

use crate::study::{Column, Table};

use super::{IndexEntry, RunsError};

/// The fixed columns every row starts with.
const FIXED: [&str; 5] = ["folder", "name", "id", "finished", "status"];

/// How a filter compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    Contains,
}

/// One `--where KEY<op>VALUE` condition (`=`, `!=`, `>`, `>=`, `<`, `<=`, `~` contains).
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    key: String,
    op: Op,
    value: String,
}

impl FromStr for Filter {
    type Err = RunsError;

    fn from_str(text: &str) -> Result<Self, RunsError> {
        let bad = || {
            RunsError::Query(format!("--where {text:?}: expected KEY<op>VALUE, e.g. silhouette>0.15 or name=kmeans_grid (op: = != > >= < <= ~)"))
        };
        let at = text.find(['=', '!', '<', '>', '~']).ok_or_else(bad)?;
        let rest = &text[at..];
        let (op, len) = match rest.get(..2) {
            Some("!=") => (Op::Ne, 2),
            Some(">=") => (Op::Ge, 2),
            Some("<=") => (Op::Le, 2),
            _ => match rest.chars().next() {
                Some('=') => (Op::Eq, 1),
                Some('>') => (Op::Gt, 1),
                Some('<') => (Op::Lt, 1),
                Some('~') => (Op::Contains, 1),
                _ => return Err(bad()),
            },
        };
        let (key, value) = (text[..at].trim(), rest[len..].trim());
        if key.is_empty() {
            return Err(bad());
        }
        Ok(Self { key: key.to_string(), op, value: value.to_string() })
    }
}

impl Filter {
    fn holds(&self, cell: &str) -> bool {
        let numbers = (cell.parse::<f64>(), self.value.parse::<f64>());
        let order = match numbers {
            (Ok(a), Ok(b)) => a.partial_cmp(&b),
            _ => Some(natural_cmp(cell, &self.value)),
        };
        match self.op {
            Op::Contains => cell.contains(&self.value),
            Op::Eq => order == Some(Ordering::Equal),
            Op::Ne => order != Some(Ordering::Equal),
            Op::Gt => order == Some(Ordering::Greater),
            Op::Ge => matches!(order, Some(Ordering::Greater | Ordering::Equal)),
            Op::Lt => order == Some(Ordering::Less),
            Op::Le => matches!(order, Some(Ordering::Less | Ordering::Equal)),
        }
    }
}

/// What to list and how.
#[derive(Debug, Clone, Default)]
pub struct RunsQuery {
    /// Conditions every listed run meets.
    pub filters: Vec<Filter>,
    /// The column to sort by (ascending; missing values last), else by folder.
    pub sort_by: Option<String>,
    /// Sort descending.
    pub descending: bool,
    /// Add a column per spec parameter.
    pub params: bool,
    /// Keep only parameter and metric columns whose values differ between the listed runs.
    pub only_changed: bool,
    /// Only these columns (keys as for filters), in this order.
    pub columns: Option<Vec<String>>,
}

/// One run as named cells (numbers as their shortest text, so filters see exact values).
struct Row {
    cells: BTreeMap<String, String>,
    numbers: BTreeMap<String, f64>,
    tags: Vec<String>,
}

/// The columns `key` names among `names`: itself, else those ending in `.key`.
fn resolve<'a>(key: &str, names: impl Iterator<Item = &'a String>) -> Vec<&'a String> {
    let all: Vec<&String> = names.collect();
    if let Some(exact) = all.iter().find(|n| n.as_str() == key) {
        return vec![exact];
    }
    all.into_iter().filter(|n| n.ends_with(&format!(".{key}"))).collect()
}

/// Text compared as people count: runs of digits by their value (`k10` after `k2`).
#[must_use]
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (a.chars().peekable(), b.chars().peekable());
    loop {
        match (a.peek().copied(), b.peek().copied()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) if x.is_ascii_digit() && y.is_ascii_digit() => {
                let take = |it: &mut std::iter::Peekable<std::str::Chars>| {
                    let mut digits = String::new();
                    while let Some(c) = it.peek().copied().filter(char::is_ascii_digit) {
                        digits.push(c);
                        it.next();
                    }
                    digits
                };
                let (da, db) = (take(&mut a), take(&mut b));
                let (ta, tb) = (da.trim_start_matches('0'), db.trim_start_matches('0'));
                let by_value = ta.len().cmp(&tb.len()).then_with(|| ta.cmp(tb));
                if by_value != Ordering::Equal {
                    return by_value;
                }
            }
            (Some(x), Some(y)) => {
                if x != y {
                    return x.cmp(&y);
                }
                a.next();
                b.next();
            }
        }
    }
}

/// The runs table of `entries` under `query`.
pub fn runs_table(entries: &[IndexEntry], query: &RunsQuery) -> Result<Table, RunsError> {
    // Parameters are many per run: only rows that may show or be selected by them carry them.
    let with_params = query.params || !query.filters.is_empty() || query.sort_by.is_some() || query.columns.is_some();
    let params: Vec<BTreeMap<String, String>> =
        entries.iter().map(|e| if with_params { e.params() } else { BTreeMap::new() }).collect();
    let mut rows: Vec<Row> = entries
        .iter()
        .zip(&params)
        .map(|(e, params)| {
            let mut cells: BTreeMap<String, String> = [
                ("folder", e.folder.clone()),
                ("name", e.name.clone()),
                ("id", e.run_id.chars().take(12).collect()),
                ("finished", e.finished.clone()),
                ("status", e.status.clone()),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
            if !e.tags.is_empty() {
                cells.insert("tags".into(), e.tags.join(" "));
            }
            let mut numbers = BTreeMap::new();
            for (key, &value) in &e.headline {
                cells.insert(key.clone(), format!("{value:?}"));
                numbers.insert(key.clone(), value);
            }
            for (key, value) in params {
                cells.entry(key.clone()).or_insert_with(|| value.clone());
            }
            Row { cells, numbers, tags: e.tags.clone() }
        })
        .collect();
    for filter in &query.filters {
        rows.retain(|row| {
            if filter.key == "tag" {
                // `tag=x`: one of the run's tags is x; `tag!=x`: none is (untagged runs too).
                return if filter.op == Op::Ne {
                    !row.tags.contains(&filter.value)
                } else {
                    row.tags.iter().any(|t| filter.holds(t))
                };
            }
            resolve(&filter.key, row.cells.keys()).iter().any(|k| filter.holds(&row.cells[*k]))
        });
    }
    // Columns of the runs listed, not of every run in the store.
    let metric_names: BTreeSet<String> = rows.iter().flat_map(|r| r.numbers.keys().cloned()).collect();
    let param_names: BTreeSet<String> = rows
        .iter()
        .flat_map(|r| r.cells.keys())
        .filter(|k| !FIXED.contains(&k.as_str()) && *k != "tags" && !metric_names.contains(*k))
        .cloned()
        .collect();
    let any_tags = rows.iter().any(|r| !r.tags.is_empty());

    if let Some(key) = &query.sort_by {
        let names: BTreeSet<&String> = rows.iter().flat_map(|r| r.cells.keys()).collect();
        let named = resolve(key, names.into_iter());
        let column = match named.as_slice() {
            [one] => (*one).clone(),
            [] => return Err(RunsError::Query(format!("--sort-by {key}: no listed run has such a column"))),
            many => {
                let list: Vec<&str> = many.iter().map(|s| s.as_str()).collect();
                return Err(RunsError::Query(format!(
                    "--sort-by {key} names {} columns: {}",
                    many.len(),
                    list.join(", ")
                )));
            }
        };
        rows.sort_by(|a, b| {
            let order = match (a.cells.get(&column), b.cells.get(&column)) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => return Ordering::Greater,
                (Some(_), None) => return Ordering::Less,
                (Some(x), Some(y)) => match (a.numbers.get(&column), b.numbers.get(&column)) {
                    (Some(p), Some(q)) => p.total_cmp(q),
                    _ => match (x.parse::<f64>(), y.parse::<f64>()) {
                        (Ok(p), Ok(q)) => p.total_cmp(&q),
                        _ => natural_cmp(x, y),
                    },
                },
            };
            if query.descending {
                order.reverse()
            } else {
                order
            }
        });
    }

    let mut names: Vec<String> = FIXED.iter().map(|s| (*s).to_string()).collect();
    if any_tags {
        names.push("tags".into());
    }
    names.extend(metric_names.iter().cloned());
    if query.params {
        names.extend(param_names.iter().cloned());
    }
    if let Some(wanted) = &query.columns {
        let mut chosen = Vec::new();
        let all: Vec<String> = FIXED
            .iter()
            .map(|s| (*s).to_string())
            .chain(any_tags.then(|| "tags".to_string()))
            .chain(metric_names.iter().cloned())
            .chain(param_names.iter().cloned())
            .collect();
        for key in wanted {
            let named = resolve(key, all.iter());
            if named.is_empty() {
                return Err(RunsError::Query(format!("--columns {key}: no run has such a column")));
            }
            chosen.extend(named.into_iter().cloned());
        }
        names = chosen;
    }
    if query.only_changed {
        names.retain(|name| {
            FIXED.contains(&name.as_str()) || {
                let values: BTreeSet<Option<&String>> = rows.iter().map(|r| r.cells.get(name)).collect();
                values.len() > 1
            }
        });
    }
    let columns = names
        .iter()
        .map(|name| {
            if metric_names.contains(name.as_str()) {
                Column::float(name, rows.iter().map(|r| r.numbers.get(name).copied()))
            } else {
                Column::text(name, rows.iter().map(|r| r.cells.get(name).cloned().unwrap_or_default()))
            }
        })
        .collect();
    Ok(Table { name: "runs".into(), columns })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(folder: &str, silhouette: f64, k: &str) -> IndexEntry {
        IndexEntry {
            folder: folder.into(),
            run_id: format!("{folder:0>64}"),
            name: folder.split('-').next().unwrap_or(folder).into(),
            finished: "2026-11-30T07:00:00Z".into(),
            status: "complete".into(),
            headline: BTreeMap::from([("compare.kmeans.silhouette".to_string(), silhouette)]),
            spec: format!(r#"{{"seed":42,"study":[{{"kind":"compare","k":{k}}}]}}"#),
            tags: vec![format!("k{k}")],
        }
    }

    fn column<'a>(table: &'a Table, name: &str) -> &'a Column {
        table.columns.iter().find(|c| c.name == name).unwrap_or_else(|| panic!("no {name}"))
    }

    #[test]
    fn filters_compare_numbers_as_numbers_and_match_key_suffixes() {
        let runs = [entry("a-1", 0.1, "2"), entry("b-2", 0.2, "10"), entry("c-3", 0.3, "3")];
        let query = RunsQuery { filters: vec!["silhouette>0.15".parse().unwrap()], ..RunsQuery::default() };
        let table = runs_table(&runs, &query).unwrap();
        assert_eq!(column(&table, "folder").len(), 2);
        let query =
            RunsQuery { filters: vec!["k>=3".parse().unwrap(), "name!=c".parse().unwrap()], ..RunsQuery::default() };
        let table = runs_table(&runs, &query).unwrap();
        assert_eq!(column(&table, "folder").values, crate::study::Values::Text(vec!["b-2".into()]));
    }

    #[test]
    fn sorting_is_numeric_then_natural_and_changed_columns_only_drop_constants() {
        let runs = [entry("a-1", 0.1, "2"), entry("b-2", 0.3, "10"), entry("c-3", 0.2, "3")];
        let query = RunsQuery {
            sort_by: Some("k".into()),
            descending: true,
            params: true,
            only_changed: true,
            ..RunsQuery::default()
        };
        let table = runs_table(&runs, &query).unwrap();
        assert_eq!(
            column(&table, "study[0].k").values,
            crate::study::Values::Text(vec!["10".into(), "3".into(), "2".into()])
        );
        assert!(table.columns.iter().all(|c| c.name != "seed"), "seed is 42 everywhere");
        let err = runs_table(&runs, &RunsQuery { sort_by: Some("nope".into()), ..RunsQuery::default() }).unwrap_err();
        assert!(err.to_string().contains("nope"));
    }

    #[test]
    fn tags_filter_by_membership_and_columns_come_from_the_listed_runs() {
        let mut runs = [entry("a-1", 0.1, "2"), entry("b-2", 0.3, "10"), entry("c-3", 0.2, "3")];
        runs[2].tags.clear();
        runs[2].headline = BTreeMap::from([("other.metric".to_string(), 1.0)]);
        let query = RunsQuery { filters: vec!["tag!=k2".parse().unwrap()], ..RunsQuery::default() };
        let table = runs_table(&runs, &query).unwrap();
        assert_eq!(column(&table, "folder").values, crate::study::Values::Text(vec!["b-2".into(), "c-3".into()]));
        let query = RunsQuery { filters: vec!["name=a".parse().unwrap()], ..RunsQuery::default() };
        let table = runs_table(&runs, &query).unwrap();
        assert!(table.columns.iter().all(|c| c.name != "other.metric"), "only the listed runs' columns");
        let query = RunsQuery { columns: Some(vec!["name".into(), "tags".into()]), ..RunsQuery::default() };
        assert_eq!(runs_table(&runs, &query).unwrap().columns.len(), 2);
    }

    #[test]
    fn natural_order_counts_digits_by_value() {
        let mut names = vec!["component=10", "component=2", "k2", "k10", "k1"];
        names.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(names, ["component=2", "component=10", "k1", "k2", "k10"]);
    }

    #[test]
    fn bad_filters_say_what_is_expected() {
        assert!("silhouette".parse::<Filter>().is_err());
        assert!(">3".parse::<Filter>().is_err());
        assert_eq!("a.b[0].c ~ x".parse::<Filter>().unwrap().op, Op::Contains);
    }
}

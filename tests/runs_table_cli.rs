//! `vlogmood runs` as a researcher uses it on a store of several runs with known metrics
//! (a sweep over the mini corpus): filters, sorting, parameter columns, only-changed columns,
//! and the exports (CSV, JSON, Markdown, Parquet read back with polars).

mod util;

use std::collections::BTreeMap;
use std::path::Path;

use util::{code, fixtures, stderr, vlogmood};

const SPEC: &str = r#"name = "mini"
seed = 7
[data]
corpus = "CORPUS"
[split]
group_by = "actor"
[[study]]
kind = "compare"
models = ["kmeans"]
k = 2
bootstrap = 0
"#;

/// A store with 6 runs (seed 1–3 × k 2, 3) and their silhouettes, read from each run.
fn store() -> (tempfile::TempDir, BTreeMap<String, f64>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = SPEC.replace("CORPUS", &fixtures().join("corpus/mini").display().to_string());
    std::fs::write(dir.path().join("exp.toml"), text).expect("spec");
    let out = vlogmood(dir.path(), &["run", "exp", "--sweep", "seed=1..3", "--sweep", "study[0].k=2,3"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let mut silhouettes = BTreeMap::new();
    for entry in std::fs::read_dir(dir.path().join("runs")).expect("runs/") {
        let path = entry.expect("entry").path();
        if path.join("metrics.json").is_file() {
            let metrics: BTreeMap<String, f64> =
                serde_json::from_str(&std::fs::read_to_string(path.join("metrics.json")).unwrap()).unwrap();
            let (_, value) = metrics.iter().find(|(k, _)| k.starts_with("compare.kmeans.silhouette@")).expect("one");
            silhouettes.insert(path.file_name().unwrap().to_string_lossy().into_owned(), *value);
        }
    }
    assert_eq!(silhouettes.len(), 6);
    (dir, silhouettes)
}

fn csv_rows(text: &str) -> Vec<BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().expect("header").iter().map(str::to_string).collect();
    reader.records().map(|r| header.iter().cloned().zip(r.expect("row").iter().map(str::to_string)).collect()).collect()
}

fn runs(dir: &Path, args: &[&str]) -> String {
    let mut all = vec!["runs"];
    all.extend(args);
    let out = vlogmood(dir, &all);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    String::from_utf8(out.stdout).expect("UTF-8")
}

#[test]
fn runs_are_filtered_sorted_and_exported_at_full_precision() {
    let (dir, silhouettes) = store();
    let mut values: Vec<f64> = silhouettes.values().copied().collect();
    values.sort_by(f64::total_cmp);
    let threshold = values[2]; // keeps the 3 largest (strictly greater)
    let filter = format!("silhouette>{threshold:?}");
    let rows = csv_rows(&runs(dir.path(), &["--where", &filter, "--sort-by", "silhouette", "--desc", "--csv"]));
    let listed: Vec<f64> = rows.iter().map(|r| r["compare.kmeans.silhouette"].parse().unwrap()).collect();
    let mut expected: Vec<f64> = values[3..].to_vec();
    expected.reverse();
    assert_eq!(listed, expected, "filtered and sorted exactly");
    for row in &rows {
        assert_eq!(silhouettes[&row["folder"]], row["compare.kmeans.silhouette"].parse::<f64>().unwrap());
    }

    // Parameters as columns; filters on them; only the ones that change.
    let rows = csv_rows(&runs(dir.path(), &["--params", "--where", "seed=2", "--csv"]));
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r["seed"] == "2" && r["split.group_by"] == "actor"));
    // Among those two only k (and the metrics) differ.
    let rows =
        csv_rows(&runs(dir.path(), &["--params", "--only-changed", "--where", "seed=2", "--sort-by", "k", "--csv"]));
    assert_eq!(rows.iter().map(|r| r["study[0].k"].as_str()).collect::<Vec<_>>(), ["2", "3"]);
    assert!(!rows[0].contains_key("seed") && !rows[0].contains_key("split.group_by"), "{:?}", rows[0]);

    // JSON carries the same numbers; text is aligned and rounded for people.
    let json: Vec<serde_json::Value> = serde_json::from_str(&runs(dir.path(), &["--json"])).expect("JSON");
    assert_eq!(json.len(), 6);
    let text = runs(dir.path(), &["--columns", "name,silhouette,k", "--params"]);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 7);
    assert!(lines[0].starts_with("name") && lines[0].contains("compare.kmeans.silhouette"), "{}", lines[0]);
    let width = lines[1].len();
    assert!(lines[1..].iter().all(|l| l.len() == width), "aligned:\n{text}");
    let md = runs(dir.path(), &["--md"]);
    assert!(md.starts_with("| folder |"), "{md}");
}

#[test]
fn parquet_reads_back_with_polars_equal_to_the_csv() {
    use polars::prelude::{ParquetReader, SerReader};
    let (dir, _) = store();
    let csv = csv_rows(&runs(dir.path(), &["--params", "--csv", "--parquet", "runs.parquet"]));
    let file = std::fs::File::open(dir.path().join("runs.parquet")).expect("parquet written");
    let frame = ParquetReader::new(file).finish().expect("polars reads it");
    assert_eq!(frame.height(), csv.len());
    let silhouettes = frame.column("compare.kmeans.silhouette").expect("column").f64().expect("f64").clone();
    let folders = frame.column("folder").expect("column").str().expect("text").clone();
    for (i, row) in csv.iter().enumerate() {
        assert_eq!(folders.get(i), Some(row["folder"].as_str()));
        assert_eq!(silhouettes.get(i), Some(row["compare.kmeans.silhouette"].parse::<f64>().unwrap()));
    }
    assert_eq!(frame.width(), csv[0].len());
}

#[test]
fn a_key_that_names_nothing_or_a_bad_filter_is_an_error() {
    let (dir, _) = store();
    let out = vlogmood(dir.path(), &["runs", "--sort-by", "nonsense"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("nonsense"), "{}", stderr(&out));
    let out = vlogmood(dir.path(), &["runs", "--where", "silhouette"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("KEY<op>VALUE"), "{}", stderr(&out));
}

/// Lines of the index journal (`runs/index.jsonl`): its header, then one entry per line.
fn journal_lines(dir: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(dir.join("runs/index.jsonl")).expect("index.jsonl");
    text.lines().map(str::to_string).collect()
}

#[test]
fn a_new_run_or_tag_appends_one_index_line_and_listing_survives_a_torn_one() {
    let (dir, silhouettes) = store();
    let lines = journal_lines(dir.path());
    assert!(lines[0].contains("\"version\""), "header first: {}", lines[0]);
    assert_eq!(lines.len(), 7, "one line per run after the header: {lines:?}");
    let folder = silhouettes.keys().next().expect("a run").clone();

    let tag = vlogmood(dir.path(), &["tag", &folder, "keep"]);
    assert_eq!(code(&tag), 0, "{}", stderr(&tag));
    let after_tag = journal_lines(dir.path());
    assert_eq!(after_tag.len(), 8, "a tag appends, it does not rewrite");
    assert_eq!(after_tag[..7], lines[..], "earlier lines are untouched");
    assert!(runs(dir.path(), &["--where", "tag=keep"]).contains(&folder), "the later line wins");

    // An append cut short by a crash: listing skips it, and the next append starts a fresh line.
    let mut torn = std::fs::OpenOptions::new().append(true).open(dir.path().join("runs/index.jsonl")).expect("open");
    std::io::Write::write_all(&mut torn, b"{\"folder\":\"mini-").expect("write");
    drop(torn);
    let listed = runs(dir.path(), &[]);
    assert!(silhouettes.keys().all(|f| listed.contains(f)), "{listed}");
    let retag = vlogmood(dir.path(), &["tag", &folder, "again"]);
    assert_eq!(code(&retag), 0, "{}", stderr(&retag));
    let last = journal_lines(dir.path()).pop().expect("a line");
    assert!(last.starts_with("{\"folder\":\"") && last.contains("again"), "{last}");
    assert!(runs(dir.path(), &["--where", "tag=again"]).contains(&folder));

    // A journal grown well past its runs (many tags) is compacted by the next listing.
    for _ in 0..25 {
        let out = vlogmood(dir.path(), &["tag", &folder, "x"]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
    }
    assert!(journal_lines(dir.path()).len() > 28);
    runs(dir.path(), &[]);
    assert_eq!(journal_lines(dir.path()).len(), 7, "compacted to the header and one line per run");
    assert!(runs(dir.path(), &["--where", "tag=again"]).contains(&folder), "nothing lost in compaction");
}

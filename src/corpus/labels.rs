//! `labels.csv`: a `file` column (paths relative to the corpus root) plus any label columns.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::CorpusError;

/// The name of the optional labels file at a corpus root.
pub const LABELS_FILE_NAME: &str = "labels.csv";

/// Label columns keyed by relative file path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Labels {
    /// The label column names, in file order (without `file`).
    pub columns: Vec<String>,
    /// One row of values per file, in `columns` order.
    pub rows: BTreeMap<String, Vec<String>>,
}

impl Labels {
    /// Parses labels from CSV bytes; `path` names the file in errors.
    pub fn parse(path: &Path, bytes: &[u8]) -> Result<Self, CorpusError> {
        let invalid = |reason: String| CorpusError::InvalidLabels { path: path.to_path_buf(), reason };
        let mut reader = csv::Reader::from_reader(bytes);
        let header = reader.headers().map_err(|e| invalid(e.to_string()))?.clone();
        let file_col =
            header.iter().position(|h| h == "file").ok_or_else(|| invalid("no `file` column in the header".into()))?;
        let columns: Vec<String> =
            header.iter().enumerate().filter(|(i, _)| *i != file_col).map(|(_, h)| h.to_string()).collect();
        let mut rows = BTreeMap::new();
        for record in reader.records() {
            let record = record.map_err(|e| invalid(e.to_string()))?;
            let file = record.get(file_col).unwrap_or_default().to_string();
            let values =
                record.iter().enumerate().filter(|(i, _)| *i != file_col).map(|(_, v)| v.to_string()).collect();
            if rows.insert(file.clone(), values).is_some() {
                return Err(invalid(format!("file `{file}` appears in more than one row")));
            }
        }
        Ok(Self { columns, rows })
    }

    /// Reads `labels.csv` at a corpus root, returning its bytes too (they are fingerprinted).
    /// `Ok(None)` when the corpus has no labels file.
    pub fn read_at(root: &Path) -> Result<Option<(Self, Vec<u8>)>, CorpusError> {
        let path: PathBuf = root.join(LABELS_FILE_NAME);
        if !root.is_dir() || !path.exists() {
            return Ok(None);
        }
        let bytes = std::fs::read(&path).map_err(|source| CorpusError::Io { path: path.clone(), source })?;
        Ok(Some((Self::parse(&path, &bytes)?, bytes)))
    }

    /// Checks that every labelled file is one of `files` (relative paths); files without a
    /// label row are allowed (they are unlabelled).
    pub fn check_against<'a>(&self, path: &Path, files: impl IntoIterator<Item = &'a str>) -> Result<(), CorpusError> {
        let present: std::collections::BTreeSet<&str> = files.into_iter().collect();
        let missing: Vec<String> = self.rows.keys().filter(|f| !present.contains(f.as_str())).cloned().collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(CorpusError::LabelsNameMissingFiles { path: path.to_path_buf(), missing })
        }
    }

    /// The value of `column` for `file`, if both exist.
    #[must_use]
    pub fn get(&self, file: &str, column: &str) -> Option<&str> {
        let index = self.columns.iter().position(|c| c == column)?;
        self.rows.get(file).and_then(|row| row.get(index)).map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CSV: &[u8] = b"emotion,file,actor\nhappy,a.wav,1\nsad,sub/b.mp4,2\n";

    #[test]
    fn parses_any_column_order() {
        let labels = Labels::parse(Path::new("labels.csv"), CSV).expect("parse");
        assert_eq!(labels.columns, ["emotion", "actor"]);
        assert_eq!(labels.get("sub/b.mp4", "emotion"), Some("sad"));
        assert_eq!(labels.get("a.wav", "actor"), Some("1"));
        assert_eq!(labels.get("a.wav", "nope"), None);
    }

    #[test]
    fn rows_naming_missing_files_are_reported_by_name() {
        let labels = Labels::parse(Path::new("labels.csv"), CSV).expect("parse");
        let err = labels.check_against(Path::new("labels.csv"), ["a.wav"]).expect_err("missing");
        assert!(err.to_string().contains("sub/b.mp4"), "{err}");
        labels.check_against(Path::new("labels.csv"), ["a.wav", "sub/b.mp4", "c.wav"]).expect("all present");
    }

    #[test]
    fn missing_file_column_is_rejected() {
        let err = Labels::parse(Path::new("labels.csv"), b"name,emotion\na,b\n").expect_err("no file column");
        assert!(err.to_string().contains("`file`"));
    }

    #[test]
    fn duplicate_rows_are_rejected() {
        assert!(Labels::parse(Path::new("l.csv"), b"file,e\na.wav,x\na.wav,y\n").is_err());
    }
}

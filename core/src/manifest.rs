//! Reading manifests: files, directories and stdin, multi-document YAML or
//! JSON, with every error naming the file, the document and the position.

use std::{
    fmt,
    path::{Path, PathBuf},
};

use serde::Deserialize;
use serde_json::Value;

/// Where a document came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The file as the user named it (`-` is shown as `<stdin>`).
    pub file: String,
    /// 1-based index of the document in the file.
    pub document: usize,
    /// 1-based line where the document starts, when known.
    pub line: Option<usize>,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (document {}", self.file, self.document)?;
        if let Some(line) = self.line {
            write!(f, ", line {line}")?;
        }
        write!(f, ")")
    }
}

/// One parsed document.
#[derive(Debug, Clone)]
pub struct Document {
    pub source: Source,
    pub value: Value,
}

/// Why manifests could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("cannot read {path}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{file} (document {document}) is not valid YAML at line {line}, column {column}")]
    Syntax {
        file: String,
        document: usize,
        line: usize,
        column: usize,
        #[source]
        source: serde_yaml::Error,
    },
    #[error("{source_} is not an object: a manifest needs apiVersion, kind, metadata and spec")]
    NotAnObject { source_: Source },
    #[error("no manifests found in {0}")]
    Empty(String),
}

impl ManifestError {
    /// What the user can do about it.
    pub fn hint(&self) -> Option<String> {
        match self {
            ManifestError::Read { .. } => Some("check the path given to -f".into()),
            ManifestError::Syntax { .. } => Some(
                "check indentation and quoting around that position; separate documents with a line `---`".into(),
            ),
            ManifestError::NotAnObject { .. } => None,
            ManifestError::Empty(_) => Some("pass files ending in .yaml, .yml or .json, or - for stdin".into()),
        }
    }
}

/// Reads every document from the given paths, in order. `-` reads stdin;
/// a directory contributes its `.yaml`, `.yml` and `.json` files, sorted.
pub fn read_paths(paths: &[String]) -> Result<Vec<Document>, ManifestError> {
    let mut documents = Vec::new();
    for path in paths {
        if path == "-" {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
                .map_err(|source| ManifestError::Read { path: "<stdin>".into(), source })?;
            documents.extend(parse("<stdin>", &text)?);
            continue;
        }
        for file in expand(Path::new(path))? {
            let shown = file.display().to_string();
            let text = std::fs::read_to_string(&file)
                .map_err(|source| ManifestError::Read { path: shown.clone(), source })?;
            documents.extend(parse(&shown, &text)?);
        }
    }
    if documents.is_empty() {
        return Err(ManifestError::Empty(paths.join(", ")));
    }
    Ok(documents)
}

fn expand(path: &Path) -> Result<Vec<PathBuf>, ManifestError> {
    let read_err = |source| ManifestError::Read { path: path.display().to_string(), source };
    if !path.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files = Vec::new();
    for entry in std::fs::read_dir(path).map_err(read_err)? {
        let p = entry.map_err(read_err)?.path();
        let ext = p.extension().and_then(|e| e.to_str()).unwrap_or_default();
        if p.is_file() && matches!(ext, "yaml" | "yml" | "json") {
            files.push(p);
        }
    }
    files.sort();
    Ok(files)
}

/// Parses a multi-document YAML (or JSON) text. Empty documents are skipped
/// but still counted, so document numbers match what an editor shows.
pub fn parse(file: &str, text: &str) -> Result<Vec<Document>, ManifestError> {
    let starts = document_start_lines(text);
    let mut documents = Vec::new();
    for (i, de) in serde_yaml::Deserializer::from_str(text).enumerate() {
        let document = i + 1;
        let value = Value::deserialize(de).map_err(|source| {
            let (line, column) = source.location().map(|l| (l.line(), l.column())).unwrap_or((0, 0));
            ManifestError::Syntax { file: file.to_string(), document, line, column, source }
        })?;
        let source = Source { file: file.to_string(), document, line: starts.get(i).copied() };
        match value {
            Value::Null => continue,
            Value::Object(_) => documents.push(Document { source, value }),
            _ => return Err(ManifestError::NotAnObject { source_: source }),
        }
    }
    Ok(documents)
}

/// First content line of each `---`-separated document (1-based).
fn document_start_lines(text: &str) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut pending = Some(1);
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        if line.starts_with("---") {
            if pending.is_some() && n > 1 {
                // the previous document was empty up to here; it still counts
                starts.push(pending.take().unwrap_or(n));
            }
            pending = Some(n + 1);
            continue;
        }
        let content = !line.trim().is_empty() && !line.trim_start().starts_with('#');
        if content && let Some(p) = pending.take() {
            starts.push(if line.trim().is_empty() { p } else { n.max(p) });
        }
    }
    if let Some(p) = pending
        && !starts.is_empty()
    {
        starts.push(p);
    }
    starts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_document_of_a_multi_document_file_is_read_with_its_position() {
        let text = "a: 1\n---\n# comment\nb: 2\n---\n\nc: 3\n";
        let docs = parse("f.yaml", text).expect("parses");
        assert_eq!(docs.len(), 3);
        assert_eq!(docs[1].source.to_string(), "f.yaml (document 2, line 4)");
        assert_eq!(docs[2].source.line, Some(7));
    }

    #[test]
    fn a_syntax_error_names_the_file_document_line_and_column() {
        let text = "a: 1\n---\nb: [1, 2\nc: 3\n";
        let err = parse("bad.yaml", text).expect_err("invalid");
        let msg = err.to_string();
        assert!(msg.starts_with("bad.yaml (document 2) is not valid YAML at line"), "{msg}");
    }

    #[test]
    fn a_scalar_document_is_rejected() {
        let err = parse("s.yaml", "just text\n").expect_err("not an object");
        assert!(err.to_string().contains("is not an object"));
    }

    #[test]
    fn directories_contribute_their_manifest_files_in_order() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("b.yaml"), "b: 1\n").expect("write");
        std::fs::write(dir.path().join("a.yml"), "a: 1\n").expect("write");
        std::fs::write(dir.path().join("notes.txt"), "x").expect("write");
        let docs = read_paths(&[dir.path().display().to_string()]).expect("reads");
        assert_eq!(docs.len(), 2);
        assert!(docs[0].source.file.ends_with("a.yml"));
    }
}

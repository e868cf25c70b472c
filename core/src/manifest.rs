//! Reading manifests: files, directories and stdin, multi-document YAML or
//! JSON, with every error naming the file, the document and the position.

use std::{
    fmt,
    path::{Path, PathBuf},
};

use serde::Deserialize;
use serde_json::Value;

use crate::positions::Positions;

/// Where a document came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The file as the user named it (`-` is shown as `<stdin>`).
    pub file: String,
    /// 1-based index of the document in the file.
    pub document: usize,
    /// 1-based index in the document's `items` when it is a `kind: List`.
    pub item: Option<usize>,
    /// 1-based line where the document starts, when known.
    pub line: Option<usize>,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (document {}", self.file, self.document)?;
        if let Some(item) = self.item {
            write!(f, ", item {item}")?;
        }
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
    /// Where each field of the document is, for messages about a field.
    pub positions: std::sync::Arc<Positions>,
}

impl Document {
    /// Where a field (`spec.resourceConfig.instanceCount`) of this document
    /// is: the same source, with the line of the field (or its nearest
    /// ancestor) instead of the document's first line.
    pub fn source_of(&self, field: &str) -> Source {
        let path = match self.source.item {
            Some(item) => format!("items[{}].{field}", item - 1),
            None => field.to_string(),
        };
        Source { line: self.positions.line_of(&path).or(self.source.line), ..self.source.clone() }
    }
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
    #[error("{0} has no documents")]
    EmptyFile(String),
    #[error("{file} is not a text file (byte {offset} is not UTF-8)")]
    NotText { file: String, offset: usize },
    #[error("{file} (document {document}) nests deeper than {MAX_DEPTH} levels at line {line}, column {column}")]
    TooDeep { file: String, document: usize, line: usize, column: usize },
    #[error("{file} (document {document}, line {line}): {path}: the number is out of range")]
    NumberOutOfRange { file: String, document: usize, line: usize, path: String },
}

/// How deeply flow collections (`[`, `{`) may nest. Real manifests stay far
/// below; the YAML parser takes quadratic time on deeper input (100 000
/// `[` took 30 s), so deeper input is refused before parsing.
pub const MAX_DEPTH: usize = 64;

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
            ManifestError::EmptyFile(_) => Some(
                "the file is empty or holds only comments; a manifest needs apiVersion, kind, metadata and spec".into(),
            ),
            ManifestError::NotText { .. } => Some("-f takes YAML or JSON manifests; check the file name".into()),
            ManifestError::TooDeep { .. } => Some("no SageMaker manifest nests this deep; check the brackets".into()),
            ManifestError::NumberOutOfRange { .. } => {
                Some("SageMaker integers are at most 2147483647 (longs 9223372036854775807)".into())
            }
        }
    }
}

/// Stdin, read once per process: the same manifests applied to several
/// clusters are read for each of them.
fn stdin() -> std::io::Result<String> {
    static STDIN: std::sync::OnceLock<Result<String, (std::io::ErrorKind, String)>> = std::sync::OnceLock::new();
    STDIN
        .get_or_init(|| {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut text).map(|_| text).map_err(|e| (e.kind(), e.to_string()))
        })
        .clone()
        .map_err(|(kind, message)| std::io::Error::new(kind, message))
}

/// Reads every document from the given paths, in order. `-` reads stdin;
/// a directory contributes its `.yaml`, `.yml` and `.json` files, sorted.
pub fn read_paths(paths: &[String]) -> Result<Vec<Document>, ManifestError> {
    let mut documents = Vec::new();
    for path in paths {
        if path == "-" {
            let text = stdin().map_err(|source| ManifestError::Read { path: "<stdin>".into(), source })?;
            documents.extend(parse("<stdin>", &text)?);
            continue;
        }
        for file in expand(Path::new(path))? {
            let shown = file.display().to_string();
            let bytes = std::fs::read(&file).map_err(|source| ManifestError::Read { path: shown.clone(), source })?;
            let text = String::from_utf8(bytes)
                .map_err(|e| ManifestError::NotText { file: shown.clone(), offset: e.utf8_error().valid_up_to() })?;
            let parsed = parse(&shown, &text)?;
            // a file named on purpose that holds nothing is a mistake worth naming
            if parsed.is_empty() && !path.ends_with('/') && !Path::new(path).is_dir() {
                return Err(ManifestError::EmptyFile(shown));
            }
            documents.extend(parsed);
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
    check_depth(file, text)?;
    let mut documents = Vec::new();
    for (i, de) in serde_yaml::Deserializer::from_str(text).enumerate() {
        let document = i + 1;
        let value = Value::deserialize(de).map_err(|source| {
            let (line, column) = source.location().map(|l| (l.line(), l.column())).unwrap_or((0, 0));
            // a number JSON cannot hold is a value problem at a field, not bad YAML
            let message = source.to_string();
            if let Some(path) = message.split(": ").next().filter(|_| message.contains("number out of range")) {
                return ManifestError::NumberOutOfRange { file: file.to_string(), document, line, path: path.to_string() };
            }
            ManifestError::Syntax { file: file.to_string(), document, line, column, source }
        })?;
        let source = Source { file: file.to_string(), document, item: None, line: starts.get(i).copied() };
        let first = starts.get(i).copied().unwrap_or(1);
        let last = starts.get(i + 1).map_or(usize::MAX, |next| next.saturating_sub(1));
        let positions = std::sync::Arc::new(Positions::scan(text, first, last));
        match value {
            Value::Null => continue,
            // what `get -o yaml|json` prints for several objects applies back
            Value::Object(ref o) if is_list(o) => {
                let items = o.get("items").and_then(Value::as_array).cloned().unwrap_or_default();
                for (n, item) in items.into_iter().enumerate() {
                    let source = Source { item: Some(n + 1), ..source.clone() };
                    if !item.is_object() {
                        return Err(ManifestError::NotAnObject { source_: source });
                    }
                    documents.push(Document { source, value: item, positions: positions.clone() });
                }
            }
            Value::Object(_) => documents.push(Document { source, value, positions }),
            _ => return Err(ManifestError::NotAnObject { source_: source }),
        }
    }
    Ok(documents)
}

/// Whether a document is a kubectl `List` (`apiVersion: v1`, `kind: List`,
/// or any `*List` kind with `items`).
fn is_list(o: &serde_json::Map<String, Value>) -> bool {
    let kind = o.get("kind").and_then(Value::as_str).unwrap_or_default();
    o.get("items").is_some_and(Value::is_array) && (kind == "List" || kind.ends_with("List"))
}

/// Refuses flow collections nested deeper than [`MAX_DEPTH`], in one linear
/// pass that skips quoted text and comments.
fn check_depth(file: &str, text: &str) -> Result<(), ManifestError> {
    let (mut depth, mut document) = (0usize, 1usize);
    for (n, line) in text.lines().enumerate() {
        if line.starts_with("---") {
            document += 1;
            depth = 0;
            continue;
        }
        let mut quote: Option<char> = None;
        let mut previous = ' ';
        let mut escaped = false;
        for (column, c) in line.chars().enumerate() {
            // `\"` inside double quotes does not end them (single quotes have no escapes)
            let was_escaped = escaped;
            escaped = quote == Some('"') && c == '\\' && !was_escaped;
            match (quote, c) {
                (Some(_), _) if was_escaped => {}
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '"' | '\'') => quote = Some(c),
                (None, '#') if previous.is_whitespace() => break,
                (None, '[' | '{') => {
                    depth += 1;
                    if depth > MAX_DEPTH {
                        let (file, line, column) = (file.to_string(), n + 1, column + 1);
                        return Err(ManifestError::TooDeep { file, document, line, column });
                    }
                }
                (None, ']' | '}') => depth = depth.saturating_sub(1),
                _ => {}
            }
            previous = c;
        }
    }
    Ok(())
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
    fn deeply_nested_flow_collections_fail_fast_naming_the_position() {
        let text = format!("a: 1\n---\nb: {}\n", "[".repeat(100_000));
        let started = std::time::Instant::now();
        let err = parse("deep.yaml", &text).expect_err("too deep");
        assert_eq!(
            err.to_string(),
            format!("deep.yaml (document 2) nests deeper than {MAX_DEPTH} levels at line 3, column {}", MAX_DEPTH + 4)
        );
        // linear, not the parser's quadratic time (a bound, not a benchmark)
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        // brackets in quotes (with escaped quotes) and comments do not count
        let quoted = format!("a: \"\\\"{}\" # {}\n", "[".repeat(100), "{".repeat(100));
        parse("q.yaml", &quoted).expect("quoted brackets are text");
    }

    #[test]
    fn a_number_too_large_for_json_is_a_value_error_at_its_field() {
        let text = "spec:\n  resourceConfig:\n    instanceCount: 99999999999999999999999\n";
        let err = parse("big.yaml", text).expect_err("out of range");
        assert_eq!(err.to_string(), "big.yaml (document 1, line 3): spec.resourceConfig.instanceCount: the number is out of range");
    }

    #[test]
    fn an_empty_or_binary_file_is_named_with_a_hint_that_fits() {
        let dir = tempfile::tempdir().expect("tempdir");
        let empty = dir.path().join("empty.yaml");
        std::fs::write(&empty, "# only a comment\n").expect("write");
        let err = read_paths(&[empty.display().to_string()]).expect_err("empty");
        assert!(matches!(err, ManifestError::EmptyFile(_)), "{err}");
        assert!(err.hint().unwrap_or_default().contains("empty or holds only comments"));
        let binary = dir.path().join("model.tar.gz");
        std::fs::write(&binary, [0x1f, 0x8b, 0x08, 0x00, 0xff]).expect("write");
        let err = read_paths(&[binary.display().to_string()]).expect_err("binary");
        assert_eq!(err.to_string(), format!("{} is not a text file (byte 1 is not UTF-8)", binary.display()));
    }

    #[test]
    fn a_kubectl_list_is_read_as_its_items_each_named_by_position() {
        let text = "apiVersion: v1\nkind: List\nmetadata: {resourceVersion: ''}\nitems:\n- {kind: A, metadata: {name: a}}\n- {kind: B, metadata: {name: b}}\n";
        let docs = parse("list.yaml", text).expect("parses");
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[1].value["metadata"]["name"], "b");
        assert_eq!(docs[1].source.to_string(), "list.yaml (document 1, item 2, line 1)");
    }

    #[test]
    fn a_field_is_located_on_its_own_line_in_its_document_or_list_item() {
        let text = "a: 1\n---\nkind: X\nspec:\n  resourceConfig:\n    instanceType: ml.m5.large\n    instanceCount: -1\n";
        let docs = parse("f.yaml", text).expect("parses");
        assert_eq!(docs[1].source_of("spec.resourceConfig.instanceCount").to_string(), "f.yaml (document 2, line 7)");
        assert_eq!(docs[1].source_of("spec.resourceConfig.volumeSizeInGB").line, Some(5), "falls back to the parent");
        let list = "kind: List\nitems:\n- kind: A\n  spec:\n    x: 1\n- kind: B\n  spec:\n    y: 2\n";
        let docs = parse("l.yaml", list).expect("parses");
        assert_eq!(docs[1].source_of("spec.y").to_string(), "l.yaml (document 1, item 2, line 8)");
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

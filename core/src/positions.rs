//! Where each field of a manifest starts, so that an error names the line of
//! the offending field rather than the line its document starts on.
//!
//! serde_yaml 0.9 gives no positions for values: once a document is a JSON
//! value, the line of `spec.resourceConfig.instanceCount` is gone. Rather
//! than parse every document a second time with a full YAML parser, a light
//! line scanner follows what manifests are made of (block mappings and
//! sequences by indentation, quoted keys, comments, block scalars and flow
//! collections, which also covers JSON documents) and records the line of
//! every key and sequence item. It is a best effort: what it cannot follow it
//! skips, and [`Positions::line_of`] then answers with the nearest ancestor
//! it did record.
//!
//! Known limits: explicit keys (`? key`), keys that span lines, merge keys
//! (`<<: *anchor`, whose fields are not looked up in the anchor) and
//! implicit pairs inside flow sequences (`[a: 1]`) record nothing; a tab
//! counts as one column of indentation.

use std::collections::HashMap;

/// One step of a field path: `spec.inputDataConfig[0]["a.b"]` is
/// `Key("spec")`, `Key("inputDataConfig")`, `Index(0)`, `Key("a.b")`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Segment {
    /// A mapping key: `name` in `metadata.name`, `k.x` in `a["k.x"]`.
    Key(String),
    /// A sequence index: `0` in `a[0]`.
    Index(usize),
}

/// Splits a field path as the agent writes it: `a.b[0]["k.x"]` is
/// `[Key("a"), Key("b"), Index(0), Key("k.x")]`.
///
/// Bracketed keys are JSON strings (so `["say \"hi\""]` is the key
/// `say "hi"`); `['k.x']` and bare `[k]` are read as keys too. A bracket that
/// is unterminated or empty (`a[]`) ends the path there: what follows it
/// cannot be located.
pub fn split_path(path: &str) -> Vec<Segment> {
    let b = path.as_bytes();
    let mut segments = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'.' => i += 1,
            b'[' => {
                let Some((segment, next)) = bracket(path, i + 1) else {
                    break;
                };
                segments.push(segment);
                i = next;
            }
            _ => {
                let end = b[i..]
                    .iter()
                    .position(|&c| c == b'.' || c == b'[')
                    .map_or(b.len(), |p| i + p);
                segments.push(Segment::Key(path[i..end].to_string()));
                i = end;
            }
        }
    }
    segments
}

/// Reads what follows a `[` at `from - 1`: a JSON-quoted key, an index or a
/// bare key, and returns it with the offset just past the `]`.
fn bracket(path: &str, from: usize) -> Option<(Segment, usize)> {
    let b = path.as_bytes();
    if b.get(from) == Some(&b'"') {
        let mut close = from + 1;
        while *b.get(close)? != b'"' {
            close += if b[close] == b'\\' { 2 } else { 1 };
        }
        // The agent writes keys as JSON strings: decoding undoes its escapes.
        let key = serde_json::from_str::<String>(&path[from..=close])
            .unwrap_or_else(|_| path[from + 1..close].to_string());
        let next = if b.get(close + 1) == Some(&b']') { close + 2 } else { close + 1 };
        return Some((Segment::Key(key), next));
    }
    let close = from + b.get(from..)?.iter().position(|&c| c == b']')?;
    let inner = path[from..close].trim();
    let segment = match inner.parse::<usize>() {
        Ok(index) => Segment::Index(index),
        Err(_) if inner.is_empty() => return None,
        Err(_) => {
            let unquoted = inner.strip_prefix('\'').and_then(|k| k.strip_suffix('\''));
            Segment::Key(unquoted.unwrap_or(inner).to_string())
        }
    };
    Some((segment, close + 1))
}

/// The document root: the parent of top-level fields, with no line of its own.
const ROOT: usize = 0;

/// Where each field of one YAML document starts.
///
/// Fields form a tree keyed by (parent, segment), so recording a field costs
/// the same however deep it sits, and a scan stays linear in the text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Positions {
    /// The 1-based line of node `id` is `lines[id - 1]`; node 0 is the root.
    lines: Vec<usize>,
    /// The node reached from a parent node by one segment.
    children: HashMap<(usize, Segment), usize>,
}

impl Positions {
    /// Scans the lines `first_line..=last_line` (1-based, inclusive) of
    /// `text`: one document of a possibly multi-document file. Lines are
    /// numbered as [`str::lines`] counts them, a `first_line` of 0 is read
    /// as 1, and a range past the end of the text simply records less.
    pub fn scan(text: &str, first_line: usize, last_line: usize) -> Positions {
        let mut scanner = Scanner { positions: Positions::default(), open: Vec::new(), mode: Mode::Normal };
        let first = first_line.max(1);
        for (i, line) in text.lines().enumerate().skip(first - 1) {
            let n = i + 1;
            if n > last_line {
                break;
            }
            scanner.line(n, line);
        }
        scanner.positions
    }

    /// The 1-based line of `path` (syntax of [`split_path`]), else of its
    /// nearest ancestor that has one, else `None`.
    pub fn line_of(&self, path: &str) -> Option<usize> {
        let mut node = ROOT;
        let mut line = None;
        for segment in split_path(path) {
            let Some(&child) = self.children.get(&(node, segment)) else {
                break;
            };
            node = child;
            if let Some(&found) = child.checked_sub(1).and_then(|i| self.lines.get(i)) {
                line = Some(found);
            }
        }
        line
    }

    /// Records `segment` under `parent` at `line` and returns its node. The
    /// first record of a field wins; under an unknown parent (inside a
    /// complex key) nothing is recorded.
    fn child(&mut self, parent: Option<usize>, segment: Segment, line: usize) -> Option<usize> {
        let parent = parent?;
        let next = self.lines.len() + 1;
        let id = *self.children.entry((parent, segment)).or_insert(next);
        if id == next {
            self.lines.push(line);
        }
        Some(id)
    }
}

/// The scanner's state between lines.
struct Scanner {
    positions: Positions,
    /// The block keys and items the current line may sit in, innermost last.
    open: Vec<Open>,
    mode: Mode,
}

/// A block mapping key or sequence item whose children may follow.
struct Open {
    /// Column of the key, or of the item's `-`.
    column: usize,
    item: bool,
    /// The item's index among its siblings (0 for keys).
    index: usize,
    node: Option<usize>,
}

/// How the next lines are read.
enum Mode {
    /// As block YAML.
    Normal,
    /// Lines indented deeper than the column are the rest of a scalar (a
    /// block scalar, or a plain one folded over lines): none holds a key.
    Skip { deeper_than: usize },
    /// Inside a quoted scalar that this quote closes on some later line.
    Quoted(u8),
    /// Inside a flow collection spanning lines.
    Flow(Flow),
}

impl Scanner {
    fn line(&mut self, n: usize, raw: &str) {
        // A byte order mark would otherwise become part of the first key.
        let raw = raw.strip_prefix('\u{feff}').unwrap_or(raw);
        let b = raw.as_bytes();
        let indent = b.iter().take_while(|&&c| c == b' ' || c == b'\t').count();
        let content = &raw[indent..];
        // A document marker ends whatever was open, even an unterminated quote.
        if indent == 0 && (is_marker(content, "---") || is_marker(content, "...")) {
            self.open.clear();
            self.mode = Mode::Normal;
            return;
        }
        match std::mem::replace(&mut self.mode, Mode::Normal) {
            Mode::Normal => {}
            Mode::Skip { deeper_than } => {
                if content.is_empty() || indent > deeper_than {
                    self.mode = Mode::Skip { deeper_than };
                    return;
                }
            }
            Mode::Quoted(quote) => {
                if read_quoted(raw, 0, quote).1.is_none() {
                    self.mode = Mode::Quoted(quote);
                }
                return;
            }
            Mode::Flow(mut flow) => {
                flow.feed(raw, 0, n, &mut self.positions);
                if flow.is_open() {
                    self.mode = Mode::Flow(flow);
                }
                return;
            }
        }
        if content.is_empty() || content.starts_with('#') || (indent == 0 && content.starts_with('%')) {
            return;
        }
        self.block(raw, indent, n);
    }

    /// A line of block YAML whose content starts at column `indent`.
    fn block(&mut self, raw: &str, indent: usize, n: usize) {
        let b = raw.as_bytes();
        // Close what this line is not inside of. A `-` at the column of a key
        // starts that key's sequence (YAML lets it sit at the key's own
        // indentation); at the column of an item it starts the next item.
        let dash = is_dash(b, indent);
        let mut index = 0;
        while let Some(top) = self.open.last() {
            if top.column < indent {
                break;
            }
            if top.column == indent && dash {
                if top.item {
                    index = top.index + 1;
                    self.open.pop();
                }
                break;
            }
            self.open.pop();
        }
        let mut column = indent;
        let mut owner = None;
        // `- - x` opens an item inside an item.
        while is_dash(b, column) {
            let parent = self.parent();
            let node = self.positions.child(parent, Segment::Index(index), n);
            self.open.push(Open { column, item: true, index, node });
            owner = Some(column);
            index = 0;
            column = skip_blanks(b, column + 1);
        }
        let start = skip_properties(b, column);
        let rest = &raw[start..];
        if rest.is_empty() || rest.starts_with('#') {
            return;
        }
        if let Some((key, after)) = parse_key(rest) {
            let parent = self.parent();
            let node = self.positions.child(parent, Segment::Key(key), n);
            self.open.push(Open { column, item: false, index: 0, node });
            self.value(raw, start + after, n, node, Some(column));
            return;
        }
        let node = self.parent();
        self.value(raw, start, n, node, owner);
    }

    /// The node new block fields belong to.
    fn parent(&self) -> Option<usize> {
        self.open.last().map_or(Some(ROOT), |open| open.node)
    }

    /// What follows a key's `:` or an item's `-` (`owner` is the column of
    /// that key or dash), or a line that is neither: decides how the next
    /// lines are read.
    fn value(&mut self, raw: &str, from: usize, n: usize, node: Option<usize>, owner: Option<usize>) {
        let b = raw.as_bytes();
        let i = skip_properties(b, from);
        // A scalar's continuation lines are deeper than its key or dash.
        let scalar = owner.map_or(Mode::Normal, |column| Mode::Skip { deeper_than: column });
        self.mode = match b.get(i) {
            // Nothing yet: the children follow on the next lines.
            None | Some(b'#') => Mode::Normal,
            Some(b'|' | b'>') => {
                // A block scalar's lines are never keys, even when it stands
                // alone on the line after its key.
                let column = owner.or_else(|| self.open.last().map(|open| open.column)).unwrap_or(0);
                Mode::Skip { deeper_than: column }
            }
            Some(b'[' | b'{') => {
                let mut flow = Flow::new(node);
                flow.feed(raw, i, n, &mut self.positions);
                if flow.is_open() { Mode::Flow(flow) } else { scalar }
            }
            Some(&quote) if quote == b'"' || quote == b'\'' => {
                if read_quoted(raw, i + 1, quote).1.is_some() { scalar } else { Mode::Quoted(quote) }
            }
            Some(_) => scalar,
        };
    }
}

/// A flow collection (`[a, b]`, `{k: v}`, or a whole JSON document) being
/// read, possibly over several lines. Its fields are recorded on the lines
/// that hold them, which for a one-line collection is the collection's line.
struct Flow {
    /// The node the outermost collection belongs to.
    base: Option<usize>,
    /// Open collections, innermost last.
    frames: Vec<Frame>,
    /// A quoted scalar that continues on the next line.
    quote: Option<OpenQuote>,
    /// A scalar read where a key may stand, with its line, until a `:`
    /// makes it a key.
    candidate: Option<(String, usize)>,
}

struct OpenQuote {
    quote: u8,
    text: String,
    line: usize,
}

enum Frame {
    Map {
        node: Option<usize>,
        /// The node of the key whose value is being read.
        key: Option<usize>,
        /// Between `{` or `,` and the next `:`.
        wants_key: bool,
    },
    Seq {
        node: Option<usize>,
        index: usize,
        /// Whether the current item has begun (and so is recorded).
        started: bool,
        item: Option<usize>,
    },
}

impl Flow {
    fn new(base: Option<usize>) -> Flow {
        Flow { base, frames: Vec::new(), quote: None, candidate: None }
    }

    fn is_open(&self) -> bool {
        !self.frames.is_empty()
    }

    /// Reads `line` from byte `from` until the outermost collection closes
    /// (the rest of that line is ignored) or the line ends.
    fn feed(&mut self, line: &str, from: usize, n: usize, positions: &mut Positions) {
        let b = line.as_bytes();
        let mut i = from;
        if let Some(mut open) = self.quote.take() {
            let (more, end) = read_quoted(line, from, open.quote);
            // A line break inside quotes folds into a space.
            open.text.push(' ');
            open.text.push_str(more.trim_start());
            let Some(end) = end else {
                self.quote = Some(open);
                return;
            };
            self.scalar(&open.text, open.line);
            i = end;
        }
        while i < b.len() {
            match b[i] {
                b' ' | b'\t' => i += 1,
                b'#' if i == 0 || matches!(b[i - 1], b' ' | b'\t') => return,
                c @ (b'{' | b'[') => {
                    let node = self.begin_value(n, positions);
                    self.frames.push(if c == b'{' {
                        Frame::Map { node, key: None, wants_key: true }
                    } else {
                        Frame::Seq { node, index: 0, started: false, item: None }
                    });
                    i += 1;
                }
                b'}' | b']' => {
                    self.frames.pop();
                    self.candidate = None;
                    if self.frames.is_empty() {
                        return;
                    }
                    i += 1;
                }
                b',' => {
                    self.candidate = None;
                    match self.frames.last_mut() {
                        Some(Frame::Map { key, wants_key, .. }) => {
                            *key = None;
                            *wants_key = true;
                        }
                        Some(Frame::Seq { index, started, item, .. }) => {
                            *index += 1;
                            *started = false;
                            *item = None;
                        }
                        None => {}
                    }
                    i += 1;
                }
                b':' => {
                    if let Some(Frame::Map { node, key, wants_key }) = self.frames.last_mut()
                        && *wants_key
                    {
                        let parent = *node;
                        *key = self
                            .candidate
                            .take()
                            .and_then(|(text, at)| positions.child(parent, Segment::Key(text), at));
                        *wants_key = false;
                    }
                    i += 1;
                }
                quote @ (b'"' | b'\'') => {
                    self.begin_value(n, positions);
                    let (text, end) = read_quoted(line, i + 1, quote);
                    let Some(end) = end else {
                        self.quote = Some(OpenQuote { quote, text, line: n });
                        return;
                    };
                    self.scalar(&text, n);
                    i = end;
                }
                _ => {
                    self.begin_value(n, positions);
                    // Never equal to `i`: the arms above take every byte that
                    // would end a plain scalar where it starts.
                    let end = plain_end(b, i);
                    self.scalar(line[i..end].trim_end(), n);
                    i = end;
                }
            }
        }
    }

    /// A value starts here: records it when it is a sequence's next item,
    /// and returns the node a collection opening here belongs to.
    fn begin_value(&mut self, n: usize, positions: &mut Positions) -> Option<usize> {
        match self.frames.last_mut() {
            None => self.base,
            // A collection in key position is a complex key: nothing to record under it.
            Some(Frame::Map { key, wants_key, .. }) => {
                if *wants_key {
                    None
                } else {
                    *key
                }
            }
            Some(Frame::Seq { node, index, started, item }) => {
                if !*started {
                    *started = true;
                    *item = positions.child(*node, Segment::Index(*index), n);
                }
                *item
            }
        }
    }

    /// A scalar has been read: in key position it may be the next key.
    fn scalar(&mut self, text: &str, n: usize) {
        if let Some(Frame::Map { wants_key: true, .. }) = self.frames.last() {
            self.candidate = Some((text.to_string(), n));
        }
    }
}

/// Where a plain scalar inside a flow collection ends.
fn plain_end(b: &[u8], from: usize) -> usize {
    let mut j = from;
    while j < b.len() {
        let stop = match b[j] {
            b',' | b'[' | b']' | b'{' | b'}' => true,
            // `http://x` is one scalar; `a: b` and `a:` at the end are a key.
            b':' => b
                .get(j + 1)
                .is_none_or(|&c| matches!(c, b' ' | b'\t' | b',' | b'[' | b']' | b'{' | b'}')),
            b'#' => j > from && matches!(b[j - 1], b' ' | b'\t'),
            _ => false,
        };
        if stop {
            break;
        }
        j += 1;
    }
    j
}

/// The key at the start of `rest` and the offset just past its `:`, if the
/// line is a `key: value` (or `key:`) line.
fn parse_key(rest: &str) -> Option<(String, usize)> {
    let b = rest.as_bytes();
    match *b.first()? {
        quote @ (b'"' | b'\'') => {
            let (key, end) = read_quoted(rest, 1, quote);
            let colon = skip_blanks(b, end?);
            // After a quoted key the value may follow the `:` directly, as in JSON.
            if b.get(colon) == Some(&b':') { Some((key, colon + 1)) } else { None }
        }
        // Indicators that cannot start a plain key.
        b'[' | b'{' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'%' | b'@' | b'`' => None,
        _ => {
            let mut i = 0;
            loop {
                match b.get(i)? {
                    // `a:b` is a scalar, not a key.
                    b':' if b.get(i + 1).is_none_or(|&c| c == b' ' || c == b'\t') => break,
                    b'#' if i > 0 && matches!(b[i - 1], b' ' | b'\t') => return None,
                    _ => i += 1,
                }
            }
            let key = rest[..i].trim_end();
            // `: value` holds no key.
            if key.is_empty() { None } else { Some((key.to_string(), i + 1)) }
        }
    }
}

/// Reads a quoted scalar from byte `from` (just past its opening `quote`):
/// its text, unescaped, and the offset just past the closing quote, or what
/// the line holds of it and `None` when the line ends first.
fn read_quoted(line: &str, from: usize, quote: u8) -> (String, Option<usize>) {
    let mut text = String::new();
    let Some(rest) = line.get(from..) else {
        return (text, None);
    };
    let mut chars = rest.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if quote == b'\'' {
            if c == '\'' {
                // `''` is a quote inside single quotes.
                if chars.peek().is_some_and(|&(_, next)| next == '\'') {
                    chars.next();
                    text.push('\'');
                    continue;
                }
                return (text, Some(from + i + 1));
            }
            text.push(c);
            continue;
        }
        match c {
            '"' => return (text, Some(from + i + 1)),
            '\\' => {
                // A `\` ending the line escapes the line break.
                let Some((_, escape)) = chars.next() else {
                    break;
                };
                let digits = match escape {
                    'x' => 2,
                    'u' => 4,
                    'U' => 8,
                    _ => 0,
                };
                if digits == 0 {
                    text.push(match escape {
                        'n' => '\n',
                        't' => '\t',
                        'r' => '\r',
                        '0' => '\0',
                        'a' => '\u{7}',
                        'b' => '\u{8}',
                        'e' => '\u{1b}',
                        'f' => '\u{c}',
                        'v' => '\u{b}',
                        'N' => '\u{85}',
                        '_' => '\u{a0}',
                        'L' => '\u{2028}',
                        'P' => '\u{2029}',
                        other => other,
                    });
                    continue;
                }
                let mut code: u32 = 0;
                let mut complete = true;
                for _ in 0..digits {
                    match chars.peek().and_then(|&(_, d)| d.to_digit(16)) {
                        Some(d) => {
                            code = code.saturating_mul(16).saturating_add(d);
                            chars.next();
                        }
                        None => {
                            complete = false;
                            break;
                        }
                    }
                }
                let decoded = char::from_u32(code).filter(|_| complete);
                text.push(decoded.unwrap_or(char::REPLACEMENT_CHARACTER));
            }
            _ => text.push(c),
        }
    }
    (text, None)
}

/// Whether `content` is the document marker `marker` (`---`, `...`).
fn is_marker(content: &str, marker: &str) -> bool {
    content.strip_prefix(marker).is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t']))
}

/// Whether a sequence item's `-` stands at `at`.
fn is_dash(b: &[u8], at: usize) -> bool {
    b.get(at) == Some(&b'-') && b.get(at + 1).is_none_or(|&c| c == b' ' || c == b'\t')
}

fn skip_blanks(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    i
}

/// Skips blanks, anchors (`&a`) and tags (`!t`), which label the node after
/// them and do not change where it is.
fn skip_properties(b: &[u8], from: usize) -> usize {
    let mut i = skip_blanks(b, from);
    while matches!(b.get(i), Some(b'&' | b'!')) {
        while i < b.len() && !matches!(b[i], b' ' | b'\t') {
            i += 1;
        }
        i = skip_blanks(b, i);
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan_all(text: &str) -> Positions {
        Positions::scan(text, 1, text.lines().count())
    }

    fn key(k: &str) -> Segment {
        Segment::Key(k.to_string())
    }

    /// The 1-based line of the `nth` (from 0) line whose content, after any
    /// `- `, starts with `prefix`.
    fn nth_line_starting(text: &str, prefix: &str, nth: usize) -> usize {
        text.lines()
            .enumerate()
            .filter(|(_, line)| line.trim_start().trim_start_matches("- ").starts_with(prefix))
            .nth(nth)
            .map(|(i, _)| i + 1)
            .expect("the text has that line")
    }

    #[test]
    fn nested_keys_are_found_on_their_own_lines() {
        let text = [
            "apiVersion: sagemaker.services.k8s.aws/v1alpha1", // 1
            "kind: TrainingJob",                                // 2
            "metadata:",                                        // 3
            "  name: job",                                      // 4
            "spec:",                                            // 5
            "  # a comment between keys",                       // 6
            "",                                                 // 7
            "  resourceConfig:",                                // 8
            "    instanceType: ml.m5.large",                    // 9
            "    instanceCount: 1   # one is enough",           // 10
            "  stoppingCondition:",                             // 11
            "    maxRuntimeInSeconds: 3600",                    // 12
        ]
        .join("\n");
        let positions = scan_all(&text);
        assert_eq!(positions.line_of("apiVersion"), Some(1));
        assert_eq!(positions.line_of("metadata.name"), Some(4));
        assert_eq!(positions.line_of("spec"), Some(5));
        assert_eq!(positions.line_of("spec.resourceConfig"), Some(8));
        assert_eq!(positions.line_of("spec.resourceConfig.instanceCount"), Some(10));
        assert_eq!(positions.line_of("spec.stoppingCondition.maxRuntimeInSeconds"), Some(12));
    }

    #[test]
    fn items_of_a_sequence_are_counted_by_their_dashes() {
        let text = [
            "spec:",                              // 1
            "  inputDataConfig:",                 // 2
            "    - channelName: train",           // 3
            "      dataSource:",                  // 4
            "        s3DataSource:",              // 5
            "          s3URI: s3://bucket/train", // 6
            "    # the second channel",           // 7
            "    - channelName: validation",      // 8
            "      contentType: text/csv",        // 9
            "  hyperParameters:",                 // 10
            "    eta: \"0.2\"",                   // 11
        ]
        .join("\n");
        let positions = scan_all(&text);
        assert_eq!(positions.line_of("spec.inputDataConfig[1].channelName"), Some(8));
        assert_eq!(positions.line_of("spec.inputDataConfig[1]"), Some(8));
        assert_eq!(positions.line_of("spec.inputDataConfig[1].contentType"), Some(9));
        assert_eq!(positions.line_of("spec.inputDataConfig[0]"), Some(3));
        assert_eq!(positions.line_of("spec.inputDataConfig[0].dataSource.s3DataSource.s3URI"), Some(6));
        assert_eq!(positions.line_of("spec.hyperParameters.eta"), Some(11));
    }

    #[test]
    fn a_sequence_may_sit_at_the_same_indentation_as_its_key() {
        let text = [
            "spec:",           // 1
            "  containers:",   // 2
            "  - name: a",     // 3
            "    args:",       // 4
            "    - --verbose", // 5
            "    - --port=80", // 6
            "    image: x",    // 7
            "  - name: b",     // 8
            "    image: y",    // 9
            "  volumes: []",   // 10
        ]
        .join("\n");
        let positions = scan_all(&text);
        assert_eq!(positions.line_of("spec.containers[1]"), Some(8));
        assert_eq!(positions.line_of("spec.containers[1].image"), Some(9));
        assert_eq!(positions.line_of("spec.containers[0].args[1]"), Some(6));
        assert_eq!(positions.line_of("spec.containers[0].image"), Some(7));
        assert_eq!(positions.line_of("spec.volumes"), Some(10));
    }

    #[test]
    fn keys_with_dots_slashes_and_quotes_are_found_by_their_bracketed_path() {
        let text = [
            "metadata:",                              // 1
            "  annotations:",                         // 2
            "    services.k8s.aws/region: us-east-1", // 3
            r#"    "quoted.key": "x""#,               // 4
            r#"    "say \"hi\"": x"#,                 // 5
            "spec:",                                  // 6
            "  hyperParameters:",                     // 7
            r#"    "max_depth": "5""#,                // 8
            "    'eta': '0.2'",                       // 9
            r#"    gamma: "4" # trailing comment"#,   // 10
            "    'it''s': yes",                       // 11
        ]
        .join("\n");
        let positions = scan_all(&text);
        assert_eq!(positions.line_of(r#"metadata.annotations["services.k8s.aws/region"]"#), Some(3));
        assert_eq!(positions.line_of(r#"metadata.annotations["quoted.key"]"#), Some(4));
        assert_eq!(positions.line_of(r#"metadata.annotations["say \"hi\""]"#), Some(5));
        assert_eq!(positions.line_of(r#"spec.hyperParameters["max_depth"]"#), Some(8));
        assert_eq!(positions.line_of(r#"spec.hyperParameters["eta"]"#), Some(9));
        assert_eq!(positions.line_of("spec.hyperParameters.gamma"), Some(10));
        assert_eq!(positions.line_of(r#"spec.hyperParameters["it's"]"#), Some(11));
    }

    #[test]
    fn a_field_in_the_second_document_is_found_on_its_own_line() {
        let text = [
            "apiVersion: v1",        // 1
            "kind: First",           // 2
            "spec:",                 // 3
            "  a: 1",                // 4
            "---",                   // 5
            "# the second document", // 6
            "apiVersion: v1",        // 7
            "kind: Second",          // 8
            "spec:",                 // 9
            "  b:",                  // 10
            "    c: 2",              // 11
        ]
        .join("\n");
        let second = Positions::scan(&text, 6, 11);
        assert_eq!(second.line_of("spec.b.c"), Some(11));
        assert_eq!(second.line_of("kind"), Some(8));
        // `spec.a` is the first document's: the second falls back to its own `spec`.
        assert_eq!(second.line_of("spec.a"), Some(9));
        // Including the separator changes nothing.
        assert_eq!(Positions::scan(&text, 5, 11), second);
        let first = Positions::scan(&text, 1, 4);
        assert_eq!(first.line_of("spec.a"), Some(4));
        assert_eq!(first.line_of("spec.b.c"), Some(3));
    }

    #[test]
    fn block_scalars_are_not_scanned_for_keys() {
        let text = [
            "spec:",                    // 1
            "  script: |",              // 2
            "    name: not-a-key",      // 3
            "    - not an item",        // 4
            "",                         // 5
            "      deeper: still text", // 6
            "  folded: >-",             // 7
            "    text: here",           // 8
            "  name: real",             // 9
            "  containers:",            // 10
            "  - command: |",           // 11
            "      run: x",             // 12
            "    image: y",             // 13
        ]
        .join("\n");
        let positions = scan_all(&text);
        assert_eq!(positions.line_of("spec.name"), Some(9));
        // Were the scalar's lines read as keys, these would be 3 and 8.
        assert_eq!(positions.line_of("spec.script.name"), Some(2));
        assert_eq!(positions.line_of("spec.folded.text"), Some(7));
        assert_eq!(positions.line_of("spec.containers[0].command.run"), Some(11));
        assert_eq!(positions.line_of("spec.containers[0].image"), Some(13));
    }

    #[test]
    fn fields_inside_flow_collections_are_found_on_the_lines_that_hold_them() {
        let text = [
            "spec:",                                                    // 1
            "  tags: [{key: team, value: ml}, {key: env, value: dev}]", // 2
            r#"  labels: {app: xgboost, "tier": web}"#,                 // 3
            "  args: [",                                                // 4
            r#"    "--a","#,                                            // 5
            r#"    "--b: c""#,                                          // 6
            "  ]",                                                      // 7
            "  after: 1",                                               // 8
        ]
        .join("\n");
        let positions = scan_all(&text);
        assert_eq!(positions.line_of("spec.tags[1].value"), Some(2));
        assert_eq!(positions.line_of("spec.tags[7].value"), Some(2));
        assert_eq!(positions.line_of("spec.labels.app"), Some(3));
        assert_eq!(positions.line_of(r#"spec.labels["tier"]"#), Some(3));
        assert_eq!(positions.line_of("spec.labels.missing"), Some(3));
        assert_eq!(positions.line_of("spec.args[0]"), Some(5));
        assert_eq!(positions.line_of("spec.args[1]"), Some(6));
        assert_eq!(positions.line_of("spec.after"), Some(8));
    }

    #[test]
    fn a_json_document_is_mapped_key_by_key() {
        let text = [
            "{",                                        // 1
            r#"  "apiVersion": "v1","#,                 // 2
            r#"  "kind": "TrainingJob","#,              // 3
            r#"  "spec": {"#,                           // 4
            r#"    "hyperParameters": {"eta": "0.2"},"#, // 5
            r#"    "inputDataConfig": ["#,              // 6
            r#"      {"channelName": "train"},"#,       // 7
            "      {",                                  // 8
            r#"        "channelName" : "validation""#,  // 9
            "      }",                                  // 10
            "    ]",                                    // 11
            "  }",                                      // 12
            "}",                                        // 13
        ]
        .join("\n");
        let positions = scan_all(&text);
        assert_eq!(positions.line_of("kind"), Some(3));
        assert_eq!(positions.line_of(r#"spec.hyperParameters["eta"]"#), Some(5));
        assert_eq!(positions.line_of("spec.inputDataConfig[0].channelName"), Some(7));
        assert_eq!(positions.line_of("spec.inputDataConfig[1]"), Some(8));
        assert_eq!(positions.line_of("spec.inputDataConfig[1].channelName"), Some(9));
        assert_eq!(positions.line_of("spec.resourceConfig"), Some(4));
    }

    #[test]
    fn a_missing_field_falls_back_to_its_parents_line() {
        let text = [
            "spec:",                  // 1
            "  resourceConfig:",      // 2
            "    instanceCount: 1",   // 3
            "  inputDataConfig:",     // 4
            "  - channelName: train", // 5
        ]
        .join("\n");
        let positions = scan_all(&text);
        assert_eq!(positions.line_of("spec.resourceConfig.volumeKmsKeyId"), Some(2));
        assert_eq!(positions.line_of("spec.inputDataConfig[3].channelName"), Some(4));
        assert_eq!(positions.line_of("spec.inputDataConfig[0].dataSource.s3DataSource"), Some(5));
        assert_eq!(positions.line_of("spec.unknown.deeper"), Some(1));
        assert_eq!(positions.line_of("status.trainingJobStatus"), None);
        assert_eq!(positions.line_of(""), None);
    }

    #[test]
    fn the_tutorial_manifest_places_instance_count_where_the_file_has_it() {
        let text = include_str!("../../examples/training.yaml");
        let positions = scan_all(text);
        assert_eq!(
            positions.line_of("spec.resourceConfig.instanceCount"),
            Some(nth_line_starting(text, "instanceCount:", 0))
        );
        assert_eq!(
            positions.line_of("spec.inputDataConfig[1].dataSource.s3DataSource.s3URI"),
            Some(nth_line_starting(text, "s3URI:", 1))
        );
        assert_eq!(
            positions.line_of("spec.inputDataConfig[1]"),
            Some(nth_line_starting(text, "channelName:", 1))
        );
        assert_eq!(
            positions.line_of(r#"spec.hyperParameters["max_depth"]"#),
            Some(nth_line_starting(text, "max_depth:", 0))
        );
        assert_eq!(positions.line_of("metadata.name"), Some(nth_line_starting(text, "name:", 0)));
    }

    #[test]
    fn paths_split_into_keys_and_indices() {
        assert_eq!(split_path(r#"a.b[0]["k.x"]"#), [key("a"), key("b"), Segment::Index(0), key("k.x")]);
        assert_eq!(
            split_path(r#"metadata.annotations["services.k8s.aws/region"]"#),
            [key("metadata"), key("annotations"), key("services.k8s.aws/region")]
        );
        assert_eq!(split_path(r#"a["say \"hi\""].b"#), [key("a"), key(r#"say "hi""#), key("b")]);
        assert_eq!(split_path("a['x.y'][2]"), [key("a"), key("x.y"), Segment::Index(2)]);
        assert_eq!(split_path("apiVersion"), [key("apiVersion")]);
        assert_eq!(split_path(""), Vec::<Segment>::new());
        assert_eq!(split_path("a[].b"), [key("a")]);
        assert_eq!(split_path(r#"a["open"#), [key("a")]);
    }

    #[test]
    fn odd_input_records_less_but_never_panics() {
        let text = [
            "a:\t1",            // 1
            "\tb: 2",           // 2
            "- - - ",           // 3
            "-",                // 4
            ": x",              // 5
            "? y",              // 6
            "ключ: значение",   // 7
            "{[{",              // 8
            "\"open: x",        // 9
            "---",              // 10
            "'unterminated: x", // 11
            "rest: hidden",     // 12
            "---",              // 13
            "last: 1",          // 14
        ]
        .join("\n");
        let positions = scan_all(&text);
        assert_eq!(positions.line_of("a"), Some(1));
        assert_eq!(positions.line_of("ключ"), Some(7));
        assert_eq!(positions.line_of("rest"), None);
        assert_eq!(positions.line_of("last"), Some(14));
        for odd in ["\"", "'", "[", "{", "-", "\\", "\"\\u12", "a: \"\\x", "\u{feff}k: v", "\t\t", ":"] {
            let _ = Positions::scan(odd, 1, 1).line_of("k");
        }
        assert_eq!(Positions::scan("\u{feff}k: v", 1, 1).line_of("k"), Some(1));
    }

    #[test]
    fn deep_nesting_is_handled_without_recursion() {
        let sequences = format!("k: {}\n", "[".repeat(100_000));
        assert_eq!(Positions::scan(&sequences, 1, 1).line_of("k[0][0][0]"), Some(1));
        let mappings = format!("k: {}\n", "{a: ".repeat(50_000));
        assert_eq!(Positions::scan(&mappings, 1, 1).line_of("k.a.a.a"), Some(1));
        let blocks: String = (0..2_000).map(|depth| format!("{}k:\n", " ".repeat(depth))).collect();
        let positions = Positions::scan(&blocks, 1, 2_000);
        assert_eq!(positions.line_of("k.k.k"), Some(3));
        assert_eq!(positions.line_of(&["k"; 2_000].join(".")), Some(2_000));
    }

    #[test]
    fn line_ranges_outside_the_text_give_no_positions() {
        let text = "a: 1\nb: 2\n";
        assert_eq!(Positions::scan(text, 0, 0), Positions::default());
        assert_eq!(Positions::scan(text, 2, 1), Positions::default());
        assert_eq!(Positions::scan(text, 7, 9), Positions::default());
        let all = Positions::scan(text, 0, usize::MAX);
        assert_eq!(all.line_of("b"), Some(2));
        assert_eq!(Positions::scan(text, 2, 2).line_of("a"), None);
    }
}

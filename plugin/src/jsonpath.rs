//! kubectl's JSONPath templates (`-o jsonpath=`) and custom columns
//! (`-o custom-columns=`), evaluated over `serde_json::Value`.
//!
//! The syntax is kubectl's (client-go `util/jsonpath`). Where kubectl fails at
//! print time on an out-of-range index or a type mismatch, this prints
//! nothing, as kubectl does for a missing key with its default
//! `--allow-missing-template-keys`: a template that parses always renders.

use std::{cmp::Ordering, ops::Range};

use serde_json::Value;

/// What kubectl prints in a custom column that has no value.
const NONE: &str = "<none>";

/// A parsed kubectl JSONPath template.
#[derive(Debug, Clone)]
pub(crate) struct Template {
    segments: Vec<Segment>,
}

impl Template {
    /// Parses a template. Like kubectl, a template without any `{` is taken
    /// as a single action, so `.metadata.name` means `{.metadata.name}`.
    pub(crate) fn parse(text: &str) -> Result<Template, JsonPathError> {
        let mut parser = Parser::new(text);
        if text.contains('{') || text.trim().is_empty() {
            return Ok(Template { segments: parser.template()? });
        }
        let segment = match parser.action(None)? {
            Action::Text(literal) => Segment::Text(literal),
            Action::Print(path) => Segment::Print(path),
            Action::Range { column, .. } => return Err(JsonPathError::UnclosedRange { column }),
            Action::End { column } => return Err(JsonPathError::EndWithoutRange { column }),
        };
        Ok(Template { segments: vec![segment] })
    }

    /// Renders against `root` (for `get` of a list, root is the `List` object
    /// `{"kind":"List","items":[...]}`).
    pub(crate) fn render(&self, root: &Value) -> Result<String, JsonPathError> {
        let mut out = String::new();
        render(&self.segments, root, root, &mut out);
        Ok(out)
    }
}

/// kubectl's `-o custom-columns`: a header and a path per column.
#[derive(Debug, Clone)]
pub(crate) struct CustomColumns {
    columns: Vec<Column>,
}

#[derive(Debug, Clone)]
struct Column {
    header: String,
    path: Path,
}

impl CustomColumns {
    /// Parses `NAME:.metadata.name,STATUS:.status.trainingJobStatus`
    /// (kubectl's syntax). Paths may keep their braces or drop the leading dot.
    pub(crate) fn parse(spec: &str) -> Result<CustomColumns, JsonPathError> {
        if spec.trim().is_empty() {
            return Err(JsonPathError::NoColumns);
        }
        let chars: Vec<char> = spec.chars().collect();
        let mut columns = Vec::new();
        // kubectl splits on every comma; a comma inside a filter's quoted
        // string or brackets belongs to the path, not to the list of columns
        for range in split_outside(&chars, ',') {
            let entry: String = chars.get(range).unwrap_or_default().iter().collect();
            let entry = entry.trim();
            let Some((header, expression)) = entry.split_once(':') else {
                return Err(JsonPathError::InvalidColumnSpec { entry: entry.to_string() });
            };
            let path = column_path(expression).map_err(|source| JsonPathError::Column {
                header: header.to_string(),
                source: Box::new(source),
            })?;
            columns.push(Column { header: header.to_string(), path });
        }
        Ok(CustomColumns { columns })
    }

    /// The column headers, in order.
    pub(crate) fn headers(&self) -> Vec<String> {
        self.columns.iter().map(|column| column.header.clone()).collect()
    }

    /// One row per object: each column's value, `<none>` when absent (as
    /// kubectl prints), several matches joined by ",".
    pub(crate) fn row(&self, object: &Value) -> Result<Vec<String>, JsonPathError> {
        let cells = self
            .columns
            .iter()
            .map(|column| {
                let values = eval(&column.path, object, object);
                if values.is_empty() {
                    return NONE.to_string();
                }
                values
                    .into_iter()
                    .map(|value| match value {
                        Value::Null => NONE.to_string(),
                        other => text_of(other),
                    })
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .collect();
        Ok(cells)
    }
}

/// Why a template or a custom-columns spec was refused. Columns count
/// characters from 1.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum JsonPathError {
    #[error("unclosed action: the {{ at column {column} has no matching }}")]
    UnclosedAction { column: usize },
    #[error("unrecognized identifier {name:?} at column {column}: paths start with \".\", \"$\" or \"@\"")]
    UnrecognizedIdentifier { name: String, column: usize },
    #[error("unrecognized character in action: {character:?} at column {column}")]
    UnrecognizedCharacter { character: char, column: usize },
    #[error("not in range, nothing to end: {{end}} at column {column}")]
    EndWithoutRange { column: usize },
    #[error("unclosed range: the {{range}} at column {column} has no {{end}}")]
    UnclosedRange { column: usize },
    #[error("the range at column {column} needs a path to iterate over, as in {{range .items[*]}}")]
    MissingRangePath { column: usize },
    #[error("unterminated string: the quote at column {column} is never closed")]
    UnterminatedString { column: usize },
    #[error("invalid escape {sequence:?} at column {column}")]
    InvalidEscape { sequence: String, column: usize },
    #[error("missing field name after \"..\" at column {column}")]
    MissingField { column: usize },
    #[error("unterminated array index: the [ at column {column} has no matching ]")]
    UnterminatedBracket { column: usize },
    #[error("invalid array index {text:?} at column {column}: {reason}")]
    InvalidIndex { text: String, column: usize, reason: String },
    #[error("invalid filter {text:?} at column {column}: {reason}")]
    InvalidFilter { text: String, column: usize, reason: String },
    #[error("custom-columns format specified but no custom columns given")]
    NoColumns,
    #[error("unexpected custom-columns spec {entry:?}, expected <header>:<json-path-expr>")]
    InvalidColumnSpec { entry: String },
    #[error("the path is empty")]
    EmptyPath,
    #[error("invalid custom column {header:?}")]
    Column {
        header: String,
        #[source]
        source: Box<JsonPathError>,
    },
}

#[derive(Debug, Clone)]
enum Segment {
    Text(String),
    Print(Path),
    Range { path: Path, body: Vec<Segment> },
}

#[derive(Debug, Clone)]
struct Path {
    /// `$`: start at the root rather than at the current node.
    from_root: bool,
    steps: Vec<Step>,
}

impl Path {
    fn current() -> Path {
        Path { from_root: false, steps: Vec::new() }
    }
}

#[derive(Debug, Clone)]
enum Step {
    Field(String),
    /// `.*`: every value of an object, every element of an array.
    Wildcard,
    /// `..`: the node and every object or array below it.
    Descend,
    /// `[...]`: indices, slices, `*` or quoted keys, several separated by commas.
    Select(Vec<Selection>),
    /// `[?(...)]`, boxed because it is much larger than the other steps.
    Filter(Box<Filter>),
}

#[derive(Debug, Clone)]
enum Selection {
    All,
    Key(String),
    Index(i64),
    Slice { start: Option<i64>, end: Option<i64>, step: usize },
}

#[derive(Debug, Clone)]
struct Filter {
    left: Operand,
    /// `None` tests only that `left` exists.
    comparison: Option<(Operator, Operand)>,
}

#[derive(Debug, Clone)]
enum Operand {
    Path(Path),
    Literal(Value),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operator {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// What one `{...}` holds.
enum Action {
    Text(String),
    Print(Path),
    Range { path: Path, column: usize },
    End { column: usize },
}

/// A `{range}` waiting for its `{end}`: what came before it, to return to.
struct OpenRange {
    path: Path,
    outer: Vec<Segment>,
    column: usize,
}

/// A recursive-descent parser over characters, so that columns in errors are
/// what the user counts. `end` bounds the text being parsed, which lets a
/// filter's operands be parsed in place with their real columns.
struct Parser {
    chars: Vec<char>,
    pos: usize,
    end: usize,
}

impl Parser {
    fn new(text: &str) -> Parser {
        let chars: Vec<char> = text.chars().collect();
        let end = chars.len();
        Parser { chars, pos: 0, end }
    }

    fn peek(&self) -> Option<char> {
        self.peek_at(0)
    }

    fn peek_at(&self, offset: usize) -> Option<char> {
        let index = self.pos + offset;
        if index < self.end { self.chars.get(index).copied() } else { None }
    }

    fn char_at(&self, index: usize) -> Option<char> {
        self.chars.get(index).copied()
    }

    fn skip_spaces(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    fn text(&self, range: Range<usize>) -> String {
        self.chars.get(range).unwrap_or_default().iter().collect()
    }

    fn trimmed(&self, range: Range<usize>) -> Range<usize> {
        let is_space = |i: usize| self.char_at(i).is_some_and(char::is_whitespace);
        let (mut start, mut end) = (range.start, range.end);
        while start < end && is_space(start) {
            start += 1;
        }
        while end > start && is_space(end - 1) {
            end -= 1;
        }
        start..end
    }

    /// Runs `parse` over `range` only, then puts the position and bound back.
    fn within<T>(
        &mut self,
        range: Range<usize>,
        parse: impl FnOnce(&mut Parser) -> Result<T, JsonPathError>,
    ) -> Result<T, JsonPathError> {
        let (pos, end) = (self.pos, self.end);
        self.pos = range.start;
        self.end = range.end;
        let result = parse(self);
        self.pos = pos;
        self.end = end;
        result
    }

    /// The first unquoted, unescaped character in `range` for which `found`
    /// holds, given its nesting depth (counted before a bracket at it opens
    /// or closes): one walker for every search that must skip quoted text.
    fn find_top(&self, range: Range<usize>, found: impl Fn(char, usize) -> bool) -> Option<usize> {
        let mut depth = 0usize;
        let mut quote = None;
        let mut i = range.start;
        while i < range.end {
            let c = self.char_at(i)?;
            match quote {
                Some(_) if c == '\\' => i += 1,
                Some(q) if c == q => quote = None,
                Some(_) => {}
                None if c == '\\' => i += 1,
                None if matches!(c, '"' | '\'') => quote = Some(c),
                None if found(c, depth) => return Some(i),
                None if matches!(c, '[' | '(') => depth += 1,
                None if matches!(c, ']' | ')') => depth = depth.saturating_sub(1),
                None => {}
            }
            i += 1;
        }
        None
    }

    /// The index of `target` at nesting depth zero from `from`, skipping
    /// quoted text and escaped characters.
    fn closing(&self, from: usize, target: char) -> Option<usize> {
        self.find_top(from..self.end, |c, depth| c == target && depth == 0)
    }

    fn template(&mut self) -> Result<Vec<Segment>, JsonPathError> {
        let mut ranges: Vec<OpenRange> = Vec::new();
        let mut segments = Vec::new();
        let mut text = String::new();
        while let Some(c) = self.peek() {
            // a `}` outside an action is plain text, as in kubectl
            if c != '{' {
                text.push(c);
                self.pos += 1;
                continue;
            }
            if !text.is_empty() {
                segments.push(Segment::Text(std::mem::take(&mut text)));
            }
            let open = self.pos;
            self.pos += 1;
            match self.action(Some(open))? {
                Action::Text(literal) => segments.push(Segment::Text(literal)),
                Action::Print(path) => segments.push(Segment::Print(path)),
                Action::Range { path, .. } => ranges.push(OpenRange {
                    path,
                    outer: std::mem::take(&mut segments),
                    column: open + 1,
                }),
                Action::End { .. } => {
                    let Some(range) = ranges.pop() else {
                        return Err(JsonPathError::EndWithoutRange { column: open + 1 });
                    };
                    let body = std::mem::replace(&mut segments, range.outer);
                    segments.push(Segment::Range { path: range.path, body });
                }
            }
        }
        if !text.is_empty() {
            segments.push(Segment::Text(text));
        }
        if let Some(range) = ranges.last() {
            return Err(JsonPathError::UnclosedRange { column: range.column });
        }
        Ok(segments)
    }

    /// Parses what follows a `{` at `open` up to and including its `}`; with
    /// no `open`, the action runs to the end of the text.
    fn action(&mut self, open: Option<usize>) -> Result<Action, JsonPathError> {
        self.skip_spaces();
        let Some(c) = self.peek() else {
            return match open {
                Some(open) => Err(JsonPathError::UnclosedAction { column: open + 1 }),
                None => Ok(Action::Print(Path::current())),
            };
        };
        let action = match c {
            // `{}` prints the current node, as `{@}` does
            '}' if open.is_some() => Action::Print(Path::current()),
            '"' | '\'' => Action::Text(self.quoted()?),
            '.' | '$' | '@' | '[' => Action::Print(self.path(false)?),
            c if c.is_alphanumeric() || c == '_' => {
                let column = self.pos + 1;
                let word = self.word();
                match word.as_str() {
                    "range" => {
                        self.skip_spaces();
                        Action::Range { path: self.range_path(column)?, column }
                    }
                    "end" => Action::End { column },
                    _ => return Err(JsonPathError::UnrecognizedIdentifier { name: word, column }),
                }
            }
            character => {
                return Err(JsonPathError::UnrecognizedCharacter { character, column: self.pos + 1 });
            }
        };
        self.close(open)?;
        Ok(action)
    }

    fn range_path(&mut self, column: usize) -> Result<Path, JsonPathError> {
        match self.peek() {
            Some('.' | '$' | '@' | '[') => self.path(false),
            Some(c) if c.is_alphanumeric() || c == '_' => {
                let column = self.pos + 1;
                Err(JsonPathError::UnrecognizedIdentifier { name: self.word(), column })
            }
            _ => Err(JsonPathError::MissingRangePath { column }),
        }
    }

    fn word(&mut self) -> String {
        let mut word = String::new();
        while let Some(c) = self.peek().filter(|&c| c.is_alphanumeric() || matches!(c, '_' | '-')) {
            word.push(c);
            self.pos += 1;
        }
        word
    }

    /// Consumes the `}` ending an action (or, with no `open`, checks that the
    /// text has ended).
    fn close(&mut self, open: Option<usize>) -> Result<(), JsonPathError> {
        self.skip_spaces();
        match (self.peek(), open) {
            (None, None) => Ok(()),
            (None, Some(open)) => Err(JsonPathError::UnclosedAction { column: open + 1 }),
            (Some('}'), Some(_)) => {
                self.pos += 1;
                Ok(())
            }
            (Some(character), _) => {
                Err(JsonPathError::UnrecognizedCharacter { character, column: self.pos + 1 })
            }
        }
    }

    /// A quoted literal, with Go's common escapes (kubectl unquotes with
    /// `strconv.Unquote`).
    fn quoted(&mut self) -> Result<String, JsonPathError> {
        let start = self.pos;
        let unterminated = JsonPathError::UnterminatedString { column: start + 1 };
        let Some(quote) = self.peek() else {
            return Err(unterminated);
        };
        self.pos += 1;
        let mut text = String::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(unterminated);
            };
            self.pos += 1;
            if c == quote {
                return Ok(text);
            }
            if c != '\\' {
                text.push(c);
                continue;
            }
            // the backslash was at pos - 1, so its column is pos
            let column = self.pos;
            let Some(escaped) = self.peek() else {
                return Err(unterminated);
            };
            self.pos += 1;
            text.push(match escaped {
                'n' => '\n',
                't' => '\t',
                'r' => '\r',
                '\\' | '"' | '\'' => escaped,
                'u' => self.unicode(column)?,
                other => {
                    return Err(JsonPathError::InvalidEscape { sequence: format!("\\{other}"), column });
                }
            });
        }
    }

    fn unicode(&mut self, column: usize) -> Result<char, JsonPathError> {
        let digits = self.text(self.pos..(self.pos + 4).min(self.end));
        let invalid = || JsonPathError::InvalidEscape { sequence: format!("\\u{digits}"), column };
        if digits.chars().count() != 4 || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(invalid());
        }
        let code = u32::from_str_radix(&digits, 16).map_err(|_| invalid())?;
        let c = char::from_u32(code).ok_or_else(invalid)?;
        self.pos += 4;
        Ok(c)
    }

    /// A path: `$` or `@` (or nothing, for the current node), then `.field`,
    /// `.*`, `..field` and `[...]` steps. `bare` also lets it start with a
    /// field name, as custom columns allow (`metadata.name`).
    fn path(&mut self, bare: bool) -> Result<Path, JsonPathError> {
        let mut path = Path::current();
        match self.peek() {
            Some('$') => {
                path.from_root = true;
                self.pos += 1;
            }
            Some('@') => self.pos += 1,
            Some('.' | '[') | None => {}
            Some(_) if bare => {
                if let Some(step) = self.field()? {
                    path.steps.push(step);
                }
            }
            Some(_) => {}
        }
        loop {
            match self.peek() {
                Some('.') if self.peek_at(1) == Some('.') => {
                    let column = self.pos + 1;
                    self.pos += 2;
                    path.steps.push(Step::Descend);
                    if self.peek() == Some('[') {
                        continue;
                    }
                    let Some(step) = self.field()? else {
                        return Err(JsonPathError::MissingField { column });
                    };
                    path.steps.push(step);
                }
                Some('.') => {
                    self.pos += 1;
                    // `{.}` is the current node: an empty field is no step
                    if let Some(step) = self.field()? {
                        path.steps.push(step);
                    }
                }
                Some('[') => {
                    let step = self.bracket()?;
                    path.steps.push(step);
                }
                _ => return Ok(path),
            }
        }
    }

    /// A field name up to the next terminator; `\` takes the next character
    /// as it is, which is how label keys keep their dots
    /// (`app\.kubernetes\.io/name`).
    fn field(&mut self) -> Result<Option<Step>, JsonPathError> {
        let start = self.pos;
        let mut name = String::new();
        while let Some(c) = self.peek() {
            if c == '\\' {
                let Some(escaped) = self.peek_at(1) else {
                    return Err(JsonPathError::InvalidEscape { sequence: "\\".into(), column: self.pos + 1 });
                };
                name.push(escaped);
                self.pos += 2;
            } else if is_terminator(c) {
                break;
            } else {
                name.push(c);
                self.pos += 1;
            }
        }
        Ok(match name.as_str() {
            "" => None,
            // only an unescaped `*` is a wildcard: `\*` names a key "*"
            "*" if self.pos == start + 1 => Some(Step::Wildcard),
            _ => Some(Step::Field(name)),
        })
    }

    fn bracket(&mut self) -> Result<Step, JsonPathError> {
        let open = self.pos;
        let Some(close) = self.closing(open + 1, ']') else {
            return Err(JsonPathError::UnterminatedBracket { column: open + 1 });
        };
        let content = self.trimmed(open + 1..close);
        let step = if self.char_at(content.start) == Some('?') && !content.is_empty() {
            self.filter(open, close)?
        } else {
            Step::Select(self.selections(open, close)?)
        };
        self.pos = close + 1;
        Ok(step)
    }

    fn selections(&mut self, open: usize, close: usize) -> Result<Vec<Selection>, JsonPathError> {
        let text = self.text(open..close + 1);
        let invalid = |reason: &str| JsonPathError::InvalidIndex {
            text: text.clone(),
            column: open + 1,
            reason: reason.to_string(),
        };
        let content = open + 1..close;
        let items = split_outside(self.chars.get(content.clone()).unwrap_or_default(), ',');
        let mut selections = Vec::new();
        for item in items {
            let item = self.trimmed(item.start + content.start..item.end + content.start);
            let item_text = self.text(item.clone());
            let selection = match self.char_at(item.start).filter(|_| !item.is_empty()) {
                None => return Err(invalid("an index is empty")),
                Some('"' | '\'') => self.within(item, |p| {
                    let key = p.quoted()?;
                    match p.peek() {
                        None => Ok(Selection::Key(key)),
                        Some(_) => Err(invalid("unexpected text after the quoted key")),
                    }
                })?,
                Some(_) if item_text == "*" => Selection::All,
                Some(_) => slice(&item_text).map_err(invalid)?,
            };
            selections.push(selection);
        }
        Ok(selections)
    }

    /// `[?(left OP right)]` or `[?(path)]`, the brackets at `open` and `close`.
    fn filter(&mut self, open: usize, close: usize) -> Result<Step, JsonPathError> {
        let text = self.text(open..close + 1);
        let invalid = |reason: String| JsonPathError::InvalidFilter {
            text: text.clone(),
            column: open + 1,
            reason,
        };
        let inner = self.trimmed(open + 1..close);
        let after_question = self.trimmed(inner.start + 1..inner.end);
        if after_question.is_empty() || self.char_at(after_question.start) != Some('(') {
            return Err(invalid("expected ( after ?, as in [?(@.type==\"Ready\")]".into()));
        }
        let Some(paren) = self.closing(after_question.start + 1, ')') else {
            return Err(invalid("missing )".into()));
        };
        if paren + 1 != after_question.end {
            return Err(invalid("unexpected text after )".into()));
        }
        let filter = self.expression(after_question.start + 1..paren, &invalid)?;
        Ok(Step::Filter(Box::new(filter)))
    }

    fn expression(
        &mut self,
        range: Range<usize>,
        invalid: &dyn Fn(String) -> JsonPathError,
    ) -> Result<Filter, JsonPathError> {
        let Some((operator, at)) = self.operator(range.clone(), invalid)? else {
            let left = self.operand(range, invalid)?;
            return match left {
                Operand::Path(_) => Ok(Filter { left, comparison: None }),
                Operand::Literal(_) => Err(invalid(
                    "a filter without a comparison tests a path, as in [?(@.message)]".into(),
                )),
            };
        };
        let left = self.operand(range.start..at.start, invalid)?;
        let right = self.operand(at.end..range.end, invalid)?;
        Ok(Filter { left, comparison: Some((operator, right)) })
    }

    /// The first comparison operator outside quotes and brackets, and where it is.
    fn operator(
        &self,
        range: Range<usize>,
        invalid: &dyn Fn(String) -> JsonPathError,
    ) -> Result<Option<(Operator, Range<usize>)>, JsonPathError> {
        let is_operator = |c: char| matches!(c, '=' | '!' | '<' | '>');
        let Some(i) = self.find_top(range.clone(), |c, depth| depth == 0 && is_operator(c)) else {
            return Ok(None);
        };
        let mut end = i;
        while end < range.end && self.char_at(end).is_some_and(is_operator) {
            end += 1;
        }
        let symbol = self.text(i..end);
        let operator = match symbol.as_str() {
            "==" => Operator::Eq,
            "!=" => Operator::Ne,
            "<" => Operator::Lt,
            "<=" => Operator::Le,
            ">" => Operator::Gt,
            ">=" => Operator::Ge,
            _ => return Err(invalid(format!("unknown operator {symbol:?}; use ==, !=, <, <=, > or >="))),
        };
        Ok(Some((operator, i..end)))
    }

    fn operand(
        &mut self,
        range: Range<usize>,
        invalid: &dyn Fn(String) -> JsonPathError,
    ) -> Result<Operand, JsonPathError> {
        let range = self.trimmed(range);
        let text = self.text(range.clone());
        match self.char_at(range.start).filter(|_| !range.is_empty()) {
            None => Err(invalid("an operand is missing".into())),
            Some('@' | '$') => self.within(range, |p| {
                let path = p.path(false)?;
                match p.peek() {
                    None => Ok(Operand::Path(path)),
                    Some(c) => Err(invalid(format!("unexpected {c:?} in {text:?}"))),
                }
            }),
            Some('"' | '\'') => self.within(range, |p| {
                let literal = p.quoted()?;
                match p.peek() {
                    None => Ok(Operand::Literal(Value::String(literal))),
                    Some(c) => Err(invalid(format!("unexpected {c:?} after the quoted string {text:?}"))),
                }
            }),
            Some(_) => match serde_json::from_str::<Value>(&text) {
                Ok(value @ (Value::Number(_) | Value::Bool(_) | Value::Null)) => Ok(Operand::Literal(value)),
                _ => Err(invalid(format!(
                    "{text:?} is not a path starting with @ or $, a quoted string, a number, true, false or null"
                ))),
            },
        }
    }
}

/// Where a field name stops (client-go's `isTerminator`).
fn is_terminator(c: char) -> bool {
    c.is_whitespace() || matches!(c, '.' | ',' | '[' | ']' | '$' | '@' | '{' | '}')
}

/// `0`, `-1`, `1:3`, `:2`, `::2`.
fn slice(text: &str) -> Result<Selection, &'static str> {
    let parts: Vec<&str> = text.split(':').map(str::trim).collect();
    match parts.as_slice() {
        [index] => bound(index)?.map(Selection::Index).ok_or("an index is empty"),
        [start, end] => Ok(Selection::Slice { start: bound(start)?, end: bound(end)?, step: 1 }),
        [start, end, step] => {
            let step = match bound(step)? {
                None => 1,
                Some(step) => usize::try_from(step)
                    .ok()
                    .filter(|step| *step > 0)
                    .ok_or("the step of a slice must be positive")?,
            };
            Ok(Selection::Slice { start: bound(start)?, end: bound(end)?, step })
        }
        _ => Err(EXPECTED_INDEX),
    }
}

const EXPECTED_INDEX: &str = "expected an index, a slice like 1:3, * or a quoted key";

fn bound(part: &str) -> Result<Option<i64>, &'static str> {
    if part.is_empty() {
        return Ok(None);
    }
    part.parse().map(Some).map_err(|_| EXPECTED_INDEX)
}

/// Splits at `separator` where it is outside quotes, brackets, parentheses
/// and braces.
fn split_outside(chars: &[char], separator: char) -> Vec<Range<usize>> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut depth = 0usize;
    let mut quote = None;
    let mut escaped = false;
    for (i, &c) in chars.iter().enumerate() {
        if escaped {
            escaped = false;
            continue;
        }
        match quote {
            Some(q) => {
                if c == '\\' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
            }
            None => match c {
                '\\' => escaped = true,
                '"' | '\'' => quote = Some(c),
                '[' | '(' | '{' => depth += 1,
                ']' | ')' | '}' => depth = depth.saturating_sub(1),
                c if c == separator && depth == 0 => {
                    parts.push(start..i);
                    start = i + 1;
                }
                _ => {}
            },
        }
    }
    parts.push(start..chars.len());
    parts
}

/// A custom column's path, relaxed as kubectl's `RelaxedJSONPathExpression`
/// does: braces and the leading dot are both optional.
fn column_path(expression: &str) -> Result<Path, JsonPathError> {
    let trimmed = expression.trim();
    let inner = trimmed
        .strip_prefix('{')
        .and_then(|rest| rest.strip_suffix('}'))
        .unwrap_or(trimmed);
    if inner.trim().is_empty() {
        return Err(JsonPathError::EmptyPath);
    }
    let mut parser = Parser::new(inner);
    parser.skip_spaces();
    let path = parser.path(true)?;
    parser.close(None)?;
    Ok(path)
}

fn render(segments: &[Segment], current: &Value, root: &Value, out: &mut String) {
    for segment in segments {
        match segment {
            Segment::Text(text) => out.push_str(text),
            Segment::Print(path) => {
                for (i, value) in eval(path, current, root).into_iter().enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    out.push_str(&text_of(value));
                }
            }
            Segment::Range { path, body } => {
                for item in eval(path, current, root) {
                    render(body, item, root, out);
                }
            }
        }
    }
}

/// Strings bare, everything else as compact JSON, as kubectl prints them.
fn text_of(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

fn eval<'v>(path: &Path, current: &'v Value, root: &'v Value) -> Vec<&'v Value> {
    let mut nodes = vec![if path.from_root { root } else { current }];
    for step in &path.steps {
        let mut next = Vec::new();
        for node in nodes {
            step.apply(node, root, &mut next);
        }
        nodes = next;
    }
    nodes
}

impl Step {
    fn apply<'v>(&self, node: &'v Value, root: &'v Value, out: &mut Vec<&'v Value>) {
        match self {
            Step::Field(name) => out.extend(node.as_object().and_then(|object| object.get(name))),
            Step::Wildcard => out.extend(children(node)),
            Step::Descend => descend(node, out),
            Step::Select(selections) => {
                for selection in selections {
                    selection.apply(node, out);
                }
            }
            Step::Filter(filter) => {
                if let Value::Array(items) = node {
                    out.extend(items.iter().filter(|item| filter.matches(item, root)));
                }
            }
        }
    }
}

fn children(node: &Value) -> Vec<&Value> {
    match node {
        Value::Object(object) => object.values().collect(),
        Value::Array(items) => items.iter().collect(),
        _ => Vec::new(),
    }
}

/// Pre-order, like client-go: a container, then everything below it. Scalars
/// are left out because only a following step can say what to take from them.
fn descend<'v>(node: &'v Value, out: &mut Vec<&'v Value>) {
    if node.is_object() || node.is_array() {
        out.push(node);
        for child in children(node) {
            descend(child, out);
        }
    }
}

impl Selection {
    fn apply<'v>(&self, node: &'v Value, out: &mut Vec<&'v Value>) {
        match (self, node) {
            (Selection::All, _) => out.extend(children(node)),
            (Selection::Key(key), Value::Object(object)) => out.extend(object.get(key)),
            (Selection::Index(index), Value::Array(items)) => {
                out.extend(resolve(*index, items.len()).and_then(|i| items.get(i)));
            }
            (Selection::Slice { start, end, step }, Value::Array(items)) => {
                let len = items.len();
                let from = clamp(*start, len, 0);
                let to = clamp(*end, len, len);
                out.extend(items.iter().take(to).skip(from).step_by(*step));
            }
            _ => {}
        }
    }
}

/// An index, negative ones counting from the end; `None` when out of range.
fn resolve(index: i64, len: usize) -> Option<usize> {
    if index < 0 {
        len.checked_sub(usize::try_from(index.unsigned_abs()).ok()?)
    } else {
        usize::try_from(index).ok().filter(|i| *i < len)
    }
}

/// A slice bound clamped into `0..=len`, as Python does, rather than the
/// out-of-bounds error kubectl gives.
fn clamp(bound: Option<i64>, len: usize, default: usize) -> usize {
    match bound {
        None => default,
        Some(b) if b < 0 => len.saturating_sub(usize::try_from(b.unsigned_abs()).unwrap_or(usize::MAX)),
        Some(b) => usize::try_from(b).unwrap_or(usize::MAX).min(len),
    }
}

impl Filter {
    fn matches(&self, item: &Value, root: &Value) -> bool {
        let lefts = self.left.values(item, root);
        let Some((operator, right)) = &self.comparison else {
            // kubectl keeps an element when the path exists, whatever its
            // value, even false or null
            return !lefts.is_empty();
        };
        let rights = right.values(item, root);
        // a path may give several values (`@.tags[*]`); kubectl refuses to
        // compare those, one pair satisfying the comparison is enough here
        lefts.iter().any(|l| rights.iter().any(|r| operator.holds(l, r)))
    }
}

impl Operand {
    fn values<'a>(&'a self, current: &'a Value, root: &'a Value) -> Vec<&'a Value> {
        match self {
            Operand::Path(path) => eval(path, current, root),
            Operand::Literal(value) => vec![value],
        }
    }
}

impl Operator {
    fn holds(self, left: &Value, right: &Value) -> bool {
        match self {
            Operator::Eq => equal(left, right),
            Operator::Ne => !equal(left, right),
            Operator::Lt => order(left, right) == Some(Ordering::Less),
            Operator::Le => matches!(order(left, right), Some(Ordering::Less | Ordering::Equal)),
            Operator::Gt => order(left, right) == Some(Ordering::Greater),
            Operator::Ge => matches!(order(left, right), Some(Ordering::Greater | Ordering::Equal)),
        }
    }
}

/// Numbers by value, so that `2` equals `2.0`; anything else structurally.
fn equal(left: &Value, right: &Value) -> bool {
    match (left, right) {
        (Value::Number(a), Value::Number(b)) => compare_numbers(a, b) == Some(Ordering::Equal),
        _ => left == right,
    }
}

/// Only numbers with numbers and strings with strings have an order; any
/// other pair fails every ordering comparison.
fn order(left: &Value, right: &Value) -> Option<Ordering> {
    match (left, right) {
        (Value::Number(a), Value::Number(b)) => compare_numbers(a, b),
        (Value::String(a), Value::String(b)) => Some(a.cmp(b)),
        _ => None,
    }
}

fn compare_numbers(a: &serde_json::Number, b: &serde_json::Number) -> Option<Ordering> {
    // integers exactly, as large ones lose precision in an f64
    if let (Some(x), Some(y)) = (a.as_i64(), b.as_i64()) {
        return Some(x.cmp(&y));
    }
    if let (Some(x), Some(y)) = (a.as_u64(), b.as_u64()) {
        return Some(x.cmp(&y));
    }
    a.as_f64()?.partial_cmp(&b.as_f64()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn jobs() -> Value {
        json!({
            "apiVersion": "v1",
            "kind": "List",
            "items": [
                {
                    "kind": "TrainingJob",
                    "metadata": {
                        "name": "a",
                        "labels": {"app.kubernetes.io/name": "mnist", "team": "vision"}
                    },
                    "spec": {"resourceConfig": {"instanceCount": 1}},
                    "status": {
                        "trainingJobStatus": "Completed",
                        "conditions": [
                            {"type": "ACK.ResourceSynced", "status": "True"},
                            {"type": "Ready", "status": "True"}
                        ]
                    }
                },
                {
                    "kind": "TrainingJob",
                    "metadata": {"name": "b"},
                    "spec": {"resourceConfig": {"instanceCount": 4}},
                    "status": {
                        "trainingJobStatus": "Failed",
                        "conditions": [{"type": "Ready", "status": "False", "message": "AlgorithmError"}]
                    }
                }
            ],
            "metadata": {"resourceVersion": ""}
        })
    }

    fn render(template: &str, value: &Value) -> String {
        Template::parse(template)
            .expect("the template parses")
            .render(value)
            .expect("the template renders")
    }

    fn error(template: &str) -> JsonPathError {
        Template::parse(template).expect_err("the template is invalid")
    }

    #[test]
    fn a_range_over_items_prints_each_name_and_status_on_its_own_line() {
        let template = r#"{range .items[*]}{.metadata.name}{"\t"}{.status.trainingJobStatus}{"\n"}{end}"#;
        assert_eq!(render(template, &jobs()), "a\tCompleted\nb\tFailed\n");
    }

    #[test]
    fn every_match_of_one_action_is_printed_separated_by_a_space() {
        assert_eq!(render("{.items[*].metadata.name}", &jobs()), "a b");
    }

    #[test]
    fn text_outside_actions_is_copied_and_a_quoted_action_prints_its_text() {
        let template = r#"name={.items[0].metadata.name} {"quoted: \"x\""}{'single'}"#;
        assert_eq!(render(template, &jobs()), r#"name=a quoted: "x"single"#);
    }

    #[test]
    fn escapes_in_quoted_text_become_newlines_tabs_and_unicode() {
        assert_eq!(render(r#"{"a\tb\nc\\d\u00e9"}"#, &jobs()), "a\tb\nc\\d\u{e9}");
    }

    #[test]
    fn a_closing_brace_in_quoted_text_or_outside_an_action_is_plain_text() {
        assert_eq!(render(r#"{"}"}x} {.kind}"#, &jobs()), "}x} List");
    }

    #[test]
    fn dollar_names_the_root_even_inside_a_range() {
        assert_eq!(render("{$.kind}", &jobs()), "List");
        assert_eq!(render("{range .items[*]}{$.kind}/{.metadata.name} {end}", &jobs()), "List/a List/b ");
    }

    #[test]
    fn an_index_picks_one_element_and_a_negative_index_counts_from_the_end() {
        assert_eq!(render("{.items[0].metadata.name}", &jobs()), "a");
        assert_eq!(render("{.items[-1].metadata.name}", &jobs()), "b");
        assert_eq!(render("{.items[-3].metadata.name}{.items[5].metadata.name}", &jobs()), "");
    }

    #[test]
    fn a_slice_takes_the_elements_from_start_up_to_but_not_including_end() {
        let value = json!({"n": [0, 1, 2, 3, 4]});
        let cases = [
            ("{.n[1:3]}", "1 2"),
            ("{.n[:2]}", "0 1"),
            ("{.n[3:]}", "3 4"),
            ("{.n[-2:]}", "3 4"),
            ("{.n[::2]}", "0 2 4"),
            ("{.n[1:10]}", "1 2 3 4"),
            ("{.n[4:1]}", ""),
        ];
        for (template, expected) in cases {
            assert_eq!(render(template, &value), expected, "{template}");
        }
    }

    #[test]
    fn brackets_take_several_indices_or_quoted_keys() {
        assert_eq!(render("{.items[1,0].metadata.name}", &jobs()), "b a");
        assert_eq!(render("{.items[0].metadata.labels['app.kubernetes.io/name']}", &jobs()), "mnist");
        assert_eq!(render(r#"{.items[0].metadata["name"]}"#, &jobs()), "a");
    }

    #[test]
    fn a_star_after_a_dot_gives_every_value_of_an_object() {
        assert_eq!(render("{.items[0].metadata.labels.*}", &jobs()), "mnist vision");
    }

    #[test]
    fn recursive_descent_finds_the_field_at_every_depth() {
        let pod = json!({
            "name": "top",
            "spec": {"containers": [{"name": "c1"}, {"name": "c2", "sidecar": {"name": "s"}}]}
        });
        assert_eq!(render("{..name}", &pod), "top c1 c2 s");
        assert_eq!(render("{..trainingJobStatus}", &jobs()), "Completed Failed");
        assert_eq!(render("{.spec..[0].name}", &pod), "c1");
    }

    #[test]
    fn escaped_dots_keep_a_label_key_with_dots_whole() {
        let template = r"{.items[0].metadata.labels.app\.kubernetes\.io/name}";
        assert_eq!(render(template, &jobs()), "mnist");
    }

    #[test]
    fn a_filter_picks_the_condition_of_the_given_type() {
        let template = r#"{.items[*].status.conditions[?(@.type=="Ready")].status}"#;
        assert_eq!(render(template, &jobs()), "True False");
        let spaced = r#"{.items[*].status.conditions[?( @.type == 'Ready' )].status}"#;
        assert_eq!(render(spaced, &jobs()), "True False");
    }

    #[test]
    fn filters_compare_numbers_and_strings_with_every_operator() {
        let value = json!({"items": [{"name": "x", "n": 1}, {"name": "y", "n": 2}, {"name": "z", "n": 3}]});
        let cases = [
            ("@.n==2", "y"),
            ("@.n!=2", "x z"),
            ("@.n<2", "x"),
            ("@.n<=2", "x y"),
            ("@.n>2", "z"),
            ("@.n>=2", "y z"),
            ("@.n==2.0", "y"),
            ("@.n>-1", "x y z"),
            (r#"@.name>"x""#, "y z"),
            (r#"@.name=="y""#, "y"),
            (r#"@.n=="2""#, ""),
            (r#"@.name>1"#, ""),
            ("@.n==$.items[2].n", "z"),
        ];
        for (expression, expected) in cases {
            let template = format!("{{.items[?({expression})].name}}");
            assert_eq!(render(&template, &value), expected, "{template}");
        }
    }

    #[test]
    fn a_filter_without_an_operator_keeps_elements_that_have_the_field() {
        let template = "{.items[*].status.conditions[?(@.message)].message}";
        assert_eq!(render(template, &jobs()), "AlgorithmError");
        let nested = "{.items[?(@.status.conditions[?(@.message)])].metadata.name}";
        assert_eq!(render(nested, &jobs()), "b");
        let value = json!({"items": [{"name": "x", "flag": false}, {"name": "y"}]});
        assert_eq!(render("{.items[?(@.flag)].name}", &value), "x");
    }

    #[test]
    fn strings_print_bare_and_other_values_as_compact_json() {
        let value = json!({
            "s": "text", "n": 1.5, "i": 3, "b": true, "z": null,
            "o": {"k": "v", "l": [1, 2]}, "a": [1, "x"]
        });
        assert_eq!(
            render("{.s}|{.n}|{.i}|{.b}|{.z}|{.o}|{.a}", &value),
            r#"text|1.5|3|true|null|{"k":"v","l":[1,2]}|[1,"x"]"#
        );
    }

    #[test]
    fn ranges_nest_with_the_inner_range_over_the_current_element() {
        let template = "{range .items[*]}{.metadata.name}:{range .status.conditions[*]} {.type}{end};{end}";
        assert_eq!(render(template, &jobs()), "a: ACK.ResourceSynced Ready;b: Ready;");
    }

    #[test]
    fn the_current_element_is_at_sign_dot_or_an_empty_action() {
        assert_eq!(render(r#"{range .items[*].metadata.name}{@}{"\n"}{end}"#, &jobs()), "a\nb\n");
        assert_eq!(render("{range .items[*].metadata.name}[{}]{end}", &jobs()), "[a][b]");
        assert_eq!(render("{range .items[*].metadata.name}{.},{end}", &jobs()), "a,b,");
    }

    #[test]
    fn a_path_that_matches_nothing_prints_nothing() {
        let template = "[{.items[0].status.missing}][{.nope[*].x}][{.kind.x}][{.kind[0]}][{.items.name}]";
        assert_eq!(render(template, &jobs()), "[][][][][]");
    }

    #[test]
    fn a_template_without_braces_is_taken_as_one_action() {
        assert_eq!(render(".items[*].metadata.name", &jobs()), "a b");
        assert_eq!(render(" .kind ", &jobs()), "List");
    }

    #[test]
    fn spaces_inside_an_action_are_ignored() {
        assert_eq!(render("{ .kind }", &jobs()), "List");
        assert_eq!(render("{range   .items[*] }{.metadata.name}{ end }", &jobs()), "ab");
    }

    #[test]
    fn an_action_without_its_closing_brace_is_an_unclosed_action() {
        let err = error("{.metadata.name");
        assert_eq!(err, JsonPathError::UnclosedAction { column: 1 });
        assert_eq!(err.to_string(), "unclosed action: the { at column 1 has no matching }");
        assert_eq!(error("x {.kind} {"), JsonPathError::UnclosedAction { column: 11 });
    }

    #[test]
    fn an_end_without_a_range_and_a_range_without_an_end_are_errors() {
        let err = error("{.kind}{end}");
        assert_eq!(err, JsonPathError::EndWithoutRange { column: 8 });
        assert_eq!(err.to_string(), "not in range, nothing to end: {end} at column 8");
        assert_eq!(error("{range .items[*]}{.x}"), JsonPathError::UnclosedRange { column: 1 });
        assert_eq!(error("{range}"), JsonPathError::MissingRangePath { column: 2 });
    }

    #[test]
    fn a_path_without_its_leading_dot_is_an_unrecognized_identifier() {
        let err = error("{metadata.name}");
        assert_eq!(err, JsonPathError::UnrecognizedIdentifier { name: "metadata".into(), column: 2 });
        assert!(err.to_string().starts_with("unrecognized identifier \"metadata\" at column 2"), "{err}");
    }

    #[test]
    fn stray_text_after_a_path_is_an_unrecognized_character() {
        assert_eq!(
            error("{.kind x}"),
            JsonPathError::UnrecognizedCharacter { character: 'x', column: 8 }
        );
        assert_eq!(
            error("{#}"),
            JsonPathError::UnrecognizedCharacter { character: '#', column: 2 }
        );
    }

    #[test]
    fn a_malformed_filter_is_an_error_naming_the_filter_and_the_problem() {
        let err = error("{.items[?(@.a = 1)]}");
        assert_eq!(
            err.to_string(),
            r#"invalid filter "[?(@.a = 1)]" at column 8: unknown operator "="; use ==, !=, <, <=, > or >="#
        );
        let cases = ["{.items[?(@.a == x)]}", "{.items[?@.a]}", "{.items[?(1)]}", "{.items[?(@.a==)]}"];
        for template in cases {
            assert!(
                matches!(error(template), JsonPathError::InvalidFilter { column: 8, .. }),
                "{template}"
            );
        }
    }

    #[test]
    fn malformed_strings_indices_and_brackets_are_errors_with_their_column() {
        assert_eq!(error(r#"{"abc}"#), JsonPathError::UnterminatedString { column: 2 });
        assert_eq!(
            error(r#"{"\q"}"#),
            JsonPathError::InvalidEscape { sequence: r"\q".into(), column: 3 }
        );
        assert_eq!(error("{.items[0}"), JsonPathError::UnterminatedBracket { column: 8 });
        assert_eq!(error("{..}"), JsonPathError::MissingField { column: 2 });
        assert_eq!(
            error("{.items[abc]}"),
            JsonPathError::InvalidIndex { text: "[abc]".into(), column: 8, reason: EXPECTED_INDEX.into() }
        );
        assert_eq!(
            error("{.items[::0]}").to_string(),
            r#"invalid array index "[::0]" at column 8: the step of a slice must be positive"#
        );
    }

    #[test]
    fn custom_columns_give_the_headers_and_one_value_per_column() {
        let columns =
            CustomColumns::parse(r#"NAME:.metadata.name,READY:.status.conditions[?(@.type=="Ready")].status"#)
                .expect("valid spec");
        assert_eq!(columns.headers(), ["NAME", "READY"]);
        let list = jobs();
        let rows: Vec<_> = list["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|job| columns.row(job).expect("row"))
            .collect();
        assert_eq!(rows, [["a", "True"], ["b", "False"]]);
    }

    #[test]
    fn an_absent_value_prints_none_and_several_values_are_joined_by_commas() {
        let columns = CustomColumns::parse(
            "NAME:.metadata.name, TYPES:.status.conditions[*].type, MESSAGE:.status.conditions[*].message",
        )
        .expect("valid spec");
        assert_eq!(columns.headers(), ["NAME", "TYPES", "MESSAGE"]);
        let list = jobs();
        assert_eq!(
            columns.row(&list["items"][0]).expect("row"),
            ["a", "ACK.ResourceSynced,Ready", "<none>"]
        );
        assert_eq!(columns.row(&list["items"][1]).expect("row"), ["b", "Ready", "AlgorithmError"]);
    }

    #[test]
    fn column_paths_may_drop_the_leading_dot_or_keep_their_braces() {
        let columns = CustomColumns::parse(
            "A:metadata.name,B:{.metadata.name},C:.spec.resourceConfig.instanceCount,D:.status.conditions[0:1].type",
        )
        .expect("valid spec");
        assert_eq!(
            columns.row(&jobs()["items"][0]).expect("row"),
            ["a", "a", "1", "ACK.ResourceSynced"]
        );
    }

    #[test]
    fn a_comma_inside_a_filter_does_not_split_the_columns() {
        let columns = CustomColumns::parse(r#"X:.a[?(@.b=="p,q")].c"#).expect("valid spec");
        let value = json!({"a": [{"b": "p,q", "c": "yes"}, {"b": "p", "c": "no"}]});
        assert_eq!(columns.row(&value).expect("row"), ["yes"]);
    }

    #[test]
    fn a_column_without_a_colon_is_an_error_naming_the_entry() {
        let err = CustomColumns::parse("NAME:.metadata.name,STATUS").expect_err("invalid spec");
        assert_eq!(err, JsonPathError::InvalidColumnSpec { entry: "STATUS".into() });
        assert_eq!(
            err.to_string(),
            r#"unexpected custom-columns spec "STATUS", expected <header>:<json-path-expr>"#
        );
        assert_eq!(CustomColumns::parse(" ").expect_err("empty"), JsonPathError::NoColumns);
    }

    #[test]
    fn a_bad_column_path_is_an_error_naming_the_column() {
        let err = CustomColumns::parse("NAME:.metadata.name,BAD:.items[").expect_err("invalid path");
        assert_eq!(err.to_string(), r#"invalid custom column "BAD""#);
        let JsonPathError::Column { source, .. } = err else {
            panic!("not a column error");
        };
        assert_eq!(*source, JsonPathError::UnterminatedBracket { column: 7 });
        assert_eq!(
            CustomColumns::parse("EMPTY:").expect_err("empty path"),
            JsonPathError::Column { header: "EMPTY".into(), source: Box::new(JsonPathError::EmptyPath) }
        );
    }
}

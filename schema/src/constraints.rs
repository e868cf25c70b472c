//! What the AWS service models state about input values: enums, numeric
//! ranges, string lengths, item counts and patterns.
//!
//! The SDK's runtime schemas carry none of this (its enum types list their
//! values but accept any string), so a table generated from botocore's JSON
//! service models (`scripts/gen-constraints.py`, committed as
//! `data/constraints.json`, drift-checked) supplies it, keyed by the member
//! shape ids the SDK's schemas do carry. One table serves apply-time
//! validation, the CRDs' OpenAPI and the SageMaker simulator, so all three
//! refuse exactly what SageMaker refuses.
//!
//! Required members are the one constraint the table does not hold: they are
//! Smithy's `@required` trait on a member schema ([`is_required`]). The SDK's
//! generated schemas leave that trait out (the SDK fills required inputs with
//! defaults), so only schemas built from a service model
//! ([`crate::ServiceModel`]) carry it.

use std::{
    collections::HashMap,
    fmt,
    sync::{LazyLock, Mutex},
};

use aws_smithy_schema::{AnnotationTrait, Schema, ShapeId, TraitMap};
use serde_json::Value;

/// The constraints of one member.
#[derive(Debug, Default, Clone)]
pub struct Constraint {
    /// Allowed values of a string enum.
    pub enum_values: Option<&'static [String]>,
    /// Numeric bounds, inclusive.
    pub range: (Option<f64>, Option<f64>),
    /// String (or blob) length bounds, in characters.
    pub length: (Option<u64>, Option<u64>),
    /// List or map size bounds.
    pub items: (Option<u64>, Option<u64>),
    /// A regular expression the whole value must match (SageMaker anchors it).
    pub pattern: Option<&'static str>,
}

/// How a value breaks its member's constraints.
#[derive(Debug, Clone, PartialEq)]
pub enum Violation {
    NotInEnum(Vec<String>),
    BelowMinimum(f64),
    AboveMaximum(f64),
    TooShort(u64),
    TooLong(u64),
    TooFewItems(u64),
    TooManyItems(u64),
    NoMatch(String),
    /// A required member is absent (or null).
    Missing,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Violation::NotInEnum(values) => write!(f, "must be one of: {}", values.join(", ")),
            Violation::BelowMinimum(n) => write!(f, "must be at least {n}"),
            Violation::AboveMaximum(n) => write!(f, "must be at most {n}"),
            Violation::TooShort(n) => write!(f, "must be at least {n} characters long"),
            Violation::TooLong(n) => write!(f, "must be at most {n} characters long"),
            Violation::TooFewItems(n) => write!(f, "must have at least {n} entries"),
            Violation::TooManyItems(n) => write!(f, "must have at most {n} entries"),
            Violation::NoMatch(p) => write!(f, "must match the pattern ^{p}$"),
            Violation::Missing => f.write_str("must be set"),
        }
    }
}

impl Violation {
    /// The constraint as SageMaker words it in a ValidationException
    /// (`Member must have value greater than or equal to 0`).
    pub fn aws_constraint(&self) -> String {
        match self {
            Violation::NotInEnum(values) => format!("Member must satisfy enum value set: [{}]", values.join(", ")),
            Violation::BelowMinimum(n) => format!("Member must have value greater than or equal to {n}"),
            Violation::AboveMaximum(n) => format!("Member must have value less than or equal to {n}"),
            Violation::TooShort(n) => format!("Member must have length greater than or equal to {n}"),
            Violation::TooLong(n) => format!("Member must have length less than or equal to {n}"),
            Violation::TooFewItems(n) => format!("Member must have length greater than or equal to {n}"),
            Violation::TooManyItems(n) => format!("Member must have length less than or equal to {n}"),
            Violation::NoMatch(p) => format!("Member must satisfy regular expression pattern: ^{p}$"),
            Violation::Missing => "Member must not be null".to_string(),
        }
    }
}

struct Table {
    source: String,
    members: HashMap<String, Constraint>,
}

static TABLE: LazyLock<Table> = LazyLock::new(|| parse(include_str!("../data/constraints.json")));

/// Compiled patterns; `None` where the model's pattern is not a regex this
/// engine supports (then the pattern is not enforced, rather than guessed).
static PATTERNS: LazyLock<Mutex<HashMap<&'static str, Option<regex::Regex>>>> = LazyLock::new(Mutex::default);

pub(crate) fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

const REQUIRED: &str = "smithy.api#required";

/// The traits of a required member schema: Smithy's `@required`.
pub(crate) static REQUIRED_TRAITS: LazyLock<TraitMap> = LazyLock::new(|| {
    let mut traits = TraitMap::new();
    let required = ShapeId::from_parts(REQUIRED, "smithy.api", "required");
    traits.insert(Box::new(AnnotationTrait::new(required)));
    traits
});

/// Whether a member schema carries `@required`.
pub fn is_required(member: &Schema<'_>) -> bool {
    member
        .traits()
        .is_some_and(|traits| traits.contains_fqn(REQUIRED))
}

fn parse(text: &str) -> Table {
    let json: Value = serde_json::from_str(text).unwrap_or_default();
    let mut enums: HashMap<String, &'static [String]> = HashMap::new();
    for (name, values) in json["enums"].as_object().into_iter().flatten() {
        let values: Vec<String> =
            values.as_array().into_iter().flatten().filter_map(|v| v.as_str().map(str::to_string)).collect();
        enums.insert(name.clone(), Box::leak(values.into_boxed_slice()));
    }
    let pair_f = |v: &Value| (v[0].as_f64(), v[1].as_f64());
    let pair_u = |v: &Value| (v[0].as_u64(), v[1].as_u64());
    let mut members = HashMap::new();
    for (id, c) in json["members"].as_object().into_iter().flatten() {
        members.insert(
            id.clone(),
            Constraint {
                enum_values: c["enum"].as_str().and_then(|e| enums.get(e).copied()),
                range: c.get("range").map(pair_f).unwrap_or_default(),
                length: c.get("length").map(pair_u).unwrap_or_default(),
                items: c.get("items").map(pair_u).unwrap_or_default(),
                pattern: c["pattern"].as_str().map(|p| leak(p.to_string())),
            },
        );
    }
    Table { source: json["source"].as_str().unwrap_or_default().to_string(), members }
}

/// The botocore release the table was generated from.
pub fn source() -> &'static str {
    &TABLE.source
}

/// The constraints of a member, by the SDK's member shape id
/// (`com.amazonaws.sagemaker#ResourceConfig$InstanceCount`).
pub fn of(member_id: &str) -> Option<&'static Constraint> {
    TABLE.members.get(member_id)
}

/// The compiled, anchored form of a model pattern.
pub fn regex(pattern: &'static str) -> Option<regex::Regex> {
    let mut cache = PATTERNS.lock().unwrap_or_else(|p| p.into_inner());
    cache.entry(pattern).or_insert_with(|| regex::Regex::new(&format!("^(?:{})$", portable(pattern))).ok()).clone()
}

/// A model pattern (written for Java's regex) in the syntax Rust's regex
/// and Go's RE2 (the API server's) share: Java's ASCII classes `\p{Alnum}`
/// and `\p{Print}` spelt out, inside or outside a bracket expression, and
/// Java's `\uXXXX` escapes written `\x{XXXX}`.
pub fn portable(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut in_class = false;
    let mut rest = pattern;
    while let Some(c) = rest.chars().next() {
        let class = [(r"\p{Alnum}", "0-9A-Za-z"), (r"\p{Print}", r"\x20-\x7E")]
            .into_iter()
            .find(|(java, _)| rest.starts_with(java));
        if let Some((java, range)) = class {
            if in_class {
                out.push_str(range);
            } else {
                out.push_str(&format!("[{range}]"));
            }
            rest = &rest[java.len()..];
            continue;
        }
        match c {
            // Java's `\uD7FF` is `\x{D7FF}` in both
            '\\' if rest.len() >= 6 && rest[1..].starts_with('u') && rest[2..6].chars().all(|h| h.is_ascii_hexdigit()) => {
                out.push_str(&format!("\\x{{{}}}", &rest[2..6]));
                rest = &rest[6..];
                continue;
            }
            '\\' => {
                // an escape and what it escapes go through together
                let len = rest.chars().take(2).map(char::len_utf8).sum();
                out.push_str(&rest[..len]);
                rest = &rest[len..];
                continue;
            }
            '[' => in_class = true,
            ']' => in_class = false,
            _ => {}
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// A model pattern for a CRD's OpenAPI, anchored: RE2 caps repeat counts at
/// 1000, so a larger upper bound is dropped there (`{1,2048}` becomes
/// `{1,}`; `maxLength` still bounds the value, and the agent enforces the
/// exact pattern). `None` when the pattern is not enforceable at all.
pub fn crd_pattern(pattern: &'static str) -> Option<String> {
    regex(pattern)?;
    let mut text = portable(pattern);
    let mut from = 0;
    while let Some(open) = text[from..].find('{').map(|i| i + from) {
        let Some(close) = text[open..].find('}').map(|i| i + open) else { break };
        let inner = &text[open + 1..close];
        if let Some((lo, hi)) = inner.split_once(',')
            && lo.chars().all(|c| c.is_ascii_digit())
            && hi.parse::<u32>().is_ok_and(|hi| hi > 1000)
        {
            let loosened = format!("{{{lo},}}");
            text.replace_range(open..=close, &loosened);
            from = open + loosened.len();
        } else {
            from = close + 1;
        }
    }
    Some(format!("^(?:{text})$"))
}

impl Constraint {
    /// The first way `value` breaks this constraint, if any.
    pub fn check(&self, value: &Value) -> Option<Violation> {
        match value {
            Value::String(s) => {
                if let Some(values) = self.enum_values
                    && !values.iter().any(|v| v == s)
                {
                    return Some(Violation::NotInEnum(values.to_vec()));
                }
                let len = s.chars().count() as u64;
                if let Some(min) = self.length.0
                    && len < min
                {
                    return Some(Violation::TooShort(min));
                }
                if let Some(max) = self.length.1
                    && len > max
                {
                    return Some(Violation::TooLong(max));
                }
                if let Some(p) = self.pattern
                    && let Some(re) = regex(p)
                    && !re.is_match(s)
                {
                    return Some(Violation::NoMatch(p.to_string()));
                }
                None
            }
            Value::Number(n) => {
                let n = n.as_f64()?;
                match self.range {
                    (Some(min), _) if n < min => Some(Violation::BelowMinimum(min)),
                    (_, Some(max)) if n > max => Some(Violation::AboveMaximum(max)),
                    _ => None,
                }
            }
            Value::Array(_) | Value::Object(_) => {
                let n = match value {
                    Value::Array(a) => a.len(),
                    Value::Object(o) => o.len(),
                    _ => 0,
                } as u64;
                match self.items {
                    (Some(min), _) if n < min => Some(Violation::TooFewItems(min)),
                    (_, Some(max)) if n > max => Some(Violation::TooManyItems(max)),
                    _ => None,
                }
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_table_holds_what_sagemaker_states_about_a_training_job() {
        let count = of("com.amazonaws.sagemaker#ResourceConfig$InstanceCount").expect("instance count");
        assert_eq!(count.check(&json!(-1)), Some(Violation::BelowMinimum(0.0)));
        assert_eq!(count.check(&json!(1)), None);
        let mode = of("com.amazonaws.sagemaker#AlgorithmSpecification$TrainingInputMode").expect("input mode");
        assert!(matches!(mode.check(&json!("Filez")), Some(Violation::NotInEnum(v)) if v.contains(&"File".to_string())));
        let kind = of("com.amazonaws.sagemaker#ResourceConfig$InstanceType").expect("instance type");
        assert!(kind.check(&json!("ml.bogus.huge")).is_some());
        assert_eq!(kind.check(&json!("ml.m5.large")), None);
        let role = of("com.amazonaws.sagemaker.synthetic#CreateTrainingJobInput$RoleArn").expect("role");
        assert!(matches!(role.check(&json!("not-an-arn")), Some(Violation::TooShort(20))));
        assert!(matches!(role.check(&json!("arn:aws:iam::123:role/way-too-short-account")), Some(Violation::NoMatch(_))));
        assert_eq!(role.check(&json!("arn:aws:iam::123456789012:role/sm")), None);
        assert!(source().starts_with("botocore "), "{}", source());
    }

    #[test]
    fn violations_read_like_sagemakers_own_validation_messages() {
        assert_eq!(Violation::BelowMinimum(0.0).aws_constraint(), "Member must have value greater than or equal to 0");
        assert_eq!(
            Violation::NotInEnum(vec!["Pipe".into(), "File".into()]).aws_constraint(),
            "Member must satisfy enum value set: [Pipe, File]"
        );
    }

    #[test]
    fn java_classes_become_ranges_both_rust_and_go_understand() {
        assert_eq!(portable(r"arn:[\p{Alnum}\-]+:x"), r"arn:[0-9A-Za-z\-]+:x");
        assert_eq!(portable(r"\p{Print}+"), r"[\x20-\x7E]+");
        assert_eq!(portable(r"a\[\p{Alnum}"), r"a\[[0-9A-Za-z]");
        assert_eq!(crd_pattern(r"model-package/[\S]{1,2048}").as_deref(), Some(r"^(?:model-package/[\S]{1,})$"));
        assert_eq!(crd_pattern(r"[a-z]{0,62}").as_deref(), Some(r"^(?:[a-z]{0,62})$"));
        // Java's \u escapes (RE2 rejects them in a CRD)
        assert_eq!(portable(r"[\t\n\r -\uD7FF\uE000-\uFFFD]*"), r"[\t\n\r -\x{D7FF}\x{E000}-\x{FFFD}]*");
        assert!(regex(r"[ -\uD7FF]*").is_some_and(|r| r.is_match("Classify images")));
    }

    #[test]
    fn nearly_every_model_pattern_compiles() {
        let patterns: std::collections::BTreeSet<_> = TABLE.members.values().filter_map(|c| c.pattern).collect();
        let failed: Vec<_> = patterns.iter().filter(|p| regex(p).is_none()).collect();
        // the few that do not (Java's lookarounds and surrogate escapes) are
        // not enforced; SageMaker still checks them. Keep that few.
        // (14 of 254 with botocore 1.44.5: lookarounds, surrogate escapes, one
        // Unicode class repeated 1024 times beyond the regex size limit)
        assert!(failed.len() <= 14, "{} of {} do not compile: {failed:?}", failed.len(), patterns.len());
    }
}

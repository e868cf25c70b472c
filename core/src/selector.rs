//! Kubernetes label selectors, as `kubectl get -l` takes them: checked here
//! so that a typo is reported before any call, matched locally, and sent on
//! in the canonical form the API server expects.

use std::{
    collections::{BTreeMap, BTreeSet},
    fmt,
};

/// The longest label value, and the longest name part of a label key.
const MAX_NAME: usize = 63;
/// The longest DNS-subdomain prefix of a label key.
const MAX_PREFIX: usize = 253;
/// Characters that end a key or a value (apimachinery's `isSpecialSymbol`).
const SPECIAL: [char; 7] = ['=', '!', '<', '>', '(', ')', ','];

/// A parsed label selector, as `kubectl get -l` takes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selector {
    requirements: Vec<Requirement>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Requirement {
    key: String,
    operator: Operator,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Operator {
    Exists,
    DoesNotExist,
    /// `=` and `==`, which Kubernetes treats alike.
    Equals(String),
    NotEquals(String),
    In(BTreeSet<String>),
    NotIn(BTreeSet<String>),
    GreaterThan(i64),
    LessThan(i64),
}

/// Why a label selector was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectorError {
    /// One requirement is malformed, or names an invalid key or value.
    #[error("invalid label selector {requirement:?}: {reason}")]
    Requirement { requirement: String, reason: String },
    /// Two commas in a row, or a comma at either end.
    #[error("invalid label selector {selector:?}: a requirement is empty (two commas in a row, or one at an end)")]
    EmptyRequirement { selector: String },
}

impl Selector {
    /// Parses `app=x,tier!=web,env in (prod, staging),!legacy,team,release notin (a)`;
    /// `==` is the same as `=`, and `key>N`, `key<N` compare integers, as in
    /// Kubernetes. Blank text is the empty selector.
    pub fn parse(text: &str) -> Result<Selector, SelectorError> {
        if text.trim().is_empty() {
            return Ok(Selector::default());
        }
        let mut requirements = Vec::new();
        for part in split_requirements(text) {
            let part = part.trim();
            if part.is_empty() {
                return Err(SelectorError::EmptyRequirement { selector: text.to_string() });
            }
            let requirement = Requirement::parse(part).map_err(|reason| SelectorError::Requirement {
                requirement: part.to_string(),
                reason,
            })?;
            requirements.push(requirement);
        }
        // Kubernetes orders requirements by key, so equal selectors print,
        // and here compare, the same whatever order they were written in
        requirements.sort_by_key(|requirement| requirement.key.clone());
        Ok(Selector { requirements })
    }

    /// Whether labels match (an empty selector matches everything).
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.requirements.iter().all(|requirement| requirement.matches(labels))
    }

    /// Whether this is the empty selector, which needs no labelSelector parameter.
    pub fn is_empty(&self) -> bool {
        self.requirements.is_empty()
    }

    /// The selector in Kubernetes' canonical text form, to pass to the API
    /// server's labelSelector parameter: requirements ordered by key, `=` for
    /// equality, set values sorted, no spaces but around `in` and `notin`.
    pub fn to_query(&self) -> String {
        self.requirements
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// Splits at the commas that are not inside the parentheses of a set.
fn split_requirements(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

impl Requirement {
    /// Parses one trimmed requirement; the error is the reason alone, the
    /// caller adds the requirement's text.
    fn parse(text: &str) -> Result<Requirement, String> {
        if let Some(rest) = text.strip_prefix('!') {
            let (key, after) = split_key(rest.trim_start());
            if key.is_empty() {
                return Err("expected a label key after \"!\"".into());
            }
            let after = after.trim();
            if !after.is_empty() {
                return Err(format!(
                    "\"!\" only tests that a key is absent, but {after:?} follows {key:?}"
                ));
            }
            check_key(key)?;
            return Ok(Requirement { key: key.to_string(), operator: Operator::DoesNotExist });
        }
        let (key, rest) = split_key(text);
        if key.is_empty() {
            return Err(format!("expected a label key, found {text:?}"));
        }
        check_key(key)?;
        let rest = rest.trim_start();
        let operator = if rest.is_empty() {
            Operator::Exists
        } else if let Some(value) = rest.strip_prefix("==").or_else(|| rest.strip_prefix('=')) {
            Operator::Equals(exact(value)?)
        } else if let Some(value) = rest.strip_prefix("!=") {
            Operator::NotEquals(exact(value)?)
        } else if let Some(value) = rest.strip_prefix('>') {
            Operator::GreaterThan(integer(value, ">")?)
        } else if let Some(value) = rest.strip_prefix('<') {
            Operator::LessThan(integer(value, "<")?)
        } else if let Some(values) = keyword(rest, "notin") {
            Operator::NotIn(set(values, "notin")?)
        } else if let Some(values) = keyword(rest, "in") {
            Operator::In(set(values, "in")?)
        } else {
            return Err(format!(
                "expected =, ==, !=, in, notin, < or > after key {key:?}, found {rest:?}"
            ));
        };
        Ok(Requirement { key: key.to_string(), operator })
    }

    fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        let value = labels.get(&self.key);
        let number = || value.and_then(|v| v.parse::<i64>().ok());
        match &self.operator {
            Operator::Exists => value.is_some(),
            Operator::DoesNotExist => value.is_none(),
            Operator::Equals(expected) => value == Some(expected),
            // as in Kubernetes, a missing key is not equal to anything
            Operator::NotEquals(expected) => value != Some(expected),
            Operator::In(values) => value.is_some_and(|v| values.contains(v)),
            Operator::NotIn(values) => !value.is_some_and(|v| values.contains(v)),
            // a value that is not an integer matches neither way
            Operator::GreaterThan(bound) => number().is_some_and(|v| v > *bound),
            Operator::LessThan(bound) => number().is_some_and(|v| v < *bound),
        }
    }
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let key = &self.key;
        let join = |values: &BTreeSet<String>| values.iter().cloned().collect::<Vec<_>>().join(",");
        match &self.operator {
            Operator::Exists => write!(f, "{key}"),
            Operator::DoesNotExist => write!(f, "!{key}"),
            Operator::Equals(value) => write!(f, "{key}={value}"),
            Operator::NotEquals(value) => write!(f, "{key}!={value}"),
            Operator::In(values) => write!(f, "{key} in ({})", join(values)),
            Operator::NotIn(values) => write!(f, "{key} notin ({})", join(values)),
            Operator::GreaterThan(bound) => write!(f, "{key}>{bound}"),
            Operator::LessThan(bound) => write!(f, "{key}<{bound}"),
        }
    }
}

/// The key at the start of `text` and what follows it.
fn split_key(text: &str) -> (&str, &str) {
    let end = text
        .find(|c: char| c.is_whitespace() || SPECIAL.contains(&c))
        .unwrap_or(text.len());
    text.split_at(end)
}

/// What follows `word` in `rest` when `word` stands alone (`in (a)`,
/// `in(a)`), not as the start of something longer.
fn keyword<'t>(rest: &'t str, word: &str) -> Option<&'t str> {
    let after = rest.strip_prefix(word)?;
    (after.is_empty() || after.starts_with(|c: char| c.is_whitespace() || c == '(')).then_some(after)
}

fn exact(value: &str) -> Result<String, String> {
    let value = value.trim();
    check_value(value)?;
    Ok(value.to_string())
}

fn integer(value: &str, operator: &str) -> Result<i64, String> {
    let value = value.trim();
    check_value(value)?;
    value
        .parse()
        .map_err(|_| format!("the value of {operator:?} must be an integer, not {value:?}"))
}

/// The `(a, b)` of `in` and `notin`.
fn set(text: &str, operator: &str) -> Result<BTreeSet<String>, String> {
    let Some(inner) = text.trim().strip_prefix('(') else {
        return Err(format!("values of {operator:?} must be in parentheses"));
    };
    let Some((inner, after)) = inner.split_once(')') else {
        return Err(format!("missing \")\" after the values of {operator:?}"));
    };
    let after = after.trim();
    if !after.is_empty() {
        return Err(format!("unexpected {after:?} after the values of {operator:?}"));
    }
    if inner.contains('(') {
        return Err(format!("unexpected \"(\" in the values of {operator:?}"));
    }
    if inner.trim().is_empty() {
        return Err(format!("{operator:?} needs at least one value"));
    }
    inner.split(',').map(exact).collect()
}

/// A label key: an optional DNS-subdomain prefix and `/`, then a name
/// (apimachinery's `IsQualifiedName`).
fn check_key(key: &str) -> Result<(), String> {
    let Some((prefix, name)) = key.split_once('/') else {
        return check_name(key, &format!("key {key:?}"));
    };
    if name.contains('/') {
        return Err(format!("key {key:?} may contain at most one '/'"));
    }
    if prefix.is_empty() {
        return Err(format!("the prefix of key {key:?} (before '/') must not be empty"));
    }
    if prefix.len() > MAX_PREFIX {
        return Err(format!(
            "the prefix of key {key:?} must be at most {MAX_PREFIX} characters, not {}",
            prefix.len()
        ));
    }
    if !is_dns_subdomain(prefix) {
        return Err(format!(
            "the prefix {prefix:?} of key {key:?} must be a DNS subdomain: lowercase letters, digits, '-' and '.', \
             each part between dots starting and ending with a letter or digit"
        ));
    }
    if name.is_empty() {
        return Err(format!("the name of key {key:?} (after '/') must not be empty"));
    }
    check_name(name, &format!("the name of key {key:?}"))
}

/// A label value: empty, or what a key's name may be.
fn check_value(value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Ok(());
    }
    check_name(value, &format!("value {value:?}"))
}

/// At most 63 letters, digits, `-`, `_` and `.`, starting and ending with a
/// letter or digit; `what` names the text in the message.
fn check_name(text: &str, what: &str) -> Result<(), String> {
    let length = text.chars().count();
    if length > MAX_NAME {
        return Err(format!("{what} must be at most {MAX_NAME} characters, not {length}"));
    }
    if let Some(c) = text
        .chars()
        .find(|&c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        return Err(format!(
            "{what} contains {c:?}: only letters, digits, '-', '_' and '.' are allowed"
        ));
    }
    let alphanumeric = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    if !alphanumeric(text.chars().next()) || !alphanumeric(text.chars().next_back()) {
        return Err(format!("{what} must start and end with a letter or digit"));
    }
    Ok(())
}

/// Lowercase RFC 1123 labels separated by dots.
fn is_dns_subdomain(text: &str) -> bool {
    text.split('.').all(|label| {
        label.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && label.starts_with(|c: char| c.is_ascii_alphanumeric())
            && label.ends_with(|c: char| c.is_ascii_alphanumeric())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn selector(text: &str) -> Selector {
        Selector::parse(text).expect("a valid selector")
    }

    fn error(text: &str) -> String {
        Selector::parse(text).expect_err("an invalid selector").to_string()
    }

    #[test]
    fn an_empty_selector_matches_any_labels() {
        for text in ["", "  "] {
            let empty = selector(text);
            assert!(empty.is_empty());
            assert!(empty.matches(&labels(&[])));
            assert!(empty.matches(&labels(&[("app", "x")])));
            assert_eq!(empty.to_query(), "");
        }
    }

    #[test]
    fn equality_matches_only_that_value_and_double_equals_is_the_same() {
        let app = selector("app=x");
        assert!(app.matches(&labels(&[("app", "x"), ("tier", "web")])));
        assert!(!app.matches(&labels(&[("app", "y")])));
        assert!(!app.matches(&labels(&[])));
        assert_eq!(selector("app==x"), app);
    }

    #[test]
    fn inequality_matches_other_values_and_absent_keys() {
        let not_web = selector("tier!=web");
        assert!(!not_web.matches(&labels(&[("tier", "web")])));
        assert!(not_web.matches(&labels(&[("tier", "db")])));
        assert!(not_web.matches(&labels(&[])));
    }

    #[test]
    fn in_matches_a_listed_value_and_notin_also_matches_an_absent_key() {
        let env = selector("env in (prod, staging)");
        assert!(env.matches(&labels(&[("env", "prod")])));
        assert!(env.matches(&labels(&[("env", "staging")])));
        assert!(!env.matches(&labels(&[("env", "dev")])));
        assert!(!env.matches(&labels(&[])));
        let release = selector("release notin (a)");
        assert!(!release.matches(&labels(&[("release", "a")])));
        assert!(release.matches(&labels(&[("release", "b")])));
        assert!(release.matches(&labels(&[])));
    }

    #[test]
    fn a_bare_key_requires_the_label_and_a_negated_key_forbids_it() {
        let team = selector("team");
        assert!(team.matches(&labels(&[("team", "")])));
        assert!(!team.matches(&labels(&[])));
        let legacy = selector("!legacy");
        assert!(!legacy.matches(&labels(&[("legacy", "true")])));
        assert!(legacy.matches(&labels(&[])));
    }

    #[test]
    fn greater_and_less_than_compare_integer_values() {
        let more = selector("replicas>2");
        assert!(more.matches(&labels(&[("replicas", "3")])));
        assert!(!more.matches(&labels(&[("replicas", "2")])));
        assert!(!more.matches(&labels(&[("replicas", "many")])));
        assert!(!more.matches(&labels(&[])));
        let fewer = selector("replicas < 2");
        assert!(fewer.matches(&labels(&[("replicas", "1")])));
        assert!(!fewer.matches(&labels(&[("replicas", "2")])));
    }

    #[test]
    fn every_requirement_must_match() {
        let all = selector("app=x,tier!=web,env in (prod, staging),!legacy,team,release notin (a)");
        let mut job = labels(&[("app", "x"), ("tier", "db"), ("env", "prod"), ("team", "t")]);
        assert!(all.matches(&job));
        job.insert("legacy".into(), "true".into());
        assert!(!all.matches(&job));
        job.remove("legacy");
        job.insert("env".into(), "dev".into());
        assert!(!all.matches(&job));
    }

    #[test]
    fn whitespace_around_keys_operators_and_values_is_tolerated() {
        assert_eq!(
            selector(" app = x , env  in(prod ,staging) ,  ! legacy , tier!= web "),
            selector("app=x,env in (prod,staging),!legacy,tier!=web")
        );
        assert_eq!(selector("env notin(a)"), selector("env notin (a)"));
    }

    #[test]
    fn prefixed_keys_and_empty_values_are_accepted() {
        let owned = selector("app.kubernetes.io/name=mnist,sagemaker.services.k8s.aws/owner=");
        assert!(owned.matches(&labels(&[
            ("app.kubernetes.io/name", "mnist"),
            ("sagemaker.services.k8s.aws/owner", "")
        ])));
        assert!(!owned.matches(&labels(&[("app.kubernetes.io/name", "mnist")])));
        assert_eq!(selector("x in (, a)").to_query(), "x in (,a)");
    }

    #[test]
    fn the_query_orders_requirements_by_key_and_prints_the_canonical_form() {
        let text = "tier!=web,app==x,env in (staging, prod, prod),!legacy,team,release notin (a),n>5,m<0";
        let parsed = selector(text);
        let query = parsed.to_query();
        assert_eq!(
            query,
            "app=x,env in (prod,staging),!legacy,m<0,n>5,release notin (a),team,tier!=web"
        );
        assert_eq!(selector(&query), parsed);
    }

    #[test]
    fn set_values_must_be_in_parentheses() {
        assert_eq!(
            error("env in prod"),
            r#"invalid label selector "env in prod": values of "in" must be in parentheses"#
        );
        assert_eq!(
            error("env notin (a"),
            r#"invalid label selector "env notin (a": missing ")" after the values of "notin""#
        );
        assert_eq!(
            error("env in ()"),
            r#"invalid label selector "env in ()": "in" needs at least one value"#
        );
        assert_eq!(
            error("env in (a) b"),
            r#"invalid label selector "env in (a) b": unexpected "b" after the values of "in""#
        );
    }

    #[test]
    fn invalid_keys_are_refused_with_what_is_wrong() {
        assert_eq!(
            error("app@=x"),
            r#"invalid label selector "app@=x": key "app@" contains '@': only letters, digits, '-', '_' and '.' are allowed"#
        );
        assert_eq!(
            error("-app=x"),
            r#"invalid label selector "-app=x": key "-app" must start and end with a letter or digit"#
        );
        let long = "k".repeat(64);
        assert!(
            error(&format!("{long}=x")).ends_with(&format!("key {long:?} must be at most 63 characters, not 64")),
            "{}",
            error(&format!("{long}=x"))
        );
        assert!(error("a/b/c=x").ends_with(r#"key "a/b/c" may contain at most one '/'"#));
        assert!(error("/app=x").ends_with(r#"the prefix of key "/app" (before '/') must not be empty"#));
        assert!(error("Example.com/app=x").contains(r#"the prefix "Example.com" of key "Example.com/app" must be a DNS subdomain"#));
        assert!(error("example.com/=x").ends_with(r#"the name of key "example.com/" (after '/') must not be empty"#));
        assert!(error("example.com/-a").ends_with(
            r#"the name of key "example.com/-a" must start and end with a letter or digit"#
        ));
    }

    #[test]
    fn invalid_values_are_refused_with_what_is_wrong() {
        assert_eq!(
            error("app=-x"),
            r#"invalid label selector "app=-x": value "-x" must start and end with a letter or digit"#
        );
        assert!(error("app=x y").ends_with(r#"value "x y" contains ' ': only letters, digits, '-', '_' and '.' are allowed"#));
        let long = "v".repeat(64);
        assert!(error(&format!("app={long}")).ends_with("must be at most 63 characters, not 64"));
        assert!(error("env in (a, b!)").contains(r#"value "b!" contains '!'"#));
        assert_eq!(
            error("n>many"),
            r#"invalid label selector "n>many": the value of ">" must be an integer, not "many""#
        );
    }

    #[test]
    fn malformed_requirements_name_the_requirement() {
        assert_eq!(
            error("app=x,env prod"),
            r#"invalid label selector "env prod": expected =, ==, !=, in, notin, < or > after key "env", found "prod""#
        );
        assert_eq!(
            error("!legacy=true"),
            r#"invalid label selector "!legacy=true": "!" only tests that a key is absent, but "=true" follows "legacy""#
        );
        assert_eq!(
            error("=x"),
            r#"invalid label selector "=x": expected a label key, found "=x""#
        );
        assert!(matches!(
            Selector::parse("a=b,,c"),
            Err(SelectorError::EmptyRequirement { selector }) if selector == "a=b,,c"
        ));
        assert!(matches!(Selector::parse("a=b,"), Err(SelectorError::EmptyRequirement { .. })));
    }
}

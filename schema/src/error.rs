//! The crate's one error type.

use std::fmt;

/// Why a JSON value could not be mapped to (or from) an SDK shape, and where.
///
/// `Display` is a complete sentence for a CLI or a Kubernetes condition, with
/// the hint appended when there is one:
/// `field "resourceConfig.instanceCont": unknown field in ResourceConfig; did you mean "instanceCount"?`
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct MappingError {
    /// Dotted JSON path from the root, `[i]` for list items and `["key"]` for
    /// map keys: `resourceConfig.instanceCount`,
    /// `inputDataConfig[1].dataSource.s3DataSource.s3URI`. Empty for the root.
    pub path: String,
    /// What went wrong.
    pub kind: MappingErrorKind,
    /// A suggestion for the user, e.g. `did you mean "instanceCount"?`.
    pub hint: Option<String>,
}

/// A value and the constraint it breaks.
#[derive(Debug, Clone, PartialEq)]
pub struct ConstraintError {
    /// The value as written.
    pub value: serde_json::Value,
    pub violation: crate::constraints::Violation,
}

/// What went wrong, without the location.
#[derive(Debug, Clone, PartialEq)]
pub enum MappingErrorKind {
    /// A JSON key that is not a member of the structure.
    UnknownField {
        /// The key as written.
        field: String,
        /// The structure's shape id, e.g. `com.amazonaws.sagemaker#ResourceConfig`.
        shape: String,
    },
    /// The JSON type does not fit the member's type.
    WrongType {
        /// `"string"`, `"integer (int32)"`, `"boolean"`, `"object"`, `"list"`,
        /// `"map of string"`, `"RFC 3339 timestamp"`, ...
        expected: &'static str,
        /// The JSON type found: `"string"`, `"number"`, `"boolean"`, `"object"`,
        /// `"list"` or `"null"`.
        found: &'static str,
    },
    /// A number outside the range of the member's type (ACK range-checks int32).
    OutOfRange {
        /// The number as written.
        value: String,
        /// The member's type, e.g. `"integer (int32)"`.
        expected: &'static str,
    },
    /// A value the service model does not allow (enum, range, length, item
    /// count, pattern), found when validating an input.
    /// Boxed: the rare case should not make every error large.
    Constraint(Box<ConstraintError>),
    /// Anything else: a malformed timestamp or base64 blob, a union with more
    /// or fewer than one member, an error reported by the SDK's own code.
    Other(String),
}

impl MappingError {
    pub(crate) fn new(path: impl Into<String>, kind: MappingErrorKind) -> Self {
        Self {
            path: path.into(),
            kind,
            hint: None,
        }
    }

    /// The same error with its path rooted at `prefix`, for callers that map
    /// a part of a larger document (`spec` of a manifest): the message then
    /// names the field as the user wrote it (`spec.resourceConfig.instanceCount`).
    pub fn under(mut self, prefix: &str) -> Self {
        self.path = match self.path.as_str() {
            "" => prefix.to_string(),
            p if p.starts_with('[') => format!("{prefix}{p}"),
            p => format!("{prefix}.{p}"),
        };
        self
    }

    /// A value at `path` that breaks what the service model states.
    pub(crate) fn constraint(
        path: impl Into<String>,
        value: serde_json::Value,
        violation: crate::constraints::Violation,
    ) -> Self {
        let constraint = ConstraintError { value, violation };
        Self::new(path, MappingErrorKind::Constraint(Box::new(constraint)))
    }

    pub(crate) fn with_hint(mut self, hint: Option<String>) -> Self {
        self.hint = hint;
        self
    }
}

impl fmt::Display for MappingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "top-level value: {}", self.kind)?;
        } else {
            write!(f, "field {:?}: {}", self.path, self.kind)?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "; {hint}")?;
        }
        Ok(())
    }
}

impl fmt::Display for MappingErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownField { shape, .. } => {
                write!(f, "unknown field in {}", short_shape_name(shape))
            }
            Self::WrongType { expected, found } => write!(f, "expected {expected}, found {found}"),
            Self::OutOfRange { value, expected } => {
                write!(f, "{value} is out of range for {expected}")
            }
            Self::Constraint(c) => {
                let ConstraintError { value, violation } = c.as_ref();
                let shown = match value {
                    serde_json::Value::String(s) if s.chars().count() > 60 => {
                        format!("a {}-character string", s.chars().count())
                    }
                    serde_json::Value::Array(a) => format!("{} entries", a.len()),
                    serde_json::Value::Object(o) => format!("{} entries", o.len()),
                    v => v.to_string(),
                };
                match violation {
                    crate::constraints::Violation::Missing => f.write_str("required, but not set"),
                    // 225 instance types do not fit on a line
                    crate::constraints::Violation::NotInEnum(values) if values.len() > 12 => write!(
                        f,
                        "{shown} is not a valid value ({} allowed, e.g. {})",
                        values.len(),
                        values[..6].join(", ")
                    ),
                    _ => write!(f, "{shown} is not allowed: {violation}"),
                }
            }
            Self::Other(message) => f.write_str(message),
        }
    }
}

/// `com.amazonaws.sagemaker#ResourceConfig` -> `ResourceConfig`.
pub(crate) fn short_shape_name(shape_id: &str) -> &str {
    shape_id.rsplit_once('#').map_or(shape_id, |(_, name)| name)
}

/// The name of the JSON type of `value`, for [`MappingErrorKind::WrongType`].
pub(crate) fn json_type(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "boolean",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "list",
        serde_json::Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod under_tests {
    use super::*;

    #[test]
    fn an_error_rooted_under_a_prefix_names_the_full_path() {
        let e = MappingError::new("resourceConfig.instanceCount", MappingErrorKind::Other("x".into()));
        assert_eq!(e.under("spec").path, "spec.resourceConfig.instanceCount");
        assert_eq!(MappingError::new("", MappingErrorKind::Other("x".into())).under("spec").path, "spec");
        assert_eq!(MappingError::new("[2].a", MappingErrorKind::Other("x".into())).under("tags").path, "tags[2].a");
    }
}

/// A "did you mean" hint for an unknown `field` among `candidates`.
///
/// A candidate that matches ignoring case, `_` and `-` wins (`RoleArn` or
/// `rolearn` for `roleARN`, `type` for `type_`); otherwise the closest one
/// within a small edit distance. Without a close candidate the hint lists the
/// known fields, so the user can still see what is allowed.
pub(crate) fn suggest<'a>(field: &str, candidates: impl Iterator<Item = &'a str> + Clone) -> Option<String> {
    let normalized = normalize(field);
    if let Some(exact) = candidates.clone().find(|c| normalize(c) == normalized) {
        return Some(format!("did you mean {exact:?}?"));
    }
    let budget = (field.chars().count() / 4).clamp(1, 3);
    let closest = candidates
        .clone()
        .map(|c| (edit_distance(&normalized, &normalize(c)), c))
        .filter(|(distance, _)| *distance <= budget)
        .min_by_key(|(distance, _)| *distance);
    if let Some((_, name)) = closest {
        return Some(format!("did you mean {name:?}?"));
    }
    let known: Vec<&str> = candidates.collect();
    if known.is_empty() {
        None
    } else {
        Some(format!("known fields: {}", known.join(", ")))
    }
}

/// The candidate closest to `found` within a small edit distance, if any.
pub(crate) fn closest<'a>(found: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let normalized = normalize(found);
    let budget = (found.chars().count() / 4).clamp(1, 3);
    candidates
        .map(|c| (edit_distance(&normalized, &normalize(c)), c))
        .filter(|(distance, _)| *distance <= budget)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, c)| c)
}

fn normalize(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '_' && *c != '-')
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Levenshtein distance over chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_misspelt_field_suggests_the_closest_member() {
        let members = ["instanceType", "instanceCount", "volumeSizeInGB"];
        assert_eq!(
            suggest("instanceCont", members.iter().copied()).as_deref(),
            Some("did you mean \"instanceCount\"?")
        );
    }

    #[test]
    fn a_field_in_the_wrong_case_or_naming_suggests_the_ack_name() {
        let members = ["roleARN", "type_"];
        assert_eq!(
            suggest("RoleArn", members.iter().copied()).as_deref(),
            Some("did you mean \"roleARN\"?")
        );
        assert_eq!(
            suggest("type", members.iter().copied()).as_deref(),
            Some("did you mean \"type_\"?")
        );
    }

    #[test]
    fn a_field_like_nothing_lists_the_known_fields() {
        let members = ["a", "b"];
        assert_eq!(
            suggest("somethingElse", members.iter().copied()).as_deref(),
            Some("known fields: a, b")
        );
    }

    #[test]
    fn display_is_a_sentence_with_the_path_and_the_hint() {
        let error = MappingError::new(
            "resourceConfig.instanceCont",
            MappingErrorKind::UnknownField {
                field: "instanceCont".into(),
                shape: "com.amazonaws.sagemaker#ResourceConfig".into(),
            },
        )
        .with_hint(Some("did you mean \"instanceCount\"?".into()));
        assert_eq!(
            error.to_string(),
            "field \"resourceConfig.instanceCont\": unknown field in ResourceConfig; did you mean \"instanceCount\"?"
        );
    }
}

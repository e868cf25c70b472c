//! Test helpers shared by the integration tests: a JSON value that sets
//! every member of a shape, generated from the crate's own OpenAPI walk.

#![allow(dead_code)] // Not every test file uses every helper.

use std::collections::BTreeSet;

use aws_smithy_schema::serde::{SerdeError, ShapeDeserializer};
use sagemaker_schema::{MappingErrorKind, Naming, from_json, openapi_schema};
use serde_json::{Value, json};

/// A value for every member of an OpenAPI schema, distinct per path where
/// the type allows, so a value landing in the wrong member would show.
pub fn synthetic(schema: &Value, path: &str) -> Value {
    if let Some(properties) = schema["properties"].as_object() {
        return Value::Object(
            properties
                .iter()
                .map(|(name, property)| {
                    let child = if path.is_empty() {
                        name.clone()
                    } else {
                        format!("{path}.{name}")
                    };
                    (name.clone(), synthetic(property, &child))
                })
                .collect(),
        );
    }
    if schema["x-kubernetes-preserve-unknown-fields"] == true {
        return if schema["type"] == "object" {
            json!({})
        } else {
            json!({"free": ["form", 1, 2.5, true, null, {"nested": "document"}]})
        };
    }
    let distinct = (path.len() % 97 + 1) as i64;
    match schema["type"].as_str() {
        Some("object") => {
            json!({ "Key_One": synthetic(&schema["additionalProperties"], &format!("{path}{{}}")) })
        }
        Some("array") => json!([synthetic(&schema["items"], &format!("{path}[]"))]),
        Some("string") if schema["format"] == "date-time" => json!("2024-01-02T03:04:05.678Z"),
        Some("string") => json!(format!("value of {path}")),
        Some("integer") => json!(distinct),
        Some("number") => json!(distinct as f64 + 0.5),
        Some("boolean") => json!(true),
        other => panic!("unexpected schema type {other:?} at {path}"),
    }
}

/// The value at one of the crate's error paths (`a.b[0]["k"].c`).
pub fn at_path<'v>(root: &'v mut Value, path: &str) -> &'v mut Value {
    let mut node = root;
    let mut rest = path;
    while !rest.is_empty() {
        rest = rest.strip_prefix('.').unwrap_or(rest);
        if let Some(after) = rest.strip_prefix("[\"") {
            let end = after.find("\"]").expect("closed key");
            node = &mut node[&after[..end]];
            rest = &after[end + 2..];
        } else if let Some(after) = rest.strip_prefix('[') {
            let end = after.find(']').expect("closed index");
            node = &mut node[after[..end].parse::<usize>().expect("index")];
            rest = &after[end + 1..];
        } else {
            let end = rest.find(['.', '[']).unwrap_or(rest.len());
            node = &mut node[&rest[..end]];
            rest = &rest[end..];
        }
    }
    node
}

/// `a[0].b["k"].c` -> `a[].b{}.c`, the notation of `member_paths`.
pub fn generic_path(path: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..open]);
        let after = &rest[open..];
        let close = if after.starts_with("[\"") {
            after.find("\"]").map(|i| i + 2)
        } else {
            after.find(']').map(|i| i + 1)
        }
        .expect("closed bracket");
        out.push_str(if after.starts_with("[\"") { "{}" } else { "[]" });
        rest = &after[close..];
    }
    out.push_str(rest);
    out
}

/// Every path of a JSON value in `member_paths` notation (`a[].b`, `m{}.c`),
/// treating objects under `map_paths` as maps.
fn json_paths(value: &Value, prefix: &str, maps: &BTreeSet<String>, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(object) if maps.contains(prefix) => {
            for child in object.values() {
                json_paths(child, &format!("{prefix}{{}}"), maps, out);
            }
        }
        Value::Object(object) => {
            for (key, child) in object {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                out.insert(path.clone());
                json_paths(child, &path, maps, out);
            }
        }
        Value::Array(items) => {
            for item in items {
                json_paths(item, &format!("{prefix}[]"), maps, out);
            }
        }
        _ => {}
    }
}

/// Asserts that `value` sets every one of `members` (in `member_paths`
/// notation), except union members that were `left_out`.
pub fn assert_covers(value: &Value, members: &[String], left_out: &[String]) {
    let left_out: Vec<String> = left_out.iter().map(|p| generic_path(p)).collect();
    // A member followed by `{}` somewhere in the list is a map.
    let maps: BTreeSet<String> = members
        .iter()
        .filter_map(|m| m.find("{}").map(|i| m[..i].to_string()))
        .collect();
    let mut present = BTreeSet::new();
    json_paths(value, "", &maps, &mut present);
    for member in members {
        let dropped = left_out.iter().any(|p| {
            member == p
                || member.starts_with(&format!("{p}."))
                || member.starts_with(&format!("{p}["))
                || member.starts_with(&format!("{p}{{"))
        });
        assert!(dropped || present.contains(member), "member {member} is not set");
    }
}

/// A JSON value (ACK naming) that sets every member of the shape `read`
/// deserializes, generated from its OpenAPI walk. Unions keep their first
/// member; the others are returned (as error paths) so callers can allow for
/// them.
pub fn every_member_value<T>(
    read: fn(&mut dyn ShapeDeserializer) -> Result<T, SerdeError>,
) -> (Value, Vec<String>) {
    let schema = openapi_schema(|d| read(d).map(drop));
    let mut value = synthetic(&schema, "");
    let mut left_out = Vec::new();
    for _ in 0..1000 {
        let Err(error) = from_json(&value, Naming::Ack, read) else {
            return (value, left_out);
        };
        let message = match &error.kind {
            MappingErrorKind::Other(message) => message.clone(),
            _ => panic!("unexpected error for the synthetic value: {error}"),
        };
        let node = at_path(&mut value, &error.path);
        if message.contains("exactly one member") {
            let object = node.as_object_mut().expect("union is an object");
            let keep = object.keys().next().cloned().expect("a member");
            object.retain(|key, _| {
                if *key != keep {
                    left_out.push(format!("{}.{key}", error.path));
                }
                *key == keep
            });
        } else if message.starts_with("invalid base64") {
            *node = json!("aGVsbG8=");
        } else {
            panic!("unexpected error for the synthetic value: {error}");
        }
    }
    panic!("synthetic value did not converge");
}

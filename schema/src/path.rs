//! JSON paths in error messages: `a.b[1]["key"].c`.

pub(crate) fn member(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        name.to_string()
    } else {
        format!("{parent}.{name}")
    }
}

pub(crate) fn index(parent: &str, index: usize) -> String {
    format!("{parent}[{index}]")
}

pub(crate) fn key(parent: &str, key: &str) -> String {
    // JSON quoting keeps keys with dots or quotes unambiguous.
    format!("{parent}[{}]", serde_json::Value::from(key))
}

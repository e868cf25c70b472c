//! Status building: ACK's `ackResourceMetadata` and conditions, plus the
//! kind's fields of what AWS reported. Pure functions of the resource, the
//! observation and the outcome, so every branch is testable without a clock.

use sagemaker_core::{Resource, ack};
use serde_json::{Map, Value, json};

use crate::{aws::Target, kinds::AwsKind};

/// The conditions one reconcile arrived at.
#[derive(Debug, Default)]
pub(crate) struct Conditions {
    /// `ACK.ResourceSynced`: `None` is Unknown (an error hid the answer).
    pub synced: Option<bool>,
    pub synced_message: String,
    pub terminal: Option<String>,
    pub recoverable: Option<String>,
    /// A final status that is not a success: (status, message) for Ready.
    pub unsuccessful: Option<(String, String)>,
}

/// What AWS reported, read against the kind's declared statuses.
pub(crate) struct Reading<'a> {
    pub status: Option<&'a str>,
    pub modifying: bool,
    pub conditions: Conditions,
}

/// Reads an observation (ACK names) as ACK does (§1.2, §2.7): still
/// changing -> not synced; a terminal status -> `ACK.Terminal` with the
/// reason; a final status short of success -> synced but not Ready.
pub(crate) fn read<'a>(kind: &AwsKind, observed: &'a Value) -> Reading<'a> {
    let statuses = &kind.info.statuses;
    let status = statuses.field.and_then(|f| observed.get(f)).and_then(Value::as_str);
    let modifying = status.is_some_and(|s| statuses.modifying.contains(&s));
    let name = kind.info.kind;
    let synced_message = match status {
        Some(s) => format!("{name} is in {s} status."),
        None => format!("{name} exists in AWS."),
    };
    let reason = kind.info.failure_field.and_then(|f| observed.get(f)).and_then(Value::as_str);
    let with_reason = |s: &str| match reason {
        Some(r) => format!("{name} is in {s} status: {r}"),
        None => format!("{name} is in {s} status."),
    };
    let terminal = status.filter(|s| statuses.terminal.contains(s)).map(|s| {
        format!("{name} status reached terminal state: {s}. {}", reason.map(|r| format!("FailureReason: {r}")).unwrap_or_else(|| "Check the FailureReason.".into()))
    });
    let unsuccessful = status
        .filter(|s| kind.info.is_final(s) && !statuses.success.contains(s))
        .map(|s| (s.to_string(), with_reason(s)));
    Reading {
        status,
        modifying,
        conditions: Conditions { synced: Some(!modifying), synced_message, terminal, recoverable: None, unsuccessful },
    }
}

/// The full status: ACK's metadata and conditions plus the kind's status
/// fields from what AWS reported (or, without a fresh observation, as before).
pub(crate) fn build(kind: &AwsKind, res: &Resource, target: &Target, observed: Option<&Value>, c: &Conditions) -> Value {
    let prev = res.status.as_object().cloned().unwrap_or_default();
    let mut status = Map::new();
    let arn = observed
        .and_then(|o| o.get(kind.arn_field))
        .or_else(|| res.value_at("status.ackResourceMetadata.arn"))
        .cloned();
    if arn.is_some() || prev.contains_key("ackResourceMetadata") {
        let mut meta = json!({ "ownerAccountID": target.account, "region": target.region });
        if let Some(arn) = arn {
            meta["arn"] = arn;
        }
        status.insert("ackResourceMetadata".into(), meta);
    }
    let prev_conditions = prev.get("conditions").cloned().unwrap_or(Value::Null);
    let generation = res.metadata.generation;
    let mut conditions = Vec::new();
    let mut cond = |type_: &str, state: &str, reason: Option<&str>, message: &str| {
        conditions.push(condition(&prev_conditions, type_, state, reason, message, generation));
    };
    if let Some(t) = &c.terminal {
        cond(ack::CONDITION_TERMINAL, "True", None, t);
    }
    if let Some(r) = &c.recoverable {
        cond(ack::CONDITION_RECOVERABLE, "True", None, r);
    }
    let synced = match c.synced {
        Some(true) => "True",
        Some(false) => "False",
        None => "Unknown",
    };
    cond(ack::CONDITION_SYNCED, synced, None, &c.synced_message);
    if let Some(selected) = &target.role_selected {
        cond(ack::CONDITION_IAM_ROLE_SELECTED, "True", Some("Selected"), selected);
    }
    // Ready: Terminal, else Recoverable, else (unlike ACK, which copies
    // ResourceSynced) False for a resource that ended without success, else
    // a copy of ResourceSynced
    match (&c.terminal, &c.recoverable, &c.unsuccessful) {
        (Some(m), _, _) | (None, Some(m), _) => cond(ack::CONDITION_READY, "False", None, m),
        (None, None, Some((status, m))) => cond(ack::CONDITION_READY, "False", Some(status), m),
        _ => cond(ack::CONDITION_READY, if synced == "True" { "True" } else { "False" }, None, &c.synced_message),
    }
    status.insert("conditions".into(), Value::Array(conditions));
    for field in kind.status_fields {
        let value = match observed {
            Some(o) => o.get(*field),
            None => prev.get(*field),
        };
        if let Some(v) = value {
            status.insert((*field).to_string(), v.clone());
        }
    }
    if let Some(field) = kind.last_modified {
        // what the agent recorded last, else when AWS says it was created
        let value = prev.get(field).or_else(|| status.get("creationTime")).cloned();
        if let Some(v) = value {
            status.insert(field.to_string(), v);
        }
    }
    Value::Object(status)
}

/// The event a status change is worth, if any: a new AWS status (or, for
/// kinds with one, a new progress step such as a training job's
/// `Downloading`), as a Warning when it is a failure.
pub(crate) fn transition(kind: &AwsKind, before: &Value, after: &Value) -> Option<crate::store::EventNote> {
    let info = kind.info;
    let at = |v: &Value, f: Option<&str>| f.and_then(|f| v.get(f)).and_then(Value::as_str).unwrap_or_default().to_string();
    let (status, progress) = (at(after, info.statuses.field), at(after, info.progress_field));
    if status.is_empty() || (status, progress.clone()) == (at(before, info.statuses.field), at(before, info.progress_field)) {
        return None;
    }
    let status = at(after, info.statuses.field);
    let failed = info.statuses.terminal.contains(&status.as_str()) || (info.is_final(&status) && !info.statuses.success.contains(&status.as_str()));
    let reason = at(after, info.failure_field);
    let mut message = format!("{} is {status}", info.kind);
    if !progress.is_empty() && progress != status {
        message.push_str(&format!(": {progress}"));
    }
    if failed && !reason.is_empty() {
        message.push_str(&format!(" ({reason})"));
    }
    let step = if progress.is_empty() || progress == status { status } else { progress };
    Some(if failed {
        crate::store::EventNote::warning("Reconcile", &step, message)
    } else {
        crate::store::EventNote::normal("Reconcile", &step, message)
    })
}

/// A condition, keeping its transition time when nothing about it changed.
/// `observedGeneration` says which spec it speaks for (kstatus, Argo CD and
/// Flux read it; ACK's conditions lack it).
pub(crate) fn condition(prev: &Value, type_: &str, state: &str, reason: Option<&str>, message: &str, generation: Option<i64>) -> Value {
    let old = prev.as_array().and_then(|a| a.iter().find(|c| c["type"] == type_));
    let unchanged = old.is_some_and(|o| o["status"] == state && o["message"] == message);
    let time = match old {
        Some(o) if unchanged => o["lastTransitionTime"].clone(),
        _ => json!(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
    };
    let mut c = json!({ "type": type_, "status": state, "message": message, "lastTransitionTime": time });
    if let Some(reason) = reason {
        c["reason"] = json!(reason);
    }
    if let Some(g) = generation {
        c["observedGeneration"] = json!(g);
    }
    c
}

/// The generation the resource's `ACK.ResourceSynced` condition speaks for.
pub(crate) fn synced_generation(res: &Resource) -> Option<i64> {
    res.condition(ack::CONDITION_SYNCED).and_then(|c| c["observedGeneration"].as_i64())
}

/// Drops what says "absent" at every level: nulls and empty strings (moto
/// answers `S3ModelArtifacts: ""` for a running job). The API server's
/// structural schemas reject a null where a string belongs, and the 1.20 API
/// server used in the tests turns an empty string in a status merge patch
/// into a null, either of which would fail the whole status write.
pub(crate) fn strip_nulls(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|_, x| !x.is_null() && x.as_str() != Some(""));
            m.values_mut().for_each(strip_nulls);
            // an object left empty said nothing either
            m.retain(|_, x| !x.as_object().is_some_and(Map::is_empty));
        }
        Value::Array(a) => a.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}

/// Whether what the spec asks for (`desired`) differs from what AWS reports
/// (`pub`: kinds' hooks compare with it too):
/// only what the spec states is compared (defaults AWS fills in are not
/// drift), numbers by value (`1` is `1.0`), lists item by item.
pub fn differs(desired: &Value, observed: Option<&Value>) -> bool {
    match (desired, observed) {
        (Value::Null, _) => false,
        // AWS leaves out what is false or empty
        (Value::Bool(false), None | Some(Value::Null)) => false,
        (Value::Array(d), None | Some(Value::Null)) if d.is_empty() => false,
        (Value::Object(d), None | Some(Value::Null)) => d.values().any(|v| differs(v, None)),
        (_, None | Some(Value::Null)) => true,
        (Value::Object(d), Some(Value::Object(o))) => d.iter().any(|(k, v)| differs(v, o.get(k))),
        (Value::Array(d), Some(Value::Array(o))) => d.len() != o.len() || d.iter().zip(o).any(|(a, b)| differs(a, Some(b))),
        (Value::Number(a), Some(Value::Number(b))) => a.as_f64() != b.as_f64(),
        // a JSON document in a string (a pipeline definition) is compared
        // as a document: spacing and key order are no difference
        (Value::String(a), Some(Value::String(b))) if a != b => match (json_document(a), json_document(b)) {
            (Some(a), Some(b)) => differs(&a, Some(&b)) || differs(&b, Some(&a)),
            _ => true,
        },
        (a, Some(b)) => a != b,
    }
}

/// A string holding a JSON object or array, parsed.
fn json_document(text: &str) -> Option<Value> {
    let t = text.trim_start();
    if !(t.starts_with('{') || t.starts_with('[')) {
        return None;
    }
    serde_json::from_str(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nulls_empty_strings_and_objects_left_empty_are_dropped_from_aws_answers() {
        let mut v = json!({ "a": null, "modelArtifacts": { "s3ModelArtifacts": "" }, "b": [ { "c": null, "d": 1 } ], "e": "x" });
        strip_nulls(&mut v);
        assert_eq!(v, json!({ "b": [ { "d": 1 } ], "e": "x" }));
    }

    #[test]
    fn only_what_the_spec_states_is_compared_with_what_aws_reports() {
        let observed = json!({ "a": 1.0, "b": { "c": "x", "filled": "by aws" }, "l": [{ "k": 1, "extra": 2 }] });
        assert!(!differs(&json!({ "a": 1, "b": { "c": "x" }, "l": [{ "k": 1 }] }), Some(&observed)));
        assert!(differs(&json!({ "b": { "c": "y" } }), Some(&observed)));
        assert!(differs(&json!({ "l": [{ "k": 1 }, { "k": 2 }] }), Some(&observed)));
        assert!(differs(&json!({ "new": true }), Some(&observed)));
        assert!(!differs(&Value::Null, None));
        // what AWS leaves out when it is false or empty is no difference
        assert!(!differs(&json!({ "enableSSMAccess": false, "tags": [], "o": {} }), Some(&json!({}))));
        assert!(differs(&json!({ "o": { "x": 1 } }), Some(&json!({}))));
    }

    #[test]
    fn a_json_document_in_a_string_compares_as_a_document_not_as_text() {
        let spaced = json!("{ \"Version\": \"2020-12-01\", \"Steps\": [ { \"Name\": \"a\" } ] }");
        let compact = json!("{\"Steps\":[{\"Name\":\"a\"}],\"Version\":\"2020-12-01\"}");
        assert!(!differs(&spaced, Some(&compact)));
        assert!(differs(&json!("{\"Steps\":[]}"), Some(&compact)), "a step fewer is a difference");
        assert!(differs(&compact, Some(&json!("{\"Steps\":[{\"Name\":\"a\"}],\"Version\":\"2020-12-01\",\"New\":1}"))), "a key more is too");
        assert!(differs(&json!("plain"), Some(&json!("other"))));
    }
}

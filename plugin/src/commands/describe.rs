//! `describe KIND NAME`: one resource for humans, like `kubectl describe`,
//! with a hint at the likely fix when SageMaker says why a job failed.

use chrono::{DateTime, Utc};
use sagemaker_core::{KindInfo, Resource};
use sagemaker_proto::v1::{ChildrenResponse, GetRequest, RecordedEvent};
use serde_json::Value;

use super::{find_kind, list_hint, located, read_resource, resource_ref};
use crate::{
    cli::DescribeArgs,
    connect::Session,
    error::{Error, ExitStatus, Result, failure_hint},
    output::{Table, age, cell, out, to_yaml},
};

pub(super) async fn run(session: &Session, args: DescribeArgs) -> Result<ExitStatus> {
    let kind = find_kind(&args.kind)?;
    let namespace = &session.namespace;
    let agent = session.connect().await?;
    let request = GetRequest {
        r#ref: Some(resource_ref(kind, namespace, &args.name)),
    };
    let resource = agent.get(request).await.map_err(|s| {
        Error::agent(
            format!("cannot describe {}", located(kind, namespace, &args.name)),
            &s,
        )
        .or_hint(list_hint(kind, namespace))
    })?;
    let (_, resource) = read_resource(Some(&resource))?;
    let now = Utc::now();
    let mut text = render(&resource, kind, now);
    // what it made (a tuning job's training jobs), read from AWS
    match agent.children(GetRequest { r#ref: Some(resource_ref(kind, namespace, &args.name)) }).await {
        Ok(children) => text.push_str(&render_children(&children)),
        Err(s) if s.code() == tonic::Code::Unimplemented => {}
        Err(s) => text.push_str(&format!("{:<18}<cannot read them: {}>\n", "Children:", s.message())),
    }
    // an agent that keeps no events (or an older one) still describes
    match agent.events(GetRequest { r#ref: Some(resource_ref(kind, namespace, &args.name)) }).await {
        Ok(events) => text.push_str(&render_events(&events.events, now)),
        Err(s) if s.code() == tonic::Code::Unimplemented => {}
        Err(s) => text.push_str(&format!("Events:           <cannot read them: {}>\n", s.message())),
    }
    out(&text)?;
    Ok(ExitStatus::Success)
}

/// A table of what the resource made, under the kind's title.
fn render_children(children: &ChildrenResponse) -> String {
    if children.title.is_empty() {
        return String::new();
    }
    let label = format!("{}:", children.title);
    if children.rows.is_empty() {
        return format!("{label:<18}<none>\n");
    }
    let mut table = Table::new(children.columns.iter().map(String::as_str));
    for row in &children.rows {
        table.push(row.cells.iter().map(|c| if c.is_empty() { "<none>".to_string() } else { c.clone() }).collect());
    }
    let mut out = format!("{label}\n");
    for line in table.render().lines() {
        out.push_str(&format!("  {line}\n"));
    }
    out
}

/// The events as `kubectl describe` shows them (`Age` is the last time,
/// with `(xN over T)` for a repeated one), then a hint for the newest
/// warning when its cause is a known one.
fn render_events(events: &[RecordedEvent], now: DateTime<Utc>) -> String {
    if events.is_empty() {
        return format!("{:<18}<none>\n", "Events:");
    }
    let mut table = Table::new(["Type", "Reason", "Age", "From", "Message"]);
    table.push(["----", "------", "----", "----", "-------"].map(String::from).to_vec());
    for e in events {
        let last = age(Some(&e.last_time), now);
        let when = if e.count > 1 { format!("{last} (x{} over {})", e.count, age(Some(&e.first_time), now)) } else { last };
        table.push(vec![e.r#type.clone(), e.reason.clone(), when, e.reporter.clone(), e.message.clone()]);
    }
    let mut out = String::from("Events:\n");
    for line in table.render().lines() {
        out.push_str(&format!("  {line}\n"));
    }
    let warning = events.iter().rev().find(|e| e.r#type == "Warning");
    if let Some(hint) = warning.and_then(|e| failure_hint(&format!("{} {}", e.reason, e.message))) {
        out.push_str(&format!("  hint: {hint}\n"));
    }
    out
}

/// The description: aligned `Label:  value` lines, the conditions as a
/// table, then the spec as YAML.
fn render(r: &Resource, kind: &KindInfo, now: DateTime<Utc>) -> String {
    let text = |path: &str| r.str_at(path).filter(|s| !s.is_empty()).map(str::to_string);
    let none = || "<none>".to_string();
    let mut fields: Vec<(&str, String)> = vec![
        ("Name", r.metadata.name.clone()),
        ("Namespace", r.metadata.namespace.clone()),
        ("Kind", r.kind.clone()),
        ("API Version", r.api_version.clone()),
    ];
    let created = r.metadata.creation_timestamp.as_deref();
    fields.push((
        "Created",
        created.map_or_else(none, |t| format!("{t} ({} ago)", age(Some(t), now))),
    ));
    if let Some(t) = r.metadata.deletion_timestamp.as_deref() {
        fields.push(("Deleting Since", format!("{t} ({} ago)", age(Some(t), now))));
    }
    fields.push((
        "Region",
        text("status.ackResourceMetadata.region").unwrap_or_else(none),
    ));
    fields.push((
        "Account",
        text("status.ackResourceMetadata.ownerAccountID").unwrap_or_else(none),
    ));
    fields.push(("ARN", text("status.ackResourceMetadata.arn").unwrap_or_else(none)));
    // the role the agent assumes for it, and which mapping chose it
    if let Some(role) = r.annotation(sagemaker_core::ack::ANNOTATION_ROLE) {
        fields.push(("IAM Role", role.to_string()));
    }
    if let Some(path) = kind.status_path() {
        fields.push(("Status", text(&path).unwrap_or_else(none)));
    }
    // the kind's own fields, in its declaration's words
    // (numbers too: a tuning job's counters)
    let scalar = |path: &str| match r.value_at(path) {
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => text(path),
    };
    fields.extend(kind.describe_fields.iter().filter_map(|(label, path)| scalar(path).map(|v| (*label, v))));
    // the reason SageMaker gives, else why the agent cannot go on
    let terminal = r
        .condition(sagemaker_core::ack::CONDITION_TERMINAL)
        .filter(|c| c.get("status").and_then(Value::as_str) == Some("True"))
        .and_then(|c| c.get("message").and_then(Value::as_str))
        .map(str::to_string);
    let failure = kind.failure_field.and_then(|f| text(&format!("status.{f}")));
    if let Some(reason) = &failure {
        fields.push(("Failure Reason", reason.clone()));
    }
    if let Some(hint) = failure.as_deref().or(terminal.as_deref()).and_then(failure_hint) {
        fields.push(("Hint", hint.to_string()));
    }

    let width = fields.iter().map(|(label, _)| label.len()).max().unwrap_or(0) + 2;
    let mut out = String::new();
    for (label, value) in &fields {
        out.push_str(&format!("{:<width$}{value}\n", format!("{label}:")));
    }

    let conditions = r
        .status
        .get("conditions")
        .and_then(Value::as_array)
        .filter(|c| !c.is_empty());
    match conditions {
        None => out.push_str(&format!("{:<width$}<none>\n", "Conditions:")),
        Some(conditions) => {
            out.push_str("Conditions:\n");
            let mut table = Table::new(["TYPE", "STATUS", "REASON", "MESSAGE", "SINCE"]);
            for c in conditions {
                let since = c.get("lastTransitionTime").and_then(Value::as_str);
                table.push(vec![
                    cell(c.get("type")),
                    cell(c.get("status")),
                    cell(c.get("reason")),
                    cell(c.get("message")),
                    if since.is_some() {
                        age(since, now)
                    } else {
                        String::new()
                    },
                ]);
            }
            for line in table.render().lines() {
                out.push_str(&format!("  {line}\n"));
            }
        }
    }

    if r.spec.is_null() {
        out.push_str(&format!("{:<width$}<none>\n", "Spec:"));
    } else {
        out.push_str("Spec:\n");
        for line in to_yaml(&r.spec).lines() {
            out.push_str(&format!("  {line}\n"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use sagemaker_core::kinds::TRAINING_JOB;
    use serde_json::json;

    #[test]
    fn events_show_as_kubectl_shows_them_with_repeats_counted_and_a_hint_for_the_newest_warning() {
        let event = |t: &str, reason: &str, count, first: &str, last: &str, message: &str| RecordedEvent {
            r#type: t.into(),
            reason: reason.into(),
            message: message.into(),
            count,
            first_time: first.into(),
            last_time: last.into(),
            action: "Reconcile".into(),
            reporter: "sagemaker-agent-0".into(),
        };
        let now = DateTime::parse_from_rfc3339("2020-01-01T00:10:00Z").expect("time").to_utc();
        let events = [
            event("Normal", "Created", 1, "2020-01-01T00:00:00Z", "2020-01-01T00:00:00Z", "created TrainingJob x"),
            event("Warning", "ResourceLimitExceeded", 3, "2020-01-01T00:05:00Z", "2020-01-01T00:09:00Z", "ResourceLimitExceeded: quota"),
        ];
        let text = render_events(&events, now);
        assert_eq!(
            text,
            "Events:\n\
             \x20 Type      Reason                  Age                From                Message\n\
             \x20 ----      ------                  ----               ----                -------\n\
             \x20 Normal    Created                 10m                sagemaker-agent-0   created TrainingJob x\n\
             \x20 Warning   ResourceLimitExceeded   60s (x3 over 5m)   sagemaker-agent-0   ResourceLimitExceeded: quota\n\
             \x20 hint: request a SageMaker quota increase for this instance type, or use another instance type\n"
        );
        assert_eq!(render_events(&[], now), "Events:           <none>\n");
    }

    #[test]
    fn the_role_the_agent_acts_with_and_the_mapping_that_chose_it_are_described() {
        let r: Resource = serde_json::from_value(json!({
            "apiVersion": "sagemaker.services.k8s.aws/v1alpha1", "kind": "TrainingJob",
            "metadata": {"name": "x", "namespace": "ml", "annotations": {
                "sagemaker.services.k8s.aws/role": "arn:aws:iam::111111111111:role/sm (ack-role-account-map[111111111111])"}},
            "spec": {"trainingJobName": "x"},
        }))
        .expect("resource");
        let text = render(&r, &TRAINING_JOB, chrono::Utc::now());
        assert!(text.contains("IAM Role:    arn:aws:iam::111111111111:role/sm (ack-role-account-map[111111111111])\n"), "{text}");
    }

    #[test]
    fn a_failed_job_is_described_with_its_reason_a_hint_and_its_conditions() {
        let r: Resource = serde_json::from_value(json!({
            "apiVersion": "sagemaker.services.k8s.aws/v1alpha1",
            "kind": "TrainingJob",
            "metadata": {"name": "x", "namespace": "ml", "creationTimestamp": "2020-01-01T00:00:00Z"},
            "spec": {"trainingJobName": "x", "resourceConfig": {"instanceCount": 1}},
            "status": {
                "ackResourceMetadata": {"arn": "arn:aws:sagemaker:us-west-2:111111111111:training-job/x",
                                        "ownerAccountID": "111111111111", "region": "us-west-2"},
                "trainingJobStatus": "Failed",
                "secondaryStatus": "Failed",
                "failureReason": "ResourceLimitExceeded: quota for ml.p3.2xlarge is 0",
                "conditions": [{"type": "ACK.ResourceSynced", "status": "True", "reason": "Final",
                                "message": "job is final", "lastTransitionTime": "2020-01-01T00:01:00Z"}]
            }
        }))
        .expect("resource");
        let now = DateTime::parse_from_rfc3339("2020-01-01T00:03:00Z")
            .expect("time")
            .to_utc();
        let text = render(&r, &TRAINING_JOB, now);
        assert!(
            text.starts_with("Name:             x\nNamespace:        ml\n"),
            "{text}"
        );
        assert!(
            text.contains("Created:          2020-01-01T00:00:00Z (3m ago)\n"),
            "{text}"
        );
        assert!(text.contains("Status:           Failed\n"), "{text}");
        assert!(
            text.contains("Hint:             request a SageMaker quota increase"),
            "{text}"
        );
        assert!(
            text.contains("Conditions:\n  TYPE                 STATUS   REASON   MESSAGE        SINCE\n"),
            "{text}"
        );
        assert!(
            text.contains("  ACK.ResourceSynced   True     Final    job is final   2m\n"),
            "{text}"
        );
        assert!(
            text.ends_with("Spec:\n  trainingJobName: x\n  resourceConfig:\n    instanceCount: 1\n"),
            "{text}"
        );
    }
}

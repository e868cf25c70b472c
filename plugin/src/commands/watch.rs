//! `watch KIND NAME`, and the one watch loop behind it that `train --wait`,
//! `apply --wait`, `deploy --wait`, `stop --wait` and `delete --wait` use too.
//!
//! The loop prints a line whenever what a user cares about changes (status,
//! secondary status, the synced and terminal conditions), with the time since
//! the command started, and decides from the kinds table when to stop.

use std::{fmt, time::Duration};

use chrono::TimeDelta;
use sagemaker_core::{KindInfo, Resource, ack};
use sagemaker_proto::v1::{EventType, GetRequest, WatchRequest};
use serde_json::Value;
use tokio::time::Instant;
use tonic::Code;

use super::{find_kind, list_hint, located, read_resource, resource_ref};
use crate::{
    cli::WatchArgs,
    connect::{Agent, Session},
    error::{self, Error, ExitStatus, Reason, Result},
    output::{human_duration, outln, qualified_name},
};

pub(super) async fn run(session: &Session, args: WatchArgs) -> Result<ExitStatus> {
    let kind = find_kind(&args.kind)?;
    let agent = session.connect().await?;
    let target = Target {
        kind,
        namespace: session.namespace.clone(),
        name: args.name,
    };
    Follower::new(args.timeout, false)
        .follow(&agent, &target, Until::Final)
        .await?;
    Ok(ExitStatus::Success)
}

/// Follows several resources at once until each is final; every failure is
/// reported, and the exit status is the worst of them.
pub(super) async fn wait_all(
    agent: &Agent,
    targets: &[Target],
    timeout: Option<Duration>,
    until: Until,
) -> Result<ExitStatus> {
    let follower = Follower::new(timeout, targets.len() > 1);
    let results = futures::future::join_all(targets.iter().map(|t| follower.follow(agent, t, until))).await;
    let mut errors: Vec<Error> = results.into_iter().filter_map(Result::err).collect();
    if errors.len() <= 1 {
        return errors.pop().map_or(Ok(ExitStatus::Success), Err);
    }
    let mut status = ExitStatus::Failure;
    for err in &errors {
        crate::output::err(&error::render(err));
        if err.exit_status() == ExitStatus::Error {
            status = ExitStatus::Error;
        }
    }
    Ok(status)
}

/// One resource to follow.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub kind: &'static KindInfo,
    pub namespace: String,
    pub name: String,
}

/// When following stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Until {
    /// The status is final (success or not), the resource turned terminal, or it was deleted.
    Final,
    /// As `Final`, for a job asked to stop: ending stopped is what was asked for.
    Stopped,
    /// The resource is gone.
    Gone,
}

/// Follows resources, timing every line from one start.
#[derive(Debug)]
pub(crate) struct Follower {
    started: Instant,
    timeout: Option<Duration>,
    /// Prefix lines with the resource name (when following several).
    label: bool,
}

impl Follower {
    pub(crate) fn new(timeout: Option<Duration>, label: bool) -> Self {
        Follower {
            started: Instant::now(),
            timeout,
            label,
        }
    }

    pub(crate) async fn follow(&self, agent: &Agent, target: &Target, until: Until) -> Result<()> {
        let Target {
            kind,
            namespace,
            name,
        } = target;
        let what = qualified_name(kind, name);
        let request = WatchRequest {
            kind: kind.kind.to_string(),
            namespace: namespace.clone(),
            name: name.clone(),
            all_namespaces: false,
            label_selector: String::new(),
        };
        let mut stream = agent
            .watch(request)
            .await
            .map_err(|s| Error::agent(format!("cannot watch {what}"), &s))?;

        // Read it once after subscribing: a resource that is already gone
        // would otherwise never send an event, and we would wait forever.
        let get = GetRequest {
            r#ref: Some(resource_ref(kind, namespace, name)),
        };
        match agent.get(get).await {
            Ok(_) => {}
            Err(s) if s.code() == Code::NotFound && until == Until::Gone => {
                return self.print(target, "deleted");
            }
            Err(s) => {
                let err = Error::agent(format!("cannot watch {}", located(kind, namespace, name)), &s);
                return Err(err.or_hint(list_hint(kind, namespace)));
            }
        }

        let mut last: Option<Snapshot> = None;
        loop {
            let message = match self.timeout {
                None => stream.message().await,
                Some(timeout) => {
                    match tokio::time::timeout_at(self.started + timeout, stream.message()).await {
                        Ok(message) => message,
                        Err(_) => {
                            let after =
                                human_duration(TimeDelta::from_std(timeout).unwrap_or(TimeDelta::MAX));
                            return Err(Error::Timeout { what, after });
                        }
                    }
                }
            };
            let event = match message {
                Ok(Some(event)) => event,
                Ok(None) => return Err(Error::WatchEnded { what }),
                Err(s) => return Err(Error::agent(format!("lost the watch of {what}"), &s)),
            };
            let (_, resource) = read_resource(event.resource.as_ref())?;
            let other_namespace =
                !resource.metadata.namespace.is_empty() && resource.metadata.namespace != *namespace;
            if resource.metadata.name != *name || other_namespace {
                continue;
            }
            if event.r#type == EventType::Deleted as i32 {
                self.print(target, "deleted")?;
                return match until {
                    Until::Gone => Ok(()),
                    Until::Final | Until::Stopped => Err(Error::Deleted { what }),
                };
            }
            let snapshot = Snapshot::of(&resource, kind);
            if last.as_ref() != Some(&snapshot) {
                self.print(target, &snapshot.to_string())?;
                last = Some(snapshot);
            }
            if until != Until::Gone
                && let Some(verdict) = verdict(&resource, kind, &what, until)
            {
                return verdict;
            }
        }
    }

    fn print(&self, target: &Target, text: &str) -> Result<()> {
        let elapsed = human_duration(TimeDelta::from_std(self.started.elapsed()).unwrap_or(TimeDelta::MAX));
        let label = if self.label {
            format!("{}  ", target.name)
        } else {
            String::new()
        };
        outln(format!("{elapsed:>5}  {label}{text}"))?;
        Ok(())
    }
}

/// What a watch line shows; a line is printed when it changes.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Snapshot {
    status: Option<String>,
    secondary: Option<String>,
    synced: Option<String>,
    terminal: bool,
    /// Why the agent is retrying, shown as soon as it appears: a user waiting
    /// on a job that cannot start must see why, not `Synced=Unknown` forever.
    recoverable: Option<String>,
    deleting: bool,
}

impl Snapshot {
    fn of(resource: &Resource, kind: &KindInfo) -> Self {
        let text = |v: Option<&Value>| {
            v.and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let condition = |t| text(resource.condition(t).and_then(|c| c.get("status")));
        Snapshot {
            status: text(kind.statuses.field.and_then(|f| resource.status.get(f))),
            secondary: text(kind.progress_field.and_then(|f| resource.status.get(f))),
            synced: condition(ack::CONDITION_SYNCED),
            terminal: condition(ack::CONDITION_TERMINAL).as_deref() == Some("True"),
            recoverable: resource
                .condition(ack::CONDITION_RECOVERABLE)
                .filter(|c| c.get("status").and_then(Value::as_str) == Some("True"))
                .and_then(|c| text(c.get("message"))),
            deleting: resource.is_deleting(),
        }
    }
}

impl fmt::Display for Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // fixed widths keep the columns of successive lines aligned
        // (InProgress; LaunchingMLInstances)
        let status = self.status.as_deref().unwrap_or("-");
        let mut parts = vec![format!("{status:<10}")];
        parts.extend(self.secondary.as_ref().map(|s| format!("{s:<20}")));
        if let Some(synced) = &self.synced {
            parts.push(format!("Synced={synced}"));
        }
        if self.terminal {
            parts.push("Terminal".into());
        }
        if self.deleting {
            parts.push("Deleting".into());
        }
        if let Some(message) = &self.recoverable {
            parts.push(format!("Retrying: {message}"));
        }
        write!(f, "{}", parts.join("  ").trim_end())
    }
}

/// Whether following can stop, and how it ended: the terminal condition, a
/// success status (or, for kinds without one, being in sync) reached for the
/// current spec, or another final status (with the failure reason).
fn verdict(resource: &Resource, kind: &KindInfo, what: &str, until: Until) -> Option<Result<()>> {
    // what a condition says is about the current spec only once the agent
    // has looked at this generation (an update may not have started yet, and
    // an old Terminal may be what the new spec fixes)
    let current_for = |c: Option<&Value>| match (
        c.and_then(|c| c.get("observedGeneration")).and_then(Value::as_i64),
        resource.metadata.generation,
    ) {
        (Some(seen), Some(generation)) => seen >= generation,
        _ => true,
    };
    if let Some(terminal) = resource.condition(ack::CONDITION_TERMINAL)
        && terminal.get("status").and_then(Value::as_str) == Some("True")
        && current_for(Some(terminal))
    {
        let message = ["message", "reason"]
            .iter()
            .find_map(|k| terminal.get(*k).and_then(Value::as_str).filter(|m| !m.is_empty()))
            .unwrap_or("the agent gave no reason");
        return Some(Err(Error::Terminal {
            what: what.to_string(),
            message: Reason(message.to_string()),
        }));
    }
    let synced = resource.condition(ack::CONDITION_SYNCED);
    let current = current_for(synced);
    let in_sync = current && synced.and_then(|c| c.get("status")).and_then(Value::as_str) == Some("True");
    let Some(field) = kind.statuses.field else {
        // kinds without an AWS status are done once they are in sync
        return in_sync.then_some(Ok(()));
    };
    let status = resource.status.get(field).and_then(Value::as_str).unwrap_or_default();
    let expected = kind.statuses.success.contains(&status) || (until == Until::Stopped && kind.statuses.stopped == Some(status));
    // a final status needs no sync to be believed: nothing changes it again
    if expected && (in_sync || (kind.is_final(status) && current)) {
        return Some(Ok(()));
    }
    if kind.is_final(status) && current {
        let reason = kind
            .failure_field
            .and_then(|f| resource.status.get(f))
            .and_then(Value::as_str)
            .filter(|r| !r.is_empty());
        return Some(Err(Error::JobFailed {
            what: what.to_string(),
            status: status.to_string(),
            reason: reason.map(|r| Reason(r.to_string())),
        }));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use sagemaker_core::kinds::{ENDPOINT, TRAINING_JOB};
    use serde_json::json;

    fn job(status: Value) -> Resource {
        serde_json::from_value(json!({
            "apiVersion": "sagemaker.services.k8s.aws/v1alpha1",
            "kind": "TrainingJob",
            "metadata": {"name": "x", "namespace": "default"},
            "status": status,
        }))
        .expect("resource")
    }

    #[test]
    fn a_watch_line_shows_status_secondary_status_and_conditions() {
        let r = job(json!({
            "trainingJobStatus": "InProgress",
            "secondaryStatus": "Training",
            "conditions": [{"type": "ACK.ResourceSynced", "status": "False"}]
        }));
        assert_eq!(
            Snapshot::of(&r, &TRAINING_JOB).to_string(),
            "InProgress  Training              Synced=False"
        );
        assert_eq!(Snapshot::of(&job(json!({})), &TRAINING_JOB).to_string(), "-");
    }

    #[test]
    fn completed_is_a_success_and_failed_carries_its_reason() {
        let done = job(json!({"trainingJobStatus": "Completed"}));
        assert!(matches!(verdict(&done, &TRAINING_JOB, "x", Until::Final), Some(Ok(()))));
        let failed = job(json!({"trainingJobStatus": "Failed", "failureReason": "AlgorithmError: boom"}));
        match verdict(&failed, &TRAINING_JOB, "x", Until::Final) {
            Some(Err(Error::JobFailed {
                status,
                reason: Some(reason),
                ..
            })) => {
                assert_eq!(status, "Failed");
                assert_eq!(reason.0, "AlgorithmError: boom");
            }
            other => panic!("unexpected verdict {other:?}"),
        }
        let running = job(json!({"trainingJobStatus": "InProgress"}));
        assert!(verdict(&running, &TRAINING_JOB, "x", Until::Final).is_none());
    }

    #[test]
    fn a_recoverable_condition_shows_its_message_on_the_watch_line() {
        let r = job(json!({
            "conditions": [
                {"type": "ACK.Recoverable", "status": "True", "message": "ThrottlingException: Rate exceeded"},
                {"type": "ACK.ResourceSynced", "status": "Unknown"}
            ]
        }));
        assert_eq!(
            Snapshot::of(&r, &TRAINING_JOB).to_string(),
            "-           Synced=Unknown  Retrying: ThrottlingException: Rate exceeded"
        );
    }

    #[test]
    fn a_terminal_condition_ends_the_watch_with_its_message() {
        let r = job(json!({
            "conditions": [{"type": "ACK.Terminal", "status": "True", "message": "role cannot be assumed"}]
        }));
        match verdict(&r, &TRAINING_JOB, "x", Until::Final) {
            Some(Err(Error::Terminal { message, .. })) => assert_eq!(message.0, "role cannot be assumed"),
            other => panic!("unexpected verdict {other:?}"),
        }
    }

    #[test]
    fn a_stopped_job_is_the_expected_end_only_after_a_stop() {
        let stopped = job(json!({"trainingJobStatus": "Stopped", "secondaryStatus": "Stopped"}));
        assert!(matches!(verdict(&stopped, &TRAINING_JOB, "x", Until::Stopped), Some(Ok(()))));
        assert!(matches!(
            verdict(&stopped, &TRAINING_JOB, "x", Until::Final),
            Some(Err(Error::JobFailed { .. }))
        ));
        let completed = job(json!({"trainingJobStatus": "Completed"}));
        assert!(matches!(verdict(&completed, &TRAINING_JOB, "x", Until::Stopped), Some(Ok(()))));
        let failed = job(json!({"trainingJobStatus": "Failed"}));
        assert!(matches!(
            verdict(&failed, &TRAINING_JOB, "x", Until::Stopped),
            Some(Err(Error::JobFailed { .. }))
        ));
    }

    #[test]
    fn an_endpoint_is_done_in_service_and_in_sync_and_fails_terminal() {
        let endpoint = |status: Value| -> Resource {
            serde_json::from_value(json!({
                "apiVersion": "sagemaker.services.k8s.aws/v1alpha1",
                "kind": "Endpoint",
                "metadata": {"name": "ep", "namespace": "default", "generation": 2},
                "status": status,
            }))
            .expect("resource")
        };
        let synced =
            |observed: i64| json!([{"type": "ACK.ResourceSynced", "status": "True", "observedGeneration": observed}]);
        let creating = endpoint(json!({"endpointStatus": "Creating", "conditions": synced(2)}));
        assert!(verdict(&creating, &ENDPOINT, "ep", Until::Final).is_none());
        // in service, but for the previous spec: the update has not started yet
        let stale = endpoint(json!({"endpointStatus": "InService", "conditions": synced(1)}));
        assert!(verdict(&stale, &ENDPOINT, "ep", Until::Final).is_none());
        let ready = endpoint(json!({"endpointStatus": "InService", "conditions": synced(2)}));
        assert!(matches!(verdict(&ready, &ENDPOINT, "ep", Until::Final), Some(Ok(()))));
        let failed = endpoint(json!({"endpointStatus": "Failed", "failureReason": "image not found",
            "conditions": [{"type": "ACK.Terminal", "status": "True", "message": "Failed: image not found"}]}));
        assert!(matches!(verdict(&failed, &ENDPOINT, "ep", Until::Final), Some(Err(Error::Terminal { .. }))));
        // a Terminal the agent reported for the previous spec is what the new one may fix
        let old_terminal = endpoint(json!({"endpointStatus": "InService", "conditions": [
            {"type": "ACK.Terminal", "status": "True", "message": "the update failed", "observedGeneration": 1},
            {"type": "ACK.ResourceSynced", "status": "False", "observedGeneration": 1}]}));
        assert!(verdict(&old_terminal, &ENDPOINT, "ep", Until::Final).is_none());
    }
}

//! `stop KIND NAME... | KIND/NAME... [--wait]`: stop running jobs. Unlike
//! `delete`, the resource stays, with the status the job ends with; the
//! request is recorded on it, so an agent restart cannot lose it.

use sagemaker_proto::v1::StopRequest;
use serde_json::Value;

use super::{
    each, list_hint, located, named_targets, read_resource, resource_ref,
    watch::{self, Target, Until},
};
use crate::{
    cli::StopArgs,
    connect::{Agent, Session},
    error::{Error, ExitStatus, Result},
    output::{outln, qualified_name},
};

pub(super) async fn run(session: &Session, args: StopArgs) -> Result<ExitStatus> {
    let targets = named_targets(&session.namespace, &args.args, "stop")?;
    // refused before anything is sent: a kind that is not a job is never half stopped
    if let Some(other) = targets.iter().find(|t| !t.kind.is_job()) {
        let names = targets.iter().filter(|t| t.kind == other.kind).map(|t| t.name.clone()).collect();
        return Err(Error::NotAJob {
            plural: other.kind.plural,
            names,
        });
    }
    let agent = session.connect().await?;
    let (status, stopping) = each(targets, async |target| stop_one(&agent, target).await).await;
    if !args.wait || stopping.is_empty() {
        return Ok(status);
    }
    let waited = watch::wait_all(&agent, &stopping, args.timeout, Until::Stopped).await?;
    Ok(super::worst(status, waited))
}

/// Asks the agent to stop one job; whether it is still stopping.
async fn stop_one(agent: &Agent, target: &Target) -> Result<bool> {
    let Target { kind, namespace, name } = target;
    let request = StopRequest {
        r#ref: Some(resource_ref(kind, namespace, name)),
    };
    let response = agent.stop(request).await.map_err(|s| {
        Error::agent(format!("cannot stop {}", located(kind, namespace, name)), &s)
            .or_hint(list_hint(kind, namespace))
    })?;
    let what = qualified_name(kind, name);
    if response.stopping {
        outln(format!("{what} stopping"))?;
        return Ok(true);
    }
    let (_, resource) = read_resource(response.resource.as_ref())?;
    let status = kind
        .statuses
        .field
        .and_then(|f| resource.status.get(f))
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .unwrap_or("final");
    outln(format!("{what} already ended ({status})"))?;
    Ok(false)
}

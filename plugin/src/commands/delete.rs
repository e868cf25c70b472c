//! `delete KIND NAME... | KIND/NAME... | -f FILE... [--retain] [--wait]`.

use sagemaker_core::{KindInfo, manifest};
use sagemaker_proto::v1::DeleteRequest;
use serde_json::Value;

use super::{
    each, find_kind, list_hint, located, named_targets, read_resource, resource_ref,
    watch::{Follower, Target, Until},
};
use crate::{
    cli::DeleteArgs,
    connect::{Agent, Session},
    error::{Error, ExitStatus, Result},
    output::{outln, qualified_name},
};

pub(super) async fn run(session: &Session, args: DeleteArgs) -> Result<ExitStatus> {
    let targets = if args.files.is_empty() {
        named_targets(&session.namespace, &args.args, "delete")?
    } else {
        from_manifests(session, &args.files)?
    };
    let agent = session.connect().await?;
    let (status, finalizing) = each(targets, async |target| delete_one(&agent, target, args.retain).await).await;
    if args.wait {
        let follower = Follower::new(args.timeout, finalizing.len() > 1);
        for target in &finalizing {
            follower.follow(&agent, target, Until::Gone).await?;
        }
    }
    Ok(status)
}

/// The resources manifests define: kind, namespace (or the session's) and name.
fn from_manifests(session: &Session, files: &[String]) -> Result<Vec<Target>> {
    let mut targets = Vec::new();
    for document in manifest::read_paths(files)? {
        let text = |path: &[&str]| {
            path.iter()
                .try_fold(&document.value, |v, k| v.get(*k))
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let (Some(kind), Some(name)) = (text(&["kind"]), text(&["metadata", "name"])) else {
            return Err(Error::Usage(format!("{} names no kind and metadata.name to delete", document.source)));
        };
        targets.push(Target {
            kind: find_kind(&kind)?,
            namespace: text(&["metadata", "namespace"]).unwrap_or_else(|| session.namespace.clone()),
            name,
        });
    }
    Ok(targets)
}

/// Starts one deletion; whether the agent still has AWS work to do.
pub(super) async fn delete_one(agent: &Agent, target: &Target, retain: bool) -> Result<bool> {
    let Target { kind, namespace, name } = target;
    let request = DeleteRequest {
        r#ref: Some(resource_ref(kind, namespace, name)),
        retain,
    };
    let response = agent.delete(request).await.map_err(|s| {
        Error::agent(format!("cannot delete {}", located(kind, namespace, name)), &s)
            .or_hint(list_hint(kind, namespace))
    })?;
    let what = qualified_name(kind, name);
    if !response.finalizing {
        outln(format!("{what} deleted"))?;
        return Ok(false);
    }
    let (_, resource) = read_resource(response.resource.as_ref())?;
    outln(format!("{what} deletion started; {}", work(kind, &resource, retain)))?;
    Ok(true)
}

/// What the agent does before the resource goes, in words.
fn work(kind: &KindInfo, resource: &sagemaker_core::Resource, retain: bool) -> &'static str {
    // a finalizer holds it while the agent works in AWS; say what that work is
    let status = kind
        .statuses
        .field
        .and_then(|field| resource.status.get(field))
        .and_then(Value::as_str)
        .unwrap_or_default();
    if retain {
        "the agent is releasing it and leaves it in AWS"
    } else if kind.is_job() && !status.is_empty() && !kind.is_final(status) {
        "the agent is stopping the job in SageMaker"
    } else if kind.is_job() {
        "the agent is releasing it (the finished job's record stays in SageMaker)"
    } else {
        "the agent is deleting it in AWS and waits until it is gone"
    }
}

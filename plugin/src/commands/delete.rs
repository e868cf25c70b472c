//! `delete KIND NAME [--retain] [--wait]`.

use sagemaker_proto::v1::DeleteRequest;

use super::{
    find_kind, list_hint, located, read_resource, resource_ref,
    watch::{Follower, Target, Until},
};
use crate::{
    cli::DeleteArgs,
    connect::Session,
    error::{Error, ExitStatus, Result},
    output::{outln, qualified_name},
};

pub(super) async fn run(session: &Session, args: DeleteArgs) -> Result<ExitStatus> {
    let kind = find_kind(&args.kind)?;
    let namespace = &session.namespace;
    let agent = session.connect().await?;
    let request = DeleteRequest {
        r#ref: Some(resource_ref(kind, namespace, &args.name)),
        retain: args.retain,
    };
    let response = agent.delete(request).await.map_err(|s| {
        Error::agent(
            format!("cannot delete {}", located(kind, namespace, &args.name)),
            &s,
        )
        .or_hint(list_hint(kind, namespace))
    })?;

    let what = qualified_name(kind, &args.name);
    if !response.finalizing {
        outln(format!("{what} deleted"))?;
        return Ok(ExitStatus::Success);
    }
    // a finalizer holds it while the agent works in AWS; say what that work is
    let (_, resource) = read_resource(response.resource.as_ref())?;
    let running = kind
        .status_field
        .and_then(|field| resource.status.get(field))
        .and_then(serde_json::Value::as_str)
        .is_some_and(|status| !kind.is_final(status));
    let work = if args.retain {
        "the agent is releasing it and leaves it in SageMaker"
    } else if running {
        "the agent is stopping the job in SageMaker"
    } else if kind.status_field.is_some() {
        "the agent is releasing it"
    } else {
        "the agent is deleting it in SageMaker"
    };
    outln(format!("{what} deletion started; {work}"))?;
    if args.wait {
        let target = Target {
            kind,
            namespace: namespace.clone(),
            name: args.name,
        };
        Follower::new(args.timeout, false)
            .follow(&agent, &target, Until::Gone)
            .await?;
    }
    Ok(ExitStatus::Success)
}

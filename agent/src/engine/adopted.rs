//! ACK's AdoptedResource: each one names an AWS resource (`spec.aws`) and the
//! custom resource to adopt it as (`spec.kubernetes`); the agent makes that
//! resource with the spec AWS holds (as `kubectl sagemaker adopt` does) and
//! says how it went in the `ACK.Adopted` condition. What is not adopted yet
//! (the AWS resource does not exist, say) is tried again every half minute.

use std::{sync::Arc, time::Duration};

use futures::StreamExt;
use sagemaker_core::{Resource, ack, kinds};
use serde_json::{Value, json};

use super::reconcile::{Context, error_chain};
use crate::{adopt, apply, store::Event};

/// The finalizer ACK puts on an AdoptedResource (released at once on delete:
/// deleting it never touches what it adopted).
fn finalizer() -> String {
    ack::finalizer(kinds::ADOPTED_RESOURCE.group, kinds::ADOPTED_RESOURCE.kind)
}

const CONDITION_ADOPTED: &str = "ACK.Adopted";

/// How often AdoptedResources not adopted yet are tried again.
const RETRY: Duration = Duration::from_secs(30);

pub(crate) async fn run(cx: Arc<Context>) {
    let info = &kinds::ADOPTED_RESOURCE;
    let mut events = cx.store.watch(info);
    let mut retry = tokio::time::interval(RETRY);
    loop {
        tokio::select! {
            event = events.next() => match event {
                Some(Event::Applied(r) | Event::Listed(r)) => handle(&cx, &r).await,
                Some(_) => {}
                None => {
                    tracing::error!("the AdoptedResource watch ended");
                    return;
                }
            },
            _ = retry.tick() => {
                let Ok(all) = cx.store.list(info, None).await else { continue };
                for r in all.iter().filter(|r| !adopted(r)) {
                    handle(&cx, r).await;
                }
            }
        }
    }
}

fn adopted(r: &Resource) -> bool {
    r.condition(CONDITION_ADOPTED).is_some_and(|c| c["status"] == "True")
}

async fn handle(cx: &Context, r: &Resource) {
    let info = &kinds::ADOPTED_RESOURCE;
    if r.is_deleting() {
        if r.metadata.finalizers.contains(&finalizer())
            && let Err(e) = cx.store.set_finalizer(info, r, &finalizer(), false).await
        {
            tracing::warn!(error = %error_chain(&e), "cannot release an AdoptedResource");
        }
        return;
    }
    if adopted(r) {
        return;
    }
    let r = if r.metadata.finalizers.contains(&finalizer()) {
        r.clone()
    } else {
        match cx.store.set_finalizer(info, r, &finalizer(), true).await {
            Ok(r) => r,
            Err(_) => return, // changed meanwhile: its own event comes next
        }
    };
    let (state, message) = match adopt_one(cx, &r).await {
        Ok(what) => ("True", format!("adopted as {what}")),
        Err(why) => ("False", why),
    };
    tracing::info!(adoptedresource = %r.key(), state, %message, "adoption");
    let time = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let status = json!({ "conditions": [{ "type": CONDITION_ADOPTED, "status": state, "message": message, "lastTransitionTime": time }] });
    if status != r.status
        && let Err(e) = cx.store.write_status(info, &r, status).await
    {
        tracing::warn!(error = %error_chain(&e), "cannot write an AdoptedResource's status");
    }
}

/// Makes the resource the AdoptedResource asks for; what it made, or why not.
async fn adopt_one(cx: &Context, r: &Resource) -> Result<String, String> {
    let text = |path: &str| r.spec.pointer(path).and_then(Value::as_str).filter(|s| !s.is_empty());
    let (group, kind_name) = (text("/kubernetes/group").unwrap_or_default(), text("/kubernetes/kind").unwrap_or_default());
    let kind = kinds::KINDS
        .iter()
        .copied()
        .find(|k| k.group == group && k.kind == kind_name)
        .ok_or_else(|| format!("spec.kubernetes: {kind_name} in group {group} is not a kind this agent serves"))?;
    // an ARN names the resource last: …:endpoint/NAME
    let aws_name = match (text("/aws/nameOrID"), text("/aws/arn")) {
        (Some(name), _) => name.to_string(),
        (None, Some(arn)) => arn.rsplit(['/', ':']).next().unwrap_or_default().to_string(),
        (None, None) => return Err("spec.aws names nothing: give nameOrID (or arn)".into()),
    };
    let namespace = text("/kubernetes/metadata/namespace").unwrap_or(&r.metadata.namespace).to_string();
    let name = text("/kubernetes/metadata/name").unwrap_or_default().to_string();
    let defaults = cx.defaults().await.map_err(|f| f.to_string())?;
    let request = adopt::Request { kind, aws_name: &aws_name, name: &name, namespace: &namespace, region: "", account: "" };
    let aws = cx.aws.clone();
    let mut manifest = adopt::manifest(cx.store.clone(), aws, defaults, &request).await.map_err(|e| e.to_string())?;
    // the labels and annotations the AdoptedResource gives the resource
    for (field, into) in [("labels", &mut manifest.metadata.labels), ("annotations", &mut manifest.metadata.annotations)] {
        if let Some(extra) = r.spec.pointer(&format!("/kubernetes/metadata/{field}")).and_then(Value::as_object) {
            into.extend(extra.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string()))));
        }
    }
    let source = format!("adoptedresource {}", r.key());
    let validated = apply::validate(&source, &manifest.to_json().to_string(), &namespace).map_err(|e| e.to_string())?;
    let (stored, _) = cx.store.apply(kind, &validated.resource, false).await.map_err(|e| error_chain(&e))?;
    Ok(format!("{}/{}", kind.qualified(), stored.key()))
}

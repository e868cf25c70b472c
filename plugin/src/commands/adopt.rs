//! `adopt KIND AWS_NAME [--name N] [--region R] [--account A] [--dry-run]`, or
//! `adopt KIND --all [--prefix P] [--tag K=V]...`: take over what
//! already runs in AWS. The agent describes it and makes the resource with
//! the spec AWS holds (marked `services.k8s.aws/adoption-policy: adopt`), which
//! it then manages like any other; `--dry-run` prints that manifest instead.

use sagemaker_core::kinds;
use sagemaker_proto::v1::AdoptRequest;

use super::read_resource;
use crate::{
    cli::AdoptArgs,
    connect::Session,
    error::{Error, ExitStatus, Result},
    output::{out, outln, qualified_name, to_yaml},
};

pub(super) async fn run(session: &Session, args: AdoptArgs) -> Result<ExitStatus> {
    let kind = kinds::find(&args.kind).ok_or_else(|| Error::UnknownKind(args.kind.clone()))?;
    let agent = session.connect().await?;
    let aws_name = args.aws_name.clone().unwrap_or_default();
    let request = AdoptRequest {
        kind: kind.kind.into(),
        aws_name: aws_name.clone(),
        name: args.name.clone().unwrap_or_default(),
        namespace: session.namespace.clone(),
        region: args.region.clone().unwrap_or_default(),
        account: args.account.clone().unwrap_or_default(),
        dry_run: args.dry_run,
        all: args.all,
        prefix: args.prefix.clone(),
        tags: args.tags.clone(),
    };
    let what = if args.all { format!("{} resources", kind.singular) } else { format!("{} {aws_name}", kind.singular) };
    let response = agent.adopt(request).await.map_err(|s| Error::agent(format!("cannot adopt {what}"), &s))?;
    let resources = if args.all { response.resources } else { response.resource.into_iter().collect() };
    for skipped in &response.skipped {
        crate::output::errln(format!("skipped {skipped}"));
    }
    if args.all && resources.is_empty() {
        crate::output::errln(format!("No {} found to adopt.", kind.plural));
    }
    for (i, pb) in resources.iter().enumerate() {
        let (_, resource) = read_resource(Some(pb))?;
        if args.dry_run {
            // what to commit: what the user owns, nothing the server fills in
            let mut manifest = resource.to_json();
            if let Some(metadata) = manifest.get_mut("metadata").and_then(|m| m.as_object_mut()) {
                metadata.retain(|k, _| matches!(k.as_str(), "name" | "namespace" | "labels" | "annotations"));
            }
            if let Some(object) = manifest.as_object_mut() {
                object.remove("status");
            }
            if i > 0 {
                out("---\n")?;
            }
            out(&to_yaml(&manifest))?;
        } else {
            outln(format!("{} adopted", qualified_name(kind, &resource.metadata.name)))?;
        }
    }
    Ok(ExitStatus::Success)
}

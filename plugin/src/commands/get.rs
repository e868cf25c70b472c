//! `get KIND [NAME] [-o wide|yaml|json|name] [-A]`: kubectl's `get`, for our kinds.

use chrono::Utc;
use sagemaker_core::Resource;
use sagemaker_proto::v1::{GetRequest, ListRequest};
use serde_json::Value;

use super::{find_kind, list_hint, located, read_resource, resource_ref};
use crate::{
    cli::{GetArgs, OutputFormat},
    connect::Session,
    error::{Error, ExitStatus, Result},
    output::{self, out, outln},
};

pub(super) async fn run(session: &Session, args: GetArgs) -> Result<ExitStatus> {
    let kind = find_kind(&args.kind)?;
    let namespace = &session.namespace;
    let agent = session.connect().await?;

    let (values, resources): (Vec<Value>, Vec<Resource>) = match &args.name {
        Some(name) => {
            let request = GetRequest {
                r#ref: Some(resource_ref(kind, namespace, name)),
            };
            let resource = agent.get(request).await.map_err(|s| {
                Error::agent(format!("cannot get {}", located(kind, namespace, name)), &s)
                    .or_hint(list_hint(kind, namespace))
            })?;
            let (value, envelope) = read_resource(Some(&resource))?;
            (vec![value], vec![envelope])
        }
        None => {
            let request = ListRequest {
                kind: kind.kind.to_string(),
                namespace: namespace.clone(),
                all_namespaces: args.all_namespaces,
            };
            let list = agent
                .list(request)
                .await
                .map_err(|s| Error::agent(format!("cannot list {}", kind.plural), &s))?;
            list.items
                .iter()
                .map(|item| read_resource(Some(item)))
                .collect::<Result<Vec<_>>>()?
                .into_iter()
                .unzip()
        }
    };

    match args.output {
        Some(OutputFormat::Json | OutputFormat::Yaml) => {
            // one named object prints bare; a listing prints as a List, even an empty one
            let value = match (&args.name, values) {
                (Some(_), mut values) if values.len() == 1 => values.remove(0),
                (_, values) => output::list_object(values),
            };
            let text = if args.output == Some(OutputFormat::Json) {
                output::to_json(&value)
            } else {
                output::to_yaml(&value)
            };
            out(&text)?;
        }
        Some(OutputFormat::Name | OutputFormat::Wide) | None if resources.is_empty() => {
            if args.all_namespaces {
                eprintln!("No resources found");
            } else {
                eprintln!("No resources found in {namespace} namespace.");
            }
        }
        Some(OutputFormat::Name) => {
            for r in &resources {
                outln(output::qualified_name(kind, &r.metadata.name))?;
            }
        }
        Some(OutputFormat::Wide) | None => {
            let wide = args.output == Some(OutputFormat::Wide);
            let table = output::resource_table(kind, &resources, wide, args.all_namespaces, Utc::now());
            out(&table.render())?;
        }
    }
    Ok(ExitStatus::Success)
}

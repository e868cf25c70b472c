//! `deploy -f FILE [--wait]`: put a model behind an endpoint from one file of
//! Model, EndpointConfig and Endpoint documents (or any served kinds).
//!
//! `kubectl apply -f` sends documents in file order, and ACK fails (then
//! retries) whatever names a resource not created yet. Here each document is
//! applied after the ones it names, from the kinds' declared dependencies,
//! in one request that the agent applies all or nothing.

use sagemaker_core::{KindInfo, kinds, manifest};
use serde_json::Value;

use super::{
    apply::{Options, apply_documents},
    dependency_depth,
};
use crate::{
    cli::DeployArgs,
    connect::Session,
    error::{ExitStatus, Result},
};

pub(super) async fn run(session: &Session, args: DeployArgs) -> Result<ExitStatus> {
    let documents = in_dependency_order(manifest::read_paths(std::slice::from_ref(&args.file))?);
    let options = Options {
        // what has an AWS status has something to wait for (the Endpoint);
        // the rest is done once applied
        follow: |kind| kind.statuses.field.is_some(),
        ..Options::of(&args.apply)
    };
    apply_documents(session, &documents, &options).await
}

/// The documents with every dependency before what names it; documents of
/// equal depth keep the file's order. A document of no known kind stays in
/// front, for the agent to refuse naming it.
fn in_dependency_order(mut documents: Vec<manifest::Document>) -> Vec<manifest::Document> {
    documents.sort_by_key(|d| kind_of(&d.value).map_or(0, dependency_depth));
    documents
}

fn kind_of(value: &Value) -> Option<&'static KindInfo> {
    let text = |key: &str| value.get(key).and_then(Value::as_str).unwrap_or_default();
    kinds::by_api_version(text("apiVersion"), text("kind"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds_and_names(documents: &[manifest::Document]) -> Vec<String> {
        documents
            .iter()
            .map(|d| {
                let text = |v: &Value| v.as_str().unwrap_or("?").to_string();
                format!("{}/{}", text(&d.value["kind"]), text(&d.value["metadata"]["name"]))
            })
            .collect()
    }

    #[test]
    fn dependencies_come_first_and_equals_keep_the_file_order() {
        let document = |kind: &str, name: &str| {
            format!("{{apiVersion: sagemaker.services.k8s.aws/v1alpha1, kind: {kind}, metadata: {{name: {name}}}}}\n")
        };
        let text = [("Endpoint", "ep"), ("EndpointConfig", "epc"), ("Model", "b"), ("Model", "a")]
            .iter()
            .map(|(kind, name)| document(kind, name))
            .chain(["{apiVersion: example.com/v1, kind: Widget, metadata: {name: w}}\n".to_string()])
            .collect::<Vec<_>>()
            .join("---\n");
        let documents = manifest::parse("deploy.yaml", &text).expect("parse");
        assert_eq!(
            kinds_and_names(&in_dependency_order(documents)),
            ["Model/b", "Model/a", "Widget/w", "EndpointConfig/epc", "Endpoint/ep"]
        );
    }
}

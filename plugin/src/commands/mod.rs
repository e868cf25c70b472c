//! One module per verb, and the little they share: looking kinds up and
//! reading the resources the agent sends.

mod apply;
mod delete;
mod describe;
mod get;
mod train;
mod version;
mod watch;

use sagemaker_core::{KindInfo, Resource, kinds};
use sagemaker_proto::v1::{self as proto, ResourceRef};
use serde_json::Value;

use crate::{
    cli::{Cli, Commands},
    connect::Session,
    error::{Error, ExitStatus, Result},
};

pub(crate) async fn run(cli: Cli) -> Result<ExitStatus> {
    let Cli { command, global } = cli;
    if let Commands::Version(args) = &command {
        // `version --client` must work without a kubeconfig or an agent
        return version::run(&global, args).await;
    }
    let session = Session::resolve(&global)?;
    match command {
        Commands::Train(args) => train::run(&session, args).await,
        Commands::Apply(args) => apply::run(&session, args).await,
        Commands::Get(args) => get::run(&session, args).await,
        Commands::Describe(args) => describe::run(&session, args).await,
        Commands::Delete(args) => delete::run(&session, args).await,
        Commands::Watch(args) => watch::run(&session, args).await,
        Commands::Version(_) => unreachable!("handled above"),
    }
}

/// Looks a kind up by any name kubectl would accept for it.
fn find_kind(name: &str) -> Result<&'static KindInfo> {
    kinds::find(name).ok_or_else(|| Error::UnknownKind(name.to_string()))
}

/// One kind and the names asked for (none: every resource of the kind).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Targets {
    pub kind: &'static KindInfo,
    pub names: Vec<String>,
}

/// Reads kubectl's two forms: `KIND [NAME...]` and `KIND/NAME...` (kinds
/// grouped in the order given).
fn find_targets(args: &[String]) -> Result<Vec<Targets>> {
    let Some(first) = args.first() else {
        return Err(Error::Usage("name a kind, e.g. `trainingjobs`".into()));
    };
    if !first.contains('/') {
        let kind = find_kind(first)?;
        if let Some(mixed) = args[1..].iter().find(|a| a.contains('/')) {
            return Err(Error::Usage(format!(
                "{mixed:?}: there is no need to give a kind twice; use `{} NAME...` or `KIND/NAME...`",
                kind.plural
            )));
        }
        return Ok(vec![Targets { kind, names: args[1..].to_vec() }]);
    }
    let mut out: Vec<Targets> = Vec::new();
    for arg in args {
        let Some((kind, name)) = arg.split_once('/').filter(|(k, n)| !k.is_empty() && !n.is_empty()) else {
            return Err(Error::Usage(format!(
                "{arg:?}: use KIND/NAME for every argument (or `KIND NAME...`)"
            )));
        };
        let kind = find_kind(kind)?;
        match out.iter_mut().find(|t| t.kind == kind) {
            Some(t) => t.names.push(name.to_string()),
            None => out.push(Targets { kind, names: vec![name.to_string()] }),
        }
    }
    Ok(out)
}

/// A reference the agent understands.
fn resource_ref(kind: &KindInfo, namespace: &str, name: &str) -> ResourceRef {
    ResourceRef {
        kind: kind.kind.to_string(),
        namespace: namespace.to_string(),
        name: name.to_string(),
        qualified_kind: String::new(),
    }
}

/// A resource from the agent, both as it was sent (for `-o json|yaml`) and
/// as the envelope (for tables).
fn read_resource(resource: Option<&proto::Resource>) -> Result<(Value, Resource)> {
    let json = resource.map(|r| r.json.as_str()).unwrap_or("{}");
    let value: Value = serde_json::from_str(json).map_err(Error::BadResource)?;
    let envelope = serde_json::from_value(value.clone()).map_err(Error::BadResource)?;
    Ok((value, envelope))
}

/// Where a resource is, for messages: `trainingjob.sagemaker.services.k8s.aws/x in namespace ml`.
fn located(kind: &KindInfo, namespace: &str, name: &str) -> String {
    format!(
        "{} in namespace {namespace}",
        crate::output::qualified_name(kind, name)
    )
}

/// The fallback hint for a resource the agent does not have.
fn list_hint(kind: &KindInfo, namespace: &str) -> String {
    format!(
        "`kubectl sagemaker get {} -n {namespace}` lists what exists",
        kind.plural
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|a| a.to_string()).collect()
    }

    #[test]
    fn kind_and_names_are_read_in_both_of_kubectls_forms() {
        let t = find_targets(&strings(&["tj", "a", "b"])).expect("kind names");
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].names, ["a", "b"]);
        let t = find_targets(&strings(&["tj/a", "trainingjobs/b"])).expect("kind/name");
        assert_eq!((t.len(), t[0].names.clone()), (1, strings(&["a", "b"])));
        assert!(find_targets(&strings(&["tj"])).expect("kind").iter().all(|t| t.names.is_empty()));
        assert!(matches!(find_targets(&strings(&["tj/a", "b"])), Err(Error::Usage(_))));
        assert!(matches!(find_targets(&strings(&["tj", "tj/a"])), Err(Error::Usage(_))));
        assert!(matches!(find_targets(&strings(&["tj/"])), Err(Error::Usage(_))));
    }
}

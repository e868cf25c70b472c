//! One module per verb, and the little they share: looking kinds up, reading
//! the resources the agent sends, going on past a failed name, and the order
//! the kinds depend on each other in.

mod apply;
mod adopt;
mod autoscale;
mod clusters;
mod delete;
mod deploy;
mod describe;
mod doctor;
mod get;
mod install;
mod logs;
mod stop;
mod train;
mod version;
mod watch;

use sagemaker_core::{KindInfo, Resource, kinds};
use sagemaker_proto::v1::{self as proto, ListRequest, ResourceRef};
use serde_json::Value;

use self::watch::Target;
use crate::{
    cli::{Cli, Commands, GlobalArgs},
    connect::{Agent, Session},
    error::{Error, ExitStatus, Result},
    kubeconfig::Kubeconfigs,
};

pub(crate) async fn run(cli: Cli) -> Result<ExitStatus> {
    let Cli { command, global } = cli;
    if let Commands::Version(args) = &command
        && args.client
    {
        // `version --client` must work without a kubeconfig or an agent
        return version::client();
    }
    if let Commands::Completion(args) = &command {
        crate::output::out(crate::complete::script(&args.shell).unwrap_or_default())?;
        return Ok(ExitStatus::Success);
    }
    let kubeconfigs = Kubeconfigs::load(global.kubeconfig.as_deref())?;
    let every = matches!(command, Commands::Clusters(_)) && global.agent.is_none();
    let contexts = select_contexts(&global, &kubeconfigs, every)?;
    if contexts.len() > 1 {
        // what names one cluster's agent or credentials must not go to every cluster
        let one_cluster = [
            (global.agent.as_deref().is_some_and(|a| !a.trim().is_empty()), "--agent (or KUBECTL_SAGEMAKER_AGENT) names one agent"),
            (global.token.as_deref().is_some_and(|t| !t.is_empty()), "--token (or KUBECTL_SAGEMAKER_TOKEN) is one cluster's credential"),
            (global.cluster.is_some(), "--cluster names one API server"),
            (global.user.is_some(), "--user names one cluster's credentials"),
        ];
        if let Some((_, what)) = one_cluster.iter().find(|(set, _)| *set) {
            return Err(Error::Usage(format!(
                "{what}; with several contexts each uses its own (pick one context, or unset it)"
            )));
        }
    }
    let resolved =
        futures::future::join_all(contexts.iter().map(|c| Session::resolve(&global, &kubeconfigs, c.as_deref()))).await;
    let (sessions, status) = match resolved.len() {
        1 => (vec![resolved.into_iter().next().expect("one")?], ExitStatus::Success),
        // a context that cannot be used is one failed cluster, not a failed command
        _ => {
            let mut status = ExitStatus::Success;
            let mut sessions = Vec::new();
            for (context, session) in contexts.iter().zip(resolved) {
                match session {
                    Ok(session) => sessions.push(session),
                    Err(err) => {
                        crate::output::err(&crate::error::render_in(context.as_deref(), &err));
                        status = worst(status, err.exit_status());
                    }
                }
            }
            (sessions, status)
        }
    };
    if sessions.is_empty() {
        return Ok(status);
    }
    let ran = match (sessions.as_slice(), command) {
        (many, Commands::Clusters(args)) => clusters::run(many, args).await?,
        // several clusters' resources in one table, with a CLUSTER column
        (many, Commands::Get(args)) if !args.watch => get::run(many, args).await?,
        ([one], command) => run_in(one, command).await?,
        (many, command) => fan_out(many, command).await,
    };
    Ok(worst(status, ran))
}

/// Runs `command` in one cluster.
async fn run_in(session: &Session, command: Commands) -> Result<ExitStatus> {
    match command {
        Commands::Train(args) => train::run(session, args, &kinds::TRAINING_JOB, "train").await,
        Commands::Tune(args) => train::run(session, args, &kinds::HYPER_PARAMETER_TUNING_JOB, "tune").await,
        Commands::Transform(args) => train::run(session, args, &kinds::TRANSFORM_JOB, "transform").await,
        Commands::Process(args) => train::run(session, args, &kinds::PROCESSING_JOB, "process").await,
        Commands::Deploy(args) => deploy::run(session, args).await,
        Commands::Autoscale(args) => autoscale::run(session, args).await,
        Commands::Apply(args) => apply::run(session, args).await,
        Commands::Get(args) => get::run(std::slice::from_ref(session), args).await,
        Commands::Describe(args) => describe::run(session, args).await,
        Commands::Stop(args) => stop::run(session, args).await,
        Commands::Adopt(args) => adopt::run(session, args).await,
        Commands::Delete(args) => delete::run(session, args).await,
        Commands::Watch(args) => watch::run(session, args).await,
        Commands::Logs(args) => logs::run(session, args).await,
        Commands::Install(args) => install::install(session, args).await,
        Commands::Doctor => doctor::run(session).await,
        // answered before any session is made
        Commands::Completion(_) => Ok(ExitStatus::Success),
        Commands::Uninstall(args) => install::uninstall(session, args).await,
        Commands::Version(args) => version::run(session, &args).await,
        Commands::Clusters(args) => clusters::run(std::slice::from_ref(session), args).await,
    }
}

/// Runs `command` in every cluster at once (the same manifests applied to
/// each, `--wait` following all), each line printed prefixed with
/// `[context] `. One cluster failing does not stop the others; the exit
/// status is the worst of them, and stderr says which cluster failed and why.
async fn fan_out(sessions: &[Session], command: Commands) -> ExitStatus {
    let runs = sessions.iter().map(|session| {
        let command = command.clone();
        crate::output::prefixed(format!("[{}] ", session.context_name()), async move {
            match run_in(session, command).await {
                Ok(status) => status,
                Err(err) if err.is_broken_pipe() => ExitStatus::Success,
                Err(err) => {
                    crate::output::err(&crate::error::render(&err));
                    err.exit_status()
                }
            }
        })
    });
    futures::future::join_all(runs).await.into_iter().fold(ExitStatus::Success, worst)
}

/// The contexts to work on: those `--context` names, `--context-selector`
/// matches and `--all-contexts` adds (each once: named ones in the order
/// given, the others in the kubeconfig's), or, when none is picked, the
/// current one (`None`) unless `every_by_default`.
fn select_contexts(global: &GlobalArgs, kubeconfigs: &Kubeconfigs, every_by_default: bool) -> Result<Vec<Option<String>>> {
    let names = kubeconfigs.names();
    let mut picked: Vec<String> = Vec::new();
    let mut pick = |name: &String| {
        if !picked.contains(name) {
            picked.push(name.clone());
        }
    };
    for name in global.context.iter().filter(|c| !c.is_empty()) {
        if !names.contains(name) {
            return Err(Error::UnknownContext(name.clone()));
        }
        pick(name);
    }
    if let Some(selector) = &global.context_selector {
        let matching: Vec<&String> = names.iter().filter(|n| selector.is_match(n)).collect();
        if matching.is_empty() {
            return Err(Error::Usage(format!(
                "no context of the kubeconfig matches {:?}; its contexts are: {}",
                selector.as_str(),
                names.join(", ")
            )));
        }
        matching.into_iter().for_each(&mut pick);
    }
    let none_named = global.context.is_empty() && global.context_selector.is_none();
    if global.all_contexts || (every_by_default && none_named) {
        names.iter().for_each(&mut pick);
    }
    Ok(if picked.is_empty() { vec![None] } else { picked.into_iter().map(Some).collect() })
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

/// `KIND NAME...` or `KIND/NAME...` for a verb that needs names (`delete`,
/// `stop`): one target per name, in the session's namespace.
fn named_targets(namespace: &str, args: &[String], verb: &str) -> Result<Vec<Target>> {
    let mut out = Vec::new();
    for t in find_targets(args)? {
        if t.names.is_empty() {
            return Err(Error::Usage(format!(
                "name the {} to {verb}: `{verb} {} NAME...`",
                t.kind.plural, t.kind.plural
            )));
        }
        out.extend(t.names.into_iter().map(|name| Target {
            kind: t.kind,
            namespace: namespace.to_string(),
            name,
        }));
    }
    Ok(out)
}

/// Does `one` to every target in turn and goes on past a failure, as kubectl
/// does: each failure is printed, and the exit status says one failed. Also
/// gives the targets `one` answered true for (those with work still going on).
async fn each(targets: Vec<Target>, one: impl AsyncFn(&Target) -> Result<bool>) -> (ExitStatus, Vec<Target>) {
    let mut status = ExitStatus::Success;
    let mut going = Vec::new();
    for target in targets {
        match one(&target).await {
            Ok(true) => going.push(target),
            Ok(false) => {}
            Err(err) => {
                crate::output::err(&crate::error::render(&err));
                status = worst(status, err.exit_status());
            }
        }
    }
    (status, going)
}

/// The exit status that says more: an error over a failure over a success.
fn worst(a: ExitStatus, b: ExitStatus) -> ExitStatus {
    let rank = |s| match s {
        ExitStatus::Success => 0,
        ExitStatus::Failure => 1,
        ExitStatus::Error => 2,
    };
    if rank(b) > rank(a) { b } else { a }
}

/// How deep a kind sits in the graph of what names what: 0 for a kind that
/// names no other, else one more than the deepest kind it names (Model 0,
/// EndpointConfig 1, Endpoint 2). Applying in rising depth applies every
/// dependency before what names it; deleting in falling depth, the reverse.
/// The recursion ends: the table is made of consts, which cannot refer to
/// themselves in a cycle.
fn dependency_depth(kind: &KindInfo) -> usize {
    kind.depends_on
        .iter()
        .map(|d| dependency_depth(d.kind) + 1)
        .max()
        .unwrap_or(0)
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

/// The resources of one kind in a namespace (or in all), each as it was sent
/// and as the envelope.
async fn list(
    agent: &Agent,
    kind: &KindInfo,
    namespace: &str,
    all_namespaces: bool,
    selector: &str,
) -> Result<Vec<(Value, Resource)>> {
    let request = ListRequest {
        kind: kind.kind.to_string(),
        namespace: namespace.to_string(),
        all_namespaces,
        label_selector: selector.to_string(),
    };
    let list = agent
        .list(request)
        .await
        .map_err(|s| Error::agent(format!("cannot list {}", kind.plural), &s))?;
    list.items.iter().map(|item| read_resource(Some(item))).collect()
}

/// The names of `kind` in `namespace` (for completion).
pub(crate) async fn list_names(agent: &Agent, kind: &'static KindInfo, namespace: &str) -> Result<Vec<String>> {
    Ok(list(agent, kind, namespace, false, "").await?.into_iter().map(|(_, r)| r.metadata.name).collect())
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

    #[test]
    fn every_dependency_of_a_kind_is_shallower_than_the_kind() {
        for kind in kinds::KINDS {
            for dependency in kind.depends_on {
                assert!(dependency_depth(dependency.kind) < dependency_depth(kind), "{}", kind.kind);
            }
        }
        let depth = |name| kinds::find(name).map(dependency_depth);
        assert_eq!((depth("models"), depth("epc"), depth("ep")), (Some(0), Some(1), Some(2)));
    }

    #[test]
    fn delete_and_stop_need_a_name_for_every_kind() {
        let targets = named_targets("ml", &strings(&["tj", "a", "b"]), "stop").expect("names");
        let names: Vec<_> = targets.iter().map(|t| (t.namespace.as_str(), t.name.as_str())).collect();
        assert_eq!(names, [("ml", "a"), ("ml", "b")]);
        match named_targets("ml", &strings(&["tj"]), "stop") {
            Err(Error::Usage(message)) => {
                assert_eq!(message, "name the trainingjobs to stop: `stop trainingjobs NAME...`")
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}

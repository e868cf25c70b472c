//! `get KIND [NAME...] | KIND/NAME... | all [-o FORMAT] [-A] [-l SELECTOR]
//! [--no-headers] [--show-labels] [-w]`: kubectl's `get`, for our kinds.

use chrono::Utc;
use futures::StreamExt as _;
use sagemaker_core::{KindInfo, Resource, kinds};
use sagemaker_proto::v1::{EventType, GetRequest, WatchRequest};
use serde_json::Value;
use tonic::Code;

use super::{Targets, find_targets, list, list_hint, located, read_resource, resource_ref, worst};
use crate::{
    cli::{GetArgs, OutputFormat},
    connect::{Agent, Session},
    error::{Error, ExitStatus, Result},
    jsonpath::{CustomColumns, Template},
    output::{self, TableOptions, errln, out, outln},
};

pub(super) async fn run(sessions: &[Session], args: GetArgs) -> Result<ExitStatus> {
    let all = args.args.first().is_some_and(|a| a.eq_ignore_ascii_case("all"));
    if all && args.args.len() > 1 {
        return Err(Error::Usage(
            "`get all` takes no names; name a kind to get resources by name, e.g. `get endpoints NAME`".into(),
        ));
    }
    if all && args.watch {
        return Err(Error::Usage("`get all` cannot watch; watch one kind, e.g. `get endpoints -w`".into()));
    }
    let targets = if all { Vec::new() } else { find_targets(&args.args)? };
    if args.selector.is_some() && targets.iter().any(|t| !t.names.is_empty()) {
        return Err(Error::Usage("a selector (-l) cannot be combined with names".into()));
    }
    let mut printer = Printer::new(&args);
    if let (true, Printer::Table(options)) = (all, &mut printer) {
        // tables of several kinds follow each other: say which kind each name is
        options.qualified = true;
    }
    let (clusters, mut status) = Clusters::connect(sessions).await;
    if clusters.agents.is_empty() {
        // nothing was asked: print nothing (not an empty List a script would take for "none")
        return Ok(status);
    }
    let targets = if all {
        served_kinds(&clusters).into_iter().map(|kind| Targets { kind, names: Vec::new() }).collect()
    } else {
        targets
    };
    // `get all` prints what exists, kind after kind; `get KIND` prints each
    // kind asked for (an empty List for `-o json`), and says when nothing exists
    let mut printed = false;
    let mut lists = Vec::new();
    for target in &targets {
        let found = clusters.fetch(&args, target).await;
        status = worst(status, found.status);
        if all && found.resources.is_empty() {
            continue;
        }
        if all && !matches!(printer, Printer::Table(_) | Printer::Name) {
            lists.extend(found.values);
            printed = true;
            continue;
        }
        let blank = if all { matches!(printer, Printer::Table(_)) } else { printer.is_table() };
        if printed && blank && !found.resources.is_empty() {
            outln("")?;
        }
        printed |= !found.resources.is_empty();
        let single = !all && target.names.len() == 1 && found.values.len() == 1;
        printer.print(target.kind, &found, single, args.all_namespaces, !args.no_headers)?;
    }
    if all && !matches!(printer, Printer::Table(_) | Printer::Name) {
        printer.print_values(&lists, false, !args.no_headers)?;
    }
    if !printed && printer.is_table() && status == ExitStatus::Success {
        match (args.all_namespaces, sessions) {
            (false, [one]) => errln(format!("No resources found in {} namespace.", one.namespace)),
            _ => errln("No resources found"),
        }
    }
    if args.watch
        && let ([target], [(session, agent)]) = (targets.as_slice(), clusters.agents.as_slice())
    {
        follow(agent, session, &args, target, &printer).await?;
    }
    Ok(status)
}

/// The agents of the clusters asked, connected at once.
struct Clusters<'a> {
    agents: Vec<(&'a Session, Agent)>,
    /// Whether resources are labelled with their cluster (several asked).
    labelled: bool,
}

/// What the clusters hold of one target, merged in the order of the clusters.
#[derive(Default)]
struct Found {
    values: Vec<Value>,
    resources: Vec<Resource>,
    /// Each resource's cluster, when labelled.
    clusters: Vec<String>,
    status: ExitStatus,
}

impl<'a> Clusters<'a> {
    /// Connects to every session's agent concurrently; one that cannot be
    /// reached is reported (naming its cluster) and left out.
    async fn connect(sessions: &'a [Session]) -> (Clusters<'a>, ExitStatus) {
        let labelled = sessions.len() > 1;
        let connected = futures::future::join_all(sessions.iter().map(|s| async move { (s, s.connect().await) })).await;
        let mut status = ExitStatus::Success;
        let mut agents = Vec::new();
        for (session, agent) in connected {
            match agent {
                Ok(agent) => agents.push((session, agent)),
                Err(err) => status = worst(status, report(session, labelled, &err)),
            }
        }
        (Clusters { agents, labelled }, status)
    }

    /// Lists or gets `target` in every cluster concurrently. What a cluster
    /// lacks or refuses is reported, and the others' results still printed.
    async fn fetch(&self, args: &GetArgs, target: &Targets) -> Found {
        let answers =
            futures::future::join_all(self.agents.iter().map(|(s, agent)| fetch(agent, s, args, target))).await;
        let mut found = Found::default();
        for ((session, _), answer) in self.agents.iter().zip(answers) {
            match answer {
                Ok((values, resources, missing)) => {
                    for err in &missing {
                        found.status = worst(found.status, report(session, self.labelled, err));
                    }
                    if self.labelled {
                        let cluster = session.context_name().to_string();
                        found.clusters.extend(resources.iter().map(|_| cluster.clone()));
                        found.values.extend(values.into_iter().map(|v| with_cluster(v, &cluster)));
                    } else {
                        found.values.extend(values);
                    }
                    found.resources.extend(resources);
                }
                Err(err) => found.status = worst(found.status, report(session, self.labelled, &err)),
            }
        }
        found
    }
}

/// Prints a cluster's error (naming the cluster when there are several) and
/// gives its exit status.
fn report(session: &Session, labelled: bool, err: &Error) -> ExitStatus {
    crate::output::err(&crate::error::render_in(labelled.then(|| session.context_name()), err));
    err.exit_status()
}

/// `value` with a `cluster` field saying which context it came from (JSON
/// and YAML output of several clusters).
fn with_cluster(mut value: Value, cluster: &str) -> Value {
    if let Value::Object(map) = &mut value {
        map.insert("cluster".into(), Value::String(cluster.to_string()));
    }
    value
}

/// The kinds any of the agents serves (every kind this plugin knows, for an
/// agent that does not say), in the order of the kinds table.
fn served_kinds(clusters: &Clusters<'_>) -> Vec<&'static KindInfo> {
    kinds::KINDS
        .iter()
        .copied()
        .filter(|k| {
            clusters.agents.iter().any(|(_, agent)| {
                let served = &agent.info.kinds;
                served.is_empty() || served.iter().any(|s| k.matches(s))
            })
        })
        .collect()
}

/// Named resources (the missing ones as errors, as kubectl goes on past
/// them), or the listing.
async fn fetch(
    agent: &Agent,
    session: &Session,
    args: &GetArgs,
    target: &Targets,
) -> Result<(Vec<Value>, Vec<Resource>, Vec<Error>)> {
    let (kind, namespace) = (target.kind, &session.namespace);
    let (mut values, mut resources, mut missing) = (Vec::new(), Vec::new(), Vec::new());
    if target.names.is_empty() {
        let selector = args.selector.as_deref().unwrap_or_default();
        let listed = list(agent, kind, namespace, args.all_namespaces, selector).await?;
        let (values, resources) = listed.into_iter().unzip();
        return Ok((values, resources, missing));
    }
    for name in &target.names {
        let request = GetRequest {
            r#ref: Some(resource_ref(kind, namespace, name)),
        };
        match agent.get(request).await {
            Ok(item) => {
                let (value, resource) = read_resource(Some(&item))?;
                values.push(value);
                resources.push(resource);
            }
            Err(s) if s.code() == Code::NotFound => {
                let err = Error::agent(format!("cannot get {}", located(kind, namespace, name)), &s);
                missing.push(err.or_hint(list_hint(kind, namespace)));
            }
            Err(s) => return Err(Error::agent(format!("cannot get {}", located(kind, namespace, name)), &s)),
        }
    }
    Ok((values, resources, missing))
}

/// `-w`: prints every later change the way the first output printed.
async fn follow(agent: &Agent, session: &Session, args: &GetArgs, target: &Targets, printer: &Printer) -> Result<()> {
    let kind = target.kind;
    let name = match target.names.as_slice() {
        [one] => one.clone(),
        _ => String::new(),
    };
    let request = WatchRequest {
        kind: kind.kind.to_string(),
        namespace: session.namespace.clone(),
        name,
        all_namespaces: args.all_namespaces,
        label_selector: args.selector.clone().unwrap_or_default(),
    };
    let what = kind.plural.to_string();
    let mut stream = agent
        .watch(request)
        .await
        .map_err(|s| Error::agent(format!("cannot watch {what}"), &s))?;
    // the stream starts with the current state, which was just printed
    let mut seen = std::collections::HashSet::new();
    while let Some(event) = stream.next().await {
        let event = event.map_err(|s| Error::agent(format!("lost the watch of {what}"), &s))?;
        let (value, resource) = read_resource(event.resource.as_ref())?;
        if !target.names.is_empty() && !target.names.contains(&resource.metadata.name) {
            continue;
        }
        if event.r#type == EventType::Added as i32 && seen.insert(resource.key()) {
            continue;
        }
        let found = Found { values: vec![value], resources: vec![resource], ..Found::default() };
        printer.print(kind, &found, true, args.all_namespaces, false)?;
    }
    Err(Error::WatchEnded { what })
}

/// One output format, its template parsed once.
enum Printer {
    Table(TableOptions),
    Yaml,
    Json,
    Name,
    JsonPath(Template),
    Columns(CustomColumns),
}

impl Printer {
    fn new(args: &GetArgs) -> Self {
        let options = TableOptions {
            wide: matches!(args.output, Some(OutputFormat::Wide)),
            all_namespaces: args.all_namespaces,
            show_labels: args.show_labels,
            qualified: false,
        };
        match &args.output {
            None | Some(OutputFormat::Wide) => Printer::Table(options),
            Some(OutputFormat::Yaml) => Printer::Yaml,
            Some(OutputFormat::Json) => Printer::Json,
            Some(OutputFormat::Name) => Printer::Name,
            Some(OutputFormat::JsonPath(t)) => Printer::JsonPath(t.clone()),
            Some(OutputFormat::CustomColumns(c)) => Printer::Columns(c.clone()),
        }
    }

    fn is_table(&self) -> bool {
        matches!(self, Printer::Table(_) | Printer::Columns(_))
    }

    /// Prints objects: one named object bare, several as a kubectl `List`.
    fn print(
        &self,
        kind: &KindInfo,
        found: &Found,
        single: bool,
        all_namespaces: bool,
        headers: bool,
    ) -> Result<()> {
        let Found { values, resources, clusters, .. } = found;
        match self {
            Printer::Table(options) => {
                if !resources.is_empty() {
                    let options = TableOptions { all_namespaces, ..*options };
                    out(&output::resource_table(kind, resources, clusters, options, Utc::now()).render_with(headers))?;
                }
            }
            Printer::Name => {
                for r in resources {
                    outln(output::qualified_name(kind, &r.metadata.name))?;
                }
            }
            _ => self.print_values(values, single, headers)?,
        }
        Ok(())
    }

    /// Prints objects in the formats that need only the objects, not their kind.
    fn print_values(&self, values: &[Value], single: bool, headers: bool) -> Result<()> {
        let root = || match values {
            [one] if single => one.clone(),
            _ => output::list_object(values.to_vec()),
        };
        match self {
            Printer::Table(_) | Printer::Name => {}
            Printer::Yaml if !values.is_empty() || !single => out(&output::to_yaml(&root()))?,
            Printer::Json if !values.is_empty() || !single => out(&output::to_json(&root()))?,
            Printer::Yaml | Printer::Json => {}
            Printer::JsonPath(template) => {
                out(&template.render(&root()).map_err(|e| Error::Template(e.to_string()))?)?;
            }
            Printer::Columns(columns) => {
                let mut table = output::Table::new(columns.headers());
                for value in values {
                    table.push(columns.row(value).map_err(|e| Error::Template(e.to_string()))?);
                }
                if !values.is_empty() {
                    out(&table.render_with(headers))?;
                }
            }
        }
        Ok(())
    }
}

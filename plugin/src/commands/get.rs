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
    output::{self, TableOptions, out, outln},
};

pub(super) async fn run(session: &Session, args: GetArgs) -> Result<ExitStatus> {
    if args.args.first().is_some_and(|a| a.eq_ignore_ascii_case("all")) {
        return all(session, &args).await;
    }
    let targets = find_targets(&args.args)?;
    if args.selector.is_some() && targets.iter().any(|t| !t.names.is_empty()) {
        return Err(Error::Usage("a selector (-l) cannot be combined with names".into()));
    }
    let printer = Printer::new(&args);
    let agent = session.connect().await?;
    let mut status = ExitStatus::Success;
    let mut printed = false;
    for target in &targets {
        let (values, resources, missing) = fetch(&agent, session, &args, target).await?;
        if !missing.is_empty() {
            status = ExitStatus::Failure;
        }
        if printed && printer.is_table() && !resources.is_empty() {
            outln("")?;
        }
        printed |= !resources.is_empty();
        let single = target.names.len() == 1 && values.len() == 1;
        printer.print(target.kind, &values, &resources, single, args.all_namespaces, !args.no_headers)?;
        if resources.is_empty() && missing.is_empty() && printer.is_table() {
            if args.all_namespaces {
                eprintln!("No resources found");
            } else {
                eprintln!("No resources found in {} namespace.", session.namespace);
            }
        }
        for err in missing {
            eprint!("{}", crate::error::render(&err));
        }
        if args.watch {
            follow(&agent, session, &args, target, &printer).await?;
        }
    }
    Ok(status)
}

/// `get all`: every kind the agent serves, as `kubectl get all` shows its
/// kinds: a table for each kind that has resources, named `kind.group/name`,
/// one after the other; `-o json|yaml` puts all of them in one `List`.
async fn all(session: &Session, args: &GetArgs) -> Result<ExitStatus> {
    if args.args.len() > 1 {
        return Err(Error::Usage(
            "`get all` takes no names; name a kind to get resources by name, e.g. `get endpoints NAME`".into(),
        ));
    }
    if args.watch {
        return Err(Error::Usage("`get all` cannot watch; watch one kind, e.g. `get endpoints -w`".into()));
    }
    let mut printer = Printer::new(args);
    if let Printer::Table(options) = &mut printer {
        options.qualified = true;
    }
    let agent = session.connect().await?;
    let mut status = ExitStatus::Success;
    let (mut values, mut found) = (Vec::new(), false);
    for kind in served_kinds(&agent) {
        let target = Targets { kind, names: Vec::new() };
        let (kind_values, resources) = match fetch(&agent, session, args, &target).await {
            Ok((values, resources, _)) => (values, resources),
            // one kind the user may not list does not hide the others
            Err(err) => {
                eprint!("{}", crate::error::render(&err));
                status = worst(status, err.exit_status());
                continue;
            }
        };
        if resources.is_empty() {
            continue;
        }
        match printer {
            Printer::Table(_) | Printer::Name => {
                if found && matches!(printer, Printer::Table(_)) {
                    outln("")?;
                }
                printer.print(kind, &kind_values, &resources, false, args.all_namespaces, !args.no_headers)?;
            }
            _ => values.extend(kind_values),
        }
        found = true;
    }
    if !matches!(printer, Printer::Table(_) | Printer::Name) {
        printer.print_values(&values, false, !args.no_headers)?;
    }
    if !found && printer.is_table() && status == ExitStatus::Success {
        if args.all_namespaces {
            eprintln!("No resources found");
        } else {
            eprintln!("No resources found in {} namespace.", session.namespace);
        }
    }
    Ok(status)
}

/// The kinds the agent says it serves (every kind this plugin knows, for an
/// agent that does not say), in the order of the kinds table.
fn served_kinds(agent: &Agent) -> Vec<&'static KindInfo> {
    let served = &agent.info.kinds;
    kinds::KINDS
        .iter()
        .copied()
        .filter(|k| served.is_empty() || served.iter().any(|s| k.matches(s)))
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
        printer.print(kind, &[value], &[resource], true, args.all_namespaces, false)?;
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
        values: &[Value],
        resources: &[Resource],
        single: bool,
        all_namespaces: bool,
        headers: bool,
    ) -> Result<()> {
        match self {
            Printer::Table(options) => {
                if !resources.is_empty() {
                    let options = TableOptions { all_namespaces, ..*options };
                    out(&output::resource_table(kind, resources, options, Utc::now()).render_with(headers))?;
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

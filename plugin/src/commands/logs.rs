//! `logs KIND NAME`: what a job or endpoint wrote, every stream merged in
//! time order, read by the agent (users need no AWS credentials); and the
//! same lines while `--wait --logs` follows what was applied.

use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use sagemaker_proto::v1::{LogLine, LogsRequest, LogsSource, logs_message::Item};
use tonic::Code;

use super::{find_targets, list_hint, located, resource_ref, watch::Target};
use crate::{
    cli::LogsArgs,
    connect::{Agent, Session},
    error::{Error, ExitStatus, Result},
    output::{errln, outln},
};

/// How long `--wait --logs` keeps printing after the wait ends: a job's
/// last lines land in CloudWatch after its status is final, and the agent
/// ends the stream once they had time to (an endpoint's never ends).
const AFTER_WAIT: Duration = Duration::from_secs(20);

pub(super) async fn run(session: &Session, args: LogsArgs) -> Result<ExitStatus> {
    let target = one_target(&session.namespace, &args.resource)?;
    let options = Options {
        follow: args.follow,
        since: args.since,
        tail: u64::try_from(args.tail).ok(),
        stream: args.stream.unwrap_or_default(),
        timestamps: args.timestamps,
        prefix: !args.no_prefix,
        label: None,
    };
    let agent = session.connect().await?;
    let printed = print(&agent, &target, &options).await?;
    if printed.lines == 0
        && let Some(source) = printed.source
    {
        errln(format!(
            "no logs{}: {} writes them to the CloudWatch Logs group {} (streams {}{}*) in account {}, region {}",
            if options.follow { "" } else { " yet" },
            located(target.kind, &target.namespace, &target.name),
            source.log_group,
            source.stream_prefix,
            options.stream,
            source.account,
            source.region,
        ));
    }
    Ok(ExitStatus::Success)
}

/// `KIND NAME` or `KIND/NAME`: exactly one resource.
fn one_target(namespace: &str, args: &[String]) -> Result<Target> {
    let targets = find_targets(args)?;
    match targets.as_slice() {
        [t] if t.names.len() == 1 => Ok(Target { kind: t.kind, namespace: namespace.to_string(), name: t.names[0].clone() }),
        [t] if t.names.is_empty() => Err(Error::Usage(format!("name the {} whose logs to print: `logs {} NAME`", t.kind.singular, t.kind.singular))),
        _ => Err(Error::Usage("name one resource: `logs KIND NAME` or `logs KIND/NAME`".into())),
    }
}

/// What to print and how.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    pub follow: bool,
    pub since: Option<Duration>,
    pub tail: Option<u64>,
    pub stream: String,
    pub timestamps: bool,
    /// Start each line with its stream.
    pub prefix: bool,
    /// Start each line with this too (the resource's name, when the logs of
    /// several are printed together).
    pub label: Option<String>,
}

/// What [`print`] printed.
pub(crate) struct Printed {
    pub lines: u64,
    pub source: Option<LogsSource>,
}

/// Prints the resource's lines until the agent ends the stream.
pub(crate) async fn print(agent: &Agent, target: &Target, options: &Options) -> Result<Printed> {
    let request = LogsRequest {
        r#ref: Some(resource_ref(target.kind, &target.namespace, &target.name)),
        follow: options.follow,
        since_seconds: options.since.map_or(0, |d| d.as_secs().max(1)),
        tail: options.tail,
        stream_prefix: options.stream.clone(),
    };
    let action = || format!("cannot read the logs of {}", located(target.kind, &target.namespace, &target.name));
    let mut stream = agent
        .logs(request)
        .await
        .map_err(|s| Error::agent(action(), &s).or_hint(list_hint(target.kind, &target.namespace)))?;
    let mut printed = Printed { lines: 0, source: None };
    while let Some(message) = stream.message().await.map_err(|s| Error::agent(action(), &s))? {
        match message.item {
            Some(Item::Source(source)) => printed.source = Some(source),
            Some(Item::Line(line)) => {
                outln(render(&line, options))?;
                printed.lines += 1;
            }
            None => {}
        }
    }
    Ok(printed)
}

/// One line: `[TIME ][LABEL/][STREAM ]MESSAGE`.
fn render(line: &LogLine, options: &Options) -> String {
    let mut out = String::new();
    if options.timestamps {
        let time = DateTime::<Utc>::from_timestamp_millis(line.timestamp_ms).unwrap_or_default();
        out.push_str(&time.to_rfc3339_opts(SecondsFormat::Millis, true));
        out.push(' ');
    }
    match (&options.label, options.prefix) {
        (Some(label), true) => out.push_str(&format!("{label}/{} ", line.stream)),
        (Some(label), false) => out.push_str(&format!("{label} ")),
        (None, true) => out.push_str(&format!("{} ", line.stream)),
        (None, false) => {}
    }
    out.push_str(line.message.trim_end_matches(['\n', '\r']));
    out
}

/// Prints the lines of every target that writes logs while `wait` runs, and
/// for a little while after it ends (a job's last lines land late); the
/// outcome is the wait's. A failure to read logs is reported, never fatal.
pub(crate) async fn during<T>(agent: &Agent, targets: &[Target], wait: impl Future<Output = T>) -> T {
    let label = targets.len() > 1;
    let all = futures::future::join_all(targets.iter().map(|t| async move {
        let options = Options {
            follow: true,
            since: None,
            tail: None,
            stream: String::new(),
            timestamps: false,
            prefix: true,
            label: label.then(|| t.name.clone()),
        };
        match print(agent, t, &options).await {
            Ok(_) => {}
            // a kind that writes no logs (a Model, an EndpointConfig)
            Err(Error::Agent { source, .. }) if source.code == Code::InvalidArgument => {}
            Err(e) => errln(format!("warning: {}", crate::error::render(&e).trim_end())),
        }
    }));
    let done = tokio::sync::Notify::new();
    let (outcome, ()) = tokio::join!(
        async {
            let outcome = wait.await;
            done.notify_one();
            outcome
        },
        async {
            tokio::select! {
                _ = all => {}
                _ = async { done.notified().await; tokio::time::sleep(AFTER_WAIT).await } => {}
            }
        }
    );
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line() -> LogLine {
        LogLine { stream: "algo-1-1700000000".into(), timestamp_ms: 1_700_000_000_123, message: "[1]#011train-loss:0.5\n".into() }
    }

    fn options() -> Options {
        Options { follow: false, since: None, tail: None, stream: String::new(), timestamps: false, prefix: true, label: None }
    }

    #[test]
    fn a_line_starts_with_its_stream_and_optionally_its_time_and_resource() {
        assert_eq!(render(&line(), &options()), "algo-1-1700000000 [1]#011train-loss:0.5");
        let o = Options { timestamps: true, prefix: false, ..options() };
        assert_eq!(render(&line(), &o), "2023-11-14T22:13:20.123Z [1]#011train-loss:0.5");
        let o = Options { label: Some("job-a".into()), ..options() };
        assert_eq!(render(&line(), &o), "job-a/algo-1-1700000000 [1]#011train-loss:0.5");
    }
}

//! `clusters [-o yaml|json]`: for each selected context (every context of
//! the kubeconfig unless some are picked), its agent's version, mode,
//! default region, AWS account, mapped accounts, health and round-trip
//! latency, asked of all of them at once.

use std::time::{Duration, Instant};

use sagemaker_proto::v1::{InfoRequest, InfoResponse};
use serde::Serialize;

use super::worst;
use crate::{
    cli::{ClustersArgs, DocumentFormat},
    connect::Session,
    error::{Error, ExitStatus, Result},
    output::{self, Table, out},
};

/// One cluster, as the table and `-o json|yaml` show it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct Cluster {
    context: String,
    agent: String,
    agent_version: String,
    api_version: String,
    mode: String,
    aws_backend: String,
    region: String,
    account: String,
    mapped_accounts: Vec<String>,
    /// `ok`, `unreachable` (no agent answered), `refused` (the agent would
    /// not serve the caller) or `failing` (it answered with an error).
    health: &'static str,
    /// The round trip of one call on an open connection.
    #[serde(skip_serializing_if = "Option::is_none")]
    latency_ms: Option<f64>,
}

pub(super) async fn run(sessions: &[Session], args: ClustersArgs) -> Result<ExitStatus> {
    let answers = futures::future::join_all(sessions.iter().map(ask)).await;
    let mut status = ExitStatus::Success;
    let mut clusters = Vec::new();
    let mut errors = Vec::new();
    for (cluster, error) in answers {
        if let Some(err) = error {
            status = worst(status, worst(ExitStatus::Failure, err.exit_status()));
            errors.push((cluster.context.clone(), err));
        }
        clusters.push(cluster);
    }
    match args.output {
        Some(DocumentFormat::Json) => out(&output::to_json(&serde_json::json!({ "clusters": clusters })))?,
        Some(DocumentFormat::Yaml) => out(&output::to_yaml(&serde_json::json!({ "clusters": clusters })))?,
        None => out(&table(&clusters).render())?,
    }
    for (context, err) in errors {
        output::err(&crate::error::render_in(Some(&context), &err));
    }
    Ok(status)
}

/// Connects to one cluster's agent and times a second call on the open
/// connection (the first pays for discovery, credentials and the handshake).
async fn ask(session: &Session) -> (Cluster, Option<Error>) {
    let mut cluster = Cluster {
        context: session.context_name().to_string(),
        agent: String::new(),
        agent_version: String::new(),
        api_version: String::new(),
        mode: String::new(),
        aws_backend: String::new(),
        region: String::new(),
        account: String::new(),
        mapped_accounts: Vec::new(),
        health: "unreachable",
        latency_ms: None,
    };
    let agent = match session.connect().await {
        Ok(agent) => agent,
        Err(err) => {
            if matches!(&err, Error::Agent { source, .. } if source.code == tonic::Code::Unauthenticated || source.code == tonic::Code::PermissionDenied)
            {
                cluster.health = "refused";
            }
            return (cluster, Some(err));
        }
    };
    cluster.agent = agent.url.clone();
    let started = Instant::now();
    let (info, error) = match agent.info(InfoRequest {}).await {
        Ok(info) => {
            cluster.latency_ms = Some(millis(started.elapsed()));
            cluster.health = "ok";
            (info, None)
        }
        Err(status) => {
            cluster.health = "failing";
            (agent.info.clone(), Some(Error::agent(format!("the agent at {} failed", agent.url), &status)))
        }
    };
    let InfoResponse { agent_version, mode, aws_backend, default_region, account_id, api_version, mapped_accounts, .. } = info;
    cluster.agent_version = agent_version;
    cluster.api_version = api_version;
    cluster.mode = mode;
    cluster.aws_backend = aws_backend;
    cluster.region = default_region;
    cluster.account = account_id;
    cluster.mapped_accounts = mapped_accounts;
    (cluster, error)
}

fn millis(d: Duration) -> f64 {
    (d.as_secs_f64() * 10_000.0).round() / 10.0
}

fn table(clusters: &[Cluster]) -> Table {
    let or_none = |s: &str| if s.is_empty() { "<none>".to_string() } else { s.to_string() };
    let mut table =
        Table::new(["CONTEXT", "VERSION", "MODE", "REGION", "ACCOUNT", "MAPPED ACCOUNTS", "HEALTH", "LATENCY", "AGENT"]);
    for c in clusters {
        table.push(vec![
            c.context.clone(),
            or_none(&c.agent_version),
            or_none(&c.mode),
            or_none(&c.region),
            or_none(&c.account),
            or_none(&c.mapped_accounts.join(",")),
            c.health.to_string(),
            c.latency_ms.map(|ms| format!("{ms}ms")).unwrap_or_else(|| "<none>".into()),
            or_none(&c.agent),
        ]);
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_shows_a_missing_value_as_none_and_latency_in_milliseconds() {
        let ok = Cluster {
            context: "prod".into(),
            agent: "http://127.0.0.1:50051".into(),
            agent_version: "0.1.0".into(),
            api_version: "v1".into(),
            mode: "kubernetes".into(),
            aws_backend: "aws".into(),
            region: "us-east-1".into(),
            account: "123456789012".into(),
            mapped_accounts: vec!["111111111111".into(), "222222222222".into()],
            health: "ok",
            latency_ms: Some(millis(Duration::from_micros(2345))),
        };
        let down = Cluster { context: "dev".into(), health: "unreachable", latency_ms: None, ..ok.clone() };
        let text = table(&[ok, down]).render();
        let lines: Vec<Vec<&str>> = text.lines().map(|l| l.split_whitespace().collect()).collect();
        assert_eq!(
            lines[1],
            ["prod", "0.1.0", "kubernetes", "us-east-1", "123456789012", "111111111111,222222222222", "ok", "2.3ms", "http://127.0.0.1:50051"]
        );
        assert_eq!(lines[2][0], "dev");
        assert_eq!(lines[2][6..8], ["unreachable", "<none>"]);
    }
}

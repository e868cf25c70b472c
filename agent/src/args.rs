//! Command-line flags and the wiring of store, AWS backend, engine and server.

use std::{net::SocketAddr, path::PathBuf, sync::Arc, time::Duration};

use clap::{Parser, Subcommand, ValueEnum};
use tracing_subscriber::EnvFilter;

use crate::{
    auth::TokenFile,
    aws::{Aws, Backend, sdk::SdkBackend, sim::Simulator},
    engine::{Engine, Settings},
    error::{Error, Result},
    grpc::{AgentInfo, AgentService},
    store::{
        Store,
        embedded::{DataDirLock, EmbeddedStore},
        kube::KubeStore,
    },
};

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// One line of text per event; coloured only on a terminal.
    Text,
    /// One JSON object per event, with the span's fields (for log collectors).
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AwsBackend {
    /// The built-in SageMaker simulator (no AWS needed).
    Sim,
    /// Real AWS through the SDK's default credential chain.
    Aws,
}

/// Reconciles ACK-compatible SageMaker resources and serves `kubectl sagemaker`.
#[derive(Debug, Parser)]
#[command(name = "sagemaker-agent", version, args_conflicts_with_subcommands = true)]
pub struct Args {
    #[command(subcommand)]
    command: Option<Command>,

    /// Run without Kubernetes: desired state lives in an embedded store under --data-dir.
    #[arg(long)]
    standalone: bool,
    /// Where standalone mode keeps its state (and the simulator's).
    #[arg(long, env = "SAGEMAKER_AGENT_DATA_DIR", default_value = ".sagemaker-agent")]
    data_dir: PathBuf,
    /// gRPC listen address. Standalone mode refuses a non-loopback address
    /// unless callers must authenticate (--token-file or --tls-client-ca).
    #[arg(long, default_value = "127.0.0.1:50051")]
    listen: SocketAddr,
    /// Serve /metrics (Prometheus), /healthz, /readyz and /loglevel over
    /// plain HTTP on this address, e.g. 0.0.0.0:8080 [default: not served].
    #[arg(long, value_name = "ADDR")]
    metrics_addr: Option<SocketAddr>,
    /// Callers must send this file's content as `authorization: Bearer`
    /// (the plugin's --token); checked on every call, re-read when it changes.
    #[arg(long, value_name = "FILE")]
    token_file: Option<PathBuf>,
    /// Serve gRPC over TLS with this certificate chain (PEM), read again whenever it (or the key) changes.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The private key (PEM) of --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Require client certificates signed by this CA (PEM).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_client_ca: Option<PathBuf>,
    /// Which AWS to talk to; standalone defaults to the simulator.
    #[arg(long, value_enum)]
    aws_backend: Option<AwsBackend>,
    /// Send every AWS call to this endpoint (an emulator such as moto).
    #[arg(long, env = "AWS_ENDPOINT_URL")]
    aws_endpoint_url: Option<String>,
    /// Default region for resources that do not name one.
    #[arg(long, env = "AWS_REGION")]
    aws_region: Option<String>,
    /// Attempts per AWS call, including the first (the SDK's own retries).
    #[arg(long, default_value_t = 3)]
    aws_max_attempts: u32,
    /// AWS calls per second per account, at most.
    #[arg(long, default_value_t = 5.0)]
    aws_max_rps: f64,
    /// Kubeconfig to use outside a cluster (in a cluster the pod's service account is used).
    #[arg(long, env = "KUBECONFIG")]
    kubeconfig: Option<PathBuf>,
    /// Kubeconfig context.
    #[arg(long)]
    context: Option<String>,
    /// Manage the resources of this namespace only (ACK's flag): lists and
    /// watches stay in it, and applies to other namespaces are refused.
    #[arg(long, value_name = "NS", conflicts_with = "standalone")]
    watch_namespace: Option<String>,
    /// Of several replicas, only the holder of the Lease --leader-election-lease
    /// in the agent's namespace reconciles; the others serve the plugin and
    /// take over when it stops (Kubernetes mode).
    #[arg(long, alias = "enable-leader-election", conflicts_with = "standalone")]
    leader_elect: bool,
    /// The Lease leader election uses.
    #[arg(long, default_value = "sagemaker-agent", value_name = "NAME")]
    leader_election_lease: String,
    /// How long a leader's lease lasts without renewal (a takeover waits this long).
    #[arg(long, default_value = "15s", value_parser = parse_duration, value_name = "DURATION")]
    leader_election_duration: Duration,
    /// How often the leader renews its lease (and followers look at it).
    #[arg(long, default_value = "5s", value_parser = parse_duration, value_name = "DURATION")]
    leader_election_renew: Duration,
    /// First status poll after a change, e.g. 10s.
    #[arg(long, value_parser = parse_duration)]
    poll_min: Option<Duration>,
    /// How long `logs -f` keeps reading after a job has ended, for its last
    /// lines to land in CloudWatch [default: 10s; 0 with the simulator].
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    logs_settle: Option<Duration>,
    /// Longest poll interval while a resource is changing, e.g. 60s.
    #[arg(long, value_parser = parse_duration)]
    poll_max: Option<Duration>,
    /// Where the agent's own objects live (ACK's `ack-role-account-map`):
    /// in a cluster the pod's namespace, outside one ack-system.
    #[arg(long)]
    agent_namespace: Option<String>,
    /// Standalone: the account-to-role map (CARM) as a YAML file of
    /// `"111111111111": arn:aws:iam::111111111111:role/NAME` entries (or
    /// `{roleARN, externalID}`), read on every use.
    #[arg(long)]
    role_account_map: Option<PathBuf>,
    /// Tags on everything the agent creates (besides its owner tag), as
    /// `key=value,...` with ACK's placeholders %CONTROLLER_SERVICE%,
    /// %CONTROLLER_VERSION%, %K8S_NAMESPACE%, %K8S_RESOURCE_NAME%,
    /// %K8S_RESOURCE_KIND% and %MANAGED_BY%; a tag whose value is empty is left out.
    #[arg(long, default_value = crate::engine::reconcile::DEFAULT_RESOURCE_TAGS, value_parser = crate::engine::reconcile::parse_resource_tags)]
    resource_tags: std::vec::Vec<(String, String)>,
    /// What deleting a resource does to its AWS resource where neither the
    /// resource (`services.k8s.aws/deletion-policy`) nor its namespace
    /// (`<group>/deletion-policy`) says: delete it, or retain it.
    #[arg(long, default_value = "delete", value_parser = ["delete", "retain"])]
    deletion_policy: String,
    /// Session tags on the roles the agent assumes for other accounts (CARM,
    /// IAMRoleSelector), for IAM conditions on aws:PrincipalTag and for
    /// CloudTrail: `namespace` tags each session `kubernetes-namespace` (one
    /// session per namespace and role); `resource` adds
    /// `kubernetes-resource-kind` and `kubernetes-resource-name` (one session
    /// per resource). Each also names the session after what it acts for.
    /// The roles' trust policies must allow sts:TagSession.
    #[arg(long, value_enum, default_value = "none")]
    session_tags: crate::placement::SessionTags,
    /// How often a steady resource of KIND is described again, to notice
    /// changes made outside Kubernetes: KIND=DURATION, e.g. Endpoint=1m
    /// (repeatable; ACK's --reconcile-resource-resync-seconds). Defaults:
    /// Endpoint 5m, other long-lived kinds 10m; finished jobs never.
    #[arg(long, value_parser = parse_resync)]
    resync: Vec<(String, Duration)>,
    /// Simulator: time per training status step, e.g. 2s.
    #[arg(long, value_parser = parse_duration, default_value = "2s")]
    sim_step: Duration,
    /// Simulator: the account the agent's own credentials belong to.
    #[arg(long, default_value = "123456789012")]
    sim_account: String,
    /// Log filter (tracing's EnvFilter syntax).
    #[arg(long, env = "SAGEMAKER_AGENT_LOG", default_value = "info")]
    log_level: String,
    /// Log line format.
    #[arg(long, env = "SAGEMAKER_AGENT_LOG_FORMAT", value_enum, default_value = "text")]
    log_format: LogFormat,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the CustomResourceDefinitions of every kind as YAML.
    Crds,
    /// Print the RBAC of the agent (its ServiceAccount in ack-system) and of its users as YAML.
    Rbac,
    /// Print everything that installs the agent (CRDs, RBAC, Deployment, Service) as YAML.
    InstallManifests,
}

/// `Endpoint=1m`: a served kind (any name kubectl accepts) and a duration.
fn parse_resync(s: &str) -> std::result::Result<(String, Duration), String> {
    let (kind, duration) = s.split_once('=').ok_or_else(|| format!("{s:?} is not KIND=DURATION, e.g. Endpoint=1m"))?;
    let info = sagemaker_core::kinds::find(kind).ok_or_else(|| format!("{kind:?} is not a kind this agent serves"))?;
    Ok((info.kind.to_string(), parse_duration(duration)?))
}

/// `10s`, `2m`, `1h`, `500ms` or plain seconds.
pub fn parse_duration(s: &str) -> std::result::Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = s.find(|c: char| c.is_ascii_alphabetic()).map(|i| s.split_at(i)).unwrap_or((s, "s"));
    let n: f64 = num.parse().map_err(|_| format!("{s:?} is not a duration like 10s, 2m or 500ms"))?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => return Err(format!("{s:?}: unknown unit {unit:?}; use ms, s, m or h")),
    };
    Duration::try_from_secs_f64(secs).map_err(|e| e.to_string())
}

impl Args {
    pub async fn run(self) -> Result<()> {
        let printed = match self.command {
            Some(Command::Crds) => Some(crate::crd::all()),
            Some(Command::Rbac) => Some(crate::access::all()),
            Some(Command::InstallManifests) => {
                Some([crate::crd::all(), crate::access::all(), crate::deploy::all()].concat())
            }
            None => None,
        };
        if let Some(files) = printed {
            for (_, yaml) in files {
                println!("---\n{yaml}");
            }
            return Ok(());
        }
        let log_level = init_logging(&self.log_level, self.log_format);

        let backend_kind = self.aws_backend.unwrap_or(if self.standalone { AwsBackend::Sim } else { AwsBackend::Aws });
        let region = match (&self.aws_region, backend_kind) {
            (Some(r), _) => r.clone(),
            (None, AwsBackend::Sim) => "us-east-1".to_string(),
            (None, AwsBackend::Aws) => {
                return Err(Error::Startup("no default region: pass --aws-region or set AWS_REGION".into()));
            }
        };
        // off loopback, callers must prove who they are, and a token must
        // not cross the network in clear
        let token_over_tls = self.token_file.is_some() && self.tls_cert.is_some();
        if self.standalone && !self.listen.ip().is_loopback() && !token_over_tls && self.tls_client_ca.is_none() {
            return Err(Error::Unprotected { listen: self.listen });
        }
        // held until the process ends: one agent per data dir
        let _lock = if self.standalone {
            std::fs::create_dir_all(&self.data_dir).map_err(|e| {
                Error::Startup(format!("cannot create data dir {}: {e}", self.data_dir.display()))
            })?;
            Some(DataDirLock::acquire(&self.data_dir)?)
        } else {
            None
        };
        let backend: Arc<dyn Backend> = match backend_kind {
            AwsBackend::Sim => {
                let dir = self.standalone.then(|| self.data_dir.clone());
                Arc::new(Simulator::new(&self.sim_account, self.sim_step, dir).map_err(|e| {
                    Error::Startup(format!("cannot load the simulator state from {}: {e}", self.data_dir.display()))
                })?)
            }
            AwsBackend::Aws => {
                Arc::new(SdkBackend::new(&region, self.aws_endpoint_url.as_deref(), self.aws_max_attempts).await)
            }
        };
        let metrics = crate::metrics::Shared::default();
        let aws = Arc::new(Aws::new(backend, self.aws_max_rps).with_metrics(metrics.clone()));
        let account = aws
            .caller_account()
            .await
            .map_err(|e| Error::Startup(format!("cannot determine the AWS account (STS GetCallerIdentity): {e}")))?;

        let mut election = None;
        let mut agent_namespace = String::new();
        let (store, rbac): (Arc<dyn Store>, _) = if self.standalone {
            let (store, recovery) = EmbeddedStore::open(&self.data_dir).map_err(Error::Store)?;
            if let Some(path) = &self.role_account_map {
                store.use_config_map_file(crate::store::kube::ROLE_ACCOUNT_MAP, path.clone());
            }
            for (file, why) in &recovery.quarantined {
                tracing::warn!(
                    file = %file.display(), reason = %why,
                    "a resource file could not be read and was set aside; the agent serves the others. \
                     Repair it and rename it back to .json to keep the resource (and its ownership of what it \
                     created in AWS); applying the manifest again makes a new resource that will not adopt it"
                );
            }
            if recovery.rolled_forward {
                tracing::info!("completed an apply that was interrupted after it committed");
            }
            if recovery.removed_temp_files > 0 {
                tracing::info!(count = recovery.removed_temp_files, "removed temp files of writes that never committed");
            }
            (Arc::new(store), None)
        } else {
            let client = kube_client(self.kubeconfig.as_deref(), self.context.as_deref()).await?;
            let mut infos: Vec<_> = crate::kinds::KINDS.iter().map(|k| k.info).collect();
            infos.extend(sagemaker_core::kinds::ACK_KINDS);
            let namespace = self.agent_namespace.clone().unwrap_or_else(|| {
                std::fs::read_to_string("/var/run/secrets/kubernetes.io/serviceaccount/namespace")
                    .map(|s| s.trim().to_string())
                    .unwrap_or_else(|_| "ack-system".into())
            });
            let kube: Arc<dyn Store> =
                Arc::new(KubeStore::connect(client.clone(), &infos, &namespace).await?.watching(self.watch_namespace.clone()));
            if self.leader_elect {
                election = Some((client.clone(), namespace.clone(), crate::leader::identity()));
            }
            agent_namespace = namespace.clone();
            // every call authenticated and authorized as its caller
            let rbac = Arc::new(crate::rbac::KubeAuth::new(client));
            // one watch per kind, shared by the engine and every plugin call
            (crate::store::cache::CachedStore::start(kube, &infos) as Arc<dyn Store>, Some(rbac))
        };

        // the simulator moves in seconds, AWS in minutes: poll accordingly
        let (min, max) = match backend_kind {
            AwsBackend::Sim => (Duration::from_millis(500), Duration::from_secs(5)),
            AwsBackend::Aws => (Duration::from_secs(10), Duration::from_secs(60)),
        };
        let settings = Settings {
            default_region: region.clone(),
            account: account.clone(),
            poll_min: self.poll_min.unwrap_or(min),
            poll_max: self.poll_max.unwrap_or(max),
            concurrency: 8,
            resync: self.resync.iter().cloned().collect(),
            deletion_policy: self.deletion_policy.clone(),
            resource_tags: self.resource_tags.clone(),
            session_tags: self.session_tags,
        };
        tracing::info!(mode = store.mode(), aws = aws.backend_name(), %region, %account, listen = %self.listen, "starting");
        match &election {
            None => {
                aws.metrics().leader.set(1);
                Engine::start(store.clone(), aws.clone(), settings);
            }
            Some((client, namespace, identity)) => {
                let timing = crate::leader::Timing { lease: self.leader_election_duration, renew: self.leader_election_renew };
                let mut role = crate::leader::campaign(client.clone(), namespace, &self.leader_election_lease, identity.clone(), timing);
                let (store, aws) = (store.clone(), aws.clone());
                tokio::spawn(async move {
                    // follow until leading, then reconcile until the lease is lost
                    if role.wait_for(|r| *r == crate::leader::Role::Leader).await.is_err() {
                        return;
                    }
                    aws.metrics().leader.set(1);
                    Engine::start(store, aws.clone(), settings);
                    let _ = role.wait_for(|r| *r == crate::leader::Role::Lost).await;
                    aws.metrics().leader.set(0);
                    // another replica may reconcile now: two must never run
                    // at once, and the engine has no brake, so the process
                    // ends (and restarts as a follower), as client-go's do
                    tracing::error!("lost the leader lease: exiting so that only the new leader reconciles");
                    std::process::exit(1);
                });
            }
        }
        let ready = Arc::new(std::sync::atomic::AtomicBool::new(false));
        if !self.standalone {
            tokio::spawn(follow_log_level(store.clone(), log_level.clone()));
        }
        if let Some(addr) = self.metrics_addr {
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .map_err(|e| Error::Startup(format!("cannot listen on {addr} for metrics: {e}")))?;
            println!("metrics on http://{}", listener.local_addr().map_err(|e| Error::Startup(e.to_string()))?);
            let state = crate::http::State {
                metrics,
                store: store.clone(),
                ready: ready.clone(),
                log_level: Some(log_level.clone()),
                level_from_config_map: (!self.standalone).then(|| agent_namespace.clone()),
            };
            tokio::spawn(crate::http::serve(listener, Arc::new(state)));
        }
        let service = AgentService::new(store, aws, AgentInfo {
            default_region: region,
            account,
            session_tags: self.session_tags,
            // the simulator's lines are there as soon as they are stamped;
            // SageMaker's instances flush theirs within seconds
            logs_settle: self.logs_settle.unwrap_or(match backend_kind {
                AwsBackend::Sim => Duration::ZERO,
                AwsBackend::Aws => Duration::from_secs(10),
            }),
        }, rbac);
        let token = match &self.token_file {
            Some(path) => Some(TokenFile::open(path.clone()).map_err(|e| {
                Error::Startup(format!("cannot read the token file {}: {e}", path.display()))
            })?),
            None => None,
        };
        // clap requires --tls-cert and --tls-key together
        let tls = match (&self.tls_cert, &self.tls_key) {
            (Some(cert), Some(key)) => Some(
                crate::tls::config(cert.clone(), key.clone(), self.tls_client_ca.as_deref())
                    .map_err(|e| Error::Startup(format!("bad TLS configuration: {e}")))?,
            ),
            _ => None,
        };
        let listener = tokio::net::TcpListener::bind(self.listen)
            .await
            .map_err(|e| Error::Startup(format!("cannot listen on {}: {e}", self.listen)))?;
        // print the bound address (the port may have been 0) for scripts and tests
        println!("listening on {}", listener.local_addr().map_err(|e| Error::Startup(e.to_string()))?);
        ready.store(true, std::sync::atomic::Ordering::SeqCst);
        let authenticate = move |request: tonic::Request<()>| match &token {
            Some(token) => token.check(&request).map(|()| request),
            None => Ok(request),
        };
        let router = tonic::transport::Server::builder()
            .layer(tonic::service::InterceptorLayer::new(authenticate))
            .add_service(service);
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        let served = match tls {
            Some(config) => router.serve_with_incoming_shutdown(crate::tls::incoming(listener, config), shutdown).await,
            None => {
                let incoming = tokio_stream::wrappers::TcpListenerStream::new(listener);
                router.serve_with_incoming_shutdown(incoming, shutdown).await
            }
        };
        if let Some((client, namespace, identity)) = &election {
            crate::leader::release(client.clone(), namespace, &self.leader_election_lease, identity).await;
        }
        served.map_err(|e| Error::Startup(format!("gRPC server failed: {e}")))
    }
}

/// Applies the `log-level` of the agent's ConfigMap whenever it changes
/// (who may change it is decided by RBAC on that ConfigMap).
async fn follow_log_level(store: Arc<dyn Store>, level: crate::http::LogLevel) {
    let mut applied: Option<String> = None;
    loop {
        if let Ok(data) = store.config_map(crate::store::kube::AGENT_CONFIG).await {
            let wanted = data.get("log-level").cloned();
            if wanted.is_some() && wanted != applied {
                match level(wanted.as_deref()) {
                    Ok(now) => tracing::info!(filter = %now, "log level set from the agent's ConfigMap"),
                    Err(e) => tracing::warn!(error = %e, "the agent's ConfigMap has a log-level that is not a log filter"),
                }
                applied = wanted;
            }
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}

/// Installs the log subscriber; the filter can be changed while the agent
/// runs through what this returns (`/loglevel`).
fn init_logging(level: &str, format: LogFormat) -> crate::http::LogLevel {
    use std::io::IsTerminal;

    use tracing_subscriber::{layer::SubscriberExt, reload, util::SubscriberInitExt};
    let filter = EnvFilter::try_new(level).unwrap_or_else(|_| EnvFilter::new("info"));
    let (filter, handle) = reload::Layer::new(filter);
    let base = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    let registry = tracing_subscriber::registry().with(filter);
    match format {
        // colour codes are noise in a file or a log collector
        LogFormat::Text => registry.with(base.with_ansi(std::io::stderr().is_terminal())).init(),
        LogFormat::Json => registry.with(base.json().with_current_span(true).with_span_list(false)).init(),
    }
    Arc::new(move |wanted: Option<&str>| {
        if let Some(wanted) = wanted {
            let filter = EnvFilter::try_new(wanted).map_err(|e| format!("invalid log filter {wanted:?}: {e}"))?;
            handle.reload(filter).map_err(|e| e.to_string())?;
        }
        handle.with_current(|f| f.to_string()).map_err(|e| e.to_string())
    })
}

async fn kube_client(kubeconfig: Option<&std::path::Path>, context: Option<&str>) -> Result<kube::Client> {
    let options = kube::config::KubeConfigOptions { context: context.map(str::to_string), ..Default::default() };
    let config = match kubeconfig {
        Some(path) => {
            let kc = kube::config::Kubeconfig::read_from(path)
                .map_err(|e| Error::Startup(format!("cannot read kubeconfig {}: {e}", path.display())))?;
            kube::Config::from_custom_kubeconfig(kc, &options).await
        }
        None => kube::Config::infer().await.map_err(|e| kube::config::KubeconfigError::ReadConfig(std::io::Error::other(e.to_string()), PathBuf::new())),
    }
    .map_err(|e| Error::Startup(format!("cannot load Kubernetes configuration: {e}")))?;
    kube::Client::try_from(config).map_err(|e| Error::Startup(format!("cannot create Kubernetes client: {e}")))
}

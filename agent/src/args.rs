//! Command-line flags and the wiring of store, AWS backend, engine and server.

use std::{net::SocketAddr, path::PathBuf, sync::Arc, time::Duration};

use clap::{Parser, Subcommand, ValueEnum};
use tracing_subscriber::EnvFilter;

use crate::{
    aws::{Aws, Backend, sdk::SdkBackend, sim::Simulator},
    engine::{Engine, Settings},
    error::{Error, Result},
    grpc::{AgentInfo, AgentService},
    store::{Store, embedded::EmbeddedStore, kube::KubeStore},
};

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
    /// gRPC listen address. Standalone defaults to loopback.
    #[arg(long, default_value = "127.0.0.1:50051")]
    listen: SocketAddr,
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
    /// First status poll after a change, e.g. 10s.
    #[arg(long, value_parser = parse_duration)]
    poll_min: Option<Duration>,
    /// Longest poll interval while a resource is changing, e.g. 60s.
    #[arg(long, value_parser = parse_duration)]
    poll_max: Option<Duration>,
    /// Simulator: time per training status step, e.g. 2s.
    #[arg(long, value_parser = parse_duration, default_value = "2s")]
    sim_step: Duration,
    /// Simulator: the account the agent's own credentials belong to.
    #[arg(long, default_value = "123456789012")]
    sim_account: String,
    /// Log filter (tracing's EnvFilter syntax).
    #[arg(long, env = "SAGEMAKER_AGENT_LOG", default_value = "info")]
    log_level: String,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the CustomResourceDefinitions of every kind as YAML.
    Crds,
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
        if let Some(Command::Crds) = self.command {
            for (_, yaml) in crate::crd::all() {
                println!("---\n{yaml}");
            }
            return Ok(());
        }
        let filter = EnvFilter::try_new(&self.log_level).unwrap_or_else(|_| EnvFilter::new("info"));
        tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();

        let backend_kind = self.aws_backend.unwrap_or(if self.standalone { AwsBackend::Sim } else { AwsBackend::Aws });
        let region = match (&self.aws_region, backend_kind) {
            (Some(r), _) => r.clone(),
            (None, AwsBackend::Sim) => "us-east-1".to_string(),
            (None, AwsBackend::Aws) => {
                return Err(Error::Startup("no default region: pass --aws-region or set AWS_REGION".into()));
            }
        };
        if self.standalone {
            std::fs::create_dir_all(&self.data_dir).map_err(|e| {
                Error::Startup(format!("cannot create data dir {}: {e}", self.data_dir.display()))
            })?;
        }
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
        let aws = Arc::new(Aws::new(backend, self.aws_max_rps));
        let account = aws
            .caller_account()
            .await
            .map_err(|e| Error::Startup(format!("cannot determine the AWS account (STS GetCallerIdentity): {e}")))?;

        let store: Arc<dyn Store> = if self.standalone {
            Arc::new(EmbeddedStore::open(&self.data_dir).map_err(|e| {
                Error::Startup(format!("cannot open the store in {}: {e}", self.data_dir.display()))
            })?)
        } else {
            let client = kube_client(self.kubeconfig.as_deref(), self.context.as_deref()).await?;
            let infos: Vec<_> = crate::kinds::KINDS.iter().map(|k| k.info).collect();
            Arc::new(KubeStore::connect(client, &infos).await?)
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
        };
        tracing::info!(mode = store.mode(), aws = aws.backend_name(), %region, %account, listen = %self.listen, "starting");
        Engine::start(store.clone(), aws.clone(), settings);
        let service = AgentService::new(store, aws, AgentInfo { default_region: region, account });
        let listener = tokio::net::TcpListener::bind(self.listen)
            .await
            .map_err(|e| Error::Startup(format!("cannot listen on {}: {e}", self.listen)))?;
        // print the bound address (the port may have been 0) for scripts and tests
        println!("listening on {}", listener.local_addr().map_err(|e| Error::Startup(e.to_string()))?);
        tonic::transport::Server::builder()
            .add_service(service)
            .serve_with_incoming_shutdown(tokio_stream::wrappers::TcpListenerStream::new(listener), async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .map_err(|e| Error::Startup(format!("gRPC server failed: {e}")))
    }
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

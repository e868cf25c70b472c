//! The one place that reaches an agent: which cluster (a kubeconfig
//! context), where its agent is (`--agent`, `KUBECTL_SAGEMAKER_AGENT`, else
//! the cluster's Service: see `discover`), the gRPC channel (direct, or
//! port-forwarded through the API server), and the caller's own Kubernetes
//! credentials on every call, whatever the kubeconfig yields them from.

use std::{path::PathBuf, time::Duration};

use kube::client::{ConfigExt as _, middleware::AuthLayer};
use sagemaker_core::wire;
use sagemaker_proto::v1::{
    AdoptRequest, AdoptResponse, ApplyRequest, CheckRequest, CheckResponse, ChildrenResponse, ApplyResponse, DeleteRequest, DeleteResponse, GetRequest, InfoRequest, InfoResponse,
    EventsResponse, ListRequest, ListResponse, LogsMessage, LogsRequest, Resource, StopRequest, StopResponse, WatchEvent, WatchRequest,
    agent_client::AgentClient,
};
use tonic::{
    Code, Request, Response, Status, Streaming,
    body::Body,
    metadata::{Ascii, MetadataValue},
    service::{Interceptor, interceptor::InterceptedService},
    transport::{Certificate, Channel, ClientTlsConfig, Endpoint},
};
use tower::{BoxError, Layer as _, ServiceBuilder, ServiceExt as _, util::BoxCloneService};

use crate::{
    cli::GlobalArgs,
    discover::{self, Lookup, Place},
    error::{Error, Result},
    kubeconfig::{Kubeconfigs, Overrides},
};

/// A credential: never shown in `Debug` output or messages.
pub(crate) struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Who we are and where we work in one cluster, resolved from the global
/// flags and a kubeconfig context.
#[derive(Debug)]
pub(crate) struct Session {
    /// The kubeconfig context (none: no kubeconfig, or no current context).
    pub context: Option<String>,
    /// The namespace to work in: `-n`, else the context's, else `default`.
    pub namespace: String,
    /// `-n`, when given.
    namespace_flag: Option<String>,
    agent: Option<String>,
    agent_ca: Option<PathBuf>,
    agent_namespace: String,
    /// The kubeconfig user, for messages.
    user: Option<String>,
    /// `--token`, which replaces what the kubeconfig user would send.
    token: Option<Secret>,
    /// `--as` and `--as-group`.
    impersonate: Option<(String, Vec<String>)>,
    kube: Option<kube::Config>,
    connect_timeout: Duration,
    request_timeout: Duration,
}

impl Session {
    /// The session for `context` (none: the current one).
    pub(crate) async fn resolve(global: &GlobalArgs, kubeconfigs: &Kubeconfigs, context: Option<&str>) -> Result<Self> {
        let overrides = Overrides { cluster: global.cluster.clone(), user: global.user.clone() };
        let resolved = kubeconfigs.context(context, &overrides).await?;
        let namespace = global
            .namespace
            .clone()
            .filter(|n| !n.is_empty())
            .or(resolved.namespace)
            .unwrap_or_else(|| "default".to_string());
        let token = global.token.clone().filter(|t| !t.is_empty()).map(Secret);
        let impersonate = match (&global.as_user, &global.as_group) {
            (Some(user), groups) if !user.is_empty() => Some((user.clone(), groups.clone())),
            (_, groups) if !groups.is_empty() => {
                return Err(Error::Usage("--as-group needs --as: impersonate a user as well".into()));
            }
            _ => None,
        };
        let mut kube = resolved.config;
        // the kubeconfig user's own `as:` and `as-groups:`, unless --as says otherwise
        let impersonate = impersonate.or_else(|| {
            let info = &kube.as_ref()?.auth_info;
            Some((info.impersonate.clone()?, info.impersonate_groups.clone().unwrap_or_default()))
        });
        if let Some(config) = &mut kube {
            config.connect_timeout = Some(global.connect_timeout);
            // kubectl's --as: the API server sees the impersonated user too
            if let Some((user, groups)) = &impersonate {
                config.auth_info.impersonate = Some(user.clone());
                config.auth_info.impersonate_groups = Some(groups.clone()).filter(|g| !g.is_empty());
            }
        }
        Ok(Session {
            context: resolved.name,
            namespace,
            namespace_flag: global.namespace.clone().filter(|n| !n.is_empty()),
            agent: global.agent.clone().filter(|a| !a.trim().is_empty()).or(resolved.agent),
            agent_ca: global.agent_ca.clone(),
            agent_namespace: global.agent_namespace.clone(),
            user: resolved.user,
            token,
            impersonate,
            kube,
            connect_timeout: global.connect_timeout,
            request_timeout: global.request_timeout,
        })
    }

    /// A client for the context's API server (none without a kubeconfig).
    pub(crate) fn kube_client(&self) -> Result<kube::Client> {
        let Some(config) = self.kube.clone() else {
            return Err(Error::Usage("this needs a kubeconfig context: pass --kubeconfig or --context".into()));
        };
        kube::Client::try_from(config).map_err(|source| Error::Kube { action: format!("cannot reach the API server of context {}", self.context_name()), source })
    }

    /// `--agent-namespace`.
    pub(crate) fn agent_namespace(&self) -> &str {
        &self.agent_namespace
    }

    /// Where the agent runs: `-n` when given, else `--agent-namespace`.
    pub(crate) fn install_namespace(&self) -> &str {
        self.namespace_flag.as_deref().unwrap_or(&self.agent_namespace)
    }

    /// The context's name for messages (`<none>` without a kubeconfig).
    pub(crate) fn context_name(&self) -> &str {
        self.context.as_deref().unwrap_or("<none>")
    }

    /// Finds the agent, opens the channel, and proves a sagemaker-agent
    /// answers there, failing early with a clear error when none is
    /// configured or found, the URL would expose a credential, or nothing
    /// (or something else) answers.
    pub(crate) async fn connect(&self) -> Result<Agent> {
        let credentials = self.credentials().await?;
        let place = self.place(&credentials).await?;
        let (channel, url) = self.open(place, credentials.any()).await?;
        let transport = ServiceBuilder::new()
            .option_layer(credentials.layer)
            .service(channel.map_err(BoxError::from));
        let headers = Headers::new(self.token.as_ref(), self.impersonate.as_ref(), self.user.as_deref())?;
        let client = AgentClient::with_interceptor(BoxCloneService::new(transport), headers)
            .max_decoding_message_size(wire::MAX_MESSAGE_BYTES)
            .max_encoding_message_size(wire::MAX_MESSAGE_BYTES);
        let mut agent = Agent {
            client,
            url,
            timeout: self.request_timeout,
            info: InfoResponse::default(),
        };
        agent.info = agent.probe(self.connect_timeout).await?;
        Ok(agent)
    }

    /// What the kubeconfig user sends: its `Authorization` header, made
    /// once now (an exec credential plugin runs here, and its failure is
    /// reported as such) and kept fresh by kube's layer for the calls after.
    async fn credentials(&self) -> Result<Credentials> {
        if self.token.is_some() {
            return Ok(Credentials { layer: None, bearer: None, token: true });
        }
        let Some(config) = &self.kube else {
            return Ok(Credentials::default());
        };
        let failed = |source: BoxError| Error::Credentials {
            context: self.context_name().to_string(),
            user: self.user.clone().unwrap_or_default(),
            source,
        };
        // kube runs an exec credential plugin right here, blocking: on the blocking
        // pool, with a deadline, so that a plugin waiting for a login stalls no other cluster
        let blocking = {
            let config = config.clone();
            tokio::task::spawn_blocking(move || config.auth_layer())
        };
        let layer = tokio::time::timeout(self.request_timeout, blocking)
            .await
            .map_err(|_| failed(format!("the credential plugin gave no answer in {:?}", self.request_timeout).into()))?
            .map_err(|e| failed(e.into()))?
            .map_err(|e| failed(credential_failure(e.into())))?;
        // a client certificate has nothing to send: the agent will say so
        let Some(layer) = layer else {
            return Ok(Credentials::default());
        };
        let header = tower::service_fn(|request: http::Request<String>| async move {
            Ok::<_, BoxError>(http::Response::new(request.headers().get(http::header::AUTHORIZATION).cloned()))
        });
        let header = tokio::time::timeout(self.request_timeout, layer.layer(header).oneshot(http::Request::new(String::new())))
            .await
            .map_err(|_| failed(format!("the credential plugin gave no answer in {:?}", self.request_timeout).into()))?
            .map_err(|e| failed(credential_failure(e)))?;
        let bearer = header
            .into_body()
            .and_then(|h| h.to_str().ok().and_then(|h| h.strip_prefix("Bearer ")).map(|t| Secret(t.to_string())));
        Ok(Credentials { layer: Some(layer), bearer, token: false })
    }

    /// Where the agent is: the URL given, else what the cluster's Service says.
    async fn place(&self, credentials: &Credentials) -> Result<Place> {
        if let Some(url) = &self.agent {
            return Ok(Place::Url { url: url.trim().to_string(), ca: None });
        }
        let Some(config) = &self.kube else {
            return Err(Error::NoAgent);
        };
        let mut config = config.clone();
        // the API server gets the token the agent will get, and an exec plugin runs once
        if let Some(token) = &credentials.bearer {
            config.auth_info.exec = None;
            config.auth_info.auth_provider = None;
            config.auth_info.token_file = None;
            config.auth_info.token = Some(token.0.clone().into());
        }
        let lookup = Lookup { context: self.context_name(), namespace: &self.agent_namespace };
        let client = kube::Client::try_from(config).map_err(|e| lookup.failed(e))?;
        tokio::time::timeout(self.connect_timeout, lookup.find(client))
            .await
            .map_err(|_| lookup.timed_out(self.connect_timeout))?
    }

    /// Opens the channel to the agent at `place`.
    async fn open(&self, place: Place, credentials: bool) -> Result<(Channel, String)> {
        let (url, ca) = match place {
            Place::Url { url, ca } => (url, ca),
            Place::Pod { pods, name, port } => {
                let url = format!(
                    "pod {}/{name}:{port} (port-forward through the API server of context {})",
                    self.agent_namespace,
                    self.context_name()
                );
                let channel = Endpoint::from_static("http://sagemaker-agent.port-forward")
                    .connect_timeout(self.connect_timeout)
                    .connect_with_connector(discover::port_forward(*pods, name, port))
                    .await
                    .map_err(|source| Error::PortForward {
                        context: self.context_name().to_string(),
                        namespace: self.agent_namespace.clone(),
                        source: Box::new(source),
                    })?;
                return Ok((channel, url));
            }
        };
        // `127.0.0.1:50051` is what people type; tonic needs a scheme
        let url = if url.contains("://") { url } else { format!("http://{url}") };
        let bad_url = |source| Error::AgentUrl {
            url: url.clone(),
            source,
        };
        let mut endpoint = Endpoint::from_shared(url.clone())
            .map_err(bad_url)?
            .connect_timeout(self.connect_timeout);
        let host = endpoint.uri().host().unwrap_or_default().to_string();
        match endpoint.uri().scheme_str() {
            Some("https") => {
                // an https URL means TLS, always: with the CA given, else the system's roots
                // the handshake has its own timeout: a silent port must not hang us
                let tls = ClientTlsConfig::new()
                    .domain_name(host.trim_matches(['[', ']']))
                    .timeout(self.connect_timeout);
                let ca = match (&self.agent_ca, ca) {
                    (Some(path), _) => Some(std::fs::read(path).map_err(|source| Error::AgentCa {
                        path: path.display().to_string(),
                        source,
                    })?),
                    (None, published) => published,
                };
                let tls = match ca {
                    Some(pem) => tls.ca_certificate(Certificate::from_pem(pem)),
                    None => tls.with_native_roots(),
                };
                endpoint = endpoint.tls_config(tls).map_err(bad_url)?;
            }
            Some("http") => {
                // a bearer token in clear text is only safe on this machine
                if credentials && !is_loopback(&host) {
                    return Err(Error::PlaintextCredential { url });
                }
            }
            _ => return Err(Error::AgentScheme { url }),
        }
        let channel = endpoint.connect().await.map_err(|source| Error::NoAnswer {
            url: url.clone(),
            source: Box::new(source),
        })?;
        Ok((channel, url))
    }
}

/// A credential plugin's failure without what kube's message carries that
/// may be secret: the command line and its raw output. Its exit status and
/// stderr (where plugins explain themselves) are kept.
fn credential_failure(error: BoxError) -> BoxError {
    let exec = match error.downcast_ref::<kube::Error>() {
        Some(kube::Error::Auth(e)) => Some(e),
        _ => error.downcast_ref::<kube::client::AuthError>(),
    };
    match exec {
        Some(kube::client::AuthError::AuthExecRun { out, .. }) => format!(
            "the credential plugin failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )
        .into(),
        Some(kube::client::AuthError::AuthExecParse(_)) => "the credential plugin printed no ExecCredential".into(),
        _ => error,
    }
}

/// The caller's credentials as the kubeconfig user (or `--token`) gives them.
#[derive(Default)]
struct Credentials {
    /// kube's layer that puts the user's `Authorization` on each call.
    layer: Option<AuthLayer>,
    /// The bearer token it put there first, for the API server calls.
    bearer: Option<Secret>,
    /// `--token` is sent instead (by `Headers`).
    token: bool,
}

impl Credentials {
    fn any(&self) -> bool {
        self.token || self.layer.is_some()
    }
}

/// Whether `host` is this machine (where clear text never crosses a network).
fn is_loopback(host: &str) -> bool {
    let host = host.trim_matches(['[', ']']);
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Puts `--token` (as `authorization: Bearer`) and `--as`/`--as-group`
/// (as `impersonate-user`/`impersonate-group`) on every call.
#[derive(Clone)]
pub(crate) struct Headers {
    bearer: Option<MetadataValue<Ascii>>,
    user: Option<MetadataValue<Ascii>>,
    groups: Vec<MetadataValue<Ascii>>,
}

impl Headers {
    fn new(token: Option<&Secret>, impersonate: Option<&(String, Vec<String>)>, user: Option<&str>) -> Result<Self> {
        let bearer = match token {
            None => None,
            Some(token) => {
                let mut value =
                    MetadataValue::try_from(format!("Bearer {}", token.0)).map_err(|_| Error::BadToken {
                        user: user.unwrap_or_default().to_string(),
                    })?;
                // keeps it out of any Debug output of the request
                value.set_sensitive(true);
                Some(value)
            }
        };
        let name = |n: &str| {
            MetadataValue::try_from(n).map_err(|_| Error::Usage(format!("{n:?} cannot be sent as a header: use ASCII")))
        };
        let (user, groups) = match impersonate {
            Some((user, groups)) => (Some(name(user)?), groups.iter().map(|g| name(g)).collect::<Result<_>>()?),
            None => (None, Vec::new()),
        };
        Ok(Headers { bearer, user, groups })
    }
}

impl std::fmt::Debug for Headers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Headers")
            .field("token", &self.bearer.as_ref().map(|_| "<redacted>"))
            .field("impersonate", &self.user)
            .finish()
    }
}

impl Interceptor for Headers {
    fn call(&mut self, mut request: Request<()>) -> Result<Request<()>, Status> {
        let metadata = request.metadata_mut();
        if let Some(header) = &self.bearer {
            metadata.insert(wire::AUTHORIZATION, header.clone());
        }
        if let Some(user) = &self.user {
            metadata.insert(wire::IMPERSONATE_USER, user.clone());
        }
        for group in &self.groups {
            metadata.append(wire::IMPERSONATE_GROUP, group.clone());
        }
        Ok(request)
    }
}

/// Every call to the agent goes through the caller's credentials.
type Transport = BoxCloneService<http::Request<Body>, http::Response<Body>, BoxError>;

/// Whether a status came from a gRPC server (it sent `grpc-status`) rather
/// than from the transport or a non-gRPC HTTP server.
fn from_agent(status: &Status) -> bool {
    std::error::Error::source(status).is_none() && !status.message().contains("grpc-status header missing")
}

/// What the probe saw, as a cause line.
fn probe_failure(status: &Status) -> String {
    match status.code() {
        Code::DeadlineExceeded | Code::Cancelled => "nothing answered in time (a port that accepts connections but says nothing)".into(),
        _ if status.message().contains("grpc-status header missing") => {
            format!("an HTTP server that is not gRPC answered ({})", status.message())
        }
        _ if status.message().contains("h2 protocol error") => {
            "the server there does not speak gRPC (HTTP/2): is it another service, or an agent with TLS reached with http://?".into()
        }
        _ => {
            let mut text = status.message().to_string();
            let mut source = std::error::Error::source(status);
            while let Some(s) = source {
                text.push_str(": ");
                text.push_str(&s.to_string());
                source = s.source();
            }
            text
        }
    }
}

/// The agent's unary calls, each bounded by `--request-timeout`: one method
/// per RPC, of the same name.
macro_rules! unary {
    ($($name:ident($request:ty) -> $response:ty;)*) => {$(
        pub(crate) async fn $name(&self, request: $request) -> Result<$response, Status> {
            self.client.clone().$name(self.request(request)).await.map(Response::into_inner)
        }
    )*};
}

/// A connected agent. Unary calls are bounded by `--request-timeout`; a watch
/// only while it opens, since it lasts as long as the job.
#[derive(Debug, Clone)]
pub(crate) struct Agent {
    client: AgentClient<InterceptedService<Transport, Headers>>,
    /// The URL it was reached at, for messages.
    pub url: String,
    timeout: Duration,
    /// What the agent said about itself when the connection was made.
    pub info: InfoResponse,
}

impl Agent {
    fn request<T>(&self, message: T) -> Request<T> {
        let mut request = Request::new(message);
        request.set_timeout(self.timeout);
        request
    }

    unary! {
        apply(ApplyRequest) -> ApplyResponse;
        get(GetRequest) -> Resource;
        list(ListRequest) -> ListResponse;
        delete(DeleteRequest) -> DeleteResponse;
        stop(StopRequest) -> StopResponse;
        adopt(AdoptRequest) -> AdoptResponse;
        info(InfoRequest) -> InfoResponse;
        events(GetRequest) -> EventsResponse;
        check(CheckRequest) -> CheckResponse;
        children(GetRequest) -> ChildrenResponse;
    }

    /// The first call on a new connection: proves that what answers is a
    /// sagemaker-agent, not another server or a silent port.
    async fn probe(&self, limit: Duration) -> Result<InfoResponse> {
        let mut request = Request::new(InfoRequest {});
        request.set_timeout(self.timeout.min(limit));
        match self.client.clone().info(request).await {
            Ok(response) => Ok(response.into_inner()),
            // an agent that refuses us is still an agent: say why it refused
            Err(s) if from_agent(&s) && matches!(s.code(), Code::Unauthenticated | Code::PermissionDenied | Code::InvalidArgument) => {
                Err(Error::agent(format!("the agent at {} refused the call", self.url), &s))
            }
            Err(s) => Err(Error::NoAnswer {
                url: self.url.clone(),
                source: Box::new(crate::error::Reason(probe_failure(&s))),
            }),
        }
    }

    pub(crate) async fn watch(&self, request: WatchRequest) -> Result<Streaming<WatchEvent>, Status> {
        let mut client = self.client.clone();
        match tokio::time::timeout(self.timeout, client.watch(Request::new(request))).await {
            Ok(response) => response.map(Response::into_inner),
            Err(_) => Err(Status::deadline_exceeded(
                "the agent did not start the watch in time",
            )),
        }
    }

    /// A resource's log lines; like a watch, bounded only while it opens.
    pub(crate) async fn logs(&self, request: LogsRequest) -> Result<Streaming<LogsMessage>, Status> {
        let mut client = self.client.clone();
        match tokio::time::timeout(self.timeout, client.logs(Request::new(request))).await {
            Ok(response) => response.map(Response::into_inner),
            Err(_) => Err(Status::deadline_exceeded("the agent did not start sending the logs in time")),
        }
    }
}

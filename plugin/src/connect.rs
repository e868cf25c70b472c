//! The one place that reaches the agent: which agent and namespace (flags,
//! environment, kubeconfig), the gRPC channel, and the caller's credentials as
//! request metadata.

use std::time::Duration;

use sagemaker_core::wire;
use sagemaker_proto::v1::{
    AdoptRequest, AdoptResponse, ApplyRequest, ApplyResponse, DeleteRequest, DeleteResponse, GetRequest, InfoRequest, InfoResponse,
    ListRequest, ListResponse, Resource, StopRequest, StopResponse, WatchEvent, WatchRequest,
    agent_client::AgentClient,
};
use tonic::{
    Code, Request, Response, Status, Streaming,
    metadata::{Ascii, MetadataValue},
    service::{Interceptor, interceptor::InterceptedService},
    transport::{Certificate, Channel, ClientTlsConfig, Endpoint},
};

use crate::{
    cli::GlobalArgs,
    error::{Error, Result},
    kubeconfig::{self, Secret},
};

/// Who we are and where we work, resolved from the global flags.
#[derive(Debug)]
pub(crate) struct Session {
    /// The namespace to work in: `-n`, else the context's, else `default`.
    pub namespace: String,
    agent: Option<String>,
    agent_ca: Option<std::path::PathBuf>,
    user: Option<String>,
    token: Option<Secret>,
    request_timeout: Duration,
}

impl Session {
    pub(crate) fn resolve(global: &GlobalArgs) -> Result<Self> {
        let selected = kubeconfig::select(global.kubeconfig.as_deref(), global.context.as_deref())?;
        let namespace = global
            .namespace
            .clone()
            .filter(|n| !n.is_empty())
            .or(selected.namespace)
            .unwrap_or_else(|| "default".to_string());
        let token = match &global.token {
            Some(token) if !token.is_empty() => Some(Secret(token.clone())),
            _ => selected.token,
        };
        Ok(Session {
            namespace,
            agent: global.agent.clone().filter(|a| !a.trim().is_empty()),
            agent_ca: global.agent_ca.clone(),
            user: selected.user,
            token,
            request_timeout: global.request_timeout,
        })
    }

    /// Opens the channel to the agent and proves a sagemaker-agent answers
    /// there, failing early with a clear error when none is configured, the
    /// URL would expose a credential, or nothing (or something else) answers.
    pub(crate) async fn connect(&self) -> Result<Agent> {
        let raw = self.agent.as_deref().ok_or(Error::NoAgent)?.trim();
        // `127.0.0.1:50051` is what people type; tonic needs a scheme
        let url = if raw.contains("://") {
            raw.to_string()
        } else {
            format!("http://{raw}")
        };
        let bad_url = |source| Error::AgentUrl {
            url: url.clone(),
            source,
        };
        let mut endpoint = Endpoint::from_shared(url.clone())
            .map_err(bad_url)?
            .connect_timeout(self.request_timeout);
        let host = endpoint.uri().host().unwrap_or_default().to_string();
        match endpoint.uri().scheme_str() {
            Some("https") => {
                // an https URL means TLS, always: with the CA given, else the system's roots
                // the handshake has its own timeout: a silent port must not hang us
                let tls = ClientTlsConfig::new()
                    .domain_name(host.trim_matches(['[', ']']))
                    .timeout(self.request_timeout);
                let tls = match &self.agent_ca {
                    Some(path) => {
                        let pem = std::fs::read(path).map_err(|source| Error::AgentCa {
                            path: path.display().to_string(),
                            source,
                        })?;
                        tls.ca_certificate(Certificate::from_pem(pem))
                    }
                    None => tls.with_native_roots(),
                };
                endpoint = endpoint.tls_config(tls).map_err(bad_url)?;
            }
            Some("http") => {
                // a bearer token in clear text is only safe on this machine
                if self.token.is_some() && !is_loopback(&host) {
                    return Err(Error::PlaintextCredential { url });
                }
            }
            _ => return Err(Error::AgentScheme { url }),
        }
        let channel = endpoint.connect().await.map_err(|source| Error::NoAnswer {
            url: url.clone(),
            source: Box::new(source),
        })?;
        let auth = Auth::new(self.token.as_ref(), self.user.as_deref())?;
        let client = AgentClient::with_interceptor(channel, auth)
            .max_decoding_message_size(wire::MAX_MESSAGE_BYTES)
            .max_encoding_message_size(wire::MAX_MESSAGE_BYTES);
        let mut agent = Agent {
            client,
            url,
            timeout: self.request_timeout,
            info: InfoResponse::default(),
        };
        agent.info = agent.probe().await?;
        Ok(agent)
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

/// Puts `authorization: Bearer <token>` on every call when the kubeconfig
/// user has a token: the seam for per-call authentication and RBAC.
#[derive(Clone)]
pub(crate) struct Auth {
    header: Option<MetadataValue<Ascii>>,
}

impl Auth {
    fn new(token: Option<&Secret>, user: Option<&str>) -> Result<Self> {
        let header = match token {
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
        Ok(Auth { header })
    }
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth")
            .field("token", &self.header.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl Interceptor for Auth {
    fn call(&mut self, mut request: Request<()>) -> Result<Request<()>, Status> {
        if let Some(header) = &self.header {
            request.metadata_mut().insert(wire::AUTHORIZATION, header.clone());
        }
        Ok(request)
    }
}

/// How long the first call may take before we say nobody answered.
const PROBE_TIMEOUT: Duration = Duration::from_secs(10);

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
    client: AgentClient<InterceptedService<Channel, Auth>>,
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
    }

    /// The first call on a new connection: proves that what answers is a
    /// sagemaker-agent, not another server or a silent port.
    async fn probe(&self) -> Result<InfoResponse> {
        let mut request = Request::new(InfoRequest {});
        request.set_timeout(self.timeout.min(PROBE_TIMEOUT));
        match self.client.clone().info(request).await {
            Ok(response) => Ok(response.into_inner()),
            // an agent that refuses us is still an agent: say why it refused
            Err(s) if from_agent(&s) && matches!(s.code(), Code::Unauthenticated | Code::PermissionDenied) => {
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
}

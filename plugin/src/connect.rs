//! The one place that reaches the agent: which agent and namespace (flags,
//! environment, kubeconfig), the gRPC channel, and the caller's credentials as
//! request metadata.

use std::time::Duration;

use sagemaker_core::wire;
use sagemaker_proto::v1::{
    ApplyRequest, ApplyResponse, DeleteRequest, DeleteResponse, GetRequest, InfoRequest, InfoResponse,
    ListRequest, ListResponse, Resource, WatchEvent, WatchRequest, agent_client::AgentClient,
};
use tonic::{
    Request, Response, Status, Streaming,
    metadata::{Ascii, MetadataValue},
    service::{Interceptor, interceptor::InterceptedService},
    transport::{Channel, Endpoint},
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
        Ok(Session {
            namespace,
            agent: global.agent.clone().filter(|a| !a.trim().is_empty()),
            user: selected.user,
            token: selected.token,
            request_timeout: global.request_timeout,
        })
    }

    /// Opens the channel to the agent, failing early with a clear error when
    /// none is configured or it cannot be reached.
    pub(crate) async fn connect(&self) -> Result<Agent> {
        let url = self.agent.as_deref().ok_or(Error::NoAgent)?.trim();
        // `127.0.0.1:50051` is what people type; tonic needs a scheme
        let url = if url.contains("://") {
            url.to_string()
        } else {
            format!("http://{url}")
        };
        let endpoint = Endpoint::from_shared(url.clone())
            .map_err(|source| Error::AgentUrl {
                url: url.clone(),
                source,
            })?
            .connect_timeout(self.request_timeout);
        let channel = endpoint.connect().await.map_err(|source| Error::Unreachable {
            url: url.clone(),
            source,
        })?;
        let auth = Auth::new(self.token.as_ref(), self.user.as_deref())?;
        Ok(Agent {
            client: AgentClient::with_interceptor(channel, auth),
            url,
            timeout: self.request_timeout,
        })
    }
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

/// A connected agent. Unary calls are bounded by `--request-timeout`; a watch
/// only while it opens, since it lasts as long as the job.
#[derive(Debug, Clone)]
pub(crate) struct Agent {
    client: AgentClient<InterceptedService<Channel, Auth>>,
    /// The URL it was reached at, for messages.
    pub url: String,
    timeout: Duration,
}

impl Agent {
    fn request<T>(&self, message: T) -> Request<T> {
        let mut request = Request::new(message);
        request.set_timeout(self.timeout);
        request
    }

    pub(crate) async fn apply(&self, request: ApplyRequest) -> Result<ApplyResponse, Status> {
        self.client
            .clone()
            .apply(self.request(request))
            .await
            .map(Response::into_inner)
    }

    pub(crate) async fn get(&self, request: GetRequest) -> Result<Resource, Status> {
        self.client
            .clone()
            .get(self.request(request))
            .await
            .map(Response::into_inner)
    }

    pub(crate) async fn list(&self, request: ListRequest) -> Result<ListResponse, Status> {
        self.client
            .clone()
            .list(self.request(request))
            .await
            .map(Response::into_inner)
    }

    pub(crate) async fn delete(&self, request: DeleteRequest) -> Result<DeleteResponse, Status> {
        self.client
            .clone()
            .delete(self.request(request))
            .await
            .map(Response::into_inner)
    }

    pub(crate) async fn info(&self) -> Result<InfoResponse, Status> {
        self.client
            .clone()
            .info(self.request(InfoRequest {}))
            .await
            .map(Response::into_inner)
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

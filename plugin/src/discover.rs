//! Finding a cluster's agent through its API server, so that nobody runs
//! `kubectl port-forward` by hand: the Service `sagemaker-agent` in the
//! agent's namespace either publishes a URL (annotation
//! `sagemaker.services.k8s.aws/agent-url`, with the CA to trust in
//! `sagemaker.services.k8s.aws/agent-ca`) for clusters that expose the agent
//! directly, or the plugin port-forwards through the API server to a ready
//! pod behind the Service, as `kubectl port-forward svc/sagemaker-agent`
//! would, and carries gRPC over kube's port-forward stream: a fresh stream
//! for each connection tonic opens.

use std::{future::Future, io};

use hyper_util::rt::TokioIo;
use k8s_openapi::{
    api::core::v1::{Pod, Service},
    apimachinery::pkg::util::intstr::IntOrString,
};
use kube::{Api, Client, api::ListParams};
use tokio::io::{AsyncRead, AsyncWrite};
use tower::BoxError;

use crate::error::{Error, Result};

/// The Service the installed agent is reached through.
pub(crate) const SERVICE: &str = "sagemaker-agent";
/// A URL at which the agent is reached directly, bypassing port-forward.
pub(crate) const URL_ANNOTATION: &str = "sagemaker.services.k8s.aws/agent-url";
/// The CA certificate (PEM) that signed the agent's certificate at that URL.
pub(crate) const CA_ANNOTATION: &str = "sagemaker.services.k8s.aws/agent-ca";
/// The Service port carrying gRPC, when it has several.
const PORT_NAME: &str = "grpc";

/// Where an agent is.
pub(crate) enum Place {
    /// At a URL (`--agent`, `KUBECTL_SAGEMAKER_AGENT`, or the Service's annotation).
    Url { url: String, ca: Option<Vec<u8>> },
    /// Behind the API server's port-forward to this pod and port.
    Pod { pods: Box<Api<Pod>>, name: String, port: u16 },
}

/// What the Service says, and where the plugin found it, for messages.
pub(crate) struct Lookup<'a> {
    pub context: &'a str,
    pub namespace: &'a str,
}

impl Lookup<'_> {
    /// Reads the Service and, unless it publishes a URL, picks a ready pod.
    pub(crate) async fn find(&self, client: Client) -> Result<Place> {
        // the API server's own words (its Status's Display), not kube's Debug dump of it
        let discovery = |source: kube::Error| match source {
            kube::Error::Api(status) => self.failed(*status),
            other => self.failed(other),
        };
        let services: Api<Service> = Api::namespaced(client.clone(), self.namespace);
        let service = services
            .get_opt(SERVICE)
            .await
            .map_err(discovery)?
            .ok_or_else(|| Error::NoAgentService {
                context: self.context.to_string(),
                namespace: self.namespace.to_string(),
            })?;
        if let Some((url, ca)) = published(&service) {
            return Ok(Place::Url { url, ca });
        }
        let (selector, target) = backend(&service).map_err(|reason| self.bad_service(reason))?;
        let pods: Api<Pod> = Api::namespaced(client, self.namespace);
        let candidates = pods.list(&ListParams::default().labels(&selector)).await.map_err(discovery)?;
        let (name, port) = ready_pod(&candidates.items, &target).ok_or_else(|| Error::NoReadyPod {
            context: self.context.to_string(),
            namespace: self.namespace.to_string(),
            selector: selector.clone(),
        })?;
        Ok(Place::Pod { pods: Box::new(pods), name, port })
    }

    pub(crate) fn failed(&self, source: impl Into<BoxError>) -> Error {
        Error::Discovery { context: self.context.to_string(), namespace: self.namespace.to_string(), source: source.into() }
    }

    pub(crate) fn timed_out(&self, after: std::time::Duration) -> Error {
        self.failed(format!("the API server did not answer in {after:?} (--connect-timeout)"))
    }

    fn bad_service(&self, reason: String) -> Error {
        Error::BadAgentService { context: self.context.to_string(), namespace: self.namespace.to_string(), reason }
    }
}

/// The URL (and CA) a Service publishes, if any.
fn published(service: &Service) -> Option<(String, Option<Vec<u8>>)> {
    let annotations = service.metadata.annotations.as_ref()?;
    let url = annotations.get(URL_ANNOTATION).map(|u| u.trim()).filter(|u| !u.is_empty())?;
    let ca = annotations.get(CA_ANNOTATION).filter(|c| !c.trim().is_empty()).map(|c| c.as_bytes().to_vec());
    Some((url.to_string(), ca))
}

/// The Service's pod selector (as a label selector) and the pod port its
/// gRPC port targets: the port named `grpc`, else its only port.
fn backend(service: &Service) -> Result<(String, IntOrString), String> {
    let spec = service.spec.as_ref().ok_or("it has no spec")?;
    let selector = spec
        .selector
        .as_ref()
        .filter(|s| !s.is_empty())
        .ok_or("it selects no pods (spec.selector is empty)")?
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",");
    let ports = spec.ports.as_deref().unwrap_or_default();
    let port = match ports.iter().find(|p| p.name.as_deref() == Some(PORT_NAME)) {
        Some(port) => port,
        None if ports.len() == 1 => &ports[0],
        None => return Err(format!("it has {} ports and none is named {PORT_NAME:?}", ports.len())),
    };
    Ok((selector, port.target_port.clone().unwrap_or(IntOrString::Int(port.port))))
}

/// The first ready, running pod (by name, so that every plugin picks the
/// same) and the number of the target port on it.
fn ready_pod(pods: &[Pod], target: &IntOrString) -> Option<(String, u16)> {
    let mut ready: Vec<&Pod> = pods.iter().filter(|p| is_ready(p)).collect();
    ready.sort_by(|a, b| a.metadata.name.cmp(&b.metadata.name));
    ready.into_iter().find_map(|pod| {
        let port = match target {
            IntOrString::Int(n) => u16::try_from(*n).ok()?,
            IntOrString::String(name) => named_port(pod, name)?,
        };
        Some((pod.metadata.name.clone()?, port))
    })
}

fn is_ready(pod: &Pod) -> bool {
    pod.metadata.deletion_timestamp.is_none()
        && pod.status.as_ref().is_some_and(|s| {
            s.phase.as_deref() == Some("Running")
                && s.conditions.iter().flatten().any(|c| c.type_ == "Ready" && c.status == "True")
        })
}

fn named_port(pod: &Pod, name: &str) -> Option<u16> {
    pod.spec
        .as_ref()?
        .containers
        .iter()
        .flat_map(|c| c.ports.iter().flatten())
        .find(|p| p.name.as_deref() == Some(name))
        .and_then(|p| u16::try_from(p.container_port).ok())
}

/// Port-forwards to `port` of pod `name` for each connection: the stream is
/// the pod's port as the API server carries it.
pub(crate) fn port_forward(
    pods: Api<Pod>,
    name: String,
    port: u16,
) -> impl tower::Service<http::Uri, Response = TokioIo<tokio::io::DuplexStream>, Error = BoxError, Future: Send>
+ Send
+ Clone
+ 'static {
    dialer(move || {
        let (pods, name) = (pods.clone(), name.clone());
        async move {
            let mut forwarder = pods.portforward(&name, &[port]).await.map_err(io::Error::other)?;
            let stream = forwarder
                .take_stream(port)
                .ok_or_else(|| io::Error::other("the API server opened no stream for the port"))?;
            // the forwarder's own task carries the bytes; this only reports how it ended
            tokio::spawn(async move {
                if let Err(e) = forwarder.join().await {
                    tracing::debug!("port-forward to pod {name} ended: {e}");
                }
            });
            Ok(stream)
        }
    })
}

/// A tonic connector that opens a fresh stream with `dial` for each
/// connection (tonic reconnects by calling it again).
pub(crate) fn dialer<D, F, S>(
    dial: D,
) -> impl tower::Service<http::Uri, Response = TokioIo<S>, Error = BoxError, Future: Send> + Send + Clone + 'static
where
    D: Fn() -> F + Send + Clone + 'static,
    F: Future<Output = io::Result<S>> + Send + 'static,
    S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    tower::service_fn(move |_: http::Uri| {
        let connecting = dial();
        async move { connecting.await.map(TokioIo::new).map_err(BoxError::from) }
    })
}

#[cfg(test)]
mod tests {
    use std::sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    };

    use k8s_openapi::api::core::v1::{Container, ContainerPort, PodCondition, PodSpec, PodStatus, ServicePort, ServiceSpec};
    use kube::api::ObjectMeta;
    use sagemaker_proto::v1::{
        self as pb,
        agent_client::AgentClient,
        agent_server::{Agent, AgentServer},
    };
    use futures::StreamExt as _;
    use tonic::{Request, Response, Status};

    use super::*;

    fn service(annotations: &[(&str, &str)], ports: &[(&str, i32, IntOrString)]) -> Service {
        Service {
            metadata: ObjectMeta {
                name: Some(SERVICE.into()),
                annotations: Some(annotations.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()),
                ..Default::default()
            },
            spec: Some(ServiceSpec {
                selector: Some([("app.kubernetes.io/name".to_string(), "sagemaker-agent".to_string())].into()),
                ports: Some(
                    ports
                        .iter()
                        .map(|(name, port, target)| ServicePort {
                            name: Some(name.to_string()),
                            port: *port,
                            target_port: Some(target.clone()),
                            ..Default::default()
                        })
                        .collect(),
                ),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    fn pod(name: &str, ready: bool, deleting: bool) -> Pod {
        Pod {
            metadata: ObjectMeta {
                name: Some(name.into()),
                deletion_timestamp: deleting.then(|| k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(Default::default())),
                ..Default::default()
            },
            spec: Some(PodSpec {
                containers: vec![Container {
                    name: "agent".into(),
                    ports: Some(vec![ContainerPort { name: Some("grpc".into()), container_port: 50051, ..Default::default() }]),
                    ..Default::default()
                }],
                ..Default::default()
            }),
            status: Some(PodStatus {
                phase: Some("Running".into()),
                conditions: Some(vec![PodCondition {
                    type_: "Ready".into(),
                    status: if ready { "True" } else { "False" }.into(),
                    ..Default::default()
                }]),
                ..Default::default()
            }),
        }
    }

    #[test]
    fn a_published_url_and_ca_win_over_port_forward() {
        let s = service(&[(URL_ANNOTATION, " https://agent.example:443 "), (CA_ANNOTATION, "PEM")], &[]);
        assert_eq!(published(&s), Some(("https://agent.example:443".into(), Some(b"PEM".to_vec()))));
        assert_eq!(published(&service(&[(URL_ANNOTATION, " ")], &[])), None);
    }

    #[test]
    fn the_grpc_port_is_the_one_named_grpc_else_the_only_one() {
        let named = service(
            &[],
            &[("metrics", 8080, IntOrString::Int(8080)), ("grpc", 50051, IntOrString::String("grpc".into()))],
        );
        let (selector, target) = backend(&named).expect("backend");
        assert_eq!(selector, "app.kubernetes.io/name=sagemaker-agent");
        assert_eq!(target, IntOrString::String("grpc".into()));
        let only = service(&[], &[("x", 80, IntOrString::Int(50051))]);
        assert_eq!(backend(&only).expect("backend").1, IntOrString::Int(50051));
        let two = service(&[], &[("a", 1, IntOrString::Int(1)), ("b", 2, IntOrString::Int(2))]);
        assert_eq!(backend(&two).expect_err("ambiguous"), "it has 2 ports and none is named \"grpc\"");
    }

    #[test]
    fn only_a_ready_pod_that_is_not_terminating_is_picked_and_its_named_port_resolved() {
        let pods = [pod("c", true, true), pod("b", false, false), pod("d", true, false), pod("a2", true, false)];
        assert_eq!(ready_pod(&pods, &IntOrString::String("grpc".into())), Some(("a2".into(), 50051)));
        assert_eq!(ready_pod(&pods, &IntOrString::Int(9000)), Some(("a2".into(), 9000)));
        assert_eq!(ready_pod(&pods, &IntOrString::String("nope".into())), None);
        assert_eq!(ready_pod(&pods[..2], &IntOrString::Int(9000)), None);
    }

    /// Answers Info only: enough to prove that gRPC crosses the stream.
    struct Fake;

    #[tonic::async_trait]
    impl Agent for Fake {
        type WatchStream = futures::stream::Empty<Result<pb::WatchEvent, Status>>;
        async fn apply(&self, _: Request<pb::ApplyRequest>) -> Result<Response<pb::ApplyResponse>, Status> {
            Err(Status::unimplemented("fake"))
        }
        async fn get(&self, _: Request<pb::GetRequest>) -> Result<Response<pb::Resource>, Status> {
            Err(Status::unimplemented("fake"))
        }
        async fn list(&self, _: Request<pb::ListRequest>) -> Result<Response<pb::ListResponse>, Status> {
            Err(Status::unimplemented("fake"))
        }
        async fn watch(&self, _: Request<pb::WatchRequest>) -> Result<Response<Self::WatchStream>, Status> {
            Err(Status::unimplemented("fake"))
        }
        async fn delete(&self, _: Request<pb::DeleteRequest>) -> Result<Response<pb::DeleteResponse>, Status> {
            Err(Status::unimplemented("fake"))
        }
        async fn stop(&self, _: Request<pb::StopRequest>) -> Result<Response<pb::StopResponse>, Status> {
            Err(Status::unimplemented("fake"))
        }
        async fn adopt(&self, _: Request<pb::AdoptRequest>) -> Result<Response<pb::AdoptResponse>, Status> {
            Err(Status::unimplemented("fake"))
        }
        async fn info(&self, _: Request<pb::InfoRequest>) -> Result<Response<pb::InfoResponse>, Status> {
            Ok(Response::new(pb::InfoResponse { agent_version: "fake".into(), ..Default::default() }))
        }
        async fn events(&self, _: Request<pb::GetRequest>) -> Result<Response<pb::EventsResponse>, Status> {
            Err(Status::unimplemented("fake"))
        }
        async fn children(&self, _: Request<pb::GetRequest>) -> Result<Response<pb::ChildrenResponse>, Status> {
            Err(Status::unimplemented("children"))
        }
        async fn check(&self, _: Request<pb::CheckRequest>) -> Result<Response<pb::CheckResponse>, Status> {
            Err(Status::unimplemented("fake"))
        }
        type LogsStream = futures::stream::Empty<Result<pb::LogsMessage, Status>>;
        async fn logs(&self, _: Request<pb::LogsRequest>) -> Result<Response<Self::LogsStream>, Status> {
            Err(Status::unimplemented("fake"))
        }
    }

    #[tokio::test]
    async fn grpc_crosses_a_dialed_stream_and_each_connection_dials_a_fresh_one() {
        let (to_server, from_dialer) = tokio::sync::mpsc::unbounded_channel::<tokio::io::DuplexStream>();
        let incoming = tokio_stream::wrappers::UnboundedReceiverStream::new(from_dialer).map(Ok::<_, io::Error>);
        tokio::spawn(tonic::transport::Server::builder().add_service(AgentServer::new(Fake)).serve_with_incoming(incoming));
        let dials = Arc::new(AtomicUsize::new(0));
        let dial = {
            let dials = dials.clone();
            move || {
                let (to_server, dials) = (to_server.clone(), dials.clone());
                async move {
                    dials.fetch_add(1, Ordering::SeqCst);
                    let (ours, theirs) = tokio::io::duplex(64 * 1024);
                    to_server.send(theirs).map_err(io::Error::other)?;
                    Ok(ours)
                }
            }
        };
        let endpoint = tonic::transport::Endpoint::from_static("http://sagemaker-agent.port-forward");
        for connection in 1..=2 {
            let channel = endpoint.connect_with_connector(dialer(dial.clone())).await.expect("connects");
            let mut client = AgentClient::new(channel);
            for _ in 0..3 {
                let info = client.info(pb::InfoRequest {}).await.expect("answers").into_inner();
                assert_eq!(info.agent_version, "fake");
            }
            assert_eq!(dials.load(Ordering::SeqCst), connection, "one stream per connection, reused by its calls");
        }
    }

}

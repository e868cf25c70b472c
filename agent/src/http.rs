//! The agent's plain-HTTP side, for the cluster rather than for users:
//! `/metrics` (Prometheus), `/healthz` (liveness), `/readyz` (readiness) and
//! `/loglevel` (read, or change from inside the pod, the log filter while
//! the agent runs).

use std::{
    convert::Infallible,
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
};

use http_body_util::{BodyExt, Full};
use hyper::{Method, Request, Response, StatusCode, body::Bytes, service::service_fn};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use crate::store::Store;

/// Changes the agent's log filter (`info`, `sagemaker_agent=debug,info`).
pub type LogLevel = Arc<dyn Fn(Option<&str>) -> Result<String, String> + Send + Sync>;

/// What the endpoints read.
pub struct State {
    pub metrics: crate::metrics::Shared,
    pub store: Arc<dyn Store>,
    /// Set once the agent serves the plugin (and, in a cluster, its caches
    /// are filled): a replica that is not ready gets no traffic.
    pub ready: Arc<AtomicBool>,
    pub log_level: Option<LogLevel>,
    /// In a cluster, where the log level is set instead of `PUT /loglevel`
    /// (a port-forward reaches the pod's loopback too, and may be anyone's):
    /// the ConfigMap's namespace.
    pub level_from_config_map: Option<String>,
}

/// Serves until the process ends.
pub async fn serve(listener: TcpListener, state: Arc<State>) {
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                tracing::warn!(error = %e, "metrics listener: accept failed");
                continue;
            }
        };
        let state = state.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request| {
                let state = state.clone();
                async move { Ok::<_, Infallible>(handle(&state, peer, request).await) }
            });
            if let Err(e) = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service).await {
                tracing::debug!(error = %e, "metrics connection ended");
            }
        });
    }
}

fn text(status: StatusCode, body: impl Into<String>) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body.into())));
    *response.status_mut() = status;
    response.headers_mut().insert("content-type", "text/plain; charset=utf-8".parse().expect("static header"));
    response
}

async fn handle(state: &State, peer: SocketAddr, request: Request<hyper::body::Incoming>) -> Response<Full<Bytes>> {
    match (request.method(), request.uri().path()) {
        (&Method::GET, "/metrics") => {
            for kind in crate::kinds::KINDS {
                if let Ok(all) = state.store.list(kind.info, None).await {
                    state.metrics.cache_size(kind.info.kind, all.len());
                }
            }
            let mut response = text(StatusCode::OK, state.metrics.encode());
            response.headers_mut().insert(
                "content-type",
                "application/openmetrics-text; version=1.0.0; charset=utf-8".parse().expect("static header"),
            );
            response
        }
        (&Method::GET, "/healthz") => text(StatusCode::OK, "ok\n"),
        (&Method::GET, "/readyz") => {
            if !state.ready.load(Ordering::SeqCst) {
                return text(StatusCode::SERVICE_UNAVAILABLE, "starting\n");
            }
            // a probe must be answered at once: a cache still filling is "not yet"
            match tokio::time::timeout(std::time::Duration::from_secs(1), state.store.list(crate::kinds::KINDS[0].info, None)).await {
                Ok(Ok(_)) => text(StatusCode::OK, "ok\n"),
                Ok(Err(e)) => text(StatusCode::SERVICE_UNAVAILABLE, format!("the store does not answer: {e}\n")),
                Err(_) => text(StatusCode::SERVICE_UNAVAILABLE, "the caches are still filling\n"),
            }
        }
        (method, "/loglevel") if method == Method::GET || method == Method::PUT => {
            let Some(level) = &state.log_level else {
                return text(StatusCode::NOT_FOUND, "the log level cannot be changed in this process\n");
            };
            if method == Method::GET {
                return match level(None) {
                    Ok(current) => text(StatusCode::OK, format!("{current}\n")),
                    Err(e) => text(StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")),
                };
            }
            // in a cluster, who may change what the agent logs is RBAC's call:
            // the agent's ConfigMap (a port-forward arrives on loopback too)
            if let Some(ns) = &state.level_from_config_map {
                return text(
                    StatusCode::FORBIDDEN,
                    format!("set the log level in the agent's ConfigMap: kubectl -n {ns} create configmap {} --from-literal=log-level=debug (or edit it)\n", crate::store::kube::AGENT_CONFIG),
                );
            }
            // standalone: only from this machine
            if !peer.ip().is_loopback() {
                return text(StatusCode::FORBIDDEN, "change the log level from the agent's own machine\n");
            }
            let body = match request.into_body().collect().await {
                Ok(b) => b.to_bytes(),
                Err(e) => return text(StatusCode::BAD_REQUEST, format!("{e}\n")),
            };
            let wanted = String::from_utf8_lossy(&body).trim().to_string();
            match level(Some(&wanted)) {
                Ok(now) => {
                    tracing::info!(filter = %now, "log level changed");
                    text(StatusCode::OK, format!("{now}\n"))
                }
                Err(e) => text(StatusCode::BAD_REQUEST, format!("{e}\n")),
            }
        }
        _ => text(StatusCode::NOT_FOUND, "not found: try /metrics, /healthz, /readyz or /loglevel\n"),
    }
}

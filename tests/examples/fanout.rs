//! Benchmark: `kubectl sagemaker get` across N clusters takes about as long
//! as the slowest cluster's agent, not the sum of them all.
//!
//! Starts N standalone agents on loopback (one training job each), puts each
//! behind a proxy that delays every chunk it forwards by a different amount
//! (agent i: i x --step, so they differ the way far-apart regions do), and
//! writes a kubeconfig with one context per agent. Then times, as a user
//! would run it, `get trainingjobs --context ctx-i` for each agent alone and
//! `get trainingjobs --all-contexts` for all of them at once (median of
//! --runs each).
//!
//!     cargo build --locked --workspace --bins
//!     cargo run --locked -p sagemaker-testsupport --example fanout -- --agents 1,5,10,20 --step 10ms

use std::{
    path::Path,
    process::Command,
    time::{Duration, Instant},
};

use sagemaker_testsupport::{AgentProcess, repo_root, workspace_binary};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};

struct Args {
    agents: Vec<usize>,
    step: Duration,
    runs: usize,
}

fn args() -> Args {
    let mut a = Args { agents: vec![1, 5, 10, 20], step: Duration::from_millis(10), runs: 5 };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_default();
        match flag.as_str() {
            "--agents" => a.agents = value.split(',').map(|n| n.parse().expect("--agents N[,N...]")).collect(),
            "--step" => a.step = Duration::from_millis(value.trim_end_matches("ms").parse().expect("--step 10ms")),
            "--runs" => a.runs = value.parse().expect("--runs N"),
            other => panic!("unknown flag {other}; flags: --agents 1,5,10,20 --step 10ms --runs 5"),
        }
    }
    a
}

/// Forwards connections on a loopback port to `target`, holding every chunk
/// `delay` before passing it on, in both directions.
async fn delaying_proxy(target: String, delay: Duration) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let target = target.clone();
            tokio::spawn(async move {
                let Ok(server) = TcpStream::connect(&target).await else { return };
                let (client_read, client_write) = client.into_split();
                let (server_read, server_write) = server.into_split();
                tokio::join!(pipe(client_read, server_write, delay), pipe(server_read, client_write, delay));
            });
        }
    });
    url
}

async fn pipe(mut from: tokio::net::tcp::OwnedReadHalf, mut to: tokio::net::tcp::OwnedWriteHalf, delay: Duration) {
    let mut buf = vec![0u8; 64 * 1024];
    while let Ok(n) = from.read(&mut buf).await {
        if n == 0 {
            break;
        }
        tokio::time::sleep(delay).await;
        if to.write_all(&buf[..n]).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
}

fn plugin(kubeconfig: &Path, args: &[&str]) -> Duration {
    let started = Instant::now();
    let out = Command::new(workspace_binary("kubectl-sagemaker").expect("build the workspace's binaries first"))
        .args(args)
        .env("KUBECONFIG", kubeconfig)
        .env_remove("KUBECTL_SAGEMAKER_AGENT")
        .output()
        .expect("run the plugin");
    let took = started.elapsed();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    took
}

fn median(kubeconfig: &Path, args: &[&str], runs: usize) -> Duration {
    let mut times: Vec<Duration> = (0..runs).map(|_| plugin(kubeconfig, args)).collect();
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{} ms", d.as_millis())
}

#[tokio::main]
async fn main() {
    let args = args();
    let most = args.agents.iter().copied().max().unwrap_or(1);
    let dir = tempfile::tempdir().expect("tempdir");
    let job = repo_root().join("examples/training.yaml");
    let mut agents = Vec::new();
    let mut urls = Vec::new();
    for i in 0..most {
        let data = dir.path().join(format!("agent-{i}"));
        let agent = AgentProcess::start(&["--standalone", "--data-dir", data.to_str().expect("path")], &[]).expect("agent starts");
        // no kubeconfig (a missing file in $KUBECONFIG is skipped): the agent by URL
        plugin(&dir.path().join("none"), &["train", "-f", job.to_str().expect("path"), "--agent", &agent.url]);
        let delay = args.step * (i as u32 + 1);
        urls.push(delaying_proxy(agent.url.trim_start_matches("http://").to_string(), delay).await);
        agents.push(agent);
    }
    println!("agents  slowest agent alone  sum of the agents alone  get --all-contexts");
    for &n in &args.agents {
        let mut kubeconfig = String::from(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: \"https://127.0.0.1:1\"}\n\
             users:\n- name: u\n  user: {}\ncontexts:\n",
        );
        for (i, url) in urls.iter().take(n).enumerate() {
            kubeconfig.push_str(&format!(
                "- name: ctx-{i}\n  context:\n    cluster: c\n    user: u\n    extensions:\n    \
                 - name: sagemaker.services.k8s.aws/agent\n      extension: {{url: \"{url}\"}}\n"
            ));
        }
        let path = dir.path().join(format!("kubeconfig-{n}"));
        std::fs::write(&path, kubeconfig).expect("write kubeconfig");
        let alone: Vec<Duration> =
            (0..n).map(|i| median(&path, &["get", "trainingjobs", "--context", &format!("ctx-{i}")], args.runs)).collect();
        let all = median(&path, &["get", "trainingjobs", "--all-contexts"], args.runs);
        let slowest = alone.iter().copied().max().unwrap_or_default();
        let sum: Duration = alone.iter().sum();
        println!("{n:<7} {:<20} {:<24} {}", ms(slowest), ms(sum), ms(all));
    }
    drop(agents);
}

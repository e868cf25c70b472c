//! End to end, as users run it: the real `kubectl` runs the plugin, which
//! talks to a real `sagemaker-agent`, which keeps state on a real API server
//! (or its embedded store) and reaches SageMaker through the AWS SDK against
//! moto (or its built-in simulator).

use std::{
    ffi::OsString,
    path::{Path, PathBuf},
    process::{Command, Output},
    time::{Duration, Instant},
};

use sagemaker_testsupport::{AgentProcess, KubeApiServer, Moto, repo_root, tls_files, workspace_binary};
use serde_json::Value;

const JOB: &str = "ack-xgboost-training-job-7420";

fn training_yaml() -> PathBuf {
    repo_root().join("examples/training.yaml")
}

/// The tutorial manifest with another name, written next to `dir`.
fn training_yaml_named(dir: &Path, name: &str, env: Option<(&str, &str)>) -> PathBuf {
    let mut text = std::fs::read_to_string(training_yaml()).expect("example").replace(JOB, name);
    if let Some((k, v)) = env {
        text.push_str(&format!("  environment:\n    {k}: \"{v}\"\n"));
    }
    let path = dir.join(format!("{name}.yaml"));
    std::fs::write(&path, text).expect("write manifest");
    path
}

/// `kubectl sagemaker ...`, with the plugin found on PATH as kubectl finds plugins.
struct Cli {
    path: OsString,
    agent: String,
    kubeconfig: Option<PathBuf>,
}

impl Cli {
    fn new(agent: &AgentProcess, kubeconfig: Option<PathBuf>) -> Self {
        Cli { agent: agent.url.clone(), ..Self::new_plugin(kubeconfig) }
    }

    /// The plugin with no agent of its own (it finds one, or needs none).
    fn new_plugin(kubeconfig: Option<PathBuf>) -> Self {
        let bin_dir = workspace_binary("kubectl-sagemaker").expect("plugin built").parent().expect("dir").to_path_buf();
        let mut paths = vec![bin_dir];
        paths.extend(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()));
        Cli { path: std::env::join_paths(paths).expect("PATH"), agent: String::new(), kubeconfig }
    }

    fn run(&self, args: &[&str]) -> Output {
        let mut cmd = Command::new("kubectl");
        cmd.arg("sagemaker").args(args).args(["--agent", &self.agent]).env("PATH", &self.path);
        match &self.kubeconfig {
            Some(k) => cmd.env("KUBECONFIG", k),
            None => cmd.env("KUBECONFIG", "/nonexistent"),
        };
        cmd.output().expect("run kubectl sagemaker")
    }

    /// `kubectl sagemaker ...` started, its stdout piped (a command that
    /// follows something).
    fn spawn(&self, args: &[&str]) -> std::process::Child {
        let mut cmd = Command::new("kubectl");
        cmd.arg("sagemaker").args(args).args(["--agent", &self.agent]).env("PATH", &self.path);
        cmd.env("KUBECONFIG", self.kubeconfig.as_deref().unwrap_or(Path::new("/nonexistent")));
        cmd.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
        cmd.spawn().expect("start kubectl sagemaker")
    }

    /// `kubectl sagemaker ...` without `--agent`: the plugin finds the agent itself.
    fn run_found(&self, args: &[&str]) -> Output {
        let mut cmd = Command::new("kubectl");
        cmd.arg("sagemaker").args(args).env("PATH", &self.path).env_remove("KUBECTL_SAGEMAKER_AGENT");
        cmd.env("KUBECONFIG", self.kubeconfig.as_deref().unwrap_or(Path::new("/nonexistent")));
        cmd.output().expect("run kubectl sagemaker")
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "kubectl sagemaker {args:?} failed ({}):\nstdout: {}\nstderr: {}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn get(&self, name: &str) -> Option<Value> {
        self.get_kind("trainingjob", name)
    }

    fn get_kind(&self, kind: &str, name: &str) -> Option<Value> {
        let out = self.run(&["get", kind, name, "-o", "json"]);
        out.status.success().then(|| serde_json::from_slice(&out.stdout).expect("json"))
    }

    /// Polls `get` until `pred` holds.
    fn wait_for(&self, name: &str, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        self.wait_for_kind("trainingjob", name, what, pred)
    }

    fn wait_for_kind(&self, kind: &str, name: &str, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(v) = self.get_kind(kind, name)
                && pred(&v)
            {
                return v;
            }
            assert!(Instant::now() < deadline, "{kind} {name} never became {what}: {:?}", self.get_kind(kind, name));
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

fn status(v: &Value) -> &str {
    v["status"]["trainingJobStatus"].as_str().unwrap_or_default()
}

fn condition<'a>(v: &'a Value, type_: &str) -> Option<&'a Value> {
    v["status"]["conditions"].as_array()?.iter().find(|c| c["type"] == type_)
}

/// Every field the manifest sets is in `actual`, with the same value.
fn assert_subset(expected: &Value, actual: &Value, path: &str) {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (k, v) in e {
                let got = a.get(k).unwrap_or_else(|| panic!("{path}.{k} is missing in SageMaker: {actual}"));
                assert_subset(v, got, &format!("{path}.{k}"));
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            assert_eq!(e.len(), a.len(), "{path} has another length in SageMaker");
            for (i, (x, y)) in e.iter().zip(a).enumerate() {
                assert_subset(x, y, &format!("{path}[{i}]"));
            }
        }
        // a float member answers `1.0` for the manifest's `1`
        (Value::Number(e), Value::Number(a)) => assert_eq!(e.as_f64(), a.as_f64(), "{path} differs in SageMaker"),
        _ => assert_eq!(expected, actual, "{path} differs in SageMaker"),
    }
}

fn manifest_spec(path: &Path) -> Value {
    let v: Value = serde_yaml::from_str(&std::fs::read_to_string(path).expect("read")).expect("yaml");
    v["spec"].clone()
}

/// DescribeTrainingJob through the real SDK against moto, in ACK naming.
fn describe_in_moto(moto: &Moto, name: &str) -> Value {
    use aws_sdk_sagemaker::config::{BehaviorVersion, Credentials, Region};
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let config = aws_sdk_sagemaker::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .endpoint_url(&moto.endpoint)
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("testing", "testing", None, None, "test"))
            .build();
        let client = aws_sdk_sagemaker::Client::from_conf(config);
        let out = client.describe_training_job().training_job_name(name).send().await.expect("describe in moto");
        sagemaker_schema::to_json(&out, sagemaker_schema::Naming::Ack).expect("to ACK json")
    })
}

/// AWS calls the agent made, by operation (from its Info), asked with
/// `token` (a Kubernetes user's, where the agent checks callers).
fn agent_calls_as(agent: &AgentProcess, token: Option<String>) -> std::collections::HashMap<String, u64> {
    use sagemaker_proto::v1::{InfoRequest, agent_client::AgentClient};
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let mut client = AgentClient::connect(agent.url.clone()).await.expect("connect");
        let mut request = tonic::Request::new(InfoRequest {});
        if let Some(token) = token {
            request.metadata_mut().insert("authorization", format!("Bearer {token}").parse().expect("header"));
        }
        client.info(request).await.expect("info").into_inner().aws_calls
    })
}

struct KubeSetup {
    kube: KubeApiServer,
    moto: Moto,
    agent: AgentProcess,
    cli: Cli,
}

impl KubeSetup {
    /// AWS calls the agent made, by operation, asked as the admin.
    fn calls(&self) -> std::collections::HashMap<String, u64> {
        agent_calls_as(&self.agent, self.kube.token("admin"))
    }

    /// Plain `kubectl` against the API server, which must succeed.
    fn kubectl_ok(&self, args: &[&str]) {
        let out = self.kube.kubectl().args(args).output().expect("kubectl");
        assert!(out.status.success(), "kubectl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
}

fn kube_setup() -> KubeSetup {
    kube_setup_with(&[])
}

fn kube_setup_with(extra_agent_args: &[&str]) -> KubeSetup {
    let moto = Moto::start_with_step(1.0).expect("moto");
    let (kube, agent) = cluster(&moto, extra_agent_args);
    let cli = Cli::new(&agent, Some(kube.kubeconfig.clone()));
    KubeSetup { kube, moto, agent, cli }
}

/// A real API server with the CRDs and the RBAC of `manifests/` installed,
/// and a Kubernetes-mode agent for it that calls `moto`, running as its
/// ServiceAccount with only what `manifests/rbac/` grants it.
fn cluster(moto: &Moto, extra_agent_args: &[&str]) -> (KubeApiServer, AgentProcess) {
    let kube = KubeApiServer::start().expect("kube-apiserver");
    for dir in ["manifests/crds", "manifests/rbac"] {
        let out = kube.kubectl().args(["apply", "-f"]).arg(repo_root().join(dir)).output().expect("kubectl apply");
        assert!(out.status.success(), "{dir}: {}", String::from_utf8_lossy(&out.stderr));
    }
    // every CRD established before the agent starts (a CRD's status may not
    // exist yet right after the apply: kubectl wait then fails at once)
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let out = kube
            .kubectl()
            .args(["wait", "--for", "condition=established", "--timeout", "30s", "crd", "--all"])
            .output()
            .expect("kubectl wait");
        if out.status.success() {
            break;
        }
        assert!(Instant::now() < deadline, "CRDs established: {}", String::from_utf8_lossy(&out.stderr));
        std::thread::sleep(Duration::from_millis(200));
    }
    let agent = agent_for(&kube, moto, extra_agent_args);
    (kube, agent)
}

/// A Kubernetes-mode agent for `kube` (another replica, when there is one
/// already), running as the ServiceAccount of `manifests/rbac/`.
fn agent_for(kube: &KubeApiServer, moto: &Moto, extra_agent_args: &[&str]) -> AgentProcess {
    let kubeconfig = service_account_kubeconfig(kube);
    let kubeconfig = kubeconfig.to_str().expect("path");
    AgentProcess::start(
        &[
            "--kubeconfig", kubeconfig, "--aws-backend", "aws", "--aws-endpoint-url", &moto.endpoint,
            "--poll-min", "300ms", "--poll-max", "1s", "--aws-max-attempts", "1", "--metrics-addr", "127.0.0.1:0",
        ]
        .into_iter()
        .chain(extra_agent_args.iter().copied())
        .collect::<Vec<_>>(),
        &moto.aws_env(),
    )
    .expect("agent")
}

/// A kubeconfig for the agent's ServiceAccount (`ack-system/sagemaker-agent`),
/// with a token from the API server's TokenRequest.
fn service_account_kubeconfig(kube: &KubeApiServer) -> PathBuf {
    let out = kube
        .kubectl()
        .args(["create", "token", "sagemaker-agent", "-n", "ack-system", "--duration", "24h"])
        .output()
        .expect("kubectl create token");
    assert!(out.status.success(), "token: {}", String::from_utf8_lossy(&out.stderr));
    let token = String::from_utf8_lossy(&out.stdout).trim().to_string();
    kube.kubeconfig_with("agent", &format!("token: {token}"), "default").expect("kubeconfig")
}

#[test]
fn a_training_job_reaches_sagemaker_with_every_manifest_field_and_its_status_comes_back() {
    let s = kube_setup();
    let out = s.cli.ok(&["train", "-f", training_yaml().to_str().expect("path"), "--wait", "--timeout", "2m"]);
    assert!(out.contains(&format!("trainingjob.sagemaker.services.k8s.aws/{JOB} created")), "{out}");

    // AWS side: the job exists with every field of the manifest
    let described = describe_in_moto(&s.moto, JOB);
    assert_subset(&manifest_spec(&training_yaml()), &described, "spec");
    assert_eq!(described["trainingJobStatus"], "Completed");

    // Kubernetes side, read with plain kubectl: ACK-shaped status and conditions
    let out = s.kube.kubectl().args(["get", "trainingjob", JOB, "-o", "json"]).output().expect("kubectl get");
    let cr: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(status(&cr), "Completed", "{cr}");
    assert_eq!(cr["status"]["secondaryStatus"], "Completed");
    let meta = &cr["status"]["ackResourceMetadata"];
    assert_eq!(meta["ownerAccountID"], "123456789012");
    assert_eq!(meta["region"], "us-east-1");
    assert_eq!(meta["arn"], described["trainingJobARN"]);
    assert!(cr["status"]["modelArtifacts"]["s3ModelArtifacts"].as_str().is_some_and(|s| s.ends_with("model.tar.gz")));
    assert_eq!(condition(&cr, "ACK.ResourceSynced").expect("synced")["status"], "True");
    assert_eq!(condition(&cr, "Ready").expect("ready")["status"], "True");
    assert!(condition(&cr, "ACK.Terminal").is_none());
    assert_eq!(cr["metadata"]["finalizers"][0], "finalizers.sagemaker.services.k8s.aws/TrainingJob");

    let dir = tempfile::tempdir().expect("tempdir");
    // plain `kubectl apply` is refused by the API server itself: the CRD
    // carries the service model's constraints
    let bad = std::fs::read_to_string(training_yaml()).expect("example").replace(JOB, "bad-count").replace("instanceCount: 1", "instanceCount: -1");
    let bad_path = dir.path().join("bad-count.yaml");
    std::fs::write(&bad_path, bad).expect("write");
    let out = s.kube.kubectl().args(["apply", "-f"]).arg(&bad_path).output().expect("kubectl apply");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "the API server accepted instanceCount: -1");
    assert!(stderr.contains("spec.resourceConfig.instanceCount") && stderr.contains("greater than or equal to 0"), "{stderr}");

    // a job that failed is synced but not Ready: `kubectl wait --for=condition=Ready` fails
    let fail = training_yaml_named(dir.path(), "fail-me", Some(("SIM_FAIL_REASON", "AlgorithmError: boom")));
    s.cli.ok(&["apply", "-f", fail.to_str().expect("path")]);
    let failed = s.cli.wait_for("fail-me", "Failed", |v| status(v) == "Failed" && condition(v, "Ready").is_some_and(|c| c["reason"] == "Failed"));
    assert_eq!(condition(&failed, "Ready").expect("ready")["status"], "False", "{failed}");
    assert_eq!(condition(&failed, "ACK.ResourceSynced").expect("synced")["status"], "True", "{failed}");
    let out = s.kube.kubectl().args(["wait", "--for=condition=Ready", "--timeout=2s", "trainingjob/fail-me"]).output().expect("kubectl wait");
    assert!(!out.status.success(), "kubectl wait --for=condition=Ready passed on a failed job");
    let out = s.kube.kubectl().args(["wait", "--for=condition=Ready", "--timeout=5s", &format!("trainingjob/{JOB}")]).output().expect("kubectl wait");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // its failure is a Warning event
    let failed = s.cli.ok(&["describe", "trainingjob", "fail-me"]);
    assert!(failed.lines().any(|l| l.trim_start().starts_with("Warning") && l.contains("AlgorithmError: boom")), "{failed}");
    s.cli.ok(&["delete", "trainingjob", "fail-me", "--wait"]);

    // a finished job costs no more AWS calls
    let before = s.calls();
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(s.calls(), before, "a completed job must not be polled");

    // each lifecycle step is an Event, recorded by the agent as its ServiceAccount
    // and shown by describe (read back from the API server by the resource's uid)
    let described = s.cli.ok(&["describe", "trainingjob", JOB]);
    let events = described.split_once("Events:\n").map(|(_, e)| e.to_string()).unwrap_or_else(|| panic!("{described}"));
    for reason in ["Created", "Starting", "Training", "Completed"] {
        assert!(events.lines().any(|l| l.split_whitespace().nth(1) == Some(reason)), "{reason} not in:\n{events}");
    }
    let out = s.kube.kubectl().args(["get", "events.events.k8s.io", "-o", "json"]).output().expect("kubectl get events");
    let listed: Value = serde_json::from_slice(&out.stdout).expect("events json");
    assert!(listed["items"].as_array().expect("items").iter().all(|e| e["reportingController"] == "sagemaker-agent"));

    // Prometheus sees those calls under ACK's names, and the agent's own
    let (code, metrics) = s.agent.http("GET", "/metrics", "");
    assert_eq!(code, 200);
    let value = |line_start: &str| -> f64 {
        let line = metrics.lines().find(|l| l.starts_with(line_start)).unwrap_or_else(|| panic!("{line_start} not in:\n{metrics}"));
        line.rsplit(' ').next().and_then(|v| v.parse().ok()).expect("a number")
    };
    let creates = value("ack_outbound_api_requests_total{service=\"sagemaker\",op_type=\"CREATE\",op_id=\"CreateTrainingJob\"}");
    assert_eq!(creates, 2.0, "{JOB} and fail-me");
    let describes = value("ack_outbound_api_requests_total{service=\"sagemaker\",op_type=\"READ_ONE\",op_id=\"DescribeTrainingJob\"}");
    assert_eq!(describes as u64, before["DescribeTrainingJob"], "the metric counts what Info counts");
    assert!(value("sagemaker_agent_aws_calls_total{service=\"sagemaker\",operation=\"CreateTrainingJob\",outcome=\"ok\",account=\"123456789012\",region=\"us-east-1\"}") == 2.0);
    assert!(value("sagemaker_agent_reconciles_total{kind=\"TrainingJob\",outcome=\"done\"}") >= 2.0);
    assert!(value("sagemaker_agent_grpc_requests_total{method=\"Apply\",code=\"Ok\"}") >= 2.0);
    assert_eq!(value("sagemaker_agent_cache_objects{kind=\"TrainingJob\"}"), 1.0);
    assert_eq!(s.agent.http("GET", "/healthz", ""), (200, "ok\n".into()));
    assert_eq!(s.agent.http("GET", "/readyz", ""), (200, "ok\n".into()));
    // the log filter changes while the agent runs, through its ConfigMap (RBAC
    // decides who may); a PUT is refused, since a port-forward arrives on loopback
    assert_eq!(s.agent.http("GET", "/loglevel", "").1, "sagemaker_agent=debug,info\n");
    assert_eq!(s.agent.http("PUT", "/loglevel", "trace").0, 403);
    s.kubectl_ok(&["create", "configmap", "sagemaker-agent", "-n", "ack-system", "--from-literal=log-level=warn"]);
    let deadline = Instant::now() + Duration::from_secs(20);
    while s.agent.http("GET", "/loglevel", "").1 != "warn\n" {
        assert!(Instant::now() < deadline, "the ConfigMap's log level was not applied: {}", s.agent.log());
        std::thread::sleep(Duration::from_millis(200));
    }

    // deleting releases the finalizer; the job record stays in SageMaker
    s.cli.ok(&["delete", "trainingjob", JOB, "--wait"]);
    assert!(s.cli.get(JOB).is_none());
    let out = s.kube.kubectl().args(["get", "trainingjobs", "-o", "name"]).output().expect("kubectl get");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "");
    assert_eq!(describe_in_moto(&s.moto, JOB)["trainingJobStatus"], "Completed");
    drop(s.agent);
}

#[test]
fn deleting_a_running_job_stops_it_and_retain_leaves_it_running() {
    let s = kube_setup();
    let dir = tempfile::tempdir().expect("tempdir");

    // a label dropped from the manifest is removed (server-side apply field
    // ownership); one added by someone else with kubectl stays
    let labelled = labelled_job(dir.path(), "labels-job", &[("team", "ml"), ("stage", "dev")]);
    s.cli.ok(&["apply", "-f", &labelled]);
    let out = s.kube.kubectl().args(["label", "trainingjob", "labels-job", "owner=ops"]).output().expect("kubectl label");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let labelled = labelled_job(dir.path(), "labels-job", &[("team", "ml")]);
    assert!(s.cli.ok(&["apply", "-f", &labelled]).ends_with("labels-job configured\n"));
    let out = s.kube.kubectl().args(["get", "trainingjob", "labels-job", "-o", "jsonpath={.metadata.labels}"]).output().expect("get");
    let labels: Value = serde_json::from_slice(&out.stdout).expect("labels");
    assert_eq!(labels, serde_json::json!({"owner": "ops", "team": "ml"}));
    assert!(s.cli.ok(&["apply", "-f", &labelled]).ends_with("labels-job unchanged\n"));

    let stop = training_yaml_named(dir.path(), "stop-me", None);
    let keep = training_yaml_named(dir.path(), "keep-me", None);
    s.cli.ok(&["apply", "-f", stop.to_str().expect("path"), "-f", keep.to_str().expect("path")]);
    let in_progress = |v: &Value| status(v) == "InProgress";
    if std::panic::catch_unwind(|| s.cli.wait_for("stop-me", "InProgress", in_progress)).is_err() {
        panic!("agent log:\n{}", s.agent.log());
    }
    s.cli.wait_for("keep-me", "InProgress", in_progress);

    s.cli.ok(&["delete", "trainingjob", "stop-me", "--wait"]);
    assert!(s.cli.get("stop-me").is_none());
    assert_eq!(describe_in_moto(&s.moto, "stop-me")["trainingJobStatus"], "Stopped");

    s.cli.ok(&["delete", "trainingjob", "keep-me", "--retain", "--wait"]);
    assert!(s.cli.get("keep-me").is_none());
    let kept = describe_in_moto(&s.moto, "keep-me");
    assert_ne!(kept["trainingJobStatus"], "Stopped", "retain must not stop the job: {kept}");
    assert_ne!(kept["trainingJobStatus"], "Stopping");
    assert_eq!(s.calls().get("StopTrainingJob"), Some(&1));
}

fn standalone_agent(data_dir: &Path) -> AgentProcess {
    AgentProcess::start(
        &["--standalone", "--data-dir", data_dir.to_str().expect("path"), "--sim-step", "1s", "--poll-min", "200ms", "--poll-max", "1s"],
        &[],
    )
    .expect("standalone agent")
}

#[test]
fn standalone_mode_trains_stops_and_survives_an_agent_restart_mid_flight() {
    let data = tempfile::tempdir().expect("tempdir");
    let agent = standalone_agent(data.path());
    let cli = Cli::new(&agent, None);

    // there is nobody to impersonate standalone: refused rather than run with the caller's rights
    let out = cli.run(&["get", "trainingjobs", "--as", "someone-else"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("no Kubernetes users to impersonate"), "{}", stderr_of(&out));

    // the quickstart flow
    let out = cli.ok(&["train", "-f", training_yaml().to_str().expect("path"), "--wait"]);
    assert!(out.contains("Completed"), "{out}");
    let job = cli.get(JOB).expect("job");
    assert_eq!(job["status"]["ackResourceMetadata"]["arn"], format!("arn:aws:sagemaker:us-east-1:123456789012:training-job/{JOB}"));
    let described = cli.ok(&["describe", "trainingjob", JOB]);
    assert!(described.contains("Completed") && described.contains("ACK.ResourceSynced"), "{described}");

    // stop an InProgress job by deleting it
    let dir = tempfile::tempdir().expect("tempdir");
    let stop = training_yaml_named(dir.path(), "stop-me", None);
    cli.ok(&["apply", "-f", stop.to_str().expect("path")]);
    cli.wait_for("stop-me", "InProgress", |v| status(v) == "InProgress");
    cli.ok(&["delete", "trainingjob", "stop-me", "--wait"]);
    assert_eq!(agent_calls_as(&agent, None).get("StopTrainingJob"), Some(&1));

    // a failing job: watch exits non-zero and says why
    let fail = training_yaml_named(dir.path(), "fail-me", Some(("SIM_FAIL_REASON", "AlgorithmError: out of memory")));
    cli.ok(&["apply", "-f", fail.to_str().expect("path")]);
    let out = cli.run(&["watch", "trainingjob", "fail-me", "--timeout", "1m"]);
    assert!(!out.status.success());
    let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(all.contains("AlgorithmError: out of memory"), "{all}");

    // restart mid-flight: the job is neither created twice nor forgotten
    let flight = training_yaml_named(dir.path(), "in-flight", None);
    cli.ok(&["apply", "-f", flight.to_str().expect("path")]);
    cli.wait_for("in-flight", "InProgress", |v| status(v) == "InProgress");
    agent.kill();
    let agent = standalone_agent(data.path());
    let cli = Cli::new(&agent, None);
    cli.ok(&["watch", "trainingjob", "in-flight", "--timeout", "1m"]);
    let job = cli.get("in-flight").expect("job after restart");
    assert_eq!(status(&job), "Completed");
    assert!(condition(&job, "ACK.Terminal").is_none(), "{job}");
    assert_eq!(agent_calls_as(&agent, None).get("CreateTrainingJob"), None, "the restarted agent created nothing");
    // completed before the restart, still there and complete after it
    assert_eq!(status(&cli.get(JOB).expect("first job")), "Completed");
}

#[test]
fn bad_input_is_rejected_with_a_clear_message_and_nothing_is_created() {
    let data = tempfile::tempdir().expect("tempdir");
    let agent = standalone_agent(data.path());
    let cli = Cli::new(&agent, None);
    let dir = tempfile::tempdir().expect("tempdir");
    let good = std::fs::read_to_string(training_yaml()).expect("example");
    let bad = good.replace(JOB, "second-job").replace("instanceCount: 1", "instanceCont: 1");
    let path = dir.path().join("two.yaml");
    std::fs::write(&path, format!("{good}---\n{bad}")).expect("write");
    let out = cli.run(&["apply", "-f", path.to_str().expect("path")]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("error:") && stderr.contains("instanceCont"), "{stderr}");
    assert!(stderr.contains("document 2"), "{stderr}");
    assert!(stderr.contains("hint:") && stderr.contains("instanceCount"), "{stderr}");
    let out = cli.run(&["get", "trainingjobs", "-o", "json"]);
    let list: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(list["items"].as_array().map(Vec::len), Some(0), "nothing may be created: {list}");
}

#[test]
fn kubectl_finds_the_plugin_and_it_reports_its_own_and_the_agents_version() {
    let data = tempfile::tempdir().expect("tempdir");
    let agent = standalone_agent(data.path());
    let cli = Cli::new(&agent, None);
    let out = cli.ok(&["version"]);
    assert!(out.contains(env!("CARGO_PKG_VERSION")), "{out}");
    assert!(out.contains("standalone") && out.contains("sim"), "{out}");
}

/// The agent binary run to completion (for starts that must fail).
fn agent_refuses(args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(workspace_binary("sagemaker-agent").expect("agent built"))
        .args(args)
        .output()
        .expect("run sagemaker-agent");
    assert!(out.stdout.is_empty(), "it must not listen: {}", String::from_utf8_lossy(&out.stdout));
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn a_standalone_agent_refuses_a_network_address_unless_callers_must_authenticate() {
    let data = tempfile::tempdir().expect("tempdir");
    let dir = data.path().to_str().expect("path");
    let (code, stderr) = agent_refuses(&["--standalone", "--data-dir", dir, "--listen", "0.0.0.0:0"]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("error: refusing to listen on 0.0.0.0:0 without authentication"), "{stderr}");
    assert!(stderr.contains("hint:") && stderr.contains("--token-file"), "{stderr}");
    // a token alone would cross the network in clear: TLS is required with it
    let token = data.path().join("token");
    std::fs::write(&token, "correct-horse-battery\n").expect("token");
    let token_arg = token.to_str().expect("path");
    let (code, stderr) = agent_refuses(&["--standalone", "--data-dir", dir, "--listen", "0.0.0.0:0", "--token-file", token_arg]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("without authentication over TLS"), "{stderr}");

    // with a token file and TLS it serves, and only callers with the token
    let (ca, cert, key) = tls_files(data.path()).expect("certificates");
    let (token, cert, key) = (token.to_str().expect("p"), cert.to_str().expect("p"), key.to_str().expect("p"));
    let agent = AgentProcess::start_on(
        "0.0.0.0:0",
        &["--standalone", "--data-dir", dir, "--token-file", token, "--tls-cert", cert, "--tls-key", key],
        &[],
    )
    .expect("agent with token and TLS");
    assert!(agent.url.starts_with("https://"), "{}", agent.url);
    let cli = Cli::new(&agent, None);
    let ca = ca.to_str().expect("path");
    let out = cli.ok(&["version", "--agent-ca", ca, "--token", "correct-horse-battery"]);
    assert!(out.contains("standalone"), "{out}");

    let out = cli.run(&["version", "--agent-ca", ca, "--token", "wrong"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("refused the call") && stderr.contains("not accepted"), "{stderr}");
    let out = cli.run(&["version", "--agent-ca", ca]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("requires a bearer token"), "{out:?}");

    // the certificate renewed in place, by another CA: served from the next connection, no restart
    let renewed = tempfile::tempdir().expect("tempdir");
    let (new_ca, new_cert, new_key) = tls_files(renewed.path()).expect("certificates");
    std::fs::copy(&new_key, key).expect("replace the key");
    std::fs::copy(&new_cert, cert).expect("replace the certificate");
    let out = cli.ok(&["version", "--agent-ca", new_ca.to_str().expect("path"), "--token", "correct-horse-battery"]);
    assert!(out.contains("standalone"), "{out}");
    let out = cli.run(&["version", "--agent-ca", ca, "--token", "correct-horse-battery", "--request-timeout", "3s"]);
    assert_eq!(out.status.code(), Some(2), "the old CA no longer verifies it: {}", stderr_of(&out));
    assert!(agent.log().contains("serving the renewed TLS certificate"), "{}", agent.log());

    // the same agent reached without TLS: nothing answers gRPC there, and the
    // token is refused before it could be sent to a non-loopback address
    let plain = agent.url.replace("https://127.0.0.1", "http://localhost");
    let out = Command::new("kubectl")
        .args(["sagemaker", "version", "--agent", &plain, "--request-timeout", "3s"])
        .env("PATH", &cli.path)
        .env("KUBECONFIG", "/nonexistent")
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(&format!("error: no sagemaker-agent answered at {plain}")), "{stderr}");
}

#[test]
fn a_second_agent_on_the_same_data_dir_refuses_to_start_naming_the_first() {
    let data = tempfile::tempdir().expect("tempdir");
    let first = standalone_agent(data.path());
    let dir = data.path().to_str().expect("path");
    let (code, stderr) = agent_refuses(&["--standalone", "--data-dir", dir, "--listen", "127.0.0.1:0"]);
    assert_eq!(code, Some(1), "{stderr}");
    let pid = std::fs::read_to_string(data.path().join("agent.lock")).expect("lock file");
    assert!(
        stderr.contains(&format!("another sagemaker-agent (PID {}) is using the data dir", pid.trim())),
        "{stderr}"
    );
    drop(first);
}

fn stderr_of(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_request_sagemaker_rejects_ends_train_wait_at_once_with_sagemakers_message() {
    let data = tempfile::tempdir().expect("tempdir");
    let agent = standalone_agent(data.path());
    let cli = Cli::new(&agent, None);
    let reason = "Could not assume role arn:aws:iam::123456789012:role/ack-sagemaker-execution-role";
    let manifest = training_yaml_named(data.path(), "rejected", Some(("SIM_REJECT_REASON", reason)));
    let started = Instant::now();
    let out = cli.run(&["train", "-f", manifest.to_str().expect("path"), "--wait", "--timeout", "2m"]);
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), stderr_of(&out));
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(stderr.contains("cannot make progress (ACK.Terminal)") && stderr.contains(reason), "{stderr}");
    // the job ends the wait as soon as it turns Terminal, not at the timeout
    assert!(started.elapsed() < Duration::from_secs(60), "took {:?}", started.elapsed());
}

#[test]
fn apply_refuses_what_sagemaker_would_refuse_or_cannot_change_naming_the_field_and_owner() {
    let data = tempfile::tempdir().expect("tempdir");
    let agent = standalone_agent(data.path());
    let cli = Cli::new(&agent, None);
    let good = std::fs::read_to_string(training_yaml()).expect("example");
    let write = |name: &str, text: String| {
        let path = data.path().join(name);
        std::fs::write(&path, text).expect("write");
        path.display().to_string()
    };

    // values the service model forbids: nothing is created
    for (bad, field) in [
        (good.replace("instanceCount: 1", "instanceCount: -1"), "spec.resourceConfig.instanceCount"),
        (good.replace("trainingInputMode: File", "trainingInputMode: Filez"), "spec.algorithmSpecification.trainingInputMode"),
        (good.replace("instanceType: ml.m4.xlarge", "instanceType: ml.bogus.huge"), "spec.resourceConfig.instanceType"),
    ] {
        assert_ne!(bad, good, "the example changed: {field}");
        let out = cli.run(&["apply", "-f", &write("bad.yaml", bad)]);
        let stderr = stderr_of(&out);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains(field), "{field}: {stderr}");
    }
    let out = cli.run(&["apply", "-f", &write("bad.yaml", good.replace("trainingInputMode: File", "trainingInputMode: Filez"))]);
    assert!(stderr_of(&out).contains("hint: did you mean \"File\"?"), "{}", stderr_of(&out));
    assert!(cli.get(JOB).is_none(), "nothing may be created");

    // one job, one owner: the same SageMaker name from another namespace is refused
    let manifest = training_yaml().display().to_string();
    cli.ok(&["apply", "-f", &manifest]);
    let out = cli.run(&["apply", "-f", &manifest, "-n", "team-b"]);
    let stderr = stderr_of(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains(&format!("TrainingJob default/{JOB} already manages the TrainingJob named {JOB}")), "{stderr}");

    // where it lives is fixed once it exists
    cli.wait_for(JOB, "created", |v| v["status"]["ackResourceMetadata"]["region"] == "us-east-1");
    let moved = good.replace("metadata:\n", "metadata:\n  annotations:\n    services.k8s.aws/region: eu-west-1\n");
    assert_ne!(moved, good);
    let out = cli.run(&["apply", "-f", &write("moved.yaml", moved)]);
    let stderr = stderr_of(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("exists in region us-east-1; the manifest asks for region eu-west-1"), "{stderr}");
    assert!(stderr.contains("hint: a resource cannot move between regions"), "{stderr}");
}

#[test]
fn each_log_line_carries_its_own_resource_while_reconciles_interleave() {
    let data = tempfile::tempdir().expect("tempdir");
    let dir = data.path().to_str().expect("path");
    let agent = AgentProcess::start(
        &["--standalone", "--data-dir", dir, "--sim-step", "300ms", "--poll-min", "100ms", "--poll-max", "300ms"],
        &[("SAGEMAKER_AGENT_LOG_FORMAT", "json".to_string())],
    )
    .expect("agent");
    let cli = Cli::new(&agent, None);
    let names: Vec<String> = (0..6).map(|i| format!("concurrent-{i}")).collect();
    let text: Vec<String> = names
        .iter()
        .map(|n| std::fs::read_to_string(training_yaml_named(data.path(), n, None)).expect("manifest"))
        .collect();
    let all = data.path().join("all.yaml");
    std::fs::write(&all, text.join("---\n")).expect("write");
    cli.ok(&["apply", "-f", all.to_str().expect("path"), "--wait", "--timeout", "2m"]);

    let log = agent.log();
    assert!(!log.contains('\u{1b}'), "colour codes in a log file");
    let mut created = 0;
    for line in log.lines() {
        let event: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("not a JSON log line ({e}): {line}"));
        if event["fields"]["message"] != "created" {
            continue;
        }
        created += 1;
        let resource = event["span"]["resource"].as_str().unwrap_or_else(|| panic!("no span: {line}"));
        let arn = event["fields"]["arn"].as_str().expect("arn");
        assert!(arn.ends_with(&format!("/{resource}")), "a line about {arn} carries the span of {resource}");
    }
    assert_eq!(created, names.len(), "{log}");
}

/// The tutorial manifest named `name` with these labels.
fn labelled_job(dir: &Path, name: &str, labels: &[(&str, &str)]) -> String {
    let mut text = std::fs::read_to_string(training_yaml()).expect("example").replace(JOB, name);
    if !labels.is_empty() {
        let block: String = labels.iter().map(|(k, v)| format!("    {k}: {v}\n")).collect();
        text = text.replacen("metadata:\n", &format!("metadata:\n  labels:\n{block}"), 1);
    }
    let path = dir.join(format!("{name}.yaml"));
    std::fs::write(&path, text).expect("write");
    path.display().to_string()
}

#[test]
fn the_kubectl_forms_users_type_work_through_kubectl() {
    let data = tempfile::tempdir().expect("tempdir");
    let dir = data.path().to_str().expect("path");
    let agent = AgentProcess::start(
        &["--standalone", "--data-dir", dir, "--sim-step", "400ms", "--poll-min", "100ms", "--poll-max", "400ms"],
        &[],
    )
    .expect("agent");
    let cli = Cli::new(&agent, None);
    let a = labelled_job(data.path(), "job-a", &[("team", "ml"), ("stage", "dev")]);
    let b = labelled_job(data.path(), "job-b", &[("team", "cv")]);
    cli.ok(&["apply", "-f", &a, "-f", &b]);

    let out = cli.ok(&["get", "tj", "job-a", "job-b"]);
    let header: Vec<&str> = out.lines().next().unwrap_or_default().split_whitespace().collect();
    assert_eq!(header, ["NAME", "STATUS", "SECONDARY-STATUS", "SYNCED", "AGE"], "{out}");
    assert_eq!(out.lines().count(), 3, "{out}");
    let out = cli.ok(&["get", "tj/job-a", "trainingjob/job-b", "--no-headers"]);
    assert!(out.lines().count() == 2 && out.starts_with("job-a "), "{out}");
    assert_eq!(cli.ok(&["get", "tj", "-l", "team=ml", "-o", "name"]), "trainingjob.sagemaker.services.k8s.aws/job-a\n");
    assert_eq!(cli.ok(&["get", "tj", "-l", "team notin (ml)", "-o", "name"]), "trainingjob.sagemaker.services.k8s.aws/job-b\n");
    assert_eq!(cli.ok(&["get", "tj", "-o", "jsonpath={.items[*].metadata.name}"]), "job-a job-b");
    assert_eq!(cli.ok(&["get", "tj", "job-a", "-o", "jsonpath={.metadata.labels.team}"]), "ml");
    let out = cli.ok(&["get", "tj", "-o", "custom-columns=NAME:.metadata.name,TEAM:.metadata.labels.team"]);
    assert_eq!(out, "NAME    TEAM\njob-a   ml\njob-b   cv\n");
    let out = cli.ok(&["get", "tj", "job-a", "--show-labels"]);
    assert!(out.lines().nth(1).unwrap_or_default().ends_with("stage=dev,team=ml"), "{out}");

    // one missing name: the others print, the exit status says it failed
    let out = cli.run(&["get", "tj", "job-a", "nope"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("job-a"));
    assert!(stderr_of(&out).contains("\"nope\" not found"), "{}", stderr_of(&out));
    // usage errors exit 2
    assert_eq!(cli.run(&["get", "tj/job-a", "job-b"]).status.code(), Some(2));
    assert_eq!(cli.run(&["get", "tj", "-o", "jsonpath={.items[*"]).status.code(), Some(2));

    // what `get -o yaml` prints applies back unchanged
    let listed = data.path().join("listed.yaml");
    std::fs::write(&listed, cli.ok(&["get", "tj", "-o", "yaml"])).expect("write");
    let out = cli.ok(&["apply", "-f", listed.to_str().expect("path")]);
    assert_eq!(
        out,
        "trainingjob.sagemaker.services.k8s.aws/job-a unchanged\ntrainingjob.sagemaker.services.k8s.aws/job-b unchanged\n"
    );

    // a label dropped from the manifest goes; the rest stays
    let a = labelled_job(data.path(), "job-a", &[("team", "ml")]);
    assert!(cli.ok(&["apply", "-f", &a]).ends_with("job-a configured\n"));
    assert_eq!(cli.ok(&["get", "tj", "job-a", "-o", "jsonpath={.metadata.labels}"]), r#"{"team":"ml"}"#);

    // -w prints the current state, then each change (here: a label we add)
    let mut watch = Command::new("kubectl")
        .args(["sagemaker", "get", "tj", "job-b", "-w", "--no-headers", "--show-labels", "--agent", &agent.url])
        .env("PATH", &cli.path)
        .env("KUBECONFIG", "/nonexistent")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("watch");
    let stdout = watch.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufRead::lines(std::io::BufReader::new(stdout)).map_while(Result::ok) {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    let first = rx.recv_timeout(Duration::from_secs(30)).expect("the current state");
    assert!(first.starts_with("job-b ") && first.ends_with("team=cv"), "{first}");
    cli.ok(&["apply", "-f", &labelled_job(data.path(), "job-b", &[("team", "cv"), ("tier", "gold")])]);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let line = rx.recv_timeout(deadline.saturating_duration_since(Instant::now())).expect("the change is printed");
        assert!(line.starts_with("job-b "), "{line}");
        if line.ends_with("team=cv,tier=gold") {
            break;
        }
    }
    let _ = watch.kill();
    let _ = watch.wait();

    // delete -f deletes what the files define
    let out = cli.ok(&["delete", "-f", &b, "--wait", "--timeout", "1m"]);
    assert!(out.contains("trainingjob.sagemaker.services.k8s.aws/job-b"), "{out}");
    assert!(cli.get("job-b").is_none());
}

fn example(name: &str) -> PathBuf {
    repo_root().join("examples").join(name)
}

/// Every document of a manifest file.
fn documents(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).expect("read");
    serde_yaml::Deserializer::from_str(&text).map(|d| serde_yaml::with::singleton_map_recursive::deserialize(d).expect("yaml")).collect()
}

fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Runtime::new().expect("runtime").block_on(f)
}

/// An SDK client of `$sdk` for moto (every AWS SDK crate has the same
/// config builder, but no trait in common).
macro_rules! moto_client {
    ($sdk:ident, $moto:expr) => {{
        use $sdk::config::{BehaviorVersion, Credentials, Region};
        let config = $sdk::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .endpoint_url(&$moto.endpoint)
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("testing", "testing", None, None, "test"))
            .build();
        $sdk::Client::from_conf(config)
    }};
}

fn sagemaker(moto: &Moto) -> aws_sdk_sagemaker::Client {
    moto_client!(aws_sdk_sagemaker, moto)
}

fn autoscaling(moto: &Moto) -> aws_sdk_applicationautoscaling::Client {
    moto_client!(aws_sdk_applicationautoscaling, moto)
}

/// A hosting resource as moto describes it, through the real SDK, in ACK
/// naming (`None` when moto does not have it).
fn hosting_in_moto(moto: &Moto, kind: &str, name: &str) -> Option<Value> {
    let client = sagemaker(moto);
    let ack = |v: &dyn aws_smithy_schema::serde::SerializableStruct| sagemaker_schema::to_json(v, sagemaker_schema::Naming::Ack).expect("ack json");
    block_on(async {
        match kind {
            "Model" => client.describe_model().model_name(name).send().await.ok().map(|o| ack(&o)),
            "EndpointConfig" => client.describe_endpoint_config().endpoint_config_name(name).send().await.ok().map(|o| ack(&o)),
            "Endpoint" => client.describe_endpoint().endpoint_name(name).send().await.ok().map(|o| ack(&o)),
            other => panic!("not a hosting kind: {other}"),
        }
    })
}

fn wait_in_moto(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done() {
        assert!(Instant::now() < deadline, "{what} never happened in moto");
        std::thread::sleep(Duration::from_millis(200));
    }
}

type Autoscaling = (Vec<aws_sdk_applicationautoscaling::types::ScalableTarget>, Vec<aws_sdk_applicationautoscaling::types::ScalingPolicy>);

/// The endpoint's AllTraffic scalable targets and scaling policies in moto, through the real SDK.
fn autoscaling_in_moto(moto: &Moto, endpoint: &str) -> Autoscaling {
    use aws_sdk_applicationautoscaling::types::ServiceNamespace;
    let resource_id = format!("endpoint/{endpoint}/variant/AllTraffic");
    let aas = autoscaling(moto);
    block_on(async {
        let t = aas.describe_scalable_targets().service_namespace(ServiceNamespace::Sagemaker).resource_ids(&resource_id).send().await.expect("targets");
        let p = aas.describe_scaling_policies().service_namespace(ServiceNamespace::Sagemaker).resource_id(&resource_id).send().await.expect("policies");
        (t.scalable_targets().to_vec(), p.scaling_policies().to_vec())
    })
}

/// What the tutorial's scale-endpoint.yaml asks for, as AWS holds it.
fn assert_tutorial_autoscaling(targets: &[aws_sdk_applicationautoscaling::types::ScalableTarget], policies: &[aws_sdk_applicationautoscaling::types::ScalingPolicy]) {
    assert_eq!(targets.len(), 1, "{targets:?}");
    assert_eq!((targets[0].min_capacity(), targets[0].max_capacity()), (1, 20));
    assert_eq!(targets[0].scalable_dimension().as_str(), "sagemaker:variant:DesiredInstanceCount");
    assert_eq!(policies.len(), 1, "{policies:?}");
    assert_eq!(policies[0].policy_type().as_str(), "TargetTrackingScaling");
    let tracking = policies[0].target_tracking_scaling_policy_configuration().expect("target tracking");
    assert_eq!((tracking.target_value(), tracking.scale_in_cooldown(), tracking.scale_out_cooldown()), (60.0, Some(700), Some(300)));
    assert_eq!(
        tracking.predefined_metric_specification().map(|m| m.predefined_metric_type().as_str()),
        Some("SageMakerVariantInvocationsPerInstance")
    );
}

fn synced(v: &Value) -> bool {
    condition(v, "ACK.ResourceSynced").is_some_and(|c| c["status"] == "True")
}

#[test]
fn the_tutorial_trains_deploys_and_scales_through_kubectl_sagemaker_against_moto() {
    let s = kube_setup_with(&["--resync", "Endpoint=2s"]);
    const ENDPOINT: &str = "ack-xgboost-endpoint-7420";

    // step 1: training.yaml
    s.cli.ok(&["train", "-f", training_yaml().to_str().expect("path"), "--wait", "--timeout", "2m"]);

    // step 2: deploy.yaml, the three documents in one file, followed until in service
    let deploy = example("deploy.yaml");
    let out = s.cli.ok(&["deploy", "-f", deploy.to_str().expect("path"), "--wait", "--timeout", "2m"]);
    for line in [
        "model.sagemaker.services.k8s.aws/ack-xgboost-model-7420 created",
        "endpointconfig.sagemaker.services.k8s.aws/ack-xgboost-endpoint-config-7420 created",
        "endpoint.sagemaker.services.k8s.aws/ack-xgboost-endpoint-7420 created",
    ] {
        assert!(out.contains(line), "{out}");
    }
    let endpoint = s.cli.wait_for_kind("endpoint", ENDPOINT, "InService", |v| v["status"]["endpointStatus"] == "InService" && synced(v));
    // every manifest field landed in AWS, and status came back as ACK shows it
    for doc in documents(&deploy) {
        let (kind, name) = (doc["kind"].as_str().expect("kind"), doc["metadata"]["name"].as_str().expect("name"));
        let described = hosting_in_moto(&s.moto, kind, name).unwrap_or_else(|| panic!("{kind} {name} is not in moto"));
        assert_subset(&doc["spec"], &described, "spec");
        let cr = s.cli.get_kind(kind, name).expect("resource");
        let arn_field = format!("{}ARN", kind[..1].to_ascii_lowercase() + &kind[1..]);
        assert_eq!(cr["status"]["ackResourceMetadata"]["arn"], described[&arn_field], "{kind}");
        assert!(synced(&cr), "{cr}");
    }
    let variants = &endpoint["status"]["productionVariants"];
    assert_eq!(variants[0]["variantName"], "AllTraffic", "{endpoint}");
    assert_eq!(variants[0]["currentInstanceCount"], 1, "{endpoint}");
    assert!(endpoint["status"]["creationTime"].as_str().is_some());

    // step 3: scale-endpoint.yaml
    let scale = example("scale-endpoint.yaml");
    let out = s.cli.ok(&["apply", "-f", scale.to_str().expect("path")]);
    assert!(out.contains("scalabletarget.applicationautoscaling.services.k8s.aws/ack-scalable-target-predfined created"), "{out}");
    assert!(out.contains("scalingpolicy.applicationautoscaling.services.k8s.aws/ack-scaling-policy-predefined created"), "{out}");
    let target = s.cli.wait_for_kind("scalabletarget", "ack-scalable-target-predfined", "registered", synced);
    let policy = s.cli.wait_for_kind("scalingpolicy", "ack-scaling-policy-predefined", "put", synced);
    let (targets, policies) = autoscaling_in_moto(&s.moto, ENDPOINT);
    assert_tutorial_autoscaling(&targets, &policies);
    assert_eq!(target["status"]["ackResourceMetadata"]["arn"].as_str(), targets[0].scalable_target_arn());
    assert_eq!(policy["status"]["ackResourceMetadata"]["arn"].as_str(), Some(policies[0].policy_arn()));
    let alarms = policy["status"]["alarms"].as_array().cloned().unwrap_or_default();
    assert_eq!(alarms.len(), 2, "{policy}");
    assert!(alarms.iter().all(|a| a["alarmARN"].as_str().is_some_and(|arn| arn.starts_with("arn:aws:cloudwatch:"))), "{policy}");

    // an immutable edit is refused at apply, naming the field, with what to do instead
    let dir = tempfile::tempdir().expect("tempdir");
    let edited = std::fs::read_to_string(&deploy).expect("read").replace("instanceType: ml.c5.large", "instanceType: ml.m5.large");
    let edited_path = dir.path().join("edited.yaml");
    std::fs::write(&edited_path, edited).expect("write");
    let out = s.cli.run(&["apply", "-f", edited_path.to_str().expect("path")]);
    let stderr = stderr_of(&out);
    assert!(!out.status.success(), "an EndpointConfig edit was accepted");
    assert!(stderr.contains("spec.productionVariants") && stderr.contains("point the Endpoint's endpointConfigName at it"), "{stderr}");

    // an update that fails is shown and not retried; one that works goes through
    let configs = format!(
        "apiVersion: sagemaker.services.k8s.aws/v1alpha1\nkind: EndpointConfig\nmetadata:\n  name: broken-config\nspec:\n  endpointConfigName: broken-config\n  productionVariants:\n  - modelName: ack-xgboost-model-7420\n    variantName: AllTraffic\n    instanceType: ml.c5.large\n    initialInstanceCount: 1\n  tags:\n  - key: sagemaker-simulator/fail-reason\n    value: \"The primary container for production variant AllTraffic did not pass the ping health check.\"\n---\n{}",
        "apiVersion: sagemaker.services.k8s.aws/v1alpha1\nkind: EndpointConfig\nmetadata:\n  name: larger-config\nspec:\n  endpointConfigName: larger-config\n  productionVariants:\n  - modelName: ack-xgboost-model-7420\n    variantName: AllTraffic\n    instanceType: ml.c5.xlarge\n    initialInstanceCount: 2\n"
    );
    let configs_path = dir.path().join("configs.yaml");
    std::fs::write(&configs_path, configs).expect("write");
    s.cli.ok(&["apply", "-f", configs_path.to_str().expect("path")]);
    let point_at = |config: &str| {
        let text = std::fs::read_to_string(&deploy).expect("read").replace(
            "endpointConfigName: ack-xgboost-endpoint-config-7420\n",
            &format!("endpointConfigName: {config}\n"),
        );
        let path = dir.path().join(format!("endpoint-{config}.yaml"));
        // the Endpoint document alone
        let endpoint_doc = text.split("---").last().expect("endpoint document").to_string();
        std::fs::write(&path, endpoint_doc).expect("write");
        s.cli.ok(&["apply", "-f", path.to_str().expect("path")]);
    };
    s.cli.wait_for_kind("endpointconfig", "broken-config", "created", synced);
    point_at("broken-config");
    let failed = s.cli.wait_for_kind("endpoint", ENDPOINT, "rolled back", |v| {
        condition(v, "ACK.Terminal").is_some_and(|c| c["status"] == "True")
    });
    let message = condition(&failed, "ACK.Terminal").expect("terminal")["message"].as_str().unwrap_or_default().to_string();
    assert!(message.contains("ping health check") && message.contains("ack-xgboost-endpoint-config-7420"), "{message}");
    assert_eq!(failed["status"]["endpointStatus"], "InService", "SageMaker rolled back: {failed}");
    assert_eq!(hosting_in_moto(&s.moto, "Endpoint", ENDPOINT).expect("endpoint")["endpointConfigName"], "ack-xgboost-endpoint-config-7420");
    let updates = || s.calls().get("UpdateEndpoint").copied().unwrap_or(0);
    let tried = updates();
    std::thread::sleep(Duration::from_secs(5));
    assert_eq!(updates(), tried, "a failed update must not be retried with the same config");
    s.cli.wait_for_kind("endpointconfig", "larger-config", "created", synced);
    point_at("larger-config");
    let updated = s.cli.wait_for_kind("endpoint", ENDPOINT, "updated", |v| {
        synced(v) && condition(v, "ACK.Terminal").is_none() && v["status"]["endpointStatus"] == "InService"
    });
    assert!(updated["status"]["failureReason"].is_null(), "{updated}");
    assert_eq!(hosting_in_moto(&s.moto, "Endpoint", ENDPOINT).expect("endpoint")["endpointConfigName"], "larger-config");
    assert_eq!(updates(), tried + 1);

    // drift: deleted in AWS behind our back, noticed on resync (2 s here) and created again
    block_on(sagemaker(&s.moto).delete_endpoint().endpoint_name(ENDPOINT).send()).expect("delete in moto");
    wait_in_moto("the endpoint's deletion", || hosting_in_moto(&s.moto, "Endpoint", ENDPOINT).is_none());
    wait_in_moto("the endpoint's re-creation", || {
        hosting_in_moto(&s.moto, "Endpoint", ENDPOINT).is_some_and(|e| e["endpointStatus"] == "InService")
    });
    s.cli.wait_for_kind("endpoint", ENDPOINT, "in service again", |v| v["status"]["endpointStatus"] == "InService" && synced(v));

    // a policy applied before its target waits for it, saying so
    let early = "apiVersion: applicationautoscaling.services.k8s.aws/v1alpha1\nkind: ScalingPolicy\nmetadata:\n  name: early\nspec:\n  policyName: early\n  policyType: TargetTrackingScaling\n  resourceID: endpoint/later/variant/AllTraffic\n  scalableDimension: sagemaker:variant:DesiredInstanceCount\n  serviceNamespace: sagemaker\n  targetTrackingScalingPolicyConfiguration:\n    targetValue: 30\n    predefinedMetricSpecification:\n      predefinedMetricType: SageMakerVariantInvocationsPerInstance\n";
    let early_path = dir.path().join("early.yaml");
    std::fs::write(&early_path, early).expect("write");
    s.cli.ok(&["apply", "-f", early_path.to_str().expect("path")]);
    let waiting = s.cli.wait_for_kind("scalingpolicy", "early", "waiting", |v| {
        condition(v, "ACK.ResourceSynced").and_then(|c| c["message"].as_str()).is_some_and(|m| m.starts_with("waiting for ScalableTarget"))
    });
    assert!(condition(&waiting, "ACK.Terminal").is_none(), "{waiting}");

    // `autoscale` writes the same target and policy as scale-endpoint.yaml
    s.cli.ok(&["delete", "scalingpolicy", "early", "--wait"]);
    s.cli.ok(&["delete", "-f", scale.to_str().expect("path"), "--wait"]);
    let (targets, policies) = autoscaling_in_moto(&s.moto, ENDPOINT);
    assert!(targets.is_empty() && policies.is_empty(), "deleting the resources deregistered them: {targets:?} {policies:?}");
    let out = s.cli.ok(&[
        "autoscale", "endpoint", ENDPOINT, "--variant", "AllTraffic", "--min", "1", "--max", "20",
        "--target-invocations", "60", "--scale-in-cooldown", "700", "--scale-out-cooldown", "300",
    ]);
    assert!(out.contains("scalabletarget.applicationautoscaling.services.k8s.aws/") && out.contains(" created"), "{out}");
    wait_in_moto("autoscale's target and policy", || {
        let (t, p) = autoscaling_in_moto(&s.moto, ENDPOINT);
        t.len() == 1 && p.len() == 1
    });
    let (targets, policies) = autoscaling_in_moto(&s.moto, ENDPOINT);
    assert_tutorial_autoscaling(&targets, &policies);
    let shown = s.cli.ok(&["autoscale", "endpoint", ENDPOINT]);
    assert!(shown.contains("AllTraffic") && shown.contains("20"), "{shown}");
    s.cli.ok(&["autoscale", "endpoint", ENDPOINT, "--off"]);
    wait_in_moto("autoscaling's removal", || {
        let (t, p) = autoscaling_in_moto(&s.moto, ENDPOINT);
        t.is_empty() && p.is_empty()
    });

    // deleting the endpoint deletes it in AWS and waits until it is gone
    s.cli.ok(&["delete", "endpoint", ENDPOINT, "--wait", "--timeout", "1m"]);
    assert!(hosting_in_moto(&s.moto, "Endpoint", ENDPOINT).is_none(), "the endpoint is still in AWS");
    assert!(hosting_in_moto(&s.moto, "Model", "ack-xgboost-model-7420").is_some(), "only the endpoint was deleted");
    // and the configs and the model go from AWS with their resources
    s.cli.ok(&["delete", "endpointconfig", "ack-xgboost-endpoint-config-7420", "broken-config", "larger-config", "--wait"]);
    s.cli.ok(&["delete", "model", "ack-xgboost-model-7420", "--wait"]);
    for config in ["ack-xgboost-endpoint-config-7420", "broken-config", "larger-config"] {
        assert!(hosting_in_moto(&s.moto, "EndpointConfig", config).is_none(), "{config} is still in AWS");
    }
    assert!(hosting_in_moto(&s.moto, "Model", "ack-xgboost-model-7420").is_none(), "the model is still in AWS");
    let calls = s.calls();
    // (DeleteScalingPolicy is not among them: deregistering a target deletes
    // its policies in AWS, and whichever of the two deletes goes first decides)
    for op in ["DeleteEndpoint", "DeleteEndpointConfig", "DeleteModel", "DeregisterScalableTarget", "UpdateEndpoint"] {
        assert!(calls.get(op).copied().unwrap_or(0) >= 1, "{op} never went through the SDK: {calls:?}");
    }
}

#[test]
fn namespace_defaults_choose_region_and_deletion_policy_and_a_read_only_resource_only_observes() {
    // the agent defaults to us-west-2; the namespace says us-east-1, and retain
    let s = kube_setup_with(&["--aws-region", "us-west-2"]);
    let kubectl = |args: &[&str]| s.kubectl_ok(args);
    kubectl(&["create", "namespace", "east"]);
    kubectl(&[
        "annotate", "namespace", "east",
        "services.k8s.aws/default-region=us-east-1",
        "sagemaker.services.k8s.aws/deletion-policy=retain",
    ]);
    let model = documents(&example("deploy.yaml")).into_iter().next().expect("the Model document");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("model.yaml");
    std::fs::write(&path, serde_yaml::to_string(&model).expect("yaml")).expect("write");
    let name = model["metadata"]["name"].as_str().expect("name").to_string();
    s.cli.ok(&["apply", "-f", path.to_str().expect("path"), "-n", "east"]);
    let wait_synced = |ns: &str| {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let out = s.cli.run(&["get", "model", &name, "-n", ns, "-o", "json"]);
            if out.status.success() {
                let v: Value = serde_json::from_slice(&out.stdout).expect("json");
                if synced(&v) {
                    return v;
                }
            }
            assert!(Instant::now() < deadline, "model in {ns} never synced");
            std::thread::sleep(Duration::from_millis(200));
        }
    };
    let created = wait_synced("east");
    assert_eq!(created["status"]["ackResourceMetadata"]["region"], "us-east-1", "{created}");
    assert!(hosting_in_moto(&s.moto, "Model", &name).is_some(), "the model is not in us-east-1");

    // the namespace retains: deleting the resource leaves the model in AWS
    s.cli.ok(&["delete", "model", &name, "-n", "east", "--wait"]);
    assert!(hosting_in_moto(&s.moto, "Model", &name).is_some(), "a retained model was deleted");
    assert_eq!(s.calls().get("DeleteModel"), None);

    // read-only: observes the model it finds (here through the region
    // annotation), never writes, and deleting it leaves AWS alone
    let mut observer = model.clone();
    observer["metadata"]["annotations"] = serde_json::json!({
        "services.k8s.aws/read-only": "true", "services.k8s.aws/region": "us-east-1" });
    std::fs::write(&path, serde_yaml::to_string(&observer).expect("yaml")).expect("write");
    s.cli.ok(&["apply", "-f", path.to_str().expect("path")]);
    let observed = wait_synced("default");
    assert_eq!(observed["status"]["ackResourceMetadata"]["arn"], created["status"]["ackResourceMetadata"]["arn"]);
    s.cli.ok(&["delete", "model", &name, "--wait"]);
    assert!(hosting_in_moto(&s.moto, "Model", &name).is_some());
    let calls = s.calls();
    assert_eq!((calls.get("CreateModel"), calls.get("DeleteModel")), (Some(&1), None), "{calls:?}");
}

/// DescribeTrainingJob in another moto account (moto's `x-moto-account-id`).
fn training_job_in_account(moto: &Moto, account: &str, name: &str) -> Option<Value> {
    let client = sagemaker(moto);
    let account = account.to_string();
    block_on(async move {
        client
            .describe_training_job()
            .training_job_name(name)
            .customize()
            .mutate_request(move |r| {
                r.headers_mut().insert("x-moto-account-id", account.clone());
            })
            .send()
            .await
            .ok()
            .map(|o| sagemaker_schema::to_json(&o, sagemaker_schema::Naming::Ack).expect("ack json"))
    })
}

#[test]
fn a_namespace_of_another_account_uses_the_role_the_configmap_maps_and_waits_without_one() {
    let s = kube_setup();
    let kubectl = |args: &[&str]| s.kubectl_ok(args);
    kubectl(&["create", "namespace", "team-b"]);
    kubectl(&["annotate", "namespace", "team-b", "services.k8s.aws/owner-account-id=111111111111"]);
    let dir = tempfile::tempdir().expect("tempdir");
    let job = training_yaml_named(dir.path(), "cross-account", None);
    s.cli.ok(&["apply", "-f", job.to_str().expect("path"), "-n", "team-b"]);
    let waiting = |v: &Value| {
        condition(v, "ACK.ResourceSynced")
            .and_then(|c| c["message"].as_str())
            .is_some_and(|m| m.starts_with("IAM role is not available for account 111111111111"))
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let out = s.cli.run(&["get", "trainingjob", "cross-account", "-n", "team-b", "-o", "json"]);
        if out.status.success() && waiting(&serde_json::from_slice(&out.stdout).expect("json")) {
            break;
        }
        assert!(Instant::now() < deadline, "the job never said it waits for a role");
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(training_job_in_account(&s.moto, "123456789012", "cross-account").is_none(), "landed in the agent's own account");

    // the mapping arrives: the agent assumes the role (moto's STS) and the job lands in 111111111111
    kubectl(&[
        "create", "configmap", "ack-role-account-map", "-n", "ack-system",
        r#"--from-literal=111111111111={"roleARN": "arn:aws:iam::111111111111:role/sagemaker-agent", "externalID": "team-b-external"}"#,
    ]);
    let deadline = Instant::now() + Duration::from_secs(60);
    let landed = loop {
        if let Some(job) = training_job_in_account(&s.moto, "111111111111", "cross-account") {
            break job;
        }
        assert!(Instant::now() < deadline, "the job never reached account 111111111111");
        std::thread::sleep(Duration::from_millis(300));
    };
    assert!(landed["trainingJobARN"].as_str().is_some_and(|a| a.contains(":111111111111:")), "{landed}");
    assert!(training_job_in_account(&s.moto, "123456789012", "cross-account").is_none(), "also in the agent's own account");
    // what STS received: the role, with its ExternalId
    let assumed = assumed_roles(&s.moto);
    assert!(
        assumed.iter().any(|a| a.0 == "arn:aws:iam::111111111111:role/sagemaker-agent" && a.1.as_deref() == Some("team-b-external")),
        "{assumed:?}"
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let out = s.cli.run(&["get", "trainingjob", "cross-account", "-n", "team-b", "-o", "json"]);
        let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
        if v["status"]["ackResourceMetadata"]["ownerAccountID"] == "111111111111" {
            assert_eq!(v["status"]["ackResourceMetadata"]["arn"], landed["trainingJobARN"]);
            break;
        }
        assert!(Instant::now() < deadline, "status never showed account 111111111111: {v}");
        std::thread::sleep(Duration::from_millis(200));
    }

    // adopt --account: a model made in 111111111111 by another tool, adopted
    // from a namespace only once that namespace allows the account
    let client = sagemaker(&s.moto);
    block_on(async move {
        client
            .create_model()
            .model_name("elsewhere-model")
            .execution_role_arn("arn:aws:iam::111111111111:role/outside")
            .primary_container(aws_sdk_sagemaker::types::ContainerDefinition::builder().image("img").build())
            .customize()
            .mutate_request(|r| {
                r.headers_mut().insert("x-moto-account-id", "111111111111");
            })
            .send()
            .await
            .expect("create the model in 111111111111");
    });
    let out = s.cli.run(&["adopt", "model", "elsewhere-model", "--account", "111111111111"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("does not allow its resources to name account 111111111111"), "{}", stderr_of(&out));
    kubectl(&["annotate", "namespace", "default", "sagemaker.services.k8s.aws/allowed-owner-account-ids=111111111111"]);
    s.cli.ok(&["adopt", "model", "elsewhere-model", "--account", "111111111111"]);
    let adopted = s.cli.wait_for_kind("model", "elsewhere-model", "adopted", synced);
    assert_eq!(adopted["status"]["ackResourceMetadata"]["ownerAccountID"], "111111111111", "{adopted}");
    assert_eq!(s.calls().get("CreateModel"), None);
}

/// Runs a boto3 script against moto, as another tool than the agent would;
/// what it prints.
fn boto3(moto: &Moto, script: &str) -> String {
    let out = Command::new(sagemaker_testsupport::python().expect("python"))
        .args(["-c", script])
        .envs(moto.aws_env())
        .output()
        .expect("python");
    assert!(out.status.success(), "boto3: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn adopt_takes_over_an_endpoint_a_training_job_and_a_scaling_policy_made_outside_the_agent() {
    let s = kube_setup();
    // made in AWS by another tool
    boto3(&s.moto, r#"
import boto3
sm = boto3.client("sagemaker")
role = "arn:aws:iam::123456789012:role/outside"
sm.create_model(ModelName="outside-model", ExecutionRoleArn=role,
    PrimaryContainer={"Image": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.2-1"})
sm.create_endpoint_config(EndpointConfigName="outside-config", ProductionVariants=[{
    "VariantName": "AllTraffic", "ModelName": "outside-model", "InitialInstanceCount": 1, "InstanceType": "ml.m5.large"}])
sm.create_endpoint_config(EndpointConfigName="outside-config-2", ProductionVariants=[{
    "VariantName": "AllTraffic", "ModelName": "outside-model", "InitialInstanceCount": 2, "InstanceType": "ml.m5.large"}])
sm.create_endpoint(EndpointName="outside-endpoint", EndpointConfigName="outside-config")
sm.create_training_job(TrainingJobName="outside-job", RoleArn=role,
    AlgorithmSpecification={"TrainingImage": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.2-1", "TrainingInputMode": "File"},
    HyperParameters={"max_depth": "5"},
    OutputDataConfig={"S3OutputPath": "s3://bucket/out"},
    ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 5},
    StoppingCondition={"MaxRuntimeInSeconds": 3600})
aas = boto3.client("application-autoscaling")
aas.register_scalable_target(ServiceNamespace="sagemaker", ResourceId="endpoint/outside-endpoint/variant/AllTraffic",
    ScalableDimension="sagemaker:variant:DesiredInstanceCount", MinCapacity=1, MaxCapacity=4)
aas.put_scaling_policy(PolicyName="outside-policy", ServiceNamespace="sagemaker",
    ResourceId="endpoint/outside-endpoint/variant/AllTraffic", ScalableDimension="sagemaker:variant:DesiredInstanceCount",
    PolicyType="TargetTrackingScaling", TargetTrackingScalingPolicyConfiguration={"TargetValue": 70.0,
    "PredefinedMetricSpecification": {"PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"}})
"#);
    wait_in_moto("the outside endpoint in service", || {
        hosting_in_moto(&s.moto, "Endpoint", "outside-endpoint").is_some_and(|e| e["endpointStatus"] == "InService")
    });

    // --dry-run prints what would be made, with the spec AWS holds, and makes nothing
    let printed = s.cli.ok(&["adopt", "endpoint", "outside-endpoint", "--dry-run"]);
    assert!(printed.contains("services.k8s.aws/adoption-policy: adopt") && printed.contains("endpointConfigName: outside-config"), "{printed}");
    assert!(s.cli.get_kind("endpoint", "outside-endpoint").is_none());

    for (kind, name) in [("model", "outside-model"), ("endpointconfig", "outside-config"), ("endpoint", "outside-endpoint"), ("trainingjob", "outside-job")] {
        let out = s.cli.ok(&["adopt", kind, name]);
        assert!(out.contains(" adopted"), "{out}");
    }
    let policy = r#"{"policyName": "outside-policy", "serviceNamespace": "sagemaker", "resourceID": "endpoint/outside-endpoint/variant/AllTraffic", "scalableDimension": "sagemaker:variant:DesiredInstanceCount"}"#;
    s.cli.ok(&["adopt", "scalingpolicy", policy, "--name", "outside-policy"]);

    // the adopted specs are what AWS holds, and they are managed from now on
    let job = s.cli.wait_for("outside-job", "adopted", |v| v["status"]["ackResourceMetadata"]["arn"].is_string());
    assert_subset(&job["spec"], &describe_in_moto(&s.moto, "outside-job"), "spec");
    assert_eq!(job["spec"]["hyperParameters"]["max_depth"], "5");
    let endpoint = s.cli.wait_for_kind("endpoint", "outside-endpoint", "adopted", |v| synced(v) && v["status"]["ackResourceMetadata"]["arn"].is_string());
    assert_eq!(endpoint["spec"]["endpointConfigName"], "outside-config");
    let scaling = s.cli.wait_for_kind("scalingpolicy", "outside-policy", "adopted", synced);
    assert_eq!(scaling["spec"]["targetTrackingScalingPolicyConfiguration"]["targetValue"], 70);
    let calls = s.calls();
    for op in ["CreateModel", "CreateEndpointConfig", "CreateEndpoint", "CreateTrainingJob", "PutScalingPolicy"] {
        assert_eq!(calls.get(op), None, "adoption created something: {calls:?}");
    }

    // an update through the adopted resource reaches AWS
    let edited = s.cli.ok(&["get", "endpoint", "outside-endpoint", "-o", "yaml"]).replace("endpointConfigName: outside-config\n", "endpointConfigName: outside-config-2\n");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("endpoint.yaml");
    std::fs::write(&path, edited).expect("write");
    // --all: what the prefix picks, skipping what is already managed
    let printed = s.cli.ok(&["adopt", "endpointconfig", "--all", "--prefix", "outside-config", "--dry-run"]);
    assert!(printed.contains("endpointConfigName: outside-config-2") && !printed.contains("endpointConfigName: outside-config\n"), "{printed}");
    let out = s.cli.run(&["adopt", "endpointconfig", "--all", "--prefix", "outside-config"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("outside-config-2 adopted"), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(stderr_of(&out).contains("skipped outside-config: ") && stderr_of(&out).contains("already manages"), "{}", stderr_of(&out));
    s.cli.ok(&["apply", "-f", path.to_str().expect("path")]);
    wait_in_moto("the adopted endpoint's update", || {
        hosting_in_moto(&s.moto, "Endpoint", "outside-endpoint").is_some_and(|e| e["endpointConfigName"] == "outside-config-2" && e["endpointStatus"] == "InService")
    });

    // what does not exist, or is already managed, is a clear error, and nothing is made
    let out = s.cli.run(&["adopt", "model", "never-made"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("there is no Model never-made"), "{}", stderr_of(&out));
    let out = s.cli.run(&["adopt", "model", "outside-model", "--name", "second-owner"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("already manages"), "{}", stderr_of(&out));
    assert!(s.cli.get_kind("model", "never-made").is_none() && s.cli.get_kind("model", "second-owner").is_none());
}

#[test]
fn a_namespace_endpoint_url_sends_its_resources_to_that_aws_endpoint() {
    let s = kube_setup();
    let other = Moto::start().expect("a second moto");
    let kubectl = |args: &[&str]| s.kubectl_ok(args);
    kubectl(&["create", "namespace", "elsewhere"]);
    kubectl(&["annotate", "namespace", "elsewhere", &format!("services.k8s.aws/endpoint-url={}", other.endpoint)]);
    let model = documents(&example("deploy.yaml")).into_iter().next().expect("the Model document");
    let name = model["metadata"]["name"].as_str().expect("name").to_string();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("model.yaml");
    std::fs::write(&path, serde_yaml::to_string(&model).expect("yaml")).expect("write");
    s.cli.ok(&["apply", "-f", path.to_str().expect("path"), "-n", "elsewhere"]);
    wait_in_moto("the model at the namespace's endpoint", || hosting_in_moto(&other, "Model", &name).is_some());
    assert!(hosting_in_moto(&s.moto, "Model", &name).is_none(), "the model went to the agent's endpoint");
}

#[test]
fn an_adopted_resource_applied_with_kubectl_adopts_as_acks_documentation_shows() {
    let s = kube_setup();
    boto3(&s.moto, r#"
import boto3
sm = boto3.client("sagemaker")
sm.create_model(ModelName="xgboost-model", ExecutionRoleArn="arn:aws:iam::123456789012:role/outside",
    PrimaryContainer={"Image": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.2-1"})
"#);
    let sample = "apiVersion: services.k8s.aws/v1alpha1
kind: AdoptedResource
metadata:
  name: adopt-model-sample
spec:
  aws:
    # resource to adopt, not created by ACK
    nameOrID: xgboost-model
  kubernetes:
    group: sagemaker.services.k8s.aws
    kind: Model
    metadata:
      # target K8s CR name
      name: xgboost-model
";
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("adopt.yaml");
    std::fs::write(&path, sample).expect("write");
    let out = s.kube.kubectl().args(["apply", "-f"]).arg(&path).output().expect("kubectl apply");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = s
        .kube
        .kubectl()
        .args(["wait", "--for=condition=ACK.Adopted", "--timeout=60s", "adoptedresource/adopt-model-sample"])
        .output()
        .expect("kubectl wait");
    assert!(out.status.success(), "never adopted: {}", String::from_utf8_lossy(&out.stderr));
    let model = s.cli.wait_for_kind("model", "xgboost-model", "managed", synced);
    assert_eq!(model["spec"]["executionRoleARN"], "arn:aws:iam::123456789012:role/outside");

    // ACK's annotation adoption, applied with kubectl: `adopt` fills the spec from AWS
    let annotated = "apiVersion: sagemaker.services.k8s.aws/v1alpha1
kind: Model
metadata:
  name: annotated
  annotations:
    services.k8s.aws/adoption-policy: adopt
    services.k8s.aws/adoption-fields: '{\"modelName\": \"xgboost-model\"}'
spec:
  modelName: xgboost-model
";
    let path = dir.path().join("annotated.yaml");
    std::fs::write(&path, annotated).expect("write");
    // one AWS resource, one owner: the first adopter lets go, leaving the model in AWS
    s.cli.ok(&["delete", "model", "xgboost-model", "--retain", "--wait"]);
    assert!(hosting_in_moto(&s.moto, "Model", "xgboost-model").is_some());
    s.kubectl_ok(&["apply", "-f", path.to_str().expect("path")]);
    let model = s.cli.wait_for_kind("model", "annotated", "adopted", synced);
    assert_eq!(model["spec"]["executionRoleARN"], "arn:aws:iam::123456789012:role/outside", "{model}");
    assert_eq!(model["metadata"]["annotations"]["services.k8s.aws/adopted"], "true", "{model}");
    assert_eq!(s.calls().get("CreateModel"), None, "adoption created a model");
}

/// A role moto's STS was asked to assume: role, ExternalId, session name, session tags.
type Assumed = (String, Option<String>, String, serde_json::Map<String, Value>);

/// The roles moto's STS was asked to assume.
fn assumed_roles(moto: &Moto) -> Vec<Assumed> {
    let out = Command::new(sagemaker_testsupport::python().expect("python"))
        .args(["-c", "import json, sys, urllib.request; d = json.load(urllib.request.urlopen(sys.argv[1] + '/moto-api/data.json')); print(json.dumps([[r['role_arn'], r['external_id'], r['session_name'], r.get('session_tags', {})] for r in d['sts']['AssumedRole']]))"])
        .arg(&moto.endpoint)
        .output()
        .expect("python");
    serde_json::from_slice(&out.stdout).expect("assumed roles")
}

#[test]
fn an_iam_role_selector_and_the_account_map_put_two_namespaces_jobs_in_two_accounts_with_tagged_sessions() {
    let s = kube_setup_with(&["--session-tags", "resource"]);
    let kubectl = |args: &[&str]| s.kubectl_ok(args);
    kubectl(&["create", "namespace", "vision"]);
    kubectl(&["label", "namespace", "vision", "team=vision"]);
    kubectl(&["create", "namespace", "team-c"]);
    kubectl(&["annotate", "namespace", "team-c", "services.k8s.aws/owner-account-id=333333333333"]);
    kubectl(&["create", "configmap", "ack-role-account-map", "-n", "ack-system", "--from-literal=333333333333=arn:aws:iam::333333333333:role/team-c"]);
    let dir = tempfile::tempdir().expect("tempdir");
    let selector = dir.path().join("selector.yaml");
    std::fs::write(&selector, "apiVersion: services.k8s.aws/v1alpha1
kind: IAMRoleSelector
metadata:
  name: vision
spec:
  arn: arn:aws:iam::222222222222:role/vision
  namespaceSelector:
    labelSelector:
      matchLabels:
        team: vision
  resourceTypeSelector:
  - group: sagemaker.services.k8s.aws
    kind: TrainingJob
").expect("write");
    kubectl(&["apply", "-f", selector.to_str().expect("path")]);
    for (ns, name) in [("vision", "selected-job"), ("team-c", "mapped-job")] {
        let job = training_yaml_named(dir.path(), name, None);
        s.cli.ok(&["apply", "-f", job.to_str().expect("path"), "-n", ns]);
    }
    for (account, name) in [("222222222222", "selected-job"), ("333333333333", "mapped-job")] {
        wait_in_moto(&format!("{name} in account {account}"), || training_job_in_account(&s.moto, account, name).is_some());
        assert!(training_job_in_account(&s.moto, "123456789012", name).is_none(), "{name} also in the agent's own account");
    }

    // the selector says what it selects; describe says what chose the role
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let out = s.kube.kubectl().args(["get", "iamroleselector", "vision", "-o", "json"]).output().expect("kubectl get");
        let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
        if v["status"]["selectedCount"] == 1 {
            assert_eq!(v["status"]["selectedResources"][0]["name"], "selected-job", "{v}");
            assert_eq!(v["status"]["conditions"][0]["status"], "True", "{v}");
            break;
        }
        assert!(Instant::now() < deadline, "the selector never reported its selection: {v}");
        std::thread::sleep(Duration::from_millis(300));
    }
    let described = s.cli.ok(&["describe", "trainingjob", "selected-job", "-n", "vision"]);
    assert!(described.contains("arn:aws:iam::222222222222:role/vision (IAMRoleSelector vision)"), "{described}");

    // each session was named and tagged after the resource it acts for
    let assumed = assumed_roles(&s.moto);
    let session = |role: &str| assumed.iter().find(|a| a.0 == role).unwrap_or_else(|| panic!("{role} never assumed: {assumed:?}"));
    let (_, _, name, tags) = session("arn:aws:iam::222222222222:role/vision");
    assert_eq!(name, "sagemaker-agent.vision.selected-job");
    assert_eq!(tags.get("kubernetes-namespace"), Some(&Value::from("vision")), "{tags:?}");
    assert_eq!(tags.get("kubernetes-resource-name"), Some(&Value::from("selected-job")), "{tags:?}");
    let (_, _, _, tags) = session("arn:aws:iam::333333333333:role/team-c");
    assert_eq!(tags.get("kubernetes-namespace"), Some(&Value::from("team-c")), "{tags:?}");
}

#[test]
fn every_call_is_authorized_as_its_caller_with_kubernetes_rbac() {
    let s = kube_setup();
    let kubectl = |args: &[&str]| s.kubectl_ok(args);
    kubectl(&["create", "namespace", "ml"]);
    let dir = tempfile::tempdir().expect("tempdir");
    let job = training_yaml_named(dir.path(), "alices-job", None);
    let job = job.to_str().expect("path");
    let as_alice = |args: &[&str]| s.cli.run(&[args, &["--token", "alice-token"]].concat());

    // no credentials at all, or a token the API server does not know
    let out = Command::new("kubectl")
        .args(["sagemaker", "get", "trainingjobs", "--agent", &s.agent.url])
        .env("PATH", &s.cli.path)
        .env("KUBECONFIG", "/nonexistent")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("no credentials"), "{}", stderr_of(&out));
    let out = s.cli.run(&["get", "trainingjobs", "--token", "not-a-token"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("does not accept these credentials"), "{}", stderr_of(&out));

    // alice has no rights yet: refused as kubectl words it, nothing made
    let out = as_alice(&["apply", "-f", job, "-n", "ml"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("User \"alice\" cannot create resource \"trainingjobs\" in API group \"sagemaker.services.k8s.aws\" in the namespace \"ml\""),
        "{}",
        stderr_of(&out)
    );
    assert!(s.cli.get_kind("trainingjob", "alices-job").is_none());

    // a Role in ml: she may work there, and only there
    kubectl(&["create", "role", "sagemaker-user", "-n", "ml", "--verb=get,list,watch,create,patch,delete",
        "--resource=trainingjobs.sagemaker.services.k8s.aws"]);
    kubectl(&["create", "rolebinding", "alice-sagemaker", "-n", "ml", "--role=sagemaker-user", "--user=alice"]);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        // the agent reuses a refusal for a few seconds
        let out = as_alice(&["apply", "-f", job, "-n", "ml"]);
        if out.status.success() {
            break;
        }
        assert!(Instant::now() < deadline, "alice never allowed: {}", stderr_of(&out));
        std::thread::sleep(Duration::from_millis(500));
    }
    let out = as_alice(&["get", "trainingjob", "alices-job", "-n", "ml", "-o", "json"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let out = as_alice(&["get", "trainingjobs", "-A"]);
    assert_eq!(out.status.code(), Some(1), "listing every namespace needs a ClusterRole");
    assert!(stderr_of(&out).contains("cannot list resource \"trainingjobs\""), "{}", stderr_of(&out));
    let out = as_alice(&["apply", "-f", job, "-n", "default"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("in the namespace \"default\""), "{}", stderr_of(&out));
    let out = as_alice(&["delete", "trainingjob", "alices-job", "-n", "ml"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let log = s.agent.log();
    for token in ["alice-token", "not-a-token", s.kube.admin_token.as_str()] {
        assert!(!log.contains(token), "a token reached the agent's log");
    }
}

/// A kubeconfig for the test API server whose only user logs in with an exec
/// credential plugin (a script printing `token`, counting its runs in `dir/runs`).
fn exec_kubeconfig(kube: &KubeApiServer, dir: &Path, token: &str) -> PathBuf {
    let script = dir.join("credentials.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho run >> {}/runs\necho '{{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\",\
             \"kind\":\"ExecCredential\",\"status\":{{\"token\":\"{token}\"}}}}'\n",
            dir.display()
        ),
    )
    .expect("write script");
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).expect("chmod");
    let exec = format!(
        "exec:\n  apiVersion: client.authentication.k8s.io/v1beta1\n  command: {}\n  interactiveMode: Never",
        script.display()
    );
    kube.kubeconfig_with("sso", &exec, "ml").expect("kubeconfig")
}

#[test]
fn the_plugin_finds_the_agent_through_the_clusters_service_with_the_callers_own_credentials_and_rights() {
    let s = kube_setup();
    let kubectl = |args: &[&str]| s.kubectl_ok(args);
    let found = |args: &[&str]| s.cli.run_found(args);
    kubectl(&["create", "namespace", "ml"]);

    // nothing installed: the error says so and how to install
    let out = found(&["get", "trainingjobs"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).starts_with(
            "error: context test has no sagemaker-agent: there is no Service sagemaker-agent in namespace ack-system\n"
        ),
        "{}",
        stderr_of(&out)
    );
    assert!(stderr_of(&out).contains("hint: install the agent in that cluster (`kubectl sagemaker install --context test --apply`)"), "{}", stderr_of(&out));

    // a Service with no ready pod behind it (this API server runs no pods)
    kubectl(&["create", "service", "clusterip", "sagemaker-agent", "-n", "ack-system", "--tcp=50051:50051"]);
    let out = found(&["get", "trainingjobs"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).starts_with("error: no ready sagemaker-agent pod in namespace ack-system of context test\n"),
        "{}",
        stderr_of(&out)
    );
    assert!(stderr_of(&out).contains("get pods -l app=sagemaker-agent"), "{}", stderr_of(&out));

    // the agent's URL published on the Service: found, no --agent needed
    let annotation = format!("sagemaker.services.k8s.aws/agent-url={}", s.agent.url);
    kubectl(&["annotate", "service", "sagemaker-agent", "-n", "ack-system", &annotation]);
    let out = found(&["version"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains(&format!("Agent:         {}", s.agent.url)));

    // without manifests/rbac/users.yaml's grant, alice may not even read the Service:
    // the API server's refusal, and what to check
    kubectl(&["delete", "rolebinding", "sagemaker-agent-user", "-n", "ack-system"]);
    let out = found(&["get", "trainingjobs", "--context", "alice", "-n", "ml"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("cannot look for the sagemaker-agent Service in namespace ack-system of context alice"));
    assert!(
        stderr_of(&out).contains("Caused by: services \"sagemaker-agent\" is forbidden: User \"alice\" cannot get resource"),
        "{}",
        stderr_of(&out)
    );

    // with it (alice bound to the Role as a member of sagemaker-agent-users would be),
    // she finds the agent, which then decides as the caller
    kubectl(&["apply", "-f", repo_root().join("manifests/rbac/users.yaml").to_str().expect("path")]);
    kubectl(&["create", "rolebinding", "alice-finds-the-agent", "-n", "ack-system", "--role=sagemaker-agent-user", "--user=alice"]);
    let dir = tempfile::tempdir().expect("tempdir");
    let out = found(&["get", "trainingjobs", "--context", "alice", "-n", "ml"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("User \"alice\" cannot list resource \"trainingjobs\" in API group \"sagemaker.services.k8s.aws\" in the namespace \"ml\""),
        "{}",
        stderr_of(&out)
    );

    // --as: the admin acting as alice gets alice's answer; alice may not act as bob
    let out = found(&["get", "trainingjobs", "-n", "ml", "--as", "alice"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("User \"alice\" cannot list resource \"trainingjobs\""), "{}", stderr_of(&out));
    let out = s.cli.run(&["get", "trainingjobs", "--context", "alice", "--as", "bob"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("users \"bob\" is forbidden: User \"alice\" cannot impersonate resource \"users\""),
        "{}",
        stderr_of(&out)
    );

    // an exec credential plugin end to end: the API server and the agent both see alice
    kubectl(&["create", "role", "sagemaker-user", "-n", "ml", "--verb=get,list,watch,create,patch,delete",
        "--resource=trainingjobs.sagemaker.services.k8s.aws"]);
    kubectl(&["create", "rolebinding", "alice-sagemaker", "-n", "ml", "--role=sagemaker-user", "--user=alice"]);
    let sso = exec_kubeconfig(&s.kube, dir.path(), "alice-token");
    let sso = sso.to_str().expect("path");
    let job = training_yaml_named(dir.path(), "sso-job", None);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        // the agent reuses alice's refusal for a few seconds
        let out = found(&["apply", "-f", job.to_str().expect("path"), "--kubeconfig", sso]);
        if out.status.success() {
            break;
        }
        assert!(Instant::now() < deadline, "alice never allowed: {}", stderr_of(&out));
        std::thread::sleep(Duration::from_millis(500));
    }
    let runs = std::fs::read_to_string(dir.path().join("runs")).expect("runs");
    let out = found(&["get", "trainingjob", "sso-job", "--kubeconfig", sso, "-o", "name"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("runs")).expect("runs").lines().count(),
        runs.lines().count() + 1,
        "one run of the credential plugin per command, for the API server and the agent alike"
    );
    assert!(!s.agent.log().contains("alice-token"), "a token reached the agent's log");
}

/// `kube`'s kubeconfig with its cluster, admin user and context renamed
/// `name`, so that several can be merged through `$KUBECONFIG`.
fn renamed_kubeconfig(kube: &KubeApiServer, name: &str, dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(&kube.kubeconfig).expect("kubeconfig");
    let text = text
        .replace("- name: test\n", &format!("- name: {name}\n"))
        .replace("cluster: test\n", &format!("cluster: {name}\n"))
        .replace("- name: admin\n", &format!("- name: {name}-admin\n"))
        .replace("user: admin\n", &format!("user: {name}-admin\n"))
        .replace("current-context: test\n", &format!("current-context: {name}\n"));
    // the admin's context only: alice's and bob's would collide across the files
    let (head, _) = text.split_once("contexts:\n").expect("contexts");
    let text = format!(
        "{head}contexts:\n- name: {name}\n  context:\n    cluster: {name}\n    user: {name}-admin\n    namespace: default\n\
         current-context: {name}\n"
    );
    let path = dir.join(format!("kubeconfig-{name}"));
    std::fs::write(&path, text).expect("write kubeconfig");
    path
}

/// Publishes `agent`'s URL on the cluster's sagemaker-agent Service, as an
/// install for directly reachable agents does.
fn publish_agent(kube: &KubeApiServer, agent: &AgentProcess) {
    let args = ["create", "service", "clusterip", "sagemaker-agent", "-n", "ack-system", "--tcp=50051:50051"];
    let out = kube.kubectl().args(args).output().expect("kubectl");
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    let annotation = format!("sagemaker.services.k8s.aws/agent-url={}", agent.url);
    let out = kube.kubectl().args(["annotate", "service", "sagemaker-agent", "-n", "ack-system", &annotation]).output().expect("kubectl");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn one_plugin_deploys_to_two_clusters_lists_both_in_one_table_and_reports_the_one_that_stops_answering() {
    let moto = Moto::start_with_step(1.0).expect("moto");
    let (east, east_agent) = cluster(&moto, &["--resync", "Endpoint=2s"]);
    let (west, west_agent) = cluster(&moto, &["--resync", "Endpoint=2s", "--aws-region", "us-west-2"]);
    publish_agent(&east, &east_agent);
    publish_agent(&west, &west_agent);
    let dir = tempfile::tempdir().expect("tempdir");
    let kubeconfigs = std::env::join_paths([renamed_kubeconfig(&east, "east", dir.path()), renamed_kubeconfig(&west, "west", dir.path())])
        .expect("KUBECONFIG");
    let cli = Cli { kubeconfig: None, ..Cli::new(&east_agent, None) };
    let run = |args: &[&str]| {
        let mut cmd = Command::new("kubectl");
        cmd.arg("sagemaker").args(args).env("PATH", &cli.path).env("KUBECONFIG", &kubeconfigs).env_remove("KUBECTL_SAGEMAKER_AGENT");
        cmd.output().expect("run kubectl sagemaker")
    };

    // one endpoint in two regions: the same manifests to both clusters, both followed
    let deploy = example("deploy.yaml");
    let out = run(&["deploy", "-f", deploy.to_str().expect("path"), "--context", "east,west", "--wait", "--timeout", "3m"]);
    assert!(out.status.success(), "{}\n{}", String::from_utf8_lossy(&out.stdout), stderr_of(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    for cluster in ["east", "west"] {
        assert!(stdout.contains(&format!("[{cluster}] endpoint.sagemaker.services.k8s.aws/ack-xgboost-endpoint-7420 created")), "{stdout}");
    }
    let regions: Vec<String> = ["east", "west"]
        .iter()
        .map(|c| {
            let out = run(&["get", "endpoint", "ack-xgboost-endpoint-7420", "--context", c, "-o", "json"]);
            assert!(out.status.success(), "{}", stderr_of(&out));
            let v: Value = serde_json::from_slice(&out.stdout).expect("json");
            assert_eq!(v["status"]["endpointStatus"], "InService", "{v}");
            v["status"]["ackResourceMetadata"]["region"].as_str().expect("region").to_string()
        })
        .collect();
    assert_eq!(regions, ["us-east-1", "us-west-2"]);

    // both clusters in one table, CLUSTER first, in the order of the contexts
    let out = run(&["get", "all", "--all-contexts"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let endpoints: Vec<&str> = stdout.lines().filter(|l| l.contains("endpoint.sagemaker.services.k8s.aws/")).collect();
    assert_eq!(endpoints.len(), 2, "{stdout}");
    assert!(endpoints[0].starts_with("east ") && endpoints[1].starts_with("west "), "{stdout}");
    assert!(stdout.starts_with("CLUSTER "), "{stdout}");

    // clusters: both agents, their regions
    let out = run(&["clusters"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(stdout.lines().any(|l| l.starts_with("east ") && l.contains("us-east-1") && l.contains(" ok ")), "{stdout}");
    assert!(stdout.lines().any(|l| l.starts_with("west ") && l.contains("us-west-2") && l.contains(" ok ")), "{stdout}");

    // west's agent stops: east still answers, stderr names west, the exit code says something failed
    let _ = west_agent.kill();
    let out = run(&["get", "endpoints", "--all-contexts"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(stdout.lines().nth(1).is_some_and(|l| l.starts_with("east ")), "{stdout}");
    assert_eq!(stdout.lines().count(), 2, "{stdout}");
    assert!(stderr_of(&out).starts_with("error: context west: no sagemaker-agent answered at"), "{}", stderr_of(&out));
}

fn cloudwatch_logs(moto: &Moto) -> aws_sdk_cloudwatchlogs::Client {
    moto_client!(aws_sdk_cloudwatchlogs, moto)
}

fn millis_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_millis() as i64
}

/// Writes lines to a stream as a SageMaker instance does (creating the
/// stream, and the group, the first time).
fn write_log(moto: &Moto, stream: &str, lines: &[(i64, &str)]) {
    use aws_sdk_cloudwatchlogs::types::InputLogEvent;
    let client = cloudwatch_logs(moto);
    block_on(async {
        let group = "/aws/sagemaker/TrainingJobs";
        let _ = client.create_log_group().log_group_name(group).send().await;
        let _ = client.create_log_stream().log_group_name(group).log_stream_name(stream).send().await;
        let events = lines.iter().map(|(t, m)| InputLogEvent::builder().timestamp(*t).message(*m).build().expect("event")).collect();
        client.put_log_events().log_group_name(group).log_stream_name(stream).set_log_events(Some(events)).send().await.expect("put log events");
    });
}

#[test]
fn logs_follow_a_training_jobs_two_instances_in_time_order_through_a_gap_until_the_job_ends() {
    // a job of 5 phases of 3 s: time to write while it runs
    let moto = Moto::start_with_step(3.0).expect("moto");
    let (kube, agent) = cluster(&moto, &["--logs-settle", "2s"]);
    let cli = Cli::new(&agent, Some(kube.kubeconfig.clone()));
    let dir = tempfile::tempdir().expect("tempdir");
    let job = training_yaml_named(dir.path(), "logged-job", None);
    cli.ok(&["train", "-f", job.to_str().expect("path")]);
    // following starts before SageMaker has made the log group
    let follow = cli.spawn(&["logs", "trainingjob", "logged-job", "-f"]);
    std::thread::sleep(Duration::from_secs(2));
    // written in time order, so that whatever a poll sees is in time order
    let t = millis_now();
    write_log(&moto, "logged-job/algo-1-1700000000", &[(t, "algo-1 epoch 1")]);
    write_log(&moto, "logged-job/algo-2-1700000000", &[(t + 1, "algo-2 epoch 1")]);
    write_log(&moto, "logged-job/algo-1-1700000000", &[(t + 2, "algo-1 epoch 2")]);
    // another job's stream in the same group is not this job's
    write_log(&moto, "logged-job-2/algo-1-1700000000", &[(t + 1, "someone else")]);
    // a gap, then a line stamped before the newest already read (an
    // instance flushing late), then more
    std::thread::sleep(Duration::from_secs(4));
    let t2 = millis_now();
    write_log(&moto, "logged-job/algo-2-1700000000", &[(t + 1, "algo-2 late"), (t2, "algo-2 epoch 2")]);
    write_log(&moto, "logged-job/algo-1-1700000000", &[(t2 + 1, "algo-1 done")]);

    let deadline = Instant::now() + Duration::from_secs(90);
    let mut follow = follow;
    let ended = loop {
        if let Some(ended) = follow.try_wait().expect("wait") {
            break ended;
        }
        assert!(Instant::now() < deadline, "logs -f did not end after the job did; agent log:\n{}", agent.log());
        std::thread::sleep(Duration::from_millis(200));
    };
    let out = follow.wait_with_output().expect("output");
    assert!(ended.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(status(&cli.get("logged-job").expect("job")), "Completed", "following ends with the job");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines,
        [
            "algo-1-1700000000 algo-1 epoch 1",
            "algo-2-1700000000 algo-2 epoch 1",
            "algo-1-1700000000 algo-1 epoch 2",
            "algo-2-1700000000 algo-2 late",
            "algo-2-1700000000 algo-2 epoch 2",
            "algo-1-1700000000 algo-1 done",
        ],
        "each line once, in time order within each read; stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    // the last lines of both streams together, and one stream alone
    let tail = cli.ok(&["logs", "trainingjob/logged-job", "--tail", "2", "--no-prefix"]);
    assert_eq!(tail, "algo-2 epoch 2\nalgo-1 done\n");
    let one = cli.ok(&["logs", "trainingjob", "logged-job", "--stream", "algo-2"]);
    assert_eq!(one.lines().count(), 3, "{one}");

    // reading logs is reading the resource: alice, with no rights on it, is refused
    let alice = Cli::new(&agent, Some(kube.kubeconfig_for("alice").expect("kubeconfig")));
    let refused = alice.run(&["logs", "trainingjob", "logged-job"]);
    assert!(!refused.status.success());
    assert!(stderr_of(&refused).contains("cannot get resource \"trainingjobs\""), "{}", stderr_of(&refused));
}

/// A metric's value as the agent reports it now (0 when absent).
fn metric(agent: &AgentProcess, line_start: &str) -> f64 {
    let (_, text) = agent.http("GET", "/metrics", "");
    text.lines()
        .find(|l| l.starts_with(line_start) && l[line_start.len()..].starts_with(' '))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

fn creates(agent: &AgentProcess) -> f64 {
    metric(agent, "ack_outbound_api_requests_total{service=\"sagemaker\",op_type=\"CREATE\",op_id=\"CreateTrainingJob\"}")
}

#[test]
fn two_replicas_elect_one_leader_that_alone_reconciles_and_the_other_takes_over_when_it_stops() {
    let moto = Moto::start_with_step(1.0).expect("moto");
    let election = ["--leader-elect", "--leader-election-duration", "3s", "--leader-election-renew", "500ms"];
    let (kube, first) = cluster(&moto, &election);
    let second = agent_for(&kube, &moto, &election);
    let leads = |a: &AgentProcess| metric(a, "sagemaker_agent_leader") == 1.0;
    let deadline = Instant::now() + Duration::from_secs(30);
    while !(leads(&first) || leads(&second)) {
        assert!(Instant::now() < deadline, "no replica leads:\n{}\n{}", first.log(), second.log());
        std::thread::sleep(Duration::from_millis(200));
    }
    std::thread::sleep(Duration::from_secs(2));
    assert!(leads(&first) != leads(&second), "exactly one replica leads");
    let (leader, follower) = if leads(&first) { (first, second) } else { (second, first) };

    // applied through the follower, reconciled by the leader alone
    let dir = tempfile::tempdir().expect("tempdir");
    let through_follower = Cli::new(&follower, Some(kube.kubeconfig.clone()));
    let job = training_yaml_named(dir.path(), "led-job", None);
    through_follower.ok(&["train", "-f", job.to_str().expect("path"), "--wait", "--timeout", "1m"]);
    assert_eq!((creates(&leader), creates(&follower)), (1.0, 0.0), "only the leader calls AWS");
    assert_eq!(metric(&follower, "sagemaker_agent_reconciles_total{kind=\"TrainingJob\",outcome=\"done\"}"), 0.0);

    // the leader dies without giving the lease up: the follower takes over once it runs out
    let log = leader.kill();
    assert!(log.contains("became the leader"), "{log}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !leads(&follower) {
        assert!(Instant::now() < deadline, "the follower never took over:\n{}", follower.log());
        std::thread::sleep(Duration::from_millis(200));
    }
    let job = training_yaml_named(dir.path(), "after-takeover", None);
    through_follower.ok(&["train", "-f", job.to_str().expect("path"), "--wait", "--timeout", "1m"]);
    assert_eq!(creates(&follower), 1.0);
    let out = kube.kubectl().args(["get", "lease", "sagemaker-agent", "-n", "ack-system", "-o", "jsonpath={.spec.leaseTransitions}"]).output().expect("kubectl");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "1", "one takeover");
}

#[test]
fn install_applies_the_manifests_the_agent_runs_from_them_and_uninstall_refuses_to_orphan_then_removes_it() {
    let moto = Moto::start_with_step(1.0).expect("moto");
    let kube = KubeApiServer::start().expect("kube-apiserver");
    // the admin installs through the plugin: nothing applied by hand
    let admin = Cli::new_plugin(Some(kube.kubeconfig.clone()));
    let install = ["install", "--apply", "--role-arn", "arn:aws:iam::123456789012:role/sagemaker-agent", "--region", "us-west-2"];
    let out = admin.run_found(&install);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    for applied in [
        "customresourcedefinition.apiextensions.k8s.io/trainingjobs.sagemaker.services.k8s.aws serverside-applied",
        "clusterrole.rbac.authorization.k8s.io/sagemaker-agent serverside-applied",
        "deployment.apps/sagemaker-agent serverside-applied",
        "service/sagemaker-agent serverside-applied",
    ] {
        assert!(stdout.lines().any(|l| l == applied), "{applied} not in:\n{stdout}");
    }
    let out = kube.kubectl().args(["wait", "--for", "condition=established", "--timeout", "30s", "crd", "--all"]).output().expect("wait");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json = |args: &[&str]| -> Value {
        let out = kube.kubectl().args(args).args(["-o", "json"]).output().expect("kubectl get");
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).expect("json")
    };
    let sa = json(&["get", "serviceaccount", "sagemaker-agent", "-n", "ack-system"]);
    assert_eq!(sa["metadata"]["annotations"]["eks.amazonaws.com/role-arn"], "arn:aws:iam::123456789012:role/sagemaker-agent");

    // the agent runs with the Deployment's own arguments and environment, as the
    // ServiceAccount install made, with only the RBAC install granted
    let deployment = json(&["get", "deployment", "sagemaker-agent", "-n", "ack-system"]);
    let container = &deployment["spec"]["template"]["spec"]["containers"][0];
    let mut args: Vec<String> = Vec::new();
    let mut given = container["args"].as_array().expect("args").iter().filter_map(Value::as_str);
    while let Some(arg) = given.next() {
        match arg {
            // the harness picks a free port for gRPC, and metrics go on a free one
            "--listen" => {
                given.next();
            }
            "--metrics-addr" => {
                given.next();
                args.extend(["--metrics-addr".into(), "127.0.0.1:0".into()]);
            }
            other => args.push(other.into()),
        }
    }
    let region = container["env"].as_array().expect("env").iter().find(|e| e["name"] == "AWS_REGION").expect("region")["value"].clone();
    assert_eq!(region, "us-west-2");
    let kubeconfig = service_account_kubeconfig(&kube);
    let mut argv: Vec<&str> = args.iter().map(String::as_str).collect();
    argv.extend(["--kubeconfig", kubeconfig.to_str().expect("path"), "--aws-backend", "aws", "--aws-endpoint-url", &moto.endpoint, "--aws-max-attempts", "1", "--poll-min", "300ms", "--poll-max", "1s"]);
    let mut env = moto.aws_env();
    env.retain(|(k, _)| !k.contains("REGION"));
    env.push(("AWS_REGION", "us-west-2".into()));
    env.push(("POD_NAME", "sagemaker-agent-0".into()));
    let agent = AgentProcess::start(&argv, &env).expect("the agent starts from the Deployment's arguments");
    // as the kubelet would: probe until ready
    let deadline = Instant::now() + Duration::from_secs(30);
    while agent.http("GET", "/readyz", "").0 != 200 {
        assert!(Instant::now() < deadline, "never ready: {}", agent.log());
        std::thread::sleep(Duration::from_millis(200));
    }
    let cli = Cli::new(&agent, Some(kube.kubeconfig.clone()));
    let dir = tempfile::tempdir().expect("tempdir");
    let job = training_yaml_named(dir.path(), "installed-job", None);
    cli.ok(&["train", "-f", job.to_str().expect("path"), "--wait", "--timeout", "1m"]);
    assert!(agent.log().lines().any(|l| l.starts_with('{') && l.contains("\"became the leader")), "JSON logs and the lease:\n{}", agent.log());
    let placed = cli.get("installed-job").expect("job");
    assert_eq!(placed["status"]["ackResourceMetadata"]["region"], "us-west-2", "the region install set");

    // installing again is an upgrade, and without flags it keeps what the agent
    // was installed with (server-side apply alone would drop them)
    let out = admin.run_found(&["install", "--apply"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("kept from the installed agent: --role-arn arn:aws:iam::123456789012:role/sagemaker-agent, --region us-west-2"), "{}", stderr_of(&out));
    let sa = json(&["get", "serviceaccount", "sagemaker-agent", "-n", "ack-system"]);
    assert_eq!(sa["metadata"]["annotations"]["eks.amazonaws.com/role-arn"], "arn:aws:iam::123456789012:role/sagemaker-agent");
    let deployment = json(&["get", "deployment", "sagemaker-agent", "-n", "ack-system"]);
    let env = deployment["spec"]["template"]["spec"]["containers"][0]["env"].clone();
    assert!(env.as_array().expect("env").iter().any(|e| e["name"] == "AWS_REGION" && e["value"] == "us-west-2"), "{env}");

    // the agent still owns the job: uninstalling would leave it undeletable
    let refused = admin.run_found(&["uninstall"]);
    assert_eq!(refused.status.code(), Some(1), "{}", stderr_of(&refused));
    assert!(stderr_of(&refused).contains("trainingjob/installed-job -n default"), "{}", stderr_of(&refused));
    let deployments = json(&["get", "deployment", "-n", "ack-system"]);
    assert!(deployments["items"].as_array().is_some_and(|i| i.len() == 1), "nothing was deleted");
    assert_eq!(deployments["items"][0]["spec"]["replicas"], 2, "the agent, stopped for the check, is back");

    cli.ok(&["delete", "trainingjob", "installed-job", "--wait"]);
    drop(agent);
    let out = admin.run_found(&["uninstall"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(String::from_utf8_lossy(&out.stdout).lines().any(|l| l == "deployment.apps/sagemaker-agent deleted"));
    assert!(json(&["get", "deployment", "-n", "ack-system"])["items"].as_array().is_some_and(Vec::is_empty));
    let out = kube.kubectl().args(["get", "clusterrole", "sagemaker-agent"]).output().expect("kubectl");
    assert!(!out.status.success(), "the agent's ClusterRole is gone");
    assert_eq!(json(&["get", "crd", "trainingjobs.sagemaker.services.k8s.aws"])["kind"], "CustomResourceDefinition", "CRDs stay");
    let out = admin.run_found(&["uninstall", "--crds"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(json(&["get", "crd", "iamroleselectors.services.k8s.aws"])["kind"], "CustomResourceDefinition", "ACK's shared CRDs stay");
    // the API server removes a deleted CRD once it has cleaned up its resources
    let deadline = Instant::now() + Duration::from_secs(30);
    while kube.kubectl().args(["get", "crd", "trainingjobs.sagemaker.services.k8s.aws"]).output().expect("kubectl").status.success() {
        assert!(Instant::now() < deadline, "the CRD is gone with --crds");
        std::thread::sleep(Duration::from_millis(200));
    }

    // the same files install with kubectl's kustomize, for GitOps
    let out = kube.kubectl().args(["apply", "--server-side", "--force-conflicts", "-k"]).arg(repo_root().join("manifests")).output().expect("kubectl apply -k");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(json(&["get", "deployment", "sagemaker-agent", "-n", "ack-system"])["kind"], "Deployment");
}

#[test]
fn kubectl_completes_commands_kinds_and_the_agents_resource_names_through_the_helper_and_bash() {
    let data = tempfile::tempdir().expect("tempdir");
    let dir = data.path().to_str().expect("path");
    let agent = AgentProcess::start(&["--standalone", "--data-dir", dir], &[]).expect("agent");
    let cli = Cli::new(&agent, None);
    let a = labelled_job(data.path(), "job-a", &[]);
    let b = labelled_job(data.path(), "job-b", &[]);
    cli.ok(&["apply", "-f", &a, "-f", &b]);

    // the helper kubectl runs, installed as the completion command prints it
    let helpers = data.path().join("bin");
    std::fs::create_dir_all(&helpers).expect("dir");
    let helper = helpers.join("kubectl_complete-sagemaker");
    std::fs::write(&helper, cli.ok(&["completion", "kubectl"])).expect("write helper");
    std::fs::set_permissions(&helper, std::os::unix::fs::PermissionsExt::from_mode(0o755)).expect("chmod");
    let mut paths = vec![helpers];
    paths.extend(std::env::split_paths(&cli.path));
    let path = std::env::join_paths(paths).expect("PATH");
    let kubectl_complete = |words: &[&str]| -> String {
        let out = Command::new("kubectl")
            .arg("__complete")
            .arg("sagemaker")
            .args(words)
            .env("PATH", &path)
            .env("KUBECONFIG", "/nonexistent")
            .env("KUBECTL_SAGEMAKER_AGENT", &agent.url)
            .output()
            .expect("kubectl __complete");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let out = kubectl_complete(&["get", "trainingjobs", ""]);
    let values: Vec<&str> = out.lines().filter(|l| !l.starts_with(':')).collect();
    assert_eq!(values, ["job-a", "job-b"], "{out}");
    assert!(out.lines().any(|l| l.starts_with(":4")), "no file completion for names: {out}");
    let out = kubectl_complete(&["lo"]);
    assert!(out.lines().any(|l| l.starts_with("logs\t")), "{out}");
    let out = kubectl_complete(&["describe", "tj/job-"]);
    assert!(out.lines().any(|l| l == "tj/job-b"), "{out}");

    // the bash script, as a shell runs it
    let script = r#"source <(kubectl-sagemaker completion bash)
COMP_WORDS=(kubectl-sagemaker logs trainingjob job-); COMP_CWORD=3; _kubectl_sagemaker; echo "${COMPREPLY[*]}"
COMP_WORDS=(kubectl-sagemaker ap); COMP_CWORD=1; _kubectl_sagemaker; echo "${COMPREPLY[*]}""#;
    let out = Command::new("bash").arg("-c").arg(script).env("PATH", &cli.path).env("KUBECONFIG", "/nonexistent").env("KUBECTL_SAGEMAKER_AGENT", &agent.url).output().expect("bash");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "job-a job-b\napply\n", "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn doctor_passes_on_a_healthy_cluster_and_names_each_broken_part_with_its_fix() {
    let moto = Moto::start_with_step(1.0).expect("moto");
    // the agent may act in a second account through the role map
    let (kube, agent) = cluster(&moto, &[]);
    let map = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ack-role-account-map, namespace: ack-system}\ndata:\n  \"111111111111\": arn:aws:iam::111111111111:role/sagemaker\n";
    let file = kube.dir().join("carm.yaml");
    std::fs::write(&file, map).expect("write");
    let out = kube.kubectl().args(["apply", "-f"]).arg(&file).output().expect("kubectl");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let admin = Cli::new(&agent, Some(kube.kubeconfig.clone()));
    let deadline = Instant::now() + Duration::from_secs(30);
    let healthy = loop {
        let out = admin.run(&["doctor"]);
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        // the role map reaches the agent's cache a moment after it is applied
        if out.status.success() && text.contains("account 111111111111") {
            break text;
        }
        assert!(Instant::now() < deadline, "doctor on a healthy cluster: {text}{}", stderr_of(&out));
        std::thread::sleep(Duration::from_millis(300));
    };
    assert!(healthy.lines().all(|l| l.starts_with("ok ")), "{healthy}");
    assert!(healthy.contains("account 111111111111 region us-east-1 with arn:aws:iam::111111111111:role/sagemaker (ack-role-account-map[111111111111]): arn:aws:sts::111111111111:assumed-role/sagemaker/"), "{healthy}");
    assert!(healthy.contains("ok    crds     all 30 are this version's"), "{healthy}");

    // a CRD edited by hand, and a user with no rights in the namespace
    let out = kube.kubectl().args(["patch", "crd", "endpoints.sagemaker.services.k8s.aws", "--type=json", "-p", r#"[{"op":"remove","path":"/spec/versions/0/additionalPrinterColumns"}]"#]).output().expect("kubectl patch");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = admin.run(&["doctor"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("FAIL  crds     not this version's: endpoints.sagemaker.services.k8s.aws"), "{text}");
    assert!(text.contains("fix: `kubectl sagemaker install --context test --apply`"), "{text}");
    let alice = Cli::new(&agent, Some(kube.kubeconfig_for("alice").expect("kubeconfig")));
    let out = alice.run(&["doctor"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("FAIL  access   namespace default:"), "{text}");
    assert!(text.contains("fix: ask an admin for the sagemaker-edit (or sagemaker-view) role"), "{text}");
}

/// What moto describes for each resource, through boto3 (a client
/// independent of the agent's SDK), keys renamed to ACK's: `[(kind, identity
/// in AWS names)] -> [answer or null]`.
fn described_by_boto3(moto: &Moto, queries: &[(String, Value)]) -> Vec<Value> {
    let script = r#"
import boto3, json, re, sys
c = boto3.client("sagemaker", region_name="us-east-1")
out = []
for kind, ids in json.loads(sys.argv[1]):
    snake = re.sub(r"(?<!^)(?=[A-Z])", "_", kind).lower()
    try:
        out.append(getattr(c, "describe_" + snake)(**ids))
    except c.exceptions.ClientError:
        out.append(None)
print(json.dumps(out, default=str))
"#;
    let out = Command::new(sagemaker_testsupport::python().expect("python"))
        .args(["-c", script, &serde_json::to_string(queries).expect("json")])
        .envs(moto.aws_env())
        .output()
        .expect("python");
    assert!(out.status.success(), "boto3: {}", String::from_utf8_lossy(&out.stderr));
    let answers: Vec<Value> = serde_json::from_slice(&out.stdout).expect("json");
    answers.into_iter().map(|a| ack_keys(&a)).collect()
}

/// A document with every member renamed from AWS's names to ACK's (AWS's
/// members are capitalised; a map's keys, the user's, are left alone).
fn ack_keys(v: &Value) -> Value {
    let rename = |k: &String| if k.starts_with(|c: char| c.is_ascii_uppercase()) { sagemaker_schema::ack_name(k) } else { k.clone() };
    match v {
        Value::Object(o) => Value::Object(o.iter().map(|(k, v)| (rename(k), ack_keys(v))).collect()),
        Value::Array(a) => Value::Array(a.iter().map(ack_keys).collect()),
        v => v.clone(),
    }
}

/// AWS's member name for an ACK identifier (`domainID` -> `DomainId`).
fn aws_identifier(ack: &str) -> String {
    let mut name = ack[..1].to_ascii_uppercase() + &ack[1..];
    for (from, to) in [("ARN", "Arn"), ("ID", "Id")] {
        if let Some(stem) = name.strip_suffix(from) {
            name = format!("{stem}{to}");
        }
    }
    name
}

#[test]
fn every_other_ack_kind_lands_in_sagemaker_through_the_sdk_settles_reads_back_updates_survives_a_crash_and_is_deleted() {
    let mut s = kube_setup();
    let dir = tempfile::tempdir().expect("dir");
    // an endpoint for the inference component, a Domain for its users
    s.cli.ok(&["deploy", "-f", example("deploy.yaml").to_str().expect("path"), "--wait", "--timeout", "2m"]);
    s.cli.ok(&["apply", "-f", example("kinds/studio.yaml").to_str().expect("path")]);
    let domain = s.cli.wait_for_kind("domain", "team", "InService", |v| v["status"]["status"] == "InService" && synced(v));
    let domain_id = domain["status"]["domainID"].as_str().expect("domain id").to_string();
    let mut files = Vec::new();
    for (name, from, to) in [
        ("kinds/studio-users.yaml", "DOMAIN_ID", domain_id.as_str()),
        ("kinds/inferencecomponent.yaml", "xgboost-endpoint", "ack-xgboost-endpoint-7420"),
    ] {
        let path = dir.path().join(name.replace('/', "-"));
        std::fs::write(&path, std::fs::read_to_string(example(name)).expect("read").replace(from, to)).expect("write");
        files.push(path);
    }
    for name in [
        "transformjob.yaml",
        "processingjob.yaml",
        "hyperparametertuningjob.yaml",
        "labelingjob.yaml",
        "monitoring.yaml",
        "monitoring-definitions.yaml",
        "featuregroup.yaml",
        "modelpackage.yaml",
        "notebookinstance.yaml",
        "pipeline.yaml",
        "project.yaml",
    ] {
        files.push(example(&format!("kinds/{name}")));
    }
    let docs: Vec<Value> = files.iter().flat_map(|f| documents(f)).collect();
    for f in &files {
        s.cli.ok(&["apply", "-f", f.to_str().expect("path")]);
    }
    // each settles: synced, in its kind's success status, its ARN recorded
    let success: std::collections::HashMap<&str, &[&str]> = [
        ("Model", &[][..]),
        ("TransformJob", &["Completed"][..]),
        ("ProcessingJob", &["Completed"]),
        ("HyperParameterTuningJob", &["Completed"]),
        ("LabelingJob", &["Completed"]),
        ("DataQualityJobDefinition", &[]),
        ("ModelBiasJobDefinition", &[]),
        ("ModelExplainabilityJobDefinition", &[]),
        ("ModelQualityJobDefinition", &[]),
        ("MonitoringSchedule", &["Scheduled"]),
        ("FeatureGroup", &["Created"]),
        ("ModelPackageGroup", &["Completed"]),
        ("ModelPackage", &["Completed"]),
        ("NotebookInstanceLifecycleConfig", &[]),
        ("NotebookInstance", &["InService"]),
        ("Pipeline", &["Active"]),
        ("PipelineExecution", &["Succeeded"]),
        ("Project", &["CreateCompleted"]),
        ("UserProfile", &["InService"]),
        ("Space", &["InService"]),
        ("App", &["InService"]),
        ("InferenceComponent", &["InService"]),
    ]
    .into_iter()
    .collect();
    let mut queries = Vec::new();
    let mut settled = Vec::new();
    for doc in &docs {
        let (kind, name) = (doc["kind"].as_str().expect("kind"), doc["metadata"]["name"].as_str().expect("name"));
        let wanted = success[kind];
        let v = s.cli.wait_for_kind(kind, name, "settled", |v| {
            let status = v["status"].as_object().and_then(|o| o.iter().find(|(k, _)| k.ends_with("tatus") && k.as_str() != "modelPackageStatusDetails")).and_then(|(_, s)| s.as_str());
            synced(v) && (wanted.is_empty() || status.is_some_and(|s| wanted.contains(&s)))
        });
        let arn = v["status"]["ackResourceMetadata"]["arn"].as_str().unwrap_or_else(|| panic!("{kind} {name}: no ARN: {v}")).to_string();
        // the identity AWS knows it by: the spec's identifiers, or its ARN
        let ids: serde_json::Map<String, Value> = match kind {
            "Domain" => [("DomainId".to_string(), v["status"]["domainID"].clone())].into_iter().collect(),
            "PipelineExecution" => [("PipelineExecutionArn".to_string(), Value::String(arn.clone()))].into_iter().collect(),
            "ModelPackage" => [("ModelPackageName".to_string(), Value::String(arn.clone()))].into_iter().collect(),
            _ => {
                let spec = doc["spec"].as_object().expect("spec");
                let identifiers = ["Name", "ID", "appType"];
                spec.iter()
                    .filter(|(k, _)| identifiers.iter().any(|i| k.ends_with(i)) && !k.starts_with("pipelineDisplay") && !k.ends_with("DisplayName") && !k.starts_with("labelAttribute") && !k.starts_with("recordIdentifier") && !k.starts_with("eventTime") && !k.starts_with("lifecycleConfig") && !(kind == "TransformJob" && k.as_str() == "modelName") && !(kind == "InferenceComponent" && k.as_str() != "inferenceComponentName") && !(kind == "App" && k.as_str() == "spaceName"))
                    .map(|(k, v)| (aws_identifier(k), v.clone()))
                    .collect()
            }
        };
        queries.push((kind.to_string(), Value::Object(ids)));
        settled.push((kind, name, doc));
    }
    // every manifest field reached SageMaker as written
    let answers = described_by_boto3(&s.moto, &queries);
    for ((kind, name, doc), described) in settled.iter().zip(&answers) {
        assert!(!described.is_null(), "{kind} {name} is not in SageMaker ({queries:?})");
        let mut spec = doc["spec"].clone();
        // what AWS reports elsewhere or not at all: tags (ListTags), a
        // pipeline's definition (compared as a document below), a create's
        // client token
        for gone in ["tags", "pipelineDefinition", "clientToken", "clientRequestToken"] {
            spec.as_object_mut().map(|o| o.remove(gone));
        }
        // what DescribePipelineExecution does not answer: the pipeline by
        // name (its ARN instead) and the parameters (another call lists them)
        if *kind == "PipelineExecution" {
            let pipeline = spec["pipelineName"].as_str().expect("pipeline").to_string();
            assert!(described["pipelineARN"].as_str().is_some_and(|a| a.ends_with(&format!("pipeline/{pipeline}"))), "{described}");
            spec.as_object_mut().map(|o| (o.remove("pipelineName"), o.remove("pipelineParameters")));
        }
        // what AWS reports under another name (as the kinds' hooks read it)
        let mut described = described.clone();
        if let Some(copies) = described.pointer("/runtimeConfig/desiredCopyCount").cloned() {
            described["runtimeConfig"]["copyCount"] = copies;
        }
        if let Some(config) = described.get("notebookInstanceLifecycleConfigName").cloned() {
            described["lifecycleConfigName"] = config;
        }
        assert_subset(&spec, &described, &format!("{kind} {name}"));
    }
    // a pipeline's definition reads back as the same document
    let (_, _, pipeline) = settled.iter().find(|(k, _, _)| *k == "Pipeline").expect("pipeline");
    let described = &answers[settled.iter().position(|(k, _, _)| *k == "Pipeline").expect("pipeline")];
    let parse = |v: &Value| serde_json::from_str::<Value>(v.as_str().expect("text")).expect("JSON");
    assert_eq!(parse(&pipeline["spec"]["pipelineDefinition"]), parse(&described["pipelineDefinition"]));

    // describe lists a tuning job's training jobs, read from SageMaker
    let described = s.cli.ok(&["describe", "hpo", "xgboost-tuning"]);
    let table = described.split("Training Jobs:\n").nth(1).unwrap_or_else(|| panic!("no training jobs in {described}"));
    assert!(table.starts_with("  NAME ") && table.contains("OBJECTIVE"), "{described}");
    let rows: Vec<&str> = table.lines().skip(1).take_while(|l| l.starts_with("  xgboost-tuning-")).collect();
    assert_eq!(rows.len(), 3, "{described}");
    assert!(rows.iter().all(|r| r.contains("Completed") && r.contains("Succeeded")), "{described}");

    // each edit goes through its kind's own operation, across a crash
    let identity = |kind: &str| queries.iter().find(|(k, _)| k == kind).map(|(_, q)| q.clone()).unwrap_or_else(|| panic!("no {kind}"));
    let mut identities: Vec<(String, Value)> = [
        "UserProfile", "Space", "FeatureGroup", "InferenceComponent", "ModelPackage", "NotebookInstance",
        "NotebookInstanceLifecycleConfig", "Pipeline", "PipelineExecution", "Project", "MonitoringSchedule",
    ]
    .into_iter()
    .map(|k| (k.to_string(), identity(k)))
    .collect();
    identities.push(("Domain".into(), serde_json::json!({ "DomainId": domain_id })));
    edits_reach_sagemaker_across_a_crash_and_lost_statuses(&mut s, &identities);
    jobs_deleted_while_they_run_are_stopped_first(&s, dir.path());

    // and each goes: stopped or deleted in SageMaker, its finalizer released
    for (kind, name, _) in settled.iter().rev() {
        s.cli.ok(&["delete", kind, name, "--wait", "--timeout", "2m"]);
    }
    let answers = described_by_boto3(&s.moto, &queries);
    for ((kind, name, _), described) in settled.iter().zip(&answers) {
        let status = described.as_object().and_then(|o| o.iter().find(|(k, _)| k.ends_with("tatus") && k.as_str() != "modelPackageStatusDetails")).and_then(|(_, s)| s.as_str());
        // (a pipeline execution goes with its pipeline, deleted here too)
        let kept = matches!(*kind, "TransformJob" | "ProcessingJob" | "HyperParameterTuningJob" | "LabelingJob");
        if kept {
            // a job's record stays in SageMaker, as in ACK
            assert!(!described.is_null(), "{kind} {name}");
        } else {
            assert!(described.is_null() || status == Some("Deleted"), "{kind} {name} is still in SageMaker: {described}");
        }
    }
    s.cli.ok(&["delete", "domain", "team", "--wait", "--timeout", "2m"]);
}

/// The other kinds' edits, each through its own operation against moto:
/// Update<Kind> (a notebook stopped, updated and started again), tags
/// through AddTags/DeleteTags, a job definition's edit refused. The agent
/// is killed while the notebook is stopped for its update, and the statuses
/// of the three kinds AWS names (Domain, ModelPackage, PipelineExecution)
/// are lost while it is down: the new agent finishes the update and finds
/// each resource again, creating nothing twice. `identities`: each kind's
/// identity in AWS's names.
fn edits_reach_sagemaker_across_a_crash_and_lost_statuses(s: &mut KubeSetup, identities: &[(String, Value)]) {
    use serde_json::json;
    const ROLE: &str = "arn:aws:iam::111111111111:role/sagemaker-execution-v2";
    const ON_START: &str = "IyEvYmluL2Jhc2gKcGlwIGluc3RhbGwgeGdib29zdCBzaGFwCg==";
    let team = [{ json!({ "key": "team", "value": "ml" }) }];
    let edits = [
        ("domain", "team", json!({ "defaultUserSettings": { "executionRole": ROLE } })),
        ("userprofile", "alice", json!({ "userSettings": { "executionRole": ROLE } })),
        ("space", "shared", json!({ "spaceDisplayName": "Team space" })),
        (
            "featuregroup",
            "customers",
            json!({ "tags": team, "featureDefinitions": [
                { "featureName": "customer_id", "featureType": "String" },
                { "featureName": "event_time", "featureType": "String" },
                { "featureName": "churned", "featureType": "Integral" },
                { "featureName": "tenure", "featureType": "Integral" },
            ] }),
        ),
        ("inferencecomponent", "xgboost-ic", json!({ "runtimeConfig": { "copyCount": 2 } })),
        ("modelpackage", "churn-v1", json!({ "modelApprovalStatus": "Approved" })),
        // a larger instance, its lifecycle configuration removed (a null in a merge patch)
        ("notebookinstance", "explore", json!({ "instanceType": "ml.t3.large", "lifecycleConfigName": null })),
        ("notebookinstancelifecycleconfig", "install-packages", json!({ "onStart": [{ "content": ON_START }] })),
        ("pipeline", "churn-pipeline", json!({ "pipelineDisplayName": "Churn-v2", "tags": team })),
        ("pipelineexecution", "churn-run", json!({ "pipelineExecutionDisplayName": "nightly-2" })),
        ("project", "mlops", json!({ "projectDescription": "Build, train, deploy and monitor" })),
        ("monitoringschedule", "churn-hourly", json!({ "monitoringScheduleConfig": { "scheduleConfig": { "scheduleExpression": "cron(0 */2 ? * * *)" } } })),
    ];
    // what SageMaker shows once each edit is in (ACK names)
    let wanted = [
        ("Domain", "/defaultUserSettings/executionRole", json!(ROLE)),
        ("UserProfile", "/userSettings/executionRole", json!(ROLE)),
        ("Space", "/spaceDisplayName", json!("Team space")),
        ("FeatureGroup", "/featureDefinitions/3/featureName", json!("tenure")),
        ("InferenceComponent", "/runtimeConfig/desiredCopyCount", json!(2)),
        ("ModelPackage", "/modelApprovalStatus", json!("Approved")),
        ("NotebookInstance", "/instanceType", json!("ml.t3.large")),
        ("NotebookInstance", "/notebookInstanceStatus", json!("InService")),
        ("NotebookInstance", "/notebookInstanceLifecycleConfigName", Value::Null),
        ("NotebookInstanceLifecycleConfig", "/onStart/0/content", json!(ON_START)),
        ("Pipeline", "/pipelineDisplayName", json!("Churn-v2")),
        ("PipelineExecution", "/pipelineExecutionDisplayName", json!("nightly-2")),
        ("Project", "/projectDescription", json!("Build, train, deploy and monitor")),
        ("MonitoringSchedule", "/monitoringScheduleConfig/scheduleConfig/scheduleExpression", json!("cron(0 */2 ? * * *)")),
    ];
    let recorded = |kind: &str, name: &str| s.cli.get_kind(kind, name).unwrap_or_else(|| panic!("{kind} {name}"))["status"].clone();
    let before = [("domain", "team"), ("modelpackage", "churn-v1"), ("pipelineexecution", "churn-run")].map(|(k, n)| recorded(k, n));

    // a job definition cannot change: refused before anything is stored
    let definition = example("kinds/monitoring.yaml");
    let changed = std::fs::read_to_string(&definition).expect("read").replace("instanceCount: 1", "instanceCount: 2");
    let changed_path = s.kube.dir().join("monitoring-changed.yaml");
    std::fs::write(&changed_path, changed).expect("write");
    let out = s.cli.run(&["apply", "-f", changed_path.to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("spec.jobResources.clusterConfig.instanceCount cannot be changed"), "{}", stderr_of(&out));

    for (kind, name, spec) in &edits {
        s.kubectl_ok(&["patch", kind, name, "--type", "merge", "-p", &json!({ "spec": spec }).to_string()]);
    }
    // the notebook is stopped for its update: the agent dies there
    s.cli.wait_for_kind("notebookinstance", "explore", "stopped for its update", |v| {
        v["metadata"]["annotations"]["sagemaker.services.k8s.aws/restart-after-update"] == "true"
    });
    let notebook = identities.iter().filter(|(k, _)| k == "NotebookInstance").cloned().collect::<Vec<_>>();
    wait_in_moto("the notebook stopping", || {
        let status = described_by_boto3(&s.moto, &notebook)[0]["notebookInstanceStatus"].clone();
        // anywhere between the stop and the start again
        ["Stopping", "Stopped", "Updating"].iter().any(|s| status == *s)
    });
    let crashed_log = s.agent.crash();
    for (kind, name) in [("domain", "team"), ("modelpackage", "churn-v1"), ("pipelineexecution", "churn-run")] {
        s.kubectl_ok(&["patch", kind, name, "--subresource", "status", "--type", "merge", "-p", r#"{"status": null}"#]);
    }
    s.agent = agent_for(&s.kube, &s.moto, &[]);
    s.cli = Cli::new(&s.agent, Some(s.kube.kubeconfig.clone()));

    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let answers = described_by_boto3(&s.moto, identities);
        let missing: Vec<String> = wanted
            .iter()
            .filter(|(kind, pointer, value)| {
                let i = identities.iter().position(|(k, _)| k == kind).expect("identity");
                answers[i].pointer(pointer).unwrap_or(&Value::Null) != value
            })
            .map(|(kind, pointer, value)| format!("{kind}{pointer} = {value}"))
            .collect();
        if missing.is_empty() {
            break;
        }
        if Instant::now() > deadline {
            let statuses: Vec<String> = edits.iter().map(|(kind, name, _)| format!("{kind} {name}: {:?}", s.cli.get_kind(kind, name).map(|v| v["status"].clone()))).collect();
            panic!("never in SageMaker: {missing:?}\n{}\nthe crashed agent's log:\n{crashed_log}\nthe new agent's log:\n{}", statuses.join("\n"), s.agent.log());
        }
        std::thread::sleep(Duration::from_secs(1));
    }
    // each found again as it was, nothing created twice, all synced
    for ((kind, name), was) in [("domain", "team"), ("modelpackage", "churn-v1"), ("pipelineexecution", "churn-run")].into_iter().zip(&before) {
        let now = s.cli.wait_for_kind(kind, name, "found again", |v| synced(v) && v["status"]["ackResourceMetadata"]["arn"].is_string());
        assert_eq!(now["status"]["ackResourceMetadata"]["arn"], was["ackResourceMetadata"]["arn"], "{kind} {name}");
        if kind == "domain" {
            assert_eq!(now["status"]["domainID"], was["domainID"]);
        }
    }
    let counts = boto3(
        &s.moto,
        r#"
import boto3
c = boto3.client("sagemaker", region_name="us-east-1")
print(len([d for d in c.list_domains()["Domains"] if d["DomainName"] == "team"]),
      len(c.list_model_packages(ModelPackageGroupName="churn-models")["ModelPackageSummaryList"]),
      len(c.list_pipeline_executions(PipelineName="churn-pipeline")["PipelineExecutionSummaries"]))
"#,
    );
    assert_eq!(counts.trim(), "1 1 1", "domains, model package versions, pipeline executions");
    let calls = s.calls();
    for create in ["CreateDomain", "CreateModelPackage"] {
        assert_eq!(calls.get(create), None, "the restarted agent called {create}: {calls:?}");
    }
    for (kind, name, _) in &edits {
        s.cli.wait_for_kind(kind, name, "synced", synced);
    }
    let notebook = s.cli.get_kind("notebookinstance", "explore").expect("notebook");
    assert_eq!(notebook["metadata"]["annotations"]["sagemaker.services.k8s.aws/restart-after-update"], "false", "{notebook}");

    // a tag the spec drops is removed; the agent's own stay
    let tags = |kind: &str, name: &str| -> Vec<String> {
        let arn = s.cli.get_kind(kind, name).expect("resource")["status"]["ackResourceMetadata"]["arn"].as_str().expect("arn").to_string();
        let script = format!("import boto3\nfor t in boto3.client('sagemaker', region_name='us-east-1').list_tags(ResourceArn='{arn}')['Tags']: print(t['Key'] + '=' + t['Value'])");
        boto3(&s.moto, &script).lines().map(str::to_string).collect()
    };
    for (kind, name) in [("featuregroup", "customers"), ("pipeline", "churn-pipeline")] {
        assert!(tags(kind, name).contains(&"team=ml".to_string()), "{kind} {name}: {:?}", tags(kind, name));
        s.kubectl_ok(&["patch", kind, name, "--type", "json", "-p", r#"[{"op": "remove", "path": "/spec/tags"}]"#]);
    }
    for (kind, name) in [("featuregroup", "customers"), ("pipeline", "churn-pipeline")] {
        wait_in_moto(&format!("{kind} {name} untagged"), || !tags(kind, name).contains(&"team=ml".to_string()));
        let left = tags(kind, name);
        assert!(left.iter().any(|t| t.starts_with(&format!("{}=", "sagemaker-agent/owner-uid"))), "{kind} {name}: {left:?}");
    }
    assert!(s.calls().get("DeleteTags").is_some_and(|n| *n >= 2), "{:?}", s.calls());
}

/// Every job kind deleted while it runs is stopped first, and deleted only
/// once SageMaker says it stopped (a pipeline execution too). The jobs are
/// the examples without their name (it defaults to metadata.name), tagged
/// to run until stopped.
fn jobs_deleted_while_they_run_are_stopped_first(s: &KubeSetup, dir: &Path) {
    use serde_json::json;
    const RUNNING: &str = "sagemaker-simulator/running-steps";
    let mut jobs = Vec::new();
    for (file, kind, name_field) in [
        ("transformjob.yaml", "TransformJob", "transformJobName"),
        ("processingjob.yaml", "ProcessingJob", "processingJobName"),
        ("hyperparametertuningjob.yaml", "HyperParameterTuningJob", "hyperParameterTuningJobName"),
        ("labelingjob.yaml", "LabelingJob", "labelingJobName"),
    ] {
        let mut doc = documents(&example(&format!("kinds/{file}"))).into_iter().find(|d| d["kind"] == kind).expect("job");
        let name = format!("{}-stopped", doc["metadata"]["name"].as_str().expect("name"));
        doc["metadata"]["name"] = json!(name);
        doc["spec"].as_object_mut().expect("spec").remove(name_field);
        doc["spec"]["tags"] = json!([{ "key": RUNNING, "value": "120" }]);
        jobs.push((kind.to_string(), name, doc));
    }
    let mut run = documents(&example("kinds/pipeline.yaml")).into_iter().find(|d| d["kind"] == "PipelineExecution").expect("execution");
    run["metadata"]["name"] = json!("churn-run-stopped");
    run["spec"]["pipelineParameters"] = json!([{ "name": "SIM_RUNNING_STEPS", "value": "120" }]);
    jobs.push(("PipelineExecution".into(), "churn-run-stopped".into(), run));
    let file = dir.join("running-jobs.yaml");
    std::fs::write(&file, jobs.iter().map(|(_, _, d)| serde_yaml::to_string(d).expect("yaml")).collect::<Vec<_>>().join("---\n")).expect("write");
    s.cli.ok(&["apply", "-f", file.to_str().expect("path")]);
    let running = ["InProgress", "Executing"];
    let mut execution = String::new();
    for (kind, name, _) in &jobs {
        let v = s.cli.wait_for_kind(kind, name, "running", |v| {
            v["status"].as_object().into_iter().flatten().any(|(k, s)| k.ends_with("Status") && s.as_str().is_some_and(|s| running.contains(&s)))
        });
        if kind == "PipelineExecution" {
            execution = v["status"]["ackResourceMetadata"]["arn"].as_str().expect("arn").to_string();
        }
    }
    for (kind, name, _) in &jobs {
        s.cli.ok(&["delete", kind, name, "--wait", "--timeout", "1m"]);
    }
    let calls = s.calls();
    for (kind, name, _) in &jobs {
        assert_eq!(calls.get(&format!("Stop{kind}")), Some(&1), "Stop{kind}: {calls:?}");
        // named after metadata.name in SageMaker, and stopped there
        if kind == "PipelineExecution" {
            let listed = boto3(&s.moto, "import boto3\nfor e in boto3.client('sagemaker', region_name='us-east-1').list_pipeline_executions(PipelineName='churn-pipeline')['PipelineExecutionSummaries']:\n    print(e['PipelineExecutionArn'], e['PipelineExecutionStatus'])");
            assert!(listed.lines().any(|l| l == format!("{execution} Stopped")), "{execution} in {listed}");
            continue;
        }
        let described = &described_by_boto3(&s.moto, &[(kind.clone(), json!({ format!("{kind}Name"): name }))])[0];
        let status_field = format!("{}{}Status", kind[..1].to_ascii_lowercase(), &kind[1..]);
        assert_eq!(described[&status_field], "Stopped", "{kind} {name}: {described}");
    }
}

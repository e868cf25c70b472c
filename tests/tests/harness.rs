//! The harness itself, against the real services.

use std::process::{Command, Output};

use sagemaker_testsupport::{KubeApiServer, Moto, python, repo_root};

fn run(mut cmd: Command) -> Output {
    cmd.output().unwrap_or_else(|e| panic!("spawn {cmd:?}: {e}"))
}

fn run_ok(cmd: Command) -> String {
    let desc = format!("{cmd:?}");
    let out = run(cmd);
    assert!(
        out.status.success(),
        "{desc} failed ({}):\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn kubectl_apply_stdin(server: &KubeApiServer, args: &[&str], yaml: &str) -> String {
    let file = server.dir().join(format!("manifest-{}.yaml", yaml.len()));
    std::fs::write(&file, yaml).unwrap();
    let mut cmd = server.kubectl();
    cmd.args(args).arg("-f").arg(&file);
    run_ok(cmd)
}

const WIDGET_CRD: &str = r#"
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            required: [size]
            properties:
              size: {type: integer, minimum: 1}
              color: {type: string}
          status:
            type: object
            properties:
              phase: {type: string}
"#;

fn install_widget_crd(server: &KubeApiServer) {
    kubectl_apply_stdin(server, &["apply"], WIDGET_CRD);
    let mut wait = server.kubectl();
    wait.args([
        "wait",
        "--for",
        "condition=established",
        "--timeout=60s",
        "crd/widgets.example.com",
    ]);
    run_ok(wait);
}

#[test]
fn api_server_starts_and_serves_crds_with_server_side_apply() {
    let server = KubeApiServer::start().expect("start kube-apiserver");
    assert!(server.url.starts_with("https://127.0.0.1:"), "{}", server.url);
    install_widget_crd(&server);

    // Server-side apply by two field managers, then read back.
    let w1 = "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w1\n  namespace: default\nspec:\n  size: 3\n";
    kubectl_apply_stdin(&server, &["apply", "--server-side", "--field-manager=test-a"], w1);
    let color = "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w1\n  namespace: default\nspec:\n  size: 3\n  color: blue\n";
    kubectl_apply_stdin(
        &server,
        &[
            "apply",
            "--server-side",
            "--field-manager=test-b",
            "--force-conflicts",
        ],
        color,
    );
    let mut get = server.kubectl();
    get.args([
        "get",
        "widget",
        "w1",
        "-o",
        "jsonpath={.spec.size} {.spec.color} {.metadata.managedFields[*].manager}",
    ]);
    assert_eq!(run_ok(get).trim(), "3 blue test-a test-b");

    // Schema validation is enforced by the server.
    let bad = "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w2\n  namespace: default\nspec:\n  size: 0\n";
    let file = server.dir().join("bad.yaml");
    std::fs::write(&file, bad).unwrap();
    let mut apply_bad = server.kubectl();
    apply_bad.args(["apply", "--server-side", "-f"]).arg(&file);
    let out = run(apply_bad);
    assert!(!out.status.success(), "size 0 accepted");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("spec.size"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Status subresource: a patch to /status changes status only.
    let mut patch = server.kubectl();
    patch.args([
        "patch",
        "widget",
        "w1",
        "--subresource=status",
        "--type=merge",
        "-p",
        r#"{"status":{"phase":"Ready"}}"#,
    ]);
    run_ok(patch);
    let mut get = server.kubectl();
    get.args(["get", "widget", "w1", "-o", "jsonpath={.status.phase}"]);
    assert_eq!(run_ok(get).trim(), "Ready");
}

#[test]
fn static_users_authenticate_but_need_rbac() {
    let server = KubeApiServer::start().expect("start kube-apiserver");
    install_widget_crd(&server);

    let whoami = |ctx: &str| {
        let mut c = server.kubectl();
        c.args(["--context", ctx, "auth", "can-i", "list", "widgets.example.com"]);
        run(c)
    };
    let out = whoami("alice");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "no",
        "alice before RBAC"
    );

    // Grant alice (not bob) read access with a real Role/RoleBinding.
    let mut role = server.kubectl();
    role.args([
        "create",
        "role",
        "widget-reader",
        "--verb=get,list,watch",
        "--resource=widgets.example.com",
    ]);
    run_ok(role);
    let mut binding = server.kubectl();
    binding.args([
        "create",
        "rolebinding",
        "alice-reads",
        "--role=widget-reader",
        "--user=alice",
    ]);
    run_ok(binding);

    let mut list = server.kubectl();
    list.args(["--context", "alice", "get", "widgets"]);
    run_ok(list);
    let mut list = server.kubectl();
    list.args(["--context", "bob", "get", "widgets"]);
    let out = run(list);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Forbidden") && err.contains("\"bob\""), "{err}");

    // A kubeconfig of bob alone, for programs that only read KUBECONFIG.
    let bob = server.kubeconfig_for("bob").unwrap();
    let mut c = Command::new("kubectl");
    c.env("KUBECONFIG", &bob)
        .args(["auth", "can-i", "get", "widgets.example.com"]);
    assert_eq!(String::from_utf8_lossy(&run(c).stdout).trim(), "no");

    // A wrong token is rejected outright.
    let mut c = server.kubectl();
    c.args(["--token", "nope", "get", "namespaces"]);
    let out = run(c);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Unauthorized"),
        "{out:?}"
    );
}

#[test]
fn moto_training_job_progresses_and_stops() {
    let moto = Moto::start_with_step(0.5).expect("start moto");
    assert!(moto.endpoint.starts_with("http://127.0.0.1:"));
    let mut smoke = Command::new(python().unwrap());
    smoke
        .arg(repo_root().join("tests/support/moto_smoke.py"))
        .arg(&moto.endpoint)
        .env("SIM_STEP_SECONDS", moto.step_seconds().to_string())
        .env("PYTHONDONTWRITEBYTECODE", "1");
    let out = run_ok(smoke);
    assert!(out.contains(" passed, 0 failed"), "{out}");
}

#[test]
fn moto_serves_the_other_22_kinds_with_their_lifecycles() {
    let moto = Moto::start_with_step(0.5).expect("start moto");
    let mut smoke = Command::new(python().unwrap());
    smoke
        .arg(repo_root().join("tests/support/moto_generic_smoke.py"))
        .arg(&moto.endpoint)
        .env("SIM_STEP_SECONDS", moto.step_seconds().to_string())
        .env("PYTHONDONTWRITEBYTECODE", "1");
    let out = run_ok(smoke);
    assert!(out.contains(" passed, 0 failed"), "{out}");
}

#[test]
fn moto_reset_wipes_jobs() {
    let moto = Moto::start().expect("start moto");
    let script = r#"
import sys, boto3
from botocore.config import Config
sm = boto3.client("sagemaker", endpoint_url=sys.argv[1], region_name="us-east-1",
                  aws_access_key_id="testing", aws_secret_access_key="testing",
                  config=Config(retries={"max_attempts": 1}))
if sys.argv[2] == "create":
    sm.create_training_job(TrainingJobName="j", RoleArn="arn:aws:iam::123456789012:role/r",
        AlgorithmSpecification={"TrainingImage": "img", "TrainingInputMode": "File"},
        OutputDataConfig={"S3OutputPath": "s3://b/o"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 1},
        StoppingCondition={"MaxRuntimeInSeconds": 60})
print(len(sm.list_training_jobs()["TrainingJobSummaries"]))
"#;
    let py = |what: &str| {
        let mut c = Command::new(python().unwrap());
        c.arg("-c").arg(script).arg(&moto.endpoint).arg(what);
        run_ok(c).trim().to_string()
    };
    assert_eq!(py("create"), "1");
    moto.reset();
    assert_eq!(py("list"), "0");
    // Names are free again after a reset (no ResourceInUse).
    assert_eq!(py("create"), "1");
}

//! The real `kubectl-sagemaker` binary against a fake agent served in-process.

mod support;

use serde_json::{Value, json};
use support::{FakeAgent, Step};

const BIN: &str = env!("CARGO_BIN_EXE_kubectl-sagemaker");

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", sagemaker_core::manifest_dir(env!("CARGO_MANIFEST_DIR")).display())
}

/// The tutorial's manifests, as the repository ships them in `examples/`.
fn example(name: &str) -> String {
    format!("{}/../examples/{name}", sagemaker_core::manifest_dir(env!("CARGO_MANIFEST_DIR")).display())
}

#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs the plugin with `args` (plus `--agent` when there is an agent), in an
/// environment that knows no kubeconfig and no agent of its own.
async fn run(agent: Option<&FakeAgent>, args: &[&str]) -> Run {
    run_with_stdin(agent, args, None).await
}

async fn run_with_stdin(agent: Option<&FakeAgent>, args: &[&str], stdin: Option<&str>) -> Run {
    use tokio::io::AsyncWriteExt;
    let mut command = tokio::process::Command::new(BIN);
    command
        .args(args)
        .env_remove("KUBECTL_SAGEMAKER_AGENT")
        .env_remove("RUST_LOG")
        .env("KUBECONFIG", "/nonexistent/kubeconfig")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    if let Some(agent) = agent {
        command.args(["--agent", &agent.url]);
    }
    let mut child = command.spawn().expect("plugin starts");
    let mut input = child.stdin.take().expect("stdin");
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).await.expect("write stdin");
    }
    drop(input);
    let output = tokio::time::timeout(std::time::Duration::from_secs(30), child.wait_with_output())
        .await
        .expect("plugin finishes within 30s")
        .expect("plugin runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// A watch line's words: elapsed time, status, secondary status, conditions.
fn words(line: &str) -> Vec<&str> {
    line.split_whitespace().collect()
}

fn status(job_status: &str, secondary: &str) -> Value {
    json!({
        "ackResourceMetadata": {"arn": "arn:aws:sagemaker:us-west-2:123456789012:training-job/x",
                                "ownerAccountID": "123456789012", "region": "us-west-2"},
        "trainingJobStatus": job_status,
        "secondaryStatus": secondary,
        "conditions": [{"type": "ACK.ResourceSynced", "status": "False", "reason": "InProgress"}]
    })
}

#[tokio::test]
async fn train_prints_created_and_a_second_run_prints_unchanged() {
    let agent = FakeAgent::start().await;
    let first = run(Some(&agent), &["train", "-f", &fixture("training.yaml")]).await;
    assert_eq!(first.code, 0, "{first:?}");
    assert_eq!(
        first.stdout,
        "trainingjob.sagemaker.services.k8s.aws/ack-xgboost-training-job-7420 created\n"
    );
    assert!(
        agent
            .resource("default", "ack-xgboost-training-job-7420")
            .is_some()
    );

    let second = run(Some(&agent), &["train", "-f", &fixture("training.yaml")]).await;
    assert_eq!(second.code, 0, "{second:?}");
    assert_eq!(
        second.stdout,
        "trainingjob.sagemaker.services.k8s.aws/ack-xgboost-training-job-7420 unchanged\n"
    );
}

#[tokio::test]
async fn every_apply_is_checked_by_a_dry_run_first() {
    let agent = FakeAgent::start().await;
    let result = run(
        Some(&agent),
        &["apply", "-f", &fixture("training.yaml"), "-n", "ml"],
    )
    .await;
    assert_eq!(result.code, 0, "{result:?}");
    let applies: Vec<(bool, String)> = agent
        .calls()
        .into_iter()
        .filter(|c| c.method == "apply")
        .map(|c| (c.dry_run, c.namespace))
        .collect();
    assert_eq!(applies, [(true, "ml".to_string()), (false, "ml".to_string())]);
}

#[tokio::test]
async fn train_reads_manifests_from_stdin() {
    let agent = FakeAgent::start().await;
    let text = std::fs::read_to_string(fixture("training.yaml")).expect("fixture");
    let result = run_with_stdin(Some(&agent), &["train", "-f", "-"], Some(&text)).await;
    assert_eq!(result.code, 0, "{result:?}");
    assert!(
        result
            .stdout
            .ends_with("/ack-xgboost-training-job-7420 created\n"),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_file_with_one_bad_document_applies_nothing() {
    let agent = FakeAgent::start().await;
    let result = run(Some(&agent), &["apply", "-f", &fixture("one-bad-document.yaml")]).await;
    assert_eq!(result.code, 1, "{result:?}");
    assert_eq!(result.stdout, "");
    assert!(
        result.stderr.starts_with("error: cannot apply ")
            && result
                .stderr
                // the line of the field, not of the document's start (line 14)
                .contains("one-bad-document.yaml (document 2, line 23); nothing was applied\n"),
        "{}",
        result.stderr
    );
    assert!(
        result
            .stderr
            .contains("  Caused by: spec.resourceConfig.instanceCount: must be at least 1\n")
    );
    assert!(
        result
            .stderr
            .contains("hint: set spec.resourceConfig.instanceCount to 1 or more\n")
    );
    assert_eq!(agent.writes(), 0, "the fake saw a write: {:?}", agent.calls());
    assert!(agent.resource("default", "good-job").is_none());
}

#[tokio::test]
async fn dry_run_prints_what_would_happen_and_writes_nothing() {
    let agent = FakeAgent::start().await;
    let result = run(
        Some(&agent),
        &["train", "--dry-run", "-f", &fixture("training.yaml")],
    )
    .await;
    assert_eq!(result.code, 0, "{result:?}");
    assert_eq!(
        result.stdout,
        "trainingjob.sagemaker.services.k8s.aws/ack-xgboost-training-job-7420 created (dry run)\n"
    );
    assert_eq!(agent.writes(), 0);
}

#[tokio::test]
async fn train_refuses_other_kinds_and_points_to_apply() {
    let agent = FakeAgent::start().await;
    let result = run(Some(&agent), &["train", "-f", &fixture("endpoint.yaml")]).await;
    assert_eq!(result.code, 1, "{result:?}");
    assert!(
        result
            .stderr
            .contains("endpoint.yaml (document 1, line 1) is of kind Endpoint, not TrainingJob"),
        "{}",
        result.stderr
    );
    assert!(result.stderr.contains(
        "hint: `kubectl sagemaker train` takes TrainingJob manifests only; use `kubectl sagemaker apply -f`"
    ));
    assert!(agent.calls().is_empty(), "{:?}", agent.calls());
}

#[tokio::test]
async fn malformed_yaml_names_the_file_document_line_and_column_and_sends_nothing() {
    let agent = FakeAgent::start().await;
    let result = run(Some(&agent), &["train", "-f", &fixture("malformed.yaml")]).await;
    assert_eq!(result.code, 1, "{result:?}");
    let first = result.stderr.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("error: ")
            && first.contains("malformed.yaml (document 2) is not valid YAML at line 13, column 5"),
        "{}",
        result.stderr
    );
    assert!(result.stderr.contains("\nhint: "), "{}", result.stderr);
    assert!(agent.calls().is_empty(), "{:?}", agent.calls());
}

#[tokio::test]
async fn train_wait_follows_the_job_until_it_completes() {
    let agent = FakeAgent::start().await;
    agent.script(
        "ack-xgboost-training-job-7420",
        vec![
            Step::Status(json!({"secondaryStatus": "Downloading"})),
            Step::Status(json!({"secondaryStatus": "Training"})),
            Step::Status(json!({"trainingJobStatus": "Completed", "secondaryStatus": "Completed"})),
        ],
    );
    let result = run(
        Some(&agent),
        &[
            "train",
            "-f",
            &fixture("training.yaml"),
            "--wait",
            "--timeout",
            "20s",
        ],
    )
    .await;
    assert_eq!(result.code, 0, "{result:?}");
    let lines: Vec<&str> = result.stdout.lines().collect();
    assert_eq!(
        lines[0],
        "trainingjob.sagemaker.services.k8s.aws/ack-xgboost-training-job-7420 created"
    );
    assert_eq!(words(lines[1])[1..], ["InProgress", "Starting", "Synced=False"]);
    let last = lines.last().copied().unwrap_or_default();
    assert_eq!(words(last)[1..], ["Completed", "Completed", "Synced=False"]);
}

#[tokio::test]
async fn watch_exits_0_when_the_job_completes() {
    let agent = FakeAgent::start().await;
    agent.insert("default", "xgb", status("InProgress", "Starting"));
    agent.script(
        "xgb",
        vec![
            Step::Status(json!({"secondaryStatus": "Training"})),
            Step::Status(json!({"secondaryStatus": "Training"})), // no change, no line
            Step::Status(
                json!({"trainingJobStatus": "Completed", "secondaryStatus": "Completed",
                                "modelArtifacts": {"s3ModelArtifacts": "s3://b/model.tar.gz"}}),
            ),
        ],
    );
    let result = run(Some(&agent), &["watch", "tj", "xgb"]).await;
    assert_eq!(result.code, 0, "{result:?}");
    let lines: Vec<&str> = result.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{lines:?}");
    // the elapsed time, right-aligned, then aligned columns
    assert!(
        lines[0].starts_with("   0s  InProgress  Starting   "),
        "{lines:?}"
    );
    assert_eq!(words(lines[1])[1..3], ["InProgress", "Training"]);
    assert_eq!(words(lines[2])[1..3], ["Completed", "Completed"]);
}

#[tokio::test]
async fn watch_exits_1_with_the_failure_reason_and_a_hint_when_the_job_fails() {
    let agent = FakeAgent::start().await;
    agent.insert("default", "xgb", status("InProgress", "Downloading"));
    agent.script(
        "xgb",
        vec![Step::Status(json!({
            "trainingJobStatus": "Failed",
            "secondaryStatus": "Failed",
            "failureReason": "ClientError: Data download failed: NoSuchKey: abalone.train"
        }))],
    );
    let result = run(Some(&agent), &["watch", "trainingjob", "xgb"]).await;
    assert_eq!(result.code, 1, "{result:?}");
    let last = result.stdout.lines().last().unwrap_or_default();
    assert_eq!(words(last)[1..3], ["Failed", "Failed"], "{result:?}");
    assert_eq!(
        result.stderr,
        "error: trainingjob.sagemaker.services.k8s.aws/xgb ended with status Failed\n\
         \x20 Caused by: ClientError: Data download failed: NoSuchKey: abalone.train\n\
         hint: check the s3URI of each input channel (spec.inputDataConfig) and that the execution role can read it\n"
    );
}

#[tokio::test]
async fn watch_exits_1_when_the_resource_is_deleted() {
    let agent = FakeAgent::start().await;
    agent.insert("default", "xgb", status("InProgress", "Training"));
    agent.script("xgb", vec![Step::Delete]);
    let result = run(Some(&agent), &["watch", "tj", "xgb"]).await;
    assert_eq!(result.code, 1, "{result:?}");
    assert!(result.stdout.ends_with("deleted\n"), "{result:?}");
    assert!(
        result
            .stderr
            .starts_with("error: trainingjob.sagemaker.services.k8s.aws/xgb was deleted")
    );
}

#[tokio::test]
async fn watch_exits_1_when_the_resource_turns_terminal() {
    let agent = FakeAgent::start().await;
    agent.insert("default", "xgb", status("InProgress", "Starting"));
    agent.script(
        "xgb",
        vec![Step::Status(json!({"conditions": [
            {"type": "ACK.Terminal", "status": "True", "message": "ValidationException: Could not assume role arn:aws:iam::1:role/x"}
        ]}))],
    );
    let result = run(Some(&agent), &["watch", "tj", "xgb"]).await;
    assert_eq!(result.code, 1, "{result:?}");
    let last = result.stdout.lines().last().unwrap_or_default();
    assert_eq!(words(last)[1..], ["InProgress", "Starting", "Terminal"]);
    assert!(
        result
            .stderr
            .contains("Caused by: ValidationException: Could not assume role"),
        "{}",
        result.stderr
    );
}

#[tokio::test]
async fn watch_of_a_missing_resource_is_an_error_with_a_hint() {
    let agent = FakeAgent::start().await;
    let result = run(Some(&agent), &["watch", "tj", "nope"]).await;
    assert_eq!(result.code, 1, "{result:?}");
    assert!(
        result
            .stderr
            .contains("Caused by: trainingjobs.sagemaker.services.k8s.aws \"nope\" not found")
    );
    assert!(
        result
            .stderr
            .contains("hint: `kubectl sagemaker get trainingjobs -n default` lists what exists")
    );
}

#[tokio::test]
async fn get_prints_a_table_with_printer_columns_and_age() {
    let agent = FakeAgent::start().await;
    agent.insert("default", "job-a", status("InProgress", "Training"));
    agent.insert("default", "job-b", status("Completed", "Completed"));
    agent.insert("ml", "job-c", status("Failed", "Failed"));
    let result = run(Some(&agent), &["get", "trainingjobs"]).await;
    assert_eq!(result.code, 0, "{result:?}");
    assert_eq!(
        result.stdout,
        "NAME    STATUS       SECONDARY-STATUS   SYNCED   AGE\n\
         job-a   InProgress   Training           False    20m\n\
         job-b   Completed    Completed          False    20m\n"
    );
}

#[tokio::test]
async fn get_accepts_every_alias_of_a_kind() {
    let agent = FakeAgent::start().await;
    agent.insert("default", "job-a", status("InProgress", "Training"));
    for kind in [
        "trainingjobs",
        "trainingjob",
        "tj",
        "TrainingJob",
        "trainingjobs.sagemaker.services.k8s.aws",
    ] {
        let result = run(Some(&agent), &["get", kind, "-o", "name"]).await;
        assert_eq!(result.code, 0, "{kind}: {result:?}");
        assert_eq!(
            result.stdout, "trainingjob.sagemaker.services.k8s.aws/job-a\n",
            "{kind}"
        );
    }
}

#[tokio::test]
async fn get_wide_adds_failure_reason_region_account_and_synced() {
    let agent = FakeAgent::start().await;
    agent.insert("default", "job-a", status("InProgress", "Training"));
    let result = run(Some(&agent), &["get", "tj", "-o", "wide"]).await;
    assert_eq!(result.code, 0, "{result:?}");
    let header: Vec<&str> = result
        .stdout
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    assert_eq!(
        header,
        [
            "NAME",
            "STATUS",
            "SECONDARY-STATUS",
            "FAILURE-REASON",
            "REGION",
            "ACCOUNT",
            "SYNCED",
            "AGE"
        ]
    );
    assert!(
        result.stdout.contains("us-west-2   123456789012   False    20m"),
        "{}",
        result.stdout
    );
}

#[tokio::test]
async fn get_json_prints_a_list_and_a_named_object_alone() {
    let agent = FakeAgent::start().await;
    agent.insert("default", "job-a", status("InProgress", "Training"));
    agent.insert("default", "job-b", status("Completed", "Completed"));
    let list = run(Some(&agent), &["get", "tj", "-o", "json"]).await;
    assert_eq!(list.code, 0, "{list:?}");
    let value: Value = serde_json::from_str(&list.stdout).expect("json");
    assert_eq!(value["apiVersion"], "v1");
    assert_eq!(value["kind"], "List");
    assert_eq!(value["items"].as_array().map(Vec::len), Some(2));

    let one = run(Some(&agent), &["get", "tj", "job-b", "-o", "json"]).await;
    let value: Value = serde_json::from_str(&one.stdout).expect("json");
    assert_eq!(value["kind"], "TrainingJob");
    assert_eq!(value["status"]["trainingJobStatus"], "Completed");

    let yaml = run(Some(&agent), &["get", "tj", "job-b", "-o", "yaml"]).await;
    assert!(
        yaml.stdout
            .starts_with("apiVersion: sagemaker.services.k8s.aws/v1alpha1\nkind: TrainingJob\n"),
        "{}",
        yaml.stdout
    );
}

#[tokio::test]
async fn get_all_namespaces_adds_a_namespace_column() {
    let agent = FakeAgent::start().await;
    agent.insert("default", "job-a", status("InProgress", "Training"));
    agent.insert("ml", "job-c", status("Failed", "Failed"));
    let result = run(Some(&agent), &["get", "tj", "-A"]).await;
    assert_eq!(result.code, 0, "{result:?}");
    assert_eq!(
        result.stdout,
        "NAMESPACE   NAME    STATUS       SECONDARY-STATUS   SYNCED   AGE\n\
         default     job-a   InProgress   Training           False    20m\n\
         ml          job-c   Failed       Failed             False    20m\n"
    );
}

#[tokio::test]
async fn get_in_an_empty_namespace_says_no_resources_found() {
    let agent = FakeAgent::start().await;
    let result = run(Some(&agent), &["get", "tj", "-n", "empty"]).await;
    assert_eq!(result.code, 0, "{result:?}");
    assert_eq!(result.stdout, "");
    assert_eq!(result.stderr, "No resources found in empty namespace.\n");
}

#[tokio::test]
async fn get_of_a_missing_name_is_a_user_error() {
    let agent = FakeAgent::start().await;
    let result = run(Some(&agent), &["get", "tj", "nope"]).await;
    assert_eq!(result.code, 1, "{result:?}");
    assert_eq!(
        result.stderr,
        "error: cannot get trainingjob.sagemaker.services.k8s.aws/nope in namespace default\n\
         \x20 Caused by: trainingjobs.sagemaker.services.k8s.aws \"nope\" not found\n\
         hint: `kubectl sagemaker get trainingjobs -n default` lists what exists\n"
    );
}

#[tokio::test]
async fn an_unknown_kind_errors_with_a_hint_listing_the_known_kinds() {
    let agent = FakeAgent::start().await;
    let result = run(Some(&agent), &["get", "pods"]).await;
    assert_eq!(result.code, 1, "{result:?}");
    assert!(
        result.stderr.starts_with(
            "error: unknown kind \"pods\"\nhint: known kinds: trainingjobs (tj), hyperparametertuningjobs (hpo, hptj), transformjobs (tfj)"
        ),
        "{}",
        result.stderr
    );
    assert!(agent.calls().is_empty());
}

#[tokio::test]
async fn agent_errors_are_user_errors_or_unexpected_by_their_code() {
    let agent = FakeAgent::start().await;
    let denied = run(Some(&agent), &["get", "tj", "-n", "forbidden"]).await;
    assert_eq!(denied.code, 1, "{denied:?}");
    assert!(
        denied
            .stderr
            .contains("Caused by: user may not list trainingjobs in forbidden\n")
    );
    assert!(
        denied
            .stderr
            .ends_with("hint: ask for a RoleBinding in forbidden\n"),
        "{}",
        denied.stderr
    );

    let broken = run(Some(&agent), &["get", "tj", "-n", "broken"]).await;
    assert_eq!(broken.code, 2, "{broken:?}");
    assert_eq!(
        broken.stderr,
        "error: cannot list trainingjobs\n  Caused by: store exploded\n"
    );
}

#[tokio::test]
async fn describe_shows_conditions_and_a_hint_for_the_failure() {
    let agent = FakeAgent::start().await;
    agent.insert(
        "default",
        "xgb",
        json!({
            "ackResourceMetadata": {"arn": "arn:aws:sagemaker:us-west-2:123456789012:training-job/xgb",
                                    "ownerAccountID": "123456789012", "region": "us-west-2"},
            "trainingJobStatus": "Failed",
            "secondaryStatus": "Failed",
            "failureReason": "ClientError: AccessDenied: User is not authorized to perform s3:GetObject",
            "conditions": [
                {"type": "ACK.ResourceSynced", "status": "True", "reason": "Final", "message": "training job failed"},
                {"type": "ACK.Terminal", "status": "False"}
            ]
        }),
    );
    let result = run(Some(&agent), &["describe", "tj", "xgb"]).await;
    assert_eq!(result.code, 0, "{result:?}");
    let text = &result.stdout;
    assert!(
        text.starts_with("Name:             xgb\nNamespace:        default\nKind:             TrainingJob\n"),
        "{text}"
    );
    assert!(
        text.contains("ARN:              arn:aws:sagemaker:us-west-2:123456789012:training-job/xgb\n"),
        "{text}"
    );
    assert!(
        text.contains("Failure Reason:   ClientError: AccessDenied"),
        "{text}"
    );
    assert!(
        text.contains("Hint:             check the execution role (spec.roleARN)"),
        "{text}"
    );
    assert!(
        text.contains("Conditions:\n  TYPE                 STATUS   REASON   MESSAGE               SINCE\n"),
        "{text}"
    );
    assert!(
        text.contains("  ACK.ResourceSynced   True     Final    training job failed\n"),
        "{text}"
    );
    assert!(text.contains("Spec:\n  trainingJobName: xgb\n"), "{text}");
}

#[tokio::test]
async fn delete_of_a_finished_job_prints_deleted() {
    let agent = FakeAgent::start().await;
    agent.insert("default", "done", status("Completed", "Completed"));
    let result = run(Some(&agent), &["delete", "tj", "done"]).await;
    assert_eq!(result.code, 0, "{result:?}");
    assert_eq!(
        result.stdout,
        "trainingjob.sagemaker.services.k8s.aws/done deleted\n"
    );
    assert!(agent.resource("default", "done").is_none());
}

#[tokio::test]
async fn delete_wait_of_a_running_job_waits_until_it_is_gone() {
    let agent = FakeAgent::start().await;
    agent.insert("default", "running", status("InProgress", "Training"));
    let result = run(
        Some(&agent),
        &["delete", "tj", "running", "--wait", "--timeout", "20s"],
    )
    .await;
    assert_eq!(result.code, 0, "{result:?}");
    let lines: Vec<&str> = result.stdout.lines().collect();
    assert_eq!(
        lines[0],
        "trainingjob.sagemaker.services.k8s.aws/running deletion started; the agent is stopping the job in SageMaker"
    );
    assert!(
        lines.last().is_some_and(|l| l.ends_with("s  deleted")),
        "{lines:?}"
    );
    assert!(agent.resource("default", "running").is_none());
}

#[tokio::test]
async fn version_prints_the_plugin_and_the_agent() {
    let agent = FakeAgent::start().await;
    let result = run(Some(&agent), &["version"]).await;
    assert_eq!(result.code, 0, "{result:?}");
    let expected = format!(
        "kubectl-sagemaker {}\n\
         Agent:         {}\n\
         Agent Version: 0.1.0-fake\n\
         API Version:   sagemaker.agent.v1\n\
         Mode:          standalone\n\
         AWS Backend:   sim\n\
         Region:        us-west-2\n\
         Account:       123456789012\n",
        env!("CARGO_PKG_VERSION"),
        agent.url
    );
    assert_eq!(result.stdout, expected);
}

#[tokio::test]
async fn version_client_does_not_need_an_agent() {
    let result = run(None, &["version", "--client"]).await;
    assert_eq!(result.code, 0, "{result:?}");
    assert_eq!(
        result.stdout,
        format!("kubectl-sagemaker {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[tokio::test]
async fn an_unreachable_agent_is_named_with_a_hint() {
    // a port that was just free: nothing listens there
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let result = run(None, &["version", "--agent", &url]).await;
    assert_eq!(result.code, 2, "{result:?}");
    assert!(result.stdout.starts_with("kubectl-sagemaker "));
    assert!(
        result
            .stderr
            .starts_with(&format!("error: no sagemaker-agent answered at {url}\n  Caused by: ")),
        "{}",
        result.stderr
    );
    assert!(
        result
            .stderr
            .contains("hint: check that the agent is running and listening there"),
        "{}",
        result.stderr
    );
}

/// A TCP server on loopback that records what it receives and answers with
/// `reply` (nothing at all when `None`), holding each connection open.
fn capture_server(reply: Option<&'static [u8]>) -> (String, std::sync::Arc<std::sync::Mutex<Vec<u8>>>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let record = record.clone();
            std::thread::spawn(move || {
                if let Some(reply) = reply {
                    let _ = stream.write_all(reply);
                }
                let mut buf = [0u8; 4096];
                while let Ok(n) = stream.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    record.lock().expect("lock").extend_from_slice(&buf[..n]);
                }
            });
        }
    });
    (addr.to_string(), seen)
}

#[tokio::test]
async fn an_https_url_means_tls_and_a_plaintext_server_there_never_sees_the_token() {
    let (addr, seen) = capture_server(None);
    let url = format!("https://{addr}");
    let result = run(
        None,
        &["version", "--agent", &url, "--token", "s3cret-token", "--request-timeout", "2s"],
    )
    .await;
    assert_eq!(result.code, 2, "{result:?}");
    assert!(
        result
            .stderr
            .starts_with(&format!("error: no sagemaker-agent answered at {url}\n")),
        "{}",
        result.stderr
    );
    let seen = seen.lock().expect("lock").clone();
    assert!(!seen.is_empty(), "the plugin connected");
    assert_eq!(seen[0], 0x16, "the first byte is a TLS handshake record");
    assert!(
        !String::from_utf8_lossy(&seen).contains("s3cret-token"),
        "the token went out in clear text"
    );
}

#[tokio::test]
async fn an_https_url_to_a_plaintext_agent_fails_clearly_and_reaches_no_method() {
    let agent = FakeAgent::start().await;
    let url = agent.url.replace("http://", "https://");
    let result = run(None, &["version", "--agent", &url, "--request-timeout", "3s"]).await;
    assert_eq!(result.code, 2, "{result:?}");
    assert!(
        result
            .stderr
            .starts_with(&format!("error: no sagemaker-agent answered at {url}\n")),
        "{}",
        result.stderr
    );
    assert!(agent.calls().is_empty(), "{:?}", agent.calls());
}

#[tokio::test]
async fn a_credential_is_never_sent_in_clear_text_beyond_loopback() {
    let result = run(
        None,
        &["get", "tj", "--agent", "http://192.0.2.10:50051", "--token", "s3cret-token"],
    )
    .await;
    assert_eq!(result.code, 2, "{result:?}");
    assert_eq!(
        result.stderr.lines().next(),
        Some("error: refusing to send your credentials to http://192.0.2.10:50051 in clear text")
    );
    assert!(result.stderr.contains("hint: use an https:// URL"), "{}", result.stderr);
    assert!(!result.stderr.contains("s3cret-token"));
}

#[tokio::test]
async fn a_silent_port_or_a_server_that_is_not_grpc_is_no_agent_and_is_named() {
    let (silent, _) = capture_server(None);
    let (http1, _) = capture_server(Some(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"));
    for addr in [silent, http1] {
        let url = format!("http://{addr}");
        let result = run(None, &["get", "tj", "--agent", &url, "--request-timeout", "2s"]).await;
        assert_eq!(result.code, 2, "{result:?}");
        assert!(
            result
                .stderr
                .starts_with(&format!("error: no sagemaker-agent answered at {url}\n  Caused by: ")),
            "{}",
            result.stderr
        );
        assert!(!result.stderr.contains("h2 protocol error"), "{}", result.stderr);
    }
}

#[tokio::test]
async fn without_an_agent_the_user_is_told_how_to_name_one() {
    let result = run(None, &["get", "tj"]).await;
    assert_eq!(result.code, 2, "{result:?}");
    assert_eq!(
        result.stderr,
        "error: no agent to talk to\n\
         hint: use a kubeconfig context whose cluster runs the agent, or pass --agent URL (or set \
         KUBECTL_SAGEMAKER_AGENT) to the address of a running sagemaker-agent\n"
    );
}

/// A kubeconfig whose user logs in with an exec credential plugin: a shell
/// script that counts its runs in `runs` and prints `script`'s output.
fn exec_kubeconfig(dir: &std::path::Path, script: &str) -> String {
    let plugin = dir.join("credentials.sh");
    std::fs::write(&plugin, format!("#!/bin/sh\necho run >> {}/runs\n{script}\n", dir.display())).expect("write script");
    std::fs::set_permissions(&plugin, std::os::unix::fs::PermissionsExt::from_mode(0o755)).expect("chmod");
    let kubeconfig = dir.join("kubeconfig");
    std::fs::write(
        &kubeconfig,
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: eks\n\
             clusters:\n- name: c\n  cluster: {{server: \"https://127.0.0.1:6443\"}}\n\
             contexts:\n- name: eks\n  context: {{cluster: c, user: sso, namespace: ml}}\n\
             users:\n- name: sso\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      \
             command: {}\n      interactiveMode: Never\n",
            plugin.display()
        ),
    )
    .expect("write kubeconfig");
    kubeconfig.display().to_string()
}

#[tokio::test]
async fn an_exec_credential_plugin_runs_once_and_its_token_reaches_every_call() {
    let agent = FakeAgent::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let kubeconfig = exec_kubeconfig(
        dir.path(),
        r#"echo '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"exec-token-77"}}'"#,
    );
    let result = run(Some(&agent), &["get", "tj", "--kubeconfig", &kubeconfig]).await;
    assert_eq!(result.code, 0, "{result:?}");
    let calls = agent.calls();
    assert!(calls.len() >= 2, "the probe and the list: {calls:?}");
    assert!(calls.iter().all(|c| c.authorization.as_deref() == Some("Bearer exec-token-77")), "{calls:?}");
    assert_eq!(std::fs::read_to_string(dir.path().join("runs")).expect("ran"), "run\n", "the plugin ran once");
    assert!(!result.stderr.contains("exec-token-77") && !result.stdout.contains("exec-token-77"));
}

#[tokio::test]
async fn a_failing_credential_plugin_is_reported_as_such_before_any_call() {
    let agent = FakeAgent::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let kubeconfig = exec_kubeconfig(dir.path(), "echo 'the SSO session has expired' >&2; exit 1");
    let result = run(Some(&agent), &["get", "tj", "--kubeconfig", &kubeconfig]).await;
    assert_eq!(result.code, 2, "{result:?}");
    assert!(
        result.stderr.starts_with("error: cannot get the credentials of user \"sso\" of context \"eks\"\n"),
        "{}",
        result.stderr
    );
    assert!(result.stderr.contains("the SSO session has expired"), "{}", result.stderr);
    assert!(!result.stderr.contains("credentials.sh"), "the command line stays out of the message: {}", result.stderr);
    assert!(result.stderr.contains("hint: `kubectl --context eks auth whoami`"), "{}", result.stderr);
    assert!(agent.calls().is_empty(), "{:?}", agent.calls());
}

#[tokio::test]
async fn as_and_as_group_ask_the_agent_to_impersonate_and_need_each_other_in_order() {
    let agent = FakeAgent::start().await;
    let kubeconfig = fixture("kubeconfig.yaml");
    let result = run(
        Some(&agent),
        &["get", "tj", "--kubeconfig", &kubeconfig, "--as", "alice", "--as-group", "ml", "--as-group", "ops"],
    )
    .await;
    assert_eq!(result.code, 0, "{result:?}");
    let call = agent.calls().pop().expect("a call");
    assert_eq!(call.impersonate, ["alice", "ml", "ops"]);
    assert_eq!(call.authorization.as_deref(), Some("Bearer test-token-5f3a9c"), "still sent as oneself");

    let groups_alone = run(Some(&agent), &["get", "tj", "--kubeconfig", &kubeconfig, "--as-group", "ml"]).await;
    assert_eq!(groups_alone.code, 2, "{groups_alone:?}");
    assert!(groups_alone.stderr.starts_with("error: --as-group needs --as"), "{}", groups_alone.stderr);
}

#[tokio::test]
async fn the_kubeconfig_gives_the_namespace_and_a_bearer_token_that_is_never_printed() {
    let agent = FakeAgent::start().await;
    let kubeconfig = fixture("kubeconfig.yaml");
    let result = run(Some(&agent), &["get", "tj", "--kubeconfig", &kubeconfig]).await;
    assert_eq!(result.code, 0, "{result:?}");
    assert_eq!(result.stderr, "No resources found in ml namespace.\n");
    let call = agent.calls().pop().expect("a call");
    assert_eq!(call.namespace, "ml");
    assert_eq!(call.authorization.as_deref(), Some("Bearer test-token-5f3a9c"));

    // -n wins over the context; a context without a token sends none
    let other = run(
        Some(&agent),
        &[
            "get",
            "tj",
            "--kubeconfig",
            &kubeconfig,
            "--context",
            "other",
            "-n",
            "x",
        ],
    )
    .await;
    assert_eq!(other.code, 0, "{other:?}");
    let call = agent.calls().pop().expect("a call");
    assert_eq!((call.namespace.as_str(), call.authorization), ("x", None));

    // and an error path does not leak it either
    let failed = run(Some(&agent), &["get", "tj", "nope", "--kubeconfig", &kubeconfig]).await;
    for text in [&result.stdout, &result.stderr, &failed.stdout, &failed.stderr] {
        assert!(!text.contains("test-token-5f3a9c"), "{text}");
    }
}

#[tokio::test]
async fn an_unknown_context_is_a_user_error() {
    let result = run(
        None,
        &[
            "get",
            "tj",
            "--kubeconfig",
            &fixture("kubeconfig.yaml"),
            "--context",
            "prod",
        ],
    )
    .await;
    assert_eq!(result.code, 1, "{result:?}");
    assert_eq!(
        result.stderr,
        "error: context \"prod\" is not in the kubeconfig\n\
         hint: `kubectl config get-contexts` lists the contexts of your kubeconfig\n"
    );
}

#[tokio::test]
async fn a_manifest_too_large_for_kubernetes_is_refused_naming_the_document_before_sending() {
    let agent = FakeAgent::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("big.yaml");
    let mut text = std::fs::read_to_string(fixture("training.yaml")).expect("fixture");
    text.push_str("  environment:\n    BLOB: \"");
    text.push_str(&"x".repeat(10 * 1024 * 1024));
    text.push_str("\"\n");
    std::fs::write(&path, format!("{}---\n{text}", std::fs::read_to_string(fixture("training.yaml")).expect("fixture")))
        .expect("write");
    let result = run(Some(&agent), &["apply", "-f", path.to_str().expect("path")]).await;
    assert_eq!(result.code, 1, "{result:?}");
    let first = result.stderr.lines().next().unwrap_or_default().to_string();
    assert!(first.starts_with(&format!("error: {} (document 2, line", path.display())), "{first}");
    assert!(first.ends_with("is 10.0 MB as JSON; at most 1.5 MB can be applied"), "{first}");
    assert!(result.stderr.contains("hint: Kubernetes stores objects of at most 1.5 MB"), "{}", result.stderr);
    assert_eq!(agent.writes(), 0);
}

// === stop ===

#[tokio::test]
async fn stop_asks_the_agent_to_stop_a_running_job_which_ends_stopped_and_stays() {
    let agent = FakeAgent::start().await;
    agent.insert("default", "running", status("InProgress", "Training"));
    let result = run(Some(&agent), &["stop", "tj", "running"]).await;
    assert_eq!(result.code, 0, "{result:?}");
    assert_eq!(result.stdout, "trainingjob.sagemaker.services.k8s.aws/running stopping\n");
    let job = agent.resource("default", "running").expect("the resource stays");
    assert_eq!(job["metadata"]["annotations"]["sagemaker.services.k8s.aws/stop"], "true");
    // Stopping, and a moment later Stopped: never gone
    let job_status = job["status"]["trainingJobStatus"].as_str().unwrap_or_default();
    assert!(["Stopping", "Stopped"].contains(&job_status), "{job}");
}

#[tokio::test]
async fn stop_wait_follows_the_job_until_it_is_stopped_and_exits_0() {
    let agent = FakeAgent::start().await;
    agent.insert("default", "a", status("InProgress", "Training"));
    agent.insert("default", "b", status("InProgress", "Downloading"));
    let result = run(
        Some(&agent),
        &["stop", "trainingjob/a", "tj/b", "--wait", "--timeout", "20s"],
    )
    .await;
    assert_eq!(result.code, 0, "{result:?}");
    let lines: Vec<&str> = result.stdout.lines().collect();
    assert_eq!(
        lines[..2],
        [
            "trainingjob.sagemaker.services.k8s.aws/a stopping",
            "trainingjob.sagemaker.services.k8s.aws/b stopping"
        ]
    );
    // two jobs followed at once: each line is labelled with its name
    for name in ["a", "b"] {
        let last = lines.iter().rev().find(|l| words(l).get(1) == Some(&name)).expect("a line");
        assert_eq!(words(last)[2..4], ["Stopped", "Stopped"], "{lines:?}");
    }
    assert_eq!(agent.resource("default", "a").expect("stays")["status"]["trainingJobStatus"], "Stopped");
}

#[tokio::test]
async fn stop_of_a_job_that_has_ended_says_so_and_succeeds() {
    let agent = FakeAgent::start().await;
    agent.insert("default", "done", status("Completed", "Completed"));
    let result = run(Some(&agent), &["stop", "tj", "done", "--wait"]).await;
    assert_eq!(result.code, 0, "{result:?}");
    assert_eq!(
        result.stdout,
        "trainingjob.sagemaker.services.k8s.aws/done already ended (Completed)\n"
    );
    assert!(agent.calls().iter().all(|c| c.method != "watch"), "{:?}", agent.calls());
}

#[tokio::test]
async fn stop_of_an_endpoint_is_a_usage_error_that_points_to_delete_and_sends_nothing() {
    let agent = FakeAgent::start().await;
    let result = run(Some(&agent), &["stop", "ep", "my-endpoint"]).await;
    assert_eq!(result.code, 2, "{result:?}");
    assert_eq!(
        result.stderr,
        "error: endpoints are not jobs and cannot be stopped\n\
         hint: `kubectl sagemaker delete endpoints my-endpoint` deletes it (in AWS too); `stop` takes trainingjobs, hyperparametertuningjobs, transformjobs, processingjobs, labelingjobs, pipelineexecutions\n"
    );
    assert!(agent.calls().is_empty(), "{:?}", agent.calls());
}

#[tokio::test]
async fn stop_goes_on_past_a_missing_job_and_exits_1() {
    let agent = FakeAgent::start().await;
    agent.insert("default", "running", status("InProgress", "Training"));
    let result = run(Some(&agent), &["stop", "tj", "nope", "running"]).await;
    assert_eq!(result.code, 1, "{result:?}");
    assert_eq!(result.stdout, "trainingjob.sagemaker.services.k8s.aws/running stopping\n");
    assert!(
        result
            .stderr
            .starts_with("error: cannot stop trainingjob.sagemaker.services.k8s.aws/nope in namespace default\n"),
        "{}",
        result.stderr
    );
}

// === deploy ===

const DEPLOYED: &str = "\
model.sagemaker.services.k8s.aws/ack-xgboost-model-7420 created
endpointconfig.sagemaker.services.k8s.aws/ack-xgboost-endpoint-config-7420 created
endpoint.sagemaker.services.k8s.aws/ack-xgboost-endpoint-7420 created
";

const DEPENDENCY_ORDER: [&str; 3] = [
    "Model/ack-xgboost-model-7420",
    "EndpointConfig/ack-xgboost-endpoint-config-7420",
    "Endpoint/ack-xgboost-endpoint-7420",
];

#[tokio::test]
async fn deploy_of_the_tutorials_deploy_yaml_creates_the_model_config_and_endpoint() {
    let agent = FakeAgent::start().await;
    let result = run(Some(&agent), &["deploy", "-f", &example("deploy.yaml")]).await;
    assert_eq!(result.code, 0, "{result:?}");
    assert_eq!(result.stdout, DEPLOYED);
    // one write, checked by a dry run first
    assert_eq!(agent.applied(), [DEPENDENCY_ORDER]);
    let endpoint = agent
        .resource_of("Endpoint", "default", "ack-xgboost-endpoint-7420")
        .expect("endpoint");
    assert_eq!(endpoint["status"]["endpointStatus"], "Creating");
}

#[tokio::test]
async fn deploy_applies_each_document_after_those_it_names_whatever_the_file_order() {
    let agent = FakeAgent::start().await;
    let text = std::fs::read_to_string(example("deploy.yaml")).expect("fixture");
    let mut documents: Vec<&str> = text.split("---\n").collect();
    documents.reverse();
    let reversed = documents.join("---\n");
    let result = run_with_stdin(Some(&agent), &["deploy", "-f", "-"], Some(&reversed)).await;
    assert_eq!(result.code, 0, "{result:?}");
    assert_eq!(result.stdout, DEPLOYED);
    let applies: Vec<Vec<String>> = agent
        .calls()
        .into_iter()
        .filter(|c| c.method == "apply")
        .map(|c| c.targets)
        .collect();
    assert_eq!(applies, [DEPENDENCY_ORDER, DEPENDENCY_ORDER]);
}

#[tokio::test]
async fn deploy_dry_run_checks_everything_and_writes_nothing() {
    let agent = FakeAgent::start().await;
    let result = run(Some(&agent), &["deploy", "-f", &example("deploy.yaml"), "--dry-run"]).await;
    assert_eq!(result.code, 0, "{result:?}");
    assert!(result.stdout.lines().all(|l| l.ends_with(" created (dry run)")), "{result:?}");
    assert_eq!(agent.writes(), 0);
}

#[tokio::test]
async fn deploy_wait_follows_the_endpoint_until_it_is_in_service() {
    let agent = FakeAgent::start().await;
    agent.script(
        "ack-xgboost-endpoint-7420",
        vec![Step::Status(json!({
            "endpointStatus": "InService",
            "conditions": [{"type": "ACK.ResourceSynced", "status": "True"}]
        }))],
    );
    let result = run(
        Some(&agent),
        &["deploy", "-f", &example("deploy.yaml"), "--wait", "--timeout", "20s"],
    )
    .await;
    assert_eq!(result.code, 0, "{result:?}");
    let lines: Vec<&str> = result.stdout.lines().collect();
    assert_eq!(lines[..3].join("\n") + "\n", DEPLOYED);
    assert_eq!(words(lines[3])[1..], ["Creating", "Synced=False"]);
    assert_eq!(words(lines[lines.len() - 1])[1..], ["InService", "Synced=True"]);
    // the model and the config have no status to wait for
    let watched: Vec<String> = agent
        .calls()
        .into_iter()
        .filter(|c| c.method == "watch")
        .flat_map(|c| c.targets)
        .collect();
    assert_eq!(watched, ["Endpoint/ack-xgboost-endpoint-7420"]);
}

#[tokio::test]
async fn deploy_wait_exits_1_with_the_reason_when_the_endpoint_fails() {
    let agent = FakeAgent::start().await;
    agent.script(
        "ack-xgboost-endpoint-7420",
        vec![Step::Status(json!({
            "endpointStatus": "Failed",
            "failureReason": "The primary container for production variant AllTraffic did not pass the ping health check."
        }))],
    );
    let result = run(Some(&agent), &["deploy", "-f", &example("deploy.yaml"), "--wait"]).await;
    assert_eq!(result.code, 1, "{result:?}");
    assert_eq!(
        result.stderr,
        "error: endpoint.sagemaker.services.k8s.aws/ack-xgboost-endpoint-7420 ended with status Failed\n\
         \x20 Caused by: The primary container for production variant AllTraffic did not pass the ping health check.\n"
    );
}

#[tokio::test]
async fn deploy_wait_exits_1_with_the_message_when_the_endpoint_turns_terminal() {
    let agent = FakeAgent::start().await;
    agent.script(
        "ack-xgboost-endpoint-7420",
        vec![Step::Status(json!({
            "endpointStatus": "Failed",
            "failureReason": "Could not find model data",
            "conditions": [
                {"type": "ACK.ResourceSynced", "status": "True"},
                {"type": "ACK.Terminal", "status": "True", "message": "Failed: Could not find model data at s3://ack-sagemaker-bucket-7420"}
            ]
        }))],
    );
    let result = run(Some(&agent), &["deploy", "-f", &example("deploy.yaml"), "--wait"]).await;
    assert_eq!(result.code, 1, "{result:?}");
    assert!(
        result.stderr.starts_with(
            "error: endpoint.sagemaker.services.k8s.aws/ack-xgboost-endpoint-7420 cannot make progress (ACK.Terminal)\n\
             \x20 Caused by: Failed: Could not find model data at s3://ack-sagemaker-bucket-7420\n"
        ),
        "{}",
        result.stderr
    );
    let last = result.stdout.lines().last().unwrap_or_default();
    assert_eq!(words(last)[1..], ["Failed", "Synced=True", "Terminal"]);
}

#[tokio::test]
async fn deploy_takes_one_file() {
    let agent = FakeAgent::start().await;
    let deploy = example("deploy.yaml");
    let result = run(Some(&agent), &["deploy", "-f", &deploy, "-f", &deploy]).await;
    assert_eq!(result.code, 2, "{result:?}");
    assert!(result.stderr.contains("cannot be used multiple times"), "{}", result.stderr);
    assert!(agent.calls().is_empty());
}

// === autoscale ===

const SCALE_ENDPOINT_YAML: &str = "\
apiVersion: applicationautoscaling.services.k8s.aws/v1alpha1
kind: ScalableTarget
metadata:
  name: ack-xgboost-endpoint-7420-alltraffic
spec:
  maxCapacity: 20
  minCapacity: 1
  resourceID: endpoint/ack-xgboost-endpoint-7420/variant/AllTraffic
  scalableDimension: sagemaker:variant:DesiredInstanceCount
  serviceNamespace: sagemaker
---
apiVersion: applicationautoscaling.services.k8s.aws/v1alpha1
kind: ScalingPolicy
metadata:
  name: ack-xgboost-endpoint-7420-alltraffic-invocations
spec:
  policyName: ack-xgboost-endpoint-7420-alltraffic-invocations
  policyType: TargetTrackingScaling
  resourceID: endpoint/ack-xgboost-endpoint-7420/variant/AllTraffic
  scalableDimension: sagemaker:variant:DesiredInstanceCount
  serviceNamespace: sagemaker
  targetTrackingScalingPolicyConfiguration:
    targetValue: 60
    scaleInCooldown: 700
    scaleOutCooldown: 300
    predefinedMetricSpecification:
      predefinedMetricType: SageMakerVariantInvocationsPerInstance
";

const AUTOSCALE: [&str; 13] = [
    "autoscale",
    "endpoint",
    "ack-xgboost-endpoint-7420",
    "--variant",
    "AllTraffic",
    "--min",
    "1",
    "--max",
    "20",
    "--target-invocations",
    "60",
    "--scale-in-cooldown",
    "700",
];

fn autoscale(extra: &[&'static str]) -> Vec<&'static str> {
    let mut args = AUTOSCALE.to_vec();
    args.extend(["--scale-out-cooldown", "300"]);
    args.extend(extra);
    args
}

#[tokio::test]
async fn autoscale_applies_the_tutorials_scalable_target_and_scaling_policy_in_one_command() {
    let agent = FakeAgent::start().await;
    let result = run(Some(&agent), &autoscale(&[])).await;
    assert_eq!(result.code, 0, "{result:?}");
    assert_eq!(
        result.stdout,
        "scalabletarget.applicationautoscaling.services.k8s.aws/ack-xgboost-endpoint-7420-alltraffic created\n\
         scalingpolicy.applicationautoscaling.services.k8s.aws/ack-xgboost-endpoint-7420-alltraffic-invocations created\n"
    );
    // no Endpoint resource here: the SageMaker endpoint of that name is scaled
    assert!(result.stderr.starts_with("warning: there is no endpoint."), "{}", result.stderr);
    // the same specs as the tutorial's scale-endpoint.yaml, under our names
    let tutorial = std::fs::read_to_string(example("scale-endpoint.yaml")).expect("example");
    let names = [
        ("ScalableTarget", "ack-xgboost-endpoint-7420-alltraffic"),
        ("ScalingPolicy", "ack-xgboost-endpoint-7420-alltraffic-invocations"),
    ];
    for (document, (kind, name)) in tutorial.split("---\n").zip(names) {
        let document: Value = serde_yaml::from_str(document).expect("yaml");
        assert_eq!(document["kind"], kind);
        let mut spec = document["spec"].clone();
        if kind == "ScalingPolicy" {
            spec["policyName"] = json!(name);
        }
        let stored = agent.resource_of(kind, "default", name).expect("applied");
        assert_eq!(stored["spec"], spec, "{kind}");
    }
    assert_eq!(
        agent.applied(),
        [[
            "ScalableTarget/ack-xgboost-endpoint-7420-alltraffic",
            "ScalingPolicy/ack-xgboost-endpoint-7420-alltraffic-invocations"
        ]]
    );
}

#[tokio::test]
async fn autoscale_wait_follows_the_target_and_the_policy_until_both_are_in_sync() {
    let agent = FakeAgent::start().await;
    let result = run(Some(&agent), &autoscale(&["--wait", "--timeout", "20s"])).await;
    assert_eq!(result.code, 0, "{result:?}");
    let synced: Vec<&str> = result.stdout.lines().filter(|l| l.contains("Synced=True")).collect();
    assert_eq!(synced.len(), 2, "{}", result.stdout);
}

#[tokio::test]
async fn autoscale_dry_run_prints_the_documents_and_writes_nothing() {
    let agent = FakeAgent::start().await;
    let result = run(Some(&agent), &autoscale(&["--dry-run"])).await;
    assert_eq!(result.code, 0, "{result:?}");
    assert_eq!(result.stdout, SCALE_ENDPOINT_YAML);
    assert_eq!(agent.writes(), 0);
    let applies = agent.calls().iter().filter(|c| c.method == "apply").count();
    assert_eq!(applies, 1, "checked by the agent");

    let json_out = run(Some(&agent), &autoscale(&["--dry-run", "-o", "json"])).await;
    assert_eq!(json_out.code, 0, "{json_out:?}");
    let list: Value = serde_json::from_str(&json_out.stdout).expect("json");
    assert_eq!(list["kind"], "List");
    assert_eq!(list["items"][1]["spec"]["targetTrackingScalingPolicyConfiguration"]["targetValue"], 60);
}

#[tokio::test]
async fn autoscale_output_yaml_applies_and_prints_the_documents() {
    let agent = FakeAgent::start().await;
    let result = run(Some(&agent), &autoscale(&["-o", "yaml"])).await;
    assert_eq!(result.code, 0, "{result:?}");
    assert_eq!(result.stdout, SCALE_ENDPOINT_YAML);
    assert_eq!(agent.writes(), 1);
}

#[tokio::test]
async fn autoscale_names_the_sagemaker_endpoint_of_the_endpoint_resource() {
    let agent = FakeAgent::start().await;
    agent.insert_object(support::object(
        "Endpoint",
        "ml",
        "ep",
        json!({"endpointName": "Prod-EP-1", "endpointConfigName": "c"}),
        json!({"endpointStatus": "InService"}),
    ));
    let result = run(
        Some(&agent),
        &["autoscale", "endpoint", "ep", "-n", "ml", "--min", "2", "--max", "4", "--target-invocations", "12.5"],
    )
    .await;
    assert_eq!(result.code, 0, "{result:?}");
    assert_eq!(result.stderr, "");
    let target = agent.resource_of("ScalableTarget", "ml", "ep-alltraffic").expect("target");
    assert_eq!(target["spec"]["resourceID"], "endpoint/Prod-EP-1/variant/AllTraffic");
    let policy = agent.resource_of("ScalingPolicy", "ml", "ep-alltraffic-invocations").expect("policy");
    let configuration = &policy["spec"]["targetTrackingScalingPolicyConfiguration"];
    assert_eq!(configuration["targetValue"], 12.5);
    assert_eq!(configuration.get("scaleInCooldown"), None, "only when given");
}

#[tokio::test]
async fn autoscale_without_settings_shows_what_is_set_per_variant() {
    let agent = FakeAgent::start().await;
    let applied = run(Some(&agent), &autoscale(&[])).await;
    assert_eq!(applied.code, 0, "{applied:?}");
    // another endpoint's autoscaling is not shown
    let other = run(
        Some(&agent),
        &["autoscale", "endpoint", "other", "--min", "1", "--max", "2", "--target-invocations", "5"],
    )
    .await;
    assert_eq!(other.code, 0, "{other:?}");
    let result = run(Some(&agent), &["autoscale", "endpoint", "ack-xgboost-endpoint-7420"]).await;
    assert_eq!(result.code, 0, "{result:?}");
    assert_eq!(
        result.stdout,
        "VARIANT      MIN   MAX   POLICY                                             TARGET   SYNCED\n\
         AllTraffic   1     20    ack-xgboost-endpoint-7420-alltraffic-invocations   60       True\n"
    );

    let none = run(Some(&agent), &["autoscale", "endpoint", "nothing-here"]).await;
    assert_eq!(none.code, 0, "{none:?}");
    assert_eq!(none.stdout, "");
    assert_eq!(none.stderr, "No autoscaling set for endpoint nothing-here in default namespace.\n");
}

#[tokio::test]
async fn autoscale_off_deletes_the_policy_then_the_target() {
    let agent = FakeAgent::start().await;
    let applied = run(Some(&agent), &autoscale(&[])).await;
    assert_eq!(applied.code, 0, "{applied:?}");
    let result = run(Some(&agent), &["autoscale", "endpoint", "ack-xgboost-endpoint-7420", "--off"]).await;
    assert_eq!(result.code, 0, "{result:?}");
    assert_eq!(
        result.stdout,
        "scalingpolicy.applicationautoscaling.services.k8s.aws/ack-xgboost-endpoint-7420-alltraffic-invocations deleted\n\
         scalabletarget.applicationautoscaling.services.k8s.aws/ack-xgboost-endpoint-7420-alltraffic deleted\n"
    );
    let deletes: Vec<String> = agent
        .calls()
        .into_iter()
        .filter(|c| c.method == "delete")
        .flat_map(|c| c.targets)
        .collect();
    assert_eq!(
        deletes,
        [
            "ScalingPolicy/ack-xgboost-endpoint-7420-alltraffic-invocations",
            "ScalableTarget/ack-xgboost-endpoint-7420-alltraffic"
        ]
    );
    let again = run(Some(&agent), &["autoscale", "endpoint", "ack-xgboost-endpoint-7420", "--off"]).await;
    assert_eq!(again.code, 0, "{again:?}");
    assert!(again.stderr.ends_with("nothing to remove.\n"), "{}", again.stderr);
}

#[tokio::test]
async fn autoscale_refuses_bad_settings_as_usage_errors_before_calling_the_agent() {
    let agent = FakeAgent::start().await;
    let cases: [(&[&str], &str); 7] = [
        (&["--min", "5", "--max", "2", "--target-invocations", "60"], "error: --min 5 is more than --max 2\n"),
        (&["--min", "-1", "--max", "2", "--target-invocations", "60"], "error: --min must be 0 or more, not -1\n"),
        (&["--min", "1", "--max", "2", "--target-invocations", "0"], "error: --target-invocations must be more than 0, not 0\n"),
        (&["--min", "1", "--target-invocations", "60"], "error: give --min, --max and --target-invocations together; missing --max\n"),
        (&["--scale-in-cooldown", "30"], "error: --scale-in-cooldown, --scale-out-cooldown, --dry-run and -o go with setting autoscaling"),
        (&["--variant", "all_traffic", "--min", "1", "--max", "2", "--target-invocations", "60"], "error: --variant \"all_traffic\" is not a variant name"),
        (&["--off", "--min", "1"], "cannot be used with"),
    ];
    for (flags, expected) in cases {
        let mut args = vec!["autoscale", "endpoint", "ep"];
        args.extend(flags);
        let result = run(Some(&agent), &args).await;
        assert_eq!(result.code, 2, "{flags:?}: {result:?}");
        assert!(result.stderr.contains(expected), "{flags:?}: {}", result.stderr);
    }
    let model = run(Some(&agent), &["autoscale", "model", "m", "--min", "1", "--max", "2", "--target-invocations", "6"]).await;
    assert_eq!(model.code, 2, "{model:?}");
    assert_eq!(
        model.stderr,
        "error: cannot autoscale \"model\": `endpoint` is the only resource type `autoscale` takes for now\n\
         hint: see `kubectl sagemaker --help`\n"
    );
    assert!(agent.calls().is_empty(), "{:?}", agent.calls());
}

// === get all, and every kind's names ===

fn endpoint_status(status: &str) -> Value {
    json!({"endpointStatus": status, "conditions": [{"type": "ACK.ResourceSynced", "status": "True"}]})
}

#[tokio::test]
async fn get_all_prints_a_table_per_kind_that_has_resources_with_qualified_names() {
    let agent = FakeAgent::start().await;
    agent.insert("default", "job-a", status("InProgress", "Training"));
    agent.insert_object(support::object("Endpoint", "default", "ep", json!({}), endpoint_status("InService")));
    agent.insert_object(support::object("Endpoint", "ml", "elsewhere", json!({}), endpoint_status("InService")));
    let result = run(Some(&agent), &["get", "all"]).await;
    assert_eq!(result.code, 0, "{result:?}");
    assert_eq!(
        result.stdout,
        "NAME                                           STATUS       SECONDARY-STATUS   SYNCED   AGE\n\
         trainingjob.sagemaker.services.k8s.aws/job-a   InProgress   Training           False    20m\n\
         \n\
         NAME                                     STATUS      SYNCED   AGE\n\
         endpoint.sagemaker.services.k8s.aws/ep   InService   True     20m\n"
    );
    // every kind the agent serves was listed
    let listed: Vec<String> = agent
        .calls()
        .into_iter()
        .filter(|c| c.method == "list")
        .flat_map(|c| c.targets)
        .collect();
    assert_eq!(listed.len(), sagemaker_core::kinds::KINDS.len(), "{listed:?}");

    let names = run(Some(&agent), &["get", "all", "-A", "-o", "name"]).await;
    assert_eq!(
        names.stdout,
        "trainingjob.sagemaker.services.k8s.aws/job-a\n\
         endpoint.sagemaker.services.k8s.aws/ep\n\
         endpoint.sagemaker.services.k8s.aws/elsewhere\n"
    );
}

#[tokio::test]
async fn get_all_json_is_one_list_of_every_kind() {
    let agent = FakeAgent::start().await;
    agent.insert("default", "job-a", status("InProgress", "Training"));
    agent.insert_object(support::object("Endpoint", "default", "ep", json!({}), endpoint_status("Creating")));
    let result = run(Some(&agent), &["get", "all", "-o", "json"]).await;
    assert_eq!(result.code, 0, "{result:?}");
    let list: Value = serde_json::from_str(&result.stdout).expect("json");
    assert_eq!(list["kind"], "List");
    let kinds: Vec<&str> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["TrainingJob", "Endpoint"]);
}

#[tokio::test]
async fn get_all_in_an_empty_namespace_says_no_resources_found_and_takes_no_names() {
    let agent = FakeAgent::start().await;
    let result = run(Some(&agent), &["get", "all", "-n", "empty"]).await;
    assert_eq!(result.code, 0, "{result:?}");
    assert_eq!(result.stdout, "");
    assert_eq!(result.stderr, "No resources found in empty namespace.\n");

    let named = run(Some(&agent), &["get", "all", "x"]).await;
    assert_eq!(named.code, 2, "{named:?}");
    assert!(named.stderr.starts_with("error: `get all` takes no names"), "{}", named.stderr);
}

#[tokio::test]
async fn every_kind_is_found_by_its_short_names_plural_and_full_names() {
    let agent = FakeAgent::start().await;
    agent.insert_object(support::object("Endpoint", "default", "ep1", json!({"endpointConfigName": "c"}), endpoint_status("InService")));
    agent.insert_object(support::object("EndpointConfig", "default", "c", json!({}), json!({})));
    agent.insert_object(support::object(
        "ScalableTarget",
        "default",
        "t",
        json!({"resourceID": "endpoint/ep1/variant/AllTraffic"}),
        json!({}),
    ));
    let cases = [
        ("ep", "endpoint.sagemaker.services.k8s.aws/ep1"),
        ("endpoints.sagemaker.services.k8s.aws", "endpoint.sagemaker.services.k8s.aws/ep1"),
        ("Endpoint", "endpoint.sagemaker.services.k8s.aws/ep1"),
        ("epc", "endpointconfig.sagemaker.services.k8s.aws/c"),
        ("endpointconfigs.sagemaker", "endpointconfig.sagemaker.services.k8s.aws/c"),
        ("scalabletargets", "scalabletarget.applicationautoscaling.services.k8s.aws/t"),
        (
            "scalabletarget.applicationautoscaling.services.k8s.aws",
            "scalabletarget.applicationautoscaling.services.k8s.aws/t",
        ),
    ];
    for (kind, expected) in cases {
        let result = run(Some(&agent), &["get", kind, "-o", "name"]).await;
        assert_eq!(result.code, 0, "{kind}: {result:?}");
        assert_eq!(result.stdout, format!("{expected}\n"), "{kind}");
    }
    let described = run(Some(&agent), &["describe", "endpoint", "ep1"]).await;
    assert_eq!(described.code, 0, "{described:?}");
    assert!(described.stdout.contains("Kind:            Endpoint\n"), "{}", described.stdout);
    assert!(described.stdout.contains("Status:          InService\n"), "{}", described.stdout);
    assert!(described.stdout.contains("Endpoint Config: c\n"), "{}", described.stdout);
}

/// A kubeconfig with one context per agent URL, each pinned with the
/// context extension, so that no API server is needed to find them.
fn contexts_kubeconfig(dir: &std::path::Path, agents: &[(&str, &str)]) -> String {
    let mut text = "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: \"https://127.0.0.1:6443\"}\n\
                    users:\n- name: u\n  user: {token: fan-out-token}\ncontexts:\n"
        .to_string();
    for (name, url) in agents {
        text.push_str(&format!(
            "- name: {name}\n  context:\n    cluster: c\n    user: u\n    namespace: ml\n    extensions:\n    \
             - name: sagemaker.services.k8s.aws/agent\n      extension: {{url: \"{url}\"}}\n"
        ));
    }
    let path = dir.join("kubeconfig");
    std::fs::write(&path, text).expect("write kubeconfig");
    path.display().to_string()
}

fn sorted_lines(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines.sort();
    lines
}

#[tokio::test]
async fn several_contexts_get_the_same_manifests_and_their_resources_come_back_in_one_table_with_a_cluster_column() {
    let (a, b) = (FakeAgent::start().await, FakeAgent::start().await);
    let dir = tempfile::tempdir().expect("tempdir");
    let kubeconfig = contexts_kubeconfig(dir.path(), &[("east", &a.url), ("west", &b.url), ("down", "http://127.0.0.1:9")]);
    let manifest = std::fs::read_to_string(fixture("training.yaml")).expect("fixture");

    // one manifest from stdin, applied to both clusters, each line saying where
    let train = run_with_stdin(None, &["train", "-f", "-", "--kubeconfig", &kubeconfig, "--context", "east,west"], Some(&manifest)).await;
    assert_eq!(train.code, 0, "{train:?}");
    assert_eq!(
        sorted_lines(&train.stdout),
        [
            "[east] trainingjob.sagemaker.services.k8s.aws/ack-xgboost-training-job-7420 created",
            "[west] trainingjob.sagemaker.services.k8s.aws/ack-xgboost-training-job-7420 created",
        ]
    );
    assert!(a.resource("ml", "ack-xgboost-training-job-7420").is_some() && b.resource("ml", "ack-xgboost-training-job-7420").is_some());

    let table = run(None, &["get", "tj", "--kubeconfig", &kubeconfig, "--context-selector", "^(east|west)$"]).await;
    assert_eq!(table.code, 0, "{table:?}");
    let rows: Vec<Vec<&str>> = table.stdout.lines().map(|l| l.split_whitespace().collect()).collect();
    assert_eq!(rows[0][..2], ["CLUSTER", "NAME"], "{}", table.stdout);
    assert_eq!((rows[1][0], rows[2][0]), ("east", "west"), "in the order of the contexts");

    let json = run(None, &["get", "tj", "--kubeconfig", &kubeconfig, "--context", "east", "--context", "west", "-o", "json"]).await;
    let list: Value = serde_json::from_str(&json.stdout).expect("json");
    let clusters: Vec<&str> = list["items"].as_array().expect("items").iter().map(|i| i["cluster"].as_str().expect("cluster")).collect();
    assert_eq!(clusters, ["east", "west"]);

    // one cluster down: the others' rows still print, stderr names it, the exit code says so
    let partial = run(None, &["get", "tj", "--kubeconfig", &kubeconfig, "--all-contexts"]).await;
    assert_eq!(partial.code, 2, "{partial:?}");
    assert_eq!(partial.stdout.lines().count(), 3, "{}", partial.stdout);
    assert!(partial.stderr.starts_with("error: context down: no sagemaker-agent answered at http://127.0.0.1:9"), "{}", partial.stderr);

    // --agent names one agent only, and --token is one cluster's credential
    let one = run(None, &["get", "tj", "--kubeconfig", &kubeconfig, "--all-contexts", "--agent", &a.url]).await;
    assert_eq!(one.code, 2, "{one:?}");
    assert!(one.stderr.starts_with("error: --agent (or KUBECTL_SAGEMAKER_AGENT) names one agent"), "{}", one.stderr);
    let token = run(None, &["get", "tj", "--kubeconfig", &kubeconfig, "--context", "east,west", "--token", "t"]).await;
    assert_eq!(token.code, 2, "{token:?}");
    assert!(token.stderr.starts_with("error: --token (or KUBECTL_SAGEMAKER_TOKEN) is one cluster's credential"), "{}", token.stderr);
    assert!(a.calls().iter().all(|c| c.authorization.as_deref() != Some("Bearer t")), "the token went nowhere");

    // nothing reached: nothing on stdout (no empty List a script would read as "none")
    let nothing = run(None, &["get", "tj", "--kubeconfig", &kubeconfig, "--context", "down", "-o", "json"]).await;
    assert_eq!((nothing.code, nothing.stdout.as_str()), (2, ""), "{nothing:?}");
    assert!(!format!("{train:?}{table:?}{json:?}{partial:?}").contains("fan-out-token"));
}

#[tokio::test]
async fn a_context_that_cannot_be_used_fails_alone_among_several() {
    let a = FakeAgent::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let kubeconfig = contexts_kubeconfig(dir.path(), &[("east", &a.url)]);
    let text = std::fs::read_to_string(&kubeconfig).expect("read")
        + "- name: stale\n  context:\n    cluster: deleted-cluster\n    user: u\n";
    std::fs::write(&kubeconfig, text).expect("write");
    let result = run(None, &["get", "tj", "--kubeconfig", &kubeconfig, "--all-contexts"]).await;
    assert_eq!(result.code, 2, "{result:?}");
    assert!(result.stderr.starts_with("error: context stale: cannot use context \"stale\""), "{}", result.stderr);
    assert!(a.calls().iter().any(|c| c.method == "list"), "east was still asked: {:?}", a.calls());
}

#[tokio::test]
async fn clusters_shows_every_contexts_agent_and_which_cannot_be_reached() {
    let a = FakeAgent::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let kubeconfig = contexts_kubeconfig(dir.path(), &[("east", &a.url), ("down", "http://127.0.0.1:9")]);
    let result = run(None, &["clusters", "--kubeconfig", &kubeconfig]).await;
    assert_eq!(result.code, 2, "{result:?}");
    let rows: Vec<Vec<&str>> = result.stdout.lines().map(|l| l.split_whitespace().collect()).collect();
    assert_eq!(rows[1][..7], ["east", "0.1.0-fake", "standalone", "us-west-2", "123456789012", "111111111111", "ok"], "{}", result.stdout);
    assert!(rows[1][7].ends_with("ms"), "{}", result.stdout);
    assert_eq!(rows[2][..2], ["down", "<none>"], "{}", result.stdout);
    assert!(rows[2].contains(&"unreachable"), "{}", result.stdout);
    assert!(result.stderr.starts_with("error: context down: no sagemaker-agent answered"), "{}", result.stderr);

    let json = run(None, &["clusters", "--kubeconfig", &kubeconfig, "--context", "east", "-o", "json"]).await;
    assert_eq!(json.code, 0, "{json:?}");
    let value: Value = serde_json::from_str(&json.stdout).expect("json");
    assert_eq!(value["clusters"][0]["health"], "ok");
    assert_eq!(value["clusters"][0]["mappedAccounts"], json!(["111111111111"]));
    assert_eq!(value["clusters"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn logs_prints_each_line_after_its_stream_with_tail_timestamps_and_stream_filter() {
    let agent = FakeAgent::start().await;
    agent.insert("default", "job", status("Completed", "Completed"));
    agent.write_logs(
        "TrainingJob",
        "default",
        "job",
        &[
            ("algo-1-1700000000", 1_700_000_000_000, "first"),
            ("algo-2-1700000000", 1_700_000_001_000, "second"),
            ("algo-1-1700000000", 1_700_000_002_000, "third\n"),
        ],
    );
    let result = run(Some(&agent), &["logs", "trainingjob", "job"]).await;
    assert_eq!(result.code, 0, "{result:?}");
    assert_eq!(
        result.stdout,
        "algo-1-1700000000 first\nalgo-2-1700000000 second\nalgo-1-1700000000 third\n"
    );
    let result = run(Some(&agent), &["logs", "tj/job", "--tail", "1", "--timestamps", "--stream", "algo-2", "--no-prefix"]).await;
    assert_eq!(result.code, 0, "{result:?}");
    assert_eq!(result.stdout, "2023-11-14T22:13:21.000Z second\n");
    assert!(agent.calls().iter().any(|c| c.method == "logs" && c.targets == ["TrainingJob/job"]), "{:?}", agent.calls());
}

#[tokio::test]
async fn logs_say_where_they_would_be_when_there_are_none_and_which_kinds_write_none() {
    let agent = FakeAgent::start().await;
    agent.insert("default", "quiet", status("InProgress", "Starting"));
    let result = run(Some(&agent), &["logs", "trainingjob", "quiet"]).await;
    assert_eq!(result.code, 0, "{result:?}");
    assert_eq!(result.stdout, "");
    assert!(result.stderr.contains("no logs yet:"), "{}", result.stderr);
    assert!(result.stderr.contains("group /aws/sagemaker/TrainingJobs (streams quiet/*)"), "{}", result.stderr);
    agent.insert_object(json!({
        "apiVersion": "sagemaker.services.k8s.aws/v1alpha1", "kind": "Model",
        "metadata": {"name": "m", "namespace": "default"}, "spec": {"modelName": "m"}
    }));
    let result = run(Some(&agent), &["logs", "model", "m"]).await;
    assert_ne!(result.code, 0, "{result:?}");
    assert!(result.stderr.contains("cannot read the logs of model"), "{}", result.stderr);
    assert!(result.stderr.contains("writes no logs"), "{}", result.stderr);
    let result = run(Some(&agent), &["logs", "trainingjob"]).await;
    assert_eq!(result.code, 2, "{result:?}");
    assert!(result.stderr.contains("name the trainingjob whose logs to print"), "{}", result.stderr);
}

#[tokio::test]
async fn train_wait_logs_prints_what_the_job_writes_while_following_it() {
    let agent = FakeAgent::start().await;
    agent.script(
        "ack-xgboost-training-job-7420",
        vec![Step::Status(json!({"trainingJobStatus": "Completed", "secondaryStatus": "Completed"}))],
    );
    agent.write_logs("TrainingJob", "default", "ack-xgboost-training-job-7420", &[("algo-1-1", 1, "[1]#011train-rmse:0.5")]);
    let result = run(Some(&agent), &["train", "-f", &fixture("training.yaml"), "--wait", "--logs", "--timeout", "20s"]).await;
    assert_eq!(result.code, 0, "{result:?}");
    assert!(result.stdout.lines().any(|l| l == "algo-1-1 [1]#011train-rmse:0.5"), "{}", result.stdout);
    assert!(result.stdout.lines().any(|l| words(l)[1..] == ["Completed", "Completed", "Synced=False"]), "{}", result.stdout);
    let result = run(Some(&agent), &["train", "-f", &fixture("training.yaml"), "--logs"]).await;
    assert_eq!(result.code, 2, "--logs needs --wait: {result:?}");
}

#[tokio::test]
async fn doctor_reports_each_check_and_a_fix_for_each_failure_and_exits_1() {
    let agent = FakeAgent::start().await;
    let result = run(Some(&agent), &["doctor"]).await;
    assert_eq!(result.code, 1, "{result:?}");
    let lines: Vec<&str> = result.stdout.lines().collect();
    assert!(lines[0].starts_with("ok    agent    reached at http://127.0.0.1:"), "{}", result.stdout);
    assert!(lines.iter().any(|l| l.starts_with("warn  version  agent 0.1.0-fake, plugin ")), "{}", result.stdout);
    assert!(lines.contains(&"ok    access   you may list every kind in namespace default"), "{}", result.stdout);
    assert!(lines.iter().any(|l| l.starts_with("ok    aws      account 123456789012 region us-west-2 with its own credentials: arn:aws:sts::")), "{}", result.stdout);
    let failed = lines.iter().position(|l| l.starts_with("FAIL  aws      account 111111111111")).expect("the refused role");
    assert!(lines[failed].contains("(ack-role-account-map[111111111111])") && lines[failed].ends_with("AssumeRole: AccessDenied: not authorized"), "{}", lines[failed]);
    assert_eq!(lines[failed + 1].trim_start(), "fix: let the agent assume arn:aws:iam::111111111111:role/sm");
    assert!(lines.iter().any(|l| l.starts_with("warn  crds     no kubeconfig context")), "{}", result.stdout);

    let result = run(Some(&agent), &["doctor", "-n", "forbidden"]).await;
    let stdout = &result.stdout;
    assert!(stdout.contains("FAIL  access   namespace forbidden: user may not list "), "{stdout}");
    assert!(stdout.contains("fix: ask an admin for the sagemaker-edit (or sagemaker-view) role"), "{stdout}");

    let result = run(None, &["doctor", "--agent", "http://127.0.0.1:1"]).await;
    assert_eq!(result.code, 1, "{result:?}");
    assert!(result.stdout.starts_with("FAIL  agent    no sagemaker-agent answered at http://127.0.0.1:1"), "{}", result.stdout);
    assert!(result.stdout.lines().nth(1).is_some_and(|l| l.trim_start().starts_with("fix: ")), "{}", result.stdout);
}

#[tokio::test]
async fn describe_of_a_tuning_job_lists_its_training_jobs_with_status_and_objective() {
    let agent = FakeAgent::start().await;
    agent.insert_object(json!({
        "apiVersion": "sagemaker.services.k8s.aws/v1alpha1",
        "kind": "HyperParameterTuningJob",
        "metadata": { "name": "tuning", "namespace": "default", "uid": "u1" },
        "spec": { "hyperParameterTuningJobName": "tuning" },
        "status": {
            "hyperParameterTuningJobStatus": "InProgress",
            "trainingJobStatusCounters": { "completed": 1, "inProgress": 1 },
            "bestTrainingJob": { "trainingJobName": "tuning-001-0a1b2c3d", "finalHyperParameterTuningJobObjectiveMetric": { "value": 0.71 } },
        },
    }));
    let result = run(Some(&agent), &["describe", "hpo", "tuning"]).await;
    assert_eq!(result.code, 0, "{result:?}");
    let text = &result.stdout;
    for line in ["Training Jobs Completed:   1\n", "Training Jobs In Progress: 1\n", "Best Training Job:         tuning-001-0a1b2c3d\n", "Best Objective:            0.71\n"] {
        assert!(text.contains(line), "{line:?} in {text}");
    }
    assert!(
        text.contains(
            "Training Jobs:\n  \
             NAME                  STATUS       OBJECTIVE   OBJECTIVE-STATUS\n  \
             tuning-001-0a1b2c3d   Completed    0.71        Succeeded\n  \
             tuning-002-4e5f6a7b   InProgress   <none>      Pending\n"
        ),
        "{text}"
    );
}

#!/usr/bin/env python3
"""Smoke test of tests/support/moto_generic.py (the 22 table-driven SageMaker kinds served by
moto_sagemaker.py's server) through the real AWS client (boto3).

    python tests/support/moto_generic_smoke.py http://127.0.0.1:PORT

Each group of kinds runs in its own thread so the run stays short (a few seconds at
SIM_STEP_SECONDS=0.2). SIM_STEP_SECONDS must match the server's (default 1.0). Names get a
random suffix, so it can run again against the same server. Exits non-zero with a message
on the first mismatch; prints "moto generic smoke: N passed, 0 failed" at the end.

Checks that need an operation to be in its first step are made only while that step surely
lasts (see `fresh`), so a slow machine skips them instead of failing.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
import threading
import time
import traceback
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

STEP = float(os.environ.get("SIM_STEP_SECONDS", "1.0"))
REGION = "us-east-1"
ACCOUNT = "123456789012"
OTHER_ACCOUNT = "111111111111"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/sagemaker"
FAIL_TAG = "sagemaker-simulator/fail-reason"
REJECT_TAG = "sagemaker-simulator/reject-reason"
IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.2-1"
CHECKS = 0
SKIPPED = 0
_CHECKS_LOCK = threading.Lock()


def check(cond: bool, what: str) -> None:
    global CHECKS
    if not cond:
        raise SystemExit(f"moto generic smoke FAILED: {what}")
    with _CHECKS_LOCK:
        CHECKS += 1


def client(endpoint: str, service: str = "sagemaker", **creds: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=creds.get("key", "testing"),
        aws_secret_access_key=creds.get("secret", "testing"),
        aws_session_token=creds.get("token"),
        config=Config(retries={"max_attempts": 1, "mode": "standard"}),
    )


def arn(kind: str, path: str, account: str = ACCOUNT) -> str:
    return f"arn:aws:sagemaker:{REGION}:{account}:{kind}/{path.lower()}"


def expect_error(fn: Callable[[], Any], code: str, message: str, what: str = "") -> None:
    """`fn()` must fail with `code`, HTTP 400 and exactly `message`."""
    try:
        fn()
    except ClientError as e:
        err = e.response["Error"]
        status = e.response["ResponseMetadata"]["HTTPStatusCode"]
        check(
            (err["Code"], status, err["Message"]) == (code, 400, message),
            f"{what}: expected {code} 400 {message!r}, got {err['Code']} {status} {err['Message']!r}",
        )
        return
    raise SystemExit(f"moto generic smoke FAILED: {what}: expected {code}, the call succeeded")


def fresh(started: float, steps: float = 1) -> bool:
    """True while an operation begun at `started` is surely still in its first `steps`
    steps (with a margin for the request about to be made); counts the checks skipped."""
    global SKIPPED
    if time.monotonic() - started < (steps - 0.35) * STEP:
        return True
    with _CHECKS_LOCK:
        SKIPPED += 1
    return False


def wait(
    fetch: Callable[[], dict], member: str, done: set[str], what: str, timeout_steps: float = 15
) -> tuple[dict, list[str]]:
    """Polls `fetch()` until d[member] is in `done`; returns the last answer and the
    distinct statuses seen, in order."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout_steps * STEP + 10
    while True:
        d = fetch()
        status = d.get(member)
        if not seen or seen[-1] != status:
            seen.append(status)
        if status in done:
            return d, seen
        if time.monotonic() > deadline:
            raise SystemExit(f"moto generic smoke FAILED: {what} stuck, seen {seen}")
        time.sleep(STEP / 5)


def wait_gone(
    fetch: Callable[[], dict], member: str | None, code: str, message: str, what: str, timeout_steps: float = 8
) -> list[str]:
    """Polls until `fetch()` fails with `code`/`message`; returns the statuses seen before."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout_steps * STEP + 10
    while True:
        try:
            d = fetch()
        except ClientError as e:
            err = e.response["Error"]
            check((err["Code"], err["Message"]) == (code, message), f"{what} gone: {err}")
            return seen
        status = d.get(member) if member else None
        if not seen or seen[-1] != status:
            seen.append(status)
        if time.monotonic() > deadline:
            raise SystemExit(f"moto generic smoke FAILED: {what} not deleted, seen {seen}")
        time.sleep(STEP / 5)


def only(seen: list[str], allowed: list[str], final: str, what: str) -> None:
    """The statuses seen are in `allowed`, in that order, ending with `final`."""
    order = [allowed.index(s) for s in seen if s in allowed]
    check(
        seen[-1] == final and len(order) == len(seen) and order == sorted(order),
        f"{what}: statuses {seen}, expected a run of {allowed} ending {final}",
    )


def tags_round_trip(sm: Any, resource_arn: str, initial: list[dict], what: str) -> None:
    """ListTags shows the create's tags; AddTags adds/replaces; DeleteTags removes."""
    got = sm.list_tags(ResourceArn=resource_arn)["Tags"]
    check(sorted(got, key=str) == sorted(initial, key=str), f"{what} tags {got}")
    sm.add_tags(ResourceArn=resource_arn, Tags=[{"Key": "team", "Value": "ml"}, {"Key": "env", "Value": "a"}])
    sm.add_tags(ResourceArn=resource_arn, Tags=[{"Key": "env", "Value": "b"}])
    sm.delete_tags(ResourceArn=resource_arn, TagKeys=["team"])
    got = {t["Key"]: t["Value"] for t in sm.list_tags(ResourceArn=resource_arn)["Tags"]}
    check(got == {**{t["Key"]: t["Value"] for t in initial}, "env": "b"}, f"{what} tags after add/delete {got}")


# --------------------------------------------------------------------------------------
# Jobs: HyperParameterTuningJob, TransformJob, ProcessingJob, LabelingJob


def hpo_request(name: str, max_jobs: int | None, objective_type: str, tags: list | None = None) -> dict:
    limits: dict[str, int] = {"MaxParallelTrainingJobs": 1}
    if max_jobs is not None:
        limits["MaxNumberOfTrainingJobs"] = max_jobs
    return {
        "HyperParameterTuningJobName": name,
        "HyperParameterTuningJobConfig": {
            "Strategy": "Bayesian",
            "HyperParameterTuningJobObjective": {"Type": objective_type, "MetricName": "validation:rmse"},
            "ResourceLimits": limits,
            "ParameterRanges": {"IntegerParameterRanges": [{"Name": "max_depth", "MinValue": "1", "MaxValue": "10"}]},
        },
        "TrainingJobDefinition": {
            "StaticHyperParameters": {"num_round": "10"},
            "AlgorithmSpecification": {"TrainingImage": IMAGE, "TrainingInputMode": "File"},
            "RoleArn": ROLE,
            "OutputDataConfig": {"S3OutputPath": "s3://bucket/hpo"},
            "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 5},
            "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        },
        "Tags": tags or [],
    }


def hyper_parameter_tuning(sm: Any, s: str) -> None:
    name, stopped, failing = f"hpo-{s}", f"hpo-stop-{s}", f"hpo-fail-{s}"
    started = time.monotonic()
    job_arn = sm.create_hyper_parameter_tuning_job(**hpo_request(name, 5, "Minimize"))["HyperParameterTuningJobArn"]
    check(job_arn == arn("hyper-parameter-tuning-job", name), f"HPO ARN {job_arn}")
    d = sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)
    if fresh(started):
        check(d["HyperParameterTuningJobStatus"] == "InProgress" and "BestTrainingJob" not in d, f"new HPO {d}")
        check(d["TrainingJobStatusCounters"]["InProgress"] == 3, f"HPO counters {d['TrainingJobStatusCounters']}")
    check(d["HyperParameterTuningJobConfig"]["ResourceLimits"]["MaxNumberOfTrainingJobs"] == 5, "HPO config echoed")
    sm.create_hyper_parameter_tuning_job(**hpo_request(stopped, 3, "Maximize"))
    sm.create_hyper_parameter_tuning_job(**hpo_request(failing, 1, "Maximize", [{"Key": FAIL_TAG, "Value": "boom"}]))
    expect_error(
        lambda: sm.create_hyper_parameter_tuning_job(**hpo_request(name, 5, "Minimize")),
        "ResourceInUse",
        f"Resource Already Exists: Hyper Parameter Tuning Job with name {name} already exists. Choose a different name.",
        "duplicate HPO",
    )
    for call in (
        lambda: sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=f"nope-{s}"),
        lambda: sm.list_training_jobs_for_hyper_parameter_tuning_job(HyperParameterTuningJobName=f"nope-{s}"),
    ):
        expect_error(call, "ResourceNotFound", f"Amazon SageMaker can't find a tuning job with name nope-{s}", "unknown HPO")

    # Stop once a child has completed (children end at steps 2, 3, 4, the job at 5): the
    # completed ones stay Completed, the rest stop.
    wait(
        lambda: {"n": str(sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=stopped)["TrainingJobStatusCounters"]["Completed"])},
        "n", {"1", "2", "3"}, stopped,
    )
    stop_sent = time.monotonic()
    sm.stop_hyper_parameter_tuning_job(HyperParameterTuningJobName=stopped)
    d = sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=stopped)
    if fresh(stop_sent):
        check(d["HyperParameterTuningJobStatus"] == "Stopping", f"stopping HPO {d['HyperParameterTuningJobStatus']}")
    d, seen = wait(lambda: sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=stopped), "HyperParameterTuningJobStatus", {"Stopped", "Completed"}, stopped)
    only(seen, ["Stopping", "Stopped"], "Stopped", "stopped HPO")
    counters = d["TrainingJobStatusCounters"]
    check(counters["Completed"] >= 1 and counters["Completed"] + counters["Stopped"] == 3 and counters["InProgress"] == 0, f"stopped HPO counters {counters}")
    check(d["BestTrainingJob"]["FinalHyperParameterTuningJobObjectiveMetric"]["Value"] == max(0.5, 0.5 + 0.1 * (counters["Completed"] - 1)), f"best of stopped {d['BestTrainingJob']}")
    check("HyperParameterTuningEndTime" in d, "stopped HPO end time")
    expect_error(lambda: sm.stop_hyper_parameter_tuning_job(HyperParameterTuningJobName=stopped), "ValidationException", "The request was rejected because the hyper parameter tuning job is in status Stopped.", "stop stopped HPO")

    # Completion: 3 children (MaxNumberOfTrainingJobs 5 capped at 3), best = lowest (Minimize).
    d, seen = wait(lambda: sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=name), "HyperParameterTuningJobStatus", {"Completed", "Failed", "Stopped"}, name)
    only(seen, ["InProgress", "Completed"], "Completed", "HPO")
    check(d["TrainingJobStatusCounters"] == {"Completed": 3, "InProgress": 0, "RetryableError": 0, "NonRetryableError": 0, "Stopped": 0}, f"HPO counters {d['TrainingJobStatusCounters']}")
    check(d["ObjectiveStatusCounters"] == {"Succeeded": 3, "Pending": 0, "Failed": 0}, f"HPO objective counters {d['ObjectiveStatusCounters']}")
    children = [f"{name}-{i + 1:03d}-{hashlib.sha1((name + str(i)).encode()).hexdigest()[:8]}" for i in range(3)]
    best = d["BestTrainingJob"]
    check(best["TrainingJobName"] == children[0] and best["TrainingJobArn"] == arn("training-job", children[0]) and best["TuningJobName"] == name, f"best {best}")
    check(best["FinalHyperParameterTuningJobObjectiveMetric"]["MetricName"] == "validation:rmse" and best["FinalHyperParameterTuningJobObjectiveMetric"]["Value"] == 0.5 and best["ObjectiveStatus"] == "Succeeded", f"best metric {best}")
    check(d["HyperParameterTuningEndTime"] >= d["CreationTime"], "HPO end time")
    listed = sm.list_training_jobs_for_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)["TrainingJobSummaries"]
    check([j["TrainingJobName"] for j in listed] == children, f"children {[j['TrainingJobName'] for j in listed]}")
    check(all(j["TrainingJobStatus"] == "Completed" and "TrainingStartTime" in j for j in listed), f"children {listed}")
    by_value = sm.list_training_jobs_for_hyper_parameter_tuning_job(HyperParameterTuningJobName=name, SortBy="FinalObjectiveMetricValue", SortOrder="Descending")["TrainingJobSummaries"]
    check([round(j["FinalHyperParameterTuningJobObjectiveMetric"]["Value"], 3) for j in by_value] == [0.7, 0.6, 0.5], f"sorted by value {by_value}")
    summaries = sm.list_hyper_parameter_tuning_jobs(NameContains=s, StatusEquals="Completed")["HyperParameterTuningJobSummaries"]
    check({j["HyperParameterTuningJobName"] for j in summaries} == {name}, f"ListHyperParameterTuningJobs {summaries}")
    expect_error(lambda: sm.stop_hyper_parameter_tuning_job(HyperParameterTuningJobName=name), "ValidationException", "The request was rejected because the hyper parameter tuning job is in status Completed.", "stop completed HPO")

    d, seen = wait(lambda: sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=failing), "HyperParameterTuningJobStatus", {"Completed", "Failed"}, failing)
    check(d["HyperParameterTuningJobStatus"] == "Failed" and d["FailureReason"] == "boom", f"failing HPO {d}")
    check(sm.list_tags(ResourceArn=d["HyperParameterTuningJobArn"])["Tags"] == [{"Key": FAIL_TAG, "Value": "boom"}], "fail tag readable")


def transform_request(name: str, model: str, tags: list | None = None) -> dict:
    return {
        "TransformJobName": name,
        "ModelName": model,
        "TransformInput": {"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://bucket/in"}}, "ContentType": "text/csv"},
        "TransformOutput": {"S3OutputPath": "s3://bucket/out"},
        "TransformResources": {"InstanceType": "ml.m5.large", "InstanceCount": 1},
        "Environment": {"A": "1"},
        "Tags": tags or [],
    }


def transform(sm: Any, s: str) -> None:
    model, name, stopped = f"tmodel-{s}", f"transform-{s}", f"transform-stop-{s}"
    sm.create_model(ModelName=model, PrimaryContainer={"Image": IMAGE, "ModelDataUrl": "s3://bucket/model.tar.gz"}, ExecutionRoleArn=ROLE)
    missing = f"nomodel-{s}"
    expect_error(lambda: sm.create_transform_job(**transform_request(name, missing)), "ValidationException", f'Could not find model "arn:aws:sagemaker:{REGION}:{ACCOUNT}:model/{missing}".', "transform without model")
    tags = [{"Key": "owner", "Value": "smoke"}]
    job_arn = sm.create_transform_job(**transform_request(name, model, tags))["TransformJobArn"]
    check(job_arn == arn("transform-job", name), f"transform ARN {job_arn}")
    sm.create_transform_job(**transform_request(stopped, model))
    stop_sent = time.monotonic()
    sm.stop_transform_job(TransformJobName=stopped)
    d = sm.describe_transform_job(TransformJobName=stopped)
    if fresh(stop_sent):
        check(d["TransformJobStatus"] == "Stopping", f"stopping transform {d['TransformJobStatus']}")
    expect_error(lambda: sm.create_transform_job(**transform_request(name, model)), "ResourceInUse", f"Job name must be unique within an AWS account and region, and a job with this name already exists ({job_arn})", "duplicate transform")
    expect_error(lambda: sm.describe_transform_job(TransformJobName=f"nope-{s}"), "ValidationException", f"Could not find requested job with name nope-{s}", "unknown transform")
    expect_error(lambda: sm.stop_transform_job(TransformJobName=f"nope-{s}"), "ValidationException", f"Could not find requested job with name nope-{s}", "stop unknown transform")
    tags_round_trip(sm, job_arn, tags, "transform")
    d, seen = wait(lambda: sm.describe_transform_job(TransformJobName=stopped), "TransformJobStatus", {"Stopped"}, stopped)
    only(seen, ["InProgress", "Stopping", "Stopped"], "Stopped", "stopped transform")
    d, seen = wait(lambda: sm.describe_transform_job(TransformJobName=name), "TransformJobStatus", {"Completed", "Failed", "Stopped"}, name)
    only(seen, ["InProgress", "Completed"], "Completed", "transform")
    check(d["ModelName"] == model and d["Environment"] == {"A": "1"} and d["TransformEndTime"] >= d["CreationTime"], f"transform describe {d}")
    check(d["TransformInput"]["ContentType"] == "text/csv" and "Tags" not in d, f"transform input {d['TransformInput']}")
    expect_error(lambda: sm.stop_transform_job(TransformJobName=name), "ValidationException", "The request was rejected because the transform job is in status Completed.", "stop completed transform")
    listed = sm.list_transform_jobs(NameContains=s, StatusEquals="Stopped")["TransformJobSummaries"]
    check([j["TransformJobName"] for j in listed] == [stopped] and "LastModifiedTime" in listed[0], f"ListTransformJobs {listed}")


def processing_request(name: str, tags: list | None = None) -> dict:
    return {
        "ProcessingJobName": name,
        "ProcessingResources": {"ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 5}},
        "AppSpecification": {"ImageUri": IMAGE, "ContainerEntrypoint": ["python3", "run.py"]},
        "RoleArn": ROLE,
        "StoppingCondition": {"MaxRuntimeInSeconds": 600},
        "Tags": tags or [],
    }


def processing(sm: Any, s: str) -> None:
    name, failing = f"proc-{s}", f"proc-fail-{s}"
    expect_error(lambda: sm.create_processing_job(**processing_request(f"proc-rej-{s}", [{"Key": REJECT_TAG, "Value": "Quota exceeded for ml.m5.large"}])), "ValidationException", "Quota exceeded for ml.m5.large", "reject tag")
    expect_error(lambda: sm.describe_processing_job(ProcessingJobName=f"proc-rej-{s}"), "ValidationException", f"Could not find requested job with name proc-rej-{s}", "rejected job not created")
    job_arn = sm.create_processing_job(**processing_request(name))["ProcessingJobArn"]
    sm.create_processing_job(**processing_request(failing, [{"Key": FAIL_TAG, "Value": "AlgorithmError: exit 1"}]))
    expect_error(lambda: sm.create_processing_job(**processing_request(name)), "ResourceInUse", f"Job name must be unique within an AWS account and region, and a job with this name already exists ({job_arn})", "duplicate processing")
    started = time.monotonic()
    d = sm.describe_processing_job(ProcessingJobName=name)
    check(d["AppSpecification"]["ContainerEntrypoint"] == ["python3", "run.py"] and d["RoleArn"] == ROLE, f"processing describe {d}")
    if fresh(started, 2):
        expect_error(lambda: sm.delete_processing_job(ProcessingJobName=name), "ValidationException", f'Cannot update in-progress processing job "{job_arn}".', "delete running processing")
    d, seen = wait(lambda: sm.describe_processing_job(ProcessingJobName=name), "ProcessingJobStatus", {"Completed", "Failed"}, name)
    only(seen, ["InProgress", "Completed"], "Completed", "processing")
    check("ProcessingEndTime" in d and "FailureReason" not in d, f"processing {d}")
    d, seen = wait(lambda: sm.describe_processing_job(ProcessingJobName=failing), "ProcessingJobStatus", {"Completed", "Failed"}, failing)
    only(seen, ["InProgress", "Failed"], "Failed", "failing processing")
    check(d["FailureReason"] == "AlgorithmError: exit 1", f"processing failure {d}")
    listed = sm.list_processing_jobs(NameContains=s, StatusEquals="Failed")["ProcessingJobSummaries"]
    check([j["ProcessingJobName"] for j in listed] == [failing] and listed[0]["FailureReason"] == "AlgorithmError: exit 1", f"ListProcessingJobs {listed}")
    sm.delete_processing_job(ProcessingJobName=name)
    expect_error(lambda: sm.describe_processing_job(ProcessingJobName=name), "ValidationException", f"Could not find requested job with name {name}", "deleted processing")


def labeling_request(name: str) -> dict:
    return {
        "LabelingJobName": name,
        "LabelAttributeName": "label",
        "InputConfig": {"DataSource": {"S3DataSource": {"ManifestS3Uri": "s3://bucket/input.manifest"}}},
        "OutputConfig": {"S3OutputPath": "s3://bucket/labels/"},
        "RoleArn": ROLE,
        "HumanTaskConfig": {
            "WorkteamArn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:workteam/private-crowd/team",
            "UiConfig": {"UiTemplateS3Uri": "s3://bucket/template.liquid"},
            "PreHumanTaskLambdaArn": "arn:aws:lambda:us-east-1:432418664414:function:PRE-BoundingBox",
            "TaskTitle": "Boxes",
            "TaskDescription": "Draw boxes",
            "NumberOfHumanWorkersPerDataObject": 1,
            "TaskTimeLimitInSeconds": 300,
            "AnnotationConsolidationConfig": {"AnnotationConsolidationLambdaArn": "arn:aws:lambda:us-east-1:432418664414:function:ACS-BoundingBox"},
        },
        "Tags": [{"Key": "owner", "Value": "smoke"}],
    }


def labeling(sm: Any, s: str) -> None:
    name, stopped = f"label-{s}", f"label-stop-{s}"
    # Stop as soon as the job is InProgress (steps 1 and 2).
    sm.create_labeling_job(**labeling_request(stopped))
    wait(lambda: sm.describe_labeling_job(LabelingJobName=stopped), "LabelingJobStatus", {"InProgress", "Completed"}, stopped)
    sm.stop_labeling_job(LabelingJobName=stopped)
    started = time.monotonic()
    job_arn = sm.create_labeling_job(**labeling_request(name))["LabelingJobArn"]
    d = sm.describe_labeling_job(LabelingJobName=name)
    if fresh(started):
        check(d["LabelingJobStatus"] == "Initializing" and d["LabelCounters"]["TotalLabeled"] == 0, f"new labeling job {d}")
    if fresh(started):
        expect_error(lambda: sm.stop_labeling_job(LabelingJobName=name), "ValidationException", "The request was rejected because the labeling job is in status Initializing.", "stop initializing")
    check(d["Tags"] == [{"Key": "owner", "Value": "smoke"}] and d["JobReferenceCode"].startswith(ACCOUNT), f"labeling tags {d}")
    expect_error(lambda: sm.create_labeling_job(**labeling_request(name)), "ResourceInUse", f"Job name must be unique within an AWS account and region, and a job with this name already exists ({job_arn})", "duplicate labeling")
    expect_error(lambda: sm.describe_labeling_job(LabelingJobName=f"nope-{s}"), "ValidationException", f'Could not find labeling job "{arn("labeling-job", f"nope-{s}")}".', "unknown labeling")
    d, seen = wait(lambda: sm.describe_labeling_job(LabelingJobName=stopped), "LabelingJobStatus", {"Stopped", "Completed"}, stopped)
    only(seen, ["InProgress", "Stopping", "Stopped"], "Stopped", "stopped labeling")
    check(0 < d["LabelCounters"]["TotalLabeled"] < 10 and "LabelingJobOutput" not in d, f"stopped labeling counters {d['LabelCounters']}")
    d, seen = wait(lambda: sm.describe_labeling_job(LabelingJobName=name), "LabelingJobStatus", {"Completed", "Failed", "Stopped"}, name)
    only(seen, ["Initializing", "InProgress", "Completed"], "Completed", "labeling")
    check(d["LabelCounters"] == {"TotalLabeled": 10, "HumanLabeled": 5, "MachineLabeled": 5, "FailedNonRetryableError": 0, "Unlabeled": 0}, f"label counters {d['LabelCounters']}")
    check(d["LabelingJobOutput"]["OutputDatasetS3Uri"] == f"s3://bucket/labels/{name}/manifests/output/output.manifest", f"labeling output {d['LabelingJobOutput']}")
    listed = sm.list_labeling_jobs(NameContains=s, SortBy="Name", SortOrder="Ascending")["LabelingJobSummaryList"]
    check([j["LabelingJobName"] for j in listed] == [name, stopped] and listed[0]["WorkteamArn"].endswith("/team"), f"ListLabelingJobs {listed}")


# --------------------------------------------------------------------------------------
# Monitoring: the four job definitions, MonitoringSchedule


def job_definition_request(prefix: str, name: str, endpoint: str) -> dict:
    endpoint_input = {"EndpointName": endpoint, "LocalPath": "/opt/ml/processing/input"}
    job_input: dict[str, Any] = {"EndpointInput": endpoint_input}
    app: dict[str, Any] = {"ImageUri": IMAGE}
    if prefix in ("ModelBias", "ModelExplainability"):
        app["ConfigUri"] = "s3://bucket/analysis_config.json"
    if prefix in ("ModelBias", "ModelQuality"):
        job_input["GroundTruthS3Input"] = {"S3Uri": "s3://bucket/ground-truth"}
    if prefix == "ModelQuality":
        app = {"ImageUri": IMAGE, "ProblemType": "BinaryClassification"}
        endpoint_input["ProbabilityThresholdAttribute"] = 0.5
    return {
        "JobDefinitionName": name,
        f"{prefix}AppSpecification": app,
        f"{prefix}JobInput": job_input,
        f"{prefix}JobOutputConfig": {"MonitoringOutputs": [{"S3Output": {"S3Uri": "s3://bucket/monitor", "LocalPath": "/opt/ml/processing/output"}}]},
        "JobResources": {"ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 5}},
        "RoleArn": ROLE,
        "Tags": [{"Key": "owner", "Value": "smoke"}],
    }


JOB_DEFINITIONS = {
    "DataQuality": ("data_quality", "data-quality-job-definition"),
    "ModelBias": ("model_bias", "model-bias-job-definition"),
    "ModelExplainability": ("model_explainability", "model-explainability-job-definition"),
    "ModelQuality": ("model_quality", "model-quality-job-definition"),
}


def job_definitions(sm: Any, s: str) -> None:
    endpoint = f"monitored-{s}"
    for prefix, (snake, arn_type) in JOB_DEFINITIONS.items():
        name = f"{arn_type[:12]}-{s}"
        create = getattr(sm, f"create_{snake}_job_definition")
        describe = getattr(sm, f"describe_{snake}_job_definition")
        delete = getattr(sm, f"delete_{snake}_job_definition")
        list_ = getattr(sm, f"list_{snake}_job_definitions")
        got = create(**job_definition_request(prefix, name, endpoint))["JobDefinitionArn"]
        check(got == arn(arn_type, name), f"{prefix} ARN {got}")
        expect_error(lambda: create(**job_definition_request(prefix, name, endpoint)), "ResourceInUse", f"Resource Already Exists: Job definition with name {name} already exists. Choose a different name.", f"duplicate {prefix}")
        d = describe(JobDefinitionName=name)
        check(d["JobDefinitionName"] == name and d[f"{prefix}JobInput"]["EndpointInput"]["EndpointName"] == endpoint and "CreationTime" in d, f"{prefix} describe {d}")
        listed = list_(EndpointName=endpoint)["JobDefinitionSummaries"]
        check([j["MonitoringJobDefinitionName"] for j in listed] == [name] and listed[0]["EndpointName"] == endpoint and listed[0]["MonitoringJobDefinitionArn"] == got, f"{prefix} list {listed}")
        check(list_(EndpointName=f"other-{s}")["JobDefinitionSummaries"] == [], f"{prefix} list EndpointName filter")
        tags_round_trip(sm, got, [{"Key": "owner", "Value": "smoke"}], prefix)
        if prefix != "DataQuality":  # the schedule below uses the DataQuality one
            delete(JobDefinitionName=name)
            expect_error(lambda: describe(JobDefinitionName=name), "ResourceNotFound", f"Job definition {name} does not exist.", f"deleted {prefix}")
            expect_error(lambda: delete(JobDefinitionName=name), "ResourceNotFound", f"Job definition {name} does not exist.", f"delete deleted {prefix}")


def monitoring_schedule(sm: Any, s: str) -> None:
    job_definitions(sm, s)
    endpoint, definition = f"monitored-{s}", f"data-quality-{s}"
    name, failing = f"sched-{s}", f"sched-fail-{s}"
    config = {"ScheduleConfig": {"ScheduleExpression": "cron(0 * ? * * *)"}, "MonitoringJobDefinitionName": definition, "MonitoringType": "DataQuality"}
    started = time.monotonic()
    got = sm.create_monitoring_schedule(MonitoringScheduleName=name, MonitoringScheduleConfig=config)["MonitoringScheduleArn"]
    check(got == arn("monitoring-schedule", name), f"schedule ARN {got}")
    sm.create_monitoring_schedule(MonitoringScheduleName=failing, MonitoringScheduleConfig=config, Tags=[{"Key": FAIL_TAG, "Value": "no baseline"}])
    d = sm.describe_monitoring_schedule(MonitoringScheduleName=name)
    if fresh(started):
        check(d["MonitoringScheduleStatus"] == "Pending" and "LastMonitoringExecutionSummary" not in d, f"new schedule {d}")
    if fresh(started):
        expect_error(lambda: sm.delete_monitoring_schedule(MonitoringScheduleName=name), "ValidationException", f'Cannot update in-progress monitoring schedule "{got}".', "delete pending schedule")
    if fresh(started):
        expect_error(lambda: sm.update_monitoring_schedule(MonitoringScheduleName=name, MonitoringScheduleConfig=config), "ValidationException", f'Cannot update in-progress monitoring schedule "{got}".', "update pending schedule")
    expect_error(lambda: sm.create_monitoring_schedule(MonitoringScheduleName=name, MonitoringScheduleConfig=config), "ResourceInUse", f"Resource Already Exists: Monitoring Schedule with name {name} already exists. Choose a different name.", "duplicate schedule")
    expect_error(lambda: sm.describe_monitoring_schedule(MonitoringScheduleName=f"nope-{s}"), "ResourceNotFound", f"Monitoring Schedule {arn('monitoring-schedule', f'nope-{s}')} does not exist.", "unknown schedule")
    d, seen = wait(lambda: sm.describe_monitoring_schedule(MonitoringScheduleName=name), "MonitoringScheduleStatus", {"Scheduled", "Failed"}, name)
    only(seen, ["Pending", "Scheduled"], "Scheduled", "schedule")
    check(d["EndpointName"] == endpoint and d["MonitoringType"] == "DataQuality", f"schedule describe {d}")
    # Executions: the first at once, InProgress 2 steps then Completed; the next 4 steps later.
    d, _ = wait(lambda: sm.describe_monitoring_schedule(MonitoringScheduleName=name).get("LastMonitoringExecutionSummary", {}), "MonitoringExecutionStatus", {"Completed"}, f"{name} execution 0")
    check(d["ProcessingJobArn"] == arn("processing-job", f"{name}-0") and d["EndpointName"] == endpoint and d["MonitoringJobDefinitionName"] == definition and d["MonitoringType"] == "DataQuality", f"execution 0 {d}")
    d, _ = wait(lambda: sm.describe_monitoring_schedule(MonitoringScheduleName=name).get("LastMonitoringExecutionSummary", {}), "ProcessingJobArn", {arn("processing-job", f"{name}-1")}, f"{name} execution 1")
    check(d["ScheduledTime"] <= d["LastModifiedTime"], f"execution 1 {d}")
    # Update: Pending one step, then Scheduled with the new config.
    new_config = {**config, "ScheduleConfig": {"ScheduleExpression": "cron(0 0 ? * * *)"}}
    sm.update_monitoring_schedule(MonitoringScheduleName=name, MonitoringScheduleConfig=new_config)
    d, seen = wait(lambda: sm.describe_monitoring_schedule(MonitoringScheduleName=name), "MonitoringScheduleStatus", {"Scheduled"}, name)
    check(d["MonitoringScheduleConfig"]["ScheduleConfig"]["ScheduleExpression"] == "cron(0 0 ? * * *)", f"updated schedule {d}")
    # Stop/Start.
    sm.stop_monitoring_schedule(MonitoringScheduleName=name)
    check(sm.describe_monitoring_schedule(MonitoringScheduleName=name)["MonitoringScheduleStatus"] == "Stopped", "stopped schedule")
    expect_error(lambda: sm.stop_monitoring_schedule(MonitoringScheduleName=name), "ValidationException", "The request was rejected because the monitoring schedule is in status Stopped.", "stop stopped schedule")
    sm.start_monitoring_schedule(MonitoringScheduleName=name)
    check(sm.describe_monitoring_schedule(MonitoringScheduleName=name)["MonitoringScheduleStatus"] == "Scheduled", "restarted schedule")
    listed = sm.list_monitoring_schedules(EndpointName=endpoint, NameContains=s)["MonitoringScheduleSummaries"]
    check({m["MonitoringScheduleName"] for m in listed} == {name, failing} and all(m["MonitoringJobDefinitionName"] == definition for m in listed), f"ListMonitoringSchedules {listed}")
    d, seen = wait(lambda: sm.describe_monitoring_schedule(MonitoringScheduleName=failing), "MonitoringScheduleStatus", {"Scheduled", "Failed"}, failing)
    check(d["MonitoringScheduleStatus"] == "Failed" and d["FailureReason"] == "no baseline" and "LastMonitoringExecutionSummary" not in d, f"failing schedule {d}")
    for schedule in (name, failing):
        sm.delete_monitoring_schedule(MonitoringScheduleName=schedule)
        expect_error(lambda: sm.describe_monitoring_schedule(MonitoringScheduleName=schedule), "ResourceNotFound", f"Monitoring Schedule {arn('monitoring-schedule', schedule)} does not exist.", "deleted schedule")
    sm.delete_data_quality_job_definition(JobDefinitionName=definition)


# --------------------------------------------------------------------------------------
# Studio: Domain, UserProfile, Space, App


def studio(sm: Any, s: str) -> None:
    domain_name = f"domain-{s}"
    request = {
        "DomainName": domain_name,
        "AuthMode": "IAM",
        "DefaultUserSettings": {"ExecutionRole": ROLE},
        "SubnetIds": ["subnet-0123456789abcdef0"],
        "VpcId": "vpc-0123456789abcdef0",
        "Tags": [{"Key": "owner", "Value": "smoke"}],
    }
    started = time.monotonic()
    created = sm.create_domain(**request)
    domain_id = created["DomainId"]
    check(re.fullmatch(r"d-[a-z0-9]{12}", domain_id) is not None, f"DomainId {domain_id}")
    domain_arn = created["DomainArn"]
    check(domain_arn == arn("domain", domain_id) and created["Url"] == f"https://{domain_id}.studio.{REGION}.sagemaker.aws", f"CreateDomain {created}")
    d = sm.describe_domain(DomainId=domain_id)
    if fresh(started):
        check(d["Status"] == "Pending", f"new domain {d['Status']}")
    if fresh(started):
        expect_error(lambda: sm.delete_domain(DomainId=domain_id), "ValidationException", f'Cannot update in-progress domain "{domain_arn}".', "delete pending domain")
    check(d["DomainName"] == domain_name and d["DefaultUserSettings"] == {"ExecutionRole": ROLE} and re.fullmatch(r"fs-[0-9a-f]{8}", d["HomeEfsFileSystemId"]), f"domain describe {d}")
    expect_error(lambda: sm.create_domain(**request), "ResourceInUse", f"Resource Already Exists: Domain with name {domain_name} already exists. Choose a different name.", "duplicate domain")
    expect_error(lambda: sm.describe_domain(DomainId="d-nope00000000"), "ResourceNotFound", "Domain d-nope00000000 not found", "unknown domain")
    expect_error(lambda: sm.create_user_profile(DomainId="d-nope00000000", UserProfileName="u"), "ResourceNotFound", "Domain d-nope00000000 not found", "user profile without domain")
    wait(lambda: sm.describe_domain(DomainId=domain_id), "Status", {"InService"}, domain_id)
    listed = [x for x in sm.list_domains()["Domains"] if x["DomainId"] == domain_id]
    check(len(listed) == 1 and set(listed[0]) == {"DomainArn", "DomainId", "DomainName", "Status", "CreationTime", "LastModifiedTime", "Url"}, f"ListDomains {listed}")
    sm.update_domain(DomainId=domain_id, DefaultUserSettings={"ExecutionRole": ROLE, "StudioWebPortal": "ENABLED"}, DomainSettingsForUpdate={"SecurityGroupIds": ["sg-0123456789abcdef0"]})
    d, seen = wait(lambda: sm.describe_domain(DomainId=domain_id), "Status", {"InService"}, domain_id)
    check(seen[-1] == "InService" and d["DefaultUserSettings"]["StudioWebPortal"] == "ENABLED" and d["DomainSettings"] == {"SecurityGroupIds": ["sg-0123456789abcdef0"]}, f"updated domain {seen} {d}")
    tags_round_trip(sm, domain_arn, [{"Key": "owner", "Value": "smoke"}], "domain")

    # User profile and space.
    user, space = f"user-{s}", f"space-{s}"
    user_arn = sm.create_user_profile(DomainId=domain_id, UserProfileName=user, UserSettings={"ExecutionRole": ROLE})["UserProfileArn"]
    check(user_arn == arn("user-profile", f"{domain_id}/{user}"), f"user ARN {user_arn}")
    space_arn = sm.create_space(DomainId=domain_id, SpaceName=space, SpaceSettings={"AppType": "JupyterLab"}, SpaceDisplayName="Space")["SpaceArn"]
    check(space_arn == arn("space", f"{domain_id}/{space}"), f"space ARN {space_arn}")
    expect_error(lambda: sm.create_user_profile(DomainId=domain_id, UserProfileName=user), "ResourceInUse", f"User profile already exists: {user_arn}", "duplicate user")
    expect_error(lambda: sm.create_space(DomainId=domain_id, SpaceName=space), "ResourceInUse", f"Space already exists: {space_arn}", "duplicate space")
    expect_error(lambda: sm.describe_user_profile(DomainId=domain_id, UserProfileName=f"nope-{s}"), "ResourceNotFound", f"User profile with name nope-{s} does not exist", "unknown user")
    expect_error(lambda: sm.describe_space(DomainId=domain_id, SpaceName=f"nope-{s}"), "ResourceNotFound", f"Space with name nope-{s} does not exist", "unknown space")
    d, seen = wait(lambda: sm.describe_user_profile(DomainId=domain_id, UserProfileName=user), "Status", {"InService", "Failed"}, user)
    only(seen, ["Pending", "InService"], "InService", "user profile")
    check(d["HomeEfsFileSystemUid"].isdigit() and d["UserSettings"] == {"ExecutionRole": ROLE} and d["DomainId"] == domain_id, f"user describe {d}")
    sm.update_user_profile(DomainId=domain_id, UserProfileName=user, UserSettings={"ExecutionRole": ROLE, "DefaultLandingUri": "studio::"})
    d, seen = wait(lambda: sm.describe_user_profile(DomainId=domain_id, UserProfileName=user), "Status", {"InService"}, user)
    check(d["UserSettings"]["DefaultLandingUri"] == "studio::", f"updated user {d}")
    d, seen = wait(lambda: sm.describe_space(DomainId=domain_id, SpaceName=space), "Status", {"InService", "Failed"}, space)
    check(d["SpaceDisplayName"] == "Space" and d["Url"].startswith("https://") and d["HomeEfsFileSystemUid"].isdigit(), f"space describe {d}")
    sm.update_space(DomainId=domain_id, SpaceName=space, SpaceDisplayName="Renamed")
    d, seen = wait(lambda: sm.describe_space(DomainId=domain_id, SpaceName=space), "Status", {"InService"}, space)
    check(d["SpaceDisplayName"] == "Renamed" and d["SpaceSettings"] == {"AppType": "JupyterLab"}, f"updated space {d}")
    check([u["UserProfileName"] for u in sm.list_user_profiles(DomainIdEquals=domain_id)["UserProfiles"]] == [user], "ListUserProfiles")
    check([x["SpaceName"] for x in sm.list_spaces(DomainIdEquals=domain_id)["Spaces"]] == [space], "ListSpaces")

    # Apps: need their domain and owner; Delete leaves them Deleted; a new create is allowed.
    ids = {"DomainId": domain_id, "UserProfileName": user, "AppType": "JupyterServer", "AppName": "default"}
    expect_error(lambda: sm.create_app(**{**ids, "UserProfileName": f"ghost-{s}"}), "ResourceNotFound", f"User profile with name ghost-{s} does not exist", "app without user")
    expect_error(lambda: sm.create_app(**{**ids, "DomainId": "d-nope00000000"}), "ResourceNotFound", "Domain d-nope00000000 not found", "app without domain")
    app_arn = sm.create_app(**ids, ResourceSpec={"InstanceType": "system"})["AppArn"]
    check(app_arn == arn("app", f"{domain_id}/{user}/jupyterserver/default"), f"app ARN {app_arn}")
    space_app = {"DomainId": domain_id, "SpaceName": space, "AppType": "JupyterLab", "AppName": "default"}
    sm.create_app(**space_app)
    expect_error(lambda: sm.create_app(**ids), "ResourceInUse", f"App already exists: {app_arn}", "duplicate app")
    expect_error(lambda: sm.describe_app(**{**ids, "AppName": f"nope-{s}"}), "ResourceNotFound", f"App with name nope-{s} does not exist", "unknown app")
    d, seen = wait(lambda: sm.describe_app(**ids), "Status", {"InService", "Failed"}, "app")
    only(seen, ["Pending", "InService"], "InService", "app")
    check(d["ResourceSpec"] == {"InstanceType": "system"}, f"app describe {d}")
    expect_error(lambda: sm.delete_domain(DomainId=domain_id), "ResourceInUse", f"Cannot delete domain {domain_id} because it has user profiles, spaces or apps", "delete domain with children")
    sm.delete_app(**ids)
    d, seen = wait(lambda: sm.describe_app(**ids), "Status", {"Deleted"}, "deleted app")
    only(seen, ["InService", "Deleting", "Deleted"], "Deleted", "deleted app")
    expect_error(lambda: sm.delete_app(**ids), "ResourceNotFound", "App with name default does not exist", "delete deleted app")
    sm.create_app(**ids)  # allowed again
    wait(lambda: sm.describe_app(**ids), "Status", {"InService"}, "app again")
    check({a["AppType"] for a in sm.list_apps(DomainIdEquals=domain_id)["Apps"]} == {"JupyterServer", "JupyterLab"}, "ListApps")
    wait(lambda: sm.describe_app(**space_app), "Status", {"InService"}, "space app")
    for app in (ids, space_app):
        sm.delete_app(**app)
    for app in (ids, space_app):
        wait(lambda: sm.describe_app(**app), "Status", {"Deleted"}, "deleted app")
    sm.delete_user_profile(DomainId=domain_id, UserProfileName=user)
    sm.delete_space(DomainId=domain_id, SpaceName=space)
    seen = wait_gone(lambda: sm.describe_user_profile(DomainId=domain_id, UserProfileName=user), "Status", "ResourceNotFound", f"User profile with name {user} does not exist", user)
    check(seen in ([], ["Deleting"]), f"deleting user {seen}")
    wait_gone(lambda: sm.describe_space(DomainId=domain_id, SpaceName=space), "Status", "ResourceNotFound", f"Space with name {space} does not exist", space)
    sm.delete_domain(DomainId=domain_id, RetentionPolicy={"HomeEfsFileSystem": "Delete"})
    seen = wait_gone(lambda: sm.describe_domain(DomainId=domain_id), "Status", "ResourceNotFound", f"Domain {domain_id} not found", domain_id)
    check(seen in ([], ["Deleting"]), f"deleting domain {seen}")


# --------------------------------------------------------------------------------------
# Registry: ModelPackageGroup, ModelPackage; Project


def registry(sm: Any, s: str) -> None:
    group = f"group-{s}"
    group_arn = sm.create_model_package_group(ModelPackageGroupName=group, ModelPackageGroupDescription="models", Tags=[{"Key": "owner", "Value": "smoke"}])["ModelPackageGroupArn"]
    check(group_arn == arn("model-package-group", group), f"group ARN {group_arn}")
    expect_error(lambda: sm.create_model_package_group(ModelPackageGroupName=group), "ValidationException", f"Model Package Group already exists: {group_arn}", "duplicate group")
    expect_error(lambda: sm.describe_model_package_group(ModelPackageGroupName=f"nope-{s}"), "ValidationException", f"ModelPackageGroup nope-{s} does not exist.", "unknown group")
    expect_error(lambda: sm.create_model_package(ModelPackageGroupName=f"nope-{s}"), "ValidationException", f"ModelPackageGroup nope-{s} does not exist.", "package in unknown group")
    d, seen = wait(lambda: sm.describe_model_package_group(ModelPackageGroupName=group), "ModelPackageGroupStatus", {"Completed", "Failed"}, group)
    only(seen, ["Pending", "InProgress", "Completed"], "Completed", "group")
    check(d["ModelPackageGroupDescription"] == "models", f"group describe {d}")
    tags_round_trip(sm, group_arn, [{"Key": "owner", "Value": "smoke"}], "group")

    inference = {"Containers": [{"Image": IMAGE, "ModelDataUrl": "s3://bucket/model.tar.gz"}], "SupportedContentTypes": ["text/csv"], "SupportedResponseMIMETypes": ["text/csv"]}
    token = uuid.uuid4().hex[:32]
    first = sm.create_model_package(ModelPackageGroupName=group, InferenceSpecification=inference, ClientToken=token, CustomerMetadataProperties={"a": "1", "b": "2"})["ModelPackageArn"]
    check(first == arn("model-package", f"{group}/1"), f"package ARN {first}")
    again = sm.create_model_package(ModelPackageGroupName=group, InferenceSpecification=inference, ClientToken=token)["ModelPackageArn"]
    check(again == first, f"same ClientToken gave {again}")
    second = sm.create_model_package(ModelPackageGroupName=group, InferenceSpecification=inference, ModelApprovalStatus="Approved")["ModelPackageArn"]
    check(second == arn("model-package", f"{group}/2"), f"second package ARN {second}")
    d, seen = wait(lambda: sm.describe_model_package(ModelPackageName=first), "ModelPackageStatus", {"Completed", "Failed"}, first)
    only(seen, ["Pending", "InProgress", "Completed"], "Completed", "package")
    check(d["ModelPackageName"] == group and d["ModelPackageGroupName"] == group and d["ModelPackageVersion"] == 1, f"package describe {d}")
    check(d["ModelApprovalStatus"] == "PendingManualApproval" and d["ModelPackageStatusDetails"] == {"ValidationStatuses": [], "ImageScanStatuses": []}, f"package describe {d}")
    check(d["InferenceSpecification"]["Containers"][0]["Image"] == IMAGE, f"package spec {d['InferenceSpecification']}")
    got = sm.update_model_package(ModelPackageArn=first, ModelApprovalStatus="Approved", ApprovalDescription="ok", CustomerMetadataProperties={"c": "3"}, CustomerMetadataPropertiesToRemove=["a"])["ModelPackageArn"]
    d = sm.describe_model_package(ModelPackageName=first)
    check(got == first and d["ModelApprovalStatus"] == "Approved" and d["ApprovalDescription"] == "ok" and d["CustomerMetadataProperties"] == {"b": "2", "c": "3"}, f"updated package {d}")
    listed = sm.list_model_packages(ModelPackageGroupName=group, SortBy="CreationTime", SortOrder="Ascending")["ModelPackageSummaryList"]
    check([(p["ModelPackageVersion"], p["ModelApprovalStatus"]) for p in listed] == [(1, "Approved"), (2, "Approved")], f"ListModelPackages {listed}")
    check(set(listed[0]) >= {"ModelPackageName", "ModelPackageGroupName", "ModelPackageVersion", "ModelPackageArn", "CreationTime", "ModelPackageStatus", "ModelApprovalStatus"}, f"summary members {listed[0]}")
    expect_error(lambda: sm.delete_model_package_group(ModelPackageGroupName=group), "ConflictException", f"Model Package Group {group} cannot be deleted because it contains model packages.", "delete group with packages")

    # Unversioned.
    name = f"package-{s}"
    unversioned = sm.create_model_package(ModelPackageName=name, InferenceSpecification=inference, Tags=[{"Key": FAIL_TAG, "Value": "image scan failed"}])["ModelPackageArn"]
    check(unversioned == arn("model-package", name), f"unversioned ARN {unversioned}")
    expect_error(lambda: sm.create_model_package(ModelPackageName=name, InferenceSpecification=inference), "ConflictException", f"Model Package {name} already exists.", "duplicate unversioned")
    d, seen = wait(lambda: sm.describe_model_package(ModelPackageName=name), "ModelPackageStatus", {"Completed", "Failed"}, name)
    check(d["ModelPackageStatus"] == "Failed" and d["ModelPackageName"] == name and "ModelPackageVersion" not in d and "ModelApprovalStatus" not in d, f"unversioned describe {d}")
    listed = [p["ModelPackageName"] for p in sm.list_model_packages(NameContains=s)["ModelPackageSummaryList"]]
    check(listed == [name], f"default ListModelPackages (Unversioned) {listed}")
    check(len(sm.list_model_packages(NameContains=s, ModelPackageType="Both")["ModelPackageSummaryList"]) == 3, "ListModelPackages Both")
    for package, given in ((name, name), (first, first), (second, second)):
        sm.delete_model_package(ModelPackageName=package)
        expect_error(lambda: sm.describe_model_package(ModelPackageName=given), "ValidationException", f"Model package {given} does not exist.", "deleted package")
    sm.delete_model_package_group(ModelPackageGroupName=group)
    seen = wait_gone(lambda: sm.describe_model_package_group(ModelPackageGroupName=group), "ModelPackageGroupStatus", "ValidationException", f"ModelPackageGroup {group} does not exist.", group)
    check(seen in ([], ["Deleting"]), f"deleting group {seen}")


def project(sm: Any, s: str) -> None:
    name, failing = f"project-{s}", f"project-fail-{s}"
    details = {"ProductId": "prod-abcdefghijklm", "ProvisioningArtifactId": "pa-abcdefghijklm", "ProvisioningParameters": [{"Key": "k", "Value": "v"}]}
    created = sm.create_project(ProjectName=name, ProjectDescription="first", ServiceCatalogProvisioningDetails=details, Tags=[{"Key": "owner", "Value": "smoke"}])
    check(created["ProjectArn"] == arn("project", name) and re.fullmatch(r"p-[a-z0-9]{12}", created["ProjectId"]), f"CreateProject {created}")
    sm.create_project(ProjectName=failing, Tags=[{"Key": FAIL_TAG, "Value": "stack failed"}])
    expect_error(lambda: sm.create_project(ProjectName=name), "ValidationException", f"Project with name {name} already exists.", "duplicate project")
    expect_error(lambda: sm.describe_project(ProjectName=f"nope-{s}"), "ValidationException", f"Project nope-{s} does not exist.", "unknown project")
    d, seen = wait(lambda: sm.describe_project(ProjectName=name), "ProjectStatus", {"CreateCompleted", "CreateFailed"}, name)
    only(seen, ["CreateInProgress", "CreateCompleted"], "CreateCompleted", "project")
    check(d["ProjectId"] == created["ProjectId"] and d["ServiceCatalogProvisionedProductDetails"]["ProvisionedProductStatusMessage"] == "AVAILABLE", f"project describe {d}")
    sm.update_project(ProjectName=name, ProjectDescription="second", ServiceCatalogProvisioningUpdateDetails={"ProvisioningArtifactId": "pa-zyxwvutsrqpon"}, Tags=[{"Key": "replaced", "Value": "yes"}])
    d, seen = wait(lambda: sm.describe_project(ProjectName=name), "ProjectStatus", {"UpdateCompleted"}, name)
    check(d["ProjectDescription"] == "second" and d["ServiceCatalogProvisioningDetails"]["ProvisioningArtifactId"] == "pa-zyxwvutsrqpon" and d["ServiceCatalogProvisioningDetails"]["ProductId"] == "prod-abcdefghijklm", f"updated project {d}")
    check(sm.list_tags(ResourceArn=created["ProjectArn"])["Tags"] == [{"Key": "replaced", "Value": "yes"}], "UpdateProject Tags replace")
    d, seen = wait(lambda: sm.describe_project(ProjectName=failing), "ProjectStatus", {"CreateCompleted", "CreateFailed"}, failing)
    check(d["ProjectStatus"] == "CreateFailed", f"failing project {d}")
    check({p["ProjectName"] for p in sm.list_projects(NameContains=s)["ProjectSummaryList"]} == {name, failing}, "ListProjects")
    for project_name in (name, failing):
        sm.delete_project(ProjectName=project_name)
        wait_gone(lambda: sm.describe_project(ProjectName=project_name), "ProjectStatus", "ValidationException", f"Project {project_name} does not exist.", project_name)


# --------------------------------------------------------------------------------------
# Pipelines


DEFINITION = '{"Version": "2020-12-01", "Parameters": [{"Name": "SIM_FAIL_REASON", "Type": "String"}], "Steps": []}'


def pipelines(sm: Any, s: str) -> None:
    name = f"pipeline-{s}"
    pipeline_arn = sm.create_pipeline(PipelineName=name, PipelineDefinition=DEFINITION, RoleArn=ROLE, PipelineDisplayName="Pipe", Tags=[{"Key": "owner", "Value": "smoke"}])["PipelineArn"]
    check(pipeline_arn == arn("pipeline", name), f"pipeline ARN {pipeline_arn}")
    expect_error(lambda: sm.create_pipeline(PipelineName=name, PipelineDefinition=DEFINITION, RoleArn=ROLE), "ResourceInUse", f"Pipeline names must be unique within an AWS account and region. Pipeline with name ({name}) already exists.", "duplicate pipeline")
    expect_error(lambda: sm.describe_pipeline(PipelineName=f"nope-{s}"), "ResourceNotFound", f"Pipeline '{arn('pipeline', f'nope-{s}')}' does not exist.", "unknown pipeline")
    expect_error(lambda: sm.start_pipeline_execution(PipelineName=f"nope-{s}"), "ResourceNotFound", f"Pipeline '{arn('pipeline', f'nope-{s}')}' does not exist.", "start unknown pipeline")
    d = sm.describe_pipeline(PipelineName=name)
    check(d["PipelineStatus"] == "Active" and d["PipelineDefinition"] == DEFINITION and d["PipelineDisplayName"] == "Pipe", f"pipeline describe {d}")
    sm.update_pipeline(PipelineName=name, PipelineDisplayName="Pipe 2", PipelineDescription="desc")
    d = sm.describe_pipeline(PipelineName=name)
    check(d["PipelineDisplayName"] == "Pipe 2" and d["PipelineDescription"] == "desc" and d["PipelineDefinition"] == DEFINITION, f"updated pipeline {d}")
    tags_round_trip(sm, pipeline_arn, [{"Key": "owner", "Value": "smoke"}], "pipeline")

    token = uuid.uuid4().hex
    ok = sm.start_pipeline_execution(PipelineName=name, ClientRequestToken=token, PipelineExecutionDisplayName="run-1")["PipelineExecutionArn"]
    check(re.fullmatch(re.escape(arn("pipeline", name)) + r"/execution/[a-z0-9]{12}", ok) is not None, f"execution ARN {ok}")
    check(sm.start_pipeline_execution(PipelineName=name, ClientRequestToken=token)["PipelineExecutionArn"] == ok, "same ClientRequestToken, same execution")
    failing = sm.start_pipeline_execution(PipelineName=pipeline_arn, PipelineParameters=[{"Name": "SIM_FAIL_REASON", "Value": "Step train failed"}])["PipelineExecutionArn"]
    stopped = sm.start_pipeline_execution(PipelineName=name)["PipelineExecutionArn"]
    stop_sent = time.monotonic()
    check(sm.stop_pipeline_execution(PipelineExecutionArn=stopped, ClientRequestToken=uuid.uuid4().hex)["PipelineExecutionArn"] == stopped, "StopPipelineExecution answer")
    d = sm.describe_pipeline_execution(PipelineExecutionArn=stopped)
    if fresh(stop_sent):
        check(d["PipelineExecutionStatus"] == "Stopping", f"stopping execution {d['PipelineExecutionStatus']}")
    check(len(sm.list_pipeline_executions(PipelineName=name)["PipelineExecutionSummaries"]) == 3, "three executions")
    bad = ok.rsplit("/", 1)[0] + "/nope00000000"
    expect_error(lambda: sm.describe_pipeline_execution(PipelineExecutionArn=bad), "ResourceNotFound", f"Pipeline execution '{bad}' does not exist", "unknown execution")
    sm.update_pipeline_execution(PipelineExecutionArn=ok, PipelineExecutionDescription="first run")
    d, seen = wait(lambda: sm.describe_pipeline_execution(PipelineExecutionArn=ok), "PipelineExecutionStatus", {"Succeeded", "Failed", "Stopped"}, ok)
    only(seen, ["Executing", "Succeeded"], "Succeeded", "execution")
    check(d["PipelineArn"] == pipeline_arn and d["PipelineExecutionDisplayName"] == "run-1" and d["PipelineExecutionDescription"] == "first run", f"execution describe {d}")
    check(d["PipelineExperimentConfig"] == {"ExperimentName": name, "TrialName": ok.rsplit("/", 1)[1]}, f"experiment config {d}")
    expect_error(lambda: sm.stop_pipeline_execution(PipelineExecutionArn=ok, ClientRequestToken=uuid.uuid4().hex), "ValidationException", "The request was rejected because the pipeline execution is in status Succeeded.", "stop succeeded execution")
    d, seen = wait(lambda: sm.describe_pipeline_execution(PipelineExecutionArn=failing), "PipelineExecutionStatus", {"Succeeded", "Failed"}, failing)
    check(d["PipelineExecutionStatus"] == "Failed" and d["FailureReason"] == "Step train failed", f"failing execution {d}")
    d, seen = wait(lambda: sm.describe_pipeline_execution(PipelineExecutionArn=stopped), "PipelineExecutionStatus", {"Stopped", "Succeeded"}, stopped)
    only(seen, ["Stopping", "Stopped"], "Stopped", "stopped execution")
    summaries = {e["PipelineExecutionArn"]: e for e in sm.list_pipeline_executions(PipelineName=name)["PipelineExecutionSummaries"]}
    check({a: e["PipelineExecutionStatus"] for a, e in summaries.items()} == {ok: "Succeeded", failing: "Failed", stopped: "Stopped"}, f"ListPipelineExecutions {summaries}")
    check(summaries[failing]["PipelineExecutionFailureReason"] == "Step train failed" and "StartTime" in summaries[ok], f"summaries {summaries}")
    check(sm.describe_pipeline_definition_for_execution(PipelineExecutionArn=ok)["PipelineDefinition"] == DEFINITION, "definition for execution")
    check(sm.list_pipeline_parameters_for_execution(PipelineExecutionArn=failing)["PipelineParameters"] == [{"Name": "SIM_FAIL_REASON", "Value": "Step train failed"}], "parameters for execution")
    check("LastRunTime" in sm.describe_pipeline(PipelineName=name), "LastRunTime")
    delete_sent = time.monotonic()
    check(sm.delete_pipeline(PipelineName=name, ClientRequestToken=uuid.uuid4().hex)["PipelineArn"] == pipeline_arn, "DeletePipeline answer")
    if fresh(delete_sent):
        expect_error(lambda: sm.update_pipeline(PipelineName=name, PipelineDisplayName="x"), "ValidationException", f'Cannot update in-progress pipeline "{pipeline_arn}".', "update deleting pipeline")
    wait_gone(lambda: sm.describe_pipeline(PipelineName=name), "PipelineStatus", "ResourceNotFound", f"Pipeline '{pipeline_arn}' does not exist.", name)
    expect_error(lambda: sm.describe_pipeline_execution(PipelineExecutionArn=ok), "ResourceNotFound", f"Pipeline execution '{ok}' does not exist", "execution of deleted pipeline")


# --------------------------------------------------------------------------------------
# Notebooks


def notebooks(sm: Any, s: str) -> None:
    lcc, name, failing = f"lcc-{s}", f"notebook-{s}", f"notebook-fail-{s}"
    lcc_arn = sm.create_notebook_instance_lifecycle_config(NotebookInstanceLifecycleConfigName=lcc, OnStart=[{"Content": "ZWNobyBoaQ=="}])["NotebookInstanceLifecycleConfigArn"]
    check(lcc_arn == arn("notebook-instance-lifecycle-config", lcc), f"LCC ARN {lcc_arn}")
    expect_error(lambda: sm.create_notebook_instance_lifecycle_config(NotebookInstanceLifecycleConfigName=lcc), "ValidationException", f"Unable to create Notebook Instance Lifecycle Config {lcc_arn}. (Details: Notebook Instance Lifecycle Config already exists.)", "duplicate LCC")
    expect_error(lambda: sm.describe_notebook_instance_lifecycle_config(NotebookInstanceLifecycleConfigName=f"nope-{s}"), "ValidationException", f"Unable to describe Notebook Instance Lifecycle Config 'nope-{s}'. (Details: Notebook Instance Lifecycle Config does not exist.)", "unknown LCC")
    before = sm.describe_notebook_instance_lifecycle_config(NotebookInstanceLifecycleConfigName=lcc)
    time.sleep(0.05)
    sm.update_notebook_instance_lifecycle_config(NotebookInstanceLifecycleConfigName=lcc, OnStart=[{"Content": "ZWNobyBobw=="}], OnCreate=[{"Content": "dHJ1ZQ=="}])
    d = sm.describe_notebook_instance_lifecycle_config(NotebookInstanceLifecycleConfigName=lcc)
    check(d["OnStart"] == [{"Content": "ZWNobyBobw=="}] and d["OnCreate"] == [{"Content": "dHJ1ZQ=="}] and d["LastModifiedTime"] > before["LastModifiedTime"], f"updated LCC {d}")

    request = {"NotebookInstanceName": name, "InstanceType": "ml.t3.medium", "RoleArn": ROLE, "LifecycleConfigName": lcc, "Tags": [{"Key": "owner", "Value": "smoke"}]}
    started = time.monotonic()
    nb_arn = sm.create_notebook_instance(**request)["NotebookInstanceArn"]
    check(nb_arn == arn("notebook-instance", name), f"notebook ARN {nb_arn}")
    sm.create_notebook_instance(NotebookInstanceName=failing, InstanceType="ml.t3.medium", RoleArn=ROLE, Tags=[{"Key": FAIL_TAG, "Value": "ENI limit"}])
    d = sm.describe_notebook_instance(NotebookInstanceName=name)
    if fresh(started):
        check(d["NotebookInstanceStatus"] == "Pending", f"new notebook {d['NotebookInstanceStatus']}")
    check(
        (d["VolumeSizeInGB"], d["PlatformIdentifier"], d["DirectInternetAccess"], d["RootAccess"]) == (5, "notebook-al2-v2", "Enabled", "Enabled"),
        f"notebook defaults {d}",
    )
    check(d["Url"] == f"{name}.notebook.{REGION}.sagemaker.aws" and d["NotebookInstanceLifecycleConfigName"] == lcc, f"notebook describe {d}")
    expect_error(lambda: sm.create_notebook_instance(**request), "ValidationException", f"Cannot create a duplicate Notebook Instance ({nb_arn})", "duplicate notebook")
    for call in (sm.describe_notebook_instance, sm.stop_notebook_instance, sm.delete_notebook_instance):
        expect_error(lambda: call(NotebookInstanceName=f"nope-{s}"), "ValidationException", "RecordNotFound", "unknown notebook")
    d, seen = wait(lambda: sm.describe_notebook_instance(NotebookInstanceName=name), "NotebookInstanceStatus", {"InService", "Failed"}, name)
    only(seen, ["Pending", "InService"], "InService", "notebook")
    expect_error(lambda: sm.update_notebook_instance(NotebookInstanceName=name, InstanceType="ml.t3.large"), "ValidationException", f"Status (InService) not in ([Stopped]). Unable to transition to (Updating) for Notebook Instance ({nb_arn}).", "update running notebook")
    expect_error(lambda: sm.delete_notebook_instance(NotebookInstanceName=name), "ValidationException", f"Status (InService) not in ([Stopped, Failed]). Unable to transition to (Deleting) for Notebook Instance ({nb_arn}).", "delete running notebook")
    expect_error(lambda: sm.start_notebook_instance(NotebookInstanceName=name), "ValidationException", f"Status (InService) not in ([Stopped]). Unable to transition to (Pending) for Notebook Instance ({nb_arn}).", "start running notebook")
    sm.stop_notebook_instance(NotebookInstanceName=name)
    d, seen = wait(lambda: sm.describe_notebook_instance(NotebookInstanceName=name), "NotebookInstanceStatus", {"Stopped"}, name)
    only(seen, ["Stopping", "Stopped"], "Stopped", "stopped notebook")
    expect_error(lambda: sm.stop_notebook_instance(NotebookInstanceName=name), "ValidationException", "The request was rejected because the notebook instance is in status Stopped.", "stop stopped notebook")
    sm.update_notebook_instance(NotebookInstanceName=name, InstanceType="ml.t3.large", VolumeSizeInGB=10, DisassociateLifecycleConfig=True)
    d, seen = wait(lambda: sm.describe_notebook_instance(NotebookInstanceName=name), "NotebookInstanceStatus", {"Stopped"}, name)
    check(d["InstanceType"] == "ml.t3.large" and d["VolumeSizeInGB"] == 10 and "NotebookInstanceLifecycleConfigName" not in d, f"updated notebook {d}")
    sm.start_notebook_instance(NotebookInstanceName=name)
    d, seen = wait(lambda: sm.describe_notebook_instance(NotebookInstanceName=name), "NotebookInstanceStatus", {"InService"}, name)
    only(seen, ["Pending", "InService"], "InService", "restarted notebook")
    check([n["NotebookInstanceName"] for n in sm.list_notebook_instances(NameContains=s, StatusEquals="InService")["NotebookInstances"]] == [name], "ListNotebookInstances")
    sm.stop_notebook_instance(NotebookInstanceName=name)
    wait(lambda: sm.describe_notebook_instance(NotebookInstanceName=name), "NotebookInstanceStatus", {"Stopped"}, name)
    sm.delete_notebook_instance(NotebookInstanceName=name)
    seen = wait_gone(lambda: sm.describe_notebook_instance(NotebookInstanceName=name), "NotebookInstanceStatus", "ValidationException", "RecordNotFound", name)
    check(seen in ([], ["Deleting"]), f"deleting notebook {seen}")
    d, seen = wait(lambda: sm.describe_notebook_instance(NotebookInstanceName=failing), "NotebookInstanceStatus", {"InService", "Failed"}, failing)
    check(d["NotebookInstanceStatus"] == "Failed" and d["FailureReason"] == "ENI limit", f"failing notebook {d}")
    sm.delete_notebook_instance(NotebookInstanceName=failing)  # a Failed notebook may be deleted
    sm.delete_notebook_instance_lifecycle_config(NotebookInstanceLifecycleConfigName=lcc)
    expect_error(lambda: sm.describe_notebook_instance_lifecycle_config(NotebookInstanceLifecycleConfigName=lcc), "ValidationException", f"Unable to describe Notebook Instance Lifecycle Config '{lcc}'. (Details: Notebook Instance Lifecycle Config does not exist.)", "deleted LCC")


# --------------------------------------------------------------------------------------
# FeatureGroup, InferenceComponent


def feature_group(sm: Any, s: str) -> None:
    name, failing = f"features-{s}", f"features-fail-{s}"
    request = {
        "FeatureGroupName": name,
        "RecordIdentifierFeatureName": "id",
        "EventTimeFeatureName": "ts",
        "FeatureDefinitions": [{"FeatureName": "id", "FeatureType": "String"}, {"FeatureName": "ts", "FeatureType": "Fractional"}],
        "OnlineStoreConfig": {"EnableOnlineStore": True},
        "OfflineStoreConfig": {"S3StorageConfig": {"S3Uri": "s3://bucket/features"}},
        "RoleArn": ROLE,
    }
    fg_arn = sm.create_feature_group(**request)["FeatureGroupArn"]
    check(fg_arn == arn("feature-group", name), f"feature group ARN {fg_arn}")
    sm.create_feature_group(**{**request, "FeatureGroupName": failing, "Tags": [{"Key": FAIL_TAG, "Value": "Glue denied"}]})
    expect_error(lambda: sm.create_feature_group(**request), "ResourceInUse", f"Resource Already Exists: FeatureGroup with name {name} already exists. Choose a different name.", "duplicate feature group")
    expect_error(lambda: sm.describe_feature_group(FeatureGroupName=f"nope-{s}"), "ResourceNotFound", f"Resource Not Found: Amazon SageMaker can't find a FeatureGroup with name nope-{s}", "unknown feature group")
    d, seen = wait(lambda: sm.describe_feature_group(FeatureGroupName=name), "FeatureGroupStatus", {"Created", "CreateFailed"}, name)
    only(seen, ["Creating", "Created"], "Created", "feature group")
    catalog = d["OfflineStoreConfig"]["DataCatalogConfig"]
    check(re.fullmatch(name.replace("-", "_") + r"_\d{10}", catalog["TableName"]) and catalog["Catalog"] == "AwsDataCatalog" and catalog["Database"] == "sagemaker_featurestore", f"catalog {catalog}")
    digits = catalog["TableName"].rsplit("_", 1)[1]
    check(d["OfflineStoreConfig"]["S3StorageConfig"]["ResolvedOutputS3Uri"] == f"s3://bucket/features/{ACCOUNT}/sagemaker/{REGION}/offline-store/{name}-{digits}/data", f"resolved {d['OfflineStoreConfig']}")
    sm.update_feature_group(FeatureGroupName=name, FeatureAdditions=[{"FeatureName": "score", "FeatureType": "Fractional"}], OnlineStoreConfig={"TtlDuration": {"Unit": "Days", "Value": 7}})
    d = sm.describe_feature_group(FeatureGroupName=name)
    check(d["FeatureGroupStatus"] == "Created" and d["LastUpdateStatus"] == {"Status": "Successful"} and [f["FeatureName"] for f in d["FeatureDefinitions"]] == ["id", "ts", "score"], f"updated feature group {d}")
    check(d["OnlineStoreConfig"] == {"EnableOnlineStore": True, "TtlDuration": {"Unit": "Days", "Value": 7}}, f"online store {d['OnlineStoreConfig']}")
    d, seen = wait(lambda: sm.describe_feature_group(FeatureGroupName=failing), "FeatureGroupStatus", {"Created", "CreateFailed"}, failing)
    check(d["FeatureGroupStatus"] == "CreateFailed" and d["FailureReason"] == "Glue denied", f"failing feature group {d}")
    check({f["FeatureGroupName"] for f in sm.list_feature_groups(NameContains=s)["FeatureGroupSummaries"]} == {name, failing}, "ListFeatureGroups")
    sm.delete_feature_group(FeatureGroupName=name)
    wait_gone(lambda: sm.describe_feature_group(FeatureGroupName=name), "FeatureGroupStatus", "ResourceNotFound", f"Resource Not Found: Amazon SageMaker can't find a FeatureGroup with name {name}", name)
    sm.delete_feature_group(FeatureGroupName=failing)


def inference_components(sm: Any, s: str) -> None:
    model, config, endpoint = f"icmodel-{s}", f"iccfg-{s}", f"icep-{s}"
    sm.create_model(ModelName=model, PrimaryContainer={"Image": IMAGE}, ExecutionRoleArn=ROLE)
    sm.create_endpoint_config(EndpointConfigName=config, ExecutionRoleArn=ROLE, ProductionVariants=[{"VariantName": "AllTraffic", "ModelName": model, "InstanceType": "ml.g4dn.xlarge", "InitialInstanceCount": 1}])
    sm.create_endpoint(EndpointName=endpoint, EndpointConfigName=config)
    name = f"ic-{s}"

    def request(env: dict | None = None, copies: int = 1) -> dict:
        container = {"Image": IMAGE, "ArtifactUrl": "s3://bucket/model.tar.gz", "Environment": env or {"A": "1"}}
        return {
            "Specification": {"Container": container, "ComputeResourceRequirements": {"NumberOfAcceleratorDevicesRequired": 1, "MinMemoryRequiredInMb": 1024}},
            "RuntimeConfig": {"CopyCount": copies},
        }

    missing = f"noep-{s}"
    expect_error(lambda: sm.create_inference_component(InferenceComponentName=name, EndpointName=missing, VariantName="AllTraffic", **request()), "ValidationException", f'Could not find endpoint "arn:aws:sagemaker:{REGION}:{ACCOUNT}:endpoint/{missing}".', "IC without endpoint")
    wait(lambda: sm.describe_endpoint(EndpointName=endpoint), "EndpointStatus", {"InService"}, endpoint)
    started = time.monotonic()
    ic_arn = sm.create_inference_component(InferenceComponentName=name, EndpointName=endpoint, VariantName="AllTraffic", **request())["InferenceComponentArn"]
    check(ic_arn == arn("inference-component", name), f"IC ARN {ic_arn}")
    if fresh(started):
        expect_error(lambda: sm.update_inference_component(InferenceComponentName=name, **request(copies=2)), "ValidationException", f'Cannot update in-progress inference component "{ic_arn}".', "update creating IC")
    expect_error(lambda: sm.create_inference_component(InferenceComponentName=name, EndpointName=endpoint, VariantName="AllTraffic", **request()), "ValidationException", f'Cannot create already existing inference component "{ic_arn}".', "duplicate IC")
    expect_error(lambda: sm.describe_inference_component(InferenceComponentName=f"nope-{s}"), "ValidationException", f'Could not find inference component "{arn("inference-component", f"nope-{s}")}".', "unknown IC")
    d, seen = wait(lambda: sm.describe_inference_component(InferenceComponentName=name), "InferenceComponentStatus", {"InService", "Failed"}, name)
    only(seen, ["Creating", "InService"], "InService", "IC")
    check(d["EndpointName"] == endpoint and d["EndpointArn"].endswith(f":endpoint/{endpoint}") and d["VariantName"] == "AllTraffic", f"IC describe {d}")
    check(d["RuntimeConfig"] == {"DesiredCopyCount": 1, "CurrentCopyCount": 1} and d["Specification"]["Container"]["DeployedImage"]["SpecifiedImage"] == IMAGE, f"IC describe {d}")
    # A successful update, a failing one (old values kept, FailureReason), a clearing one.
    sm.update_inference_component(InferenceComponentName=name, **request(copies=2))
    d, seen = wait(lambda: sm.describe_inference_component(InferenceComponentName=name), "InferenceComponentStatus", {"InService"}, name)
    check(d["RuntimeConfig"]["DesiredCopyCount"] == 2 and "FailureReason" not in d, f"updated IC {d}")
    sm.update_inference_component(InferenceComponentName=name, **request({"SIM_FAIL_REASON": "OOM"}, copies=3))
    d, seen = wait(lambda: sm.describe_inference_component(InferenceComponentName=name), "InferenceComponentStatus", {"InService"}, name)
    check(d["FailureReason"] == "OOM" and d["RuntimeConfig"]["DesiredCopyCount"] == 2 and d["Specification"]["Container"]["Environment"] == {"A": "1"}, f"failed IC update {d}")
    sm.update_inference_component(InferenceComponentName=name, **request({"B": "2"}, copies=2))
    d, seen = wait(lambda: sm.describe_inference_component(InferenceComponentName=name), "InferenceComponentStatus", {"InService"}, name)
    check("FailureReason" not in d and d["Specification"]["Container"]["Environment"] == {"B": "2"}, f"IC update after failure {d}")
    check([c["InferenceComponentName"] for c in sm.list_inference_components(EndpointNameEquals=endpoint)["InferenceComponents"]] == [name], "ListInferenceComponents")
    sm.delete_inference_component(InferenceComponentName=name)
    seen = wait_gone(lambda: sm.describe_inference_component(InferenceComponentName=name), "InferenceComponentStatus", "ValidationException", f'Could not find inference component "{ic_arn}".', name)
    check(seen in ([], ["Deleting"]), f"deleting IC {seen}")
    sm.delete_endpoint(EndpointName=endpoint)


def cross_account(sm: Any, other: Any, s: str) -> None:
    """Another account (STS AssumeRole) has its own resources of these kinds."""
    name = f"shared-{s}"
    mine = sm.create_model_package_group(ModelPackageGroupName=name)["ModelPackageGroupArn"]
    theirs = other.create_model_package_group(ModelPackageGroupName=name)["ModelPackageGroupArn"]
    check(mine == arn("model-package-group", name) and theirs == arn("model-package-group", name, OTHER_ACCOUNT), f"per-account ARNs {mine} {theirs}")
    only_theirs = f"theirs-{s}"
    other.create_project(ProjectName=only_theirs)
    expect_error(lambda: sm.describe_project(ProjectName=only_theirs), "ValidationException", f"Project {only_theirs} does not exist.", "other account's project")
    check(other.list_tags(ResourceArn=theirs)["Tags"] == [], "other account's tags")


def main() -> None:
    endpoint = sys.argv[1] if len(sys.argv) > 1 else os.environ["MOTO_ENDPOINT"]
    s = uuid.uuid4().hex[:8]
    groups = [
        hyper_parameter_tuning,
        transform,
        processing,
        labeling,
        monitoring_schedule,
        studio,
        registry,
        project,
        pipelines,
        notebooks,
        feature_group,
        inference_components,
    ]
    # Clients are made here: creating boto3 clients is not thread-safe, using them is.
    clients = [client(endpoint) for _ in groups]
    sts = client(endpoint, "sts")
    creds = sts.assume_role(RoleArn=f"arn:aws:iam::{OTHER_ACCOUNT}:role/x", RoleSessionName="smoke")["Credentials"]
    cross = (client(endpoint), client(endpoint, key=creds["AccessKeyId"], secret=creds["SecretAccessKey"], token=creds["SessionToken"]))
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=len(groups) + 1) as pool:
        futures = [pool.submit(group, sm, s) for group, sm in zip(groups, clients)]
        futures.append(pool.submit(cross_account, *cross, s))
        for future in futures:
            try:
                future.result()
            except SystemExit as e:  # report now, without waiting for the other threads
                print(e, file=sys.stderr, flush=True)
                os._exit(1)
            except Exception:
                traceback.print_exc()
                os._exit(1)
    print(f"moto generic smoke: {CHECKS} passed, 0 failed ({SKIPPED} timing checks skipped, {time.monotonic() - started:.1f}s)")


if __name__ == "__main__":
    main()

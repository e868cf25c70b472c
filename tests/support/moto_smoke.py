#!/usr/bin/env python3
"""Smoke test of tests/support/moto_sagemaker.py through the real AWS client (boto3).

    python tests/support/moto_smoke.py http://127.0.0.1:PORT

SIM_STEP_SECONDS must match the server's (default 1.0). Job names get a random suffix, so
it can run again against the same server. Exits non-zero with a message on the first
mismatch; prints "moto smoke: N passed, 0 failed" at the end.
"""

from __future__ import annotations

import os
import sys
import time
import uuid

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

STEP = float(os.environ.get("SIM_STEP_SECONDS", "1.0"))
REGION = "us-east-1"
OTHER_ACCOUNT = "111111111111"
CHECKS = 0


def check(cond: bool, what: str) -> None:
    global CHECKS
    if not cond:
        raise SystemExit(f"moto smoke FAILED: {what}")
    CHECKS += 1


def client(endpoint: str, service: str, **creds: str):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=creds.get("key", "testing"),
        aws_secret_access_key=creds.get("secret", "testing"),
        aws_session_token=creds.get("token"),
        config=Config(retries={"max_attempts": 1, "mode": "standard"}),
    )


def job_request(name: str, env: dict[str, str] | None = None) -> dict:
    req = {
        "TrainingJobName": name,
        "AlgorithmSpecification": {
            "TrainingImage": "433757028032.dkr.ecr.us-east-1.amazonaws.com/xgboost:1",
            "TrainingInputMode": "File",
        },
        "RoleArn": "arn:aws:iam::123456789012:role/sagemaker",
        "HyperParameters": {"num_round": "10"},
        "InputDataConfig": [
            {
                "ChannelName": "train",
                "DataSource": {
                    "S3DataSource": {
                        "S3DataType": "S3Prefix",
                        "S3Uri": "s3://bucket/train/",
                        "S3DataDistributionType": "FullyReplicated",
                    }
                },
            }
        ],
        "OutputDataConfig": {"S3OutputPath": "s3://bucket/output"},
        "ResourceConfig": {
            "InstanceType": "ml.m5.large",
            "InstanceCount": 1,
            "VolumeSizeInGB": 5,
        },
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
    }
    if env:
        req["Environment"] = env
    return req


def expect_error(fn, code: str, message_prefix: str, status: int = 400) -> None:
    try:
        fn()
    except ClientError as e:
        err = e.response["Error"]
        got_status = e.response["ResponseMetadata"]["HTTPStatusCode"]
        check(
            err["Code"] == code and err["Message"].startswith(message_prefix) and got_status == status,
            f"expected {code} {status} {message_prefix!r}, got {err['Code']} {got_status} {err['Message']!r}",
        )
        return
    raise SystemExit(f"moto smoke FAILED: expected {code}, call succeeded")


def wait_for(sm, name: str, statuses: set[str], timeout_steps: float = 12) -> tuple[dict, list[str]]:
    """Polls until TrainingJobStatus is in `statuses`; returns the last describe and the
    sequence of distinct (Status/SecondaryStatus) seen."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout_steps * STEP + 10
    while True:
        d = sm.describe_training_job(TrainingJobName=name)
        pair = f"{d['TrainingJobStatus']}/{d['SecondaryStatus']}"
        if not seen or seen[-1] != pair:
            seen.append(pair)
        if d["TrainingJobStatus"] in statuses:
            return d, seen
        if time.monotonic() > deadline:
            raise SystemExit(f"moto smoke FAILED: {name} stuck, seen {seen}")
        time.sleep(STEP / 5)


def main() -> None:
    endpoint = sys.argv[1] if len(sys.argv) > 1 else os.environ["MOTO_ENDPOINT"]
    sm = client(endpoint, "sagemaker")
    suffix = uuid.uuid4().hex[:8]
    done, stopped, failing = f"done-{suffix}", f"stop-{suffix}", f"fail-{suffix}"

    # Creation: InProgress/Starting, nothing final yet.
    started = time.monotonic()
    arn = sm.create_training_job(**job_request(done))["TrainingJobArn"]
    d = sm.describe_training_job(TrainingJobName=done)
    fresh = time.monotonic() - started < STEP  # a slow machine may already be past Starting
    check(d["TrainingJobStatus"] == "InProgress", f"new job status {d['TrainingJobStatus']}")
    check(d["SecondaryStatus"] == "Starting" or not fresh, f"new job secondary {d['SecondaryStatus']}")
    sm.create_training_job(**job_request(stopped))
    sm.create_training_job(**job_request(failing, {"SIM_FAIL_REASON": "AlgorithmError: boom", "A": "1"}))
    check("ModelArtifacts" not in d and "TrainingEndTime" not in d, f"new job has final fields: {d}")
    listed = sm.list_training_jobs(StatusEquals="InProgress")["TrainingJobSummaries"]
    check(done in {s["TrainingJobName"] for s in listed}, "ListTrainingJobs(InProgress) misses the new job")

    # Duplicate create: ResourceInUse, nothing overwritten.
    expect_error(
        lambda: sm.create_training_job(**job_request(done)),
        "ResourceInUse",
        f"Training job names must be unique within an AWS account and region, and a training job with this name already exists ({arn})",
    )

    # Stop while in progress: Stopping, then Stopped one step later.
    time.sleep(STEP * 1.5)
    stop_sent = time.monotonic()
    sm.stop_training_job(TrainingJobName=stopped)
    d = sm.describe_training_job(TrainingJobName=stopped)
    if time.monotonic() - stop_sent < STEP:  # else a slow machine may already see Stopped
        check(d["TrainingJobStatus"] == "Stopping" and d["SecondaryStatus"] == "Stopping", f"after stop: {d['TrainingJobStatus']}/{d['SecondaryStatus']}")
    expect_error(
        lambda: sm.stop_training_job(TrainingJobName=stopped),
        "ValidationException",
        "The request was rejected because the training job is in status Stop",
    )
    d, seen = wait_for(sm, stopped, {"Stopped"})
    check(d["SecondaryStatus"] == "Stopped", f"stopped secondary {d['SecondaryStatus']}")
    check("TrainingEndTime" in d, "stopped job without TrainingEndTime")
    check([t["Status"] for t in d["SecondaryStatusTransitions"]][-2:] == ["Stopping", "Stopped"], f"stopped transitions {d['SecondaryStatusTransitions']}")

    # Natural completion through every secondary status.
    d, seen = wait_for(sm, done, {"Completed", "Failed", "Stopped"})
    check(d["TrainingJobStatus"] == "Completed" and d["SecondaryStatus"] == "Completed", f"final {seen}")
    expected = ["Starting", "LaunchingMLInstances", "Downloading", "Training", "Uploading", "Completed"]
    check([t["Status"] for t in d["SecondaryStatusTransitions"]] == expected, f"transitions {d['SecondaryStatusTransitions']}")
    check(all("EndTime" in t for t in d["SecondaryStatusTransitions"]), "finished transition without EndTime")
    secondaries = [p.split("/")[1] for p in seen]
    check(secondaries == sorted(secondaries, key=expected.index), f"secondary statuses out of order: {seen}")
    check(d["ModelArtifacts"]["S3ModelArtifacts"] == f"s3://bucket/output/{done}/output/model.tar.gz", f"artifacts {d.get('ModelArtifacts')}")
    check(d["CreationTime"] <= d["TrainingStartTime"] < d["TrainingEndTime"], "times out of order")
    check(d["TrainingTimeInSeconds"] >= 1 and d["BillableTimeInSeconds"] >= 1, "training time missing")

    # Stop a finished job, an unknown job; describe an unknown job.
    expect_error(
        lambda: sm.stop_training_job(TrainingJobName=done),
        "ValidationException",
        "The request was rejected because the training job is in status Completed.",
    )
    expect_error(lambda: sm.stop_training_job(TrainingJobName=f"nope-{suffix}"), "ValidationException", "Requested resource not found.")
    expect_error(lambda: sm.describe_training_job(TrainingJobName=f"nope-{suffix}"), "ValidationException", "Requested resource not found")

    # SIM_FAIL_REASON: Failed with that reason; Environment echoed like the real service.
    d, seen = wait_for(sm, failing, {"Completed", "Failed", "Stopped"})
    check(d["TrainingJobStatus"] == "Failed" and d["SecondaryStatus"] == "Failed", f"failing job {seen}")
    check(d.get("FailureReason") == "AlgorithmError: boom", f"failure reason {d.get('FailureReason')}")
    check(d.get("Environment") == {"SIM_FAIL_REASON": "AlgorithmError: boom", "A": "1"}, f"environment {d.get('Environment')}")
    check("ModelArtifacts" not in d, "failed job has ModelArtifacts")

    # Cross-account: AssumeRole into another account; its jobs are separate.
    sts = client(endpoint, "sts")
    creds = sts.assume_role(RoleArn=f"arn:aws:iam::{OTHER_ACCOUNT}:role/x", RoleSessionName="smoke")["Credentials"]
    other = client(endpoint, "sagemaker", key=creds["AccessKeyId"], secret=creds["SecretAccessKey"], token=creds["SessionToken"])
    other_arn = other.create_training_job(**job_request(done))["TrainingJobArn"]
    check(f":{OTHER_ACCOUNT}:" in other_arn, f"other account ARN {other_arn}")
    check(other.describe_training_job(TrainingJobName=done)["TrainingJobStatus"] == "InProgress", "other account job not fresh")
    check(sm.describe_training_job(TrainingJobName=done)["TrainingJobStatus"] == "Completed", "default account job changed")
    only_other = f"other-{suffix}"
    other.create_training_job(**job_request(only_other))
    expect_error(lambda: sm.describe_training_job(TrainingJobName=only_other), "ValidationException", "Requested resource not found")

    print(f"moto smoke: {CHECKS} passed, 0 failed")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Smoke test of tests/support/moto_sagemaker.py through the real AWS client (boto3).

    python tests/support/moto_smoke.py http://127.0.0.1:PORT

Covers the TrainingJob timeline and, in a second thread at the same time so the run stays
short (about 8 steps of SIM_STEP_SECONDS), the hosting + autoscaling flow (Model,
EndpointConfig, Endpoint create/update/rollback/delete, ScalableTarget, ScalingPolicy).

SIM_STEP_SECONDS must match the server's (default 1.0). Names get a random suffix, so
it can run again against the same server. Exits non-zero with a message on the first
mismatch; prints "moto smoke: N passed, 0 failed" at the end.
"""

from __future__ import annotations

import os
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

STEP = float(os.environ.get("SIM_STEP_SECONDS", "1.0"))
REGION = "us-east-1"
OTHER_ACCOUNT = "111111111111"
CHECKS = 0
_CHECKS_LOCK = threading.Lock()


def check(cond: bool, what: str) -> None:
    global CHECKS
    if not cond:
        raise SystemExit(f"moto smoke FAILED: {what}")
    with _CHECKS_LOCK:
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


def poll(fetch, label, done, timeout_steps: float = 12, what: str = "") -> tuple[dict, list[str]]:
    """Polls `fetch()` until `done(status)`; `label(d)` is the status shown. Returns the last
    answer and the sequence of distinct statuses seen."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout_steps * STEP + 10
    while True:
        d = fetch()
        status = label(d)
        if not seen or seen[-1] != status:
            seen.append(status)
        if done(status):
            return d, seen
        if time.monotonic() > deadline:
            raise SystemExit(f"moto smoke FAILED: {what} stuck, seen {seen}")
        time.sleep(STEP / 5)


def wait_for(sm, name: str, statuses: set[str], timeout_steps: float = 12) -> tuple[dict, list[str]]:
    """Polls until TrainingJobStatus is in `statuses`; returns the last describe and the
    sequence of distinct (Status/SecondaryStatus) seen."""
    return poll(
        lambda: sm.describe_training_job(TrainingJobName=name),
        lambda d: f"{d['TrainingJobStatus']}/{d['SecondaryStatus']}",
        lambda pair: pair.split("/")[0] in statuses,
        timeout_steps,
        name,
    )


def wait_endpoint(sm, name: str, statuses: set[str], timeout_steps: float = 8) -> tuple[dict, list[str]]:
    """Polls until EndpointStatus is in `statuses`; returns the last describe and the
    distinct statuses seen."""
    return poll(
        lambda: sm.describe_endpoint(EndpointName=name),
        lambda d: d["EndpointStatus"],
        lambda status: status in statuses,
        timeout_steps,
        name,
    )


def wait_endpoint_gone(sm, name: str, arn: str, timeout_steps: float = 6) -> list[str]:
    """Polls until DescribeEndpoint says not found; returns the statuses seen before."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout_steps * STEP + 10
    while True:
        try:
            status = sm.describe_endpoint(EndpointName=name)["EndpointStatus"]
        except ClientError as e:
            err = e.response["Error"]
            check(err["Code"] == "ValidationException" and err["Message"] == f'Could not find endpoint "{arn}".', f"deleted endpoint: {err}")
            return seen
        if not seen or seen[-1] != status:
            seen.append(status)
        if time.monotonic() > deadline:
            raise SystemExit(f"moto smoke FAILED: {name} not deleted, seen {seen}")
        time.sleep(STEP / 5)


def fresh(started: float, steps: float = 1) -> bool:
    """True while an operation begun at `started` is surely still in its first `steps`
    steps (with a margin for the request about to be made)."""
    return time.monotonic() - started < (steps - 0.3) * STEP


def arn(kind: str, name: str, account: str = "123456789012") -> str:
    return f"arn:aws:sagemaker:{REGION}:{account}:{kind}/{name}"


FAIL_TAG = "sagemaker-simulator/fail-reason"
DIM = "sagemaker:variant:DesiredInstanceCount"
SLR = (
    "arn:aws:iam::123456789012:role/aws-service-role/sagemaker.application-autoscaling.amazonaws.com/"
    "AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint"
)


def config_request(name: str, model: str, count: int, fail: str | None = None) -> dict:
    req = {
        "EndpointConfigName": name,
        "ProductionVariants": [
            {"VariantName": "AllTraffic", "ModelName": model, "InstanceType": "ml.c5.large", "InitialInstanceCount": count}
        ],
    }
    if fail is not None:
        req["Tags"] = [{"Key": FAIL_TAG, "Value": fail}]
    return req


def hosting_start(sm, suffix: str) -> dict:
    """Model, configs and endpoints, and the checks that need them fresh."""
    model, ep, ep_bad = f"model-{suffix}", f"ep-{suffix}", f"ep-bad-{suffix}"
    c1, c2, c_fail = f"cfg1-{suffix}", f"cfg2-{suffix}", f"cfg-fail-{suffix}"
    model_req = {
        "ModelName": model,
        "PrimaryContainer": {"Image": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.2-1", "ModelDataUrl": "s3://bucket/output/model.tar.gz"},
        "ExecutionRoleArn": "arn:aws:iam::123456789012:role/sagemaker",
    }
    check(sm.create_model(**model_req)["ModelArn"] == arn("model", model), "model ARN")
    expect_error(lambda: sm.create_model(**model_req), "ValidationException", f'Cannot create already existing model "{arn("model", model)}".')
    d = sm.describe_model(ModelName=model)
    check("Containers" not in d and "VpcConfig" not in d and d["EnableNetworkIsolation"] is False, f"model describe {d}")

    # Configs: references checked, duplicates refused.
    sm.create_endpoint_config(**config_request(c1, model, 1))
    sm.create_endpoint_config(**config_request(c2, model, 2))
    sm.create_endpoint_config(**config_request(c_fail, model, 1, "ClientError: container failed ping health check"))
    expect_error(lambda: sm.create_endpoint_config(**config_request(c1, model, 1)), "ValidationException", f'Cannot create already existing endpoint configuration "{arn("endpoint-config", c1)}".')
    missing = f"no-model-{suffix}"
    expect_error(lambda: sm.create_endpoint_config(**config_request(f"cfg-x-{suffix}", missing, 1)), "ValidationException", f'Could not find model "{arn("model", missing)}".')
    expect_error(lambda: sm.describe_endpoint_config(EndpointConfigName=f"cfg-x-{suffix}"), "ValidationException", f'Could not find endpoint configuration "{arn("endpoint-config", f"cfg-x-{suffix}")}".')
    d = sm.describe_endpoint_config(EndpointConfigName=c1)
    check(d["ProductionVariants"][0]["InitialInstanceCount"] == 1 and "DataCaptureConfig" not in d, f"config describe {d}")

    # Endpoints: Creating first; nothing may be done to it meanwhile.
    started = time.monotonic()
    ep_arn = sm.create_endpoint(EndpointName=ep, EndpointConfigName=c1)["EndpointArn"]
    d = sm.describe_endpoint(EndpointName=ep)
    # Each check only while the step surely lasts: a slow machine may be past it.
    if fresh(started):
        check(d["EndpointStatus"] == "Creating" and "ProductionVariants" not in d, f"new endpoint {d}")
    if fresh(started):
        expect_error(lambda: sm.delete_endpoint(EndpointName=ep), "ValidationException", f'Cannot update in-progress endpoint "{ep_arn}".')
    if fresh(started):
        expect_error(lambda: sm.update_endpoint(EndpointName=ep, EndpointConfigName=c2), "ValidationException", f'Cannot update in-progress endpoint "{ep_arn}".')
    if fresh(started):
        listed = sm.list_endpoints(StatusEquals="Creating")["Endpoints"]
        check(ep in {e["EndpointName"] for e in listed}, "ListEndpoints(Creating) misses the new endpoint")
    sm.create_endpoint(EndpointName=ep_bad, EndpointConfigName=c_fail)
    expect_error(lambda: sm.create_endpoint(EndpointName=ep, EndpointConfigName=c1), "ValidationException", f'Cannot create already existing endpoint "{ep_arn}".')
    nope = f"nope-{suffix}"
    expect_error(lambda: sm.create_endpoint(EndpointName=nope, EndpointConfigName=nope), "ValidationException", f'Could not find endpoint configuration "{arn("endpoint-config", nope)}".')
    expect_error(lambda: sm.update_endpoint(EndpointName=ep, EndpointConfigName=nope), "ValidationException", f'Could not find endpoint configuration "{arn("endpoint-config", nope)}".')
    expect_error(lambda: sm.update_endpoint(EndpointName=nope, EndpointConfigName=c1), "ValidationException", f'Could not find endpoint "{arn("endpoint", nope)}".')
    for call in (sm.describe_endpoint, sm.delete_endpoint):
        expect_error(lambda: call(EndpointName=nope), "ValidationException", f'Could not find endpoint "{arn("endpoint", nope)}".')
    for call in (sm.describe_model, sm.delete_model):
        expect_error(lambda: call(ModelName=nope), "ValidationException", f'Could not find model "{arn("model", nope)}".')
    for call in (sm.describe_endpoint_config, sm.delete_endpoint_config):
        expect_error(lambda: call(EndpointConfigName=nope), "ValidationException", f'Could not find endpoint configuration "{arn("endpoint-config", nope)}".')
    return {"model": model, "ep": ep, "ep_arn": ep_arn, "ep_bad": ep_bad, "c1": c1, "c2": c2, "c_fail": c_fail}


def hosting(sm, aas, cw, suffix: str) -> None:
    """The hosting + autoscaling flow of the ACK tutorial, with the failure paths."""
    hosting_finish(sm, aas, cw, hosting_start(sm, suffix))


def hosting_finish(sm, aas, cw, h: dict) -> None:
    ep, ep_arn, c1, c2, c_fail = h["ep"], h["ep_arn"], h["c1"], h["c2"], h["c_fail"]

    # Creation ended: InService with the config's variants; the failing config -> Failed.
    d, seen = wait_endpoint(sm, ep, {"InService", "Failed"})
    check(d["EndpointStatus"] == "InService" and seen[-1] == "InService", f"endpoint {seen}")
    variant = d["ProductionVariants"][0]
    check(
        variant["VariantName"] == "AllTraffic" and variant["CurrentInstanceCount"] == variant["DesiredInstanceCount"] == 1
        and variant["CurrentWeight"] == variant["DesiredWeight"] == 1.0,
        f"variants {d['ProductionVariants']}",
    )
    check("FailureReason" not in d and d["EndpointConfigName"] == c1, f"endpoint {d}")
    d, seen = wait_endpoint(sm, h["ep_bad"], {"InService", "Failed"})
    check(d["EndpointStatus"] == "Failed" and d.get("FailureReason") == "ClientError: container failed ping health check", f"failing endpoint {d}")
    bad_arn = d["EndpointArn"]
    expect_error(lambda: sm.update_endpoint(EndpointName=h["ep_bad"], EndpointConfigName=c1), "ValidationException", f'Cannot update failed endpoint "{bad_arn}".')
    sm.delete_endpoint(EndpointName=h["ep_bad"])  # a Failed endpoint may be deleted

    # Autoscaling: the policy needs the target; target upserts; tags; the alarms.
    rid = f"endpoint/{ep}/variant/AllTraffic"
    policy = {
        "PolicyName": f"pol-{ep}", "ServiceNamespace": "sagemaker", "ResourceId": rid, "ScalableDimension": DIM,
        "PolicyType": "TargetTrackingScaling",
        "TargetTrackingScalingPolicyConfiguration": {
            "TargetValue": 60.0, "ScaleInCooldown": 700, "ScaleOutCooldown": 300,
            "PredefinedMetricSpecification": {"PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"},
        },
    }
    expect_error(lambda: aas.put_scaling_policy(**policy), "ObjectNotFoundException", f"No scalable target registered for service namespace: sagemaker, resource ID: {rid}, scalable dimension: {DIM}")
    target = {"ServiceNamespace": "sagemaker", "ResourceId": rid, "ScalableDimension": DIM}
    target_arn = aas.register_scalable_target(**target, MinCapacity=1, MaxCapacity=20, Tags={"team": "ml"})["ScalableTargetARN"]
    check(aas.register_scalable_target(**target, MaxCapacity=10)["ScalableTargetARN"] == target_arn, "re-registering changed the target ARN")
    targets = aas.describe_scalable_targets(ServiceNamespace="sagemaker", ResourceIds=[rid])["ScalableTargets"]
    check(len(targets) == 1 and (targets[0]["MinCapacity"], targets[0]["MaxCapacity"]) == (1, 10), f"targets {targets}")
    check(targets[0]["RoleARN"] == SLR and targets[0]["SuspendedState"] == {"DynamicScalingInSuspended": False, "DynamicScalingOutSuspended": False, "ScheduledScalingSuspended": False}, f"target {targets[0]}")
    check(aas.list_tags_for_resource(ResourceARN=target_arn)["Tags"] == {"team": "ml"}, "target tags")
    aas.tag_resource(ResourceARN=target_arn, Tags={"env": "test"})
    aas.untag_resource(ResourceARN=target_arn, TagKeys=["team"])
    check(aas.list_tags_for_resource(ResourceARN=target_arn)["Tags"] == {"env": "test"}, "target tags after tag/untag")
    expect_error(lambda: aas.list_tags_for_resource(ResourceARN=target_arn + "x"), "ResourceNotFoundException", "")

    put = aas.put_scaling_policy(**policy)
    names = sorted(a["AlarmName"] for a in put["Alarms"])
    check(len(names) == 2 and names[0].startswith(f"TargetTracking-{rid}-AlarmHigh-") and names[1].startswith(f"TargetTracking-{rid}-AlarmLow-"), f"alarms {names}")
    policy["TargetTrackingScalingPolicyConfiguration"]["TargetValue"] = 70.0
    again = aas.put_scaling_policy(**policy)  # an update: same ARN, alarms replaced
    check(again["PolicyARN"] == put["PolicyARN"] and len(again["Alarms"]) == 2, f"policy update {again}")
    alarms = cw.describe_alarms(AlarmNamePrefix=f"TargetTracking-{rid}-")["MetricAlarms"]
    check(sorted(a["AlarmName"] for a in alarms) == sorted(a["AlarmName"] for a in again["Alarms"]), f"cloudwatch alarms {[a['AlarmName'] for a in alarms]}")
    found = aas.describe_scaling_policies(ServiceNamespace="sagemaker", ResourceId=rid, PolicyNames=[policy["PolicyName"]])["ScalingPolicies"]
    check(len(found) == 1 and found[0]["TargetTrackingScalingPolicyConfiguration"]["TargetValue"] == 70.0 and len(found[0]["Alarms"]) == 2, f"policies {found}")
    check(aas.describe_scaling_policies(ServiceNamespace="sagemaker", PolicyNames=["other"])["ScalingPolicies"] == [], "PolicyNames filter ignored")

    # "Autoscaling" moves the variant to 3 instances (one Updating step).
    sm.update_endpoint_weights_and_capacities(EndpointName=ep, DesiredWeightsAndCapacities=[{"VariantName": "AllTraffic", "DesiredInstanceCount": 3}])
    d, seen = wait_endpoint(sm, ep, {"InService"})
    check(d["ProductionVariants"][0]["CurrentInstanceCount"] == 3 and d["ProductionVariants"][0]["CurrentWeight"] == 1.0, f"after scaling {d['ProductionVariants']}")

    # An update that fails: Updating, RollingBack, then InService on the old config.
    deployment = {"RollingUpdatePolicy": {"MaximumBatchSize": {"Type": "CAPACITY_PERCENT", "Value": 50}, "WaitIntervalInSeconds": 60}}
    started = time.monotonic()
    check(sm.update_endpoint(EndpointName=ep, EndpointConfigName=c_fail, RetainAllVariantProperties=True, DeploymentConfig=deployment)["EndpointArn"] == ep_arn, "UpdateEndpoint answer")
    d = sm.describe_endpoint(EndpointName=ep)
    if fresh(started):
        check(d["EndpointStatus"] == "Updating" and d["EndpointConfigName"] == c1, f"updating {d}")
        pending = d["PendingDeploymentSummary"]
        check(pending["EndpointConfigName"] == c_fail and pending["ProductionVariants"][0]["DesiredInstanceCount"] == 3, f"pending {pending}")
    if fresh(started, 2):  # Updating, then RollingBack
        expect_error(lambda: sm.update_endpoint(EndpointName=ep, EndpointConfigName=c2), "ValidationException", f'Cannot update in-progress endpoint "{ep_arn}".')
    check(d["LastDeploymentConfig"] == deployment, f"LastDeploymentConfig {d.get('LastDeploymentConfig')}")
    d, seen = wait_endpoint(sm, ep, {"InService"})
    check(seen[-2:] == ["RollingBack", "InService"] and set(seen) <= {"Updating", "RollingBack", "InService"}, f"failed update {seen}")
    check(d["EndpointConfigName"] == c1 and d.get("FailureReason") == "ClientError: container failed ping health check", f"rolled back {d}")
    check(d["ProductionVariants"][0]["CurrentInstanceCount"] == 3 and "PendingDeploymentSummary" not in d, f"rolled back variants {d}")

    # An update that succeeds, keeping the autoscaled count: FailureReason cleared.
    started = time.monotonic()
    sm.update_endpoint(EndpointName=ep, EndpointConfigName=c2, RetainAllVariantProperties=True, RetainDeploymentConfig=True)
    d = sm.describe_endpoint(EndpointName=ep)
    if fresh(started):  # the old failure stays visible until the update succeeds
        check(d["EndpointStatus"] == "Updating" and "FailureReason" in d, f"updating again {d}")
    d, seen = poll(lambda: sm.describe_endpoint(EndpointName=ep), lambda d: f"{d['EndpointStatus']}/{d['EndpointConfigName']}", lambda s: s == f"InService/{c2}", what=ep)
    check("FailureReason" not in d and d["LastDeploymentConfig"] == deployment, f"updated {d}")
    check(d["ProductionVariants"][0]["CurrentInstanceCount"] == d["ProductionVariants"][0]["DesiredInstanceCount"] == 3, f"retained variants {d['ProductionVariants']}")
    # Without RetainAllVariantProperties the counts come from the new config.
    sm.update_endpoint(EndpointName=ep, EndpointConfigName=c1)
    d, seen = poll(lambda: sm.describe_endpoint(EndpointName=ep), lambda d: f"{d['EndpointStatus']}/{d['EndpointConfigName']}", lambda s: s == f"InService/{c1}", what=ep)
    check(d["ProductionVariants"][0]["CurrentInstanceCount"] == 1 and "LastDeploymentConfig" not in d, f"not retained {d}")

    # Deregistering the target deletes its policies and their alarms.
    aas.deregister_scalable_target(**target)
    check(aas.describe_scaling_policies(ServiceNamespace="sagemaker", ResourceId=rid)["ScalingPolicies"] == [], "policies survive their target")
    check(cw.describe_alarms(AlarmNamePrefix=f"TargetTracking-{rid}-")["MetricAlarms"] == [], "alarms survive their policy")
    expect_error(lambda: aas.deregister_scalable_target(**target), "ObjectNotFoundException", f"No scalable target found for service namespace: sagemaker, resource ID: {rid}")
    expect_error(lambda: aas.delete_scaling_policy(PolicyName=policy["PolicyName"], **target), "ObjectNotFoundException", "No scaling policy found for service namespace: sagemaker")

    # Delete: Deleting for a step, then gone, its scalable targets with it; model and
    # configs go at once.
    aas.register_scalable_target(**target, MinCapacity=1, MaxCapacity=2)
    aas.put_scaling_policy(**policy)
    started = time.monotonic()
    sm.delete_endpoint(EndpointName=ep)
    d = sm.describe_endpoint(EndpointName=ep)
    if fresh(started):
        check(d["EndpointStatus"] == "Deleting", f"deleting {d['EndpointStatus']}")
    if fresh(started):
        expect_error(lambda: sm.delete_endpoint(EndpointName=ep), "ValidationException", f'Cannot update in-progress endpoint "{ep_arn}".')
    wait_endpoint_gone(sm, ep, ep_arn)
    wait_endpoint_gone(sm, h["ep_bad"], bad_arn)
    check(ep not in {e["EndpointName"] for e in sm.list_endpoints()["Endpoints"]}, "deleted endpoint listed")
    check(aas.describe_scalable_targets(ServiceNamespace="sagemaker", ResourceIds=[rid])["ScalableTargets"] == [], "target survives its endpoint")
    check(aas.describe_scaling_policies(ServiceNamespace="sagemaker", ResourceId=rid)["ScalingPolicies"] == [], "policy survives its endpoint")
    check(cw.describe_alarms(AlarmNamePrefix=f"TargetTracking-{rid}-")["MetricAlarms"] == [], "alarms survive their endpoint")
    for name in (c1, c2, c_fail):
        sm.delete_endpoint_config(EndpointConfigName=name)
    sm.delete_model(ModelName=h["model"])
    expect_error(lambda: sm.describe_endpoint_config(EndpointConfigName=c1), "ValidationException", f'Could not find endpoint configuration "{arn("endpoint-config", c1)}".')
    expect_error(lambda: sm.delete_model(ModelName=h["model"]), "ValidationException", f'Could not find model "{arn("model", h["model"])}".')


def training(endpoint: str, sm, suffix: str) -> None:
    """The TrainingJob timeline, stop, failure and cross-account checks."""
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


def main() -> None:
    endpoint = sys.argv[1] if len(sys.argv) > 1 else os.environ["MOTO_ENDPOINT"]
    suffix = uuid.uuid4().hex[:8]
    # Clients are made here: creating boto3 clients is not thread-safe, using them is.
    sm = client(endpoint, "sagemaker")
    hosting_clients = [client(endpoint, s) for s in ("sagemaker", "application-autoscaling", "cloudwatch")]
    pool = ThreadPoolExecutor(max_workers=1)
    hosted = pool.submit(hosting, *hosting_clients, suffix)
    try:
        training(endpoint, sm, suffix)
    except SystemExit as e:  # report now, without waiting for the hosting thread
        print(e, file=sys.stderr, flush=True)
        os._exit(1)
    hosted.result()  # re-raises the hosting thread's failure (SystemExit included)
    pool.shutdown()
    print(f"moto smoke: {CHECKS} passed, 0 failed")


if __name__ == "__main__":
    main()

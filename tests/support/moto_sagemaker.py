#!/usr/bin/env python3
"""moto server with SageMaker and Application Auto Scaling behaving more like the real services.

Usage (same arguments as `moto_server`):

    python tests/support/moto_sagemaker.py -H 127.0.0.1 -p PORT

It patches moto 5.2.5 in-process, then runs `moto.server.main(argv)`. Stock moto creates
every job `Completed` and every endpoint `InService` and never moves them; here each
simulated SageMaker kind (see `KINDS` near the bottom) gets:

  * status progression by wall clock, one phase per step of `SIM_STEP_SECONDS` seconds
    (float, default 1.0), computed lazily on each Describe/List/Stop/Update/Delete call;
  * duplicate Create<Kind> refused instead of silently overwriting;
  * Describe/Delete of an unknown name answered with the real service's error;
  * references checked at create (an endpoint config's models, an endpoint's config);
  * request members moto drops (e.g. TrainingJob `Environment`, `RetryStrategy`, Model
    `InferenceExecutionConfig`) stored and echoed by Describe<Kind> when they belong to its
    output shape; for Model/EndpointConfig/Endpoint, empty members moto invents but the
    real service omits (`Containers: []`, `VpcConfig: {}`, `DataCaptureConfig: {}`) dropped.

All errors below are ValidationException, HTTP 400, unless said otherwise. <arn> is the ARN
the name would have (arn:aws:sagemaker:<region>:<account>:model/<name>, ...).

TrainingJob (s = SIM_STEP_SECONDS, t = time since CreateTrainingJob):
    [0s,1s) InProgress/Starting        [1s,2s) InProgress/LaunchingMLInstances
    [2s,3s) InProgress/Downloading     [3s,4s) InProgress/Training
    [4s,5s) InProgress/Uploading       >= 5s   Completed/Completed (+ ModelArtifacts)
  If Environment has SIM_FAIL_REASON, the job fails at the end of the Training phase
  (t >= 4s): Failed/Failed with FailureReason = that value.
  StopTrainingJob at time T (while InProgress): Stopping/Stopping until T+1s, then
  Stopped/Stopped. Stop of a finished job: "The request was rejected because the training
  job is in status Completed."; unknown job (Describe/Stop): "Requested resource not
  found."; duplicate create: ResourceInUse "Training job names must be unique within an
  AWS account and region, and a training job with this name already exists (<arn>)".

Model and EndpointConfig (no status; DeleteModel/DeleteEndpointConfig are immediate):
  duplicate create   'Cannot create already existing model "<arn>".'
                     'Cannot create already existing endpoint configuration "<arn>".'
  unknown name       'Could not find model "<arn>".'                  (Describe, Delete)
                     'Could not find endpoint configuration "<arn>".' (Describe, Delete)
  CreateEndpointConfig naming a model that does not exist: 'Could not find model "<arn>".'
  A config tagged `sagemaker-simulator/fail-reason` (value = a reason) makes every
  deployment of it fail with FailureReason = that value (see Endpoint). The tag is read
  when CreateEndpoint/UpdateEndpoint is called, so AddTags after creation works too.

Endpoint (t = time since the call that started the operation):
  CreateEndpoint        [0s,1s) Creating (no ProductionVariants yet)
                        >= 1s   InService, ProductionVariants from the config:
                                Current/DesiredInstanceCount = InitialInstanceCount,
                                Current/DesiredWeight = InitialVariantWeight (default 1.0)
                        fail tag: >= 1s Failed, FailureReason = tag value
  UpdateEndpoint        [0s,1s) Updating (old config and variants still serving;
                                PendingDeploymentSummary describes the new config)
                        >= 1s   InService, EndpointConfigName = new config, variants from
                                it, FailureReason cleared
                        fail tag: [1s,2s) RollingBack, >= 2s InService with the OLD config
                                and variants kept, FailureReason = tag value (what
                                SageMaker does when an update fails)
    RetainAllVariantProperties=true keeps Current/DesiredInstanceCount and
    Current/DesiredWeight of variants present in old and new config (autoscaled capacity
    survives), minus the ExcludeRetainedVariantProperties types. LastDeploymentConfig =
    DeploymentConfig when given (also at create), kept with RetainDeploymentConfig=true,
    else cleared. Only an InService endpoint may be updated:
        Failed:          'Cannot update failed endpoint "<arn>".'
        any other state: 'Cannot update in-progress endpoint "<arn>".'
    Unknown config: 'Could not find endpoint configuration "<arn>".'
  UpdateEndpointWeightsAndCapacities: same state rule; Updating for 1s, then InService
    (moto's version also set weights to null when only a count was given).
  DeleteEndpoint        [0s,1s) Deleting, then gone (Describe -> not found), and its
                        variants' scalable targets deregistered (with their policies),
                        as the SageMaker developer guide says AAS does.
    Allowed from InService, Failed, OutOfService, UpdateRollbackFailed; otherwise
    'Cannot update in-progress endpoint "<arn>".' (sic: SageMaker says "update" here too).
  unknown endpoint 'Could not find endpoint "<arn>".' (Describe, Update, Delete, ...)
  duplicate create 'Cannot create already existing endpoint "<arn>".'
  CreateEndpoint naming an unknown config: 'Could not find endpoint configuration "<arn>".'

Application Auto Scaling (see "Application Auto Scaling" below for what moto lacked):
  RegisterScalableTarget is an upsert keeping the ARN; new targets get RoleARN = the
    service-linked role (for sagemaker), SuspendedState all false, Tags stored.
  PutScalingPolicy without a registered target: ObjectNotFoundException "No scalable target
    registered for service namespace: <ns>, resource ID: <id>, scalable dimension: <dim>".
    An update keeps the policy ARN. TargetTracking policies on SageMaker variants get the
    two CloudWatch alarms AWS creates, TargetTracking-<resourceId>-AlarmHigh-<uuid> and
    ...-AlarmLow-<uuid> (listed in Alarms; replaced on update, deleted with the policy).
  DescribeScalingPolicies honours PolicyNames and matches ResourceId exactly.
  DeleteScalingPolicy / DeregisterScalableTarget of something unknown: ObjectNotFoundException.
  DeregisterScalableTarget also deletes the target's scaling policies (and their alarms)
    and scheduled actions, as AWS does.
  ListTagsForResource / TagResource / UntagResource on a scalable target ARN; unknown ARN:
    ResourceNotFoundException.

Everything is per account and region like moto itself (state is keyed by ARN), so STS
AssumeRole into another account keeps working.

More kinds (moto_generic.py, one `Spec` per kind in its SPECS table): every operation of
HyperParameterTuningJob, TransformJob, ProcessingJob, the four monitoring job definitions,
MonitoringSchedule, Domain, UserProfile, Space, App, FeatureGroup, InferenceComponent,
LabelingJob, ModelPackageGroup, ModelPackage, NotebookInstance,
NotebookInstanceLifecycleConfig, Pipeline, PipelineExecution and Project is answered there
(moto's own handlers for them replaced), with the same step clock. Statuses by step
(create: [phases] -> settled; failed: what the fail tag leads to):
    HyperParameterTuningJob  [InProgress x (n+2)] -> Completed | Failed; n = min(Max-
                             NumberOfTrainingJobs (2), 3) children, child i Completed
                             from step i+2 with objective 0.5+0.1i; Stop -> Stopping, Stopped
    TransformJob, ProcessingJob  [InProgress x3] -> Completed | Failed; Stop -> Stopping, Stopped
    LabelingJob              [Initializing, InProgress, InProgress] -> Completed | Failed
    *JobDefinition, NotebookInstanceLifecycleConfig   no status; Delete immediate
    MonitoringSchedule       [Pending] -> Scheduled | Failed; Update: [Pending] -> Scheduled;
                             an execution every 4 steps while Scheduled, InProgress for 2
    Domain, UserProfile, Space  [Pending] -> InService | Failed; Update: [Updating];
                             Delete: [Deleting] -> gone (a Domain only without children)
    App                      [Pending] -> InService | Failed; Delete: [Deleting] -> Deleted
    FeatureGroup             [Creating] -> Created | CreateFailed; Delete: [Deleting] -> gone
    InferenceComponent       [Creating] -> InService | Failed; Update: [Updating] -> InService
                             (SIM_FAIL_REASON in the new container Environment: old values
                             kept, FailureReason set); Delete: [Deleting] -> gone
    ModelPackageGroup, ModelPackage  [Pending, InProgress] -> Completed | Failed
    NotebookInstance         [Pending] -> InService | Failed; Stop: [Stopping] -> Stopped;
                             Start: [Pending] -> InService; Update (Stopped only):
                             [Updating] -> Stopped; Delete (Stopped/Failed): [Deleting] -> gone
    Pipeline                 Active at once; Delete: [Deleting] -> gone
    PipelineExecution        [Executing x3] -> Succeeded | Failed (PipelineParameters entry
                             SIM_FAIL_REASON); Stop -> Stopping, Stopped
    Project                  [CreateInProgress] -> CreateCompleted | CreateFailed; Update:
                             [UpdateInProgress] -> UpdateCompleted; Delete: [DeleteInProgress]
  For all of them: tag `sagemaker-simulator/fail-reason` = the failed status at the end of
  the creating phases (FailureReason = value); tag `sagemaker-simulator/reject-reason` =
  the create refused (ValidationException, message = value); AddTags/DeleteTags/ListTags
  work on their ARNs; Update/Delete in a busy status: 'Cannot update in-progress <label>
  "<arn>".'. The errors, ids and extras of each kind are in moto_generic.py.

STS AssumeRole: the session tags of the request (Tags), which moto
drops, are kept on the assumed role as `session_tags` (a dict), so /moto-api/data.json
shows what the caller asked for.
"""

from __future__ import annotations

import copy
import json
import math
import os
import sys
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable

from moto.applicationautoscaling import models as aas_models
from moto.applicationautoscaling import responses as aas_responses
from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionResult, EmptyResult
from moto.core.utils import utcnow
from moto.moto_api._internal import mock_random
from moto.sagemaker import models as sm_models
from moto.sagemaker import responses as sm_responses
from moto.sagemaker.exceptions import ResourceInUseException, ValidationError
from moto.sagemaker.utils import arn_formatter

import moto_generic

STEP_SECONDS = float(os.environ.get("SIM_STEP_SECONDS", "1.0"))
if not STEP_SECONDS > 0:
    raise SystemExit(f"SIM_STEP_SECONDS must be > 0, got {STEP_SECONDS!r}")

NOT_FOUND = "Requested resource not found."
FAIL_ENV_KEY = "SIM_FAIL_REASON"
FAIL_TAG = "sagemaker-simulator/fail-reason"

Backend = sm_models.SageMakerModelBackend
Response = sm_responses.SageMakerResponse

_LOCK = threading.RLock()


@dataclass
class Op:
    """An operation in flight on a resource: it shows `phases[i]` as status during step i
    after `at`; when the last phase ends, `finish(obj, end_time)` applies its outcome."""

    at: datetime
    phases: list[str]
    finish: Callable[[Any, datetime], None]
    info: dict[str, Any] = field(default_factory=dict)


@dataclass
class SimState:
    """Simulation state of one resource, kept beside moto's object (keyed by ARN)."""

    created: datetime
    # Request members that moto's model object does not keep (echoed by Describe).
    extras: dict[str, Any] = field(default_factory=dict)
    stop_requested: datetime | None = None
    # Values of moto's object set aside while the simulated state hides them.
    saved: dict[str, Any] = field(default_factory=dict)
    # Operations not finished yet, oldest first (only one runs at a time).
    ops: list[Op] = field(default_factory=list)
    # Set by a finished delete: the resource no longer exists.
    gone: bool = False


_STATES: dict[str, SimState] = {}


def _at(state: SimState, steps: float) -> datetime:
    return state.created + timedelta(seconds=steps * STEP_SECONDS)


def _elapsed_steps(state: SimState, now: datetime) -> float:
    return (now - state.created).total_seconds() / STEP_SECONDS


def _advance(
    obj: Any, state: SimState, now: datetime
) -> tuple[Op | None, str | None, datetime | None]:
    """Finishes the operations whose phases are over; returns the one still running with
    its current phase and that phase's start, or (None, None, None)."""
    while state.ops:
        op = state.ops[0]
        steps = (now - op.at).total_seconds() / STEP_SECONDS
        if steps < len(op.phases):
            i = max(0, int(steps))
            return op, op.phases[i], op.at + timedelta(seconds=i * STEP_SECONDS)
        state.ops.pop(0)
        op.finish(obj, op.at + timedelta(seconds=len(op.phases) * STEP_SECONDS))
    return None, None, None


def _output_members(operation: str) -> set[str]:
    cache = _output_members.__dict__.setdefault("cache", {})
    if operation not in cache:
        from moto.core.responses import get_service_model

        shape = get_service_model("sagemaker").operation_model(operation).output_shape
        cache[operation] = set(shape.members) if shape is not None else set()
    return cache[operation]


# --------------------------------------------------------------------------------------
# TrainingJob


TRAINING_PHASES = [
    ("Starting", "Preparing the instances for training"),
    ("LaunchingMLInstances", "Launching requested ML instances"),
    ("Downloading", "Downloading input data"),
    ("Training", "Training image download completed. Training in progress."),
    ("Uploading", "Uploading generated training model"),
]
TRAINING_START_PHASE = 2  # TrainingStartTime = start of Downloading


def refresh_training_job(job: Any, state: SimState, now: datetime) -> None:
    """Sets the moto FakeTrainingJob's fields to what the timeline says at `now`."""
    steps = _elapsed_steps(state, now)
    env = state.extras.get("Environment") or {}
    fail_reason = env.get(FAIL_ENV_KEY)
    # Step at which the job ends by itself, and how.
    if fail_reason is not None:
        natural_end, natural_status = 4.0, "Failed"
    else:
        natural_end, natural_status = float(len(TRAINING_PHASES)), "Completed"

    stop_at = None
    if state.stop_requested is not None:
        stop_at = _elapsed_steps(state, state.stop_requested)
    finished = stop_at is not None or steps >= natural_end
    if stop_at is not None:
        limit = stop_at
    elif finished:
        limit = natural_end
    else:
        limit = math.floor(steps) + 1

    # Phases that ran; the current one has no EndTime yet.
    transitions = []
    for i, (name, message) in enumerate(TRAINING_PHASES):
        if i > 0 and i >= limit:
            break
        end = i + 1.0 if stop_at is None else min(i + 1.0, stop_at)
        running = not finished and i == math.floor(steps)
        transitions.append(
            {
                "Status": name,
                "StartTime": _at(state, i),
                **({} if running else {"EndTime": _at(state, end)}),
                "StatusMessage": message,
            }
        )

    status, secondary, end_step = "InProgress", None, None
    failure_reason = None
    if stop_at is not None:
        if steps < stop_at + 1:
            status = secondary = "Stopping"
            transitions.append(
                {
                    "Status": "Stopping",
                    "StartTime": _at(state, stop_at),
                    "StatusMessage": "Stopping the training job",
                }
            )
        else:
            status = secondary = "Stopped"
            end_step = stop_at + 1
            transitions.append(
                {
                    "Status": "Stopping",
                    "StartTime": _at(state, stop_at),
                    "EndTime": _at(state, end_step),
                    "StatusMessage": "Stopping the training job",
                }
            )
            transitions.append(
                {
                    "Status": "Stopped",
                    "StartTime": _at(state, end_step),
                    "EndTime": _at(state, end_step),
                    "StatusMessage": "Training job stopped",
                }
            )
    elif steps >= natural_end:
        status = secondary = natural_status
        end_step = natural_end
        if natural_status == "Failed":
            failure_reason = fail_reason
            message = f"Training job failed. Reason: {fail_reason}"
        else:
            message = "Training job completed"
        transitions.append(
            {
                "Status": natural_status,
                "StartTime": _at(state, end_step),
                "EndTime": _at(state, end_step),
                "StatusMessage": message,
            }
        )
    else:
        secondary = TRAINING_PHASES[min(int(steps), len(TRAINING_PHASES) - 1)][0]

    job.training_job_status = status
    job.secondary_status = secondary
    job.secondary_status_transitions = transitions
    job.failure_reason = failure_reason
    job.last_modified_time = transitions[-1]["StartTime"] if transitions else state.created
    started = any(t["Status"] == TRAINING_PHASES[TRAINING_START_PHASE][0] for t in transitions)
    job.training_start_time = _at(state, TRAINING_START_PHASE) if started else None
    job.training_end_time = _at(state, end_step) if end_step is not None else None
    if end_step is not None and started:
        seconds = max(1, math.ceil((end_step - TRAINING_START_PHASE) * STEP_SECONDS))
        job.training_time_in_seconds = seconds
        job.billable_time_in_seconds = seconds
    else:
        job.training_time_in_seconds = None
        job.billable_time_in_seconds = None
    output_path = (job.output_data_config or {}).get("S3OutputPath", "")
    if status in ("Completed", "Stopped") and output_path:
        job.model_artifacts = {
            "S3ModelArtifacts": f"{output_path.rstrip('/')}/{job.training_job_name}/output/model.tar.gz"
        }
    else:
        job.model_artifacts = None
    if "FinalMetricDataList" not in state.saved:
        state.saved["FinalMetricDataList"] = getattr(job, "final_metric_data_list", None)
    job.final_metric_data_list = (
        state.saved["FinalMetricDataList"] if status == "Completed" else None
    )


# --------------------------------------------------------------------------------------
# Model, EndpointConfig, Endpoint


def _tag_value(tags: list[dict[str, str]] | None, key: str) -> str | None:
    return next((t.get("Value", "") for t in tags or [] if t.get("Key") == key), None)


def on_create_model(backend: Backend, model: Any, state: SimState, params: dict[str, Any]) -> None:
    # moto hard-codes False.
    model.enable_network_isolation = bool(params.get("EnableNetworkIsolation", False))


def check_create_endpoint_config(backend: Backend, params: dict[str, Any]) -> None:
    for variant in params.get("ProductionVariants") or []:
        name = variant.get("ModelName")
        if name is not None and name not in backend._models:
            raise MODEL.not_found(_arn(MODEL, backend, name))


def check_create_endpoint(backend: Backend, params: dict[str, Any]) -> None:
    name = params.get("EndpointConfigName")
    if name not in backend.endpoint_configs:
        raise ENDPOINT_CONFIG.not_found(_arn(ENDPOINT_CONFIG, backend, name))


def _deployment(backend: Backend, config_name: str) -> dict[str, Any]:
    """What a deployment of `config_name` needs, copied now (the config may be deleted
    while the endpoint lives on)."""
    config = backend.endpoint_configs[config_name]
    return {
        "config": config_name,
        "variants": copy.deepcopy(config.production_variants or []),
        "fail": _tag_value(config.tags, FAIL_TAG),
    }


RETAINABLE = {
    "DesiredInstanceCount": ("CurrentInstanceCount", "DesiredInstanceCount"),
    "DesiredWeight": ("CurrentWeight", "DesiredWeight"),
}


def _variant_summaries(
    config_variants: list[dict[str, Any]],
    previous: list[dict[str, Any]] | None = None,
    retained: set[str] = frozenset(),  # type: ignore[assignment]
) -> list[dict[str, Any]]:
    """DescribeEndpoint ProductionVariants once `config_variants` are deployed; `retained`
    property types are taken from the same-named variants of `previous`."""
    before = {v["VariantName"]: v for v in previous or []}
    out = []
    for variant in config_variants:
        summary: dict[str, Any] = {"VariantName": variant["VariantName"]}
        if variant.get("ServerlessConfig"):
            summary["CurrentServerlessConfig"] = variant["ServerlessConfig"]
            summary["DesiredServerlessConfig"] = variant["ServerlessConfig"]
        elif variant.get("InitialInstanceCount") is not None:
            summary["CurrentInstanceCount"] = variant["InitialInstanceCount"]
            summary["DesiredInstanceCount"] = variant["InitialInstanceCount"]
        weight = float(variant.get("InitialVariantWeight", 1.0))
        summary["CurrentWeight"] = summary["DesiredWeight"] = weight
        old = before.get(variant["VariantName"])
        for prop in retained if old else ():
            for member in RETAINABLE[prop]:
                if old.get(member) is not None:
                    summary[member] = old[member]
        out.append(summary)
    return out


def _set_endpoint(endpoint: Any, status: str, when: datetime, **fields: Any) -> None:
    endpoint.endpoint_status = status
    endpoint.last_modified_time = when
    endpoint.pending_deployment_summary = None
    for name, value in fields.items():
        setattr(endpoint, name, value)


def on_create_endpoint(
    backend: Backend, endpoint: Any, state: SimState, params: dict[str, Any]
) -> None:
    deployment = _deployment(backend, endpoint.endpoint_config_name)
    # Real DescribeEndpoint shows no ProductionVariants before the first deployment ends
    # (as far as we know; not checked against the service).
    _set_endpoint(
        endpoint, "Creating", state.created, production_variants=None, failure_reason=None
    )
    endpoint.last_deployment_config = params.get("DeploymentConfig")

    def finish(endpoint: Any, end: datetime) -> None:
        if deployment["fail"] is not None:
            _set_endpoint(endpoint, "Failed", end, failure_reason=deployment["fail"])
        else:
            _set_endpoint(
                endpoint,
                "InService",
                end,
                production_variants=_variant_summaries(deployment["variants"]),
            )

    state.ops.append(Op(state.created, ["Creating"], finish))


def refresh_endpoint(endpoint: Any, state: SimState, now: datetime) -> None:
    op, phase, start = _advance(endpoint, state, now)
    if op is None:
        return
    endpoint.endpoint_status = phase
    endpoint.last_modified_time = start
    endpoint.pending_deployment_summary = op.info.get("pending") if phase == "Updating" else None


def _require_updatable(endpoint: Any) -> None:
    if endpoint.endpoint_status == "Failed":
        # Wording seen in real clients' error handling; the quoting of the ARN is assumed
        # to follow the other endpoint messages.
        raise ValidationError(f'Cannot update failed endpoint "{endpoint.arn}".')
    if endpoint.endpoint_status != "InService":
        raise ValidationError(f'Cannot update in-progress endpoint "{endpoint.arn}".')


DELETABLE_ENDPOINT_STATUSES = {"InService", "Failed", "OutOfService", "UpdateRollbackFailed"}


def begin_delete_endpoint(backend: Backend, endpoint: Any, state: SimState) -> None:
    if endpoint.endpoint_status not in DELETABLE_ENDPOINT_STATUSES:
        # Real SageMaker answers DeleteEndpoint on a Creating/Updating endpoint with the
        # UpdateEndpoint text (seen in clients' error handling and the SageMaker operator's
        # DeleteEndpointInProgressMessagePrefix); the exact state list is our choice.
        raise ValidationError(f'Cannot update in-progress endpoint "{endpoint.arn}".')

    def finish(endpoint: Any, end: datetime) -> None:
        state.gone = True
        # "If you delete an endpoint, Application Auto Scaling checks to see whether any of
        # the variants on that endpoint are targets for automatic scaling. If any are [...]
        # Application Auto Scaling deregisters those variants" (SageMaker developer guide).
        aas = aas_models.applicationautoscaling_backends[backend.account_id][backend.region_name]
        prefix = f"endpoint/{endpoint.endpoint_name}/variant/"
        for target in aas.describe_scalable_targets("sagemaker", None, None):
            if target.resource_id.startswith(prefix):
                aas.deregister_scalable_target(
                    "sagemaker", target.resource_id, target.scalable_dimension
                )

    state.ops.append(Op(utcnow(), ["Deleting"], finish))


def update_endpoint_backend(
    self: Backend,
    endpoint_name: str,
    endpoint_config_name: str,
    retain_all_variant_properties: bool = False,
    exclude_retained_variant_properties: list[dict[str, str]] | None = None,
    deployment_config: dict[str, Any] | None = None,
    retain_deployment_config: bool = False,
) -> str:
    with _LOCK:
        endpoint = _get(ENDPOINT, self, endpoint_name)
        if endpoint_config_name not in self.endpoint_configs:
            raise ENDPOINT_CONFIG.not_found(_arn(ENDPOINT_CONFIG, self, endpoint_config_name))
        _require_updatable(endpoint)
        state = _state_for(ENDPOINT, endpoint)
        deployment = _deployment(self, endpoint_config_name)
        retained: set[str] = set()
        if retain_all_variant_properties:
            excluded = {
                e.get("VariantPropertyType") for e in exclude_retained_variant_properties or []
            }
            retained = set(RETAINABLE) - excluded
        now = utcnow()
        if deployment_config:
            endpoint.last_deployment_config = deployment_config
        elif not retain_deployment_config:
            endpoint.last_deployment_config = None

        # Shown while Updating. VariantStatus "Creating" for the new fleet is our guess at
        # what SageMaker reports during a blue/green deployment.
        pending_variants = []
        target = _variant_summaries(deployment["variants"], endpoint.production_variants, retained)
        for summary, variant in zip(target, deployment["variants"]):
            pending_variant = {k: v for k, v in summary.items() if not k.startswith("Current")}
            if variant.get("InstanceType"):
                pending_variant["InstanceType"] = variant["InstanceType"]
            pending_variant["VariantStatus"] = [
                {
                    "Status": "Creating",
                    "StatusMessage": "Creating the new variant fleet",
                    "StartTime": now,
                }
            ]
            pending_variants.append(pending_variant)
        pending = {
            "EndpointConfigName": endpoint_config_name,
            "ProductionVariants": pending_variants,
            "StartTime": now,
        }

        if deployment["fail"] is None:
            phases = ["Updating"]

            def finish(endpoint: Any, end: datetime) -> None:
                # Counts retained at finish time, so a change made while Updating would win.
                variants = _variant_summaries(
                    deployment["variants"], endpoint.production_variants, retained
                )
                _set_endpoint(
                    endpoint,
                    "InService",
                    end,
                    endpoint_config_name=deployment["config"],
                    production_variants=variants,
                    failure_reason=None,
                )

        else:
            phases = ["Updating", "RollingBack"]

            def finish(endpoint: Any, end: datetime) -> None:
                _set_endpoint(endpoint, "InService", end, failure_reason=deployment["fail"])

        state.ops.append(Op(now, phases, finish, {"pending": pending}))
        _refresh(ENDPOINT, self, endpoint)
        return endpoint.arn


def update_endpoint_response(self: Response) -> ActionResult:
    arn = self.sagemaker_backend.update_endpoint(
        endpoint_name=self._get_param("EndpointName"),
        endpoint_config_name=self._get_param("EndpointConfigName"),
        retain_all_variant_properties=bool(self._get_param("RetainAllVariantProperties", False)),
        exclude_retained_variant_properties=self._get_param("ExcludeRetainedVariantProperties"),
        deployment_config=self._get_param("DeploymentConfig"),
        retain_deployment_config=bool(self._get_param("RetainDeploymentConfig", False)),
    )
    return ActionResult({"EndpointArn": arn})


def update_weights_and_capacities_backend(
    self: Backend, endpoint_name: str, desired_weights_and_capacities: list[dict[str, Any]]
) -> str:
    """Replaces moto's: state rule, one Updating step, and no nulled weights."""
    with _LOCK:
        endpoint = _get(ENDPOINT, self, endpoint_name)
        _require_updatable(endpoint)
        variants = {v["VariantName"]: v for v in endpoint.production_variants or []}
        seen: set[str] = set()
        for wanted in desired_weights_and_capacities or []:
            name = wanted.get("VariantName")
            if name in seen:  # moto's texts
                raise ValidationError(
                    f'The variant name "{name}" was non-unique within the request.'
                )
            if name not in variants:
                raise ValidationError(
                    f'The variant name(s) "{name}" is/are not present within endpoint configuration '
                    f'"{endpoint.endpoint_config_name}".'
                )
            seen.add(name)
        for wanted in desired_weights_and_capacities or []:
            variant = variants[wanted["VariantName"]]
            if wanted.get("DesiredWeight") is not None:
                variant["CurrentWeight"] = variant["DesiredWeight"] = float(wanted["DesiredWeight"])
            if wanted.get("DesiredInstanceCount") is not None:
                variant["CurrentInstanceCount"] = variant["DesiredInstanceCount"] = wanted[
                    "DesiredInstanceCount"
                ]

        def finish(endpoint: Any, end: datetime) -> None:
            _set_endpoint(endpoint, "InService", end)

        _state_for(ENDPOINT, endpoint).ops.append(Op(utcnow(), ["Updating"], finish))
        _refresh(ENDPOINT, self, endpoint)
        return endpoint.arn


def install_endpoint_operations(kind: "Kind") -> None:
    Backend.update_endpoint = update_endpoint_backend
    Response.update_endpoint = update_endpoint_response
    Backend.update_endpoint_weights_and_capacities = update_weights_and_capacities_backend


# --------------------------------------------------------------------------------------
# Generic machinery, driven by the per-kind table


@dataclass
class Kind:
    kind: str  # "TrainingJob": the operations are Create<kind>, Describe<kind>, ...
    label: str  # "training job", as AWS words its messages
    store: str  # backend attribute holding {name: moto object}
    name_param: str  # request member holding the name
    arn_type: str  # resource type in the ARN: arn:...:<arn_type>/<name>
    not_found: Callable[[str], Exception]  # arn -> exception for an unknown name
    duplicate_error: Callable[[str, str], Exception]  # (name, arn) -> exception
    # Brings moto's object to what the timeline says at `now`; None: no status to simulate.
    refresh: Callable[[Any, SimState, datetime], None] | None = None
    status_attr: str | None = None  # moto object attribute holding the primary status
    arn_attr: str = "arn"  # moto object attribute holding the ARN
    # Before moto's Create: refuse the request (e.g. a missing reference). (backend, params)
    check_create: Callable[[Backend, dict[str, Any]], None] | None = None
    # After moto's Create: adjust moto's object, queue the first Op. (backend, obj, state, params)
    on_create: Callable[[Backend, Any, SimState, dict[str, Any]], None] | None = None
    # Delete<Kind> is patched when set: "immediate" (moto's delete, real not-found text)
    # or a function (backend, obj, state) that checks the state and queues the delete Op.
    delete: str | Callable[[Backend, Any, SimState], None] | None = None
    in_progress: str = "InProgress"
    stoppable: bool = False
    # Drop {} / [] members from Describe<Kind> that the request did not set.
    strip_empty: bool = False
    # Installs operations only this kind has (kind) -> None.
    extra_operations: Callable[["Kind"], None] | None = None

    @property
    def snake(self) -> str:
        out = ""
        for ch in self.kind:
            out += ("_" + ch.lower()) if ch.isupper() and out else ch.lower()
        return out

    def arn_of(self, obj: Any) -> str:
        return getattr(obj, self.arn_attr)


def _arn(kind: Kind, backend: Backend, name: str) -> str:
    return arn_formatter(kind.arn_type, name, backend.account_id, backend.region_name)


def _state_for(kind: Kind, obj: Any) -> SimState:
    with _LOCK:
        arn = kind.arn_of(obj)
        state = _STATES.get(arn)
        if state is None:  # created before patching or by other means: start now
            state = _STATES[arn] = SimState(created=obj.creation_time)
        return state


def _refresh(kind: Kind, backend: Backend, obj: Any) -> bool:
    """Brings `obj` up to now. False if it has ceased to exist (it is then removed)."""
    if kind.refresh is None:
        return True
    with _LOCK:
        state = _state_for(kind, obj)
        kind.refresh(obj, state, utcnow())
        if not state.gone:
            return True
        store = getattr(backend, kind.store)
        for key in [k for k, v in store.items() if v is obj]:
            del store[key]
        _STATES.pop(kind.arn_of(obj), None)
        return False


def _get(kind: Kind, backend: Backend, name: str) -> Any:
    """The current object named `name`, or the kind's not-found error."""
    with _LOCK:
        obj = getattr(backend, kind.store).get(name)
        if obj is None or not _refresh(kind, backend, obj):
            raise kind.not_found(_arn(kind, backend, name))
        return obj


def _install(kind: Kind) -> None:
    create = f"create_{kind.snake}"
    describe = f"describe_{kind.snake}"
    list_ = f"list_{kind.snake}s"
    stop = f"stop_{kind.snake}"
    delete = f"delete_{kind.snake}"

    # Create: refuse duplicates and bad references, remember creation time and the
    # members moto drops.
    orig_create_response = getattr(Response, create)

    def create_response(self: Response) -> Any:
        backend = self.sagemaker_backend
        name = self._get_param(kind.name_param)
        params = dict(self._get_params() or {})
        with _LOCK:
            store = getattr(backend, kind.store)
            existing = store.get(name)
            if existing is not None and _refresh(kind, backend, existing):
                raise kind.duplicate_error(name, kind.arn_of(existing))
            if kind.check_create is not None:
                kind.check_create(backend, params)
            result = orig_create_response(self)
            obj = store[name]
            state = _STATES[kind.arn_of(obj)] = SimState(created=obj.creation_time, extras=params)
            if kind.on_create is not None:
                kind.on_create(backend, obj, state, params)
            _refresh(kind, backend, obj)
        return result

    create_response.__name__ = create
    setattr(Response, create, create_response)

    # Describe: real not-found text and current status (backend, so moto's own callers
    # see them too) ...
    orig_describe = getattr(Backend, describe)

    def describe_backend(self: Backend, name: str, *args: Any, **kwargs: Any) -> Any:
        with _LOCK:
            _get(kind, self, name)
            return orig_describe(self, name, *args, **kwargs)

    describe_backend.__name__ = describe
    setattr(Backend, describe, describe_backend)

    # ... and the members moto drops or invents (response, where every kind has a dict).
    orig_describe_response = getattr(Response, describe)

    def describe_response(self: Response) -> Any:
        backend = self.sagemaker_backend
        with _LOCK:
            result = orig_describe_response(self)
            obj = getattr(backend, kind.store)[self._get_param(kind.name_param)]
            body = result.result if isinstance(result, ActionResult) else None
            if isinstance(body, dict):
                extras = _state_for(kind, obj).extras
                members = _output_members(f"Describe{kind.kind}")
                for key, value in extras.items():
                    if key in members and key not in body and value is not None:
                        body[key] = value
                if kind.strip_empty:
                    for key in [k for k, v in body.items() if v in ({}, []) and k not in extras]:
                        del body[key]
            return result

    describe_response.__name__ = describe
    setattr(Response, describe, describe_response)

    # List: statuses (and StatusEquals filters) must see the current state.
    if hasattr(Backend, list_) and kind.refresh is not None:
        orig_list = getattr(Backend, list_)

        def list_backend(self: Backend, *args: Any, **kwargs: Any) -> Any:
            with _LOCK:
                for obj in list(getattr(self, kind.store).values()):
                    _refresh(kind, self, obj)
                return orig_list(self, *args, **kwargs)

        list_backend.__name__ = list_
        setattr(Backend, list_, list_backend)

    if kind.delete is not None:
        orig_delete = getattr(Backend, delete)

        def delete_backend(self: Backend, name: str) -> None:
            with _LOCK:
                obj = _get(kind, self, name)
                if kind.delete == "immediate":
                    orig_delete(self, name)
                    _STATES.pop(kind.arn_of(obj), None)
                else:
                    kind.delete(self, obj, _state_for(kind, obj))
                    _refresh(kind, self, obj)

        delete_backend.__name__ = delete
        setattr(Backend, delete, delete_backend)

    if kind.extra_operations is not None:
        kind.extra_operations(kind)

    if not kind.stoppable:
        return

    def stop_backend(self: Backend, name: str) -> None:
        with _LOCK:
            obj = _get(kind, self, name)
            status = getattr(obj, kind.status_attr)
            if status != kind.in_progress:
                raise ValidationError(
                    f"The request was rejected because the {kind.label} is in status {status}."
                )
            _state_for(kind, obj).stop_requested = utcnow()
            _refresh(kind, self, obj)

    stop_backend.__name__ = stop
    setattr(Backend, stop, stop_backend)

    def stop_response(self: Response) -> Any:
        getattr(self.sagemaker_backend, stop)(self._get_param(kind.name_param))
        return EmptyResult()

    stop_response.__name__ = stop
    setattr(Response, stop, stop_response)


def _validation(message: str) -> Callable[..., Exception]:
    """Exception factory for a message with {name}/{arn} placeholders."""
    return lambda *args: ValidationError(message.format(arn=args[-1], name=args[0]))


TRAINING_JOB = Kind(
    kind="TrainingJob",
    label="training job",
    store="training_jobs",
    name_param="TrainingJobName",
    arn_type="training-job",
    status_attr="training_job_status",
    refresh=refresh_training_job,
    not_found=lambda arn: ValidationError(NOT_FOUND),
    duplicate_error=lambda name, arn: ResourceInUseException(
        "Training job names must be unique within an AWS account and region, "
        f"and a training job with this name already exists ({arn})"
    ),
    stoppable=True,
)
MODEL = Kind(
    kind="Model",
    label="model",
    store="_models",
    name_param="ModelName",
    arn_type="model",
    not_found=_validation('Could not find model "{arn}".'),
    duplicate_error=_validation('Cannot create already existing model "{arn}".'),
    on_create=on_create_model,
    delete="immediate",
    strip_empty=True,
)
ENDPOINT_CONFIG = Kind(
    kind="EndpointConfig",
    label="endpoint configuration",
    store="endpoint_configs",
    name_param="EndpointConfigName",
    arn_type="endpoint-config",
    arn_attr="endpoint_config_arn",  # moto's `arn` is a 1-tuple here
    not_found=_validation('Could not find endpoint configuration "{arn}".'),
    duplicate_error=_validation('Cannot create already existing endpoint configuration "{arn}".'),
    check_create=check_create_endpoint_config,
    delete="immediate",
    strip_empty=True,
)
ENDPOINT = Kind(
    kind="Endpoint",
    label="endpoint",
    store="endpoints",
    name_param="EndpointName",
    arn_type="endpoint",
    status_attr="endpoint_status",
    refresh=refresh_endpoint,
    not_found=_validation('Could not find endpoint "{arn}".'),
    duplicate_error=_validation('Cannot create already existing endpoint "{arn}".'),
    check_create=check_create_endpoint,
    on_create=on_create_endpoint,
    delete=begin_delete_endpoint,
    strip_empty=True,
    extra_operations=install_endpoint_operations,
)
KINDS = [TRAINING_JOB, MODEL, ENDPOINT_CONFIG, ENDPOINT]


# --------------------------------------------------------------------------------------
# Application Auto Scaling
#
# moto 5.2.5 gaps patched here (checked against its source and a live server):
#   - PutScalingPolicy accepted policies for targets that were never registered;
#   - an update of a policy got a new ARN and left the old policy's alarms behind;
#   - TargetTracking policies got CloudWatch alarms only for dynamodb and ecs;
#   - DescribeScalingPolicies ignored PolicyNames and matched ResourceId as a substring;
#   - DeregisterScalableTarget left the target's policies (and alarms) and scheduled
#     actions behind;
#   - unknown target/policy on Deregister/DeleteScalingPolicy was ValidationException
#     (AWS: ObjectNotFoundException, per the API reference's error list);
#   - new targets had no RoleARN and no SuspendedState (AWS always answers both);
#     RegisterScalableTarget dropped Tags;
#   - ListTagsForResource, TagResource, UntagResource were not implemented (HTTP 500);
#   - DescribeScalableTargets' NextToken pointed at the wrong place.
# Not patched: AWS checks that the SageMaker endpoint variant exists (and its state) on
# RegisterScalableTarget; moto and this simulation do not.

AasBackend = aas_models.ApplicationAutoscalingBackend
AasResponse = aas_responses.ApplicationAutoScalingResponse
AasPolicy = aas_models.FakeApplicationAutoscalingPolicy

SAGEMAKER_SERVICE_LINKED_ROLE = (
    "arn:aws:iam::{account}:role/aws-service-role/sagemaker.application-autoscaling.amazonaws.com/"
    "AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint"
)
NOT_SUSPENDED = {
    "DynamicScalingInSuspended": False,
    "DynamicScalingOutSuspended": False,
    "ScheduledScalingSuspended": False,
}


def _aas_error(code: str, message: str) -> JsonRESTError:
    return JsonRESTError(code, message)


def _target(backend: AasBackend, namespace: str, resource_id: str, dimension: str) -> Any:
    target = backend.targets.get(dimension, {}).get(resource_id)
    return target if target is not None and target.service_namespace == namespace else None


def _target_by_arn(backend: AasBackend, arn: str) -> Any:
    for by_resource in backend.targets.values():
        for target in by_resource.values():
            if target.arn == arn:
                return target
    # Real wording unknown; the ResourceName member of the exception is not filled.
    raise _aas_error("ResourceNotFoundException", f"No scalable target found for ARN {arn}.")


def register_scalable_target_response(self: AasResponse) -> str:
    self._validate_params()
    backend = self.applicationautoscaling_backend
    namespace = self._get_param("ServiceNamespace")
    resource_id = self._get_param("ResourceId")
    dimension = self._get_param("ScalableDimension")
    with _LOCK:
        is_new = _target(backend, namespace, resource_id, dimension) is None
        target = backend.register_scalable_target(
            namespace,
            resource_id,
            dimension,
            min_capacity=self._get_int_param("MinCapacity"),
            max_capacity=self._get_int_param("MaxCapacity"),
            role_arn=self._get_param("RoleARN"),
            suspended_state=self._get_param("SuspendedState"),
        )
        if is_new:
            if target.role_arn is None and namespace == "sagemaker":
                target.role_arn = SAGEMAKER_SERVICE_LINKED_ROLE.format(account=backend.account_id)
            target.suspended_state = {**NOT_SUSPENDED, **(target.suspended_state or {})}
            target.tags = dict(self._get_param("Tags") or {})
    return json.dumps({"ScalableTargetARN": target.arn})


def describe_scalable_targets_response(self: AasResponse) -> str:
    self._validate_params()
    max_results = self._get_int_param("MaxResults") or 50
    start = int(self._get_param("NextToken") or 0)
    targets = self.applicationautoscaling_backend.describe_scalable_targets(
        self._get_param("ServiceNamespace"),
        self._get_param("ResourceIds"),
        self._get_param("ScalableDimension"),
    )
    page = targets[start : start + max_results]
    next_token = str(start + max_results) if start + max_results < len(targets) else None
    return json.dumps(
        {"ScalableTargets": [aas_responses._build_target(t) for t in page], "NextToken": next_token}
    )


def deregister_scalable_target_backend(
    self: AasBackend, namespace: str, r_id: str, dimension: str
) -> None:
    with _LOCK:
        if _target(self, namespace, r_id, dimension) is None:
            # moto's text; AWS's code per the API reference, its exact text not verified.
            raise _aas_error(
                "ObjectNotFoundException",
                f"No scalable target found for service namespace: {namespace}, "
                f"resource ID: {r_id}, scalable dimension: {dimension}",
            )
        del self.targets[dimension][r_id]
        for key, policy in list(self.policies.items()):
            if (policy.service_namespace, policy.resource_id, policy.scalable_dimension) == (
                namespace,
                r_id,
                dimension,
            ):
                policy.delete_alarms(self.account_id, self.region_name)
                del self.policies[key]
        self.scheduled_actions = [
            a
            for a in self.scheduled_actions
            if (a.service_namespace, a.resource_id, a.scalable_dimension)
            != (namespace, r_id, dimension)
        ]


_orig_put_scaling_policy = AasBackend.put_scaling_policy


def put_scaling_policy_backend(
    self: AasBackend,
    policy_name: str,
    service_namespace: str,
    resource_id: str,
    scalable_dimension: str,
    policy_body: dict[str, Any],
    policy_type: str | None,
) -> Any:
    with _LOCK:
        if _target(self, service_namespace, resource_id, scalable_dimension) is None:
            raise _aas_error(
                "ObjectNotFoundException",
                f"No scalable target registered for service namespace: {service_namespace}, "
                f"resource ID: {resource_id}, scalable dimension: {scalable_dimension}",
            )
        key = AasPolicy.formulate_key(
            service_namespace, resource_id, scalable_dimension, policy_name
        )
        old = self.policies.get(key)
        if old is not None:
            old.delete_alarms(self.account_id, self.region_name)
        policy = _orig_put_scaling_policy(
            self,
            policy_name,
            service_namespace,
            resource_id,
            scalable_dimension,
            policy_body,
            policy_type,
        )
        if old is not None:  # an update: same policy, same ARN, alarms made anew
            policy.delete_alarms(self.account_id, self.region_name)
            policy._guid, policy.policy_arn = old._guid, old.policy_arn
            policy.creation_time = old.creation_time
            policy.alarms = []
            policy.create_alarms()
        return policy


_orig_delete_scaling_policy = AasBackend.delete_scaling_policy


def delete_scaling_policy_backend(
    self: AasBackend,
    policy_name: str,
    service_namespace: str,
    resource_id: str,
    scalable_dimension: str,
) -> None:
    try:
        _orig_delete_scaling_policy(
            self, policy_name, service_namespace, resource_id, scalable_dimension
        )
    except aas_models.AWSValidationException as e:
        # moto's text; AWS's code per the API reference, its exact text not verified.
        raise _aas_error("ObjectNotFoundException", e.message) from None


def describe_scaling_policies_response(self: AasResponse) -> str:
    self._validate_params()
    namespace = self._get_param("ServiceNamespace")
    resource_id = self._get_param("ResourceId")
    dimension = self._get_param("ScalableDimension")
    names = self._get_param("PolicyNames") or []
    max_results = self._get_int_param("MaxResults") or 100
    start = int(self._get_param("NextToken") or 0)
    policies = [
        p
        for p in self.applicationautoscaling_backend.policies.values()
        if p.service_namespace == namespace
        and (not resource_id or p.resource_id == resource_id)
        and (not dimension or p.scalable_dimension == dimension)
        and (not names or p.policy_name in names)
    ]
    page = policies[start : start + max_results]
    next_token = str(start + max_results) if start + max_results < len(policies) else None
    return json.dumps(
        {"ScalingPolicies": [aas_responses._build_policy(p) for p in page], "NextToken": next_token}
    )


# Metric and statistic of each SageMaker predefined metric type.
SAGEMAKER_PREDEFINED_METRICS = {
    "SageMakerVariantInvocationsPerInstance": ("InvocationsPerInstance", "Sum"),
    "SageMakerVariantProvisionedConcurrencyUtilization": (
        "ServerlessProvisionedConcurrencyUtilization",
        "Average",
    ),
    "SageMakerVariantConcurrentRequestsPerModelHighResolution": (
        "ConcurrentRequestsPerModel",
        "Average",
    ),
}

_orig_create_alarms = AasPolicy.create_alarms


def create_alarms(self: AasPolicy) -> None:
    _orig_create_alarms(self)
    if self.policy_type != "TargetTrackingScaling" or self.service_namespace != "sagemaker":
        return
    from moto.cloudwatch.models import cloudwatch_backends

    cloudwatch = cloudwatch_backends[self.account_id][self.region_name]
    config = self.target_tracking_scaling_policy_configuration or {}
    target_value = float(config.get("TargetValue", 0.0))
    custom = config.get("CustomizedMetricSpecification") or {}
    parts = self.resource_id.split("/")  # endpoint/<name>/variant/<variant>
    if custom.get("MetricName"):
        namespace, metric = custom.get("Namespace", "AWS/SageMaker"), custom["MetricName"]
        statistic, unit = custom.get("Statistic", "Average"), custom.get("Unit")
        dimensions = custom.get("Dimensions") or []
    else:
        predefined = (config.get("PredefinedMetricSpecification") or {}).get(
            "PredefinedMetricType", ""
        )
        metric, statistic = SAGEMAKER_PREDEFINED_METRICS.get(
            predefined, ("InvocationsPerInstance", "Sum")
        )
        namespace, unit = "AWS/SageMaker", None
        dimensions = [
            {"Name": "EndpointName", "Value": parts[1] if len(parts) > 1 else ""},
            {"Name": "VariantName", "Value": parts[3] if len(parts) > 3 else ""},
        ]
    # Names as AWS makes them; periods and thresholds approximate AWS's (3 x 1 min above
    # the target, 15 x 1 min below 90% of it).
    action = f"{self.policy_arn}"
    description = f"DO NOT EDIT OR DELETE. For TargetTrackingScaling policy {action}"
    for suffix, operator, periods, threshold in (
        ("AlarmHigh", "GreaterThanThreshold", 3, target_value),
        ("AlarmLow", "LessThanThreshold", 15, target_value * 0.9),
    ):
        self.alarms.append(
            cloudwatch.put_metric_alarm(
                name=f"TargetTracking-{self.resource_id}-{suffix}-{mock_random.uuid4()}",
                namespace=namespace,
                metric_name=metric,
                metric_data_queries=[],
                comparison_operator=operator,
                evaluation_periods=periods,
                period=60,
                threshold=threshold,
                unit=unit,
                statistic=statistic,
                description=description,
                dimensions=dimensions,
                alarm_actions=[action],
            )
        )


def list_tags_for_resource_response(self: AasResponse) -> str:
    with _LOCK:
        target = _target_by_arn(self.applicationautoscaling_backend, self._get_param("ResourceARN"))
        return json.dumps({"Tags": dict(getattr(target, "tags", None) or {})})


def tag_resource_response(self: AasResponse) -> str:
    with _LOCK:
        target = _target_by_arn(self.applicationautoscaling_backend, self._get_param("ResourceARN"))
        target.tags = {**(getattr(target, "tags", None) or {}), **(self._get_param("Tags") or {})}
        return json.dumps({})


def untag_resource_response(self: AasResponse) -> str:
    with _LOCK:
        target = _target_by_arn(self.applicationautoscaling_backend, self._get_param("ResourceARN"))
        keys = set(self._get_param("TagKeys") or [])
        target.tags = {
            k: v for k, v in (getattr(target, "tags", None) or {}).items() if k not in keys
        }
        return json.dumps({})


def install_application_autoscaling() -> None:
    AasResponse.register_scalable_target = register_scalable_target_response
    AasResponse.describe_scalable_targets = describe_scalable_targets_response
    AasResponse.describe_scaling_policies = describe_scaling_policies_response
    AasResponse.list_tags_for_resource = list_tags_for_resource_response
    AasResponse.tag_resource = tag_resource_response
    AasResponse.untag_resource = untag_resource_response
    AasBackend.deregister_scalable_target = deregister_scalable_target_backend
    AasBackend.put_scaling_policy = put_scaling_policy_backend
    AasBackend.delete_scaling_policy = delete_scaling_policy_backend
    AasPolicy.create_alarms = create_alarms


# --------------------------------------------------------------------------------------
# STS


def install_sts() -> None:
    from moto.sts import models as sts_models
    from moto.sts.responses import TokenResponse

    original = TokenResponse.assume_role

    def assume_role(self: Any) -> Any:
        result = original(self)
        tags = {t["Key"]: t.get("Value", "") for t in self._get_param("Tags") or []}
        # the role just assumed is the newest one of the role's account
        account = (self._get_param("RoleArn") or "").split(":")[4]
        for backend in sts_models.sts_backends[account].values():
            if backend.assumed_roles:
                backend.assumed_roles[-1].session_tags = tags
        return result

    TokenResponse.assume_role = assume_role


# --------------------------------------------------------------------------------------
# CloudWatch Logs
#
# moto 5.2.5 gaps patched here (checked against its source):
#   - FilterLogEvents ignored logStreamNamePrefix (every stream of the group answered);
#   - its events were interleaved (merged in time order) only when the deprecated
#     `interleaved` flag was set; AWS has always interleaved them since 2019.


def install_logs() -> None:
    from moto.logs.responses import LogsResponse

    def filter_log_events(self: Any) -> str:
        group_name = self._get_param("logGroupName")
        names = self._get_param("logStreamNames", [])
        prefix = self._get_param("logStreamNamePrefix")
        if prefix:
            group = self.logs_backend.groups.get(group_name)
            names = [n for n in (group.streams if group else {}) if n.startswith(prefix)]
            if not names:
                return json.dumps({"events": [], "searchedLogStreams": []})
        events, next_token, searched = self.logs_backend.filter_log_events(
            group_name,
            names,
            self._get_param("startTime"),
            self._get_param("endTime"),
            self._get_param("limit"),
            self._get_param("nextToken"),
            self._get_param("filterPattern"),
            True,
        )
        return json.dumps(
            {"events": events, "nextToken": next_token, "searchedLogStreams": searched}
        )

    LogsResponse.filter_log_events = filter_log_events


# --------------------------------------------------------------------------------------


def install() -> None:
    for kind in KINDS:
        _install(kind)
    moto_generic.install()
    install_application_autoscaling()
    install_sts()
    install_logs()


def main(argv: list[str] | None = None) -> None:
    install()
    from moto import server

    server.main(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    main()

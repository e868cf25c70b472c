#!/usr/bin/env python3
"""moto server with SageMaker behaving more like the real service.

Usage (same arguments as `moto_server`):

    python tests/support/moto_sagemaker.py -H 127.0.0.1 -p PORT

It patches moto 5.2.5 in-process, then runs `moto.server.main(argv)`. Stock moto creates
every job `Completed` and never moves it; here each simulated kind (see `KINDS` at the
bottom) gets:

  * status progression by wall clock since creation, one phase per step of
    `SIM_STEP_SECONDS` seconds (float, default 1.0), computed lazily on each
    Describe/List/Stop call;
  * Stop<Kind>: InProgress -> Stopping, one step later Stopped; on a finished job a
    ValidationException "The request was rejected because the training job is in status
    Completed."; on an unknown job ValidationException "Requested resource not found.";
  * duplicate Create<Kind> -> ResourceInUse (HTTP 400) instead of silently overwriting;
  * Describe<Kind> of an unknown job -> ValidationException "Requested resource not found."
    (the real service's text; moto says "Could not find ...");
  * request members moto drops (e.g. TrainingJob `Environment`, `RetryStrategy`) are stored
    and echoed by Describe<Kind> when they belong to its output shape.

TrainingJob timeline (s = SIM_STEP_SECONDS, t = time since CreateTrainingJob):
    [0s,1s) InProgress/Starting        [1s,2s) InProgress/LaunchingMLInstances
    [2s,3s) InProgress/Downloading     [3s,4s) InProgress/Training
    [4s,5s) InProgress/Uploading       >= 5s   Completed/Completed (+ ModelArtifacts)
  If Environment has SIM_FAIL_REASON, the job fails at the end of the Training phase
  (t >= 4s): Failed/Failed with FailureReason = that value.
  StopTrainingJob at time T (while InProgress): Stopping/Stopping until T+1s, then
  Stopped/Stopped.

Everything is per account and region like moto itself (state is keyed by ARN), so STS
AssumeRole into another account keeps working.
"""

from __future__ import annotations

import math
import os
import sys
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable

from moto.core.responses import EmptyResult
from moto.core.utils import utcnow
from moto.sagemaker import models as sm_models
from moto.sagemaker import responses as sm_responses
from moto.sagemaker.exceptions import ResourceInUseException, ValidationError

STEP_SECONDS = float(os.environ.get("SIM_STEP_SECONDS", "1.0"))
if not STEP_SECONDS > 0:
    raise SystemExit(f"SIM_STEP_SECONDS must be > 0, got {STEP_SECONDS!r}")

NOT_FOUND = "Requested resource not found."
FAIL_ENV_KEY = "SIM_FAIL_REASON"

Backend = sm_models.SageMakerModelBackend
Response = sm_responses.SageMakerResponse

_LOCK = threading.RLock()


@dataclass
class SimState:
    """Simulation state of one job, kept beside moto's object (keyed by ARN)."""

    created: datetime
    # Request members that moto's model object does not keep (echoed by Describe).
    extras: dict[str, Any] = field(default_factory=dict)
    stop_requested: datetime | None = None
    # Values of moto's object set aside while the simulated state hides them.
    saved: dict[str, Any] = field(default_factory=dict)


_STATES: dict[str, SimState] = {}


def _at(state: SimState, steps: float) -> datetime:
    return state.created + timedelta(seconds=steps * STEP_SECONDS)


def _elapsed_steps(state: SimState, now: datetime) -> float:
    return (now - state.created).total_seconds() / STEP_SECONDS


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
# Generic machinery, driven by the per-kind table


@dataclass
class Kind:
    kind: str  # "TrainingJob": the operations are Create<kind>, Describe<kind>, ...
    label: str  # "training job", as AWS words its messages
    store: str  # backend attribute holding {name: moto object}
    name_param: str  # request member holding the name
    status_attr: str  # moto object attribute holding the primary status
    refresh: Callable[[Any, SimState, datetime], None]
    duplicate_error: Callable[[str, str], Exception]  # (name, arn) -> exception
    in_progress: str = "InProgress"
    stoppable: bool = True

    @property
    def snake(self) -> str:
        out = ""
        for ch in self.kind:
            out += ("_" + ch.lower()) if ch.isupper() and out else ch.lower()
        return out


def _state_for(kind: Kind, backend: Backend, obj: Any) -> SimState:
    with _LOCK:
        state = _STATES.get(obj.arn)
        if state is None:  # created before patching or by other means: start now
            state = _STATES[obj.arn] = SimState(created=obj.creation_time)
        return state


def _refresh(kind: Kind, backend: Backend, obj: Any) -> None:
    with _LOCK:
        kind.refresh(obj, _state_for(kind, backend, obj), utcnow())


def _lookup(kind: Kind, backend: Backend, name: str) -> Any:
    obj = getattr(backend, kind.store).get(name)
    if obj is None:
        raise ValidationError(NOT_FOUND)
    return obj


def _install(kind: Kind) -> None:
    create = f"create_{kind.snake}"
    describe = f"describe_{kind.snake}"
    list_ = f"list_{kind.snake}s"
    stop = f"stop_{kind.snake}"

    # Create: refuse duplicates, remember creation time and the members moto drops.
    orig_create_response = getattr(Response, create)

    def create_response(self: Response) -> Any:
        backend = self.sagemaker_backend
        name = self._get_param(kind.name_param)
        with _LOCK:
            existing = getattr(backend, kind.store).get(name)
            if existing is not None:
                raise kind.duplicate_error(name, existing.arn)
            result = orig_create_response(self)
            obj = getattr(backend, kind.store)[name]
            params = dict(self._get_params() or {})
            _STATES[obj.arn] = SimState(created=obj.creation_time, extras=params)
            _refresh(kind, backend, obj)
        return result

    create_response.__name__ = create
    setattr(Response, create, create_response)

    # Describe: real not-found text, current status, echo dropped members.
    orig_describe = getattr(Backend, describe)

    def describe_backend(self: Backend, name: str, *args: Any, **kwargs: Any) -> Any:
        with _LOCK:
            obj = _lookup(kind, self, name)
            _refresh(kind, self, obj)
            result = orig_describe(self, name, *args, **kwargs)
            if isinstance(result, dict):
                members = _output_members(f"Describe{kind.kind}")
                for key, value in _state_for(kind, self, obj).extras.items():
                    if key in members and key not in result and value is not None:
                        result[key] = value
            return result

    describe_backend.__name__ = describe
    setattr(Backend, describe, describe_backend)

    # List: statuses (and StatusEquals filters) must see the current state.
    if hasattr(Backend, list_):
        orig_list = getattr(Backend, list_)

        def list_backend(self: Backend, *args: Any, **kwargs: Any) -> Any:
            with _LOCK:
                for obj in list(getattr(self, kind.store).values()):
                    _refresh(kind, self, obj)
                return orig_list(self, *args, **kwargs)

        list_backend.__name__ = list_
        setattr(Backend, list_, list_backend)

    if not kind.stoppable:
        return

    def stop_backend(self: Backend, name: str) -> None:
        with _LOCK:
            obj = _lookup(kind, self, name)
            _refresh(kind, self, obj)
            status = getattr(obj, kind.status_attr)
            if status != kind.in_progress:
                raise ValidationError(
                    f"The request was rejected because the {kind.label} is in status {status}."
                )
            _state_for(kind, self, obj).stop_requested = utcnow()
            _refresh(kind, self, obj)

    stop_backend.__name__ = stop
    setattr(Backend, stop, stop_backend)

    def stop_response(self: Response) -> Any:
        getattr(self.sagemaker_backend, stop)(self._get_param(kind.name_param))
        return EmptyResult()

    stop_response.__name__ = stop
    setattr(Response, stop, stop_response)


KINDS = [
    Kind(
        kind="TrainingJob",
        label="training job",
        store="training_jobs",
        name_param="TrainingJobName",
        status_attr="training_job_status",
        refresh=refresh_training_job,
        duplicate_error=lambda name, arn: ResourceInUseException(
            "Training job names must be unique within an AWS account and region, "
            f"and a training job with this name already exists ({arn})"
        ),
    ),
]


def install() -> None:
    for kind in KINDS:
        _install(kind)


def main(argv: list[str] | None = None) -> None:
    install()
    from moto import server

    server.main(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    main()

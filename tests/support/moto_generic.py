"""22 more SageMaker kinds for the moto server of moto_sagemaker.py, emulated from one table.

`moto_sagemaker.install()` calls `install()` here. moto 5.2.5 lacks most operations of these
kinds, and the ones it has never move a status; so every operation of these kinds is answered
here instead (`SageMakerResponse.<operation>` replaced), from state kept in this module:
`_STORE`, keyed by (account, region, kind, key) under `_LOCK`, wiped per account and region
by moto's reset like moto's own state. Each kind is one `Spec` in `SPECS` (bottom of the
file): its ids, ARN, status member, the phases of each operation, which statuses refuse an
operation, its NotFound/AlreadyExists errors, plus a few small hooks for what only it does.

Status progression works as in moto_sagemaker.py: an operation shows `phases[i]` as status
during step i after the call that started it (one step = SIM_STEP_SECONDS, default 1.0),
then its end status; computed lazily on every call. LastModifiedTime = start of the current
phase (or of the settled status, or the last change applied at once, whichever is later).

Generic rules (every kind):
  * Describe<Kind> answers the stored create request's members that are members of the
    Describe output shape (botocore's model), the identifying members, the ARN member, the
    status member, CreationTime, LastModifiedTime, FailureReason when set, and the kind's
    extras. Update<Kind> merges the update request's members that are members of the create
    input shape into the stored request (replacing each member; hooks where the shapes
    differ), applied when the update phases end.
  * Tags: AddTags/DeleteTags/ListTags by ResourceArn work on every resource here; ARNs of
    other kinds go to moto (with moto_sagemaker's kinds).
  * A create whose Tags carry `sagemaker-simulator/running-steps` = N stays in its last
    creating phase until N steps have passed (a pipeline execution: its parameter
    SIM_RUNNING_STEPS), so that a test can stop it while it runs.
  * A create whose Tags carry `sagemaker-simulator/fail-reason` ends in the kind's failed
    status with FailureReason = the value when its creating phases end; a tag
    `sagemaker-simulator/reject-reason` makes the create itself fail (ValidationException,
    message = the value).
  * Update/Delete while the status is busy: ValidationException
    'Cannot update in-progress <label> "<arn>".'; Stop from another status than the
    stoppable one: 'The request was rejected because the <label> is in status <status>.'
  * List<Kind>s answers the model's summary members filled from the Describe answer,
    with NameContains / *Contains / *Equals / StatusEquals / EndpointName / time filters,
    SortBy/SortOrder (default CreationTime, Descending) and MaxResults/NextToken (offset).

Responses are returned as moto `ActionResult`s: moto serializes them with the operation's
output shape (datetimes as epoch seconds for SageMaker's JSON protocol; members outside the
shape dropped), as its own SageMaker responses do.
"""

from __future__ import annotations

import calendar
import copy
import hashlib
import math
import os
import string
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable

from moto.core.responses import ActionResult, get_service_model
from moto.core.utils import camelcase_to_underscores, utcnow
from moto.moto_api._internal import mock_random
from moto.sagemaker import models as sm_models
from moto.sagemaker import responses as sm_responses
from moto.sagemaker.exceptions import (
    ConflictException,
    ResourceInUseException,
    ResourceNotFound,
    ValidationError,
)
from moto.sagemaker.utils import arn_formatter
from moto.utilities.utils import get_partition

STEP_SECONDS = float(os.environ.get("SIM_STEP_SECONDS", "1.0"))
FAIL_TAG = "sagemaker-simulator/fail-reason"
REJECT_TAG = "sagemaker-simulator/reject-reason"
FAIL_KEY = "SIM_FAIL_REASON"
RUNNING_TAG = "sagemaker-simulator/running-steps"
RUNNING_KEY = "SIM_RUNNING_STEPS"
TERMINAL = frozenset({"Completed", "Failed", "Stopped"})

Backend = sm_models.SageMakerModelBackend
Response = sm_responses.SageMakerResponse
Scope = tuple[str, str]  # (account, region)
Params = dict[str, Any]  # request members by AWS name, or an answer body

_LOCK = threading.RLock()


def _steps(n: float) -> timedelta:
    return timedelta(seconds=n * STEP_SECONDS)


def _model() -> Any:
    return get_service_model("sagemaker")


def _members(operation: str, which: str = "output") -> set[str]:
    cache = _members.__dict__.setdefault("cache", {})
    if (operation, which) not in cache:
        op = _model().operation_model(operation)
        shape = op.output_shape if which == "output" else op.input_shape
        cache[(operation, which)] = set(shape.members) if shape is not None else set()
    return cache[(operation, which)]


def _has_operation(operation: str) -> bool:
    return operation in _model().operation_names


def _random_id(n: int, alphabet: str = string.ascii_lowercase + string.digits) -> str:
    return "".join(mock_random.choice(alphabet) for _ in range(n))


def _hex(text: str, n: int) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:n]


def _tag(tags: list[dict[str, str]] | None, key: str) -> str | None:
    return next((t.get("Value", "") for t in tags or [] if t.get("Key") == key), None)


# --------------------------------------------------------------------------------------
# State


@dataclass
class Op:
    """An operation in flight: shows `phases[i]` during step i after `at`, then `finish`."""

    at: datetime
    phases: tuple[str, ...]
    finish: Callable[["Res", datetime], None]


@dataclass
class Res:
    spec: "Spec"
    scope: Scope
    key: tuple[str, ...]
    arn: str
    ids: dict[str, Any]  # identifying members, echoed by Describe
    request: dict[str, Any]  # the create request (without Tags), updated by Update<Kind>
    tags: list[dict[str, str]]
    created: datetime
    status: str | None = None  # settled status (None: the kind has none)
    since: datetime | None = None  # when the settled status began
    touched: datetime | None = None  # last change applied at once
    failure: str | None = None
    op: Op | None = None
    gone: bool = False
    history: list[tuple[str, datetime]] = field(default_factory=list)  # settled statuses
    x: dict[str, Any] = field(default_factory=dict)  # kind-specific state
    cur: str | None = None  # status now (set by _refresh)
    cur_since: datetime | None = None

    @property
    def name(self) -> str:
        """The name lists filter and sort by (a versioned model package: its group's)."""
        return self.x.get("name", self.key[-1])

    @property
    def account(self) -> str:
        return self.scope[0]

    @property
    def region(self) -> str:
        return self.scope[1]

    @property
    def modified(self) -> datetime:
        times = [t for t in (self.cur_since, self.touched, self.created) if t is not None]
        return max(times)

    def settle(self, status: str | None, when: datetime) -> None:
        self.status, self.since = status, when
        if status is not None:
            self.history.append((status, when))


# (account, region, kind, key) -> Res
_STORE: dict[tuple[str, str, str, tuple[str, ...]], Res] = {}
# (account, region, purpose) -> {token: answer}: idempotency tokens
_TOKENS: dict[tuple[str, str, str], dict[str, Any]] = {}


def _refresh(res: Res, now: datetime) -> bool:
    """Brings `res` up to `now`; False (and removed) if it has ceased to exist."""
    op = res.op
    if op is not None:
        steps = (now - op.at).total_seconds() / STEP_SECONDS
        if steps < len(op.phases):
            i = max(0, int(steps))
            res.cur, res.cur_since = op.phases[i], op.at + _steps(i)
            return True
        res.op = None
        op.finish(res, op.at + _steps(len(op.phases)))
    res.cur, res.cur_since = res.status, res.since
    if res.gone:
        _STORE.pop((*res.scope, res.spec.kind, res.key), None)
        if res.spec.on_gone is not None:
            res.spec.on_gone(res, now)
        return False
    return True


def _live(scope: Scope, kind: str, now: datetime | None = None) -> list[Res]:
    now = now or utcnow()
    found = [r for (a, g, k, _), r in list(_STORE.items()) if (a, g, k) == (*scope, kind)]
    return [r for r in found if _refresh(r, now)]


def _get(scope: Scope, kind: str, key: tuple[str, ...], now: datetime | None = None) -> Res | None:
    res = _STORE.get((*scope, kind, key))
    if res is None or not _refresh(res, now or utcnow()):
        return None
    return res


def _by_arn(scope: Scope, arn: str, kinds: set[str] | None = None) -> Res | None:
    now = utcnow()
    for (a, g, k, _), res in list(_STORE.items()):
        if (a, g) == scope and (kinds is None or k in kinds) and res.arn.lower() == arn.lower():
            return res if _refresh(res, now) else None
    return None


def _arn(scope: Scope, arn_type: str, path: str) -> str:
    account, region = scope
    return f"arn:{get_partition(region)}:sagemaker:{region}:{account}:{arn_type}/{path.lower()}"


# --------------------------------------------------------------------------------------
# The table's types


@dataclass
class Msg:
    """An error: `text` formatted with {name} (the id as given), {arn} and the id members."""

    error: type
    text: str

    def __call__(self, **fields: Any) -> Exception:
        return self.error(self.text.format(**fields))


@dataclass
class Move:
    """An operation that changes the status: `phases`, then `to` (None: status unchanged,
    or for a delete: the resource is gone). It may start from `allowed` statuses (None: any
    status but the kind's busy ones); else `refuse(res)` is raised (None: the generic text)."""

    phases: tuple[str, ...] = ()
    to: str | None = None
    allowed: frozenset[str] | None = None
    refuse: Callable[[Res], Exception] | None = None


Hook = Callable[..., Any]


@dataclass
class Spec:
    kind: str  # "TransformJob": operations Create<kind>, Describe<kind>, ...
    label: str  # "transform job", as AWS words its messages
    ids: tuple[str, ...]  # request members identifying a resource (its key, in order)
    arn_type: str  # arn:...:<arn_type>/<key joined by "/", lowercased>
    arn_member: str
    not_found: Msg
    exists: Msg
    status_member: str | None = None
    creating: tuple[str, ...] | Callable[[Res], tuple[str, ...]] = ()
    ready: str | None = None  # status once created
    failed: str | None = None  # status when the fail tag says so
    busy: frozenset[str] = frozenset()  # statuses refusing Update/Delete by default
    update: Move | None = None  # None: no Update<kind>
    delete: Move | None = None  # None: no Delete<kind>
    stop: Move | None = None
    start: Move | None = None
    create_op: str | None = None  # default Create<kind>
    list_op: str | None = None  # default List<kind>s when the model has it
    summary_aliases: dict[str, str] = field(default_factory=dict)  # summary member <- body member
    # Hooks (all optional)
    key_of: Hook | None = None  # (params) -> key, for lookups
    new_key: Hook | None = None  # (scope, params) -> key of a new resource (may assign ids)
    find: Hook | None = None  # (scope, params) -> Res | None, replaces the lookup by key
    not_found_fields: Hook | None = None  # (scope, params) -> fields for `not_found`
    idempotent: Hook | None = None  # (scope, params) -> answer of an earlier create, or None
    replaceable: Hook | None = None  # (existing Res) -> True if a create may replace it
    check_create: Hook | None = None  # (backend, scope, params) -> None (raises)
    on_create: Hook | None = None  # (res, params) -> None
    create_answer: Hook | None = None  # (res) -> dict added to the create answer
    fail_reason: Hook | None = None  # (params, tags) -> str | None; default: the fail tag
    running_steps: Hook | None = None  # (params, tags) -> str | None; default: the running tag
    extras: Hook | None = None  # (res, body, now) -> None: Describe/List extras
    apply_update: Hook | None = None  # (res, params, changes) -> None; default: merge
    on_update: Hook | None = None  # (res, params, now) -> None, at the Update call
    guard_delete: Hook | None = None  # (res) -> None (raises), after the status check
    on_stop: Hook | None = None  # (res, now) -> None
    on_gone: Hook | None = None  # (res, now) -> None
    list_scope: Hook | None = None  # (scope, params, [Res]) -> [Res]
    summary_extra: Hook | None = None  # (res, body, summary) -> None
    # More operations: name -> fn(backend, scope, params, now) -> answer body
    extra_operations: dict[str, Hook] = field(default_factory=dict)

    @property
    def create_name(self) -> str:
        return self.create_op or f"Create{self.kind}"


def _key_of(spec: Spec, params: dict[str, Any]) -> tuple[str, ...]:
    if spec.key_of is not None:
        return spec.key_of(params)
    return tuple(str(params.get(m) or "") for m in spec.ids)


def _fields(res: Res) -> dict[str, Any]:
    return {**{m: res.ids.get(m, "") for m in res.spec.ids}, "name": res.name, "arn": res.arn}


def _find(scope: Scope, spec: Spec, params: dict[str, Any]) -> Res | None:
    if spec.find is not None:
        return spec.find(scope, params)
    given = params.get(spec.ids[-1])
    if len(spec.ids) == 1 and isinstance(given, str) and given.startswith("arn:"):
        return _by_arn(scope, given, {spec.kind})
    return _get(scope, spec.kind, _key_of(spec, params))


def _require(scope: Scope, spec: Spec, params: dict[str, Any]) -> Res:
    res = _find(scope, spec, params)
    if res is not None:
        return res
    if spec.not_found_fields is not None:
        raise spec.not_found(**spec.not_found_fields(scope, params))
    key = _key_of(spec, params)
    given = params.get(spec.ids[-1]) or ""
    arn = given if str(given).startswith("arn:") else _arn(scope, spec.arn_type, "/".join(key))
    raise spec.not_found(**{m: params.get(m) or "" for m in spec.ids}, name=given, arn=arn)


def _guard(spec: Spec, move: Move, res: Res, stop: bool = False) -> None:
    ok = res.cur in move.allowed if move.allowed is not None else res.cur not in spec.busy
    if ok:
        return
    if move.refuse is not None:
        raise move.refuse(res)
    if stop:
        raise ValidationError(
            f"The request was rejected because the {spec.label} is in status {res.cur}."
        )
    raise ValidationError(f'Cannot update in-progress {spec.label} "{res.arn}".')


def _only(operation: str, body: dict[str, Any]) -> dict[str, Any]:
    members = _members(operation)
    return {k: v for k, v in body.items() if k in members and v is not None}


def _body(res: Res, now: datetime) -> dict[str, Any]:
    """Everything Describe/List may show of `res` (filtered by the caller's shape)."""
    spec = res.spec
    body: dict[str, Any] = copy.deepcopy(res.request)
    body.update(copy.deepcopy(res.ids))
    body[spec.arn_member] = res.arn
    if spec.status_member is not None:
        body[spec.status_member] = res.cur
    body["CreationTime"] = res.created
    body["LastModifiedTime"] = res.modified
    if res.failure is not None:
        body["FailureReason"] = res.failure
    body["Tags"] = copy.deepcopy(res.tags)
    if spec.extras is not None:
        spec.extras(res, body, now)
    return body


def _merge(res: Res, params: dict[str, Any], changes: dict[str, Any]) -> None:
    res.request.update(copy.deepcopy(changes))


# --------------------------------------------------------------------------------------
# Generic operations: fn(backend, scope, params, now) -> answer body


def _create(spec: Spec) -> Hook:
    def fn(backend: Any, scope: Scope, params: dict[str, Any], now: datetime) -> dict[str, Any]:
        tags = copy.deepcopy(list(params.get("Tags") or []))
        reject = _tag(tags, REJECT_TAG)
        if reject is not None:
            raise ValidationError(reject)
        if spec.idempotent is not None:
            earlier = spec.idempotent(scope, params)
            if earlier is not None:
                return earlier
        key = spec.new_key(scope, params) if spec.new_key else _key_of(spec, params)
        existing = _get(scope, spec.kind, key, now)
        if existing is not None and not (spec.replaceable and spec.replaceable(existing)):
            raise spec.exists(**_fields(existing))
        if spec.check_create is not None:
            spec.check_create(backend, scope, params)
        res = Res(
            spec=spec,
            scope=scope,
            key=key,
            arn=_arn(scope, spec.arn_type, "/".join(key)),
            ids={m: params[m] for m in spec.ids if params.get(m) is not None},
            request={k: copy.deepcopy(v) for k, v in params.items() if k != "Tags"},
            tags=tags,
            created=now,
        )
        _STORE[(*scope, spec.kind, key)] = res
        if spec.on_create is not None:
            spec.on_create(res, params)
        phases = spec.creating(res) if callable(spec.creating) else spec.creating
        running = (spec.running_steps or (lambda p, t: _tag(t, RUNNING_TAG)))(params, tags)
        if running is not None and phases:
            # a job kept running this many steps (its last phase repeated): time to stop it
            phases = (*phases, *(phases[-1],) * max(0, int(running) - len(phases)))
        fail = (spec.fail_reason or (lambda p, t: _tag(t, FAIL_TAG)))(params, tags)

        def finish(res: Res, end: datetime) -> None:
            if fail is not None and spec.failed is not None:
                res.settle(spec.failed, end)
                res.failure = fail
            else:
                res.settle(spec.ready, end)

        if phases:
            res.settle(None, now)
            res.op = Op(now, tuple(phases), finish)
        else:
            finish(res, now)
        _refresh(res, now)
        answer = {spec.arn_member: res.arn}
        if spec.create_answer is not None:
            answer.update(spec.create_answer(res))
        return answer

    return fn


def _describe(spec: Spec) -> Hook:
    def fn(backend: Any, scope: Scope, params: dict[str, Any], now: datetime) -> dict[str, Any]:
        res = _require(scope, spec, params)
        return _only(f"Describe{spec.kind}", _body(res, now))

    return fn


NOT_MERGED = {"Tags", "ClientToken", "ClientRequestToken"}


def _update(spec: Spec, move: Move) -> Hook:
    create_members = _members(spec.create_name, "input")

    def fn(backend: Any, scope: Scope, params: dict[str, Any], now: datetime) -> dict[str, Any]:
        res = _require(scope, spec, params)
        _guard(spec, move, res)
        changes = {
            k: v
            for k, v in params.items()
            if k in create_members and k not in spec.ids and k not in NOT_MERGED
        }
        if spec.on_update is not None:
            spec.on_update(res, params, now)
        apply = spec.apply_update or _merge
        if move.phases:

            def finish(res: Res, end: datetime) -> None:
                apply(res, params, changes)
                res.settle(move.to or res.status, end)

            res.op = Op(now, move.phases, finish)
        else:
            apply(res, params, changes)
            res.touched = now
            if move.to is not None:
                res.settle(move.to, now)
        _refresh(res, now)
        return _only(f"Update{spec.kind}", {spec.arn_member: res.arn})

    return fn


def _delete(spec: Spec, move: Move) -> Hook:
    def fn(backend: Any, scope: Scope, params: dict[str, Any], now: datetime) -> dict[str, Any]:
        res = _require(scope, spec, params)
        _guard(spec, move, res)
        if spec.guard_delete is not None:
            spec.guard_delete(res)

        def finish(res: Res, end: datetime) -> None:
            if move.to is None:
                res.gone = True
            else:
                res.settle(move.to, end)

        if move.phases:
            res.op = Op(now, move.phases, finish)
        else:
            finish(res, now)
        _refresh(res, now)
        return _only(f"Delete{spec.kind}", {spec.arn_member: res.arn})

    return fn


def _transition(spec: Spec, move: Move, verb: str) -> Hook:
    """Stop<kind> / Start<kind>."""

    def fn(backend: Any, scope: Scope, params: dict[str, Any], now: datetime) -> dict[str, Any]:
        res = _require(scope, spec, params)
        _guard(spec, move, res, stop=True)
        if verb == "Stop" and spec.on_stop is not None:
            spec.on_stop(res, now)

        def finish(res: Res, end: datetime) -> None:
            res.settle(move.to, end)

        res.op = None  # a stop cuts the running operation short
        if move.phases:
            res.op = Op(now, move.phases, finish)
        else:
            finish(res, now)
        _refresh(res, now)
        return _only(f"{verb}{spec.kind}", {spec.arn_member: res.arn})

    return fn


def _sort_and_page(
    params: dict[str, Any],
    items: list[tuple[Res, dict[str, Any]]],
    sort_key: Callable[[str, Res, dict[str, Any]], Any],
    default_sort: str = "CreationTime",
    default_order: str = "Descending",
) -> tuple[list[dict[str, Any]], str | None]:
    sort_by = params.get("SortBy") or default_sort
    order = params.get("SortOrder") or default_order
    items = sorted(items, key=lambda it: sort_key(sort_by, *it), reverse=order == "Descending")
    start = int(params.get("NextToken") or 0)
    size = int(params.get("MaxResults") or 100)
    page = [s for _, s in items[start : start + size]]
    return page, (str(start + size) if start + size < len(items) else None)


def _list(spec: Spec, operation: str) -> Hook:
    shape = _model().operation_model(operation).output_shape
    list_member = next(k for k, v in shape.members.items() if v.type_name == "list")
    summary_members = set(shape.members[list_member].member.members)
    inputs = _members(operation, "input")

    def matches(
        param: str, value: Any, res: Res, body: dict[str, Any], summary: dict[str, Any]
    ) -> bool:
        """Whether `res` passes the filter `param`; filters not understood pass everything."""
        if param == "NameContains":
            return str(value).lower() in res.name.lower()
        if param.endswith("Prefix"):  # PipelineNamePrefix
            return res.name.startswith(str(value))
        for suffix, later in (("After", True), ("Before", False)):
            if param.endswith(suffix) and isinstance(value, datetime):
                member = param[: -len(suffix)]
                got = body.get("CreationTime" if member == "Created" else member)
                if not isinstance(got, datetime):
                    return True
                return got > value if later else got < value
        if param.endswith("Contains"):
            got = summary.get(param[: -len("Contains")], body.get(param[: -len("Contains")]))
            return isinstance(got, str) and str(value).lower() in got.lower()
        if param == "StatusEquals":
            member = spec.status_member
        elif param.endswith("Equals"):
            member = param[: -len("Equals")]
        elif param in ("EndpointName", "MonitoringJobDefinitionName", "ModelApprovalStatus"):
            member = param
        else:
            return True
        got = summary.get(member, body.get(member))
        if isinstance(got, list):
            return value in got
        if isinstance(got, dict):
            return got.get("Status") == value
        return got == value

    def sort_key(sort_by: str, res: Res, summary: dict[str, Any]) -> Any:
        if sort_by == "Name":
            return (res.name.lower(), res.created)
        if sort_by.endswith("Status"):
            return (str(res.cur), res.created)
        if sort_by == "LastModifiedTime":
            return (res.modified, res.created)
        if sort_by.endswith("Arn"):
            return (res.arn, res.created)
        return (res.created, res.arn)

    def fn(backend: Any, scope: Scope, params: dict[str, Any], now: datetime) -> dict[str, Any]:
        found = _live(scope, spec.kind, now)
        if spec.list_scope is not None:
            found = spec.list_scope(scope, params, found)
        items = []
        for res in found:
            body = _body(res, now)
            summary = {m: body[m] for m in summary_members if body.get(m) is not None}
            for member, source in spec.summary_aliases.items():
                if member in summary_members and body.get(source) is not None:
                    summary[member] = body[source]
            if spec.summary_extra is not None:
                spec.summary_extra(res, body, summary)
            if all(
                matches(p, params[p], res, body, summary)
                for p in inputs
                if params.get(p) is not None
            ):
                items.append((res, summary))
        page, token = _sort_and_page(params, items, sort_key)
        return {list_member: page, "NextToken": token}

    return fn


# --------------------------------------------------------------------------------------
# Kind hooks


def remember_stop(res: Res, now: datetime) -> None:
    res.x["stop_at"] = now


def _job_times(start_member: str | None, end_member: str) -> Hook:
    """Start time = one step after creation once reached; end time once ended."""

    def extras(res: Res, body: dict[str, Any], now: datetime) -> None:
        if start_member is not None and now >= res.created + _steps(1):
            body[start_member] = res.created + _steps(1)
        if res.cur in TERMINAL:
            body[end_member] = res.cur_since

    return extras


# HyperParameterTuningJob


def _hpo_count(params: dict[str, Any]) -> int:
    config = params.get("HyperParameterTuningJobConfig") or {}
    limit = (config.get("ResourceLimits") or {}).get("MaxNumberOfTrainingJobs") or 2
    return max(1, min(int(limit), 3))


def _hpo_objective(res: Res) -> tuple[str, str]:
    objective = (res.request.get("HyperParameterTuningJobConfig") or {}).get(
        "HyperParameterTuningJobObjective"
    ) or {}
    return objective.get("MetricName") or "validation:auc", objective.get("Type") or "Maximize"


def hpo_on_create(res: Res, params: dict[str, Any]) -> None:
    name = res.name
    res.x["children"] = [
        f"{name}-{i + 1:03d}-{_hex(name + str(i), 8)}" for i in range(_hpo_count(params))
    ]


def hpo_children(res: Res, now: datetime) -> list[dict[str, Any]]:
    """The tuning job's training jobs as TrainingJobSummaries at `now`."""
    metric, kind = _hpo_objective(res)
    stop_at = res.x.get("stop_at")
    out = []
    for i, child in enumerate(res.x["children"]):
        done_at = res.created + _steps(i + 2)
        summary: dict[str, Any] = {
            "TrainingJobName": child,
            "TrainingJobArn": _arn(res.scope, "training-job", child),
            "TuningJobName": res.name,
            "CreationTime": res.created,
            "TrainingStartTime": res.created,
            "TunedHyperParameters": {},
        }
        if stop_at is not None and stop_at < done_at and now >= stop_at:
            stopped = now >= stop_at + _steps(1)
            summary["TrainingJobStatus"] = "Stopped" if stopped else "Stopping"
            summary["ObjectiveStatus"] = "Pending"
            if stopped:
                summary["TrainingEndTime"] = stop_at + _steps(1)
        elif now >= done_at:
            summary["TrainingJobStatus"] = "Completed"
            summary["TrainingEndTime"] = done_at
            summary["ObjectiveStatus"] = "Succeeded"
            summary["FinalHyperParameterTuningJobObjectiveMetric"] = {
                "Type": kind,
                "MetricName": metric,
                "Value": round(0.5 + 0.1 * i, 6),
            }
        else:
            summary["TrainingJobStatus"] = "InProgress"
            summary["ObjectiveStatus"] = "Pending"
        out.append(summary)
    return out


def _hpo_best(res: Res, children: list[dict[str, Any]]) -> dict[str, Any] | None:
    done = [c for c in children if c["TrainingJobStatus"] == "Completed"]
    if not done:
        return None
    value = lambda c: c["FinalHyperParameterTuningJobObjectiveMetric"]["Value"]  # noqa: E731
    _, kind = _hpo_objective(res)
    return copy.deepcopy(max(done, key=value) if kind != "Minimize" else min(done, key=value))


def hpo_extras(res: Res, body: dict[str, Any], now: datetime) -> None:
    children = hpo_children(res, now)
    count = lambda s: sum(1 for c in children if c["TrainingJobStatus"] == s)  # noqa: E731
    body["TrainingJobStatusCounters"] = {
        "Completed": count("Completed"),
        "InProgress": count("InProgress") + count("Stopping"),
        "RetryableError": 0,
        "NonRetryableError": 0,
        "Stopped": count("Stopped"),
    }
    succeeded = sum(1 for c in children if c["ObjectiveStatus"] == "Succeeded")
    body["ObjectiveStatusCounters"] = {
        "Succeeded": succeeded,
        "Pending": len(children) - succeeded,
        "Failed": 0,
    }
    best = _hpo_best(res, children)
    if best is not None:
        body["BestTrainingJob"] = best
    if res.cur in TERMINAL:
        body["HyperParameterTuningEndTime"] = res.cur_since


def hpo_summary_extra(res: Res, body: dict[str, Any], summary: dict[str, Any]) -> None:
    config = res.request.get("HyperParameterTuningJobConfig") or {}
    for member in ("Strategy", "ResourceLimits"):
        if config.get(member) is not None:
            summary[member] = copy.deepcopy(config[member])


def list_training_jobs_for_hpo(backend: Any, scope: Scope, params: Params, now: datetime) -> Params:
    res = _require(scope, HPO, params)
    children = hpo_children(res, now)
    status = params.get("StatusEquals")
    if status:
        children = [c for c in children if c["TrainingJobStatus"] == status]
    sort_by = params.get("SortBy") or "Name"
    if sort_by == "FinalObjectiveMetricValue":  # jobs without the metric are left out
        children = [c for c in children if "FinalHyperParameterTuningJobObjectiveMetric" in c]

    def key(sort_by: str, _res: Any, c: dict[str, Any]) -> Any:
        if sort_by == "FinalObjectiveMetricValue":
            return c["FinalHyperParameterTuningJobObjectiveMetric"]["Value"]
        if sort_by == "Status":
            return (c["TrainingJobStatus"], c["TrainingJobName"])
        if sort_by == "CreationTime":
            return (c["CreationTime"], c["TrainingJobName"])
        return c["TrainingJobName"]

    page, token = _sort_and_page(params, [(None, c) for c in children], key, "Name", "Ascending")
    return {"TrainingJobSummaries": page, "NextToken": token}


# TransformJob


def transform_check_create(backend: Any, scope: Scope, params: dict[str, Any]) -> None:
    name = params.get("ModelName")
    if name not in backend._models:
        raise ValidationError(f'Could not find model "{arn_formatter("model", name, *scope)}".')


# Monitoring job definitions and schedules

JOB_DEFINITION_PREFIXES = {
    "DataQuality": "DataQualityJobDefinition",
    "ModelQuality": "ModelQualityJobDefinition",
    "ModelBias": "ModelBiasJobDefinition",
    "ModelExplainability": "ModelExplainabilityJobDefinition",
}


def _job_definition_endpoint(res: Res) -> str | None:
    prefix = res.spec.kind[: -len("JobDefinition")]
    job_input = res.request.get(f"{prefix}JobInput") or {}
    return (job_input.get("EndpointInput") or {}).get("EndpointName")


def job_definition_summary_extra(res: Res, body: dict[str, Any], summary: dict[str, Any]) -> None:
    endpoint = _job_definition_endpoint(res)
    if endpoint is not None:
        summary["EndpointName"] = endpoint


def _schedule_facts(res: Res) -> dict[str, Any]:
    """MonitoringType, MonitoringJobDefinitionName and EndpointName of a schedule."""
    config = res.request.get("MonitoringScheduleConfig") or {}
    monitoring_type = config.get("MonitoringType") or "DataQuality"
    facts: dict[str, Any] = {"MonitoringType": monitoring_type}
    definition_name = config.get("MonitoringJobDefinitionName")
    endpoint = None
    if definition_name:
        facts["MonitoringJobDefinitionName"] = definition_name
        kinds = [JOB_DEFINITION_PREFIXES.get(monitoring_type), *JOB_DEFINITION_PREFIXES.values()]
        for kind in [k for k in kinds if k]:
            definition = _get(res.scope, kind, (definition_name,))
            if definition is not None:
                endpoint = _job_definition_endpoint(definition)
                break
    for item in (config.get("MonitoringJobDefinition") or {}).get("MonitoringInputs") or []:
        endpoint = endpoint or (item.get("EndpointInput") or {}).get("EndpointName")
    if endpoint:
        facts["EndpointName"] = endpoint
    return facts


def schedule_on_update(res: Res, params: dict[str, Any], now: datetime) -> None:
    res.history.append(("Pending", now))  # no execution starts while the update runs


def _last_execution(res: Res, now: datetime) -> tuple[int, datetime] | None:
    """(index, start) of the latest execution started by `now`: while Scheduled (from time
    S, the end of the create/update/start that made it so), executions start at S + 4k
    steps; `index` counts the executions of all Scheduled periods."""
    latest, index = None, 0
    every = 4 * STEP_SECONDS
    for i, (status, begin) in enumerate(res.history):
        if status != "Scheduled" or now < begin:
            continue
        count = math.floor((now - begin).total_seconds() / every) + 1
        if i + 1 < len(res.history):  # the period ended: starts strictly before its end
            end = res.history[i + 1][1]
            count = min(count, math.ceil((end - begin).total_seconds() / every))
        if count > 0:
            index += count
            latest = (index - 1, begin + _steps(4 * (count - 1)))
    return latest


def schedule_extras(res: Res, body: dict[str, Any], now: datetime) -> None:
    facts = _schedule_facts(res)
    body.update(facts)
    last = _last_execution(res, now)
    if last is None:
        return
    k, start = last
    done = now >= start + _steps(2)
    summary = {
        "MonitoringScheduleName": res.name,
        "ScheduledTime": start,
        "CreationTime": start,
        "LastModifiedTime": start + _steps(2) if done else start,
        "MonitoringExecutionStatus": "Completed" if done else "InProgress",
        "ProcessingJobArn": _arn(res.scope, "processing-job", f"{res.name}-{k}"),
        **{
            m: facts[m]
            for m in ("EndpointName", "MonitoringJobDefinitionName", "MonitoringType")
            if m in facts
        },
    }
    body["LastMonitoringExecutionSummary"] = summary


# Domain, UserProfile, Space, App


def domain_new_key(scope: Scope, params: dict[str, Any]) -> tuple[str, ...]:
    return ("d-" + _random_id(12),)


def domain_check_create(backend: Any, scope: Scope, params: dict[str, Any]) -> None:
    name = params.get("DomainName")
    if any(d.request.get("DomainName") == name for d in _live(scope, "Domain")):
        raise ResourceInUseException(
            f"Resource Already Exists: Domain with name {name} already exists. "
            "Choose a different name."
        )


def _domain_url(res: Res) -> str:
    return f"https://{res.key[0]}.studio.{res.region}.sagemaker.aws"


def domain_on_create(res: Res, params: dict[str, Any]) -> None:
    res.ids["DomainId"] = res.key[0]
    res.x["efs"] = "fs-" + _random_id(8, "0123456789abcdef")
    res.x["uids"] = 200000


def domain_extras(res: Res, body: dict[str, Any], now: datetime) -> None:
    body["Url"] = _domain_url(res)
    body["HomeEfsFileSystemId"] = res.x["efs"]


def domain_apply_update(res: Res, params: dict[str, Any], changes: dict[str, Any]) -> None:
    _merge(res, params, changes)
    update = params.get("DomainSettingsForUpdate")
    if update:
        settings = dict(res.request.get("DomainSettings") or {})
        for key, value in update.items():
            if key == "RStudioServerProDomainSettingsForUpdate":
                key = "RStudioServerProDomainSettings"
            settings[key] = copy.deepcopy(value)
        res.request["DomainSettings"] = settings


def domain_guard_delete(res: Res) -> None:
    domain_id = res.key[0]
    children = [
        r
        for kind in ("UserProfile", "Space")
        for r in _live(res.scope, kind)
        if r.key[0] == domain_id
    ]
    children += [a for a in _live(res.scope, "App") if a.key[0] == domain_id and a.cur != "Deleted"]
    if children:
        raise ResourceInUseException(
            f"Cannot delete domain {domain_id} because it has user profiles, spaces or apps"
        )


def _require_domain(scope: Scope, domain_id: Any) -> Res:
    domain = _get(scope, "Domain", (str(domain_id or ""),))
    if domain is None:
        raise ResourceNotFound(f"Domain {domain_id} not found")
    return domain


def domain_child_check_create(backend: Any, scope: Scope, params: dict[str, Any]) -> None:
    _require_domain(scope, params.get("DomainId"))


def domain_child_on_create(res: Res, params: dict[str, Any]) -> None:
    domain = _get(res.scope, "Domain", (res.key[0],))
    domain.x["uids"] += 1
    res.x["uid"] = str(domain.x["uids"])


def user_profile_extras(res: Res, body: dict[str, Any], now: datetime) -> None:
    body["HomeEfsFileSystemUid"] = res.x["uid"]


def space_extras(res: Res, body: dict[str, Any], now: datetime) -> None:
    body["HomeEfsFileSystemUid"] = res.x["uid"]
    studio = f"https://{res.key[0]}.studio.{res.region}.sagemaker.aws"
    body["Url"] = f"{studio}/spaces/{res.name.lower()}"


def app_key(params: dict[str, Any]) -> tuple[str, ...]:
    owner = params.get("UserProfileName") or params.get("SpaceName") or ""
    return (
        str(params.get("DomainId") or ""),
        str(owner),
        str(params.get("AppType") or ""),
        str(params.get("AppName") or ""),
    )


def app_check_create(backend: Any, scope: Scope, params: dict[str, Any]) -> None:
    domain_id = params.get("DomainId")
    _require_domain(scope, domain_id)
    user, space = params.get("UserProfileName"), params.get("SpaceName")
    if bool(user) == bool(space):
        raise ValidationError("Exactly one of UserProfileName and SpaceName must be specified.")
    owner_spec = USER_PROFILE if user else SPACE
    owner = user or space
    if _get(scope, owner_spec.kind, (str(domain_id), owner)) is None:
        name_member = "UserProfileName" if user else "SpaceName"
        raise owner_spec.not_found(
            DomainId=domain_id,
            **{name_member: owner},
            name=owner,
            arn=_arn(scope, owner_spec.arn_type, f"{domain_id}/{owner}"),
        )


def app_guard_delete(res: Res) -> None:
    if res.cur == "Deleted":
        raise res.spec.not_found(**_fields(res))


# FeatureGroup


def feature_group_on_create(res: Res, params: dict[str, Any]) -> None:
    res.x["digits"] = str(calendar.timegm(res.created.timetuple()))


def feature_group_extras(res: Res, body: dict[str, Any], now: datetime) -> None:
    offline = body.get("OfflineStoreConfig")
    if offline:
        digits = res.x["digits"]
        if not offline.get("DataCatalogConfig") and not offline.get("DisableGlueTableCreation"):
            offline["DataCatalogConfig"] = {
                "TableName": f"{res.name.lower().replace('-', '_')}_{digits}",
                "Catalog": "AwsDataCatalog",
                "Database": "sagemaker_featurestore",
            }
        s3 = offline.get("S3StorageConfig")
        if s3 and s3.get("S3Uri"):
            s3["ResolvedOutputS3Uri"] = (
                f"{s3['S3Uri'].rstrip('/')}/{res.account}/sagemaker/{res.region}"
                f"/offline-store/{res.name}-{digits}/data"
            )
        if res.cur == "Created":
            body["OfflineStoreStatus"] = {"Status": "Active"}
    if res.x.get("last_update") is not None:
        body["LastUpdateStatus"] = copy.deepcopy(res.x["last_update"])


def feature_group_apply_update(res: Res, params: dict[str, Any], changes: dict[str, Any]) -> None:
    definitions = list(res.request.get("FeatureDefinitions") or [])
    definitions += copy.deepcopy(params.get("FeatureAdditions") or [])
    res.request["FeatureDefinitions"] = definitions
    for member in ("OnlineStoreConfig", "ThroughputConfig"):
        if params.get(member):
            current = res.request.get(member) or {}
            res.request[member] = {**current, **copy.deepcopy(params[member])}
    res.x["last_update"] = {"Status": "Successful"}


# InferenceComponent


def inference_component_check_create(backend: Any, scope: Scope, params: dict[str, Any]) -> None:
    name = params.get("EndpointName")
    try:
        backend.describe_endpoint(name)  # moto_sagemaker's: refreshes, refuses deleted ones
    except Exception:
        raise ValidationError(
            f'Could not find endpoint "{arn_formatter("endpoint", name, *scope)}".'
        ) from None


def inference_component_extras(res: Res, body: dict[str, Any], now: datetime) -> None:
    from moto.sagemaker.models import sagemaker_backends

    endpoint_name = res.request.get("EndpointName")
    endpoint = sagemaker_backends[res.account][res.region].endpoints.get(endpoint_name)
    if endpoint is not None:
        body["EndpointArn"] = endpoint.arn
    else:
        body["EndpointArn"] = arn_formatter("endpoint", endpoint_name, *res.scope)
    body.setdefault("VariantName", "AllTraffic")
    copies = (res.request.get("RuntimeConfig") or {}).get("CopyCount")
    if copies is not None:
        current = copies if res.cur in ("InService", "Updating", "Deleting") else 0
        body["RuntimeConfig"] = {"DesiredCopyCount": copies, "CurrentCopyCount": current}
    spec = body.get("Specification")
    container = (spec or {}).get("Container")
    if container and container.get("Image"):
        # What the service answers for Container.Image (a tag is resolved to a digest).
        image = container.pop("Image")
        container["DeployedImage"] = {
            "SpecifiedImage": image,
            "ResolvedImage": image,
            "ResolutionTime": res.created,
        }


def inference_component_apply_update(res: Res, params: Params, changes: Params) -> None:
    env = ((params.get("Specification") or {}).get("Container") or {}).get("Environment") or {}
    if env.get(FAIL_KEY) is not None:
        res.failure = env[FAIL_KEY]  # the old values stay, as when SageMaker rolls back
        return
    _merge(res, params, changes)
    res.failure = None


# LabelingJob

LABEL_TOTAL = 10
LABELED_BY_STEP = [0, 3, 6]  # Initializing, InProgress, InProgress; Completed: all


def labeling_extras(res: Res, body: dict[str, Any], now: datetime) -> None:
    until = res.x.get("stop_at") or now
    steps = int((until - res.created).total_seconds() / STEP_SECONDS)
    if res.cur == "Completed":
        labeled = LABEL_TOTAL
    elif res.cur == "Failed":
        labeled = LABELED_BY_STEP[-1]
    else:
        labeled = LABELED_BY_STEP[min(max(steps, 0), len(LABELED_BY_STEP) - 1)]
    human = labeled // 2
    body["LabelCounters"] = {
        "TotalLabeled": labeled,
        "HumanLabeled": human,
        "MachineLabeled": labeled - human,
        "FailedNonRetryableError": 0,
        "Unlabeled": LABEL_TOTAL - labeled,
    }
    body["JobReferenceCode"] = f"{res.account}{_hex(res.arn, 16)}"
    output = (res.request.get("OutputConfig") or {}).get("S3OutputPath")
    if res.cur == "Completed" and output:
        manifest = f"{output.rstrip('/')}/{res.name}/manifests/output/output.manifest"
        body["LabelingJobOutput"] = {"OutputDatasetS3Uri": manifest}


def labeling_summary_extra(res: Res, body: dict[str, Any], summary: dict[str, Any]) -> None:
    task = res.request.get("HumanTaskConfig") or {}
    if task.get("WorkteamArn"):
        summary["WorkteamArn"] = task["WorkteamArn"]
    if task.get("PreHumanTaskLambdaArn"):
        summary["PreHumanTaskLambdaArn"] = task["PreHumanTaskLambdaArn"]


# ModelPackageGroup, ModelPackage


def _packages_of(scope: Scope, group: str) -> list[Res]:
    packages = _live(scope, "ModelPackage")
    return [p for p in packages if p.request.get("ModelPackageGroupName") == group]


def model_package_group_guard_delete(res: Res) -> None:
    if _packages_of(res.scope, res.name):
        raise ConflictException(
            f"Model Package Group {res.name} cannot be deleted because it contains model packages."
        )


def model_package_idempotent(scope: Scope, params: dict[str, Any]) -> dict[str, Any] | None:
    token = params.get("ClientToken")
    if token is None:
        return None
    arn = _TOKENS.get((*scope, "ModelPackage"), {}).get(token)
    return {"ModelPackageArn": arn} if arn is not None else None


def model_package_new_key(scope: Scope, params: dict[str, Any]) -> tuple[str, ...]:
    group_name = params.get("ModelPackageGroupName")
    if not group_name:
        if not params.get("ModelPackageName"):
            raise ValidationError("ModelPackageName or ModelPackageGroupName must be specified.")
        return (params["ModelPackageName"],)
    group = _get(scope, "ModelPackageGroup", (group_name,))
    if group is None:
        raise ValidationError(f"ModelPackageGroup {group_name} does not exist.")
    return (group_name, str(group.x.get("last_version", 0) + 1))


def model_package_on_create(res: Res, params: dict[str, Any]) -> None:
    if len(res.key) == 2:
        group_name, version = res.key
        group = _get(res.scope, "ModelPackageGroup", (group_name,))
        group.x["last_version"] = int(version)
        res.x["name"] = group_name
        res.ids = {"ModelPackageName": group_name, "ModelPackageGroupName": group_name}
        res.ids["ModelPackageVersion"] = int(version)
        res.request.pop("ModelPackageName", None)
        res.request.setdefault("ModelApprovalStatus", "PendingManualApproval")
    token = params.get("ClientToken")
    if token is not None:
        _TOKENS.setdefault((*res.scope, "ModelPackage"), {})[token] = res.arn


def model_package_find(scope: Scope, params: dict[str, Any]) -> Res | None:
    given = params.get("ModelPackageArn") or params.get("ModelPackageName") or ""
    if given.startswith("arn:"):
        return _by_arn(scope, given, {"ModelPackage"})
    return _get(scope, "ModelPackage", (given,))


def model_package_not_found_fields(scope: Scope, params: dict[str, Any]) -> dict[str, Any]:
    given = params.get("ModelPackageArn") or params.get("ModelPackageName") or ""
    arn = given if given.startswith("arn:") else _arn(scope, "model-package", given)
    return {"name": given, "arn": arn, "ModelPackageName": given}


def model_package_extras(res: Res, body: dict[str, Any], now: datetime) -> None:
    body["ModelPackageStatusDetails"] = {"ValidationStatuses": [], "ImageScanStatuses": []}


def model_package_apply_update(res: Res, params: dict[str, Any], changes: dict[str, Any]) -> None:
    metadata = dict(res.request.get("CustomerMetadataProperties") or {})
    metadata.update(params.get("CustomerMetadataProperties") or {})
    for key in params.get("CustomerMetadataPropertiesToRemove") or []:
        metadata.pop(key, None)
    changes = {k: v for k, v in changes.items() if k != "CustomerMetadataProperties"}
    _merge(res, params, changes)
    if metadata or "CustomerMetadataProperties" in res.request:
        res.request["CustomerMetadataProperties"] = metadata
    if params.get("ApprovalDescription") is not None:
        res.request["ApprovalDescription"] = params["ApprovalDescription"]
    additions = params.get("AdditionalInferenceSpecificationsToAdd")
    if additions:
        current = list(res.request.get("AdditionalInferenceSpecifications") or [])
        res.request["AdditionalInferenceSpecifications"] = current + copy.deepcopy(additions)


def model_package_list_scope(scope: Scope, params: dict[str, Any], found: list[Res]) -> list[Res]:
    group = params.get("ModelPackageGroupName")
    if group:
        return [p for p in found if p.request.get("ModelPackageGroupName") == group]
    kind = params.get("ModelPackageType") or "Unversioned"  # the service's default
    if kind == "Both":
        return found
    versioned = kind == "Versioned"
    return [p for p in found if (len(p.key) == 2) == versioned]


# NotebookInstance


def _notebook_refusal(allowed: str, target: str) -> Callable[[Res], Exception]:
    return lambda res: ValidationError(
        f"Status ({res.cur}) not in ([{allowed}]). Unable to transition to ({target}) "
        f"for Notebook Instance ({res.arn})."
    )


NOTEBOOK_DEFAULTS = {
    "VolumeSizeInGB": 5,
    "PlatformIdentifier": "notebook-al2-v2",
    "DirectInternetAccess": "Enabled",
    "RootAccess": "Enabled",
}


def notebook_extras(res: Res, body: dict[str, Any], now: datetime) -> None:
    body["Url"] = f"{res.name}.notebook.{res.region}.sagemaker.aws"
    for member, default in NOTEBOOK_DEFAULTS.items():
        body.setdefault(member, default)
    if body.get("LifecycleConfigName"):
        body["NotebookInstanceLifecycleConfigName"] = body["LifecycleConfigName"]
    if body.get("SecurityGroupIds") is not None:
        body["SecurityGroups"] = body["SecurityGroupIds"]


NOTEBOOK_DISASSOCIATE = {
    "DisassociateLifecycleConfig": "LifecycleConfigName",
    "DisassociateAcceleratorTypes": "AcceleratorTypes",
    "DisassociateDefaultCodeRepository": "DefaultCodeRepository",
    "DisassociateAdditionalCodeRepositories": "AdditionalCodeRepositories",
}


def notebook_apply_update(res: Res, params: dict[str, Any], changes: dict[str, Any]) -> None:
    _merge(res, params, changes)
    for flag, member in NOTEBOOK_DISASSOCIATE.items():
        if params.get(flag):
            res.request.pop(member, None)


# Pipeline, PipelineExecution


def _pipeline(scope: Scope, name_or_arn: Any) -> Res | None:
    given = str(name_or_arn or "")
    if given.startswith("arn:"):
        return _by_arn(scope, given, {"Pipeline"})
    return _get(scope, "Pipeline", (given,))


def _require_pipeline(scope: Scope, name_or_arn: Any) -> Res:
    pipeline = _pipeline(scope, name_or_arn)
    if pipeline is None:
        given = str(name_or_arn or "")
        arn = given if given.startswith("arn:") else _arn(scope, "pipeline", given)
        raise ResourceNotFound(f"Pipeline '{arn}' does not exist.")
    return pipeline


def pipeline_extras(res: Res, body: dict[str, Any], now: datetime) -> None:
    runs = [e.created for e in _live(res.scope, "PipelineExecution") if e.key[0] == res.name]
    if runs:
        body["LastRunTime"] = max(runs)


def pipeline_on_gone(res: Res, now: datetime) -> None:
    for execution in _live(res.scope, "PipelineExecution", now):
        if execution.key[0] == res.name:
            _STORE.pop((*res.scope, "PipelineExecution", execution.key), None)


def execution_idempotent(scope: Scope, params: dict[str, Any]) -> dict[str, Any] | None:
    pipeline = _require_pipeline(scope, params.get("PipelineName"))
    token = params.get("ClientRequestToken")
    arn = pipeline.x.setdefault("tokens", {}).get(token) if token else None
    return {"PipelineExecutionArn": arn} if arn is not None else None


def execution_new_key(scope: Scope, params: dict[str, Any]) -> tuple[str, ...]:
    pipeline = _require_pipeline(scope, params.get("PipelineName"))
    return (pipeline.name, "execution", _random_id(12))


def execution_on_create(res: Res, params: dict[str, Any]) -> None:
    pipeline = _get(res.scope, "Pipeline", (res.key[0],))
    res.request["PipelineName"] = pipeline.name
    res.x["pipeline_arn"] = pipeline.arn
    res.x["definition"] = pipeline.request.get("PipelineDefinition")
    token = params.get("ClientRequestToken")
    if token:
        pipeline.x.setdefault("tokens", {})[token] = res.arn


def _execution_parameter(name: str) -> Hook:
    """(params, tags) -> the value of the execution's pipeline parameter `name`, or None."""

    def fn(params: dict[str, Any], tags: Any) -> str | None:
        parameters = params.get("PipelineParameters") or []
        return next((p.get("Value") for p in parameters if p.get("Name") == name), None)

    return fn


def execution_find(scope: Scope, params: dict[str, Any]) -> Res | None:
    return _by_arn(scope, str(params.get("PipelineExecutionArn") or ""), {"PipelineExecution"})


def execution_not_found_fields(scope: Scope, params: dict[str, Any]) -> dict[str, Any]:
    arn = params.get("PipelineExecutionArn") or ""
    return {"name": arn, "arn": arn}


def execution_extras(res: Res, body: dict[str, Any], now: datetime) -> None:
    body["PipelineArn"] = res.x["pipeline_arn"]
    body["PipelineExperimentConfig"] = {"ExperimentName": res.key[0], "TrialName": res.key[-1]}


def execution_list_scope(scope: Scope, params: dict[str, Any], found: list[Res]) -> list[Res]:
    pipeline = _require_pipeline(scope, params.get("PipelineName"))
    return [e for e in found if e.key[0] == pipeline.name]


def describe_pipeline_definition_for_execution(
    backend: Any, scope: Scope, params: Params, now: datetime
) -> Params:
    res = _require(scope, PIPELINE_EXECUTION, params)
    return {"PipelineDefinition": res.x["definition"], "CreationTime": res.created}


def list_pipeline_parameters_for_execution(
    backend: Any, scope: Scope, params: Params, now: datetime
) -> Params:
    res = _require(scope, PIPELINE_EXECUTION, params)
    return {"PipelineParameters": copy.deepcopy(res.request.get("PipelineParameters") or [])}


# Project


def project_on_create(res: Res, params: dict[str, Any]) -> None:
    res.x["id"] = "p-" + _random_id(12)
    res.x["product"] = "pp-" + _random_id(12)


def project_extras(res: Res, body: dict[str, Any], now: datetime) -> None:
    body["ProjectId"] = res.x["id"]
    body["ServiceCatalogProvisionedProductDetails"] = {
        "ProvisionedProductId": res.x["product"],
        "ProvisionedProductStatusMessage": "AVAILABLE",
    }


def project_on_update(res: Res, params: dict[str, Any], now: datetime) -> None:
    if params.get("Tags") is not None:
        res.tags = copy.deepcopy(params["Tags"])


def project_apply_update(res: Res, params: dict[str, Any], changes: dict[str, Any]) -> None:
    _merge(res, params, changes)
    update = params.get("ServiceCatalogProvisioningUpdateDetails")
    if update:
        details = dict(res.request.get("ServiceCatalogProvisioningDetails") or {})
        details.update(copy.deepcopy(update))
        res.request["ServiceCatalogProvisioningDetails"] = details


# --------------------------------------------------------------------------------------
# The table


def _nf(text: str) -> Msg:
    return Msg(ResourceNotFound, text)


def _in_use(text: str) -> Msg:
    return Msg(ResourceInUseException, text)


def _invalid(text: str) -> Msg:
    return Msg(ValidationError, text)


JOB_NOT_FOUND = _invalid("Could not find requested job with name {name}")
JOB_EXISTS = _in_use(
    "Job name must be unique within an AWS account and region, and a job with this name "
    "already exists ({arn})"
)
STOP_JOB = Move(("Stopping",), "Stopped", allowed=frozenset({"InProgress"}))
DELETE_ENDED_JOB = Move((), None, allowed=TERMINAL)

HPO = Spec(
    kind="HyperParameterTuningJob",
    label="hyper parameter tuning job",
    ids=("HyperParameterTuningJobName",),
    arn_type="hyper-parameter-tuning-job",
    arn_member="HyperParameterTuningJobArn",
    status_member="HyperParameterTuningJobStatus",
    not_found=_nf("Amazon SageMaker can't find a tuning job with name {name}"),
    exists=_in_use(
        "Resource Already Exists: Hyper Parameter Tuning Job with name {name} already exists. "
        "Choose a different name."
    ),
    creating=lambda res: ("InProgress",) * (len(res.x["children"]) + 2),
    ready="Completed",
    failed="Failed",
    stop=STOP_JOB,
    delete=DELETE_ENDED_JOB,
    on_create=hpo_on_create,
    on_stop=remember_stop,
    extras=hpo_extras,
    summary_extra=hpo_summary_extra,
    extra_operations={"ListTrainingJobsForHyperParameterTuningJob": list_training_jobs_for_hpo},
)
TRANSFORM_JOB = Spec(
    kind="TransformJob",
    label="transform job",
    ids=("TransformJobName",),
    arn_type="transform-job",
    arn_member="TransformJobArn",
    status_member="TransformJobStatus",
    not_found=JOB_NOT_FOUND,
    exists=JOB_EXISTS,
    creating=("InProgress",) * 3,
    ready="Completed",
    failed="Failed",
    stop=STOP_JOB,
    check_create=transform_check_create,
    extras=_job_times("TransformStartTime", "TransformEndTime"),
)
PROCESSING_JOB = Spec(
    kind="ProcessingJob",
    label="processing job",
    ids=("ProcessingJobName",),
    arn_type="processing-job",
    arn_member="ProcessingJobArn",
    status_member="ProcessingJobStatus",
    not_found=JOB_NOT_FOUND,
    exists=JOB_EXISTS,
    creating=("InProgress",) * 3,
    ready="Completed",
    failed="Failed",
    stop=STOP_JOB,
    delete=DELETE_ENDED_JOB,
    extras=_job_times("ProcessingStartTime", "ProcessingEndTime"),
)


def _job_definition(prefix: str, arn_type: str) -> Spec:
    return Spec(
        kind=f"{prefix}JobDefinition",
        label="job definition",
        ids=("JobDefinitionName",),
        arn_type=arn_type,
        arn_member="JobDefinitionArn",
        not_found=_nf("Job definition {name} does not exist."),
        exists=_in_use(
            "Resource Already Exists: Job definition with name {name} already exists. "
            "Choose a different name."
        ),
        delete=Move(),
        summary_aliases={
            "MonitoringJobDefinitionName": "JobDefinitionName",
            "MonitoringJobDefinitionArn": "JobDefinitionArn",
        },
        summary_extra=job_definition_summary_extra,
    )


DATA_QUALITY = _job_definition("DataQuality", "data-quality-job-definition")
MODEL_BIAS = _job_definition("ModelBias", "model-bias-job-definition")
MODEL_EXPLAINABILITY = _job_definition("ModelExplainability", "model-explainability-job-definition")
MODEL_QUALITY = _job_definition("ModelQuality", "model-quality-job-definition")

MONITORING_SCHEDULE = Spec(
    kind="MonitoringSchedule",
    label="monitoring schedule",
    ids=("MonitoringScheduleName",),
    arn_type="monitoring-schedule",
    arn_member="MonitoringScheduleArn",
    status_member="MonitoringScheduleStatus",
    not_found=_nf("Monitoring Schedule {arn} does not exist."),
    exists=_in_use(
        "Resource Already Exists: Monitoring Schedule with name {name} already exists. "
        "Choose a different name."
    ),
    creating=("Pending",),
    ready="Scheduled",
    failed="Failed",
    busy=frozenset({"Pending"}),
    update=Move(("Pending",), "Scheduled"),
    delete=Move(),
    stop=Move((), "Stopped", allowed=frozenset({"Scheduled"})),
    start=Move((), "Scheduled", allowed=frozenset({"Stopped"})),
    on_update=schedule_on_update,
    extras=schedule_extras,
)
DOMAIN = Spec(
    kind="Domain",
    label="domain",
    ids=("DomainId",),
    arn_type="domain",
    arn_member="DomainArn",
    status_member="Status",
    not_found=_nf("Domain {DomainId} not found"),
    exists=_in_use(
        "Resource Already Exists: Domain with name {name} already exists. Choose a different name."
    ),
    creating=("Pending",),
    ready="InService",
    failed="Failed",
    busy=frozenset({"Pending", "Updating", "Deleting"}),
    update=Move(("Updating",), "InService"),
    delete=Move(("Deleting",)),
    new_key=domain_new_key,
    check_create=domain_check_create,
    on_create=domain_on_create,
    create_answer=lambda res: {"DomainId": res.key[0], "Url": _domain_url(res)},
    extras=domain_extras,
    apply_update=domain_apply_update,
    guard_delete=domain_guard_delete,
)
USER_PROFILE = Spec(
    kind="UserProfile",
    label="user profile",
    ids=("DomainId", "UserProfileName"),
    arn_type="user-profile",
    arn_member="UserProfileArn",
    status_member="Status",
    not_found=_nf("User profile with name {name} does not exist"),
    exists=_in_use("User profile already exists: {arn}"),
    creating=("Pending",),
    ready="InService",
    failed="Failed",
    busy=frozenset({"Pending", "Updating", "Deleting"}),
    update=Move(("Updating",), "InService"),
    delete=Move(("Deleting",)),
    check_create=domain_child_check_create,
    on_create=domain_child_on_create,
    extras=user_profile_extras,
)
SPACE = Spec(
    kind="Space",
    label="space",
    ids=("DomainId", "SpaceName"),
    arn_type="space",
    arn_member="SpaceArn",
    status_member="Status",
    not_found=_nf("Space with name {name} does not exist"),
    exists=_in_use("Space already exists: {arn}"),
    creating=("Pending",),
    ready="InService",
    failed="Failed",
    busy=frozenset({"Pending", "Updating", "Deleting"}),
    update=Move(("Updating",), "InService"),
    delete=Move(("Deleting",)),
    check_create=domain_child_check_create,
    on_create=domain_child_on_create,
    extras=space_extras,
)
APP = Spec(
    kind="App",
    label="app",
    ids=("DomainId", "UserProfileName", "SpaceName", "AppType", "AppName"),
    arn_type="app",
    arn_member="AppArn",
    status_member="Status",
    not_found=_nf("App with name {AppName} does not exist"),
    exists=_in_use("App already exists: {arn}"),
    creating=("Pending",),
    ready="InService",
    failed="Failed",
    busy=frozenset({"Pending", "Deleting"}),
    delete=Move(("Deleting",), "Deleted"),
    key_of=app_key,
    replaceable=lambda existing: existing.cur == "Deleted",
    check_create=app_check_create,
    guard_delete=app_guard_delete,
)
FEATURE_GROUP = Spec(
    kind="FeatureGroup",
    label="feature group",
    ids=("FeatureGroupName",),
    arn_type="feature-group",
    arn_member="FeatureGroupArn",
    status_member="FeatureGroupStatus",
    not_found=_nf(
        "Resource Not Found: Amazon SageMaker can't find a FeatureGroup with name {name}"
    ),
    exists=_in_use(
        "Resource Already Exists: FeatureGroup with name {name} already exists. "
        "Choose a different name."
    ),
    creating=("Creating",),
    ready="Created",
    failed="CreateFailed",
    busy=frozenset({"Creating", "Deleting"}),
    update=Move((), None, allowed=frozenset({"Created"})),
    delete=Move(("Deleting",)),
    on_create=feature_group_on_create,
    extras=feature_group_extras,
    apply_update=feature_group_apply_update,
)
INFERENCE_COMPONENT = Spec(
    kind="InferenceComponent",
    label="inference component",
    ids=("InferenceComponentName",),
    arn_type="inference-component",
    arn_member="InferenceComponentArn",
    status_member="InferenceComponentStatus",
    not_found=_invalid('Could not find inference component "{arn}".'),
    exists=_invalid('Cannot create already existing inference component "{arn}".'),
    creating=("Creating",),
    ready="InService",
    failed="Failed",
    busy=frozenset({"Creating", "Updating", "Deleting"}),
    update=Move(("Updating",), "InService", allowed=frozenset({"InService"})),
    delete=Move(("Deleting",)),
    check_create=inference_component_check_create,
    extras=inference_component_extras,
    apply_update=inference_component_apply_update,
)
LABELING_JOB = Spec(
    kind="LabelingJob",
    label="labeling job",
    ids=("LabelingJobName",),
    arn_type="labeling-job",
    arn_member="LabelingJobArn",
    status_member="LabelingJobStatus",
    not_found=_invalid('Could not find labeling job "{arn}".'),
    exists=JOB_EXISTS,
    creating=("Initializing", "InProgress", "InProgress"),
    ready="Completed",
    failed="Failed",
    stop=STOP_JOB,
    on_stop=remember_stop,
    extras=labeling_extras,
    summary_extra=labeling_summary_extra,
)
MODEL_PACKAGE_GROUP = Spec(
    kind="ModelPackageGroup",
    label="model package group",
    ids=("ModelPackageGroupName",),
    arn_type="model-package-group",
    arn_member="ModelPackageGroupArn",
    status_member="ModelPackageGroupStatus",
    not_found=_invalid("ModelPackageGroup {name} does not exist."),
    exists=_invalid("Model Package Group already exists: {arn}"),
    creating=("Pending", "InProgress"),
    ready="Completed",
    failed="Failed",
    busy=frozenset({"Pending", "InProgress", "Deleting"}),
    delete=Move(("Deleting",)),
    guard_delete=model_package_group_guard_delete,
)
MODEL_PACKAGE = Spec(
    kind="ModelPackage",
    label="model package",
    ids=("ModelPackageName",),
    arn_type="model-package",
    arn_member="ModelPackageArn",
    status_member="ModelPackageStatus",
    not_found=_invalid("Model package {name} does not exist."),
    exists=Msg(ConflictException, "Model Package {name} already exists."),
    creating=("Pending", "InProgress"),
    ready="Completed",
    failed="Failed",
    update=Move(),
    delete=Move(),
    idempotent=model_package_idempotent,
    new_key=model_package_new_key,
    find=model_package_find,
    not_found_fields=model_package_not_found_fields,
    on_create=model_package_on_create,
    extras=model_package_extras,
    apply_update=model_package_apply_update,
    list_scope=model_package_list_scope,
)
NOTEBOOK_INSTANCE = Spec(
    kind="NotebookInstance",
    label="notebook instance",
    ids=("NotebookInstanceName",),
    arn_type="notebook-instance",
    arn_member="NotebookInstanceArn",
    status_member="NotebookInstanceStatus",
    not_found=_invalid("RecordNotFound"),
    exists=_invalid("Cannot create a duplicate Notebook Instance ({arn})"),
    creating=("Pending",),
    ready="InService",
    failed="Failed",
    update=Move(
        ("Updating",), "Stopped", frozenset({"Stopped"}), _notebook_refusal("Stopped", "Updating")
    ),
    delete=Move(
        ("Deleting",),
        None,
        frozenset({"Stopped", "Failed"}),
        _notebook_refusal("Stopped, Failed", "Deleting"),
    ),
    stop=Move(("Stopping",), "Stopped", allowed=frozenset({"InService"})),
    start=Move(
        ("Pending",), "InService", frozenset({"Stopped"}), _notebook_refusal("Stopped", "Pending")
    ),
    extras=notebook_extras,
    apply_update=notebook_apply_update,
)
NOTEBOOK_LIFECYCLE_CONFIG = Spec(
    kind="NotebookInstanceLifecycleConfig",
    label="notebook instance lifecycle config",
    ids=("NotebookInstanceLifecycleConfigName",),
    arn_type="notebook-instance-lifecycle-config",
    arn_member="NotebookInstanceLifecycleConfigArn",
    not_found=_invalid(
        "Unable to describe Notebook Instance Lifecycle Config '{name}'. "
        "(Details: Notebook Instance Lifecycle Config does not exist.)"
    ),
    exists=_invalid(
        "Unable to create Notebook Instance Lifecycle Config {arn}. "
        "(Details: Notebook Instance Lifecycle Config already exists.)"
    ),
    update=Move(),
    delete=Move(),
)
PIPELINE = Spec(
    kind="Pipeline",
    label="pipeline",
    ids=("PipelineName",),
    arn_type="pipeline",
    arn_member="PipelineArn",
    status_member="PipelineStatus",
    not_found=_nf("Pipeline '{arn}' does not exist."),
    exists=_in_use(
        "Pipeline names must be unique within an AWS account and region. "
        "Pipeline with name ({name}) already exists."
    ),
    creating=(),
    ready="Active",
    busy=frozenset({"Deleting"}),
    update=Move(),
    delete=Move(("Deleting",)),
    extras=pipeline_extras,
    on_gone=pipeline_on_gone,
    summary_aliases={"LastExecutionTime": "LastRunTime"},
)
PIPELINE_EXECUTION = Spec(
    kind="PipelineExecution",
    label="pipeline execution",
    ids=("PipelineExecutionArn",),
    arn_type="pipeline",
    arn_member="PipelineExecutionArn",
    status_member="PipelineExecutionStatus",
    not_found=_nf("Pipeline execution '{arn}' does not exist"),
    exists=_in_use("Pipeline execution {arn} already exists"),  # ids are random: never raised
    creating=("Executing",) * 3,
    ready="Succeeded",
    failed="Failed",
    stop=Move(("Stopping",), "Stopped", allowed=frozenset({"Executing"})),
    update=Move(),
    create_op="StartPipelineExecution",
    idempotent=execution_idempotent,
    new_key=execution_new_key,
    find=execution_find,
    not_found_fields=execution_not_found_fields,
    on_create=execution_on_create,
    fail_reason=_execution_parameter(FAIL_KEY),
    running_steps=_execution_parameter(RUNNING_KEY),
    extras=execution_extras,
    list_scope=execution_list_scope,
    summary_aliases={
        "StartTime": "CreationTime",
        "PipelineExecutionFailureReason": "FailureReason",
    },
    extra_operations={
        "DescribePipelineDefinitionForExecution": describe_pipeline_definition_for_execution,
        "ListPipelineParametersForExecution": list_pipeline_parameters_for_execution,
    },
)
PROJECT = Spec(
    kind="Project",
    label="project",
    ids=("ProjectName",),
    arn_type="project",
    arn_member="ProjectArn",
    status_member="ProjectStatus",
    not_found=_invalid("Project {name} does not exist."),
    exists=_invalid("Project with name {name} already exists."),
    creating=("CreateInProgress",),
    ready="CreateCompleted",
    failed="CreateFailed",
    busy=frozenset({"CreateInProgress", "UpdateInProgress", "DeleteInProgress"}),
    update=Move(("UpdateInProgress",), "UpdateCompleted"),
    delete=Move(("DeleteInProgress",)),
    on_create=project_on_create,
    create_answer=lambda res: {"ProjectId": res.x["id"]},
    extras=project_extras,
    on_update=project_on_update,
    apply_update=project_apply_update,
)

SPECS = [
    HPO,
    TRANSFORM_JOB,
    PROCESSING_JOB,
    DATA_QUALITY,
    MODEL_BIAS,
    MODEL_EXPLAINABILITY,
    MODEL_QUALITY,
    MONITORING_SCHEDULE,
    APP,
    DOMAIN,
    FEATURE_GROUP,
    INFERENCE_COMPONENT,
    LABELING_JOB,
    MODEL_PACKAGE_GROUP,
    MODEL_PACKAGE,
    NOTEBOOK_INSTANCE,
    NOTEBOOK_LIFECYCLE_CONFIG,
    PIPELINE,
    PIPELINE_EXECUTION,
    PROJECT,
    SPACE,
    USER_PROFILE,
]


# --------------------------------------------------------------------------------------
# Installation


def _set_operation(operation: str, fn: Hook) -> None:
    """Answers `operation` with fn(backend, scope, params, now) -> body."""
    if not _has_operation(operation):
        raise SystemExit(f"moto_generic: botocore's model has no operation {operation}")

    def handler(self: Response) -> ActionResult:
        backend = self.sagemaker_backend
        scope = (backend.account_id, backend.region_name)
        params = dict(self._get_params() or {})
        with _LOCK:
            return ActionResult(fn(backend, scope, params, utcnow()))

    handler.__name__ = camelcase_to_underscores(operation)
    setattr(Response, handler.__name__, handler)


def _install(spec: Spec) -> None:
    _set_operation(spec.create_name, _create(spec))
    _set_operation(f"Describe{spec.kind}", _describe(spec))
    if spec.update is not None:
        _set_operation(f"Update{spec.kind}", _update(spec, spec.update))
    if spec.delete is not None:
        _set_operation(f"Delete{spec.kind}", _delete(spec, spec.delete))
    if spec.stop is not None:
        _set_operation(f"Stop{spec.kind}", _transition(spec, spec.stop, "Stop"))
    if spec.start is not None:
        _set_operation(f"Start{spec.kind}", _transition(spec, spec.start, "Start"))
    list_op = spec.list_op or f"List{spec.kind}s"
    if _has_operation(list_op):
        _set_operation(list_op, _list(spec, list_op))
    for operation, fn in spec.extra_operations.items():
        _set_operation(operation, fn)


ARN_TYPES = {spec.arn_type for spec in SPECS}


def _tagged(self: Response) -> Res | None:
    """The resource here whose ARN the request names; None for other kinds' ARNs."""
    backend = self.sagemaker_backend
    scope = (backend.account_id, backend.region_name)
    arn = str(self._get_param("ResourceArn") or "")
    res = _by_arn(scope, arn)
    if res is not None:
        return res
    arn_type = arn.split(":", 5)[-1].split("/", 1)[0]
    if arn_type in ARN_TYPES:
        # Real wording not verified.
        raise ValidationError(f"Resource {arn} not found.")
    return None


def _install_tags() -> None:
    orig_add, orig_delete, orig_list = Response.add_tags, Response.delete_tags, Response.list_tags

    def add_tags(self: Response) -> Any:
        with _LOCK:
            res = _tagged(self)
            if res is None:
                return orig_add(self)
            new = {t["Key"]: t.get("Value", "") for t in self._get_param("Tags") or []}
            res.tags = [t for t in res.tags if t["Key"] not in new]
            res.tags += [{"Key": k, "Value": v} for k, v in new.items()]
            return ActionResult({"Tags": copy.deepcopy(res.tags)})

    def delete_tags(self: Response) -> Any:
        with _LOCK:
            res = _tagged(self)
            if res is None:
                return orig_delete(self)
            keys = set(self._get_param("TagKeys") or [])
            res.tags = [t for t in res.tags if t["Key"] not in keys]
            return ActionResult({})

    def list_tags(self: Response) -> Any:
        with _LOCK:
            res = _tagged(self)
            if res is None:
                return orig_list(self)
            return ActionResult({"Tags": copy.deepcopy(res.tags)})

    Response.add_tags, Response.delete_tags, Response.list_tags = add_tags, delete_tags, list_tags


def _install_reset() -> None:
    orig_reset = Backend.reset

    def reset(self: Backend) -> None:
        scope = (self.account_id, self.region_name)
        with _LOCK:
            for key in [k for k in _STORE if k[:2] == scope]:
                del _STORE[key]
            for key in [k for k in _TOKENS if k[:2] == scope]:
                del _TOKENS[key]
        orig_reset(self)

    Backend.reset = reset


def install() -> None:
    for spec in SPECS:
        _install(spec)
    _install_tags()
    _install_reset()

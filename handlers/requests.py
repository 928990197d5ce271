"""Typed requests: what a user may ask, validated at the edge before anything is touched."""

from __future__ import annotations

from typing import Annotated, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from provisioning.config.models import LABEL_RE
from provisioning.core.plan import MAX_BATCH
from provisioning.errors import FieldError

HostName = Annotated[str, StringConstraints(pattern=LABEL_RE)]
JenkinsLabel = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]
# A job's id, or any start of it (handlers.queries.find_job says which job, or why none).
JobId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{1,32}$")]

# How long a detach (alone or inside a refresh) waits for a Bob's running builds by default.
DETACH_WAIT_S = 300.0


MAX_TTL_S = 30 * 86400


class _Request(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PlanCreate(_Request):
    count: int = Field(ge=1, le=MAX_BATCH)
    host: HostName | None = None


class ListBobs(_Request):
    host: HostName | None = None


class ListJobs(_Request):
    limit: int = Field(default=20, ge=1, le=500)


class ShowJob(_Request):
    job_id: JobId


R = TypeVar("R", bound="_Request")


def build(kind: type[R], **fields: object) -> R:
    """Validate ``fields`` into a request, or raise a one-line UsageError saying what is allowed."""
    try:
        return kind.model_validate(fields)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"][:1])
        problem = f"{_explain(field, err['msg'])} (got {err['input']!r})"
        raise FieldError(field, problem) from exc


def _explain(field: str, message: str) -> str:
    if field == "count":
        return f"must be a whole number from 1 to {MAX_BATCH}"
    if field in ("host", "hosts") or field.startswith("names"):
        return "must be a host name: lower-case letters, digits and '-'"
    if field in ("name", "bob"):
        return "must be a name: lower-case letters, digits and '-'"
    if field == "controller":
        return "must be a controller name from the config: lower-case letters, digits and '-'"
    if field == "label":
        return "must be a Jenkins label: letters, digits, '_', '.' and '-'"
    if field == "wait":
        return "must be a number of seconds from 0 to 86400"
    if field == "parallel":
        return "must be a whole number from 1 to 16 (hosts rebuilt at once)"
    if field == "job_id":
        return "must be a job id as shown by `bob jobs`, or the start of one (hex digits)"
    return message


class CreateBobs(_Request):
    count: int = Field(ge=1, le=MAX_BATCH)
    host: HostName | None = None
    # Time to live: `bob serve` destroys the Bobs this long after the request.
    ttl_s: float | None = Field(default=None, gt=0, le=MAX_TTL_S)


class DestroyBobs(_Request):
    names: tuple[HostName, ...] = Field(min_length=1, max_length=MAX_BATCH)


class AttachBobs(_Request):
    count: int = Field(ge=1, le=MAX_BATCH)
    controller: HostName
    label: JenkinsLabel


class DetachBobs(_Request):
    names: tuple[HostName, ...] = Field(min_length=1, max_length=MAX_BATCH)
    wait: float = Field(default=DETACH_WAIT_S, ge=0, le=86400)


class DrainHost(_Request):
    host: HostName
    reason: str | None = Field(default=None, max_length=200, pattern=r"^[^\n\r\x00]*$")


class UndrainHost(_Request):
    host: HostName


class RebuildBase(_Request):
    """``hosts`` empty: every host that is not drained (a drained host is rebuilt only when
    named)."""

    hosts: tuple[HostName, ...] = Field(default=(), max_length=100)
    parallel: int = Field(default=1, ge=1, le=16)


class CancelJob(_Request):
    job_id: JobId


class PlanAttach(AttachBobs):
    """``attach … --dry-run``: which Bobs would be chosen, and why not the others."""


class PlanRebuild(RebuildBase):
    """``rebuild-base … --dry-run``."""


class Reconcile(_Request):
    fix: bool = False

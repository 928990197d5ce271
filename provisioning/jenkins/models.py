"""Validated requests to a controller and the typed results its scripts print.

Requests are strict on purpose: every value ends up inside a Groovy script (base64-encoded, but
still), so names and labels allow only what Jenkins and DNS need. A bad value raises
``pydantic.ValidationError`` here, before any script exists; :func:`validated` turns that into
:class:`JenkinsRequestInvalid` for callers.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from provisioning.config.models import LABEL_RE
from provisioning.config.models import RemoteFsPath as RemoteFs
from provisioning.jenkins.errors import JenkinsRequestInvalid

NodeName = Annotated[str, StringConstraints(pattern=LABEL_RE)]
Label = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]
Fqdn = Annotated[
    str,
    StringConstraints(
        max_length=253,
        pattern=r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$",
    ),
]
CredentialsId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,128}$")]
# Free text shown in Jenkins (a drain reason). Any character is safe inside base64; the limit
# only keeps the UI readable.
Reason = Annotated[str, StringConstraints(min_length=1, max_length=500)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SshLauncher(_Model):
    type: Literal["ssh"] = "ssh"
    host: Fqdn
    port: int = Field(default=22, ge=1, le=65535)
    credentials_id: CredentialsId


class InboundLauncher(_Model):
    type: Literal["inbound"] = "inbound"


class CommandLauncher(_Model):
    """Runs a command on the controller to start the agent (command-launcher plugin).

    The command comes from bob's config, never from chat; it still travels only as base64.
    """

    type: Literal["command"] = "command"
    command: str = Field(min_length=1, max_length=1000, pattern=r"^[^\n\r\x00]+$")


Launcher = Annotated[SshLauncher | InboundLauncher | CommandLauncher, Field(discriminator="type")]


class NodeMeta(_Model):
    """What bob writes into the node description after ``managed by bob ``."""

    bob: NodeName
    controller: NodeName
    label: Label
    heavy: bool = False
    job_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.-]{1,64}$")


class AttachSpec(_Model):
    name: NodeName
    label: Label
    executors: int = Field(ge=1, le=64)
    remote_fs: RemoteFs = "/home/jenkins"
    launcher: Launcher
    meta: NodeMeta


class NodeRef(_Model):
    name: NodeName


class DrainSpec(_Model):
    name: NodeName
    reason: Reason


class ListSpec(_Model):
    pass


M = TypeVar("M", bound=BaseModel)


def validated(model: type[M], **values: Any) -> M:
    """Build ``model`` or raise JenkinsRequestInvalid naming the field that is wrong."""
    try:
        return model(**values)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'value'}: {err['msg']}"
            for err in exc.errors()
        )
        raise JenkinsRequestInvalid(f"invalid Jenkins request: {problems}") from exc


# ---- results: what the templates print after "BOB_RESULT " ---------------------------------


class _Result(BaseModel):
    # Tolerant of extra keys so a newer template can add fields without breaking older bobs.
    model_config = ConfigDict(frozen=True, extra="ignore")


class JenkinsNode(_Result):
    name: str
    labels: str = ""
    executors: int
    remote_fs: str | None = None
    offline: bool
    temporarily_offline: bool = False
    offline_reason: str = ""
    idle: bool
    # Epoch milliseconds since which the agent has run nothing (Computer.idleStartMilliseconds).
    idle_since_ms: int | None = None
    busy_executors: int = 0
    managed: bool
    meta: dict[str, Any] | None = None
    launcher: dict[str, Any] | None = None

    @property
    def label_set(self) -> frozenset[str]:
        return frozenset(self.labels.split())


class ListResult(_Result):
    status: Literal["ok"]
    nodes: tuple[JenkinsNode, ...]


class Difference(_Result):
    expected: Any = None
    actual: Any = None


class AttachResult(_Result):
    status: Literal["created", "unchanged", "conflict", "error"]
    name: str
    differences: dict[str, Difference] = Field(default_factory=dict)
    kind: str | None = None
    message: str | None = None


class DrainResult(_Result):
    status: Literal["drained", "already-drained", "absent", "not-managed"]
    name: str
    reason: str | None = None


class UndrainResult(_Result):
    status: Literal["online", "already-online", "absent", "not-managed"]
    name: str


class DetachResult(_Result):
    status: Literal["removed", "absent", "busy", "not-managed"]
    name: str
    busy_executors: int = 0

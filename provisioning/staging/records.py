"""A staging environment as bob records it: one per pull request, served at pr-<N>.<domain>."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from provisioning.errors import UsageError

# owner/name as Git hosts spell repositories; the PR number after '#'.
_REF = re.compile(r"^(?P<repo>[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100})#(?P<pr>[0-9]{1,9})$")
BRANCH_RE = r"^[A-Za-z0-9._/-]{1,200}$"


class StageState(StrEnum):
    DEPLOYING = "deploying"
    UP = "up"
    OFF = "off"
    FAILED = "failed"


class StageEnv(BaseModel):
    model_config = ConfigDict(frozen=True)

    pr: int
    repo: str
    branch: str
    git_url: str
    bob: str  # the Bob it runs in: pr-<N>
    state: StageState
    job_id: str | None = None  # the last deploy (or close) job
    commit: str | None = None  # what runs, once deployed
    url: str = ""
    last_request: datetime | None = None
    updated_at: datetime

    def expiry(self, idle_off_s: float) -> datetime | None:
        """When it is switched off unless someone asks for it first (None: it is not up)."""
        if self.state is not StageState.UP:
            return None
        since = max(t for t in (self.last_request, self.updated_at) if t is not None)
        return since + timedelta(seconds=idle_off_s)


def parse_ref(text: str) -> tuple[str, int]:
    """``owner/name#7`` → (``owner/name``, 7)."""
    match = _REF.fullmatch(text.strip())
    if match is None:
        raise UsageError(f"not a pull request: {text!r} (expected OWNER/NAME#NUMBER)")
    return match.group("repo"), int(match.group("pr"))


def bob_name(pr: int) -> str:
    return f"pr-{pr}"


def hostname(pr: int, domain: str) -> str:
    return f"pr-{pr}.{domain}"

"""Destructive requests waiting for their Confirm button, each for a limited time.

Pending confirmations live in this process only: after a restart the buttons of older
messages answer "no longer valid", which is the safe way to fail.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from pydantic import BaseModel

CONFIRM_TTL_S = 300.0


@dataclass
class Pending:
    token: str
    requester: str
    channel: str
    command: str
    text: str
    request: BaseModel
    question: str
    expires_at: float
    ts: str | None = field(default=None)


class Confirmations:
    def __init__(
        self, ttl_s: float = CONFIRM_TTL_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl_s = ttl_s
        self._clock = clock
        self._pending: dict[str, Pending] = {}

    def add(
        self,
        *,
        requester: str,
        channel: str,
        command: str,
        text: str,
        request: BaseModel,
        question: str,
    ) -> Pending:
        pending = Pending(
            token=secrets.token_urlsafe(12),
            requester=requester,
            channel=channel,
            command=command,
            text=text,
            request=request,
            question=question,
            expires_at=self._clock() + self.ttl_s,
        )
        self._pending[pending.token] = pending
        return pending

    def now(self) -> float:
        return self._clock()

    def get(self, token: str) -> Pending | None:
        return self._pending.get(token)

    def expired(self, pending: Pending) -> bool:
        return self._clock() >= pending.expires_at

    def settle(self, token: str) -> Pending | None:
        """Remove and return it: a confirmation is answered once, by whoever is first."""
        return self._pending.pop(token, None)

"""The board's filters (host, controller, state), read from the query string."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from handlers.overview import SlotView

STATES = ("ready", "creating", "reserved", "interrupted", "failed", "destroying", "free")


@dataclass(frozen=True)
class Filters:
    host: str = ""
    controller: str = ""
    state: str = ""

    @classmethod
    def from_query(
        cls, query: Mapping[str, str], hosts: set[str], controllers: set[str]
    ) -> Filters:
        """Unknown values are dropped: a filter never hides everything by a typo."""
        host = query.get("host", "")
        controller = query.get("controller", "")
        state = query.get("state", "")
        return cls(
            host if host in hosts else "",
            controller if controller in controllers else "",
            state if state in STATES else "",
        )

    @property
    def narrows_bobs(self) -> bool:
        return bool(self.controller or self.state)

    def shows_host(self, host: str) -> bool:
        return not self.host or self.host == host

    def matches(self, slot: SlotView) -> bool:
        if self.state and slot.state != self.state:
            return False
        return not self.controller or slot.detail.startswith(f"{self.controller}/")

    def matches_free(self) -> bool:
        return not self.controller and self.state in ("", "free")

    def query(self) -> str:
        return urlencode({k: v for k, v in vars(self).items() if v})

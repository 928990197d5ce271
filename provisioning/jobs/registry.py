"""Job kinds: how to rebuild a job's steps from what the store holds about it."""

from __future__ import annotations

from collections.abc import Callable

from provisioning.jobs.errors import UnknownJobKind
from provisioning.jobs.steps import JobDefinition
from provisioning.records import JobRecord

# Steps are rebuilt from ``job.params`` alone, so a job survives the process that created it.
JobFactory = Callable[[JobRecord], JobDefinition]


class JobKinds:
    """Maps a job kind (``"create"``, ``"rebuild-base"``, …) to the factory of its steps."""

    def __init__(self, factories: dict[str, JobFactory] | None = None) -> None:
        self._factories: dict[str, JobFactory] = {}
        for kind, factory in (factories or {}).items():
            self.register(kind, factory)

    def register(self, kind: str, factory: JobFactory) -> None:
        if not kind:
            raise ValueError("a job kind needs a name")
        if kind in self._factories:
            raise ValueError(f"job kind {kind!r} is already registered")
        self._factories[kind] = factory

    def __contains__(self, kind: object) -> bool:
        return kind in self._factories

    @property
    def kinds(self) -> list[str]:
        return sorted(self._factories)

    def factory(self, kind: str) -> JobFactory:
        try:
            return self._factories[kind]
        except KeyError:
            raise UnknownJobKind(kind, self.kinds) from None

    def build(self, job: JobRecord) -> JobDefinition:
        return self.factory(job.kind)(job)

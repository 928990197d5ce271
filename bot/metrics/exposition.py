"""One process's metrics: its own registry, the job counters on the bus, the gauges read at
scrape time, and the aiohttp handler that serves them."""

from __future__ import annotations

from typing import Protocol

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from bot.metrics.fleet import FleetCollector, FleetReads, ReadNodes, read_snapshot
from bot.metrics.jobs import JobMetrics
from bot.metrics.reconcile import LastReconcile
from provisioning.config.models import Fleet
from provisioning.jobs import ProgressBus
from provisioning.ports import JobStore


class MetricsStore(FleetReads, JobStore, Protocol):
    """The store reads the metrics make."""


class Metrics:
    """Counts from the moment it is made: make it before the runner resumes any job."""

    def __init__(
        self,
        fleet: Fleet,
        store: MetricsStore,
        bus: ProgressBus,
        nodes: ReadNodes,
        reconciles: LastReconcile | None = None,
    ) -> None:
        self._fleet, self._store, self._nodes, self._reconciles = fleet, store, nodes, reconciles
        # Not prometheus_client's global registry: the counters of two runtimes in one
        # process (two tests, say) must never meet.
        self.registry = CollectorRegistry()
        self.jobs = JobMetrics(self.registry, self._kind_of)
        self._fleet_now = FleetCollector()
        self.registry.register(self._fleet_now)
        bus.subscribe(self.jobs)

    async def _kind_of(self, job_id: str) -> str:
        return (await self._store.get_job(job_id)).kind

    async def exposition(self) -> bytes:
        snapshot = await read_snapshot(self._fleet, self._store, self._nodes, self._reconciles)
        # No await between setting the snapshot and rendering it: no other scrape interleaves.
        self._fleet_now.snapshot = snapshot
        return generate_latest(self.registry)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        return web.Response(
            body=await self.exposition(), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )

"""The gauges, read when Prometheus scrapes: Bobs and free slots from the store, the Slack
backlog from the outbox, controller reachability, the last periodic reconcile.

prometheus_client collects synchronously and the store is async, so a scrape first reads a
:class:`FleetSnapshot` and then renders it; nothing here is kept between scrapes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from bot.metrics.reconcile import Differences, LastReconcile
from handlers.attachments import NodeLists
from handlers.overview import build_overview
from provisioning.config.models import Fleet
from provisioning.ports import FleetStore
from provisioning.records import BobState

RESERVED = "reserved"  # a slot held by a job whose Bob is not made yet
ReadNodes = Callable[[], Awaitable[NodeLists | None]]


class FleetReads(FleetStore, Protocol):
    async def outbox_backlog(self) -> int: ...


@dataclass(frozen=True)
class FleetSnapshot:
    bobs: dict[tuple[str, str], int]  # (host, state) → Bobs
    free: dict[str, int]  # host → free slots
    backlog: int
    controllers: dict[str, bool]  # controller → it answered
    reconcile: Differences | None


async def read_snapshot(
    fleet: Fleet, store: FleetReads, nodes: ReadNodes, reconciles: LastReconcile | None
) -> FleetSnapshot:
    bobs, reservations = await store.list_bobs(), await store.list_reservations()
    counts = Counter((b.host, b.state.value) for b in bobs)
    counts.update((r.host, RESERVED) for r in reservations)
    states = [s.value for s in BobState] + [RESERVED]
    # Every configured host and state, so a state that empties reads 0 rather than vanishing.
    every = {(h.name, s): 0 for h in fleet.hosts for s in states}
    overview = build_overview(fleet, bobs, reservations)
    lists = await nodes()
    return FleetSnapshot(
        bobs=every | dict(counts),
        free={h.name: sum(d.free for d in h.disks) for h in overview.hosts},
        backlog=await store.outbox_backlog(),
        controllers={
            c.name: lists is not None and c.name not in lists.errors for c in fleet.jenkins
        },
        reconcile=reconciles.last if reconciles is not None else None,
    )


class FleetCollector(Collector):
    """Renders the snapshot the scrape just read (set right before ``generate_latest``)."""

    def __init__(self) -> None:
        self.snapshot: FleetSnapshot | None = None

    def collect(self) -> Iterator[Metric]:
        s = self.snapshot
        if s is None:
            return
        yield _gauge(
            "bob_bobs", "Bobs in bob's records, by host and state.", ("host", "state"), s.bobs
        )
        yield _gauge(
            "bob_free_slots",
            "Empty slots on the host's disks (drained and cooling hosts included).",
            ("host",),
            {(host,): n for host, n in s.free.items()},
        )
        yield GaugeMetricFamily(
            "bob_slack_outbox_backlog",
            "Slack messages whose latest text Slack does not have yet.",
            value=s.backlog,
        )
        yield _gauge(
            "bob_controller_up",
            "1 when the Jenkins controller answered bob's last read, else 0.",
            ("controller",),
            {(name,): int(answered) for name, answered in s.controllers.items()},
        )
        if s.reconcile is not None:
            yield _gauge(
                "bob_reconcile_differences",
                "Differences the last periodic reconcile found, by kind.",
                ("kind",),
                {(kind,): n for kind, n in s.reconcile.by_kind.items()},
            )
            yield GaugeMetricFamily(
                "bob_reconcile_last_run_timestamp_seconds",
                "When the last periodic reconcile finished (seconds since the epoch).",
                value=s.reconcile.at,
            )


def _gauge(
    name: str, doc: str, labels: tuple[str, ...], values: Mapping[Any, float]
) -> GaugeMetricFamily:
    """One gauge with a sample for each key of ``values`` (a tuple: the labels' values)."""
    family = GaugeMetricFamily(name, doc, labels=labels)
    for key, value in sorted(values.items()):
        family.add_metric(key, value)
    return family

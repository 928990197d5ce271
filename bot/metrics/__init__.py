"""Prometheus metrics of one bob process, served at ``/metrics`` beside the board.

jobs.py        counters and the step histogram, from the progress bus as jobs run
fleet.py       gauges read from the store (and the controllers) when Prometheus scrapes
reconcile.py   what the last periodic reconcile found, kept for the next scrape
exposition.py  the per-process registry and the aiohttp handler

    metrics = Metrics(fleet, store, bus, nodes.read, reconciles)
    app.router.add_get("/metrics", metrics.handle)
"""

from bot.metrics.exposition import Metrics, MetricsStore
from bot.metrics.reconcile import LastReconcile

__all__ = ["LastReconcile", "Metrics", "MetricsStore"]

"""Counters and the step histogram, fed by the runner's progress bus as jobs run.

A subscriber (like the host health monitor): the bus awaits it, so it only counts. A job's
kind is in its ``job.started`` event; a job that fails before it starts (its steps cannot be
rebuilt) has none, so its kind is read from its record.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from prometheus_client import CollectorRegistry, Counter, Histogram

from provisioning.jobs import Event, JobFinished, JobStarted, StepFinished

KindOf = Callable[[str], Awaitable[str]]
LOCAL = "local"  # the host label of steps that run in bob's process (reserve, dns, …)
# Steps take from milliseconds (reserve) to minutes (a debootstrap, a readiness probe's 120 s).
STEP_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600)


class JobMetrics:
    def __init__(self, registry: CollectorRegistry, kind_of: KindOf) -> None:
        self._kind_of = kind_of
        self._kinds: dict[str, str] = {}  # job id → kind, while the job runs here
        self.jobs = Counter(
            "bob_jobs",
            "Jobs finished in this process, by kind and outcome.",
            ("kind", "outcome"),
            registry=registry,
        )
        self.steps = Histogram(
            "bob_step_duration_seconds",
            "How long steps took, by step, host and outcome (skipped steps are not counted).",
            ("step", "host", "outcome"),
            buckets=STEP_BUCKETS,
            registry=registry,
        )

    async def __call__(self, event: Event) -> None:
        if isinstance(event, JobStarted):
            self._kinds[event.job_id] = event.kind
        elif isinstance(event, StepFinished) and event.outcome != "skipped":
            host = event.host or LOCAL
            self.steps.labels(event.step, host, event.outcome).observe(event.duration_s)
        elif isinstance(event, JobFinished):
            kind = self._kinds.pop(event.job_id, None) or await self._kind_of(event.job_id)
            self.jobs.labels(kind, event.state.value).inc()

"""What a job's log records carry without any log call passing it: the job, and the lane, step
and host of the step that was running (or being undone) when the record was logged."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from provisioning import logfields
from tests.provisioning.jobs.scripted import params, step


class _Fields(logging.Handler):
    """Each record's event name (its message's first word) with the fields bound where it was
    logged."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.seen: list[tuple[str, dict[str, str]]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.seen.append((record.getMessage().split()[0], dict(logfields.current())))


@pytest.fixture
def logged() -> Iterator[list[tuple[str, dict[str, str]]]]:
    handler = _Fields()
    logger = logging.getLogger("bob.jobs")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield handler.seen
    logger.removeHandler(handler)
    logger.setLevel(level)


async def test_records_of_each_step_carry_its_job_lane_step_and_host(runner, submit, logged):
    job = await submit(
        params(
            step("clone-1", lane="bob001", host="host-a"),
            step("clone-2", lane="bob002", host="host-b"),
            step("start-2", lane="bob002", host="host-b", fail="no network"),
        )
    )

    await runner.run(job.id)

    def fields(lane: str, name: str, host: str) -> dict[str, str]:
        return {"job": job.id, "lane": lane, "step": name, "host": host}

    by_event = [(event, f) for event, f in logged if event.startswith("step.")]
    assert ("step.started", fields("bob001", "clone-1", "host-a")) in by_event
    assert ("step.finished", fields("bob002", "start-2", "host-b")) in by_event
    assert ("step.undone", fields("bob002", "clone-2", "host-b")) in by_event
    assert ("step.undone", fields("bob001", "clone-1", "host-a")) in by_event
    assert {"job": job.id} == dict(logged)["job.finished"]
    assert {} == logfields.current()  # nothing stays bound once the job is over

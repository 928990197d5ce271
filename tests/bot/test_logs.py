"""The ``bob`` command's log records: on stderr only, as text or one JSON object a line, each
carrying the fields bound where it was logged."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator

import pytest

from bot import logs
from provisioning import logfields

log = logging.getLogger("bob.test")


@pytest.fixture(autouse=True)
def _root_logging_restored() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_a_json_record_is_one_object_with_time_level_logger_message_and_bound_fields(capsys):
    logs.configure(1, "json")

    with logfields.bound(job="7f65c54b", host="host-a", bob="bob001", step="clone"):
        log.info("step.log line=%s", "cloned")

    out, err = capsys.readouterr()
    [line] = err.splitlines()
    record = json.loads(line)
    assert {
        "level": "info",
        "logger": "bob.test",
        "message": "step.log line=cloned",
        "job": "7f65c54b",
        "step": "clone",
        "host": "host-a",
        "bob": "bob001",
    } == {k: v for k, v in record.items() if k != "time"}
    assert record["time"].endswith("+00:00")
    assert "" == out


def test_a_record_logged_outside_any_job_carries_no_fields(capsys):
    logs.configure(0, "json")

    with logfields.bound(job="7f65c54b"):
        pass
    log.warning("host.unreachable")

    record = json.loads(capsys.readouterr().err)
    assert {"time", "level", "logger", "message"} == record.keys()


def test_a_json_record_of_an_exception_holds_its_traceback_in_the_same_line(capsys):
    logs.configure(0, "json")

    try:
        raise RuntimeError("store gone")
    except RuntimeError:
        log.exception("lane.error")

    [line] = capsys.readouterr().err.splitlines()
    assert "RuntimeError: store gone" in json.loads(line)["exception"]


def test_a_text_record_ends_with_its_bound_fields_as_key_value(capsys):
    logs.configure(1)

    with logfields.bound(bob="bob001", job="7f65c54b", host=None):
        log.info("step.started")

    err = capsys.readouterr().err
    assert "bob: INFO bob.test: step.started job=7f65c54b bob=bob001\n" == err


def test_a_text_record_keeps_its_traceback_below_the_line_with_its_fields(capsys):
    logs.configure(0)

    with logfields.bound(job="7f65c54b"):
        try:
            raise RuntimeError("store gone")
        except RuntimeError:
            log.exception("lane.error")

    first, *rest = capsys.readouterr().err.splitlines()
    assert "bob: ERROR bob.test: lane.error job=7f65c54b" == first
    assert "RuntimeError: store gone" == rest[-1]


async def test_concurrent_tasks_log_their_own_fields_and_inherit_their_parents(capsys):
    logs.configure(1, "json")

    both_bound = asyncio.Barrier(2)  # each lane logs only once the other has bound its Bob

    async def lane(bob: str) -> None:
        with logfields.bound(bob=bob):
            await both_bound.wait()
            log.info("lane")

    with logfields.bound(job="7f65c54b"):
        await asyncio.gather(lane("bob001"), lane("bob002"))

    records = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert [("7f65c54b", "bob001"), ("7f65c54b", "bob002")] == sorted(
        (r["job"], r["bob"]) for r in records
    )

"""`--json` on `list`, `jobs`, `job`, `plan create`, `host check`: the documented shape.

Each output is parsed back into its model in handlers.documents, strictly and with unknown fields
refused; docs/json.md is generated from those models and must be what they generate.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from bot.cli import main
from handlers.documents import (
    HostCheckDocument,
    JobDocument,
    JobsDocument,
    ListDocument,
    PlanDocument,
)
from handlers.json_reference import render
from provisioning.core.plan import plan_create
from provisioning.records import JournalEntry, NewJob, StepEvent
from provisioning.store import SqlStore
from tests.fleets import make_fleet

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = str(ROOT / "config" / "example.yaml")


@pytest.fixture(autouse=True)
def state_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("BOB_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("BOB_CONFIG", raising=False)
    monkeypatch.delenv("BOB_DATABASE_URL", raising=False)
    monkeypatch.delenv("BOB_DNS_TSIG_SECRET", raising=False)
    (tmp_path / "state").mkdir()
    return tmp_path / "state"


def printed(capsys, *argv):
    code = main([*argv, "--config", EXAMPLE])
    out, err = capsys.readouterr()
    assert (0, "") == (code, err)
    return out


def reserved(state_dir, count):
    """A create job holding ``count`` reservations, with a journal entry of each kind."""

    async def work():
        store = await SqlStore.open(f"sqlite+aiosqlite:///{state_dir / 'bob.db'}")
        try:
            fleet = make_fleet([(4, 5, 5), (4, 5, 5)])
            job, plan = await store.reserve(
                NewJob(kind="create", requested_by="ann", source="cli"),
                lambda held: plan_create(fleet, held, count),
            )
            at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
            entries = [
                (StepEvent.STARTED, None, "host-a", None),
                (StepEvent.LOG, None, "host-a", "Linux bob001"),
                (StepEvent.SUCCEEDED, 0.25, None, None),
            ]
            for event, took, host, detail in entries:
                await store.append_journal(
                    JournalEntry(
                        job_id=job.id,
                        step_index=0,
                        step="reserve",
                        lane=plan.bobs[0].name,
                        host=host,
                        event=event,
                        at=at,
                        duration_s=took,
                        detail=detail,
                    )
                )
            return job.id
        finally:
            await store.close()

    return asyncio.run(work())


def test_list(capsys, state_dir):
    reserved(state_dir, 2)

    document = ListDocument.model_validate_json(
        printed(capsys, "list", "--json", "--no-jenkins"), strict=True
    )

    host_a = document.hosts[0]
    assert (["host-a", "host-b", "host-c"], 2, 12) == (
        [h.name for h in document.hosts],
        host_a.used,
        host_a.free,
    )
    first = host_a.disks[0].bobs[0]
    assert ("bob001", "host-a", "disk1", "reserved", "10.250.1.2") == (
        first.name,
        first.host,
        first.disk,
        first.state,
        first.ip,
    )
    assert ([], None) == (document.unplaced, document.jenkins)


def test_jobs(capsys, state_dir):
    job_id = reserved(state_dir, 1)

    document = JobsDocument.model_validate_json(printed(capsys, "jobs", "--json"), strict=True)

    assert [(job_id, "create", "pending", "ann")] == [
        (j.id, j.kind, j.state, j.requested_by) for j in document.jobs
    ]


def test_job_by_a_prefix_of_its_id(capsys, state_dir):
    job_id = reserved(state_dir, 1)

    document = JobDocument.model_validate_json(
        printed(capsys, "job", job_id[:6], "--json"), strict=True
    )

    assert job_id == document.job.id
    assert [("started", None), ("log", "Linux bob001"), ("succeeded", None)] == [
        (s.event, s.detail) for s in document.steps
    ]
    assert [None, None, 0.25] == [s.duration_s for s in document.steps]


def test_plan_create(capsys):
    document = PlanDocument.model_validate_json(
        printed(capsys, "plan", "create", "2", "--json"), strict=True
    )

    assert [("bob001", "host-a", "disk1", "10.250.1.10", 24, "10.250.1.1")] == [
        (b.name, b.host, b.disk, b.ip, b.prefix_length, b.gateway) for b in document.bobs[:1]
    ]
    assert 2 == len(document.bobs)
    assert ["DNS not read"] == [n[:12] for n in document.notes]


def test_a_dry_run_create_prints_the_plan_document_of_plan_create(capsys):
    planned = printed(capsys, "plan", "create", "2", "--host", "host-b", "--json")

    assert planned == printed(capsys, "create", "2", "--host", "host-b", "--dry-run", "--json")


def test_json_without_dry_run_is_refused_before_anything_is_created(capsys):
    code = main(["create", "1", "--json", "--config", EXAMPLE])

    assert (2, "") == (code, capsys.readouterr().out)


def test_host_check_of_hosts_it_cannot_reach(capsys, tmp_path):
    document = yaml.safe_load(Path(EXAMPLE).read_text())
    (tmp_path / "known_hosts").write_text("")
    for host in document["hosts"]:
        host["ssh"].update(address="127.0.0.1", port=1, known_hosts=str(tmp_path / "known_hosts"))
    config = tmp_path / "bob.yaml"
    config.write_text(yaml.safe_dump(document))

    code = main(["host", "check", "host-a", "--json", "--config", str(config)])

    checked = HostCheckDocument.model_validate_json(capsys.readouterr().out, strict=True)
    assert (1, False, ["host-a"]) == (code, checked.ok, list(checked.hosts))
    ssh = checked.hosts["host-a"][0]
    assert ("ssh", "FAIL") == (ssh.check, ssh.outcome)


def test_a_field_the_documentation_does_not_have_is_refused(capsys):
    text = printed(capsys, "plan", "create", "1", "--json")
    extra = {**json.loads(text), "surprise": 1}

    with pytest.raises(ValueError, match="surprise"):
        PlanDocument.model_validate(extra)


def test_docs_json_md_is_what_the_models_generate():
    assert render() == (ROOT / "docs" / "json.md").read_text(encoding="utf-8")

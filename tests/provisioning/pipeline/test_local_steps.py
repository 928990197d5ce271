"""Steps that run nothing on a host (reserve, dns, ready, forget, …) name no host.

Their journal entries carry none, so `bob job`, the board's job page and the step histogram
(``host="local"``) do not tag them with the host of the Bob they work for; every step that does
run commands there names it.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.web.job_page import job_fragment
from handlers.render import render_job
from provisioning.records import JobState, JournalEntry
from sandbox import SandboxInfo
from tests.provisioning.pipeline.conftest import MakeBob
from tests.provisioning.pipeline.outcome import NOTHING, leftovers
from tests.provisioning.pipeline.runtime import fleet_variant

pytestmark = pytest.mark.slow

LOCAL = {"create": {"reserve", "dns", "ready"}, "destroy": {"mark-destroying", "forget", "dns"}}


def hosts_by_step(journal: list[JournalEntry]) -> dict[str, set[str | None]]:
    named: dict[str, set[str | None]] = {}
    for entry in journal:
        named.setdefault(entry.step, set()).add(entry.host)
    return named


async def test_a_create_and_a_destroy_journal_their_local_steps_without_a_host(
    overlay: SandboxInfo, make_bob: MakeBob, tmp_path
) -> None:
    bob = await make_bob(fleet_variant(overlay, tmp_path))

    made, plan = await bob.create(1, host="host-a")
    gone, _ = await bob.destroy(plan.bobs[0].name)
    assert gone is not None

    assert (JobState.SUCCEEDED, JobState.SUCCEEDED) == (made.state, gone.state)
    assert NOTHING == await leftovers(overlay, bob)
    for job in (made, gone):
        journal = await bob.store.journal(job.id)
        named = hosts_by_step(journal)
        local = LOCAL[job.kind] & set(named)
        assert local, named  # the job has local steps to look at
        assert {step: {None} for step in local} == {step: named[step] for step in local}
        assert {step: {"host-a"} for step in set(named) - local} == {
            step: hosts for step, hosts in named.items() if step not in local
        }
        shown = render_job(job, journal, datetime.now(UTC))
        assert not any(f":{step} @" in shown for step in local), shown
        page = job_fragment(job, journal, datetime.now(UTC))
        for step in local:
            row = page.split(f'data-step="{step}">', 1)[1].split("</tr>", 1)[0]
            assert f"<td>{step}</td><td></td><td>ok</td>" in row, row  # no host cell

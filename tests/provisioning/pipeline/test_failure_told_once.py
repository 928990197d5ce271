"""A failing bootstrap on the sandbox, as each place shows it: said once, short.

The bootstrap is a long shell script (as a real converge is) that fails the way apt does. Its
failure names the step, the Bob, the host, the program and its exit status, and says the last
lines the program wrote on stderr once; the command line is quoted once, cut short. `bob job`
and the board's job page show the failure in the step's entry, the job's error pointing there;
the Slack thread tells it in one line. The program's output, streamed to the step's log as it
ran, is its output and not counted as telling the failure.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.slack.view import Batch, JobView
from bot.web.job_page import job_fragment
from handlers.render import render_job
from provisioning.hosts.errors import COMMAND_CHARS
from provisioning.jobs import Event
from provisioning.records import JobState, StepEvent
from sandbox import SandboxInfo
from tests.provisioning.pipeline.conftest import MakeBob
from tests.provisioning.pipeline.outcome import NOTHING, failures, leftovers
from tests.provisioning.pipeline.runtime import fleet_variant

pytestmark = pytest.mark.slow

REASON = "E: Unable to locate package openjdk-17-jre-headless"
SCRIPT = (
    "set -e; export DEBIAN_FRONTEND=noninteractive; echo Reading package lists... >&2; "
    f"echo {REASON} >&2; exit 100; apt-get install -y --no-install-recommends git curl"
)
EXIT = "exited 100"


async def test_a_failed_bootstrap_is_told_once_in_the_journal_bob_job_the_job_page_and_slack(
    overlay: SandboxInfo, make_bob: MakeBob, tmp_path
) -> None:
    bob = await make_bob(fleet_variant(overlay, tmp_path, bootstrap=["sh", "-c", SCRIPT]))
    events: list[Event] = []

    async def collect(event: Event) -> None:
        events.append(event)

    bob.bus.subscribe(collect)

    job, _ = await bob.create(1, host="host-a")

    assert JobState.FAILED == job.state
    assert NOTHING == await leftovers(overlay, bob)
    journal = await bob.store.journal(job.id)
    # What tells the failure: every entry but the program's own output log.
    told = [e for e in journal if e.event is not StepEvent.LOG]
    failed = failures(journal)[0]
    detail = failed.detail or ""
    assert detail.startswith(
        "StepFailed: bootstrap of bob001 on host-a failed: CommandFailed: `lxc-attach "
    )
    quoted = detail.split("`")[1]
    assert (COMMAND_CHARS, "…") == (len(quoted), quoted[-1])
    assert detail.endswith(f"` {EXIT}: Reading package lists...\n{REASON}")
    assert (1, 1) == (detail.count(REASON), detail.count("lxc-attach"))

    now = datetime.now(UTC)
    shown = render_job(job, told, now)
    assert (1, 1) == (shown.count(REASON), shown.count(EXIT)), shown
    assert "  error: step 'bootstrap' (lane bob001, host host-a) failed (below)" in shown
    page = job_fragment(job, told, now)
    assert (1, 1) == (page.count(REASON), page.count(EXIT)), page

    view = JobView(job.id)
    replies = [r for event in events for r in view.apply(event)]
    thread = [
        view.summary(),
        *(view.reply_text(r) if isinstance(r, Batch) else r for r in replies),
        view.final_summary(),
    ]
    assert 1 == sum(m.count(REASON) for m in thread), thread
    assert [f":x: bob001 failed at `bootstrap` on host-a: {REASON}"] == [
        line for m in thread for line in m.splitlines() if line.startswith(":x:")
    ]
    assert not any("lxc-attach" in m or EXIT in m for m in thread), thread

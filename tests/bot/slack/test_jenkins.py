"""/bob attach and /bob detach through the real Bolt app, against the Jenkins double: the ack
names the job and the Bobs, the job runs after the ack, and the controller ends up as asked."""

from __future__ import annotations

import pytest

from provisioning.config.models import JenkinsController
from tests.bot.slack.harness import slack_bot, with_access
from tests.fleets import make_fleet
from tests.handlers.jenkins_world import seed_ready
from tests.jenkins_double import JenkinsDouble

TOKEN_ENV = "BOB_TEST_SLACK_CI_TOKEN"


@pytest.fixture
def double(monkeypatch):
    server = JenkinsDouble().start()
    monkeypatch.setenv(TOKEN_ENV, server.tokens["admin"])
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def bob(tmp_path, double):
    controller = JenkinsController(
        name="ci-main",
        url=double.url,
        user="admin",
        token_env=TOKEN_ENV,
        labels={"light": 2, "heavy": 1},
        heavy_labels=("heavy",),
        timeout=5,
    )
    fleet = with_access(make_fleet([(3, 3)])).model_copy(update={"jenkins": (controller,)})
    async with slack_bot(fleet, tmp_path) as bot:
        await seed_ready(bot.store, fleet, 4)
        yield bot


async def test_attach_is_acked_with_the_job_and_the_bobs_then_runs(bob, double):
    _, ack = await bob.command("attach 2 to ci-main light", user="UADMIN")
    await bob.idle()

    assert ack["text"].startswith("job ")
    assert ack["text"].endswith(": attaching bob001, bob002 to ci-main as light")
    assert {"bob001": "light", "bob002": "light"} == {
        n.name: n.label for n in double.nodes.values()
    }


async def test_a_heavy_dry_run_shows_one_bob_per_disk_and_changes_nothing(bob, double):
    _, ack = await bob.command("attach 3 to ci-main heavy --dry-run", user="USTRANGER")

    assert ack["text"].splitlines()[:3] == [
        "```attach 2 of 3 to ci-main with heavy label heavy (1 executor each)",
        "  bob001 on host-a/disk1",
        "  bob004 on host-a/disk2",
    ]
    assert {} == double.nodes


async def test_detach_removes_the_agent(bob, double):
    await bob.command("attach 1 to ci-main light", user="UADMIN")
    await bob.idle()

    _, ack = await bob.command("detach bob001", user="UADMIN")
    await bob.idle()

    assert ack["text"].endswith(": draining and detaching")
    assert {} == double.nodes
    assert [] == [b.name for b in await bob.store.list_bobs() if b.controller]


async def test_attach_without_a_rule_is_for_admins_only(bob, double):
    _, ack = await bob.command("attach 1 to ci-main light", user="UALICE")

    assert ack["text"].startswith(":no_entry:")
    assert {} == double.nodes


async def test_rebuild_base_asks_for_confirmation_with_its_plan_first(bob):
    _, ack = await bob.command("rebuild-base host-a", user="UADMIN")
    posted = await bob.fake.wait_for(lambda: bob.fake.calls_to("chat.postMessage"))

    assert ack["text"].startswith("rebuild-base waits for a confirmation")
    assert "would rebuild the base on 1 host(s)" in posted[0].params["text"]
    assert [] == [j for j in await bob.store.list_jobs(limit=20) if j.kind == "rebuild-base"]

"""`bob serve` serves `/metrics` on its HTTP server beside Slack and the board, and the
periodic reconcile's differences are there by kind once a pass has run."""

from __future__ import annotations

from provisioning.reconcile.model import Kind
from tests.bot.metrics.scrape import Scrape
from tests.bot.slack.harness import SlackBot, reconciling_fleet, slack_bot
from tests.ports import free_port
from tests.waiting import until


async def scrape(bob: SlackBot) -> Scrape:
    async with bob.session.get(f"http://127.0.0.1:{bob.bot.port}/metrics") as response:
        assert 200 == response.status
        return Scrape.parse(await response.text())


async def test_the_last_periodic_reconcile_is_counted_by_kind(tmp_path):
    # Every host's SSH port refuses: each pass finds both hosts unreadable.
    fleet = reconciling_fleet(tmp_path, free_port())
    async with slack_bot(fleet, tmp_path) as bob:

        async def reconciled() -> Scrape | None:
            got = await scrape(bob)
            return got if got.series("bob_reconcile_last_run_timestamp_seconds") else None

        got = await until(reconciled, "a periodic reconcile pass in /metrics")

    differences = {dict(k)["kind"]: v for k, v in got.series("bob_reconcile_differences").items()}
    assert {k.value for k in Kind} == set(differences)
    assert {"unreadable": 2} == {k: v for k, v in differences.items() if v}

"""What a job's thread has to show survives Slack being away and bob restarting.

``bob serve`` runs twice here on one store (the serve composition, in-process, over HTTP),
with the fake Slack down while the first one runs the job and back for the second.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bot.serving import RunningBot, running_bot
from bot.settings import Settings
from bot.slack.deliver import Poster
from bot.slack.outbox import Courier
from bot.slack.serve import SlackSecrets, web_client
from handlers.provision import Caller
from provisioning.records import JobState, NewJob, OutboxMessage
from provisioning.store import SqlStore
from tests.bot.slack.harness import options, with_access
from tests.fleets import make_fleet
from tests.slack_fake import BOT_TOKEN, SIGNING_SECRET, FakeSlack

CHANNEL = "CBOBS"
CALLER = Caller("UALICE", "slack", CHANNEL, "destroy")


@asynccontextmanager
async def serving(fake: FakeSlack, directory: Path) -> AsyncIterator[tuple[RunningBot, SqlStore]]:
    settings = Settings(
        with_access(make_fleet()), "test", f"sqlite+aiosqlite:///{directory}/bob.db", directory
    )
    secrets = SlackSecrets(BOT_TOKEN, SIGNING_SECRET, None, fake.api_url)
    store = await SqlStore.open(settings.database_url)
    try:
        async with running_bot(settings, store, secrets, options(grace_s=1.0)) as bot:
            yield bot, store
    finally:
        await store.close()


async def test_a_job_that_ends_while_slack_is_away_is_reported_by_the_next_start(tmp_path):
    fake = await FakeSlack().start()
    try:
        fake.down = True
        async with serving(fake, tmp_path) as (bot, store):
            job = await store.create_job(
                NewJob(kind="destroy", params={"bobs": [], "wait": 0}, requested_by="UALICE")
            )
            bot.service.start_job(job.id, CALLER, CHANNEL)
            async with asyncio.timeout(10):
                while (await store.get_job(job.id)).state is not JobState.SUCCEEDED:
                    await asyncio.sleep(0.05)
        assert [] == fake.top_level(CHANNEL)

        fake.down = False
        async with serving(fake, tmp_path):
            parent = await fake.wait_for(lambda: fake.top_level(CHANNEL))
            replies = await fake.wait_for(lambda: fake.thread(parent[0].ts))
    finally:
        await fake.stop()

    assert 1 == len(parent)
    assert parent[0].text.startswith("<@UALICE>: destroy — succeeded")
    assert f"job {job.id}" == parent[0].text.splitlines()[-1]
    assert replies[-1].text.startswith("<@UALICE>: destroy — succeeded in")


async def test_the_last_state_wins_over_edits_that_were_held_back(tmp_path):
    fake = await FakeSlack().start()
    store = await SqlStore.open(f"sqlite+aiosqlite:///{tmp_path}/bob.db")
    poster = Poster(web_client(SlackSecrets(BOT_TOKEN, "", None, fake.api_url)))

    def courier(owner: str) -> Courier:
        return Courier(store, poster, owner, interval_s=0.0, first_backoff_s=0.05)

    def state(text: str) -> list[OutboxMessage]:
        return [OutboxMessage("job:j1:t", CHANNEL, text, [])]

    try:
        first = courier("replica-1")
        delivering = asyncio.create_task(first.run())
        await first.put(state("queued 0%"))
        posted = await fake.wait_for(lambda: fake.top_level(CHANNEL))
        fake.down = True
        await first.put(state("running 50%"))
        await first.put(state("succeeded 100%"))
        await fake.wait_for(lambda: any(c.status == 503 for c in fake.calls))
        delivering.cancel()
        await asyncio.gather(delivering, return_exceptions=True)
        await first.release()

        fake.down = False
        second = courier("replica-2")
        delivering = asyncio.create_task(second.run())
        # The outbox kept only the newest state, so the first edit is also the last.
        await fake.wait_for(lambda: fake.calls_to("chat.update"))
        delivering.cancel()
        await asyncio.gather(delivering, return_exceptions=True)
    finally:
        await store.close()
        await fake.stop()

    assert "succeeded 100%" == fake.messages[posted[0].ts].text
    assert ["succeeded 100%"] == [c.params["text"] for c in fake.calls_to("chat.update")]

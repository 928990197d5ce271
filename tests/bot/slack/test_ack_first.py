"""Every /bob command is acked before bob talks to anyone, so a slow peer never turns a command
into a failure the user sees while the work goes on; the answer follows at the response_url.

The peer here is the Jenkins double behind a proxy that holds every connection until the test
lets it through: a controller that has stopped answering. The acks must all be in while it
still holds them, which no deadline can make true by luck.
"""

from __future__ import annotations

import asyncio
import contextlib
import json

import pytest

from provisioning.config.models import JenkinsController
from tests.bot.slack.harness import slack_bot, with_access
from tests.fleets import make_fleet
from tests.handlers.jenkins_world import seed_ready
from tests.jenkins_double import JenkinsDouble
from tests.slack_fake import mention_event, sign

TOKEN_ENV = "BOB_TEST_SLACK_ACK_TOKEN"


class HeldPeer:
    """A TCP proxy that accepts at once and forwards nothing until ``release``."""

    def __init__(self, upstream_port: int) -> None:
        self._upstream = upstream_port
        self.released = asyncio.Event()
        self.held = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self._server: asyncio.Server | None = None

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        return int(self._server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.create_task(self._forward(reader, writer))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _forward(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.held += 1
        await self.released.wait()
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self._upstream)
        try:
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        finally:
            writer.close()
            up_writer.close()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()


@pytest.fixture
async def stuck(monkeypatch):
    double = JenkinsDouble().start()
    monkeypatch.setenv(TOKEN_ENV, double.tokens["admin"])
    peer = HeldPeer(int(double.url.rsplit(":", 1)[1].strip("/")))
    port = await peer.start()
    try:
        yield peer, f"http://127.0.0.1:{port}/"
    finally:
        peer.released.set()
        await peer.stop()
        double.stop()


@pytest.fixture
async def bob(tmp_path, stuck):
    _, url = stuck
    controller = JenkinsController(
        name="ci-main",
        url=url,
        user="admin",
        token_env=TOKEN_ENV,
        labels={"light": 2, "heavy": 1},
        heavy_labels=("heavy",),
        timeout=20,
    )
    fleet = with_access(make_fleet([(3, 3)])).model_copy(update={"jenkins": (controller,)})
    async with slack_bot(fleet, tmp_path) as bot:
        await seed_ready(bot.store, fleet, 4)
        yield bot


async def test_commands_are_acked_while_a_peer_holds_them_and_answered_after(bob, stuck):
    peer, _ = stuck
    commands = ["attach 2 to ci-main light", "list", "attach 1 to ci-main heavy --dry-run", "jobs"]

    sent = await asyncio.gather(*(bob.send(text, user="UADMIN") for text in commands))
    assert [200] * 4 == [status for status, _, _ in sent]
    # The acks are in; the work behind them now waits on Jenkins, which answers nobody yet.
    await bob.fake.wait_for(lambda: peer.held >= 3, timeout=10)
    answered_early = [bob.fake.answers.get(token) for _, _, token in sent[:3]]
    peer.released.set()
    answers = [
        await bob.fake.wait_for(lambda token=token: bob.fake.answers.get(token), timeout=30)
        for _, _, token in sent
    ]
    await bob.idle()

    assert [None, None, None] == answered_early
    assert answers[0]["text"].endswith(": attaching bob001, bob002 to ci-main as light")
    assert answers[1]["text"].startswith("```host-a (dc1, overlay)")
    assert answers[2]["text"].startswith("```attach 1 of 1 to ci-main with heavy label heavy")
    assert answers[3]["text"].startswith("```")
    assert 1 == len([j for j in await bob.store.list_jobs(limit=20) if j.kind == "attach"])


async def test_a_mention_slack_delivers_again_is_acted_on_once(bob, stuck):
    peer, _ = stuck
    event = mention_event("attach 1 to ci-main light", user="UADMIN")
    body = json.dumps(event)

    first = await bob.post(body, sign(body) | {"Content-Type": "application/json"})
    retry_headers = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    again = await bob.post(body, sign(body) | {"Content-Type": "application/json"} | retry_headers)
    peer.released.set()
    await bob.fake.wait_for(lambda: bob.fake.calls_to("chat.postMessage"), timeout=30)
    await bob.idle()

    assert (200, 200) == (first[0], again[0])
    assert 1 == len([j for j in await bob.store.list_jobs(limit=20) if j.kind == "attach"])

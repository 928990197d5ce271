"""`/bob create` on an unprepared host is refused before anything is reserved, naming the check.

The hosts' shell is a fake answering the host-check probe (the real probe on real hosts is
tests/provisioning/hostcheck); the store, the service and the command handling are real.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest

from bot.runtime import Runtime
from bot.settings import Settings
from bot.slack.access import Gate
from bot.slack.commands import Invocation, handle
from bot.slack.confirm import Confirmations
from bot.slack.deliver import Poster
from bot.slack.serve import SlackSecrets, web_client
from bot.slack.service import BobService
from provisioning.config.models import AccessControl, AccessRule
from provisioning.fakes import FakeShell
from provisioning.jobs import JobRunner, ProgressBus
from provisioning.store import SqlStore
from tests.fleets import make_fleet
from tests.provisioning.hostcheck.probes import NOW, probe_output
from tests.provisioning.jobs.scripted import World, scripted_kinds
from tests.slack_fake import BOT_TOKEN, FakeSlack


class NoGroups:
    async def members(self, group: str) -> frozenset[str]:
        return frozenset()


class Shells:
    def __init__(self, shell: FakeShell) -> None:
        self.shell = shell

    def get(self, host: str) -> FakeShell:
        return self.shell


@pytest.fixture
async def service(tmp_path) -> AsyncIterator[BobService]:
    fake = await FakeSlack().start()
    store = await SqlStore.open(f"sqlite+aiosqlite:///{tmp_path}/bob.db")
    shell = FakeShell("host-a")
    missing = probe_output(**{"dir disk1": "dir disk1 missing - -"})
    shell.on("sh", "-c", stdout=missing.replace(f"now {NOW}", f"now {int(time.time())}"))
    settings = Settings(make_fleet(), "test", "unused", tmp_path)
    bus = ProgressBus()
    runner = JobRunner(store, scripted_kinds(World()), bus, owner="serving")
    client = web_client(SlackSecrets(BOT_TOKEN, "", None, fake.api_url))
    rt = Runtime(settings, store, None, bus, runner, {}, Shells(shell))  # type: ignore[arg-type]
    try:
        yield BobService(
            rt,
            Poster(client, first_backoff_s=0.05),
            Gate(AccessControl(admins=AccessRule(users=("UALICE",))), NoGroups()),
            Confirmations(ttl_s=300),
            update_interval_s=0.1,
        )
    finally:
        await store.close()
        await fake.stop()


async def test_create_on_a_host_whose_disk_directory_is_missing_reserves_nothing(
    service: BobService,
) -> None:
    reply = await handle(Invocation(service, "UALICE", "CBOBS", "create 2"))

    assert not reply.ok
    assert "host-a is not ready: check disk disk1 failed: /var/lib/bob/disk1 does not exist" in (
        reply.text
    )
    store = service.store
    assert ([], []) == (await store.list_jobs(), await store.list_reservations())

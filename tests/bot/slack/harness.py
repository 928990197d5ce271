"""bob serve as the tests run it: the real Bolt app, real HTTP or Socket Mode, a fake Slack.

async with slack_bot(fleet, tmp_path) as bob:
    status, ack = await bob.command("create 3", user="UALICE")
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import aiohttp

from bot.serving import RunningBot, ServeOptions, running_bot
from bot.settings import Settings
from bot.slack.serve import SlackSecrets
from provisioning.config import Fleet
from provisioning.config.models import AccessControl, ReconcileSettings, SlackSettings
from provisioning.records import AuditEntry
from provisioning.store import SqlStore
from tests.fleets import make_fleet
from tests.slack_fake import (
    APP_TOKEN,
    BOT_TOKEN,
    SIGNING_SECRET,
    FakeSlack,
    button_body,
    sign,
    slash_body,
)

# UALICE may create and destroy; UBOB2 is in the infra group, which may create; UADMIN is admin.
ACCESS = {
    "rules": {
        "create": {"users": ["UALICE"], "groups": ["S0INFRA"]},
        "destroy": {"users": ["UALICE", "UCAROL"]},
        "cancel": {"users": ["UALICE"]},
    },
    "admins": {"users": ["UADMIN"]},
}
GROUPS = {"S0INFRA": ["UGROUPIE"]}
QUICK = ServeOptions(port=0, grace_s=5.0, retry_backoff_s=0.05)


def with_access(fleet: Fleet, access: dict[str, Any] = ACCESS) -> Fleet:
    return fleet.model_copy(update={"access": AccessControl.model_validate(access)})


@dataclass
class SlackBot:
    fake: FakeSlack
    bot: RunningBot
    store: SqlStore
    session: aiohttp.ClientSession

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.bot.port}/slack/events"

    async def post(self, body: str, headers: dict[str, str]) -> tuple[int, str]:
        async with self.session.post(self.url, data=body, headers=headers) as response:
            return response.status, await response.text()

    async def send(self, text: str, *, user: str = "UALICE") -> tuple[int, str, str]:
        """A signed /bob command; the ack's HTTP status and body, and the token of the
        command's response_url (its answer comes there, in ``fake.answers``)."""
        token = uuid.uuid4().hex
        body = slash_body(text, user=user, response_url=self.fake.response_url(token))
        status, ack = await self.post(body, sign(body))
        return status, ack, token

    async def command(self, text: str, *, user: str = "UALICE") -> tuple[int, dict[str, Any]]:
        """A signed /bob command; the ack's HTTP status and the answer that follows it."""
        status, _, token = await self.send(text, user=user)
        if status != 200:
            return status, {}
        answer = await self.fake.wait_for(lambda: self.fake.answers.get(token))
        return status, answer

    async def click(self, action_id: str, token: str, *, user: str) -> int:
        body = button_body(action_id, token, user=user)
        status, _ = await self.post(body, sign(body))
        return status

    async def audit(self) -> list[AuditEntry]:
        return list(reversed(await self.store.audit_log(100)))

    async def idle(self) -> None:
        await self.bot.service.wait_idle()


@asynccontextmanager
async def slack_bot(
    fleet: Fleet,
    directory: Path,
    *,
    socket_mode: bool = False,
    options: ServeOptions = QUICK,
    groups: dict[str, list[str]] | None = None,
) -> AsyncIterator[SlackBot]:
    fake = await FakeSlack(groups=GROUPS if groups is None else groups).start()
    settings = Settings(fleet, "test", f"sqlite+aiosqlite:///{directory}/bob.db", directory)
    secrets = SlackSecrets(
        bot_token=BOT_TOKEN,
        signing_secret=SIGNING_SECRET,
        app_token=APP_TOKEN if socket_mode else None,
        api_url=fake.api_url,
    )
    store = await SqlStore.open(settings.database_url)
    timeout = aiohttp.ClientTimeout(total=30, connect=3)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            running_bot(settings, store, secrets, options) as bot,
        ):
            yield SlackBot(fake, bot, store, session)
    finally:
        await store.close()
        await fake.stop()


def reconciling_fleet(directory: Path, ssh_port: int) -> Fleet:
    """Two hosts whose SSH is 127.0.0.1:``ssh_port``, reconciled every 0.2 s, reporting to C0OPS."""
    known_hosts = directory / "known_hosts"
    known_hosts.write_text("")  # readable, so that each pass does try to connect
    target = {"address": "127.0.0.1", "port": ssh_port, "known_hosts": known_hosts}
    fleet = make_fleet([(2,), (2,)])
    hosts = tuple(
        h.model_copy(update={"ssh": h.ssh.model_copy(update=target)}) for h in fleet.hosts
    )
    return with_access(fleet).model_copy(
        update={
            "hosts": hosts,
            "slack": SlackSettings(channel="C0OPS"),
            "reconcile": ReconcileSettings(interval_s=0.2),
        }
    )


def options(**changes: Any) -> ServeOptions:
    return replace(QUICK, **changes)

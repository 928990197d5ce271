"""Who may run which command: the config's ``access`` section, with Slack user groups.

Read-only commands are open to everyone unless a rule names them. A command that changes
something needs a rule that lists the user (or one of their groups), or the user must be an
admin; with no rule at all, only admins may run it — a fresh install refuses rather than
letting everyone destroy Bobs.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.deliver import api_error
from provisioning.config.models import READ_ONLY_COMMANDS, AccessControl, AccessRule

log = logging.getLogger("bob.slack")

GROUP_CACHE_S = 60.0


class GroupDirectory(Protocol):
    async def members(self, group: str) -> frozenset[str]: ...


class SlackGroups:
    """Members of the groups the access rules name, from ``usergroups.users.list``.

    A request is decided from what the last refresh learned, never by asking Slack while it
    waits for its ack; :meth:`keep_fresh` refreshes every minute in the background. A group
    Slack could not list counts as having no members: access is refused, never granted, when
    Slack cannot say.
    """

    def __init__(
        self, client: AsyncWebClient, groups: Iterable[str], ttl_s: float = GROUP_CACHE_S
    ) -> None:
        self._client = client
        self._groups = frozenset(groups)
        self._ttl = ttl_s
        self._members: dict[str, frozenset[str]] = {}

    async def members(self, group: str) -> frozenset[str]:
        return self._members.get(group, frozenset())

    async def refresh(self) -> None:
        for group in self._groups:
            self._members[group] = await self._lookup(group)

    async def keep_fresh(self) -> None:
        while True:
            await asyncio.sleep(self._ttl)
            await self.refresh()

    async def _lookup(self, group: str) -> frozenset[str]:
        try:
            response = await self._client.usergroups_users_list(usergroup=group)
        except SlackApiError as exc:
            log.warning("slack.group_lookup_failed group=%s error=%s", group, api_error(exc))
            return frozenset()
        return frozenset(str(u) for u in response.get("users") or ())


def named_groups(access: AccessControl) -> set[str]:
    """Every group an access rule names (the admins' too)."""
    rules = [access.admins, *access.rules.values()]
    return {group for rule in rules for group in rule.groups}


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""


class Gate:
    def __init__(self, access: AccessControl, groups: GroupDirectory) -> None:
        self._access = access
        self._groups = groups

    async def is_admin(self, user: str) -> bool:
        return await self._matches(self._access.admins, user)

    async def check(self, command: str, user: str) -> Decision:
        rule = self._access.rules.get(command)
        if rule is None and command in READ_ONLY_COMMANDS:
            return Decision(True)
        if await self.is_admin(user):
            return Decision(True)
        if rule is not None and await self._matches(rule, user):
            return Decision(True)
        if rule is None:
            return Decision(False, f"only bob's admins may run `{command}` (no access rule for it)")
        return Decision(False, f"you may not run `{command}`; it is open to {_who(rule)}")

    async def _matches(self, rule: AccessRule, user: str) -> bool:
        if user in rule.users:
            return True
        for group in rule.groups:
            if user in await self._groups.members(group):
                return True
        return False


def _who(rule: AccessRule) -> str:
    names = [f"<@{u}>" for u in rule.users] + [f"<!subteam^{g}>" for g in rule.groups]
    return ", ".join(names) or "nobody"

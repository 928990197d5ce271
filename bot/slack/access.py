"""Who may run which command: the config's ``access`` section, with Slack user groups.

Read-only commands are open to everyone unless a rule names them. A command that changes
something needs a rule that lists the user (or one of their groups), or the user must be an
admin; with no rule at all, only admins may run it — a fresh install refuses rather than
letting everyone destroy Bobs.
"""

from __future__ import annotations

import logging
import time
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
    """User group members from ``usergroups.users.list``, cached for a minute.

    A lookup that fails counts as "no members": access is refused, never granted, when Slack
    cannot say.
    """

    def __init__(self, client: AsyncWebClient, ttl_s: float = GROUP_CACHE_S) -> None:
        self._client = client
        self._ttl = ttl_s
        self._cache: dict[str, tuple[float, frozenset[str]]] = {}

    async def members(self, group: str) -> frozenset[str]:
        cached = self._cache.get(group)
        if cached is not None and time.monotonic() - cached[0] < self._ttl:
            return cached[1]
        try:
            response = await self._client.usergroups_users_list(usergroup=group)
        except SlackApiError as exc:
            log.warning("slack.group_lookup_failed group=%s error=%s", group, api_error(exc))
            return frozenset()
        users = frozenset(str(u) for u in response.get("users") or ())
        self._cache[group] = (time.monotonic(), users)
        return users


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

"""What bob needs from one Jenkins controller, as a Protocol (see ``provisioning.ports``).

The adapter is :class:`provisioning.jenkins.client.ScriptConsoleController`. Kept apart from it
so that code typed against the port (handlers, pipelines, the reconciler) never loads
python-jenkins and requests.
"""

from __future__ import annotations

from typing import Protocol

from provisioning.jenkins.models import (
    AttachResult,
    AttachSpec,
    DetachResult,
    DrainResult,
    JenkinsNode,
    UndrainResult,
)


class JenkinsController(Protocol):
    """What bob needs from one Jenkins controller. Verbs are idempotent where they can be."""

    @property
    def name(self) -> str: ...

    async def list_nodes(self) -> list[JenkinsNode]:
        """Every agent (not the built-in node), with ``managed`` set for bob's."""
        ...

    async def attach(self, spec: AttachSpec) -> AttachResult:
        """Create the agent; ``unchanged`` when it exists with these settings.

        Raises NodeConflict (other settings), NodeNotManaged, JenkinsPluginMissing.
        """
        ...

    async def drain(self, name: str, reason: str) -> DrainResult:
        """Take the agent offline with ``reason``; ``absent`` when there is no such node."""
        ...

    async def undrain(self, name: str) -> UndrainResult:
        """Bring a drained agent back online; ``absent`` or ``already-online`` are fine."""
        ...

    async def detach(self, name: str) -> DetachResult:
        """Remove the agent if idle; ``busy`` (nothing changed) otherwise; ``absent`` is fine."""
        ...

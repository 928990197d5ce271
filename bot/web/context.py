"""What the board needs from the process it runs in: the seam between ``bob board`` and
``bob serve``. Both build a :class:`BoardContext` from their Runtime and call ``add_board``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.metrics import LastReconcile
from bot.web.security import Access
from handlers.attachments import Controllers
from handlers.lockers import LockerCommand
from handlers.provision import Caller
from handlers.refresh import RefreshBobs
from handlers.requests import AttachBobs, CreateBobs, RebuildBase
from provisioning.config.models import Fleet
from provisioning.dns.port import DnsZoneClient
from provisioning.jobs import ProgressBus
from provisioning.ports import Shells, Store


class JobLauncher(Protocol):
    """Submits a job (planning and reserving as the CLI does) and runs it in the background;
    returns the job id at once so the browser can open the job's page."""

    async def create(self, request: CreateBobs, caller: Caller) -> str: ...

    async def attach(self, request: AttachBobs, caller: Caller) -> str: ...

    async def rebuild_base(self, request: RebuildBase, caller: Caller) -> str: ...

    async def refresh(self, request: RefreshBobs, caller: Caller) -> str | None:
        """None when there is nothing to refresh (no job)."""
        ...

    async def locker(self, command: LockerCommand, caller: Caller) -> str: ...


@dataclass(frozen=True)
class BoardContext:
    fleet: Fleet
    store: Store
    controllers: Controllers
    bus: ProgressBus  # the runner's bus: job pages and the board listen to it
    launcher: JobLauncher
    access: Access
    shells: Shells  # the hosts, read for what a rebuild would do there
    dns: DnsZoneClient | None = None  # read by the Make it preview as a create reads it
    reconciles: LastReconcile | None = None  # where the periodic reconcile, if any, reports

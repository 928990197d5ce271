"""The gateway: one nginx server block per staging environment, changed atomically.

A block is written beside its final name, renamed into place, and the whole configuration is
tested with ``nginx -t``; only a passing test is followed by a reload (a HUP to the master
bob was told of). A failing test puts the previous block back (or removes the new one), so the
running nginx, which reads its files only on reload, never stops serving the last good
configuration, and the next reload finds it intact.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import signal
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from provisioning.config.models import StagingGateway
from provisioning.errors import BobError
from provisioning.staging.local import run_local

TEST_TIMEOUT_S = 20.0
RELOAD_WAIT_S = 5.0
# One per gateway directory, shared by every Gateway of this process (steps make their own).
_LOCKS: dict[Path, asyncio.Lock] = {}


class GatewayError(BobError):
    """nginx refused a configuration (the previous one stays) or could not be reloaded."""


@dataclass(frozen=True)
class Upstream:
    """Where an environment that is up answers."""

    address: ipaddress.IPv4Address
    port: int


def server_block(
    gateway: StagingGateway, name: str, hostname: str, upstream: Upstream | None
) -> str:
    """The block for one environment: proxied to its Bob when up (``upstream``), else every
    request goes to bob's wake endpoint, which starts the Bob and answers once it is up.

    An up environment whose Bob does not answer (stopped behind bob's back, or mid-restart)
    falls back to the wake endpoint too. ``X-Bob-Uri`` carries the request's own URI there.
    """
    wake = (
        # The trailing "?" drops the query: the whole original URI travels in X-Bob-Uri.
        f"        rewrite ^ /stage/wake/{name}? break;\n"
        f"        proxy_pass {gateway.wake};\n"
        "        proxy_set_header Host $host;\n"
        "        proxy_set_header X-Bob-Uri $request_uri;\n"
        "        proxy_read_timeout 300s;\n"
    )
    if upstream is None:
        root = f"    location / {{\n{wake}    }}\n"
    else:
        root = (
            "    location / {\n"
            f"        proxy_pass http://{upstream.address}:{upstream.port};\n"
            "        proxy_set_header Host $host;\n"
            "        proxy_connect_timeout 2s;\n"
            "        error_page 502 504 = @wake;\n"
            "    }\n"
            f"    location @wake {{\n{wake}    }}\n"
        )
    return (
        f"# bob: staging environment {name}\n"
        "server {\n"
        f"    listen {gateway.listen};\n"
        f"    server_name {hostname};\n"
        f"    access_log {access_log(gateway, name)};\n"
        f"{root}"
        "}\n"
    )


def access_log(gateway: StagingGateway, name: str) -> Path:
    return gateway.log_dir / f"{name}.access.log"


def block_path(gateway: StagingGateway, name: str) -> Path:
    return gateway.conf_dir / f"bob-{name}.conf"


class Gateway:
    """nginx on the machine bob runs on. Changes are serialized: a block under test must never
    be seen by another environment's test."""

    def __init__(self, settings: StagingGateway) -> None:
        self.settings = settings
        self._lock = _LOCKS.setdefault(settings.conf_dir, asyncio.Lock())

    async def route(self, name: str, hostname: str, upstream: Upstream | None) -> None:
        """Write the environment's block and reload; raises GatewayError (nothing changed)."""
        async with self._lock:
            path = block_path(self.settings, name)
            aside, old = (
                path.with_name(path.name + ".bob-new"),
                path.with_name(path.name + ".bob-old"),
            )
            self.settings.log_dir.mkdir(parents=True, exist_ok=True)
            aside.write_text(server_block(self.settings, name, hostname, upstream))
            had = path.exists()
            if had:
                os.replace(path, old)
            os.replace(aside, path)
            try:
                await self._test()
            except GatewayError:
                if had:
                    os.replace(old, path)
                else:
                    path.unlink()
                raise
            old.unlink(missing_ok=True)
            await self._reload()

    async def unroute(self, name: str) -> bool:
        """Remove the environment's block and reload; False when there was none."""
        async with self._lock:
            path = block_path(self.settings, name)
            if not path.exists():
                return False
            old = path.with_name(path.name + ".bob-old")
            os.replace(path, old)
            try:
                await self._test()
            except GatewayError:
                os.replace(old, path)
                raise
            old.unlink()
            access_log(self.settings, name).unlink(missing_ok=True)
            await self._reload()
            return True

    def routed(self) -> set[str]:
        """The environments that have a block."""
        prefix, suffix = "bob-", ".conf"
        return {
            p.name[len(prefix) : -len(suffix)]
            for p in self.settings.conf_dir.glob(f"{prefix}*{suffix}")
        }

    def last_request(self, name: str) -> datetime | None:
        """When nginx last logged a request for the environment (None: never)."""
        try:
            return datetime.fromtimestamp(access_log(self.settings, name).stat().st_mtime, UTC)
        except FileNotFoundError:
            return None

    async def _test(self) -> None:
        ran = await run_local(self.settings.test, TEST_TIMEOUT_S)
        if ran.status is None:
            raise GatewayError(f"nginx -t did not finish in {TEST_TIMEOUT_S:g} s")
        if ran.status != 0:
            said = (ran.stderr + ran.stdout).decode(errors="replace").strip()
            raise GatewayError(f"nginx refused the configuration (previous one kept): {said}")

    async def _reload(self) -> None:
        """HUP the master, and return once nginx has switched: new workers run and the old ones
        have stopped taking connections. A HUP returns at once, and an environment must not be
        called up while its hostname still answers from the old configuration. An old worker
        still finishing a request (a wake, say) retitles itself "shutting down": that is enough.
        """
        try:
            pid = int(self.settings.pid_file.read_text().strip())
            before = _workers(pid)
            os.kill(pid, signal.SIGHUP)  # the master re-reads; old workers finish their requests
        except (OSError, ValueError) as exc:
            raise GatewayError(f"cannot reload nginx ({self.settings.pid_file}): {exc}") from exc
        deadline = time.monotonic() + RELOAD_WAIT_S
        while time.monotonic() < deadline:
            if _switched(pid, before):
                return
            await asyncio.sleep(0.02)


def _workers(master: int) -> set[int]:
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text()
    except OSError:
        return set()
    return {int(p) for p in children.split()}


def _switched(master: int, before: set[int]) -> bool:
    now = _workers(master)
    return bool(now - before) and all(_shutting_down(p) for p in now & before)


def _shutting_down(pid: int) -> bool:
    try:
        return b"shutting down" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True  # gone

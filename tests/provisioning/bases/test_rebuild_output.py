"""rebuild-base on the real sandbox with a debootstrap source: the build says what it does while
it runs, and a failed one says why in debootstrap's own words (which it prints on stdout).

Mirrors are addresses of the sandbox itself: the host's own address on a port nothing listens
on (refused at once), or a mirror this test serves on the root namespace's end of the host's
uplink, which answers only when the test lets it.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import os
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from handlers.rebuild import submit_rebuild
from handlers.requests import RebuildBase
from provisioning.records import JobState, StepEvent
from sandbox import SandboxInfo
from tests.provisioning.bases.observe import base_entries, fleet_with_base
from tests.provisioning.pipeline.runtime import CALLER, bob_runtime, db_url
from tests.sandbox.fixtures import own_fleet

pytestmark = pytest.mark.slow

BOB = Path(sys.executable).parent / "bob"
SUITE = "bookworm"
CLOSED_PORT = 9  # discard: nothing listens on it in a sandbox host


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxInfo]:
    with own_fleet(tmp_path_factory, "output", "overlay", hosts=1) as info:
        yield info


def host_address(sandbox: SandboxInfo) -> ipaddress.IPv4Address:
    return ipaddress.IPv4Address(next(h.address for h in sandbox.hosts if h.name == "host-a"))


def debootstrap_from(mirror: str) -> dict[str, object]:
    return {"source": {"kind": "debootstrap", "suite": SUITE, "mirror": mirror}}


async def test_a_build_against_a_dead_mirror_fails_with_debootstraps_words_from_stdout(
    sandbox: SandboxInfo, tmp_path: Path
) -> None:
    mirror = f"http://{host_address(sandbox)}:{CLOSED_PORT}/debian"
    fleet = fleet_with_base(sandbox, tmp_path, **debootstrap_from(mirror))
    before = base_entries(sandbox, "host-a")
    async with bob_runtime(fleet, db_url(tmp_path)) as bob:
        job = await submit_rebuild(bob.fleet, bob.store, RebuildBase(hosts=("host-a",)), CALLER)
        job = await bob.runner.run(job.id)
        journal = await bob.store.journal(job.id)

    said = f"E: Failed getting release file {mirror}/dists/{SUITE}/Release"
    failed = [e for e in journal if e.event is StepEvent.FAILED]
    assert JobState.FAILED == job.state
    assert job.error is not None
    assert said in job.error
    assert ["build"] == [e.step for e in failed]
    assert failed[0].detail is not None
    assert said in failed[0].detail
    assert before == base_entries(sandbox, "host-a")


class HeldMirror:
    """An HTTP mirror that answers 404 to everything, but holds the first request for the
    release file until :meth:`release` (so the build is caught mid-way, deterministically)."""

    def __init__(self) -> None:
        self.released = asyncio.Event()
        self.asked: list[str] = []

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, TimeoutError):
            request = (await reader.readline()).decode(errors="replace")
            while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                pass  # the headers
            self.asked.append(request.strip())
            if "InRelease" in request:
                async with asyncio.timeout(60):
                    await self.released.wait()
            writer.write(b"HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n")
            await writer.drain()
        writer.close()

    def release(self) -> None:
        self.released.set()


@contextlib.asynccontextmanager
async def held_mirror(address: ipaddress.IPv4Address) -> AsyncIterator[tuple[HeldMirror, int]]:
    mirror = HeldMirror()
    server = await asyncio.start_server(mirror.serve, str(address), 0)
    port: int = server.sockets[0].getsockname()[1]
    try:
        yield mirror, port
    finally:
        mirror.release()
        server.close()
        await server.wait_closed()


async def next_line(process: asyncio.subprocess.Process, seen: list[str]) -> None:
    assert process.stdout is not None
    line = await process.stdout.readline()
    assert line, f"bob rebuild-base ended early: {seen}"
    seen.append(line.decode().rstrip("\n"))


async def bob_job(env: dict[str, str], job_id: str) -> str:
    """What ``bob job ID`` prints, run as its own process (as a user's second terminal does)."""
    done = await asyncio.create_subprocess_exec(
        str(BOB), "job", job_id, env=env, stdout=asyncio.subprocess.PIPE
    )
    out, _ = await done.communicate()
    return out.decode()


async def test_a_running_build_shows_its_output_in_bob_job_and_in_the_terminal(
    sandbox: SandboxInfo, tmp_path: Path
) -> None:
    # The root namespace's end of host-a's uplink (layout: root .4i+1, host .4i+2).
    root_end = host_address(sandbox) - 1
    env = {
        "PATH": os.environ["PATH"],
        "BOB_DATABASE_URL": db_url(tmp_path),
        "BOB_STATE_DIR": str(tmp_path / "state"),
    }
    async with held_mirror(root_end) as (mirror, port):
        url = f"http://{root_end}:{port}/debian"
        fleet = fleet_with_base(sandbox, tmp_path, **debootstrap_from(url))
        env["BOB_CONFIG"] = str(tmp_path / "bob.yaml")
        assert fleet.hosts  # fleet_with_base wrote bob.yaml there
        rebuild = await asyncio.create_subprocess_exec(
            str(BOB), "rebuild-base", "host-a", "--yes", env=env, stdout=asyncio.subprocess.PIPE
        )
        terminal: list[str] = []
        try:
            async with asyncio.timeout(90):
                while not terminal or not terminal[-1].startswith("job "):
                    await next_line(rebuild, terminal)
                job_id = terminal[-1].split()[1].rstrip(":")
                shown = ""
                while "I: Retrieving InRelease" not in shown:
                    await asyncio.sleep(0.5)
                    shown = await bob_job(env, job_id)
                # Caught mid-build: debootstrap still waits for the mirror's answer.
                running = shown.splitlines()[0]
                while not any("I: Retrieving InRelease" in line for line in terminal):
                    await next_line(rebuild, terminal)
                mirror.release()
                rest, _ = await rebuild.communicate()
        finally:
            if rebuild.returncode is None:
                rebuild.kill()
                await rebuild.wait()
    terminal += rest.decode().splitlines()

    assert f"job {job_id}: rebuild-base, running" == running
    assert "log         rebuild:build @host-a  I: Retrieving InRelease" in shown
    assert "  rebuild    build            | I: Retrieving InRelease" in terminal
    assert 1 == rebuild.returncode
    said = f"E: Failed getting release file {url}/dists/{SUITE}/Release"
    assert any(said in line for line in terminal), terminal

"""Two `bob serve` replicas on one PostgreSQL store: each job is run by exactly one of them,
and when the one running a job is SIGKILLed, the other takes the job over once its lease has
run out and finishes it from the journal — no step applied twice, nothing left behind.

The job is started the way a person starts it: Make it on replica A's board (HTTP, with the
session's CSRF token). The checks read PostgreSQL, the hosts and DNS, never the replicas.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import aiohttp

from provisioning.dns import DnsClient, secret_from_env
from provisioning.records import JobState, StepEvent
from provisioning.store import SqlStore
from tests.ports import free_port
from tests.provisioning.pipeline.observe import containers
from tests.provisioning.pipeline.reconciled import assert_reconciled
from tests.provisioning.pipeline.runtime import fleet_variant
from tests.sandbox.fixtures import require_sandbox, sandbox_fleet

BOB = Path(sys.executable).parent / "bob"
CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
T = TypeVar("T")


async def replica(config: Path, url: str, port: int) -> asyncio.subprocess.Process:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/root"),
        "BOB_CONFIG": str(config),
        "BOB_DATABASE_URL": url,
        "BOB_JOB_LEASE_S": "2",
    }
    process = await asyncio.create_subprocess_exec(
        BOB, "serve", "--port", str(port), "--sweep", "0.5", "--grace", "1", env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    assert process.stdout is not None
    banner = (await asyncio.wait_for(process.stdout.readline(), 30)).decode()
    assert banner.startswith("bob serve: board only"), banner
    return process


async def make_it(port: int, count: int) -> str:
    """Make it on the replica's board; the id of the job whose page it opened."""
    timeout = aiohttp.ClientTimeout(total=30, connect=3)
    # unsafe=True: keep the session cookie of an IP-address host (the board is on 127.0.0.1).
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(timeout=timeout, cookie_jar=jar) as http:
        async with http.get(f"http://127.0.0.1:{port}/") as page:
            found = CSRF.search(await page.text())
        assert found is not None
        form = {"count": str(count), "host": "", "csrf_token": found.group(1)}
        url = f"http://127.0.0.1:{port}/make"
        async with http.post(url, data=form, allow_redirects=False) as made:
            assert 303 == made.status, await made.text()
            return made.headers["Location"].rsplit("/", 1)[1]


async def until(check: Callable[[], Awaitable[T | None]], timeout: float) -> T:
    async with asyncio.timeout(timeout):
        while (value := await check()) is None:
            await asyncio.sleep(0.1)
        return value


async def test_the_other_replica_finishes_a_job_whose_replica_was_killed(tmp_path, postgres_url):
    require_sandbox()
    async with sandbox_fleet(tmp_path / "sbx", backend="overlay", hosts=2) as info:
        # A bootstrap that takes a while: the kill lands while every lane is in it.
        fleet = fleet_variant(info, tmp_path, bootstrap=["sleep", "3"])
        config = tmp_path / "bob.yaml"
        store = await SqlStore.open(postgres_url)
        started: list[asyncio.subprocess.Process] = []
        try:
            port_a, port_b = free_port(), free_port()
            started.append(await replica(config, postgres_url, port_a))
            started.append(await replica(config, postgres_url, port_b))
            a = started[0]
            job_id = await make_it(port_a, 5)

            async def some_steps_done() -> bool | None:
                journal = await store.journal(job_id)
                done = [e for e in journal if e.event is StepEvent.SUCCEEDED]
                return True if len(done) >= 8 else None

            await until(some_steps_done, 60)
            a.kill()  # SIGKILL: no journal entry, no lease release, half-done steps
            await a.wait()
            assert not (await store.get_job(job_id)).state.finished, "A finished before the kill"

            async def finished() -> JobState | None:
                state = (await store.get_job(job_id)).state
                return state if state.finished else None

            final = await until(finished, 120)
            journal = await store.journal(job_id)

            failures = [f"{e.step_index} {e.event} {e.detail}" for e in journal if e.detail]
            assert JobState.SUCCEEDED == final, ((await store.get_job(job_id)).error, failures)
            applied = Counter(e.step_index for e in journal if e.event is StepEvent.SUCCEEDED)
            assert [] == [i for i, n in applied.items() if n > 1], "a step was applied twice"
            assert 5 == len([c for c in containers(info) if c.state == "RUNNING"])
            assert fleet.dns is not None
            dns = DnsClient(fleet.dns, secret_from_env(fleet.dns))
            await assert_reconciled(fleet, store, dns=dns)
        finally:
            for process in started:
                if process.returncode is None:
                    process.kill()
                    await process.wait()
            await store.close()

"""Real sandbox fleets for the pipeline tests: one per backend, shared by the whole package.

Building one takes about two seconds, so every test reuses it and leaves its hosts as it found
them: each test removes its own Bobs (usually by asserting that bob did), and the per-test
fixtures clear whatever a failing test left so the next one starts clean. Stores are per test.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack
from dataclasses import replace
from pathlib import Path

import pytest

from provisioning.bases.versions import STATE_SCRIPT
from provisioning.config import Fleet
from provisioning.core.backoff import Backoff
from provisioning.dns import DnsZoneClient
from provisioning.fakes import FakeShell
from provisioning.pipeline.context import Pipeline
from provisioning.pipeline.outages import UNDO_PATIENCE, Patience
from provisioning.store import SqlStore
from sandbox import Backend, SandboxInfo
from tests.fleets import make_fleet
from tests.provisioning.pipeline.observe import clear_bobs, clear_dns
from tests.provisioning.pipeline.runtime import Bob, bob_runtime, db_url
from tests.sandbox.fixtures import own_fleet

MakeBob = Callable[..., Awaitable[Bob]]


def _fleet(factory: pytest.TempPathFactory, backend: Backend) -> Iterator[SandboxInfo]:
    with own_fleet(factory, f"pipeline-{backend}", backend, hosts=2) as info:
        yield info


@pytest.fixture(scope="package")
def overlay_fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxInfo]:
    yield from _fleet(tmp_path_factory, "overlay")


@pytest.fixture(scope="package")
def btrfs_fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxInfo]:
    yield from _fleet(tmp_path_factory, "btrfs")


@pytest.fixture(scope="package")
def dir_fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxInfo]:
    yield from _fleet(tmp_path_factory, "dir")


@pytest.fixture(scope="package", params=["btrfs", "dir", "overlay"])
def any_fleet(request: pytest.FixtureRequest) -> SandboxInfo:
    """Each backend in turn: for what must hold whatever the storage."""
    info: SandboxInfo = request.getfixturevalue(f"{request.param}_fleet")
    return info


@pytest.fixture
def sandbox(any_fleet: SandboxInfo) -> Iterator[SandboxInfo]:
    yield any_fleet
    clear_bobs(any_fleet)
    clear_dns(any_fleet)


@pytest.fixture
def overlay(overlay_fleet: SandboxInfo) -> Iterator[SandboxInfo]:
    yield overlay_fleet
    clear_bobs(overlay_fleet)
    clear_dns(overlay_fleet)


@pytest.fixture
async def make_bob(tmp_path: Path) -> AsyncIterator[MakeBob]:
    """``await make_bob(fleet)``: bob on a fresh store of this test (``url`` to share one)."""
    async with AsyncExitStack() as stack:

        async def make(
            fleet: Fleet,
            url: str | None = None,
            owner: str = "test",
            dns: DnsZoneClient | None = None,
            undo_patience: Patience = UNDO_PATIENCE,
        ) -> Bob:
            return await stack.enter_async_context(
                bob_runtime(fleet, url or db_url(tmp_path), owner, dns, undo_patience=undo_patience)
            )

        yield make


# -- unit level: steps against a FakeShell and a real (SQLite) store --------------------------


class FakeShells:
    """The pipeline's ``Shells`` port over FakeShells."""

    def __init__(self, *shells: FakeShell) -> None:
        self._shells = {shell.name: shell for shell in shells}

    def get(self, host: str) -> FakeShell:
        return self._shells[host]


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqlStore]:
    store = await SqlStore.open(db_url(tmp_path))
    try:
        yield store
    finally:
        await store.close()


@pytest.fixture
def shell() -> FakeShell:
    """host-a, whose only base is the un-versioned ``base`` (version 1)."""
    shell = FakeShell("host-a")
    shell.on("sh", "-c", STATE_SCRIPT, stdout="version base\n")
    return shell


@pytest.fixture
def pipeline(shell: FakeShell, store: SqlStore) -> Pipeline:
    return Pipeline(fleet=make_fleet(), shells=FakeShells(shell), store=store)


@pytest.fixture
def quick_undo(pipeline: Pipeline) -> None:
    """Undo retries an unreachable host for 0.2 s, every 0.01 s, instead of 30 s."""
    pipeline.undo_patience = replace(
        pipeline.undo_patience, window_s=0.2, backoff=Backoff(first_s=0.01, max_s=2.0)
    )

"""`bob host check` and `bob host prepare` on a real sandbox, and create's gate before reserving.

The sandbox's hosts are prepared by `sandbox up`; the broken hosts are fleet-config variants of
it that this module owns (a disk whose directory is not there, a bridge that does not exist),
so the sandbox itself is only touched where a test makes and then removes a directory.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.cli import main
from provisioning.store import SqlStore, sqlite_url
from sandbox import SandboxInfo
from tests.sandbox.fixtures import host_ssh, require_sandbox, sandbox_fleet_sync

MISSING_DISK = "/var/lib/bob/disk9"


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxInfo]:
    require_sandbox()
    with sandbox_fleet_sync(tmp_path_factory.mktemp("hostcheck") / "state", "btrfs") as info:
        yield info


@pytest.fixture(autouse=True)
def own_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """bob's records of this test alone, never the sandbox's."""
    monkeypatch.setenv("BOB_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("BOB_CONFIG", raising=False)
    monkeypatch.delenv("BOB_DATABASE_URL", raising=False)
    return tmp_path / "state"


@pytest.fixture
def no_disk9(fleet: SandboxInfo) -> Iterator[None]:
    yield
    host_ssh(fleet, "host-a", ["rm", "-rf", MISSING_DISK])


def variant(fleet: SandboxInfo, tmp_path: Path, **host_a: Any) -> str:
    document = yaml.safe_load(fleet.config_path.read_text())
    document["hosts"][0].update(host_a)
    path = tmp_path / "variant.yaml"
    path.write_text(yaml.safe_dump(document))
    return str(path)


def bob(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str], str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


def verdicts(lines: list[str]) -> dict[tuple[str, str], str]:
    """(host, check) → "ok", "FAIL" or "skip", read from the check's output lines."""
    found = {}
    for line in lines:
        host, rest = line.split("  ", 1)
        check, outcome = rest[:12].strip(), rest[12:].split()[0]
        found[(host, check)] = outcome
    return found


def test_every_check_passes_on_the_sandbox_hosts(fleet, capsys) -> None:
    code, lines, _ = bob(capsys, "host", "check", "--config", str(fleet.config_path))

    checks = ["ssh", "lxc", "cgroup", "bridge", "storage", "disk disk1", "disk disk2"]
    checks += ["disk disk3", "base", "free disk1", "free disk2", "free disk3"]
    checks += ["boot disk1", "boot disk2", "boot disk3", "clock"]
    expected = {(h, c): "ok" for h in ("host-a", "host-b") for c in checks}
    assert (0, expected) == (code, verdicts(lines))


@pytest.mark.parametrize("backend", ["overlay", "dir"])
def test_the_other_backends_pass_too(backend, capsys, tmp_path) -> None:
    require_sandbox()
    with sandbox_fleet_sync(tmp_path / "state", backend, hosts=1) as info:
        code, lines, _ = bob(capsys, "host", "check", "--config", str(info.config_path))

    assert (0, {"ok"}) == (code, set(verdicts(lines).values()))
    assert f"host-a  storage      ok    {backend}: " in "\n".join(lines)


def test_json_says_the_same(fleet, capsys) -> None:
    code, lines, _ = bob(
        capsys, "host", "check", "host-b", "--json", "--config", str(fleet.config_path)
    )

    document = yaml.safe_load("\n".join(lines))
    assert (0, True, ["host-b"]) == (code, document["ok"], list(document["hosts"]))
    assert {"ok"} == {c["outcome"] for c in document["hosts"]["host-b"]}


def test_a_missing_disk_directory_fails_its_check_and_prepare_makes_it(
    fleet, capsys, tmp_path, no_disk9
) -> None:
    disks = [{"name": "disk1", "max_bobs": 4}, {"name": "disk9", "max_bobs": 2}]
    config = variant(fleet, tmp_path, disks=disks)

    code, lines, _ = bob(capsys, "host", "check", "host-a", "--config", config)
    failed = {k: v for k, v in verdicts(lines).items() if v != "ok"}
    assert (
        1,
        {
            ("host-a", "disk disk9"): "FAIL",
            ("host-a", "free disk9"): "skip",
        },
    ) == (
        code,
        failed,
    )
    assert any(f"{MISSING_DISK} does not exist" in line for line in lines)

    code, lines, _ = bob(capsys, "host", "prepare", "host-a", "--config", config)
    assert (0, f"host-a  made {MISSING_DISK}", "host-a: ready") == (code, lines[0], lines[-1])

    code, lines, _ = bob(capsys, "host", "check", "host-a", "--config", config)
    assert (0, {"ok"}) == (code, set(verdicts(lines).values()))


def test_a_missing_bridge_fails_its_check_and_prepare_refuses_to_make_it(
    fleet, capsys, tmp_path
) -> None:
    config = variant(fleet, tmp_path, bridge="br9")

    code, lines, _ = bob(capsys, "host", "check", "--config", config)
    failed = {k: v for k, v in verdicts(lines).items() if v != "ok"}
    assert (1, {("host-a", "bridge"): "FAIL"}) == (code, failed)

    code, lines, _ = bob(capsys, "host", "prepare", "host-a", "--config", config)
    assert 1 == code
    assert not any(line.startswith("host-a  made ") for line in lines)
    assert "  bridge: br9 does not exist (the operator's to make: " in "\n".join(lines)


def test_create_on_a_host_whose_disk_directory_is_missing_fails_before_reserving(
    fleet, capsys, tmp_path, own_state
) -> None:
    config = variant(fleet, tmp_path, disks=[{"name": "disk9", "max_bobs": 2}])

    code, _, err = bob(capsys, "create", "1", "--host", "host-a", "--config", config)

    assert 1 == code
    assert f"host-a is not ready: check disk disk9 failed: {MISSING_DISK} does not exist" in err
    assert ([], [], []) == asyncio.run(_records(own_state))
    assert (
        "missing"
        in host_ssh(fleet, "host-a", ["sh", "-c", f"test -d {MISSING_DISK} || echo missing"]).stdout
    )


async def _records(state_dir: Path) -> tuple[list[Any], list[Any], list[Any]]:
    store = await SqlStore.open(sqlite_url(state_dir))
    try:
        jobs = await store.list_jobs(10)
        return list(jobs), list(await store.list_reservations()), list(await store.list_bobs())
    finally:
        await store.close()

"""Ready means booted: wait-ready's probe on the real sandbox, before the bootstrap starts.

The busybox base's init is not systemd, so its Bobs are ready when they answer ping. A
test-owned LXC mount hook stands in for a systemd base without its cost: PID 1 calls itself
``systemd`` (as systemd does) and ``systemctl is-system-running`` says ``starting`` twice, then
what the test chooses. The real systemd is in test_debian_bobs.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from provisioning.config import Fleet, load_fleet
from provisioning.records import JobState, JournalEntry, StepEvent
from sandbox import SandboxInfo
from tests.provisioning.pipeline.conftest import MakeBob

pytestmark = pytest.mark.slow

# Replaces the Bob's init and adds a systemctl, in the Bob's own rootfs as LXC mounts it.
_HOOK = """#!/bin/sh
root=$LXC_ROOTFS_MOUNT
rm -f "$root/sbin/init" "$root/bin/systemctl"
cat > "$root/sbin/init" <<'END'
#!/bin/sh
printf systemd > /proc/$$/comm
while :; do sleep 1; done
END
cat > "$root/bin/systemctl" <<'END'
#!/bin/sh
calls=$(( $(cat /tmp/systemctl-calls 2>/dev/null || echo 0) + 1 ))
case "$1" in
  is-system-running)
    echo "$calls" > /tmp/systemctl-calls
    if [ "$calls" -le 2 ]; then echo starting; exit 1; fi
    echo FINAL; [ FINAL = running ] ;;
  --failed)
    echo "bob-fake.service loaded failed failed A unit that failed"
    echo "other.mount      loaded failed failed Another one" ;;
esac
END
chmod 0755 "$root/sbin/init" "$root/bin/systemctl"
"""


def variant(
    info: SandboxInfo,
    directory: Path,
    *,
    readiness: dict[str, Any] | None = None,
    bootstrap: list[str] | None = None,
    systemd_says: str | None = None,
) -> Fleet:
    """The sandbox's bob.yaml with ``bob_defaults`` changed; ``systemd_says``: the fake
    systemd's final answer (no fake without it)."""
    document: dict[str, Any] = yaml.safe_load(info.config_path.read_text())
    defaults = document["bob_defaults"]
    if readiness is not None:
        defaults["readiness"] = readiness
    if bootstrap is not None:
        defaults["bootstrap"] = bootstrap
    if systemd_says is not None:
        hook = directory / "fake-systemd-hook"
        hook.write_text(_HOOK.replace("FINAL", systemd_says))
        hook.chmod(0o755)
        defaults["hooks"] = {**(defaults.get("hooks") or {}), "mount": str(hook)}
    path = directory / "bob.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return load_fleet(path)


def logged(journal: list[JournalEntry], step: str) -> list[str]:
    return [e.detail or "" for e in journal if e.event is StepEvent.LOG and e.step == step]


def started(journal: list[JournalEntry], step: str) -> bool:
    return any(e.event is StepEvent.STARTED and e.step == step for e in journal)


async def test_a_bob_without_systemd_is_ready_when_it_answers_ping_and_says_so(
    overlay: SandboxInfo, make_bob: MakeBob, tmp_path: Path
) -> None:
    bob = await make_bob(variant(overlay, tmp_path))

    job, plan = await bob.create(1)
    journal = await bob.store.journal(job.id)
    await bob.destroy(plan.bobs[0].name)

    assert (JobState.SUCCEEDED, None) == (job.state, job.error)
    assert ["probe ping: answers ping (PID 1 is init)"] == logged(journal, "wait-ready")


async def test_with_systemd_bootstrap_starts_once_it_says_degraded_and_failed_units_are_named(
    overlay: SandboxInfo, make_bob: MakeBob, tmp_path: Path
) -> None:
    fleet = variant(
        overlay, tmp_path, systemd_says="degraded", bootstrap=["cat", "/tmp/systemctl-calls"]
    )
    bob = await make_bob(fleet)

    job, plan = await bob.create(1)
    journal = await bob.store.journal(job.id)
    await bob.destroy(plan.bobs[0].name)

    assert (JobState.SUCCEEDED, None) == (job.state, job.error)
    [said] = logged(journal, "wait-ready")
    assert said.startswith("probe systemd: degraded after "), said
    assert said.endswith("; failed units: bob-fake.service, other.mount"), said
    # is-system-running was asked three times (starting, starting, degraded) before it ran.
    assert ["3"] == logged(journal, "bootstrap")


async def test_with_systemd_that_never_finishes_booting_wait_ready_gives_up_at_its_timeout(
    overlay: SandboxInfo, make_bob: MakeBob, tmp_path: Path
) -> None:
    fleet = variant(
        overlay,
        tmp_path,
        systemd_says="starting",
        readiness={"timeout_s": 2},
        bootstrap=["true"],
    )
    bob = await make_bob(fleet)

    job, _ = await bob.create(1)
    journal = await bob.store.journal(job.id)

    assert JobState.FAILED == job.state
    assert job.error is not None
    assert "bob001 has not booted (probe systemd): systemd still says 'starting' after 2 s" in (
        job.error
    )
    assert not started(journal, "bootstrap")


async def test_a_configured_command_probe_is_run_until_it_succeeds_and_the_bootstrap_follows(
    overlay: SandboxInfo, make_bob: MakeBob, tmp_path: Path
) -> None:
    probe = ["sh", "-c", "echo probed >> /tmp/probes; [ $(wc -l < /tmp/probes) -ge 3 ]"]
    fleet = variant(
        overlay,
        tmp_path,
        readiness={"probe": "command", "command": probe},
        bootstrap=["cat", "/tmp/probes"],
    )
    bob = await make_bob(fleet)

    job, plan = await bob.create(1)
    journal = await bob.store.journal(job.id)
    await bob.destroy(plan.bobs[0].name)

    assert (JobState.SUCCEEDED, None) == (job.state, job.error)
    [said] = logged(journal, "wait-ready")
    assert said.startswith(f"probe command: {' '.join(probe)!r} succeeded after "), said
    assert ["probed", "probed", "probed"] == logged(journal, "bootstrap")


async def test_a_command_probe_that_never_succeeds_fails_wait_ready_at_its_timeout(
    overlay: SandboxInfo, make_bob: MakeBob, tmp_path: Path
) -> None:
    fleet = variant(
        overlay,
        tmp_path,
        readiness={
            "probe": "command",
            "command": ["sh", "-c", "echo not yet; exit 3"],
            "timeout_s": 2,
        },
        bootstrap=["true"],
    )
    bob = await make_bob(fleet)

    job, _ = await bob.create(1)
    journal = await bob.store.journal(job.id)

    assert JobState.FAILED == job.state
    assert job.error is not None
    assert (
        "bob001 has not booted (probe command): 'sh -c echo not yet; exit 3' still exits 3 "
        "after 2 s: not yet"
    ) in job.error
    assert not started(journal, "bootstrap")

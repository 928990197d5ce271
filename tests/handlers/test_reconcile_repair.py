"""`reconcile --fix`: a repair that waits for another is done only after it, and the report
counts what was found, fixed and left."""

from __future__ import annotations

from handlers.provision import Caller
from handlers.reconcile import Report, render, repair
from provisioning.reconcile.model import Finding, Kind, Repair
from provisioning.records import AuditEntry

CALLER = Caller("alice", "cli", "here", "reconcile --fix")
READ = {"hosts": 2, "zones": 2, "controllers": 1}


class Repairs:
    """Does every repair it is asked for, and remembers the order."""

    def __init__(self) -> None:
        self.done: list[str] = []

    async def repair(self, finding: Finding) -> str:
        self.done.append(finding.key)
        return "done"


class Audit:
    def __init__(self) -> None:
        self.entries: list[AuditEntry] = []

    async def audit(self, entry: AuditEntry) -> None:
        self.entries.append(entry)

    async def audit_log(self, limit: int = 50) -> list[AuditEntry]:
        return self.entries[-limit:]


def leftovers() -> list[Finding]:
    """What a create killed on host-b leaves: its container, and the name it still holds."""
    container = Finding(
        Kind.CONTAINER_WITHOUT_RECORD,
        "bob008",
        "container (RUNNING) made by job j5, no Bob of that name; reserved by job j5",
        "host-b",
        "disk2",
        Repair.REMOVE_CONTAINER,
    )
    claim = Finding(
        Kind.STALE_RESERVATION,
        "bob008",
        "still reserved by job j5, which is over",
        "host-b",
        "disk2",
        Repair.RELEASE_RESERVATION,
        {"job_id": "j5"},
        waits_for=(container.key,),
    )
    return [container, claim]


async def test_without_confirmation_a_name_is_not_released_while_its_container_stays():
    repairs = Repairs()
    report = Report(leftovers(), [], READ)

    done = await repair(report, repairs, Audit(), CALLER, destructive=False)

    assert [] == repairs.done
    assert ["container-without-record bob008 on host-b/disk2"] == [f.key for f in done.skipped]
    assert [
        (
            "stale-reservation bob008 on host-b/disk2",
            "waits for container-without-record bob008 on host-b/disk2",
        )
    ] == [(f.key, why) for f, why in done.held]
    assert done.unfixed


async def test_confirmed_the_container_goes_first_then_its_name():
    repairs = Repairs()

    done = await repair(Report(leftovers(), [], READ), repairs, Audit(), CALLER, destructive=True)

    assert [
        "container-without-record bob008 on host-b/disk2",
        "stale-reservation bob008 on host-b/disk2",
    ] == repairs.done
    assert not done.unfixed


async def test_the_fix_header_counts_what_was_found_fixed_and_what_remains():
    first = await repair(
        Report(leftovers(), [], READ), Repairs(), Audit(), CALLER, destructive=False
    )
    after = Report(leftovers(), [], READ, skipped=first.skipped, held=first.held, found=2)

    text = render(after)

    assert text.splitlines()[0].endswith(": 2 differences found, 0 fixed, 2 remain")
    assert "  not fixed (destructive, not confirmed): container-without-record bob008" in text


async def test_fix_is_clean_only_when_nothing_remains_and_nothing_was_left_undone():
    first = await repair(
        Report(leftovers(), [], READ), Repairs(), Audit(), CALLER, destructive=False
    )
    # Whatever the pass after the fix saw, a destructive repair not confirmed is not "ok".
    after = Report([], [], READ, skipped=first.skipped, held=first.held, found=2)

    assert (False, True) == (after.clean, Report([], [], READ, found=0).clean)

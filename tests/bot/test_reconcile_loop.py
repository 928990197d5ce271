"""The periodic reconcile posts when differences appear or change, never while all is well,
and never twice for the same differences."""

from __future__ import annotations

from bot.reconcile_loop import PeriodicReconcile
from handlers.reconcile import Report
from provisioning.errors import StoreError
from provisioning.reconcile.model import Finding, Kind, Repair


def report(*subjects: str) -> Report:
    findings = [
        Finding(
            Kind.CONTAINER_WITHOUT_RECORD, s, "no Bob", "host-a", "disk1", Repair.REMOVE_CONTAINER
        )
        for s in subjects
    ]
    return Report(
        findings=findings, in_progress=[], read={"hosts": 1, "zones": 0, "controllers": 0}
    )


def loop_over(*reports: Report | Exception) -> tuple[PeriodicReconcile, list[str]]:
    queue = list(reports)
    posted: list[str] = []

    async def run() -> Report:
        item = queue.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    async def notify(text: str) -> None:
        posted.append(text)

    return PeriodicReconcile(run, notify, interval_s=60), posted


async def test_all_well_posts_nothing():
    loop, posted = loop_over(report(), report())
    await loop.once()
    await loop.once()

    assert [] == posted


async def test_new_differences_are_posted_once_and_again_when_they_change():
    loop, posted = loop_over(
        report("bob001"), report("bob001"), report("bob001", "bob002"), report()
    )
    for _ in range(4):
        await loop.once()

    assert 2 == len(posted)
    assert posted[0].splitlines()[0] == "bob reconcile: 1 difference"
    assert (
        "container-without-record   bob001 on host-a/disk1: no Bob  [fix: remove-container]"
        in posted[0]
    )
    assert posted[1].splitlines()[0] == "bob reconcile: 2 differences"


async def test_the_same_differences_after_all_was_well_are_posted_again():
    loop, posted = loop_over(report("bob001"), report(), report("bob001"))
    for _ in range(3):
        await loop.once()

    assert 2 == len(posted)


async def test_a_failed_pass_posts_nothing_and_the_loop_goes_on():
    loop, posted = loop_over(StoreError("database is locked"), report("bob001"))

    assert None is await loop.once()
    assert (await loop.once()) is not None
    assert 1 == len(posted)


async def test_a_long_report_is_cut_short():
    loop, posted = loop_over(report(*(f"bob{n:03d}" for n in range(15))))
    await loop.once()

    assert "• … and 5 more" in posted[0].splitlines()

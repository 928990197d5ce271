"""The board in a real browser against the real sandbox: Make it, watch, find the Bobs.

Headless Chromium opens the board, sees every host and disk of a two-host sandbox fleet,
asks for 2 Bobs with the Make it form, follows the job page until both Bobs are ready, goes
back to the board and finds them in the slots bob recorded. The board and the job page are
saved as screenshots (in $BOB_TEST_ARTIFACTS, else the test's tmp directory); the Bobs are
destroyed through bob afterwards.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from bot.runtime import Runtime, runtime
from handlers.provision import Caller, submit_destroy
from handlers.requests import DestroyBobs
from provisioning.config import load_fleet
from provisioning.records import JobState
from provisioning.store import SqlStore
from tests.bot.web.browser import artifacts_dir, chromium, require_browser, screenshot
from tests.bot.web.site import serve, settings_for
from tests.sandbox.fixtures import require_sandbox, sandbox_fleet

pytestmark = pytest.mark.slow

JOB_TIMEOUT_S = 180
CLEANER = Caller(actor="tester", source="test", origin="pytest", command="clean up")


@dataclass
class Seen:
    """What the browser saw, gathered in its thread and checked afterwards."""

    disks: dict[str, list[str]] = field(default_factory=dict)  # host → its disks
    prefilled_name: str = ""
    job_url: str = ""
    first_job_state: str = ""
    job_state: str = ""
    lanes: dict[str, str] = field(default_factory=dict)  # Bob → its lane's state
    bootstrap_output: str = ""
    slots: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # Bob → host, disk, state
    screenshots: list[Path] = field(default_factory=list)


# The live pages swap their content in as events arrive, so everything is read in one script
# call: an element found in one call may be gone by the next.
READ_LANES = """
return Array.from(document.querySelectorAll("section.lane")).map(
  (lane) => [lane.dataset.lane, lane.querySelector(".lane-state").textContent]);
"""
READ_OUTPUT = """
return Array.from(document.querySelectorAll("tr.log pre")).map((p) => p.textContent).join("\\n");
"""
READ_SLOTS = """
return Array.from(document.querySelectorAll("[data-bob]")).map((slot) => [
  slot.dataset.bob, slot.closest("[data-host]").dataset.host,
  slot.closest("[data-disk]").dataset.disk, slot.querySelector(".state").textContent]);
"""
READ_JOB_STATE = """
const state = document.getElementById("job-state");
return state ? state.textContent : "";
"""


def make_two_in_the_browser(driver: WebDriver, url: str, artifacts: Path) -> Seen:
    seen = Seen()
    wait = WebDriverWait(driver, JOB_TIMEOUT_S, poll_frequency=0.2)
    driver.get(url + "/")
    for host in driver.find_elements(By.CSS_SELECTOR, "section.host"):
        disks = host.find_elements(By.CSS_SELECTOR, ".disk")
        seen.disks[host.get_attribute("data-host") or ""] = [
            d.get_attribute("data-disk") or "" for d in disks
        ]
    seen.prefilled_name = driver.find_element(By.ID, "next-name").get_attribute("value") or ""

    count = driver.find_element(By.ID, "count")
    count.clear()
    count.send_keys("2")
    driver.find_element(By.ID, "make-it").click()
    wait.until(lambda d: "/jobs/" in d.current_url)
    seen.job_url = driver.current_url
    seen.first_job_state = driver.execute_script(READ_JOB_STATE)

    def finished(d: WebDriver) -> bool:
        state = d.execute_script(READ_JOB_STATE)
        return state in (JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED)

    wait.until(finished)
    seen.job_state = driver.execute_script(READ_JOB_STATE)
    seen.lanes = dict(driver.execute_script(READ_LANES))
    seen.bootstrap_output = driver.execute_script(READ_OUTPUT)
    seen.screenshots.append(screenshot(driver, artifacts / "job.png"))

    driver.find_element(By.LINK_TEXT, "Board").click()

    def in_their_slots(d: WebDriver) -> bool:
        slots = {
            name: (host, disk, state) for name, host, disk, state in d.execute_script(READ_SLOTS)
        }
        seen.slots = {name: slots[name] for name in seen.lanes if name in slots}
        return len(seen.slots) == len(seen.lanes)

    wait.until(in_their_slots)
    seen.screenshots.append(screenshot(driver, artifacts / "board.png"))
    return seen


async def destroy_all(rt: Runtime) -> None:
    """Every Bob the test made, destroyed through bob, as an operator would."""
    names = tuple(b.name for b in await rt.store.list_bobs())
    if not names:
        return
    job, _ = await submit_destroy(rt.settings.fleet, rt.store, DestroyBobs(names=names), CLEANER)
    if job is not None:
        final = await rt.runner.run(job.id)
        assert JobState.SUCCEEDED == final.state, final.error


async def test_make_it_in_the_browser_creates_two_bobs_and_shows_them_in_their_slots(
    tmp_path: Path,
) -> None:
    require_sandbox()
    require_browser()
    artifacts = artifacts_dir(tmp_path)
    async with sandbox_fleet(tmp_path / "sandbox", backend="overlay", hosts=2) as info:
        fleet = load_fleet(info.config_path)
        settings = settings_for(fleet, tmp_path)
        store = await SqlStore.open(settings.database_url)
        try:
            async with runtime(settings, store) as rt:
                try:
                    async with serve(rt) as (url, jobs):
                        with chromium(tmp_path / "profile") as driver:
                            # selenium blocks: it runs in a thread while this loop serves.
                            seen = await asyncio.to_thread(
                                make_two_in_the_browser, driver, url, artifacts
                            )
                        await jobs.wait()
                    recorded = {
                        b.name: (b.host, b.disk, b.state.value) for b in await store.list_bobs()
                    }
                finally:
                    await destroy_all(rt)
                left = await store.list_bobs()
        finally:
            await store.close()

    print(f"job page first seen as {seen.first_job_state!r}: {seen.job_url}")
    assert {h.name: [d.name for d in h.disks] for h in fleet.hosts} == seen.disks
    assert "bob001" == seen.prefilled_name
    assert JobState.SUCCEEDED == seen.job_state
    assert {"bob001": "ready", "bob002": "ready"} == seen.lanes
    assert "Linux" in seen.bootstrap_output  # the sandbox's bootstrap is `uname -a`
    assert recorded == seen.slots
    assert all(p.stat().st_size > 0 for p in seen.screenshots)
    assert [] == left

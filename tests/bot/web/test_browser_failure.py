"""The board in a real browser after a job failed: Make it for a Bob whose bootstrap exits 1
(on the real sandbox), follow its page until it fails, then the board.

The job page and the board are saved as screenshots (``job-failed.png``, ``board-failed.png``
in $BOB_TEST_ARTIFACTS, else the test's tmp directory), to be looked at.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from provisioning.records import JobState, StepEvent
from tests.bot.web.browser import artifacts_dir, chromium, require_browser, screenshot
from tests.bot.web.site import board_site
from tests.bot.web.test_browser import JOB_TIMEOUT_S, READ_JOB_STATE
from tests.provisioning.pipeline.runtime import fleet_variant
from tests.sandbox.fixtures import require_sandbox, sandbox_fleet

pytestmark = pytest.mark.slow

FAILING_BOOTSTRAP = ["sh", "-c", "echo 'apt: no space left on device' >&2; exit 1"]


# How many lines each step's host cell takes on screen (a host name wrapped at its hyphen: 2).
HOST_LINES = """
return Array.from(document.querySelectorAll("tr.step")).map((row) => {
  const range = document.createRange();
  range.selectNodeContents(row.cells[1]);
  return [row.dataset.step, row.cells[1].textContent, range.getClientRects().length];
});
"""
BOBS_ON_BOARD = 'return document.querySelectorAll("[data-bob]").length;'


@dataclass
class Seen:
    job_state: str = ""
    job_text: str = ""
    host_lines: list[tuple[str, str, int]] = field(default_factory=list)
    bobs_on_board: int = -1
    free_on_board: int = -1
    screenshots: list[Path] = field(default_factory=list)


def words(text: str) -> str:
    """The text as a page shows it: runs of white space are one space."""
    return " ".join(text.split())


def make_one_that_fails(driver: WebDriver, url: str, artifacts: Path) -> Seen:
    seen = Seen()
    wait = WebDriverWait(driver, JOB_TIMEOUT_S, poll_frequency=0.2)
    driver.get(url + "/")
    driver.find_element(By.ID, "make-it").click()
    wait.until(lambda d: "/jobs/" in d.current_url)
    wait.until(lambda d: d.execute_script(READ_JOB_STATE) == JobState.FAILED)
    seen.job_state = driver.execute_script(READ_JOB_STATE)
    seen.job_text = driver.find_element(By.TAG_NAME, "main").text
    seen.host_lines = [tuple(row) for row in driver.execute_script(HOST_LINES)]
    seen.screenshots.append(screenshot(driver, artifacts / "job-failed.png"))
    driver.find_element(By.LINK_TEXT, "Board").click()
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "section.host"))
    seen.bobs_on_board = driver.execute_script(BOBS_ON_BOARD)
    seen.free_on_board = len(driver.find_elements(By.CSS_SELECTOR, "li.slot.free"))
    seen.screenshots.append(screenshot(driver, artifacts / "board-failed.png"))
    return seen


async def test_the_board_after_a_failed_job(tmp_path: Path) -> None:
    require_sandbox()
    require_browser()
    async with sandbox_fleet(tmp_path / "sandbox", hosts=2) as info:
        fleet = fleet_variant(info, tmp_path, bootstrap=FAILING_BOOTSTRAP)
        async with board_site(tmp_path, fleet) as site:
            with chromium(tmp_path / "profile") as driver:
                seen = await asyncio.to_thread(
                    make_one_that_fails, driver, site.url, artifacts_dir(tmp_path)
                )
            await site.jobs.wait()
            left = await site.rt.store.list_bobs()
            (job,) = await site.rt.store.list_jobs()
            journal = await site.rt.store.journal(job.id)

    assert JobState.FAILED == seen.job_state
    assert seen.host_lines, "no step rows on the job page"
    # A host fits its cell on one line; a step that runs nothing on a host shows none.
    assert all(lines == bool(host) for _, host, lines in seen.host_lines), seen.host_lines
    assert ("reserve", "") == seen.host_lines[0][:2]
    (failure,) = [e.detail for e in journal if e.event is StepEvent.FAILED]
    assert failure is not None
    assert "no space left on device" in failure  # premise: the bootstrap's own words
    # The failure is read once, in its step's row; the job's line points there.
    assert 1 == words(seen.job_text).count(words(failure))
    assert "step 'bootstrap' (lane bob001, host host-a) failed (below)" in seen.job_text
    # The undo left nothing: no Bob on the board, every slot free again.
    capacity = sum(d.max_bobs for h in fleet.hosts for d in h.disks)
    assert (0, capacity) == (seen.bobs_on_board, seen.free_on_board)
    assert [] == left
    assert all(p.stat().st_size > 0 for p in seen.screenshots)

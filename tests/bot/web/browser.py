"""Debian's Chromium, headless, driven by selenium through Debian's chromedriver.

Nothing is downloaded: the browser and the driver are the system's (``chromium`` and
``chromium-driver``), named by path, so selenium's own driver manager never runs. The flags
that stop Chromium's background networking matter here: this machine refuses every
connection that leaves it, and Chromium would otherwise keep trying.

    with chromium(tmp_path / "profile") as driver:
        driver.get(url)

Every process started for it (chromedriver, the browser and its helpers) is ended afterwards,
each by its PID.
"""

from __future__ import annotations

import base64
import os
import shutil
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webdriver import WebDriver

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FLAGS = (
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--window-size=1400,1000",
)  # fmt: skip


def require_browser() -> None:
    """Skip unless Chromium and its driver are installed; with BOB_REQUIRE_BROWSER=1, fail."""
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if not missing:
        return
    reason = f"the browser test needs {', '.join(missing)} (Debian chromium chromium-driver)"
    if os.environ.get("BOB_REQUIRE_BROWSER") == "1":
        pytest.fail(f"BOB_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@contextmanager
def chromium(profile: Path) -> Iterator[webdriver.Chrome]:
    profile.mkdir(parents=True, exist_ok=True)
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    service = Service(str(CHROMEDRIVER))
    driver = webdriver.Chrome(service=service, options=options)
    started = _descendants(service.process.pid) | {service.process.pid}
    try:
        yield driver
    finally:
        started |= _descendants(service.process.pid)  # renderers appear as pages load
        try:
            driver.quit()
        finally:
            _end(started)
            shutil.rmtree(profile, ignore_errors=True)


def artifacts_dir(tmp_path: Path) -> Path:
    """Where screenshots go: $BOB_TEST_ARTIFACTS, else the test's tmp directory."""
    return Path(os.environ.get("BOB_TEST_ARTIFACTS") or tmp_path / "artifacts")


def screenshot(driver: WebDriver, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    # The whole page, not just the window: a job page is taller than a screen.
    size = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot",
        {
            "format": "png",
            "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1},
        },
    )
    path.write_bytes(base64.b64decode(shot["data"]))
    print(f"screenshot: {path}")
    return path


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        tree.setdefault(int(fields[1]), []).append(int(entry.name))
    return tree


def _descendants(pid: int) -> set[int]:
    tree, found, todo = _children(), set(), [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _end(pids: set[int]) -> None:
    """Wait a little for quit() to end them, then kill what is left, by PID."""
    deadline = time.monotonic() + 5
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    for pid in pids:
        if _alive(pid):
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

"""How long a pull request waits for its staging environment, and a visitor for an idle one.

Run as root from the repository: ``.venv/bin/python bench/staging.py [--rounds 3]``.

It builds a test sandbox (a locked test slot, one host, overlay clones of the busybox base,
its own BIND), starts Debian's nginx and a ``git daemon`` on loopback, serves bob's webhook and
wake endpoints, and for each round: sends a signed ``opened`` event for a new pull request and
times until the page answers through nginx (webhook → first successful page: a new Bob's
create, checkout, deploy, route); then switches the environment off (as the idle sweep does)
and times one request from arrival to answer (wake: start, app start, route, proxy). Then it
closes the environments. A measurement: it exits 0 whether or not the figures are good, 1 only
if the bench itself failed.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from handlers.provision import Caller
from tests.provisioning.pipeline.observe import clear_bobs
from tests.sandbox.fixtures import sandbox_fleet
from tests.staging.harness import StagingSetup, staging_setup


async def first_page(stage: StagingSetup, pr: int) -> float:
    """Seconds from sending the webhook to the first 200 through nginx."""
    stage.repo.commit(f"b{pr}", {"page.txt": f"pr {pr}"}, f"pr {pr}")
    started = time.perf_counter()
    status, _ = await stage.hook("opened", pr, f"b{pr}")
    if status != 202:
        raise RuntimeError(f"webhook answered {status}")
    while True:
        code, body = await stage.page(pr, timeout=10)
        if code == 200 and body.startswith(f"pr {pr}"):
            return time.perf_counter() - started
        env = await stage.bob.store.stage_env(pr)
        if env is not None and env.state.value == "failed":
            raise RuntimeError(f"pr-{pr} failed to deploy (job {env.job_id})")
        await asyncio.sleep(0.05)


async def wake_answer(stage: StagingSetup, pr: int) -> float:
    """Seconds for one request to an environment that is off, from sending to its answer."""
    # The first page can come while the deploy's reload is still retiring nginx's old workers:
    # only an environment whose deploy is over (up) is switched off.
    env = await stage.until_state(pr, "up", timeout=60)
    if not await stage.stager.switch_off(env):
        raise RuntimeError(f"pr-{pr} was not switched off")
    started = time.perf_counter()
    code, body = await stage.page(pr, timeout=120)
    took = time.perf_counter() - started
    if code != 200 or not body.startswith(f"pr {pr}"):
        raise RuntimeError(f"woken pr-{pr} answered {code}: {body[:80]!r}")
    return took


async def main(rounds: int) -> int:
    with tempfile.TemporaryDirectory(prefix="bob-bench-staging-") as tmp:
        directory = Path(tmp)
        async with sandbox_fleet(directory / "sandbox", backend="overlay", hosts=1) as info:
            try:
                async with staging_setup(directory, info) as stage:
                    deploys, wakes = [], []
                    for pr in range(1, rounds + 1):
                        deploys.append(await first_page(stage, pr))
                        wakes.append(await wake_answer(stage, pr))
                        print(f"pr-{pr}: webhook → page {deploys[-1]:.2f} s, "
                              f"off → answered {wakes[-1]:.2f} s", flush=True)  # fmt: skip
                    for pr in range(1, rounds + 1):
                        await stage.stager.close(pr, stage_caller())
            finally:
                clear_bobs(info)
    print(f"webhook → first successful page: median {statistics.median(deploys):.2f} s "
          f"(min {min(deploys):.2f}, max {max(deploys):.2f}, {rounds} new Bobs)")  # fmt: skip
    print(f"request on an idle-off environment → answer: median {statistics.median(wakes):.2f} s "
          f"(min {min(wakes):.2f}, max {max(wakes):.2f})")  # fmt: skip
    return 0


def stage_caller() -> Caller:
    return Caller("bench", "bench", "bench", "bench")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="pull requests (default 3)")
    sys.exit(asyncio.run(main(parser.parse_args().rounds)))

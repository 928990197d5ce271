"""Load drill: concurrent creates, then destroys, on an 8-host sandbox; a host's sshd killed midway.

Run as root from the repository: ``.venv/bin/python bench/load_drill.py [--hosts 8] [--jobs 10]
[--bobs 10] [--outage 3]``.

Ten bob replicas (own store connection, SSH connections, DNS client and job runner each, on one
shared SQLite store and the sandbox's BIND) each submit ``create 10`` at once and run it: 100
Bobs. Once half the Bobs on the busiest host have started, that host's sshd is stopped (listener
and sessions) and started again ``--outage`` seconds later. Then the Bobs are dealt to ten
destroys, run at once, with the same outage midway; what a failed destroy left is destroyed
again at the end. It prints the figures (Bobs made, jobs failed and why, wall and per-phase
times) and checks, exiting 1 if any is broken:

- no name, address or slot is planned, recorded or found on the hosts twice;
- every job succeeded or failed, and a failed create left nothing (its undo removed it all);
- after each phase the hosts hold exactly the recorded Bobs, no reservation is held, and the
  reconciler (hosts, store, DNS) finds 0 differences; at the end nothing at all is left.

It builds a sandbox of its own (prefix ``bobload``, addresses 10.250.40-48.*, a free DNS port,
everything under a temporary directory; one run at a time) and always removes it again. The
invariants are the point: a timing here is a figure, never a pass mark.
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import logging
import os
import shutil
import socket
import sys
import tempfile
import time
from pathlib import Path

from loaddrill.drill import Shape, run_drill
from loaddrill.figures import report

from sandbox import SandboxOptions, sandbox_down, sandbox_up
from sandbox.network import netns_exists
from sandbox.options import MAX_HOSTS
from sandbox.paths import StatePaths

# Clear of the default sandbox (0-8), bench/create.py (60), bench/reconcile.py and
# bench/slack_ack.py (70-73) and the tests' slots (100+).
PREFIX, NET_INDEX = "bobload", 40
LOCK = Path("/run/lock" if Path("/run/lock").is_dir() else "/tmp") / "bob-bench-load.lock"


def machine_facts() -> str:
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"nproc {len(os.sched_getaffinity(0))}, load average {load}"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def amain(hosts: int, shape: Shape, work: Path) -> int:
    options = SandboxOptions(
        hosts=hosts,
        backend="overlay",
        state_dir=work / "sandbox",
        prefix=PREFIX,
        net_index=NET_INDEX,
        dns_port=free_port(),
    )
    print(f"machine: {machine_facts()}", flush=True)
    try:
        started = time.perf_counter()
        info = await sandbox_up(options)
        print(f"sandbox up in {time.perf_counter() - started:.1f} s: {options.describe()}")
        result = await run_drill(info, work, shape)
        report(result)
    finally:
        started = time.perf_counter()
        await sandbox_down(options.state_dir)
        down_s = time.perf_counter() - started
        print(f"\nsandbox down in {down_s:.1f} s; machine: {machine_facts()}")
    return 1 if result.violations or result.half_destroyed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=8, help=f"sandbox hosts, 1..{MAX_HOSTS}")
    parser.add_argument("--jobs", type=int, default=10, help="concurrent jobs per phase")
    parser.add_argument("--bobs", type=int, default=10, help="Bobs per create job")
    parser.add_argument("--outage", type=float, default=3.0, help="seconds sshd stays away")
    args = parser.parse_args()
    # The figures say which steps failed and why; bob's own warnings would bury them.
    logging.basicConfig(level=logging.ERROR)
    if not (1 <= args.hosts <= MAX_HOSTS and args.jobs >= 1 and args.bobs >= 1):
        parser.error(f"--hosts must be 1..{MAX_HOSTS}, --jobs and --bobs at least 1")
    if os.geteuid() != 0:
        print("bench/load_drill.py: the sandbox needs root", file=sys.stderr)
        return 1
    lock = os.open(LOCK, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print("bench/load_drill.py: another run holds its sandbox slot", file=sys.stderr)
        return 1
    if netns_exists(f"{PREFIX}-a"):
        print(
            f"bench/load_drill.py: namespace {PREFIX}-a exists (a run that did not clean up?)",
            file=sys.stderr,
        )
        return 1
    work = Path(tempfile.mkdtemp(prefix="bob-bench-load-"))
    shape = Shape(jobs=args.jobs, bobs=args.bobs, outage_s=args.outage)
    try:
        return asyncio.run(amain(args.hosts, shape, work))
    except KeyboardInterrupt:
        print("bench/load_drill.py: interrupted", file=sys.stderr)
        return 130
    finally:
        # A second Ctrl-C can cut the in-loop teardown short: finish it before removing files.
        if StatePaths(work / "sandbox").state_file.exists():
            asyncio.run(sandbox_down(work / "sandbox"))
        shutil.rmtree(work, ignore_errors=True)
        os.close(lock)


if __name__ == "__main__":
    sys.exit(main())

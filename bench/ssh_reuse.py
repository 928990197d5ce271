"""What a command costs over bob's reused SSH connection, next to the first one (the login).

Run from the repository: ``.venv/bin/python bench/ssh_reuse.py [--commands 50] [--rounds 5]``.

It starts an OpenSSH server of its own on loopback (as the host shell tests do) and, per round,
runs ``true`` once on a fresh shell (connect and login included), then ``--commands`` times
over the same connection. It prints the medians over the rounds. A login per command, or a slow
rc file in the login shell, shows as 0.1-0.2 s per command instead of milliseconds.
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

from provisioning.hosts.ssh import SshShell
from tests.provisioning.hosts.sshd import SshdUnavailable, SshServer


async def one_round(server: SshServer, commands: int) -> tuple[float, float]:
    """(first command's seconds, later commands' mean seconds) on a fresh shell."""
    shell = SshShell(server.host())
    try:
        started = time.perf_counter()
        await shell.run(["true"])
        first = time.perf_counter() - started
        started = time.perf_counter()
        for _ in range(commands):
            await shell.run(["true"])
        return first, (time.perf_counter() - started) / commands
    finally:
        await shell.close()


async def bench(commands: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory(prefix="bob-bench-ssh-") as tmp:
        server = SshServer.start(Path(tmp))
        try:
            results = [await one_round(server, commands) for _ in range(rounds)]
        finally:
            server.stop()
    first = statistics.median(r[0] for r in results)
    later = statistics.median(r[1] for r in results)
    print(f"first command (connect, login): {first * 1000:7.1f} ms  (median of {rounds})")
    print(f"each later command, reused:     {later * 1000:7.1f} ms  (mean of {commands})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    try:
        asyncio.run(bench(args.commands, args.rounds))
    except SshdUnavailable as exc:
        print(f"cannot bench: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

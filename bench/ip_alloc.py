"""Time to the first free address with 1,000 used: a PTR scan against one zone transfer.

Run from the repository: ``.venv/bin/python bench/ip_alloc.py [--used 1000] [--rounds 7]``.

It starts a BIND of its own (tests/bind.py: loopback, a free port, a temporary directory) and
always stops it again. The subnet is 10.250.0.0/22 with its gateway at .0.1 and one reverse
zone for all of it, 250.10.in-addr.arpa — a /22 is the smallest subnet with room for 1,000 used
addresses, and one zone means the transfer is a single round trip, as it would be for a /24
with its own zone. The first ``--used`` candidates get a PTR, so the first free address comes
after all of them: a scan asks ``used + 1`` PTR queries, a transfer moves ``used`` records.

Each round times, in alternating order, bob's ``allocate(count=1)`` with:

- scan, the configured concurrency (DnsSettings.scan_concurrency, default 8 in flight);
- scan, one query at a time (the original method);
- axfr, one TSIG-signed zone transfer.

All answers must agree, or the bench fails. It prints the medians and the ratio scan/axfr
against the goal (axfr at least 5× faster); exit 0 whether or not the goal is met, 1 only if
the bench itself failed.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import itertools
import statistics
import sys
import time
from pathlib import Path

# tests/bind.py is the one place that knows how to run a throwaway named; the bench reuses it.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from provisioning.config.models import Subnet
from provisioning.core.addresses import candidates
from provisioning.dns import DnsClient, Strategy, allocate
from tests.bind import BindServer, Zone, ptr_lines

ZONE = "250.10.in-addr.arpa"
SUBNET = Subnet(
    cidr=ipaddress.IPv4Network("10.250.0.0/22"),
    gateway=ipaddress.IPv4Address("10.250.0.1"),
    datacenter="bench",
    reverse_zone=ZONE,
)
RATIO_GOAL = 5.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--used", type=int, default=1000, help="used addresses before the first free"
    )
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    room = sum(1 for _ in candidates(SUBNET))
    if not 0 < args.used < room:
        parser.error(f"--used must be between 1 and {room - 1} (candidates in {SUBNET.cidr})")

    used = [str(a) for a in itertools.islice(candidates(SUBNET), args.used)]
    started = time.monotonic()
    bind = BindServer.start([Zone(ZONE, ptr_lines(used, ZONE))])
    try:
        print(
            f"BIND {bind.address}:{bind.port} up in {time.monotonic() - started:.2f} s; "
            f"zone {ZONE} with {args.used} PTRs, subnet {SUBNET.cidr}"
        )
        return asyncio.run(_bench(bind, args.used, args.rounds))
    finally:
        bind.stop()


async def _bench(bind: BindServer, used: int, rounds: int) -> int:
    settings = bind.settings(timeout=5.0)
    client = DnsClient(settings, bind.secret)
    methods: list[tuple[str, Strategy, int]] = [
        (f"scan ×{settings.scan_concurrency}", "scan", settings.scan_concurrency),
        ("scan ×1", "scan", 1),
        ("axfr", "axfr", 1),
    ]
    expected = list(candidates(SUBNET))[used]
    times: dict[str, list[float]] = {label: [] for label, _, _ in methods}
    for round_number in range(rounds + 1):  # round 0 warms up (imports, caches) and is dropped
        order = methods if round_number % 2 else list(reversed(methods))
        for label, strategy, concurrency in order:
            started = time.perf_counter()
            found = await allocate(
                client, [SUBNET], held=(), count=1, strategy=strategy, concurrency=concurrency
            )
            elapsed = time.perf_counter() - started
            if [address for _, address in found] != [expected]:
                print(f"FAILED: {label} found {found}, expected {expected}", file=sys.stderr)
                return 1
            if round_number:
                times[label].append(elapsed)

    print(f"first free: {expected} (after {used} used); {rounds} rounds, medians:")
    medians = {label: statistics.median(values) for label, values in times.items()}
    for label, median in medians.items():
        spread = f"{min(times[label]) * 1e3:.1f}–{max(times[label]) * 1e3:.1f}"
        print(f"  {label:<8} {median * 1e3:8.2f} ms   (range {spread} ms)")
    scan_label = methods[0][0]
    ratio = medians[scan_label] / medians["axfr"]
    verdict = "PASS" if ratio >= RATIO_GOAL else "MISS"
    print(f"ratio {scan_label} / axfr: {ratio:.1f}×  (goal ≥ {RATIO_GOAL:.0f}×)  {verdict}")
    print(f"ratio scan ×1 / axfr: {medians['scan ×1'] / medians['axfr']:.1f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())

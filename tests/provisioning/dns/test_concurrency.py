"""Allocators racing for addresses: every one gets its own, and DNS holds each record once.

Scanning then adding hands concurrent allocators the same address (they all see the same
first hole). The claim's prerequisite "this PTR name does not exist" lets exactly one win each
address; the losers get AddressTaken (YXDOMAIN) and move on to the next candidate.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from provisioning.dns import AddressTaken, DnsClient, claim_first_free
from tests.bind import BindServer
from tests.provisioning.dns.conftest import FORWARD, REVERSE, USED, subnet

REPO = Path(__file__).resolve().parents[3]
WORKER_TIMEOUT_S = 30


def assert_each_claim_exactly_once(
    bind: BindServer, claims: list[tuple[str, ipaddress.IPv4Address]]
) -> None:
    """Distinct addresses, and per claim exactly one PTR and one A, pointing at each other."""
    addresses = [address for _, address in claims]
    assert len(set(addresses)) == len(claims), (
        f"an address was handed out twice: {sorted(addresses)}"
    )
    assert not {str(a) for a in addresses} & set(USED)

    reverse = bind.records(REVERSE)
    forward = bind.records(FORWARD)
    ptrs = Counter(name for name, rtype, _ in reverse if rtype == "PTR")
    a_records = Counter(name for name, rtype, _ in forward if rtype == "A")
    for name, address in claims:
        owner = address.reverse_pointer
        fqdn = f"{name}.{FORWARD}"
        assert 1 == ptrs[owner], f"{owner} has {ptrs[owner]} PTR records"
        assert (owner, "PTR", fqdn + ".") in reverse
        assert 1 == a_records[fqdn], f"{fqdn} has {a_records[fqdn]} A records"
        assert (fqdn, "A", str(address)) in forward
    # Nothing beyond the claims (and the zone's own hand-made records) was left behind.
    assert len(claims) + len(USED) == sum(ptrs.values())


class CountingLosses:
    """The real client, counting the claims that lost a race (AddressTaken)."""

    def __init__(self, client: DnsClient) -> None:
        self._client = client
        self.server = client.server
        self.axfr = client.axfr
        self.ptr_exists = client.ptr_exists
        self.release = client.release
        self.losses = 0

    async def claim(self, *args: Any) -> None:
        try:
            await self._client.claim(*args)
        except AddressTaken:
            self.losses += 1
            raise


@pytest.mark.parametrize("strategy", ["axfr", "scan"])
async def test_ten_concurrent_allocators_get_ten_distinct_addresses(bind, client, strategy):
    names = [f"bob{n:03d}" for n in range(11, 21)]  # clear of the hand-made bob002
    counting = CountingLosses(client)

    results = await asyncio.gather(
        *(
            claim_first_free(
                counting, [subnet()], held=set(), name=name, job_id="job1", strategy=strategy
            )
            for name in names
        )
    )

    claims = [(name, address) for name, (_, address) in zip(names, results, strict=True)]
    assert counting.losses > 0, "the allocators never raced: this test proves nothing"
    assert_each_claim_exactly_once(bind, claims)
    # First-free packing: the ten lowest free addresses, whoever got which.
    expected = [n for n in range(12, 30) if f"10.250.1.{n}" not in USED][:10]
    assert sorted(ipaddress.IPv4Address(f"10.250.1.{n}") for n in expected) == sorted(
        a for _, a in claims
    )


def test_two_processes_allocating_at_once_get_distinct_addresses(bind):
    requests = [
        {
            "port": bind.port,
            "names": [f"pa{n:02d}" for n in range(1, 11)],
            "job": "job-a",
            "strategy": "axfr",
        },
        {
            "port": bind.port,
            "names": [f"pb{n:02d}" for n in range(1, 11)],
            "job": "job-b",
            "strategy": "scan",
        },
    ]
    env = os.environ | {"BOB_DNS_TSIG_SECRET": bind.secret, "PYTHONPATH": str(REPO)}
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.provisioning.dns.alloc_worker"],
            cwd=REPO,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in requests
    ]
    try:
        for worker, request in zip(workers, requests, strict=True):
            _say(worker, json.dumps(request))
        for worker in workers:
            assert "ready" == _hear(worker), worker.communicate()[1]
        # Both are ready: let them loose together, so their claims overlap.
        for worker in workers:
            _say(worker, "go")
        outputs = [worker.communicate(timeout=WORKER_TIMEOUT_S) for worker in workers]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()

    claims = []
    for (stdout, stderr), worker in zip(outputs, workers, strict=True):
        assert 0 == worker.returncode, stderr
        claims += [
            (name, ipaddress.IPv4Address(address)) for name, address in json.loads(stdout)["claims"]
        ]
    assert 20 == len(claims)
    assert_each_claim_exactly_once(bind, claims)


def _say(worker: subprocess.Popen[str], line: str) -> None:
    assert worker.stdin is not None
    worker.stdin.write(line + "\n")
    worker.stdin.flush()


def _hear(worker: subprocess.Popen[str]) -> str:
    assert worker.stdout is not None
    return worker.stdout.readline().strip()

"""A burst of creates reads each zone once: concurrent AXFRs of a zone share one transfer.

BIND serves at most 10 transfers at once; in bench/slack_ack.py --mode sandbox, 40 of 50
concurrent /bob create commands were refused with SERVFAIL before transfers were shared.
"""

from __future__ import annotations

import asyncio

from provisioning.dns import DnsClient
from provisioning.dns.port import ZoneRecord
from provisioning.dns.shared import SharedTransfers
from tests.bind import Zone

FORWARD = "bob.test"
BURST = 40


class CountingClient(DnsClient):
    """The real client, counting the transfers it really makes."""

    transfers = 0

    async def axfr(self, zone: str) -> list[ZoneRecord]:
        self.transfers += 1
        return await super().axfr(zone)


def shared_client(start_bind) -> tuple[SharedTransfers, CountingClient]:
    bind = start_bind([Zone(FORWARD, [f"bob{n:03d} A 10.250.1.{n + 10}" for n in range(1, 6)])])
    client = CountingClient(bind.settings(), bind.secret)
    return SharedTransfers(client), client


async def test_concurrent_readers_of_a_zone_share_one_transfer(start_bind):
    shared, client = shared_client(start_bind)

    results = await asyncio.gather(*(shared.axfr(FORWARD) for _ in range(BURST)))

    assert 1 == client.transfers
    assert {f"bob{n:03d}.bob.test" for n in range(1, 6)} == {
        r.name for r in results[0] if r.type == "A"
    }
    assert all(result == results[0] for result in results)


async def test_a_reader_after_the_transfer_ended_gets_a_fresh_one(start_bind):
    shared, client = shared_client(start_bind)

    await shared.axfr(FORWARD)
    await shared.axfr(FORWARD)

    assert 2 == client.transfers


async def test_a_reader_giving_up_does_not_cancel_the_others_transfer(start_bind):
    shared, _ = shared_client(start_bind)
    impatient = asyncio.create_task(shared.axfr(FORWARD))
    patient = asyncio.create_task(shared.axfr(FORWARD))
    # One turn of the loop, not a wait: both readers have joined the transfer, which has not
    # started yet, so the cancel below reaches it unless the sharing shields it.
    await asyncio.sleep(0)

    impatient.cancel()

    assert 6 <= len(await patient)  # SOA, NS and the five A records at least

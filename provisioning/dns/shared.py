"""Zone transfers shared by concurrent readers, so a burst of creates is one AXFR per zone.

Every create reads the zones before it reserves (names and addresses made outside bob count
as taken). BIND serves at most 10 transfers at once and answers SERVFAIL beyond that: 50
concurrent /bob create commands got 40 refusals (bench/slack_ack.py --mode sandbox). Callers
that arrive while a transfer of the zone is in flight share its result; nothing is cached
after it ends, so no answer is older than the request that waits for it. The DNS step still
claims each address with a "does not exist" prerequisite, so sharing cannot hand one address
out twice. The composition root puts every DNS client it holds behind this, so creates from
Slack, the board and the CLI in one process share transfers alike.
"""

from __future__ import annotations

import asyncio
import ipaddress

from provisioning.dns.port import DnsZoneClient, ZoneRecord


class SharedTransfers:
    """A DnsZoneClient whose ``axfr`` joins an in-flight transfer of the same zone."""

    def __init__(self, client: DnsZoneClient) -> None:
        self._client = client
        self._flights: dict[str, asyncio.Future[list[ZoneRecord]]] = {}

    @property
    def server(self) -> str:
        return self._client.server

    async def axfr(self, zone: str) -> list[ZoneRecord]:
        flight = self._flights.get(zone)
        if flight is None:
            flight = asyncio.ensure_future(self._client.axfr(zone))
            self._flights[zone] = flight
            flight.add_done_callback(lambda _: self._flights.pop(zone, None))
        # shield: one caller giving up must not cancel the transfer the others wait for.
        return await asyncio.shield(flight)

    async def claim(
        self,
        name: str,
        forward_zone: str,
        address: ipaddress.IPv4Address,
        reverse_zone: str,
        job_id: str,
    ) -> None:
        await self._client.claim(name, forward_zone, address, reverse_zone, job_id)

    async def release(
        self, name: str, address: ipaddress.IPv4Address, forward_zone: str, reverse_zone: str
    ) -> None:
        await self._client.release(name, address, forward_zone, reverse_zone)

    async def ptr_exists(self, address: ipaddress.IPv4Address, zone: str | None = None) -> bool:
        return await self._client.ptr_exists(address, zone)

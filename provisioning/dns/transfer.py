"""A zone transfer (AXFR) received as a list of RRsets, without building a dnspython Zone.

A ``dns.zone.Zone`` hashes every record into its node tables as it arrives, which is about
half the cost of transferring a 1,000-record zone, and the allocator only needs the names. So
the transfer is applied to a collecting transaction manager instead. Everything that makes a
transfer trustworthy stays dnspython's: ``dns.xfr.Inbound`` checks the rcode, the SOA first and
last, and the TSIG on the first and last message, and only then commits; a transfer that fails
half-way yields nothing.
"""

from __future__ import annotations

from typing import cast

import dns.asyncquery
import dns.name
import dns.rdataclass
import dns.rdataset
import dns.transaction
import dns.tsig
import dns.xfr


async def transfer(
    where: str,
    port: int,
    zone: dns.name.Name,
    key: dns.tsig.Key,
    *,
    message_timeout: float,
    lifetime: float,
) -> list[tuple[dns.name.Name, dns.rdataset.Rdataset]]:
    """Every (absolute owner name, RRset) of ``zone``, the SOA once, in transfer order.

    ``message_timeout`` bounds the wait for each message, ``lifetime`` the whole transfer.
    """
    collector = _Collector(zone)
    query, _ = dns.xfr.make_query(collector, serial=None, keyring=key)
    await dns.asyncquery.inbound_xfr(
        where, collector, query, port=port, timeout=message_timeout, lifetime=lifetime
    )
    return collector.received


class _Collector(dns.transaction.TransactionManager):
    def __init__(self, origin: dns.name.Name) -> None:
        self.origin = origin
        self.received: list[tuple[dns.name.Name, dns.rdataset.Rdataset]] = []

    def origin_information(self) -> tuple[dns.name.Name | None, bool, dns.name.Name | None]:
        # Not relativized: names arrive absolute, as the caller reports them.
        return self.origin, False, self.origin

    def get_class(self) -> dns.rdataclass.RdataClass:
        return dns.rdataclass.IN

    def reader(self) -> dns.transaction.Transaction:
        raise NotImplementedError("a transfer collector has no content to read")

    def writer(self, replacement: bool = False) -> dns.transaction.Transaction:
        # Duck-typed, as dnspython's own dns.query.xfr does with its dummy transaction: a real
        # Transaction would copy and hash every RRset, which is the cost avoided here.
        return cast(dns.transaction.Transaction, _Collecting(self))


class _Collecting:
    """The transaction Inbound writes an AXFR into: add, replace (the final SOA), commit."""

    def __init__(self, manager: _Collector) -> None:
        self._manager = manager
        self._pending: list[tuple[dns.name.Name, dns.rdataset.Rdataset]] = []

    def add(self, name: dns.name.Name, rdataset: dns.rdataset.Rdataset) -> None:
        self._pending.append((name, rdataset))

    def replace(self, name: dns.name.Name, rdataset: dns.rdataset.Rdataset) -> None:
        self._pending.append((name, rdataset))

    def delete_exact(self, name: dns.name.Name, rdataset: dns.rdataset.Rdataset) -> None:
        raise NotImplementedError("only AXFR is requested, never IXFR")

    def commit(self) -> None:
        self._manager.received = self._pending

    def rollback(self) -> None:
        self._pending = []

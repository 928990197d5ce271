"""A zone transfer (AXFR) received as a list of RRsets, without building a dnspython Zone.

A ``dns.zone.Zone`` hashes every record into its node tables as it arrives, which is about
half the cost of transferring a 1,000-record zone, and the allocator only needs the names. So
the transfer is applied to a collecting transaction instead, built on dnspython's documented
storage hooks (the ``_get_rdataset``/``_put_rdataset`` family a Transaction subclass provides).
Everything that makes a transfer trustworthy stays dnspython's: ``dns.xfr.Inbound`` checks the
rcode, the SOA first and last, and the TSIG on the first and last message, and only then
commits; a transfer that fails half-way yields nothing.
"""

from __future__ import annotations

from collections.abc import Iterator

import dns.asyncquery
import dns.name
import dns.rdataclass
import dns.rdataset
import dns.rdatatype
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
        return _Collecting(self, replacement)


class _Collecting(dns.transaction.Transaction):
    """The transaction Inbound writes an AXFR into, through dnspython's storage hooks.

    Nothing is stored or looked up: every RRset is appended as it arrives and the list is
    handed to the manager on commit. Only AXFR is requested, so nothing is ever deleted.
    """

    def __init__(self, manager: _Collector, replacement: bool) -> None:
        super().__init__(manager, replacement)
        self._collector = manager
        self._pending: list[tuple[dns.name.Name, dns.rdataset.Rdataset]] = []

    def _get_rdataset(
        self, name: dns.name.Name, rdtype: dns.rdatatype.RdataType, covers: object
    ) -> None:
        return None

    def _put_rdataset(self, name: dns.name.Name, rdataset: dns.rdataset.Rdataset) -> None:
        self._pending.append((name, rdataset))

    def _delete_name(self, name: dns.name.Name) -> None:
        raise NotImplementedError("only AXFR is requested, never IXFR")

    def _delete_rdataset(self, name: dns.name.Name, rdtype: object, covers: object) -> None:
        raise NotImplementedError("only AXFR is requested, never IXFR")

    def _name_exists(self, name: dns.name.Name) -> bool:
        return False

    def _changed(self) -> bool:
        return bool(self._pending)

    def _end_transaction(self, commit: bool) -> None:
        if commit:
            self._collector.received = self._pending

    def _set_origin(self, origin: dns.name.Name | None) -> None:
        pass

    def _iterate_rdatasets(self) -> Iterator[tuple[dns.name.Name, dns.rdataset.Rdataset]]:
        return iter(())

    def _iterate_names(self) -> Iterator[dns.name.Name]:
        return iter(())

    def _get_node(self, name: dns.name.Name) -> None:
        return None

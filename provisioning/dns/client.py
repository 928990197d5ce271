"""The DNS adapter: TSIG-signed dynamic updates (RFC 2136), zone transfers and PTR queries.

Every message is signed with the configured TSIG key, queries included: a signed answer is one
the server really gave, so a spoofed or stray NXDOMAIN can never make a used address look free.
Updates and transfers go over TCP (a lost UDP reply to an update would leave us guessing
whether it was applied); the scan's PTR queries go over UDP, since there are many and they are
tiny. Every exchange has the configured timeout, and dnspython's exceptions are translated here
into :class:`DnsError` naming the server, the zone and the rcode.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import ipaddress
import os
from collections.abc import Awaitable, Callable, Iterator, Sequence
from functools import partial

import dns.asyncquery
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rdtypes.ANY.TXT
import dns.tsig
import dns.update
import dns.xfr

from provisioning.config.models import DnsSettings
from provisioning.dns.errors import AddressTaken, DnsError, NameTaken, ZoneError
from provisioning.dns.owners import bob_fqdn, ptr_owner, text, zone_name
from provisioning.dns.port import ZoneRecord
from provisioning.dns.tags import Tag, make_tag, parse_tag
from provisioning.dns.transfer import transfer
from provisioning.errors import ConfigError

# A zone transfer is many messages; each gets the configured timeout, the whole transfer this
# many times that (a 1,000-record zone takes milliseconds, so this only bounds a stuck server).
TRANSFER_LIFETIME_FACTOR = 10

_TSIG_ERRORS: tuple[tuple[type[Exception], str], ...] = (
    (dns.tsig.PeerBadKey, "NOTAUTH/BADKEY"),
    (dns.tsig.PeerBadSignature, "NOTAUTH/BADSIG"),
    (dns.tsig.PeerBadTime, "NOTAUTH/BADTIME"),
    (dns.tsig.PeerError, "NOTAUTH/TSIG"),
    # The server's own signature on the reply did not verify with our key.
    (dns.tsig.BadSignature, "BADSIG (reply)"),
    (dns.message.UnknownTSIGKey, "BADKEY (reply)"),
)


def secret_from_env(settings: DnsSettings) -> str:
    """The TSIG secret from the environment variable the config names, else from its
    ``tsig_secret_file``; never echoed."""
    secret = os.environ.get(settings.tsig_secret_env)
    if not secret and settings.tsig_secret_file is not None:
        try:
            secret = settings.tsig_secret_file.read_text(encoding="ascii").strip()
        except OSError as exc:
            raise ConfigError(
                f"cannot read the TSIG secret file {settings.tsig_secret_file}: "
                f"{exc.strerror or exc}"
            ) from exc
    if not secret:
        raise ConfigError(
            f"the TSIG secret for key {settings.tsig_key_name} is not set: "
            f"export it in ${settings.tsig_secret_env}"
            + (f" or write it to {settings.tsig_secret_file}" if settings.tsig_secret_file else "")
        )
    return secret


class DnsClient:
    """Implements :class:`provisioning.dns.port.DnsZoneClient` against one server."""

    def __init__(self, settings: DnsSettings, secret: str) -> None:
        self._settings = settings
        self._where = str(settings.server)
        self._key = _tsig_key(settings, secret)

    def __repr__(self) -> str:
        return f"DnsClient(server={self.server}, key={self._settings.tsig_key_name})"

    @property
    def server(self) -> str:
        return f"{self._settings.server}:{self._settings.port}"

    # -- allocation ---------------------------------------------------------------------------

    async def claim(
        self,
        name: str,
        forward_zone: str,
        address: ipaddress.IPv4Address,
        reverse_zone: str,
        job_id: str,
    ) -> None:
        with self._outside_zone(forward_zone):
            fqdn = bob_fqdn(name, forward_zone)
        with self._outside_zone(reverse_zone):
            owner = ptr_owner(address, reverse_zone)
        tag = make_tag(job_id, fqdn.relativize(zone_name(forward_zone)).to_text().lower())
        ptr = [_ptr(fqdn), _txt(tag)]
        forward = [_a(address), _txt(tag)]
        withdraw_ptr = partial(self._delete, reverse_zone, owner, ptr, "withdrawing PTR")
        withdraw_a = partial(self._delete, forward_zone, fqdn, forward, "withdrawing A")
        try:
            await self._claim_owner(
                reverse_zone,
                owner,
                ptr,
                f"claiming {address} for {text(fqdn)}",
                taken=lambda: AddressTaken(address, server=self.server, zone=reverse_zone),
            )
        except AddressTaken:
            raise  # someone else's: nothing of ours was written
        except BaseException:
            # A timeout may hide an applied update. The withdrawal deletes exactly our PTR and
            # tag, so it cannot touch anybody else's records.
            await self._best_effort(withdraw_ptr())
            raise
        try:
            await self._claim_owner(
                forward_zone,
                fqdn,
                forward,
                f"adding {text(fqdn)} → {address}",
                taken=lambda: NameTaken(text(fqdn), server=self.server, zone=forward_zone),
            )
        except NameTaken:
            await self._best_effort(withdraw_ptr())  # nothing of ours reached the forward zone
            raise
        except BaseException:
            await self._best_effort(withdraw_ptr())
            await self._best_effort(withdraw_a())
            raise

    async def release(
        self, name: str, address: ipaddress.IPv4Address, forward_zone: str, reverse_zone: str
    ) -> None:
        with self._outside_zone(forward_zone):
            fqdn = bob_fqdn(name, forward_zone)
        with self._outside_zone(reverse_zone):
            owner = ptr_owner(address, reverse_zone)
        label = fqdn.relativize(zone_name(forward_zone)).to_text().lower()
        # Value-specific deletes only: the A with this address, the PTR to this name and the
        # TXT tags naming this Bob. Deleting what is absent is a no-op, and a hand-made record
        # at the same names survives.
        forward = [_a(address), *[_txt(t) for t in await self._tags(fqdn, forward_zone, label)]]
        reverse = [_ptr(fqdn), *[_txt(t) for t in await self._tags(owner, reverse_zone, label)]]
        await self._delete(forward_zone, fqdn, forward, f"deleting {text(fqdn)}")
        await self._delete(reverse_zone, owner, reverse, f"deleting PTR of {address}")

    async def ptr_exists(self, address: ipaddress.IPv4Address, zone: str | None = None) -> bool:
        if zone is not None:
            with self._outside_zone(zone):
                ptr_owner(address, zone)
        owner = dns.name.from_text(address.reverse_pointer + ".")
        reply = await self._query(owner, dns.rdatatype.PTR, zone or f"of {text(owner)}")
        return reply.rcode() == dns.rcode.NOERROR

    async def axfr(self, zone: str) -> list[ZoneRecord]:
        origin = zone_name(zone)
        with self._translated(f"transferring zone {text(origin)}", text(origin)):
            rrsets = await transfer(
                self._where,
                self._settings.port,
                origin,
                self._key,
                message_timeout=self._settings.timeout,
                lifetime=self._settings.timeout * TRANSFER_LIFETIME_FACTOR,
            )
        return [
            _record(name, rrset.ttl, rdata, origin) for name, rrset in rrsets for rdata in rrset
        ]

    # -- the exchanges ------------------------------------------------------------------------

    async def _claim_owner(
        self,
        zone: str,
        owner: dns.name.Name,
        records: Sequence[dns.rdata.Rdata],
        what: str,
        *,
        taken: Callable[[], DnsError],
    ) -> None:
        """Add ``records`` at ``owner`` only if the name does not exist yet (or is ours)."""
        update = self._update(zone)
        update.absent(owner)  # prerequisite: the name is not in use, else YXDOMAIN
        for rdata in records:
            update.add(owner, self._settings.ttl, rdata)
        rcode = (await self._send(update, zone, what)).rcode()
        if rcode == dns.rcode.NOERROR:
            return
        if rcode == dns.rcode.YXDOMAIN:
            if await self._holds_exactly(zone, owner, records, what):
                return
            raise taken()
        raise DnsError(what, server=self.server, zone=zone, rcode=dns.rcode.to_text(rcode))

    async def _holds_exactly(
        self, zone: str, owner: dns.name.Name, records: Sequence[dns.rdata.Rdata], what: str
    ) -> bool:
        """Whether ``owner`` already holds exactly ``records`` (this job claimed it before).

        Asked as an update whose only content is value-dependent prerequisites, so the server
        answers it atomically: NOERROR when every RRset matches, NXRRSET otherwise.
        """
        update = self._update(zone)
        for rdata in records:
            update.present(owner, rdata)
        rcode = (await self._send(update, zone, what)).rcode()
        if rcode in (dns.rcode.NXRRSET, dns.rcode.NXDOMAIN):
            return False
        if rcode == dns.rcode.NOERROR:
            return True
        raise DnsError(what, server=self.server, zone=zone, rcode=dns.rcode.to_text(rcode))

    async def _delete(
        self, zone: str, owner: dns.name.Name, records: Sequence[dns.rdata.Rdata], what: str
    ) -> None:
        update = self._update(zone)
        for rdata in records:
            update.delete(owner, rdata)
        rcode = (await self._send(update, zone, what)).rcode()
        if rcode != dns.rcode.NOERROR:
            raise DnsError(what, server=self.server, zone=zone, rcode=dns.rcode.to_text(rcode))

    async def _tags(self, owner: dns.name.Name, zone: str, label: str) -> list[Tag]:
        reply = await self._query(owner, dns.rdatatype.TXT, zone)
        rrset = reply.get_rrset(reply.answer, owner, dns.rdataclass.IN, dns.rdatatype.TXT)
        tags = (parse_tag(_txt_text(rdata)) for rdata in rrset or ())
        return [tag for tag in tags if tag is not None and tag.name == label]

    async def _query(
        self, owner: dns.name.Name, rdtype: dns.rdatatype.RdataType, zone: str
    ) -> dns.message.Message:
        """A signed query whose reply is an authoritative NOERROR or NXDOMAIN, else DnsError.

        REFUSED (not our zone), SERVFAIL (zone not loaded) and NOTAUTH are errors, and so is a
        reply without the AA flag: only the zone's own server may say a name does not exist.
        """
        query = dns.message.make_query(owner, rdtype)
        query.use_tsig(self._key)
        what = f"{dns.rdatatype.to_text(rdtype)} query for {text(owner)}"
        with self._translated(what, zone):
            reply = await dns.asyncquery.udp(
                query, self._where, timeout=self._settings.timeout, port=self._settings.port
            )
        rcode = reply.rcode()
        if rcode not in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
            raise DnsError(what, server=self.server, zone=zone, rcode=dns.rcode.to_text(rcode))
        if not reply.flags & dns.flags.AA:
            raise DnsError(
                what + " (the server is not authoritative)",
                server=self.server,
                zone=zone,
                rcode=dns.rcode.to_text(rcode) + " without AA",
            )
        return reply

    async def _send(
        self, update: dns.update.UpdateMessage, zone: str, what: str
    ) -> dns.message.Message:
        with self._translated(what, zone):
            return await dns.asyncquery.tcp(
                update, self._where, timeout=self._settings.timeout, port=self._settings.port
            )

    def _update(self, zone: str) -> dns.update.UpdateMessage:
        return dns.update.UpdateMessage(zone_name(zone), keyring=self._key)

    async def _best_effort(self, undo: Awaitable[None]) -> None:
        # An undo that fails must not hide the error that made it necessary; release() by the
        # job's undo step (or the reconciler, via the tags) catches what is left.
        with contextlib.suppress(DnsError):
            await undo

    @contextlib.contextmanager
    def _outside_zone(self, zone: str) -> Iterator[None]:
        try:
            yield
        except ZoneError as exc:
            raise DnsError(str(exc), server=self.server, zone=zone, rcode="NOTZONE") from exc

    @contextlib.contextmanager
    def _translated(self, what: str, zone: str) -> Iterator[None]:
        """dnspython's and the socket layer's exceptions, as DnsError with a readable rcode."""
        try:
            yield
        except DnsError:
            raise
        except (dns.exception.Timeout, TimeoutError) as exc:
            raise DnsError(what, server=self.server, zone=zone, rcode="TIMEOUT") from exc
        except dns.xfr.TransferError as exc:
            rcode = dns.rcode.to_text(exc.rcode)
            raise DnsError(what, server=self.server, zone=zone, rcode=rcode) from exc
        except ConnectionRefusedError as exc:
            raise DnsError(
                what, server=self.server, zone=zone, rcode="UNREACHABLE (connection refused)"
            ) from exc
        except (OSError, EOFError) as exc:
            detail = getattr(exc, "strerror", None) or type(exc).__name__
            raise DnsError(
                what, server=self.server, zone=zone, rcode=f"UNREACHABLE ({detail})"
            ) from exc
        except dns.exception.DNSException as exc:
            for kind, rcode in _TSIG_ERRORS:
                if isinstance(exc, kind):
                    raise DnsError(what, server=self.server, zone=zone, rcode=rcode) from exc
            raise DnsError(
                what,
                server=self.server,
                zone=zone,
                rcode=f"BAD REPLY ({type(exc).__name__}: {exc})",
            ) from exc


def _tsig_key(settings: DnsSettings, secret: str) -> dns.tsig.Key:
    try:
        raw = base64.b64decode(secret, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if not raw:
        # Say which variable, never what it held.
        raise ConfigError(
            f"the TSIG secret in ${settings.tsig_secret_env} for key {settings.tsig_key_name} "
            "is not base64"
        )
    return _QuietKey(settings.tsig_key_name, raw, settings.tsig_algorithm)


class _QuietKey(dns.tsig.Key):
    """dnspython's Key prints its secret in its repr; tracebacks with locals would show it."""

    def __repr__(self) -> str:
        return f"<TSIG key {self.name} ({self.algorithm}), secret hidden>"


def _a(address: ipaddress.IPv4Address) -> dns.rdata.Rdata:
    return dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.A, str(address))


def _ptr(target: dns.name.Name) -> dns.rdata.Rdata:
    return dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.PTR, target.to_text())


def _txt(tag: Tag) -> dns.rdata.Rdata:
    # Built from bytes, not zone-file text: no quoting rules to get wrong.
    return dns.rdtypes.ANY.TXT.TXT(dns.rdataclass.IN, dns.rdatatype.TXT, [tag.text().encode()])


def _txt_text(rdata: dns.rdata.Rdata) -> str:
    strings: tuple[bytes, ...] = getattr(rdata, "strings", ())
    return "".join(s.decode("utf-8", "replace") for s in strings)


def _record(
    name: dns.name.Name, ttl: int, rdata: dns.rdata.Rdata, origin: dns.name.Name
) -> ZoneRecord:
    rdtype = dns.rdatatype.to_text(rdata.rdtype)
    data = (
        _txt_text(rdata)
        if rdata.rdtype == dns.rdatatype.TXT
        else rdata.to_text(origin=origin, relativize=False)
    )
    return ZoneRecord(name=text(name), type=rdtype, ttl=ttl, data=data)

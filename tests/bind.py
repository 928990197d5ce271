"""A throwaway BIND 9 server for tests and benches: our own ``named``, on loopback, deleted after.

The system's named service is never used or touched. Each server lives in a temporary
directory with fresh zone files (a stale ``.jnl`` journal beside an edited zone file leaves the
zone SERVFAIL), listens on 127.0.0.1 on a free port (UDP and TCP), does no recursion, and
serves the zones it was given with one TSIG key allowed to update and transfer them. It is
ready when every zone answers SOA, and stopped by its PID.

    zones = [Zone("bob.test", ["bob001 A 10.250.1.10"]), Zone("1.250.10.in-addr.arpa")]
    with bind_server(zones) as bind:
        client = DnsClient(bind.settings(), bind.secret)
"""

from __future__ import annotations

import base64
import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dns.exception
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdatatype
import dns.tsig
import dns.xfr
import dns.zone

from provisioning.config.models import DnsSettings
from tests.ports import free_port

NAMED = Path(os.environ.get("BOB_NAMED", "/usr/sbin/named"))
KEY_NAME = "bob-key"
ALGORITHM = "hmac-sha256"
START_ATTEMPTS = 3
READY_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 5.0


StartBind = Callable[[Sequence["Zone"]], "BindServer"]


class BindUnavailable(Exception):
    """BIND cannot be run on this machine; the message says why."""


@dataclass(frozen=True)
class Zone:
    """A zone to serve: its origin, and zone-file lines relative to it (``"5 PTR b5.test."``)."""

    origin: str
    records: Sequence[str] = ()
    serial: int = 1

    def text(self) -> str:
        origin = self.origin.rstrip(".") + "."
        # An out-of-zone NS target: BIND insists an in-zone one has an address record, and
        # the tests want the zone to hold only what they put there.
        header = [
            f"$ORIGIN {origin}",
            "$TTL 300",
            f"@ IN SOA localhost. hostmaster.localhost. {self.serial} 3600 600 86400 300",
            "@ IN NS localhost.",
        ]
        return "\n".join([*header, *self.records, ""])


def ptr_lines(addresses: Iterable[str], zone: str, target: str = "used{n}.bob.test.") -> list[str]:
    """PTR lines for ``addresses`` in reverse ``zone`` (names made absolute, so any zone works)."""
    return [
        f"{_reverse(address)}. PTR {target.format(n=n)}"
        for n, address in enumerate(addresses, start=1)
    ]


def _reverse(address: str) -> str:
    return ".".join(reversed(address.split("."))) + ".in-addr.arpa"


@dataclass
class BindServer:
    root: Path
    zones: tuple[Zone, ...]
    secret: str = field(repr=False)
    port: int = 0
    process: subprocess.Popen[bytes] | None = None

    @classmethod
    def start(cls, zones: Sequence[Zone]) -> BindServer:
        if not NAMED.is_file():
            raise BindUnavailable(
                f"{NAMED} not found; install bind9 (Debian: apt-get install bind9 bind9-utils) "
                "or set BOB_NAMED"
            )
        secret = base64.b64encode(secrets.token_bytes(32)).decode()
        server = cls(
            root=Path(tempfile.mkdtemp(prefix="bob-bind-")), zones=tuple(zones), secret=secret
        )
        try:
            server._start_on_a_free_port()
        except BaseException:
            server.stop()
            raise
        return server

    @property
    def address(self) -> str:
        return "127.0.0.1"

    def settings(self, **overrides: Any) -> DnsSettings:
        """Settings pointing at this server (short timeout: loopback answers in a millisecond)."""
        values: dict[str, Any] = {
            "server": self.address,
            "port": self.port,
            "tsig_key_name": KEY_NAME,
            "tsig_algorithm": ALGORITHM,
            "timeout": 1.0,
        }
        return DnsSettings.model_validate(values | overrides)

    def records(self, zone: str) -> list[tuple[str, str, str]]:
        """Every record of ``zone`` as (absolute name, type, text), by a plain synchronous AXFR.

        An oracle independent of bob's async client: what the server really holds.
        """
        origin = dns.name.from_text(zone.rstrip(".") + ".")
        received = dns.zone.Zone(origin)
        key = dns.tsig.Key(KEY_NAME, self.secret, ALGORITHM)
        query, _ = dns.xfr.make_query(received, serial=None, keyring=key)
        dns.query.inbound_xfr(self.address, received, query, port=self.port, timeout=5.0)
        return sorted(
            (
                name.derelativize(origin).to_text(omit_final_dot=True),
                dns.rdatatype.to_text(rdata.rdtype),
                rdata.to_text(origin=origin, relativize=False),
            )
            for name, _, rdata in received.iterate_rdatas()
        )

    def log(self) -> str:
        path = self.root / "named.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        """Stop our named by its PID (SIGTERM, then SIGKILL) and delete its directory."""
        try:
            if self.process is not None and self.process.poll() is None:
                self.process.send_signal(signal.SIGTERM)
                try:
                    self.process.wait(timeout=STOP_TIMEOUT_S)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait(timeout=STOP_TIMEOUT_S)
        finally:
            self.process = None
            shutil.rmtree(self.root, ignore_errors=True)

    def _start_on_a_free_port(self) -> None:
        # The port is free when chosen but could be taken before named binds it.
        for attempt in range(1, START_ATTEMPTS + 1):
            self.port = free_port(udp_too=True)
            self._write_files()
            with (self.root / "named.log").open("wb") as log:
                self.process = subprocess.Popen(
                    [str(NAMED), "-g", "-4", "-n", "1", "-c", str(self.root / "named.conf")],
                    cwd=self.root,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            if self._wait_ready():
                return
            self.process.kill()
            self.process.wait()
            if attempt == START_ATTEMPTS or "address in use" not in self.log():
                raise BindUnavailable(f"named did not come up:\n{self.log()[-3000:]}")

    def _write_files(self) -> None:
        zone_blocks = []
        for n, zone in enumerate(self.zones):
            # Fresh files on every start, and no journal from an earlier attempt.
            for stale in self.root.glob(f"zone{n}.db*"):
                stale.unlink()
            (self.root / f"zone{n}.db").write_text(zone.text())
            zone_blocks.append(
                f'zone "{zone.origin.rstrip(".")}" {{ type primary; file "zone{n}.db"; '
                f'allow-update {{ key "{KEY_NAME}"; }}; allow-transfer {{ key "{KEY_NAME}"; }}; }};'
            )
        conf = f"""
key "{KEY_NAME}" {{ algorithm {ALGORITHM}; secret "{self.secret}"; }};
controls {{ }};
options {{
    directory "{self.root}";
    pid-file none;
    session-keyfile none;
    managed-keys-directory "{self.root}";
    listen-on port {self.port} {{ 127.0.0.1; }};
    listen-on-v6 {{ none; }};
    recursion no;
    notify no;
    dnssec-validation no;
}};
{chr(10).join(zone_blocks)}
"""
        (self.root / "named.conf").write_text(conf)

    def _wait_ready(self) -> bool:
        """True once every zone answers SOA; False if named exited first."""
        deadline = time.monotonic() + READY_TIMEOUT_S
        pending = [zone.origin.rstrip(".") + "." for zone in self.zones]
        while pending and time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                return False
            try:
                reply = dns.query.udp(
                    dns.message.make_query(pending[0], dns.rdatatype.SOA),
                    self.address,
                    port=self.port,
                    # Short: a query sent before named binds the port is simply lost (no
                    # ICMP error reaches an unconnected socket) and waits out the timeout.
                    timeout=0.05,
                )
            except (OSError, dns.exception.DNSException):
                time.sleep(0.02)
                continue
            if reply.rcode() == dns.rcode.NOERROR and reply.answer:
                pending.pop(0)
            else:
                time.sleep(0.02)
        if pending:
            raise BindUnavailable(f"zones {pending} never answered SOA:\n{self.log()[-3000:]}")
        return True


@contextlib.contextmanager
def bind_server(zones: Sequence[Zone]) -> Iterator[BindServer]:
    server = BindServer.start(zones)
    try:
        yield server
    finally:
        server.stop()

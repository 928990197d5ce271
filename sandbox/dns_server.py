"""The sandbox's BIND: write its files, start ``named``, know when it answers, stop it.

``named -g -4 -n 1 -c CONF`` runs detached (``setsid --fork``, like the hosts' daemons) so it
outlives the ``bob sandbox up`` that started it; its output goes to ``named.log``, its PID to
the pid file named writes itself. A PID is only treated as ours when ``/proc/PID/exe`` is named
and its command line is ``-c`` our config: a reused PID or the machine's own named is left alone.
``stop`` signals every process that passes that check, so a lost pid file leaves no named behind.

Zone data, new sandbox vs restart:

- A new sandbox starts from fresh zone files and no journals. A ``.jnl`` journal left beside a
  rewritten zone file does not match it, and named then serves that zone SERVFAIL.
- When an existing sandbox's named has died (a reboot, a kill), ``up`` starts it again on the
  files it left: named replays each journal onto its own zone file, so the records of the Bobs
  that exist survive. Only a zone whose file is missing is written fresh (and its orphaned
  journal removed).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import time
from pathlib import Path

import dns.asyncquery
import dns.exception
import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype

from sandbox import processes
from sandbox.bind_config import (
    ADDRESS,
    BindLayout,
    named_conf,
    new_secret,
    zone_text,
)
from sandbox.errors import SandboxError
from sandbox.runner import run

NAMED = Path("/usr/sbin/named")
START_TIMEOUT = 5.0  # until named runs (~10 ms)
READY_TIMEOUT = 5.0  # until every zone answers (~20 ms for a handful of tiny zones)
# A query sent before named has bound its port is lost without an error and waits this out.
QUERY_TIMEOUT = 0.1
POLL = 0.02
# What named -g logs when it gives up (config error, ...) and when another process holds the
# port (it then keeps running, without the TCP listener).
FATAL = "exiting (due to"
PORT_TAKEN = "address in use"


def check_startable(bind: BindLayout) -> None:
    """Fail early, before anything is built: named missing, or the port taken."""
    if not NAMED.is_file():
        raise SandboxError(
            f"{NAMED} not found: the sandbox's DNS needs BIND "
            "(Debian: apt-get install bind9 bind9-utils; the system service is not used)"
        )
    for kind, name in ((socket.SOCK_STREAM, "TCP"), (socket.SOCK_DGRAM, "UDP")):
        with socket.socket(socket.AF_INET, kind) as probe:
            if kind == socket.SOCK_STREAM:
                # a TIME_WAIT left by an earlier named is no obstacle; a listener still is
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((ADDRESS, bind.port))
            except OSError as exc:
                raise SandboxError(
                    f"{name} port {bind.port} on {ADDRESS} is in use ({exc.strerror}), and the "
                    "sandbox's DNS server needs it: stop what uses it, or choose another port "
                    "(SandboxOptions.dns_port)"
                ) from exc


def write_files(bind: BindLayout, *, fresh: bool) -> None:
    """named.conf and the key always; zone files all anew (``fresh``) or only where missing."""
    if fresh and bind.dir.exists():
        shutil.rmtree(bind.dir)  # old zone files and journals of a sandbox that is gone
    bind.dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    secret = None if fresh else _read_secret(bind.key_file)
    if secret is None:
        secret = new_secret()
        _write_private(bind.key_file, secret + "\n")
    for zone in bind.zones:
        if fresh or not bind.zone_file(zone).exists():
            bind.journal(zone).unlink(missing_ok=True)
            bind.zone_file(zone).write_text(zone_text(zone), encoding="ascii")
    _write_private(bind.conf, named_conf(bind, secret))


async def start(bind: BindLayout) -> int:
    """Start named on the files in place; its PID once every zone answers."""
    check_startable(bind)
    bind.pid_file.unlink(missing_ok=True)
    since = _log_size(bind)  # judge only what this start logs
    argv = ["setsid", "--fork", str(NAMED), "-g", "-4", "-n", "1", "-c", str(bind.conf)]
    await run(argv, log=bind.log)
    deadline = time.monotonic() + START_TIMEOUT
    while (pid := our_pid(bind)) is None:
        if FATAL in _log_since(bind, since) or time.monotonic() >= deadline:
            raise SandboxError("named did not start", command=argv, stderr=_tail(bind, since))
        await asyncio.sleep(POLL)
    try:
        await wait_ready(bind, pid, READY_TIMEOUT, since)
        if PORT_TAKEN in _log_since(bind, since):
            # the answers may have come from whoever holds the port (see check_startable)
            raise SandboxError(
                f"named could not take port {bind.port} on {ADDRESS}: another process holds it",
                stderr=_tail(bind, since),
            )
    except BaseException:
        await processes.terminate(pid)  # half-up is worse than down: it may answer wrongly
        raise
    return pid


async def wait_ready(
    bind: BindLayout,
    pid: int,
    timeout: float,  # noqa: ASYNC109 (a retry deadline; each query has its own timeout)
    since: int = 0,
) -> None:
    """Until every zone answers SOA authoritatively, or SandboxError with the log from
    ``since`` (a byte offset)."""
    deadline = time.monotonic() + timeout
    while pending := await unanswered(bind):
        if processes.gone(pid) or time.monotonic() >= deadline:
            state = "exited" if processes.gone(pid) else "is running"
            raise SandboxError(
                f"named (pid {pid}) {state}, but zones {', '.join(pending)} do not answer SOA "
                f"on {ADDRESS}#{bind.port}",
                stderr=_tail(bind, since),
            )
        await asyncio.sleep(POLL)


async def unanswered(bind: BindLayout) -> list[str]:
    """The zones that do not answer SOA with an authoritative NOERROR (in zone order)."""
    answers = await asyncio.gather(*(_soa_answered(zone, bind.port) for zone in bind.zones))
    return [zone for zone, ok in zip(bind.zones, answers, strict=True) if not ok]


async def ensure_running(bind: BindLayout) -> int:
    """The PID of the sandbox's named, answering; started again on its data if it had died."""
    pid = our_pid(bind)
    if pid is None:
        write_files(bind, fresh=False)
        return await start(bind)
    await wait_ready(bind, pid, timeout=1.0)
    return pid


def our_pid(bind: BindLayout) -> int | None:
    """The PID of our named, alive: the one its pid file names, else (the file was lost) the
    one running our config."""
    with contextlib.suppress(OSError, ValueError):
        pid = int(bind.pid_file.read_text().strip())
        if _is_ours(pid, bind):
            return pid
    return next(iter(_running_our_config(bind)), None)


async def stop(bind: BindLayout) -> list[str]:
    """Stop our named (SIGTERM, then SIGKILL) and delete its directory; safe to repeat."""
    removed: list[str] = []
    for pid in _running_our_config(bind):  # normally exactly one
        await processes.terminate(pid)
        removed.append(f"named (pid {pid})")
    if bind.dir.exists():
        shutil.rmtree(bind.dir)
        removed.append(f"directory {bind.dir}")
    return removed


def _is_ours(pid: int, bind: BindLayout) -> bool:
    try:
        exe = os.readlink(f"/proc/{pid}/exe").removesuffix(" (deleted)")  # after an upgrade
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return False
    if exe != str(NAMED) or "-c" not in argv:
        return False
    config = argv.index("-c") + 1
    return argv[config : config + 1] == [str(bind.conf)] and not processes.gone(pid)


def _running_our_config(bind: BindLayout) -> list[int]:
    """Every live named whose command line is `-c` our config (checked like our_pid)."""
    pids = (int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit())
    return [pid for pid in pids if _is_ours(pid, bind)]


async def _soa_answered(zone: str, port: int) -> bool:
    query = dns.message.make_query(f"{zone}.", dns.rdatatype.SOA)
    try:
        reply = await dns.asyncquery.udp(query, ADDRESS, port=port, timeout=QUERY_TIMEOUT)
    except (OSError, dns.exception.DNSException):
        return False
    authoritative = bool(reply.flags & dns.flags.AA)
    return reply.rcode() == dns.rcode.NOERROR and authoritative and bool(reply.answer)


def _read_secret(path: Path) -> str | None:
    with contextlib.suppress(OSError):
        return path.read_text(encoding="ascii").strip() or None
    return None


def _write_private(path: Path, text: str) -> None:
    """Mode 0600 from the first byte: the file holds the TSIG secret."""
    path.unlink(missing_ok=True)  # O_CREAT keeps an existing file's mode
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as file:
        file.write(text)


def _log_size(bind: BindLayout) -> int:
    try:
        return bind.log.stat().st_size
    except OSError:
        return 0


def _log_since(bind: BindLayout, offset: int) -> str:
    try:
        with bind.log.open("rb") as log:
            log.seek(offset)
            return log.read().decode(errors="replace")
    except OSError:
        return ""


def _tail(bind: BindLayout, since: int, limit: int = 1500) -> str:
    text = _log_since(bind, since).strip()
    return f"[{bind.log}] …{text[-limit:]}" if text else f"[{bind.log}] (empty)"

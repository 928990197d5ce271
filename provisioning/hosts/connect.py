"""Opening one SSH connection to a host, with every failure translated to a HostError."""

from __future__ import annotations

import logging
import os

import asyncssh

from provisioning.config.models import Host
from provisioning.hosts.errors import HostAuthFailed, HostKeyMismatch, HostUnreachable

log = logging.getLogger("bob.hosts")

# An idle cached connection to a host that vanished without a FIN is noticed after
# interval × count seconds instead of on the next command's hang.
KEEPALIVE_INTERVAL_S = 30
KEEPALIVE_COUNT_MAX = 3


async def open_connection(host: Host) -> asyncssh.SSHClientConnection:
    """Connect and log in to ``host``; raises a HostError subclass on any failure.

    Only what the fleet config names is used: its known_hosts file and key file. The user's
    ``~/.ssh/config`` and any ssh-agent are ignored, so bob behaves the same for every user.
    The files are read on every connect, so a rotated key or known_hosts is picked up on the
    next reconnect.
    """
    target = host.ssh
    known_hosts = _read_known_hosts(host)
    client_keys = _read_client_keys(host)
    try:
        conn = await asyncssh.connect(
            target.address,
            target.port,
            username=target.user,
            known_hosts=known_hosts,
            client_keys=client_keys,
            agent_path=None,
            config=None,
            preferred_auth=("publickey",),
            connect_timeout=target.connect_timeout,
            keepalive_interval=KEEPALIVE_INTERVAL_S,
            keepalive_count_max=KEEPALIVE_COUNT_MAX,
        )
    except asyncssh.HostKeyNotVerifiable as exc:
        raise HostKeyMismatch(
            host=host.name,
            address=target.address,
            port=target.port,
            known_hosts=target.known_hosts,
            reason=_key_problem(known_hosts, target.address, target.port),
        ) from exc
    except asyncssh.PermissionDenied as exc:
        raise HostAuthFailed(
            host=host.name,
            user=target.user,
            address=target.address,
            port=target.port,
            reason=f"the host refused our key ({target.key_file or 'default keys'})",
        ) from exc
    except TimeoutError as exc:
        raise _unreachable(
            host, f"no SSH session within the connect timeout of {target.connect_timeout:g} s"
        ) from exc
    except (OSError, asyncssh.Error) as exc:
        # Refused, unreachable, reset, or a peer that is no SSH server (protocol error).
        raise _unreachable(host, _describe(exc)) from exc
    log.info("host.connected host=%s address=%s:%s", host.name, target.address, target.port)
    return conn


def _read_known_hosts(host: Host) -> asyncssh.SSHKnownHosts:
    # Loaded here rather than passed as a path so that a missing file is reported as what it
    # is, not confused with the OSError of a refused connection.
    path = host.ssh.known_hosts
    try:
        return asyncssh.read_known_hosts(str(path))
    except (OSError, ValueError) as exc:
        raise HostKeyMismatch(
            host=host.name,
            address=host.ssh.address,
            port=host.ssh.port,
            known_hosts=path,
            reason=f"cannot read the known_hosts file ({_describe(exc)})",
        ) from exc


def _read_client_keys(host: Host) -> list[asyncssh.SSHKey] | tuple[()]:
    key_file = host.ssh.key_file
    if key_file is None:
        return ()  # asyncssh's defaults: ~/.ssh/id_* of the user bob runs as
    try:
        return [asyncssh.read_private_key(str(key_file))]
    except (OSError, asyncssh.KeyImportError) as exc:
        raise HostAuthFailed(
            host=host.name,
            user=host.ssh.user,
            address=host.ssh.address,
            port=host.ssh.port,
            # The file name and the reason only: never anything read from the key.
            reason=f"cannot use key file {key_file} ({_describe(exc)})",
        ) from exc


def _key_problem(known_hosts: asyncssh.SSHKnownHosts, address: str, port: int) -> str:
    trusted_keys = known_hosts.match(address, address, port)[0]
    if trusted_keys:
        return "the host presented a different key than the one on file (changed key?)"
    return f"the file has no entry for [{address}]:{port} (unknown host)"


def _unreachable(host: Host, reason: str) -> HostUnreachable:
    return HostUnreachable(
        host=host.name, address=host.ssh.address, port=host.ssh.port, reason=reason
    )


def _describe(exc: BaseException) -> str:
    # asyncio's OSErrors carry "Connect call failed ('1.2.3.4', 22)" as text: the errno says
    # more ("connection refused", "no route to host").
    text = os.strerror(exc.errno) if isinstance(exc, OSError) and exc.errno else str(exc)
    text = text or type(exc).__name__
    return text[:1].lower() + text[1:]

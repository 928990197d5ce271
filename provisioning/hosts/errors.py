"""What running a command on a host can raise.

They hang off bob's tree in :mod:`provisioning.errors`::

    BobError
    └── HostError               something went wrong on or on the way to a host; carries ``host``
        ├── CommandFailed       the command ran and exited non-zero (argv, exit status, output)
        ├── CommandTimeout      the command ran past its timeout and was stopped
        ├── HostConnectionLost  the connection dropped while a command ran: its outcome is unknown
        ├── HostBusy            the host kept refusing new sessions (sshd MaxSessions)
        ├── HostUnreachable     no SSH connection: refused, timed out, reset (address:port, reason)
        ├── HostKeyMismatch     the host key is unknown or changed (names the known_hosts file)
        └── HostAuthFailed      the host refused our key, or the key file cannot be used

asyncssh and OS errors are translated where they happen (``raise X(...) from exc``), so callers
only ever catch these. Messages never carry a command's stdin or any key material.
"""

from __future__ import annotations

import shlex
import signal
from collections.abc import Sequence
from pathlib import Path

from provisioning.errors import BobError

# How much of each stream a CommandFailed message repeats: enough to see why, short enough for
# chat (both streams at most about twice this).
_TAIL_LINES = 5
_TAIL_CHARS = 600
# How much of a command line a message quotes: the program and its first arguments say what
# ran; a bootstrap's `lxc-attach … sh -c '…'` runs to hundreds of characters, which the debug
# log (``host.command``) has whole.
COMMAND_CHARS = 100


def shown(argv: Sequence[str]) -> str:
    """``argv`` as a shell would read it, cut to :data:`COMMAND_CHARS` (ending in ``…``)."""
    line = shlex.join(argv)
    return line if len(line) <= COMMAND_CHARS else line[: COMMAND_CHARS - 1] + "…"


def stderr_tail(stderr: str) -> str:
    """The last few non-empty lines of ``stderr`` (or of any output), joined by newlines."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    tail = "\n".join(lines[-_TAIL_LINES:])
    return tail if len(tail) <= _TAIL_CHARS else "…" + tail[-_TAIL_CHARS:]


def said(stdout: str, stderr: str) -> str:
    """What a failed command said: the tail of stderr, then the tail of stdout labelled.

    Both, because programs disagree on where errors go: debootstrap prints ``E: Failed getting
    release file …`` on stdout and nothing on stderr.
    """
    text = stderr_tail(stderr) or "(no stderr)"
    if out := stderr_tail(stdout):
        text += f"\nstdout: {out}"
    return text


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


class HostError(BobError):
    """Base of every host-side failure; ``host`` is the host's name from the fleet config."""

    blame = "host"

    def __init__(self, message: str, *, host: str) -> None:
        super().__init__(message)
        self.host = host


class CommandFailed(HostError):
    """The command ran and exited non-zero (a negative status is the signal that killed it)."""

    def __init__(
        self,
        *,
        host: str,
        argv: Sequence[str],
        exit_status: int,
        stderr: str,
        stdout: str = "",
    ) -> None:
        if exit_status >= 0:
            how = f"exited {exit_status}"
        else:
            how = f"was killed by {_signal_name(-exit_status)}"
        super().__init__(f"{host}: `{shown(argv)}` {how}: {said(stdout, stderr)}", host=host)
        self.argv = tuple(argv)
        self.exit_status = exit_status
        self.stderr = stderr
        self.stdout = stdout


class CommandTimeout(HostError):
    """The command did not finish in time; its channel was closed and the host stops it."""

    def __init__(self, *, host: str, argv: Sequence[str], timeout: float) -> None:
        super().__init__(
            f"{host}: `{shown(argv)}` did not finish within {timeout:g} s and was stopped",
            host=host,
        )
        self.argv = tuple(argv)
        self.timeout = timeout


class HostConnectionLost(HostError):
    """The connection dropped while the command ran: it may or may not have taken effect."""

    def __init__(self, *, host: str, argv: Sequence[str], reason: str) -> None:
        super().__init__(
            f"{host}: connection lost while running `{shown(argv)}` ({reason}); "
            "its outcome is unknown",
            host=host,
        )
        self.argv = tuple(argv)
        self.reason = reason


class HostBusy(HostError):
    """sshd kept refusing new session channels (its MaxSessions is shared with other clients)."""

    def __init__(self, *, host: str, attempts: int, reason: str) -> None:
        super().__init__(
            f"{host}: refused a new session {attempts} times in a row ({reason})", host=host
        )
        self.attempts = attempts
        self.reason = reason


class HostUnreachable(HostError):
    """No SSH connection could be made: nothing listens, the network drops it, or no handshake."""

    def __init__(self, *, host: str, address: str, port: int, reason: str) -> None:
        super().__init__(f"{host}: cannot reach {address}:{port}: {reason}", host=host)
        self.address = address
        self.port = port
        self.reason = reason


class HostKeyMismatch(HostError):
    """The host's key is not the one the known_hosts file trusts (or the file has no entry)."""

    def __init__(
        self, *, host: str, address: str, port: int, known_hosts: Path, reason: str
    ) -> None:
        super().__init__(
            f"{host}: host key of {address}:{port} not verified against {known_hosts}: {reason}",
            host=host,
        )
        self.address = address
        self.port = port
        self.known_hosts = known_hosts
        self.reason = reason


class HostAuthFailed(HostError):
    """The host refused our key, or the configured key file cannot be read."""

    def __init__(self, *, host: str, user: str, address: str, port: int, reason: str) -> None:
        super().__init__(f"{host}: cannot log in as {user}@{address}:{port}: {reason}", host=host)
        self.user = user
        self.address = address
        self.port = port
        self.reason = reason

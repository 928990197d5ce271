"""An in-memory HostShell for other modules' unit tests: records argv, answers from a script.

    shell = FakeShell("host-a")
    shell.on("lxc-info", "-n", "bob001", stdout="State: RUNNING\\n")
    shell.on("lxc-start", exit_status=1, stderr="lxc-start: bob001: failed\\n")
    ...
    assert ("lxc-start", "-n", "bob001", "-d") in shell.argvs

An argv is answered by the most recent rule whose argv prefix it starts with; with no rule it
succeeds with no output (``strict=True`` makes that an AssertionError instead). Failures raise
the real :mod:`provisioning.hosts.errors`, so code under test sees what SshShell would raise.
tests/contracts/test_host_shell.py holds it and SshShell (against a real sshd) to the same
assertions; this fake never replaces testing the adapter.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from provisioning.hosts.errors import CommandFailed, HostError
from provisioning.hosts.shell import CommandResult, LineCallback


@dataclass(frozen=True)
class Reply:
    stdout: str = ""
    stderr: str = ""
    exit_status: int = 0
    # Raised instead of answering, e.g. CommandTimeout(...) or HostUnreachable(...).
    raises: BaseException | None = None


@dataclass(frozen=True)
class Call:
    argv: tuple[str, ...]
    input: str | None
    timeout: float | None
    streamed: bool


# Computes a reply from the argv and stdin: for state that changes as commands run.
Responder = Callable[[tuple[str, ...], str | None], Reply]


@dataclass
class _Rule:
    prefix: tuple[str, ...]
    respond: Responder
    remaining: int | None


class FakeShell:
    def __init__(self, name: str = "host-a", *, strict: bool = False) -> None:
        self.name = name
        self.calls: list[Call] = []
        self.closed = False
        self._strict = strict
        self._rules: list[_Rule] = []

    def on(
        self,
        *prefix: str,
        stdout: str = "",
        stderr: str = "",
        exit_status: int = 0,
        raises: BaseException | None = None,
        respond: Responder | None = None,
        times: int | None = None,
    ) -> None:
        """Answer argv starting with ``prefix`` (``times`` times, or for good)."""
        reply = Reply(stdout, stderr, exit_status, raises)
        self._rules.append(_Rule(tuple(prefix), respond or (lambda argv, stdin: reply), times))

    @property
    def argvs(self) -> list[tuple[str, ...]]:
        return [call.argv for call in self.calls]

    async def run(
        self,
        argv: Sequence[str],
        *,
        input: str | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 (the port's signature)
        check: bool = True,
    ) -> CommandResult:
        call = Call(tuple(argv), input, timeout, streamed=False)
        return self._finish(call, self._reply(call), check)

    async def stream(
        self,
        argv: Sequence[str],
        on_line: LineCallback,
        *,
        timeout: float | None = None,  # noqa: ASYNC109 (the port's signature)
        check: bool = True,
    ) -> CommandResult:
        call = Call(tuple(argv), None, timeout, streamed=True)
        reply = self._reply(call)
        for line in _lines(reply.stdout) + _lines(reply.stderr):
            await on_line(line)
        return self._finish(call, reply, check)

    async def close(self) -> None:
        self.closed = True

    def _reply(self, call: Call) -> Reply:
        if self.closed:
            raise HostError(f"{self.name}: the shell is closed", host=self.name)
        self.calls.append(call)
        for rule in reversed(self._rules):
            if call.argv[: len(rule.prefix)] == rule.prefix and rule.remaining != 0:
                if rule.remaining is not None:
                    rule.remaining -= 1
                reply = rule.respond(call.argv, call.input)
                if reply.raises is not None:
                    raise reply.raises
                return reply
        assert not self._strict, f"{self.name}: no scripted reply for {call.argv}"
        return Reply()

    def _finish(self, call: Call, reply: Reply, check: bool) -> CommandResult:
        if check and reply.exit_status != 0:
            raise CommandFailed(
                host=self.name,
                argv=call.argv,
                exit_status=reply.exit_status,
                stderr=reply.stderr,
                stdout=reply.stdout,
            )
        return CommandResult(call.argv, reply.exit_status, reply.stdout, reply.stderr, 0.0)


def _lines(output: str) -> list[str]:
    """Lines as SshShell hands them over: each stream on its own, split on newline only (a
    bare carriage return redraws a progress meter), without the newline or a CR before it."""
    return (
        [line.removesuffix("\r") for line in output.removesuffix("\n").split("\n")]
        if output
        else []
    )

"""The HostShell contract: FakeShell and SshShell (against a real sshd) answer alike.

The fake cannot run commands, so each test first scripts it with what the real command does
(``given``; a no-op for SshShell, whose command really does it). What is compared is the rest:
result fields, failure as CommandFailed, stdin, streaming, a closed shell. Timeouts and lost
connections are the adapter's own business (tests/provisioning/hosts) and are not shared.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from provisioning.fakes import FakeShell, Reply
from provisioning.hosts.errors import CommandFailed, HostError
from provisioning.hosts.shell import HostShell
from provisioning.hosts.ssh import SshShell
from tests.provisioning.hosts.sshd import SshServer

ECHO_BOTH = ["sh", "-c", "echo out; echo err >&2; exit 3"]
CAT = ["cat"]
LINES = ["sh", "-c", "printf 'one\\ntwo\\nthree'"]
FAIL_AFTER_LINES = ["sh", "-c", "echo one; echo two; exit 7"]


@dataclass
class Subject:
    shell: HostShell
    # Tells the fake what the real command answers; the real shell needs no telling.
    given: Callable[..., None]


def echo_stdin(argv: tuple[str, ...], stdin: str | None) -> Reply:
    return Reply(stdout=stdin or "")


@pytest.fixture(params=["fake", "ssh"])
async def subject(request: pytest.FixtureRequest) -> AsyncIterator[Subject]:
    if request.param == "fake":
        fake = FakeShell("host-a", strict=True)
        yield Subject(fake, fake.on)
        await fake.close()
        return
    sshd: SshServer = request.getfixturevalue("sshd")
    real = SshShell(sshd.host())

    def nothing(*prefix: str, **reply: Any) -> None:
        pass

    try:
        yield Subject(real, nothing)
    finally:
        await real.close()


async def test_a_result_carries_argv_status_and_both_outputs(subject: Subject) -> None:
    subject.given(*ECHO_BOTH, stdout="out\n", stderr="err\n", exit_status=3)

    result = await subject.shell.run(ECHO_BOTH, check=False)

    assert (tuple(ECHO_BOTH), 3, "out\n", "err\n", False) == (
        result.argv,
        result.exit_status,
        result.stdout,
        result.stderr,
        result.ok,
    )
    assert result.duration_s >= 0


async def test_with_check_a_non_zero_exit_raises_command_failed(subject: Subject) -> None:
    subject.given(*ECHO_BOTH, stdout="out\n", stderr="err\n", exit_status=3)

    with pytest.raises(CommandFailed) as failed:
        await subject.shell.run(ECHO_BOTH)

    assert (subject.shell.name, tuple(ECHO_BOTH), 3, "out\n", "err\n") == (
        failed.value.host,
        tuple(failed.value.argv),
        failed.value.exit_status,
        failed.value.stdout,
        failed.value.stderr,
    )
    assert str(failed.value).startswith(f"{subject.shell.name}: `sh -c ")


async def test_input_is_the_commands_stdin_and_none_is_an_empty_one(subject: Subject) -> None:
    subject.given(*CAT, respond=echo_stdin)

    assert "secret\nline\n" == (await subject.shell.run(CAT, input="secret\nline\n")).stdout
    assert "" == (await subject.shell.run(CAT)).stdout


async def test_stream_hands_over_each_line_without_its_newline(subject: Subject) -> None:
    subject.given(*LINES, stdout="one\ntwo\nthree")
    lines: list[str] = []

    async def on_line(line: str) -> None:
        lines.append(line)

    result = await subject.shell.stream(LINES, on_line)

    assert ["one", "two", "three"] == lines
    assert (0, "one\ntwo\nthree") == (result.exit_status, result.stdout)


async def test_stream_with_check_raises_after_the_lines_arrived(subject: Subject) -> None:
    subject.given(*FAIL_AFTER_LINES, stdout="one\ntwo\n", exit_status=7)
    lines: list[str] = []

    async def on_line(line: str) -> None:
        lines.append(line)

    with pytest.raises(CommandFailed) as failed:
        await subject.shell.stream(FAIL_AFTER_LINES, on_line)

    assert (["one", "two"], 7) == (lines, failed.value.exit_status)


async def test_a_closed_shell_runs_nothing(subject: Subject) -> None:
    subject.given("true")
    await subject.shell.run(["true"])

    await subject.shell.close()

    with pytest.raises(HostError, match="closed"):
        await subject.shell.run(["true"])


async def test_stream_keeps_stdout_and_stderr_lines_apart(subject: Subject) -> None:
    # No trailing newline on stdout: its last line must not run into stderr's first.
    argv = ["sh", "-c", "printf 'out'; printf 'err\\n' >&2"]
    subject.given(*argv, stdout="out", stderr="err\n")
    lines: list[str] = []

    async def on_line(line: str) -> None:
        lines.append(line)

    result = await subject.shell.stream(argv, on_line)

    # The two pipes are read side by side, so only each one's own order is promised.
    assert ["err", "out"] == sorted(lines)
    assert ("out", "err\n") == (result.stdout, result.stderr)


async def test_stream_splits_lines_on_newline_only(subject: Subject) -> None:
    # Progress meters redraw with a bare carriage return; that is still one line.
    argv = ["sh", "-c", "printf '10%%\\r20%%\\r\\ndone\\r\\n'"]
    subject.given(*argv, stdout="10%\r20%\r\ndone\r\n")
    lines: list[str] = []

    async def on_line(line: str) -> None:
        lines.append(line)

    await subject.shell.stream(argv, on_line)

    assert ["10%\r20%", "done"] == lines

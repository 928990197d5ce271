"""The FakeShell other modules test against behaves like the port says."""

from __future__ import annotations

import pytest

from provisioning.fakes import FakeShell, Reply
from provisioning.hosts.errors import CommandFailed, CommandTimeout, HostError
from provisioning.hosts.shell import HostShell


def as_port(shell: FakeShell) -> HostShell:
    return shell  # mypy checks that the fake satisfies the Protocol


async def test_it_records_every_argv_with_its_input():
    shell = FakeShell()

    await as_port(shell).run(["tee", "/etc/hostname"], input="bob001\n")

    assert [("tee", "/etc/hostname")] == shell.argvs
    assert "bob001\n" == shell.calls[0].input


async def test_the_latest_matching_rule_answers():
    shell = FakeShell()
    shell.on("lxc-info", stdout="State: STOPPED\n")
    shell.on("lxc-info", "-n", "bob001", stdout="State: RUNNING\n")

    running = await shell.run(["lxc-info", "-n", "bob001", "-s"])
    stopped = await shell.run(["lxc-info", "-n", "bob002", "-s"])

    assert ("State: RUNNING\n", "State: STOPPED\n") == (running.stdout, stopped.stdout)


async def test_a_non_zero_reply_raises_the_real_command_failed():
    shell = FakeShell()
    shell.on("lxc-start", exit_status=1, stderr="failed to start\n")

    with pytest.raises(CommandFailed, match=r"^host-a: `lxc-start -n bob001` exited 1: failed"):
        await shell.run(["lxc-start", "-n", "bob001"])
    assert 1 == (await shell.run(["lxc-start"], check=False)).exit_status


async def test_a_rule_can_run_out_and_a_reply_can_raise():
    shell = FakeShell()
    shell.on("ping", raises=CommandTimeout(host="host-a", argv=["ping"], timeout=1), times=1)

    with pytest.raises(CommandTimeout):
        await shell.run(["ping"])
    assert 0 == (await shell.run(["ping"])).exit_status


async def test_a_responder_sees_argv_and_input():
    shell = FakeShell()
    shell.on("cat", respond=lambda argv, stdin: Reply(stdout=(stdin or "").upper()))

    assert "HELLO" == (await shell.run(["cat"], input="hello")).stdout


async def test_stream_hands_each_line_to_the_callback():
    shell = FakeShell()
    shell.on("chef-client", stdout="one\ntwo\n", stderr="warn\n")
    lines: list[str] = []

    async def on_line(line: str) -> None:
        lines.append(line)

    await as_port(shell).stream(["chef-client"], on_line)

    assert ["one", "two", "warn"] == lines


async def test_strict_mode_refuses_unscripted_commands_and_closed_refuses_all():
    shell = FakeShell(strict=True)
    with pytest.raises(AssertionError, match="no scripted reply for"):
        await shell.run(["rm", "-rf", "/"])

    await shell.close()
    with pytest.raises(HostError, match="closed"):
        await shell.run(["true"])

"""Running commands over a real sshd: results, quoting, failures, stdin, timeouts, streaming."""

from __future__ import annotations

import asyncio
import time

import pytest

from provisioning.hosts.command import stop_scope_argv
from provisioning.hosts.errors import CommandFailed, CommandTimeout, HostConnectionLost
from provisioning.hosts.scope import in_scope, step_scope
from provisioning.hosts.shell import CommandResult
from tests.provisioning.hosts.sshd import processes_running


async def test_run_returns_stdout_stderr_and_exit_status(shell):
    argv = ["sh", "-c", "echo out; echo err >&2; exit 3"]

    result = await shell.run(argv, check=False)

    assert (tuple(argv), 3, "out\n", "err\n") == (
        result.argv,
        result.exit_status,
        result.stdout,
        result.stderr,
    )
    assert 0 < result.duration_s < 5


NASTY = {
    "spaces": "two  words ",
    "quotes": """it's "quoted" """,
    "substitution": "$(touch {marker})",
    "backticks": "`touch {marker}`",
    "separator": "; touch {marker}; #",
    "pipe and redirect": "| tee {marker} > {marker}",
    "newlines": "line one\nline two\n",
    "glob and tilde": "* ~ ?",
    "variables": "$HOME ${{PATH}} $0",
    "backslashes": "a\\b\\\\c\\",
    "leading dash": "-n",
    "empty": "",
    "unicode": "Bob der Baumeister — ünïcødé ✓",
}


@pytest.mark.parametrize("template", NASTY.values(), ids=NASTY.keys())
async def test_an_argument_reaches_the_program_verbatim(shell, tmp_path, template):
    marker = tmp_path / "injected"
    arg = template.format(marker=marker)

    result = await shell.run(["printf", "%s", arg])

    assert arg == result.stdout
    assert not marker.exists()


async def test_a_program_name_with_an_equals_sign_is_not_taken_for_a_variable(shell, tmp_path):
    program = tmp_path / "a=b"
    program.write_text("#!/bin/sh\necho ran\n")
    program.chmod(0o755)

    assert "ran\n" == (await shell.run([str(program)])).stdout


async def test_a_failing_command_raises_with_host_argv_status_and_both_streams(shell):
    argv = ["sh", "-c", "echo progress; echo 'lxc-start: bob001: no such container' >&2; exit 1"]

    with pytest.raises(CommandFailed) as caught:
        await shell.run(argv)

    assert (
        "host-a: `sh -c 'echo progress; echo '\"'\"'lxc-start: bob001: no such container'\"'\"' "
        ">&2; exit 1'` exited 1: lxc-start: bob001: no such container\nstdout: progress"
    ) == str(caught.value)
    assert ("host-a", tuple(argv), 1, "progress\n") == (
        caught.value.host,
        caught.value.argv,
        caught.value.exit_status,
        caught.value.stdout,
    )


async def test_a_command_that_says_why_on_stdout_only_fails_with_those_words(shell):
    # debootstrap against a dead mirror: its error is on stdout, stderr stays empty.
    script = (
        "echo 'I: Retrieving InRelease'; echo 'I: Retrieving Release'; "
        "echo 'E: Failed getting release file http://10.250.255.1/debian/dists/bookworm/Release'; "
        "exit 1"
    )

    with pytest.raises(CommandFailed) as caught:
        await shell.run(["sh", "-c", script])

    assert str(caught.value).endswith(
        "exited 1: (no stderr)\nstdout: I: Retrieving InRelease\nI: Retrieving Release\n"
        "E: Failed getting release file http://10.250.255.1/debian/dists/bookworm/Release"
    )


async def test_a_failure_message_quotes_only_the_last_stderr_lines(shell):
    script = "for i in 1 2 3 4 5 6 7; do echo line$i >&2; done; exit 2"

    with pytest.raises(CommandFailed) as caught:
        await shell.run(["sh", "-c", script])

    assert str(caught.value).endswith("exited 2: line3\nline4\nline5\nline6\nline7")
    assert "line1\n" in caught.value.stderr


async def test_without_check_a_failure_is_returned(shell):
    result = await shell.run(["false"], check=False)

    assert CommandResult(("false",), 1, "", "", result.duration_s) == result


async def test_a_command_killed_by_a_signal_reports_the_signal(shell):
    with pytest.raises(CommandFailed) as caught:
        await shell.run(["sh", "-c", "kill -TERM $$"])

    assert -15 == caught.value.exit_status
    assert "was killed by SIGTERM" in str(caught.value)


async def test_a_missing_program_fails_with_status_127(shell):
    result = await shell.run(["bob-no-such-program"], check=False)

    assert 127 == result.exit_status
    assert "bob-no-such-program" in result.stderr


async def test_input_is_passed_on_stdin(shell):
    text = "first line\nsecond: 'quoted' $(not run)\n"

    assert text == (await shell.run(["cat"], input=text)).stdout


async def test_a_large_input_arrives_whole(shell):
    text = "x" * 999_999 + "\n"

    assert "1000000\n" == (await shell.run(["wc", "-c"], input=text)).stdout


async def test_without_input_stdin_is_closed_so_nothing_waits_for_it(shell):
    assert "" == (await shell.run(["cat"], timeout=5)).stdout


async def test_the_command_runs_with_a_known_path_and_locale(shell):
    env = (await shell.run(["env"])).stdout.splitlines()

    assert {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"} <= set(env)
    assert "LC_ALL=C.UTF-8" in env


async def test_a_command_past_its_timeout_raises_and_is_stopped_on_the_host(sshd, shell):
    argv = ["sleep", f"30.{sshd.port}"]  # an odd duration, so that we find only our own
    started = time.monotonic()

    with pytest.raises(CommandTimeout) as caught:
        await shell.run(argv, timeout=0.5)

    elapsed = time.monotonic() - started
    # A timer never fires early; the upper bound only tells "stopped at the timeout" from
    # "waited for the 30 s command", with room for a loaded machine.
    assert 0.5 <= elapsed < 10
    assert f"host-a: `sleep 30.{sshd.port}` did not finish within 0.5 s and was stopped" == str(
        caught.value
    )
    deadline = time.monotonic() + 3
    while processes_running(argv) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert [] == processes_running(argv)


async def test_a_cancelled_command_is_gone_from_the_host_when_the_cancel_returns(sshd, shell):
    argv = ["sh", "-c", 'sleep "$1"; echo finished', "sh", f"31.{sshd.port}"]
    child = ["sleep", f"31.{sshd.port}"]  # the group's other member: it must go too
    running = asyncio.create_task(shell.run(argv, timeout=60))
    deadline = time.monotonic() + 10
    while not processes_running(child) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert processes_running(child)  # premise: the command runs on the host

    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running

    assert ([], []) == (processes_running(argv), processes_running(child))
    assert "still here\n" == (await shell.run(["echo", "still here"])).stdout


async def test_a_timed_out_command_leaves_the_shell_usable(shell):
    with pytest.raises(CommandTimeout):
        await shell.run(["sleep", "30"], timeout=0.2)

    assert "still here\n" == (await shell.run(["echo", "still here"])).stdout


async def test_stream_delivers_lines_in_order_while_the_command_runs(shell, tmp_path):
    # Each line is written only once the test has seen the one before (it touches "seen-N"):
    # lines held back until the command ends would leave it waiting until its timeout.
    def after(n: int) -> str:
        return f'while [ ! -e "$1/seen-{n}" ]; do sleep 0.01; done'

    script = (
        f"echo one; {after(1)}; echo two >&2; {after(2)}; echo three; {after(3)}; "
        "printf 'no newline'"
    )
    lines: list[str] = []

    async def on_line(line: str) -> None:
        lines.append(line)
        (tmp_path / f"seen-{len(lines)}").touch()

    result = await shell.stream(["sh", "-c", script, "sh", str(tmp_path)], on_line, timeout=10)

    assert ["one", "two", "three", "no newline"] == lines
    assert ("one\nthree\nno newline", "two\n") == (result.stdout, result.stderr)


async def test_stream_raises_after_delivering_a_failing_commands_lines(shell):
    lines: list[str] = []

    async def on_line(line: str) -> None:
        lines.append(line)

    with pytest.raises(CommandFailed) as caught:
        await shell.stream(["sh", "-c", "echo converging; echo boom >&2; exit 4"], on_line)

    assert (["converging", "boom"], 4) == (lines, caught.value.exit_status)


async def test_stream_times_out_like_run(shell):
    async def on_line(line: str) -> None:
        pass

    with pytest.raises(CommandTimeout):
        await shell.stream(["sh", "-c", "echo started; sleep 30"], on_line, timeout=0.3)


async def test_an_error_in_the_line_callback_propagates(shell):
    async def on_line(line: str) -> None:
        raise RuntimeError(f"job log refused {line!r}")

    with pytest.raises(RuntimeError, match="job log refused 'hello'"):
        await shell.stream(["echo", "hello"], on_line)


@pytest.mark.parametrize("error", [OSError("disk full"), TimeoutError("chat API timed out")])
async def test_the_callbacks_own_os_and_timeout_errors_are_not_taken_for_the_hosts(shell, error):
    async def on_line(line: str) -> None:
        raise error

    with pytest.raises(type(error)) as caught:
        await shell.stream(["echo", "hello"], on_line)
    assert error is caught.value


async def test_a_command_whose_runner_died_is_found_by_its_steps_scope_and_stopped(sshd, shell):
    # The runner "dies": its connection is cut mid-command, which sshd does not pass on to the
    # command. A later runner knows only the job and the step, not the command's own token.
    mine = ["sleep", f"33.{sshd.port}"]
    neighbour = ["sleep", f"34.{sshd.port}"]  # scope "job1-33": must not match "job1-3"
    with in_scope(step_scope("job1", 3)):
        running = asyncio.create_task(shell.run(mine, timeout=60))
    with in_scope(step_scope("job1", 33)):
        other = asyncio.create_task(shell.run(neighbour, timeout=60))
    deadline = time.monotonic() + 10
    while not (processes_running(mine) and processes_running(neighbour)):
        assert time.monotonic() < deadline, "premise: both commands run on the host"
        await asyncio.sleep(0.05)
    sshd.drop_connections()
    for task in (running, other):
        with pytest.raises(HostConnectionLost):
            await task
    assert processes_running(mine)  # left running by the dropped connection

    stopped = await shell.run(stop_scope_argv(step_scope("job1", 3)))

    assert ([], 1) == (processes_running(mine), len(processes_running(neighbour)))
    assert stopped.stdout.split()  # it says which pids it stopped
    await shell.run(stop_scope_argv(step_scope("job1", 33)))
    assert [] == processes_running(neighbour)

"""Host error messages: what an operator reads in the job log and the chat thread."""

from __future__ import annotations

from pathlib import Path

import pytest

from provisioning.errors import BobError
from provisioning.hosts.errors import (
    COMMAND_CHARS,
    CommandFailed,
    CommandTimeout,
    HostError,
    HostKeyMismatch,
    HostUnreachable,
    stderr_tail,
)


def test_command_failed_names_host_command_status_and_stderr():
    error = CommandFailed(
        host="host-a",
        argv=["lxc-start", "-n", "bob001", "-d"],
        exit_status=1,
        stderr="lxc-start: bob001: tools/lxc_start.c: main: 306 Failed to start\n",
    )

    assert (
        "host-a: `lxc-start -n bob001 -d` exited 1: "
        "lxc-start: bob001: tools/lxc_start.c: main: 306 Failed to start"
    ) == str(error)


def test_a_long_command_line_is_quoted_cut_short_its_program_first():
    script = "set -e; " + "apt-get install -y x; " * 20
    argv = ["lxc-attach", "-n", "bob001", "--clear-env", "--", "sh", "-c", script]

    for error in (
        CommandFailed(host="host-a", argv=argv, exit_status=100, stderr="E: no x\n"),
        CommandTimeout(host="host-a", argv=argv, timeout=60),
    ):
        quoted = str(error).split("`")[1]
        assert quoted.startswith("lxc-attach -n bob001 --clear-env -- sh -c 'set -e; apt-get")
        assert (COMMAND_CHARS, "…") == (len(quoted), quoted[-1])
        assert tuple(argv) == error.argv  # whole, for whoever handles it


def test_command_failed_without_stderr_says_so():
    assert "host-a: `false` exited 1: (no stderr)" == str(
        CommandFailed(host="host-a", argv=["false"], exit_status=1, stderr="")
    )


def test_command_failed_quotes_stdout_when_the_error_is_only_there():
    error = CommandFailed(
        host="host-a",
        argv=["debootstrap", "bookworm", "/b", "http://10.250.255.1/debian"],
        exit_status=1,
        stderr="",
        stdout="I: Retrieving Release \nE: Failed getting release file http://10.250.255.1/…\n",
    )

    assert (
        "host-a: `debootstrap bookworm /b http://10.250.255.1/debian` exited 1: (no stderr)\n"
        "stdout: I: Retrieving Release \nE: Failed getting release file http://10.250.255.1/…"
    ) == str(error)


def test_command_failed_quotes_the_last_lines_of_each_stream_bounded():
    noise = "".join(f"{'x' * 300} {i}\n" for i in range(50))
    error = CommandFailed(
        host="h", argv=["build"], exit_status=2, stderr=noise + "err\n", stdout=noise + "out\n"
    )

    text = str(error)
    assert text.startswith("h: `build` exited 2: …")
    assert "err\nstdout: …" in text
    assert text.endswith("x 49\nout")
    assert len(text) < 2 * 620 + 40


def test_command_failed_names_the_killing_signal():
    error = CommandFailed(host="host-a", argv=["sleep", "9"], exit_status=-9, stderr="")

    assert "host-a: `sleep 9` was killed by SIGKILL: (no stderr)" == str(error)


@pytest.mark.parametrize(
    ("stderr", "tail"),
    [
        ("", ""),
        ("one\n\n  \ntwo\n", "one\ntwo"),
        ("".join(f"l{i}\n" for i in range(9)), "l4\nl5\nl6\nl7\nl8"),
        ("x" * 700, "…" + "x" * 600),
    ],
)
def test_the_stderr_tail_keeps_the_last_few_non_empty_lines(stderr, tail):
    assert tail == stderr_tail(stderr)


@pytest.mark.parametrize(
    "error",
    [
        CommandFailed(host="h", argv=["x"], exit_status=1, stderr=""),
        CommandTimeout(host="h", argv=["x"], timeout=1),
        HostUnreachable(host="h", address="10.250.0.2", port=22, reason="connection refused"),
        HostKeyMismatch(
            host="h", address="10.250.0.2", port=22, known_hosts=Path("/k"), reason="changed"
        ),
    ],
    ids=type,
)
def test_every_host_error_is_a_bob_error_that_names_its_host(error):
    assert isinstance(error, HostError)
    assert isinstance(error, BobError)
    assert "h" == error.host
    assert str(error).startswith("h: ")

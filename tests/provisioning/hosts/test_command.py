"""The command line sent for an argv: quoted whole, wrapped in a fixed env and timeout."""

from __future__ import annotations

import shlex

import pytest

from provisioning.hosts.command import KILL_AFTER_S, remote_command, stop_argv, stop_scope_argv

ENV = {"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8"}


@pytest.mark.parametrize(
    "argv",
    [
        ["lxc-start", "-n", "bob001", "-d"],
        ["printf", "%s", "$(reboot); `reboot` | tee /etc/passwd && echo 'x' \"y\"\n"],
        ["a=b", "--", "-n", "", " ", "ünï"],
    ],
)
def test_the_shell_splits_the_line_back_into_the_wrapper_and_the_exact_argv(argv):
    words = shlex.split(remote_command(argv, timeout=60, env=ENV))

    expected_wrapper = [
        "env",
        "PATH=/usr/bin:/bin",
        "LC_ALL=C.UTF-8",
        "timeout",
        f"--kill-after={KILL_AFTER_S}",
        "60.000",
    ]
    assert [*expected_wrapper, *argv] == words


@pytest.mark.parametrize(("timeout", "text"), [(0.25, "0.250"), (1, "1.000"), (7200, "7200.000")])
def test_the_timeout_is_written_in_seconds(timeout, text):
    assert text == shlex.split(remote_command(["true"], timeout=timeout, env={}))[3]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "argv must name a program"),
        ([""], "argv must name a program"),
        ("ls -l", "argv must be a sequence of arguments, not a string"),
        (["echo", "nul\0byte"], "cannot be passed to exec"),
        (["echo", 3], "cannot be passed to exec"),
    ],
)
def test_an_argv_that_cannot_be_run_is_rejected(argv, message):
    with pytest.raises(ValueError, match=message):
        remote_command(argv, timeout=1)


@pytest.mark.parametrize("timeout", [0, -1, float("nan")])
def test_a_timeout_must_be_positive(timeout):
    with pytest.raises(ValueError, match="timeout must be positive"):
        remote_command(["true"], timeout=timeout)


def test_environment_names_are_checked():
    with pytest.raises(ValueError, match="invalid environment variable names"):
        remote_command(["true"], timeout=1, env={"A B": "x"})


def test_a_tag_names_the_command_in_its_environment_for_a_later_stop():
    words = shlex.split(remote_command(["true"], timeout=1, env=ENV, tag="a1-b_2"))

    assert ["env", "PATH=/usr/bin:/bin", "LC_ALL=C.UTF-8", "BOB_COMMAND=a1-b_2"] == words[:4]
    assert ["a1-b_2", "whole"] == stop_argv("a1-b_2")[-2:]
    assert ["a1-b", "scope"] == stop_scope_argv("a1-b")[-2:]


@pytest.mark.parametrize("tag", ["", "a b", "x$(reboot)", "a\nb", "ab\n"])
def test_a_tag_is_kept_to_characters_nothing_parses(tag):
    with pytest.raises(ValueError, match="a command tag holds"):
        remote_command(["true"], timeout=1, tag=tag)
